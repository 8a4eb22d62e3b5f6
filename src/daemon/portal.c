// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portal.c - release hold, idle timeout and the journal's glue (see
 * portal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/iptab.h"
#include "util/log.h"
#include "daemon/portal.h"
#include "daemon/state.h"

/* The journal is rewritten when it holds this many lines more than bindings. */
#define PORTAL_REWRITE_SLACK	100000u

struct portal {
	const struct conf *conf;
	const struct balance *bal;
	struct clientinfo *info;
	struct kmirror *km;
	struct iptab *hold;	/* released clients: no rebind by packet */
	struct iptab *watch;	/* packet bindings watched for idle_timeout */
	struct state *state;	/* the journal */
	uint64_t *binds_held;	/* the caller's counter */
};

static uint32_t now32(void)
{
	return (uint32_t)time(NULL);
}

struct portal *portal_new(const struct conf *c, const struct balance *bal,
			  struct clientinfo *info, struct kmirror *km, uint64_t *binds_held)
{
	struct portal *p = calloc(1, sizeof(*p));
	char name[64];

	if (!p)
		return NULL;
	p->conf = c;
	p->bal = bal;
	p->info = info;
	p->km = km;
	p->binds_held = binds_held;
	p->hold = iptab_new(c->max_clients / 4);
	p->watch = iptab_new(c->idle_timeout ? c->max_clients / 4 : 64);
	snprintf(name, sizeof(name), "%sq%u", c->set_prefix, c->queue_num);
	if (p->hold && p->watch)
		p->state = state_open(c->state_dir, name, c->max_clients);
	if (!p->state) {
		portal_free(p);
		return NULL;
	}
	return p;
}

uint32_t portal_restored_since(struct portal *p, const struct nfqlb_addr *a,
			       uint32_t now)
{
	const struct state_rec *r = state_replayed(p->state, a->v4);

	return r && r->since ? r->since : now;
}

static void watch_add(struct portal *p, const struct nfqlb_addr *a, uint32_t now)
{
	struct iptab_ent *e;

	if (!p->conf->idle_timeout)
		return;
	e = iptab_put(p->watch, a->v4.s_addr);
	if (!e) {
		log_warn("watching a packet binding for idle_timeout");
		return;
	}
	e->t1 = now;
	e->t2 = 0;
}

struct restored_ctx {
	struct portal *p;
	uint32_t now, meta, watched;
};

static int restored_cb(const struct balance_binding *bb, void *arg)
{
	struct restored_ctx *x = arg;
	struct portal *p = x->p;
	const struct state_rec *r = state_replayed(p->state, bb->addr.v4);
	struct state_rec w = { .since = bb->since, .confirmed = 1 };

	if (r) {
		w.confirmed = r->confirmed;
		w.m = r->m;
		if (clientinfo_set(p->info, bb->addr.v4, &r->m) == 0 &&
		    (r->m.mac[0] || r->m.user[0] || r->m.session[0]))
			x->meta++;
	}
	/* Bound before the journal existed: as if by a bind, never idled out. */
	if (!w.confirmed && p->conf->idle_timeout) {
		watch_add(p, &bb->addr, x->now);
		x->watched++;
	}
	state_rewrite_add(p->state, bb->addr.v4, &w);
	return 0;
}

void portal_restored(struct portal *p)
{
	struct restored_ctx x = { .p = p, .now = now32() };
	int rw = state_rewrite_begin(p->state);

	balance_foreach(p->bal, restored_cb, &x);
	if (!rw)
		state_rewrite_end(p->state);
	state_replay_drop(p->state);
	log_info("journal: details of %u clients restored, %u packet bindings "
		 "watched for idle_timeout", x.meta, x.watched);
}

void portal_free(struct portal *p)
{
	if (!p)
		return;
	state_close(p->state);
	iptab_free(p->hold);
	iptab_free(p->watch);
	free(p);
}

int portal_holding(const struct portal *p)
{
	return iptab_count(p->hold) != 0;
}

int portal_watching(const struct portal *p)
{
	return iptab_count(p->watch) != 0;
}

int portal_held(struct portal *p, const struct nfqlb_addr *a)
{
	struct iptab_ent *e = iptab_get(p->hold, a->v4.s_addr);

	if (!e)
		return 0;
	if (e->t1 <= now32()) {
		iptab_del(p->hold, a->v4.s_addr);
		return 0;
	}
	(*p->binds_held)++;
	return 1;
}

void portal_packet_bound(struct portal *p, const struct nfqlb_addr *a)
{
	struct state_rec r = { .since = now32(), .confirmed = 0 };

	watch_add(p, a, r.since);
	state_bind(p->state, a->v4, &r);
}

int portal_packet_seen(struct portal *p, const struct nfqlb_addr *a)
{
	struct iptab_ent *e = iptab_get(p->watch, a->v4.s_addr);
	int back;

	if (!e)
		return 0;
	back = e->t2 != 0;
	e->t1 = now32();
	e->t2 = 0;
	return back;
}

