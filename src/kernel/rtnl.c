// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnl.c - policy routing over rtnetlink with libmnl: the fwmark rules
 * and the per-gateway tables.
 *
 * One NETLINK_ROUTE socket, bound once.  Every write is a request with
 * NLM_F_ACK whose ACK is read and checked before returning, so a
 * success really means the kernel did it.  Replies are matched on the
 * sequence number: anything else in the socket (the tail of a dump we
 * gave up on) is skipped rather than mistaken for our answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "kernel/nlcheck.h"
#include "kernel/rtnl.h"
#include "kernel/traffic.h"

/* Requests are a header, a fixed struct and a handful of u32s. */
#define RTNL_SBUF	1024
/*
 * Dumps fill a datagram up to about a page by default, but a link
 * message can be several KiB; a short buffer would make recvmsg
 * truncate (ENOSPC from libmnl), so take what libmnl later calls
 * MNL_SOCKET_DUMP_SIZE.
 */
#define RTNL_RBUF	32768
/* A dump the kernel says was interrupted by a change is retried. */
#define RTNL_DUMP_TRIES	5

struct rtnl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	void *arg;			/* state of the running data callback */
	char extack[256];		/* kernel's extended ACK message */
	char err[512];
	_Alignas(struct nlmsghdr) char sbuf[RTNL_SBUF];
	_Alignas(struct nlmsghdr) char rbuf[RTNL_RBUF];
};

struct rule_spec {
	const struct nfqlb_net4 *from;
	const char *iif;		/* NULL: no FRA_IIFNAME selector */
	uint32_t mark;
	uint32_t mask;
	uint32_t table;
	uint32_t prio;
	int found;
};

struct table_spec {
	uint32_t table;
	int count;
};

struct link_spec {
	unsigned int ifindex;
};

static void rtnl_set_error(struct rtnl *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * "what: strerror (kernel's extack)".  The extack text is often the
 * only thing that says which attribute the kernel disliked.
 */
static void rtnl_set_error(struct rtnl *r, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->err))
		return;
	if (r->extack[0])
		snprintf(r->err + n, sizeof(r->err) - n, ": %s (%s)",
			 strerror(err), r->extack);
	else
		snprintf(r->err + n, sizeof(r->err) - n, ": %s",
			 strerror(err));
}

struct rtnl *rtnl_open(void)
{
	struct rtnl *r;
	int one = 1;
	int saved;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		goto fail;
	/*
	 * Best effort: without extended ACKs (old kernels) errors are
	 * just less specific; capped ACKs keep the kernel from echoing
	 * our whole request back in every error.
	 */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	r->portid = mnl_socket_get_portid(r->nl);
	/* Not starting at 0 makes stale replies from a previous run of a
	 * tool reusing the port id implausible, and seq 0 means "unchecked"
	 * to libmnl. */
	r->seq = (unsigned int)time(NULL);
	snprintf(r->err, sizeof(r->err), "no error");
	return r;
fail:
	saved = errno;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r);
	errno = saved;
	return NULL;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	mnl_socket_close(r->nl);
	free(r);
}

const char *rtnl_error(const struct rtnl *r)
{
	if (!r)
		return "rtnetlink socket not open";
	return r->err;
}

