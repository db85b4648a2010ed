/*
 * test_security_nkey.c - nkeys (src/security/nkey.h) against the vectors of
 * security.md §1.4 and §1.6, round trips for every type, and each way a key
 * text can be malformed.
 */
#include "test.h"

#include "core/base32.h"
#include "core/hex.h"
#include "security/nkey.h"
#include "core/banned.h"

static const struct {
	nkey_type type;
	const char *name, *pub, *seed;
} vec[] = {
	{ NKEY_ACCOUNT, "account", "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV",
	  "SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHI" },
	{ NKEY_CLUSTER, "cluster", "CAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3R53J",
	  "SCAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYO7Q" },
	{ NKEY_SERVER, "server", "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB",
	  "SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U" },
	{ NKEY_MODULE, "module", "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP",
	  "SMAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2CRY" },
	{ NKEY_SERVICE, "service", "VAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSLE",
	  "SVAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H76SU" },
	{ NKEY_OPERATOR, "operator", "OAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QZVT",
	  "SOAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2AJA" },
	{ NKEY_USER, "user", "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK",
	  "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y" },
};
#define NVEC (sizeof(vec) / sizeof(vec[0]))

static const char vec_pub_hex[] =
	"03A107BFF3CE10BE1D70DD18E74BC09967E4D6309BA50D5F1DDC8664125531B8";

static void seed_00_1f(uint8_t seed[32])
{
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
}

/* Encodes raw bytes with a correct CRC16 appended, as an nkey text. */
static void encode_with_crc(uint8_t *raw, size_t n, char *out)
{
	uint16_t crc = nkey_crc16(raw, n);

	raw[n] = (uint8_t)(crc & 0xFF);
	raw[n + 1] = (uint8_t)(crc >> 8);
	st_base32_encode(raw, n + 2, out);
}

TEST(nkey_crc16_has_the_xmodem_check_value)
{
	EXPECT_U64(0x31C3, nkey_crc16((const uint8_t *)"123456789", 9));
	EXPECT_U64(0, nkey_crc16(NULL, 0));
}

TEST(nkey_crc16_of_the_cluster_vector_is_69f7_appended_little_endian)
{
	uint8_t seed[32], raw[35];
	nkey k;

	seed_00_1f(seed);
	EXPECT_EQ(0, nkey_from_seed(&k, NKEY_CLUSTER, seed, NULL));
	raw[0] = 0x10;
	memcpy(raw + 1, k.pub, 32);
	EXPECT_U64(0x69F7, nkey_crc16(raw, 33));
	EXPECT_EQ(0, st_base32_decode(vec[1].pub, 56, raw, sizeof(raw), NULL, NULL));
	EXPECT_EQ(0xf7, raw[33]);
	EXPECT_EQ(0x69, raw[34]);
}

TEST(nkey_vectors_from_seed_00_to_1f_match_for_all_seven_types)
{
	uint8_t seed[32];
	char pub[NKEY_PUBLIC_LEN + 1], sd[NKEY_SEED_LEN + 1], hex[65];
	nkey k;

	seed_00_1f(seed);
	for (size_t i = 0; i < NVEC; i++) {
		EXPECT_EQ(0, nkey_from_seed(&k, vec[i].type, seed, NULL));
		st_hex_upper(k.pub, sizeof(k.pub), hex);
		EXPECT_STR(vec_pub_hex, hex);
		nkey_public_text(&k, pub);
		EXPECT_STR(vec[i].pub, pub);
		EXPECT_EQ(0, nkey_seed_text(&k, sd));
		EXPECT_STR(vec[i].seed, sd);
		EXPECT_STR(vec[i].name, nkey_type_name(vec[i].type));
		EXPECT_EQ(vec[i].pub[0], nkey_type_letter(vec[i].type));
	}
}

