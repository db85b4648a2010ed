/*
 * test_host_pool.c - instance pools on worker threads (src/host/pool.h)
 * with the real engine, real threads and the C test actors: concurrent
 * answers, trap replacement, deadlines freeing workers, scaling 1 -> 10 ->
 * 1 under load and live updates mid-load, with every call answered.
 */
#define _GNU_SOURCE /* memmem */
#include "test.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "host/pool.h"
#include "test_host.h"
#include "core/banned.h"

#define WAIT_S 60

/* Completion bookkeeping for a batch of calls. */
typedef struct tally {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
} tally;

typedef struct call {
	tally *t;
	int rc;
	bool ok;
	bool finished;
	uint8_t data[160];
	size_t len;
} call;

static void tally_init(tally *t)
{
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->done = 0;
}

static void on_done(const pool_result *res, void *ud)
{
	call *c = ud;
	tally *t = c->t;

	c->rc = res->rc;
	c->ok = res->ok;
	c->len = res->len < sizeof(c->data) ? res->len : sizeof(c->data);
	if (c->len)
		memcpy(c->data, res->data, c->len);
	pthread_mutex_lock(&t->mu);
	c->finished = true;
	t->done++;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

/* Waits until n calls of t completed; false after WAIT_S seconds. */
static bool tally_wait(tally *t, int n)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&t->mu);
	while (t->done < n && ok)
		ok = pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT || t->done >= n;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

static bool call_finished(call *c)
{
	bool f;

	pthread_mutex_lock(&c->t->mu);
	f = c->finished;
	pthread_mutex_unlock(&c->t->mu);
	return f;
}

typedef bool (*stats_pred)(const pool_stats *s, uint32_t arg);

/* Exactly n instances, all created and idle. */
static bool instances_are(const pool_stats *s, uint32_t n)
{
	return s->instances == n && s->idle == n;
}

static bool instances_at_least(const pool_stats *s, uint32_t n)
{
	return s->instances >= n;
}

static bool busy_is(const pool_stats *s, uint32_t n)
{
	return s->busy == n;
}

