/*
 * msgpack.h - our MessagePack reader and writer (mp_), complete for the
 * format: nil, bool, every int/uint width, float32/64, str, bin, array,
 * map and ext, fixed forms included.
 *
 * The reader walks a borrowed byte slice; str and bin come back as slices
 * into it. The writer appends to a growable buffer with a hard maximum,
 * always choosing the smallest encoding. msgpack.c is freestanding (it
 * builds for wasm32 with -ffreestanding -nostdlib, for the C actor SDK): it
 * allocates only through the writer's realloc-style hook. The host-side
 * helpers at the end of this header live in msgpack_host.c. Any thread;
 * a reader or writer is used by one thread at a time.
 */
#ifndef STRATUS_CODEC_MSGPACK_H
#define STRATUS_CODEC_MSGPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The deepest nesting of arrays/maps that mp_skip and json_mp accept (serde_json's limit). */
#define MP_MAX_DEPTH 128
/* Size of the reader's error message buffer, NUL included. */
#define MP_ERR_MSG_MAX 96

/* The kind of the next value, as mp_peek reports it. */
typedef enum mp_type {
	MP_NIL = 1,
	MP_BOOL,
	MP_UINT,    /* an integer >= 0, whatever its marker (0x00-0x7f, 0xcc-0xcf, 0xd0-0xd3) */
	MP_INT,     /* an integer < 0 */
	MP_FLOAT32, /* 0xca */
	MP_FLOAT64, /* 0xcb */
	MP_STR,
	MP_BIN,
	MP_ARRAY,
	MP_MAP,
	MP_EXT,
} mp_type;

/* A short lower-case name of t ("str", "map", ...) for messages. */
const char *mp_type_name(mp_type t);

/* ---- Reader ----------------------------------------------------------- */

/*
 * A cursor over borrowed bytes. Every read either consumes exactly one
 * value (or one container header) and returns 0, or fails, leaving pos
 * unchanged, with:
 *   ST_ETRUNC      the input ends inside the value;
 *   ST_EMALFORMED  the never-used marker 0xc1, a type other than the one
 *                  asked for ("expected str, found map"), an integer out of
 *                  the asked range, or nesting deeper than MP_MAX_DEPTH.
 * The message of the last failure and its byte offset stay in msg/err_pos.
 */
typedef struct mp_reader {
	const uint8_t *p; /* input, borrowed; must outlive the reader and every slice read */
	size_t n;         /* input bytes */
	size_t pos;       /* offset of the next byte */
	size_t err_pos;   /* offset of the value the last failure refers to */
	char msg[MP_ERR_MSG_MAX]; /* message of the last failure, "" when none */
} mp_reader;

/* Starts a reader at the first of n bytes at p (borrowed). */
void mp_reader_init(mp_reader *r, const void *p, size_t n);

/* Bytes not yet consumed. */
size_t mp_reader_left(const mp_reader *r);

/* The type of the next value without consuming it. */
int mp_peek(mp_reader *r, mp_type *out) ST_WARN_UNUSED;

/* Reads a nil. */
int mp_read_nil(mp_reader *r) ST_WARN_UNUSED;

/* Reads a boolean into *out. */
int mp_read_bool(mp_reader *r, bool *out) ST_WARN_UNUSED;

/*
 * Reads any integer whose value fits int64_t (any marker, as Rust decoders
 * accept). A uint64 above INT64_MAX is ST_EMALFORMED ("integer out of range").
 */
int mp_read_int(mp_reader *r, int64_t *out) ST_WARN_UNUSED;

/* Reads any integer whose value is >= 0; a negative one is ST_EMALFORMED. */
int mp_read_uint(mp_reader *r, uint64_t *out) ST_WARN_UNUSED;

/* Reads a float32 or float64 (integers are not accepted: type mismatch). */
int mp_read_double(mp_reader *r, double *out) ST_WARN_UNUSED;

/*
 * Reads a str. *s points into the input (borrowed, not NUL-terminated),
 * *len is its length in bytes. UTF-8 validity is not checked.
 */
int mp_read_str(mp_reader *r, const char **s, size_t *len) ST_WARN_UNUSED;

/* Reads a bin; *p points into the input (borrowed). */
int mp_read_bin(mp_reader *r, const uint8_t **p, size_t *len) ST_WARN_UNUSED;

/*
 * Reads an array header; the count elements follow. A count larger than
 * the bytes left (each element takes at least one byte) is ST_ETRUNC, so a
 * caller may size an allocation by it.
 */
int mp_read_array(mp_reader *r, uint32_t *count) ST_WARN_UNUSED;

/* Reads a map header; 2 * count values (key, value, ...) follow. Checked like arrays. */
int mp_read_map(mp_reader *r, uint32_t *count) ST_WARN_UNUSED;

