/*
 * test_oci_par.c - provider archives (src/oci/par.h): round trips with and
 * without gzip, the tar layout, target hash checks, claims checks, names,
 * size caps and allocation failures. Archives that par_write cannot produce
 * (missing claims, unknown targets, nested paths) are built with libarchive.
 */
#include "test.h"

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/mem.h"
#include "oci/par.h"
#include "security/claims.h"
#include "security/nkey.h"

#include "core/banned.h"

/* Deterministic keys: seed bytes start, start+1, ... (security.md §1.6 uses 0..31). */
static void key_from(nkey *k, nkey_type type, uint8_t start)
{
	uint8_t seed[NKEY_SEED_BYTES];

	for (int i = 0; i < NKEY_SEED_BYTES; i++)
		seed[i] = (uint8_t)(start + i);
	if (nkey_from_seed(k, type, seed, NULL) != 0)
		ST_BUG("nkey_from_seed failed");
}

static const uint8_t bin_a[] = "first provider binary: x86_64-linux";
static const uint8_t bin_b[] = "second provider binary, for aarch64-linux, a bit longer";

/* A signed archive with the two binaries above. */
static void make_par(par *p)
{
	nkey acct, svc;

	key_from(&acct, NKEY_ACCOUNT, 0);
	key_from(&svc, NKEY_SERVICE, 100);
	par_init(p);
	claims_set_str(&p->claims.name, "Test Provider");
	claims_set_str(&p->claims.capid, "wasmcloud:testing");
	claims_set_str(&p->claims.vendor, "Acme");
	claims_set_str(&p->claims.ver, "0.1.0");
	p->claims.has_rev = true;
	p->claims.rev = 7;
	EXPECT_EQ(0, par_add_target(p, "x86_64-linux", bin_a, sizeof(bin_a), NULL));
	EXPECT_EQ(0, par_add_target(p, "aarch64-linux", bin_b, sizeof(bin_b), NULL));
	EXPECT_EQ(0, par_sign(p, &acct, &svc, NULL));
	nkey_wipe(&acct);
	nkey_wipe(&svc);
}

/* Serializes a signed archive into a fresh buffer. */
static void write_par(const par *p, bool gzip, st_buf *out)
{
	st_buf_init(out, (size_t)1 << 24);
	EXPECT_EQ(0, par_write(p, gzip, out, NULL));
}

