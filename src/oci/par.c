/*
 * par.c - provider archives (see par.h) on top of libarchive.
 *
 * Reading opens the bytes in memory with only the tar format and, when the
 * gzip magic is there, only the gzip filter enabled, so nothing else
 * libarchive can parse is accepted. Every size is capped before memory is
 * taken. Writing streams into a caller's st_buf through a write callback.
 * Hashes are libsodium SHA-256 in upper-case hex.
 */
#include "par.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "core/hex.h"
#include "core/mem.h"

#include "core/banned.h"

#if defined(__x86_64__)
#define PAR_ARCH "x86_64"
#elif defined(__aarch64__)
#define PAR_ARCH "aarch64"
#else
#define PAR_ARCH "unknown"
#endif
#if defined(__linux__)
#define PAR_OS "linux"
#elif defined(__APPLE__)
#define PAR_OS "macos"
#else
#define PAR_OS "unknown"
#endif

const char *par_native_target(void)
{
	return PAR_ARCH "-" PAR_OS;
}

void par_init(par *p)
{
	claims_init(&p->claims);
	p->token = NULL;
	p->targets = NULL;
	p->ntargets = 0;
}

void par_deinit(par *p)
{
	if (!p)
		return;
	claims_deinit(&p->claims);
	st_free(p->token);
	for (size_t i = 0; i < p->ntargets; i++) {
		st_free(p->targets[i].target);
		st_free(p->targets[i].bin);
	}
	st_free(p->targets);
	par_init(p);
}

bool par_is_gzip(const uint8_t *bytes, size_t len)
{
	return len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

static void hash_hex(const uint8_t *bin, size_t len, char out[CLAIMS_HASH_LEN + 1])
{
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, bin, len);
	st_hex_upper(d, sizeof(d), out);
}

const par_target *par_target_find(const par *p, const char *target)
{
	for (size_t i = 0; i < p->ntargets; i++)
		if (strcmp(p->targets[i].target, target) == 0)
			return &p->targets[i];
	return NULL;
}

static int check_target_name(const char *target, st_err *err)
{
	size_t n = strlen(target);

	if (n == 0)
		return st_err_set(err, ST_EINVAL, "empty target name");
	if (n > PAR_MAX_TARGET_LEN)
		return st_err_set(err, ST_EINVAL, "target name longer than %d characters",
		                  PAR_MAX_TARGET_LEN);
	if (strcmp(target, "claims") == 0)
		return st_err_set(err, ST_EINVAL, "'claims' cannot be a target name");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)target[i];

		if (c == '/' || c < 0x20 || c == 0x7f)
			return st_err_set(err, ST_EINVAL,
			                  "target name '%s' contains '/' or a control character",
			                  target);
	}
	return 0;
}

/* Takes bin (owned) as target's binary; replaces an existing one. */
static int put_target(par *p, const char *target, uint8_t *bin, size_t len, st_err *err)
{
	par_target *t = (par_target *)par_target_find(p, target);

	if (!t) {
		par_target *nt = st_realloc(p->targets, (p->ntargets + 1) * sizeof(*nt));

		if (!nt) {
			st_free(bin);
			return st_err_set(err, ST_ENOMEM, "out of memory");
		}
		p->targets = nt;
		t = &p->targets[p->ntargets++];
		t->target = xstrdup(target);
	} else {
		st_free(t->bin);
	}
	t->bin = bin;
	t->len = len;
	hash_hex(bin, len, t->hash);
	return 0;
}

int par_add_target(par *p, const char *target, const uint8_t *bin, size_t len, st_err *err)
{
	uint8_t *copy;
	int rc;

	rc = check_target_name(target, err);
	if (rc < 0)
		return rc;
	if (len > PAR_MAX_TARGET_BYTES)
		return st_err_set(err, ST_ETOOBIG, "binary of %zu bytes exceeds the %zu-byte cap",
		                  len, PAR_MAX_TARGET_BYTES);
	copy = st_malloc(len ? len : 1);
	if (!copy)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	memcpy(copy, bin, len);
	rc = put_target(p, target, copy, len, err);
	if (rc < 0)
		return rc;
	st_free(p->token);
	p->token = NULL;
	return 0;
}

