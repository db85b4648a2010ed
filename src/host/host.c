/*
 * host.c - the host process (host.h): start-up (config, embedded NATS,
 * connection, lattice cache, host_config.json), the control interface
 * (lattice.md §5), actor lifecycle (launch, stop, scale, update), events
 * and shutdown. Everything here runs on the loop thread except the bodies
 * of the uv_queue_work jobs, which only touch their own job struct.
 */
#include "host/host.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host_int.h"
#include "lattice/invocation.h"

#include "core/banned.h"

#define HOST_MAX_MODULE_BYTES ((size_t)256 << 20)

void host_opts_init(host_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->version = "0.1.0";
	o->heartbeat_ms = HOST_DEFAULT_HEARTBEAT_MS;
	o->embedded_nats = true;
}

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

evt_src host_evt_src(const host *h)
{
	evt_src s = { h->cfg.host_id, NULL, 0 };

	return s;
}

void host_publish_event(host *h, const char *subject, json_t *ev)
{
	size_t len = 0;
	char *s = ctl_json_dump_take(ev, &len);
	st_err err;

	if (!s) {
		st_log(ST_LOG_WARN, "could not build an event for %s", subject);
		return;
	}
	if (lat_conn_publish(h->evconn ? h->evconn : h->conn, subject, s, len, &err) < 0)
		st_log(ST_LOG_WARN, "publish on %s failed: %s", subject, err.msg);
	st_free(s);
}

static void publish_evt(host *h, json_t *ev)
{
	host_publish_event(h, h->evt_subject, ev);
}

/* Replies to msg with j (taken), when msg has a reply subject. */
static void reply_json(host *h, lat_msg *msg, json_t *j)
{
	size_t len = 0;
	char *s = ctl_json_dump_take(j, &len);
	st_err err;

	if (!s || !lat_msg_reply(msg))
		goto done;
	if (lat_msg_respond(h->conn, msg, s, len, &err) < 0)
		st_log(ST_LOG_WARN, "reply to %s failed: %s", lat_msg_subject(msg), err.msg);
done:
	st_free(s);
}

static void reply_ack(host *h, lat_msg *msg, bool ok, const char *error)
{
	reply_json(h, msg, ctl_ack(ok, error));
}

/* ---- Actor table ------------------------------------------------------- */

host_actor *host_actor_find(host *h, const char *key)
{
	host_actor *ha;

	pthread_rwlock_rdlock(&h->route_mu);
	for (ha = h->actors; ha; ha = ha->next)
		if (strcmp(ha->id, key) == 0) {
			atomic_fetch_add(&ha->refs, 1);
			break;
		}
	pthread_rwlock_unlock(&h->route_mu);
	return ha;
}

static void actor_free_now(void *arg)
{
	host_actor *ha = arg;
	host *h = ha->h;

	pool_free(ha->pool);
	for (size_t i = 0; i < ha->ninsts; i++)
		ctl_strmap_deinit(&ha->insts[i].annotations);
	st_free(ha->insts);
	st_free(ha->image_ref);
	st_free(ha->call_alias);
	st_free(ha);
	atomic_fetch_sub(&h->live_actors, 1);
}

void host_actor_unref(host_actor *ha)
{
	uv_thread_t self = uv_thread_self();

	if (!ha || atomic_fetch_sub(&ha->refs, 1) != 1)
		return;
	if (uv_thread_equal(&self, &ha->h->loop_thread))
		actor_free_now(ha);
	else
		lat_conn_post(ha->h->conn, actor_free_now, ha);
}

/* Loop thread. Looks up a local actor without taking a reference. */
static host_actor *actor_lookup(host *h, const char *key)
{
	for (host_actor *ha = h->actors; ha; ha = ha->next)
		if (strcmp(ha->id, key) == 0)
			return ha;
	return NULL;
}

/* Loop thread. Unlinks ha from the table, closes its subscription, drops the table's reference. */
static void actor_remove(host *h, host_actor *ha)
{
	host_actor **pp;

	pthread_rwlock_wrlock(&h->route_mu);
	for (pp = &h->actors; *pp; pp = &(*pp)->next)
		if (*pp == ha) {
			*pp = ha->next;
			break;
		}
	pthread_rwlock_unlock(&h->route_mu);
	lat_sub_close(ha->sub);
	ha->sub = NULL;
	host_actor_unref(ha);
	if (h->fast_listening.n)
		host_fast_sync(h);
}

/* Loop thread. Stops n instances (from the end) of ha, publishing actor_stopped for each. */
static void actor_drop_instances(host *h, host_actor *ha, size_t n)
{
	evt_src src = host_evt_src(h);

	while (n-- > 0 && ha->ninsts > 0) {
		host_inst *in = &ha->insts[--ha->ninsts];

		publish_evt(h, evt_actor_stopped(&src, ha->id, in->id, &in->annotations));
		ctl_strmap_deinit(&in->annotations);
	}
}

/* Loop thread. Appends n instance records with annotations. */
static void actor_add_instances(host_actor *ha, size_t n, const ctl_strmap *ann)
{
	ha->insts = xrealloc(ha->insts, (ha->ninsts + n) * sizeof(*ha->insts));
	for (size_t i = 0; i < n; i++) {
		host_inst *in = &ha->insts[ha->ninsts++];

		evt_uuid_v4(in->id);
		ctl_strmap_init(&in->annotations);
		ctl_strmap_copy(&in->annotations, ann);
	}
}

/* ---- Claims and links tables ------------------------------------------ */

/* Loop thread. Stores a claims map (copied) keyed by its "sub"; updates the alias table. */
void host_claims_store(host *h, const ctl_strmap *m)
{
	const char *sub = ctl_strmap_get(m, "sub");
	const char *alias = ctl_strmap_get(m, "call_alias");
	size_t i;

	if (!sub || !*sub)
		return;
	for (i = 0; i < h->nclaims; i++)
		if (strcmp(ctl_strmap_get(&h->claims[i], "sub"), sub) == 0)
			break;
	if (i == h->nclaims) {
		h->claims = xrealloc(h->claims, (h->nclaims + 1) * sizeof(*h->claims));
		ctl_strmap_init(&h->claims[h->nclaims++]);
	}
	ctl_strmap_copy(&h->claims[i], m);
	if (alias && *alias) {
		char *norm = claims_normalize_alias(alias);

		pthread_rwlock_wrlock(&h->route_mu);
		ctl_strmap_set(&h->aliases, norm ? norm : alias, sub);
		pthread_rwlock_unlock(&h->route_mu);
		st_free(norm);
	}
}

static void claims_remove(host *h, const char *sub)
{
	for (size_t i = 0; i < h->nclaims; i++)
		if (strcmp(ctl_strmap_get(&h->claims[i], "sub"), sub) == 0) {
			ctl_strmap_deinit(&h->claims[i]);
			h->claims[i] = h->claims[--h->nclaims];
			return;
		}
}

