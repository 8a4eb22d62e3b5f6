// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * failover.c - what the daemon does when the health prober (health.c)
 * changes its mind about a gateway.
 *
 * Down: the gateway takes no new client, its "from LAN fwmark" rule is
 * removed (a packet still carrying its mark falls through to the main
 * table instead of a dead router), its clients are rebound to the
 * least-loaded live gateways (set membership moved, new set first) and
 * the conntrack entries carrying its mark, and only those, are deleted
 * so that pinned connections start again through the new gateway.
 *
 * The verdicts of one turn of the prober are decided together by the
 * pure core judge.c (judge.h): every gateway in use failing in the
 * same round is a probe target's or this box's failure, so they are
 * "held": nobody moves, no conntrack entry is deleted, and they are
 * where they were when the probes come back.  Gateways leaving in one
 * turn all leave the balance before any client is moved, so nobody is
 * moved onto a gateway that goes down in the same turn.  A flapping
 * gateway is "damped" (held down by a penalty) before it is used again.
 *
 * Every gateway down one after the other: nowhere better to go, so
 * nothing moves; clients keep their bindings and, with every rule out,
 * the main table routes them.  The first gateway back takes them all
 * (then rebalance spreads them again if configured).
 *
 * Up: the rule comes back, the gateway takes new clients (being the
 * least loaded, it fills first); with health.rebalance, once it has
 * stayed up health.rebalance_after seconds, or on `nfqlbctl rebalance`,
 * just enough clients move to it to restore the weighted shares.
 * Their established connections stay where they were: the chain
 * restores the connmark before it looks at any set.
 *
 * Each change runs health.notify (if set) as "SCRIPT GATEWAY OLD NEW
 * LOSS RTT" (LOSS in % and RTT average in ms over the window, "-"
 * unknown), without waiting; a script still running after
 * notify_timeout seconds is killed with its process group.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/failover.h"
#include "daemon/notify.h"
#include "kernel/ct.h"
#include "util/log.h"

/* The daemon's view of a gateway's health (topology and status read it). */
struct failover_gw {
	int probed;		/* health probes run for it */
	/*
	 * PROBING until the prober's first verdict, then UP or DOWN.  Kept
	 * across a restart of the prober (reload), so that a down gateway
	 * stays out of use until probes say so.
	 */
	enum health_state hstate;
	time_t hsince;		/* when hstate or jstate last changed */
	enum judge_state jstate;
};

struct failover {
	struct conf *conf;	/* the live one; failover_reload writes its health part */
	struct bindings *b;
	struct kmirror *km;
	struct prober *health;	/* NULL: no gateway has probe targets */
	unsigned health_gen;	/* bumped when the prober (its fd) is new */
	struct judge_gw judge[BALANCE_MAX_GW];	/* verdicts, judged together */
	struct failover_gw gw[BALANCE_MAX_GW];
	struct notify *notify;
	struct failover_counters n;
};

static void judge_apply(struct failover *f);

_Static_assert(JUDGE_MAX_GW == BALANCE_MAX_GW, "a verdict for every gateway slot");

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void failover_tick(struct failover *f)
{
	/* Damping and the failback's rebalance delay run on time alone. */
	judge_apply(f);
	notify_tick(f->notify);
}

static void flush_conntrack(struct failover *f, unsigned slot)
{
	char err[256];

	/* Unpinned, no connection carries a mark: nothing to delete. */
	if (!f->conf->pin_connections)
		return;
	if (ct_delete_mark(conf_gw_mark(f->conf, slot), f->conf->mark_mask,
			   err, sizeof(err))) {
		log_warnx("gateway %s: %s", f->conf->gw[slot].name, err);
		return;
	}
	f->n.ct_flushes++;
}

/* The daemon's health view of a judged state (topology reads it). */
static enum health_state hstate_of(enum judge_state s)
{
	switch (s) {
	case JUDGE_PROBING:	return HEALTH_PROBING;
	case JUDGE_DOWN:
	case JUDGE_DAMPED:
	case JUDGE_NOLINK:	return HEALTH_DOWN;
	default:		return HEALTH_UP;
	}
}

