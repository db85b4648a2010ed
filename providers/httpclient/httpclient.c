/*
 * httpclient.c - HttpClient.Request on libcurl (see httpclient.h). One easy
 * handle per request: nothing is shared between calls, so any thread may
 * run one. Response headers are collected per response head (a new status
 * line, e.g. after 100 Continue or a followed redirect, starts over), and
 * whether the final head was complete decides which of the spec's error
 * texts a failure gets.
 */
#include "httpclient/httpclient.h"

#include <curl/curl.h>
#include <string.h>

#include "codec/msgpack.h"
#include "core/mem.h"
#include "core/banned.h"

void hc_options_init(hc_options *o)
{
	o->timeout_ms = HC_DEFAULT_TIMEOUT_MS;
	o->connect_timeout_ms = HC_DEFAULT_CONNECT_TIMEOUT_MS;
	o->max_body_bytes = HC_DEFAULT_MAX_BODY_BYTES;
	o->verify_tls = true;
	o->max_redirects = 0;
}

int hc_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ST_EIO;
	return 0;
}

/* ---- Decoding ----------------------------------------------------------- */

static int decode_fail(mp_reader *r, int rc, st_err *err, const char *field)
{
	return st_err_set(err, rc, "deserializing HttpRequest: %s: %s", field, r->msg);
}

static int decode_headers(hc_request *req, mp_reader *r, st_err *err)
{
	uint32_t nnames, nvals;
	const char *s;
	size_t n;
	int rc;

	rc = mp_read_map(r, &nnames);
	if (rc < 0)
		return decode_fail(r, rc, err, "headers");
	for (uint32_t i = 0; i < nnames; i++) {
		st_slice name;

		rc = mp_read_str(r, &s, &n);
		if (rc < 0)
			return decode_fail(r, rc, err, "headers");
		name = st_slice_make(s, n);
		rc = mp_read_array(r, &nvals);
		if (rc < 0)
			return decode_fail(r, rc, err, "headers");
		for (uint32_t j = 0; j < nvals; j++) {
			rc = mp_read_str(r, &s, &n);
			if (rc < 0)
				return decode_fail(r, rc, err, "headers");
			if (req->nheaders == HC_MAX_HEADERS)
				return st_err_set(
					err, ST_ETOOBIG,
					"deserializing HttpRequest: more than %d header values",
					HC_MAX_HEADERS);
			if (!req->headers)
				req->headers = xcalloc(HC_MAX_HEADERS, sizeof(*req->headers));
			req->headers[req->nheaders].name = name;
			req->headers[req->nheaders].value = st_slice_make(s, n);
			req->nheaders++;
		}
	}
	return 0;
}

static int decode_body(hc_request *req, mp_reader *r, st_err *err)
{
	const uint8_t *p;
	const char *s;
	size_t n;
	mp_type t;
	int rc;

	/* Rust's serde_bytes takes a str as well as a bin. */
	rc = mp_peek(r, &t);
	if (rc == 0 && t == MP_STR) {
		rc = mp_read_str(r, &s, &n);
		p = (const uint8_t *)s;
	} else if (rc == 0) {
		rc = mp_read_bin(r, &p, &n);
	}
	if (rc < 0)
		return decode_fail(r, rc, err, "body");
	req->body = st_slice_make(p, n);
	return 0;
}

