#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A flapping link (issue 13): router 2's link down and up every 2 s for
# 30 s, rounds every 200 ms, rebalance = true.  Every binding is
# sampled all along (nfqlbctl list every 100 ms, far shorter than a
# move can take: back needs the window clean and rebalance_after): no
# user may change gateway more than twice (once away, once back), and
# the weights' shares are back at the end.  Then the clean-outage down
# decision with the default settings (interval 2 s, timeout 1 s,
# fall 3), timed.
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3)
C=$BUILD/nfqlbctl
NCLI=24

gw_counts() { echo "$(gw wan1 clients) $(gw wan2 clients) $(gw wan3 clients)"; }
wait_counts() {
	local t
	for ((t = 0; t < $2 * 10; t++)); do
		[ "$(gw_counts)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
link() {
	# A dead router, not a lost link (that is no-link at once: t_uplink.sh).
	if [ "$1" = down ]; then in_r 2 iptables -I OUTPUT -j DROP; else in_r 2 iptables -D OUTPUT -j DROP; fi
	# The router's route goes with its link; put it back.
	[ "$1" = up ] && in_r 2 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.2.1"
	return 0
}

lab_up "$NCLI" 2 1 1
SOCK=$LAB_DIR/ctl.sock
# Spawned in the event loop turn of the decision: its clock times it.
cat > "$LAB_DIR/notify.sh" <<SH
#!/bin/sh
echo "\$(date +%s%N) \$*" >> "$LAB_DIR/notify.log"
SH
chmod 0755 "$LAB_DIR/notify.sh"
conf_health() {
	lab_write_conf 2 1 1
	cat >> "$LAB_CONF" <<CONF
health = {
  $1
  targets = [ "icmp:$LAB_INET" ];
  rebalance = true; rebalance_after = 3;
  notify = "$LAB_DIR/notify.sh";
};
control = { socket = "$SOCK"; };
CONF
}
conf_health "interval = 200; timeout = 150; fall = 3; rise = 2;"
export NFQLB_SOCKET=$SOCK
check "nfqlbd starts" lab_start
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 5 || ok=0; done
is "all three gateways up" "$ok" 1
lab_send 0 "$NCLI" 1
is "clients per gateway follow the weights 2:1:1" "$(gw_counts)" "12 6 6"

# Every binding, sampled every 100 ms until $stop exists (bounded: 90 s).
samples=$LAB_DIR/samples
stop=$LAB_DIR/stop
(
	for ((k = 0; k < 900; k++)); do
		[ -e "$stop" ] && break
		$C list | tail -n +2 | awk -v k="$k" '{ print k, $1, $2 }'
		sleep 0.1
	done
) > "$samples" 2>/dev/null &
BG_PIDS+=($!)
sampler=$!

rb=$(stat rebinds) rbl=$(stat rebalanced) ch=$(gw wan2 changes)
# The stimulus: the link's schedule, not a wait for an event.
for ((k = 0; k < 15; k++)); do
	if ((k % 2 == 0)); then link down; else link up; fi
	sleep 2
done
link up
flap_changes=$(( $(gw wan2 changes) - ch ))
echo "# during the 30 s of flapping: wan2 changed state $flap_changes times," \
	"$(( $(stat rebinds) - rb )) failover moves, $(( $(stat rebalanced) - rbl )) rebalance moves"
check "wan2 up once the link stays up" wait_state wan2 up 20
check "then rebalanced to the weights (after rebalance_after)" wait_counts "12 6 6" 10
touch "$stop"
wait "$sampler"
moves=$(awk '{ if (($2 in g) && g[$2] != $3) n[$2]++; g[$2] = $3 }
	END { for (c in g) print c, n[c] + 0 }' "$samples" | sort)
echo "# moves per user: $(awk '{ print $2 }' <<< "$moves" | sort -n | uniq -c | awk '{ printf "%s users %s times; ", $1, $2 }')"
is "$NCLI users sampled" "$(wc -l <<< "$moves")" "$NCLI"
check "samples all along ($(awk '{ print $1 }' "$samples" | sort -u | wc -l))" \
	test "$(awk '{ print $1 }' "$samples" | sort -u | wc -l)" -ge 100
is "no user changed gateway more than twice" "$(awk '$2 > 2' <<< "$moves")" ""
check "wan2's users did move away (the flapping was seen)" \
	test "$(awk '$2 >= 1' <<< "$moves" | wc -l)" -ge 6
lab_zero_counters
lab_send 0 "$NCLI" 1
is "every client at exactly one router" "$(misrouted_clients "$NCLI")" ""
is "each at the router of its binding" "$(binding_mismatches)" ""

# --- a clean outage with the default settings: timed ---
lab_stop TERM
conf_health "fall = 3; rise = 2;"
check "nfqlbd starts with the default interval and timeout" lab_start
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 15 || ok=0; done
is "all three gateways up" "$ok" 1
t0=$(date +%s%N)
in_r 3 iptables -I OUTPUT -j DROP
check "wan3 down" wait_state wan3 down 15
t1=$(awk '$2 == "wan3" && $3 == "up" && $4 == "down" { t = $1 } END { print t }' "$LAB_DIR/notify.log")
t1=${t1:-$t0}
ms=$(( (t1 - t0) / 1000000 ))
echo "# clean outage, interval 2000 ms, timeout 1000 ms, fall 3: down decision after $ms ms"
check "decided within fall + 1 rounds plus the timeout (7 s, 10 with slack for a busy machine): $ms ms" test "$ms" -gt 0 -a "$ms" -le 10000
check "daemon still running" kill -0 "$(lab_pid)"
t_done
