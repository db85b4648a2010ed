/*
 * main.c - the stratus-keyvalue executable: the wasmcloud:keyvalue
 * capability provider (interfaces.md §6) on Redis, on the provider SDK.
 *
 * Each linked actor gets a kv_conn (kvredis.h) for the URL its link names
 * (link value URL, any case; else the config_json "url" of the host data;
 * else redis://127.0.0.1:6379/). A link is always accepted, as the
 * reference provider does: a first connection is opened in the background
 * and the outcome logged; while Redis cannot be reached, the actor's calls
 * fail with the reason and each call tries again, so nothing needs to be
 * re-linked once Redis is back.
 *
 * Invocations are answered asynchronously: the loop thread copies the
 * payload into a job and queues it on libuv's worker pool, where
 * kv_conn_invoke runs it with blocking hiredis calls; the completion runs
 * on the loop thread and answers with prov_deferred_finish. Calls of
 * different actors run in parallel, calls of one actor share its pool of
 * connections. A link's entry is reference-counted by the link table and
 * by its jobs (loop thread only), so deleting a link while calls run frees
 * the connections after the last of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "keyvalue/kvredis.h"
#include "sdk/provider.h"
#include "core/banned.h"

/* Worker threads (UV_THREADPOOL_SIZE) when the environment does not choose. */
#define KEYVALUE_THREADS "8"

/* One linked actor's Redis. Loop thread only, except conn (kv_conn is thread-safe). */
typedef struct link_ent {
	char *actor_id;        /* M... (owned) */
	kv_conn *conn;         /* owned; freed with the entry */
	int refs;              /* the link table's (while linked) + one per job */
	bool down;             /* a connection failure was logged and no call succeeded since */
	struct link_ent *next; /* the link table */
} link_ent;

/* A job: a connection attempt for a new link (d == NULL) or an invocation. */
typedef struct job {
	uv_work_t work;          /* the worker-pool request; work.data = the job */
	link_ent *ent;           /* holds a reference */
	prov_deferred *d;        /* the invocation, answered in job_done; NULL: connect */
	char *operation;         /* owned copy */
	uint8_t *msg;            /* owned copy of the payload */
	size_t len;              /* bytes at msg */
	st_buf out;              /* the encoded output (worker fills, loop reads) */
	st_err err;              /* the failure text when rc < 0 */
	int rc;                  /* 0 or a negative ST_E* code, set by the worker */
	struct job *prev, *next; /* the pending list; loop thread only */
} job;

/* The provider's loop, links and jobs; loop thread only. */
static uv_loop_t loop;
static link_ent *links;
static job *pending;
static char *default_url; /* owned; set at the first link */
static bool default_url_set;

static link_ent *ent_find(const char *actor_id)
{
	for (link_ent *e = links; e; e = e->next)
		if (strcmp(e->actor_id, actor_id) == 0)
			return e;
	return NULL;
}

static void ent_unref(link_ent *e)
{
	if (--e->refs > 0)
		return;
	kv_conn_free(e->conn);
	st_free(e->actor_id);
	st_free(e);
}

