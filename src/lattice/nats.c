/*
 * nats.c - cnats connections whose messages are handled on a libuv loop.
 *
 * Every message callback of cnats (run on its delivery thread) wraps the
 * natsMsg in a lat_msg, appends it to the connection's FIFO under c->mu and
 * calls uv_async_send; the loop thread swaps the FIFO out and dispatches.
 * The same FIFO carries three other items: "subscription finished" (cnats's
 * on-complete callback, which comes after the last message of a closed
 * subscription, so a subscription is freed only when nothing in flight can
 * name it), connection events, and functions posted with lat_conn_post.
 * Shutdown waits for cnats's closed callback (the last connection callback)
 * and for every on-complete callback before the async handle is closed,
 * so no cnats thread ever touches freed memory.
 */
#include "lattice/nats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"

#include "core/banned.h"

#define RECONNECT_FIRST_MS 100
#define CLOSE_WAIT_MS 5000
#define FLUSH_AT_CLOSE_MS 1000

enum item_kind {
	IT_MSG = 1,  /* a message for sub */
	IT_SUB_DONE, /* cnats will not deliver to sub any more */
	IT_POST,     /* run fn(arg) */
	IT_EVENT,    /* report event to on_event */
};

/* A queue item; for IT_MSG it is also the lat_msg handed to the handler. */
struct lat_msg {
	enum item_kind kind;
	natsMsg *nm;          /* IT_MSG: owned */
	lat_sub *sub;         /* IT_MSG, IT_SUB_DONE */
	lat_msg *next;        /* queue link, guarded by conn->mu while queued */
	lat_post_cb fn;       /* IT_POST */
	void *arg;            /* IT_POST */
	lat_conn_event event; /* IT_EVENT */
};

struct lat_sub {
	lat_conn *c;
	natsSubscription *ns; /* owned */
	char *subject;        /* owned */
	lat_msg_cb cb;        /* NULL for a sync subscription */
	void *ud;
	bool sync;    /* made by lat_conn_subscribe_sync; not in c->subs */
	bool closing; /* loop thread: closed by the user or at free; no more handler calls */
	bool done;    /* loop thread: the IT_SUB_DONE item was seen */
	lat_sub *prev, *next; /* c->subs list, loop thread only */
};

struct lat_conn {
	natsConnection *nc; /* owned */
	uv_loop_t *loop;    /* borrowed; NULL without a loop */
	uv_async_t wake;    /* initialised only with a loop */
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* signalled when live_subs or closed changes */
	lat_msg *head, *tail;       /* the FIFO; mu */
	int live_subs;              /* async subscriptions whose on-complete has not run; mu */
	bool closed;                /* cnats's closed callback ran; mu */
	bool closing;               /* lat_conn_free started (quiet disconnect); mu */
	bool dispatching;           /* on_wake is running handlers; loop thread only */
	lat_sub *subs;              /* async subscriptions, loop thread only */
	lat_conn_event_cb on_event; /* loop thread */
	void *ud;
	int64_t reconnect_max_ms; /* immutable after connect */
};

void lat_conn_opts_init(lat_conn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 4222;
	o->connect_timeout_ms = 2000;
	o->reconnect_wait_max_ms = 4000;
}

int lat_status_err(natsStatus s, st_err *err, const char *what)
{
	const char *last, *text = natsStatus_GetText(s);
	int code = ST_EIO, kind = LAT_ERR_NONE;

	switch (s) {
	case NATS_OK:
		return 0;
	case NATS_TIMEOUT:
		kind = LAT_ERR_TIMEOUT;
		break;
	case NATS_NO_RESPONDERS:
		kind = LAT_ERR_NO_RESPONDERS;
		break;
	case NATS_CONNECTION_CLOSED:
		kind = LAT_ERR_CLOSED;
		break;
	case NATS_NO_SERVER:
		kind = LAT_ERR_NO_SERVER;
		break;
	case NATS_NO_MEMORY:
		code = ST_ENOMEM;
		break;
	case NATS_INVALID_ARG:
	case NATS_INVALID_SUBJECT:
		code = ST_EINVAL;
		break;
	case NATS_NOT_FOUND:
		code = ST_ENOTFOUND;
		break;
	default:
		break;
	}
	/* cnats keeps a more precise text per thread; it is ours right after the call. */
	last = nats_GetLastError(NULL);
	if (last && *last && strcmp(last, text) != 0)
		st_err_set(err, code, "%s: %s (%s)", what, text, last);
	else
		st_err_set(err, code, "%s: %s", what, text);
	if (err)
		err->kind = kind;
	return code;
}