static int rtnl_extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl *r = data;

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(r->extack, sizeof(r->extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/*
 * NLMSG_ERROR is both the ACK (error 0) and the failure report.  Ours
 * rather than libmnl's default so the extended ACK text is kept.
 */
static int rtnl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	const struct nlmsgerr *e;
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	size_t off;
	int err;

	if (len < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error == 0)
		return MNL_CB_STOP;
	err = e->error < 0 ? -e->error : EPROTO;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		/* Uncapped, the kernel echoes our request before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (off < len)
			mnl_attr_parse(nlh, off, rtnl_extack_attr_cb, r);
	}
	errno = err;
	return MNL_CB_ERROR;
}

/* A dump that failed part way ends in DONE carrying the error. */
static int rtnl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int rtnl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int rtnl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/*
 * With a control array libmnl calls only what is in it for types
 * below NLMSG_MIN_TYPE, so DONE and the rest must all be here.
 * Not const only because mnl_cb_run2() takes a non-const array.
 */
static mnl_cb_t rtnl_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= rtnl_noop_cb,
	[NLMSG_ERROR]	= rtnl_error_cb,
	[NLMSG_DONE]	= rtnl_done_cb,
	[NLMSG_OVERRUN]	= rtnl_overrun_cb,
};

static struct nlmsghdr *rtnl_msg(struct rtnl *r, uint16_t type,
				 uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(r->sbuf, 0, sizeof(r->sbuf));
	nlh = mnl_nlmsg_put_header(r->sbuf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/*
 * Send one request and run the replies through cb until the ACK,
 * NLMSG_DONE or an error.  Returns 0 or -1 with errno set (for a
 * kernel refusal, the kernel's errno and r->extack).
 */
static int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb,
		     void *arg)
{
	const struct nlmsghdr *msg;
	unsigned int seq;
	ssize_t n;
	int len;
	int ret;

	if (++r->seq == 0)
		++r->seq;
	seq = r->seq;
	nlh->nlmsg_seq = seq;
	r->extack[0] = '\0';
	r->arg = arg;

	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(r->nl, r->rbuf, sizeof(r->rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (nlcheck_batch(r->rbuf, (size_t)n))
			return -1;
		len = (int)n;
		for (msg = (const struct nlmsghdr *)r->rbuf;
		     mnl_nlmsg_ok(msg, len);
		     msg = mnl_nlmsg_next(msg, &len)) {
			/* Leftovers of an earlier request: not ours. */
			if (msg->nlmsg_seq != seq)
				continue;
			ret = mnl_cb_run2(msg, msg->nlmsg_len, seq, r->portid,
					  cb, r, rtnl_ctl_cb,
					  MNL_ARRAY_SIZE(rtnl_ctl_cb));
			if (ret == MNL_CB_ERROR)
				return -1;
			if (ret == MNL_CB_STOP)
				return 0;
		}
	}
}

/*
 * A dump whose NLM_F_DUMP_INTR flag is set (libmnl: EINTR) may have
 * missed or doubled entries because the table changed under it; the
 * answer would be wrong, so ask again.  reset clears the callback's
 * state between tries.
 */
static int rtnl_dump(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb,
		     void *arg, void (*reset)(void *arg))
{
	int tries;
	int ret = -1;

	for (tries = 0; tries < RTNL_DUMP_TRIES; tries++) {
		reset(arg);
		ret = rtnl_talk(r, nlh, cb, arg);
		if (ret == 0 || errno != EINTR)
			break;
	}
	return ret;
}

static const char *rule_desc(char *buf, size_t len, const struct rule_spec *s)
{
	char a[INET_ADDRSTRLEN];

	if (s->iif) {
		snprintf(buf, len, "iif %s fwmark 0x%x/0x%x lookup %u pref %u",
			 s->iif, s->mark, s->mask, s->table, s->prio);
		return buf;
	}
	if (s->from->plen == 0) {
		snprintf(buf, len, "from all fwmark 0x%x/0x%x lookup %u pref %u",
			 s->mark, s->mask, s->table, s->prio);
		return buf;
	}
	if (!inet_ntop(AF_INET, &s->from->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "from %s/%u fwmark 0x%x/0x%x lookup %u pref %u",
		 a, s->from->plen, s->mark, s->mask, s->table, s->prio);
	return buf;
}

/*
 * Table 0 (RT_TABLE_UNSPEC) would make the kernel pick a table for
 * us (main for routes): never what a caller naming a table meant.
 */
static int check_table(struct rtnl *r, const char *what, uint32_t table)
{
	if (table != RT_TABLE_UNSPEC)
		return 0;
	snprintf(r->err, sizeof(r->err), "%s: table 0 is not a table", what);
	errno = EINVAL;
	return -1;
}

static int rule_request(struct rtnl *r, uint16_t type, uint16_t flags,
			const struct rule_spec *s)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	nlh = rtnl_msg(r, type, NLM_F_ACK | flags);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	frh->src_len = s->from->plen;
	frh->action = FR_ACT_TO_TBL;
	/* The 8-bit field cannot hold 256 and up; FRA_TABLE always does. */
	frh->table = s->table < 256 ? s->table : RT_TABLE_UNSPEC;
	if (s->from->plen > 0)
		mnl_attr_put(nlh, FRA_SRC, sizeof(s->from->addr), &s->from->addr);
	if (s->iif)
		mnl_attr_put_strz(nlh, FRA_IIFNAME, s->iif);
	mnl_attr_put_u32(nlh, FRA_FWMARK, s->mark);
	mnl_attr_put_u32(nlh, FRA_FWMASK, s->mask);
	mnl_attr_put_u32(nlh, FRA_TABLE, s->table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, s->prio);
	return rtnl_talk(r, nlh, NULL, NULL);
}

/*
 * Add (type RTM_NEWRULE) or delete a rule, idempotently.  Rules are a
 * list, not a set: without NLM_F_EXCL the kernel happily appends a
 * second identical rule.  With it, the kernel compares against the
 * existing rules (iifname included) and says EEXIST, which for us is
 * success, as ENOENT is for a delete.
 */
static int rule_change(struct rtnl *r, uint16_t type, const struct rule_spec *s)
{
	int add = type == RTM_NEWRULE;
	char d[128];

	if (rule_request(r, type, add ? NLM_F_CREATE | NLM_F_EXCL : 0, s) < 0 &&
	    errno != (add ? EEXIST : ENOENT)) {
		rtnl_set_error(r, errno, "%s rule %s", add ? "adding" : "deleting",
			       rule_desc(d, sizeof(d), s));
		return -1;
	}
	return 0;
}

static int rule_check_args(struct rtnl *r, const char *verb,
			   const struct nfqlb_net4 *from, uint32_t table)
{
	if (from->plen > 32) {
		snprintf(r->err, sizeof(r->err),
			 "%s rule: prefix length %u out of range", verb,
			 from->plen);
		errno = EINVAL;
		return -1;
	}
	return check_table(r, verb, table);
}

int rtnl_rule_add(struct rtnl *r, const struct nfqlb_net4 *from,
		  uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio)
{
	const struct rule_spec sp = {
		.from = from, .mark = mark, .mask = mask, .table = table, .prio = prio,
	};

	if (rule_check_args(r, "adding", from, table) < 0)
		return -1;
	return rule_change(r, RTM_NEWRULE, &sp);
}

int rtnl_rule_del(struct rtnl *r, const struct nfqlb_net4 *from,
		  uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio)
{
	const struct rule_spec sp = {
		.from = from, .mark = mark, .mask = mask, .table = table, .prio = prio,
	};

	if (rule_check_args(r, "deleting", from, table) < 0)
		return -1;
	return rule_change(r, RTM_DELRULE, &sp);
}

struct rule_attrs {
	const struct nlattr *tb[FRA_MAX + 1];
};

static int rule_attr_cb(const struct nlattr *attr, void *data)
{
	struct rule_attrs *ra = data;
	uint16_t type = mnl_attr_get_type(attr);
	int ret = 0;

	/* Newer kernels' attributes: not ours to judge. */
	if (mnl_attr_type_valid(attr, FRA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case FRA_DST:
	case FRA_SRC:
	case FRA_PRIORITY:
	case FRA_FWMARK:
	case FRA_FWMASK:
	case FRA_TABLE:
	case FRA_FLOW:
	case FRA_GOTO:
	case FRA_SUPPRESS_IFGROUP:
	case FRA_SUPPRESS_PREFIXLEN:
		/* AF_INET only, so addresses are 4 bytes too. */
		ret = mnl_attr_validate(attr, MNL_TYPE_U32);
		break;
	case FRA_IIFNAME:
	case FRA_OIFNAME:
		ret = mnl_attr_validate(attr, MNL_TYPE_NUL_STRING);
		break;
	case FRA_L3MDEV:
	case FRA_PROTOCOL:
	case FRA_IP_PROTO:
		ret = mnl_attr_validate(attr, MNL_TYPE_U8);
		break;
	case FRA_TUN_ID:
		ret = mnl_attr_validate(attr, MNL_TYPE_U64);
		break;
	case FRA_UID_RANGE:
		ret = mnl_attr_validate2(attr, MNL_TYPE_BINARY,
					 sizeof(struct fib_rule_uid_range));
		break;
	case FRA_SPORT_RANGE:
	case FRA_DPORT_RANGE:
		ret = mnl_attr_validate2(attr, MNL_TYPE_BINARY,
					 sizeof(struct fib_rule_port_range));
		break;
	default:
		break;
	}
	if (ret < 0)
		return MNL_CB_ERROR;
	ra->tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t attr_u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static void rule_reset(void *arg)
{
	((struct rule_spec *)arg)->found = 0;
}

/*
 * Selectors we never set: a rule carrying any of them matches less
 * traffic than ours and is somebody else's, even if the rest agrees.
 * (The suppress_* pair is dumped always, as -1 when unset; see below.)
 */
static const uint16_t rule_foreign_attrs[] = {
	FRA_DST, FRA_IIFNAME, FRA_OIFNAME, FRA_GOTO, FRA_FLOW, FRA_TUN_ID,
	FRA_L3MDEV, FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE,
	FRA_DPORT_RANGE,
};

/* A dumped rule's header and attributes; -1 (errno EBADMSG) if malformed. */
static int rule_msg_parse(const struct nlmsghdr *nlh,
			  const struct fib_rule_hdr **frh, struct rule_attrs *ra)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(**frh)) {
		errno = EBADMSG;
		return -1;
	}
	*frh = mnl_nlmsg_get_payload(nlh);
	memset(ra, 0, sizeof(*ra));
	if (mnl_attr_parse(nlh, sizeof(**frh), rule_attr_cb, ra) < 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static int rule_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct rule_spec *s = r->arg;
	const struct fib_rule_hdr *frh;
	struct rule_attrs ra;
	uint32_t mask4, src;
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return MNL_CB_OK;
	if (rule_msg_parse(nlh, &frh, &ra))
		return MNL_CB_ERROR;
	/* Keep reading to NLMSG_DONE even after a match: the rest of the
	 * dump must be consumed, not left in the socket. */
	if (s->found)
		return MNL_CB_OK;
	if (frh->family != AF_INET || frh->action != FR_ACT_TO_TBL ||
	    frh->src_len != s->from->plen || frh->dst_len != 0 ||
	    frh->tos != 0 || (frh->flags & FIB_RULE_INVERT))
		return MNL_CB_OK;
	for (i = 0; i < MNL_ARRAY_SIZE(rule_foreign_attrs); i++) {
		/* The one selector a local rule has, checked below. */
		if (s->iif && rule_foreign_attrs[i] == FRA_IIFNAME)
			continue;
		if (ra.tb[rule_foreign_attrs[i]])
			return MNL_CB_OK;
	}
	if (s->iif && (!ra.tb[FRA_IIFNAME] ||
		       strcmp(mnl_attr_get_str(ra.tb[FRA_IIFNAME]), s->iif)))
		return MNL_CB_OK;
	if (attr_u32_or(ra.tb[FRA_SUPPRESS_PREFIXLEN], UINT32_MAX) != UINT32_MAX ||
	    attr_u32_or(ra.tb[FRA_SUPPRESS_IFGROUP], UINT32_MAX) != UINT32_MAX)
		return MNL_CB_OK;
	if (attr_u32_or(ra.tb[FRA_TABLE], frh->table) != s->table ||
	    attr_u32_or(ra.tb[FRA_PRIORITY], 0) != s->prio ||
	    attr_u32_or(ra.tb[FRA_FWMARK], 0) != s->mark ||
	    attr_u32_or(ra.tb[FRA_FWMASK], 0) != s->mask)
		return MNL_CB_OK;
	if (s->from->plen > 0) {
		if (!ra.tb[FRA_SRC])
			return MNL_CB_OK;
		memcpy(&src, mnl_attr_get_payload(ra.tb[FRA_SRC]), sizeof(src));
		mask4 = htonl(~0u << (32 - s->from->plen));
		if ((src ^ s->from->addr.s_addr) & mask4)
			return MNL_CB_OK;
	}
	s->found = 1;
	return MNL_CB_OK;
}

/* 1 if the rule s describes exists (s->found), 0 if not, -1 on error. */
static int rule_find(struct rtnl *r, struct rule_spec *s)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;
	char d[128];

	nlh = rtnl_msg(r, RTM_GETRULE, NLM_F_DUMP);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	if (rtnl_dump(r, nlh, rule_dump_cb, s, rule_reset) < 0) {
		rtnl_set_error(r, errno, "listing rules for %s",
			       rule_desc(d, sizeof(d), s));
		return -1;
	}
	return s->found;
}

int rtnl_rule_exists(struct rtnl *r, const struct nfqlb_net4 *from,
		     uint32_t mark, uint32_t mask, uint32_t table, uint32_t prio)
{
	struct rule_spec s = {
		.from = from, .mark = mark, .mask = mask,
		.table = table, .prio = prio,
	};

	if (rule_check_args(r, "looking up", from, table) < 0)
		return -1;
	return rule_find(r, &s);
}

static void route_request(struct rtnl *r, uint16_t type, uint16_t flags,
			  uint32_t table, struct in_addr dst, uint8_t dst_len,
			  const struct in_addr *gw, unsigned int ifindex,
			  uint8_t scope, uint32_t realm)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = rtnl_msg(r, type, NLM_F_ACK | flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	/*
	 * proto static and the exact scope on delete too, so the delete
	 * matches only what we added, not a same-looking route another
	 * tool put there.
	 */
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst_len > 0)
		mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, sizeof(*gw), gw);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	/* The realm the kernel counts the gateway's traffic in (traffic.h). */
	if (realm)
		mnl_attr_put_u32(nlh, RTA_FLOW, realm);
}

int rtnl_gw_routes_add(struct rtnl *r, uint32_t table, struct in_addr gw,
		       unsigned ifindex)
{
	struct in_addr any = { .s_addr = INADDR_ANY };
	char a[INET_ADDRSTRLEN];

	if (check_table(r, "adding routes", table) < 0)
		return -1;
	if (!inet_ntop(AF_INET, &gw, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	/*
	 * The host route first: the kernel checks that a gateway is
	 * reachable, looking in the route's own table first, and in a
	 * fresh table only this route makes it so.  REPLACE makes both
	 * idempotent.
	 */
	/* No next hop: a point-to-point link, "default dev IFINDEX". */
	if (gw.s_addr == INADDR_ANY) {
		route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table,
			      any, 0, NULL, ifindex, RT_SCOPE_LINK, traffic_realm(table));
		if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0) {
			rtnl_set_error(r, errno, "adding route default dev %u table %u",
				       ifindex, table);
			return -1;
		}
		return 0;
	}
	route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table,
		      gw, 32, NULL, ifindex, RT_SCOPE_LINK, traffic_realm(table));
	if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0) {
		rtnl_set_error(r, errno,
			       "adding route %s/32 dev %u scope link table %u",
			       a, ifindex, table);
		return -1;
	}
	route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table,
		      any, 0, &gw, ifindex, RT_SCOPE_UNIVERSE, traffic_realm(table));
	if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0) {
		rtnl_set_error(r, errno,
			       "adding route default via %s dev %u table %u",
			       a, ifindex, table);
		return -1;
	}
	return 0;
}

