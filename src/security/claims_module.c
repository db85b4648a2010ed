/*
 * claims_module.c - claims embedded in actor modules (security.md §3).
 *
 * Only the section framing of the module is parsed: the 8-byte header, then
 * repeatedly id (1 byte) ‖ LEB128 u32 size ‖ payload, and for custom
 * sections (id 0) the LEB128-prefixed name at the start of the payload.
 * Every read is bounds-checked against the input; LEB128 follows the wasm
 * rules (at most 5 bytes, unused high bits zero), as the engine's decoder
 * does, so a module both accept is walked the same way. Payloads are never
 * interpreted: the revision-3 hash re-emits each kept section byte for
 * byte with a minimal size prefix, so it equals the input whenever the
 * producer already used minimal sizes.
 */
#include "security/claims.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "core/hex.h"
#include "core/mem.h"
#include "security/claims_int.h"
#include "security/jwt.h"
#include "core/banned.h"

static const uint8_t wasm_header[8] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };

/* One top-level section, as offsets into the module. */
typedef struct section {
	uint8_t id;
	size_t payload; /* offset of the payload */
	size_t len;     /* payload bytes */
	bool is_claims; /* a custom section named "jwt" or "wasmcloud_jwt" */
	size_t content; /* custom sections: offset of the bytes after the name */
} section;

static int framing(st_err *err, size_t off, const char *what)
{
	st_err_setat(err, ST_EMALFORMED, (int64_t)off, "module framing: %s at byte %zu", what, off);
	if (err)
		err->kind = CLAIMS_ERR_MALFORMED;
	return ST_EMALFORMED;
}

