// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * health.c - per-gateway health probes: the pure state machine, then
 * the prober that feeds it from ICMP and TCP sockets in one epoll set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "core/health.h"

/* health_sm.probe[]: what became of target t's probe this round. */
enum {
	HEALTH_SM_P_IDLE,	/* not sent: lost */
	HEALTH_SM_P_PENDING,
	HEALTH_SM_P_OK,
	HEALTH_SM_P_LOST,
};

void health_params_default(struct health_params *p)
{
	p->interval_ms = HEALTH_DEFAULT_INTERVAL_MS;
	p->timeout_ms = HEALTH_DEFAULT_TIMEOUT_MS;
	p->min_ok = HEALTH_DEFAULT_MIN_OK;
	p->fall = HEALTH_DEFAULT_FALL;
	p->rise = HEALTH_DEFAULT_RISE;
	p->window = HEALTH_DEFAULT_WINDOW;
	p->loss_down = HEALTH_DEFAULT_LOSS_DOWN;
	p->loss_up = HEALTH_DEFAULT_LOSS_UP;
	p->rtt_down_ms = HEALTH_DEFAULT_RTT_DOWN_MS;
	p->rtt_up_ms = HEALTH_DEFAULT_RTT_UP_MS;
}

const char *health_params_check(const struct health_params *p)
{
	if (p->interval_ms < HEALTH_MIN_INTERVAL_MS ||
	    p->interval_ms > HEALTH_MAX_INTERVAL_MS)
		return "interval: out of range (10..3600000 ms)";
	/*
	 * A round is judged before the next one starts: overlapping
	 * rounds would need a probe table per round for no gain.
	 */
	if (p->timeout_ms < 1 || p->timeout_ms > p->interval_ms)
		return "timeout: must be 1..interval ms";
	if (p->min_ok < 1 || p->min_ok > HEALTH_MAX_TARGETS)
		return "min_ok: out of range (1..8)";
	if (p->fall < 1 || p->fall > HEALTH_MAX_COUNT)
		return "fall: out of range (1..100)";
	if (p->rise < 1 || p->rise > HEALTH_MAX_COUNT)
		return "rise: out of range (1..100)";
	if (p->window < 1 || p->window > HEALTH_MAX_WINDOW)
		return "window: out of range (1..64 rounds)";
	if (p->loss_down > 100)
		return "loss_down: out of range (0..100 %)";
	/* Hysteresis: the way back up must be at least as hard as down. */
	if (p->loss_up > p->loss_down)
		return "loss_up: must not exceed loss_down";
	if (p->rtt_down_ms && (p->rtt_up_ms < 1 || p->rtt_up_ms > p->rtt_down_ms))
		return "rtt_up: must be 1..rtt_down ms";
	return NULL;
}

const char *health_state_name(enum health_state s)
{
	switch (s) {
	case HEALTH_PROBING:	return "probing";
	case HEALTH_UP:		return "up";
	case HEALTH_DOWN:	return "down";
	}
	return "?";
}

const char *health_reason_name(enum health_reason r)
{
	switch (r) {
	case HEALTH_WHY_NONE:	return "-";
	case HEALTH_WHY_FALL:	return "fall";
	case HEALTH_WHY_LOSS:	return "loss";
	case HEALTH_WHY_RTT:	return "rtt";
	}
	return "?";
}

/* ---- the pure state machine ---- */

void health_sm_init(struct health_sm *sm, unsigned ntargets)
{
	memset(sm, 0, sizeof(*sm));
	sm->state = HEALTH_PROBING;
	if (ntargets < 1)
		ntargets = 1;
	if (ntargets > HEALTH_MAX_TARGETS)
		ntargets = HEALTH_MAX_TARGETS;
	sm->ntargets = ntargets;
}

