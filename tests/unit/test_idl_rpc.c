/*
 * test_idl_rpc.c - the generated sender stubs and receivers (sdk/c/gen):
 * stubs are run against the recording wc_host_call of tests/idl/
 * idl_test_rt.c (binding, namespace, operation and payload bytes checked,
 * a canned answer decoded; host errors, decode errors, unit inputs and
 * outputs, bare values, the CBOR blobstore with 1.3 sniffing, actor-to-
 * actor Pingpong), receivers with fake handlers through <op>_serve and the
 * per-service dispatch (unknown operations, handler failures, decode
 * errors).
 */
#include "test.h"

#include "idl_test_rt.h"
#include "wc_actor.h"
#include "wc_blobstore.h"
#include "wc_httpserver.h"
#include "wc_keyvalue.h"
#include "wc_logging.h"
#include "wc_messaging.h"
#include "wc_numbergen.h"
#include "wc_pingpong.h"
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

/* Sets the canned host answer to the bytes of a spec. */
static void answer(int ok, const char *s)
{
	uint8_t b[1024];

	idl_host_reply(ok, b, spec(s, b, sizeof(b)));
}

static bool bytes_match(const uint8_t *p, size_t n, const char *s)
{
	uint8_t b[1024];
	size_t bn = spec(s, b, sizeof(b));

	return bn == n && (n == 0 || memcmp(b, p, n) == 0);
}

static bool str_is(wc_str s, const char *want)
{
	return s.n == strlen(want) && (s.n == 0 || memcmp(s.p, want, s.n) == 0);
}

/* Expects call i to have these arguments and payload. */
#define EXPECT_CALL(i, bd, nsp, opn, payload)                                          \
	do {                                                                           \
		EXPECT_TRUE(idl_ncalls > (i));                                         \
		EXPECT_STR(bd, idl_calls[i].binding);                                  \
		EXPECT_STR(nsp, idl_calls[i].ns);                                      \
		EXPECT_STR(opn, idl_calls[i].op);                                      \
		EXPECT_TRUE(bytes_match(idl_calls[i].msg, idl_calls[i].len, payload)); \
	} while (0)

TEST(idl_stub_sends_increment_and_decodes_the_answer)
{
	wc_keyvalue_increment_request in = { .key = WCG_STR("counter::foo:bar"), .value = 1 };
	int32_t out = 0;
	wc_str err = { 0 };

	answer(1, "2a");
	EXPECT_EQ(0, wc_keyvalue_increment(NULL, &in, &out, &err));
	EXPECT_EQ(42, out);
	EXPECT_CALL(0, "default", "wasmcloud:keyvalue", "KeyValue.Increment",
	            "82 a3'key' b0'counter::foo:bar' a5'value' 01");
	answer(1, "d0 9c"); /* -100 */
	EXPECT_EQ(0, wc_keyvalue_increment("redis", &in, &out, NULL));
	EXPECT_EQ(-100, out);
	EXPECT_STR("redis", idl_calls[1].binding);
}

TEST(idl_stub_reports_host_errors_verbatim)
{
	wc_str err = { 0 };
	bool out;

	idl_host_reply(0, "redis error: nope", 17);
	EXPECT_EQ(ST_EIO, wc_keyvalue_contains(NULL, WCG_STR("k"), &out, &err));
	EXPECT_TRUE(str_is(err, "redis error: nope"));
	EXPECT_CALL(0, "default", "wasmcloud:keyvalue", "KeyValue.Contains", "a1'k'");
}

TEST(idl_stub_reports_decode_errors)
{
	wc_keyvalue_get_response out;
	wc_str err = { 0 };
	int rc;

	answer(1, "81 a6'exists' a1'x'");
	rc = wc_keyvalue_get(NULL, WCG_STR("key"), &out, &err);
	EXPECT_EQ(ST_EMALFORMED, rc);
	EXPECT_TRUE(err.n > 0 &&
	            strstr(err.p, "KeyValue.Get: cannot decode the response: ") == err.p);
	answer(1, "");
	EXPECT_EQ(ST_ETRUNC, wc_keyvalue_get(NULL, WCG_STR("key"), &out, &err));
}

