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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control.h"
#include "util/log.h"

#define CONTROL_MAX_GROUPS	64

struct control_conn {
	int fd;				/* -1: free slot */
	struct control_peer peer;
	uint64_t last_ms;		/* last request served or answer sent */
	uint64_t req_ms;		/* a partial request began; 0: none */
	uint64_t out_ms;		/* unsent output since; 0: none */
	char in[CONTROL_MAX_LINE + 1];
	size_t inlen;
	char *out;			/* unsent answers: out[outoff..outlen) */
	size_t outoff, outlen, outcap;
	int closing;			/* close once out is written */
	int eof;			/* the peer is done sending */
	int events;			/* epoll events registered */
};

struct control {
	int lfd, ep, wake;		/* wake: eventfd, "lines are waiting" */
	int rfd;			/* the read-only socket; -1: none */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char rpath[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t group;
	unsigned idle_ms;
	unsigned max_conns;
	unsigned reserved;		/* slots only privileged peers may take */
	unsigned per_uid;		/* slots one unprivileged uid may hold */
	uint64_t accept_resume_ms;	/* accepting paused (EMFILE) until; 0: not */
	int woken;
	control_handler handler;
	void *arg;
	struct control_stats st;
	struct control_conn *conns;
};

#define WAKE_ID		(UINT32_MAX - 1)
#define LISTEN_ID	UINT32_MAX		/* the control socket */
#define READ_LISTEN_ID	(UINT32_MAX - 2)	/* the read-only socket */

static uint64_t control_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- output buffers ---- */

/* ---- the socket ---- */

/*
 * Bind a listening socket at path, owned by group (unless (gid_t)-1)
 * with mode.  The socket is made 0600 by the umask first and opened up
 * by chmod only once its group is right: no window where the wrong
 * group may connect.
 */
static int control_listen(const char *what, const char *path, gid_t group,
			  mode_t mode, int *lfd, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s = \"%s\" is longer than %zu bytes",
			 what, path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*lfd < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	/* A socket file left by a crash would make bind fail: remove it. */
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "removing stale %s: %s", path, strerror(errno));
		return -1;
	}
	old = umask(0177);
	if (bind(*lfd, (struct sockaddr *)&sun, sizeof(sun))) {
		umask(old);
		snprintf(err, errlen, "binding %s %s: %s", what, path, strerror(errno));
		return -1;
	}
	umask(old);
	if (group != (gid_t)-1 && chown(path, (uid_t)-1, group)) {
		snprintf(err, errlen, "chown %s to group %u: %s", path,
			 (unsigned)group, strerror(errno));
		return -1;
	}
	if (chmod(path, mode)) {
		snprintf(err, errlen, "chmod %s %04o: %s", path,
			 (unsigned)mode, strerror(errno));
		return -1;
	}
	if (listen(*lfd, 64)) {
		snprintf(err, errlen, "listen on %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int listener_add(struct control *c, int fd, uint32_t id, char *err,
			size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = id };

	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev)) {
		snprintf(err, errlen, "control epoll: %s", strerror(errno));
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
	c->rfd = -1;
	c->wake = -1;
	c->group = p->group;
	c->idle_ms = p->idle_timeout * 1000;
	c->max_conns = p->max_conns ? p->max_conns : 1;
	c->reserved = control_reserved_slots(c->max_conns);
	c->per_uid = (c->max_conns - c->reserved) / 2;
	if (!c->per_uid)
		c->per_uid = 1;
	c->handler = h;
	c->arg = arg;
	c->conns = calloc(c->max_conns, sizeof(*c->conns));
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	c->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!c->conns || c->ep < 0 || c->wake < 0) {
		snprintf(err, errlen, "control: %s", strerror(errno));
		goto fail;
	}
	for (i = 0; i < c->max_conns; i++)
		c->conns[i].fd = -1;
	snprintf(c->path, sizeof(c->path), "%s", p->path);
	if (control_listen("control.socket", p->path, p->group, p->mode, &c->lfd,
			   err, errlen))
		goto fail;
	/*
	 * The read-only socket: whoever connects there is served the
	 * verbs that change nothing, and only those, whatever its uid.
	 */
	if (p->read_path && p->read_path[0]) {
		snprintf(c->rpath, sizeof(c->rpath), "%s", p->read_path);
		if (control_listen("control.read_socket", p->read_path, p->read_group,
				   p->read_group != (gid_t)-1 ? 0660 : 0600, &c->rfd,
				   err, errlen))
			goto fail;
	}
	ev.data.u32 = WAKE_ID;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->wake, &ev)) {
		snprintf(err, errlen, "control epoll: %s", strerror(errno));
		goto fail;
	}
	if (listener_add(c, c->lfd, LISTEN_ID, err, errlen) ||
	    (c->rfd >= 0 && listener_add(c, c->rfd, READ_LISTEN_ID, err, errlen)))
		goto fail;
	return c;
