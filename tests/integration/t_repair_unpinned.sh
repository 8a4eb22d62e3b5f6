#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t_repair.sh with pin_connections = false: the map set is flushed,
# destroyed and put back too.
PIN=false
# shellcheck source=t_repair.sh
. "$(dirname "$0")/t_repair.sh"
