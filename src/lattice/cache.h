/*
 * cache.h - the lattice metadata cache: JetStream KV bucket LATTICEDATA_{prefix}.
 *
 * Hosts and wash keep link definitions (LINKDEF_{id}), cached claims
 * (CLAIMS_{public key}) and OCI reference maps (REFMAP_{b64 ref}) in this
 * bucket as JSON values (lattice.md §7.1, §7.3). A watcher delivers every
 * put and delete, the current values first, on the connection's loop
 * thread, so a link written by any client takes effect on every host.
 * Reads and writes block on a JetStream round trip: any thread except the
 * loop's (or the loop's at start-up, before latency matters).
 */
#ifndef STRATUS_LATTICE_CACHE_H
#define STRATUS_LATTICE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "lattice/linkdef.h"
#include "lattice/nats.h"

typedef struct lat_cache lat_cache;

/* What a key holds, from its prefix. */
typedef enum lat_cache_kind {
	LAT_CACHE_OTHER = 0,   /* none of the below; ignore it */
	LAT_CACHE_LINKDEF = 1, /* "LINKDEF_" + link id */
	LAT_CACHE_CLAIMS = 2,  /* "CLAIMS_" + actor or provider public key */
	LAT_CACHE_REFMAP = 3,  /* "REFMAP_" + URL-safe unpadded base64 of an OCI reference */
} lat_cache_kind;

typedef enum lat_cache_op {
	LAT_CACHE_PUT = 1,    /* key was written; value is the JSON text */
	LAT_CACHE_DELETE = 2, /* key was deleted or purged (KV-Operation DEL or PURGE) */
	LAT_CACHE_SYNCED = 3, /* every value present when the watch began has been delivered;
	                         key and suffix are "" */
} lat_cache_op;

/* One change seen by the watcher. Everything is borrowed for the callback. */
typedef struct lat_cache_entry {
	lat_cache_op op;
	lat_cache_kind kind;
	const char *key;    /* the full key, e.g. "LINKDEF_4CA7..." */
	const char *suffix; /* the key after its kind's prefix; the whole key for OTHER */
	st_slice value;     /* JSON text of a put; empty for a delete */
	uint64_t revision;  /* the stream sequence of the change; 0 for SYNCED */
} lat_cache_entry;

/* Loop thread. Reports one change; e is borrowed for the call. */
typedef void (*lat_cache_watch_cb)(lat_cache *c, const lat_cache_entry *e, void *ud);

/* A string pair; both owned by the structure holding it. */
typedef struct lat_cache_pair {
	char *key;
	char *value;
} lat_cache_pair;

/* A cached claims map (§7.3): a flat string map, in JSON order. */
typedef struct lat_cache_claims {
	lat_cache_pair *pairs;
	size_t n;
} lat_cache_claims;

/*
 * Opens the bucket LATTICEDATA_{lattice_prefix} on conn, creating its stream
 * KV_LATTICEDATA_{prefix} with the settings of §7.1 when missing (one value
 * per key, file storage, rollups and direct gets allowed, deletes denied,
 * discard new, one replica, 2 min duplicate window). A stream that already
 * exists (made by another host, possibly with other settings) is used as
 * is. js_domain may be NULL. conn is borrowed and must outlive the cache.
 * Errors: ST_EIO (JetStream not enabled, timeouts), ST_EINVAL.
 */
int lat_cache_open(lat_conn *conn, const char *lattice_prefix, const char *js_domain,
                   lat_cache **out, st_err *err) ST_WARN_UNUSED;

/*
 * Stops the watcher (waiting for its thread) and frees c; callbacks still
 * queued are not made. With a watcher: loop thread, and the connection's
 * loop must run once more (the memory goes then, or in lat_conn_free).
 * Free the cache before its connection. NULL is a no-op.
 */
void lat_cache_free(lat_cache *c);

/* "LATTICEDATA_{prefix}"; owned by c. */
const char *lat_cache_bucket(const lat_cache *c);

/* Writes value (borrowed) under key. Errors: ST_EIO, ST_EINVAL. */
int lat_cache_put(lat_cache *c, const char *key, const void *value, size_t len,
                  st_err *err) ST_WARN_UNUSED;

/*
 * Reads key into out (appended; out stays the caller's). Errors:
 * ST_ENOTFOUND when the key is missing or deleted, ST_EIO, ST_ETOOBIG.
 */
int lat_cache_get(lat_cache *c, const char *key, st_buf *out, st_err *err) ST_WARN_UNUSED;

/*
 * Deletes key as a host does: a purge (header KV-Operation: PURGE), which
 * drops its history. Deleting a missing key succeeds. Errors: ST_EIO.
 */
