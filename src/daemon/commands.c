// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * commands.c - the control protocol's verbs (see core/proto.h for the
 * framing).  Each handler checks its words, does one thing through
 * the layers' own verbs (topology_*, bindings_*, failover_*, ...), and
 * writes the whole answer.  It reads no layer's state directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/escape.h"
#include "daemon/commands.h"
#include "kernel/proxy.h"
#include "kernel/steer.h"
#include "util/log.h"

struct command {
	const char *verb;
	int min_args, max_args;		/* words after the verb */
	int privileged;			/* changes state: root or the group */
	void (*fn)(struct commands_env *d, const struct control_req *r, struct obuf *o);
	const char *usage;
};

static void err_out(struct obuf *o, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Messages quote decoded option values, configuration text and kernel
 * errors: escaped as a whole, an ERR answer is always exactly one line
 * of printable ASCII whatever they hold.
 */
static void err_out(struct obuf *o, const char *kind, const char *fmt, ...)
{
	char msg[512], esc[4 * sizeof(msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	obuf_reset(o);
	obuf_printf(o, "ERR %s %s\n", kind, escape_line(msg, esc, sizeof(esc)));
}

/*
 * A client address: IPv4, inside the LAN and, to bind (strict), none of
 * its network, broadcast or own addresses.
 */
static int parse_client(struct commands_env *d, const char *s, struct nfqlb_addr *a,
			int strict, struct obuf *o)
{
	char net[INET_ADDRSTRLEN];
	const char *why;

	if (addr_parse(s, a)) {
		err_out(o, "invalid", "client \"%s\" is not an IP address", s);
		return -1;
	}
	if (a->family != AF_INET) {
		err_out(o, "invalid", "client %s: only IPv4 clients are balanced", s);
		return -1;
	}
	if (!net4_contains(&d->conf->lan_net, a->v4)) {
		inet_ntop(AF_INET, &d->conf->lan_net.addr, net, sizeof(net));
		err_out(o, "invalid", "client %s is outside lan.network %s/%u", s,
			net, d->conf->lan_net.plen);
		return -1;
	}
	if (strict && (why = ownaddr_nonhost(&d->conf->lan_net, bindings_own(d->b), a->v4))) {
		inet_ntop(AF_INET, &d->conf->lan_net.addr, net, sizeof(net));
		err_out(o, "invalid", "client %s is %s of lan.network %s/%u, not a client",
			s, why, net, d->conf->lan_net.plen);
		return -1;
	}
	return 0;
}

static int parse_gateway(struct commands_env *d, const char *s, struct obuf *o)
{
	int slot = conf_gw_find(d->conf, s);

	if (slot < 0)
		err_out(o, "notfound", "no gateway named \"%s\"", s);
	return slot;
}

static int parse_weight(const char *s, uint32_t *w, struct obuf *o)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v > 1000000) {
		err_out(o, "invalid", "weight \"%s\" must be an integer from 0 to 1000000", s);
		return -1;
	}
	*w = (uint32_t)v;
	return 0;
}

/* key=value words after the positional ones; value %XX-unescaped. */
static const char *option(const struct control_req *r, int from, const char *key,
			  char *buf, size_t len)
{
	size_t kl = strlen(key);
	int i;

	for (i = from; i < r->argc; i++)
		if (!strncmp(r->argv[i], key, kl) && r->argv[i][kl] == '=') {
			snprintf(buf, len, "%s", r->argv[i] + kl + 1);
			return proto_unescape(buf) ? NULL : buf;
		}
	return NULL;
}

/* Every option word must be one of keys. */
static int check_options(const struct control_req *r, int from,
			 const char *const *keys, struct obuf *o)
{
	int i;

	for (i = from; i < r->argc; i++) {
		const char *eq = strchr(r->argv[i], '=');
		const char *const *k;
		char tmp[CONTROL_MAX_LINE + 1];

		for (k = keys; eq && *k; k++)
			if ((size_t)(eq - r->argv[i]) == strlen(*k) &&
			    !strncmp(r->argv[i], *k, strlen(*k)))
				break;
		if (!eq || !*k) {
			err_out(o, "usage", "unknown option \"%s\"", r->argv[i]);
			return -1;
		}
		snprintf(tmp, sizeof(tmp), "%s", eq + 1);
		if (proto_unescape(tmp)) {
			err_out(o, "invalid", "option \"%s\": bad %%XX escape", r->argv[i]);
			return -1;
		}
	}
	return 0;
}

static void binding_record(struct commands_env *d, struct obuf *o,
			   const struct nfqlb_addr *a, unsigned gw, uint32_t since)
{
	const struct client_meta *m = bindings_meta(d->b, a->v4);
	char s[NFQLB_ADDRSTRLEN];

	obuf_kv(o, "client", addr_format(a, s, sizeof(s)));
	obuf_kv(o, "gateway", d->conf->gw[gw].name);
	obuf_kvu(o, "since", since);
	obuf_kv(o, "mac", m && m->mac[0] ? m->mac : "-");
	obuf_kv(o, "user", m && m->user[0] ? m->user : "-");
	obuf_kv(o, "session", m && m->session[0] ? m->session : "-");
	loadwatch_user_fields(d->lw, o, a->v4);
	obuf_printf(o, "\n");
}

static void cmd_bind(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	static const char *const keys[] = { "mac", "user", "session", NULL };
	struct client_meta m = { 0 };
	struct nfqlb_addr a;
	char v[CONTROL_MAX_LINE + 1], err[256];
	int gw, created = 0, i;

	if (parse_client(d, r->argv[1], &a, 1, o) || check_options(r, 2, keys, o))
		return;
	for (i = 0; keys[i]; i++) {
		size_t cut = 0;

		if (!option(r, 2, keys[i], v, sizeof(v)))
			continue;
		if (clientinfo_meta_field(&m, keys[i], v, &cut, err, sizeof(err))) {
			err_out(o, "invalid", "%s", err);
			return;
		}
		if (cut)
			log_info("client %s: user name of %zu bytes cut to %zu (RADIUS "
				 "allows %d)", r->argv[1], cut, strlen(m.user),
				 CLIENTINFO_USER_MAX);
	}
	gw = bindings_bind(d->b, &a, &m, &created, err, sizeof(err));
	if (gw < 0) {
		err_out(o, "busy", "%s", err);
		return;
	}
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "client", r->argv[1]);
	obuf_kv(o, "gateway", d->conf->gw[gw].name);
	obuf_printf(o, " mark=0x%x", conf_gw_mark(d->conf, (unsigned)gw));
	obuf_kvu(o, "new", (unsigned)created);
	obuf_printf(o, "\n");
}

