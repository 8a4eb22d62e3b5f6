#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load-aware balancing (issue 22) against the real kernel: three routers
# behind links shaped with tbf (10 Mbit/s towards the box each), three
# heavy users pulling an iperf3 stream (-R) from the router they are
# bound to, light users pinging alongside.  They log in (nfqlbctl bind)
# in the order that puts every heavy user on the first gateway under
# the users rule (3 gateways, round robin: heavy, light, light, ...).
#  - "users": the heavy users cluster on one link;
#  - "load":  the same order spreads them: the busiest link carries at
#    most 1.3x the mean, the total at least 1.4x the users policy's;
#  - rebalance_idle: the idle users of the hot gateway move, and nobody
#    with an open connection (the heavy and light users) ever does.
# Throughput is read from the routers' own interface counters.
#
# shellcheck disable=SC2317  # functions are called through wait_until
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
command -v iperf3 >/dev/null || { echo "1..0 # SKIP no iperf3 (scripts/install-deps.sh)"; exit 77; }
# The light users ping: without ping they would be idle, and movable.
command -v ping >/dev/null || { echo "1..0 # SKIP no ping (scripts/install-deps.sh)"; exit 77; }

C=$BUILD/nfqlbctl
export NFQLB_SOCKET=$LAB_SOCK
RATE_KBIT=10000
# Client indexes, in login order: round robin puts 0, 3, 6, 9, 12 on wan1.
HEAVY=(0 3 6)
LIGHT=(1 2 4 5)
IDLE=(7 8 9 10 11 12)
NCLI=13

lab_up $NCLI 1 1 1 || exit 1
for i in 1 2 3; do
	# The download direction: the router's side of its link to the box.
	in_r "$i" tc qdisc add dev eth0 root tbf rate "${RATE_KBIT}kbit" burst 32kb latency 100ms
done
# One server per heavy user and router, fresh for each scenario: an
# iperf3 server whose client was killed may stay busy for a while.
SERVERS=()
servers() {
	local i p
	for p in "${SERVERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SERVERS=()
	for i in 1 2 3; do
		for p in 5201 5202 5203; do
			# Not through in_r (a function): $! must be iperf3 itself.
			ip netns exec "$(lab_router "$i")" iperf3 -s -p "$p" >/dev/null 2>&1 &
			SERVERS+=($!)
			BG_PIDS+=($!)
		done
	done
}
cp "$LAB_CONF" "$LAB_DIR/base.conf"

# write_conf EXTRA: the lab's file, bandwidths declared, plus EXTRA.
write_conf() {
	sed "s/weight = 1; }/weight = 1; bandwidth = { down = $RATE_KBIT; up = $RATE_KBIT; }; }/" \
		"$LAB_DIR/base.conf" > "$LAB_CONF"
	echo "$1" >> "$LAB_CONF"
}

client_gw() { "$C" -j list | python3 -c 'import json, sys
for c in json.load(sys.stdin):
    if c["client"] == sys.argv[1]:
        print(c["gateway"])' "$(lab_client_ip "$1")"; }
sampling() { [ "$(gw wan1 rate_down)" != "-" ]; }
rate_at_least() { [ "$(gw "$1" rate_down)" -ge "$2" ]; }
tx_bytes() { in_r "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }

STREAMS=()
# heavy K PORT: client K pulls a stream from its router for 60 s at most.
heavy() {
	ip netns exec "$LAB_CLI" iperf3 -c "$LAB_INET" -p "$2" -B "$(lab_client_ip "$1")" -R -t 60 \
		--connect-timeout 3000 >/dev/null 2>&1 &
	STREAMS+=($!)
	BG_PIDS+=($!)
}
light() {
	ip netns exec "$LAB_CLI" ping -q -i 0.5 -s 100 -I "$(lab_client_ip "$1")" "$LAB_INET" >/dev/null 2>&1 &
	STREAMS+=($!)
	BG_PIDS+=($!)
}
stop_streams() {
	local p
	for p in "${STREAMS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	STREAMS=()
}

# scenario POLICY EXTRA: log everybody in, heavy users streaming as
# soon as bound; under "load" wait for each stream to show in the
# gateway's measured rate before the next login.  Sets SHARE (bytes
# per router over 6 s) and TOTAL.
scenario() {
	local k h=0 g
	servers
	write_conf "balance = { policy = \"$1\"; measure = true; $2 };"
	lab_start || return 1
	wait_until 10 sampling || { not_ok "$1: nfqlbd samples the load"; return 1; }
	for ((k = 0; k < NCLI; k++)); do
		"$C" bind "$(lab_client_ip "$k")" >/dev/null || not_ok "$1: bind $k"
		case " ${HEAVY[*]} " in
		*" $k "*)
			heavy "$k" $((5201 + h))
			h=$((h + 1))
			g=$(client_gw "$k")
			# Seen by the daemon before the next user logs in (bounded).
			wait_until 15 rate_at_least "$g" 300000 ||
				echo "# $1: $g's rate is $(gw "$g" rate_down) after 15 s"
			;;
		esac
		case " ${LIGHT[*]} " in *" $k "*) light "$k" ;; esac
	done
	sleep 2	# the last stream's TCP ramp-up
	local a1 a2 a3 b1 b2 b3
	a1=$(tx_bytes 1) a2=$(tx_bytes 2) a3=$(tx_bytes 3)
	sleep 6
	b1=$(tx_bytes 1) b2=$(tx_bytes 2) b3=$(tx_bytes 3)
	SHARE=("$((b1 - a1))" "$((b2 - a2))" "$((b3 - a3))")
	TOTAL=$((SHARE[0] + SHARE[1] + SHARE[2]))
	echo "# $1: bytes per router over 6 s: ${SHARE[*]} (total $TOTAL," \
		"$((TOTAL * 8 / 6000)) kbit/s)"
}

