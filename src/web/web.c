// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfqlb-web - read-only HTTP view of nfqlbd: Prometheus /metrics, the
 * JSON API (the same JSON as nfqlbctl -j) and a dashboard page.
 *
 * It reads nfqlbd only through the control socket and only with the
 * verbs any peer may use (list, gateways, stats), so it changes
 * nothing and needs no privilege but a read on the socket.  HTTP is
 * libmicrohttpd's (its own thread); the main thread samples nfqlbd
 * every web.interval seconds for the dashboard's charts, kept in
 * memory for web.history seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libconfig.h>
#include <microhttpd.h>

#include "conf/conf.h"
#include "core/proto.h"
#include "core/records.h"
#include "web/webcore.h"

#define WEB_DEFAULT_LISTEN	"127.0.0.1:9733"
#define WEB_MAX_GW		64
#define WEB_TIMEOUT_S		3

/* The dashboard, embedded at build time (web_assets.c). */
extern const char web_index_html[], web_app_js[], web_style_css[];
extern const unsigned web_index_html_len, web_app_js_len, web_style_css_len;

static struct {
	const char *conf_path;
	char socket[108];
	char listen[128];
	unsigned interval;	/* seconds between samples */
	unsigned history;	/* seconds kept */
} cfg = { .conf_path = "/etc/nfqlb/nfqlb.conf", .interval = 5, .history = 3600 };

static volatile sig_atomic_t stop;

/* ---- the control socket (read-only verbs) ---- */

struct answer {
	char *buf;
	long n;
	struct record *recs;
	char err[256];
};

static void answer_free(struct answer *a)
{
	free(a->buf);
	free(a->recs);
	memset(a, 0, sizeof(*a));
}

static int read_only_verb(const char *req)
{
	return !strcmp(req, "gateways") || !strcmp(req, "stats") ||
	       !strcmp(req, "list") || !strncmp(req, "list gateway=", 13);
}

/*
 * One request, its whole answer parsed into records; -1 with a.err set
 * (nfqlbd down, ERR answer, timeout).
 */
/* Connected to nfqlbd, req sent: the socket, or -1 with a->err set. */
static int request_send(const char *req, struct answer *a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[CONTROL_MAX_LINE + 2];
	int fd, n;

	if (!read_only_verb(req) || strlen(req) > CONTROL_MAX_LINE) {
		snprintf(a->err, sizeof(a->err), "refused request");
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cfg.socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		snprintf(a->err, sizeof(a->err), "cannot connect to %s: %s", cfg.socket,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%s\n", req);
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n) {
		snprintf(a->err, sizeof(a->err), "writing to %s: %s", cfg.socket, strerror(errno));
		close(fd);
		return -1;
	}
	shutdown(fd, SHUT_WR);
	return fd;
}

static int query(const char *req, struct answer *a)
{
	size_t len = 0, cap = 65536;
	long want = -1, got;
	char *s, *nl, *save = NULL;
	struct timespec t0, t;
	int fd;

	memset(a, 0, sizeof(*a));
	fd = request_send(req, a);
	if (fd < 0)
		return -1;
	a->buf = malloc(cap);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		long ms;

		if (!a->buf)
			break;
		if (want < 0 && memchr(a->buf, '\n', len))
			want = strncmp(a->buf, "OK ", 3) ? 0 : strtol(a->buf + 3, NULL, 10);
		if (want >= 0) {
			s = (char *)memchr(a->buf, '\n', len) + 1;
			for (got = 0; got < want &&
			     (nl = memchr(s, '\n', len - (size_t)(s - a->buf))); got++)
				s = nl + 1;
			if (got == want) {
				len = (size_t)(s - a->buf);
				break;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = WEB_TIMEOUT_S * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
					      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&p, 1, (int)ms) <= 0) {
			snprintf(a->err, sizeof(a->err), "no answer from nfqlbd within %d s",
				 WEB_TIMEOUT_S);
			goto fail;
		}
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(a->buf, cap * 2);

			if (!nb)
				goto oom;
			a->buf = nb;
			cap *= 2;
		}
		r = recv(fd, a->buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(a->err, sizeof(a->err), "nfqlbd closed the connection mid-answer");
			goto fail;
		}
		len += (size_t)r;
	}
	if (!a->buf)
		goto oom;
	close(fd);
	a->buf[len] = '\0';
	s = strtok_r(a->buf, "\n", &save);
	if (!s || strncmp(s, "OK ", 3)) {
		snprintf(a->err, sizeof(a->err), "nfqlbd: %.200s", s ? s : "empty answer");
		return -1;
	}
	a->recs = calloc((size_t)(want ? want : 1), sizeof(*a->recs));
	if (!a->recs)
		goto oom;
	while (a->n < want && (s = strtok_r(NULL, "\n", &save)))
		records_parse(s, &a->recs[a->n++]);
	return 0;
