/*
 * test_lattice_ctl.c - control-interface JSON (src/lattice/ctl.h): every
 * request and reply example of lattice.md §0 and §5 parsed or built and
 * compared structurally with the spec's JSON; malformed requests; subjects.
 */
#include "test.h"

#include <jansson.h>

#include "core/mem.h"
#include "lattice/ctl.h"
#include "core/banned.h"

#define HOST "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"
#define CLUSTER "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J"
#define ACTOR "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define PROVIDER "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define ACCOUNT "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"
#define ECHO "wasmcloud.azurecr.io/echo:0.3.4"
#define LINK_ID "4CA72BB447CFC5A3C47CAEDE053177C4814C3A9E7248C997A0FE80DA8943AC53"

/* Checks that got (taken) equals the JSON text want, printing both if not. */
#define EXPECT_JSON(want, got) expect_json_(__FILE__, __LINE__, (want), (got))

static void expect_json_(const char *file, int line, const char *want, json_t *got)
{
	json_error_t jerr;
	json_t *w = json_loads(want, 0, &jerr);
	char *gs = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	if (!w) {
		fprintf(stderr, "  %s:%d: bad expected JSON: %s\n", file, line, jerr.text);
		test_failed_++;
	} else if (!got || !json_equal(w, got)) {
		char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);

		fprintf(stderr, "  %s:%d: JSON differs\n    want %s\n    got  %s\n", file, line, ws,
		        gs ? gs : "(null)");
		free(ws);
		test_failed_++;
	}
	free(gs);
	json_decref(w);
	json_decref(got);
}

#define B(s) (s), strlen(s)

static bool msg_has(const st_err *e, const char *needle)
{
	return strstr(e->msg, needle) != NULL;
}

/* ---- cmd.la ---------------------------------------------------------------- */

TEST(launch_actor_parses_wash_request_of_step_3b)
{
	static const char req[] =
		"{\"actor_ref\":\"" ECHO "\",\"count\":1,\"host_id\":\"" HOST "\"}";
	ctl_launch_actor r;
	st_err e;

	EXPECT_EQ(0, ctl_launch_actor_parse(&r, B(req), &e));
	EXPECT_STR(ECHO, r.actor_ref);
	EXPECT_EQ(1, r.count);
	EXPECT_STR(HOST, r.host_id);
	EXPECT_EQ(0, r.annotations.n);
	/* The client-side builder sends exactly what wash sends (no annotations). */
	EXPECT_JSON(req, ctl_launch_actor_to_json(&r));
	ctl_launch_actor_deinit(&r);
}

TEST(launch_actor_parses_annotations_and_count_of_5_8)
{
	static const char req[] = "{\"actor_ref\":\"" ECHO "\",\"count\":3,\"host_id\":\"" HOST
				  "\",\"annotations\":{\"k\":\"v\"}}";
	ctl_launch_actor r;

	EXPECT_EQ(0, ctl_launch_actor_parse(&r, B(req), NULL));
	EXPECT_EQ(3, r.count);
	EXPECT_EQ(1, r.annotations.n);
	EXPECT_STR("v", ctl_strmap_get(&r.annotations, "k"));
	EXPECT_JSON(req, ctl_launch_actor_to_json(&r));
	ctl_launch_actor_deinit(&r);
}

TEST(launch_actor_count_defaults_to_one_and_zero_means_one)
{
	ctl_launch_actor r;

	EXPECT_EQ(0, ctl_launch_actor_parse(&r, B("{\"actor_ref\":\"x\"}"), NULL));
	EXPECT_EQ(1, r.count);
	EXPECT_TRUE(r.host_id == NULL);
	ctl_launch_actor_deinit(&r);
	EXPECT_EQ(0, ctl_launch_actor_parse(&r, B("{\"actor_ref\":\"x\",\"count\":0}"), NULL));
	EXPECT_EQ(1, r.count);
	ctl_launch_actor_deinit(&r);
	EXPECT_EQ(0, ctl_launch_actor_parse(&r, B("{\"actor_ref\":\"x\",\"count\":null}"), NULL));
	EXPECT_EQ(1, r.count);
	ctl_launch_actor_deinit(&r);
}

TEST(launch_actor_ignores_unknown_keys_and_keeps_ref_case)
{
	ctl_launch_actor r;

	EXPECT_EQ(0,
	          ctl_launch_actor_parse(
			  &r, B("{\"actor_ref\":\"Reg.IO/Echo:Latest\",\"extra\":[1,{}]}"), NULL));
	EXPECT_STR("Reg.IO/Echo:Latest", r.actor_ref);
	ctl_launch_actor_deinit(&r);
}

