/*
 * test_idl_codec.c - the generated codecs (sdk/c/gen) against bytes written
 * by hand from the spec: actor-abi.md §12 (HttpRequest / HttpResponse),
 * interfaces.md §2.7 (HealthCheckResponse), §6 (keyvalue), §10 (LogEntry),
 * §11 (RangeLimit), the MessagePack rules of §1.2 (key order, unknown keys,
 * nil, missing members, smallest integers, str for blobs) and the CBOR
 * rules of §1.3 (blobstore arrays, null, inline Timestamp, map form,
 * indefinite lengths). The doubles of wc_rt.h are tests/idl/idl_test_rt.c.
 */
#include "test.h"

#include "idl_test_rt.h"
#include "wc_actor.h"
#include "wc_blobstore.h"
#include "wc_core.h"
#include "wc_httpserver.h"
#include "wc_keyvalue.h"
#include "wc_logging.h"
#include "wc_messaging.h"
#include "wc_numbergen.h"
#include "wc_sqldb.h"
#include "core/banned.h"

/*
 * Parses a byte spec into out (at most cap bytes): hex pairs, and 'text' for
 * the ASCII bytes of text; spaces are ignored. Returns the byte count.
 */
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

/* Expects w to hold exactly the bytes of the spec text want. */
#define EXPECT_WIRE(want, w)                                          \
	do {                                                          \
		uint8_t b_[1024];                                     \
		size_t n_ = spec(want, b_, sizeof(b_));               \
		EXPECT_EQ(0, mp_writer_status(w));                    \
		EXPECT_EQ(n_, (w)->n);                                \
		if (n_ == (w)->n && memcmp(b_, (w)->p, n_) != 0)      \
			TEST_FAIL_("bytes differ from %s", want);     \
		if (n_ != (w)->n || memcmp(b_, (w)->p, n_) != 0) {    \
			fprintf(stderr, "    got:");                  \
			for (size_t i_ = 0; i_ < (w)->n; i_++)        \
				fprintf(stderr, " %02x", (w)->p[i_]); \
			fprintf(stderr, "\n");                        \
		}                                                     \
	} while (0)

/* A reader over the bytes of a spec (kept in the arena). */
static mp_reader reader_of(const char *s)
{
	uint8_t *b = wc_alloc(4096);
	mp_reader r;

	mp_reader_init(&r, b, spec(s, b, 4096));
	return r;
}

static wcg_cbor_reader cbor_reader_of(const char *s)
{
	uint8_t *b = wc_alloc(4096);
	wcg_cbor_reader r;

	wcg_cbor_reader_init(&r, b, spec(s, b, 4096));
	return r;
}