int lat_cache_delete(lat_cache *c, const char *key, st_err *err) ST_WARN_UNUSED;

/*
 * Starts watching every key: cb gets the current value of each key (and
 * the delete markers still present), then LAT_CACHE_SYNCED, then every
 * later change, in order, on the loop thread of the connection. One
 * watcher per cache; a background thread waits for changes. The watch
 * survives reconnects (cnats re-creates its ordered consumer). Loop
 * thread. Errors: ST_ESTATE (no loop, already watching), ST_EIO.
 */
int lat_cache_watch(lat_cache *c, lat_cache_watch_cb cb, void *ud, st_err *err) ST_WARN_UNUSED;

/* The kind of key and, in *suffix (when not NULL), the part after its prefix. */
lat_cache_kind lat_cache_key_kind(const char *key, const char **suffix);

/* Returns "{prefix of kind}{suffix}", owned by the caller (st_free). */
char *lat_cache_key(lat_cache_kind kind, const char *suffix);

/*
 * Parses a LINKDEF_ value (len bytes of JSON, borrowed) into out, a fresh
 * linkdef the caller releases with linkdef_deinit: linkdef_from_json with
 * LINKDEF_JSON_DEFAULT_NAME (actor_id, provider_id and contract_id
 * required; link_name defaults to "default"; a stored id is kept, a
 * missing one computed: clients such as wash write links without one).
 * Errors: ST_EMALFORMED (with the reason); on failure out is empty.
 */
int lat_cache_link_parse(const void *json, size_t len, linkdef *out, st_err *err) ST_WARN_UNUSED;

/*
 * Returns the compact text of linkdef_to_json(l): the six keys of §7.1 in
 * the order id, actor_id, provider_id, link_name, contract_id, values (id
 * computed when l->id is NULL). Owned by the caller (st_free).
 */
char *lat_cache_link_to_json(const linkdef *l);

/* Writes l under LINKDEF_{id} (computing id when l->id is NULL). Errors as lat_cache_put. */
int lat_cache_put_link(lat_cache *c, const linkdef *l, st_err *err) ST_WARN_UNUSED;

/*
 * Reads and parses LINKDEF_{id} into out (a fresh linkdef; linkdef_deinit).
 * Errors as lat_cache_get and lat_cache_link_parse.
 */
int lat_cache_get_link(lat_cache *c, const char *id, linkdef *out, st_err *err) ST_WARN_UNUSED;

/* Purges LINKDEF_{id}. Errors as lat_cache_delete. */
int lat_cache_del_link(lat_cache *c, const char *id, st_err *err) ST_WARN_UNUSED;

/*
 * Parses a claims JSON object (borrowed) into out (release with
 * lat_cache_claims_deinit). String values are kept, null becomes "" (the
 * OTP host writes "version": null), other values are skipped.
 * Errors: ST_EMALFORMED.
 */
int lat_cache_claims_parse(const void *json, size_t len, lat_cache_claims *out,
                           st_err *err) ST_WARN_UNUSED;

/* The value of key in cl, or NULL; owned by cl. */
const char *lat_cache_claims_get(const lat_cache_claims *cl, const char *key);

/*
 * Sets key to value in cl (both copied), replacing an existing value or
 * appending. A NULL value is stored as "" (never JSON null, §9).
 */
void lat_cache_claims_set(lat_cache_claims *cl, const char *key, const char *value);

/* Returns the compact JSON object of cl, in order. Owned by the caller (st_free). */
char *lat_cache_claims_to_json(const lat_cache_claims *cl);

/* Frees the strings of cl and zeroes it. */
void lat_cache_claims_deinit(lat_cache_claims *cl);

/* Writes cl under CLAIMS_{public_key}. Errors as lat_cache_put. */
int lat_cache_put_claims(lat_cache *c, const char *public_key, const lat_cache_claims *cl,
                         st_err *err) ST_WARN_UNUSED;

/* Returns "REFMAP_" + URL-safe unpadded base64 of ref, owned by the caller (st_free). */
char *lat_cache_refmap_key(const char *ref);

/* Writes {"oci_url":ref,"public_key":public_key} under lat_cache_refmap_key(ref). */
int lat_cache_put_refmap(lat_cache *c, const char *ref, const char *public_key,
                         st_err *err) ST_WARN_UNUSED;

/*
 * Parses a refmap value into *oci_url and *public_key (owned by the caller,
 * st_free). Errors: ST_EMALFORMED.
 */
int lat_cache_refmap_parse(const void *json, size_t len, char **oci_url, char **public_key,
                           st_err *err) ST_WARN_UNUSED;

#endif
