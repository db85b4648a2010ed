/*
 * idl_interop.c - the C half of ctest idl.interop_node (see run.sh): for
 * every sample that samples.mjs encoded with Node's @msgpack/msgpack into
 * DIR/<name>.node.mp, decodes it with the generated decoder (sdk/c/gen),
 * checks every field against the values samples.mjs used, and re-encodes
 * the decoded value with the generated encoder into DIR/<name>.c.mp for
 * Node to check. Exit status 1 when any check fails.
 *
 * usage: idl_interop DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idl_test_rt.h"
#include "wc_core.h"
#include "wc_httpserver.h"
#include "wc_keyvalue.h"
#include "wc_latticecontrol.h"
#include "wc_logging.h"
#include "wc_messaging.h"
#include "wc_model.h"
#include "wc_numbergen.h"
#include "wc_sqldb.h"
#include "core/banned.h"

static int failures;
static const char *current;

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "FAIL %s: %s:%d: %s\n", current, __FILE__, __LINE__, #c); \
			failures++;                                                               \
		}                                                                                 \
	} while (0)

static bool str_is(wc_str s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

static bool bytes_are(wc_bytes b, const void *want, size_t n)
{
	return b.n == n && (n == 0 || memcmp(b.p, want, n) == 0);
}

/* Reads DIR/<name>.node.mp into a malloc'd buffer (kept: decoded strings point into it). */
static uint8_t *read_sample(const char *dir, const char *name, size_t *n)
{
	char path[1024];
	FILE *f;
	uint8_t *p = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/%s.node.mp", dir, name);
	f = fopen(path, "rb");
	if (!f || !p) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	*n = fread(p, 1, 1 << 20, f);
	fclose(f);
	return p;
}

static void write_sample(const char *dir, const char *name, const mp_writer *w)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.c.mp", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(w->p, 1, w->n, f) != w->n || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

/*
 * Decodes sample name as a T into v, runs the checks given as the last
 * arguments, re-encodes v and writes it out. The decoder must consume the
 * whole file.
 */
