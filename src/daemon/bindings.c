// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bindings.c - the bindings layer (see bindings.h): the client table
 * kept in step with the members of the kernel's sets, and the packet
 * decision for sources the kernel did not find in any set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ha.h"
#include "daemon/bindings.h"
#include "daemon/portal.h"
#include "util/log.h"

#define BINDINGS_WARN_INTERVAL	10	/* seconds between repeated warnings */
#define BINDINGS_IDLE_BATCH	64	/* idle releases per tick */

struct bindings {
	const struct conf *conf;
	struct kmirror *km;
	struct balance *bal;
	struct clientinfo *info;
	struct portal *portal;	/* holds, idle watch, journal */
	struct ownaddr own;	/* this host's LAN addresses: never clients */
	time_t last_warn;
	struct bindings_counters n;
	/* A layer above told when the portal confirms or ends a binding. */
	bindings_confirm_cb on_confirm;
	void *on_confirm_arg;
	/* A layer above's choice of gateway for a new user (the load policy). */
	bindings_choose_cb choose;
	void *choose_arg;
};

struct bindings *bindings_new(const struct conf *c, struct kmirror *km)
{
	struct bindings *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->conf = c;
	b->km = km;
	b->bal = balance_new(c->max_clients);
	b->info = clientinfo_new(c->max_clients);
	if (!b->bal || !b->info) {
		bindings_free(b);
		return NULL;
	}
	if (ownaddr_refresh(&b->own, &c->lan_net, 1))
		log_warn("listing this host's addresses");
	return b;
}

void bindings_free(struct bindings *b)
{
	if (!b)
		return;
	portal_free(b->portal);
	balance_free(b->bal);
	clientinfo_free(b->info);
	free(b);
}

const struct balance *bindings_table(const struct bindings *b)
{
	return b->bal;
}

const struct client_meta *bindings_meta(const struct bindings *b, struct in_addr a)
{
	return clientinfo_get(b->info, a);
}

const struct ownaddr *bindings_own(const struct bindings *b)
{
	return &b->own;
}

const struct bindings_counters *bindings_counters(const struct bindings *b)
{
	return &b->n;
}

void bindings_on_confirm(struct bindings *b, bindings_confirm_cb cb, void *arg)
{
	b->on_confirm = cb;
	b->on_confirm_arg = arg;
}

void bindings_on_choose(struct bindings *b, bindings_choose_cb cb, void *arg)
{
	b->choose = cb;
	b->choose_arg = arg;
}

/* A new user's gateway: the chooser's, or -1 for the table's own rule. */
static int chosen(struct bindings *b)
{
	return b->choose ? b->choose(b->choose_arg) : -1;
}

static void confirmed(struct bindings *b, const struct nfqlb_addr *a)
{
	if (b->on_confirm)
		b->on_confirm(a, b->on_confirm_arg);
}

/* Rate-limited warnings for what can happen once per packet. */
static int warn_due(struct bindings *b)
{
	time_t now = time(NULL);

	if (now - b->last_warn < BINDINGS_WARN_INTERVAL)
		return 0;
	b->last_warn = now;
	return 1;
}

/* Out of every set: gateway gw's and the map. */
static void members_out(struct bindings *b, unsigned gw, const struct nfqlb_addr *a)
{
	kmirror_member_del(b->km, gw, a);
	kmirror_map_del(b->km, a);
}

/*
 * The slow path for a source the table does not hold: bind it.  The
 * set add is deferred: bindings_packet_flush() sends those of the whole
 * batch together, and the queue calls it before the batch's verdicts,
 * so the add still comes before the verdict and the next packet takes
 * the kernel fast path.  Returns the gateway, or -1 to leave it unmarked.
 */
