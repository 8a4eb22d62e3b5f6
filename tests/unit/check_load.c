// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_load.c - unit tests of the load-aware core (core/load.c):
 * capacities, exact utilization order, the typical demand, the pick
 * (against balance_pick() itself when the box is idle, and against a
 * reference of scaled integers written from the spec otherwise, over
 * every small configuration), and quiet rebalancing (margin, hold,
 * hysteresis, rate limit, and a simulation that must never oscillate).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "core/addr.h"
#include "core/balance.h"
#include "core/load.h"

#define EQ(x, y) do {							\
	long long x_ = (long long)(x), y_ = (long long)(y);		\
	if (x_ != y_)							\
		ck_abort_msg("%s == %s failed: %lld vs %lld", #x, #y, x_, y_); \
} while (0)

static const uint64_t zero[LOAD_DIRS];

static struct load_gw gw(uint32_t weight, uint32_t clients, uint64_t down,
			 uint64_t up)
{
	struct load_gw g = { .weight = weight, .clients = clients, .available = 1 };

	g.rate[LOAD_DOWN] = down;
	g.rate[LOAD_UP] = up;
	return g;
}

START_TEST(test_capacity)
{
	struct load_gw g[3] = { gw(1, 0, 0, 0), gw(2, 0, 0, 0), gw(0, 0, 0, 0) };

	/* Nobody declares: the weight itself. */
	EQ(load_capacity(g, 3, 0, LOAD_DOWN), 1);
	EQ(load_capacity(g, 3, 1, LOAD_UP), 2);
	EQ(load_capacity(g, 3, 2, LOAD_DOWN), 0);
	/* One declares 1000 for weight 1: the other gets 1000 per weight unit. */
	g[0].bandwidth[LOAD_DOWN] = 1000;
	EQ(load_capacity(g, 3, 0, LOAD_DOWN), 1000);
	EQ(load_capacity(g, 3, 1, LOAD_DOWN), 2000);
	EQ(load_capacity(g, 3, 1, LOAD_UP), 2);	/* per direction */
	/* Mean per weight over the declared: (1000 + 5000) / (1 + 2). */
	g[1].bandwidth[LOAD_DOWN] = 5000;
	g[2].weight = 4;
	EQ(load_capacity(g, 3, 2, LOAD_DOWN), 8000);
	/* A drained declared gateway's bandwidth is its own, not a unit's. */
	g[0].weight = 0;
	EQ(load_capacity(g, 3, 0, LOAD_DOWN), 1000);
	EQ(load_capacity(g, 3, 2, LOAD_DOWN), 4 * 5000 / 2);
	/* Clamped, never 0 for a weight, out of range is 0. */
	g[1].bandwidth[LOAD_DOWN] = UINT64_MAX;
	EQ(load_capacity(g, 3, 1, LOAD_DOWN), LOAD_MAX_RATE);
	EQ(load_capacity(g, 3, 2, LOAD_DOWN), LOAD_MAX_RATE);
	g[1].bandwidth[LOAD_DOWN] = 1;
	g[1].weight = 1000000;
	EQ(load_capacity(g, 3, 2, LOAD_DOWN), 1);
	EQ(load_capacity(g, 3, 3, LOAD_DOWN), 0);
	EQ(load_capacity(g, 3, 0, 2), 0);
}
END_TEST

