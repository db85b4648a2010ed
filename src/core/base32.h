/*
 * base32.h - RFC 4648 base32 ("A-Z2-7"), without '=' padding, as nkeys use it.
 *
 * The decoder is strict: it accepts only upper-case alphabet characters, no
 * padding, no whitespace, only lengths a no-padding encoder can produce, and
 * zero trailing bits (so every byte string has exactly one text form).
 * Pure functions; any thread.
 */
#ifndef STRATUS_CORE_BASE32_H
#define STRATUS_CORE_BASE32_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The number of characters st_base32_encode writes for n bytes: ceil(8n/5). */
size_t st_base32_encoded_len(size_t n);

/*
 * The number of bytes n characters decode to (floor(5n/8)). Does not say
 * whether n is a valid length; st_base32_decode checks that.
 */
size_t st_base32_decoded_len(size_t n);

/*
 * Encodes n bytes of in (borrowed) into out, which must have room for
 * st_base32_encoded_len(n) + 1 characters; out is NUL-terminated.
 */
void st_base32_encode(const uint8_t *in, size_t n, char *out);

/*
 * Decodes n characters of in (borrowed; no NUL needed) into out, which has
 * cap bytes. On success *out_len (when not NULL) receives the number of bytes
 * written. Errors, out's contents unspecified:
 *   ST_EMALFORMED  a character outside "A-Z2-7" (*bad_pos, when not NULL,
 *                  receives its index), a length no encoder produces (1, 3 or 6
 *                  characters mod 8), or non-zero trailing bits
 *                  (*bad_pos = n - 1 for the last two);
 *   ST_ETOOBIG     the result does not fit in cap bytes.
 */
int st_base32_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                     size_t *bad_pos) ST_WARN_UNUSED;

#endif
