/*
 * test_core_base32.c - base32 without padding (src/core/base32.h) and hex
 * (src/core/hex.h), with the RFC 4648 §10 vectors.
 */
#include "test.h"

#include "core/base32.h"
#include "core/hex.h"
#include "core/banned.h"

static const struct {
	const char *in, *out;
} rfc4648[] = {
	{ "", "" },
	{ "f", "MY" },
	{ "fo", "MZXQ" },
	{ "foo", "MZXW6" },
	{ "foob", "MZXW6YQ" },
	{ "fooba", "MZXW6YTB" },
	{ "foobar", "MZXW6YTBOI" },
};
#define NVEC (sizeof(rfc4648) / sizeof(rfc4648[0]))

TEST(base32_encode_matches_rfc4648_vectors_without_padding)
{
	char out[32];

	for (size_t i = 0; i < NVEC; i++) {
		size_t n = strlen(rfc4648[i].in);

		EXPECT_EQ(strlen(rfc4648[i].out), st_base32_encoded_len(n));
		st_base32_encode((const uint8_t *)rfc4648[i].in, n, out);
		EXPECT_STR(rfc4648[i].out, out);
	}
}

TEST(base32_decode_round_trips_rfc4648_vectors)
{
	uint8_t out[16];
	size_t n = 99;

	for (size_t i = 0; i < NVEC; i++) {
		EXPECT_EQ(0, st_base32_decode(rfc4648[i].out, strlen(rfc4648[i].out), out,
		                              sizeof(out), &n, NULL));
		EXPECT_EQ(strlen(rfc4648[i].in), n);
		EXPECT_TRUE(memcmp(out, rfc4648[i].in, n) == 0);
	}
}

TEST(base32_round_trips_every_length)
{
	uint8_t in[40], back[40];
	char text[80];
	size_t n;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		st_base32_encode(in, len, text);
		EXPECT_EQ(st_base32_encoded_len(len), strlen(text));
		EXPECT_EQ(len, st_base32_decoded_len(strlen(text)));
		EXPECT_EQ(0, st_base32_decode(text, strlen(text), back, sizeof(back), &n, NULL));
		EXPECT_EQ(len, n);
		EXPECT_TRUE(memcmp(in, back, len) == 0);
	}
}

TEST(base32_decode_rejects_characters_outside_the_alphabet)
{
	static const char *bad[] = { "MZXw6", "MZX16", "MZX86", "MZX=6", "MZX 6", "MZXW6YQ=" };
	uint8_t out[16];
	size_t pos = 99;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(ST_EMALFORMED,
		          st_base32_decode(bad[i], strlen(bad[i]), out, sizeof(out), NULL, &pos));
	}
	EXPECT_EQ(ST_EMALFORMED, st_base32_decode("MZXw6", 5, out, sizeof(out), NULL, &pos));
	EXPECT_EQ(3, pos);
}

TEST(base32_decode_rejects_impossible_lengths)
{
	uint8_t out[16];

	EXPECT_EQ(ST_EMALFORMED, st_base32_decode("M", 1, out, sizeof(out), NULL, NULL));
	EXPECT_EQ(ST_EMALFORMED, st_base32_decode("MZX", 3, out, sizeof(out), NULL, NULL));
	EXPECT_EQ(ST_EMALFORMED, st_base32_decode("MZXW6Y", 6, out, sizeof(out), NULL, NULL));
}

TEST(base32_decode_rejects_nonzero_trailing_bits)
{
	uint8_t out[16];
	size_t pos = 0;

	/* "MY" is "f"; "MZ" sets one of the two unused trailing bits. */
	EXPECT_EQ(0, st_base32_decode("MY", 2, out, sizeof(out), NULL, NULL));
	EXPECT_EQ(ST_EMALFORMED, st_base32_decode("MZ", 2, out, sizeof(out), NULL, &pos));
	EXPECT_EQ(1, pos);
}

TEST(base32_decode_reports_a_small_output_buffer)
{
	uint8_t out[5];

	EXPECT_EQ(0, st_base32_decode("MZXW6YTB", 8, out, 5, NULL, NULL));
	EXPECT_EQ(ST_ETOOBIG, st_base32_decode("MZXW6YTBOI", 10, out, 5, NULL, NULL));
}

TEST(hex_upper_and_lower_render_every_nibble)
{
	static const uint8_t in[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	char out[17];

	st_hex_upper(in, sizeof(in), out);
	EXPECT_STR("0123456789ABCDEF", out);
	st_hex_lower(in, sizeof(in), out);
	EXPECT_STR("0123456789abcdef", out);
	st_hex_upper(in, 0, out);
	EXPECT_STR("", out);
}

TEST(hex_decode_accepts_both_cases_and_rejects_junk)
{
	uint8_t out[4];
	size_t n = 0;

	EXPECT_EQ(0, st_hex_decode("0aFf", 4, out, sizeof(out), &n));
	EXPECT_EQ(2, n);
	EXPECT_EQ(0x0a, out[0]);
	EXPECT_EQ(0xff, out[1]);
	EXPECT_EQ(ST_EMALFORMED, st_hex_decode("abc", 3, out, sizeof(out), &n));
	EXPECT_EQ(ST_EMALFORMED, st_hex_decode("zz", 2, out, sizeof(out), &n));
	EXPECT_EQ(ST_ETOOBIG, st_hex_decode("0011223344", 10, out, sizeof(out), &n));
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
