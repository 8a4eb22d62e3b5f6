#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failover, failback and connection pinning with the real daemon: its
# health probes go through each router; a router is made to fail (link
# down, ICMP blackholed while TCP works, every other probe lost) and to
# come back.  Where packets arrive is read from the routers' counters,
# the pinned TCP connections are asked which router answers them.
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"
# A router "goes down" by answering nothing (iptables -I OUTPUT -j DROP
# in its namespace): its link stays up, so the probes decide.  A link
# that goes down is no-link at once, without probes (t_uplink.sh).

PY=$(command -v python3)
C=$BUILD/nfqlbctl
PORT=5000
NOTIFY_LOG=$LAB_DIR/notify.log

# gw NAME FIELD: one field of `nfqlbctl -j gateways`.



# wait_rounds NAME N: until the prober has judged N more rounds of NAME.
rounds_reached() { [ "$(gw "$1" rounds)" -ge "$2" ]; }
wait_rounds() { wait_until 10 rounds_reached "$1" "$(($(gw "$1" rounds) + $2))"; }
# client_at C ROUTER: router ROUTER has counted datagrams of client C.
client_at() { lab_read_counts | awk -v ip="$(lab_client_ip "$1")" -v r="$2" '$1 == ip && $2 == r { f = 1 } END { exit !f }'; }
notify_running() { [ "$(pgrep -f "notify-$LAB_ID" -c)" = "$1" ]; }
# ms since the hanging notify script started.
notify_age() { echo $(( ($(date +%s%N) - $(cat "$LAB_DIR/notify.start")) / 1000000 )); }

# "n1 n2 n3": clients per gateway, as the daemon says.
gw_counts() { echo "$(gw wan1 clients) $(gw wan2 clients) $(gw wan3 clients)"; }
# "n1 n2 n3": members per gateway set, as the kernel says.
set_counts() { per_router lab_bindings; }
lan_rule() { in_gw ip rule show | grep -c "fwmark 0x$(printf %x "$1")/0xff lookup $1\$" ; }
ct_mark() { in_gw conntrack -L -f ipv4 -m "$1/0xff" 2>/dev/null | grep -c .; }

# Traffic from every client; then each one must have reached exactly
# the router of its binding.
traffic_check() {
	local what=$1 n=$2
	lab_zero_counters
	lab_send 0 "$n" 2
	is "$what: every client at exactly one router" "$(misrouted_clients "$n")" ""
	is "$what: each at the router of its binding" "$(binding_mismatches)" ""
}

# --- the routers: an echo service telling who answers (echo_srv.py) ---
# --- a client: long-lived connections, asked again after a change ---
cat > "$LAB_DIR/cli.py" <<'PY'
import os, socket, sys, time
pre, dst, port, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ips = sys.argv[5:]
def ask(s):
    s.sendall(b"?\n")
    return s.recv(64).decode().strip() or "closed"
def conn(ip):
    s = socket.socket()
    s.settimeout(3)
    s.bind((ip, 0))
    s.connect((dst, port))
    return s
def write(path, lines):
    with open(path + ".tmp", "w") as f:
        f.write("".join(lines))
    os.rename(path + ".tmp", path)
conns, lines = {}, []
for ip in ips:
    try:
        conns[ip] = conn(ip)
        lines.append("%s %s\n" % (ip, ask(conns[ip])))
    except OSError as e:
        lines.append("%s error\n" % ip)
write(pre + ".before", lines)
end = time.monotonic() + 90
while not os.path.exists(flag) and time.monotonic() < end:
    time.sleep(0.05)
lines = []
for ip in ips:
    try:
        lines.append("%s %s\n" % (ip, ask(conns[ip])))
    except (OSError, KeyError):
        lines.append("%s error\n" % ip)
write(pre + ".old", lines)
lines = []
for ip in ips:
    try:
        s = conn(ip)
        lines.append("%s %s\n" % (ip, ask(s)))
        s.close()
    except OSError:
        lines.append("%s error\n" % ip)
write(pre + ".new", lines)
PY
cat > "$LAB_DIR/notify.sh" <<SH
#!/bin/sh
echo "\$1 \$2 \$3" >> "$NOTIFY_LOG"
# A script that hangs on "down": the daemon must kill it after the timeout.
if [ "\$3" = down ] && [ "\$1" = wan1 ]; then
	date +%s%N > "$LAB_DIR/notify.start"
	exec sh -c 'sleep 60; :' "notify-$LAB_ID"
fi
exit 0
SH
chmod 0755 "$LAB_DIR/notify.sh"

