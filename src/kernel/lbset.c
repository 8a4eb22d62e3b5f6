// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipset.c - the ipset mirror, driven through libipset.
 *
 * One libipset session is opened per lbset handle and reused for every
 * call: setting up a session means a netlink socket and a protocol
 * handshake, which would cost far more than the one add it serves.
 * With the session kept, an add or a del is a single netlink request
 * and its ACK.
 *
 * Deferred adds (lbset_add_defer, lbset_commit) are recorded here and
 * sent through libipset's restore mode, which puts consecutive adds to
 * one set in one request: the kernel's cost is mostly per request, so
 * a member sent that way costs a fraction of a single add.
 *
 * libipset's headers clash with <linux/netfilter.h>, so this is the
 * only file that includes them, and it must not include that one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libipset/data.h>
#include <libipset/nfproto.h>
#include <libipset/session.h>
#include <libipset/types.h>

#include "kernel/lbset.h"
#include "util/spawn.h"

#define LBSET_TYPE		"hash:ip"
#define LBSET_HASHSIZE_MIN	64u
/* ipset's own default: where the kernel starts a set it then grows. */
#define LBSET_HASHSIZE_START	1024u
#define LBSET_ERRLEN		(IPSET_ERRORBUFLEN + 128)
/* A hash:ip member line is an address plus perhaps a few options. */
#define LBSET_LINELEN		256
/* First allocation of the deferred-add list, in members. */
#define LBSET_PENDING_MIN	64

/*
 * libipset reports every failure as text only: the kernel's errno is
 * turned into a message and not kept.  Telling "the set is not there"
 * from real errors therefore means matching libipset's message for
 * ENOENT, which has read the same since ipset 6.
 */
static const char lbset_enoent_msg[] =
	"The set with the given name does not exist";
static const char lbset_eexist_msg[] =
	"Set cannot be created: set with the same name already exists";

/* The header line that counts the members (ipset list -t). */
#define LBSET_ENTRIES	"Number of entries: "

/* State of one lbset_list() while libipset prints the set into us. */
struct lbset_capture {
	char line[LBSET_LINELEN];
	size_t len;
	bool overlong;			/* current line did not fit */
	bool in_members;		/* past the "Members:" line */
	struct nfqlb_addr *members;
	size_t n, cap;
	int nomem;
	char bad[LBSET_LINELEN];	/* first member line we could not read */
	long long entries;		/* the header's "Number of entries", or -1 */
};

/* One member recorded by lbset_add_defer() or lbset_add_mark_defer(). */
struct lbset_pending {
	char name[IPSET_MAXNAMELEN];
	struct nfqlb_addr a;
	bool marked;			/* skbmark goes with it */
	bool sent;			/* taken by lbset_commit_set() */
	uint64_t skbmark;		/* mark << 32 | mask, as libipset wants it */
};

struct lbset {
	struct ipset_session *session;
	struct lbset_capture *capture;	/* non-NULL only inside a list */
	struct lbset_pending *pending;	/* lbset_add_defer() since the last commit */
	size_t npending, cappending;
	char report[IPSET_ERRORBUFLEN];	/* scratch for lbset_report() */
	char err[LBSET_ERRLEN];
	bool cloexec;			/* libipset's socket marked close-on-exec */
};

/*
 * libipset opens its netlink socket at the session's first command,
 * without SOCK_CLOEXEC, and gives no way to reach it: once it is open,
 * every descriptor still without the flag gets it (spawn.h).  Children
 * close it anyway; this keeps the rule "every descriptor of nfqlbd is
 * close-on-exec" true for whatever else may exec.
 */
static void lbset_cloexec(struct lbset *s)
{
	if (s->cloexec)
		return;
	s->cloexec = true;
	spawn_cloexec_from(3);
}

static int lbset_cmd(struct lbset *s, enum ipset_cmd cmd, uint32_t lineno)
{
	int ret = ipset_cmd(s->session, cmd, lineno);

	lbset_cloexec(s);
	return ret;
}

