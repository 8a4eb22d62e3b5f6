// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_balance.c - unit tests of the balancing core and of addr.c.
 *
 * Besides the worked examples, a randomized run drives the core and a
 * deliberately naive reference model (arrays, linear scans, its own
 * pick written from the spec) side by side and compares everything.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/balance.h"

/*
 * check's own ck_assert_* record a "last passed point" through a pipe
 * on every call in fork mode, which makes the hundreds of thousands of
 * checks of the randomized run syscall-bound.  These compare first and
 * only involve check on failure.
 */
#define CMP_INT(x, op, y) do {						\
	intmax_t x_ = (intmax_t)(x), y_ = (intmax_t)(y);		\
	if (!(x_ op y_))						\
		ck_abort_msg("%s %s %s failed: %jd vs %jd",		\
			     #x, #op, #y, x_, y_);			\
} while (0)
#define CMP_UINT(x, op, y) do {						\
	uintmax_t x_ = (uintmax_t)(x), y_ = (uintmax_t)(y);		\
	if (!(x_ op y_))						\
		ck_abort_msg("%s %s %s failed: %ju vs %ju",		\
			     #x, #op, #y, x_, y_);			\
} while (0)
#define EQ(x, y)	CMP_INT(x, ==, y)
#define NE(x, y)	CMP_INT(x, !=, y)
#define GE(x, y)	CMP_INT(x, >=, y)
#define UEQ(x, y)	CMP_UINT(x, ==, y)
#define ULT(x, y)	CMP_UINT(x, <, y)
#define ULE(x, y)	CMP_UINT(x, <=, y)
#define UGE(x, y)	CMP_UINT(x, >=, y)

/* A deterministic PRNG, so a failing seed can be replayed. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s * UINT64_C(0x9e3779b97f4a7c15) + 1;
}

static uint32_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(((uint64_t)rng() * n) >> 32);
}

/* An IPv4 key from a host-order address. */
static struct nfqlb_addr v4(uint32_t host)
{
	struct nfqlb_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.v4.s_addr = htonl(host);
	return a;
}

static struct balance *mk(uint32_t max, unsigned ngw, const uint32_t *w)
{
	struct balance *b = balance_new(max);

	ck_assert_ptr_nonnull(b);
	for (unsigned i = 0; i < ngw; i++)
		EQ(balance_gw_add(b, w[i]), (int)i);
	return b;
}

static void must_bind(struct balance *b, uint32_t host, unsigned gw)
{
	struct nfqlb_addr a = v4(host);

	EQ(balance_bind(b, &a, gw, 1), 0);
}

static int must_assign(struct balance *b, uint32_t host)
{
	struct nfqlb_addr a = v4(host);
	int created = -1;
	int gw = balance_assign(b, &a, 1, &created);

	GE(gw, 0);
	EQ(created, 1);
	return gw;
}

/* ---- the ALCASAR worked examples and the pick rule ---- */

START_TEST(test_alcasar_equal)
{
	const uint32_t w[] = { 1, 1 };
	struct balance *b = mk(16, 2, w);

	must_bind(b, 0x0a000001, 0);
	must_bind(b, 0x0a000002, 0);
	must_bind(b, 0x0a000003, 1);
	/* 2/1 against 1/1: the next client goes to gw2 (index 1). */
	EQ(balance_pick(b), 1);
	EQ(must_assign(b, 0x0a000004), 1);
	UEQ(balance_gw_clients(b, 0), 2);
	UEQ(balance_gw_clients(b, 1), 2);
	balance_free(b);
}
END_TEST

START_TEST(test_alcasar_weighted)
{
	const uint32_t w[] = { 3, 1 };
	struct balance *b = mk(16, 2, w);

	must_bind(b, 0x0a000001, 0);
	must_bind(b, 0x0a000002, 0);
	must_bind(b, 0x0a000003, 1);
	/* 2/3 against 1/1: the next client goes to gw1 (index 0). */
	EQ(balance_pick(b), 0);
	EQ(must_assign(b, 0x0a000004), 0);
	balance_free(b);
}
END_TEST

START_TEST(test_ties_first)
{
	const uint32_t w[] = { 1, 1, 1 };
	const uint32_t w2[] = { 2, 4, 1 };
	struct balance *b = mk(16, 3, w);

	EQ(balance_pick(b), 0);
	EQ(must_assign(b, 1), 0);
	EQ(must_assign(b, 2), 1);
	EQ(must_assign(b, 3), 2);
	EQ(must_assign(b, 4), 0);
	balance_free(b);

	/* 1/2 == 2/4 < 1/1: equal ratios, the first wins. */
	b = mk(16, 3, w2);
	must_bind(b, 1, 0);
	must_bind(b, 2, 1);
	must_bind(b, 3, 1);
	must_bind(b, 4, 2);
	EQ(balance_pick(b), 0);
	balance_free(b);
}
END_TEST

START_TEST(test_big_weights)
{
	/* Products beyond 32 bits must not wrap. */
	const uint32_t w[] = { UINT32_MAX, UINT32_MAX - 1 };
	struct balance *b = mk(64, 2, w);

	must_bind(b, 1, 0);
	must_bind(b, 2, 1);
	/* 1/(2^32-1) < 1/(2^32-2) */
	EQ(balance_pick(b), 0);
	must_bind(b, 3, 0);
	EQ(balance_pick(b), 1);
	balance_free(b);
}
END_TEST

