/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * health.h - per-gateway health probes, sent through the gateway
 * itself, judged with hysteresis.
 *
 * Two layers:
 *
 *  - health_sm_*: the pure state machine of one gateway.  No I/O, no
 *    clock of its own: the caller says when a round starts, when each
 *    probe was sent and answered (microseconds, any monotonic origin)
 *    and when the round is over.  Unit-tested with fake time.
 *
 *  - health_*: the prober.  Every round sends one probe to each target
 *    of each gateway, on sockets carrying SO_MARK = the gateway's
 *    fwmark, so the gateway's own table routes them (the daemon must
 *    add "iif lo fwmark M/MASK lookup M", rtnl_rule_add_local(): the
 *    LAN rules do not match the box's own traffic).  Everything is
 *    non-blocking and driven by one epoll fd the module owns (a
 *    timerfd and the probe sockets inside it); the daemon adds
 *    prober_fd() to its own epoll set and calls prober_dispatch() when
 *    it is readable.  No thread, no fork.
 *
 * Rounds.  A round starts every interval_ms; it sends one probe per
 * target and is judged timeout_ms later.  A probe counts as answered
 * only if the answer is processed within timeout_ms of its sending: a
 * late answer is a lost probe.  A round is good if at least min_ok
 * targets answered.  Every gateway's rounds run in step (a gateway
 * added later joins the others' schedule), so that one dispatch judges
 * the same round of all of them and the daemon can weigh their verdicts
 * together (judge.h).
 *
 * States.  PROBING until the first verdict.  DOWN on outright failure
 * (fall consecutive failed rounds) or on quality: the probe loss over
 * the last `window` rounds above loss_down %, or the RTT average over
 * them above rtt_down_ms.  UP (from PROBING or DOWN) only when rise
 * consecutive rounds were good AND the window's loss is at most
 * loss_up % AND its RTT average at most rtt_up_ms: hysteresis, so a
 * steadily lossy link is judged down once and stays down, instead of
 * coming back after every rise good rounds.  For these judgements a
 * window not yet filled counts its missing rounds as good (no verdict
 * on loss from the first few rounds).  A single round never moves a
 * gateway unless rise or fall is 1.  "drained" is not a health state:
 * it is the daemon's (weight 0) and shown beside it.
 *
 * Probes.
 *  - HEALTH_ICMP: echo request on a raw ICMP socket (CAP_NET_RAW), one
 *    socket per gateway; replies are matched on identifier, sequence
 *    (round and target), source address and a per-instance cookie in
 *    the payload, and their checksum is verified.
 *  - HEALTH_TCP: non-blocking connect() to addr:port, one socket per
 *    target per round.  Connected = answered.  ECONNREFUSED also
 *    counts as answered: the RST came back through the gateway, so the
 *    path works (a firewall that rejects with a RST looks the same).
 *    A timeout, EHOSTUNREACH, ENETUNREACH or any other error = lost.
 *    The socket is then closed with SO_LINGER 0 (a RST, no TIME_WAIT
 *    left on the box every round).
 * A mark of 0 sets no SO_MARK (main table; tests without privilege).
 * A non-zero mark needs CAP_NET_ADMIN.
 */
#ifndef NFQLB_HEALTH_H
#define NFQLB_HEALTH_H

#include <stdint.h>
#include <netinet/in.h>

#define HEALTH_MAX_GW		64	/* slots 0..63, like BALANCE_MAX_GW */
#define HEALTH_MAX_TARGETS	8	/* per gateway; 3 bits of ICMP seq */
#define HEALTH_MAX_WINDOW	64	/* rounds of the quality window, at most */

#define HEALTH_DEFAULT_INTERVAL_MS	2000
#define HEALTH_DEFAULT_TIMEOUT_MS	1000
#define HEALTH_DEFAULT_MIN_OK		1
#define HEALTH_DEFAULT_FALL		3
#define HEALTH_DEFAULT_RISE		2
/*
 * Quality defaults (a window of 60 s at the default interval, as
 * dpinger's).  Over 30 rounds, 10 % of random loss never reaches
 * 60 %.  Back up needs at most 5 % (1 lost probe of 30 with one
 * target): a link with 30 % of random loss, once judged down, comes
 * back within 60 rounds in fewer than 1 run in 1000 (check_health
 * measures both).
 */
#define HEALTH_DEFAULT_WINDOW		30
#define HEALTH_DEFAULT_LOSS_DOWN	60	/* % */
#define HEALTH_DEFAULT_LOSS_UP		5	/* % */
#define HEALTH_DEFAULT_RTT_DOWN_MS	500	/* as dpinger's alarm */
#define HEALTH_DEFAULT_RTT_UP_MS	250

/* Limits health_params_check() enforces. */
#define HEALTH_MIN_INTERVAL_MS		10
#define HEALTH_MAX_INTERVAL_MS		3600000
#define HEALTH_MAX_COUNT		100	/* fall, rise */

enum health_state {
	HEALTH_PROBING,		/* no verdict yet */
	HEALTH_UP,
	HEALTH_DOWN,
};

enum health_kind {
	HEALTH_ICMP,
	HEALTH_TCP,
};

struct health_target {
	enum health_kind kind;
	struct in_addr addr;		/* network byte order */
	uint16_t port;			/* host byte order; TCP only */
};