#define ROUND(dir, name, T, v, ...)                                                     \
	do {                                                                            \
		size_t n_;                                                              \
		uint8_t *in_ = read_sample(dir, name, &n_);                             \
		mp_reader r_;                                                           \
		mp_writer w_;                                                           \
		T v;                                                                    \
		int rc_;                                                                \
                                                                                        \
		current = name;                                                         \
		mp_reader_init(&r_, in_, n_);                                           \
		rc_ = T##_decode(&r_, &v);                                              \
		if (rc_ < 0) {                                                          \
			fprintf(stderr, "FAIL %s: decode: %d %s\n", name, rc_, r_.msg); \
			failures++;                                                     \
		} else {                                                                \
			CHECK(r_.pos == n_);                                            \
			__VA_ARGS__;                                                    \
			wc_writer_init(&w_, 1 << 20);                                   \
			CHECK(T##_encode(&w_, &v) == 0);                                \
			write_sample(dir, name, &w_);                                   \
		}                                                                       \
		free(in_);                                                              \
	} while (0)

int main(int argc, char **argv)
{
	const char *dir;
	uint8_t body300[300];

	if (argc != 2) {
		fprintf(stderr, "usage: idl_interop DIR\n");
		return 2;
	}
	dir = argv[1];
	for (int i = 0; i < 300; i++)
		body300[i] = (uint8_t)((i * 7) & 255);

	ROUND(dir, "http_request", wc_httpserver_http_request, v, {
		CHECK(str_is(v.method, "POST"));
		CHECK(str_is(v.path, "/foo/bar"));
		CHECK(str_is(v.query_string, "a=1&b=2"));
		CHECK(v.header.n == 2);
		if (v.header.n == 2) {
			CHECK(str_is(v.header.keys[0], "content-type"));
			CHECK(v.header.values[0].n == 1 &&
			      str_is(v.header.values[0].items[0], "text/plain"));
			CHECK(str_is(v.header.keys[1], "x-multi"));
			CHECK(v.header.values[1].n == 2 &&
			      str_is(v.header.values[1].items[0], "a") &&
			      str_is(v.header.values[1].items[1], "b"));
		}
		CHECK(bytes_are(v.body, "\x00\x01\x02\xff", 4));
	});
	ROUND(dir, "http_response", wc_httpserver_http_response, v, {
		CHECK(v.status_code == 404);
		CHECK(v.header.n == 0);
		CHECK(bytes_are(v.body, body300, sizeof(body300)));
	});
	ROUND(dir, "set_request", wc_keyvalue_set_request, v, {
		CHECK(str_is(v.key, "k"));
		CHECK(str_is(v.value, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"));
		CHECK(v.expires == 70000);
	});
	ROUND(dir, "get_response", wc_keyvalue_get_response, v, {
		CHECK(str_is(v.value, "h\xc3\xa9llo \xe2\x9c\x93"));
		CHECK(v.exists);
	});
	ROUND(dir, "list_range_request", wc_keyvalue_list_range_request, v, {
		CHECK(str_is(v.list_name, "l"));
		CHECK(v.start == -200);
		CHECK(v.stop == 2147483647);
	});
	ROUND(dir, "increment_request", wc_keyvalue_increment_request, v, {
		CHECK(str_is(v.key, "counter::foo:bar"));
		CHECK(v.value == INT32_MIN);
	});
	ROUND(dir, "sub_message", wc_messaging_sub_message, v, {
		CHECK(str_is(v.subject, "a.b"));
		CHECK(v.has_reply_to && str_is(v.reply_to, "_INBOX.x"));
		CHECK(bytes_are(v.body, "hi", 2));
	});
	ROUND(dir, "sub_message_nil", wc_messaging_sub_message, v, {
		CHECK(str_is(v.subject, "s"));
		CHECK(!v.has_reply_to);
		CHECK(bytes_are(v.body, "hi", 2));
	});
	ROUND(dir, "range_limit", wc_numbergen_range_limit, v, {
		CHECK(v.min == 0);
		CHECK(v.max == UINT32_MAX);
	});
	ROUND(dir, "log_entry", wc_logging_log_entry, v, {
		CHECK(str_is(v.level, "info"));
		CHECK(str_is(v.text, "hello"));
	});
	ROUND(dir, "string_list", wc_model_string_list, v, {
		CHECK(v.n == 3);
		if (v.n == 3) {
			CHECK(str_is(v.items[0], "a"));
			CHECK(v.items[1].n == 0);
			CHECK(v.items[2].n == 300 && v.items[2].p[0] == 'c' &&
			      v.items[2].p[299] == 'c');
		}
	});
	ROUND(dir, "invocation", wc_core_invocation, v, {
		CHECK(str_is(v.origin.public_key, "MAAA"));
		CHECK(v.origin.link_name.n == 0 && v.origin.contract_id.n == 0);
		CHECK(str_is(v.target.public_key, "VBBB"));
		CHECK(str_is(v.target.link_name, "default"));
		CHECK(str_is(v.target.contract_id, "wasmcloud:keyvalue"));
		CHECK(str_is(v.operation, "KeyValue.Increment"));
		CHECK(bytes_are(v.msg, "\x82\xa3", 2));
		CHECK(str_is(v.id, "0f8e4a52-5a5e-4c57-9d3e-2f6b1a0c9e11"));
		CHECK(str_is(v.encoded_claims, "eyJ0eXAi"));
		CHECK(str_is(v.host_id, "NCCC"));
		CHECK(v.has_content_length && v.content_length == (1ull << 40) + 3);
		CHECK(v.has_trace_context && v.trace_context.n == 1);
		if (v.trace_context.n == 1)
			CHECK(str_is(v.trace_context.keys[0], "traceparent") &&
			      str_is(v.trace_context.values[0], "00-ab-cd-01"));
	});
	ROUND(dir, "host_inventory", wc_latticecontrol_host_inventory, v, {
		CHECK(str_is(v.host_id, "NHOST"));
		CHECK(v.labels.n == 1 && str_is(v.labels.keys[0], "os") &&
		      str_is(v.labels.values[0], "linux"));
		CHECK(v.actors.n == 1);
		if (v.actors.n == 1) {
			const wc_latticecontrol_actor_description *a = &v.actors.items[0];

			CHECK(str_is(a->id, "MACTOR"));
			CHECK(a->has_image_ref && str_is(a->image_ref, "ref:1"));
			CHECK(!a->has_name);
			CHECK(a->instances.n == 1);
			if (a->instances.n == 1) {
				CHECK(str_is(a->instances.items[0].instance_id, "i1"));
				CHECK(a->instances.items[0].revision == -1);
				CHECK(a->instances.items[0].has_annotations &&
				      a->instances.items[0].annotations.n == 1);
			}
		}
		CHECK(v.providers.n == 1);
		if (v.providers.n == 1) {
			CHECK(str_is(v.providers.items[0].id, "VPROV"));
			CHECK(str_is(v.providers.items[0].link_name, "default"));
			CHECK(v.providers.items[0].revision == 300);
			CHECK(!v.providers.items[0].has_annotations);
		}
	});
	ROUND(dir, "query_result", wc_sqldb_query_result, v, {
		CHECK(v.num_rows == 1);
		CHECK(v.columns.n == 1);
		if (v.columns.n == 1) {
			CHECK(v.columns.items[0].ordinal == 0);
			CHECK(str_is(v.columns.items[0].name, "id"));
			CHECK(str_is(v.columns.items[0].db_type, "int4"));
		}
		CHECK(bytes_are(v.rows, "\x81\x81\x18\x2a", 4));
		CHECK(v.has_error && str_is(v.error.code, WC_SQLDB_SQL_DB_ERROR_CODE_NOT_FOUND));
		CHECK(v.has_error && str_is(v.error.message, "no table"));
	});

	idl_arena_reset();
	if (failures) {
		fprintf(stderr, "idl_interop: %d checks failed\n", failures);
		return 1;
	}
	printf("idl_interop: every Node sample decoded and checked, re-encoded\n");
	return 0;
}
