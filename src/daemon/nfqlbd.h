/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nfqlbd.h - the daemon's state and the verbs that change it, shared
 * by the main loop (nfqlbd.c) and the control commands (commands.c).
 * Every verb keeps the table, the kernel's sets, the rules, the routes
 * and the steering chain in step, or reports why it could not.
 */
#ifndef NFQLB_NFQLBD_H
#define NFQLB_NFQLBD_H

#include <stdint.h>
#include <time.h>

#include "core/balance.h"
#include "core/clientinfo.h"
#include "conf/conf.h"
#include "daemon/control.h"
#include "core/health.h"
#include "kernel/ownaddr.h"
#include "kernel/traffic.h"

/* The version is the VERSION file's, passed by the Makefile. */
#ifndef NFQLB_VERSION
#error "NFQLB_VERSION undefined: build with make (it reads VERSION)"
#endif

struct nfqlbd_gw {
	uint32_t conf_weight;	/* the weight before a drain */
	int probed;		/* health probes run for it */
	/*
	 * The daemon's view: PROBING until the prober's first verdict,
	 * then UP or DOWN.  Kept across a restart of the prober (reload),
	 * so that a down gateway stays out of use until probes say so.
	 */
	enum health_state hstate;
	time_t hsince;		/* when hstate or jstate last changed */
	enum judge_state jstate; /* failover.c's verdict (d->judge[slot].state) */
	struct traffic_ctr tx;	/* forwarded through it since its setup */
};

#define NFQLBD_MAX_NOTIFY	16	/* notify scripts running at once */

struct nfqlbd_child {
	pid_t pid;		/* 0: free */
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC */
	char what[64];
};

struct nfqlbd_counters {
	uint64_t binds_packet;	/* new clients seen first by a packet */
	uint64_t binds_hook;	/* new clients bound by a login hook */
	uint64_t releases;
	uint64_t rebinds;	/* clients moved off a removed gateway */
	uint64_t set_errors;
	uint64_t table_full;
	uint64_t reloads;
	uint64_t reload_errors;
	uint64_t failovers;	/* gateways declared down */
	uint64_t failbacks;	/* gateways back up */
	uint64_t rebalanced;	/* clients moved by rebalance */
	uint64_t ct_flushes;	/* conntrack deletions by mark */
	uint64_t notify_runs;
	uint64_t notify_errors;	/* failed to start, non-zero exit, killed */
	uint64_t binds_held;	/* packets of clients on a release hold */
	uint64_t idle_releases;	/* clients.idle_timeout */
	uint64_t syncs;		/* nfqlbctl sync runs applied */
	uint64_t non_host;	/* packets from a network, broadcast or own address */
	uint64_t probe_outages;	/* every gateway's probes failed together */
	uint64_t damped;	/* gateways held down by their flap penalty */
	uint64_t repairs;	/* self-repairs that put something back */
	uint64_t repair_errors;	/* repairs that could not put all back */
	uint64_t link_losses;	/* a gateway's link became unusable (uplink.c) */
	uint64_t link_returns;	/* ... and usable again */
};

struct nfqlbd {
	struct conf conf;
	const char *conf_path;
	struct balance *bal;
	struct lbset *sets;
	struct kmirror *km;	/* everything owned in the kernel */
	struct uplink *up;	/* the gateways' links (uplink.c) */
	struct queue *queue;
	struct control *ctl;
	struct clientinfo *info;
	struct health *health;	/* NULL: no gateway has probe targets */
	unsigned health_gen;	/* bumped when the prober (its fd) is new */
	struct nfqlbd_child child[NFQLBD_MAX_NOTIFY];
	struct nfqlbd_gw gw[BALANCE_MAX_GW];
	/* failover.c's verdicts, judged together (judge.h); by slot */
	struct judge_gw judge[BALANCE_MAX_GW];
	struct hasync *ha;	/* NULL unless ha.enable (hasync.c) */
	struct nfqlbd_counters n;
	/* Behind a portal (portal.c): journal, release holds, idle watch. */
	struct state *state;
	struct iptab *hold;
	struct iptab *watch;
	struct sync *sync;	/* an nfqlbctl sync under way (sync.c) */
	int defer_sets;		/* set adds batched until nfqlbd_sets_commit() */
	struct ownaddr own;	/* this host's LAN addresses: never clients */
	time_t started;
	time_t last_warn;
	int traffic_ok;		/* the kernel counts realms (traffic.h) */
};

