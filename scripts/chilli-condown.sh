#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# coova-chilli "condown" hook: release the client that logged out.
# Idempotent: releasing a client that is not bound is a success, so a
# repeated or out-of-order hook does no harm.
#
# In chilli's config:   condown /usr/local/lib/nfqlb/chilli-condown.sh
NFQLBCTL=${NFQLBCTL:-nfqlbctl}
TIMEOUT=${NFQLB_HOOK_TIMEOUT:-3}

# Never silent: the journal or syslog when the box has one (logger
# exits 0 even without a socket, so it cannot be the only way), and
# stderr always (chilli, or the script that chains this hook, sees it).
log() {
	logger -t nfqlb-condown -p daemon.warning -- "$*" 2>/dev/null
	echo "nfqlb-condown: $*" >&2
}

if [ -z "${FRAMED_IP_ADDRESS:-}" ]; then
	log "FRAMED_IP_ADDRESS is not set: nothing to release"
	exit 2
fi
out=$(timeout -k 1 "$TIMEOUT" "$NFQLBCTL" -t "$TIMEOUT" release "$FRAMED_IP_ADDRESS" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ]; then
	[ $rc -eq 124 ] && out="no answer within ${TIMEOUT}s"
	log "release $FRAMED_IP_ADDRESS (cause ${TERMINATE_CAUSE:-?}) failed ($rc): $out"
fi
exit $rc
