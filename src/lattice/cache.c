/*
 * cache.c - the LATTICEDATA_{prefix} JetStream KV bucket (lattice.md §7.1).
 *
 * The stream is created with the exact settings the reference host uses,
 * then bound with cnats's KV API. cnats 3.4 only has a blocking KV watcher
 * (kvWatcher_Next), so a watch runs one thread that waits for entries,
 * copies each one and posts it to the connection's loop with
 * lat_conn_post; the loop thread makes the callbacks. Closing stops the
 * watcher, joins the thread and posts the final free behind the entries
 * still queued, so a queued entry never outlives its cache. The small JSON
 * helpers for links, claims and refmaps (jansson) sit at the end.
 */
#include "lattice/cache.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"

#include "core/banned.h"

#define BUCKET_PREFIX "LATTICEDATA_"
#define WATCH_WAIT_MS (3600 * 1000)
#define VALUE_MAX (8u << 20) /* a cached value larger than this is refused */

static const struct {
	lat_cache_kind kind;
	const char *prefix;
} key_prefixes[] = {
	{ LAT_CACHE_LINKDEF, "LINKDEF_" },
	{ LAT_CACHE_CLAIMS, "CLAIMS_" },
	{ LAT_CACHE_REFMAP, "REFMAP_" },
};

struct lat_cache {
	lat_conn *conn;        /* borrowed */
	jsCtx *js;             /* owned */
	kvStore *kv;           /* owned */
	char *bucket;          /* owned */
	kvWatcher *watcher;    /* owned; NULL when not watching */
	pthread_t thread;      /* the watch thread, when watcher != NULL */
	lat_cache_watch_cb cb; /* loop thread */
	void *ud;
	bool closing; /* loop thread: lat_cache_free ran; drop queued entries */
};

/* A change copied off the watch thread, delivered on the loop. */
struct change {
	lat_cache *c;
	lat_cache_op op;
	uint64_t revision;
	char *key;      /* owned */
	uint8_t *value; /* owned, may be NULL */
	size_t len;
};

lat_cache_kind lat_cache_key_kind(const char *key, const char **suffix)
{
	for (size_t i = 0; i < sizeof(key_prefixes) / sizeof(key_prefixes[0]); i++) {
		size_t n = strlen(key_prefixes[i].prefix);

		if (strncmp(key, key_prefixes[i].prefix, n) == 0) {
			if (suffix)
				*suffix = key + n;
			return key_prefixes[i].kind;
		}
	}
	if (suffix)
		*suffix = key;
	return LAT_CACHE_OTHER;
}

char *lat_cache_key(lat_cache_kind kind, const char *suffix)
{
	const char *p = "";
	size_t n;
	char *k;

	for (size_t i = 0; i < sizeof(key_prefixes) / sizeof(key_prefixes[0]); i++)
		if (key_prefixes[i].kind == kind)
			p = key_prefixes[i].prefix;
	n = strlen(p) + strlen(suffix) + 1;
	k = xmalloc(n);
	snprintf(k, n, "%s%s", p, suffix);
	return k;
}

/* Creates KV_{bucket} as §7.1 gives it; an existing stream is fine. */
static int create_stream(lat_cache *c, st_err *err)
{
	jsStreamConfig cfg;
	jsErrCode jerr = 0;
	char name[300], subj[300];
	const char *subjects[1] = { subj };
	natsStatus s;

	snprintf(name, sizeof(name), "KV_%s", c->bucket);
	snprintf(subj, sizeof(subj), "$KV.%s.>", c->bucket);
	jsStreamConfig_Init(&cfg);
	cfg.Name = name;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Retention = js_LimitsPolicy;
	cfg.MaxConsumers = -1;
	cfg.MaxMsgsPerSubject = 1;
	cfg.MaxMsgs = -1;
	cfg.MaxBytes = -1;
	cfg.AllowDirect = true;
	cfg.MirrorDirect = false;
	cfg.DenyDelete = true;
	cfg.Sealed = false;
	cfg.DenyPurge = false;
	cfg.AllowRollup = true;
	cfg.MaxAge = 0;
	cfg.MaxMsgSize = -1;
	cfg.Storage = js_FileStorage;
	cfg.Discard = js_DiscardNew;
	cfg.Replicas = 1;
	cfg.Duplicates = (int64_t)120 * 1000 * 1000 * 1000; /* nanoseconds */
	s = js_AddStream(NULL, c->js, &cfg, NULL, &jerr);
	if (s == NATS_OK)
		return 0;
	/* "already in use" (also "... with a different configuration") and "subjects overlap". */
	if (jerr == JSStreamNameExistErr || jerr == JSStreamSubjectOverlapErr)
		return 0;
	return lat_status_err(s, err, name);
}

