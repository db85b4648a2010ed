/*
 * test_provider_keyvalue.c - the keyvalue provider core (kv_) against real
 * redis-server processes on free 127.0.0.1 ports: every KeyValue operation
 * from MessagePack input to the exact MessagePack output, checked against
 * what Redis then holds (read with a plain hiredis connection); URLs, AUTH
 * and SELECT; errors; Redis refusing, restarting, dying and hanging; many
 * threads on one kv_conn. main starts one redis-server shared by the tests
 * (each test flushes it); tests that need their own start it. Without
 * redis-server the tests that need Redis print "skip" and pass.
 */
#define _GNU_SOURCE /* prctl */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <hiredis.h>

#include "codec/msgpack.h"
#include "core/buf.h"
#include "core/mem.h"
#include "keyvalue/kv_rt.h"
#include "keyvalue/kvredis.h"
#include "lattice/linkdef.h"
#include "lattice/server.h"
#include "test.h"
#include "wc_keyvalue.h"
#include "wc_model.h"
#include "core/banned.h"

/* ---- redis-server processes -------------------------------------------- */

static char redis_bin[4200]; /* "" when not installed */
static int redis_port;       /* the shared server's port; 0 without one */
static pid_t redis_pid;

static bool find_redis(void)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	struct stat st;

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "");
	for (char *d = dirs, *end; d && *d; d = end ? end + 1 : NULL) {
		end = strchr(d, ':');
		if (end)
			*end = 0;
		snprintf(redis_bin, sizeof(redis_bin), "%s/redis-server", d);
		if (stat(redis_bin, &st) == 0 && (st.st_mode & S_IXUSR))
			return true;
	}
	redis_bin[0] = 0;
	return false;
}

