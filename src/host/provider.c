/*
 * provider.c - capability providers run by this host (providers.md):
 * start from a provider archive (cmd.{host}.lp), the host-data launch
 * protocol on stdin, health checks, stop (cmd.{host}.sp and host stop) and
 * supervision: a provider process that goes away on its own is restarted
 * with the current links in its new host data, and both the exit and the
 * restart are published as events and logged.
 *
 * Everything here runs on the loop thread except the job work functions
 * (archive reading, NATS requests), which touch only their job.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "codec/json_mp.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host_int.h"
#include "oci/par.h"
#include "core/banned.h"

/* Largest provider archive read from a file. */
#define PROV_MAX_ARCHIVE_BYTES ((size_t)512 << 20)
/* First health check after a start, then the interval (providers.md §7). */
#define HEALTH_FIRST_MS 5000
#define HEALTH_EVERY_MS 30000
/* Restart back-off: doubles from the first to the last; reset after a long run. */
#define RESTART_FIRST_MS 250
#define RESTART_MAX_MS 30000
#define RESTART_RESET_MS 60000
/* How long a stop waits for the shutdown reply before the kill (§8). */
#define SHUTDOWN_TIMEOUT_MS 2000

struct host_provider {
	struct host_provider *next;
	host *h;
	char key[NKEY_PUBLIC_LEN + 1]; /* V... */
	char *link_name;
	char *contract_id;
	char *image_ref;
	char *config_json;
	char *exe; /* the extracted binary */
	char instance_id[EVT_UUID_LEN + 1];
	ctl_strmap annotations;
	claims claims;
	/* The process. */
	uv_process_t proc;
	uv_pipe_t in, out;
	bool running;        /* proc is alive */
	int handles;         /* proc/in/out handles not yet closed */
	uint64_t started_ms; /* loop time of the last spawn */
	uint32_t backoff_ms;
	uint32_t restarts;
	char *out_line; /* partial stdout line */
	size_t out_len;
	uv_timer_t health, restart;
	bool healthy;
	int jobs;      /* background jobs holding this provider */
	bool stopping; /* a stop was asked: no restart */
	bool removed;  /* unlinked from h->providers; freed once idle */
};

/* ---- small helpers ---------------------------------------------------------- */

static void publish(host *h, json_t *ev)
{
	host_publish_event(h, h->evt_subject, ev);
}

static void timer_closed(uv_handle_t *t)
{
	host_provider *hp = t->data;

	hp->handles--;
}

static void provider_free_if_idle(host_provider *hp);

static void proc_handle_closed(uv_handle_t *hd)
{
	host_provider *hp = hd->data;

	hp->handles--;
	provider_free_if_idle(hp);
}

/* Lower-cases s and replaces every non-[A-Za-z0-9] by '_' (providers.md §2.2). */
static void cache_name_part(char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			*s = '_';
	}
}

host_provider *host_provider_find(host *h, const char *key, const char *link_name)
{
	for (host_provider *hp = h->providers; hp; hp = hp->next)
		if (strcmp(hp->key, key) == 0 && strcmp(hp->link_name, link_name) == 0)
			return hp;
	return NULL;
}

/* ---- the archive (a background job) ------------------------------------------ */

static int mkdir_parents(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void sha256_hex(const uint8_t *p, size_t n, char out[CLAIMS_HASH_LEN + 1])
{
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, p, n);
	st_hex_upper(d, sizeof(d), out);
}

/*
 * Writes bin to path unless a file with the same SHA-256 is there already:
 * through a temporary file and a rename, mode 0755.
 */
