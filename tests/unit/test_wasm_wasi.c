/*
 * test_wasm_wasi.c - WASI preview1 host functions (src/wasm/wasi.c) driven
 * through a real instance: a module built here imports WASI functions and
 * exports a same-typed wrapper for each, so every call comes from wasm code
 * and sees the instance's memory, as a wasi-libc program's calls do.
 */
#include "wasm/wasi.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "wasm/wm.h"

#include "core/banned.h"

#define MEM_BYTES 65536u

/* The imports of the test module: name, params ('i' i32, 'I' i64), has an i32 result. */
static const struct {
	const char *name;
	const char *params;
	int result;
} imports[] = {
	{ "args_sizes_get", "ii", 1 },
	{ "args_get", "ii", 1 },
	{ "environ_sizes_get", "ii", 1 },
	{ "environ_get", "ii", 1 },
	{ "fd_write", "iiii", 1 },
	{ "fd_read", "iiii", 1 },
	{ "fd_seek", "iIii", 1 },
	{ "fd_close", "i", 1 },
	{ "fd_fdstat_get", "ii", 1 },
	{ "fd_prestat_get", "ii", 1 },
	{ "fd_prestat_dir_name", "iii", 1 },
	{ "clock_time_get", "iIi", 1 },
	{ "random_get", "ii", 1 },
	{ "poll_oneoff", "iiii", 1 },
	{ "proc_exit", "i", 0 },
	{ "path_open", "iiiiiIIii", 1 },
};
#define NIMPORTS (sizeof(imports) / sizeof(imports[0]))

/* A tiny binary writer, enough for the module below. */
typedef struct wbuf {
	uint8_t p[4096];
	size_t n;
} wbuf;

static void wb_byte(wbuf *b, uint8_t v)
{
	if (b->n < sizeof(b->p))
		b->p[b->n++] = v;
}

static void wb_u32(wbuf *b, uint32_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		wb_byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
	} while (v);
}

static void wb_name(wbuf *b, const char *s)
{
	wb_u32(b, (uint32_t)strlen(s));
	for (; *s; s++)
		wb_byte(b, (uint8_t)*s);
}

static void wb_section(wbuf *m, uint8_t id, const wbuf *s)
{
	wb_byte(m, id);
	wb_u32(m, (uint32_t)s->n);
	for (size_t i = 0; i < s->n; i++)
		wb_byte(m, s->p[i]);
}

/*
 * (module (import "wasi_snapshot_preview1" NAME (func $NAME PARAMS RESULT)) ...
 *         (memory (export "memory") 1)
 *         (func (export NAME) PARAMS RESULT local.get 0 ... call $NAME) ...)
 */
