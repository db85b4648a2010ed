/*
 * config.h - the host configuration that affects the wire, read from the
 * environment (lattice.md §2): keys, prefixes, NATS locations, timeouts,
 * labels, friendly name, and the host_config.json wash reads (§0 step 0.3).
 *
 * The environment is passed as a "NAME=VALUE" array (environ, or a test's).
 * Unlike the OTP host, which replaces a bad seed, a malformed value is an
 * error naming the variable. A loaded config is immutable; any thread.
 */
#ifndef STRATUS_LATTICE_CONFIG_H
#define STRATUS_LATTICE_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lattice/ctl.h"
#include "security/nkey.h"

/* Defaults of lattice.md §2.4. */
#define LAT_DEFAULT_LATTICE_PREFIX "default"
#define LAT_DEFAULT_NATS_HOST "127.0.0.1"
#define LAT_DEFAULT_NATS_PORT 4222
#define LAT_DEFAULT_RPC_TIMEOUT_MS 2000
#define LAT_DEFAULT_PROV_SHUTDOWN_DELAY_MS 400
#define LAT_DEFAULT_POLICY_TIMEOUT_MS 1000
#define LAT_DEFAULT_LOG_LEVEL "info"
/* Relative to $HOME when HOST_CONFIG is unset. */
#define LAT_HOST_CONFIG_REL ".wash/host_config.json"

/* Where one NATS connection goes and how it authenticates. Strings owned. */
typedef struct lat_nats_conf {
	char *host;    /* default LAT_DEFAULT_NATS_HOST */
	uint16_t port; /* default LAT_DEFAULT_NATS_PORT */
	char *seed;    /* nkey seed for NATS auth, "" when none */
	char *jwt;     /* user JWT, "" when none */
	bool tls;      /* _TLS as a boolean (ctl, rpc) */
	long tls_raw;  /* _TLS as the integer providers receive (prov_rpc only) */
} lat_nats_conf;

/*
 * The effective host configuration. Everything is owned by the struct and
 * released by lat_config_deinit. Fields are set by lat_config_load and
 * only read afterwards.
 */
typedef struct lat_config {
	/* Identity (§2.1). */
	nkey host_key;                        /* server key, with seed */
	char host_id[NKEY_PUBLIC_LEN + 1];    /* N... */
	bool host_key_generated;              /* WASMCLOUD_HOST_SEED was unset */
	nkey cluster_key;                     /* cluster key, with seed */
	char cluster_id[NKEY_PUBLIC_LEN + 1]; /* C... */
	bool cluster_key_generated;           /* ad hoc: the host should log a warning */
	char **cluster_issuers;               /* own cluster key first, then the list */
	size_t ncluster_issuers;

	/* Lattice and topics. */
	char *lattice_prefix;   /* WASMCLOUD_LATTICE_PREFIX */
	char *ctl_topic_prefix; /* WASMCLOUD_CTL_TOPIC_PREFIX */
	char *js_domain;        /* WASMCLOUD_JS_DOMAIN, NULL when unset */

	/* NATS connections (§1, §2.4). */
	lat_nats_conf ctl;      /* WASMCLOUD_CTL_* */
	lat_nats_conf rpc;      /* WASMCLOUD_RPC_* */
	lat_nats_conf prov_rpc; /* WASMCLOUD_PROV_RPC_* (handed to providers) */
	bool enable_ipv6;       /* WASMCLOUD_ENABLE_IPV6 */

	/* Timeouts, in milliseconds. */
	uint32_t rpc_timeout_ms;         /* WASMCLOUD_RPC_TIMEOUT_MS */
	uint32_t prov_shutdown_delay_ms; /* WASMCLOUD_PROV_SHUTDOWN_DELAY_MS */

	/* OCI, files, config service. */
	bool oci_allow_latest;       /* WASMCLOUD_OCI_ALLOW_LATEST */
	char **oci_allowed_insecure; /* WASMCLOUD_OCI_ALLOWED_INSECURE, comma list */
	size_t noci_allowed_insecure;
	bool allow_file_load; /* WASMCLOUD_ALLOW_FILE_LOAD */
	bool config_service;  /* WASMCLOUD_CONFIG_SERVICE */

	/* Policy service (security.md §6). */
	char *policy_topic;         /* WASMCLOUD_POLICY_TOPIC, NULL when unset */
	char *policy_changes_topic; /* WASMCLOUD_POLICY_CHANGES_TOPIC, NULL when unset */
	uint32_t policy_timeout_ms; /* WASMCLOUD_POLICY_TIMEOUT */

	/* Logging, forwarded to providers. */
	bool structured_logging; /* WASMCLOUD_STRUCTURED_LOGGING_ENABLED */
	char *log_level;         /* WASMCLOUD_LOG_LEVEL, else _STRUCTURED_LOG_LEVEL, else "info" */

	/* Presentation. */
	ctl_strmap labels;      /* HOST_* labels, then hostcore.os/arch/osfamily */
	char *friendly_name;    /* adjective-noun-N */
	char *host_config_path; /* HOST_CONFIG, else $HOME/.wash/host_config.json; NULL without HOME */
} lat_config;

