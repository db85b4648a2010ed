/*
 * ctl.h - the lattice control interface as JSON (lattice.md §5): subjects,
 * request parsers and reply builders. Pure protocol: no NATS, no host state.
 *
 * Parsers fill owned structs (freed by _deinit) and follow the 0.6x host:
 * unknown keys ignored, null counts as missing, wrong types are errors
 * (ST_EMALFORMED naming the key; the ack text is ctl_op_failure_text()).
 * Builders take borrowed values and return a new jansson reference, or NULL
 * on OOM or invalid UTF-8. No global state; any thread.
 */
#ifndef STRATUS_LATTICE_CTL_H
#define STRATUS_LATTICE_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "lattice/linkdef.h"
#include "security/claims.h"

/* Largest request body parsed, in bytes. */
#define CTL_MAX_BODY_BYTES (1024 * 1024)
/* Largest instance count accepted in a request (the Rust client's u16). */
#define CTL_MAX_COUNT 65535
/* Default control topic prefix (lattice.md §2.4). */
#define CTL_DEFAULT_TOPIC_PREFIX "wasmbus.ctl"

/* ---- String maps ------------------------------------------------------ */

/* One key/value pair of a ctl_strmap; both owned by the map. */
typedef struct ctl_strpair {
	char *key;
	char *value;
} ctl_strpair;

/*
 * A flat string->string map (labels, annotations, constraints, claims
 * maps), kept in insertion order with unique keys. Small
 * maps only: lookups are linear. Embedded value struct: ctl_strmap_init /
 * ctl_strmap_deinit; strings are copied in (x* allocators, abort on OOM).
 */
typedef struct ctl_strmap {
	ctl_strpair *v; /* n pairs, owned */
	size_t n;
} ctl_strmap;

/* Initialises an empty map. */
void ctl_strmap_init(ctl_strmap *m);

/* Frees every pair; m can be ctl_strmap_init'ed again. NULL is a no-op. */
void ctl_strmap_deinit(ctl_strmap *m);

/* Sets key to value (both borrowed, copied), replacing an existing value. */
void ctl_strmap_set(ctl_strmap *m, const char *key, const char *value);

/* The value of key (borrowed from m), or NULL. m may be NULL. */
const char *ctl_strmap_get(const ctl_strmap *m, const char *key);

/* Removes key if present. */
void ctl_strmap_del(ctl_strmap *m, const char *key);

/* Replaces dst's contents by a copy of src (NULL: empty). */
void ctl_strmap_copy(ctl_strmap *dst, const ctl_strmap *src);

/*
 * True when every pair of sub is in m with the same value (exact string
 * equality): the auction-constraint and annotation-filter rule. An empty
 * or NULL sub matches anything.
 */
bool ctl_strmap_contains_all(const ctl_strmap *m, const ctl_strmap *sub);

/* The map as a JSON object (NULL m: {}). New reference, NULL on OOM. */
json_t *ctl_strmap_to_json(const ctl_strmap *m);

/*
 * Fills m (initialised; previous contents are dropped) from a JSON object
 * (borrowed). Every value must be a string; with null_as_empty a JSON null
 * value becomes "" (claims maps written by the OTP host). what names the
 * object in the error message. Errors: ST_EMALFORMED.
 */
int ctl_strmap_from_json(ctl_strmap *m, const json_t *obj, bool null_as_empty, const char *what,
                         st_err *err) ST_WARN_UNUSED;

/* ---- JSON helpers ----------------------------------------------------- */

/*
 * Serializes j (borrowed) as compact JSON in key insertion order. Returns
 * an owned, NUL-terminated string (st_free) and its length in *len (when
 * not NULL); NULL when j is NULL or memory runs out.
 */
char *ctl_json_dump(const json_t *j, size_t *len);

/*
 * As ctl_json_dump, and drops the reference to j (so a builder's result can
 * be dumped in one expression).
 */
char *ctl_json_dump_take(json_t *j, size_t *len);

/* ---- Subjects (lattice.md §3, §5.1) ------------------------------------ */