/* A free port below the ephemeral range (see lat_server_pick_port), or 0. */
static int free_port(void)
{
	uint16_t port = 0;
	st_err err;

	if (lat_server_pick_port("127.0.0.1", &port, &err) != 0)
		return 0;
	return port;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* True when a Redis on port answers PING (password: AUTH first, may be NULL). */
static bool redis_answers(int port)
{
	struct timeval tv = { 0, 200000 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	bool ok = false;

	if (c && !c->err) {
		redisReply *r = redisCommand(c, "PING");

		/* A server with a password answers NOAUTH: it is up as well. */
		ok = r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR);
		if (r)
			freeReplyObject(r);
	}
	if (c)
		redisFree(c);
	return ok;
}

/*
 * Starts redis-server on port (extra: NULL-terminated further arguments, may
 * be NULL) and waits up to 10 s until it answers. Returns its pid, or -1.
 */
static pid_t redis_start(int port, const char *const *extra)
{
	char portstr[16];
	const char *argv[32] = { redis_bin, "--port",     portstr,        "--bind", "127.0.0.1",
		                 "--save",  "",           "--appendonly", "no",     "--daemonize",
		                 "no",      "--loglevel", "warning" };
	int argc = 13;
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%d", port);
	for (int i = 0; extra && extra[i] && argc < 31; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(redis_bin, (char *const *)argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (int i = 0; i < 1000; i++) {
		int status;

		if (redis_answers(port))
			return pid;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		nap_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void redis_stop(pid_t pid, int sig)
{
	if (pid <= 0)
		return;
	kill(pid, sig);
	waitpid(pid, NULL, 0);
}

/*
 * Starts redis-server on a free port (trying a few, in case another process
 * takes the port first); *port is set. Returns its pid, or -1.
 */
static pid_t redis_start_anywhere(const char *const *extra, int *port)
{
	for (int i = 0; i < 5; i++) {
		pid_t pid;

		*port = free_port();
		pid = redis_start(*port, extra);
		if (pid > 0)
			return pid;
	}
	return -1;
}

/*
 * True when the shared Redis runs. Without redis-server the test is
 * skipped (false, with a note); an installed one that did not start fails it.
 */
static bool have_redis(void)
{
	if (redis_port > 0)
		return true;
	if (redis_bin[0])
		TEST_FAIL_("redis-server (%s) did not start", redis_bin);
	else
		printf("  skip: redis-server is not installed\n");
	return false;
}

/* A plain connection to the shared Redis, for checking what the provider did. */
static redisContext *raw(void)
{
	redisContext *c = redisConnect("127.0.0.1", redis_port);

	if (!c || c->err) {
		fprintf(stderr, "cannot connect to the test Redis\n");
		exit(1);
	}
	return c;
}

/* Runs a command on the shared Redis and returns its integer reply (-999 when not one). */
static long long raw_int(const char *fmt, const char *arg)
{
	redisContext *c = raw();
	redisReply *r = redisCommand(c, fmt, arg);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -999;

	if (r)
		freeReplyObject(r);
	redisFree(c);
	return v;
}

/* The string reply of a command on the shared Redis, or "(nil)"/"(other)" (static). */
static const char *raw_str(const char *fmt, const char *arg)
{
	static char buf[256];
	redisContext *c = raw();
	redisReply *r = redisCommand(c, fmt, arg);

	if (r && r->type == REDIS_REPLY_STRING)
		snprintf(buf, sizeof(buf), "%.*s", (int)r->len, r->str);
	else
		snprintf(buf, sizeof(buf), "%s",
		         r && r->type == REDIS_REPLY_NIL ? "(nil)" : "(other)");
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return buf;
}

/* Empties the shared Redis: every test that uses it starts here. */
static bool fresh(void)
{
	redisContext *c;
	redisReply *r;

	if (!have_redis())
		return false;
	c = raw();
	r = redisCommand(c, "FLUSHALL");
	EXPECT_TRUE(r && r->type == REDIS_REPLY_STATUS);
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return true;
}

/* ---- Inputs and outputs -------------------------------------------------- */

typedef struct bytes {
	uint8_t *p;
	size_t n;
} bytes;

static wc_str S(const char *s)
{
	wc_str w = { s, strlen(s) };

	return w;
}

static bytes take(mp_writer *w)
{
	bytes b;

	if (mp_writer_status(w) != 0) {
		fprintf(stderr, "cannot encode a test input\n");
		exit(1);
	}
	b.p = mp_writer_detach(w, &b.n);
	return b;
}

static bytes in_str(const char *s)
{
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wcg_mp_write_str(&w, S(s));
	return take(&w);
}

static bytes in_set(const char *key, const char *value, uint32_t expires)
{
	wc_keyvalue_set_request v = { S(key), S(value), expires };
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wc_keyvalue_set_request_encode(&w, &v);
	return take(&w);
}

static bytes in_inc(const char *key, int32_t by)
{
	wc_keyvalue_increment_request v = { S(key), by };
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wc_keyvalue_increment_request_encode(&w, &v);
	return take(&w);
}

/* ListAdd / ListDel ({listName, value}) and SetAdd / SetDel ({setName, value}). */
static bytes in_list_item(const char *list, const char *value)
{
	wc_keyvalue_list_add_request v = { S(list), S(value) };
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wc_keyvalue_list_add_request_encode(&w, &v);
	return take(&w);
}

static bytes in_set_item(const char *set, const char *value)
{
	wc_keyvalue_set_add_request v = { S(set), S(value) };
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wc_keyvalue_set_add_request_encode(&w, &v);
	return take(&w);
}

static bytes in_range(const char *list, int32_t start, int32_t stop)
{
	wc_keyvalue_list_range_request v = { S(list), start, stop };
	mp_writer w;

	mp_writer_init_default(&w, 1 << 20);
	(void)wc_keyvalue_list_range_request_encode(&w, &v);
	return take(&w);
}

static bytes in_names(size_t n, const char *const *names)
{
	wc_str items[16];
	wc_model_string_list v = { items, n };
	mp_writer w;

	for (size_t i = 0; i < n; i++)
		items[i] = S(names[i]);
	mp_writer_init_default(&w, 1 << 20);
	(void)wc_model_string_list_encode(&w, &v);
	return take(&w);
}

/* The outcome of one operation: rc, the output bytes and the error text. */
typedef struct result {
	int rc;
	uint8_t out[4096];
	size_t n;
	char err[ST_ERR_MSG_MAX];
} result;

/* Runs op on c with in (freed) and returns the outcome (static; valid until the next call). */
static const result *call(kv_conn *c, const char *op, bytes in)
{
	static result res;
	st_buf out;
	st_err err;

	st_buf_init(&out, sizeof(res.out));
	st_err_clear(&err);
	res.rc = kv_conn_invoke(c, op, in.p, in.n, &out, &err);
	res.n = out.n;
	if (out.n)
		memcpy(res.out, out.p, out.n);
	snprintf(res.err, sizeof(res.err), "%s", res.rc < 0 ? err.msg : "");
	if (res.rc < 0 && out.n != 0)
		TEST_FAIL_("%s failed but left %zu output bytes", op, out.n);
	if (kv_rt_used() != 0)
		TEST_FAIL_("%s left %zu bytes in the arena", op, kv_rt_used());
	st_buf_deinit(&out);
	st_free(in.p);
	return &res;
}

/*
 * Parses a byte spec: hex pairs and 'quoted text' separated by spaces, e.g.
 * "82 a5 'value' a0". Returns the byte count.
 */
static size_t spec_bytes(const char *spec, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (const char *p = spec; *p && n < max;) {
		if (*p == ' ') {
			p++;
		} else if (*p == '\'') {
			for (p++; *p && *p != '\'' && n < max; p++)
				out[n++] = (uint8_t)*p;
			if (*p == '\'')
				p++;
		} else {
			unsigned v = 0;

			if (sscanf(p, "%2x", &v) != 1)
				break;
			out[n++] = (uint8_t)v;
			p += 2;
		}
	}
	return n;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && k + 4 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%02x", i ? " " : "", p[i]);
}

/* Checks a successful result against a byte spec. */
#define EXPECT_OUT(spec, r)                                                          \
	do {                                                                         \
		uint8_t w_[4096];                                                    \
		size_t wn_ = spec_bytes((spec), w_, sizeof(w_));                     \
		char wh_[8192], gh_[8192];                                           \
		const result *r_ = (r);                                              \
		if (r_->rc != 0) {                                                   \
			TEST_FAIL_("expected success, got %d: %s", r_->rc, r_->err); \
		} else if (wn_ != r_->n || memcmp(w_, r_->out, wn_) != 0) {          \
			hex(w_, wn_, wh_, sizeof(wh_));                              \
			hex(r_->out, r_->n, gh_, sizeof(gh_));                       \
			TEST_FAIL_("output: want [%s], got [%s]", wh_, gh_);         \
		}                                                                    \
	} while (0)

/* Checks a failed result: its code and that its text starts with prefix. */
#define EXPECT_FAIL(code, prefix, r)                                                             \
	do {                                                                                     \
		const result *r_ = (r);                                                          \
		EXPECT_EQ((code), r_->rc);                                                       \
		if (strncmp(r_->err, (prefix), strlen(prefix)) != 0)                             \
			TEST_FAIL_("error text: want \"%s...\", got \"%s\"", (prefix), r_->err); \
	} while (0)

static kv_conn *conn_to(int port)
{
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/", port);
	return kv_conn_new(url, NULL);
}

/* ---- URLs and settings (no Redis needed) ---------------------------------- */

TEST(url_parse_accepts_the_reference_forms)
{
	kv_url u;
	st_err err;

	EXPECT_EQ(0, kv_url_parse(&u, KV_DEFAULT_URL, &err));
	EXPECT_STR("127.0.0.1", u.host);
	EXPECT_EQ(6379, u.port);
	EXPECT_EQ(0, u.db);
	EXPECT_TRUE(!u.user && !u.password && !u.path);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "REDIS://cache.local:6390/7", &err));
	EXPECT_STR("cache.local", u.host);
	EXPECT_EQ(6390, u.port);
	EXPECT_EQ(7, u.db);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "redis://localhost", &err));
	EXPECT_STR("localhost", u.host);
	EXPECT_EQ(6379, u.port);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "redis://[::1]:7000/2", &err));
	EXPECT_STR("::1", u.host);
	EXPECT_EQ(7000, u.port);
	EXPECT_EQ(2, u.db);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "redis://:s%40cret@h:1/", &err));
	EXPECT_TRUE(u.user == NULL);
	EXPECT_STR("s@cret", u.password);
	EXPECT_STR("redis://:***@h:1/", u.display);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "redis://ann:pw:with:colons@h", &err));
	EXPECT_STR("ann", u.user);
	EXPECT_STR("pw:with:colons", u.password);
	EXPECT_STR("redis://ann:***@h", u.display);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "unix:///run/redis.sock?db=4", &err));
	EXPECT_TRUE(u.host == NULL);
	EXPECT_STR("/run/redis.sock", u.path);
	EXPECT_EQ(4, u.db);
	kv_url_deinit(&u);

	EXPECT_EQ(0, kv_url_parse(&u, "redis+unix:///tmp/r.sock", &err));
	EXPECT_STR("/tmp/r.sock", u.path);
	kv_url_deinit(&u);
}

