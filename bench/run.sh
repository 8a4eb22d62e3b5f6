#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD_DIR - nfqlb's packet-rate benchmark (`make bench`).
#
# Root; a few minutes; all traffic stays inside namespaces created here
# (prefix nqb<pid>, removed on any exit).  Prints figures, never fails
# on a timing: the exit status is non-zero only if the lab can't be
# built or a tool is missing.
#
#   cli ns: pktgen (AF_PACKET) eth0 --- lan0 [box ns: nfqlbd / qaccept]
#                                           wan0 --- r0  main table default route
#                                           wan1 --- r1  gateway 1 (mark 200)
#                                           ...
#                                           wanN --- rN  gateway N (mark 200+N-1)
# The routers drop what they get (blackhole route, no ICMP).  A
# packet's router says how it was steered: r1..rN = marked, r0 =
# unmarked (in the queue runs: failed open).  Counts are the box's
# wanN tx_packets, which for a veth pair are the router side's
# rx_packets (checked once per run at the end).
#
# Settings (environment): BENCH_RUNS (3), BENCH_SECS (1.5, measured
# window per run), BENCH_GW (4 gateways), BENCH_CLIENTS (16384),
# BENCH_QUICK=1 (skip the knobs), BENCH_CPU_GEN (0), BENCH_CPU_BOX (1).
set -u
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
WIN=${BENCH_SECS:-1.5}
WARM=0.4
NGW=${BENCH_GW:-4}
NCLI=${BENCH_CLIENTS:-16384}
CPU_GEN=${BENCH_CPU_GEN:-0}
CPU_BOX=${BENCH_CPU_BOX:-1}
P=nqb$$
CLI=${P}c
GW=${P}g
DIR=$(mktemp -d /tmp/nfqlb-bench.XXXXXX)
LAN_NET=10.64.0.0/10
BOX_LAN=10.64.0.1
KNOWN_FIRST=10.65.0.0		# the pre-bound clients: 10.65.0.0 + i
INET=198.51.100.1
MARK_BASE=200
T_START=$(date +%s)

router() { echo "${P}r$1"; }
in_gw() { ip netns exec "$GW" "$@"; }
in_cli() { ip netns exec "$CLI" "$@"; }
say() { echo "$*"; }
note() { echo "# $*"; }

