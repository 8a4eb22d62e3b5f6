// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loadwatch.c - measured load, the load policy's choice, and quiet
 * rebalancing of idle users (see loadwatch.h).
 *
 * The users' figures live in a small open-addressing table keyed by
 * IPv4 address, rebuilt every second from the bindings (so released
 * users drop out with no deletion code): O(clients + connections) a
 * second, off the packet path, which never looks at it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "core/balance.h"
#include "core/load.h"
#include "kernel/ctacct.h"
#include "util/log.h"
#include "daemon/loadwatch.h"

/* A user at or above this is active (its rate counts for "typical"). */
#define LW_ACTIVE	1000u		/* bytes/s, 8 kbit/s */
/* Below this the whole box is idle: the users rule, exactly. */
#define LW_IDLE_BOX	12500u		/* bytes/s, 100 kbit/s */
/* Below this no gateway is hot enough to rebalance. */
#define LW_HOT		12500u
/* Samples in a row without a connection before a user counts as idle. */
#define LW_IDLE_SAMPLES	2
/*
 * A sample every LW_SAMPLE_S seconds: each one is a zeroing dump of the
 * whole conntrack table, whose cost on the fast path is measured in
 * bench/RESULTS.md (BENCH_ONLY=measure); the smoothing keeps its time
 * constant in seconds (ewma()), whatever the interval.
 */
#define LW_SAMPLE_S	3

struct lw_user {
	uint32_t ip;		/* network order; 0: free slot */
	uint8_t gw;
	uint8_t idle;		/* samples in a row with no connection, capped */
	uint32_t open;
	uint64_t d_down, d_up;	/* this sample */
	struct loadwatch_user u;
};

struct lw_table {
	struct lw_user *slot;
	uint32_t mask;		/* capacity - 1 */
	uint32_t n;
};

struct loadwatch {
	const struct conf *conf;
	struct bindings *b;
	uint64_t idle_moves;	/* idle users moved by rebalance_idle */
	struct lw_table users;
	uint64_t rate[BALANCE_MAX_GW][LOAD_DIRS];
	uint64_t delta[BALANCE_MAX_GW][LOAD_DIRS];
	uint64_t typical[LOAD_DIRS];
	uint64_t last_ms;
	int primed;		/* a first (zeroing) sample was taken */
	int ok;			/* the last sample worked */
	int enabled;		/* nf_conntrack_acct was set */
	unsigned ticks;		/* since the last sample */
	time_t last_warn;
	struct load_rb_state rb;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The bindings layer's question for a new user: which gateway (-1: its own rule). */
static int choose_cb(void *arg)
{
	return loadwatch_choose(arg);
}

struct loadwatch *loadwatch_new(const struct conf *c, struct bindings *b)
{
	struct loadwatch *w = calloc(1, sizeof(struct loadwatch));

	if (!w)
		return NULL;
	w->conf = c;
	w->b = b;
	bindings_on_choose(b, choose_cb, w);
	return w;
}

void loadwatch_free(struct loadwatch *w)
{
	if (!w)
		return;
	free(w->users.slot);
	free(w);
}

static uint32_t lw_hash(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	return x ^ (x >> 16);
}

static struct lw_user *lw_find(const struct lw_table *t, uint32_t ip)
{
	if (!t->slot || !ip)
		return NULL;
	for (uint32_t i = lw_hash(ip) & t->mask;; i = (i + 1) & t->mask) {
		if (t->slot[i].ip == ip)
			return &t->slot[i];
		if (!t->slot[i].ip)
			return NULL;
	}
}

/* Insert (the table is sized for every binding: never full). */
static struct lw_user *lw_add(struct lw_table *t, uint32_t ip)
{
	uint32_t i = lw_hash(ip) & t->mask;

