// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conf.c - libconfig parsing and table-driven validation.
 *
 * Every setting is checked and every error is recorded (not just the
 * first), each naming the setting by its path and the bad value, so an
 * administrator fixes a file in one pass.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

struct conf_ctx {
	const char *file;
	struct conf_errors *e;
};

static void __attribute__((format(printf, 2, 3)))
conf_err(struct conf_ctx *x, const char *fmt, ...)
{
	va_list ap;
	char *m;
	int n;

	if (x->e->count < CONF_MAX_ERRORS) {
		m = x->e->msg[x->e->count];
		n = snprintf(m, sizeof(x->e->msg[0]), "%s: ", x->file);
		if (n < 0 || (size_t)n >= sizeof(x->e->msg[0]))
			n = 0;
		va_start(ap, fmt);
		vsnprintf(m + n, sizeof(x->e->msg[0]) - n, fmt, ap);
		va_end(ap);
	}
	x->e->count++;
}

/*
 * The line of setting path, or else of fallback (its group, say): a
 * check across settings names the line of the one it names first.  0
 * if neither is in the file (a default is wrong with another setting).
 */
static int line_of(config_t *cf, const char *path, const char *fallback)
{
	config_setting_t *s = config_lookup(cf, path);

	if (!s && fallback)
		s = config_lookup(cf, fallback);
	return s ? config_setting_source_line(s) : 0;
}

/* Integer settings: path, where it goes, range, default. */
struct conf_int {
	const char *path;
	size_t off;
	int64_t min, max, def;
	/* Not NULL: only a restart applies a change; the name a reload names. */
	const char *restart;
};

static const struct conf_int conf_ints[] = {
	{ "queue.number", offsetof(struct conf, queue_num), 0, 65535, 0, "queue.number" },
	{ "queue.max_len", offsetof(struct conf, queue_maxlen), 1, 1 << 20, 8192, "queue" },
	{ "queue.socket_buffer", offsetof(struct conf, queue_bufsize),
	  65536, 1 << 30, 8 << 20, "queue" },
	{ "queue.copy_range", offsetof(struct conf, copy_range), 20, 65535, 40, "queue" },
	{ "queue.batch", offsetof(struct conf, queue_batch), 1, 64, 64, "queue" },
	{ "marks.base", offsetof(struct conf, mark_base), 1, UINT32_MAX, 200, "marks" },
	{ "marks.mask", offsetof(struct conf, mark_mask), 1, UINT32_MAX, 0xff, "marks" },
	{ "marks.rule_priority", offsetof(struct conf, rule_priority),
	  1, 32000, 10000, "marks" },
	{ "clients.max", offsetof(struct conf, max_clients), 1, 1 << 24, 65536, "clients.max" },
	{ "clients.release_hold", offsetof(struct conf, release_hold), 0, 86400, 30, NULL },
	{ "clients.idle_timeout", offsetof(struct conf, idle_timeout), 0, 30 * 86400, 0, NULL },
	{ "control.idle_timeout", offsetof(struct conf, ctl_idle), 1, 3600, 30, NULL },
	{ "control.max_connections", offsetof(struct conf, ctl_max_conns), 1, 1024, 64, NULL },
	{ "health.interval", offsetof(struct conf, health.interval_ms), 100, 600000,
	  HEALTH_DEFAULT_INTERVAL_MS, NULL },
	{ "health.timeout", offsetof(struct conf, health.timeout_ms), 10, 600000,
	  HEALTH_DEFAULT_TIMEOUT_MS, NULL },
	{ "health.min_ok", offsetof(struct conf, health.min_ok), 1, HEALTH_MAX_TARGETS,
	  HEALTH_DEFAULT_MIN_OK, NULL },
	{ "health.fall", offsetof(struct conf, health.fall), 1, HEALTH_MAX_COUNT,
	  HEALTH_DEFAULT_FALL, NULL },
	{ "health.rise", offsetof(struct conf, health.rise), 1, HEALTH_MAX_COUNT,
	  HEALTH_DEFAULT_RISE, NULL },
	{ "health.notify_timeout", offsetof(struct conf, notify_timeout), 1, 3600, 5, NULL },
	/* Link quality, joint verdicts and damping (failover.c, judge.c). */
	{ "health.window", offsetof(struct conf, health.window), 1, HEALTH_MAX_WINDOW,
	  HEALTH_DEFAULT_WINDOW, NULL },
	{ "health.loss_down", offsetof(struct conf, health.loss_down), 0, 100,
	  HEALTH_DEFAULT_LOSS_DOWN, NULL },
	{ "health.loss_up", offsetof(struct conf, health.loss_up), 0, 100,
	  HEALTH_DEFAULT_LOSS_UP, NULL },
	{ "health.rtt_down", offsetof(struct conf, health.rtt_down_ms), 0, 600000,
	  HEALTH_DEFAULT_RTT_DOWN_MS, NULL },
	{ "health.rtt_up", offsetof(struct conf, health.rtt_up_ms), 0, 600000,
	  HEALTH_DEFAULT_RTT_UP_MS, NULL },
	{ "health.damping", offsetof(struct conf, damping), 0, 10000,
	  JUDGE_DEFAULT_HALF_LIFE, NULL },
	{ "health.rebalance_after", offsetof(struct conf, rebalance_after), 0, 86400,
	  JUDGE_DEFAULT_REBALANCE_AFTER, NULL },
	{ "ha.release_after", offsetof(struct conf, ha.release_after), 0, 86400, 600, NULL },
	{ "balance.rebalance_margin", offsetof(struct conf, rebalance_margin), 1, 1000, 25, NULL },
	{ "balance.rebalance_hold", offsetof(struct conf, rebalance_hold), 0, 3600, 10, NULL },
	{ "balance.rebalance_interval", offsetof(struct conf, rebalance_interval),
	  1, 3600, 2, NULL },
};

/*
 * The settings that are not integers (strings, flags, addresses), with
 * the same "restart" column as conf_ints: only a restart applies a
 * change of these (conf_restart_change()); the rest a reload applies.
 */
struct conf_field {
	const char *path;
	size_t off, size;
	int is_string;
	const char *restart;
};

#define FIELD(path, member, str, restart) \
	{ path, offsetof(struct conf, member), sizeof(((struct conf *)0)->member), \
	  str, restart }

