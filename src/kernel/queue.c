// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * queue.c - NFQUEUE over libmnl.
 *
 * Follows libnetfilter_queue's examples/nf-queue.c (the modern API):
 * one netlink socket, config messages sent with NLM_F_ACK and their
 * answer read, so a queue already bound elsewhere (EPERM) or a missing
 * CAP_NET_ADMIN is reported at start rather than silently ignored.
 *
 * A batch is handled in three steps: every message is parsed into
 * q->pkt (queue_msg_cb), the IPv4 sources go to the callback in one
 * call, then the verdicts are added in arrival order and sent together
 * (queue_end_batch).  The one call is what lets the balancer overlap
 * the cache misses of a batch's lookups on a large table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "util/log.h"
#include "kernel/nlcheck.h"
#include "kernel/queue.h"

/* Room for the netlink and nfqueue headers besides the copied bytes. */
#define QUEUE_MSG_OVERHEAD	1024
/* One verdict message with a mark: nlmsghdr + nfgenmsg + 2 attrs. */
#define QUEUE_VERDICT_SIZE	64
/* Config messages and their ACKs are small. */
#define QUEUE_CTL_BUFSIZE	8192

struct queue {
	struct mnl_socket *nl;
	unsigned portid;
	uint16_t queue_num;
	uint32_t mark_mask;
	unsigned batch;
	size_t msgsize;
	queue_batch_cb cb;
	queue_flush_cb flush;
	void *arg;
	struct queue_stats st;

	/* The batch being read, in arrival order: one entry per verdict. */
	struct queue_pkt pkt[QUEUE_MAX_BATCH];
	unsigned npkt;
	/* Its IPv4 packets packed together, as the callback takes them. */
	struct nfqlb_addr cb_src[QUEUE_MAX_BATCH];
	struct queue_result cb_res[QUEUE_MAX_BATCH];

	uint8_t *rxbuf;			/* batch * msgsize */
	struct mmsghdr msgs[QUEUE_MAX_BATCH];
	struct iovec iov[QUEUE_MAX_BATCH];
	char txbuf[QUEUE_MAX_BATCH * QUEUE_VERDICT_SIZE * 2];
	size_t txlen;
};

int queue_parse_source(const uint8_t *pkt, size_t len, struct nfqlb_addr *src)
{
	if (len < 1)
		return -1;
	switch (pkt[0] >> 4) {
	case 4:
		/* version/IHL, then the source at offset 12 (RFC 791). */
		if (len < 20 || (pkt[0] & 0x0f) < 5)
			return -1;
		src->family = AF_INET;
		memcpy(&src->v4, pkt + 12, 4);
		return 0;
	case 6:
		if (len < 40)
			return -1;
		src->family = AF_INET6;
		memcpy(&src->v6, pkt + 8, 16);
		return 0;
	}
	return -1;
}

int queue_parse_msg(const struct nlmsghdr *nlh, struct queue_pkt *p)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return -1;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	p->id = ntohl(ph->packet_id);
	p->mark = 0;
	if (attr[NFQA_MARK] && mnl_attr_get_payload_len(attr[NFQA_MARK]) >= 4)
		p->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	memset(&p->src, 0, sizeof(p->src));
	if (!attr[NFQA_PAYLOAD] ||
	    queue_parse_source(mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
			     mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]), &p->src))
		p->status = QUEUE_PKT_MALFORMED;
	else if (p->src.family != AF_INET)
		p->status = QUEUE_PKT_UNSUPPORTED;
	else
		p->status = QUEUE_PKT_OK;
	return 0;
}

static int queue_msg_cb(const struct nlmsghdr *nlh, void *data);
static void queue_end_batch(struct queue *q);

/* Send one config message and wait for its ACK; 0 or -1 with errno. */
static int queue_config(struct queue *q, struct nlmsghdr *nlh)
{
	int n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = 0;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	/*
	 * Once the bind is acknowledged packets may arrive before the ACK
	 * of a later config message: answer them like any other, or they
	 * would sit in the kernel's queue forever.
	 */
	for (;;) {
		n = (int)mnl_socket_recvfrom(q->nl, q->rxbuf, q->msgsize);
		if (n < 0)
			return -1;
		if (nlcheck_batch(q->rxbuf, (size_t)n))
			return -1;
		n = mnl_cb_run(q->rxbuf, (size_t)n, 0, q->portid, queue_msg_cb, q);
		queue_end_batch(q);
		if (n <= MNL_CB_STOP)
			return n < 0 ? -1 : 0;
	}
}