lab_up 30 1 1 1
# UDP flows unreplied expire after 30 s; a slow (sanitized, busy) run
# must not see "flows kept" turn false because time passed.
in_gw modprobe nf_conntrack 2>/dev/null
in_gw sysctl -qw net.netfilter.nf_conntrack_udp_timeout=900 ||
	not_ok "UDP conntrack timeout raised in the box"
for i in 1 2 3; do
	ip netns exec "$(lab_router "$i")" "$PY" "$TOP/tests/integration/echo_srv.py" "r$i" "$LAB_INET" "$PORT" 240 &
	BG_PIDS+=($!)
	# Echo requests seen by each router (the box's probes).
	in_r "$i" iptables -I INPUT -p icmp --icmp-type echo-request -m comment --comment probes
done
# wan3's uplink drops ICMP: it is probed with TCP connects instead.
sed -i "s|interface = \"wan3\"; weight = 1; }|interface = \"wan3\"; weight = 1; targets = [ \"tcp:$LAB_INET:$PORT\" ]; }|" "$LAB_CONF"
cat >> "$LAB_CONF" <<CONF
health = {
  interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ];
  rebalance = false; rebalance_after = 1;
  notify = "$LAB_DIR/notify.sh"; notify_timeout = 8;
};
CONF
SOCK=$LAB_DIR/ctl.sock
echo "control = { socket = \"$SOCK\"; };" >> "$LAB_CONF"
export NFQLB_SOCKET=$SOCK
check "the config with health settings is valid" "$BUILD/nfqlbd" -n -c "$LAB_CONF"
check "nfqlbd starts" lab_start

# --- probes: through each gateway, all three up ---
ok=1
for g in wan1 wan2 wan3; do wait_state "$g" up 5 || ok=0; done
is "all three gateways up within 5 s" "$ok" 1
is "a probe rule (iif lo) per gateway" \
	"$(in_gw ip rule show | grep -c 'iif lo lookup 20[012]$')" 3
rtt=$(gw wan1 rtt_ms)
check "gateways shows wan1's round trip ($rtt ms)" "$PY" -c "assert float('$rtt') >= 0"
is "gateways shows wan1's loss (a ratio)" "$(gw wan1 loss)" "0"
is "wan3 is probed by TCP: one target" "$(gw wan3 targets)" 1
check "the table shows STATE, RTT_MS, LOSS, RTT_AVG_MS, RTT_DEV_MS, CHANGES and STATE_AGE" \
	sh -c "$C gateways | head -1 | grep -q 'STATE.*RTT_MS  LOSS  RTT_AVG_MS  RTT_DEV_MS  CHANGES  STATE_AGE'"
check "router 1 received echo requests" test "$(in_r 1 iptables -nvxL INPUT | awk '/probes/ { print $1 }')" -gt 0
check "router 3 received none (TCP probes)" test "$(in_r 3 iptables -nvxL INPUT | awk '/probes/ { print $1 }')" -eq 0
is "notify ran for each gateway: probing -> up" "$(sort "$NOTIFY_LOG" | tr '\n' ' ')" \
	"wan1 probing up wan2 probing up wan3 probing up "

traffic_check "30 clients" 30
is "clients per gateway" "$(gw_counts)" "10 10 10"
check "conntrack holds wan1's flows (mark 200)" test "$(ct_mark 200)" -ge 10
ct201=$(ct_mark 201)

# --- ICMP blackholed at router 3: its TCP probes still work ---
in_r 3 iptables -I INPUT -p icmp -j DROP
check "5 rounds of wan3 judged with ICMP dropped" wait_rounds wan3 5
is "wan3 stays up with ICMP dropped (TCP probes)" "$(gw wan3 state)" up
in_r 3 iptables -D INPUT -p icmp -j DROP

# --- every other probe to router 2 lost: no flapping (fall 2, rise 2) ---
fo=$(stat failovers)
in_r 2 iptables -I INPUT -p icmp --icmp-type echo-request -m statistic --mode nth --every 2 --packet 0 -j DROP
check "10 rounds of wan2 judged with every other probe lost" wait_rounds wan2 10
# Read while the loss lasts: the window is the last 10 rounds (2 s).
loss=$(gw wan2 loss)
state="$(stat failovers) $(gw wan2 state)"
drops=$(in_r 2 iptables -nvxL INPUT | awk '/statistic/ { print $1 }')
in_r 2 iptables -D INPUT -p icmp --icmp-type echo-request -m statistic --mode nth --every 2 --packet 0 -j DROP
check "router 2 dropped every other probe ($drops)" test "$drops" -ge 5
is "50% loss in alternation: wan2 never went down" "$state" "$fo up"
check "its loss is shown ($loss)" "$PY" -c "assert 0 < float('$loss') <= 1"

