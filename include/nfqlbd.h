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

#include "balance.h"
#include "clientinfo.h"
#include "conf.h"
#include "control.h"

#define NFQLB_VERSION	"0.1.0"

struct nfqlbd_gw {
	unsigned ifindex;
	char setname[32];
	uint32_t conf_weight;	/* the weight before a drain */
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
};

struct nfqlbd {
	struct conf conf;
	const char *conf_path;
	struct balance *bal;
	struct lbset *sets;
	struct rtnl *rtnl;
	struct queue *queue;
	struct control *ctl;
	struct clientinfo *info;
	struct nfqlbd_gw gw[BALANCE_MAX_GW];
	struct nfqlbd_counters n;
	time_t started;
	time_t last_warn;
};

/* Slot of the gateway called name, or -1. */
int nfqlbd_gw_find(const struct nfqlbd *d, const char *name);
/*
 * Bind addr (kept if already bound) and store what the hook said.
 * Returns the gateway slot, or -1 with err set.
 */
int nfqlbd_bind(struct nfqlbd *d, const struct nfqlb_addr *a,
		const struct client_meta *m, int *created, char *err, size_t len);
/* Release addr; returns the slot it had or -1 if it was not bound. */
int nfqlbd_release(struct nfqlbd *d, const struct nfqlb_addr *a);
int nfqlbd_set_weight(struct nfqlbd *d, unsigned slot, uint32_t w);
/* Add a gateway in a free slot; its rule, routes, set and chain entry. */
int nfqlbd_gw_add(struct nfqlbd *d, const struct conf_gw *g, char *err, size_t len);
/* Remove a gateway: its clients are rebound to the others first. */
int nfqlbd_gw_del(struct nfqlbd *d, unsigned slot, char *err, size_t len);
/* Re-read the configuration file: parse, validate, then apply. */
int nfqlbd_reload(struct nfqlbd *d, char *err, size_t len);

/* The control socket's handler (commands.c). */
void commands_handle(const struct control_req *req,
		     const struct control_peer *peer, struct obuf *o, void *arg);

#endif
