/*
 * test_codec_json_mp.c - JSON <-> MessagePack as `wash call` does it
 * (src/codec/json_mp.h): sorted keys, smallest ints, f64 reals, and the
 * printing of results (bin as byte arrays, ext, non-string keys, invalid
 * UTF-8, nil).
 */
#include "test.h"

#include "codec/json_mp.h"
#include "core/banned.h"

/* Encodes JSON text and expects exactly n bytes of want. */
static void expect_mp(const char *json, const char *want, size_t n)
{
	mp_writer w;
	st_err err;
	int rc;

	mp_writer_init_default(&w, 1 << 16);
	rc = json_mp_from_text(json, strlen(json), &w, &err);
	EXPECT_EQ(0, rc);
	if (rc != 0)
		fprintf(stderr, "  %s: %s\n", json, err.msg);
	EXPECT_EQ(n, w.n);
	if (w.n == n && memcmp(w.p, want, n) != 0)
		TEST_FAIL_("bytes of %s differ", json);
	mp_writer_deinit(&w);
}

/* Converts n bytes of msgpack with flags and expects compact JSON text want. */
static void expect_json(const char *mp, size_t n, unsigned flags, const char *want)
{
	json_t *j = NULL;
	char *text;
	st_err err;
	int rc;

	rc = json_mp_to_json((const uint8_t *)mp, n, flags, &j, &err);
	EXPECT_EQ(0, rc);
	if (rc != 0) {
		fprintf(stderr, "  %s\n", err.msg);
		return;
	}
	text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	EXPECT_STR(want, text);
	free(text);
	json_decref(j);
}

TEST(json_mp_empty_object_is_80)
{
	expect_mp("{}", "\x80", 1);
	expect_mp(" { } ", "\x80", 1);
}

TEST(json_mp_sorts_object_keys_bytewise)
{
	/* "B" < "a" < "aa" < "\xc3\xa9" (é), as Rust's String order. */
	expect_mp("{\"\xc3\xa9\":4,\"aa\":3,\"a\":2,\"B\":1}",
	          "\x84\xa1"
	          "B\x01\xa1"
	          "a\x02\xa2"
	          "aa\x03\xa2\xc3\xa9\x04",
	          15);
	expect_mp("{\"b\":{\"z\":null,\"y\":false},\"a\":[true,\"x\"]}",
	          "\x82\xa1"
	          "a\x92\xc3\xa1x\xa1"
	          "b\x82\xa1y\xc2\xa1z\xc0",
	          16);
}

TEST(json_mp_numbers_take_the_smallest_int_or_f64)
{
	expect_mp("[0,127,128,-1,-33,-200,300,70000]",
	          "\x98\x00\x7f\xcc\x80\xff\xd0\xdf\xd1\xff\x38\xcd\x01\x2c\xce\x00\x01\x11\x70",
	          19);
	expect_mp("9007199254740993", "\xcf\x00\x20\x00\x00\x00\x00\x00\x01", 9);
	expect_mp("1.5", "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", 9);
	expect_mp("2.0", "\xcb\x40\x00\x00\x00\x00\x00\x00\x00", 9);
}

TEST(json_mp_accepts_any_top_level_value)
{
	expect_mp("\"hi\"", "\xa2hi", 3);
	expect_mp("null", "\xc0", 1);
	expect_mp("true", "\xc3", 1);
	expect_mp("\"a\\u0000b\"",
	          "\xa3"
	          "a\0b",
	          4);
}

TEST(json_mp_reports_json_syntax_errors)
{
	mp_writer w;
	st_err err;

	mp_writer_init_default(&w, 1024);
	EXPECT_EQ(ST_EMALFORMED, json_mp_from_text("{\"a\":", 5, &w, &err));
	EXPECT_TRUE(strncmp(err.msg, "JSON: ", 6) == 0);
	EXPECT_EQ(ST_EMALFORMED, json_mp_from_text("", 0, &w, &err));
	mp_writer_deinit(&w);
}

TEST(json_mp_caps_nesting_depth)
{
	char deep[2 * (MP_MAX_DEPTH + 2) + 1];
	mp_writer w;
	st_err err;
	size_t n = MP_MAX_DEPTH;

	/* MP_MAX_DEPTH nested arrays are accepted, one more is not. */
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	mp_writer_init_default(&w, 4096);
	EXPECT_EQ(0, json_mp_from_text(deep, 2 * n, &w, &err));
	mp_writer_reset(&w);
	n++;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	EXPECT_EQ(ST_EINVAL, json_mp_from_text(deep, 2 * n, &w, &err));
	mp_writer_deinit(&w);
}

TEST(json_mp_reports_the_writer_limit)
{
	mp_writer w;
	st_err err;

	mp_writer_init_default(&w, 4);
	EXPECT_EQ(ST_ETOOBIG, json_mp_from_text("\"hello\"", 7, &w, &err));
	mp_writer_deinit(&w);
}

TEST(json_mp_prints_a_health_response)
{
	expect_json("\x81\xa7healthy\xc3", 10, 0, "{\"healthy\":true}");
}

TEST(json_mp_prints_bin_like_wash_bin_modes)
{
	static const char bin[] = "\xc4\x03"
				  "abc";

	expect_json(bin, 5, 0, "[97,98,99]");
	expect_json(bin, 5, JSON_MP_BIN_STR, "\"abc\"");
	expect_json(bin, 5, JSON_MP_BIN_BOTH, "{\"str\":\"abc\",\"bin\":[97,98,99]}");
}