oom:
	snprintf(a->err, sizeof(a->err), "out of memory");
fail:
	close(fd);
	return -1;
}

/* ---- history for the charts ---- */

struct gw_sample {
	char name[32];
	double clients, tx_bytes, tx_packets, rtt_ms, loss;	/* NAN: unknown */
	int up;
};

struct sample {
	time_t t;
	unsigned ngw;
	struct gw_sample gw[WEB_MAX_GW];
};

static pthread_mutex_t hist_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sample *hist;
static unsigned hist_cap, hist_len, hist_head;	/* ring: oldest at head */

static double field_num(const struct record *r, const char *k)
{
	const char *v = web_field(r, k);
	char *end;
	double d;

	if (!v || !*v || !strcmp(v, "-"))
		return NAN;
	d = strtod(v, &end);
	if (*end == '%' && !end[1])
		return d / 100.0;
	return *end ? NAN : d;
}

static void sample_once(void)
{
	struct answer a;
	struct sample s = { .t = time(NULL) };
	long i;

	if (query("gateways", &a) == 0) {
		for (i = 0; i < a.n && s.ngw < WEB_MAX_GW; i++) {
			struct gw_sample *g = &s.gw[s.ngw++];
			const char *st = web_field(&a.recs[i], "state");

			snprintf(g->name, sizeof(g->name), "%s",
				 web_field(&a.recs[i], "name") ? web_field(&a.recs[i], "name") : "?");
			g->clients = field_num(&a.recs[i], "clients");
			g->tx_bytes = field_num(&a.recs[i], "tx_bytes");
			g->tx_packets = field_num(&a.recs[i], "tx_packets");
			g->rtt_ms = field_num(&a.recs[i], "rtt_ms");
			g->loss = field_num(&a.recs[i], "loss");
			g->up = st && strcmp(st, "down");
		}
	}
	answer_free(&a);
	pthread_mutex_lock(&hist_lock);
	hist[(hist_head + hist_len) % hist_cap] = s;
	if (hist_len < hist_cap)
		hist_len++;
	else
		hist_head = (hist_head + 1) % hist_cap;
	pthread_mutex_unlock(&hist_lock);
}

static struct json_object *num_or_null(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static struct json_object *history_json(void)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	unsigned i, k;

	json_object_object_add(o, "schema", json_object_new_int(RECORDS_SCHEMA));
	json_object_object_add(o, "interval", json_object_new_int((int)cfg.interval));
	pthread_mutex_lock(&hist_lock);
	for (i = 0; i < hist_len; i++) {
		const struct sample *s = &hist[(hist_head + i) % hist_cap];
		struct json_object *js = json_object_new_object(), *gws = json_object_new_object();

		json_object_object_add(js, "t", json_object_new_int64(s->t));
		for (k = 0; k < s->ngw; k++) {
			const struct gw_sample *g = &s->gw[k];
			struct json_object *jg = json_object_new_object();
			char *name = records_utf8_clean(g->name);

			json_object_object_add(jg, "clients", num_or_null(g->clients));
			json_object_object_add(jg, "tx_bytes", num_or_null(g->tx_bytes));
			json_object_object_add(jg, "tx_packets", num_or_null(g->tx_packets));
			json_object_object_add(jg, "rtt_ms", num_or_null(g->rtt_ms));
			json_object_object_add(jg, "loss", num_or_null(g->loss));
			json_object_object_add(jg, "up", json_object_new_boolean(g->up));
			json_object_object_add(gws, name, jg);
			free(name);
		}
		json_object_object_add(js, "gateways", gws);
		json_object_array_add(arr, js);
	}
	pthread_mutex_unlock(&hist_lock);
	json_object_object_add(o, "samples", arr);
	return o;
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, const char *body, size_t len, int copy)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body,
					    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; style-src 'self'; "
				"connect-src 'self'; img-src 'self'; base-uri 'none'; "
				"form-action 'none'; frame-ancestors 'none'");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status,
				  struct json_object *j)
{
	const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	enum MHD_Result r = reply(c, status, "application/json; charset=utf-8", s,
				  strlen(s), 1);

	json_object_put(j);
	return r;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *msg)
{
	struct json_object *j = json_object_new_object();
	char *clean = records_utf8_clean(msg);

	json_object_object_add(j, "schema", json_object_new_int(RECORDS_SCHEMA));
	json_object_object_add(j, "error", json_object_new_string(clean));
	free(clean);
	return reply_json(c, status, j);
}

