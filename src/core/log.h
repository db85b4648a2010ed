/*
 * log.h - the process-wide logger: one line per message on stderr.
 *
 * Only the top layers log (the host, the CLI, providers); library layers
 * report through st_err instead. A line is formatted in full before it is
 * written with one call, so lines from different threads never interleave.
 * Text lines look like "2026-11-23T10:00:00.123Z INFO  message"; JSON lines
 * like {"ts":"2026-11-23T10:00:00.123Z","level":"info","msg":"message"}.
 * Lines longer than ST_LOG_LINE_MAX bytes are cut and end in "...".
 */
#ifndef STRATUS_CORE_LOG_H
#define STRATUS_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "err.h"

/* Levels, most severe first: a message is written when its level <= the set level. */
typedef enum st_log_level {
	ST_LOG_ERROR = 0,
	ST_LOG_WARN = 1,
	ST_LOG_INFO = 2,
	ST_LOG_DEBUG = 3,
} st_log_level;

/* The longest line written, in bytes, newline included. */
#define ST_LOG_LINE_MAX 4096

/* Sets the most verbose level written (default ST_LOG_INFO). Any thread. */
void st_log_set_level(st_log_level level);

/* The current level. Any thread. */
st_log_level st_log_get_level(void);

/* True when a message at level would be written (to skip costly arguments). */
bool st_log_enabled(st_log_level level);

/* Chooses JSON lines (true) or text lines (false, the default). Any thread. */
void st_log_set_json(bool json);

/*
 * Sends lines to out instead of stderr; NULL means stderr again. The stream
 * stays owned by the caller and must stay open until it is replaced. Call it
 * before other threads log (tests use it to capture lines).
 */
void st_log_set_output(FILE *out);

/* The lower-case name of a level ("error", "warn", "info", "debug"), or "?". */
const char *st_log_level_name(st_log_level level);

/*
 * Parses a level name (case-insensitive: "error", "warn" or "warning",
 * "info", "debug") into *out. Returns 0, or ST_EINVAL and leaves *out alone.
 */
int st_log_level_parse(const char *name, st_log_level *out) ST_WARN_UNUSED;

/* Writes one printf-formatted message at level, when enabled. Any thread. */
void st_log(st_log_level level, const char *fmt, ...) ST_PRINTF(2, 3);

/* As st_log, with a va_list. */
void st_vlog(st_log_level level, const char *fmt, va_list ap) ST_PRINTF(2, 0);

#endif
