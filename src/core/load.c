// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * load.c - load-aware choice and quiet rebalancing (see load.h).
 *
 * A utilization is a fraction rate / capacity; a gateway's is the
 * larger of its two directions'.  Fractions are never divided out:
 * x/y < z/w is x*w < z*y in 128 bits, which is exact because every
 * rate and capacity is clamped to 2^40 (and a capacity derived from a
 * weight, at most 10^6 * 2^40 / 1, is clamped the same way).
 */
#include <stdlib.h>

#include "core/load.h"

typedef unsigned __int128 u128;

struct frac {
	uint64_t num, den;	/* den 0: infinite if num, else 0 */
};

static uint64_t clamp(uint64_t v)
{
	return v > LOAD_MAX_RATE ? LOAD_MAX_RATE : v;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return clamp(clamp(a) + clamp(b));
}

/* Drained and down gateways take nobody. */
static int takes(const struct load_gw *g)
{
	return g->weight && g->available;
}

uint64_t load_capacity(const struct load_gw *g, unsigned n, unsigned i, int dir)
{
	u128 cap = 0, w = 0, c;

	if (i >= n || dir < 0 || dir >= LOAD_DIRS)
		return 0;
	if (g[i].bandwidth[dir])
		return clamp(g[i].bandwidth[dir]);
	/* Undeclared: the declared gateways' mean bandwidth per weight unit. */
	for (unsigned k = 0; k < n; k++) {
		if (!g[k].bandwidth[dir] || !g[k].weight)
			continue;
		cap += clamp(g[k].bandwidth[dir]);
		w += g[k].weight;
	}
	if (!w)
		return g[i].weight;
	c = (u128)g[i].weight * cap / w;
	return c > LOAD_MAX_RATE ? LOAD_MAX_RATE : c ? (uint64_t)c : 1;
}

/* a < b, a == b, a > b for fractions, a zero denominator being infinite. */
static int frac_cmp(struct frac a, struct frac b)
{
	u128 l, r;

	if (!a.den || !b.den) {
		int ia = !a.den && a.num, ib = !b.den && b.num;

		if (ia || ib)
			return ia - ib;
		/* 0/0 is an idle direction of no capacity: utilization 0. */
		a.num = a.den ? a.num : 0;
		b.num = b.den ? b.num : 0;
		a.den = a.den ? a.den : 1;
		b.den = b.den ? b.den : 1;
	}
	l = (u128)a.num * b.den;
	r = (u128)b.num * a.den;
	return (l > r) - (l < r);
}

static struct frac util_of(const struct load_gw *g, unsigned n, unsigned i,
			   const uint64_t add[LOAD_DIRS])
{
	struct frac best = { 0, 1 };

	for (int d = 0; d < LOAD_DIRS; d++) {
		struct frac f = {
			sat_add(g[i].rate[d], add ? add[d] : 0),
			load_capacity(g, n, i, d),
		};

		if (frac_cmp(f, best) > 0)
			best = f;
	}
	return best;
}

