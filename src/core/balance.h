/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * balance.h - the pure balancing core: gateways, the client table and
 * the choice of a gateway for a new client.  No I/O, no globals, no
 * clock: everything it needs is passed in, so it is tested exhaustively
 * and benchmarked alone.
 *
 * Gateways are numbered 0..n-1 in configuration order; the caller maps
 * index n to fwmark mark_base + n.  A gateway of weight 0 is drained:
 * it takes no new clients and keeps the ones it has.
 *
 * The client table is an open-addressing hash table of 12-slot
 * buckets, one cache line each, sized once at creation for
 * max_clients; it never reallocates, so a lookup never stalls the
 * packet path.  Lookup, insert and release are O(1) expected and a
 * lookup reads one cache line for 96 % or more of the bindings;
 * choosing a gateway is O(gateways).  A table of 2 MiB or more is advised for
 * transparent huge pages (madvise; silently without them if the system
 * has none).
 */
#ifndef NFQLB_BALANCE_H
#define NFQLB_BALANCE_H

#include <stdint.h>
#include <stddef.h>
#include "core/addr.h"

#define BALANCE_MAX_GW		64
#define BALANCE_NO_GW		(-1)

struct balance;

/* A new core for up to max_clients bindings (1..2^26); NULL on ENOMEM/EINVAL. */
struct balance *balance_new(uint32_t max_clients);
void balance_free(struct balance *b);

/* Append a gateway; returns its index or -1 (errno EINVAL/ENOSPC). */
int balance_gw_add(struct balance *b, uint32_t weight);
unsigned balance_gw_count(const struct balance *b);
/* 0, or -1 with errno EINVAL for an unknown gateway. */
int balance_gw_set_weight(struct balance *b, unsigned gw, uint32_t weight);
uint32_t balance_gw_weight(const struct balance *b, unsigned gw);
uint32_t balance_gw_clients(const struct balance *b, unsigned gw);
/*
 * An unavailable gateway (down, or a removed slot) takes no new
 * clients, whatever its weight; its bindings stay until the caller
 * moves them.  Gateways start available.  0, or -1 errno EINVAL.
 */
int balance_gw_set_available(struct balance *b, unsigned gw, int available);
int balance_gw_available(const struct balance *b, unsigned gw);

/*
 * The gateway a new client goes to: the smallest clients/weight among
 * available gateways of non-zero weight, compared exactly as
 * a.clients * b.weight < b.clients * a.weight, the first on ties.
 * BALANCE_NO_GW if every gateway is drained.
 */
int balance_pick(const struct balance *b);

/*
 * One step towards the weighted shares (failback, `nfqlbctl
 * rebalance`): 1 with *from the most loaded available gateway and *to
 * balance_pick() if moving one client from one to the other makes the
 * spread fairer, else 0 (balanced).  The caller moves a client of
 * *from (balance_bind) and asks again; at most balance_clients() steps.
 * Drained gateways keep their clients.
 */
int balance_rebalance_step(const struct balance *b, unsigned *from, unsigned *to);

/* The gateway addr is bound to, or BALANCE_NO_GW. */
int balance_lookup(const struct balance *b, const struct nfqlb_addr *a);

/*
 * n lookups at once, for a batch of packets: gw_out[i] is what
 * balance_lookup(b, &a[i]) returns (BALANCE_NO_GW for a miss or a key
 * that can't be a client).  Returns the number of hits.  The home
 * buckets of up to 64 addresses are prefetched before any is probed,
 * so on a table larger than the caches their misses overlap: there a
 * lookup costs a half to a third of what a loop of balance_lookup()
 * pays, and about the same in cache.  errno is untouched.
 */
int balance_lookup_many(const struct balance *b, const struct nfqlb_addr *a,
			unsigned n, int *gw_out);

/*
 * Look up addr; if unbound, bind it to balance_pick().  Returns the
 * gateway, or -1 with errno: ENOSPC (table full), ENETUNREACH (no
 * gateway takes clients), EAFNOSUPPORT (not IPv4), EINVAL (0.0.0.0).
 * *created tells whether a new binding was made.  now is stored as the
 * binding time (seconds, caller's clock).
 */
int balance_assign(struct balance *b, const struct nfqlb_addr *a,
		   uint32_t now, int *created);

/*
 * balance_assign(), with the gateway of a new binding chosen by the
 * caller (the load policy, load.h): want, if it takes clients
 * (available, non-zero weight), else balance_pick().  An existing
 * binding is kept as it is.
 */
int balance_assign_to(struct balance *b, const struct nfqlb_addr *a, int want,
		      uint32_t now, int *created);

/*
 * Bind addr to gw whatever the weights say (restoring a binding read
 * back from the kernel).  An existing binding is moved.  0 or -1/errno.
 */
int balance_bind(struct balance *b, const struct nfqlb_addr *a,
		 unsigned gw, uint32_t now);

/* Remove the binding; returns the gateway it had, or BALANCE_NO_GW. */
int balance_release(struct balance *b, const struct nfqlb_addr *a);

uint32_t balance_clients(const struct balance *b);
/* Slots in the table (more than max_clients: the load stays <= 3/4). */
uint32_t balance_capacity(const struct balance *b);
/* Bytes held by the table as allocated (page-rounded when mapped). */
size_t balance_table_bytes(const struct balance *b);

/*
 * Table statistics, O(capacity), for tests and benchmarks: *displaced
 * bindings are not in their home bucket, and looking all bindings up
 * reads *extra buckets beyond their home ones.  Returns 0, or -1 if the
 * table's internal counts disagree with its contents (a bug).  Either
 * pointer may be NULL.
 */
int balance_table_stats(const struct balance *b, uint32_t *displaced,
			uint64_t *extra);

/* One binding, as the iterator gives it. */
struct balance_binding {
	struct nfqlb_addr addr;
	unsigned gw;
	uint32_t since;
};

/*
 * Call cb for every binding (any order); stops early and returns cb's
 * value if it is non-zero.  cb must not change the table.
 */
int balance_foreach(const struct balance *b,
		    int (*cb)(const struct balance_binding *bb, void *arg),
		    void *arg);

#endif
