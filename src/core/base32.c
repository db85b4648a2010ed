/*
 * base32.c - RFC 4648 base32 without padding (see base32.h).
 *
 * Bits are consumed most significant first, five per character. The decoder
 * accepts exactly the texts the encoder produces: the alphabet in upper case,
 * no '=', and zero bits in the unused tail of the last character.
 */
#include "base32.h"

#include <stdint.h>

#include "banned.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t st_base32_encoded_len(size_t n)
{
	return n / 5 * 8 + (n % 5 * 8 + 4) / 5;
}

size_t st_base32_decoded_len(size_t n)
{
	return n / 8 * 5 + n % 8 * 5 / 8;
}

void st_base32_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int st_base32_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                     size_t *bad_pos)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0, tail = n % 8;

	for (size_t i = 0; i < n; i++) {
		if (value_of(in[i]) < 0) {
			if (bad_pos)
				*bad_pos = i;
			return ST_EMALFORMED;
		}
	}
	/* A no-padding encoder ends on 0, 2, 4, 5 or 7 characters mod 8. */
	if (tail == 1 || tail == 3 || tail == 6) {
		if (bad_pos)
			*bad_pos = n - 1;
		return ST_EMALFORMED;
	}
	if (st_base32_decoded_len(n) > cap)
		return ST_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 5) | (uint32_t)value_of(in[i]);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
		if (bad_pos)
			*bad_pos = n - 1;
		return ST_EMALFORMED;
	}
	if (out_len)
		*out_len = o;
	return 0;
}