	while (t->slot[i].ip && t->slot[i].ip != ip)
		i = (i + 1) & t->mask;
	if (!t->slot[i].ip) {
		t->slot[i].ip = ip;
		t->n++;
	}
	return &t->slot[i];
}

static int lw_table_init(struct lw_table *t, uint32_t n)
{
	uint32_t cap = 16;

	while (cap < 2 * (uint64_t)n + 16)
		cap <<= 1;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->mask = cap - 1;
	t->n = 0;
	return t->slot ? 0 : -1;
}

struct carry_ctx {
	const struct lw_table *old;
	struct lw_table *cur;
};

/* Every binding into the new table, its figures carried over. */
static int carry_cb(const struct balance_binding *bb, void *arg)
{
	struct carry_ctx *c = arg;
	const struct lw_user *o = lw_find(c->old, bb->addr.v4.s_addr);
	struct lw_user *u = lw_add(c->cur, bb->addr.v4.s_addr);

	if (o) {
		u->u = o->u;
		u->idle = o->idle;
	}
	u->gw = (uint8_t)bb->gw;
	u->open = 0;
	return 0;
}

struct sample_ctx {
	struct loadwatch *w;
	struct lw_table *cur;
};

/* The gateway a connection's packets go through: its ctmark's, else its user's. */
static int conn_gw(const struct loadwatch *w, const struct ctacct_entry *e,
		   const struct lw_user *u)
{
	uint32_t m = e->mark & w->conf->mark_mask;

	if (m >= w->conf->mark_base && m - w->conf->mark_base < w->conf->ngw)
		return (int)(m - w->conf->mark_base);
	return u ? u->gw : -1;
}

static void sample_cb(const struct ctacct_entry *e, void *arg)
{
	struct sample_ctx *s = arg;
	struct loadwatch *w = s->w;
	struct lw_user *u = lw_find(s->cur, e->src.s_addr);
	int gw = conn_gw(s->w, e, u);

	if (u) {
		u->open++;
		u->d_down += e->reply_bytes;
		u->d_up += e->orig_bytes;
	}
	if (gw >= 0 && (u || net4_contains(&s->w->conf->lan_net, e->src))) {
		w->delta[gw][LOAD_DOWN] += e->reply_bytes;
		w->delta[gw][LOAD_UP] += e->orig_bytes;
	}
}

/* load_ewma once per second of the interval: the same 8 s time constant. */
static uint64_t ewma(uint64_t old, uint64_t sample, uint64_t ms)
{
	uint64_t n = (ms + 500) / 1000, i;

	/* At least once; a minute of steps has converged anyway. */
	n = n < 1 ? 1 : n > 60 ? 60 : n;
	for (i = 0; i < n; i++)
		old = load_ewma(old, sample);
	return old;
}

static uint64_t per_second(uint64_t bytes, uint64_t ms)
{
	return ms ? (uint64_t)((unsigned __int128)bytes * 1000 / ms) : 0;
}

/* Fold the sample into the rates; the typical demand from the users'. */
static void smooth(struct loadwatch *w, struct lw_table *cur, uint64_t ms,
		   unsigned ngw)
{
	uint64_t *r[LOAD_DIRS];
	unsigned n = 0;

	r[LOAD_DOWN] = malloc((cur->n + 1) * sizeof(uint64_t));
	r[LOAD_UP] = malloc((cur->n + 1) * sizeof(uint64_t));
	for (uint32_t i = 0; i <= cur->mask; i++) {
		struct lw_user *u = &cur->slot[i];

		if (!u->ip)
			continue;
		u->u.rx_bytes += u->d_down;
		u->u.tx_bytes += u->d_up;
		u->u.rate_down = ewma(u->u.rate_down, per_second(u->d_down, ms), ms);
		u->u.rate_up = ewma(u->u.rate_up, per_second(u->d_up, ms), ms);
		u->u.open = u->open;
		if (u->open)
			u->idle = 0;
		else if (u->idle < 255)
			u->idle++;
		if (r[LOAD_DOWN] && r[LOAD_UP]) {
			r[LOAD_DOWN][n] = u->u.rate_down;
			r[LOAD_UP][n] = u->u.rate_up;
			n++;
		}
	}
	for (unsigned g = 0; g < ngw; g++)
		for (int k = 0; k < LOAD_DIRS; k++)
			w->rate[g][k] = ewma(w->rate[g][k],
					     per_second(w->delta[g][k], ms), ms);
	for (int k = 0; k < LOAD_DIRS; k++) {
		w->typical[k] = r[k] ? load_typical(r[k], n, LW_ACTIVE) : 0;
		free(r[k]);
	}
}

/* The core's view of the gateways now. */
static unsigned gw_view(const struct loadwatch *w, struct load_gw *g, const struct lw_table *t)
{
	unsigned n = w->conf->ngw;

	for (unsigned i = 0; i < n; i++) {
		const struct conf_gw *c = &w->conf->gw[i];

		memset(&g[i], 0, sizeof(g[i]));
		g[i].weight = balance_gw_weight(bindings_table(w->b), i);
		g[i].clients = balance_gw_clients(bindings_table(w->b), i);
		g[i].available = c->name[0] && balance_gw_available(bindings_table(w->b), i);
		g[i].bandwidth[LOAD_DOWN] = (uint64_t)c->bw_down * 125;
		g[i].bandwidth[LOAD_UP] = (uint64_t)c->bw_up * 125;
		g[i].rate[LOAD_DOWN] = w->rate[i][LOAD_DOWN];
		g[i].rate[LOAD_UP] = w->rate[i][LOAD_UP];
	}
	for (uint32_t i = 0; t && t->slot && i <= t->mask; i++)
		if (t->slot[i].ip && t->slot[i].idle >= LW_IDLE_SAMPLES &&
		    t->slot[i].gw < n)
			g[t->slot[i].gw].idle++;
	return n;
}

/* One idle user of from to to, if the core says so. */
static void rebalance(struct loadwatch *w, struct lw_table *t)
{
	struct load_gw g[BALANCE_MAX_GW];
	struct load_rb_params p = {
		.margin_pct = w->conf->rebalance_margin,
		.hold = w->conf->rebalance_hold,
		.interval = w->conf->rebalance_interval,
		.floor = LW_HOT,
	};
	unsigned n = gw_view(w, g, t), from, to;
	char s[NFQLB_ADDRSTRLEN];

	if (!load_rebalance(&w->rb, &p, g, n, w->typical, (uint32_t)(now_ms() / 1000),
			    &from, &to))
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct lw_user *u = &t->slot[i];
		struct nfqlb_addr a = { .family = AF_INET };

		/* Idle for two samples and none open in this one: nothing to break. */
		if (!u->ip || u->gw != from || u->idle < LW_IDLE_SAMPLES || u->open)
			continue;
		a.v4.s_addr = u->ip;
		if (bindings_move(w->b, &a, from, to))
			return;
		u->gw = (uint8_t)to;
		w->idle_moves++;
		log_info("moved idle client %s from gateway %s to %s (rates %llu/%llu "
			 "vs %llu/%llu bytes/s down/up)", addr_format(&a, s, sizeof(s)),
			 w->conf->gw[from].name, w->conf->gw[to].name,
			 (unsigned long long)g[from].rate[LOAD_DOWN],
			 (unsigned long long)g[from].rate[LOAD_UP],
			 (unsigned long long)g[to].rate[LOAD_DOWN],
			 (unsigned long long)g[to].rate[LOAD_UP]);
		return;
	}
}