TEST(url_parse_rejects_what_it_cannot_use)
{
	static const char *const bad[] = { "127.0.0.1:6379", "http://x",        "redis://",
		                           "redis://h:0",    "redis://h:65536", "redis://h:x1",
		                           "redis://h/db",   "redis://[::1",    "unix://rel/path",
		                           "redis://:%zz@h" };
	kv_url u;
	st_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st_err_clear(&err);
		if (kv_url_parse(&u, bad[i], &err) != ST_EINVAL)
			TEST_FAIL_("%s: want ST_EINVAL (%s)", bad[i], err.msg);
		EXPECT_TRUE(strstr(err.msg, "invalid Redis URL") != NULL);
		EXPECT_TRUE(u.host == NULL && u.display == NULL);
	}
	EXPECT_EQ(ST_ENOSYS, kv_url_parse(&u, "rediss://h:6380", &err));
	EXPECT_STR("Redis URL 'rediss://h:6380': TLS (rediss://) is not supported", err.msg);
}

TEST(passwords_never_reach_messages)
{
	kv_conn *c;
	kv_url u;
	st_err err;

	EXPECT_EQ(ST_ENOSYS, kv_url_parse(&u, "rediss://:topsecret@h:6380", &err));
	EXPECT_STR("Redis URL 'rediss://:***@h:6380': TLS (rediss://) is not supported", err.msg);
	EXPECT_EQ(ST_EINVAL, kv_url_parse(&u, "redis://u:topsecret@h:99999/", &err));
	EXPECT_STR("invalid Redis URL 'redis://u:***@h:99999/': bad port '99999'", err.msg);
	EXPECT_EQ(ST_EINVAL, kv_url_parse(&u, "tcp://u:topsecret@h", &err));
	EXPECT_TRUE(strstr(err.msg, "topsecret") == NULL && strstr(err.msg, "tcp://u:***@h"));
	c = kv_conn_new("redis://:topsecret@127.0.0.1:1/", NULL);
	EXPECT_STR("redis://:***@127.0.0.1:1/", kv_conn_display(c));
	EXPECT_TRUE(strstr(call(c, "KeyValue.Get", in_str("k"))->err, "topsecret") == NULL);
	kv_conn_free(c);
}