TEST(idl_stub_bare_values_and_units)
{
	wc_str names[2] = { WCG_STR("a"), WCG_STR("b") };
	wc_model_string_list in = { names, 2 }, out;
	wc_keyvalue_set_request set = { WCG_STR("k"), WCG_STR("v"), 60 };
	wc_logging_log_entry e = { WCG_STR("warn"), WCG_STR("x") };
	uint32_t r32;
	wc_str guid;
	wc_numbergen_range_limit lim = { 0, 100 };

	answer(1, "91 a1'a'");
	EXPECT_EQ(0, wc_keyvalue_set_union(NULL, &in, &out, NULL));
	EXPECT_CALL(0, "default", "wasmcloud:keyvalue", "KeyValue.SetUnion", "92 a1'a' a1'b'");
	EXPECT_EQ(1, out.n);
	EXPECT_TRUE(str_is(out.items[0], "a"));
	/* Unit output: whatever comes back is ignored. */
	answer(1, "");
	EXPECT_EQ(0, wc_keyvalue_set(NULL, &set, NULL));
	EXPECT_CALL(1, "default", "wasmcloud:keyvalue", "KeyValue.Set",
	            "83 a3'key' a1'k' a5'value' a1'v' a7'expires' 3c");
	EXPECT_EQ(0, wc_logging_write_log(NULL, &e, NULL));
	EXPECT_CALL(2, "default", "wasmcloud:builtin:logging", "Logging.WriteLog",
	            "82 a5'level' a4'warn' a4'text' a1'x'");
	/* Unit input: a zero-length payload. */
	answer(1, "ce b2 d0 5e 00");
	EXPECT_EQ(0, wc_numbergen_random32(NULL, &r32, NULL));
	EXPECT_U64(3000000000u, r32);
	EXPECT_CALL(3, "default", "wasmcloud:builtin:numbergen", "NumberGen.Random32", "");
	answer(1, "d9 24'0f8e4a52-5a5e-4c57-9d3e-2f6b1a0c9e11'");
	EXPECT_EQ(0, wc_numbergen_generate_guid(NULL, &guid, NULL));
	EXPECT_EQ(36, guid.n);
	answer(1, "35");
	EXPECT_EQ(0, wc_numbergen_random_in_range(NULL, &lim, &r32, NULL));
	EXPECT_EQ(53, r32);
	EXPECT_CALL(5, "default", "wasmcloud:builtin:numbergen", "NumberGen.RandomInRange",
	            "82 a3'min' 00 a3'max' 64");
}

TEST(idl_stub_calls_another_actor_by_alias)
{
	wc_str out;

	answer(1, "a4'pong'");
	EXPECT_EQ(0, wc_pingpong_ping("ponger", &out, NULL));
	EXPECT_TRUE(str_is(out, "pong"));
	EXPECT_CALL(0, "", "ponger", "Pingpong.Ping", "");
}

