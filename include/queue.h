/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * queue.h - the NFQUEUE slow path over libmnl with the modern
 * libnetfilter_queue API.  Only the IP header is copied; packets are
 * received in batches (recvmmsg) and their verdicts sent back in one
 * sendmsg per batch.  Every packet gets a verdict, always ACCEPT:
 * a malformed packet is accepted unmarked and counted, never dropped.
 */
#ifndef NFQLB_QUEUE_H
#define NFQLB_QUEUE_H

#include <stdint.h>
#include "addr.h"

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

/*
 * Called once per packet with its source address and current mark.
 * Return 1 and set *gw_mark to mark the packet (the caller's mark
 * value, combined under the mask given to queue_open), 0 to accept it
 * unmarked (counted as unassigned).
 */
typedef int (*queue_packet_cb)(const struct nfqlb_addr *src, uint32_t mark,
			     uint32_t *gw_mark, void *arg);

/*
 * Called once per received batch, after cb has seen every packet of it
 * and before any of their verdicts is sent: what cb left for later
 * (set adds gathered to be sent together) must be done by its return.
 */
typedef void (*queue_flush_cb)(void *arg);

/*
 * Bind the queue and configure it; flush may be NULL.  Both callbacks
 * get arg, and may be called before queue_open() returns (packets that
 * arrive while the queue is being configured).  NULL with a message in
 * err.
 */
struct queue *queue_open(const struct queue_params *p, uint32_t mark_mask,
		     queue_packet_cb cb, queue_flush_cb flush, void *arg,
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

#endif
