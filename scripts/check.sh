#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, from a fresh Debian 12 as root: install what is
# needed, then `make check` (unit tests, integration tests in network
# namespaces, then both again under ASan/UBSan).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
exec make check