static int queue_bind(struct queue *q, const struct queue_params *p, char *err,
		    size_t errlen)
{
	char buf[QUEUE_CTL_BUFSIZE];
	struct nlmsghdr *nlh;
	uint32_t flags;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, p->queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (queue_config(q, nlh)) {
		snprintf(err, errlen, "binding NFQUEUE %u: %s%s", p->queue_num,
			 strerror(errno), errno == EPERM ?
			 " (queue bound by another process, or no CAP_NET_ADMIN)" : "");
		return -1;
	}

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, p->queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)p->copy_range);
	/* GSO: no need to segment in the kernel, we read only the header. */
	flags = NFQA_CFG_F_GSO | (p->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(p->max_len));
	if (queue_config(q, nlh)) {
		snprintf(err, errlen, "configuring NFQUEUE %u (copy_range %u, max_len %u): %s",
			 p->queue_num, p->copy_range, p->max_len, strerror(errno));
		return -1;
	}
	return 0;
}

static void queue_set_rcvbuf(struct queue *q, uint32_t size)
{
	int fd = mnl_socket_get_fd(q->nl), v = (int)size;

	/* FORCE passes rmem_max when we have CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
		log_warn("setting queue socket buffer to %u bytes", size);
}

struct queue *queue_open(const struct queue_params *p, uint32_t mark_mask,
		     queue_batch_cb cb, queue_flush_cb flush, void *arg,
		     char *err, size_t errlen)
{
	struct queue *q;
	unsigned i;
	int one = 1;

	q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->queue_num = p->queue_num;
	q->mark_mask = mark_mask;
	q->cb = cb;
	q->flush = flush;
	q->arg = arg;
	q->batch = p->batch < 1 ? 1 : p->batch > QUEUE_MAX_BATCH ? QUEUE_MAX_BATCH : p->batch;
	q->msgsize = p->copy_range + QUEUE_MSG_OVERHEAD;
	q->rxbuf = malloc(q->batch * q->msgsize);
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->rxbuf || !q->nl) {
		snprintf(err, errlen, "opening netfilter netlink socket: %s",
			 strerror(errno));
		goto fail;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "binding netlink socket: %s", strerror(errno));
		goto fail;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	queue_set_rcvbuf(q, p->bufsize);
	/* Let the kernel skip the ACK of verdicts: we send none with NLM_F_ACK. */
	mnl_socket_setsockopt(q->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (queue_bind(q, p, err, errlen))
		goto fail;
	for (i = 0; i < q->batch; i++) {
		q->iov[i].iov_base = q->rxbuf + i * q->msgsize;
		q->iov[i].iov_len = q->msgsize;
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return q;
fail:
	queue_close(q);
	return NULL;
}

void queue_close(struct queue *q)
{
	char buf[QUEUE_CTL_BUFSIZE];
	struct nlmsghdr *nlh;

	if (!q)
		return;
	if (q->nl) {
		/* Unbind so --queue-bypass lets packets through at once. */
		nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
		nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
		mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
		mnl_socket_close(q->nl);
	}
	free(q->rxbuf);
	free(q);
}

int queue_fd(const struct queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

const struct queue_stats *queue_stats(const struct queue *q)
{
	static const struct queue_stats none;

	/* No queue (not open yet, or a test's daemon): nothing counted. */
	return q ? &q->st : &none;
}

static void queue_add_verdict(struct queue *q, uint32_t id, int set_mark,
			      uint32_t mark)
{
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(q->txbuf + q->txlen, NFQNL_MSG_VERDICT,
			    q->queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	if (set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, mark);
	q->txlen += NLMSG_ALIGN(nlh->nlmsg_len);
	q->st.verdicts++;
	q->st.marked += !!set_mark;
}

/*
 * Send the batch's verdicts, the deferred work first (the flush hook:
 * set adds), so that a packet is only let go once its binding is in
 * the kernel.  A batch whose messages were all unreadable has no
 * verdict and no flush.
 */
static void queue_flush_verdicts(struct queue *q)
{
	if (!q->txlen)
		return;
	if (q->flush)
		q->flush(q->arg);
	if (mnl_socket_sendto(q->nl, q->txbuf, q->txlen) < 0) {
		q->st.send_errors++;
		log_warn("sending %zu bytes of verdicts", q->txlen);
	}
	q->txlen = 0;
}

/* Ask the callback about the batch's IPv4 packets, all in one call. */
static void queue_ask(struct queue *q)
{
	unsigned i, n = 0;

	for (i = 0; i < q->npkt; i++) {
		if (q->pkt[i].status != QUEUE_PKT_OK)
			continue;
		q->cb_src[n++] = q->pkt[i].src;
	}
	if (!n)
		return;
	memset(q->cb_res, 0, n * sizeof(q->cb_res[0]));
	q->cb(q->cb_src, n, q->cb_res, q->arg);
}

/* Add the batch's verdicts in arrival order, with what the callback said. */
static void queue_answer(struct queue *q)
{
	const struct queue_result *r = q->cb_res;
	unsigned i;

	for (i = 0; i < q->npkt; i++) {
		const struct queue_pkt *p = &q->pkt[i];
		uint32_t mark = p->mark;
		int set = 0;

		if (p->status == QUEUE_PKT_OK) {
			if (r->set) {
				/* Keep the bits of the mark that belong to others. */
				mark = (mark & ~q->mark_mask) | (r->gw_mark & q->mark_mask);
				set = 1;
			} else {
				q->st.unassigned++;
			}
			r++;
		}
		queue_add_verdict(q, p->id, set, mark);
	}
	q->npkt = 0;
}

/*
 * The end of a batch, on every path that reads packets: decide, add
 * the verdicts, run the flush hook and send them.
 */
static void queue_end_batch(struct queue *q)
{
	queue_ask(q);
	queue_answer(q);
	queue_flush_verdicts(q);
}

/*
 * One queued packet: parse it into the batch; it is answered at the
 * batch's end.  The counters are those of the packet, not its verdict.
 */
static int queue_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue *q = data;
	struct queue_pkt *p;

	/*
	 * The kernel sends one packet per datagram, so a recvmmsg batch
	 * never fills q->pkt; should a datagram ever hold more, answer
	 * what is there first rather than overrun the batch.
	 */
	if (q->npkt == QUEUE_MAX_BATCH)
		queue_end_batch(q);
	p = &q->pkt[q->npkt];
	if (queue_parse_msg(nlh, p)) {
		/* Without an id there is nothing to answer; the kernel
		 * times nothing out, so this can only be a kernel bug. */
		q->st.malformed++;
		return MNL_CB_OK;
	}
	q->st.packets++;
	q->npkt++;
	if (p->status == QUEUE_PKT_MALFORMED)
		q->st.malformed++;
	else if (p->status == QUEUE_PKT_UNSUPPORTED)
		q->st.unsupported++;
	return MNL_CB_OK;
}

int queue_dispatch(struct queue *q, unsigned max_rounds)
{
	int fd = mnl_socket_get_fd(q->nl), handled = 0, n, i;
	unsigned round;

	for (round = 0; round < max_rounds; round++) {
		n = recvmmsg(fd, q->msgs, q->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				/* We were too slow: the kernel dropped messages
				 * (their packets failed open or were dropped). */
				q->st.enobufs++;
				continue;
			}
			log_warn("receiving from NFQUEUE %u", q->queue_num);
			return -1;
		}
		for (i = 0; i < n; i++) {
			size_t len = q->msgs[i].msg_len;

			if (q->msgs[i].msg_hdr.msg_flags & MSG_TRUNC ||
			    nlcheck_batch(q->iov[i].iov_base, len)) {
				q->st.malformed++;
				continue;
			}
			if (mnl_cb_run(q->iov[i].iov_base, len, 0, q->portid,
				       queue_msg_cb, q) < 0 && errno != 0)
				q->st.malformed++;
			handled++;
		}
		queue_end_batch(q);
		if ((unsigned)n < q->batch)
			break;
	}
	return handled;
}
