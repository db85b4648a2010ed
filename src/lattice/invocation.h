/*
 * invocation.h - the lattice RPC envelope (inv_): WasmCloudEntity,
 * Invocation and InvocationResponse as msgpack maps (lattice.md §4.2-§4.4),
 * entity URLs and subjects, invocation ids, and signing/verifying the
 * anti-forgery claims (§4.5) through security/claims.h.
 *
 * Encoding writes the keys in the order wasmbus-rpc (wash, providers) uses,
 * so our bytes equal theirs; decoding accepts any key order, ignores
 * unknown keys, defaults missing strings to "" and accepts msg as bin, str
 * or an array of byte values.
 *
 * Structs hold borrowed pointers that the caller fills for encoding. A
 * decoded (or signed) struct owns its memory instead: everything decode
 * produces lives in one arena block, freed by _deinit. Any thread; a
 * struct is used by one thread at a time.
 */
#ifndef STRATUS_LATTICE_INVOCATION_H
#define STRATUS_LATTICE_INVOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/msgpack.h"
#include "core/buf.h"
#include "core/err.h"
#include "security/claims.h"
#include "security/nkey.h"

/* Length of an id from inv_id_generate (32 lower-case hex digits), without NUL. */
#define INV_ID_LEN 32

/* Text the OTP host (0.62+) replies with when an invocation does not decode. */
#define INV_ERR_DESERIALIZE "Failed to deserialize invocation"
/* Prefix of anti-forgery failures in InvocationResponse.error (0.60+). */
#define INV_ERR_ANTIFORGERY_PREFIX "Anti-forgery check failed: "

/*
 * A WasmCloudEntity: an actor {M..., "", ""} or a provider {V...,
 * contract, link}. Strings are NUL-terminated; NULL counts as "".
 */
typedef struct inv_entity {
	const char *public_key;
	const char *link_name;
	const char *contract_id;
} inv_entity;

/* One traceContext entry. */
typedef struct inv_kv {
	const char *key;
	const char *value;
} inv_kv;

/*
 * An Invocation. For encoding every pointer is borrowed from the caller
 * (NULL strings are sent as ""); after inv_invocation_decode they point
 * into inv->arena, and after inv_invocation_sign encoded_claims points to
 * inv->claims, both owned by the struct until inv_invocation_deinit.
 */
typedef struct inv_invocation {
	inv_entity origin;          /* caller */
	inv_entity target;          /* callee */
	const char *operation;      /* "Interface.Method" */
	st_slice msg;               /* payload; empty when chunked */
	const char *id;             /* invocation id (32 hex or a UUID; opaque) */
	const char *encoded_claims; /* the anti-forgery JWT */
	const char *host_id;        /* sender's host id (N..., or C... from OTP hosts) */
	bool has_content_length;    /* content_length is sent/was received */
	uint64_t content_length;    /* full payload bytes, also when msg went to the object store */
	bool has_trace_context;     /* traceContext is sent/was received */
	const inv_kv *trace;        /* ntrace traceContext entries */
	size_t ntrace;
	void *arena;  /* owned: everything inv_invocation_decode produced, or NULL */
	char *claims; /* owned: the token inv_invocation_sign made, or NULL */
} inv_invocation;

/*
 * An InvocationResponse. error == NULL means success. Ownership as for
 * inv_invocation (decode fills arena).
 */
typedef struct inv_response {
	st_slice msg;              /* response bytes; empty on error or when chunked */
	const char *invocation_id; /* id of the invocation answered */
	const char *error;         /* failure text, NULL on success */
	bool has_content_length;
	uint64_t content_length; /* full response bytes */
	const char *instance_id; /* OTP extra: answering instance; NULL when absent */
	void *arena;             /* owned, see above */
} inv_response;

/* ---- Entities ---------------------------------------------------------- */

/*
 * The entity URL (§4.2): "wasmbus://{M...}" when public_key starts with M
 * or m, else "wasmbus://{contract: ':'->'/', ' '->'_', lower-case}/{link:
 * ' '->'_', lower-case}/{public_key}". Returns an owned string (st_free);
 * aborts on OOM.
 */
char *inv_entity_url(const inv_entity *e);

/*
 * The NATS subject that reaches e in lattice prefix (§4.1):
 * "wasmbus.rpc.{prefix}.{public_key}" plus ".{link_name}" when link_name is
 * not empty. Returns an owned string (st_free); aborts on OOM.
 */
char *inv_entity_subject(const inv_entity *e, const char *prefix);

/* True when e is an actor for routing purposes: link_name and contract_id both empty. */
bool inv_entity_is_actor(const inv_entity *e);

