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
T_N=0
T_FAILED=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
not_ok() {
	T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"; shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d" "command failed: $*"; fi; }
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
# Bookworm's glibc start files (Scrt1.o, crti.o) carry no IBT/SHSTK
# note, so no binary linked on Debian 12 gets one (not even /bin/ls):
# --nocfprotection.  The objects are built with -fcf-protection.
for b in nfqlbd nfqlbctl; do
	out=$(hardening-check --nocfprotection "$ROOT/usr/sbin/$b" 2>&1)
	rc=$?
	is "hardening-check $b" "$rc" 0
	for f in "Position Independent Executable" "Stack protected" \
	    "Fortify Source functions" "Read-only relocations" "Immediate binding"; do
		echo "$out" | grep -q "$f: yes" || not_ok "hardening-check $b: $f" "$out"
	done
done

for f in usr/sbin/nfqlbd usr/sbin/nfqlbctl lib/systemd/system/nfqlbd.service \
    usr/lib/nfqlb/chilli-conup.sh usr/lib/nfqlb/chilli-condown.sh \
    usr/share/man/man8/nfqlbd.8.gz usr/share/man/man8/nfqlbctl.8.gz \
    usr/share/man/man5/nfqlb.conf.5.gz etc/nfqlb/nfqlb.conf \
    usr/share/doc/nfqlb/NEWS.gz; do
	check "the package holds /$f" test -e "$ROOT/$f"
done
is "the unit runs /usr/sbin/nfqlbd" "$(grep -c '^ExecStart=/usr/sbin/nfqlbd ' "$ROOT/lib/systemd/system/nfqlbd.service")" 1
# The chilli hooks, chilli-sync.sh and ha-notify.sh: every script that
# runs nfqlbctl runs the installed one.
scripts=$(grep -l 'NFQLBCTL:-' "$ROOT"/usr/lib/nfqlb/*.sh | wc -l)
check "the hooks and scripts are installed ($scripts call nfqlbctl)" test "$scripts" -ge 4
is "each of them calls /usr/sbin/nfqlbctl" \
	"$(grep -l 'NFQLBCTL:-/usr/sbin/nfqlbctl' "$ROOT"/usr/lib/nfqlb/*.sh | wc -l)" "$scripts"
is "the man pages carry the version" "$(zcat "$ROOT/usr/share/man/man8/nfqlbd.8.gz" | grep -c "^\.TH NFQLBD 8 [0-9-]* \"nfqlb $VERSION\"")" 1
is "the installed daemon says its version" "$("$ROOT/usr/sbin/nfqlbd" --version)" "nfqlbd $VERSION"

CTL=$WORK/control
dpkg-deb -e "$DEB" "$CTL"
is "the example config is a conffile" "$(cat "$CTL/conffiles")" "/etc/nfqlb/nfqlb.conf"
# Installed, not enabled, not started: the maintainer scripts enable
# only what was enabled before (an upgrade) and start nothing.
check "postinst starts nothing" sh -c "! grep -Eq 'deb-systemd-invoke (start|restart)|systemctl (start|restart)' '$CTL/postinst'"
check "postinst enables only a unit that was enabled before" \
	sh -c "grep -B2 \"deb-systemd-helper enable 'nfqlbd.service'\" '$CTL/postinst' | grep -q 'was-enabled'"
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
	is "the unit loads, without warnings" \
		"$(in_sd systemd-analyze verify --man=no /lib/systemd/system/nfqlbd.service 2>&1)" ""
	check "the installed example config parses (nfqlbd -n)" in_sd sh -c "nfqlbd -n >/dev/null"
	if in_sd sh -c 'command -v man' >/dev/null; then
		check "man nfqlbd finds the page" in_sd sh -c "man -w nfqlbd >/dev/null"
	fi
	is "dpkg lists the config as a conffile" \
		"$(in_sd dpkg-query -W -f='${Conffiles}' nfqlb | awk '{ print $1 }')" "/etc/nfqlb/nfqlb.conf"
	check "dpkg --purge" in_sd sh -c "dpkg --purge nfqlb >/dev/null"
	check "purged: no config left" in_sd test ! -e /etc/nfqlb/nfqlb.conf
	check "purged: no unit left" in_sd test ! -e /lib/systemd/system/nfqlbd.service
	sd_down
fi
echo "1..$T_N"
[ "$T_FAILED" -eq 0 ]