static const struct conf_field conf_fields[] = {
	FIELD("lan.interface", lan_if, 1, "lan.interface"),
	FIELD("lan.network", lan_net.addr, 0, "lan.network"),
	FIELD("lan.network", lan_net.plen, 0, "lan.network"),
	FIELD("queue.fail_open", fail_open, 0, "queue"),
	FIELD("pin_connections", pin_connections, 0, "pin_connections"),
	FIELD("ha.enable", ha.enable, 0, "ha.enable or ha.learn"),
	FIELD("ha.learn", ha.learn, 0, "ha.enable or ha.learn"),
	FIELD("clients.set_prefix", set_prefix, 1, "clients.set_prefix"),
	FIELD("clients.state_dir", state_dir, 1, "clients.state_dir"),
	FIELD("control.socket", ctl_path, 1, "control"),
	FIELD("control.mode", ctl_mode, 0, "control"),
	FIELD("control.group", ctl_gid, 0, "control"),
	FIELD("control.read_socket", ctl_read_path, 1, "control"),
	FIELD("control.read_group", ctl_read_gid, 0, "control"),
	FIELD("proxy", proxy, 0, "proxy"),	/* the whole group */
	FIELD("clients.bind_on_packet", bind_on_packet, 0, NULL),
	FIELD("keep_on_exit", keep_on_exit, 0, NULL),
};

static int field_differs(const struct conf *a, const struct conf *b, size_t off,
			 size_t size, int is_string)
{
	const char *pa = (const char *)a + off, *pb = (const char *)b + off;

	return is_string ? strncmp(pa, pb, size) != 0 : memcmp(pa, pb, size) != 0;
}

const char *conf_restart_change(const struct conf *a, const struct conf *b)
{
	size_t i;

	for (i = 0; i < sizeof(conf_fields) / sizeof(conf_fields[0]); i++)
		if (conf_fields[i].restart &&
		    field_differs(a, b, conf_fields[i].off, conf_fields[i].size,
				  conf_fields[i].is_string))
			return conf_fields[i].restart;
	for (i = 0; i < sizeof(conf_ints) / sizeof(conf_ints[0]); i++)
		if (conf_ints[i].restart &&
		    field_differs(a, b, conf_ints[i].off, sizeof(uint32_t), 0))
			return conf_ints[i].restart;
	return NULL;
}

/* Every setting a file may hold; anything else is reported. */
static const char *const conf_known_groups[][20] = {
	{ "lan", "interface", "network", NULL },
	{ "queue", "number", "max_len", "socket_buffer", "copy_range",
	  "fail_open", "batch", NULL },
	{ "marks", "base", "mask", "rule_priority", NULL },
	{ "clients", "max", "set_prefix", "bind_on_packet", "release_hold",
	  "idle_timeout", "state_dir", NULL },
	{ "control", "socket", "mode", "group", "read_socket", "read_group", "idle_timeout", "max_connections", NULL },
	{ "health", "interval", "timeout", "min_ok", "fall", "rise", "targets",
	  "rebalance", "notify", "notify_timeout",
	  "window", "loss_down", "loss_up", "rtt_down", "rtt_up", "damping",
	  "rebalance_after", NULL },
	{ "ha", "enable", "learn", "pair_addresses", "peer_fingerprint",
	  "release_after", NULL },
	{ "balance", "policy", "measure", "rebalance_idle", "rebalance_margin", "rebalance_hold",
	  "rebalance_interval", NULL },
	{ "proxy", "enable", "port_base", "ports", "user_prefix", NULL },
};
/* "web": nfqlb-web's group, read by nfqlb-web alone (nfqlb-web(8)). */
static const char *const conf_known_top[] = { "gateways", "keep_on_exit",
						"pin_connections", "last_resort", "web", NULL };
static const char *const conf_known_gw[] = {
	"name", "address", "interface", "weight", "targets", "bandwidth", "last_resort", NULL
};
static const char *const conf_known_bw[] = { "down", "up", NULL };

static int name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	}
	return "unknown";
}

static void check_unknown_members(struct conf_ctx *x, config_setting_t *grp,
				  const char *path, const char *const *known)
{
	config_setting_t *s;
	int i;

	for (i = 0; (s = config_setting_get_elem(grp, i)); i++) {
		const char *n = config_setting_name(s);

		if (n && !name_in(n, known))
			conf_err(x, "line %d: unknown setting '%s%s%s'",
				 config_setting_source_line(s), path,
				 *path ? "." : "", n);
	}
}

static void check_unknown(struct conf_ctx *x, config_t *cf)
{
	config_setting_t *root = config_root_setting(cf), *s;
	unsigned g;
	int i;

	for (i = 0; (s = config_setting_get_elem(root, i)); i++) {
		const char *n = config_setting_name(s);
		int found = 0;

		for (g = 0; g < sizeof(conf_known_groups) / sizeof(conf_known_groups[0]); g++) {
			if (strcmp(n, conf_known_groups[g][0]))
				continue;
			found = 1;
			if (config_setting_type(s) != CONFIG_TYPE_GROUP)
				conf_err(x, "line %d: '%s' must be a group { ... }, not %s",
					 config_setting_source_line(s), n,
					 type_name(config_setting_type(s)));
			else
				check_unknown_members(x, s, n, &conf_known_groups[g][1]);
		}
		if (!found && !name_in(n, conf_known_top))
			conf_err(x, "line %d: unknown setting '%s'",
				 config_setting_source_line(s), n);
	}
}

static void get_int(struct conf_ctx *x, config_t *cf, const struct conf_int *ci,
		    struct conf *c)
{
	config_setting_t *s = config_lookup(cf, ci->path);
	long long v;

	*(uint32_t *)((char *)c + ci->off) = (uint32_t)ci->def;
	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(x, "line %d: %s must be an integer, not %s",
			 config_setting_source_line(s), ci->path,
			 type_name(config_setting_type(s)));
		return;
	}
	v = config_setting_get_int64(s);
	if (v < ci->min || v > ci->max) {
		conf_err(x, "line %d: %s = %lld is out of range [%" PRId64 ", %" PRId64 "]",
			 config_setting_source_line(s), ci->path, v, ci->min, ci->max);
		return;
	}
	*(uint32_t *)((char *)c + ci->off) = (uint32_t)v;
}

static int get_bool(struct conf_ctx *x, config_t *cf, const char *path, int def)
{
	config_setting_t *s = config_lookup(cf, path);

	if (!s)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(x, "line %d: %s must be true or false, not %s",
			 config_setting_source_line(s), path,
			 type_name(config_setting_type(s)));
		return def;
	}
	return config_setting_get_bool(s);
}

/*
 * A string setting: NULL if absent (reported when required) or of the
 * wrong type (always reported).
 */
static const char *get_str(struct conf_ctx *x, config_setting_t *s,
			   const char *path, int required, int line)
{
	if (!s) {
		if (required)
			conf_err(x, "line %d: %s is required", line, path);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(x, "line %d: %s must be a string, not %s",
			 config_setting_source_line(s), path,
			 type_name(config_setting_type(s)));
		return NULL;
	}
	return config_setting_get_string(s);
}