static bool str_is(wc_str s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static mp_writer writer(void)
{
	mp_writer w;

	wc_writer_init(&w, 1 << 20);
	return w;
}

/* The request of actor-abi.md §12 (71 bytes). */
#define ABI12_REQUEST                                                                   \
	"85 a6'method' a3'GET' a4'path' a8'/foo/bar' ab'queryString' a0 a6'header' 81 " \
	"a6'accept' 91 a3'*/*' a4'body' c4 05'hello'"

TEST(idl_http_request_encodes_as_actor_abi_12)
{
	wc_str accept_v = WCG_STR("*/*");
	wc_str key = WCG_STR("accept");
	wc_model_string_list vals = { &accept_v, 1 };
	wc_httpserver_http_request req = {
		.method = WCG_STR("GET"),
		.path = WCG_STR("/foo/bar"),
		.query_string = WCG_STR(""),
		.header = { &key, &vals, 1 },
		.body = WCG_BYTES("hello"),
	};
	mp_writer w = writer();

	EXPECT_EQ(0, wc_httpserver_http_request_encode(&w, &req));
	EXPECT_EQ(71, w.n);
	EXPECT_WIRE(ABI12_REQUEST, &w);
}

TEST(idl_http_request_decodes_actor_abi_12)
{
	mp_reader r = reader_of(ABI12_REQUEST);
	wc_httpserver_http_request req;

	EXPECT_EQ(0, wc_httpserver_http_request_decode(&r, &req));
	EXPECT_EQ(71, r.pos);
	EXPECT_TRUE(str_is(req.method, "GET"));
	EXPECT_TRUE(str_is(req.path, "/foo/bar"));
	EXPECT_EQ(0, req.query_string.n);
	EXPECT_EQ(1, req.header.n);
	EXPECT_TRUE(str_is(req.header.keys[0], "accept"));
	EXPECT_EQ(1, req.header.values[0].n);
	EXPECT_TRUE(str_is(req.header.values[0].items[0], "*/*"));
	EXPECT_EQ(5, req.body.n);
	EXPECT_TRUE(memcmp(req.body.p, "hello", 5) == 0);
	/* Zero copy: strings point into the input. */
	EXPECT_TRUE((const uint8_t *)req.method.p > r.p &&
	            (const uint8_t *)req.method.p < r.p + r.n);
}

TEST(idl_http_response_encodes_as_actor_abi_12)
{
	static const char body[] =
		"{\"body\":[104,101,108,108,111],\"method\":\"GET\",\"path\":\"/foo/bar\","
		"\"query_string\":\"\"}";
	wc_httpserver_http_response resp = { .status_code = 200 };
	mp_writer w = writer();
	char want[512];

	EXPECT_EQ(81, strlen(body));
	resp.body = (wc_bytes){ (const uint8_t *)body, strlen(body) };
	EXPECT_EQ(0, wc_httpserver_http_response_encode(&w, &resp));
	snprintf(want, sizeof(want), "83 aa'statusCode' cc c8 a6'header' 80 a4'body' c4 51'%s'",
	         body);
	EXPECT_EQ(110, w.n);
	EXPECT_WIRE(want, &w);
}

TEST(idl_http_response_decodes_keys_in_any_order)
{
	/* wasmbus-rpc 0.3 code sends the keys alphabetically (interfaces.md 1.2). */
	mp_reader r = reader_of("83 a4'body' c4 02'ok' a6'header' 81 a1'a' 92 a1'1' a1'2' "
	                        "aa'statusCode' cd 01 f4");
	wc_httpserver_http_response resp;

	EXPECT_EQ(0, wc_httpserver_http_response_decode(&r, &resp));
	EXPECT_EQ(500, resp.status_code);
	EXPECT_EQ(1, resp.header.n);
	EXPECT_EQ(2, resp.header.values[0].n);
	EXPECT_TRUE(str_is(resp.header.values[0].items[1], "2"));
	EXPECT_EQ(2, resp.body.n);
}

TEST(idl_decoder_ignores_unknown_keys_of_any_type)
{
	mp_reader r = reader_of("85 a5'extra' 82 01 02 03 04 a5'value' a1'v' 07 c3 a6'exists' c3 "
	                        "a4'more' 93 c0 c2 80");
	wc_keyvalue_get_response g;

	EXPECT_EQ(0, wc_keyvalue_get_response_decode(&r, &g));
	EXPECT_EQ(r.n, r.pos);
	EXPECT_TRUE(str_is(g.value, "v"));
	EXPECT_TRUE(g.exists);
}

TEST(idl_missing_required_list_is_an_error_and_scalars_default)
{
	mp_reader r = reader_of("82 a6'method' a3'GET' a4'body' c4 00");
	mp_reader r2 = reader_of("81 a6'header' 80");
	wc_httpserver_http_request req;

	EXPECT_EQ(ST_EMALFORMED, wc_httpserver_http_request_decode(&r, &req));
	EXPECT_STR("missing field `header`", r.msg);
	/* Only header given: the strings and the body default to empty. */
	EXPECT_EQ(0, wc_httpserver_http_request_decode(&r2, &req));
	EXPECT_EQ(0, req.method.n);
	EXPECT_EQ(0, req.path.n);
	EXPECT_EQ(0, req.body.n);
	EXPECT_EQ(0, req.header.n);
}

TEST(idl_blob_accepts_str)
{
	mp_reader r = reader_of("83 a7'subject' a1's' a4'body' a5'hello' a7'replyTo' c0");
	wc_messaging_sub_message m;

	EXPECT_EQ(0, wc_messaging_sub_message_decode(&r, &m));
	EXPECT_EQ(5, m.body.n);
	EXPECT_TRUE(memcmp(m.body.p, "hello", 5) == 0);
	EXPECT_TRUE(!m.has_reply_to); /* nil = absent */
}

TEST(idl_absent_optional_members_are_omitted)
{
	wc_messaging_sub_message m = { .subject = WCG_STR("s"), .body = WCG_BYTES("") };
	mp_writer w = writer();

	EXPECT_EQ(0, wc_messaging_sub_message_encode(&w, &m));
	EXPECT_WIRE("82 a7'subject' a1's' a4'body' c4 00", &w);
	m.has_reply_to = true;
	m.reply_to = WCG_STR("r");
	w = writer();
	EXPECT_EQ(0, wc_messaging_sub_message_encode(&w, &m));
	EXPECT_WIRE("83 a7'subject' a1's' a7'replyTo' a1'r' a4'body' c4 00", &w);
}

TEST(idl_health_check_response_is_81_healthy_c3)
{
	wc_actor_health_check_response h = { .healthy = true };
	wc_actor_health_check_request req = { 0 };
	mp_writer w = writer();
	mp_reader r = reader_of("80");

	EXPECT_EQ(0, wc_actor_health_check_response_encode(&w, &h));
	EXPECT_WIRE("81 a7 6865616c746879 c3", &w);
	EXPECT_EQ(10, w.n);
	h.has_message = true;
	h.message = WCG_STR("ok");
	w = writer();
	EXPECT_EQ(0, wc_actor_health_check_response_encode(&w, &h));
	EXPECT_WIRE("82 a7'healthy' c3 a7'message' a2'ok'", &w);
	w = writer();
	EXPECT_EQ(0, wc_actor_health_check_request_encode(&w, &req));
	EXPECT_WIRE("80", &w);
	EXPECT_EQ(0, wc_actor_health_check_request_decode(&r, &req));
	r = reader_of("");
	EXPECT_EQ(ST_ETRUNC, wc_actor_health_check_request_decode(&r, &req));
}

TEST(idl_range_limit_bytes)
{
	wc_numbergen_range_limit l = { .min = 1, .max = 100 };
	mp_writer w = writer();
	mp_reader r = reader_of("82 a3'min' 00 a3'max' 64");

	EXPECT_EQ(0, wc_numbergen_range_limit_encode(&w, &l));
	EXPECT_WIRE("82 a3 6d696e 01 a3 6d6178 64", &w);
	EXPECT_EQ(0, wc_numbergen_range_limit_decode(&r, &l));
	EXPECT_EQ(0, l.min);
	EXPECT_EQ(100, l.max);
}

TEST(idl_log_entry_bytes)
{
	wc_logging_log_entry e = { .level = WCG_STR("info"), .text = WCG_STR("hello") };
	mp_writer w = writer();
	mp_reader r = reader_of("82 a5'level' a5'debug' a4'text' a8'a debug!'");

	EXPECT_EQ(0, wc_logging_log_entry_encode(&w, &e));
	EXPECT_WIRE("82 a5 6c6576656c a4 696e666f a4 74657874 a5 68656c6c6f", &w);
	EXPECT_EQ(0, wc_logging_log_entry_decode(&r, &e));
	EXPECT_TRUE(str_is(e.level, "debug"));
	EXPECT_TRUE(str_is(e.text, "a debug!"));
}

TEST(idl_keyvalue_request_bytes)
{
	wc_keyvalue_increment_request inc = { .key = WCG_STR("counter::foo:bar"), .value = 1 };
	wc_keyvalue_set_request set = { .key = WCG_STR("a"), .value = WCG_STR("b"), .expires = 0 };
	wc_keyvalue_list_range_request lr = { .list_name = WCG_STR("l"),
		                              .start = -200,
		                              .stop = 70000 };
	wc_keyvalue_list_add_request la = { .list_name = WCG_STR("l"), .value = WCG_STR("x") };
	wc_keyvalue_set_del_request sd = { .set_name = WCG_STR("s"), .value = WCG_STR("y") };
	mp_writer w = writer();

	/* The kvcounter example of interfaces.md 6. */
	EXPECT_EQ(0, wc_keyvalue_increment_request_encode(&w, &inc));
	EXPECT_WIRE("82 a3'key' b0'counter::foo:bar' a5'value' 01", &w);
	w = writer();
	EXPECT_EQ(0, wc_keyvalue_set_request_encode(&w, &set));
	EXPECT_WIRE("83 a3'key' a1'a' a5'value' a1'b' a7'expires' 00", &w);
	/* Smallest integer forms (1.2): -200 -> d1 ff 38, 70000 -> ce 00 01 11 70. */
	w = writer();
	EXPECT_EQ(0, wc_keyvalue_list_range_request_encode(&w, &lr));
	EXPECT_WIRE("83 a8'listName' a1'l' a5'start' d1 ff 38 a4'stop' ce 00 01 11 70", &w);
	lr.start = 200;
	lr.stop = -1;
	w = writer();
	EXPECT_EQ(0, wc_keyvalue_list_range_request_encode(&w, &lr));
	EXPECT_WIRE("83 a8'listName' a1'l' a5'start' cc c8 a4'stop' ff", &w);
	w = writer();
	EXPECT_EQ(0, wc_keyvalue_list_add_request_encode(&w, &la));
	EXPECT_WIRE("82 a8'listName' a1'l' a5'value' a1'x'", &w);
	w = writer();
	EXPECT_EQ(0, wc_keyvalue_set_del_request_encode(&w, &sd));
	EXPECT_WIRE("82 a7'setName' a1's' a5'value' a1'y'", &w);
}

TEST(idl_integers_accept_any_marker_that_fits)
{
	mp_reader r = reader_of("82 a3'key' a0 a5'value' d3 ff ff ff ff ff ff ff fe");
	mp_reader big = reader_of("82 a3'key' a0 a5'value' ce 80 00 00 00");
	mp_reader st = reader_of("83 aa'statusCode' ce 00 01 11 70 a6'header' 80 a4'body' c4 00");
	mp_reader neg = reader_of("82 a3'min' ff a3'max' 01");
	wc_keyvalue_increment_request inc;
	wc_httpserver_http_response resp;
	wc_numbergen_range_limit l;

	EXPECT_EQ(0, wc_keyvalue_increment_request_decode(&r, &inc));
	EXPECT_EQ(-2, inc.value);
	EXPECT_EQ(ST_EMALFORMED, wc_keyvalue_increment_request_decode(&big, &inc));
	EXPECT_STR("integer out of range", big.msg);
	EXPECT_EQ(ST_EMALFORMED, wc_httpserver_http_response_decode(&st, &resp));
	EXPECT_EQ(ST_EMALFORMED, wc_numbergen_range_limit_decode(&neg, &l));
}

TEST(idl_decoders_fail_cleanly_on_every_truncation)
{
	uint8_t b[128];
	size_t n = spec(ABI12_REQUEST, b, sizeof(b));

	for (size_t k = 0; k < n; k++) {
		mp_reader r;
		wc_httpserver_http_request req;
		int rc;

		mp_reader_init(&r, b, k);
		rc = wc_httpserver_http_request_decode(&r, &req);
		EXPECT_TRUE(rc == ST_ETRUNC || rc == ST_EMALFORMED);
	}
}

TEST(idl_enum_keeps_unknown_values)
{
	mp_reader r = reader_of("82 a4'code' a7'strange' a7'message' a1'm'");
	wc_sqldb_sql_db_error e;
	mp_writer w = writer();

	EXPECT_EQ(0, wc_sqldb_sql_db_error_decode(&r, &e));
	EXPECT_TRUE(str_is(e.code, "strange"));
	e.code = WCG_STR(WC_SQLDB_SQL_DB_ERROR_CODE_NOT_FOUND);
	EXPECT_EQ(0, wc_sqldb_sql_db_error_encode(&w, &e));
	EXPECT_WIRE("82 a4'code' a8'notFound' a7'message' a1'm'", &w);
}

TEST(idl_core_types_use_snake_case_wire_names)
{
	wc_core_wasm_cloud_entity e = { WCG_STR("M"), WCG_STR(""), WCG_STR("") };
	mp_reader r = reader_of("84 a3'msg' a2'hi' ad'invocation_id' a1'i' ab'instance_id' a1'x' "
	                        "ae'content_length' 02");
	wc_core_invocation_response ir;
	mp_writer w = writer();

	EXPECT_EQ(0, wc_core_wasm_cloud_entity_encode(&w, &e));
	EXPECT_WIRE("83 aa'public_key' a1'M' a9'link_name' a0 ab'contract_id' a0", &w);
	/* The OTP host's reply: msg as str (lattice.md 4.3). */
	EXPECT_EQ(0, wc_core_invocation_response_decode(&r, &ir));
	EXPECT_EQ(2, ir.msg.n);
	EXPECT_TRUE(str_is(ir.invocation_id, "i"));
	EXPECT_TRUE(!ir.has_error);
	EXPECT_TRUE(ir.has_content_length && ir.content_length == 2);
	EXPECT_TRUE(ir.has_instance_id);
}

TEST(idl_statement_blob_list_and_missing_optional_list)
{
	wc_bytes params[2] = { WCG_BYTES("\x01"), WCG_BYTES("\x61\x61") };
	wc_sqldb_statement st = {
		.has_parameters = true,
		.parameters = { params, 2 },
		.sql = WCG_STR("select 1"),
	};
	mp_writer w = writer();
	mp_reader r = reader_of("81 a3'sql' a1'x'");

	EXPECT_EQ(0, wc_sqldb_statement_encode(&w, &st));
	EXPECT_WIRE("82 aa'parameters' 92 c4 01 01 c4 02 61 61 a3'sql' a8'select 1'", &w);
	/* An absent optional list is not an error. */
	EXPECT_EQ(0, wc_sqldb_statement_decode(&r, &st));
	EXPECT_TRUE(!st.has_parameters && !st.has_database);
}

/* ---- CBOR (blobstore, interfaces.md 1.3) ---------------------------------- */

TEST(idl_cbor_chunk_is_an_array_in_n_order)
{
	wc_blobstore_chunk c = {
		.object_id = WCG_STR("o"),
		.container_id = WCG_STR("c"),
		.bytes = WCG_BYTES("\x01\x02"),
		.offset = 5,
		.is_last = true,
	};
	mp_writer w = writer();
	wcg_cbor_reader r = cbor_reader_of("85 61 6f 61 63 42 01 02 05 f5");
	wc_blobstore_chunk d;

	EXPECT_EQ(0, wc_blobstore_chunk_cbor_encode(&w, &c));
	EXPECT_WIRE("85 61 6f 61 63 42 01 02 05 f5", &w);
	EXPECT_EQ(0, wc_blobstore_chunk_cbor_decode(&r, &d));
	EXPECT_EQ(r.n, r.pos);
	EXPECT_TRUE(str_is(d.object_id, "o") && str_is(d.container_id, "c"));
	EXPECT_EQ(2, d.bytes.n);
	EXPECT_EQ(5, d.offset);
	EXPECT_TRUE(d.is_last);
	/* Big offsets take the 8-byte argument. */
	c.offset = 1ull << 33;
	w = writer();
	EXPECT_EQ(0, wc_blobstore_chunk_cbor_encode(&w, &c));
	EXPECT_WIRE("85 61 6f 61 63 42 01 02 1b 00 00 00 02 00 00 00 00 f5", &w);
}

TEST(idl_cbor_absent_optional_is_null_and_timestamp_is_inline)
{
	wc_blobstore_container_metadata m = { .container_id = WCG_STR("c") };
	wc_blobstore_get_object_request g = { .object_id = WCG_STR("o"),
		                              .container_id = WCG_STR("c"),
		                              .has_range_end = true,
		                              .range_end = 100 };
	wc_blobstore_chunk_response cr = { 0 };
	mp_writer w = writer();
	wcg_cbor_reader r;

	EXPECT_EQ(0, wc_blobstore_container_metadata_cbor_encode(&w, &m));
	EXPECT_WIRE("82 61 63 f6", &w);
	m.has_created_at = true;
	m.created_at = (wc_timestamp){ -5, 20 };
	w = writer();
	EXPECT_EQ(0, wc_blobstore_container_metadata_cbor_encode(&w, &m));
	EXPECT_WIRE("83 61 63 24 14", &w);
	r = cbor_reader_of("83 61 63 24 14");
	EXPECT_EQ(0, wc_blobstore_container_metadata_cbor_decode(&r, &m));
	EXPECT_TRUE(m.has_created_at && m.created_at.sec == -5 && m.created_at.nsec == 20);
	r = cbor_reader_of("82 61 63 f6");
	EXPECT_EQ(0, wc_blobstore_container_metadata_cbor_decode(&r, &m));
	EXPECT_TRUE(!m.has_created_at);
	w = writer();
	EXPECT_EQ(0, wc_blobstore_get_object_request_cbor_encode(&w, &g));
	EXPECT_WIRE("84 61 6f 61 63 f6 18 64", &w);
	w = writer();
	EXPECT_EQ(0, wc_blobstore_chunk_response_cbor_encode(&w, &cr));
	EXPECT_WIRE("81 f6", &w);
	cr.has_cancel_download = true;
	cr.cancel_download = true;
	w = writer();
	EXPECT_EQ(0, wc_blobstore_chunk_response_cbor_encode(&w, &cr));
	EXPECT_WIRE("81 f5", &w);
}

TEST(idl_cbor_accepts_map_form_short_arrays_and_indefinite_lengths)
{
	wcg_cbor_reader r = cbor_reader_of("a3 68'objectId' 61'o' 65'extra' 9f 01 02 ff "
	                                   "6b'containerId' 61'c'");
	wcg_cbor_reader shortr = cbor_reader_of("81 61'c'");
	wcg_cbor_reader indef = cbor_reader_of("9f 61'o' 61'c' ff");
	wcg_cbor_reader list = cbor_reader_of("9f 82 61'a' f5 82 61'b' f4 ff");
	wcg_cbor_reader missing = cbor_reader_of("81 61'c'");
	wc_blobstore_container_object co;
	wc_blobstore_container_metadata cm;
	wc_blobstore_multi_result mr;
	wc_blobstore_remove_objects_request ro;

	EXPECT_EQ(0, wc_blobstore_container_object_cbor_decode(&r, &co));
	EXPECT_EQ(r.n, r.pos);
	EXPECT_TRUE(str_is(co.object_id, "o") && str_is(co.container_id, "c"));
	/* Trailing optional slots may be missing. */
	EXPECT_EQ(0, wc_blobstore_container_metadata_cbor_decode(&shortr, &cm));
	EXPECT_TRUE(str_is(cm.container_id, "c") && !cm.has_created_at);
	EXPECT_EQ(0, wc_blobstore_container_object_cbor_decode(&indef, &co));
	EXPECT_EQ(indef.n, indef.pos);
	EXPECT_EQ(0, wc_blobstore_multi_result_cbor_decode(&list, &mr));
	EXPECT_EQ(list.n, list.pos);
	EXPECT_EQ(2, mr.n);
	EXPECT_TRUE(str_is(mr.items[1].key, "b") && !mr.items[1].success);
	/* A missing required list is an error. */
	EXPECT_EQ(ST_EMALFORMED, wc_blobstore_remove_objects_request_cbor_decode(&missing, &ro));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