/* The control operations a host serves. */
typedef enum ctl_op {
	CTL_OP_UNKNOWN = 0,
	CTL_OP_PING_HOSTS,       /* ping.hosts */
	CTL_OP_GET_CLAIMS,       /* get.claims */
	CTL_OP_GET_LINKS,        /* get.links */
	CTL_OP_GET_INVENTORY,    /* get.{host}.inv */
	CTL_OP_LINKDEF_PUT,      /* linkdefs.put */
	CTL_OP_LINKDEF_DEL,      /* linkdefs.del */
	CTL_OP_AUCTION_ACTOR,    /* auction.actor */
	CTL_OP_AUCTION_PROVIDER, /* auction.provider */
	CTL_OP_LAUNCH_ACTOR,     /* cmd.{host}.la */
	CTL_OP_STOP_ACTOR,       /* cmd.{host}.sa */
	CTL_OP_SCALE_ACTOR,      /* cmd.{host}.scale */
	CTL_OP_UPDATE_ACTOR,     /* cmd.{host}.upd */
	CTL_OP_LAUNCH_PROVIDER,  /* cmd.{host}.lp */
	CTL_OP_STOP_PROVIDER,    /* cmd.{host}.sp */
	CTL_OP_STOP_HOST,        /* cmd.{host}.stop */
	CTL_OP_REGISTRIES_PUT,   /* registries.put */
} ctl_op;

/* A parsed control subject. host_id is "" for operations without one. */
typedef struct ctl_subject {
	ctl_op op;
	char host_id[128]; /* the {host_id} token, NUL-terminated */
} ctl_subject;

/*
 * Classifies subject (borrowed, NUL-terminated) under "{topic_prefix}.
 * {lattice_prefix}." (topic_prefix NULL: CTL_DEFAULT_TOPIC_PREFIX).
 * Errors: ST_ENOTFOUND when the subject is not a control operation of that
 * lattice (the host must then not reply, §5.1); ST_ETOOBIG when the host
 * id token does not fit.
 */
int ctl_subject_parse(const char *subject, const char *topic_prefix, const char *lattice_prefix,
                      ctl_subject *out, st_err *err) ST_WARN_UNUSED;

/*
 * Builds the subject of op for a lattice (and host, for the per-host
 * operations; ignored otherwise). Returns an owned string (st_free), or
 * NULL when op is CTL_OP_UNKNOWN or a per-host op lacks host_id. Aborts on
 * OOM.
 */
char *ctl_subject_build(ctl_op op, const char *topic_prefix, const char *lattice_prefix,
                        const char *host_id);

/* The operation's name as in the subject ("cmd.la" style, for logs). */
const char *ctl_op_name(ctl_op op);

/*
 * The failure-ack text the 0.6x host sends for a malformed request of op
 * (lattice.md §5.2), e.g. "Invalid launch actor JSON request". For
 * CTL_OP_STOP_HOST the text is a prefix ("Unable to parse stop host
 * command: ") to which the reason is appended. "" for ops without one.
 */
const char *ctl_op_failure_text(ctl_op op);

/* ---- Requests (lattice.md §5.6-§5.14) --------------------------------- */

/* cmd.{host}.la. Strings owned. */
typedef struct ctl_launch_actor {
	char *actor_ref;        /* required; echoed unchanged in events */
	uint32_t count;         /* 1 when absent; 0 is read as 1 */
	char *host_id;          /* NULL when absent */
	ctl_strmap annotations; /* empty when absent */
} ctl_launch_actor;

/* cmd.{host}.sa. */
typedef struct ctl_stop_actor {
	char *actor_ref; /* required: the actor public key */
	uint32_t count;  /* required; 0 = all instances */
	char *host_id;   /* NULL when absent */
	ctl_strmap annotations;
} ctl_stop_actor;

/* cmd.{host}.scale. */
typedef struct ctl_scale_actor {
	char *actor_id;  /* required */
	char *actor_ref; /* required, may be "" (use a running instance's ref) */
	uint32_t count;  /* required: the wanted number of instances */
	char *host_id;
	ctl_strmap annotations;
} ctl_scale_actor;

/* cmd.{host}.upd. */
typedef struct ctl_update_actor {
	char *actor_id;      /* NULL when absent (the host does not use it) */
	char *new_actor_ref; /* required */
	char *host_id;
	ctl_strmap annotations;
} ctl_update_actor;

/* cmd.{host}.lp. */
typedef struct ctl_launch_provider {
	char *provider_ref;  /* required */
	char *link_name;     /* required */
	char *host_id;       /* NULL when absent */
	char *configuration; /* "" when absent; opaque, becomes config_json */
	ctl_strmap annotations;
} ctl_launch_provider;

/* cmd.{host}.sp. */
typedef struct ctl_stop_provider {
	char *provider_ref; /* required: a 56-character provider public key */
	char *link_name;    /* required */
	char *contract_id;  /* NULL when absent */
	char *host_id;
	ctl_strmap annotations;
} ctl_stop_provider;

/* cmd.{host}.stop. */
typedef struct ctl_stop_host {
	char *host_id;    /* NULL when absent */
	bool has_timeout; /* "timeout" present */
	uint64_t timeout; /* as sent (the host ignores it) */
} ctl_stop_host;

