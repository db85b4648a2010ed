/*
 * matmul.c - dense double-precision matrix multiply (i-k-j order):
 * measures f64 loads, multiply-add and stores in nested loops.
 *
 * Usage: matmul [n] (default 280) multiplies two n x n matrices twice.
 */
#include "bench.h"

#include "../../src/core/banned.h"

static void matmul(double *c, const double *a, const double *b, uint32_t n)
{
	uint32_t i, j, k;

	memset(c, 0, (size_t)n * n * sizeof(*c));
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++) {
			double aik = a[i * n + k];
			const double *brow = b + k * n;
			double *crow = c + i * n;

			for (j = 0; j < n; j++)
				crow[j] += aik * brow[j];
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t n = bench_size(argc, argv, 280);
	uint64_t sum = BENCH_FNV_INIT;
	uint32_t seed = 12345, i;
	size_t cells;
	double *a, *b, *c;

	if (n > 2000)
		n = 2000;
	cells = (size_t)n * n;
	a = malloc(cells * sizeof(*a));
	b = malloc(cells * sizeof(*b));
	c = malloc(cells * sizeof(*c));
	if (a == NULL || b == NULL || c == NULL)
		return 1;
	for (i = 0; i < cells; i++) {
		a[i] = (double)(bench_rand(&seed) % 2001) / 1000.0 - 1.0;
		b[i] = (double)(bench_rand(&seed) % 2001) / 1000.0 - 1.0;
	}
	matmul(c, a, b, n);
	matmul(a, c, b, n); /* a = (a * b) * b */
	for (i = 0; i < cells; i += 7)
		sum = bench_mix(sum, bench_f64_bits(a[i]));
	bench_report("matmul", n, sum);
	free(a);
	free(b);
	free(c);
	return 0;
}
