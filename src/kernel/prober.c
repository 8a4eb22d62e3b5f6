// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * prober.c - per-gateway health probes: the prober that feeds the pure
 * state machine (core/health.c) from ICMP and TCP sockets in one epoll
 * set (see prober.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "kernel/prober.h"
#include "util/log.h"

/* ---- the prober ---- */

/* What an epoll event's data.ptr points at. */
enum io_kind {
	IO_TIMER,
	IO_ICMP,
	IO_TCP,
};

struct health_io {
	int fd;
	uint8_t kind;			/* enum io_kind */
	uint8_t slot;
	uint8_t target;
};

/* The ICMP sequence is round << 3 | target. */
_Static_assert(HEALTH_MAX_TARGETS == 8, "target index is 3 bits of the sequence");

/* Echo payload: the instance cookie, so foreign pingers are told apart. */
#define HEALTH_ICMP_PAYLOAD	16
#define HEALTH_ICMP_LEN		(sizeof(struct icmphdr) + HEALTH_ICMP_PAYLOAD)
/* Datagrams read per ready ICMP socket per dispatch: fairness. */
#define HEALTH_ICMP_READS	32
#define HEALTH_EVENTS		32

struct health_gw {
	int used;
	uint32_t mark;
	struct in_addr src;
	unsigned n;
	struct health_target t[HEALTH_MAX_TARGETS];
	struct health_sm sm;
	uint16_t ident;			/* ICMP identifier */
	uint16_t round;			/* ICMP sequence = round << 3 | target */
	uint64_t next_us;		/* start of the next round */
	uint64_t end_us;		/* judgement of the open round */
	struct health_io icmp;		/* fd -1 without ICMP targets */
	struct health_io tcp[HEALTH_MAX_TARGETS];	/* fd -1 when idle */
	int notify;			/* a change to report */
	enum health_state notify_from;
};

struct prober {
	struct health_params p;
	prober_change_cb *on_change;
	prober_clock_fn *clock;
	void *arg;
	int ep;
	struct health_io timer;
	uint16_t ident_base;
	uint8_t cookie[HEALTH_ICMP_PAYLOAD];
	struct health_gw gw[HEALTH_MAX_GW];
};

static uint64_t mono_us(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_us(const struct prober *h)
{
	return h->clock(h->arg);
}

/* RFC 1071, over an even or odd length. */
static uint16_t inet_csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

struct prober *prober_new(const struct health_params *p,
			  prober_change_cb *on_change, prober_clock_fn *clock,
			  void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct prober *h;
	unsigned i, t;
	int saved;

	if (!p || health_params_check(p)) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->p = *p;
	h->on_change = on_change;
	h->clock = clock ? clock : mono_us;
	h->arg = arg;
	h->ep = -1;
	h->timer.fd = -1;
	for (i = 0; i < HEALTH_MAX_GW; i++) {
		h->gw[i].icmp.fd = -1;
		for (t = 0; t < HEALTH_MAX_TARGETS; t++)
			h->gw[i].tcp[t].fd = -1;
	}
	/*
	 * Raw ICMP sockets see every echo reply of the namespace, other
	 * pingers' too: a random identifier base and cookie keep two
	 * probers (a restart, a test tool) from taking each other's.
	 */
	if (getrandom(&h->ident_base, sizeof(h->ident_base), GRND_NONBLOCK) !=
	    sizeof(h->ident_base))
		h->ident_base = (uint16_t)(getpid() ^ time(NULL));
	if (getrandom(h->cookie, sizeof(h->cookie), GRND_NONBLOCK) !=
	    sizeof(h->cookie)) {
		uint64_t c = mono_us(NULL) ^ (uint64_t)getpid() << 32;

		memcpy(h->cookie, &c, sizeof(c));
	}
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep < 0)
		goto fail;
	/* Non-blocking: a fake clock calls dispatch without waiting. */
	h->timer.fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->timer.fd < 0)
		goto fail;
	h->timer.kind = IO_TIMER;
	ev.data.ptr = &h->timer;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->timer.fd, &ev))
		goto fail;
	return h;
fail:
	saved = errno;
	if (h->timer.fd >= 0)
		close(h->timer.fd);
	if (h->ep >= 0)
		close(h->ep);
	free(h);
	errno = saved;
	return NULL;
}

