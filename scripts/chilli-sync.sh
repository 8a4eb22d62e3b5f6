#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Make nfqlb's bindings match coova-chilli's logged-in sessions: a
# conup or condown chilli skipped (it drops hooks when it already runs
# childmax children), or a restart of chilli, is corrected.  Run every
# minute by nfqlb-chilli-sync.timer; no arguments.
#
# chilli_query list prints one session a line:
#   MAC IP DHCPSTATE SESSIONID AUTH USERNAME SESSIONTIME/TIMEOUT IDLETIME/TIMEOUT ...
# with MAC as AA-BB-CC-DD-EE-FF, AUTH 1 for a logged-in session and "-"
# for an empty field.  Those with AUTH 1 become nfqlbctl sync's list:
#   IP mac=MAC user=USER session=SESSIONID
#
# Environment: CHILLI_QUERY (default chilli_query; may carry options), NFQLBCTL (default
# nfqlbctl), NFQLB_SOCKET (nfqlbctl's), NFQLB_SYNC_TIMEOUT (seconds, 30).
CHILLI_QUERY=${CHILLI_QUERY:-chilli_query}
NFQLBCTL=${NFQLBCTL:-nfqlbctl}
TIMEOUT=${NFQLB_SYNC_TIMEOUT:-30}

log() {
	logger -t nfqlb-chilli-sync -p "daemon.${2:-warning}" -- "$1" 2>/dev/null
	echo "nfqlb-chilli-sync: $1" >&2
}

tmp=$(mktemp) || { log "cannot create a temporary file"; exit 1; }
trap 'rm -f "$tmp"' EXIT
# A chilli that cannot answer is not a chilli without users: then
# nothing is changed (an empty list would release everybody).
# shellcheck disable=SC2086 # CHILLI_QUERY may carry options (-s SOCKET)
timeout -k 1 "$TIMEOUT" $CHILLI_QUERY list > "$tmp" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	log "$CHILLI_QUERY list failed ($rc): $(head -c 300 "$tmp"); nothing was changed"
	exit 3
fi
list=$(awk '
	function esc(v) { gsub(/%/, "%25", v); return v }
	NF >= 6 && $5 == "1" && $2 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ {
		line = $2
		if ($1 != "-") line = line " mac=" esc($1)
		if ($6 != "-") line = line " user=" esc($6)
		if ($4 != "-") line = line " session=" esc($4)
		print line
	}' "$tmp")
out=$(printf '%s\n' "$list" | timeout -k 1 "$TIMEOUT" "$NFQLBCTL" -t "$TIMEOUT" sync 2>&1)
rc=$?
if [ $rc -eq 6 ]; then
	# Some lines refused (each named in $out): the others were applied.
	log "nfqlbctl sync: some lines refused, the others applied: $(echo "$out" | tr '\n' ' ')"
	exit $rc
fi
if [ $rc -ne 0 ]; then
	[ $rc -eq 124 ] && out="no answer within ${TIMEOUT}s"
	log "nfqlbctl sync failed ($rc): $out"
	exit $rc
fi
case $out in
*"bound 0 "*"released 0 "*) ;;	# nothing to correct: stay quiet
*) log "$(echo "$out" | tr '\n' ' ')" notice ;;
esac
exit 0