/* Loop thread. Inserts or replaces a link (taken: l is left empty). */
static void link_store(host *h, linkdef *l)
{
	size_t i;

	pthread_rwlock_wrlock(&h->route_mu);
	for (i = 0; i < h->nlinks; i++)
		if (strcmp(h->links[i].id, l->id) == 0)
			break;
	if (i == h->nlinks)
		h->links = xrealloc(h->links, (++h->nlinks) * sizeof(*h->links));
	else
		linkdef_deinit(&h->links[i]);
	h->links[i] = *l;
	pthread_rwlock_unlock(&h->route_mu);
	if (host_fast_selected(l))
		host_fast_sync(h);
	linkdef_init(l);
}

/* Loop thread. Removes the link id, moving it into *out when found (returns true). */
static bool link_remove(host *h, const char *id, linkdef *out)
{
	bool found = false;

	pthread_rwlock_wrlock(&h->route_mu);
	for (size_t i = 0; i < h->nlinks; i++)
		if (strcmp(h->links[i].id, id) == 0) {
			*out = h->links[i];
			h->links[i] = h->links[--h->nlinks];
			found = true;
			break;
		}
	pthread_rwlock_unlock(&h->route_mu);
	if (found && host_fast_selected(out))
		host_fast_sync(h);
	return found;
}

/* Loop thread (readers elsewhere hold route_mu). Is exactly this link stored already? */
static bool link_known(host *h, const linkdef *l)
{
	bool known = false;

	pthread_rwlock_rdlock(&h->route_mu);
	for (size_t i = 0; i < h->nlinks; i++)
		if (strcmp(h->links[i].id, l->id) == 0) {
			known = linkdef_equal(&h->links[i], l);
			break;
		}
	pthread_rwlock_unlock(&h->route_mu);
	return known;
}

/* Publishes the link (msgpack) to its provider on ...{provider}.{link}.linkdefs.{put|del}. */
static void link_notify_provider(host *h, const linkdef *l, const char *what)
{
	mp_writer w;
	char subject[512];
	st_err err;

	mp_writer_init_default(&w, (size_t)16 << 20);
	if (linkdef_encode(l, &w, false, &err) == 0) {
		snprintf(subject, sizeof(subject), "wasmbus.rpc.%s.%s.%s.linkdefs.%s",
		         h->cfg.lattice_prefix, l->provider_id, l->link_name, what);
		if (lat_conn_publish(h->conn, subject, w.p, w.n, &err) < 0)
			st_log(ST_LOG_WARN, "publish on %s failed: %s", subject, err.msg);
	}
	mp_writer_deinit(&w);
}

/* Loop thread. A refmap written or deleted by any host (lattice.md 7.1): cache ref -> key. */
static void on_cache_refmap(host *h, const lat_cache_entry *e)
{
	char *ref = NULL, *key = NULL;
	st_err err;

	if (e->op == LAT_CACHE_DELETE) {
		for (size_t i = 0; i < h->refmaps.n; i++) {
			char *k = lat_cache_refmap_key(h->refmaps.v[i].key);
			bool match = k && strcmp(k, e->key) == 0;

			st_free(k);
			if (match) {
				ctl_strmap_del(&h->refmaps, h->refmaps.v[i].key);
				break;
			}
		}
		return;
	}
	if (lat_cache_refmap_parse(e->value.p, e->value.n, &ref, &key, &err) < 0) {
		st_log(ST_LOG_WARN, "ignoring refmap %s: %s", e->key, err.msg);
		return;
	}
	ctl_strmap_set(&h->refmaps, ref, key);
	st_log(ST_LOG_DEBUG, "refmap cached: %s -> %s", ref, key);
	st_free(ref);
	st_free(key);
}

/* Loop thread. A change of the lattice cache. */
static void on_cache(lat_cache *c, const lat_cache_entry *e, void *ud)
{
	host *h = ud;
	st_err err;

	(void)c;
	if (e->op == LAT_CACHE_SYNCED) {
		st_log(ST_LOG_INFO, "lattice cache synced: %zu links, %zu claims, %zu refmaps",
		       h->nlinks, h->nclaims, h->refmaps.n);
		return;
	}
	if (e->kind == LAT_CACHE_REFMAP) {
		on_cache_refmap(h, e);
		return;
	}
	if (e->kind == LAT_CACHE_LINKDEF) {
		linkdef l, old;

		/*
		 * Links written or deleted by any client take effect here, with
		 * their events (lattice.md 7.1). When this host handled the request
		 * itself, whichever of the watcher and the request's job comes
		 * first publishes, and the other finds nothing new.
		 */
		if (e->op == LAT_CACHE_DELETE) {
			if (link_remove(h, e->suffix, &old)) {
				evt_src src = host_evt_src(h);

				publish_evt(h, evt_linkdef_deleted(&src, &old));
				link_notify_provider(h, &old, "del");
				linkdef_deinit(&old);
			}
			return;
		}
		if (lat_cache_link_parse(e->value.p, e->value.n, &l, &err) < 0) {
			st_log(ST_LOG_WARN, "ignoring link %s: %s", e->key, err.msg);
			return;
		}
		if (!link_known(h, &l)) {
			evt_src src = host_evt_src(h);

			publish_evt(h, evt_linkdef_set(&src, &l));
			link_notify_provider(h, &l, "put");
		}
		link_store(h, &l);
	} else if (e->kind == LAT_CACHE_CLAIMS) {
		json_t *j;
		ctl_strmap m;

		if (e->op == LAT_CACHE_DELETE) {
			claims_remove(h, e->suffix);
			return;
		}
		j = json_loadb((const char *)e->value.p, e->value.n, 0, NULL);
		ctl_strmap_init(&m);
		if (j && ctl_strmap_from_json(&m, j, true, "claims", &err) == 0)
			host_claims_store(h, &m);
		else
			st_log(ST_LOG_WARN, "ignoring cached claims %s", e->key);
		ctl_strmap_deinit(&m);
		json_decref(j);
	}
}

/* ---- Background jobs (uv_queue_work) -------------------------------------- */

typedef enum job_kind {
	JOB_LAUNCH = 1, /* cmd.la / cmd.scale up of a new actor */
	JOB_UPDATE,     /* cmd.upd */
	JOB_LINK_PUT,   /* linkdefs.put */
	JOB_LINK_DEL,   /* linkdefs.del */
	JOB_REFMAP,     /* after a start or update: refmap (and claims) to the lattice cache */
} job_kind;

/* One job; the work function touches only the job (and thread-safe parts of h). */
typedef struct host_job {
	uv_work_t req;
	host *h;
	job_kind kind;
	lat_msg *msg;   /* request to answer, or NULL */
	char *ref;      /* actor file path */
	uint32_t count; /* launch: instances; JOB_REFMAP: 1 to write the claims too */
	ctl_strmap annotations;
	linkdef link; /* zeroed by job_new: an empty linkdef */
	linkdef del;
	/* results */
	int rc;
	st_err err;
	actor *a;
	pool *p;
} host_job;

static void job_free(host_job *j)
{
	lat_msg_free(j->msg);
	st_free(j->ref);
	ctl_strmap_deinit(&j->annotations);
	linkdef_deinit(&j->link);
	linkdef_deinit(&j->del);
	if (j->p)
		pool_free(j->p);
	actor_unref(j->a);
	st_free(j);
}

