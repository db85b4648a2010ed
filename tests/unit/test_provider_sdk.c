/*
 * test_provider_sdk.c - the provider SDK (providers/sdk): host data
 * parsing (providers.md §2.4) and the provider subjects (§3, §4, §7, §8)
 * against a real nats-server that main() starts on a port picked for this
 * run and stops at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "lattice/invocation.h"
#include "lattice/linkdef.h"
#include "lattice/nats.h"
#include "lattice/server.h"
#include "sdk/provider.h"
#include "security/claims.h"
#include "security/nkey.h"
#include "test.h"

#include "core/banned.h"

static uint16_t g_port;

/* The example of providers.md §2.4, verbatim. */
static const char example_json[] =
	"{\n"
	"  \"host_id\": \"NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB\",\n"
	"  \"lattice_rpc_prefix\": \"default\",\n"
	"  \"link_name\": \"default\",\n"
	"  \"lattice_rpc_user_jwt\": \"\",\n"
	"  \"lattice_rpc_user_seed\": \"\",\n"
	"  \"lattice_rpc_url\": \"127.0.0.1:4222\",\n"
	"  \"lattice_rpc_tls\": 0,\n"
	"  \"env_values\": {},\n"
	"  \"instance_id\": \"0f6ab1c2-5d7e-4f80-9a1b-2c3d4e5f6a7b\",\n"
	"  \"provider_key\": \"VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE\",\n"
	"  \"link_definitions\": [\n"
	"    {\"id\": \"\xe2\x80\xa6\", \"actor_id\": \"MAB2\xe2\x80\xa6RLXP\", "
	"\"provider_id\": \"VAB2\xe2\x80\xa6RSLE\",\n"
	"     \"link_name\": \"default\", \"contract_id\": \"wasmcloud:httpserver\",\n"
	"     \"values\": {\"PORT\": \"8080\"}}\n"
	"  ],\n"
	"  \"config_json\": \"\",\n"
	"  \"default_rpc_timeout_ms\": 2000,\n"
	"  \"cluster_issuers\": [\"CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J\"],\n"
	"  \"invocation_seed\": \"SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q\",\n"
	"  \"js_domain\": null,\n"
	"  \"structured_logging\": false,\n"
	"  \"log_level\": \"info\"\n"
	"}\n";

#define HOST_ID "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB"
#define PROV_KEY "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"

/* base64 (standard, padded) of s plus "\n", as a host writes it; st_free. */
static char *host_line(const char *s)
{
	size_t n = strlen(s), cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *out = xmalloc(cap + 1);
	size_t len;

	EXPECT_TRUE(sodium_init() >= 0);
	sodium_bin2base64(out, cap, (const unsigned char *)s, n, sodium_base64_VARIANT_ORIGINAL);
	len = strlen(out);
	out[len] = '\n';
	out[len + 1] = '\0';
	return out;
}

TEST(host_data_parses_the_spec_example_from_base64)
{
	char *line = host_line(example_json);
	prov_host_data hd;
	st_err err;
	int rc;

	EXPECT_TRUE(strncmp(line, "eyJob3N0X2lkIjoiTkFCMkNC", 24) != 0); /* pretty, not compact */
	prov_host_data_init(&hd);
	rc = prov_host_data_parse_line(&hd, line, strlen(line), &err);
	if (rc)
		fprintf(stderr, "parse: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	EXPECT_STR(HOST_ID, hd.host_id);
	EXPECT_STR("default", hd.lattice_rpc_prefix);
	EXPECT_STR("default", hd.link_name);
	EXPECT_STR("", hd.lattice_rpc_user_jwt);
	EXPECT_STR("", hd.lattice_rpc_user_seed);
	EXPECT_STR("127.0.0.1:4222", hd.lattice_rpc_url);
	EXPECT_EQ(0, hd.lattice_rpc_tls);
	EXPECT_STR("0f6ab1c2-5d7e-4f80-9a1b-2c3d4e5f6a7b", hd.instance_id);
	EXPECT_STR(PROV_KEY, hd.provider_key);
	EXPECT_EQ(1, (int)hd.nlinks);
	EXPECT_STR("MAB2\xe2\x80\xa6RLXP", hd.links[0].actor_id);
	EXPECT_STR("wasmcloud:httpserver", hd.links[0].contract_id);
	EXPECT_STR("8080", linkdef_get_value(&hd.links[0], "PORT"));
	EXPECT_STR("", hd.config_json);
	EXPECT_EQ(2000, (int)hd.default_rpc_timeout_ms);
	EXPECT_EQ(1, (int)hd.ncluster_issuers);
	EXPECT_STR("CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J",
	           hd.cluster_issuers[0]);
	EXPECT_TRUE(hd.cluster_issuers[1] == NULL);
	EXPECT_STR("SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q",
	           hd.invocation_seed);
	EXPECT_TRUE(hd.js_domain == NULL);
	EXPECT_TRUE(!hd.structured_logging);
	EXPECT_STR("info", hd.log_level);
	{
		char *url = prov_host_data_nats_url(&hd);

		EXPECT_STR("nats://127.0.0.1:4222", url);
		st_free(url);
	}
	prov_host_data_deinit(&hd);
	st_free(line);
}

TEST(host_data_read_takes_one_line_from_a_stream)
{
	char *line =
		host_line("{\"env_values\":{},\"link_definitions\":[],\"cluster_issuers\":[]}");
	prov_host_data hd;
	FILE *f = tmpfile();
	st_err err;

	EXPECT_TRUE(f != NULL);
	fputs(line, f);
	fputs("more\n", f); /* stdin stays open; later bytes are not ours */
	rewind(f);
	prov_host_data_init(&hd);
	EXPECT_EQ(0, prov_host_data_read(&hd, f, &err));
	EXPECT_STR("", hd.host_id);
	EXPECT_EQ(0, (int)hd.nlinks);
	EXPECT_TRUE(hd.config_json == NULL && hd.log_level == NULL);
	EXPECT_EQ(0, (int)hd.default_rpc_timeout_ms);
	{
		char *url = prov_host_data_nats_url(&hd);

		EXPECT_STR("nats://127.0.0.1:4222", url);
		st_free(url);
	}
	prov_host_data_deinit(&hd);
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_read(&hd, f, &err)); /* "more" is not base64 */
	fclose(f);
	f = tmpfile();
	EXPECT_EQ(ST_EIO, prov_host_data_read(&hd, f, &err));
	fclose(f);
	st_free(line);
}