static void sync_state(struct failover *f, unsigned slot)
{
	enum health_state h = hstate_of(f->judge[slot].state);

	if (f->gw[slot].hstate != h || f->gw[slot].jstate != f->judge[slot].state)
		f->gw[slot].hsince = time(NULL);
	f->gw[slot].hstate = h;
	f->gw[slot].jstate = f->judge[slot].state;
}

/* "12" (% lost) and "3.4" (RTT average, ms) over the window, or "-". */
static void quality_str(const struct failover *f, unsigned slot, char *loss,
			char *rtt, size_t len)
{
	struct health_info hi;

	snprintf(loss, len, "-");
	snprintf(rtt, len, "-");
	if (!f->gw[slot].probed || !f->health || prober_gw_info(f->health, slot, &hi))
		return;
	snprintf(loss, len, "%u", hi.quality.loss_pct);
	if (hi.quality.nrtt)
		snprintf(rtt, len, "%.1f", hi.quality.rtt_avg_us / 1000.0);
}

static void note(struct failover *f, unsigned slot, const char *from, const char *to)
{
	char loss[16], rtt[16];

	quality_str(f, slot, loss, rtt, sizeof(loss));
	notify_run(f->notify, f->conf->gw[slot].name, from, to, loss, rtt);
}

static void gw_leave(struct failover *f, unsigned slot)
{
	f->n.failovers++;
	bindings_gw_available(f->b, slot, 0);
	kmirror_gw_lan_rule(f->km, slot, 0);
}

static void gw_evacuate(struct failover *f, unsigned slot)
{
	uint32_t before = balance_gw_clients(bindings_table(f->b), slot), moved;

	moved = bindings_evacuate(f->b, slot);
	flush_conntrack(f, slot);
	if (moved < before)
		log_warnx("gateway %s down: no live gateway for %u of its clients: "
			  "they keep their binding, the main table routes them",
			  f->conf->gw[slot].name, before - moved);
}

static void gw_up(struct failover *f, unsigned slot, enum judge_state old)
{
	unsigned i;

	kmirror_gw_lan_rule(f->km, slot, 1);
	bindings_gw_available(f->b, slot, 1);
	/* Clients kept on down gateways while none was up go now. */
	for (i = 0; i < f->conf->ngw; i++) {
		if (i == slot || !f->conf->gw[i].name[0] ||
		    f->gw[i].hstate != HEALTH_DOWN || !balance_gw_clients(bindings_table(f->b), i))
			continue;
		bindings_evacuate(f->b, i);
		flush_conntrack(f, i);
	}
	/* The failback's rebalance waits for health.rebalance_after (judge). */
	if (old == JUDGE_DOWN || old == JUDGE_DAMPED)
		f->n.failbacks++;
}

static void judge_params_of(const struct failover *f, struct judge_params *jp)
{
	/* The half-life is in rounds, like fall, rise and window. */
	jp->half_life_ms = (uint64_t)f->conf->damping * f->conf->health.interval_ms;
	jp->rebalance_after_ms = (uint64_t)f->conf->rebalance_after * 1000;
}

static void log_change(struct failover *f, unsigned slot, enum judge_state from)
{
	const struct judge_gw *j = &f->judge[slot];
	char loss[16], rtt[16];
	struct health_info hi;
	const char *why = "";

	quality_str(f, slot, loss, rtt, sizeof(loss));
	if (j->state == JUDGE_DOWN && f->health && !prober_gw_info(f->health, slot, &hi))
		why = health_reason_name(hi.reason);
	if (j->state == JUDGE_DOWN || j->state == JUDGE_HELD)
		log_warnx("gateway %s: %s -> %s%s%s (loss %s%%, rtt %s ms)",
			  f->conf->gw[slot].name, judge_state_name(from),
			  judge_state_name(j->state), *why ? ": " : "", why, loss, rtt);
	else if (j->state == JUDGE_DAMPED)
		log_info("gateway %s: probes up again but damped (penalty %u): "
			 "kept down until it decays to %u", f->conf->gw[slot].name,
			 j->penalty, JUDGE_REUSE);
	else
		log_info("gateway %s: %s -> %s (loss %s%%, rtt %s ms)",
			 f->conf->gw[slot].name, judge_state_name(from),
			 judge_state_name(j->state), loss, rtt);
}

