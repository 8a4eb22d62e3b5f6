// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * control.c - the Unix control socket.
 *
 * Everything a peer sends is untrusted: lines are bounded, words are
 * checked before any handler sees them, a slow or idle peer is cut off,
 * and nothing a peer does can block the packet path (all sockets are
 * non-blocking and share the daemon's one event loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define CONTROL_MAX_GROUPS	64

struct control_conn {
	int fd;				/* -1: free slot */
	struct control_peer peer;
	uint64_t last_ms;
	char in[CONTROL_MAX_LINE + 1];
	size_t inlen;
	struct obuf out;
	size_t outoff;
	int closing;			/* close once out is written */
	int want_out;			/* epoll events registered */
};

struct control {
	int lfd, ep;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t group;
	unsigned idle_ms;
	unsigned max_conns;
	control_handler handler;
	void *arg;
	struct control_stats st;
	struct control_conn *conns;
};

static uint64_t control_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- output buffers ---- */

static int obuf_reserve(struct obuf *o, size_t more)
{
	size_t cap;
	char *p;

	if (o->overflow)
		return -1;
	if (o->len + more + 1 <= o->cap)
		return 0;
	if (o->len + more + 1 > CONTROL_MAX_OUTPUT) {
		o->overflow = 1;
		return -1;
	}
	cap = o->cap ? o->cap : 256;
	while (cap < o->len + more + 1)
		cap *= 2;
	p = realloc(o->data, cap);
	if (!p) {
		o->overflow = 1;
		return -1;
	}
	o->data = p;
	o->cap = cap;
	return 0;
}

void obuf_printf(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || obuf_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->data + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

static int safe_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || strchr("._:/@+-", ch);
}

const char *control_escape(const char *value, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!len)
		return buf;
	for (; *value; value++) {
		unsigned char ch = (unsigned char)*value;

		if (safe_char(ch)) {
			if (o + 1 >= len)
				break;
			buf[o++] = (char)ch;
		} else {
			if (o + 3 >= len)
				break;
			buf[o++] = '%';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int control_unescape(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		hi = hexval(s[1]);
		lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -1;
		*w++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*w = '\0';
	return 0;
}

void obuf_kv(struct obuf *o, const char *key, const char *value)
{
	char esc[3 * 256 + 1];
	int first = !o->len || o->data[o->len - 1] == '\n';

	obuf_printf(o, "%s%s=%s", first ? "" : " ", key,
		    control_escape(value, esc, sizeof(esc)));
}

void obuf_kvu(struct obuf *o, const char *key, unsigned long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", v);
	obuf_kv(o, key, num);
}

void obuf_reset(struct obuf *o)
{
	o->len = 0;
	o->overflow = 0;
}

void obuf_free(struct obuf *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/* ---- request lines ---- */

int control_parse(const char *line, size_t len, struct control_req *req,
		  char *err, size_t errlen)
{
	size_t i;
	char *p;

	req->argc = 0;
	if (len > CONTROL_MAX_LINE) {
		snprintf(err, errlen, "request longer than %d bytes", CONTROL_MAX_LINE);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\r' && i == len - 1)
			break;		/* tolerate CRLF from nc/telnet */
		if (ch == '\0' || (ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			snprintf(err, errlen, "byte 0x%02x at offset %zu: only "
				 "printable ASCII is allowed", ch, i);
			return -1;
		}
	}
	memcpy(req->buf, line, i);
	req->buf[i] = '\0';
	for (p = req->buf; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (req->argc == CONTROL_MAX_ARGS) {
			snprintf(err, errlen, "more than %d words", CONTROL_MAX_ARGS);
			return -1;
		}
		req->argv[req->argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (!req->argc) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
}

/* ---- the socket ---- */

static int control_listen(struct control *c, const struct control_params *p,
			  char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;

	if (strlen(p->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control.socket = \"%s\" is longer than %zu bytes",
			 p->path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->path);
	snprintf(c->path, sizeof(c->path), "%s", p->path);
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by a crash would make bind fail: remove it. */
	if (unlink(p->path) && errno != ENOENT) {
		snprintf(err, errlen, "removing stale %s: %s", p->path, strerror(errno));
		return -1;
	}
	old = umask(0177);
	if (bind(c->lfd, (struct sockaddr *)&sun, sizeof(sun))) {
		umask(old);
		snprintf(err, errlen, "binding control socket %s: %s", p->path,
			 strerror(errno));
		return -1;
	}
	umask(old);
	if (p->group != (gid_t)-1 && chown(p->path, (uid_t)-1, p->group)) {
		snprintf(err, errlen, "chown %s to group %u: %s", p->path,
			 (unsigned)p->group, strerror(errno));
		return -1;
	}
	if (chmod(p->path, p->mode)) {
		snprintf(err, errlen, "chmod %s %04o: %s", p->path,
			 (unsigned)p->mode, strerror(errno));
		return -1;
	}
	if (listen(c->lfd, 64)) {
		snprintf(err, errlen, "listen on %s: %s", p->path, strerror(errno));
		return -1;
	}
	return 0;
}

struct control *control_open(const struct control_params *p,
			     control_handler h, void *arg,
			     char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct control *c;
	unsigned i;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->lfd = -1;
	c->group = p->group;
	c->idle_ms = p->idle_timeout * 1000;
	c->max_conns = p->max_conns ? p->max_conns : 1;
	c->handler = h;
	c->arg = arg;
	c->conns = calloc(c->max_conns, sizeof(*c->conns));
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!c->conns || c->ep < 0) {
		snprintf(err, errlen, "control: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < c->max_conns; i++)
		c->conns[i].fd = -1;
	if (control_listen(c, p, err, errlen))
		goto fail;
	ev.data.u32 = UINT32_MAX;	/* the listener */
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->lfd, &ev)) {
		snprintf(err, errlen, "control epoll: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	control_close(c);
	return NULL;
}

static void conn_close(struct control *c, struct control_conn *k)
{
	if (k->fd < 0)
		return;
	close(k->fd);		/* also removes it from the epoll set */
	k->fd = -1;
	k->inlen = 0;
	k->outoff = 0;
	k->closing = 0;
	k->want_out = 0;
	obuf_free(&k->out);
	(void)c;
}

void control_close(struct control *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; c->conns && i < c->max_conns; i++)
		conn_close(c, &c->conns[i]);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	if (c->ep >= 0)
		close(c->ep);
	free(c->conns);
	free(c);
}

int control_epoll_fd(const struct control *c)
{
	return c->ep;
}

const struct control_stats *control_stats(const struct control *c)
{
	return &c->st;
}

static int peer_in_group(int fd, gid_t group)
{
	gid_t groups[CONTROL_MAX_GROUPS];
	socklen_t len = sizeof(groups);
	unsigned i;

	/* SO_PEERGROUPS (Linux 4.13): the peer's supplementary groups. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return 0;
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == group)
			return 1;
	return 0;
}

static void conn_accept(struct control *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct control_conn *k = NULL;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	unsigned i;
	int fd;

	for (;;) {
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("control: accept");
			return;
		}
		for (i = 0, k = NULL; i < c->max_conns; i++)
			if (c->conns[i].fd < 0) {
				k = &c->conns[i];
				break;
			}
		if (!k) {
			static const char busy[] = "ERR busy too many control connections\n";

			c->st.refused++;
			ssize_t w = write(fd, busy, sizeof(busy) - 1);

			(void)w;	/* best effort: it is being closed anyway */
			close(fd);
			continue;
		}
		memset(&k->peer, 0, sizeof(k->peer));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
			k->peer.pid = cred.pid;
			k->peer.uid = cred.uid;
			k->peer.gid = cred.gid;
			k->peer.privileged = cred.uid == 0 ||
				(c->group != (gid_t)-1 &&
				 (cred.gid == c->group || peer_in_group(fd, c->group)));
		} else {
			k->peer.uid = (uid_t)-1;
		}
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev)) {
			log_warn("control: epoll_ctl");
			close(fd);
			continue;
		}
		k->fd = fd;
		k->inlen = 0;
		k->outoff = 0;
		k->closing = 0;
		k->want_out = EPOLLIN;
		k->last_ms = control_now_ms();
	}
}

/*
 * Poll for output only while some is pending, and stop polling for
 * input once closing (level-triggered EOF would spin otherwise).
 */
static void conn_set_out(struct control *c, struct control_conn *k, int want)
{
	int events = (k->closing ? 0 : EPOLLIN) | (want ? EPOLLOUT : 0);
	struct epoll_event ev = { .events = (uint32_t)events };

	if (k->want_out == events)
		return;
	ev.data.u32 = (uint32_t)(k - c->conns);
	epoll_ctl(c->ep, EPOLL_CTL_MOD, k->fd, &ev);
	k->want_out = events;
}

/* Write what is pending; close when done and asked to. */
static void conn_flush(struct control *c, struct control_conn *k)
{
	ssize_t n;

	while (k->outoff < k->out.len) {
		n = send(k->fd, k->out.data + k->outoff, k->out.len - k->outoff,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			conn_set_out(c, k, 1);
			return;
		}
		if (n <= 0) {
			conn_close(c, k);
			return;
		}
		k->outoff += (size_t)n;
	}
	obuf_reset(&k->out);
	k->outoff = 0;
	conn_set_out(c, k, 0);
	if (k->closing)
		conn_close(c, k);
}

static void conn_request(struct control *c, struct control_conn *k,
			 const char *line, size_t len)
{
	struct control_req *req = malloc(sizeof(*req));
	struct obuf one = { 0 };
	char err[128];

	c->st.requests++;
	if (!req) {
		obuf_printf(&k->out, "ERR internal out of memory\n");
		return;
	}
	if (control_parse(line, len, req, err, sizeof(err))) {
		c->st.errors++;
		obuf_printf(&k->out, "ERR usage %s\n", err);
	} else {
		c->handler(req, &k->peer, &one, c->arg);
		if (one.overflow) {
			c->st.overflows++;
			obuf_printf(&k->out, "ERR internal answer larger than %u bytes\n",
				    CONTROL_MAX_OUTPUT);
		} else if (one.len) {
			if (one.len > 3 && !strncmp(one.data, "ERR", 3))
				c->st.errors++;
			if (!obuf_reserve(&k->out, one.len)) {
				memcpy(k->out.data + k->out.len, one.data, one.len);
				k->out.len += one.len;
			}
		}
	}
	obuf_free(&one);
	free(req);
}

static void conn_read(struct control *c, struct control_conn *k)
{
	ssize_t n;
	char *nl;

	for (;;) {
		if (k->closing)
			break;
		n = recv(k->fd, k->in + k->inlen, sizeof(k->in) - k->inlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			/* EOF: answer what was asked, then close. */
			k->closing = 1;
			break;
		}
		k->last_ms = control_now_ms();
		k->inlen += (size_t)n;
		/* Serve every complete line; a partial one waits for more. */
		while (k->inlen && (nl = memchr(k->in, '\n', k->inlen))) {
			size_t ll = (size_t)(nl - k->in);

			conn_request(c, k, k->in, ll);
			memmove(k->in, nl + 1, k->inlen - ll - 1);
			k->inlen -= ll + 1;
		}
		if (k->inlen == sizeof(k->in)) {
			c->st.errors++;
			obuf_printf(&k->out, "ERR usage request longer than %d bytes\n",
				    CONTROL_MAX_LINE);
			k->closing = 1;
			k->inlen = 0;
		}
	}
	conn_flush(c, k);
}

void control_dispatch(struct control *c)
{
	struct epoll_event evs[16];
	int n, i;

	n = epoll_wait(c->ep, evs, 16, 0);
	for (i = 0; i < n; i++) {
		struct control_conn *k;

		if (evs[i].data.u32 == UINT32_MAX) {
			conn_accept(c);
			continue;
		}
		if (evs[i].data.u32 >= c->max_conns)
			continue;
		k = &c->conns[evs[i].data.u32];
		if (k->fd < 0)
			continue;
		if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
			conn_close(c, k);
			continue;
		}
		if (evs[i].events & EPOLLOUT)
			conn_flush(c, k);
		if (k->fd >= 0 && evs[i].events & EPOLLIN)
			conn_read(c, k);
	}
}

void control_expire(struct control *c, uint64_t now_ms)
{
	unsigned i;

	if (!now_ms)
		now_ms = control_now_ms();
	for (i = 0; i < c->max_conns; i++) {
		struct control_conn *k = &c->conns[i];

		if (k->fd >= 0 && now_ms - k->last_ms > c->idle_ms) {
			c->st.timeouts++;
			conn_close(c, k);
		}
	}
}
