// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctacct.c - conntrack byte counters over ctnetlink (see ctacct.h).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "kernel/ct.h"
#include "kernel/ctacct.h"

#define CTACCT_SYSCTL	"/proc/sys/net/netfilter/nf_conntrack_acct"

int ctacct_enable(char *err, size_t len)
{
	int fd = open(CTACCT_SYSCTL, O_RDWR | O_CLOEXEC), rc = -1;
	char cur = 0;

	if (fd < 0) {
		snprintf(err, len, "%s: %s (is nf_conntrack loaded?)", CTACCT_SYSCTL,
			 strerror(errno));
		return -1;
	}
	/* Written only if off: a read-only /proc/sys then still works. */
	if (read(fd, &cur, 1) == 1 && cur == '1')
		rc = 0;
	else if (pwrite(fd, "1\n", 2, 0) == 2)
		rc = 0;
	else
		snprintf(err, len, "%s: %s", CTACCT_SYSCTL, strerror(errno));
	close(fd);
	return rc;
}

struct entry {
	struct ctacct_entry e;
	int have_src;
};

static int ip_cb(const struct nlattr *a, void *data)
{
	struct entry *x = data;

	if (mnl_attr_get_type(a) == CTA_IP_V4_SRC &&
	    mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
		x->e.src.s_addr = mnl_attr_get_u32(a);
		x->have_src = 1;
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

static int bytes_cb(const struct nlattr *a, void *data)
{
	uint64_t *bytes = data;

	if (mnl_attr_get_type(a) == CTA_COUNTERS_BYTES &&
	    mnl_attr_validate(a, MNL_TYPE_U64) >= 0)
		*bytes = be64toh(mnl_attr_get_u64(a));
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *a, void *data)
{
	struct entry *x = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, tuple_cb, data);
		break;
	case CTA_MARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			x->e.mark = ntohl(mnl_attr_get_u32(a));
		break;
	case CTA_COUNTERS_ORIG:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, bytes_cb, &x->e.orig_bytes);
		break;
	case CTA_COUNTERS_REPLY:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			mnl_attr_parse_nested(a, bytes_cb, &x->e.reply_bytes);
		break;
	}
	return MNL_CB_OK;
}

struct msg_ctx {
	ctacct_cb cb;
	void *arg;
	long seen;
};

/* One entry of the dump (type NEW, or GET_CTRZERO when zeroing). */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct msg_ctx *m = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct entry x = { .have_src = 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nfg)) || nfg->nfgen_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*nfg), top_cb, &x);
	m->seen++;
	if (x.have_src)
		m->cb(&x.e, m->arg);
	return MNL_CB_OK;
}

long ctacct_dump(int zero, ctacct_cb cb, void *arg, char *err, size_t len)
{
	struct msg_ctx m = { .cb = cb, .arg = arg };

	if (ct_dump(zero ? IPCTNL_MSG_CT_GET_CTRZERO : IPCTNL_MSG_CT_GET, msg_cb, &m, "conntrack counters", err, len))
		return -1;
	return m.seen;
}
