/*
 * json_mp.h - JSON <-> MessagePack, the way wash does it for `wash call`.
 *
 * JSON -> msgpack is what wash does with the call payload (serde_json's
 * Value through rmp-serde): object keys sorted byte-wise, integers in the
 * smallest int form, reals as float64, strings as str, arrays, null as nil.
 * msgpack -> JSON is what wash prints for a result: str as strings (invalid
 * UTF-8 replaced by U+FFFD), bin as an array of byte values by default,
 * integers, floats, maps, ext as {"type": t, "data": [bytes]}. Stateless;
 * any thread.
 */
#ifndef STRATUS_CODEC_JSON_MP_H
#define STRATUS_CODEC_JSON_MP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/msgpack.h"
#include "core/err.h"

/* Longest JSON text a non-str map key may render to (ST_EMALFORMED past it). */
#define JSON_MP_MAX_KEY 256

/*
 * msgpack -> JSON options. 0 is wash's default (`--bin b`) except for nil,
 * which wash prints as false and we print as null unless asked.
 */
enum json_mp_flags {
	JSON_MP_BIN_STR = 1 << 0,   /* bin as a string, like `wash call --bin s` */
	JSON_MP_BIN_BOTH = 1 << 1,  /* bin as {"str": ..., "bin": [...]}, like `--bin 2` */
	JSON_MP_NIL_FALSE = 1 << 2, /* nil as false, as wash 0.16-0.18 print it */
};

/*
 * Appends v (borrowed) to w as msgpack. Object keys are written in
 * byte-wise sorted order, so equal JSON gives equal bytes. Integers are the
 * jansson range (int64). Nesting deeper than MP_MAX_DEPTH is ST_EINVAL.
 * Errors: ST_EINVAL, or w's sticky error (ST_ETOOBIG, ST_ENOMEM).
 */
int json_mp_from_json(const json_t *v, mp_writer *w, st_err *err) ST_WARN_UNUSED;

/*
 * Parses len bytes of JSON text (any value, not only objects; borrowed)
 * and appends its msgpack form to w. Errors: ST_EMALFORMED (JSON syntax,
 * with jansson's message and offset), and those of json_mp_from_json.
 */
int json_mp_from_text(const char *text, size_t len, mp_writer *w, st_err *err) ST_WARN_UNUSED;

/*
 * Converts the first msgpack value of len bytes at p (borrowed) to JSON;
 * bytes after it are ignored, as wash does. *out receives a new reference
 * (json_decref). Map keys that are not str are rendered as strings: their
 * compact JSON text (1 -> "1", nil -> "null", [1] -> "[1]"), which may not
 * exceed JSON_MP_MAX_KEY bytes (wash renders them all as ""). A uint64 above
 * INT64_MAX becomes a real; non-finite floats become null. flags: a
 * combination of json_mp_flags. Errors: the reader's (ST_ETRUNC,
 * ST_EMALFORMED, "msgpack: ..." with the offset), ST_ENOMEM.
 */
int json_mp_to_json(const uint8_t *p, size_t len, unsigned flags, json_t **out,
                    st_err *err) ST_WARN_UNUSED;

#endif
