/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * judge.h - the pure core that turns the prober's per-gateway states
 * (health_sm_*) into the daemon's decisions, all gateways together:
 *
 *  - Joint verdicts.  When every gateway in use (UP or PROBING, at
 *    least two) is judged down in the same turn, the fault is the probe
 *    targets' or this box's, not the gateways': they are HELD, still in
 *    use, nobody moves.  A held gateway whose probes answer again
 *    (rise good rounds: `answering`) is UP where it was, even while its
 *    window still holds the outage's losses: until the prober says UP
 *    too, only an outright failure (`failing`: fall failed rounds)
 *    takes it down.  Once some gateway answers, the held ones that do
 *    not are DOWN (a real failover).  Two of three down in one turn is
 *    a real failover.
 *
 *  - Damping.  Each time a gateway goes out of use (DOWN) its penalty
 *    grows by JUDGE_PENALTY (at most JUDGE_MAX_PENALTY); while its
 *    probes say up, the penalty halves every half-life.  Probes up
 *    with a penalty above JUDGE_REUSE: DAMPED, still out of use, until
 *    it decays.  A single down never damps (1000 <= 1000); a second
 *    one soon after holds it about a half-life, the next ones longer.
 *
 *  - Failback rebalance.  A gateway back in use after DOWN asks for a
 *    rebalance only once it has stayed up for rebalance_after.
 *
 * No I/O, no clock: the caller passes the time (ms, monotonic) and
 * applies the result (judge_turn's masks, bit n = slot n).
 */
#ifndef NFQLB_JUDGE_H
#define NFQLB_JUDGE_H

#include <stdint.h>

#include "core/health.h"

#define JUDGE_MAX_GW		64
#define JUDGE_PENALTY		1000	/* added at each down */
#define JUDGE_REUSE		1000	/* back in use at or below this */
#define JUDGE_MAX_PENALTY	4000	/* at most two half-lives damped */
#define JUDGE_DEFAULT_HALF_LIFE	30	/* rounds (health.damping) */
#define JUDGE_DEFAULT_REBALANCE_AFTER 60 /* seconds (health.rebalance_after) */

enum judge_state {
	JUDGE_PROBING,		/* no verdict yet: in use */
	JUDGE_UP,		/* in use */
	JUDGE_DOWN,		/* out of use: its clients were moved */
	JUDGE_HELD,		/* probes failed with everybody's: in use */
	JUDGE_DAMPED,		/* probes up, flap penalty: out of use */
	JUDGE_NOLINK,		/* its interface cannot carry traffic: out of use */
};

/*
 * One gateway's standing.  Callers set used, raw, answering, failing
 * and nolink before each judge_run; judge_run writes the rest.
 *
 *  - Link.  nolink (its interface is missing, down, without carrier,
 *    address or next hop: linkstate.h) takes a gateway out of use at
 *    once, probed or not, whatever the probes say, and never counts
 *    as a joint probe failure.  It is a down for damping.  When the
 *    link is back an unprobed gateway is UP; a probed one is DOWN
 *    until its probes say UP (then UP or DAMPED as after any down).
 */
struct judge_gw {
	int used;			/* probed: its verdicts count */
	int nolink;			/* its link cannot carry traffic */
	enum health_state raw;		/* the prober's current state */
	int answering;			/* its last rise rounds were good */
	int failing;			/* its last fall rounds failed */
	enum judge_state state;
	uint32_t penalty;
	uint64_t since_ms;		/* state since */
	uint64_t changes;		/* state changes since judge_init */
	/* internal */
	enum health_state raw_prev;
	uint64_t last_ms;
	int rebalance_due;
	int grace;			/* back from HELD, the prober not UP yet */
};

struct judge_params {
	uint64_t half_life_ms;		/* 0: no damping */
	uint64_t rebalance_after_ms;
};

/* What one judge_run changed. */
struct judge_turn {
	uint64_t down;			/* out of use now (was in use) */
	uint64_t up;			/* in use now (was DOWN, DAMPED or PROBING) */
	uint64_t held;			/* HELD now (was UP or PROBING) */
	uint64_t unheld;		/* no longer HELD (UP, or DOWN: also in down) */
	uint64_t damped;		/* DAMPED now (was DOWN) */
	int rebalance;			/* a failback has stayed up rebalance_after */
	int outage_start, outage_end;	/* the first HELD / the last one gone */
};

/* state: PROBING for a new gateway, or a state to keep (prober restart). */
void judge_init(struct judge_gw *g, enum judge_state state, uint64_t now_ms);
/*
 * Decide one turn for gw[0..n) (n <= JUDGE_MAX_GW) from their raw
 * states, at now_ms (never earlier than the previous call).
 */
void judge_run(struct judge_gw *gw, unsigned n, const struct judge_params *p,
	       uint64_t now_ms, struct judge_turn *out);
/* In use (takes clients, its rule in): PROBING, UP or HELD. */
int judge_in_use(enum judge_state s);
/* "probing", "up", "down", "held", "damped", "no-link". */
const char *judge_state_name(enum judge_state s);
/* Penalty after dt_ms of decay with half-life hl_ms (hl 0: unchanged). */
uint32_t judge_decay(uint32_t penalty, uint64_t dt_ms, uint64_t hl_ms);

#endif