/* Initialises an empty config (nothing loaded). */
void lat_config_init(lat_config *c);

/* Frees everything c owns and wipes the seeds; c can be init'ed again. NULL is a no-op. */
void lat_config_deinit(lat_config *c);

/*
 * Loads the configuration from envp (NULL-terminated "NAME=VALUE" strings,
 * borrowed; NULL = empty environment) into c (lat_config_init'ed; previous
 * contents are freed). Keys that are not configured are generated with
 * nkey_generate; the friendly name is generated.
 * Errors, each naming the variable in err->msg:
 *   ST_EMALFORMED  a seed that does not decode, a cluster issuer that is
 *                  not a public key, a number that does not parse
 *   ST_EINVALID    a seed or issuer of the wrong key type (host: server,
 *                  cluster: cluster), a port outside 1..65535, a zero
 *                  timeout, a prefix that is not a valid NATS subject part
 *   ST_EIO         key generation failed (libsodium)
 * On failure c is left lat_config_init'ed.
 */
int lat_config_load(lat_config *c, const char *const *envp, st_err *err) ST_WARN_UNUSED;

/*
 * True when value (borrowed; NULL = false) is a boolean "true" in the
 * host's sense: upper-cased, one of 1 TRUE YES Y ENABLED ENABLE.
 */
bool lat_config_parse_bool(const char *value);

/*
 * Adds the built-in labels (hostcore.arch, hostcore.os, hostcore.osfamily,
 * spelled as Rust does: x86_64, aarch64, ...; linux, macos, ...; unix,
 * windows) to labels, replacing any of the same key.
 */
void lat_config_builtin_labels(ctl_strmap *labels);

/*
 * A random friendly name "{adjective}-{noun}-{n}", n in 1..9999. Returns an
 * owned string (st_free); aborts on OOM.
 */
char *lat_config_friendly_name(void);

/*
 * The friendly name chosen by three numbers (any values; they are reduced
 * modulo the word list sizes and 9999), for reproducible names. Owned
 * string (st_free).
 */
char *lat_config_friendly_name_from(uint32_t adjective, uint32_t noun, uint32_t number);

/*
 * The content of host_config.json (§0 step 0.3): cluster_seed,
 * lattice_prefix, ctl_host, ctl_port, ctl_jwt, ctl_seed, rpc_host,
 * rpc_port, rpc_jwt, rpc_seed, js_domain (null when unset). It holds the
 * cluster seed: the writer should create the file mode 0600. New
 * reference, NULL on OOM.
 */
json_t *lat_config_host_json(const lat_config *c);

/*
 * Fills a ping-reply description from c (everything borrowed from c, valid
 * while c is) with the given uptime and host version (borrowed).
 */
void lat_config_host_info(const lat_config *c, uint64_t uptime_seconds, const char *version,
                          ctl_host_info *out);

#endif