static void cmd_release(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	struct nfqlb_addr a;
	int gw;

	if (parse_client(d, r->argv[1], &a, 0, o))
		return;
	gw = bindings_release(d->b, &a);
	bindings_hold(d->b, &a);	/* logged out: its own packets do not bind it */
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "client", r->argv[1]);
	obuf_kv(o, "gateway", gw >= 0 ? d->conf->gw[gw].name : "-");
	obuf_kvu(o, "released", gw >= 0);
	obuf_printf(o, "\n");
}

struct list_ctx {
	struct commands_env *d;
	struct obuf *o;
	int gw;			/* -1: all */
	uint32_t n;
};

static int list_cb(const struct balance_binding *bb, void *arg)
{
	struct list_ctx *l = arg;

	if (l->gw >= 0 && bb->gw != (unsigned)l->gw)
		return 0;
	binding_record(l->d, l->o, &bb->addr, bb->gw, bb->since);
	l->n++;
	return 0;
}

static void cmd_list(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	struct list_ctx l = { .d = d, .gw = -1 };
	struct obuf body = { 0 };
	char v[CONTROL_MAX_LINE + 1];
	const char *name = NULL;
	static const char *const keys[] = { "gateway", NULL };

	if (r->argc > 1 && !strchr(r->argv[1], '='))
		name = r->argv[1];
	else if (check_options(r, 1, keys, o))
		return;
	else
		name = option(r, 1, "gateway", v, sizeof(v));
	if (name && (l.gw = parse_gateway(d, name, o)) < 0)
		return;
	l.o = &body;
	balance_foreach(bindings_table(d->b), list_cb, &l);
	if (body.overflow) {
		obuf_free(&body);
		err_out(o, "internal", "the list is larger than %u bytes", CONTROL_MAX_OUTPUT);
		return;
	}
	obuf_printf(o, "OK %u\n", l.n);
	if (body.len) {
		obuf_printf(o, "%.*s", (int)body.len, body.data);
	}
	obuf_free(&body);
}

