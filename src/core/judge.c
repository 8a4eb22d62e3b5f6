// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * judge.c - joint verdicts, flap damping and the failback rebalance
 * delay: the pure core between the prober and failover.c (judge.h).
 */
#include <string.h>

#include "core/judge.h"

#define BIT(i)	((uint64_t)1 << (i))

void judge_init(struct judge_gw *g, enum judge_state state, uint64_t now_ms)
{
	memset(g, 0, sizeof(*g));
	g->state = state;
	g->raw = HEALTH_PROBING;
	g->raw_prev = HEALTH_PROBING;
	g->since_ms = now_ms;
	g->last_ms = now_ms;
}

int judge_in_use(enum judge_state s)
{
	return s == JUDGE_PROBING || s == JUDGE_UP || s == JUDGE_HELD;
}

const char *judge_state_name(enum judge_state s)
{
	switch (s) {
	case JUDGE_PROBING:	return "probing";
	case JUDGE_UP:		return "up";
	case JUDGE_DOWN:	return "down";
	case JUDGE_HELD:	return "held";
	case JUDGE_DAMPED:	return "damped";
	case JUDGE_NOLINK:	return "no-link";
	}
	return "?";
}

/*
 * 2^-x for x in [0, 1) in units of 1/4096: the Taylor series of
 * e^(-x ln 2) to the 4th power, within 0.2 % of it, decreasing, and
 * 0.5012 at x = 1, so that whole halvings plus this stay monotonic.
 * Integers only: everything over 2^48 = 4096^4.
 */
static uint64_t exp2_neg(uint64_t x)
{
	uint64_t x2 = x * x, x3 = x2 * x, x4 = x3 * x;
	uint64_t f = ((uint64_t)4096 << 48) - 2839 * (x << 36) + 984 * (x2 << 24) -
		     227 * (x3 << 12) + 39 * x4;

	return f >> 48;
}

/*
 * Halve per whole half-life, then 2^-(rest/hl): exact exponential
 * decay whatever the steps it is computed in (the judge runs every
 * round and every second).
 */
uint32_t judge_decay(uint32_t penalty, uint64_t dt_ms, uint64_t hl_ms)
{
	uint64_t halvings, rest;

	if (!hl_ms)
		return penalty;
	halvings = dt_ms / hl_ms;
	rest = dt_ms % hl_ms;
	if (halvings >= 32)
		return 0;
	penalty >>= halvings;
	return (uint32_t)((uint64_t)penalty * exp2_neg(rest * 4096 / hl_ms) / 4096);
}

static void set_state(struct judge_gw *g, enum judge_state s, uint64_t now)
{
	if (g->state == s)
		return;
	g->state = s;
	g->since_ms = now;
	g->changes++;
}

static void penalize(struct judge_gw *g, const struct judge_params *p)
{
	if (!p->half_life_ms)
		return;
	g->penalty = g->penalty + JUDGE_PENALTY > JUDGE_MAX_PENALTY ?
		     JUDGE_MAX_PENALTY : g->penalty + JUDGE_PENALTY;
}

static void go_down(struct judge_gw *g, unsigned i, const struct judge_params *p,
		    uint64_t now, struct judge_turn *out)
{
	penalize(g, p);
	g->rebalance_due = 0;
	set_state(g, JUDGE_DOWN, now);
	out->down |= BIT(i);
}

/* Out of use: back when the probes say up and the penalty allows. */
static void judge_out_of_use(struct judge_gw *g, unsigned i,
			     const struct judge_params *p, uint64_t now,
			     struct judge_turn *out)
{
	if (g->raw == HEALTH_DOWN) {
		/* A flap while damped is a flap: it holds longer. */
		if (g->state == JUDGE_DAMPED && g->raw_prev == HEALTH_UP)
			penalize(g, p);
		set_state(g, JUDGE_DOWN, now);
		return;
	}
	if (g->raw != HEALTH_UP)
		return;		/* PROBING: a restarted prober knows nothing yet */
	if (g->penalty > JUDGE_REUSE) {
		if (g->state != JUDGE_DAMPED)
			out->damped |= BIT(i);
		set_state(g, JUDGE_DAMPED, now);
		return;
	}
	set_state(g, JUDGE_UP, now);
	g->rebalance_due = 1;
	out->up |= BIT(i);
}

/*
 * Is a gateway in use failing now?  Its prober's verdict, except just
 * after a hold: its window still counts the outage's losses, so only
 * an outright failure counts until the prober says UP again.
 */
static int judge_failing(struct judge_gw *g)
{
	if (g->grace && g->raw == HEALTH_UP)
		g->grace = 0;
	return g->grace ? g->failing : g->raw == HEALTH_DOWN;
}