int lat_cache_open(lat_conn *conn, const char *lattice_prefix, const char *js_domain,
                   lat_cache **out, st_err *err)
{
	lat_cache *c;
	jsOptions jo;
	natsStatus s;
	size_t n;
	int rc;

	*out = NULL;
	if (!lattice_prefix || !*lattice_prefix || strpbrk(lattice_prefix, ".*> \t"))
		return st_err_set(err, ST_EINVAL, "bad lattice prefix \"%s\"",
		                  lattice_prefix ? lattice_prefix : "");
	c = xcalloc(1, sizeof(*c));
	c->conn = conn;
	n = sizeof(BUCKET_PREFIX) + strlen(lattice_prefix);
	c->bucket = xmalloc(n);
	snprintf(c->bucket, n, "%s%s", BUCKET_PREFIX, lattice_prefix);
	jsOptions_Init(&jo);
	if (js_domain && *js_domain)
		jo.Domain = js_domain;
	s = natsConnection_JetStream(&c->js, lat_conn_nats(conn), &jo);
	if (s != NATS_OK) {
		rc = lat_status_err(s, err, "jetstream");
		goto fail;
	}
	rc = create_stream(c, err);
	if (rc < 0)
		goto fail;
	s = js_KeyValue(&c->kv, c->js, c->bucket);
	if (s != NATS_OK) {
		rc = lat_status_err(s, err, c->bucket);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	jsCtx_Destroy(c->js);
	st_free(c->bucket);
	st_free(c);
	return rc;
}

const char *lat_cache_bucket(const lat_cache *c)
{
	return c->bucket;
}

int lat_cache_put(lat_cache *c, const char *key, const void *value, size_t len, st_err *err)
{
	natsStatus s;

	if (len > VALUE_MAX)
		return st_err_set(err, ST_ETOOBIG, "%s: value of %zu bytes", key, len);
	s = kvStore_Put(NULL, c->kv, key, value, (int)len);
	return s == NATS_OK ? 0 : lat_status_err(s, err, key);
}

int lat_cache_get(lat_cache *c, const char *key, st_buf *out, st_err *err)
{
	kvEntry *e = NULL;
	natsStatus s = kvStore_Get(&e, c->kv, key);
	int rc, n;

	if (s == NATS_NOT_FOUND)
		return st_err_set(err, ST_ENOTFOUND, "%s: no such key in %s", key, c->bucket);
	if (s != NATS_OK)
		return lat_status_err(s, err, key);
	n = kvEntry_ValueLen(e);
	rc = st_buf_append(out, kvEntry_Value(e), n > 0 ? (size_t)n : 0);
	if (rc < 0)
		st_err_set(err, rc, "%s: value of %d bytes", key, n);
	kvEntry_Destroy(e);
	return rc;
}

int lat_cache_delete(lat_cache *c, const char *key, st_err *err)
{
	natsStatus s = kvStore_Purge(c->kv, key, NULL);

	return s == NATS_OK ? 0 : lat_status_err(s, err, key);
}

static void change_free(struct change *ch)
{
	st_free(ch->key);
	st_free(ch->value);
	st_free(ch);
}

/* Loop thread. */
static void deliver(void *arg)
{
	struct change *ch = arg;
	lat_cache *c = ch->c;
	lat_cache_entry e;

	if (!c->closing) {
		memset(&e, 0, sizeof(e));
		e.op = ch->op;
		e.key = ch->key;
		e.kind = lat_cache_key_kind(ch->key, &e.suffix);
		e.value = st_slice_make(ch->value, ch->value ? ch->len : 0);
		e.revision = ch->revision;
		c->cb(c, &e, c->ud);
	}
	change_free(ch);
}

/* Loop thread: queued behind every change of c, so nothing refers to c after it. */
static void final_free(void *arg)
{
	lat_cache *c = arg;

	st_free(c->bucket);
	st_free(c);
}

/* The watch thread: blocks in kvWatcher_Next until lat_cache_free stops it. */
static void *watch_main(void *arg)
{
	lat_cache *c = arg;

	for (;;) {
		kvEntry *e = NULL;
		struct change *ch;
		natsStatus s = kvWatcher_Next(&e, c->watcher, WATCH_WAIT_MS);

		if (s == NATS_TIMEOUT)
			continue;
		if (s != NATS_OK)
			break; /* NATS_ILLEGAL_STATE once stopped */
		ch = xcalloc(1, sizeof(*ch));
		ch->c = c;
		if (!e) {
			ch->op = LAT_CACHE_SYNCED;
			ch->key = xstrdup("");
		} else {
			kvOperation op = kvEntry_Operation(e);
			int n = kvEntry_ValueLen(e);

			ch->op = op == kvOp_Delete || op == kvOp_Purge ? LAT_CACHE_DELETE :
			                                                 LAT_CACHE_PUT;
			ch->key = xstrdup(kvEntry_Key(e));
			ch->revision = kvEntry_Revision(e);
			if (ch->op == LAT_CACHE_PUT && n > 0) {
				ch->len = (size_t)n;
				ch->value = xmalloc(ch->len);
				memcpy(ch->value, kvEntry_Value(e), ch->len);
			}
			kvEntry_Destroy(e);
		}
		lat_conn_post(c->conn, deliver, ch);
	}
	return NULL;
}

int lat_cache_watch(lat_cache *c, lat_cache_watch_cb cb, void *ud, st_err *err)
{
	natsStatus s;

	if (!lat_conn_loop(c->conn))
		return st_err_set(err, ST_ESTATE, "%s: watch needs a connection with a loop",
		                  c->bucket);
	if (c->watcher)
		return st_err_set(err, ST_ESTATE, "%s: already watching", c->bucket);
	c->cb = cb;
	c->ud = ud;
	s = kvStore_WatchAll(&c->watcher, c->kv, NULL);
	if (s != NATS_OK) {
		c->watcher = NULL;
		return lat_status_err(s, err, c->bucket);
	}
	if (pthread_create(&c->thread, NULL, watch_main, c) != 0) {
		kvWatcher_Stop(c->watcher);
		kvWatcher_Destroy(c->watcher);
		c->watcher = NULL;
		return st_err_set(err, ST_EIO, "%s: cannot start the watch thread", c->bucket);
	}
	return 0;
}

void lat_cache_free(lat_cache *c)
{
	bool watched;

	if (!c)
		return;
	watched = c->watcher != NULL;
	if (watched) {
		kvWatcher_Stop(c->watcher);
		pthread_join(c->thread, NULL);
		kvWatcher_Destroy(c->watcher);
		c->watcher = NULL;
	}
	kvStore_Destroy(c->kv);
	jsCtx_Destroy(c->js);
	c->kv = NULL;
	c->js = NULL;
	c->closing = true;
	if (watched)
		lat_conn_post(c->conn, final_free, c);
	else
		final_free(c);
}

/* ---- JSON helpers ---- */

static json_t *load_object(const void *json, size_t len, const char *what, st_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je);

	if (!root) {
		st_err_set(err, ST_EMALFORMED, "%s: %s", what, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		st_err_set(err, ST_EMALFORMED, "%s: not a JSON object", what);
		return NULL;
	}
	return root;
}

/* A required string member, copied; NULL (and err set) when absent or not a string. */
static char *need_str(json_t *o, const char *key, const char *what, st_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		st_err_set(err, ST_EMALFORMED, "%s: \"%s\" missing or not a string", what, key);
		return NULL;
	}
	return xstrndup(json_string_value(v), json_string_length(v));
}