/* Health fields: "-" for a gateway without probes. */
static void health_fields(struct commands_env *d, struct obuf *o, unsigned i)
{
	struct failover_gw_info gi;
	const struct health_info *hi = &gi.health;
	char num[32];

	failover_gw_info(d->fo, i, &gi);
	obuf_kvu(o, "changes", gi.changes);
	obuf_kvu(o, "state_age", (unsigned long long)(time(NULL) - gi.since));
	if (!gi.probed) {
		obuf_kv(o, "health", "-");
		obuf_kv(o, "rtt_ms", "-");
		obuf_kv(o, "loss", "-");
		obuf_kv(o, "rtt_avg_ms", "-");
		obuf_kv(o, "rtt_dev_ms", "-");
		obuf_kv(o, "targets", "0");
		return;
	}
	/* The prober's own verdict; "state" is the daemon's (judge.h). */
	obuf_kv(o, "health", health_state_name(gi.raw));
	if (hi->has_rtt && hi->last_ok) {
		snprintf(num, sizeof(num), "%.1f", hi->last_rtt_us / 1000.0);
		obuf_kv(o, "rtt_ms", num);
	} else {
		obuf_kv(o, "rtt_ms", "-");
	}
	snprintf(num, sizeof(num), "%u%%", hi->loss_pct);
	obuf_kv(o, "loss", num);
	/* Over the window (health.window rounds), like loss. */
	if (hi->quality.nrtt) {
		snprintf(num, sizeof(num), "%.1f", hi->quality.rtt_avg_us / 1000.0);
		obuf_kv(o, "rtt_avg_ms", num);
		snprintf(num, sizeof(num), "%.1f", hi->quality.rtt_dev_us / 1000.0);
		obuf_kv(o, "rtt_dev_ms", num);
	} else {
		obuf_kv(o, "rtt_avg_ms", "-");
		obuf_kv(o, "rtt_dev_ms", "-");
	}
	obuf_kvu(o, "window", hi->quality.rounds);
	obuf_kvu(o, "penalty", gi.penalty);
	obuf_kv(o, "down_reason", gi.judged_down ? health_reason_name(hi->reason) : "-");
	obuf_kvu(o, "targets", hi->ntargets);
	obuf_kvu(o, "last_ok", hi->last_ok);
	obuf_kvu(o, "rounds", hi->rounds);
}

/* Forwarded through a gateway, counted by the kernel (traffic.h). */
static void traffic_fields(struct commands_env *d, struct obuf *o,
			   const struct traffic_ctr *t)
{
	if (!topology_traffic_ok(d->topo)) {
		obuf_kv(o, "tx_packets", "-");
		obuf_kv(o, "tx_bytes", "-");
		return;
	}
	obuf_kvu(o, "tx_packets", t->packets);
	obuf_kvu(o, "tx_bytes", t->bytes);
}