static void build_module(wbuf *m)
{
	static wbuf s;
	static const uint8_t head[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };

	m->n = 0;
	for (size_t i = 0; i < 8; i++)
		wb_byte(m, head[i]);
	s.n = 0; /* types: one per import */
	wb_u32(&s, NIMPORTS);
	for (size_t i = 0; i < NIMPORTS; i++) {
		wb_byte(&s, 0x60);
		wb_u32(&s, (uint32_t)strlen(imports[i].params));
		for (const char *c = imports[i].params; *c; c++)
			wb_byte(&s, *c == 'I' ? WM_I64 : WM_I32);
		wb_u32(&s, (uint32_t)imports[i].result);
		if (imports[i].result)
			wb_byte(&s, WM_I32);
	}
	wb_section(m, 1, &s);
	s.n = 0; /* imports */
	wb_u32(&s, NIMPORTS);
	for (size_t i = 0; i < NIMPORTS; i++) {
		wb_name(&s, "wasi_snapshot_preview1");
		wb_name(&s, imports[i].name);
		wb_byte(&s, 0x00);
		wb_u32(&s, (uint32_t)i);
	}
	wb_section(m, 2, &s);
	s.n = 0; /* functions: wrapper i has type i */
	wb_u32(&s, NIMPORTS);
	for (size_t i = 0; i < NIMPORTS; i++)
		wb_u32(&s, (uint32_t)i);
	wb_section(m, 3, &s);
	s.n = 0; /* one memory of one page */
	wb_u32(&s, 1);
	wb_byte(&s, 0x00);
	wb_u32(&s, 1);
	wb_section(m, 5, &s);
	s.n = 0; /* exports */
	wb_u32(&s, NIMPORTS + 1);
	wb_name(&s, "memory");
	wb_byte(&s, 0x02);
	wb_u32(&s, 0);
	for (size_t i = 0; i < NIMPORTS; i++) {
		wb_name(&s, imports[i].name);
		wb_byte(&s, 0x00);
		wb_u32(&s, (uint32_t)(NIMPORTS + i));
	}
	wb_section(m, 7, &s);
	s.n = 0; /* code */
	wb_u32(&s, NIMPORTS);
	for (size_t i = 0; i < NIMPORTS; i++) {
		uint32_t np = (uint32_t)strlen(imports[i].params);

		wb_u32(&s, 1 + 2 * np + 2 + 1); /* body size: locals, gets, call, end */
		wb_byte(&s, 0x00);
		for (uint32_t k = 0; k < np; k++) {
			wb_byte(&s, 0x20);
			wb_byte(&s, (uint8_t)k);
		}
		wb_byte(&s, 0x10);
		wb_byte(&s, (uint8_t)i);
		wb_byte(&s, 0x0b);
	}
	wb_section(m, 10, &s);
}

/* One guest: its WASI state, instance and memory. */
typedef struct guest {
	wm_wasi *w;
	wm_module *m;
	wm_exec *x;
	wm_instance *inst;
	uint8_t *mem;
	st_err err;
} guest;

static void guest_start(guest *g, const wm_wasi_config *cfg)
{
	wbuf bytes;
	wm_memory *mem;

	memset(g, 0, sizeof(*g));
	build_module(&bytes);
	EXPECT_EQ(0, wm_wasi_new(&g->w, cfg, &g->err));
	EXPECT_EQ(0, wm_module_new(&g->m, bytes.p, bytes.n, &g->err));
	EXPECT_EQ(0, wm_exec_new(&g->x, 0, 0, &g->err));
	EXPECT_EQ(0,
	          wm_instance_new(&g->inst, g->m, g->x, wm_wasi_resolve, g->w, NULL, 0, &g->err));
	if (!g->inst) {
		fprintf(stderr, "  setup failed: %s\n", g->err.msg);
		_exit(1);
	}
	mem = wm_instance_memory(g->inst);
	EXPECT_TRUE(mem != NULL);
	EXPECT_EQ(MEM_BYTES, wm_memory_size(mem));
	g->mem = wm_memory_data(mem);
}

static void guest_stop(guest *g)
{
	wm_instance_unref(g->inst);
	wm_module_unref(g->m);
	wm_exec_free(g->x);
	wm_wasi_free(g->w);
}

/* Calls the wrapper of import `name`; returns its errno result, or -1000 + rc on failure. */
static int64_t call(guest *g, const char *name, const wm_val *args, size_t nargs)
{
	wm_func *f = wm_instance_func(g->inst, name);
	wm_val r[1] = { { 0 } };
	int rc;

	if (!f)
		return -2000;
	rc = wm_call(g->x, f, args, nargs, r, wm_func_type(f)->nresults, &g->err);
	if (rc < 0)
		return -1000 + rc;
	return r[0].i32;
}

static wm_val I(uint32_t v)
{
	wm_val x;

	x.bits = 0;
	x.i32 = v;
	return x;
}