TEST(idl_stub_blobstore_speaks_cbor_with_prefix)
{
	wc_blobstore_container_object co = { WCG_STR("c"), WCG_STR("o") };
	wc_blobstore_object_metadata md;
	wc_blobstore_containers_info list;
	bool exists = false;
	wc_str err = { 0 };

	answer(1, "7f f5");
	EXPECT_EQ(0, wc_blobstore_container_exists(NULL, WCG_STR("c"), &exists, &err));
	EXPECT_TRUE(exists);
	EXPECT_CALL(0, "default", "wasmcloud:blobstore", "Blobstore.ContainerExists", "7f 61'c'");
	/* A one-byte answer is MessagePack (1.3 sniffing). */
	answer(1, "c2");
	EXPECT_EQ(0, wc_blobstore_object_exists(NULL, &co, &exists, &err));
	EXPECT_TRUE(!exists);
	EXPECT_CALL(1, "default", "wasmcloud:blobstore", "Blobstore.ObjectExists",
	            "7f 82 61'c' 61'o'");
	answer(1, "7f 87 61'o' 61'c' 19 01 00 0a 14 f6 f6");
	EXPECT_EQ(0, wc_blobstore_get_object_info(NULL, &co, &md, &err));
	EXPECT_EQ(256, md.content_length);
	EXPECT_TRUE(md.has_last_modified && md.last_modified.sec == 10 &&
	            md.last_modified.nsec == 20);
	EXPECT_TRUE(!md.has_content_type && !md.has_content_encoding);
	/* Unit input: no prefix, zero bytes. */
	answer(1, "7f 81 82 61'c' f6");
	EXPECT_EQ(0, wc_blobstore_list_containers(NULL, &list, &err));
	EXPECT_EQ(1, list.n);
	EXPECT_CALL(3, "default", "wasmcloud:blobstore", "Blobstore.ListContainers", "");
	/* Unit output. */
	answer(1, "");
	EXPECT_EQ(0, wc_blobstore_create_container(NULL, WCG_STR("new"), &err));
	EXPECT_CALL(4, "default", "wasmcloud:blobstore", "Blobstore.CreateContainer", "7f 63'new'");
	/* 0x00-0x7e first in a longer payload is invalid. */
	answer(1, "01 02");
	EXPECT_EQ(ST_EMALFORMED, wc_blobstore_container_exists(NULL, WCG_STR("c"), &exists, &err));
	EXPECT_TRUE(strstr(err.p, "neither CBOR nor MessagePack") != NULL);
}

/* ---- Receivers ---------------------------------------------------------------- */

static int echo_path(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                     wc_str *err)
{
	(void)err;
	out->status_code = 200;
	out->body = (wc_bytes){ (const uint8_t *)in->path.p, in->path.n };
	return 0;
}

static int refuse(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	(void)in;
	(void)out;
	*err = WCG_STR("no thanks");
	return -1;
}

static int refuse_silently(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                           wc_str *err)
{
	(void)in;
	(void)out;
	(void)err;
	return 1;
}

#define REQ "85 a6'method' a3'GET' a4'path' a2'/x' ab'queryString' a0 a6'header' 80 a4'body' c4 00"

TEST(idl_receiver_serves_http_request)
{
	uint8_t req[256];
	size_t n = spec(REQ, req, sizeof(req));
	wc_httpserver_handlers h = { .handle_request = echo_path };
	wc_bytes resp;
	wc_str err;

	EXPECT_EQ(0, wc_httpserver_dispatch(&h, "HttpServer.HandleRequest", req, n, &resp, &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n,
	                        "83 aa'statusCode' cc c8 a6'header' 80 a4'body' c4 02'/x'"));
	EXPECT_EQ(0, wc_httpserver_handle_request_serve(echo_path, req, n, &resp, &err));
	EXPECT_EQ(31, resp.n);
}

TEST(idl_receiver_reports_failures)
{
	uint8_t req[256];
	size_t n = spec(REQ, req, sizeof(req));
	uint8_t bad[64];
	size_t bn = spec("81 a6'method' a3'GET'", bad, sizeof(bad));
	wc_httpserver_handlers h = { .handle_request = refuse };
	wc_httpserver_handlers none = { 0 };
	wc_bytes resp;
	wc_str err;

	EXPECT_EQ(-1, wc_httpserver_dispatch(&h, "HttpServer.HandleRequest", req, n, &resp, &err));
	EXPECT_TRUE(str_is(err, "no thanks"));
	EXPECT_EQ(ST_EINVAL,
	          wc_httpserver_handle_request_serve(refuse_silently, req, n, &resp, &err));
	EXPECT_TRUE(str_is(err, "HttpServer.HandleRequest: handler failed"));
	EXPECT_EQ(ST_EMALFORMED,
	          wc_httpserver_dispatch(&h, "HttpServer.HandleRequest", bad, bn, &resp, &err));
	EXPECT_TRUE(str_is(err,
	                   "HttpServer.HandleRequest: cannot decode the request: missing field "
	                   "`header`"));
	EXPECT_EQ(ST_ENOTFOUND,
	          wc_httpserver_dispatch(&h, "HttpServer.Other", req, n, &resp, &err));
	EXPECT_TRUE(str_is(err, "No handler registered for function \"HttpServer.Other\""));
	EXPECT_EQ(ST_ENOTFOUND,
	          wc_httpserver_dispatch(&none, "HttpServer.HandleRequest", req, n, &resp, &err));
	EXPECT_EQ(0, resp.n);
}

