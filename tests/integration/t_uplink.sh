#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Uplinks that come and go (issue 19), judged at the routers while the
# clients send: a gateway whose interface is missing at start (nfqlbd
# serves the others, shows it no-link with 0 clients, takes it in when
# it appears); an admin down/up of a WAN; carrier lost on the far side;
# the interface deleted and re-created (new ifindex).  Each time: the
# gateway is not up within 1 s of losing its link, its routes are back
# within 3 s of the link being up, and no client's packet ever reaches
# a router other than its binding's: the main table's default route
# goes to router 3, which is no gateway at all, and must see nothing
# (last resort unreachable).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }

N=12
lab_up $N 1 1
lab_add_router 3
in_gw ip route replace default via "$LAB_WAN.3.254"
SOCK=$LAB_DIR/ctl.sock
# wan4: its interface does not exist yet.
sed -i 's/^);$/,\n  { name = "wan4"; address = "'"$LAB_WAN"'.4.254"; interface = "wan4"; }\n);/' "$LAB_CONF"
cat >> "$LAB_CONF" <<CONF
control = { socket = "$SOCK"; };
health = {
  interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ];
};
CONF
export NFQLB_SOCKET=$SOCK
C=$BUILD/nfqlbctl
ms() { echo $(($(date +%s%N) / 1000000)); }
# Table of slot s (wan1 200, wan2 201, wan4 202).
routes() { in_gw ip route show table "$1"; }
has_default() { routes "$1" | grep -q "^default via $2 dev $3"; }
last_resort_only() {
	routes "$1" | awk '{ n++ } /^unreachable default .*metric 4294967295/ { u++ }
		END { print (n == 1 && u == 1) ? "yes" : "no: " n " routes" }'
}
not_up() { [ "$(gw "$1" state)" != up ]; }

# --- a missing interface at start ---
out=$("$BUILD/nfqlbd" -n -c "$LAB_CONF" 2>&1)
is "nfqlbd -n: exit 0 with wan4 missing" "$?" 0
check "nfqlbd -n: warns which interface is missing" grep -q "gateway wan4: interface 'wan4' not found" <<< "$out"
check "nfqlbd starts with wan4 missing" lab_start
is "wan4 is no-link" "$(gw wan4 state) $(gw wan4 link)" "no-link missing"
ok=1
for g in wan1 wan2; do wait_state "$g" up 10 || ok=0; done
is "wan1 and wan2 up" "$ok" 1
check "the missing interface is logged at warning" grep -q "gateway wan4: interface wan4 missing: no-link" "$LAB_LOG"
is "wan4's table holds its last resort only" "$(last_resort_only 202)" yes
lab_send 0 $N 1
is "nobody bound to wan4" "$(gw wan4 clients)" 0
is "every client at its binding's router" "$(binding_mismatches)" ""
is "router 3 (main's default) saw nothing" "$(per_router lab_counts | awk '{ print $3 }')" 0

# Every client sends, round after round, until $STOP exists (bounded).
STOP=$LAB_DIR/stop
sender() {
	local r
	for ((r = 0; r < 400; r++)); do
		[ -e "$STOP" ] && break
		lab_send 0 $N 1
		sleep 0.05
	done
}
SPID=
send_start() {
	rm -f "$STOP"
	lab_zero_counters
	sender &
	SPID=$!
	BG_PIDS+=("$SPID")
}
send_stop() { touch "$STOP"; wait "$SPID"; }

# New connections only (a destination port never used before): the
# connections the sender left are pinned to where they started.
FRESH=1000
send_fresh() {
	FRESH=$((FRESH + 1))
	in_cli "$BUILD/udpgen" -d "$LAB_INET" -p "$FRESH" -c 1 -f "$(lab_client_ip 0)" -n $N >/dev/null
	LAB_SENT=$((LAB_SENT + N))
}

# "client router" pairs: every router a client reached must be the gateway
# of one of its bindings (before or after); router 3 never.
bindings_now() { lab_bindings | sort; }
leaks() {	# leaks BEFORE AFTER
	lab_counts | awk '{ print $1, $2 }' | sort | while read -r c r; do
		grep -qxF "$c $r" <<< "$1"$'\n'"$2" || echo "$c at router $r"
	done
}

