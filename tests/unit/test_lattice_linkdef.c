/*
 * test_lattice_linkdef.c - link definitions (src/lattice/linkdef.h): the
 * link id rule (lattice.md §7.1), the 207-byte msgpack of §0 Step 4, the
 * OTP host's shape, and the control-interface JSON.
 */
#include "test.h"

#include "core/mem.h"
#include "lattice/linkdef.h"
#include "core/banned.h"

#define MODULE_PUB "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define SERVICE_PUB "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define STEP4_ID "4CA72BB447CFC5A3C47CAEDE053177C4814C3A9E7248C997A0FE80DA8943AC53"

static void step4(linkdef *ld)
{
	linkdef_init(ld);
	linkdef_set(ld, MODULE_PUB, SERVICE_PUB, "default", "wasmcloud:httpserver");
	linkdef_add_value(ld, "PORT", "8080");
}

TEST(linkdef_id_follows_the_spec_rule)
{
	char id[LINKDEF_ID_LEN + 1];
	linkdef ld;

	linkdef_compute_id("Mbob", "wasmcloud:testy", "default", id);
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", id);
	step4(&ld);
	EXPECT_STR(STEP4_ID, ld.id);
	linkdef_deinit(&ld);
}

TEST(linkdef_step4_encodes_to_207_bytes)
{
	static const uint8_t want[] =
		"\x85\xa8"
		"actor_id\xd9\x38" MODULE_PUB "\xab"
		"provider_id\xd9\x38" SERVICE_PUB "\xa9link_name\xa7"
		"default\xab"
		"contract_id\xb4wasmcloud:httpserver\xa6values\x81\xa4PORT\xa4"
		"8080";
	linkdef ld;
	mp_writer w;

	step4(&ld);
	mp_writer_init_default(&w, 4096);
	EXPECT_EQ(0, linkdef_encode(&ld, &w, false, NULL));
	EXPECT_EQ(207, w.n);
	EXPECT_EQ(sizeof(want) - 1, w.n);
	EXPECT_TRUE(memcmp(w.p, want, sizeof(want) - 1) == 0);

	mp_writer_reset(&w);
	EXPECT_EQ(0, linkdef_encode(&ld, &w, true, NULL));
	EXPECT_EQ(207 + 3 + 2 + 64, w.n);
	EXPECT_TRUE(memcmp(w.p, "\x86\xa2id\xd9\x40" STEP4_ID, 6 + 64) == 0);
	mp_writer_deinit(&w);
	linkdef_deinit(&ld);
}

TEST(linkdef_decodes_back_and_computes_a_missing_id)
{
	linkdef ld, back;
	mp_writer w;
	st_err err;

	step4(&ld);
	mp_writer_init_default(&w, 4096);
	EXPECT_EQ(0, linkdef_encode(&ld, &w, false, NULL));
	linkdef_init(&back);
	EXPECT_EQ(0, linkdef_decode(&back, w.p, w.n, &err));
	EXPECT_STR(STEP4_ID, back.id);
	EXPECT_STR(MODULE_PUB, back.actor_id);
	EXPECT_STR(SERVICE_PUB, back.provider_id);
	EXPECT_STR("default", back.link_name);
	EXPECT_STR("wasmcloud:httpserver", back.contract_id);
	EXPECT_EQ(1, back.nvalues);
	EXPECT_STR("8080", linkdef_get_value(&back, "PORT"));
	EXPECT_TRUE(linkdef_get_value(&back, "HOST") == NULL);
	linkdef_deinit(&back);
	mp_writer_deinit(&w);
	linkdef_deinit(&ld);
}

TEST(linkdef_decodes_the_otp_shape)
{
	linkdef ld;
	mp_writer w;

	/* Sorted keys, an id of our choosing, an unknown key, a nil string. */
	mp_writer_init_default(&w, 4096);
	mp_write_map(&w, 7);
	mp_write_cstr(&w, "actor_id");
	mp_write_cstr(&w, "Mbob");
	mp_write_cstr(&w, "contract_id");
	mp_write_cstr(&w, "wasmcloud:testy");
	mp_write_cstr(&w, "extra");
	mp_write_array(&w, 1);
	mp_write_nil(&w);
	mp_write_cstr(&w, "id");
	mp_write_cstr(&w, "GIVEN");
	mp_write_cstr(&w, "link_name");
	mp_write_cstr(&w, "default");
	mp_write_cstr(&w, "provider_id");
	mp_write_nil(&w);
	mp_write_cstr(&w, "values");
	mp_write_map(&w, 2);
	mp_write_cstr(&w, "A");
	mp_write_cstr(&w, "1");
	mp_write_cstr(&w, "A");
	mp_write_cstr(&w, "2"); /* a repeated key: the later value wins */
	linkdef_init(&ld);
	EXPECT_EQ(0, linkdef_decode(&ld, w.p, w.n, NULL));
	EXPECT_STR("GIVEN", ld.id);
	EXPECT_STR("", ld.provider_id);
	EXPECT_EQ(1, ld.nvalues);
	EXPECT_STR("2", linkdef_get_value(&ld, "A"));
	linkdef_deinit(&ld);
	mp_writer_deinit(&w);
}

