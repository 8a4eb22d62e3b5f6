// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lbset_tool - drive the lbset module from the command line, for the
 * integration tests and the benchmark.  Never runs the ipset program.
 *
 * Exit status: 0 success, 1 lbset error (message on stderr), 2 usage.
 * "exists" prints "yes" or "no" and exits 0 either way.
 *
 * "defer" records every NAME IP pair with lbset_add_defer() and sends
 * them with one lbset_commit(): each member that failed is printed on
 * stderr as "failed: NAME IP: message", then "committed N failed F" on
 * stdout; exit 1 if any failed (or could not be recorded).
 * "bench-defer" times the same in commits of BATCH members.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/addr.h"
#include "kernel/lbset.h"

static const char *prog = "lbset_tool";

static int usage(void)
{
	fprintf(stderr,
		"usage: %s create NAME MAXELEM\n"
		"       %s destroy NAME\n"
		"       %s exists NAME\n"
		"       %s add NAME IP\n"
		"       %s del NAME IP\n"
		"       %s flush NAME\n"
		"       %s list NAME\n"
		"       %s bench NAME COUNT\n"
		"       %s defer NAME IP [NAME IP]...\n"
		"       %s bench-defer NAME COUNT BATCH\n",
		prog, prog, prog, prog, prog, prog, prog, prog, prog, prog);
	return 2;
}

/* Strict decimal in [1, max]: a typo must not become a silent 0. */
static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* lbset's messages already name the operation, the set and the address. */
static int fail(struct lbset *s)
{
	fprintf(stderr, "%s: %s\n", prog, lbset_error(s));
	return 1;
}

static void print_member(const struct nfqlb_addr *a, void *arg)
{
	char buf[NFQLB_ADDRSTRLEN];

	(void)arg;
	printf("%s\n", addr_format(a, buf, sizeof(buf)));
}