static int packet_miss(struct bindings *b, const struct nfqlb_addr *src)
{
	char a[NFQLB_ADDRSTRLEN];
	int gw, created = 0;

	/* Released by the portal a moment ago: its own packets wait. */
	if (portal_holding(b->portal) && portal_held(b->portal, src))
		return -1;
	gw = balance_assign_to(b->bal, src, chosen(b), (uint32_t)time(NULL), &created);
	if (gw < 0) {
		b->n.table_full += errno == ENOSPC;
		if (warn_due(b))
			log_warnx("client %s left unbound: %s",
				  addr_format(src, a, sizeof(a)),
				  errno == ENOSPC ? "clients.max reached" :
				  "no gateway takes clients");
		return -1;
	}
	if (created) {
		b->n.binds_packet++;
		kmirror_member_add_defer(b->km, (unsigned)gw, src);
		portal_packet_bound(b->portal, src);
		if (log_debug_enabled())
			log_debug("bound %s to gateway %s (mark 0x%x)",
				  addr_format(src, a, sizeof(a)),
				  b->conf->gw[gw].name, conf_gw_mark(b->conf, (unsigned)gw));
	}
	return gw;
}

/* Not a client: outside the LAN, its network, broadcast or own addresses, the pair. */
static int not_a_client(struct bindings *b, const struct nfqlb_addr *src, int gw)
{
	/*
	 * The chain only queues LAN sources.  Checked on hits too, which
	 * can be outside the LAN: the sets read back at start may hold
	 * addresses of a lan.network changed across the restart.
	 */
	if (!net4_contains(&b->conf->lan_net, src->v4))
		return 1;
	if (gw == BALANCE_NO_GW && ownaddr_nonhost(&b->conf->lan_net, &b->own, src->v4)) {
		b->n.non_host++;
		return 1;
	}
	/* The HA pair's own addresses (VRRP, the peer) are no user. */
	return b->conf->ha.npair && ha_is_pair(&b->conf->ha, src->v4);
}

/*
 * A batch of packets whose sources the kernel did not find in any set:
 * mostly new clients, but also known ones whose packets were queued
 * before their set add, or whose set add failed.  One lookup call for the
 * batch overlaps its cache misses on a large table; only the misses
 * take the slow path, in arrival order, so that a new client seen
 * twice in a batch is bound by its first packet and found by the next.
 */
void bindings_packet_batch(const struct nfqlb_addr *src, unsigned n,
			   struct queue_result *res, void *arg)
{
	struct bindings *b = arg;
	int gw[QUEUE_MAX_BATCH];
	unsigned i;

	balance_lookup_many(b->bal, src, n, gw);
	for (i = 0; i < n; i++) {
		/* Their packets stay unmarked. */
		if (not_a_client(b, &src[i], gw[i]))
			continue;
		if (gw[i] == BALANCE_NO_GW)
			gw[i] = packet_miss(b, &src[i]);
		else if (portal_watching(b->portal) && portal_packet_seen(b->portal, &src[i]))
			kmirror_member_add_defer(b->km, (unsigned)gw[i], &src[i]); /* idle watch */
		if (gw[i] < 0)
			continue;
		res[i].gw_mark = conf_gw_mark(b->conf, (unsigned)gw[i]);
		res[i].set = 1;
	}
}

/*
 * The queue's end of a batch, before its verdicts: the set adds of
 * every client the batch bound, a few netlink requests in all
 * (one per gateway set, rather than one per client).
 */
void bindings_packet_flush(void *arg)
{
	struct bindings *b = arg;
	unsigned n = kmirror_pending(b->km);

	if (!n)
		return;
	kmirror_commit(b->km);
	log_debug("%u set adds sent for one batch", n);
}