/* The answer's records as nfqlbctl -j prints them: a list or one object. */
static struct json_object *records_to_json(const struct answer *a, int as_list,
					   const struct web_filter *f)
{
	struct json_object *j;
	long i;

	if (!as_list)
		return a->n ? records_json(&a->recs[0]) : json_object_new_object();
	j = json_object_new_array();
	for (i = 0; i < a->n; i++)
		if (!f || web_filter_match(f, &a->recs[i]))
			json_object_array_add(j, records_json(&a->recs[i]));
	return j;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static enum MHD_Result api(struct MHD_Connection *c, const char *url)
{
	struct answer a;
	enum MHD_Result r;
	int as_list = 1;
	struct web_filter f = { 0 };
	const char *req;

	if (!strcmp(url, "/api/v1/gateways")) {
		req = "gateways";
	} else if (!strcmp(url, "/api/v1/stats")) {
		req = "stats";
		as_list = 0;
	} else if (!strcmp(url, "/api/v1/clients")) {
		req = "list";
		f.gateway = arg(c, "gateway");
		f.ip = arg(c, "ip");
		f.mac = arg(c, "mac");
		f.user = arg(c, "user");
		f.q = arg(c, "q");
	} else if (!strcmp(url, "/api/v1/history")) {
		return reply_json(c, MHD_HTTP_OK, history_json());
	} else {
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such API path");
	}
	if (query(req, &a))
		r = reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, a.err);
	else
		r = reply_json(c, MHD_HTTP_OK, records_to_json(&a, as_list, &f));
	answer_free(&a);
	return r;
}

static enum MHD_Result metrics(struct MHD_Connection *c)
{
	struct answer g, s;
	struct wbuf b = { 0 };
	enum MHD_Result r;
	int up;

	up = !query("gateways", &g);
	if (up)
		up = !query("stats", &s);
	else
		memset(&s, 0, sizeof(s));
	web_metrics(&b, up, g.recs, g.n, s.n ? &s.recs[0] : NULL);
	answer_free(&g);
	answer_free(&s);
	r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.data,
		  b.len, 1);
	wbuf_free(&b);
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload, size_t *upload_len, void **state)
{
	(void)cls;
	(void)version;
	(void)upload;
	/* Read-only: no method but GET and HEAD, no request body. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET only");
	if (!*state) {
		static int first;

		*state = &first;
		return MHD_YES;
	}
	if (*upload_len)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "no request body expected");
	if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", web_index_html,
			     web_index_html_len, 0);
	if (!strcmp(url, "/app.js"))
		return reply(c, MHD_HTTP_OK, "text/javascript; charset=utf-8", web_app_js,
			     web_app_js_len, 0);
	if (!strcmp(url, "/style.css"))
		return reply(c, MHD_HTTP_OK, "text/css; charset=utf-8", web_style_css,
			     web_style_css_len, 0);
	if (!strcmp(url, "/metrics"))
		return metrics(c);
	if (!strncmp(url, "/api/", 5))
		return api(c, url);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

/* ---- configuration ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("nfqlb-web: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned conf_uint(config_setting_t *g, const char *k, unsigned def,
			  unsigned min, unsigned max)
{
	long long v;

	if (!g || !config_setting_get_member(g, k))
		return def;
	if (!config_setting_lookup_int64(g, k, &v) || v < min || v > max)
		die("%s: line %d: web.%s must be an integer from %u to %u", cfg.conf_path,
		    config_setting_source_line(config_setting_get_member(g, k)), k, min, max);
	return (unsigned)v;
}

/* The web group (and control.read_socket or control.socket) of nfqlb.conf. */
static void load_conf(int need_file)
{
	static const char *const known[] = { "listen", "interval", "history", NULL };
	config_setting_t *g, *m;
	const char *s;
	config_t cf;
	int i;

	config_init(&cf);
	if (!config_read_file(&cf, cfg.conf_path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO) {
			int e = errno;

			config_destroy(&cf);
			if (!need_file && e == ENOENT)
				return;
			die("cannot read %s: %s", cfg.conf_path, strerror(e));
		}
		die("%s: line %d: %s", cfg.conf_path, config_error_line(&cf),
		    config_error_text(&cf));
	}
	/* The read-only socket when there is one: nfqlb-web only reads. */
	if (!cfg.socket[0] && config_lookup_string(&cf, "control.read_socket", &s) && *s)
		snprintf(cfg.socket, sizeof(cfg.socket), "%s", s);
	if (!cfg.socket[0] && config_lookup_string(&cf, "control.socket", &s))
		snprintf(cfg.socket, sizeof(cfg.socket), "%s", s);
	g = config_lookup(&cf, "web");
	if (g && !config_setting_is_group(g))
		die("%s: line %d: 'web' must be a group { ... }", cfg.conf_path,
		    config_setting_source_line(g));
	for (i = 0; g && (m = config_setting_get_elem(g, (unsigned)i)); i++) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, config_setting_name(m)); k++)
			;
		if (!*k)
			die("%s: line %d: unknown setting 'web.%s'", cfg.conf_path,
			    config_setting_source_line(m), config_setting_name(m));
	}
	if (!cfg.listen[0] && g && config_setting_get_member(g, "listen")) {
		if (!config_setting_lookup_string(g, "listen", &s))
			die("%s: web.listen must be a string \"ADDRESS:PORT\"", cfg.conf_path);
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", s);
	}
	cfg.interval = conf_uint(g, "interval", cfg.interval, 1, 300);
	cfg.history = conf_uint(g, "history", cfg.history, 60, 86400);
	config_destroy(&cf);
}