/* auction.actor. */
typedef struct ctl_auction_actor {
	char *actor_ref;        /* required */
	ctl_strmap constraints; /* empty when absent */
} ctl_auction_actor;

/* auction.provider. */
typedef struct ctl_auction_provider {
	char *provider_ref; /* required */
	char *link_name;    /* "default" when absent */
	ctl_strmap constraints;
} ctl_auction_provider;

/*
 * Parsers. Each fills out (any previous contents are not freed: pass a
 * fresh struct) from len bytes of JSON at body (borrowed). On failure out
 * is left in its _deinit'ed (empty) state. Errors: ST_EMALFORMED (not JSON,
 * not an object, a required key missing or null, a key of the wrong type,
 * a count out of 0..CTL_MAX_COUNT), ST_ETOOBIG (body larger than
 * CTL_MAX_BODY_BYTES).
 */
int ctl_launch_actor_parse(ctl_launch_actor *out, const void *body, size_t len,
                           st_err *err) ST_WARN_UNUSED;
int ctl_stop_actor_parse(ctl_stop_actor *out, const void *body, size_t len,
                         st_err *err) ST_WARN_UNUSED;
int ctl_scale_actor_parse(ctl_scale_actor *out, const void *body, size_t len,
                          st_err *err) ST_WARN_UNUSED;
int ctl_update_actor_parse(ctl_update_actor *out, const void *body, size_t len,
                           st_err *err) ST_WARN_UNUSED;
/* Also ST_EMALFORMED when provider_ref is not 56 characters long (§5.12). */
int ctl_launch_provider_parse(ctl_launch_provider *out, const void *body, size_t len,
                              st_err *err) ST_WARN_UNUSED;
int ctl_stop_provider_parse(ctl_stop_provider *out, const void *body, size_t len,
                            st_err *err) ST_WARN_UNUSED;
int ctl_stop_host_parse(ctl_stop_host *out, const void *body, size_t len,
                        st_err *err) ST_WARN_UNUSED;
int ctl_auction_actor_parse(ctl_auction_actor *out, const void *body, size_t len,
                            st_err *err) ST_WARN_UNUSED;
int ctl_auction_provider_parse(ctl_auction_provider *out, const void *body, size_t len,
                               st_err *err) ST_WARN_UNUSED;
/*
 * Link requests fill a linkdef (linkdef.h; released with linkdef_deinit).
 * linkdefs.put: actor_id, contract_id, link_name, provider_id required;
 * values optional. The id is always computed (linkdef_compute_id). Stored
 * links (LINKDEF_* values, §7.1) are read by lat_cache_link_parse.
 */
int ctl_linkdef_put_parse(linkdef *out, const void *body, size_t len, st_err *err) ST_WARN_UNUSED;
/*
 * linkdefs.del request: actor_id, contract_id, link_name required; id
 * computed; provider_id "" and no values.
 */
int ctl_linkdef_del_parse(linkdef *out, const void *body, size_t len, st_err *err) ST_WARN_UNUSED;

/* Frees what a request struct owns; it is left empty. NULL is a no-op. */
void ctl_launch_actor_deinit(ctl_launch_actor *r);
void ctl_stop_actor_deinit(ctl_stop_actor *r);
void ctl_scale_actor_deinit(ctl_scale_actor *r);
void ctl_update_actor_deinit(ctl_update_actor *r);
void ctl_launch_provider_deinit(ctl_launch_provider *r);
void ctl_stop_provider_deinit(ctl_stop_provider *r);
void ctl_stop_host_deinit(ctl_stop_host *r);
void ctl_auction_actor_deinit(ctl_auction_actor *r);
void ctl_auction_provider_deinit(ctl_auction_provider *r);

/*
 * Request builders, for clients (stratus ctl): the JSON a request struct
 * (borrowed) is sent as, with the keys wash sends (annotations left out
 * when empty, absent optional strings left out). New reference, NULL on
 * OOM.
 */
json_t *ctl_launch_actor_to_json(const ctl_launch_actor *r);
json_t *ctl_stop_actor_to_json(const ctl_stop_actor *r);
json_t *ctl_scale_actor_to_json(const ctl_scale_actor *r);
json_t *ctl_update_actor_to_json(const ctl_update_actor *r);
json_t *ctl_stop_host_to_json(const ctl_stop_host *r);
json_t *ctl_auction_actor_to_json(const ctl_auction_actor *r);
json_t *ctl_launch_provider_to_json(const ctl_launch_provider *r);
json_t *ctl_stop_provider_to_json(const ctl_stop_provider *r);
json_t *ctl_auction_provider_to_json(const ctl_auction_provider *r);
/*
 * A link as a client puts it: actor_id, provider_id, link_name,
 * contract_id, values (linkdef_to_json gives the stored and listed form,
 * with id first).
 */