/* Rate-limited; silent when nothing but the figures depends on it. */
static void warn(struct loadwatch *w, const char *what, const char *err)
{
	time_t t = time(NULL);

	if (w->conf->policy != CONF_POLICY_LOAD && !w->conf->rebalance_idle) {
		log_debug("load: %s: %s", what, err);
		return;
	}
	if (t - w->last_warn < 60)
		return;
	w->last_warn = t;
	log_warnx("load: %s: %s", what, err);
}

/*
 * Measuring costs the fast path (conntrack accounting on every packet,
 * a dump a second: bench/RESULTS.md): only where it decides something
 * (the load policy, quiet rebalancing) or is asked for (balance.measure).
 */
static int measuring(const struct loadwatch *w)
{
	return w->conf->policy == CONF_POLICY_LOAD || w->conf->rebalance_idle ||
	       w->conf->measure;
}

void loadwatch_tick(struct loadwatch *w)
{
	struct carry_ctx c;
	struct sample_ctx s;
	struct lw_table cur;
	uint64_t t = now_ms(), ms;
	char err[256];

	if (!w)
		return;
	if (!measuring(w)) {
		w->ok = 0;
		w->primed = 0;	/* a later start zeroes lifetimes again */
		return;
	}
	/* The first tick samples (zeroes the counters), then every LW_SAMPLE_S. */
	if (w->primed && ++w->ticks < LW_SAMPLE_S)
		return;
	w->ticks = 0;
	if (!w->enabled) {
		if (ctacct_enable(err, sizeof(err))) {
			warn(w, "no conntrack accounting", err);
			w->ok = 0;
			return;
		}
		w->enabled = 1;
	}
	if (lw_table_init(&cur, balance_clients(bindings_table(w->b)))) {
		warn(w, "sampling", "out of memory");
		return;
	}
	c.old = &w->users;
	c.cur = &cur;
	balance_foreach(bindings_table(w->b), carry_cb, &c);
	memset(w->delta, 0, sizeof(w->delta));
	s.w = w;
	s.cur = &cur;
	if (ctacct_dump(1, sample_cb, &s, err, sizeof(err)) < 0) {
		warn(w, "sampling", err);
		free(cur.slot);
		w->ok = 0;
		return;
	}
	ms = t - w->last_ms;
	w->last_ms = t;
	w->ok = 1;
	/* The first zeroing dump holds whole lifetimes, not a second. */
	if (!w->primed) {
		w->primed = 1;
		for (uint32_t i = 0; i <= cur.mask; i++)
			cur.slot[i].d_down = cur.slot[i].d_up = 0;
		memset(w->delta, 0, sizeof(w->delta));
		ms = 1000;
	}
	smooth(w, &cur, ms ? ms : 1, w->conf->ngw);
	free(w->users.slot);
	w->users = cur;
	if (w->conf->rebalance_idle)
		rebalance(w, &w->users);
}

