/*
 * test_lattice_cache.c - the LATTICEDATA_{prefix} KV cache: the JSON shapes
 * and keys of lattice.md §7, and put/get/delete/watch against a real
 * nats-server with JetStream (started by main() on a port picked per run;
 * the restart test runs its own server on a store directory it keeps).
 * Each test uses its own lattice prefix.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "lattice/cache.h"
#include "lattice/nats.h"
#include "lattice/server.h"
#include "test.h"

#include "core/banned.h"

#define ACTOR "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP"
#define PROVIDER "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE"
#define LINK_ID "4CA72BB447CFC5A3C47CAEDE053177C4814C3A9E7248C997A0FE80DA8943AC53"
/* The link of lattice.md §0 step 4 as wash writes it into the bucket: no id. */
#define WASH_LINK                                                                     \
	"{\"actor_id\":\"" ACTOR "\",\"provider_id\":\"" PROVIDER "\",\"link_name\":" \
	"\"default\",\"contract_id\":\"wasmcloud:httpserver\",\"values\":{\"PORT\":\"8080\"}}"

static uint16_t g_port;

static void on_deadline(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

static bool run_until(uv_loop_t *loop, bool (*cond)(void *), void *arg, int64_t timeout_ms)
{
	uv_timer_t t;
	bool late = false, ok;

	uv_timer_init(loop, &t);
	t.data = &late;
	uv_timer_start(&t, on_deadline, (uint64_t)timeout_ms, 0);
	while (!(ok = cond(arg)) && !late)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return ok;
}

static lat_conn *connect_to(uv_loop_t *loop, uint16_t port, lat_conn_event_cb ev, void *ud)
{
	lat_conn_opts o;
	lat_conn *c = NULL;
	st_err err;
	int rc;

	lat_conn_opts_init(&o);
	o.port = port;
	o.loop = loop;
	o.on_event = ev;
	o.ud = ud;
	o.reconnect_wait_max_ms = 200;
	rc = lat_conn_connect(&o, &c, &err);
	if (rc != 0)
		fprintf(stderr, "connect: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	return c;
}

static lat_cache *open_cache(lat_conn *c, const char *prefix)
{
	lat_cache *k = NULL;
	st_err err;
	int rc = lat_cache_open(c, prefix, NULL, &k, &err);

	if (rc != 0)
		fprintf(stderr, "cache open: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	return k;
}

/* ---- shapes (no server) ---- */

TEST(cache_link_id_matches_the_spec_vectors)
{
	char id[LINKDEF_ID_LEN + 1];

	linkdef_compute_id("Mbob", "wasmcloud:testy", "default", id);
	EXPECT_STR("B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C", id);
	linkdef_compute_id(ACTOR, "wasmcloud:httpserver", "default", id);
	EXPECT_STR(LINK_ID, id);
}

TEST(cache_link_parse_computes_a_missing_id_and_round_trips)
{
	linkdef l;
	st_err err;
	char *json;

	EXPECT_EQ(0, lat_cache_link_parse(WASH_LINK, strlen(WASH_LINK), &l, &err));
	EXPECT_STR(LINK_ID, l.id);
	EXPECT_STR(ACTOR, l.actor_id);
	EXPECT_STR(PROVIDER, l.provider_id);
	EXPECT_STR("default", l.link_name);
	EXPECT_STR("wasmcloud:httpserver", l.contract_id);
	EXPECT_EQ(1, l.nvalues);
	EXPECT_STR("PORT", l.values[0].key);
	EXPECT_STR("8080", l.values[0].value);
	json = lat_cache_link_to_json(&l);
	EXPECT_STR("{\"id\":\"" LINK_ID "\",\"actor_id\":\"" ACTOR "\",\"provider_id\":\"" PROVIDER
	           "\",\"link_name\":\"default\",\"contract_id\":\"wasmcloud:httpserver\","
	           "\"values\":{\"PORT\":\"8080\"}}",
	           json);
	st_free(json);
	linkdef_deinit(&l);
	EXPECT_TRUE(l.id == NULL);
}

TEST(cache_link_parse_keeps_a_stored_id)
{
	static const char stored[] = "{\"id\":\"ABC\",\"actor_id\":\"a\",\"provider_id\":"
				     "\"p\",\"link_name\":\"l\",\"contract_id\":\"c\"}";
	linkdef l;
	st_err err;

	EXPECT_EQ(0, lat_cache_link_parse(stored, strlen(stored), &l, &err));
	EXPECT_STR("ABC", l.id);
	linkdef_deinit(&l);
}

TEST(cache_link_parse_rejects_bad_shapes)
{
	static const char *bad[] = {
		"[]",
		"{\"provider_id\":\"V\",\"contract_id\":\"c\"}",
		"{\"actor_id\":\"M\",\"provider_id\":\"V\",\"contract_id\":\"c\",\"values\":{\"a\":1}}",
		"{\"actor_id\":\"M\",\"provider_id\":\"V\",\"contract_id\":\"c\",\"link_name\":5}",
		"{\"actor_id\":\"M\",",
	};
	linkdef l;
	st_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(ST_EMALFORMED, lat_cache_link_parse(bad[i], strlen(bad[i]), &l, &err));
		EXPECT_TRUE(l.actor_id == NULL && l.values == NULL);
	}
	/* link_name and values may be absent. */
	EXPECT_EQ(0, lat_cache_link_parse("{\"actor_id\":\"M\",\"provider_id\":\"V\","
	                                  "\"contract_id\":\"c\",\"extra\":[1]}",
	                                  strlen("{\"actor_id\":\"M\",\"provider_id\":\"V\","
	                                         "\"contract_id\":\"c\",\"extra\":[1]}"),
	                                  &l, &err));
	EXPECT_STR("default", l.link_name);
	EXPECT_EQ(0, l.nvalues);
	linkdef_deinit(&l);
}

TEST(cache_keys_follow_the_spec)
{
	const char *suffix = NULL;
	char *k = lat_cache_refmap_key("wasmcloud.azurecr.io/echo:0.3.4");

	EXPECT_STR("REFMAP_d2FzbWNsb3VkLmF6dXJlY3IuaW8vZWNobzowLjMuNA", k);
	EXPECT_EQ(LAT_CACHE_REFMAP, lat_cache_key_kind(k, &suffix));
	EXPECT_STR("d2FzbWNsb3VkLmF6dXJlY3IuaW8vZWNobzowLjMuNA", suffix);
	st_free(k);
	k = lat_cache_key(LAT_CACHE_LINKDEF, LINK_ID);
	EXPECT_STR("LINKDEF_" LINK_ID, k);
	EXPECT_EQ(LAT_CACHE_LINKDEF, lat_cache_key_kind(k, &suffix));
	EXPECT_STR(LINK_ID, suffix);
	st_free(k);
	EXPECT_EQ(LAT_CACHE_CLAIMS, lat_cache_key_kind("CLAIMS_" ACTOR, &suffix));
	EXPECT_STR(ACTOR, suffix);
	EXPECT_EQ(LAT_CACHE_OTHER, lat_cache_key_kind("SOMETHING", &suffix));
	EXPECT_STR("SOMETHING", suffix);
}

TEST(cache_claims_never_hold_null)
{
	static const char in[] = "{\"sub\":\"" ACTOR "\",\"version\":null,\"rev\":\"1\",\"n\":5}";
	static const char refmap[] = "{\"oci_url\":\"r\",\"public_key\":\"M\"}";
	lat_cache_claims cl;
	st_err err;
	char *json;
	char *url = NULL, *pk = NULL;

	EXPECT_EQ(0, lat_cache_claims_parse(in, strlen(in), &cl, &err));
	EXPECT_EQ(3, cl.n);
	EXPECT_STR("", lat_cache_claims_get(&cl, "version"));
	EXPECT_STR("1", lat_cache_claims_get(&cl, "rev"));
	EXPECT_TRUE(lat_cache_claims_get(&cl, "n") == NULL);
	lat_cache_claims_set(&cl, "rev", "2");
	lat_cache_claims_set(&cl, "call_alias", NULL);
	json = lat_cache_claims_to_json(&cl);
	EXPECT_STR("{\"sub\":\"" ACTOR "\",\"version\":\"\",\"rev\":\"2\",\"call_alias\":\"\"}",
	           json);
	st_free(json);
	lat_cache_claims_deinit(&cl);
	EXPECT_EQ(ST_EMALFORMED, lat_cache_claims_parse("nope", 4, &cl, &err));
	EXPECT_EQ(0, lat_cache_refmap_parse(refmap, strlen(refmap), &url, &pk, &err));
	EXPECT_STR("r", url);
	EXPECT_STR("M", pk);
	st_free(url);
	st_free(pk);
	EXPECT_EQ(ST_EMALFORMED,
	          lat_cache_refmap_parse("{\"oci_url\":\"r\"}", 15, &url, &pk, &err));
	EXPECT_TRUE(url == NULL && pk == NULL);
}

/* ---- against the server ---- */

TEST(cache_open_creates_the_stream_with_the_spec_settings)
{
	lat_conn *c = connect_to(NULL, g_port, NULL, NULL);
	lat_cache *k = open_cache(c, "t_open"), *k2;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;

	EXPECT_STR("LATTICEDATA_t_open", lat_cache_bucket(k));
	EXPECT_EQ(NATS_OK, natsConnection_JetStream(&js, lat_conn_nats(c), NULL));
	EXPECT_EQ(NATS_OK, js_GetStreamInfo(&si, js, "KV_LATTICEDATA_t_open", NULL, &jerr));
	if (si) {
		jsStreamConfig *cfg = si->Config;

		EXPECT_EQ(1, cfg->SubjectsLen);
		EXPECT_STR("$KV.LATTICEDATA_t_open.>", cfg->Subjects[0]);
		EXPECT_EQ(1, cfg->MaxMsgsPerSubject);
		EXPECT_EQ(js_FileStorage, cfg->Storage);
		EXPECT_EQ(js_DiscardNew, cfg->Discard);
		EXPECT_EQ(js_LimitsPolicy, cfg->Retention);
		EXPECT_TRUE(cfg->AllowRollup && cfg->DenyDelete && !cfg->DenyPurge);
		EXPECT_TRUE(cfg->AllowDirect && !cfg->MirrorDirect);
		EXPECT_EQ(1, cfg->Replicas);
		EXPECT_EQ(120LL * 1000 * 1000 * 1000, cfg->Duplicates);
		EXPECT_EQ(-1, cfg->MaxMsgs);
		EXPECT_EQ(-1, cfg->MaxBytes);
		EXPECT_EQ(0, cfg->MaxAge);
		jsStreamInfo_Destroy(si);
	}
	jsCtx_Destroy(js);
	/* Opening again (another host starting) uses the existing stream. */
	k2 = open_cache(c, "t_open");
	lat_cache_free(k2);
	lat_cache_free(k);
	lat_conn_free(c);
	lat_lib_close();
}

TEST(cache_put_get_delete_link)
{
	lat_conn *c = connect_to(NULL, g_port, NULL, NULL);
	lat_cache *k = open_cache(c, "t_pgd");
	linkdef l, got;
	st_err err;
	st_buf b;

	EXPECT_EQ(0, lat_cache_link_parse(WASH_LINK, strlen(WASH_LINK), &l, &err));
	EXPECT_EQ(0, lat_cache_put_link(k, &l, &err));
	EXPECT_EQ(0, lat_cache_get_link(k, LINK_ID, &got, &err));
	EXPECT_STR(LINK_ID, got.id);
	EXPECT_STR(PROVIDER, got.provider_id);
	EXPECT_EQ(1, got.nvalues);
	linkdef_deinit(&got);
	/* The stored value is the spec's JSON, id included. */
	st_buf_init(&b, 4096);
	EXPECT_EQ(0, lat_cache_get(k, "LINKDEF_" LINK_ID, &b, &err));
	EXPECT_TRUE(b.n > 72 && memcmp(b.p, "{\"id\":\"" LINK_ID "\"", 72) == 0);
	st_buf_deinit(&b);
	EXPECT_EQ(0, lat_cache_del_link(k, LINK_ID, &err));
	EXPECT_EQ(ST_ENOTFOUND, lat_cache_get_link(k, LINK_ID, &got, &err));
	EXPECT_EQ(0, lat_cache_del_link(k, "NOSUCHID", &err));
	EXPECT_EQ(0, lat_cache_put_refmap(k, "wasmcloud.azurecr.io/echo:0.3.4", ACTOR, &err));
	st_buf_init(&b, 4096);
	EXPECT_EQ(0,
	          lat_cache_get(k, "REFMAP_d2FzbWNsb3VkLmF6dXJlY3IuaW8vZWNobzowLjMuNA", &b, &err));
	st_buf_deinit(&b);
	linkdef_deinit(&l);
	lat_cache_free(k);
	lat_conn_free(c);
	lat_lib_close();
}

/* What a watcher saw, in order. */
#define SEEN_MAX 32
struct seen {
	int n;
	bool synced;
	lat_cache_op op[SEEN_MAX];
	lat_cache_kind kind[SEEN_MAX];
	char key[SEEN_MAX][128];
	char value[SEEN_MAX][512];
	int events_down, events_up;
};

static void on_change(lat_cache *c, const lat_cache_entry *e, void *ud)
{
	struct seen *s = ud;

	(void)c;
	if (e->op == LAT_CACHE_SYNCED) {
		s->synced = true;
		return;
	}
	if (s->n >= SEEN_MAX)
		return;
	s->op[s->n] = e->op;
	s->kind[s->n] = e->kind;
	snprintf(s->key[s->n], sizeof(s->key[0]), "%s", e->key);
	snprintf(s->value[s->n], sizeof(s->value[0]), "%.*s", (int)e->value.n,
	         (const char *)e->value.p);
	s->n++;
}

static bool synced(void *arg)
{
	return ((struct seen *)arg)->synced;
}

struct want {
	struct seen *s;
	int n;
};

static bool reached(void *arg)
{
	struct want *w = arg;

	return w->s->n >= w->n;
}

static bool wait_n(uv_loop_t *loop, struct seen *s, int n)
{
	struct want w = { s, n };

	return run_until(loop, reached, &w, 10000);
}

TEST(cache_watcher_of_another_connection_sees_puts_and_deletes)
{
	uv_loop_t loop;
	struct seen s = { 0 };
	lat_conn *w, *c;
	lat_cache *kw, *kc;
	lat_cache_claims cl = { 0 };
	linkdef l;
	st_err err;

	uv_loop_init(&loop);
	c = connect_to(NULL, g_port, NULL, NULL);
	kc = open_cache(c, "t_watch");
	lat_cache_claims_set(&cl, "sub", ACTOR);
	EXPECT_EQ(0, lat_cache_put_claims(kc, ACTOR, &cl, &err)); /* present before the watch */
	lat_cache_claims_deinit(&cl);

	w = connect_to(&loop, g_port, NULL, NULL);
	kw = open_cache(w, "t_watch");
	EXPECT_EQ(0, lat_cache_watch(kw, on_change, &s, &err));
	EXPECT_EQ(ST_ESTATE, lat_cache_watch(kw, on_change, &s, &err));
	EXPECT_TRUE(run_until(&loop, synced, &s, 10000));
	EXPECT_EQ(1, s.n); /* the initial value */
	EXPECT_EQ(LAT_CACHE_PUT, s.op[0]);
	EXPECT_EQ(LAT_CACHE_CLAIMS, s.kind[0]);
	EXPECT_STR("{\"sub\":\"" ACTOR "\"}", s.value[0]);

	EXPECT_EQ(0, lat_cache_link_parse(WASH_LINK, strlen(WASH_LINK), &l, &err));
	EXPECT_EQ(0, lat_cache_put_link(kc, &l, &err));
	EXPECT_TRUE(wait_n(&loop, &s, 2));
	EXPECT_EQ(LAT_CACHE_PUT, s.op[1]);
	EXPECT_EQ(LAT_CACHE_LINKDEF, s.kind[1]);
	EXPECT_STR("LINKDEF_" LINK_ID, s.key[1]);
	EXPECT_EQ(0, lat_cache_del_link(kc, LINK_ID, &err));
	EXPECT_TRUE(wait_n(&loop, &s, 3));
	EXPECT_EQ(LAT_CACHE_DELETE, s.op[2]);
	EXPECT_STR("LINKDEF_" LINK_ID, s.key[2]);
	EXPECT_STR("", s.value[2]);
	linkdef_deinit(&l);

	lat_cache_free(kw);
	lat_cache_free(kc);
	lat_conn_free(c);
	lat_conn_free(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	EXPECT_EQ(0, uv_loop_close(&loop));
	lat_lib_close();
}

TEST(cache_watcher_sees_raw_kv_writes_of_other_clients)
{
	static const lat_header del[] = { { "KV-Operation", "DEL" } };
	uv_loop_t loop;
	struct seen s = { 0 };
	lat_conn *w, *c;
	lat_cache *kw;
	linkdef l;
	lat_msg *ack = NULL;
	st_err err;

	uv_loop_init(&loop);
	w = connect_to(&loop, g_port, NULL, NULL);
	kw = open_cache(w, "t_raw");
	EXPECT_EQ(0, lat_cache_watch(kw, on_change, &s, &err));
	EXPECT_TRUE(run_until(&loop, synced, &s, 10000));
	EXPECT_EQ(0, s.n);

	/* wash's way (§7.1): a JetStream publish to $KV.{bucket}.{key}, link without id. */
	c = connect_to(NULL, g_port, NULL, NULL);
	EXPECT_EQ(0, lat_conn_request(c, "$KV.LATTICEDATA_t_raw.LINKDEF_" LINK_ID, NULL, 0,
	                              WASH_LINK, strlen(WASH_LINK), 5000, &ack, &err));
	if (ack)
		EXPECT_TRUE(strstr((const char *)lat_msg_data(ack).p, "KV_LATTICEDATA_t_raw") !=
		            NULL);
	lat_msg_free(ack);
	EXPECT_TRUE(wait_n(&loop, &s, 1));
	EXPECT_EQ(LAT_CACHE_PUT, s.op[0]);
	EXPECT_EQ(0, lat_cache_link_parse(s.value[0], strlen(s.value[0]), &l, &err));
	EXPECT_STR(LINK_ID, l.id); /* computed, as the host must */
	linkdef_deinit(&l);

	/* wash's delete: empty body, header KV-Operation: DEL. */
	EXPECT_EQ(0, lat_conn_request(c, "$KV.LATTICEDATA_t_raw.LINKDEF_" LINK_ID, del, 1, "", 0,
	                              5000, &ack, &err));
	lat_msg_free(ack);
	EXPECT_TRUE(wait_n(&loop, &s, 2));
	EXPECT_EQ(LAT_CACHE_DELETE, s.op[1]);
	EXPECT_EQ(LAT_CACHE_LINKDEF, s.kind[1]);

	lat_cache_free(kw);
	lat_conn_free(c);
	lat_conn_free(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	EXPECT_EQ(0, uv_loop_close(&loop));
	lat_lib_close();
}

static void on_conn_event(lat_conn *c, lat_conn_event ev, void *ud)
{
	struct seen *s = ud;

	(void)c;
	if (ev == LAT_CONN_DISCONNECTED)
		s->events_down++;
	else if (ev == LAT_CONN_RECONNECTED)
		s->events_up++;
}

static bool reconnected(void *arg)
{
	return ((struct seen *)arg)->events_up > 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

TEST(cache_links_survive_a_server_restart)
{
	char dir[] = "/tmp/stratus-cache-test-XXXXXX";
	uv_loop_t loop;
	struct seen s = { 0 };
	lat_server_opts so;
	lat_server *srv = NULL;
	lat_conn *w, *c;
	lat_cache *kw, *kc;
	linkdef l, got, l2;
	uint16_t port = 0;
	st_err err;
	static const char link2[] = "{\"actor_id\":\"Mbob\",\"provider_id\":\"" PROVIDER
				    "\",\"link_name\":\"default\",\"contract_id\":"
				    "\"wasmcloud:testy\",\"values\":{}}";

	EXPECT_TRUE(mkdtemp(dir) != NULL);
	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	lat_server_opts_init(&so);
	so.port = port;
	so.state_dir = dir;
	EXPECT_EQ(0, lat_server_start(&so, &srv, &err));

	uv_loop_init(&loop);
	w = connect_to(&loop, port, on_conn_event, &s);
	kw = open_cache(w, "t_restart");
	EXPECT_EQ(0, lat_cache_link_parse(WASH_LINK, strlen(WASH_LINK), &l, &err));
	EXPECT_EQ(0, lat_cache_put_link(kw, &l, &err));
	EXPECT_EQ(0, lat_cache_watch(kw, on_change, &s, &err));
	EXPECT_TRUE(run_until(&loop, synced, &s, 10000));
	EXPECT_EQ(1, s.n);

	/* The host restarts its embedded server on the same store. */
	EXPECT_EQ(0, lat_server_stop(srv, 10000));
	srv = NULL;
	EXPECT_EQ(0, lat_server_start(&so, &srv, &err));
	EXPECT_TRUE(run_until(&loop, reconnected, &s, 15000));
	EXPECT_TRUE(s.events_down > 0);

	/* A fresh client finds the link. */
	c = connect_to(NULL, port, NULL, NULL);
	kc = open_cache(c, "t_restart");
	EXPECT_EQ(0, lat_cache_get_link(kc, LINK_ID, &got, &err));
	EXPECT_STR(ACTOR, got.actor_id);
	linkdef_deinit(&got);

	/* The reconnected watcher keeps delivering. */
	EXPECT_EQ(0, lat_cache_link_parse(link2, strlen(link2), &l2, &err));
	EXPECT_EQ(0, lat_cache_put_link(kc, &l2, &err));
	EXPECT_TRUE(wait_n(&loop, &s, 2));
	EXPECT_STR("LINKDEF_B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C",
	           s.key[1]);
	/* And the reconnected connection writes again. */
	EXPECT_EQ(0, lat_cache_del_link(kw, LINK_ID, &err));
	EXPECT_TRUE(wait_n(&loop, &s, 3));
	EXPECT_EQ(LAT_CACHE_DELETE, s.op[2]);
	linkdef_deinit(&l);
	linkdef_deinit(&l2);

	lat_cache_free(kc);
	lat_cache_free(kw);
	lat_conn_free(c);
	lat_conn_free(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	EXPECT_EQ(0, uv_loop_close(&loop));
	lat_server_stop(srv, 10000);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	lat_lib_close();
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