START_TEST(test_drain)
{
	const uint32_t w[] = { 1, 1, 1 };
	struct balance *b = mk(64, 3, w);
	struct nfqlb_addr a;
	int created;

	for (uint32_t i = 1; i <= 6; i++)
		must_assign(b, i);
	for (unsigned g = 0; g < 3; g++)
		UEQ(balance_gw_clients(b, g), 2);

	EQ(balance_gw_set_weight(b, 1, 0), 0);
	UEQ(balance_gw_weight(b, 1), 0);
	for (uint32_t i = 7; i <= 16; i++)
		NE(must_assign(b, i), 1);
	/* drained: no new clients, the old ones stay */
	UEQ(balance_gw_clients(b, 1), 2);
	UEQ(balance_gw_clients(b, 0), 7);
	UEQ(balance_gw_clients(b, 2), 7);
	a = v4(2);
	EQ(balance_lookup(b, &a), 1);

	EQ(balance_gw_set_weight(b, 0, 0), 0);
	EQ(balance_gw_set_weight(b, 2, 0), 0);
	EQ(balance_pick(b), BALANCE_NO_GW);
	a = v4(100);
	errno = 0;
	EQ(balance_assign(b, &a, 1, &created), -1);
	EQ(errno, ENETUNREACH);
	EQ(created, 0);
	/* a known client still gets its gateway, drained or not */
	a = v4(2);
	EQ(balance_assign(b, &a, 1, &created), 1);
	EQ(created, 0);

	EQ(balance_gw_set_weight(b, 3, 1), -1);
	EQ(errno, EINVAL);
	balance_free(b);

	/* no gateway at all */
	b = mk(4, 0, NULL);
	a = v4(1);
	EQ(balance_pick(b), BALANCE_NO_GW);
	EQ(balance_assign(b, &a, 1, NULL), -1);
	EQ(errno, ENETUNREACH);
	balance_free(b);
}
END_TEST

/* An unavailable gateway (down, removed) is skipped like a drained one. */
START_TEST(test_unavailable)
{
	const uint32_t w[] = { 1, 1, 2 };
	struct balance *b = mk(64, 3, w);
	struct nfqlb_addr a = v4(0x0a000001);
	int created;

	EQ(balance_gw_available(b, 0), 1);
	EQ(balance_gw_set_available(b, 0, 0), 0);
	EQ(balance_gw_available(b, 0), 0);
	EQ(balance_pick(b), 1);
	must_bind(b, 0x0a000009, 0);	/* a restore may still bind there */
	UEQ(balance_gw_clients(b, 0), 1);
	for (uint32_t i = 0; i < 30; i++)
		NE(must_assign(b, 0x0a000100 + i), 0);
	UEQ(balance_gw_clients(b, 0), 1);
	UEQ(balance_gw_clients(b, 1), 10);
	UEQ(balance_gw_clients(b, 2), 20);
	EQ(balance_gw_set_available(b, 1, 0), 0);
	EQ(balance_gw_set_available(b, 2, 0), 0);
	EQ(balance_pick(b), BALANCE_NO_GW);
	EQ(balance_assign(b, &a, 1, &created), -1);
	EQ(errno, ENETUNREACH);
	/* Back up: the empty gateway is the least loaded, it fills first. */
	EQ(balance_gw_set_available(b, 0, 1), 0);
	EQ(balance_gw_set_available(b, 1, 1), 0);
	EQ(balance_gw_set_available(b, 2, 1), 0);
	EQ(balance_pick(b), 0);
	EQ(balance_gw_set_available(b, 3, 1), -1);
	EQ(errno, EINVAL);
	EQ(balance_gw_available(b, 3), 0);
	balance_free(b);
}
END_TEST

/* Rebalancing reaches the shares assign would have made, then stops. */
static void rebalance_all(struct balance *b, uint32_t base)
{
	unsigned from, to, steps = 0;
	uint32_t n = balance_clients(b);

	while (balance_rebalance_step(b, &from, &to)) {
		struct nfqlb_addr a;
		uint32_t i;

		/* find any client of from */
		for (i = 0; i < 100000; i++) {
			a = v4(base + i);
			if (balance_lookup(b, &a) == (int)from)
				break;
		}
		EQ(balance_bind(b, &a, to, 1), 0);
		ck_assert_uint_le(++steps, n);
	}
}

START_TEST(test_rebalance)
{
	const uint32_t w[] = { 1, 1, 2 };
	struct balance *b = mk(256, 3, w);
	unsigned from, to;

	/* gw 2 was down: everyone on 0 and 1. */
	EQ(balance_gw_set_available(b, 2, 0), 0);
	for (uint32_t i = 0; i < 40; i++)
		must_assign(b, 0x0a000100 + i);
	UEQ(balance_gw_clients(b, 0), 20);
	UEQ(balance_gw_clients(b, 1), 20);
	EQ(balance_rebalance_step(b, &from, &to), 0);	/* balanced among the live */
	EQ(balance_gw_set_available(b, 2, 1), 0);
	rebalance_all(b, 0x0a000100);
	UEQ(balance_gw_clients(b, 0), 10);
	UEQ(balance_gw_clients(b, 1), 10);
	UEQ(balance_gw_clients(b, 2), 20);
	EQ(balance_rebalance_step(b, &from, &to), 0);
	/* A drained gateway keeps its clients. */
	EQ(balance_gw_set_weight(b, 0, 0), 0);
	rebalance_all(b, 0x0a000100);
	UEQ(balance_gw_clients(b, 0), 10);
	balance_free(b);
}
END_TEST

/* Randomized: after rebalancing, no single move makes it fairer. */
START_TEST(test_rebalance_random)
{
	for (unsigned seed = 1; seed <= 30; seed++) {
		uint32_t w[8];
		unsigned ngw = 2 + seed % 7, i, from, to;
		struct balance *b;

		for (i = 0; i < ngw; i++)
			w[i] = 1 + (seed * 7 + i * 13) % 5;
		b = mk(2048, ngw, w);
		for (uint32_t k = 0; k < 300 + seed * 10; k++)
			must_bind(b, 0x0a100000 + k, (k * seed) % ngw == 0 ? 0 : (k % 2));
		rebalance_all(b, 0x0a100000);
		EQ(balance_rebalance_step(b, &from, &to), 0);
		/* Each gateway within one client of its exact weighted share. */
		uint64_t wsum = 0, n = balance_clients(b);
		for (i = 0; i < ngw; i++)
			wsum += w[i];
		for (i = 0; i < ngw; i++) {
			double share = (double)n * w[i] / (double)wsum;
			double c = balance_gw_clients(b, i);

			ck_assert_msg(c > share - w[i] - 1 && c < share + w[i] + 1,
				      "seed %u gw %u: %g clients, share %g", seed, i, c, share);
		}
		balance_free(b);
	}
}
END_TEST

