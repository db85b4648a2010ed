/*
 * test_core_buf.c - capped buffers and whole-file reads (src/core/buf.h).
 */
#include "test.h"

#include <errno.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

TEST(buf_append_grows_and_copies)
{
	st_buf b;
	char chunk[100];

	st_buf_init(&b, 1 << 20);
	for (int i = 0; i < 100; i++)
		chunk[i] = (char)i;
	for (int i = 0; i < 50; i++)
		EXPECT_EQ(0, st_buf_append(&b, chunk, sizeof(chunk)));
	EXPECT_EQ(5000, b.n);
	EXPECT_TRUE(b.cap >= b.n);
	EXPECT_EQ(99, b.p[4999]);
	EXPECT_EQ(0, b.p[4900]);
	st_buf_deinit(&b);
	EXPECT_TRUE(b.p == NULL);
	EXPECT_EQ(0, b.n);
	EXPECT_EQ(1 << 20, b.max);
}

TEST(buf_append_stops_at_max)
{
	st_buf b;

	st_buf_init(&b, 8);
	EXPECT_EQ(0, st_buf_append(&b, "12345", 5));
	EXPECT_EQ(ST_ETOOBIG, st_buf_append(&b, "6789", 4));
	/* unchanged by the failed append */
	EXPECT_EQ(5, b.n);
	EXPECT_TRUE(memcmp(b.p, "12345", 5) == 0);
	EXPECT_EQ(0, st_buf_append(&b, "678", 3));
	EXPECT_EQ(8, b.n);
	EXPECT_TRUE(b.cap <= 8);
	EXPECT_EQ(ST_ETOOBIG, st_buf_append(&b, "9", 1));
	st_buf_deinit(&b);
}

TEST(buf_reserve_rejects_overflowing_sizes)
{
	st_buf b;

	st_buf_init(&b, SIZE_MAX);
	EXPECT_EQ(0, st_buf_append(&b, "ab", 2));
	EXPECT_EQ(ST_ETOOBIG, st_buf_reserve(&b, SIZE_MAX));
	EXPECT_EQ(ST_ETOOBIG, st_buf_reserve(&b, SIZE_MAX - 1));
	EXPECT_EQ(2, b.n);
	st_buf_deinit(&b);
}

TEST(buf_append_zero_bytes_is_noop)
{
	st_buf b;

	st_buf_init(&b, 0);
	EXPECT_EQ(0, st_buf_append(&b, NULL, 0));
	EXPECT_TRUE(b.p == NULL);
	EXPECT_EQ(ST_ETOOBIG, st_buf_append(&b, "x", 1));
	st_buf_deinit(&b);
}

TEST(buf_append_reports_enomem_unchanged)
{
	static const uint8_t big[1000];
	st_buf b;

	st_buf_init(&b, 1 << 20);
	EXPECT_EQ(0, st_buf_append(&b, "abc", 3));
	st_alloc_fail_after(0);
	EXPECT_EQ(ST_ENOMEM, st_buf_append(&b, big, sizeof(big)));
	st_alloc_fail_after(-1);
	EXPECT_EQ(3, b.n);
	EXPECT_TRUE(memcmp(b.p, "abc", 3) == 0);
	st_buf_deinit(&b);
}

TEST(buf_appendf_formats_without_nul_in_length)
{
	st_buf b;

	st_buf_init(&b, 64);
	EXPECT_EQ(0, st_buf_appendf(&b, "%s=%d", "x", 42));
	EXPECT_EQ(0, st_buf_appendf(&b, ";%04x", 0xbeef));
	EXPECT_EQ(9, b.n);
	EXPECT_TRUE(memcmp(b.p, "x=42;beef", 9) == 0);
	st_buf_deinit(&b);
}

TEST(buf_appendf_stops_at_max)
{
	st_buf b;

	st_buf_init(&b, 6);
	/* 5 characters plus the NUL vsnprintf needs fit exactly */
	EXPECT_EQ(0, st_buf_appendf(&b, "%d", 12345));
	EXPECT_EQ(ST_ETOOBIG, st_buf_appendf(&b, "%d", 6));
	EXPECT_EQ(5, b.n);
	st_buf_deinit(&b);
}

TEST(buf_detach_transfers_ownership)
{
	st_buf b;
	uint8_t *p;
	size_t n = 0;

	st_buf_init(&b, 100);
	EXPECT_EQ(0, st_buf_append(&b, "hello", 5));
	p = st_buf_detach(&b, &n);
	EXPECT_EQ(5, n);
	EXPECT_TRUE(p && memcmp(p, "hello", 5) == 0);
	EXPECT_TRUE(b.p == NULL);
	EXPECT_EQ(0, b.n);
	EXPECT_EQ(100, b.max);
	st_free(p);
}

TEST(slice_make_borrows)
{
	static const char text[] = "abc";
	st_slice s = st_slice_make(text, 3);

	EXPECT_TRUE((const void *)s.p == (const void *)text);
	EXPECT_EQ(3, s.n);
}

/* Writes n bytes of a pattern to a fresh temporary file named into path. */
static void write_temp(char *path, size_t cap, size_t n)
{
	FILE *f;
	int fd;

	snprintf(path, cap, "/tmp/stratus-test-buf-XXXXXX");
	fd = mkstemp(path);
	EXPECT_TRUE(fd >= 0);
	f = fdopen(fd, "wb");
	for (size_t i = 0; f && i < n; i++)
		fputc((int)(i * 7 % 251), f);
	if (f)
		fclose(f);
}

TEST(file_read_reads_whole_file)
{
	char path[64];
	st_buf b;
	st_err err;
	int bad = 0;

	write_temp(path, sizeof(path), 200000);
	st_err_clear(&err);
	EXPECT_EQ(0, st_file_read(path, 1 << 20, &b, &err));
	EXPECT_EQ(200000, b.n);
	for (size_t i = 0; i < b.n; i++)
		bad += b.p[i] != (uint8_t)(i * 7 % 251);
	EXPECT_EQ(0, bad);
	st_buf_deinit(&b);
	unlink(path);
}

TEST(file_read_missing_is_enotfound)
{
	st_buf b;
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(ST_ENOTFOUND, st_file_read("/nonexistent/stratus/x.wasm", 100, &b, &err));
	EXPECT_EQ(ST_ENOTFOUND, err.code);
	EXPECT_TRUE(strstr(err.msg, "/nonexistent/stratus/x.wasm") != NULL);
	EXPECT_TRUE(b.p == NULL);
}

TEST(file_read_too_big_frees_buffer)
{
	char path[64];
	st_buf b;
	st_err err;

	write_temp(path, sizeof(path), 1000);
	st_err_clear(&err);
	EXPECT_EQ(ST_ETOOBIG, st_file_read(path, 999, &b, &err));
	EXPECT_EQ(ST_ETOOBIG, err.code);
	EXPECT_TRUE(strstr(err.msg, "too large") != NULL);
	EXPECT_TRUE(b.p == NULL);
	EXPECT_EQ(0, b.n);
	unlink(path);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
