// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * topology.c - the gateways as configured (see topology.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon/topology.h"
#include "kernel/foreign.h"
#include "kernel/rtnl.h"
#include "util/log.h"

struct topology_gw {
	uint32_t conf_weight;	/* the weight before a drain */
	struct traffic_ctr tx;	/* forwarded through it since its setup */
};

struct topology {
	struct conf *conf;
	const char *path;
	struct kmirror *km;
	struct bindings *b;
	struct failover *f;
	struct uplink *up;
	struct topology_gw gw[BALANCE_MAX_GW];
	int traffic_ok;		/* the kernel counts realms (traffic.h) */
	struct topology_counters n;
};

int topology_conf_load(const char *path, struct conf *c, char *first, size_t len)
{
	struct conf_errors *e = malloc(sizeof(*e));
	unsigned i;
	int n;

	if (!e)
		fatal("loading %s", path);
	n = conf_load(path, c, e);
	for (i = 0; i < e->count && i < CONF_MAX_ERRORS; i++)
		log_warnx("%s", e->msg[i]);
	if (e->count > CONF_MAX_ERRORS)
		log_warnx("%s: ... and %u more errors", path, e->count - CONF_MAX_ERRORS);
	if (n && first)
		snprintf(first, len, "%d error%s in %s, the first: %s", n,
			 n > 1 ? "s" : "", path, e->msg[0]);
	free(e);
	return n;
}

struct topology *topology_new(struct conf *c, const char *path, struct kmirror *km,
			      struct bindings *b, struct failover *f, struct uplink *up)
{
	struct topology *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->conf = c;
	t->path = path;
	t->km = km;
	t->b = b;
	t->f = f;
	t->up = up;
	return t;
}

void topology_free(struct topology *t)
{
	free(t);
}

const struct topology_counters *topology_counters(const struct topology *t)
{
	return &t->n;
}

int topology_check(struct topology *t)
{
	struct rtnl *r = rtnl_open();
	char err[512];
	int bad = 0;

	if (!r)
		fatalx("cannot open an rtnetlink socket");
	/* A gateway whose interface is missing waits for it (uplink.c). */
	if (foreign_rules_check(r, t->conf, err, sizeof(err))) {
		log_warnx("%s", err);
		bad = 1;
	}
	rtnl_close(r);
	return bad;
}

/*
 * Traffic counters: the kernel's realm sums are global and 32 bits, so
 * a gateway's count starts at its setup and is extended every second.
 */
static void traffic_start(struct topology *t, unsigned i)
{
	struct traffic_acct a[TRAFFIC_REALMS];

	t->traffic_ok = !traffic_read(TRAFFIC_PROC, a);
	if (!t->traffic_ok)
		memset(a, 0, sizeof(a));
	traffic_ctr_start(&t->gw[i].tx, &a[traffic_realm(conf_gw_mark(t->conf, i))]);
}

void topology_traffic_update(struct topology *t)
{
	struct traffic_acct a[TRAFFIC_REALMS];
	unsigned i;

	if (!t->traffic_ok || traffic_read(TRAFFIC_PROC, a))
		return;
	for (i = 0; i < t->conf->ngw; i++)
		if (t->conf->gw[i].name[0])
			traffic_ctr_update(&t->gw[i].tx,
					   &a[traffic_realm(conf_gw_mark(t->conf, i))]);
}

int topology_traffic_ok(const struct topology *t)
{
	return t->traffic_ok;
}

const struct traffic_ctr *topology_gw_traffic(const struct topology *t, unsigned i)
{
	return &t->gw[i].tx;
}

/* Bring slot i (already in the configuration) into the kernel and the table. */
static int gw_setup(struct topology *t, unsigned i, unsigned *restored,
		    char *err, size_t len)
{
	traffic_start(t, i);
	t->gw[i].conf_weight = t->conf->gw[i].weight;
	bindings_gw_weight(t->b, i, t->conf->gw[i].weight);
	bindings_gw_available(t->b, i, 1);
	if (kmirror_gw_set(t->km, i, err, len) ||
	    bindings_restore_gw(t->b, i, restored, err, len))
		return -1;
	/* A gateway the probes hold down keeps its LAN rule out (failover.c). */
	return kmirror_gw_routing(t->km, i, !failover_gw_down(t->f, i), err, len);
}