static void io_close(struct health_io *io)
{
	if (io->fd < 0)
		return;
	/* close() drops it from the epoll set: the fd is never dup'ed. */
	close(io->fd);
	io->fd = -1;
}

/*
 * Abort a TCP probe: a RST instead of a FIN, so no TIME_WAIT socket
 * is left behind every round (and an unfinished connect just stops).
 */
static void tcp_close(struct health_io *io)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (io->fd < 0)
		return;
	setsockopt(io->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	io_close(io);
}

static void gw_close(struct health_gw *g)
{
	unsigned t;

	io_close(&g->icmp);
	for (t = 0; t < HEALTH_MAX_TARGETS; t++)
		tcp_close(&g->tcp[t]);
}

void prober_free(struct prober *h)
{
	unsigned i;

	if (!h)
		return;
	for (i = 0; i < HEALTH_MAX_GW; i++)
		gw_close(&h->gw[i]);
	close(h->timer.fd);
	close(h->ep);
	free(h);
}

int prober_fd(const struct prober *h)
{
	return h->ep;
}

/* SO_MARK, then the source address: common to both kinds of probe. */
static int sock_prepare(int fd, uint32_t mark, struct in_addr src)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = src };
	int one = 1;

	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		return -1;
	if (src.s_addr == htonl(INADDR_ANY))
		return 0;
	/*
	 * Without this, bind() would reserve a local port now, for a
	 * socket whose port connect() chooses anyway (ip(7)); it also
	 * keeps the port space free of sockets that never connect.
	 */
	setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/*
 * The gateway's raw ICMP socket.  ICMP_FILTER keeps everything but
 * echo replies out; the classic BPF program (as iputils' ping does)
 * keeps other identifiers' replies out, so each gateway's socket
 * wakes for its own answers only.  Both are optimisations: replies
 * are matched in full in icmp_read() anyway.
 */
static int icmp_open(struct prober *h, struct health_gw *g, unsigned slot)
{
	struct icmp_filter filt = { .data = ~(1u << ICMP_ECHOREPLY) };
	struct sock_filter code[] = {
		/* X = IP header length; A = ICMP identifier */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, g->ident, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, saved;

	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP);
	if (fd < 0)
		return -1;
	if (sock_prepare(fd, g->mark, g->src))
		goto fail;
	if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt)))
		log_debug("ICMP_FILTER on gateway %u: %s", slot, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		log_debug("SO_ATTACH_FILTER on gateway %u: %s", slot,
			  strerror(errno));
	g->icmp.fd = fd;
	g->icmp.kind = IO_ICMP;
	g->icmp.slot = (uint8_t)slot;
	ev.data.ptr = &g->icmp;
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev))
		goto fail;
	return 0;
fail:
	saved = errno;
	close(fd);
	g->icmp.fd = -1;
	errno = saved;
	return -1;
}

/* Arm the timer for the earliest deadline of any gateway, or disarm. */
static int timer_arm(struct prober *h)
{
	struct itimerspec its;
	uint64_t now = now_us(h), next = UINT64_MAX, d;
	unsigned i;

	for (i = 0; i < HEALTH_MAX_GW; i++) {
		const struct health_gw *g = &h->gw[i];

		if (!g->used)
			continue;
		d = g->sm.in_round ? g->end_us : g->next_us;
		if (d < next)
			next = d;
	}
	memset(&its, 0, sizeof(its));
	if (next != UINT64_MAX) {
		/*
		 * Relative, so that any monotonic clock of the caller's
		 * works.  A zero it_value would disarm: at least 1 µs.
		 */
		d = next > now ? next - now : 1;
		its.it_value.tv_sec = (time_t)(d / 1000000);
		its.it_value.tv_nsec = (long)(d % 1000000) * 1000;
	}
	return timerfd_settime(h->timer.fd, 0, &its, NULL);
}

/*
 * When a new gateway's first round starts: with the others' next one,
 * so that every gateway's round is judged in the same dispatch and
 * the daemon can judge their verdicts together (a probe target's
 * outage shows on every gateway in the same round).  Alone: now.
 */
static uint64_t next_round_us(const struct prober *h, unsigned slot)
{
	unsigned i;

	for (i = 0; i < HEALTH_MAX_GW; i++)
		if (i != slot && h->gw[i].used)
			return h->gw[i].next_us;
	return now_us(h);
}

