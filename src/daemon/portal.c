// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * portal.c - release hold, idle timeout and the journal's glue (see
 * portal.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/iptab.h"
#include "util/log.h"
#include "daemon/hasync.h"
#include "daemon/portal.h"
#include "daemon/state.h"
#include "daemon/sync.h"

/* The journal is rewritten when it holds this many lines more than bindings. */
#define PORTAL_REWRITE_SLACK	100000u

static uint32_t now32(void)
{
	return (uint32_t)time(NULL);
}

int portal_start(struct nfqlbd *d)
{
	char name[64];

	d->hold = iptab_new(d->conf.max_clients / 4);
	d->watch = iptab_new(d->conf.idle_timeout ? d->conf.max_clients / 4 : 64);
	if (!d->hold || !d->watch)
		return -1;
	snprintf(name, sizeof(name), "%sq%u", d->conf.set_prefix, d->conf.queue_num);
	d->state = state_open(d->conf.state_dir, name, d->conf.max_clients);
	return d->state ? 0 : -1;
}

uint32_t portal_restored_since(struct nfqlbd *d, const struct nfqlb_addr *a,
			       uint32_t now)
{
	const struct state_rec *r = state_replayed(d->state, a->v4);

	return r && r->since ? r->since : now;
}

static void watch_add(struct nfqlbd *d, const struct nfqlb_addr *a, uint32_t now)
{
	struct iptab_ent *e;

	if (!d->conf.idle_timeout)
		return;
	e = iptab_put(d->watch, a->v4.s_addr);
	if (!e) {
		log_warn("watching a packet binding for idle_timeout");
		return;
	}
	e->t1 = now;
	e->t2 = 0;
}

struct restored_ctx {
	struct nfqlbd *d;
	uint32_t now, meta, watched;
};

static int restored_cb(const struct balance_binding *bb, void *arg)
{
	struct restored_ctx *x = arg;
	struct nfqlbd *d = x->d;
	const struct state_rec *r = state_replayed(d->state, bb->addr.v4);
	struct state_rec w = { .since = bb->since, .confirmed = 1 };

	if (r) {
		w.confirmed = r->confirmed;
		w.m = r->m;
		if (clientinfo_set(d->info, bb->addr.v4, &r->m) == 0 &&
		    (r->m.mac[0] || r->m.user[0] || r->m.session[0]))
			x->meta++;
	}
	/* Bound before the journal existed: as if by a bind, never idled out. */
	if (!w.confirmed && d->conf.idle_timeout) {
		watch_add(d, &bb->addr, x->now);
		x->watched++;
	}
	state_rewrite_add(d->state, bb->addr.v4, &w);
	return 0;
}

void portal_restored(struct nfqlbd *d)
{
	struct restored_ctx x = { .d = d, .now = now32() };
	int rw = state_rewrite_begin(d->state);

	balance_foreach(d->bal, restored_cb, &x);
	if (!rw)
		state_rewrite_end(d->state);
	state_replay_drop(d->state);
	log_info("journal: details of %u clients restored, %u packet bindings "
		 "watched for idle_timeout", x.meta, x.watched);
}

void portal_stop(struct nfqlbd *d)
{
	sync_free(d);
	state_close(d->state);
	iptab_free(d->hold);
	iptab_free(d->watch);
	d->state = NULL;
	d->hold = d->watch = NULL;
}

int portal_held(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	struct iptab_ent *e = iptab_get(d->hold, a->v4.s_addr);

	if (!e)
		return 0;
	if (e->t1 <= now32()) {
		iptab_del(d->hold, a->v4.s_addr);
		return 0;
	}
	d->n.binds_held++;
	return 1;
}

void portal_packet_bound(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	struct state_rec r = { .since = now32(), .confirmed = 0 };

	watch_add(d, a, r.since);
	state_bind(d->state, a->v4, &r);
}

int portal_packet_seen(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	struct iptab_ent *e = iptab_get(d->watch, a->v4.s_addr);
	int back;

	if (!e)
		return 0;
	back = e->t2 != 0;
	e->t1 = now32();
	e->t2 = 0;
	return back;
}

