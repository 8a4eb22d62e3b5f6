// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bindlat - latency of the login path: N binds of distinct client
 * addresses, each timed with CLOCK_MONOTONIC, then p50, p99, max and
 * binds per second.  libc only.
 *
 *   bindlat -m MODE -a FIRST_IP [-s SOCKET] [-n N] [-T SECS] [-w DEPTH]
 *           [-l LABEL] [-R] [-q] [-- COMMAND ARG...]
 *
 * Bind i (0 <= i < N) is for address FIRST_IP + i.  Modes:
 *
 *   conn     one connection per bind, as a hook would: socket, connect,
 *            "bind IP\n", read the answer, close
 *   persist  one connection, one request at a time (sustained rate)
 *   pipe     one connection, DEPTH requests in flight (answers come in
 *            order; each request is timed from its write to its answer)
 *   exec     fork and exec COMMAND per bind and wait for it, as
 *            coova-chilli runs its conup hook: "@IP@" in an argument is
 *            replaced by the address, FRAMED_IP_ADDRESS and
 *            CALLING_STATION_ID are set in its environment, its stdout
 *            goes to /dev/null; exit status 0 is a bind
 *
 * In the socket modes an answer "OK 1" whose record says new=1 counts as
 * a new bind; anything else is counted and the first one shown.  With
 * -R every address bound is released afterwards over one connection,
 * untimed, so that the daemon is left as it was.  Stops after N binds or
 * SECS seconds (default 30), whichever comes first.
 *
 * Output, one line (err: the binds that failed; binds_per_s: ok binds
 * per second of the whole run):
 *   bindlat label=L mode=M n=DONE ok=K new=W err=E p50_us= p99_us=
 *           max_us= mean_us= binds_per_s= secs=
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN	1100
#define MAX_DEPTH	256

enum mode { M_CONN, M_PERSIST, M_PIPE, M_EXEC };

/* A connection and what has been read from it but not yet parsed. */
struct conn {
	int fd;
	size_t len;
	char buf[65536];
};

static const char *sock_path = "/run/nfqlb/nfqlbd.sock";
static char first_err[256];
static unsigned long n_err;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bindlat -m conn|persist|pipe|exec -a FIRST_IP [-s SOCKET] [-n N]\n"
		"               [-T SECS] [-w DEPTH] [-l LABEL] [-R] [-q] [-- COMMAND ARG...]\n");
	exit(2);
}

static unsigned long num(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "bindlat: bad number \"%s\" (%lu..%lu)\n", s, min, max);
		exit(2);
	}
	return v;
}

static double seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0 && v <= 3600)) {
		fprintf(stderr, "bindlat: bad time \"%s\" (seconds, 0..3600)\n", s);
		exit(2);
	}
	return v;
}

static void note_err(const char *what)
{
	n_err++;
	if (!first_err[0])
		snprintf(first_err, sizeof(first_err), "%.200s", what);
}

static void addr_str(uint32_t a, char *s, size_t len)
{
	struct in_addr in = { .s_addr = htonl(a) };

	inet_ntop(AF_INET, &in, s, (socklen_t)len);
}

