/*
 * claims.h - wascap claims: actors, capability providers and invocations
 * (security.md §2-§4, providers.md §9, lattice.md §4.5).
 *
 * A claims struct is the decoded form of a claims JWT. Encoding emits the
 * keys in wascap's order, so that a token we sign is byte-identical to what
 * wash would sign given the same jti and iat; decoding tolerates any key
 * order and ignores unknown keys.
 *
 * Actor modules carry their token in a custom section named "jwt" or
 * "wasmcloud_jwt" (the first of either found is used). The module hash of
 * revision 3 is the SHA-256 of the module with those sections removed and
 * every other section re-emitted with a minimal LEB128 size.
 *
 * Strings in a claims struct are owned by it (st_free'd by claims_deinit).
 * Nothing here keeps global state; any thread.
 */
#ifndef STRATUS_SECURITY_CLAIMS_H
#define STRATUS_SECURITY_CLAIMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "security/nkey.h"

/* Length of an upper-case hex SHA-256, without the NUL. */
#define CLAIMS_HASH_LEN 64
/* The wascap_revision we write. */
#define CLAIMS_WASCAP_REVISION 3
/* The custom section names that hold a module's token; we write the second. */
#define CLAIMS_SECTION_OLD "jwt"
#define CLAIMS_SECTION "wasmcloud_jwt"

/* Which metadata the "wascap" object holds. */
typedef enum claims_kind {
	CLAIMS_OTHER = 0,  /* no wascap object, or one we do not model (account, ...) */
	CLAIMS_ACTOR,      /* sub M..., iss A...: name, hash, tags, caps, ... */
	CLAIMS_PROVIDER,   /* sub V..., iss A...: name, capid, vendor, target_hashes, ... */
	CLAIMS_INVOCATION, /* sub invocation id, iss C...: target_url, origin_url, hash */
} claims_kind;

/*
 * Failure classification in st_err.kind for claims_decode and the verify
 * functions; the message is the text the spec gives for the case.
 */
typedef enum claims_errkind {
	CLAIMS_ERR_NONE_FOUND = 100, /* "No claims found in source module" (ST_ENOTFOUND) */
	CLAIMS_ERR_MALFORMED,        /* token or metadata malformed (ST_EMALFORMED) */
	CLAIMS_ERR_SIGNATURE,        /* signature invalid (ST_EINVALID) */
	CLAIMS_ERR_EXPIRED,          /* exp < now (ST_EINVALID) */
	CLAIMS_ERR_NOT_YET,          /* now < nbf (ST_EINVALID) */
	CLAIMS_ERR_HASH,             /* module or invocation hash mismatch (ST_EINVALID) */
	CLAIMS_ERR_ISSUER,           /* issuer not in the allow-list (ST_EINVALID) */
	CLAIMS_ERR_NO_WASCAP,        /* "No wascap metadata found on claims" (ST_EINVALID) */
	CLAIMS_ERR_HOST_ID,          /* invocation host_id invalid (ST_EINVALID) */
	CLAIMS_ERR_TARGET_URL,       /* invocation target URL mismatch (ST_EINVALID) */
	CLAIMS_ERR_ORIGIN_URL,       /* invocation origin URL mismatch (ST_EINVALID) */
	CLAIMS_ERR_KIND,             /* claims of another kind than required (ST_EINVALID) */
} claims_errkind;

/* One provider target and the upper-case hex SHA-256 of its binary. Both owned. */
typedef struct claims_target_hash {
	char *target; /* e.g. "x86_64-linux" */
	char *hash;   /* as found in the token; 64 characters when we made it */
} claims_target_hash;

/*
 * Decoded claims. Optional numbers come with a has_ flag; optional strings
 * are NULL when absent. Which metadata fields are meaningful depends on kind.
 */
