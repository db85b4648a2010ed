/*
 * test_provider_httpserver.c - the httpserver provider core (hs_): a real
 * hs_server on a libuv loop in its own thread, listening on free 127.0.0.1
 * ports, with a dispatcher written here that decodes the HttpRequest and
 * answers by path (echo, a chosen status, FAILED, TIMEOUT, garbage, or
 * holding the request). Clients are libcurl (HTTP/1.1, h2c) and raw sockets
 * (malformed HTTP, clients that go away). The test thread talks to the loop
 * thread only through srv_call (runs a function on the loop thread and
 * waits) and the event counters under t->mu.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <uv.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "codec/msgpack.h"
#include "core/mem.h"
#include "httpserver/httpserver.h"
#include "lattice/linkdef.h"
#include "test.h"
#include "core/banned.h"

#define ACTOR "MACTORAAAA"
#define ACTOR_B "MACTORBBBB"
#define MAX_HELD 8

/* A decoded HttpRequest. headers: "name=v1,v2\n" per name, in the encoded order. */
struct dreq {
	bool ok;
	char method[32];
	char path[256];
	char query[256];
	char headers[4096];
	int nnames;
	uint8_t body[4096];
	size_t body_len;
};

struct srv {
	uv_loop_t loop;
	uv_async_t wake;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu: the command for the loop thread, and the events. */
	void (*fn)(struct srv *t, void *arg);
	void *arg;
	bool fn_done;
	int dispatches;
	int cancels;
	struct dreq last;    /* the last request dispatched */
	char last_actor[64]; /* and its actor */
	int loop_close_rc;
	bool loop_closed; /* the loop thread is done and waits for may_exit */
	bool may_exit;
	/* Loop thread only. */
	hs_server *s;
	hs_request *held[MAX_HELD];
	int nheld;
};

/* ---- Decoding and encoding --------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	snprintf(dst, cap, "%.*s", (int)n, s);
}

static void decode_req(const uint8_t *p, size_t len, struct dreq *out)
{
	mp_reader r;
	uint32_t nf, nn, nv;
	const char *s;
	const uint8_t *b;
	size_t n;
	int fields = 0;

	memset(out, 0, sizeof(*out));
	mp_reader_init(&r, p, len);
	if (mp_read_map(&r, &nf) != 0 || nf != 5)
		return;
	for (uint32_t f = 0; f < nf; f++) {
		if (mp_read_str(&r, &s, &n) != 0)
			return;
		if (mp_str_eq(s, n, "method") && mp_read_str(&r, &s, &n) == 0) {
			copy_str(out->method, sizeof(out->method), s, n);
		} else if (mp_str_eq(s, n, "path") && mp_read_str(&r, &s, &n) == 0) {
			copy_str(out->path, sizeof(out->path), s, n);
		} else if (mp_str_eq(s, n, "queryString") && mp_read_str(&r, &s, &n) == 0) {
			copy_str(out->query, sizeof(out->query), s, n);
		} else if (mp_str_eq(s, n, "header") && mp_read_map(&r, &nn) == 0) {
			size_t used = 0;

			out->nnames = (int)nn;
			for (uint32_t i = 0; i < nn; i++) {
				if (mp_read_str(&r, &s, &n) != 0 || mp_read_array(&r, &nv) != 0)
					return;
				used += (size_t)snprintf(out->headers + used,
				                         sizeof(out->headers) - used,
				                         "%.*s=", (int)n, s);
				for (uint32_t j = 0; j < nv; j++) {
					if (mp_read_str(&r, &s, &n) != 0)
						return;
					used += (size_t)snprintf(out->headers + used,
					                         sizeof(out->headers) - used,
					                         "%s%.*s", j ? "," : "", (int)n, s);
				}
				used += (size_t)snprintf(out->headers + used,
				                         sizeof(out->headers) - used, "\n");
				if (used >= sizeof(out->headers))
					return;
			}
		} else if (mp_str_eq(s, n, "body") && mp_read_bin(&r, &b, &n) == 0) {
			out->body_len = n < sizeof(out->body) ? n : sizeof(out->body);
			memcpy(out->body, b, out->body_len);
		} else {
			return;
		}
		fields++;
	}
	out->ok = fields == 5 && mp_reader_left(&r) == 0;
}

/* An HttpResponse with the given status, headers (name, value, ... NULL; one value each) and body. */
static uint8_t *encode_resp(uint64_t status, const char *const *hdrs, const void *body, size_t len,
                            size_t *out_len)
{
	mp_writer w;
	uint32_t n = 0;

	while (hdrs && hdrs[2 * n])
		n++;
	mp_writer_init_default(&w, 1 << 20);
	mp_write_map(&w, 3);
	mp_write_cstr(&w, "statusCode");
	mp_write_uint(&w, status);
	mp_write_cstr(&w, "header");
	mp_write_map(&w, n);
	for (uint32_t i = 0; i < n; i++) {
		mp_write_cstr(&w, hdrs[2 * i]);
		mp_write_array(&w, 1);
		mp_write_cstr(&w, hdrs[2 * i + 1]);
	}
	mp_write_cstr(&w, "body");
	mp_write_bin(&w, body, len);
	return mp_writer_detach(&w, out_len);
}