TEST(link_url_key_is_case_insensitive)
{
	linkdef ld;

	linkdef_init(&ld);
	linkdef_set(&ld, "MA", "VB", "default", "wasmcloud:keyvalue");
	EXPECT_TRUE(kv_link_url(&ld) == NULL);
	linkdef_add_value(&ld, "other", "x");
	linkdef_add_value(&ld, "uRl", "redis://h:1/");
	EXPECT_STR("redis://h:1/", kv_link_url(&ld));
	linkdef_deinit(&ld);
}

TEST(config_json_names_the_default_url)
{
	char *u;

	EXPECT_TRUE(kv_url_from_config(NULL) == NULL);
	EXPECT_TRUE(kv_url_from_config("not json") == NULL);
	EXPECT_TRUE(kv_url_from_config("{\"other\":1}") == NULL);
	EXPECT_TRUE(kv_url_from_config("{\"url\":5}") == NULL);
	u = kv_url_from_config("{\"url\":\"redis://a:1/\"}");
	EXPECT_STR("redis://a:1/", u);
	st_free(u);
	u = kv_url_from_config("{\"URL\":\"redis://b:2/\"}");
	EXPECT_STR("redis://b:2/", u);
	st_free(u);
	u = kv_url_from_config("{\"Url\":\"redis://c:3/\"}");
	EXPECT_STR("redis://c:3/", u);
	st_free(u);
}

TEST(unknown_operations_get_wasmbus_rpc_texts_without_connecting)
{
	kv_conn *c = conn_to(free_port());

	EXPECT_FAIL(ST_ENOSYS, "method not handled KeyValue::Frobnicate",
	            call(c, "KeyValue.Frobnicate", in_str("k")));
	EXPECT_FAIL(ST_ENOSYS, "method not handled Blobstore.Get - unknown method",
	            call(c, "Blobstore.Get", in_str("k")));
	EXPECT_FAIL(ST_ENOSYS, "method not handled KeyValueGet - unknown method",
	            call(c, "KeyValueGet", in_str("k")));
	EXPECT_EQ(0, kv_conn_open_count(c));
	kv_conn_free(c);
}

TEST(undecodable_input_fails_without_connecting)
{
	static const uint8_t map[] = { 0x81, 0xa1, 'k', 0x01 };
	static const uint8_t str[] = { 0xa3, 'k', 'e', 'y' };
	kv_conn *c = conn_to(free_port());
	bytes b;

	b.p = xmalloc(sizeof(map));
	memcpy(b.p, map, sizeof(map));
	b.n = sizeof(map);
	EXPECT_FAIL(ST_EMALFORMED,
	            "deserialization: KeyValue.Get input: ", call(c, "KeyValue.Get", b));
	b.p = xmalloc(sizeof(str));
	memcpy(b.p, str, sizeof(str));
	b.n = sizeof(str);
	EXPECT_FAIL(ST_EMALFORMED,
	            "deserialization: KeyValue.Set input: ", call(c, "KeyValue.Set", b));
	b.p = xmalloc(2);
	memcpy(b.p, str, 2);
	b.n = 2; /* a str cut short */
	EXPECT_FAIL(ST_EMALFORMED,
	            "deserialization: KeyValue.Del input: ", call(c, "KeyValue.Del", b));
	EXPECT_EQ(0, kv_conn_open_count(c));
	kv_conn_free(c);
}

TEST(bad_url_fails_every_operation_with_its_reason)
{
	kv_conn *c = kv_conn_new("http://nope", NULL);
	st_err err;

	EXPECT_FAIL(ST_EINVAL, "redis error: invalid Redis URL 'http://nope'",
	            call(c, "KeyValue.Get", in_str("k")));
	EXPECT_EQ(ST_EINVAL, kv_conn_connect(c, &err));
	EXPECT_STR("http://nope", kv_conn_display(c));
	kv_conn_free(c);
}

TEST(nobody_listening_is_a_clear_connection_error)
{
	int port = free_port();
	kv_conn *c = conn_to(port);
	char want[128];
	st_err err;

	snprintf(want, sizeof(want),
	         "redis error: cannot connect to redis://127.0.0.1:%d/: ", port);
	EXPECT_FAIL(ST_EIO, want, call(c, "KeyValue.Get", in_str("k")));
	EXPECT_TRUE(strstr(call(c, "KeyValue.Get", in_str("k"))->err, "Connection refused") !=
	            NULL);
	EXPECT_EQ(ST_EIO, kv_conn_connect(c, &err));
	EXPECT_TRUE(strncmp(err.msg, want, strlen(want)) == 0);
	kv_conn_free(c);
}

