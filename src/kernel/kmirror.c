// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmirror.c - the kernel mirror: every set, rule, route and chain
 * nfqlbd owns, composed in one place (the list is in kmirror.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/balance.h"
#include "kernel/kmirror.h"
#include "kernel/kmon.h"
#include "util/log.h"

struct kmirror_gw {
	char setname[32];
	/* The link as uplink.c last saw it (kmirror_gw_link). */
	int link_ok;		/* its routes can be installed */
	unsigned ifindex;	/* the routes' device */
	struct in_addr nexthop;	/* 0.0.0.0: "default dev" (point-to-point) */
	int routed;		/* its table (and last resort) is wanted */
	int lan_rule;		/* its "from LAN" rule is wanted (failover) */
	int probe_rule;		/* its "iif lo" probe rule is wanted */
	int set_seen;		/* its set existed at the last set audit */
};

#define KMIRROR_TICK_MS		200	/* the quiet check; set existence */
#define KMIRROR_COUNT_TICKS	5	/* members counted every 5th tick */
#define KMIRROR_RETRY_MS	5000	/* after a repair that failed */
#define KMIRROR_WARN_S		10	/* between repeated set warnings */

struct kmirror {
	const struct conf *conf;
	const struct kbackend_ops *ops;
	struct kbackend *kb;
	int defer;		/* adds recorded until kmirror_commit() */
	uint64_t set_errors;
	time_t last_warn;
	struct kmirror_gw gw[BALANCE_MAX_GW];
	char mapname[32];	/* "" with pin_connections */
	int map_seen;
	int steered;		/* the chains are wanted */
	/* Watching (kmirror_watch). */
	struct kmirror_members mem;
	int ep, mon_rtnl, mon_nft, timer;
	unsigned ticks;
	int pending;		/* a change seen, not yet audited */
	int mangle_dirty;	/* ... in ip mangle: the chains want an audit */
	uint64_t change_ms;	/* the last change seen (CLOCK_MONOTONIC) */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Slot i's rule of that kind: add, delete or look for it (kbackend.h). */
static int gw_rule(const struct kbackend_ops *ops, struct kbackend *kb,
		   const struct conf *c, unsigned i, enum conf_rule_kind kind,
		   enum kb_rule_op op)
{
	struct conf_rule r;

	conf_gw_rule(c, i, kind, &r);
	return ops->rule(kb, &r, op);
}

static uint32_t rule_prio(const struct conf *c, unsigned i, enum conf_rule_kind kind)
{
	struct conf_rule r;

	conf_gw_rule(c, i, kind, &r);
	return r.prio;
}

/*
 * The "iif lo" rule routes the box's own packets of mark M through
 * table M: the probes of a probed gateway, and the upstream
 * connections of a web proxy's instance for it (proxy.h) while the
 * proxy is on and the gateway routed.
 */
static int local_wanted(const struct kmirror *k, unsigned i)
{
	return k->gw[i].probe_rule || (k->conf->proxy.enable && k->gw[i].routed);
}

struct kmirror *kmirror_open(const struct conf *c, const struct kbackend_ops *ops)
{
	struct kmirror *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->conf = c;
	k->ops = ops;
	k->ep = k->mon_rtnl = k->mon_nft = k->timer = -1;
	k->kb = ops->open();
	if (!k->kb) {
		free(k);
		return NULL;
	}
	return k;
}

void kmirror_close(struct kmirror *k)
{
	if (!k)
		return;
	if (k->ep >= 0)
		close(k->ep);
	if (k->mon_rtnl >= 0)
		close(k->mon_rtnl);
	if (k->mon_nft >= 0)
		close(k->mon_nft);
	if (k->timer >= 0)
		close(k->timer);
	k->ops->close(k->kb);
	free(k);
}

const char *kmirror_set_name(const struct kmirror *k, unsigned i)
{
	return i < BALANCE_MAX_GW ? k->gw[i].setname : "";
}

const char *kmirror_map_name(const struct kmirror *k)
{
	return k->mapname;
}

int kmirror_gw_set(struct kmirror *k, unsigned i, char *err, size_t len)
{
	const struct conf *c = k->conf;

	conf_set_name(c, i, k->gw[i].setname, sizeof(k->gw[i].setname));
	if (k->ops->set_create(k->kb, k->gw[i].setname, c->max_clients, 0)) {
		snprintf(err, len, "gateway %s: %s", c->gw[i].name,
			 k->ops->error(k->kb));
		return -1;
	}
	k->gw[i].set_seen = 1;	/* ours: not a change for the audit */
	return 0;
}

/* The table's last resort, if the gateway wants one (conf.h). */
static int last_resort_wanted(const struct kmirror *k, unsigned i)
{
	return k->conf->gw[i].last_resort == CONF_LR_UNREACHABLE;
}

/* Routes a gateway's table holds when all is well. */
static int routes_wanted(const struct kmirror *k, unsigned i)
{
	const struct kmirror_gw *g = &k->gw[i];

	return last_resort_wanted(k, i) +
	       (g->link_ok ? (g->nexthop.s_addr ? 2 : 1) : 0);
}

/* Its own routes through the link (the last resort aside). */
static int gw_routes_add(struct kmirror *k, unsigned i)
{
	const struct kmirror_gw *g = &k->gw[i];

	if (!g->link_ok)
		return 0;
	return k->ops->routes_add(k->kb, conf_gw_mark(k->conf, i), g->nexthop,
				  g->ifindex);
}

/* A usable link's routes are not all there (a failed count is not news). */
static int routes_lost(struct kmirror *k, unsigned i)
{
	int n;

	if (!k->gw[i].link_ok || !k->gw[i].routed)
		return 0;
	n = k->ops->table_count(k->kb, conf_gw_mark(k->conf, i));
	return n >= 0 && n < routes_wanted(k, i);
}

int kmirror_gw_routing(struct kmirror *k, unsigned i, int lan_rule,
		       char *err, size_t len)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);

	g->routed = 1;
	g->lan_rule = lan_rule;
	/* The last resort first: no moment when the table falls through. */
	if ((last_resort_wanted(k, i) && k->ops->last_resort(k->kb, mark, 1)) ||
	    gw_routes_add(k, i) ||
	    (lan_rule && gw_rule(k->ops, k->kb, c, i, CONF_RULE_LAN, KB_RULE_ADD)) ||
	    (c->proxy.enable && gw_rule(k->ops, k->kb, c, i, CONF_RULE_PROBE, KB_RULE_ADD))) {
		snprintf(err, len, "gateway %s: %s", c->gw[i].name, k->ops->error(k->kb));
		return -1;
	}
	return 0;
}

