#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health probes through a chosen gateway (src/core/health.c via health_tool,
# the "iif lo" rules via rtnl_tool), judged by the routers' own
# counters: the probe with mark 201 must reach router 2 and no other;
# a router whose link goes down goes DOWN after exactly `fall` failed
# rounds and UP again after `rise`; ICMP blackholed while TCP works
# fails the ICMP probe only; and intermittent loss does not flap a
# gateway with fall=3 rise=2 (while fall=1 rise=1 would).
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"

HT=$BUILD/health_tool
PY=$(command -v /usr/bin/python3 || command -v python3)
RT=$BUILD/rtnl_tool
# Fast rounds: 200 ms apart, 100 ms to answer.  The quality thresholds
# (window loss and RTT, t_quality.sh) off: this test is about the
# prober and the fall/rise rule; loss shown over 10 rounds.
OPTS=(-i 200 -t 100 -w 10 -l 100:100 -L 0:0)

# pkts ROUTER COMMENT: packets counted by that commented rule.
pkts() {
	in_r "$1" iptables -nvxL INPUT |
		awk -v c="/* $2 */" 'index($0, c) { n += $1 } END { print n + 0 }'
}

# bg_tool OUTFILE ARGS...: health_tool in the box, in the background.
# Not through in_gw: $! must be the process itself, not a subshell.
bg_tool() {
	local out=$1
	shift
	ip netns exec "$LAB_GW" timeout 60 "$HT" "$@" > "$out" 2>&1 &
	BG_PIDS+=($!)
	TOOL_PID=$!
}

lab_up 1 1 1 1
for i in 1 2 3; do
	# Every echo request, and those from the box's address on that link.
	in_r "$i" iptables -I INPUT -p icmp --icmp-type echo-request \
		-m comment --comment hc_all
	in_r "$i" iptables -I INPUT -p icmp --icmp-type echo-request \
		-s "$LAB_WAN.$i.1" -m comment --comment hc_own
done
for i in 2 3; do
	in_gw "$RT" routes-add $((199 + i)) "$LAB_WAN.$i.254" "wan$i" ||
		not_ok "routes for router $i"
done

# --- without the local rule, a marked probe takes the main table ---
out=$LAB_DIR/nolocal.out
in_gw "$HT" "${OPTS[@]}" -n 2 201 "icmp:$LAB_INET" > "$out" 2>&1
is "without an iif lo rule the mark-201 probe goes to router 1" \
	"$(pkts 1 hc_all) $(pkts 2 hc_all)" "2 0"

# --- rtnl_rule_add_local / _del_local / _exists_local ---
local_rules() {
	in_gw ip rule show | grep -c "^1201:.*from all fwmark 0xc9/0xff iif lo lookup 201"
}
check "rule-add-local" in_gw "$RT" rule-add-local 201 0xff 201 1201
check "rule-add-local again succeeds" in_gw "$RT" rule-add-local 201 0xff 201 1201
is "exactly one iif lo rule" "$(local_rules)" 1
is "rule-exists-local finds it" "$(in_gw "$RT" rule-exists-local 201 0xff 201 1201)" 1
is "rule-exists-local: other table is not it" \
	"$(in_gw "$RT" rule-exists-local 201 0xff 202 1201)" 0
is "rule-exists (from all, no iif) does not claim it" \
	"$(in_gw "$RT" rule-exists all 201 0xff 201 1201)" 0
check "rule-del-local" in_gw "$RT" rule-del-local 201 0xff 201 1201
is "iif lo rule gone" "$(local_rules)" 0
is "rule-exists-local after del" "$(in_gw "$RT" rule-exists-local 201 0xff 201 1201)" 0
check "rule-del-local of an absent rule succeeds" \
	in_gw "$RT" rule-del-local 201 0xff 201 1201
check "rule-add-local for router 2" in_gw "$RT" rule-add-local 201 0xff 201 1201
check "rule-add-local for router 3" in_gw "$RT" rule-add-local 202 0xff 202 1202
is "the kernel picks wan2's address for a mark-201 probe" \
	"$(in_gw ip -o route get "$LAB_INET" mark 201 | grep -o 'dev [^ ]* .*src [^ ]*' |
	   awk '{ print $2, $NF }')" "wan2 $LAB_WAN.2.1"