/* Reads an ext value: its application type and data (borrowed). */
int mp_read_ext(mp_reader *r, int8_t *type, const uint8_t **p, size_t *len) ST_WARN_UNUSED;

/*
 * Skips one complete value, containers with everything inside them. Nesting
 * deeper than MP_MAX_DEPTH is ST_EMALFORMED. On failure pos is unchanged.
 */
int mp_skip(mp_reader *r) ST_WARN_UNUSED;

/* True when the len bytes at s equal the NUL-terminated lit. */
bool mp_str_eq(const char *s, size_t len, const char *lit);

/* ---- Writer ----------------------------------------------------------- */

/*
 * Allocation hook of a writer, realloc-style: n > 0 resizes p (NULL p
 * allocates) and returns the new block, or NULL leaving p untouched; n == 0
 * frees p and returns NULL. ud is the writer's ud.
 */
typedef void *(*mp_realloc_cb)(void *p, size_t n, void *ud);

/*
 * An owned, growable output buffer that never holds more than max bytes.
 * Errors are sticky: the first failure (ST_ETOOBIG past max, ST_ENOMEM when
 * the hook fails) is kept in err, the failed write appends nothing, and
 * every later write does nothing and returns that error. So an encoder may
 * write a whole value and check mp_writer_status once; each write also
 * returns the status for callers that want to stop early.
 */
typedef struct mp_writer {
	uint8_t *p;               /* owned through the hook; NULL while cap == 0 */
	size_t n;                 /* bytes written */
	size_t cap;               /* bytes allocated */
	size_t max;               /* hard limit on n */
	int err;                  /* first failure, 0 while none */
	mp_realloc_cb realloc_cb; /* allocation hook */
	void *ud;                 /* passed to realloc_cb */
} mp_writer;

/* Starts an empty writer that allocates through hook (with ud) up to max bytes. */
void mp_writer_init(mp_writer *w, size_t max, mp_realloc_cb hook, void *ud);

/* Frees the bytes through the hook; w can be mp_writer_init'ed again. */
void mp_writer_deinit(mp_writer *w);

/* Forgets the bytes written and any error, keeping the allocation. */
void mp_writer_reset(mp_writer *w);

/* 0, or the first error of the writes so far. */
int mp_writer_status(const mp_writer *w) ST_WARN_UNUSED;

/*
 * Takes the bytes out of w: returns them (NULL when nothing was written),
 * *len their count; the caller frees them with the writer's hook (the
 * default hook: st_free). w is left empty, as after init.
 */
uint8_t *mp_writer_detach(mp_writer *w, size_t *len);

/* The value writers. Each appends one value (or container header). */
int mp_write_nil(mp_writer *w);
int mp_write_bool(mp_writer *w, bool v);
/* Smallest encoding of v: fixint, 0xcc, 0xcd, 0xce or 0xcf. */
int mp_write_uint(mp_writer *w, uint64_t v);
/* Smallest encoding of v; values >= 0 as mp_write_uint, negatives as nfixint or 0xd0-0xd3. */
int mp_write_int(mp_writer *w, int64_t v);
int mp_write_float(mp_writer *w, float v);   /* 0xca */
int mp_write_double(mp_writer *w, double v); /* 0xcb */
/* A str of len bytes at s (borrowed, copied): fixstr, 0xd9, 0xda or 0xdb. */
int mp_write_str(mp_writer *w, const char *s, size_t len);
/* A str holding the NUL-terminated s (NULL writes ""). */
int mp_write_cstr(mp_writer *w, const char *s);
/* A bin of len bytes (copied): 0xc4, 0xc5 or 0xc6. */
int mp_write_bin(mp_writer *w, const void *p, size_t len);
/* Container headers: fix form, 16- or 32-bit count. */
int mp_write_array(mp_writer *w, uint32_t count);
int mp_write_map(mp_writer *w, uint32_t count);
/* An ext of application type type: fixext 1/2/4/8/16 when len fits, else ext 8/16/32. */
int mp_write_ext(mp_writer *w, int8_t type, const void *p, size_t len);
/* Appends len already-encoded bytes (copied) as they are. */
int mp_write_raw(mp_writer *w, const void *p, size_t len);

/* ---- Host side (msgpack_host.c; not part of freestanding builds) -------- */

/* The default hook: st_realloc / st_free (so allocation fault injection applies). */
void *mp_realloc_default(void *p, size_t n, void *ud);

/* mp_writer_init with the default hook. */
void mp_writer_init_default(mp_writer *w, size_t max);

/*
 * Copies the reader's last failure into err: code rc, r->msg prefixed
 * with "msgpack: ", offset r->err_pos. Returns rc.
 */
int mp_reader_error(const mp_reader *r, int rc, st_err *err);

#endif
