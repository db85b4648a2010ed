/*
 * buf.c - capped growable byte buffers (see buf.h).
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "banned.h"

void st_buf_init(st_buf *b, size_t max)
{
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
	b->max = max;
}

void st_buf_deinit(st_buf *b)
{
	st_free(b->p);
	st_buf_init(b, b->max);
}

int st_buf_reserve(st_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > b->max || b->n > b->max - extra)
		return ST_ETOOBIG;
	need = b->n + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max)
		cap = b->max;
	p = st_realloc(b->p, cap);
	if (!p)
		return ST_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int st_buf_append(st_buf *b, const void *p, size_t n)
{
	int rc;

	if (n == 0)
		return 0;
	rc = st_buf_reserve(b, n);
	if (rc < 0)
		return rc;
	memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

int st_buf_appendf(st_buf *b, const char *fmt, ...)
{
	va_list ap;
	int len, rc;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return ST_EINVAL;
	rc = st_buf_reserve(b, (size_t)len + 1);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return 0;
}

uint8_t *st_buf_detach(st_buf *b, size_t *n)
{
	uint8_t *p = b->p;

	if (n)
		*n = b->n;
	st_buf_init(b, b->max);
	return p;
}

int st_file_read(const char *path, size_t max, st_buf *out, st_err *err)
{
	FILE *f;
	uint8_t chunk[65536];
	size_t got;
	int rc = 0;

	st_buf_init(out, max);
	f = fopen(path, "rb");
	if (!f)
		return st_err_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
		                  "cannot open %s: %s", path, strerror(errno));
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		rc = st_buf_append(out, chunk, got);
		if (rc < 0) {
			st_err_set(err, rc, "cannot read %s: %s", path,
			           rc == ST_ETOOBIG ? "file too large" : st_strerror(rc));
			goto out;
		}
	}
	if (ferror(f))
		rc = st_err_set(err, ST_EIO, "cannot read %s: %s", path, strerror(errno));
out:
	fclose(f);
	if (rc < 0)
		st_buf_deinit(out);
	return rc;
}
