// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spawn.c - children that start with only stdin, stdout and stderr
 * (spawn.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/spawn.h"

extern char **environ;

static int spawn_actions(posix_spawn_file_actions_t *fa, const struct spawn_opts *o)
{
	int rc = 0;

	if (o->stdin_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(fa, o->stdin_fd, 0);
	else
		rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc && o->stdout_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(fa, o->stdout_fd, 1);
	if (!rc && o->stderr_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(fa, o->stderr_fd, 2);
	/*
	 * Last, after the dup2s: whatever is still open from 3 up goes,
	 * close-on-exec or not (glibc 2.34: close_range in the child).
	 */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(fa, 3);
	return rc;
}

int spawn_child(pid_t *pid, char *const argv[], const struct spawn_opts *o)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	if (o->own_pgroup)
		flags |= POSIX_SPAWN_SETPGROUP;
	if ((rc = posix_spawnattr_init(&at)))
		return rc;
	if ((rc = posix_spawn_file_actions_init(&fa))) {
		posix_spawnattr_destroy(&at);
		return rc;
	}
	posix_spawnattr_setflags(&at, flags);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	rc = spawn_actions(&fa, o);
	if (!rc && o->search_path)
		rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	else if (!rc)
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

/* Without CLOSE_RANGE_CLOEXEC (Linux < 5.11): one fcntl a descriptor. */
static int cloexec_walk(int from)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int rc = 0;

	if (!d)
		return errno;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int fl;

		if (*end || end == e->d_name || fd < from || fd == dirfd(d))
			continue;
		fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC) &&
		    fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) < 0)
			rc = errno;
	}
	closedir(d);
	return rc;
}

int spawn_cloexec_from(int from)
{
	if (!close_range((unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC))
		return 0;
	return cloexec_walk(from);
}
