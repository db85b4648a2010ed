/*
 * crc32.c - table-driven CRC-32 (IEEE 802.3, reflected) and Adler-32 over a
 * pseudo-random buffer: measures byte loads, table lookups and shifts.
 *
 * Usage: crc32 [mib] (default 40) checksums that many MiB.
 */
#include "bench.h"

#include "../../src/core/banned.h"

#define CRC_BUF_BYTES (1u << 20)

static uint32_t crc_table[256];

static void crc_table_init(void)
{
	uint32_t i, c;
	int k;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t len)
{
	size_t i;

	crc = ~crc;
	for (i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t adler32_update(uint32_t adler, const uint8_t *p, size_t len)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t i;

	for (i = 0; i < len; i++) {
		a += p[i];
		if (a >= 65521)
			a -= 65521;
		b += a;
		if (b >= 65521)
			b -= 65521;
	}
	return b << 16 | a;
}

int main(int argc, char **argv)
{
	uint32_t mib = bench_size(argc, argv, 40);
	uint64_t sum = BENCH_FNV_INIT;
	uint8_t *buf = malloc(CRC_BUF_BYTES);
	uint32_t seed = 88172645u, crc = 0, adler = 1, i, r;

	if (buf == NULL)
		return 1;
	crc_table_init();
	/* Self-test: CRC-32 of "123456789" is 0xcbf43926. */
	if (crc32_update(0, (const uint8_t *)"123456789", 9) != 0xcbf43926u) {
		fprintf(stderr, "crc32: self-test failed\n");
		return 1;
	}
	for (i = 0; i < CRC_BUF_BYTES; i++)
		buf[i] = (uint8_t)bench_rand(&seed);
	for (r = 0; r < mib; r++) {
		crc = crc32_update(crc, buf, CRC_BUF_BYTES);
		if (r % 2 == 0)
			adler = adler32_update(adler, buf, CRC_BUF_BYTES);
		buf[r % CRC_BUF_BYTES] ^= (uint8_t)crc;
		sum = bench_mix(sum, (uint64_t)crc << 32 | adler);
	}
	bench_report("crc32", mib, sum);
	free(buf);
	return 0;
}