/* Reads and verifies the module at path (a file: OCI comes later). */
static int load_actor(host *h, const char *path, actor **out, st_err *err)
{
	st_buf b;
	actor_config cfg;
	int rc;

	st_buf_init(&b, HOST_MAX_MODULE_BYTES);
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	rc = st_file_read(path, HOST_MAX_MODULE_BYTES, &b, err);
	if (rc < 0) {
		char m[ST_ERR_MSG_MAX];

		snprintf(m, sizeof(m), "%s", err->msg);
		st_err_set(err, rc, "Failed to read actor file '%s': %s", path, m);
		goto done;
	}
	actor_config_init(&cfg);
	cfg.allowed_issuers = h->opts.allowed_issuers;
	cfg.host_call = host_route_call;
	cfg.host_call_ud = h;
	rc = actor_new(out, b.p, b.n, &cfg, err);
done:
	st_buf_deinit(&b);
	return rc;
}

static void cache_put_claims(host *h, const claims *c, st_err *err)
{
	ctl_strmap m;
	size_t len = 0;
	char *key, *s;

	if (!h->cache)
		return;
	ctl_strmap_init(&m);
	ctl_claims_map(&m, c);
	s = ctl_json_dump_take(ctl_strmap_to_json(&m), &len);
	key = lat_cache_key(LAT_CACHE_CLAIMS, c->sub);
	if (s && lat_cache_put(h->cache, key, s, len, err) < 0)
		st_log(ST_LOG_WARN, "caching claims of %s failed: %s", c->sub, err->msg);
	st_free(key);
	st_free(s);
	ctl_strmap_deinit(&m);
}

static void job_work(uv_work_t *req)
{
	host_job *j = req->data;
	host *h = j->h;
	pool_config pc;
	size_t len = 0;
	char *s, *key;

	st_err_clear(&j->err);
	switch (j->kind) {
	case JOB_LAUNCH:
		j->rc = load_actor(h, j->ref, &j->a, &j->err);
		if (j->rc < 0)
			break;
		pool_config_init(&pc);
		pc.replicas = j->count;
		if (h->opts.invocation_timeout_ms)
			pc.timeout_ms = h->opts.invocation_timeout_ms;
		j->rc = pool_new(&j->p, h->workers, j->a, &pc, &j->err);
		if (j->rc == 0)
			cache_put_claims(h, actor_claims(j->a), &j->err);
		break;
	case JOB_UPDATE:
		j->rc = load_actor(h, j->ref, &j->a, &j->err);
		break;
	case JOB_LINK_PUT:
		if (!h->cache)
			break;
		s = ctl_json_dump_take(linkdef_to_json(&j->link), &len);
		key = lat_cache_key(LAT_CACHE_LINKDEF, j->link.id);
		j->rc = s ? lat_cache_put(h->cache, key, s, len, &j->err) : ST_ENOMEM;
		st_free(s);
		st_free(key);
		break;
	case JOB_LINK_DEL:
		if (!h->cache)
			break;
		key = lat_cache_key(LAT_CACHE_LINKDEF, j->del.id);
		j->rc = lat_cache_delete(h->cache, key, &j->err);
		st_free(key);
		break;
	case JOB_REFMAP:
		if (!h->cache)
			break;
		if (j->count)
			cache_put_claims(h, actor_claims(j->a), &j->err);
		j->rc = lat_cache_put_refmap(h->cache, j->ref, actor_id(j->a), &j->err);
		break;
	}
}

static host_job *job_new(host *h, job_kind kind, lat_msg *msg);
static void job_start(host *h, host_job *j);

/*
 * Loop thread. Records ref -> key of a successful start or update in the
 * lattice cache (lattice.md 7.1, oci.md 6.2) from a background job, with
 * the claims too when put_claims; refmap_set follows once written.
 */
static void refmap_record(host *h, const char *ref, actor *a, bool put_claims)
{
	host_job *j = job_new(h, JOB_REFMAP, NULL);

	j->ref = xstrdup(ref);
	j->a = actor_ref(a);
	j->count = put_claims ? 1 : 0;
	job_start(h, j);
}

/* Loop thread. Registers the pool of a launch job as a new local actor. */
static void launch_done(host *h, host_job *j)
{
	evt_src src = host_evt_src(h);
	const claims *c;
	host_actor *ha;
	char *subject;
	ctl_strmap m;
	st_err err;

	if (j->rc < 0) {
		st_log(ST_LOG_ERROR, "actor %s failed to start: %s", j->ref, j->err.msg);
		publish_evt(h, evt_actor_start_failed(&src, j->ref, j->err.msg));
		publish_evt(h, evt_actors_start_failed(&src, NULL, j->ref, &j->annotations,
		                                       j->err.msg));
		return;
	}
	c = actor_claims(j->a);
	ha = actor_lookup(h, actor_id(j->a));
	if (ha) {
		/* Already running: more instances of the same ref. */
		if (strcmp(ha->image_ref, j->ref) != 0) {
			char m2[ST_ERR_MSG_MAX * 2];

			snprintf(m2, sizeof(m2),
			         "Cannot start new instance of %s from ref '%s', it is already "
			         "running with different reference. To upgrade an actor, use "
			         "live update.",
			         ha->id, j->ref);
			publish_evt(h, evt_actor_start_failed(&src, j->ref, m2));
			publish_evt(h, evt_actors_start_failed(&src, ha->id, j->ref,
			                                       &j->annotations, m2));
			return;
		}
		if (pool_scale(ha->pool, (uint32_t)(ha->ninsts + j->count), &err) < 0) {
			publish_evt(h, evt_actor_start_failed(&src, j->ref, err.msg));
			publish_evt(h, evt_actors_start_failed(&src, ha->id, j->ref,
			                                       &j->annotations, err.msg));
			return;
		}
		actor_add_instances(ha, j->count, &j->annotations);
		for (size_t i = ha->ninsts - j->count; i < ha->ninsts; i++)
			publish_evt(h,
			            evt_actor_started(&src, ha->id, ha->image_ref, ha->insts[i].id,
			                              &ha->insts[i].annotations, c));
		publish_evt(h, evt_actors_started(&src, ha->id, ha->image_ref, &j->annotations, c,
		                                  j->count));
		refmap_record(h, j->ref, j->a, false);
		return;
	}
	ha = xcalloc(1, sizeof(*ha));
	ha->h = h;
	atomic_init(&ha->refs, 1);
	snprintf(ha->id, sizeof(ha->id), "%s", actor_id(j->a));
	ha->call_alias =
		c->call_alias && *c->call_alias ? claims_normalize_alias(c->call_alias) : NULL;
	ha->pool = j->p;
	j->p = NULL;
	ha->image_ref = xstrdup(j->ref);
	atomic_fetch_add(&h->live_actors, 1);
	{
		inv_entity e = { ha->id, "", "" };

		subject = inv_entity_subject(&e, h->cfg.lattice_prefix);
	}
	if (lat_conn_subscribe(h->conn, subject, subject, host_on_rpc, ha, &ha->sub, &err) < 0) {
		st_log(ST_LOG_ERROR, "subscribing %s failed: %s", subject, err.msg);
		publish_evt(h, evt_actor_start_failed(&src, j->ref, err.msg));
		publish_evt(
			h, evt_actors_start_failed(&src, ha->id, j->ref, &j->annotations, err.msg));
		st_free(subject);
		host_actor_unref(ha);
		return;
	}
	st_free(subject);
	pthread_rwlock_wrlock(&h->route_mu);
	ha->next = h->actors;
	h->actors = ha;
	pthread_rwlock_unlock(&h->route_mu);
	host_fast_sync(h);
	ctl_strmap_init(&m);
	ctl_claims_map(&m, c);
	host_claims_store(h, &m);
	ctl_strmap_deinit(&m);
	actor_add_instances(ha, j->count, &j->annotations);
	st_log(ST_LOG_INFO, "actor %s (%s) started, %u instance(s) from %s", ha->id,
	       c->name ? c->name : "", j->count, j->ref);
	for (size_t i = 0; i < ha->ninsts; i++)
		publish_evt(h, evt_actor_started(&src, ha->id, ha->image_ref, ha->insts[i].id,
		                                 &ha->insts[i].annotations, c));
	publish_evt(h,
	            evt_actors_started(&src, ha->id, ha->image_ref, &j->annotations, c, j->count));
	refmap_record(h, j->ref, j->a, false);
}

