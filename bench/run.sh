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
# Settings (environment): BENCH_RUNS (3), BENCH_QRUNS (5 queue drain
# pairs), BENCH_SECS (1.5, measured
# window per run), BENCH_GW (4 gateways), BENCH_CLIENTS (16384),
# BENCH_QUICK=1 (skip the knobs), BENCH_CPU_GEN (0), BENCH_CPU_BOX (1),
# BENCH_DRAIN (50000 packets per queue drain), BENCH_NEW (20000 new
# clients per drain), BENCH_SETN (20000 members in the set-add knob),
# BENCH_ONLY=new (only the new-client runs: new, new@80%, new@80%sust,
# with the known clients bound first as in the full run; needs only
# nfqlbd and pktgen; about 30 s), BENCH_ONLY=realm (the fast path with
# and without the gateway routes' traffic realms, alternated pairs,
# pinned and unpinned; about 40 s), BENCH_ONLY=ab BENCH_BASE=DIR (this
# build's nfqlbd against DIR/nfqlbd, another commit's, paired run by
# run: queue drains, new clients, fast path; about 2 minutes),
# BENCH_ONLY=measure (the fast path without and with balance.measure,
# paired; about a minute).
# Methods and results: bench/RESULTS.md.
set -u
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
QRUNS=${BENCH_QRUNS:-5}
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
	local f=$1 i batch=64 copy=40 maxlen=8192 sockbuf=8388608 pin=true measure=false
	shift
	for kv in "$@"; do
		case $kv in
		batch=*) batch=${kv#*=} ;;
		copy=*) copy=${kv#*=} ;;
		maxlen=*) maxlen=${kv#*=} ;;
		sockbuf=*) sockbuf=${kv#*=} ;;
		pin=*) pin=${kv#*=} ;;
		measure=*) measure=${kv#*=} ;;
		esac
	done
	{
		echo "lan = { interface = \"lan0\"; network = \"$LAN_NET\"; };"
		echo "queue = { number = 0; max_len = $maxlen; socket_buffer = $sockbuf;"
		echo "          copy_range = $copy; fail_open = true; batch = $batch; };"
		echo "marks = { base = $MARK_BASE; mask = 0xff; };"
		echo "clients = { max = 4194304; set_prefix = \"nfqlb-\"; };"
		echo "keep_on_exit = true;"
		echo "pin_connections = $pin;"
		# (only when asked: an older daemon knows no balance group)
		[ "$measure" = true ] && echo "balance = { measure = true; };"
		echo "control = { socket = \"$DIR/nfqlbd.sock\"; };"
		echo "gateways = ("
		for ((i = 1; i <= NGW; i++)); do
			printf '  { name = "wan%d"; address = "10.200.%d.254"; interface = "wan%d"; weight = 1; }%s\n' \
				"$i" "$i" "$i" "$([ "$i" -lt "$NGW" ] && echo ,)"
		done
		echo ");"
	} > "$f"
}

# bind_all: every client's first packet, paced so that none fails open.
bind_all() {
	gen -s "$KNOWN_FIRST" -n "$NCLI" -c "$NCLI" -r 20000 > /dev/null
	sleep 0.2
}

# bound_clients: the members of nfqlbd's sets, i.e. the bound clients.
bound_clients() {
	in_gw ipset list -t | awk '/Number of entries/ { s += $4 } END { print s + 0 }'
}

# daemon_start [key=value...]: nfqlbd on CPU_BOX with that config.
daemon_start() {
	local t
	write_conf "$DIR/nfqlb.conf" "$@"
	taskset -c "$CPU_BOX" ip netns exec "$GW" "${NFQLBD_BIN:-$BUILD/nfqlbd}" -f -c "$DIR/nfqlb.conf" \
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
		*:*) set -- ${l/:/ }; echo "rx_$1 $3"; echo "tx_$1 ${11}" ;;
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

