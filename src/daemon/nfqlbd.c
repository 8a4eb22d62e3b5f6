// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlbd.c - the daemon: options, the bindings (the table kept in
 * step with the members of the kernel's sets; kmirror.c installs
 * everything else it owns), one epoll loop (signals, queue, control
 * socket, a one-second tick) and the packet decision.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "kernel/foreign.h"
#include "core/iptab.h"
#include "daemon/hasync.h"
#include "kernel/kmirror.h"
#include "kernel/lbset.h"
#include "util/log.h"
#include "daemon/nfqlbd.h"
#include "daemon/uplink.h"
#include "daemon/portal.h"
#include "kernel/queue.h"

#define NFQLBD_QUEUE_ROUNDS	16	/* batches per wake-up, for fairness */
#define NFQLBD_WARN_INTERVAL	10	/* seconds between repeated warnings */

enum { EV_SIGNAL = 1, EV_QUEUE, EV_CONTROL, EV_TICK, EV_HEALTH, EV_HA, EV_KERNEL, EV_LINK };

/*
 * Exit statuses, nfqlbd(8), besides 0 and 1 (a runtime failure).  A
 * configuration error (a bad file, a foreign rule on our marks) is
 * 78, sysexits' EX_CONFIG, which the unit lists in
 * RestartPreventExitStatus=: restarting cannot fix it.  A gateway's
 * interface missing is not one: the gateway waits, no-link (uplink.c).
 */
#define NFQLBD_EXIT_USAGE	2
#define NFQLBD_EXIT_CONFIG	78

static void usage(void)
{
	fprintf(stderr,
		"usage: nfqlbd [-dfn] [-c file]\n"
		"       nfqlbd --cleanup [-c file]\n"
		"  -c file    configuration (default " CONF_DEFAULT_PATH ")\n"
		"  -d         debug logging\n"
		"  -f         stay in the foreground, log to stderr\n"
		"  -n         check the configuration and exit\n"
		"  --cleanup  remove every chain, rule, route and set nfqlbd creates\n"
		"  --version  print the version\n");
	exit(NFQLBD_EXIT_USAGE);
}

/* Parse path; log every error.  Returns the number of errors. */
static int load_conf(const char *path, struct conf *c, char *first, size_t len)
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

/* Rate-limited warnings for what can happen once per packet. */
static int warn_due(struct nfqlbd *d)
{
	time_t now = time(NULL);

	if (now - d->last_warn < NFQLBD_WARN_INTERVAL)
		return 0;
	d->last_warn = now;
	return 1;
}

int nfqlbd_gw_find(const struct nfqlbd *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0] && !strcmp(d->conf.gw[i].name, name))
			return (int)i;
	return -1;
}

/* A set add or del the kernel refused: counted, logged (rate-limited). */
static void set_failed(struct nfqlbd *d, const char *msg)
{
	d->n.set_errors++;
	if (warn_due(d))
		log_warnx("%s", msg);
}

/*
 * A new binding goes into its gateway's set before any verdict and,
 * without pinning, into the map set with its gateway's mark (which
 * replaces the old mark of a client being moved).
 */
static void set_add_defer(struct nfqlbd *d, unsigned gw,
			  const struct nfqlb_addr *a);

static int set_add(struct nfqlbd *d, unsigned gw, const struct nfqlb_addr *a,
		   char *err, size_t len)
{
	int rc = 0;

	/* A sync's binds: sent together by nfqlbd_sets_commit(). */
	if (d->defer_sets) {
		set_add_defer(d, gw, a);
		return 0;
	}
	if (lbset_add(d->sets, kmirror_set_name(d->km, gw), a)) {
		snprintf(err, len, "%s", lbset_error(d->sets));
		set_failed(d, lbset_error(d->sets));
		rc = -1;
	}
	if (kmirror_map_name(d->km)[0] &&
	    lbset_add_mark(d->sets, kmirror_map_name(d->km), a, conf_gw_mark(&d->conf, gw),
			   d->conf.mark_mask)) {
		if (!rc)
			snprintf(err, len, "%s", lbset_error(d->sets));
		set_failed(d, lbset_error(d->sets));
		rc = -1;
	}
	return rc;
}

static void set_add_defer_map(struct nfqlbd *d, unsigned gw,
			      const struct nfqlb_addr *a)
{
	if (kmirror_map_name(d->km)[0] &&
	    lbset_add_mark_defer(d->sets, kmirror_map_name(d->km), a,
				 conf_gw_mark(&d->conf, gw), d->conf.mark_mask))
		set_failed(d, lbset_error(d->sets));
}

/* set_add() for the packet path: sent by packet_flush(), batched. */
static void set_add_defer(struct nfqlbd *d, unsigned gw,
			  const struct nfqlb_addr *a)
{
	if (lbset_add_defer(d->sets, kmirror_set_name(d->km, gw), a))
		set_failed(d, lbset_error(d->sets));
	set_add_defer_map(d, gw, a);
}

/* Out of gateway gw's set only: a move keeps the client in the map. */
static void set_del(struct nfqlbd *d, unsigned gw, const struct nfqlb_addr *a)
{
	if (lbset_del(d->sets, kmirror_set_name(d->km, gw), a))
		set_failed(d, lbset_error(d->sets));
}

