/*
 * echo.c - test actor: answers HttpServer.HandleRequest like wasmCloud's
 * echo example (actor-abi.md §12): a 200 response whose body is the JSON
 * {"body":[bytes],"method":..,"path":..,"query_string":..}, keys sorted.
 * The few MessagePack forms involved are decoded and encoded by hand.
 */
#include "wasmbus.h"

/* A MessagePack reader over one buffer; fails (ok = 0) on anything unexpected. */
typedef struct rd {
	const uint8_t *p, *end;
	int ok;
} rd;

static uint32_t rd_be(rd *r, int n)
{
	uint32_t v = 0;

	if (r->end - r->p < n) {
		r->ok = 0;
		return 0;
	}
	while (n--)
		v = v << 8 | *r->p++;
	return v;
}

/* Reads a str or bin header and returns its bytes. */
static const uint8_t *rd_bytes(rd *r, uint32_t *len)
{
	uint8_t t = (uint8_t)rd_be(r, 1);
	const uint8_t *p;

	if ((t & 0xe0) == 0xa0)
		*len = t & 0x1f;
	else if (t == 0xd9 || t == 0xc4)
		*len = rd_be(r, 1);
	else if (t == 0xda || t == 0xc5)
		*len = rd_be(r, 2);
	else if (t == 0xdb || t == 0xc6)
		*len = rd_be(r, 4);
	else
		r->ok = 0;
	if (!r->ok || (uint32_t)(r->end - r->p) < *len) {
		r->ok = 0;
		*len = 0;
		return r->p;
	}
	p = r->p;
	r->p += *len;
	return p;
}

static uint32_t rd_map(rd *r)
{
	uint8_t t = (uint8_t)rd_be(r, 1);

	if ((t & 0xf0) == 0x80)
		return t & 0x0f;
	if (t == 0xde)
		return rd_be(r, 2);
	if (t == 0xdf)
		return rd_be(r, 4);
	r->ok = 0;
	return 0;
}

/* Skips one value of any type. */
static void rd_skip(rd *r)
{
	uint8_t t;
	uint32_t n = 0, len;

	if (!r->ok || r->p >= r->end) {
		r->ok = 0;
		return;
	}
	t = *r->p;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
		r->p++;
		return;
	}
	if ((t & 0xe0) == 0xa0 || t == 0xd9 || t == 0xda || t == 0xdb || (t >= 0xc4 && t <= 0xc6)) {
		(void)rd_bytes(r, &len);
		return;
	}
	if ((t & 0xf0) == 0x80 || t == 0xde || t == 0xdf) {
		n = rd_map(r) * 2;
	} else if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd) {
		r->p++;
		n = (t & 0xf0) == 0x90 ? (t & 0x0fu) : rd_be(r, t == 0xdc ? 2 : 4);
	} else {
		static const uint8_t fixed[] = {
			[0xca - 0xca] = 4, [0xcb - 0xca] = 8, [0xcc - 0xca] = 1, [0xcd - 0xca] = 2,
			[0xce - 0xca] = 4, [0xcf - 0xca] = 8, [0xd0 - 0xca] = 1, [0xd1 - 0xca] = 2,
			[0xd2 - 0xca] = 4, [0xd3 - 0xca] = 8,
		};
		if (t >= 0xca && t <= 0xd3) {
			r->p++;
			if ((size_t)(r->end - r->p) < fixed[t - 0xca])
				r->ok = 0;
			else
				r->p += fixed[t - 0xca];
		} else {
			r->ok = 0; /* ext types never appear in these payloads */
		}
		return;
	}
	while (r->ok && n--)
		rd_skip(r);
}

/* A growing output in the arena (the arena only grows, so realloc is copy). */
typedef struct out {
	uint8_t *p;
	size_t n, cap;
} out;

static void put(out *o, const void *data, size_t n)
{
	if (o->n + n > o->cap) {
		size_t cap = (o->cap ? o->cap * 2 : 256) + n;
		uint8_t *p = wasmbus_alloc(cap);

		if (!p)
			__builtin_trap();
		memcpy(p, o->p, o->n);
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, data, n);
	o->n += n;
}

static void put_s(out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_uint(out *o, uint32_t v)
{
	char tmp[10];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i--)
		put(o, &tmp[i], 1);
}

