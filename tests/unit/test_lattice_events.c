/*
 * test_lattice_events.c - CloudEvents (src/lattice/events.h): the envelope's
 * required fields and formats, and the data of every event against the
 * examples of lattice.md §0 and §6 with the id and time fixed.
 */
#include "test.h"

#include <jansson.h>

#include "core/mem.h"
#include "lattice/events.h"
#include "core/banned.h"

#define HOST "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"
#define ACTOR "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define PROVIDER "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define ACCOUNT "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"
#define ECHO "wasmcloud.azurecr.io/echo:0.3.4"
#define INSTANCE "3f1c9a52-8d0e-4b7a-9c61-0d2e5b7f4a13"
#define EVENT_ID "9b2d6c1e-4f3a-4a8e-b5d2-7c0e1f2a3b4c"
#define EVENT_TIME "2023-05-17T12:34:56.123456Z"
#define EVENT_TIME_US 1684326896123456LL
#define LINK_ID "4CA72BB447CFC5A3C47CAEDE053177C4814C3A9E7248C997A0FE80DA8943AC53"

#define EXPECT_JSON(want, got) expect_json_(__FILE__, __LINE__, (want), (got))

/* Checks that got (taken) equals the JSON text want, printing both if not. */
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

/* The envelope of the spec's examples around data (JSON text). */
static char *spec_event(const char *type, const char *source, const char *data)
{
	size_t n = strlen(type) + strlen(source) + strlen(data) + 256;
	char *s = xmalloc(n);

	snprintf(s, n,
	         "{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"type\":"
	         "\"com.wasmcloud.lattice.%s\",\"source\":\"%s\",\"time\":\"" EVENT_TIME "\","
	         "\"datacontenttype\":\"application/json\",\"data\":%s}",
	         type, source, data);
	return s;
}

#define EXPECT_EVENT(type, source, data, got)                       \
	do {                                                        \
		char *want_ = spec_event((type), (source), (data)); \
		expect_json_(__FILE__, __LINE__, want_, (got));     \
		st_free(want_);                                     \
	} while (0)

static const evt_src fixed = { HOST, EVENT_ID, EVENT_TIME_US };

/* The echo actor's claims (security.md §2.6 token). */
static void echo_claims(claims *c)
{
	claims_init(c);
	c->kind = CLAIMS_ACTOR;
	claims_set_str(&c->jti, "Q8bq3yqkMZ7XkZ0a2n9cTe");
	c->iat = 1672531200;
	claims_set_str(&c->iss, ACCOUNT);
	claims_set_str(&c->sub, ACTOR);
	claims_set_str(&c->name, "echo");
	c->has_tags = true;
	claims_add_cap(c, "wasmcloud:httpserver");
	c->has_rev = true;
	c->rev = 1;
	claims_set_str(&c->ver, "0.1.0");
}

#define ECHO_CLAIMS_JSON                                                                 \
	"{\"call_alias\":null,\"caps\":[\"wasmcloud:httpserver\"],\"issuer\":\"" ACCOUNT \
	"\",\"tags\":null,\"name\":\"echo\",\"version\":\"0.1.0\",\"revision\":1,"       \
	"\"not_before_human\":\"immediately\",\"expires_human\":\"never\"}"

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* RFC 3339 UTC with exactly six fractional digits, as the spec's example. */
static bool time_shape_ok(const char *t)
{
	return t && strlen(t) == EVT_TIME_LEN && is_digits(t, 4) && t[4] == '-' &&
	       is_digits(t + 5, 2) && t[7] == '-' && is_digits(t + 8, 2) && t[10] == 'T' &&
	       is_digits(t + 11, 2) && t[13] == ':' && is_digits(t + 14, 2) && t[16] == ':' &&
	       is_digits(t + 17, 2) && t[19] == '.' && is_digits(t + 20, 6) && t[26] == 'Z';
}

/* ---- envelope ---------------------------------------------------------------- */