TEST(nkey_vector_texts_decode_to_the_same_keys)
{
	uint8_t seed[32];
	nkey k, p;

	seed_00_1f(seed);
	for (size_t i = 0; i < NVEC; i++) {
		EXPECT_EQ(0, nkey_from_seed_text(&k, vec[i].seed, NKEY_SEED_LEN, NULL));
		EXPECT_EQ(vec[i].type, k.type);
		EXPECT_TRUE(k.has_seed);
		EXPECT_TRUE(memcmp(k.sk, seed, 32) == 0);
		EXPECT_EQ(0, nkey_from_public_text(&p, vec[i].pub, NKEY_PUBLIC_LEN, NULL));
		EXPECT_EQ(vec[i].type, p.type);
		EXPECT_TRUE(!p.has_seed);
		EXPECT_TRUE(memcmp(k.pub, p.pub, 32) == 0);
		EXPECT_EQ(0, nkey_from_text(&p, vec[i].pub, NKEY_PUBLIC_LEN, NULL));
		EXPECT_TRUE(!p.has_seed);
		EXPECT_EQ(0, nkey_from_text(&p, vec[i].seed, NKEY_SEED_LEN, NULL));
		EXPECT_TRUE(p.has_seed);
	}
}

TEST(nkey_generated_keys_round_trip_for_every_type)
{
	for (size_t i = 0; i < NVEC; i++) {
		char pub[NKEY_PUBLIC_LEN + 1], sd[NKEY_SEED_LEN + 1], pub2[NKEY_PUBLIC_LEN + 1];
		uint8_t sig[64];
		nkey k, fromseed, frompub;

		EXPECT_EQ(0, nkey_generate(&k, vec[i].type, NULL));
		nkey_public_text(&k, pub);
		EXPECT_EQ(vec[i].pub[0], pub[0]);
		EXPECT_EQ(0, nkey_seed_text(&k, sd));
		EXPECT_EQ('S', sd[0]);
		EXPECT_EQ(vec[i].seed[1], sd[1]);
		EXPECT_EQ(0, nkey_from_seed_text(&fromseed, sd, strlen(sd), NULL));
		EXPECT_TRUE(memcmp(&k, &fromseed, sizeof(k)) == 0);
		nkey_public_text(&fromseed, pub2);
		EXPECT_STR(pub, pub2);
		EXPECT_EQ(0, nkey_from_public_text(&frompub, pub, strlen(pub), NULL));
		EXPECT_EQ(0, nkey_sign(&fromseed, (const uint8_t *)"hello", 5, sig));
		EXPECT_EQ(0, nkey_verify(&frompub, (const uint8_t *)"hello", 5, sig));
		EXPECT_EQ(ST_EINVALID, nkey_verify(&frompub, (const uint8_t *)"hellO", 5, sig));
	}
}

TEST(nkey_generate_gives_distinct_keys)
{
	nkey a, b;

	EXPECT_EQ(0, nkey_generate(&a, NKEY_ACCOUNT, NULL));
	EXPECT_EQ(0, nkey_generate(&b, NKEY_ACCOUNT, NULL));
	EXPECT_TRUE(memcmp(a.pub, b.pub, 32) != 0);
}

TEST(nkey_signature_is_rfc8032_deterministic_and_key_bound)
{
	uint8_t seed[32], s1[64], s2[64];
	nkey k, other;

	seed_00_1f(seed);
	EXPECT_EQ(0, nkey_from_seed(&k, NKEY_ACCOUNT, seed, NULL));
	EXPECT_EQ(0, nkey_sign(&k, (const uint8_t *)"abc", 3, s1));
	EXPECT_EQ(0, nkey_sign(&k, (const uint8_t *)"abc", 3, s2));
	EXPECT_TRUE(memcmp(s1, s2, 64) == 0);
	EXPECT_EQ(0, nkey_generate(&other, NKEY_ACCOUNT, NULL));
	EXPECT_EQ(ST_EINVALID, nkey_verify(&other, (const uint8_t *)"abc", 3, s1));
	s1[10] ^= 1;
	EXPECT_EQ(ST_EINVALID, nkey_verify(&k, (const uint8_t *)"abc", 3, s1));
}

