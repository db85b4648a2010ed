/*
 * test_provider_httpclient.c - the httpclient provider core (hc_) against a
 * tiny HTTP/1.1 server thread on a free 127.0.0.1 port: requests built as
 * msgpack HttpRequest maps, responses decoded from the HttpResponse map.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>

#include "codec/msgpack.h"
#include "core/buf.h"
#include "core/mem.h"
#include "httpclient/httpclient.h"
#include "test.h"
#include "core/banned.h"

/* ---- The server thread ------------------------------------------------- */

struct srv {
	int fd;
	int port;
	int nconns;      /* connections to serve before the thread ends */
	char req[16384]; /* the last request: head and body as received */
	size_t req_len;
	pthread_t th;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void reply(int fd, const char *status, const char *extra_headers, const char *body,
                  size_t body_len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
	                 status, body_len, extra_headers);

	send_all(fd, head, (size_t)n);
	send_all(fd, body, body_len);
}

/* Reads one request into s->req: the head, then Content-Length bytes of body. */
static void read_request(struct srv *s, int fd, const char **body, size_t *body_len)
{
	size_t head_len = 0, want = 0;
	const char *cl;

	s->req_len = 0;
	for (;;) {
		ssize_t r = recv(fd, s->req + s->req_len, sizeof(s->req) - 1 - s->req_len, 0);
		char *end;

		if (r <= 0)
			break;
		s->req_len += (size_t)r;
		s->req[s->req_len] = 0;
		if (!head_len && (end = strstr(s->req, "\r\n\r\n"))) {
			head_len = (size_t)(end - s->req) + 4;
			cl = strcasestr(s->req, "\r\ncontent-length:");
			if (cl && cl < end)
				want = strtoul(cl + 17, NULL, 10);
		}
		if (head_len && s->req_len >= head_len + want)
			break;
	}
	*body = s->req + head_len;
	*body_len = s->req_len - head_len;
}

static void *srv_main(void *ud)
{
	struct srv *s = ud;

	for (int i = 0; i < s->nconns; i++) {
		int c = accept(s->fd, NULL, NULL);
		const char *body;
		size_t body_len;
		char extra[512];

		if (c < 0)
			break;
		read_request(s, c, &body, &body_len);
		if (strncmp(s->req, "GET /hello ", 11) == 0) {
			reply(c, "200 OK",
			      "Content-Type: text/plain\r\nX-Multi: a\r\nX-Multi: b\r\n"
			      "X-Latin: caf\xc3\xa9\r\n",
			      "hello world", 11);
		} else if (strncmp(s->req, "POST /echo ", 11) == 0) {
			const char *v = strcasestr(s->req, "\r\nx-test: ");
			int vn = v ? (int)strcspn(v + 10, "\r") : 0;

			snprintf(extra, sizeof(extra), "X-Got: %.*s\r\n", vn, v ? v + 10 : "");
			reply(c, "201 Created", extra, body, body_len);
		} else if (strncmp(s->req, "GET /redirect ", 14) == 0) {
			reply(c, "302 Found", "Location: /hello\r\n", "", 0);
		} else if (strncmp(s->req, "GET /big ", 9) == 0) {
			static const char big[100] = "0123456789";

			reply(c, "200 OK", "", big, sizeof(big));
		} else {
			reply(c, "404 Not Found", "", "nope", 4);
		}
		close(c);
	}
	return NULL;
}

static void srv_start(struct srv *s, int nconns)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->nconns = nconns;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s->fd, 8) < 0 || getsockname(s->fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("srv_start");
		abort();
	}
	s->port = ntohs(a.sin_port);
	if (pthread_create(&s->th, NULL, srv_main, s) != 0)
		abort();
}

static void srv_stop(struct srv *s)
{
	pthread_join(s->th, NULL);
	close(s->fd);
}

/* ---- Building requests, reading responses ------------------------------- */