/* A client unbound: out of the map (its gateway's set is the caller's). */
static void map_del(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	if (kmirror_map_name(d->km)[0] && lbset_del(d->sets, kmirror_map_name(d->km), a))
		set_failed(d, lbset_error(d->sets));
}

/*
 * The slow path for a source the table does not hold: bind it.  The
 * set add is deferred: packet_flush() sends those of the whole batch
 * together, and the queue calls it before the batch's verdicts, so the
 * add still comes before the verdict and the next packet takes the
 * kernel fast path.  Returns the gateway, or -1 to leave it unmarked.
 */
static int packet_miss(struct nfqlbd *d, const struct nfqlb_addr *src)
{
	char a[NFQLB_ADDRSTRLEN];
	int gw, created = 0;

	/* Released by the portal a moment ago: its own packets wait. */
	if (iptab_count(d->hold) && portal_held(d, src))
		return -1;
	gw = balance_assign(d->bal, src, (uint32_t)time(NULL), &created);
	if (gw < 0) {
		d->n.table_full += errno == ENOSPC;
		if (warn_due(d))
			log_warnx("client %s left unbound: %s",
				  addr_format(src, a, sizeof(a)),
				  errno == ENOSPC ? "clients.max reached" :
				  "no gateway takes clients");
		return -1;
	}
	if (created) {
		d->n.binds_packet++;
		set_add_defer(d, (unsigned)gw, src);
		portal_packet_bound(d, src);
		if (log_debug_enabled())
			log_debug("bound %s to gateway %s (mark 0x%x)",
				  addr_format(src, a, sizeof(a)),
				  d->conf.gw[gw].name, conf_gw_mark(&d->conf, (unsigned)gw));
	}
	return gw;
}

/*
 * A batch of packets whose sources the kernel did not find in any set:
 * mostly new clients, but also known ones whose packets were queued
 * before their set add, or whose set add failed.  One lookup call for the
 * batch overlaps its cache misses on a large table; only the misses
 * take the slow path, in arrival order, so that a new client seen
 * twice in a batch is bound by its first packet and found by the next.
 */
static void packet_batch(const struct nfqlb_addr *src, unsigned n,
			 struct queue_result *res, void *arg)
{
	struct nfqlbd *d = arg;
	int gw[QUEUE_MAX_BATCH];
	unsigned i;

	balance_lookup_many(d->bal, src, n, gw);
	for (i = 0; i < n; i++) {
		/*
		 * Not a client: the chain only queues LAN sources.  Checked
		 * on hits too, which can be outside the LAN: the sets read
		 * back at start may hold addresses of a lan.network changed
		 * across the restart.  Their packets stay unmarked.
		 */
		if (!net4_contains(&d->conf.lan_net, src[i].v4))
			continue;
		/* Nor are the LAN's network, broadcast and own addresses. */
		if (gw[i] == BALANCE_NO_GW &&
		    ownaddr_nonhost(&d->conf.lan_net, &d->own, src[i].v4)) {
			d->n.non_host++;
			continue;
		}
		/* The HA pair's own addresses (VRRP, the peer) are no user. */
		if (d->conf.ha.npair && hasync_is_pair(d, src[i].v4))
			continue;
		if (gw[i] == BALANCE_NO_GW)
			gw[i] = packet_miss(d, &src[i]);
		else if (iptab_count(d->watch) && portal_packet_seen(d, &src[i]))
			set_add_defer(d, (unsigned)gw[i], &src[i]);	/* idle watch */
		if (gw[i] < 0)
			continue;
		res[i].gw_mark = conf_gw_mark(&d->conf, (unsigned)gw[i]);
		res[i].set = 1;
	}
}

/* A member of a batch's set adds that the kernel refused (the message names it). */
static void packet_set_failed(const char *set, const struct nfqlb_addr *a,
			      const char *msg, void *arg)
{
	struct nfqlbd *d = arg;

	(void)set;
	(void)a;
	set_failed(d, msg);
}

/*
 * The queue's end of a batch, before its verdicts: the set adds of
 * every client packet_batch bound in it, a few netlink requests in all
 * (one per gateway set, rather than one per client).
 */
static void packet_flush(void *arg)
{
	struct nfqlbd *d = arg;
	unsigned n = lbset_pending(d->sets);

	if (!n)
		return;
	lbset_commit(d->sets, packet_set_failed, d);
	log_debug("%u set adds sent for one batch", n);
}

int nfqlbd_bind(struct nfqlbd *d, const struct nfqlb_addr *a,
		const struct client_meta *m, int *created, char *err, size_t len)
{
	char s[NFQLB_ADDRSTRLEN], serr[256];
	int gw, failed;

	gw = balance_assign(d->bal, a, (uint32_t)time(NULL), created);
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
	failed = set_add(d, (unsigned)gw, a, serr, sizeof(serr));
	if (failed && *created) {
		/* Never half-bound: out of the table and of any set it reached. */
		balance_release(d->bal, a);
		lbset_del(d->sets, kmirror_set_name(d->km, (unsigned)gw), a);
		map_del(d, a);
		*created = 0;
		snprintf(err, len, "cannot bind %s: %s", addr_format(a, s, sizeof(s)), serr);
		return -1;
	}
	if (*created) {
		d->n.binds_hook++;
		log_debug("hook bound %s to gateway %s", addr_format(a, s, sizeof(s)),
			  d->conf.gw[gw].name);
	}
	if (m && clientinfo_set(d->info, a->v4, m))
		log_warn("storing hook details of %s", addr_format(a, s, sizeof(s)));
	portal_bound(d, a, *created, m);
	if (failed) {
		/* Kept (a repair puts it back), but not reported as in place. */
		snprintf(err, len, "%s is bound to gateway %s but not in the kernel's "
			 "sets: %s", addr_format(a, s, sizeof(s)), d->conf.gw[gw].name,
			 serr);
		return -1;
	}
	return gw;
}