int kmirror_gw_link(struct kmirror *k, unsigned i, int ok, unsigned ifindex,
		    struct in_addr nexthop, char *err, size_t len)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);

	if (!ok) {
		ifindex = 0;
		nexthop.s_addr = INADDR_ANY;
	}
	/*
	 * Nothing new, unless the routes are gone: a link down and up
	 * again between two looks (the kernel deleted them, silently).
	 */
	if (g->link_ok == ok && g->ifindex == ifindex &&
	    g->nexthop.s_addr == nexthop.s_addr && !routes_lost(k, i))
		return 0;
	g->link_ok = ok;
	g->ifindex = ifindex;
	g->nexthop = nexthop;
	if (!g->routed)
		return 1;
	/*
	 * Whatever the old link left (the kernel deletes a downed link's
	 * routes, not those of a link without carrier or a changed next
	 * hop), then the new routes; the last resort stays throughout.
	 */
	if (k->ops->table_flush(k->kb, mark, 1) ||
	    (last_resort_wanted(k, i) && k->ops->last_resort(k->kb, mark, 1)) ||
	    gw_routes_add(k, i)) {
		snprintf(err, len, "gateway %s: %s", c->gw[i].name, k->ops->error(k->kb));
		/* Not usable: the next call tries again. */
		k->ops->table_flush(k->kb, mark, 1);
		g->link_ok = 0;
		g->ifindex = 0;
		g->nexthop.s_addr = INADDR_ANY;
		return -1;
	}
	return 1;
}

int kmirror_link_get(struct kmirror *k, const char *ifname, enum linkstate_nh nh,
		     struct kb_link *l, char *err, size_t len)
{
	if (!k->ops->link_get(k->kb, ifname, nh, l))
		return 0;
	snprintf(err, len, "interface %s: %s", ifname, k->ops->error(k->kb));
	return -1;
}