START_TEST(test_util_cmp)
{
	struct load_gw g[3] = { gw(1, 0, 10, 0), gw(2, 0, 19, 0), gw(1, 0, 0, 0) };
	uint64_t add[LOAD_DIRS] = { 1, 0 };

	/* 10/1 > 19/2; 10/1 == 20/2 once 1 is added to the second. */
	ck_assert_int_gt(load_util_cmp(g, 3, 0, NULL, 1, NULL), 0);
	EQ(load_util_cmp(g, 3, 0, NULL, 1, add), 0);
	ck_assert_int_lt(load_util_cmp(g, 3, 1, NULL, 0, NULL), 0);
	/* The larger direction counts. */
	g[2].rate[LOAD_UP] = 11;
	ck_assert_int_gt(load_util_cmp(g, 3, 2, NULL, 0, NULL), 0);
	/* No capacity with traffic: infinite; without: zero. */
	g[2].weight = 0;
	ck_assert_int_gt(load_util_cmp(g, 3, 2, NULL, 0, NULL), 0);
	g[2].rate[LOAD_UP] = 0;
	ck_assert_int_lt(load_util_cmp(g, 3, 2, NULL, 0, NULL), 0);
	EQ(load_util_cmp(g, 3, 2, NULL, 2, NULL), 0);
	/* Huge values stay exact: (2^40) / (2^40) == (2^40 - 1 + 1) / 2^40. */
	g[0].bandwidth[LOAD_DOWN] = g[1].bandwidth[LOAD_DOWN] = LOAD_MAX_RATE;
	g[0].rate[LOAD_DOWN] = LOAD_MAX_RATE;
	g[1].rate[LOAD_DOWN] = LOAD_MAX_RATE - 1;
	ck_assert_int_gt(load_util_cmp(g, 3, 0, NULL, 1, NULL), 0);
	EQ(load_util_cmp(g, 3, 0, NULL, 1, add), 0);
	g[1].rate[LOAD_DOWN] = UINT64_MAX;	/* clamped */
	EQ(load_util_cmp(g, 3, 0, NULL, 1, add), 0);
	EQ(load_util_cmp(g, 3, 0, NULL, 7, NULL), 0);
}
END_TEST

START_TEST(test_typical)
{
	uint64_t r[7] = { 5, 0, 100, 7, 3, 0, 50 };
	uint64_t one[1] = { 9 };

	EQ(load_typical(NULL, 3, 0), 0);
	EQ(load_typical(r, 0, 0), 0);
	EQ(load_typical(one, 1, 10), 0);
	EQ(load_typical(one, 1, 9), 9);
	/* Active (>= 4): 5 7 50 100: the lower median, 7. */
	EQ(load_typical(r, 7, 4), 7);
	/* Everyone (>= 0): 0 0 3 5 7 50 100: 5. */
	EQ(load_typical(r, 7, 0), 5);
	EQ(load_typical(r, 7, 51), 100);
	EQ(load_typical(r, 7, 101), 0);
}
END_TEST

/* The real balance core with these weights, clients and availability. */
static int balance_reference(const struct load_gw *g, unsigned n)
{
	struct balance *b = balance_new(64);
	uint32_t ip = 1;
	int r;

	ck_assert_ptr_nonnull(b);
	for (unsigned i = 0; i < n; i++) {
		balance_gw_add(b, g[i].weight);
		for (uint32_t c = 0; c < g[i].clients; c++) {
			struct nfqlb_addr a = { .family = AF_INET };

			a.v4.s_addr = htonl(0x0a000000 + ip++);
			ck_assert_int_eq(balance_bind(b, &a, i, 0), 0);
		}
		balance_gw_set_available(b, i, g[i].available);
	}
	r = balance_pick(b);
	balance_free(b);
	return r;
}

/* Every configuration of 3 gateways, weights 0..2, clients 0..2, up or down. */
START_TEST(test_pick_idle_is_users_rule)
{
	struct load_gw g[3];
	uint64_t t[LOAD_DIRS] = { 1000, 10 };
	unsigned cfgs = 1;

	for (int k = 0; k < 3; k++)
		cfgs *= 3 * 3 * 2;
	for (unsigned c = 0; c < cfgs; c++) {
		unsigned x = c;

		for (int k = 0; k < 3; k++) {
			g[k] = gw(x % 3, (x / 3) % 3, 0, 0);
			g[k].available = (x / 9) % 2;
			/* Below the floor, summed: still idle. */
			g[k].rate[LOAD_DOWN] = (uint64_t)k;
			x /= 18;
		}
		EQ(load_pick(g, 3, t, 4), balance_reference(g, 3));
		EQ(load_pick(g, 3, zero, 4), balance_reference(g, 3));
	}
}
END_TEST

/*
 * The spec, with scaled integers: every capacity used here divides
 * 720720, so (rate + t) * 720720 / cap is exact.
 */
#define SCALE 720720u

static uint64_t ref_util(const struct load_gw *g, unsigned n, unsigned i,
			 const uint64_t *t)
{
	uint64_t u = 0;

	for (int d = 0; d < LOAD_DIRS; d++) {
		uint64_t cap = load_capacity(g, n, i, d);
		uint64_t v = (g[i].rate[d] + t[d]) * SCALE / cap;

		ck_assert_uint_eq((g[i].rate[d] + t[d]) * SCALE % cap, 0);
		u = v > u ? v : u;
	}
	return u;
}

