/*
 * buf.h - borrowed byte slices and owned, capped, growable buffers.
 *
 * Bytes we borrow are st_slice {p, n}. Bytes we own live in an st_buf whose
 * growth stops at max: exceeding it fails with ST_ETOOBIG and leaves the
 * buffer unchanged (curl dynbuf). Nothing relies on NUL termination.
 */
#ifndef STRATUS_CORE_BUF_H
#define STRATUS_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct st_slice {
	const uint8_t *p;
	size_t n;
} st_slice;

typedef struct st_buf {
	uint8_t *p; /* owned; NULL while cap == 0 */
	size_t n;   /* bytes used */
	size_t cap; /* bytes allocated */
	size_t max; /* hard cap on n, in bytes */
} st_buf;

static inline st_slice st_slice_make(const void *p, size_t n)
{
	st_slice s = { (const uint8_t *)p, n };
	return s;
}

/* Initialises an empty buffer that will never hold more than max bytes. */
void st_buf_init(st_buf *b, size_t max);
/* Frees the bytes; b can be st_buf_init'ed again. */
void st_buf_deinit(st_buf *b);
/* Ensures room for extra more bytes. ST_ETOOBIG past max, ST_ENOMEM. */
int st_buf_reserve(st_buf *b, size_t extra) ST_WARN_UNUSED;
/* Appends n bytes (copied). ST_ETOOBIG past max (b unchanged), ST_ENOMEM. */
int st_buf_append(st_buf *b, const void *p, size_t n) ST_WARN_UNUSED;
/* Appends printf output. */
int st_buf_appendf(st_buf *b, const char *fmt, ...) ST_WARN_UNUSED ST_PRINTF(2, 3);
/* Takes the bytes out of b (caller owns them, free with st_free); b is reset. */
uint8_t *st_buf_detach(st_buf *b, size_t *n);

/* Reads a whole file into a fresh buffer capped at max bytes. */
int st_file_read(const char *path, size_t max, st_buf *out, st_err *err) ST_WARN_UNUSED;

#endif