TEST(launch_actor_rejects_missing_null_and_ill_typed_keys)
{
	static const struct {
		const char *body;
		const char *needle;
	} cases[] = {
		{ "{\"count\":1}", "\"actor_ref\"" },
		{ "{\"actor_ref\":null}", "\"actor_ref\"" },
		{ "{\"actor_ref\":5}", "\"actor_ref\" must be a string" },
		{ "{\"actor_ref\":\"x\",\"count\":\"3\"}", "\"count\" must be an integer" },
		{ "{\"actor_ref\":\"x\",\"count\":1.5}", "\"count\" must be an integer" },
		{ "{\"actor_ref\":\"x\",\"count\":-1}", "\"count\" must be in 0..65535" },
		{ "{\"actor_ref\":\"x\",\"count\":65536}", "\"count\" must be in 0..65535" },
		{ "{\"actor_ref\":\"x\",\"host_id\":1}", "\"host_id\" must be a string" },
		{ "{\"actor_ref\":\"x\",\"annotations\":[]}", "\"annotations\" must be an object" },
		{ "{\"actor_ref\":\"x\",\"annotations\":{\"a\":1}}", "key \"a\"" },
		{ "[\"actor_ref\"]", "not a JSON object" },
		{ "\"x\"", "not a JSON object" },
		{ "{\"actor_ref\":\"x\"", "invalid JSON" },
		{ "", "empty request body" },
		{ "{\"actor_ref\":\"x\",\"actor_ref\":\"y\"}", "invalid JSON" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_launch_actor r;
		st_err e;

		st_err_clear(&e);
		EXPECT_EQ(ST_EMALFORMED, ctl_launch_actor_parse(&r, B(cases[i].body), &e));
		EXPECT_EQ(ST_EMALFORMED, e.code);
		if (!msg_has(&e, cases[i].needle))
			TEST_FAIL_("case %zu: message \"%s\" lacks \"%s\"", i, e.msg,
			           cases[i].needle);
		/* Left empty: deinit is harmless, nothing leaks (ASan checks). */
		EXPECT_TRUE(r.actor_ref == NULL);
		ctl_launch_actor_deinit(&r);
	}
}

TEST(request_parse_reports_json_error_position)
{
	ctl_launch_actor r;
	st_err e;

	EXPECT_EQ(ST_EMALFORMED, ctl_launch_actor_parse(&r, B("{\"actor_ref\": tru}"), &e));
	EXPECT_TRUE(e.offset > 0);
	EXPECT_TRUE(msg_has(&e, "line 1"));
}

TEST(request_parse_caps_body_size)
{
	size_t n = CTL_MAX_BODY_BYTES + 1;
	char *big = xmalloc(n);
	ctl_launch_actor r;
	st_err e;

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	EXPECT_EQ(ST_ETOOBIG, ctl_launch_actor_parse(&r, big, n, &e));
	st_free(big);
}

TEST(failure_texts_are_the_spec_texts)
{
	EXPECT_STR("Invalid launch actor JSON request", ctl_op_failure_text(CTL_OP_LAUNCH_ACTOR));
	EXPECT_STR("Invalid request to stop actor", ctl_op_failure_text(CTL_OP_STOP_ACTOR));
	EXPECT_STR("Invalid scale actor JSON request", ctl_op_failure_text(CTL_OP_SCALE_ACTOR));
	EXPECT_STR("Invalid JSON request to update actor",
	           ctl_op_failure_text(CTL_OP_UPDATE_ACTOR));
	EXPECT_STR("Improperly formed start provider command JSON",
	           ctl_op_failure_text(CTL_OP_LAUNCH_PROVIDER));
	EXPECT_STR("Invalid JSON request for stop provider",
	           ctl_op_failure_text(CTL_OP_STOP_PROVIDER));
	EXPECT_STR("Unable to parse stop host command: ", ctl_op_failure_text(CTL_OP_STOP_HOST));
	EXPECT_STR("Invalid link definition put request", ctl_op_failure_text(CTL_OP_LINKDEF_PUT));
	EXPECT_STR("Invalid link definition removal request",
	           ctl_op_failure_text(CTL_OP_LINKDEF_DEL));
	EXPECT_STR("Invalid JSON request for actor auction",
	           ctl_op_failure_text(CTL_OP_AUCTION_ACTOR));
	EXPECT_STR("Invalid JSON request to auction provider",
	           ctl_op_failure_text(CTL_OP_AUCTION_PROVIDER));
	EXPECT_STR("Command received by incorrect host and could not be processed",
	           ctl_op_failure_text(CTL_OP_GET_INVENTORY));
	EXPECT_STR("", ctl_op_failure_text(CTL_OP_PING_HOSTS));
}

/* ---- cmd.sa / scale / upd / lp / sp / stop ------------------------------------- */

TEST(stop_actor_parses_5_9_and_requires_count)
{
	static const char req[] = "{\"actor_ref\":\"" ACTOR "\",\"count\":1,\"host_id\":\"" HOST
				  "\",\"annotations\":{\"app\":\"web\"}}";
	ctl_stop_actor r;
	st_err e;

	EXPECT_EQ(0, ctl_stop_actor_parse(&r, B(req), &e));
	EXPECT_STR(ACTOR, r.actor_ref);
	EXPECT_EQ(1, r.count);
	EXPECT_STR("web", ctl_strmap_get(&r.annotations, "app"));
	EXPECT_JSON(req, ctl_stop_actor_to_json(&r));
	ctl_stop_actor_deinit(&r);

	EXPECT_EQ(0, ctl_stop_actor_parse(&r, B("{\"actor_ref\":\"" ACTOR "\",\"count\":0}"), &e));
	EXPECT_EQ(0, r.count); /* 0 = all instances */
	ctl_stop_actor_deinit(&r);

	EXPECT_EQ(ST_EMALFORMED, ctl_stop_actor_parse(&r, B("{\"actor_ref\":\"" ACTOR "\"}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"count\""));
}

TEST(scale_actor_parses_5_10_with_empty_ref_allowed)
{
	static const char req[] =
		"{\"actor_id\":\"" ACTOR "\",\"actor_ref\":\"" ECHO
		"\",\"count\":5,\"host_id\":\"" HOST "\",\"annotations\":{\"a\":\"b\"}}";
	ctl_scale_actor r;
	st_err e;

	EXPECT_EQ(0, ctl_scale_actor_parse(&r, B(req), &e));
	EXPECT_STR(ACTOR, r.actor_id);
	EXPECT_STR(ECHO, r.actor_ref);
	EXPECT_EQ(5, r.count);
	EXPECT_JSON(req, ctl_scale_actor_to_json(&r));
	ctl_scale_actor_deinit(&r);

	EXPECT_EQ(0, ctl_scale_actor_parse(
			     &r, B("{\"actor_id\":\"" ACTOR "\",\"actor_ref\":\"\",\"count\":0}"),
			     &e));
	EXPECT_STR("", r.actor_ref);
	EXPECT_EQ(0, r.count);
	ctl_scale_actor_deinit(&r);

	EXPECT_EQ(ST_EMALFORMED,
	          ctl_scale_actor_parse(&r, B("{\"actor_ref\":\"" ECHO "\",\"count\":2}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"actor_id\""));
	EXPECT_EQ(ST_EMALFORMED,
	          ctl_scale_actor_parse(&r, B("{\"actor_id\":\"" ACTOR "\",\"count\":2}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"actor_ref\""));
}

TEST(update_actor_parses_5_11)
{
	static const char req[] = "{\"actor_id\":\"" ACTOR "\",\"new_actor_ref\":"
				  "\"wasmcloud.azurecr.io/echo:0.3.5\",\"host_id\":\"" HOST
				  "\",\"annotations\":{\"x\":\"y\"}}";
	ctl_update_actor r;
	st_err e;

	EXPECT_EQ(0, ctl_update_actor_parse(&r, B(req), &e));
	EXPECT_STR("wasmcloud.azurecr.io/echo:0.3.5", r.new_actor_ref);
	EXPECT_STR(ACTOR, r.actor_id);
	EXPECT_JSON(req, ctl_update_actor_to_json(&r));
	ctl_update_actor_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_update_actor_parse(&r, B("{\"actor_id\":\"" ACTOR "\"}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"new_actor_ref\""));
}

TEST(launch_provider_parses_5_12)
{
	static const char req[] =
		"{\"provider_ref\":\"wasmcloud.azurecr.io/httpserver:0.17.0\",\"link_name\":"
		"\"default\",\"host_id\":\"" HOST "\",\"configuration\":\"{\\\"a\\\":1}\","
		"\"annotations\":{}}";
	ctl_launch_provider r;
	st_err e;

	EXPECT_EQ(0, ctl_launch_provider_parse(&r, B(req), &e));
	EXPECT_STR("wasmcloud.azurecr.io/httpserver:0.17.0", r.provider_ref);
	EXPECT_STR("default", r.link_name);
	EXPECT_STR("{\"a\":1}", r.configuration);
	ctl_launch_provider_deinit(&r);

	EXPECT_EQ(0, ctl_launch_provider_parse(
			     &r, B("{\"provider_ref\":\"p\",\"link_name\":\"l\"}"), &e));
	EXPECT_STR("", r.configuration);
	ctl_launch_provider_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_launch_provider_parse(&r, B("{\"provider_ref\":\"p\"}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"link_name\""));
}

TEST(stop_provider_parses_5_12_and_wants_a_public_key)
{
	static const char req[] = "{\"provider_ref\":\"" PROVIDER "\",\"link_name\":\"default\","
				  "\"contract_id\":\"wasmcloud:httpserver\",\"host_id\":\"" HOST
				  "\",\"annotations\":{}}";
	ctl_stop_provider r;
	st_err e;

	EXPECT_EQ(0, ctl_stop_provider_parse(&r, B(req), &e));
	EXPECT_STR(PROVIDER, r.provider_ref);
	EXPECT_STR("wasmcloud:httpserver", r.contract_id);
	ctl_stop_provider_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED,
	          ctl_stop_provider_parse(
			  &r,
			  B("{\"provider_ref\":\"wasmcloud.azurecr.io/httpserver:0.17.0\","
	                    "\"link_name\":\"default\"}"),
			  &e));
	EXPECT_TRUE(msg_has(&e, "56"));
}

TEST(stop_host_parses_5_13)
{
	static const char req[] = "{\"host_id\":\"" HOST "\",\"timeout\":5000}";
	ctl_stop_host r;
	st_err e;

	EXPECT_EQ(0, ctl_stop_host_parse(&r, B(req), &e));
	EXPECT_STR(HOST, r.host_id);
	EXPECT_TRUE(r.has_timeout);
	EXPECT_EQ(5000, r.timeout);
	EXPECT_JSON(req, ctl_stop_host_to_json(&r));
	ctl_stop_host_deinit(&r);

	EXPECT_EQ(0, ctl_stop_host_parse(&r, B("{\"host_id\":\"" HOST "\"}"), &e));
	EXPECT_TRUE(!r.has_timeout);
	ctl_stop_host_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_stop_host_parse(&r, B("{\"timeout\":\"soon\"}"), &e));
	EXPECT_TRUE(msg_has(&e, "\"timeout\""));
}

/* ---- links ----------------------------------------------------------------- */

static const char step4_put[] = "{\"actor_id\":\"" ACTOR "\",\"provider_id\":\"" PROVIDER
				"\",\"link_name\":\"default\",\"contract_id\":"
				"\"wasmcloud:httpserver\",\"values\":{\"PORT\":\"8080\"}}";

TEST(linkdef_put_parses_step_4_and_computes_its_id)
{
	linkdef l;
	st_err e;

	EXPECT_EQ(0, ctl_linkdef_put_parse(&l, B(step4_put), &e));
	EXPECT_STR(LINK_ID, l.id);
	EXPECT_STR(ACTOR, l.actor_id);
	EXPECT_STR(PROVIDER, l.provider_id);
	EXPECT_STR("default", l.link_name);
	EXPECT_STR("wasmcloud:httpserver", l.contract_id);
	EXPECT_STR("8080", linkdef_get_value(&l, "PORT"));
	EXPECT_JSON(step4_put, ctl_linkdef_put_to_json(&l));
	linkdef_deinit(&l);
}

TEST(linkdef_id_matches_the_7_1_vector)
{
	char id[LINKDEF_ID_LEN + 1];

	linkdef_compute_id("Mbob", "wasmcloud:testy", "default", id);
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", id);
}

TEST(linkdef_put_values_optional_and_required_keys_enforced)
{
	static const char *const required[] = { "actor_id", "provider_id", "link_name",
		                                "contract_id" };
	linkdef l;
	st_err e;

	EXPECT_EQ(0, ctl_linkdef_put_parse(&l,
	                                   B("{\"actor_id\":\"a\",\"provider_id\":\"p\","
	                                     "\"link_name\":\"l\",\"contract_id\":\"c\"}"),
	                                   &e));
	EXPECT_EQ(0, l.nvalues);
	linkdef_deinit(&l);
	for (size_t i = 0; i < 4; i++) {
		json_t *o;
		char *body;

		EXPECT_EQ(0, ctl_linkdef_put_parse(&l, B(step4_put), &e));
		o = ctl_linkdef_put_to_json(&l);
		linkdef_deinit(&l);
		json_object_set_new(o, required[i], json_null());
		body = ctl_json_dump_take(o, NULL);
		EXPECT_EQ(ST_EMALFORMED, ctl_linkdef_put_parse(&l, B(body), &e));
		EXPECT_TRUE(msg_has(&e, required[i]));
		st_free(body);
	}
	EXPECT_EQ(ST_EMALFORMED,
	          ctl_linkdef_put_parse(&l,
	                                B("{\"actor_id\":\"a\",\"provider_id\":\"p\","
	                                  "\"link_name\":\"l\",\"contract_id\":\"c\","
	                                  "\"values\":{\"PORT\":8080}}"),
	                                &e));
	EXPECT_TRUE(msg_has(&e, "values"));
}

TEST(linkdef_put_request_id_is_not_trusted)
{
	linkdef l;
	st_err e;

	/* Stored values keep theirs: test_lattice_cache.c (lat_cache_link_parse). */
	EXPECT_EQ(0, ctl_linkdef_put_parse(&l,
	                                   B("{\"id\":\"ABC\",\"actor_id\":\"a\",\"provider_id"
	                                     "\":\"p\",\"link_name\":\"l\",\"contract_id\":\"c\"}"),
	                                   &e));
	EXPECT_TRUE(strcmp(l.id, "ABC") != 0);
	linkdef_deinit(&l);
}

TEST(linkdef_del_parses_5_6)
{
	static const char req[] = "{\"actor_id\":\"" ACTOR "\",\"contract_id\":"
				  "\"wasmcloud:httpserver\",\"link_name\":\"default\"}";
	linkdef r;
	st_err e;

	EXPECT_EQ(0, ctl_linkdef_del_parse(&r, B(req), &e));
	EXPECT_STR(LINK_ID, r.id);
	EXPECT_JSON(req, ctl_linkdef_del_to_json(&r));
	linkdef_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_linkdef_del_parse(&r, B("{\"actor_id\":\"" ACTOR "\"}"), &e));
	EXPECT_TRUE(msg_has(&e, "contract_id"));
}

TEST(get_links_reply_is_the_step_4_listing)
{
	linkdef l;

	EXPECT_EQ(0, ctl_linkdef_put_parse(&l, B(step4_put), NULL));
	EXPECT_JSON("{\"links\":[{\"id\":\"" LINK_ID "\",\"actor_id\":\"" ACTOR
	            "\",\"provider_id\":\"" PROVIDER "\",\"link_name\":\"default\","
	            "\"contract_id\":\"wasmcloud:httpserver\",\"values\":{\"PORT\":\"8080\"}}]}",
	            ctl_links_reply(&l, 1));
	linkdef_deinit(&l);
	EXPECT_JSON("{\"links\":[]}", ctl_links_reply(NULL, 0));
}

TEST(get_links_reply_always_has_values)
{
	linkdef l;
	json_t *r, *v;

	EXPECT_EQ(0, ctl_linkdef_put_parse(&l,
	                                   B("{\"actor_id\":\"a\",\"provider_id\":\"p\","
	                                     "\"link_name\":\"l\",\"contract_id\":\"c\"}"),
	                                   NULL));
	r = ctl_links_reply(&l, 1);
	v = json_object_get(json_array_get(json_object_get(r, "links"), 0), "values");
	EXPECT_TRUE(json_is_object(v) && json_object_size(v) == 0);
	json_decref(r);
	linkdef_deinit(&l);
}

/* ---- auctions ---------------------------------------------------------------- */

TEST(auction_actor_parses_and_replies_as_step_3a)
{
	static const char req[] = "{\"actor_ref\":\"" ECHO "\",\"constraints\":{}}";
	ctl_auction_actor r;
	ctl_strmap labels;
	st_err e;

	EXPECT_EQ(0, ctl_auction_actor_parse(&r, B(req), &e));
	EXPECT_STR(ECHO, r.actor_ref);
	EXPECT_EQ(0, r.constraints.n);
	EXPECT_JSON(req, ctl_auction_actor_to_json(&r));
	EXPECT_JSON("{\"actor_ref\":\"" ECHO "\",\"constraints\":{},\"host_id\":\"" HOST "\"}",
	            ctl_auction_actor_reply(&r, HOST));

	/* Every constraint pair must be one of the labels, by exact string equality. */
	ctl_strmap_init(&labels);
	ctl_strmap_set(&labels, "hostcore.os", "linux");
	ctl_strmap_set(&labels, "region", "us");
	EXPECT_TRUE(ctl_strmap_contains_all(&labels, &r.constraints));
	ctl_strmap_set(&r.constraints, "region", "us");
	EXPECT_TRUE(ctl_strmap_contains_all(&labels, &r.constraints));
	EXPECT_JSON("{\"actor_ref\":\"" ECHO
	            "\",\"constraints\":{\"region\":\"us\"},\"host_id\":\"" HOST "\"}",
	            ctl_auction_actor_reply(&r, HOST));
	ctl_strmap_set(&r.constraints, "region", "US");
	EXPECT_TRUE(!ctl_strmap_contains_all(&labels, &r.constraints));
	ctl_strmap_set(&r.constraints, "region", "us");
	ctl_strmap_set(&r.constraints, "gpu", "true");
	EXPECT_TRUE(!ctl_strmap_contains_all(&labels, &r.constraints));
	ctl_strmap_deinit(&labels);
	ctl_auction_actor_deinit(&r);

	EXPECT_EQ(0, ctl_auction_actor_parse(&r, B("{\"actor_ref\":\"x\"}"), &e));
	EXPECT_EQ(0, r.constraints.n);
	ctl_auction_actor_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_auction_actor_parse(&r, B("{\"constraints\":{}}"), &e));
	EXPECT_EQ(ST_EMALFORMED,
	          ctl_auction_actor_parse(&r, B("{\"actor_ref\":\"x\",\"constraints\":{\"a\":1}}"),
	                                  &e));
}

