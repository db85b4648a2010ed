/*
 * pool.c - instance pools and the shared worker threads (see pool.h).
 *
 * One mutex, pool_workers.mu, guards every pool's bookkeeping and the ready
 * list; it is never held while guest code, a callback or a free runs. A
 * pool is on the ready list when it may have work: a queued invocation and
 * an idle instance, or an instance to create. A worker pops the head, takes
 * one unit of work, puts the pool back at the tail if it has more (so pools
 * are served round-robin), and runs the work unlocked with its own wm_exec.
 * Instances are tagged with the generation of the actor they were made
 * from; when a call ends, an instance of an old generation, or one beyond
 * the replica count, is freed instead of going back to the idle list.
 */
#include "host/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/banned.h"

#define DEFAULT_MAX_QUEUE 1024u
#define DEFAULT_TIMEOUT_MS 10000u

static const char stopping_text[] = "Actor is stopping";

/* One queued invocation; op and msg follow the struct. Owned by the queue, then a worker. */
typedef struct job {
	struct job *next;
	pool_check_cb check; /* NULL: none */
	pool_done_cb cb;
	void *ud;
	uint32_t timeout_ms;
	size_t op_len;
	size_t len;
	uint8_t data[]; /* op, then msg */
} job;

/* One instance and the generation of the actor it was made from. */
typedef struct slot {
	struct slot *next;
	actor_instance *ai;
	uint64_t gen;
} slot;

/* Every field is guarded by workers->mu unless marked otherwise. */
struct pool {
	pool_workers *w; /* immutable */
	actor *cur;      /* the actor new instances are made from; one reference */
	uint64_t gen;    /* generation of cur */
	uint32_t target; /* replica count */
	size_t max_queue;
	uint32_t timeout_ms;
	pool_event_cb on_event; /* immutable */
	void *event_ud;         /* immutable */

	slot *idle; /* idle instances, most recently used first */
	uint32_t nidle, nbusy, ncreating;
	uint32_t nstale;    /* busy or being created, from an older generation (retire when done) */
	job *qhead, *qtail; /* FIFO of waiting invocations */
	size_t nqueued;
	bool stopping;
	bool broken; /* the last creation failed: create only on demand */

	bool on_ready; /* linked on workers->ready */
	pool *ready_next;

	uint64_t completed, created, traps, retired, create_failures;
};

typedef struct worker {
	pool_workers *w;
	pthread_t thread;
	wm_exec *x; /* used by this worker's thread only */
	bool started;
} worker;

struct pool_workers {
	pthread_mutex_t mu;
	pthread_cond_t work;           /* signalled when a pool joins the ready list, or on stop */
	pthread_cond_t done;           /* broadcast when a pool's busy or creating count drops */
	pool *ready_head, *ready_tail; /* guarded by mu */
	bool stop;                     /* guarded by mu */
	unsigned npools;               /* guarded by mu */
	unsigned nworkers;             /* immutable */
	worker *workers;               /* immutable array */
};

void pool_config_init(pool_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->replicas = 1;
	cfg->max_queue = DEFAULT_MAX_QUEUE;
	cfg->timeout_ms = DEFAULT_TIMEOUT_MS;
}

/* ----------------------------------------------------------------------- */
/* Bookkeeping (caller holds w->mu) */

static uint32_t live(const pool *p)
{
	return p->nidle + p->nbusy + p->ncreating;
}

/* Live instances of the current generation: what the replica count is compared with. */
static uint32_t current(const pool *p)
{
	return live(p) - p->nstale;
}

static bool want_create(const pool *p)
{
	if (p->stopping || current(p) >= p->target)
		return false;
	/* After a failure, only a waiting invocation justifies another attempt. */
	return !p->broken || p->nqueued > p->ncreating;
}

static bool has_work(const pool *p)
{
	return !p->stopping && ((p->qhead && p->idle) || want_create(p));
}