void kmirror_gw_unroute(struct kmirror *k, unsigned i)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);

	if (gw_rule(k->ops, k->kb, c, i, CONF_RULE_LAN, KB_RULE_DEL) ||
	    (c->proxy.enable && !g->probe_rule &&
	     gw_rule(k->ops, k->kb, c, i, CONF_RULE_PROBE, KB_RULE_DEL)) ||
	    k->ops->table_flush(k->kb, mark, 0))
		log_warnx("gateway %s: %s", c->gw[i].name, k->ops->error(k->kb));
	g->routed = 0;
	g->lan_rule = 0;
	/* Whatever its link now: uplink.c tells again (kmirror_gw_link). */
	g->link_ok = 0;
	g->ifindex = 0;
	g->nexthop.s_addr = INADDR_ANY;
}

int kmirror_gw_lan_rule(struct kmirror *k, unsigned i, int add)
{
	const struct conf *c = k->conf;
	int rc;

	k->gw[i].lan_rule = add;
	rc = gw_rule(k->ops, k->kb, c, i, CONF_RULE_LAN, add ? KB_RULE_ADD : KB_RULE_DEL);
	if (rc)
		log_warnx("gateway %s: %s", c->gw[i].name, k->ops->error(k->kb));
	return rc;
}

int kmirror_gw_probe_rule(struct kmirror *k, unsigned i, int add,
			  char *err, size_t len)
{
	const struct conf *c = k->conf;
	int rc;

	k->gw[i].probe_rule = add;
	if (!add && local_wanted(k, i))
		return 0;	/* the proxy's traffic still needs it */
	rc = gw_rule(k->ops, k->kb, c, i, CONF_RULE_PROBE, add ? KB_RULE_ADD : KB_RULE_DEL);
	if (rc)
		snprintf(err, len, "gateway %s: probe rule: %s", c->gw[i].name,
			 k->ops->error(k->kb));
	return rc;
}

void kmirror_gw_forget(struct kmirror *k, unsigned i)
{
	if (k->gw[i].setname[0] && k->ops->set_destroy(k->kb, k->gw[i].setname))
		log_warnx("%s", k->ops->error(k->kb));
	memset(&k->gw[i], 0, sizeof(k->gw[i]));
}

/* A set add or del the kernel refused: counted, logged (rate-limited). */
static void set_failed(struct kmirror *k, const char *msg)
{
	time_t now = time(NULL);

	k->set_errors++;
	if (now - k->last_warn < KMIRROR_WARN_S)
		return;
	k->last_warn = now;
	log_warnx("%s", msg);
}

static void commit_fail_cb(const char *set, const struct nfqlb_addr *a,
			   const char *msg, void *arg)
{
	(void)set;
	(void)a;
	set_failed(arg, msg);
}

static int map_add(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a,
		   int defer)
{
	if (!k->mapname[0])
		return 0;
	if (k->ops->member_add(k->kb, k->mapname, a, conf_gw_mark(k->conf, gw),
			       k->conf->mark_mask, defer)) {
		set_failed(k, k->ops->error(k->kb));
		return -1;
	}
	return 0;
}

void kmirror_member_add_defer(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a)
{
	if (k->ops->member_add(k->kb, k->gw[gw].setname, a, 0, 0, 1))
		set_failed(k, k->ops->error(k->kb));
	map_add(k, gw, a, 1);
}

int kmirror_member_add(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a,
		       char *err, size_t len)
{
	int rc = 0;

	if (k->defer) {
		kmirror_member_add_defer(k, gw, a);
		return 0;
	}
	if (k->ops->member_add(k->kb, k->gw[gw].setname, a, 0, 0, 0)) {
		snprintf(err, len, "%s", k->ops->error(k->kb));
		set_failed(k, k->ops->error(k->kb));
		rc = -1;
	}
	if (map_add(k, gw, a, 0)) {
		if (!rc)
			snprintf(err, len, "%s", k->ops->error(k->kb));
		rc = -1;
	}
	return rc;
}

void kmirror_member_del(struct kmirror *k, unsigned gw, const struct nfqlb_addr *a)
{
	if (k->ops->member_del(k->kb, k->gw[gw].setname, a))
		set_failed(k, k->ops->error(k->kb));
}

void kmirror_map_del(struct kmirror *k, const struct nfqlb_addr *a)
{
	if (k->mapname[0] && k->ops->member_del(k->kb, k->mapname, a))
		set_failed(k, k->ops->error(k->kb));
}