# outage NAME DOWN_CMD UP_CMD GONE: the link of wan2 lost then back.
outage() {
	local name=$1 down=$2 up=$3 t0 t1 before after l0 r0
	l0=$(stat link_losses)
	r0=$(stat link_returns)
	before=$(bindings_now)
	send_start
	sleep 0.3
	t0=$(ms)
	in_gw true
	eval "$down"
	wait_until 3 not_up wan2
	t1=$(ms)
	check "$name: wan2 not up within 1 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
	is "$name: wan2 is no-link" "$(gw wan2 state)" no-link
	check "$name: wan2's clients moved to wan1" wait_until 3 test "$(gw wan2 clients)" = 0
	sleep 1
	is "$name: wan2's table holds its last resort only" "$(last_resort_only 201)" yes
	eval "$up"
	t0=$(ms)
	wait_until 5 has_default 201 "$LAB_WAN.2.254" wan2
	t1=$(ms)
	check "$name: routes back within 3 s of link up ($((t1 - t0)) ms)" \
		test $((t1 - t0)) -lt 3000
	check "$name: wan2 up again (probes)" wait_state wan2 up 10
	sleep 0.5
	send_stop
	after=$(bindings_now)
	is "$name: no client at a router other than its bindings'" "$(leaks "$before" "$after")" ""
	is "$name: router 3 (main's default) saw nothing" "$(per_router lab_counts | awk '{ print $3 }')" 0
	is "$name: counted once each way" "$(stat link_losses) $(stat link_returns)" \
		"$((l0 + 1)) $((r0 + 1))"
	# Back to balance for the next round, then every client where bound.
	$C rebalance >/dev/null
	lab_zero_counters
	send_fresh
	is "$name: after a rebalance, every client at its binding's router" "$(binding_mismatches)" ""
	is "$name: every client in one set" "$(not_once $N lab_bindings sets:)" ""
	check "$name: wan2 serves clients again" test "$(gw wan2 clients)" -gt 0
}

outage "admin down/up" "in_gw ip link set wan2 down" "in_gw ip link set wan2 up"
check "admin down logged at warning once" test "$(grep -c 'gateway wan2: interface wan2 admin-down' "$LAB_LOG")" -eq 1

outage "carrier lost on the far side" "in_r 2 ip link set eth0 down" \
	"in_r 2 ip link set eth0 up; in_r 2 ip route replace $LAB_LAN.0/24 via $LAB_WAN.2.1"
check "carrier loss logged at warning" grep -q 'gateway wan2: interface wan2 no-carrier' "$LAB_LOG"

idx0=$(in_gw cat /sys/class/net/wan2/ifindex)
recreate="ip link add wan2 netns $LAB_GW type veth peer name eth0 netns $(lab_router 2);
	in_r 2 ip addr add $LAB_WAN.2.254/24 dev eth0; in_r 2 ip link set eth0 up;
	in_r 2 ip route replace $LAB_LAN.0/24 via $LAB_WAN.2.1;
	in_gw ip addr add $LAB_WAN.2.1/24 dev wan2; in_gw ip link set wan2 up"
outage "deleted and re-created" "in_gw ip link del wan2" "$recreate"
idx1=$(in_gw cat /sys/class/net/wan2/ifindex)
check "re-created with a new ifindex ($idx0 -> $idx1)" test "$idx0" != "$idx1"
check "deletion logged at warning" grep -q 'gateway wan2: interface wan2 missing' "$LAB_LOG"

# --- the late interface appears: taken in, no restart ---
pid=$(lab_pid)
lab_add_router 4
check "wan4 appears: its routes within 3 s" wait_until 3 has_default 202 "$LAB_WAN.4.254" wan4
check "wan4 up (probes)" wait_state wan4 up 10
is "the same nfqlbd process" "$(lab_pid)" "$pid"
$C rebalance >/dev/null
lab_zero_counters
send_fresh
check "wan4 takes clients" test "$(gw wan4 clients)" -gt 0
is "every client in one set" "$(not_once $N lab_bindings sets:)" ""
is "every client at its binding's router" "$(binding_mismatches)" ""
is "router 3 saw nothing" "$(per_router lab_counts | awk '{ print $3 }')" 0

t_done
