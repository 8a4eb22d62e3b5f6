#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_rtnl.sh BUILDDIR - src/kernel/rtnl.c against what iproute2 sees, inside a
# network namespace of its own so the host's rules and routes are never
# touched.  Needs root.
#
# shellcheck disable=SC2317  # functions are called through check()

set -u

B=${1:?usage: t_rtnl.sh BUILDDIR}
TOOL=$(cd "$B" && pwd)/rtnl_tool
NS=nfqlbrt$$
DEV=lbt0
PEER=lbt1
GW=10.251.1.254
FROM=192.168.182.0/24
N=0
FAILED=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
}

# check DESCRIPTION COMMAND...: passes if COMMAND exits 0.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# eq DESCRIPTION GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (got '$2', want '$3')"
	fi
}

nsx() {
	ip netns exec "$NS" "$@"
}

tool() {
	nsx "$TOOL" "$@"
}

# Lines of `ip rule` that are our rule (pref 100, fwmark 0xc8/0xff).
our_rules() {
	nsx ip rule show | grep -c "^100:.*from $FROM fwmark 0xc8/0xff lookup 200"
}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for network namespaces"
	exit 77
fi
if [ ! -x "$TOOL" ]; then
	echo "t_rtnl: no $TOOL" >&2
	exit 1
fi

ip netns add "$NS" || exit 1
# veth rather than dummy: the dummy module is not always there.
nsx ip link add "$DEV" type veth peer name "$PEER" || exit 1
nsx ip link set lo up
nsx ip link set "$PEER" up
nsx ip link set "$DEV" up
nsx ip addr add 10.251.1.1/24 dev "$DEV" || exit 1

# Bystanders that must survive everything we do.
nsx ip rule add pref 500 fwmark 0x5 lookup 5 || exit 1
nsx ip route add 10.99.0.0/16 dev "$DEV" table 5 || exit 1
nsx ip route add default via "$GW" dev "$DEV" table 7 || exit 1
# Same selector as ours but another table and pref: not ours.
nsx ip rule add pref 101 from "$FROM" fwmark 0xc8/0xff lookup 201 || exit 1
bystanders() {
	nsx ip rule show | grep -q '^500:.*fwmark 0x5 lookup 5' &&
	nsx ip rule show | grep -q "^101:.*from $FROM fwmark 0xc8/0xff lookup 201" &&
	[ "$(nsx ip route show table 5 | sed 's/ *$//')" = "10.99.0.0/16 dev $DEV scope link" ] &&
	nsx ip route show table 7 | grep -q "^default via $GW dev $DEV"
}
check "bystander rules and routes in place" bystanders

# --- rules ---
eq "rule-exists before add" "$(tool rule-exists $FROM 0xc8 0xff 200 100)" 0
check "rule-add" tool rule-add $FROM 0xc8 0xff 200 100
eq "ip rule shows it once" "$(our_rules)" 1
check "rule-add again succeeds" tool rule-add $FROM 200 255 200 100
eq "still exactly one rule (NLM_F_EXCL dedup)" "$(our_rules)" 1
eq "rule-exists after add" "$(tool rule-exists $FROM 0xc8 0xff 200 100)" 1
eq "rule-exists other table" "$(tool rule-exists $FROM 0xc8 0xff 201 100)" 0
eq "rule-exists other mask" "$(tool rule-exists $FROM 0xc8 0xfff 200 100)" 0
eq "rule-exists other prio" "$(tool rule-exists $FROM 0xc8 0xff 200 99)" 0
eq "rule-exists other source" "$(tool rule-exists 192.168.183.0/24 0xc8 0xff 200 100)" 0
eq "rule-exists sees the bystander" "$(tool rule-exists $FROM 0xc8 0xff 201 101)" 1
check "bystanders untouched by rule-add" bystanders
check "rule-del" tool rule-del $FROM 0xc8 0xff 200 100
eq "ip rule no longer shows it" "$(our_rules)" 0
eq "rule-exists after del" "$(tool rule-exists $FROM 0xc8 0xff 200 100)" 0
check "rule-del again succeeds" tool rule-del $FROM 0xc8 0xff 200 100
check "bystanders untouched by rule-del" bystanders