/* The probes of some gateway work: a probe outage is over. */
static int judge_any_answer(const struct judge_gw *gw, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (gw[i].used && !gw[i].nolink &&
		    (gw[i].raw == HEALTH_UP || gw[i].answering))
			return 1;
	return 0;
}

/* Held gateways: back where they were when they answer, down if they alone do not. */
static unsigned judge_held(struct judge_gw *gw, unsigned n,
			   const struct judge_params *p, uint64_t now,
			   struct judge_turn *out)
{
	int back = judge_any_answer(gw, n);
	unsigned i, held = 0;

	for (i = 0; i < n; i++) {
		struct judge_gw *g = &gw[i];

		if (!g->used || g->state != JUDGE_HELD)
			continue;
		if (g->raw == HEALTH_UP || g->answering) {
			g->grace = g->raw != HEALTH_UP;
			set_state(g, JUDGE_UP, now);
			out->unheld |= BIT(i);
		} else if (back) {
			out->unheld |= BIT(i);
			go_down(g, i, p, now, out);
		} else {
			held++;
		}
	}
	return held;
}

/* Every in-use gateway failing together: held, nobody moves. */
static void judge_joint(struct judge_gw *gw, unsigned n,
			const struct judge_params *p, uint64_t now,
			struct judge_turn *out)
{
	unsigned i, in_use = 0, failing = 0, held = 0;
	int fail[JUDGE_MAX_GW] = { 0 };

	for (i = 0; i < n; i++)
		held += gw[i].used && gw[i].state == JUDGE_HELD;
	if (held) {
		held = judge_held(gw, n, p, now, out);
		if (!held)
			out->outage_end = 1;
	}
	for (i = 0; i < n; i++) {
		if (!gw[i].used ||
		    (gw[i].state != JUDGE_UP && gw[i].state != JUDGE_PROBING))
			continue;
		in_use++;
		fail[i] = judge_failing(&gw[i]);
		failing += fail[i];
	}
	if (!held && in_use >= 2 && failing == in_use) {
		for (i = 0; i < n; i++) {
			if (!fail[i])
				continue;
			gw[i].grace = 0;
			set_state(&gw[i], JUDGE_HELD, now);
			out->held |= BIT(i);
		}
		out->outage_start = 1;
		return;
	}
	/* A real failover: each one failing while others work. */
	for (i = 0; i < n; i++)
		if (fail[i]) {
			gw[i].grace = 0;
			go_down(&gw[i], i, p, now, out);
		}
}

/*
 * The link first: returns 1 when g is done for this turn (no link, or
 * an unprobed gateway whose link is back).
 */
static int judge_link(struct judge_gw *g, unsigned i, const struct judge_params *p,
		      uint64_t now, struct judge_turn *out)
{
	if (g->nolink) {
		if (g->state == JUDGE_NOLINK)
			return 1;
		if (judge_in_use(g->state)) {
			out->down |= BIT(i);
			if (g->used)
				penalize(g, p);
		}
		if (g->state == JUDGE_HELD)
			out->unheld |= BIT(i);
		g->grace = 0;
		g->rebalance_due = 0;
		set_state(g, JUDGE_NOLINK, now);
		return 1;
	}
	if (g->state != JUDGE_NOLINK)
		return 0;
	if (!g->used) {
		set_state(g, JUDGE_UP, now);
		out->up |= BIT(i);
		return 1;
	}
	/* Back: out of use until the probes say up (judge_out_of_use). */
	set_state(g, JUDGE_DOWN, now);
	return 0;
}

void judge_run(struct judge_gw *gw, unsigned n, const struct judge_params *p,
	       uint64_t now, struct judge_turn *out)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (n > JUDGE_MAX_GW)
		n = JUDGE_MAX_GW;
	for (i = 0; i < n; i++) {
		struct judge_gw *g = &gw[i];

		if (judge_link(g, i, p, now, out) || !g->used)
			continue;
		/* The penalty decays while the probes say up. */
		if (g->raw_prev == HEALTH_UP && now > g->last_ms)
			g->penalty = judge_decay(g->penalty, now - g->last_ms,
						 p->half_life_ms);
		g->last_ms = now;
		if (g->state == JUDGE_DOWN || g->state == JUDGE_DAMPED)
			judge_out_of_use(g, i, p, now, out);
		else if (g->state == JUDGE_PROBING && g->raw == HEALTH_UP) {
			set_state(g, JUDGE_UP, now);
			out->up |= BIT(i);
		}
	}
	judge_joint(gw, n, p, now, out);
	for (i = 0; i < n; i++) {
		struct judge_gw *g = &gw[i];

		if (!g->used)
			continue;
		if (g->state == JUDGE_UP && g->rebalance_due &&
		    now - g->since_ms >= p->rebalance_after_ms) {
			g->rebalance_due = 0;
			out->rebalance = 1;
		}
		g->raw_prev = g->raw;
	}
}
