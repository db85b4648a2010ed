/*
 * fuzz_msgpack.c - libFuzzer target for the msgpack codec and the lattice
 * envelope parsers: the input is skipped with mp_skip and walked value by
 * value with the typed reads, converted to JSON, and decoded as an
 * Invocation, an InvocationResponse and a LinkDefinition. Whatever decodes
 * must re-encode, and the re-encoding must decode to the same fields. Any
 * error code is an expected outcome; only a sanitizer report, a crash, a
 * leak or a broken round trip is a finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_mp.h"
#include "codec/msgpack.h"
#include "lattice/invocation.h"
#include "lattice/linkdef.h"

#include "core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

/* Walks one value with the typed reads (depth-first, nesting bounded like mp_skip). */
static int walk(mp_reader *r, int depth)
{
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
	int rc;

	rc = mp_peek(r, &t);
	if (rc < 0)
		return rc;
	if (depth >= MP_MAX_DEPTH && (t == MP_ARRAY || t == MP_MAP))
		return ST_EMALFORMED;
	switch (t) {
	case MP_NIL:
		return mp_read_nil(r);
	case MP_BOOL:
		return mp_read_bool(r, &b);
	case MP_UINT:
		return mp_read_uint(r, &u);
	case MP_INT:
		return mp_read_int(r, &i);
	case MP_FLOAT32:
	case MP_FLOAT64:
		return mp_read_double(r, &d);
	case MP_STR:
		return mp_read_str(r, &s, &n);
	case MP_BIN:
		return mp_read_bin(r, &p, &n);
	case MP_EXT:
		return mp_read_ext(r, &et, &p, &n);
	case MP_ARRAY:
	case MP_MAP:
		rc = t == MP_ARRAY ? mp_read_array(r, &count) : mp_read_map(r, &count);
		for (uint64_t k = 0; rc == 0 && k < (t == MP_MAP ? 2 * (uint64_t)count : count);
		     k++)
			rc = walk(r, depth + 1);
		return rc;
	}
	return ST_EMALFORMED;
}

static bool str_same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool slice_same(st_slice a, st_slice b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static void invocation_round_trip(const inv_invocation *inv)
{
	inv_invocation back;
	mp_writer w;

	mp_writer_init_default(&w, SIZE_MAX / 2);
	check(inv_invocation_encode(inv, &w, NULL) == 0);
	inv_invocation_init(&back);
	check(inv_invocation_decode(&back, w.p, w.n, NULL) == 0);
	check(str_same(inv->origin.public_key, back.origin.public_key));
	check(str_same(inv->origin.link_name, back.origin.link_name));
	check(str_same(inv->target.contract_id, back.target.contract_id));
	check(str_same(inv->operation, back.operation));
	check(str_same(inv->id, back.id));
	check(str_same(inv->encoded_claims, back.encoded_claims));
	check(str_same(inv->host_id, back.host_id));
	check(slice_same(inv->msg, back.msg));
	check(inv->has_content_length == back.has_content_length);
	check(inv->content_length == back.content_length);
	check(inv->ntrace == back.ntrace);
	for (size_t k = 0; k < inv->ntrace; k++)
		check(str_same(inv->trace[k].key, back.trace[k].key) &&
		      str_same(inv->trace[k].value, back.trace[k].value));
	inv_invocation_deinit(&back);
	mp_writer_deinit(&w);
}

static void response_round_trip(const inv_response *r)
{
	inv_response back;
	mp_writer w;

	mp_writer_init_default(&w, SIZE_MAX / 2);
	check(inv_response_encode(r, &w, NULL) == 0);
	inv_response_init(&back);
	check(inv_response_decode(&back, w.p, w.n, NULL) == 0);
	check(slice_same(r->msg, back.msg));
	check(str_same(r->invocation_id, back.invocation_id));
	check((r->error == NULL) == (back.error == NULL) && str_same(r->error, back.error));
	check((r->instance_id == NULL) == (back.instance_id == NULL));
	check(r->content_length == back.content_length);
	inv_response_deinit(&back);
	mp_writer_deinit(&w);
}

static void linkdef_round_trip(const linkdef *ld)
{
	linkdef back;
	mp_writer w;
	json_t *j;

	mp_writer_init_default(&w, SIZE_MAX / 2);
	check(linkdef_encode(ld, &w, true, NULL) == 0);
	linkdef_init(&back);
	check(linkdef_decode(&back, w.p, w.n, NULL) == 0);
	check(str_same(ld->id, back.id) && str_same(ld->actor_id, back.actor_id));
	check(back.nvalues == ld->nvalues);
	linkdef_deinit(&back);
	mp_writer_deinit(&w);
	j = linkdef_to_json(ld);
	if (j) {
		linkdef again;

		/* JSON strings cannot hold what jansson refuses (invalid UTF-8). */
		linkdef_init(&again);
		if (linkdef_from_json(&again, j, 0, NULL) == 0)
			check(str_same(again.id, ld->id));
		linkdef_deinit(&again);
		json_decref(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mp_reader r, r2;
	inv_invocation inv;
	inv_response resp;
	linkdef ld;
	json_t *j = NULL;
	int skip_rc, walk_rc;

	/* mp_skip and a full typed walk must agree on success and length. */
	mp_reader_init(&r, data, size);
	skip_rc = mp_skip(&r);
	mp_reader_init(&r2, data, size);
	walk_rc = walk(&r2, 0);
	check((skip_rc == 0) == (walk_rc == 0));
	if (skip_rc == 0)
		check(r.pos == r2.pos && r.pos <= size);
	else
		check(r.pos == 0);

	if (json_mp_to_json(data, size, 0, &j, NULL) == 0) {
		mp_writer w;

		check(skip_rc == 0);
		/* Whatever JSON we print must encode again. */
		mp_writer_init_default(&w, SIZE_MAX / 2);
		check(json_mp_from_json(j, &w, NULL) == 0);
		mp_writer_deinit(&w);
		json_decref(j);
	}

	inv_invocation_init(&inv);
	if (inv_invocation_decode(&inv, data, size, NULL) == 0)
		invocation_round_trip(&inv);
	inv_invocation_deinit(&inv);

	inv_response_init(&resp);
	if (inv_response_decode(&resp, data, size, NULL) == 0)
		response_round_trip(&resp);
	inv_response_deinit(&resp);

	linkdef_init(&ld);
	if (linkdef_decode(&ld, data, size, NULL) == 0)
		linkdef_round_trip(&ld);
	linkdef_deinit(&ld);
	return 0;
}