static time_t state_since(struct commands_env *d, unsigned i)
{
	struct failover_gw_info gi;

	failover_gw_info(d->fo, i, &gi);
	return gi.since;
}

/*
 * Behind a web proxy (proxy.c): the box's own traffic through gateway i
 * (route realms count forwarded packets only), added to its tx; NULL
 * when the proxy is off or its counters cannot be read.
 */
static struct proxy_counters *proxy_counts(struct commands_env *d)
{
	static struct proxy_counters pc;

	return d->conf->proxy.enable && !proxy_read(d->conf, &pc) ? &pc : NULL;
}

static void proxy_tx_add(struct traffic_ctr *t, const struct proxy_counters *pc,
			 unsigned i)
{
	if (!pc)
		return;
	t->packets += pc->tx_packets[i];
	t->bytes += pc->tx_bytes[i];
}

static void cmd_gateways(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	uint64_t wsum = 0, csum = balance_clients(bindings_table(d->b));
	const struct proxy_counters *pc;
	unsigned i, n = 0;
	char num[32], addr[INET_ADDRSTRLEN];

	(void)r;
	topology_traffic_update(d->topo);
	pc = proxy_counts(d);
	for (i = 0; i < d->conf->ngw; i++)
		if (d->conf->gw[i].name[0]) {
			n++;
			if (balance_gw_available(bindings_table(d->b), i))
				wsum += balance_gw_weight(bindings_table(d->b), i);
		}
	obuf_printf(o, "OK %u\n", n);
	for (i = 0; i < d->conf->ngw; i++) {
		const struct conf_gw *g = &d->conf->gw[i];
		uint32_t w = balance_gw_weight(bindings_table(d->b), i), cl = balance_gw_clients(bindings_table(d->b), i);
		struct traffic_ctr tx;

		if (!g->name[0])
			continue;
		obuf_kv(o, "name", g->name);
		obuf_kv(o, "address", uplink_nexthop(d->up, i, addr, sizeof(addr)));
		obuf_kv(o, "interface", g->ifname);
		obuf_kvu(o, "weight", w);
		obuf_kv(o, "state", failover_state(d->fo, i));
		obuf_kv(o, "link", uplink_link(d->up, i));
		obuf_kvu(o, "clients", cl);
		snprintf(num, sizeof(num), "%.1f", csum ? 100.0 * cl / (double)csum : 0.0);
		obuf_kv(o, "client_share", num);
		snprintf(num, sizeof(num), "%.1f", wsum && balance_gw_available(bindings_table(d->b), i) ?
			 100.0 * w / (double)wsum : 0.0);
		obuf_kv(o, "weight_share", num);
		obuf_printf(o, " mark=0x%x", conf_gw_mark(d->conf, i));
		obuf_kvu(o, "table", conf_gw_mark(d->conf, i));
		obuf_kvu(o, "state_since", (unsigned long long)state_since(d, i));
		health_fields(d, o, i);
		tx = *topology_gw_traffic(d->topo, i);
		proxy_tx_add(&tx, pc, i);
		traffic_fields(d, o, &tx);
		loadwatch_gw_fields(d->lw, o, i);
		if (d->conf->proxy.enable) {
			obuf_kvu(o, "proxy_port", conf_proxy_port(d->conf, i));
			if (pc)
				obuf_kvu(o, "proxy_steered", pc->steered[i]);
			else
				obuf_kv(o, "proxy_steered", "-");
		}
		obuf_printf(o, "\n");
	}
}

/* Behind a portal (issue 10): holds, idle releases, unbound packets. */
static void stats_portal(struct commands_env *d, struct obuf *o)
{
	unsigned long long pk = 0;

	obuf_kv(o, "bind_on_packet", d->conf->bind_on_packet ? "true" : "false");
	obuf_kvu(o, "binds_held", bindings_counters(d->b)->binds_held);
	obuf_kvu(o, "idle_releases", bindings_counters(d->b)->idle_releases);
	obuf_kvu(o, "syncs", sync_count(d->sync));
	if (!d->conf->bind_on_packet && !steer_unbound_packets(&pk))
		obuf_kvu(o, "packets_unbound", pk);
}