static void count_member(const struct nfqlb_addr *a, void *arg)
{
	(void)a;
	(*(uint32_t *)arg)++;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The i-th bench address, 10.0.0.1 upwards: never 10.0.0.0. */
static void bench_addr(uint32_t i, struct nfqlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->v4.s_addr = htonl((10u << 24) + i + 1);
}

static int bench(struct lbset *s, const char *name, uint32_t count)
{
	struct nfqlb_addr a;
	uint32_t listed = 0;
	double t0, t1;

	/* Room for all of them, whatever the hash decides to do. */
	if (lbset_create(s, name, count < 65536 ? 65536 : count))
		return fail(s);
	t0 = now_us();
	for (uint32_t i = 0; i < count; i++) {
		bench_addr(i, &a);
		if (lbset_add(s, name, &a))
			return fail(s);
	}
	t1 = now_us();
	printf("add: %" PRIu32 " addresses, %.2f us per add\n", count,
	       (t1 - t0) / count);

	t0 = now_us();
	if (lbset_list(s, name, count_member, &listed))
		return fail(s);
	t1 = now_us();
	printf("list: %" PRIu32 " members in %.0f us\n", listed, t1 - t0);
	if (listed != count) {
		fprintf(stderr, "%s: bench: listed %" PRIu32 " members, "
			"added %" PRIu32 "\n", prog, listed, count);
		return 1;
	}

	t0 = now_us();
	for (uint32_t i = 0; i < count; i++) {
		bench_addr(i, &a);
		if (lbset_del(s, name, &a))
			return fail(s);
	}
	t1 = now_us();
	printf("del: %" PRIu32 " addresses, %.2f us per del\n", count,
	       (t1 - t0) / count);

	if (lbset_destroy(s, name))
		return fail(s);
	return 0;
}

static void print_failed(const char *name, const struct nfqlb_addr *a,
			 const char *msg, void *arg)
{
	char buf[NFQLB_ADDRSTRLEN];

	(*(unsigned *)arg)++;
	fprintf(stderr, "failed: %s %s: %s\n", name,
		addr_format(a, buf, sizeof(buf)), msg);
}

/* defer NAME IP [NAME IP]...: argv holds the pairs. */
static int defer(struct lbset *s, int argc, char **argv)
{
	unsigned recorded = 0, refused = 0, called = 0, failed;
	struct nfqlb_addr a;
	int i;

	if (argc < 2 || argc % 2)
		return usage();
	for (i = 0; i < argc; i += 2) {
		if (addr_parse(argv[i + 1], &a)) {
			fprintf(stderr, "%s: not an address: %s\n", prog,
				argv[i + 1]);
			return 2;
		}
		if (lbset_add_defer(s, argv[i], &a)) {
			fprintf(stderr, "refused: %s\n", lbset_error(s));
			refused++;
			continue;
		}
		recorded++;
	}
	if (lbset_pending(s) != recorded) {
		fprintf(stderr, "%s: %u members pending, %u recorded\n", prog,
			lbset_pending(s), recorded);
		return 1;
	}
	failed = lbset_commit(s, print_failed, &called);
	printf("committed %u failed %u\n", recorded, failed);
	if (failed != called || lbset_pending(s) != 0) {
		fprintf(stderr, "%s: commit says %u failed, the callback "
			"saw %u; %u still pending\n", prog, failed, called,
			lbset_pending(s));
		return 1;
	}
	return failed || refused ? 1 : 0;
}

static int bench_defer(struct lbset *s, const char *name, uint32_t count,
		       uint32_t batch)
{
	struct nfqlb_addr a;
	uint32_t listed = 0, i;
	unsigned called = 0;
	double t0, t1;

	if (lbset_create(s, name, count < 65536 ? 65536 : count))
		return fail(s);
	t0 = now_us();
	for (i = 0; i < count; i++) {
		bench_addr(i, &a);
		if (lbset_add_defer(s, name, &a))
			return fail(s);
		if ((i + 1) % batch == 0 || i + 1 == count)
			if (lbset_commit(s, print_failed, &called))
				return 1;
	}
	t1 = now_us();
	printf("add-defer: %" PRIu32 " addresses, %" PRIu32 " per commit, "
	       "%.2f us per add\n", count, batch, (t1 - t0) / count);
	if (lbset_list(s, name, count_member, &listed))
		return fail(s);
	if (listed != count) {
		fprintf(stderr, "%s: bench-defer: listed %" PRIu32 " members, "
			"added %" PRIu32 "\n", prog, listed, count);
		return 1;
	}
	if (lbset_destroy(s, name))
		return fail(s);
	return 0;
}

static int run(struct lbset *s, int argc, char **argv)
{
	const char *cmd = argv[1], *name = argv[2];
	struct nfqlb_addr a;
	uint32_t n;
	int r;

	if (strcmp(cmd, "create") == 0 && argc == 4) {
		if (parse_u32(argv[3], UINT32_MAX, &n))
			return usage();
		return lbset_create(s, name, n) ? fail(s) : 0;
	}
	if (strcmp(cmd, "destroy") == 0 && argc == 3)
		return lbset_destroy(s, name) ? fail(s) : 0;
	if (strcmp(cmd, "exists") == 0 && argc == 3) {
		r = lbset_exists(s, name);
		if (r < 0)
			return fail(s);
		printf("%s\n", r ? "yes" : "no");
		return 0;
	}
	if ((strcmp(cmd, "add") == 0 || strcmp(cmd, "del") == 0) &&
	    argc == 4) {
		if (addr_parse(argv[3], &a)) {
			fprintf(stderr, "%s: not an address: %s\n", prog,
				argv[3]);
			return 2;
		}
		r = cmd[0] == 'a' ? lbset_add(s, name, &a) :
				    lbset_del(s, name, &a);
		return r ? fail(s) : 0;
	}
	if (strcmp(cmd, "flush") == 0 && argc == 3)
		return lbset_flush(s, name) ? fail(s) : 0;
	if (strcmp(cmd, "list") == 0 && argc == 3)
		return lbset_list(s, name, print_member, NULL) ?
			fail(s) : 0;
	if (strcmp(cmd, "bench") == 0 && argc == 4) {
		/* 10.0.0.0/8 holds the addresses; keep clear of its end. */
		if (parse_u32(argv[3], 1u << 23, &n))
			return usage();
		return bench(s, name, n);
	}
	if (strcmp(cmd, "defer") == 0)
		return defer(s, argc - 2, argv + 2);
	if (strcmp(cmd, "bench-defer") == 0 && argc == 5) {
		uint32_t batch;

		if (parse_u32(argv[3], 1u << 23, &n) ||
		    parse_u32(argv[4], 1u << 23, &batch))
			return usage();
		return bench_defer(s, name, n, batch);
	}
	return usage();
}

int main(int argc, char **argv)
{
	struct lbset *s;
	int ret;

	if (argc < 3)
		return usage();
	s = lbset_open();
	if (!s) {
		fprintf(stderr, "%s: cannot open a libipset session\n", prog);
		return 1;
	}
	ret = run(s, argc, argv);
	fflush(stdout);
	lbset_close(s);
	return ret;
}
