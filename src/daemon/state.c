// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state.c - the bindings journal (see state.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/control.h"
#include "core/iptab.h"
#include "util/log.h"
#include "daemon/state.h"

#define STATE_LINE_MAX	2048

struct state {
	int fd;			/* -1: journal off */
	char path[256], tmp[264];
	FILE *rw;		/* the rewrite under way */
	struct iptab *replay;	/* ip -> struct state_rec */
	uint32_t appended;
	/* state_batch_begin(): lines gathered here, written in big writes. */
	int batching;
	char *buf;
	size_t blen, bcap;
};

#define STATE_BATCH_BYTES	(256u << 10)

/* One field: "=" then the escaped value. */
static int put_field(char *buf, size_t len, size_t *off, const char *v)
{
	char esc[3 * CLIENTINFO_USER_LEN + 1];
	int n;

	proto_escape(v, esc, sizeof(esc));
	n = snprintf(buf + *off, len - *off, " =%s", esc);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

int state_format_line(char *buf, size_t len, struct in_addr a,
		      const struct state_rec *r)
{
	char ip[INET_ADDRSTRLEN];
	size_t off;
	int n;

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	n = snprintf(buf, len, "B %s %u %c", ip, r->since, r->confirmed ? 'c' : 'p');
	if (n < 0 || (size_t)n >= len)
		return -1;
	off = (size_t)n;
	if (put_field(buf, len, &off, r->m.mac) || put_field(buf, len, &off, r->m.user) ||
	    put_field(buf, len, &off, r->m.session) || off + 2 > len)
		return -1;
	buf[off++] = '\n';
	buf[off] = '\0';
	return (int)off;
}

static int get_field(char **save, char *out, size_t len)
{
	char *w = strtok_r(NULL, " ", save);

	if (!w || w[0] != '=' || proto_unescape(w + 1) || strlen(w + 1) >= len)
		return -1;
	memcpy(out, w + 1, strlen(w + 1) + 1);
	return 0;
}

int state_parse_line(char *line, struct in_addr *a, struct state_rec *r)
{
	char *save = NULL, *w, *end;
	unsigned long v;
	int kind;

	w = strtok_r(line, " ", &save);
	if (!w || (strcmp(w, "B") && strcmp(w, "R")))
		return -1;
	kind = w[0];
	w = strtok_r(NULL, " ", &save);
	if (!w || inet_pton(AF_INET, w, a) != 1)
		return -1;
	if (kind == 'R')
		return strtok_r(NULL, " ", &save) ? -1 : 'R';
	memset(r, 0, sizeof(*r));
	w = strtok_r(NULL, " ", &save);
	if (!w)
		return -1;
	errno = 0;
	v = strtoul(w, &end, 10);
	if (*end || errno || v > UINT32_MAX || w[0] == '-')
		return -1;
	r->since = (uint32_t)v;
	w = strtok_r(NULL, " ", &save);
	if (!w || (strcmp(w, "c") && strcmp(w, "p")))
		return -1;
	r->confirmed = w[0] == 'c';
	if (get_field(&save, r->m.mac, sizeof(r->m.mac)) ||
	    get_field(&save, r->m.user, sizeof(r->m.user)) ||
	    get_field(&save, r->m.session, sizeof(r->m.session)) ||
	    strtok_r(NULL, " ", &save))
		return -1;
	return 'B';
}

static void state_replay_line(struct state *st, char *line, unsigned lineno,
			      unsigned *bad)
{
	struct state_rec r, *p;
	struct iptab_ent *e;
	struct in_addr a;
	int k = state_parse_line(line, &a, &r);

	if (k < 0) {
		if (!(*bad)++)
			log_warnx("%s: line %u is not valid: ignored (and any more)",
				  st->path, lineno);
		return;
	}
	if (k == 'R') {
		iptab_del(st->replay, a.s_addr);
		return;
	}
	e = iptab_put(st->replay, a.s_addr);
	p = e ? (e->p ? e->p : malloc(sizeof(*p))) : NULL;
	if (!p) {
		log_warn("replaying %s", st->path);
		return;
	}
	/* since 0: a bind of a client already bound keeps its since. */
	if (!r.since && e->p)
		r.since = p->since;
	*p = r;
	e->p = p;
}

static void state_replay(struct state *st)
{
	char line[STATE_LINE_MAX];
	unsigned n = 0, bad = 0;
	FILE *f = fopen(st->path, "re");

	if (!f) {
		if (errno != ENOENT)
			log_warn("reading %s", st->path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		n++;
		/* A crash can leave a last line half written: no NL, ignored. */
		if (!l || line[l - 1] != '\n')
			break;
		line[l - 1] = '\0';
		state_replay_line(st, line, n, &bad);
	}
	fclose(f);
	log_info("%s: %u lines replayed, %u clients known%s", st->path, n,
		 iptab_count(st->replay), bad ? " (some lines not valid)" : "");
}

static void mkdir_p(const char *dir)
{
	char d[256], *p;

	snprintf(d, sizeof(d), "%s", dir);
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0755);
		*p = '/';
	}
	mkdir(d, 0755);
}

