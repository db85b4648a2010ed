/*
 * out.h - how the security commands (keys, claims, par) print results:
 * human text by default, machine JSON with `-o json`, wash's shapes.
 *
 * Text results are two-column tables without borders (a centred title,
 * "Label   value" rows, centred headings and free lines). JSON results are
 * objects printed on stdout with "success": true added; a failure in JSON
 * mode is {"success": false, "error": "..."} on stderr. Only the CLI prints.
 */
#ifndef STRATUS_CLI_OUT_H
#define STRATUS_CLI_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/err.h"

typedef enum out_format {
	OUT_TEXT = 0,
	OUT_JSON = 1,
} out_format;

/* Parses "text" or "json" into *f. Returns false for anything else. */
bool out_format_parse(const char *s, out_format *f);

/*
 * Prints obj (borrowed; "success": true is added to it) on stdout as
 * indented JSON. Returns the exit status: CLI_EXIT_OK, or CLI_EXIT_FAIL
 * when stdout cannot be written.
 */
int out_json_success(json_t *obj);

/*
 * As out_json_success with "success": ok; a result that reports a failure
 * (e.g. an invalid signature) still goes to stdout. Returns CLI_EXIT_OK
 * only when ok and written.
 */
int out_json_result(json_t *obj, bool ok);

/*
 * Reports a failure the way f asks: text "stratus: MESSAGE" or JSON
 * {"success": false, "error": "MESSAGE"}, both on stderr. Returns
 * CLI_EXIT_FAIL so that failing takes one line.
 */
int out_fail(out_format f, const char *fmt, ...) ST_PRINTF(2, 3);

/* The message of a failure: err->msg when set, else the code's text. */
const char *out_err_text(int rc, const st_err *err);

/*
 * Writes n bytes of p (borrowed) to path: into a temporary file beside it
 * (mode 0666 less the umask) that is then renamed over path, so a reader
 * never sees a partial file and a failure leaves path untouched.
 * Errors: ST_EIO with the reason.
 */
int out_write_file(const char *path, const void *p, size_t n, st_err *err) ST_WARN_UNUSED;

/*
 * Writes when t (unix seconds) is relative to now, like wascap's
 * informational strings: "in 3 days", "2 hours ago", "now". out has n bytes.
 */
void out_time_human(int64_t t, int64_t now, char *out, size_t n);

/* A human table being built; rows are copied. */
typedef struct out_table out_table;

/* Starts a table whose first line is title (copied), centred. */
out_table *out_table_new(const char *title);

/* Adds a "label ... value" row; the value is right-aligned. */
void out_table_row(out_table *t, const char *label, const char *value);

/* As out_table_row with a printf-style value. */
void out_table_rowf(out_table *t, const char *label, const char *fmt, ...) ST_PRINTF(3, 4);

/* Adds a centred heading line (e.g. "Capabilities"). */
void out_table_heading(out_table *t, const char *heading);

/* Adds a left-aligned free line (e.g. one capability). */
void out_table_line(out_table *t, const char *text);

/* Prints the table on f. Returns 0, or -1 when f cannot be written. */
int out_table_print(const out_table *t, FILE *f);

/* Frees the table; NULL is a no-op. */
void out_table_free(out_table *t);

#endif