static int route_gone(int err)
{
	/* ESRCH: no such route, or no such table at all. */
	return err == ESRCH || err == ENOENT;
}

int rtnl_gw_routes_del(struct rtnl *r, uint32_t table, struct in_addr gw,
		       unsigned ifindex)
{
	struct in_addr any = { .s_addr = INADDR_ANY };
	char a[INET_ADDRSTRLEN];

	if (check_table(r, "deleting routes", table) < 0)
		return -1;
	if (!inet_ntop(AF_INET, &gw, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (gw.s_addr == INADDR_ANY) {
		route_request(r, RTM_DELROUTE, 0, table, any, 0, NULL, ifindex,
			      RT_SCOPE_LINK, 0);
		if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0 &&
		    !route_gone(errno)) {
			rtnl_set_error(r, errno, "deleting route default dev %u table %u",
				       ifindex, table);
			return -1;
		}
		return 0;
	}
	/* Reverse order of add: the default route leans on the host one. */
	route_request(r, RTM_DELROUTE, 0, table, any, 0, &gw, ifindex,
		      RT_SCOPE_UNIVERSE, 0);
	if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0 &&
	    !route_gone(errno)) {
		rtnl_set_error(r, errno,
			       "deleting route default via %s dev %u table %u",
			       a, ifindex, table);
		return -1;
	}
	route_request(r, RTM_DELROUTE, 0, table, gw, 32, NULL, ifindex,
		      RT_SCOPE_LINK, 0);
	if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0 &&
	    !route_gone(errno)) {
		rtnl_set_error(r, errno,
			       "deleting route %s/32 dev %u scope link table %u",
			       a, ifindex, table);
		return -1;
	}
	return 0;
}

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	int ret = 0;

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case RTA_DST:
	case RTA_SRC:
	case RTA_GATEWAY:
	case RTA_PREFSRC:
	case RTA_OIF:
	case RTA_IIF:
	case RTA_PRIORITY:
	case RTA_FLOW:
	case RTA_TABLE:
	case RTA_MARK:
		/* AF_INET only, so addresses are 4 bytes too. */
		ret = mnl_attr_validate(attr, MNL_TYPE_U32);
		break;
	case RTA_METRICS:
	case RTA_MULTIPATH:
		ret = mnl_attr_validate(attr, MNL_TYPE_NESTED);
		break;
	case RTA_PREF:
		ret = mnl_attr_validate(attr, MNL_TYPE_U8);
		break;
	default:
		break;
	}
	if (ret < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void table_reset(void *arg)
{
	((struct table_spec *)arg)->count = 0;
}

static int table_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct table_spec *s = r->arg;
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	if (attr_u32_or(tb[RTA_TABLE], rtm->rtm_table) == s->table)
		s->count++;
	return MNL_CB_OK;
}

