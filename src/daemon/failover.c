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
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/ct.h"
#include "util/log.h"
#include "daemon/nfqlbd.h"
#include "kernel/kmirror.h"

extern char **environ;

static void judge_apply(struct nfqlbd *d);

_Static_assert(JUDGE_MAX_GW == BALANCE_MAX_GW, "a verdict for every gateway slot");

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void notify_run(struct nfqlbd *d, const char *gw, const char *from,
		       const char *to, const char *loss, const char *rtt)
{
	const char *path = d->conf.notify;
	char *argv[] = { (char *)path, (char *)gw, (char *)from, (char *)to,
			 (char *)loss, (char *)rtt, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct nfqlbd_child *c = NULL;
	sigset_t none, def;
	unsigned i;
	pid_t pid;
	int rc;

	if (!path[0])
		return;
	for (i = 0; i < NFQLBD_MAX_NOTIFY && !c; i++)
		if (!d->child[i].pid)
			c = &d->child[i];
	if (!c) {
		d->n.notify_errors++;
		log_warnx("health.notify: %d scripts still running, not running "
			  "%s %s %s %s %s %s", NFQLBD_MAX_NOTIFY, path, gw, from, to,
			  loss, rtt);
		return;
	}
	/*
	 * The daemon blocks its signals (signalfd) and ignores SIGPIPE:
	 * the script gets a clean mask and default dispositions, its own
	 * process group (killed whole on timeout) and /dev/null as stdin.
	 */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	d->n.notify_runs++;
	if (rc) {
		d->n.notify_errors++;
		log_warnx("health.notify: cannot run %s: %s", path, strerror(rc));
		return;
	}
	c->pid = pid;
	c->deadline_ms = now_ms() + (uint64_t)d->conf.notify_timeout * 1000;
	snprintf(c->what, sizeof(c->what), "%s %s %s", gw, from, to);
}

void failover_tick(struct nfqlbd *d)
{
	uint64_t now = now_ms();
	unsigned i;
	int st;

	/* Damping and the failback's rebalance delay run on time alone. */
	judge_apply(d);
	for (i = 0; i < NFQLBD_MAX_NOTIFY; i++) {
		struct nfqlbd_child *c = &d->child[i];
		pid_t r;

		if (!c->pid)
			continue;
		r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			if (r == c->pid && WIFEXITED(st) && WEXITSTATUS(st)) {
				d->n.notify_errors++;
				log_warnx("health.notify %s (%s) exited with status %d",
					  d->conf.notify, c->what, WEXITSTATUS(st));
			} else if (r == c->pid && WIFSIGNALED(st)) {
				d->n.notify_errors++;
				log_warnx("health.notify %s (%s) killed by signal %d",
					  d->conf.notify, c->what, WTERMSIG(st));
			}
			c->pid = 0;
			continue;
		}
		if (r == 0 && now >= c->deadline_ms) {
			log_warnx("health.notify %s (%s) still running after %u s: killed",
				  d->conf.notify, c->what, d->conf.notify_timeout);
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			c->deadline_ms = now + 1000;
		}
	}
}

static void notify_stop(struct nfqlbd *d)
{
	unsigned i;

	for (i = 0; i < NFQLBD_MAX_NOTIFY; i++) {
		if (!d->child[i].pid)
			continue;
		kill(-d->child[i].pid, SIGKILL);
		kill(d->child[i].pid, SIGKILL);
		waitpid(d->child[i].pid, NULL, 0);
		d->child[i].pid = 0;
	}
}

static void flush_conntrack(struct nfqlbd *d, unsigned slot)
{
	char err[256];

	/* Unpinned, no connection carries a mark: nothing to delete. */
	if (!d->conf.pin_connections)
		return;
	if (ct_delete_mark(conf_gw_mark(&d->conf, slot), d->conf.mark_mask,
			   err, sizeof(err))) {
		log_warnx("gateway %s: %s", d->conf.gw[slot].name, err);
		return;
	}
	d->n.ct_flushes++;
}

/* The daemon's health view of a judged state (nfqlbd.c reads it). */
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

static void sync_state(struct nfqlbd *d, unsigned slot)
{
	enum health_state h = hstate_of(d->judge[slot].state);

	if (d->gw[slot].hstate != h || d->gw[slot].jstate != d->judge[slot].state)
		d->gw[slot].hsince = time(NULL);
	d->gw[slot].hstate = h;
	d->gw[slot].jstate = d->judge[slot].state;
}

