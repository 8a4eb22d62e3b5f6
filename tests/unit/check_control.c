// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_control.c - the control protocol: every malformed request gets
 * an error and nothing crashes (long lines, embedded NULs, control
 * bytes, too many words, partial writes, pipelining, idle peers), plus
 * the escaping and MAC parsing the hooks depend on.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "core/clientinfo.h"
#include "daemon/control.h"
#include "core/escape.h"

static struct control_req req;
static char err[256];

static int parse(const char *s, size_t len)
{
	return proto_parse(s, len, &req, err, sizeof(err));
}

START_TEST(test_parse_words)
{
	ck_assert_int_eq(parse("bind 10.0.0.1 user=a", 20), 0);
	ck_assert_int_eq(req.argc, 3);
	ck_assert_str_eq(req.argv[0], "bind");
	ck_assert_str_eq(req.argv[2], "user=a");
	ck_assert_int_eq(parse("  list \t gw1  ", 14), 0);
	ck_assert_int_eq(req.argc, 2);
	ck_assert_str_eq(req.argv[1], "gw1");
	ck_assert_int_eq(parse("stats\r", 6), 0);	/* CRLF from nc */
	ck_assert_str_eq(req.argv[0], "stats");
}
END_TEST

START_TEST(test_parse_bad)
{
	char big[CONTROL_MAX_LINE + 10];
	char many[512] = "";
	int i;

	ck_assert_int_eq(parse("", 0), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ck_assert_int_eq(parse("   ", 3), -1);
	ck_assert_int_eq(parse("bind\0x", 6), -1);
	ck_assert_ptr_nonnull(strstr(err, "0x00"));
	ck_assert_int_eq(parse("bind\x01", 5), -1);
	ck_assert_int_eq(parse("bind \xff", 6), -1);
	ck_assert_int_eq(parse("a\rb", 3), -1);	/* CR only at the end */
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(parse(big, sizeof(big)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer"));
	for (i = 0; i < CONTROL_MAX_ARGS + 1; i++)
		strcat(many, "w ");
	ck_assert_int_eq(parse(many, strlen(many)), -1);
	ck_assert_ptr_nonnull(strstr(err, "words"));
}
END_TEST

START_TEST(test_escape)
{
	char buf[256], back[256];
	const char *samples[] = { "jean dupont", "a=b%c", "\xc3\xa9t\xc3\xa9", "x\ty\nz", "", NULL };

	for (int i = 0; samples[i]; i++) {
		proto_escape(samples[i], buf, sizeof(buf));
		ck_assert_ptr_null(strchr(buf, ' '));
		ck_assert_ptr_null(strchr(buf, '\n'));
		snprintf(back, sizeof(back), "%s", buf);
		ck_assert_int_eq(proto_unescape(back), 0);
		ck_assert_str_eq(back, samples[i]);
	}
	strcpy(back, "bad%4");
	ck_assert_int_eq(proto_unescape(back), -1);
	strcpy(back, "bad%zz");
	ck_assert_int_eq(proto_unescape(back), -1);
	strcpy(back, "nul%00");
	ck_assert_int_eq(proto_unescape(back), -1);
	/* Truncation never splits an escape nor overflows. */
	proto_escape("          ", buf, 8);
	ck_assert_str_eq(buf, "%20%20");
}
END_TEST

/* Anything quoted in a message stays one line of printable ASCII. */
START_TEST(test_escape_line)
{
	char buf[64];
	unsigned ch;

	ck_assert_str_eq(escape_line("\nOK 1\n", buf, sizeof(buf)), "\\x0aOK 1\\x0a");
	ck_assert_str_eq(escape_line("a\\b\x1b[2J\xc3\xa9\x7f", buf, sizeof(buf)),
			 "a\\\\b\\x1b[2J\\xc3\\xa9\\x7f");
	ck_assert_str_eq(escape_line("plain \"text\"", buf, sizeof(buf)), "plain \"text\"");
	ck_assert_str_eq(escape_line(NULL, buf, sizeof(buf)), "");
	ck_assert_str_eq(escape_mem("a\0b", 3, buf, sizeof(buf)), "a\\x00b");
	/* Truncation never splits an escape. */
	ck_assert_str_eq(escape_line("ab\n", buf, 6), "ab");
	for (ch = 1; ch < 256; ch++) {
		char in[2] = { (char)ch, 0 };

		escape_line(in, buf, sizeof(buf));
		for (const char *p = buf; *p; p++)
			ck_assert(*p >= 0x20 && *p < 0x7f);
	}
}
END_TEST

START_TEST(test_mac)
{
	char m[CLIENTINFO_MAC_LEN];

	ck_assert_int_eq(clientinfo_parse_mac("AA-BB-CC-DD-EE-0F", m), 0);
	ck_assert_str_eq(m, "aa:bb:cc:dd:ee:0f");
	ck_assert_int_eq(clientinfo_parse_mac("aa:bb:cc:dd:ee:ff", m), 0);
	ck_assert_int_eq(clientinfo_parse_mac("aabb.ccdd.eeff", m), 0);
	ck_assert_str_eq(m, "aa:bb:cc:dd:ee:ff");
	ck_assert_int_eq(clientinfo_parse_mac("aa:bb:cc:dd:ee", m), -1);
	ck_assert_int_eq(clientinfo_parse_mac("aa:bb:cc:dd:ee:ff:00", m), -1);
	ck_assert_int_eq(clientinfo_parse_mac("a:bb:cc:dd:ee:ff", m), -1);
	ck_assert_int_eq(clientinfo_parse_mac("gg:bb:cc:dd:ee:ff", m), -1);
	ck_assert_int_eq(clientinfo_parse_mac("", m), -1);
}
END_TEST

START_TEST(test_clientinfo)
{
	struct clientinfo *ci = clientinfo_new(100);
	struct client_meta m = { .mac = "aa:bb:cc:dd:ee:ff", .user = "u" };
	struct client_meta only_session = { .session = "s1" };
	struct in_addr a = { .s_addr = htonl(0x0a000001) };
	const struct client_meta *got;

	ck_assert_ptr_nonnull(ci);
	ck_assert_ptr_null(clientinfo_get(ci, a));
	ck_assert_int_eq(clientinfo_set(ci, a, &m), 0);
	ck_assert_int_eq(clientinfo_set(ci, a, &only_session), 0);
	got = clientinfo_get(ci, a);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->user, "u");	/* kept: empty fields don't overwrite */
	ck_assert_str_eq(got->session, "s1");
	clientinfo_del(ci, a);
	clientinfo_del(ci, a);
	ck_assert_ptr_null(clientinfo_get(ci, a));
	for (uint32_t i = 1; i < 5000; i++) {
		a.s_addr = htonl(0x0a000000 + i);
		ck_assert_int_eq(clientinfo_set(ci, a, &m), 0);
	}
	clientinfo_free(ci);
}
END_TEST

/* ---- the socket, driven in-process ---- */

static unsigned handled;

static void echo_handler(const struct control_req *r, const struct control_peer *p,
			 struct obuf *o, void *arg)
{
	(void)arg;
	handled++;
	if (!strcmp(r->argv[0], "big")) {	/* a 10 KB answer, like a list */
		obuf_printf(o, "OK 100\n");
		for (int i = 0; i < 100; i++)
			obuf_printf(o, "%0100d\n", i);
		return;
	}
	if (!strcmp(r->argv[0], "mute"))	/* a handler that says nothing */
		return;
	obuf_printf(o, "OK 1\n");
	obuf_kv(o, "verb", r->argv[0]);
	obuf_kvu(o, "argc", (unsigned)r->argc);
	obuf_kvu(o, "privileged", (unsigned)p->privileged);
	if (p->readonly)
		obuf_kvu(o, "readonly", 1);
	obuf_printf(o, "\n");
}

static struct control *ctl;
static char sockpath[108];

static void setup_socket(void)
{
	/*
	 * The control group is our own: the tests' peers are privileged
	 * whoever runs them, root or a package build's ordinary user.
	 */
	struct control_params p = { .mode = 0600, .group = getegid(),
				    .idle_timeout = 2, .max_conns = 4 };

	snprintf(sockpath, sizeof(sockpath), "/tmp/nfqlb-check-%d.sock", (int)getpid());
	p.path = sockpath;
	ctl = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_msg(ctl != NULL, "%s", err);
	handled = 0;
}

static void teardown_socket(void)
{
	control_close(ctl);
	ck_assert_int_eq(access(sockpath, F_OK), -1);	/* unlinked */
}

static int client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void pump(void)
{
	for (int i = 0; i < 5; i++)
		control_dispatch(ctl);
}

/* Everything the server sent so far. */
static const char *drain(int fd)
{
	static char buf[65536];
	ssize_t n, len = 0;

	while ((n = recv(fd, buf + len, sizeof(buf) - 1 - (size_t)len, MSG_DONTWAIT)) > 0)
		len += n;
	buf[len] = '\0';
	return buf;
}

START_TEST(test_socket_partial_and_pipelined)
{
	int fd = client();

	pump();
	ck_assert_int_eq(send(fd, "sta", 3, 0), 3);
	pump();
	ck_assert_uint_eq(handled, 0);		/* half a line: nothing yet */
	ck_assert_int_eq(send(fd, "ts\nlist a b\nver", 15, 0), 15);
	pump();
	ck_assert_uint_eq(handled, 2);
	ck_assert_str_eq(drain(fd), "OK 1\nverb=stats argc=1 privileged=1\n"
			 "OK 1\nverb=list argc=3 privileged=1\n");
	ck_assert_int_eq(send(fd, "sion\n", 5, 0), 5);
	pump();
	ck_assert_str_eq(drain(fd), "OK 1\nverb=version argc=1 privileged=1\n");
	close(fd);
	pump();
}
END_TEST

START_TEST(test_socket_bad_input)
{
	char big[CONTROL_MAX_LINE + 100];
	int fd = client();
	const char *a;

	pump();
	ck_assert_int_eq(send(fd, "bind\0oops\n", 10, 0), 10);
	ck_assert_int_eq(send(fd, "\n", 1, 0), 1);
	pump();
	a = drain(fd);
	ck_assert_msg(!strncmp(a, "ERR usage byte 0x00", 19), "%s", a);
	ck_assert_ptr_nonnull(strstr(a, "ERR usage empty request"));
	ck_assert_uint_eq(handled, 0);
	/* A line that never ends: refused, connection closed. */
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	pump();
	a = drain(fd);
	ck_assert_msg(strstr(a, "ERR usage request longer than") != NULL, "%s", a);
	ck_assert_int_eq(recv(fd, big, 1, 0), 0);	/* closed by the server */
	close(fd);
	/* And the server still serves. */
	fd = client();
	pump();
	send(fd, "stats\n", 6, 0);
	pump();
	ck_assert_str_eq(drain(fd), "OK 1\nverb=stats argc=1 privileged=1\n");
	close(fd);
}
END_TEST

START_TEST(test_socket_limits)
{
	int fds[6], i;
	char c;

	for (i = 0; i < 6; i++) {
		fds[i] = client();
		pump();
	}
	/* max_conns is 4: the 5th and 6th are told and closed. */
	ck_assert_ptr_nonnull(strstr(drain(fds[4]), "ERR busy"));
	ck_assert_uint_eq(control_stats(ctl)->refused, 2);
	/* Idle for longer than the timeout: closed. */
	control_expire(ctl, UINT64_MAX / 2);
	ck_assert_uint_eq(control_stats(ctl)->timeouts, 4);
	ck_assert_int_eq(recv(fds[0], &c, 1, 0), 0);
	for (i = 0; i < 6; i++)
		close(fds[i]);
}
END_TEST

START_TEST(test_socket_stale_and_mode)
{
	struct control_params p = { .path = sockpath, .mode = 0660, .group = (gid_t)-1,
				    .idle_timeout = 1, .max_conns = 1 };
	struct control *second;

	/* The socket file of a dead daemon is replaced. */
	control_close(ctl);
	ck_assert_int_eq(close(open(sockpath, O_CREAT | O_WRONLY, 0600)), 0);
	second = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_msg(second != NULL, "%s", err);
	ctl = second;
	p.path = "/nonexistent-dir/x.sock";
	ck_assert_ptr_null(control_open(&p, echo_handler, NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.sock"));
}
END_TEST


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Slow-loris: the deadline runs from a request's first byte, not its last. */
START_TEST(test_socket_request_deadline)
{
	uint64_t t0 = now_ms();
	int fd = client();
	const char *a;
	char c;

	pump();
	send(fd, "s", 1, 0);
	pump();
	control_expire(ctl, t0 + 1000);
	send(fd, "t", 1, 0);
	pump();
	ck_assert_str_eq(drain(fd), "");
	/* Bytes keep coming, but the request is not complete in time. */
	control_expire(ctl, t0 + CONTROL_REQUEST_MS + 500);
	a = drain(fd);
	ck_assert_msg(strstr(a, "ERR usage request not complete within") != NULL, "%s", a);
	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);	/* and closed */
	ck_assert_uint_eq(control_stats(ctl)->deadlines, 1);
	ck_assert_uint_eq(handled, 0);
	close(fd);
}
END_TEST

/* A peer that does not read its answers is not read either. */
START_TEST(test_socket_high_water)
{
	char reqs[100 * 4 + 1] = "";
	int fd = client(), i, rounds;
	int sz = 1 << 14;
	size_t got = 0;
	const char *a;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	pump();
	for (i = 0; i < 100; i++)
		strcat(reqs, "big\n");
	ck_assert_int_eq(send(fd, reqs, strlen(reqs), 0), (ssize_t)strlen(reqs));
	for (i = 0; i < 50; i++)
		pump();
	/*
	 * CONTROL_OUT_HIGH of 10 KB answers plus what the socket buffers
	 * hold (about 200 KB), not all 100 (1 MB).
	 */
	ck_assert_msg(handled <= (CONTROL_OUT_HIGH + 300000) / 10000,
		      "%u requests served to a peer that reads nothing", handled);
	/* Once it reads, it gets every answer, in order, none dropped. */
	for (rounds = 0; rounds < 10000 && got < 100u * (7 + 100 * 101); rounds++) {
		pump();
		a = drain(fd);
		got += strlen(a);
	}
	ck_assert_uint_eq(handled, 100);
	ck_assert_uint_eq(got, 100u * (7 + 100 * 101));
	close(fd);
}
END_TEST

/* One peer streaming requests does not keep another waiting. */
START_TEST(test_socket_fairness)
{
	static char flood[2 * CONTROL_MAX_LINE];
	int a = client(), b = client();
	unsigned i;

	pump();
	for (i = 0; i + 2 <= CONTROL_MAX_LINE; i += 2)
		memcpy(flood + i, "v\n", 2);
	ck_assert_int_eq(send(a, flood, i, 0), (ssize_t)i);
	ck_assert_int_eq(send(b, "stats\n", 6, 0), 6);
	control_dispatch(ctl);
	ck_assert_str_eq(drain(b), "OK 1\nverb=stats argc=1 privileged=1\n");
	ck_assert_msg(handled <= CONTROL_READ_BUDGET + 1, "%u served in one turn", handled);
	/* The rest of a's requests are served on later turns. */
	for (int r = 0; r < 100 && handled < i / 2 + 1; r++)
		pump();
	ck_assert_uint_eq(handled, i / 2 + 1);
	close(a);
	close(b);
}
END_TEST

START_TEST(test_socket_no_silent_drop)
{
	int fd = client();

	pump();
	send(fd, "mute\n", 5, 0);
	pump();
	ck_assert_str_eq(drain(fd), "ERR internal empty answer\n");
	close(fd);
}
END_TEST

static int client_as(uid_t uid)
{
	int fd;

	/* SO_PEERCRED records the euid and egid: neither may be ours. */
	ck_assert_int_eq(setegid(uid), 0);
	ck_assert_int_eq(seteuid(uid), 0);
	fd = client();
	ck_assert_int_eq(seteuid(0), 0);
	ck_assert_int_eq(setegid(0), 0);
	return fd;
}

/* Unprivileged peers, however many, leave root its reserved slots. */
START_TEST(test_socket_reserved_slots)
{
	int nob[4], root[4], i;
	const char *a;

	chmod(sockpath, 0666);
	ck_assert_uint_eq(control_reserved_slots(4), 1);
	for (i = 0; i < 4; i++) {
		nob[i] = client_as(65534);
		pump();
	}
	a = drain(nob[0]);
	ck_assert_str_eq(a, "");
	/* max_conns 4, 1 reserved, one uid holds at most half of the 3 others. */
	ck_assert_ptr_nonnull(strstr(drain(nob[1]), "ERR busy"));
	ck_assert_ptr_nonnull(strstr(drain(nob[3]), "ERR busy"));
	for (i = 0; i < 3; i++) {
		root[i] = client();
		pump();
		send(root[i], "stats\n", 6, 0);
		pump();
		a = drain(root[i]);
		ck_assert_msg(!strcmp(a, "OK 1\nverb=stats argc=1 privileged=1\n"),
			      "root connection %d: %s", i, a);
	}
	for (i = 0; i < 4; i++)
		close(nob[i]);
	for (i = 0; i < 3; i++)
		close(root[i]);
}
END_TEST

/* Out of descriptors: accepting pauses instead of spinning. */
START_TEST(test_socket_emfile)
{
	struct pollfd p = { .fd = control_epoll_fd(ctl), .events = POLLIN };
	struct rlimit rl;
	int fd, free_fd;

	pump();
	/* Leave exactly one free descriptor: the client's socket. */
	free_fd = dup(0);
	close(free_fd);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)free_fd + 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fd = client();
	pump();
	ck_assert_uint_eq(control_stats(ctl)->accept_pauses, 1);
	/* Not readable any more: the daemon's loop does not spin on it. */
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	/* Descriptors again: after the pause the peer is served. */
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	control_expire(ctl, now_ms() + CONTROL_ACCEPT_PAUSE_MS + 10);
	pump();
	send(fd, "stats\n", 6, 0);
	pump();
	ck_assert_str_eq(drain(fd), "OK 1\nverb=stats argc=1 privileged=1\n");
	close(fd);
}
END_TEST

/* A peer that sends many requests and then shuts down gets every answer. */
START_TEST(test_socket_eof_answers_all)
{
	static char reqs[200 * 2 + 1];
	static char buf[1 << 16];
	size_t got = 0;
	ssize_t n;
	int fd = client(), i;

	pump();
	for (i = 0; i < 200; i++)
		memcpy(reqs + 2 * i, "v\n", 2);
	ck_assert_int_eq(send(fd, reqs, 400, 0), 400);
	shutdown(fd, SHUT_WR);
	for (i = 0; i < 200; i++) {
		pump();
		while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT)) > 0)
			got += (size_t)n;
		if (n == 0)
			break;		/* closed by the server */
	}
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(handled, 200);
	buf[got] = '\0';
	ck_assert_uint_eq(got, 200 * strlen("OK 1\nverb=v argc=1 privileged=1\n"));
	close(fd);
}
END_TEST

