// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * health_tool - drive src/core/health.c from the shell, in its own epoll
 * loop exactly as the daemon does, for the integration test.
 *
 *   health_tool [-d] [-i interval_ms] [-t timeout_ms] [-m min_ok]
 *               [-f fall] [-r rise] [-n rounds] [-w window]
 *               [-l loss_down:loss_up] [-L rtt_down_ms:rtt_up_ms]
 *               MARK[@SRC] TARGET... [MARK[@SRC] TARGET...]...
 *
 * A number starts a gateway (slot 0, 1, ... in order), probed with
 * that fwmark (0: none) and, after @, that source address; each
 * TARGET is icmp:ADDR or tcp:ADDR:PORT.  Prints, with milliseconds
 * since the start:
 *
 *   T round GW R ok K/N rtt_us X loss P good G bad B state S avg_us A dev_us D
 *   T change GW FROM -> TO round R good G bad B
 *
 * and exits 0 after every gateway has had -n rounds (default 10), or
 * 1 if that takes longer than rounds * interval + timeout + 5 s.
 * Exit 2 on bad usage, 1 on a setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "kernel/prober.h"
#include "util/log.h"

struct tool {
	struct prober *h;
	uint64_t start_us;
	unsigned ngw;
	uint64_t printed[HEALTH_MAX_GW];	/* rounds already printed */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: health_tool [-d] [-i interval_ms] [-t timeout_ms] [-m min_ok]\n"
		"                   [-f fall] [-r rise] [-n rounds] [-w window]\n"
		"                   [-l loss_down:loss_up] [-L rtt_down_ms:rtt_up_ms]\n"
		"                   MARK[@SRC] TARGET... [MARK[@SRC] TARGET...]...\n"
		"TARGET is icmp:ADDR or tcp:ADDR:PORT; numbers take 0x for hex\n");
	exit(2);
}