int bindings_bind(struct bindings *b, const struct nfqlb_addr *a,
		  const struct client_meta *m, int *created, char *err, size_t len)
{
	char s[NFQLB_ADDRSTRLEN], serr[256];
	int gw, failed;

	gw = balance_assign_to(b->bal, a, chosen(b), (uint32_t)time(NULL), created);
	if (gw < 0) {
		snprintf(err, len, "cannot bind %s: %s", addr_format(a, s, sizeof(s)),
			 errno == ENOSPC ? "clients.max reached" :
			 errno == ENETUNREACH ? "no gateway takes clients" :
			 strerror(errno));
		return -1;
	}
	/*
	 * Into the sets even when already bound (cheap, and hooks are
	 * rare): a bind answers success only if the kernel holds it.
	 */
	failed = kmirror_member_add(b->km, (unsigned)gw, a, serr, sizeof(serr));
	if (failed && *created) {
		/* Never half-bound: out of the table and of any set it reached. */
		balance_release(b->bal, a);
		members_out(b, (unsigned)gw, a);
		*created = 0;
		snprintf(err, len, "cannot bind %s: %s", addr_format(a, s, sizeof(s)), serr);
		return -1;
	}
	if (*created) {
		b->n.binds_hook++;
		log_debug("hook bound %s to gateway %s", addr_format(a, s, sizeof(s)),
			  b->conf->gw[gw].name);
	}
	if (m && clientinfo_set(b->info, a->v4, m))
		log_warn("storing hook details of %s", addr_format(a, s, sizeof(s)));
	portal_bound(b->portal, a, *created, m);
	confirmed(b, a);
	if (failed) {
		/* Kept (a repair puts it back), but not reported as in place. */
		snprintf(err, len, "%s is bound to gateway %s but not in the kernel's "
			 "sets: %s", addr_format(a, s, sizeof(s)), b->conf->gw[gw].name,
			 serr);
		return -1;
	}
	return gw;
}

int bindings_adopt(struct bindings *b, const struct nfqlb_addr *a, unsigned slot)
{
	char serr[256];

	if (balance_bind(b->bal, a, slot, (uint32_t)time(NULL)))
		return -1;
	/* A set that refused it is counted and logged; a repair puts it back. */
	kmirror_member_add(b->km, slot, a, serr, sizeof(serr));
	return 0;
}

int bindings_release(struct bindings *b, const struct nfqlb_addr *a)
{
	int gw = balance_release(b->bal, a);

	clientinfo_del(b->info, a->v4);
	if (gw < 0)
		return -1;
	portal_released(b->portal, a);
	confirmed(b, a);
	b->n.releases++;
	members_out(b, (unsigned)gw, a);
	return gw;
}

void bindings_hold(struct bindings *b, const struct nfqlb_addr *a)
{
	portal_hold(b->portal, a);
}

int bindings_move(struct bindings *b, const struct nfqlb_addr *a, unsigned from,
		  unsigned to)
{
	char s[NFQLB_ADDRSTRLEN], serr[256];

	if (balance_bind(b->bal, a, to, (uint32_t)time(NULL))) {
		log_warn("moving client %s", addr_format(a, s, sizeof(s)));
		return -1;
	}
	/* New set first: the client is never in no set at all. */
	kmirror_member_add(b->km, to, a, serr, sizeof(serr));
	kmirror_member_del(b->km, from, a);
	portal_moved(b->portal, a);
	return 0;
}

struct collect_ctx {
	unsigned gw;
	uint32_t n, cap;
	struct nfqlb_addr *a;
};

static int collect_cb(const struct balance_binding *bb, void *arg)
{
	struct collect_ctx *cc = arg;

	if (bb->gw == cc->gw && cc->n < cc->cap)
		cc->a[cc->n++] = bb->addr;
	return 0;
}

/* The clients of slot gw (cc->a to free), or cc->n == 0. */
static void gw_collect(struct bindings *b, unsigned gw, struct collect_ctx *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->gw = gw;
	cc->cap = balance_gw_clients(b->bal, gw);
	if (!cc->cap)
		return;
	cc->a = calloc(cc->cap, sizeof(*cc->a));
	if (!cc->a) {
		log_warn("listing the clients of gateway %s", b->conf->gw[gw].name);
		return;
	}
	balance_foreach(b->bal, collect_cb, cc);
}