static int ref_pick(const struct load_gw *g, unsigned n, const uint64_t *t)
{
	int best = -1;
	uint64_t bu = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t u;

		if (!g[i].weight || !g[i].available)
			continue;
		u = ref_util(g, n, i, t);
		/* lower utilization, or equal and fewer clients per weight */
		if (best < 0 || u < bu ||
		    (u == bu && (double)g[i].clients / g[i].weight <
		     (double)g[best].clients / g[best].weight)) {
			best = (int)i;
			bu = u;
		}
	}
	return best;
}

START_TEST(test_pick_busy_reference)
{
	static const uint64_t bw[] = { 0, 10, 40 };	/* declared (down) */
	struct load_gw g[3];
	uint64_t t[LOAD_DIRS] = { 3, 1 };
	unsigned cfgs = 1, checked = 0;

	for (int k = 0; k < 3; k++)
		cfgs *= 3 * 3 * 2 * 4 * 3;
	for (unsigned c = 0; c < cfgs; c++) {
		unsigned x = c;
		int want;

		for (int k = 0; k < 3; k++) {
			g[k] = gw(1 + x % 3, (x / 3) % 3, 0, 0);
			g[k].available = (x / 9) % 2;
			g[k].rate[LOAD_DOWN] = ((x / 18) % 4) * 5;
			g[k].bandwidth[LOAD_DOWN] = bw[(x / 72) % 3];
			g[k].rate[LOAD_UP] = (x / 18) % 4 == 3 ? 2 : 0;
			x /= 216;
		}
		if (c % 5 == 0)
			g[c % 3].weight = 0;	/* some drained */
		for (int k = 0; k < 3; k++)
			if (g[k].weight && load_capacity(g, 3, k, LOAD_DOWN) &&
			    SCALE % load_capacity(g, 3, k, LOAD_DOWN))
				goto skip;
		want = ref_pick(g, 3, t);
		/* Floor 1: busy as soon as any rate is non-zero, any gateway's. */
		if (g[0].rate[0] + g[1].rate[0] + g[2].rate[0] +
		    g[0].rate[1] + g[1].rate[1] + g[2].rate[1] == 0)
			want = balance_reference(g, 3);
		if (load_pick(g, 3, t, 1) != want)
			ck_abort_msg("cfg %u: %d vs %d: w %u %u %u c %u %u %u a %d %d %d "
				     "r %lu %lu %lu u %lu %lu %lu bw %lu %lu %lu", c,
				     load_pick(g, 3, t, 1), want,
				     g[0].weight, g[1].weight, g[2].weight,
				     g[0].clients, g[1].clients, g[2].clients,
				     g[0].available, g[1].available, g[2].available,
				     g[0].rate[0], g[1].rate[0], g[2].rate[0],
				     g[0].rate[1], g[1].rate[1], g[2].rate[1],
				     g[0].bandwidth[0], g[1].bandwidth[0], g[2].bandwidth[0]);
		checked++;
skip:
		;
	}
	ck_assert_uint_gt(checked, cfgs / 2);
}
END_TEST

START_TEST(test_pick_cases)
{
	struct load_gw g[3] = { gw(1, 5, 2000, 0), gw(1, 0, 0, 0), gw(1, 0, 0, 0) };
	uint64_t t[LOAD_DIRS] = { 100, 0 };

	/* Busy box: the idle ones tie; fewer clients/weight, then the first. */
	EQ(load_pick(g, 3, t, 1000), 1);
	g[1].clients = 1;
	EQ(load_pick(g, 3, t, 1000), 2);
	/* Down and drained take nobody, whatever their load. */
	g[2].available = 0;
	EQ(load_pick(g, 3, t, 1000), 1);
	g[1].weight = 0;
	EQ(load_pick(g, 3, t, 1000), 0);
	g[0].available = 0;
	EQ(load_pick(g, 3, t, 1000), LOAD_NO_GW);
	EQ(load_pick(NULL, 3, t, 1000), LOAD_NO_GW);
	EQ(load_pick(g, 0, t, 1000), LOAD_NO_GW);
	/* Declared bandwidths: 2000 on 100000 beats 100 on 1000. */
	g[0] = gw(1, 9, 2000, 0);
	g[1] = gw(1, 0, 100, 0);
	g[2] = gw(0, 0, 0, 0);
	g[0].bandwidth[LOAD_DOWN] = 100000;
	g[1].bandwidth[LOAD_DOWN] = 1000;
	EQ(load_pick(g, 3, t, 1), 0);
	/* ... and the up direction can decide alone. */
	g[0].rate[LOAD_UP] = 50;
	g[0].bandwidth[LOAD_UP] = 100;
	g[1].bandwidth[LOAD_UP] = 1000;
	EQ(load_pick(g, 3, t, 1), 1);
	/* Weight 2 holds twice the load at the same utilization. */
	g[0] = gw(2, 0, 1000, 0);
	g[1] = gw(1, 0, 500, 0);
	t[LOAD_DOWN] = 0;
	EQ(load_pick(g, 3, t, 1), 0);	/* tie, 0/2 == 0/1, the first */
	g[0].clients = 3;
	g[1].clients = 1;
	EQ(load_pick(g, 3, t, 1), 1);	/* tie, 1/1 < 3/2 */
	t[LOAD_DOWN] = 2;		/* 1002/2 < 502/1 */
	EQ(load_pick(g, 3, t, 1), 0);
}
END_TEST