static int connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/*
 * control.read_socket: a peer there is a reader whoever it is (here
 * a member of the control group, which is privileged on the control
 * socket); the socket is 0660 and owned by the read group; both files
 * go at close.
 */
START_TEST(test_socket_read_only)
{
	struct control_params p = { .path = sockpath, .mode = 0600, .group = getegid(),
				    .read_group = getegid(), .idle_timeout = 2,
				    .max_conns = 4 };
	char rpath[108];
	struct stat st;
	int r, w;

	control_close(ctl);
	snprintf(rpath, sizeof(rpath), "/tmp/nfqlb-check-%d-read.sock", (int)getpid());
	p.read_path = rpath;
	ctl = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_msg(ctl != NULL, "%s", err);
	ck_assert_int_eq(stat(rpath, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_gid, getegid());
	r = connect_to(rpath);
	w = client();
	pump();
	send(r, "bind 10.0.0.1\n", 14, 0);
	send(w, "bind 10.0.0.1\n", 14, 0);
	pump();
	ck_assert_str_eq(drain(r), "OK 1\nverb=bind argc=2 privileged=0 readonly=1\n");
	ck_assert_str_eq(drain(w), "OK 1\nverb=bind argc=2 privileged=1\n");
	close(r);
	close(w);
	control_close(ctl);
	ctl = NULL;
	ck_assert_int_eq(access(rpath, F_OK), -1);
	/* Without a read group: root only. */
	p.read_group = (gid_t)-1;
	ctl = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_msg(ctl != NULL, "%s", err);
	ck_assert_int_eq(stat(rpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* A read socket that cannot be made fails the whole open, by name. */
	control_close(ctl);
	p.read_path = "/nonexistent-dir/r.sock";
	ctl = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_ptr_null(ctl);
	ck_assert_ptr_nonnull(strstr(err, "control.read_socket /nonexistent-dir/r.sock"));
	ck_assert_int_eq(access(sockpath, F_OK), -1);	/* nothing left behind */
	p.read_path = NULL;
	ctl = control_open(&p, echo_handler, NULL, err, sizeof(err));
	ck_assert_msg(ctl != NULL, "%s", err);
}
END_TEST

static int root_only_skipped;

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");
	TCase *ts = tcase_create("socket");

	tcase_add_test(tc, test_parse_words);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_escape_line);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_clientinfo);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, setup_socket, teardown_socket);
	tcase_add_test(ts, test_socket_partial_and_pipelined);
	tcase_add_test(ts, test_socket_bad_input);
	tcase_add_test(ts, test_socket_limits);
	tcase_add_test(ts, test_socket_stale_and_mode);
	tcase_add_test(ts, test_socket_request_deadline);
	tcase_add_test(ts, test_socket_high_water);
	tcase_add_test(ts, test_socket_fairness);
	tcase_add_test(ts, test_socket_no_silent_drop);
	tcase_add_test(ts, test_socket_read_only);
	/* Being someone else (seteuid) takes root. */
	if (geteuid() == 0)
		tcase_add_test(ts, test_socket_reserved_slots);
	else
		root_only_skipped = 1;
	tcase_add_test(ts, test_socket_emfile);
	tcase_add_test(ts, test_socket_eof_answers_all);
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return EXIT_FAILURE;
	if (root_only_skipped) {
		/* 77: "skipped"; `make unit` fails it under CI=true. */
		fprintf(stderr, "check_control: test_socket_reserved_slots skipped: "
			"needs root\n");
		return 77;
	}
	return EXIT_SUCCESS;
}