/* ---- The operations ------------------------------------------------------- */

TEST(get_of_a_missing_key_is_empty_and_not_existing)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("82 a5 'value' a0 a6 'exists' c2", call(c, "KeyValue.Get", in_str("nokey")));
	kv_conn_free(c);
}

TEST(set_then_get_returns_the_value)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("greeting", "hello", 0)));
	EXPECT_STR("hello", raw_str("GET %s", "greeting"));
	EXPECT_EQ(-1, raw_int("TTL %s", "greeting"));
	EXPECT_OUT("82 a5 'value' a5 'hello' a6 'exists' c3",
	           call(c, "KeyValue.Get", in_str("greeting")));
	/* An empty value exists. */
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("empty", "", 0)));
	EXPECT_OUT("82 a5 'value' a0 a6 'exists' c3", call(c, "KeyValue.Get", in_str("empty")));
	kv_conn_free(c);
}

TEST(set_with_expires_sets_a_ttl_and_without_clears_it)
{
	kv_conn *c;
	long long ttl;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("tmp", "v", 100)));
	ttl = raw_int("TTL %s", "tmp");
	EXPECT_TRUE(ttl > 90 && ttl <= 100);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("tmp", "w", 0)));
	EXPECT_EQ(-1, raw_int("TTL %s", "tmp"));
	EXPECT_STR("w", raw_str("GET %s", "tmp"));
	kv_conn_free(c);
}

TEST(del_and_contains_report_the_key)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("c2", call(c, "KeyValue.Contains", in_str("k")));
	EXPECT_OUT("c2", call(c, "KeyValue.Del", in_str("k")));
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("k", "v", 0)));
	EXPECT_OUT("c3", call(c, "KeyValue.Contains", in_str("k")));
	EXPECT_OUT("c3", call(c, "KeyValue.Del", in_str("k")));
	EXPECT_OUT("c2", call(c, "KeyValue.Contains", in_str("k")));
	EXPECT_EQ(0, raw_int("EXISTS %s", "k"));
	kv_conn_free(c);
}

TEST(increment_counts_from_zero_and_encodes_the_smallest_int)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("counter:hits", 1)));
	EXPECT_OUT("06", call(c, "KeyValue.Increment", in_inc("counter:hits", 5)));
	EXPECT_OUT("fe", call(c, "KeyValue.Increment", in_inc("counter:hits", -8)));
	EXPECT_OUT("cc c8", call(c, "KeyValue.Increment", in_inc("counter:hits", 202)));
	EXPECT_OUT("d1 ff 38", call(c, "KeyValue.Increment", in_inc("counter:hits", -400)));
	EXPECT_OUT("ce 00 01 11 70", call(c, "KeyValue.Increment", in_inc("counter:hits", 70200)));
	EXPECT_STR("70000", raw_str("GET %s", "counter:hits"));
	/* A value set as a decimal string counts on from it. */
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("n", "41", 0)));
	EXPECT_OUT("2a", call(c, "KeyValue.Increment", in_inc("n", 1)));
	kv_conn_free(c);
}

TEST(increment_of_a_non_integer_fails_with_redis_text)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("word", "hello", 0)));
	EXPECT_FAIL(ST_EINVAL, "redis error: ERR value is not an integer or out of range",
	            call(c, "KeyValue.Increment", in_inc("word", 1)));
	EXPECT_STR("hello", raw_str("GET %s", "word"));
	kv_conn_free(c);
}

TEST(increment_past_i32_fails)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("big", "2147483647", 0)));
	EXPECT_FAIL(ST_EINVAL,
	            "redis error: the value of 'big' is now 2147483648, which does not fit the i32",
	            call(c, "KeyValue.Increment", in_inc("big", 1)));
	EXPECT_OUT("ce 7f ff ff ff", call(c, "KeyValue.Increment", in_inc("big", -1)));
	kv_conn_free(c);
}

