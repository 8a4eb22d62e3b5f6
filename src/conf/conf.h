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
#include <sys/types.h>
#include "core/addr.h"
#include "core/balance.h"
#include "core/health.h"
#include "core/judge.h"
#include "core/ha.h"
#include "core/linkstate.h"

#define CONF_DEFAULT_PATH	"/etc/nfqlb/nfqlb.conf"
#define CONF_DEFAULT_SOCKET	"/run/nfqlb/nfqlbd.sock"
#define CONF_DEFAULT_STATE_DIR	"/var/lib/nfqlb"
#define CONF_NAME_MAX		16	/* gateway name, with its NUL */
#define CONF_PREFIX_MAX		16	/* set prefix, with its NUL */
#define CONF_MAX_ERRORS		64
#define CONF_LAN_MIN_PLEN	2	/* lan.network /0 and /1 are refused */

/*
 * What a gateway's table holds once its own routes are gone (link
 * down): UNREACHABLE, an "unreachable default" route of the highest
 * metric, so that nothing marked for it ever leaves through another
 * gateway (its users' packets and its probes fail); MAIN, nothing, so
 * that they fall through to the main table (connectivity, through
 * another public address).  `last_resort`, top level or per gateway.
 */
enum conf_last_resort {
	CONF_LR_UNREACHABLE,
	CONF_LR_MAIN,
};

struct conf_gw {
	char name[CONF_NAME_MAX];
	/*
	 * nh ADDR: addr is the next hop.  DEV (no address: a point-to-
	 * point link): "default dev IFACE".  LEARNED (address = "dhcp"):
	 * main's default route via IFACE, found at run time (uplink.c);
	 * addr is 0.0.0.0 for both.
	 */
	enum linkstate_nh nh;
	struct in_addr addr;
	enum conf_last_resort last_resort;
	char ifname[IF_NAMESIZE];
	uint32_t weight;
	/* Declared capacity, kbit/s (balance.policy "load"); 0: from the weight. */
	uint32_t bw_down, bw_up;
	unsigned ntargets;	/* own probe targets; 0: health.targets */
	struct health_target targets[HEALTH_MAX_TARGETS];
};

/*
 * Behind a transparent web proxy (the `proxy` group, issue 21): LAN TCP
 * to one of ports from a client bound to gateway slot n is redirected
 * to the box's port port_base + n, where the proxy's instance for that
 * gateway listens; the box's own packets of user user_prefix+NAME are
 * given gateway NAME's mark (E2Guardian: one instance per gateway).
 */
#define CONF_PROXY_MAX_PORTS	8
#define CONF_PROXY_PREFIX_MAX	16	/* user_prefix, with its NUL */

struct conf_proxy {
	int enable;
	uint32_t port_base;
	unsigned nports;
	uint16_t ports[CONF_PROXY_MAX_PORTS];
	char user_prefix[CONF_PROXY_PREFIX_MAX];	/* "": no owner marks */
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
	/*
	 * true: connections keep the gateway they started on (CONNMARK,
	 * conntrack).  false: no conntrack; every packet is marked from
	 * one skbinfo set (the map set) by its source's current binding.
	 */
	int pin_connections;
	enum conf_last_resort last_resort;	/* the gateways' default */

	/*
	 * Behind a portal (issue 10): false, only the control socket binds
	 * and unknown clients' packets are never queued.  release_hold:
	 * seconds a released client's own packets do not bind it again.
	 * idle_timeout: seconds without traffic after which a binding made
	 * by a packet (never confirmed by bind) is released; 0 never.
	 * state_dir: where the journal of who is who (state.c) lives.
	 */
	int bind_on_packet;
	uint32_t release_hold;
	uint32_t idle_timeout;
	char state_dir[192];

	char ctl_path[108];	/* sun_path */
	uint32_t ctl_mode;
	char ctl_group[64];	/* "" : root only */
	gid_t ctl_gid;		/* (gid_t)-1 without a group */
	char ctl_read_path[108];	/* the read-only socket; "": none */
	char ctl_read_group[64];	/* "" : root only */
	gid_t ctl_read_gid;	/* (gid_t)-1 without a group */
	uint32_t ctl_idle;	/* seconds */
	uint32_t ctl_max_conns;

	/*
	 * Gateways by slot: slot n has mark and table mark_base + n.  In a
	 * parsed file slots are the file's order; at run time a removed
	 * gateway leaves an empty slot (name[0] == 0) so that no other
	 * gateway's mark ever changes.
	 */
	unsigned ngw;
	struct conf_gw gw[BALANCE_MAX_GW];