/* ---- Invocation -------------------------------------------------------- */

/*
 * Writes a fresh invocation id into out: a random UUID v4 in its 32-digit
 * lower-case hex form, as wasmbus-rpc makes them. Uses libsodium's CSPRNG.
 */
void inv_id_generate(char out[INV_ID_LEN + 1]);

/* Initialises an empty invocation (all NULL/0). */
void inv_invocation_init(inv_invocation *inv);

/* Frees what inv owns (arena, claims) and re-initialises it. NULL is a no-op. */
void inv_invocation_deinit(inv_invocation *inv);

/*
 * Appends inv to w as a msgpack map with keys in the order origin, target,
 * operation, msg (bin), id, encoded_claims, host_id, then content_length
 * and traceContext when present; entities as public_key, link_name,
 * contract_id. Errors: w's (ST_ETOOBIG, ST_ENOMEM).
 */
int inv_invocation_encode(const inv_invocation *inv, mp_writer *w, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes len bytes (borrowed; not kept) into inv, which must be
 * inv_invocation_init'ed (its previous contents are freed). The result
 * owns copies of everything (inv->arena). Errors: ST_EMALFORMED /
 * ST_ETRUNC (not a map, a field of the wrong type, a string holding a NUL
 * byte; err->msg says which), ST_ENOMEM. On failure inv is left empty.
 * Callers replying to a peer send INV_ERR_DESERIALIZE, not err->msg.
 */
int inv_invocation_decode(inv_invocation *inv, const uint8_t *p, size_t len,
                          st_err *err) ST_WARN_UNUSED;

/*
 * Signs inv with the cluster key (needs its seed): iss = cluster, sub =
 * inv->id, fresh jti, iat = now, wascap {target_url, origin_url, hash over
 * inv->msg}. The token replaces inv->encoded_claims and is owned by inv
 * (inv->claims). Sign with the full payload in msg; for a chunked send,
 * empty msg afterwards and keep content_length. Errors as
 * claims_invocation_sign (ST_EINVAL without id, ST_EINVALID not a cluster
 * key, ST_ESTATE no seed, ST_ENOMEM).
 */
int inv_invocation_sign(inv_invocation *inv, const nkey *cluster, st_err *err) ST_WARN_UNUSED;

/*
 * The anti-forgery check of lattice.md §4.5 steps 2-6 on a received
 * invocation: claims_invocation_verify with the payload inv->msg (the hash
 * is skipped when msg is empty, as the OTP host does for chunked bodies;
 * after de-chunking, point msg at the full payload first), inv->host_id,
 * and the URLs recomputed from origin, target and operation.
 * cluster_issuers: NULL-terminated public keys (borrowed). now: unix
 * seconds. On failure err->msg is the text for InvocationResponse.error:
 * INV_ERR_ANTIFORGERY_PREFIX followed by the spec's reason (err->kind the
 * CLAIMS_ERR_*). A missing encoded_claims is ST_EMALFORMED. out
 * (optional, claims_init'ed) receives the decoded claims.
 */
int inv_invocation_verify(const inv_invocation *inv, const char *const *cluster_issuers,
                          int64_t now, claims *out, st_err *err) ST_WARN_UNUSED;

/* ---- InvocationResponse ------------------------------------------------ */

/* Initialises an empty response (all NULL/0). */
void inv_response_init(inv_response *r);

/* Frees what r owns and re-initialises it. NULL is a no-op. */
void inv_response_deinit(inv_response *r);

/*
 * Fills r (borrowing every argument) as a success: msg, invocation_id,
 * content_length = len, no error; other fields are cleared except arena,
 * which stays owned by r until inv_response_deinit.
 */
void inv_response_set_ok(inv_response *r, const char *invocation_id, const void *msg, size_t len);

/*
 * Fills r (borrowing) as a failure: empty msg, invocation_id, error text
 * (NULL is sent as ""), content_length 0; arena as for inv_response_set_ok.
 */
void inv_response_set_error(inv_response *r, const char *invocation_id, const char *error);

/*
 * Appends r to w as a msgpack map, keys in the order msg (bin),
 * invocation_id, error, instance_id, content_length, each optional one
 * only when present. A success with 10 bytes of msg and a 32-character id
 * is 81 bytes. Errors: w's.
 */
int inv_response_encode(const inv_response *r, mp_writer *w, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes len bytes (borrowed; not kept) into r, which must be
 * inv_response_init'ed. An "error" of nil counts as absent (success).
 * Owns copies (r->arena). Errors as inv_invocation_decode.
 */
int inv_response_decode(inv_response *r, const uint8_t *p, size_t len, st_err *err) ST_WARN_UNUSED;

#endif
