// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * setadd - time adding N addresses to an existing hash:ip set with raw
 * ipset netlink requests (libmnl, no libipset), BATCH members per
 * request: BATCH 1 is one request per member as nfqlbd's lbset_add
 * sends today, minus libipset's own work; BATCH > 1 puts the members
 * in one IPSET_ATTR_ADT container, as `ipset restore` does.  Each
 * request is acknowledged before the next is sent.
 *
 *   setadd SET N BATCH [FIRST_OCTET]
 *
 * Adds 10.F.0.1 upwards (F = FIRST_OCTET, default 10); prints
 * "batch B: N adds, X us per add".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/ipset/ip_set.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void put_member(struct nlmsghdr *nlh, uint32_t addr)
{
	struct nlattr *data, *ip;

	data = mnl_attr_nest_start(nlh, IPSET_ATTR_DATA);
	ip = mnl_attr_nest_start(nlh, IPSET_ATTR_IP);
	mnl_attr_put_u32(nlh, IPSET_ATTR_IPADDR_IPV4 | NLA_F_NET_BYTEORDER, htonl(addr));
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, data);
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct mnl_socket *nl;
	unsigned long n, batch, i = 0, k, first = 10;
	unsigned portid, seq = 1;
	double t0, t1;

	if (argc < 4) {
		fprintf(stderr, "usage: setadd SET N BATCH [FIRST_OCTET]\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	batch = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		first = strtoul(argv[4], NULL, 0);
	if (!n || !batch || batch > 256 || first > 255 || n > 1 << 24)
		return 2;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("setadd: netlink");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	t0 = now_us();
	while (i < n) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *nfg;
		struct nlattr *adt = NULL;
		int r;

		nlh->nlmsg_type = (NFNL_SUBSYS_IPSET << 8) | IPSET_CMD_ADD;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = seq;
		nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
		nfg->nfgen_family = AF_INET;
		nfg->version = NFNETLINK_V0;
		nfg->res_id = 0;
		mnl_attr_put_u8(nlh, IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
		mnl_attr_put_strz(nlh, IPSET_ATTR_SETNAME, argv[1]);
		if (batch > 1) {
			/* The kernel wants a line number with a container. */
			mnl_attr_put_u32(nlh, IPSET_ATTR_LINENO, 0);
			adt = mnl_attr_nest_start(nlh, IPSET_ATTR_ADT);
		}
		for (k = 0; k < batch && i < n; k++, i++)
			put_member(nlh, (10u << 24) | ((uint32_t)first << 16) | (uint32_t)(i + 1));
		if (adt)
			mnl_attr_nest_end(nlh, adt);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
			perror("setadd: send");
			return 1;
		}
		r = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (r < 0 || mnl_cb_run(buf, (size_t)r, seq, portid, NULL, NULL) < 0) {
			fprintf(stderr, "setadd: add to %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		seq++;
	}
	t1 = now_us();
	printf("batch %lu: %lu adds, %.2f us per add\n", batch, n, (t1 - t0) / (double)n);
	mnl_socket_close(nl);
	return 0;
}
