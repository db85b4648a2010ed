/*
 * config.c - host configuration from the environment (config.h).
 *
 * Every variable of lattice.md §2.4 is read through one of a few typed
 * readers (string, port, millisecond count, boolean, integer) that report a
 * bad value with the variable's name. An empty value counts as unset, like
 * an unset variable. Keys are decoded with the nkey layer; missing ones are
 * generated, and the config records that so the host can warn.
 */
#include "lattice/config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* ---- Environment readers --------------------------------------------------- */

/* The value of name in envp (borrowed), or NULL when unset or empty. */
static const char *env_get(const char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i][n + 1] ? envp[i] + n + 1 : NULL;
	}
	return NULL;
}

static char *env_str(const char *const *envp, const char *name, const char *def)
{
	const char *v = env_get(envp, name);

	if (v)
		return xstrdup(v);
	return def ? xstrdup(def) : NULL;
}

/* Parses a whole decimal integer in [min, max]. */
static int parse_int(const char *v, const char *name, long long min, long long max, long long *out,
                     st_err *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0' || errno == ERANGE)
		return st_err_set(err, ST_EMALFORMED, "%s: \"%s\" is not an integer", name, v);
	if (n < min || n > max)
		return st_err_set(err, ST_EINVALID, "%s: %lld is outside %lld..%lld", name, n, min,
		                  max);
	*out = n;
	return 0;
}

static int env_port(const char *const *envp, const char *name, uint16_t def, uint16_t *out,
                    st_err *err)
{
	const char *v = env_get(envp, name);
	long long n;
	int rc;

	*out = def;
	if (!v)
		return 0;
	rc = parse_int(v, name, 1, 65535, &n, err);
	if (rc == 0)
		*out = (uint16_t)n;
	return rc;
}

static int env_ms(const char *const *envp, const char *name, uint32_t def, uint32_t *out,
                  st_err *err)
{
	const char *v = env_get(envp, name);
	long long n;
	int rc;

	*out = def;
	if (!v)
		return 0;
	rc = parse_int(v, name, 1, UINT32_MAX, &n, err);
	if (rc == 0)
		*out = (uint32_t)n;
	return rc;
}

bool lat_config_parse_bool(const char *value)
{
	static const char *const yes[] = { "1", "TRUE", "YES", "Y", "ENABLED", "ENABLE" };
	char up[16];
	size_t n;

	if (!value)
		return false;
	n = strlen(value);
	if (n >= sizeof(up))
		return false;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)(value[i] >= 'a' && value[i] <= 'z' ? value[i] - 'a' + 'A' :
		                                                    value[i]);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(up, yes[i]) == 0)
			return true;
	return false;
}

static bool env_bool(const char *const *envp, const char *name)
{
	return lat_config_parse_bool(env_get(envp, name));
}

/*
 * True when s is usable as a NATS subject part: non-empty tokens separated
 * by single dots (only one token unless dots_ok), no wildcards, no
 * whitespace or control characters.
 */
static bool subject_part_valid(const char *s, bool dots_ok)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == 0x7f || ch == '*' || ch == '>')
			return false;
		if (ch == '.' && (!dots_ok || s[i + 1] == '.'))
			return false;
	}
	return true;
}

/* Splits a comma list into trimmed, non-empty owned strings. */
static void split_list(const char *v, char ***out, size_t *n)
{
	const char *p = v;

	*out = NULL;
	*n = 0;
	while (p && *p) {
		const char *end = strchr(p, ',');
		const char *a = p, *b = end ? end : p + strlen(p);

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			*out = xrealloc(*out, (*n + 1) * sizeof(**out));
			(*out)[(*n)++] = xstrndup(a, (size_t)(b - a));
		}
		p = end ? end + 1 : NULL;
	}
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st_free(v[i]);
	st_free(v);
}

/* ---- Keys ------------------------------------------------------------------- */

/* Loads a seed of the given type from name, or generates a key. */
static int load_key(const char *const *envp, const char *name, nkey_type type, nkey *key,
                    char id[NKEY_PUBLIC_LEN + 1], bool *generated, st_err *err)
{
	const char *v = env_get(envp, name);
	st_err e;
	int rc;

	st_err_clear(&e);
	*generated = v == NULL;
	if (v) {
		rc = nkey_from_seed_text(key, v, strlen(v), &e);
		if (rc == 0)
			rc = nkey_check_type(key, type, "seed", &e);
	} else {
		rc = nkey_generate(key, type, &e);
	}
	if (rc < 0) {
		nkey_wipe(key);
		st_err_set(err, rc, "%s: %s", name, e.msg);
		if (err)
			err->kind = e.kind;
		return rc;
	}
	nkey_public_text(key, id);
	return 0;
}