/* "12" (% lost) and "3.4" (RTT average, ms) over the window, or "-". */
static void quality_str(const struct nfqlbd *d, unsigned slot, char *loss,
			char *rtt, size_t len)
{
	struct health_info hi;

	snprintf(loss, len, "-");
	snprintf(rtt, len, "-");
	if (!d->gw[slot].probed || !d->health || health_gw_info(d->health, slot, &hi))
		return;
	snprintf(loss, len, "%u", hi.quality.loss_pct);
	if (hi.quality.nrtt)
		snprintf(rtt, len, "%.1f", hi.quality.rtt_avg_us / 1000.0);
}

static void note(struct nfqlbd *d, unsigned slot, const char *from, const char *to)
{
	char loss[16], rtt[16];

	quality_str(d, slot, loss, rtt, sizeof(loss));
	notify_run(d, d->conf.gw[slot].name, from, to, loss, rtt);
}

static void gw_leave(struct nfqlbd *d, unsigned slot)
{
	d->n.failovers++;
	balance_gw_set_available(d->bal, slot, 0);
	nfqlbd_gw_rule(d, slot, 0);
}

static void gw_evacuate(struct nfqlbd *d, unsigned slot)
{
	uint32_t before = balance_gw_clients(d->bal, slot), moved;

	moved = nfqlbd_gw_evacuate(d, slot);
	flush_conntrack(d, slot);
	if (moved < before)
		log_warnx("gateway %s down: no live gateway for %u of its clients: "
			  "they keep their binding, the main table routes them",
			  d->conf.gw[slot].name, before - moved);
}

static void gw_up(struct nfqlbd *d, unsigned slot, enum judge_state old)
{
	unsigned i;

	nfqlbd_gw_rule(d, slot, 1);
	balance_gw_set_available(d->bal, slot, 1);
	/* Clients kept on down gateways while none was up go now. */
	for (i = 0; i < d->conf.ngw; i++) {
		if (i == slot || !d->conf.gw[i].name[0] ||
		    d->gw[i].hstate != HEALTH_DOWN || !balance_gw_clients(d->bal, i))
			continue;
		nfqlbd_gw_evacuate(d, i);
		flush_conntrack(d, i);
	}
	/* The failback's rebalance waits for health.rebalance_after (judge). */
	if (old == JUDGE_DOWN || old == JUDGE_DAMPED)
		d->n.failbacks++;
}

static void judge_params_of(const struct nfqlbd *d, struct judge_params *jp)
{
	/* The half-life is in rounds, like fall, rise and window. */
	jp->half_life_ms = (uint64_t)d->conf.damping * d->conf.health.interval_ms;
	jp->rebalance_after_ms = (uint64_t)d->conf.rebalance_after * 1000;
}

static void log_change(struct nfqlbd *d, unsigned slot, enum judge_state from)
{
	const struct judge_gw *j = &d->judge[slot];
	char loss[16], rtt[16];
	struct health_info hi;
	const char *why = "";

	quality_str(d, slot, loss, rtt, sizeof(loss));
	if (j->state == JUDGE_DOWN && d->health && !health_gw_info(d->health, slot, &hi))
		why = health_reason_name(hi.reason);
	if (j->state == JUDGE_DOWN || j->state == JUDGE_HELD)
		log_warnx("gateway %s: %s -> %s%s%s (loss %s%%, rtt %s ms)",
			  d->conf.gw[slot].name, judge_state_name(from),
			  judge_state_name(j->state), *why ? ": " : "", why, loss, rtt);
	else if (j->state == JUDGE_DAMPED)
		log_info("gateway %s: probes up again but damped (penalty %u): "
			 "kept down until it decays to %u", d->conf.gw[slot].name,
			 j->penalty, JUDGE_REUSE);
	else
		log_info("gateway %s: %s -> %s (loss %s%%, rtt %s ms)",
			 d->conf.gw[slot].name, judge_state_name(from),
			 judge_state_name(j->state), loss, rtt);
}

/*
 * One turn of the judge, then its result applied: the gateways leaving
 * first (out of the balance and their rules out, all of them, before
 * any client moves), then the ones back.  Called after each dispatch of
 * the prober and once a second (damping and rebalance timers).
 */