TEST(lists_add_range_del_and_clear)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("90", call(c, "KeyValue.ListRange", in_range("l", 0, -1)));
	EXPECT_OUT("01", call(c, "KeyValue.ListAdd", in_list_item("l", "a")));
	EXPECT_OUT("02", call(c, "KeyValue.ListAdd", in_list_item("l", "b")));
	EXPECT_OUT("03", call(c, "KeyValue.ListAdd", in_list_item("l", "a")));
	EXPECT_OUT("04", call(c, "KeyValue.ListAdd", in_list_item("l", "c")));
	EXPECT_OUT("94 a1 'a' a1 'b' a1 'a' a1 'c'",
	           call(c, "KeyValue.ListRange", in_range("l", 0, -1)));
	EXPECT_OUT("92 a1 'b' a1 'a'", call(c, "KeyValue.ListRange", in_range("l", 1, 2)));
	EXPECT_OUT("92 a1 'a' a1 'c'", call(c, "KeyValue.ListRange", in_range("l", -2, 100)));
	EXPECT_OUT("90", call(c, "KeyValue.ListRange", in_range("l", 5, 9)));
	/* ListDel removes the first occurrence only. */
	EXPECT_OUT("c3", call(c, "KeyValue.ListDel", in_list_item("l", "a")));
	EXPECT_OUT("93 a1 'b' a1 'a' a1 'c'", call(c, "KeyValue.ListRange", in_range("l", 0, -1)));
	EXPECT_OUT("c2", call(c, "KeyValue.ListDel", in_list_item("l", "zzz")));
	EXPECT_EQ(3, raw_int("LLEN %s", "l"));
	EXPECT_OUT("c3", call(c, "KeyValue.ListClear", in_str("l")));
	EXPECT_OUT("c2", call(c, "KeyValue.ListClear", in_str("l")));
	EXPECT_EQ(0, raw_int("EXISTS %s", "l"));
	kv_conn_free(c);
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Sorts the str items of a StringList output in place (Redis sets have no order). */
static void sort_list(result *r)
{
	char items[16][16];
	size_t n, pos = 1;

	if (r->rc != 0 || r->n == 0 || (r->out[0] & 0xf0) != 0x90)
		return;
	n = r->out[0] & 0x0f;
	for (size_t i = 0; i < n && i < 16; i++) {
		size_t len = r->out[pos] & 0x1f;

		snprintf(items[i], sizeof(items[i]), "%.*s", (int)len,
		         (const char *)r->out + pos + 1);
		pos += 1 + len;
	}
	qsort(items, n, sizeof(items[0]), cmp_item);
	pos = 1;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(items[i]);

		r->out[pos] = (uint8_t)(0xa0 | len);
		memcpy(r->out + pos + 1, items[i], len);
		pos += 1 + len;
	}
}

static const result *sorted(const result *r)
{
	sort_list((result *)r);
	return r;
}

TEST(sets_add_del_query_and_clear)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("90", call(c, "KeyValue.SetQuery", in_str("s")));
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("s", "x")));
	EXPECT_OUT("00", call(c, "KeyValue.SetAdd", in_set_item("s", "x")));
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("s", "y")));
	EXPECT_OUT("92 a1 'x' a1 'y'", sorted(call(c, "KeyValue.SetQuery", in_str("s"))));
	EXPECT_OUT("01", call(c, "KeyValue.SetDel", in_set_item("s", "x")));
	EXPECT_OUT("00", call(c, "KeyValue.SetDel", in_set_item("s", "x")));
	EXPECT_OUT("91 a1 'y'", call(c, "KeyValue.SetQuery", in_str("s")));
	EXPECT_EQ(1, raw_int("SCARD %s", "s"));
	EXPECT_OUT("c3", call(c, "KeyValue.SetClear", in_str("s")));
	EXPECT_OUT("c2", call(c, "KeyValue.SetClear", in_str("s")));
	EXPECT_OUT("90", call(c, "KeyValue.SetQuery", in_str("s")));
	kv_conn_free(c);
}

TEST(set_union_and_intersection)
{
	static const char *const ab[] = { "A", "B" }, *const abz[] = { "A", "B", "Z" };
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("A", "1")));
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("A", "2")));
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("B", "2")));
	EXPECT_OUT("01", call(c, "KeyValue.SetAdd", in_set_item("B", "3")));
	EXPECT_OUT("93 a1 '1' a1 '2' a1 '3'",
	           sorted(call(c, "KeyValue.SetUnion", in_names(2, ab))));
	EXPECT_OUT("91 a1 '2'", call(c, "KeyValue.SetIntersection", in_names(2, ab)));
	/* A missing set is empty. */
	EXPECT_OUT("93 a1 '1' a1 '2' a1 '3'",
	           sorted(call(c, "KeyValue.SetUnion", in_names(3, abz))));
	EXPECT_OUT("90", call(c, "KeyValue.SetIntersection", in_names(3, abz)));
	/* No set names: passed to Redis as the reference provider does, which refuses. */
	EXPECT_FAIL(ST_EINVAL, "redis error: ERR wrong number of arguments",
	            call(c, "KeyValue.SetUnion", in_names(0, NULL)));
	EXPECT_FAIL(ST_EINVAL, "redis error: ERR wrong number of arguments",
	            call(c, "KeyValue.SetIntersection", in_names(0, NULL)));
	kv_conn_free(c);
}