/* Puts p on the ready list when it has work and is not there yet. */
static void mark_ready(pool *p)
{
	pool_workers *w = p->w;

	if (p->on_ready || !has_work(p))
		return;
	p->on_ready = true;
	p->ready_next = NULL;
	if (w->ready_tail)
		w->ready_tail->ready_next = p;
	else
		w->ready_head = p;
	w->ready_tail = p;
	pthread_cond_signal(&w->work);
}

static pool *pop_ready(pool_workers *w)
{
	pool *p = w->ready_head;

	if (p) {
		w->ready_head = p->ready_next;
		if (!w->ready_head)
			w->ready_tail = NULL;
		p->on_ready = false;
		p->ready_next = NULL;
	}
	return p;
}

static void unlink_ready(pool *p)
{
	pool_workers *w = p->w;
	pool **pp = &w->ready_head, *prev = NULL;

	if (!p->on_ready)
		return;
	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->ready_next;
	}
	if (*pp) {
		*pp = p->ready_next;
		if (w->ready_tail == p)
			w->ready_tail = prev;
	}
	p->on_ready = false;
	p->ready_next = NULL;
}

/* Moves idle instances beyond the replica count, or of an old generation, to *out. */
static void shed_idle(pool *p, slot **out)
{
	slot **sp = &p->idle;

	while (*sp) {
		slot *s = *sp;

		if (s->gen != p->gen || current(p) > p->target) {
			*sp = s->next;
			p->nidle--;
			p->retired++;
			s->next = *out;
			*out = s;
		} else {
			sp = &s->next;
		}
	}
}

/* ----------------------------------------------------------------------- */
/* Unlocked helpers */

static void free_slots(slot *s)
{
	while (s) {
		slot *next = s->next;

		actor_instance_free(s->ai);
		st_free(s);
		s = next;
	}
}

static void complete(job *j, int rc, bool ok, const void *data, size_t len)
{
	pool_result res = { rc, ok, data, len };

	j->cb(&res, j->ud);
}

static void report(pool_event_cb cb, void *ud, pool_event_kind kind, const actor *a,
                   const char *msg)
{
	pool_event ev = { kind, actor_id(a), msg };

	st_log(ST_LOG_WARN, "actor %s: %s: %s", actor_id(a),
	       kind == POOL_EVENT_TRAP ? "instance trapped and was replaced" :
	                                 "cannot create an instance",
	       msg);
	if (cb)
		cb(&ev, ud);
}

/* ----------------------------------------------------------------------- */
/* Workers */

/* Creates one instance for p (counted in ncreating by the caller). Called unlocked. */
static void do_create(worker *wk, pool *p, actor *a, uint64_t gen)
{
	pool_workers *w = wk->w;
	actor_instance *ai = NULL;
	slot *s = NULL, *drop = NULL;
	job *failed = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = actor_instance_new(&ai, a, wk->x, &err);
	if (rc == 0) {
		s = xcalloc(1, sizeof(*s));
		s->ai = ai;
		s->gen = gen;
	}

	if (rc < 0)
		report(p->on_event, p->event_ud, POOL_EVENT_CREATE_FAILED, a, err.msg);

	pthread_mutex_lock(&w->mu);
	p->ncreating--;
	if (gen != p->gen)
		p->nstale--;
	if (rc == 0) {
		p->created++;
		p->broken = false;
		if (gen == p->gen && !p->stopping && current(p) < p->target) {
			s->next = p->idle;
			p->idle = s;
			p->nidle++;
		} else {
			p->retired++;
			drop = s;
		}
	} else {
		p->create_failures++;
		p->broken = true;
		/*
		 * Each failed attempt answers one waiting call with its error, so
		 * that attempts never outnumber the calls that asked for them.
		 */
		if (p->qhead && !p->idle) {
			failed = p->qhead;
			p->qhead = failed->next;
			if (!p->qhead)
				p->qtail = NULL;
			p->nqueued--;
			p->completed++;
		}
	}
	mark_ready(p);
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->mu);

	if (failed) {
		complete(failed, rc, false, err.msg, strlen(err.msg));
		st_free(failed);
	}
	free_slots(drop);
	actor_unref(a);
}

