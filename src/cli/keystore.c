/*
 * keystore.c - seeds in the keys directory (see keystore.h). A seed file
 * holds the 58-character seed text and nothing else; it is written once,
 * exclusively, with mode 0600, and seed copies in memory are wiped.
 */
#include "keystore.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/mem.h"

#include "core/banned.h"

#define SEED_FILE_MAX 4096

/* printf into a fresh owned string. */
static char *xprintf(const char *fmt, ...) ST_PRINTF(1, 2);
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		ST_BUG("vsnprintf failed");
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

char *keystore_dir(const char *dir)
{
	const char *env = getenv("WASH_KEYS");
	const char *home;

	if (dir && *dir)
		return xstrdup(dir);
	if (env && *env)
		return xstrdup(env);
	home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	return xprintf("%s/.wash/keys", home);
}

int keystore_mkdir(const char *path, st_err *err)
{
	char *p = xstrdup(path);
	struct stat st;
	int rc = 0;

	/* Create each missing prefix in turn; the root and "." always exist. */
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = st_err_set(err, ST_EIO, "cannot create directory %s: %s", p,
			                strerror(errno));
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		rc = st_err_set(err, ST_EIO, "%s is not a directory", path);
out:
	st_free(p);
	return rc;
}

int keystore_read(const char *path, nkey *k, st_err *err)
{
	st_buf b;
	size_t start = 0, end;
	int rc;

	rc = st_file_read(path, SEED_FILE_MAX, &b, err);
	if (rc < 0)
		return rc;
	end = b.n;
	while (start < end && strchr(" \t\r\n", b.p[start]))
		start++;
	while (end > start && strchr(" \t\r\n", b.p[end - 1]))
		end--;
	rc = nkey_from_seed_text(k, (const char *)b.p + start, end - start, err);
	if (rc < 0 && err) {
		char msg[ST_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		st_err_set(err, rc, "%s: %s", path, msg);
		err->kind = 0;
	}
	sodium_memzero(b.p, b.cap);
	st_buf_deinit(&b);
	return rc;
}

int keystore_write(const char *path, const nkey *k, st_err *err)
{
	char seed[NKEY_SEED_LEN + 1];
	const char *slash = strrchr(path, '/');
	int fd = -1, rc;

	rc = nkey_seed_text(k, seed);
	if (rc < 0)
		return st_err_set(err, rc, "the key has no seed to store");
	if (slash && slash != path) {
		char *dir = xstrndup(path, (size_t)(slash - path));

		rc = keystore_mkdir(dir, err);
		st_free(dir);
		if (rc < 0)
			goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = st_err_set(err, ST_EIO, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	/* The umask can only clear bits; make the mode exact anyway. */
	if (fchmod(fd, 0600) != 0 || write(fd, seed, NKEY_SEED_LEN) != NKEY_SEED_LEN) {
		rc = st_err_set(err, ST_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = st_err_set(err, ST_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

/* The file stem of path: its last component without the last extension (Rust's file_stem). */
static char *file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return xstrdup(base);
	return xstrndup(base, (size_t)(dot - base));
}

/* Decodes the flag of r: the seed in the file it names, or the seed it is. */
static int key_from_flag(const keystore_req *r, nkey *k, st_err *err)
{
	struct stat st;
	int rc;

	if (stat(r->flag, &st) == 0 && S_ISREG(st.st_mode))
		return keystore_read(r->flag, k, err);
	if (r->flag[0] != 'S' || strlen(r->flag) != NKEY_SEED_LEN)
		return st_err_set(err, ST_EMALFORMED,
		                  "%s: '%s' is neither a seed (S...) nor a readable seed file",
		                  r->role, r->flag);
	rc = nkey_from_seed_text(k, r->flag, strlen(r->flag), err);
	if (rc < 0 && err) {
		char msg[ST_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		st_err_set(err, rc, "%s seed: %s", r->role, msg);
	}
	return rc;
}

int keystore_resolve(const keystore_req *r, nkey *k, char **generated, st_err *err)
{
	char *dir = NULL, *stem = NULL, *path = NULL;
	int rc;

	if (generated)
		*generated = NULL;
	if (r->flag) {
		rc = key_from_flag(r, k, err);
		goto check;
	}
	dir = keystore_dir(r->dir);
	if (!dir) {
		rc = st_err_set(err, ST_ENOTFOUND,
		                "no %s key given and no keys directory (set WASH_KEYS or HOME)",
		                r->role);
		goto out;
	}
	if (r->type == NKEY_ACCOUNT) {
		const char *user = getenv("USER");

		stem = xstrdup(user && *user ? user : "user");
	} else {
		stem = file_stem(r->subject);
	}
	path = xprintf("%s/%s_%s.nk", dir, stem, nkey_type_name(r->type));
	rc = keystore_read(path, k, err);
	if (rc == ST_ENOTFOUND) {
		if (r->disable_keygen) {
			rc = st_err_set(err, ST_ENOTFOUND,
			                "No keypair found in %s, please ensure key exists or "
			                "supply one as a flag",
			                path);
			goto out;
		}
		rc = nkey_generate(k, r->type, err);
		if (rc < 0)
			goto out;
		rc = keystore_write(path, k, err);
		if (rc < 0)
			goto out;
		if (generated) {
			*generated = path;
			path = NULL;
		}
	}
check:
	if (rc >= 0)
		rc = nkey_check_type(k, r->type, r->role, err);
out:
	if (rc < 0)
		nkey_wipe(k);
	st_free(dir);
	st_free(stem);
	st_free(path);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int keystore_list(const char *dir, char ***names, size_t *n, st_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return st_err_set(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO,
		                  "cannot read keys directory %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len <= 3 || strcmp(de->d_name + len - 3, ".nk") != 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	return 0;
}

void keystore_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		st_free(names[i]);
	st_free(names);
}

/* Reads dir/name and keeps it in *k when its public key is pub. */
static bool try_key_file(const char *dir, const char *name, const char *pub, nkey *k, char **path)
{
	char have[NKEY_PUBLIC_LEN + 1];
	char *p = xprintf("%s/%s", dir, name);

	if (keystore_read(p, k, NULL) == 0) {
		nkey_public_text(k, have);
		if (strcmp(have, pub) == 0) {
			if (path)
				*path = p;
			else
				st_free(p);
			return true;
		}
		nkey_wipe(k);
	}
	st_free(p);
	return false;
}

int keystore_find(const char *dir, const char *preferred, const char *pub, nkey *k, char **path,
                  st_err *err)
{
	char **names = NULL;
	size_t n = 0;
	bool found = false;

	if (path)
		*path = NULL;
	if (preferred && try_key_file(dir, preferred, pub, k, path))
		return 0;
	if (keystore_list(dir, &names, &n, NULL) == 0)
		for (size_t i = 0; i < n && !found; i++)
			found = try_key_file(dir, names[i], pub, k, path);
	keystore_names_free(names, n);
	if (!found)
		return st_err_set(err, ST_ENOTFOUND, "no seed for %s among the keys in %s", pub,
		                  dir);
	return 0;
}