/* Reads WASMCLOUD_CLUSTER_ISSUERS and puts the own cluster key first if missing. */
static int load_issuers(lat_config *c, const char *const *envp, st_err *err)
{
	const char *name = "WASMCLOUD_CLUSTER_ISSUERS";
	char **list;
	size_t n;
	bool own = false;
	int rc = 0;

	split_list(env_get(envp, name), &list, &n);
	for (size_t i = 0; i < n; i++) {
		st_err e;
		nkey k;

		st_err_clear(&e);
		rc = nkey_from_public_text(&k, list[i], strlen(list[i]), &e);
		if (rc == 0)
			rc = nkey_check_type(&k, NKEY_CLUSTER, "cluster issuer", &e);
		if (rc < 0) {
			st_err_set(err, rc, "%s: entry %zu: %s", name, i + 1, e.msg);
			if (err)
				err->kind = e.kind;
			free_list(list, n);
			return rc;
		}
		if (strcmp(list[i], c->cluster_id) == 0)
			own = true;
	}
	if (!own) {
		list = xrealloc(list, (n + 1) * sizeof(*list));
		memmove(list + 1, list, n * sizeof(*list));
		list[0] = xstrdup(c->cluster_id);
		n++;
	}
	c->cluster_issuers = list;
	c->ncluster_issuers = n;
	return rc;
}

/* ---- NATS connections -------------------------------------------------------- */

static int load_nats(const char *const *envp, const char *stem, bool tls_is_int, lat_nats_conf *nc,
                     st_err *err)
{
	char name[64];
	const char *v;
	long long n;
	int rc;

	snprintf(name, sizeof(name), "%s_HOST", stem);
	nc->host = env_str(envp, name, LAT_DEFAULT_NATS_HOST);
	snprintf(name, sizeof(name), "%s_PORT", stem);
	rc = env_port(envp, name, LAT_DEFAULT_NATS_PORT, &nc->port, err);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "%s_SEED", stem);
	nc->seed = env_str(envp, name, "");
	snprintf(name, sizeof(name), "%s_JWT", stem);
	nc->jwt = env_str(envp, name, "");
	snprintf(name, sizeof(name), "%s_TLS", stem);
	v = env_get(envp, name);
	if (tls_is_int) {
		/* Parsed as an integer and passed on to providers unchanged (§2.4). */
		if (v) {
			rc = parse_int(v, name, LONG_MIN, LONG_MAX, &n, err);
			if (rc < 0)
				return rc;
			nc->tls_raw = (long)n;
		}
		nc->tls = nc->tls_raw != 0;
	} else {
		nc->tls = lat_config_parse_bool(v);
		nc->tls_raw = nc->tls;
	}
	return 0;
}

static void nats_deinit(lat_nats_conf *nc)
{
	st_free(nc->host);
	if (nc->seed)
		sodium_memzero(nc->seed, strlen(nc->seed));
	st_free(nc->seed);
	st_free(nc->jwt);
	memset(nc, 0, sizeof(*nc));
}

/* ---- Labels ------------------------------------------------------------------ */

void lat_config_builtin_labels(ctl_strmap *labels)
{
#if defined(__x86_64__) || defined(_M_X64)
	const char *arch = "x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
	const char *arch = "aarch64";
#elif defined(__arm__) || defined(_M_ARM)
	const char *arch = "arm";
#elif defined(__i386__) || defined(_M_IX86)
	const char *arch = "x86";
#elif defined(__riscv) && __riscv_xlen == 64
	const char *arch = "riscv64";
#elif defined(__powerpc64__)
	const char *arch = "powerpc64";
#elif defined(__s390x__)
	const char *arch = "s390x";
#else
	const char *arch = "unknown";
#endif
#if defined(__linux__)
	const char *os = "linux", *family = "unix";
#elif defined(__APPLE__)
	const char *os = "macos", *family = "unix";
#elif defined(_WIN32)
	const char *os = "windows", *family = "windows";
#elif defined(__FreeBSD__)
	const char *os = "freebsd", *family = "unix";
#elif defined(__NetBSD__)
	const char *os = "netbsd", *family = "unix";
#elif defined(__OpenBSD__)
	const char *os = "openbsd", *family = "unix";
#else
	const char *os = "unknown", *family = "unix";
#endif
	ctl_strmap_set(labels, "hostcore.arch", arch);
	ctl_strmap_set(labels, "hostcore.os", os);
	ctl_strmap_set(labels, "hostcore.osfamily", family);
}