typedef struct claims {
	claims_kind kind;

	/* Common claims (security.md §2.2). Times are unix seconds. */
	char *jti;
	int64_t iat;
	bool has_exp;
	int64_t exp;
	bool has_nbf;
	int64_t nbf;
	char *iss;                /* issuer public key */
	char *sub;                /* subject public key (invocation: the invocation id) */
	bool has_wascap_revision; /* absent in 2022 tokens */
	uint32_t wascap_revision;

	/* Actor and provider metadata. */
	char *name; /* provider: serialized as null when NULL */
	bool has_rev;
	int32_t rev;
	char *ver;

	/* Actor metadata. hash is also the invocation hash. */
	char *hash;    /* upper-case hex SHA-256 */
	bool has_tags; /* "tags" present (possibly []) */
	char **tags;   /* ntags owned strings */
	size_t ntags;
	bool has_caps; /* "caps" present (possibly []) */
	char **caps;   /* ncaps owned contract ids */
	size_t ncaps;
	char *call_alias;
	bool prov;

	/* Provider metadata. */
	char *capid;
	char *vendor;
	claims_target_hash *targets; /* ntargets, in token order */
	size_t ntargets;
	json_t *config_schema; /* owned reference, NULL when absent */

	/* Invocation metadata. */
	char *target_url;
	char *origin_url;
} claims;

/* Initialises an empty claims struct (kind CLAIMS_OTHER, everything absent). */
void claims_init(claims *c);

/* Frees everything c owns; c can be claims_init'ed again. NULL is a no-op. */
void claims_deinit(claims *c);

/* Setters that copy their argument (borrowed; NULL clears). Abort on OOM. */
void claims_set_str(char **field, const char *value);
/* Appends a copy of tag/cap (borrowed) and sets has_tags/has_caps. */
void claims_add_tag(claims *c, const char *tag);
void claims_add_cap(claims *c, const char *cap);
/* Sets (or replaces) the hash of target; both borrowed and copied. */
void claims_set_target_hash(claims *c, const char *target, const char *hash);
/* The hash recorded for target (borrowed from c), or NULL. */
const char *claims_target_hash_get(const claims *c, const char *target);
/* True when c's caps contain contract (borrowed). */
bool claims_has_cap(const claims *c, const char *contract);

/*
 * Builds the claims JSON object exactly as claims_encode serializes it: the
 * common claims in the order exp, jti, iat, iss, sub, nbf, wascap,
 * wascap_revision, and the metadata in the order of its kind (CLAIMS_OTHER:
 * no wascap object). Returns a new reference (json_decref), or NULL when
 * jansson runs out of memory.
 */
json_t *claims_to_json(const claims *c);

/*
 * Signs c as a JWT with issuer (which needs a seed). iss must be NULL or
 * equal issuer's public key; the token always names issuer. A NULL jti is
 * replaced by a fresh one in the token only (c is not modified). On success
 * *token is owned by the caller (st_free).
 * Errors: ST_EINVAL (iss differs from issuer), ST_ESTATE (no seed), ST_ENOMEM.
 */
