/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake_kbackend.h - a kernel backend (kbackend.h) that keeps the
 * kernel's state in memory: sets and their members (with marks), ip
 * rules, routes per table, the steering chains.  One state for the
 * process, as the kernel is one: every open() sees it.  The daemon's
 * layers run on it in the unit tests and the control fuzzer; tests
 * look at it, break it (a firewall's flush) and make it fail.
 */
#ifndef NFQLB_FAKE_KBACKEND_H
#define NFQLB_FAKE_KBACKEND_H

#include <stdint.h>

#include "kernel/kbackend.h"

extern const struct kbackend_ops fake_kb_ops;

/* Forget everything (a fresh kernel); failures off. */
void fake_kb_reset(void);
/* Members of set (0 if missing); -1 if the set does not exist. */
int64_t fake_kb_set_members(const char *set);
/* Is a in set?  Its mark (map sets) in *mark if not NULL. */
int fake_kb_member(const char *set, const struct nfqlb_addr *a, uint32_t *mark);
int fake_kb_set_exists(const char *set);
/* Is a rule of that priority and table in place? */
int fake_kb_rule(uint32_t prio, uint32_t table);
/* Routes in table (its last resort included); is its last resort there? */
int fake_kb_routes(uint32_t table);
int fake_kb_last_resort(uint32_t table);
int fake_kb_steered(void);
/* Adds recorded, not yet committed. */
unsigned fake_kb_pending(void);

/* What a firewall reload does: sets destroyed, rules and routes flushed, chains gone. */
void fake_kb_flush(void);
/* The next n member adds fail (0: none). */
void fake_kb_fail_adds(unsigned n);

/*
 * Links.  Every interface exists, up, with carrier and an address
 * (but those named "missing..."), unless a test says otherwise here: exists, up (and carrier), its
 * index (0: unchanged), main's default route via it ("a.b.c.d" or
 * NULL: none).  A link down or gone loses the routes through it, as
 * the kernel does, without a word.  -1 if the table is full.
 */
int fake_kb_link(const char *ifname, int exists, int up, unsigned ifindex,
		 const char *nexthop);
/* Link queries fail (the kernel does not answer), or not. */
void fake_kb_fail_links(int on);

#endif
