/*
 * wc_log.h - logging from an actor through the host's built-in logger
 * (interfaces.md §10): `Logging.WriteLog` on `wasmcloud:builtin:logging`
 * with a MessagePack LogEntry {level, text}. The host prints the line as
 * `[<actor key>] <text>` at that level. The actor's claims must include
 * wasmcloud:builtin:logging, otherwise the host refuses the call.
 *
 * Call only from inside a handler (the payload and the host's answer live
 * in the invocation arena). Single-threaded, like every guest.
 */
#ifndef STRATUS_SDK_WC_LOG_H
#define STRATUS_SDK_WC_LOG_H

#include <stddef.h>

/* The levels the host knows; the wire names are "debug", "info", "warn", "error". */
typedef enum wc_log_level {
	WC_LOG_DEBUG = 0,
	WC_LOG_INFO,
	WC_LOG_WARN,
	WC_LOG_ERROR,
} wc_log_level;

/* The wire name of level ("info"); an unknown level is "debug". */
const char *wc_log_level_name(wc_log_level level);

/*
 * Logs len bytes of text (borrowed, UTF-8, no NUL needed) at level.
 * Returns 1 when the host took it, 0 when it refused (e.g. the claim is
 * missing; its error text is dropped) or the entry could not be encoded.
 */
int wc_log_n(wc_log_level level, const char *text, size_t len);

/* As wc_log_n with the NUL-terminated text. */
int wc_log(wc_log_level level, const char *text);

/* wc_log at one level each. */
int wc_log_debug(const char *text);
int wc_log_info(const char *text);
int wc_log_warn(const char *text);
int wc_log_error(const char *text);

#endif
