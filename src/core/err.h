/*
 * err.h - the one error table of stratus, and the caller-owned error detail.
 *
 * A function that can fail returns int: 0, or a negative ST_E* code from
 * ST_ERRNO_MAP below. The details (message, byte offset, subsystem kind) go
 * into an optional st_err owned by the caller. There is no thread-local
 * error state. Library layers never print.
 */
#ifndef STRATUS_CORE_ERR_H
#define STRATUS_CORE_ERR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define ST_WARN_UNUSED __attribute__((warn_unused_result))
#define ST_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ST_NORETURN __attribute__((noreturn))
#else
#define ST_WARN_UNUSED
#define ST_PRINTF(f, a)
#define ST_NORETURN
#endif

/* X(name, text). Numbers are assigned in order (-1, -2, ...) and never reused. */
#define ST_ERRNO_MAP(X)                                     \
	X(ENOMEM, "out of memory")                          \
	X(EINVAL, "invalid argument")                       \
	X(ETOOBIG, "size limit exceeded")                   \
	X(ETRUNC, "unexpected end of input")                \
	X(EMALFORMED, "malformed input")                    \
	X(EINVALID, "validation failed")                    \
	X(EUNLINKABLE, "unresolved or incompatible import") \
	X(ETRAP, "trap")                                    \
	X(ENOTFOUND, "not found")                           \
	X(EIO, "input/output error")                        \
	X(ENOSYS, "not supported")                          \
	X(EEXIT, "program exited")                          \
	X(ESTATE, "operation not valid in this state")

enum st_errno {
	ST_OK = 0,
#define ST_ERR_ENUM_(name, text) ST_##name##_,
	ST_ERRNO_FIRST_ = 0,
	ST_ERRNO_MAP(ST_ERR_ENUM_)
#undef ST_ERR_ENUM_
};

/* Public negative codes: ST_ENOMEM == -1, ST_EINVAL == -2, ... */
#define ST_ERR_CODE_(name, text) ST_##name = -(int)ST_##name##_,
enum st_errcode {
	ST_ERRNO_MAP(ST_ERR_CODE_)
};
#undef ST_ERR_CODE_

#define ST_ERR_MSG_MAX 256

/*
 * Error detail, owned by the caller and passed down as an optional pointer.
 * code:   the ST_E* code of the failure, 0 when clear.
 * kind:   a subsystem's finer classification (the engine puts its
 *         wm_trap_kind here for ST_ETRAP), 0 when none.
 * offset: byte offset into the input the failure refers to, -1 when none.
 * msg:    a full sentence fragment, NUL-terminated, truncated to fit.
 */
typedef struct st_err {
	int code;
	int kind;
	int64_t offset;
	char msg[ST_ERR_MSG_MAX];
} st_err;

/* Clears err (code 0, kind 0, offset -1, empty message). err may be NULL. */
void st_err_clear(st_err *err);

/*
 * Records code and a printf-style message in err (when err is not NULL) and
 * returns code, so that failing takes one line:
 *     return st_err_set(err, ST_EMALFORMED, "bad magic");
 * offset is set to -1 and kind to 0.
 */
int st_err_set(st_err *err, int code, const char *fmt, ...) ST_PRINTF(3, 4);

/* As st_err_set, also recording the input byte offset. */
int st_err_setat(st_err *err, int code, int64_t offset, const char *fmt, ...) ST_PRINTF(4, 5);

/* The fixed text of a code ("out of memory"); "unknown error" otherwise. */
const char *st_strerror(int code);

/* The symbolic name of a code ("ENOMEM"); "EUNKNOWN" otherwise. */
const char *st_errname(int code);

/* Aborts with file:line and a message: a broken invariant, never an error. */
ST_NORETURN void st_bug(const char *file, int line, const char *fmt, ...) ST_PRINTF(3, 4);
#define ST_BUG(...) st_bug(__FILE__, __LINE__, __VA_ARGS__)

#endif
