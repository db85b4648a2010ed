/*
 * test_lattice_nats.c - the embedded nats-server and the loop-delivering
 * NATS connection, against a real nats-server (JetStream on) that main()
 * starts on a port picked for this run and stops at the end. Tests that
 * need their own server start one on another free port.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "lattice/nats.h"
#include "lattice/server.h"
#include "test.h"

#include "core/banned.h"

static uint16_t g_port; /* the shared server's port */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_deadline(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Runs loop until cond(arg) holds; false when timeout_ms passed first. */
static bool run_until(uv_loop_t *loop, bool (*cond)(void *), void *arg, int64_t timeout_ms)
{
	uv_timer_t t;
	bool late = false, ok;

	uv_timer_init(loop, &t);
	t.data = &late;
	uv_timer_start(&t, on_deadline, (uint64_t)timeout_ms, 0);
	while (!(ok = cond(arg)) && !late)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	return ok;
}

/* Frees c and lets the loop finish closing everything. */
static void conn_done(uv_loop_t *loop, lat_conn *c)
{
	lat_conn_free(c);
	if (loop) {
		uv_run(loop, UV_RUN_DEFAULT);
		EXPECT_EQ(0, uv_loop_close(loop));
	}
}

static lat_conn *connect_to(uv_loop_t *loop, uint16_t port, bool asap)
{
	lat_conn_opts o;
	lat_conn *c = NULL;
	st_err err;
	int rc;

	lat_conn_opts_init(&o);
	o.port = port;
	o.loop = loop;
	o.send_asap = asap;
	o.name = "stratus-test";
	rc = lat_conn_connect(&o, &c, &err);
	if (rc != 0)
		fprintf(stderr, "connect: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	return c;
}

/* ---- embedded server ---- */

TEST(server_probe_false_before_start_true_after)
{
	lat_server_opts o;
	lat_server *s = NULL;
	uint16_t port = 0;
	st_err err;
	int rc;

	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	EXPECT_TRUE(!lat_server_probe("127.0.0.1", port, 200));
	lat_server_opts_init(&o);
	o.port = port;
	rc = lat_server_start(&o, &s, &err);
	if (rc)
		fprintf(stderr, "start: %s\n", err.msg);
	EXPECT_EQ(0, rc);
	EXPECT_TRUE(lat_server_probe("127.0.0.1", port, 1000));
	EXPECT_TRUE(lat_server_pid(s) > 0);
	EXPECT_EQ(port, lat_server_port(s));
	EXPECT_TRUE(access(lat_server_log_path(s), R_OK) == 0);
	EXPECT_EQ(0, lat_server_stop(s, 10000)); /* exited on SIGTERM */
	EXPECT_TRUE(!lat_server_probe("127.0.0.1", port, 200));
}

TEST(server_start_refuses_an_address_that_already_answers)
{
	lat_server_opts o;
	lat_server *s = NULL;
	st_err err;

	lat_server_opts_init(&o);
	o.port = g_port;
	EXPECT_EQ(ST_ESTATE, lat_server_start(&o, &s, &err));
	EXPECT_TRUE(s == NULL);
}

TEST(server_start_reports_a_missing_binary)
{
	lat_server_opts o;
	lat_server *s = NULL;
	uint16_t port = 0;
	st_err err;

	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	lat_server_opts_init(&o);
	o.port = port;
	o.binary = "/nonexistent/nats-server";
	EXPECT_EQ(ST_ENOTFOUND, lat_server_start(&o, &s, &err));
}

TEST(server_start_reports_a_child_that_exits)
{
	lat_server_opts o;
	lat_server *s = NULL;
	uint16_t port = 0;
	st_err err;

	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	lat_server_opts_init(&o);
	o.port = port;
	o.binary = "/bin/false"; /* exits at once: the start must say so, not time out */
	o.start_timeout_ms = 20000;
	EXPECT_EQ(ST_EIO, lat_server_start(&o, &s, &err));
	EXPECT_TRUE(strstr(err.msg, "exited") != NULL);
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

TEST(server_dies_with_its_parent)
{
	char dir[] = "/tmp/stratus-nats-parent-XXXXXX";
	uint16_t port = 0;
	int fds[2], status = 0;
	pid_t mid, srv = 0;
	st_err err;
	int64_t deadline;
	bool reaped = false;

	/* Orphans of the middle process are re-parented to us, so we can reap them. */
	EXPECT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	EXPECT_TRUE(mkdtemp(dir) != NULL); /* nobody stops this server: we remove its store */
	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	EXPECT_EQ(0, pipe(fds));
	mid = fork();
	if (mid == 0) {
		lat_server_opts o;
		lat_server *s = NULL;

		close(fds[0]);
		lat_server_opts_init(&o);
		o.port = port;
		o.state_dir = dir;
		if (lat_server_start(&o, &s, &err) != 0)
			_exit(3);
		srv = lat_server_pid(s);
		if (write(fds[1], &srv, sizeof(srv)) != (ssize_t)sizeof(srv))
			_exit(4);
		_exit(0); /* abruptly: no lat_server_stop */
	}
	close(fds[1]);
	EXPECT_EQ((ssize_t)sizeof(srv), read(fds[0], &srv, sizeof(srv)));
	close(fds[0]);
	EXPECT_EQ(mid, waitpid(mid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE(srv > 0);
	if (srv <= 0)
		return;
	deadline = mono_ms() + 20000;
	while (!reaped && mono_ms() < deadline) {
		pid_t r = waitpid(srv, &status, WNOHANG);

		if (r == srv)
			reaped = true;
		else
			EXPECT_EQ(0, poll(NULL, 0, 10));
	}
	EXPECT_TRUE(reaped);
	if (!reaped)
		kill(srv, SIGKILL);
	EXPECT_TRUE(!lat_server_probe("127.0.0.1", port, 200));
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- connection: publish / subscribe ---- */

struct counts {
	int q1, q2, plain, sentinel;
	pthread_t loop_thread;
	bool wrong_thread;
};

static void count_msg(lat_sub *sub, lat_msg *m, void *ud, int *slot)
{
	struct counts *k = ud;

	(void)sub;
	if (!pthread_equal(pthread_self(), k->loop_thread))
		k->wrong_thread = true;
	(*slot)++;
	lat_msg_free(m);
}

static void on_q1(lat_sub *s, lat_msg *m, void *ud)
{
	count_msg(s, m, ud, &((struct counts *)ud)->q1);
}

static void on_q2(lat_sub *s, lat_msg *m, void *ud)
{
	count_msg(s, m, ud, &((struct counts *)ud)->q2);
}

static void on_plain(lat_sub *s, lat_msg *m, void *ud)
{
	count_msg(s, m, ud, &((struct counts *)ud)->plain);
}

static void on_sentinel(lat_sub *s, lat_msg *m, void *ud)
{
	count_msg(s, m, ud, &((struct counts *)ud)->sentinel);
}

static bool sentinel_seen(void *arg)
{
	return ((struct counts *)arg)->sentinel > 0;
}

TEST(conn_queue_group_delivers_each_message_once_on_the_loop)
{
	uv_loop_t loop;
	struct counts k = { 0 };
	lat_conn *a, *b;
	lat_sub *s1, *s2, *s3, *s4;
	st_err err;

	uv_loop_init(&loop);
	k.loop_thread = pthread_self();
	a = connect_to(&loop, g_port, false);
	b = connect_to(NULL, g_port, false);
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.work", "grp", on_q1, &k, &s1, &err));
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.work", "grp", on_q2, &k, &s2, &err));
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.*", NULL, on_plain, &k, &s3, &err));
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.end", NULL, on_sentinel, &k, &s4, &err));
	EXPECT_STR("t.work", lat_sub_subject(s1));
	EXPECT_EQ(0, lat_conn_flush(a, 2000, &err));
	for (int i = 0; i < 200; i++)
		EXPECT_EQ(0, lat_conn_publish(b, "t.work", "x", 1, &err));
	/* One publisher, one subscribing connection: the sentinel comes last. */
	EXPECT_EQ(0, lat_conn_publish(b, "t.end", "", 0, &err));
	EXPECT_TRUE(run_until(&loop, sentinel_seen, &k, 10000));
	EXPECT_EQ(200, k.q1 + k.q2);
	EXPECT_TRUE(k.q1 > 0 && k.q2 > 0);
	EXPECT_EQ(201, k.plain); /* t.* also matches t.end */
	EXPECT_TRUE(!k.wrong_thread);
	lat_sub_close(s2);
	conn_done(NULL, b);
	conn_done(&loop, a);
	lat_lib_close();
}

struct hdr_seen {
	int n;
	char kv_op[32], trace[64], subject[64], data[64];
	bool missing_is_null;
	bool sync_ok;
};

static void on_hdr(lat_sub *s, lat_msg *m, void *ud)
{
	struct hdr_seen *h = ud;
	const char *v;
	st_slice d = lat_msg_data(m);

	(void)s;
	h->n++;
	v = lat_msg_header(m, "kv-operation");
	snprintf(h->kv_op, sizeof(h->kv_op), "%s", v ? v : "(null)");
	v = lat_msg_header(m, "TRACEPARENT");
	snprintf(h->trace, sizeof(h->trace), "%s", v ? v : "(null)");
	h->missing_is_null = lat_msg_header(m, "Nope") == NULL;
	snprintf(h->subject, sizeof(h->subject), "%s", lat_msg_subject(m));
	snprintf(h->data, sizeof(h->data), "%.*s", (int)d.n, (const char *)d.p);
	lat_msg_free(m);
}

static bool hdr_arrived(void *arg)
{
	return ((struct hdr_seen *)arg)->n > 0;
}

TEST(conn_receives_headers_hmsg)
{
	static const lat_header hs[] = {
		{ "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
		{ "KV-Operation", "DEL" },
	};
	uv_loop_t loop;
	struct hdr_seen h = { 0 };
	lat_conn *a, *b;
	lat_sub *s, *ss;
	lat_msg *m = NULL;
	st_err err;

	uv_loop_init(&loop);
	a = connect_to(&loop, g_port, false);
	b = connect_to(NULL, g_port, false);
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.hdr", NULL, on_hdr, &h, &s, &err));
	EXPECT_EQ(0, lat_conn_subscribe_sync(b, "t.hdr", NULL, &ss, &err));
	EXPECT_EQ(0, lat_conn_flush(a, 2000, &err));
	EXPECT_EQ(0, lat_conn_flush(b, 2000, &err));
	EXPECT_EQ(0, lat_conn_publish_msg(b, "t.hdr", NULL, hs, 2, "body", 4, &err));
	EXPECT_TRUE(run_until(&loop, hdr_arrived, &h, 5000));
	EXPECT_STR("DEL", h.kv_op);
	EXPECT_STR(hs[0].value, h.trace);
	EXPECT_TRUE(h.missing_is_null);
	EXPECT_STR("t.hdr", h.subject);
	EXPECT_STR("body", h.data);
	/* The same message on a sync subscription. */
	EXPECT_EQ(0, lat_sub_next(ss, 2000, &m, &err));
	EXPECT_TRUE(m != NULL);
	if (m) {
		EXPECT_STR("DEL", lat_msg_header(m, "Kv-Operation"));
		EXPECT_TRUE(lat_msg_reply(m) == NULL);
	}
	lat_msg_free(m);
	EXPECT_EQ(ST_EIO, lat_sub_next(ss, 50, &m, &err));
	EXPECT_EQ(LAT_ERR_TIMEOUT, err.kind);
	EXPECT_EQ(ST_ESTATE, lat_sub_next(s, 50, &m, &err));
	lat_sub_close(ss);
	conn_done(NULL, b);
	conn_done(&loop, a);
	lat_lib_close();
}

/* ---- request / reply ---- */

#define NREQ 40

struct rr {
	lat_conn *responder;
	lat_conn *requester;
	pthread_t workers[NREQ];
	int nworkers;
	int served;
	bool requester_done; /* loop thread, set by a posted function */
	int ok_replies;      /* requester thread, read after join */
	int nr_kind, to_kind;
};

struct job {
	lat_conn *c;
	lat_msg *m;
};

/* A worker thread replies and frees the request. */
static void *reply_later(void *arg)
{
	struct job *j = arg;
	st_slice d = lat_msg_data(j->m);
	char out[80];
	int n = snprintf(out, sizeof(out), "worker:%.*s", (int)d.n, (const char *)d.p);

	if (lat_msg_respond(j->c, j->m, out, (size_t)n, NULL) != 0)
		fprintf(stderr, "worker reply failed\n");
	lat_msg_free(j->m);
	free(j);
	return NULL;
}

static void on_request(lat_sub *s, lat_msg *m, void *ud)
{
	struct rr *r = ud;
	st_slice d = lat_msg_data(m);
	char out[80];
	int n;

	(void)s;
	r->served++;
	if (d.n > 0 && (d.p[d.n - 1] - '0') % 2 == 1 && r->nworkers < NREQ) {
		struct job *j = malloc(sizeof(*j));

		j->c = r->responder;
		j->m = m;
		pthread_create(&r->workers[r->nworkers++], NULL, reply_later, j);
		return;
	}
	n = snprintf(out, sizeof(out), "loop:%.*s", (int)d.n, (const char *)d.p);
	EXPECT_EQ(0, lat_msg_respond(r->responder, m, out, (size_t)n, NULL));
	lat_msg_free(m);
}

static void mark_done(void *arg)
{
	((struct rr *)arg)->requester_done = true;
}

static void *requester_main(void *arg)
{
	struct rr *r = arg;
	st_err err;

	for (int i = 0; i < NREQ; i++) {
		char body[16], want[40];
		lat_msg *rep = NULL;
		st_slice d;

		snprintf(body, sizeof(body), "req%d", i);
		snprintf(want, sizeof(want), "%s:%s", i % 2 ? "worker" : "loop", body);
		if (lat_conn_request(r->requester, "svc.echo", NULL, 0, body, strlen(body), 5000,
		                     &rep, &err) != 0) {
			fprintf(stderr, "request %d: %s\n", i, err.msg);
			continue;
		}
		d = lat_msg_data(rep);
		if (d.n == strlen(want) && memcmp(d.p, want, d.n) == 0)
			r->ok_replies++;
		lat_msg_free(rep);
	}
	/* Failure classes: nobody listening, and a listener that never answers. */
	if (lat_conn_request(r->requester, "svc.nobody", NULL, 0, "x", 1, 2000, &(lat_msg *){ 0 },
	                     &err) == ST_EIO)
		r->nr_kind = err.kind;
	if (lat_conn_request(r->requester, "svc.silent", NULL, 0, "x", 1, 100, &(lat_msg *){ 0 },
	                     &err) == ST_EIO)
		r->to_kind = err.kind;
	lat_conn_post(r->responder, mark_done, r);
	return NULL;
}

static void ignore_msg(lat_sub *s, lat_msg *m, void *ud)
{
	(void)s;
	(void)ud;
	lat_msg_free(m);
}

static bool rr_done(void *arg)
{
	return ((struct rr *)arg)->requester_done;
}

TEST(conn_request_reply_round_trip_through_the_loop)
{
	uv_loop_t loop;
	struct rr r = { 0 };
	lat_sub *s, *silent;
	pthread_t req;
	st_err err;

	uv_loop_init(&loop);
	r.responder = connect_to(&loop, g_port, true);
	r.requester = connect_to(NULL, g_port, false);
	EXPECT_EQ(0, lat_conn_subscribe(r.responder, "svc.echo", "svc.echo", on_request, &r, &s,
	                                &err));
	EXPECT_EQ(0, lat_conn_subscribe(r.responder, "svc.silent", NULL, ignore_msg, NULL, &silent,
	                                &err));
	EXPECT_EQ(0, lat_conn_flush(r.responder, 2000, &err));
	pthread_create(&req, NULL, requester_main, &r);
	EXPECT_TRUE(run_until(&loop, rr_done, &r, 30000));
	pthread_join(req, NULL);
	for (int i = 0; i < r.nworkers; i++)
		pthread_join(r.workers[i], NULL);
	EXPECT_EQ(NREQ, r.ok_replies);
	EXPECT_EQ(NREQ, r.served);
	EXPECT_EQ(NREQ / 2, r.nworkers);
	EXPECT_EQ(LAT_ERR_NO_RESPONDERS, r.nr_kind);
	EXPECT_EQ(LAT_ERR_TIMEOUT, r.to_kind);
	conn_done(NULL, r.requester);
	conn_done(&loop, r.responder);
	lat_lib_close();
}

TEST(conn_respond_needs_a_reply_subject)
{
	lat_conn *b = connect_to(NULL, g_port, false);
	lat_sub *ss;
	lat_msg *m = NULL;
	st_err err;

	EXPECT_EQ(0, lat_conn_subscribe_sync(b, "t.noreply", NULL, &ss, &err));
	EXPECT_EQ(0, lat_conn_publish(b, "t.noreply", "x", 1, &err));
	EXPECT_EQ(0, lat_sub_next(ss, 2000, &m, &err));
	EXPECT_EQ(ST_EINVAL, lat_msg_respond(b, m, "y", 1, &err));
	lat_msg_free(m);
	lat_sub_close(ss);
	conn_done(NULL, b);
	lat_lib_close();
}

/* ---- closing ---- */

struct closing {
	lat_sub *victim;
	int victim_calls, after;
};

static void on_victim(lat_sub *s, lat_msg *m, void *ud)
{
	struct closing *k = ud;

	k->victim_calls++;
	lat_sub_close(s); /* from its own handler: no further call may follow */
	lat_msg_free(m);
}

static void on_after(lat_sub *s, lat_msg *m, void *ud)
{
	(void)s;
	((struct closing *)ud)->after++;
	lat_msg_free(m);
}

static bool after_seen(void *arg)
{
	return ((struct closing *)arg)->after > 0;
}

TEST(conn_closed_subscription_gets_no_more_messages)
{
	uv_loop_t loop;
	struct closing k = { 0 };
	lat_conn *a, *b;
	lat_sub *after;
	st_err err;

	uv_loop_init(&loop);
	a = connect_to(&loop, g_port, false);
	b = connect_to(NULL, g_port, false);
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.victim", NULL, on_victim, &k, &k.victim, &err));
	EXPECT_EQ(0, lat_conn_subscribe(a, "t.after", NULL, on_after, &k, &after, &err));
	EXPECT_EQ(0, lat_conn_flush(a, 2000, &err));
	for (int i = 0; i < 50; i++)
		EXPECT_EQ(0, lat_conn_publish(b, "t.victim", "v", 1, &err));
	EXPECT_EQ(0, lat_conn_publish(b, "t.after", "a", 1, &err));
	EXPECT_TRUE(run_until(&loop, after_seen, &k, 5000));
	EXPECT_EQ(1, k.victim_calls);
	conn_done(NULL, b);
	conn_done(&loop, a);
	lat_lib_close();
}

static void on_any(lat_sub *s, lat_msg *m, void *ud)
{
	(void)s;
	(*(int *)ud)++;
	lat_msg_free(m);
}

static bool some_arrived(void *arg)
{
	return *(int *)arg >= 10;
}

TEST(conn_free_with_open_subscriptions_and_queued_messages)
{
	uv_loop_t loop;
	lat_conn *a, *b;
	lat_sub *s[4];
	int n = 0;
	st_err err;

	uv_loop_init(&loop);
	a = connect_to(&loop, g_port, false);
	b = connect_to(NULL, g_port, false);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, lat_conn_subscribe(a, "t.flood", NULL, on_any, &n, &s[i], &err));
	EXPECT_EQ(0, lat_conn_flush(a, 2000, &err));
	for (int i = 0; i < 2000; i++)
		EXPECT_EQ(0, lat_conn_publish(b, "t.flood", "f", 1, &err));
	EXPECT_EQ(0, lat_conn_flush(b, 2000, &err));
	EXPECT_TRUE(run_until(&loop, some_arrived, &n, 5000));
	/* Messages are still in flight and queued: freeing must drop them cleanly. */
	conn_done(&loop, a);
	conn_done(NULL, b);
	lat_lib_close();
}

TEST(conn_connect_fails_without_server)
{
	lat_conn_opts o;
	lat_conn *c = NULL;
	uint16_t port = 0;
	st_err err;

	EXPECT_EQ(0, lat_server_pick_port("127.0.0.1", &port, &err));
	lat_conn_opts_init(&o);
	o.port = port;
	EXPECT_EQ(ST_EIO, lat_conn_connect(&o, &c, &err));
	EXPECT_EQ(LAT_ERR_NO_SERVER, err.kind);
	EXPECT_TRUE(c == NULL);
	lat_lib_close();
}

int main(int argc, char **argv)
{
	lat_server_opts o;
	lat_server *srv = NULL;
	st_err err;
	int rc;

	if (lat_server_pick_port("127.0.0.1", &g_port, &err) != 0) {
		fprintf(stderr, "pick port: %s\n", err.msg);
		return 1;
	}
	lat_server_opts_init(&o);
	o.port = g_port;
	if (lat_server_start(&o, &srv, &err) != 0) {
		fprintf(stderr, "nats-server: %s\n", err.msg);
		return 1;
	}
	st_log_set_level(ST_LOG_ERROR);
	rc = test_main(argc, argv);
	lat_server_stop(srv, 10000);
	return rc;
}