struct health_params {
	uint32_t interval_ms;		/* one round every interval_ms */
	uint32_t timeout_ms;		/* 1..interval_ms */
	unsigned min_ok;		/* answered targets for a good round */
	unsigned fall;			/* failed rounds in a row to go DOWN */
	unsigned rise;			/* good rounds in a row to go UP */
	unsigned window;		/* rounds of the quality window, 1..64 */
	unsigned loss_down;		/* DOWN when loss > this %, 100: never */
	unsigned loss_up;		/* UP only when loss <= this %, <= loss_down */
	uint32_t rtt_down_ms;		/* DOWN when RTT avg > this; 0: never */
	uint32_t rtt_up_ms;		/* UP only when RTT avg <= this; <= rtt_down */
};

/*
 * The defaults: 2000 ms, 1000 ms, 1 of the targets, fall 3, rise 2,
 * window 30, loss 60 % down / 5 % up, RTT 500 ms down / 250 ms up.
 */
void health_params_default(struct health_params *p);
/*
 * NULL if p is usable, else a message naming the bad field (static
 * storage), e.g. for the configuration's validation.  min_ok against
 * a gateway's target count is prober_gw_add()'s check.
 */
const char *health_params_check(const struct health_params *p);

/* "probing", "up", "down" (and "?" for anything else). */
const char *health_state_name(enum health_state s);

/* Why the last DOWN was decided. */
enum health_reason {
	HEALTH_WHY_NONE,
	HEALTH_WHY_FALL,		/* fall failed rounds in a row */
	HEALTH_WHY_LOSS,		/* window loss above loss_down */
	HEALTH_WHY_RTT,			/* window RTT average above rtt_down */
};
/* "-", "fall", "loss", "rtt". */
const char *health_reason_name(enum health_reason r);

/* The quality window, as health_sm_quality() measures it. */
struct health_quality {
	unsigned rounds;		/* rounds in the window so far */
	unsigned loss_pct;		/* lost / sent probes of those, 0..100 */
	unsigned nrtt;			/* answered probes of those */
	uint32_t rtt_avg_us;		/* their mean RTT (0 without answers) */
	uint32_t rtt_dev_us;		/* their standard deviation */
};

/*
 * The pure state machine of one gateway.  Callers read the fields;
 * only the health_sm_* functions write them.
 */
struct health_sm {
	enum health_state state;
	unsigned ntargets;
	unsigned good;			/* consecutive good rounds (saturates) */
	unsigned bad;			/* consecutive failed rounds (saturates) */
	uint64_t rounds;		/* rounds judged */
	unsigned last_ok;		/* targets answered in the last round */
	unsigned in_flight;		/* probes of this round not settled */
	int in_round;
	int has_rtt;
	uint32_t last_rtt_us;		/* of the latest counted answer */
	enum health_reason reason;	/* of the last DOWN */
	/* current round, per target */
	uint64_t sent_us[HEALTH_MAX_TARGETS];
	uint32_t rtt_us[HEALTH_MAX_TARGETS];
	uint8_t probe[HEALTH_MAX_TARGETS];	/* internal: HEALTH_SM_P_* */
	/* quality window: one entry per judged round, a ring */
	uint8_t win_lost[HEALTH_MAX_WINDOW];
	uint8_t win_nrtt[HEALTH_MAX_WINDOW];
	uint64_t win_rtt[HEALTH_MAX_WINDOW];	/* sum of the round's RTTs, µs */
	double win_rtt2[HEALTH_MAX_WINDOW];	/* sum of their squares, µs² */
	unsigned win_next, win_len;
};

/* ntargets: 1..HEALTH_MAX_TARGETS (clamped).  State PROBING. */
void health_sm_init(struct health_sm *sm, unsigned ntargets);
/*
 * Start a round: every target "not sent" (lost unless health_sm_sent
 * says otherwise).  A round still open is judged first, as if it had
 * ended; returns what health_sm_end() would (the state after).
 */
enum health_state health_sm_begin(struct health_sm *sm,
				  const struct health_params *p);
/* Target t's probe of this round left at now_us.  Ignored outside a round. */
void health_sm_sent(struct health_sm *sm, unsigned t, uint64_t now_us);
/*
 * Target t answered at now_us.  1 if counted (in a round, sent, not
 * yet settled, now_us - sent <= timeout_ms): the RTT is recorded.  0
 * otherwise: a late answer settles the probe as lost; a duplicate, an
 * answer to an unsent probe or one outside a round changes nothing.
 */
int health_sm_answer(struct health_sm *sm, const struct health_params *p,
		     unsigned t, uint64_t now_us);
/*
 * Target t failed for sure before its timeout (e.g. EHOSTUNREACH):
 * settled as lost now rather than at the end of the round.
 */
void health_sm_fail(struct health_sm *sm, unsigned t);
/*
 * Judge the round: good if answered >= min_ok.  Updates the counters,
 * the quality window and the state (see "States" above); returns the
 * new state.  Outside a round: nothing happens, returns the state.
 */
enum health_state health_sm_end(struct health_sm *sm,
				const struct health_params *p);
/* The last p->window rounds (fewer at the start): loss and RTT. */
void health_sm_quality(const struct health_sm *sm,
		       const struct health_params *p, struct health_quality *q);
/* Lost probes / sent probes over the last p->window rounds, 0..100. */
unsigned health_sm_loss_pct(const struct health_sm *sm,
			    const struct health_params *p);

#endif
