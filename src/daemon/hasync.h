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

#include "core/addr.h"
#include "daemon/control.h"

struct nfqlbd;

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
int hasync_start(struct nfqlbd *d, char *err, size_t len);
void hasync_stop(struct nfqlbd *d);
/* The event socket, or -1. */
int hasync_fd(const struct nfqlbd *d);
void hasync_dispatch(struct nfqlbd *d);
/* Once a second: a dump after lost events. */
void hasync_tick(struct nfqlbd *d);
/* The pair's own addresses never bind (the packet path asks). */
int hasync_is_pair(const struct nfqlbd *d, struct in_addr a);
/*
 * 1 if a's binding was learned from conntrack and the portal has not
 * confirmed it since: a sync must not release it for not being listed
 * (after a takeover the new master's portal lists nobody yet).
 */
int hasync_unconfirmed(const struct nfqlbd *d, const struct nfqlb_addr *a);
/* The portal confirmed a's binding, or a was released: no longer learned. */
void hasync_forget(struct nfqlbd *d, const struct nfqlb_addr *a);

/* Control verbs (commands.c's table). */
void hasync_cmd_ha(struct nfqlbd *d, const struct control_req *r, struct obuf *o);
void hasync_cmd_adopt(struct nfqlbd *d, const struct control_req *r, struct obuf *o);
/* The `ha` fields of stats. */
void hasync_stats(struct nfqlbd *d, struct obuf *o);

#endif
