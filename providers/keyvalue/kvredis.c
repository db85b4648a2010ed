/*
 * kvredis.c - the keyvalue operations on Redis (see kvredis.h).
 *
 * An operation runs in three steps: its input is decoded with the
 * generated codecs into the calling thread's arena (kv_rt.h); the Redis
 * commands run on a connection of the kv_conn's pool, taken at the first
 * command (so an undecodable input costs no connection) and given back at
 * the end; the output is encoded, copied to the caller's buffer, and the
 * arena is reset.
 *
 * The pool: slots[] under mu. A slot is taken by one thread at a time
 * (busy); while taken, its hiredis context belongs to that thread alone, so
 * no lock is held during a round trip. A context that failed is freed
 * (hiredis contexts cannot recover from an error) and the slot reconnects
 * the next time it is taken. Before reusing an idle context we poll its
 * socket: a Redis that closed the connection (restart, idle timeout) makes
 * it readable, and we reconnect before sending rather than failing a
 * command that Redis never saw.
 */
#include "kvredis.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis.h>
#include <jansson.h>

#include "codec/msgpack.h"
#include "core/mem.h"
#include "kv_rt.h"
#include "wc_keyvalue.h"
#include "wc_model.h"
#include "core/banned.h"

/* The service part of every operation name (interfaces.md §1.1). */
#define SERVICE "KeyValue"

/* One connection of a pool. */
typedef struct kv_slot {
	redisContext *ctx; /* NULL while closed; owned by the thread holding the slot */
	bool busy;         /* taken by a thread; guarded by kv_conn.mu */
	bool open;         /* ctx != NULL when last given back; guarded by kv_conn.mu */
} kv_slot;

struct kv_conn {
	char *url;            /* as given; immutable */
	char *display;        /* url with any password hidden; immutable */
	kv_url parsed;        /* valid when url_rc == 0; immutable */
	int url_rc;           /* kv_url_parse's result */
	st_err url_err;       /* its error when url_rc < 0; immutable */
	kv_conn_options opts; /* immutable */
	pthread_mutex_t mu;   /* guards the busy flags */
	pthread_cond_t freed; /* signalled when a slot is given back */
	kv_slot slots[KV_MAX_POOL_SIZE];
};

/* ---- URLs --------------------------------------------------------------- */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The n bytes at s percent-decoded, owned; NULL when an escape is broken or decodes to NUL. */
static char *pct_decode(const char *s, size_t n)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			o[k++] = s[i];
			continue;
		}
		hi = n - i >= 3 ? hexval(s[i + 1]) : -1;
		lo = n - i >= 3 ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			st_free(o);
			return NULL;
		}
		o[k++] = (char)(hi * 16 + lo);
		i += 2;
	}
	o[k] = 0;
	return o;
}

