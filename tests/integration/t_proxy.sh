#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Behind a web proxy (issue 21): HTTP intercepted on the LAN and fetched
# by a transparent proxy on the box leaves through the gateway of the
# user who asked, with Debian's E2Guardian 5.3 (one instance per gateway,
# each its own user, marked by nfqlb) and Squid 5.7 (one instance,
# tcp_outgoing_mark per intercept port).  Every router serves the
# "internet" site at the same address and answers with its own name and
# the address it was reached from, so each page says which router
# fetched it and that the proxy (the box's WAN address, not the client)
# did.  Then a weight change with a rebalance, a failover and a logout:
# the next fetches follow; nfqlbd killed: the rules stay and keep
# working; nfqlbd stopped: the portal's own redirect serves everyone.
#
# shellcheck disable=SC2317  # functions are called through check()
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
for p in squid e2guardian curl useradd userdel; do
	command -v "$p" >/dev/null 2>&1 ||
		{ echo "1..0 # SKIP $p is missing (scripts/install-deps.sh)"; exit 77; }
done

C=$BUILD/nfqlbctl
N=30
PBASE=3400		# gateway slot n's intercept port: PBASE + n
PORTAL_PORT=3399	# the portal's own redirect (unbound users)
PDIR=$LAB_DIR/proxy
# The instances' users: global to the machine, so named after this run.
UPFX="nfqt$$-"
USERS=()
PROXY_PIDS=()

