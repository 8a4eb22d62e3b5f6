/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - stderr in the foreground (journald reads it), syslog when
 * daemonised.  log_warn appends strerror(errno); the x forms do not.
 * Priorities: fatal LOG_CRIT, warn LOG_WARNING, info LOG_INFO, debug
 * LOG_DEBUG; on journald's stream they travel as "<N>" line prefixes.
 */
#ifndef NFQLB_LOG_H
#define NFQLB_LOG_H

#include <stdarg.h>

void log_init(int foreground, int debug, const char *ident);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
int log_debug_enabled(void);
/* JOURNAL_STREAM names our stderr: systemd connected it to the journal. */
int log_stderr_is_journal(void);

#endif
