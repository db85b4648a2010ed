/*
 * test_core_mem.c - allocation wrappers (src/core/mem.h), above all the
 * fault injection that other modules' tests rely on.
 */
#include "test.h"

#include "core/mem.h"
#include "core/banned.h"

TEST(alloc_fail_after_fails_nth)
{
	void *a, *b, *c, *d;

	st_alloc_fail_after(2);
	a = st_malloc(16);
	b = st_calloc(4, 4);
	c = st_malloc(16);
	d = st_realloc(NULL, 16);
	EXPECT_TRUE(a != NULL);
	EXPECT_TRUE(b != NULL);
	EXPECT_TRUE(c == NULL);
	EXPECT_TRUE(d == NULL);
	st_alloc_fail_after(-1);
	c = st_malloc(16);
	EXPECT_TRUE(c != NULL);
	st_free(a);
	st_free(b);
	st_free(c);
}

TEST(alloc_fail_after_zero_fails_next)
{
	st_alloc_fail_after(0);
	EXPECT_TRUE(st_malloc(1) == NULL);
	EXPECT_TRUE(st_calloc(1, 1) == NULL);
	st_alloc_fail_after(-1);
}

TEST(failed_realloc_keeps_block)
{
	char *p = st_malloc(4), *q;

	EXPECT_TRUE(p != NULL);
	if (!p)
		return;
	memcpy(p, "abc", 4);
	st_alloc_fail_after(0);
	q = st_realloc(p, 1 << 20);
	st_alloc_fail_after(-1);
	EXPECT_TRUE(q == NULL);
	EXPECT_STR("abc", p);
	st_free(p);
}

TEST(x_family_ignores_injection)
{
	char *s;
	void *p;

	st_alloc_fail_after(0);
	p = xmalloc(32);
	s = xstrdup("hello");
	st_alloc_fail_after(-1);
	EXPECT_TRUE(p != NULL);
	EXPECT_STR("hello", s);
	free(p);
	st_free(s);
}

TEST(zero_sized_allocations_are_freeable)
{
	void *a = st_malloc(0), *b = st_calloc(0, 8), *c = xmalloc(0), *d = xcalloc(0, 0);

	EXPECT_TRUE(a && b && c && d);
	st_free(a);
	st_free(b);
	st_free(c);
	st_free(d);
	st_free(NULL);
}

TEST(calloc_zeroes)
{
	unsigned char *p = st_calloc(64, 4);
	int nonzero = 0;

	EXPECT_TRUE(p != NULL);
	for (int i = 0; p && i < 256; i++)
		nonzero |= p[i];
	EXPECT_EQ(0, nonzero);
	st_free(p);
}

TEST(xstrndup_terminates)
{
	char *s = xstrndup("abcdef", 3);

	EXPECT_STR("abc", s);
	st_free(s);
}

TEST(xrealloc_preserves_contents)
{
	char *p = xmalloc(4);

	memcpy(p, "xyz", 4);
	p = xrealloc(p, 4096);
	EXPECT_STR("xyz", p);
	st_free(p);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