fail:
	control_close(c);
	return NULL;
}

static void accept_pause(struct control *c);
static void accept_resume(struct control *c);
static void control_wake(struct control *c);
static void control_unblock(struct control *c);

unsigned control_reserved_slots(unsigned max_conns)
{
	if (max_conns < 2)
		return 0;
	return max_conns / 4 ? max_conns / 4 : 1;
}

static void conn_close(struct control *c, struct control_conn *k)
{
	if (k->fd < 0)
		return;
	close(k->fd);		/* also removes it from the epoll set */
	k->fd = -1;
	k->inlen = 0;
	k->closing = 0;
	k->eof = 0;
	k->events = 0;
	free(k->out);
	k->out = NULL;
	k->outoff = k->outlen = k->outcap = 0;
	k->req_ms = k->out_ms = 0;
	/* A slot is free again: if accepting was paused, try again. */
	if (c->accept_resume_ms)
		accept_resume(c);
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
	if (c->rfd >= 0) {
		close(c->rfd);
		unlink(c->rpath);
	}
	if (c->ep >= 0)
		close(c->ep);
	if (c->wake >= 0)
		close(c->wake);
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

static size_t conn_pending(const struct control_conn *k)
{
	return k->outlen - k->outoff;
}

/* Unsent output of every unprivileged peer together. */
static size_t unpriv_pending(const struct control *c)
{
	size_t sum = 0;
	unsigned i;

	for (i = 0; i < c->max_conns; i++)
		if (c->conns[i].fd >= 0 && !c->conns[i].peer.privileged)
			sum += conn_pending(&c->conns[i]);
	return sum;
}

/*
 * May k's next request be served now?  Not while its own unsent
 * answers exceed the high-water mark (a peer that does not read gets
 * no more answers), nor, for an unprivileged peer, while unprivileged
 * peers together hold more than their budget.  Its requests then wait
 * in its input buffer and the socket's, unread.
 */
static int conn_blocked_by(const struct control_conn *k, size_t unpriv)
{
	if (conn_pending(k) > CONTROL_OUT_HIGH)
		return 1;
	return !k->peer.privileged && unpriv > CONTROL_OUT_BUDGET;
}

static int conn_blocked(const struct control *c, const struct control_conn *k)
{
	return conn_blocked_by(k, k->peer.privileged ? 0 : unpriv_pending(c));
}

/* Poll for input only while it would be used, for output while some is due. */
static void conn_set_events_by(struct control *c, struct control_conn *k, int blocked)
{
	int events = 0;
	struct epoll_event ev;

	if (!k->closing && !k->eof && k->inlen < sizeof(k->in) && !blocked)
		events |= EPOLLIN;
	if (conn_pending(k))
		events |= EPOLLOUT;
	if (k->events == events)
		return;
	ev.events = (uint32_t)events;
	ev.data.u32 = (uint32_t)(k - c->conns);
	if (!epoll_ctl(c->ep, EPOLL_CTL_MOD, k->fd, &ev))
		k->events = events;
}

static void conn_set_events(struct control *c, struct control_conn *k)
{
	conn_set_events_by(c, k, conn_blocked(c, k));
}

/* Queue len bytes of answer; -1 if memory runs out. */
static int conn_append(struct control_conn *k, const char *data, size_t len,
		       uint64_t now)
{
	size_t cap;
	char *p;

	if (k->outoff && k->outoff == k->outlen)
		k->outoff = k->outlen = 0;
	if (k->outoff && k->outlen + len > k->outcap) {
		memmove(k->out, k->out + k->outoff, k->outlen - k->outoff);
		k->outlen -= k->outoff;
		k->outoff = 0;
	}
	if (k->outlen + len > k->outcap) {
		cap = k->outcap ? k->outcap : 512;
		while (cap < k->outlen + len)
			cap *= 2;
		p = realloc(k->out, cap);
		if (!p)
			return -1;
		k->out = p;
		k->outcap = cap;
	}
	if (!conn_pending(k))
		k->out_ms = now;
	memcpy(k->out + k->outlen, data, len);
	k->outlen += len;
	return 0;
}

static void conn_say(struct control_conn *k, const char *msg, uint64_t now)
{
	if (conn_append(k, msg, strlen(msg), now))
		k->closing = 1;		/* cannot even say why: give up */
}

static void conn_accept(struct control *c, int lfd, int readonly)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct control_conn *k;
	struct control_peer peer;
	struct ucred cred;
	socklen_t len;
	unsigned i, unpriv, same_uid;
	const char *busy;
	int fd, e, turn;

	/* A bounded number per turn: a flood of connections is one peer more. */
	for (turn = 0; turn < CONTROL_ACCEPT_BUDGET; turn++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			e = errno;
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
				accept_pause(c);
			else if (e != EAGAIN && e != EINTR && e != ECONNABORTED)
				log_warn("control: accept");
			if (e == EINTR || e == ECONNABORTED)
				continue;
			return;
		}
		memset(&peer, 0, sizeof(peer));
		peer.readonly = readonly;
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
			peer.pid = cred.pid;
			peer.uid = cred.uid;
			peer.gid = cred.gid;
			peer.privileged = !readonly && (cred.uid == 0 ||
				(c->group != (gid_t)-1 &&
				 (cred.gid == c->group || peer_in_group(fd, c->group))));
		} else {
			peer.uid = (uid_t)-1;
		}
		k = NULL;
		unpriv = same_uid = 0;
		for (i = 0; i < c->max_conns; i++) {
			struct control_conn *x = &c->conns[i];

			if (x->fd < 0) {
				if (!k)
					k = x;
				continue;
			}
			if (!x->peer.privileged) {
				unpriv++;
				same_uid += x->peer.uid == peer.uid;
			}
		}
		/*
		 * Slots are reserved for root and the control group, so
		 * that unprivileged or anonymous peers, however many,
		 * never lock the login hooks out.
		 */
		busy = NULL;
		if (!k)
			busy = "ERR busy too many control connections\n";
		else if (!peer.privileged && unpriv >= c->max_conns - c->reserved)
			busy = "ERR busy every control slot open to unprivileged peers "
			       "is taken\n";
		else if (!peer.privileged && same_uid >= c->per_uid)
			busy = "ERR busy too many control connections from this uid\n";
		if (busy) {
			c->st.refused++;
			ssize_t w = send(fd, busy, strlen(busy), MSG_NOSIGNAL | MSG_DONTWAIT);

			(void)w;	/* a fresh socket's buffer is empty */
			close(fd);
			continue;
		}
		ev.data.u32 = (uint32_t)(k - c->conns);
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev)) {
			log_warn("control: epoll_ctl");
			close(fd);
			continue;
		}
		memset(k, 0, sizeof(*k));
		k->fd = fd;
		k->peer = peer;
		k->events = EPOLLIN;
		k->last_ms = control_now_ms();
	}
}

