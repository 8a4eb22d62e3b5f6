/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hasync.h - the daemon's side of the HA pair: learn bindings from
 * conntrack (ctlearn.c, decided by ha.c), and the `ha` and
 * `adopt-conntrack` control verbs.  Nothing runs unless ha.enable.
 */
#ifndef NFQLB_HASYNC_H
#define NFQLB_HASYNC_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "core/addr.h"
#include "core/proto.h"
#include "daemon/bindings.h"

struct hasync;

struct hasync_counters {
	uint64_t learned;	/* clients bound from a conntrack entry */
	uint64_t entries;	/* marked entries considered */
	uint64_t kept;		/* already bound here: not moved */
	uint64_t pair;		/* entries of the pair's own addresses */
	uint64_t gw_down;	/* the mark's gateway is down here */
	uint64_t errors;	/* bind or set failures */
	uint64_t overruns;	/* event socket overflowed (a dump followed) */
	uint64_t dumps;
	uint64_t refreshes;
	uint64_t released;	/* a backup's users with no connection left */
};

/* Start learning (ha.enable and ha.learn), dump once; 0 or -1 and err. */
/*
 * The HA layer over the bindings (it follows the portal's confirmations
 * through bindings_on_confirm).  Nothing runs before hasync_start.
 */
struct hasync *hasync_new(const struct conf *c, struct bindings *b);
void hasync_free(struct hasync *h);
int hasync_start(struct hasync *h, char *err, size_t len);
void hasync_stop(struct hasync *h);
/* The event socket, or -1. */
int hasync_fd(const struct hasync *h);
void hasync_dispatch(struct hasync *h);
/* Once a second: a dump after lost events. */
void hasync_tick(struct hasync *h);
/*
 * 1 if a's binding was learned from conntrack and the portal has not
 * confirmed it since: a sync must not release it for not being listed
 * (after a takeover the new master's portal lists nobody yet).
 */
int hasync_unconfirmed(const struct hasync *h, const struct nfqlb_addr *a);

/* Control verbs (commands.c's table). */
void hasync_cmd_ha(struct hasync *h, const struct control_req *r, struct obuf *o);
void hasync_cmd_adopt(struct hasync *h, const struct control_req *r, struct obuf *o);
/* The `ha` fields of stats. */
void hasync_stats(struct hasync *h, struct obuf *o);

#endif