int topology_start(struct topology *t, char *err, size_t len)
{
	unsigned i, restored = 0;

	for (i = 0; i < t->conf->ngw; i++)
		if (bindings_gw_add(t->b, t->conf->gw[i].weight) < 0)
			fatal("adding gateway %s", t->conf->gw[i].name);
	if (bindings_start(t->b))
		fatal("allocating the journal and holds");
	for (i = 0; i < t->conf->ngw; i++)
		if (gw_setup(t, i, &restored, err, len))
			return -1;
	log_info("restored %u bindings from the kernel's sets", restored);
	bindings_restored(t->b);
	if (!t->conf->pin_connections && bindings_map_setup(t->b, err, len))
		return -1;
	return 0;
}

int topology_set_weight(struct topology *t, unsigned slot, uint32_t w)
{
	if (slot >= t->conf->ngw || !t->conf->gw[slot].name[0])
		return -1;
	t->conf->gw[slot].weight = w;
	bindings_gw_weight(t->b, slot, w);
	return 0;
}

/*
 * A fresh slot if its mark fits, so that connections still pinned to a
 * removed gateway's mark are not sent through the new one; else the
 * first slot a removed gateway left.  -1 if none.
 */
static int free_slot(struct topology *t, const struct conf_gw *g, char *err, size_t len)
{
	struct conf *c = t->conf;
	unsigned i = c->ngw;

	if (conf_check_slot(c, i, err, len)) {
		for (i = 0; i < c->ngw; i++)
			if (!c->gw[i].name[0])
				return (int)i;
		return -1;
	}
	if (bindings_gw_add(t->b, g->weight) != (int)i) {
		snprintf(err, len, "gateway %s: no free slot", g->name);
		return -1;
	}
	c->ngw++;
	return (int)i;
}

int topology_gw_add(struct topology *t, const struct conf_gw *g, char *err, size_t len)
{
	struct conf *c = t->conf;
	int s = free_slot(t, g, err, len);
	char addr[INET_ADDRSTRLEN];
	unsigned i;

	if (s < 0)
		return -1;
	i = (unsigned)s;
	c->gw[i] = *g;
	if (gw_setup(t, i, NULL, err, len) || kmirror_steer(t->km, err, len) ||
	    failover_gw_add(t->f, i, err, len)) {
		char ignored[256];

		topology_gw_del(t, i, ignored, sizeof(ignored));
		return -1;
	}
	uplink_audit(t->up);	/* its link: routes now, or no-link */
	log_info("gateway %s added: %s dev %s weight %u, mark 0x%x", g->name,
		 conf_gw_address(g, addr, sizeof(addr)), g->ifname, g->weight,
		 conf_gw_mark(c, i));
	return (int)i;
}

int topology_gw_del(struct topology *t, unsigned slot, char *err, size_t len)
{
	struct conf *c = t->conf;
	char name[CONF_NAME_MAX];

	if (slot >= c->ngw || !c->gw[slot].name[0]) {
		snprintf(err, len, "no gateway in slot %u", slot);
		return -1;
	}
	snprintf(name, sizeof(name), "%s", c->gw[slot].name);
	failover_gw_del(t->f, slot);
	bindings_gw_remove(t->b, slot);
	kmirror_gw_unroute(t->km, slot);
	/* Out of the chain before the set can go: a rule holds a reference. */
	c->gw[slot].name[0] = '\0';
	if (kmirror_steer(t->km, err, len))
		log_warnx("%s", err);
	kmirror_gw_forget(t->km, slot);
	bindings_gw_weight(t->b, slot, 0);
	memset(&t->gw[slot], 0, sizeof(t->gw[slot]));
	memset(&c->gw[slot], 0, sizeof(c->gw[slot]));
	log_info("gateway %s removed", name);
	return 0;
}

/* Gone from the file: removed (their clients move to the others). */
static int reload_removed(struct topology *t, const struct conf *nc, char *err,
			  size_t len)
{
	unsigned i;

	for (i = 0; i < t->conf->ngw; i++) {
		const char *name = t->conf->gw[i].name;

		if (name[0] && conf_gw_find(nc, name) < 0 &&
		    topology_gw_del(t, i, err, len))
			return -1;
	}
	return 0;
}