void kmirror_defer(struct kmirror *k, int on)
{
	k->defer = on;
}

unsigned kmirror_pending(const struct kmirror *k)
{
	return k->ops->pending(k->kb);
}

void kmirror_commit(struct kmirror *k)
{
	k->defer = 0;
	if (k->ops->pending(k->kb))
		k->ops->commit(k->kb, commit_fail_cb, k);
}

int kmirror_members_list(struct kmirror *k, unsigned gw,
			 void (*cb)(const struct nfqlb_addr *a, void *arg), void *arg,
			 char *err, size_t len)
{
	if (k->ops->set_list(k->kb, k->gw[gw].setname, cb, arg)) {
		snprintf(err, len, "gateway %s: %s", k->conf->gw[gw].name,
			 k->ops->error(k->kb));
		return -1;
	}
	return 0;
}

uint64_t kmirror_set_errors(const struct kmirror *k)
{
	return k->set_errors;
}

static int map_fill_cb(const struct balance_binding *bb, void *arg)
{
	map_add(arg, bb->gw, &bb->addr, 1);
	return 0;
}

struct map_stale_ctx {
	struct kmirror *k;
	const struct balance *bal;
	int stale;
};

static void map_stale_cb(const struct nfqlb_addr *a, void *arg)
{
	struct map_stale_ctx *m = arg;

	if (balance_lookup(m->bal, a) >= 0)
		return;
	kmirror_map_del(m->k, a);
	m->stale++;
}

int kmirror_map_fill(struct kmirror *k, const struct balance *bal, char *err,
		     size_t len)
{
	struct map_stale_ctx m = { .k = k, .bal = bal };

	balance_foreach(bal, map_fill_cb, k);
	k->ops->commit(k->kb, commit_fail_cb, k);
	if (k->ops->set_list(k->kb, k->mapname, map_stale_cb, &m)) {
		snprintf(err, len, "%s", k->ops->error(k->kb));
		return -1;
	}
	return m.stale;
}

/* The refill of a repair: every binding of slot (KMIRROR_MAP: all) back in. */
struct refill_ctx {
	struct kmirror *k;
	unsigned slot;
};

static int refill_cb(const struct balance_binding *bb, void *arg)
{
	struct refill_ctx *r = arg;

	if (r->slot == KMIRROR_MAP)
		map_add(r->k, bb->gw, &bb->addr, 1);
	else if (bb->gw == r->slot &&
		 r->k->ops->member_add(r->k->kb, r->k->gw[bb->gw].setname, &bb->addr,
				       0, 0, 1))
		set_failed(r->k, r->k->ops->error(r->k->kb));
	return 0;
}

void kmirror_refill(struct kmirror *k, const struct balance *bal, unsigned slot)
{
	struct refill_ctx r = { .k = k, .slot = slot };

	balance_foreach(bal, refill_cb, &r);
	k->ops->commit(k->kb, commit_fail_cb, k);
}

int kmirror_map_create(struct kmirror *k, char *err, size_t len)
{
	conf_map_set_name(k->conf, k->mapname, sizeof(k->mapname));
	if (k->ops->set_create(k->kb, k->mapname, k->conf->max_clients, 1)) {
		snprintf(err, len, "%s", k->ops->error(k->kb));
		return -1;
	}
	k->map_seen = 1;
	return 0;
}

void kmirror_map_remove_stale(struct kmirror *k)
{
	char name[32];

	conf_map_set_name(k->conf, name, sizeof(name));
	if (k->ops->set_destroy(k->kb, name))
		log_warnx("%s", k->ops->error(k->kb));
}

int kmirror_steer(struct kmirror *k, char *err, size_t len)
{
	if (k->ops->steer_install(k->kb, k->conf, err, len))
		return -1;
	k->steered = 1;
	return 0;
}

/* The set of slot i (KMIRROR_MAP: the map set) if one is wanted, else NULL. */
static const char *wanted_set(const struct kmirror *k, unsigned i)
{
	if (i == KMIRROR_MAP)
		return k->mapname[0] ? k->mapname : NULL;
	return k->conf->gw[i].name[0] && k->gw[i].setname[0] ? k->gw[i].setname : NULL;
}