int rtnl_table_count(struct rtnl *r, uint32_t table)
{
	struct table_spec s = { .table = table };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (check_table(r, "counting routes", table) < 0)
		return -1;
	nlh = rtnl_msg(r, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	if (rtnl_dump(r, nlh, table_dump_cb, &s, table_reset) < 0) {
		rtnl_set_error(r, errno, "listing routes of table %u", table);
		return -1;
	}
	return s.count;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct link_spec *s = r->arg;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index > 0)
		s->ifindex = (unsigned int)ifi->ifi_index;
	return MNL_CB_OK;
}

unsigned rtnl_ifindex(struct rtnl *r, const char *name)
{
	struct link_spec s = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ) {
		snprintf(r->err, sizeof(r->err),
			 "interface '%s' not found: invalid name", name);
		errno = ENODEV;
		return 0;
	}
	/* The ACK ends the exchange after the one RTM_NEWLINK reply. */
	nlh = rtnl_msg(r, RTM_GETLINK, NLM_F_ACK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Statistics are most of a link message and of no use here. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (rtnl_talk(r, nlh, link_cb, &s) < 0) {
		if (errno == ENODEV)
			snprintf(r->err, sizeof(r->err),
				 "interface '%s' not found", name);
		else
			rtnl_set_error(r, errno, "looking up interface '%s'",
				       name);
		return 0;
	}
	if (s.ifindex == 0) {
		snprintf(r->err, sizeof(r->err), "interface '%s' not found",
			 name);
		errno = ENODEV;
	}
	return s.ifindex;
}