static const struct load_rb_params rbp = {
	.margin_pct = 50, .hold = 5, .interval = 2, .floor = 100,
};

START_TEST(test_rebalance_rules)
{
	struct load_gw g[3] = { gw(1, 6, 3000, 0), gw(1, 2, 1000, 0), gw(1, 2, 1000, 0) };
	uint64_t t[LOAD_DIRS] = { 500, 0 };
	struct load_rb_state st = { 0 };
	unsigned from = 9, to = 9;
	uint32_t now = 100;

	g[0].idle = 3;
	g[1].idle = 1;
	/* Held for 5 s before the first move. */
	for (; now < 105; now++)
		EQ(load_rebalance(&st, &rbp, g, 3, t, now, &from, &to), 0);
	EQ(load_rebalance(&st, &rbp, g, 3, t, now, &from, &to), 1);
	EQ(from, 0);
	/* The coolest in expected load: 2 (1000) before 1 (1000 + 500). */
	EQ(to, 2);
	g[0].idle--, g[0].clients--, g[2].idle++, g[2].clients++;
	/* Then one move per interval. */
	EQ(load_rebalance(&st, &rbp, g, 3, t, now + 1, &from, &to), 0);
	EQ(load_rebalance(&st, &rbp, g, 3, t, now + 2, &from, &to), 1);
	EQ(from, 0);
	EQ(to, 1);	/* 1 and 2 tie at 1500: the first */
	g[0].idle--, g[0].clients--, g[1].idle++, g[1].clients++;
	/* 0 (3000) gives to 2 (1000 + 500 expected): 1000 + 500 <= 3000. */
	EQ(load_rebalance(&st, &rbp, g, 3, t, now + 3, &from, &to), 0);
	EQ(load_rebalance(&st, &rbp, g, 3, t, now + 4, &from, &to), 1);
	EQ(to, 2);
	g[0].idle--, g[0].clients--, g[2].idle++, g[2].clients++;
	/* No idle user left on the hot one; the others are even: disarmed. */
	EQ(load_rebalance(&st, &rbp, g, 3, t, now + 6, &from, &to), 0);
	EQ(st.armed, 0);
}
END_TEST

START_TEST(test_rebalance_hysteresis)
{
	struct load_gw g[2] = { gw(1, 4, 1600, 0), gw(1, 0, 1000, 0) };
	uint64_t t[LOAD_DIRS] = { 1, 0 };
	struct load_rb_state st = { 0 };
	unsigned from, to;

	g[0].idle = 4;
	/* 1600 > 1000 * 1.5: armed. */
	EQ(load_rebalance(&st, &rbp, g, 2, t, 10, &from, &to), 0);
	EQ(st.armed, 1);
	EQ(st.since, 10);
	/* 1400 is under the margin but over half of it: still armed. */
	g[0].rate[LOAD_DOWN] = 1400;
	EQ(load_rebalance(&st, &rbp, g, 2, t, 12, &from, &to), 0);
	EQ(st.since, 10);
	EQ(load_rebalance(&st, &rbp, g, 2, t, 15, &from, &to), 1);
	/* 1250 is not above 1000 * 1.25: disarmed, and the hold restarts. */
	g[0].rate[LOAD_DOWN] = 1250;
	EQ(load_rebalance(&st, &rbp, g, 2, t, 17, &from, &to), 0);
	EQ(st.armed, 0);
	g[0].rate[LOAD_DOWN] = 1400;	/* not enough to arm again */
	EQ(load_rebalance(&st, &rbp, g, 2, t, 18, &from, &to), 0);
	EQ(st.armed, 0);
	g[0].rate[LOAD_DOWN] = 1600;
	EQ(load_rebalance(&st, &rbp, g, 2, t, 19, &from, &to), 0);
	EQ(st.since, 19);
	EQ(load_rebalance(&st, &rbp, g, 2, t, 23, &from, &to), 0);
	EQ(load_rebalance(&st, &rbp, g, 2, t, 24, &from, &to), 1);
}
END_TEST