/* ---- The dispatcher (loop thread) ---------------------------------------------- */

static void finish_with(hs_request *r, const uint8_t *resp, size_t len)
{
	hs_request_finish(r, HS_OK, resp, len);
}

static struct srv *the_srv; /* the one server of this test process (each test forks) */

static void held_cancel(void *arg)
{
	struct srv *t = the_srv;
	hs_request *r = arg;

	for (int i = 0; i < t->nheld; i++)
		if (t->held[i] == r) {
			t->held[i] = t->held[--t->nheld];
			break;
		}
	pthread_mutex_lock(&t->mu);
	t->cancels++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void on_dispatch(hs_request *r, const char *actor_id, const uint8_t *req, size_t len,
                        void *ud)
{
	struct srv *t = ud;
	struct dreq d;
	uint8_t *resp = NULL;
	size_t rlen = 0;

	decode_req(req, len, &d);
	/* Recorded first: the answer may reach the client before this function returns. */
	pthread_mutex_lock(&t->mu);
	t->dispatches++;
	t->last = d;
	copy_str(t->last_actor, sizeof(t->last_actor), actor_id, strlen(actor_id));
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (!d.ok) {
		hs_request_finish(r, HS_FAILED, NULL, 0);
	} else if (strncmp(d.path, "/echo", 5) == 0) {
		static const char *const hdrs[] = {
			"Content-Type", "text/plain",     "bad name", "x", "x-evil",
			"a\r\nb",       "content-length", "999",      NULL
		};
		mp_writer w;

		/* x-multi with two values, added by hand. */
		mp_writer_init_default(&w, 1 << 20);
		mp_write_map(&w, 3);
		mp_write_cstr(&w, "body");
		mp_write_bin(&w, d.body, d.body_len);
		mp_write_cstr(&w, "header");
		mp_write_map(&w, 5);
		for (int i = 0; hdrs[i]; i += 2) {
			mp_write_cstr(&w, hdrs[i]);
			mp_write_array(&w, 1);
			mp_write_cstr(&w, hdrs[i + 1]);
		}
		mp_write_cstr(&w, "X-Multi");
		mp_write_array(&w, 2);
		mp_write_cstr(&w, "one");
		mp_write_cstr(&w, "two");
		mp_write_cstr(&w, "statusCode");
		mp_write_uint(&w, 200);
		resp = mp_writer_detach(&w, &rlen);
		finish_with(r, resp, rlen);
	} else if (strncmp(d.path, "/status/", 8) == 0) {
		resp = encode_resp(strtoull(d.path + 8, NULL, 10), NULL, "s", 1, &rlen);
		finish_with(r, resp, rlen);
	} else if (strcmp(d.path, "/failed") == 0) {
		hs_request_finish(r, HS_FAILED, NULL, 0);
	} else if (strcmp(d.path, "/timeout") == 0) {
		hs_request_finish(r, HS_TIMEOUT, NULL, 0);
	} else if (strcmp(d.path, "/garbage") == 0) {
		static const uint8_t junk[] = { 0xc1, 0x00 };

		finish_with(r, junk, sizeof(junk));
	} else if (strcmp(d.path, "/noheader") == 0) {
		mp_writer w;

		mp_writer_init_default(&w, 1024);
		mp_write_map(&w, 2);
		mp_write_cstr(&w, "statusCode");
		mp_write_uint(&w, 200);
		mp_write_cstr(&w, "body");
		mp_write_bin(&w, "x", 1);
		resp = mp_writer_detach(&w, &rlen);
		finish_with(r, resp, rlen);
	} else if (strcmp(d.path, "/hold") == 0 || strcmp(d.path, "/holdnohook") == 0) {
		if (t->nheld == MAX_HELD) {
			hs_request_finish(r, HS_FAILED, NULL, 0);
		} else {
			t->held[t->nheld++] = r;
			if (strcmp(d.path, "/hold") == 0)
				hs_request_on_cancel(r, held_cancel, r);
		}
	} else {
		resp = encode_resp(404, NULL, "", 0, &rlen);
		finish_with(r, resp, rlen);
	}
	st_free(resp);
}

/* ---- The loop thread and srv_call ---------------------------------------------- */

static void on_wake(uv_async_t *a)
{
	struct srv *t = a->data;
	void (*fn)(struct srv *, void *);
	void *arg;

	pthread_mutex_lock(&t->mu);
	fn = t->fn;
	arg = t->arg;
	t->fn = NULL;
	pthread_mutex_unlock(&t->mu);
	if (!fn)
		return;
	fn(t, arg);
	pthread_mutex_lock(&t->mu);
	t->fn_done = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void *loop_main(void *ud)
{
	struct srv *t = ud;

	uv_run(&t->loop, UV_RUN_DEFAULT); /* until cmd_quit */
	hs_server_free(t->s);
	t->s = NULL;
	uv_close((uv_handle_t *)&t->wake, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	/*
	 * h2o keeps freed chunks for reuse in thread-local lists; they are reachable
	 * only while this thread lives, so it waits until srv_stop checked for leaks.
	 */
	pthread_mutex_lock(&t->mu);
	t->loop_close_rc = uv_loop_close(&t->loop);
	t->loop_closed = true;
	pthread_cond_broadcast(&t->cv);
	while (!t->may_exit)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* Runs fn(t, arg) on the loop thread and waits for it. */
static void srv_call(struct srv *t, void (*fn)(struct srv *, void *), void *arg)
{
	pthread_mutex_lock(&t->mu);
	t->fn = fn;
	t->arg = arg;
	t->fn_done = false;
	pthread_mutex_unlock(&t->mu);
	uv_async_send(&t->wake);
	pthread_mutex_lock(&t->mu);
	while (!t->fn_done)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

/* Waits (10 s at most) until *counter >= n; returns whether it got there. */
static bool wait_count(struct srv *t, const int *counter, int n)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&t->mu);
	while (*counter < n)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &until) == ETIMEDOUT)
			break;
	ok = *counter >= n;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

static int count_of(struct srv *t, const int *counter)
{
	int v;

	pthread_mutex_lock(&t->mu);
	v = *counter;
	pthread_mutex_unlock(&t->mu);
	return v;
}

static void srv_start(struct srv *t)
{
	st_err err;

	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(t, 0, sizeof(*t));
	the_srv = t;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (uv_loop_init(&t->loop) != 0 || uv_async_init(&t->loop, &t->wake, on_wake) != 0)
		abort();
	t->wake.data = t;
	if (hs_server_new(&t->loop, on_dispatch, t, &t->s, &err) != 0) {
		fprintf(stderr, "hs_server_new: %s\n", err.msg);
		abort();
	}
	if (pthread_create(&t->th, NULL, loop_main, t) != 0)
		abort();
}

static void cmd_quit(struct srv *t, void *arg)
{
	(void)arg;
	uv_stop(&t->loop);
}

/* Stops the loop, frees the server on the loop thread and checks the loop closes. */
static void srv_stop(struct srv *t)
{
	srv_call(t, cmd_quit, NULL);
	pthread_mutex_lock(&t->mu);
	while (!t->loop_closed)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	EXPECT_EQ(0, t->loop_close_rc);
#if defined(__SANITIZE_ADDRESS__)
	/* Forked tests end with _exit, which skips LeakSanitizer's own check. */
	EXPECT_EQ(0, __lsan_do_recoverable_leak_check());
#endif
	pthread_mutex_lock(&t->mu);
	t->may_exit = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->th, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
}

struct listen_args {
	const char *actor;
	hs_settings st;
	int rc;
	int port;
	st_err err;
};

static void cmd_listen(struct srv *t, void *arg)
{
	struct listen_args *a = arg;

	a->rc = hs_server_listen(t->s, a->actor, &a->st, &a->err);
	a->port = a->rc == 0 ? hs_server_local_port(t->s, a->actor) : -1;
}

/* Listens for actor on 127.0.0.1 with a free port; returns the port. */
static int srv_listen(struct srv *t, const char *actor, uint64_t timeout_ms, size_t max_body)
{
	struct listen_args a = { .actor = actor };

	hs_settings_init(&a.st);
	a.st.port = 0;
	a.st.timeout_ms = timeout_ms;
	a.st.max_body_bytes = max_body;
	srv_call(t, cmd_listen, &a);
	EXPECT_EQ(0, a.rc);
	EXPECT_TRUE(a.port > 0);
	return a.port;
}

struct unlisten_args {
	const char *actor;
	bool found;
};

static void cmd_unlisten(struct srv *t, void *arg)
{
	struct unlisten_args *a = arg;

	a->found = hs_server_unlisten(t->s, a->actor);
}

static void cmd_stats(struct srv *t, void *arg)
{
	hs_server_stats(t->s, arg);
}

struct finish_args {
	hs_outcome outcome;
	int status;
	int finished;
};

/* Answers every held request (loop thread). */
static void cmd_finish_held(struct srv *t, void *arg)
{
	struct finish_args *a = arg;

	while (t->nheld > 0) {
		hs_request *r = t->held[--t->nheld];
		size_t len;
		uint8_t *resp = encode_resp((uint64_t)a->status, NULL, "late", 4, &len);

		hs_request_finish(r, a->outcome, resp, len);
		st_free(resp);
		a->finished++;
	}
}

static void cmd_set_grace(struct srv *t, void *arg)
{
	hs_server_set_grace_ms(t->s, *(uint64_t *)arg);
}

/* ---- HTTP clients ---------------------------------------------------------------- */

struct resp {
	CURLcode rc;
	long status;
	long version;
	long connects;
	char body[65536];
	size_t body_len;
	char headers[16384];
	size_t headers_len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t len = size * n, room = sizeof(r->body) - 1 - r->body_len;

	if (len > room)
		len = room;
	memcpy(r->body + r->body_len, p, len);
	r->body_len += len;
	r->body[r->body_len] = 0;
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t len = size * n, room = sizeof(r->headers) - 1 - r->headers_len;

	if (len > room)
		len = room;
	memcpy(r->headers + r->headers_len, p, len);
	r->headers_len += len;
	r->headers[r->headers_len] = 0;
	return size * n;
}

/*
 * One request on h (a new handle when NULL). method NULL: GET, or POST when
 * body is set. hdrs: a NULL-terminated list of "Name: value" lines.
 */
static void http(CURL *h, const char *method, const char *url, const char *const *hdrs,
                 const void *body, size_t body_len, long version, struct resp *out)
{
	struct curl_slist *list = NULL;
	bool own = !h;

	memset(out, 0, sizeof(*out));
	if (own)
		h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, version);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
	}
	if (method && strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (method)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	for (int i = 0; hdrs && hdrs[i]; i++)
		list = curl_slist_append(list, hdrs[i]);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	out->rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &out->version);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &out->connects);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(list);
	if (own)
		curl_easy_cleanup(h);
}