TEST(auction_provider_defaults_link_name_and_replies)
{
	ctl_auction_provider r;
	st_err e;

	EXPECT_EQ(0,
	          ctl_auction_provider_parse(
			  &r, B("{\"provider_ref\":\"p:1\",\"constraints\":{\"a\":\"b\"}}"), &e));
	EXPECT_STR("default", r.link_name);
	EXPECT_JSON("{\"provider_ref\":\"p:1\",\"link_name\":\"default\",\"constraints\":{\"a\":"
	            "\"b\"},\"host_id\":\"" HOST "\"}",
	            ctl_auction_provider_reply(&r, HOST));
	ctl_auction_provider_deinit(&r);
	EXPECT_EQ(ST_EMALFORMED, ctl_auction_provider_parse(&r, B("{\"link_name\":\"x\"}"), &e));
}

/* ---- acks, ping, inventory, claims ------------------------------------------------ */

TEST(ack_is_byte_exact)
{
	char *s = ctl_json_dump_take(ctl_ack(true, NULL), NULL);

	EXPECT_STR("{\"accepted\":true,\"error\":\"\"}", s);
	st_free(s);
	s = ctl_json_dump_take(ctl_ack(false, "Invalid launch actor JSON request"), NULL);
	EXPECT_STR("{\"accepted\":false,\"error\":\"Invalid launch actor JSON request\"}", s);
	st_free(s);
}

