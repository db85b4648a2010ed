/*
 * wc_gen.h - the runtime shared by the generated interface bindings
 * (sdk/c/gen/wc_<file>.c): MessagePack field helpers on top of
 * codec/msgpack.h, a small CBOR reader and writer (interfaces.md 1.3, the
 * blobstore contract), payload format sniffing, the Timestamp type and the
 * host-call / reply plumbing of the sender stubs and receivers.
 *
 * Freestanding: it needs only wc_rt.h (wc_alloc, wc_host_call,
 * wc_writer_init) and codec/msgpack.h, so it builds for wasm32 without a
 * libc and natively for tests. Strings and blobs that readers return point
 * into the input (zero copy); everything allocated comes from wc_alloc and
 * lives until the invocation ends. Single-threaded. Helpers are prefixed
 * wcg_ to stay apart from the hand-written SDK (wc_str.h, wc_reply.h).
 */
#ifndef STRATUS_SDK_GEN_WC_GEN_H
#define STRATUS_SDK_GEN_WC_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wc_rt.h"

/* The largest payload a generated stub or receiver encodes (bytes). */
#define WCG_MAX_PAYLOAD ((size_t)64 << 20)

/* A wc_str / wc_bytes of a string literal (borrowed, static). */
#define WCG_STR(lit) ((wc_str){ (lit), sizeof(lit) - 1 })
#define WCG_BYTES(lit) ((wc_bytes){ (const uint8_t *)(lit), sizeof(lit) - 1 })

/* Smithy Timestamp: MessagePack map {"sec", "nsec"}, CBOR two inline items. */
typedef struct wc_timestamp {
	int64_t sec;   /* seconds since the Unix epoch */
	uint32_t nsec; /* nanoseconds within the second */
} wc_timestamp;

/* Sets n bytes at p to zero. */
void wcg_zero(void *p, size_t n);

/* count * size bytes from wc_alloc (8-aligned, not zeroed); NULL on overflow or out of memory. */
void *wcg_alloc_array(size_t count, size_t size);

/* True when s holds exactly the bytes of the NUL-terminated lit. */
bool wcg_str_eq(wc_str s, const char *lit);

/*
 * Sets *err (when err is not NULL) to the concatenation a + b[0..b_len) + c
 * built in the arena (any part may be NULL) and returns rc. Out of memory
 * keeps just a. err then lives until the invocation ends.
 */
int wcg_error(wc_str *err, int rc, const char *a, const char *b, size_t b_len, const char *c);

/* ---- MessagePack (interfaces.md 1.2) -------------------------------- */

/*
 * Field readers: each reads one value into *out or fails like the mp_read_*
 * functions (ST_ETRUNC / ST_EMALFORMED, r->msg set, pos unchanged).
 * Strings and blobs borrow the input; a blob is a bin or a str. Integers
 * take any marker whose value fits the width.
 */
int wcg_mp_read_str(mp_reader *r, wc_str *out);
int wcg_mp_read_blob(mp_reader *r, wc_bytes *out);
int wcg_mp_read_u8(mp_reader *r, uint8_t *out);
int wcg_mp_read_u16(mp_reader *r, uint16_t *out);
int wcg_mp_read_u32(mp_reader *r, uint32_t *out);
int wcg_mp_read_u64(mp_reader *r, uint64_t *out);
int wcg_mp_read_i8(mp_reader *r, int8_t *out);
int wcg_mp_read_i16(mp_reader *r, int16_t *out);
int wcg_mp_read_i32(mp_reader *r, int32_t *out);
int wcg_mp_read_i64(mp_reader *r, int64_t *out);

/*
 * Reads a map key: a str into *out, or skips a key of any other type and
 * sets *out empty (so it matches no member). 0 or the read's error.
 */
int wcg_mp_read_key(mp_reader *r, wc_str *out);

/* Consumes a nil and returns true when the next value is one; else false and nothing read. */
bool wcg_mp_try_nil(mp_reader *r);

/* Writers: the smallest forms; errors are the writer's sticky status. */
int wcg_mp_write_str(mp_writer *w, wc_str s);
int wcg_mp_write_blob(mp_writer *w, wc_bytes b);
/* Array / map headers for n elements; n above UINT32_MAX fails the writer with ST_ETOOBIG. */
int wcg_mp_write_array(mp_writer *w, size_t n);
int wcg_mp_write_map(mp_writer *w, size_t n);