/* Loop thread. Finishes a live update: same key, greater revision, then pool_update. */
static void update_done(host *h, host_job *j)
{
	evt_src src = host_evt_src(h);
	char reason[ST_ERR_MSG_MAX + 64];
	host_actor *ha = NULL;
	actor *old = NULL;
	int32_t rev_new = 0, rev_old = 0;
	st_err err;

	if (j->rc < 0) {
		snprintf(reason, sizeof(reason), "%s", j->err.msg);
		goto fail;
	}
	ha = actor_lookup(h, actor_id(j->a));
	rev_new = claims_revision(actor_claims(j->a));
	if (!ha) {
		snprintf(reason, sizeof(reason), "Actor %s is not running on this host",
		         actor_id(j->a));
		goto fail;
	}
	old = pool_actor(ha->pool);
	rev_old = claims_revision(actor_claims(old));
	actor_unref(old);
	if (rev_new <= rev_old) {
		snprintf(reason, sizeof(reason),
		         "New revision %d is not greater than the running revision %d",
		         (int)rev_new, (int)rev_old);
		goto fail;
	}
	if (pool_update(ha->pool, j->a, &err) < 0) {
		snprintf(reason, sizeof(reason), "%s", err.msg);
		goto fail;
	}
	st_free(ha->image_ref);
	ha->image_ref = xstrdup(j->ref);
	{
		ctl_strmap m;

		ctl_strmap_init(&m);
		ctl_claims_map(&m, actor_claims(j->a));
		host_claims_store(h, &m);
		ctl_strmap_deinit(&m);
	}
	for (size_t i = 0; i < ha->ninsts; i++)
		publish_evt(h, evt_actor_updated(&src, ha->id, rev_new, ha->insts[i].id));
	st_log(ST_LOG_INFO, "actor %s updated to revision %d", ha->id, (int)rev_new);
	refmap_record(h, j->ref, j->a, true);
	reply_ack(h, j->msg, true, NULL);
	return;
fail:
	st_log(ST_LOG_WARN, "live update from %s failed: %s", j->ref, reason);
	if (ha)
		for (size_t i = 0; i < ha->ninsts; i++)
			publish_evt(h, evt_actor_update_failed(&src, ha->id, rev_new,
			                                       ha->insts[i].id, reason));
	{
		char m[ST_ERR_MSG_MAX + 128];

		snprintf(m, sizeof(m), "Unable to perform live update: %s", reason);
		reply_ack(h, j->msg, false, m);
	}
}

static void job_after(uv_work_t *req, int status)
{
	host_job *j = req->data;
	host *h = j->h;
	evt_src src = host_evt_src(h);
	st_err err;

	(void)status;
	switch (j->kind) {
	case JOB_LAUNCH:
		launch_done(h, j);
		break;
	case JOB_UPDATE:
		update_done(h, j);
		break;
	case JOB_LINK_PUT:
		if (j->rc < 0) {
			st_log(ST_LOG_WARN, "storing link %s failed: %s", j->link.id, j->err.msg);
			reply_ack(h, j->msg, false, j->err.msg);
			break;
		}
		if (!link_known(h, &j->link)) {
			publish_evt(h, evt_linkdef_set(&src, &j->link));
			link_notify_provider(h, &j->link, "put");
		}
		reply_ack(h, j->msg, true, NULL);
		link_store(h, &j->link);
		break;
	case JOB_REFMAP:
		if (j->rc < 0) {
			st_log(ST_LOG_WARN, "recording refmap %s failed: %s", j->ref, j->err.msg);
			break;
		}
		if (!h->cache)
			break;
		ctl_strmap_set(&h->refmaps, j->ref, actor_id(j->a));
		publish_evt(h, evt_refmap_set(&src, j->ref, actor_id(j->a)));
		break;
	case JOB_LINK_DEL: {
		linkdef old;

		if (j->rc < 0) {
			reply_ack(h, j->msg, false, j->err.msg);
			break;
		}
		if (link_remove(h, j->del.id, &old)) {
			publish_evt(h, evt_linkdef_deleted(&src, &old));
			link_notify_provider(h, &old, "del");
			linkdef_deinit(&old);
		}
		reply_ack(h, j->msg, true, NULL);
		break;
	}
	}
	(void)err;
	job_free(j);
}

static host_job *job_new(host *h, job_kind kind, lat_msg *msg)
{
	host_job *j = xcalloc(1, sizeof(*j));

	j->h = h;
	j->kind = kind;
	j->msg = msg;
	j->req.data = j;
	ctl_strmap_init(&j->annotations);
	linkdef_init(&j->link);
	linkdef_init(&j->del);
	return j;
}

static void job_start(host *h, host_job *j)
{
	int rc = uv_queue_work(&h->loop, &j->req, job_work, job_after);

	if (rc < 0) {
		st_log(ST_LOG_ERROR, "uv_queue_work: %s", uv_strerror(rc));
		job_free(j);
	}
}

/* ---- Control interface ------------------------------------------------- */

static void host_info(host *h, ctl_host_info *hi)
{
	lat_config_host_info(&h->cfg, mono_s() - h->start_s, h->opts.version, hi);
}

