/*
 * args.c - option matching and number parsing for the CLI (see args.h).
 */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

int args_value(int argc, char **argv, int *pi, const char *lng, const char *shrt, const char **val)
{
	const char *a = argv[*pi];
	size_t n = strlen(lng);

	if (strncmp(a, lng, n) == 0 && a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (strcmp(a, lng) != 0 && !(shrt && strcmp(a, shrt) == 0))
		return 0;
	if (*pi + 1 >= argc)
		return -1;
	*val = argv[++*pi];
	return 1;
}

bool args_flag(const char *a, const char *lng, const char *shrt)
{
	return strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0);
}

bool args_is_help(const char *a)
{
	return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

bool args_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool args_i32(const char *s, int32_t *out)
{
	uint64_t mag;
	bool neg = *s == '-';

	if (!args_u64(neg ? s + 1 : s, neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &mag))
		return false;
	*out = (int32_t)(neg ? -(int64_t)mag : (int64_t)mag);
	return true;
}