/* Parses the decimal digits s[0..n) into *out (0..max). */
static bool parse_num(const char *s, size_t n, long max, long *out)
{
	long v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The "db" parameter of a query string ("db=3&x=y"), into u->db. */
static int parse_query_db(kv_url *u, const char *q, const char *name, st_err *err)
{
	while (*q) {
		size_t n = strcspn(q, "&");

		if (n > 3 && strncmp(q, "db=", 3) == 0 && !parse_num(q + 3, n - 3, INT_MAX, &u->db))
			return st_err_set(err, ST_EINVAL,
			                  "invalid Redis URL '%s': bad database '%.*s'", name,
			                  (int)(n - 3), q + 3);
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

/*
 * The URL for messages, owned: the input with the password of its user
 * information ("user:password@" after the scheme) replaced by "***".
 */
static char *redact(const char *url)
{
	const char *sep = strstr(url, "://");
	const char *auth = sep ? sep + 3 : url;
	size_t alen = strcspn(auth, "/?#");
	const char *at = NULL, *colon;
	size_t pre;
	char *o;
	int n;

	for (const char *p = auth; p < auth + alen; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return xstrdup(url);
	pre = (size_t)(colon + 1 - url);
	n = snprintf(NULL, 0, "%.*s***%s", (int)pre, url, at);
	o = xmalloc((size_t)n + 1);
	snprintf(o, (size_t)n + 1, "%.*s***%s", (int)pre, url, at);
	return o;
}

/* name: the redacted URL for messages. */
static int parse_unix(kv_url *u, const char *name, const char *rest, st_err *err)
{
	size_t n = strcspn(rest, "?#");

	if (n == 0 || rest[0] != '/')
		return st_err_set(
			err, ST_EINVAL,
			"invalid Redis URL '%s': a Unix socket URL needs an absolute path "
			"(unix:///path)",
			name);
	u->path = pct_decode(rest, n);
	if (!u->path)
		return st_err_set(err, ST_EINVAL, "invalid Redis URL '%s': bad %%-escape", name);
	if (rest[n] == '?') {
		char *q = xstrndup(rest + n + 1, strcspn(rest + n + 1, "#"));
		int rc = parse_query_db(u, q, name, err);

		st_free(q);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_tcp(kv_url *u, const char *name, const char *rest, st_err *err)
{
	size_t alen = strcspn(rest, "/?#");
	const char *auth = NULL, *host = rest, *at = NULL, *end = rest + alen, *port = NULL;
	size_t auth_len = 0;
	long v;

	for (const char *p = rest; p < end; p++)
		if (*p == '@')
			at = p; /* the last '@' ends the user information */
	if (at) {
		const char *colon;

		auth = rest;
		auth_len = (size_t)(at - rest);
		host = at + 1;
		colon = memchr(auth, ':', auth_len);
		if (colon) {
			if (colon > auth)
				u->user = pct_decode(auth, (size_t)(colon - auth));
			u->password = pct_decode(colon + 1, auth_len - (size_t)(colon - auth) - 1);
			if ((colon > auth && !u->user) || !u->password)
				return st_err_set(err, ST_EINVAL,
				                  "invalid Redis URL '%s': bad %%-escape in the "
				                  "user information",
				                  name);
		} else if (auth_len > 0) {
			u->user = pct_decode(auth, auth_len);
			if (!u->user)
				return st_err_set(err, ST_EINVAL,
				                  "invalid Redis URL '%s': bad %%-escape in the "
				                  "user information",
				                  name);
		}
	}
	if (host < end && *host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close || close == host + 1)
			return st_err_set(err, ST_EINVAL, "invalid Redis URL '%s': bad IPv6 host",
			                  name);
		u->host = xstrndup(host + 1, (size_t)(close - host - 1));
		if (close + 1 < end) {
			if (close[1] != ':')
				return st_err_set(
					err, ST_EINVAL,
					"invalid Redis URL '%s': unexpected text after the host",
					name);
			port = close + 2;
		}
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		u->host = xstrndup(host, (size_t)((colon ? colon : end) - host));
		if (colon)
			port = colon + 1;
	}
	if (!u->host[0])
		return st_err_set(err, ST_EINVAL, "invalid Redis URL '%s': no host", name);
	if (port) {
		if (!parse_num(port, (size_t)(end - port), 65535, &v) || v == 0)
			return st_err_set(err, ST_EINVAL, "invalid Redis URL '%s': bad port '%.*s'",
			                  name, (int)(end - port), port);
		u->port = (int)v;
	}
	if (*end == '/') {
		size_t n = strcspn(end + 1, "?#");

		if (n > 0 && !parse_num(end + 1, n, INT_MAX, &u->db))
			return st_err_set(err, ST_EINVAL,
			                  "invalid Redis URL '%s': bad database '%.*s'", name,
			                  (int)n, end + 1);
	}
	return 0;
}

int kv_url_parse(kv_url *u, const char *url, st_err *err)
{
	char *name = redact(url);
	int rc;

	memset(u, 0, sizeof(*u));
	u->port = KV_DEFAULT_PORT;
	if (has_prefix_ci(url, "redis://")) {
		rc = parse_tcp(u, name, url + strlen("redis://"), err);
	} else if (has_prefix_ci(url, "unix://")) {
		rc = parse_unix(u, name, url + strlen("unix://"), err);
	} else if (has_prefix_ci(url, "redis+unix://")) {
		rc = parse_unix(u, name, url + strlen("redis+unix://"), err);
	} else if (has_prefix_ci(url, "rediss://")) {
		rc = st_err_set(err, ST_ENOSYS, "Redis URL '%s': TLS (rediss://) is not supported",
		                name);
	} else {
		rc = st_err_set(err, ST_EINVAL,
		                "invalid Redis URL '%s': expected redis://host[:port][/db] or "
		                "unix:///path",
		                name);
	}
	if (rc < 0) {
		st_free(name);
		kv_url_deinit(u);
		return rc;
	}
	u->display = name;
	return 0;
}

void kv_url_deinit(kv_url *u)
{
	if (!u)
		return;
	st_free(u->host);
	st_free(u->path);
	st_free(u->user);
	st_free(u->password);
	st_free(u->display);
	memset(u, 0, sizeof(*u));
	u->port = KV_DEFAULT_PORT;
}

const char *kv_link_url(const linkdef *ld)
{
	for (size_t i = 0; i < ld->nvalues; i++)
		if (strcasecmp(ld->values[i].key, "URL") == 0)
			return ld->values[i].value;
	return NULL;
}

char *kv_url_from_config(const char *config_json)
{
	static const char *const keys[] = { "url", "URL", "Url" };
	json_t *root, *v;
	char *url = NULL;

	if (!config_json)
		return NULL;
	root = json_loads(config_json, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !url; i++) {
		v = json_object_get(root, keys[i]);
		if (json_is_string(v))
			url = xstrdup(json_string_value(v));
	}
	json_decref(root);
	return url;
}

/* ---- Connections -------------------------------------------------------- */

void kv_conn_options_init(kv_conn_options *o)
{
	o->pool_size = KV_DEFAULT_POOL_SIZE;
	o->connect_timeout_ms = KV_DEFAULT_CONNECT_TIMEOUT_MS;
	o->command_timeout_ms = KV_DEFAULT_COMMAND_TIMEOUT_MS;
}

kv_conn *kv_conn_new(const char *url, const kv_conn_options *opts)
{
	kv_conn *c = xcalloc(1, sizeof(*c));

	c->url = xstrdup(url);
	c->display = redact(url);
	if (opts)
		c->opts = *opts;
	else
		kv_conn_options_init(&c->opts);
	if (c->opts.pool_size < 1)
		c->opts.pool_size = 1;
	if (c->opts.pool_size > KV_MAX_POOL_SIZE)
		c->opts.pool_size = KV_MAX_POOL_SIZE;
	st_err_clear(&c->url_err);
	c->url_rc = kv_url_parse(&c->parsed, url, &c->url_err);
	if (pthread_mutex_init(&c->mu, NULL) != 0 || pthread_cond_init(&c->freed, NULL) != 0)
		ST_BUG("kv_conn: cannot create a mutex");
	return c;
}

void kv_conn_free(kv_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->opts.pool_size; i++)
		if (c->slots[i].ctx)
			redisFree(c->slots[i].ctx);
	pthread_cond_destroy(&c->freed);
	pthread_mutex_destroy(&c->mu);
	kv_url_deinit(&c->parsed);
	st_free(c->url);
	st_free(c->display);
	st_free(c);
}

const char *kv_conn_display(const kv_conn *c)
{
	return c->display;
}

int kv_conn_open_count(kv_conn *c)
{
	int n = 0;

	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < c->opts.pool_size; i++)
		n += c->slots[i].open;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* Takes a slot, preferring one with an open connection; waits while all are taken. */
static kv_slot *slot_take(kv_conn *c)
{
	kv_slot *pick = NULL;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		for (int i = 0; i < c->opts.pool_size; i++) {
			kv_slot *s = &c->slots[i];

			if (s->busy)
				continue;
			if (s->ctx) {
				pick = s;
				break;
			}
			if (!pick)
				pick = s;
		}
		if (pick)
			break;
		pthread_cond_wait(&c->freed, &c->mu);
	}
	pick->busy = true;
	pthread_mutex_unlock(&c->mu);
	return pick;
}

static void slot_give(kv_conn *c, kv_slot *s)
{
	pthread_mutex_lock(&c->mu);
	s->busy = false;
	s->open = s->ctx != NULL;
	pthread_cond_signal(&c->freed);
	pthread_mutex_unlock(&c->mu);
}

static struct timeval ms_tv(int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* Closes the slot's context. The caller holds the slot. */
static void slot_close(kv_slot *s)
{
	if (s->ctx) {
		redisFree(s->ctx);
		s->ctx = NULL;
	}
}

/*
 * The text of a failed round trip on ctx (whose error is set): a timeout,
 * a closed connection or another I/O error. errno_at is errno right after
 * the failure. Returns ST_EIO.
 */
static int io_error(const kv_conn *c, const redisContext *ctx, int errno_at, const char *what,
                    st_err *err)
{
	if (ctx->err == REDIS_ERR_IO &&
	    (errno_at == EAGAIN || errno_at == EWOULDBLOCK || strstr(ctx->errstr, "temporarily")))
		return st_err_set(err, ST_EIO, "redis error: no answer from %s to %s within %d ms",
		                  kv_conn_display(c), what, c->opts.command_timeout_ms);
	return st_err_set(err, ST_EIO, "redis error: connection to %s lost during %s: %s",
	                  kv_conn_display(c), what, ctx->errstr[0] ? ctx->errstr : "I/O error");
}

/*
 * Runs one set-up command (AUTH, SELECT) on a fresh context. Returns 0, or
 * ST_EIO with a text naming step.
 */
static int setup_command(const kv_conn *c, redisContext *ctx, int argc, const char **argv,
                         const char *step, st_err *err)
{
	redisReply *r = redisCommandArgv(ctx, argc, argv, NULL);
	int rc = 0;

	if (!r)
		return st_err_set(err, ST_EIO, "redis error: cannot connect to %s: %s failed: %s",
		                  kv_conn_display(c), step,
		                  ctx->errstr[0] ? ctx->errstr : "I/O error");
	if (r->type == REDIS_REPLY_ERROR)
		rc = st_err_set(err, ST_EIO, "redis error: cannot connect to %s: %s: %.*s",
		                kv_conn_display(c), step, (int)r->len, r->str);
	freeReplyObject(r);
	return rc;
}

/* Opens the slot's connection: connect, AUTH, SELECT. The caller holds the slot. */
static int slot_connect(kv_conn *c, kv_slot *s, st_err *err)
{
	const kv_url *u = &c->parsed;
	struct timeval tv = ms_tv(c->opts.connect_timeout_ms);
	redisContext *ctx;
	int rc;

	if (c->url_rc < 0)
		return st_err_set(err, ST_EINVAL, "redis error: %s", c->url_err.msg);
	if (u->path)
		ctx = redisConnectUnixWithTimeout(u->path, tv);
	else
		ctx = redisConnectWithTimeout(u->host, u->port, tv);
	if (!ctx)
		return st_err_set(err, ST_ENOMEM,
		                  "redis error: cannot connect to %s: out of memory",
		                  kv_conn_display(c));
	if (ctx->err) {
		rc = st_err_set(err, ST_EIO, "redis error: cannot connect to %s: %s",
		                kv_conn_display(c), ctx->errstr);
		redisFree(ctx);
		return rc;
	}
	/* Set-up commands get the connect timeout, later ones the command timeout. */
	if (redisSetTimeout(ctx, tv) != 0) {
		rc = st_err_set(err, ST_EIO, "redis error: cannot connect to %s: %s",
		                kv_conn_display(c), ctx->errstr);
		redisFree(ctx);
		return rc;
	}
	(void)redisEnableKeepAlive(ctx);
	if (u->password) {
		const char *argv[3] = { "AUTH", u->user ? u->user : u->password, u->password };

		rc = setup_command(c, ctx, u->user ? 3 : 2, argv, "AUTH", err);
		if (rc < 0)
			goto fail;
	}
	if (u->db != 0) {
		char db[24];
		const char *argv[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%ld", u->db);
		rc = setup_command(c, ctx, 2, argv, "SELECT", err);
		if (rc < 0)
			goto fail;
	}
	if (redisSetTimeout(ctx, ms_tv(c->opts.command_timeout_ms)) != 0) {
		rc = st_err_set(err, ST_EIO, "redis error: cannot connect to %s: %s",
		                kv_conn_display(c), ctx->errstr);
		goto fail;
	}
	s->ctx = ctx;
	return 0;
fail:
	redisFree(ctx);
	return rc;
}

/* True when an idle connection looks usable: its socket has nothing to read and no hang-up. */
static bool ctx_idle_ok(const redisContext *ctx)
{
	struct pollfd p;

	if (ctx->err || ctx->fd < 0)
		return false;
	p.fd = ctx->fd;
	p.events = POLLIN;
	p.revents = 0;
	/* Redis sends nothing unasked; anything readable is EOF, an error or lost sync. */
	return poll(&p, 1, 0) <= 0;
}

/* Makes the held slot's connection usable, reconnecting when needed. */
static int slot_ready(kv_conn *c, kv_slot *s, st_err *err)
{
	if (s->ctx && !ctx_idle_ok(s->ctx))
		slot_close(s);
	if (s->ctx)
		return 0;
	return slot_connect(c, s, err);
}

int kv_conn_connect(kv_conn *c, st_err *err)
{
	kv_slot *s;
	int rc;

	if (c->url_rc < 0)
		return st_err_set(err, c->url_rc, "%s", c->url_err.msg);
	s = slot_take(c);
	rc = slot_ready(c, s, err);
	slot_give(c, s);
	return rc;
}

/* ---- Operations ----------------------------------------------------------- */

/* One operation in progress: the connection it holds (taken at its first command). */
typedef struct kv_exec {
	kv_conn *c;
	kv_slot *slot;  /* NULL until the first command */
	const char *op; /* the operation name, for messages */
} kv_exec;

/*
 * Sends one command (argc arguments; lens may be NULL for NUL-terminated
 * ones) and returns its reply in *out (freeReplyObject), never an error
 * reply: those become ST_EINVAL "redis error: <message>".
 */
static int run(kv_exec *x, int argc, const char **argv, const size_t *lens, redisReply **out,
               st_err *err)
{
	redisReply *r;
	int rc, errno_at;

	if (!x->slot) {
		x->slot = slot_take(x->c);
		rc = slot_ready(x->c, x->slot, err);
		if (rc < 0)
			return rc;
	} else if (!x->slot->ctx) {
		rc = slot_connect(x->c, x->slot, err);
		if (rc < 0)
			return rc;
	}
	errno = 0;
	r = redisCommandArgv(x->slot->ctx, argc, argv, lens);
	errno_at = errno;
	if (!r) {
		rc = io_error(x->c, x->slot->ctx, errno_at, argv[0], err);
		slot_close(x->slot);
		return rc;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		rc = st_err_set(err, ST_EINVAL, "redis error: %.*s", (int)r->len, r->str);
		freeReplyObject(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int unexpected(kv_exec *x, const redisReply *r, const char *cmd, st_err *err)
{
	return st_err_set(err, ST_EINVAL, "redis error: unexpected reply (type %d) to %s in %s",
	                  r->type, cmd, x->op);
}

/* Runs a command whose reply is an integer, into *out. */
static int run_int(kv_exec *x, int argc, const char **argv, const size_t *lens, long long *out,
                   st_err *err)
{
	redisReply *r;
	int rc = run(x, argc, argv, lens, &r, err);

	if (rc < 0)
		return rc;
	if (r->type != REDIS_REPLY_INTEGER)
		rc = unexpected(x, r, argv[0], err);
	else
		*out = r->integer;
	freeReplyObject(r);
	return rc;
}

/* Runs a command whose reply is an array of strings and encodes it as a StringList. */
static int run_list(kv_exec *x, int argc, const char **argv, const size_t *lens, mp_writer *w,
                    st_err *err)
{
	wc_model_string_list list = { NULL, 0 };
	redisReply *r;
	int rc = run(x, argc, argv, lens, &r, err);

	if (rc < 0)
		return rc;
	if (r->type != REDIS_REPLY_ARRAY) {
		rc = unexpected(x, r, argv[0], err);
		goto out;
	}
	if (r->elements > 0) {
		list.items = wcg_alloc_array(r->elements, sizeof(*list.items));
		if (!list.items) {
			rc = st_err_set(err, ST_ENOMEM, "%s: out of memory", x->op);
			goto out;
		}
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_STRING) {
			rc = unexpected(x, e, argv[0], err);
			goto out;
		}
		list.items[i].p = e->str;
		list.items[i].n = e->len;
	}
	list.n = r->elements;
	(void)wc_model_string_list_encode(w, &list);
out:
	freeReplyObject(r);
	return rc;
}

static int bad_input(kv_exec *x, const mp_reader *r, int rc, st_err *err)
{
	return st_err_set(err, ST_EMALFORMED, "deserialization: %s input: %s", x->op,
	                  r->msg[0] ? r->msg : st_strerror(rc));
}

/* Reads the bare string input of Get, Del, Contains, ListClear, SetQuery, SetClear. */
static int read_key(kv_exec *x, mp_reader *r, wc_str *key, st_err *err)
{
	int rc = wcg_mp_read_str(r, key);

	return rc < 0 ? bad_input(x, r, rc, err) : 0;
}

/* A command of two arguments, the second a wire string. */
static int run_int_key(kv_exec *x, const char *cmd, wc_str key, long long *out, st_err *err)
{
	const char *argv[2] = { cmd, key.p };
	size_t lens[2] = { strlen(cmd), key.n };

	return run_int(x, 2, argv, lens, out, err);
}

static int op_get(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_get_response resp = { { "", 0 }, false };
	const char *argv[2] = { "GET", NULL };
	size_t lens[2] = { 3, 0 };
	redisReply *rep;
	wc_str key;
	int rc = read_key(x, r, &key, err);

	if (rc < 0)
		return rc;
	argv[1] = key.p;
	lens[1] = key.n;
	rc = run(x, 2, argv, lens, &rep, err);
	if (rc < 0)
		return rc;
	if (rep->type == REDIS_REPLY_STRING) {
		resp.value.p = rep->str;
		resp.value.n = rep->len;
		resp.exists = true;
	} else if (rep->type != REDIS_REPLY_NIL) {
		rc = unexpected(x, rep, "GET", err);
	}
	if (rc == 0)
		(void)wc_keyvalue_get_response_encode(w, &resp);
	freeReplyObject(rep);
	return rc;
}

static int op_set(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_set_request in;
	char ex[16];
	const char *argv[5] = { "SET", NULL, NULL, "EX", ex };
	size_t lens[5] = { 3, 0, 0, 2, 0 };
	redisReply *rep;
	int rc = wc_keyvalue_set_request_decode(r, &in);

	(void)w;
	if (rc < 0)
		return bad_input(x, r, rc, err);
	argv[1] = in.key.p;
	lens[1] = in.key.n;
	argv[2] = in.value.p;
	lens[2] = in.value.n;
	lens[4] = (size_t)snprintf(ex, sizeof(ex), "%" PRIu32, in.expires);
	rc = run(x, in.expires ? 5 : 3, argv, lens, &rep, err);
	if (rc < 0)
		return rc;
	if (rep->type != REDIS_REPLY_STATUS)
		rc = unexpected(x, rep, "SET", err);
	freeReplyObject(rep);
	return rc;
}

/* Del, Contains, ListClear, SetClear: a key in, "the integer reply is > 0" out. */
static int op_key_bool(kv_exec *x, const char *cmd, mp_reader *r, mp_writer *w, st_err *err)
{
	long long n = 0;
	wc_str key;
	int rc = read_key(x, r, &key, err);

	if (rc == 0)
		rc = run_int_key(x, cmd, key, &n, err);
	if (rc == 0)
		(void)mp_write_bool(w, n > 0);
	return rc;
}

static int op_del(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_key_bool(x, "DEL", r, w, err);
}

static int op_contains(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_key_bool(x, "EXISTS", r, w, err);
}

static int op_increment(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_increment_request in;
	char by[16];
	const char *argv[3] = { "INCRBY", NULL, by };
	size_t lens[3] = { 6, 0, 0 };
	long long n = 0;
	int rc = wc_keyvalue_increment_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	argv[1] = in.key.p;
	lens[1] = in.key.n;
	lens[2] = (size_t)snprintf(by, sizeof(by), "%" PRId32, in.value);
	rc = run_int(x, 3, argv, lens, &n, err);
	if (rc < 0)
		return rc;
	if (n < INT32_MIN || n > INT32_MAX)
		return st_err_set(
			err, ST_EINVAL,
			"redis error: the value of '%.*s' is now %lld, which does not fit "
			"the i32 of Increment",
			(int)in.key.n, in.key.p, n);
	(void)mp_write_int(w, n);
	return 0;
}

/* ListAdd, ListDel, SetAdd, SetDel: CMD name [1] value, an integer reply. */
static int run_pair(kv_exec *x, const char *cmd, bool count_one, wc_str name, wc_str value,
                    long long *n, st_err *err)
{
	const char *argv[4] = { cmd, name.p, "1", value.p };
	size_t lens[4] = { strlen(cmd), name.n, 1, value.n };

	if (count_one)
		return run_int(x, 4, argv, lens, n, err);
	argv[2] = value.p;
	lens[2] = value.n;
	return run_int(x, 3, argv, lens, n, err);
}

/* An integer reply as the u32 output. */
static int write_u32(kv_exec *x, const char *cmd, long long n, mp_writer *w, st_err *err)
{
	if (n < 0 || n > UINT32_MAX)
		return st_err_set(err, ST_EINVAL, "redis error: %s answered %lld, not a u32 for %s",
		                  cmd, n, x->op);
	(void)mp_write_uint(w, (uint64_t)n);
	return 0;
}

static int op_list_add(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_list_add_request in;
	long long n = 0;
	int rc = wc_keyvalue_list_add_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	rc = run_pair(x, "RPUSH", false, in.list_name, in.value, &n, err);
	return rc < 0 ? rc : write_u32(x, "RPUSH", n, w, err);
}

static int op_list_del(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_list_del_request in;
	long long n = 0;
	int rc = wc_keyvalue_list_del_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	rc = run_pair(x, "LREM", true, in.list_name, in.value, &n, err);
	if (rc == 0)
		(void)mp_write_bool(w, n > 0);
	return rc;
}

static int op_list_range(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_list_range_request in;
	char start[16], stop[16];
	const char *argv[4] = { "LRANGE", NULL, start, stop };
	size_t lens[4] = { 6, 0, 0, 0 };
	int rc = wc_keyvalue_list_range_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	argv[1] = in.list_name.p;
	lens[1] = in.list_name.n;
	lens[2] = (size_t)snprintf(start, sizeof(start), "%" PRId32, in.start);
	lens[3] = (size_t)snprintf(stop, sizeof(stop), "%" PRId32, in.stop);
	return run_list(x, 4, argv, lens, w, err);
}

static int op_list_clear(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_key_bool(x, "DEL", r, w, err);
}

static int op_set_add(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_set_add_request in;
	long long n = 0;
	int rc = wc_keyvalue_set_add_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	rc = run_pair(x, "SADD", false, in.set_name, in.value, &n, err);
	return rc < 0 ? rc : write_u32(x, "SADD", n, w, err);
}

static int op_set_del(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_keyvalue_set_del_request in;
	long long n = 0;
	int rc = wc_keyvalue_set_del_request_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	rc = run_pair(x, "SREM", false, in.set_name, in.value, &n, err);
	return rc < 0 ? rc : write_u32(x, "SREM", n, w, err);
}

static int op_set_query(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	const char *argv[2] = { "SMEMBERS", NULL };
	size_t lens[2] = { 8, 0 };
	wc_str key;
	int rc = read_key(x, r, &key, err);

	if (rc < 0)
		return rc;
	argv[1] = key.p;
	lens[1] = key.n;
	return run_list(x, 2, argv, lens, w, err);
}

/* SetUnion, SetIntersection: CMD set... over a StringList of set names. */
static int op_sets(kv_exec *x, const char *cmd, mp_reader *r, mp_writer *w, st_err *err)
{
	wc_model_string_list in;
	const char **argv;
	size_t *lens;
	int rc = wc_model_string_list_decode(r, &in);

	if (rc < 0)
		return bad_input(x, r, rc, err);
	if (in.n >= INT_MAX)
		return st_err_set(err, ST_ETOOBIG, "%s: too many sets", x->op);
	argv = wcg_alloc_array(in.n + 1, sizeof(*argv));
	lens = wcg_alloc_array(in.n + 1, sizeof(*lens));
	if (!argv || !lens)
		return st_err_set(err, ST_ENOMEM, "%s: out of memory", x->op);
	argv[0] = cmd;
	lens[0] = strlen(cmd);
	for (size_t i = 0; i < in.n; i++) {
		argv[i + 1] = in.items[i].p;
		lens[i + 1] = in.items[i].n;
	}
	/* An empty list goes to Redis as it is (the reference does so): a Redis error. */
	return run_list(x, (int)in.n + 1, argv, lens, w, err);
}

static int op_set_union(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_sets(x, "SUNION", r, w, err);
}

static int op_set_intersection(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_sets(x, "SINTER", r, w, err);
}

static int op_set_clear(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err)
{
	return op_key_bool(x, "DEL", r, w, err);
}

typedef int (*op_fn)(kv_exec *x, mp_reader *r, mp_writer *w, st_err *err);

/* The operations of interfaces.md §6, by the method part of their name. */
static const struct {
	const char *method;
	op_fn fn;
} ops[] = {
	{ "Get", op_get },
	{ "Set", op_set },
	{ "Del", op_del },
	{ "Contains", op_contains },
	{ "Increment", op_increment },
	{ "ListAdd", op_list_add },
	{ "ListDel", op_list_del },
	{ "ListRange", op_list_range },
	{ "ListClear", op_list_clear },
	{ "SetAdd", op_set_add },
	{ "SetDel", op_set_del },
	{ "SetQuery", op_set_query },
	{ "SetUnion", op_set_union },
	{ "SetIntersection", op_set_intersection },
	{ "SetClear", op_set_clear },
};

/* The operation's function, or NULL with wasmbus-rpc's dispatch error in err. */
static op_fn find_op(const char *operation, st_err *err)
{
	size_t n = strlen(SERVICE);

	if (strncmp(operation, SERVICE, n) != 0 || operation[n] != '.') {
		st_err_set(err, ST_ENOSYS, "method not handled %s - unknown method", operation);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(operation + n + 1, ops[i].method) == 0)
			return ops[i].fn;
	st_err_set(err, ST_ENOSYS, "method not handled %s::%s", SERVICE, operation + n + 1);
	return NULL;
}

int kv_conn_invoke(kv_conn *c, const char *operation, const void *msg, size_t len, st_buf *out,
                   st_err *err)
{
	kv_exec x = { c, NULL, operation };
	op_fn fn = find_op(operation, err);
	mp_reader r;
	mp_writer w;
	int rc;

	if (!fn)
		return ST_ENOSYS;
	if (c->url_rc < 0)
		return st_err_set(err, ST_EINVAL, "redis error: %s", c->url_err.msg);
	mp_reader_init(&r, msg, len);
	mp_writer_init_default(&w, out->max > out->n ? out->max - out->n : 0);
	rc = fn(&x, &r, &w, err);
	if (x.slot)
		slot_give(c, x.slot);
	if (rc == 0 && mp_writer_status(&w) < 0)
		rc = st_err_set(err, mp_writer_status(&w), "%s: cannot encode the output: %s",
		                operation, st_strerror(mp_writer_status(&w)));
	if (rc == 0 && w.n > 0 && st_buf_append(out, w.p, w.n) < 0)
		rc = st_err_set(err, ST_ETOOBIG, "%s: the output takes %zu bytes, more than %zu",
		                operation, w.n, out->max - out->n);
	mp_writer_deinit(&w);
	kv_rt_reset();
	return rc;
}