/* A gateway of the new file: added, or its route and weight updated. */
static int reload_gw(struct topology *t, const struct conf_gw *g, char *err, size_t len)
{
	struct conf *c = t->conf;
	int s = conf_gw_find(c, g->name);

	if (s < 0)
		return topology_gw_add(t, g, err, len) < 0 ? -1 : 0;
	if (g->addr.s_addr != c->gw[s].addr.s_addr || g->nh != c->gw[s].nh ||
	    g->last_resort != c->gw[s].last_resort || strcmp(g->ifname, c->gw[s].ifname)) {
		kmirror_gw_unroute(t->km, (unsigned)s);
		c->gw[s].addr = g->addr;
		c->gw[s].nh = g->nh;
		c->gw[s].last_resort = g->last_resort;
		memcpy(c->gw[s].ifname, g->ifname, sizeof(g->ifname));
		if (kmirror_gw_routing(t->km, (unsigned)s, !failover_gw_down(t->f, (unsigned)s),
				       err, len))
			return -1;
	}
	t->gw[s].conf_weight = g->weight;
	c->gw[s].bw_down = g->bw_down;
	c->gw[s].bw_up = g->bw_up;
	topology_set_weight(t, (unsigned)s, g->weight);
	return 0;
}

/* The balance group: read live by the load watch and the bindings' choice. */
static void reload_balance(struct conf *c, const struct conf *nc)
{
	c->policy = nc->policy;
	c->measure = nc->measure;
	c->rebalance_idle = nc->rebalance_idle;
	c->rebalance_margin = nc->rebalance_margin;
	c->rebalance_hold = nc->rebalance_hold;
	c->rebalance_interval = nc->rebalance_interval;
}

/* Apply a valid file that changes nothing only a restart can change. */
static int reload_apply(struct topology *t, const struct conf *nc, char *err, size_t len)
{
	struct conf *c = t->conf;
	unsigned i;

	if (failover_reload(t->f, nc, err, len) || reload_removed(t, nc, err, len))
		return -1;
	for (i = 0; i < nc->ngw; i++)
		if (reload_gw(t, &nc->gw[i], err, len))
			return -1;
	c->keep_on_exit = nc->keep_on_exit;
	c->release_hold = nc->release_hold;
	c->idle_timeout = nc->idle_timeout;
	if (c->bind_on_packet != nc->bind_on_packet) {
		c->bind_on_packet = nc->bind_on_packet;
		if (kmirror_steer(t->km, err, len))
			return -1;
	}
	c->ha = nc->ha;	/* pair addresses, peer fingerprint */
	reload_balance(c, nc);
	c->last_resort = nc->last_resort;
	uplink_audit(t->up);	/* routes of the gateways rewritten above */
	return 0;
}

int topology_reload(struct topology *t, char *err, size_t len)
{
	char what[1024], rerr[512];
	struct conf *nc = malloc(sizeof(*nc));
	const char *fixed;
	int rc = -1;

	if (!nc) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", t->path);
	if (topology_conf_load(t->path, nc, err, len))
		goto out;
	fixed = conf_restart_change(t->conf, nc);
	if (fixed) {
		snprintf(err, len, "%s changed in %s: restart nfqlbd to apply it "
			 "(nothing was changed)", fixed, t->path);
		goto out;
	}
	if (reload_apply(t, nc, err, len))
		goto out;
	rc = 0;
	log_info("reloaded %s", t->path);
	/* A reload also puts back whatever a firewall reload took away. */
	topology_repair(t, 1, what, sizeof(what), rerr, sizeof(rerr));
out:
	if (rc) {
		t->n.reload_errors++;
		log_warnx("reload failed: %s", err);
	} else {
		t->n.reloads++;
	}
	sd_notifyf(0, "READY=1\nSTATUS=serving %u gateways; %s%s", conf_gw_count(t->conf),
		   rc ? "reload failed: " : "reloaded", rc ? err : "");
	free(nc);
	return rc;
}

int topology_repair(struct topology *t, int all, char *what, size_t wlen, char *err,
		    size_t elen)
{
	int n = kmirror_repair(t->km, all, what, wlen, err, elen);

	if (n < 0) {
		t->n.repair_errors++;
		log_warnx("repair: %s%s%s", err, what[0] ? "; was missing: " : "", what);
		return -1;
	}
	if (n) {
		t->n.repairs++;
		log_warnx("repair: put back what was missing: %s", what);
	}
	return n;
}

void topology_kernel_changed(struct topology *t)
{
	char what[1024], err[512];

	if (!kmirror_dispatch(t->km))
		return;
	log_debug("the kernel changed what nfqlbd owns: auditing");
	topology_repair(t, 0, what, sizeof(what), err, sizeof(err));
}
