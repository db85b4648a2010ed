/*
 * sqlapp.c - the sqldb example: a guest book over wasmcloud:sqldb.
 *   POST /init            creates the table (Postgres SQL)
 *   POST /entries?name=N  inserts N (single quotes doubled)
 *   GET  /entries         {"num_rows":K,"rows":[[1,"Ada"],...]}
 * The rows come back as one CBOR item (an array of row arrays); the few
 * CBOR forms a row holds here (integers, text, null, booleans) are read
 * by hand and turned into JSON.
 */
#include "example.h"
#include "gen/wc_sqldb.h"
#include "wasmbus.h"

#define LINK "default"

typedef struct cbor {
	const uint8_t *p, *end;
	bool ok;
} cbor;

/* Reads the head of an item: major type and argument. */
static uint8_t cbor_head(cbor *c, uint64_t *arg)
{
	uint8_t ib, info;
	int n = 0;

	if (c->p >= c->end) {
		c->ok = false;
		return 0xff;
	}
	ib = *c->p++;
	info = ib & 31;
	if (info < 24)
		*arg = info;
	else if (info <= 27)
		n = 1 << (info - 24);
	else
		c->ok = false;
	if (n) {
		*arg = 0;
		if (c->end - c->p < n) {
			c->ok = false;
			return 0xff;
		}
		while (n--)
			*arg = *arg << 8 | *c->p++;
	}
	return (uint8_t)(ib >> 5);
}

/* Appends one CBOR item as JSON. */
static void cbor_to_json(cbor *c, wc_buf *b, int depth)
{
	uint8_t ib = c->p < c->end ? *c->p : 0;
	uint64_t arg = 0;
	uint8_t major;

	if (depth > 8) {
		c->ok = false;
		return;
	}
	major = cbor_head(c, &arg);
	if (!c->ok)
		return;
	switch (major) {
	case 0:
		wc_buf_add_u64(b, arg);
		break;
	case 1:
		wc_buf_add_i64(b, -1 - (int64_t)arg);
		break;
	case 3:
		if ((uint64_t)(c->end - c->p) < arg) {
			c->ok = false;
			return;
		}
		ex_json_str(b, wc_str_make((const char *)c->p, (size_t)arg));
		c->p += arg;
		break;
	case 4:
		wc_buf_addc(b, '[');
		for (uint64_t i = 0; i < arg && c->ok; i++) {
			if (i)
				wc_buf_addc(b, ',');
			cbor_to_json(c, b, depth + 1);
		}
		wc_buf_addc(b, ']');
		break;
	case 7:
		if (ib == 0xf4)
			wc_buf_adds(b, "false");
		else if (ib == 0xf5)
			wc_buf_adds(b, "true");
		else if (ib == 0xf6 || ib == 0xf7)
			wc_buf_adds(b, "null");
		else
			c->ok = false;
		break;
	default:
		c->ok = false; /* bytes, maps, tags, floats: not used by this table */
	}
}

static int fail(wc_httpserver_http_response *out, wc_str why)
{
	wc_buf b;

	wc_buf_init(&b);
	wc_buf_adds(&b, "{\"error\":");
	ex_json_str(&b, why);
	wc_buf_addc(&b, '}');
	ex_respond_buf(out, 500, "application/json", &b);
	return 0;
}

static int execute(wc_httpserver_http_response *out, wc_str sql)
{
	wc_sqldb_statement st = { 0 };
	wc_sqldb_execute_result res;
	wc_str why;
	wc_buf b;

	st.sql = sql;
	if (wc_sqldb_execute(LINK, &st, &res, &why) != 0)
		return fail(out, why);
	if (res.has_error)
		return fail(out, res.error.message);
	wc_buf_init(&b);
	wc_buf_adds(&b, "{\"rows_affected\":");
	wc_buf_add_u64(&b, res.rows_affected);
	wc_buf_addc(&b, '}');
	ex_respond_buf(out, 200, "application/json", &b);
	return 0;
}

static int query(wc_httpserver_http_response *out)
{
	wc_sqldb_statement st = { 0 };
	wc_sqldb_query_result res;
	cbor c;
	wc_str why;
	wc_buf b;

	st.sql = wc_str_from("SELECT id, name FROM guestbook ORDER BY id");
	if (wc_sqldb_query(LINK, &st, &res, &why) != 0)
		return fail(out, why);
	if (res.has_error)
		return fail(out, res.error.message);
	wc_buf_init(&b);
	wc_buf_adds(&b, "{\"num_rows\":");
	wc_buf_add_u64(&b, res.num_rows);
	wc_buf_adds(&b, ",\"rows\":");
	c.p = res.rows.p;
	c.end = res.rows.p + res.rows.n;
	c.ok = true;
	if (res.rows.n)
		cbor_to_json(&c, &b, 0);
	else
		wc_buf_adds(&b, "[]");
	if (!c.ok)
		return fail(out, wc_str_from("rows are not CBOR this example can read"));
	wc_buf_addc(&b, '}');
	ex_respond_buf(out, 200, "application/json", &b);
	return 0;
}

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	(void)err;
	if (wc_str_eq(in->path, "/init") && wc_str_eq(in->method, "POST"))
		return execute(out, wc_str_from("CREATE TABLE IF NOT EXISTS guestbook "
		                                 "(id SERIAL PRIMARY KEY, name TEXT NOT NULL)"));
	if (wc_str_eq(in->path, "/entries") && wc_str_eq(in->method, "POST")) {
		wc_str name;
		wc_buf sql;

		if (!ex_query_param(in->query_string, "name", &name) || name.n == 0) {
			ex_respond(out, 400, "text/plain", "?name= is required\n", 19);
			return 0;
		}
		wc_buf_init(&sql);
		wc_buf_adds(&sql, "INSERT INTO guestbook (name) VALUES ('");
		for (size_t i = 0; i < name.n; i++) {
			if (name.p[i] == '\'')
				wc_buf_addc(&sql, '\'');
			wc_buf_addc(&sql, name.p[i]);
		}
		wc_buf_adds(&sql, "')");
		return execute(out, wc_str_make(wc_buf_str(&sql), sql.n));
	}
	if (wc_str_eq(in->path, "/entries") && wc_str_eq(in->method, "GET"))
		return query(out);
	ex_respond(out, 404, "text/plain", "not found\n", 10);
	return 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