/* Interface names: what the kernel's dev_valid_name() accepts. */
static int ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Gateway names and the set prefix end up in ipset names: keep them plain. */
static int word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n >= max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void parse_lan(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *grp = config_lookup(cf, "lan");
	int line = grp ? config_setting_source_line(grp) : 0;
	const char *s;

	if (!grp) {
		/* Nothing in the file to point at. */
		conf_err(x, "lan { interface; network; } is required: the file has "
			 "no lan group");
		return;
	}
	if (config_setting_type(grp) != CONFIG_TYPE_GROUP)
		return;		/* reported by check_unknown */
	s = get_str(x, config_setting_get_member(grp, "interface"),
		    "lan.interface", 1, line);
	if (s && !ifname_ok(s))
		conf_err(x, "line %d: lan.interface = \"%s\" is not a valid interface "
			 "name (1 to %d bytes, no '/', ':' or blank)",
			 line_of(cf, "lan.interface", "lan"), s, IF_NAMESIZE - 1);
	else if (s)
		snprintf(c->lan_if, sizeof(c->lan_if), "%s", s);
	s = get_str(x, config_setting_get_member(grp, "network"),
		    "lan.network", 1, line);
	if (s && net4_parse(s, &c->lan_net))
		conf_err(x, "line %d: lan.network = \"%s\" is not an IPv4 network "
			 "(a.b.c.d/len, len 0 to 32, with the host bits zero)",
			 line_of(cf, "lan.network", "lan"), s);
	else if (s && c->lan_net.plen < CONF_LAN_MIN_PLEN)
		/* It would take in the gateways, the Internet, multicast. */
		conf_err(x, "line %d: lan.network = \"%s\" is too wide: a LAN is /%d "
			 "or longer", line_of(cf, "lan.network", "lan"), s,
			 CONF_LAN_MIN_PLEN);
}

int conf_parse_target(const char *s, struct health_target *t)
{
	char buf[64], *colon, *end;
	unsigned long port;

	memset(t, 0, sizeof(*t));
	if (!strncmp(s, "icmp:", 5)) {
		t->kind = HEALTH_ICMP;
		return inet_pton(AF_INET, s + 5, &t->addr) == 1 ? 0 : -1;
	}
	if (strncmp(s, "tcp:", 4) || strlen(s + 4) >= sizeof(buf))
		return -1;
	t->kind = HEALTH_TCP;
	snprintf(buf, sizeof(buf), "%s", s + 4);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535)
		return -1;
	t->port = (uint16_t)port;
	return inet_pton(AF_INET, buf, &t->addr) == 1 ? 0 : -1;
}

const struct health_target *conf_gw_targets(const struct conf *c, unsigned i,
					    unsigned *n)
{
	if (c->gw[i].ntargets) {
		*n = c->gw[i].ntargets;
		return c->gw[i].targets;
	}
	*n = c->ntargets;
	return c->targets;
}

/* A list of target strings at s into t (at most HEALTH_MAX_TARGETS). */
static unsigned parse_targets(struct conf_ctx *x, config_setting_t *s,
			      const char *path, struct health_target *t)
{
	unsigned i, n;

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		conf_err(x, "line %d: %s must be a list of \"icmp:ADDR\" or "
			 "\"tcp:ADDR:PORT\", not %s", config_setting_source_line(s),
			 path, type_name(config_setting_type(s)));
		return 0;
	}
	n = (unsigned)config_setting_length(s);
	if (n > HEALTH_MAX_TARGETS) {
		conf_err(x, "line %d: %s has %u targets, at most %d are supported",
			 config_setting_source_line(s), path, n, HEALTH_MAX_TARGETS);
		n = HEALTH_MAX_TARGETS;
	}
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ?
				config_setting_get_string(e) : NULL;

		if (!v || conf_parse_target(v, &t[i]))
			conf_err(x, "line %d: %s target %u = %s%s%s is not \"icmp:ADDR\" or "
				 "\"tcp:ADDR:PORT\"", config_setting_source_line(s), path,
				 i + 1, v ? "\"" : "", v ? v : type_name(config_setting_type(e)),
				 v ? "\"" : "");
	}
	return n;
}

static void parse_health(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *s;
	const char *v;
	unsigned i;

	c->ntargets = parse_targets(x, config_lookup(cf, "health.targets"),
				    "health.targets", c->targets);
	c->rebalance = get_bool(x, cf, "health.rebalance", 0);
	s = config_lookup(cf, "health.notify");
	v = get_str(x, s, "health.notify", 0, 0);
	if (v && *v && (v[0] != '/' || strlen(v) >= sizeof(c->notify)))
		conf_err(x, "line %d: health.notify = \"%s\" must be an absolute path",
			 config_setting_source_line(s), v);
	else if (v)
		snprintf(c->notify, sizeof(c->notify), "%s", v);
	if (c->health.timeout_ms > c->health.interval_ms)
		conf_err(x, "line %d: health.timeout = %u must not exceed "
			 "health.interval = %u",
			 line_of(cf, "health.timeout", "health.interval"),
			 c->health.timeout_ms, c->health.interval_ms);
	if (c->health.loss_up > c->health.loss_down)
		conf_err(x, "line %d: health.loss_up = %u must not exceed "
			 "health.loss_down = %u (the way back up is the harder one)",
			 line_of(cf, "health.loss_up", "health.loss_down"),
			 c->health.loss_up, c->health.loss_down);
	if (c->health.rtt_down_ms && (!c->health.rtt_up_ms ||
				      c->health.rtt_up_ms > c->health.rtt_down_ms))
		conf_err(x, "line %d: health.rtt_up = %u must be 1..health.rtt_down "
			 "= %u ms", line_of(cf, "health.rtt_up", "health.rtt_down"),
			 c->health.rtt_up_ms, c->health.rtt_down_ms);
	for (i = 0; i < c->ngw; i++) {
		unsigned n;
		char path[64];

		conf_gw_targets(c, i, &n);
		snprintf(path, sizeof(path), "gateways.[%u].targets", i);
		if (n && c->health.min_ok > n)
			conf_err(x, "line %d: health.min_ok = %u but gateway %u (%s) has "
				 "only %u probe targets",
				 line_of(cf, "health.min_ok", c->gw[i].ntargets ?
					 path : "health.targets"),
				 c->health.min_ok, i + 1, c->gw[i].name, n);
	}
}

/* bandwidth = { down = KBIT; up = KBIT; }: either may be left out. */
static void parse_bandwidth(struct conf_ctx *x, config_setting_t *b, unsigned i,
			    struct conf_gw *gw)
{
	static const char *const dir[] = { "down", "up" };
	uint32_t *out[] = { &gw->bw_down, &gw->bw_up };
	char path[64];