static int *set_seen(struct kmirror *k, unsigned i)
{
	return i == KMIRROR_MAP ? &k->map_seen : &k->gw[i].set_seen;
}

/* Members of name, or -1 on error. */
static int64_t set_members(struct kmirror *k, const char *name)
{
	return k->ops->set_count(k->kb, name);
}

static void note_change(struct kmirror *k, uint64_t now)
{
	k->pending = 1;
	if (now > k->change_ms)
		k->change_ms = now;
}

/*
 * The periodic audit of the sets (ipset sends no notice): a set that
 * appeared or vanished since the last look is a change; one missing or
 * short of members starts a repair if none is pending.
 */
static void sets_audit(struct kmirror *k, int with_counts, uint64_t now)
{
	unsigned i;

	for (i = 0; i <= KMIRROR_MAP; i++) {
		const char *name = i < k->conf->ngw || i == KMIRROR_MAP ?
				   wanted_set(k, i) : NULL;
		int e, *seen;
		int64_t have;

		if (!name)
			continue;
		seen = set_seen(k, i);
		e = k->ops->set_exists(k->kb, name);
		if (e < 0)
			continue;
		if (e != *seen)
			note_change(k, now);
		*seen = e;
		if (!e || !with_counts || k->pending || !k->mem.count)
			continue;
		have = set_members(k, name);
		if (have >= 0 && (uint64_t)have < k->mem.count(i, k->mem.arg))
			note_change(k, now);
	}
}

void kmirror_members(struct kmirror *k, const struct kmirror_members *m)
{
	k->mem = *m;
}

int kmirror_watch(struct kmirror *k, char *err, size_t len)
{
	struct itimerspec its = {
		.it_interval = { 0, KMIRROR_TICK_MS * 1000000L },
		.it_value = { 0, KMIRROR_TICK_MS * 1000000L },
	};
	struct epoll_event ev = { .events = EPOLLIN };
	int rc = 0;

	k->ep = epoll_create1(EPOLL_CLOEXEC);
	k->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (k->ep < 0 || k->timer < 0 || timerfd_settime(k->timer, 0, &its, NULL)) {
		snprintf(err, len, "self-repair: %s", strerror(errno));
		return -1;
	}
	ev.data.fd = k->timer;
	epoll_ctl(k->ep, EPOLL_CTL_ADD, k->timer, &ev);
	k->mon_rtnl = kmon_open_rtnl();
	k->mon_nft = kmon_open_nft();
	if (k->mon_rtnl < 0 || k->mon_nft < 0) {
		snprintf(err, len, "self-repair: no %s notifications (%s): "
			 "only the periodic audit of the sets",
			 k->mon_rtnl < 0 ? "rtnetlink" : "nf_tables", strerror(errno));
		rc = 1;
	}
	if (k->mon_rtnl >= 0) {
		ev.data.fd = k->mon_rtnl;
		epoll_ctl(k->ep, EPOLL_CTL_ADD, k->mon_rtnl, &ev);
	}
	if (k->mon_nft >= 0) {
		ev.data.fd = k->mon_nft;
		epoll_ctl(k->ep, EPOLL_CTL_ADD, k->mon_nft, &ev);
	}
	sets_audit(k, 0, now_ms());
	k->pending = 0;
	return rc;
}

int kmirror_fd(const struct kmirror *k)
{
	return k->ep;
}

/*
 * A deletion the kernel told of: a change only if it touched something
 * the mirror wants (not, say, a LAN rule failover just took out).
 */
static void kmon_cb_mirror(const struct kmon_event *e, void *arg)
{
	struct kmirror *k = arg;
	const struct conf *c = k->conf;
	unsigned i;
	int ours = 0;

	switch (e->kind) {
	case KMON_MANGLE:
		ours = k->steered;
		k->mangle_dirty |= ours;
		break;
	case KMON_NAT:
		/* The proxy's redirects (proxy.c), audited with the chains. */
		ours = k->steered && c->proxy.enable;
		k->mangle_dirty |= ours;
		break;
	case KMON_LOST:
		ours = 1;
		k->mangle_dirty = k->steered;
		break;
	case KMON_RULE:
	case KMON_ROUTE:
		for (i = 0; i < c->ngw && !ours; i++) {
			const struct kmirror_gw *g = &k->gw[i];

			if (!c->gw[i].name[0] || e->table != conf_gw_mark(c, i))
				continue;
			if (e->kind == KMON_ROUTE)
				ours = g->routed;
			else
				ours = (g->lan_rule &&
					e->prio == rule_prio(c, i, CONF_RULE_LAN)) ||
				       (local_wanted(k, i) &&
					e->prio == rule_prio(c, i, CONF_RULE_PROBE));
		}
		break;
	}
	if (ours)
		note_change(k, now_ms());
}

