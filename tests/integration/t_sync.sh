#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlbctl sync at scale: a list of 50,000 logged-in clients binds them
# all (weighted), the same list again keeps them all, a shorter one
# releases the missing ones and moves nobody; bad lists change nothing.
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
is "50,000 new clients: what it did" "$(echo $out)" "bound 50000 released 0 kept 0 errors 0"
check "50,000 lines within ${BOUND} s (took ${dt} ms)" test "$dt" -lt $((BOUND * 1000))
is "weighted: 12500 12500 25000" "$($C -j gateways | python3 -c 'import json,sys; print(" ".join(str(g["clients"]) for g in json.load(sys.stdin)))')" "12500 12500 25000"
is "the kernel's sets hold them all" "$(lab_bindings | wc -l)" "50000"
sets_before=$(lab_bindings | sort)

run_sync "$LAB_DIR/list"
echo "# sync of 50,000 clients all bound: ${dt} ms wall, nfqlbd CPU ${dcpu} ms"
is "the same list again: kept 50000" "$(echo $out)" "bound 0 released 0 kept 50000 errors 0"
check "50,000 lines within ${BOUND} s (took ${dt} ms)" test "$dt" -lt $((BOUND * 1000))

# Every other line gone: those are released, nobody else moves.
awk 'NR % 2' "$LAB_DIR/list" > "$LAB_DIR/half"
run_sync "$LAB_DIR/half"
echo "# sync releasing 25,000 of 50,000: ${dt} ms wall, nfqlbd CPU ${dcpu} ms"
is "half the list: released 25000, kept 25000" "$(echo $out)" "bound 0 released 25000 kept 25000 errors 0"
is "nobody listed moved" "$(lab_bindings | sort)" \
	"$(join <(awk '{ print $1 }' "$LAB_DIR/half" | sort) <(echo "$sets_before"))"
is "-j prints the same as JSON" "$($C -j sync < "$LAB_DIR/half")" \
	'{"schema":1,"bound":0,"released":0,"kept":25000,"errors":0}'

# Bad lists change nothing.
n0=$(lab_bindings | wc -l)
printf '10.77.0.10 user=a\nnot-an-address\n' | $C sync 2>"$LAB_DIR/err" >/dev/null
is "a bad line: exit 6" "$?" "6"
check "... naming the line" grep -q "stdin line 2" "$LAB_DIR/err"
printf '10.77.0.10\n192.0.2.1\n' | $C sync 2>"$LAB_DIR/err" >/dev/null
is "an address outside the LAN: exit 6" "$?" "6"
check "... naming the line and the address" grep -q "stdin line 2: ERR invalid client \"192.0.2.1\"" "$LAB_DIR/err"
is "... and nothing was changed" "$(lab_bindings | wc -l)" "$n0"
printf '10.77.0.10 colour=blue\n' | $C sync 2>"$LAB_DIR/err" >/dev/null
is "an unknown word: exit 6" "$?" "6"
is "an empty list releases everybody (the portal says nobody is logged in)" \
	"$(echo $($C -t 30 sync < /dev/null))" "bound 0 released 25000 kept 0 errors 0"
is "... all of them" "$(lab_bindings | wc -l)" "0"
grep "sync .* ms" "$LAB_LOG" | sed "s/^/# /"
t_done