int loadwatch_choose(struct loadwatch *w)
{
	struct load_gw g[BALANCE_MAX_GW];
	unsigned n;

	if (!w || w->conf->policy != CONF_POLICY_LOAD || !w->ok)
		return -1;
	n = gw_view(w, g, NULL);
	return load_pick(g, n, w->typical, LW_IDLE_BOX);
}

int loadwatch_user(const struct loadwatch *w, struct in_addr a, struct loadwatch_user *u)
{
	const struct lw_user *x = w ? lw_find(&w->users, a.s_addr) : NULL;

	if (!x)
		return -1;
	*u = x->u;
	return 0;
}

void loadwatch_gw_rate(const struct loadwatch *w, unsigned i, uint64_t *down, uint64_t *up)
{
	*down = w && i < BALANCE_MAX_GW ? w->rate[i][LOAD_DOWN] : 0;
	*up = w && i < BALANCE_MAX_GW ? w->rate[i][LOAD_UP] : 0;
}

int loadwatch_gw_util(const struct loadwatch *w, unsigned i)
{
	const struct conf_gw *c = &w->conf->gw[i];
	uint64_t down, up, pd = 0, pu = 0;

	if (i >= w->conf->ngw || (!c->bw_down && !c->bw_up))
		return -1;
	loadwatch_gw_rate(w, i, &down, &up);
	/* bytes/s * 8 / 1000 = kbit/s; percent of the declared kbit/s. */
	if (c->bw_down)
		pd = down * 8 / 10 / c->bw_down;
	if (c->bw_up)
		pu = up * 8 / 10 / c->bw_up;
	pd = pd > pu ? pd : pu;
	return pd > 100000 ? 100000 : (int)pd;
}

void loadwatch_typical(const struct loadwatch *w, uint64_t *down, uint64_t *up)
{
	*down = w ? w->typical[LOAD_DOWN] : 0;
	*up = w ? w->typical[LOAD_UP] : 0;
}

int loadwatch_ok(const struct loadwatch *w)
{
	return w && w->ok;
}

void loadwatch_user_fields(const struct loadwatch *w, struct obuf *o, struct in_addr a)
{
	struct loadwatch_user u;

	if (loadwatch_user(w, a, &u)) {
		obuf_kv(o, "rx_bytes", "-");
		obuf_kv(o, "tx_bytes", "-");
		obuf_kv(o, "rate_down", "-");
		obuf_kv(o, "rate_up", "-");
		obuf_kv(o, "open", "-");
		return;
	}
	obuf_kvu(o, "rx_bytes", u.rx_bytes);
	obuf_kvu(o, "tx_bytes", u.tx_bytes);
	obuf_kvu(o, "rate_down", u.rate_down);
	obuf_kvu(o, "rate_up", u.rate_up);
	obuf_kvu(o, "open", u.open);
}

void loadwatch_gw_fields(const struct loadwatch *w, struct obuf *o, unsigned i)
{
	uint64_t down, up;
	int u = loadwatch_gw_util(w, i);
	char num[16];

	if (!loadwatch_ok(w)) {
		obuf_kv(o, "rate_down", "-");
		obuf_kv(o, "rate_up", "-");
		obuf_kv(o, "utilization", "-");
		return;
	}
	loadwatch_gw_rate(w, i, &down, &up);
	obuf_kvu(o, "rate_down", down);
	obuf_kvu(o, "rate_up", up);
	snprintf(num, sizeof(num), "%d%%", u);
	obuf_kv(o, "utilization", u < 0 ? "-" : num);
}

void loadwatch_stats(const struct loadwatch *w, struct obuf *o)
{
	uint64_t down, up;

	loadwatch_typical(w, &down, &up);
	obuf_kv(o, "policy", w->conf->policy == CONF_POLICY_LOAD ? "load" : "users");
	obuf_kvu(o, "idle_moves", w->idle_moves);
	obuf_kvu(o, "typical_down", down);
	obuf_kvu(o, "typical_up", up);
}