# --- router 1's link goes down: failover ---
# Fresh flows of every gateway (UDP conntrack entries live 30 s).
lab_send 0 30 1
ct201=$(ct_mark 201)
echo "# before the failover: ct 200=$(ct_mark 200) 201=$ct201 202=$(ct_mark 202)"
lab_zero_counters
in_cli "$BUILD/udpgen" -d "$LAB_INET" -p 9 -c 300 -g 10000 -f "$(lab_client_ip 0)" -n 1 >/dev/null &
gen=$!
check "client 0's stream reaches router 1" wait_until 5 client_at 0 1
t0=$(date +%s%N)
in_r 1 iptables -I OUTPUT -j DROP
check "wan1 down (bounded: 10 s)" wait_state wan1 down 10
t1=$(date +%s%N)
echo "# down decision after $(( (t1 - t0) / 1000000 )) ms (interval 200, timeout 150, fall 2)"
is "at the down decision wan1 has no client left" "$(gw wan1 clients)" 0
check "notify: wan1 up -> down" wait_for "$NOTIFY_LOG" "^wan1 up down$" 10
is "clients moved to the live gateways" "$(gw_counts)" "0 15 15"
is "sets follow: wan1's set is empty" "$(set_counts)" "0 15 15"
is "wan1's LAN rule is out of use" "$(lan_rule 200)" 0
is "wan1's probe rule stays (to see it come back)" \
	"$(in_gw ip rule show | grep -c 'iif lo lookup 200$')" 1
is "conntrack: wan1's flows deleted" "$(ct_mark 200)" 0
check "conntrack: other gateways' flows kept" test "$(ct_mark 201)" -ge "$ct201"
wait "$gen"
lost=$((300 - $(lab_counts | awk -v ip="$(lab_client_ip 0)" '{ n += $3 } END { print n + 0 }')))
echo "# a client sending every 10 ms lost $lost datagrams around the failover"
check "client 0 reached a live router after the failover" \
	test "$(lab_counts | awk -v ip="$(lab_client_ip 0)" '$1 == ip && $2 != 1' | wc -l)" -eq 1
traffic_check "after failover" 30
is "router 1 received nothing" "$(lab_counts | awk '$2 == 1' | wc -l)" 0
check "the hanging notify script is killed" \
	wait_for "$LAB_LOG" "notify.*wan1 up down.*killed" 20
# Killed, so it hung until then (as scripts do); not long before its
# 8 s (it started a little after its spawn: 7.5 s allows for that).
age=$(notify_age)
check "it was not killed before notify_timeout (seen ${age} ms after it started)" \
	test "$age" -ge 7500
check "no notify script left running" wait_until 5 notify_running 0
is "stats count the failover" "$(stat failovers)" "$((fo + 1))"

# --- back up, no rebalance: new clients fill wan1 first ---
in_r 1 iptables -D OUTPUT -j DROP
in_r 1 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.1.1"
# Back once the window (30 rounds) is clean again: about 6 s.
check "wan1 up again within 10 s" wait_state wan1 up 10
is "wan1's LAN rule is back" "$(lan_rule 200)" 1
is "nobody moved back by itself (rebalance = false)" "$(gw_counts)" "0 15 15"
lab_add_clients 6
lab_send 30 6 1
is "6 new clients all went to wan1 (least loaded)" "$(gw_counts)" "6 15 15"
traffic_check "after failback" 36