void portal_bound(struct nfqlbd *d, const struct nfqlb_addr *a, int created,
		  const struct client_meta *m)
{
	const struct client_meta *cur = clientinfo_get(d->info, a->v4);
	struct state_rec r = { .since = created ? now32() : 0, .confirmed = 1 };
	struct iptab_ent *e = iptab_get(d->watch, a->v4.s_addr);

	/* Confirmed: an idle client taken out of the sets goes back in. */
	if (e && e->t2) {
		int gw = balance_lookup(d->bal, a);

		if (gw >= 0)
			nfqlbd_set_member(d, (unsigned)gw, a, 1);
	}
	iptab_del(d->watch, a->v4.s_addr);
	iptab_del(d->hold, a->v4.s_addr);
	hasync_forget(d, a);
	if (cur)
		r.m = *cur;
	else if (m)
		r.m = *m;
	state_bind(d->state, a->v4, &r);
}

void portal_released(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	iptab_del(d->watch, a->v4.s_addr);
	hasync_forget(d, a);
	state_release(d->state, a->v4);
}

void portal_hold(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	struct iptab_ent *e;

	if (!d->conf.release_hold)
		return;
	e = iptab_put(d->hold, a->v4.s_addr);
	if (e)
		e->t1 = now32() + d->conf.release_hold;
}

void portal_moved(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	const struct client_meta *cur = clientinfo_get(d->info, a->v4);
	struct state_rec r = { .since = now32() };

	r.confirmed = !iptab_get(d->watch, a->v4.s_addr);
	if (cur)
		r.m = *cur;
	state_bind(d->state, a->v4, &r);
	/* Out of the sets for the idle watch, and now back in: watch anew. */
	portal_packet_seen(d, a);
}

struct tick_ctx {
	struct nfqlbd *d;
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
		gw = balance_lookup(x->d->bal, &a);
		if (gw < 0)
			return 1;
		/* Out of the sets: its next packet is seen by the queue. */
		nfqlbd_set_member(x->d, (unsigned)gw, &a, 0);
		e->t2 = x->now;
		x->armed++;
		return 0;
	}
	if (x->now - e->t2 < x->d->conf.idle_timeout || x->ngone == 64)
		return 0;
	x->gone[x->ngone++] = a;
	return 0;
}

/* A binding as the running daemon knows it, for a rewrite. */
static int rewrite_cb(const struct balance_binding *bb, void *arg)
{
	struct nfqlbd *d = arg;
	const struct client_meta *m = clientinfo_get(d->info, bb->addr.v4);
	struct state_rec r = { .since = bb->since };

	r.confirmed = !iptab_get(d->watch, bb->addr.v4.s_addr);
	if (m)
		r.m = *m;
	state_rewrite_add(d->state, bb->addr.v4, &r);
	return 0;
}

void portal_tick(struct nfqlbd *d)
{
	struct tick_ctx x = { .d = d, .now = now32() };
	char s[NFQLB_ADDRSTRLEN];
	unsigned i;

	iptab_foreach(d->hold, hold_expire_cb, &x.now);
	if (d->conf.idle_timeout && iptab_count(d->watch)) {
		x.half = d->conf.idle_timeout / 2 ? d->conf.idle_timeout / 2 : 1;
		iptab_foreach(d->watch, watch_cb, &x);
		/* Released outside the walk: a release deletes from the watch. */
		for (i = 0; i < x.ngone; i++) {
			if (nfqlbd_release(d, &x.gone[i]) >= 0) {
				d->n.idle_releases++;
				log_info("client %s released: no traffic for %u s",
					 addr_format(&x.gone[i], s, sizeof(s)),
					 d->conf.idle_timeout);
			}
		}
	}
	if (state_appended(d->state) > balance_clients(d->bal) + PORTAL_REWRITE_SLACK &&
	    !state_rewrite_begin(d->state)) {
		balance_foreach(d->bal, rewrite_cb, d);
		state_rewrite_end(d->state);
	}
}