static wm_val L(uint64_t v)
{
	wm_val x;

	x.i64 = v;
	return x;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

TEST(wasi_resolve_hands_out_preview1_signatures)
{
	wm_wasi_config cfg;
	wm_wasi *w = NULL;
	wm_import_desc d;
	wm_extern e;
	const wm_functype *ft;

	wm_wasi_config_init(&cfg);
	EXPECT_EQ(0, wm_wasi_new(&w, &cfg, NULL));
	memset(&d, 0, sizeof(d));
	d.module = "wasi_snapshot_preview1";
	d.module_len = strlen(d.module);
	d.kind = WM_EXTERN_FUNC;
	d.name = "clock_time_get";
	d.name_len = strlen(d.name);
	EXPECT_EQ(0, wm_wasi_resolve(w, &d, &e));
	EXPECT_EQ(WM_EXTERN_FUNC, e.kind);
	ft = wm_func_type(e.of.func);
	EXPECT_EQ(3, ft->nparams);
	EXPECT_EQ(WM_I32, ft->params[0]);
	EXPECT_EQ(WM_I64, ft->params[1]);
	EXPECT_EQ(WM_I32, ft->params[2]);
	EXPECT_EQ(1, ft->nresults);
	EXPECT_EQ(WM_I32, ft->results[0]);
	d.name = "proc_exit";
	d.name_len = strlen(d.name);
	EXPECT_EQ(0, wm_wasi_resolve(w, &d, &e));
	EXPECT_EQ(0, wm_func_type(e.of.func)->nresults);
	d.name = "path_open";
	d.name_len = strlen(d.name);
	EXPECT_EQ(0, wm_wasi_resolve(w, &d, &e));
	EXPECT_EQ(9, wm_func_type(e.of.func)->nparams);
	d.name = "no_such_function";
	d.name_len = strlen(d.name);
	EXPECT_EQ(ST_ENOTFOUND, wm_wasi_resolve(w, &d, &e));
	d.module = "wasi_unstable";
	d.module_len = strlen(d.module);
	d.name = "fd_write";
	d.name_len = strlen(d.name);
	EXPECT_EQ(0, wm_wasi_resolve(w, &d, &e));
	d.module = "env";
	d.module_len = strlen(d.module);
	EXPECT_EQ(ST_ENOTFOUND, wm_wasi_resolve(w, &d, &e));
	wm_wasi_free(w);
}

TEST(wasi_args_and_environ_round_trip)
{
	static const char *const argv[] = { "prog", "a b", "" };
	static const char *const env[] = { "K=V", "EMPTY=" };
	wm_wasi_config cfg;
	guest g;
	wm_val a[2];

	wm_wasi_config_init(&cfg);
	cfg.argv = argv;
	cfg.argc = 3;
	cfg.env = env;
	cfg.envc = 2;
	guest_start(&g, &cfg);
	a[0] = I(0);
	a[1] = I(4);
	EXPECT_EQ(0, call(&g, "args_sizes_get", a, 2));
	EXPECT_EQ(3, rd32(g.mem));
	EXPECT_EQ(5 + 4 + 1, rd32(g.mem + 4));
	a[0] = I(100);
	a[1] = I(200);
	EXPECT_EQ(0, call(&g, "args_get", a, 2));
	EXPECT_EQ(200, rd32(g.mem + 100));
	EXPECT_EQ(205, rd32(g.mem + 104));
	EXPECT_EQ(209, rd32(g.mem + 108));
	EXPECT_STR("prog", (const char *)g.mem + 200);
	EXPECT_STR("a b", (const char *)g.mem + 205);
	EXPECT_STR("", (const char *)g.mem + 209);
	a[0] = I(0);
	a[1] = I(4);
	EXPECT_EQ(0, call(&g, "environ_sizes_get", a, 2));
	EXPECT_EQ(2, rd32(g.mem));
	EXPECT_EQ(4 + 7, rd32(g.mem + 4));
	a[0] = I(300);
	a[1] = I(400);
	EXPECT_EQ(0, call(&g, "environ_get", a, 2));
	EXPECT_STR("K=V", (const char *)g.mem + rd32(g.mem + 300));
	EXPECT_STR("EMPTY=", (const char *)g.mem + rd32(g.mem + 304));
	guest_stop(&g);
}

TEST(wasi_bad_guest_pointers_are_efault)
{
	static const char *const argv[] = { "prog" };
	wm_wasi_config cfg;
	guest g;
	wm_val a[4];

	wm_wasi_config_init(&cfg);
	cfg.argv = argv;
	cfg.argc = 1;
	guest_start(&g, &cfg);
	a[0] = I(0);
	a[1] = I(MEM_BYTES - 2); /* a u32 that straddles the end */
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "args_sizes_get", a, 2));
	a[0] = I(0);
	a[1] = I(MEM_BYTES - 3); /* "prog\0" does not fit */
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "args_get", a, 2));
	a[0] = I(1);
	a[1] = L(0);
	a[2] = I(0xffffffffu);
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "clock_time_get", a, 3));
	a[0] = I(MEM_BYTES - 10);
	a[1] = I(11);
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "random_get", a, 2));
	/* An iovec array running past the end, and an iovec whose buffer does. */
	a[0] = I(1);
	a[1] = I(MEM_BYTES - 4);
	a[2] = I(1);
	a[3] = I(0);
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "fd_write", a, 4));
	wr32(g.mem + 16, MEM_BYTES - 2);
	wr32(g.mem + 20, 3);
	a[1] = I(16);
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "fd_write", a, 4));
	a[3] = I(MEM_BYTES);
	wr32(g.mem + 20, 0);
	EXPECT_EQ(WM_WASI_EFAULT, call(&g, "fd_write", a, 4));
	guest_stop(&g);
}