static void hctl_inventory(host *h, lat_msg *msg)
{
	ctl_inventory inv;
	ctl_inv_actor *acts;
	ctl_inv_instance *insts;
	size_t n = 0, ni = 0, k = 0;

	for (host_actor *ha = h->actors; ha; ha = ha->next) {
		n++;
		ni += ha->ninsts;
	}
	acts = xcalloc(n + 1, sizeof(*acts));
	insts = xcalloc(ni + 1, sizeof(*insts));
	n = 0;
	for (host_actor *ha = h->actors; ha; ha = ha->next) {
		actor *a = pool_actor(ha->pool);
		const claims *c = actor_claims(a);

		acts[n].id = ha->id;
		acts[n].image_ref = ha->image_ref;
		acts[n].name = c->name;
		acts[n].instances = &insts[k];
		acts[n].ninstances = ha->ninsts;
		for (size_t i = 0; i < ha->ninsts; i++, k++) {
			insts[k].instance_id = ha->insts[i].id;
			insts[k].revision = claims_revision(c);
			insts[k].annotations = &ha->insts[i].annotations;
		}
		n++;
		/* The pool keeps its own reference while ha lives; the claims stay valid. */
		actor_unref(a);
	}
	memset(&inv, 0, sizeof(inv));
	inv.host_id = h->cfg.host_id;
	inv.issuer = h->cfg.cluster_id;
	inv.friendly_name = h->cfg.friendly_name;
	inv.labels = &h->cfg.labels;
	inv.actors = acts;
	inv.nactors = n;
	{
		size_t np = host_providers_count(h);
		ctl_inv_provider *provs = xcalloc(np + 1, sizeof(*provs));

		inv.providers = provs;
		inv.nproviders = host_providers_list(h, provs, NULL, np);
		reply_json(h, msg, ctl_inventory_reply(&inv));
		st_free(provs);
	}
	st_free(acts);
	st_free(insts);
}

static void hctl_claims(host *h, lat_msg *msg)
{
	const ctl_strmap **maps = xcalloc(h->nclaims + 1, sizeof(*maps));

	for (size_t i = 0; i < h->nclaims; i++)
		maps[i] = &h->claims[i];
	reply_json(h, msg, ctl_claims_reply(maps, h->nclaims));
	st_free(maps);
}

static void hctl_launch(host *h, lat_msg *msg, st_slice body)
{
	ctl_launch_actor r;
	host_job *j;
	st_err err;

	if (ctl_launch_actor_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_LAUNCH_ACTOR));
		lat_msg_free(msg);
		return;
	}
	reply_ack(h, msg, true, NULL);
	lat_msg_free(msg);
	j = job_new(h, JOB_LAUNCH, NULL);
	j->ref = xstrdup(r.actor_ref);
	j->count = r.count ? r.count : 1;
	ctl_strmap_copy(&j->annotations, &r.annotations);
	ctl_launch_actor_deinit(&r);
	st_log(ST_LOG_INFO, "starting %u instance(s) of actor %s", j->count, j->ref);
	job_start(h, j);
}

/* Loop thread. Sets the instance count of ha to want (>= 0); 0 removes the actor. */
static int actor_set_count(host *h, host_actor *ha, size_t want, st_err *err)
{
	evt_src src = host_evt_src(h);
	actor *a;

	if (want == 0) {
		actor_drop_instances(h, ha, ha->ninsts);
		st_log(ST_LOG_INFO, "actor %s stopped", ha->id);
		actor_remove(h, ha);
		return 0;
	}
	if (pool_scale(ha->pool, (uint32_t)want, err) < 0)
		return err->code;
	if (want < ha->ninsts) {
		actor_drop_instances(h, ha, ha->ninsts - want);
	} else if (want > ha->ninsts) {
		size_t from = ha->ninsts;
		ctl_strmap none;

		ctl_strmap_init(&none);
		actor_add_instances(ha, want - from, &none);
		a = pool_actor(ha->pool);
		for (size_t i = from; i < ha->ninsts; i++)
			publish_evt(h,
			            evt_actor_started(&src, ha->id, ha->image_ref, ha->insts[i].id,
			                              &ha->insts[i].annotations, actor_claims(a)));
		actor_unref(a);
	}
	st_log(ST_LOG_INFO, "actor %s scaled to %zu instance(s)", ha->id, want);
	return 0;
}

static void hctl_stop_actor(host *h, lat_msg *msg, st_slice body)
{
	ctl_stop_actor r;
	host_actor *ha;
	st_err err;

	if (ctl_stop_actor_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_STOP_ACTOR));
		goto out;
	}
	ha = actor_lookup(h, r.actor_ref);
	if (ha) {
		size_t want = r.count == 0 || r.count >= ha->ninsts ? 0 : ha->ninsts - r.count;
		evt_src src = host_evt_src(h);
		int64_t remaining = (int64_t)ha->ninsts - (int64_t)r.count;
		char id[NKEY_PUBLIC_LEN + 1];

		snprintf(id, sizeof(id), "%s", ha->id);
		if (actor_set_count(h, ha, want, &err) < 0) {
			reply_ack(h, msg, false, err.msg);
			ctl_stop_actor_deinit(&r);
			goto out;
		}
		if (r.count > 0)
			publish_evt(h, evt_actors_stopped(&src, id, r.count,
			                                  remaining < 0 ? 0 : remaining,
			                                  &r.annotations));
	}
	reply_ack(h, msg, true, NULL);
	ctl_stop_actor_deinit(&r);
out:
	lat_msg_free(msg);
}

static void hctl_scale(host *h, lat_msg *msg, st_slice body)
{
	ctl_scale_actor r;
	host_actor *ha;
	st_err err;

	if (ctl_scale_actor_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_SCALE_ACTOR));
		lat_msg_free(msg);
		return;
	}
	reply_ack(h, msg, true, NULL);
	lat_msg_free(msg);
	ha = actor_lookup(h, r.actor_id);
	if (ha) {
		if (actor_set_count(h, ha, r.count, &err) < 0)
			st_log(ST_LOG_WARN, "scaling %s failed: %s", r.actor_id, err.msg);
	} else if (r.count > 0 && *r.actor_ref) {
		host_job *j = job_new(h, JOB_LAUNCH, NULL);

		j->ref = xstrdup(r.actor_ref);
		j->count = r.count;
		ctl_strmap_copy(&j->annotations, &r.annotations);
		job_start(h, j);
	} else if (r.count > 0) {
		st_log(ST_LOG_WARN, "cannot scale up %s: no actor reference known", r.actor_id);
	}
	ctl_scale_actor_deinit(&r);
}

static void hctl_update(host *h, lat_msg *msg, st_slice body)
{
	ctl_update_actor r;
	host_job *j;
	st_err err;

	if (ctl_update_actor_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_UPDATE_ACTOR));
		lat_msg_free(msg);
		return;
	}
	j = job_new(h, JOB_UPDATE, msg);
	j->ref = xstrdup(r.new_actor_ref);
	ctl_update_actor_deinit(&r);
	job_start(h, j);
}

static void hctl_linkdef_put(host *h, lat_msg *msg, st_slice body)
{
	host_job *j = job_new(h, JOB_LINK_PUT, msg);
	st_err err;

	if (ctl_linkdef_put_parse(&j->link, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_LINKDEF_PUT));
		job_free(j);
		return;
	}
	job_start(h, j);
}

