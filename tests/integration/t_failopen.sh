#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With the daemon gone, traffic still flows: after a crash (SIGKILL,
# rules left in place) the queue is bypassed; after a clean stop the
# rules are gone and the main table routes.
. "$(dirname "$0")/lib.sh"

lab_up 6 1 1 1
check "nfqlbd starts" lab_start
lab_send 0 3 1
is "three clients bound and routed" "$(lab_counts | wc -l)" "3"
lab_stop KILL
in_gw iptables -t mangle -S NFQLB | grep -q NFQUEUE
check "after SIGKILL the NFQUEUE rule is still installed" test $? -eq 0
lab_zero_counters
lab_send 3 1 3
is "after SIGKILL an unknown client still gets through (queue bypass)" \
	"$(lab_counts | awk -v ip="$(lab_client_ip 3)" '$1 == ip { print $2, $3 }')" "1 3"
lab_send 0 3 1
is "after SIGKILL bound clients keep their routers (kernel fast path)" \
	"$(lab_counts | awk '$1 != "'"$(lab_client_ip 3)"'"' | sort | awk '{ print $2 }' | tr '\n' ' ')" \
	"1 2 3 "

check "nfqlbd starts again" lab_start
lab_stop TERM
is "after a clean stop no NFQLB chain is left" \
	"$(in_gw iptables-save -t mangle | grep -c NFQLB)" "0"
lab_zero_counters
lab_send 4 2 2
is "after a clean stop traffic flows through the main table" \
	"$(lab_counts | awk '{ print $2, $3 }' | tr '\n' ' ')" "1 2 1 2 "
t_done