TEST(ack_parse_reads_both_fields)
{
	bool acc = false;
	char *error = NULL;
	st_err e;

	EXPECT_EQ(0, ctl_ack_parse(B("{\"accepted\":true,\"error\":\"\"}"), &acc, &error, &e));
	EXPECT_TRUE(acc);
	EXPECT_STR("", error);
	st_free(error);
	EXPECT_EQ(0, ctl_ack_parse(B("{\"accepted\":false,\"error\":\"boom\"}"), &acc, &error, &e));
	EXPECT_TRUE(!acc);
	EXPECT_STR("boom", error);
	st_free(error);
	EXPECT_EQ(0, ctl_ack_parse(B("{\"accepted\":true}"), &acc, NULL, &e));
	EXPECT_EQ(ST_EMALFORMED, ctl_ack_parse(B("{\"error\":\"x\"}"), &acc, &error, &e));
	EXPECT_TRUE(error == NULL);
}

TEST(uptime_human_spells_units)
{
	char b[64];

	ctl_uptime_human(42, b, sizeof(b));
	EXPECT_STR("42 seconds", b);
	ctl_uptime_human(123, b, sizeof(b));
	EXPECT_STR("2 minutes, 3 seconds", b);
	ctl_uptime_human(600, b, sizeof(b));
	EXPECT_STR("10 minutes", b);
	ctl_uptime_human(0, b, sizeof(b));
	EXPECT_STR("0 seconds", b);
	ctl_uptime_human(1, b, sizeof(b));
	EXPECT_STR("1 second", b);
	ctl_uptime_human(86400 + 3600 + 61, b, sizeof(b));
	EXPECT_STR("1 day, 1 hour, 1 minute, 1 second", b);
	ctl_uptime_human(2 * 86400 + 600, b, sizeof(b));
	EXPECT_STR("2 days, 10 minutes", b);
	ctl_uptime_human(123, b, 8); /* truncated, still terminated */
	EXPECT_EQ(7, strlen(b));
}