TEST(uuid_v4_has_version_variant_and_is_fresh)
{
	char a[EVT_UUID_LEN + 1], b[EVT_UUID_LEN + 1];

	for (int i = 0; i < 100; i++) {
		evt_uuid_v4(a);
		evt_uuid_v4(b);
		EXPECT_TRUE(evt_uuid_v4_valid(a));
		EXPECT_EQ(EVT_UUID_LEN, strlen(a));
		EXPECT_TRUE(strcmp(a, b) != 0);
		for (size_t j = 0; j < EVT_UUID_LEN; j++)
			EXPECT_TRUE(!(a[j] >= 'A' && a[j] <= 'Z'));
	}
	EXPECT_TRUE(evt_uuid_v4_valid(EVENT_ID));
	EXPECT_TRUE(evt_uuid_v4_valid(INSTANCE));
	EXPECT_TRUE(!evt_uuid_v4_valid("9b2d6c1e-4f3a-1a8e-b5d2-7c0e1f2a3b4c")); /* version 1 */
	EXPECT_TRUE(!evt_uuid_v4_valid("9b2d6c1e-4f3a-4a8e-c5d2-7c0e1f2a3b4c")); /* variant */
	EXPECT_TRUE(!evt_uuid_v4_valid("9b2d6c1e4f3a-4a8e-b5d2-7c0e1f2a3b4c0"));
	EXPECT_TRUE(!evt_uuid_v4_valid("9b2d6c1e-4f3a-4a8e-b5d2-7c0e1f2a3b4"));
	EXPECT_TRUE(!evt_uuid_v4_valid("9b2d6c1e-4f3a-4a8e-b5d2-7c0e1f2a3b4g"));
	EXPECT_TRUE(!evt_uuid_v4_valid(NULL));
}

TEST(time_format_is_rfc3339_utc_with_microseconds)
{
	char t[EVT_TIME_LEN + 1];

	evt_time_format(EVENT_TIME_US, t);
	EXPECT_STR(EVENT_TIME, t);
	evt_time_format(0, t);
	EXPECT_STR("1970-01-01T00:00:00.000000Z", t);
	evt_time_format(1, t);
	EXPECT_STR("1970-01-01T00:00:00.000001Z", t);
	evt_time_format(-1, t);
	EXPECT_STR("1969-12-31T23:59:59.999999Z", t);
	evt_time_format(evt_now_us(), t);
	EXPECT_TRUE(time_shape_ok(t));
}

TEST(envelope_has_every_required_field_with_fresh_id_and_time)
{
	evt_src src = { HOST, NULL, 0 };
	json_t *ev = evt_actor_start_failed(&src, ECHO, "boom");
	json_t *ev2 = evt_actor_start_failed(&src, ECHO, "boom");
	const char *id = json_string_value(json_object_get(ev, "id"));
	const char *id2 = json_string_value(json_object_get(ev2, "id"));
	int64_t before = evt_now_us() - 5 * 1000000LL;
	char lo[EVT_TIME_LEN + 1];

	EXPECT_STR("1.0", json_string_value(json_object_get(ev, "specversion")));
	EXPECT_TRUE(evt_uuid_v4_valid(id));
	EXPECT_TRUE(id && id2 && strcmp(id, id2) != 0);
	EXPECT_STR("com.wasmcloud.lattice.actor_start_failed",
	           json_string_value(json_object_get(ev, "type")));
	EXPECT_STR(HOST, json_string_value(json_object_get(ev, "source")));
	EXPECT_TRUE(time_shape_ok(json_string_value(json_object_get(ev, "time"))));
	/* A fresh time is now-ish (compared as text: same shape, lexicographic order). */
	evt_time_format(before, lo);
	EXPECT_TRUE(strcmp(json_string_value(json_object_get(ev, "time")), lo) > 0);
	EXPECT_STR("application/json", json_string_value(json_object_get(ev, "datacontenttype")));
	EXPECT_TRUE(json_is_object(json_object_get(ev, "data")));
	EXPECT_EQ(7, json_object_size(ev));
	json_decref(ev);
	json_decref(ev2);
}

