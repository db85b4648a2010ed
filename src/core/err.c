/*
 * err.c - the error table's texts and the st_err setters.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void st_err_clear(st_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->kind = 0;
	err->offset = -1;
	err->msg[0] = '\0';
}

static int err_vset(st_err *err, int code, int64_t offset, const char *fmt, va_list ap)
	ST_PRINTF(4, 0);

static int err_vset(st_err *err, int code, int64_t offset, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	err->kind = 0;
	err->offset = offset;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int st_err_set(st_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(err, code, -1, fmt, ap);
	va_end(ap);
	return code;
}

int st_err_setat(st_err *err, int code, int64_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = err_vset(err, code, offset, fmt, ap);
	va_end(ap);
	return code;
}

const char *st_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
#define ST_ERR_TEXT_(name, text) \
	case ST_##name:          \
		return text;
		ST_ERRNO_MAP(ST_ERR_TEXT_)
#undef ST_ERR_TEXT_
	default:
		return "unknown error";
	}
}

const char *st_errname(int code)
{
	switch (code) {
	case 0:
		return "OK";
#define ST_ERR_NAME_(name, text) \
	case ST_##name:          \
		return #name;
		ST_ERRNO_MAP(ST_ERR_NAME_)
#undef ST_ERR_NAME_
	default:
		return "EUNKNOWN";
	}
}

void st_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
