#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A burst of new clients: 150 clients send their first datagram while
# nfqlbd is stopped, so the queue hands them over in full batches (64
# a batch) and each batch's set adds go to the kernel together, before
# the batch's verdicts.  Every client then sits in exactly one set, the
# set of the gateway its first packet was sent to; the routers'
# counters agree with the sets; the kernel alone steers the next
# packets.  Then 60 more new clients while the daemon runs, and a
# burst of 20 new clients with 3 datagrams each, so that a batch holds
# the same new client several times: bound once, every packet marked.
. "$(dirname "$0")/lib.sh"

N=150
MORE=60
lab_up $N 1 1 2
SOCK=$LAB_DIR/ctl.sock
echo "control = { socket = \"$SOCK\"; };" >> "$LAB_CONF"
C=$BUILD/nfqlbctl
stat_of() { NFQLB_SOCKET=$SOCK $C -j stats |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
queued() { in_gw awk -v q="$LAB_QUEUE" '$1 == q { print $3 }' /proc/net/netfilter/nfnetlink_queue; }
# A sent datagram reaches the queue when a CPU has run its backlog.
queued_is() { [ "$(queued)" = "$1" ]; }
qseq() { in_gw awk -v q="$LAB_QUEUE" '$1 == q { print $8 }' /proc/net/netfilter/nfnetlink_queue; }
# wait_drained: until nothing waits for a verdict (bounded: 5 s).
wait_drained() {
	local t
	for ((t = 0; t < 50; t++)); do
		[ "$(queued)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
# Clients in more than one set, or in none; seen by more than one
# router, or by none (of the first N); members of each gateway's set.
set_count_errors() { not_once "$1" lab_bindings "sets:"; }
misrouted() { misrouted_clients "$1"; }
set_sizes() { per_router lab_bindings; }

# -d: the daemon logs how many set adds each batch sent.
check "nfqlbd starts" lab_start -d
pid=$(lab_pid)
kill -STOP "$pid"
lab_send 0 $N 1
wait_until 5 queued_is "$N"
is "the burst waits in the queue" "$(queued)" "$N"
kill -CONT "$pid"
check "the daemon answers the whole burst" wait_drained
is "every client is in exactly one set" "$(set_count_errors $N)" ""
is "the sets hold $N clients" "$(lab_bindings | wc -l)" "$N"
is "every client reaches exactly one router" "$(misrouted $N)" ""
is "every client reaches the router of its set" "$(binding_mismatches)" ""
is "the routers see as many clients as the sets hold" "$(router_client_counts)" "$(set_sizes)"
total=$(lab_counts | awk '{ s += $3 } END { print s + 0 }')
is "all $N first datagrams arrived" "$total" "$N"
read -r n1 n2 n3 <<< "$(set_sizes)"
is "balanced 1:1:2 (within one client)" \
	"$(awk -v a="$n1" -v b="$n2" -v c="$n3" 'BEGIN { d = c - a - b; print (a - b <= 1 && b - a <= 1 && d <= 2 && d >= -2) ? "yes" : a " " b " " c }')" "yes"
is "no set errors" "$(stat_of set_errors)" "0"
is "$N binds from packets" "$(stat_of binds_packet)" "$N"
batch_adds() { grep -o '[0-9]* set adds sent for one batch' "$LAB_LOG" | awk '{ print $1 }'; }
full=$(batch_adds | grep -c '^64$')
check "full batches of 64 set adds went out together ($full)" test "$full" -ge 1
adds=$(batch_adds | awk '{ s += $1 } END { print s + 0 }')
is "the batches' set adds add up to $N" "$adds" "$N"

# The next packets never reach the queue: the sets were filled before
# the verdicts, and stay right.
lab_zero_counters
q0=$(qseq)
lab_send 0 $N 2
is "bound clients' next packets never reach the queue" "$(( $(qseq) - q0 ))" "0"
is "second round: same routers" "$(binding_mismatches)" ""
is "second round: every client reaches exactly one router" "$(misrouted $N)" ""
total=$(lab_counts | awk '{ s += $3 } END { print s + 0 }')
is "second round: all $((2 * N)) datagrams arrived" "$total" "$((2 * N))"

# More new clients while the daemon runs: batches of whatever size.
lab_add_clients $MORE
lab_zero_counters
lab_send $N $MORE 1
check "the daemon answers the new clients" wait_drained
all=$((N + MORE))
is "every one of $all clients is in exactly one set" "$(set_count_errors $all)" ""
is "the new clients reach the router of their set" "$(binding_mismatches)" ""
is "still no set errors" "$(stat_of set_errors)" "0"
lab_zero_counters
q0=$(qseq)
lab_send 0 $all 1
is "then no client's packet reaches the queue" "$(( $(qseq) - q0 ))" "0"
is "and all $all reach the router of their set" "$(binding_mismatches)" ""

# A new client three times in a batch: the first packet binds it, the
# next two find the binding; all three leave marked for its gateway.
DUP=20
lab_add_clients $DUP
lab_zero_counters
binds0=$(stat_of binds_packet)
kill -STOP "$pid"
lab_send $all $DUP 3
wait_until 5 queued_is "$((3 * DUP))"
is "the repeated burst waits in the queue" "$(queued)" "$((3 * DUP))"
kill -CONT "$pid"
check "the daemon answers the repeated burst" wait_drained
is "$DUP binds for $((3 * DUP)) packets" "$(( $(stat_of binds_packet) - binds0 ))" "$DUP"
is "every one of $((all + DUP)) clients is in exactly one set" \
	"$(set_count_errors $((all + DUP)))" ""
total=$(lab_counts | awk '{ s += $3 } END { print s + 0 }')
is "all $((3 * DUP)) datagrams arrived" "$total" "$((3 * DUP))"
is "each at the router of its client's set" "$(binding_mismatches)" ""
is "no packet left unassigned" "$(stat_of unassigned)" "0"
t_done