static void job_unlink(job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		pending = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void job_free(job *j)
{
	ent_unref(j->ent);
	st_buf_deinit(&j->out);
	st_free(j->operation);
	st_free(j->msg);
	st_free(j);
}

/* Worker thread: touches the job and the (thread-safe) kv_conn only. */
static void job_run(uv_work_t *w)
{
	job *j = w->data;

	st_err_clear(&j->err);
	if (j->d)
		j->rc = kv_conn_invoke(j->ent->conn, j->operation, j->msg, j->len, &j->out,
		                       &j->err);
	else
		j->rc = kv_conn_connect(j->ent->conn, &j->err);
}

/* Loop thread: logs when an actor's Redis goes down or comes back. */
static void note_state(job *j)
{
	link_ent *e = j->ent;

	if (j->rc == ST_EIO && !e->down) {
		e->down = true;
		st_log(ST_LOG_WARN,
		       "keyvalue: actor %s: %s; its keyvalue calls fail until Redis "
		       "answers again (every call retries)",
		       e->actor_id, j->err.msg);
	} else if (j->rc != ST_EIO && e->down && j->rc != ST_ENOSYS && j->rc != ST_EMALFORMED) {
		e->down = false;
		st_log(ST_LOG_INFO, "keyvalue: actor %s: connected to %s again", e->actor_id,
		       kv_conn_display(e->conn));
	}
}

/* Loop thread: answers the invocation (or logs the connection attempt) and frees the job. */
static void job_done(uv_work_t *w, int status)
{
	job *j = w->data;

	job_unlink(j);
	if (!j->d) {
		if (status == UV_ECANCELED) {
			/* Stopping: nothing to report. */
		} else if (j->rc == 0) {
			st_log(ST_LOG_INFO, "keyvalue: actor %s linked to %s", j->ent->actor_id,
			       kv_conn_display(j->ent->conn));
		} else if (j->rc == ST_EIO) {
			note_state(j);
		} else {
			st_log(ST_LOG_WARN, "keyvalue: actor %s: %s; its keyvalue calls will fail",
			       j->ent->actor_id, j->err.msg);
		}
	} else if (status == UV_ECANCELED) {
		prov_deferred_finish(j->d, ST_ESTATE, NULL, 0, "provider is stopping");
	} else {
		note_state(j);
		if (j->rc == 0) {
			prov_deferred_finish(j->d, 0, j->out.p, j->out.n, NULL);
		} else {
			st_log(ST_LOG_DEBUG, "keyvalue: %s from %s failed: %s", j->operation,
			       j->ent->actor_id, j->err.msg);
			prov_deferred_finish(j->d, j->rc, NULL, 0,
			                     j->err.msg[0] ? j->err.msg : st_strerror(j->rc));
		}
	}
	job_free(j);
}

/* Queues j on the worker pool. On failure j is freed and the error returned. */
static int job_queue(job *j)
{
	int rc;

	j->work.data = j;
	rc = uv_queue_work(&loop, &j->work, job_run, job_done);
	if (rc != 0)
		return rc;
	j->next = pending;
	if (pending)
		pending->prev = j;
	pending = j;
	return 0;
}

static job *job_new(link_ent *e)
{
	job *j = xcalloc(1, sizeof(*j));

	j->ent = e;
	e->refs++;
	/* Room for the response the provider can send; kv_ leaves out unchanged on failure. */
	st_buf_init(&j->out, PROV_RESPONSE_MAX);
	return j;
}

/* Loop thread (prov_callbacks.put_link): always accepted, connected in the background. */
static bool on_put_link(prov_provider *p, const linkdef *ld, void *ud)
{
	const char *url = kv_link_url(ld);
	link_ent *e;
	job *j;
	int rc;

	(void)ud;
	if (!default_url_set) {
		default_url = kv_url_from_config(prov_provider_host_data(p)->config_json);
		default_url_set = true;
	}
	if (!url)
		url = default_url ? default_url : KV_DEFAULT_URL;
	e = ent_find(ld->actor_id);
	if (e) {
		/* The SDK sends a put only for an actor without a link; be safe anyway. */
		return true;
	}
	e = xcalloc(1, sizeof(*e));
	e->actor_id = xstrdup(ld->actor_id);
	e->conn = kv_conn_new(url, NULL);
	e->refs = 1;
	e->next = links;
	links = e;
	st_log(ST_LOG_DEBUG, "keyvalue: actor %s: connecting to %s", e->actor_id,
	       kv_conn_display(e->conn));
	j = job_new(e);
	rc = job_queue(j);
	if (rc != 0) {
		st_log(ST_LOG_WARN, "keyvalue: actor %s: cannot queue the connection: %s",
		       e->actor_id, uv_strerror(rc));
		job_free(j);
	}
	return true;
}

/* Loop thread (prov_callbacks.delete_link). */
static void on_delete_link(prov_provider *p, const char *actor_id, void *ud)
{
	link_ent **pp = &links, *e;

	(void)p;
	(void)ud;
	while (*pp && strcmp((*pp)->actor_id, actor_id) != 0)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	e = *pp;
	*pp = e->next;
	e->next = NULL;
	st_log(ST_LOG_INFO, "keyvalue: actor %s unlinked from %s", e->actor_id,
	       kv_conn_display(e->conn));
	ent_unref(e);
}

/* Loop thread (prov_callbacks.invoke_async). */
static void on_invoke(prov_provider *p, const char *actor_id, const char *operation, st_slice msg,
                      prov_deferred *d, void *ud)
{
	link_ent *e = ent_find(actor_id);
	char text[512];
	job *j;
	int rc;

	(void)p;
	(void)ud;
	if (!e) {
		/* The SDK only passes linked actors; the reference provider's text otherwise. */
		snprintf(
			text, sizeof(text),
			"invalid parameter: No Redis connection found for %s. Please ensure the URL "
			"supplied in the link definition is a valid Redis URL",
			actor_id);
		prov_deferred_finish(d, ST_ENOTFOUND, NULL, 0, text);
		return;
	}
	j = job_new(e);
	j->d = d;
	j->operation = xstrdup(operation);
	j->len = msg.n;
	j->msg = xmalloc(msg.n ? msg.n : 1);
	if (msg.n)
		memcpy(j->msg, msg.p, msg.n);
	rc = job_queue(j);
	if (rc != 0) {
		prov_deferred_finish(d, ST_EIO, NULL, 0, uv_strerror(rc));
		job_free(j);
	}
}

/* Loop thread, when the provider stops: jobs not started yet never run. */
static void on_stop(prov_provider *p, void *ud)
{
	(void)p;
	(void)ud;
	for (job *j = pending; j; j = j->next)
		(void)uv_cancel((uv_req_t *)&j->work);
}

int main(void)
{
	prov_callbacks cb;
	int status;

	/* libuv reads it at the first uv_queue_work; an explicit setting wins. */
	if (setenv("UV_THREADPOOL_SIZE", KEYVALUE_THREADS, 0) != 0)
		return 1;
	if (uv_loop_init(&loop) != 0) {
		st_log(ST_LOG_ERROR, "keyvalue: cannot create the event loop");
		return 1;
	}
	memset(&cb, 0, sizeof(cb));
	cb.put_link = on_put_link;
	cb.delete_link = on_delete_link;
	cb.invoke_async = on_invoke;
	status = prov_main("keyvalue", &loop, &cb, NULL, on_stop);
	/* prov_main ran the loop until every job completed; only the table holds entries now. */
	while (links) {
		link_ent *e = links;

		links = e->next;
		ent_unref(e);
	}
	st_free(default_url);
	return status;
}
