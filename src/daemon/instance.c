// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * instance.c - one nfqlbd per queue per network namespace, and the
 * control socket's directory (see instance.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/instance.h"
#include "util/log.h"

/*
 * One daemon per queue per network namespace: a second one would
 * rebuild, then on failing to bind the queue tear down, the first
 * one's rules and chains.  An abstract Unix socket is the lock: it
 * belongs to the namespace and dies with the process, so no stale
 * lock file is ever left.  A live control socket at our path is
 * refused too (another instance on another queue).
 */
int instance_lock(const struct conf *c, char *err, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t sl;
	int fd, n, live;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, len, "instance lock: %s", strerror(errno));
		return -1;
	}
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "nfqlbd/queue/%u",
		     c->queue_num);
	sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (bind(fd, (struct sockaddr *)&sun, sl)) {
		snprintf(err, len, errno == EADDRINUSE ?
			 "another nfqlbd already serves queue.number = %u here: "
			 "stop it first (nothing was changed)" :
			 "instance lock for queue %u: %s", c->queue_num, strerror(errno));
		close(fd);
		return -1;
	}
	live = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->ctl_path);
	if (live >= 0 && !connect(live, (struct sockaddr *)&sun, sizeof(sun))) {
		snprintf(err, len, "control.socket %s is served by a running nfqlbd: "
			 "stop it first (nothing was changed)", c->ctl_path);
		close(live);
		close(fd);
		return -1;
	}
	if (live >= 0)
		close(live);
	return fd;
}

/* mkdir -p of the socket's directory (systemd's RuntimeDirectory does it too). */
void instance_socket_dir(const char *path)
{
	char dir[sizeof(((struct conf *)0)->ctl_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		log_warn("creating %s", dir);
}
