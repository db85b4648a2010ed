/*
 * hostbench.c - host benchmarks for issue 4 (bench/host/README.md):
 *   hostbench local FILE.wasm [iters] [pool_calls] [scales]
 *     signs FILE in-process, then times (a) one instance's invoke latency,
 *     (b) pool throughput and submit-to-callback latency, (c) adding one
 *     instance when scaling, plus raw actor_instance_new / wm_instance_new;
 *   hostbench nats PORT ACTOR_ID [seq_calls] [threads] [conc_calls]
 *     times (d) signed invocations over NATS (cluster seed from
 *     $WASMCLOUD_CLUSTER_SEED) against a running `stratus up`.
 * Every call sends the HttpServer.HandleRequest of actor-abi.md §12 and the
 * reply is checked. Prints "key value" lines that run.sh parses.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_mp.h"
#include "codec/msgpack.h"
#include "core/buf.h"
#include "core/mem.h"
#include "host/actor.h"
#include "host/pool.h"
#include "lattice/invocation.h"
#include "lattice/nats.h"
#include "security/claims.h"
#include "security/nkey.h"
#include "wasm/wm.h"

#include "core/banned.h"

#define OP "HttpServer.HandleRequest"
#define REQ_JSON                                                                                            \
	"{\"method\":\"GET\",\"path\":\"/foo/bar\",\"queryString\":\"\",\"header\":{\"accept\":[\"*/*\"]}," \
	"\"body\":\"hello\"}"
#define CALL_TIMEOUT_MS 10000

static mp_writer g_req; /* the msgpack request */

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

/* Sorts v (n > 0 ns samples) and prints p50, p99, mean and min in µs. */
static void report(const char *what, uint64_t *v, size_t n)
{
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	printf("%s_n %zu\n", what, n);
	printf("%s_p50_us %.2f\n", what, (double)v[n / 2] / 1e3);
	printf("%s_p99_us %.2f\n", what, (double)v[n * 99 / 100] / 1e3);
	printf("%s_mean_us %.2f\n", what, sum / (double)n / 1e3);
	printf("%s_min_us %.2f\n", what, (double)v[0] / 1e3);
}

static void die(const char *what, int rc, const st_err *err)
{
	fprintf(stderr, "hostbench: %s: %s (%d)\n", what, err && err->msg[0] ? err->msg : "", rc);
	exit(1);
}

static uint64_t *samples(size_t n)
{
	uint64_t *t = calloc(n ? n : 1, sizeof(*t));

	if (t == NULL) {
		fprintf(stderr, "hostbench: out of memory\n");
		exit(1);
	}
	return t;
}

/* ------------------------------------------------------------ in-process */

/* Signs wasm in-process with fresh account and module keys. */
static void sign_module(const st_buf *wasm, st_buf *out)
{
	nkey account, module;
	claims c;
	st_err err;
	int rc;

	st_err_clear(&err);
	claims_init(&c);
	claims_set_str(&c.name, "hostbench-echo");
	rc = nkey_generate(&account, NKEY_ACCOUNT, &err);
	if (rc == 0)
		rc = nkey_generate(&module, NKEY_MODULE, &err);
	if (rc == 0)
		rc = claims_module_sign(wasm->p, wasm->n, &c, &account, &module, out, &err);
	if (rc < 0)
		die("signing the module", rc, &err);
	claims_deinit(&c);
	nkey_wipe(&account);
	nkey_wipe(&module);
}