static void judge_apply(struct nfqlbd *d)
{
	enum judge_state old[BALANCE_MAX_GW];
	struct judge_params jp;
	struct judge_turn t;
	unsigned i, n = d->conf.ngw;
	uint64_t changed;

	for (i = 0; i < n; i++) {
		struct health_info hi;

		old[i] = d->judge[i].state;
		d->judge[i].answering = d->judge[i].failing = 0;
		if (!d->judge[i].used || !d->health || health_gw_info(d->health, i, &hi))
			continue;
		d->judge[i].answering = hi.good >= d->conf.health.rise;
		d->judge[i].failing = hi.bad >= d->conf.health.fall;
	}
	judge_params_of(d, &jp);
	judge_run(d->judge, n, &jp, now_ms(), &t);
	for (i = 0; i < n; i++)
		sync_state(d, i);
	changed = t.down | t.up | t.held | t.unheld | t.damped;
	if (!changed && !t.rebalance)
		return;
	if (t.outage_start) {
		d->n.probe_outages++;
		log_warnx("the probes of every gateway failed in the same round: a failure "
			  "of the probe targets or of this box, not of the gateways: "
			  "nobody moves, no connection is deleted");
	}
	for (i = 0; i < n; i++)
		if (t.down & ((uint64_t)1 << i))
			gw_leave(d, i);
	for (i = 0; i < n; i++)
		if (t.down & ((uint64_t)1 << i))
			gw_evacuate(d, i);
	for (i = 0; i < n; i++) {
		if (t.up & ((uint64_t)1 << i))
			gw_up(d, i, old[i]);
		if (t.damped & ((uint64_t)1 << i))
			d->n.damped++;
	}
	if (t.outage_end)
		log_info("probes answer again: the held gateways are judged one by one");
	for (i = 0; i < n; i++) {
		if (!(changed & ((uint64_t)1 << i)) || old[i] == d->judge[i].state)
			continue;
		log_change(d, i, old[i]);
		note(d, i, judge_state_name(old[i]), judge_state_name(d->judge[i].state));
	}
	if (t.rebalance && d->conf.rebalance)
		failover_rebalance(d);
}

/*
 * The prober's verdict: recorded, judged with the others' of the same
 * turn by judge_apply() once the prober's dispatch is over.
 */
static void on_change(unsigned slot, enum health_state from,
		      enum health_state to, void *arg)
{
	struct nfqlbd *d = arg;

	(void)from;
	if (slot >= d->conf.ngw || !d->conf.gw[slot].name[0])
		return;
	d->judge[slot].raw = to;
}

static int prober_new(struct nfqlbd *d, char *err, size_t len)
{
	if (d->health)
		return 0;
	d->health = health_new(&d->conf.health, on_change, NULL, d);
	if (!d->health) {
		snprintf(err, len, "health: cannot start the prober: %s", strerror(errno));
		return -1;
	}
	d->health_gen++;
	return 0;
}

/* fresh: a new gateway (PROBING); else keep the daemon's last verdict. */
static int gw_probe_add(struct nfqlbd *d, unsigned i, int fresh, char *err,
			size_t len)
{
	const struct conf *c = &d->conf;
	const struct health_target *t;
	uint32_t mark = conf_gw_mark(c, i);
	char ignored[256];
	struct in_addr any = { .s_addr = INADDR_ANY };
	unsigned n;

	t = conf_gw_targets(c, i, &n);
	if (fresh) {
		d->gw[i].hsince = time(NULL);
		judge_init(&d->judge[i], JUDGE_PROBING, now_ms());
	}
	if (!n) {
		enum judge_state old = d->judge[i].state;

		/* Not probed: always up (a down one would never come back). */
		judge_init(&d->judge[i], JUDGE_UP, now_ms());
		sync_state(d, i);
		if (!fresh && (old == JUDGE_DOWN || old == JUDGE_DAMPED))
			gw_up(d, i, old);
		return 0;
	}
	/* A new prober knows nothing yet: the last verdict stands. */
	d->judge[i].raw = HEALTH_PROBING;
	d->judge[i].used = 1;
	sync_state(d, i);
	if (prober_new(d, err, len))
		return -1;
	if (kmirror_gw_probe_rule(d->km, i, 1, err, len))
		return -1;
	if (health_gw_add(d->health, i, mark, any, t, n)) {
		snprintf(err, len, "gateway %s: health probes: %s", c->gw[i].name,
			 errno == EINVAL ? "health.min_ok exceeds its probe targets" :
			 strerror(errno));
		kmirror_gw_probe_rule(d->km, i, 0, ignored, sizeof(ignored));
		return -1;
	}
	d->gw[i].probed = 1;
	return 0;
}