# --- rebalance: shares restored, established connections pinned ---
ips=()
for ((c = 0; c < 36; c++)); do ips+=("$(lab_client_ip "$c")"); done
flag=$LAB_DIR/go
in_cli "$PY" "$LAB_DIR/cli.py" "$LAB_DIR/conn" "$LAB_INET" "$PORT" "$flag" "${ips[@]}" &
cli=$!
BG_PIDS+=($cli)
check "36 long-lived TCP connections open" wait_for "$LAB_DIR/conn.before" "" 10
declare -A before_gw
while read -r ip g; do before_gw[$ip]=$g; done < <($C list | tail -n +2 | awk '{ print $1, $2 }')
is "each connection answered by its client's router" \
	"$(while read -r ip r; do [ "r${before_gw[$ip]#wan}" = "$r" ] || echo "$ip $r"; done < "$LAB_DIR/conn.before")" ""
out=$($C -j rebalance)
moved=$(echo "$out" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["moved"])')
is "rebalance moved 6 clients" "$moved" 6
is "clients per gateway follow the weights (1:1:1 of 36)" "$(gw_counts)" "12 12 12"
is "sets follow" "$(set_counts)" "12 12 12"
touch "$flag"
check "connections asked again" wait_for "$LAB_DIR/conn.new" "" 20
wait "$cli"
declare -A after_gw
while read -r ip g; do after_gw[$ip]=$g; done < <($C list | tail -n +2 | awk '{ print $1, $2 }')
nmoved=0 bad_old="" bad_new=""
for ip in "${ips[@]}"; do
	b=${before_gw[$ip]} a=${after_gw[$ip]}
	[ "$a" != "$b" ] && nmoved=$((nmoved + 1))
	[ "$(awk -v ip="$ip" '$1 == ip { print $2 }' "$LAB_DIR/conn.old")" = "r${b#wan}" ] ||
		bad_old="$bad_old $ip"
	[ "$(awk -v ip="$ip" '$1 == ip { print $2 }' "$LAB_DIR/conn.new")" = "r${a#wan}" ] ||
		bad_new="$bad_new $ip"
done
is "6 clients changed gateway" "$nmoved" 6
is "every established connection still answered by its old router" "$bad_old" ""
is "every new connection answered by the client's new router" "$bad_new" ""
traffic_check "after rebalance" 36

# --- a weight change + rebalance, with health.rebalance on via reload ---
sed -i 's/rebalance = false;/rebalance = true;/' "$LAB_CONF"
check "reload with rebalance = true" sh -c "$C reload >/dev/null"
is "the probes were not restarted (health settings same)" \
	"$(grep -c 'restarting the probes' "$LAB_LOG")" 0
check "weight wan3 2" sh -c "$C weight wan3 2 >/dev/null"
check "rebalance after the weight change" sh -c "$C rebalance >/dev/null"
is "shares follow weights 1:1:2" "$(gw_counts)" "9 9 18"

# --- failback with automatic rebalance ---
in_r 2 iptables -I OUTPUT -j DROP
check "wan2 down" wait_state wan2 down 10
is "wan2's 9 clients moved (least loaded first)" "$(gw wan2 clients)" 0
in_r 2 iptables -D OUTPUT -j DROP
in_r 2 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.2.1"
check "wan2 up" wait_state wan2 up 10
# The failback's rebalance waits health.rebalance_after (1 s here).
counts_are() { [ "$(gw_counts)" = "$1" ]; }
check "failback rebalanced by itself to 1:1:2 (after rebalance_after)" wait_until 10 counts_are "9 9 18"
traffic_check "after automatic rebalance" 36

# --- every gateway down, one after the other: bindings kept, the main
# table routes.  (All of them in the same round would be a probe
# target's failure: held, nobody moves; t_quality.sh tests that.) ---
ok=1
for i in 1 2 3; do
	in_r "$i" iptables -I OUTPUT -j DROP
	wait_state "wan$i" down 10 || ok=0
done
is "all three down" "$ok" 1
# Each one's clients move to those still up, and the last one keeps
# them all (nowhere better to go).
is "every client still bound, all on the last gateway to go down" \
	"$(gw_counts | tr ' ' '\n' | sort -n | tr '\n' ' ')" "0 0 36 "
is "sets follow" "$(set_counts | tr ' ' '\n' | sort -n | tr '\n' ' ')" "0 0 36 "
is "no LAN rule in use" "$(( $(lan_rule 200) + $(lan_rule 201) + $(lan_rule 202) ))" 0
is "a marked client packet is routed by the main table" \
	"$(in_gw ip route get "$LAB_INET" from "$(lab_client_ip 0)" iif lan0 mark 200 2>&1 | grep -c 'table 200')" 0
out=$($C bind "$(lab_client_ip 40)" 2>&1)
is "a new login is refused clearly (exit 7)" "$?:$out" \
	"7:nfqlbctl: cannot bind $(lab_client_ip 40): no gateway takes clients"
check "the daemon still answers" sh -c "$C status >/dev/null"
in_r 3 iptables -D OUTPUT -j DROP
in_r 3 ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.3.1"
check "wan3 back up" wait_state wan3 up 10
is "the first gateway back takes every client" "$(gw_counts)" "0 0 36"
is "sets follow" "$(set_counts)" "0 0 36"
for i in 1 2; do
	in_r "$i" iptables -D OUTPUT -j DROP
	in_r "$i" ip route replace "$LAB_LAN.0/24" via "$LAB_WAN.$i.1"
done
# wan2's second down in a short while: damped a little longer.
check "wan1 back up" wait_state wan1 up 15
check "wan2 back up" wait_state wan2 up 15
check "with rebalance on, shares follow the weights again" wait_until 10 counts_are "9 9 18"
traffic_check "after every gateway came back" 36
check "daemon still running" kill -0 "$(lab_pid)"

# --- stop: nothing of the probes left behind ---
lab_stop TERM
is "no rule of ours left" "$(in_gw ip rule show | grep -c 'lookup 20[0-9]')" 0
t_done