int prober_gw_add(struct prober *h, unsigned slot, uint32_t mark,
		  struct in_addr src, const struct health_target *targets,
		  unsigned n)
{
	struct health_gw *g;
	unsigned t;
	int icmp = 0;

	if (slot >= HEALTH_MAX_GW || !targets || n < 1 ||
	    n > HEALTH_MAX_TARGETS || n < h->p.min_ok) {
		errno = EINVAL;
		return -1;
	}
	g = &h->gw[slot];
	if (g->used) {
		errno = EEXIST;
		return -1;
	}
	for (t = 0; t < n; t++) {
		if (targets[t].kind == HEALTH_ICMP)
			icmp = 1;
		else if (targets[t].kind != HEALTH_TCP || targets[t].port == 0) {
			errno = EINVAL;
			return -1;
		}
	}
	memset(g, 0, sizeof(*g));
	g->icmp.fd = -1;
	for (t = 0; t < HEALTH_MAX_TARGETS; t++)
		g->tcp[t].fd = -1;
	g->mark = mark;
	g->src = src;
	g->n = n;
	memcpy(g->t, targets, n * sizeof(*targets));
	health_sm_init(&g->sm, n);
	g->ident = (uint16_t)(h->ident_base + slot);
	if (icmp && icmp_open(h, g, slot) < 0)
		return -1;	/* g->used still 0: the slot stays free */
	g->used = 1;
	g->next_us = next_round_us(h, slot);
	if (timer_arm(h)) {
		int saved = errno;

		gw_close(g);
		g->used = 0;
		errno = saved;
		return -1;
	}
	return 0;
}

/* 0 if slot is probed, else -1 with errno EINVAL / ENOENT. */
static int gw_check_used(const struct prober *h, unsigned slot)
{
	if (slot >= HEALTH_MAX_GW) {
		errno = EINVAL;
		return -1;
	}
	if (!h->gw[slot].used) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int prober_gw_del(struct prober *h, unsigned slot)
{
	struct health_gw *g;

	if (gw_check_used(h, slot))
		return -1;
	g = &h->gw[slot];
	gw_close(g);
	g->used = 0;
	g->notify = 0;
	/* The timer may now be early or idle: harmless, re-armed on fire. */
	return 0;
}

int prober_gw_info(const struct prober *h, unsigned slot,
		   struct health_info *info)
{
	const struct health_gw *g;

	if (gw_check_used(h, slot))
		return -1;
	g = &h->gw[slot];
	memset(info, 0, sizeof(*info));
	info->state = g->sm.state;
	info->ntargets = g->n;
	info->good = g->sm.good;
	info->bad = g->sm.bad;
	info->rounds = g->sm.rounds;
	info->last_ok = g->sm.last_ok;
	info->in_flight = g->sm.in_flight;
	info->has_rtt = g->sm.has_rtt;
	info->last_rtt_us = g->sm.last_rtt_us;
	health_sm_quality(&g->sm, &h->p, &info->quality);
	info->loss_pct = info->quality.loss_pct;
	info->reason = g->sm.reason;
	return 0;
}

static const char *target_str(const struct health_target *t, char *buf,
			      size_t len)
{
	char a[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &t->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (t->kind == HEALTH_TCP)
		snprintf(buf, len, "tcp:%s:%u", a, t->port);
	else
		snprintf(buf, len, "icmp:%s", a);
	return buf;
}

static void icmp_send(struct prober *h, struct health_gw *g, unsigned slot,
		      unsigned t)
{
	uint8_t pkt[HEALTH_ICMP_LEN];
	struct icmphdr *ic = (struct icmphdr *)pkt;
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_addr = g->t[t].addr,
	};
	char d[64];

	memset(pkt, 0, sizeof(pkt));
	ic->type = ICMP_ECHO;
	ic->code = 0;
	ic->un.echo.id = htons(g->ident);
	ic->un.echo.sequence = htons((uint16_t)(g->round << 3 | t));
	memcpy(pkt + sizeof(*ic), h->cookie, sizeof(h->cookie));
	/* Computed with the checksum field zero; already in network order. */
	ic->checksum = inet_csum(pkt, sizeof(pkt));
	health_sm_sent(&g->sm, t, now_us(h));
	/*
	 * An error here (ENETUNREACH, EHOSTUNREACH, ENOBUFS with the link
	 * down) is this probe's answer: lost.  Debug only, since a dead
	 * uplink would otherwise log every round.
	 */
	if (sendto(g->icmp.fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) < 0) {
		log_debug("gateway %u: %s: %s", slot,
			  target_str(&g->t[t], d, sizeof(d)), strerror(errno));
		health_sm_fail(&g->sm, t);
	}
}

/* ECONNREFUSED: a RST came back through the gateway, so the path works. */
static int tcp_reached(int err)
{
	return err == 0 || err == ECONNREFUSED;
}

static void tcp_send(struct prober *h, struct health_gw *g, unsigned slot,
		     unsigned t)
{
	struct health_io *io = &g->tcp[t];
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_addr = g->t[t].addr,
		.sin_port = htons(g->t[t].port),
	};
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = io };
	char d[64];
	int fd, err;

	/* A probe left from the previous round was judged already. */
	tcp_close(io);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || sock_prepare(fd, g->mark, g->src)) {
		log_warn("gateway %u: %s: probe socket", slot,
			 target_str(&g->t[t], d, sizeof(d)));
		if (fd >= 0)
			close(fd);
		return;		/* never sent: lost */
	}
	io->fd = fd;
	io->kind = IO_TCP;
	io->slot = (uint8_t)slot;
	io->target = (uint8_t)t;
	health_sm_sent(&g->sm, t, now_us(h));
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0) {
		health_sm_answer(&g->sm, &h->p, t, now_us(h));
		tcp_close(io);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		if (tcp_reached(err)) {
			health_sm_answer(&g->sm, &h->p, t, now_us(h));
		} else {
			log_debug("gateway %u: %s: %s", slot,
				  target_str(&g->t[t], d, sizeof(d)),
				  strerror(err));
			health_sm_fail(&g->sm, t);
		}
		tcp_close(io);
		return;
	}
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev)) {
		log_warn("gateway %u: epoll_ctl", slot);
		health_sm_fail(&g->sm, t);
		tcp_close(io);
	}
}