TEST(host_data_errors_name_the_problem)
{
	prov_host_data hd;
	st_err err;
	char *line;

	prov_host_data_init(&hd);
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, "!!notbase64", 11, &err));
	EXPECT_TRUE(strstr(err.msg, "base64") != NULL);
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, " \n", 2, &err));
	line = host_line("{\"link_definitions\":[],\"cluster_issuers\":[]}");
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, line, strlen(line), &err));
	EXPECT_TRUE(strstr(err.msg, "env_values") != NULL);
	st_free(line);
	line = host_line("{\"env_values\":{},\"cluster_issuers\":[]}");
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, line, strlen(line), &err));
	EXPECT_TRUE(strstr(err.msg, "link_definitions") != NULL);
	st_free(line);
	line = host_line("{\"env_values\":{},\"link_definitions\":[],\"cluster_issuers\":[1]}");
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, line, strlen(line), &err));
	EXPECT_TRUE(strstr(err.msg, "cluster_issuers[0]") != NULL);
	st_free(line);
	line = host_line("{\"env_values\":{},\"link_definitions\":[],\"cluster_issuers\":[],"
	                 "\"host_id\":5}");
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_line(&hd, line, strlen(line), &err));
	EXPECT_TRUE(strstr(err.msg, "host_id") != NULL);
	st_free(line);
	EXPECT_EQ(ST_EMALFORMED, prov_host_data_parse_json(&hd, "{", 1, &err));
	EXPECT_TRUE(hd.host_id == NULL && hd.nlinks == 0);
	prov_host_data_deinit(&hd);
}

/* ---- a running provider ---- */

typedef struct fixture {
	uv_loop_t loop;
	prov_host_data hd;
	prov_provider *p;
	lat_conn *client; /* no loop: the "host" */
	lat_sub *replies; /* sync subscription on REPLY */
	lat_msg *reply;   /* the last reply received */
	int puts, dels, stops;
	char last_actor[64];
	bool refuse; /* put_link returns false */
} fixture;

#define REPLY "test.replies"

static bool cb_put(prov_provider *p, const linkdef *ld, void *ud)
{
	fixture *f = ud;

	(void)p;
	f->puts++;
	snprintf(f->last_actor, sizeof(f->last_actor), "%s", ld->actor_id);
	return !f->refuse;
}

static void cb_del(prov_provider *p, const char *actor_id, void *ud)
{
	fixture *f = ud;

	(void)p;
	f->dels++;
	snprintf(f->last_actor, sizeof(f->last_actor), "%s", actor_id);
}

/* Upper-cases msg; operation "Test.Fail" fails. */
static int cb_invoke(prov_provider *p, const char *actor_id, const char *operation, st_slice msg,
                     st_buf *out, st_err *err, void *ud)
{
	(void)p;
	(void)actor_id;
	(void)ud;
	if (strcmp(operation, "Test.Fail") == 0)
		return st_err_set(err, ST_EINVAL, "failed on purpose");
	for (size_t i = 0; i < msg.n; i++) {
		char c = (char)(msg.p[i] >= 'a' && msg.p[i] <= 'z' ? msg.p[i] - 32 : msg.p[i]);

		if (st_buf_append(out, &c, 1) != 0)
			return st_err_set(err, ST_ETOOBIG, "too big");
	}
	return 0;
}