TEST(envelope_dumps_compact_in_spec_order)
{
	char *s = ctl_json_dump_take(evt_envelope(&fixed, NULL, "x", NULL), NULL);

	EXPECT_STR("{\"specversion\":\"1.0\",\"id\":\"" EVENT_ID "\",\"type\":"
	           "\"com.wasmcloud.lattice.x\",\"source\":\"" HOST "\",\"time\":\"" EVENT_TIME
	           "\",\"datacontenttype\":\"application/json\",\"data\":{}}",
	           s);
	st_free(s);
}

TEST(event_subjects)
{
	char *a = evt_subject("default"), *b = evt_rpc_subject("lat2");

	EXPECT_STR("wasmbus.evt.default", a);
	EXPECT_STR("wasmbus.rpcevt.lat2", b);
	st_free(a);
	st_free(b);
}

/* ---- actors ------------------------------------------------------------------------ */

TEST(actor_started_matches_step_3c)
{
	ctl_strmap ann;
	claims c;
	json_t *ev;
	char *want;

	echo_claims(&c);
	ctl_strmap_init(&ann);
	ev = evt_actor_started(&fixed, ACTOR, ECHO, INSTANCE, &ann, &c);
	/* The whole example of §0 step 3c, envelope included. */
	want = spec_event("actor_started", HOST,
	                  "{\"public_key\":\"" ACTOR "\",\"image_ref\":\"" ECHO
	                  "\",\"api_version\":\"n/a\",\"instance_id\":\"" INSTANCE
	                  "\",\"annotations\":{},\"claims\":" ECHO_CLAIMS_JSON "}");
	EXPECT_JSON(want, ev);
	st_free(want);
	claims_deinit(&c);
}

TEST(actor_claims_give_relative_times_and_alias)
{
	claims c;
	json_t *j;

	echo_claims(&c);
	claims_set_str(&c.call_alias, "echoer");
	claims_add_tag(&c, "demo");
	c.has_exp = true;
	c.exp = 1000 + 3 * 86400 + 5;
	c.has_nbf = true;
	c.nbf = 1000 - 7200;
	c.has_rev = false; /* revision falls back to iat */
	j = evt_actor_claims_json(&c, 1000);
	EXPECT_STR("in 3 days", json_string_value(json_object_get(j, "expires_human")));
	EXPECT_STR("2 hours ago", json_string_value(json_object_get(j, "not_before_human")));
	EXPECT_STR("echoer", json_string_value(json_object_get(j, "call_alias")));
	EXPECT_STR("demo", json_string_value(json_array_get(json_object_get(j, "tags"), 0)));
	EXPECT_EQ(1672531200, json_integer_value(json_object_get(j, "revision")));
	json_decref(j);
	claims_deinit(&c);
}

TEST(human_relative_phrases)
{
	char b[64];

	evt_human_relative(100, 100, b, sizeof(b));
	EXPECT_STR("now", b);
	evt_human_relative(101, 100, b, sizeof(b));
	EXPECT_STR("in 1 second", b);
	evt_human_relative(100 + 90, 100, b, sizeof(b));
	EXPECT_STR("in 1 minute", b);
	evt_human_relative(0, 86400 * 2, b, sizeof(b));
	EXPECT_STR("2 days ago", b);
}

TEST(actor_start_failed_matches_step_3c_failure)
{
	EXPECT_EVENT("actor_start_failed", HOST,
	             "{\"actor_ref\":\"" ECHO "\",\"error\":\"Failed to fetch OCI bytes: x\"}",
	             evt_actor_start_failed(&fixed, ECHO, "Failed to fetch OCI bytes: x"));
}

TEST(actors_started_and_start_failed_0_63)
{
	ctl_strmap ann;
	claims c;

	echo_claims(&c);
	ctl_strmap_init(&ann);
	ctl_strmap_set(&ann, "a", "b");
	EXPECT_EVENT("actors_started", HOST,
	             "{\"public_key\":\"" ACTOR "\",\"image_ref\":\"" ECHO
	             "\",\"annotations\":{\"a\":\"b\"},\"host_id\":\"" HOST
	             "\",\"claims\":" ECHO_CLAIMS_JSON ",\"count\":3}",
	             evt_actors_started(&fixed, ACTOR, ECHO, &ann, &c, 3));
	EXPECT_EVENT("actors_start_failed", HOST,
	             "{\"public_key\":\"N/A\",\"image_ref\":\"" ECHO
	             "\",\"annotations\":{\"a\":\"b\"},\"host_id\":\"" HOST "\",\"error\":\"bad\"}",
	             evt_actors_start_failed(&fixed, NULL, ECHO, &ann, "bad"));
	ctl_strmap_deinit(&ann);
	claims_deinit(&c);
}

