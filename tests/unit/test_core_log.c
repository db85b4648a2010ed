/*
 * test_core_log.c - the logger (src/core/log.h): level filtering, text and
 * JSON line formats, escaping and truncation. Lines are captured through
 * st_log_set_output into a temporary stream.
 */
#include "test.h"

#include <ctype.h>

#include "core/log.h"
#include "core/banned.h"

static char captured[ST_LOG_LINE_MAX * 2];

/* Starts capturing log lines; returns the stream to pass to stop_capture. */
static FILE *start_capture(void)
{
	FILE *f = tmpfile();

	EXPECT_TRUE(f != NULL);
	st_log_set_output(f);
	return f;
}

/* Stops capturing and returns everything written, NUL-terminated. */
static const char *stop_capture(FILE *f)
{
	size_t n = 0;

	st_log_set_output(NULL);
	captured[0] = '\0';
	if (!f)
		return captured;
	rewind(f);
	n = fread(captured, 1, sizeof(captured) - 1, f);
	captured[n] = '\0';
	fclose(f);
	return captured;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* True when s starts with an ISO 8601 UTC timestamp with milliseconds. */
static int is_timestamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return 0;
	}
	return 1;
}

TEST(log_default_level_is_info)
{
	EXPECT_EQ(ST_LOG_INFO, st_log_get_level());
	EXPECT_TRUE(st_log_enabled(ST_LOG_ERROR));
	EXPECT_TRUE(st_log_enabled(ST_LOG_INFO));
	EXPECT_TRUE(!st_log_enabled(ST_LOG_DEBUG));
}

TEST(log_text_line_has_timestamp_level_and_message)
{
	FILE *f = start_capture();
	const char *out;

	st_log(ST_LOG_WARN, "disk %d%% full", 91);
	out = stop_capture(f);
	EXPECT_TRUE(is_timestamp(out));
	EXPECT_STR(" WARN  disk 91% full\n", out + strlen("2026-11-23T10:00:00.123Z"));
}

TEST(log_level_filters_messages)
{
	FILE *f = start_capture();
	const char *out;

	st_log_set_level(ST_LOG_WARN);
	st_log(ST_LOG_ERROR, "e");
	st_log(ST_LOG_WARN, "w");
	st_log(ST_LOG_INFO, "i");
	st_log(ST_LOG_DEBUG, "d");
	st_log_set_level(ST_LOG_DEBUG);
	st_log(ST_LOG_DEBUG, "d2");
	out = stop_capture(f);
	EXPECT_EQ(3, count_lines(out));
	EXPECT_TRUE(strstr(out, "ERROR e\n") != NULL);
	EXPECT_TRUE(strstr(out, "WARN  w\n") != NULL);
	EXPECT_TRUE(strstr(out, " i\n") == NULL);
	EXPECT_TRUE(strstr(out, "DEBUG d2\n") != NULL);
}

TEST(log_set_level_clamps)
{
	st_log_set_level((st_log_level)42);
	EXPECT_EQ(ST_LOG_DEBUG, st_log_get_level());
	st_log_set_level((st_log_level)-3);
	EXPECT_EQ(ST_LOG_ERROR, st_log_get_level());
}

TEST(log_json_line_escapes_message)
{
	FILE *f = start_capture();
	const char *out, *rest;

	st_log_set_json(true);
	st_log(ST_LOG_ERROR, "say \"hi\"\\\n\t%c", 1);
	out = stop_capture(f);
	EXPECT_TRUE(strncmp(out, "{\"ts\":\"", 7) == 0);
	EXPECT_TRUE(is_timestamp(out + 7));
	rest = out + 7 + strlen("2026-11-23T10:00:00.123Z");
	EXPECT_STR("\",\"level\":\"error\",\"msg\":\"say \\\"hi\\\"\\\\\\n\\t\\u0001\"}\n", rest);
}

TEST(log_json_replaces_invalid_utf8)
{
	FILE *f = start_capture();
	const char *out;

	st_log_set_json(true);
	/* valid "é", a lone continuation byte, an overlong '/', a surrogate */
	st_log(ST_LOG_INFO, "\xc3\xa9|\x80|\xc0\xaf|\xed\xa0\x80");
	out = stop_capture(f);
	EXPECT_TRUE(strstr(out, "\"msg\":\"\xc3\xa9|\\ufffd|\\ufffd\\ufffd|"
	                        "\\ufffd\\ufffd\\ufffd\"}\n") != NULL);
}

TEST(log_long_message_is_cut_to_one_line)
{
	static char big[ST_LOG_LINE_MAX * 2];
	FILE *f = start_capture();
	const char *out;
	size_t n;

	memset(big, 'a', sizeof(big) - 1);
	st_log(ST_LOG_INFO, "%s", big);
	out = stop_capture(f);
	n = strlen(out);
	EXPECT_EQ(ST_LOG_LINE_MAX, n);
	EXPECT_EQ(1, count_lines(out));
	EXPECT_STR("aaa...\n", out + n - 7);
}

TEST(log_long_json_message_stays_valid)
{
	static char big[ST_LOG_LINE_MAX * 2];
	FILE *f = start_capture();
	const char *out;
	size_t n;

	/* every quote becomes two bytes, so the cut falls inside the escapes */
	memset(big, '"', sizeof(big) - 1);
	st_log_set_json(true);
	st_log(ST_LOG_INFO, "%s", big);
	out = stop_capture(f);
	n = strlen(out);
	EXPECT_TRUE(n <= ST_LOG_LINE_MAX);
	EXPECT_EQ(1, count_lines(out));
	EXPECT_STR("\\\"...\"}\n", out + n - 8);
}

TEST(log_text_cut_keeps_utf8_whole)
{
	static char big[ST_LOG_LINE_MAX * 2];
	FILE *f = start_capture();
	const char *out;
	size_t n;

	/* three-byte characters: the cut must not split one */
	for (size_t i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	st_log(ST_LOG_INFO, "%s", big);
	out = stop_capture(f);
	n = strlen(out);
	EXPECT_TRUE(n <= ST_LOG_LINE_MAX);
	EXPECT_STR("\xe2\x82\xac...\n", out + n - 7);
}

TEST(log_level_names_round_trip)
{
	st_log_level l = ST_LOG_ERROR;

	EXPECT_STR("error", st_log_level_name(ST_LOG_ERROR));
	EXPECT_STR("warn", st_log_level_name(ST_LOG_WARN));
	EXPECT_STR("info", st_log_level_name(ST_LOG_INFO));
	EXPECT_STR("debug", st_log_level_name(ST_LOG_DEBUG));
	EXPECT_STR("?", st_log_level_name((st_log_level)9));
	EXPECT_EQ(0, st_log_level_parse("DEBUG", &l));
	EXPECT_EQ(ST_LOG_DEBUG, l);
	EXPECT_EQ(0, st_log_level_parse("warning", &l));
	EXPECT_EQ(ST_LOG_WARN, l);
	EXPECT_EQ(ST_EINVAL, st_log_level_parse("verbose", &l));
	EXPECT_EQ(ST_LOG_WARN, l);
	EXPECT_EQ(ST_EINVAL, st_log_level_parse(NULL, &l));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
