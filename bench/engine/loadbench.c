/*
 * loadbench.c - times the engine's two start-up costs on one module file:
 * (a) wm_module_new (decode + validate + compile) of the whole file, and
 * (b) wm_instance_new of the already compiled module (one more instance).
 *
 * Usage: loadbench FILE [loads] [instances]. Imports are satisfied with
 * stand-ins made once up front (host functions that trap, fresh memories,
 * tables and globals of the declared types), so (b) measures only the
 * instance itself. Prints "key value" lines that run.sh parses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm/wm.h"

#include "core/banned.h"

struct stand_ins {
	wm_extern *ext; /* one per import, in declaration order */
	size_t n;
};

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

/* Sorts v and prints its median and minimum in microseconds. */
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
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			uint8_t *q;

			cap = cap ? cap * 2 : 1 << 20;
			q = realloc(p, cap);
			if (q == NULL)
				goto fail;
			p = q;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*out = p;
	*len = n;
	return 0;
fail:
	free(p);
	fclose(f);
	return -1;
}

static int stand_in_trap(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results,
                         void *ud)
{
	(void)caller;
	(void)args;
	(void)results;
	(void)ud;
	return wm_trap_set(x, WM_TRAP_HOST, "loadbench stand-in import called");
}

/* Makes one object per import of m, matching its declared type. */
static int stand_ins_make(struct stand_ins *s, const wm_module *m, st_err *err)
{
	size_t i;
	int rc = 0;

	s->n = wm_module_import_count(m);
	s->ext = calloc(s->n ? s->n : 1, sizeof(*s->ext));
	if (s->ext == NULL)
		return ST_ENOMEM;
	for (i = 0; i < s->n && rc == 0; i++) {
		wm_import_desc d;
		wm_val zero;

		wm_module_import(m, i, &d);
		s->ext[i].kind = d.kind;
		memset(&zero, 0, sizeof(zero));
		switch (d.kind) {
		case WM_EXTERN_FUNC:
			s->ext[i].of.func = wm_func_new_host(d.func, stand_in_trap, NULL);
			if (s->ext[i].of.func == NULL)
				rc = ST_ENOMEM;
			break;
		case WM_EXTERN_MEMORY:
			rc = wm_memory_new(&s->ext[i].of.memory, d.limits, err);
			break;
		case WM_EXTERN_TABLE:
			rc = wm_table_new(&s->ext[i].of.table, d.type, d.limits, NULL, err);
			break;
		case WM_EXTERN_GLOBAL:
			rc = wm_global_new(&s->ext[i].of.global, d.type, d.mut, zero, err);
			break;
		}
	}
	return rc;
}

static void stand_ins_free(struct stand_ins *s)
{
	size_t i;

	for (i = 0; s->ext != NULL && i < s->n; i++) {
		switch (s->ext[i].kind) {
		case WM_EXTERN_FUNC:
			wm_func_unref(s->ext[i].of.func);
			break;
		case WM_EXTERN_MEMORY:
			wm_memory_unref(s->ext[i].of.memory);
			break;
		case WM_EXTERN_TABLE:
			wm_table_unref(s->ext[i].of.table);
			break;
		case WM_EXTERN_GLOBAL:
			wm_global_unref(s->ext[i].of.global);
			break;
		}
	}
	free(s->ext);
	s->ext = NULL;
}

int main(int argc, char **argv)
{
	struct stand_ins si = { NULL, 0 };
	wm_module *m = NULL;
	wm_exec *x = NULL;
	uint8_t *bytes = NULL;
	uint64_t *t = NULL;
	size_t len, loads = 20, insts = 200, i;
	st_err err;
	int rc, status = 1;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s FILE.wasm [loads] [instances]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		loads = strtoul(argv[2], NULL, 10);
	if (argc > 3)
		insts = strtoul(argv[3], NULL, 10);
	if (loads == 0 || insts == 0) {
		fprintf(stderr, "loadbench: counts must be positive\n");
		return 2;
	}
	if (read_file(argv[1], &bytes, &len) < 0) {
		fprintf(stderr, "loadbench: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("module_bytes %zu\n", len);
	t = calloc(loads > insts ? loads : insts, sizeof(*t));
	if (t == NULL)
		goto out;

	/* (a) decode + validate + compile, then drop the module. */
	for (i = 0; i < loads; i++) {
		uint64_t t0 = now_ns();

		st_err_clear(&err);
		rc = wm_module_new(&m, bytes, len, &err);
		t[i] = now_ns() - t0;
		if (rc < 0) {
			fprintf(stderr, "loadbench: load failed: %s (%d)\n", err.msg, rc);
			goto out;
		}
		if (i + 1 < loads) {
			wm_module_unref(m);
			m = NULL;
		}
	}
	report("load", t, loads);

	/* (b) instances of the module kept from the last load. */
	st_err_clear(&err);
	rc = stand_ins_make(&si, m, &err);
	if (rc == 0)
		rc = wm_exec_new(&x, 0, 0, &err);
	if (rc < 0) {
		fprintf(stderr, "loadbench: setup failed: %s (%d)\n", err.msg, rc);
		goto out;
	}
	for (i = 0; i < insts; i++) {
		wm_instance *inst = NULL;
		uint64_t t0 = now_ns();

		st_err_clear(&err);
		rc = wm_instance_new(&inst, m, x, NULL, NULL, si.ext, si.n, &err);
		t[i] = now_ns() - t0;
		if (rc < 0) {
			fprintf(stderr, "loadbench: instantiate failed: %s (%d)\n", err.msg, rc);
			goto out;
		}
		wm_instance_unref(inst);
	}
	report("instance", t, insts);
	status = 0;
out:
	wm_exec_free(x);
	stand_ins_free(&si);
	wm_module_unref(m);
	free(t);
	free(bytes);
	return status;
}