static void hctl_linkdef_del(host *h, lat_msg *msg, st_slice body)
{
	host_job *j = job_new(h, JOB_LINK_DEL, msg);
	st_err err;

	if (ctl_linkdef_del_parse(&j->del, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_LINKDEF_DEL));
		job_free(j);
		return;
	}
	job_start(h, j);
}

/* Does this host run ref (a public key, or a reference in the refmaps) with link_name? */
static bool provider_running(host *h, const char *ref, const char *link_name)
{
	const char *key = ref[0] == 'V' ? ref : ctl_strmap_get(&h->refmaps, ref);

	return key && host_provider_find(h, key, link_name) != NULL;
}

static void hctl_launch_provider(host *h, lat_msg *msg, st_slice body)
{
	ctl_launch_provider r;
	st_err err;

	if (ctl_launch_provider_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_LAUNCH_PROVIDER));
		return;
	}
	if (provider_running(h, r.provider_ref, r.link_name)) {
		evt_src src = host_evt_src(h);
		const char *m = "Provider with that link name is already running on this host";

		reply_ack(h, msg, false, m);
		publish_evt(h, evt_provider_start_failed(&src, r.provider_ref, r.link_name, m));
		ctl_launch_provider_deinit(&r);
		return;
	}
	reply_ack(h, msg, true, NULL);
	host_provider_launch(h, &r);
	ctl_launch_provider_deinit(&r);
}

static void hctl_stop_provider(host *h, lat_msg *msg, st_slice body)
{
	ctl_stop_provider r;
	host_provider *hp;
	st_err err;

	if (ctl_stop_provider_parse(&r, body.p, body.n, &err) < 0) {
		reply_ack(h, msg, false, ctl_op_failure_text(CTL_OP_STOP_PROVIDER));
		return;
	}
	hp = host_provider_find(h, r.provider_ref, r.link_name);
	if (hp) {
		reply_ack(h, msg, true, NULL);
		host_provider_stop(hp);
	} else {
		char m[256];

		snprintf(m, sizeof(m),
		         "Provider %s with link name '%s' is not running on this host",
		         r.provider_ref, r.link_name);
		reply_ack(h, msg, false, m);
	}
	ctl_stop_provider_deinit(&r);
}

static void host_request_stop(host *h);

static void on_ctl(lat_sub *sub, lat_msg *msg, void *ud)
{
	host *h = ud;
	st_slice body = lat_msg_data(msg);
	ctl_subject s;
	ctl_host_info hi;
	st_err err;

	(void)sub;
	if (ctl_subject_parse(lat_msg_subject(msg), h->cfg.ctl_topic_prefix, h->cfg.lattice_prefix,
	                      &s, &err) < 0)
		goto drop;
	if (s.host_id[0] && strcmp(s.host_id, h->cfg.host_id) != 0) {
		if (s.op == CTL_OP_GET_INVENTORY)
			reply_ack(h, msg, false,
			          "Command received by incorrect host and could not be processed");
		goto drop;
	}
	st_log(ST_LOG_DEBUG, "control request %s", ctl_op_name(s.op));
	switch (s.op) {
	case CTL_OP_PING_HOSTS:
		host_info(h, &hi);
		reply_json(h, msg, ctl_ping_reply(&hi));
		break;
	case CTL_OP_GET_INVENTORY:
		hctl_inventory(h, msg);
		break;
	case CTL_OP_GET_LINKS:
		reply_json(h, msg, ctl_links_reply(h->links, h->nlinks));
		break;
	case CTL_OP_GET_CLAIMS:
		hctl_claims(h, msg);
		break;
	case CTL_OP_LINKDEF_PUT:
		hctl_linkdef_put(h, msg, body);
		return;
	case CTL_OP_LINKDEF_DEL:
		hctl_linkdef_del(h, msg, body);
		return;
	case CTL_OP_AUCTION_ACTOR: {
		ctl_auction_actor r;

		if (ctl_auction_actor_parse(&r, body.p, body.n, &err) < 0) {
			reply_ack(h, msg, false, ctl_op_failure_text(s.op));
			break;
		}
		if (ctl_strmap_contains_all(&h->cfg.labels, &r.constraints))
			reply_json(h, msg, ctl_auction_actor_reply(&r, h->cfg.host_id));
		ctl_auction_actor_deinit(&r);
		break;
	}
	case CTL_OP_LAUNCH_ACTOR:
		hctl_launch(h, msg, body);
		return;
	case CTL_OP_STOP_ACTOR:
		hctl_stop_actor(h, msg, body);
		return;
	case CTL_OP_SCALE_ACTOR:
		hctl_scale(h, msg, body);
		return;
	case CTL_OP_UPDATE_ACTOR:
		hctl_update(h, msg, body);
		return;
	case CTL_OP_STOP_HOST: {
		ctl_stop_host r;
		char m[ST_ERR_MSG_MAX + 64];

		if (body.n > 0 && ctl_stop_host_parse(&r, body.p, body.n, &err) < 0) {
			snprintf(m, sizeof(m), "%s%s", ctl_op_failure_text(s.op), err.msg);
			reply_ack(h, msg, false, m);
			break;
		}
		if (body.n > 0)
			ctl_stop_host_deinit(&r);
		reply_ack(h, msg, true, NULL);
		st_log(ST_LOG_INFO, "stop requested over the control interface");
		host_request_stop(h);
		break;
	}
	case CTL_OP_LAUNCH_PROVIDER:
		hctl_launch_provider(h, msg, body);
		break;
	case CTL_OP_STOP_PROVIDER:
		hctl_stop_provider(h, msg, body);
		break;
	case CTL_OP_AUCTION_PROVIDER: {
		ctl_auction_provider r;

		if (ctl_auction_provider_parse(&r, body.p, body.n, &err) < 0) {
			reply_ack(h, msg, false, ctl_op_failure_text(s.op));
			break;
		}
		if (ctl_strmap_contains_all(&h->cfg.labels, &r.constraints) &&
		    !provider_running(h, r.provider_ref, r.link_name))
			reply_json(h, msg, ctl_auction_provider_reply(&r, h->cfg.host_id));
		ctl_auction_provider_deinit(&r);
		break;
	}
	default:
		/* Registries come with a later issue: no reply (§5.1). */
		break;
	}
drop:
	lat_msg_free(msg);
}

/* ---- Heartbeat, signals, stop ---------------------------------------------- */

static void on_heartbeat(uv_timer_t *t)
{
	host *h = t->data;
	evt_src src = host_evt_src(h);
	evt_actor_count *ac;
	evt_provider_desc *pd;
	evt_heartbeat hb;
	size_t n = 0;

	for (host_actor *ha = h->actors; ha; ha = ha->next)
		n++;
	ac = xcalloc(n + 1, sizeof(*ac));
	n = 0;
	for (host_actor *ha = h->actors; ha; ha = ha->next, n++) {
		ac[n].public_key = ha->id;
		ac[n].count = ha->ninsts;
	}
	memset(&hb, 0, sizeof(hb));
	hb.actors = ac;
	hb.nactors = n;
	{
		size_t np = host_providers_count(h);

		pd = xcalloc(np + 1, sizeof(*pd));
		hb.providers = pd;
		hb.nproviders = host_providers_list(h, NULL, pd, np);
	}
	hb.labels = &h->cfg.labels;
	hb.friendly_name = h->cfg.friendly_name;
	hb.version = h->opts.version;
	hb.uptime_seconds = mono_s() - h->start_s;
	publish_evt(h, evt_host_heartbeat(&src, &hb));
	st_free(ac);
	st_free(pd);
}