static void cmd_stats(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	const struct queue_stats *q = queue_stats(d->queue);
	const struct control_stats *c = control_stats(d->ctl);
	const struct bindings_counters *bn = bindings_counters(d->b);
	const struct failover_counters *fn = failover_counters(d->fo);
	const struct topology_counters *tn = topology_counters(d->topo);
	const struct proxy_counters *pc;
	struct traffic_ctr tx = { 0 };
	uint64_t steered = 0;
	unsigned i;

	(void)r;
	topology_traffic_update(d->topo);
	pc = proxy_counts(d);
	for (i = 0; i < d->conf->ngw; i++)
		if (d->conf->gw[i].name[0]) {
			tx.packets += topology_gw_traffic(d->topo, i)->packets;
			tx.bytes += topology_gw_traffic(d->topo, i)->bytes;
			proxy_tx_add(&tx, pc, i);
			steered += pc ? pc->steered[i] : 0;
		}
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "version", NFQLB_VERSION);
	obuf_kvu(o, "uptime", (unsigned long long)(time(NULL) - d->started));
	obuf_kvu(o, "clients", balance_clients(bindings_table(d->b)));
	obuf_kvu(o, "max_clients", d->conf->max_clients);
	/* pin_connections: how the kernel marks a bound client's packets. */
	obuf_kv(o, "pinning", d->conf->pin_connections ? "connmark" : "off");
	obuf_kvu(o, "packets_queued", q->packets);
	obuf_kvu(o, "verdicts", q->verdicts);
	obuf_kvu(o, "verdicts_marked", q->marked);
	obuf_kvu(o, "malformed", q->malformed);
	obuf_kvu(o, "unsupported", q->unsupported);
	obuf_kvu(o, "unassigned", q->unassigned);
	obuf_kvu(o, "queue_overruns", q->enobufs);
	obuf_kvu(o, "verdict_errors", q->send_errors);
	obuf_kvu(o, "binds_packet", bn->binds_packet);
	obuf_kvu(o, "binds_hook", bn->binds_hook);
	obuf_kvu(o, "releases", bn->releases);
	obuf_kvu(o, "rebinds", bn->rebinds);
	obuf_kvu(o, "set_errors", kmirror_set_errors(d->km));
	obuf_kvu(o, "table_full", bn->table_full);
	obuf_kvu(o, "reloads", tn->reloads);
	obuf_kvu(o, "reload_errors", tn->reload_errors);
	obuf_kvu(o, "failovers", fn->failovers);
	obuf_kvu(o, "failbacks", fn->failbacks);
	obuf_kvu(o, "rebalanced", bn->rebalanced);
	obuf_kvu(o, "conntrack_flushes", fn->ct_flushes);
	obuf_kvu(o, "notify_runs", fn->notify_runs);
	obuf_kvu(o, "notify_errors", fn->notify_errors);
	stats_portal(d, o);
	/* Behind a web proxy: on or off, and connections redirected to it. */
	obuf_kv(o, "proxy", d->conf->proxy.enable ? "on" : "off");
	if (pc)
		obuf_kvu(o, "proxy_steered", steered);
	/* Every gateway's probes failing at once: held, nobody moved. */
	obuf_kvu(o, "probe_outage", (unsigned)failover_probe_outage(d->fo));
	obuf_kvu(o, "probe_outages", fn->probe_outages);
	obuf_kvu(o, "damped", fn->damped);
	obuf_kvu(o, "repairs", tn->repairs);
	obuf_kvu(o, "repair_errors", tn->repair_errors);
	obuf_kvu(o, "link_losses", uplink_counters(d->up)->link_losses);
	obuf_kvu(o, "link_returns", uplink_counters(d->up)->link_returns);
	obuf_kvu(o, "control_requests", c->requests);
	obuf_kvu(o, "control_errors", c->errors);
	obuf_kvu(o, "control_refused", c->refused);
	obuf_kvu(o, "control_timeouts", c->timeouts + c->deadlines);
	obuf_kvu(o, "non_host", bn->non_host);
	traffic_fields(d, o, &tx);
	hasync_stats(d->ha, o);
	loadwatch_stats(d->lw, o);
	obuf_printf(o, "\n");
}