/*
 * Rules for the box's own traffic (the health probes).  An output
 * route lookup carries iif = lo (ip_route_output_key_hash() sets
 * flowi4_iif to LOOPBACK_IFINDEX), so "iif lo" matches exactly the
 * locally generated packets and never forwarded LAN traffic, whatever
 * its mark.
 */
#define RTNL_LOCAL_IIF	"lo"

static const struct nfqlb_net4 rtnl_from_all = { .plen = 0 };

int rtnl_rule_add_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			uint32_t table, uint32_t prio)
{
	const struct rule_spec sp = {
		.from = &rtnl_from_all, .iif = RTNL_LOCAL_IIF, .mark = mark,
		.mask = mask, .table = table, .prio = prio,
	};

	if (check_table(r, "adding", table) < 0)
		return -1;
	return rule_change(r, RTM_NEWRULE, &sp);
}

int rtnl_rule_del_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			uint32_t table, uint32_t prio)
{
	const struct rule_spec sp = {
		.from = &rtnl_from_all, .iif = RTNL_LOCAL_IIF, .mark = mark,
		.mask = mask, .table = table, .prio = prio,
	};

	if (check_table(r, "deleting", table) < 0)
		return -1;
	return rule_change(r, RTM_DELRULE, &sp);
}

int rtnl_rule_exists_local(struct rtnl *r, uint32_t mark, uint32_t mask,
			   uint32_t table, uint32_t prio)
{
	struct rule_spec s = {
		.from = &rtnl_from_all, .iif = RTNL_LOCAL_IIF, .mark = mark,
		.mask = mask, .table = table, .prio = prio,
	};

	if (check_table(r, "looking up", table) < 0)
		return -1;
	return rule_find(r, &s);
}

