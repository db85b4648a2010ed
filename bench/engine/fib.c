/*
 * fib.c - naive doubly recursive Fibonacci: measures call and return cost.
 *
 * Usage: fib [n] (default 35). Prints fib(n) and fib(n - 5).
 */
#include "bench.h"

#include "../../src/core/banned.h"

static uint32_t fib(uint32_t n)
{
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
	uint32_t n = bench_size(argc, argv, 35);
	uint64_t sum = BENCH_FNV_INIT;

	if (n > 45)
		n = 45;
	sum = bench_mix(sum, fib(n));
	if (n > 5)
		sum = bench_mix(sum, fib(n - 5));
	bench_report("fib", n, sum);
	return 0;
}