TEST(wasi_fd_write_gathers_iovecs_to_the_host_fd)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[4];
	int p[2];
	char got[32] = { 0 };

	EXPECT_EQ(0, pipe(p));
	wm_wasi_config_init(&cfg);
	cfg.stdout_fd = p[1];
	guest_start(&g, &cfg);
	memcpy(g.mem + 1000, "hello ", 6);
	memcpy(g.mem + 2000, "world", 5);
	wr32(g.mem + 16, 1000);
	wr32(g.mem + 20, 6);
	wr32(g.mem + 24, 2000);
	wr32(g.mem + 28, 5);
	a[0] = I(1);
	a[1] = I(16);
	a[2] = I(2);
	a[3] = I(8);
	EXPECT_EQ(0, call(&g, "fd_write", a, 4));
	EXPECT_EQ(11, rd32(g.mem + 8));
	EXPECT_EQ(11, read(p[0], got, sizeof(got) - 1));
	EXPECT_STR("hello world", got);
	a[0] = I(7); /* not open */
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_write", a, 4));
	guest_stop(&g);
	close(p[0]);
	close(p[1]);
}

TEST(wasi_fd_read_scatters_into_iovecs)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[4];
	int p[2];

	EXPECT_EQ(0, pipe(p));
	EXPECT_EQ(7, write(p[1], "abcdefg", 7));
	wm_wasi_config_init(&cfg);
	cfg.stdin_fd = p[0];
	guest_start(&g, &cfg);
	wr32(g.mem + 16, 1000);
	wr32(g.mem + 20, 3);
	wr32(g.mem + 24, 2000);
	wr32(g.mem + 28, 100);
	a[0] = I(0);
	a[1] = I(16);
	a[2] = I(2);
	a[3] = I(8);
	EXPECT_EQ(0, call(&g, "fd_read", a, 4));
	EXPECT_EQ(7, rd32(g.mem + 8));
	EXPECT_EQ(0, memcmp(g.mem + 1000, "abc", 3));
	EXPECT_EQ(0, memcmp(g.mem + 2000, "defg", 4));
	close(p[1]);
	EXPECT_EQ(0, call(&g, "fd_read", a, 4)); /* end of file */
	EXPECT_EQ(0, rd32(g.mem + 8));
	guest_stop(&g);
	close(p[0]);
}

