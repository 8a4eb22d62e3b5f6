/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uplink.h - the gateways' links: watched (kernel/linkmon.c), their
 * facts read through the kernel mirror's backend (kmirror_link_get),
 * judged (core/linkstate.c), acted on: the table's routes through the
 * mirror (kmirror_gw_link), and the gateway in or out of use through
 * failover's no-link input (failover_gw_link), which failover applies
 * as any other down or up.
 *
 * Audited on every link, address or main-table route event, once a
 * second (the kernel deletes a downed link's routes without a word),
 * and after anything that rewrote a gateway's table (topology: add,
 * reload).  Each change of a link's verdict is logged once at warning
 * and counted (stats: link_losses, link_returns).
 */
#ifndef NFQLB_UPLINK_H
#define NFQLB_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "daemon/failover.h"
#include "kernel/kbackend.h"
#include "kernel/kmirror.h"

struct uplink;

struct uplink_counters {
	uint64_t link_losses;	/* a gateway's link became unusable */
	uint64_t link_returns;	/* ... and usable again */
};

/* c is the live configuration (read only).  No I/O until uplink_watch(). */
struct uplink *uplink_new(const struct conf *c, struct kmirror *km, struct failover *f);
void uplink_free(struct uplink *u);
/* After failover_start: watch the kernel's events.  0, or -1 and err. */
int uplink_watch(struct uplink *u, char *err, size_t len);
/* For the main loop's epoll (-1 before uplink_watch); dispatch when readable. */
int uplink_fd(const struct uplink *u);
void uplink_dispatch(struct uplink *u);
/* Look at every gateway's link now (a tick, a gateway added, a reload). */
void uplink_audit(struct uplink *u);
/* Slot i's link verdict ("ok", "missing", ... linkstate.h; "unknown"). */
const char *uplink_link(const struct uplink *u, unsigned i);
/*
 * Slot i's next hop as shown: the configured or learned address, or
 * "-" (null in JSON: point-to-point, or not learned yet).
 */
const char *uplink_nexthop(const struct uplink *u, unsigned i, char *buf, size_t len);
const struct uplink_counters *uplink_counters(const struct uplink *u);
/*
 * nfqlbd -n: warn of each gateway whose interface is missing now,
 * asking the backend ops; how many.
 */
unsigned uplink_missing(const struct kbackend_ops *ops, const struct conf *c,
			const char *path);

#endif
