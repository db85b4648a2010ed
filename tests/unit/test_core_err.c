/*
 * test_core_err.c - the error table (src/core/err.h): codes, names, texts,
 * and the st_err setters.
 */
#include "test.h"

#include "core/err.h"
#include "core/banned.h"

TEST(err_codes_are_negative_and_in_table_order)
{
	EXPECT_EQ(0, ST_OK);
	EXPECT_EQ(-1, ST_ENOMEM);
	EXPECT_EQ(-2, ST_EINVAL);
	EXPECT_EQ(-3, ST_ETOOBIG);
	EXPECT_EQ(-13, ST_ESTATE);
}

TEST(err_set_returns_code)
{
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, st_err_set(&err, ST_EMALFORMED, "bad magic %d", 7));
	EXPECT_EQ(ST_EMALFORMED, err.code);
	EXPECT_EQ(0, err.kind);
	EXPECT_EQ(-1, err.offset);
	EXPECT_STR("bad magic 7", err.msg);
}

TEST(err_set_accepts_null_err)
{
	EXPECT_EQ(ST_EIO, st_err_set(NULL, ST_EIO, "ignored"));
	EXPECT_EQ(ST_EIO, st_err_setat(NULL, ST_EIO, 12, "ignored"));
	st_err_clear(NULL);
}

TEST(err_setat_records_offset_and_resets_kind)
{
	st_err err;

	st_err_clear(&err);
	err.kind = 5;
	EXPECT_EQ(ST_ETRUNC, st_err_setat(&err, ST_ETRUNC, 0x1234, "section %s", "code"));
	EXPECT_EQ(ST_ETRUNC, err.code);
	EXPECT_EQ(0, err.kind);
	EXPECT_EQ(0x1234, err.offset);
	EXPECT_STR("section code", err.msg);
}

TEST(err_clear_resets_every_field)
{
	st_err err;

	st_err_setat(&err, ST_ETRAP, 99, "boom");
	err.kind = 3;
	st_err_clear(&err);
	EXPECT_EQ(0, err.code);
	EXPECT_EQ(0, err.kind);
	EXPECT_EQ(-1, err.offset);
	EXPECT_STR("", err.msg);
}

TEST(err_message_is_truncated_and_terminated)
{
	char big[ST_ERR_MSG_MAX * 2];
	st_err err;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	st_err_set(&err, ST_EINVAL, "%s", big);
	EXPECT_EQ(ST_ERR_MSG_MAX - 1, strlen(err.msg));
	EXPECT_EQ('x', err.msg[ST_ERR_MSG_MAX - 2]);
}

TEST(strerror_names_every_code)
{
	EXPECT_STR("OK", st_errname(0));
	EXPECT_STR("success", st_strerror(0));
	EXPECT_STR("ENOMEM", st_errname(ST_ENOMEM));
	EXPECT_STR("out of memory", st_strerror(ST_ENOMEM));
	EXPECT_STR("EMALFORMED", st_errname(ST_EMALFORMED));
	EXPECT_STR("malformed input", st_strerror(ST_EMALFORMED));
	EXPECT_STR("ESTATE", st_errname(ST_ESTATE));
	/* Every code in the table has a real name and text. */
	for (int code = -1; code >= ST_ESTATE; code--) {
		EXPECT_TRUE(strcmp(st_errname(code), "EUNKNOWN") != 0);
		EXPECT_TRUE(strcmp(st_strerror(code), "unknown error") != 0);
	}
}

TEST(strerror_unknown_code)
{
	EXPECT_STR("EUNKNOWN", st_errname(ST_ESTATE - 1));
	EXPECT_STR("unknown error", st_strerror(ST_ESTATE - 1));
	EXPECT_STR("EUNKNOWN", st_errname(1));
	EXPECT_STR("unknown error", st_strerror(12345));
}

TEST(bug_aborts)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		/* Keep the expected report out of the test output. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		ST_BUG("broken invariant %d", 1);
	}
	EXPECT_TRUE(pid > 0);
	EXPECT_TRUE(waitpid(pid, &status, 0) == pid);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