static void on_stopper(uv_idle_t *i)
{
	uv_idle_stop(i);
	uv_stop(i->loop);
}

static void host_request_stop(host *h)
{
	if (h->stopping)
		return;
	h->stopping = true;
	uv_idle_start(&h->stopper, on_stopper);
}

static void on_signal(uv_signal_t *s, int signum)
{
	host *h = s->data;

	st_log(ST_LOG_INFO, "received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
	host_request_stop(h);
}

/* ---- Start-up ---------------------------------------------------------------- */

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(path, 0700) < 0 && errno != EEXIST) {
				*p = '/';
				return -1;
			}
			*p = '/';
		}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Writes host_config.json (§0 step 0.3), mode 0600. Failures are logged only. */
static void write_host_config(host *h)
{
	const char *path = h->cfg.host_config_path;
	size_t len = 0;
	char *s, *dir, *slash;
	int fd;

	if (!path)
		return;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir) < 0)
			st_log(ST_LOG_WARN, "cannot create %s: %s", dir, strerror(errno));
	}
	st_free(dir);
	s = ctl_json_dump_take(lat_config_host_json(&h->cfg), &len);
	if (!s)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, s, len) != (ssize_t)len)
		st_log(ST_LOG_WARN, "cannot write %s: %s", path, strerror(errno));
	else
		st_log(ST_LOG_DEBUG, "wrote %s", path);
	if (fd >= 0) {
		(void)fchmod(fd, 0600);
		close(fd);
	}
	st_free(s);
}

static const char *env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int start_nats(host *h, st_err *err)
{
	lat_server_opts so;
	char dir[4096];
	const char *xdg = env_get(h->opts.envp, "XDG_STATE_HOME");
	const char *home = env_get(h->opts.envp, "HOME");
	int rc;

	if (lat_server_probe(h->cfg.ctl.host, h->cfg.ctl.port, 1000))
		return 0;
	if (!h->opts.embedded_nats)
		return st_err_set(err, ST_EIO, "no NATS server answers at %s:%u", h->cfg.ctl.host,
		                  (unsigned)h->cfg.ctl.port);
	lat_server_opts_init(&so);
	so.host = h->cfg.ctl.host;
	so.port = h->cfg.ctl.port;
	so.jetstream = true;
	dir[0] = 0;
	if (h->opts.nats_state_dir)
		snprintf(dir, sizeof(dir), "%s", h->opts.nats_state_dir);
	else if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/stratus/nats-%u", xdg, (unsigned)so.port);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.local/state/stratus/nats-%u", home,
		         (unsigned)so.port);
	if (dir[0] && mkdir_p(dir) < 0) {
		st_log(ST_LOG_WARN, "cannot create %s (%s): using a temporary directory", dir,
		       strerror(errno));
		dir[0] = 0;
	}
	so.state_dir = dir[0] ? dir : NULL;
	st_log(ST_LOG_INFO, "no NATS at %s:%u: starting nats-server with JetStream", so.host,
	       (unsigned)so.port);
	rc = lat_server_start(&so, &h->server, err);
	if (rc < 0)
		return rc;
	st_log(ST_LOG_INFO, "nats-server running (pid %d, state in %s)",
	       (int)lat_server_pid(h->server), lat_server_state_dir(h->server));
	return 0;
}

static int subscribe_ctl(host *h, st_err *err)
{
	const char *ctl = h->cfg.ctl_topic_prefix, *lp = h->cfg.lattice_prefix;
	const char *id = h->cfg.host_id;
	char subj[7][512], queue[512];
	const char *queues[7];
	int rc;

	snprintf(queue, sizeof(queue), "%s.%s", ctl, lp);
	snprintf(subj[0], sizeof(subj[0]), "%s.%s.ping.hosts", ctl, lp);
	snprintf(subj[1], sizeof(subj[1]), "%s.%s.linkdefs.*", ctl, lp);
	snprintf(subj[2], sizeof(subj[2]), "%s.%s.get.*", ctl, lp);
	snprintf(subj[3], sizeof(subj[3]), "%s.%s.auction.>", ctl, lp);
	snprintf(subj[4], sizeof(subj[4]), "%s.%s.cmd.%s.*", ctl, lp, id);
	snprintf(subj[5], sizeof(subj[5]), "%s.%s.get.%s.inv", ctl, lp, id);
	queues[0] = NULL;
	queues[1] = queue;
	queues[2] = queue;
	queues[3] = NULL;
	queues[4] = NULL;
	queues[5] = NULL;
	h->subs = xcalloc(6, sizeof(*h->subs));
	for (int i = 0; i < 6; i++) {
		rc = lat_conn_subscribe(h->conn, subj[i], queues[i], on_ctl, h, &h->subs[i], err);
		if (rc < 0)
			return rc;
		h->nsubs++;
	}
	return lat_conn_flush(h->conn, 5000, err);
}

static void on_conn_event(lat_conn *c, lat_conn_event ev, void *ud)
{
	(void)c;
	(void)ud;
	(void)ev;
}

/* Loop thread, after uv_run returned: stops actors, publishes host_stopped, frees. */
static void host_shutdown(host *h)
{
	evt_src src = host_evt_src(h);

	uv_timer_stop(&h->heartbeat);
	for (size_t i = 0; i < h->nsubs; i++)
		lat_sub_close(h->subs[i]);
	h->nsubs = 0;
	host_fast_free(h);
	host_providers_stop_all(h);
	while (atomic_load(&h->live_providers) > 0)
		uv_run(&h->loop, UV_RUN_ONCE);
	while (h->actors) {
		host_actor *ha = h->actors;

		actor_drop_instances(h, ha, ha->ninsts);
		actor_remove(h, ha);
	}
	/* Let workers' last references (posted frees) come in. */
	while (atomic_load(&h->live_actors) > 0)
		uv_run(&h->loop, UV_RUN_ONCE);
	if (h->conn) {
		publish_evt(h, evt_host_stopped(&src, &h->cfg.labels));
		st_err err;

		if (lat_conn_flush(h->conn, 2000, &err) < 0 ||
		    (h->evconn && lat_conn_flush(h->evconn, 2000, &err) < 0))
			st_log(ST_LOG_WARN, "flush: %s", err.msg);
	}
}

static void close_cb(uv_handle_t *hd)
{
	(void)hd;
}

