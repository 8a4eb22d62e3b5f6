/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue.h - the NFQUEUE slow path over libmnl with the modern
 * libnetfilter_queue API.  Only the IP header is copied; packets are
 * received in batches (recvmmsg), every message of a batch is parsed
 * first, the batch's IPv4 sources go to the balancer in one call (so
 * their table lookups overlap), and the verdicts are sent back in
 * arrival order in one sendmsg per batch.  Every packet gets a
 * verdict, always ACCEPT: a malformed packet is accepted unmarked and
 * counted, never dropped.
 */
#ifndef NFQLB_QUEUE_H
#define NFQLB_QUEUE_H

#include <stdint.h>
#include "core/addr.h"

struct nlmsghdr;
struct queue;

struct queue_params {
	uint16_t queue_num;
	uint32_t max_len;	/* kernel queue length, packets */
	uint32_t bufsize;	/* socket receive buffer, bytes */
	uint32_t copy_range;	/* bytes of packet copied to us */
	int fail_open;		/* NFQA_CFG_F_FAIL_OPEN when the queue is full */
	unsigned batch;		/* packets per recvmmsg, 1..QUEUE_MAX_BATCH */
};

#define QUEUE_MAX_BATCH	64

struct queue_stats {
	uint64_t packets;	/* messages received */
	uint64_t verdicts;	/* verdicts sent */
	uint64_t marked;	/* verdicts that carried a gateway mark */
	uint64_t malformed;	/* unparsable message or packet: accepted unmarked */
	uint64_t unsupported;	/* not IPv4: accepted unmarked */
	uint64_t unassigned;	/* no gateway could take it: accepted unmarked */
	uint64_t enobufs;	/* socket overruns (the kernel dropped messages) */
	uint64_t send_errors;	/* verdict batches the kernel refused */
};

/* What one packet's verdict will be decided on: queue_parse_msg(). */
enum queue_pkt_status {
	QUEUE_PKT_OK,		/* IPv4: goes to the batch callback */
	QUEUE_PKT_MALFORMED,	/* no payload or no IP header: accepted unmarked */
	QUEUE_PKT_UNSUPPORTED,	/* not IPv4: accepted unmarked */
};

struct queue_pkt {
	uint32_t id;		/* the kernel's packet id, for the verdict */
	uint32_t mark;		/* the packet's mark when queued, 0 if none */
	struct nfqlb_addr src;	/* the source, if status is QUEUE_PKT_OK */
	enum queue_pkt_status status;
};

/* The batch callback's answer for one packet; zeroed before the call. */
struct queue_result {
	int set;		/* 1: mark the packet; 0: accept it unmarked */
	uint32_t gw_mark;	/* the mark, if set */
};

/*
 * Called once per received batch that holds IPv4 packets, with their n
 * sources in arrival order (1 <= n <=
 * QUEUE_MAX_BATCH; malformed and non-IPv4 packets are left out and
 * accepted unmarked).  For each i, set res[i].set = 1 and
 * res[i].gw_mark to mark packet i (the caller's mark value, combined
 * under the mask given to queue_open), or leave res[i] zeroed to
 * accept it unmarked (counted as unassigned).  One call per batch lets
 * the callee look the whole batch up at once (balance_lookup_many).
 */
typedef void (*queue_batch_cb)(const struct nfqlb_addr *src, unsigned n,
			       struct queue_result *res, void *arg);

/*
 * Called once per received batch that has a verdict to send, after cb
 * (if the batch had IPv4 packets) and before any of its verdicts is
 * sent: what cb left for later (set adds gathered to be sent together)
 * must be done by its return.
 */
typedef void (*queue_flush_cb)(void *arg);

/*
 * Bind the queue and configure it; flush may be NULL.  Both callbacks
 * get arg, and may be called before queue_open() returns (packets that
 * arrive while the queue is being configured).  NULL with a message in
 * err.
 */
struct queue *queue_open(const struct queue_params *p, uint32_t mark_mask,
		     queue_batch_cb cb, queue_flush_cb flush, void *arg,
		     char *err, size_t errlen);
void queue_close(struct queue *q);
int queue_fd(const struct queue *q);
/*
 * Read what is pending (non-blocking, at most max_rounds batches) and
 * send the verdicts.  Returns packets handled, -1 on a fatal socket error.
 */
int queue_dispatch(struct queue *q, unsigned max_rounds);
const struct queue_stats *queue_stats(const struct queue *q);

/*
 * Parse the source of an IP packet (payload of len bytes) with length
 * checks; exported for the unit tests.  0 or -1 if malformed.
 */
int queue_parse_source(const uint8_t *pkt, size_t len, struct nfqlb_addr *src);

/*
 * Parse one queued-packet message into *p: its id, its mark and, by
 * status, its source.  -1 if it has no packet header: without an id
 * there is no verdict to send.  No I/O; exported for the unit tests.
 */
int queue_parse_msg(const struct nlmsghdr *nlh, struct queue_pkt *p);

#endif