TEST(linkdef_decode_rejects_non_string_settings)
{
	static const uint8_t int_value[] = "\x81\xa6values\x81\xa1k\x01";
	static const uint8_t int_key[] = "\x81\xa6values\x81\x01\xa1v";
	static const uint8_t not_map[] = "\x92\x01\x02";
	linkdef ld;
	st_err err;

	linkdef_init(&ld);
	EXPECT_EQ(ST_EMALFORMED, linkdef_decode(&ld, int_value, sizeof(int_value) - 1, &err));
	EXPECT_TRUE(ld.actor_id == NULL && ld.values == NULL);
	EXPECT_EQ(ST_EMALFORMED, linkdef_decode(&ld, int_key, sizeof(int_key) - 1, &err));
	EXPECT_EQ(ST_EMALFORMED, linkdef_decode(&ld, not_map, sizeof(not_map) - 1, &err));
	EXPECT_EQ(ST_ETRUNC, linkdef_decode(&ld, not_map, 0, &err));
	linkdef_deinit(&ld);
}

TEST(linkdef_decode_survives_each_allocation_failing)
{
	linkdef ld, back;
	mp_writer w;
	int rc = ST_ENOMEM;

	step4(&ld);
	linkdef_add_value(&ld, "HOST", "0.0.0.0");
	mp_writer_init_default(&w, 4096);
	EXPECT_EQ(0, linkdef_encode(&ld, &w, true, NULL));
	for (long n = 0; rc == ST_ENOMEM && n < 100; n++) {
		linkdef_init(&back);
		st_alloc_fail_after(n);
		rc = linkdef_decode(&back, w.p, w.n, NULL);
		st_alloc_fail_after(-1);
		EXPECT_TRUE(rc == 0 || rc == ST_ENOMEM);
		linkdef_deinit(&back);
	}
	EXPECT_EQ(0, rc);
	mp_writer_deinit(&w);
	linkdef_deinit(&ld);
}

TEST(linkdef_json_of_get_links)
{
	linkdef ld;
	json_t *j;
	char *text;

	step4(&ld);
	j = linkdef_to_json(&ld);
	text = json_dumps(j, JSON_COMPACT);
	EXPECT_STR("{\"id\":\"" STEP4_ID "\",\"actor_id\":\"" MODULE_PUB
	           "\",\"provider_id\":\"" SERVICE_PUB
	           "\",\"link_name\":\"default\",\"contract_id\":\"wasmcloud:httpserver\","
	           "\"values\":{\"PORT\":\"8080\"}}",
	           text);
	free(text);
	json_decref(j);
	linkdef_deinit(&ld);

	/* values is present even when empty. */
	linkdef_init(&ld);
	linkdef_set(&ld, "M", "V", "default", "c");
	j = linkdef_to_json(&ld);
	EXPECT_TRUE(json_is_object(json_object_get(j, "values")));
	EXPECT_EQ(0, json_object_size(json_object_get(j, "values")));
	json_decref(j);
	linkdef_deinit(&ld);
}

/* Parses JSON text with linkdef_from_json. */
static int from_text(linkdef *ld, const char *text, unsigned flags, st_err *err)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;

	if (!j)
		abort();
	rc = linkdef_from_json(ld, j, flags, err);
	json_decref(j);
	return rc;
}

