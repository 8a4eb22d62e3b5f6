#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: build it from a copy of the tree with
# `dpkg-buildpackage -us -uc -b` (its dh_auto_test runs the unit tests),
# then lintian (no error, no warning that is not overridden with its
# reason), hardening-check on the binaries, and what the package holds
# and does: the unit installed but neither enabled nor started, the
# example configuration a conffile, hooks and man pages in place, the
# version the VERSION file's.  Then, as root where systemd-nspawn is
# installed, the .deb is installed and purged under a real systemd in a
# throw-away container (tests/integration/nspawn.sh).  The tree is not
# written.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/package/tap.sh"
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi; }

for tool in dpkg-buildpackage dh lintian hardening-check; do
	command -v "$tool" >/dev/null || {
		echo "1..0 # SKIP $tool not installed (debhelper, lintian, devscripts)"
		exit 77
	}
done

# shellcheck source=../integration/nspawn.sh
. "$TOP/tests/integration/nspawn.sh"
VERSION=$(cat "$TOP/VERSION")
WORK=$(mktemp -d /tmp/nfqlb-deb.XXXXXX)
cleanup() {
	sd_down
	rm -rf "$WORK"
}
trap cleanup EXIT
SRC=$WORK/nfqlb-$VERSION
mkdir "$SRC"
# The committed and new files, not the build directories.
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$TOP" ls-files -co --exclude-standard | tar -C "$TOP" -cf - -T - | tar -C "$SRC" -xf -
else
	tar -C "$TOP" --exclude=./build --exclude='./build-*' -cf - . | tar -C "$SRC" -xf -
fi

is "debian/changelog has the VERSION file's version" \
	"$(cd "$SRC" && dpkg-parsechangelog -S Version)" "$VERSION"

log=$WORK/build.log
if (cd "$SRC" && timeout 600 dpkg-buildpackage -us -uc -b) > "$log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	not_ok "dpkg-buildpackage -us -uc -b" "$(tail -30 "$log")"
	echo "1..$T_N"
	exit 1
fi
DEB=$WORK/nfqlb_${VERSION}_$(dpkg --print-architecture).deb
check "the .deb is there" test -f "$DEB"
check "dh_auto_test ran the unit tests" grep -q "^100%: Checks: .*Failures: 0, Errors: 0" "$log"
check "... and no integration test" sh -c "! grep -q 'tests/integration' '$log'"
check "the builder's flags were used (FORTIFY from dpkg-buildflags)" grep -q -- "-D_FORTIFY_SOURCE=2 .*-c -o build/nfqlbd.o" "$log"
check "no -Werror in a package build" sh -c "! grep -- '-c -o build/nfqlbd.o' '$log' | grep -q -- '-Werror '"

# lintian: errors and warnings fail; info and pedantic tags are shown.
lint=$(cd "$WORK" && lintian --pedantic -I "$DEB" 2>&1 | grep -v '^running with root privileges')
echo "$lint" | sed 's/^/# lintian: /'
is "lintian: no error or warning" "$(echo "$lint" | grep -c '^[EW]: ')" 0

ROOT=$WORK/root
dpkg-deb -x "$DEB" "$ROOT"
# Every line yes, for every binary, control-flow integrity included
# (debian/rules: -fcf-protection, and -z ibt -z shstk because bookworm's
# start files carry no CET note).
for b in nfqlbd nfqlbctl nfqlb-web; do
	out=$(hardening-check "$ROOT/usr/sbin/$b" 2>&1)
	rc=$?
	is "hardening-check $b" "$rc" 0
	for f in "Position Independent Executable" "Stack protected" \
	    "Fortify Source functions" "Read-only relocations" "Immediate binding" \
	    "Control flow integrity"; do
		echo "$out" | grep -q "$f: yes" || not_ok "hardening-check $b: $f" "$out"
	done
	is "hardening-check $b: nothing but yes (stack clash: see below)" \
		"$(echo "$out" | grep -v "^$ROOT" | grep -v ': yes' | grep -v 'Stack clash protection: unknown, no -fstack-clash-protection instructions found')" ""
done

for f in usr/sbin/nfqlbd usr/sbin/nfqlbctl lib/systemd/system/nfqlbd.service \
    usr/lib/nfqlb/chilli-conup.sh usr/lib/nfqlb/chilli-condown.sh \
    usr/share/man/man8/nfqlbd.8.gz usr/share/man/man8/nfqlbctl.8.gz \
    usr/share/man/man5/nfqlb.conf.5.gz etc/nfqlb/nfqlb.conf \
    usr/share/doc/nfqlb/NEWS.gz \
    usr/lib/nfqlb/nfqlb-proxy-conf lib/systemd/system/nfqlb-e2guardian@.service; do
	check "the package holds /$f" test -e "$ROOT/$f"