static void get(int port, const char *path, long version, struct resp *out)
{
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	http(NULL, NULL, url, NULL, NULL, 0, version, out);
}

/* A request on a client thread, for requests the test answers meanwhile. */
struct client {
	pthread_t th;
	int port;
	char path[128];
	long version;
	struct resp r;
};

static void *client_main(void *ud)
{
	struct client *c = ud;

	get(c->port, c->path, c->version, &c->r);
	return NULL;
}

static void client_start(struct client *c, int port, const char *path, long version)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->version = version;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (pthread_create(&c->th, NULL, client_main, c) != 0)
		abort();
}

static int raw_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		abort();
	return fd;
}

static void raw_send(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		c += w;
		n -= (size_t)w;
	}
}

/* Reads until the peer closes (10 s at most); returns the bytes read. */
static size_t raw_read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 10000) <= 0)
			break;
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	return n;
}

/* ---- Settings -------------------------------------------------------------------- */

static int settings_of(hs_settings *s, st_err *err, const char *const *kv)
{
	linkdef ld;
	int rc;

	linkdef_init(&ld);
	linkdef_set(&ld, ACTOR, "VPROVIDER", "default", "wasmcloud:httpserver");
	for (int i = 0; kv && kv[i]; i += 2)
		linkdef_add_value(&ld, kv[i], kv[i + 1]);
	rc = hs_settings_from_link(s, &ld, err);
	linkdef_deinit(&ld);
	return rc;
}

