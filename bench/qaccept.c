// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qaccept - the smallest useful NFQUEUE reader, for the benchmark: it
 * accepts every packet (with a fixed mark, so its packets take the
 * same policy route as nfqlbd's) and does nothing else.  Its rate is
 * the queue's own limit on this machine, the yardstick for nfqlbd's
 * "lookup + verdict".  Same socket settings as nfqlbd: libmnl, the
 * modern libnetfilter_queue API, recvmmsg batches, one sendmsg of
 * verdicts per batch, GSO and fail-open flags.
 *
 *   qaccept [-q QUEUE] [-m MARK] [-r COPY_RANGE] [-l MAX_LEN]
 *           [-B SOCKBUF] [-b BATCH]
 *
 * Runs until SIGTERM/SIGINT, then prints "packets N" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
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

#define MAX_BATCH	64
#define VERDICT_SIZE	64

static volatile sig_atomic_t stop;

struct qa {
	struct mnl_socket *nl;
	unsigned portid;
	uint16_t queue;
	uint32_t mark;
	unsigned long packets;
	char tx[MAX_BATCH * VERDICT_SIZE * 2];
	size_t txlen;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "qaccept: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qa *q = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	struct nlmsghdr *v;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	v = nfq_nlmsg_put(q->tx + q->txlen, NFQNL_MSG_VERDICT, q->queue);
	nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id), NF_ACCEPT);
	if (q->mark)
		nfq_nlmsg_verdict_put_mark(v, q->mark);
	q->txlen += NLMSG_ALIGN(v->nlmsg_len);
	q->packets++;
	return MNL_CB_OK;
}

static int config(struct qa *q, struct nlmsghdr *nlh)
{
	char buf[8192];
	int n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = (int)mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		n = mnl_cb_run(buf, (size_t)n, 0, q->portid, packet_cb, q);
		if (q->txlen) {
			mnl_socket_sendto(q->nl, q->tx, q->txlen);
			q->txlen = 0;
		}
		if (n <= MNL_CB_STOP)
			return n < 0 ? -1 : 0;
	}
}

int main(int argc, char **argv)
{
	static char rx[MAX_BATCH][2048];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned long copy = 40, maxlen = 8192, sockbuf = 8 << 20, batch = 64;
	struct qa q = { 0 };
	struct sigaction sa;
	struct nlmsghdr *nlh;
	char buf[8192];
	int ch, fd, i, n, v;

	while ((ch = getopt(argc, argv, "q:m:r:l:B:b:")) != -1) {
		switch (ch) {
		case 'q': q.queue = (uint16_t)num(optarg, 65535); break;
		case 'm': q.mark = (uint32_t)num(optarg, 0xffffffffUL); break;
		case 'r': copy = num(optarg, 1024); break;
		case 'l': maxlen = num(optarg, 1 << 20); break;
		case 'B': sockbuf = num(optarg, 1UL << 30); break;
		case 'b': batch = num(optarg, MAX_BATCH); break;
		default:
			fprintf(stderr, "usage: qaccept [-q QUEUE] [-m MARK] [-r COPY] "
				"[-l MAX_LEN] [-B SOCKBUF] [-b BATCH]\n");
			return 2;
		}
	}
	if (!batch)
		batch = 1;
	q.nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!q.nl || mnl_socket_bind(q.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("qaccept: netlink socket");
		return 1;
	}
	q.portid = mnl_socket_get_portid(q.nl);
	fd = mnl_socket_get_fd(q.nl);
	v = (int)sockbuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		perror("qaccept: SO_RCVBUFFORCE");

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q.queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (config(&q, nlh)) {
		perror("qaccept: bind queue");
		return 1;
	}
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q.queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)copy);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl((uint32_t)maxlen));
	if (config(&q, nlh)) {
		perror("qaccept: configure queue");
		return 1;
	}

	for (i = 0; i < MAX_BATCH; i++) {
		iov[i].iov_base = rx[i];
		iov[i].iov_len = sizeof(rx[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* No SA_RESTART: a signal ends the blocking recvmmsg. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		n = recvmmsg(fd, msgs, (unsigned)batch, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			perror("qaccept: recvmmsg");
			break;
		}
		for (i = 0; i < n; i++)
			mnl_cb_run(rx[i], msgs[i].msg_len, 0, q.portid, packet_cb, &q);
		if (q.txlen) {
			if (mnl_socket_sendto(q.nl, q.tx, q.txlen) < 0)
				perror("qaccept: verdicts");
			q.txlen = 0;
		}
	}
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q.queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_sendto(q.nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(q.nl);
	printf("packets %lu\n", q.packets);
	return 0;
}