static void cb_stop(prov_provider *p, void *ud)
{
	fixture *f = ud;

	(void)p;
	f->stops++;
}

static void on_deadline(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

static bool run_until(fixture *f, bool (*cond)(fixture *), int64_t timeout_ms)
{
	uv_timer_t t;
	bool late = false, ok;

	uv_timer_init(&f->loop, &t);
	t.data = &late;
	uv_timer_start(&t, on_deadline, (uint64_t)timeout_ms, 0);
	while (!(ok = cond(f)) && !late) {
		/* NOWAIT and a short nap: cond may wait on another connection. */
		struct timespec ts = { 0, 1000000 };

		uv_run(&f->loop, UV_RUN_NOWAIT);
		nanosleep(&ts, NULL);
	}
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
	return ok;
}

/* Polls the reply subscription briefly; true once a reply is in f->reply. */
static bool got_reply(fixture *f)
{
	st_err err;

	if (f->reply)
		return true;
	return lat_sub_next(f->replies, 5, &f->reply, &err) == 0;
}

static bool got_put(fixture *f)
{
	return f->puts > 0;
}

static bool got_del(fixture *f)
{
	return f->dels > 0;
}

static void cb_invoke_async(prov_provider *p, const char *actor_id, const char *operation,
                            st_slice msg, prov_deferred *d, void *ud);
static bool g_async; /* the next fixture answers invocations with invoke_async */

static const prov_callbacks *fixture_cbs(fixture *f)
{
	static prov_callbacks cbs;

	cbs.put_link = cb_put;
	cbs.delete_link = cb_del;
	cbs.shutdown = cb_stop;
	cbs.invoke = cb_invoke;
	cbs.invoke_async = g_async ? cb_invoke_async : NULL;
	cbs.ud = f;
	return &cbs;
}

static void fixture_start(fixture *f, const char *json)
{
	lat_conn_opts o;
	char url[64];
	st_err err;
	int rc;

	memset(f, 0, sizeof(*f));
	uv_loop_init(&f->loop);
	prov_host_data_init(&f->hd);
	EXPECT_EQ(0, prov_host_data_parse_json(&f->hd, json, strlen(json), &err));
	snprintf(url, sizeof(url), "127.0.0.1:%u", (unsigned)g_port);
	st_free(f->hd.lattice_rpc_url);
	f->hd.lattice_rpc_url = xstrdup(url);
	rc = prov_provider_start(&f->hd, &f->loop, fixture_cbs(f), &f->p, &err);
	if (rc)
		fprintf(stderr, "start: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	lat_conn_opts_init(&o);
	o.port = g_port;
	EXPECT_EQ(0, lat_conn_connect(&o, &f->client, &err));
	EXPECT_EQ(0, lat_conn_subscribe_sync(f->client, REPLY, NULL, &f->replies, &err));
	EXPECT_EQ(0, lat_conn_flush(f->client, 2000, &err));
}

static void fixture_stop(fixture *f)
{
	lat_msg_free(f->reply);
	lat_sub_close(f->replies);
	lat_conn_free(f->client);
	prov_provider_free(f->p);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	EXPECT_EQ(0, uv_loop_close(&f->loop));
	prov_host_data_deinit(&f->hd);
}

/* Publishes data on P.suffix with reply subject REPLY (or none). */
static void send_to(fixture *f, const char *suffix, const void *data, size_t len, bool reply)
{
	char subj[256];
	st_err err;

	snprintf(subj, sizeof(subj), "%s.%s", prov_provider_subject(f->p), suffix);
	EXPECT_EQ(0, lat_conn_publish_msg(f->client, subj, reply ? REPLY : NULL, NULL, 0, data, len,
	                                  &err));
}

static void send_link(fixture *f, const char *suffix, const char *actor)
{
	linkdef ld;
	mp_writer w;
	st_err err;

	linkdef_init(&ld);
	linkdef_set(&ld, actor, PROV_KEY, "default", "wasmcloud:httpserver");
	linkdef_add_value(&ld, "address", "127.0.0.1:8080");
	mp_writer_init_default(&w, 4096);
	EXPECT_EQ(0, linkdef_encode(&ld, &w, false, &err));
	send_to(f, suffix, w.p, w.n, false);
	mp_writer_deinit(&w);
	linkdef_deinit(&ld);
}

static const char no_links[] = "{\"host_id\":\"" HOST_ID "\",\"lattice_rpc_prefix\":\"default\","
			       "\"link_name\":\"default\",\"provider_key\":\"" PROV_KEY "\","
			       "\"env_values\":{},\"link_definitions\":[],"
			       "\"cluster_issuers\":[]}";

#define ACTOR "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5"
#define ACTOR2 "MCUCZ7KMLELFEE5NFGNDFNMZCIB4CQTRHCKJ4EU45SQ7YNT6JNUCLWOB"

TEST(provider_subscribes_the_spec_subjects)
{
	fixture f;

	fixture_start(&f, no_links);
	EXPECT_STR("wasmbus.rpc.default." PROV_KEY ".default", prov_provider_subject(f.p));
	fixture_stop(&f);
}

TEST(link_put_reaches_the_callback_and_is_stored_once)
{
	fixture f;

	fixture_start(&f, no_links);
	send_link(&f, "linkdefs.put", ACTOR);
	EXPECT_TRUE(run_until(&f, got_put, 5000));
	EXPECT_EQ(1, f.puts);
	EXPECT_STR(ACTOR, f.last_actor);
	EXPECT_TRUE(prov_provider_link(f.p, ACTOR) != NULL);
	EXPECT_STR("127.0.0.1:8080", linkdef_get_value(prov_provider_link(f.p, ACTOR), "address"));

	/* A duplicate put is ignored; a put for another actor goes through. */
	send_link(&f, "linkdefs.put", ACTOR);
	send_link(&f, "linkdefs.put", ACTOR2);
	f.puts = 0;
	EXPECT_TRUE(run_until(&f, got_put, 5000));
	EXPECT_EQ(1, f.puts);
	EXPECT_STR(ACTOR2, f.last_actor);
	EXPECT_EQ(2, (int)prov_provider_nlinks(f.p));

	send_link(&f, "linkdefs.del", ACTOR);
	EXPECT_TRUE(run_until(&f, got_del, 5000));
	EXPECT_STR(ACTOR, f.last_actor);
	EXPECT_TRUE(prov_provider_link(f.p, ACTOR) == NULL);
	EXPECT_EQ(1, (int)prov_provider_nlinks(f.p));
	fixture_stop(&f);
}

TEST(links_in_host_data_are_put_at_start)
{
	fixture f;

	fixture_start(&f, example_json);
	EXPECT_EQ(1, f.puts);
	EXPECT_TRUE(prov_provider_link(f.p, "MAB2\xe2\x80\xa6RLXP") != NULL);
	fixture_stop(&f);
}

TEST(refused_link_is_not_stored)
{
	fixture f;

	fixture_start(&f, no_links);
	f.refuse = true;
	send_link(&f, "linkdefs.put", ACTOR);
	EXPECT_TRUE(run_until(&f, got_put, 5000));
	EXPECT_EQ(0, (int)prov_provider_nlinks(f.p));
	fixture_stop(&f);
}

TEST(health_request_gets_healthy_true)
{
	static const uint8_t placeholder[] = { 0x81, 0xab, 'p', 'l', 'a', 'c', 'e',
		                               'h',  'o',  'l', 'd', 'e', 'r', 0xc3 };
	static const uint8_t want[] = { 0x81, 0xa7, 'h', 'e', 'a', 'l', 't', 'h', 'y', 0xc3 };
	fixture f;
	st_slice d;

	fixture_start(&f, no_links);
	send_to(&f, "health", placeholder, sizeof(placeholder), true);
	EXPECT_TRUE(run_until(&f, got_reply, 5000));
	d = lat_msg_data(f.reply);
	EXPECT_EQ((int)sizeof(want), (int)d.n);
	EXPECT_TRUE(d.n == sizeof(want) && memcmp(d.p, want, sizeof(want)) == 0);
	fixture_stop(&f);
}

TEST(shutdown_for_another_host_is_ignored_ours_is_answered)
{
	static const char other[] = "{\"host_id\":\"NOTHER\"}";
	static const char ours[] = "{\"host_id\":\"" HOST_ID "\"}";
	fixture f;
	st_slice d;

	fixture_start(&f, no_links);
	send_to(&f, "shutdown", other, strlen(other), true);
	send_to(&f, "shutdown", ours, strlen(ours), false); /* no reply subject: ignored */
	send_to(&f, "health", "", 0, true);                 /* answered after both */
	EXPECT_TRUE(run_until(&f, got_reply, 5000));
	d = lat_msg_data(f.reply);
	EXPECT_TRUE(d.n > 0 && d.p[0] == 0x81);
	EXPECT_TRUE(!prov_provider_stopped(f.p));
	EXPECT_EQ(0, f.stops);
	lat_msg_free(f.reply);
	f.reply = NULL;

	send_to(&f, "shutdown", ours, strlen(ours), true);
	EXPECT_TRUE(run_until(&f, got_reply, 5000));
	d = lat_msg_data(f.reply);
	EXPECT_TRUE(d.n == strlen(PROV_SHUTDOWN_REPLY) && memcmp(d.p, "shutting down", d.n) == 0);
	EXPECT_TRUE(prov_provider_stopped(f.p));
	EXPECT_EQ(1, f.stops);
	fixture_stop(&f);
}

TEST(start_refuses_jwt_auth_and_missing_key)
{
	prov_host_data hd;
	prov_provider *p = NULL;
	uv_loop_t loop;
	st_err err;

	uv_loop_init(&loop);
	prov_host_data_init(&hd);
	EXPECT_EQ(ST_EINVAL, prov_provider_start(&hd, &loop, NULL, &p, &err));
	EXPECT_EQ(0, prov_host_data_parse_json(&hd, no_links, strlen(no_links), &err));
	st_free(hd.lattice_rpc_user_jwt);
	hd.lattice_rpc_user_jwt = xstrdup("eyJ0eXAi.x.y");
	EXPECT_EQ(ST_ENOSYS, prov_provider_start(&hd, &loop, NULL, &p, &err));
	EXPECT_TRUE(p == NULL);
	prov_host_data_deinit(&hd);
	EXPECT_EQ(0, uv_loop_close(&loop));
}

/* ---- inbound invocations (§5) ---- */

/* Host data linking ACTOR, accepting the issuer key text. */
static char *rpc_host_data(const char *issuer)
{
	char *s = xmalloc(2048);

	snprintf(s, 2048,
	         "{\"host_id\":\"" HOST_ID "\",\"lattice_rpc_prefix\":\"default\","
	         "\"link_name\":\"default\",\"provider_key\":\"" PROV_KEY "\","
	         "\"env_values\":{},\"link_definitions\":[{\"actor_id\":\"" ACTOR "\","
	         "\"provider_id\":\"" PROV_KEY "\",\"link_name\":\"default\","
	         "\"contract_id\":\"wasmcloud:httpserver\",\"values\":{}}],"
	         "\"cluster_issuers\":[\"%s\"]}",
	         issuer);
	return s;
}

/*
 * Sends an invocation from origin to target_key signed by cluster (or the
 * raw bytes junk when not NULL) and decodes the response into r.
 */
static void invoke(fixture *f, const nkey *cluster, const char *origin, const char *target_key,
                   const char *op, const char *junk, inv_response *r, char id[INV_ID_LEN + 1])
{
	inv_invocation inv;
	mp_writer w;
	st_err err;
	st_slice d;

	inv_invocation_init(&inv);
	inv_id_generate(id);
	inv.origin.public_key = origin;
	inv.target.public_key = target_key;
	inv.target.link_name = "default";
	inv.target.contract_id = "wasmcloud:httpserver";
	inv.operation = op;
	inv.msg = st_slice_make("hello", 5);
	inv.id = id;
	inv.host_id = HOST_ID;
	inv.has_content_length = true;
	inv.content_length = 5;
	EXPECT_EQ(0, inv_invocation_sign(&inv, cluster, &err));
	mp_writer_init_default(&w, 65536);
	EXPECT_EQ(0, inv_invocation_encode(&inv, &w, &err));
	EXPECT_EQ(0, lat_conn_publish_msg(f->client, prov_provider_subject(f->p), REPLY, NULL, 0,
	                                  junk ? (const void *)junk : w.p,
	                                  junk ? strlen(junk) : w.n, &err));
	mp_writer_deinit(&w);
	inv_invocation_deinit(&inv);
	lat_msg_free(f->reply);
	f->reply = NULL;
	EXPECT_TRUE(run_until(f, got_reply, 5000));
	inv_response_init(r);
	if (f->reply) {
		d = lat_msg_data(f->reply);
		EXPECT_EQ(0, inv_response_decode(r, d.p, d.n, &err));
	}
}

TEST(invocations_are_verified_dispatched_and_answered)
{
	char pk[NKEY_PUBLIC_LEN + 1], id[INV_ID_LEN + 1];
	nkey cluster, other;
	inv_response r;
	fixture f;
	st_err err;
	char *json;

	EXPECT_EQ(0, nkey_generate(&cluster, NKEY_CLUSTER, &err));
	EXPECT_EQ(0, nkey_generate(&other, NKEY_CLUSTER, &err));
	nkey_public_text(&cluster, pk);
	json = rpc_host_data(pk);
	fixture_start(&f, json);

	invoke(&f, &cluster, ACTOR, PROV_KEY, "HttpServer.HandleRequest", NULL, &r, id);
	EXPECT_TRUE(r.error == NULL);
	EXPECT_STR(id, r.invocation_id);
	EXPECT_TRUE(r.msg.n == 5 && memcmp(r.msg.p, "HELLO", 5) == 0);
	EXPECT_TRUE(r.has_content_length && r.content_length == 5);
	inv_response_deinit(&r);

	invoke(&f, &cluster, ACTOR, PROV_KEY, "Test.Fail", NULL, &r, id);
	EXPECT_STR("failed on purpose", r.error);
	EXPECT_STR(id, r.invocation_id);
	EXPECT_EQ(0, (int)r.msg.n);
	inv_response_deinit(&r);

	invoke(&f, &cluster, ACTOR2, PROV_KEY, "HttpServer.HandleRequest", NULL, &r, id);
	EXPECT_STR("unlinked actor: '" ACTOR2 "'", r.error);
	inv_response_deinit(&r);

	invoke(&f, &other, ACTOR, PROV_KEY, "HttpServer.HandleRequest", NULL, &r, id);
	EXPECT_STR("Issuer of this invocation is not in list of cluster issuers", r.error);
	inv_response_deinit(&r);

	invoke(&f, &cluster, ACTOR, "VBOTHERKEY", "HttpServer.HandleRequest", NULL, &r, id);
	EXPECT_STR("target key mismatch: VBOTHERKEY != " HOST_ID, r.error);
	inv_response_deinit(&r);

	invoke(&f, &cluster, ACTOR, PROV_KEY, "HttpServer.HandleRequest", "\xc1junk", &r, id);
	EXPECT_TRUE(r.error && strncmp(r.error, "deser error: ", 13) == 0);
	EXPECT_STR("", r.invocation_id);
	inv_response_deinit(&r);

	fixture_stop(&f);
	st_free(json);
	nkey_wipe(&cluster);
	nkey_wipe(&other);
}

/* ---- calls to actors (§6) and deferred answers ---- */

typedef struct call_state {
	fixture *f;
	lat_sub *actor; /* sync subscription standing in for the actor */
	int calls;      /* callbacks run */
	int want;       /* actor_serves is done at this many callbacks */
	prov_call_status status;
	char resp[64];
	char error[256];
	const nkey *cluster;
	bool answer; /* the stand-in answers (else stays silent) */
	int answered;
	char origin_contract[64], origin_link[32], target[64], host_id[64];
} call_state;

static call_state *g_cs;

static void on_call(prov_provider *p, const prov_call_result *r, void *ud)
{
	call_state *cs = ud;

	(void)p;
	cs->calls++;
	cs->status = r->status;
	snprintf(cs->resp, sizeof(cs->resp), "%.*s", (int)r->len,
	         r->msg ? (const char *)r->msg : "");
	snprintf(cs->error, sizeof(cs->error), "%s", r->error ? r->error : "");
}

/* Polls the stand-in actor; answers (verified invocations: upper-cased msg). */
static bool actor_serves(fixture *f)
{
	call_state *cs = g_cs;
	lat_msg *m = NULL;
	inv_invocation inv;
	st_err err;

	(void)f;
	if (cs->calls >= cs->want)
		return true;
	if (lat_sub_next(cs->actor, 2, &m, &err) != 0)
		return false;
	inv_invocation_init(&inv);
	if (inv_invocation_decode(&inv, lat_msg_data(m).p, lat_msg_data(m).n, &err) == 0) {
		const char *issuers[2];
		char pk[NKEY_PUBLIC_LEN + 1];
		claims c;

		nkey_public_text(cs->cluster, pk);
		issuers[0] = pk;
		issuers[1] = NULL;
		claims_init(&c);
		EXPECT_EQ(0, inv_invocation_verify(&inv, issuers, (int64_t)time(NULL), &c, &err));
		claims_deinit(&c);
		snprintf(cs->origin_contract, sizeof(cs->origin_contract), "%s",
		         inv.origin.contract_id);
		snprintf(cs->origin_link, sizeof(cs->origin_link), "%s", inv.origin.link_name);
		snprintf(cs->target, sizeof(cs->target), "%s", inv.target.public_key);
		snprintf(cs->host_id, sizeof(cs->host_id), "%s", inv.host_id);
		if (cs->answer) {
			inv_response r;
			mp_writer w;
			char up[64];
			size_t n = inv.msg.n < sizeof(up) ? inv.msg.n : sizeof(up);

			for (size_t i = 0; i < n; i++)
				up[i] = (char)(inv.msg.p[i] >= 'a' && inv.msg.p[i] <= 'z' ?
				                       inv.msg.p[i] - 32 :
				                       inv.msg.p[i]);
			inv_response_init(&r);
			if (strcmp(inv.operation, "Test.Fail") == 0)
				inv_response_set_error(&r, inv.id, "guest error");
			else
				inv_response_set_ok(&r, inv.id, up, n);
			mp_writer_init_default(&w, 65536);
			EXPECT_EQ(0, inv_response_encode(&r, &w, &err));
			EXPECT_EQ(0, lat_msg_respond(f->client, m, w.p, w.n, &err));
			mp_writer_deinit(&w);
			inv_response_deinit(&r);
		}
		cs->answered++;
	}
	inv_invocation_deinit(&inv);
	lat_msg_free(m);
	return false;
}

static bool call_done(fixture *f)
{
	(void)f;
	return g_cs->calls > 0;
}

/* Host data linking ACTOR with the invocation seed of cluster. */
static char *call_host_data(const nkey *cluster)
{
	char pk[NKEY_PUBLIC_LEN + 1], seed[NKEY_SEED_LEN + 1];
	char *s = xmalloc(4096);

	nkey_public_text(cluster, pk);
	EXPECT_EQ(0, nkey_seed_text(cluster, seed));
	snprintf(s, 4096,
	         "{\"host_id\":\"" HOST_ID "\",\"lattice_rpc_prefix\":\"default\","
	         "\"link_name\":\"web\",\"provider_key\":\"" PROV_KEY "\","
	         "\"env_values\":{},\"link_definitions\":[{\"actor_id\":\"" ACTOR "\","
	         "\"provider_id\":\"" PROV_KEY "\",\"link_name\":\"web\","
	         "\"contract_id\":\"wasmcloud:httpserver\",\"values\":{}}],"
	         "\"cluster_issuers\":[\"%s\"],\"invocation_seed\":\"%s\"}",
	         pk, seed);
	return s;
}

TEST(provider_calls_linked_actors_with_signed_invocations)
{
	call_state cs;
	prov_call *call = NULL;
	nkey cluster;
	fixture f;
	st_err err;
	char *json;

	EXPECT_EQ(0, nkey_generate(&cluster, NKEY_CLUSTER, &err));
	json = call_host_data(&cluster);
	fixture_start(&f, json);
	memset(&cs, 0, sizeof(cs));
	cs.f = &f;
	cs.cluster = &cluster;
	cs.answer = true;
	cs.want = 1;
	g_cs = &cs;
	EXPECT_EQ(0, lat_conn_subscribe_sync(f.client, "wasmbus.rpc.default." ACTOR, NULL,
	                                     &cs.actor, &err));
	EXPECT_EQ(0, lat_conn_flush(f.client, 2000, &err));

	/* An answer. */
	EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "HttpServer.HandleRequest", "hello", 5, 3000,
	                             on_call, &cs, &call, &err));
	EXPECT_TRUE(call != NULL);
	EXPECT_EQ(1, (int)prov_calls_pending(f.p));
	EXPECT_TRUE(run_until(&f, actor_serves, 5000));
	EXPECT_EQ(1, cs.calls);
	EXPECT_EQ(PROV_CALL_OK, (int)cs.status);
	EXPECT_STR("HELLO", cs.resp);
	EXPECT_STR("wasmcloud:httpserver", cs.origin_contract);
	EXPECT_STR("web", cs.origin_link);
	EXPECT_STR(ACTOR, cs.target);
	EXPECT_STR(HOST_ID, cs.host_id);
	EXPECT_EQ(0, (int)prov_calls_pending(f.p));

	/* A guest error. */
	cs.calls = 0;
	EXPECT_EQ(0,
	          prov_call_actor(f.p, ACTOR, "Test.Fail", "x", 1, 3000, on_call, &cs, NULL, &err));
	EXPECT_TRUE(run_until(&f, actor_serves, 5000));
	EXPECT_EQ(PROV_CALL_ERROR, (int)cs.status);
	EXPECT_STR("guest error", cs.error);

	/* Many in flight at once, answered in order of arrival. */
	cs.calls = 0;
	for (int i = 0; i < 20; i++)
		EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "Op.X", "ab", 2, 3000, on_call, &cs, NULL,
		                             &err));
	EXPECT_EQ(20, (int)prov_calls_pending(f.p));
	cs.answered = 0;
	cs.want = 20;
	EXPECT_TRUE(run_until(&f, actor_serves, 5000));
	cs.want = 1;
	EXPECT_EQ(20, cs.calls);
	EXPECT_EQ(0, (int)prov_calls_pending(f.p));

	/* No answer: a timeout. */
	cs.calls = 0;
	cs.answer = false;
	EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "Op.X", "a", 1, 200, on_call, &cs, NULL, &err));
	EXPECT_TRUE(run_until(&f, actor_serves, 5000));
	EXPECT_EQ(PROV_CALL_TIMEOUT, (int)cs.status);

	/* Cancelled: the callback never runs, a late answer is dropped. */
	cs.calls = 0;
	cs.answer = true;
	cs.answered = 0;
	EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "Op.X", "a", 1, 3000, on_call, &cs, &call, &err));
	prov_call_cancel(f.p, call);
	EXPECT_EQ(0, (int)prov_calls_pending(f.p));
	EXPECT_TRUE(!run_until(&f, actor_serves, 300));
	EXPECT_EQ(1, cs.answered);
	EXPECT_EQ(0, cs.calls);

	/* Unlinked actor: refused at once. */
	EXPECT_EQ(ST_ENOTFOUND,
	          prov_call_actor(f.p, ACTOR2, "Op.X", "a", 1, 100, on_call, &cs, NULL, &err));

	/* Nobody serves the actor: "no responders". */
	lat_sub_close(cs.actor);
	cs.actor = NULL;
	EXPECT_EQ(0, lat_conn_flush(f.client, 2000, &err));
	cs.calls = 0;
	EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "Op.X", "a", 1, 3000, on_call, &cs, NULL, &err));
	EXPECT_TRUE(run_until(&f, call_done, 5000));
	EXPECT_EQ(PROV_CALL_NO_ACTOR, (int)cs.status);

	/* Freeing the provider fails the calls still in flight. */
	cs.calls = 0;
	EXPECT_EQ(0, prov_call_actor(f.p, ACTOR, "Op.X", "a", 1, 3000, on_call, &cs, NULL, &err));
	g_cs = NULL;
	fixture_stop(&f);
	EXPECT_EQ(1, cs.calls);
	EXPECT_EQ(PROV_CALL_FAILED, (int)cs.status);
	st_free(json);
	nkey_wipe(&cluster);
}