TEST(actor_stopped_and_actors_stopped)
{
	EXPECT_EVENT("actor_stopped", HOST,
	             "{\"public_key\":\"" ACTOR "\",\"instance_id\":\"" INSTANCE
	             "\",\"annotations\":{}}",
	             evt_actor_stopped(&fixed, ACTOR, INSTANCE, NULL));
	EXPECT_EVENT("actors_stopped", HOST,
	             "{\"host_id\":\"" HOST "\",\"public_key\":\"" ACTOR
	             "\",\"count\":2,\"remaining\":1,\"annotations\":{}}",
	             evt_actors_stopped(&fixed, ACTOR, 2, 1, NULL));
}

TEST(actor_updated_and_update_failed)
{
	EXPECT_EVENT("actor_updated", HOST,
	             "{\"public_key\":\"" ACTOR "\",\"revision\":2,\"instance_id\":\"" INSTANCE
	             "\"}",
	             evt_actor_updated(&fixed, ACTOR, 2, INSTANCE));
	EXPECT_EVENT("actor_update_failed", HOST,
	             "{\"public_key\":\"" ACTOR "\",\"revision\":2,\"instance_id\":\"" INSTANCE
	             "\",\"reason\":\"no\"}",
	             evt_actor_update_failed(&fixed, ACTOR, 2, INSTANCE, "no"));
}

/* ---- hosts --------------------------------------------------------------------------- */

static void spec_labels(ctl_strmap *m)
{
	ctl_strmap_init(m);
	ctl_strmap_set(m, "hostcore.arch", "x86_64");
	ctl_strmap_set(m, "hostcore.os", "linux");
	ctl_strmap_set(m, "hostcore.osfamily", "unix");
}

#define SPEC_LABELS_JSON \
	"{\"hostcore.arch\":\"x86_64\",\"hostcore.os\":\"linux\",\"hostcore.osfamily\":\"unix\"}"

TEST(host_started_and_stopped)
{
	ctl_strmap labels;

	spec_labels(&labels);
	EXPECT_EVENT("host_started", HOST,
	             "{\"labels\":" SPEC_LABELS_JSON ",\"friendly_name\":\"misty-river-4312\","
	             "\"uptime_seconds\":0,\"version\":\"0.63.2\"}",
	             evt_host_started(&fixed, &labels, "misty-river-4312", 0, "0.63.2"));
	EXPECT_EVENT("host_stopped", HOST, "{\"labels\":" SPEC_LABELS_JSON "}",
	             evt_host_stopped(&fixed, &labels));
	ctl_strmap_deinit(&labels);
}

TEST(heartbeat_matches_6_2)
{
	const evt_actor_count actors[] = { { "MBCF…", 3 }, { "MCFM…", 1 } };
	const evt_provider_desc providers[] = { { "V…", "default", "wasmcloud:httpserver" } };
	ctl_strmap labels;
	evt_heartbeat hb = { actors, 2, providers, 1, &labels, "misty-river-4312", "0.63.2", 600 };

	spec_labels(&labels);
	EXPECT_EVENT(
		"host_heartbeat", HOST,
		"{\"actors\":{\"MBCF…\":3,\"MCFM…\":1},\"providers\":[{\"public_key\":\"V…\","
		"\"link_name\":\"default\",\"contract_id\":\"wasmcloud:httpserver\"}],"
		"\"labels\":" SPEC_LABELS_JSON ",\"friendly_name\":\"misty-river-4312\","
		"\"version\":\"0.63.2\",\"uptime_seconds\":600,\"uptime_human\":\"10 minutes\"}",
		evt_host_heartbeat(&fixed, &hb));
	ctl_strmap_deinit(&labels);
}

