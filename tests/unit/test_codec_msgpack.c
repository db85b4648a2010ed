/*
 * test_codec_msgpack.c - the MessagePack reader and writer
 * (src/codec/msgpack.h): smallest encodings at every width boundary,
 * round trips, type mismatches, truncation at every byte, the nesting cap,
 * the writer's maximum and allocation failures.
 */
#include "test.h"

#include <math.h>

#include "codec/msgpack.h"
#include "core/mem.h"
#include "core/banned.h"

/* Expects the writer to hold exactly the n bytes of want. */
#define EXPECT_BYTES(w, want, nwant)                                       \
	do {                                                               \
		EXPECT_EQ(0, mp_writer_status(w));                         \
		EXPECT_EQ((nwant), (w)->n);                                \
		if ((w)->n == (nwant))                                     \
			EXPECT_TRUE(memcmp((w)->p, (want), (nwant)) == 0); \
	} while (0)

typedef struct int_case {
	int64_t v;
	uint8_t bytes[9];
	size_t n;
} int_case;

TEST(msgpack_writes_smallest_int_at_every_boundary)
{
	static const int_case cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0xcc, 0x80 }, 2 },
		{ 200, { 0xcc, 0xc8 }, 2 }, /* interfaces.md §1.2 */
		{ 255, { 0xcc, 0xff }, 2 },
		{ 256, { 0xcd, 0x01, 0x00 }, 3 },
		{ 65535, { 0xcd, 0xff, 0xff }, 3 },
		{ 65536, { 0xce, 0x00, 0x01, 0x00, 0x00 }, 5 },
		{ 70000, { 0xce, 0x00, 0x01, 0x11, 0x70 }, 5 }, /* interfaces.md §1.2 */
		{ 4294967295, { 0xce, 0xff, 0xff, 0xff, 0xff }, 5 },
		{ 4294967296, { 0xcf, 0, 0, 0, 1, 0, 0, 0, 0 }, 9 },
		{ INT64_MAX, { 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9 },
		{ -1, { 0xff }, 1 },
		{ -32, { 0xe0 }, 1 },
		{ -33, { 0xd0, 0xdf }, 2 },
		{ -128, { 0xd0, 0x80 }, 2 },
		{ -129, { 0xd1, 0xff, 0x7f }, 3 },
		{ -200, { 0xd1, 0xff, 0x38 }, 3 }, /* interfaces.md §1.2 */
		{ -32768, { 0xd1, 0x80, 0x00 }, 3 },
		{ -32769, { 0xd2, 0xff, 0xff, 0x7f, 0xff }, 5 },
		{ INT32_MIN, { 0xd2, 0x80, 0x00, 0x00, 0x00 }, 5 },
		{ (int64_t)INT32_MIN - 1,
		  { 0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff },
		  9 },
		{ INT64_MIN, { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 9 },
	};
	mp_writer w;

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		mp_reader r;
		int64_t got = 0;

		mp_writer_init_default(&w, 64);
		mp_write_int(&w, cases[k].v);
		EXPECT_BYTES(&w, cases[k].bytes, cases[k].n);
		mp_reader_init(&r, w.p, w.n);
		EXPECT_EQ(0, mp_read_int(&r, &got));
		EXPECT_EQ(cases[k].v, got);
		EXPECT_EQ(0, mp_reader_left(&r));
		mp_writer_deinit(&w);
	}
	mp_writer_init_default(&w, 64);
	mp_write_uint(&w, UINT64_MAX);
	EXPECT_BYTES(&w, "\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9);
	mp_writer_deinit(&w);
}