/* A JSON string, escaped the way serde_json does it. */
static void put_json_str(out *o, const uint8_t *s, uint32_t n)
{
	static const char hex[] = "0123456789abcdef";

	put(o, "\"", 1);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"' || c == '\\') {
			put(o, "\\", 1);
			put(o, &c, 1);
		} else if (c == '\n') {
			put_s(o, "\\n");
		} else if (c == '\r') {
			put_s(o, "\\r");
		} else if (c == '\t') {
			put_s(o, "\\t");
		} else if (c == '\b') {
			put_s(o, "\\b");
		} else if (c == '\f') {
			put_s(o, "\\f");
		} else if (c < 0x20) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(o, u, 6);
		} else {
			put(o, &c, 1);
		}
	}
	put(o, "\"", 1);
}

static int key_is(const uint8_t *k, uint32_t n, const char *want)
{
	return strlen(want) == n && memcmp(k, want, n) == 0;
}

static int handle_request(const uint8_t *req, size_t len)
{
	/* {"statusCode": 200, "header": {}, "body": bin(json)}, up to the bin header */
	static const char head[] = "\x83\xaastatusCode\xcc\xc8\xa6header\x80\xa4"
				   "body";
	rd r = { req, req + len, 1 };
	const uint8_t *method = (const uint8_t *)"", *path = method, *query = method,
		      *body = method;
	uint32_t method_n = 0, path_n = 0, query_n = 0, body_n = 0, n;
	out json = { 0 }, resp = { 0 };
	uint8_t hdr[5];

	n = rd_map(&r);
	while (r.ok && n--) {
		uint32_t kn;
		const uint8_t *k = rd_bytes(&r, &kn);

		if (!r.ok)
			break;
		if (key_is(k, kn, "method"))
			method = rd_bytes(&r, &method_n);
		else if (key_is(k, kn, "path"))
			path = rd_bytes(&r, &path_n);
		else if (key_is(k, kn, "queryString"))
			query = rd_bytes(&r, &query_n);
		else if (key_is(k, kn, "body"))
			body = rd_bytes(&r, &body_n);
		else
			rd_skip(&r);
	}
	if (!r.ok)
		return wasmbus_fail("Guest call failed for method HttpServer.HandleRequest: "
		                    "deserialization: invalid HttpRequest");

	put_s(&json, "{\"body\":[");
	for (uint32_t i = 0; i < body_n; i++) {
		if (i)
			put(&json, ",", 1);
		put_uint(&json, body[i]);
	}
	put_s(&json, "],\"method\":");
	put_json_str(&json, method, method_n);
	put_s(&json, ",\"path\":");
	put_json_str(&json, path, path_n);
	put_s(&json, ",\"query_string\":");
	put_json_str(&json, query, query_n);
	put_s(&json, "}");

	put(&resp, head, sizeof(head) - 1);
	if (json.n < 0x100) {
		hdr[0] = 0xc4;
		hdr[1] = (uint8_t)json.n;
		put(&resp, hdr, 2);
	} else if (json.n < 0x10000) {
		hdr[0] = 0xc5;
		hdr[1] = (uint8_t)(json.n >> 8);
		hdr[2] = (uint8_t)json.n;
		put(&resp, hdr, 3);
	} else {
		hdr[0] = 0xc6;
		hdr[1] = (uint8_t)(json.n >> 24);
		hdr[2] = (uint8_t)(json.n >> 16);
		hdr[3] = (uint8_t)(json.n >> 8);
		hdr[4] = (uint8_t)json.n;
		put(&resp, hdr, 5);
	}
	put(&resp, json.p, json.n);
	wasmbus_reply(resp.p, resp.n);
	return WASMBUS_OK;
}

/* Actor.HealthRequest: HealthCheckResponse {healthy: true}, as the Rust echo answers. */
static int health(const uint8_t *req, size_t len)
{
	(void)req;
	(void)len;
	wasmbus_reply("\x81\xa7healthy\xc3", 10);
	return WASMBUS_OK;
}

const wasmbus_op wasmbus_ops[] = {
	{ "HttpServer.HandleRequest", handle_request },
	{ "Actor.HealthRequest", health },
	{ 0, 0 },
};
