#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_lbset.sh BUILD_DIR - the lbset module (src/kernel/lbset.c) against the
# kernel, through BUILD_DIR/lbset_tool.
#
# ipset sets are per network namespace, so everything runs in a
# namespace of our own and the host's sets are never touched.  The
# ipset program, if installed, is used only to cross-check what
# lbset_tool reports, never to set anything up for lbset itself...
# except for the one set of a foreign type the conflict test needs.
#
# Output is TAP-like ("ok N - ..." / "not ok N - ..."); the exit status
# is non-zero if any check failed, 77 if the test cannot run here.

set -u

BUILD=${1:?usage: $0 BUILD_DIR}
TOOL=$BUILD/lbset_tool
NS=lbsettest$$
N=0
FAILED=0

if [ ! -x "$TOOL" ]; then
	echo "# $TOOL not built" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for network namespaces and ipset"
	exit 77
fi

cleanup() {
	ip netns delete "$NS" 2>/dev/null
	rm -f "$OUT" "$ERR"
}
OUT=$(mktemp) || exit 2
ERR=$(mktemp) || exit 2
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! ip netns add "$NS"; then
	echo "1..0 # SKIP cannot create network namespace $NS"
	exit 77
fi

# Run lbset_tool in the namespace; stdout to $OUT, stderr to $ERR.
t() {
	ip netns exec "$NS" "$TOOL" "$@" >"$OUT" 2>"$ERR"
}

# The ipset program, for cross-checks only.
have_ipset() {
	command -v ipset >/dev/null 2>&1
}
ipset_ns() {
	ip netns exec "$NS" ipset "$@"
}

result() {	# result STATUS DESCRIPTION
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILED=$((FAILED + 1))
		sed 's/^/#   stdout: /' "$OUT"
		sed 's/^/#   stderr: /' "$ERR"
	fi
}

ok() {		# ok DESCRIPTION CMD...: CMD must succeed
	d=$1
	shift
	t "$@"
	result $? "$d"
}

fails() {	# fails DESCRIPTION PATTERN CMD...: exit 1, PATTERN on stderr
	d=$1
	p=$2
	shift 2
	t "$@"
	rc=$?
	if [ $rc = 1 ] && grep -q -- "$p" "$ERR"; then
		result 0 "$d"
	else
		echo "#   exit status $rc, wanted 1 and /$p/ on stderr"
		result 1 "$d"
	fi
}

# out_is DESCRIPTION EXPECTED: the last command's stdout, sorted
out_is() {
	got=$(sort "$OUT" | tr '\n' ' ')
	if [ "$got" = "$2" ]; then
		result 0 "$1"
	else
		echo "#   got '$got', wanted '$2'"
		result 1 "$1"
	fi
}

S=lb_test

ok "create" create $S 1000
ok "create again is a success" create $S 1000
t exists $S
out_is "exists after create" "yes "
if have_ipset; then
	ipset_ns list -t $S >"$OUT" 2>"$ERR"
	grep -q '^Type: hash:ip$' "$OUT" &&
		grep -q 'family inet .*maxelem 1000' "$OUT"
	result $? "ipset sees hash:ip family inet maxelem 1000"
fi

ok "add" add $S 10.1.2.3
ok "add again is a success" add $S 10.1.2.3
ok "add a second address" add $S 192.0.2.200
t list $S
result $? "list succeeds"
out_is "list shows both members" "10.1.2.3 192.0.2.200 "
if have_ipset; then
	ipset_ns list $S 2>"$ERR" |
		sed '1,/^Members:$/d' | sort | tr '\n' ' ' >"$OUT"
	got=$(cat "$OUT")
	[ "$got" = "10.1.2.3 192.0.2.200 " ]
	result $? "ipset list agrees on the members"
fi

ok "del" del $S 10.1.2.3
ok "del again is a success" del $S 10.1.2.3
t list $S
out_is "list after del" "192.0.2.200 "

ok "flush" flush $S
t list $S
out_is "list after flush is empty" ""

ok "destroy" destroy $S
ok "destroy again is a success" destroy $S
t exists $S
out_is "exists after destroy" "no "
if have_ipset; then
	ipset_ns list -n >"$OUT" 2>"$ERR"
	! grep -qx "$S" "$OUT"
	result $? "ipset no longer sees the set"
fi

ok "list of a missing set succeeds" list lb_missing
out_is "list of a missing set is empty" ""
fails "add to a missing set fails clearly" "does not exist" \
	add lb_missing 10.0.0.1
fails "flush of a missing set fails clearly" "does not exist" \
	flush lb_missing