TEST(wrong_redis_type_fails_with_redis_text)
{
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("01", call(c, "KeyValue.ListAdd", in_list_item("l", "a")));
	EXPECT_FAIL(ST_EINVAL, "redis error: WRONGTYPE Operation against a key holding the wrong",
	            call(c, "KeyValue.Get", in_str("l")));
	EXPECT_FAIL(ST_EINVAL, "redis error: WRONGTYPE",
	            call(c, "KeyValue.SetAdd", in_set_item("l", "x")));
	EXPECT_FAIL(ST_EINVAL, "redis error: WRONGTYPE",
	            call(c, "KeyValue.Increment", in_inc("l", 1)));
	/* The connection is fine afterwards. */
	EXPECT_OUT("02", call(c, "KeyValue.ListAdd", in_list_item("l", "b")));
	EXPECT_OUT("92 a1 'a' a1 'b'", call(c, "KeyValue.ListRange", in_range("l", 0, -1)));
	kv_conn_free(c);
}

TEST(keys_and_values_are_binary_safe)
{
	static const uint8_t set[] = { 0x83, 0xa3, 'k', 'e', 'y', 0xa3, 'a', 0x00, 'b', 0xa5,
		                       'v',  'a',  'l', 'u', 'e', 0xa3, 'x', 0x00, 'y', 0xa7,
		                       'e',  'x',  'p', 'i', 'r', 'e',  's', 0x00 };
	static const uint8_t get[] = { 0xa3, 'a', 0x00, 'b' };
	kv_conn *c;
	bytes b;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	b.p = xmalloc(sizeof(set));
	memcpy(b.p, set, sizeof(set));
	b.n = sizeof(set);
	EXPECT_OUT("", call(c, "KeyValue.Set", b));
	b.p = xmalloc(sizeof(get));
	memcpy(b.p, get, sizeof(get));
	b.n = sizeof(get);
	EXPECT_OUT("82 a5 'value' a3 'x' 00 'y' a6 'exists' c3", call(c, "KeyValue.Get", b));
	kv_conn_free(c);
}

TEST(output_larger_than_the_buffer_is_refused)
{
	kv_conn *c;
	st_buf out;
	st_err err;
	bytes in;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("k", "a value of some length", 0)));
	in = in_str("k");
	st_buf_init(&out, 10);
	EXPECT_EQ(ST_ETOOBIG, kv_conn_invoke(c, "KeyValue.Get", in.p, in.n, &out, &err));
	EXPECT_EQ(0, out.n);
	EXPECT_TRUE(strstr(err.msg, "KeyValue.Get: cannot encode the output") != NULL);
	st_buf_deinit(&out);
	st_free(in.p);
	kv_conn_free(c);
}

/* ---- URLs against Redis ---------------------------------------------------- */

TEST(url_database_is_selected)
{
	char url[64];
	kv_conn *c;
	redisContext *r;
	redisReply *rep;

	if (!fresh())
		return;
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", redis_port);
	c = kv_conn_new(url, NULL);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("indb3", "yes", 0)));
	EXPECT_EQ(0, raw_int("EXISTS %s", "indb3"));
	r = raw();
	rep = redisCommand(r, "SELECT 3");
	freeReplyObject(rep);
	rep = redisCommand(r, "GET indb3");
	EXPECT_TRUE(rep && rep->type == REDIS_REPLY_STRING && strcmp(rep->str, "yes") == 0);
	freeReplyObject(rep);
	redisFree(r);
	kv_conn_free(c);
}

TEST(password_from_the_url_authenticates)
{
	static const char *const extra[] = { "--requirepass", "open sesame", NULL };
	int port;
	pid_t pid;
	char url[128];
	kv_conn *c;

	if (!have_redis())
		return;
	pid = redis_start_anywhere(extra, &port);
	EXPECT_TRUE(pid > 0);
	snprintf(url, sizeof(url), "redis://:open%%20sesame@127.0.0.1:%d/", port);
	c = kv_conn_new(url, NULL);
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("k", 1)));
	EXPECT_EQ(1, kv_conn_open_count(c));
	kv_conn_free(c);
	snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d/", port);
	c = kv_conn_new(url, NULL);
	EXPECT_FAIL(ST_EIO, "redis error: cannot connect to redis://:***@127.0.0.1:",
	            call(c, "KeyValue.Increment", in_inc("k", 1)));
	EXPECT_TRUE(strstr(call(c, "KeyValue.Get", in_str("k"))->err, "AUTH: WRONGPASS") != NULL);
	EXPECT_EQ(0, kv_conn_open_count(c));
	kv_conn_free(c);
	/* Without a password Redis refuses the command itself. */
	c = conn_to(port);
	EXPECT_FAIL(ST_EINVAL, "redis error: NOAUTH", call(c, "KeyValue.Get", in_str("k")));
	kv_conn_free(c);
	redis_stop(pid, SIGTERM);
}

/* ---- Redis going away ---------------------------------------------------- */

TEST(redis_started_late_is_used_without_relinking)
{
	int port;
	pid_t pid;
	kv_conn *c;
	st_err err;

	if (!have_redis())
		return;
	port = free_port();
	c = conn_to(port);
	EXPECT_EQ(ST_EIO, kv_conn_connect(c, &err));
	EXPECT_FAIL(ST_EIO, "redis error: cannot connect to", call(c, "KeyValue.Get", in_str("k")));
	pid = redis_start(port, NULL);
	EXPECT_TRUE(pid > 0);
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("k", 1)));
	EXPECT_EQ(0, kv_conn_connect(c, &err));
	kv_conn_free(c);
	redis_stop(pid, SIGTERM);
}