TEST(json_mp_prints_scalars_ext_and_nil)
{
	expect_json("\xc0", 1, 0, "null");
	expect_json("\xc0", 1, JSON_MP_NIL_FALSE, "false");
	expect_json("\xd4\x05\x01", 3, 0, "{\"type\":5,\"data\":[1]}");
	expect_json("\xd1\xff\x38", 3, 0, "-200");
	expect_json("\xcf\x7f\xff\xff\xff\xff\xff\xff\xff", 9, 0, "9223372036854775807");
	expect_json("\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, 0, "1.8446744073709552e19");
	expect_json("\xca\x3f\xc0\x00\x00", 5, 0, "1.5");
	expect_json("\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9, 0, "null"); /* NaN */
	expect_json("\x92\x01\xa1x", 4, 0, "[1,\"x\"]");
}

TEST(json_mp_renders_non_string_keys_as_strings)
{
	expect_json("\x84\x01\xa1"
	            "a\xc0\x02\xc3\x03\x91\x04\x05",
	            11, 0, "{\"1\":\"a\",\"null\":2,\"true\":3,\"[4]\":5}");
}

TEST(json_mp_caps_the_text_of_non_string_keys)
{
	/*
	 * {{{...{"\"": 1}: 1}...}: 1}: each level escapes the inner key text
	 * again, doubling its backslashes (a fuzzer found this OOM). The cap
	 * ends it after a few levels instead of an exponential blow-up.
	 */
	uint8_t in[3 * 40 + 4];
	size_t o = 0;
	json_t *j = NULL;
	st_err err;

	for (int k = 0; k < 40; k++)
		in[o++] = 0x81; /* a map whose key is the next map */
	in[o++] = 0xa1;
	in[o++] = '"';
	for (int k = 0; k < 40; k++)
		in[o++] = 0x01; /* each map's value */
	EXPECT_EQ(ST_EMALFORMED, json_mp_to_json(in, o, 0, &j, &err));
	EXPECT_STR("msgpack: a map key renders to more than 256 bytes of JSON", err.msg);
	EXPECT_TRUE(j == NULL);
	/* A small container key is fine. */
	expect_json("\x81\x81\xa1k\x01\x02", 6, 0, "{\"{\\\"k\\\":1}\":2}");
}

TEST(json_mp_replaces_invalid_utf8)
{
	/*
	 * A lone 0xff, a truncated 3-byte sequence, and a surrogate (ed a0 80),
	 * each maximal invalid subsequence becoming one U+FFFD (ef bf bd).
	 */
	expect_json("\xa3"
	            "a\xff"
	            "b",
	            4, 0,
	            "\"a\xef\xbf\xbd"
	            "b\"");
	expect_json("\xa3\xe2\x82z", 4, 0, "\"\xef\xbf\xbdz\"");
	expect_json("\xa3\xed\xa0\x80", 4, 0, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	expect_json("\xa2\xc3\xa9", 3, 0, "\"\xc3\xa9\"");
}

TEST(json_mp_ignores_trailing_bytes_and_reports_truncation)
{
	json_t *j = NULL;
	st_err err;

	expect_json("\x01\x02", 2, 0, "1");
	EXPECT_EQ(ST_ETRUNC, json_mp_to_json((const uint8_t *)"\x92\x01", 2, 0, &j, &err));
	EXPECT_TRUE(j == NULL);
	EXPECT_TRUE(strncmp(err.msg, "msgpack: ", 9) == 0);
	EXPECT_EQ(ST_EMALFORMED, json_mp_to_json((const uint8_t *)"\xc1", 1, 0, &j, &err));
	EXPECT_EQ(ST_ETRUNC, json_mp_to_json(NULL, 0, 0, &j, &err));
}

TEST(json_mp_round_trips_json)
{
	static const char *docs[] = {
		"{\"a\":[1,-2,3.25,\"x\",null,true,false],\"b\":{\"c\":{}},\"d\":[]}",
		"[{\"k\":\"v\"},[[[]]],\"\xe2\x82\xac\"]",
	};

	for (size_t k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
		json_t *in = json_loads(docs[k], 0, NULL), *out = NULL;
		mp_writer w;

		mp_writer_init_default(&w, 4096);
		EXPECT_EQ(0, json_mp_from_json(in, &w, NULL));
		EXPECT_EQ(0, json_mp_to_json(w.p, w.n, 0, &out, NULL));
		EXPECT_TRUE(out && json_equal(in, out));
		json_decref(in);
		json_decref(out);
		mp_writer_deinit(&w);
	}
}

TEST(json_mp_to_json_caps_nesting_depth)
{
	uint8_t in[MP_MAX_DEPTH + 3];
	json_t *j = NULL;

	/* As mp_skip: MP_MAX_DEPTH nested arrays, even an empty one more is refused. */
	memset(in, 0x91, sizeof(in));
	in[MP_MAX_DEPTH] = 0xc0;
	EXPECT_EQ(0, json_mp_to_json(in, MP_MAX_DEPTH + 1, 0, &j, NULL));
	json_decref(j);
	in[MP_MAX_DEPTH] = 0x90;
	EXPECT_EQ(ST_EMALFORMED, json_mp_to_json(in, MP_MAX_DEPTH + 1, 0, &j, NULL));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