static unsigned long parse_ul(const char *what, const char *s,
			      unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		goto bad;
	v = strtoul(s, &end, 0);
	if (errno || *end != '\0' || v > max)
		goto bad;
	return v;
bad:
	fprintf(stderr, "health_tool: bad %s '%s'\n", what, s);
	usage();
	return 0;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static unsigned long elapsed_ms(const struct tool *t)
{
	return (unsigned long)((mono_us() - t->start_us) / 1000);
}

static void change_cb(unsigned slot, enum health_state from,
		      enum health_state to, void *arg)
{
	struct tool *t = arg;
	struct health_info in;

	if (prober_gw_info(t->h, slot, &in))
		return;
	printf("%lu change %u %s -> %s round %llu good %u bad %u\n",
	       elapsed_ms(t), slot, health_state_name(from),
	       health_state_name(to), (unsigned long long)in.rounds,
	       in.good, in.bad);
}

static void print_rounds(struct tool *t)
{
	struct health_info in;
	unsigned i;

	for (i = 0; i < t->ngw; i++) {
		if (prober_gw_info(t->h, i, &in) || in.rounds == t->printed[i])
			continue;
		t->printed[i] = in.rounds;
		printf("%lu round %u %llu ok %u/%u rtt_us %ld loss %u good %u "
		       "bad %u state %s avg_us %u dev_us %u\n", elapsed_ms(t), i,
		       (unsigned long long)in.rounds, in.last_ok, in.ntargets,
		       in.has_rtt ? (long)in.last_rtt_us : -1L, in.loss_pct,
		       in.good, in.bad, health_state_name(in.state),
		       in.quality.rtt_avg_us, in.quality.rtt_dev_us);
	}
}

static void parse_target(const char *s, struct health_target *tg)
{
	char buf[64], *colon;

	memset(tg, 0, sizeof(*tg));
	if (strlen(s) >= sizeof(buf))
		goto bad;
	if (strncmp(s, "icmp:", 5) == 0) {
		tg->kind = HEALTH_ICMP;
		if (inet_pton(AF_INET, s + 5, &tg->addr) != 1)
			goto bad;
		return;
	}
	if (strncmp(s, "tcp:", 4) != 0)
		goto bad;
	tg->kind = HEALTH_TCP;
	snprintf(buf, sizeof(buf), "%s", s + 4);
	colon = strchr(buf, ':');
	if (!colon)
		goto bad;
	*colon = '\0';
	if (inet_pton(AF_INET, buf, &tg->addr) != 1)
		goto bad;
	tg->port = (uint16_t)parse_ul("port", colon + 1, 65535);
	return;
bad:
	fprintf(stderr, "health_tool: bad target '%s'\n", s);
	usage();
}

/* Gateways and their targets from argv[0..argc). */
static void add_gateways(struct tool *t, int argc, char **argv)
{
	struct health_target tg[HEALTH_MAX_TARGETS];
	struct in_addr src;
	uint32_t mark = 0;
	unsigned n = 0;
	char *at;
	int i;

	for (i = 0; i <= argc; i++) {
		int starts = i == argc || (argv[i][0] >= '0' && argv[i][0] <= '9');

		if (starts && i > 0) {
			if (n == 0) {
				fprintf(stderr, "health_tool: gateway %u has no target\n",
					t->ngw);
				usage();
			}
			if (prober_gw_add(t->h, t->ngw, mark, src, tg, n)) {
				fprintf(stderr, "health_tool: gateway %u: %s\n",
					t->ngw, strerror(errno));
				exit(1);
			}
			t->ngw++;
			n = 0;
		}
		if (i == argc)
			break;
		if (starts) {
			if (t->ngw >= HEALTH_MAX_GW)
				usage();
			src.s_addr = htonl(INADDR_ANY);
			at = strchr(argv[i], '@');
			if (at) {
				*at = '\0';
				if (inet_pton(AF_INET, at + 1, &src) != 1) {
					fprintf(stderr, "health_tool: bad source '%s'\n",
						at + 1);
					usage();
				}
			}
			mark = (uint32_t)parse_ul("mark", argv[i], UINT32_MAX);
			continue;
		}
		if (i == 0 || n >= HEALTH_MAX_TARGETS)
			usage();
		parse_target(argv[i], &tg[n++]);
	}
}

/* "A:B" into two numbers. */
static void parse_pair(const char *what, char *s, unsigned *a, unsigned *b)
{
	char *colon = strchr(s, ':');

	if (!colon) {
		fprintf(stderr, "health_tool: %s wants DOWN:UP, not '%s'\n", what, s);
		usage();
	}
	*colon = '\0';
	*a = (unsigned)parse_ul(what, s, UINT32_MAX);
	*b = (unsigned)parse_ul(what, colon + 1, UINT32_MAX);
}

static int all_done(const struct tool *t, unsigned long rounds)
{
	struct health_info in;
	unsigned i;

	for (i = 0; i < t->ngw; i++)
		if (prober_gw_info(t->h, i, &in) == 0 && in.rounds < rounds)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct health_params p;
	struct epoll_event ev = { .events = EPOLLIN };
	struct tool t;
	unsigned long rounds = 10;
	uint64_t deadline;
	int ch, debug = 0, ep, n;
	const char *bad;

	health_params_default(&p);
	/* GNU getopt permutes: options may also follow the gateways. */
	while ((ch = getopt(argc, argv, "di:t:m:f:r:n:w:l:L:")) != -1) {
		switch (ch) {
		case 'd': debug = 1; break;
		case 'i': p.interval_ms = (uint32_t)parse_ul("interval", optarg, UINT32_MAX); break;
		case 't': p.timeout_ms = (uint32_t)parse_ul("timeout", optarg, UINT32_MAX); break;
		case 'm': p.min_ok = (unsigned)parse_ul("min_ok", optarg, UINT_MAX); break;
		case 'f': p.fall = (unsigned)parse_ul("fall", optarg, UINT_MAX); break;
		case 'r': p.rise = (unsigned)parse_ul("rise", optarg, UINT_MAX); break;
		case 'n': rounds = parse_ul("rounds", optarg, 100000); break;
		case 'w': p.window = (unsigned)parse_ul("window", optarg, UINT_MAX); break;
		case 'l': parse_pair("loss", optarg, &p.loss_down, &p.loss_up); break;
		case 'L': parse_pair("rtt", optarg, &p.rtt_down_ms, &p.rtt_up_ms); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	bad = health_params_check(&p);
	if (bad) {
		fprintf(stderr, "health_tool: %s\n", bad);
		return 2;
	}
	log_init(1, debug, "health_tool");
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&t, 0, sizeof(t));
	t.start_us = mono_us();
	t.h = prober_new(&p, change_cb, NULL, &t);
	if (!t.h) {
		fprintf(stderr, "health_tool: %s\n", strerror(errno));
		return 1;
	}
	add_gateways(&t, argc - optind, argv + optind);

	/* The daemon's way: the module's fd inside our own epoll set. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, prober_fd(t.h), &ev)) {
		fprintf(stderr, "health_tool: epoll: %s\n", strerror(errno));
		return 1;
	}
	deadline = t.start_us + rounds * p.interval_ms * 1000ull +
		   p.timeout_ms * 1000ull + 5000000;
	while (!all_done(&t, rounds)) {
		if (mono_us() > deadline) {
			fprintf(stderr, "health_tool: %lu rounds not done in time\n",
				rounds);
			return 1;
		}
		n = epoll_wait(ep, &ev, 1, 1000);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "health_tool: epoll_wait: %s\n",
				strerror(errno));
			return 1;
		}
		if (n > 0 && prober_dispatch(t.h)) {
			fprintf(stderr, "health_tool: dispatch: %s\n",
				strerror(errno));
			return 1;
		}
		print_rounds(&t);
	}
	close(ep);
	prober_free(t.h);
	return 0;
}