static int write_binary(const char *path, const par_target *t, st_err *err)
{
	st_buf cur;
	char tmp[4800];
	int fd, rc;

	st_buf_init(&cur, PAR_MAX_TARGET_BYTES);
	if (st_file_read(path, PAR_MAX_TARGET_BYTES, &cur, err) == 0) {
		char hash[CLAIMS_HASH_LEN + 1];

		sha256_hex(cur.p, cur.n, hash);
		st_buf_deinit(&cur);
		if (strcmp(hash, t->hash) == 0)
			return 0;
	} else {
		st_buf_deinit(&cur);
	}
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return st_err_set(err, ST_EIO, "cannot create %s: %s", tmp, strerror(errno));
	rc = write_all(fd, t->bin, t->len);
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0 && chmod(tmp, 0755) < 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0) {
		rc = st_err_set(err, ST_EIO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

/*
 * Reads the archive at ref (a path or file:// URL), checks it and extracts
 * this host's binary into {tmpdir}/wasmcloudcache/{key}/{rev}/{C}_{L}.
 * On success *exe (owned) is the binary and c holds the claims.
 */
static int load_archive(const char *ref, const char *link_name, claims *c, char **exe, st_err *err)
{
	const char *path = ref, *tmpdir = getenv("TMPDIR");
	const par_target *t;
	char dir[4096], file[4700], part_c[256], part_l[256];
	st_buf b;
	par p;
	int rc;

	*exe = NULL;
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	if (strstr(ref, "://") && strncmp(ref, "file://", 7) != 0)
		return st_err_set(err, ST_ENOSYS,
		                  "Cannot load provider from '%s': only provider archive files "
		                  "are supported (OCI references are not yet)",
		                  ref);
	st_buf_init(&b, PROV_MAX_ARCHIVE_BYTES);
	par_init(&p);
	rc = st_file_read(path, PROV_MAX_ARCHIVE_BYTES, &b, err);
	if (rc < 0) {
		char m[ST_ERR_MSG_MAX];

		snprintf(m, sizeof(m), "%s", err->msg);
		rc = st_err_set(err, rc, "Failed to read provider archive '%s': %s", path, m);
		goto out;
	}
	rc = par_read(&p, b.p, b.n, true, err);
	if (rc < 0)
		goto out;
	t = par_target_find(&p, par_native_target());
	if (!t) {
		rc = st_err_set(err, ST_ENOTFOUND,
		                "Not enough files found in provider archive. Is this a complete "
		                "archive? (no binary for %s)",
		                par_native_target());
		goto out;
	}
	if (!p.claims.capid || !*p.claims.capid) {
		rc = st_err_set(err, ST_EINVALID, "provider claims have no capid");
		goto out;
	}
	snprintf(part_c, sizeof(part_c), "%s", p.claims.capid);
	snprintf(part_l, sizeof(part_l), "%s", link_name);
	cache_name_part(part_c);
	cache_name_part(part_l);
	snprintf(dir, sizeof(dir), "%s/wasmcloudcache/%s/%ld", tmpdir && *tmpdir ? tmpdir : "/tmp",
	         p.claims.sub, (long)claims_revision(&p.claims));
	if (mkdir_parents(dir) < 0) {
		rc = st_err_set(err, ST_EIO, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	snprintf(file, sizeof(file), "%s/%s_%s", dir, part_c, part_l);
	rc = write_binary(file, t, err);
	if (rc < 0)
		goto out;
	*exe = xstrdup(file);
	*c = p.claims;
	claims_init(&p.claims);
out:
	par_deinit(&p);
	st_buf_deinit(&b);
	return rc;
}

/* ---- jobs -------------------------------------------------------------------- */

typedef enum pjob_kind {
	PJOB_LOAD = 1, /* read the archive */
	PJOB_HEALTH,   /* request on P.health */
	PJOB_SHUTDOWN, /* request on P.shutdown */
	PJOB_CLAIMS,   /* write claims and refmap to the lattice cache */
} pjob_kind;

typedef struct pjob {
	uv_work_t req;
	host *h;
	host_provider *hp; /* PJOB_HEALTH, PJOB_SHUTDOWN, PJOB_CLAIMS */
	pjob_kind kind;
	ctl_launch_provider lp; /* PJOB_LOAD */
	char *subject;          /* request subject; PJOB_CLAIMS: the reference */
	char *json;             /* PJOB_CLAIMS: the claims map */
	char key[NKEY_PUBLIC_LEN + 1];
	int rc;
	st_err err;
	claims claims;
	char *exe;
} pjob;

static void provider_spawn(host_provider *hp);
static void provider_start_health(host_provider *hp);

static void pjob_free(pjob *j)
{
	if (j->kind == PJOB_LOAD)
		ctl_launch_provider_deinit(&j->lp);
	st_free(j->subject);
	st_free(j->json);
	st_free(j->exe);
	claims_deinit(&j->claims);
	st_free(j);
}

static void pjob_work(uv_work_t *req)
{
	pjob *j = req->data;
	host *h = j->h;
	lat_msg *reply = NULL;
	static const uint8_t placeholder[] = { 0x81, 0xab, 'p', 'l', 'a', 'c', 'e',
		                               'h',  'o',  'l', 'd', 'e', 'r', 0xc3 };
	char body[128];

	st_err_clear(&j->err);
	switch (j->kind) {
	case PJOB_LOAD:
		j->rc = load_archive(j->lp.provider_ref, j->lp.link_name, &j->claims, &j->exe,
		                     &j->err);
		break;
	case PJOB_HEALTH:
		j->rc = lat_conn_request(h->conn, j->subject, NULL, 0, placeholder,
		                         sizeof(placeholder), h->cfg.rpc_timeout_ms, &reply,
		                         &j->err);
		break;
	case PJOB_SHUTDOWN:
		snprintf(body, sizeof(body), "{\"host_id\":\"%s\"}", h->cfg.host_id);
		j->rc = lat_conn_request(h->conn, j->subject, NULL, 0, body, strlen(body),
		                         SHUTDOWN_TIMEOUT_MS, &reply, &j->err);
		break;
	case PJOB_CLAIMS:
		if (!h->cache)
			break;
		{
			char *key = lat_cache_key(LAT_CACHE_CLAIMS, j->key);

			j->rc = lat_cache_put(h->cache, key, j->json, strlen(j->json), &j->err);
			st_free(key);
			if (j->rc == 0)
				j->rc = lat_cache_put_refmap(h->cache, j->subject, j->key, &j->err);
		}
		break;
	}
	lat_msg_free(reply);
}

static void launch_after(pjob *j);

static void pjob_after(uv_work_t *req, int status)
{
	pjob *j = req->data;
	host_provider *hp = j->hp;
	host *h = j->h;
	evt_src src = host_evt_src(h);

	(void)status;
	switch (j->kind) {
	case PJOB_LOAD:
		launch_after(j);
		break;
	case PJOB_HEALTH: {
		bool ok = j->rc == 0;

		hp->jobs--;
		if (hp->removed || hp->stopping)
			break;
		if (ok != hp->healthy) {
			st_log(ok ? ST_LOG_INFO : ST_LOG_WARN, "provider %s (%s) is %s%s%s",
			       hp->key, hp->link_name, ok ? "healthy" : "unhealthy", ok ? "" : ": ",
			       ok ? "" : j->err.msg);
			publish(h,
			        evt_health_check(&src, ok ? EVT_HEALTH_PASSED : EVT_HEALTH_FAILED,
			                         hp->key, hp->link_name, hp->contract_id));
		} else {
			publish(h, evt_health_check(&src, EVT_HEALTH_STATUS, hp->key, hp->link_name,
			                            hp->contract_id));
		}
		hp->healthy = ok;
		break;
	}
	case PJOB_SHUTDOWN:
		hp->jobs--;
		if (j->rc < 0)
			st_log(ST_LOG_DEBUG, "provider %s (%s): no shutdown reply: %s", hp->key,
			       hp->link_name, j->err.msg);
		if (hp->running)
			uv_process_kill(&hp->proc, SIGKILL);
		break;
	case PJOB_CLAIMS:
		hp->jobs--;
		if (j->rc < 0)
			st_log(ST_LOG_WARN, "caching claims of provider %s failed: %s", hp->key,
			       j->err.msg);
		else if (h->cache && j->subject)
			publish(h, evt_refmap_set(&src, j->subject, hp->key));
		break;
	}
	if (hp)
		provider_free_if_idle(hp);
	pjob_free(j);
}

static pjob *pjob_new(host *h, host_provider *hp, pjob_kind kind)
{
	pjob *j = xcalloc(1, sizeof(*j));

	j->h = h;
	j->hp = hp;
	j->kind = kind;
	j->req.data = j;
	claims_init(&j->claims);
	if (hp)
		hp->jobs++;
	return j;
}

static void pjob_start(pjob *j)
{
	int rc = uv_queue_work(&j->h->loop, &j->req, pjob_work, pjob_after);

	if (rc < 0) {
		st_log(ST_LOG_ERROR, "uv_queue_work: %s", uv_strerror(rc));
		if (j->hp)
			j->hp->jobs--;
		pjob_free(j);
	}
}

/* "wasmbus.rpc.{prefix}.{key}.{link}" + suffix (owned). */
static char *provider_subject(const host_provider *hp, const char *suffix)
{
	size_t n = strlen(hp->h->cfg.lattice_prefix) + strlen(hp->key) + strlen(hp->link_name) +
	           strlen(suffix) + 32;
	char *s = xmalloc(n);

	snprintf(s, n, "wasmbus.rpc.%s.%s.%s%s", hp->h->cfg.lattice_prefix, hp->key, hp->link_name,
	         suffix);
	return s;
}

/* ---- host data ------------------------------------------------------------------ */

/* The JSON host data of providers.md §2.4 (owned string, compact). */
static char *host_data_json(host_provider *hp)
{
	host *h = hp->h;
	json_t *o = json_object(), *links = json_array(), *issuers = json_array();
	char url[300], seed[NKEY_SEED_LEN + 1];
	const char *port_env = NULL, *host_env = NULL;
	const char *lvl;
	char *s;

	for (const char *const *e = h->opts.envp; e && *e; e++) {
		if (strncmp(*e, "WASMCLOUD_PROV_RPC_PORT=", 24) == 0)
			port_env = *e + 24;
		if (strncmp(*e, "WASMCLOUD_PROV_RPC_HOST=", 24) == 0)
			host_env = *e + 24;
	}
	/* Unless told otherwise, providers use the NATS this host uses for RPC. */
	snprintf(url, sizeof(url), "%s:%u", host_env ? h->cfg.prov_rpc.host : h->cfg.rpc.host,
	         (unsigned)(port_env ? h->cfg.prov_rpc.port : h->cfg.rpc.port));
	for (size_t i = 0; i < h->nlinks; i++)
		if (strcmp(h->links[i].provider_id, hp->key) == 0 &&
		    strcmp(h->links[i].link_name, hp->link_name) == 0)
			json_array_append_new(links, linkdef_to_json(&h->links[i]));
	for (size_t i = 0; i < h->cfg.ncluster_issuers; i++)
		json_array_append_new(issuers, json_string(h->cfg.cluster_issuers[i]));
	if (nkey_seed_text(&h->cfg.cluster_key, seed) < 0)
		seed[0] = 0;
	lvl = st_log_level_name(st_log_get_level());
	json_object_set_new(o, "host_id", json_string(h->cfg.host_id));
	json_object_set_new(o, "lattice_rpc_prefix", json_string(h->cfg.lattice_prefix));
	json_object_set_new(o, "link_name", json_string(hp->link_name));
	json_object_set_new(o, "lattice_rpc_user_jwt", json_string(h->cfg.prov_rpc.jwt));
	json_object_set_new(o, "lattice_rpc_user_seed", json_string(h->cfg.prov_rpc.seed));
	json_object_set_new(o, "lattice_rpc_url", json_string(url));
	json_object_set_new(o, "lattice_rpc_tls", json_integer(h->cfg.prov_rpc.tls_raw));
	json_object_set_new(o, "env_values", json_object());
	json_object_set_new(o, "instance_id", json_string(hp->instance_id));
	json_object_set_new(o, "provider_key", json_string(hp->key));
	json_object_set_new(o, "link_definitions", links);
	json_object_set_new(o, "config_json", json_string(hp->config_json ? hp->config_json : ""));
	json_object_set_new(o, "default_rpc_timeout_ms", json_integer(h->cfg.rpc_timeout_ms));
	json_object_set_new(o, "cluster_issuers", issuers);
	json_object_set_new(o, "invocation_seed", json_string(seed));
	json_object_set_new(o, "js_domain",
	                    h->cfg.js_domain ? json_string(h->cfg.js_domain) : json_null());
	json_object_set_new(o, "structured_logging", json_boolean(h->cfg.structured_logging));
	json_object_set_new(o, "log_level", json_string(lvl));
	sodium_memzero(seed, sizeof(seed));
	s = ctl_json_dump_take(o, NULL);
	if (!s)
		abort(); /* out of memory, as x* allocations */
	return s;
}

/* ---- the process ---------------------------------------------------------------- */

typedef struct write_req {
	uv_write_t req;
	char *line;
} write_req;

static void on_stdin_written(uv_write_t *req, int status)
{
	write_req *w = (write_req *)req;

	if (status < 0)
		st_log(ST_LOG_WARN, "writing the host data to a provider failed: %s",
		       uv_strerror(status));
	sodium_memzero(w->line, strlen(w->line));
	st_free(w->line);
	st_free(w);
}

static void out_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *b)
{
	(void)hd;
	(void)hint;
	b->base = xmalloc(4096);
	b->len = 4096;
}

/* Logs the provider's stdout line by line at info (providers.md §2.3). */
static void on_stdout(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	host_provider *hp = s->data;

	if (n > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char c = b->base[i];

			if (c == '\n' || hp->out_len >= 4095) {
				st_log(ST_LOG_INFO, "[%s] %.*s", hp->key, (int)hp->out_len,
				       hp->out_line ? hp->out_line : "");
				hp->out_len = 0;
				if (c == '\n')
					continue;
			}
			if (!hp->out_line)
				hp->out_line = xmalloc(4096);
			hp->out_line[hp->out_len++] = c;
		}
	} else if (n < 0) {
		uv_read_stop(s);
	}
	st_free(b->base);
}

static void on_restart_timer(uv_timer_t *t)
{
	host_provider *hp = t->data;

	if (hp->stopping || hp->removed)
		return;
	evt_uuid_v4(hp->instance_id);
	provider_spawn(hp);
}

static void on_proc_exit(uv_process_t *proc, int64_t status, int term_signal)
{
	host_provider *hp = proc->data;
	host *h = hp->h;
	evt_src src = host_evt_src(h);
	char reason[128];
	uint64_t ran;

	hp->running = false;
	uv_timer_stop(&hp->health);
	if (term_signal)
		snprintf(reason, sizeof(reason), "killed by signal %d", term_signal);
	else
		snprintf(reason, sizeof(reason), "exited with status %ld", (long)status);
	uv_close((uv_handle_t *)&hp->proc, proc_handle_closed);
	uv_close((uv_handle_t *)&hp->in, proc_handle_closed);
	uv_close((uv_handle_t *)&hp->out, proc_handle_closed);
	if (hp->stopping) {
		st_log(ST_LOG_INFO, "provider %s (%s) stopped", hp->key, hp->link_name);
		publish(h, evt_provider_stopped(&src, hp->key, hp->link_name, hp->contract_id,
		                                hp->instance_id, &hp->annotations, "normal"));
		return;
	}
	publish(h, evt_provider_stopped(&src, hp->key, hp->link_name, hp->contract_id,
	                                hp->instance_id, &hp->annotations, reason));
	ran = uv_now(&h->loop) - hp->started_ms;
	if (ran >= RESTART_RESET_MS)
		hp->backoff_ms = 0;
	hp->backoff_ms = hp->backoff_ms ? hp->backoff_ms * 2 : RESTART_FIRST_MS;
	if (hp->backoff_ms > RESTART_MAX_MS)
		hp->backoff_ms = RESTART_MAX_MS;
	st_log(ST_LOG_WARN, "provider %s (%s) %s after %lu ms: restarting in %u ms", hp->key,
	       hp->link_name, reason, (unsigned long)ran, hp->backoff_ms);
	uv_timer_start(&hp->restart, on_restart_timer, hp->backoff_ms, 0);
}

/* Starts the process of hp and writes its host data; logs and retries on failure. */
static void provider_spawn(host_provider *hp)
{
	host *h = hp->h;
	evt_src src = host_evt_src(h);
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	char *args[2], *json, *line;
	size_t n, cap;
	write_req *w;
	uv_buf_t buf;
	int rc;

	memset(&o, 0, sizeof(o));
	args[0] = hp->exe;
	args[1] = NULL;
	o.file = hp->exe;
	o.args = args;
	o.exit_cb = on_proc_exit;
	o.stdio_count = 3;
	o.stdio = io;
	uv_pipe_init(&h->loop, &hp->in, 0);
	uv_pipe_init(&h->loop, &hp->out, 0);
	hp->in.data = hp->out.data = hp->proc.data = hp;
	io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
	io[0].data.stream = (uv_stream_t *)&hp->in;
	io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[1].data.stream = (uv_stream_t *)&hp->out;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = 2;
	hp->handles += 3;
	rc = uv_spawn(&h->loop, &hp->proc, &o);
	if (rc < 0) {
		char m[512];

		snprintf(m, sizeof(m), "cannot start %s: %s", hp->exe, uv_strerror(rc));
		st_log(ST_LOG_ERROR, "provider %s (%s): %s", hp->key, hp->link_name, m);
		publish(h, evt_provider_start_failed(&src, hp->image_ref, hp->link_name, m));
		uv_close((uv_handle_t *)&hp->proc, proc_handle_closed);
		uv_close((uv_handle_t *)&hp->in, proc_handle_closed);
		uv_close((uv_handle_t *)&hp->out, proc_handle_closed);
		if (!hp->stopping) {
			hp->backoff_ms = hp->backoff_ms ? hp->backoff_ms * 2 : RESTART_FIRST_MS;
			if (hp->backoff_ms > RESTART_MAX_MS)
				hp->backoff_ms = RESTART_MAX_MS;
			uv_timer_start(&hp->restart, on_restart_timer, hp->backoff_ms, 0);
		}
		return;
	}
	hp->running = true;
	hp->healthy = false;
	hp->started_ms = uv_now(&h->loop);
	if (hp->restarts++ > 0)
		st_log(ST_LOG_INFO, "provider %s (%s) restarted (pid %d, restart %u)", hp->key,
		       hp->link_name, hp->proc.pid, hp->restarts - 1);
	json = host_data_json(hp);
	n = strlen(json);
	cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	line = xmalloc(cap + 1);
	sodium_bin2base64(line, cap, (const unsigned char *)json, n,
	                  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(json, n);
	st_free(json);
	n = strlen(line);
	line[n] = '\n';
	line[n + 1] = 0;
	w = xcalloc(1, sizeof(*w));
	w->line = line;
	buf = uv_buf_init(line, (unsigned)(n + 1));
	rc = uv_write(&w->req, (uv_stream_t *)&hp->in, &buf, 1, on_stdin_written);
	if (rc < 0) {
		st_log(ST_LOG_WARN, "provider %s: cannot write its host data: %s", hp->key,
		       uv_strerror(rc));
		st_free(line);
		st_free(w);
	}
	uv_read_start((uv_stream_t *)&hp->out, out_alloc, on_stdout);
	st_log(ST_LOG_INFO, "provider %s (%s, %s) running as pid %d", hp->key, hp->link_name,
	       hp->contract_id, hp->proc.pid);
	publish(h,
	        evt_provider_started(&src, hp->key, hp->image_ref, hp->link_name, hp->contract_id,
	                             hp->instance_id, &hp->annotations, &hp->claims));
	provider_start_health(hp);
}

/* ---- health ---------------------------------------------------------------------- */

static void on_health_timer(uv_timer_t *t)
{
	host_provider *hp = t->data;
	pjob *j;

	if (!hp->running || hp->stopping)
		return;
	j = pjob_new(hp->h, hp, PJOB_HEALTH);
	j->subject = provider_subject(hp, ".health");
	pjob_start(j);
}

static void provider_start_health(host_provider *hp)
{
	uv_timer_start(&hp->health, on_health_timer, HEALTH_FIRST_MS, HEALTH_EVERY_MS);
}

/* ---- lifecycle --------------------------------------------------------------------- */

static void provider_free_if_idle(host_provider *hp)
{
	if (!hp->removed || hp->jobs > 0 || hp->handles > 0)
		return;
	st_free(hp->link_name);
	st_free(hp->contract_id);
	st_free(hp->image_ref);
	st_free(hp->config_json);
	st_free(hp->exe);
	st_free(hp->out_line);
	ctl_strmap_deinit(&hp->annotations);
	claims_deinit(&hp->claims);
	atomic_fetch_sub(&hp->h->live_providers, 1);
	st_free(hp);
}

/* Unlinks hp and closes its timers; freed once its process and jobs are done. */
static void provider_remove(host_provider *hp)
{
	host *h = hp->h;

	for (host_provider **pp = &h->providers; *pp; pp = &(*pp)->next)
		if (*pp == hp) {
			*pp = hp->next;
			break;
		}
	hp->removed = true;
	uv_close((uv_handle_t *)&hp->health, timer_closed);
	uv_close((uv_handle_t *)&hp->restart, timer_closed);
}

void host_provider_stop(host_provider *hp)
{
	host *h = hp->h;
	evt_src src = host_evt_src(h);
	pjob *j;

	if (hp->stopping)
		return;
	hp->stopping = true;
	uv_timer_stop(&hp->restart);
	uv_timer_stop(&hp->health);
	st_log(ST_LOG_INFO, "stopping provider %s (%s)", hp->key, hp->link_name);
	if (!hp->running) {
		/* Between a crash and its restart: nothing to shut down. */
		publish(h, evt_provider_stopped(&src, hp->key, hp->link_name, hp->contract_id,
		                                hp->instance_id, &hp->annotations, "normal"));
		provider_remove(hp);
		provider_free_if_idle(hp);
		return;
	}
	provider_remove(hp);
	j = pjob_new(h, hp, PJOB_SHUTDOWN);
	j->subject = provider_subject(hp, ".shutdown");
	pjob_start(j);
}

/* Loop thread: the archive is read; start the process. */
static void launch_after(pjob *j)
{
	host *h = j->h;
	evt_src src = host_evt_src(h);
	host_provider *hp;
	ctl_strmap m;

	if (j->rc < 0) {
		st_log(ST_LOG_ERROR, "provider %s (%s) failed to start: %s", j->lp.provider_ref,
		       j->lp.link_name, j->err.msg);
		publish(h, evt_provider_start_failed(&src, j->lp.provider_ref, j->lp.link_name,
		                                     j->err.msg));
		return;
	}
	if (host_provider_find(h, j->claims.sub, j->lp.link_name)) {
		char m2[256];

		snprintf(m2, sizeof(m2),
		         "Provider %s with link name '%s' is already running on this host",
		         j->claims.sub, j->lp.link_name);
		st_log(ST_LOG_WARN, "%s", m2);
		publish(h,
		        evt_provider_start_failed(&src, j->lp.provider_ref, j->lp.link_name, m2));
		return;
	}
	hp = xcalloc(1, sizeof(*hp));
	hp->h = h;
	atomic_fetch_add(&h->live_providers, 1);
	snprintf(hp->key, sizeof(hp->key), "%s", j->claims.sub);
	hp->link_name = xstrdup(j->lp.link_name);
	hp->contract_id = xstrdup(j->claims.capid);
	hp->image_ref = xstrdup(j->lp.provider_ref);
	hp->config_json = xstrdup(j->lp.configuration ? j->lp.configuration : "");
	hp->exe = j->exe;
	j->exe = NULL;
	hp->claims = j->claims;
	claims_init(&j->claims);
	ctl_strmap_init(&hp->annotations);
	ctl_strmap_copy(&hp->annotations, &j->lp.annotations);
	evt_uuid_v4(hp->instance_id);
	uv_timer_init(&h->loop, &hp->health);
	uv_timer_init(&h->loop, &hp->restart);
	hp->health.data = hp->restart.data = hp;
	hp->handles += 2;
	hp->next = h->providers;
	h->providers = hp;
	ctl_strmap_init(&m);
	ctl_claims_map(&m, &hp->claims);
	host_claims_store(h, &m);
	provider_spawn(hp);
	if (h->cache) {
		pjob *c = pjob_new(h, hp, PJOB_CLAIMS);

		c->subject = xstrdup(hp->image_ref);
		c->json = ctl_json_dump_take(ctl_strmap_to_json(&m), NULL);
		snprintf(c->key, sizeof(c->key), "%s", hp->key);
		if (c->json) {
			pjob_start(c);
		} else {
			hp->jobs--;
			pjob_free(c);
		}
	}
	ctl_strmap_deinit(&m);
}

void host_provider_launch(host *h, const ctl_launch_provider *lp)
{
	pjob *j = pjob_new(h, NULL, PJOB_LOAD);

	j->lp.provider_ref = xstrdup(lp->provider_ref);
	j->lp.link_name = xstrdup(lp->link_name);
	j->lp.host_id = lp->host_id ? xstrdup(lp->host_id) : NULL;
	j->lp.configuration = xstrdup(lp->configuration ? lp->configuration : "");
	ctl_strmap_init(&j->lp.annotations);
	ctl_strmap_copy(&j->lp.annotations, &lp->annotations);
	st_log(ST_LOG_INFO, "starting provider %s (link name '%s')", lp->provider_ref,
	       lp->link_name);
	pjob_start(j);
}

void host_providers_stop_all(host *h)
{
	while (h->providers)
		host_provider_stop(h->providers);
}

size_t host_providers_list(host *h, ctl_inv_provider *out, evt_provider_desc *desc, size_t cap)
{
	size_t n = 0;

	for (host_provider *hp = h->providers; hp && n < cap; hp = hp->next, n++) {
		if (out) {
			out[n].id = hp->key;
			out[n].image_ref = hp->image_ref;
			out[n].contract_id = hp->contract_id;
			out[n].link_name = hp->link_name;
			out[n].name = hp->claims.name;
			out[n].instance_id = hp->instance_id;
			out[n].annotations = &hp->annotations;
			out[n].revision = claims_revision(&hp->claims);
		}
		if (desc) {
			desc[n].public_key = hp->key;
			desc[n].link_name = hp->link_name;
			desc[n].contract_id = hp->contract_id;
		}
	}
	return n;
}

size_t host_providers_count(const host *h)
{
	size_t n = 0;

	for (const host_provider *hp = h->providers; hp; hp = hp->next)
		n++;
	return n;
}