/*
 * One turn of the judge, then its result applied: the gateways leaving
 * first (out of the balance and their rules out, all of them, before
 * any client moves), then the ones back.  Called after each dispatch of
 * the prober and once a second (damping and rebalance timers).
 */
static void judge_apply(struct failover *f)
{
	enum judge_state old[BALANCE_MAX_GW];
	struct judge_params jp;
	struct judge_turn t;
	unsigned i, n = f->conf->ngw;
	uint64_t changed;

	for (i = 0; i < n; i++) {
		struct health_info hi;

		old[i] = f->judge[i].state;
		f->judge[i].answering = f->judge[i].failing = 0;
		if (!f->judge[i].used || !f->health || prober_gw_info(f->health, i, &hi))
			continue;
		f->judge[i].answering = hi.good >= f->conf->health.rise;
		f->judge[i].failing = hi.bad >= f->conf->health.fall;
	}
	judge_params_of(f, &jp);
	judge_run(f->judge, n, &jp, now_ms(), &t);
	for (i = 0; i < n; i++)
		sync_state(f, i);
	changed = t.down | t.up | t.held | t.unheld | t.damped;
	if (!changed && !t.rebalance)
		return;
	if (t.outage_start) {
		f->n.probe_outages++;
		log_warnx("the probes of every gateway failed in the same round: a failure "
			  "of the probe targets or of this box, not of the gateways: "
			  "nobody moves, no connection is deleted");
	}
	for (i = 0; i < n; i++)
		if (t.down & ((uint64_t)1 << i))
			gw_leave(f, i);
	for (i = 0; i < n; i++)
		if (t.down & ((uint64_t)1 << i))
			gw_evacuate(f, i);
	for (i = 0; i < n; i++) {
		if (t.up & ((uint64_t)1 << i))
			gw_up(f, i, old[i]);
		if (t.damped & ((uint64_t)1 << i))
			f->n.damped++;
	}
	if (t.outage_end)
		log_info("probes answer again: the held gateways are judged one by one");
	for (i = 0; i < n; i++) {
		if (!(changed & ((uint64_t)1 << i)) || old[i] == f->judge[i].state)
			continue;
		log_change(f, i, old[i]);
		note(f, i, judge_state_name(old[i]), judge_state_name(f->judge[i].state));
	}
	if (t.rebalance && f->conf->rebalance)
		failover_rebalance(f);
}

/*
 * The prober's verdict: recorded, judged with the others' of the same
 * turn by judge_apply() once the prober's dispatch is over.
 */
static void on_change(unsigned slot, enum health_state from,
		      enum health_state to, void *arg)
{
	struct failover *f = arg;

	(void)from;
	if (slot >= f->conf->ngw || !f->conf->gw[slot].name[0])
		return;
	f->judge[slot].raw = to;
}

void failover_verdict(struct failover *f, unsigned slot, enum health_state to)
{
	on_change(slot, HEALTH_PROBING, to, f);
}

static int probes_open(struct failover *f, char *err, size_t len)
{
	if (f->health)
		return 0;
	f->health = prober_new(&f->conf->health, on_change, NULL, f);
	if (!f->health) {
		snprintf(err, len, "health: cannot start the prober: %s", strerror(errno));
		return -1;
	}
	f->health_gen++;
	return 0;
}