cleanup() {
	local pid i
	for pid in $(cat "$DIR"/*.pid 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.2
	for pid in $(cat "$DIR"/*.pid 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	for ((i = 0; i <= NGW; i++)); do
		ip netns del "$(router "$i")" 2>/dev/null
	done
	ip netns del "$GW" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }

# ---------------------------------------------------------------- lab
nsinit() {
	ip netns add "$1" || die "ip netns add $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$1" ip link set lo up
}

lab_up() {
	local i r mac
	nsinit "$CLI"
	nsinit "$GW"
	ip link add lan0 netns "$GW" type veth peer name eth0 netns "$CLI"
	in_cli ip link set eth0 up
	in_gw ip addr add "$BOX_LAN/10" dev lan0
	in_gw ip link set lan0 up
	in_gw sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=2 \
		net.ipv4.conf.default.rp_filter=2
	for ((i = 0; i <= NGW; i++)); do
		r=$(router "$i")
		nsinit "$r"
		ip link add "wan$i" netns "$GW" type veth peer name eth0 netns "$r"
		ip netns exec "$r" ip addr add "10.200.$i.254/24" dev eth0
		ip netns exec "$r" ip link set eth0 up
		# forwarding on + blackhole: dropped silently (no ICMP back)
		ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
		ip netns exec "$r" ip route add blackhole 198.51.100.0/24
		in_gw ip addr add "10.200.$i.1/24" dev "wan$i"
		in_gw ip link set "wan$i" up
		mac=$(ip netns exec "$r" cat /sys/class/net/eth0/address)
		in_gw ip neigh replace "10.200.$i.254" lladdr "$mac" dev "wan$i" nud permanent
	done
	in_gw ip route add default via 10.200.0.254
	LAN_MAC=$(in_gw cat /sys/class/net/lan0/address)
}

# write_conf FILE [key=value...]: nfqlbd's configuration for the lab.
write_conf() {
	local f=$1 i batch=64 copy=40 maxlen=8192 sockbuf=8388608
	shift
	for kv in "$@"; do
		case $kv in
		batch=*) batch=${kv#*=} ;;
		copy=*) copy=${kv#*=} ;;
		maxlen=*) maxlen=${kv#*=} ;;
		sockbuf=*) sockbuf=${kv#*=} ;;
		esac
	done
	{
		echo "lan = { interface = \"lan0\"; network = \"$LAN_NET\"; };"
		echo "queue = { number = 0; max_len = $maxlen; socket_buffer = $sockbuf;"
		echo "          copy_range = $copy; fail_open = true; batch = $batch; };"
		echo "marks = { base = $MARK_BASE; mask = 0xff; };"
		echo "clients = { max = 1048576; set_prefix = \"nfqlb-\"; };"
		echo "keep_on_exit = true;"
		echo "gateways = ("
		for ((i = 1; i <= NGW; i++)); do
			printf '  { name = "wan%d"; address = "10.200.%d.254"; interface = "wan%d"; weight = 1; }%s\n' \
				"$i" "$i" "$i" "$([ "$i" -lt "$NGW" ] && echo ,)"
		done
		echo ");"
	} > "$f"
}

# daemon_start [key=value...]: nfqlbd on CPU_BOX with that config.
daemon_start() {
	local t
	write_conf "$DIR/nfqlb.conf" "$@"
	taskset -c "$CPU_BOX" ip netns exec "$GW" "$BUILD/nfqlbd" -f -c "$DIR/nfqlb.conf" \
		>> "$DIR/nfqlbd.log" 2>&1 &
	echo $! > "$DIR/nfqlbd.pid"
	for ((t = 0; t < 100; t++)); do
		in_gw awk '$1 == 0 && $2 != 0 { f = 1 } END { exit !f }' \
			/proc/net/netfilter/nfnetlink_queue 2>/dev/null && return 0
		kill -0 "$(cat "$DIR/nfqlbd.pid")" 2>/dev/null || break
		sleep 0.05
	done
	cat "$DIR/nfqlbd.log" >&2
	die "nfqlbd did not start"
}

daemon_stop() {
	local pid t
	pid=$(cat "$DIR/nfqlbd.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((t = 0; t < 100; t++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$DIR/nfqlbd.pid"
}

# qaccept_start NAME CPU [qaccept options]
qaccept_start() {
	local name=$1 cpu=$2 t
	shift 2
	taskset -c "$cpu" ip netns exec "$GW" "$BUILD/qaccept" "$@" \
		> "$DIR/$name.out" 2>&1 &
	echo $! > "$DIR/$name.pid"
	for ((t = 0; t < 100; t++)); do
		grep -q ready "$DIR/$name.out" && return 0
		sleep 0.02
	done
	cat "$DIR/$name.out" >&2
	die "qaccept did not start"
}

qaccept_stop() {
	local name=$1 pid
	pid=$(cat "$DIR/$name.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$DIR/$name.pid"
}

# gen [pktgen options]: the generator on CPU_GEN, from the client ns.
gen() {
	taskset -c "$CPU_GEN" ip netns exec "$CLI" "$BUILD/pktgen" -i eth0 -m "$LAN_MAC" \
		-d "$INET" "$@"
}

# snapshot: "key value" lines of the box's counters, with a timestamp.
SNAP='
snap() {
	local l
	printf "time %s\n" "$(date +%s.%N)"
	while read -r l; do
		case $l in
		*:*) set -- ${l/:/ }; echo "rx_$1 $2"; echo "tx_$1 ${10}" ;;
		esac
	done < /proc/net/dev
	[ -r /proc/net/netfilter/nfnetlink_queue ] &&
	while read -r q pid tot mode range qd ud seq one; do
		echo "qtotal_$q $tot"; echo "qdrop_$q $qd"; echo "udrop_$q $ud"; echo "qseq_$q $seq"
	done < /proc/net/netfilter/nfnetlink_queue
	return 0
}
'

# window SECS_BEFORE SECS_LONG OUT: two snapshots in the box, the
# measured window between them.
window() {
	taskset -c "$CPU_GEN" ip netns exec "$GW" bash -c "$SNAP"'
		sleep "$1"; snap > "$3.a"; sleep "$2"; snap > "$3.b"' _ "$1" "$2" "$3"
}

# delta OUT KEY: the increase of KEY across the window.
delta() {
	local a b
	a=$(awk -v k="$2" '$1 == k { print $2 }' "$1.a")
	b=$(awk -v k="$2" '$1 == k { print $2 }' "$1.b")
	echo $(( ${b:-0} - ${a:-0} ))
}

dt() {
	awk -v a="$(awk '$1 == "time" { print $2 }' "$1.a")" \
	    -v b="$(awk '$1 == "time" { print $2 }' "$1.b")" 'BEGIN { printf "%.6f", b - a }'
}

# measure CFG [pktgen options]: one run: the generator for WARM + WIN +
# a margin, the window inside it.  Sets the R_* results and appends a
# line to $DIR/runs.
measure() {
	local cfg=$1 out=$DIR/w.$RANDOM i marked=0 gen_out
	shift
	window "$WARM" "$WIN" "$out" &
	local wpid=$!
	gen_out=$(gen -t "$(awk -v a="$WARM" -v b="$WIN" 'BEGIN { print a + b + 0.3 }')" "$@")
	wait "$wpid"
	local d; d=$(dt "$out")
	for ((i = 1; i <= NGW; i++)); do
		marked=$((marked + $(delta "$out" "tx_wan$i")))
	done
	R_DT=$d
	R_OFFERED=$(delta "$out" rx_lan0)
	R_MARKED=$marked
	R_UNMARKED=$(delta "$out" tx_wan0)
	R_QDROP=$(( $(delta "$out" qdrop_0) + $(delta "$out" qdrop_1) ))
	R_UDROP=$(( $(delta "$out" udrop_0) + $(delta "$out" udrop_1) ))
	R_QSEQ=$(( $(delta "$out" qseq_0) + $(delta "$out" qseq_1) ))
	R_GEN=$gen_out
	rm -f "$out.a" "$out.b"
}