/* (a) one instance, one thread: invoke latency and rate. */
static void bench_single(actor *a, size_t iters)
{
	actor_instance *ai = NULL;
	actor_reply r;
	wm_exec *x = NULL;
	uint64_t *t = samples(iters), t0, t1;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_exec_new(&x, 0, 0, &err);
	if (rc == 0)
		rc = actor_instance_new(&ai, a, x, &err);
	if (rc < 0)
		die("instance", rc, &err);
	for (size_t i = 0; i < 1000; i++) { /* warm-up and reply check */
		rc = actor_instance_invoke(ai, x, OP, strlen(OP), g_req.p, g_req.n,
		                           actor_now_ns() + (uint64_t)CALL_TIMEOUT_MS * 1000000u,
		                           &r, &err);
		if (rc < 0 || !r.ok)
			die("invoke", rc, &err);
	}
	printf("reply_bytes %zu\n", r.len);
	t0 = now_ns();
	for (size_t i = 0; i < iters; i++) {
		uint64_t s = now_ns();

		rc = actor_instance_invoke(ai, x, OP, strlen(OP), g_req.p, g_req.n,
		                           s + (uint64_t)CALL_TIMEOUT_MS * 1000000u, &r, &err);
		t[i] = now_ns() - s;
		if (rc < 0 || !r.ok)
			die("invoke", rc, &err);
	}
	t1 = now_ns();
	printf("single_calls_per_s %.0f\n", (double)iters * 1e9 / (double)(t1 - t0));
	report("single", t, iters);
	actor_instance_free(ai);
	wm_exec_free(x);
	free(t);
}

/* Completion state shared with the pool's callbacks. */
typedef struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_size_t done;
	atomic_size_t failed;
	size_t target;
} waiter;