int nfqlbd_adopt(struct nfqlbd *d, const struct nfqlb_addr *a, unsigned slot)
{
	char serr[256];

	if (balance_bind(d->bal, a, slot, (uint32_t)time(NULL)))
		return -1;
	/* A set that refused it is counted and logged; a repair puts it back. */
	set_add(d, slot, a, serr, sizeof(serr));
	return 0;
}

int nfqlbd_release(struct nfqlbd *d, const struct nfqlb_addr *a)
{
	int gw = balance_release(d->bal, a);

	clientinfo_del(d->info, a->v4);
	if (gw < 0)
		return -1;
	portal_released(d, a);
	d->n.releases++;
	set_del(d, (unsigned)gw, a);
	map_del(d, a);
	return gw;
}

void nfqlbd_set_member(struct nfqlbd *d, unsigned gw, const struct nfqlb_addr *a,
		       int add)
{
	char serr[256];

	if (add) {
		set_add(d, gw, a, serr, sizeof(serr));
		return;
	}
	set_del(d, gw, a);
	map_del(d, a);
}

void nfqlbd_sets_commit(struct nfqlbd *d)
{
	d->defer_sets = 0;
	if (lbset_pending(d->sets))
		lbset_commit(d->sets, packet_set_failed, d);
}

int nfqlbd_set_weight(struct nfqlbd *d, unsigned slot, uint32_t w)
{
	if (slot >= d->conf.ngw || !d->conf.gw[slot].name[0])
		return -1;
	d->conf.gw[slot].weight = w;
	return balance_gw_set_weight(d->bal, slot, w);
}

struct restore_ctx {
	struct nfqlbd *d;
	unsigned gw;
	unsigned restored, conflicts;
};

static void restore_member_cb(const struct nfqlb_addr *a, void *arg)
{
	struct restore_ctx *r = arg;
	struct nfqlbd *d = r->d;
	char s[NFQLB_ADDRSTRLEN];
	int cur = balance_lookup(d->bal, a);

	if (cur >= 0) {
		/* In two sets: keep the first, as the kernel's rule order does. */
		log_warnx("client %s is in sets %s and %s: keeping %s",
			  addr_format(a, s, sizeof(s)), kmirror_set_name(d->km, (unsigned)cur),
			  kmirror_set_name(d->km, r->gw), kmirror_set_name(d->km, (unsigned)cur));
		lbset_del(d->sets, kmirror_set_name(d->km, r->gw), a);
		r->conflicts++;
		return;
	}
	if (balance_bind(d->bal, a, r->gw,
			 portal_restored_since(d, a, (uint32_t)time(NULL)))) {
		log_warn("restoring client %s from set %s",
			 addr_format(a, s, sizeof(s)), kmirror_set_name(d->km, r->gw));
		return;
	}
	r->restored++;
}

/*
 * Before anything is set up: no foreign rule uses our marks or tables
 * (foreign.c).  Non-zero: the configuration's fault, reported.  (A
 * gateway whose interface is missing waits for it: uplink.c.)
 */
static int start_checks(struct nfqlbd *d)
{
	struct rtnl *r = rtnl_open();
	char err[512];
	int bad;

	if (!r)
		fatalx("cannot open an rtnetlink socket");
	bad = 0;
	if (foreign_rules_check(r, &d->conf, err, sizeof(err))) {
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
static void traffic_start(struct nfqlbd *d, unsigned i)
{
	struct traffic_acct a[TRAFFIC_REALMS];

	d->traffic_ok = !traffic_read(TRAFFIC_PROC, a);
	if (!d->traffic_ok)
		memset(a, 0, sizeof(a));
	traffic_ctr_start(&d->gw[i].tx, &a[traffic_realm(conf_gw_mark(&d->conf, i))]);
}

void nfqlbd_traffic_update(struct nfqlbd *d)
{
	struct traffic_acct a[TRAFFIC_REALMS];
	unsigned i;

	if (!d->traffic_ok || traffic_read(TRAFFIC_PROC, a))
		return;
	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0])
			traffic_ctr_update(&d->gw[i].tx,
					   &a[traffic_realm(conf_gw_mark(&d->conf, i))]);
}

/* Bring slot i (already in d->conf) into the kernel and the core. */
static int gw_setup(struct nfqlbd *d, unsigned i, unsigned *restored,
		    char *err, size_t len)
{
	struct restore_ctx r = { .d = d, .gw = i };

	traffic_start(d, i);
	d->gw[i].conf_weight = d->conf.gw[i].weight;
	balance_gw_set_weight(d->bal, i, d->conf.gw[i].weight);
	balance_gw_set_available(d->bal, i, 1);
	if (kmirror_gw_set(d->km, i, err, len))
		return -1;
	if (lbset_list(d->sets, kmirror_set_name(d->km, i), restore_member_cb, &r)) {
		snprintf(err, len, "gateway %s: %s", d->conf.gw[i].name,
			 lbset_error(d->sets));
		return -1;
	}
	if (restored)
		*restored += r.restored;
	/* A gateway the probes hold down keeps its LAN rule out (failover.c). */
	return kmirror_gw_routing(d->km, i, d->gw[i].hstate != HEALTH_DOWN, err, len);
}