int host_run(const host_opts *o, st_err *err)
{
	host *h = xcalloc(1, sizeof(*h));
	lat_conn_opts co;
	char url[300];
	int rc;

	h->opts = *o;
	h->start_s = mono_s();
	lat_config_init(&h->cfg);
	pthread_rwlock_init(&h->route_mu, NULL);
	ctl_strmap_init(&h->aliases);
	ctl_strmap_init(&h->refmaps);
	ctl_strmap_init(&h->fast_listening);
	ctl_strmap_init(&h->fast_failed);
	atomic_init(&h->live_actors, 0);
	atomic_init(&h->live_providers, 0);
	rc = lat_config_load(&h->cfg, o->envp, err);
	if (rc < 0)
		goto fail_cfg;
	if (!h->opts.invocation_timeout_ms && env_get(o->envp, "WASMCLOUD_RPC_TIMEOUT_MS"))
		h->opts.invocation_timeout_ms = h->cfg.rpc_timeout_ms;
	h->issuers = xcalloc(h->cfg.ncluster_issuers + 1, sizeof(*h->issuers));
	for (size_t i = 0; i < h->cfg.ncluster_issuers; i++)
		h->issuers[i] = h->cfg.cluster_issuers[i];
	{
		char *e = evt_subject(h->cfg.lattice_prefix),
		     *r = evt_rpc_subject(h->cfg.lattice_prefix);

		snprintf(h->evt_subject, sizeof(h->evt_subject), "%s", e);
		snprintf(h->rpcevt_subject, sizeof(h->rpcevt_subject), "%s", r);
		st_free(e);
		st_free(r);
	}
	st_log(ST_LOG_INFO, "host %s (%s), lattice '%s'", h->cfg.host_id, h->cfg.friendly_name,
	       h->cfg.lattice_prefix);
	if (h->cfg.cluster_key_generated)
		st_log(ST_LOG_WARN, "no cluster seed configured: generated cluster key %s",
		       h->cfg.cluster_id);
	signal(SIGPIPE, SIG_IGN);
	rc = start_nats(h, err);
	if (rc < 0)
		goto fail_cfg;
	rc = uv_loop_init(&h->loop);
	if (rc < 0) {
		rc = st_err_set(err, ST_EIO, "uv_loop_init: %s", uv_strerror(rc));
		goto fail_server;
	}
	h->loop_thread = uv_thread_self();
	rc = pool_workers_new(&h->workers, o->nworkers, err);
	if (rc < 0)
		goto fail_loop;
	lat_conn_opts_init(&co);
	snprintf(url, sizeof(url), "nats://%s:%u", h->cfg.ctl.host, (unsigned)h->cfg.ctl.port);
	co.url = url;
	co.name = h->cfg.host_id;
	co.send_asap = true;
	co.loop = &h->loop;
	co.on_event = on_conn_event;
	co.ud = h;
	rc = lat_conn_connect(&co, &h->conn, err);
	if (rc < 0)
		goto fail_workers;
	st_log(ST_LOG_INFO, "connected to NATS at %s", url);
	{
		/*
		 * Events go out on a second, buffered connection: they are bulk
		 * publishes (one per invocation on wasmbus.rpcevt), which would cost a
		 * send(2) each on the responder connection (send_asap).
		 */
		lat_conn_opts eo;
		st_err eerr;

		lat_conn_opts_init(&eo);
		eo.url = url;
		eo.name = h->cfg.host_id;
		if (lat_conn_connect(&eo, &h->evconn, &eerr) < 0) {
			st_log(ST_LOG_WARN, "events use the main connection: %s", eerr.msg);
			h->evconn = NULL;
		}
	}
	{
		st_err cerr;

		if (lat_cache_open(h->conn, h->cfg.lattice_prefix, h->cfg.js_domain, &h->cache,
		                   &cerr) < 0) {
			st_log(ST_LOG_WARN, "no lattice cache (links are kept in memory only): %s",
			       cerr.msg);
			h->cache = NULL;
		} else if (lat_cache_watch(h->cache, on_cache, h, &cerr) < 0) {
			st_log(ST_LOG_WARN, "cannot watch %s: %s", lat_cache_bucket(h->cache),
			       cerr.msg);
		}
	}
	write_host_config(h);
	rc = subscribe_ctl(h, err);
	if (rc < 0)
		goto fail_conn;
	uv_signal_init(&h->loop, &h->sigint);
	uv_signal_init(&h->loop, &h->sigterm);
	h->sigint.data = h->sigterm.data = h;
	uv_signal_start(&h->sigint, on_signal, SIGINT);
	uv_signal_start(&h->sigterm, on_signal, SIGTERM);
	uv_idle_init(&h->loop, &h->stopper);
	uv_timer_init(&h->loop, &h->heartbeat);
	h->heartbeat.data = h;
	uv_timer_start(&h->heartbeat, on_heartbeat, o->heartbeat_ms ? o->heartbeat_ms : 30000,
	               o->heartbeat_ms ? o->heartbeat_ms : 30000);
	{
		evt_src src = host_evt_src(h);

		publish_evt(h, evt_host_started(&src, &h->cfg.labels, h->cfg.friendly_name, 0,
		                                h->opts.version));
	}
	st_log(ST_LOG_INFO, "host ready: %s", h->cfg.host_id);
	if (o->on_ready)
		o->on_ready(h->cfg.host_id, o->ud);

	uv_run(&h->loop, UV_RUN_DEFAULT);

	st_log(ST_LOG_INFO, "host stopping");
	host_shutdown(h);
	uv_close((uv_handle_t *)&h->sigint, close_cb);
	uv_close((uv_handle_t *)&h->sigterm, close_cb);
	uv_close((uv_handle_t *)&h->heartbeat, close_cb);
	uv_close((uv_handle_t *)&h->stopper, close_cb);
	rc = 0;
fail_conn:
	lat_cache_free(h->cache);
	h->cache = NULL;
	for (size_t i = 0; i < h->nsubs; i++)
		lat_sub_close(h->subs[i]);
	lat_conn_free(h->evconn);
	h->evconn = NULL;
	lat_conn_free(h->conn);
	h->conn = NULL;
	uv_run(&h->loop, UV_RUN_DEFAULT);
fail_workers:
	pool_workers_free(h->workers);
fail_loop:
	if (uv_loop_close(&h->loop) != 0)
		st_log(ST_LOG_DEBUG, "libuv loop still had handles at close");
fail_server:
	if (h->server) {
		lat_server_stop(h->server, 10000);
		st_log(ST_LOG_INFO, "nats-server stopped");
	}
fail_cfg:
	lat_lib_close();
	for (size_t i = 0; i < h->nlinks; i++)
		linkdef_deinit(&h->links[i]);
	st_free(h->links);
	for (size_t i = 0; i < h->nclaims; i++)
		ctl_strmap_deinit(&h->claims[i]);
	st_free(h->claims);
	st_free(h->subs);
	ctl_strmap_deinit(&h->aliases);
	ctl_strmap_deinit(&h->refmaps);
	ctl_strmap_deinit(&h->fast_listening);
	ctl_strmap_deinit(&h->fast_failed);
	st_free(h->issuers);
	lat_config_deinit(&h->cfg);
	pthread_rwlock_destroy(&h->route_mu);
	st_free(h);
	if (rc == 0)
		st_log(ST_LOG_INFO, "host stopped");
	return rc;
}
