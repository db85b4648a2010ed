/*
 * loadbench_wasm3.c - the wasm3 side of loadbench.c, through wasm3's public
 * API (wasm3.h), for comparison only; built by run.sh when WASM3_SRC and
 * WASM3_BUILD point at a local wasm3 checkout and build.
 *
 * wasm3 binds a module to one runtime, so it has no "instance of a compiled
 * module": its cheapest new instance is a new runtime plus parse plus load
 * (load allocates memory and applies data segments; functions compile
 * lazily). Reported: parse alone, parse+load (lazy), parse+load+compile of
 * every function, and new runtime+parse+load as the instance cost.
 * Usage: loadbench_wasm3 FILE [loads] [instances].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm3.h"

#include "../../src/core/banned.h"

#define W3_STACK_BYTES (64 * 1024)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%s_runs %zu\n", what, n);
	printf("%s_median_us %.1f\n", what, (double)v[n / 2] / 1e3);
	printf("%s_min_us %.1f\n", what, (double)v[0] / 1e3);
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto fail;
	p = malloc(n ? (size_t)n : 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	*out = p;
	*len = (size_t)n;
	return 0;
fail:
	free(p);
	fclose(f);
	return -1;
}

/*
 * One timed round: a runtime, parse, optionally load and compile. Returns
 * the elapsed ns, or 0 with a message on failure. The runtime (and with it
 * a loaded module) is freed outside the timed part.
 */
static uint64_t w3_round(IM3Environment env, const uint8_t *bytes, size_t len, int load,
                         int compile)
{
	IM3Runtime rt = NULL;
	IM3Module mod = NULL;
	M3Result res;
	uint64_t t0 = now_ns(), dt;

	if (load) {
		rt = m3_NewRuntime(env, W3_STACK_BYTES, NULL);
		if (rt == NULL) {
			fprintf(stderr, "loadbench_wasm3: m3_NewRuntime failed\n");
			return 0;
		}
	}
	res = m3_ParseModule(env, &mod, bytes, (uint32_t)len);
	if (res == m3Err_none && load) {
		res = m3_LoadModule(rt, mod);
		if (res == m3Err_none) {
			IM3Module loaded = mod;

			mod = NULL; /* owned by the runtime now */
			if (compile)
				res = m3_CompileModule(loaded);
		}
	}
	dt = now_ns() - t0;
	if (mod != NULL)
		m3_FreeModule(mod);
	if (rt != NULL)
		m3_FreeRuntime(rt);
	if (res != m3Err_none) {
		fprintf(stderr, "loadbench_wasm3: %s\n", res);
		return 0;
	}
	return dt ? dt : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int load, compile, which; /* which: 0 = loads, 1 = instances */
	} kinds[] = {
		{ "parse", 0, 0, 0 },
		{ "load_lazy", 1, 0, 0 },
		{ "load", 1, 1, 0 },
		{ "instance", 1, 0, 1 },
	};
	IM3Environment env = NULL;
	uint8_t *bytes = NULL;
	uint64_t *t = NULL;
	size_t len, counts[2] = { 20, 200 }, i, k;
	int status = 1;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s FILE.wasm [loads] [instances]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		counts[0] = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		counts[1] = strtoul(argv[3], NULL, 10);
	if (counts[0] == 0 || counts[1] == 0) {
		fprintf(stderr, "loadbench_wasm3: counts must be positive\n");
		return 2;
	}
	if (read_file(argv[1], &bytes, &len) < 0) {
		fprintf(stderr, "loadbench_wasm3: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("module_bytes %zu\n", len);
	env = m3_NewEnvironment();
	t = calloc(counts[0] > counts[1] ? counts[0] : counts[1], sizeof(*t));
	if (env == NULL || t == NULL)
		goto out;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = counts[kinds[k].which];

		for (i = 0; i < n; i++) {
			t[i] = w3_round(env, bytes, len, kinds[k].load, kinds[k].compile);
			if (t[i] == 0)
				goto out;
		}
		report(kinds[k].name, t, n);
	}
	status = 0;
out:
	if (env != NULL)
		m3_FreeEnvironment(env);
	free(t);
	free(bytes);
	return status;
}