/* Runs job j on instance s of p (counted in nbusy by the caller). Called unlocked. */
static void do_run(worker *wk, pool *p, slot *s, job *j, uint32_t timeout_ms)
{
	pool_workers *w = wk->w;
	const char *op = (const char *)j->data;
	uint64_t deadline = timeout_ms ? actor_now_ns() + (uint64_t)timeout_ms * 1000000u : 0;
	actor_reply reply;
	slot *drop = NULL;
	bool trapped;
	st_err err;
	int rc;

	st_err_clear(&err);
	if (j->check) {
		char text[ST_ERR_MSG_MAX + 256];

		text[0] = 0;
		if (j->check(j->ud, text, sizeof(text)) != 0) {
			complete(j, ST_EINVALID, false, text, strlen(text));
			st_free(j);
			trapped = false;
			goto done;
		}
	}
	rc = actor_instance_invoke(s->ai, wk->x, op, j->op_len, j->data + j->op_len, j->len,
	                           deadline, &reply, &err);
	trapped = actor_instance_dead(s->ai);
	if (rc < 0 && !reply.len)
		complete(j, rc, false, err.msg, strlen(err.msg));
	else
		complete(j, rc, reply.ok, reply.data, reply.len);
	st_free(j);
done:
	if (trapped)
		report(p->on_event, p->event_ud, POOL_EVENT_TRAP, actor_instance_actor(s->ai),
		       err.msg);

	pthread_mutex_lock(&w->mu);
	p->nbusy--;
	p->completed++;
	if (s->gen != p->gen)
		p->nstale--;
	if (trapped) {
		p->traps++;
		drop = s;
	} else if (s->gen != p->gen || p->stopping || current(p) >= p->target) {
		/* current() no longer counts s: it is surplus when the others fill the target. */
		p->retired++;
		drop = s;
	} else {
		s->next = p->idle;
		p->idle = s;
		p->nidle++;
	}
	if (drop)
		drop->next = NULL;
	mark_ready(p);
	pthread_cond_broadcast(&w->done);
	pthread_mutex_unlock(&w->mu);
	free_slots(drop);
}

