#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 40 clients over three routers of weights 1, 1, 2: each client's
# traffic reaches exactly one router, the one it is bound to, and the
# routers see 10, 10 and 20 clients.
. "$(dirname "$0")/lib.sh"

lab_up 40 1 1 2
check "nfqlbd starts" lab_start
# One client at a time, each bound before the next sends: the order of
# arrival is then the order of binding, whichever CPU runs what.
for ((c = 0; c < 40; c++)); do
	lab_send "$c" 1 3
	wait_bound "$c" 1 || not_ok "client $c bound within 5 s"
done
is "routers see 10/10/20 clients" "$(router_client_counts)" "10 10 20"
is "every client reaches exactly one router" "$(misrouted_clients 40)" ""
is "every client reaches the router it is bound to" "$(binding_mismatches)" ""
is "40 bindings in the kernel sets" "$(lab_bindings | wc -l)" "40"
total=$(lab_counts | awk '{ s += $3 } END { print s + 0 }')
is "all 120 datagrams arrived (none lost in the queue)" "$total" "120"
# Exact order: with 1:1:2 and first-on-ties the sequence repeats
# wan1 wan2 wan3 wan3 (0/1 < ... ) -- check the first four clients.
first4=$(for c in 0 1 2 3; do lab_counts | awk -v ip="$(lab_client_ip $c)" '$1 == ip { print $2 }'; done | tr '\n' ' ')
is "first clients go 1, 2, 3, 3 (least loaded, first on ties)" "$first4" "1 2 3 3 "

# Second round: bound clients are steered by the kernel alone.
lab_zero_counters
q0=$(in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue)
lab_send 0 40 2
q1=$(in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue)
is "bound clients' new packets never reach the queue" "$((q1 - q0))" "0"
is "second round: same routers" "$(binding_mismatches)" ""
is "second round: 10/10/20" "$(router_client_counts)" "10 10 20"
t_done
