// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlbd.c - the daemon's main: options, the layers' handles put
 * together in order (kernel mirror, bindings, failover, uplinks, HA,
 * topology, commands), and one epoll loop (signals, queue, control
 * socket, the prober, conntrack events, the mirror's watch, the links'
 * events, a one-second tick).
 * The work is the layers'; see src/README.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "daemon/commands.h"
#include "daemon/instance.h"
#include "kernel/kb_ipt.h"
#include "util/log.h"

#define NFQLBD_QUEUE_ROUNDS	16	/* batches per wake-up, for fairness */

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

/* The handles of the layers, and nothing else. */
struct nfqlbd {
	struct conf conf;	/* the live one: topology changes it */
	const char *conf_path;
	struct kmirror *km;
	struct bindings *b;
	struct failover *fo;
	struct uplink *up;
	struct hasync *ha;
	struct loadwatch *lw;
	struct sync *sync;
	struct topology *topo;
	struct queue *queue;
	struct control *ctl;
	struct commands_env cmd;
};

static void log_stats(struct nfqlbd *d)
{
	const struct queue_stats *q = queue_stats(d->queue);
	unsigned i;

	const struct bindings_counters *n = bindings_counters(d->b);
	const struct balance *bal = bindings_table(d->b);

	log_info("queued %llu verdicts %llu marked %llu malformed %llu "
		 "unsupported %llu unassigned %llu enobufs %llu binds %llu+%llu "
		 "releases %llu set_errors %llu clients %u",
		 (unsigned long long)q->packets, (unsigned long long)q->verdicts,
		 (unsigned long long)q->marked, (unsigned long long)q->malformed,
		 (unsigned long long)q->unsupported,
		 (unsigned long long)q->unassigned, (unsigned long long)q->enobufs,
		 (unsigned long long)n->binds_packet,
		 (unsigned long long)n->binds_hook,
		 (unsigned long long)n->releases,
		 (unsigned long long)kmirror_set_errors(d->km), balance_clients(bal));
	for (i = 0; i < d->conf.ngw; i++)
		if (d->conf.gw[i].name[0])
			log_info("gateway %s weight %u clients %u", d->conf.gw[i].name,
				 balance_gw_weight(bal, i), balance_gw_clients(bal, i));
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
		topology_reload(d->topo, err, sizeof(err));
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
	int fd = failover_fd(d->fo);

	if (*gen == failover_health_gen(d->fo))
		return;
	*gen = failover_health_gen(d->fo);
	if (fd >= 0)
		epoll_add(ep, fd, EV_HEALTH);
}