struct rule_each {
	void (*cb)(const struct rtnl_rule *rr, void *arg);
	void *arg;
};

static void rule_each_reset(void *arg)
{
	(void)arg;
}

static int rule_each_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct rule_each *e = r->arg;
	const struct fib_rule_hdr *frh;
	struct rtnl_rule rr;
	struct rule_attrs ra;
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return MNL_CB_OK;
	if (rule_msg_parse(nlh, &frh, &ra))
		return MNL_CB_ERROR;
	if (frh->family != AF_INET)
		return MNL_CB_OK;
	memset(&rr, 0, sizeof(rr));
	rr.prio = attr_u32_or(ra.tb[FRA_PRIORITY], 0);
	rr.table = attr_u32_or(ra.tb[FRA_TABLE], frh->table);
	rr.has_mark = ra.tb[FRA_FWMARK] != NULL;
	rr.mark = attr_u32_or(ra.tb[FRA_FWMARK], 0);
	rr.mask = attr_u32_or(ra.tb[FRA_FWMASK], rr.has_mark ? UINT32_MAX : 0);
	rr.src_len = frh->src_len;
	if (ra.tb[FRA_SRC])
		memcpy(&rr.src, mnl_attr_get_payload(ra.tb[FRA_SRC]), sizeof(rr.src));
	if (ra.tb[FRA_IIFNAME])
		snprintf(rr.iif, sizeof(rr.iif), "%s", mnl_attr_get_str(ra.tb[FRA_IIFNAME]));
	rr.to_table = frh->action == FR_ACT_TO_TBL;
	rr.other_selectors = frh->dst_len || frh->tos || (frh->flags & FIB_RULE_INVERT);
	for (i = 0; i < MNL_ARRAY_SIZE(rule_foreign_attrs); i++)
		if (rule_foreign_attrs[i] != FRA_IIFNAME && ra.tb[rule_foreign_attrs[i]])
			rr.other_selectors = 1;
	e->cb(&rr, e->arg);
	return MNL_CB_OK;
}

