/*
 * test.h - the unit-test harness: one executable per module, one function
 * per named behaviour. Each test runs in a forked child with a timeout, so a
 * crash or hang fails that test only. A failed check prints file:line and
 * both values; any failure makes the exit code 1.
 *
 *     TEST(buf_append_stops_at_max) { ... EXPECT_EQ(ST_ETOOBIG, rc); }
 *     int main(int argc, char **argv) { return test_main(argc, argv); }
 *
 * TEST() registers the function through a constructor, so tests need no list.
 */
#ifndef STRATUS_TESTS_TEST_H
#define STRATUS_TESTS_TEST_H

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef void (*test_fn)(void);
struct test_case {
	const char *name;
	test_fn fn;
};

#define TEST_MAX_CASES 512
static struct test_case test_cases_[TEST_MAX_CASES];
static int test_ncases_;
static int test_failed_; /* in the child: checks failed in this test */

static inline void test_register_(const char *name, test_fn fn)
{
	if (test_ncases_ < TEST_MAX_CASES)
		test_cases_[test_ncases_++] = (struct test_case){ name, fn };
}

#define TEST(name)                                                     \
	static void test_##name(void);                                 \
	__attribute__((constructor)) static void test_reg_##name(void) \
	{                                                              \
		test_register_(#name, test_##name);                    \
	}                                                              \
	static void test_##name(void)

#define TEST_FAIL_(...)                                           \
	do {                                                      \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                     \
		fputc('\n', stderr);                              \
		test_failed_++;                                   \
	} while (0)

#define EXPECT_TRUE(c)                                       \
	do {                                                 \
		if (!(c))                                    \
			TEST_FAIL_("expected true: %s", #c); \
	} while (0)

#define EXPECT_EQ(want, got)                                                              \
	do {                                                                              \
		long long w_ = (long long)(want), g_ = (long long)(got);                  \
		if (w_ != g_)                                                             \
			TEST_FAIL_("%s == %s: want %lld, got %lld", #want, #got, w_, g_); \
	} while (0)

#define EXPECT_U64(want, got)                                                                   \
	do {                                                                                    \
		uint64_t w_ = (uint64_t)(want), g_ = (uint64_t)(got);                           \
		if (w_ != g_)                                                                   \
			TEST_FAIL_("%s == %s: want 0x%" PRIx64 ", got 0x%" PRIx64, #want, #got, \
			           w_, g_);                                                     \
	} while (0)

#define EXPECT_STR(want, got)                                                            \
	do {                                                                             \
		const char *w_ = (want), *g_ = (got);                                    \
		if (!g_ || strcmp(w_, g_) != 0)                                          \
			TEST_FAIL_("%s == %s: want \"%s\", got \"%s\"", #want, #got, w_, \
			           g_ ? g_ : "(null)");                                  \
	} while (0)

/* Runs every test (or those named on the command line) in a child. */
static inline int test_main(int argc, char **argv)
{
	int failed = 0, ran = 0;

	for (int i = 0; i < test_ncases_; i++) {
		struct test_case *t = &test_cases_[i];
		int status, selected = argc < 2;
		pid_t pid;

		for (int a = 1; a < argc; a++)
			if (strcmp(argv[a], t->name) == 0)
				selected = 1;
		if (!selected)
			continue;
		ran++;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			alarm(60);
			t->fn();
			fflush(stdout);
			_exit(test_failed_ ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0) {
			perror("fork/wait");
			return 1;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			printf("ok   %s\n", t->name);
		} else {
			failed++;
			if (WIFSIGNALED(status))
				printf("FAIL %s (signal %d%s)\n", t->name, WTERMSIG(status),
				       WTERMSIG(status) == SIGALRM ? ": timeout" : "");
			else
				printf("FAIL %s\n", t->name);
		}
	}
	printf("%d passed, %d failed\n", ran - failed, failed);
	return failed || ran == 0 ? 1 : 0;
}

#endif
