#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The package builds as Debian builds it: in a clean chroot that holds
# only build-essential (mmdebstrap's buildd variant) and what
# debian/control's Build-Depends name (apt-get build-dep, nothing
# else), made from this machine's own apt sources, then
# `dpkg-buildpackage -us -uc -b -rfakeroot` as an ordinary user.  A
# Build-Depends missing, a test that needs root in dh_auto_test, or a
# warning made an error by the project's own flags fails it.  Nothing
# is cached: the chroot is made each time and removed (about 3-5
# minutes, most of it downloading).  Needs root (mmdebstrap's root
# mode, chroot) and mmdebstrap (scripts/install-deps.sh).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/package/tap.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP not root (mmdebstrap's root mode and chroot need it)"
	exit 77
fi
command -v mmdebstrap >/dev/null || {
	echo "1..0 # SKIP mmdebstrap not installed (scripts/install-deps.sh installs it)"
	exit 77
}

VERSION=$(cat "$TOP/VERSION")
WORK=$(mktemp -d /var/tmp/nfqlb-clean.XXXXXX)
CHROOT=$WORK/chroot
cleanup() {
	# Nothing is mounted once mmdebstrap has returned; a chroot dir, rm.
	rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
SRC=$WORK/nfqlb-$VERSION
mkdir "$SRC"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$TOP" ls-files -co --exclude-standard | tar -C "$TOP" -cf - -T - | tar -C "$SRC" -xf -
else
	tar -C "$TOP" --exclude=./build --exclude='./build-*' -cf - . | tar -C "$SRC" -xf -
fi

# This machine's apt sources (deb822 and one-line, the enabled ones)
# and its Acquire settings (a snapshot mirror's Check-Valid-Until).
mirrors=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -s "$f" ] && grep -Eq '^[[:space:]]*(deb |Types:)' "$f" && mirrors+=("$f")
done
aptopts=()
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && grep -q '^Acquire::' "$f" && ! grep -q 'Invoke' "$f" && aptopts+=("--aptopt=$f")
done
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
log=$WORK/build.log
# The hooks run in the chroot after the buildd variant is in place:
# the Build-Depends alone (apt-get build-dep of the source tree), an
# ordinary user, the build as that user; the log comes out.
timeout -k 10 1500 mmdebstrap --mode=root --variant=buildd --include=fakeroot \
	"${aptopts[@]}" \
	--customize-hook='mkdir -p "$1/build"' \
	--customize-hook="copy-in '$SRC' /build" \
	--customize-hook='chroot "$1" apt-get -o APT::Sandbox::User=root build-dep -y -q /build/nfqlb-'"$VERSION" \
	--customize-hook='chroot "$1" useradd -m builder && chroot "$1" chown -R builder: /build' \
	--customize-hook='chroot "$1" runuser -u builder -- sh -c "cd /build/nfqlb-'"$VERSION"' && dpkg-buildpackage -us -uc -b -rfakeroot" > "$1/build.log" 2>&1; echo $? > "$1/build.rc"' \
	--customize-hook="copy-out /build.log /build.rc '$WORK'" \
	--customize-hook='chroot "$1" sh -c "ls /build/*.deb"' \
	"$suite" "$CHROOT" "${mirrors[@]}" > "$WORK/mmdebstrap.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || [ ! -f "$WORK/build.rc" ]; then
	not_ok "mmdebstrap makes the build chroot (exit $rc)"
	grep -v '^I: ' "$WORK/mmdebstrap.log" | tail -40 | sed 's/^/#   /'
	[ -f "$WORK/build.log" ] && tail -40 "$WORK/build.log" | sed 's/^/# build: /'
	echo "1..$T_N"
	exit 1
fi
ok "a chroot of build-essential and the Build-Depends ($suite, this machine's apt sources)"
if [ "$(cat "$WORK/build.rc")" = 0 ]; then
	ok "dpkg-buildpackage -us -uc -b -rfakeroot as an ordinary user"
else
	not_ok "dpkg-buildpackage -us -uc -b -rfakeroot as an ordinary user" "$(tail -40 "$log")"
fi
check "the .deb was made" grep -q "nfqlb_${VERSION}_.*\.deb" "$WORK/mmdebstrap.log"
check "dh_auto_test ran the unit tests, all passed" \
	sh -c "[ \$(grep -c '^100%: Checks: .*Failures: 0, Errors: 0' '$log') -ge 12 ]"
check "... the check that needs root said it was skipped" \
	grep -q "test_socket_reserved_slots skipped: needs root" "$log"
check "no -Werror of ours in the build" sh -c "! grep -- '-c -o build/nfqlbd.o' '$log' | grep -q -- '-Werror '"
echo "1..$T_N"
[ "$T_FAILED" -eq 0 ]