uint32_t bindings_evacuate(struct bindings *b, unsigned gw)
{
	struct collect_ctx cc;
	uint32_t i, moved = 0;
	int to;

	gw_collect(b, gw, &cc);
	for (i = 0; i < cc.n; i++) {
		to = balance_pick(b->bal);
		if (to < 0 || (unsigned)to == gw)
			break;	/* no live gateway: they stay */
		if (bindings_move(b, &cc.a[i], gw, (unsigned)to) == 0)
			moved++;
	}
	b->n.rebinds += moved;
	if (cc.n)
		log_info("gateway %s: %u clients moved to other gateways, %u stay",
			 b->conf->gw[gw].name, moved, cc.n - moved);
	free(cc.a);
	return moved;
}

struct rebalance_ctx {
	struct balance_binding *bb;
	uint32_t n, cap;
};

static int rb_collect(const struct balance_binding *bb, void *arg)
{
	struct rebalance_ctx *r = arg;

	if (r->n < r->cap)
		r->bb[r->n++] = *bb;
	return 0;
}

uint32_t bindings_rebalance(struct bindings *b)
{
	struct rebalance_ctx r = { 0 };
	uint32_t cursor[BALANCE_MAX_GW] = { 0 }, moved = 0, k;
	unsigned from, to;

	r.cap = balance_clients(b->bal);
	if (!r.cap)
		return 0;
	r.bb = calloc(r.cap, sizeof(*r.bb));
	if (!r.bb) {
		log_warn("rebalance");
		return 0;
	}
	balance_foreach(b->bal, rb_collect, &r);
	while (moved < r.n && balance_rebalance_step(b->bal, &from, &to)) {
		/* The next client of from that has not moved yet. */
		for (k = cursor[from]; k < r.n && r.bb[k].gw != from; k++)
			;
		if (k == r.n)
			break;
		cursor[from] = k + 1;
		if (bindings_move(b, &r.bb[k].addr, from, to))
			break;
		moved++;
	}
	free(r.bb);
	b->n.rebalanced += moved;
	log_info("rebalance: %u clients moved", moved);
	return moved;
}

int bindings_gw_add(struct bindings *b, uint32_t weight)
{
	return balance_gw_add(b->bal, weight);
}

void bindings_gw_weight(struct bindings *b, unsigned slot, uint32_t weight)
{
	balance_gw_set_weight(b->bal, slot, weight);
}

void bindings_gw_available(struct bindings *b, unsigned slot, int available)
{
	balance_gw_set_available(b->bal, slot, available);
}

/* Forget every client of slot gw (a gateway removed with nowhere to go). */
static void gw_forget_clients(struct bindings *b, unsigned gw)
{
	struct collect_ctx cc;
	uint32_t i;

	gw_collect(b, gw, &cc);
	for (i = 0; i < cc.n; i++) {
		balance_release(b->bal, &cc.a[i]);
		clientinfo_del(b->info, cc.a[i].v4);
		portal_released(b->portal, &cc.a[i]);
		confirmed(b, &cc.a[i]);
		kmirror_map_del(b->km, &cc.a[i]);
	}
	if (cc.n)
		log_warnx("gateway %s removed with no live gateway left: %u clients "
			  "unbound", b->conf->gw[gw].name, cc.n);
	free(cc.a);
}

void bindings_gw_remove(struct bindings *b, unsigned gw)
{
	balance_gw_set_available(b->bal, gw, 0);
	bindings_evacuate(b, gw);
	gw_forget_clients(b, gw);
}

static void members_register(struct bindings *b);

int bindings_start(struct bindings *b)
{
	members_register(b);
	b->portal = portal_new(b->conf, b->bal, b->info, b->km, &b->n.binds_held);
	return b->portal ? 0 : -1;
}