	if (!b)
		return;
	snprintf(path, sizeof(path), "gateway %u bandwidth", i + 1);
	if (config_setting_type(b) != CONFIG_TYPE_GROUP) {
		conf_err(x, "line %d: %s must be a group { down = KBIT; up = KBIT; }, "
			 "not %s", config_setting_source_line(b), path,
			 type_name(config_setting_type(b)));
		return;
	}
	check_unknown_members(x, b, path, conf_known_bw);
	for (int k = 0; k < 2; k++) {
		config_setting_t *s = config_setting_get_member(b, dir[k]);
		long long v;

		if (!s)
			continue;
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			conf_err(x, "line %d: %s.%s must be an integer (kbit/s), not %s",
				 config_setting_source_line(s), path, dir[k],
				 type_name(config_setting_type(s)));
			continue;
		}
		v = config_setting_get_int64(s);
		if (v < 1 || v > CONF_BW_MAX_KBIT)
			conf_err(x, "line %d: %s.%s = %lld is out of range [1, %u] (kbit/s)",
				 config_setting_source_line(s), path, dir[k], v,
				 CONF_BW_MAX_KBIT);
		else
			*out[k] = (uint32_t)v;
	}
}

/* "unreachable" or "main"; dflt when absent. */
static enum conf_last_resort parse_last_resort(struct conf_ctx *x, config_setting_t *s,
					       const char *path,
					       enum conf_last_resort dflt)
{
	const char *v;

	if (!s)
		return dflt;
	v = get_str(x, s, path, 1, config_setting_source_line(s));
	if (v && !strcmp(v, "unreachable"))
		return CONF_LR_UNREACHABLE;
	if (v && !strcmp(v, "main"))
		return CONF_LR_MAIN;
	if (v)
		conf_err(x, "line %d: %s = \"%s\" must be \"unreachable\" or \"main\"",
			 config_setting_source_line(s), path, v);
	return dflt;
}

const char *conf_last_resort_name(enum conf_last_resort lr)
{
	return lr == CONF_LR_MAIN ? "main" : "unreachable";
}