# Between scenarios: no stream, no binding, no pinned connection left.
reset() {
	stop_streams
	for ((k = 0; k < NCLI; k++)); do
		"$C" release "$(lab_client_ip "$k")" >/dev/null 2>&1
	done
	lab_stop
	in_gw conntrack -F >/dev/null 2>&1
}

heavy_gws() { local k; for k in "${HEAVY[@]}"; do client_gw "$k"; done | sort | tr '\n' ' '; }

# --- users: the heavy users cluster -------------------------------------
scenario users ""
USERS_TOTAL=$TOTAL
is "users: every heavy user on wan1" "$(heavy_gws)" "wan1 wan1 wan1 "
reset

# --- load: the same order spreads them ---------------------------------
scenario load ""
LOAD_TOTAL=$TOTAL
is "load: one heavy user per gateway" "$(heavy_gws)" "wan1 wan2 wan3 "
MAX=$(printf '%s\n' "${SHARE[@]}" | sort -n | tail -1)
# heaviest <= 1.3 * mean, i.e. 3 * heaviest <= 1.3 * total
if [ $((30 * MAX)) -le $((13 * LOAD_TOTAL)) ]; then
	ok "load: heaviest link $MAX <= 1.3x the mean of $((LOAD_TOTAL / 3))"
else
	not_ok "load: heaviest link $MAX > 1.3x the mean of $((LOAD_TOTAL / 3))"
fi
if [ $((10 * LOAD_TOTAL)) -ge $((14 * USERS_TOTAL)) ]; then
	ok "load: total $LOAD_TOTAL >= 1.4x the users policy's $USERS_TOTAL"
else
	not_ok "load: total $LOAD_TOTAL < 1.4x the users policy's $USERS_TOTAL"
fi
# The figures are shown: per client and per gateway.
check "load: list -j has rx_bytes, tx_bytes and rates" \
	bash -c "'$C' -j list | python3 -c 'import json, sys
l = json.load(sys.stdin)
h = [c for c in l if c[\"client\"] == \"$(lab_client_ip 0)\"][0]
assert h[\"rx_bytes\"] > 1000000 and h[\"tx_bytes\"] > 0 and h[\"rate_down\"] > 100000, h
assert all(\"rx_bytes\" in c and \"rate_up\" in c for c in l)'"
U=$(gw wan1 utilization)
check "load: wan1's utilization is shown ($U)" python3 -c "import sys; assert 0.2 < float(sys.argv[1]) <= 1.5" "$U"
reset

# --- rebalance_idle under the users rule --------------------------------
# Everybody logs in as above (the heavy users clustered on wan1), then
# rebalance_idle is switched on by a reload: the starting point is the
# same every run, whatever the sampling's timing during the logins.
declare -A BEFORE
scenario users ""
is "rebalance: every heavy user on wan1 first" "$(heavy_gws)" "wan1 wan1 wan1 "
for ((k = 0; k < NCLI; k++)); do BEFORE[$k]=$(client_gw "$k"); done
# "Never moves a busy user" means something only if they are busy: the
# daemon itself sees a connection of every heavy and light user.
busy_seen() {
	local k ips=()
	for k in "${HEAVY[@]}" "${LIGHT[@]}"; do ips+=("$(lab_client_ip "$k")"); done
	# One list for all of them: each must show at least one connection.
	"$C" -j list | python3 -c 'import json, sys
open_of = {c["client"]: c["open"] or 0 for c in json.load(sys.stdin)}
sys.exit(0 if all(open_of.get(ip, 0) >= 1 for ip in sys.argv[1:]) else 1)' "${ips[@]}"
}
check "rebalance: every heavy and light user has an open connection" wait_until 10 busy_seen
write_conf "balance = { policy = \"users\"; measure = true; rebalance_idle = true;
	rebalance_hold = 2; rebalance_interval = 1; };
control = { socket = \"$LAB_SOCK\"; };"
check "rebalance: switched on by a reload" "$C" reload
moved_enough() { [ "$(stat idle_moves)" -ge 2 ]; }
if ! check "rebalance: idle users of the hot gateway moved" wait_until 30 moved_enough; then
	{ "$C" gateways; "$C" list; "$C" stats | grep -E "idle_moves|typical"
	  in_gw conntrack -L 2>/dev/null | head -40; } 2>&1 | sed 's/^/#   /'
fi
BUSY_MOVED=""
for k in "${HEAVY[@]}" "${LIGHT[@]}"; do
	[ "$(client_gw "$k")" = "${BEFORE[$k]}" ] || BUSY_MOVED+=" $k"
done
is "rebalance: no user with an open connection moved" "$BUSY_MOVED" ""
IDLE_LEFT=0
for k in "${IDLE[@]}"; do
	[ "$(client_gw "$k")" = wan1 ] && IDLE_LEFT=$((IDLE_LEFT + 1))
done
is "rebalance: no idle user left on the hot wan1" "$IDLE_LEFT" 0
check "rebalance: moves are logged" grep -q "moved idle client" "$LAB_LOG"
# Every move in the log names an idle user.
BAD=$(grep -o "moved idle client [0-9.]*" "$LAB_LOG" | awk '{ print $4 }' | while read -r ip; do
	for k in "${HEAVY[@]}" "${LIGHT[@]}"; do [ "$ip" = "$(lab_client_ip "$k")" ] && echo "$ip"; done
done)
is "rebalance: every logged move is of an idle user" "$BAD" "" ||
	"$C" list | sed 's/^/#   /'
[ -z "$BAD" ] || { "$C" list; in_gw conntrack -L 2>/dev/null | head -30; } | sed 's/^/#   /' 
reset

t_done
