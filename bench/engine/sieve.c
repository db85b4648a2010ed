/*
 * sieve.c - sieve of Eratosthenes over a byte array, repeated: measures
 * tight loops with byte loads and stores.
 *
 * Usage: sieve [rounds] (default 30). Each round sieves up to 2^22 with a
 * different upper bound so no round can be skipped.
 */
#include "bench.h"

#include "../../src/core/banned.h"

#define SIEVE_MAX (1u << 22)

static uint32_t sieve_count(uint8_t *composite, uint32_t limit)
{
	uint32_t i, j, count = 0;

	memset(composite, 0, limit);
	for (i = 2; i * i < limit; i++) {
		if (composite[i])
			continue;
		for (j = i * i; j < limit; j += i)
			composite[j] = 1;
	}
	for (i = 2; i < limit; i++)
		count += !composite[i];
	return count;
}

int main(int argc, char **argv)
{
	uint32_t rounds = bench_size(argc, argv, 30);
	uint64_t sum = BENCH_FNV_INIT;
	uint8_t *composite = malloc(SIEVE_MAX);
	uint32_t r;

	if (composite == NULL)
		return 1;
	for (r = 0; r < rounds; r++)
		sum = bench_mix(sum, sieve_count(composite, SIEVE_MAX - r * 997));
	bench_report("sieve", rounds, sum);
	free(composite);
	return 0;
}
