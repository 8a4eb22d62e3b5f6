// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlbd.c - the daemon: options, set-up of the kernel state, one
 * epoll loop (signalfd + the queue), and the packet decision.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "balance.h"
#include "conf.h"
#include "lbset.h"
#include "log.h"
#include "queue.h"
#include "rtnl.h"
#include "steer.h"

#define NFQLBD_QUEUE_ROUNDS	16	/* batches per wake-up, for fairness */
#define NFQLBD_WARN_INTERVAL	10	/* seconds between repeated warnings */

struct nfqlbd {
	struct conf conf;
	struct balance *bal;
	struct lbset *sets;
	struct rtnl *rtnl;
	struct queue *queue;
	unsigned ifindex[BALANCE_MAX_GW];
	char setname[BALANCE_MAX_GW][32];
	uint64_t binds, set_errors, table_full;
	time_t last_warn;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: nfqlbd [-dfn] [-c file]\n"
		"       nfqlbd --cleanup [-c file]\n"
		"  -c file    configuration (default " CONF_DEFAULT_PATH ")\n"
		"  -d         debug logging\n"
		"  -f         stay in the foreground, log to stderr\n"
		"  -n         check the configuration and exit\n"
		"  --cleanup  remove every chain, rule, route and set nfqlbd creates\n");
	exit(2);
}

static int load_conf(const char *path, struct conf *c)
{
	struct conf_errors *e = malloc(sizeof(*e));
	unsigned i;
	int n;

	if (!e)
		fatal("loading %s", path);
	n = conf_load(path, c, e);
	for (i = 0; i < e->count && i < CONF_MAX_ERRORS; i++)
		fprintf(stderr, "%s\n", e->msg[i]);
	if (e->count > CONF_MAX_ERRORS)
		fprintf(stderr, "%s: ... and %u more errors\n", path,
			e->count - CONF_MAX_ERRORS);
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

/*
 * The slow path: a packet whose source the kernel did not find in any
 * set.  Bind it (the set add comes before the verdict, so the next
 * packet takes the kernel fast path) and mark it.
 */
static int packet_cb(const struct nfqlb_addr *src, uint32_t mark,
		     uint32_t *gw_mark, void *arg)
{
	struct nfqlbd *d = arg;
	char a[NFQLB_ADDRSTRLEN];
	int gw, created = 0;

	(void)mark;
	if (!net4_contains(&d->conf.lan_net, src->v4))
		return 0;	/* not a client: the chain only queues LAN sources */
	gw = balance_assign(d->bal, src, (uint32_t)time(NULL), &created);
	if (gw < 0) {
		d->table_full += errno == ENOSPC;
		if (warn_due(d))
			log_warnx("client %s left unbound: %s",
				  addr_format(src, a, sizeof(a)),
				  errno == ENOSPC ? "clients.max reached" :
				  "no gateway takes clients");
		return 0;
	}
	if (created) {
		d->binds++;
		if (lbset_add(d->sets, d->setname[gw], src)) {
			d->set_errors++;
			if (warn_due(d))
				log_warnx("%s", lbset_error(d->sets));
		}
		if (log_debug_enabled())
			log_debug("bound %s to gateway %s (mark 0x%x)",
				  addr_format(src, a, sizeof(a)),
				  d->conf.gw[gw].name, conf_gw_mark(&d->conf, gw));
	}
	*gw_mark = conf_gw_mark(&d->conf, (unsigned)gw);
	return 1;
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
			  addr_format(a, s, sizeof(s)), d->setname[cur],
			  d->setname[r->gw], d->setname[cur]);
		lbset_del(d->sets, d->setname[r->gw], a);
		r->conflicts++;
		return;
	}
	if (balance_bind(d->bal, a, r->gw, (uint32_t)time(NULL))) {
		log_warn("restoring client %s from set %s",
			 addr_format(a, s, sizeof(s)), d->setname[r->gw]);
		return;
	}
	r->restored++;
}

/* Create the sets, and take back the bindings a previous run left. */
static void setup_sets(struct nfqlbd *d)
{
	struct restore_ctx r = { .d = d };
	unsigned i;

	d->sets = lbset_open();
	if (!d->sets)
		fatalx("cannot open an ipset session");
	for (i = 0; i < d->conf.ngw; i++) {
		if (lbset_create(d->sets, d->setname[i], d->conf.max_clients))
			fatalx("%s", lbset_error(d->sets));
		r.gw = i;
		if (lbset_list(d->sets, d->setname[i], restore_member_cb, &r))
			fatalx("%s", lbset_error(d->sets));
	}
	log_info("restored %u bindings from the kernel's sets%s", r.restored,
		 r.conflicts ? " (with conflicts, see above)" : "");
}

static void setup_routing(struct nfqlbd *d)
{
	const struct conf *c = &d->conf;
	unsigned i;

	d->rtnl = rtnl_open();
	if (!d->rtnl)
		fatalx("cannot open an rtnetlink socket");
	for (i = 0; i < c->ngw; i++) {
		uint32_t mark = conf_gw_mark(c, i);

		d->ifindex[i] = rtnl_ifindex(d->rtnl, c->gw[i].ifname);
		if (!d->ifindex[i])
			fatalx("gateway %s: %s", c->gw[i].name, rtnl_error(d->rtnl));
		if (rtnl_gw_routes_add(d->rtnl, mark, c->gw[i].addr, d->ifindex[i]) ||
		    rtnl_rule_add(d->rtnl, &c->lan_net, mark, c->mark_mask, mark,
				  c->rule_priority + i))
			fatalx("gateway %s: %s", c->gw[i].name, rtnl_error(d->rtnl));
	}
}