const char *conf_gw_address(const struct conf_gw *g, char *buf, size_t len)
{
	if (g->nh == LINKSTATE_NH_LEARNED)
		snprintf(buf, len, "dhcp");
	else if (g->nh == LINKSTATE_NH_DEV)
		snprintf(buf, len, "%s", "");
	else if (!inet_ntop(AF_INET, &g->addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* No address: a point-to-point link; "dhcp": learned (conf.h). */
static void parse_gw_address(struct conf_ctx *x, config_setting_t *g, unsigned i,
			     struct conf_gw *gw, int line)
{
	char path[64];
	const char *s;

	snprintf(path, sizeof(path), "gateway %u address", i + 1);
	s = get_str(x, config_setting_get_member(g, "address"), path, 0, line);
	gw->nh = !s ? LINKSTATE_NH_DEV : !strcmp(s, "dhcp") ? LINKSTATE_NH_LEARNED :
		 LINKSTATE_NH_ADDR;
	if (s && gw->nh == LINKSTATE_NH_ADDR &&
	    (inet_pton(AF_INET, s, &gw->addr) != 1 ||
	     gw->addr.s_addr == INADDR_ANY ||
	     gw->addr.s_addr == INADDR_BROADCAST ||
	     IN_MULTICAST(ntohl(gw->addr.s_addr))))
		conf_err(x, "line %d: %s = \"%s\" is not a unicast IPv4 address or \"dhcp\"",
			 line, path, s);
}

static void parse_gateway(struct conf_ctx *x, config_setting_t *g, unsigned i,
			  struct conf *c)
{
	struct conf_gw *gw = &c->gw[i];
	int line = config_setting_source_line(g);
	char path[64];
	const char *s;
	unsigned j;
	long long w;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err(x, "line %d: gateway %u must be a group { ... }, not %s",
			 line, i + 1, type_name(config_setting_type(g)));
		return;
	}
	snprintf(path, sizeof(path), "gateway %u", i + 1);
	check_unknown_members(x, g, path, conf_known_gw);

	snprintf(path, sizeof(path), "gateway %u name", i + 1);
	s = get_str(x, config_setting_get_member(g, "name"), path, 1, line);
	if (s && (!*s || !word_ok(s, CONF_NAME_MAX)))
		conf_err(x, "line %d: %s = \"%s\" must be 1 to %d letters, digits, '-' or '_'",
			 line, path, s, CONF_NAME_MAX - 1);
	else if (s)
		snprintf(gw->name, sizeof(gw->name), "%s", s);

	parse_gw_address(x, g, i, gw, line);

	snprintf(path, sizeof(path), "gateway %u last_resort", i + 1);
	gw->last_resort = parse_last_resort(x, config_setting_get_member(g, "last_resort"),
					    path, c->last_resort);

	snprintf(path, sizeof(path), "gateway %u targets", i + 1);
	gw->ntargets = parse_targets(x, config_setting_get_member(g, "targets"), path,
				     gw->targets);

	snprintf(path, sizeof(path), "gateway %u interface", i + 1);
	s = get_str(x, config_setting_get_member(g, "interface"), path, 1, line);
	if (s && !ifname_ok(s))
		conf_err(x, "line %d: %s = \"%s\" is not a valid interface name",
			 line, path, s);
	else if (s)
		snprintf(gw->ifname, sizeof(gw->ifname), "%s", s);

	gw->weight = 1;
	snprintf(path, sizeof(path), "gateway %u weight", i + 1);
	if (config_setting_lookup(g, "weight")) {
		config_setting_t *ws = config_setting_get_member(g, "weight");

		if (config_setting_type(ws) != CONFIG_TYPE_INT &&
		    config_setting_type(ws) != CONFIG_TYPE_INT64) {
			conf_err(x, "line %d: %s must be an integer, not %s",
				 line, path, type_name(config_setting_type(ws)));
		} else {
			w = config_setting_get_int64(ws);
			if (w < 0 || w > 1000000)
				conf_err(x, "line %d: %s = %lld is out of range [0, 1000000]",
					 line, path, w);
			else
				gw->weight = (uint32_t)w;
		}
	}

	parse_bandwidth(x, config_setting_get_member(g, "bandwidth"), i, gw);

	for (j = 0; j < i; j++) {
		if (gw->name[0] && !strcmp(gw->name, c->gw[j].name))
			conf_err(x, "line %d: gateway %u name \"%s\" duplicates gateway %u",
				 line, i + 1, gw->name, j + 1);
		if (gw->addr.s_addr && gw->addr.s_addr == c->gw[j].addr.s_addr) {
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &gw->addr, a, sizeof(a));
			conf_err(x, "line %d: gateway %u address %s duplicates gateway %u",
				 line, i + 1, a, j + 1);
		}
	}
}

static void parse_gateways(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *l = config_lookup(cf, "gateways");
	unsigned i, n, live = 0;

	if (!l) {
		/* Nothing in the file to point at. */
		conf_err(x, "gateways = ( { name; address; interface; weight; }, ... ) "
			 "is required: the file has no gateways list");
		return;
	}
	if (config_setting_type(l) != CONFIG_TYPE_LIST) {
		conf_err(x, "line %d: gateways must be a list ( ... ), not %s",
			 config_setting_source_line(l),
			 type_name(config_setting_type(l)));
		return;
	}
	n = (unsigned)config_setting_length(l);
	if (n == 0) {
		conf_err(x, "line %d: gateways is empty: at least one gateway is needed",
			 config_setting_source_line(l));
		return;
	}
	if (n > BALANCE_MAX_GW) {
		conf_err(x, "line %d: gateways has %u entries, at most %d are supported",
			 config_setting_source_line(l), n, BALANCE_MAX_GW);
		n = BALANCE_MAX_GW;
	}
	for (i = 0; i < n; i++) {
		parse_gateway(x, config_setting_get_elem(l, i), i, c);
		live += c->gw[i].weight > 0;
	}
	c->ngw = n;
	if (!live)
		conf_err(x, "line %d: every gateway has weight 0: at least one must "
			 "take clients", config_setting_source_line(l));
}

/* Cross-setting checks, once each setting is known to be sane. */
void conf_gw_rule(const struct conf *c, unsigned i, enum conf_rule_kind kind,
		  struct conf_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->mark = r->table = conf_gw_mark(c, i);
	r->mask = c->mark_mask;
	if (kind == CONF_RULE_PROBE) {
		r->prio = c->rule_priority + BALANCE_MAX_GW + i;
		r->iif_lo = 1;
	} else {
		r->prio = c->rule_priority + i;
		r->from = c->lan_net;
	}
}

/* The highest priority slot i's rules use (its probe rule's). */
static uint32_t highest_prio(const struct conf *c, unsigned i)
{
	struct conf_rule r;

	conf_gw_rule(c, i, CONF_RULE_PROBE, &r);
	return r.prio;
}

/* Would slot i's rules reach the main table's rule (32766)? */
static int rule_past_main(const struct conf *c, unsigned i)
{
	return highest_prio(c, i) >= 32766;
}

static void check_marks(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	uint64_t last = (uint64_t)c->mark_base + (c->ngw ? c->ngw - 1 : 0);
	/* The defaults fit any number of gateways: a bad one is in the file. */
	int base = line_of(cf, "marks.base", "marks.mask");
	unsigned i;

	if (!c->ngw)
		return;
	if (!base)
		base = line_of(cf, "marks", "gateways");
	if (last > UINT32_MAX) {
		conf_err(x, "line %d: marks.base = %u: gateway marks %u..%" PRIu64
			 " overflow 32 bits", base, c->mark_base, c->mark_base, last);
		return;
	}
	for (i = 0; i < c->ngw; i++) {
		uint32_t m = c->mark_base + i;

		if (m & ~c->mark_mask) {
			conf_err(x, "line %d: marks.base = %u: gateway %u's mark 0x%x does "
				 "not fit in marks.mask = 0x%x (marks %u..%" PRIu64
				 " must all fit)", base, c->mark_base, i + 1, m, c->mark_mask, c->mark_base, last);
			break;
		}
	}
	for (i = 0; i < c->ngw; i++) {
		uint32_t t = c->mark_base + i;

		/* 253..255 are the kernel's default, main and local tables. */
		if (t >= 253 && t <= 255) {
			conf_err(x, "line %d: marks.base = %u: gateway %u would use routing "
				 "table %u, which is the kernel's %s table", base,
				 c->mark_base, i + 1, t,
				 t == 253 ? "default" : t == 254 ? "main" : "local");
			break;
		}
	}
	if (rule_past_main(c, c->ngw - 1))
		conf_err(x, "line %d: marks.rule_priority = %u: rules %u..%u would reach "
			 "the main table's rule (32766)",
			 line_of(cf, "marks.rule_priority", "marks"), c->rule_priority,
			 c->rule_priority, highest_prio(c, c->ngw - 1));
}

static void parse_clients(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *s = config_lookup(cf, "clients.set_prefix");
	const char *p;
	unsigned i;

	snprintf(c->set_prefix, sizeof(c->set_prefix), "nfqlb-");
	p = get_str(x, s, "clients.set_prefix", 0, 0);
	if (p && !word_ok(p, CONF_PREFIX_MAX))
		conf_err(x, "line %d: clients.set_prefix = \"%s\" must be at most %d "
			 "letters, digits, '-' or '_'", config_setting_source_line(s),
			 p, CONF_PREFIX_MAX - 1);
	else if (p)
		snprintf(c->set_prefix, sizeof(c->set_prefix), "%s", p);
	for (i = 0; i < sizeof(conf_ints) / sizeof(conf_ints[0]); i++)
		get_int(x, cf, &conf_ints[i], c);
	c->bind_on_packet = get_bool(x, cf, "clients.bind_on_packet", 1);
	snprintf(c->state_dir, sizeof(c->state_dir), "%s", CONF_DEFAULT_STATE_DIR);
	s = config_lookup(cf, "clients.state_dir");
	p = get_str(x, s, "clients.state_dir", 0, 0);
	if (p && (p[0] != '/' || strlen(p) >= sizeof(c->state_dir) - 32))
		conf_err(x, "line %d: clients.state_dir = \"%s\" must be an absolute "
			 "path shorter than %zu bytes", config_setting_source_line(s), p,
			 sizeof(c->state_dir) - 32);
	else if (p)
		snprintf(c->state_dir, sizeof(c->state_dir), "%s", p);
}

/*
 * The read-only socket (control.read_socket, owned by control.read_group,
 * mode 0660): every peer on it may use only the verbs that change
 * nothing.  For nfqlb-web and other readers that must not be able to
 * change anything, whoever they are.
 */
static void parse_control_read(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *s, *g;
	struct group *gr;
	const char *v;

	c->ctl_read_gid = (gid_t)-1;
	s = config_lookup(cf, "control.read_socket");
	v = get_str(x, s, "control.read_socket", 0, 0);
	if (v && *v && (v[0] != '/' || strlen(v) >= sizeof(c->ctl_read_path)))
		conf_err(x, "line %d: control.read_socket = \"%s\" must be an absolute "
			 "path shorter than %zu bytes", config_setting_source_line(s), v,
			 sizeof(c->ctl_read_path));
	else if (v && *v && !strcmp(v, c->ctl_path))
		conf_err(x, "line %d: control.read_socket = \"%s\" is control.socket "
			 "itself: give the read-only socket a path of its own",
			 config_setting_source_line(s), v);
	else if (v)
		snprintf(c->ctl_read_path, sizeof(c->ctl_read_path), "%s", v);
	g = config_lookup(cf, "control.read_group");
	v = get_str(x, g, "control.read_group", 0, 0);
	if (!v || !*v)
		return;
	gr = getgrnam(v);
	if (!gr)
		conf_err(x, "line %d: control.read_group = \"%s\": no such group",
			 config_setting_source_line(g), v);
	else if (!c->ctl_read_path[0])
		conf_err(x, "line %d: control.read_group = \"%s\" without "
			 "control.read_socket: name the read-only socket too",
			 config_setting_source_line(g), v);
	else {
		snprintf(c->ctl_read_group, sizeof(c->ctl_read_group), "%s", v);
		c->ctl_read_gid = gr->gr_gid;
	}
}

static void parse_control(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *s;
	const char *v;
	char *end;
	unsigned long mode;
	struct group *gr;

	snprintf(c->ctl_path, sizeof(c->ctl_path), "%s", CONF_DEFAULT_SOCKET);
	c->ctl_mode = 0660;
	c->ctl_gid = (gid_t)-1;
	s = config_lookup(cf, "control.socket");
	v = get_str(x, s, "control.socket", 0, 0);
	if (v && (v[0] != '/' || strlen(v) >= sizeof(c->ctl_path)))
		conf_err(x, "line %d: control.socket = \"%s\" must be an absolute path "
			 "shorter than %zu bytes", config_setting_source_line(s), v,
			 sizeof(c->ctl_path));
	else if (v)
		snprintf(c->ctl_path, sizeof(c->ctl_path), "%s", v);
	s = config_lookup(cf, "control.mode");
	v = get_str(x, s, "control.mode", 0, 0);
	if (v) {
		errno = 0;
		mode = strtoul(v, &end, 8);
		if (!*v || *end || errno || mode > 0777 || (mode & 0600) != 0600)
			conf_err(x, "line %d: control.mode = \"%s\" must be an octal "
				 "mode such as \"0660\" that lets the owner read and write",
				 config_setting_source_line(s), v);
		else
			c->ctl_mode = (uint32_t)mode;
	}
	s = config_lookup(cf, "control.group");
	v = get_str(x, s, "control.group", 0, 0);
	if (v && *v) {
		gr = getgrnam(v);
		if (!gr)
			conf_err(x, "line %d: control.group = \"%s\": no such group",
				 config_setting_source_line(s), v);
		else {
			snprintf(c->ctl_group, sizeof(c->ctl_group), "%s", v);
			c->ctl_gid = gr->gr_gid;
		}
	}
	parse_control_read(x, cf, c);
}

/* The `ha` group (ha.h): off unless ha.enable = true. */
static void parse_ha(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *l = config_lookup(cf, "ha.pair_addresses"), *s;
	struct ha_conf *h = &c->ha;
	const char *v;
	unsigned i, n;

	h->enable = get_bool(x, cf, "ha.enable", 0);
	h->learn = get_bool(x, cf, "ha.learn", 1);
	if (l && config_setting_type(l) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(l) != CONFIG_TYPE_LIST) {
		conf_err(x, "line %d: ha.pair_addresses must be an array [ \"IP\", ... ], "
			 "not %s", config_setting_source_line(l),
			 type_name(config_setting_type(l)));
		l = NULL;
	}
	n = l ? (unsigned)config_setting_length(l) : 0;
	if (n > HA_MAX_PAIR) {
		conf_err(x, "line %d: ha.pair_addresses has %u entries, at most %d are "
			 "supported", config_setting_source_line(l), n, HA_MAX_PAIR);
		n = HA_MAX_PAIR;
	}
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(l, i);
		v = get_str(x, s, "ha.pair_addresses", 1, config_setting_source_line(l));
		if (v && inet_pton(AF_INET, v, &h->pair[h->npair]) == 1)
			h->npair++;
		else if (v)
			conf_err(x, "line %d: ha.pair_addresses[%u] = \"%s\" is not an "
				 "IPv4 address", config_setting_source_line(s), i, v);
	}
	s = config_lookup(cf, "ha.peer_fingerprint");
	v = get_str(x, s, "ha.peer_fingerprint", 0, 0);
	if (v && (strlen(v) != HA_FINGERPRINT_LEN - 1 ||
		  strspn(v, "0123456789abcdef") != HA_FINGERPRINT_LEN - 1))
		conf_err(x, "line %d: ha.peer_fingerprint = \"%s\" must be the 16 "
			 "lower-case hex digits `nfqlbctl ha fingerprint` prints on the "
			 "peer", config_setting_source_line(s), v);
	else if (v)
		snprintf(h->peer_fingerprint, sizeof(h->peer_fingerprint), "%s", v);
}