int rtnl_rule_foreach(struct rtnl *r, void (*cb)(const struct rtnl_rule *rr, void *arg),
		      void *arg)
{
	struct rule_each e = { .cb = cb, .arg = arg };
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	nlh = rtnl_msg(r, RTM_GETRULE, NLM_F_DUMP);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	if (rtnl_dump(r, nlh, rule_each_cb, &e, rule_each_reset) < 0) {
		rtnl_set_error(r, errno, "listing the ip rules");
		return -1;
	}
	return 0;
}

/* ---- the last resort, flushing a table, links, addresses (uplink.c) ---- */

/*
 * "unreachable default metric RTNL_LAST_RESORT_METRIC table TABLE":
 * no device, so the kernel keeps it when a link goes down and deletes
 * that link's routes; the highest metric, so any real default wins.
 */
static void last_resort_request(struct rtnl *r, uint16_t type, uint16_t flags,
				uint32_t table)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = rtnl_msg(r, type, NLM_F_ACK | flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNREACHABLE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, RTNL_LAST_RESORT_METRIC);
}

int rtnl_last_resort(struct rtnl *r, uint32_t table, int add)
{
	if (check_table(r, "last resort", table) < 0)
		return -1;
	last_resort_request(r, add ? RTM_NEWROUTE : RTM_DELROUTE,
			    add ? NLM_F_CREATE | NLM_F_REPLACE : 0, table);
	if (rtnl_talk(r, (struct nlmsghdr *)r->sbuf, NULL, NULL) < 0 &&
	    (add || !route_gone(errno))) {
		rtnl_set_error(r, errno, "%s route unreachable default metric %u table %u",
			       add ? "adding" : "deleting", RTNL_LAST_RESORT_METRIC, table);
		return -1;
	}
	return 0;
}

#define RTNL_FLUSH_MAX	32	/* routes of one gateway table: a handful */

struct flush_route {
	struct rtmsg rtm;
	uint32_t dst, gw, oif, prio;
	int has_dst, has_gw, has_oif, has_prio;
};

struct flush_spec {
	uint32_t table;
	int keep_last_resort;
	unsigned n;
	struct flush_route rt[RTNL_FLUSH_MAX];
};

static void flush_reset(void *arg)
{
	((struct flush_spec *)arg)->n = 0;
}

static int flush_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct flush_spec *s = r->arg;
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm;
	struct flush_route *f;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (rtm->rtm_family != AF_INET ||
	    attr_u32_or(tb[RTA_TABLE], rtm->rtm_table) != s->table ||
	    (s->keep_last_resort && rtm->rtm_type == RTN_UNREACHABLE) ||
	    s->n >= RTNL_FLUSH_MAX)
		return MNL_CB_OK;
	f = &s->rt[s->n++];
	memset(f, 0, sizeof(*f));
	f->rtm = *rtm;
	if ((f->has_dst = !!tb[RTA_DST]))
		f->dst = mnl_attr_get_u32(tb[RTA_DST]);
	if ((f->has_gw = !!tb[RTA_GATEWAY]))
		f->gw = mnl_attr_get_u32(tb[RTA_GATEWAY]);
	if ((f->has_oif = !!tb[RTA_OIF]))
		f->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	if ((f->has_prio = !!tb[RTA_PRIORITY]))
		f->prio = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	return MNL_CB_OK;
}

/*
 * Every route of TABLE (a gateway's own table: nothing but nfqlbd's),
 * the last resort kept if asked: each deleted by what the dump said
 * of it, so the kernel deletes exactly that one.
 */