START_TEST(test_weights_112)
{
	const uint32_t w[] = { 1, 1, 2 };
	struct balance *b = mk(64, 3, w);

	for (uint32_t i = 1; i <= 40; i++)
		must_assign(b, 0xc0a80000 + i);
	UEQ(balance_gw_clients(b, 0), 10);
	UEQ(balance_gw_clients(b, 1), 10);
	UEQ(balance_gw_clients(b, 2), 20);
	UEQ(balance_clients(b), 40);
	balance_free(b);
}
END_TEST

START_TEST(test_many_gw)
{
	uint32_t w[BALANCE_MAX_GW], sum = 0;
	struct balance *b;

	for (unsigned i = 0; i < BALANCE_MAX_GW; i++) {
		w[i] = (i * 7) % 5 + (i % 3 ? 1 : 9);
		sum += w[i];
	}
	b = mk(sum * 3 + 1, BALANCE_MAX_GW, w);
	UEQ(balance_gw_count(b), BALANCE_MAX_GW);
	EQ(balance_gw_add(b, 1), -1);
	EQ(errno, ENOSPC);

	for (uint32_t n = 1; n <= sum * 3; n++) {
		must_assign(b, n * 2654435761u);
		/*
		 * The greedy rule keeps every gateway within one client of
		 * its share: (c_i - 1) / w_i <= c_j / w_j for all i, j.
		 */
		for (unsigned i = 0; i < BALANCE_MAX_GW; i++) {
			uint64_t ci = balance_gw_clients(b, i);

			if (!ci)
				continue;
			for (unsigned j = 0; j < BALANCE_MAX_GW; j++)
				ULE((ci - 1) * w[j],
				    (uint64_t)balance_gw_clients(b, j) * w[i]);
		}
		/* at whole multiples of the weight sum, shares are exact */
		if (n % sum == 0)
			for (unsigned i = 0; i < BALANCE_MAX_GW; i++)
				UEQ(balance_gw_clients(b, i),
				    w[i] * (n / sum));
	}
	balance_free(b);
}
END_TEST

/* ---- the table ---- */

struct since_arg {
	uint32_t ip;
	uint32_t since;
	unsigned gw;
	int seen;
};

static int since_cb(const struct balance_binding *bb, void *arg)
{
	struct since_arg *s = arg;

	if (bb->addr.family == AF_INET && bb->addr.v4.s_addr == s->ip) {
		s->since = bb->since;
		s->gw = bb->gw;
		s->seen++;
	}
	return 0;
}

START_TEST(test_lookup_release)
{
	const uint32_t w[] = { 1, 1 };
	struct balance *b = mk(8, 2, w);
	struct nfqlb_addr a = v4(0x0a000001), c = v4(0x0a000002);
	int created;

	EQ(balance_lookup(b, &a), BALANCE_NO_GW);
	EQ(balance_assign(b, &a, 10, &created), 0);
	EQ(created, 1);
	EQ(balance_assign(b, &c, 11, &created), 1);
	EQ(balance_lookup(b, &a), 0);
	EQ(balance_lookup(b, &c), 1);
	UEQ(balance_clients(b), 2);

	EQ(balance_release(b, &a), 0);
	EQ(balance_lookup(b, &a), BALANCE_NO_GW);
	EQ(balance_release(b, &a), BALANCE_NO_GW);
	UEQ(balance_gw_clients(b, 0), 0);
	UEQ(balance_clients(b), 1);
	EQ(balance_lookup(b, &c), 1);

	/* re-assign: a new binding, to the now emptier gateway */
	EQ(balance_assign(b, &a, 12, &created), 0);
	EQ(created, 1);
	UEQ(balance_clients(b), 2);
	balance_free(b);
}
END_TEST

START_TEST(test_idempotent)
{
	const uint32_t w[] = { 1, 1 };
	struct balance *b = mk(8, 2, w);
	struct nfqlb_addr a = v4(0x0a000001);
	struct since_arg s = { .ip = a.v4.s_addr };
	int created;

	EQ(balance_assign(b, &a, 10, &created), 0);
	EQ(created, 1);
	EQ(balance_assign(b, &a, 20, &created), 0);
	EQ(created, 0);
	UEQ(balance_gw_clients(b, 0), 1);
	UEQ(balance_gw_clients(b, 1), 0);
	UEQ(balance_clients(b), 1);
	/* the binding time is that of the binding, not of the last look */
	EQ(balance_foreach(b, since_cb, &s), 0);
	EQ(s.seen, 1);
	UEQ(s.since, 10);
	balance_free(b);
}
END_TEST

START_TEST(test_full)
{
	const uint32_t w[] = { 1, 1 };
	struct balance *b = mk(5, 2, w);
	struct nfqlb_addr a;
	int created;

	for (uint32_t i = 1; i <= 5; i++)
		must_assign(b, i);
	a = v4(6);
	errno = 0;
	EQ(balance_assign(b, &a, 1, &created), -1);
	EQ(errno, ENOSPC);
	EQ(created, 0);
	errno = 0;
	EQ(balance_bind(b, &a, 0, 1), -1);
	EQ(errno, ENOSPC);
	/* full, but known clients still resolve and can be moved */
	a = v4(3);
	EQ(balance_assign(b, &a, 1, &created), 0);
	EQ(created, 0);
	EQ(balance_bind(b, &a, 1, 1), 0);
	UEQ(balance_clients(b), 5);

	EQ(balance_release(b, &a), 1);
	a = v4(6);
	GE(balance_assign(b, &a, 1, &created), 0);
	EQ(created, 1);
	UEQ(balance_clients(b), 5);
	balance_free(b);
}
END_TEST