/* Polls p's counters until pred holds; false after WAIT_S seconds. */
static bool stats_wait(pool *p, stats_pred pred, uint32_t arg)
{
	struct timespec tick = { 0, 1000000 };
	pool_stats s;

	for (int i = 0; i < WAIT_S * 1000; i++) {
		pool_get_stats(p, &s);
		if (pred(&s, arg))
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

static pool_workers *workers(unsigned n)
{
	pool_workers *w = NULL;

	if (pool_workers_new(&w, n, NULL) != 0)
		abort();
	return w;
}

static pool *new_pool(pool_workers *w, actor *a, uint32_t replicas, uint32_t timeout_ms)
{
	pool_config cfg;
	pool *p = NULL;
	st_err err;

	pool_config_init(&cfg);
	cfg.replicas = replicas;
	cfg.max_queue = 10000;
	cfg.timeout_ms = timeout_ms;
	if (pool_new(&p, w, a, &cfg, &err) != 0) {
		fprintf(stderr, "pool_new: %s\n", err.msg);
		abort();
	}
	return p;
}

static void submit(pool *p, const char *op, const void *msg, size_t len, call *c, tally *t)
{
	st_err err;

	c->t = t;
	if (pool_submit(p, op, strlen(op), msg, len, 0, on_done, c, &err) != 0) {
		fprintf(stderr, "pool_submit: %s\n", err.msg);
		abort();
	}
}

static bool is_echo_answer(const call *c, const st_buf *want)
{
	return c->rc == 0 && c->ok && c->len == want->n && memcmp(c->data, want->p, want->n) == 0;
}

static bool answer_is(const call *c, const char *text)
{
	return c->rc == 0 && c->ok && c->len == strlen(text) && memcmp(c->data, text, c->len) == 0;
}

TEST(pool_answers_concurrent_calls_on_every_worker)
{
	enum {
		N = 400
	};
	pool_workers *w = workers(0);
	actor *a = test_actor_load("echo", NULL);
	pool *p = new_pool(w, a, 4, 10000);
	call *calls = xcalloc(N, sizeof(*calls));
	pool_stats s;
	st_buf want;
	tally t;
	int good = 0;

	EXPECT_TRUE(pool_workers_count(w) >= 1);
	st_buf_init(&want, 1024);
	test_http_response(&want);
	tally_init(&t);
	for (int i = 0; i < N; i++)
		submit(p, "HttpServer.HandleRequest", test_http_request, sizeof(test_http_request),
		       &calls[i], &t);
	EXPECT_TRUE(tally_wait(&t, N));
	for (int i = 0; i < N; i++)
		good += is_echo_answer(&calls[i], &want);
	EXPECT_EQ(N, good);
	EXPECT_TRUE(stats_wait(p, instances_are, 4));
	pool_get_stats(p, &s);
	EXPECT_EQ(N, s.completed);
	EXPECT_EQ(4, s.created);
	EXPECT_EQ(0, s.traps);
	pool_free(p);
	actor_unref(a);
	pool_workers_free(w);
	st_buf_deinit(&want);
	st_free(calls);
}

/* Counts pool events by kind. */
typedef struct events {
	pthread_mutex_t mu;
	int traps, failures;
} events;

static void on_event(const pool_event *ev, void *ud)
{
	events *e = ud;

	pthread_mutex_lock(&e->mu);
	if (ev->kind == POOL_EVENT_TRAP)
		e->traps++;
	else
		e->failures++;
	pthread_mutex_unlock(&e->mu);
}

TEST(trapping_instance_is_replaced_and_the_next_call_succeeds)
{
	static const char prefix[] = ACTOR_TRAP_PREFIX;
	events ev = { PTHREAD_MUTEX_INITIALIZER, 0, 0 };
	pool_workers *w = workers(2);
	actor *a = test_actor_load("trap", NULL);
	pool_config cfg;
	pool *p = NULL;
	call c[3] = { { 0 } };
	pool_stats s;
	tally t;

	tally_init(&t);
	pool_config_init(&cfg);
	cfg.on_event = on_event;
	cfg.event_ud = &ev;
	EXPECT_EQ(0, pool_new(&p, w, a, &cfg, NULL));
	submit(p, "Trap", "", 0, &c[0], &t);
	EXPECT_TRUE(tally_wait(&t, 1));
	EXPECT_EQ(ST_ETRAP, c[0].rc);
	EXPECT_TRUE(!c[0].ok);
	EXPECT_TRUE(c[0].len > sizeof(prefix) - 1 &&
	            memcmp(c[0].data, prefix, sizeof(prefix) - 1) == 0);
	submit(p, "Echo", "again", 5, &c[1], &t);
	submit(p, "Fail", "", 0, &c[2], &t);
	EXPECT_TRUE(tally_wait(&t, 3));
	EXPECT_TRUE(answer_is(&c[1], "again"));
	EXPECT_EQ(0, c[2].rc); /* a guest error is an answer: the instance stays */
	EXPECT_TRUE(!c[2].ok);
	EXPECT_TRUE(stats_wait(p, instances_are, 1));
	pool_get_stats(p, &s);
	EXPECT_EQ(1, s.traps);
	EXPECT_EQ(2, s.created);
	pthread_mutex_lock(&ev.mu);
	EXPECT_EQ(1, ev.traps);
	pthread_mutex_unlock(&ev.mu);
	pool_free(p);
	actor_unref(a);
	pool_workers_free(w);
}

TEST(runaway_call_is_cut_by_its_deadline_while_other_actors_answer)
{
	enum {
		N = 50
	};
	pool_workers *w = workers(2);
	actor *looper = test_actor_load("loop", NULL);
	actor *echo = test_actor_load("echo", NULL);
	pool *lp = new_pool(w, looper, 1, 3000);
	pool *ep = new_pool(w, echo, 1, 10000);
	call loop_call = { 0 }, after = { 0 };
	call *calls = xcalloc(N, sizeof(*calls));
	tally lt, et;
	st_buf want;
	int good = 0;

	st_buf_init(&want, 1024);
	test_http_response(&want);
	tally_init(&lt);
	tally_init(&et);
	submit(lp, "Loop", "", 0, &loop_call, &lt);
	EXPECT_TRUE(stats_wait(lp, busy_is, 1));
	for (int i = 0; i < N; i++)
		submit(ep, "HttpServer.HandleRequest", test_http_request, sizeof(test_http_request),
		       &calls[i], &et);
	EXPECT_TRUE(tally_wait(&et, N));
	for (int i = 0; i < N; i++)
		good += is_echo_answer(&calls[i], &want);
	EXPECT_EQ(N, good);
	/* The echo calls were served by the other worker while the loop still ran. */
	EXPECT_TRUE(!call_finished(&loop_call));
	EXPECT_TRUE(tally_wait(&lt, 1));
	EXPECT_EQ(ST_ETRAP, loop_call.rc);
	EXPECT_TRUE(!loop_call.ok);
	EXPECT_TRUE(memmem(loop_call.data, loop_call.len, "deadline exceeded", 17) != NULL);
	/* The looping actor got a fresh instance. */
	submit(lp, "Echo", "ok", 2, &after, &lt);
	EXPECT_TRUE(tally_wait(&lt, 2));
	EXPECT_TRUE(answer_is(&after, "ok"));
	pool_free(lp);
	pool_free(ep);
	actor_unref(looper);
	actor_unref(echo);
	pool_workers_free(w);
	st_buf_deinit(&want);
	st_free(calls);
}

TEST(deadline_gives_the_only_worker_back)
{
	enum {
		N = 20
	};
	pool_workers *w = workers(1);
	actor *looper = test_actor_load("loop", NULL);
	actor *echo = test_actor_load("echo", NULL);
	pool *lp = new_pool(w, looper, 1, 200);
	pool *ep = new_pool(w, echo, 1, 10000);
	call loop_call = { 0 };
	call *calls = xcalloc(N, sizeof(*calls));
	tally lt, et;
	st_buf want;
	int good = 0;

	st_buf_init(&want, 1024);
	test_http_response(&want);
	tally_init(&lt);
	tally_init(&et);
	submit(lp, "Loop", "", 0, &loop_call, &lt);
	EXPECT_TRUE(stats_wait(lp, busy_is, 1));
	for (int i = 0; i < N; i++)
		submit(ep, "HttpServer.HandleRequest", test_http_request, sizeof(test_http_request),
		       &calls[i], &et);
	/* One worker: the echo calls can only run once the deadline frees it. */
	EXPECT_TRUE(tally_wait(&et, N));
	EXPECT_TRUE(call_finished(&loop_call));
	EXPECT_EQ(ST_ETRAP, loop_call.rc);
	for (int i = 0; i < N; i++)
		good += is_echo_answer(&calls[i], &want);
	EXPECT_EQ(N, good);
	pool_free(lp);
	pool_free(ep);
	actor_unref(looper);
	actor_unref(echo);
	pool_workers_free(w);
	st_buf_deinit(&want);
	st_free(calls);
}

TEST(scaling_1_10_1_under_load_answers_every_call)
{
	enum {
		N = 3000
	};
	pool_workers *w = workers(4);
	actor *a = test_actor_load("echo", NULL);
	pool *p = new_pool(w, a, 1, 10000);
	call *calls = xcalloc(N, sizeof(*calls));
	pool_stats s;
	st_buf want;
	tally t;
	int good = 0;

	st_buf_init(&want, 1024);
	test_http_response(&want);
	tally_init(&t);
	for (int i = 0; i < N; i++) {
		if (i == 500)
			EXPECT_EQ(0, pool_scale(p, 10, NULL));
		if (i == 1000) {
			/* The workers create the new instances while calls keep coming. */
			EXPECT_TRUE(stats_wait(p, instances_at_least, 10));
			pool_get_stats(p, &s);
			EXPECT_EQ(10, s.replicas);
		}
		if (i == 2000)
			EXPECT_EQ(0, pool_scale(p, 1, NULL));
		submit(p, "HttpServer.HandleRequest", test_http_request, sizeof(test_http_request),
		       &calls[i], &t);
	}
	EXPECT_TRUE(tally_wait(&t, N));
	for (int i = 0; i < N; i++)
		good += is_echo_answer(&calls[i], &want);
	EXPECT_EQ(N, good);
	EXPECT_TRUE(stats_wait(p, instances_are, 1));
	pool_get_stats(p, &s);
	EXPECT_EQ(N, s.completed);
	EXPECT_EQ(0, s.traps);
	EXPECT_TRUE(s.created >= 10);
	EXPECT_EQ(s.created - 1, s.retired);

	/* Scaling up with no load creates the instances eagerly. */
	EXPECT_EQ(0, pool_scale(p, 10, NULL));
	EXPECT_TRUE(stats_wait(p, instances_are, 10));
	EXPECT_EQ(0, pool_scale(p, 1, NULL));
	EXPECT_TRUE(stats_wait(p, instances_are, 1));
	EXPECT_EQ(ST_EINVAL, pool_scale(p, 0, NULL));
	pool_free(p);
	actor_unref(a);
	pool_workers_free(w);
	st_buf_deinit(&want);
	st_free(calls);
}

static const uint8_t spin_20k[4] = { 0x20, 0x4e, 0, 0 };

TEST(live_update_mid_load_fails_no_call)
{
	enum {
		N = 1500,
		AT = 500
	};
	pool_workers *w = workers(4);
	actor *v1 = test_actor_load("version1", NULL);
	actor *v2 = test_actor_load("version2", NULL);
	pool *p = new_pool(w, v1, 3, 10000);
	call *calls = xcalloc(N, sizeof(*calls));
	int ones = 0, twos = 0, late_twos = 0;
	pool_stats s;
	actor *cur;
	tally t;

	tally_init(&t);
	for (int i = 0; i < N; i++) {
		if (i == AT)
			EXPECT_EQ(0, pool_update(p, v2, NULL));
		submit(p, "Version", spin_20k, 4, &calls[i], &t);
	}
	EXPECT_TRUE(tally_wait(&t, N));
	for (int i = 0; i < N; i++) {
		ones += answer_is(&calls[i], "1");
		twos += answer_is(&calls[i], "2");
		if (i >= AT)
			late_twos += answer_is(&calls[i], "2");
	}
	EXPECT_EQ(N, ones + twos);
	EXPECT_EQ(N - AT, late_twos); /* submitted after the update: new instances only */
	EXPECT_TRUE(stats_wait(p, instances_are, 3));
	pool_get_stats(p, &s);
	EXPECT_EQ(1, s.generation);
	EXPECT_EQ(0, s.traps);
	cur = pool_actor(p);
	EXPECT_TRUE(cur == v2);
	actor_unref(cur);
	pool_free(p);
	actor_unref(v1);
	actor_unref(v2);
	pool_workers_free(w);
	st_free(calls);
}

TEST(live_update_lets_the_running_call_finish_on_the_old_module)
{
	static const uint8_t spin_long[4] = { 0x00, 0x00, 0x00, 0x02 }; /* 32M iterations */
	pool_workers *w = workers(2);
	actor *v1 = test_actor_load("version1", NULL);
	actor *v2 = test_actor_load("version2", NULL);
	pool *p = new_pool(w, v1, 1, 60000);
	call c[2] = { { 0 } };
	pool_stats s;
	tally t;

	tally_init(&t);
	submit(p, "Version", spin_long, 4, &c[0], &t);
	EXPECT_TRUE(stats_wait(p, busy_is, 1));
	EXPECT_EQ(0, pool_update(p, v2, NULL));
	submit(p, "Version", "", 0, &c[1], &t);
	EXPECT_TRUE(tally_wait(&t, 2));
	EXPECT_TRUE(answer_is(&c[0], "1"));
	EXPECT_TRUE(answer_is(&c[1], "2"));
	EXPECT_TRUE(stats_wait(p, instances_are, 1));
	pool_get_stats(p, &s);
	EXPECT_EQ(1, s.retired);
	pool_free(p);
	actor_unref(v1);
	actor_unref(v2);
	pool_workers_free(w);
}

TEST(failed_update_keeps_the_running_actor)
{
	pool_workers *w = workers(2);
	actor *v1 = test_actor_load("version1", NULL);
	actor_config small;
	actor *v2;
	pool *p = new_pool(w, v1, 2, 10000);
	call c = { 0 };
	st_err err;
	tally t;

	actor_config_init(&small);
	small.max_pages = 1; /* below the module's initial memory */
	v2 = test_actor_load("version2", &small);
	EXPECT_EQ(ST_ETOOBIG, pool_update(p, v2, &err));
	tally_init(&t);
	submit(p, "Version", "", 0, &c, &t);
	EXPECT_TRUE(tally_wait(&t, 1));
	EXPECT_TRUE(answer_is(&c, "1"));
	/* The same check refuses a new pool. */
	{
		pool *bad = NULL;

		EXPECT_EQ(ST_ETOOBIG, pool_new(&bad, w, v2, NULL, &err));
		EXPECT_TRUE(bad == NULL);
	}
	pool_free(p);
	actor_unref(v1);
	actor_unref(v2);
	pool_workers_free(w);
}

TEST(full_queue_refuses_and_stopping_answers_queued_calls)
{
	pool_workers *w = workers(1);
	actor *a = test_actor_load("loop", NULL);
	pool_config cfg;
	pool *p = NULL;
	call c[3] = { { 0 } };
	st_err err;
	tally t;

	pool_config_init(&cfg);
	cfg.max_queue = 2;
	cfg.timeout_ms = 300;
	EXPECT_EQ(0, pool_new(&p, w, a, &cfg, NULL));
	tally_init(&t);
	submit(p, "Loop", "", 0, &c[0], &t);
	EXPECT_TRUE(stats_wait(p, busy_is, 1));
	submit(p, "Echo", "a", 1, &c[1], &t);
	submit(p, "Echo", "b", 1, &c[2], &t);
	EXPECT_EQ(ST_ETOOBIG, pool_submit(p, "Echo", 4, NULL, 0, 0, on_done, &c[0], &err));
	/* The only instance is busy looping: the two queued calls are still queued. */
	pool_free(p);
	EXPECT_EQ(3, t.done);
	EXPECT_EQ(ST_ETRAP, c[0].rc);
	EXPECT_EQ(ST_ESTATE, c[1].rc);
	EXPECT_EQ(ST_ESTATE, c[2].rc);
	EXPECT_TRUE(c[1].len == 17 && memcmp(c[1].data, "Actor is stopping", 17) == 0);
	actor_unref(a);
	pool_workers_free(w);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