enum health_state health_sm_begin(struct health_sm *sm,
				  const struct health_params *p)
{
	enum health_state s = health_sm_end(sm, p);

	memset(sm->probe, HEALTH_SM_P_IDLE, sizeof(sm->probe));
	memset(sm->sent_us, 0, sizeof(sm->sent_us));
	sm->in_flight = 0;
	sm->in_round = 1;
	return s;
}

void health_sm_sent(struct health_sm *sm, unsigned t, uint64_t now_us)
{
	if (!sm->in_round || t >= sm->ntargets ||
	    sm->probe[t] != HEALTH_SM_P_IDLE)
		return;
	sm->probe[t] = HEALTH_SM_P_PENDING;
	sm->sent_us[t] = now_us;
	sm->in_flight++;
}

static void sm_settle(struct health_sm *sm, unsigned t, uint8_t how)
{
	sm->probe[t] = how;
	sm->in_flight--;
}

int health_sm_answer(struct health_sm *sm, const struct health_params *p,
		     unsigned t, uint64_t now_us)
{
	uint64_t rtt;

	if (!sm->in_round || t >= sm->ntargets ||
	    sm->probe[t] != HEALTH_SM_P_PENDING)
		return 0;
	/* A clock that went backwards is no answer time to trust. */
	if (now_us < sm->sent_us[t]) {
		sm_settle(sm, t, HEALTH_SM_P_LOST);
		return 0;
	}
	rtt = now_us - sm->sent_us[t];
	if (rtt > (uint64_t)p->timeout_ms * 1000) {
		sm_settle(sm, t, HEALTH_SM_P_LOST);
		return 0;
	}
	sm_settle(sm, t, HEALTH_SM_P_OK);
	sm->rtt_us[t] = (uint32_t)rtt;		/* <= timeout, < 2^32 µs */
	sm->last_rtt_us = (uint32_t)rtt;
	sm->has_rtt = 1;
	return 1;
}

void health_sm_fail(struct health_sm *sm, unsigned t)
{
	if (!sm->in_round || t >= sm->ntargets ||
	    sm->probe[t] != HEALTH_SM_P_PENDING)
		return;
	sm_settle(sm, t, HEALTH_SM_P_LOST);
}

static unsigned sat_inc(unsigned v)
{
	return v == ~0u ? v : v + 1;
}

/* Entry k rounds back (1: the round just judged) of the ring. */
static unsigned win_idx(const struct health_sm *sm, unsigned k)
{
	return (sm->win_next + HEALTH_MAX_WINDOW - k) % HEALTH_MAX_WINDOW;
}

static unsigned win_rounds(const struct health_sm *sm,
			   const struct health_params *p)
{
	return sm->win_len < p->window ? sm->win_len : p->window;
}

/* Lost probes over the window. */
static unsigned win_lost(const struct health_sm *sm,
			 const struct health_params *p)
{
	unsigned k, n = win_rounds(sm, p), lost = 0;

	for (k = 1; k <= n; k++)
		lost += sm->win_lost[win_idx(sm, k)];
	return lost;
}

