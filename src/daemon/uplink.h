/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uplink.h - the gateways' links: watched (kernel/linkmon.c), judged
 * (core/linkstate.c), acted on: the table's routes through the mirror
 * (kmirror_gw_link), and the gateway in or out of use through the
 * judge's no-link input (judge.h), which failover applies as any
 * other down or up.
 *
 * Audited on every link, address or main-table route event, once a
 * second (the kernel deletes a downed link's routes without a word),
 * and after anything that rewrote a gateway's table (add, reload).
 * Each change of a link's verdict is logged once at warning and
 * counted (stats: link_losses, link_returns).
 */
#ifndef NFQLB_UPLINK_H
#define NFQLB_UPLINK_H

#include <stddef.h>

#include "conf/conf.h"

struct nfqlbd;

/* After failover_start: watch, and a first audit.  0, or -1 and err. */
int uplink_start(struct nfqlbd *d, char *err, size_t len);
void uplink_stop(struct nfqlbd *d);
/* For the main loop's epoll; uplink_dispatch() when it is readable. */
int uplink_fd(const struct nfqlbd *d);
void uplink_dispatch(struct nfqlbd *d);
/* Look at every gateway's link now. */
void uplink_audit(struct nfqlbd *d);
/* Slot i's link verdict ("ok", "missing", ... linkstate.h). */
const char *uplink_link(const struct nfqlbd *d, unsigned i);
/*
 * Slot i's next hop as shown: the configured or learned address, or
 * "-" (null in JSON: point-to-point, or not learned yet).
 */
const char *uplink_nexthop(const struct nfqlbd *d, unsigned i, char *buf, size_t len);
/* nfqlbd -n: warn of each gateway whose interface is missing now; how many. */
unsigned uplink_missing(const struct conf *c, const char *path);

#endif