/* Finds needle in hay; returns its offset or -1. */
static long find(const st_buf *hay, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= hay->n; i++)
		if (memcmp(hay->p + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* A plain tar of the given (name, data) entries, built with libarchive. */
typedef struct tar_entry {
	const char *name;
	const void *data;
	size_t len;
} tar_entry;

static la_ssize_t tar_write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	(void)a;
	if (st_buf_append(ud, buf, len) < 0)
		return -1;
	return (la_ssize_t)len;
}

static void make_tar(const tar_entry *e, size_t n, st_buf *out)
{
	struct archive *a = archive_write_new();

	st_buf_init(out, (size_t)1 << 24);
	archive_write_set_format_gnutar(a);
	archive_write_open(a, out, NULL, tar_write_cb, NULL);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();

		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_size(ae, (la_int64_t)e[i].len);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_write_header(a, ae);
		archive_write_data(a, e[i].data, e[i].len);
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

TEST(par_gzip_round_trip_keeps_claims_and_targets)
{
	par p, q;
	st_buf out;
	char pub[NKEY_PUBLIC_LEN + 1];
	nkey acct;

	make_par(&p);
	write_par(&p, true, &out);
	EXPECT_TRUE(par_is_gzip(out.p, out.n));
	/* gzip at level 9: the XFL byte says "maximum compression". */
	EXPECT_EQ(2, out.p[8]);
	par_init(&q);
	EXPECT_EQ(0, par_read(&q, out.p, out.n, true, NULL));
	EXPECT_EQ(2, q.ntargets);
	EXPECT_STR("x86_64-linux", q.targets[0].target);
	EXPECT_STR("aarch64-linux", q.targets[1].target);
	EXPECT_EQ(sizeof(bin_a), q.targets[0].len);
	EXPECT_TRUE(memcmp(q.targets[1].bin, bin_b, sizeof(bin_b)) == 0);
	EXPECT_EQ(CLAIMS_PROVIDER, q.claims.kind);
	EXPECT_STR("Test Provider", q.claims.name);
	EXPECT_STR("wasmcloud:testing", q.claims.capid);
	EXPECT_STR("Acme", q.claims.vendor);
	EXPECT_STR("0.1.0", q.claims.ver);
	EXPECT_EQ(7, q.claims.rev);
	EXPECT_STR(p.token, q.token);
	key_from(&acct, NKEY_ACCOUNT, 0);
	nkey_public_text(&acct, pub);
	EXPECT_STR(pub, q.claims.iss);
	EXPECT_EQ('V', q.claims.sub[0]);
	EXPECT_STR(q.targets[0].hash, claims_target_hash_get(&q.claims, "x86_64-linux"));
	EXPECT_STR(q.targets[1].hash, claims_target_hash_get(&q.claims, "aarch64-linux"));
	par_deinit(&p);
	par_deinit(&q);
	st_buf_deinit(&out);
}

TEST(par_plain_tar_has_gnu_headers_claims_first)
{
	par p, q;
	st_buf out;

	make_par(&p);
	write_par(&p, false, &out);
	EXPECT_TRUE(!par_is_gzip(out.p, out.n));
	EXPECT_TRUE(out.n % 512 == 0);
	/* First header: name claims.jwt, GNU magic "ustar  \0" at offset 257. */
	EXPECT_STR("claims.jwt", (const char *)out.p);
	EXPECT_TRUE(memcmp(out.p + 257, "ustar  ", 8) == 0);
	/* The token is the first entry's data; the binaries follow in order. */
	EXPECT_TRUE(memcmp(out.p + 512, p.token, strlen(p.token)) == 0);
	EXPECT_TRUE(find(&out, "x86_64-linux.bin", 16) < find(&out, "aarch64-linux.bin", 17));
	par_init(&q);
	EXPECT_EQ(0, par_read(&q, out.p, out.n, true, NULL));
	EXPECT_EQ(2, q.ntargets);
	par_deinit(&p);
	par_deinit(&q);
	st_buf_deinit(&out);
}

TEST(par_hash_is_uppercase_hex_sha256)
{
	par p;

	par_init(&p);
	EXPECT_EQ(0, par_add_target(&p, "x86_64-linux", (const uint8_t *)"abc", 3, NULL));
	EXPECT_STR("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
	           p.targets[0].hash);
	par_deinit(&p);
}

TEST(par_read_rejects_tampered_binary)
{
	par p, q;
	st_buf out;
	st_err err;
	long at;

	make_par(&p);
	write_par(&p, false, &out);
	at = find(&out, bin_b, sizeof(bin_b) - 1);
	EXPECT_TRUE(at > 0);
	out.p[at + 3] ^= 0x20;
	par_init(&q);
	st_err_clear(&err);
	EXPECT_EQ(ST_EINVALID, par_read(&q, out.p, out.n, false, &err));
	EXPECT_TRUE(strstr(err.msg, "hash mismatch for target aarch64-linux") != NULL);
	EXPECT_EQ(0, q.ntargets);
	EXPECT_TRUE(q.token == NULL);
	par_deinit(&p);
	st_buf_deinit(&out);
}

TEST(par_read_checks_signature_only_when_asked)
{
	par p, q;
	st_buf out;
	st_err err;
	size_t n;
	long at;

	make_par(&p);
	write_par(&p, false, &out);
	/* Change one character of the signature (the token's last segment). */
	n = strlen(p.token);
	at = find(&out, p.token, n);
	EXPECT_TRUE(at > 0);
	out.p[at + (long)n - 5] = out.p[at + (long)n - 5] == 'A' ? 'B' : 'A';
	par_init(&q);
	st_err_clear(&err);
	EXPECT_EQ(ST_EINVALID, par_read(&q, out.p, out.n, true, &err));
	EXPECT_STR("signature invalid", err.msg);
	EXPECT_EQ(0, par_read(&q, out.p, out.n, false, NULL));
	par_deinit(&q);
	par_deinit(&p);
	st_buf_deinit(&out);
}

TEST(par_read_needs_claims_and_a_binary)
{
	par p, q;
	st_buf tar;
	st_err err;
	tar_entry only_bin[] = { { "x86_64-linux.bin", bin_a, sizeof(bin_a) } };
	tar_entry only_claims[1];

	make_par(&p);
	par_init(&q);
	make_tar(only_bin, 1, &tar);
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, tar.p, tar.n, false, &err));
	EXPECT_TRUE(strstr(err.msg, "no claims") != NULL);
	st_buf_deinit(&tar);

	only_claims[0] = (tar_entry){ "claims.jwt", p.token, strlen(p.token) };
	make_tar(only_claims, 1, &tar);
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, tar.p, tar.n, false, &err));
	EXPECT_TRUE(strstr(err.msg, "no provider binary") != NULL);
	st_buf_deinit(&tar);
	par_deinit(&p);
}

