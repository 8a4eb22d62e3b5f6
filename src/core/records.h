/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * records.h - records of the control protocol (control.h) as people
 * and programs see them: split into fields, escaped for a terminal,
 * measured in terminal columns, and as JSON (json-c) in the schema
 * documented in nfqlbctl(8).  Shared by nfqlbctl and nfqlb-web.
 */
#ifndef NFQLB_RECORDS_H
#define NFQLB_RECORDS_H

#include <stdint.h>

#define RECORDS_MAX_FIELDS	128	/* stats has ~50; room to grow */
#define RECORDS_SCHEMA		1	/* the JSON schema's version */

struct json_object;

struct record {
	int n;
	char *key[RECORDS_MAX_FIELDS];
	char *val[RECORDS_MAX_FIELDS];
};

/* Split line (modified) into key=value fields, values %XX-unescaped. */
void records_parse(char *line, struct record *rec);

/* Length of the valid, shortest-form UTF-8 sequence at s, or 0. */
int records_utf8_decode(const unsigned char *s, uint32_t *cp);
/*
 * s for a terminal (a new string): backslashes, control characters,
 * line separators, bidi controls and invalid UTF-8 as \\ \xHH \u{HHHH};
 * without utf8_term every non-ASCII byte as \xHH.
 */
char *records_term_escape(const char *s, int utf8_term);
/* Terminal columns of s (wcwidth, in a UTF-8 LC_CTYPE). */
int records_display_width(const char *s);
/* s with each byte that is not valid UTF-8 replaced by U+FFFD (new string). */
char *records_utf8_clean(const char *s);

/*
 * JSON of one value: "-" is null (NULL), numbers are numbers, "N%" the
 * ratio N/100, text keys (client, name, user...) always strings.
 */
struct json_object *records_json_value(const char *key, const char *v);
/* A record as a JSON object, "schema" first. */
struct json_object *records_json(const struct record *r);

#endif