static void spec_labels(ctl_strmap *m)
{
	ctl_strmap_init(m);
	ctl_strmap_set(m, "hostcore.arch", "x86_64");
	ctl_strmap_set(m, "hostcore.os", "linux");
	ctl_strmap_set(m, "hostcore.osfamily", "unix");
}

#define SPEC_LABELS_JSON \
	"{\"hostcore.arch\":\"x86_64\",\"hostcore.os\":\"linux\",\"hostcore.osfamily\":\"unix\"}"

TEST(ping_reply_matches_step_1)
{
	const char *issuers[] = { CLUSTER };
	ctl_strmap labels;
	ctl_host_info h = { 0 };

	spec_labels(&labels);
	h.id = HOST;
	h.issuer = CLUSTER;
	h.labels = &labels;
	h.friendly_name = "misty-river-4312";
	h.uptime_seconds = 42;
	h.version = "0.63.2";
	h.cluster_issuers = issuers;
	h.ncluster_issuers = 1;
	h.ctl_host = "127.0.0.1";
	h.prov_rpc_host = "127.0.0.1";
	h.rpc_host = "127.0.0.1";
	h.lattice_prefix = "default";
	EXPECT_JSON(
		"{\"id\":\"" HOST "\",\"issuer\":\"" CLUSTER "\",\"labels\":" SPEC_LABELS_JSON
		",\"friendly_name\":\"misty-river-4312\",\"uptime_seconds\":42,"
		"\"uptime_human\":\"42 seconds\",\"version\":\"0.63.2\",\"cluster_issuers\":\"" CLUSTER
		"\",\"js_domain\":null,\"ctl_host\":\"127.0.0.1\",\"prov_rpc_host\":"
		"\"127.0.0.1\",\"rpc_host\":\"127.0.0.1\",\"lattice_prefix\":\"default\"}",
		ctl_ping_reply(&h));
	ctl_strmap_deinit(&labels);
}