/* invoke_async: answers from another thread. */
typedef struct deferred_job {
	prov_deferred *d;
	char op[64];
	char msg[64];
	size_t n;
} deferred_job;

static void *deferred_thread(void *arg)
{
	deferred_job *j = arg;
	struct timespec ts = { 0, 20 * 1000000 };

	nanosleep(&ts, NULL);
	if (strcmp(j->op, "Test.Fail") == 0) {
		prov_deferred_finish(j->d, ST_EINVAL, NULL, 0, "failed later");
	} else {
		for (size_t i = 0; i < j->n; i++)
			if (j->msg[i] >= 'a' && j->msg[i] <= 'z')
				j->msg[i] = (char)(j->msg[i] - 32);
		prov_deferred_finish(j->d, 0, j->msg, j->n, NULL);
	}
	st_free(j);
	return NULL;
}

static void cb_invoke_async(prov_provider *p, const char *actor_id, const char *operation,
                            st_slice msg, prov_deferred *d, void *ud)
{
	deferred_job *j = xcalloc(1, sizeof(*j));
	pthread_t t;

	(void)p;
	(void)actor_id;
	(void)ud;
	j->d = d;
	snprintf(j->op, sizeof(j->op), "%s", operation);
	j->n = msg.n < sizeof(j->msg) ? msg.n : sizeof(j->msg);
	memcpy(j->msg, msg.p, j->n);
	EXPECT_EQ(0, pthread_create(&t, NULL, deferred_thread, j));
	pthread_detach(t);
}

