/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control.h - the Unix control socket: framing, limits, peer
 * credentials and dispatch.  What the verbs do is the daemon's
 * business; this module only gets requests in and answers out.
 *
 * The protocol itself (framing, escaping, parsing) is core/proto.h.
 *
 * Resource discipline (every peer may be hostile):
 *  - a request must be complete CONTROL_REQUEST_MS after its first
 *    byte (ERR usage, then closed): trickling bytes buys no time;
 *  - answers not read within the idle timeout close the connection;
 *  - a peer whose unsent answers exceed CONTROL_OUT_HIGH is not read
 *    until they drain; unprivileged peers together are not read while
 *    their unsent answers exceed CONTROL_OUT_BUDGET.  Memory, at most:
 *    max_conns x (CONTROL_MAX_LINE + CONTROL_OUT_HIGH + one answer)
 *    for privileged peers, CONTROL_OUT_BUDGET + one answer for all
 *    unprivileged peers together;
 *  - each connection gets one read and CONTROL_READ_BUDGET requests
 *    per turn of the event loop (fairness);
 *  - control_reserved_slots(max_conns) slots are only for root and the
 *    control group, and one unprivileged uid holds at most half of the
 *    others: the login hooks are never locked out;
 *  - EMFILE on accept pauses accepting for CONTROL_ACCEPT_PAUSE_MS (or
 *    until a connection closes) instead of spinning;
 *  - nothing is dropped silently: a refused connection or request is
 *    told why with an ERR.
 */
#ifndef NFQLB_CONTROL_H
#define NFQLB_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/proto.h"

#define CONTROL_OUT_HIGH	(64u << 10)	/* unsent, per connection */
#define CONTROL_OUT_BUDGET	(1u << 20)	/* unsent, unprivileged peers */
#define CONTROL_READ_BUDGET	16		/* requests per connection per turn */
#define CONTROL_REQUEST_MS	2000		/* first byte to newline */
#define CONTROL_ACCEPT_PAUSE_MS	1000
#define CONTROL_ACCEPT_BUDGET	32		/* connections accepted per turn */

/* Slots kept for privileged peers out of max_conns. */
unsigned control_reserved_slots(unsigned max_conns);

/* Who is asking, from SO_PEERCRED and SO_PEERGROUPS. */
struct control_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int privileged;		/* root, or in the configured group */
	int readonly;		/* came through the read-only socket */
};

/*
 * The daemon's handler: fill o with the whole answer ("OK N" and
 * records, or "ERR ...").  Called once per request.
 */
typedef void (*control_handler)(const struct control_req *req,
				const struct control_peer *peer,
				struct obuf *o, void *arg);

struct control_params {
	const char *path;
	mode_t mode;
	gid_t group;		/* (gid_t)-1: no group, root only */
	/*
	 * The read-only socket (NULL or "": none), mode 0660 with
	 * read_group ((gid_t)-1: 0600, root only).  Every peer on it is
	 * unprivileged, root included: it may use only the verbs that
	 * change nothing, so a reader (nfqlb-web) in read_group alone can
	 * change nothing even if compromised.
	 */
	const char *read_path;
	gid_t read_group;
	unsigned idle_timeout;	/* seconds */
	unsigned max_conns;
};

struct control;

/* Create the socket (a stale one is removed). NULL with err set. */
struct control *control_open(const struct control_params *p,
			     control_handler h, void *arg,
			     char *err, size_t errlen);
/* Close everything and unlink the socket. */
void control_close(struct control *c);

/* Register the listening socket and connections with epoll. */
int control_epoll_fd(const struct control *c);
/* Handle what is ready on control_epoll_fd (non-blocking). */
void control_dispatch(struct control *c);
/* Close connections idle for longer than the timeout; call every second. */
void control_expire(struct control *c, uint64_t now_ms);

/* Requests served, refused, and connections dropped, for stats. */
struct control_stats {
	uint64_t requests, errors, refused, timeouts, overflows;
	uint64_t deadlines;		/* requests not complete in time */
	uint64_t accept_pauses;		/* EMFILE and the like */
};
const struct control_stats *control_stats(const struct control *c);

#endif
