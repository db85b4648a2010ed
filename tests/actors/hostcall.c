/*
 * hostcall.c - test actor for __host_call. "Call" takes a payload of three
 * NUL-terminated strings (binding, namespace, operation) followed by the
 * message, calls the host with them and answers the host's response, or
 * fails with "Host error: <text>". "Log" sends the payload to
 * __console_log. "CallTwice" makes the same call twice and answers the
 * second result (stale-state check).
 */
#include "wasmbus.h"

/* Splits the payload; returns 0 when it is malformed. */
static int parse(const uint8_t *req, size_t len, const char *f[3], const uint8_t **msg,
                 size_t *msg_len)
{
	size_t at = 0;

	for (int i = 0; i < 3; i++) {
		f[i] = (const char *)req + at;
		while (at < len && req[at])
			at++;
		if (at == len)
			return 0;
		at++;
	}
	*msg = req + at;
	*msg_len = len - at;
	return 1;
}

static int call(const uint8_t *req, size_t len, int times)
{
	const char *f[3];
	const uint8_t *msg;
	size_t msg_len, out_len = 0;
	uint8_t *out = 0;
	int ok = 0;

	if (!parse(req, len, f, &msg, &msg_len))
		return wasmbus_fail("malformed Call payload");
	for (int i = 0; i < times; i++)
		ok = wasmbus_host_call(f[0], f[1], f[2], msg, msg_len, &out, &out_len);
	if (!ok) {
		static const char pre[] = "Host error: ";
		char *e = wasmbus_alloc(sizeof(pre) - 1 + out_len);

		memcpy(e, pre, sizeof(pre) - 1);
		memcpy(e + sizeof(pre) - 1, out, out_len);
		return wasmbus_fail_n(e, sizeof(pre) - 1 + out_len);
	}
	wasmbus_reply(out, out_len);
	return WASMBUS_OK;
}

static int op_call(const uint8_t *req, size_t len)
{
	return call(req, len, 1);
}

static int op_call_twice(const uint8_t *req, size_t len)
{
	return call(req, len, 2);
}

static int op_log(const uint8_t *req, size_t len)
{
	char *s = wasmbus_alloc(len + 1);

	memcpy(s, req, len);
	s[len] = 0;
	wasmbus_log(s);
	return WASMBUS_OK;
}

const wasmbus_op wasmbus_ops[] = {
	{ "Call", op_call },
	{ "CallTwice", op_call_twice },
	{ "Log", op_log },
	{ 0, 0 },
};