static void expect_addr(const hs_settings *s, const char *want)
{
	char buf[HS_ADDRESS_MAX];

	hs_settings_address(s, buf, sizeof(buf));
	EXPECT_STR(want, buf);
}

TEST(settings_default_to_localhost_8000)
{
	hs_settings s;
	st_err err;

	EXPECT_EQ(0, settings_of(&s, &err, NULL));
	expect_addr(&s, "127.0.0.1:8000");
	EXPECT_EQ(HS_DEFAULT_TIMEOUT_MS, s.timeout_ms);
	EXPECT_EQ(HS_DEFAULT_MAX_BODY_BYTES, s.max_body_bytes);
}

TEST(settings_read_address_and_port_case_insensitively)
{
	static const char *const addr[] = { "ADDRESS", "0.0.0.0:8080", NULL };
	static const char *const v6[] = { "address", "[::1]:9000", NULL };
	static const char *const port[] = { "Port", "8081", NULL };
	static const char *const both[] = { "port", "9001", "address", "0.0.0.0:9002", NULL };
	hs_settings s;
	st_err err;

	EXPECT_EQ(0, settings_of(&s, &err, addr));
	expect_addr(&s, "0.0.0.0:8080");
	EXPECT_EQ(0, settings_of(&s, &err, v6));
	EXPECT_STR("::1", s.host);
	expect_addr(&s, "[::1]:9000");
	EXPECT_EQ(0, settings_of(&s, &err, port));
	expect_addr(&s, "127.0.0.1:8081");
	/* port comes after address, whatever the order of the values. */
	EXPECT_EQ(0, settings_of(&s, &err, both));
	expect_addr(&s, "127.0.0.1:9001");
}

