/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify.h - health.notify: the administrator's script, run on every
 * change of a gateway's state as "SCRIPT GATEWAY OLD NEW LOSS RTT",
 * without waiting; a script still running after health.notify_timeout
 * seconds is killed with its process group.  Owned by failover.
 */
#ifndef NFQLB_NOTIFY_H
#define NFQLB_NOTIFY_H

#include <stdint.h>

#include "conf/conf.h"

#define NOTIFY_MAX	16	/* scripts running at once */

struct notify;

/*
 * c stays the caller's: health.notify and notify_timeout are read live;
 * runs and errors are the caller's counters.
 */
struct notify *notify_new(const struct conf *c, uint64_t *runs, uint64_t *errors);
/* Kills whatever still runs, then frees. */
void notify_free(struct notify *n);
void notify_run(struct notify *n, const char *gw, const char *from, const char *to,
		const char *loss, const char *rtt);
/* Once a second: reap finished scripts, kill late ones. */
void notify_tick(struct notify *n);

#endif