# from all (plen 0) and a table that does not fit the 8-bit field
check "rule-add from all, table 300" tool rule-add all 0x1 0xff 300 150
eq "ip rule shows table 300 rule" \
	"$(nsx ip rule show | grep -c '^150:.*from all fwmark 0x1/0xff lookup 300')" 1
check "rule-add table 300 again" tool rule-add all 0x1 0xff 300 150
eq "still one table 300 rule" \
	"$(nsx ip rule show | grep -c '^150:.*lookup 300')" 1
eq "rule-exists table 300" "$(tool rule-exists all 0x1 0xff 300 150)" 1
check "rule-del table 300" tool rule-del all 0x1 0xff 300 150
eq "table 300 rule gone" "$(nsx ip rule show | grep -c '^150:')" 0

# --- routes ---
eq "table-count empty table" "$(tool table-count 200)" 0
check "routes-add" tool routes-add 200 $GW $DEV
check "routes-add again" tool routes-add 200 $GW $DEV
eq "ip route show table 200" \
	"$(nsx ip route show table 200 | sed 's/ *$//' | sort | tr '\n' ';')" \
	"$GW dev $DEV proto static scope link realm 200;default via $GW dev $DEV proto static realm 200;"
eq "table-count 200" "$(tool table-count 200)" 2
eq "table-count 5 (bystander)" "$(tool table-count 5)" 1
check "bystanders untouched by routes-add" bystanders
check "routes-del" tool routes-del 200 $GW $DEV
eq "table 200 empty" "$(nsx ip route show table 200)" ""
eq "table-count 200 after del" "$(tool table-count 200)" 0
check "routes-del again succeeds" tool routes-del 200 $GW $DEV
check "bystanders untouched by routes-del" bystanders

check "routes-add table 300" tool routes-add 300 $GW $DEV
check "routes-add table 300 again" tool routes-add 300 $GW $DEV
eq "ip route show table 300" "$(nsx ip route show table 300 | wc -l)" 2
eq "table-count 300" "$(tool table-count 300)" 2
check "routes-del table 300" tool routes-del 300 $GW $DEV
eq "table-count 300 after del" "$(tool table-count 300)" 0

# A route that only looks like ours (proto boot, not static) is not
# ours to delete.
nsx ip route add default via $GW dev $DEV table 9 proto boot
nsx ip route add $GW dev $DEV table 9 scope link proto boot
check "routes-del leaves a foreign-proto lookalike" tool routes-del 9 $GW $DEV
eq "lookalike still there" "$(tool table-count 9)" 2

# --- errors ---
err=$(tool routes-add 200 $GW nosuchif0 2>&1)
rc=$?
eq "unknown interface exits 1" "$rc" 1
case $err in
*"interface 'nosuchif0' not found"*) ok "unknown interface error names it" ;;
*) not_ok "unknown interface error names it (got '$err')" ;;
esac
err=$(tool ifindex nosuchif0 2>&1)
eq "ifindex unknown interface exits 1" "$?" 1
eq "ifindex $DEV" "$(tool ifindex $DEV)" "$(nsx cat /sys/class/net/$DEV/ifindex 2>/dev/null || nsx ip -o link show $DEV | cut -d: -f1)"
tool rule-add $FROM 0xc8 0xff 200 100 extra >/dev/null 2>&1
eq "bad usage exits 2" "$?" 2
tool rule-add $FROM zz 0xff 200 100 >/dev/null 2>&1
eq "bad mark exits 2" "$?" 2
# Any gateway is reachable through our own /32, so make the kernel
# refuse with an interface that is down.
nsx ip link add lbtdown0 type veth peer name lbtdown1 || exit 1
err=$(tool routes-add 200 10.77.0.1 lbtdown0 2>&1)
rc=$?
eq "route on a down interface fails" "$rc" 1
case $err in
*"10.77.0.1/32"*"table 200"*) ok "route error names the route: $err" ;;
*) not_ok "route error names the route (got '$err')" ;;
esac
eq "nothing left behind in table 200" "$(tool table-count 200)" 0
err=$(tool table-count 0 2>&1)
eq "table 0 refused" "$?" 1

check "bystanders survive the whole run" bystanders

echo "1..$N"
if [ "$FAILED" -ne 0 ]; then
	echo "t_rtnl: $FAILED of $N failed" >&2
	exit 1
fi
exit 0