proxy_cleanup() {
	local p u t
	declare -F e2g_stop >/dev/null && e2g_stop 1 2 3 portal
	for p in "${PROXY_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PROXY_PIDS[@]}"; do
		for ((t = 0; t < 50; t++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	for u in "${USERS[@]}"; do userdel "$u" 2>/dev/null; done
}
trap 'proxy_cleanup; t_cleanup' EXIT

lab_up "$N" 1 1 1
# The proxy's users must reach their files: the lab dir is 0700.
chmod 711 "$LAB_DIR"
mkdir -m 1777 "$PDIR"
for i in 1 2 3; do
	u="${UPFX}wan$i"
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --gid nogroup "$u" || exit 1
	USERS+=("$u")
done

# A real portal NATs its uplinks; the proxy's upstream source address is
# chosen before its mark, so the box's own packets need it.  Forwarded
# clients keep theirs (routers route the LAN back), which tells a page
# fetched by the proxy (from 10.201.N.1) from one fetched directly.
for i in 1 2 3; do
	in_gw iptables -t nat -A POSTROUTING -o "wan$i" -m addrtype --src-type LOCAL \
		-j MASQUERADE
done
# The portal's own redirect: whoever nfqlb does not steer.
in_gw iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 80 \
	-j REDIRECT --to-ports "$PORTAL_PORT"

# --- every router: the site, answering "rN PEER" ---
cat > "$LAB_DIR/site.py" <<'PY'
import http.server, socketserver, sys, threading, time
name, addr, life = sys.argv[1], sys.argv[2], float(sys.argv[3])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("%s %s\n" % (name, self.client_address[0])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
s = S((addr, 80), H)
threading.Thread(target=s.serve_forever, daemon=True).start()
time.sleep(life)
PY
for i in 1 2 3; do
	# ip netns exec execs: $! is the server itself, not a subshell.
	ip netns exec "$(lab_router "$i")" python3 "$LAB_DIR/site.py" "r$i" "$LAB_INET" 300 &
	BG_PIDS+=($!)
done
site_up() { in_r "$1" bash -c "exec 3<>/dev/tcp/$LAB_INET/80" 2>/dev/null; }
for i in 1 2 3; do
	check "router $i serves the site" wait_until 10 site_up "$i"
done

cat >> "$LAB_CONF" <<CONF
health = { interval = 200; timeout = 150; min_ok = 1; fall = 2; rise = 2;
  targets = [ "icmp:$LAB_INET" ]; };
proxy = { enable = true; port_base = $PBASE; ports = [ 80 ];
  user_prefix = "$UPFX"; };
CONF
export NFQLB_SOCKET=$LAB_SOCK
check "the configuration with a proxy group is valid" "$BUILD/nfqlbd" -n -c "$LAB_CONF"
check "nfqlbd starts" lab_start

# Every client bound by its first packet (the fast path).
lab_send 0 "$N" 1
check "the $N clients are bound" wait_bound 0 "$N" 10
is "bound across the three gateways" "$(per_router lab_bindings)" "10 10 10"

is "status: proxy steering on" "$(stat proxy)" on
is "wan2's intercept port" "$(gw wan2 proxy_port)" $((PBASE + 1))
redirects=$(in_gw iptables -t nat -S NFQLB_PROXY | grep -c -- '-j REDIRECT')
is "one redirect rule per gateway" "$redirects" 3
first=$(in_gw iptables -t nat -S PREROUTING | sed -n 2p)
case $first in
*"-j NFQLB_PROXY") ok "the redirects come before the portal's own" ;;
*) not_ok "the redirects come before the portal's own" "first rule: $first" ;;
esac

# fetch_all TAG: every client fetches the page at once, through its own
# address; the lines "CLIENT PAGE..." in $LAB_DIR/TAG.
fetch_all() {
	local tag=$1
	rm -rf "${LAB_DIR:?}/$tag.d"
	mkdir "$LAB_DIR/$tag.d"
	# shellcheck disable=SC2016
	in_cli bash -c '
		for ((c = 0; c < $2; c++)); do
			ip=$3.$(($4 + c))
			curl -s --max-time 15 --interface "$ip" "http://$5/" \
				> "$1/$ip" 2>/dev/null &
		done
		wait' _ "$LAB_DIR/$tag.d" "$N" "$LAB_LAN" "$LAB_FIRST" "$LAB_INET"
	for ((c = 0; c < N; c++)); do
		ip=$(lab_client_ip "$c")
		echo "$ip $(cat "$LAB_DIR/$tag.d/$ip" 2>/dev/null)"
	done > "$LAB_DIR/$tag"
}

# Clients whose page did not come from their own gateway's router
# through the proxy (the router saw the box's address on that WAN).
not_own_gateway() {
	join <(lab_bindings | sort) <(sort "$LAB_DIR/$1") |
		awk -v w="$LAB_WAN" 'NF != 4 { print $1, "bound to", $2, "no page"; next }
			$3 != "r" $2 || $4 != w "." $2 ".1" {
				print $1, "bound to", $2, "got", $3, "from", $4 }'
}

steered=0
# round TAG WHAT: fetch, then every page must be the client's own
# gateway's, each fetch counted as steered.
round() {
	local before after
	before=$(stat proxy_steered)
	fetch_all "$1"
	is "$2: every page from the client's own gateway, through the proxy" \
		"$(not_own_gateway "$1")" ""
	after=$(stat proxy_steered)
	is "$2: $N fetches counted as steered" "$((after - before))" "$N"
}

# --- E2Guardian: one instance per gateway, each its own user ---
# The gateways' instances are configured by the shipped helper, as
# nfqlb-e2guardian@.service does (its own directory, given to the user);
# the portal's own instance (ALCASAR's) by hand, as the portal does.
e2g_portal_conf() {
	sed -e "s|^filterports = .*|filterports = $PORTAL_PORT|" \
	    -e "s|^transparenthttpsport = .*||" \
	    -e "s|^nodaemon = .*|nodaemon = on|" \
	    /etc/e2guardian/e2guardian.conf
	cat <<E2G
pidfilename = '$PDIR/e2gportal/portal.pid'
loglocation = '$PDIR/e2gportal/portal.log'
daemonuser = 'e2guardian'
daemongroup = 'nogroup'
E2G
}
e2g_start() {
	local n=$1 d=$PDIR/e2g$1
	mkdir -p "$d"
	if [ "$n" = portal ]; then
		chmod 1777 "$d"
		e2g_portal_conf > "$d/e2guardian.conf"
		cp /etc/e2guardian/e2guardianf1.conf "$d/e2guardianf1.conf"
	else
		NFQLBCTL=$BUILD/nfqlbctl "$TOP/scripts/nfqlb-proxy-conf.sh" e2guardian-dir \
			"wan$n" "${UPFX}wan$n" "$d" || not_ok "nfqlb-proxy-conf e2guardian-dir wan$n"
	fi
	ip netns exec "$LAB_GW" e2guardian -N -c "$d/e2guardian.conf" > "$d/out" 2>&1 &
	PROXY_PIDS+=($!)
}
# With -N it serves in the process started (no fork): its pid file is
# written once it has dropped to its user.
e2g_pid_known() { [ -s "$(e2g_pidfile "$1")" ]; }
e2g_pidfile() { if [ "$1" = portal ]; then echo "$PDIR/e2gportal/portal.pid"; else echo "$PDIR/e2g$1/wan$1.pid"; fi; }
e2g_stop() {
	local n p t
	for n in "$@"; do
		p=$(cat "$(e2g_pidfile "$n")" 2>/dev/null) || continue
		kill "$p" 2>/dev/null
	done
	for n in "$@"; do
		p=$(cat "$(e2g_pidfile "$n")" 2>/dev/null) || continue
		for ((t = 0; t < 50; t++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
}
listening() { in_gw ss -Htln "sport = :$1" | grep -q .; }
# The helper's bad input: a clear error, nothing written.
PCONF() { NFQLBCTL=$BUILD/nfqlbctl "$TOP/scripts/nfqlb-proxy-conf.sh" "$@"; }
out=$(PCONF e2guardian wan9 nobody "$PDIR" 2>&1)
is "nfqlb-proxy-conf: an unknown gateway is an error" "$?:$(echo "$out" | grep -c 'no gateway "wan9"')" "1:1"
out=$(PCONF e2guardian 'wan1;x' nobody "$PDIR" 2>&1)
is "nfqlb-proxy-conf: a bad gateway name is an error" "$?:$(echo "$out" | grep -c 'bad gateway name')" "2:1"
mkdir "$PDIR/nouser"
out=$(PCONF e2guardian-dir wan1 "nfqt$$-none" "$PDIR/nouser" 2>&1)
is "nfqlb-proxy-conf e2guardian-dir: a missing user is named" \
	"$?:$(echo "$out" | grep -c "no user \"nfqt$$-none\""):$(ls -A "$PDIR/nouser" | wc -l)" "1:1:0"
for i in 1 2 3; do
	e2g_start "$i"
done
e2g_start portal
for n in 1 2 3 portal; do
	wait_until 20 e2g_pid_known "$n"
	PROXY_PIDS+=("$(cat "$(e2g_pidfile "$n")" 2>/dev/null)")
done
for p in $((PBASE)) $((PBASE + 1)) $((PBASE + 2)) "$PORTAL_PORT"; do
	check "E2Guardian listens on $p" wait_until 20 listening "$p"
done
owner=$(in_gw iptables -t mangle -S NFQLB_PROXY_OUT | grep -c -- '--uid-owner')
is "one owner mark per instance user" "$owner" 3

tx_before=$(gw wan3 tx_bytes)
round e2g "E2Guardian, $N clients at once"
tx_after=$(gw wan3 tx_bytes)
if [ "$tx_after" -gt $((tx_before + 10 * 200)) ]; then
	ok "proxied traffic counted in wan3's tx_bytes"
else
	not_ok "proxied traffic counted in wan3's tx_bytes" "$tx_before -> $tx_after"
fi
e2g_stop 1 2 3 portal
for p in $((PBASE)) $((PBASE + 1)) $((PBASE + 2)) "$PORTAL_PORT"; do
	wait_until 20 bash -c "! ip netns exec $LAB_GW ss -Htln 'sport = :$p' | grep -q ."
done

# --- Squid: one instance, one intercept port per gateway ---
# The per-gateway lines are the shipped helper's, from the running nfqlbd.
NFQLBCTL=$BUILD/nfqlbctl "$TOP/scripts/nfqlb-proxy-conf.sh" squid > "$PDIR/squid-nfqlb.conf"
is "nfqlb-proxy-conf squid: a marked intercept port per gateway" \
	"$(grep -c '^tcp_outgoing_mark 0x' "$PDIR/squid-nfqlb.conf"):$(grep -c '^http_port .* intercept' "$PDIR/squid-nfqlb.conf")" "3:3"
{
	echo "http_port 127.0.0.1:3128"
	echo "http_port $PORTAL_PORT intercept name=portal"
	cat "$PDIR/squid-nfqlb.conf"
	cat <<SQ
http_access allow all
cache deny all
cache_mem 8 MB
visible_hostname nfqlb-lab
pid_filename $PDIR/squid.pid
access_log stdio:$PDIR/squid-access.log
cache_log $PDIR/squid-cache.log
cache_store_log none
coredump_dir $PDIR
pinger_enable off
shutdown_lifetime 0 seconds
dns_nameservers 127.0.0.1
SQ
} > "$PDIR/squid.conf"
check "squid accepts the configuration" \
	in_gw squid -k parse -f "$PDIR/squid.conf" 2> "$PDIR/squid.parse"
ip netns exec "$LAB_GW" squid -N -f "$PDIR/squid.conf" > "$PDIR/squid.out" 2>&1 &
PROXY_PIDS+=($!)
for p in $((PBASE)) $((PBASE + 1)) $((PBASE + 2)) "$PORTAL_PORT"; do
	check "Squid listens on $p" wait_until 20 listening "$p"
done
round squid "Squid, $N clients at once"
round squid2 "Squid again (no upstream connection shared)"

# --- self-repair: a firewall script takes our jump and our marks away ---
in_gw iptables -t nat -D PREROUTING -i lan0 -p tcp -j NFQLB_PROXY
in_gw iptables -t mangle -F NFQLB_PROXY_OUT
# wan3's iif lo rule: marks.rule_priority (10000) + BALANCE_MAX_GW (64) + slot 2.
in_gw ip rule del pref $((10000 + 64 + 2))
repaired() {
	in_gw iptables -t nat -S PREROUTING | sed -n 2p | grep -q -- '-j NFQLB_PROXY$' &&
		[ "$(in_gw iptables -t mangle -S NFQLB_PROXY_OUT | grep -c -- '-A')" -ge 4 ] &&
		in_gw ip rule show | grep -q "^$((10000 + 64 + 2)):"
}
check "self-repair puts the jump, the chain's rules and the iif lo rule back" \
	wait_until 10 repaired
round repaired "after the self-repair"

# --- a weight change and a rebalance ---
before=$(lab_bindings | sort)
"$C" weight wan1 4 >/dev/null
"$C" rebalance >/dev/null
after=$(lab_bindings | sort)
moved=$(join <(echo "$before") <(echo "$after") | awk '$2 != $3' | wc -l)
if [ "$moved" -gt 0 ]; then ok "the rebalance moved $moved users"; else
	not_ok "the rebalance moved users" "none moved"; fi
round rebal "after a weight change and a rebalance"

# --- a failover: wan2's router stops answering (its probes decide; a
# router's link going away would be no-link at once, t_uplink's case) ---
in_r 2 iptables -I OUTPUT -j DROP
check "wan2 is down" wait_state wan2 down 10
is "nobody is left on wan2" "$(gw wan2 clients)" 0
round failover "after wan2's failover"

# --- a logout: released users are not steered (release_hold) ---
out=$(lab_client_ip 0)
"$C" release "$out" >/dev/null
fetch_all logout
page=$(awk -v ip="$out" '$1 == ip { print $2 }' "$LAB_DIR/logout")
is "a logged-out user goes where the portal sends it (router 1)" "$page" r1
grep -v "^$out " "$LAB_DIR/logout" > "$LAB_DIR/logout.rest"
is "the others still on their own gateway" "$(not_own_gateway logout.rest)" ""

# --- nfqlbd killed: its rules stay and keep steering ---
lab_stop KILL
fetch_all killed
grep -v "^$out " "$LAB_DIR/killed" > "$LAB_DIR/killed.rest"
is "nfqlbd killed: pages still from each user's own gateway" \
	"$(not_own_gateway killed.rest)" ""

# --- nfqlbd stopped: its rules go, the portal's redirect serves all ---
check "nfqlbd starts again over its leftovers" lab_start
check "the redirects are back" wait_until 5 bash -c \
	"ip netns exec $LAB_GW iptables -t nat -S NFQLB_PROXY | grep -q REDIRECT"
lab_stop TERM
is "nfqlbd stopped: no redirect chain left" \
	"$(in_gw iptables -t nat -S 2>/dev/null | grep -c NFQLB_PROXY)" 0
is "nfqlbd stopped: no owner mark chain left" \
	"$(in_gw iptables -t mangle -S 2>/dev/null | grep -c NFQLB_PROXY)" 0
fetch_all stopped
served=$(awk 'NF == 3 && $2 ~ /^r[0-9]$/' "$LAB_DIR/stopped" | wc -l)
is "nfqlbd stopped: every fetch still served (fail open)" "$served" "$N"

t_done