TEST(ping_reply_joins_cluster_issuers_with_commas)
{
	const char *issuers[] = { CLUSTER, "CB", "CC" };
	ctl_host_info h = { 0 };
	json_t *r;

	h.id = HOST;
	h.cluster_issuers = issuers;
	h.ncluster_issuers = 3;
	h.uptime_seconds = 123;
	h.js_domain = "hub";
	r = ctl_ping_reply(&h);
	EXPECT_STR(CLUSTER ",CB,CC", json_string_value(json_object_get(r, "cluster_issuers")));
	EXPECT_STR("2 minutes, 3 seconds", json_string_value(json_object_get(r, "uptime_human")));
	EXPECT_STR("hub", json_string_value(json_object_get(r, "js_domain")));
	EXPECT_TRUE(json_is_integer(json_object_get(r, "uptime_seconds")));
	EXPECT_TRUE(json_is_object(json_object_get(r, "labels")));
	json_decref(r);
}

TEST(inventory_reply_matches_step_2)
{
	ctl_strmap labels, ann;
	ctl_inv_instance inst = { "3f1c9a52-8d0e-4b7a-9c61-0d2e5b7f4a13", 1, &ann };
	ctl_inv_actor actor = { ACTOR, ECHO, "echo", &inst, 1 };
	ctl_inventory inv = { HOST, CLUSTER, "misty-river-4312", &labels, &actor, 1, NULL, 0 };

	spec_labels(&labels);
	ctl_strmap_init(&ann);
	EXPECT_JSON("{\"host_id\":\"" HOST "\",\"issuer\":\"" CLUSTER
	            "\",\"friendly_name\":\"misty-river-4312\",\"labels\":" SPEC_LABELS_JSON
	            ",\"actors\":[{\"id\":\"" ACTOR "\",\"image_ref\":\"" ECHO
	            "\",\"name\":\"echo\","
	            "\"instances\":[{\"annotations\":{},\"instance_id\":"
	            "\"3f1c9a52-8d0e-4b7a-9c61-0d2e5b7f4a13\",\"revision\":1}]}],\"providers\":[]}",
	            ctl_inventory_reply(&inv));
	ctl_strmap_deinit(&labels);
}