TEST(par_read_rejects_target_missing_from_claims)
{
	par p, q;
	st_buf tar;
	st_err err;
	tar_entry e[3];

	make_par(&p);
	e[0] = (tar_entry){ "claims.jwt", p.token, strlen(p.token) };
	e[1] = (tar_entry){ "x86_64-linux.bin", bin_a, sizeof(bin_a) };
	e[2] = (tar_entry){ "x86_64-windows.bin", bin_a, sizeof(bin_a) };
	make_tar(e, 3, &tar);
	par_init(&q);
	st_err_clear(&err);
	EXPECT_EQ(ST_EINVALID, par_read(&q, tar.p, tar.n, false, &err));
	EXPECT_TRUE(strstr(err.msg, "x86_64-windows has no hash") != NULL);
	st_buf_deinit(&tar);
	par_deinit(&p);
}

TEST(par_read_names_entries_by_file_stem)
{
	par p, q;
	st_buf tar;
	tar_entry e[2];

	/* A subset of the signed targets is fine; paths are reduced to their stem. */
	make_par(&p);
	e[0] = (tar_entry){ "./claims.jwt", p.token, strlen(p.token) };
	e[1] = (tar_entry){ "dir/aarch64-linux.bin", bin_b, sizeof(bin_b) };
	make_tar(e, 2, &tar);
	par_init(&q);
	EXPECT_EQ(0, par_read(&q, tar.p, tar.n, true, NULL));
	EXPECT_EQ(1, q.ntargets);
	EXPECT_STR("aarch64-linux", q.targets[0].target);
	par_deinit(&q);
	st_buf_deinit(&tar);
	par_deinit(&p);
}

TEST(par_read_rejects_duplicate_target)
{
	par p, q;
	st_buf tar;
	st_err err;
	tar_entry e[3];

	make_par(&p);
	e[0] = (tar_entry){ "claims.jwt", p.token, strlen(p.token) };
	e[1] = (tar_entry){ "x86_64-linux.bin", bin_a, sizeof(bin_a) };
	e[2] = (tar_entry){ "x86_64-linux.exe", bin_a, sizeof(bin_a) };
	make_tar(e, 3, &tar);
	par_init(&q);
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, tar.p, tar.n, false, &err));
	EXPECT_TRUE(strstr(err.msg, "two binaries") != NULL);
	st_buf_deinit(&tar);
	par_deinit(&p);
}

TEST(par_read_rejects_garbage_and_truncation)
{
	par p, q;
	st_buf out;
	static const uint8_t junk[] = "this is not an archive at all, not even close........";

	make_par(&p);
	par_init(&q);
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, junk, sizeof(junk), false, NULL));
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, junk, 1, false, NULL));
	write_par(&p, true, &out);
	EXPECT_TRUE(par_read(&q, out.p, out.n / 2, false, NULL) < 0);
	st_buf_deinit(&out);
	write_par(&p, false, &out);
	EXPECT_TRUE(par_read(&q, out.p, 512 + 100, false, NULL) < 0);
	EXPECT_EQ(0, q.ntargets);
	st_buf_deinit(&out);
	par_deinit(&p);
}

TEST(par_read_rejects_actor_claims)
{
	par p, q;
	st_buf tar;
	st_err err;
	claims c;
	nkey acct;
	char *token = NULL;
	tar_entry e[2];

	key_from(&acct, NKEY_ACCOUNT, 0);
	claims_init(&c);
	c.kind = CLAIMS_ACTOR;
	claims_set_str(&c.sub, "MAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLXP");
	claims_set_str(&c.name, "echo");
	claims_set_str(&c.hash, "968E98ACD3E2898569441C1769845BC3AD79616458FFCD1CCE35FADB48FF7381");
	c.iat = 1672531200;
	EXPECT_EQ(0, claims_encode(&c, &acct, &token, NULL));
	make_par(&p);
	e[0] = (tar_entry){ "claims.jwt", token, strlen(token) };
	e[1] = (tar_entry){ "x86_64-linux.bin", bin_a, sizeof(bin_a) };
	make_tar(e, 2, &tar);
	par_init(&q);
	st_err_clear(&err);
	EXPECT_EQ(ST_EMALFORMED, par_read(&q, tar.p, tar.n, true, &err));
	EXPECT_TRUE(strstr(err.msg, "not capability provider claims") != NULL);
	st_free(token);
	claims_deinit(&c);
	st_buf_deinit(&tar);
	par_deinit(&p);
}

