/*
 * wc_reply.h - ending an invocation: answering a writer's bytes, or failing
 * with an error message built from a decode failure, an ST_E* code or a
 * host error. Every function here returns what the handler returns
 * (WASMBUS_OK or WASMBUS_FAIL of wasmbus.h), so that answering takes one
 * line:
 *     if (rc < 0)
 *             return wc_fail_decode("HttpRequest", &r, rc);
 *     return wc_reply_writer(&w);
 *
 * The host reports a guest error to the invoker as it is (actor-abi.md
 * §7). Messages are built in the invocation arena. Call only from inside
 * a handler; single-threaded.
 */
#ifndef STRATUS_SDK_WC_REPLY_H
#define STRATUS_SDK_WC_REPLY_H

#include <stddef.h>

#include "codec/msgpack.h"

/* The fixed text of an ST_E* code (core/err.h): "unexpected end of input"; "unknown error" otherwise. */
const char *wc_err_text(int rc);

/*
 * Answers the bytes written to w (borrowed; the host copies them at
 * once) and returns WASMBUS_OK. When w failed (too big, out of memory)
 * fails instead with "cannot encode the response: <reason>".
 */
int wc_reply_writer(const mp_writer *w);

/* Fails with msg (NUL-terminated). Returns WASMBUS_FAIL. */
int wc_fail(const char *msg);

/*
 * Fails with "<what>: <detail>", detail being len bytes (borrowed, not
 * NUL-terminated), e.g. a host call's error text. Returns WASMBUS_FAIL.
 */
int wc_fail_with(const char *what, const char *detail, size_t len);

/*
 * Fails after a failed read of r (rc its ST_E* code) with
 * "cannot decode <what>: <r->msg>" (the code's text when r has no
 * message). Returns WASMBUS_FAIL.
 */
int wc_fail_decode(const char *what, const mp_reader *r, int rc);

#endif
