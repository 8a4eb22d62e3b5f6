#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/login.sh BUILD_DIR - the login path benchmark (`make bench-login`,
# and the end of `make bench`): how long binding one client takes.
#
# Root; under a minute; everything happens inside network namespaces
# created here (the lab of scripts/lab.sh, prefix nql<pid>, removed on
# any exit together with their ipsets).  Prints figures, never fails on
# a timing: the exit status is non-zero only if the lab can't be built
# or a tool is missing.
#
# Methods, each timed per bind by bench/bindlat (CLOCK_MONOTONIC):
#   alcasar   the baseline, a portal without nfqlb: ALCASAR's conup step
#             (bash; `ipset list` of every gateway set to count its
#             clients, the least loaded by weight, `ipset add`), forked
#             and exec'd per bind as coova-chilli runs its conup hook,
#             on plain hash:ip sets gw0..gwN it creates in the box
#   conup     scripts/chilli-conup.sh forked per bind (sh, timeout,
#             nfqlbctl bind IP --mac --user --session)
#   nfqlbctl  `nfqlbctl bind IP` forked per bind
#   sock-conn the raw protocol, one connection per bind
#   sock-pers the raw protocol, one connection, one request at a time
#   sock-pipe the raw protocol, one connection, 32 requests in flight
#   true      yardstick: fork, exec and wait for /bin/true (what one
#             process costs on this machine)
# each with P clients already bound (P = 1000, then 10000: the same in
# nfqlbd and in the baseline's sets, spread by weight).  Every bind is a
# new client: distinct addresses within a run, and after each run what
# it bound is released (nfqlbd: bindlat -R over the socket; baseline:
# the sets are reset to their P members), both untimed, so every run
# starts from P bound clients.
#
# A run is N binds or its time bound, whichever comes first (forking is
# slow on some virtual machines: the forked methods are bounded by time).
# Settings (environment): BENCH_LOGIN_RUNS (3, median), BENCH_LOGIN_P
# ("1000 10000"), BENCH_LOGIN_N_SOCK (10000 binds per run, bound 1.2 s),
# BENCH_LOGIN_N_CTL (2000, 1.2 s), BENCH_LOGIN_N_HOOK (1000, 1.2 s),
# BENCH_LOGIN_N_BASE (200, 2 s), BENCH_LOGIN_SCALE (1: multiplies every
# time bound), BENCH_CPU_GEN (0: the client side), BENCH_CPU_BOX (1:
# nfqlbd), BENCH_LOGIN_BASE_CPUS
# (the baseline hook; default "$BENCH_CPU_GEN,$BENCH_CPU_BOX": both, as
# it has no daemon), BENCH_LOGIN_GW ("1 1 2": gateway weights).
set -u
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_LOGIN_RUNS:-3}
PLIST=${BENCH_LOGIN_P:-1000 10000}
N_SOCK=${BENCH_LOGIN_N_SOCK:-10000}
N_CTL=${BENCH_LOGIN_N_CTL:-2000}
N_HOOK=${BENCH_LOGIN_N_HOOK:-1000}
N_BASE=${BENCH_LOGIN_N_BASE:-200}
SCALE=${BENCH_LOGIN_SCALE:-1}
CPU_CLI=${BENCH_CPU_GEN:-0}
CPU_BOX=${BENCH_CPU_BOX:-1}
BASE_CPUS=${BENCH_LOGIN_BASE_CPUS:-$CPU_CLI,$CPU_BOX}
WEIGHTS=${BENCH_LOGIN_GW:-1 1 2}
read -r -a WARR <<< "$WEIGHTS"
NGW=${#WARR[@]}
LAN_NET=10.64.0.0/10		# prebound 10.65/16, measured runs 10.66/16 up
PRE_FIRST=10.65.0.0
T_START=$(date +%s)

LAB_ID=nql$$
LAB_BUILD=$BUILD
# shellcheck source=scripts/lab.sh
. "$TOP/scripts/lab.sh"
SOCK=$LAB_DIR/ctl.sock
BL=$BUILD/bindlat
C=$BUILD/nfqlbctl

cleanup() {
	local rc=$?
	lab_down
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench-login: $*" >&2; exit 1; }
note() { echo "# $*"; }

# The daemon's configuration: the lab's gateways, a LAN large enough
# for every address used here, the control socket in the lab's dir.
write_conf() {
	# shellcheck disable=SC2086  # WEIGHTS: one word per gateway
	LAB_NETWORK=$LAN_NET LAB_MAX_CLIENTS=1048576 lab_write_conf $WEIGHTS
	echo "control = { socket = \"$SOCK\"; };" >> "$LAB_CONF"
}

# The baseline: ALCASAR's configuration lines and its conup step as in
# the reference (Figure 8), verbatim but for the shebang and CONF_FILE.
# Sets gw0 (PUBLIC_WEIGHT) and gw1..gwN (WANi); `awk -F" " '{print $2}'`
# takes the second word of a WANi line, so the line is written
# "WANi=IF GW,WEIGHT" for the hook to read the weight.
write_baseline() {
	local i=0 w
	for w in $WEIGHTS; do
		if [ "$i" = 0 ]; then
			echo "PUBLIC_WEIGHT=$w"
		else
			echo "WAN$i=wan$((i + 1)) $LAB_WAN.$((i + 1)).254,$w"
		fi
		i=$((i + 1))
	done > "$LAB_DIR/alcasar.conf"
	cat > "$LAB_DIR/alcasar-conup.sh" <<EOF
#!/bin/bash
CONF_FILE=$LAB_DIR/alcasar.conf
#put the user in an ipset for load-balancing
gw_min="gw0"
weight=\`grep ^PUBLIC_WEIGHT= \$CONF_FILE | cut -d"=" -f2\`
already=\`ipset list \$gw_min | grep Number\\ of\\ entries: | cut -d":" -f2\`
#The *1000 is here to avoid working on floats in bash
gw_min_value=\$((1000 * \$already / \$weight))

nb_gw=\`grep ^WAN \$CONF_FILE | wc -l\`
for (( i = 1 ; i <= \$nb_gw ; i++ ));do
  gw="gw\${i}"
  weight=\`grep ^WAN\$i= \$CONF_FILE | awk -F" " '{ print \$2 }' | awk -F ',' '{ print \$2 }'\`
  already=\`ipset list \$gw | grep Number\\ of\\ entries: | cut -d":" -f2\`
  value=\$((1000 * \$already / \$weight))
  if [ \$value -lt \$gw_min_value ]
  then
    gw_min_value=\$value
    gw_min=\$gw
  fi
done
ipset add \$gw_min \$FRAMED_IP_ADDRESS
EOF
	chmod 0755 "$LAB_DIR/alcasar-conup.sh"
}

# ip_add BASE K: the K-th address after BASE (dotted quad).
ip_add() {
	local a b c d v
	IFS=. read -r a b c d <<< "$1"
	v=$(( (a << 24 | b << 16 | c << 8 | d) + $2 ))
	echo "$((v >> 24 & 255)).$((v >> 16 & 255)).$((v >> 8 & 255)).$((v & 255))"
}

# baseline_reset P: sets gw0..gwN hold exactly the P pre-bound clients,
# spread as the hook would spread them (least clients per weight).
baseline_reset() {
	awk -v p="$1" -v ws="$WEIGHTS" 'BEGIN {
		ng = split(ws, w, " ")
		for (i = 1; i <= ng; i++) {
			printf "create gw%d hash:ip\nflush gw%d\n", i - 1, i - 1
			sum += w[i]
		}
		# weighted round robin: gateway i takes w[i] of every sum
		for (j = 0; j < p; j++) {
			r = j % sum
			for (g = 1; r >= w[g]; g++)
				r -= w[g]
			printf "add gw%d 10.65.%d.%d\n", g - 1, int(j / 256) % 256, j % 256
		}
	}' | in_gw ipset -exist restore || die "ipset restore (baseline sets)"
}

baseline_count() {
	in_gw ipset list -t | awk '/^Name: gw[0-9]/ { f = 1 } /^Name: nfqlb/ { f = 0 }
		f && /Number of entries/ { s += $4 } END { print s + 0 }'
}

stat_of() { in_gw "$C" -s "$SOCK" stats | awk -v k="$1" '$1 == k { print $2 }'; }

# Results: per "P method", the runs' p50, p99, max and binds/s.
declare -A P50 P99 MAX BPS NDONE
BLOCK=0
next_block() {	# a fresh /16 for the next run: 10.66/16 .. 10.125/16
	echo "10.$((66 + BLOCK % 60)).0.0"
	BLOCK=$((BLOCK + 1))
}

# run P METHOD CPUS N SECS [bindlat args]: one timed run (N binds or SECS
# times BENCH_LOGIN_SCALE seconds); records its figures.
run() {
	local p=$1 m=$2 cpus=$3 n=$4 secs first out b0 b1 c0 extra=""
	secs=$(awk -v a="$5" -v b="$SCALE" 'BEGIN { print a * b }')
	shift 5
	first=$(next_block)
	case $m in
	alcasar) c0=$(baseline_count) ;;
	conup|nfqlbctl) b0=$(stat_of binds_hook) ;;
	esac
	out=$(taskset -c "$cpus" ip netns exec "$LAB_GW" "$BL" -l "$m" -a "$first" -n "$n" \
		-T "$secs" "$@" 2> "$LAB_DIR/bindlat.err")
	[ -s "$LAB_DIR/bindlat.err" ] && sed 's/^/  ! /' "$LAB_DIR/bindlat.err"
	[ -n "$out" ] || { echo "  $m: bindlat gave no figures"; return 0; }
	local kv k v
	declare -A f=()
	for kv in $out; do
		case $kv in *=*) k=${kv%%=*} v=${kv#*=}; f[$k]=$v ;; esac
	done
	case $m in
	alcasar)
		b1=$(baseline_count)
		extra="new members in the sets: $((b1 - c0))"
		baseline_reset "$p" ;;
	conup|nfqlbctl)
		b1=$(stat_of binds_hook)
		extra="new binds (daemon's binds_hook): $((b1 - b0))" ;;
	true)
		extra="(no bind: one process)" ;;
	*)
		extra="new binds (answers new=1): ${f[new]}" ;;
	esac
	printf '  P=%-6s %-9s n=%-6s p50 %8s us  p99 %8s us  max %9s us  %8s binds/s  %s\n' \
		"$p" "$m" "${f[n]}" "${f[p50_us]}" "${f[p99_us]}" "${f[max_us]}" "${f[binds_per_s]}" "$extra"
	P50[$p $m]="${P50[$p $m]:-} ${f[p50_us]}"
	P99[$p $m]="${P99[$p $m]:-} ${f[p99_us]}"
	MAX[$p $m]="${MAX[$p $m]:-} ${f[max_us]}"
	BPS[$p $m]="${BPS[$p $m]:-} ${f[binds_per_s]}"
	NDONE[$p $m]="${NDONE[$p $m]:-}${NDONE[$p $m]:+,}${f[n]}"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
maxof() { tr ' ' '\n' | grep . | sort -g | tail -1; }

METHODS="alcasar conup nfqlbctl sock-conn sock-pers sock-pipe true"
declare -A DESC=(
	[alcasar]="baseline: ALCASAR conup step (bash, ipset list x$NGW + ipset add), forked"
	[conup]="scripts/chilli-conup.sh (sh + timeout + nfqlbctl bind), forked"
	[nfqlbctl]="nfqlbctl bind IP, forked"
	[sock-conn]="raw protocol, one connection per bind"
	[sock-pers]="raw protocol, one persistent connection, one at a time"
	[sock-pipe]="raw protocol, one persistent connection, 32 in flight"
	[true]="yardstick, no bind: fork + exec + wait of /bin/true (one process)"
)

measure_all() {
	local p=$1 k m
	for ((k = 1; k <= RUNS; k++)); do
		for m in $METHODS; do
			case $m in
			alcasar) run "$p" "$m" "$BASE_CPUS" "$N_BASE" 2 -m exec -- \
				"$LAB_DIR/alcasar-conup.sh" ;;
			conup) run "$p" "$m" "$CPU_CLI" "$N_HOOK" 1.2 -s "$SOCK" -R -m exec -- \
				"$TOP/scripts/chilli-conup.sh" ;;
			nfqlbctl) run "$p" "$m" "$CPU_CLI" "$N_CTL" 1.2 -s "$SOCK" -R -m exec -- \
				"$C" -s "$SOCK" bind @IP@ ;;
			sock-conn) run "$p" "$m" "$CPU_CLI" "$N_SOCK" 1.2 -s "$SOCK" -R -m conn ;;
			sock-pers) run "$p" "$m" "$CPU_CLI" "$N_SOCK" 1.2 -s "$SOCK" -R -m persist ;;
			sock-pipe) run "$p" "$m" "$CPU_CLI" "$N_SOCK" 1.2 -s "$SOCK" -R -m pipe -w 32 ;;
			true) run "$p" "$m" "$CPU_CLI" 1000 0.3 -m exec -- /bin/true ;;
			esac
		done
	done
}

summary() {
	local p m b50 m50
	echo
	echo "== login path: medians of $RUNS runs (max: the largest of the runs)"
	note "x faster at p50 = baseline p50 / method p50, same P; target >= 10x (nfqlbctl forked"
	note "and the socket); sustained target >= 5000 binds/s through the socket"
	for p in $PLIST; do
		b50=$(echo "${P50[$p alcasar]:-}" | median)
		echo
		printf '%-7s %-10s %-15s %10s %10s %11s %10s %9s\n' P method "n per run" "p50 us" "p99 us" \
			"max us" "binds/s" "p50 x"
		for m in $METHODS; do
			m50=$(echo "${P50[$p $m]:-}" | median)
			printf '%-7s %-10s %-15s %10s %10s %11s %10s %9s\n' "$p" "$m" "${NDONE[$p $m]:-}" \
				"$m50" "$(echo "${P99[$p $m]:-}" | median)" \
				"$(echo "${MAX[$p $m]:-}" | maxof)" "$(echo "${BPS[$p $m]:-}" | median)" \
				"$(awk -v b="$b50" -v x="$m50" -v m="$m" \
					'BEGIN { if (x > 0 && m != "true") printf "%.1fx", b / x; else print "-" }')"
		done
	done
	echo
	echo "targets (medians):"
	for p in $PLIST; do
		b50=$(echo "${P50[$p alcasar]:-}" | median)
		for m in nfqlbctl sock-conn sock-pers; do
			m50=$(echo "${P50[$p $m]:-}" | median)
			awk -v p="$p" -v m="$m" -v b="$b50" -v x="$m50" 'BEGIN {
				r = x > 0 ? b / x : 0
				printf "  P=%-6s %-10s p50 %.1fx faster than the baseline (>= 10x): %s\n",
					p, m, r, (r >= 10 ? "met" : "NOT met") }'
		done
		for m in sock-conn sock-pers sock-pipe; do
			awk -v p="$p" -v m="$m" -v r="$(echo "${BPS[$p $m]:-}" | median)" 'BEGIN {
				printf "  P=%-6s %-10s %d binds/s through the socket (>= 5000): %s\n",
					p, m, r, (r >= 5000 ? "met" : "NOT met") }'
		done
	done
	echo
	for m in $METHODS; do
		printf '  %-10s %s\n' "$m" "${DESC[$m]}"
	done
}

main() {
	local p t
	[ "$(id -u)" = 0 ] || die "needs root (namespaces)"
	for t in nfqlbd nfqlbctl bindlat; do
		[ -x "$BUILD/$t" ] || die "missing $BUILD/$t (make bench-login builds it)"
	done
	command -v ipset > /dev/null || die "ipset not found"
	echo "== nfqlb login path benchmark"
	note "machine: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs," \
		"kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null)," \
		"ipset $(ipset -v 2>/dev/null | awk '{ print $2; exit }')"
	note "CPUs: nfqlbd pinned to CPU $CPU_BOX; bindlat and what it forks (nfqlbctl, chilli-conup.sh)" \
		"pinned to CPU $CPU_CLI; the baseline hook may use CPUs $BASE_CPUS (taskset)"
	note "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews figures)"
	note "gateways: $NGW, weights $WEIGHTS; every bind a new client (distinct" \
		"addresses; released, untimed, after each run); a run is N binds or its time bound"

	lab_up 1 "${WARR[@]}" || die "lab_up"
	write_conf
	write_baseline
	lab_start || die "nfqlbd did not start"
	taskset -apc "$CPU_BOX" "$(lab_pid)" > /dev/null || die "taskset nfqlbd"
	for t in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
	[ -S "$SOCK" ] || die "no control socket $SOCK"
	export NFQLBCTL=$C NFQLB_SOCKET=$SOCK USER_NAME=bench ACCT_SESSION_ID=bench-1

	for p in $PLIST; do
		echo "== $p clients already bound"
		# nfqlbd: bind the first P of 10.65/16 (those already bound stay)
		in_gw "$BL" -q -m persist -s "$SOCK" -a "$PRE_FIRST" -n "$p" ||
			die "pre-binding $p clients"
		t=$(stat_of clients)
		baseline_reset "$p"
		note "bound before the runs: nfqlbd $t clients, baseline sets $(baseline_count) members"
		measure_all "$p"
	done
	summary
	echo
	note "bench-login took $(( $(date +%s) - T_START )) s; load average at the end:" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
}

main