void portal_bound(struct portal *p, const struct nfqlb_addr *a, int created,
		  const struct client_meta *m)
{
	const struct client_meta *cur = clientinfo_get(p->info, a->v4);
	struct state_rec r = { .since = created ? now32() : 0, .confirmed = 1 };
	struct iptab_ent *e = iptab_get(p->watch, a->v4.s_addr);

	/* Confirmed: an idle client taken out of the sets goes back in. */
	if (e && e->t2) {
		int gw = balance_lookup(p->bal, a);

		if (gw >= 0) {
			char err[256];

			kmirror_member_add(p->km, (unsigned)gw, a, err, sizeof(err));
		}
	}
	iptab_del(p->watch, a->v4.s_addr);
	iptab_del(p->hold, a->v4.s_addr);
	if (cur)
		r.m = *cur;
	else if (m)
		r.m = *m;
	state_bind(p->state, a->v4, &r);
}

void portal_released(struct portal *p, const struct nfqlb_addr *a)
{
	iptab_del(p->watch, a->v4.s_addr);
	state_release(p->state, a->v4);
}

void portal_hold(struct portal *p, const struct nfqlb_addr *a)
{
	struct iptab_ent *e;

	if (!p->conf->release_hold)
		return;
	e = iptab_put(p->hold, a->v4.s_addr);
	if (e)
		e->t1 = now32() + p->conf->release_hold;
}

void portal_moved(struct portal *p, const struct nfqlb_addr *a)
{
	const struct client_meta *cur = clientinfo_get(p->info, a->v4);
	struct state_rec r = { .since = now32() };

	r.confirmed = !iptab_get(p->watch, a->v4.s_addr);
	if (cur)
		r.m = *cur;
	state_bind(p->state, a->v4, &r);
	/* Out of the sets for the idle watch, and now back in: watch anew. */
	portal_packet_seen(p, a);
}

struct tick_ctx {
	struct portal *p;
	uint32_t now, half, released, armed;
	struct nfqlb_addr gone[64];
	unsigned ngone;
};

static int hold_expire_cb(struct iptab_ent *e, void *arg)
{
	return e->t1 <= *(uint32_t *)arg;
}

static int watch_cb(struct iptab_ent *e, void *arg)
{
	struct tick_ctx *x = arg;
	struct nfqlb_addr a = { .family = AF_INET };
	int gw;

	a.v4.s_addr = e->ip;
	if (!e->t2) {
		if (x->now - e->t1 < x->half)
			return 0;
		gw = balance_lookup(x->p->bal, &a);
		if (gw < 0)
			return 1;
		/* Out of the sets: its next packet is seen by the queue. */
		kmirror_member_del(x->p->km, (unsigned)gw, &a);
		kmirror_map_del(x->p->km, &a);
		e->t2 = x->now;
		x->armed++;
		return 0;
	}
	if (x->now - e->t2 < x->p->conf->idle_timeout || x->ngone == 64)
		return 0;
	x->gone[x->ngone++] = a;
	return 0;
}

/* A binding as the running daemon knows it, for a rewrite. */
static int rewrite_cb(const struct balance_binding *bb, void *arg)
{
	struct portal *p = arg;
	const struct client_meta *m = clientinfo_get(p->info, bb->addr.v4);
	struct state_rec r = { .since = bb->since };

	r.confirmed = !iptab_get(p->watch, bb->addr.v4.s_addr);
	if (m)
		r.m = *m;
	state_rewrite_add(p->state, bb->addr.v4, &r);
	return 0;
}

unsigned portal_tick(struct portal *p, struct nfqlb_addr *gone, unsigned max)
{
	struct tick_ctx x = { .p = p, .now = now32() };
	unsigned n;

	iptab_foreach(p->hold, hold_expire_cb, &x.now);
	if (p->conf->idle_timeout && iptab_count(p->watch)) {
		x.half = p->conf->idle_timeout / 2 ? p->conf->idle_timeout / 2 : 1;
		iptab_foreach(p->watch, watch_cb, &x);
	}
	if (state_appended(p->state) > balance_clients(p->bal) + PORTAL_REWRITE_SLACK &&
	    !state_rewrite_begin(p->state)) {
		balance_foreach(p->bal, rewrite_cb, p);
		state_rewrite_end(p->state);
	}
	/* Released by the caller, outside the walk: a release deletes from the watch. */
	n = x.ngone < max ? x.ngone : max;
	memcpy(gone, x.gone, n * sizeof(*gone));
	return n;
}

int portal_confirmed(const struct portal *p, const struct nfqlb_addr *a)
{
	return !iptab_get(p->watch, a->v4.s_addr);
}

void portal_batch(struct portal *p, int on)
{
	if (on)
		state_batch_begin(p->state);
	else
		state_batch_end(p->state);
}