	struct health_params health;
	unsigned ntargets;	/* health.targets; 0 and no gateway's own: no probing */
	struct health_target targets[HEALTH_MAX_TARGETS];
	int rebalance;		/* on failback */
	char notify[256];	/* "" : none */
	uint32_t notify_timeout;
	uint32_t damping;	/* penalty half-life in rounds; 0: none */
	uint32_t rebalance_after; /* seconds up before a failback rebalances */

	struct ha_conf ha;	/* the `ha` group (ha.h) */

	/*
	 * The `balance` group (load.h): policy CONF_POLICY_USERS (least
	 * clients / weight) or CONF_POLICY_LOAD; quiet rebalancing of idle
	 * users when one gateway's utilization stays rebalance_margin
	 * percent above another's for rebalance_hold seconds, one move per
	 * rebalance_interval seconds at most.
	 */
	int policy;
	int rebalance_idle;
	int measure;		/* per-user counting without the load policy */
	uint32_t rebalance_margin;
	uint32_t rebalance_hold;
	uint32_t rebalance_interval;

	struct conf_proxy proxy; /* the `proxy` group */
};

#define CONF_POLICY_USERS	0
#define CONF_POLICY_LOAD	1
#define CONF_BW_MAX_KBIT	100000000u	/* 100 Gbit/s */

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

/*
 * Validate a gateway given at run time (nfqlbctl gateway add) against
 * the running configuration: name, address, interface, weight (NULL:
 * 1), no duplicate name or address.  0 and *out filled, or -1 and err.
 */
int conf_check_gw(const struct conf *c, const char *name, const char *address,
		  const char *ifname, const char *weight, struct conf_gw *out,
		  char *err, size_t errlen);
/* Slot of the gateway called name, or -1 (a removed one leaves an empty slot). */
int conf_gw_find(const struct conf *c, const char *name);
/* Gateways configured (empty slots not counted). */
unsigned conf_gw_count(const struct conf *c);
/* "dhcp", "" (point-to-point) or the address of gateway g, into buf. */
const char *conf_gw_address(const struct conf_gw *g, char *buf, size_t len);
/* "unreachable" or "main". */
const char *conf_last_resort_name(enum conf_last_resort lr);
/* Can gateway slot n have a mark, a table and a rule?  0 or -1 and err. */
int conf_check_slot(const struct conf *c, unsigned slot, char *err, size_t errlen);

/* Parse "icmp:ADDR" or "tcp:ADDR:PORT"; 0 or -1. */
int conf_parse_target(const char *s, struct health_target *t);
/* The targets gateway i is probed with (its own or health.targets). */
const struct health_target *conf_gw_targets(const struct conf *c, unsigned i,
					    unsigned *n);

/* Set name of gateway i into buf (IPSET_MAXNAMELEN = 32 bytes). */
void conf_set_name(const struct conf *c, unsigned i, char *buf, size_t len);
/*
 * Name of the map set (every client with its gateway's mark as skbmark;
 * only with pin_connections false) into buf: set_prefix + ".map".
 */
#define CONF_MAP_SET_SUFFIX	".map"
void conf_map_set_name(const struct conf *c, char *buf, size_t len);
/* Same proxy settings?  (The group needs a restart.) */
int conf_proxy_equal(const struct conf_proxy *a, const struct conf_proxy *b);
/* The intercept port of gateway slot i. */
static inline uint32_t conf_proxy_port(const struct conf *c, unsigned i)
{
	return c->proxy.port_base + i;
}
/* fwmark and routing table of gateway i. */
static inline uint32_t conf_gw_mark(const struct conf *c, unsigned i)
{
	return c->mark_base + i;
}

/*
 * The ip rules of gateway slot i, built in one place (kmirror installs
 * them, foreign.c recognises them, conf.c checks their priorities):
 *   LAN:   pref rule_priority + i                 from LAN fwmark M/mask lookup M
 *   PROBE: pref rule_priority + BALANCE_MAX_GW + i iif lo fwmark M/mask lookup M
 * Probe rules sit above every LAN rule; both stay below the main
 * table's rule (32766).
 */
enum conf_rule_kind { CONF_RULE_LAN, CONF_RULE_PROBE };

struct conf_rule {
	uint32_t prio;
	uint32_t mark, mask;
	uint32_t table;
	int iif_lo;			/* "iif lo" (probes) instead of "from" */
	struct nfqlb_net4 from;		/* LAN rules only */
};

void conf_gw_rule(const struct conf *c, unsigned i, enum conf_rule_kind kind,
		  struct conf_rule *r);

/*
 * The first setting whose change only a restart can apply, as the
 * reload error names it, or NULL: the "restart" column of conf.c's
 * settings tables.
 */
const char *conf_restart_change(const struct conf *a, const struct conf *b);

#endif