TEST(inventory_reply_lists_providers_as_5_7)
{
	ctl_strmap ann;
	ctl_inv_provider p = { PROVIDER,
		               "wasmcloud.azurecr.io/httpserver:0.17.0",
		               "wasmcloud:httpserver",
		               "default",
		               "HTTP Server",
		               "0b8f8f4e-8f6a-4c1e-9d7b-2a3c4d5e6f70",
		               &ann,
		               1644594344 };
	ctl_inventory inv = { HOST, CLUSTER, "misty-river-4312", NULL, NULL, 0, &p, 1 };

	ctl_strmap_init(&ann);
	ctl_strmap_set(&ann, "k", "v");
	EXPECT_JSON("{\"host_id\":\"" HOST "\",\"issuer\":\"" CLUSTER
	            "\",\"friendly_name\":\"misty-river-4312\",\"labels\":{},\"actors\":[],"
	            "\"providers\":[{\"id\":\"" PROVIDER "\",\"image_ref\":"
	            "\"wasmcloud.azurecr.io/httpserver:0.17.0\",\"contract_id\":"
	            "\"wasmcloud:httpserver\",\"link_name\":\"default\",\"name\":\"HTTP Server\","
	            "\"instance_id\":\"0b8f8f4e-8f6a-4c1e-9d7b-2a3c4d5e6f70\",\"annotations\":"
	            "{\"k\":\"v\"},\"revision\":1644594344}]}",
	            ctl_inventory_reply(&inv));
	ctl_strmap_deinit(&ann);
}

TEST(claims_map_matches_5_4)
{
	ctl_strmap m;
	claims c;
	const ctl_strmap *maps[1] = { &m };

	claims_init(&c);
	c.kind = CLAIMS_ACTOR;
	claims_set_str(&c.iss, ACCOUNT);
	claims_set_str(&c.sub, ACTOR);
	claims_set_str(&c.name, "kvcounter");
	claims_add_cap(&c, "wasmcloud:httpserver");
	claims_add_cap(&c, "wasmcloud:keyvalue");
	c.has_rev = true;
	c.rev = 1631625045;
	claims_set_str(&c.ver, "0.3.0");
	ctl_strmap_init(&m);
	ctl_claims_map(&m, &c);
	EXPECT_JSON(
		"{\"claims\":[{\"call_alias\":\"\",\"caps\":\"wasmcloud:httpserver,wasmcloud:"
		"keyvalue\",\"iss\":\"" ACCOUNT "\",\"name\":\"kvcounter\",\"rev\":\"1631625045\","
		"\"sub\":\"" ACTOR "\",\"tags\":\"\",\"version\":\"0.3.0\",\"contract_id\":\"\"}]}",
		ctl_claims_reply(maps, 1));
	ctl_strmap_deinit(&m);
	claims_deinit(&c);
}

TEST(claims_map_never_holds_null_and_falls_back_to_iat)
{
	ctl_strmap m;
	claims c;

	claims_init(&c);
	c.kind = CLAIMS_PROVIDER;
	claims_set_str(&c.iss, ACCOUNT);
	claims_set_str(&c.sub, PROVIDER);
	claims_set_str(&c.capid, "wasmcloud:httpserver");
	claims_add_tag(&c, "a");
	claims_add_tag(&c, "b");
	c.iat = 1684339200;
	c.config_schema = json_pack("{s:s}", "type", "object");
	ctl_strmap_init(&m);
	ctl_claims_map(&m, &c);
	EXPECT_STR("", ctl_strmap_get(&m, "version"));
	EXPECT_STR("", ctl_strmap_get(&m, "name"));
	EXPECT_STR("", ctl_strmap_get(&m, "caps"));
	EXPECT_STR("a,b", ctl_strmap_get(&m, "tags"));
	EXPECT_STR("1684339200", ctl_strmap_get(&m, "rev"));
	EXPECT_STR("wasmcloud:httpserver", ctl_strmap_get(&m, "contract_id"));
	EXPECT_STR("{\"type\":\"object\"}", ctl_strmap_get(&m, "config_schema"));
	ctl_strmap_deinit(&m);
	claims_deinit(&c);
}

TEST(strmap_from_json_tolerates_null_only_when_asked)
{
	json_t *o = json_pack("{s:s,s:n}", "name", "x", "version");
	ctl_strmap m;
	st_err e;

	ctl_strmap_init(&m);
	EXPECT_EQ(ST_EMALFORMED, ctl_strmap_from_json(&m, o, false, "claims", &e));
	EXPECT_TRUE(msg_has(&e, "version"));
	EXPECT_EQ(0, m.n);
	EXPECT_EQ(0, ctl_strmap_from_json(&m, o, true, "claims", &e));
	EXPECT_STR("", ctl_strmap_get(&m, "version"));
	EXPECT_STR("x", ctl_strmap_get(&m, "name"));
	ctl_strmap_del(&m, "name");
	EXPECT_TRUE(ctl_strmap_get(&m, "name") == NULL);
	EXPECT_EQ(1, m.n);
	ctl_strmap_set(&m, "version", "1");
	EXPECT_EQ(1, m.n);
	EXPECT_STR("1", ctl_strmap_get(&m, "version"));
	ctl_strmap_deinit(&m);
	json_decref(o);
}