static void parse_balance(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	config_setting_t *s = config_lookup(cf, "balance.policy");
	const char *v = get_str(x, s, "balance.policy", 0, 0);

	c->policy = CONF_POLICY_USERS;
	if (v && !strcmp(v, "load"))
		c->policy = CONF_POLICY_LOAD;
	else if (v && strcmp(v, "users"))
		conf_err(x, "line %d: balance.policy = \"%s\" must be \"users\" or \"load\"",
			 config_setting_source_line(s), v);
	c->rebalance_idle = get_bool(x, cf, "balance.rebalance_idle", 0);
	c->measure = get_bool(x, cf, "balance.measure", 0);
	/* Unpinned, a moved user's open connections would move with it. */
	if (c->rebalance_idle && !c->pin_connections)
		conf_err(x, "line %d: balance.rebalance_idle = true needs "
			 "pin_connections = true (unpinned connections follow their "
			 "user's binding, so a move could break one)",
			 config_setting_source_line(config_lookup(cf, "balance.rebalance_idle")));
}

/*
 * The `proxy` group: off unless proxy.enable = true.  Every slot's port
 * (port_base .. port_base + BALANCE_MAX_GW - 1) must be a port.
 */
#define CONF_PROXY_DEFAULT_BASE	3400

static void parse_proxy_ports(struct conf_ctx *x, config_t *cf, struct conf_proxy *p)
{
	config_setting_t *l = config_lookup(cf, "proxy.ports"), *s;
	unsigned i, j, n;
	long long v;

	p->nports = 1;
	p->ports[0] = 80;
	if (!l)
		return;
	if (config_setting_type(l) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(l) != CONFIG_TYPE_LIST) {
		conf_err(x, "line %d: proxy.ports must be an array [ 80, ... ], not %s",
			 config_setting_source_line(l), type_name(config_setting_type(l)));
		return;
	}
	n = (unsigned)config_setting_length(l);
	if (n == 0 || n > CONF_PROXY_MAX_PORTS) {
		conf_err(x, "line %d: proxy.ports has %u entries: 1 to %d are supported",
			 config_setting_source_line(l), n, CONF_PROXY_MAX_PORTS);
		return;
	}
	p->nports = 0;
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(l, i);
		if (config_setting_type(s) != CONFIG_TYPE_INT &&
		    config_setting_type(s) != CONFIG_TYPE_INT64) {
			conf_err(x, "line %d: proxy.ports[%u] must be an integer, not %s",
				 config_setting_source_line(l), i,
				 type_name(config_setting_type(s)));
			continue;
		}
		v = config_setting_get_int64(s);
		if (v < 1 || v > 65535) {
			conf_err(x, "line %d: proxy.ports[%u] = %lld is not a TCP port "
				 "(1..65535)", config_setting_source_line(l), i, v);
			continue;
		}
		for (j = 0; j < p->nports && p->ports[j] != v; j++)
			;
		if (j < p->nports) {
			conf_err(x, "line %d: proxy.ports[%u] = %lld is listed twice",
				 config_setting_source_line(l), i, v);
			continue;
		}
		p->ports[p->nports++] = (uint16_t)v;
	}
}