START_TEST(test_assign_to)
{
	struct balance *b = balance_new(16);
	struct nfqlb_addr a;
	int created;

	ck_assert_ptr_nonnull(b);
	balance_gw_add(b, 1);
	balance_gw_add(b, 1);
	balance_gw_add(b, 0);
	/* The caller's choice, when it takes clients. */
	a = v4(1);
	EQ(balance_assign_to(b, &a, 1, 5, &created), 1);
	EQ(created, 1);
	EQ(balance_gw_clients(b, 1), 1);
	/* Already bound: kept, whatever is asked. */
	EQ(balance_assign_to(b, &a, 0, 6, &created), 1);
	EQ(created, 0);
	/* Drained, down, out of range or none: the weighted pick. */
	a = v4(2);
	EQ(balance_assign_to(b, &a, 2, 5, &created), 0);
	a = v4(3);
	balance_gw_set_available(b, 1, 0);
	EQ(balance_assign_to(b, &a, 1, 5, &created), 0);
	a = v4(4);
	EQ(balance_assign_to(b, &a, 7, 5, &created), 0);
	a = v4(5);
	EQ(balance_assign_to(b, &a, BALANCE_NO_GW, 5, &created), 0);
	EQ(balance_gw_clients(b, 0), 4);
	EQ(balance_clients(b), 5);
	balance_free(b);
}
END_TEST

START_TEST(test_bind_moves)
{
	const uint32_t w[] = { 1, 0, 1 };
	struct balance *b = mk(8, 3, w);
	struct nfqlb_addr a = v4(0x0a000001);
	struct since_arg s = { .ip = a.v4.s_addr };

	EQ(balance_bind(b, &a, 0, 5), 0);
	UEQ(balance_gw_clients(b, 0), 1);
	/* a drained gateway takes a restored binding */
	EQ(balance_bind(b, &a, 1, 6), 0);
	UEQ(balance_gw_clients(b, 0), 0);
	UEQ(balance_gw_clients(b, 1), 1);
	UEQ(balance_clients(b), 1);
	EQ(balance_lookup(b, &a), 1);
	/* rebinding to the same gateway changes nothing but the time */
	EQ(balance_bind(b, &a, 1, 7), 0);
	UEQ(balance_gw_clients(b, 1), 1);
	EQ(balance_foreach(b, since_cb, &s), 0);
	EQ(s.seen, 1);
	UEQ(s.gw, 1);
	UEQ(s.since, 7);

	errno = 0;
	EQ(balance_bind(b, &a, 3, 1), -1);
	EQ(errno, EINVAL);
	EQ(balance_lookup(b, &a), 1);
	EQ(balance_release(b, &a), 1);
	UEQ(balance_gw_clients(b, 1), 0);
	balance_free(b);
}
END_TEST

START_TEST(test_bad_keys)
{
	const uint32_t w[] = { 1 };
	struct balance *b = mk(8, 1, w);
	struct nfqlb_addr a6, z = v4(0);
	int created = -1;

	EQ(addr_parse("2001:db8::1", &a6), 0);
	errno = 0;
	EQ(balance_assign(b, &a6, 1, &created), -1);
	EQ(errno, EAFNOSUPPORT);
	EQ(created, 0);
	errno = 0;
	EQ(balance_bind(b, &a6, 0, 1), -1);
	EQ(errno, EAFNOSUPPORT);
	EQ(balance_lookup(b, &a6), BALANCE_NO_GW);
	EQ(balance_release(b, &a6), BALANCE_NO_GW);

	errno = 0;
	EQ(balance_assign(b, &z, 1, &created), -1);
	EQ(errno, EINVAL);
	errno = 0;
	EQ(balance_bind(b, &z, 0, 1), -1);
	EQ(errno, EINVAL);
	EQ(balance_lookup(b, &z), BALANCE_NO_GW);
	EQ(balance_release(b, &z), BALANCE_NO_GW);

	errno = 0;
	EQ(balance_assign(b, NULL, 1, NULL), -1);
	EQ(errno, EINVAL);
	EQ(balance_lookup(b, NULL), BALANCE_NO_GW);
	UEQ(balance_clients(b), 0);
	UEQ(balance_gw_clients(b, 0), 0);
	balance_free(b);
}
END_TEST

