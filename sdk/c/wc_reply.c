/*
 * wc_reply.c - answers and guest errors (see wc_reply.h) over wasmbus_reply
 * and wasmbus_fail_n. The error texts come from core/err.h's one table.
 */
#include "wc_reply.h"

#include "core/err.h"
#include "wasmbus.h"

#include "core/banned.h"

const char *wc_err_text(int rc)
{
	switch (rc) {
#define CASE_(name, text) \
	case ST_##name:   \
		return text;
		ST_ERRNO_MAP(CASE_)
#undef CASE_
	default:
		break;
	}
	return "unknown error";
}

int wc_reply_writer(const mp_writer *w)
{
	int rc = mp_writer_status(w);

	if (rc != 0)
		return wc_fail_with("cannot encode the response", wc_err_text(rc),
		                    strlen(wc_err_text(rc)));
	wasmbus_reply(w->p, w->n);
	return WASMBUS_OK;
}

int wc_fail(const char *msg)
{
	return wasmbus_fail(msg);
}

int wc_fail_with(const char *what, const char *detail, size_t len)
{
	size_t n = strlen(what);
	char *msg;

	if (len > SIZE_MAX - n - 2)
		return wasmbus_fail(what);
	msg = wasmbus_alloc(n + 2 + len);
	if (!msg)
		return wasmbus_fail(what);
	memcpy(msg, what, n);
	msg[n] = ':';
	msg[n + 1] = ' ';
	memcpy(msg + n + 2, detail, len);
	return wasmbus_fail_n(msg, n + 2 + len);
}

int wc_fail_decode(const char *what, const mp_reader *r, int rc)
{
	static const char pre[] = "cannot decode ";
	const char *detail = r && r->msg[0] ? r->msg : wc_err_text(rc);
	size_t n = strlen(what);
	char *head = wasmbus_alloc(sizeof(pre) + n);

	if (!head)
		return wasmbus_fail("cannot decode the request");
	memcpy(head, pre, sizeof(pre) - 1);
	memcpy(head + sizeof(pre) - 1, what, n + 1);
	return wc_fail_with(head, detail, strlen(detail));
}