struct state *state_open(const char *dir, const char *name, uint32_t hint)
{
	struct state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->fd = -1;
	st->replay = iptab_new(hint / 2);
	if (!st->replay) {
		free(st);
		return NULL;
	}
	snprintf(st->path, sizeof(st->path), "%s/%s.journal", dir, name);
	snprintf(st->tmp, sizeof(st->tmp), "%s.new", st->path);
	mkdir_p(dir);
	state_replay(st);
	st->fd = open(st->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (st->fd < 0)
		log_warn("%s: who is who (MAC, user, session) will not survive a "
			 "restart", st->path);
	return st;
}

void state_close(struct state *st)
{
	if (!st)
		return;
	if (st->fd >= 0)
		close(st->fd);
	if (st->rw)
		fclose(st->rw);
	free(st->buf);
	iptab_free(st->replay);
	free(st);
}

const struct state_rec *state_replayed(const struct state *st, struct in_addr a)
{
	const struct iptab_ent *e = st ? iptab_get(st->replay, a.s_addr) : NULL;

	return e ? e->p : NULL;
}

void state_replay_drop(struct state *st)
{
	if (!st)
		return;
	iptab_free(st->replay);
	st->replay = NULL;
}

static void state_write(struct state *st, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(st->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("appending to %s", st->path);
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static void state_flush(struct state *st)
{
	if (st->blen)
		state_write(st, st->buf, st->blen);
	st->blen = 0;
}

void state_batch_begin(struct state *st)
{
	if (!st || st->fd < 0)
		return;
	if (!st->buf) {
		st->buf = malloc(STATE_BATCH_BYTES);
		st->bcap = st->buf ? STATE_BATCH_BYTES : 0;
	}
	st->batching = st->buf != NULL;
}

void state_batch_end(struct state *st)
{
	if (!st || !st->batching)
		return;
	state_flush(st);
	st->batching = 0;
}

static void state_append(struct state *st, const char *line, size_t len)
{
	if (st->fd < 0)
		return;
	if (st->batching) {
		if (st->blen + len > st->bcap)
			state_flush(st);
		memcpy(st->buf + st->blen, line, len);
		st->blen += len;
		st->appended++;
		return;
	}
	/* O_APPEND, one write: a line is whole or (crash) the last one cut. */
	if (write(st->fd, line, len) != (ssize_t)len)
		log_warn("appending to %s", st->path);
	st->appended++;
}

void state_bind(struct state *st, struct in_addr a, const struct state_rec *r)
{
	char line[STATE_LINE_MAX];
	int n;

	if (!st || st->fd < 0)
		return;
	n = state_format_line(line, sizeof(line), a, r);
	if (n > 0)
		state_append(st, line, (size_t)n);
}

void state_release(struct state *st, struct in_addr a)
{
	char line[64], ip[INET_ADDRSTRLEN];
	int n;

	if (!st || st->fd < 0)
		return;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	n = snprintf(line, sizeof(line), "R %s\n", ip);
	state_append(st, line, (size_t)n);
}

uint32_t state_appended(const struct state *st)
{
	return st ? st->appended : 0;
}

int state_rewrite_begin(struct state *st)
{
	if (!st || st->fd < 0)
		return -1;
	st->rw = fopen(st->tmp, "we");
	if (!st->rw) {
		log_warn("rewriting %s", st->tmp);
		return -1;
	}
	return 0;
}

void state_rewrite_add(struct state *st, struct in_addr a, const struct state_rec *r)
{
	char line[STATE_LINE_MAX];

	if (st && st->rw && state_format_line(line, sizeof(line), a, r) > 0)
		fputs(line, st->rw);
}

int state_rewrite_end(struct state *st)
{
	int fd, bad;

	if (!st || !st->rw)
		return -1;
	bad = fflush(st->rw) || fsync(fileno(st->rw));
	bad |= fclose(st->rw);
	st->rw = NULL;
	if (bad || rename(st->tmp, st->path)) {
		log_warn("rewriting %s", st->path);
		unlink(st->tmp);
		return -1;
	}
	fd = open(st->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		log_warn("reopening %s", st->path);
	} else {
		close(st->fd);
		st->fd = fd;
	}
	st->appended = 0;
	return 0;
}