TEST(heartbeat_of_an_idle_host_and_unknown_contract)
{
	const evt_provider_desc providers[] = { { PROVIDER, "default", NULL } };
	evt_heartbeat hb = { NULL, 0, providers, 1, NULL, "x", "0.1.0", 42 };
	json_t *ev = evt_host_heartbeat(&fixed, &hb), *d = json_object_get(ev, "data");

	EXPECT_TRUE(json_is_object(json_object_get(d, "actors")));
	EXPECT_EQ(0, json_object_size(json_object_get(d, "actors")));
	EXPECT_STR("n/a",
	           json_string_value(json_object_get(
			   json_array_get(json_object_get(d, "providers"), 0), "contract_id")));
	EXPECT_STR("42 seconds", json_string_value(json_object_get(d, "uptime_human")));
	EXPECT_TRUE(json_is_object(json_object_get(d, "labels")));
	json_decref(ev);
}

/* ---- providers --------------------------------------------------------------------------- */

TEST(provider_events)
{
	ctl_strmap ann;
	claims c;

	claims_init(&c);
	c.kind = CLAIMS_PROVIDER;
	claims_set_str(&c.iss, ACCOUNT);
	claims_set_str(&c.sub, PROVIDER);
	claims_set_str(&c.name, "HTTP Server");
	claims_set_str(&c.ver, "0.17.0");
	ctl_strmap_init(&ann);
	EXPECT_EVENT("provider_started", HOST,
	             "{\"public_key\":\"" PROVIDER
	             "\",\"image_ref\":\"r\",\"link_name\":\"default\","
	             "\"contract_id\":\"wasmcloud:httpserver\",\"instance_id\":\"" INSTANCE
	             "\",\"annotations\":{},\"claims\":{\"issuer\":\"" ACCOUNT
	             "\",\"tags\":null,\"name\":\"HTTP Server\",\"version\":\"0.17.0\","
	             "\"not_before_human\":\"immediately\",\"expires_human\":\"never\"}}",
	             evt_provider_started(&fixed, PROVIDER, "r", "default", "wasmcloud:httpserver",
	                                  INSTANCE, &ann, &c));
	EXPECT_EVENT("provider_start_failed", HOST,
	             "{\"provider_ref\":\"r\",\"link_name\":\"default\",\"error\":\"Provider with "
	             "that link name is already running on this host\"}",
	             evt_provider_start_failed(
			     &fixed, "r", "default",
			     "Provider with that link name is already running on this host"));
	EXPECT_EVENT("provider_stopped", HOST,
	             "{\"public_key\":\"" PROVIDER "\",\"link_name\":\"default\",\"contract_id\":"
	             "\"wasmcloud:httpserver\",\"instance_id\":\"" INSTANCE
	             "\",\"annotations\":{},\"reason\":\"normal\"}",
	             evt_provider_stopped(&fixed, PROVIDER, "default", "wasmcloud:httpserver",
	                                  INSTANCE, &ann, NULL));
	EXPECT_EVENT("health_check_passed", HOST,
	             "{\"public_key\":\"" PROVIDER "\",\"link_name\":\"default\",\"contract_id\":"
	             "\"wasmcloud:httpserver\"}",
	             evt_health_check(&fixed, EVT_HEALTH_PASSED, PROVIDER, "default",
	                              "wasmcloud:httpserver"));
	EXPECT_EVENT("health_check_failed", HOST,
	             "{\"public_key\":\"" PROVIDER "\",\"link_name\":\"default\",\"contract_id\":"
	             "\"c\"}",
	             evt_health_check(&fixed, EVT_HEALTH_FAILED, PROVIDER, "default", "c"));
	EXPECT_EVENT("health_check_status", HOST,
	             "{\"public_key\":\"" PROVIDER "\",\"link_name\":\"default\",\"contract_id\":"
	             "\"c\"}",
	             evt_health_check(&fixed, EVT_HEALTH_STATUS, PROVIDER, "default", "c"));
	claims_deinit(&c);
}

/* ---- links, refmaps ------------------------------------------------------------------------ */