static int read_u32(const uint8_t *w, size_t end, size_t *pos, uint32_t *out, st_err *err)
{
	uint32_t v = 0;
	size_t start = *pos;

	for (int i = 0; i < 5; i++) {
		uint8_t b;

		if (*pos >= end)
			return framing(err, start, "truncated LEB128");
		b = w[(*pos)++];
		if (i == 4 && (b & 0x80) != 0)
			return framing(err, start, "LEB128 u32 too long");
		if (i == 4 && (b & 0x70) != 0)
			return framing(err, start, "LEB128 u32 too large");
		v |= (uint32_t)(b & 0x7F) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	ST_BUG("unreachable");
}

static int check_header(const uint8_t *w, size_t len, st_err *err)
{
	if (len < 4 || memcmp(w, wasm_header, 4) != 0)
		return framing(err, 0, "not a wasm module (bad magic)");
	if (len < 8 || memcmp(w + 4, wasm_header + 4, 4) != 0)
		return framing(err, 4, "unknown binary version");
	return 0;
}

static bool name_is(const uint8_t *w, size_t off, uint32_t n, const char *want)
{
	return n == strlen(want) && memcmp(w + off, want, n) == 0;
}

/* Reads the section at *pos. Returns 1 and advances, 0 at the end, or an error. */
static int section_next(const uint8_t *w, size_t len, size_t *pos, section *s, st_err *err)
{
	uint32_t size, name_len;
	size_t p;
	int rc;

	if (*pos >= len)
		return 0;
	memset(s, 0, sizeof(*s));
	s->id = w[*pos];
	p = *pos + 1;
	rc = read_u32(w, len, &p, &size, err);
	if (rc < 0)
		return rc;
	if (size > len - p)
		return framing(err, *pos, "section extends past the end of the module");
	s->payload = p;
	s->len = size;
	if (s->id == 0) {
		size_t q = p, end = p + size;

		rc = read_u32(w, end, &q, &name_len, err);
		if (rc < 0)
			return rc;
		if (name_len > end - q)
			return framing(err, p, "custom section name extends past its section");
		s->is_claims = name_is(w, q, name_len, CLAIMS_SECTION_OLD) ||
		               name_is(w, q, name_len, CLAIMS_SECTION);
		s->content = q + name_len;
	}
	*pos = p + size;
	return 1;
}

static size_t leb_u32(uint32_t v, uint8_t out[5])
{
	size_t n = 0;

	do {
		uint8_t b = v & 0x7F;

		v >>= 7;
		out[n++] = v ? (uint8_t)(b | 0x80) : b;
	} while (v);
	return n;
}

/* Sink for the re-assembled stripped module: a buffer, a hash, or both. */
typedef struct sink {
	st_buf *buf;
	crypto_hash_sha256_state *sha;
} sink;

static int emit(sink *k, const uint8_t *p, size_t n)
{
	if (k->sha)
		crypto_hash_sha256_update(k->sha, p, n);
	if (k->buf)
		return st_buf_append(k->buf, p, n);
	return 0;
}

static int strip_to(const uint8_t *w, size_t len, sink *k, st_err *err)
{
	size_t pos = 8;
	section s;
	int rc;

	rc = check_header(w, len, err);
	if (rc < 0)
		return rc;
	rc = emit(k, w, 8);
	while (rc == 0 && (rc = section_next(w, len, &pos, &s, err)) > 0) {
		uint8_t hdr[6];
		size_t n;

		if (s.is_claims) {
			rc = 0;
			continue;
		}
		hdr[0] = s.id;
		n = 1 + leb_u32((uint32_t)s.len, hdr + 1);
		rc = emit(k, hdr, n);
		if (rc == 0)
			rc = emit(k, w + s.payload, s.len);
	}
	if (rc == ST_ETOOBIG || rc == ST_ENOMEM)
		return st_err_set(err, rc, "%s re-assembling the module", st_strerror(rc));
	return rc;
}

int claims_module_strip(const uint8_t *wasm, size_t len, st_buf *out, st_err *err)
{
	sink k = { out, NULL };
	size_t before = out->n;
	int rc = strip_to(wasm, len, &k, err);

	if (rc < 0)
		out->n = before;
	return rc;
}

int claims_module_hash(const uint8_t *wasm, size_t len, char out[CLAIMS_HASH_LEN + 1], st_err *err)
{
	crypto_hash_sha256_state sha;
	uint8_t digest[crypto_hash_sha256_BYTES];
	sink k = { NULL, &sha };
	int rc;

	out[0] = '\0';
	if (sodium_init() < 0)
		return st_err_set(err, ST_EIO, "libsodium failed to initialise");
	crypto_hash_sha256_init(&sha);
	rc = strip_to(wasm, len, &k, err);
	if (rc < 0)
		return rc;
	crypto_hash_sha256_final(&sha, digest);
	st_hex_upper(digest, sizeof(digest), out);
	return 0;
}

int claims_module_extract(const uint8_t *wasm, size_t len, char **token, size_t *token_len,
                          st_err *err)
{
	size_t pos = 8;
	section s;
	int rc;

	if (token)
		*token = NULL;
	rc = check_header(wasm, len, err);
	if (rc < 0)
		return rc;
	while ((rc = section_next(wasm, len, &pos, &s, err)) > 0) {
		size_t n;

		if (!s.is_claims)
			continue;
		n = s.payload + s.len - s.content;
		if (token) {
			*token = st_malloc(n + 1);
			if (!*token)
				return st_err_set(err, ST_ENOMEM, "out of memory");
			memcpy(*token, wasm + s.content, n);
			(*token)[n] = '\0';
		}
		if (token_len)
			*token_len = n;
		return 0;
	}
	if (rc < 0)
		return rc;
	return claims_fail(err, ST_ENOTFOUND, CLAIMS_ERR_NONE_FOUND,
	                   "No claims found in source module");
}

int claims_module_sign(const uint8_t *wasm, size_t len, claims *c, const nkey *account,
                       const nkey *module, st_buf *out, st_err *err)
{
	char key[NKEY_PUBLIC_LEN + 1], hash[CLAIMS_HASH_LEN + 1], jti[JWT_JTI_LEN + 1];
	char *token = NULL;
	uint8_t hdr[1 + 5 + 5 + sizeof(CLAIMS_SECTION)];
	size_t before = out->n, hn, toklen;
	uint32_t body;
	int rc;

	rc = nkey_check_type(account, NKEY_ACCOUNT, "issuer", err);
	if (rc == 0)
		rc = nkey_check_type(module, NKEY_MODULE, "subject", err);
	if (rc < 0)
		return rc;
	if (!account->has_seed)
		return st_err_set(err, ST_ESTATE, "the account key has no seed and cannot sign");
	rc = claims_module_hash(wasm, len, hash, err);
	if (rc < 0)
		return rc;
	c->kind = CLAIMS_ACTOR;
	nkey_public_text(account, key);
	claims_set_str(&c->iss, key);
	nkey_public_text(module, key);
	claims_set_str(&c->sub, key);
	claims_set_str(&c->hash, hash);
	c->has_wascap_revision = true;
	c->wascap_revision = CLAIMS_WASCAP_REVISION;
	if (c->iat == 0)
		c->iat = (int64_t)time(NULL);
	if (!c->jti) {
		jwt_new_jti(jti);
		claims_set_str(&c->jti, jti);
	}
	rc = claims_encode(c, account, &token, err);
	if (rc < 0)
		return rc;
	toklen = strlen(token);
	body = (uint32_t)(1 + strlen(CLAIMS_SECTION) + toklen);
	hdr[0] = 0;
	hn = 1 + leb_u32(body, hdr + 1);
	hn += leb_u32((uint32_t)strlen(CLAIMS_SECTION), hdr + hn);
	memcpy(hdr + hn, CLAIMS_SECTION, strlen(CLAIMS_SECTION));
	hn += strlen(CLAIMS_SECTION);
	rc = claims_module_strip(wasm, len, out, err);
	if (rc == 0)
		rc = st_buf_append(out, hdr, hn);
	if (rc == 0)
		rc = st_buf_append(out, token, toklen);
	if (rc == ST_ETOOBIG || rc == ST_ENOMEM)
		st_err_set(err, rc, "%s writing the signed module", st_strerror(rc));
	if (rc < 0)
		out->n = before;
	st_free(token);
	return rc;
}

int claims_module_verify(const uint8_t *wasm, size_t len, const char *const *allowed_issuers,
                         int64_t now, claims *out, claims_module_report *report, st_err *err)
{
	claims local, *c = out ? out : &local;
	claims_module_report rep_local, *rep = report ? report : &rep_local;
	char *token = NULL;
	size_t toklen = 0;
	bool keep = false; /* out keeps the claims on this failure */
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (!out)
		claims_init(&local);
	rc = claims_module_extract(wasm, len, &token, &toklen, err);
	if (rc < 0)
		goto out;
	rc = claims_decode(token, toklen, false, c, err);
	if (rc < 0)
		goto out;
	if (c->kind != CLAIMS_ACTOR) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_KIND,
		                 "the module's claims are not actor claims");
		goto out;
	}
	keep = true;
	rc = claims_check_time(c, now, err);
	if (rc < 0)
		goto out;
	rc = jwt_decode(token, toklen, true, NULL, err);
	if (rc < 0) {
		keep = false;
		if (rc == ST_EINVALID || rc == ST_EMALFORMED)
			rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_SIGNATURE,
			                 "Invalid signature on module token");
		goto out;
	}
	rc = claims_module_hash(wasm, len, rep->computed_hash, err);
	if (rc < 0)
		goto out;
	rep->hash_enforced = c->has_wascap_revision && c->wascap_revision >= 3;
	rep->hash_matches = c->hash && strcmp(c->hash, rep->computed_hash) == 0;
	if (rep->hash_enforced && !rep->hash_matches) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_HASH,
		                 "Invalid module hash: the claims say %s, the module hashes to %s",
		                 c->hash ? c->hash : "(none)", rep->computed_hash);
		goto out;
	}
	if (allowed_issuers && !claims_key_listed(allowed_issuers, c->iss)) {
		rc = claims_fail(err, ST_EINVALID, CLAIMS_ERR_ISSUER,
		                 "Module issuer %s is not among the allowed issuers", c->iss);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && out && !keep)
		claims_deinit(out);
	if (!out)
		claims_deinit(&local);
	st_free(token);
	return rc;
}