/* True when s is valid UTF-8 (labels end up in JSON). */
static bool utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/* HOST_FOO=bar -> "foo":"bar" for every HOST_* variable (§2.2). */
static int load_labels(lat_config *c, const char *const *envp, st_err *err)
{
	static const char prefix[] = "HOST_";
	const size_t plen = sizeof(prefix) - 1;

	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');
		char *key;

		if (!eq || strncmp(e, prefix, plen) != 0 || eq == e + plen)
			continue;
		key = xstrndup(e + plen, (size_t)(eq - e - plen));
		for (char *p = key; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (!utf8_valid(key) || !utf8_valid(eq + 1)) {
			st_free(key);
			return st_err_set(err, ST_EMALFORMED, "%.*s: label is not valid UTF-8",
			                  (int)(eq - e), e);
		}
		/* The first occurrence wins, as for getenv. */
		if (!ctl_strmap_get(&c->labels, key))
			ctl_strmap_set(&c->labels, key, eq + 1);
		st_free(key);
	}
	lat_config_builtin_labels(&c->labels);
	return 0;
}

/* ---- Friendly names ------------------------------------------------------------ */

static const char *const adjectives[] = {
	"amber",     "ancient",  "autumn",   "billowing", "bitter", "black",    "blue",
	"bold",      "brave",    "bright",   "broken",    "calm",   "cold",     "cool",
	"crimson",   "curly",    "damp",     "dark",      "dawn",   "delicate", "divine",
	"dry",       "empty",    "falling",  "fancy",     "floral", "fragrant", "frosty",
	"gentle",    "green",    "hidden",   "holy",      "icy",    "jolly",    "late",
	"lingering", "little",   "lively",   "long",      "lucky",  "misty",    "morning",
	"muddy",     "nameless", "noisy",    "odd",       "old",    "orange",   "patient",
	"plain",     "polished", "proud",    "purple",    "quiet",  "rapid",    "restless",
	"rough",     "round",    "royal",    "shiny",     "shy",    "silent",   "small",
	"snowy",     "soft",     "solitary", "sparkling", "spring", "square",   "steep",
	"still",     "summer",   "sweet",    "tight",     "tiny",   "twilight", "wandering",
	"weathered", "white",    "wild",     "winter",    "wispy",  "withered", "yellow",
	"young",
};

static const char *const nouns[] = {
	"bird",     "breeze",    "brook",     "bush",       "butterfly", "cherry",  "cloud",
	"darkness", "dawn",      "dew",       "dream",      "dust",      "feather", "field",
	"fire",     "firefly",   "flower",    "fog",        "forest",    "frog",    "frost",
	"glade",    "glitter",   "grass",     "haze",       "hill",      "lake",    "leaf",
	"meadow",   "moon",      "morning",   "mountain",   "night",     "paper",   "pine",
	"pond",     "rain",      "resonance", "river",      "sea",       "shadow",  "shape",
	"silence",  "sky",       "smoke",     "snow",       "snowflake", "sound",   "star",
	"sun",      "sunset",    "surf",      "thunder",    "tree",      "violet",  "voice",
	"water",    "waterfall", "wave",      "wildflower", "wind",      "wood",
};

#define NADJ (sizeof(adjectives) / sizeof(adjectives[0]))
#define NNOUN (sizeof(nouns) / sizeof(nouns[0]))

char *lat_config_friendly_name_from(uint32_t adjective, uint32_t noun, uint32_t number)
{
	const char *a = adjectives[adjective % NADJ], *b = nouns[noun % NNOUN];
	size_t n = strlen(a) + strlen(b) + 8;
	char *s = xmalloc(n);

	snprintf(s, n, "%s-%s-%" PRIu32, a, b, number % 9999 + 1);
	return s;
}

char *lat_config_friendly_name(void)
{
	return lat_config_friendly_name_from(randombytes_uniform((uint32_t)NADJ),
	                                     randombytes_uniform((uint32_t)NNOUN),
	                                     randombytes_uniform(9999));
}

/* ---- Load -------------------------------------------------------------------- */

void lat_config_init(lat_config *c)
{
	memset(c, 0, sizeof(*c));
	ctl_strmap_init(&c->labels);
}

