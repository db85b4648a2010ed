/*
 * claims_inv.c - invocation claims: the anti-forgery token every lattice
 * invocation carries (lattice.md §4.2, §4.5; security.md §4).
 *
 * The token binds the invocation's origin URL, target URL (with the
 * operation) and a hash over those and the payload to a cluster key. The
 * verifier applies the OTP host's checks in its order with its messages,
 * because those messages travel back to callers in InvocationResponse.error.
 */
#include "security/claims.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hex.h"
#include "core/mem.h"
#include "security/claims_int.h"
#include "security/jwt.h"
#include "core/banned.h"

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Appends s with ' ' -> '_', optionally ':' -> '/', lower-cased. */
static void url_part(char *out, size_t *o, const char *s, bool colon)
{
	for (; *s; s++) {
		char ch = *s;

		if (ch == ' ')
			ch = '_';
		else if (colon && ch == ':')
			ch = '/';
		out[(*o)++] = (char)tolower((unsigned char)ch);
	}
}

char *claims_entity_url(const claims_entity *e)
{
	static const char scheme[] = "wasmbus://";
	const char *pk = nz(e->public_key), *cid = nz(e->contract_id), *link = nz(e->link_name);
	size_t o = sizeof(scheme) - 1;
	char *url = xmalloc(sizeof(scheme) + strlen(pk) + strlen(cid) + strlen(link) + 2);

	memcpy(url, scheme, o);
	if (pk[0] == 'M' || pk[0] == 'm') {
		memcpy(url + o, pk, strlen(pk));
		o += strlen(pk);
	} else {
		url_part(url, &o, cid, true);
		url[o++] = '/';
		url_part(url, &o, link, false);
		url[o++] = '/';
		memcpy(url + o, pk, strlen(pk));
		o += strlen(pk);
	}
	url[o] = '\0';
	return url;
}

void claims_invocation_hash(const char *origin_url, const char *target_url, const char *operation,
                            const uint8_t *payload, size_t len, char out[CLAIMS_HASH_LEN + 1])
{
	crypto_hash_sha256_state sha;
	uint8_t digest[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		ST_BUG("libsodium failed to initialise");
	crypto_hash_sha256_init(&sha);
	crypto_hash_sha256_update(&sha, (const uint8_t *)origin_url, strlen(origin_url));
	crypto_hash_sha256_update(&sha, (const uint8_t *)target_url, strlen(target_url));
	crypto_hash_sha256_update(&sha, (const uint8_t *)operation, strlen(operation));
	if (len > 0)
		crypto_hash_sha256_update(&sha, payload, len);
	crypto_hash_sha256_final(&sha, digest);
	st_hex_upper(digest, sizeof(digest), out);
}

/* The target URL of an invocation: "{target entity URL}/{operation}". Owned. */
static char *target_url_of(const claims_invocation *inv)
{
	char *base = claims_entity_url(&inv->target);
	const char *op = nz(inv->operation);
	size_t n = strlen(base);
	char *url = xmalloc(n + 1 + strlen(op) + 1);

	memcpy(url, base, n);
	url[n] = '/';
	memcpy(url + n + 1, op, strlen(op) + 1);
	st_free(base);
	return url;
}

int claims_invocation_sign(const claims_invocation *inv, const nkey *cluster, char **token,
                           st_err *err)
{
	char hash[CLAIMS_HASH_LEN + 1];
	claims c;
	int rc;

	*token = NULL;
	if (!inv->id || !inv->id[0])
		return st_err_set(err, ST_EINVAL, "an invocation needs an id");
	rc = nkey_check_type(cluster, NKEY_CLUSTER, "invocation signer", err);
	if (rc < 0)
		return rc;
	if (!cluster->has_seed)
		return st_err_set(err, ST_ESTATE, "the cluster key has no seed and cannot sign");
	claims_init(&c);
	c.kind = CLAIMS_INVOCATION;
	c.iat = (int64_t)time(NULL);
	c.sub = xstrdup(inv->id);
	c.origin_url = claims_entity_url(&inv->origin);
	c.target_url = target_url_of(inv);
	claims_invocation_hash(c.origin_url, c.target_url, nz(inv->operation), inv->payload,
	                       inv->len, hash);
	c.hash = xstrdup(hash);
	c.has_wascap_revision = true;
	c.wascap_revision = CLAIMS_WASCAP_REVISION;
	rc = claims_encode(&c, cluster, token, err);
	claims_deinit(&c);
	return rc;
}

int claims_invocation_verify(const claims_invocation *inv, const char *token, size_t token_len,
                             const char *const *cluster_issuers, int64_t now, claims *out,
                             st_err *err)
{
	claims local, *c = out ? out : &local;
	char *origin_url = NULL, *target_url = NULL;
	char hash[CLAIMS_HASH_LEN + 1];
	int rc;

	if (!out)
		claims_init(&local);
	rc = claims_decode(token, token_len, false, c, err);
	if (rc < 0)
		goto out;
	if (c->has_exp && c->exp < now) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_EXPIRED,
		                 "Invocation claims token expired");
		goto out;
	}
	rc = jwt_decode(token, token_len, true, NULL, err);
	if (rc < 0) {
		if (rc == ST_EINVALID || rc == ST_EMALFORMED)
			rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_SIGNATURE,
			                 "Invocation claims signature invalid");
		goto out;
	}
	if (c->has_nbf && now < c->nbf) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_NOT_YET,
		                 "Attempt to use invocation before claims token allows");
		goto out;
	}
	if (c->kind != CLAIMS_INVOCATION) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_NO_WASCAP,
		                 "No wascap metadata found on claims");
		goto out;
	}
	origin_url = claims_entity_url(&inv->origin);
	target_url = target_url_of(inv);
	if (inv->payload) {
		claims_invocation_hash(origin_url, target_url, nz(inv->operation), inv->payload,
		                       inv->len, hash);
		if (!c->hash || strcmp(c->hash, hash) != 0) {
			rc = claims_fail(
				err, ST_EINVALID, CLAIMS_ERR_HASH,
				"Invocation hash does not match signed claims hash (%s / %s)",
				nz(c->hash), hash);
			goto out;
		}
	}
	if (inv->host_id && inv->host_id[0] != 'N' && strlen(inv->host_id) != NKEY_PUBLIC_LEN) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_HOST_ID,
		                 "Invalid host ID on invocation: '%s'", inv->host_id);
		goto out;
	}
	if (!claims_key_listed(cluster_issuers, c->iss)) {
		rc = claims_fail(
			err, ST_EINVALID, CLAIMS_ERR_ISSUER,
			"Issuer of this invocation is not among the list of valid issuers");
		goto out;
	}
	if (!c->target_url || strcmp(c->target_url, target_url) != 0) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_TARGET_URL,
		                 "Invocation claims and invocation target URL do not match");
		goto out;
	}
	if (!c->origin_url || strcmp(c->origin_url, origin_url) != 0) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_ORIGIN_URL,
		                 "Invocation claims and invocation origin URL do not match");
		goto out;
	}
	rc = 0;
out:
	st_free(origin_url);
	st_free(target_url);
	if (!out)
		claims_deinit(&local);
	return rc;
}