/* Slot of the gateway called name, or -1. */
int nfqlbd_gw_find(const struct nfqlbd *d, const char *name);
/*
 * Bind addr (kept if already bound) and store what the hook said.
 * Returns the gateway slot, or -1 with err set.
 */
int nfqlbd_bind(struct nfqlbd *d, const struct nfqlb_addr *a,
		const struct client_meta *m, int *created, char *err, size_t len);
/*
 * Bind addr to slot as another box's conntrack says (hasync.c): no
 * weighted choice.  The caller checked that addr is not bound.  0 or -1.
 */
int nfqlbd_adopt(struct nfqlbd *d, const struct nfqlb_addr *a, unsigned slot);
/* Release addr; returns the slot it had or -1 if it was not bound. */
int nfqlbd_release(struct nfqlbd *d, const struct nfqlb_addr *a);
/* Put a bound client in (add) or out of its gateway's set and the map. */
void nfqlbd_set_member(struct nfqlbd *d, unsigned gw, const struct nfqlb_addr *a,
		       int add);
/* Send the set adds batched while d->defer_sets was set. */
void nfqlbd_sets_commit(struct nfqlbd *d);
int nfqlbd_set_weight(struct nfqlbd *d, unsigned slot, uint32_t w);
/* Add a gateway in a free slot; its rule, routes, set and chain entry. */
int nfqlbd_gw_add(struct nfqlbd *d, const struct conf_gw *g, char *err, size_t len);
/* Remove a gateway: its clients are rebound to the others first. */
int nfqlbd_gw_del(struct nfqlbd *d, unsigned slot, char *err, size_t len);
/* Re-read the configuration file: parse, validate, then apply. */
int nfqlbd_reload(struct nfqlbd *d, char *err, size_t len);
/*
 * Move every client of slot gw to the live gateways; with none left
 * (every gateway down) they keep their binding.  Returns how many moved.
 */
uint32_t nfqlbd_gw_evacuate(struct nfqlbd *d, unsigned gw);
/* Rebind a to slot to (set membership follows: new set first). */
int nfqlbd_move(struct nfqlbd *d, const struct nfqlb_addr *a, unsigned from,
		unsigned to);
/*
 * Audit the kernel and put back whatever nfqlbd owns that is missing
 * (kmirror_repair; all: the chains too, whatever was reported),
 * bindings included; logged at warning and counted.  Returns how many
 * objects were missing, or -1 with err set.
 */
int nfqlbd_repair(struct nfqlbd *d, int all, char *what, size_t wlen, char *err,
		  size_t elen);
/* Add or remove the "from LAN fwmark" rule of slot i. */
int nfqlbd_gw_rule(struct nfqlbd *d, unsigned i, int add);

/* Bring every gateway's traffic counters up to date (every second). */
void nfqlbd_traffic_update(struct nfqlbd *d);

/* Failover (failover.c): the daemon's reaction to the health prober. */
int failover_start(struct nfqlbd *d, char *err, size_t len);
void failover_stop(struct nfqlbd *d);
/* Start or stop probing slot i (its local rule too), e.g. gateway add/del. */
int failover_gw_add(struct nfqlbd *d, unsigned i, char *err, size_t len);
void failover_gw_del(struct nfqlbd *d, unsigned i);
/* Apply a reloaded health section (nc valid); restarts the prober if needed. */
int failover_reload(struct nfqlbd *d, const struct conf *nc, char *err, size_t len);
/* -1 without a prober. */
int failover_fd(const struct nfqlbd *d);
/* Judge now and apply (uplink.c, after a link's no-link input changed). */
void failover_judge(struct nfqlbd *d);
void failover_dispatch(struct nfqlbd *d);
/* Once a second: reap notify scripts, kill late ones. */
void failover_tick(struct nfqlbd *d);
/* Move just enough clients to restore the weighted shares; how many moved. */
uint32_t failover_rebalance(struct nfqlbd *d);
/*
 * "up", "down", "probing", "drained", "held" (every gateway's probes
 * failed at once: kept in use), "damped" (probes up, held down by
 * its flap penalty) or "no-link" (its interface cannot carry traffic:
 * uplink.c), as nfqlbctl gateways shows it.
 */
const char *failover_state(const struct nfqlbd *d, unsigned i);
/* 1 while every gateway's probes are failing together (all held). */
int failover_probe_outage(const struct nfqlbd *d);

/* The control socket's handler (commands.c). */
void commands_handle(const struct control_req *req,
		     const struct control_peer *peer, struct obuf *o, void *arg);

#endif