int lat_cache_link_parse(const void *json, size_t len, linkdef *out, st_err *err)
{
	json_t *root;
	int rc;

	linkdef_init(out);
	root = load_object(json, len, "link", err);
	if (!root)
		return ST_EMALFORMED;
	rc = linkdef_from_json(out, root, LINKDEF_JSON_DEFAULT_NAME, err);
	json_decref(root);
	return rc;
}

/* json_dumps output re-homed in our allocator family. */
static char *dump(json_t *root)
{
	char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *r;

	if (!s)
		ST_BUG("json_dumps failed");
	r = xstrdup(s);
	free(s); /* jansson's allocator */
	json_decref(root);
	return r;
}

char *lat_cache_link_to_json(const linkdef *l)
{
	json_t *root = linkdef_to_json(l);

	if (!root)
		ST_BUG("out of memory building a link's JSON");
	return dump(root);
}

int lat_cache_put_link(lat_cache *c, const linkdef *l, st_err *err)
{
	char id[LINKDEF_ID_LEN + 1], *key, *json;
	int rc;

	if (!l->actor_id || !l->provider_id || !l->contract_id || !l->link_name)
		return st_err_set(err, ST_EINVAL, "link without actor, provider, contract or name");
	if (!l->id)
		linkdef_compute_id(l->actor_id, l->contract_id, l->link_name, id);
	key = lat_cache_key(LAT_CACHE_LINKDEF, l->id ? l->id : id);
	json = lat_cache_link_to_json(l);
	rc = lat_cache_put(c, key, json, strlen(json), err);
	st_free(json);
	st_free(key);
	return rc;
}

