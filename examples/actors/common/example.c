/*
 * example.c - helpers shared by the example actors (see example.h).
 */
#include "example.h"

void ex_respond(wc_httpserver_http_response *out, uint16_t status, const char *content_type,
                const void *body, size_t n)
{
	out->status_code = status;
	out->body.p = body;
	out->body.n = n;
	out->header.n = 0;
	if (!content_type)
		return;
	out->header.keys = wc_alloc(sizeof(wc_str));
	out->header.values = wc_alloc(sizeof(wc_model_string_list));
	if (!out->header.keys || !out->header.values)
		return;
	out->header.values[0].items = wc_alloc(sizeof(wc_str));
	if (!out->header.values[0].items)
		return;
	out->header.keys[0] = wc_str_from("content-type");
	out->header.values[0].items[0] = wc_str_from(content_type);
	out->header.values[0].n = 1;
	out->header.n = 1;
}

void ex_respond_buf(wc_httpserver_http_response *out, uint16_t status, const char *content_type,
                    wc_buf *b)
{
	const char *s = wc_buf_str(b);

	ex_respond(out, status, content_type, s, b->n);
}

void ex_json_str(wc_buf *b, wc_str s)
{
	static const char hex[] = "0123456789abcdef";

	wc_buf_addc(b, '"');
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '"' || c == '\\') {
			wc_buf_addc(b, '\\');
			wc_buf_addc(b, (char)c);
		} else if (c < 0x20) {
			wc_buf_adds(b, "\\u00");
			wc_buf_addc(b, hex[c >> 4]);
			wc_buf_addc(b, hex[c & 15]);
		} else {
			wc_buf_addc(b, (char)c);
		}
	}
	wc_buf_addc(b, '"');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a form-urlencoded value into the arena (the input when nothing to decode). */
static wc_str form_decode(wc_str v)
{
	char *out;
	size_t n = 0;

	for (size_t i = 0; i < v.n; i++)
		if (v.p[i] == '%' || v.p[i] == '+')
			goto decode;
	return v;
decode:
	out = wc_alloc(v.n + 1);
	if (!out)
		return v;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] == '+') {
			out[n++] = ' ';
		} else if (v.p[i] == '%' && i + 2 < v.n && hexval(v.p[i + 1]) >= 0 &&
		           hexval(v.p[i + 2]) >= 0) {
			out[n++] = (char)(hexval(v.p[i + 1]) << 4 | hexval(v.p[i + 2]));
			i += 2;
		} else {
			out[n++] = v.p[i];
		}
	}
	return wc_str_make(out, n);
}

bool ex_query_param(wc_str query, const char *name, wc_str *value)
{
	size_t nl = 0, i = 0;

	while (name[nl])
		nl++;
	while (i < query.n) {
		size_t start = i, eq;

		while (i < query.n && query.p[i] != '&')
			i++;
		for (eq = start; eq < i && query.p[eq] != '='; eq++)
			;
		if (eq - start == nl && wc_str_eq(wc_str_make(query.p + start, nl), name)) {
			*value = eq < i ? form_decode(wc_str_make(query.p + eq + 1, i - eq - 1)) :
			                  wc_str_make("", 0);
			return true;
		}
		i++;
	}
	*value = wc_str_make("", 0);
	return false;
}
