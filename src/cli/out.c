/*
 * out.c - text tables and JSON results for the security commands (see
 * out.h). Tables are measured first and then printed, so every row of one
 * table has the same width; values are right-aligned like wash's tables.
 */
#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/mem.h"

#include "core/banned.h"

enum row_kind {
	ROW_PAIR,
	ROW_HEADING,
	ROW_LINE,
};

typedef struct out_row {
	enum row_kind kind;
	char *a; /* label, heading or line; owned */
	char *b; /* value of a pair; owned, NULL otherwise */
} out_row;

struct out_table {
	char *title; /* owned */
	out_row *rows;
	size_t n, cap;
};

bool out_format_parse(const char *s, out_format *f)
{
	if (strcmp(s, "text") == 0) {
		*f = OUT_TEXT;
		return true;
	}
	if (strcmp(s, "json") == 0) {
		*f = OUT_JSON;
		return true;
	}
	return false;
}

int out_json_success(json_t *obj)
{
	return out_json_result(obj, true);
}

int out_json_result(json_t *obj, bool ok)
{
	char *s;
	int status = ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;

	json_object_set_new(obj, "success", json_boolean(ok));
	s = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s) {
		fprintf(stderr, "stratus: cannot render the JSON result\n");
		return CLI_EXIT_FAIL;
	}
	if (fprintf(stdout, "%s\n", s) < 0 || fflush(stdout) != 0)
		status = CLI_EXIT_FAIL;
	free(s);
	return status;
}

int out_fail(out_format f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f == OUT_JSON) {
		json_t *o = json_object();
		char *s;

		json_object_set_new(o, "success", json_false());
		json_object_set_new(o, "error", json_string(msg));
		s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fprintf(stderr, "%s\n", s ? s : "{\"success\": false}");
		free(s);
		json_decref(o);
	} else {
		fprintf(stderr, "stratus: %s\n", msg);
	}
	return CLI_EXIT_FAIL;
}

const char *out_err_text(int rc, const st_err *err)
{
	return err && err->msg[0] ? err->msg : st_strerror(rc);
}

int out_write_file(const char *path, const void *p, size_t n, st_err *err)
{
	size_t len = strlen(path) + 32;
	char *tmp = xmalloc(len);
	const uint8_t *b = p;
	int fd, rc = 0;

	snprintf(tmp, len, "%s.tmp-%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = st_err_set(err, ST_EIO, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = st_err_set(err, ST_EIO, "cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		b += w;
		n -= (size_t)w;
	}
	if (close(fd) != 0 && rc == 0)
		rc = st_err_set(err, ST_EIO, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = st_err_set(err, ST_EIO, "cannot rename %s to %s: %s", tmp, path,
		                strerror(errno));
	if (rc < 0)
		unlink(tmp);
out:
	st_free(tmp);
	return rc;
}

void out_time_human(int64_t t, int64_t now, char *out, size_t n)
{
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = {
		{ 365 * 86400, "year" }, { 30 * 86400, "month" }, { 86400, "day" },
		{ 3600, "hour" },        { 60, "minute" },        { 1, "second" },
	};
	int64_t d = t - now, a = d < 0 ? -d : d;

	if (a == 0) {
		snprintf(out, n, "now");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t v = a / units[i].secs;

		if (v == 0)
			continue;
		snprintf(out, n, "%s%lld %s%s%s", d > 0 ? "in " : "", (long long)v, units[i].unit,
		         v == 1 ? "" : "s", d < 0 ? " ago" : "");
		return;
	}
}

/* ----------------------------------------------------------------------- */
/* Tables */

out_table *out_table_new(const char *title)
{
	out_table *t = xcalloc(1, sizeof(*t));

	t->title = xstrdup(title);
	return t;
}

static void table_add(out_table *t, enum row_kind kind, const char *a, const char *b)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	t->rows[t->n].kind = kind;
	t->rows[t->n].a = xstrdup(a);
	t->rows[t->n].b = b ? xstrdup(b) : NULL;
	t->n++;
}

void out_table_row(out_table *t, const char *label, const char *value)
{
	table_add(t, ROW_PAIR, label, value);
}

void out_table_rowf(out_table *t, const char *label, const char *fmt, ...)
{
	char v[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	table_add(t, ROW_PAIR, label, v);
}

void out_table_heading(out_table *t, const char *heading)
{
	table_add(t, ROW_HEADING, heading, NULL);
}

void out_table_line(out_table *t, const char *text)
{
	table_add(t, ROW_LINE, text, NULL);
}

/* Prints s centred in width columns (after the two-space margin). */
static void print_centred(FILE *f, const char *s, size_t width)
{
	size_t n = strlen(s), pad = n < width ? (width - n) / 2 : 0;

	fprintf(f, "  %*s%s\n", (int)pad, "", s);
}

int out_table_print(const out_table *t, FILE *f)
{
	size_t label_w = 0, width = strlen(t->title);

	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].kind == ROW_PAIR && strlen(t->rows[i].a) > label_w)
			label_w = strlen(t->rows[i].a);
	for (size_t i = 0; i < t->n; i++) {
		size_t w = strlen(t->rows[i].a);

		if (t->rows[i].kind == ROW_PAIR)
			w = label_w + 4 + strlen(t->rows[i].b);
		if (w > width)
			width = w;
	}
	print_centred(f, t->title, width);
	for (size_t i = 0; i < t->n; i++) {
		const out_row *r = &t->rows[i];

		switch (r->kind) {
		case ROW_PAIR:
			fprintf(f, "  %-*s%*s\n", (int)label_w, r->a, (int)(width - label_w), r->b);
			break;
		case ROW_HEADING:
			print_centred(f, r->a, width);
			break;
		case ROW_LINE:
			fprintf(f, "  %s\n", r->a);
			break;
		}
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void out_table_free(out_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		st_free(t->rows[i].a);
		st_free(t->rows[i].b);
	}
	st_free(t->rows);
	st_free(t->title);
	st_free(t);
}
