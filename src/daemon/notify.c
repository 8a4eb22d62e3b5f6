// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify.c - health.notify's children (see notify.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/notify.h"
#include "util/log.h"
#include "util/spawn.h"

struct notify_child {
	pid_t pid;		/* 0: free */
	uint64_t deadline_ms;	/* CLOCK_MONOTONIC */
	char what[64];
};

struct notify {
	const struct conf *conf;
	struct notify_child child[NOTIFY_MAX];
	uint64_t *runs;		/* the caller's counters */
	uint64_t *errors;	/* failed to start, non-zero exit, killed */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct notify *notify_new(const struct conf *c, uint64_t *runs, uint64_t *errors)
{
	struct notify *n = calloc(1, sizeof(*n));

	if (n) {
		n->conf = c;
		n->runs = runs;
		n->errors = errors;
	}
	return n;
}

void notify_run(struct notify *n, const char *gw, const char *from, const char *to,
		const char *loss, const char *rtt)
{
	const char *path = n->conf->notify;
	char *argv[] = { (char *)path, (char *)gw, (char *)from, (char *)to,
			 (char *)loss, (char *)rtt, NULL };
	struct spawn_opts so = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
				 .own_pgroup = true };
	struct notify_child *c = NULL;
	unsigned i;
	pid_t pid;
	int rc;

	if (!path[0])
		return;
	for (i = 0; i < NOTIFY_MAX && !c; i++)
		if (!n->child[i].pid)
			c = &n->child[i];
	if (!c) {
		(*n->errors)++;
		log_warnx("health.notify: %d scripts still running, not running "
			  "%s %s %s %s %s %s", NOTIFY_MAX, path, gw, from, to,
			  loss, rtt);
		return;
	}
	/*
	 * Its own process group (killed whole on timeout), /dev/null as
	 * stdin, nothing of the daemon's but stdout and stderr (spawn.h).
	 */
	rc = spawn_child(&pid, argv, &so);
	(*n->runs)++;
	if (rc) {
		(*n->errors)++;
		log_warnx("health.notify: cannot run %s: %s", path, strerror(rc));
		return;
	}
	c->pid = pid;
	c->deadline_ms = now_ms() + (uint64_t)n->conf->notify_timeout * 1000;
	snprintf(c->what, sizeof(c->what), "%s %s %s", gw, from, to);
}

void notify_tick(struct notify *n)
{
	uint64_t now = now_ms();
	unsigned i;
	int st;

	for (i = 0; i < NOTIFY_MAX; i++) {
		struct notify_child *c = &n->child[i];
		pid_t r;

		if (!c->pid)
			continue;
		r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			if (r == c->pid && WIFEXITED(st) && WEXITSTATUS(st)) {
				(*n->errors)++;
				log_warnx("health.notify %s (%s) exited with status %d",
					  n->conf->notify, c->what, WEXITSTATUS(st));
			} else if (r == c->pid && WIFSIGNALED(st)) {
				(*n->errors)++;
				log_warnx("health.notify %s (%s) killed by signal %d",
					  n->conf->notify, c->what, WTERMSIG(st));
			}
			c->pid = 0;
			continue;
		}
		if (r == 0 && now >= c->deadline_ms) {
			log_warnx("health.notify %s (%s) still running after %u s: killed",
				  n->conf->notify, c->what, n->conf->notify_timeout);
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			c->deadline_ms = now + 1000;
		}
	}
}

void notify_free(struct notify *n)
{
	unsigned i;

	if (!n)
		return;
	for (i = 0; i < NOTIFY_MAX; i++) {
		if (!n->child[i].pid)
			continue;
		kill(-n->child[i].pid, SIGKILL);
		kill(n->child[i].pid, SIGKILL);
		waitpid(n->child[i].pid, NULL, 0);
		n->child[i].pid = 0;
	}
	free(n);
}
