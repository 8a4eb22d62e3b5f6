// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * balance.c - the pure balancing core: gateways and the client table.
 *
 * The client table is open addressing with linear probing.  Deletion
 * shifts the following run of the cluster back (no tombstones), so the
 * probe length depends only on the live bindings, never on the history
 * of churn: a long-running daemon does not slowly degrade.
 *
 * The table is allocated once for max_clients at a load factor of at
 * most 3/4 and never grows, so no lookup ever waits for a rehash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "balance.h"

#define BALANCE_MAX_CLIENTS	(UINT32_C(1) << 26)

/*
 * One IPv4 binding, 12 bytes.  Address 0.0.0.0 is never a client (it
 * is refused with EINVAL), so ip == 0 marks a free slot and no separate
 * "used" flag is needed.  ip is kept in network byte order, as given.
 */
struct bal_entry {
	uint32_t ip;
	uint32_t since;
	uint8_t gw;
};

/* The memory budget (<= 32 bytes per binding at any load) rests on it. */
_Static_assert(sizeof(struct bal_entry) == 12, "bal_entry grew");

struct bal_gw {
	uint32_t weight;
	uint32_t clients;
	uint8_t unavailable;	/* down or removed: like weight 0 for picking */
};

struct balance {
	struct bal_entry *table;
	uint32_t mask;		/* capacity - 1; capacity is a power of two */
	uint32_t max_clients;
	uint32_t clients;
	unsigned ngw;
	struct bal_gw gw[BALANCE_MAX_GW];
};

/*
 * The murmur3 finaliser: every input bit affects every output bit, so
 * a run of sequential addresses (a DHCP pool) spreads over the whole
 * table instead of forming one long cluster that linear probing would
 * then have to walk.
 */
static uint32_t bal_hash(uint32_t x)
{
	x ^= x >> 16;
	x *= UINT32_C(0x85ebca6b);
	x ^= x >> 13;
	x *= UINT32_C(0xc2b2ae35);
	x ^= x >> 16;
	return x;
}

static uint32_t bal_home(const struct balance *b, uint32_t ip)
{
	return bal_hash(ip) & b->mask;
}

/*
 * The slot holding ip, or the free slot ending its probe run; *found
 * tells which.  Always terminates: the table is never full, since its
 * capacity is strictly above max_clients.
 */
static uint32_t bal_find(const struct balance *b, uint32_t ip, int *found)
{
	uint32_t i = bal_home(b, ip);

	for (;;) {
		const struct bal_entry *e = &b->table[i];

		if (e->ip == ip) {
			*found = 1;
			return i;
		}
		if (e->ip == 0) {
			*found = 0;
			return i;
		}
		i = (i + 1) & b->mask;
	}
}

/*
 * Remove slot i by backward shift: walk the rest of the cluster and
 * pull back every entry whose home is not strictly after the hole
 * (cyclically), so that every remaining entry stays reachable from
 * its home without crossing a free slot.
 */
static void bal_erase(struct balance *b, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		struct bal_entry *e;
		uint32_t home;

		j = (j + 1) & b->mask;
		e = &b->table[j];
		if (e->ip == 0)
			break;
		home = bal_home(b, e->ip);
		/*
		 * e may move to the hole if its probe distance is at least
		 * the distance from the hole to it: its home then lies at or
		 * before the hole.
		 */
		if (((j - home) & b->mask) >= ((j - i) & b->mask)) {
			b->table[i] = *e;
			i = j;
		}
	}
	memset(&b->table[i], 0, sizeof(b->table[i]));
}

/*
 * The key of an address, or 0 with errno set when it can't be one.
 * 0 doubles as the empty-slot marker, which is why 0.0.0.0 is refused.
 */
static uint32_t bal_key(const struct nfqlb_addr *a)
{
	if (!a) {
		errno = EINVAL;
		return 0;
	}
	if (a->family != AF_INET) {
		errno = EAFNOSUPPORT;
		return 0;
	}
	if (a->v4.s_addr == 0) {
		errno = EINVAL;
		return 0;
	}
	return a->v4.s_addr;
}