int hc_request_decode(hc_request *req, const uint8_t *p, size_t len, st_err *err)
{
	enum {
		F_METHOD = 1,
		F_URL = 2,
		F_HEADERS = 4,
		F_BODY = 8,
		F_ALL = 15
	};
	unsigned seen = 0;
	mp_reader r;
	uint32_t nfields;
	const char *s;
	size_t n;
	int rc;

	memset(req, 0, sizeof(*req));
	mp_reader_init(&r, p, len);
	rc = mp_read_map(&r, &nfields);
	if (rc < 0) {
		decode_fail(&r, rc, err, "HttpRequest");
		goto fail;
	}
	for (uint32_t i = 0; i < nfields; i++) {
		rc = mp_read_str(&r, &s, &n);
		if (rc < 0) {
			decode_fail(&r, rc, err, "field name");
			goto fail;
		}
		if (mp_str_eq(s, n, "method") || mp_str_eq(s, n, "url")) {
			bool is_method = n == 6;

			rc = mp_read_str(&r, &s, &n);
			if (rc < 0) {
				decode_fail(&r, rc, err, is_method ? "method" : "url");
				goto fail;
			}
			if (is_method)
				req->method = st_slice_make(s, n);
			else
				req->url = st_slice_make(s, n);
			seen |= is_method ? F_METHOD : F_URL;
		} else if (mp_str_eq(s, n, "headers")) {
			/* A repeated field replaces the earlier one, as serde does. */
			req->nheaders = 0;
			rc = decode_headers(req, &r, err);
			if (rc < 0)
				goto fail;
			seen |= F_HEADERS;
		} else if (mp_str_eq(s, n, "body")) {
			rc = decode_body(req, &r, err);
			if (rc < 0)
				goto fail;
			seen |= F_BODY;
		} else {
			rc = mp_skip(&r);
			if (rc < 0) {
				decode_fail(&r, rc, err, "unknown field");
				goto fail;
			}
		}
	}
	if (seen != F_ALL) {
		rc = st_err_set(err, ST_EMALFORMED, "deserializing HttpRequest: missing field `%s`",
		                !(seen & F_METHOD)  ? "method" :
		                !(seen & F_URL)     ? "url" :
		                !(seen & F_HEADERS) ? "headers" :
		                                      "body");
		goto fail;
	}
	return 0;
fail:
	hc_request_deinit(req);
	return rc;
}

void hc_request_deinit(hc_request *req)
{
	st_free(req->headers);
	memset(req, 0, sizeof(*req));
}

/* ---- Validation --------------------------------------------------------- */

/* RFC 9110 tchar: what a method and a header name may consist of. */
static bool is_token(st_slice s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		uint8_t c = s.p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c != 0 && memchr(extra, c, sizeof(extra) - 1))))
			return false;
	}
	return true;
}

/* A request header value may not break the header block: no CR, LF or NUL. */
static bool is_field_value(st_slice s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == 0)
			return false;
	return true;
}

/* Response values kept: visible ASCII and tab (what Rust's HeaderValue::to_str accepts). */
static bool is_visible_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c != '\t' && (c < 0x20 || c >= 0x7f))
			return false;
	}
	return true;
}

