/*
 * test_idl_features.c - generated code for the IDL features that
 * interfaces/ does not use (tests/idl/good/features.smithy, generated into
 * the build tree): a union, enum members without values, member names that
 * are C keywords, @wireName outside core, prelude integers, an @unsignedInt
 * byte, Timestamp members in MessagePack and in the middle of a CBOR array,
 * bare Blob / Timestamp / enum operation values, Unit in and out, one
 * operation shared by a MessagePack and a CBOR service.
 */
#include "test.h"

#include "idl_test_rt.h"
#include "wc_features.h"
#include "core/banned.h"

/* Parses hex pairs and 'ascii' runs (spaces ignored) into out; returns the count. */
static size_t spec(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		if (*s == ' ') {
			s++;
		} else if (*s == '\'') {
			for (s++; *s && *s != '\''; s++) {
				if (n < cap)
					out[n++] = (uint8_t)*s;
			}
			if (*s)
				s++;
		} else {
			unsigned v;

			if (sscanf(s, "%2x", &v) != 1)
				abort();
			if (n < cap)
				out[n++] = (uint8_t)v;
			s += 2;
		}
	}
	return n;
}

static bool bytes_match(const uint8_t *p, size_t n, const char *s)
{
	uint8_t b[1024];
	size_t bn = spec(s, b, sizeof(b));

	if (bn == n && (n == 0 || memcmp(b, p, n) == 0))
		return true;
	fprintf(stderr, "    got:");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
	return false;
}

static void answer(int ok, const char *s)
{
	uint8_t b[1024];

	idl_host_reply(ok, b, spec(s, b, sizeof(b)));
}

static bool str_is(wc_str s, const char *want)
{
	return s.n == strlen(want) && (s.n == 0 || memcmp(s.p, want, s.n) == 0);
}

TEST(idl_union_encodes_the_member_that_is_set)
{
	wc_features_choice c = { .has_number = true, .number = 42 };
	mp_writer w;
	uint8_t in[64];
	mp_reader r;

	wc_writer_init(&w, 1024);
	EXPECT_EQ(0, wc_features_choice_encode(&w, &c));
	EXPECT_TRUE(bytes_match(w.p, w.n, "81 a6'number' 2a"));
	mp_reader_init(&r, in, spec("81 a4'when' 82 a3'sec' 01 a4'nsec' 02", in, sizeof(in)));
	EXPECT_EQ(0, wc_features_choice_decode(&r, &c));
	EXPECT_TRUE(c.has_when && !c.has_number && !c.has_name && !c.has_tags);
	EXPECT_TRUE(c.when.sec == 1 && c.when.nsec == 2);
}

TEST(idl_keywords_wire_names_and_integers)
{
	wc_features_everything e = {
		.default_ = WCG_STR("d"),
		.has_int_ = true,
		.int_ = -1,
		.short_value = -300,
		.octet = 255,
		.color = WCG_STR(WC_FEATURES_COLOR_RED),
		.updated = { 7, 8 },
		.label = WCG_STR("l"),
	};
	mp_writer w;

	wc_writer_init(&w, 1024);
	EXPECT_EQ(0, wc_features_everything_encode(&w, &e));
	EXPECT_TRUE(
		bytes_match(w.p, w.n,
	                    "87 a7'default' a1'd' a3'int' ff ab'short_value' d1 fe d4 a5'octet' "
	                    "cc ff a5'color' a3'RED' a7'updated' 82 a3'sec' 07 a4'nsec' 08 "
	                    "a5'label' a1'l'"));
}