START_TEST(test_rebalance_refusals)
{
	struct load_gw g[2] = { gw(1, 4, 90, 0), gw(1, 0, 0, 0) };
	uint64_t t[LOAD_DIRS] = { 10, 0 };
	struct load_rb_state st = { 0 };
	struct load_rb_params p = rbp;
	unsigned from, to;

	p.hold = 0;
	g[0].idle = 4;
	/* Below the floor nothing is hot. */
	EQ(load_rebalance(&st, &p, g, 2, t, 1, &from, &to), 0);
	g[0].rate[LOAD_DOWN] = 100;
	EQ(load_rebalance(&st, &p, g, 2, t, 1, &from, &to), 1);
	/* No typical demand: moving changes nothing. */
	st = (struct load_rb_state){ 0 };
	EQ(load_rebalance(&st, &p, g, 2, zero, 1, &from, &to), 0);
	/* The taker with the user at typical demand, against the giver now. */
	t[LOAD_DOWN] = 60;	/* 0 + 60 <= 100 */
	EQ(load_rebalance(&st, &p, g, 2, t, 2, &from, &to), 1);
	g[1].idle = 4;		/* its idle users add nothing measured: still */
	EQ(load_rebalance(&st, &p, g, 2, t, 4, &from, &to), 1);
	t[LOAD_DOWN] = 100;	/* 0 + 100 <= 100: even is allowed */
	EQ(load_rebalance(&st, &p, g, 2, t, 6, &from, &to), 1);
	t[LOAD_DOWN] = 101;	/* 0 + 101 > 100: the taker would be hotter */
	EQ(load_rebalance(&st, &p, g, 2, t, 8, &from, &to), 0);
	t[LOAD_DOWN] = 60;
	g[1].rate[LOAD_DOWN] = 41;	/* 41 + 60 > 100 (and 100 > 41 * 1.5) */
	EQ(load_rebalance(&st, &p, g, 2, t, 10, &from, &to), 0);
	g[1].rate[LOAD_DOWN] = 40;	/* 40 + 60 <= 100 */
	EQ(load_rebalance(&st, &p, g, 2, t, 12, &from, &to), 1);
	g[1].rate[LOAD_DOWN] = 0;
	/* Drained or down: neither gives nor takes. */
	g[1].idle = 0;
	g[1].weight = 0;
	EQ(load_rebalance(&st, &p, g, 2, t, 14, &from, &to), 0);
	g[1].weight = 1;
	g[1].available = 0;
	EQ(load_rebalance(&st, &p, g, 2, t, 16, &from, &to), 0);
	g[1].available = 1;
	EQ(load_rebalance(&st, &p, g, 2, t, 18, &from, &to), 1);
	g[0].weight = 0;
	EQ(load_rebalance(&st, &p, g, 2, t, 20, &from, &to), 0);
	EQ(load_rebalance(NULL, &p, g, 2, t, 20, &from, &to), 0);
	EQ(load_rebalance(&st, NULL, g, 2, t, 20, &from, &to), 0);
}
END_TEST

/*
 * t_load's scenario: three busy users sharing a saturated link evenly
 * (typical = a third of it), two idle users with them, two idle and two
 * light users on each cold link.  Both idle users of the hot link leave,
 * one to each cold link, then the moves stop.
 */
