// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_balance.c - benchmark of the balancing core alone.
 *
 * For 1k, 100k and 1M clients and 2, 8 and 64 gateways it times
 * assigning N distinct addresses (pseudo-random and sequential) into an
 * empty table, then N lookups of those addresses in one random order
 * over the whole table, one balance_lookup() at a time and in calls of
 * balance_lookup_many() of 64 (the daemon's recvmmsg batch): same keys,
 * same order, same work at every size.  A sorted array searched with
 * bsearch(3) answers the same lookups in the same run, so the figures
 * can be read as ratios rather than as absolute numbers that depend on
 * the machine.
 *
 * Lookups are timed in ROUNDS rounds, the single and batched ones
 * alternating, and the median round is reported: on a shared machine
 * a neighbour's burst then moves one round, not the figure.
 *
 * Then: the effect of transparent huge pages (the same 1M table built
 * with THP disabled for the process by prctl(PR_SET_THP_DISABLE), and
 * with the core's MADV_HUGEPAGE), the cost of choosing a gateway
 * against the number of gateways at fixed clients, and a table at its
 * load limit before and after heavy churn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

#include "core/addr.h"
#include "core/balance.h"

#define MIN_LOOKUP_S	0.05	/* per round */
#define MIN_ASSIGN_S	0.05
#define ROUNDS		5
#define BATCH		64

static const uint32_t sizes[] = { 1000, 100000, 1000000 };
static const unsigned gws[] = { 2, 8, 64 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define NGWS (sizeof(gws) / sizeof(gws[0]))

enum pattern { PAT_RANDOM, PAT_SEQ, NPAT };
static const char *const pat_name[NPAT] = { "random", "sequential" };

/*
 * Everything a lookup returns is folded in here and printed at the
 * end, so the compiler can't drop the lookups as dead code.
 */
static uint64_t checksum;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint32_t rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/*
 * A bijection of 32-bit integers unrelated to the table's own hash, so
 * i -> addr gives distinct addresses with no visible pattern.
 */
static uint32_t scramble(uint32_t x)
{
	x = (x ^ 0x5bd1e995u) * 0x2c1b3c6du;
	x ^= x >> 12;
	x = (x ^ 0x297a2d39u) * 0x9e3779b1u;
	x ^= x >> 15;
	return x;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p) {
		perror("calloc");
		exit(1);
	}
	return p;
}

/* Addresses k0, k0+1, ... of the pattern; returns the next k. */
static uint32_t make_addrs(struct nfqlb_addr *a, uint32_t n, enum pattern p,
			   uint32_t k)
{
	uint32_t i = 0;

	memset(a, 0, (size_t)n * sizeof(*a));
	while (i < n) {
		uint32_t host = p == PAT_RANDOM ? scramble(k++) :
			0x0a000001u + k++;

		/* 0.0.0.0 is not a client; the bijection hits it once */
		if (!host)
			continue;
		a[i].family = AF_INET;
		a[i].v4.s_addr = htonl(host);
		i++;
	}
	return k;
}

static void shuffle(uint32_t *idx, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(((uint64_t)rng() * (i + 1)) >> 32);
		uint32_t t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * AnonHugePages of the whole process, kB: the table is the only
 * madvised memory, so with THP in "madvise" mode a difference taken
 * around building a table is that table's huge pages.  -1 if unknown.
 */
static long anon_huge_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static struct balance *new_core(uint32_t n, unsigned ngw)
{
	struct balance *b = balance_new(n);

	if (!b) {
		perror("balance_new");
		exit(1);
	}
	for (unsigned g = 0; g < ngw; g++)
		if (balance_gw_add(b, g % 3 + 1) < 0) {
			perror("balance_gw_add");
			exit(1);
		}
	return b;
}

/* Assign every address; returns seconds spent in balance_assign only. */
static double fill(struct balance *b, const struct nfqlb_addr *a, uint32_t n)
{
	uint64_t sum = 0;
	double t0, t1;
	int created;

	t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		int gw = balance_assign(b, &a[i], i, &created);

		if (gw < 0 || !created) {
			fprintf(stderr, "assign %" PRIu32 ": %d %s\n", i, gw,
				strerror(errno));
			exit(1);
		}
		sum += (uint64_t)gw;
	}
	t1 = now_s();
	checksum += sum;
	return t1 - t0;
}

/*
 * ns per assign into a fresh table (first-touch page faults included,
 * as for the daemon's first clients), repeated on new tables until the
 * time is measurable; the last table is kept for the lookups.
 */
static double time_assign(const struct nfqlb_addr *a, uint32_t n,
			  unsigned ngw, struct balance **keep)
{
	double spent = 0;
	uint64_t ops = 0;

	for (;;) {
		struct balance *b = new_core(n, ngw);

		spent += fill(b, a, n);
		ops += n;
		if (spent >= MIN_ASSIGN_S) {
			if (keep)
				*keep = b;
			else
				balance_free(b);
			break;
		}
		balance_free(b);
	}
	return spent * 1e9 / (double)ops;
}

enum lookup_kind { LK_SINGLE, LK_BATCH, LK_BSEARCH };

struct lookup_job {
	const struct balance *b;
	const uint32_t *sorted;		/* for LK_BSEARCH */
	const struct nfqlb_addr *keys;	/* in lookup order */
	uint32_t n;
};

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* One pass of n lookups in the order of keys. */
static uint64_t lookup_pass(const struct lookup_job *j, enum lookup_kind k)
{
	uint64_t sum = 0;
	int out[BATCH];

	switch (k) {
	case LK_SINGLE:
		for (uint32_t i = 0; i < j->n; i++)
			sum += (uint64_t)(balance_lookup(j->b, &j->keys[i]) + 1);
		break;
	case LK_BATCH:
		for (uint32_t i = 0; i < j->n; i += BATCH) {
			unsigned m = j->n - i < BATCH ? j->n - i : BATCH;

			sum += (uint64_t)balance_lookup_many(j->b, &j->keys[i],
							     m, out);
			for (unsigned x = 0; x < m; x++)
				sum += (uint64_t)(out[x] + 1);
		}
		break;
	case LK_BSEARCH:
		for (uint32_t i = 0; i < j->n; i++) {
			const uint32_t *hit = bsearch(&j->keys[i].v4.s_addr,
						      j->sorted, j->n,
						      sizeof(*j->sorted),
						      cmp_u32);

			sum += hit ? (uint64_t)(hit - j->sorted) + 1 : 0;
		}
		break;
	}
	return sum;
}

/* ns per lookup over enough passes to last MIN_LOOKUP_S. */
static double time_lookup_once(const struct lookup_job *j, enum lookup_kind k)
{
	uint64_t reps, sum;
	double t0, one;

	/* a first pass warms what can be warmed and sizes the run */
	t0 = now_s();
	sum = lookup_pass(j, k);
	one = now_s() - t0;
	reps = one > 0 ? (uint64_t)(MIN_LOOKUP_S / one) + 1 : 1000;
	t0 = now_s();
	for (uint64_t r = 0; r < reps; r++)
		sum += lookup_pass(j, k);
	one = now_s() - t0;
	checksum += sum;
	return one * 1e9 / ((double)reps * j->n);
}

/* Median ns per lookup, single and batched, in alternating rounds. */
static void time_lookups(const struct lookup_job *j, double *single,
			 double *batch)
{
	double s[ROUNDS], m[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		s[r] = time_lookup_once(j, LK_SINGLE);
		m[r] = time_lookup_once(j, LK_BATCH);
	}
	*single = median(s, ROUNDS);
	*batch = median(m, ROUNDS);
}

/* Keys of the table, the same in a random order, and sorted words. */
struct keyset {
	struct nfqlb_addr *a;		/* assignment order */
	struct nfqlb_addr *keys;	/* lookup order */
	uint32_t *sorted;
	uint32_t n;
};

static void keyset_make(struct keyset *ks, uint32_t n, enum pattern p)
{
	uint32_t *idx = xcalloc(n, sizeof(*idx));

	ks->n = n;
	ks->a = xcalloc(n, sizeof(*ks->a));
	ks->keys = xcalloc(n, sizeof(*ks->keys));
	ks->sorted = xcalloc(n, sizeof(*ks->sorted));
	make_addrs(ks->a, n, p, 0);
	shuffle(idx, n);
	for (uint32_t i = 0; i < n; i++) {
		ks->keys[i] = ks->a[idx[i]];
		ks->sorted[i] = ks->a[i].v4.s_addr;
	}
	qsort(ks->sorted, n, sizeof(*ks->sorted), cmp_u32);
	free(idx);
}

static void keyset_free(struct keyset *ks)
{
	free(ks->sorted);
	free(ks->keys);
	free(ks->a);
}

static double displaced_pct(const struct balance *b)
{
	uint32_t far = 0;

	if (balance_table_stats(b, &far, NULL)) {
		fprintf(stderr, "table counts inconsistent\n");
		exit(1);
	}
	return 100.0 * far / (balance_clients(b) ? balance_clients(b) : 1);
}

static double single_ns[NPAT][NGWS][NSIZES], batch_ns[NPAT][NGWS][NSIZES];
static double bs_ns[NPAT][NSIZES];

static void main_table(void)
{
	printf("== lookups and assigns: assign = insert N distinct clients "
	       "into a fresh table (page faults included);\n"
	       "   lookup = N hits in one random order over the whole table, "
	       "balance_lookup() one by one;\n"
	       "   batch = the same lookups through balance_lookup_many(), "
	       "%d per call, ns per lookup;\n"
	       "   bsearch = the same lookups on a sorted uint32 array; "
	       "lookup figures are the median of %d rounds;\n"
	       "   huge = MiB of the table on transparent huge pages; "
	       "displ = bindings outside their home bucket\n\n",
	       BATCH, ROUNDS);
	printf("%-10s %8s %4s | %7s | %7s %7s | %7s %7s | %8s | %9s %7s %5s %6s\n",
	       "addresses", "clients", "gws", "assign", "lookup", "lookup",
	       "batch", "batch", "bsearch", "table", "bytes/", "huge",
	       "displ");
	printf("%-10s %8s %4s | %7s | %7s %7s | %7s %7s | %8s | %9s %7s %5s %6s\n",
	       "", "", "", "ns/op", "ns/op", "Mops/s", "ns/op", "Mops/s",
	       "ns/op", "bytes", "binding", "MiB", "%");

	for (int p = 0; p < NPAT; p++) {
		for (size_t s = 0; s < NSIZES; s++) {
			struct keyset ks;
			struct lookup_job bj;
			double bsv[3];

			keyset_make(&ks, sizes[s], (enum pattern)p);
			bj = (struct lookup_job){ .sorted = ks.sorted,
						  .keys = ks.keys, .n = ks.n };
			for (int r = 0; r < 3; r++)
				bsv[r] = time_lookup_once(&bj, LK_BSEARCH);
			bs_ns[p][s] = median(bsv, 3);

			for (size_t g = 0; g < NGWS; g++) {
				struct lookup_job j = { .keys = ks.keys,
							.n = ks.n };
				struct balance *b;
				double as_ns, sn, bn;
				long huge0 = anon_huge_kb(), huge1;
				size_t bytes;

				as_ns = time_assign(ks.a, ks.n, gws[g], &b);
				huge1 = anon_huge_kb();
				j.b = b;
				time_lookups(&j, &sn, &bn);
				single_ns[p][g][s] = sn;
				batch_ns[p][g][s] = bn;
				bytes = balance_table_bytes(b);
				printf("%-10s %8" PRIu32 " %4u | %7.1f | %7.1f "
				       "%7.1f | %7.1f %7.1f | %8.1f | %9zu "
				       "%7.1f %5.1f %6.2f\n",
				       pat_name[p], ks.n, gws[g], as_ns, sn,
				       1e3 / sn, bn, 1e3 / bn, bs_ns[p][s],
				       bytes, (double)bytes / ks.n,
				       huge0 < 0 || huge1 < 0 ? -1.0 :
				       (double)(huge1 - huge0) / 1024,
				       displaced_pct(b));
				balance_free(b);
			}
			keyset_free(&ks);
		}
	}

	printf("\n== lookup scaling: ns/op at 1M clients / ns/op at 1k "
	       "clients (target <= 1.5; 1.00 = flat)\n");
	printf("  %-10s %4s | %7s %7s %6s | %7s %7s %6s\n", "addresses",
	       "gws", "single", "single", "ratio", "batch", "batch",
	       "ratio");
	printf("  %-10s %4s | %7s %7s %6s | %7s %7s %6s\n", "", "", "1k",
	       "1M", "", "1k", "1M", "");
	for (int p = 0; p < NPAT; p++) {
		for (size_t g = 0; g < NGWS; g++) {
			double s0 = single_ns[p][g][0];
			double s1 = single_ns[p][g][NSIZES - 1];
			double b0 = batch_ns[p][g][0];
			double b1 = batch_ns[p][g][NSIZES - 1];

			printf("  %-10s %4u | %7.1f %7.1f %6.2f | %7.1f "
			       "%7.1f %6.2f\n", pat_name[p], gws[g], s0, s1,
			       s1 / s0, b0, b1, b1 / b0);
		}
		printf("  %-10s bsearch: %.1f -> %.1f ns, %.2f\n",
		       pat_name[p], bs_ns[p][0], bs_ns[p][NSIZES - 1],
		       bs_ns[p][NSIZES - 1] / bs_ns[p][0]);
	}
}

/*
 * The same 1M-client table built with THP disabled for the process and
 * with the core's MADV_HUGEPAGE, alternately, twice each.
 */
static void thp_table(void)
{
	const uint32_t n = 1000000;
	struct keyset ks;

	printf("\n== huge pages: %" PRIu32 " random clients, 8 gateways, "
	       "table built with THP disabled for the process\n"
	       "   (prctl PR_SET_THP_DISABLE) or as the core asks "
	       "(MADV_HUGEPAGE); alternating, twice each\n", n);
	printf("  %-8s | %7s | %7s %7s | %5s\n", "THP", "assign", "lookup",
	       "batch", "huge");
	printf("  %-8s | %7s | %7s %7s | %5s\n", "", "ns/op", "ns/op",
	       "ns/op", "MiB");
	keyset_make(&ks, n, PAT_RANDOM);
	for (int t = 0; t < 4; t++) {
		int off = !(t & 1);
		struct lookup_job j = { .keys = ks.keys, .n = ks.n };
		struct balance *b;
		double as_ns, sn, bn;
		long huge0, huge1;

		if (prctl(PR_SET_THP_DISABLE, off, 0, 0, 0)) {
			perror("prctl(PR_SET_THP_DISABLE)");
			break;
		}
		huge0 = anon_huge_kb();
		as_ns = time_assign(ks.a, ks.n, 8, &b);
		huge1 = anon_huge_kb();
		j.b = b;
		time_lookups(&j, &sn, &bn);
		printf("  %-8s | %7.1f | %7.1f %7.1f | %5.1f\n",
		       off ? "off" : "madvise", as_ns, sn, bn,
		       huge0 < 0 || huge1 < 0 ? -1.0 :
		       (double)(huge1 - huge0) / 1024);
		balance_free(b);
	}
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	keyset_free(&ks);
}

/*
 * Choosing a gateway scans the gateways, never the clients: assign
 * time against the number of gateways, at fixed numbers of clients.
 */
static void gw_table(void)
{
	static const unsigned ng[] = { 1, 2, 4, 8, 16, 32, 64 };
	enum { NG = sizeof(ng) / sizeof(ng[0]) };

	printf("\n== gateway choice: ns per assign (median of 3) against "
	       "gateways, at fixed clients (random addresses)\n");
	printf("  %8s |", "clients");
	for (int g = 0; g < NG; g++)
		printf(" %4u gw", ng[g]);
	printf(" | ns per extra gateway\n");
	for (size_t s = 0; s < NSIZES; s++) {
		struct nfqlb_addr *a = xcalloc(sizes[s], sizeof(*a));
		double t[NG];

		make_addrs(a, sizes[s], PAT_RANDOM, 0);
		printf("  %8" PRIu32 " |", sizes[s]);
		for (int g = 0; g < NG; g++) {
			double v[3];

			for (int r = 0; r < 3; r++)
				v[r] = time_assign(a, sizes[s], ng[g], NULL);
			t[g] = median(v, 3);
			printf(" %7.1f", t[g]);
		}
		printf(" | %.2f\n", (t[NG - 1] - t[0]) / (ng[NG - 1] - ng[0]));
		free(a);
	}
}

/*
 * A table exactly at its load limit (9 bindings per 12-slot bucket),
 * then after rounds of releasing a random half and assigning as many
 * new clients: lookups must not degrade with churn.
 */
static void churn_table(void)
{
	const uint32_t n = 9u << 17;	/* 1179648: 2^17 buckets, load 3/4 */
	struct keyset ks;
	struct balance *b;
	uint32_t next, *idx = xcalloc(n, sizeof(*idx));

	printf("\n== load limit and churn: %" PRIu32 " random clients in a "
	       "table for as many (load 3/4), 8 gateways;\n"
	       "   each churn round releases a random half and assigns as "
	       "many new clients\n", n);
	printf("  %-14s | %7s %7s | %6s\n", "", "lookup", "batch", "displ");
	printf("  %-14s | %7s %7s | %6s\n", "", "ns/op", "ns/op", "%");
	keyset_make(&ks, n, PAT_RANDOM);
	next = n + 1;	/* make_addrs skipped at most one k */
	b = new_core(n, 8);
	fill(b, ks.a, n);
	for (int round = 0; round <= 4; round++) {
		struct lookup_job j = { .b = b, .keys = ks.keys, .n = n };
		double sn, bn;

		if (round) {
			shuffle(idx, n);
			for (uint32_t i = 0; i < n / 2; i++)
				if (balance_release(b, &ks.a[idx[i]]) < 0) {
					fprintf(stderr, "release failed\n");
					exit(1);
				}
			for (uint32_t i = 0; i < n / 2; i++)
				next = make_addrs(&ks.a[idx[i]], 1, PAT_RANDOM,
						  next);
			for (uint32_t i = 0; i < n / 2; i++)
				if (balance_assign(b, &ks.a[idx[i]], 0,
						   NULL) < 0) {
					fprintf(stderr, "assign failed\n");
					exit(1);
				}
			/* look up the current clients, in a new order */
			shuffle(idx, n);
			for (uint32_t i = 0; i < n; i++)
				ks.keys[i] = ks.a[idx[i]];
		}
		time_lookups(&j, &sn, &bn);
		printf("  %-14s | %7.1f %7.1f | %6.2f\n",
		       round ? (round == 1 ? "after 1 round" :
				round == 2 ? "after 2 rounds" :
				round == 3 ? "after 3 rounds" :
				"after 4 rounds") : "filled",
		       sn, bn, displaced_pct(b));
	}
	balance_free(b);
	keyset_free(&ks);
	free(idx);
}

int main(void)
{
	double t_start = now_s();

	printf("nfqlb balance core benchmark\n\n");
	main_table();
	thp_table();
	gw_table();
	churn_table();
	printf("\nchecksum %" PRIu64 ", total %.1f s\n", checksum,
	       now_s() - t_start);
	return 0;
}
