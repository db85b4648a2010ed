/*
 * wc_str.h - the few string helpers actors need without a libc: comparing
 * wc_str slices (wc_rt.h) with literals, decimal numbers to and from text,
 * copies in the arena, and wc_buf, a text builder on the arena.
 *
 * Nothing here needs a NUL terminator except where a `const char *` is
 * said to be NUL-terminated. Memory comes from wc_alloc and lives until
 * the invocation ends. Single-threaded.
 */
#ifndef STRATUS_SDK_WC_STR_H
#define STRATUS_SDK_WC_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wc_rt.h"

/* Room for any int64_t or uint64_t in decimal, sign and NUL included. */
#define WC_DEC_MAX 21

/* A slice of the NUL-terminated s (borrowed); NULL gives the empty string. */
wc_str wc_str_from(const char *s);

/* A slice of n bytes at p (borrowed). */
wc_str wc_str_make(const char *p, size_t n);

/* True when s holds exactly the bytes of the NUL-terminated lit. */
bool wc_str_eq(wc_str s, const char *lit);

/* True when a and b hold the same bytes. */
bool wc_str_equal(wc_str a, wc_str b);

/* True when s begins with the NUL-terminated prefix. */
bool wc_str_starts_with(wc_str s, const char *prefix);

/* A NUL-terminated copy of s in the arena; NULL when out of memory. */
char *wc_str_dup(wc_str s);

/*
 * Writes v in decimal, NUL-terminated, to buf (at least WC_DEC_MAX bytes).
 * Returns the number of digits (and sign) written, NUL not counted.
 */
size_t wc_fmt_u64(char *buf, uint64_t v);
size_t wc_fmt_i64(char *buf, int64_t v);

/*
 * Parses all of s as a decimal number: digits only for u64, an optional
 * '-' then digits for i64. False (and *out untouched) for an empty string,
 * any other character, or a value out of range.
 */
bool wc_parse_u64(wc_str s, uint64_t *out);
bool wc_parse_i64(wc_str s, int64_t *out);

/*
 * A growable text (or byte) buffer in the arena. Appends never fail
 * outright: the first allocation failure sets oom, and later appends do
 * nothing, so a caller builds the whole text and checks wc_buf_str once.
 * Zero-initialising (or wc_buf_init) makes an empty buffer.
 */
typedef struct wc_buf {
	char *p;    /* the bytes, arena-owned; NULL while cap == 0 */
	size_t n;   /* bytes used */
	size_t cap; /* bytes allocated (one more is kept for the NUL) */
	bool oom;   /* an append ran out of memory */
} wc_buf;

/* Empties b (forgetting any bytes; the arena keeps them). */
void wc_buf_init(wc_buf *b);

/* Appends n bytes of p (borrowed, copied). */
void wc_buf_add(wc_buf *b, const void *p, size_t n);

/* Appends the NUL-terminated s. */
void wc_buf_adds(wc_buf *b, const char *s);

/* Appends the bytes of s. */
void wc_buf_add_str(wc_buf *b, wc_str s);

/* Appends one byte. */
void wc_buf_addc(wc_buf *b, char c);

/* Appends v in decimal. */
void wc_buf_add_u64(wc_buf *b, uint64_t v);
void wc_buf_add_i64(wc_buf *b, int64_t v);

/*
 * The text so far, NUL-terminated (the NUL is not counted in b->n);
 * NULL when an append ran out of memory. Valid until the next append.
 */
const char *wc_buf_str(wc_buf *b);

#endif
