#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A next hop learned from the interface (issue 19): wan2 says
# address = "dhcp".  Until the main table has a default route via wan2
# (what a DHCP client installs; here at metric 100 so that it does not
# compete with main's own default) wan2 is no-link; then its table
# routes through that router; when the lease changes the router, the
# table follows; when the route goes, wan2 is no-link again.  Judged
# at the routers: every client at its binding's router.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }

N=10
lab_up $N 1 1
SOCK=$LAB_DIR/ctl.sock
sed -i "s/address = \"$LAB_WAN.2.254\"/address = \"dhcp\"/" "$LAB_CONF"
# wan1 prefers connectivity: no last resort in its table.
sed -i "s/interface = \"wan1\";/interface = \"wan1\"; last_resort = \"main\";/" "$LAB_CONF"
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
via() { in_gw ip route show table 201 | grep -q "^default via $1 dev wan2"; }
FRESH=2000
send_fresh() {
	FRESH=$((FRESH + 1))
	in_cli "$BUILD/udpgen" -d "$LAB_INET" -p "$FRESH" -c 1 -f "$(lab_client_ip 0)" -n $N >/dev/null
	LAB_SENT=$((LAB_SENT + N))
}

check "the configuration says dhcp" grep -q 'address = "dhcp"; interface = "wan2"' "$LAB_CONF"
check "nfqlbd starts" lab_start
check "wan1 up" wait_state wan1 up 10
is "no default via wan2 in main yet: wan2 no-link, no next hop" \
	"$(gw wan2 state) $(gw wan2 link) $(gw wan2 address)" "no-link no-nexthop -"
lab_send 0 $N 1
is "everybody on wan1" "$(per_router lab_bindings)" "$N 0"
is "wan2's table: its last resort only" "$(in_gw ip route show table 201 | awk '{ print $1, $2 }' | xargs)" \
	"unreachable default"
is "wan1's table (last_resort = main): no unreachable route" \
	"$(in_gw ip route show table 200 | grep -c unreachable)" 0

# --- the DHCP client's route appears ---
in_gw ip route add default via "$LAB_WAN.2.254" dev wan2 metric 100
t0=$(ms)
wait_until 5 via "$LAB_WAN.2.254"
t1=$(ms)
check "learned within 3 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
check "wan2 up (probes)" wait_state wan2 up 10
is "wan2 shows its learned next hop" "$(gw wan2 address) $(gw wan2 link)" "$LAB_WAN.2.254 ok"
$C rebalance >/dev/null
lab_zero_counters
send_fresh
is "clients split 5:5 at the routers" "$(per_router lab_counts)" "5 5"
is "every client at its binding's router" "$(binding_mismatches)" ""

# --- the lease changes the router (replaced in one step, as
# systemd-networkd does; a client that deletes then adds makes a short
# no-link, README) ---
in_r 2 ip addr add "$LAB_WAN.2.253/24" dev eth0
in_gw ip route replace default via "$LAB_WAN.2.253" dev wan2 metric 100
t0=$(ms)
wait_until 5 via "$LAB_WAN.2.253"
t1=$(ms)
check "the new next hop within 3 s ($((t1 - t0)) ms)" test $((t1 - t0)) -lt 3000
is "the old one is gone from the table" "$(in_gw ip route show table 201 | grep -c "$LAB_WAN.2.254")" 0
is "wan2 shows the new next hop" "$(gw wan2 address)" "$LAB_WAN.2.253"
is "wan2 stayed up" "$(gw wan2 state)" up
check "logged at warning" grep -q "gateway wan2: next hop $LAB_WAN.2.254 -> $LAB_WAN.2.253" "$LAB_LOG"
lab_zero_counters
send_fresh
is "every client still at its binding's router" "$(binding_mismatches)" ""
check "router 2 still serves wan2's clients" test "$(per_router lab_counts | awk '{ print $2 }')" -gt 0

# --- the lease ends: no next hop, no-link ---
in_gw ip route del default via "$LAB_WAN.2.253" dev wan2 metric 100
check "wan2 no-link once main has no default via it" wait_until 2 test "$(gw wan2 state)" = no-link
check "its clients moved" wait_until 3 test "$(gw wan2 clients)" = 0
lab_zero_counters
send_fresh
is "every client at router 1" "$(per_router lab_counts)" "$N 0"

t_done