int kmirror_dispatch(struct kmirror *k)
{
	struct epoll_event evs[4];
	uint64_t now = now_ms(), ticks;
	int n, i;

	n = epoll_wait(k->ep, evs, 4, 0);
	for (i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd != k->timer) {
			kmon_read(fd, kmon_cb_mirror, k);
			continue;
		}
		if (read(k->timer, &ticks, sizeof(ticks)) < 0)
			continue;
		k->ticks++;
		sets_audit(k, k->ticks % KMIRROR_COUNT_TICKS == 0, now);
	}
	return k->pending && now >= k->change_ms + KMIRROR_QUIET_MS;
}

static void whatf(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void whatf(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	if (*off) {
		n = snprintf(buf + *off, len - *off, ", ");
		*off = n < 0 ? len : *off + (size_t)n;
		if (*off >= len) {
			*off = len;
			return;
		}
	}
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off = n < 0 || (size_t)n >= len - *off ? len : *off + (size_t)n;
}

/* First error only: the log line says what could not be put back. */
static void errf(char *err, size_t len, int *failed, const char *msg)
{
	if (!(*failed)++)
		snprintf(err, len, "%s", msg);
}

/* Sets first: the chain names them, and its rules want them full. */
static int repair_sets(struct kmirror *k, char *what, size_t wlen, size_t *off,
		       char *err, size_t elen, int *failed)
{
	unsigned i;
	int n = 0;

	for (i = 0; i <= KMIRROR_MAP; i++) {
		const char *name = i < k->conf->ngw || i == KMIRROR_MAP ?
				   wanted_set(k, i) : NULL;
		uint32_t want;
		int64_t have;
		int e, rc;

		if (!name)
			continue;
		want = k->mem.count ? k->mem.count(i, k->mem.arg) : 0;
		e = k->ops->set_exists(k->kb, name);
		if (e < 0) {
			errf(err, elen, failed, k->ops->error(k->kb));
			continue;
		}
		if (!e) {
			rc = k->ops->set_create(k->kb, name, k->conf->max_clients,
						i == KMIRROR_MAP);
			if (rc) {
				errf(err, elen, failed, k->ops->error(k->kb));
				continue;
			}
			whatf(what, wlen, off, "set %s (%u members)", name, want);
			n++;
		} else {
			have = set_members(k, name);
			if (have < 0 || (uint64_t)have >= want)
				continue;
			whatf(what, wlen, off, "%u of the %u members of set %s",
			      (unsigned)(want - (uint64_t)have), want, name);
			n++;
		}
		*set_seen(k, i) = 1;
		if (want && k->mem.refill)
			k->mem.refill(i, k->mem.arg);
	}
	return n;
}

/* Slot i's rule of that kind, if wanted and missing: put back. */
static int repair_rule(struct kmirror *k, unsigned i, enum conf_rule_kind kind,
		       char *what, size_t wlen, size_t *off, char *err, size_t elen,
		       int *failed)
{
	const struct conf *c = k->conf;
	int e = gw_rule(k->ops, k->kb, c, i, kind, KB_RULE_EXISTS);

	if (e != 0)
		return 0;
	whatf(what, wlen, off, "%srule %u (gateway %s)",
	      kind == CONF_RULE_PROBE ? "probe " : "", rule_prio(c, i, kind),
	      c->gw[i].name);
	if (gw_rule(k->ops, k->kb, c, i, kind, KB_RULE_ADD))
		errf(err, elen, failed, k->ops->error(k->kb));
	return 1;
}

static int repair_routing(struct kmirror *k, unsigned i, char *what, size_t wlen,
			  size_t *off, char *err, size_t elen, int *failed)
{
	const struct conf *c = k->conf;
	struct kmirror_gw *g = &k->gw[i];
	uint32_t mark = conf_gw_mark(c, i);
	int n = 0;

	if (g->routed && k->ops->table_count(k->kb, mark) < routes_wanted(k, i)) {
		whatf(what, wlen, off, "the routes of table %u (gateway %s)", mark,
		      c->gw[i].name);
		n++;
		if ((last_resort_wanted(k, i) && k->ops->last_resort(k->kb, mark, 1)) ||
		    gw_routes_add(k, i))
			errf(err, elen, failed, k->ops->error(k->kb));
	}
	if (g->lan_rule)
		n += repair_rule(k, i, CONF_RULE_LAN, what, wlen, off, err, elen, failed);
	if (local_wanted(k, i))
		n += repair_rule(k, i, CONF_RULE_PROBE, what, wlen, off, err, elen, failed);
	return n;
}

int kmirror_repair(struct kmirror *k, int all, char *what, size_t wlen,
		   char *err, size_t elen)
{
	char chains[512], serr[512];
	size_t off = 0;
	int n, m, failed = 0;
	unsigned i;

	if (wlen)
		what[0] = '\0';
	if (elen)
		err[0] = '\0';
	k->pending = 0;
	n = repair_sets(k, what, wlen, &off, err, elen, &failed);
	for (i = 0; i < k->conf->ngw; i++)
		if (k->conf->gw[i].name[0])
			n += repair_routing(k, i, what, wlen, &off, err, elen, &failed);
	/*
	 * Chains last: a packet they steer finds its set full and its
	 * route.  Reading them costs programs (iptables -S, -C): only when
	 * nf_tables said something in mangle went, or when asked to.
	 */
	m = k->steered && (all || k->mangle_dirty) ?
	    k->ops->steer_audit(k->kb, k->conf, chains, sizeof(chains)) : 0;
	k->mangle_dirty = 0;
	if (m < 0)
		errf(err, elen, &failed, "cannot write the steering ruleset");
	if (m > 0) {
		whatf(what, wlen, &off, "%s", chains);
		n += m;
		if (k->ops->steer_install(k->kb, k->conf, serr, sizeof(serr)))
			errf(err, elen, &failed, serr);
	}
	if (failed) {
		/* Try again later, not at once: the cause may last. */
		k->pending = 1;
		k->mangle_dirty = k->steered;
		k->change_ms = now_ms() + KMIRROR_RETRY_MS - KMIRROR_QUIET_MS;
		return -1;
	}
	return n;
}

/* Slot i's rules and routes out of the kernel (teardown); 0 or -1. */
static int teardown_gw(const struct kbackend_ops *ops, struct kbackend *kb,
		       const struct conf *c, unsigned i)
{
	/* The table is the gateway's alone: flushed, whatever its link was. */
	if (gw_rule(ops, kb, c, i, CONF_RULE_LAN, KB_RULE_DEL) ||
	    gw_rule(ops, kb, c, i, CONF_RULE_PROBE, KB_RULE_DEL) ||
	    ops->table_flush(kb, conf_gw_mark(c, i), 0)) {
		log_warnx("%s", ops->error(kb));
		return -1;
	}
	return 0;
}

/* The sets of every slot, and the map set, whichever mode made it. */
static int teardown_sets(const struct kbackend_ops *ops, struct kbackend *kb,
			 const struct conf *c)
{
	char set[32];
	unsigned i;
	int rc = 0;

	for (i = 0; i <= c->ngw; i++) {
		if (i < c->ngw && !c->gw[i].name[0])
			continue;
		if (i < c->ngw)
			conf_set_name(c, i, set, sizeof(set));
		else
			conf_map_set_name(c, set, sizeof(set));
		if (ops->set_destroy(kb, set)) {
			log_warnx("%s", ops->error(kb));
			rc = 1;
		}
	}
	return rc;
}

int kmirror_teardown(const struct kbackend_ops *ops, const struct conf *c, int all)
{
	struct kbackend *kb = ops->open();
	char err[512];
	unsigned i;
	int rc = 0;

	if (!kb) {
		log_warnx("cannot open the kernel backend (%s)", ops->name);
		return 1;
	}
	if (ops->steer_remove(kb, c, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = 1;
	}
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0] && teardown_gw(ops, kb, c, i))
			rc = 1;
	if (all && teardown_sets(ops, kb, c))
		rc = 1;
	ops->close(kb);
	return rc;
}
