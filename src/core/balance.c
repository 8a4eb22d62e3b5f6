// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * balance.c - the pure balancing core: gateways and the client table.
 *
 * The client table is a bucketed open-addressing hash table: a key
 * hashes to a home bucket of 12 slots, one 64-byte cache line holding
 * the 12 addresses and their 12 gateways, and lives there unless the
 * bucket was full when it was inserted; it then goes to the next
 * bucket with a free slot (linear probing by bucket).  Every full
 * bucket an insertion walks past counts it in its `passed' counter,
 * and the deletion of that key walks the same path and uncounts it,
 * so a lookup stops at the first bucket whose counter is 0.  Deletion
 * pulls a displaced binding back into the hole it leaves (see
 * bal_erase), so no tombstones are left and churn does not lengthen
 * later probes.  At the 3/4 load limit about 96 % of the bindings are
 * in their home bucket (99 % at the 0.64 load of a 1M-client table),
 * so a lookup, hit or miss, nearly always reads one cache line; the 12
 * addresses are compared at once (SSE2, or a loop elsewhere).
 *
 * The binding times live in a parallel array that only insertion,
 * deletion and the iterator touch, so the lines a lookup reads hold
 * nothing else: 64 bytes per 12 slots, 8 MiB for 1M clients, which
 * has a chance to stay in a shared last-level cache where the 24 MiB
 * of a 12-byte-slot table did not.  Table memory is 112 bytes per
 * bucket, 9.3 per slot: 12.4 per binding when max_clients fills its
 * buckets to the load limit, at most 25.6 from 10 clients up (32 from
 * 4: the smallest table is one bucket, 128 bytes once aligned).
 *
 * The table is allocated once for max_clients at a load factor of at
 * most 3/4 and never grows, so no lookup ever waits for a rehash.  A
 * table of 2 MiB or more is mapped 2 MiB aligned and advised for
 * transparent huge pages, so that random lookups over it do not also
 * miss the TLB.  balance_lookup_many() overlaps the cache misses of a
 * batch of lookups by prefetching every home bucket first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__SSE2__) && !defined(BALANCE_NO_SIMD)
#include <emmintrin.h>
#define BAL_SSE2 1
#endif

#include "core/balance.h"

#define BALANCE_MAX_CLIENTS	(UINT32_C(1) << 26)

#define BAL_SLOTS	12	/* per bucket */
#define BAL_FILL	9	/* bindings per bucket at the 3/4 load limit */

/*
 * One bucket, one cache line.  Address 0.0.0.0 is never a client (it
 * is refused with EINVAL), so ip == 0 marks a free slot and no separate
 * "used" flag is needed.  ip is kept in network byte order, as given.
 */
struct bal_bucket {
	uint32_t ip[BAL_SLOTS];
	uint8_t gw[BAL_SLOTS];
	/* bindings stored past this bucket whose insertion found it full */
	uint32_t passed;
};

/* A bucket and its binding times: the memory budget rests on it. */
#define BAL_BUCKET_BYTES \
	(sizeof(struct bal_bucket) + BAL_SLOTS * sizeof(uint32_t))
_Static_assert(sizeof(struct bal_bucket) == 64, "a bucket is one cache line");
_Static_assert(BAL_BUCKET_BYTES == 112, "bucket memory changed");

struct bal_gw {
	uint32_t weight;
	uint32_t clients;
	uint8_t unavailable;	/* down or removed: like weight 0 for picking */
};

struct balance {
	struct bal_bucket *bucket;	/* nbuckets, a power of two */
	uint32_t *since;	/* binding times: BAL_SLOTS per bucket */
	size_t table_bytes;	/* as allocated (mapped or aligned_alloc) */
	int table_mapped;	/* from bal_table_alloc's mmap */
	uint32_t bmask;		/* nbuckets - 1 */
	uint32_t max_clients;
	uint32_t clients;
	unsigned ngw;
	struct bal_gw gw[BALANCE_MAX_GW];
};

/*
 * The murmur3 finaliser: every input bit affects every output bit, so
 * a run of sequential addresses (a DHCP pool) spreads over the whole
 * table instead of piling up in a few buckets.
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
	return bal_hash(ip) & b->bmask;
}

/*
 * A slot of k holding ip, or -1.  ip 0 finds a free slot.  A key is
 * in the table at most once, so which of several matches is returned
 * only matters for free slots, where any will do.
 */
static int bal_match(const struct bal_bucket *k, uint32_t ip)
{
#ifdef BAL_SSE2
	const __m128i *v = (const __m128i *)k->ip;
	__m128i key = _mm_set1_epi32((int)ip);
	__m128i c0 = _mm_cmpeq_epi32(_mm_loadu_si128(v), key);
	__m128i c1 = _mm_cmpeq_epi32(_mm_loadu_si128(v + 1), key);
	__m128i c2 = _mm_cmpeq_epi32(_mm_loadu_si128(v + 2), key);
	/* 12 lanes of 0 or -1 narrowed to 12 bytes, then to 12 bits */
	unsigned m = (unsigned)_mm_movemask_epi8(
		_mm_packs_epi16(_mm_packs_epi32(c0, c1),
				_mm_packs_epi32(c2, _mm_setzero_si128())));

	return m ? __builtin_ctz(m) : -1;
#else
	int r = -1;

	/* No early exit: a branch per slot would mispredict. */
	for (int j = BAL_SLOTS - 1; j >= 0; j--)
		if (k->ip[j] == ip)
			r = j;
	return r;
#endif
}

/*
 * The gateway ip is bound to, searching from its home bucket i.
 * Stops at the first bucket no binding has passed, and in any case
 * after every bucket (if each one has been passed by some binding, a
 * miss would otherwise go round for ever).
 */
static int bal_probe(const struct balance *b, uint32_t ip, uint32_t i)
{
	for (uint32_t n = 0; n <= b->bmask; n++) {
		const struct bal_bucket *k = &b->bucket[i];
		int j = bal_match(k, ip);

		if (j >= 0)
			return k->gw[j];
		if (!k->passed)
			break;
		i = (i + 1) & b->bmask;
	}
	return BALANCE_NO_GW;
}

/* Like bal_probe, but where: the bucket in *bi and the slot, or -1. */
static int bal_find(const struct balance *b, uint32_t ip, uint32_t *bi)
{
	uint32_t i = bal_home(b, ip);

	for (uint32_t n = 0; n <= b->bmask; n++) {
		const struct bal_bucket *k = &b->bucket[i];
		int j = bal_match(k, ip);

		if (j >= 0) {
			*bi = i;
			return j;
		}
		if (!k->passed)
			break;
		i = (i + 1) & b->bmask;
	}
	return -1;
}

/*
 * Store a binding known to be absent, in the first bucket from its
 * home with a free slot, counting it in every full bucket on the way.
 * The caller has checked clients < max_clients, below the capacity, so
 * a free slot exists.
 */
static void bal_insert(struct balance *b, uint32_t ip, unsigned gw,
		       uint32_t now)
{
	uint32_t i = bal_home(b, ip);

	for (;;) {
		struct bal_bucket *k = &b->bucket[i];
		int j = bal_match(k, 0);

		if (j >= 0) {
			k->ip[j] = ip;
			k->gw[j] = (uint8_t)gw;
			b->since[i * BAL_SLOTS + (uint32_t)j] = now;
			return;
		}
		k->passed++;
		i = (i + 1) & b->bmask;
	}
}

/* The number of bindings in bucket k, 0 to BAL_SLOTS. */
static unsigned bal_used(const struct bal_bucket *k)
{
	unsigned n = 0;

	for (unsigned j = 0; j < BAL_SLOTS; j++)
		n += k->ip[j] != 0;
	return n;
}

/*
 * Remove the binding in slot j of bucket bi: uncount it on its path,
 * then, while some binding stored further on has passed the bucket
 * with the hole, pull the nearest such one back into the hole, which
 * moves the hole to where it was.  So a bucket with a non-zero count is
 * always full, a binding is away from home only while every bucket on
 * its way is full, and the displacement of the bindings depends on the
 * bindings present, never on the history of churn: without the pull a
 * long-running table at its load limit drifts from 4 % to 15 % of its
 * bindings away from home, a second cache line for each.
 */
static void bal_erase(struct balance *b, uint32_t bi, int j)
{
	struct bal_bucket *k = &b->bucket[bi];
	uint32_t i;

	for (i = bal_home(b, k->ip[j]); i != bi; i = (i + 1) & b->bmask)
		b->bucket[i].passed--;
	while (b->bucket[bi].passed) {
		struct bal_bucket *q = NULL;
		uint32_t p = bi, dist;
		int s = -1;

		/*
		 * A binding in bucket p passed bi if its home is at or before
		 * bi, i.e. it is at least as far from home as bi is from p.
		 * One exists, and every bucket on its way counts it, so the
		 * search ends before going round.
		 */
		for (dist = 1; dist <= b->bmask && s < 0; dist++) {
			p = (p + 1) & b->bmask;
			q = &b->bucket[p];
			for (unsigned t = 0; t < BAL_SLOTS && s < 0; t++) {
				uint32_t far;

				if (!q->ip[t])
					continue;
				far = (p - bal_home(b, q->ip[t])) & b->bmask;
				if (far >= dist)
					s = (int)t;
			}
		}
		if (s < 0)
			break;	/* counts inconsistent: can't happen */
		b->bucket[bi].ip[j] = q->ip[s];
		b->bucket[bi].gw[j] = q->gw[s];
		b->since[bi * BAL_SLOTS + (uint32_t)j] =
			b->since[p * BAL_SLOTS + (uint32_t)s];
		for (i = bi; i != p; i = (i + 1) & b->bmask)
			b->bucket[i].passed--;
		bi = p;
		j = s;
	}
	b->bucket[bi].ip[j] = 0;
	b->bucket[bi].gw[j] = 0;
	b->since[bi * BAL_SLOTS + (uint32_t)j] = 0;
}

/* Huge page size, the alignment of tables of at least that size. */
#define BAL_HUGE	((size_t)2 << 20)

/*
 * A zeroed table of bytes bytes, 64-byte aligned.  From BAL_HUGE up it
 * is an anonymous mapping trimmed to start on a 2 MiB boundary and
 * advised MADV_HUGEPAGE, so that with THP in "madvise" (or "always")
 * mode every whole 2 MiB of it is backed by one huge page.  Its length
 * is not rounded up to 2 MiB: a partial last 2 MiB stays in small
 * pages, so the memory held is the page-rounded size and the
 * per-binding budget holds.  If huge pages are unavailable the advice
 * fails and is ignored; if the mapping fails, aligned_alloc is tried.
 * *len gets the bytes held, *mapped whether it must be unmapped.
 */
static void *bal_table_alloc(size_t bytes, size_t *len, int *mapped)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	size_t want = (bytes + page - 1) / page * page;
	uintptr_t start, end, aligned;
	void *p;

	*mapped = 0;
	if (bytes >= BAL_HUGE && BAL_HUGE % page == 0) {
		p = mmap(NULL, want + BAL_HUGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			start = (uintptr_t)p;
			end = start + want + BAL_HUGE;
			aligned = (start + BAL_HUGE - 1) &
				  ~(uintptr_t)(BAL_HUGE - 1);
			/* Give back the unaligned head and the unused tail. */
			if (aligned > start)
				munmap(p, aligned - start);
			if (end > aligned + want)
				munmap((void *)(aligned + want),
				       end - aligned - want);
			p = (void *)aligned;
			(void)madvise(p, want, MADV_HUGEPAGE);
			*len = want;
			*mapped = 1;
			return p;
		}
	}
	/* aligned_alloc wants a multiple of the alignment */
	want = (bytes + 63) / 64 * 64;
	p = aligned_alloc(64, want);
	if (p)
		memset(p, 0, want);
	*len = want;
	return p;
}

static void bal_table_free(struct balance *b)
{
	if (b->table_mapped)
		munmap(b->bucket, b->table_bytes);
	else
		free(b->bucket);
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
	uint64_t nb = 1;

	if (max_clients < 1 || max_clients > BALANCE_MAX_CLIENTS) {
		errno = EINVAL;
		return NULL;
	}
	/* BAL_FILL of BAL_SLOTS per bucket: load at most 3/4 when full. */
	while (nb * BAL_FILL < max_clients)
		nb <<= 1;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	/* One block: the buckets, then the binding times. */
	b->bucket = bal_table_alloc((size_t)nb * BAL_BUCKET_BYTES,
				    &b->table_bytes, &b->table_mapped);
	if (!b->bucket) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->since = (uint32_t *)(b->bucket + nb);
	b->bmask = (uint32_t)(nb - 1);
	b->max_clients = max_clients;
	return b;
}

void balance_free(struct balance *b)
{
	if (!b)
		return;
	bal_table_free(b);
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
	/* A refused key is a plain miss here: errno is left alone. */
	if (!b || !a || a->family != AF_INET || !a->v4.s_addr)
		return BALANCE_NO_GW;
	return bal_probe(b, a->v4.s_addr, bal_home(b, a->v4.s_addr));
}

/*
 * Up to this many keys are hashed and their home buckets prefetched
 * before the first is probed: one recvmmsg batch of the daemon.
 */
#define BAL_BATCH	64

int balance_lookup_many(const struct balance *b, const struct nfqlb_addr *a,
			unsigned n, int *gw_out)
{
	uint32_t key[BAL_BATCH], home[BAL_BATCH];
	int hits = 0;

	if (!gw_out)
		return 0;
	if (!b || !a) {
		for (unsigned k = 0; k < n; k++)
			gw_out[k] = BALANCE_NO_GW;
		return 0;
	}
	for (unsigned base = 0; base < n; base += BAL_BATCH) {
		unsigned m = n - base < BAL_BATCH ? n - base : BAL_BATCH;
		const struct nfqlb_addr *ab = a + base;
		int *out = gw_out + base;

		/*
		 * First pass: every home bucket is requested before any is
		 * needed, so the cache misses of a batch overlap instead of
		 * being paid one after the other.  A refused key (not IPv4,
		 * 0.0.0.0) becomes 0 and is not probed.
		 */
		for (unsigned k = 0; k < m; k++) {
			key[k] = ab[k].family == AF_INET ? ab[k].v4.s_addr : 0;
			home[k] = bal_home(b, key[k]);
			__builtin_prefetch(&b->bucket[home[k]]);
		}
		/* Second pass: the probes, mostly on lines now in cache. */
		for (unsigned k = 0; k < m; k++) {
			int gw = key[k] ? bal_probe(b, key[k], home[k]) :
				BALANCE_NO_GW;

			out[k] = gw;
			hits += gw >= 0;
		}
	}
	return hits;
}

int balance_assign(struct balance *b, const struct nfqlb_addr *a,
		   uint32_t now, int *created)
{
	return balance_assign_to(b, a, BALANCE_NO_GW, now, created);
}

/* Does gw take new clients (available, non-zero weight)? */
static int bal_takes(const struct balance *b, int gw)
{
	return gw >= 0 && (unsigned)gw < b->ngw && b->gw[gw].weight &&
	       !b->gw[gw].unavailable;
}

int balance_assign_to(struct balance *b, const struct nfqlb_addr *a, int want,
		      uint32_t now, int *created)
{
	uint32_t ip, bi;
	int j, gw;

	if (created)
		*created = 0;
	if (!b) {
		errno = EINVAL;
		return -1;
	}
	ip = bal_key(a);
	if (!ip)
		return -1;
	j = bal_find(b, ip, &bi);
	if (j >= 0)
		return b->bucket[bi].gw[j];
	if (b->clients >= b->max_clients) {
		errno = ENOSPC;
		return -1;
	}
	gw = bal_takes(b, want) ? want : balance_pick(b);
	if (gw < 0) {
		errno = ENETUNREACH;
		return -1;
	}
	bal_insert(b, ip, (unsigned)gw, now);
	b->gw[gw].clients++;
	b->clients++;
	if (created)
		*created = 1;
	return gw;
}

int balance_bind(struct balance *b, const struct nfqlb_addr *a,
		 unsigned gw, uint32_t now)
{
	uint32_t ip, bi;
	int j;

	if (!b || gw >= b->ngw) {
		errno = EINVAL;
		return -1;
	}
	ip = bal_key(a);
	if (!ip)
		return -1;
	j = bal_find(b, ip, &bi);
	if (j >= 0) {
		/* Moved in place: the key keeps its slot. */
		b->gw[b->bucket[bi].gw[j]].clients--;
		b->bucket[bi].gw[j] = (uint8_t)gw;
		b->since[bi * BAL_SLOTS + (uint32_t)j] = now;
	} else {
		if (b->clients >= b->max_clients) {
			errno = ENOSPC;
			return -1;
		}
		bal_insert(b, ip, gw, now);
		b->clients++;
	}
	b->gw[gw].clients++;
	return 0;
}

int balance_release(struct balance *b, const struct nfqlb_addr *a)
{
	uint32_t ip, bi;
	int j, gw, saved = errno;

	if (!b)
		return BALANCE_NO_GW;
	ip = bal_key(a);
	errno = saved;
	if (!ip)
		return BALANCE_NO_GW;
	j = bal_find(b, ip, &bi);
	if (j < 0)
		return BALANCE_NO_GW;
	gw = b->bucket[bi].gw[j];
	b->gw[gw].clients--;
	b->clients--;
	bal_erase(b, bi, j);
	return gw;
}

uint32_t balance_clients(const struct balance *b)
{
	return b ? b->clients : 0;
}

uint32_t balance_capacity(const struct balance *b)
{
	return b ? (b->bmask + 1) * BAL_SLOTS : 0;
}

size_t balance_table_bytes(const struct balance *b)
{
	return b ? b->table_bytes : 0;
}

int balance_table_stats(const struct balance *b, uint32_t *displaced,
			uint64_t *extra)
{
	uint64_t path = 0, passed = 0;
	uint32_t far = 0;
	int ok = 1;

	if (!b)
		return -1;
	for (uint32_t i = 0; i <= b->bmask; i++) {
		const struct bal_bucket *k = &b->bucket[i];

		passed += k->passed;
		/* only a full bucket is passed (see bal_erase) */
		ok &= !k->passed || bal_used(k) == BAL_SLOTS;
		for (unsigned j = 0; j < BAL_SLOTS; j++) {
			uint32_t h;

			if (!k->ip[j])
				continue;
			/* every bucket on the way must count it */
			for (h = bal_home(b, k->ip[j]); h != i;
			     h = (h + 1) & b->bmask) {
				ok &= b->bucket[h].passed > 0;
				path++;
			}
			far += bal_home(b, k->ip[j]) != i;
		}
	}
	if (displaced)
		*displaced = far;
	if (extra)
		*extra = path;
	return ok && path == passed ? 0 : -1;
}

int balance_foreach(const struct balance *b,
		    int (*cb)(const struct balance_binding *bb, void *arg),
		    void *arg)
{
	struct balance_binding bb;

	if (!b || !cb)
		return 0;
	for (uint64_t i = 0; i <= b->bmask; i++) {
		const struct bal_bucket *k = &b->bucket[i];

		for (unsigned j = 0; j < BAL_SLOTS; j++) {
			int r;

			if (!k->ip[j])
				continue;
			/* Zeroed so the unused IPv6 bytes of the key are clean. */
			memset(&bb, 0, sizeof(bb));
			bb.addr.family = AF_INET;
			bb.addr.v4.s_addr = k->ip[j];
			bb.gw = k->gw[j];
			bb.since = b->since[i * BAL_SLOTS + j];
			r = cb(&bb, arg);
			if (r)
				return r;
		}
	}
	return 0;
}