/* Integer square root (floor), for the RTT deviation without libm. */
static uint64_t isqrt(uint64_t v)
{
	uint64_t r = 0, bit = (uint64_t)1 << 62;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

void health_sm_quality(const struct health_sm *sm,
		       const struct health_params *p, struct health_quality *q)
{
	unsigned k, i, n = win_rounds(sm, p), sent;
	uint64_t sum = 0;
	double sq = 0, mean, var;

	memset(q, 0, sizeof(*q));
	q->rounds = n;
	for (k = 1; k <= n; k++) {
		i = win_idx(sm, k);
		q->nrtt += sm->win_nrtt[i];
		sum += sm->win_rtt[i];
		sq += sm->win_rtt2[i];
	}
	sent = n * sm->ntargets;
	q->loss_pct = sent ? win_lost(sm, p) * 100 / sent : 0;
	if (!q->nrtt)
		return;
	mean = (double)sum / q->nrtt;
	var = sq / q->nrtt - mean * mean;
	q->rtt_avg_us = (uint32_t)(sum / q->nrtt);
	q->rtt_dev_us = var > 0 ? (uint32_t)isqrt((uint64_t)var) : 0;
}

unsigned health_sm_loss_pct(const struct health_sm *sm,
			    const struct health_params *p)
{
	struct health_quality q;

	health_sm_quality(sm, p, &q);
	return q.loss_pct;
}

/*
 * The window's loss against a threshold, as a judgement: over the
 * whole window, the rounds not seen yet counting as good, so that the
 * first rounds after a start cannot judge on a handful of probes.
 * Exact integers: lost / (window * ntargets) > pct / 100.
 */
static int loss_above(const struct health_sm *sm,
		      const struct health_params *p, unsigned pct)
{
	return (uint64_t)win_lost(sm, p) * 100 >
	       (uint64_t)pct * p->window * sm->ntargets;
}

/* The window's RTT average against a threshold in ms (0: no judgement). */
static int rtt_above(const struct health_quality *q, uint32_t ms)
{
	return ms && q->nrtt && q->rtt_avg_us > (uint64_t)ms * 1000;
}

static void win_push(struct health_sm *sm, unsigned ok)
{
	unsigned t, i = sm->win_next;
	uint64_t sum = 0;
	double sq = 0;

	for (t = 0; t < sm->ntargets; t++) {
		if (sm->probe[t] != HEALTH_SM_P_OK)
			continue;
		sum += sm->rtt_us[t];
		sq += (double)sm->rtt_us[t] * sm->rtt_us[t];
	}
	sm->win_lost[i] = (uint8_t)(sm->ntargets - ok);
	sm->win_nrtt[i] = (uint8_t)ok;
	sm->win_rtt[i] = sum;
	sm->win_rtt2[i] = sq;
	sm->win_next = (i + 1) % HEALTH_MAX_WINDOW;
	if (sm->win_len < HEALTH_MAX_WINDOW)
		sm->win_len++;
}

enum health_state health_sm_end(struct health_sm *sm,
				const struct health_params *p)
{
	struct health_quality q;
	unsigned t, ok = 0;

	if (!sm->in_round)
		return sm->state;
	for (t = 0; t < sm->ntargets; t++)
		ok += sm->probe[t] == HEALTH_SM_P_OK;
	sm->in_round = 0;
	sm->in_flight = 0;
	sm->last_ok = ok;
	sm->rounds++;
	win_push(sm, ok);
	health_sm_quality(sm, p, &q);

	if (ok >= p->min_ok) {
		sm->good = sat_inc(sm->good);
		sm->bad = 0;
	} else {
		sm->bad = sat_inc(sm->bad);
		sm->good = 0;
	}
	/*
	 * Down: an outright failure (fall failed rounds in a row: one
	 * round of the other kind restarts the run), or a window whose
	 * quality crossed a down threshold.
	 */
	if (sm->state != HEALTH_DOWN) {
		enum health_reason why = HEALTH_WHY_NONE;

		if (sm->bad >= p->fall)
			why = HEALTH_WHY_FALL;
		else if (loss_above(sm, p, p->loss_down))
			why = HEALTH_WHY_LOSS;
		else if (rtt_above(&q, p->rtt_down_ms))
			why = HEALTH_WHY_RTT;
		if (why != HEALTH_WHY_NONE) {
			sm->state = HEALTH_DOWN;
			sm->reason = why;
			return sm->state;
		}
	}
	/*
	 * Up: rise good rounds in a row, and a window back under the
	 * lower up thresholds (hysteresis: judged once, stays judged).
	 */
	if (sm->state != HEALTH_UP && sm->good >= p->rise &&
	    !loss_above(sm, p, p->loss_up) &&
	    !(p->rtt_down_ms && rtt_above(&q, p->rtt_up_ms)))
		sm->state = HEALTH_UP;
	return sm->state;
}

