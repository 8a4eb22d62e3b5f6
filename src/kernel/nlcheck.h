/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlcheck.h - is a received netlink buffer whole before libmnl walks it?
 *
 * Debian 12's libmnl 1.0.4 compares nlmsg_len as a signed int in
 * mnl_nlmsg_ok(), so a header claiming 2 GiB or more passes and
 * mnl_cb_run() reads past the buffer.  Only the kernel writes to our
 * netlink sockets, but every received buffer is checked here first:
 * each message's length covers at least its header and stays inside
 * what was received.
 */
#ifndef NFQLB_NLCHECK_H
#define NFQLB_NLCHECK_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/netlink.h>

/* 0 if buf[0..len) holds only whole messages; -1 with errno EBADMSG. */
static inline int nlcheck_batch(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	size_t step;

	while (len >= sizeof(h)) {
		memcpy(&h, p, sizeof(h));	/* buf may be unaligned */
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len) {
			errno = EBADMSG;
			return -1;
		}
		step = NLMSG_ALIGN((size_t)h.nlmsg_len);
		if (step >= len)
			return 0;
		p += step;
		len -= step;
	}
	/* Fewer bytes than a header are left: libmnl stops there too. */
	return 0;
}

#endif
