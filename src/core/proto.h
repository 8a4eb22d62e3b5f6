/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proto.h - nfqlbd's control protocol, shared by the daemon's socket
 * (daemon/control), nfqlbctl and nfqlb-web: its constants, the version
 * of the three programs, escaping, the request line and the answer
 * buffer.  Pure: no I/O.
 *
 * Protocol (version 1), line oriented so that a shell script can speak
 * it (socat, nc -U):
 *
 *   request:  VERB [ARG ...] NL          one line, at most
 *                                         CONTROL_MAX_LINE bytes, tokens
 *                                         separated by spaces, printable
 *                                         ASCII only
 *   answer:   "OK N" NL, then N record lines, or
 *             "ERR KIND message" NL      KIND: usage, invalid, notfound,
 *                                         perm, busy, internal
 *   record:   key=value key=value ...    values %XX-escaped outside
 *                                         [A-Za-z0-9._:/@+-]
 *
 * Several requests may follow each other on one connection; the
 * answers come in order.  An idle connection is closed after the
 * configured timeout, a line too long is answered with ERR usage and
 * the connection closed.
 *
 */
#ifndef NFQLB_PROTO_H
#define NFQLB_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The version is the VERSION file's, passed by the Makefile. */
#ifndef NFQLB_VERSION
#error "NFQLB_VERSION undefined: build with make (it reads VERSION)"
#endif

#define CONTROL_VERSION		1
#define CONTROL_MAX_LINE	1024
#define CONTROL_MAX_ARGS	16
#define CONTROL_MAX_OUTPUT	(64u << 20)	/* per answer, bytes */

/* A growing output buffer for one answer. */
struct obuf {
	char *data;
	size_t len, cap;
	int overflow;
};

void obuf_printf(struct obuf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append " key=value" (or "key=value" at a line's start), escaping value. */
void obuf_kv(struct obuf *o, const char *key, const char *value);
void obuf_kvu(struct obuf *o, const char *key, unsigned long long v);
void obuf_reset(struct obuf *o);
void obuf_free(struct obuf *o);

/* Escape value for a record into buf; returns buf (truncates safely). */
const char *proto_escape(const char *value, char *buf, size_t len);
/* Undo proto_escape in place; -1 on a bad %XX or a NUL. */
int proto_unescape(char *s);

/* A parsed request line. */
struct control_req {
	int argc;
	char *argv[CONTROL_MAX_ARGS];
	char buf[CONTROL_MAX_LINE + 1];
};

/*
 * Split one request line (without its NL) into words.  0, or -1 with a
 * message in err: empty line, a NUL or control character, too many
 * words, too long.
 */
int proto_parse(const char *line, size_t len, struct control_req *req,
		  char *err, size_t errlen);

#endif