/* fresh: a new gateway (PROBING); else keep the daemon's last verdict. */
static int gw_probe_add(struct failover *f, unsigned i, int fresh, char *err,
			size_t len)
{
	const struct conf *c = f->conf;
	const struct health_target *t;
	uint32_t mark = conf_gw_mark(c, i);
	char ignored[256];
	struct in_addr any = { .s_addr = INADDR_ANY };
	unsigned n;

	t = conf_gw_targets(c, i, &n);
	if (fresh) {
		f->gw[i].hsince = time(NULL);
		judge_init(&f->judge[i], JUDGE_PROBING, now_ms());
	}
	if (!n) {
		enum judge_state old = f->judge[i].state;

		/* Not probed: always up (a down one would never come back). */
		judge_init(&f->judge[i], JUDGE_UP, now_ms());
		sync_state(f, i);
		if (!fresh && (old == JUDGE_DOWN || old == JUDGE_DAMPED))
			gw_up(f, i, old);
		return 0;
	}
	/* A new prober knows nothing yet: the last verdict stands. */
	f->judge[i].raw = HEALTH_PROBING;
	f->judge[i].used = 1;
	sync_state(f, i);
	if (probes_open(f, err, len))
		return -1;
	if (kmirror_gw_probe_rule(f->km, i, 1, err, len))
		return -1;
	if (prober_gw_add(f->health, i, mark, any, t, n)) {
		snprintf(err, len, "gateway %s: health probes: %s", c->gw[i].name,
			 errno == EINVAL ? "health.min_ok exceeds its probe targets" :
			 strerror(errno));
		kmirror_gw_probe_rule(f->km, i, 0, ignored, sizeof(ignored));
		return -1;
	}
	f->gw[i].probed = 1;
	return 0;
}

int failover_gw_add(struct failover *f, unsigned i, char *err, size_t len)
{
	return gw_probe_add(f, i, 1, err, len);
}

void failover_gw_del(struct failover *f, unsigned i)
{
	char err[256];

	f->judge[i].used = 0;
	if (!f->gw[i].probed)
		return;
	f->gw[i].probed = 0;
	if (f->health)
		prober_gw_del(f->health, i);
	if (kmirror_gw_probe_rule(f->km, i, 0, err, sizeof(err)))
		log_warnx("%s", err);
}

struct failover *failover_new(struct conf *c, struct bindings *b, struct kmirror *km)
{
	struct failover *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->conf = c;
	f->b = b;
	f->km = km;
	f->notify = notify_new(c, &f->n.notify_runs, &f->n.notify_errors);
	if (!f->notify) {
		free(f);
		return NULL;
	}
	return f;
}

void failover_free(struct failover *f)
{
	if (!f)
		return;
	notify_free(f->notify);
	free(f);
}

int failover_start(struct failover *f, char *err, size_t len)
{
	unsigned i;

	for (i = 0; i < f->conf->ngw; i++)
		if (f->conf->gw[i].name[0] && failover_gw_add(f, i, err, len))
			return -1;
	return 0;
}

static void prober_stop(struct failover *f)
{
	unsigned i;

	for (i = 0; i < f->conf->ngw; i++)
		failover_gw_del(f, i);
	prober_free(f->health);
	f->health = NULL;
}

void failover_stop(struct failover *f)
{
	prober_stop(f);
	notify_free(f->notify);
	f->notify = notify_new(f->conf, &f->n.notify_runs, &f->n.notify_errors);
}

static int targets_equal(const struct health_target *a, unsigned na,
			 const struct health_target *b, unsigned nb)
{
	unsigned i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].kind != b[i].kind || a[i].addr.s_addr != b[i].addr.s_addr ||
		    a[i].port != b[i].port)
			return 0;
	return 1;
}

static int params_equal(const struct health_params *a, const struct health_params *b)
{
	return a->interval_ms == b->interval_ms && a->timeout_ms == b->timeout_ms &&
	       a->min_ok == b->min_ok && a->fall == b->fall && a->rise == b->rise &&
	       a->window == b->window && a->loss_down == b->loss_down &&
	       a->loss_up == b->loss_up && a->rtt_down_ms == b->rtt_down_ms &&
	       a->rtt_up_ms == b->rtt_up_ms;
}