TEST(par_add_target_replaces_and_invalidates_token)
{
	par p;
	char old[CLAIMS_HASH_LEN + 1];

	make_par(&p);
	EXPECT_TRUE(p.token != NULL);
	memcpy(old, p.targets[0].hash, sizeof(old));
	EXPECT_EQ(0, par_add_target(&p, "x86_64-linux", bin_b, sizeof(bin_b), NULL));
	EXPECT_EQ(2, p.ntargets);
	EXPECT_TRUE(strcmp(old, p.targets[0].hash) != 0);
	EXPECT_STR(p.targets[1].hash, p.targets[0].hash);
	EXPECT_TRUE(p.token == NULL);
	par_deinit(&p);
}

TEST(par_add_target_rejects_bad_names)
{
	par p;
	char longname[PAR_MAX_TARGET_LEN + 2];

	par_init(&p);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(ST_EINVAL, par_add_target(&p, "", bin_a, 1, NULL));
	EXPECT_EQ(ST_EINVAL, par_add_target(&p, "claims", bin_a, 1, NULL));
	EXPECT_EQ(ST_EINVAL, par_add_target(&p, "x86_64/linux", bin_a, 1, NULL));
	EXPECT_EQ(ST_EINVAL, par_add_target(&p, "x86\n", bin_a, 1, NULL));
	EXPECT_EQ(ST_EINVAL, par_add_target(&p, longname, bin_a, 1, NULL));
	EXPECT_EQ(0, p.ntargets);
	par_deinit(&p);
}

TEST(par_sign_checks_key_types_and_metadata)
{
	par p;
	nkey acct, svc, module;
	st_err err;

	key_from(&acct, NKEY_ACCOUNT, 0);
	key_from(&svc, NKEY_SERVICE, 100);
	key_from(&module, NKEY_MODULE, 100);
	par_init(&p);
	claims_set_str(&p.claims.capid, "wasmcloud:testing");
	claims_set_str(&p.claims.vendor, "Acme");
	EXPECT_EQ(ST_ESTATE, par_sign(&p, &acct, &svc, NULL));
	EXPECT_EQ(0, par_add_target(&p, "x86_64-linux", bin_a, sizeof(bin_a), NULL));
	st_err_clear(&err);
	EXPECT_EQ(ST_EINVALID, par_sign(&p, &acct, &module, &err));
	EXPECT_EQ(ST_EINVALID, par_sign(&p, &svc, &svc, NULL));
	claims_set_str(&p.claims.vendor, NULL);
	EXPECT_EQ(ST_EINVAL, par_sign(&p, &acct, &svc, NULL));
	claims_set_str(&p.claims.vendor, "Acme");
	EXPECT_EQ(0, par_sign(&p, &acct, &svc, NULL));
	/* The provider name is serialized as null when absent. */
	EXPECT_TRUE(p.claims.name == NULL);
	par_deinit(&p);
}

TEST(par_write_needs_a_token_and_respects_max)
{
	par p;
	st_buf out;
	static const uint8_t zero[1] = { 0 };

	par_init(&p);
	st_buf_init(&out, 1 << 20);
	EXPECT_EQ(0, par_add_target(&p, "x86_64-linux", zero, 1, NULL));
	EXPECT_EQ(ST_ESTATE, par_write(&p, false, &out, NULL));
	par_deinit(&p);
	make_par(&p);
	st_buf_deinit(&out);
	st_buf_init(&out, 1000);
	EXPECT_EQ(0, st_buf_append(&out, "prefix", 6));
	EXPECT_EQ(ST_ETOOBIG, par_write(&p, false, &out, NULL));
	EXPECT_EQ(6, out.n);
	st_buf_deinit(&out);
	par_deinit(&p);
}

TEST(par_read_survives_allocation_failures)
{
	par p, q;
	st_buf out;
	int rc = -1;

	make_par(&p);
	write_par(&p, true, &out);
	for (long n = 0; n < 500 && rc != 0; n++) {
		par_init(&q);
		st_alloc_fail_after(n);
		rc = par_read(&q, out.p, out.n, true, NULL);
		st_alloc_fail_after(-1);
		EXPECT_TRUE(rc == 0 || rc == ST_ENOMEM || rc == ST_EMALFORMED);
		if (rc != 0)
			EXPECT_EQ(0, q.ntargets);
		par_deinit(&q);
	}
	EXPECT_EQ(0, rc);
	st_buf_deinit(&out);
	par_deinit(&p);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	return test_main(argc, argv);
}