/* Any thread: appends it to the FIFO and wakes the loop. */
static void push(lat_conn *c, lat_msg *it)
{
	it->next = NULL;
	pthread_mutex_lock(&c->mu);
	if (c->tail)
		c->tail->next = it;
	else
		c->head = it;
	c->tail = it;
	pthread_mutex_unlock(&c->mu);
	uv_async_send(&c->wake);
}

/* Loop thread. */
static void sub_destroy(lat_sub *s)
{
	lat_conn *c = s->c;

	if (s->prev)
		s->prev->next = s->next;
	else if (c->subs == s)
		c->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	natsSubscription_Destroy(s->ns);
	st_free(s->subject);
	st_free(s);
}

/* Loop thread: handles one item; dropping discards messages and events. */
static void dispatch(lat_conn *c, lat_msg *it, bool dropping)
{
	lat_sub *s = it->sub;

	switch (it->kind) {
	case IT_MSG:
		if (dropping || s->closing) {
			lat_msg_free(it);
			return;
		}
		it->next = NULL;
		s->cb(s, it, s->ud); /* the handler owns it now */
		return;
	case IT_SUB_DONE:
		s->done = true;
		if (s->closing)
			sub_destroy(s);
		break;
	case IT_POST:
		it->fn(it->arg);
		break;
	case IT_EVENT:
		if (!dropping && c->on_event)
			c->on_event(c, it->event, c->ud);
		break;
	}
	st_free(it);
}

/* Loop thread: runs what is queued now; once when !all, until empty when all. */
static void drain(lat_conn *c, bool dropping, bool all)
{
	do {
		lat_msg *it, *next;

		pthread_mutex_lock(&c->mu);
		it = c->head;
		c->head = c->tail = NULL;
		pthread_mutex_unlock(&c->mu);
		if (!it)
			return;
		for (; it; it = next) {
			next = it->next;
			dispatch(c, it, dropping);
		}
	} while (all);
}

static void on_wake(uv_async_t *h)
{
	lat_conn *c = h->data;

	c->dispatching = true;
	drain(c, false, false);
	c->dispatching = false;
}

/* cnats thread. */
static void on_msg(natsConnection *nc, natsSubscription *ns, natsMsg *nm, void *closure)
{
	lat_sub *s = closure;
	lat_msg *it = xcalloc(1, sizeof(*it));

	(void)nc;
	(void)ns;
	it->kind = IT_MSG;
	it->nm = nm;
	it->sub = s;
	push(s->c, it);
}