/*
 * Called by the reload before gateways are added or removed: the
 * settings that need no prober restart are copied; a change of
 * parameters or targets restarts the prober for the gateways present
 * (their last verdict is kept until the new prober gives one).
 */
int failover_reload(struct failover *f, const struct conf *nc, char *err, size_t len)
{
	struct conf *c = f->conf;
	int changed = 0, s;
	unsigned i;

	c->rebalance = nc->rebalance;
	c->rebalance_after = nc->rebalance_after;
	c->damping = nc->damping;
	c->notify_timeout = nc->notify_timeout;
	memcpy(c->notify, nc->notify, sizeof(c->notify));
	if (!params_equal(&c->health, &nc->health) ||
	    !targets_equal(c->targets, c->ntargets, nc->targets, nc->ntargets))
		changed = 1;
	for (i = 0; i < nc->ngw; i++) {
		s = conf_gw_find(f->conf, nc->gw[i].name);
		if (s >= 0 && !targets_equal(c->gw[s].targets, c->gw[s].ntargets,
					     nc->gw[i].targets, nc->gw[i].ntargets))
			changed = 1;
	}
	if (!changed)
		return 0;
	log_info("health settings changed: restarting the probes");
	prober_stop(f);
	c->health = nc->health;
	c->ntargets = nc->ntargets;
	memcpy(c->targets, nc->targets, sizeof(c->targets));
	for (i = 0; i < nc->ngw; i++) {
		s = conf_gw_find(f->conf, nc->gw[i].name);
		if (s < 0)
			continue;
		c->gw[s].ntargets = nc->gw[i].ntargets;
		memcpy(c->gw[s].targets, nc->gw[i].targets, sizeof(c->gw[s].targets));
	}
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0] && gw_probe_add(f, i, 0, err, len))
			return -1;
	return 0;
}

int failover_fd(const struct failover *f)
{
	return f->health ? prober_fd(f->health) : -1;
}

int failover_gw_link(struct failover *f, unsigned i, int ok)
{
	struct judge_gw *j = &f->judge[i];

	/* The judge forgets no-link when a prober restart re-inits it. */
	if (j->nolink == !ok && (j->state == JUDGE_NOLINK) == !ok)
		return 0;
	j->nolink = !ok;
	return 1;
}

void failover_judge(struct failover *f)
{
	judge_apply(f);
}

void failover_dispatch(struct failover *f)
{
	if (f->health && prober_dispatch(f->health))
		log_warn("health probes");
	judge_apply(f);
}

uint32_t failover_rebalance(struct failover *f)
{
	return bindings_rebalance(f->b);
}

const char *failover_state(const struct failover *f, unsigned i)
{
	enum judge_state s = f->judge[i].state;

	if (s == JUDGE_DOWN || s == JUDGE_DAMPED || s == JUDGE_NOLINK)
		return judge_state_name(s);
	if (!balance_gw_weight(bindings_table(f->b), i))
		return "drained";
	return judge_state_name(s);
}

int failover_probe_outage(const struct failover *f)
{
	unsigned i;

	for (i = 0; i < f->conf->ngw; i++)
		if (f->judge[i].used && f->judge[i].state == JUDGE_HELD)
			return 1;
	return 0;
}

int failover_gw_down(const struct failover *f, unsigned i)
{
	return f->gw[i].hstate == HEALTH_DOWN;
}

void failover_gw_info(const struct failover *f, unsigned i, struct failover_gw_info *gi)
{
	const struct judge_gw *j = &f->judge[i];

	memset(gi, 0, sizeof(*gi));
	gi->state = failover_state(f, i);
	gi->since = f->gw[i].hsince;
	gi->changes = j->changes;
	gi->penalty = j->penalty;
	gi->raw = j->raw;
	gi->judged_down = j->state == JUDGE_DOWN;
	gi->probed = f->gw[i].probed && f->health &&
		     !prober_gw_info(f->health, i, &gi->health);
}

unsigned failover_health_gen(const struct failover *f)
{
	return f->health_gen;
}

const struct failover_counters *failover_counters(const struct failover *f)
{
	return &f->n;
}
