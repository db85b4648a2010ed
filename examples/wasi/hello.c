/*
 * hello.c - the smallest stratus demo: a WASI command program.
 *
 * Built with Debian's clang for wasm32-wasi (scripts/run.sh does it) and run
 * with `stratus wasm run hello.wasm ARGS...`. It prints a greeting, its
 * arguments, and a checksum that mixes the arguments with a short integer
 * computation, so that a wrong engine result shows up as a wrong number:
 *     clang --target=wasm32-wasi -O2 -o hello.wasm hello.c
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* FNV-1a, 64-bit, continued from h over n bytes of p. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A fixed xorshift64 walk: loops, shifts and 64-bit arithmetic in the guest. */
static uint64_t walk(uint64_t x, int steps)
{
	for (int i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

int main(int argc, char **argv)
{
	uint64_t h = 0xcbf29ce484222325ull;

	printf("hello from stratus: a wasm32-wasi program, %d argument%s\n", argc - 1,
	       argc == 2 ? "" : "s");
	for (int i = 1; i < argc; i++) {
		printf("  argv[%d] = %s\n", i, argv[i]);
		h = fnv1a(h, argv[i], strlen(argv[i]) + 1);
	}
	h = walk(h, 100000);
	printf("checksum: %016" PRIx64 "\n", h);
	return 0;
}