TEST(redis_restarted_while_idle_is_reconnected_transparently)
{
	int port;
	pid_t pid;
	kv_conn *c;

	if (!have_redis())
		return;
	pid = redis_start_anywhere(NULL, &port);
	c = conn_to(port);
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("k", 1)));
	EXPECT_EQ(1, kv_conn_open_count(c));
	redis_stop(pid, SIGKILL);
	pid = redis_start(port, NULL);
	EXPECT_TRUE(pid > 0);
	/* The old connection was closed by the dead server: the call reconnects first. */
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("k", 1)));
	kv_conn_free(c);
	redis_stop(pid, SIGTERM);
}

TEST(redis_killed_fails_calls_until_it_is_back)
{
	int port;
	pid_t pid;
	kv_conn *c;

	if (!have_redis())
		return;
	pid = redis_start_anywhere(NULL, &port);
	c = conn_to(port);
	EXPECT_OUT("", call(c, "KeyValue.Set", in_set("k", "v", 0)));
	redis_stop(pid, SIGKILL);
	for (int i = 0; i < 3; i++)
		EXPECT_FAIL(ST_EIO, "redis error: cannot connect to",
		            call(c, "KeyValue.Get", in_str("k")));
	EXPECT_EQ(0, kv_conn_open_count(c));
	pid = redis_start(port, NULL);
	EXPECT_OUT("82 a5 'value' a0 a6 'exists' c2", call(c, "KeyValue.Get", in_str("k")));
	kv_conn_free(c);
	redis_stop(pid, SIGTERM);
}

TEST(a_hung_redis_times_out_and_recovers)
{
	kv_conn_options o;
	char url[64];
	int port;
	pid_t pid;
	kv_conn *c;

	if (!have_redis())
		return;
	pid = redis_start_anywhere(NULL, &port);
	kv_conn_options_init(&o);
	o.command_timeout_ms = 300;
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	c = kv_conn_new(url, &o);
	EXPECT_OUT("01", call(c, "KeyValue.Increment", in_inc("k", 1)));
	kill(pid, SIGSTOP);
	EXPECT_FAIL(ST_EIO, "redis error: no answer from redis://127.0.0.1:",
	            call(c, "KeyValue.Increment", in_inc("k", 1)));
	EXPECT_EQ(0, kv_conn_open_count(c));
	kill(pid, SIGCONT);
	EXPECT_OUT("82 a5 'value' a0 a6 'exists' c2", call(c, "KeyValue.Get", in_str("other")));
	kv_conn_free(c);
	redis_stop(pid, SIGTERM);
}

/* ---- Threads ------------------------------------------------------------- */

#define NTHREADS 8
#define NCALLS 200

struct worker {
	kv_conn *c;
	pthread_t th;
	int failures;
	int bad_arena;
};

static void *worker_run(void *arg)
{
	struct worker *wk = arg;

	for (int i = 0; i < NCALLS; i++) {
		bytes in = in_inc("shared", 1);
		st_buf out;
		st_err err;

		st_buf_init(&out, 64);
		if (kv_conn_invoke(wk->c, "KeyValue.Increment", in.p, in.n, &out, &err) != 0)
			wk->failures++;
		if (kv_rt_used() != 0)
			wk->bad_arena++;
		st_buf_deinit(&out);
		st_free(in.p);
	}
	return NULL;
}

TEST(concurrent_calls_share_the_pool_and_all_count)
{
	struct worker wk[NTHREADS];
	kv_conn *c;

	if (!fresh())
		return;
	c = conn_to(redis_port);
	for (int i = 0; i < NTHREADS; i++) {
		wk[i] = (struct worker){ c, 0, 0, 0 };
		EXPECT_EQ(0, pthread_create(&wk[i].th, NULL, worker_run, &wk[i]));
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(wk[i].th, NULL);
		EXPECT_EQ(0, wk[i].failures);
		EXPECT_EQ(0, wk[i].bad_arena);
	}
	EXPECT_STR("1600", raw_str("GET %s", "shared"));
	EXPECT_TRUE(kv_conn_open_count(c) >= 1 && kv_conn_open_count(c) <= KV_DEFAULT_POOL_SIZE);
	kv_conn_free(c);
}

int main(int argc, char **argv)
{
	int rc;

	/* As prov_main does: hiredis writes with write(2). */
	signal(SIGPIPE, SIG_IGN);
	if (find_redis()) {
		redis_pid = redis_start_anywhere(NULL, &redis_port);
		if (redis_pid <= 0)
			redis_port = 0;
	}
	rc = test_main(argc, argv);
	redis_stop(redis_pid, SIGTERM);
	return rc;
}