START_TEST(test_new_limits)
{
	struct balance *b;

	errno = 0;
	ck_assert_ptr_null(balance_new(0));
	EQ(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(balance_new((UINT32_C(1) << 26) + 1));
	EQ(errno, EINVAL);
	ck_assert_ptr_null(balance_new(UINT32_MAX));
	balance_free(NULL);

	for (uint32_t m = 1; m <= 3000; m += (m < 100 ? 1 : 37)) {
		uint32_t cap, nb;

		b = balance_new(m);
		ck_assert_ptr_nonnull(b);
		/* a power of two of buckets of 12 slots */
		cap = balance_capacity(b);
		UEQ(cap % 12, 0);
		nb = cap / 12;
		UEQ(nb & (nb - 1), 0);
		/* load factor at most 3/4, and the smallest such size */
		UGE((uint64_t)cap * 3, (uint64_t)m * 4);
		if (nb > 1)
			ULT((uint64_t)cap / 2 * 3, (uint64_t)m * 4);
		/* a bucket is 64 bytes of slots and 48 of binding times */
		UGE(balance_table_bytes(b), (size_t)nb * 112);
		/*
		 * At most 32 bytes per binding, except that the smallest
		 * table is one bucket (128 bytes once 64-byte aligned):
		 * 1 to 3 clients pay for 4.
		 */
		ULE(balance_table_bytes(b), (size_t)32 * (m < 4 ? 4 : m));
		UEQ(balance_clients(b), 0);
		UEQ(balance_gw_count(b), 0);
		balance_free(b);
	}
	/* 1M: 2^17 buckets, 14 MiB, page-rounded and not rounded to 2 MiB */
	b = balance_new(1u << 20);
	ck_assert_ptr_nonnull(b);
	UEQ(balance_capacity(b), 12u << 17);
	UEQ(balance_table_bytes(b), (size_t)14 << 20);
	balance_free(b);
	/* 9 * 2^15: exactly at the load limit, 3.5 MiB of table (>= 2 MiB) */
	b = balance_new(9u << 15);
	ck_assert_ptr_nonnull(b);
	UEQ(balance_capacity(b), 12u << 15);
	UEQ(balance_table_bytes(b), (size_t)112 << 15);
	ULE(balance_table_bytes(b), (size_t)32 * (9u << 15));
	balance_free(b);
	/* one more client: twice the buckets, still within 32 bytes */
	b = balance_new((9u << 15) + 1);
	ck_assert_ptr_nonnull(b);
	UEQ(balance_table_bytes(b), (size_t)112 << 16);
	ULE(balance_table_bytes(b), (size_t)32 * ((9u << 15) + 1));
	balance_free(b);
}
END_TEST

static int stop_cb(const struct balance_binding *bb, void *arg)
{
	int *n = arg;

	(void)bb;
	return ++*n == 3 ? 42 : 0;
}

START_TEST(test_foreach_stop)
{
	const uint32_t w[] = { 1 };
	struct balance *b = mk(16, 1, w);
	int n = 0;

	for (uint32_t i = 1; i <= 10; i++)
		must_assign(b, i);
	EQ(balance_foreach(b, stop_cb, &n), 42);
	EQ(n, 3);
	balance_free(b);
}
END_TEST

/*
 * balance_lookup_many over ip[0..max) in odd-sized slices, against
 * gw[] (BALANCE_NO_GW where gone[]).
 */
static void check_many_gone(const struct balance *b, const uint32_t *ip,
			    const int *gw, const char *gone, uint32_t max)
{
	static const unsigned len[] = { 1, 64, 7, 65, 200, 63 };
	struct nfqlb_addr a[200];
	int out[200];
	uint32_t i = 0;

	for (unsigned s = 0; i < max; s++) {
		unsigned n = len[s % 6], hits = 0;

		if (n > max - i)
			n = max - i;
		for (unsigned k = 0; k < n; k++) {
			a[k] = v4(ip[i + k]);
			hits += !gone[i + k];
		}
		EQ(balance_lookup_many(b, a, n, out), (int)hits);
		for (unsigned k = 0; k < n; k++)
			EQ(out[k], gone[i + k] ? BALANCE_NO_GW : gw[i + k]);
		i += n;
	}
}

/*
 * A table filled to its 3/4 limit has full buckets and bindings stored
 * past them; deleting half of it at random and binding the same keys
 * again exercises the counting and uncounting of every path, wrap-around
 * at the end of the array included.  Batched lookups are checked
 * against the same expectations as single ones.
 */
static void churn_check(uint32_t max, int sequential, uint64_t seed)
{
	const uint32_t w[] = { 1, 2, 3 };
	struct balance *b = mk(max, 3, w);
	uint32_t *ip = calloc(max, sizeof(*ip));
	int *gw = calloc(max, sizeof(*gw));
	char *gone = calloc(max, 1);

	ck_assert_ptr_nonnull(ip);
	ck_assert_ptr_nonnull(gw);
	ck_assert_ptr_nonnull(gone);
	rng_seed(seed);
	for (uint32_t i = 0; i < max; i++) {
		if (sequential) {
			ip[i] = 0x0a000001 + i;
		} else {
			/* distinct: an odd multiplier is a bijection */
			ip[i] = (i + 1) * 0x9e3779b1u;
		}
		gw[i] = must_assign(b, ip[i]);
	}
	UEQ(balance_clients(b), max);
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < max; i++) {
			struct nfqlb_addr a = v4(ip[i]);

			if (gone[i] || rng_below(2))
				continue;
			EQ(balance_release(b, &a), gw[i]);
			gone[i] = 1;
		}
		for (uint32_t i = 0; i < max; i++) {
			struct nfqlb_addr a = v4(ip[i]);

			EQ(balance_lookup(b, &a),
			   gone[i] ? BALANCE_NO_GW : gw[i]);
		}
		check_many_gone(b, ip, gw, gone, max);
		EQ(balance_table_stats(b, NULL, NULL), 0);
		for (uint32_t i = 0; i < max; i++) {
			struct nfqlb_addr a = v4(ip[i]);

			if (!gone[i])
				continue;
			EQ(balance_bind(b, &a, i % 3, 0), 0);
			gw[i] = (int)(i % 3);
			gone[i] = 0;
		}
		UEQ(balance_clients(b), max);
		for (uint32_t i = 0; i < max; i++) {
			struct nfqlb_addr a = v4(ip[i]);

			EQ(balance_lookup(b, &a), gw[i]);
		}
		check_many_gone(b, ip, gw, gone, max);
		EQ(balance_table_stats(b, NULL, NULL), 0);
	}
	/* all gone: every count back to zero, every key at home */
	for (uint32_t i = 0; i < max; i++) {
		struct nfqlb_addr a = v4(ip[i]);

		EQ(balance_release(b, &a), gw[i]);
	}
	{
		uint32_t far = 1;
		uint64_t extra = 1;

		EQ(balance_table_stats(b, &far, &extra), 0);
		UEQ(far, 0);
		UEQ(extra, 0);
	}
	free(gone);
	free(gw);
	free(ip);
	balance_free(b);
}

START_TEST(test_delete_collisions)
{
	/* 9 of 12 slots of 4096 buckets: exactly at the load limit */
	churn_check(36864, 0, 1);
	churn_check(36864, 1, 2);
	/* 49152: 8192 buckets, at half load */
	churn_check(49152, 0, 3);
	for (uint32_t m = 1; m <= 24; m++)
		for (uint64_t s = 0; s < 20; s++)
			churn_check(m, (int)(s & 1), s + 100);
}
END_TEST

/*
 * balance_lookup_many against balance_lookup on random data: bound
 * keys, keys never seen, released ones, refused keys (IPv6 whose first
 * bytes equal a bound IPv4 address, 0.0.0.0), in batches of every size
 * around the internal batch of 64.
 */