/* "1.2.3.4:PORT" or "[::1]:PORT". */
static socklen_t parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[128], *colon, *end;
	unsigned long port;

	snprintf(host, sizeof(host), "%s", s);
	colon = strrchr(host, ':');
	if (!colon)
		die("listen \"%s\": want ADDRESS:PORT", s);
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535)
		die("listen \"%s\": the port must be from 1 to 65535", s);
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			die("listen \"%s\": \"%s\" is not an IPv6 address", s, host + 1);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			die("listen \"%s\": \"%s\" is not an IPv4 address", s, host);
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return sizeof(*a4);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f, int code) __attribute__((noreturn));
static void usage(FILE *f, int code)
{
	fprintf(f,
		"usage: nfqlb-web [-c FILE] [-l ADDRESS:PORT] [-s SOCKET]\n"
		"  -c, --config F   nfqlb.conf to read the web group from (default "
		"/etc/nfqlb/nfqlb.conf)\n"
		"  -l, --listen A   address and port (default web.listen or " WEB_DEFAULT_LISTEN ")\n"
		"  -s, --socket P   nfqlbd's control socket (default control.read_socket,\n"
		"                   control.socket or "
		CONF_DEFAULT_SOCKET ")\n"
		"  -h, --help       this help\n"
		"  -V, --version    version\n");
	exit(code);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_storage ss;
	struct MHD_Daemon *mhd;
	struct sigaction sa = { .sa_handler = on_signal };
	int ch, need_file = 0;

	while ((ch = getopt_long(argc, argv, "c:l:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfg.conf_path = optarg; need_file = 1; break;
		case 'l': snprintf(cfg.listen, sizeof(cfg.listen), "%s", optarg); break;
		case 's':
			if (strlen(optarg) >= sizeof(cfg.socket))
				die("socket path too long: %s", optarg);
			snprintf(cfg.socket, sizeof(cfg.socket), "%s", optarg);
			break;
		case 'h': usage(stdout, 0);
		case 'V': printf("nfqlb-web %s\n", NFQLB_VERSION); return 0;
		default: usage(stderr, 2);
		}
	}
	if (optind < argc)
		usage(stderr, 2);
	load_conf(need_file);
	if (!cfg.socket[0])
		snprintf(cfg.socket, sizeof(cfg.socket), "%s", CONF_DEFAULT_SOCKET);
	if (!cfg.listen[0])
		snprintf(cfg.listen, sizeof(cfg.listen), "%s", WEB_DEFAULT_LISTEN);
	parse_listen(cfg.listen, &ss);
	hist_cap = cfg.history / cfg.interval + 1;
	hist = calloc(hist_cap, sizeof(*hist));
	if (!hist)
		die("out of memory for %u samples", hist_cap);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			       (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			       0, NULL, NULL, handle, NULL,
			       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			       MHD_OPTION_CONNECTION_LIMIT, 64u,
			       MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
			       MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
			       MHD_OPTION_END);
	if (!mhd)
		die("cannot listen on %s: %s", cfg.listen, strerror(errno));
	fprintf(stderr, "nfqlb-web: listening on http://%s/, nfqlbd at %s, sampling every %u s\n",
		cfg.listen, cfg.socket, cfg.interval);
	while (!stop) {
		sample_once();
		for (unsigned t = 0; t < cfg.interval * 10 && !stop; t++)
			usleep(100000);
	}
	MHD_stop_daemon(mhd);
	free(hist);
	return 0;
}
