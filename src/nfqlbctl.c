// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlbctl - the administrator's CLI: speaks nfqlbd's control
 * protocol (control.h) and prints tables for people, JSON for scripts.
 *
 * Exit status tells the kind of failure, so hooks and scripts can act
 * on it: see the EXIT_* values below and nfqlbctl(8).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "control.h"

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* the daemon failed internally */
	EXIT_USAGE = 2,		/* bad command line or request */
	EXIT_NOTRUNNING = 3,	/* cannot reach the daemon */
	EXIT_PERM = 4,		/* not allowed to change state */
	EXIT_NOTFOUND = 5,	/* no such gateway */
	EXIT_INVALID = 6,	/* a bad address, weight, name... */
	EXIT_BUSY = 7,		/* table full, no gateway, timeout */
};

#define MAX_RECORDS_FIELDS 32

static int opt_json;
static int opt_timeout = 5;
static const char *opt_socket;

static void usage(void)
{
	fprintf(stderr,
		"usage: nfqlbctl [-j] [-s socket] [-t seconds] command [args]\n"
		"commands:\n"
		"  list [GATEWAY]                     client bindings\n"
		"  gateways                           gateways, weights, states, clients\n"
		"  status | stats                     counters\n"
		"  bind IP [--mac MAC] [--user NAME] [--session ID]\n"
		"  release IP\n"
		"  weight GATEWAY N                   0..1000000 (0 drains)\n"
		"  drain GATEWAY\n"
		"  gateway add NAME ADDRESS INTERFACE [WEIGHT]\n"
		"  gateway del NAME\n"
		"  rebalance                          move clients to restore the weighted shares\n"
		"  reload                             re-read the configuration\n"
		"  repair                             put back what nfqlbd owns in the kernel, now\n"
		"  version\n"
		"  raw WORD...                        send one request line as is\n"
		"options:\n"
		"  -j, --json       JSON output\n"
		"  -s, --socket P   control socket (default $NFQLB_SOCKET or "
		CONF_DEFAULT_SOCKET ")\n"
		"  -t, --timeout S  seconds to wait for the daemon (default 5)\n");
	exit(EXIT_USAGE);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("nfqlbctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* ---- request building ---- */

struct req {
	char line[CONTROL_MAX_LINE + 2];
	size_t len;
};

static void req_word(struct req *r, const char *w)
{
	int n;

	n = snprintf(r->line + r->len, sizeof(r->line) - r->len, "%s%s",
		     r->len ? " " : "", w);
	if (n < 0 || (size_t)n >= sizeof(r->line) - r->len)
		die(EXIT_USAGE, "request longer than %d bytes", CONTROL_MAX_LINE);
	r->len += (size_t)n;
}

static void req_kv(struct req *r, const char *key, const char *value)
{
	char esc[CONTROL_MAX_LINE + 1], w[2 * CONTROL_MAX_LINE];

	if (strlen(value) * 3 >= sizeof(esc))
		die(EXIT_USAGE, "%s is too long: %.40s...", key, value);
	control_escape(value, esc, sizeof(esc));
	snprintf(w, sizeof(w), "%s=%s", key, esc);
	req_word(r, w);
}

/* Plain words of the command line must not smuggle in a second request. */
static void req_arg(struct req *r, const char *w)
{
	const char *p;

	if (!*w)
		die(EXIT_USAGE, "empty argument");
	for (p = w; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			die(EXIT_USAGE, "argument \"%s\" has a space or control character", w);
	req_word(r, w);
}

/* ---- talking to the daemon ---- */

static int connect_daemon(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(opt_socket) >= sizeof(sun.sun_path))
		die(EXIT_USAGE, "socket path too long: %s", opt_socket);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", opt_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(EXIT_ERROR, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			die(EXIT_PERM, "cannot connect to %s: %s (ask an administrator "
			    "to add you to nfqlbd's control group)", opt_socket, strerror(e));
		die(EXIT_NOTRUNNING, "cannot connect to %s: %s (is nfqlbd running?)",
		    opt_socket, strerror(e));
	}
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EXIT_NOTRUNNING, "writing to %s: %s", opt_socket, strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

/* The whole answer, read until its last record (bounded by the timeout). */
static char *read_answer(int fd, size_t *len_out)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *nl;
	long want = -1, got = 0;
	time_t deadline = time(NULL) + opt_timeout;

	if (!buf)
		die(EXIT_ERROR, "out of memory");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int left = (int)(deadline - time(NULL));

		/* Count complete lines: the first says how many follow. */
		if (want < 0 && memchr(buf, '\n', len))
			want = strncmp(buf, "OK ", 3) ? 0 : strtol(buf + 3, NULL, 10);
		if (want >= 0) {
			char *s = (char *)memchr(buf, '\n', len) + 1;

			for (got = 0; got < want && (nl = memchr(s, '\n', len - (size_t)(s - buf))); got++)
				s = nl + 1;
			if (got == want) {
				*len_out = (size_t)(s - buf);
				buf[*len_out] = '\0';
				return buf;
			}
		}
		if (left <= 0 || poll(&p, 1, left * 1000) <= 0)
			die(EXIT_BUSY, "no answer from nfqlbd within %d s", opt_timeout);
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die(EXIT_ERROR, "out of memory");
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die(EXIT_ERROR, "nfqlbd closed the connection mid-answer");
		len += (size_t)n;
	}
}

