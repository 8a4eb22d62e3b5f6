// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ct.c - delete conntrack entries by mark (see ct.h).
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
#include "kernel/nlcheck.h"

/* A bound ctnetlink socket, or NULL with err set ("WHAT: netlink socket: ..."). */
static struct mnl_socket *ct_socket(const char *what, char *err, size_t len)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);

	if (nl && !mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID))
		return nl;
	snprintf(err, len, "%s: netlink socket: %s", what, strerror(errno));
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

/* A ctnetlink request for IPv4 in buf: header and nfgenmsg. */
static struct nlmsghdr *ct_request(char *buf, uint16_t msg, uint16_t flags,
				   uint32_t seq, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = version;
	nfg->res_id = 0;
	return nlh;
}

int ct_delete_mark(uint32_t mark, uint32_t mask, char *err, size_t len)
{
	char buf[8192];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	int n, rc = -1;

	nl = ct_socket("conntrack", err, len);
	if (!nl)
		return -1;
	portid = mnl_socket_get_portid(nl);
	/*
	 * Version 1 with AF_INET: the kernel filters on the family as
	 * well as the mark (version 0 would mean every family).
	 */
	nlh = ct_request(buf, IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, seq, 1);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, len, "conntrack: deleting mark 0x%x/0x%x: %s",
			 mark, mask, strerror(errno));
		goto out;
	}
	n = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || nlcheck_batch(buf, (size_t)n) ||
	    mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0) {
		/* ENOENT: nothing carried the mark. */
		if (errno == ENOENT) {
			rc = 0;
			goto out;
		}
		snprintf(err, len, "conntrack: deleting mark 0x%x/0x%x: %s",
			 mark, mask, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}

int ct_dump(uint16_t msg, mnl_cb_t cb, void *arg, const char *what, char *err,
	    size_t len)
{
	struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	int r, rc = -1;
	ssize_t n;

	if (!buf) {
		snprintf(err, len, "%s: out of memory", what);
		return -1;
	}
	nl = ct_socket(what, err, len);
	if (!nl)
		goto out;
	portid = mnl_socket_get_portid(nl);
	nlh = ct_request(buf, msg, NLM_F_REQUEST | NLM_F_DUMP, seq, NFNETLINK_V0);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, len, "%s: %s", what, strerror(errno));
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE * 4);
		r = n < 0 ? -1 : mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
		if (r < 0) {
			snprintf(err, len, "%s: %s", what, strerror(errno));
			goto out;
		}
		if (r == MNL_CB_STOP)
			break;
	}
	rc = 0;
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return rc;
}