struct map_ctx {
	struct nfqlbd *d;
	uint32_t stale;
};

static int map_fill_cb(const struct balance_binding *bb, void *arg)
{
	struct nfqlbd *d = arg;

	set_add_defer_map(d, bb->gw, &bb->addr);
	return 0;
}

static void map_stale_cb(const struct nfqlb_addr *a, void *arg)
{
	struct map_ctx *m = arg;

	if (balance_lookup(m->d->bal, a) >= 0)
		return;
	if (lbset_del(m->d->sets, kmirror_map_name(m->d->km), a))
		set_failed(m->d, lbset_error(m->d->sets));
	m->stale++;
}

static void map_fail_cb(const char *set, const struct nfqlb_addr *a,
			const char *msg, void *arg)
{
	(void)set;
	(void)a;
	set_failed(arg, msg);
}

/*
 * Without pinning, the chain marks from the map set: make it hold
 * exactly the table restored from the gateways' sets.  Every binding
 * is (re)added first, which sets its mark in place, and only then are
 * members without a binding removed, so a bound client never misses.
 */
static int map_setup(struct nfqlbd *d, char *err, size_t len)
{
	struct map_ctx m = { .d = d };

	if (kmirror_map_create(d->km, err, len))
		return -1;
	balance_foreach(d->bal, map_fill_cb, d);
	lbset_commit(d->sets, map_fail_cb, d);
	if (lbset_list(d->sets, kmirror_map_name(d->km), map_stale_cb, &m)) {
		snprintf(err, len, "%s", lbset_error(d->sets));
		return -1;
	}
	log_info("map set %s: %u bindings, %u stale members removed",
		 kmirror_map_name(d->km), balance_clients(d->bal), m.stale);
	return 0;
}

/* Self-repair: the table's side of kmirror's audit (kmirror.h). */
static uint32_t members_count_cb(unsigned slot, void *arg)
{
	struct nfqlbd *d = arg;

	return slot == KMIRROR_MAP ? balance_clients(d->bal) :
				     balance_gw_clients(d->bal, slot);
}

struct refill_ctx {
	struct nfqlbd *d;
	unsigned slot;
};

static int refill_cb(const struct balance_binding *bb, void *arg)
{
	struct refill_ctx *r = arg;
	struct nfqlbd *d = r->d;

	if (r->slot == KMIRROR_MAP)
		set_add_defer_map(d, bb->gw, &bb->addr);
	else if (bb->gw == r->slot &&
		 lbset_add_defer(d->sets, kmirror_set_name(d->km, bb->gw), &bb->addr))
		set_failed(d, lbset_error(d->sets));
	return 0;
}

/* Every binding of slot back into its set (or every one into the map). */
static void members_refill_cb(unsigned slot, void *arg)
{
	struct refill_ctx r = { .d = arg, .slot = slot };

	balance_foreach(r.d->bal, refill_cb, &r);
	lbset_commit(r.d->sets, map_fail_cb, r.d);
}

int nfqlbd_repair(struct nfqlbd *d, int all, char *what, size_t wlen, char *err,
		  size_t elen)
{
	int n = kmirror_repair(d->km, all, what, wlen, err, elen);

	if (n < 0) {
		d->n.repair_errors++;
		log_warnx("repair: %s%s%s", err, what[0] ? "; was missing: " : "", what);
		return -1;
	}
	if (n) {
		d->n.repairs++;
		log_warnx("repair: put back what was missing: %s", what);
	}
	return n;
}

