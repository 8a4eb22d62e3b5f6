/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lbset.h - the ipset mirror: one hash:ip set per gateway, driven
 * through libipset (never by running the ipset program).
 *
 * libipset owns the ipset_* namespace, so this module's verbs are
 * lbset_*.  Its headers clash with <linux/netfilter.h>: only ipset.c
 * includes them.  Every call returns 0 on success or -1 with a message
 * for lbset_error(); "already there" on create/add and "not there" on
 * destroy/del are successes (every call is idempotent).
 */
#ifndef NFQLB_LBSET_H
#define NFQLB_LBSET_H

#include <stdint.h>
#include "core/addr.h"

struct lbset;

struct lbset *lbset_open(void);
void lbset_close(struct lbset *s);
const char *lbset_error(const struct lbset *s);

/* hash:ip family inet, sized for maxelem members. */
int lbset_create(struct lbset *s, const char *name, uint32_t maxelem);
/*
 * The same with the skbinfo extension: a map set, whose members carry
 * a mark that "-j SET --map-set NAME src --map-mark" puts on packets.
 */
int lbset_create_map(struct lbset *s, const char *name, uint32_t maxelem);
int lbset_destroy(struct lbset *s, const char *name);
/* 1 if a set of that name exists, 0 if not, -1 on error. */
int lbset_exists(struct lbset *s, const char *name);
int lbset_add(struct lbset *s, const char *name, const struct nfqlb_addr *a);
/*
 * Add to a map set with skbmark mark/mask; a member already there gets
 * the new mark (in place, atomically for packets: a move is one call).
 */
int lbset_add_mark(struct lbset *s, const char *name, const struct nfqlb_addr *a,
		   uint32_t mark, uint32_t mask);
int lbset_del(struct lbset *s, const char *name, const struct nfqlb_addr *a);
int lbset_flush(struct lbset *s, const char *name);
/* Members of the set from its header alone (cheap); 0 if missing, -1 on error. */
int64_t lbset_count(struct lbset *s, const char *name);
/* Call cb for every member of the set; a missing set has no members. */
int lbset_list(struct lbset *s, const char *name,
	       void (*cb)(const struct nfqlb_addr *a, void *arg), void *arg);

/*
 * Deferred adds, for many members at once: lbset_add_defer() only
 * records the member (name and address are checked at once: -1 with a
 * message if they cannot be added); lbset_commit() sends everything
 * recorded, the members of one set in as few netlink requests as
 * libipset's restore-mode aggregation allows (a page each, some 150
 * members), and forgets it.  A recorded member reaches the kernel in
 * lbset_commit() and not before (lbset_close() drops it); only if there
 * is no memory to record it does lbset_add_defer() add it at once.
 *
 * A member that could not be added is passed to fail (the set, the
 * address and the message, which names both), once per member; the
 * other members are added all the same (fail may use this handle, but
 * not record members).  lbset_commit() returns the number of members
 * that failed, 0 if all are in their sets.
 *
 * The other calls neither send nor drop recorded members: commit first
 * when a del, flush or destroy must come after them.
 */
typedef void (*lbset_fail_cb)(const char *name, const struct nfqlb_addr *a,
			      const char *msg, void *arg);

int lbset_add_defer(struct lbset *s, const char *name, const struct nfqlb_addr *a);
/* lbset_add_mark(), deferred the same way. */
int lbset_add_mark_defer(struct lbset *s, const char *name,
			 const struct nfqlb_addr *a, uint32_t mark, uint32_t mask);
/* Members recorded and not yet committed. */
unsigned lbset_pending(const struct lbset *s);
unsigned lbset_commit(struct lbset *s, lbset_fail_cb fail, void *arg);

#endif