static int __attribute__((format(printf, 2, 3)))
lbset_fail(struct lbset *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* libipset's report, without the trailing newline it always appends. */
static const char *lbset_report(struct lbset *s)
{
	char *buf = s->report;
	const char *msg = ipset_session_report_msg(s->session);
	size_t n;

	if (!msg || !*msg)
		return "unknown libipset error";
	snprintf(buf, sizeof(s->report), "%s", msg);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

static int lbset_fail_session(struct lbset *s, const char *verb,
			      const char *name)
{
	lbset_fail(s, "%s %s: %s", verb, name, lbset_report(s));
	ipset_session_report_reset(s->session);
	return -1;
}

static bool lbset_report_is(struct lbset *s, const char *msg)
{
	const char *r = ipset_session_report_msg(s->session);

	return r && strncmp(r, msg, strlen(msg)) == 0;
}

static int lbset_check_name(struct lbset *s, const char *verb,
			    const char *name)
{
	size_t len;

	if (!name || !*name)
		return lbset_fail(s, "%s: empty set name", verb);
	/*
	 * ipset_data_set() silently truncates a long name to 31 bytes,
	 * which would make us act on some other set: refuse instead.
	 */
	len = strlen(name);
	if (len >= IPSET_MAXNAMELEN)
		return lbset_fail(s, "%s %s: set name is %zu characters long, "
				  "the limit is %d", verb, name, len,
				  IPSET_MAXNAMELEN - 1);
	return 0;
}

/* What an add or a del needs of its address, known without the kernel. */
static int lbset_check_addr(struct lbset *s, const char *verb,
			    const char *name, const struct nfqlb_addr *a)
{
	char abuf[NFQLB_ADDRSTRLEN];

	if (!a)
		return lbset_fail(s, "%s %s: no address", verb, name);
	if (a->family != AF_INET)
		return lbset_fail(s, "%s %s %s: only IPv4 addresses fit a "
				  "family inet set", verb, name,
				  addr_format(a, abuf, sizeof(abuf)));
	return 0;
}

/*
 * Every call starts from a clean slate: no error left from the last
 * call, and no option left in the session's data, since libipset only
 * resets it on some paths (not after private commands like HEADER).
 */
static int lbset_begin(struct lbset *s, const char *verb, const char *name)
{
	s->err[0] = '\0';
	ipset_session_report_reset(s->session);
	ipset_data_reset(ipset_session_data(s->session));
	if (lbset_check_name(s, verb, name))
		return -1;
	if (ipset_session_data_set(s->session, IPSET_SETNAME, name) < 0)
		return lbset_fail_session(s, verb, name);
	return 0;
}

static void lbset_capture_line(struct lbset_capture *c)
{
	struct nfqlb_addr a;
	char *sp;

	c->line[c->len] = '\0';
	if (!c->in_members) {
		if (strcmp(c->line, "Members:") == 0)
			c->in_members = true;
		else if (!strncmp(c->line, LBSET_ENTRIES, sizeof(LBSET_ENTRIES) - 1))
			c->entries = strtoll(c->line + sizeof(LBSET_ENTRIES) - 1, NULL, 10);
		return;
	}
	/* An empty line ends a set's members in a multi-set listing. */
	if (c->len == 0) {
		c->in_members = false;
		return;
	}
	/* The element comes first; options (timeout, ...) follow a blank. */
	sp = strchr(c->line, ' ');
	if (sp)
		*sp = '\0';
	if (c->overlong || addr_parse(c->line, &a) < 0) {
		if (!c->bad[0])
			snprintf(c->bad, sizeof(c->bad), "%s", c->line);
		return;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct nfqlb_addr *m;

		m = realloc(c->members, ncap * sizeof(*m));
		if (!m) {
			c->nomem = 1;
			return;
		}
		c->members = m;
		c->cap = ncap;
	}
	c->members[c->n++] = a;
}

/*
 * libipset hands over its output buffer whenever it fills, so a line
 * can arrive in two pieces: reassemble lines before reading them.
 */
static void lbset_capture_feed(struct lbset_capture *c, const char *p)
{
	for (; *p; p++) {
		if (*p == '\n') {
			lbset_capture_line(c);
			c->len = 0;
			c->overlong = false;
		} else if (c->len < sizeof(c->line) - 1) {
			c->line[c->len++] = *p;
		} else {
			c->overlong = true;
		}
	}
}

/*
 * The session's print function.  Outside lbset_list() there is nothing
 * we want printed, so it is swallowed rather than sent to stdout.
 */
static int __attribute__((format(printf, 3, 4)))
lbset_outfn(struct ipset_session *session, void *p, const char *fmt, ...)
{
	struct lbset *s = p;
	va_list ap;
	char *text;
	int n;

	(void)session;
	if (!s || !s->capture)
		return 0;
	va_start(ap, fmt);
	if (strcmp(fmt, "%s") == 0) {
		/* The common case: no need to format a copy. */
		text = va_arg(ap, char *);
		va_end(ap);
		lbset_capture_feed(s->capture, text);
		return (int)strlen(text);
	}
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->capture->nomem = 1;
		return -1;
	}
	lbset_capture_feed(s->capture, text);
	free(text);
	return n;
}

struct lbset *lbset_open(void)
{
	static bool types_loaded;
	struct lbset *s;

	/* The type registry is global to libipset and may load only once. */
	if (!types_loaded) {
		ipset_load_types();
		types_loaded = true;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->session = ipset_session_init(lbset_outfn, s);
	if (!s->session) {
		free(s);
		return NULL;
	}
	/*
	 * Same as "ipset -exist": the kernel then treats create of an
	 * identical set, add of a present member and del of an absent
	 * one as successes, which is the idempotence lbset.h promises.
	 * (libipset turns this into a netlink flag, it has no per-call
	 * IPSET_FLAG_EXIST.)
	 */
	ipset_envopt_set(s->session, IPSET_ENV_EXIST);

	ipset_session_output(s->session, IPSET_LIST_PLAIN);
	return s;
}

void lbset_close(struct lbset *s)
{
	if (!s)
		return;
	/* Also frees libipset's (process-wide) set name cache. */
	ipset_session_fini(s->session);
	free(s->pending);
	free(s);
}

const char *lbset_error(const struct lbset *s)
{
	if (!s)
		return "no lbset handle (out of memory?)";
	return s->err;
}

/*
 * A power of two near maxelem/4, at most ipset's default of 1024.  The
 * kernel doubles the table whenever a bucket fills (12 members), so a
 * set stays at a few members per bucket at any size; sizing it for
 * clients.max at once would spread a small set over a large table, and
 * every packet's lookup would miss the cache (4M clients: 8 MiB of
 * bucket pointers).  Its size is not compared by "create -exist".
 */
static uint32_t lbset_hashsize(uint32_t maxelem)
{
	uint32_t want = maxelem / 4, hs = LBSET_HASHSIZE_MIN;

	while (hs < want && hs < LBSET_HASHSIZE_START)
		hs <<= 1;
	return hs;
}

static int lbset_create_type(struct lbset *s, const char *name,
			     uint32_t maxelem, bool skbinfo)
{
	struct ipset_session *ss = s->session;
	uint8_t family = NFPROTO_IPV4;
	uint32_t hashsize = lbset_hashsize(maxelem), on = 1;

	if (lbset_begin(s, "create", name))
		return -1;
	if (maxelem == 0)
		return lbset_fail(s, "create %s: maxelem must be positive",
				  name);
	if (ipset_session_data_set(ss, IPSET_OPT_TYPENAME, LBSET_TYPE) < 0 ||
	    ipset_session_data_set(ss, IPSET_OPT_FAMILY, &family) < 0)
		return lbset_fail_session(s, "create", name);
	/* Resolves the type against what the kernel supports. */
	if (!ipset_type_get(ss, IPSET_CMD_CREATE))
		return lbset_fail_session(s, "create", name);
	if (ipset_session_data_set(ss, IPSET_OPT_HASHSIZE, &hashsize) < 0 ||
	    ipset_session_data_set(ss, IPSET_OPT_MAXELEM, &maxelem) < 0 ||
	    (skbinfo && ipset_session_data_set(ss, IPSET_OPT_SKBINFO, &on) < 0))
		return lbset_fail_session(s, "create", name);
	if (lbset_cmd(s, IPSET_CMD_CREATE, 0) < 0) {
		/*
		 * With -exist the kernel only refuses an existing set that
		 * differs from ours: say so, as its message reads as if
		 * any existing set were a problem.
		 */
		if (lbset_report_is(s, lbset_eexist_msg)) {
			ipset_session_report_reset(ss);
			return lbset_fail(s, "create %s: a set of that name "
					  "already exists with another type "
					  "or parameters (wanted %s family "
					  "inet maxelem %u%s)", name,
					  LBSET_TYPE, maxelem,
					  skbinfo ? " skbinfo" : "");
		}
		return lbset_fail_session(s, "create", name);
	}
	return 0;
}

int lbset_create(struct lbset *s, const char *name, uint32_t maxelem)
{
	return lbset_create_type(s, name, maxelem, false);
}

int lbset_create_map(struct lbset *s, const char *name, uint32_t maxelem)
{
	return lbset_create_type(s, name, maxelem, true);
}

int lbset_destroy(struct lbset *s, const char *name)
{
	int ret;

	if (lbset_begin(s, "destroy", name))
		return -1;
	ret = lbset_cmd(s, IPSET_CMD_DESTROY, 0);
	/*
	 * libipset drops the name from its type cache only when it did
	 * the destroy itself; if someone else did, the entry is stale.
	 */
	ipset_cache_del(name);
	if (ret < 0) {
		if (lbset_report_is(s, lbset_enoent_msg)) {
			ipset_session_report_reset(s->session);
			return 0;
		}
		return lbset_fail_session(s, "destroy", name);
	}
	return 0;
}

int lbset_exists(struct lbset *s, const char *name)
{
	int ret;

	if (lbset_begin(s, "exists", name))
		return -1;
	/* HEADER fetches the set's type only: cheap whatever its size. */
	ret = lbset_cmd(s, IPSET_CMD_HEADER, 0);
	ipset_data_reset(ipset_session_data(s->session));
	if (ret == 0)
		return 1;
	if (lbset_report_is(s, lbset_enoent_msg)) {
		ipset_session_report_reset(s->session);
		return 0;
	}
	return lbset_fail_session(s, "exists", name);
}

static const char *lbset_verb(enum ipset_cmd cmd)
{
	return cmd == IPSET_CMD_ADD ? "add" : "del";
}

/* "VERB SET ADDRESS: libipset's report", then a clean report. */
static int lbset_fail_member(struct lbset *s, const char *verb,
			     const char *name, const struct nfqlb_addr *a)
{
	char abuf[NFQLB_ADDRSTRLEN];

	lbset_fail(s, "%s %s %s: %s", verb, name,
		   addr_format(a, abuf, sizeof(abuf)), lbset_report(s));
	ipset_session_report_reset(s->session);
	return -1;
}

/*
 * Everything an add or a del needs in the session's data (set name,
 * type, family, address and, for an add to a map set, the skbmark),
 * short of the command itself.
 */
static int lbset_adt_prepare(struct lbset *s, enum ipset_cmd cmd,
			     const char *name, const struct nfqlb_addr *a,
			     const uint64_t *skbmark)
{
	struct ipset_session *ss = s->session;
	const char *verb = lbset_verb(cmd);
	const struct ipset_type *type;
	union nf_inet_addr ip;

	if (lbset_begin(s, verb, name) || lbset_check_addr(s, verb, name, a))
		return -1;
	/*
	 * Fills in the set's type and family: from libipset's cache
	 * after our own create, else with one HEADER round trip.
	 */
	type = ipset_type_get(ss, cmd);
	if (!type)
		return lbset_fail_member(s, verb, name, a);
	if (strcmp(type->name, LBSET_TYPE) != 0 ||
	    ipset_data_family(ipset_session_data(ss)) != NFPROTO_IPV4) {
		char abuf[NFQLB_ADDRSTRLEN];

		ipset_cache_del(name);
		return lbset_fail(s, "%s %s %s: set is of type %s, not %s "
				  "family inet", verb, name,
				  addr_format(a, abuf, sizeof(abuf)),
				  type->name, LBSET_TYPE);
	}
	memset(&ip, 0, sizeof(ip));
	ip.in = a->v4;
	if (ipset_session_data_set(ss, IPSET_OPT_IP, &ip) < 0 ||
	    (skbmark && ipset_session_data_set(ss, IPSET_OPT_SKBMARK, skbmark) < 0))
		return lbset_fail_member(s, verb, name, a);
	return 0;
}

static int lbset_adt(struct lbset *s, enum ipset_cmd cmd, const char *name,
		     const struct nfqlb_addr *a, const uint64_t *skbmark)
{
	if (lbset_adt_prepare(s, cmd, name, a, skbmark))
		return -1;
	if (lbset_cmd(s, cmd, 0) < 0) {
		/*
		 * The set may have been destroyed or replaced behind our
		 * back: forget its cached type so the next try asks the
		 * kernel again.
		 */
		ipset_cache_del(name);
		return lbset_fail_member(s, lbset_verb(cmd), name, a);
	}
	return 0;
}

int lbset_add(struct lbset *s, const char *name, const struct nfqlb_addr *a)
{
	return lbset_adt(s, IPSET_CMD_ADD, name, a, NULL);
}

static uint64_t lbset_skbmark(uint32_t mark, uint32_t mask)
{
	return (uint64_t)(mark & mask) << 32 | mask;
}

int lbset_add_mark(struct lbset *s, const char *name, const struct nfqlb_addr *a,
		   uint32_t mark, uint32_t mask)
{
	uint64_t m = lbset_skbmark(mark, mask);

	return lbset_adt(s, IPSET_CMD_ADD, name, a, &m);
}

int lbset_del(struct lbset *s, const char *name, const struct nfqlb_addr *a)
{
	return lbset_adt(s, IPSET_CMD_DEL, name, a, NULL);
}

static int lbset_defer(struct lbset *s, const char *name,
		       const struct nfqlb_addr *a, const uint64_t *skbmark)
{
	struct lbset_pending *p;

	s->err[0] = '\0';
	if (lbset_check_name(s, "add", name) ||
	    lbset_check_addr(s, "add", name, a))
		return -1;
	if (s->npending == s->cappending) {
		size_t ncap = s->cappending ? s->cappending * 2 :
			      LBSET_PENDING_MIN;

		p = realloc(s->pending, ncap * sizeof(*p));
		if (!p) {
			/* No room to defer it: add it now, which is never wrong. */
			return lbset_adt(s, IPSET_CMD_ADD, name, a, skbmark);
		}
		s->pending = p;
		s->cappending = ncap;
	}
	p = &s->pending[s->npending++];
	/* lbset_check_name() made sure it fits. */
	memcpy(p->name, name, strlen(name) + 1);
	p->a = *a;
	p->sent = false;
	p->marked = skbmark != NULL;
	p->skbmark = skbmark ? *skbmark : 0;
	return 0;
}

int lbset_add_defer(struct lbset *s, const char *name,
		    const struct nfqlb_addr *a)
{
	return lbset_defer(s, name, a, NULL);
}

int lbset_add_mark_defer(struct lbset *s, const char *name,
			 const struct nfqlb_addr *a, uint32_t mark, uint32_t mask)
{
	uint64_t m = lbset_skbmark(mark, mask);

	return lbset_defer(s, name, a, &m);
}

unsigned lbset_pending(const struct lbset *s)
{
	return (unsigned)s->npending;
}

/*
 * Send every recorded member of the set of pending[first] (none of
 * them comes before first).
 *
 * With a line number, ipset_cmd() does not send an add but appends it
 * to the session's buffer, "restore mode": consecutive adds to one set
 * become one request, the members in an IPSET_ATTR_ADT container each
 * with its line number, until the page-sized buffer is full (then it
 * is sent and a new one begun); ipset_commit() sends what is left.
 * Each request is still acknowledged before the next goes.
 *
 * The kernel stops a request at the first member it refuses and
 * reports that member's line alone; the members after it are not even
 * tried.  So on any failure every member of the set is sent again, one
 * request each (-exist makes the repeats of members already in the set
 * successes), which adds all that can be added and names each one
 * that cannot.  Returns the number of members that failed.
 */
static unsigned lbset_commit_set(struct lbset *s, size_t first,
				 lbset_fail_cb fail, void *arg)
{
	struct ipset_session *ss = s->session;
	const char *name = s->pending[first].name;
	struct lbset_pending *p;
	uint32_t lineno = 0;
	unsigned failed = 0;
	bool bad = false;
	size_t i;

	/* Line 0 is "not restore mode": a fresh request whatever came before. */
	ipset_session_lineno(ss, 0);
	for (i = first; i < s->npending; i++) {
		p = &s->pending[i];
		if (p->sent || strcmp(p->name, name))
			continue;
		p->sent = true;
		if (bad)
			continue;
		if (lbset_adt_prepare(s, IPSET_CMD_ADD, name, &p->a,
				      p->marked ? &p->skbmark : NULL) ||
		    lbset_cmd(s, IPSET_CMD_ADD, ++lineno) < 0)
			bad = true;
	}
	/*
	 * Even after a failure: a member left in the buffer would ride
	 * along with the next request of this session, whatever it is.
	 */
	if (ipset_commit(ss) < 0)
		bad = true;
	lbset_cloexec(s);
	/* Back to one request per call, and no "Error in line" prefix. */
	ipset_session_lineno(ss, 0);
	ipset_session_report_reset(ss);
	ipset_data_reset(ipset_session_data(ss));
	if (!bad) {
		s->err[0] = '\0';
		return 0;
	}
	for (i = first; i < s->npending; i++) {
		p = &s->pending[i];
		if (strcmp(p->name, name))
			continue;
		if (lbset_adt(s, IPSET_CMD_ADD, name, &p->a,
			      p->marked ? &p->skbmark : NULL)) {
			failed++;
			if (fail)
				fail(name, &p->a, s->err, arg);
		}
	}
	return failed;
}

unsigned lbset_commit(struct lbset *s, lbset_fail_cb fail, void *arg)
{
	unsigned failed = 0;
	size_t i;

	for (i = 0; i < s->npending; i++)
		if (!s->pending[i].sent)
			failed += lbset_commit_set(s, i, fail, arg);
	s->npending = 0;
	return failed;
}

int lbset_flush(struct lbset *s, const char *name)
{
	if (lbset_begin(s, "flush", name))
		return -1;
	if (lbset_cmd(s, IPSET_CMD_FLUSH, 0) < 0)
		return lbset_fail_session(s, "flush", name);
	return 0;
}

int lbset_list(struct lbset *s, const char *name,
	       void (*cb)(const struct nfqlb_addr *a, void *arg), void *arg)
{
	struct lbset_capture *c;
	int ret;

	if (lbset_begin(s, "list", name))
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return lbset_fail(s, "list %s: out of memory", name);
	/*
	 * libipset has no member iterator: the members come out only as
	 * the text "ipset list" prints, so capture and parse that.
	 */
	ipset_session_output(s->session, IPSET_LIST_PLAIN);
	s->capture = c;
	ret = lbset_cmd(s, IPSET_CMD_LIST, 0);
	if (c->len)
		lbset_capture_line(c);
	s->capture = NULL;
	if (ret < 0) {
		if (lbset_report_is(s, lbset_enoent_msg)) {
			/* A missing set has no members. */
			ipset_session_report_reset(s->session);
			ret = 0;
		} else {
			ret = lbset_fail_session(s, "list", name);
		}
		goto out;
	}
	if (c->nomem) {
		ret = lbset_fail(s, "list %s: out of memory", name);
		goto out;
	}
	if (c->bad[0]) {
		ret = lbset_fail(s, "list %s: cannot read member \"%s\"",
				 name, c->bad);
		goto out;
	}
	/*
	 * Call back only now that libipset is done: cb may then use this
	 * handle (say, del what it is shown), which it could not do from
	 * inside ipset_cmd().
	 */
	for (size_t i = 0; cb && i < c->n; i++)
		cb(&c->members[i], arg);
out:
	free(c->members);
	free(c);
	return ret;
}

int64_t lbset_count(struct lbset *s, const char *name)
{
	struct lbset_capture *c;
	int64_t n;
	int ret;

	if (lbset_begin(s, "count", name))
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return lbset_fail(s, "count %s: out of memory", name);
	c->entries = -1;
	/* "ipset list -t": the header only, whatever the set's size. */
	ipset_session_output(s->session, IPSET_LIST_PLAIN);
	ipset_envopt_set(s->session, IPSET_ENV_LIST_HEADER);
	s->capture = c;
	ret = lbset_cmd(s, IPSET_CMD_LIST, 0);
	if (c->len)
		lbset_capture_line(c);
	s->capture = NULL;
	ipset_envopt_unset(s->session, IPSET_ENV_LIST_HEADER);
	if (ret < 0 && lbset_report_is(s, lbset_enoent_msg)) {
		ipset_session_report_reset(s->session);
		n = 0;
	} else if (ret < 0) {
		n = lbset_fail_session(s, "count", name);
	} else if (c->entries < 0) {
		n = lbset_fail(s, "count %s: the kernel gave no number of entries", name);
	} else {
		n = c->entries;
	}
	free(c);
	return n;
}