TEST(nkey_public_only_key_cannot_sign_or_show_a_seed)
{
	char sd[NKEY_SEED_LEN + 1];
	uint8_t sig[64];
	nkey k;

	EXPECT_EQ(0, nkey_from_public_text(&k, vec[0].pub, NKEY_PUBLIC_LEN, NULL));
	EXPECT_EQ(ST_ESTATE, nkey_sign(&k, (const uint8_t *)"x", 1, sig));
	EXPECT_EQ(ST_ESTATE, nkey_seed_text(&k, sd));
	EXPECT_STR("", sd);
}

static void expect_public_error(const char *text, int kind, const char *msg_part)
{
	st_err err;
	nkey k;

	memset(&k, 0xAA, sizeof(k));
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, nkey_from_public_text(&k, text, strlen(text), &err));
	EXPECT_EQ(kind, err.kind);
	if (!strstr(err.msg, msg_part))
		TEST_FAIL_("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	EXPECT_EQ(0, k.pub[0]);
}

static void expect_seed_error(const char *text, int kind, const char *msg_part)
{
	st_err err;
	nkey k;

	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, nkey_from_seed_text(&k, text, strlen(text), &err));
	EXPECT_EQ(kind, err.kind);
	if (!strstr(err.msg, msg_part))
		TEST_FAIL_("message \"%s\" lacks \"%s\"", err.msg, msg_part);
	EXPECT_TRUE(!k.has_seed);
}

TEST(nkey_public_rejects_wrong_length)
{
	expect_public_error("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZ",
	                    NKEY_ERR_LENGTH, "56 characters, got 55");
	expect_public_error("", NKEY_ERR_LENGTH, "got 0");
	expect_public_error("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZVA",
	                    NKEY_ERR_LENGTH, "got 57");
}

TEST(nkey_public_rejects_a_bad_base32_character)
{
	st_err err;
	nkey k;

	expect_public_error("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZv",
	                    NKEY_ERR_BASE32, "invalid base32 character");
	expect_public_error("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QP1V",
	                    NKEY_ERR_BASE32, "position 54");
	EXPECT_EQ(ST_EMALFORMED, nkey_from_public_text(&k,
	                                               "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KD"
	                                               "K7DXOIMZASKUY3QP0V",
	                                               56, &err));
	EXPECT_EQ(54, err.offset);
}

TEST(nkey_public_rejects_a_checksum_mismatch)
{
	/* One character of the key changed: still valid base32, wrong CRC. */
	expect_public_error("AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZW",
	                    NKEY_ERR_CRC, "checksum");
	expect_public_error("AAC2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV",
	                    NKEY_ERR_CRC, "checksum");
}

TEST(nkey_public_rejects_prefixes_of_no_accepted_type)
{
	uint8_t seed[32], raw[36];
	char text[64];
	nkey k;

	seed_00_1f(seed);
	EXPECT_EQ(0, nkey_from_seed(&k, NKEY_ACCOUNT, seed, NULL));
	/* Curve (X), private (P) and an arbitrary byte, each with a valid CRC. */
	raw[0] = 0xB8;
	memcpy(raw + 1, k.pub, 32);
	encode_with_crc(raw, 33, text);
	EXPECT_EQ('X', text[0]);
	expect_public_error(text, NKEY_ERR_PREFIX, "prefix 'X'");
	raw[0] = 0x78;
	encode_with_crc(raw, 33, text);
	expect_public_error(text, NKEY_ERR_PREFIX, "prefix 'P'");
	raw[0] = 0x01;
	encode_with_crc(raw, 33, text);
	expect_public_error(text, NKEY_ERR_PREFIX, "names no accepted key type");
}

TEST(nkey_public_rejects_a_seed)
{
	expect_public_error(vec[0].seed, NKEY_ERR_SEED_AS_PUBLIC,
	                    "a seed was given where a public key is expected");
}

