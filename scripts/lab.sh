#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab.sh - a lab of network namespaces for nfqlb: sourced by the demo
# and the integration tests.  Every address lives inside namespaces the
# lab creates; nothing is sent anywhere else.
#
#   clients (CLI) --- lan0 [gateway box GW, runs nfqlbd] wan1 --- router R1
#                                                        wan2 --- router R2 ...
#
# Each router holds the "internet" address INET on its loopback, so a
# datagram to INET is received by whichever router the box sent it to,
# and counted there by one iptables rule per client (the routers' own
# counters are the evidence, not the daemon's belief).
#
# Settings (environment, all optional):
#   LAB_LAN=192.168.182   the /24 of the LAN; the box is .1
#   LAB_FIRST=10          the first client's host number
#   LAB_WAN=10.201        router n sits in LAB_WAN.n.0/24 (router .254, box .1)
#   LAB_INET=198.51.100.1 the address the clients send to
#   LAB_MARK_BASE=200 LAB_QUEUE=0
#   LAB_NETWORK=LAB_LAN.0/24 LAB_MAX_CLIENTS=4096  lan.network, clients.max
#   LAB_CLIENTS_EXTRA=""  more settings of the clients group

LAB_LAN=${LAB_LAN:-192.168.182}
LAB_FIRST=${LAB_FIRST:-10}
LAB_WAN=${LAB_WAN:-10.201}
LAB_INET=${LAB_INET:-198.51.100.1}
LAB_MARK_BASE=${LAB_MARK_BASE:-200}
LAB_QUEUE=${LAB_QUEUE:-0}
# Under tests/integration/run.sh every lab of one run shares the prefix
# nq<run>-, so concurrent runs on one machine never judge each other's.
LAB_ID=${LAB_ID:-nq${NQ_RUN:+$NQ_RUN-}$$}
LAB_CLI=${LAB_ID}c
LAB_GW=${LAB_ID}g
LAB_DIR=${LAB_DIR:-$(mktemp -d /tmp/nfqlb-lab.XXXXXX)}
LAB_CONF=$LAB_DIR/nfqlb.conf
LAB_PIDFILE=$LAB_DIR/nfqlbd.pid
LAB_LOG=$LAB_DIR/nfqlbd.log
LAB_SOCK=$LAB_DIR/ctl.sock
LAB_NROUTERS=0
LAB_NCLIENTS=0
LAB_SENT=0	# datagrams lab_send sent since the counters were zeroed
LAB_BUILD=${LAB_BUILD:-build}

lab_router() { echo "${LAB_ID}r$1"; }
lab_client_ip() { echo "$LAB_LAN.$((LAB_FIRST + $1))"; }
in_gw() { ip netns exec "$LAB_GW" "$@"; }
in_cli() { ip netns exec "$LAB_CLI" "$@"; }

# lab_up NCLIENTS WEIGHT... : build the namespaces and write the config.
lab_up() {
	local n=$1 i w
	shift
	LAB_NCLIENTS=$n
	LAB_NROUTERS=0
	ip netns add "$LAB_CLI"
	ip netns add "$LAB_GW"
	ip link add lan0 netns "$LAB_GW" type veth peer name eth0 netns "$LAB_CLI"
	in_cli ip link set lo up
	in_cli ip link set eth0 up
	for ((i = 0; i < n; i++)); do
		in_cli ip addr add "$(lab_client_ip "$i")/24" dev eth0
	done
	in_cli ip route add default via "$LAB_LAN.1"
	in_gw ip link set lo up
	in_gw ip addr add "$LAB_LAN.1/24" dev lan0
	in_gw ip link set lan0 up
	in_gw sysctl -qw net.ipv4.ip_forward=1
	# Replies come back on the WAN a client was sent out of; with a
	# default route in main (router 1) loose rp_filter accepts them.
	in_gw sysctl -qw net.ipv4.conf.all.rp_filter=2
	in_gw sysctl -qw net.ipv4.conf.default.rp_filter=2
	i=0
	for w in "$@"; do
		i=$((i + 1))
		lab_add_router "$i"
	done
	in_gw ip route add default via "$LAB_WAN.1.254"
	lab_write_conf "$@"
}

lab_add_router() {
	local i=$1 r
	r=$(lab_router "$i")
	[ "$i" -le "$LAB_NROUTERS" ] || LAB_NROUTERS=$i
	ip netns add "$r"
	ip link add "wan$i" netns "$LAB_GW" type veth peer name eth0 netns "$r"
	ip netns exec "$r" ip link set lo up
	ip netns exec "$r" ip addr add "$LAB_INET/32" dev lo
	ip netns exec "$r" ip addr add "$LAB_WAN.$i.254/24" dev eth0
	ip netns exec "$r" ip link set eth0 up
	ip netns exec "$r" ip route add "$LAB_LAN.0/24" via "$LAB_WAN.$i.1"
	in_gw ip addr add "$LAB_WAN.$i.1/24" dev "wan$i"
	in_gw ip link set "wan$i" up
	lab_count_rules "$i"
}

# One counting rule per client on router i (iptables-restore: one call).
lab_count_rules() {
	local i=$1 c
	{
		echo "*filter"
		for ((c = 0; c < LAB_NCLIENTS; c++)); do
			echo "-A INPUT -s $(lab_client_ip "$c") -d $LAB_INET -p udp"
		done
		echo "COMMIT"
	} | ip netns exec "$(lab_router "$i")" iptables-restore
}

# lab_add_clients N: N more client addresses on the LAN.
lab_add_clients() {
	local add=$1 c i
	for ((c = LAB_NCLIENTS; c < LAB_NCLIENTS + add; c++)); do
		in_cli ip addr add "$(lab_client_ip "$c")/24" dev eth0
	done
	LAB_NCLIENTS=$((LAB_NCLIENTS + add))
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		ip netns exec "$(lab_router "$i")" iptables -F INPUT
		lab_count_rules "$i"
	done
	LAB_SENT=0
}

