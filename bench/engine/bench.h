/*
 * bench.h - helpers shared by the engine benchmark programs.
 *
 * Each program is a self-contained CPU-bound C file built twice, natively
 * and for wasm32-wasi, by run.sh. It reads one optional size argument and
 * prints one "name size checksum" line; the checksums of both builds must
 * agree, which is how run.sh checks that an engine computed the right thing.
 */
#ifndef STRATUS_BENCH_ENGINE_BENCH_H
#define STRATUS_BENCH_ENGINE_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size argument argv[1], or def when absent. Exits on a bad number. */
static inline uint32_t bench_size(int argc, char **argv, uint32_t def)
{
	char *end;
	unsigned long v;

	if (argc < 2)
		return def;
	v = strtoul(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || v == 0 || v > 0xffffffffUL) {
		fprintf(stderr, "usage: %s [size]\n", argv[0]);
		exit(2);
	}
	return (uint32_t)v;
}

/* A deterministic 32-bit xorshift generator; the state must not be 0. */
static inline uint32_t bench_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Folds a 64-bit value into a running FNV-1a style checksum. */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (i * 8)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The bit pattern of a double, for checksums that need no printf rounding. */
static inline uint64_t bench_f64_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* Prints the one result line that run.sh compares between engines. */
static inline void bench_report(const char *name, uint32_t size, uint64_t sum)
{
	printf("%s %u %016llx\n", name, (unsigned)size, (unsigned long long)sum);
}

#define BENCH_FNV_INIT 0xcbf29ce484222325ULL

#endif
