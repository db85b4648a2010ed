/*
 * hex.h - hexadecimal rendering and parsing of byte strings.
 *
 * Module and archive hashes are upper-case hex SHA-256 digests
 * (security.md §3.2), so the upper-case form is the one stratus emits.
 * Pure functions; any thread.
 */
#ifndef STRATUS_CORE_HEX_H
#define STRATUS_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Writes 2n upper-case hex digits of in (borrowed) and a NUL into out (2n + 1 bytes). */
void st_hex_upper(const uint8_t *in, size_t n, char *out);

/* As st_hex_upper, with lower-case digits. */
void st_hex_lower(const uint8_t *in, size_t n, char *out);

/*
 * Parses n hex digits (either case; n even) of in into out, which has cap
 * bytes; *out_len (when not NULL) receives n / 2. Errors: ST_EMALFORMED (odd
 * length or a non-hex character), ST_ETOOBIG (n / 2 > cap).
 */
int st_hex_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                  size_t *out_len) ST_WARN_UNUSED;

#endif