TEST(msgpack_writes_str_bin_and_containers_at_every_width)
{
	static char big[70000];
	mp_writer w;

	memset(big, 'x', sizeof(big));
	mp_writer_init_default(&w, 1 << 20);
	mp_write_str(&w, big, 0);
	EXPECT_BYTES(&w, "\xa0", 1);
	mp_writer_reset(&w);
	mp_write_str(&w, big, 31);
	EXPECT_EQ(32, w.n);
	EXPECT_EQ(0xbf, w.p[0]);
	mp_writer_reset(&w);
	mp_write_str(&w, big, 32);
	EXPECT_BYTES(&w, "\xd9\x20xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 34);
	mp_writer_reset(&w);
	mp_write_str(&w, big, 255);
	EXPECT_EQ(0xd9, w.p[0]);
	EXPECT_EQ(257, w.n);
	mp_writer_reset(&w);
	mp_write_str(&w, big, 256);
	EXPECT_TRUE(memcmp(w.p, "\xda\x01\x00", 3) == 0);
	mp_writer_reset(&w);
	mp_write_str(&w, big, 65536);
	EXPECT_TRUE(memcmp(w.p, "\xdb\x00\x01\x00\x00", 5) == 0);
	EXPECT_EQ(65541, w.n);

	mp_writer_reset(&w);
	mp_write_bin(&w, big, 0);
	EXPECT_BYTES(&w, "\xc4\x00", 2);
	mp_writer_reset(&w);
	mp_write_bin(&w, big, 256);
	EXPECT_TRUE(memcmp(w.p, "\xc5\x01\x00", 3) == 0);
	mp_writer_reset(&w);
	mp_write_bin(&w, big, 65536);
	EXPECT_TRUE(memcmp(w.p, "\xc6\x00\x01\x00\x00", 5) == 0);

	mp_writer_reset(&w);
	mp_write_array(&w, 15);
	mp_write_array(&w, 16);
	mp_write_array(&w, 65536);
	EXPECT_BYTES(&w, "\x9f\xdc\x00\x10\xdd\x00\x01\x00\x00", 9);
	mp_writer_reset(&w);
	mp_write_map(&w, 0);
	mp_write_map(&w, 15);
	mp_write_map(&w, 16);
	mp_write_map(&w, 65536);
	EXPECT_BYTES(&w, "\x80\x8f\xde\x00\x10\xdf\x00\x01\x00\x00", 10);
	mp_writer_reset(&w);
	mp_write_nil(&w);
	mp_write_bool(&w, false);
	mp_write_bool(&w, true);
	mp_write_float(&w, 1.5f);
	mp_write_double(&w, 1.5);
	EXPECT_BYTES(&w, "\xc0\xc2\xc3\xca\x3f\xc0\x00\x00\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00",
	             17);
	mp_writer_deinit(&w);
}

TEST(msgpack_writes_fixext_and_ext_forms)
{
	static const uint8_t data[300] = { 1, 2, 3 };
	mp_writer w;

	mp_writer_init_default(&w, 1024);
	mp_write_ext(&w, 5, data, 1);
	mp_write_ext(&w, -1, data, 2);
	EXPECT_BYTES(&w, "\xd4\x05\x01\xd5\xff\x01\x02", 7);
	mp_writer_reset(&w);
	mp_write_ext(&w, 7, data, 3);
	EXPECT_BYTES(&w, "\xc7\x03\x07\x01\x02\x03", 6);
	mp_writer_reset(&w);
	mp_write_ext(&w, 7, data, 16);
	EXPECT_EQ(0xd8, w.p[0]);
	EXPECT_EQ(18, w.n);
	mp_writer_reset(&w);
	mp_write_ext(&w, 7, data, 300);
	EXPECT_TRUE(memcmp(w.p, "\xc8\x01\x2c\x07", 4) == 0);
	EXPECT_EQ(304, w.n);
	mp_writer_deinit(&w);
}

TEST(msgpack_reads_back_every_type)
{
	static const uint8_t ext[4] = { 9, 8, 7, 6 };
	const char *s;
	const uint8_t *p;
	size_t n;
	uint32_t count;
	int8_t et;
	double d;
	bool b;
	uint64_t u;
	int64_t i;
	mp_type t;
	mp_reader r;
	mp_writer w;

	mp_writer_init_default(&w, 4096);
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "k");
	mp_write_array(&w, 8);
	mp_write_nil(&w);
	mp_write_bool(&w, true);
	mp_write_uint(&w, 300);
	mp_write_int(&w, -5);
	mp_write_float(&w, 0.25f);
	mp_write_double(&w, -2.5);
	mp_write_bin(&w, "ab", 2);
	mp_write_ext(&w, 3, ext, 4);
	EXPECT_EQ(0, mp_writer_status(&w));

	mp_reader_init(&r, w.p, w.n);
	EXPECT_EQ(0, mp_peek(&r, &t));
	EXPECT_EQ(MP_MAP, t);
	EXPECT_EQ(0, mp_read_map(&r, &count));
	EXPECT_EQ(1, count);
	EXPECT_EQ(0, mp_read_str(&r, &s, &n));
	EXPECT_TRUE(mp_str_eq(s, n, "k"));
	EXPECT_TRUE(!mp_str_eq(s, n, "kk"));
	EXPECT_TRUE(!mp_str_eq(s, n, ""));
	EXPECT_EQ(0, mp_read_array(&r, &count));
	EXPECT_EQ(8, count);
	EXPECT_EQ(0, mp_read_nil(&r));
	EXPECT_EQ(0, mp_read_bool(&r, &b));
	EXPECT_TRUE(b);
	EXPECT_EQ(0, mp_peek(&r, &t));
	EXPECT_EQ(MP_UINT, t);
	EXPECT_EQ(0, mp_read_uint(&r, &u));
	EXPECT_EQ(300, u);
	EXPECT_EQ(0, mp_peek(&r, &t));
	EXPECT_EQ(MP_INT, t);
	EXPECT_EQ(0, mp_read_int(&r, &i));
	EXPECT_EQ(-5, i);
	EXPECT_EQ(0, mp_peek(&r, &t));
	EXPECT_EQ(MP_FLOAT32, t);
	EXPECT_EQ(0, mp_read_double(&r, &d));
	EXPECT_TRUE(d == 0.25);
	EXPECT_EQ(0, mp_read_double(&r, &d));
	EXPECT_TRUE(d == -2.5);
	EXPECT_EQ(0, mp_read_bin(&r, &p, &n));
	EXPECT_EQ(2, n);
	EXPECT_TRUE(memcmp(p, "ab", 2) == 0);
	EXPECT_EQ(0, mp_read_ext(&r, &et, &p, &n));
	EXPECT_EQ(3, et);
	EXPECT_EQ(4, n);
	EXPECT_TRUE(memcmp(p, ext, 4) == 0);
	EXPECT_EQ(0, mp_reader_left(&r));
	EXPECT_EQ(ST_ETRUNC, mp_read_nil(&r));
	mp_writer_deinit(&w);
}

