/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf.h - the configuration file (libconfig syntax), parsed into a
 * plain struct and validated as a whole: every bad setting is reported
 * at once, each message naming the setting and the bad value.  A
 * reload parses into a fresh struct and swaps only if it is valid.
 */
#ifndef NFQLB_CONF_H
#define NFQLB_CONF_H

#include <stdint.h>
#include <net/if.h>
#include "addr.h"
#include "balance.h"

#define CONF_DEFAULT_PATH	"/etc/nfqlb/nfqlb.conf"
#define CONF_NAME_MAX		16	/* gateway name, with its NUL */
#define CONF_PREFIX_MAX		16	/* set prefix, with its NUL */
#define CONF_MAX_ERRORS		64

struct conf_gw {
	char name[CONF_NAME_MAX];
	struct in_addr addr;
	char ifname[IF_NAMESIZE];
	uint32_t weight;
};

struct conf {
	char lan_if[IF_NAMESIZE];
	struct nfqlb_net4 lan_net;

	uint32_t queue_num;
	uint32_t queue_maxlen;
	uint32_t queue_bufsize;
	uint32_t copy_range;
	uint32_t queue_batch;	/* packets per recvmmsg and verdict batch */
	int fail_open;

	uint32_t mark_base;
	uint32_t mark_mask;
	uint32_t rule_priority;
	uint32_t max_clients;
	char set_prefix[CONF_PREFIX_MAX];
	int keep_on_exit;

	unsigned ngw;
	struct conf_gw gw[BALANCE_MAX_GW];
};

struct conf_errors {
	unsigned count;			/* may exceed what msg holds */
	char msg[CONF_MAX_ERRORS][256];
};

/*
 * Parse and validate path into *c.  Returns the number of errors
 * (0: *c is valid); each is in e->msg, prefixed by the file name.
 */
int conf_load(const char *path, struct conf *c, struct conf_errors *e);
/* The same, from a string (tests); name is used in messages. */
int conf_load_string(const char *text, const char *name, struct conf *c,
		     struct conf_errors *e);

/* Set name of gateway i into buf (IPSET_MAXNAMELEN = 32 bytes). */
void conf_set_name(const struct conf *c, unsigned i, char *buf, size_t len);
/* fwmark and routing table of gateway i. */
static inline uint32_t conf_gw_mark(const struct conf *c, unsigned i)
{
	return c->mark_base + i;
}

#endif