/* The connect finished, one way or the other (EPOLLOUT, EPOLLERR). */
static void tcp_ready(struct prober *h, struct health_io *io)
{
	struct health_gw *g = &h->gw[io->slot];
	socklen_t len = sizeof(int);
	int err = 0;
	char d[64];

	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (tcp_reached(err)) {
		health_sm_answer(&g->sm, &h->p, io->target, now_us(h));
	} else {
		log_debug("gateway %u: %s: %s", io->slot,
			  target_str(&g->t[io->target], d, sizeof(d)),
			  strerror(err));
		health_sm_fail(&g->sm, io->target);
	}
	tcp_close(io);
}

/*
 * Is this datagram (IP header included: raw socket) the answer to one
 * of g's probes of this round?  Returns the target, or -1.
 */
static int icmp_match(const struct prober *h, const struct health_gw *g,
		      const uint8_t *buf, size_t len, struct in_addr from)
{
	const struct icmphdr *ic;
	size_t ihl;
	unsigned seq, t;

	if (len < 20 || (buf[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + HEALTH_ICMP_LEN)
		return -1;
	ic = (const struct icmphdr *)(buf + ihl);
	if (ic->type != ICMP_ECHOREPLY || ic->code != 0 ||
	    ntohs(ic->un.echo.id) != g->ident)
		return -1;
	if (memcmp(buf + ihl + sizeof(*ic), h->cookie, sizeof(h->cookie)))
		return -1;
	/*
	 * Raw sockets get the datagram before icmp_rcv() has looked at
	 * it: the checksum is ours to verify.  Summing over a correct
	 * checksum gives 0.
	 */
	if (inet_csum(buf + ihl, len - ihl) != 0)
		return -1;
	seq = ntohs(ic->un.echo.sequence);
	t = seq & (HEALTH_MAX_TARGETS - 1);
	if ((seq >> 3) != (g->round & 0x1fff) || t >= g->n ||
	    g->t[t].kind != HEALTH_ICMP ||
	    g->t[t].addr.s_addr != from.s_addr)
		return -1;
	return (int)t;
}

static void icmp_read(struct prober *h, struct health_io *io)
{
	struct health_gw *g = &h->gw[io->slot];
	uint8_t buf[512];
	struct sockaddr_in from;
	socklen_t flen;
	ssize_t n;
	int i, t;

	for (i = 0; i < HEALTH_ICMP_READS; i++) {
		flen = sizeof(from);
		n = recvfrom(io->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/*
			 * A raw socket reports the ICMP errors its probes
			 * caused (host unreachable) as a pending socket
			 * error, consumed by this call: keep reading.
			 */
			continue;
		}
		if (flen < sizeof(from) || from.sin_family != AF_INET)
			continue;
		t = icmp_match(h, g, buf, (size_t)n, from.sin_addr);
		if (t >= 0)
			health_sm_answer(&g->sm, &h->p, (unsigned)t, now_us(h));
	}
}

static void gw_note(struct health_gw *g, enum health_state from)
{
	if (g->sm.state == from || g->notify)
		return;
	g->notify = 1;
	g->notify_from = from;
}

static void gw_round_end(struct health_gw *g, const struct health_params *p)
{
	enum health_state from = g->sm.state;
	unsigned t;

	/* Unfinished connects are lost probes now: stop them. */
	for (t = 0; t < HEALTH_MAX_TARGETS; t++)
		tcp_close(&g->tcp[t]);
	health_sm_end(&g->sm, p);
	gw_note(g, from);
}

static void gw_round_begin(struct prober *h, struct health_gw *g,
			   unsigned slot, uint64_t now)
{
	unsigned t;

	g->round++;
	health_sm_begin(&g->sm, &h->p);
	/*
	 * From the real start, not the scheduled one: a probe sent late
	 * still gets its full timeout_ms before the round is judged.
	 */
	g->end_us = now + (uint64_t)h->p.timeout_ms * 1000;
	for (t = 0; t < g->n; t++) {
		if (g->t[t].kind == HEALTH_ICMP)
			icmp_send(h, g, slot, t);
		else
			tcp_send(h, g, slot, t);
	}
}

/* Rounds due by now: judge the ones over, start the ones due. */
static void run_rounds(struct prober *h)
{
	uint64_t now = now_us(h), iv = (uint64_t)h->p.interval_ms * 1000;
	unsigned i;

	for (i = 0; i < HEALTH_MAX_GW; i++) {
		struct health_gw *g = &h->gw[i];

		if (!g->used)
			continue;
		if (g->sm.in_round && now >= g->end_us)
			gw_round_end(g, &h->p);
		if (g->sm.in_round || now < g->next_us)
			continue;
		/*
		 * Behind by more than a round (a stalled loop, a suspend):
		 * skip the missed rounds rather than fire them in a burst.
		 */
		if (now - g->next_us >= iv)
			g->next_us = now;
		gw_round_begin(h, g, i, now);
		g->next_us += iv;
	}
}

/* After all the I/O: the callbacks may add and delete gateways. */
static void notify(struct prober *h)
{
	unsigned i;

	for (i = 0; i < HEALTH_MAX_GW; i++) {
		struct health_gw *g = &h->gw[i];

		if (!g->used || !g->notify)
			continue;
		g->notify = 0;
		if (g->notify_from != g->sm.state && h->on_change)
			h->on_change(i, g->notify_from, g->sm.state, h->arg);
	}
}

int prober_dispatch(struct prober *h)
{
	struct epoll_event ev[HEALTH_EVENTS];
	uint64_t expirations;
	int n, i;

	n = epoll_wait(h->ep, ev, HEALTH_EVENTS, 0);
	if (n < 0 && errno != EINTR)
		return -1;
	/*
	 * Answers first: one processed before the deadline it beat is
	 * counted, even if the timer fired in the same wake-up.
	 */
	for (i = 0; i < n; i++) {
		struct health_io *io = ev[i].data.ptr;

		/* Closed by an earlier event of this batch (round end). */
		if (io->fd < 0)
			continue;
		switch (io->kind) {
		case IO_ICMP:
			icmp_read(h, io);
			break;
		case IO_TCP:
			tcp_ready(h, io);
			break;
		case IO_TIMER:
			/* EAGAIN when a fake clock runs us early: fine. */
			if (read(io->fd, &expirations, sizeof(expirations)) < 0 &&
			    errno != EAGAIN)
				return -1;
			break;
		}
	}
	/* Deadlines are checked on every call, whatever woke us. */
	run_rounds(h);
	if (timer_arm(h))
		return -1;
	notify(h);
	return 0;
}