int rtnl_table_flush(struct rtnl *r, uint32_t table, int keep_last_resort)
{
	struct flush_spec *s = calloc(1, sizeof(*s));
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned i;
	int rc = 0;

	if (!s) {
		snprintf(r->err, sizeof(r->err), "flushing table %u: out of memory", table);
		return -1;
	}
	s->table = table;
	s->keep_last_resort = keep_last_resort;
	if (check_table(r, "flushing", table) < 0) {
		free(s);
		return -1;
	}
	nlh = rtnl_msg(r, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	if (rtnl_dump(r, nlh, flush_dump_cb, s, flush_reset) < 0) {
		rtnl_set_error(r, errno, "listing routes of table %u", table);
		free(s);
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		const struct flush_route *f = &s->rt[i];

		nlh = rtnl_msg(r, RTM_DELROUTE, NLM_F_ACK);
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		*rtm = f->rtm;
		rtm->rtm_flags = 0;
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
		if (f->has_dst)
			mnl_attr_put_u32(nlh, RTA_DST, f->dst);
		if (f->has_gw)
			mnl_attr_put_u32(nlh, RTA_GATEWAY, f->gw);
		if (f->has_oif)
			mnl_attr_put_u32(nlh, RTA_OIF, f->oif);
		if (f->has_prio)
			mnl_attr_put_u32(nlh, RTA_PRIORITY, f->prio);
		if (rtnl_talk(r, nlh, NULL, NULL) < 0 && !route_gone(errno)) {
			rtnl_set_error(r, errno, "flushing table %u", table);
			rc = -1;
		}
	}
	free(s);
	return rc;
}

static int link_info_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	if (type == IFLA_ADDRESS)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct rtnl_link *l = r->arg;
	const struct nlattr *tb[IFLA_MAX + 1] = { NULL };
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_info_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (ifi->ifi_index <= 0)
		return MNL_CB_OK;
	l->ifindex = (unsigned)ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->lladdr_len = tb[IFLA_ADDRESS] ? mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) : 0;
	return MNL_CB_OK;
}

int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *l)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(l, 0, sizeof(*l));
	if (!*name || strlen(name) >= IFNAMSIZ) {
		snprintf(r->err, sizeof(r->err), "interface '%s': invalid name", name);
		errno = EINVAL;
		return -1;
	}
	nlh = rtnl_msg(r, RTM_GETLINK, NLM_F_ACK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (rtnl_talk(r, nlh, link_info_cb, l) < 0) {
		if (errno == ENODEV) {
			memset(l, 0, sizeof(*l));
			return 0;
		}
		rtnl_set_error(r, errno, "looking up interface '%s'", name);
		return -1;
	}
	return l->ifindex ? 1 : 0;
}

struct addr_spec {
	unsigned ifindex;
	int found;
};

static void addr_reset(void *arg)
{
	((struct addr_spec *)arg)->found = 0;
}

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct addr_spec *s = r->arg;
	const struct ifaddrmsg *ifa;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family == AF_INET && ifa->ifa_index == s->ifindex)
		s->found = 1;
	return MNL_CB_OK;
}

int rtnl_has_addr4(struct rtnl *r, unsigned ifindex)
{
	struct addr_spec s = { .ifindex = ifindex };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = rtnl_msg(r, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (rtnl_dump(r, nlh, addr_dump_cb, &s, addr_reset) < 0) {
		rtnl_set_error(r, errno, "listing IPv4 addresses");
		return -1;
	}
	return s.found;
}

struct via_spec {
	unsigned ifindex;
	int found;
	uint32_t prio;
	struct in_addr gw;
};

static void via_reset(void *arg)
{
	struct via_spec *s = arg;

	s->found = 0;
	s->prio = 0;
	s->gw.s_addr = INADDR_ANY;
}

static int via_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *r = data;
	struct via_spec *s = r->arg;
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg *rtm;
	uint32_t prio;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST ||
	    attr_u32_or(tb[RTA_TABLE], rtm->rtm_table) != RT_TABLE_MAIN ||
	    !tb[RTA_GATEWAY] || attr_u32_or(tb[RTA_OIF], 0) != s->ifindex)
		return MNL_CB_OK;
	/* The one the kernel would use: the lowest metric. */
	prio = attr_u32_or(tb[RTA_PRIORITY], 0);
	if (s->found && prio >= s->prio)
		return MNL_CB_OK;
	s->found = 1;
	s->prio = prio;
	s->gw.s_addr = mnl_attr_get_u32(tb[RTA_GATEWAY]);
	return MNL_CB_OK;
}

int rtnl_main_default_via(struct rtnl *r, unsigned ifindex, struct in_addr *gw)
{
	struct via_spec s = { .ifindex = ifindex };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = rtnl_msg(r, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	if (rtnl_dump(r, nlh, via_dump_cb, &s, via_reset) < 0) {
		rtnl_set_error(r, errno, "listing the main table");
		return -1;
	}
	*gw = s.gw;
	return s.found;
}