int failover_gw_add(struct nfqlbd *d, unsigned i, char *err, size_t len)
{
	return gw_probe_add(d, i, 1, err, len);
}

void failover_gw_del(struct nfqlbd *d, unsigned i)
{
	char err[256];

	d->judge[i].used = 0;
	if (!d->gw[i].probed)
		return;
	d->gw[i].probed = 0;
	if (d->health)
		health_gw_del(d->health, i);
	if (kmirror_gw_probe_rule(d->km, i, 0, err, sizeof(err)))
		log_warnx("%s", err);
}

int failover_start(struct nfqlbd *d, char *err, size_t len)
{
	unsigned i;

	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0] && failover_gw_add(d, i, err, len))
			return -1;
	return 0;
}

static void prober_stop(struct nfqlbd *d)
{
	unsigned i;

	for (i = 0; i < d->conf.ngw; i++)
		failover_gw_del(d, i);
	health_free(d->health);
	d->health = NULL;
}

void failover_stop(struct nfqlbd *d)
{
	prober_stop(d);
	notify_stop(d);
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
int failover_reload(struct nfqlbd *d, const struct conf *nc, char *err, size_t len)
{
	struct conf *c = &d->conf;
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
		s = nfqlbd_gw_find(d, nc->gw[i].name);
		if (s >= 0 && !targets_equal(c->gw[s].targets, c->gw[s].ntargets,
					     nc->gw[i].targets, nc->gw[i].ntargets))
			changed = 1;
	}
	if (!changed)
		return 0;
	log_info("health settings changed: restarting the probes");
	prober_stop(d);
	c->health = nc->health;
	c->ntargets = nc->ntargets;
	memcpy(c->targets, nc->targets, sizeof(c->targets));
	for (i = 0; i < nc->ngw; i++) {
		s = nfqlbd_gw_find(d, nc->gw[i].name);
		if (s < 0)
			continue;
		c->gw[s].ntargets = nc->gw[i].ntargets;
		memcpy(c->gw[s].targets, nc->gw[i].targets, sizeof(c->gw[s].targets));
	}
	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0] && gw_probe_add(d, i, 0, err, len))
			return -1;
	return 0;
}

int failover_fd(const struct nfqlbd *d)
{
	return d->health ? health_fd(d->health) : -1;
}

void failover_judge(struct nfqlbd *d)
{
	judge_apply(d);
}

void failover_dispatch(struct nfqlbd *d)
{
	if (d->health && health_dispatch(d->health))
		log_warn("health probes");
	judge_apply(d);
}

struct rb_ctx {
	struct balance_binding *b;
	uint32_t n, cap;
};

static int rb_collect(const struct balance_binding *bb, void *arg)
{
	struct rb_ctx *r = arg;

	if (r->n < r->cap)
		r->b[r->n++] = *bb;
	return 0;
}

uint32_t failover_rebalance(struct nfqlbd *d)
{
	struct rb_ctx r = { 0 };
	uint32_t cursor[BALANCE_MAX_GW] = { 0 }, moved = 0, k;
	unsigned from, to;

	r.cap = balance_clients(d->bal);
	if (!r.cap)
		return 0;
	r.b = calloc(r.cap, sizeof(*r.b));
	if (!r.b) {
		log_warn("rebalance");
		return 0;
	}
	balance_foreach(d->bal, rb_collect, &r);
	while (moved < r.n && balance_rebalance_step(d->bal, &from, &to)) {
		/* The next client of from that has not moved yet. */
		for (k = cursor[from]; k < r.n && r.b[k].gw != from; k++)
			;
		if (k == r.n)
			break;
		cursor[from] = k + 1;
		if (nfqlbd_move(d, &r.b[k].addr, from, to))
			break;
		moved++;
	}
	free(r.b);
	d->n.rebalanced += moved;
	log_info("rebalance: %u clients moved", moved);
	return moved;
}

const char *failover_state(const struct nfqlbd *d, unsigned i)
{
	enum judge_state s = d->judge[i].state;

	if (s == JUDGE_DOWN || s == JUDGE_DAMPED || s == JUDGE_NOLINK)
		return judge_state_name(s);
	if (!balance_gw_weight(d->bal, i))
		return "drained";
	return judge_state_name(s);
}

int failover_probe_outage(const struct nfqlbd *d)
{
	unsigned i;

	for (i = 0; i < d->conf.ngw; i++)
		if (d->judge[i].used && d->judge[i].state == JUDGE_HELD)
			return 1;
	return 0;
}