TEST(wasi_fd_seek_and_fdstat_follow_the_host_fd)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[4];
	int p[2];
	FILE *tmp = tmpfile();

	EXPECT_TRUE(tmp != NULL);
	EXPECT_EQ(5, write(fileno(tmp), "12345", 5));
	EXPECT_EQ(0, pipe(p));
	wm_wasi_config_init(&cfg);
	cfg.stdin_fd = p[0];
	cfg.stdout_fd = fileno(tmp);
	guest_start(&g, &cfg);
	a[0] = I(1);
	a[1] = L((uint64_t)-2);
	a[2] = I(2); /* WHENCE_END */
	a[3] = I(8);
	EXPECT_EQ(0, call(&g, "fd_seek", a, 4));
	EXPECT_U64(3, rd64(g.mem + 8));
	a[2] = I(3);
	EXPECT_EQ(WM_WASI_EINVAL, call(&g, "fd_seek", a, 4));
	a[0] = I(0);
	a[2] = I(1);
	EXPECT_EQ(WM_WASI_ESPIPE, call(&g, "fd_seek", a, 4));
	a[0] = I(1);
	a[1] = I(64);
	EXPECT_EQ(0, call(&g, "fd_fdstat_get", a, 2));
	EXPECT_EQ(4, g.mem[64]);           /* regular file */
	EXPECT_TRUE(rd64(g.mem + 72) & 4); /* may seek */
	a[0] = I(0);
	EXPECT_EQ(0, call(&g, "fd_fdstat_get", a, 2));
	EXPECT_EQ(0, g.mem[64]); /* a pipe has no WASI file type */
	EXPECT_EQ(0, rd64(g.mem + 72) & 4);
	a[0] = I(0);
	EXPECT_EQ(0, call(&g, "fd_close", a, 1));
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_close", a, 1));
	a[1] = I(64);
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_fdstat_get", a, 2));
	guest_stop(&g);
	close(p[0]); /* fd_close does not close a borrowed host fd */
	close(p[1]);
	fclose(tmp);
}

TEST(wasi_prestat_is_ebadf_without_preopens)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[3];

	wm_wasi_config_init(&cfg);
	guest_start(&g, &cfg);
	a[0] = I(3);
	a[1] = I(0);
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_prestat_get", a, 2));
	a[0] = I(1);
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_prestat_get", a, 2));
	guest_stop(&g);
}

TEST(wasi_preopen_reports_its_guest_name)
{
	wm_wasi_preopen po = { "/", "/sandbox" };
	wm_wasi_config cfg;
	guest g;
	wm_val a[3];

	wm_wasi_config_init(&cfg);
	cfg.preopens = &po;
	cfg.npreopens = 1;
	guest_start(&g, &cfg);
	a[0] = I(3);
	a[1] = I(0);
	EXPECT_EQ(0, call(&g, "fd_prestat_get", a, 2));
	EXPECT_EQ(0, g.mem[0]);
	EXPECT_EQ(8, rd32(g.mem + 4));
	a[1] = I(100);
	a[2] = I(8);
	EXPECT_EQ(0, call(&g, "fd_prestat_dir_name", a, 3));
	EXPECT_EQ(0, memcmp(g.mem + 100, "/sandbox", 8));
	a[2] = I(7);
	EXPECT_EQ(WM_WASI_EINVAL, call(&g, "fd_prestat_dir_name", a, 3));
	a[0] = I(4);
	a[1] = I(0);
	EXPECT_EQ(WM_WASI_EBADF, call(&g, "fd_prestat_get", a, 2));
	guest_stop(&g);
}

