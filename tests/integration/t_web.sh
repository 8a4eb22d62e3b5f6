#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# nfqlb-web and the CLI's outputs against a live lab: promtool accepts
# /metrics and its values are nfqlbctl -j's; the kernel's per-gateway
# traffic counters equal the routers' own counts (within 1 %); the API
# is nfqlbctl -j's JSON; a real headless Chromium renders the dashboard
# with each gateway's live client count and finds a client by search
# (screenshot kept as BUILD/dashboard.png); a UTF-8 user name and
# hostile ones (ESC sequences, a newline and a forged row, HTML) come
# back through bind, list, -j list, the API and the page, escaped for
# each medium.  nfqlb-web runs as nobody:nogroup, the socket's group.
. "$(dirname "$0")/lib.sh"

for t in promtool chromium curl setpriv python3; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t not installed"; exit 77; }
done
# Without the kernel's realm counters only the traffic counts are
# skipped (the test then exits 77), not the whole test.
HAVE_ACCT=1
[ -r /proc/net/rt_acct ] || HAVE_ACCT=0

# Realm counters are global to the kernel (every namespace): a mark
# base (hence realms) of our own, away from the 200 every other lab and
# the benchmark use, so that concurrent runs count elsewhere (two runs
# of this very test overlap in realms with a chance of 3 in 170).
LAB_MARK_BASE=$((16 + $$ % 170))
PORT=9733
URL=http://127.0.0.1:$PORT
C="$BUILD/nfqlbctl"
SOCK=$LAB_DIR/ctl.sock
export NFQLB_SOCKET=$SOCK
PY=python3

lab_up 6 1 1 2
chmod 0755 "$LAB_DIR"
cat >> "$LAB_CONF" <<CONF
control = { socket = "$SOCK"; mode = "0660"; group = "nogroup"; };
web = { listen = "127.0.0.1:$PORT"; interval = 1; history = 600; };
health = { interval = 500; timeout = 400; fall = 3; rise = 1; targets = ( "icmp:$LAB_INET" ); };
CONF
check "nfqlbd starts with a web group in its file (and ignores it)" lab_start

# --- the CLI's conventions, without a daemon where they need none
out=$(NFQLB_SOCKET=/nonexistent "$C" --help); rc=$?
is "--help: exit 0" "$rc" 0
check "--help on stdout" grep -q '^usage: nfqlbctl' <<< "$out"
is "--version without a daemon" "$(NFQLB_SOCKET=/nonexistent "$C" --version | cut -d' ' -f1,2)" "nfqlbctl 0.1.0"
is "empty list: the header alone" "$("$C" list)" "CLIENT  GATEWAY  SINCE  MAC  USER  SESSION  RX_BYTES  TX_BYTES  RATE_DOWN  RATE_UP"
is "empty -j list: []" "$("$C" -j list)" "[]"

# bash completion: commands, options, the daemon's gateway names.
comp() {
	PATH=$BUILD:$PATH bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}; _nfqlbctl nfqlbctl; echo "${COMPREPLY[*]}"' _ \
		"$TOP/completion/nfqlbctl" nfqlbctl "$@"
}
if [ -r /usr/share/bash-completion/bash_completion ]; then
	is "completion: commands" "$(comp dr)" drain
	is "completion: options" "$(comp --js)" --json
	is "completion: gateway names" "$(comp weight wan)" "wan1 wan2 wan3"
	is "completion: gateway del NAME" "$(comp gateway del '')" "wan1 wan2 wan3"
fi

# --- users: a UTF-8 name, hostile ones
ELODIE="Élodie Lefèvre"
EVIL=$'\e[31mred\e]0;pwned\a\e[2J\n192.168.182.250 wan1 forged\r'
HTML='<img src=x onerror=alert(1)><b>bold</b>&amp;"'"'"
IP_E=$(lab_client_ip 20) IP_V=$(lab_client_ip 21) IP_H=$(lab_client_ip 22)
"$C" bind "$IP_E" --mac AA-BB-CC-00-00-01 --user "$ELODIE" >/dev/null &&
"$C" bind "$IP_V" --user "$EVIL" --session $'s\x9b1' >/dev/null &&
"$C" bind "$IP_H" --user "$HTML" >/dev/null
check "bind with UTF-8 and hostile user names" test $? -eq 0