/* ---- subjects ------------------------------------------------------------------------ */

TEST(subjects_parse_and_build_round_trip)
{
	static const struct {
		const char *subject;
		ctl_op op;
		const char *host;
	} cases[] = {
		{ "wasmbus.ctl.default.ping.hosts", CTL_OP_PING_HOSTS, "" },
		{ "wasmbus.ctl.default.get.claims", CTL_OP_GET_CLAIMS, "" },
		{ "wasmbus.ctl.default.get.links", CTL_OP_GET_LINKS, "" },
		{ "wasmbus.ctl.default.get." HOST ".inv", CTL_OP_GET_INVENTORY, HOST },
		{ "wasmbus.ctl.default.linkdefs.put", CTL_OP_LINKDEF_PUT, "" },
		{ "wasmbus.ctl.default.linkdefs.del", CTL_OP_LINKDEF_DEL, "" },
		{ "wasmbus.ctl.default.auction.actor", CTL_OP_AUCTION_ACTOR, "" },
		{ "wasmbus.ctl.default.auction.provider", CTL_OP_AUCTION_PROVIDER, "" },
		{ "wasmbus.ctl.default.cmd." HOST ".la", CTL_OP_LAUNCH_ACTOR, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".sa", CTL_OP_STOP_ACTOR, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".scale", CTL_OP_SCALE_ACTOR, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".upd", CTL_OP_UPDATE_ACTOR, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".lp", CTL_OP_LAUNCH_PROVIDER, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".sp", CTL_OP_STOP_PROVIDER, HOST },
		{ "wasmbus.ctl.default.cmd." HOST ".stop", CTL_OP_STOP_HOST, HOST },
		{ "wasmbus.ctl.default.registries.put", CTL_OP_REGISTRIES_PUT, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_subject s;
		char *b;

		EXPECT_EQ(0, ctl_subject_parse(cases[i].subject, NULL, "default", &s, NULL));
		EXPECT_EQ(cases[i].op, s.op);
		EXPECT_STR(cases[i].host, s.host_id);
		b = ctl_subject_build(cases[i].op, "wasmbus.ctl", "default", HOST);
		EXPECT_STR(cases[i].subject, b);
		st_free(b);
	}
}

TEST(subjects_outside_the_lattice_or_unknown_are_not_found)
{
	static const char *const bad[] = {
		"wasmbus.ctl.other.ping.hosts",
		"wasmbus.ctl.defaultx.ping.hosts",
		"wasmbus.ctl.default.ping",
		"wasmbus.ctl.default.get.claims.x",
		"wasmbus.ctl.default.cmd." HOST ".nope",
		"wasmbus.ctl.default.cmd..la",
		"wasmbus.ctl.default.cmd.a.b.la",
		"wasmbus.ctl.default.get." HOST ".inv.x",
		"wasmbus.evt.default",
		"wasmbus.ctl",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ctl_subject s;

		if (ctl_subject_parse(bad[i], NULL, "default", &s, NULL) != ST_ENOTFOUND)
			TEST_FAIL_("%s: expected ST_ENOTFOUND", bad[i]);
	}
}

TEST(subjects_honour_a_custom_topic_prefix)
{
	ctl_subject s;
	char *b;

	EXPECT_EQ(0, ctl_subject_parse("my.ctl.lat1.cmd.Nx.la", "my.ctl", "lat1", &s, NULL));
	EXPECT_EQ(CTL_OP_LAUNCH_ACTOR, s.op);
	EXPECT_STR("Nx", s.host_id);
	b = ctl_subject_build(CTL_OP_GET_INVENTORY, "my.ctl", "lat1", "Nx");
	EXPECT_STR("my.ctl.lat1.get.Nx.inv", b);
	st_free(b);
	EXPECT_TRUE(ctl_subject_build(CTL_OP_LAUNCH_ACTOR, NULL, "default", NULL) == NULL);
	EXPECT_TRUE(ctl_subject_build(CTL_OP_UNKNOWN, NULL, "default", HOST) == NULL);
	EXPECT_STR("cmd.%s.la", ctl_op_name(CTL_OP_LAUNCH_ACTOR));
}

TEST(json_dump_is_compact_and_ordered)
{
	json_t *o = json_object();
	size_t n = 0;
	char *s;

	json_object_set_new(o, "b", json_integer(1));
	json_object_set_new(o, "a", json_string("x"));
	s = ctl_json_dump(o, &n);
	EXPECT_STR("{\"b\":1,\"a\":\"x\"}", s);
	EXPECT_EQ(strlen(s), n);
	st_free(s);
	json_decref(o);
	EXPECT_TRUE(ctl_json_dump(NULL, NULL) == NULL);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