done
# Behind a web proxy: the helper answers without nfqlbd, and says why.
out=$(NFQLB_SOCKET=/nonexistent "$ROOT/usr/lib/nfqlb/nfqlb-proxy-conf" squid 2>&1); rc=$?
check "nfqlb-proxy-conf without nfqlbd: an error, not silence (exit $rc)" \
	sh -c "[ $rc -ne 0 ] && [ -n \"\$1\" ]" _ "$out"
is "the unit runs /usr/sbin/nfqlbd" "$(grep -c '^ExecStart=/usr/sbin/nfqlbd ' "$ROOT/lib/systemd/system/nfqlbd.service")" 1
# The chilli hooks, chilli-sync.sh and ha-notify.sh: every script that
# runs nfqlbctl runs the installed one.
scripts=$(grep -l 'NFQLBCTL:-' "$ROOT"/usr/lib/nfqlb/*.sh | wc -l)
check "the hooks and scripts are installed ($scripts call nfqlbctl)" test "$scripts" -ge 4
is "each of them calls /usr/sbin/nfqlbctl" \
	"$(grep -l 'NFQLBCTL:-/usr/sbin/nfqlbctl' "$ROOT"/usr/lib/nfqlb/*.sh | wc -l)" "$scripts"
# The version is written in VERSION only: the man pages get it at
# install, and carry ISO dates.
for m in man8/nfqlbd.8 man8/nfqlbctl.8 man8/nfqlb-web.8 man5/nfqlb.conf.5; do
	is "$m: an ISO date and the version in .TH" \
		"$(zcat "$ROOT/usr/share/man/$m.gz" | grep -Ec "^\.TH [A-Z.-]+ [58] [0-9]{4}-[0-9]{2}-[0-9]{2} \"nfqlb $VERSION\" ")" 1
done
is "no version written in the man pages' sources" "$(grep -l "$VERSION" "$TOP"/man/* | tr '\n' ' ')" ""
is "the installed daemon says its version" "$("$ROOT/usr/sbin/nfqlbd" --version)" "nfqlbd $VERSION"

CTL=$WORK/control
dpkg-deb -e "$DEB" "$CTL"
is "the example config is a conffile" "$(cat "$CTL/conffiles")" "/etc/nfqlb/nfqlb.conf"
# Installed, not enabled, not started: the maintainer scripts enable
# only what was enabled before (an upgrade) and start nothing.
check "postinst starts nothing" sh -c "! grep -Eq 'deb-systemd-invoke (start|restart)|systemctl (start|restart)' '$CTL/postinst'"
check "postinst enables only a unit that was enabled before" \
	sh -c "grep -B2 \"deb-systemd-helper enable 'nfqlbd.service'\" '$CTL/postinst' | grep -q 'was-enabled'"
# Both units as shipped, on a box that has the example's interfaces
# (dummies in the container's private network: nothing leaves it), then
# nfqlb-web's exact credentials against every state-changing verb.
web_under_systemd() {
	local i pid uid gid groups out req before
	check "installed: the group nfqlb-read exists (sysusers.d)" in_sd getent group nfqlb-read
	# The example's interfaces and addresses: LAN eth1, routers on eth0,
	# eth2.  veth pairs whose both ends are in the container's private
	# network (the kernel has veth loaded for the lab; a container
	# cannot load dummy): whatever nfqlbd sends stays there.
	for i in "eth0 192.168.50.10/24" "eth1 192.168.182.1/24" "eth2 192.168.60.10/24"; do
		set -- $i
		in_sd ip link add "$1" type veth peer name "$1-peer" &&
			in_sd ip addr add "$2" dev "$1" && in_sd ip link set "$1-peer" up &&
			in_sd ip link set "$1" up || not_ok "interface $1 in the container"
	done
	check "systemctl start nfqlbd nfqlb-web (as shipped)" sysctl_sd start nfqlbd nfqlb-web
	is "nfqlbd is active" "$(sysctl_sd is-active nfqlbd)" active
	is "nfqlb-web is active" "$(sysctl_sd is-active nfqlb-web)" active
	out=""
	for ((i = 0; i < 50; i++)); do
		out=$(in_sd curl -fsS --max-time 2 http://127.0.0.1:9733/metrics 2>&1) && break
		sleep 0.1
	done
	is "/metrics answers, nfqlbd up" "$(echo "$out" | grep -c '^nfqlb_up 1$')" 1
	pid=$(sysctl_sd show -p MainPID --value nfqlb-web)
	uid=$(in_sd awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")
	gid=$(in_sd awk '$1 == "Gid:" { print $2 }' "/proc/$pid/status")
	groups=$(in_sd awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$pid/status" | xargs | tr ' ' ,)
	is "nfqlb-web's groups: its own and nfqlb-read, no other" \
		"$(echo "$groups" | tr , '\n' | grep -vx "$gid" | tr '\n' ' ')" \
		"$(in_sd getent group nfqlb-read | cut -d: -f3) "
	check "nfqlb-web is not root (uid $uid, gid $gid)" test "${uid:-0}" -ne 0 -a "${gid:-0}" -ne 0
	# As nfqlb-web: its uid, gid and groups, no capabilities.
	as_web() { in_sd setpriv --reuid="$uid" --regid="$gid" --groups="$groups" \
		--inh-caps=-all --bounding-set=-all nfqlbctl "$@"; }
	in_sd nfqlbctl bind 192.168.182.20 >/dev/null
	before=$(in_sd nfqlbctl list; in_sd nfqlbctl -j gateways | python3 -c \
		'import json,sys; print([(g["name"], g["weight"]) for g in json.load(sys.stdin)])')
	for req in list gateways stats status version; do
		check "as nfqlb-web: $req works" as_web -s /run/nfqlb/nfqlbd-read.sock "$req"
	done
	writes=("bind 192.168.182.21" "release 192.168.182.20" "weight wan1 9" "drain wan1"
		"gateway del wan2" "reload" "rebalance" "repair" "sync begin" "ha refresh"
		"adopt-conntrack")
	is "every state-changing verb is tried" \
		"$(printf '%s\n' "${writes[@]}" | awk '{ print $1 }' | sort | tr '\n' ' ')" \
		"$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [0-9]*, [0-9]*, 1,.*/\1/p' \
			"$TOP/src/daemon/commands.c" | sort | tr '\n' ' ')"
	for req in "${writes[@]}"; do
		# shellcheck disable=SC2086
		out=$(as_web -s /run/nfqlb/nfqlbd-read.sock raw $req 2>&1)
		is "as nfqlb-web, read socket: $req refused" "$?:$(echo "$out" | grep -c 'changes state')" "4:1"
		# shellcheck disable=SC2086
		out=$(as_web raw $req 2>&1)
		is "as nfqlb-web, control socket: $req cannot connect" \
			"$?:$(echo "$out" | grep -c 'Permission denied')" "4:1"
	done
	is "nothing changed" "$(in_sd nfqlbctl list; in_sd nfqlbctl -j gateways | python3 -c \
		'import json,sys; print([(g["name"], g["weight"]) for g in json.load(sys.stdin)])')" "$before"
	is "no reload happened" "$(in_sd journalctl -u nfqlbd --no-pager | grep -c reloading)" 0
	check "systemctl stop nfqlb-web nfqlbd" sysctl_sd stop nfqlb-web nfqlbd
}