TEST(linkdef_reads_a_linkdefs_put_request)
{
	linkdef ld;
	st_err err;

	linkdef_init(&ld);
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"actor_id\":\"" MODULE_PUB "\",\"provider_id\":\"" SERVICE_PUB
	                       "\",\"link_name\":\"default\",\"contract_id\":"
	                       "\"wasmcloud:httpserver\",\"values\":{\"PORT\":\"8080\"}}",
	                       0, &err));
	EXPECT_STR(STEP4_ID, ld.id);
	EXPECT_STR("8080", linkdef_get_value(&ld, "PORT"));

	/* values optional; null allowed. */
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"actor_id\":\"M\",\"provider_id\":\"V\",\"link_name\":\"l\","
	                       "\"contract_id\":\"c\",\"values\":null}",
	                       0, &err));
	EXPECT_EQ(0, ld.nvalues);

	EXPECT_EQ(ST_EMALFORMED,
	          from_text(&ld,
	                    "{\"provider_id\":\"V\",\"link_name\":\"l\",\"contract_id\":\"c\"}", 0,
	                    &err));
	EXPECT_STR("link definition: \"actor_id\" must be a string", err.msg);
	EXPECT_TRUE(ld.actor_id == NULL);
	EXPECT_EQ(ST_EMALFORMED,
	          from_text(&ld,
	                    "{\"actor_id\":\"M\",\"link_name\":\"l\",\"contract_id\":\"c\","
	                    "\"provider_id\":null}",
	                    0, &err));
	EXPECT_EQ(ST_EMALFORMED,
	          from_text(&ld,
	                    "{\"actor_id\":\"M\",\"provider_id\":\"V\",\"link_name\":\"l\","
	                    "\"contract_id\":\"c\",\"values\":{\"n\":1}}",
	                    0, &err));
	EXPECT_STR("link definition: \"values\": value of \"n\" must be a string", err.msg);

	/* A linkdefs.del request names no provider. */
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"actor_id\":\"Mbob\",\"contract_id\":\"wasmcloud:testy\","
	                       "\"link_name\":\"default\"}",
	                       LINKDEF_JSON_NO_PROVIDER, &err));
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", ld.id);
	EXPECT_STR("", ld.provider_id);
	/* ... and its provider_id, values and id are not read. */
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"actor_id\":\"Mbob\",\"contract_id\":\"wasmcloud:testy\","
	                       "\"link_name\":\"default\",\"provider_id\":7,\"values\":[],"
	                       "\"id\":\"X\"}",
	                       LINKDEF_JSON_NO_PROVIDER | LINKDEF_JSON_NEW_ID, &err));
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", ld.id);
	EXPECT_STR("", ld.provider_id);
	EXPECT_EQ(0, ld.nvalues);
	linkdef_deinit(&ld);
}

TEST(linkdef_json_id_and_link_name_rules)
{
	linkdef ld;
	st_err err;

	linkdef_init(&ld);
	/* A stored id is kept; an empty one is computed; one too long is refused. */
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"id\":\"GIVEN\",\"actor_id\":\"Mbob\",\"provider_id\":\"V\","
	                       "\"link_name\":\"default\",\"contract_id\":\"wasmcloud:testy\"}",
	                       0, &err));
	EXPECT_STR("GIVEN", ld.id);
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"id\":\"\",\"actor_id\":\"Mbob\",\"provider_id\":\"V\","
	                       "\"link_name\":\"default\",\"contract_id\":\"wasmcloud:testy\"}",
	                       0, &err));
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", ld.id);
	EXPECT_EQ(ST_EMALFORMED,
	          from_text(&ld,
	                    "{\"id\":\"" STEP4_ID "0\",\"actor_id\":\"M\",\"provider_id\":"
	                    "\"V\",\"link_name\":\"l\",\"contract_id\":\"c\"}",
	                    0, &err));
	EXPECT_TRUE(ld.id == NULL);
	/* A cache value may leave link_name out; a request may not. */
	EXPECT_EQ(0, from_text(&ld,
	                       "{\"actor_id\":\"Mbob\",\"provider_id\":\"V\","
	                       "\"contract_id\":\"wasmcloud:testy\"}",
	                       LINKDEF_JSON_DEFAULT_NAME, &err));
	EXPECT_STR("default", ld.link_name);
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", ld.id);
	EXPECT_EQ(ST_EMALFORMED, from_text(&ld,
	                                   "{\"actor_id\":\"Mbob\",\"provider_id\":\"V\","
	                                   "\"contract_id\":\"wasmcloud:testy\"}",
	                                   0, &err));
	EXPECT_STR("link definition: \"link_name\" must be a string", err.msg);
	linkdef_deinit(&ld);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