# drain "PIDS" "QUEUES" N [pktgen options]: stop the reader(s), queue N packets
# with the generator, start the reader again and time how long it takes
# to empty the queue: the reader's own rate, with the generator idle.
# Sets D_RATE, D_QUEUED and the R_* counters.
drain() {
	local pid=$1 q=$2 n=$3 out=$DIR/d.$RANDOM res
	shift 3
	kill -STOP $pid
	in_gw bash -c "$SNAP"' snap' > "$out.a"
	gen -c "$n" -t 10 "$@" > /dev/null
	res=$(taskset -c "$CPU_GEN" ip netns exec "$GW" bash -c '
		q=$1 n=$2 pid=$3
		qt() { t=0; while read -r a b tot rest; do
			case " $q " in *" $a "*) t=$((t + tot)) ;; esac
			done < /proc/net/netfilter/nfnetlink_queue; }
		end=$((EPOCHSECONDS + 5)) prev=-1 stable=0
		while qt && [ "$t" -lt "$n" ] && [ "$EPOCHSECONDS" -le "$end" ]; do
			if [ "$t" = "$prev" ]; then
				stable=$((stable + 1)); [ "$stable" -ge 100 ] && break
			else stable=0 prev=$t; fi
			sleep 0.002
		done
		queued=$t
		# Poll every 0.5 ms without a fork (read -t on a silent fifo),
		# so the poller takes almost no CPU from a reader.
		f=$(mktemp -u /tmp/nfqlb-bench-fifo.XXXXXX); mkfifo "$f"; exec 9<> "$f"; rm -f "$f"
		kill -CONT $pid; t0=$EPOCHREALTIME
		end=$((EPOCHSECONDS + 30))
		while qt && [ "$t" != 0 ] && [ "$EPOCHSECONDS" -le "$end" ]; do read -t 0.0005 -u 9; done
		t1=$EPOCHREALTIME
		echo "$queued $t0 $t1 $t"' _ "$q" "$n" "$pid")
	kill -CONT $pid 2>/dev/null
	sleep 0.05
	in_gw bash -c "$SNAP"' snap' > "$out.b"
	set -- $res
	D_QUEUED=$1
	D_RATE=$(awk -v n="$1" -v a="$2" -v b="$3" -v left="$4" \
		'BEGIN { printf "%.0f", (n - left) / (b - a) }')
	local i marked=0
	for ((i = 1; i <= NGW; i++)); do
		marked=$((marked + $(delta "$out" "tx_wan$i")))
	done
	R_MARKED=$marked
	R_OFFERED=$(delta "$out" rx_lan0)
	R_UNMARKED=$(delta "$out" tx_wan0)
	R_QDROP=$(( $(delta "$out" qdrop_0) + $(delta "$out" qdrop_1) + $(delta "$out" qdrop_2) ))
	R_UDROP=$(( $(delta "$out" udrop_0) + $(delta "$out" udrop_1) + $(delta "$out" udrop_2) ))
	rm -f "$out.a" "$out.b"
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else printf "-" }'; }

# Per configuration: the runs' rates, offered rates and drop counts.
declare -A RUNS_OF OFF_OF FO_OF QD_OF UD_OF DESC_OF
ORDER=()
record() {	# CFG RATE OFFERED UNMARKED QDROP UDROP
	[ -n "${RUNS_OF[$1]+x}" ] || ORDER+=("$1")
	RUNS_OF[$1]="${RUNS_OF[$1]:-} $2"
	OFF_OF[$1]="${OFF_OF[$1]:-} $3"
	FO_OF[$1]="${FO_OF[$1]:-}${FO_OF[$1]:+,}$4"
	QD_OF[$1]="${QD_OF[$1]:-}${QD_OF[$1]:+,}$5"
	UD_OF[$1]="${UD_OF[$1]:-}${UD_OF[$1]:+,}$6"
}
med() { echo "${RUNS_OF[$1]:-}" | median; }

# kernel_window CFG: one windowed run of the pre-bound clients at full
# speed, recorded; its rate (all packets received at the routers) in R_RATE.
kernel_window() {
	measure "$1" -s "$KNOWN_FIRST" -n "$NCLI"
	R_RATE=$(rate $((R_MARKED + R_UNMARKED)) "$R_DT")
	record "$1" "$R_RATE" "$(rate "$R_OFFERED" "$R_DT")" "$R_UNMARKED" "$R_QDROP" "$R_UDROP"
}

# kernel CFG DESC: RUNS windowed runs of the pre-bound clients at full speed.
kernel_runs() {
	local cfg=$1 k
	DESC_OF[$cfg]=$2
	for ((k = 1; k <= RUNS; k++)); do
		kernel_window "$cfg"
		printf '  %-14s run %d: received %8s pps (marked %8s, unmarked %8s) offered %8s pps\n' \
			"$cfg" "$k" "$R_RATE" "$(rate "$R_MARKED" "$R_DT")" \
			"$(rate "$R_UNMARKED" "$R_DT")" "$(rate "$R_OFFERED" "$R_DT")"
	done
}

# Conntrack on without a rule in the forwarding path (as on any NAT box).
ct_on() { in_gw iptables -t filter -A INPUT -i lo -m conntrack --ctstate INVALID -j DROP; }
ct_off() { in_gw iptables -t filter -D INPUT -i lo -m conntrack --ctstate INVALID -j DROP; }

ref_up() {	# the reference (ALCASAR-style) ruleset, all clients bound
	local i j mark
	{
		for ((i = 1; i <= NGW; i++)); do echo "create refgw$i hash:ip maxelem 65536"; done
		echo "create refall hash:ip skbinfo maxelem 65536"
		for ((j = 0; j < NCLI; j++)); do
			i=$((j % NGW + 1))
			a="10.65.$((j / 256)).$((j % 256))"
			echo "add refgw$i $a"
			printf 'add refall %s skbmark 0x%x/0xff\n' "$a" $((MARK_BASE + i - 1))
		done
	} | in_gw ipset restore || die "ipset restore"
	for ((i = 1; i <= NGW; i++)); do
		mark=$((MARK_BASE + i - 1))
		in_gw ip rule add fwmark "$mark" table "$mark" pref $((100 + i))
		in_gw ip route add default via "10.200.$i.254" dev "wan$i" table "$mark"
	done
}
ref_rules() {	# perset | skbinfo | off
	local i
	in_gw iptables -t mangle -F PREROUTING
	case $1 in
	perset)
		for ((i = 1; i <= NGW; i++)); do
			in_gw iptables -t mangle -A PREROUTING -i lan0 -m set --match-set "refgw$i" src \
				-j MARK --set-mark $((MARK_BASE + i - 1))
		done ;;
	skbinfo)
		in_gw iptables -t mangle -A PREROUTING -i lan0 -j SET --map-set refall src --map-mark ;;
	esac
}
ref_down() {
	local i mark
	ref_rules off
	for ((i = 1; i <= NGW; i++)); do
		mark=$((MARK_BASE + i - 1))
		in_gw ip rule del fwmark "$mark" table "$mark" pref $((100 + i))
		in_gw ip route del default table "$mark"
		in_gw ipset destroy "refgw$i"
	done
	in_gw ipset destroy refall
}