lab_write_conf() {
	local i=0 w sep=""
	{
		echo "# written by lab.sh"
		echo "lan = { interface = \"lan0\"; network = \"${LAB_NETWORK:-$LAB_LAN.0/24}\"; };"
		echo "queue = { number = $LAB_QUEUE; };"
		echo "marks = { base = $LAB_MARK_BASE; mask = 0xff; };"
		echo "clients = { max = ${LAB_MAX_CLIENTS:-4096}; set_prefix = \"nfqlb-\";"
		# The journal of who is who: the lab's own, never /var/lib/nfqlb.
		echo "  state_dir = \"$LAB_DIR/state\"; ${LAB_CLIENTS_EXTRA:-} };"
		echo "gateways = ("
		for w in "$@"; do
			i=$((i + 1))
			printf '%s  { name = "wan%d"; address = "%s.%d.254"; interface = "wan%d"; weight = %d; }' \
				"$sep" "$i" "$LAB_WAN" "$i" "$i" "$w"
			sep=$',\n'
		done
		echo
		echo ");"
	} > "$LAB_CONF"
}

# lab_start [nfqlbd options]: start the daemon in the box, wait until
# its queue is bound (bounded: 10 s).
lab_start() {
	local t
	: > "$LAB_LOG"
	# The default socket is one path for the whole machine: a lab of its
	# own, so that labs running side by side never meet.
	grep -Eq '^[[:space:]]*control[[:space:]]*[=:]' "$LAB_CONF" ||
		echo "control = { socket = \"$LAB_SOCK\"; };" >> "$LAB_CONF"
	ip netns exec "$LAB_GW" "$LAB_BUILD/nfqlbd" -f -c "$LAB_CONF" "$@" \
		>> "$LAB_LOG" 2>&1 &
	echo $! > "$LAB_PIDFILE"
	for ((t = 0; t < 100; t++)); do
		if in_gw awk -v q="$LAB_QUEUE" '$1 == q { f = 1 } END { exit !f }' \
			/proc/net/netfilter/nfnetlink_queue 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$(cat "$LAB_PIDFILE")" 2>/dev/null; then
			echo "lab: nfqlbd exited at start:" >&2
			cat "$LAB_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "lab: nfqlbd did not bind its queue within 10 s" >&2
	cat "$LAB_LOG" >&2
	return 1
}

lab_pid() { cat "$LAB_PIDFILE" 2>/dev/null; }

# lab_stop [SIGNAL]: stop the daemon and wait for it (bounded: 10 s).
lab_stop() {
	local sig=${1:-TERM} pid t
	pid=$(lab_pid) || return 0
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((t = 0; t < 100; t++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	rm -f "$LAB_PIDFILE"
}

# lab_send FIRST_INDEX COUNT PACKETS: PACKETS datagrams from each client.
# udpgen returning means sent, not arrived: a datagram may still wait in
# the queue for the daemon's verdict, or in a backlog for a CPU.
lab_send() {
	in_cli "$LAB_BUILD/udpgen" -d "$LAB_INET" -p 9 -c "${3:-3}" \
		-f "$(lab_client_ip "$1")" -n "$2" >/dev/null
	LAB_SENT=$((LAB_SENT + $2 * ${3:-3}))
}

lab_zero_counters() {
	local i
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		ip netns exec "$(lab_router "$i")" iptables -Z INPUT
	done
	LAB_SENT=0
}

# lab_counts: "client router packets" for every non-zero counter, read
# once the traffic has ended: when the routers have counted every
# datagram lab_send sent since the counters were zeroed, or, where some
# are meant to be lost, when the counts have not moved for 0.5 s
# (bounded: 5 s).
lab_counts() {
	local out total prev=-1 still=0 t
	for ((t = 0; t < 50; t++)); do
		out=$(lab_read_counts)
		total=$(awk '{ s += $3 } END { print s + 0 }' <<< "$out")
		[ "$total" -ge "$LAB_SENT" ] && break
		if [ "$total" = "$prev" ]; then
			still=$((still + 1))
			[ "$still" -ge 5 ] && break
		else
			still=0
		fi
		prev=$total
		sleep 0.1
	done
	[ -z "$out" ] || printf '%s\n' "$out"
}

# lab_read_counts: the routers' counters as they are now.
lab_read_counts() {
	local i
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		ip netns exec "$(lab_router "$i")" iptables -S INPUT -v |
			awk -v r="$i" '$1 == "-A" {
				# Per rule: a rule with no -s (a counter of a test
				# itself) counts no client.
				s = ""; p = 0
				for (k = 1; k < NF; k++) {
					if ($k == "-s") { s = $(k + 1); sub("/32$", "", s) }
					if ($k == "-c") p = $(k + 1)
				}
				if (s != "" && p > 0) print s, r, p
			}'
	done
}

# lab_bindings: "client gateway-index" from the daemon's kernel sets.
lab_bindings() {
	local i
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		in_gw ipset list "nfqlb-wan$i" 2>/dev/null |
			awk -v r="$i" 'f { print $1, r } /^Members:/ { f = 1 }'
	done
}

lab_down() {
	local i
	lab_stop TERM
	# Every namespace named after this lab, including routers added
	# later by a test (lab_add_router) or from a subshell.
	for i in $(ip netns list | awk -v id="$LAB_ID" \
	    'index($1, id) == 1 && substr($1, length(id) + 1) ~ /^(c|g|r[0-9]+)$/ { print $1 }'); do
		ip netns del "$i" 2>/dev/null
	done
	rm -rf "$LAB_DIR"
	return 0
}