/* Write what is pending; close when done and asked to. */
static void conn_flush(struct control *c, struct control_conn *k, uint64_t now)
{
	ssize_t n;

	while (conn_pending(k)) {
		n = send(k->fd, k->out + k->outoff, conn_pending(k),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_close(c, k);
			return;
		}
		k->outoff += (size_t)n;
	}
	if (!conn_pending(k)) {
		k->outoff = k->outlen = 0;
		k->out_ms = 0;
		k->last_ms = now;
		/* Don't keep a large answer's buffer for an idle peer. */
		if (k->outcap > CONTROL_OUT_HIGH) {
			free(k->out);
			k->out = NULL;
			k->outcap = 0;
		}
		if (k->closing) {
			conn_close(c, k);
			return;
		}
	}
	conn_set_events(c, k);
}

static void conn_request(struct control *c, struct control_conn *k,
			 const char *line, size_t len, uint64_t now)
{
	struct control_req *req = malloc(sizeof(*req));
	struct obuf one = { 0 };
	char err[128], msg[192];

	c->st.requests++;
	if (!req) {
		conn_say(k, "ERR internal out of memory\n", now);
		return;
	}
	if (proto_parse(line, len, req, err, sizeof(err))) {
		c->st.errors++;
		snprintf(msg, sizeof(msg), "ERR usage %s\n", err);
		conn_say(k, msg, now);
	} else {
		c->handler(req, &k->peer, &one, c->arg);
		if (one.overflow) {
			c->st.overflows++;
			snprintf(msg, sizeof(msg), "ERR internal answer larger than %u "
				 "bytes\n", CONTROL_MAX_OUTPUT);
			conn_say(k, msg, now);
		} else if (one.len) {
			if (one.len > 3 && !strncmp(one.data, "ERR", 3))
				c->st.errors++;
			if (conn_append(k, one.data, one.len, now)) {
				c->st.overflows++;
				conn_say(k, "ERR internal out of memory for the answer\n", now);
			}
		} else {
			/* A handler that says nothing still gets an answer. */
			conn_say(k, "ERR internal empty answer\n", now);
		}
	}
	obuf_free(&one);
	free(req);
}