# Every packet to the queue, ahead of nfqlbd's chain (the verdict
# resumes at the next hook, so nfqlbd's chain never sees them).
qall() {	# QUEUE-SPEC | off
	in_gw iptables -t mangle -D PREROUTING -i lan0 -j NFQUEUE $QALL_SPEC --queue-bypass 2>/dev/null
	[ "$1" = off ] && return 0
	QALL_SPEC=$1
	in_gw iptables -t mangle -I PREROUTING 1 -i lan0 -j NFQUEUE $QALL_SPEC --queue-bypass
}
QALL_SPEC="--queue-num 0"

warm_known() { gen -s "$KNOWN_FIRST" -n "$NCLI" -c "$NCLI" -r 150000 > /dev/null; }

# drain_runs CFG DESC PIDFN QUEUE N [pktgen options]
drain_one() {	# CFG K PID QUEUE N [pktgen options]
	local cfg=$1 k=$2 pid=$3 q=$4 n=$5
	shift 5
	drain "$pid" "$q" "$n" "$@"
	printf '  %-14s run %d: %8s pkt/s  (queued %d, verdicts reached gateways %d, failed open %d, queue drops %d, user drops %d)\n' \
		"$cfg" "$k" "$D_RATE" "$D_QUEUED" "$R_MARKED" "$R_UNMARKED" "$R_QDROP" "$R_UDROP"
	record "$cfg" "$D_RATE" "$D_QUEUED" "$R_UNMARKED" "$R_QDROP" "$R_UDROP"
}

# paced CFG DESC PPS [pktgen options]: RUNS sustained windowed runs.
paced() {
	local cfg=$1 pps=$3 r k
	DESC_OF[$cfg]=$2
	shift 3
	for ((k = 1; k <= RUNS; k++)); do
		local args=("$@")
		if [ "${args[*]}" != "${args[*]/NEW/}" ]; then
			# never-seen clients: a fresh range per run (at most 4
			# runs): NEW_K 10.96/13, 10.104/13, ...; NEW2_K 10.68/14,
			# 10.72/14, ... (10.65/16 known, 10.81-84/16 the drains)
			args=("${args[@]/NEW_K/10.$((96 + 8 * ((k - 1) % 4))).0.0}")
			args=("${args[@]/NEW2_K/10.$((68 + 4 * ((k - 1) % 4))).0.0}")
			in_gw conntrack -F 2> /dev/null
		fi
		measure "$cfg" -r "$pps" "${args[@]}"
		r=$(rate "$R_MARKED" "$R_DT")
		printf '  %-14s run %d: offered %8s pps, through the queue %8s pps, failed open %d, queue drops %d, user drops %d\n' \
			"$cfg" "$k" "$(rate "$R_OFFERED" "$R_DT")" "$r" "$R_UNMARKED" "$R_QDROP" "$R_UDROP"
		record "$cfg" "$r" "$(rate "$R_OFFERED" "$R_DT")" "$R_UNMARKED" "$R_QDROP" "$R_UDROP"
	done
}

machine() {
	note "machine: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs," \
		"$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)," \
		"kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null)," \
		"$(iptables -V 2>/dev/null), ipset $(ipset -v 2>/dev/null | awk '{ print $2; exit }')"
	note "CPUs: generator (pktgen, AF_PACKET sendmmsg) on CPU $CPU_GEN; a veth delivers in the" \
		"sender's softirq, so the box's PREROUTING, conntrack, rules and (kernel-only runs) the" \
		"forwarding also run on CPU $CPU_GEN; nfqlbd / qaccept on CPU $CPU_BOX, where the verdict" \
		"re-injects the packet and forwards it"
	note "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews figures)"
	note "traffic: 60-byte UDP frames, $NCLI client source addresses (one flow each), $NGW gateways" \
		"(one router each) + the main-table router; $RUNS runs per configuration, median;" \
		"windowed runs measure ${WIN}s after ${WARM}s of warm-up"
}