static void kernel_changed(struct nfqlbd *d)
{
	char what[1024], err[512];

	if (!kmirror_dispatch(d->km))
		return;
	log_debug("the kernel changed what nfqlbd owns: auditing");
	nfqlbd_repair(d, 0, what, sizeof(what), err, sizeof(err));
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
static void gw_collect(struct nfqlbd *d, unsigned gw, struct collect_ctx *cc)
{
	memset(cc, 0, sizeof(*cc));
	cc->gw = gw;
	cc->cap = balance_gw_clients(d->bal, gw);
	if (!cc->cap)
		return;
	cc->a = calloc(cc->cap, sizeof(*cc->a));
	if (!cc->a) {
		log_warn("listing the clients of gateway %s", d->conf.gw[gw].name);
		return;
	}
	balance_foreach(d->bal, collect_cb, cc);
}

int nfqlbd_move(struct nfqlbd *d, const struct nfqlb_addr *a, unsigned from,
		unsigned to)
{
	char s[NFQLB_ADDRSTRLEN], serr[256];

	if (balance_bind(d->bal, a, to, (uint32_t)time(NULL))) {
		log_warn("moving client %s", addr_format(a, s, sizeof(s)));
		return -1;
	}
	/* New set first: the client is never in no set at all. */
	set_add(d, to, a, serr, sizeof(serr));
	set_del(d, from, a);
	portal_moved(d, a);
	return 0;
}

uint32_t nfqlbd_gw_evacuate(struct nfqlbd *d, unsigned gw)
{
	struct collect_ctx cc;
	uint32_t i, moved = 0;
	int to;

	gw_collect(d, gw, &cc);
	for (i = 0; i < cc.n; i++) {
		to = balance_pick(d->bal);
		if (to < 0 || (unsigned)to == gw)
			break;	/* no live gateway: they stay */
		if (nfqlbd_move(d, &cc.a[i], gw, (unsigned)to) == 0)
			moved++;
	}
	d->n.rebinds += moved;
	if (cc.n)
		log_info("gateway %s: %u clients moved to other gateways, %u stay",
			 d->conf.gw[gw].name, moved, cc.n - moved);
	free(cc.a);
	return moved;
}

/* Forget every client of slot gw (a gateway removed with nowhere to go). */
static void gw_forget_clients(struct nfqlbd *d, unsigned gw)
{
	struct collect_ctx cc;
	uint32_t i;

	gw_collect(d, gw, &cc);
	for (i = 0; i < cc.n; i++) {
		balance_release(d->bal, &cc.a[i]);
		clientinfo_del(d->info, cc.a[i].v4);
		portal_released(d, &cc.a[i]);
		map_del(d, &cc.a[i]);
	}
	if (cc.n)
		log_warnx("gateway %s removed with no live gateway left: %u clients "
			  "unbound", d->conf.gw[gw].name, cc.n);
	free(cc.a);
}

int nfqlbd_gw_rule(struct nfqlbd *d, unsigned i, int add)
{
	return kmirror_gw_lan_rule(d->km, i, add);
}

int nfqlbd_gw_add(struct nfqlbd *d, const struct conf_gw *g, char *err, size_t len)
{
	struct conf *c = &d->conf;
	char addr[INET_ADDRSTRLEN];
	unsigned i;

	/*
	 * A fresh slot if its mark fits, so that connections still pinned
	 * to a removed gateway's mark are not sent through the new one;
	 * else the first slot a removed gateway left.
	 */
	i = c->ngw;
	if (conf_check_slot(c, i, err, len)) {
		for (i = 0; i < c->ngw; i++)
			if (!c->gw[i].name[0])
				break;
		if (i == c->ngw)
			return -1;
	}
	if (i == c->ngw) {
		if (balance_gw_add(d->bal, g->weight) != (int)i) {
			snprintf(err, len, "gateway %s: no free slot", g->name);
			return -1;
		}
		c->ngw++;
	}
	c->gw[i] = *g;
	if (gw_setup(d, i, NULL, err, len) || kmirror_steer(d->km, err, len) ||
	    failover_gw_add(d, i, err, len)) {
		char ignored[256];

		nfqlbd_gw_del(d, i, ignored, sizeof(ignored));
		return -1;
	}
	uplink_audit(d);	/* its link: routes now, or no-link */
	log_info("gateway %s added: %s dev %s weight %u, mark 0x%x", g->name,
		 conf_gw_address(g, addr, sizeof(addr)), g->ifname, g->weight,
		 conf_gw_mark(c, i));
	return (int)i;
}

int nfqlbd_gw_del(struct nfqlbd *d, unsigned slot, char *err, size_t len)
{
	struct conf *c = &d->conf;
	char name[CONF_NAME_MAX];

	if (slot >= c->ngw || !c->gw[slot].name[0]) {
		snprintf(err, len, "no gateway in slot %u", slot);
		return -1;
	}
	snprintf(name, sizeof(name), "%s", c->gw[slot].name);
	failover_gw_del(d, slot);
	balance_gw_set_available(d->bal, slot, 0);
	nfqlbd_gw_evacuate(d, slot);
	gw_forget_clients(d, slot);
	kmirror_gw_unroute(d->km, slot);
	/* Out of the chain before the set can go: a rule holds a reference. */
	c->gw[slot].name[0] = '\0';
	if (kmirror_steer(d->km, err, len))
		log_warnx("%s", err);
	kmirror_gw_forget(d->km, slot);
	balance_gw_set_weight(d->bal, slot, 0);
	memset(&d->gw[slot], 0, sizeof(d->gw[slot]));
	memset(&c->gw[slot], 0, sizeof(c->gw[slot]));
	log_info("gateway %s removed", name);
	return 0;
}

/* Settings that only a restart can change, by name. */
static const char *reload_fixed_change(const struct conf *a, const struct conf *b)
{
	if (strcmp(a->lan_if, b->lan_if))
		return "lan.interface";
	if (a->lan_net.addr.s_addr != b->lan_net.addr.s_addr ||
	    a->lan_net.plen != b->lan_net.plen)
		return "lan.network";
	if (a->queue_num != b->queue_num)
		return "queue.number";
	if (a->queue_maxlen != b->queue_maxlen || a->queue_bufsize != b->queue_bufsize ||
	    a->copy_range != b->copy_range || a->fail_open != b->fail_open ||
	    a->queue_batch != b->queue_batch)
		return "queue";
	if (a->mark_base != b->mark_base || a->mark_mask != b->mark_mask ||
	    a->rule_priority != b->rule_priority)
		return "marks";
	if (a->max_clients != b->max_clients)
		return "clients.max";
	if (a->pin_connections != b->pin_connections)
		return "pin_connections";
	if (a->ha.enable != b->ha.enable || a->ha.learn != b->ha.learn)
		return "ha.enable or ha.learn";
	if (strcmp(a->set_prefix, b->set_prefix))
		return "clients.set_prefix";
	if (strcmp(a->state_dir, b->state_dir))
		return "clients.state_dir";
	if (strcmp(a->ctl_path, b->ctl_path) || a->ctl_mode != b->ctl_mode ||
	    a->ctl_gid != b->ctl_gid)
		return "control";
	return NULL;
}

/* Configured gateways (a removed one leaves an empty slot). */
static unsigned gw_count(const struct nfqlbd *d)
{
	unsigned i, n = 0;

	for (i = 0; i < d->conf.ngw; i++)
		n += d->conf.gw[i].name[0] != '\0';
	return n;
}

int nfqlbd_reload(struct nfqlbd *d, char *err, size_t len)
{
	char what[1024], rerr[512];
	struct conf *nc = malloc(sizeof(*nc));
	const char *fixed;
	unsigned i;
	int s, rc = -1;

	if (!nc) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", d->conf_path);
	if (load_conf(d->conf_path, nc, err, len))
		goto out;
	fixed = reload_fixed_change(&d->conf, nc);
	if (fixed) {
		snprintf(err, len, "%s changed in %s: restart nfqlbd to apply it "
			 "(nothing was changed)", fixed, d->conf_path);
		goto out;
	}
	if (failover_reload(d, nc, err, len))
		goto out;
	/* Gone from the file: remove (their clients move to the others). */
	for (i = 0; i < d->conf.ngw; i++) {
		const char *name = d->conf.gw[i].name;
		unsigned j;

		if (!name[0])
			continue;
		for (j = 0; j < nc->ngw && strcmp(nc->gw[j].name, name); j++)
			;
		if (j == nc->ngw && nfqlbd_gw_del(d, i, err, len))
			goto out;
	}
	for (i = 0; i < nc->ngw; i++) {
		struct conf_gw *g = &nc->gw[i];

		s = nfqlbd_gw_find(d, g->name);
		if (s < 0) {
			if (nfqlbd_gw_add(d, g, err, len) < 0)
				goto out;
			continue;
		}
		if (g->addr.s_addr != d->conf.gw[s].addr.s_addr ||
		    g->nh != d->conf.gw[s].nh ||
		    g->last_resort != d->conf.gw[s].last_resort ||
		    strcmp(g->ifname, d->conf.gw[s].ifname)) {
			kmirror_gw_unroute(d->km, (unsigned)s);
			d->conf.gw[s].addr = g->addr;
			d->conf.gw[s].nh = g->nh;
			d->conf.gw[s].last_resort = g->last_resort;
			memcpy(d->conf.gw[s].ifname, g->ifname, sizeof(g->ifname));
			if (kmirror_gw_routing(d->km, (unsigned)s,
					       d->gw[s].hstate != HEALTH_DOWN, err, len))
				goto out;
		}
		d->gw[s].conf_weight = g->weight;
		nfqlbd_set_weight(d, (unsigned)s, g->weight);
	}
	d->conf.keep_on_exit = nc->keep_on_exit;
	d->conf.release_hold = nc->release_hold;
	d->conf.idle_timeout = nc->idle_timeout;
	if (d->conf.bind_on_packet != nc->bind_on_packet) {
		d->conf.bind_on_packet = nc->bind_on_packet;
		if (kmirror_steer(d->km, err, len))
			goto out;
	}
	d->conf.ha = nc->ha;	/* pair addresses, peer fingerprint */
	d->conf.last_resort = nc->last_resort;
	uplink_audit(d);	/* routes of the gateways rewritten above */
	rc = 0;
	log_info("reloaded %s", d->conf_path);
	/* A reload also puts back whatever a firewall reload took away. */
	nfqlbd_repair(d, 1, what, sizeof(what), rerr, sizeof(rerr));
out:
	if (rc) {
		d->n.reload_errors++;
		log_warnx("reload failed: %s", err);
	} else {
		d->n.reloads++;
	}
	sd_notifyf(0, "READY=1\nSTATUS=serving %u gateways; %s%s", gw_count(d),
		   rc ? "reload failed: " : "reloaded", rc ? err : "");
	free(nc);
	return rc;
}

static void log_stats(struct nfqlbd *d)
{
	const struct queue_stats *q = queue_stats(d->queue);
	unsigned i;

	log_info("queued %llu verdicts %llu marked %llu malformed %llu "
		 "unsupported %llu unassigned %llu enobufs %llu binds %llu+%llu "
		 "releases %llu set_errors %llu clients %u",
		 (unsigned long long)q->packets, (unsigned long long)q->verdicts,
		 (unsigned long long)q->marked, (unsigned long long)q->malformed,
		 (unsigned long long)q->unsupported,
		 (unsigned long long)q->unassigned, (unsigned long long)q->enobufs,
		 (unsigned long long)d->n.binds_packet,
		 (unsigned long long)d->n.binds_hook,
		 (unsigned long long)d->n.releases,
		 (unsigned long long)d->n.set_errors, balance_clients(d->bal));
	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0])
			log_info("gateway %s weight %u clients %u", d->conf.gw[i].name,
				 balance_gw_weight(d->bal, i),
				 balance_gw_clients(d->bal, i));
}

