#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what nfqlb needs to build, test and run on Debian 12.
# Idempotent: runs apt-get only for packages that are missing.
set -eu

PKGS="build-essential pkg-config make gcc libc6-dev
libnetfilter-queue-dev libmnl-dev libnfnetlink-dev libipset-dev libconfig-dev
check libsystemd-dev
iptables ipset iproute2 conntrack kmod procps python3"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