TEST(settings_read_config_json_and_b64_and_file)
{
	static const char *const json[] = {
		"config_json",
		"{\"address\":\"0.0.0.0:1234\",\"timeout_ms\":500,\"max_body_bytes\":100,"
		"\"cors\":{\"allowed_origins\":[]},\"tls\":{}}",
		NULL
	};
	/* base64 of {"address":"127.0.0.2:4321"} */
	static const char *const b64[] = { "Config_B64",
		                           "eyJhZGRyZXNzIjoiMTI3LjAuMC4yOjQzMjEifQ==", NULL };
	static const char *const b64_json[] = {
		"config_b64", "eyJhZGRyZXNzIjoiMTI3LjAuMC4yOjQzMjEifQ==", "config_json",
		"{\"address\":\"127.0.0.3:1\"}", NULL
	};
	static const char *const json_addr[] = { "config_json", "{\"address\":\"127.0.0.3:1\"}",
		                                 "address", "127.0.0.4:2", NULL };
	static const char *const ours[] = { "timeout_ms", "0", "max_body_bytes", "7", NULL };
	char path[] = "/tmp/hs-settings-XXXXXX.json";
	const char *file[] = { "config_file", path, NULL };
	hs_settings s;
	st_err err;
	int fd;

	EXPECT_EQ(0, settings_of(&s, &err, json));
	expect_addr(&s, "0.0.0.0:1234");
	EXPECT_EQ(500, s.timeout_ms);
	EXPECT_EQ(100, s.max_body_bytes);
	EXPECT_EQ(0, settings_of(&s, &err, b64));
	expect_addr(&s, "127.0.0.2:4321");
	EXPECT_EQ(0, settings_of(&s, &err, b64_json));
	expect_addr(&s, "127.0.0.3:1");
	EXPECT_EQ(0, settings_of(&s, &err, json_addr));
	expect_addr(&s, "127.0.0.4:2");
	EXPECT_EQ(0, settings_of(&s, &err, ours));
	EXPECT_EQ(0, s.timeout_ms);
	EXPECT_EQ(7, s.max_body_bytes);

	fd = mkstemps(path, 5);
	EXPECT_TRUE(fd >= 0);
	EXPECT_EQ(25, write(fd, "{\"address\":\"127.0.0.5:5\"}", 25));
	close(fd);
	EXPECT_EQ(0, settings_of(&s, &err, file));
	expect_addr(&s, "127.0.0.5:5");
	unlink(path);
	EXPECT_EQ(ST_EIO, settings_of(&s, &err, file));
}

TEST(settings_refuse_bad_values)
{
	static const char *const bad[][3] = {
		{ "address", "localhost:80", NULL },
		{ "address", "1.2.3.4", NULL },
		{ "address", "1.2.3.4:70000", NULL },
		{ "address", "1.2.3.4:", NULL },
		{ "address", "::1:80", NULL },
		{ "address", "[::1]80", NULL },
		{ "port", "http", NULL },
		{ "port", "-1", NULL },
		{ "port", "65536", NULL },
		{ "timeout_ms", "soon", NULL },
		{ "max_body_bytes", "0", NULL },
		{ "config_json", "[1]", NULL },
		{ "config_json", "{\"timeout_ms\":\"x\"}", NULL },
		{ "config_json", "{\"address\":\"nowhere\"}", NULL },
		{ "config_json", "{\"max_body_bytes\":-5}", NULL },
		{ "config_json", "{not json", NULL },
		{ "config_b64", "!!!not base64!!!", NULL },
		{ "config_file", "/etc/settings.yaml", NULL },
	};
	static const char *const dup[] = { "port", "1", "PORT", "2", NULL };
	static const char *const tls[] = { "config_json", "{\"tls\":{\"cert_file\":\"c.pem\"}}",
		                           NULL };
	static const char *const toml[] = { "config_file", "/etc/settings.toml", NULL };
	hs_settings s;
	st_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = settings_of(&s, &err, bad[i]);

		if (rc != ST_EINVAL)
			TEST_FAIL_("%s=%s: want ST_EINVAL, got %d", bad[i][0], bad[i][1], rc);
		EXPECT_TRUE(err.msg[0] != 0);
	}
	EXPECT_EQ(ST_EINVAL, settings_of(&s, &err, dup));
	EXPECT_TRUE(strstr(err.msg, "same key") != NULL);
	EXPECT_EQ(ST_ENOSYS, settings_of(&s, &err, tls));
	EXPECT_TRUE(strstr(err.msg, "TLS") != NULL);
	EXPECT_EQ(ST_ENOSYS, settings_of(&s, &err, toml));
}

/* ---- Requests and responses --------------------------------------------------------- */

