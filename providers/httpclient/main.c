/*
 * main.c - the stratus-httpclient executable: the wasmcloud:httpclient
 * capability provider (interfaces.md §5) on the provider SDK.
 *
 * HttpClient.Request is answered asynchronously: the loop thread copies
 * the payload into a job and queues it on libuv's worker pool, where the
 * hc_ core decodes it and performs it with libcurl; the completion runs
 * on the loop thread and answers the invocation with prov_deferred_finish.
 * So several requests run at once (up to UV_THREADPOOL_SIZE, which we
 * raise to HTTPCLIENT_THREADS unless the environment sets it) while the
 * loop keeps answering health checks and links. On stop, jobs not started
 * yet are cancelled; running ones finish (bounded by the request timeout)
 * before the process exits, their answers dropped with the connection.
 * TLS is always verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "httpclient/httpclient.h"
#include "sdk/provider.h"
#include "core/banned.h"

/* Worker threads (UV_THREADPOOL_SIZE) when the environment does not choose. */
#define HTTPCLIENT_THREADS "16"

/* The operation this provider serves, and its service prefix. */
#define OP_REQUEST "HttpClient.Request"
#define SERVICE_PREFIX "HttpClient."

/*
 * The request options, provider-wide (the contract has no link settings).
 * Written once in main before the loop runs; read-only afterwards, so the
 * workers read them without locking.
 */
static hc_options opts;

/* One HttpClient.Request in flight. */
typedef struct job {
	uv_work_t work;          /* the worker-pool request; work.data = the job */
	prov_deferred *d;        /* answered exactly once, in job_done */
	uint8_t *msg;            /* owned copy of the HttpRequest payload */
	size_t len;              /* bytes at msg */
	st_buf out;              /* the encoded HttpResponse (worker fills, loop reads) */
	st_err err;              /* the failure text when rc < 0 */
	int rc;                  /* 0 or a negative ST_E* code, set by the worker */
	struct job *prev, *next; /* the pending list; loop thread only */
} job;

/* The provider's loop, and the jobs queued or running on it; loop thread only. */
static uv_loop_t loop;
static job *pending;

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

/* Worker thread: touches only the job and the read-only opts. */
static void job_run(uv_work_t *w)
{
	job *j = w->data;

	st_err_clear(&j->err);
	j->rc = hc_handle_request(&opts, j->msg, j->len, &j->out, &j->err);
	if (j->rc == 0 && j->out.n > PROV_RESPONSE_MAX)
		j->rc = st_err_set(&j->err, ST_ETOOBIG,
		                   "receiving response body: the response takes %zu bytes, more "
		                   "than the %d this provider can send",
		                   j->out.n, PROV_RESPONSE_MAX);
}

/* Loop thread: answers the invocation and frees the job. */
static void job_done(uv_work_t *w, int status)
{
	job *j = w->data;

	job_unlink(j);
	if (status == UV_ECANCELED) {
		prov_deferred_finish(j->d, ST_ESTATE, NULL, 0, "provider is stopping");
	} else if (j->rc == 0) {
		prov_deferred_finish(j->d, 0, j->out.p, j->out.n, NULL);
	} else {
		st_log(ST_LOG_DEBUG, "httpclient: request failed: %s", j->err.msg);
		prov_deferred_finish(j->d, j->rc, NULL, 0,
		                     j->err.msg[0] ? j->err.msg : st_strerror(j->rc));
	}
	st_buf_deinit(&j->out);
	st_free(j->msg);
	st_free(j);
}

/* The error text of wasmbus-rpc's generated dispatch for an operation we do not serve. */
static void not_handled(prov_deferred *d, const char *operation)
{
	char text[512];
	size_t n = strlen(SERVICE_PREFIX);

	if (strncmp(operation, SERVICE_PREFIX, n) == 0)
		snprintf(text, sizeof(text), "method not handled HttpClient::%s", operation + n);
	else
		snprintf(text, sizeof(text), "method not handled %s - unknown method", operation);
	prov_deferred_finish(d, ST_ENOSYS, NULL, 0, text);
}

/* Loop thread (prov_callbacks.invoke_async). */
static void on_invoke(prov_provider *p, const char *actor_id, const char *operation, st_slice msg,
                      prov_deferred *d, void *ud)
{
	job *j;
	int rc;

	(void)p;
	(void)actor_id;
	(void)ud;
	if (strcmp(operation, OP_REQUEST) != 0) {
		not_handled(d, operation);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->len = msg.n;
	j->msg = xmalloc(msg.n ? msg.n : 1);
	if (msg.n)
		memcpy(j->msg, msg.p, msg.n);
	/* Room for the response the provider can send; hc_ leaves out unchanged on failure. */
	st_buf_init(&j->out, PROV_RESPONSE_MAX + 1);
	j->work.data = j;
	rc = uv_queue_work(&loop, &j->work, job_run, job_done);
	if (rc != 0) {
		prov_deferred_finish(d, ST_EIO, NULL, 0, uv_strerror(rc));
		st_buf_deinit(&j->out);
		st_free(j->msg);
		st_free(j);
		return;
	}
	j->next = pending;
	if (pending)
		pending->prev = j;
	pending = j;
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

	/* libuv reads it at the first uv_queue_work; an explicit setting wins. */
	if (setenv("UV_THREADPOOL_SIZE", HTTPCLIENT_THREADS, 0) != 0)
		return 1;
	if (hc_global_init() != 0) {
		st_log(ST_LOG_ERROR, "httpclient: cannot initialise libcurl");
		return 1;
	}
	hc_options_init(&opts);
	/* A body the provider could not send fails while it is read, with the spec's text. */
	opts.max_body_bytes = PROV_RESPONSE_MAX - 2 * HC_MAX_HEADER_BYTES;
	if (uv_loop_init(&loop) != 0) {
		st_log(ST_LOG_ERROR, "httpclient: cannot create the event loop");
		return 1;
	}
	memset(&cb, 0, sizeof(cb));
	cb.invoke_async = on_invoke;
	return prov_main("httpclient", &loop, &cb, NULL, on_stop);
}
