/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spawn.h - run a child program that inherits nothing but stdin,
 * stdout and stderr.
 *
 * The daemon holds the NFQUEUE socket, netlink sockets, the control
 * socket, epoll, signalfd and timerfd descriptors.  A child that
 * inherited the queue socket and outlived the daemon (a notify script
 * still running after a crash) would keep the queue bound, and the
 * restarted daemon could not bind it.  Every descriptor is opened
 * close-on-exec, and a child also closes everything from 3 up before
 * it starts (a library may have opened one without the flag).
 *
 * The child gets an empty signal mask (the daemon blocks its signals
 * for signalfd) and the default action for SIGPIPE (the daemon ignores
 * it, and an ignored signal stays ignored across exec).
 */
#ifndef NFQLB_SPAWN_H
#define NFQLB_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct spawn_opts {
	int stdin_fd;		/* dup'ed to 0; -1: /dev/null */
	int stdout_fd;		/* dup'ed to 1; -1: the daemon's own */
	int stderr_fd;		/* dup'ed to 2; -1: the daemon's own */
	bool own_pgroup;	/* a process group of its own (killed whole) */
	bool search_path;	/* argv[0] looked up in PATH */
};

/*
 * Start argv[0] with argv and the daemon's environment; *pid is the
 * child.  Returns 0, or an errno value (the program could not run).
 */
int spawn_child(pid_t *pid, char *const argv[], const struct spawn_opts *o);

/*
 * Mark every descriptor from `from` up close-on-exec: for libraries
 * that open one without the flag and give no way to reach it
 * (libipset's netlink socket).  Returns 0 or an errno value.
 */
int spawn_cloexec_from(int from);

/*
 * Run argv (a program on PATH) with input on stdin (NULL: none), its
 * stdout and stderr into out; its exit status, or -1 if it could not
 * run (out says why).
 */
int spawn_run(char *const argv[], const char *input, char *out, size_t outlen);

#endif