START_TEST(test_rebalance_saturated_even)
{
	struct load_gw g[3] = { gw(1, 5, 1200000, 40000), gw(1, 4, 464, 464),
				gw(1, 4, 464, 464) };
	uint64_t t[LOAD_DIRS] = { 400000, 13000 };
	struct load_rb_state st = { 0 };
	struct load_rb_params p = { 25, 2, 1, 12500 };
	unsigned from, to, moves = 0, now;

	for (int k = 0; k < 3; k++)
		g[k].bandwidth[LOAD_DOWN] = g[k].bandwidth[LOAD_UP] = 1250000;
	g[0].idle = g[1].idle = g[2].idle = 2;
	for (now = 10; now < 40; now += 3) {
		if (!load_rebalance(&st, &p, g, 3, t, now, &from, &to))
			continue;
		EQ(from, 0);
		EQ(to, 1 + moves);
		g[from].idle--, g[from].clients--;
		g[to].idle++, g[to].clients++;
		moves++;
	}
	EQ(moves, 2);
	EQ(g[0].idle, 0);
}
END_TEST

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Random gateways and rates held still: apply every move asked for.
 * Every move goes from a hotter gateway to a cooler one (measured), so
 * none is followed by one back and the moves stop: each idle user moves
 * at most n - 1 times.
 */
START_TEST(test_rebalance_converges)
{
	uint32_t seed = 0x9e3779b9u + (uint32_t)_i;
	unsigned total = 0;

	for (int round = 0; round < 300; round++) {
		struct load_gw g[4];
		uint64_t t[LOAD_DIRS] = { 1 + rnd(&seed) % 1000, rnd(&seed) % 100 };
		struct load_rb_state st = { 0 };
		struct load_rb_params p = { 20, 0, 0, 1 };
		unsigned n = 2 + rnd(&seed) % 3, moves = 0, idle = 0;
		int dir[4][4] = { { 0 } };

		for (unsigned k = 0; k < n; k++) {
			g[k] = gw(rnd(&seed) % 4, 0, rnd(&seed) % 100000,
				  rnd(&seed) % 10000);
			g[k].idle = rnd(&seed) % 20;
			g[k].clients = g[k].idle + rnd(&seed) % 5;
			g[k].available = rnd(&seed) % 8 != 0;
			if (rnd(&seed) % 2)
				g[k].bandwidth[LOAD_DOWN] = 1 + rnd(&seed) % 200000;
			idle += g[k].idle;
		}
		for (uint32_t now = 1; now < 1000; now++) {
			unsigned from, to;

			if (!load_rebalance(&st, &p, g, n, t, now, &from, &to))
				continue;
			ck_assert_uint_ne(from, to);
			ck_assert(g[from].weight && g[from].available && g[from].idle);
			ck_assert(g[to].weight && g[to].available);
			ck_assert_msg(!dir[to][from], "round %d: moved back %u -> %u",
				      round, to, from);
			ck_assert_int_gt(load_util_cmp(g, n, from, NULL, to, NULL), 0);
			dir[from][to] = 1;
			g[from].idle--, g[from].clients--;
			g[to].idle++, g[to].clients++;
			moves++;
		}
		ck_assert_uint_le(moves, idle * (n - 1));
		total += moves;
	}
	ck_assert_uint_gt(total, 300);	/* the run did move users */
}
END_TEST

START_TEST(test_ewma)
{
	uint64_t r = 0;
	int s;

	for (s = 0; s < 200 && r != 1000000; s++)
		r = load_ewma(r, 1000000);
	EQ(r, 1000000);
	ck_assert_int_gt(s, 20);	/* smoothed: not there in a few seconds */
	EQ(load_ewma(0, 800), 100);
	EQ(load_ewma(800, 0), 700);
	EQ(load_ewma(1, 0), 0);
	EQ(load_ewma(0, 1), 1);
	for (s = 0; s < 400 && r; s++)
		r = load_ewma(r, 0);
	EQ(r, 0);
	EQ(load_ewma(UINT64_MAX, UINT64_MAX), LOAD_MAX_RATE);
}
END_TEST

static Suite *load_suite(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_capacity);
	tcase_add_test(tc, test_util_cmp);
	tcase_add_test(tc, test_typical);
	tcase_add_test(tc, test_pick_idle_is_users_rule);
	tcase_add_test(tc, test_pick_busy_reference);
	tcase_add_test(tc, test_pick_cases);
	tcase_add_test(tc, test_rebalance_rules);
	tcase_add_test(tc, test_rebalance_hysteresis);
	tcase_add_test(tc, test_rebalance_refusals);
	tcase_add_test(tc, test_rebalance_saturated_even);
	tcase_add_loop_test(tc, test_rebalance_converges, 0, 10);
	tcase_add_test(tc, test_ewma);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(load_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