static void on_done(const pool_result *res, void *ud)
{
	waiter *w = ud;
	size_t d;

	if (res->rc != 0 || !res->ok)
		atomic_fetch_add(&w->failed, 1);
	d = atomic_fetch_add(&w->done, 1) + 1;
	if (d == w->target) {
		pthread_mutex_lock(&w->mu);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

static void waiter_wait(waiter *w)
{
	pthread_mutex_lock(&w->mu);
	while (atomic_load(&w->done) < w->target)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

static void submit(pool *p, waiter *w)
{
	st_err err;
	int rc;

	for (;;) {
		st_err_clear(&err);
		rc = pool_submit(p, OP, strlen(OP), g_req.p, g_req.n, 0, on_done, w, &err);
		if (rc == 0)
			return;
		if (rc != ST_ETOOBIG)
			die("pool_submit", rc, &err);
		/* Queue full: sleep briefly rather than spin, so the workers keep the cores. */
		nanosleep(&(struct timespec){ 0, 20000 }, NULL);
	}
}

/* (b) a pool of `replicas` instances on every worker: throughput and round trips. */
static void bench_pool(pool_workers *wk, actor *a, uint32_t replicas, size_t calls)
{
	pool_config cfg;
	pool *p = NULL;
	waiter w;
	uint64_t *t = samples(calls / 10), t0, t1;
	size_t seq = calls / 10;
	st_err err;
	int rc;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	pool_config_init(&cfg);
	cfg.replicas = replicas;
	st_err_clear(&err);
	rc = pool_new(&p, wk, a, &cfg, &err);
	if (rc < 0)
		die("pool_new", rc, &err);
	for (;;) { /* wait until every replica exists */
		pool_stats s;

		pool_get_stats(p, &s);
		if (s.idle == replicas)
			break;
		sched_yield();
	}
	/* Sequential submit -> callback round trips (worker hand-off included). */
	for (size_t i = 0; i < seq; i++) {
		uint64_t s = now_ns();

		w.target = i + 1;
		submit(p, &w);
		waiter_wait(&w);
		t[i] = now_ns() - s;
	}
	report("pool_rt", t, seq);
	/* Throughput: keep the queue full. */
	atomic_store(&w.done, 0);
	w.target = calls;
	t0 = now_ns();
	for (size_t i = 0; i < calls; i++)
		submit(p, &w);
	waiter_wait(&w);
	t1 = now_ns();
	if (atomic_load(&w.failed) != 0) {
		fprintf(stderr, "hostbench: %zu pool calls failed\n", atomic_load(&w.failed));
		exit(1);
	}
	printf("pool_replicas %u\n", replicas);
	printf("pool_calls %zu\n", calls);
	printf("pool_calls_per_s %.0f\n", (double)calls * 1e9 / (double)(t1 - t0));
	pool_free(p);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	free(t);
}

/* (c) pool_scale(k -> k+1) until the new instance is idle, k = 1..scales. */
static void bench_scale(pool_workers *wk, actor *a, size_t scales)
{
	pool_config cfg;
	pool *p = NULL;
	uint64_t *t = samples(scales);
	st_err err;
	int rc;

	pool_config_init(&cfg);
	st_err_clear(&err);
	rc = pool_new(&p, wk, a, &cfg, &err);
	if (rc < 0)
		die("pool_new", rc, &err);
	for (size_t k = 1; k <= scales; k++) {
		uint64_t s = now_ns();
		pool_stats st;

		rc = pool_scale(p, (uint32_t)(k + 1), &err);
		if (rc < 0)
			die("pool_scale", rc, &err);
		do
			pool_get_stats(p, &st);
		while (st.idle != k + 1 && st.create_failures == 0);
		t[k - 1] = now_ns() - s;
		if (st.create_failures != 0)
			die("instance creation failed while scaling", ST_EIO, NULL);
	}
	report("scale_add", t, scales);
	pool_free(p);
	free(t);
}

/* Raw actor_instance_new (+ free) on the calling thread. */
static void bench_instance(actor *a, size_t n)
{
	uint64_t *t = samples(n);
	wm_exec *x = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_exec_new(&x, 0, 0, &err);
	if (rc < 0)
		die("wm_exec_new", rc, &err);
	for (size_t i = 0; i < n; i++) {
		actor_instance *ai = NULL;
		uint64_t s = now_ns();

		rc = actor_instance_new(&ai, a, x, &err);
		t[i] = now_ns() - s;
		if (rc < 0)
			die("actor_instance_new", rc, &err);
		actor_instance_free(ai);
	}
	report("actor_instance_new", t, n);
	wm_exec_free(x);
	free(t);
}

static int stand_in(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	(void)caller;
	(void)args;
	(void)results;
	(void)ud;
	return wm_trap_set(x, WM_TRAP_HOST, "hostbench stand-in import called");
}

/* Raw wm_instance_new of the module with trapping stand-in imports (no ABI init). */
static void bench_wm_instance(const st_buf *wasm, size_t n)
{
	uint64_t *t = samples(n);
	wm_module *m = NULL;
	wm_extern *ext = NULL;
	wm_exec *x = NULL;
	size_t ni;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = wm_module_new(&m, wasm->p, wasm->n, &err);
	if (rc == 0)
		rc = wm_exec_new(&x, 0, 0, &err);
	if (rc < 0)
		die("module", rc, &err);
	ni = wm_module_import_count(m);
	ext = calloc(ni ? ni : 1, sizeof(*ext));
	if (ext == NULL)
		die("out of memory", ST_ENOMEM, NULL);
	for (size_t i = 0; i < ni; i++) {
		wm_import_desc d;

		wm_module_import(m, i, &d);
		if (d.kind != WM_EXTERN_FUNC) { /* echo actors import functions only */
			printf("wm_instance_new_skipped non-function import\n");
			goto out;
		}
		ext[i].kind = d.kind;
		ext[i].of.func = wm_func_new_host(d.func, stand_in, NULL);
		if (ext[i].of.func == NULL)
			die("out of memory", ST_ENOMEM, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		wm_instance *inst = NULL;
		uint64_t s = now_ns();

		rc = wm_instance_new(&inst, m, x, NULL, NULL, ext, ni, &err);
		t[i] = now_ns() - s;
		if (rc < 0)
			die("wm_instance_new", rc, &err);
		wm_instance_unref(inst);
	}
	report("wm_instance_new", t, n);
out:
	for (size_t i = 0; i < ni; i++)
		if (ext[i].of.func)
			wm_func_unref(ext[i].of.func);
	free(ext);
	wm_exec_free(x);
	wm_module_unref(m);
	free(t);
}

static int run_local(int argc, char **argv)
{
	size_t iters = 200000, calls = 200000, scales = 100;
	st_buf raw, signed_mod;
	pool_workers *wk = NULL;
	actor *a = NULL;
	st_err err;
	int rc;

	if (argc > 3)
		iters = strtoul(argv[3], NULL, 10);
	if (argc > 4)
		calls = strtoul(argv[4], NULL, 10);
	if (argc > 5)
		scales = strtoul(argv[5], NULL, 10);
	if (iters == 0 || calls < 10 || scales == 0) {
		fprintf(stderr, "hostbench: counts must be positive (pool_calls >= 10)\n");
		return 2;
	}
	st_buf_init(&raw, (size_t)256 << 20);
	st_buf_init(&signed_mod, (size_t)256 << 20);
	st_err_clear(&err);
	rc = st_file_read(argv[2], (size_t)256 << 20, &raw, &err);
	if (rc < 0)
		die(argv[2], rc, &err);
	sign_module(&raw, &signed_mod);
	printf("module_bytes %zu\n", raw.n);
	rc = actor_new(&a, signed_mod.p, signed_mod.n, NULL, &err);
	if (rc < 0)
		die("actor_new", rc, &err);

	bench_single(a, iters);
	bench_instance(a, 1000);
	bench_wm_instance(&signed_mod, 1000);

	rc = pool_workers_new(&wk, 0, &err);
	if (rc < 0)
		die("pool_workers_new", rc, &err);
	printf("workers %u\n", pool_workers_count(wk));
	bench_pool(wk, a, pool_workers_count(wk), calls);
	bench_scale(wk, a, scales);
	pool_workers_free(wk);
	actor_unref(a);
	st_buf_deinit(&raw);
	st_buf_deinit(&signed_mod);
	return 0;
}

/* ------------------------------------------------------------------ NATS */

typedef struct nats_ctx {
	lat_conn *conn;
	const char *subject, *actor;
	nkey cluster;
	atomic_size_t next; /* concurrent: calls handed out */
	size_t total;
	uint64_t sign_ns; /* sequential: summed client-side build + sign time */
} nats_ctx;

/* Builds, signs and encodes one invocation into env (reset first). */
static void build_inv(nats_ctx *c, mp_writer *env)
{
	char id[INV_ID_LEN + 1];
	inv_invocation inv;
	st_err err;
	int rc;

	st_err_clear(&err);
	env->n = 0;
	inv_invocation_init(&inv);
	inv_id_generate(id);
	inv.origin.public_key = "__WASH__";
	inv.origin.link_name = "";
	inv.origin.contract_id = "";
	inv.target.public_key = c->actor;
	inv.target.link_name = "";
	inv.target.contract_id = "";
	inv.operation = OP;
	inv.msg = st_slice_make(g_req.p, g_req.n);
	inv.id = id;
	inv.host_id = "NwashHostCallerId000000000000000000000000000000000000000";
	inv.has_content_length = true;
	inv.content_length = g_req.n;
	rc = inv_invocation_sign(&inv, &c->cluster, &err);
	if (rc == 0)
		rc = inv_invocation_encode(&inv, env, &err);
	if (rc < 0)
		die("building the invocation", rc, &err);
	inv_invocation_deinit(&inv);
}

/* Sends env and checks the InvocationResponse. */
static void request(nats_ctx *c, const mp_writer *env)
{
	lat_msg *reply = NULL;
	inv_response resp;
	st_slice d;
	st_err err;
	int rc;

	st_err_clear(&err);
	inv_response_init(&resp);
	rc = lat_conn_request(c->conn, c->subject, NULL, 0, env->p, env->n, CALL_TIMEOUT_MS, &reply,
	                      &err);
	if (rc < 0)
		die("request", rc, &err);
	d = lat_msg_data(reply);
	rc = inv_response_decode(&resp, d.p, d.n, &err);
	if (rc < 0)
		die("response", rc, &err);
	if (resp.error) {
		fprintf(stderr, "hostbench: the call failed: %s\n", resp.error);
		exit(1);
	}
	if (resp.msg.n == 0) {
		fprintf(stderr, "hostbench: empty reply\n");
		exit(1);
	}
	inv_response_deinit(&resp);
	lat_msg_free(reply);
}

static void *nats_worker(void *arg)
{
	nats_ctx *c = arg;
	mp_writer env;

	mp_writer_init_default(&env, (size_t)1 << 20);
	while (atomic_fetch_add(&c->next, 1) < c->total) {
		build_inv(c, &env);
		request(c, &env);
	}
	mp_writer_deinit(&env);
	return NULL;
}

static int run_nats(int argc, char **argv)
{
	size_t seq = 2000, threads = 8, conc = 4000;
	const char *seed = getenv("WASMCLOUD_CLUSTER_SEED");
	pthread_t tid[64];
	lat_conn_opts o;
	nats_ctx c;
	mp_writer env;
	inv_entity target = { NULL, "", "" };
	uint64_t *t, t0, t1;
	st_err err;
	int rc;

	if (argc < 4 || !seed) {
		fprintf(stderr,
		        "hostbench nats: PORT ACTOR_ID needed and WASMCLOUD_CLUSTER_SEED set\n");
		return 2;
	}
	if (argc > 4)
		seq = strtoul(argv[4], NULL, 10);
	if (argc > 5)
		threads = strtoul(argv[5], NULL, 10);
	if (argc > 6)
		conc = strtoul(argv[6], NULL, 10);
	if (seq == 0 || threads == 0 || threads > 64 || conc == 0) {
		fprintf(stderr, "hostbench nats: bad counts (threads 1..64)\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	st_err_clear(&err);
	rc = nkey_from_seed_text(&c.cluster, seed, strlen(seed), &err);
	if (rc == 0)
		rc = nkey_check_type(&c.cluster, NKEY_CLUSTER, "cluster seed", &err);
	if (rc < 0)
		die("cluster seed", rc, &err);
	lat_conn_opts_init(&o);
	o.port = (uint16_t)strtoul(argv[2], NULL, 10);
	o.name = "hostbench";
	rc = lat_conn_connect(&o, &c.conn, &err);
	if (rc < 0)
		die("connect", rc, &err);
	c.actor = argv[3];
	target.public_key = c.actor;
	c.subject = inv_entity_subject(&target, "default");
	mp_writer_init_default(&env, (size_t)1 << 20);
	for (size_t i = 0; i < 50; i++) { /* warm-up */
		build_inv(&c, &env);
		request(&c, &env);
	}
	t = samples(seq);
	for (size_t i = 0; i < seq; i++) {
		uint64_t s = now_ns();

		build_inv(&c, &env);
		c.sign_ns += now_ns() - s;
		s = now_ns();
		request(&c, &env);
		t[i] = now_ns() - s;
	}
	report("nats_seq", t, seq);
	printf("nats_client_sign_mean_us %.2f\n", (double)c.sign_ns / (double)seq / 1e3);
	free(t);
	mp_writer_deinit(&env);

	c.total = conc;
	t0 = now_ns();
	for (size_t i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, nats_worker, &c) != 0)
			die("pthread_create", ST_EIO, NULL);
	for (size_t i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	t1 = now_ns();
	printf("nats_conc_threads %zu\n", threads);
	printf("nats_conc_calls %zu\n", conc);
	printf("nats_conc_calls_per_s %.0f\n", (double)conc * 1e9 / (double)(t1 - t0));
	st_free((void *)c.subject);
	lat_conn_free(c.conn);
	nkey_wipe(&c.cluster);
	return 0;
}

int main(int argc, char **argv)
{
	st_err err;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "local") != 0 && strcmp(argv[1], "nats") != 0)) {
		fprintf(stderr,
		        "usage: hostbench local FILE.wasm [iters] [pool_calls] [scales]\n"
		        "       hostbench nats PORT ACTOR_ID [seq_calls] [threads] [conc_calls]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mp_writer_init_default(&g_req, (size_t)1 << 20);
	st_err_clear(&err);
	rc = json_mp_from_text(REQ_JSON, strlen(REQ_JSON), &g_req, &err);
	if (rc < 0)
		die("request JSON", rc, &err);
	rc = strcmp(argv[1], "local") == 0 ? run_local(argc, argv) : run_nats(argc, argv);
	mp_writer_deinit(&g_req);
	return rc;
}
