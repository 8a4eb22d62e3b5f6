/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load.h - the pure core of load-aware balancing (balance.policy =
 * "load") and of quiet rebalancing (balance.rebalance_idle).  No I/O,
 * no clock, no globals: the daemon passes the gateways' measured rates,
 * capacities and client counts in, and gets a gateway (or a move) back.
 *
 * Rates and capacities are bytes per second, one per direction
 * (LOAD_DOWN: towards the users, LOAD_UP: from them).  A gateway's
 * utilization in one direction is rate / capacity; its utilization is
 * the larger of the two.  Every comparison is exact: fractions are
 * compared by cross-multiplication in 128 bits (rates and capacities
 * are clamped to 2^40 bytes/s, 8.8 Tbit/s, so no product overflows).
 *
 * Capacity: a gateway's declared bandwidth if it has one; otherwise
 * proportional to its weight, at the mean declared bandwidth per unit
 * of weight of the gateways that declare one in that direction, or at
 * 1 byte/s per unit of weight if none does (only ratios matter then).
 *
 * "Typical" demand: the median of the recent rates of the users that
 * are active (rate at or above the idle floor), per direction; 0 when
 * nobody is.
 */
#ifndef NFQLB_LOAD_H
#define NFQLB_LOAD_H

#include <stdint.h>

#define LOAD_DOWN	0
#define LOAD_UP		1
#define LOAD_DIRS	2
#define LOAD_MAX_RATE	(UINT64_C(1) << 40)
#define LOAD_NO_GW	(-1)

/* One gateway, as the daemon sees it at this tick. */
struct load_gw {
	uint32_t weight;	/* 0: drained, takes nobody */
	uint32_t clients;	/* bound users */
	int available;		/* 0: down (or an empty slot), takes nobody */
	uint64_t bandwidth[LOAD_DIRS];	/* declared capacity, bytes/s; 0: none */
	uint64_t rate[LOAD_DIRS];	/* measured, bytes/s (smoothed) */
	uint32_t idle;		/* bound users with no open connection */
};

/*
 * The capacity gateway i is judged with in direction dir (bytes/s, or
 * weight units when no gateway declares a bandwidth in dir); 0 for a
 * gateway of weight 0 without a declared bandwidth.
 */
uint64_t load_capacity(const struct load_gw *g, unsigned n, unsigned i, int dir);

/*
 * Compare the utilizations of gateways a and b after adding add_a to
 * a's rates and add_b to b's (either may be NULL: nothing added):
 * <0, 0, >0 as a's is lower, equal or higher.  A gateway of capacity 0
 * in a direction with a non-zero rate there is infinitely utilized.
 */
int load_util_cmp(const struct load_gw *g, unsigned n, unsigned a,
		  const uint64_t add_a[LOAD_DIRS], unsigned b,
		  const uint64_t add_b[LOAD_DIRS]);

/*
 * The median of the rates at or above floor, one direction: rates is
 * reordered (sorted).  0 if none is.
 */
uint64_t load_typical(uint64_t *rates, unsigned n, uint64_t floor);

/*
 * The gateway a new user goes to under the load policy: among the
 * available gateways of non-zero weight, the lowest utilization after
 * adding typical to its rates; ties by the smallest clients / weight,
 * then the first.  When the box is idle (every gateway's rates, both
 * directions, sum below idle_floor) it is exactly balance_pick():
 * smallest clients / weight, the first on ties.  LOAD_NO_GW if no
 * gateway takes users.
 */
int load_pick(const struct load_gw *g, unsigned n,
	      const uint64_t typical[LOAD_DIRS], uint64_t idle_floor);

/* Quiet rebalancing of idle users: settings and the caller's state. */
struct load_rb_params {
	uint32_t margin_pct;	/* hot above cold by this much (percent) */
	uint32_t hold;		/* ... for this many seconds in a row */
	uint32_t interval;	/* at least this many seconds between moves */
	uint64_t floor;		/* bytes/s below which nothing is hot */
};

struct load_rb_state {
	uint32_t since;		/* when the imbalance was first seen */
	uint32_t last_move;	/* when the last move was asked for */
	int armed;		/* the imbalance holds (hysteresis) */
	int moved;		/* a move was asked for at least once */
};

/*
 * One second of quiet rebalancing: 1 with *from (a gateway with idle
 * users) and *to if the caller should move one idle user of *from to
 * *to now, else 0.  Asks for a move only when
 *  - the hottest gateway with an idle user (by measured utilization)
 *    is above the coolest available one by margin_pct, and has been
 *    for hold seconds (once armed, until it drops below half the
 *    margin: hysteresis);
 *    (the coolest: the lowest expected utilization, its measured rate
 *    plus typical demand per idle user, so idle users spread evenly);
 *  - interval seconds have passed since the last move;
 *  - the taker, with the moved user at typical demand, is at most as
 *    utilized as the giver is now (measured rates).
 * No oscillation: a move changes no measured rate, and a move needs the
 * giver above the taker in measured utilization, so while the rates
 * stay no move is ever followed by one back (nor by a cycle); the moves
 * stop when the hot gateway has no idle user left or the gap closes.
 * Drained gateways neither give nor take; a down one takes nobody.
 * The caller moves a user, updates g (idle, clients) and asks again on
 * the next tick.  now is the caller's clock in seconds.
 */
int load_rebalance(struct load_rb_state *st, const struct load_rb_params *p,
		   const struct load_gw *g, unsigned n,
		   const uint64_t typical[LOAD_DIRS], uint32_t now,
		   unsigned *from, unsigned *to);

/* One step of a smoothed rate: old + (sample - old) / 8, exact. */
uint64_t load_ewma(uint64_t old, uint64_t sample);

#endif