/* Remove the rules and routes; with all set, the sets and chains too. */
static int teardown(struct conf *c, int all)
{
	char err[512], set[32];
	struct rtnl *r;
	struct lbset *s;
	unsigned i;
	int rc = 0;

	if (steer_remove(c, err, sizeof(err))) {
		log_warnx("%s", err);
		rc = 1;
	}
	r = rtnl_open();
	if (!r) {
		log_warnx("cannot open an rtnetlink socket");
		rc = 1;
	}
	for (i = 0; r && i < c->ngw; i++) {
		uint32_t mark = conf_gw_mark(c, i);
		unsigned ifi = rtnl_ifindex(r, c->gw[i].ifname);

		if (rtnl_rule_del(r, &c->lan_net, mark, c->mark_mask, mark,
				  c->rule_priority + i) ||
		    (ifi && rtnl_gw_routes_del(r, mark, c->gw[i].addr, ifi))) {
			log_warnx("%s", rtnl_error(r));
			rc = 1;
		}
	}
	rtnl_close(r);
	if (!all)
		return rc;
	s = lbset_open();
	for (i = 0; s && i < c->ngw; i++) {
		conf_set_name(c, i, set, sizeof(set));
		if (lbset_destroy(s, set)) {
			log_warnx("%s", lbset_error(s));
			rc = 1;
		}
	}
	if (!s) {
		log_warnx("cannot open an ipset session");
		rc = 1;
	}
	lbset_close(s);
	return rc;
}

static void log_stats(struct nfqlbd *d)
{
	const struct queue_stats *q = queue_stats(d->queue);
	unsigned i;

	log_info("queued %llu verdicts %llu marked %llu malformed %llu "
		 "unsupported %llu unassigned %llu enobufs %llu binds %llu "
		 "set_errors %llu clients %u",
		 (unsigned long long)q->packets, (unsigned long long)q->verdicts,
		 (unsigned long long)q->marked, (unsigned long long)q->malformed,
		 (unsigned long long)q->unsupported,
		 (unsigned long long)q->unassigned, (unsigned long long)q->enobufs,
		 (unsigned long long)d->binds, (unsigned long long)d->set_errors,
		 balance_clients(d->bal));
	for (i = 0; i < d->conf.ngw; i++)
		log_info("gateway %s weight %u clients %u", d->conf.gw[i].name,
			 balance_gw_weight(d->bal, i), balance_gw_clients(d->bal, i));
}

static int event_loop(struct nfqlbd *d, int sfd)
{
	struct epoll_event ev, evs[8];
	int ep, n, i, qfd = queue_fd(d->queue);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		fatal("epoll_ctl signalfd");
	ev.data.fd = qfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, qfd, &ev))
		fatal("epoll_ctl queue");
	for (;;) {
		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == qfd) {
				if (queue_dispatch(d->queue, NFQLBD_QUEUE_ROUNDS) < 0)
					fatalx("the queue socket failed");
				continue;
			}
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				log_stats(d);
				continue;
			}
			log_info("signal %u: stopping", si.ssi_signo);
			close(ep);
			return 0;
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
	char err[512];
	unsigned i;
	int sfd;

	d->bal = balance_new(c->max_clients);
	if (!d->bal)
		fatal("allocating the table for %u clients", c->max_clients);
	for (i = 0; i < c->ngw; i++) {
		if (balance_gw_add(d->bal, c->gw[i].weight) < 0)
			fatal("adding gateway %s", c->gw[i].name);
		conf_set_name(c, i, d->setname[i], sizeof(d->setname[i]));
	}
	sfd = signals_fd();
	setup_sets(d);
	setup_routing(d);
	if (steer_install(c, err, sizeof(err)))
		fatalx("%s", err);
	/* Last: from now on packets arrive, and everything they need is up. */
	d->queue = queue_open(&qp, c->mark_mask, packet_cb, d, err, sizeof(err));
	if (!d->queue) {
		log_warnx("%s", err);
		teardown(c, 0);
		return 1;
	}
	log_info("serving %u gateways on queue %u, LAN %s", c->ngw, c->queue_num,
		 c->lan_if);
	event_loop(d, sfd);
	log_stats(d);
	queue_close(d->queue);
	close(sfd);
	lbset_close(d->sets);
	rtnl_close(d->rtnl);
	balance_free(d->bal);
	if (c->keep_on_exit)
		return 0;
	return teardown(c, 0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cleanup", no_argument, NULL, 'C' },
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
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	d = calloc(1, sizeof(*d));
	if (!d)
		fatal("calloc");
	if (load_conf(path, &d->conf)) {
		fprintf(stderr, "%s: configuration not valid\n", path);
		return 2;
	}
	if (check) {
		printf("%s: configuration OK (%u gateways)\n", path, d->conf.ngw);
		return 0;
	}
	if (cleanup) {
		log_init(1, debug, "nfqlbd");
		rc = teardown(&d->conf, 1);
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