json_t *ctl_linkdef_put_to_json(const linkdef *l);
/* A linkdefs.del request: actor_id, contract_id, link_name. */
json_t *ctl_linkdef_del_to_json(const linkdef *l);

/* ---- Replies (lattice.md §5.2-§5.14) ---------------------------------- */

/* CtlOperationAck: {"accepted":accepted,"error":error} (error NULL: ""). */
json_t *ctl_ack(bool accepted, const char *error);

/*
 * Parses an ack (for clients). *accepted receives the flag; *error (when
 * not NULL) an owned copy of the error text (st_free; "" when absent).
 * Errors: ST_EMALFORMED, ST_ETOOBIG.
 */
int ctl_ack_parse(const void *body, size_t len, bool *accepted, char **error,
                  st_err *err) ST_WARN_UNUSED;

/*
 * Writes a human uptime into out (cap bytes, NUL-terminated, truncated to
 * fit): "42 seconds", "2 minutes, 3 seconds", "1 day, 10 minutes"; units
 * days/hours/minutes/seconds, zero units left out, "0 seconds" for 0.
 */
void ctl_uptime_human(uint64_t seconds, char *out, size_t cap);

/* What a host says about itself in a ping reply. All borrowed. */
typedef struct ctl_host_info {
	const char *id;           /* host public key N... */
	const char *issuer;       /* cluster public key C... */
	const ctl_strmap *labels; /* NULL: {} */
	const char *friendly_name;
	uint64_t uptime_seconds;
	const char *version;                /* host version, e.g. "0.63.2" */
	const char *const *cluster_issuers; /* ncluster_issuers keys, joined with "," */
	size_t ncluster_issuers;
	const char *js_domain; /* NULL: JSON null */
	const char *ctl_host;
	const char *prov_rpc_host;
	const char *rpc_host;
	const char *lattice_prefix;
} ctl_host_info;

/* The ping.hosts reply (§5.3); uptime_human is derived from uptime_seconds. */
json_t *ctl_ping_reply(const ctl_host_info *h);

/* One running actor instance in an inventory. Borrowed. */
typedef struct ctl_inv_instance {
	const char *instance_id; /* uuid */
	int64_t revision;        /* the actor's claims revision */
	const ctl_strmap *annotations;
} ctl_inv_instance;

/* One actor in an inventory, with its instances. Borrowed. */
typedef struct ctl_inv_actor {
	const char *id;        /* M... */
	const char *image_ref; /* NULL: JSON null */
	const char *name;      /* claims name; NULL: "" */
	const ctl_inv_instance *instances;
	size_t ninstances;
} ctl_inv_actor;

/* One provider instance in an inventory. Borrowed. */
typedef struct ctl_inv_provider {
	const char *id; /* V... */
	const char *image_ref;
	const char *contract_id;
	const char *link_name;
	const char *name; /* NULL: "" */
	const char *instance_id;
	const ctl_strmap *annotations;
	int64_t revision;
} ctl_inv_provider;

/* A host inventory. Borrowed. */
typedef struct ctl_inventory {
	const char *host_id;
	const char *issuer;
	const char *friendly_name;
	const ctl_strmap *labels;
	const ctl_inv_actor *actors;
	size_t nactors;
	const ctl_inv_provider *providers;
	size_t nproviders;
} ctl_inventory;

/* The get.{host}.inv reply (§5.7): actors, labels, providers always present. */
json_t *ctl_inventory_reply(const ctl_inventory *inv);

/* The get.links reply (§5.5): {"links":[...]}, each as linkdef_to_json. */
json_t *ctl_links_reply(const linkdef *links, size_t n);

/*
 * The claims map of lattice.md §7.3 for decoded claims c (borrowed): sub,
 * iss, name, call_alias, caps, tags, rev, version, contract_id (and
 * config_schema, serialized, when c has one). Every value is a string:
 * absent ones are "" (never null), lists are joined with ",", rev is
 * claims_revision() in decimal. Fills m (initialised; previous contents
 * are dropped). Aborts on OOM.
 */
void ctl_claims_map(ctl_strmap *m, const claims *c);

/* The get.claims reply (§5.4): {"claims":[map, ...]}, maps borrowed. */
json_t *ctl_claims_reply(const ctl_strmap *const *maps, size_t n);

/* auction.actor reply: {"actor_ref","constraints","host_id"}. Borrowed. */
json_t *ctl_auction_actor_reply(const ctl_auction_actor *req, const char *host_id);

/* auction.provider reply: {"provider_ref","link_name","constraints","host_id"}. */
json_t *ctl_auction_provider_reply(const ctl_auction_provider *req, const char *host_id);

#endif