# --- traffic: a different count per client, then the counters at rest
for ((c = 0; c < 6; c++)); do lab_send "$c" 1 $((7 * c + 3)); done

tab=$(LC_ALL=C.UTF-8 "$C" list)
is "list: one line per binding plus the header (no forged row)" "$(wc -l <<< "$tab")" 10
check "list: no ESC, BEL, CR or C1 byte reaches the terminal" \
	sh -c '! printf "%s" "$1" | LC_ALL=C grep -q "$(printf "[\033\007\r\233]")"' _ "$tab"
check "list: no line starts with the forged client" sh -c '! grep -q "^192.168.182.250" <<EOF
$1
EOF' _ "$tab"
check "list: the hostile name shown escaped" grep -qF '\x1b[31mred\x1b]0;pwned\x07\x1b[2J\x0a192.168.182.250 wan1 forged\x0d' <<< "$tab"
check "list: the UTF-8 name intact in a UTF-8 locale" grep -qF "$ELODIE" <<< "$tab"
check "list: the UTF-8 name as bytes in the C locale" grep -qF '\xc3\x89lodie' <<< "$(LC_ALL=C "$C" list)"
# Columns by display width: each USER cell starts at the header's column.
cols=$(LC_ALL=C.UTF-8 "$PY" -c '
import sys, unicodedata
def w(s): return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = sys.stdin.read().splitlines()
col = lines[0].index("USER")
starts = set()
for l in lines[1:]:
    i = [i for i in range(len(l) + 1) if w(l[:i]) == col]
    starts.add(bool(i) and l[i[0] - 2:i[0]] == "  " and l[i[0]] != " ")
print("aligned" if starts == {True} else "misaligned")' <<< "$tab")
is "list: USER column aligned by display width" "$cols" aligned
check "list: SINCE as local ISO 8601" grep -qE "^$IP_E +wan[0-9] +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} " <<< "$tab"

json_user() { "$PY" -c 'import json, sys
for b in json.load(sys.stdin):
    if b["client"] == sys.argv[1]: sys.stdout.write(b["user"])' "$1"; }
is "-j list: the UTF-8 name round-trips" "$("$C" -j list | json_user "$IP_E")" "$ELODIE"
is "-j list: the hostile name round-trips exactly" "$("$C" -j list | json_user "$IP_V"; echo .)" "$EVIL."
is "-j list: the HTML name round-trips" "$("$C" -j list | json_user "$IP_H")" "$HTML"
check "-j list: raw UTF-8, no \\u00c3 byte escapes" sh -c "'$C' -j list | grep -q 'Élodie' && ! '$C' -j list | grep -q 'u00c3'"
check "-j: schema, numbers as numbers, loss a number" sh -c "'$C' -j gateways | $PY -c '
import json, sys
g = json.load(sys.stdin)
assert all(x[\"schema\"] == 1 and isinstance(x[\"clients\"], int) and isinstance(x[\"tx_bytes\"], int) and isinstance(x[\"client_share\"], float) for x in g)
assert all(x[\"loss\"] is None or isinstance(x[\"loss\"], (int, float)) for x in g)'"

# --- nfqlb-web, unprivileged: nobody, only in the socket's group
ip netns exec "$LAB_GW" setpriv --reuid=65534 --regid=65534 --groups 65534 \
	"$BUILD/nfqlb-web" -c "$LAB_CONF" 2> "$LAB_DIR/web.log" &
WEB_PID=$!
BG_PIDS+=("$WEB_PID")
get() { in_gw curl -sf -m 10 "$URL$1"; }
up=0
for ((t = 0; t < 100; t++)); do
	get /metrics > "$LAB_DIR/metrics" 2>/dev/null && { up=1; break; }
	sleep 0.1
done
is "nfqlb-web answers (as nobody)" "$up" 1
[ "$up" = 1 ] || cat "$LAB_DIR/web.log"
is "runs as uid 65534" "$(awk '/^Uid:/ { print $2 }' /proc/$WEB_PID/status)" 65534

check "promtool check metrics accepts /metrics" sh -c "promtool check metrics < '$LAB_DIR/metrics'"
check "nfqlb_up 1" grep -qx 'nfqlb_up 1' "$LAB_DIR/metrics"
wait_rtt() { get /metrics | grep -c '^nfqlb_gateway_rtt_seconds{gateway="wan[0-9]"} [0-9.e-]*$'; }
for ((t = 0; t < 100; t++)); do [ "$(wait_rtt)" = 3 ] && break; sleep 0.1; done
is "RTT and loss of each probed gateway in /metrics" \
	"$(get /metrics | grep -cE '^nfqlb_gateway_(rtt_seconds|loss_ratio)\{gateway="wan[0-9]"\} ')" 6

"$C" -j gateways > "$LAB_DIR/gw.json"
"$C" -j stats > "$LAB_DIR/stats.json"
agree=$("$PY" - "$LAB_DIR/metrics" "$LAB_DIR/gw.json" "$LAB_DIR/stats.json" <<'PY'
import json, re, sys
m = {}
for l in open(sys.argv[1]):
    if l.startswith("#") or not l.strip(): continue
    k, v = l.rsplit(" ", 1); m[k] = float(v)
bad = []
for g in json.load(open(sys.argv[2])):
    lab = '{gateway="%s"}' % g["name"]
    for metric, key in (("clients", "clients"), ("weight", "weight"),
                        ("transmit_packets_total", "tx_packets"), ("transmit_bytes_total", "tx_bytes")):
        if m.get("nfqlb_gateway_" + metric + lab) != g[key]: bad.append((g["name"], metric))
    if m.get("nfqlb_gateway_up" + lab) != (0 if g["state"] == "down" else 1): bad.append((g["name"], "up"))
s = json.load(open(sys.argv[3]))
for k in ("binds_hook", "binds_packet", "verdicts", "packets_queued", "releases"):
    if m.get("nfqlb_%s_total" % k) != s[k]: bad.append(k)
if m.get("nfqlb_clients") != s["clients"]: bad.append("clients")
print(" ".join(map(str, bad)) or "agree")
PY
)
is "/metrics agrees with nfqlbctl -j" "$agree" agree

# Every field of `nfqlbctl stats` is in /metrics: a counter as
# nfqlb_NAME_total, the gauges and the transmit totals under their own
# names (the totals equal the sum of the gateway series), words as
# labels of nfqlb_info.
missing=$("$PY" - "$LAB_DIR/metrics" "$LAB_DIR/stats.json" <<'PY'
import json, re, sys
m, info = {}, {}
for l in open(sys.argv[1]):
    if l.startswith("#") or not l.strip(): continue
    k, v = l.rsplit(" ", 1)
    m[k] = float(v)
    if k.startswith("nfqlb_info{"):
        info = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', k))
special = {"uptime": "nfqlb_uptime_seconds", "clients": "nfqlb_clients",
           "max_clients": "nfqlb_max_clients",
           "tx_packets": "nfqlb_transmit_packets_total",
           "tx_bytes": "nfqlb_transmit_bytes_total",
           "typical_down": "nfqlb_typical_user_down_rate_bytes",
           "typical_up": "nfqlb_typical_user_up_rate_bytes"}
words = {"version", "pinning", "bind_on_packet", "ha", "ha_fingerprint", "policy", "proxy"}
s = json.load(open(sys.argv[2]))
bad = []
for k, v in s.items():
    if k == "schema": continue
    if k in words:
        if info.get(k) != (json.dumps(v) if isinstance(v, bool) else str(v)):
            bad.append("%s (nfqlb_info label)" % k)
        continue
    name = special.get(k, "nfqlb_%s_total" % k)
    if v is None:		# "-": not known, no sample
        if name in m: bad.append("%s (a sample for an unknown value)" % k)
    elif name not in m:
        bad.append("%s (no %s)" % (k, name))
for k in ("packets", "bytes"):
    tot = sum(v for n, v in m.items() if n.startswith("nfqlb_gateway_transmit_%s_total{" % k))
    if "nfqlb_transmit_%s_total" % k in m and m["nfqlb_transmit_%s_total" % k] != tot:
        bad.append("nfqlb_transmit_%s_total is not the sum of the gateways'" % k)
print(" ".join(bad) or "all")
PY
)
is "every nfqlbctl stats field is in /metrics ($(grep -c . "$LAB_DIR/stats.json") stats record)" "$missing" all
# The users policy measures nothing: no conntrack accounting, no dump
# (their cost on the fast path is only paid where the load is used).
is "balance.policy users: conntrack accounting left off" \
	"$(in_gw sysctl -n net.netfilter.nf_conntrack_acct)" 0
is "balance.policy users: no per-gateway rate in /metrics" \
	"$(grep -c '^nfqlb_gateway_\(down\|up\)_rate_bytes{' "$LAB_DIR/metrics" || true)" 0

# The routers' own counters: packets and bytes per router.
router_traffic() {
	local i
	for ((i = 1; i <= LAB_NROUTERS; i++)); do
		in_r "$i" iptables -S INPUT -v | awk -v r="$i" '$1 == "-A" && / -s / {
			for (k = 1; k < NF; k++) if ($k == "-c") { p += $(k + 1); b += $(k + 2) } }
			END { print r, p + 0, b + 0 }'
	done
}
router_traffic > "$LAB_DIR/routers"
traffic=$("$PY" - "$LAB_DIR/routers" "$LAB_DIR/gw.json" <<'PY'
import json, sys
r = {("wan" + l.split()[0]): (int(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[1])}
bad = []
for g in json.load(open(sys.argv[2])):
    p, b = r[g["name"]]
    if p == 0 or abs(g["tx_packets"] - p) > 0.01 * p or abs(g["tx_bytes"] - b) > 0.01 * b:
        bad.append("%s: nfqlb %s/%s router %s/%s" % (g["name"], g["tx_packets"], g["tx_bytes"], p, b))
print("; ".join(bad) or "agree")
PY
)
if [ "$HAVE_ACCT" = 1 ]; then
	is "traffic counters agree with the routers' own counts (1 %)" "$traffic" agree
else
	skip_part "traffic counters: no /proc/net/rt_acct (CONFIG_IP_ROUTE_CLASSID)"
fi
check "every router got traffic" sh -c "awk '\$2 == 0 { exit 1 }' '$LAB_DIR/routers'"

# --- the API: nfqlbctl -j's JSON
same() {	# PATH VERB: the API's JSON equals nfqlbctl -j VERB's, volatile keys aside
	"$PY" - <(get "$1") <("$C" -j $2) <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
vol = {"uptime", "control_requests", "control_errors", "rtt_ms", "loss", "rounds", "last_ok",
       "rtt_avg_ms", "rtt_dev_ms", "window", "state_age", "penalty", "tx_packets", "tx_bytes"}
strip = lambda x: [strip(y) for y in x] if isinstance(x, list) else {k: v for k, v in x.items() if k not in vol}
sys.exit(0 if strip(a) == strip(b) else 1)
PY
}
check "/api/v1/gateways = nfqlbctl -j gateways" same /api/v1/gateways gateways
check "/api/v1/clients = nfqlbctl -j list" same /api/v1/clients list
check "/api/v1/stats = nfqlbctl -j stats" same /api/v1/stats stats
api_user() { get "$1" | json_user "$2"; }
is "API: the UTF-8 name round-trips" "$(api_user /api/v1/clients "$IP_E")" "$ELODIE"
is "API: the hostile name round-trips" "$(api_user /api/v1/clients "$IP_V"; echo .)" "$EVIL."
count() { get "$1" | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
is "API: clients?ip=" "$(count "/api/v1/clients?ip=$IP_E")" 1
is "API: clients?mac= (any case and separators)" "$(count "/api/v1/clients?mac=aa:bb:cc:00:00:01")" 1
is "API: clients?user= (substring, UTF-8)" "$(count "/api/v1/clients?user=%C3%89lodie")" 1
gw_e=$("$C" -j list | "$PY" -c 'import json,sys; print([b["gateway"] for b in json.load(sys.stdin) if b["client"]==sys.argv[1]][0])' "$IP_E")
is "API: clients?gateway=" "$(count "/api/v1/clients?gateway=$gw_e")" \
	"$("$C" -j list "$gw_e" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')"
is "API: read-only (POST refused)" "$(in_gw curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/clients")" 405
is "API: unknown path 404" "$(in_gw curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/nope")" 404

# --- the dashboard in a real browser
# A few seconds of traffic so that the charts have something to draw.
for ((k = 0; k < 6; k++)); do lab_send 0 6 20; sleep 0.5; done
wait_hist() { get /api/v1/history | "$PY" -c 'import json,sys; sys.exit(len(json.load(sys.stdin)["samples"]) < 5)'; }
for ((t = 0; t < 100; t++)); do wait_hist && break; sleep 0.1; done
browser() {	# OUTPUT-OPTION... URL
	local d
	d=$(mktemp -d "$LAB_DIR/chromium.XXXXXX")
	in_gw env HOME="$d" timeout 90 chromium --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync --user-data-dir="$d" \
		--virtual-time-budget=10000 --window-size=1100,1450 --hide-scrollbars "$@" \
		2>> "$LAB_DIR/chromium.log"
}
"$C" -j gateways > "$LAB_DIR/gw.json"
browser --dump-dom "$URL/#q=lodie" > "$LAB_DIR/dom.html"
page=$("$PY" - "$LAB_DIR/dom.html" "$LAB_DIR/gw.json" "$IP_E" "$gw_e" <<'PY'
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = {}; s.res = []; s.cur = None; s.td = None; s.tags = []
    def handle_starttag(s, t, a):
        a = dict(a); s.tags.append(t)
        if t == "tr" and "data-gateway" in a: s.cur = ("gw", a["data-gateway"]); s.rows[a["data-gateway"]] = {}
        if t == "tr" and "data-client" in a: s.cur = ("cl", a["data-client"]); s.res.append({"ip": a["data-client"]})
        if t == "td": s.td = (a.get("class") or "").split()[-1:] or [""]
    def handle_endtag(s, t):
        if t == "td": s.td = None
        if t == "tr": s.cur = None
    def handle_data(s, d):
        if not s.cur or not s.td: return
        if s.cur[0] == "gw": s.rows[s.cur[1]][s.td[0]] = s.rows[s.cur[1]].get(s.td[0], "") + d
        else: s.res[-1][s.td[0]] = s.res[-1].get(s.td[0], "") + d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
bad = []
for g in json.load(open(sys.argv[2])):
    r = p.rows.get(g["name"])
    if r is None or r.get("clients") != str(g["clients"]): bad.append("%s: %s" % (g["name"], r))
hit = [r for r in p.res if r["ip"] == sys.argv[3]]
if not hit or hit[0].get("gateway") != sys.argv[4] or hit[0].get("user") != "Élodie Lefèvre": bad.append("search: %s" % p.res)
print("; ".join(bad) or "ok")
PY
)
is "page: every gateway with its live client count; the search finds the client and its gateway" "$page" ok
browser --dump-dom "$URL/#q=onerror" > "$LAB_DIR/dom2.html"
check "page: the HTML user name is text, not markup" sh -c "grep -qF '&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;bold&lt;/b&gt;&amp;amp;' '$LAB_DIR/dom2.html' && ! grep -q '<img\|<b>' '$LAB_DIR/dom2.html'"
browser --dump-dom "$URL/#q=forged" > "$LAB_DIR/dom3.html"
check "page: the hostile name found, its ESC as text" sh -c "grep -q 'data-client=\"$IP_V\"' '$LAB_DIR/dom3.html' && grep -q 'forged' '$LAB_DIR/dom3.html'"
rm -f "$BUILD/dashboard.png"
browser --screenshot="$LAB_DIR/dashboard.png" "$URL/#q=lodie" >/dev/null
check "screenshot taken" test -s "$LAB_DIR/dashboard.png"
cp "$LAB_DIR/dashboard.png" "$BUILD/dashboard.png" 2>/dev/null
[ "$T_FAILED" -gt 0 ] && { echo "# web log:"; sed 's/^/#   /' "$LAB_DIR/web.log"; tail -5 "$LAB_DIR/chromium.log" | sed 's/^/#   /'; }
t_done
