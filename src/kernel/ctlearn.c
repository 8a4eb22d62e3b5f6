// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctlearn.c - conntrack entries as (source, mark) pairs (see ctlearn.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "kernel/ct.h"
#include "kernel/ctlearn.h"

#define CTLEARN_RCVBUF	(4 << 20)	/* bursts of events between two reads */

struct ctlearn {
	struct mnl_socket *nl;
	ctlearn_cb cb;
	void *arg;
	char *buf;
};

struct entry {
	struct in_addr src;
	uint32_t mark;
	int have_src;
};

static int ip_cb(const struct nlattr *a, void *data)
{
	struct entry *e = data;

	if (mnl_attr_get_type(a) == CTA_IP_V4_SRC &&
	    mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
		e->src.s_addr = mnl_attr_get_u32(a);
		e->have_src = 1;
	}
	return MNL_CB_OK;
}

static int tuple_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_TUPLE_IP &&
	    mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
		mnl_attr_parse_nested(a, ip_cb, data);
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *a, void *data)
{
	struct entry *e = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, tuple_cb, data);
		break;
	case CTA_MARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			e->mark = ntohl(mnl_attr_get_u32(a));
		break;
	}
	return MNL_CB_OK;
}

struct msg_ctx {
	ctlearn_cb cb;
	void *arg;
	long seen;
};

/* One conntrack message: an event or a dump's entry. */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msg_ctx *m = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct entry e = { .have_src = 0 };

	if ((nlh->nlmsg_type & 0xff) != IPCTNL_MSG_CT_NEW ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nfg)) || nfg->nfgen_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*nfg), top_cb, &e);
	m->seen++;
	/* Mark 0 is nobody's: the common case, not worth a call. */
	if (e.have_src && e.mark)
		m->cb(e.src, e.mark, m->arg);
	return MNL_CB_OK;
}

struct ctlearn *ctlearn_open(ctlearn_cb cb, void *arg, char *err, size_t len)
{
	struct ctlearn *l = calloc(1, sizeof(*l));
	int g[] = { NFNLGRP_CONNTRACK_NEW, NFNLGRP_CONNTRACK_UPDATE }, bufsz = CTLEARN_RCVBUF;
	unsigned i;

	if (!l || !(l->buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4))) {
		snprintf(err, len, "conntrack events: out of memory");
		goto fail;
	}
	l->cb = cb;
	l->arg = arg;
	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID)) {
		snprintf(err, len, "conntrack events: netlink socket: %s", strerror(errno));
		goto fail;
	}
	/* FORCE needs CAP_NET_ADMIN, which we have; else the default size. */
	if (setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &bufsz, sizeof(bufsz)))
		setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVBUF,
			   &bufsz, sizeof(bufsz));
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (mnl_socket_setsockopt(l->nl, NETLINK_ADD_MEMBERSHIP, &g[i],
					  sizeof(g[i]))) {
			snprintf(err, len, "conntrack events: joining group %d: %s "
				 "(is nf_conntrack_netlink loaded?)", g[i], strerror(errno));
			goto fail;
		}
	}
	return l;
fail:
	ctlearn_close(l);
	return NULL;
}

void ctlearn_close(struct ctlearn *l)
{
	if (!l)
		return;
	if (l->nl)
		mnl_socket_close(l->nl);
	free(l->buf);
	free(l);
}

int ctlearn_fd(const struct ctlearn *l)
{
	return mnl_socket_get_fd(l->nl);
}

int ctlearn_dispatch(struct ctlearn *l)
{
	struct msg_ctx m = { .cb = l->cb, .arg = l->arg };
	int rounds, lost = 0;
	ssize_t n;

	/* Bounded: the loop must come back to the queue and the socket. */
	for (rounds = 0; rounds < 64; rounds++) {
		n = mnl_socket_recvfrom(l->nl, l->buf, MNL_SOCKET_BUFFER_SIZE * 4);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			if (errno == ENOBUFS) {
				lost = 1;
				continue;
			}
			return -1;
		}
		/* Events have sequence 0 and our port is not their origin. */
		mnl_cb_run(l->buf, (size_t)n, 0, 0, msg_cb, &m);
	}
	return lost;
}

long ctlearn_dump(ctlearn_cb cb, void *arg, char *err, size_t len)
{
	struct msg_ctx m = { .cb = cb, .arg = arg };

	if (ct_dump(IPCTNL_MSG_CT_GET, msg_cb, &m, "conntrack dump", err, len))
		return -1;
	return m.seen;
}
