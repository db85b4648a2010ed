/*
 * example.h - small helpers shared by the example actors (examples/actors):
 * building an HttpResponse, JSON string escaping, query parameters. Built
 * into each example with the C actor SDK (sdk/c) and the generated
 * bindings (sdk/c/gen); memory comes from the invocation arena.
 */
#ifndef STRATUS_EXAMPLES_EXAMPLE_H
#define STRATUS_EXAMPLES_EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "gen/wc_httpserver.h"
#include "wc_rt.h"
#include "wc_str.h"

/* Fills *out: status, one content-type header (NULL: none), body (borrowed, n bytes). */
void ex_respond(wc_httpserver_http_response *out, uint16_t status, const char *content_type,
                const void *body, size_t n);

/* As ex_respond with the text of a wc_buf. */
void ex_respond_buf(wc_httpserver_http_response *out, uint16_t status, const char *content_type,
                    wc_buf *b);

/* Appends s as a JSON string literal (quotes and escapes included). */
void ex_json_str(wc_buf *b, wc_str s);

/*
 * The value of name in an x-www-form-urlencoded query, decoded ('+' is a
 * space, %XX a byte; a malformed escape stays as it is): "" and false when
 * absent. Names are compared undecoded.
 */
bool ex_query_param(wc_str query, const char *name, wc_str *value);

#endif
