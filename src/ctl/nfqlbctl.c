// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlbctl - the administrator's CLI: speaks nfqlbd's control
 * protocol (control.h) and prints tables for people, JSON for scripts.
 *
 * Exit status tells the kind of failure, so hooks and scripts can act
 * on it: see the EXIT_* values below and nfqlbctl(8).
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <json-c/json.h>

#include "conf/conf.h"
#include "core/proto.h"
#include "core/synclist.h"
#include "core/utf8.h"
#include "core/records.h"

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

#define MAX_RECORDS_FIELDS RECORDS_MAX_FIELDS

static int utf8_term;		/* the locale's charset is UTF-8 */

#define term_escape(s)		records_term_escape((s), utf8_term)
#define display_width(s)	records_display_width(s)
#define json_record(r)		records_json(r)
#define parse_record(l, r)	records_parse((l), (r))
#define NFQLBCTL_SCHEMA		RECORDS_SCHEMA

static int opt_json;
static int opt_timeout = 5;
static const char *opt_socket;

static void usage(FILE *f, int code) __attribute__((noreturn));
static void usage(FILE *f, int code)
{
	fprintf(f,
		"usage: nfqlbctl [-j] [-s socket] [-t seconds] command [args]\n"
		"commands:\n"
		"  list [GATEWAY]                     client bindings\n"
		"  gateways                           gateways, weights, states, clients\n"
		"  status | stats                     counters\n"
		"  bind IP [--mac MAC] [--user NAME] [--session ID]\n"
		"  release IP\n"
		"  weight GATEWAY N                   0..1000000 (0 drains)\n"
		"  drain GATEWAY\n"
		"  gateway add NAME ADDRESS|dhcp|- INTERFACE [WEIGHT]\n"
		"  gateway del NAME\n"
		"  rebalance                          move clients to restore the weighted shares\n"
		"  reload                             re-read the configuration\n"
		"  repair                             put back what nfqlbd owns in the kernel, now\n"
		"  version\n"
		"  sync                               make the bindings match stdin's list of\n"
		"                                     logged-in clients: IP [mac=M] [user=U] [session=S]\n"
		"  ha fingerprint|status|refresh     HA pair: what must match, learning, forget stale\n"
		"  adopt-conntrack                    learn bindings from the conntrack table now\n"
		"  raw WORD...                        send one request line as is\n"
		"options:\n"
		"  -j, --json       JSON output\n"
		"  -s, --socket P   control socket (default $NFQLB_SOCKET or "
		CONF_DEFAULT_SOCKET ")\n"
		"  -t, --timeout S  seconds to wait for the daemon (default 5)\n"
		"  -h, --help       this help\n"
		"  -V, --version    nfqlbctl's version (no daemon needed)\n");
	exit(code);
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

/* -1 (r unchanged) if w does not fit in one request. */
static int req_try_word(struct req *r, const char *w)
{
	int n;

	n = snprintf(r->line + r->len, sizeof(r->line) - r->len, "%s%s",
		     r->len ? " " : "", w);
	if (n < 0 || (size_t)n >= sizeof(r->line) - r->len) {
		r->line[r->len] = '\0';
		return -1;
	}
	r->len += (size_t)n;
	return 0;
}

static void req_word(struct req *r, const char *w)
{
	if (req_try_word(r, w))
		die(EXIT_USAGE, "request longer than %d bytes", CONTROL_MAX_LINE);
}

/* -1 if the escaped value does not fit in one request. */
static int req_try_kv(struct req *r, const char *key, const char *value)
{
	char esc[CONTROL_MAX_LINE + 1], w[2 * CONTROL_MAX_LINE];

	if (strlen(value) * 3 >= sizeof(esc))
		return -1;
	proto_escape(value, esc, sizeof(esc));
	snprintf(w, sizeof(w), "%s=%s", key, esc);
	return req_try_word(r, w);
}

static void req_kv(struct req *r, const char *key, const char *value)
{
	if (req_try_kv(r, key, value))
		die(EXIT_USAGE, "%s is too long: %.40s...", key, value);
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

static void put_padded(const char *s, int width)
{
	fputs(s, stdout);
	for (width -= display_width(s); width > 0; width--)
		putchar(' ');
}

static void json_print(struct json_object *j)
{
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
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

/* Keys holding Unix seconds: shown as local ISO 8601 time in tables. */
static int time_key(const char *k)
{
	return !strcmp(k, "since") || !strcmp(k, "state_since");
}

/* A value as a table shows it: escaped, times as ISO 8601; new string. */
static char *cell(const char *key, const char *v)
{
	char buf[64], *end;
	struct tm tm;
	time_t t;

	if (time_key(key)) {
		errno = 0;
		t = (time_t)strtoll(v, &end, 10);
		if (*v && !*end && !errno && localtime_r(&t, &tm) &&
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm))
			return strdup(buf);
	}
	return term_escape(v);
}

/*
 * A table of the columns cols (NULL: every field of the first record),
 * headed by the keys in capitals, aligned by display width; the header
 * even with no record; no trailing blanks.
 */
static void print_table(struct record *recs, long n, const char *const *cols)
{
	const char *key[MAX_RECORDS_FIELDS];
	int w[MAX_RECORDS_FIELDS] = { 0 }, nc = 0, i, f;
	char **cells;
	long k;

	if (cols) {
		for (; *cols && nc < MAX_RECORDS_FIELDS; cols++)
			key[nc++] = *cols;
	} else if (n) {
		for (i = 0; i < recs[0].n; i++)
			key[nc++] = recs[0].key[i];
	}
	if (!nc)
		return;
	cells = calloc((size_t)(n ? n : 1) * (size_t)nc, sizeof(*cells));
	if (!cells)
		die(EXIT_ERROR, "out of memory");
	for (i = 0; i < nc; i++) {
		cells[i] = term_escape(key[i]);
		w[i] = display_width(cells[i]);
		free(cells[i]);
	}
	for (k = 0; k < n; k++)
		for (i = 0; i < nc; i++) {
			char **c = &cells[k * nc + i];

			f = field(&recs[k], key[i]);
			*c = f >= 0 ? cell(key[i], recs[k].val[f]) : strdup("-");
			if (!*c)
				die(EXIT_ERROR, "out of memory");
			if (display_width(*c) > w[i])
				w[i] = display_width(*c);
		}
	for (i = 0; i < nc; i++) {
		char *h = term_escape(key[i]), *p;

		for (p = h; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
		if (i + 1 < nc)
			put_padded(h, w[i] + 2);
		else
			fputs(h, stdout);
		free(h);
	}
	putchar('\n');
	for (k = 0; k < n; k++) {
		for (i = 0; i < nc; i++) {
			if (i + 1 < nc)
				put_padded(cells[k * nc + i], w[i] + 2);
			else
				fputs(cells[k * nc + i], stdout);
			free(cells[k * nc + i]);
		}
		putchar('\n');
	}
	free(cells);
}

static void print_vertical(const struct record *r)
{
	int i, w = 0;
	char *k, *v;

	for (i = 0; i < r->n; i++) {
		k = term_escape(r->key[i]);
		if (display_width(k) > w)
			w = display_width(k);
		free(k);
	}
	for (i = 0; i < r->n; i++) {
		k = term_escape(r->key[i]);
		v = cell(r->key[i], r->val[i]);
		put_padded(k, w + 2);
		puts(v);
		free(k);
		free(v);
	}
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
		char *msg = strchr(line + 4, ' '), *esc;

		esc = term_escape(msg ? msg + 1 : line + 4);
		fprintf(stderr, "nfqlbctl: %s\n", esc);
		free(esc);
		return err_kind_exit(line + 4);
	}
	n = strtol(line + 3, NULL, 10);
	recs = calloc((size_t)(n ? n : 1), sizeof(*recs));
	if (!recs)
		die(EXIT_ERROR, "out of memory");
	while (k < n && (line = strtok_r(NULL, "\n", &save)))
		parse_record(line, &recs[k++]);
	if (opt_json) {
		struct json_object *j;

		if (as_list) {
			j = json_object_new_array();
			for (long i = 0; i < k; i++)
				json_object_array_add(j, json_record(&recs[i]));
		} else if (k) {
			j = json_record(&recs[0]);
		} else {
			j = json_object_new_object();
			json_object_object_add(j, "schema",
					       json_object_new_int(NFQLBCTL_SCHEMA));
		}
		json_print(j);
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
	"client_share", "weight_share", "tx_packets", "tx_bytes", "rtt_ms",
	"loss", "rtt_avg_ms", "rtt_dev_ms", "changes", "state_age", "rate_down",
	"rate_up", "utilization", NULL
};

static const char *const list_cols[] = {
	"client", "gateway", "since", "mac", "user", "session", "rx_bytes",
	"tx_bytes", "rate_down", "rate_up", NULL
};

static int req_user(struct req *r, const char *user, const char *ip);

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
		*cols = list_cols;
	} else if (!strcmp(cmd, "gateways")) {
		need(argc, 1, 1, "gateways");
		req_word(r, "gateways");
		*as_list = 1;
		*cols = gateway_cols;
	} else if (!strcmp(cmd, "status") || !strcmp(cmd, "stats") ||
		   !strcmp(cmd, "reload") || !strcmp(cmd, "version") ||
		   !strcmp(cmd, "rebalance") || !strcmp(cmd, "adopt-conntrack") ||
		   !strcmp(cmd, "repair")) {
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
				if (!*argv[i + 1])	/* chilli may give an empty one */
					;
				else if (!strcmp(k, "--user")) {
					if (req_user(r, argv[i + 1], argv[1]))
						die(EXIT_USAGE, "user is too long: %.40s...",
						    argv[i + 1]);
				} else
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
		/* "-": none, a point-to-point link; "dhcp": learned. */
		if (strcmp(argv[3], "-"))
			req_kv(r, "address", argv[3]);
		req_kv(r, "interface", argv[4]);
		if (argc == 6)
			req_kv(r, "weight", argv[5]);
	} else if (!strcmp(cmd, "gateway") && argc >= 2 && !strcmp(argv[1], "del")) {
		need(argc, 3, 3, "gateway del NAME");
		req_word(r, "gateway del");
		req_arg(r, argv[2]);
	} else if (!strcmp(cmd, "ha")) {
		need(argc, 2, 2, "ha fingerprint|status|refresh");
		req_word(r, "ha");
		req_arg(r, argv[1]);
	} else if (!strcmp(cmd, "raw")) {
		need(argc, 2, CONTROL_MAX_ARGS + 1, "raw WORD...");
		for (i = 1; i < argc; i++)
			req_arg(r, argv[i]);
		*as_list = 1;
	} else {
		die(EXIT_USAGE, "unknown command \"%s\" (nfqlbctl -h lists them)", cmd);
	}
}

/* ---- sync: the portal's list of logged-in clients, from stdin ---- */

#define SYNC_MAX_INPUT	(64u << 20)

static char *read_stdin(size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	while (buf) {
		if (*len + 1 >= cap) {
			if (cap >= SYNC_MAX_INPUT)
				die(EXIT_USAGE, "stdin: the list is larger than %u bytes",
				    SYNC_MAX_INPUT);
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		n = read(0, buf + *len, cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_ERROR, "reading stdin: %s", strerror(errno));
		if (!n) {
			buf[*len] = '\0';
			return buf;
		}
		*len += (size_t)n;
	}
	die(EXIT_ERROR, "out of memory");
}

/* A user name longer than RADIUS's 253 bytes is cut (and said so). */
static int req_user(struct req *r, const char *user, const char *ip)
{
	char cut[CONTROL_MAX_LINE + 1];
	size_t l = strlen(user), k = utf8_cut(user, l, 253);

	if (k < l) {
		fprintf(stderr, "nfqlbctl: note: %s: user name of %zu bytes cut to %zu\n",
			ip, l, k);
		snprintf(cut, sizeof(cut), "%.*s", (int)k, user);
		user = cut;
	}
	return req_try_kv(r, "user", user);
}

/* Everything the daemon sends until it closes (bounded by the timeout). */
/*
 * Send out[0..len) and read everything the daemon answers until it
 * closes, both at once: nfqlbd stops reading a peer whose unread answers
 * pass its high-water mark (nfqlbd(8)), so a client that wrote a long
 * pipeline before reading would wait for ever.  opt_timeout is the
 * longest the daemon may make no progress.
 */
static char *exchange(int fd, const char *out, size_t len)
{
	size_t sent = 0, got = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sent < len)
			p.events |= POLLOUT;
		if (poll(&p, 1, opt_timeout * 1000) <= 0)
			die(EXIT_BUSY, "no progress from nfqlbd within %d s", opt_timeout);
		if (sent < len && (p.revents & POLLOUT)) {
			n = send(fd, out + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die(EXIT_ERROR, "writing to %s: %s", opt_socket, strerror(errno));
			if (n > 0 && (sent += (size_t)n) == len)
				shutdown(fd, SHUT_WR);
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (got + 4097 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		n = recv(fd, buf + got, cap - got - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			die(EXIT_ERROR, "reading from %s: %s", opt_socket, strerror(errno));
		if (!n) {
			buf[got] = '\0';
			return buf;
		}
		got += (size_t)n;
	}
	die(EXIT_ERROR, "out of memory");
}

/* A word the protocol can carry as one argument (no blank, no control). */
static int sync_word_ok(const char *w)
{
	const char *p;

	if (!w || !*w || strlen(w) > NFQLB_ADDRSTRLEN)
		return 0;
	for (p = w; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * One line of the list as a request in r: "sync add ID IP ..." or, for
 * a line refused here, "sync skip ID WORD" (err says why): the daemon
 * then counts it and keeps the client it names as it is (synclist.h).
 * 1: an add; 0: a skip; -1: a line to ignore (blank, comment).
 */
static int sync_line_req(struct req *r, char *line, const char *id,
			 char *err, size_t errlen)
{
	struct synclist_ent e;
	int rc = synclist_parse(line, &e, err, errlen);

	if (!rc)
		return -1;
	r->len = 0;
	if (rc > 0 && !sync_word_ok(e.ip)) {
		snprintf(err, errlen, "\"%.40s\" is not an address", e.ip);
		rc = -1;
	}
	if (rc > 0) {
		req_word(r, "sync add");
		req_word(r, id);
		req_word(r, e.ip);
		if ((e.mac && *e.mac && req_try_kv(r, "mac", e.mac)) ||
		    (e.user && *e.user && req_user(r, e.user, e.ip)) ||
		    (e.session && *e.session && req_try_kv(r, "session", e.session))) {
			snprintf(err, errlen, "longer than one request (%d bytes)",
				 CONTROL_MAX_LINE);
			rc = -1;
			r->len = 0;
		}
	}
	if (rc < 0) {
		req_word(r, "sync skip");
		req_word(r, id);
		req_word(r, sync_word_ok(e.ip) ? e.ip : "-");
	}
	r->line[r->len++] = '\n';
	return rc > 0;
}

/* The errors= of the end's answer "OK 1\nkey=v key=v ...\n" (0: none). */
static unsigned long sync_errors(const char *ans)
{
	const char *p = strstr(ans, " errors=");

	if (!p)
		p = strstr(ans, "\nerrors=");
	return p ? strtoul(p + 8, NULL, 10) : 0;
}

/*
 * sync begin, then every line of stdin as "sync add" (or "sync skip"
 * for a line refused here) and "sync end", pipelined on one connection
 * (the daemon never blocks on its answers), so that a list of 50,000
 * clients takes a fraction of a second.  Every line that is not refused
 * is applied; each refused one is named on stderr, and then the exit
 * status is EXIT_INVALID.
 */
static int cmd_sync(void)
{
	struct req r = { .len = 0 };
	size_t inlen, len, out_len = 0, out_cap = 1 << 16;
	char *in, *line, *next, *ans, *out, *p, err[160], id[32];
	unsigned *lineno, nadd = 0, cap = 1024, n = 0, i;
	unsigned long errors = 0;
	int fd, rc;

	in = read_stdin(&inlen);
	out = malloc(out_cap);
	lineno = malloc(cap * sizeof(*lineno));
	if (!out || !lineno)
		die(EXIT_ERROR, "out of memory");
	fd = connect_daemon();
	send_all(fd, "sync begin\n", 11);
	ans = read_answer(fd, &len);
	if (strncmp(ans, "OK 1\nsync=", 10) || sscanf(ans + 10, "%31[0-9]", id) != 1)
		return show(ans, 0, NULL);
	free(ans);
	for (line = in; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		rc = sync_line_req(&r, line, id, err, sizeof(err));
		if (rc < 0)
			continue;
		if (!rc) {
			char *esc = term_escape(err);

			fprintf(stderr, "nfqlbctl: stdin line %u: %s (line refused)\n",
				n, esc);
			free(esc);
		}
		if (out_len + r.len > out_cap) {
			out_cap *= 2;
			out = realloc(out, out_cap);
		}
		if (nadd == cap) {
			cap *= 2;
			lineno = realloc(lineno, cap * sizeof(*lineno));
		}
		if (!out || !lineno)
			die(EXIT_ERROR, "out of memory");
		memcpy(out + out_len, r.line, r.len);
		out_len += r.len;
		lineno[nadd++] = n;
	}
	r.len = 0;
	req_word(&r, "sync end");
	req_word(&r, id);
	r.line[r.len++] = '\n';
	if (out_len + r.len > out_cap && !(out = realloc(out, out_len + r.len)))
		die(EXIT_ERROR, "out of memory");
	memcpy(out + out_len, r.line, r.len);
	ans = exchange(fd, out, out_len + r.len);
	close(fd);
	/* One line per add ("OK 0" or "ERR ..."), then the end's answer. */
	for (p = ans, i = 0; i < nadd && p && *p; i++) {
		if (strncmp(p, "OK 0\n", 5))
			fprintf(stderr, "nfqlbctl: stdin line %u: %.*s\n", lineno[i],
				(int)strcspn(p, "\n"), p);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (p && *p)
		errors = sync_errors(p);
	rc = p && *p ? show(p, 0, NULL) : EXIT_ERROR;
	if (!p || !*p)
		fprintf(stderr, "nfqlbctl: nfqlbd closed the connection mid-answer\n");
	else if (!rc && errors) {
		fprintf(stderr, "nfqlbctl: %lu lines refused or not applied; the "
			"others were applied\n", errors);
		rc = EXIT_INVALID;
	}
	free(ans);
	free(out);
	free(lineno);
	free(in);
	return rc;
}

/*
 * Display widths come from the C library's tables for a UTF-8 locale:
 * the user's, or C.UTF-8 for width only when the user's is not UTF-8
 * (then non-ASCII bytes are printed escaped anyway).
 */
static void init_locale(void)
{
	const char *cs;

	if (setlocale(LC_CTYPE, "") && (cs = nl_langinfo(CODESET)) &&
	    !strcmp(cs, "UTF-8")) {
		utf8_term = 1;
		return;
	}
	setlocale(LC_CTYPE, "C.UTF-8");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
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
	init_locale();
	while ((ch = getopt_long(argc, argv, "+js:t:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': opt_json = 1; break;
		case 's': opt_socket = optarg; break;
		case 't':
			opt_timeout = (int)strtol(optarg, &end, 10);
			if (*end || opt_timeout < 1 || opt_timeout > 3600)
				die(EXIT_USAGE, "-t wants seconds from 1 to 3600, not \"%s\"", optarg);
			break;
		case 'h': usage(stdout, EXIT_OK);
		case 'V':
			printf("nfqlbctl %s (protocol %d, JSON schema %d)\n", NFQLB_VERSION,
			       CONTROL_VERSION, NFQLBCTL_SCHEMA);
			return EXIT_OK;
		default: usage(stderr, EXIT_USAGE);
		}
	}
	if (optind >= argc)
		usage(stderr, EXIT_USAGE);
	if (!strcmp(argv[optind], "sync")) {
		if (optind + 1 != argc)
			die(EXIT_USAGE, "sync takes no arguments: the list comes on stdin");
		return cmd_sync();
	}
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
