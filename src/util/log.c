// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - OpenBSD-daemon style logging: stderr in the foreground (so
 * journald or a terminal gets it), syslog when detached.  When stderr
 * is the journal, each line starts with its priority as sd-daemon(3)
 * "<N>" prefixes, which journald strips and stores as PRIORITY=.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "util/log.h"

static int log_foreground = 1;
static int log_verbose;
static int log_journal;		/* stderr is journald's stream: "<N>" prefixes */

/*
 * systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stdout or
 * stderr is connected to the journal (systemd.exec(5)).  It is inherited
 * by children whose stderr may be elsewhere (a terminal, a pipe), so it
 * counts only if it names the stderr we have.
 */
int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_init(int foreground, int debug, const char *ident)
{
	log_foreground = foreground;
	log_verbose = debug;
	log_journal = foreground && log_stderr_is_journal();
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_debug_enabled(void)
{
	return log_verbose;
}

/* fmt is the caller's, checked at the caller by log.h's format attributes. */
static void log_vemit(int pri, const char *fmt, va_list ap, int with_errno)
	__attribute__((format(printf, 2, 0)));
/*
 * Messages quote configuration values and peers' words: a newline or
 * an escape sequence in one must not forge a log line or reach the
 * terminal.  Control bytes become \xHH (in place: msg has room, the
 * tail is cut).
 */
static void log_sanitize(char *msg, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char out[1024];
	size_t i, o = 0;

	for (i = 0; msg[i] && o + 5 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch < 0x20 || ch == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	snprintf(msg, size, "%s", out);
}

static void log_vemit(int pri, const char *fmt, va_list ap, int with_errno)
{
	char msg[1024], level[8] = "";
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_sanitize(msg, sizeof(msg));
	if (log_foreground) {
		if (log_journal)
			snprintf(level, sizeof(level), "<%d>", pri);
		if (with_errno)
			fprintf(stderr, "%s%s: %s\n", level, msg, strerror(saved));
		else
			fprintf(stderr, "%s%s\n", level, msg);
		fflush(stderr);
	} else if (with_errno) {
		syslog(pri, "%s: %s", msg, strerror(saved));
	} else {
		syslog(pri, "%s", msg);
	}
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
