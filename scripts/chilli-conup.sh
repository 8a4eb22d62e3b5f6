#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# coova-chilli "conup" hook: bind the client that just logged in to its
# gateway (or keep the one it has).  chilli runs this with no arguments
# and the session in the environment, without waiting for it: it must
# be quick and must not fail silently.
#
# In chilli's config:   conup /usr/local/lib/nfqlb/chilli-conup.sh
NFQLBCTL=${NFQLBCTL:-nfqlbctl}
TIMEOUT=${NFQLB_HOOK_TIMEOUT:-3}

log() { logger -t nfqlb-conup -p daemon.warning -- "$*" 2>/dev/null || echo "nfqlb-conup: $*" >&2; }

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
fi
exit $rc