int load_util_cmp(const struct load_gw *g, unsigned n, unsigned a,
		  const uint64_t add_a[LOAD_DIRS], unsigned b,
		  const uint64_t add_b[LOAD_DIRS])
{
	if (a >= n || b >= n)
		return 0;
	return frac_cmp(util_of(g, n, a, add_a), util_of(g, n, b, add_b));
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

uint64_t load_typical(uint64_t *rates, unsigned n, uint64_t floor)
{
	unsigned first;

	if (!rates || !n)
		return 0;
	qsort(rates, n, sizeof(*rates), u64_cmp);
	for (first = 0; first < n && rates[first] < floor; first++)
		;
	if (first == n)
		return 0;
	/* The lower median of the active ones: an actual user's rate. */
	return rates[first + (n - first - 1) / 2];
}

/* clients/weight of a below b's: exact, as balance_pick compares. */
static int fewer(const struct load_gw *a, const struct load_gw *b)
{
	return (uint64_t)a->clients * b->weight < (uint64_t)b->clients * a->weight;
}

static int pick_users(const struct load_gw *g, unsigned n)
{
	int best = LOAD_NO_GW;

	for (unsigned i = 0; i < n; i++)
		if (takes(&g[i]) && (best < 0 || fewer(&g[i], &g[best])))
			best = (int)i;
	return best;
}

static int box_idle(const struct load_gw *g, unsigned n, uint64_t floor)
{
	u128 sum = 0;

	/* The box's traffic: drained and down gateways' too. */
	for (unsigned i = 0; i < n; i++)
		sum += (u128)clamp(g[i].rate[LOAD_DOWN]) + clamp(g[i].rate[LOAD_UP]);
	return sum < floor;
}

int load_pick(const struct load_gw *g, unsigned n,
	      const uint64_t typical[LOAD_DIRS], uint64_t idle_floor)
{
	int best = LOAD_NO_GW;

	if (!g)
		return LOAD_NO_GW;
	if (box_idle(g, n, idle_floor))
		return pick_users(g, n);
	for (unsigned i = 0; i < n; i++) {
		int c;

		if (!takes(&g[i]))
			continue;
		if (best < 0) {
			best = (int)i;
			continue;
		}
		c = load_util_cmp(g, n, i, typical, (unsigned)best, typical);
		/* Strict on both keys: the earlier gateway wins a full tie. */
		if (c < 0 || (c == 0 && fewer(&g[i], &g[best])))
			best = (int)i;
	}
	return best;
}

/* Measured utilization of a, times 100, above b's times (100 + pct)? */
static int above_by(const struct load_gw *g, unsigned n, unsigned a, unsigned b,
		    uint32_t pct)
{
	struct frac ua = util_of(g, n, a, NULL), ub = util_of(g, n, b, NULL);

	if (pct > 100000)
		pct = 100000;
	/* Scaling both numerators keeps them under 2^57: still exact. */
	ua.num *= 100;
	ub.num *= 100 + (uint64_t)pct;
	return frac_cmp(ua, ub) > 0;
}

static int hot_enough(const struct load_gw *g, uint64_t floor)
{
	return (u128)clamp(g->rate[LOAD_DOWN]) + clamp(g->rate[LOAD_UP]) >= floor;
}

/* What users more typical users add to gateway i's rates (expected load). */
static void expected(const uint64_t typical[LOAD_DIRS], uint64_t users,
		     uint64_t out[LOAD_DIRS])
{
	for (int d = 0; d < LOAD_DIRS; d++) {
		u128 e = (u128)clamp(typical[d]) * users;

		out[d] = e > LOAD_MAX_RATE ? LOAD_MAX_RATE : (uint64_t)e;
	}
}

/*
 * The taker, with the moved user at typical demand, is at most as
 * utilized as the giver is now.  Only measured rates: an idle user adds
 * nothing to the giver's, so the giver is not credited with its other
 * idle users (which would make the last ones of a saturated link stay,
 * by a hair, whenever the busy users share it evenly).
 */
static int taker_stays_cooler(const struct load_gw *g, unsigned n, unsigned hi,
			      unsigned lo, const uint64_t typical[LOAD_DIRS])
{
	return load_util_cmp(g, n, lo, typical, hi, NULL) <= 0;
}

/* Is i's expected utilization (idle users at typical demand) below j's? */
static int cooler(const struct load_gw *g, unsigned n, unsigned i, unsigned j,
		  const uint64_t typical[LOAD_DIRS])
{
	uint64_t ei[LOAD_DIRS], ej[LOAD_DIRS];

	expected(typical, g[i].idle, ei);
	expected(typical, g[j].idle, ej);
	return load_util_cmp(g, n, i, ei, j, ej) < 0;
}

int load_rebalance(struct load_rb_state *st, const struct load_rb_params *p,
		   const struct load_gw *g, unsigned n,
		   const uint64_t typical[LOAD_DIRS], uint32_t now,
		   unsigned *from, unsigned *to)
{
	int hi = LOAD_NO_GW, lo = LOAD_NO_GW;

	if (!st || !p || !g || !typical)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (!takes(&g[i]))
			continue;
		if (g[i].idle && (hi < 0 || load_util_cmp(g, n, i, NULL,
							  (unsigned)hi, NULL) > 0))
			hi = (int)i;
		if (lo < 0 || cooler(g, n, i, (unsigned)lo, typical))
			lo = (int)i;
	}
	if (hi < 0 || lo < 0 || hi == lo || !hot_enough(&g[hi], p->floor) ||
	    !above_by(g, n, (unsigned)hi, (unsigned)lo,
		      st->armed ? p->margin_pct / 2 : p->margin_pct)) {
		st->armed = 0;
		st->since = 0;
		return 0;
	}
	if (!st->armed) {
		st->armed = 1;
		st->since = now;
	}
	if (now - st->since < p->hold)
		return 0;
	if (st->moved && now - st->last_move < p->interval)
		return 0;
	/* A user of no typical demand changes nothing: nobody to move for. */
	if (!typical[LOAD_DOWN] && !typical[LOAD_UP])
		return 0;
	if (!taker_stays_cooler(g, n, (unsigned)hi, (unsigned)lo, typical))
		return 0;
	st->last_move = now;
	st->moved = 1;
	*from = (unsigned)hi;
	*to = (unsigned)lo;
	return 1;
}

uint64_t load_ewma(uint64_t old, uint64_t sample)
{
	old = clamp(old);
	sample = clamp(sample);
	/* Rounded towards the sample, so a steady rate is reached exactly. */
	if (sample >= old)
		return old + (sample - old + 7) / 8;
	return old - (old - sample + 7) / 8;
}
