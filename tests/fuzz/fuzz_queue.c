// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_queue.c - the NFQUEUE message parser: the input is a received
 * netlink buffer, checked (nlcheck_batch) and walked by libmnl exactly
 * as queue.c does, each message parsed by queue_parse_msg(); and, on
 * its own, the IPv4/IPv6 source parser on the raw bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "kernel/nlcheck.h"
#include "kernel/queue.h"

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue_pkt p;

	(void)data;
	if (queue_parse_msg(nlh, &p) == 0 && p.status == QUEUE_PKT_OK &&
	    p.src.family != AF_INET)
		abort();
	return MNL_CB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfqlb_addr a;
	void *buf;

	/* The kernel's buffers are aligned: so is the copy. */
	if (size > 65536 || !(buf = aligned_alloc(8, size ? (size + 7) & ~(size_t)7 : 8)))
		return 0;
	memcpy(buf, data, size);
	if (nlcheck_batch(buf, size) == 0)
		mnl_cb_run(buf, size, 0, 0, msg_cb, NULL);
	queue_parse_source(data, size, &a);
	free(buf);
	return 0;
}