/* cnats thread: after the last on_msg of s. */
static void on_complete(void *closure)
{
	lat_sub *s = closure;
	lat_conn *c = s->c;
	lat_msg *it = xcalloc(1, sizeof(*it));

	it->kind = IT_SUB_DONE;
	it->sub = s;
	push(c, it);
	pthread_mutex_lock(&c->mu);
	c->live_subs--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static void post_event(lat_conn *c, lat_conn_event ev)
{
	lat_msg *it;

	if (!c->loop)
		return;
	it = xcalloc(1, sizeof(*it));
	it->kind = IT_EVENT;
	it->event = ev;
	push(c, it);
}

/* cnats thread. */
static void on_disconnected(natsConnection *nc, void *closure)
{
	lat_conn *c = closure;
	bool quiet;

	(void)nc;
	pthread_mutex_lock(&c->mu);
	quiet = c->closing;
	pthread_mutex_unlock(&c->mu);
	if (quiet)
		return;
	st_log(ST_LOG_WARN, "nats: disconnected; reconnecting");
	post_event(c, LAT_CONN_DISCONNECTED);
}

/* cnats thread. */
static void on_reconnected(natsConnection *nc, void *closure)
{
	lat_conn *c = closure;
	char url[256];

	if (natsConnection_GetConnectedUrl(nc, url, sizeof(url)) != NATS_OK)
		snprintf(url, sizeof(url), "?");
	st_log(ST_LOG_INFO, "nats: reconnected to %s", url);
	post_event(c, LAT_CONN_RECONNECTED);
}

/* cnats thread: the last connection callback cnats makes. */
static void on_closed(natsConnection *nc, void *closure)
{
	lat_conn *c = closure;

	(void)nc;
	pthread_mutex_lock(&c->mu);
	c->closed = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* cnats thread: doubling back-off, capped. */
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
	lat_conn *c = closure;
	int64_t d = RECONNECT_FIRST_MS;

	(void)nc;
	for (int i = 1; i < attempts && d < c->reconnect_max_ms; i++)
		d *= 2;
	return d < c->reconnect_max_ms ? d : c->reconnect_max_ms;
}

static void conn_release(lat_conn *c)
{
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	st_free(c);
}

static void on_wake_closed(uv_handle_t *h)
{
	conn_release(h->data);
}

int lat_conn_connect(const lat_conn_opts *opts, lat_conn **out, st_err *err)
{
	lat_conn_opts def;
	lat_conn *c = xcalloc(1, sizeof(*c));
	natsOptions *o = NULL;
	natsStatus s;
	char url[300];
	int rc = 0;

	if (!opts) {
		lat_conn_opts_init(&def);
		opts = &def;
	}
	*out = NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->loop = opts->loop;
	c->on_event = opts->on_event;
	c->ud = opts->ud;
	c->reconnect_max_ms =
		opts->reconnect_wait_max_ms > 0 ? opts->reconnect_wait_max_ms : RECONNECT_FIRST_MS;
	if (opts->url)
		snprintf(url, sizeof(url), "%s", opts->url);
	else if (strchr(opts->host, ':'))
		snprintf(url, sizeof(url), "nats://[%s]:%u", opts->host, (unsigned)opts->port);
	else
		snprintf(url, sizeof(url), "nats://%s:%u", opts->host, (unsigned)opts->port);
	if (c->loop) {
		/* Before connecting: the first callbacks may come before connect returns. */
		uv_async_init(c->loop, &c->wake, on_wake);
		c->wake.data = c;
	}

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetURL(o, url);
	if (s == NATS_OK && opts->name)
		s = natsOptions_SetName(o, opts->name);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(
			o, opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 2000);
	if (s == NATS_OK)
		s = natsOptions_SetSendAsap(o, opts->send_asap);
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(o, true);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetCustomReconnectDelay(o, reconnect_delay, c);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(o, on_disconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(o, on_reconnected, c);
	if (s == NATS_OK)
		s = natsOptions_SetClosedCB(o, on_closed, c);
	/* Our callbacks only enqueue, so one shared delivery thread is enough. */
	if (s == NATS_OK)
		s = natsOptions_UseGlobalMessageDelivery(o, true);
	if (s == NATS_OK && opts->retry_initial)
		s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
	if (s != NATS_OK) {
		rc = lat_status_err(s, err, "nats options");
		goto fail;
	}
	s = natsConnection_Connect(&c->nc, o);
	if (s == NATS_NOT_YET_CONNECTED)
		s = NATS_OK; /* retry_initial: connecting in the background */
	if (s != NATS_OK) {
		rc = lat_status_err(s, err, url);
		goto fail;
	}
	natsOptions_Destroy(o);
	*out = c;
	return 0;
fail:
	natsOptions_Destroy(o);
	natsConnection_Destroy(c->nc);
	if (c->loop)
		uv_close((uv_handle_t *)&c->wake, on_wake_closed);
	else
		conn_release(c);
	return rc;
}

void lat_conn_free(lat_conn *c)
{
	struct timespec deadline;
	bool settled = true;

	if (!c)
		return;
	if (c->dispatching)
		ST_BUG("lat_conn_free called from a handler of the same connection");
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_mutex_unlock(&c->mu);
	for (lat_sub *s = c->subs; s; s = s->next) {
		if (!s->closing && !s->done) {
			s->closing = true;
			natsSubscription_Unsubscribe(s->ns);
		}
		s->closing = true;
	}
	if (natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED)
		natsConnection_FlushTimeout(c->nc, FLUSH_AT_CLOSE_MS);
	natsConnection_Close(c->nc);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += CLOSE_WAIT_MS / 1000;
	pthread_mutex_lock(&c->mu);
	while (!c->closed || c->live_subs > 0) {
		if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) != 0) {
			settled = false;
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	if (!settled) {
		/* A cnats thread may still hold pointers into c: leaking is the safe choice. */
		st_log(ST_LOG_ERROR, "nats: connection did not close in %d ms; leaking it",
		       CLOSE_WAIT_MS);
		return;
	}
	if (c->loop) {
		drain(c, true, true);
		while (c->subs)
			sub_destroy(c->subs);
	}
	natsConnection_Destroy(c->nc);
	c->nc = NULL;
	if (c->loop)
		uv_close((uv_handle_t *)&c->wake, on_wake_closed);
	else
		conn_release(c);
}

bool lat_conn_connected(lat_conn *c)
{
	return natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED;
}

natsConnection *lat_conn_nats(lat_conn *c)
{
	return c->nc;
}

uv_loop_t *lat_conn_loop(lat_conn *c)
{
	return c->loop;
}

/* Builds a natsMsg with headers; data is copied. */
static natsStatus make_msg(natsMsg **out, const char *subject, const char *reply,
                           const lat_header *h, size_t nh, const void *data, size_t len)
{
	natsStatus s;

	if (len > INT32_MAX)
		return NATS_INVALID_ARG;
	s = natsMsg_Create(out, subject, reply, data, (int)len);
	for (size_t i = 0; s == NATS_OK && i < nh; i++)
		s = natsMsgHeader_Add(*out, h[i].key, h[i].value);
	if (s != NATS_OK) {
		natsMsg_Destroy(*out);
		*out = NULL;
	}
	return s;
}

int lat_conn_publish(lat_conn *c, const char *subject, const void *data, size_t len, st_err *err)
{
	natsStatus s;

	if (len > INT32_MAX)
		return st_err_set(err, ST_ETOOBIG, "payload of %zu bytes", len);
	s = natsConnection_Publish(c->nc, subject, data, (int)len);
	return s == NATS_OK ? 0 : lat_status_err(s, err, subject);
}

int lat_conn_publish_msg(lat_conn *c, const char *subject, const char *reply, const lat_header *h,
                         size_t nh, const void *data, size_t len, st_err *err)
{
	natsMsg *m = NULL;
	natsStatus s;

	s = make_msg(&m, subject, reply, h, nh, data, len);
	if (s == NATS_OK)
		s = natsConnection_PublishMsg(c->nc, m);
	natsMsg_Destroy(m);
	return s == NATS_OK ? 0 : lat_status_err(s, err, subject);
}

static lat_msg *wrap(natsMsg *nm)
{
	lat_msg *m = xcalloc(1, sizeof(*m));

	m->kind = IT_MSG;
	m->nm = nm;
	return m;
}

int lat_conn_request(lat_conn *c, const char *subject, const lat_header *h, size_t nh,
                     const void *data, size_t len, int64_t timeout_ms, lat_msg **reply, st_err *err)
{
	natsMsg *m = NULL, *r = NULL;
	natsStatus s;

	*reply = NULL;
	s = make_msg(&m, subject, NULL, h, nh, data, len);
	if (s == NATS_OK)
		s = natsConnection_RequestMsg(&r, c->nc, m, timeout_ms);
	natsMsg_Destroy(m);
	if (s != NATS_OK)
		return lat_status_err(s, err, subject);
	*reply = wrap(r);
	return 0;
}

int lat_conn_flush(lat_conn *c, int64_t timeout_ms, st_err *err)
{
	natsStatus s = natsConnection_FlushTimeout(c->nc, timeout_ms);

	return s == NATS_OK ? 0 : lat_status_err(s, err, "flush");
}

void lat_conn_post(lat_conn *c, lat_post_cb fn, void *arg)
{
	lat_msg *it = xcalloc(1, sizeof(*it));

	if (!c->loop)
		ST_BUG("lat_conn_post on a connection without a loop");
	it->kind = IT_POST;
	it->fn = fn;
	it->arg = arg;
	push(c, it);
}

int lat_conn_subscribe(lat_conn *c, const char *subject, const char *queue, lat_msg_cb cb, void *ud,
                       lat_sub **out, st_err *err)
{
	lat_sub *s;
	natsStatus ns;

	*out = NULL;
	if (!c->loop)
		return st_err_set(err, ST_ESTATE, "subscribe %s: connection has no loop", subject);
	if (!cb)
		return st_err_set(err, ST_EINVAL, "subscribe %s: no handler", subject);
	s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->subject = xstrdup(subject);
	s->cb = cb;
	s->ud = ud;
	if (queue)
		ns = natsConnection_QueueSubscribe(&s->ns, c->nc, subject, queue, on_msg, s);
	else
		ns = natsConnection_Subscribe(&s->ns, c->nc, subject, on_msg, s);
	if (ns != NATS_OK) {
		int rc = lat_status_err(ns, err, subject);

		st_free(s->subject);
		st_free(s);
		return rc;
	}
	/* Handlers only enqueue, so cnats's own backlog stays small: no limit needed. */
	natsSubscription_SetPendingLimits(s->ns, -1, -1);
	s->next = c->subs;
	if (c->subs)
		c->subs->prev = s;
	c->subs = s;
	pthread_mutex_lock(&c->mu);
	c->live_subs++;
	pthread_mutex_unlock(&c->mu);
	ns = natsSubscription_SetOnCompleteCB(s->ns, on_complete, s);
	if (ns != NATS_OK) {
		/* Closed under us: no on-complete will come; lat_conn_free reclaims it. */
		pthread_mutex_lock(&c->mu);
		c->live_subs--;
		pthread_mutex_unlock(&c->mu);
		s->closing = true;
		natsSubscription_Unsubscribe(s->ns);
		return lat_status_err(ns, err, subject);
	}
	*out = s;
	return 0;
}

int lat_conn_subscribe_sync(lat_conn *c, const char *subject, const char *queue, lat_sub **out,
                            st_err *err)
{
	lat_sub *s = xcalloc(1, sizeof(*s));
	natsStatus ns;

	*out = NULL;
	s->c = c;
	s->sync = true;
	s->subject = xstrdup(subject);
	if (queue)
		ns = natsConnection_QueueSubscribeSync(&s->ns, c->nc, subject, queue);
	else
		ns = natsConnection_SubscribeSync(&s->ns, c->nc, subject);
	if (ns != NATS_OK) {
		int rc = lat_status_err(ns, err, subject);

		st_free(s->subject);
		st_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int lat_sub_next(lat_sub *s, int64_t timeout_ms, lat_msg **out, st_err *err)
{
	natsMsg *nm = NULL;
	natsStatus ns;

	*out = NULL;
	if (!s->sync)
		return st_err_set(err, ST_ESTATE, "%s: not a sync subscription", s->subject);
	ns = natsSubscription_NextMsg(&nm, s->ns, timeout_ms);
	if (ns != NATS_OK)
		return lat_status_err(ns, err, s->subject);
	*out = wrap(nm);
	return 0;
}

void lat_sub_close(lat_sub *s)
{
	if (!s)
		return;
	if (s->sync) {
		natsSubscription_Unsubscribe(s->ns);
		natsSubscription_Destroy(s->ns);
		st_free(s->subject);
		st_free(s);
		return;
	}
	if (s->closing)
		return;
	s->closing = true;
	if (s->done)
		sub_destroy(s);
	else
		natsSubscription_Unsubscribe(s->ns); /* IT_SUB_DONE follows and frees s */
}

const char *lat_sub_subject(const lat_sub *s)
{
	return s->subject;
}

const char *lat_msg_subject(const lat_msg *msg)
{
	return natsMsg_GetSubject(msg->nm);
}

const char *lat_msg_reply(const lat_msg *msg)
{
	const char *r = natsMsg_GetReply(msg->nm);

	return r && *r ? r : NULL;
}

st_slice lat_msg_data(const lat_msg *msg)
{
	int n = natsMsg_GetDataLength(msg->nm);

	return st_slice_make(natsMsg_GetData(msg->nm), n > 0 ? (size_t)n : 0);
}

const char *lat_msg_header(lat_msg *msg, const char *key)
{
	const char *v = NULL, **keys = NULL;
	int n = 0;

	if (natsMsgHeader_Get(msg->nm, key, &v) == NATS_OK)
		return v;
	if (natsMsgHeader_Keys(msg->nm, &keys, &n) != NATS_OK)
		return NULL;
	v = NULL;
	for (int i = 0; i < n; i++) {
		if (strcasecmp(keys[i], key) == 0) {
			if (natsMsgHeader_Get(msg->nm, keys[i], &v) != NATS_OK)
				v = NULL;
			break;
		}
	}
	free((void *)keys); /* allocated by cnats with malloc */
	return v;
}

int lat_msg_respond(lat_conn *c, const lat_msg *msg, const void *data, size_t len, st_err *err)
{
	const char *reply = lat_msg_reply(msg);

	if (!reply)
		return st_err_set(err, ST_EINVAL, "%s: message has no reply subject",
		                  lat_msg_subject(msg));
	return lat_conn_publish(c, reply, data, len, err);
}

void lat_msg_free(lat_msg *msg)
{
	if (!msg)
		return;
	natsMsg_Destroy(msg->nm);
	st_free(msg);
}

void lat_lib_close(void)
{
	nats_Close();
}
