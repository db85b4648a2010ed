/*
 * msgpack_host.c - the host-side glue of the msgpack codec: the default
 * allocation hook (core's st_realloc/st_free, so fault injection reaches
 * the writer) and the translation of reader failures into st_err. Kept
 * apart from msgpack.c, which must stay freestanding.
 */
#include "codec/msgpack.h"

#include "core/mem.h"
#include "core/banned.h"

void *mp_realloc_default(void *p, size_t n, void *ud)
{
	(void)ud;
	if (n == 0) {
		st_free(p);
		return NULL;
	}
	return st_realloc(p, n);
}

void mp_writer_init_default(mp_writer *w, size_t max)
{
	mp_writer_init(w, max, mp_realloc_default, NULL);
}

int mp_reader_error(const mp_reader *r, int rc, st_err *err)
{
	return st_err_setat(err, rc, (int64_t)r->err_pos, "msgpack: %s",
	                    r->msg[0] ? r->msg : st_strerror(rc));
}