/* Records msg (static text) as r's failure at its position and returns rc. */
int wcg_mp_fail(mp_reader *r, int rc, const char *msg);

/* Fails r with ST_EMALFORMED "missing field `<field>`" (the Rust text of 1.2). */
int wcg_mp_missing(mp_reader *r, const char *field);

/* Timestamp as the MessagePack map {"sec": i64, "nsec": u32} (both keys required on decode). */
int wcg_timestamp_encode(mp_writer *w, const wc_timestamp *v);
int wcg_timestamp_decode(mp_reader *r, wc_timestamp *out);

/* ---- CBOR (interfaces.md 1.3) ---------------------------------------- */

/* The kind of the next CBOR item. */
typedef enum wcg_cbor_type {
	WCG_CBOR_UINT = 1, /* major 0 */
	WCG_CBOR_NEGINT,   /* major 1 */
	WCG_CBOR_BYTES,    /* major 2 */
	WCG_CBOR_TEXT,     /* major 3 */
	WCG_CBOR_ARRAY,    /* major 4 */
	WCG_CBOR_MAP,      /* major 5 */
	WCG_CBOR_TAG,      /* major 6 */
	WCG_CBOR_BOOL,     /* f4 / f5 */
	WCG_CBOR_NULL,     /* f6 (and undefined f7) */
	WCG_CBOR_FLOAT,    /* f9 / fa / fb */
	WCG_CBOR_SIMPLE,   /* any other simple value */
	WCG_CBOR_BREAK,    /* ff */
} wcg_cbor_type;

/*
 * A cursor over borrowed CBOR bytes, shaped like mp_reader: every read
 * consumes one item (or container head) and returns 0, or fails with
 * ST_ETRUNC / ST_EMALFORMED leaving pos unchanged and msg (static text)
 * and err_pos set.
 */
typedef struct wcg_cbor_reader {
	const uint8_t *p; /* input, borrowed */
	size_t n;         /* input bytes */
	size_t pos;       /* offset of the next byte */
	size_t err_pos;   /* offset the last failure refers to */
	const char *msg;  /* last failure, "" when none */
} wcg_cbor_reader;

/* Starts a reader at the first of n bytes at p (borrowed). */
void wcg_cbor_reader_init(wcg_cbor_reader *r, const void *p, size_t n);

/* The type of the next item without consuming it. */
int wcg_cbor_peek(wcg_cbor_reader *r, wcg_cbor_type *out);

/* Consumes a null (or undefined) and returns true when the next item is one. */
bool wcg_cbor_try_null(wcg_cbor_reader *r);

/* Typed readers (integers: major 0/1 whose value fits; blob: bytes or text). */
int wcg_cbor_read_bool(wcg_cbor_reader *r, bool *out);
int wcg_cbor_read_u8(wcg_cbor_reader *r, uint8_t *out);
int wcg_cbor_read_u16(wcg_cbor_reader *r, uint16_t *out);
int wcg_cbor_read_u32(wcg_cbor_reader *r, uint32_t *out);
int wcg_cbor_read_u64(wcg_cbor_reader *r, uint64_t *out);
int wcg_cbor_read_i8(wcg_cbor_reader *r, int8_t *out);
int wcg_cbor_read_i16(wcg_cbor_reader *r, int16_t *out);
int wcg_cbor_read_i32(wcg_cbor_reader *r, int32_t *out);
int wcg_cbor_read_i64(wcg_cbor_reader *r, int64_t *out);
/* Definite-length text / bytes, borrowed from the input. */
int wcg_cbor_read_str(wcg_cbor_reader *r, wc_str *out);
int wcg_cbor_read_blob(wcg_cbor_reader *r, wc_bytes *out);

/*
 * Reads an array (map) head. *count is its element (pair) count; for an
 * indefinite-length container the elements are counted ahead (so a caller
 * may size an allocation by it) and *indef is set: after reading *count
 * elements the caller consumes the break with wcg_cbor_read_end. A count
 * larger than the bytes left is ST_ETRUNC.
 */
