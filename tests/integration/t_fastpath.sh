#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel alone steers a bound client: with nfqlbd paused (SIGSTOP),
# a client added by hand to gateway 1's set reaches router 1, and one
# added to gateway 2's set reaches router 2.
. "$(dirname "$0")/lib.sh"

lab_up 4 1 1
check "nfqlbd starts" lab_start
kill -STOP "$(lab_pid)"
in_gw ipset add nfqlb-wan2 "$(lab_client_ip 0)"
in_gw ipset add nfqlb-wan1 "$(lab_client_ip 1)"
in_gw ipset add nfqlb-wan2 "$(lab_client_ip 2)"
lab_send 0 3 2
is "hand-bound clients reach their routers with the daemon paused" \
	"$(lab_counts | awk '{ print $1, $2 }' | sort | tr '\n' ' ')" \
	"$(lab_client_ip 0) 2 $(lab_client_ip 1) 1 $(lab_client_ip 2) 2 "
q=$(in_gw awk '$1 == 0 { print $3 }' /proc/net/netfilter/nfnetlink_queue)
is "nothing waits in the queue" "$q" "0"
kill -CONT "$(lab_pid)"
# An unknown client now goes through the daemon: balanced to the least
# loaded gateway (wan1 has 1 client, wan2 has 2).
lab_send 3 1 2
is "next unknown client goes to the least loaded gateway" \
	"$(lab_counts | awk -v ip="$(lab_client_ip 3)" '$1 == ip { print $2 }')" "1"
t_done
