/*
 * par.h - provider archives (.par / .par.gz), providers.md §9-§10.
 *
 * An archive is a tar file (GNU headers, flat, regular files only),
 * optionally gzip-compressed (level 9 when we write it): first claims.jwt,
 * the provider claims JWT, then one {target}.bin native executable per
 * target ("x86_64-linux", ...). Readers name entries by file stem and
 * detect gzip by the bytes 1f 8b. The claims record the upper-case hex
 * SHA-256 of every binary in target_hashes; reading checks each binary
 * against it, so an archive whose binaries were swapped is refused.
 *
 * A par is a value struct owned by its caller; it owns its binaries, token
 * and claims. Nothing is global; any thread, one par per thread at a time.
 */
#ifndef STRATUS_OCI_PAR_H
#define STRATUS_OCI_PAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "security/claims.h"
#include "security/nkey.h"

/* Caps on what par_read accepts (sizes in bytes, after decompression). */
#define PAR_MAX_ENTRIES 64
#define PAR_MAX_TARGET_BYTES ((size_t)256 << 20)
#define PAR_MAX_TOTAL_BYTES ((size_t)1 << 30)
/* The longest target name, in characters (the tar name field holds 100 bytes with ".bin"). */
#define PAR_MAX_TARGET_LEN 95

/* The names of the claims entry and of a target's binary ("{target}.bin"). */
#define PAR_CLAIMS_ENTRY "claims.jwt"
#define PAR_BIN_SUFFIX ".bin"

/* One native binary of the archive. */
typedef struct par_target {
	char *target;                   /* e.g. "x86_64-linux"; owned */
	uint8_t *bin;                   /* the executable; owned (st_free) */
	size_t len;                     /* bytes of bin */
	char hash[CLAIMS_HASH_LEN + 1]; /* upper-case hex SHA-256 of bin */
} par_target;

/*
 * An archive in memory.
 *   claims:   the provider claims (kind CLAIMS_PROVIDER once read or signed);
 *             callers fill name/capid/vendor/rev/ver (and exp/nbf) before
 *             par_sign.
 *   token:    the signed claims JWT as stored in claims.jwt; owned; NULL
 *             until read or signed, and again after par_add_target.
 *   targets:  ntargets binaries in archive order; owned.
 */
typedef struct par {
	claims claims;
	char *token;
	par_target *targets;
	size_t ntargets;
} par;

/*
 * The target of the machine this code was built for, in Rust's names
 * (providers.md §2.2): "x86_64-linux", "aarch64-linux", "x86_64-macos", ...
 */
const char *par_native_target(void);

/* Initialises an empty archive. */
void par_init(par *p);

/* Frees everything p owns; p can be par_init'ed again. NULL is a no-op. */
void par_deinit(par *p);

/* True when bytes (len of them, borrowed) start with the gzip magic 1f 8b. */
bool par_is_gzip(const uint8_t *bytes, size_t len);

/*
 * Loads an archive from len bytes (borrowed), gzip-compressed or not, into
 * p, which must be par_init'ed and empty. Checks: a tar of at most
 * PAR_MAX_ENTRIES regular files within the size caps; a claims entry that
 * decodes as provider claims (with verify_signature also its header and
 * Ed25519 signature, security.md §2.5; exp/nbf are not checked); at least one
 * binary; no target twice; and every binary's SHA-256 equal to
 * target_hashes[target] (a missing entry counts as a mismatch).
 * Errors: ST_EMALFORMED (not a tar/gzip archive, no claims, no binaries,
 * duplicate target, claims of another kind; err->msg says which),
 * ST_EINVALID (hash mismatch, bad signature), ST_ETOOBIG, ST_ENOMEM.
 * On failure p is left empty (par_init'ed).
 */
int par_read(par *p, const uint8_t *bytes, size_t len, bool verify_signature,
             st_err *err) ST_WARN_UNUSED;

/*
 * Adds a copy of len bytes of bin (borrowed) as the binary of target
 * (borrowed, copied), replacing any binary that target had, and computes
 * its hash. The token becomes stale: it is freed (NULL) until par_sign.
 * Errors: ST_EINVAL (target empty, too long, containing '/' or a control
 * character, or equal to "claims"), ST_ETOOBIG (len > PAR_MAX_TARGET_BYTES),
 * ST_ENOMEM.
 */
int par_add_target(par *p, const char *target, const uint8_t *bin, size_t len,
                   st_err *err) ST_WARN_UNUSED;

/* The binary of target (borrowed from p), or NULL. */
const par_target *par_target_find(const par *p, const char *target);

/*
 * Signs the archive's claims: kind CLAIMS_PROVIDER, iss = account, sub =
 * provider, iat = now, a fresh jti, wascap_revision 3, target_hashes = the
 * hashes of p's binaries (in archive order); the other metadata (name, capid,
 * vendor, rev, ver, config_schema, exp, nbf) is kept from p->claims. The
 * new token replaces p->token and p->claims is re-read from it.
 * Errors: ST_EINVALID (key types), ST_ESTATE (account has no seed, or no
 * binaries), ST_EINVAL (no capid or vendor), ST_ENOMEM.
 */
int par_sign(par *p, const nkey *account, const nkey *provider, st_err *err) ST_WARN_UNUSED;

/*
 * Appends the archive to out (its max applies): claims.jwt, then each
 * {target}.bin in order, as a GNU tar with mode, owner and mtime zero,
 * gzip-compressed at level 9 when gzip is set. Errors: ST_ESTATE (no token:
 * sign first), ST_ETOOBIG (out's max), ST_EIO (libarchive failed), ST_ENOMEM.
 */
int par_write(const par *p, bool gzip, st_buf *out, st_err *err) ST_WARN_UNUSED;

#endif