static int healthy(const wc_actor_health_check_request *in, wc_actor_health_check_response *out,
                   wc_str *err)
{
	(void)in;
	(void)err;
	out->healthy = true;
	return 0;
}

static int pong(wc_str *out, wc_str *err)
{
	(void)err;
	*out = WCG_STR("pong");
	return 0;
}

static int got_subject_len;

static int on_message(const wc_messaging_sub_message *in, wc_str *err)
{
	(void)err;
	got_subject_len = (int)in->subject.n;
	return 0;
}

TEST(idl_receivers_health_ping_and_unit_output)
{
	uint8_t req[64];
	size_t n = spec("80", req, sizeof(req));
	wc_actor_handlers ah = { .health_request = healthy };
	wc_pingpong_handlers ph = { .ping = pong };
	wc_messaging_message_subscriber_handlers mh = { .handle_message = on_message };
	wc_bytes resp;
	wc_str err;

	EXPECT_EQ(0, wc_actor_dispatch(&ah, "Actor.HealthRequest", req, n, &resp, &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n, "81 a7'healthy' c3"));
	/* A zero-length HealthRequest is rejected (Rust actors do the same). */
	EXPECT_EQ(ST_ETRUNC, wc_actor_dispatch(&ah, "Actor.HealthRequest", req, 0, &resp, &err));
	EXPECT_EQ(0, wc_pingpong_dispatch(&ph, "Pingpong.Ping", NULL, 0, &resp, &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n, "a4'pong'"));
	n = spec("82 a7'subject' a3'a.b' a4'body' c4 00", req, sizeof(req));
	EXPECT_EQ(0, wc_messaging_message_subscriber_dispatch(
			     &mh, "MessageSubscriber.HandleMessage", req, n, &resp, &err));
	EXPECT_EQ(3, got_subject_len);
	EXPECT_EQ(0, resp.n);
}

static int cancel_big(const wc_blobstore_chunk *in, wc_blobstore_chunk_response *out, wc_str *err)
{
	(void)err;
	if (in->offset > 1000) {
		out->has_cancel_download = true;
		out->cancel_download = true;
	}
	return 0;
}

TEST(idl_receiver_chunk_is_cbor_and_sniffs_msgpack)
{
	uint8_t req[128];
	size_t n = spec("7f 85 61'o' 61'c' 42 01 02 19 10 00 f4", req, sizeof(req));
	wc_blobstore_chunk_receiver_handlers h = { .receive_chunk = cancel_big };
	wc_bytes resp;
	wc_str err;

	EXPECT_EQ(0, wc_blobstore_chunk_receiver_dispatch(&h, "ChunkReceiver.ReceiveChunk", req, n,
	                                                  &resp, &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n, "7f 81 f5"));
	/* The same chunk as MessagePack (no prefix) is accepted too. */
	n = spec("85 a8'objectId' a1'o' ab'containerId' a1'c' a5'bytes' c4 00 a6'offset' 01 "
	         "a6'isLast' c3",
	         req, sizeof(req));
	EXPECT_EQ(0, wc_blobstore_receive_chunk_serve(cancel_big, req, n, &resp, &err));
	EXPECT_TRUE(bytes_match(resp.p, resp.n, "7f 81 f6"));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