/* Encodes an HttpRequest; hdrs is name, value, name, value, ..., NULL (one value each). */
static void encode_req(mp_writer *w, const char *method, const char *url, const char *const *hdrs,
                       const char *body)
{
	uint32_t n = 0;

	while (hdrs && hdrs[2 * n])
		n++;
	mp_writer_init_default(w, 1 << 20);
	mp_write_map(w, 4);
	mp_write_cstr(w, "method");
	mp_write_cstr(w, method);
	mp_write_cstr(w, "url");
	mp_write_cstr(w, url);
	mp_write_cstr(w, "headers");
	mp_write_map(w, n);
	for (uint32_t i = 0; i < n; i++) {
		mp_write_cstr(w, hdrs[2 * i]);
		mp_write_array(w, 1);
		mp_write_cstr(w, hdrs[2 * i + 1]);
	}
	mp_write_cstr(w, "body");
	mp_write_bin(w, body, strlen(body));
}

#define MAX_NAMES 32
struct resp {
	uint64_t status;
	char names[MAX_NAMES][64];
	char values[MAX_NAMES][4][128];
	uint32_t nvalues[MAX_NAMES];
	uint32_t nnames;
	char body[256];
	size_t body_len;
	int fields; /* count of the three fields seen */
};

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	snprintf(dst, cap, "%.*s", (int)n, s);
}

/* Decodes the HttpResponse map; any failure is a test failure. */
static void decode_resp(struct resp *out, const uint8_t *p, size_t len)
{
	mp_reader r;
	uint32_t nf, nn, nv;
	const char *s;
	const uint8_t *b;
	size_t n;

	memset(out, 0, sizeof(*out));
	mp_reader_init(&r, p, len);
	EXPECT_EQ(0, mp_read_map(&r, &nf));
	EXPECT_EQ(3, nf);
	for (uint32_t f = 0; f < nf; f++) {
		EXPECT_EQ(0, mp_read_str(&r, &s, &n));
		if (mp_str_eq(s, n, "statusCode")) {
			EXPECT_EQ(0, mp_read_uint(&r, &out->status));
		} else if (mp_str_eq(s, n, "header")) {
			EXPECT_EQ(0, mp_read_map(&r, &nn));
			EXPECT_TRUE(nn <= MAX_NAMES);
			out->nnames = nn;
			for (uint32_t i = 0; i < nn && i < MAX_NAMES; i++) {
				EXPECT_EQ(0, mp_read_str(&r, &s, &n));
				copy_str(out->names[i], sizeof(out->names[i]), s, n);
				EXPECT_EQ(0, mp_read_array(&r, &nv));
				out->nvalues[i] = nv;
				for (uint32_t j = 0; j < nv; j++) {
					EXPECT_EQ(0, mp_read_str(&r, &s, &n));
					if (j < 4)
						copy_str(out->values[i][j],
						         sizeof(out->values[i][j]), s, n);
				}
			}
		} else if (mp_str_eq(s, n, "body")) {
			EXPECT_EQ(0, mp_read_bin(&r, &b, &n));
			EXPECT_TRUE(n < sizeof(out->body));
			out->body_len = n < sizeof(out->body) ? n : sizeof(out->body) - 1;
			memcpy(out->body, b, out->body_len);
		} else {
			TEST_FAIL_("unexpected field %.*s", (int)n, s);
		}
		out->fields++;
	}
	EXPECT_EQ(0, mp_reader_left(&r));
}