static void gateway_record(struct commands_env *d, struct obuf *o, unsigned slot)
{
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "name", d->conf->gw[slot].name);
	obuf_kvu(o, "weight", balance_gw_weight(bindings_table(d->b), slot));
	obuf_kv(o, "state", failover_state(d->fo, slot));
	obuf_kvu(o, "clients", balance_gw_clients(bindings_table(d->b), slot));
	obuf_printf(o, "\n");
}

static void cmd_weight(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	uint32_t w;
	int slot;

	if ((slot = parse_gateway(d, r->argv[1], o)) < 0 || parse_weight(r->argv[2], &w, o))
		return;
	topology_set_weight(d->topo, (unsigned)slot, w);
	log_info("gateway %s: weight %u", r->argv[1], w);
	gateway_record(d, o, (unsigned)slot);
}

static void cmd_drain(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	int slot;

	if ((slot = parse_gateway(d, r->argv[1], o)) < 0)
		return;
	topology_set_weight(d->topo, (unsigned)slot, 0);
	log_info("gateway %s: drained", r->argv[1]);
	gateway_record(d, o, (unsigned)slot);
}

static void cmd_gateway(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	static const char *const keys[] = { "name", "address", "interface", "weight", NULL };
	char name[64], addr[64], ifn[64], w[64], err[512];
	struct conf_gw g;
	int slot;

	if (!strcmp(r->argv[1], "del")) {
		if (r->argc != 3) {
			err_out(o, "usage", "gateway del NAME");
			return;
		}
		if ((slot = parse_gateway(d, r->argv[2], o)) < 0)
			return;
		if (topology_gw_del(d->topo, (unsigned)slot, err, sizeof(err))) {
			err_out(o, "internal", "%s", err);
			return;
		}
		obuf_printf(o, "OK 1\n");
		obuf_kv(o, "removed", r->argv[2]);
		obuf_printf(o, "\n");
		return;
	}
	if (strcmp(r->argv[1], "add")) {
		err_out(o, "usage", "gateway add|del ...: unknown \"%s\"", r->argv[1]);
		return;
	}
	if (check_options(r, 2, keys, o))
		return;
	if (conf_check_gw(d->conf, option(r, 2, "name", name, sizeof(name)),
			  option(r, 2, "address", addr, sizeof(addr)),
			  option(r, 2, "interface", ifn, sizeof(ifn)),
			  option(r, 2, "weight", w, sizeof(w)), &g, err, sizeof(err))) {
		err_out(o, "invalid", "%s", err);
		return;
	}
	slot = topology_gw_add(d->topo, &g, err, sizeof(err));
	if (slot < 0) {
		err_out(o, "invalid", "%s", err);
		return;
	}
	gateway_record(d, o, (unsigned)slot);
}

static void cmd_reload(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	char err[512];

	(void)r;
	if (topology_reload(d->topo, err, sizeof(err))) {
		err_out(o, "invalid", "%s", err);
		return;
	}
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "reloaded", d->conf_path);
	obuf_printf(o, "\n");
}

/* For a firewall script, after its own reload: audit and repair now. */
static void cmd_repair(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	char what[1024], err[512];	/* the answer truncates them */
	int n;

	(void)r;
	n = topology_repair(d->topo, 1, what, sizeof(what), err, sizeof(err));
	if (n < 0) {
		err_out(o, "internal", "%s", err);
		return;
	}
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "repaired", (unsigned long long)n);
	obuf_kv(o, "missing", n ? what : "nothing");
	obuf_printf(o, "\n");
}