static void epoll_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		fatal("epoll_ctl");
}

static int tick_fd(void)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL))
		fatal("timerfd");
	return fd;
}

/* One signal; returns 1 to stop. */
static int handle_signal(struct nfqlbd *d, int sfd)
{
	struct signalfd_siginfo si;
	char err[512];

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGUSR1:
		log_stats(d);
		return 0;
	case SIGHUP:
		nfqlbd_reload(d, err, sizeof(err));
		return 0;
	}
	log_info("signal %u: stopping", si.ssi_signo);
	return 1;
}

/*
 * The prober's fd changes when a reload restarts it or a gateway add
 * starts it: the old one left the epoll set when it was closed.
 */
static void sync_health_fd(struct nfqlbd *d, int ep, unsigned *gen)
{
	int fd = failover_fd(d);

	if (*gen == d->health_gen)
		return;
	*gen = d->health_gen;
	if (fd >= 0)
		epoll_add(ep, fd, EV_HEALTH);
}

static void event_loop(struct nfqlbd *d, int sfd)
{
	struct epoll_event evs[8];
	int ep, n, i, tfd = tick_fd();
	unsigned gen = (unsigned)-1;
	uint64_t ticks;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("epoll_create1");
	epoll_add(ep, sfd, EV_SIGNAL);
	epoll_add(ep, queue_fd(d->queue), EV_QUEUE);
	epoll_add(ep, control_epoll_fd(d->ctl), EV_CONTROL);
	epoll_add(ep, tfd, EV_TICK);
	if (hasync_fd(d) >= 0)
		epoll_add(ep, hasync_fd(d), EV_HA);
	epoll_add(ep, kmirror_fd(d->km), EV_KERNEL);
	epoll_add(ep, uplink_fd(d), EV_LINK);
	for (;;) {
		sync_health_fd(d, ep, &gen);
		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case EV_QUEUE:
				if (queue_dispatch(d->queue, NFQLBD_QUEUE_ROUNDS) < 0)
					fatalx("the queue socket failed");
				break;
			case EV_CONTROL:
				control_dispatch(d->ctl);
				break;
			case EV_TICK:
				if (read(tfd, &ticks, sizeof(ticks)) < 0)
					break;
				control_expire(d->ctl, 0);
				failover_tick(d);
				portal_tick(d);
				ownaddr_refresh(&d->own, &d->conf.lan_net, 0);
				nfqlbd_traffic_update(d);
				hasync_tick(d);
				uplink_audit(d);	/* what no event says */
				break;
			case EV_LINK:
				uplink_dispatch(d);
				break;
			case EV_HA:
				hasync_dispatch(d);
				break;
			case EV_HEALTH:
				failover_dispatch(d);
				break;
			case EV_KERNEL:
				kernel_changed(d);
				break;
			case EV_SIGNAL:
				if (handle_signal(d, sfd)) {
					close(ep);
					close(tfd);
					return;
				}
				break;
			}
		}
	}
}