TEST(idl_cbor_timestamps_inline_in_the_middle)
{
	wc_features_everything e = { 0 }, d;
	mp_writer w;
	wcg_cbor_reader r;

	wc_writer_init(&w, 1024);
	EXPECT_EQ(0, wc_features_everything_cbor_encode(&w, &e));
	EXPECT_TRUE(bytes_match(w.p, w.n, "8e 60 f6 00 f6 00 f6 f6 60 f6 00 00 f6 60 f6"));
	e.has_created = true;
	e.created = (wc_timestamp){ -1, 1 };
	e.has_flag = true;
	e.flag = true;
	wc_writer_init(&w, 1024);
	EXPECT_EQ(0, wc_features_everything_cbor_encode(&w, &e));
	EXPECT_TRUE(bytes_match(w.p, w.n, "8f 60 f6 00 f6 00 f6 20 01 60 f6 00 00 f6 60 f5"));
	wcg_cbor_reader_init(&r, w.p, w.n);
	EXPECT_EQ(0, wc_features_everything_cbor_decode(&r, &d));
	EXPECT_EQ(w.n, r.pos);
	EXPECT_TRUE(d.has_created && d.created.sec == -1 && d.created.nsec == 1);
	EXPECT_TRUE(d.has_flag && d.flag && !d.has_blobs);
}

TEST(idl_bare_blob_timestamp_and_enum_values)
{
	wc_timestamp ts = { 0 };
	wc_features_color color;
	wc_str err = { 0 };

	answer(1, "82 a3'sec' 05 a4'nsec' 06");
	EXPECT_EQ(0, wc_features_put_blob("l1", WCG_BYTES("ab"), &ts, &err));
	EXPECT_TRUE(ts.sec == 5 && ts.nsec == 6);
	EXPECT_STR("l1", idl_calls[0].binding);
	EXPECT_STR("stratus:features", idl_calls[0].ns);
	EXPECT_STR("Features.PutBlob", idl_calls[0].op);
	EXPECT_TRUE(bytes_match(idl_calls[0].msg, idl_calls[0].len, "c4 02'ab'"));
	answer(1, "a5'green'");
	EXPECT_EQ(0, wc_features_stamp(NULL, &ts, &color, &err));
	EXPECT_TRUE(str_is(color, WC_FEATURES_COLOR_GREEN));
	EXPECT_TRUE(bytes_match(idl_calls[1].msg, idl_calls[1].len, "82 a3'sec' 05 a4'nsec' 06"));
	answer(1, "");
	EXPECT_EQ(0, wc_features_nothing(NULL, &err));
	EXPECT_STR("Features.Nothing", idl_calls[2].op);
	EXPECT_EQ(0, idl_calls[2].len);
}

static int nothing(wc_str *err)
{
	(void)err;
	return 0;
}

static int record(const wc_features_everything *in, wc_features_records *out, wc_str *err)
{
	(void)err;
	out->n = 1;
	out->items = wc_alloc(sizeof(*out->items));
	out->items[0] = *in;
	return 0;
}

TEST(idl_shared_operation_serves_under_the_service_name)
{
	wc_features_features_cbor_handlers h = { .record = record, .nothing = nothing };
	uint8_t req[128];
	size_t n = spec("7f 8e 61'x' f6 00 f6 00 f6 f6 60 f6 00 00 f6 60 f6", req, sizeof(req));
	wc_bytes resp;
	wc_str err;

	EXPECT_EQ(0, wc_features_features_cbor_dispatch(&h, "FeaturesCbor.Nothing", NULL, 0, &resp,
	                                                &err));
	EXPECT_EQ(0, resp.n);
	EXPECT_STR("FeaturesCbor.Nothing", WC_FEATURES_FEATURES_CBOR_NOTHING_NAME);
	EXPECT_STR("Features.Nothing", WC_FEATURES_NOTHING_NAME);
	EXPECT_EQ(0, wc_features_features_cbor_dispatch(&h, "FeaturesCbor.Record", req, n, &resp,
	                                                &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n,
	                        "7f 81 8e 61'x' f6 00 f6 00 f6 f6 60 f6 00 00 f6 60 f6"));
	EXPECT_EQ(ST_ENOTFOUND,
	          wc_features_features_cbor_dispatch(&h, "Features.Nothing", NULL, 0, &resp, &err));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