static void cmd_rebalance(struct commands_env *d, const struct control_req *r,
			  struct obuf *o)
{
	uint32_t moved;

	(void)r;
	moved = failover_rebalance(d->fo);
	obuf_printf(o, "OK 1\n");
	obuf_kvu(o, "moved", moved);
	obuf_kvu(o, "clients", balance_clients(bindings_table(d->b)));
	obuf_printf(o, "\n");
}

static void cmd_version(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	(void)d;
	(void)r;
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "version", NFQLB_VERSION);
	obuf_kvu(o, "protocol", CONTROL_VERSION);
	obuf_printf(o, "\n");
}

static void cmd_sync(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	sync_command(d->sync, r, o);
}

static void cmd_ha(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	hasync_cmd_ha(d->ha, r, o);
}

static void cmd_adopt(struct commands_env *d, const struct control_req *r, struct obuf *o)
{
	hasync_cmd_adopt(d->ha, r, o);
}

static const struct command commands[] = {
	{ "bind", 1, 4, 1, cmd_bind, "bind IP [mac=MAC] [user=NAME] [session=ID]" },
	{ "release", 1, 1, 1, cmd_release, "release IP" },
	{ "list", 0, 1, 0, cmd_list, "list [GATEWAY | gateway=GATEWAY]" },
	{ "gateways", 0, 0, 0, cmd_gateways, "gateways" },
	{ "stats", 0, 0, 0, cmd_stats, "stats" },
	{ "status", 0, 0, 0, cmd_stats, "status" },
	{ "weight", 2, 2, 1, cmd_weight, "weight GATEWAY N" },
	{ "drain", 1, 1, 1, cmd_drain, "drain GATEWAY" },
	{ "gateway", 1, 5, 1, cmd_gateway,
	  "gateway add name=NAME [address=IP|dhcp] interface=IF [weight=N] | gateway del NAME" },
	{ "reload", 0, 0, 1, cmd_reload, "reload" },
	{ "rebalance", 0, 0, 1, cmd_rebalance, "rebalance" },
	{ "repair", 0, 0, 1, cmd_repair, "repair" },
	{ "version", 0, 0, 0, cmd_version, "version" },
	{ "sync", 1, 6, 1, cmd_sync,
	  "sync begin | sync add ID IP [mac=MAC] [user=NAME] [session=ID] | sync end ID" },
	{ "ha", 1, 1, 1, cmd_ha, "ha fingerprint | ha status | ha refresh" },
	{ "adopt-conntrack", 0, 0, 1, cmd_adopt, "adopt-conntrack" },
};

void commands_handle(const struct control_req *req,
		     const struct control_peer *peer, struct obuf *o, void *arg)
{
	struct commands_env *d = arg;
	unsigned i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strcmp(req->argv[0], c->verb))
			continue;
		if (req->argc - 1 < c->min_args || req->argc - 1 > c->max_args) {
			err_out(o, "usage", "usage: %s", c->usage);
			return;
		}
		if (c->privileged && peer->readonly) {
			err_out(o, "perm", "%s changes state: control.read_socket serves "
				"only list, gateways, stats, status and version", c->verb);
			return;
		}
		if (c->privileged && !peer->privileged) {
			err_out(o, "perm", "%s changes state: uid %u is neither root nor "
				"in group %s", c->verb, (unsigned)peer->uid,
				d->conf->ctl_group[0] ? d->conf->ctl_group : "(none configured)");
			return;
		}
		c->fn(d, req, o);
		return;
	}
	err_out(o, "usage", "unknown request \"%.64s\"; try: bind release list gateways "
		"stats status weight drain gateway rebalance repair reload version sync ha "
		"adopt-conntrack",
		req->argv[0]);
}
