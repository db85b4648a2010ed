/*
 * claims_int.h - private helpers shared by claims.c, claims_module.c and
 * claims_inv.c. Nothing outside src/security/claims*.c includes this.
 */
#ifndef STRATUS_SECURITY_CLAIMS_INT_H
#define STRATUS_SECURITY_CLAIMS_INT_H

#include "core/err.h"
#include "security/claims.h"

/*
 * Records code, a printf-style message and a claims_errkind (or other
 * finer kind) in err (when not NULL) and returns code.
 */
int claims_fail(st_err *err, int code, int kind, const char *fmt, ...) ST_PRINTF(4, 5);

/* True when key (borrowed) is in the NULL-terminated list (NULL = empty). */
bool claims_key_listed(const char *const *list, const char *key);

#endif