if have_ipset; then
	ipset_ns create lb_net hash:net
	fails "create over a set of another type fails clearly" \
		"already exists with another type" create lb_net 1000
	fails "add to a set of another type fails clearly" \
		"of type hash:net" add lb_net 10.0.0.1
	ipset_ns destroy lb_net
fi
ok "create for the parameter conflict" create $S 1000
fails "create with another maxelem fails clearly" \
	"already exists with another type or parameters" create $S 2000
ok "destroy after the conflict" destroy $S

LONG=lb_this_name_is_far_too_long_for_ipset
fails "a set name longer than 31 characters is refused" \
	"the limit is 31" create $LONG 100
fails "a long name is refused by add too" "the limit is 31" \
	add $LONG 10.0.0.1
t exists lb_this_name_is_far_too_long_fo
out_is "and no truncated set was created" "no "
ok "a 31 character name works" create lb_thirty_one_characters_long_ 10
ok "and can be destroyed" destroy lb_thirty_one_characters_long_

ok "create for IPv6" create $S 10
fails "an IPv6 address is refused by a family inet set" "only IPv4" \
	add $S 2001:db8::1
ok "destroy after IPv6" destroy $S

ok "bench 1000 (create, add, list, del, destroy)" bench lb_bench 1000
t exists lb_bench
out_is "bench leaves no set behind" "no "

# Deferred adds: recorded by lbset_add_defer, sent by one lbset_commit.
ok "create for deferred adds" create $S 1000
ok "create a second set" create lb_two 1000
ok "deferred adds to two sets, interleaved" defer $S 10.3.0.1 lb_two 10.3.0.2 \
	$S 10.3.0.3 lb_two 10.3.0.4 $S 10.3.0.1
t list $S
out_is "the first set has its members" "10.3.0.1 10.3.0.3 "
t list lb_two
out_is "the second set has its members" "10.3.0.2 10.3.0.4 "
fails "a deferred add to a missing set is reported with its address" \
	"failed: lb_missing 10.3.0.6: add lb_missing 10.3.0.6: .*does not exist" \
	defer $S 10.3.0.5 lb_missing 10.3.0.6 lb_two 10.3.0.7
grep -q "committed 3 failed 1" "$OUT"
result $? "commit counts one failure of three"
t list $S
out_is "the members around the failure are added" "10.3.0.1 10.3.0.3 10.3.0.5 "
t list lb_two
out_is "including those of the other set" "10.3.0.2 10.3.0.4 10.3.0.7 "
fails "an IPv6 address is refused when deferred" "refused: .*only IPv4" \
	defer $S 2001:db8::1 $S 10.3.0.8
t list $S
out_is "the IPv4 member with it is added" "10.3.0.1 10.3.0.3 10.3.0.5 10.3.0.8 "

# Hundreds of members: more than one request (a page holds ~150).
t defer $(awk 'BEGIN { for (i = 0; i < 400; i++) printf "lb_two 10.4.%d.%d ", i / 200, i % 200 + 1 }')
result $? "400 deferred adds to one set"
t list lb_two
[ "$(grep -c '^10\.4\.' "$OUT")" = 400 ]
result $? "all 400 are in the set"

# A member refused in the middle of an aggregated request: the kernel
# stops there, lbset retries the set one member at a time, so exactly
# the members that do not fit are reported and the rest are added.
ok "create a set of 4 members at most" create lb_small 4
fails "members past maxelem are reported one by one" \
	"failed: lb_small 10.5.0.6: .*full" \
	defer lb_small 10.5.0.1 lb_small 10.5.0.2 lb_small 10.5.0.3 \
	lb_small 10.5.0.4 lb_small 10.5.0.5 lb_small 10.5.0.6 $S 10.5.0.9
grep -q "failed: lb_small 10.5.0.5: .*full" "$ERR"
result $? "the first member that does not fit is reported too"
[ "$(grep -c '^failed:' "$ERR")" = 2 ]
result $? "exactly two failures reported"
t list lb_small
out_is "the set holds the four that fit" "10.5.0.1 10.5.0.2 10.5.0.3 10.5.0.4 "
t list $S
grep -qx 10.5.0.9 "$OUT"
result $? "the other set's member after them is added"
ok "destroy after deferred adds" destroy $S
ok "destroy the second set" destroy lb_two
ok "destroy the small set" destroy lb_small
ok "bench-defer 2000 in commits of 64" bench-defer lb_bench 2000 64
t exists lb_bench
out_is "bench-defer leaves no set behind" "no "

echo "1..$N"
[ $FAILED = 0 ]
