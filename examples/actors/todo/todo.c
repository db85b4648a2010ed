/*
 * todo.c - the todo example: a small REST API over wasmcloud:keyvalue.
 *   GET    /todos        [{"id":"1","title":"..."}, ...]
 *   POST   /todos        body = title -> 201 {"id":"N","title":"..."}
 *   GET    /todos/ID     {"id":"ID","title":"..."} or 404
 *   DELETE /todos/ID     204, or 404
 * Storage: the set "todos" holds the ids, "todo:ID" each title, and the
 * counter "todo:next" hands out ids.
 */
#include "example.h"
#include "gen/wc_keyvalue.h"
#include "wasmbus.h"

#define LINK "default"

static wc_str todo_key(wc_str id)
{
	wc_buf k;

	wc_buf_init(&k);
	wc_buf_adds(&k, "todo:");
	wc_buf_add_str(&k, id);
	return wc_str_make(wc_buf_str(&k), k.n);
}

static void add_todo(wc_buf *b, wc_str id, wc_str title)
{
	wc_buf_adds(b, "{\"id\":");
	ex_json_str(b, id);
	wc_buf_adds(b, ",\"title\":");
	ex_json_str(b, title);
	wc_buf_addc(b, '}');
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

static int list(wc_httpserver_http_response *out)
{
	wc_model_string_list ids;
	wc_str why;
	wc_buf b;

	if (wc_keyvalue_set_query(LINK, wc_str_from("todos"), &ids, &why) != 0)
		return fail(out, why);
	wc_buf_init(&b);
	wc_buf_addc(&b, '[');
	for (size_t i = 0; i < ids.n; i++) {
		wc_keyvalue_get_response got;

		if (wc_keyvalue_get(LINK, todo_key(ids.items[i]), &got, &why) != 0)
			return fail(out, why);
		if (i)
			wc_buf_addc(&b, ',');
		add_todo(&b, ids.items[i], got.value);
	}
	wc_buf_addc(&b, ']');
	ex_respond_buf(out, 200, "application/json", &b);
	return 0;
}

static int create(const wc_httpserver_http_request *in, wc_httpserver_http_response *out)
{
	wc_keyvalue_increment_request inc = { wc_str_from("todo:next"), 1 };
	wc_keyvalue_set_add_request add;
	wc_keyvalue_set_request set;
	wc_str why, title = wc_str_make((const char *)in->body.p, in->body.n), id;
	int32_t next = 0;
	uint32_t added = 0;
	wc_buf idb, b;

	if (title.n == 0) {
		ex_respond(out, 400, "text/plain", "a todo needs a title (the body)\n", 31);
		return 0;
	}
	if (wc_keyvalue_increment(LINK, &inc, &next, &why) != 0)
		return fail(out, why);
	wc_buf_init(&idb);
	wc_buf_add_i64(&idb, next);
	id = wc_str_make(wc_buf_str(&idb), idb.n);
	set.key = todo_key(id);
	set.value = title;
	set.expires = 0;
	add.set_name = wc_str_from("todos");
	add.value = id;
	if (wc_keyvalue_set(LINK, &set, &why) != 0 ||
	    wc_keyvalue_set_add(LINK, &add, &added, &why) != 0)
		return fail(out, why);
	wc_buf_init(&b);
	add_todo(&b, id, title);
	ex_respond_buf(out, 201, "application/json", &b);
	return 0;
}

static int one(wc_str method, wc_str id, wc_httpserver_http_response *out)
{
	wc_keyvalue_get_response got;
	wc_str why;
	wc_buf b;

	if (wc_keyvalue_get(LINK, todo_key(id), &got, &why) != 0)
		return fail(out, why);
	if (!got.exists) {
		ex_respond(out, 404, "text/plain", "no such todo\n", 13);
		return 0;
	}
	if (wc_str_eq(method, "DELETE")) {
		wc_keyvalue_set_del_request del = { wc_str_from("todos"), id };
		uint32_t removed = 0;
		bool gone = false;

		if (wc_keyvalue_del(LINK, todo_key(id), &gone, &why) != 0 ||
		    wc_keyvalue_set_del(LINK, &del, &removed, &why) != 0)
			return fail(out, why);
		ex_respond(out, 204, NULL, "", 0);
		return 0;
	}
	wc_buf_init(&b);
	add_todo(&b, id, got.value);
	ex_respond_buf(out, 200, "application/json", &b);
	return 0;
}

static int handle(const wc_httpserver_http_request *in, wc_httpserver_http_response *out,
                  wc_str *err)
{
	wc_str path = in->path;

	(void)err;
	if (wc_str_eq(path, "/todos") || wc_str_eq(path, "/todos/")) {
		if (wc_str_eq(in->method, "GET"))
			return list(out);
		if (wc_str_eq(in->method, "POST"))
			return create(in, out);
	} else if (wc_str_starts_with(path, "/todos/") && path.n > 7) {
		wc_str id = wc_str_make(path.p + 7, path.n - 7);

		if (wc_str_eq(in->method, "GET") || wc_str_eq(in->method, "DELETE"))
			return one(in->method, id, out);
	} else {
		ex_respond(out, 404, "text/plain", "not found\n", 10);
		return 0;
	}
	ex_respond(out, 405, "text/plain", "method not allowed\n", 19);
	return 0;
}

WC_HTTPSERVER_HANDLE_REQUEST_WASMBUS(handle)

const wasmbus_op wasmbus_ops[] = {
	WC_HTTPSERVER_HANDLE_REQUEST_ENTRY,
	{ NULL, NULL },
};
