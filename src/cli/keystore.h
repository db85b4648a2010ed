/*
 * keystore.h - the keys directory of the CLI, kept the way wash keeps it:
 * one seed per `<name>.nk` file in $WASH_KEYS (default ~/.wash/keys).
 *
 * Signing commands take a seed (or a path to a seed file) as a flag; when
 * none is given they use `<stem>_<type>.nk` from the directory, where stem
 * is $USER (or "user") for account keys and the file stem of the signed
 * module or provider binary otherwise, generating and storing that key
 * when it does not exist yet. Directories we create are 0700, key files
 * 0600. CLI only; single-threaded.
 */
#ifndef STRATUS_CLI_KEYSTORE_H
#define STRATUS_CLI_KEYSTORE_H

#include <stdbool.h>

#include "core/err.h"
#include "security/nkey.h"

/*
 * The keys directory: dir when not NULL, else $WASH_KEYS when set and not
 * empty, else $HOME/.wash/keys. Returns an owned string (st_free); NULL
 * when none can be determined (no HOME).
 */
char *keystore_dir(const char *dir);

/*
 * Creates path and its missing parents with mode 0700 (existing
 * directories are left as they are). Errors: ST_EIO with the reason.
 */
int keystore_mkdir(const char *path, st_err *err) ST_WARN_UNUSED;

/*
 * Reads a seed file at path (surrounding whitespace ignored) into *k.
 * Errors: ST_ENOTFOUND (no such file), ST_EIO, and those of
 * nkey_from_seed_text (message prefixed with the path).
 */
int keystore_read(const char *path, nkey *k, st_err *err) ST_WARN_UNUSED;

/*
 * Writes k's seed to path, which must not exist yet, with mode 0600,
 * creating the directory above it (0700) when missing. Errors: ST_EIO
 * (including "already exists"), ST_ESTATE (k has no seed).
 */
int keystore_write(const char *path, const nkey *k, st_err *err) ST_WARN_UNUSED;

/* Where a signing key comes from (wash's extract_keypair). */
typedef struct keystore_req {
	const char *flag;    /* --issuer/--subject value: a seed or a seed file; NULL */
	const char *subject; /* path of the module/binary whose stem names the key file */
	const char *dir;     /* --directory, or NULL for keystore_dir's default */
	nkey_type type;      /* the type the key must have */
	const char *role;    /* "issuer" or "subject", for messages */
	bool disable_keygen; /* refuse instead of generating a missing key */
} keystore_req;

/*
 * Finds the key r describes: the flag's seed (or the seed in the file it
 * names), else the `<stem>_<type>.nk` file of the keys directory, else (unless
 * r->disable_keygen) a new key stored there. The key must have r->type.
 * When a key was generated, *generated (when not NULL) receives the owned
 * path of its file (st_free), otherwise NULL. Errors: ST_ENOTFOUND (no key
 * and keygen disabled), ST_EINVALID (wrong type), ST_EMALFORMED, ST_EIO.
 */
int keystore_resolve(const keystore_req *r, nkey *k, char **generated, st_err *err) ST_WARN_UNUSED;

/*
 * Lists the `*.nk` files of dir, sorted by name: *names receives an owned
 * array of *n owned names (keystore_names_free). Errors: ST_ENOTFOUND (no
 * such directory), ST_EIO.
 */
int keystore_list(const char *dir, char ***names, size_t *n, st_err *err) ST_WARN_UNUSED;

/* Frees what keystore_list returned. */
void keystore_names_free(char **names, size_t n);

/*
 * Finds the key whose public key is pub (borrowed) among the `*.nk` files
 * of dir, trying first the file named `preferred` (may be NULL). On success
 * *k holds it and *path (when not NULL) receives the owned path of its
 * file. Unreadable or invalid files are skipped. Errors: ST_ENOTFOUND.
 */
int keystore_find(const char *dir, const char *preferred, const char *pub, nkey *k, char **path,
                  st_err *err) ST_WARN_UNUSED;

#endif