/* ----------------------------------------------------------------------- */
/* Reading */

/* The file stem of an entry path: last component, without its last extension. */
static char *entry_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return xstrdup(base);
	return xstrndup(base, (size_t)(dot - base));
}

/* Reads the current entry's data (size bytes) into a fresh buffer. */
static int read_entry_data(struct archive *a, const char *name, size_t size, uint8_t **out,
                           st_err *err)
{
	uint8_t *buf = st_malloc(size ? size : 1);
	size_t got = 0;

	if (!buf)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf + got, size - got);

		if (n < 0) {
			st_free(buf);
			return st_err_set(err, ST_EMALFORMED, "cannot read entry %s: %s", name,
			                  archive_error_string(a));
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == size) {
			uint8_t extra;

			/* The header's size is the whole entry; make sure nothing follows. */
			n = archive_read_data(a, &extra, 1);
			if (n != 0) {
				st_free(buf);
				return st_err_set(err, ST_EMALFORMED,
				                  "entry %s is longer than its header says", name);
			}
			break;
		}
	}
	if (got != size) {
		st_free(buf);
		return st_err_set(err, ST_EMALFORMED, "entry %s is truncated (%zu of %zu bytes)",
		                  name, got, size);
	}
	*out = buf;
	return 0;
}

/* Pulls every entry of the tar into p (token and targets); no claims checks yet. */
static int read_entries(par *p, struct archive *a, st_err *err)
{
	struct archive_entry *e;
	size_t nentries = 0, total = 0;
	int rc = 0;

	for (;;) {
		const char *name;
		char *stem = NULL;
		uint8_t *data = NULL;
		la_int64_t size;
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return st_err_set(err, ST_EMALFORMED, "not a provider archive: %s",
			                  archive_error_string(a));
		if (++nentries > PAR_MAX_ENTRIES)
			return st_err_set(err, ST_ETOOBIG, "archive has more than %d entries",
			                  PAR_MAX_ENTRIES);
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		name = archive_entry_pathname(e);
		if (!name || !*name)
			return st_err_set(err, ST_EMALFORMED, "archive entry without a name");
		size = archive_entry_size(e);
		if (size < 0 || (uint64_t)size > PAR_MAX_TARGET_BYTES)
			return st_err_set(err, ST_ETOOBIG, "entry %s is too large (%lld bytes)",
			                  name, (long long)size);
		total += (size_t)size;
		if (total > PAR_MAX_TOTAL_BYTES)
			return st_err_set(err, ST_ETOOBIG, "archive contents exceed %zu bytes",
			                  PAR_MAX_TOTAL_BYTES);
		stem = entry_stem(name);
		if (strcmp(stem, "claims") == 0) {
			size_t n = (size_t)size;

			if (p->token) {
				rc = st_err_set(err, ST_EMALFORMED,
				                "archive has two claims entries");
				goto entry_fail;
			}
			rc = read_entry_data(a, name, n, &data, err);
			if (rc < 0)
				goto entry_fail;
			/* Tolerate a trailing newline or spaces after the token. */
			while (n > 0 && strchr(" \t\r\n", data[n - 1]))
				n--;
			p->token = xstrndup((const char *)data, n);
			st_free(data);
			if (strlen(p->token) != n) {
				rc = st_err_set(err, ST_EMALFORMED,
				                "claims entry contains a NUL byte");
				goto entry_fail;
			}
		} else {
			if (par_target_find(p, stem)) {
				rc = st_err_set(err, ST_EMALFORMED,
				                "archive holds two binaries for target %s", stem);
				goto entry_fail;
			}
			rc = read_entry_data(a, name, (size_t)size, &data, err);
			if (rc < 0)
				goto entry_fail;
			rc = put_target(p, stem, data, (size_t)size, err);
			if (rc < 0)
				goto entry_fail;
		}
		st_free(stem);
		continue;
entry_fail:
		st_free(stem);
		return rc;
	}
	return 0;
}