TEST(nkey_seed_rejects_a_public_key)
{
	expect_seed_error(vec[3].pub, NKEY_ERR_PUBLIC_AS_SEED,
	                  "a public key was given where a seed is expected");
}

TEST(nkey_seed_rejects_wrong_length_base32_and_checksum)
{
	expect_seed_error("SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMH",
	                  NKEY_ERR_LENGTH, "58 characters, got 57");
	expect_seed_error("SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHi",
	                  NKEY_ERR_BASE32, "invalid base32 character");
	expect_seed_error("SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYNHI",
	                  NKEY_ERR_CRC, "checksum");
}

TEST(nkey_seed_rejects_nonzero_trailing_bits)
{
	/* 36 bytes use 288 of the 290 bits of 58 characters; 'J' sets the last bit. */
	expect_seed_error("SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHJ",
	                  NKEY_ERR_BASE32, "trailing bits");
}

TEST(nkey_seed_rejects_a_non_seed_prefix_and_an_unknown_type)
{
	uint8_t raw[40];
	char text[64];

	memset(raw, 7, sizeof(raw));
	/* 58 characters with a valid CRC whose first byte is not a seed prefix. */
	raw[0] = 0x00;
	raw[1] = 0x00;
	encode_with_crc(raw, 34, text);
	expect_seed_error(text, NKEY_ERR_PREFIX, "not a seed");
	/* A seed prefix naming the curve type (X). */
	raw[0] = 0x90 | (0xB8 >> 5);
	raw[1] = (0xB8 & 0x1F) << 3;
	encode_with_crc(raw, 34, text);
	EXPECT_EQ('S', text[0]);
	EXPECT_EQ('X', text[1]);
	expect_seed_error(text, NKEY_ERR_PREFIX, "seed type 'X'");
}

TEST(nkey_check_type_names_both_types)
{
	st_err err;
	nkey k;

	EXPECT_EQ(0, nkey_from_public_text(&k, vec[0].pub, NKEY_PUBLIC_LEN, NULL));
	EXPECT_EQ(0, nkey_check_type(&k, NKEY_ACCOUNT, "issuer", NULL));
	EXPECT_EQ(ST_EINVALID, nkey_check_type(&k, NKEY_MODULE, "subject", &err));
	EXPECT_EQ(NKEY_ERR_TYPE, err.kind);
	EXPECT_STR("subject: expected a module key (M...), got an account key (A...)", err.msg);
}

TEST(nkey_type_parse_accepts_names_and_aliases)
{
	nkey_type t;

	for (size_t i = 0; i < NVEC; i++) {
		EXPECT_EQ(0, nkey_type_parse(vec[i].name, &t));
		EXPECT_EQ(vec[i].type, t);
	}
	EXPECT_EQ(0, nkey_type_parse("host", &t));
	EXPECT_EQ(NKEY_SERVER, t);
	EXPECT_EQ(0, nkey_type_parse("Provider", &t));
	EXPECT_EQ(NKEY_SERVICE, t);
	EXPECT_EQ(ST_EINVAL, nkey_type_parse("curve", &t));
	EXPECT_TRUE(!nkey_type_valid(0xB8));
	EXPECT_TRUE(!nkey_type_valid(NKEY_PREFIX_SEED));
	EXPECT_STR("unknown", nkey_type_name((nkey_type)0x78));
}

TEST(nkey_generate_rejects_an_unknown_type)
{
	nkey k;

	EXPECT_EQ(ST_EINVAL, nkey_generate(&k, (nkey_type)0xB8, NULL));
	EXPECT_TRUE(!k.has_seed);
}

TEST(nkey_wipe_zeroes_the_secret)
{
	static const uint8_t zero[sizeof(nkey)];
	nkey k;

	EXPECT_EQ(0, nkey_generate(&k, NKEY_USER, NULL));
	nkey_wipe(&k);
	EXPECT_TRUE(memcmp(&k, zero, sizeof(k)) == 0);
	nkey_wipe(NULL);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
