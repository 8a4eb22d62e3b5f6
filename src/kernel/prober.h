/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prober.h - the health prober: per gateway, rounds of probes (ICMP
 * echo, TCP connect) through the gateway's own table (SO_MARK), each
 * round's answers fed to the pure state machine of core/health.h, and
 * a callback on every change of a gateway's state.
 */
#ifndef NFQLB_PROBER_H
#define NFQLB_PROBER_H

#include <stdint.h>
#include <netinet/in.h>

#include "core/health.h"


struct prober;

/*
 * Called from prober_dispatch() when a gateway's state changes, after
 * all the I/O of that call: it may call prober_gw_info(),
 * prober_gw_del() and prober_gw_add() (any slot).
 */
typedef void prober_change_cb(unsigned slot, enum health_state from,
			      enum health_state to, void *arg);
/*
 * Microseconds on a monotonic clock; NULL: CLOCK_MONOTONIC.  The
 * timerfd is armed relative to it, so a fake clock only has to move
 * forward between prober_dispatch() calls.
 */
typedef uint64_t prober_clock_fn(void *arg);

/*
 * A prober with no gateway yet.  p is copied (checked: EINVAL); arg is
 * passed to on_change (may be NULL) and clock.  NULL with errno set.
 */
struct prober *prober_new(const struct health_params *p,
			  prober_change_cb *on_change, prober_clock_fn *clock,
			  void *arg);
/* Closes every socket; the caller removes prober_fd() from its epoll first. */
void prober_free(struct prober *h);

/*
 * Probe targets[0..n) through the gateway of slot (0..HEALTH_MAX_GW)
 * with mark on every probe socket; src, unless INADDR_ANY, is bound as
 * the probes' source address (the kernel otherwise picks it from the
 * route, i.e. the address of the gateway's interface).  The first
 * round starts at the next prober_dispatch().  0, or -1 with errno:
 * EINVAL (slot, n outside 1..HEALTH_MAX_TARGETS, n < min_ok, a TCP
 * port 0), EEXIST (slot in use), or the socket's error (EPERM without
 * CAP_NET_RAW for ICMP / CAP_NET_ADMIN for a mark).
 */
int prober_gw_add(struct prober *h, unsigned slot, uint32_t mark,
		  struct in_addr src, const struct health_target *targets,
		  unsigned n);
/* Stop probing slot; 0, or -1 errno ENOENT/EINVAL.  No callback. */
int prober_gw_del(struct prober *h, unsigned slot);

struct health_info {
	enum health_state state;
	unsigned ntargets;
	unsigned good, bad;		/* consecutive good / failed rounds */
	uint64_t rounds;		/* rounds judged since added */
	unsigned last_ok;		/* targets answered in the last round */
	unsigned in_flight;		/* probes of the open round not settled */
	int has_rtt;
	uint32_t last_rtt_us;
	unsigned loss_pct;		/* over the window (= quality.loss_pct) */
	struct health_quality quality;
	enum health_reason reason;	/* of the last DOWN */
};
/* 0, or -1 errno EINVAL (bad slot) / ENOENT (not probed). */
int prober_gw_info(const struct prober *h, unsigned slot,
		   struct health_info *info);

/* The epoll fd to watch for EPOLLIN (level-triggered). */
int prober_fd(const struct prober *h);
/*
 * Handle whatever is ready (without blocking): answers, round ends,
 * round starts; then the state change callbacks.  0, or -1 with errno
 * if the module's own epoll or timer failed (impossible in practice).
 */
int prober_dispatch(struct prober *h);

#endif