static int signals_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		fatal("sigprocmask");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

/*
 * One daemon per queue per network namespace: a second one would
 * rebuild, then on failing to bind the queue tear down, the first
 * one's rules and chains.  An abstract Unix socket is the lock: it
 * belongs to the namespace and dies with the process, so no stale
 * lock file is ever left.  A live control socket at our path is
 * refused too (another instance on another queue).
 */
static int instance_lock(const struct conf *c, char *err, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl;
	int fd, n, live;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, len, "instance lock: %s", strerror(errno));
		return -1;
	}
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "nfqlbd/queue/%u",
		     c->queue_num);
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (bind(fd, (struct sockaddr *)&sun, sl)) {
		snprintf(err, len, errno == EADDRINUSE ?
			 "another nfqlbd already serves queue.number = %u here: "
			 "stop it first (nothing was changed)" :
			 "instance lock for queue %u: %s", c->queue_num, strerror(errno));
		close(fd);
		return -1;
	}
	live = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->ctl_path);
	if (live >= 0 && !connect(live, (struct sockaddr *)&sun, sizeof(sun))) {
		snprintf(err, len, "control.socket %s is served by a running nfqlbd: "
			 "stop it first (nothing was changed)", c->ctl_path);
		close(live);
		close(fd);
		return -1;
	}
	if (live >= 0)
		close(live);
	return fd;
}

