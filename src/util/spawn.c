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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/*
 * Run argv with input on stdin; stdout and stderr are collected into
 * out.  Returns the exit status, or -1 if it could not run.  The child
 * inherits no descriptor but these three (spawn.h).
 */
int spawn_run(char *const argv[], const char *input, char *out, size_t outlen)
{
	struct spawn_opts so = { .search_path = true };
	int in[2] = { -1, -1 }, er[2] = { -1, -1 }, st = -1;
	size_t got = 0;
	char chunk[1024];
	pid_t pid;
	ssize_t n;

	if (outlen)
		out[0] = '\0';
	if (pipe2(in, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
		snprintf(out, outlen, "pipe: %s", strerror(errno));
		goto done;
	}
	so.stdin_fd = in[0];
	so.stdout_fd = er[1];
	so.stderr_fd = er[1];
	errno = spawn_child(&pid, argv, &so);
	if (errno) {
		snprintf(out, outlen, "cannot run %s: %s", argv[0], strerror(errno));
		goto done;
	}
	close(in[0]);
	in[0] = -1;
	close(er[1]);
	er[1] = -1;
	if (input && write(in[1], input, strlen(input)) < 0)
		snprintf(out, outlen, "writing to %s: %s", argv[0], strerror(errno));
	close(in[1]);
	in[1] = -1;
	/* Drain everything, or a chatty child blocks on a full pipe. */
	while ((n = read(er[0], chunk, sizeof(chunk))) > 0 ||
	       (n < 0 && errno == EINTR)) {
		size_t take = n > 0 ? (size_t)n : 0;

		if (outlen && got + take > outlen - 1)
			take = outlen - 1 - got;
		memcpy(out + got, chunk, take);
		got += take;
	}
	if (outlen) {
		out[got] = '\0';
		while (got && (out[got - 1] == '\n'))
			out[--got] = '\0';
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
done:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
	return st;
}
