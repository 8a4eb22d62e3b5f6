// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check_log.c - unit tests of log.c's journal detection and priority
 * prefixes: stderr is redirected to a file, and JOURNAL_STREAM names
 * that file (or not), as systemd would for a service's journal stream.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static char path[64];

/* stderr to a fresh file; JOURNAL_STREAM = its dev:ino, plus delta. */
static void stderr_to_file(const char *stream, long delta)
{
	struct stat st;
	char v[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_log.XXXXXX");
	fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	close(fd);
	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	if (stream) {
		setenv("JOURNAL_STREAM", stream, 1);
	} else if (delta >= 0) {
		snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino + (unsigned long long)delta);
		setenv("JOURNAL_STREAM", v, 1);
	} else {
		unsetenv("JOURNAL_STREAM");
	}
}

static const char *logged(void)
{
	static char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	return buf;
}

static void emit_all(void)
{
	log_warnx("gateway %s: %s -> down", "wan2", "up");
	log_info("serving %u gateways", 2u);
	log_debug("bound %s", "192.168.182.10");
	errno = ENOENT;
	log_warn("creating %s", "/run/x");
}

START_TEST(test_journal_prefixes)
{
	stderr_to_file(NULL, 0);
	ck_assert_int_eq(log_stderr_is_journal(), 1);
	log_init(1, 1, "check_log");
	emit_all();
	ck_assert_str_eq(logged(),
			 "<4>gateway wan2: up -> down\n"
			 "<6>serving 2 gateways\n"
			 "<7>bound 192.168.182.10\n"
			 "<4>creating /run/x: No such file or directory\n");
}
END_TEST

START_TEST(test_debug_off)
{
	stderr_to_file(NULL, 0);
	log_init(1, 0, "check_log");
	log_debug("not shown");
	log_info("shown");
	ck_assert_str_eq(logged(), "<6>shown\n");
}
END_TEST

/* Not the journal: no JOURNAL_STREAM, another file's, or garbage. */
START_TEST(test_not_journal)
{
	static const char *const bad[] = { "", "12", "12:", ":34", "a:b", "1:2x", "1:2:3" };
	unsigned i;

	stderr_to_file(NULL, -1);
	ck_assert_int_eq(log_stderr_is_journal(), 0);
	log_init(1, 0, "check_log");
	emit_all();
	ck_assert_str_eq(logged(),
			 "gateway wan2: up -> down\n"
			 "serving 2 gateways\n"
			 "creating /run/x: No such file or directory\n");

	/* A child's stderr elsewhere while the variable is inherited. */
	stderr_to_file(NULL, 1);
	ck_assert_int_eq(log_stderr_is_journal(), 0);
	unlink(path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		stderr_to_file(bad[i], 0);
		ck_assert_msg(!log_stderr_is_journal(), "JOURNAL_STREAM=\"%s\"", bad[i]);
		unlink(path);
	}
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("journal");

	tcase_add_test(tc, test_journal_prefixes);
	tcase_add_test(tc, test_debug_off);
	tcase_add_test(tc, test_not_journal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
