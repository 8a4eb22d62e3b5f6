#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# coova-chilli "conup" hook: bind the client that just logged in to its
# gateway (or keep the one it has).  chilli runs this with no arguments
# and the session in the environment, without waiting for it: it must
# be quick and must not fail silently.
#
# In chilli's config:   conup /usr/local/lib/nfqlb/chilli-conup.sh
# or called from a conup script of one's own (ALCASAR's): it reads only
# chilli's environment and exits with nfqlbctl's status (see README).
NFQLBCTL=${NFQLBCTL:-nfqlbctl}
TIMEOUT=${NFQLB_HOOK_TIMEOUT:-3}

# Never silent: the journal or syslog when the box has one (logger
# exits 0 even without a socket, so it cannot be the only way), and
# stderr always (chilli, or the script that chains this hook, sees it).
log() {
	logger -t nfqlb-conup -p daemon.warning -- "$*" 2>/dev/null
	echo "nfqlb-conup: $*" >&2
}

if [ -z "${FRAMED_IP_ADDRESS:-}" ]; then
	log "FRAMED_IP_ADDRESS is not set: nothing to bind"
	exit 2
fi
out=$(timeout -k 1 "$TIMEOUT" "$NFQLBCTL" -t "$TIMEOUT" bind "$FRAMED_IP_ADDRESS" \
	--mac "${CALLING_STATION_ID:-}" --user "${USER_NAME:-}" \
	--session "${ACCT_SESSION_ID:-}" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ]; then
	[ $rc -eq 124 ] && out="no answer within ${TIMEOUT}s"
	log "bind $FRAMED_IP_ADDRESS (user ${USER_NAME:-?}) failed ($rc): $out"
elif [ -n "$out" ]; then
	log "bind $FRAMED_IP_ADDRESS: $out"	# e.g. a user name cut to 253 bytes
fi
exit $rc