/* Each binary's hash must be the one the claims record for its target. */
static int check_hashes(const par *p, st_err *err)
{
	for (size_t i = 0; i < p->ntargets; i++) {
		const par_target *t = &p->targets[i];
		const char *want = claims_target_hash_get(&p->claims, t->target);

		if (!want)
			return st_err_set(err, ST_EINVALID,
			                  "target %s has no hash in the archive's claims",
			                  t->target);
		if (strcmp(want, t->hash) != 0)
			return st_err_set(err, ST_EINVALID,
			                  "hash mismatch for target %s: the claims say %s, the "
			                  "binary's SHA-256 is %s",
			                  t->target, want, t->hash);
	}
	return 0;
}

int par_read(par *p, const uint8_t *bytes, size_t len, bool verify_signature, st_err *err)
{
	struct archive *a = NULL;
	int rc;

	if (len < 2)
		return st_err_set(err, ST_EMALFORMED, "not enough bytes to be a provider archive");
	a = archive_read_new();
	if (!a)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	if (par_is_gzip(bytes, len))
		archive_read_support_filter_gzip(a);
	if (archive_read_open_memory(a, bytes, len) != ARCHIVE_OK) {
		rc = st_err_set(err, ST_EMALFORMED, "not a provider archive: %s",
		                archive_error_string(a));
		goto fail;
	}
	rc = read_entries(p, a, err);
	if (rc < 0)
		goto fail;
	if (!p->token) {
		rc = st_err_set(err, ST_EMALFORMED, "no claims found in the archive (no %s)",
		                PAR_CLAIMS_ENTRY);
		goto fail;
	}
	if (p->ntargets == 0) {
		rc = st_err_set(err, ST_EMALFORMED, "the archive holds no provider binary");
		goto fail;
	}
	rc = claims_decode(p->token, strlen(p->token), verify_signature, &p->claims, err);
	if (rc < 0)
		goto fail;
	if (p->claims.kind != CLAIMS_PROVIDER) {
		rc = st_err_set(err, ST_EMALFORMED,
		                "the archive's claims are not capability provider claims");
		goto fail;
	}
	rc = check_hashes(p, err);
	if (rc < 0)
		goto fail;
	archive_read_free(a);
	return 0;
fail:
	archive_read_free(a);
	par_deinit(p);
	return rc;
}

/* ----------------------------------------------------------------------- */
/* Signing */