# --- ICMP through router 2: answered there, from wan2's address ---
lab_zero_counters
out=$LAB_DIR/icmp.out
in_gw "$HT" "${OPTS[@]}" -n 4 201 "icmp:$LAB_INET" > "$out" 2>&1
is "health_tool ran 4 rounds" "$(awk '$2 == "round" && $3 == 0' "$out" | wc -l)" 4
is "router 2 counted the 4 echo requests, all from $LAB_WAN.2.1" \
	"$(pkts 2 hc_all) $(pkts 2 hc_own)" "4 4"
is "routers 1 and 3 saw none" "$(pkts 1 hc_all) $(pkts 3 hc_all)" "0 0"
is "probing -> up after rise=2 good rounds" \
	"$(grep ' change ' "$out" | awk '{ print $4, $5, $6, "round", $8 }')" \
	"probing -> up round 2"
is "every round answered, with an RTT" \
	"$(awk '$2 == "round" && ($6 != "1/1" || $8 < 0)' "$out" | wc -l)" 0

# --- link down on router 2: DOWN after fall=3, UP after rise=2 ---
out=$LAB_DIR/link.out
bg_tool "$out" "${OPTS[@]}" -f 3 -r 2 -n 40 201 "icmp:$LAB_INET"
check "up before the link goes down" wait_for "$out" "change 0 probing -> up" 5
in_r 2 ip link set eth0 down
check "down once router 2's link is down" wait_for "$out" "change 0 up -> down" 5
in_r 2 ip link set eth0 up
# The router's static route went with the link; put it back.
in_r 2 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.2.1"
check "up again once the link is back" wait_for "$out" "change 0 down -> up" 5
wait "$TOOL_PID"
is "health_tool finished its 40 rounds" "$?" 0
is "exactly three changes: probing->up, up->down, down->up" \
	"$(awk '$2 == "change" { printf "%s>%s ", $4, $6 }' "$out")" \
	"probing>up up>down down>up "
is "down at the 3rd failed round in a row" \
	"$(awk '$2 == "change" && $6 == "down" { print $10, $12 }' "$out")" "0 3"
is "up at the 2nd good round in a row" \
	"$(awk '$2 == "change" && $4 == "down" { print $10, $12 }' "$out")" "2 0"
is "no round with 2 failures in a row was judged down" \
	"$(awk '$2 == "round" && $14 == "2" && $16 != "up"' "$out" | wc -l)" 0
check "failed rounds while the link was down" grep -q "ok 0/1 .*bad 3 state down" "$out"

# --- ICMP blackholed at router 3, TCP still works ---
in_r 3 iptables -I INPUT -p icmp --icmp-type echo-request -j DROP \
	-m comment --comment hc_drop
in_r 3 iptables -I INPUT -p tcp --dport 8082 -j DROP
accepts=$LAB_DIR/accepts
# A listener that counts what it accepted, and ends by itself (bounded).
ip netns exec "$(lab_router 3)" "$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(64)
s.settimeout(0.5)
n, end = 0, time.monotonic() + 60
open(sys.argv[1], "w").write("listening\n")
while time.monotonic() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.close()
    n += 1
    open(sys.argv[1], "w").write("%d\n" % n)
' "$accepts" &
BG_PIDS+=($!)
LISTENER=$!
check "TCP listener up in router 3" wait_for "$accepts" "." 5
out=$LAB_DIR/tcp.out
# gateways: 0 ICMP, 1 TCP to the listener, 2 TCP to a closed port
# (refused: the path works), 3 TCP to a port whose SYNs are dropped
in_gw "$HT" "${OPTS[@]}" -f 3 -r 2 -n 8 \
	202 "icmp:$LAB_INET" 202 "tcp:$LAB_INET:8080" \
	202 "tcp:$LAB_INET:8081" 202 "tcp:$LAB_INET:8082" > "$out" 2>&1