int claims_encode(const claims *c, const nkey *issuer, char **token, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes a claims token (len bytes, borrowed) into out, which must be
 * claims_init'ed (previous contents are freed). verify as for jwt_decode:
 * with it the header and signature are checked (kind CLAIMS_ERR_SIGNATURE,
 * message "signature invalid"); without it only the shape is. exp/nbf are
 * not checked (claims_check_time). kind is derived from the metadata keys:
 * target_url/origin_url -> invocation, capid/target_hashes -> provider,
 * hash/prov/caps or an M... subject -> actor, otherwise CLAIMS_OTHER.
 * Errors: ST_EMALFORMED (kind CLAIMS_ERR_MALFORMED; err->msg from the JWT
 * layer or names the bad field), ST_EINVALID (signature), ST_ETOOBIG,
 * ST_ENOMEM. On failure out is left claims_init'ed.
 */
int claims_decode(const char *token, size_t len, bool verify, claims *out,
                  st_err *err) ST_WARN_UNUSED;

/*
 * Checks exp and nbf against now (unix seconds): "Claims token expired"
 * when exp < now, "Claims token cannot be used yet" when now < nbf
 * (ST_EINVALID, kinds CLAIMS_ERR_EXPIRED / CLAIMS_ERR_NOT_YET).
 */
int claims_check_time(const claims *c, int64_t now, st_err *err) ST_WARN_UNUSED;

/* The revision as the host sees it: rev when present and > 0, else iat cast to int32. */
int32_t claims_revision(const claims *c);

/*
 * Normalizes a call alias the way wash stores it (security.md §2.4):
 * trimmed, lower-case, non-ASCII removed, each of ' ', '-', '.' -> '_'.
 * Returns an owned string (st_free); aborts on OOM.
 */
char *claims_normalize_alias(const char *alias);

/* ---- Actor modules (security.md §3) ---------------------------------- */

/*
 * Removes every "jwt" / "wasmcloud_jwt" custom section from a module (len
 * bytes of wasm, borrowed) and appends the result, re-emitted with minimal
 * LEB128 section sizes, to out. Only the section framing is parsed (magic,
 * version, id, size, and custom section names); payloads are copied as-is.
 * Errors: ST_EMALFORMED (bad header, truncated or overlong section, bad
 * LEB128; err->offset set), ST_ETOOBIG (out's max), ST_ENOMEM.
 */
int claims_module_strip(const uint8_t *wasm, size_t len, st_buf *out, st_err *err) ST_WARN_UNUSED;

/*
 * The revision-3 module hash: upper-case hex SHA-256 of what
 * claims_module_strip produces, written with a NUL into out. Errors as
 * claims_module_strip.
 */
int claims_module_hash(const uint8_t *wasm, size_t len, char out[CLAIMS_HASH_LEN + 1],
                       st_err *err) ST_WARN_UNUSED;

/*
 * Finds the first top-level custom section named "jwt" or "wasmcloud_jwt"
 * (the same section wm_module_custom would report for that name) and
 * returns its content. *token (when not NULL) receives an owned,
 * NUL-terminated copy (st_free); *token_len (when not NULL) its length.
 * Errors: ST_ENOTFOUND "No claims found in source module" (kind
 * CLAIMS_ERR_NONE_FOUND), ST_EMALFORMED (framing), ST_ENOMEM.
 */
int claims_module_extract(const uint8_t *wasm, size_t len, char **token, size_t *token_len,
                          st_err *err) ST_WARN_UNUSED;

/*
 * Signs a module (what `wash claims sign` does with wascap >= 0.10.1):
 * strips existing claims sections, hashes, fills c (kind CLAIMS_ACTOR, iss
 * = account, sub = module, hash, wascap_revision 3, iat = now when c->iat is
 * 0, a fresh jti when c->jti is NULL), signs with account, and appends to
 * out the stripped module followed by a "wasmcloud_jwt" custom section
 * holding the token. c's metadata (name, tags, caps, rev, ver, call_alias,
 * prov, exp, nbf) is input. account must be an account key with a seed;
 * module a module key (a seed is not needed).
 * Errors: ST_EINVALID (key types, kind NKEY_ERR_TYPE), ST_ESTATE (no seed),
 * strip errors, ST_ETOOBIG, ST_ENOMEM.
 */
int claims_module_sign(const uint8_t *wasm, size_t len, claims *c, const nkey *account,
                       const nkey *module, st_buf *out, st_err *err) ST_WARN_UNUSED;

/* What claims_module_verify found about the module hash. */
typedef struct claims_module_report {
	char computed_hash[CLAIMS_HASH_LEN + 1]; /* revision-3 hash of the module */
	bool hash_enforced; /* the token's wascap_revision >= 3, so the hash was checked */
	bool hash_matches;  /* computed_hash equals the token's hash */
} claims_module_report;

/*
 * Verifies a signed actor module (len bytes of wasm, borrowed) as the 0.62+
 * host does (security.md §5.1), in this order, the first failure winning:
 *   no claims section        ST_ENOTFOUND  "No claims found in source module"
 *   token malformed          ST_EMALFORMED the JWT layer's message
 *   not actor claims         ST_EINVALID   CLAIMS_ERR_KIND
 *   exp < now                ST_EINVALID   "Claims token expired"
 *   now < nbf                ST_EINVALID   "Claims token cannot be used yet"
 *   bad signature            ST_EINVALID   "Invalid signature on module token"
 *   hash mismatch, only when wascap_revision >= 3
 *                            ST_EINVALID   "Invalid module hash: ..." (CLAIMS_ERR_HASH)
 *   issuer not allowed       ST_EINVALID   "Module issuer A... is not among the allowed issuers"
 * allowed_issuers is a NULL-terminated array of public keys (borrowed), or
 * NULL to accept any issuer (the OTP host applies none). For older tokens a
 * hash mismatch is not an error; report (optional) says what was found.
 * out (optional, claims_init'ed) receives the decoded claims, also on the
 * time, hash and issuer failures; it is left claims_init'ed on the others.
 */
int claims_module_verify(const uint8_t *wasm, size_t len, const char *const *allowed_issuers,
                         int64_t now, claims *out, claims_module_report *report,
                         st_err *err) ST_WARN_UNUSED;

/* ---- Invocation claims (lattice.md §4.2, §4.5) ------------------------ */

/* A lattice entity (all strings borrowed; NULL counts as ""). */
typedef struct claims_entity {
	const char *public_key;
	const char *contract_id;
	const char *link_name;
} claims_entity;

/*
 * The entity URL: "wasmbus://{M...}" for an actor (public key starting with
 * M or m), else "wasmbus://{contract: ':'->'/', ' '->'_', lower}/{link:
 * ' '->'_', lower}/{public_key}". Returns an owned string (st_free); aborts
 * on OOM.
 */
char *claims_entity_url(const claims_entity *e);

/* One invocation, as the anti-forgery check sees it. All fields borrowed. */
typedef struct claims_invocation {
	const char *id;         /* the invocation id: the token's sub */
	claims_entity origin;   /* caller */
	claims_entity target;   /* callee */
	const char *operation;  /* e.g. "HttpServer.HandleRequest" */
	const uint8_t *payload; /* the full payload; NULL skips the hash check on verify */
	size_t len;             /* payload bytes */
	const char *host_id;    /* sender's host id; NULL skips that check on verify */
} claims_invocation;

/*
 * The invocation hash: upper-case hex SHA-256 of origin_url ‖ target_url ‖
 * operation ‖ payload (nothing between them), written with a NUL into out.
 * All borrowed.
 */
void claims_invocation_hash(const char *origin_url, const char *target_url, const char *operation,
                            const uint8_t *payload, size_t len, char out[CLAIMS_HASH_LEN + 1]);

/*
 * Signs an invocation with the cluster key (which needs a seed): iss =
 * cluster key, sub = inv->id, iat = now, a fresh jti, no exp/nbf, metadata
 * {target_url, origin_url, hash}, wascap_revision 3. *token is owned by the
 * caller (st_free). Errors: ST_EINVALID (not a cluster key), ST_ESTATE (no
 * seed), ST_EINVAL (no id), ST_ENOMEM.
 */
int claims_invocation_sign(const claims_invocation *inv, const nkey *cluster, char **token,
                           st_err *err) ST_WARN_UNUSED;

/*
 * The anti-forgery check of lattice.md §4.5 steps 2-6, in its order; the
 * message is the spec's text (the caller adds "Anti-forgery check failed: "):
 *   malformed token         ST_EMALFORMED  the JWT layer's message
 *   exp < now               "Invocation claims token expired"
 *   bad signature           "Invocation claims signature invalid"
 *   now < nbf               "Attempt to use invocation before claims token allows"
 *   no wascap object        "No wascap metadata found on claims"
 *   hash (payload != NULL)  "Invocation hash does not match signed claims hash (C / H)"
 *   host_id (!= NULL) neither N-prefixed nor 56 long
 *                           "Invalid host ID on invocation: 'X'"
 *   iss not in cluster_issuers (NULL-terminated, borrowed; NULL = empty list)
 *                           "Issuer of this invocation is not among the list of valid issuers"
 *   target_url              "Invocation claims and invocation target URL do not match"
 *   origin_url              "Invocation claims and invocation origin URL do not match"
 * All but the first are ST_EINVALID with a CLAIMS_ERR_* kind. The token's
 * sub is not compared with inv->id (the OTP host does not). out (optional,
 * claims_init'ed) receives the decoded claims.
 */
int claims_invocation_verify(const claims_invocation *inv, const char *token, size_t token_len,
                             const char *const *cluster_issuers, int64_t now, claims *out,
                             st_err *err) ST_WARN_UNUSED;

#endif