TEST(request_is_mapped_and_response_sent_back)
{
	static const char *const hdrs[] = { "X-Multi: one",        "X-Multi: two",
		                            "X-Mixed-Case: Value", "X-Bin: caf\xc3\xa9",
		                            "Content-Type: app/x", NULL };
	static const char body[] = "hello\0world";
	struct srv t;
	struct resp r;
	struct dreq d;
	char url[256], want[64];
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo/a%%20b?x=1&y=%%2F", port);
	http(NULL, "patch", url, hdrs, body, sizeof(body) - 1, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(CURLE_OK, r.rc);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(CURL_HTTP_VERSION_1_1, r.version);
	/* The body comes back as the actor sent it; the headers as described. */
	EXPECT_EQ(sizeof(body) - 1, r.body_len);
	EXPECT_TRUE(memcmp(r.body, body, sizeof(body) - 1) == 0);
	EXPECT_TRUE(strcasestr(r.headers, "\r\nx-multi: one\r\n") != NULL);
	EXPECT_TRUE(strcasestr(r.headers, "\r\nx-multi: two\r\n") != NULL);
	EXPECT_TRUE(strcasestr(r.headers, "\r\ncontent-type: text/plain\r\n") != NULL);
	EXPECT_TRUE(strcasestr(r.headers, "\r\ncontent-length: 11\r\n") != NULL);
	EXPECT_TRUE(strcasestr(r.headers, "999") == NULL);
	EXPECT_TRUE(strcasestr(r.headers, "bad name") == NULL);
	EXPECT_TRUE(strcasestr(r.headers, "x-evil") == NULL);

	pthread_mutex_lock(&t.mu);
	d = t.last;
	pthread_mutex_unlock(&t.mu);
	EXPECT_TRUE(d.ok);
	EXPECT_STR("PATCH", d.method);
	EXPECT_STR("/echo/a%20b", d.path);
	EXPECT_STR("x=1&y=%2F", d.query);
	EXPECT_TRUE(strstr(d.headers, "x-multi=one,two\n") != NULL);
	EXPECT_TRUE(strstr(d.headers, "x-mixed-case=Value\n") != NULL);
	EXPECT_TRUE(strstr(d.headers, "content-type=app/x\n") != NULL);
	EXPECT_TRUE(strstr(d.headers, "content-length=11\n") != NULL);
	snprintf(want, sizeof(want), "host=127.0.0.1:%d\n", port);
	EXPECT_TRUE(strstr(d.headers, want) != NULL);
	/* A header whose only value is not visible ASCII is left out. */
	EXPECT_TRUE(strstr(d.headers, "x-bin") == NULL);
	EXPECT_EQ(sizeof(body) - 1, d.body_len);
	EXPECT_TRUE(memcmp(d.body, body, sizeof(body) - 1) == 0);
	EXPECT_STR(ACTOR, t.last_actor);
	srv_stop(&t);
}

TEST(request_without_query_or_body_has_empty_fields)
{
	struct srv t;
	struct resp r;
	struct dreq d;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	get(port, "/echo", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(0, r.body_len);
	pthread_mutex_lock(&t.mu);
	d = t.last;
	pthread_mutex_unlock(&t.mu);
	EXPECT_TRUE(d.ok);
	EXPECT_STR("GET", d.method);
	EXPECT_STR("/echo", d.path);
	EXPECT_STR("", d.query);
	EXPECT_EQ(0, d.body_len);
	EXPECT_TRUE(strstr(d.headers, "content-length") == NULL);
	srv_stop(&t);
}

TEST(keep_alive_reuses_the_connection)
{
	struct srv t;
	struct resp r;
	char url[128];
	CURL *h;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/201", port);
	h = curl_easy_init();
	http(h, NULL, url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(201, r.status);
	EXPECT_EQ(1, r.connects);
	EXPECT_STR("s", r.body);
	http(h, NULL, url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(201, r.status);
	EXPECT_EQ(0, r.connects);
	/* A 204 has no body and no Content-Length, and the connection stays usable. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/204", port);
	http(h, NULL, url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(204, r.status);
	EXPECT_EQ(0, r.connects);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/200", port);
	http(h, NULL, url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(0, r.connects);
	curl_easy_cleanup(h);
	srv_stop(&t);
}

TEST(http2_prior_knowledge_and_upgrade)
{
	static const char *const hdrs[] = { "X-H2: yes", NULL };
	struct srv t;
	struct resp r;
	struct dreq d;
	char url[128];
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?q=1", port);
	http(NULL, NULL, url, hdrs, "abc", 3, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, &r);
	EXPECT_EQ(CURLE_OK, r.rc);
	EXPECT_EQ(CURL_HTTP_VERSION_2_0, r.version);
	EXPECT_EQ(200, r.status);
	EXPECT_STR("abc", r.body);
	EXPECT_TRUE(strcasestr(r.headers, "\r\nx-multi: two\r\n") != NULL);
	pthread_mutex_lock(&t.mu);
	d = t.last;
	pthread_mutex_unlock(&t.mu);
	EXPECT_STR("POST", d.method);
	EXPECT_STR("q=1", d.query);
	EXPECT_TRUE(strstr(d.headers, "x-h2=yes\n") != NULL);
	EXPECT_TRUE(strstr(d.headers, "content-length=3\n") != NULL);
	/* "Upgrade: h2c" from HTTP/1.1. */
	get(port, "/status/202", CURL_HTTP_VERSION_2_0, &r);
	EXPECT_EQ(CURLE_OK, r.rc);
	EXPECT_EQ(CURL_HTTP_VERSION_2_0, r.version);
	EXPECT_EQ(202, r.status);
	srv_stop(&t);
}

TEST(head_gets_headers_without_body)
{
	struct srv t;
	struct resp r;
	char url[128];
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/200", port);
	http(NULL, "HEAD", url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(CURLE_OK, r.rc);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(0, r.body_len);
	EXPECT_TRUE(strcasestr(r.headers, "\r\ncontent-length: 1\r\n") != NULL);
	srv_stop(&t);
}

TEST(outcomes_map_to_statuses)
{
	static const struct {
		const char *path;
		long status;
	} cases[] = {
		{ "/failed", 500 },     { "/timeout", 503 },    { "/garbage", 500 },
		{ "/noheader", 500 },   { "/status/700", 500 }, { "/status/42", 500 },
		{ "/status/101", 500 }, { "/status/0", 500 },   { "/status/404", 404 },
		{ "/status/599", 599 }, { "/status/204", 204 },
	};
	struct srv t;
	struct resp r;
	hs_stats st;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int v = 0; v < 2; v++) {
			get(port, cases[i].path,
			    v ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_1_1, &r);
			if (r.rc != CURLE_OK || r.status != cases[i].status)
				TEST_FAIL_("%s (HTTP/%d): want %ld, got %ld (curl %d)",
				           cases[i].path, v ? 2 : 1, cases[i].status, r.status,
				           (int)r.rc);
			if (cases[i].status >= 500 && cases[i].status != 599)
				EXPECT_EQ(0, r.body_len);
			if (cases[i].status == 404)
				EXPECT_STR("s", r.body);
			if (cases[i].status == 204) {
				EXPECT_EQ(0, r.body_len);
				EXPECT_TRUE(strcasestr(r.headers, "content-length") == NULL);
			}
		}
	}
	srv_call(&t, cmd_stats, &st);
	EXPECT_EQ(22, st.requests);
	EXPECT_EQ(22, st.dispatched);
	EXPECT_EQ(18, st.status_5xx);
	EXPECT_EQ(2, st.status_4xx);
	EXPECT_EQ(2, st.status_2xx);
	EXPECT_EQ(0, st.in_flight);
	EXPECT_EQ(1, st.listeners);
	srv_stop(&t);
}

TEST(oversized_body_gets_413_without_dispatch)
{
	static char big[3000];
	struct srv t;
	struct resp r;
	char url[128];
	int port_a, port_b;

	memset(big, 'x', sizeof(big));
	srv_start(&t);
	port_a = srv_listen(&t, ACTOR, 10000, 1000);
	/* h2o itself refuses a Content-Length over the largest limit of any listener. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", port_a);
	http(NULL, NULL, url, NULL, big, 2000, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(413, r.status);
	EXPECT_EQ(0, count_of(&t, &t.dispatches));
	/* With a bigger limit on another listener, the handler checks this one's. */
	port_b = srv_listen(&t, ACTOR_B, 10000, 100000);
	http(NULL, NULL, url, NULL, big, 2000, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(413, r.status);
	http(NULL, NULL, url, NULL, big, 2000, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, &r);
	EXPECT_EQ(413, r.status);
	EXPECT_EQ(0, count_of(&t, &t.dispatches));
	http(NULL, NULL, url, NULL, big, 1000, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(1000, r.body_len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", port_b);
	http(NULL, NULL, url, NULL, big, sizeof(big), CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(sizeof(big), r.body_len);
	EXPECT_EQ(2, count_of(&t, &t.dispatches));
	EXPECT_STR(ACTOR_B, t.last_actor);
	srv_stop(&t);
}

TEST(deadline_gives_504_and_runs_the_cancel_hook)
{
	struct srv t;
	struct resp r;
	struct finish_args fa = { HS_OK, 200, 0 };
	hs_stats st;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 100, 1 << 20);
	get(port, "/hold", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(504, r.status);
	EXPECT_EQ(0, r.body_len);
	EXPECT_TRUE(wait_count(&t, &t.cancels, 1));
	/* Without a hook the request stays the embedder's until it finishes it. */
	get(port, "/holdnohook", CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, &r);
	EXPECT_EQ(504, r.status);
	srv_call(&t, cmd_finish_held, &fa);
	EXPECT_EQ(1, fa.finished);
	EXPECT_EQ(1, count_of(&t, &t.cancels));
	srv_call(&t, cmd_stats, &st);
	EXPECT_EQ(2, st.deadlines);
	EXPECT_EQ(0, st.in_flight);
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	srv_stop(&t);
}

TEST(busy_port_is_refused_and_first_listener_keeps_serving)
{
	struct srv t;
	struct resp r;
	struct listen_args a = { .actor = ACTOR_B };
	char want[64];
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	hs_settings_init(&a.st);
	a.st.port = (uint16_t)port;
	srv_call(&t, cmd_listen, &a);
	EXPECT_EQ(ST_EIO, a.rc);
	snprintf(want, sizeof(want), "address 127.0.0.1:%d is in use", port);
	EXPECT_STR(want, a.err.msg);
	/* The same actor twice is refused too. */
	a.actor = ACTOR;
	a.st.port = 0;
	srv_call(&t, cmd_listen, &a);
	EXPECT_EQ(ST_ESTATE, a.rc);
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_STR(ACTOR, t.last_actor);
	srv_stop(&t);
}

TEST(unlisten_stops_new_connections_and_lets_requests_finish)
{
	struct srv t;
	struct resp r;
	struct client c;
	struct unlisten_args u = { ACTOR, false };
	struct finish_args fa = { HS_OK, 200, 0 };
	hs_stats st;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	client_start(&c, port, "/hold", CURL_HTTP_VERSION_1_1);
	EXPECT_TRUE(wait_count(&t, &t.dispatches, 1));
	srv_call(&t, cmd_unlisten, &u);
	EXPECT_TRUE(u.found);
	srv_call(&t, cmd_unlisten, &u);
	EXPECT_TRUE(!u.found);
	srv_call(&t, cmd_finish_held, &fa);
	pthread_join(c.th, NULL);
	EXPECT_EQ(CURLE_OK, c.r.rc);
	EXPECT_EQ(200, c.r.status);
	EXPECT_STR("late", c.r.body);
	EXPECT_TRUE(strcasestr(c.r.headers, "\r\nconnection: close\r\n") != NULL);
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(CURLE_COULDNT_CONNECT, r.rc);
	srv_call(&t, cmd_stats, &st);
	EXPECT_EQ(0, st.listeners);
	/* The port can be listened on again. */
	{
		struct listen_args a = { .actor = ACTOR_B };

		hs_settings_init(&a.st);
		a.st.port = (uint16_t)port;
		srv_call(&t, cmd_listen, &a);
		EXPECT_EQ(0, a.rc);
	}
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	EXPECT_STR(ACTOR_B, t.last_actor);
	srv_stop(&t);
}

TEST(http1_client_gone_mid_request_is_safe)
{
	static const char req[] = "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n";
	struct srv t;
	struct resp r;
	struct finish_args fa = { HS_OK, 200, 0 };
	hs_stats st;
	int port, fd;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	fd = raw_connect(port);
	raw_send(fd, req, sizeof(req) - 1);
	EXPECT_TRUE(wait_count(&t, &t.dispatches, 1));
	close(fd);
	/* HTTP/1 does not read while the request is pending: the answer finds the client gone. */
	srv_call(&t, cmd_finish_held, &fa);
	EXPECT_EQ(1, fa.finished);
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	srv_call(&t, cmd_stats, &st);
	EXPECT_EQ(0, st.in_flight);
	srv_stop(&t);
}

TEST(http2_client_gone_mid_request_runs_the_cancel_hook)
{
	static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	static const uint8_t settings[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
	/* HEADERS, END_STREAM|END_HEADERS, stream 1: GET http /hold, :authority x. */
	static const uint8_t headers[] = { 0,    0, 12,  1,   5,   0,   0,   0,    1, 0x82, 0x86,
		                           0x44, 5, '/', 'h', 'o', 'l', 'd', 0x41, 1, 'x' };
	struct srv t;
	struct resp r;
	hs_stats st;
	int port, fd;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	fd = raw_connect(port);
	raw_send(fd, preface, sizeof(preface) - 1);
	raw_send(fd, settings, sizeof(settings));
	raw_send(fd, headers, sizeof(headers));
	EXPECT_TRUE(wait_count(&t, &t.dispatches, 1));
	EXPECT_EQ(0, count_of(&t, &t.cancels));
	close(fd);
	EXPECT_TRUE(wait_count(&t, &t.cancels, 1));
	srv_call(&t, cmd_stats, &st);
	EXPECT_EQ(1, st.disconnects);
	EXPECT_EQ(0, st.in_flight);
	get(port, "/status/200", CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, &r);
	EXPECT_EQ(200, r.status);
	srv_stop(&t);
}

TEST(malformed_http_gets_400_and_server_keeps_serving)
{
	static const char *const bad[] = { "BLAH\r\n\r\n",
		                           "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
		                           "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n" };
	struct srv t;
	struct resp r;
	char buf[4096];
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 10000, 1 << 20);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = raw_connect(port);

		raw_send(fd, bad[i], strlen(bad[i]));
		raw_read_all(fd, buf, sizeof(buf)); /* until h2o closes the connection */
		close(fd);
		if (strncmp(buf, "HTTP/1.1 400 ", 13) != 0)
			TEST_FAIL_("request %zu: want a 400, got \"%.40s\"", i, buf);
	}
	EXPECT_EQ(0, count_of(&t, &t.dispatches));
	get(port, "/status/200", CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	srv_stop(&t);
}

TEST(free_answers_pending_requests_and_closes_every_handle)
{
	struct srv t;
	struct client c1, c2;
	struct resp r;
	uint64_t grace = 50;
	char url[128];
	CURL *idle;
	int port;

	srv_start(&t);
	port = srv_listen(&t, ACTOR, 0, 1 << 20);
	srv_call(&t, cmd_set_grace, &grace);
	/* An idle keep-alive connection, and two requests the dispatcher holds. */
	idle = curl_easy_init();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/status/200", port);
	http(idle, NULL, url, NULL, NULL, 0, CURL_HTTP_VERSION_1_1, &r);
	EXPECT_EQ(200, r.status);
	client_start(&c1, port, "/hold", CURL_HTTP_VERSION_1_1);
	client_start(&c2, port, "/hold", CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	EXPECT_TRUE(wait_count(&t, &t.dispatches, 3));
	srv_stop(&t); /* checks that uv_loop_close succeeds */
	pthread_join(c1.th, NULL);
	pthread_join(c2.th, NULL);
	EXPECT_EQ(503, c1.r.status);
	EXPECT_EQ(503, c2.r.status);
	EXPECT_EQ(2, t.cancels);
	curl_easy_cleanup(idle);
}

TEST(free_of_a_server_that_never_listened)
{
	struct srv t;

	srv_start(&t);
	srv_stop(&t);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