/* Frees what c owns and re-initialises it; c is not NULL. */
static void config_release(lat_config *c)
{
	nkey_wipe(&c->host_key);
	nkey_wipe(&c->cluster_key);
	free_list(c->cluster_issuers, c->ncluster_issuers);
	st_free(c->lattice_prefix);
	st_free(c->ctl_topic_prefix);
	st_free(c->js_domain);
	nats_deinit(&c->ctl);
	nats_deinit(&c->rpc);
	nats_deinit(&c->prov_rpc);
	free_list(c->oci_allowed_insecure, c->noci_allowed_insecure);
	st_free(c->policy_topic);
	st_free(c->policy_changes_topic);
	st_free(c->log_level);
	ctl_strmap_deinit(&c->labels);
	st_free(c->friendly_name);
	st_free(c->host_config_path);
	lat_config_init(c);
}

void lat_config_deinit(lat_config *c)
{
	if (c)
		config_release(c);
}

static int load_prefixes(lat_config *c, const char *const *envp, st_err *err)
{
	c->lattice_prefix = env_str(envp, "WASMCLOUD_LATTICE_PREFIX", LAT_DEFAULT_LATTICE_PREFIX);
	if (!subject_part_valid(c->lattice_prefix, false))
		return st_err_set(err, ST_EINVALID,
		                  "WASMCLOUD_LATTICE_PREFIX: \"%s\" is not a single NATS subject "
		                  "token (no dots, wildcards or spaces)",
		                  c->lattice_prefix);
	c->ctl_topic_prefix = env_str(envp, "WASMCLOUD_CTL_TOPIC_PREFIX", CTL_DEFAULT_TOPIC_PREFIX);
	if (!subject_part_valid(c->ctl_topic_prefix, true))
		return st_err_set(err, ST_EINVALID,
		                  "WASMCLOUD_CTL_TOPIC_PREFIX: \"%s\" is not a NATS subject prefix",
		                  c->ctl_topic_prefix);
	c->js_domain = env_str(envp, "WASMCLOUD_JS_DOMAIN", NULL);
	if (c->js_domain && !subject_part_valid(c->js_domain, false))
		return st_err_set(err, ST_EINVALID,
		                  "WASMCLOUD_JS_DOMAIN: \"%s\" is not a single NATS subject token",
		                  c->js_domain);
	c->policy_topic = env_str(envp, "WASMCLOUD_POLICY_TOPIC", NULL);
	if (c->policy_topic && !subject_part_valid(c->policy_topic, true))
		return st_err_set(err, ST_EINVALID,
		                  "WASMCLOUD_POLICY_TOPIC: \"%s\" is not a NATS subject",
		                  c->policy_topic);
	c->policy_changes_topic = env_str(envp, "WASMCLOUD_POLICY_CHANGES_TOPIC", NULL);
	if (c->policy_changes_topic && !subject_part_valid(c->policy_changes_topic, true))
		return st_err_set(err, ST_EINVALID,
		                  "WASMCLOUD_POLICY_CHANGES_TOPIC: \"%s\" is not a NATS subject",
		                  c->policy_changes_topic);
	return 0;
}

static void load_paths(lat_config *c, const char *const *envp)
{
	const char *home;
	size_t n;

	c->host_config_path = env_str(envp, "HOST_CONFIG", NULL);
	if (c->host_config_path)
		return;
	home = env_get(envp, "HOME");
	if (!home)
		return;
	n = strlen(home) + sizeof(LAT_HOST_CONFIG_REL) + 1;
	c->host_config_path = xmalloc(n);
	snprintf(c->host_config_path, n, "%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/",
	         LAT_HOST_CONFIG_REL);
}