struct restore_ctx {
	struct bindings *b;
	unsigned gw;
	unsigned restored, conflicts;
};

static void restore_member_cb(const struct nfqlb_addr *a, void *arg)
{
	struct restore_ctx *r = arg;
	struct bindings *b = r->b;
	char s[NFQLB_ADDRSTRLEN];
	int cur = balance_lookup(b->bal, a);

	if (cur >= 0) {
		/* In two sets: keep the first, as the kernel's rule order does. */
		log_warnx("client %s is in sets %s and %s: keeping %s",
			  addr_format(a, s, sizeof(s)), kmirror_set_name(b->km, (unsigned)cur),
			  kmirror_set_name(b->km, r->gw), kmirror_set_name(b->km, (unsigned)cur));
		kmirror_member_del(b->km, r->gw, a);
		r->conflicts++;
		return;
	}
	if (balance_bind(b->bal, a, r->gw,
			 portal_restored_since(b->portal, a, (uint32_t)time(NULL)))) {
		log_warn("restoring client %s from set %s",
			 addr_format(a, s, sizeof(s)), kmirror_set_name(b->km, r->gw));
		return;
	}
	r->restored++;
}

int bindings_restore_gw(struct bindings *b, unsigned slot, unsigned *restored,
			char *err, size_t len)
{
	struct restore_ctx r = { .b = b, .gw = slot };

	if (kmirror_members_list(b->km, slot, restore_member_cb, &r, err, len))
		return -1;
	if (restored)
		*restored += r.restored;
	return 0;
}

void bindings_restored(struct bindings *b)
{
	portal_restored(b->portal);
}

int bindings_map_setup(struct bindings *b, char *err, size_t len)
{
	int stale;

	if (kmirror_map_create(b->km, err, len))
		return -1;
	stale = kmirror_map_fill(b->km, b->bal, err, len);
	if (stale < 0)
		return -1;
	log_info("map set %s: %u bindings, %d stale members removed",
		 kmirror_map_name(b->km), balance_clients(b->bal), stale);
	return 0;
}

/* Self-repair: the table's side of kmirror's audit (kmirror.h). */
static uint32_t members_count_cb(unsigned slot, void *arg)
{
	struct bindings *b = arg;

	return slot == KMIRROR_MAP ? balance_clients(b->bal) :
				     balance_gw_clients(b->bal, slot);
}

static void members_refill_cb(unsigned slot, void *arg)
{
	struct bindings *b = arg;

	kmirror_refill(b->km, b->bal, slot);
}

/* The mirror's audit counts, and its repair refills, from the table. */
static void members_register(struct bindings *b)
{
	const struct kmirror_members m = {
		.count = members_count_cb, .refill = members_refill_cb, .arg = b,
	};

	kmirror_members(b->km, &m);
}

int bindings_confirmed(const struct bindings *b, const struct nfqlb_addr *a)
{
	return portal_confirmed(b->portal, a);
}

void bindings_batch(struct bindings *b, int on)
{
	portal_batch(b->portal, on);
}

void bindings_defer(struct bindings *b)
{
	kmirror_defer(b->km, 1);
}

void bindings_commit(struct bindings *b)
{
	kmirror_commit(b->km);
}

void bindings_tick(struct bindings *b)
{
	struct nfqlb_addr gone[BINDINGS_IDLE_BATCH];
	char s[NFQLB_ADDRSTRLEN];
	unsigned i, n;

	n = portal_tick(b->portal, gone, BINDINGS_IDLE_BATCH);
	for (i = 0; i < n; i++) {
		if (bindings_release(b, &gone[i]) < 0)
			continue;
		b->n.idle_releases++;
		log_info("client %s released: no traffic for %u s",
			 addr_format(&gone[i], s, sizeof(s)), b->conf->idle_timeout);
	}
	ownaddr_refresh(&b->own, &b->conf->lan_net, 0);
}
