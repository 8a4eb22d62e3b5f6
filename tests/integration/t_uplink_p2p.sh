#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A point-to-point uplink without an address (issue 19): wan2 is a tun
# device joined to router 2's by tunrelay (a real POINTOPOINT, NOARP
# link with no link-layer address).  Its table routes "default dev
# tun0"; probes, balance, traffic counters work for it; when the link
# goes away (the relay stops: the device is deleted, as a PPPoE
# reconnect does) wan2 is no-link at once and its clients move; when
# it is re-created (a new ifindex) it is taken in again.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }

N=10
lab_up $N 1
R2=$(lab_router 2)
ip netns add "$R2"
LAB_NROUTERS=2
in_r 2 ip link set lo up
in_r 2 ip addr add "$LAB_INET/32" dev lo
lab_count_rules 2
P2P=10.202.0

# relay_up: the tun pair, addressed (bounded wait for the relay).
relay_up() {
	local t
	: > "$LAB_DIR/relay.out"
	"$BUILD/tunrelay" "$LAB_GW" tun0 "$R2" tun0 > "$LAB_DIR/relay.out" 2>&1 &
	RELAY=$!
	BG_PIDS+=("$RELAY")
	wait_for "$LAB_DIR/relay.out" '^ready$' 5 || return 1
	in_gw ip addr add "$P2P.1" peer "$P2P.2" dev tun0 &&
	in_gw ip link set tun0 up &&
	in_r 2 ip addr add "$P2P.2" peer "$P2P.1" dev tun0 &&
	in_r 2 ip link set tun0 up &&
	in_r 2 ip route replace "$LAB_LAN.0/24" dev tun0
}
check "the tun pair is up" relay_up
is "tun0 is POINTOPOINT and NOARP, without link-layer address" \
	"$(in_gw ip link show tun0 | grep -o 'POINTOPOINT\|NOARP\|link/none' | xargs)" \
	"POINTOPOINT NOARP link/none"

SOCK=$LAB_DIR/ctl.sock
sed -i 's/^);$/,\n  { name = "wan2"; interface = "tun0"; }\n);/' "$LAB_CONF"
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
dev_route() { in_gw ip route show table 201 | grep -q "^default dev tun0"; }
not_up() { [ "$(gw wan2 state)" != up ]; }

out=$(in_gw "$BUILD/nfqlbd" -n -c "$LAB_CONF" 2>&1)
is "nfqlbd -n accepts a gateway without address, nothing missing" "$?/$out" \
	"0/$LAB_CONF: configuration OK (2 gateways)"
check "nfqlbd starts" lab_start
check "wan2 (point-to-point) up by its probes" wait_state wan2 up 10
check "wan1 up" wait_state wan1 up 10
check "table 201: default dev tun0" dev_route
is "wan2 shows no address and a usable link" "$(gw wan2 address) $(gw wan2 link)" "- ok"
lab_send 0 $N 1
is "clients split 5:5" "$(per_router lab_bindings)" "5 5"
is "every client at its binding's router, tunnel included" "$(binding_mismatches)" ""
is "each client at one router" "$(misrouted_clients $N)" ""
check "traffic counted for the tunnel" test "$(gw wan2 tx_packets)" -gt 0

# --- the relay stops: tun0 is gone ---
kill "$RELAY"
wait "$RELAY" 2>/dev/null
# From the moment the device is gone (the kernel frees it after the fd).
tun_gone() { ! in_gw test -e /sys/class/net/tun0; }
wait_until 3 tun_gone
t0=$(ms)
wait_until 3 not_up wan2
t1=$(ms)
check "wan2 not up within 1 s of its link going away ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 1000
is "wan2 no-link, interface missing" "$(gw wan2 state) $(gw wan2 link)" "no-link missing"
check "its clients moved to wan1" wait_until 3 test "$(gw wan2 clients)" = 0
lab_zero_counters
lab_send 0 $N 1
is "every client at router 1 now" "$(per_router lab_counts)" "$N 0"

# --- re-created (new ifindex): taken in again ---
check "the tun pair is back" relay_up
t0=$(ms)
wait_until 5 dev_route
t1=$(ms)
check "route back within 3 s of the link ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
check "wan2 up again" wait_state wan2 up 10
$C rebalance >/dev/null
lab_zero_counters
in_cli "$BUILD/udpgen" -d "$LAB_INET" -p 4000 -c 1 -f "$(lab_client_ip 0)" -n $N >/dev/null
LAB_SENT=$N
is "after a rebalance, clients through the tunnel again" "$(per_router lab_counts)" "5 5"
is "every client at its binding's router" "$(binding_mismatches)" ""

t_done