int par_sign(par *p, const nkey *account, const nkey *provider, st_err *err)
{
	char iss[NKEY_PUBLIC_LEN + 1], sub[NKEY_PUBLIC_LEN + 1];
	char *token = NULL;
	claims back;
	int rc;

	if (p->ntargets == 0)
		return st_err_set(err, ST_ESTATE, "a provider archive needs at least one binary");
	if (!p->claims.capid || !*p->claims.capid || !p->claims.vendor || !*p->claims.vendor)
		return st_err_set(err, ST_EINVAL,
		                  "provider claims need a capability id and vendor");
	rc = nkey_check_type(account, NKEY_ACCOUNT, "issuer", err);
	if (rc < 0)
		return rc;
	rc = nkey_check_type(provider, NKEY_SERVICE, "subject", err);
	if (rc < 0)
		return rc;
	nkey_public_text(account, iss);
	nkey_public_text(provider, sub);

	/* Only the target hashes of the binaries we hold: rebuild the list. */
	for (size_t i = 0; i < p->claims.ntargets; i++) {
		st_free(p->claims.targets[i].target);
		st_free(p->claims.targets[i].hash);
	}
	st_free(p->claims.targets);
	p->claims.targets = NULL;
	p->claims.ntargets = 0;
	for (size_t i = 0; i < p->ntargets; i++)
		claims_set_target_hash(&p->claims, p->targets[i].target, p->targets[i].hash);

	p->claims.kind = CLAIMS_PROVIDER;
	claims_set_str(&p->claims.iss, iss);
	claims_set_str(&p->claims.sub, sub);
	claims_set_str(&p->claims.jti, NULL); /* a fresh one in the token */
	p->claims.iat = (int64_t)time(NULL);
	p->claims.has_wascap_revision = true;
	p->claims.wascap_revision = CLAIMS_WASCAP_REVISION;
	rc = claims_encode(&p->claims, account, &token, err);
	if (rc < 0)
		return rc;

	/* Re-read what we signed, so claims and token agree (jti included). */
	claims_init(&back);
	rc = claims_decode(token, strlen(token), true, &back, err);
	if (rc < 0) {
		st_free(token);
		return rc;
	}
	claims_deinit(&p->claims);
	p->claims = back;
	st_free(p->token);
	p->token = token;
	return 0;
}

/* ----------------------------------------------------------------------- */
/* Writing */

typedef struct write_ctx {
	st_buf *out;
	int rc; /* first append failure */
} write_ctx;

static la_ssize_t write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	write_ctx *w = ud;
	int rc = st_buf_append(w->out, buf, len);

	if (rc < 0) {
		w->rc = rc;
		archive_set_error(a, rc == ST_ETOOBIG ? EFBIG : ENOMEM, "%s", st_strerror(rc));
		return -1;
	}
	return (la_ssize_t)len;
}

static int write_entry(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	const uint8_t *p = data;
	int r;

	if (!e)
		return ARCHIVE_FATAL;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return r;
	while (len > 0) {
		la_ssize_t n = archive_write_data(a, p, len);

		if (n <= 0)
			return ARCHIVE_FATAL;
		p += n;
		len -= (size_t)n;
	}
	return ARCHIVE_OK;
}

int par_write(const par *p, bool gzip, st_buf *out, st_err *err)
{
	struct archive *a;
	write_ctx w = { out, 0 };
	size_t start = out->n;
	int rc = 0;

	if (!p->token)
		return st_err_set(err, ST_ESTATE, "the archive is not signed");
	a = archive_write_new();
	if (!a)
		return st_err_set(err, ST_ENOMEM, "out of memory");
	if (archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
		goto archive_fail;
	if (gzip &&
	    (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	     archive_write_set_filter_option(a, "gzip", "compression-level", "9") != ARCHIVE_OK))
		goto archive_fail;
	if (archive_write_open(a, &w, NULL, write_cb, NULL) != ARCHIVE_OK)
		goto archive_fail;
	if (write_entry(a, PAR_CLAIMS_ENTRY, p->token, strlen(p->token)) != ARCHIVE_OK)
		goto archive_fail;
	for (size_t i = 0; i < p->ntargets; i++) {
		char name[PAR_MAX_TARGET_LEN + sizeof(PAR_BIN_SUFFIX)];

		snprintf(name, sizeof(name), "%s%s", p->targets[i].target, PAR_BIN_SUFFIX);
		if (write_entry(a, name, p->targets[i].bin, p->targets[i].len) != ARCHIVE_OK)
			goto archive_fail;
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		goto archive_fail;
	archive_write_free(a);
	return 0;
archive_fail:
	if (w.rc < 0)
		rc = st_err_set(err, w.rc, "cannot write the archive: %s", st_strerror(w.rc));
	else
		rc = st_err_set(err, ST_EIO, "cannot write the archive: %s",
		                archive_error_string(a) ? archive_error_string(a) :
		                                          "libarchive failed");
	archive_write_free(a);
	out->n = start;
	return rc;
}
