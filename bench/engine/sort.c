/*
 * sort.c - quicksort and heapsort of pseudo-random 32-bit integers:
 * measures data-dependent branches and i32 loads/stores.
 *
 * Usage: sort [n] (default 1000000) sorts n values with each algorithm and
 * checks that both produce the same sorted array.
 */
#include "bench.h"

#include "../../src/core/banned.h"

static void swap_u32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(uint32_t *v, int32_t n)
{
	int32_t i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = v[i];

		for (j = i - 1; j >= 0 && v[j] > x; j--)
			v[j + 1] = v[j];
		v[j + 1] = x;
	}
}

/* Median-of-three quicksort; recurses on the smaller part only. */
static void quick_sort(uint32_t *v, int32_t n)
{
	while (n > 16) {
		int32_t i = 0, j = n - 1, mid = n / 2;
		uint32_t pivot;

		if (v[mid] < v[0])
			swap_u32(&v[mid], &v[0]);
		if (v[j] < v[0])
			swap_u32(&v[j], &v[0]);
		if (v[j] < v[mid])
			swap_u32(&v[j], &v[mid]);
		pivot = v[mid];
		for (;;) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i >= j)
				break;
			swap_u32(&v[i], &v[j]);
			i++;
			j--;
		}
		if (j + 1 < n - j - 1) {
			quick_sort(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			quick_sort(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	insertion_sort(v, n);
}

static void sift_down(uint32_t *v, uint32_t root, uint32_t n)
{
	for (;;) {
		uint32_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		swap_u32(&v[root], &v[child]);
		root = child;
	}
}

static void heap_sort(uint32_t *v, uint32_t n)
{
	uint32_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (i = n; i-- > 1;) {
		swap_u32(&v[0], &v[i]);
		sift_down(v, 0, i);
	}
}

int main(int argc, char **argv)
{
	uint32_t n = bench_size(argc, argv, 1000000);
	uint64_t sum = BENCH_FNV_INIT;
	uint32_t seed = 2463534242u, i;
	uint32_t *a, *b;

	if (n > (1u << 26))
		n = 1u << 26;
	a = malloc((size_t)n * sizeof(*a));
	b = malloc((size_t)n * sizeof(*b));
	if (a == NULL || b == NULL)
		return 1;
	for (i = 0; i < n; i++)
		a[i] = b[i] = bench_rand(&seed) % (n * 4u + 1);
	quick_sort(a, (int32_t)n);
	heap_sort(b, n);
	for (i = 0; i < n; i++) {
		if (a[i] != b[i] || (i > 0 && a[i - 1] > a[i])) {
			fprintf(stderr, "sort: mismatch at %u\n", (unsigned)i);
			return 1;
		}
		if (i % 64 == 0)
			sum = bench_mix(sum, a[i]);
	}
	bench_report("sort", n, sum);
	free(a);
	free(b);
	return 0;
}