/*
 * Serve the complete lines k has sent, at most CONTROL_READ_BUDGET per
 * call so that one peer streaming requests cannot starve the others;
 * what is left is served on a later turn (the wake eventfd).
 */
static void conn_serve(struct control *c, struct control_conn *k, uint64_t now)
{
	unsigned served = 0;
	char *nl;

	while (!k->closing && k->inlen && (nl = memchr(k->in, '\n', k->inlen))) {
		size_t ll = (size_t)(nl - k->in);

		if (conn_blocked(c, k))
			break;
		if (served == CONTROL_READ_BUDGET) {
			control_wake(c);
			break;
		}
		conn_request(c, k, k->in, ll, now);
		memmove(k->in, nl + 1, k->inlen - ll - 1);
		k->inlen -= ll + 1;
		k->last_ms = now;
		served++;
	}
	if (!k->closing && k->inlen == sizeof(k->in) && !memchr(k->in, '\n', k->inlen)) {
		char msg[96];

		c->st.errors++;
		snprintf(msg, sizeof(msg), "ERR usage request longer than %d bytes\n",
			 CONTROL_MAX_LINE);
		conn_say(k, msg, now);
		k->closing = 1;
		k->inlen = 0;
	}
	/* The peer is done: once every request it sent is answered, close. */
	if (k->eof && !k->closing && !(k->inlen && memchr(k->in, '\n', k->inlen))) {
		k->inlen = 0;	/* half a request: nobody to tell */
		k->closing = 1;
	}
	/* The deadline runs from a partial request's first byte, not its last. */
	if (!k->inlen || memchr(k->in, '\n', k->inlen))
		k->req_ms = 0;
	else if (!k->req_ms)
		k->req_ms = now;
}

/* One read per turn: a budget, not "until EAGAIN". */
static void conn_read(struct control *c, struct control_conn *k)
{
	ssize_t n;

	if (k->closing || k->eof || k->inlen == sizeof(k->in) || conn_blocked(c, k))
		return;
	do
		n = recv(k->fd, k->in + k->inlen, sizeof(k->in) - k->inlen, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		k->closing = 1;		/* a reset: nobody to answer */
		k->inlen = 0;
		return;
	}
	if (!n) {
		/* EOF: answer what was asked (conn_serve), then close. */
		k->eof = 1;
		return;
	}
	k->inlen += (size_t)n;
}