TEST(linkdef_events_carry_the_link_and_source_na)
{
	static const char put[] = "{\"actor_id\":\"" ACTOR "\",\"provider_id\":\"" PROVIDER
				  "\",\"link_name\":\"default\",\"contract_id\":"
				  "\"wasmcloud:httpserver\",\"values\":{\"PORT\":\"8080\"}}";
	static const char data[] = "{\"id\":\"" LINK_ID "\",\"actor_id\":\"" ACTOR
				   "\",\"provider_id\":\"" PROVIDER "\",\"link_name\":\"default\","
				   "\"contract_id\":\"wasmcloud:httpserver\",\"values\":{\"PORT\":"
				   "\"8080\"}}";
	linkdef l;

	EXPECT_EQ(0, ctl_linkdef_put_parse(&l, put, strlen(put), NULL));
	EXPECT_EVENT("linkdef_set", "n/a", data, evt_linkdef_set(&fixed, &l));
	EXPECT_EVENT("linkdef_deleted", "n/a", data, evt_linkdef_deleted(&fixed, &l));
	linkdef_deinit(&l);
}

TEST(refmap_set)
{
	EXPECT_EVENT("refmap_set", HOST, "{\"oci_url\":\"" ECHO "\",\"public_key\":\"" ACTOR "\"}",
	             evt_refmap_set(&fixed, ECHO, ACTOR));
}

/* ---- invocation results ------------------------------------------------------------------------ */

TEST(invocation_results_match_6_3)
{
	claims_entity wash = { "__WASH__", "", "" };
	claims_entity actor = { ACTOR, "", "" };
	claims_entity caller = { ACTOR, NULL, NULL };
	claims_entity http = { PROVIDER, "wasmcloud:httpserver", "default" };

	/* Inbound: copied from the invocation, so "" stays "". */
	EXPECT_EVENT("invocation_succeeded", HOST,
	             "{\"source\":{\"public_key\":\"__WASH__\",\"contract_id\":\"\",\"link_name\":"
	             "\"\"},\"dest\":{\"public_key\":\"" ACTOR "\",\"contract_id\":\"\","
	             "\"link_name\":\"\"},\"operation\":\"Actor.HealthRequest\",\"bytes\":1}",
	             evt_invocation_result(&fixed, true, &wash, &actor, "Actor.HealthRequest", 1));
	/* Outbound actor call: the source's contract and link are null. */
	EXPECT_EVENT("invocation_failed", HOST,
	             "{\"source\":{\"public_key\":\"" ACTOR "\",\"contract_id\":null,\"link_name\":"
	             "null},\"dest\":{\"public_key\":\"" PROVIDER "\",\"contract_id\":"
	             "\"wasmcloud:httpserver\",\"link_name\":\"default\"},\"operation\":"
	             "\"HttpServer.HandleRequest\",\"bytes\":1234}",
	             evt_invocation_result(&fixed, false, &caller, &http,
	                                   "HttpServer.HandleRequest", 1234));
}

TEST(every_event_has_object_data_and_string_fields)
{
	ctl_strmap ann;
	claims c;
	json_t *evs[6];

	echo_claims(&c);
	ctl_strmap_init(&ann);
	evs[0] = evt_actor_started(&fixed, ACTOR, ECHO, INSTANCE, &ann, &c);
	evs[1] = evt_actor_start_failed(&fixed, ECHO, "e");
	evs[2] = evt_actor_stopped(&fixed, ACTOR, INSTANCE, &ann);
	evs[3] = evt_host_stopped(&fixed, NULL);
	evs[4] = evt_refmap_set(&fixed, ECHO, ACTOR);
	evs[5] = evt_actor_updated(&fixed, ACTOR, 1, INSTANCE);
	for (size_t i = 0; i < 6; i++) {
		static const char *const keys[] = { "specversion", "id",   "type",
			                            "source",      "time", "datacontenttype" };

		EXPECT_TRUE(evs[i] != NULL);
		for (size_t k = 0; k < 6; k++) {
			const char *v = json_string_value(json_object_get(evs[i], keys[k]));

			EXPECT_TRUE(v && *v);
		}
		EXPECT_TRUE(json_is_object(json_object_get(evs[i], "data")));
		json_decref(evs[i]);
	}
	claims_deinit(&c);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
