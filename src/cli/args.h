/*
 * args.h - option parsing shared by the keys, claims and par commands.
 *
 * Options and operands may be interleaved (like wash); an option's value
 * comes from "--name=VALUE" or from the next argument, and "--" ends the
 * options. Every function borrows argv; nothing is allocated.
 */
#ifndef STRATUS_CLI_ARGS_H
#define STRATUS_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Matches argv[*pi] against the long option lng ("--name") or the short
 * option shrt ("-n", or NULL). Returns 1 when it matched and *val was set
 * (*pi then indexes the value's argument), 0 when argv[*pi] is another
 * argument, -1 when it matched but the value is missing.
 */
int args_value(int argc, char **argv, int *pi, const char *lng, const char *shrt, const char **val);

/* True when a is the flag lng or shrt (shrt may be NULL). */
bool args_flag(const char *a, const char *lng, const char *shrt);

/* True when a is -h or --help. */
bool args_is_help(const char *a);

/* Parses a decimal number in [0, max] (no sign, no spaces) into *out. */
bool args_u64(const char *s, uint64_t max, uint64_t *out);

/* Parses a decimal i32 (optional '-') into *out. */
bool args_i32(const char *s, int32_t *out);

#endif