main() {
	local k i n pid r80 base
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	for t in pktgen qaccept nfqlbd bench_balance lbset_tool; do
		[ -x "$BUILD/$t" ] || die "missing $BUILD/$t (make bench builds it)"
	done
	echo "== nfqlb packet benchmark"
	machine
	lab_up

	echo "== kernel-only forwarding (pps received at the routers)"
	GOOD_MAC=$LAN_MAC
	LAN_MAC=02:00:00:00:00:01	# dropped by the box at once: the generator's own cost
	DESC_OF[gen-only]="generator alone (frames dropped on arrival: its own ceiling)"
	for ((k = 1; k <= RUNS; k++)); do
		r=$(gen -s "$KNOWN_FIRST" -n "$NCLI" -t "$WIN" | awk '{ printf "%.0f", $6 }')
		printf '  %-14s run %d: sent %8s pps\n' gen-only "$k" "$r"
		record gen-only "$r" "$r" - - -
	done
	LAN_MAC=$GOOD_MAC
	kernel_runs plain "plain forwarding: no rules, one default route (ceiling)"
	ct_on
	kernel_runs plain+ct "plain forwarding with conntrack on (as on any NAT box)"
	ct_off
	ref_up
	ref_rules perset
	kernel_runs ref "reference: -m set gwN src -j MARK per gateway + fwmark rules"
	ct_on
	kernel_runs ref+ct "reference, conntrack on"
	ct_off
	ref_rules skbinfo
	kernel_runs ref-skbinfo "knob: reference with one skbinfo set (-j SET --map-mark)"
	ref_down

	daemon_start
	bind_all
	n=$(bound_clients)
	note "nfqlbd bound $n of $NCLI clients before the fast-path runs"
	kernel_runs fast "nfqlb fast path: nfqlbd's rules, all clients bound"
	CT_FAST=$(in_gw conntrack -C 2>/dev/null || echo "?")
	pair_runs fast@pair ref+ct@pair "conntrack on (nfqlb's CONNMARK rules hold it)"
	realm_pairs

	# The same clients, pin_connections = false: restored from the
	# gateways' sets into the map set at start; no rule uses conntrack.
	daemon_stop
	in_gw conntrack -F 2>/dev/null
	daemon_start pin=false
	kernel_runs fast-unpinned "nfqlb fast path, pin_connections = false (one map-set lookup, no conntrack)"
	pair_runs fast-unpinned@pair ref@pair "no conntrack"
	note "conntrack entries in the box: $CT_FAST after the fast runs, $(in_gw conntrack -C 2>/dev/null || echo "?")" \
		"after the fast-unpinned runs (table flushed before them)"

	echo "== through the queue (drain: N packets queued while the reader is stopped, then timed)"
	DRAIN_N=${BENCH_DRAIN:-50000}
	DRAIN_CONF="maxlen=131072 sockbuf=268435456"
	daemon_stop
	daemon_start $DRAIN_CONF
	qall "--queue-num 0"
	qaccept_start qa "$CPU_BOX" -q 1 -m "$MARK_BASE" -l 131072 -B 268435456
	DESC_OF[q-nfqlb]="queue: every packet to nfqlbd, clients known (lookup + verdict)"
	DESC_OF[q-accept]="queue: minimal accept-all reader (qaccept, same socket settings)"
	# Cheap runs, and the headline queue ratio: five pairs.
	for ((k = 1; k <= QRUNS; k++)); do
		qall "--queue-num 0"; warm_known
		drain_one q-nfqlb "$k" "$(cat "$DIR/nfqlbd.pid")" 0 "$DRAIN_N" -s "$KNOWN_FIRST" -n "$NCLI"
		qall "--queue-num 1"; warm_known
		drain_one q-accept "$k" "$(cat "$DIR/qa.pid")" 1 "$DRAIN_N" -s "$KNOWN_FIRST" -n "$NCLI"
	done
	qall off
	new_drains

	echo "== sustained, default queue settings, at 80% of the drain rates (and at full speed)"
	daemon_stop
	daemon_start
	qall "--queue-num 0"
	r80=$(( $(med q-nfqlb) * 8 / 10 ))
	paced q-nfqlb@80% "q-nfqlb paced at 80% of its drain rate" "$r80" -s "$KNOWN_FIRST" -n "$NCLI"
	paced q-nfqlb@max "q-nfqlb at the generator's full speed" 0 -s "$KNOWN_FIRST" -n "$NCLI"
	# What got through at full speed is the sustained maximum (CPU 0
	# busy with the generator and softirqs, unlike in the drain): 80% of it.
	r80=$(( $(med q-nfqlb@max) * 8 / 10 ))
	paced q-nfqlb@80%sust "q-nfqlb paced at 80% of its sustained rate (q-nfqlb@max throughput)" \
		"$r80" -s "$KNOWN_FIRST" -n "$NCLI"
	qall "--queue-num 1"
	qaccept_stop qa
	qaccept_start qa "$CPU_BOX" -q 1 -m "$MARK_BASE"
	r80=$(( $(med q-accept) * 8 / 10 ))
	paced q-accept@80% "q-accept paced at 80% of its drain rate" "$r80" -s "$KNOWN_FIRST" -n "$NCLI"
	paced q-accept@max "q-accept at the generator's full speed" 0 -s "$KNOWN_FIRST" -n "$NCLI"
	qall off
	new_paced

	if [ "${BENCH_QUICK:-0}" != 1 ]; then
		knobs
	fi
	qaccept_stop qa
	daemon_stop
	summary
	echo
	echo "== balancing core alone (bench_balance)"
	"$BUILD/bench_balance"
	echo
	note "make bench took $(( $(date +%s) - T_START )) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# New clients (lookup + assign + set add + verdict): drains, with the
# daemon started with DRAIN_CONF ...
new_drains() {
	local k
	DESC_OF[new]="new clients: lookup + assign + set add + verdict (clients/s)"
	NEW_N=${BENCH_NEW:-20000}
	for ((k = 1; k <= RUNS; k++)); do
		in_gw conntrack -F 2> /dev/null
		drain_one new "$k" "$(cat "$DIR/nfqlbd.pid")" 0 "$NEW_N" -u -s "10.$((80 + k)).0.0" -n "$NEW_N"
	done
}

# ... and sustained, with the default queue settings.
new_paced() {
	local r80
	r80=$(( $(med new) * 8 / 10 ))
	in_gw conntrack -F 2> /dev/null
	# fresh sources for every run: 10.96/13, 10.104/13, ... (NEW_K below)
	paced new@80% "new clients paced at 80% of the drain rate" "$r80" -u -s NEW_K -n 524288
	# The rate that got through above is the sustained maximum: 80% of it.
	r80=$(( $(med new@80%) * 8 / 10 ))
	paced new@80%sust "new clients paced at 80% of the sustained rate (new@80% throughput)" \
		"$r80" -u -s NEW2_K -n 262144
}

# BENCH_ONLY=ab BENCH_BASE=DIR: this build's nfqlbd against the one in
# DIR (another commit's build), in one lab, run by run: QRUNS pairs,
# each the baseline daemon then this one, each measured the same way:
# the known clients' queue drain (lookup + verdict), a new-client drain
# (lookup + assign + set add + verdict, fresh sources every run), and
# the kernel fast path with the daemon's chain.  Pairs' ratios, median.
ab_one() {	# TAG BIN K
	local tag=$1 k=$3
	# Each daemon sets the box up as it wants it: conntrack accounting
	# off to start with (the per-user counters switch it on).
	in_gw sysctl -qw net.netfilter.nf_conntrack_acct=0 2> /dev/null
	in_gw conntrack -F 2> /dev/null
	NFQLBD_BIN=$2 daemon_start $DRAIN_CONF
	qall "--queue-num 0"; warm_known
	drain_one "q-$tag" "$k" "$(cat "$DIR/nfqlbd.pid")" 0 "$DRAIN_N" -s "$KNOWN_FIRST" -n "$NCLI"
	qall off
	in_gw conntrack -F 2> /dev/null
	AB_NEW=$((AB_NEW + 1))
	drain_one "new-$tag" "$k" "$(cat "$DIR/nfqlbd.pid")" 0 "$NEW_N" -u \
		-s "10.$((80 + AB_NEW)).0.0" -n "$NEW_N"
	sleep 1.2	# a tick of the daemon's (the load sampler's) first
	in_gw conntrack -F 2> /dev/null	# the flows made anew, as the daemon has the box
	kernel_window "fast-$tag"
	printf '  %-14s run %d: %8s pps\n' "fast-$tag" "$k" "$R_RATE"
	daemon_stop
}

main_ab() {
	local k base=${BENCH_BASE:?BENCH_ONLY=ab needs BENCH_BASE=BUILD_DIR of the baseline}
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	[ -x "$base/nfqlbd" ] || die "missing $base/nfqlbd"
	echo "== nfqlb packet benchmark: this nfqlbd against $base/nfqlbd (BENCH_ONLY=ab)"
	machine
	lab_up
	DRAIN_N=${BENCH_DRAIN:-50000}
	NEW_N=${BENCH_NEW:-20000}
	DRAIN_CONF="maxlen=131072 sockbuf=268435456"
	AB_NEW=0
	NFQLBD_BIN=$base/nfqlbd daemon_start $DRAIN_CONF
	bind_all
	note "bound $(bound_clients)" \
		"of $NCLI known clients first (kept across the daemons' restarts)"
	daemon_stop
	DESC_OF[q-base]="queue, known clients: the baseline daemon"
	DESC_OF[q-this]="queue, known clients: this daemon, paired with q-base"
	DESC_OF[new-base]="new clients drain: the baseline daemon"
	DESC_OF[new-this]="new clients drain: this daemon, paired with new-base"
	DESC_OF[fast-base]="fast path with the baseline daemon's chain"
	DESC_OF[fast-this]="fast path with this daemon's chain, paired with fast-base"
	for ((k = 1; k <= QRUNS; k++)); do
		ab_one base "$base/nfqlbd" "$k"
		ab_one this "$BUILD/nfqlbd" "$k"
	done
	echo
	echo "== this daemon / the baseline (paired run by run)"
	paired q-this q-base
	paired new-this new-base
	paired fast-this fast-base
	echo
	note "took $(( $(date +%s) - T_START )) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# BENCH_ONLY=measure: what measuring the load (balance.measure, on with
# the load policy and rebalance_idle: conntrack accounting on every
# packet, a zeroing conntrack dump a second) costs the fast path: QRUNS
# pairs of windows, the daemon without it then with it, flows made anew.
measure_one() {	# on|off
	daemon_stop
	in_gw sysctl -qw net.netfilter.nf_conntrack_acct=0 2> /dev/null
	daemon_start "measure=$([ "$1" = on ] && echo true || echo false)"
	sleep 1.2	# its first tick: accounting on, the first dump
	in_gw conntrack -F 2> /dev/null
	kernel_window "fast-measure-$1"
}

main_measure() {
	local k off
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	echo "== nfqlb packet benchmark: the cost of measuring the load (BENCH_ONLY=measure)"
	machine
	lab_up
	daemon_start
	bind_all
	DESC_OF[fast-measure-off]="fast path, balance.measure = false (the users policy's default)"
	DESC_OF[fast-measure-on]="fast path, balance.measure = true, paired"
	for ((k = 1; k <= QRUNS; k++)); do
		measure_one off
		off=$R_RATE
		measure_one on
		printf '  %-20s run %d: %8s pps vs off %8s pps\n' fast-measure-on "$k" "$R_RATE" "$off"
	done
	daemon_stop
	echo
	paired fast-measure-on fast-measure-off
	note "took $(( $(date +%s) - T_START )) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# BENCH_ONLY=new: the new-client runs alone, in the same state as in
# the full run (the known clients bound beforehand).
main_new() {
	local t n
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	for t in pktgen nfqlbd; do
		[ -x "$BUILD/$t" ] || die "missing $BUILD/$t (make bench builds it)"
	done
	echo "== nfqlb packet benchmark: new clients only (BENCH_ONLY=new)"
	machine
	lab_up
	DRAIN_CONF="maxlen=131072 sockbuf=268435456"
	daemon_start $DRAIN_CONF
	bind_all
	n=$(bound_clients)
	note "nfqlbd bound $n of $NCLI known clients first"
	echo "== new clients, drain"
	new_drains
	echo "== new clients, sustained, default queue settings"
	daemon_stop
	daemon_start
	new_paced
	daemon_stop
	summary
	echo
	note "took $(( $(date +%s) - T_START )) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Item 4: the knobs.  Defaults: batch 64, copy_range 40, max_len 8192,
# socket_buffer 8 MiB, one queue, one set per gateway.
knobs() {
	local k c t0 t1 n=${BENCH_SETN:-20000}
	echo "== knobs (drain rates unless said otherwise)"
	daemon_stop
	daemon_start $DRAIN_CONF batch=1
	DESC_OF[k:batch=1]="knob: queue.batch = 1 (one message read, one verdict sent per syscall)"
	for ((k = 1; k <= RUNS; k++)); do
		qall "--queue-num 0"; warm_known
		drain_one k:batch=1 "$k" "$(cat "$DIR/nfqlbd.pid")" 0 "$DRAIN_N" -s "$KNOWN_FIRST" -n "$NCLI"
	done
	daemon_stop
	# Copy range only matters for packets longer than it: 1400-byte payloads.
	DESC_OF[k:1428B,copy=40]="knob: 1428-byte IP packets, copy_range 40 (default)"
	DESC_OF[k:1428B,copy=64k]="knob: 1428-byte IP packets, copy_range 65535 (whole packet)"
	for c in 40 65535; do
		daemon_start $DRAIN_CONF copy=$c
		qall "--queue-num 0"
		for ((k = 1; k <= RUNS; k++)); do
			warm_known
			drain_one "k:1428B,copy=$([ $c = 40 ] && echo 40 || echo 64k)" "$k" \
				"$(cat "$DIR/nfqlbd.pid")" 0 "$DRAIN_N" -s "$KNOWN_FIRST" -n "$NCLI" -L 1400
		done
		daemon_stop
	done
	# A small queue and socket buffer, sustained.
	daemon_start maxlen=1024 sockbuf=1048576
	qall "--queue-num 0"
	paced "k:qlen1k,buf1M@80%" "knob: max_len 1024, socket_buffer 1 MiB, paced at 80% of q-nfqlb" \
		$(( $(med q-nfqlb) * 8 / 10 )) -s "$KNOWN_FIRST" -n "$NCLI"
	paced "k:qlen1k,buf1M@max" "knob: max_len 1024, socket_buffer 1 MiB, full speed" \
		0 -s "$KNOWN_FIRST" -n "$NCLI"
	qall off
	daemon_stop
	daemon_start
	# Two queues, one accept-all reader each (--queue-balance), one per CPU.
	qaccept_stop qa
	qaccept_start qa "$CPU_BOX" -q 1 -m "$MARK_BASE" -l 131072 -B 268435456
	qaccept_start qb "$CPU_GEN" -q 2 -m "$MARK_BASE" -l 131072 -B 268435456
	DESC_OF[k:2queues]="knob: two queues (--queue-balance 1:2), one qaccept on each CPU"
	for ((k = 1; k <= RUNS; k++)); do
		qall "--queue-balance 1:2"; warm_known
		drain_one k:2queues "$k" "$(cat "$DIR/qa.pid") $(cat "$DIR/qb.pid")" "1 2" "$DRAIN_N" \
			-s "$KNOWN_FIRST" -n "$NCLI"
	done
	qall off
	qaccept_stop qb
	# Set updates: one netlink request per member (what nfqlbd does per
	# new client, through libipset, and the same with raw netlink),
	# against members batched in one IPSET_ATTR_ADT container.
	local lb ld b
	local -A sa
	lb=$(in_gw "$BUILD/lbset_tool" bench nqbbench "$n" | awk '/^add:/ { print $4 }')
	for b in 1 16 64; do
		in_gw ipset create "nqbset$b" hash:ip maxelem 65536
		sa[$b]=$(in_gw "$BUILD/setadd" "nqbset$b" "$n" "$b" | awk '{ print $(NF - 3) }')
		in_gw ipset destroy "nqbset$b"
	done
	# What nfqlbd does now: lbset_add_defer + one lbset_commit per queue batch (64).
	ld=$(in_gw "$BUILD/lbset_tool" bench-defer nqbbench "$n" 64 | awk '/^add-defer:/ { print $(NF - 3) }')
	SETADD_TEXT="us per member added, $n members: lbset_add (libipset, one request each) $lb; raw netlink one request each ${sa[1]}; batched 16 per request ${sa[16]}; 64 per request ${sa[64]}; lbset_add_defer + lbset_commit every 64 (libipset restore mode, as nfqlbd) $ld"
	printf '  %-14s %s\n' k:setadd "$SETADD_TEXT"
}

# The reference ruleset on nfqlbd's own sets, marks and routes, in
# place of nfqlbd's jump: the same kernel state but for PREROUTING.
pre_ref() {
	local i
	in_gw iptables -t mangle -F PREROUTING
	in_gw iptables -t mangle -D FORWARD -i lan0 -j NFQLB_SAVE 2>/dev/null
	for ((i = 1; i <= NGW; i++)); do
		in_gw iptables -t mangle -A PREROUTING -i lan0 -m set --match-set "nfqlb-wan$i" src \
			-j MARK --set-mark $((MARK_BASE + i - 1))
	done
}
pre_nfqlb() {
	in_gw iptables -t mangle -F PREROUTING
	in_gw iptables -t mangle -A PREROUTING -s "$LAN_NET" -i lan0 -j NFQLB
	# Pinned, NFQLB_SAVE has its rule and FORWARD its jump.
	if in_gw iptables -t mangle -S NFQLB_SAVE | grep -q -- '^-A'; then
		in_gw iptables -t mangle -C FORWARD -i lan0 -j NFQLB_SAVE 2>/dev/null ||
			in_gw iptables -t mangle -I FORWARD -i lan0 -j NFQLB_SAVE
	fi
}

# pair_runs FAST REF WHAT: with nfqlbd running and every client bound,
# QRUNS pairs of windows, the reference's rules (pre_ref) then nfqlbd's
# jump, swapped between windows: drift between blocks of runs (seen at
# +-30 % here) cancels out of each pair's ratio.
pair_runs() {
	local fast=$1 ref=$2 k rr
	DESC_OF[$ref]="reference rules on nfqlbd's sets and routes, paired with $fast, $3"
	DESC_OF[$fast]="nfqlbd's chain, paired with $ref (runs alternated), $3"
	for ((k = 1; k <= QRUNS; k++)); do
		pre_ref
		kernel_window "$ref"
		rr=$R_RATE
		pre_nfqlb
		kernel_window "$fast"
		printf '  %-20s run %d: %8s pps vs %-14s %8s pps\n' "$fast" "$k" "$R_RATE" "$ref" "$rr"
	done
}

# realm_routes on|off: nfqlbd's gateway routes with their traffic
# realm (as nfqlbd installs them) or without (as before traffic
# counting), everything else equal.
realm_routes() {
	local i mark realm
	for ((i = 1; i <= NGW; i++)); do
		mark=$((MARK_BASE + i - 1))
		realm=""
		[ "$1" = on ] && realm="realm $(( (mark - 1) % 255 + 1 ))"
		in_gw ip route replace "10.200.$i.254" dev "wan$i" scope link table "$mark" proto static $realm
		in_gw ip route replace default via "10.200.$i.254" dev "wan$i" table "$mark" proto static $realm
	done
}

# realm_pairs: the fast path with realm-counted routes against the same
# without realms, QRUNS alternated pairs (the cost of traffic counting).
realm_pairs() {
	local k rr
	DESC_OF[fast-norealm@pair]="nfqlbd's chain, gateway routes without realms (no traffic counting)"
	DESC_OF[fast-realm@pair]="nfqlbd's chain, gateway routes with realms (traffic counted), paired"
	for ((k = 1; k <= QRUNS; k++)); do
		realm_routes off
		kernel_window fast-norealm@pair
		rr=$R_RATE
		realm_routes on
		kernel_window fast-realm@pair
		printf '  %-20s run %d: %8s pps vs %-18s %8s pps\n' fast-realm@pair "$k" "$R_RATE" \
			fast-norealm@pair "$rr"
	done
}

main_realm() {
	local n
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	echo "== nfqlb packet benchmark: the cost of traffic counting (BENCH_ONLY=realm)"
	machine
	lab_up
	daemon_start
	bind_all
	n=$(bound_clients)
	note "nfqlbd bound $n of $NCLI clients"
	realm_pairs
	daemon_stop
	daemon_start pin=false
	realm_pairs_unpinned
	daemon_stop
	summary
	echo
	note "took $(( $(date +%s) - T_START )) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# The same with pin_connections = false (no conntrack: the cheapest path,
# where a fixed cost shows most).
realm_pairs_unpinned() {
	local k rr
	DESC_OF[unpinned-norealm@pair]="pin_connections = false, gateway routes without realms"
	DESC_OF[unpinned-realm@pair]="pin_connections = false, gateway routes with realms, paired"
	for ((k = 1; k <= QRUNS; k++)); do
		realm_routes off
		kernel_window unpinned-norealm@pair
		rr=$R_RATE
		realm_routes on
		kernel_window unpinned-realm@pair
		printf '  %-20s run %d: %8s pps vs %-18s %8s pps\n' unpinned-realm@pair "$k" "$R_RATE" \
			unpinned-norealm@pair "$rr"
	done
}

# paired A B: A/B run by run, for configurations measured in turn (run
# k of A right before run k of B), so that the machine's drift between
# runs cancels out of each ratio; the median of those ratios.
paired() {
	local -a a b
	local k r=() m
	read -ra a <<< "${RUNS_OF[$1]:-}"
	read -ra b <<< "${RUNS_OF[$2]:-}"
	[ "${#a[@]}" -gt 0 ] && [ "${#a[@]}" -eq "${#b[@]}" ] || return 0
	for ((k = 0; k < ${#a[@]}; k++)); do
		r+=("$(awk -v x="${a[k]}" -v y="${b[k]}" 'BEGIN { printf "%.1f", 100 * x / y }')")
	done
	m=$(printf '%s\n' "${r[@]}" | median)
	printf '  %-20s %s\n' "$1/$2" "paired run by run: ${r[*]/%/%}; median ${m}%"
}

summary() {
	local cfg m plain ref refct qa
	plain=$(med plain); ref=$(med ref); refct=$(med ref+ct); qa=$(med q-accept)
	echo
	echo "== summary: medians of $RUNS runs (packets/s; new clients: clients/s)"
	note "unmarked/failed open = packets that reached the main-table router; qdrop, udrop ="
	note "queue_dropped, user_dropped of /proc/net/netfilter/nfnetlink_queue; one value per run"
	printf '%-20s %9s %7s %7s %7s %8s  %-26s %s\n' config median /plain /ref /ref+ct /q-accept \
		"unmarked|failed open" "qdrop udrop"
	for cfg in "${ORDER[@]}"; do
		m=$(med "$cfg")
		case $cfg in
		gen-only|plain*|ref*|fast*)	# /ref, /ref+ct: the blocks above
			printf '%-20s %9s %7s %7s %7s %8s  %-26s %s\n' "$cfg" "$m" "$(pct "$m" "$plain")" \
				"$(pct "$m" "$ref")" "$(pct "$m" "$refct")" "" "${FO_OF[$cfg]}" \
				"${QD_OF[$cfg]} ${UD_OF[$cfg]}" ;;
		*)
			printf '%-20s %9s %7s %7s %7s %8s  %-26s %s\n' "$cfg" "$m" "" "" "" \
				"$(pct "$m" "$qa")" "${FO_OF[$cfg]}" "${QD_OF[$cfg]} ${UD_OF[$cfg]}" ;;
		esac
	done
	echo
	echo "what each line is (runs' rates; for paced runs the offered rate follows in [])"
	for cfg in "${ORDER[@]}"; do
		case $cfg in
		*@*) printf '  %-20s %s:%s [%s ]\n' "$cfg" "${DESC_OF[$cfg]:-}" "${RUNS_OF[$cfg]}" "${OFF_OF[$cfg]}" ;;
		*) printf '  %-20s %s:%s\n' "$cfg" "${DESC_OF[$cfg]:-}" "${RUNS_OF[$cfg]}" ;;
		esac
	done
	[ -n "${SETADD_TEXT:-}" ] && printf '  %-20s %s\n' k:setadd "$SETADD_TEXT"
	paired q-nfqlb q-accept
	paired fast@pair ref+ct@pair
	paired fast-unpinned@pair ref@pair
	paired fast-realm@pair fast-norealm@pair
	paired unpinned-realm@pair unpinned-norealm@pair
	# The box's own cost: the generator's share (gen-only, same CPU)
	# taken out of each kernel-only run (none in BENCH_ONLY runs).
	[ -n "${RUNS_OF[plain]:-}" ] || return 0
	echo
	echo "box cost per packet with the generator's share removed (1/pps - 1/gen-only), kernel-only runs:"
	local g; g=$(med gen-only)
	for cfg in plain plain+ct ref ref+ct ref-skbinfo fast fast-unpinned; do
		awk -v c="$cfg" -v m="$(med "$cfg")" -v g="$g" -v p="$plain" -v r="$ref" -v rc="$refct" 'BEGIN {
			ns = 1e9 / m - 1e9 / g; np = 1e9 / p - 1e9 / g; nr = 1e9 / r - 1e9 / g; nrc = 1e9 / rc - 1e9 / g
			printf "  %-12s %6.0f ns/packet   plain/this %.2f   ref/this %.2f   ref+ct/this %.2f\n", c, ns, np / ns, nr / ns, nrc / ns }'
	done
}

if [ "${BENCH_LIB:-0}" != 1 ]; then
	case ${BENCH_ONLY:-} in
	'') main ;;
	new) main_new ;;
	realm) main_realm ;;
	ab) main_ab ;;
	measure) main_measure ;;
	*) die "BENCH_ONLY=$BENCH_ONLY: only 'new', 'realm', 'ab' and 'measure' are known" ;;
	esac
fi