START_TEST(test_lookup_many)
{
	enum { MAX = 3000, Q = 700 };
	const uint32_t w[] = { 1, 3, 2, 5 };
	struct balance *b = mk(MAX, 4, w);
	static uint32_t ip[MAX];
	static struct nfqlb_addr q[Q];
	static int out[Q + 1];
	uint32_t n = 0;

	rng_seed(7);
	while (n < MAX) {
		uint32_t x = rng();
		struct nfqlb_addr a = v4(x);
		int created;

		if (!x || balance_assign(b, &a, 1, &created) < 0 || !created)
			continue;
		ip[n++] = x;
	}
	/* release a third: slots free up, bindings are pulled back */
	for (uint32_t i = 0; i < MAX; i += 3) {
		struct nfqlb_addr a = v4(ip[i]);

		GE(balance_release(b, &a), 0);
	}
	for (int round = 0; round < 20; round++) {
		unsigned len = round < 10 ? (unsigned)round * 13 :
			60 + rng_below(Q - 59);
		int hits = 0, got;

		if (len > Q)
			len = Q;
		for (unsigned k = 0; k < len; k++) {
			uint32_t what = rng_below(10);

			if (what < 5) {
				/* bound, or released */
				q[k] = v4(ip[rng_below(MAX)]);
			} else if (what < 8) {
				/* almost surely unknown */
				q[k] = v4(rng());
			} else if (what < 9) {
				q[k] = v4(0);
			} else {
				memset(&q[k], 0, sizeof(q[k]));
				q[k].family = AF_INET6;
				q[k].v6.s6_addr32[0] = htonl(ip[rng_below(MAX)]);
			}
			hits += balance_lookup(b, &q[k]) >= 0;
		}
		out[len] = 12345;	/* a guard: nothing is written past n */
		errno = 4242;
		got = balance_lookup_many(b, q, len, out);
		EQ(errno, 4242);
		EQ(got, hits);
		for (unsigned k = 0; k < len; k++)
			EQ(out[k], balance_lookup(b, &q[k]));
		EQ(out[len], 12345);
	}
	/* nothing to look up, or nothing to look in */
	EQ(balance_lookup_many(b, q, 0, out), 0);
	EQ(balance_lookup_many(b, q, 3, NULL), 0);
	out[0] = out[1] = 7;
	EQ(balance_lookup_many(NULL, q, 2, out), 0);
	EQ(out[0], BALANCE_NO_GW);
	EQ(out[1], BALANCE_NO_GW);
	out[0] = 7;
	EQ(balance_lookup_many(b, NULL, 1, out), 0);
	EQ(out[0], BALANCE_NO_GW);
	balance_free(b);
}
END_TEST

/*
 * Small tables kept at the load limit under long churn (release one,
 * bind a new one): every bucket ends up passed by some binding at one
 * time or another, so misses must stop after one round of the table,
 * and the counts must stay exact for hits to be found.
 */
START_TEST(test_churn_full)
{
	static const uint32_t maxes[] = { 9, 18, 36, 100 };
	const uint32_t w[] = { 1, 1, 1 };

	for (unsigned t = 0; t < 4; t++) {
		uint32_t max = maxes[t], ip[100], next = 1;
		int gw[100];
		struct balance *b = mk(max, 3, w);

		rng_seed(1000 + t);
		for (uint32_t i = 0; i < max; i++) {
			ip[i] = next++ * 0x9e3779b1u;
			gw[i] = must_assign(b, ip[i]);
		}
		for (int op = 0; op < 20000; op++) {
			uint32_t i = rng_below(max);
			struct nfqlb_addr a = v4(ip[i]);
			int out[100];
			struct nfqlb_addr all[100];

			EQ(balance_release(b, &a), gw[i]);
			EQ(balance_lookup(b, &a), BALANCE_NO_GW);
			ip[i] = next++ * 0x9e3779b1u;
			gw[i] = must_assign(b, ip[i]);
			UEQ(balance_clients(b), max);
			if (op % 97)
				continue;
			for (uint32_t k = 0; k < max; k++) {
				all[k] = v4(ip[k]);
				EQ(balance_lookup(b, &all[k]), gw[k]);
			}
			EQ(balance_lookup_many(b, all, max, out), (int)max);
			for (uint32_t k = 0; k < max; k++)
				EQ(out[k], gw[k]);
			EQ(balance_table_stats(b, NULL, NULL), 0);
			/* full: no new client, misses still terminate */
			a = v4(next * 0x9e3779b1u);
			EQ(balance_lookup(b, &a), BALANCE_NO_GW);
			EQ(balance_assign(b, &a, 1, NULL), -1);
		}
		balance_free(b);
	}
}
END_TEST

/* ---- the randomized comparison with a reference model ---- */

#define REF_POOL 512

struct ref {
	unsigned ngw;
	uint32_t w[BALANCE_MAX_GW];
	uint32_t c[BALANCE_MAX_GW];
	uint32_t n, max, pool;
	uint32_t ip[REF_POOL];		/* network order */
	int gw[REF_POOL];		/* -1: unbound */
	uint32_t since[REF_POOL];
};

/* c1/w1 < c2/w2, exactly, in 128 bits */
static int ratio_lt(uint32_t c1, uint32_t w1, uint32_t c2, uint32_t w2)
{
	return (unsigned __int128)c1 * w2 < (unsigned __int128)c2 * w1;
}

/*
 * Straight from the definition: the winner is strictly below every
 * earlier candidate and not above any later one.  Quadratic on purpose:
 * it shares no structure with the core's running minimum.
 */
static int ref_pick(const struct ref *r)
{
	int found = BALANCE_NO_GW;

	for (unsigned i = 0; i < r->ngw; i++) {
		int ok = r->w[i] > 0;

		for (unsigned j = 0; ok && j < r->ngw; j++) {
			if (j == i || !r->w[j])
				continue;
			if (j < i)
				ok = ratio_lt(r->c[i], r->w[i], r->c[j], r->w[j]);
			else
				ok = !ratio_lt(r->c[j], r->w[j], r->c[i], r->w[i]);
		}
		if (ok) {
			EQ(found, BALANCE_NO_GW);
			found = (int)i;
		}
	}
	return found;
}

static uint32_t ref_weight(void)
{
	switch (rng_below(10)) {
	case 0:
		return 0;
	case 1:
		return UINT32_MAX - rng_below(3);
	case 2:
		return rng();
	default:
		return 1 + rng_below(4);
	}
}

static void ref_check_counts(const struct balance *b, const struct ref *r)
{
	UEQ(balance_gw_count(b), r->ngw);
	UEQ(balance_clients(b), r->n);
	for (unsigned g = 0; g < r->ngw; g++) {
		UEQ(balance_gw_clients(b, g), r->c[g]);
		UEQ(balance_gw_weight(b, g), r->w[g]);
	}
	EQ(balance_pick(b), ref_pick(r));
}

struct ref_walk {
	const struct ref *r;
	char seen[REF_POOL];
	uint32_t count;
};