is "health_tool ran 8 rounds of 4 gateways" "$(awk '$2 == "round"' "$out" | wc -l)" 32
is "ICMP probe: probing -> down (echo requests dropped at router 3)" \
	"$(awk '$2 == "change" && $3 == 0 { printf "%s>%s round %s ", $4, $6, $8 }' "$out")" \
	"probing>down round 3 "
is "TCP to the listener: probing -> up" \
	"$(awk '$2 == "change" && $3 == 1 { printf "%s>%s round %s ", $4, $6, $8 }' "$out")" \
	"probing>up round 2 "
is "TCP refused counts as reachable: probing -> up" \
	"$(awk '$2 == "change" && $3 == 2 { printf "%s>%s round %s ", $4, $6, $8 }' "$out")" \
	"probing>up round 2 "
is "TCP with SYNs dropped: probing -> down" \
	"$(awk '$2 == "change" && $3 == 3 { printf "%s>%s round %s ", $4, $6, $8 }' "$out")" \
	"probing>down round 3 "
check "router 3 dropped the echo requests" test "$(pkts 3 hc_drop)" -ge 8
check "the listener accepted the 8 connects" test "$(cat "$accepts")" -ge 8
kill "$LISTENER" 2>/dev/null
in_r 3 iptables -D INPUT -p icmp --icmp-type echo-request -j DROP \
	-m comment --comment hc_drop

# --- intermittent loss: every other echo request dropped (exactly) ---
nth_rule=(INPUT -p icmp --icmp-type echo-request -m statistic --mode nth
	  --every 2 --packet 0 -j DROP)
out=$LAB_DIR/alt.out
bg_tool "$out" "${OPTS[@]}" -f 3 -r 2 -n 16 201 "icmp:$LAB_INET"
check "up before the loss starts" wait_for "$out" "change 0 probing -> up" 5
in_r 2 iptables -I "${nth_rule[@]}"
wait "$TOOL_PID"
is "health_tool finished its 16 rounds" "$?" 0
is "50% loss, fall=3 rise=2: no change after up (no flapping)" \
	"$(awk '$2 == "change"' "$out" | wc -l)" 1
check "rounds did fail under the loss" grep -q "ok 0/1 .*bad 1 state up" "$out"
is "loss over the last 10 rounds is 50%" \
	"$(tail -1 "$out" | awk '{ print $10 }')" 50
out=$LAB_DIR/alt1.out
in_gw "$HT" "${OPTS[@]}" -f 1 -r 1 -n 12 201 "icmp:$LAB_INET" > "$out" 2>&1
n=$(awk '$2 == "change"' "$out" | wc -l)
check "the same loss with fall=1 rise=1 flaps ($n changes in 12 rounds)" \
	test "$n" -ge 8
in_r 2 iptables -D "${nth_rule[@]}"

# --- random 50% loss on 5 targets, min_ok 1: tc netem if there is ---
for k in 2 3 4 5; do
	in_r 2 ip addr add "198.51.100.$k/32" dev lo
done
if in_r 2 tc qdisc add dev eth0 root netem loss 50% 2>/dev/null; then
	how="tc netem loss 50% on router 2's eth0"
else
	echo "# SKIP tc netem: not in this kernel; 50% random loss by iptables statistic instead"
	in_r 2 iptables -I INPUT -p icmp --icmp-type echo-request \
		-m statistic --mode random --probability 0.5 -j DROP
	how="iptables statistic random 0.5 at router 2"
fi
out=$LAB_DIR/rand.out
in_gw "$HT" "${OPTS[@]}" -f 3 -r 2 -m 1 -n 24 201 \
	icmp:198.51.100.1 icmp:198.51.100.2 icmp:198.51.100.3 \
	icmp:198.51.100.4 icmp:198.51.100.5 > "$out" 2>&1
# A failed round needs all 5 lost (1/32); DOWN needs 3 in a row.
is "$how, 1 of 5 targets: probing -> up and nothing else" \
	"$(awk '$2 == "change" { printf "%s>%s ", $4, $6 }' "$out")" "probing>up "
loss=$(tail -1 "$out" | awk '{ print $10 }')
check "loss over the last 10 rounds near 50% ($loss%)" \
	test "${loss:-0}" -ge 20 -a "${loss:-100}" -le 80

t_done