/* mkdir -p of the socket's directory (systemd's RuntimeDirectory does it too). */
static void make_socket_dir(const char *path)
{
	char dir[sizeof(((struct conf *)0)->ctl_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		log_warn("creating %s", dir);
}

static int run(struct nfqlbd *d)
{
	struct conf *c = &d->conf;
	struct queue_params qp = {
		.queue_num = (uint16_t)c->queue_num,
		.max_len = c->queue_maxlen,
		.bufsize = c->queue_bufsize,
		.copy_range = c->copy_range,
		.fail_open = c->fail_open,
		.batch = c->queue_batch,
	};
	struct control_params cp = {
		.path = c->ctl_path,
		.mode = (mode_t)c->ctl_mode,
		.group = c->ctl_gid,
		.idle_timeout = c->ctl_idle,
		.max_conns = c->ctl_max_conns,
	};
	const struct kmirror_members members = {
		.count = members_count_cb, .refill = members_refill_cb, .arg = d,
	};
	unsigned i, restored = 0;
	char err[512];
	int sfd, lock;

	lock = instance_lock(c, err, sizeof(err));
	if (lock < 0) {
		log_warnx("%s", err);
		return 1;
	}
	d->started = time(NULL);
	if (ownaddr_refresh(&d->own, &c->lan_net, 1))
		log_warn("listing this host's addresses");
	d->bal = balance_new(c->max_clients);
	d->info = clientinfo_new(c->max_clients);
	if (!d->bal || !d->info)
		fatal("allocating the table for %u clients", c->max_clients);
	for (i = 0; i < c->ngw; i++)
		if (balance_gw_add(d->bal, c->gw[i].weight) < 0)
			fatal("adding gateway %s", c->gw[i].name);
	sfd = signals_fd();
	d->sets = lbset_open();
	d->km = d->sets ? kmirror_open(c, d->sets) : NULL;
	if (!d->sets || !d->km)
		fatalx("cannot open ipset or rtnetlink sockets");
	if (start_checks(d))
		return NFQLBD_EXIT_CONFIG;
	if (portal_start(d))
		fatal("allocating the journal and holds");
	for (i = 0; i < c->ngw; i++)
		if (gw_setup(d, i, &restored, err, sizeof(err)))
			fatalx("%s", err);
	log_info("restored %u bindings from the kernel's sets", restored);
	portal_restored(d);
	if (!c->pin_connections && map_setup(d, err, sizeof(err)))
		fatalx("%s", err);
	if (failover_start(d, err, sizeof(err))) {
		log_warnx("%s", err);
		failover_stop(d);
		kmirror_teardown(c, 0);
		return 1;
	}
	if (uplink_start(d, err, sizeof(err)))
		fatalx("%s", err);
	if (kmirror_steer(d->km, err, sizeof(err)))
		fatalx("%s", err);
	if (c->pin_connections)
		kmirror_map_remove_stale(d->km);
	if (hasync_start(d, err, sizeof(err)))
		fatalx("%s", err);
	err[0] = '\0';
	if (kmirror_watch(d->km, &members, err, sizeof(err)) < 0)
		fatalx("%s", err);
	else if (err[0])
		log_warnx("%s", err);
	make_socket_dir(c->ctl_path);
	d->ctl = control_open(&cp, commands_handle, d, err, sizeof(err));
	if (!d->ctl) {
		log_warnx("%s", err);
		failover_stop(d);
		kmirror_teardown(c, 0);
		return 1;
	}
	/* Last: from now on packets arrive, and everything they need is up. */
	d->queue = queue_open(&qp, c->mark_mask, packet_batch, packet_flush, d,
			      err, sizeof(err));
	if (!d->queue) {
		log_warnx("%s", err);
		control_close(d->ctl);
		failover_stop(d);
		kmirror_teardown(c, 0);
		return 1;
	}
	log_info("serving %u gateways on queue %u, LAN %s, control %s", c->ngw,
		 c->queue_num, c->lan_if, c->ctl_path);
	sd_notifyf(0, "READY=1\nSTATUS=serving %u gateways", c->ngw);
	event_loop(d, sfd);
	sd_notify(0, "STOPPING=1");
	log_stats(d);
	queue_close(d->queue);
	control_close(d->ctl);
	hasync_stop(d);
	uplink_stop(d);
	failover_stop(d);
	close(sfd);
	kmirror_close(d->km);
	lbset_close(d->sets);
	portal_stop(d);
	balance_free(d->bal);
	clientinfo_free(d->info);
	if (c->keep_on_exit)
		return 0;
	return kmirror_teardown(c, 0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cleanup", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = CONF_DEFAULT_PATH;
	int ch, check = 0, debug = 0, fg = 0, cleanup = 0, rc;
	struct nfqlbd *d;

	while ((ch = getopt_long(argc, argv, "c:dfnh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': debug = 1; break;
		case 'f': fg = 1; break;
		case 'n': check = 1; break;
		case 'C': cleanup = 1; break;
		case 'V': printf("nfqlbd %s\n", NFQLB_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	d = calloc(1, sizeof(*d));
	if (!d)
		fatal("calloc");
	d->conf_path = path;
	log_init(1, debug, "nfqlbd");	/* config errors go to stderr */
	if (load_conf(path, &d->conf, NULL, 0)) {
		log_warnx("%s: configuration not valid", path);
		free(d);
		return NFQLBD_EXIT_CONFIG;
	}
	if (check) {
		/* Not an error: such a gateway waits for its interface. */
		uplink_missing(&d->conf, path);
		printf("%s: configuration OK (%u gateways)\n", path, d->conf.ngw);
		free(d);
		return 0;
	}
	if (cleanup) {
		char err[512];
		int lock = instance_lock(&d->conf, err, sizeof(err));

		if (lock < 0) {
			fprintf(stderr, "nfqlbd: --cleanup: %s\n", err);
			free(d);
			return 1;
		}
		rc = kmirror_teardown(&d->conf, 1);
		close(lock);
		free(d);
		return rc;
	}
	if (!fg && daemon(0, 0))
		fatal("daemon");
	log_init(fg, debug, "nfqlbd");
	rc = run(d);
	free(d);
	return rc;
}