/* A user name prefix: what adduser's default NAME_REGEX lets start a name. */
static int user_prefix_ok(const char *s)
{
	if (strlen(s) >= CONF_PROXY_PREFIX_MAX || !*s ||
	    !(islower((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void parse_proxy(struct conf_ctx *x, config_t *cf, struct conf *c)
{
	struct conf_proxy *p = &c->proxy;
	config_setting_t *s;
	const char *v;
	long long b;

	p->enable = get_bool(x, cf, "proxy.enable", 0);
	p->port_base = CONF_PROXY_DEFAULT_BASE;
	s = config_lookup(cf, "proxy.port_base");
	if (s && config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(x, "line %d: proxy.port_base must be an integer, not %s",
			 config_setting_source_line(s), type_name(config_setting_type(s)));
	} else if (s) {
		b = config_setting_get_int64(s);
		if (b < 1 || b > 65536 - BALANCE_MAX_GW)
			conf_err(x, "line %d: proxy.port_base = %lld is out of range "
				 "[1, %d] (one port per gateway slot, %d slots)",
				 config_setting_source_line(s), b, 65536 - BALANCE_MAX_GW,
				 BALANCE_MAX_GW);
		else
			p->port_base = (uint32_t)b;
	}
	parse_proxy_ports(x, cf, p);
	s = config_lookup(cf, "proxy.user_prefix");
	v = get_str(x, s, "proxy.user_prefix", 0, 0);
	if (v && *v && !user_prefix_ok(v))
		conf_err(x, "line %d: proxy.user_prefix = \"%s\" must be at most %d "
			 "characters of a-z, 0-9, '-' and '_', starting with a letter "
			 "or '_'", config_setting_source_line(s), v,
			 CONF_PROXY_PREFIX_MAX - 1);
	else if (v)
		snprintf(p->user_prefix, sizeof(p->user_prefix), "%s", v);
}

int conf_proxy_equal(const struct conf_proxy *a, const struct conf_proxy *b)
{
	return a->enable == b->enable && a->port_base == b->port_base &&
	       a->nports == b->nports &&
	       !memcmp(a->ports, b->ports, sizeof(a->ports[0]) * a->nports) &&
	       !strcmp(a->user_prefix, b->user_prefix);
}

static int conf_parse(config_t *cf, struct conf_ctx *x, struct conf *c)
{
	memset(c, 0, sizeof(*c));
	check_unknown(x, cf);
	parse_lan(x, cf, c);
	parse_clients(x, cf, c);
	parse_control(x, cf, c);
	c->fail_open = get_bool(x, cf, "queue.fail_open", 1);
	c->keep_on_exit = get_bool(x, cf, "keep_on_exit", 0);
	c->pin_connections = get_bool(x, cf, "pin_connections", 1);
	c->last_resort = parse_last_resort(x, config_lookup(cf, "last_resort"),
					   "last_resort", CONF_LR_UNREACHABLE);
	parse_gateways(x, cf, c);
	parse_health(x, cf, c);
	parse_ha(x, cf, c);
	parse_balance(x, cf, c);
	parse_proxy(x, cf, c);
	if (!x->e->count)
		check_marks(x, cf, c);
	return (int)x->e->count;
}

static int conf_syntax_error(config_t *cf, struct conf_ctx *x)
{
	if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
		conf_err(x, "cannot read file: %s", strerror(errno));
	else
		conf_err(x, "line %d: syntax error: %s", config_error_line(cf),
			 config_error_text(cf));
	return (int)x->e->count;
}

/*
 * libconfig 1.5 reads a decimal or hex integer without an L suffix
 * into an int, silently wrapping: "weight = 4294967298" would be 2.
 * Before it parses the text, give every integer literal that does not
 * fit in 32 bits the L suffix, so it is read at 64 bits and the range
 * checks see the real value; one that does not fit in 64 bits is an
 * error naming it.  Strings and comments are skipped; names (which may
 * hold digits) are not numbers.  Returns a malloc'd copy, or NULL.
 */
static int name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == '*';
}

static size_t skip_comment_or_string(const char *t, size_t i, size_t n, int *line)
{
	if (t[i] == '#' || (t[i] == '/' && i + 1 < n && t[i + 1] == '/')) {
		while (i < n && t[i] != '\n')
			i++;
		return i;
	}
	if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
		for (i += 2; i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/'); i++)
			*line += t[i] == '\n';
		return i + 2 < n ? i + 2 : n;
	}
	/* A string: up to its unescaped closing quote. */
	for (i++; i < n && t[i] != '"'; i++) {
		if (t[i] == '\\' && i + 1 < n)
			i++;
		*line += t[i] == '\n';
	}
	return i < n ? i + 1 : n;
}

/* The integer literal at t[i..j): does it need the L suffix (1), or fail (-1)? */
static int int_width(const char *t, size_t i, size_t j)
{
	int neg = t[i] == '-', hex;
	unsigned __int128 v = 0, lim;

	if (t[i] == '-' || t[i] == '+')
		i++;
	hex = j - i > 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X');
	lim = hex ? (unsigned __int128)UINT64_MAX :
	      (unsigned __int128)INT64_MAX + (unsigned)neg;
	for (i += hex ? 2 : 0; i < j; i++) {
		int d = isdigit((unsigned char)t[i]) ? t[i] - '0' :
			tolower((unsigned char)t[i]) - 'a' + 10;

		v = v * (hex ? 16 : 10) + (unsigned)d;
		if (v > lim)
			return -1;
	}
	if (hex)
		return v > INT32_MAX;
	return neg ? v > (unsigned __int128)INT32_MAX + 1 : v > INT32_MAX;
}

static char *conf_widen_ints(struct conf_ctx *x, const char *t)
{
	size_t n = strlen(t), i = 0, j, o = 0;
	char *out = malloc(2 * n + 1);
	int line = 1, w;

	if (!out) {
		conf_err(x, "out of memory");
		return NULL;
	}
	while (i < n) {
		char ch = t[i];

		if (ch == '"' || ch == '#' ||
		    (ch == '/' && i + 1 < n && (t[i + 1] == '/' || t[i + 1] == '*'))) {
			j = skip_comment_or_string(t, i, n, &line);
		} else if (isalpha((unsigned char)ch) || ch == '*') {
			for (j = i; j < n && name_char(t[j]); j++)
				;
		} else if (isdigit((unsigned char)ch) ||
			   ((ch == '-' || ch == '+') && i + 1 < n &&
			    isdigit((unsigned char)t[i + 1]))) {
			size_t p = i + (ch == '-' || ch == '+');
			int hex = t[p] == '0' && p + 1 < n && (t[p + 1] == 'x' || t[p + 1] == 'X');

			for (j = p + (hex ? 2 : 0); j < n && (hex ? isxdigit((unsigned char)t[j]) :
							     isdigit((unsigned char)t[j])); j++)
				;
			if (j < n && (t[j] == '.' || t[j] == 'e' || t[j] == 'E' || t[j] == 'L')) {
				/* A float, or already 64 bits: as it is. */
				while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '.' ||
						 ((t[j] == '-' || t[j] == '+') &&
						  (t[j - 1] == 'e' || t[j - 1] == 'E'))))
					j++;
			} else if ((w = int_width(t, i, j)) < 0) {
				conf_err(x, "line %d: integer %.*s does not fit in 64 bits",
					 line, (int)(j - i > 40 ? 40 : j - i), t + i);
			} else if (w) {
				memcpy(out + o, t + i, j - i);
				o += j - i;
				out[o++] = 'L';
				i = j;
				continue;
			}
		} else {
			line += ch == '\n';
			j = i + 1;
		}
		memcpy(out + o, t + i, j - i);
		o += j - i;
		i = j;
	}
	out[o] = '\0';
	if (x->e->count) {
		free(out);
		return NULL;
	}
	return out;
}

/* The whole file, NUL-terminated; NULL with errno. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t len = 0, cap = 4096, n;
	char *buf = NULL, *p;

	if (!f)
		return NULL;
	for (;;) {
		p = realloc(buf, cap + 1);
		if (!p)
			break;
		buf = p;
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len < cap) {
			if (ferror(f))
				break;
			buf[len] = '\0';
			fclose(f);
			return buf;
		}
		cap *= 2;
	}
	free(buf);
	fclose(f);
	if (!errno)
		errno = EIO;
	return NULL;
}

static int conf_load_text(const char *text, struct conf_ctx *x, struct conf *c)
{
	char *wide = conf_widen_ints(x, text);
	config_t cf;
	int n;

	if (!wide)
		return (int)x->e->count;
	config_init(&cf);
	if (!config_read_string(&cf, wide))
		n = conf_syntax_error(&cf, x);
	else
		n = conf_parse(&cf, x, c);
	config_destroy(&cf);
	free(wide);
	return n;
}

int conf_load(const char *path, struct conf *c, struct conf_errors *e)
{
	struct conf_ctx x = { .file = path, .e = e };
	char *text;
	int n;

	e->count = 0;
	text = read_text(path);
	if (!text) {
		conf_err(&x, "cannot read file: %s", strerror(errno));
		return (int)e->count;
	}
	n = conf_load_text(text, &x, c);
	free(text);
	return n;
}

int conf_load_string(const char *text, const char *name, struct conf *c,
		     struct conf_errors *e)
{
	struct conf_ctx x = { .file = name, .e = e };

	e->count = 0;
	return conf_load_text(text, &x, c);
}

void conf_set_name(const struct conf *c, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", c->set_prefix, c->gw[i].name);
}

void conf_map_set_name(const struct conf *c, char *buf, size_t len)
{
	/* '.' is in no gateway name, so no gateway's set can be called this. */
	snprintf(buf, len, "%s%s", c->set_prefix, CONF_MAP_SET_SUFFIX);
}

int conf_check_gw(const struct conf *c, const char *name, const char *address,
		  const char *ifname, const char *weight, struct conf_gw *out,
		  char *err, size_t errlen)
{
	unsigned i;
	char *end;
	unsigned long w = 1;

	memset(out, 0, sizeof(*out));
	if (!name || !*name || !word_ok(name, CONF_NAME_MAX)) {
		snprintf(err, errlen, "gateway name \"%s\" must be 1 to %d letters, "
			 "digits, '-' or '_'", name ? name : "", CONF_NAME_MAX - 1);
		return -1;
	}
	/* As in the file: none (point-to-point), "dhcp" or a router's address. */
	out->nh = !address || !*address ? LINKSTATE_NH_DEV :
		  !strcmp(address, "dhcp") ? LINKSTATE_NH_LEARNED : LINKSTATE_NH_ADDR;
	out->last_resort = c->last_resort;
	if (out->nh == LINKSTATE_NH_ADDR &&
	    (inet_pton(AF_INET, address, &out->addr) != 1 ||
	     out->addr.s_addr == INADDR_ANY || out->addr.s_addr == INADDR_BROADCAST ||
	     IN_MULTICAST(ntohl(out->addr.s_addr)))) {
		snprintf(err, errlen, "gateway address \"%s\" is not a unicast IPv4 address "
			 "or \"dhcp\"", address);
		return -1;
	}
	if (!ifname || !ifname_ok(ifname)) {
		snprintf(err, errlen, "gateway interface \"%s\" is not a valid interface name",
			 ifname ? ifname : "");
		return -1;
	}
	if (weight) {
		errno = 0;
		w = strtoul(weight, &end, 10);
		if (!*weight || *end || errno || w > 1000000 || *weight == '-') {
			snprintf(err, errlen, "gateway weight \"%s\" must be an integer "
				 "from 0 to 1000000", weight);
			return -1;
		}
	}
	for (i = 0; i < c->ngw; i++) {
		if (!c->gw[i].name[0])
			continue;
		if (!strcmp(c->gw[i].name, name)) {
			snprintf(err, errlen, "gateway name \"%s\" is already in use", name);
			return -1;
		}
		if (out->addr.s_addr && c->gw[i].addr.s_addr == out->addr.s_addr) {
			snprintf(err, errlen, "gateway address %s is already gateway %s",
				 address, c->gw[i].name);
			return -1;
		}
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	out->weight = (uint32_t)w;
	return 0;
}

int conf_gw_find(const struct conf *c, const char *name)
{
	unsigned i;

	for (i = 0; i < c->ngw; i++)
		if (c->gw[i].name[0] && !strcmp(c->gw[i].name, name))
			return (int)i;
	return -1;
}

unsigned conf_gw_count(const struct conf *c)
{
	unsigned i, n = 0;

	for (i = 0; i < c->ngw; i++)
		n += c->gw[i].name[0] != '\0';
	return n;
}

int conf_check_slot(const struct conf *c, unsigned slot, char *err, size_t errlen)
{
	uint64_t m = (uint64_t)c->mark_base + slot;

	if (slot >= BALANCE_MAX_GW || m > UINT32_MAX || (m & ~(uint64_t)c->mark_mask) ||
	    (m >= 253 && m <= 255) ||
	    rule_past_main(c, slot)) {
		snprintf(err, errlen, "no room for another gateway: mark 0x%llx would not "
			 "fit marks.mask 0x%x or would hit a kernel table",
			 (unsigned long long)m, c->mark_mask);
		return -1;
	}
	return 0;
}