/* The index of header name in r, or -1. */
static int resp_find(const struct resp *r, const char *name)
{
	for (uint32_t i = 0; i < r->nnames && i < MAX_NAMES; i++)
		if (strcmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Runs one request through hc_handle_request; returns its code, response in *out. */
static int run(const hc_options *o, const char *method, const char *url, const char *const *hdrs,
               const char *body, struct resp *out, st_err *err)
{
	mp_writer w;
	st_buf b;
	int rc;

	encode_req(&w, method, url, hdrs, body);
	EXPECT_EQ(0, mp_writer_status(&w));
	st_buf_init(&b, 1 << 20);
	st_err_clear(err);
	rc = hc_handle_request(o, w.p, w.n, &b, err);
	if (rc == 0)
		decode_resp(out, b.p, b.n);
	else
		EXPECT_EQ(0, b.n);
	st_buf_deinit(&b);
	mp_writer_deinit(&w);
	return rc;
}

/* ---- Tests -------------------------------------------------------------- */

TEST(httpclient_get_returns_status_headers_body)
{
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];
	int i;

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	srv_start(&s, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hello", s.port);
	EXPECT_EQ(0, run(&o, "GET", url, NULL, "", &r, &err));
	srv_stop(&s);

	EXPECT_EQ(3, r.fields);
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(11, r.body_len);
	EXPECT_STR("hello world", r.body);
	i = resp_find(&r, "content-type"); /* names come back lower-cased */
	EXPECT_TRUE(i >= 0);
	if (i >= 0) {
		EXPECT_EQ(1, r.nvalues[i]);
		EXPECT_STR("text/plain", r.values[i][0]);
	}
	i = resp_find(&r, "x-multi"); /* repeated headers: one name, a list of values */
	EXPECT_TRUE(i >= 0);
	if (i >= 0) {
		EXPECT_EQ(2, r.nvalues[i]);
		EXPECT_STR("a", r.values[i][0]);
		EXPECT_STR("b", r.values[i][1]);
	}
	EXPECT_EQ(-1, resp_find(&r, "x-latin")); /* its only value was not ASCII */
	EXPECT_TRUE(resp_find(&r, "content-length") >= 0);
	/* What the server saw: the method and path, no body. */
	EXPECT_EQ(0, strncmp(s.req, "GET /hello HTTP/1.1\r\n", 21));
	EXPECT_TRUE(strcasestr(s.req, "\r\ncontent-length:") == NULL);
}

TEST(httpclient_post_sends_body_and_headers)
{
	static const char *const hdrs[] = { "X-Test", "forty two", "Content-Type",
		                            "application/json", NULL };
	const char *body = "{\"n\":42}";
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];
	int i;

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	srv_start(&s, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", s.port);
	EXPECT_EQ(0, run(&o, "POST", url, hdrs, body, &r, &err));
	srv_stop(&s);

	EXPECT_EQ(201, r.status);
	EXPECT_EQ(strlen(body), r.body_len);
	EXPECT_STR(body, r.body);
	i = resp_find(&r, "x-got");
	EXPECT_TRUE(i >= 0);
	if (i >= 0)
		EXPECT_STR("forty two", r.values[i][0]);
	EXPECT_EQ(0, strncmp(s.req, "POST /echo HTTP/1.1\r\n", 21));
	EXPECT_TRUE(strstr(s.req, "\r\nContent-Type: application/json\r\n") != NULL);
	EXPECT_TRUE(strstr(s.req, "\r\nContent-Length: 8\r\n") != NULL);
	EXPECT_TRUE(strcasestr(s.req, "\r\nexpect:") == NULL);
}

TEST(httpclient_error_status_is_a_response)
{
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	srv_start(&s, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing", s.port);
	EXPECT_EQ(0, run(&o, "GET", url, NULL, "", &r, &err));
	srv_stop(&s);
	EXPECT_EQ(404, r.status);
	EXPECT_STR("nope", r.body);
}

TEST(httpclient_does_not_follow_redirects_by_default)
{
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];
	int i;

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	srv_start(&s, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect", s.port);
	EXPECT_EQ(0, run(&o, "GET", url, NULL, "", &r, &err));
	srv_stop(&s);
	EXPECT_EQ(302, r.status);
	i = resp_find(&r, "location");
	EXPECT_TRUE(i >= 0);
	if (i >= 0)
		EXPECT_STR("/hello", r.values[i][0]);
}

TEST(httpclient_follows_redirects_when_configured)
{
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	o.max_redirects = 3;
	srv_start(&s, 2);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect", s.port);
	EXPECT_EQ(0, run(&o, "GET", url, NULL, "", &r, &err));
	srv_stop(&s);
	EXPECT_EQ(200, r.status);
	EXPECT_STR("hello world", r.body);
	EXPECT_EQ(-1, resp_find(&r, "location")); /* only the final head's headers */
}

TEST(httpclient_body_over_cap_fails)
{
	hc_options o;
	struct srv s;
	struct resp r;
	st_err err;
	char url[64];

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	o.max_body_bytes = 10;
	srv_start(&s, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", s.port);
	EXPECT_EQ(ST_ETOOBIG, run(&o, "GET", url, NULL, "", &r, &err));
	srv_stop(&s);
	EXPECT_STR("receiving response body: body exceeds 10 bytes", err.msg);
}

TEST(httpclient_unreachable_port_is_a_send_error)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	hc_options o;
	struct resp r;
	st_err err;
	char url[64];
	int fd;

	/* A port that was free a moment ago and has no listener now. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &alen));
	close(fd);
	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
	EXPECT_EQ(ST_EIO, run(&o, "GET", url, NULL, "", &r, &err));
	EXPECT_EQ(0, strncmp(err.msg, "sending request: ", 17));
	EXPECT_TRUE(strlen(err.msg) > 17);
}

TEST(httpclient_rejects_invalid_method)
{
	hc_options o;
	struct resp r;
	st_err err;

	hc_options_init(&o);
	EXPECT_EQ(ST_EINVAL, run(&o, "BAD METHOD", "http://127.0.0.1:1/", NULL, "", &r, &err));
	EXPECT_STR("invalid parameter: method: BAD METHOD:invalid HTTP method", err.msg);
}

TEST(httpclient_rejects_header_injection)
{
	static const char *const hdrs[] = { "X-A", "v\r\nX-Evil: 1", NULL };
	hc_options o;
	struct resp r;
	st_err err;

	hc_options_init(&o);
	EXPECT_EQ(ST_EINVAL, run(&o, "GET", "http://127.0.0.1:1/", hdrs, "", &r, &err));
	EXPECT_STR("invalid parameter: header: X-A:invalid HTTP header value", err.msg);
}

TEST(httpclient_rejects_non_http_scheme)
{
	hc_options o;
	struct resp r;
	st_err err;

	EXPECT_EQ(0, hc_global_init());
	hc_options_init(&o);
	EXPECT_EQ(ST_EIO, run(&o, "GET", "file:///etc/passwd", NULL, "", &r, &err));
	EXPECT_EQ(0, strncmp(err.msg, "sending request: ", 17));
}

TEST(httpclient_decode_requires_every_field)
{
	/* {"method":"GET","url":"x","headers":{}} - no body */
	static const uint8_t in[] = { 0x83, 0xa6, 'm', 'e',  't', 'h', 'o', 'd',  0xa3,
		                      'G',  'E',  'T', 0xa3, 'u', 'r', 'l', 0xa1, 'x',
		                      0xa7, 'h',  'e', 'a',  'd', 'e', 'r', 's',  0x80 };
	hc_request req;
	st_err err;

	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, hc_request_decode(&req, in, sizeof(in), &err));
	EXPECT_STR("deserializing HttpRequest: missing field `body`", err.msg);
	EXPECT_EQ(ST_ETRUNC, hc_request_decode(&req, in, sizeof(in) - 1, &err));
}

TEST(httpclient_decode_keeps_every_header_value)
{
	mp_writer w;
	hc_request req;
	st_err err;

	mp_writer_init_default(&w, 4096);
	mp_write_map(&w, 5);
	mp_write_cstr(&w, "extra");
	mp_write_array(&w, 1);
	mp_write_nil(&w);
	mp_write_cstr(&w, "body");
	mp_write_cstr(&w, "abc"); /* a str body is accepted too */
	mp_write_cstr(&w, "headers");
	mp_write_map(&w, 1);
	mp_write_cstr(&w, "Accept");
	mp_write_array(&w, 2);
	mp_write_cstr(&w, "text/html");
	mp_write_cstr(&w, "*/*");
	mp_write_cstr(&w, "url");
	mp_write_cstr(&w, "http://127.0.0.1/");
	mp_write_cstr(&w, "method");
	mp_write_cstr(&w, "PUT");
	EXPECT_EQ(0, mp_writer_status(&w));
	EXPECT_EQ(0, hc_request_decode(&req, w.p, w.n, &err));
	EXPECT_EQ(2, req.nheaders);
	EXPECT_EQ(3, req.body.n);
	EXPECT_EQ(0, memcmp(req.body.p, "abc", 3));
	EXPECT_EQ(3, req.method.n);
	if (req.nheaders == 2) {
		EXPECT_EQ(0, memcmp(req.headers[1].name.p, "Accept", 6));
		EXPECT_EQ(0, memcmp(req.headers[1].value.p, "*/*", 3));
	}
	hc_request_deinit(&req);
	mp_writer_deinit(&w);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