TEST(deferred_invocations_are_answered_from_another_thread)
{
	char pk[NKEY_PUBLIC_LEN + 1], id[INV_ID_LEN + 1];
	nkey cluster;
	inv_response r;
	fixture f;
	st_err err;
	char *json;

	EXPECT_EQ(0, nkey_generate(&cluster, NKEY_CLUSTER, &err));
	nkey_public_text(&cluster, pk);
	json = rpc_host_data(pk);
	g_async = true;
	fixture_start(&f, json);

	invoke(&f, &cluster, ACTOR, PROV_KEY, "HttpServer.HandleRequest", NULL, &r, id);
	EXPECT_TRUE(r.error == NULL);
	EXPECT_STR(id, r.invocation_id);
	EXPECT_TRUE(r.msg.n == 5 && memcmp(r.msg.p, "HELLO", 5) == 0);
	inv_response_deinit(&r);

	invoke(&f, &cluster, ACTOR, PROV_KEY, "Test.Fail", NULL, &r, id);
	EXPECT_STR("failed later", r.error);
	inv_response_deinit(&r);

	fixture_stop(&f);
	g_async = false;
	st_free(json);
	nkey_wipe(&cluster);
}

int main(int argc, char **argv)
{
	lat_server_opts o;
	lat_server *srv = NULL;
	st_err err;
	int rc;

	if (lat_server_pick_port("127.0.0.1", &g_port, &err) != 0) {
		fprintf(stderr, "pick port: %s\n", err.msg);
		return 1;
	}
	lat_server_opts_init(&o);
	o.port = g_port;
	if (lat_server_start(&o, &srv, &err) != 0) {
		fprintf(stderr, "nats-server: %s\n", err.msg);
		return 1;
	}
	st_log_set_level(ST_LOG_ERROR);
	rc = test_main(argc, argv);
	lat_server_stop(srv, 10000);
	return rc;
}
