#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlbctl sync at scale: a list of 50,000 logged-in clients binds them
# all (weighted), the same list again keeps them all, a shorter one
# releases the missing ones and moves nobody; a list with bad lines is
# applied but for them, each named, and none releases anyone by mistake.
# Prints the times (wall clock and nfqlbd CPU); each run of 50,000 lines
# must stay under the sanity bound below (the figures are what matter).
. "$(dirname "$0")/lib.sh"

LAB_LAN=10.77.0 LAB_NETWORK=10.77.0.0/16 LAB_MAX_CLIENTS=65536
lab_up 1 1 1 2
SOCK=$LAB_DIR/ctl.sock
echo "control = { socket = \"$SOCK\"; };" >> "$LAB_CONF"
check "nfqlbd starts" lab_start
export NFQLB_SOCKET=$SOCK
C=$BUILD/nfqlbctl
BOUND=${NFQLB_SYNC_BOUND_S:-30}	# a sanity bound (ASan, a busy machine)

# 50,000 clients 10.77.0.10 ... with MAC, user and session.
python3 - > "$LAB_DIR/list" <<'PY'
for i in range(50000):
    n = i + 10
    print("10.77.%d.%d mac=02-00-00-00-%02X-%02X user=user%d session=s%d" % (n >> 8, n & 255, n >> 8, n & 255, i, i))
PY
ms() { date +%s%N | cut -c1-13; }
# CPU time of the daemon (ms), which a busy machine inflates far less
# than the wall clock: both are printed.
tck=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$tck" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$(lab_pid)/stat"; }
run_sync() {
	local t0 t1 c0 c1
	c0=$(cpu_ms); t0=$(ms)
	out=$($C -t 60 sync < "$1"); rc=$?
	t1=$(ms); c1=$(cpu_ms)
	dt=$((t1 - t0)); dcpu=$((c1 - c0))
}

run_sync "$LAB_DIR/list"
echo "# sync of 50,000 new clients: ${dt} ms wall, nfqlbd CPU ${dcpu} ms"
is "50,000 new clients: exit 0" "$rc" "0"
is "50,000 new clients: what it did" "$(echo $out)" "bound 50000 released 0 kept 0 errors 0 withheld 0"
check "50,000 lines within ${BOUND} s (took ${dt} ms)" test "$dt" -lt $((BOUND * 1000))
is "weighted: 12500 12500 25000" "$($C -j gateways | python3 -c 'import json,sys; print(" ".join(str(g["clients"]) for g in json.load(sys.stdin)))')" "12500 12500 25000"
is "the kernel's sets hold them all" "$(lab_bindings | wc -l)" "50000"
sets_before=$(lab_bindings | sort)

run_sync "$LAB_DIR/list"
echo "# sync of 50,000 clients all bound: ${dt} ms wall, nfqlbd CPU ${dcpu} ms"
is "the same list again: kept 50000" "$(echo $out)" "bound 0 released 0 kept 50000 errors 0 withheld 0"
check "50,000 lines within ${BOUND} s (took ${dt} ms)" test "$dt" -lt $((BOUND * 1000))

# Every other line gone: those are released, nobody else moves.
awk 'NR % 2' "$LAB_DIR/list" > "$LAB_DIR/half"
run_sync "$LAB_DIR/half"
echo "# sync releasing 25,000 of 50,000: ${dt} ms wall, nfqlbd CPU ${dcpu} ms"
is "half the list: released 25000, kept 25000" "$(echo $out)" "bound 0 released 25000 kept 25000 errors 0 withheld 0"
is "nobody listed moved" "$(lab_bindings | sort)" \
	"$(join <(awk '{ print $1 }' "$LAB_DIR/half" | sort) <(echo "$sets_before"))"
is "-j prints the same as JSON" "$($C -j sync < "$LAB_DIR/half")" \
	'{"schema":1,"bound":0,"released":0,"kept":25000,"errors":0,"withheld":0}'

