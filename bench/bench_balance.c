// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_balance.c - benchmark of the balancing core alone.
 *
 * For 1k, 100k and 1M clients and 2, 8 and 64 gateways it times
 * assigning N distinct addresses (pseudo-random and sequential), then
 * N lookups in random order, and the same lookups against a sorted
 * array searched with bsearch(3), measured in the same run, so the
 * figures can be read as ratios rather than as absolute numbers that
 * depend on the machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "balance.h"

#define MIN_LOOKUP_S	0.2
#define MIN_ASSIGN_S	0.05

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

static void make_addrs(struct nfqlb_addr *a, uint32_t n, enum pattern p)
{
	uint32_t i = 0, k = 0;

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

/* Build a full table; returns seconds spent in balance_assign only. */
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

/* ns per assign, repeated on fresh tables until the time is measurable */
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
			*keep = b;
			break;
		}
		balance_free(b);
	}
	return spent * 1e9 / (double)ops;
}

/* One pass of n lookups in the order given by keys. */
static uint64_t lookup_pass(const struct balance *b,
			    const struct nfqlb_addr *keys, uint32_t n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += (uint64_t)(balance_lookup(b, &keys[i]) + 1);
	return sum;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

static uint64_t bsearch_pass(const uint32_t *sorted, uint32_t nsorted,
			     const struct nfqlb_addr *keys, uint32_t n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++) {
		const uint32_t *hit = bsearch(&keys[i].v4.s_addr, sorted,
					      nsorted, sizeof(*sorted),
					      cmp_u32);

		sum += hit ? (uint64_t)(hit - sorted) + 1 : 0;
	}
	return sum;
}

/*
 * ns per lookup: a first pass warms the caches and sizes the run, then
 * enough passes to last MIN_LOOKUP_S.  One of the two pointers is set.
 */
static double time_lookup(const struct balance *b, const uint32_t *sorted,
			  const struct nfqlb_addr *keys, uint32_t n)
{
	uint64_t reps, sum = 0;
	double t0, t1, one;

	t0 = now_s();
	sum += b ? lookup_pass(b, keys, n) : bsearch_pass(sorted, n, keys, n);
	one = now_s() - t0;
	reps = one > 0 ? (uint64_t)(MIN_LOOKUP_S / one) + 1 : 1000;

	t0 = now_s();
	for (uint64_t r = 0; r < reps; r++)
		sum += b ? lookup_pass(b, keys, n) :
			bsearch_pass(sorted, n, keys, n);
	t1 = now_s();
	checksum += sum;
	return (t1 - t0) * 1e9 / ((double)reps * n);
}

int main(void)
{
	double look_ns[NPAT][NGWS][NSIZES], bs_ns[NPAT][NSIZES];
	double t_start = now_s();

	printf("nfqlb balance core benchmark: assign = insert N distinct "
	       "clients into an empty table,\n"
	       "lookup = N hits in random order, bsearch = the same lookups "
	       "on a sorted uint32 array (same run)\n\n");
	printf("%-10s %8s %4s | %9s %8s | %9s %8s | %9s %8s | %9s %8s\n",
	       "addresses", "clients", "gws", "assign", "assign",
	       "lookup", "lookup", "bsearch", "hash vs", "table", "bytes/");
	printf("%-10s %8s %4s | %9s %8s | %9s %8s | %9s %8s | %9s %8s\n",
	       "", "", "", "ns/op", "Mops/s", "ns/op", "Mops/s", "ns/op",
	       "bsearch", "bytes", "binding");

	for (int p = 0; p < NPAT; p++) {
		for (size_t s = 0; s < NSIZES; s++) {
			uint32_t n = sizes[s];
			struct nfqlb_addr *a = xcalloc(n, sizeof(*a));
			struct nfqlb_addr *keys = xcalloc(n, sizeof(*keys));
			uint32_t *idx = xcalloc(n, sizeof(*idx));
			uint32_t *sorted = xcalloc(n, sizeof(*sorted));

			make_addrs(a, n, (enum pattern)p);
			shuffle(idx, n);
			for (uint32_t i = 0; i < n; i++) {
				keys[i] = a[idx[i]];
				sorted[i] = a[i].v4.s_addr;
			}
			qsort(sorted, n, sizeof(*sorted), cmp_u32);
			bs_ns[p][s] = time_lookup(NULL, sorted, keys, n);

			for (size_t g = 0; g < NGWS; g++) {
				struct balance *b;
				double as_ns, lk_ns;
				size_t bytes;

				as_ns = time_assign(a, n, gws[g], &b);
				lk_ns = time_lookup(b, NULL, keys, n);
				look_ns[p][g][s] = lk_ns;
				bytes = balance_table_bytes(b);
				printf("%-10s %8" PRIu32 " %4u | %9.1f %8.1f | "
				       "%9.1f %8.1f | %9.1f %7.2fx | %9zu "
				       "%8.1f\n",
				       pat_name[p], n, gws[g], as_ns,
				       1e3 / as_ns, lk_ns, 1e3 / lk_ns,
				       bs_ns[p][s], bs_ns[p][s] / lk_ns,
				       bytes, (double)bytes / n);
				balance_free(b);
			}
			free(sorted);
			free(idx);
			free(keys);
			free(a);
		}
	}

	printf("\nlookup scaling, ns/op at 1M clients / ns/op at 1k "
	       "clients (1.00 = flat):\n");
	for (int p = 0; p < NPAT; p++) {
		printf("  %-10s", pat_name[p]);
		for (size_t g = 0; g < NGWS; g++)
			printf("  hash %2u gws: %5.2f", gws[g],
			       look_ns[p][g][NSIZES - 1] / look_ns[p][g][0]);
		printf("  bsearch: %5.2f\n",
		       bs_ns[p][NSIZES - 1] / bs_ns[p][0]);
	}
	printf("\nchecksum %" PRIu64 ", total %.1f s\n", checksum,
	       now_s() - t_start);
	return 0;
}