void control_dispatch(struct control *c)
{
	struct epoll_event evs[16];
	uint64_t now = control_now_ms(), v;
	unsigned j;
	int n, i;

	n = epoll_wait(c->ep, evs, 16, 0);
	for (i = 0; i < n; i++) {
		struct control_conn *k;

		if (evs[i].data.u32 == LISTEN_ID || evs[i].data.u32 == READ_LISTEN_ID) {
			if (evs[i].data.u32 == LISTEN_ID)
				conn_accept(c, c->lfd, 0);
			else
				conn_accept(c, c->rfd, 1);
			continue;
		}
		if (evs[i].data.u32 == WAKE_ID) {
			if (read(c->wake, &v, sizeof(v)) < 0)
				v = 0;
			c->woken = 0;
			for (j = 0; j < c->max_conns; j++) {
				k = &c->conns[j];
				if (k->fd >= 0 && !k->closing && (k->inlen || k->eof)) {
					conn_serve(c, k, now);
					conn_flush(c, k, now);
				}
			}
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
			conn_flush(c, k, now);
		if (k->fd >= 0 && evs[i].events & EPOLLIN) {
			conn_read(c, k);
			conn_serve(c, k, now);
			conn_flush(c, k, now);
		}
	}
	control_unblock(c);
}

/*
 * Connections held back by the unprivileged budget have nothing of
 * their own to wake them: once the budget has room, serve them again.
 */
static void control_unblock(struct control *c)
{
	size_t unpriv = unpriv_pending(c);
	unsigned i;
	int blocked;

	for (i = 0; i < c->max_conns; i++) {
		struct control_conn *k = &c->conns[i];

		if (k->fd < 0 || k->closing)
			continue;
		blocked = conn_blocked_by(k, unpriv);
		conn_set_events_by(c, k, blocked);
		if (k->inlen && !blocked && memchr(k->in, '\n', k->inlen))
			control_wake(c);
	}
}

static void control_wake(struct control *c)
{
	uint64_t one = 1;

	if (c->woken)
		return;
	if (write(c->wake, &one, sizeof(one)) == (ssize_t)sizeof(one))
		c->woken = 1;
}

static void accept_pause(struct control *c)
{
	struct epoll_event ev = { .events = 0, .data.u32 = LISTEN_ID };

	/*
	 * Out of descriptors: the listener would stay readable and the
	 * loop spin.  Stop polling it for a while (or until one of ours
	 * closes); the kernel keeps the peers in the backlog meanwhile.
	 */
	if (c->accept_resume_ms)
		return;
	log_warn("control: accept (paused for %u ms)", CONTROL_ACCEPT_PAUSE_MS);
	c->st.accept_pauses++;
	c->accept_resume_ms = control_now_ms() + CONTROL_ACCEPT_PAUSE_MS;
	epoll_ctl(c->ep, EPOLL_CTL_MOD, c->lfd, &ev);
	if (c->rfd >= 0) {
		ev.data.u32 = READ_LISTEN_ID;
		epoll_ctl(c->ep, EPOLL_CTL_MOD, c->rfd, &ev);
	}
}

static void accept_resume(struct control *c)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LISTEN_ID };

	c->accept_resume_ms = 0;
	epoll_ctl(c->ep, EPOLL_CTL_MOD, c->lfd, &ev);
	if (c->rfd >= 0) {
		ev.data.u32 = READ_LISTEN_ID;
		epoll_ctl(c->ep, EPOLL_CTL_MOD, c->rfd, &ev);
	}
}

void control_expire(struct control *c, uint64_t now_ms)
{
	unsigned i;

	if (!now_ms)
		now_ms = control_now_ms();
	if (c->accept_resume_ms && now_ms >= c->accept_resume_ms)
		accept_resume(c);
	for (i = 0; i < c->max_conns; i++) {
		struct control_conn *k = &c->conns[i];

		if (k->fd < 0)
			continue;
		if (k->out_ms && now_ms - k->out_ms > c->idle_ms) {
			/* Answers not read for the whole timeout. */
			c->st.timeouts++;
			conn_close(c, k);
		} else if (k->req_ms && !k->closing &&
			   now_ms - k->req_ms > CONTROL_REQUEST_MS) {
			char msg[96];

			c->st.deadlines++;
			snprintf(msg, sizeof(msg), "ERR usage request not complete within "
				 "%u ms\n", CONTROL_REQUEST_MS);
			conn_say(k, msg, now_ms);
			k->closing = 1;
			k->inlen = 0;
			k->req_ms = 0;
			conn_flush(c, k, now_ms);
		} else if (!k->out_ms && !k->req_ms && now_ms - k->last_ms > c->idle_ms) {
			c->st.timeouts++;
			conn_close(c, k);
		}
	}
	/* Closed connections may have freed the unprivileged budget. */
	control_unblock(c);
}
