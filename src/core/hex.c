/*
 * hex.c - hexadecimal rendering and parsing (see hex.h).
 */
#include "hex.h"

#include "banned.h"

static void render(const uint8_t *in, size_t n, char *out, const char *digits)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void st_hex_upper(const uint8_t *in, size_t n, char *out)
{
	render(in, n, out, "0123456789ABCDEF");
}

void st_hex_lower(const uint8_t *in, size_t n, char *out)
{
	render(in, n, out, "0123456789abcdef");
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int st_hex_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
	if (n % 2 != 0)
		return ST_EMALFORMED;
	if (n / 2 > cap)
		return ST_ETOOBIG;
	for (size_t i = 0; i < n; i += 2) {
		int hi = nibble(in[i]), lo = nibble(in[i + 1]);

		if (hi < 0 || lo < 0)
			return ST_EMALFORMED;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	if (out_len)
		*out_len = n / 2;
	return 0;
}