static int conn_open(struct conn *c)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* One line (without its NL) into line; -1 on EOF or an error. */
static int read_line(struct conn *c, char *line, size_t size)
{
	char *nl;
	ssize_t r;
	size_t ll;

	for (;;) {
		nl = memchr(c->buf, '\n', c->len);
		if (nl) {
			ll = (size_t)(nl - c->buf);
			snprintf(line, size, "%.*s", (int)ll, c->buf);
			memmove(c->buf, nl + 1, c->len - ll - 1);
			c->len -= ll + 1;
			return 0;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->len += (size_t)r;
	}
}

/*
 * One whole answer.  1 for "OK" whose records say new=1, 0 for another
 * "OK", -1 for "ERR", -2 for a broken connection (both counted as
 * errors).
 */
static int read_answer(struct conn *c)
{
	char line[LINE_MAX_LEN];
	unsigned long i, n;
	int isnew = 0;

	if (read_line(c, line, sizeof(line))) {
		note_err("connection closed before an answer");
		return -2;
	}
	if (strncmp(line, "OK ", 3)) {
		note_err(line);
		return -1;
	}
	n = strtoul(line + 3, NULL, 10);
	for (i = 0; i < n; i++) {
		if (read_line(c, line, sizeof(line))) {
			note_err("connection closed inside an answer");
			return -2;
		}
		if (strstr(line, " new=1"))
			isnew = 1;
	}
	return isnew;
}

static size_t req_fmt(char *buf, size_t size, const char *verb, uint32_t a)
{
	char s[INET_ADDRSTRLEN];
	int n;

	addr_str(a, s, sizeof(s));
	n = snprintf(buf, size, "%s %s\n", verb, s);
	return n > 0 ? (size_t)n : 0;
}

/* Run argv with "@IP@" replaced, wait for it; its exit status. */
static int run_cmd(char **argv, int argc, uint32_t a)
{
	char s[INET_ADDRSTRLEN], mac[32];
	char *args[64];
	pid_t pid;
	int i, st, fd;

	addr_str(a, s, sizeof(s));
	snprintf(mac, sizeof(mac), "02-00-%02X-%02X-%02X-%02X", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
	for (i = 0; i < argc && i < 63; i++)
		args[i] = strcmp(argv[i], "@IP@") ? argv[i] : s;
	args[i] = NULL;
	setenv("FRAMED_IP_ADDRESS", s, 1);
	setenv("CALLING_STATION_ID", mac, 1);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execv(args[0], args);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p % of them <= it. */
static double pct_us(const uint64_t *v, unsigned long n, unsigned p)
{
	unsigned long k;

	if (!n)
		return 0;
	k = (n * p + 99) / 100;
	if (k)
		k--;
	return (double)v[k] / 1e3;
}

/*
 * Release first .. first + n - 1 over one connection, 32 requests in
 * flight; -1 if the connection fails (an ERR answer is only counted).
 */
static int release_all(uint32_t first, unsigned long n)
{
	static struct conn c;
	char req[64 * 32];
	unsigned long i, k, batch;
	size_t len;

	if (conn_open(&c))
		return -1;
	for (i = 0; i < n; i += batch) {
		batch = n - i < 32 ? n - i : 32;
		for (k = 0, len = 0; k < batch; k++)
			len += req_fmt(req + len, sizeof(req) - len, "release",
				       first + (uint32_t)(i + k));
		if (write_all(c.fd, req, len))
			goto fail;
		for (k = 0; k < batch; k++)
			if (read_answer(&c) == -2)
				goto fail;
	}
	conn_close(&c);
	return 0;
fail:
	conn_close(&c);
	return -1;
}

/* What one measurement did: latencies and counts. */
struct result {
	uint64_t *lat;
	unsigned long done, sent, ok, nnew, err;
};

static void count(struct result *res, int r)
{
	res->ok += r >= 0;
	res->nnew += r == 1;
}

/* One bind, one connection: the time of socket, request, answer, close. */
static int bind_conn(struct conn *c, uint32_t a)
{
	char req[64];
	size_t len;
	int r;

	if (conn_open(c)) {
		note_err("connect failed");
		return -1;
	}
	len = req_fmt(req, sizeof(req), "bind", a);
	r = write_all(c->fd, req, len) ? -1 : read_answer(c);
	conn_close(c);
	return r;
}

/* One bind by a command; 1 when it exits 0. */
static int bind_exec(char **argv, int argc, uint32_t a)
{
	char what[64];
	int r = run_cmd(argv, argc, a);

	if (!r)
		return 1;
	snprintf(what, sizeof(what), "command exit status %d", r);
	note_err(what);
	return -1;
}

/* conn, persist, exec: one bind after the other until n or limit. */
static void run_seq(enum mode mode, struct conn *c, char **argv, int argc,
		    uint32_t first, unsigned long n, uint64_t limit, struct result *res)
{
	char req[64];
	uint64_t t0;
	size_t len;
	int r;

	for (res->done = 0; res->done < n && now_ns() < limit; ) {
		uint32_t a = first + (uint32_t)res->done;

		t0 = now_ns();
		if (mode == M_EXEC) {
			r = bind_exec(argv, argc, a);
		} else if (mode == M_CONN) {
			r = bind_conn(c, a);
		} else {
			len = req_fmt(req, sizeof(req), "bind", a);
			r = write_all(c->fd, req, len) ? -2 : read_answer(c);
		}
		res->lat[res->done++] = now_ns() - t0;
		count(res, r);
		if (r == -2 && mode == M_PERSIST)
			break;	/* the connection is gone */
	}
	res->sent = res->done;
}

/* pipe: up to depth requests in flight, each timed write to answer. */
static void run_pipe(struct conn *c, uint32_t first, unsigned long n,
		     unsigned long depth, uint64_t limit, struct result *res)
{
	static uint64_t sent_at[MAX_DEPTH];
	static char req[64 * MAX_DEPTH];
	unsigned long inflight = 0, from, i;
	uint64_t t0;
	size_t len;
	int r;

	res->done = res->sent = 0;
	while (res->done < n) {
		from = res->sent;
		len = 0;
		while (inflight < depth && res->sent < n && now_ns() < limit) {
			len += req_fmt(req + len, sizeof(req) - len, "bind",
				       first + (uint32_t)res->sent);
			res->sent++;
			inflight++;
		}
		if (len) {
			t0 = now_ns();
			for (i = from; i < res->sent; i++)
				sent_at[i % MAX_DEPTH] = t0;
			if (write_all(c->fd, req, len)) {
				note_err("write failed");
				break;
			}
		}
		if (!inflight)
			break;
		r = read_answer(c);
		res->lat[res->done] = now_ns() - sent_at[res->done % MAX_DEPTH];
		res->done++;
		inflight--;
		count(res, r);
		if (r == -2)
			break;	/* the connection is gone */
	}
}

static void report(const char *label, const char *mname, struct result *res, double el)
{
	uint64_t *lat = res->lat, sum = 0;
	unsigned long i, done = res->done;

	for (i = 0; i < done; i++)
		sum += lat[i];
	qsort(lat, done, sizeof(*lat), cmp_u64);
	printf("bindlat label=%s mode=%s n=%lu ok=%lu new=%lu err=%lu p50_us=%.1f p99_us=%.1f "
	       "max_us=%.1f mean_us=%.1f binds_per_s=%.0f secs=%.3f\n",
	       label, mname, done, res->ok, res->nnew, res->err, pct_us(lat, done, 50),
	       pct_us(lat, done, 99), done ? (double)lat[done - 1] / 1e3 : 0,
	       done ? (double)sum / (double)done / 1e3 : 0,
	       el > 0 ? (double)res->ok / el : 0, el);
}

int main(int argc, char **argv)
{
	static struct conn c = { .fd = -1 };
	enum mode mode = M_PERSIST;
	const char *label = "-", *mname = "persist";
	unsigned long n = 20000, depth = 32;
	int ch, release = 0, quiet = 0, have_first = 0;
	struct result res = { 0 };
	uint64_t start, limit;
	struct in_addr in;
	uint32_t first = 0;
	double el, secs = 30;

	while ((ch = getopt(argc, argv, "m:a:s:n:T:w:l:Rq")) != -1) {
		switch (ch) {
		case 'm':
			mname = optarg;
			if (!strcmp(optarg, "conn"))
				mode = M_CONN;
			else if (!strcmp(optarg, "persist"))
				mode = M_PERSIST;
			else if (!strcmp(optarg, "pipe"))
				mode = M_PIPE;
			else if (!strcmp(optarg, "exec"))
				mode = M_EXEC;
			else
				usage();
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &in) != 1)
				usage();
			first = ntohl(in.s_addr);
			have_first = 1;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'n':
			n = num(optarg, 1, 10000000);
			break;
		case 'T':
			secs = seconds(optarg);
			break;
		case 'w':
			depth = num(optarg, 1, MAX_DEPTH);
			break;
		case 'l':
			label = optarg;
			break;
		case 'R':
			release = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (!have_first || (mode == M_EXEC) != (optind < argc))
		usage();
	if ((uint64_t)first + n > 0xffffffffull) {
		fprintf(stderr, "bindlat: FIRST_IP + N overflows\n");
		return 2;
	}
	res.lat = calloc(n, sizeof(*res.lat));
	if (!res.lat) {
		perror("bindlat: calloc");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((mode == M_PERSIST || mode == M_PIPE) && conn_open(&c)) {
		fprintf(stderr, "bindlat: connect %s: %s\n", sock_path, strerror(errno));
		return 1;
	}
	start = now_ns();
	limit = start + (uint64_t)(secs * 1e9);
	if (mode == M_PIPE)
		run_pipe(&c, first, n, depth, limit, &res);
	else
		run_seq(mode, &c, argv + optind, argc - optind, first, n, limit, &res);
	el = (double)(now_ns() - start) / 1e9;
	res.err = n_err;
	conn_close(&c);
	if (release && release_all(first, res.sent)) {
		fprintf(stderr, "bindlat: release: the connection to %s failed\n", sock_path);
		return 1;
	}
	if (n_err)
		fprintf(stderr, "bindlat %s: %lu errors, first: %s\n", label, n_err, first_err);
	if (!quiet)
		report(label, mname, &res, el);
	free(res.lat);
	return quiet && n_err ? 1 : 0;
}