static int ref_walk_cb(const struct balance_binding *bb, void *arg)
{
	struct ref_walk *rw = arg;
	const struct ref *r = rw->r;
	uint32_t k;

	EQ(bb->addr.family, AF_INET);
	for (k = 0; k < r->pool; k++)
		if (r->ip[k] == bb->addr.v4.s_addr)
			break;
	ULT(k, r->pool);
	EQ(rw->seen[k], 0);
	rw->seen[k] = 1;
	EQ((int)bb->gw, r->gw[k]);
	UEQ(bb->since, r->since[k]);
	rw->count++;
	return 0;
}

static void ref_check_all(const struct balance *b, const struct ref *r)
{
	static struct ref_walk rw;
	static struct nfqlb_addr all[REF_POOL];
	static int out[REF_POOL];
	int hits = 0;

	memset(&rw, 0, sizeof(rw));
	rw.r = r;
	EQ(balance_foreach(b, ref_walk_cb, &rw), 0);
	UEQ(rw.count, r->n);
	memset(all, 0, sizeof(all));
	for (uint32_t k = 0; k < r->pool; k++) {
		struct nfqlb_addr *a = &all[k];

		a->family = AF_INET;
		a->v4.s_addr = r->ip[k];
		EQ(rw.seen[k], r->gw[k] >= 0);
		EQ(balance_lookup(b, a), r->gw[k]);
		hits += r->gw[k] >= 0;
	}
	/* the whole pool in one call: several batches, hits and misses */
	EQ(balance_lookup_many(b, all, r->pool, out), hits);
	for (uint32_t k = 0; k < r->pool; k++)
		EQ(out[k], r->gw[k]);
	EQ(balance_table_stats(b, NULL, NULL), 0);
}

static void ref_run(uint64_t seed, int ops)
{
	/* 9, 18 and 36 fill 1, 2 and 4 buckets to the load limit */
	static const uint32_t maxes[] = { 1, 2, 3, 5, 12, 40, 100, 300, 18, 36 };
	static struct ref r;
	struct balance *b;
	struct nfqlb_addr a;

	memset(&r, 0, sizeof(r));
	rng_seed(seed);
	r.max = maxes[seed % (sizeof(maxes) / sizeof(maxes[0]))];
	r.pool = r.max + r.max / 2 + 2;
	ULE(r.pool, REF_POOL);
	for (uint32_t k = 0; k < r.pool; k++) {
		uint32_t ip;
		int dup;

		do {
			/* half clustered in one /24-ish range, half anywhere */
			ip = k & 1 ? rng() : 0x0a000000 + rng_below(1024);
			dup = ip == 0;
			for (uint32_t j = 0; j < k && !dup; j++)
				dup = r.ip[j] == htonl(ip);
		} while (dup);
		r.ip[k] = htonl(ip);
		r.gw[k] = -1;
	}

	b = balance_new(r.max);
	ck_assert_ptr_nonnull(b);
	r.ngw = 1 + rng_below(6);
	for (unsigned g = 0; g < r.ngw; g++) {
		r.w[g] = ref_weight();
		EQ(balance_gw_add(b, r.w[g]), (int)g);
	}

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	for (int op = 0; op < ops; op++) {
		uint32_t k = rng_below(r.pool), now = (uint32_t)op;
		uint32_t what = rng_below(100);
		int got, want, created;

		a.v4.s_addr = r.ip[k];
		if (what < 45) {
			/* assign */
			errno = 0;
			got = balance_assign(b, &a, now, &created);
			if (r.gw[k] >= 0) {
				EQ(got, r.gw[k]);
				EQ(created, 0);
			} else if (r.n == r.max) {
				EQ(got, -1);
				EQ(errno, ENOSPC);
				EQ(created, 0);
			} else if ((want = ref_pick(&r)) < 0) {
				EQ(got, -1);
				EQ(errno, ENETUNREACH);
				EQ(created, 0);
			} else {
				EQ(got, want);
				EQ(created, 1);
				r.gw[k] = want;
				r.since[k] = now;
				r.c[want]++;
				r.n++;
			}
		} else if (what < 70) {
			/* release */
			got = balance_release(b, &a);
			EQ(got, r.gw[k]);
			if (r.gw[k] >= 0) {
				r.c[r.gw[k]]--;
				r.n--;
				r.gw[k] = -1;
			}
		} else if (what < 78) {
			/* set_weight, sometimes on a gateway that isn't there */
			unsigned g = rng_below(r.ngw + 1);
			uint32_t nw = ref_weight();

			errno = 0;
			got = balance_gw_set_weight(b, g, nw);
			if (g < r.ngw) {
				EQ(got, 0);
				r.w[g] = nw;
			} else {
				EQ(got, -1);
				EQ(errno, EINVAL);
			}
		} else if (what < 90) {
			/* bind */
			unsigned g = rng_below(r.ngw + 1);

			errno = 0;
			got = balance_bind(b, &a, g, now);
			if (g >= r.ngw) {
				EQ(got, -1);
				EQ(errno, EINVAL);
			} else if (r.gw[k] < 0 && r.n == r.max) {
				EQ(got, -1);
				EQ(errno, ENOSPC);
			} else {
				EQ(got, 0);
				if (r.gw[k] >= 0)
					r.c[r.gw[k]]--;
				else
					r.n++;
				r.gw[k] = (int)g;
				r.since[k] = now;
				r.c[g]++;
			}
		} else if (what < 97) {
			EQ(balance_lookup(b, &a), r.gw[k]);
		} else {
			/* add a gateway, up to the limit and then past it */
			uint32_t nw = ref_weight();

			errno = 0;
			got = balance_gw_add(b, nw);
			if (r.ngw < BALANCE_MAX_GW) {
				EQ(got, (int)r.ngw);
				r.w[r.ngw++] = nw;
			} else {
				EQ(got, -1);
				EQ(errno, ENOSPC);
			}
		}
		ref_check_counts(b, &r);
		if (op % 500 == 0)
			ref_check_all(b, &r);
	}
	ref_check_all(b, &r);
	balance_free(b);
}

START_TEST(test_randomized)
{
	/* _i is the loop index of tcase_add_loop_test: one seed each */
	ref_run((uint64_t)_i, 5000);
}
END_TEST