TEST(msgpack_accepts_any_int_marker_whose_value_fits)
{
	static const uint8_t pos_in_signed[] = { 0xd3, 0, 0, 0, 0, 0, 0, 0, 0x2a };
	static const uint8_t u32_as_u64[] = { 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x07 };
	static const uint8_t neg8[] = { 0xd0, 0xfe };
	static const uint8_t too_big[] = { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	mp_reader r;
	uint64_t u;
	int64_t i;
	mp_type t;

	mp_reader_init(&r, pos_in_signed, sizeof(pos_in_signed));
	EXPECT_EQ(0, mp_peek(&r, &t));
	EXPECT_EQ(MP_UINT, t);
	EXPECT_EQ(0, mp_read_uint(&r, &u));
	EXPECT_EQ(42, u);
	mp_reader_init(&r, u32_as_u64, sizeof(u32_as_u64));
	EXPECT_EQ(0, mp_read_int(&r, &i));
	EXPECT_EQ(7, i);
	mp_reader_init(&r, neg8, sizeof(neg8));
	EXPECT_EQ(ST_EMALFORMED, mp_read_uint(&r, &u));
	EXPECT_STR("expected unsigned integer, found negative integer", r.msg);
	EXPECT_EQ(0, r.pos);
	EXPECT_EQ(0, mp_read_int(&r, &i));
	EXPECT_EQ(-2, i);
	mp_reader_init(&r, too_big, sizeof(too_big));
	EXPECT_EQ(ST_EMALFORMED, mp_read_int(&r, &i));
	EXPECT_STR("integer out of range", r.msg);
	EXPECT_EQ(0, mp_read_uint(&r, &u));
	EXPECT_U64(UINT64_MAX, u);
}

TEST(msgpack_type_mismatch_is_malformed_and_does_not_move)
{
	static const uint8_t in[] = { 0x81, 0xa1, 'a', 0x01 };
	const char *s;
	size_t n;
	mp_reader r;
	st_err err;

	mp_reader_init(&r, in, sizeof(in));
	EXPECT_EQ(ST_EMALFORMED, mp_read_str(&r, &s, &n));
	EXPECT_STR("expected str, found map", r.msg);
	EXPECT_EQ(0, r.pos);
	EXPECT_EQ(ST_EMALFORMED, mp_reader_error(&r, ST_EMALFORMED, &err));
	EXPECT_STR("msgpack: expected str, found map", err.msg);
	EXPECT_EQ(0, err.offset);
	EXPECT_EQ(0, mp_skip(&r));
	EXPECT_EQ(4, r.pos);
}

TEST(msgpack_rejects_truncated_map)
{
	static const uint8_t in[] = { 0xde, 0x00 }; /* map16 header, length cut short */
	mp_reader r;
	uint32_t n;

	mp_reader_init(&r, in, sizeof(in));
	EXPECT_EQ(ST_ETRUNC, mp_read_map(&r, &n));
	EXPECT_EQ(0, r.pos);
}

TEST(msgpack_rejects_counts_larger_than_the_input)
{
	static const uint8_t arr[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t map[] = { 0x82, 0x01, 0x02, 0x03 }; /* 2 pairs need 4 bytes */
	static const uint8_t str[] = { 0xdb, 0x00, 0x00, 0x01, 0x00, 'a' };
	mp_reader r;
	uint32_t n;
	const char *s;
	size_t len;

	mp_reader_init(&r, arr, sizeof(arr));
	EXPECT_EQ(ST_ETRUNC, mp_read_array(&r, &n));
	mp_reader_init(&r, map, sizeof(map));
	EXPECT_EQ(ST_ETRUNC, mp_read_map(&r, &n));
	mp_reader_init(&r, str, sizeof(str));
	EXPECT_EQ(ST_ETRUNC, mp_read_str(&r, &s, &len));
}

TEST(msgpack_every_prefix_of_a_value_is_truncated)
{
	mp_writer w;

	mp_writer_init_default(&w, 4096);
	mp_write_map(&w, 2);
	mp_write_cstr(&w, "a long enough key to need str8 encoding");
	mp_write_array(&w, 3);
	mp_write_uint(&w, 1u << 20);
	mp_write_double(&w, 3.0);
	mp_write_ext(&w, 1, "abc", 3);
	mp_write_cstr(&w, "b");
	mp_write_bin(&w, "xyz", 3);
	EXPECT_EQ(0, mp_writer_status(&w));
	for (size_t cut = 0; cut < w.n; cut++) {
		mp_reader r;

		mp_reader_init(&r, w.p, cut);
		EXPECT_EQ(ST_ETRUNC, mp_skip(&r));
		EXPECT_EQ(0, r.pos);
	}
	{
		mp_reader r;

		mp_reader_init(&r, w.p, w.n);
		EXPECT_EQ(0, mp_skip(&r));
		EXPECT_EQ(w.n, r.pos);
	}
	mp_writer_deinit(&w);
}

TEST(msgpack_rejects_the_never_used_marker)
{
	static const uint8_t in[] = { 0x91, 0xc1 };
	mp_reader r;
	mp_type t;

	mp_reader_init(&r, in + 1, 1);
	EXPECT_EQ(ST_EMALFORMED, mp_peek(&r, &t));
	mp_reader_init(&r, in, sizeof(in));
	EXPECT_EQ(ST_EMALFORMED, mp_skip(&r));
	EXPECT_EQ(1, r.err_pos);
	EXPECT_EQ(0, r.pos);
}

TEST(msgpack_skip_caps_nesting_depth)
{
	uint8_t in[MP_MAX_DEPTH + 2];
	mp_reader r;

	/* MP_MAX_DEPTH nested one-element arrays around a nil: accepted. */
	memset(in, 0x91, sizeof(in));
	in[MP_MAX_DEPTH] = 0xc0;
	mp_reader_init(&r, in, MP_MAX_DEPTH + 1);
	EXPECT_EQ(0, mp_skip(&r));
	EXPECT_EQ(MP_MAX_DEPTH + 1, r.pos);
	/* One more level: refused, even though the innermost is empty. */
	memset(in, 0x91, sizeof(in));
	in[MP_MAX_DEPTH] = 0x90;
	in[MP_MAX_DEPTH + 1] = 0xc0;
	mp_reader_init(&r, in, MP_MAX_DEPTH + 1);
	EXPECT_EQ(ST_EMALFORMED, mp_skip(&r));
	EXPECT_STR("nesting deeper than 128 levels", r.msg);
	EXPECT_EQ(0, r.pos);
}

TEST(msgpack_skip_walks_wide_containers)
{
	mp_writer w;
	mp_reader r;

	mp_writer_init_default(&w, 1 << 20);
	mp_write_array(&w, 100000);
	for (int k = 0; k < 100000; k++)
		mp_write_map(&w, 0);
	mp_write_nil(&w);
	EXPECT_EQ(0, mp_writer_status(&w));
	mp_reader_init(&r, w.p, w.n);
	EXPECT_EQ(0, mp_skip(&r));
	EXPECT_EQ(1, mp_reader_left(&r));
	mp_writer_deinit(&w);
}

TEST(msgpack_writer_stops_at_max_and_keeps_the_error)
{
	mp_writer w;

	mp_writer_init_default(&w, 4);
	EXPECT_EQ(0, mp_write_str(&w, "abc", 3));
	EXPECT_EQ(ST_ETOOBIG, mp_write_str(&w, "d", 1));
	EXPECT_EQ(4, w.n); /* the failed write appended nothing */
	EXPECT_EQ(ST_ETOOBIG, mp_write_nil(&w));
	EXPECT_EQ(4, w.n);
	EXPECT_EQ(ST_ETOOBIG, mp_writer_status(&w));
	mp_writer_reset(&w);
	EXPECT_EQ(0, mp_writer_status(&w));
	EXPECT_EQ(0, mp_write_nil(&w));
	mp_writer_deinit(&w);
}

TEST(msgpack_writer_reports_allocation_failure)
{
	mp_writer w;

	mp_writer_init_default(&w, 1024);
	st_alloc_fail_after(0);
	EXPECT_EQ(ST_ENOMEM, mp_write_nil(&w));
	st_alloc_fail_after(-1);
	EXPECT_EQ(0, w.n);
	EXPECT_EQ(ST_ENOMEM, mp_writer_status(&w));
	mp_writer_deinit(&w);
}

/* A counting hook over st_realloc: proves the writer allocates only through it. */
static void *counting_hook(void *p, size_t n, void *ud)
{
	(*(int *)ud)++;
	return mp_realloc_default(p, n, NULL);
}

TEST(msgpack_writer_allocates_through_its_hook_and_detaches)
{
	static char blob[1000];
	int calls = 0;
	mp_writer w;
	uint8_t *out;
	size_t n;

	mp_writer_init(&w, 1 << 16, counting_hook, &calls);
	mp_write_bin(&w, blob, sizeof(blob));
	EXPECT_EQ(0, mp_writer_status(&w));
	EXPECT_TRUE(calls >= 1);
	out = mp_writer_detach(&w, &n);
	EXPECT_EQ(1003, n);
	EXPECT_TRUE(out != NULL && out[0] == 0xc5);
	EXPECT_EQ(0, w.n);
	EXPECT_TRUE(w.p == NULL);
	st_free(out);
	mp_write_nil(&w);
	calls = 0;
	mp_writer_deinit(&w);
	EXPECT_EQ(1, calls); /* the free */
}

TEST(msgpack_floats_round_trip_bit_exactly)
{
	static const double vals[] = { 0.0, -0.0, 1e308, -1e-308, 3.141592653589793 };
	mp_writer w;

	mp_writer_init_default(&w, 1024);
	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
		mp_write_double(&w, vals[k]);
	mp_write_double(&w, INFINITY);
	{
		mp_reader r;
		double d;

		mp_reader_init(&r, w.p, w.n);
		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			EXPECT_EQ(0, mp_read_double(&r, &d));
			EXPECT_TRUE(memcmp(&d, &vals[k], sizeof(d)) == 0);
		}
		EXPECT_EQ(0, mp_read_double(&r, &d));
		EXPECT_TRUE(isinf(d));
	}
	mp_writer_deinit(&w);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