TEST(wasi_preopen_of_a_missing_dir_fails)
{
	wm_wasi_preopen po = { "/nonexistent/stratus-test", "/" };
	wm_wasi_config cfg;
	wm_wasi *w = NULL;
	st_err err;

	wm_wasi_config_init(&cfg);
	cfg.preopens = &po;
	cfg.npreopens = 1;
	EXPECT_EQ(ST_EIO, wm_wasi_new(&w, &cfg, &err));
	EXPECT_TRUE(strstr(err.msg, "/nonexistent/stratus-test") != NULL);
}

TEST(wasi_clocks_and_random)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[3];
	uint64_t t0, t1;
	int nonzero = 0;

	wm_wasi_config_init(&cfg);
	guest_start(&g, &cfg);
	a[0] = I(1); /* monotonic */
	a[1] = L(1);
	a[2] = I(8);
	EXPECT_EQ(0, call(&g, "clock_time_get", a, 3));
	t0 = rd64(g.mem + 8);
	EXPECT_EQ(0, call(&g, "clock_time_get", a, 3));
	t1 = rd64(g.mem + 8);
	EXPECT_TRUE(t1 >= t0);
	a[0] = I(0); /* realtime: after 2020-01-01 */
	EXPECT_EQ(0, call(&g, "clock_time_get", a, 3));
	EXPECT_TRUE(rd64(g.mem + 8) > UINT64_C(1577836800) * 1000000000u);
	a[0] = I(9);
	EXPECT_EQ(WM_WASI_EINVAL, call(&g, "clock_time_get", a, 3));
	a[0] = I(100);
	a[1] = I(64);
	EXPECT_EQ(0, call(&g, "random_get", a, 2));
	for (int i = 0; i < 64; i++)
		nonzero += g.mem[100 + i] != 0;
	EXPECT_TRUE(nonzero > 0);
	guest_stop(&g);
}

TEST(wasi_poll_oneoff_clock_subscription_fires)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[4];

	wm_wasi_config_init(&cfg);
	guest_start(&g, &cfg);
	memset(g.mem + 100, 0, 48);
	wr64(g.mem + 100, 0x1234);  /* userdata */
	g.mem[108] = 0;             /* clock */
	wr32(g.mem + 116, 1);       /* monotonic */
	wr64(g.mem + 124, 1000000); /* 1 ms, relative */
	a[0] = I(100);
	a[1] = I(200);
	a[2] = I(1);
	a[3] = I(8);
	EXPECT_EQ(0, call(&g, "poll_oneoff", a, 4));
	EXPECT_EQ(1, rd32(g.mem + 8));
	EXPECT_U64(0x1234, rd64(g.mem + 200));
	EXPECT_EQ(0, g.mem[208]); /* error */
	EXPECT_EQ(0, g.mem[210]); /* type clock */
	a[2] = I(0);
	EXPECT_EQ(WM_WASI_EINVAL, call(&g, "poll_oneoff", a, 4));
	guest_stop(&g);
}

TEST(wasi_unimplemented_functions_are_nosys)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[9];

	wm_wasi_config_init(&cfg);
	guest_start(&g, &cfg);
	for (int i = 0; i < 9; i++)
		a[i] = I(0);
	a[5] = L(0);
	a[6] = L(0);
	EXPECT_EQ(WM_WASI_ENOSYS, call(&g, "path_open", a, 9));
	guest_stop(&g);
}

TEST(wasi_proc_exit_traps_and_records_the_code)
{
	wm_wasi_config cfg;
	guest g;
	wm_val a[1];
	uint32_t code = 0;

	wm_wasi_config_init(&cfg);
	guest_start(&g, &cfg);
	EXPECT_TRUE(!wm_wasi_exit_code(g.w, &code));
	a[0] = I(42);
	EXPECT_EQ(-1000 + ST_ETRAP, call(&g, "proc_exit", a, 1));
	EXPECT_EQ(WM_TRAP_EXIT, g.err.kind);
	EXPECT_TRUE(wm_wasi_exit_code(g.w, &code));
	EXPECT_EQ(42, code);
	guest_stop(&g);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
