/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * failover.h - the daemon's reaction to the health prober: verdicts
 * judged together (core/judge), the gateways' LAN rules, their clients
 * moved (through the bindings layer), conntrack flushed, the notify
 * script run (daemon/notify).  It owns the prober, the verdicts and
 * the notify children.  The why is in failover.c.
 */
#ifndef NFQLB_FAILOVER_H
#define NFQLB_FAILOVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "kernel/prober.h"
#include "core/judge.h"
#include "daemon/bindings.h"
#include "kernel/kmirror.h"

struct failover;

struct failover_counters {
	uint64_t failovers;	/* gateways declared down */
	uint64_t failbacks;	/* gateways back up */
	uint64_t ct_flushes;	/* conntrack deletions by mark */
	uint64_t notify_runs;
	uint64_t notify_errors;	/* failed to start, non-zero exit, killed */
	uint64_t probe_outages;	/* every gateway's probes failed together */
	uint64_t damped;	/* gateways held down by their flap penalty */
};

/* What `nfqlbctl gateways` shows of a gateway's health. */
struct failover_gw_info {
	const char *state;	/* failover_state() */
	time_t since;		/* the state's start */
	uint64_t changes;
	uint32_t penalty;
	enum health_state raw;	/* the prober's own verdict */
	int judged_down;	/* down by the judge (down_reason applies) */
	int probed;		/* health below is valid */
	struct health_info health;
};

/*
 * c is the live configuration: failover_reload() writes its health
 * part (targets, parameters, notify); the rest it only reads.
 */
struct failover *failover_new(struct conf *c, struct bindings *b, struct kmirror *km);
void failover_free(struct failover *f);
int failover_start(struct failover *f, char *err, size_t len);
/* The prober stopped, notify scripts killed. */
void failover_stop(struct failover *f);
/* Start or stop probing slot i (its probe rule too), e.g. gateway add/del. */
int failover_gw_add(struct failover *f, unsigned i, char *err, size_t len);
void failover_gw_del(struct failover *f, unsigned i);
/* Apply a reloaded health section (nc valid); restarts the prober if needed. */
int failover_reload(struct failover *f, const struct conf *nc, char *err, size_t len);
/* The prober's fd, -1 without one; the generation changes with the fd. */
int failover_fd(const struct failover *f);
unsigned failover_health_gen(const struct failover *f);
void failover_dispatch(struct failover *f);
/*
 * The prober's verdict on slot, as its callback records it during a
 * dispatch; judged with the others of the same turn by the next
 * dispatch or tick (the entry of the unit tests).
 */
void failover_verdict(struct failover *f, unsigned slot, enum health_state to);
/*
 * Slot i's link can carry traffic (ok) or not (uplink.c): the judge's
 * no-link input.  1 if that is news to the judge: call failover_judge()
 * (once for all the links looked at).
 */
int failover_gw_link(struct failover *f, unsigned i, int ok);
/* Judge now and apply (after a link's no-link input changed). */
void failover_judge(struct failover *f);
/* Once a second: the judge's timers, notify scripts reaped or killed. */
void failover_tick(struct failover *f);
/* Move just enough clients to restore the weighted shares; how many moved. */
uint32_t failover_rebalance(struct failover *f);
/*
 * "up", "down", "probing", "drained", "held" (every gateway's probes
 * failed at once: kept in use), "damped" (probes up, held down by
 * its flap penalty) or "no-link" (its interface cannot carry traffic:
 * uplink.c), as nfqlbctl gateways shows it.
 */
const char *failover_state(const struct failover *f, unsigned i);
/* Slot i is held down by its probes (its LAN rule stays out). */
int failover_gw_down(const struct failover *f, unsigned i);
void failover_gw_info(const struct failover *f, unsigned i, struct failover_gw_info *gi);
/* 1 while every gateway's probes are failing together (all held). */
int failover_probe_outage(const struct failover *f);
const struct failover_counters *failover_counters(const struct failover *f);

#endif