# E2Guardian per gateway under systemd, as shipped: nfqlbd with the
# proxy group, the instances of nfqlb-e2guardian@.service for wan1 and
# wan2 side by side, each as its own user on its gateway's port, its
# user marked by nfqlbd from the start; a missing user is a clear error.
e2guardian_under_systemd() {
	local g port pid uid out t st
	if ! in_sd sh -c 'command -v e2guardian' >/dev/null; then
		not_ok "E2Guardian is installed (scripts/install-deps.sh)"
		return
	fi
	in_sd sh -c 'cat >> /etc/nfqlb/nfqlb.conf' <<-CONF
	proxy = { enable = true; port_base = 3400; ports = [ 80 ]; user_prefix = "nfqlb-e2g-"; };
	CONF
	check "nfqlbd starts with the proxy group" sysctl_sd start nfqlbd
	out=$(sysctl_sd start nfqlb-e2guardian@wan1 2>&1)
	is "nfqlb-e2guardian@wan1 without its user: refused" "$?" 1
	check "... and the journal says the user is missing" \
		in_sd sh -c 'journalctl -u nfqlb-e2guardian@wan1 --no-pager | grep -q "Failed to determine user credentials"'
	# Out of its restart loop (Restart=on-failure) before the user exists.
	sysctl_sd stop nfqlb-e2guardian@wan1 >/dev/null 2>&1
	sysctl_sd reset-failed nfqlb-e2guardian@wan1 >/dev/null 2>&1
	is "... and not running" "$(sysctl_sd is-active nfqlb-e2guardian@wan1)" inactive
	for g in wan1 wan2; do
		in_sd useradd --system --no-create-home --home-dir /nonexistent --gid nogroup \
			--shell /usr/sbin/nologin "nfqlb-e2g-$g" || not_ok "useradd nfqlb-e2g-$g"
	done
	check "systemctl start nfqlb-e2guardian@wan1 nfqlb-e2guardian@wan2" \
		sysctl_sd start nfqlb-e2guardian@wan1 nfqlb-e2guardian@wan2
	port=3400
	for g in wan1 wan2; do
		for ((t = 0; t < 100; t++)); do
			in_sd ss -Htln "sport = :$port" | grep -q . && break
			sleep 0.2
		done
		check "$g's E2Guardian listens on its port $port" in_sd sh -c "ss -Htln 'sport = :$port' | grep -q ."
		st=$(sysctl_sd is-active "nfqlb-e2guardian@$g")
		is "nfqlb-e2guardian@$g is active" "$st" active
		[ "$st" = active ] ||
			in_sd journalctl -u "nfqlb-e2guardian@$g" --no-pager | tail -15 | sed 's/^/#   /'
		pid=$(sysctl_sd show -p MainPID --value "nfqlb-e2guardian@$g")
		uid=$(in_sd id -u "nfqlb-e2g-$g")
		is "$g's E2Guardian runs as nfqlb-e2g-$g" \
			"$(in_sd awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" "$uid"
		check "nfqlbd marks nfqlb-e2g-$g's packets (created after nfqlbd started)" \
			in_sd sh -c "iptables -w -t mangle -S NFQLB_PROXY_OUT | grep -q -- '--uid-owner $uid '"
		port=$((port + 1))
	done
	check "systemctl stop nfqlb-e2guardian@wan1 nfqlb-e2guardian@wan2" \
		sysctl_sd stop nfqlb-e2guardian@wan1 nfqlb-e2guardian@wan2
	is "stopped: nothing listens on 3400 or 3401" \
		"$(in_sd ss -Htln 'sport = :3400 or sport = :3401' | wc -l)" 0
	check "stopped: the instances' run directories are gone" \
		in_sd test ! -e /run/nfqlb-e2guardian-wan1 -a ! -e /run/nfqlb-e2guardian-wan2
	check "systemctl stop nfqlbd (proxy)" sysctl_sd stop nfqlbd
}