struct balance *balance_new(uint32_t max_clients)
{
	struct balance *b;
	uint64_t need, cap = 1;

	if (max_clients < 1 || max_clients > BALANCE_MAX_CLIENTS) {
		errno = EINVAL;
		return NULL;
	}
	/* ceil(max_clients * 4 / 3): load factor at most 3/4 when full. */
	need = ((uint64_t)max_clients * 4 + 2) / 3;
	while (cap < need)
		cap <<= 1;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->table = calloc(cap, sizeof(*b->table));
	if (!b->table) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->mask = (uint32_t)(cap - 1);
	b->max_clients = max_clients;
	return b;
}

void balance_free(struct balance *b)
{
	if (!b)
		return;
	free(b->table);
	free(b);
}

int balance_gw_add(struct balance *b, uint32_t weight)
{
	if (!b) {
		errno = EINVAL;
		return -1;
	}
	if (b->ngw >= BALANCE_MAX_GW) {
		errno = ENOSPC;
		return -1;
	}
	b->gw[b->ngw].weight = weight;
	b->gw[b->ngw].clients = 0;
	b->gw[b->ngw].unavailable = 0;
	return (int)b->ngw++;
}

unsigned balance_gw_count(const struct balance *b)
{
	return b ? b->ngw : 0;
}

int balance_gw_set_weight(struct balance *b, unsigned gw, uint32_t weight)
{
	if (!b || gw >= b->ngw) {
		errno = EINVAL;
		return -1;
	}
	/* Weight 0 drains: existing clients keep their binding. */
	b->gw[gw].weight = weight;
	return 0;
}

uint32_t balance_gw_weight(const struct balance *b, unsigned gw)
{
	return b && gw < b->ngw ? b->gw[gw].weight : 0;
}

int balance_gw_set_available(struct balance *b, unsigned gw, int available)
{
	if (!b || gw >= b->ngw) {
		errno = EINVAL;
		return -1;
	}
	b->gw[gw].unavailable = !available;
	return 0;
}

int balance_gw_available(const struct balance *b, unsigned gw)
{
	return b && gw < b->ngw && !b->gw[gw].unavailable;
}

uint32_t balance_gw_clients(const struct balance *b, unsigned gw)
{
	return b && gw < b->ngw ? b->gw[gw].clients : 0;
}

int balance_pick(const struct balance *b)
{
	uint32_t bc = 0, bw = 0;	/* clients and weight of the best */
	int best = BALANCE_NO_GW;

	if (!b)
		return BALANCE_NO_GW;
	for (unsigned i = 0; i < b->ngw; i++) {
		const struct bal_gw *g = &b->gw[i];

		if (!g->weight || g->unavailable)
			continue;
		/*
		 * g->clients / g->weight < bc / bw without division: exact,
		 * and the products fit 64 bits.  Strict, so the earlier
		 * gateway wins a tie.  The best so far is kept in locals
		 * rather than re-read through best: with 64 gateways this
		 * loop is most of the cost of a new client.
		 */
		if (best < 0 ||
		    (uint64_t)g->clients * bw < (uint64_t)bc * g->weight) {
			best = (int)i;
			bc = g->clients;
			bw = g->weight;
		}
	}
	return best;
}

int balance_rebalance_step(const struct balance *b, unsigned *from, unsigned *to)
{
	uint32_t hc = 0, hw = 0;
	int hi = BALANCE_NO_GW, lo = balance_pick(b);

	if (!b || lo < 0)
		return 0;
	for (unsigned i = 0; i < b->ngw; i++) {
		const struct bal_gw *g = &b->gw[i];

		if (!g->weight || g->unavailable)
			continue;	/* drained clients stay; down ones are moved elsewhere */
		if (hi < 0 || (uint64_t)g->clients * hw > (uint64_t)hc * g->weight) {
			hi = (int)i;
			hc = g->clients;
			hw = g->weight;
		}
	}
	if (hi < 0 || hi == lo || !hc)
		return 0;
	/*
	 * Move one if the giver, one lighter, is still at least as loaded
	 * as the taker one heavier: (hc - 1) / hw >= (lc + 1) / lw.  This
	 * stops at the weighted shares and never swaps a client back.
	 */
	if ((uint64_t)(hc - 1) * b->gw[lo].weight <
	    ((uint64_t)b->gw[lo].clients + 1) * hw)
		return 0;
	*from = (unsigned)hi;
	*to = (unsigned)lo;
	return 1;
}

