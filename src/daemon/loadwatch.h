/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loadwatch.h - the measured load (issue 22): once a second, the bytes
 * every connection moved (conntrack accounting, kernel/ctacct.h) are
 * summed per user and per gateway and smoothed (core/load.h's EWMA,
 * time constant about 8 s); the load policy's choice and the quiet
 * rebalancing of idle users are asked of the pure core (core/load.h).
 *
 * A connection counts for the gateway its ctmark names (where its
 * packets really go), or else for its source's binding; for its source
 * if that is a bound user.  rx is towards the user (down), tx from it
 * (up).  The daemon's tick calls in; the bindings ask its choice
 * through the callback it registers (bindings_on_choose); commands.c
 * reads the figures.
 */
#ifndef NFQLB_LOADWATCH_H
#define NFQLB_LOADWATCH_H

#include <stdint.h>
#include <netinet/in.h>

#include "conf/conf.h"
#include "core/proto.h"
#include "daemon/bindings.h"

struct loadwatch;

/* One user's figures, bytes and bytes/s. */
struct loadwatch_user {
	uint64_t rx_bytes, tx_bytes;	/* since nfqlbd first saw it */
	uint64_t rate_down, rate_up;
	uint32_t open;			/* conntrack entries at the last sample */
};

/* Over the bindings: it answers their choice of a gateway for a new user. */
struct loadwatch *loadwatch_new(const struct conf *c, struct bindings *b);
void loadwatch_free(struct loadwatch *w);
/*
 * Once a second: sample, smooth, and with balance.rebalance_idle move
 * at most one idle user.  Failures are logged (rate-limited) and
 * leave the rates where they were.
 */
void loadwatch_tick(struct loadwatch *w);
/*
 * The gateway a new user should get under balance.policy "load", or -1
 * for balance_pick()'s own choice (the users policy, or nothing known).
 */
int loadwatch_choose(struct loadwatch *w);
/* 0 and *u, or -1 if nothing is known of a (never sampled). */
int loadwatch_user(const struct loadwatch *w, struct in_addr a, struct loadwatch_user *u);
/* The smoothed rates of gateway slot i, bytes/s; 0 if not sampled. */
void loadwatch_gw_rate(const struct loadwatch *w, unsigned i, uint64_t *down,
		       uint64_t *up);
/* Gateway i's utilization in percent (declared bandwidths only), or -1. */
int loadwatch_gw_util(const struct loadwatch *w, unsigned i);
/* The typical user's demand, bytes/s, per direction. */
void loadwatch_typical(const struct loadwatch *w, uint64_t *down, uint64_t *up);
/* Whether samples are being taken (conntrack accounting works). */
int loadwatch_ok(const struct loadwatch *w);

/*
 * The fields commands.c adds to its records ("-" when not sampled):
 * a client's rx_bytes tx_bytes rate_down rate_up open; a gateway's
 * rate_down rate_up utilization; the stats' policy idle_moves
 * typical_down typical_up.
 */
void loadwatch_user_fields(const struct loadwatch *w, struct obuf *o, struct in_addr a);
void loadwatch_gw_fields(const struct loadwatch *w, struct obuf *o, unsigned i);
void loadwatch_stats(const struct loadwatch *w, struct obuf *o);

#endif