int lat_cache_get_link(lat_cache *c, const char *id, linkdef *out, st_err *err)
{
	char *key = lat_cache_key(LAT_CACHE_LINKDEF, id);
	st_buf b;
	int rc;

	linkdef_init(out);
	st_buf_init(&b, VALUE_MAX);
	rc = lat_cache_get(c, key, &b, err);
	if (rc == 0)
		rc = lat_cache_link_parse(b.p, b.n, out, err);
	st_buf_deinit(&b);
	st_free(key);
	return rc;
}

int lat_cache_del_link(lat_cache *c, const char *id, st_err *err)
{
	char *key = lat_cache_key(LAT_CACHE_LINKDEF, id);
	int rc = lat_cache_delete(c, key, err);

	st_free(key);
	return rc;
}

int lat_cache_claims_parse(const void *json, size_t len, lat_cache_claims *out, st_err *err)
{
	json_t *root = load_object(json, len, "claims", err), *v;
	const char *k;

	memset(out, 0, sizeof(*out));
	if (!root)
		return ST_EMALFORMED;
	json_object_foreach(root, k, v)
	{
		if (json_is_string(v))
			lat_cache_claims_set(out, k, json_string_value(v));
		else if (json_is_null(v))
			lat_cache_claims_set(out, k, "");
	}
	json_decref(root);
	return 0;
}

const char *lat_cache_claims_get(const lat_cache_claims *cl, const char *key)
{
	for (size_t i = 0; i < cl->n; i++)
		if (strcmp(cl->pairs[i].key, key) == 0)
			return cl->pairs[i].value;
	return NULL;
}

void lat_cache_claims_set(lat_cache_claims *cl, const char *key, const char *value)
{
	for (size_t i = 0; i < cl->n; i++) {
		if (strcmp(cl->pairs[i].key, key) == 0) {
			st_free(cl->pairs[i].value);
			cl->pairs[i].value = xstrdup(value ? value : "");
			return;
		}
	}
	cl->pairs = xrealloc(cl->pairs, (cl->n + 1) * sizeof(*cl->pairs));
	cl->pairs[cl->n].key = xstrdup(key);
	cl->pairs[cl->n].value = xstrdup(value ? value : "");
	cl->n++;
}

char *lat_cache_claims_to_json(const lat_cache_claims *cl)
{
	json_t *root = json_object();

	for (size_t i = 0; i < cl->n; i++)
		json_object_set_new(root, cl->pairs[i].key, json_string(cl->pairs[i].value));
	return dump(root);
}

void lat_cache_claims_deinit(lat_cache_claims *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		st_free(cl->pairs[i].key);
		st_free(cl->pairs[i].value);
	}
	st_free(cl->pairs);
	memset(cl, 0, sizeof(*cl));
}

int lat_cache_put_claims(lat_cache *c, const char *public_key, const lat_cache_claims *cl,
                         st_err *err)
{
	char *key = lat_cache_key(LAT_CACHE_CLAIMS, public_key);
	char *json = lat_cache_claims_to_json(cl);
	int rc = lat_cache_put(c, key, json, strlen(json), err);

	st_free(json);
	st_free(key);
	return rc;
}

char *lat_cache_refmap_key(const char *ref)
{
	size_t n = strlen(ref);
	size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *b64 = xmalloc(cap), *key;

	sodium_bin2base64(b64, cap, (const unsigned char *)ref, n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	key = lat_cache_key(LAT_CACHE_REFMAP, b64);
	st_free(b64);
	return key;
}

int lat_cache_put_refmap(lat_cache *c, const char *ref, const char *public_key, st_err *err)
{
	json_t *root = json_object();
	char *key = lat_cache_refmap_key(ref), *json;
	int rc;

	json_object_set_new(root, "oci_url", json_string(ref));
	json_object_set_new(root, "public_key", json_string(public_key));
	json = dump(root);
	rc = lat_cache_put(c, key, json, strlen(json), err);
	st_free(json);
	st_free(key);
	return rc;
}

int lat_cache_refmap_parse(const void *json, size_t len, char **oci_url, char **public_key,
                           st_err *err)
{
	json_t *root = load_object(json, len, "refmap", err);

	*oci_url = *public_key = NULL;
	if (!root)
		return ST_EMALFORMED;
	*oci_url = need_str(root, "oci_url", "refmap", err);
	if (*oci_url)
		*public_key = need_str(root, "public_key", "refmap", err);
	json_decref(root);
	if (!*public_key) {
		st_free(*oci_url);
		*oci_url = NULL;
		return ST_EMALFORMED;
	}
	return 0;
}