int balance_lookup(const struct balance *b, const struct nfqlb_addr *a)
{
	uint32_t ip, i;
	int found, saved = errno;

	if (!b)
		return BALANCE_NO_GW;
	ip = bal_key(a);
	errno = saved;		/* a plain miss is not an error */
	if (!ip)
		return BALANCE_NO_GW;
	i = bal_find(b, ip, &found);
	return found ? b->table[i].gw : BALANCE_NO_GW;
}

int balance_assign(struct balance *b, const struct nfqlb_addr *a,
		   uint32_t now, int *created)
{
	struct bal_entry *e;
	uint32_t ip, i;
	int found, gw;

	if (created)
		*created = 0;
	if (!b) {
		errno = EINVAL;
		return -1;
	}
	ip = bal_key(a);
	if (!ip)
		return -1;
	i = bal_find(b, ip, &found);
	if (found)
		return b->table[i].gw;
	if (b->clients >= b->max_clients) {
		errno = ENOSPC;
		return -1;
	}
	gw = balance_pick(b);
	if (gw < 0) {
		errno = ENETUNREACH;
		return -1;
	}
	e = &b->table[i];
	e->ip = ip;
	e->since = now;
	e->gw = (uint8_t)gw;
	b->gw[gw].clients++;
	b->clients++;
	if (created)
		*created = 1;
	return gw;
}

int balance_bind(struct balance *b, const struct nfqlb_addr *a,
		 unsigned gw, uint32_t now)
{
	struct bal_entry *e;
	uint32_t ip, i;
	int found;

	if (!b || gw >= b->ngw) {
		errno = EINVAL;
		return -1;
	}
	ip = bal_key(a);
	if (!ip)
		return -1;
	i = bal_find(b, ip, &found);
	e = &b->table[i];
	if (found) {
		b->gw[e->gw].clients--;
	} else {
		if (b->clients >= b->max_clients) {
			errno = ENOSPC;
			return -1;
		}
		e->ip = ip;
		b->clients++;
	}
	e->gw = (uint8_t)gw;
	e->since = now;
	b->gw[gw].clients++;
	return 0;
}

int balance_release(struct balance *b, const struct nfqlb_addr *a)
{
	uint32_t ip, i;
	int found, gw, saved = errno;

	if (!b)
		return BALANCE_NO_GW;
	ip = bal_key(a);
	errno = saved;
	if (!ip)
		return BALANCE_NO_GW;
	i = bal_find(b, ip, &found);
	if (!found)
		return BALANCE_NO_GW;
	gw = b->table[i].gw;
	b->gw[gw].clients--;
	b->clients--;
	bal_erase(b, i);
	return gw;
}

uint32_t balance_clients(const struct balance *b)
{
	return b ? b->clients : 0;
}

uint32_t balance_capacity(const struct balance *b)
{
	return b ? b->mask + 1 : 0;
}

size_t balance_table_bytes(const struct balance *b)
{
	return b ? ((size_t)b->mask + 1) * sizeof(*b->table) : 0;
}

int balance_foreach(const struct balance *b,
		    int (*cb)(const struct balance_binding *bb, void *arg),
		    void *arg)
{
	struct balance_binding bb;

	if (!b || !cb)
		return 0;
	for (uint64_t i = 0; i <= b->mask; i++) {
		const struct bal_entry *e = &b->table[i];
		int r;

		if (!e->ip)
			continue;
		/* Zeroed so the unused IPv6 bytes of the key are clean. */
		memset(&bb, 0, sizeof(bb));
		bb.addr.family = AF_INET;
		bb.addr.v4.s_addr = e->ip;
		bb.gw = e->gw;
		bb.since = e->since;
		r = cb(&bb, arg);
		if (r)
			return r;
	}
	return 0;
}