# --- installed under a real systemd, in a throw-away container ---
why=$(sd_cannot)
if [ -n "$why" ]; then
	echo "# not installed in a container: $why"
elif ! sd_up "$WORK"; then
	not_ok "systemd boots in a container" "state: '$SD_STATE'" "$(tail -20 "$SD_CONSOLE")"
else
	ok "systemd boots in a container ($SD_STATE)"
	in_sd sh -c 'cat > /root/nfqlb.deb' < "$DEB"
	out=$(in_sd dpkg -i /root/nfqlb.deb 2>&1)
	is "dpkg -i: exit 0" "$?" 0
	echo "$out" | sed 's/^/# dpkg: /'
	is "installed: the unit is not enabled" "$(sysctl_sd is-enabled nfqlbd)" disabled
	is "installed: the unit is not running" "$(sysctl_sd is-active nfqlbd)" inactive
	# nfqlb's own units alone: whatever else the box runs (FreeRADIUS
	# on a portal) is not ours to judge, and nothing is filtered.
	# SYSTEMD_UNIT_PATH holds nfqlb's units and systemd's own (its
	# targets), nothing else of the box: verify loads each unit's
	# dependencies, and through them the whole box's units (Debian's
	# freeradius.service warns about MemoryLimit=).
	in_sd sh -c 'mkdir -p /tmp/units &&
		dpkg -L systemd nfqlb | grep -E "^/(usr/)?lib/systemd/system/[^/]+\.(service|target|timer|socket|slice|mount|path)$" |
		while read -r f; do [ -e "$f" ] && cp -P "$f" /tmp/units/; done; true'
	# A template is verified as an instance of it.
	in_sd ln -s nfqlb-e2guardian@.service /tmp/units/nfqlb-e2guardian@wan1.service
	for u in nfqlbd.service nfqlb-web.service nfqlb-chilli-sync.service nfqlb-chilli-sync.timer \
		nfqlb-e2guardian@wan1.service; do
		is "$u loads, without warnings" \
			"$(in_sd env SYSTEMD_UNIT_PATH=/tmp/units systemd-analyze verify --man=no "/tmp/units/$u" 2>&1)" ""
	done
	check "the installed example config parses (nfqlbd -n)" in_sd sh -c "nfqlbd -n >/dev/null"
	if in_sd sh -c 'command -v man' >/dev/null; then
		check "man nfqlbd finds the page" in_sd sh -c "man -w nfqlbd >/dev/null"
	fi
	is "dpkg lists the config as a conffile" \
		"$(in_sd dpkg-query -W -f='${Conffiles}' nfqlb | awk '{ print $1 }')" "/etc/nfqlb/nfqlb.conf"
	web_under_systemd
	e2guardian_under_systemd
	check "dpkg --purge" in_sd sh -c "dpkg --purge nfqlb >/dev/null"
	check "purged: no config left" in_sd test ! -e /etc/nfqlb/nfqlb.conf
	check "purged: no unit left" in_sd test ! -e /lib/systemd/system/nfqlbd.service
	sd_down
fi
echo "1..$T_N"
[ "$T_FAILED" -eq 0 ]