# --- bad lines: every good line is applied, each bad one named, and no
# bad line releases, binds or changes anyone by mistake ---
CA=10.77.0.10 CC=10.77.0.11 CD=10.77.0.12 CE=10.77.0.14	# bound: A D E; C not
user_of() { $C -j list | python3 -c 'import json, sys
print([b["user"] for b in json.load(sys.stdin) if b["client"] == sys.argv[1]])' "$1"; }
before=$(lab_bindings | sort)
gw_a=$(grep "^$CA " <<< "$before")
# A's line has an unknown word (A stays exactly as it is), C is new,
# 192.0.2.1 is outside lan.network (a second chilli network), E is
# gone (released: every bad line named someone readable).
awk -v a="$CA" -v e="$CE" '$1 == a { print a " user=changed colour=blue"; next }
	$1 != e' "$LAB_DIR/half" > "$LAB_DIR/bad1"
printf '%s user=new\n192.0.2.1 user=x\n' "$CC" >> "$LAB_DIR/bad1"
la=$(grep -n "^$CA " "$LAB_DIR/bad1" | cut -d: -f1)
lo=$(grep -n "^192.0.2.1 " "$LAB_DIR/bad1" | cut -d: -f1)
out=$($C -t 60 sync < "$LAB_DIR/bad1" 2>"$LAB_DIR/err"); rc=$?
is "bad lines: exit 6 (some lines refused)" "$rc" "6"
is "... the good lines applied: C bound, E released, the rest kept; 2 errors" \
	"$(echo $out)" "bound 1 released 1 kept 24998 errors 2 withheld 0"
check "... the unknown word named with its line ($la)" \
	grep -q "stdin line $la: .*colour=blue" "$LAB_DIR/err"
check "... the address outside the LAN named with its line ($lo)" \
	grep -q "stdin line $lo: ERR invalid client \"192.0.2.1\"" "$LAB_DIR/err"
is "... A (its line refused) keeps its gateway" "$(lab_bindings | grep "^$CA ")" "$gw_a"
is "... and its details (user not changed)" "$(user_of "$CA")" "['user0']"
is "... every other binding as before, E gone, C new" \
	"$(lab_bindings | sort | grep -v "^$CC " | grep -v "^$CA ")" \
	"$(grep -v "^$CE " <<< "$before" | grep -v "^$CA ")"
check "... C bound" eval "lab_bindings | grep -q '^$CC '"
is "... C's user from the list" "$(user_of "$CC")" "['new']"

# A line naming nobody readable (a typo in an address, a stray header):
# it may have meant any client, so this sync releases nobody.
before=$(lab_bindings | sort)
awk -v d="$CD" '$1 != d && $1 != "192.0.2.1"' "$LAB_DIR/bad1" > "$LAB_DIR/bad2"
printf '10.77.0.300 user=typo\nmac=02-00-00-00-00-01 user=b\n' >> "$LAB_DIR/bad2"
out=$($C -t 60 sync < "$LAB_DIR/bad2" 2>"$LAB_DIR/err"); rc=$?
is "an unreadable line: exit 6" "$rc" "6"
is "... D (not listed) is not released: withheld 1; 3 errors" \
	"$(echo $out)" "bound 0 released 0 kept 24998 errors 3 withheld 1"
is "... nobody moved, nobody released" "$(lab_bindings | sort)" "$before"
check "... each bad line named" eval "[ \"\$(grep -c 'stdin line' '$LAB_DIR/err')\" = 3 ]"
check "... the log says why nobody was released" \
	grep -q "some named nobody readable, so nobody was released" "$LAB_LOG"

# A list of one refused line naming A: the portal says only A is logged
# in; everybody else goes, A stays as it is.
out=$(printf '%s user=a user=b\n' "$CA" | $C -t 30 sync 2>"$LAB_DIR/err"); rc=$?
is "a word given twice: exit 6" "$rc" "6"
check "... named with its line" grep -q "stdin line 1: user given twice" "$LAB_DIR/err"
is "... everybody else released, A left as it is" \
	"$(echo $out)" "bound 0 released 24999 kept 0 errors 1 withheld 0"
is "... A keeps its gateway" "$(lab_bindings)" "$gw_a"
is "an empty list releases everybody (the portal says nobody is logged in)" \
	"$(echo $($C -t 30 sync < /dev/null))" "bound 0 released 1 kept 0 errors 0 withheld 0"
is "... all of them" "$(lab_bindings | wc -l)" "0"
grep "sync .* ms" "$LAB_LOG" | sed "s/^/# /"
t_done