/* Once a second, every layer's timers. */
static void tick(struct nfqlbd *d)
{
	control_expire(d->ctl, 0);
	failover_tick(d->fo);
	bindings_tick(d->b);
	topology_traffic_update(d->topo);
	hasync_tick(d->ha);
	loadwatch_tick(d->lw);
	uplink_audit(d->up);	/* what no event says (a downed link's routes) */
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
	if (hasync_fd(d->ha) >= 0)
		epoll_add(ep, hasync_fd(d->ha), EV_HA);
	epoll_add(ep, kmirror_fd(d->km), EV_KERNEL);
	epoll_add(ep, uplink_fd(d->up), EV_LINK);
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
				tick(d);
				break;
			case EV_HA:
				hasync_dispatch(d->ha);
				break;
			case EV_HEALTH:
				failover_dispatch(d->fo);
				break;
			case EV_KERNEL:
				topology_kernel_changed(d->topo);
				break;
			case EV_LINK:
				uplink_dispatch(d->up);
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

/* The layers, bottom up; NULL handles are fine to free. */
static void layers_new(struct nfqlbd *d)
{
	struct conf *c = &d->conf;

	d->km = kmirror_open(c, &kb_ipt_ops);
	if (!d->km)
		fatalx("cannot open ipset or rtnetlink sockets");
	d->b = bindings_new(c, d->km);
	if (!d->b)
		fatal("allocating the table for %u clients", c->max_clients);
	d->fo = failover_new(c, d->b, d->km);
	d->up = d->fo ? uplink_new(c, d->km, d->fo) : NULL;
	d->ha = hasync_new(c, d->b);
	d->lw = loadwatch_new(c, d->b);
	d->sync = sync_new(c, d->b, d->ha);
	d->topo = topology_new(c, d->conf_path, d->km, d->b, d->fo, d->up);
	if (!d->fo || !d->up || !d->ha || !d->lw || !d->sync || !d->topo)
		fatal("allocating the daemon's layers");
}

static void layers_free(struct nfqlbd *d)
{
	topology_free(d->topo);
	sync_free(d->sync);
	loadwatch_free(d->lw);
	hasync_free(d->ha);
	uplink_free(d->up);
	failover_free(d->fo);
	bindings_free(d->b);
	kmirror_close(d->km);
}

/* The commands' view of the daemon: every handle, and the time it started. */
static void commands_env_fill(struct nfqlbd *d)
{
	struct commands_env *e = &d->cmd;

	e->conf = &d->conf;
	e->conf_path = d->conf_path;
	e->topo = d->topo;
	e->b = d->b;
	e->fo = d->fo;
	e->up = d->up;
	e->ha = d->ha;
	e->lw = d->lw;
	e->sync = d->sync;
	e->km = d->km;
	e->started = time(NULL);
}

/* Everything in the kernel, probes running, HA learning: 0, or 1 and torn down. */
static int layers_start(struct nfqlbd *d)
{
	char err[512];

	if (topology_start(d->topo, err, sizeof(err)))
		fatalx("%s", err);
	if (failover_start(d->fo, err, sizeof(err))) {
		log_warnx("%s", err);
		failover_stop(d->fo);
		kmirror_teardown(&kb_ipt_ops, &d->conf, 0);
		return 1;
	}
	/* Watching first, so that no change falls between the look and the watch. */
	if (uplink_watch(d->up, err, sizeof(err)))
		fatalx("%s", err);
	uplink_audit(d->up);	/* every link: routes now, or no-link */
	if (kmirror_steer(d->km, err, sizeof(err)))
		fatalx("%s", err);
	if (d->conf.pin_connections)
		kmirror_map_remove_stale(d->km);
	if (hasync_start(d->ha, err, sizeof(err)))
		fatalx("%s", err);
	err[0] = '\0';
	if (kmirror_watch(d->km, err, sizeof(err)) < 0)
		fatalx("%s", err);
	else if (err[0])
		log_warnx("%s", err);
	return 0;
}

/* The control socket, then the queue: from then on packets arrive. */
static int serve_open(struct nfqlbd *d)
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
		.read_path = c->ctl_read_path,
		.read_group = c->ctl_read_gid,
		.idle_timeout = c->ctl_idle,
		.max_conns = c->ctl_max_conns,
	};
	char err[512];

	instance_socket_dir(c->ctl_path);
	if (c->ctl_read_path[0])
		instance_socket_dir(c->ctl_read_path);
	d->ctl = control_open(&cp, commands_handle, &d->cmd, err, sizeof(err));
	if (!d->ctl) {
		log_warnx("%s", err);
		return -1;
	}
	d->cmd.ctl = d->ctl;
	/* Last: from now on packets arrive, and everything they need is up. */
	d->queue = queue_open(&qp, c->mark_mask, bindings_packet_batch,
			      bindings_packet_flush, d->b, err, sizeof(err));
	if (!d->queue) {
		log_warnx("%s", err);
		control_close(d->ctl);
		return -1;
	}
	d->cmd.queue = d->queue;
	return 0;
}

static int run(struct nfqlbd *d)
{
	struct conf *c = &d->conf;
	char err[512];
	int sfd, lock;

	lock = instance_lock(c, err, sizeof(err));
	if (lock < 0) {
		log_warnx("%s", err);
		return 1;
	}
	layers_new(d);
	commands_env_fill(d);
	sfd = signals_fd();
	if (topology_check(d->topo))
		return NFQLBD_EXIT_CONFIG;
	if (layers_start(d))
		return 1;
	if (serve_open(d)) {
		failover_stop(d->fo);
		kmirror_teardown(&kb_ipt_ops, c, 0);
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
	hasync_stop(d->ha);
	failover_stop(d->fo);
	close(sfd);
	layers_free(d);
	if (c->keep_on_exit)
		return 0;
	return kmirror_teardown(&kb_ipt_ops, c, 0);
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
	if (topology_conf_load(path, &d->conf, NULL, 0)) {
		log_warnx("%s: configuration not valid", path);
		free(d);
		return NFQLBD_EXIT_CONFIG;
	}
	if (check) {
		/* Not an error: such a gateway waits for its interface. */
		uplink_missing(&kb_ipt_ops, &d->conf, path);
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
		rc = kmirror_teardown(&kb_ipt_ops, &d->conf, 1);
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