/* ---- output ---- */

struct record {
	int n;
	char *key[MAX_RECORDS_FIELDS];
	char *val[MAX_RECORDS_FIELDS];
};

static void parse_record(char *line, struct record *rec)
{
	char *save = NULL, *w;

	rec->n = 0;
	for (w = strtok_r(line, " ", &save); w && rec->n < MAX_RECORDS_FIELDS;
	     w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (control_unescape(eq + 1))
			continue;
		rec->key[rec->n] = w;
		rec->val[rec->n] = eq + 1;
		rec->n++;
	}
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int is_number(const char *s)
{
	const char *p = s;
	int dot = 0;

	if (!*p || (*p == '0' && p[1] && p[1] != '.'))
		return 0;
	for (; *p; p++) {
		if (*p == '.' && !dot && p != s && p[1])
			dot = 1;
		else if (*p < '0' || *p > '9')
			return 0;
	}
	return 1;
}

/* Keys whose values are text even when they look like numbers. */
static int text_key(const char *k)
{
	static const char *const keys[] = {
		"client", "gateway", "mac", "user", "session", "name", "address",
		"interface", "state", "health", "loss", "mark", "version", "reloaded",
		"removed", "missing", NULL
	};
	const char *const *p;

	for (p = keys; *p; p++)
		if (!strcmp(*p, k))
			return 1;
	return 0;
}

static void json_record(const struct record *r)
{
	int i;

	putchar('{');
	for (i = 0; i < r->n; i++) {
		if (i)
			putchar(',');
		json_string(r->key[i]);
		putchar(':');
		if (!strcmp(r->val[i], "-"))
			fputs("null", stdout);
		else if (!text_key(r->key[i]) && is_number(r->val[i]))
			fputs(r->val[i], stdout);
		else
			json_string(r->val[i]);
	}
	putchar('}');
}

/* Index of key in r, or -1. */
static int field(const struct record *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return i;
	return -1;
}

/*
 * A table of the columns cols (NULL: every field of the first record),
 * headed by the keys in capitals; no trailing blanks.
 */
static void print_table(struct record *recs, long n, const char *const *cols)
{
	const char *key[MAX_RECORDS_FIELDS];
	int w[MAX_RECORDS_FIELDS] = { 0 }, nc = 0, i, f;
	long k;

	if (!n)
		return;
	if (cols) {
		for (; *cols && nc < MAX_RECORDS_FIELDS; cols++)
			key[nc++] = *cols;
	} else {
		for (i = 0; i < recs[0].n; i++)
			key[nc++] = recs[0].key[i];
	}
	for (i = 0; i < nc; i++)
		w[i] = (int)strlen(key[i]);
	for (k = 0; k < n; k++)
		for (i = 0; i < nc; i++)
			if ((f = field(&recs[k], key[i])) >= 0 &&
			    (int)strlen(recs[k].val[f]) > w[i])
				w[i] = (int)strlen(recs[k].val[f]);
	for (i = 0; i < nc; i++) {
		const char *p;

		for (p = key[i]; *p; p++)
			putchar(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		printf("%*s", i + 1 < nc ? w[i] - (int)strlen(key[i]) + 2 : 0, "");
	}
	putchar('\n');
	for (k = 0; k < n; k++) {
		for (i = 0; i < nc; i++) {
			const char *v = (f = field(&recs[k], key[i])) >= 0 ?
					recs[k].val[f] : "-";

			if (i + 1 < nc)
				printf("%-*s  ", w[i], v);
			else
				printf("%s", v);
		}
		putchar('\n');
	}
}

static void print_vertical(const struct record *r)
{
	int i, w = 0;

	for (i = 0; i < r->n; i++)
		if ((int)strlen(r->key[i]) > w)
			w = (int)strlen(r->key[i]);
	for (i = 0; i < r->n; i++)
		printf("%-*s  %s\n", w, r->key[i], r->val[i]);
}

static int err_kind_exit(const char *kind)
{
	static const struct { const char *k; int code; } map[] = {
		{ "usage", EXIT_USAGE }, { "invalid", EXIT_INVALID },
		{ "notfound", EXIT_NOTFOUND }, { "perm", EXIT_PERM },
		{ "busy", EXIT_BUSY }, { "internal", EXIT_ERROR },
	};
	unsigned i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(kind, map[i].k, strlen(map[i].k)) &&
		    (kind[strlen(map[i].k)] == ' ' || !kind[strlen(map[i].k)]))
			return map[i].code;
	return EXIT_ERROR;
}

/* Print the answer; returns the exit status. */
static int show(char *ans, int as_list, const char *const *cols)
{
	struct record *recs;
	char *line, *save = NULL;
	long n, k = 0;

	line = strtok_r(ans, "\n", &save);
	if (!line)
		die(EXIT_ERROR, "empty answer from nfqlbd");
	if (!strncmp(line, "ERR ", 4)) {
		char *msg = strchr(line + 4, ' ');

		fprintf(stderr, "nfqlbctl: %s\n", msg ? msg + 1 : line + 4);
		return err_kind_exit(line + 4);
	}
	n = strtol(line + 3, NULL, 10);
	recs = calloc((size_t)(n ? n : 1), sizeof(*recs));
	if (!recs)
		die(EXIT_ERROR, "out of memory");
	while (k < n && (line = strtok_r(NULL, "\n", &save)))
		parse_record(line, &recs[k++]);
	if (opt_json) {
		if (as_list)
			putchar('[');
		for (long i = 0; i < k; i++) {
			if (i)
				putchar(',');
			json_record(&recs[i]);
		}
		if (as_list)
			putchar(']');
		else if (!k)
			fputs("{}", stdout);
		putchar('\n');
	} else if (as_list) {
		print_table(recs, k, cols);
	} else if (k) {
		print_vertical(&recs[0]);
	}
	free(recs);
	return EXIT_OK;
}

static int need(int argc, int min, int max, const char *what)
{
	if (argc < min || argc > max)
		die(EXIT_USAGE, "usage: nfqlbctl %s", what);
	return 0;
}

/* The human table of gateways (--json has every field). */
static const char *const gateway_cols[] = {
	"name", "address", "interface", "weight", "state", "clients",
	"client_share", "weight_share", "rtt_ms", "loss", NULL
};

/* Build the request for argv; *as_list and *cols tell how to print it. */
static void build(int argc, char **argv, struct req *r, int *as_list,
		  const char *const **cols)
{
	const char *cmd = argv[0];
	int i;

	*as_list = 0;
	*cols = NULL;
	if (!strcmp(cmd, "list")) {
		need(argc, 1, 2, "list [GATEWAY]");
		req_word(r, "list");
		if (argc == 2)
			req_kv(r, "gateway", argv[1]);
		*as_list = 1;
	} else if (!strcmp(cmd, "gateways")) {
		need(argc, 1, 1, "gateways");
		req_word(r, "gateways");
		*as_list = 1;
		*cols = gateway_cols;
	} else if (!strcmp(cmd, "status") || !strcmp(cmd, "stats") ||
		   !strcmp(cmd, "reload") || !strcmp(cmd, "version") ||
		   !strcmp(cmd, "rebalance") || !strcmp(cmd, "repair")) {
		need(argc, 1, 1, cmd);
		req_word(r, cmd);
	} else if (!strcmp(cmd, "bind")) {
		need(argc, 2, 8, "bind IP [--mac MAC] [--user NAME] [--session ID]");
		req_word(r, "bind");
		req_arg(r, argv[1]);
		for (i = 2; i < argc; i++) {
			const char *k = argv[i];

			if (!strcmp(k, "--mac") || !strcmp(k, "--user") ||
			    !strcmp(k, "--session")) {
				if (i + 1 >= argc)
					die(EXIT_USAGE, "%s needs a value", k);
				if (*argv[i + 1])	/* chilli may give an empty one */
					req_kv(r, k + 2, argv[i + 1]);
				i++;
			} else {
				die(EXIT_USAGE, "bind: unknown option \"%s\"", k);
			}
		}
	} else if (!strcmp(cmd, "release")) {
		need(argc, 2, 2, "release IP");
		req_word(r, "release");
		req_arg(r, argv[1]);
	} else if (!strcmp(cmd, "weight")) {
		need(argc, 3, 3, "weight GATEWAY N");
		req_word(r, "weight");
		req_arg(r, argv[1]);
		req_arg(r, argv[2]);
	} else if (!strcmp(cmd, "drain")) {
		need(argc, 2, 2, "drain GATEWAY");
		req_word(r, "drain");
		req_arg(r, argv[1]);
	} else if (!strcmp(cmd, "gateway") && argc >= 2 && !strcmp(argv[1], "add")) {
		need(argc, 5, 6, "gateway add NAME ADDRESS INTERFACE [WEIGHT]");
		req_word(r, "gateway add");
		req_kv(r, "name", argv[2]);
		req_kv(r, "address", argv[3]);
		req_kv(r, "interface", argv[4]);
		if (argc == 6)
			req_kv(r, "weight", argv[5]);
	} else if (!strcmp(cmd, "gateway") && argc >= 2 && !strcmp(argv[1], "del")) {
		need(argc, 3, 3, "gateway del NAME");
		req_word(r, "gateway del");
		req_arg(r, argv[2]);
	} else if (!strcmp(cmd, "raw")) {
		need(argc, 2, CONTROL_MAX_ARGS + 1, "raw WORD...");
		for (i = 1; i < argc; i++)
			req_arg(r, argv[i]);
		*as_list = 1;
	} else {
		die(EXIT_USAGE, "unknown command \"%s\" (nfqlbctl -h lists them)", cmd);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct req r = { .len = 0 };
	const char *const *cols;
	int ch, as_list, fd, rc;
	size_t len;
	char *ans, *end;

	opt_socket = getenv("NFQLB_SOCKET");
	if (!opt_socket || !*opt_socket)
		opt_socket = CONF_DEFAULT_SOCKET;
	/* "+": stop at the command, so "bind IP --mac X" reaches build(). */
	while ((ch = getopt_long(argc, argv, "+js:t:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': opt_json = 1; break;
		case 's': opt_socket = optarg; break;
		case 't':
			opt_timeout = (int)strtol(optarg, &end, 10);
			if (*end || opt_timeout < 1 || opt_timeout > 3600)
				die(EXIT_USAGE, "-t wants seconds from 1 to 3600, not \"%s\"", optarg);
			break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	build(argc - optind, argv + optind, &r, &as_list, &cols);
	r.line[r.len++] = '\n';
	fd = connect_daemon();
	send_all(fd, r.line, r.len);
	shutdown(fd, SHUT_WR);
	ans = read_answer(fd, &len);
	close(fd);
	rc = show(ans, as_list, cols);
	free(ans);
	return rc;
}