static bool slice_ieq(st_slice s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t a = s.p[i], b = (uint8_t)lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* ---- The transfer ------------------------------------------------------- */

/* One response header value; name and value are offsets into xfer.hbytes. */
struct resp_header {
	size_t name_off, name_len;
	size_t value_off, value_len;
};

struct xfer {
	st_buf body;   /* response body of the current head, capped at max_body_bytes */
	st_buf hbytes; /* names (lower-cased) and values of the current head */
	struct resp_header h[HC_MAX_HEADERS];
	size_t nh;
	bool head_done; /* the current head ended with its blank line */
	bool body_big;  /* the body passed max_body_bytes */
	bool head_big;  /* the head passed HC_MAX_HEADERS or HC_MAX_HEADER_BYTES */
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (st_buf_append(&x->body, p, n) < 0) {
		x->body_big = x->body.n + n > x->body.max;
		return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb, name_len, v0, v1;
	const char *colon;
	struct resp_header *h;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* A new response head: an interim 1xx or a followed redirect came before. */
		x->nh = 0;
		x->hbytes.n = 0;
		x->body.n = 0;
		x->head_done = false;
		return n;
	}
	if ((n == 2 && p[0] == '\r' && p[1] == '\n') || (n == 1 && p[0] == '\n')) {
		x->head_done = true;
		return n;
	}
	colon = memchr(p, ':', n);
	if (!colon || colon == p || p[0] == ' ' || p[0] == '\t')
		return n; /* obsolete line folding or garbage: dropped */
	name_len = (size_t)(colon - p);
	v0 = name_len + 1;
	v1 = n;
	while (v1 > v0 &&
	       (p[v1 - 1] == '\r' || p[v1 - 1] == '\n' || p[v1 - 1] == ' ' || p[v1 - 1] == '\t'))
		v1--;
	while (v0 < v1 && (p[v0] == ' ' || p[v0] == '\t'))
		v0++;
	if (!is_visible_ascii(p + v0, v1 - v0))
		return n;
	if (x->nh == HC_MAX_HEADERS) {
		x->head_big = true;
		return 0;
	}
	h = &x->h[x->nh];
	h->name_off = x->hbytes.n;
	h->name_len = name_len;
	h->value_off = x->hbytes.n + name_len;
	h->value_len = v1 - v0;
	if (st_buf_append(&x->hbytes, p, name_len) < 0 ||
	    st_buf_append(&x->hbytes, p + v0, v1 - v0) < 0) {
		x->head_big = true;
		return 0;
	}
	for (size_t i = 0; i < name_len; i++) {
		uint8_t *c = &x->hbytes.p[h->name_off + i];

		if (*c >= 'A' && *c <= 'Z')
			*c = (uint8_t)(*c - 'A' + 'a');
	}
	x->nh++;
	return n;
}

static bool header_name_eq(const struct xfer *x, size_t a, size_t b)
{
	return x->h[a].name_len == x->h[b].name_len &&
	       memcmp(x->hbytes.p + x->h[a].name_off, x->hbytes.p + x->h[b].name_off,
	              x->h[a].name_len) == 0;
}

/* True when an earlier header has the same name as header i (already emitted). */
static bool header_seen(const struct xfer *x, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (header_name_eq(x, i, j))
			return true;
	return false;
}

static int encode_response(const struct xfer *x, long status, st_buf *out, st_err *err)
{
	mp_writer w;
	uint32_t nnames = 0;
	int rc;

	mp_writer_init_default(&w, x->body.n + x->hbytes.n + 64 + 16 * HC_MAX_HEADERS);
	for (size_t i = 0; i < x->nh; i++)
		if (!header_seen(x, i))
			nnames++;
	mp_write_map(&w, 3);
	mp_write_cstr(&w, "statusCode");
	mp_write_uint(&w, (uint64_t)status);
	mp_write_cstr(&w, "header");
	mp_write_map(&w, nnames);
	for (size_t i = 0; i < x->nh; i++) {
		uint32_t nvals = 0;

		if (header_seen(x, i))
			continue;
		for (size_t j = i; j < x->nh; j++)
			if (header_name_eq(x, i, j))
				nvals++;
		mp_write_str(&w, (const char *)x->hbytes.p + x->h[i].name_off, x->h[i].name_len);
		mp_write_array(&w, nvals);
		for (size_t j = i; j < x->nh; j++)
			if (header_name_eq(x, i, j))
				mp_write_str(&w, (const char *)x->hbytes.p + x->h[j].value_off,
				             x->h[j].value_len);
	}
	mp_write_cstr(&w, "body");
	mp_write_bin(&w, x->body.p, x->body.n);
	rc = mp_writer_status(&w);
	if (rc == 0)
		rc = st_buf_append(out, w.p, w.n);
	if (rc < 0)
		st_err_set(err, rc, "encoding HttpResponse: %s", st_strerror(rc));
	mp_writer_deinit(&w);
	return rc;
}

static int check_request(const hc_request *req, st_err *err)
{
	if (!is_token(req->method))
		return st_err_set(err, ST_EINVAL,
		                  "invalid parameter: method: %.*s:invalid HTTP method",
		                  (int)(req->method.n > 64 ? 64 : req->method.n),
		                  (const char *)req->method.p);
	if (memchr(req->url.p, 0, req->url.n))
		return st_err_set(err, ST_EINVAL, "invalid parameter: url: contains NUL");
	for (size_t i = 0; i < req->nheaders; i++) {
		const hc_header *h = &req->headers[i];
		int n = (int)(h->name.n > 64 ? 64 : h->name.n);

		if (!is_token(h->name))
			return st_err_set(
				err, ST_EINVAL,
				"invalid parameter: header: %.*s:invalid HTTP header name", n,
				(const char *)h->name.p);
		if (!is_field_value(h->value))
			return st_err_set(
				err, ST_EINVAL,
				"invalid parameter: header: %.*s:invalid HTTP header value", n,
				(const char *)h->name.p);
	}
	return 0;
}

/* Builds libcurl's header list; appends to *list (freed by the caller). */
static int build_headers(const hc_request *req, struct curl_slist **list, st_err *err)
{
	bool has_ctype = false, has_expect = false;
	struct curl_slist *l;
	st_buf line;
	int rc = 0;

	st_buf_init(&line, HC_MAX_HEADER_BYTES);
	for (size_t i = 0; i < req->nheaders; i++) {
		const hc_header *h = &req->headers[i];

		has_ctype |= slice_ieq(h->name, "content-type");
		has_expect |= slice_ieq(h->name, "expect");
		line.n = 0;
		/* "Name;" is libcurl's way to send a header with an empty value. */
		rc = st_buf_append(&line, h->name.p, h->name.n);
		if (rc == 0 && h->value.n == 0)
			rc = st_buf_append(&line, ";", 2);
		else if (rc == 0)
			rc = st_buf_append(&line, ": ", 2);
		if (rc == 0 && h->value.n > 0)
			rc = st_buf_append(&line, h->value.p, h->value.n);
		if (rc == 0 && h->value.n > 0)
			rc = st_buf_append(&line, "", 1);
		if (rc < 0) {
			st_err_set(err, ST_EINVAL, "invalid parameter: header: too long");
			goto out;
		}
		l = curl_slist_append(*list, (const char *)line.p);
		if (!l) {
			rc = st_err_set(err, ST_ENOMEM, "sending request: out of memory");
			goto out;
		}
		*list = l;
	}
	/*
	 * Send only what the actor asked for: no Content-Type libcurl would
	 * invent for a body, no Expect: 100-continue round trip.
	 */
	if (!has_ctype && req->body.n > 0 && (l = curl_slist_append(*list, "Content-Type:")))
		*list = l;
	if (!has_expect && (l = curl_slist_append(*list, "Expect:")))
		*list = l;
out:
	st_buf_deinit(&line);
	return rc;
}

static const char *curl_reason(CURLcode cc, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(cc);
}

int hc_request_perform(const hc_options *o, const hc_request *req, st_buf *out, st_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hl = NULL;
	struct xfer *x = NULL;
	char *method = NULL, *url = NULL;
	CURL *h = NULL;
	CURLcode cc;
	long status = 0;
	int rc;

	rc = check_request(req, err);
	if (rc < 0)
		goto out;
	rc = build_headers(req, &hl, err);
	if (rc < 0)
		goto out;
	method = xstrndup((const char *)req->method.p, req->method.n);
	url = xstrndup((const char *)req->url.p, req->url.n);
	x = xcalloc(1, sizeof(*x));
	st_buf_init(&x->body, o->max_body_bytes);
	st_buf_init(&x->hbytes, HC_MAX_HEADER_BYTES);
	h = curl_easy_init();
	if (!h) {
		rc = st_err_set(err, ST_ENOMEM, "sending request: cannot create a libcurl handle");
		goto out;
	}
	cc = CURLE_OK;
	/* Each setopt below only fails for an unknown option or out of memory. */
	cc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc |= curl_easy_setopt(h, CURLOPT_URL, url);
	cc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cc |= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	cc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, o->max_redirects > 0 ? 1L : 0L);
	cc |= curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->max_redirects);
	cc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->verify_tls ? 1L : 0L);
	cc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->verify_tls ? 2L : 0L);
	cc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	cc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	cc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	cc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	cc |= curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	cc |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	cc |= curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (strcmp(method, "HEAD") == 0)
		cc |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (req->body.n > 0 || strcmp(method, "GET") != 0) {
		/* Borrowed: req's input outlives the perform below. */
		cc |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.n);
		cc |= curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		                       req->body.n ? (const char *)req->body.p : "");
	}
	cc |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (cc != CURLE_OK) {
		rc = st_err_set(err, ST_ENOMEM, "sending request: setting up libcurl failed");
		goto out;
	}
	cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		if (x->body_big)
			rc = st_err_set(err, ST_ETOOBIG,
			                "receiving response body: body exceeds %zu bytes",
			                o->max_body_bytes);
		else if (x->head_big)
			rc = st_err_set(
				err, ST_ETOOBIG,
				"sending request: response headers exceed %d values or %u bytes",
				HC_MAX_HEADERS, HC_MAX_HEADER_BYTES);
		else if (x->head_done)
			rc = st_err_set(err, ST_EIO, "receiving response body: %s",
			                curl_reason(cc, errbuf));
		else
			rc = st_err_set(err, ST_EIO, "sending request: %s",
			                curl_reason(cc, errbuf));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 100 || status > 999) {
		rc = st_err_set(err, ST_EIO, "sending request: invalid status code %ld", status);
		goto out;
	}
	rc = encode_response(x, status, out, err);
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(hl);
	if (x) {
		st_buf_deinit(&x->body);
		st_buf_deinit(&x->hbytes);
	}
	st_free(x);
	st_free(method);
	st_free(url);
	return rc;
}

int hc_handle_request(const hc_options *o, const uint8_t *p, size_t len, st_buf *out, st_err *err)
{
	hc_request req;
	int rc;

	rc = hc_request_decode(&req, p, len, err);
	if (rc < 0)
		return rc;
	rc = hc_request_perform(o, &req, out, err);
	hc_request_deinit(&req);
	return rc;
}