int wcg_cbor_read_array(wcg_cbor_reader *r, uint32_t *count, bool *indef);
int wcg_cbor_read_map(wcg_cbor_reader *r, uint32_t *count, bool *indef);

/* Consumes the break (0xff) of an indefinite container; does nothing when indef is false. */
int wcg_cbor_read_end(wcg_cbor_reader *r, bool indef);

/* Reads a map key: text into *out, or skips any other key and sets *out empty. */
int wcg_cbor_read_key(wcg_cbor_reader *r, wc_str *out);

/* Skips one complete item (nesting up to MP_MAX_DEPTH). */
int wcg_cbor_skip(wcg_cbor_reader *r);

/* Records msg as r's failure and returns rc. */
int wcg_cbor_fail(wcg_cbor_reader *r, int rc, const char *msg);

/* Fails r with ST_EMALFORMED "missing field `<field>`" (message built in the arena). */
int wcg_cbor_missing(wcg_cbor_reader *r, const char *field);

/* CBOR writers appending to an mp_writer used as a byte buffer (shortest heads, definite lengths). */
int wcg_cbor_write_uint(mp_writer *w, uint64_t v);
int wcg_cbor_write_int(mp_writer *w, int64_t v);
int wcg_cbor_write_bool(mp_writer *w, bool v);
int wcg_cbor_write_null(mp_writer *w);
int wcg_cbor_write_str(mp_writer *w, wc_str s);
int wcg_cbor_write_blob(mp_writer *w, wc_bytes b);
int wcg_cbor_write_array(mp_writer *w, size_t n);
int wcg_cbor_write_map(mp_writer *w, size_t n);

/* Timestamp as two inline CBOR items (i64 seconds, u32 nanoseconds). */
int wcg_timestamp_cbor_encode(mp_writer *w, const wc_timestamp *v);
int wcg_timestamp_cbor_decode(wcg_cbor_reader *r, wc_timestamp *out);
/* A Timestamp given as one item, the array [sec, nsec] (map-form structures). */
int wcg_timestamp_cbor_decode_value(wcg_cbor_reader *r, wc_timestamp *out);

/* ---- Payloads and calls ----------------------------------------------- */

/* What a payload holds (interfaces.md 1.3 format sniffing). */
typedef enum wcg_format {
	WCG_FORMAT_EMPTY = 1, /* zero bytes (unit) */
	WCG_FORMAT_MSGPACK,   /* MessagePack from the returned offset */
	WCG_FORMAT_CBOR,      /* CBOR after the 0x7f prefix */
	WCG_FORMAT_INVALID,   /* a first byte 0x00-0x7e or 0xc0 in a longer payload */
} wcg_format;

/*
 * Classifies the payload *p (*n bytes) as a CBOR-aware receiver does and
 * advances *p / *n past a 0x7f or 0xc1 prefix.
 */
wcg_format wcg_sniff(const uint8_t **p, size_t *n);

/*
 * Calls the host: binding, ns and op are NUL-terminated; in holds the
 * encoded request (NULL: zero-length payload, the unit). On success *resp
 * is the host's answer (arena) and 0 is returned. Fails with the writer's
 * error when in failed ("<op>: cannot encode the request"), or ST_EIO with
 * *err = the host's error text verbatim.
 */
int wcg_call(const char *binding, const char *ns, const char *op, const mp_writer *in,
             wc_bytes *resp, wc_str *err);

/*
 * Finishes a receiver: *resp = the bytes of w (arena) and 0, or w's error
 * with *err = "<op>: cannot encode the response".
 */
int wcg_reply(const mp_writer *w, wc_bytes *resp, wc_str *err, const char *op);

/*
 * Decode failures as text: *err = "<op>: cannot decode the <what>: <msg>"
 * (msg from the reader, or the code's meaning), returns rc.
 */
int wcg_mp_decode_error(wc_str *err, int rc, const char *op, const char *what, const mp_reader *r);
int wcg_cbor_decode_error(wc_str *err, int rc, const char *op, const char *what,
                          const wcg_cbor_reader *r);

/*
 * Normalises a user handler's failure: returns rc when negative, else
 * ST_EINVAL; an unset (empty) *err becomes "<op>: handler failed".
 */
int wcg_handler_error(wc_str *err, int rc, const char *op);

#endif