static void *worker_main(void *arg)
{
	worker *wk = arg;
	pool_workers *w = wk->w;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		pool *p = pop_ready(w);

		if (!p) {
			if (w->stop)
				break;
			pthread_cond_wait(&w->work, &w->mu);
			continue;
		}
		if (p->stopping)
			continue;
		if (p->qhead && p->idle) {
			job *j = p->qhead;
			slot *s = p->idle;
			uint32_t timeout = j->timeout_ms ? j->timeout_ms : p->timeout_ms;

			p->qhead = j->next;
			if (!p->qhead)
				p->qtail = NULL;
			p->nqueued--;
			p->idle = s->next;
			p->nidle--;
			p->nbusy++;
			mark_ready(p);
			pthread_mutex_unlock(&w->mu);
			do_run(wk, p, s, j, timeout);
			pthread_mutex_lock(&w->mu);
		} else if (want_create(p)) {
			actor *a = actor_ref(p->cur);
			uint64_t gen = p->gen;

			p->ncreating++;
			mark_ready(p);
			pthread_mutex_unlock(&w->mu);
			do_create(wk, p, a, gen);
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int pool_workers_new(pool_workers **out, unsigned nthreads, st_err *err)
{
	pool_workers *w = xcalloc(1, sizeof(*w));
	int rc = 0;

	*out = NULL;
	if (nthreads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nthreads = n > 0 ? (unsigned)n : 1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	w->workers = xcalloc(nthreads, sizeof(*w->workers));
	w->nworkers = nthreads;
	for (unsigned i = 0; i < nthreads; i++) {
		w->workers[i].w = w;
		rc = wm_exec_new(&w->workers[i].x, 0, 0, err);
		if (rc < 0)
			goto fail;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		if (pthread_create(&w->workers[i].thread, NULL, worker_main, &w->workers[i]) != 0) {
			rc = st_err_set(err, ST_EIO, "cannot start worker thread %u", i);
			goto fail;
		}
		w->workers[i].started = true;
	}
	*out = w;
	return 0;
fail:
	pool_workers_free(w);
	return rc;
}

void pool_workers_free(pool_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->npools)
		ST_BUG("pool_workers_free with %u pools still open", w->npools);
	w->stop = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->nworkers; i++) {
		if (w->workers[i].started)
			pthread_join(w->workers[i].thread, NULL);
		if (w->workers[i].x)
			wm_exec_free(w->workers[i].x);
	}
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	st_free(w->workers);
	st_free(w);
}

unsigned pool_workers_count(const pool_workers *w)
{
	return w->nworkers;
}

/* ----------------------------------------------------------------------- */
/* Pools */

/* Creates one instance of a on the calling thread, with a temporary context. */
static int make_slot(actor *a, uint64_t gen, slot **out, st_err *err)
{
	actor_instance *ai = NULL;
	wm_exec *x = NULL;
	int rc;

	*out = NULL;
	rc = wm_exec_new(&x, 0, 0, err);
	if (rc < 0)
		goto out;
	rc = actor_instance_new(&ai, a, x, err);
	if (rc < 0)
		goto out;
	*out = xcalloc(1, sizeof(**out));
	(*out)->ai = ai;
	(*out)->gen = gen;
out:
	wm_exec_free(x);
	return rc;
}

int pool_new(pool **out, pool_workers *w, actor *a, const pool_config *cfg, st_err *err)
{
	pool_config def;
	slot *s = NULL;
	pool *p;
	int rc;

	*out = NULL;
	if (!cfg) {
		pool_config_init(&def);
		cfg = &def;
	}
	if (cfg->replicas == 0)
		return st_err_set(err, ST_EINVAL, "an actor needs at least one replica");
	rc = make_slot(a, 0, &s, err);
	if (rc < 0)
		return rc;
	p = xcalloc(1, sizeof(*p));
	p->w = w;
	p->cur = actor_ref(a);
	p->target = cfg->replicas;
	p->max_queue = cfg->max_queue ? cfg->max_queue : DEFAULT_MAX_QUEUE;
	p->timeout_ms = cfg->timeout_ms;
	p->on_event = cfg->on_event;
	p->event_ud = cfg->event_ud;
	p->idle = s;
	p->nidle = 1;
	p->created = 1;

	pthread_mutex_lock(&w->mu);
	w->npools++;
	mark_ready(p);
	pthread_mutex_unlock(&w->mu);
	*out = p;
	return 0;
}

void pool_free(pool *p)
{
	pool_workers *w;
	slot *idle;
	job *jobs;

	if (!p)
		return;
	w = p->w;
	pthread_mutex_lock(&w->mu);
	p->stopping = true;
	unlink_ready(p);
	jobs = p->qhead;
	p->qhead = p->qtail = NULL;
	p->completed += p->nqueued;
	p->nqueued = 0;
	pthread_mutex_unlock(&w->mu);

	while (jobs) {
		job *next = jobs->next;

		complete(jobs, ST_ESTATE, false, stopping_text, sizeof(stopping_text) - 1);
		st_free(jobs);
		jobs = next;
	}

	pthread_mutex_lock(&w->mu);
	while (p->nbusy || p->ncreating)
		pthread_cond_wait(&w->done, &w->mu);
	idle = p->idle;
	p->idle = NULL;
	p->nidle = 0;
	unlink_ready(p);
	w->npools--;
	pthread_mutex_unlock(&w->mu);

	free_slots(idle);
	actor_unref(p->cur);
	st_free(p);
}

int pool_submit(pool *p, const char *op, size_t op_len, const uint8_t *msg, size_t len,
                uint32_t timeout_ms, pool_done_cb cb, void *ud, st_err *err)
{
	return pool_submit_checked(p, op, op_len, msg, len, timeout_ms, NULL, cb, ud, err);
}

int pool_submit_checked(pool *p, const char *op, size_t op_len, const uint8_t *msg, size_t len,
                        uint32_t timeout_ms, pool_check_cb check, pool_done_cb cb, void *ud,
                        st_err *err)
{
	pool_workers *w = p->w;
	job *j;
	int rc = 0;

	if (!cb)
		return st_err_set(err, ST_EINVAL, "pool_submit needs a completion callback");
	if (op_len > SIZE_MAX / 2 - sizeof(*j) || len > SIZE_MAX / 2)
		return st_err_set(err, ST_ETOOBIG, "invocation too large");
	j = st_malloc(sizeof(*j) + op_len + len);
	if (!j)
		return st_err_set(err, ST_ENOMEM, "out of memory for a %zu-byte invocation", len);
	j->next = NULL;
	j->check = check;
	j->cb = cb;
	j->ud = ud;
	j->timeout_ms = timeout_ms;
	j->op_len = op_len;
	j->len = len;
	if (op_len)
		memcpy(j->data, op, op_len);
	if (len)
		memcpy(j->data + op_len, msg, len);

	pthread_mutex_lock(&w->mu);
	if (p->stopping) {
		rc = st_err_set(err, ST_ESTATE, "%s", stopping_text);
	} else if (p->nqueued >= p->max_queue) {
		rc = st_err_set(err, ST_ETOOBIG, "invocation queue of actor %s is full (%zu)",
		                actor_id(p->cur), p->max_queue);
	} else {
		if (p->qtail)
			p->qtail->next = j;
		else
			p->qhead = j;
		p->qtail = j;
		p->nqueued++;
		j = NULL;
		mark_ready(p);
	}
	pthread_mutex_unlock(&w->mu);
	st_free(j);
	return rc;
}

int pool_scale(pool *p, uint32_t replicas, st_err *err)
{
	pool_workers *w = p->w;
	slot *drop = NULL;

	if (replicas == 0)
		return st_err_set(err, ST_EINVAL, "an actor needs at least one replica");
	pthread_mutex_lock(&w->mu);
	p->target = replicas;
	p->broken = false;
	shed_idle(p, &drop);
	mark_ready(p);
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	free_slots(drop);
	return 0;
}

int pool_update(pool *p, actor *a, st_err *err)
{
	pool_workers *w = p->w;
	slot *s = NULL, *drop = NULL;
	actor *old;
	uint64_t gen;
	int rc;

	pthread_mutex_lock(&w->mu);
	gen = p->gen + 1;
	pthread_mutex_unlock(&w->mu);
	rc = make_slot(a, gen, &s, err);
	if (rc < 0)
		return rc;

	pthread_mutex_lock(&w->mu);
	/* Concurrent updates: the later generation number wins; re-tag if needed. */
	p->gen++;
	s->gen = p->gen;
	p->nstale = p->nbusy + p->ncreating; /* all of them are now of an older generation */
	old = p->cur;
	p->cur = actor_ref(a);
	p->broken = false;
	shed_idle(p, &drop);
	if (!p->stopping) {
		s->next = p->idle;
		p->idle = s;
		p->nidle++;
		p->created++;
		s = NULL;
	}
	mark_ready(p);
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	free_slots(drop);
	free_slots(s);
	actor_unref(old);
	return 0;
}

actor *pool_actor(pool *p)
{
	actor *a;

	pthread_mutex_lock(&p->w->mu);
	a = actor_ref(p->cur);
	pthread_mutex_unlock(&p->w->mu);
	return a;
}

void pool_get_stats(pool *p, pool_stats *out)
{
	pthread_mutex_lock(&p->w->mu);
	out->replicas = p->target;
	out->instances = live(p);
	out->idle = p->nidle;
	out->busy = p->nbusy;
	out->queued = p->nqueued;
	out->completed = p->completed;
	out->created = p->created;
	out->traps = p->traps;
	out->retired = p->retired;
	out->create_failures = p->create_failures;
	out->generation = p->gen;
	pthread_mutex_unlock(&p->w->mu);
}