/* ---- addr.c ---- */

START_TEST(test_addr_parse)
{
	static const char *const good4[] = {
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1",
	};
	static const char *const good6[] = {
		"::", "::1", "2001:db8::1", "fe80::1:2:3:4", "::ffff:1.2.3.4",
	};
	static const char *const bad[] = {
		"", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4x", "300.1.1.1",
		"1.2.3", "1.2.3.4.5", "1.2.3.4/32", "a.b.c.d", "1..2.3",
		"-1.2.3.4", "2001:db8::g", "2001:db8:::1", ":::", "1.2.3.4\n",
		"localhost",
	};
	struct nfqlb_addr a;
	char buf[NFQLB_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(good4) / sizeof(good4[0]); i++) {
		EQ(addr_parse(good4[i], &a), 0);
		EQ(a.family, AF_INET);
		ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), good4[i]);
	}
	for (size_t i = 0; i < sizeof(good6) / sizeof(good6[0]); i++) {
		EQ(addr_parse(good6[i], &a), 0);
		EQ(a.family, AF_INET6);
		ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), good6[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		ck_assert_msg(addr_parse(bad[i], &a) == -1, "accepted '%s'",
			      bad[i]);
		/* a failed parse leaves the output alone */
		EQ(a.family, 0x5a);
	}
	EQ(addr_parse(NULL, &a), -1);
	EQ(addr_parse("1.2.3.4", NULL), -1);

	EQ(addr_parse("192.168.1.2", &a), 0);
	UEQ(ntohl(a.v4.s_addr), 0xc0a80102);
	/* the rest of the union is zeroed */
	for (size_t i = sizeof(a.v4); i < sizeof(a.v6); i++)
		UEQ(a.v6.s6_addr[i], 0);

	/* formatting never overruns and never leaves junk */
	ck_assert_str_eq(addr_format(&a, buf, 4), "?");
	memset(&a, 0, sizeof(a));
	ck_assert_str_eq(addr_format(&a, buf, sizeof(buf)), "?");
	ck_assert_ptr_eq(addr_format(NULL, buf, sizeof(buf)), buf);
}
END_TEST

START_TEST(test_net4_parse)
{
	static const struct {
		const char *s;
		uint32_t addr;
		uint8_t plen;
	} good[] = {
		{ "10.0.0.0/8", 0x0a000000, 8 },
		{ "192.168.1.0/24", 0xc0a80100, 24 },
		{ "1.2.3.4/32", 0x01020304, 32 },
		{ "0.0.0.0/0", 0, 0 },
		{ "172.16.0.0/12", 0xac100000, 12 },
		{ "1.2.3.128/25", 0x01020380, 25 },
	};
	static const char *const bad[] = {
		"", "1.2.3.0", "1.2.3.0/", "/24", "1.2.3.0/33", "1.2.3.4/24",
		"10.0.0.1/8", "1.2.3.0/-1", "1.2.3.0/+24", "1.2.3.0/24x",
		"1.2.3.0/ 24", " 1.2.3.0/24", "1.2.3.0 /24", "1.2.3.0/024",
		"1.2.3.0/100", "300.1.1.0/24", "1.2.3.0/24/", "1.2.3.0/2 4",
		"1.0.0.0/0", "::/0", "1.2.3.255.255.255/24",
	};
	struct nfqlb_net4 n;
	struct in_addr x;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(net4_parse(good[i].s, &n) == 0, "refused '%s'",
			      good[i].s);
		UEQ(ntohl(n.addr.s_addr), good[i].addr);
		UEQ(n.plen, good[i].plen);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(net4_parse(bad[i], &n) == -1, "accepted '%s'",
			      bad[i]);
	EQ(net4_parse(NULL, &n), -1);
	EQ(net4_parse("1.2.3.0/24", NULL), -1);

	EQ(net4_parse("192.168.1.0/24", &n), 0);
	x.s_addr = htonl(0xc0a80100);
	ck_assert(net4_contains(&n, x));
	x.s_addr = htonl(0xc0a801ff);
	ck_assert(net4_contains(&n, x));
	x.s_addr = htonl(0xc0a80200);
	ck_assert(!net4_contains(&n, x));
	x.s_addr = htonl(0xc0a800ff);
	ck_assert(!net4_contains(&n, x));

	EQ(net4_parse("0.0.0.0/0", &n), 0);
	x.s_addr = htonl(0xffffffff);
	ck_assert(net4_contains(&n, x));
	EQ(net4_parse("1.2.3.4/32", &n), 0);
	x.s_addr = htonl(0x01020304);
	ck_assert(net4_contains(&n, x));
	x.s_addr = htonl(0x01020305);
	ck_assert(!net4_contains(&n, x));
	EQ(net4_parse("1.2.3.128/25", &n), 0);
	x.s_addr = htonl(0x0102037f);
	ck_assert(!net4_contains(&n, x));
	x.s_addr = htonl(0x01020380);
	ck_assert(net4_contains(&n, x));
}
END_TEST

static Suite *balance_suite(void)
{
	Suite *s = suite_create("balance");
	TCase *tc;

	tc = tcase_create("pick");
	tcase_add_test(tc, test_alcasar_equal);
	tcase_add_test(tc, test_alcasar_weighted);
	tcase_add_test(tc, test_ties_first);
	tcase_add_test(tc, test_big_weights);
	tcase_add_test(tc, test_drain);
	tcase_add_test(tc, test_weights_112);
	tcase_add_test(tc, test_unavailable);
	tcase_add_test(tc, test_rebalance);
	tcase_add_test(tc, test_rebalance_random);
	tcase_add_test(tc, test_many_gw);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_lookup_release);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_bind_moves);
	tcase_add_test(tc, test_assign_to);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_test(tc, test_new_limits);
	tcase_add_test(tc, test_foreach_stop);
	tcase_add_test(tc, test_delete_collisions);
	tcase_add_test(tc, test_lookup_many);
	tcase_add_test(tc, test_churn_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("randomized");
	/* generous: ASan/UBSan builds run the same 100k operations */
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_randomized, 0, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("addr");
	tcase_add_test(tc, test_addr_parse);
	tcase_add_test(tc, test_net4_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(balance_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
