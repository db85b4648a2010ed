/*
 * wc_str.c - string helpers without libc (see wc_str.h). Only wc_alloc
 * from wc_rt.h is needed, so the file also builds natively for tests.
 */
#include "wc_str.h"

#include "core/banned.h"

/* Smallest capacity a wc_buf starts with. */
#define BUF_MIN 64u

static size_t cstr_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
}

wc_str wc_str_from(const char *s)
{
	wc_str r = { s ? s : "", s ? cstr_len(s) : 0 };

	return r;
}

wc_str wc_str_make(const char *p, size_t n)
{
	wc_str r = { n ? p : "", n };

	return r;
}

bool wc_str_eq(wc_str s, const char *lit)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (!lit[i] || lit[i] != s.p[i])
			return false;
	return lit[i] == '\0';
}

bool wc_str_equal(wc_str a, wc_str b)
{
	if (a.n != b.n)
		return false;
	for (size_t i = 0; i < a.n; i++)
		if (a.p[i] != b.p[i])
			return false;
	return true;
}

bool wc_str_starts_with(wc_str s, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= s.n || s.p[i] != prefix[i])
			return false;
	return true;
}

char *wc_str_dup(wc_str s)
{
	char *p;

	if (s.n == SIZE_MAX)
		return NULL;
	p = wc_alloc(s.n + 1);
	if (!p)
		return NULL;
	copy(p, s.p, s.n);
	p[s.n] = '\0';
	return p;
}

size_t wc_fmt_u64(char *buf, uint64_t v)
{
	char tmp[WC_DEC_MAX];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

size_t wc_fmt_i64(char *buf, int64_t v)
{
	if (v >= 0)
		return wc_fmt_u64(buf, (uint64_t)v);
	buf[0] = '-';
	/* -(v + 1) + 1 is |v| even for INT64_MIN. */
	return 1 + wc_fmt_u64(buf + 1, (uint64_t)(-(v + 1)) + 1);
}

bool wc_parse_u64(wc_str s, uint64_t *out)
{
	uint64_t v = 0;

	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)(unsigned char)s.p[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool wc_parse_i64(wc_str s, int64_t *out)
{
	bool neg = s.n > 0 && s.p[0] == '-';
	uint64_t v;

	if (!wc_parse_u64(wc_str_make(s.p + neg, s.n - neg), &v))
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

void wc_buf_init(wc_buf *b)
{
	b->p = NULL;
	b->n = 0;
	b->cap = 0;
	b->oom = false;
}

/* Makes room for extra more bytes plus a NUL. */
static bool reserve(wc_buf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (extra < b->cap - b->n)
		return true;
	if (extra >= SIZE_MAX / 2 - b->n) {
		b->oom = true;
		return false;
	}
	cap = b->cap ? b->cap : BUF_MIN;
	while (cap <= b->n + extra)
		cap *= 2;
	p = wc_alloc(cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	copy(p, b->p, b->n);
	b->p = p;
	b->cap = cap;
	return true;
}

void wc_buf_add(wc_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return;
	copy(b->p + b->n, p, n);
	b->n += n;
}

void wc_buf_adds(wc_buf *b, const char *s)
{
	wc_buf_add(b, s, cstr_len(s));
}

void wc_buf_add_str(wc_buf *b, wc_str s)
{
	wc_buf_add(b, s.p, s.n);
}

void wc_buf_addc(wc_buf *b, char c)
{
	wc_buf_add(b, &c, 1);
}

void wc_buf_add_u64(wc_buf *b, uint64_t v)
{
	char tmp[WC_DEC_MAX];

	wc_buf_add(b, tmp, wc_fmt_u64(tmp, v));
}

void wc_buf_add_i64(wc_buf *b, int64_t v)
{
	char tmp[WC_DEC_MAX];

	wc_buf_add(b, tmp, wc_fmt_i64(tmp, v));
}

const char *wc_buf_str(wc_buf *b)
{
	if (!reserve(b, 0))
		return NULL;
	b->p[b->n] = '\0';
	return b->p;
}
