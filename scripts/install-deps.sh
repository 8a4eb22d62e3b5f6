#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what nfqlb needs to build, test and run on Debian 12.
# Idempotent: runs apt-get only for packages that are missing.
set -eu

PKGS="build-essential pkg-config make gcc libc6-dev
libnetfilter-queue-dev libmnl-dev libnfnetlink-dev libipset-dev libconfig-dev
check libsystemd-dev libjson-c-dev libmicrohttpd-dev
iptables ipset iproute2 conntrack kmod procps python3 stress-ng iputils-ping
systemd-container
dpkg-dev debhelper devscripts lintian
clang libclang-rt-14-dev util-linux
prometheus chromium curl bash-completion
keepalived conntrackd nftables iperf3
freeradius mmdebstrap
squid e2guardian"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# The web proxies of t_proxy.sh run as the test's own instances, inside the
# lab's namespace, with their own files: the packages' services must never
# run on the box. Stopped, disabled and masked right after install (and on
# every run, in case something enabled them since).
quiet_proxies() {
	for svc in squid e2guardian clamav-daemon clamav-freshclam; do
		[ -e "/lib/systemd/system/$svc.service" ] || [ -e "/etc/init.d/$svc" ] || continue
		if [ -d /run/systemd/system ]; then
			systemctl stop "$svc.service" >/dev/null 2>&1 || true
		elif [ -x "/etc/init.d/$svc" ]; then
			"/etc/init.d/$svc" stop >/dev/null 2>&1 || true
		fi
		systemctl disable "$svc.service" >/dev/null 2>&1 || true
		systemctl mask "$svc.service" >/dev/null 2>&1 || true
		update-rc.d "$svc" disable >/dev/null 2>&1 || true
	done
	# clamav-daemon is also socket-activated.
	if [ -e /lib/systemd/system/clamav-daemon.socket ]; then
		systemctl disable clamav-daemon.socket >/dev/null 2>&1 || true
		systemctl mask clamav-daemon.socket >/dev/null 2>&1 || true
	fi
}
if [ -z "$missing" ]; then
	[ "$(id -u)" -eq 0 ] && quiet_proxies
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing:$missing; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing$missing"
# One install at a time, among our own runs too.
exec 9> /var/lock/nfqlb-install-deps.lock
flock -w 900 9 || { echo "install-deps: lock busy for 900 s" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second test run, unattended-upgrades) holds the lock:
# wait for it rather than fail.
APT="apt-get -o DPkg::Lock::Timeout=600"
# Services installed for the tests (freeradius, a portal box's RADIUS
# server; keepalived, conntrackd, prometheus) are not started on this
# box: a policy-rc.d of ours for this run, unless the box has its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# nfqlb install-deps.sh, removed when it ends\nexit 101\n' \
		> /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$APT update -qq
# shellcheck disable=SC2086
$APT install -y -qq --no-install-recommends $missing
# Enabled at install, but started by nothing of ours: a box with
# FreeRADIUS installed is what the suite must pass on (tests/package
# judges nfqlb's units alone), not one with it running.
quiet_proxies