int lat_config_load(lat_config *c, const char *const *envp, st_err *err)
{
	const char *v;
	int rc;

	config_release(c);
	rc = load_key(envp, "WASMCLOUD_HOST_SEED", NKEY_SERVER, &c->host_key, c->host_id,
	              &c->host_key_generated, err);
	if (rc < 0)
		goto fail;
	rc = load_key(envp, "WASMCLOUD_CLUSTER_SEED", NKEY_CLUSTER, &c->cluster_key, c->cluster_id,
	              &c->cluster_key_generated, err);
	if (rc < 0)
		goto fail;
	if ((rc = load_issuers(c, envp, err)) < 0 || (rc = load_prefixes(c, envp, err)) < 0)
		goto fail;
	if ((rc = load_nats(envp, "WASMCLOUD_CTL", false, &c->ctl, err)) < 0 ||
	    (rc = load_nats(envp, "WASMCLOUD_RPC", false, &c->rpc, err)) < 0 ||
	    (rc = load_nats(envp, "WASMCLOUD_PROV_RPC", true, &c->prov_rpc, err)) < 0)
		goto fail;
	c->enable_ipv6 = env_bool(envp, "WASMCLOUD_ENABLE_IPV6");
	if ((rc = env_ms(envp, "WASMCLOUD_RPC_TIMEOUT_MS", LAT_DEFAULT_RPC_TIMEOUT_MS,
	                 &c->rpc_timeout_ms, err)) < 0 ||
	    (rc = env_ms(envp, "WASMCLOUD_PROV_SHUTDOWN_DELAY_MS",
	                 LAT_DEFAULT_PROV_SHUTDOWN_DELAY_MS, &c->prov_shutdown_delay_ms, err)) <
	            0 ||
	    (rc = env_ms(envp, "WASMCLOUD_POLICY_TIMEOUT", LAT_DEFAULT_POLICY_TIMEOUT_MS,
	                 &c->policy_timeout_ms, err)) < 0)
		goto fail;
	/* [R] of §2.4: the boolean spellings, not only the exact word "true". */
	c->oci_allow_latest = env_bool(envp, "WASMCLOUD_OCI_ALLOW_LATEST");
	split_list(env_get(envp, "WASMCLOUD_OCI_ALLOWED_INSECURE"), &c->oci_allowed_insecure,
	           &c->noci_allowed_insecure);
	c->allow_file_load = env_bool(envp, "WASMCLOUD_ALLOW_FILE_LOAD");
	c->config_service = env_bool(envp, "WASMCLOUD_CONFIG_SERVICE");
	c->structured_logging = env_bool(envp, "WASMCLOUD_STRUCTURED_LOGGING_ENABLED");
	v = env_get(envp, "WASMCLOUD_LOG_LEVEL");
	if (!v)
		v = env_get(envp, "WASMCLOUD_STRUCTURED_LOG_LEVEL");
	c->log_level = xstrdup(v ? v : LAT_DEFAULT_LOG_LEVEL);
	rc = load_labels(c, envp, err);
	if (rc < 0)
		goto fail;
	load_paths(c, envp);
	c->friendly_name = lat_config_friendly_name();
	return 0;
fail:
	config_release(c);
	return rc;
}

/* ---- Output ------------------------------------------------------------------- */

static bool put(json_t *o, const char *key, json_t *v)
{
	if (!o || !v) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, key, v) == 0;
}

json_t *lat_config_host_json(const lat_config *c)
{
	char seed[NKEY_SEED_LEN + 1];
	json_t *o = json_object();
	bool ok;

	if (nkey_seed_text(&c->cluster_key, seed) < 0)
		seed[0] = '\0';
	ok = put(o, "cluster_seed", json_string(seed)) &&
	     put(o, "lattice_prefix", json_string(c->lattice_prefix)) &&
	     put(o, "ctl_host", json_string(c->ctl.host)) &&
	     put(o, "ctl_port", json_integer(c->ctl.port)) &&
	     put(o, "ctl_jwt", json_string(c->ctl.jwt)) &&
	     put(o, "ctl_seed", json_string(c->ctl.seed)) &&
	     put(o, "rpc_host", json_string(c->rpc.host)) &&
	     put(o, "rpc_port", json_integer(c->rpc.port)) &&
	     put(o, "rpc_jwt", json_string(c->rpc.jwt)) &&
	     put(o, "rpc_seed", json_string(c->rpc.seed)) &&
	     put(o, "js_domain", c->js_domain ? json_string(c->js_domain) : json_null());
	sodium_memzero(seed, sizeof(seed));
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void lat_config_host_info(const lat_config *c, uint64_t uptime_seconds, const char *version,
                          ctl_host_info *out)
{
	memset(out, 0, sizeof(*out));
	out->id = c->host_id;
	out->issuer = c->cluster_id;
	out->labels = &c->labels;
	out->friendly_name = c->friendly_name;
	out->uptime_seconds = uptime_seconds;
	out->version = version;
	out->cluster_issuers = (const char *const *)c->cluster_issuers;
	out->ncluster_issuers = c->ncluster_issuers;
	out->js_domain = c->js_domain;
	out->ctl_host = c->ctl.host;
	out->prov_rpc_host = c->prov_rpc.host;
	out->rpc_host = c->rpc.host;
	out->lattice_prefix = c->lattice_prefix;
}
