/*
 * log.c - the process-wide logger (see log.h).
 *
 * Each message is rendered into a stack buffer (timestamp, level, text, and
 * for JSON the escaped text) and written with a single fwrite, so lines from
 * concurrent threads stay whole. Settings are atomics; no lock is taken.
 * A cut line never ends inside a JSON escape or a UTF-8 sequence, and JSON
 * output replaces bytes that are not valid UTF-8 with U+FFFD.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "banned.h"

static atomic_int log_level = ST_LOG_INFO;
static atomic_bool log_json = false;
static _Atomic(FILE *) log_out = NULL; /* NULL: stderr */

/* A line being assembled: appends that do not fit below lim set cut. */
struct line {
	char p[ST_LOG_LINE_MAX];
	size_t n;   /* bytes used */
	size_t lim; /* appends stop here; the rest is kept for "..." and the ending */
	bool cut;   /* something did not fit */
};

static void line_add(struct line *l, const char *s, size_t n)
{
	if (l->cut || n > l->lim - l->n) {
		l->cut = true;
		return;
	}
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

static void line_adds(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Appends past lim: only for the fixed endings that lim leaves room for. */
static void line_finish(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (n > sizeof(l->p) - l->n)
		n = sizeof(l->p) - l->n;
	memcpy(l->p + l->n, s, n);
	l->n += n;
}

void st_log_set_level(st_log_level level)
{
	if ((int)level < ST_LOG_ERROR)
		level = ST_LOG_ERROR;
	if (level > ST_LOG_DEBUG)
		level = ST_LOG_DEBUG;
	atomic_store(&log_level, (int)level);
}

st_log_level st_log_get_level(void)
{
	return (st_log_level)atomic_load(&log_level);
}

bool st_log_enabled(st_log_level level)
{
	return (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void st_log_set_json(bool json)
{
	atomic_store(&log_json, json);
}

void st_log_set_output(FILE *out)
{
	atomic_store(&log_out, out);
}

const char *st_log_level_name(st_log_level level)
{
	switch (level) {
	case ST_LOG_ERROR:
		return "error";
	case ST_LOG_WARN:
		return "warn";
	case ST_LOG_INFO:
		return "info";
	case ST_LOG_DEBUG:
		return "debug";
	}
	return "?";
}

/* Upper-case names padded to one width, for text lines. */
static const char *level_tag(st_log_level level)
{
	switch (level) {
	case ST_LOG_ERROR:
		return "ERROR";
	case ST_LOG_WARN:
		return "WARN ";
	case ST_LOG_INFO:
		return "INFO ";
	case ST_LOG_DEBUG:
		return "DEBUG";
	}
	return "?    ";
}

int st_log_level_parse(const char *name, st_log_level *out)
{
	static const struct {
		const char *name;
		st_log_level level;
	} names[] = {
		{ "error", ST_LOG_ERROR }, { "warn", ST_LOG_WARN },   { "warning", ST_LOG_WARN },
		{ "info", ST_LOG_INFO },   { "debug", ST_LOG_DEBUG },
	};

	if (!name)
		return ST_EINVAL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return ST_EINVAL;
}

/* UTC wall-clock time with milliseconds: 2026-11-23T10:00:00.123Z. */
static void format_time(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	char date[32];

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, cap, "0000-00-00T00:00:00.000Z");
		return;
	}
	snprintf(out, cap, "%s.%03dZ", date, (int)(ts.tv_nsec / 1000000));
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Appends msg as the inside of a JSON string. */
static void add_json_string(struct line *l, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)msg;
	size_t left = strlen(msg);

	while (left > 0 && !l->cut) {
		unsigned char c = s[0];
		size_t len = 1;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			line_add(l, esc, 2);
		} else if (c == '\n') {
			line_add(l, "\\n", 2);
		} else if (c == '\r') {
			line_add(l, "\\r", 2);
		} else if (c == '\t') {
			line_add(l, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			line_add(l, esc, 6);
		} else if (c < 0x80) {
			line_add(l, (const char *)s, 1);
		} else {
			len = utf8_len(s, left);
			if (len == 0) {
				line_add(l, "\\ufffd", 6);
				len = 1;
			} else {
				line_add(l, (const char *)s, len);
			}
		}
		s += len;
		left -= len;
	}
}

/* Appends msg as is, never ending inside a UTF-8 sequence when cut. */
static void add_text(struct line *l, const char *msg)
{
	size_t n = strlen(msg), room = l->lim - l->n;

	if (n <= room) {
		line_add(l, msg, n);
		return;
	}
	while (room > 0 && ((unsigned char)msg[room] & 0xc0) == 0x80)
		room--;
	line_add(l, msg, room);
	l->cut = true;
}

void st_vlog(st_log_level level, const char *fmt, va_list ap)
{
	static const char cut_mark[] = "...";
	struct line l;
	char msg[ST_LOG_LINE_MAX];
	char ts[48];
	bool json = atomic_load_explicit(&log_json, memory_order_relaxed);
	const char *ending = json ? "\"}\n" : "\n";
	FILE *out;
	int len;

	if (!st_log_enabled(level))
		return;
	format_time(ts, sizeof(ts));
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len < 0)
		snprintf(msg, sizeof(msg), "(bad log format: %s)", fmt);

	l.n = 0;
	l.cut = false;
	l.lim = sizeof(l.p) - strlen(ending) - (sizeof(cut_mark) - 1);
	if (json) {
		line_adds(&l, "{\"ts\":\"");
		line_adds(&l, ts);
		line_adds(&l, "\",\"level\":\"");
		line_adds(&l, st_log_level_name(level));
		line_adds(&l, "\",\"msg\":\"");
		add_json_string(&l, msg);
	} else {
		line_adds(&l, ts);
		line_adds(&l, " ");
		line_adds(&l, level_tag(level));
		line_adds(&l, " ");
		add_text(&l, msg);
	}
	if (l.cut || (len >= 0 && (size_t)len >= sizeof(msg)))
		line_finish(&l, cut_mark);
	line_finish(&l, ending);

	out = atomic_load(&log_out);
	if (!out)
		out = stderr;
	fwrite(l.p, 1, l.n, out);
	fflush(out);
}

void st_log(st_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st_vlog(level, fmt, ap);
	va_end(ap);
}
