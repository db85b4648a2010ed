/*
 * cmd_keys.c - `stratus keys gen|get|list`: nkey pairs and the keys
 * directory ($WASH_KEYS, default ~/.wash/keys), with wash's verbs, output
 * and JSON shapes. gen only prints a new pair; the signing commands store
 * the keys they generate (keystore.h). Exit status: 0 success, 1 failure,
 * 2 bad usage.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "args.h"
#include "core/mem.h"
#include "keystore.h"
#include "out.h"
#include "security/nkey.h"

#include "core/banned.h"

static const char usage_keys[] =
	"usage: stratus keys <command> [<args>]\n\n"
	"commands:\n"
	"   gen    generate a key pair and print its public key and seed\n"
	"   get    print the seed stored in a key file of the keys directory\n"
	"   list   list the key files of the keys directory and their public keys\n\n"
	"Key files are <name>.nk files holding one seed, kept in $WASH_KEYS\n"
	"(default ~/.wash/keys), created with mode 0600 in a 0700 directory.\n"
	"Run 'stratus keys <command> --help' for a command's usage.\n";

static const char usage_gen[] =
	"usage: stratus keys gen [-o json] <type>\n\n"
	"Generates a key pair. <type> is one of account, cluster, module (actor),\n"
	"server (host), operator, user, service (provider). Prints the public key\n"
	"and the seed; nothing is stored.\n\n"
	"options:\n"
	"   -o, --output text|json   output format (default text)\n"
	"   -h, --help               show this help\n\n"
	"exit status: 0 on success, 1 on failure, 2 for bad usage.\n";

static const char usage_get[] =
	"usage: stratus keys get [-d DIR] [-o json] <name>\n\n"
	"Prints the seed stored in <name> (or <name>.nk) in the keys directory.\n\n"
	"options:\n"
	"   -d, --directory DIR      keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"   -o, --output text|json   output format (default text)\n"
	"   -h, --help               show this help\n\n"
	"exit status: 0 on success, 1 when the key cannot be read, 2 for bad usage.\n";

static const char usage_list[] =
	"usage: stratus keys list [-d DIR] [-o json]\n\n"
	"Lists the *.nk files of the keys directory with the public key of each\n"
	"seed ('(invalid)' for a file that holds no valid seed).\n\n"
	"options:\n"
	"   -d, --directory DIR      keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"   -o, --output text|json   output format (default text)\n"
	"   -h, --help               show this help\n\n"
	"exit status: 0 on success, 1 when the directory cannot be read, 2 for bad\n"
	"usage.\n";

/* Options shared by the three subcommands. */
typedef struct keys_opts {
	out_format fmt;
	const char *dir;     /* -d */
	const char *operand; /* the one operand, NULL when none */
} keys_opts;

static int bad_usage(const char *sub, const char *what, const char *arg)
{
	fprintf(stderr, "stratus keys %s: %s '%s'\n", sub, what, arg);
	fprintf(stderr, "See 'stratus keys %s --help'.\n", sub);
	return CLI_EXIT_USAGE;
}

/*
 * Parses [-o FMT] [-d DIR] (when allow_dir) and at most one operand.
 * Returns -1 to go on, or an exit status (0 after --help).
 */
static int parse(const char *sub, int argc, char **argv, bool allow_dir, const char *usage,
                 keys_opts *o)
{
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int m;

		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--") == 0) {
				opts_done = true;
				continue;
			}
			if (args_is_help(a)) {
				fputs(usage, stdout);
				return CLI_EXIT_OK;
			}
			if ((m = args_value(argc, argv, &i, "--output", "-o", &val)) != 0) {
				if (m < 0 || !out_format_parse(val, &o->fmt))
					return bad_usage(sub, "bad output format", val ? val : a);
				continue;
			}
			if (allow_dir &&
			    (m = args_value(argc, argv, &i, "--directory", "-d", &val)) != 0) {
				if (m < 0)
					return bad_usage(sub, "missing value for", a);
				o->dir = val;
				continue;
			}
			return bad_usage(sub, "unknown option", a);
		}
		if (o->operand)
			return bad_usage(sub, "unexpected argument", a);
		o->operand = a;
	}
	return -1;
}

static int keys_gen(int argc, char **argv)
{
	keys_opts o = { OUT_TEXT, NULL, NULL };
	char pub[NKEY_PUBLIC_LEN + 1], seed[NKEY_SEED_LEN + 1];
	nkey_type type;
	nkey k;
	st_err err;
	int rc, status;

	status = parse("gen", argc, argv, false, usage_gen, &o);
	if (status >= 0)
		return status;
	if (!o.operand) {
		fputs(usage_gen, stderr);
		return CLI_EXIT_USAGE;
	}
	if (nkey_type_parse(o.operand, &type) < 0)
		return bad_usage("gen", "unknown key type", o.operand);
	st_err_clear(&err);
	rc = nkey_generate(&k, type, &err);
	if (rc < 0)
		return out_fail(o.fmt, "cannot generate a key: %s", out_err_text(rc, &err));
	nkey_public_text(&k, pub);
	if (nkey_seed_text(&k, seed) < 0)
		ST_BUG("a generated key has no seed");
	nkey_wipe(&k);
	if (o.fmt == OUT_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "public_key", json_string(pub));
		json_object_set_new(j, "seed", json_string(seed));
		status = out_json_success(j);
		json_decref(j);
	} else {
		printf("Public Key: %s\nSeed: %s\n\n"
		       "Remember that the seed is private, treat it as a secret.\n",
		       pub, seed);
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	sodium_memzero(seed, sizeof(seed));
	return status;
}

/* dir/name when that file exists, else dir/name.nk (wash takes the file name as given). */
static char *key_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 8;
	char *p = xmalloc(len);
	struct stat st;
	size_t nl = strlen(name);

	snprintf(p, len, "%s/%s", dir, name);
	if (stat(p, &st) == 0 || (nl > 3 && strcmp(name + nl - 3, ".nk") == 0))
		return p;
	snprintf(p, len, "%s/%s.nk", dir, name);
	return p;
}

static int keys_get(int argc, char **argv)
{
	keys_opts o = { OUT_TEXT, NULL, NULL };
	char pub[NKEY_PUBLIC_LEN + 1], seed[NKEY_SEED_LEN + 1];
	char *dir = NULL, *path = NULL;
	nkey k;
	st_err err;
	int rc, status;

	status = parse("get", argc, argv, true, usage_get, &o);
	if (status >= 0)
		return status;
	if (!o.operand || !*o.operand) {
		fputs(usage_get, stderr);
		return CLI_EXIT_USAGE;
	}
	dir = keystore_dir(o.dir);
	if (!dir)
		return out_fail(o.fmt, "no keys directory (set WASH_KEYS or HOME)");
	path = key_path(dir, o.operand);
	st_err_clear(&err);
	rc = keystore_read(path, &k, &err);
	if (rc < 0) {
		status = rc == ST_ENOTFOUND ? out_fail(o.fmt, "%s. Please ensure %s exists.",
		                                       out_err_text(rc, &err), path) :
		                              out_fail(o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	nkey_public_text(&k, pub);
	if (nkey_seed_text(&k, seed) < 0)
		ST_BUG("a seed file gave a key without a seed");
	nkey_wipe(&k);
	if (o.fmt == OUT_JSON) {
		json_t *j = json_object();

		json_object_set_new(j, "seed", json_string(seed));
		json_object_set_new(j, "public_key", json_string(pub));
		status = out_json_success(j);
		json_decref(j);
	} else {
		printf("%s\n", seed);
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	sodium_memzero(seed, sizeof(seed));
out:
	st_free(dir);
	st_free(path);
	return status;
}

static int keys_list(int argc, char **argv)
{
	keys_opts o = { OUT_TEXT, NULL, NULL };
	char **names = NULL;
	size_t n = 0, w = 0;
	char *dir = NULL;
	json_t *j = NULL, *jnames = NULL, *jpubs = NULL;
	st_err err;
	int rc, status;

	status = parse("list", argc, argv, true, usage_list, &o);
	if (status >= 0)
		return status;
	if (o.operand)
		return bad_usage("list", "unexpected argument", o.operand);
	dir = keystore_dir(o.dir);
	if (!dir)
		return out_fail(o.fmt, "no keys directory (set WASH_KEYS or HOME)");
	st_err_clear(&err);
	rc = keystore_list(dir, &names, &n, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s, please ensure directory %s exists",
		                  out_err_text(rc, &err), dir);
		goto out;
	}
	if (o.fmt == OUT_JSON) {
		j = json_object();
		jnames = json_array();
		jpubs = json_object();
	} else {
		printf("====== Keys found in %s ======\n", dir);
		for (size_t i = 0; i < n; i++)
			if (strlen(names[i]) > w)
				w = strlen(names[i]);
	}
	for (size_t i = 0; i < n; i++) {
		char pub[NKEY_PUBLIC_LEN + 1], *path;
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		nkey k;
		bool ok;

		path = xmalloc(len);
		snprintf(path, len, "%s/%s", dir, names[i]);
		ok = keystore_read(path, &k, NULL) == 0;
		st_free(path);
		if (ok) {
			nkey_public_text(&k, pub);
			nkey_wipe(&k);
		}
		if (o.fmt == OUT_JSON) {
			json_array_append_new(jnames, json_string(names[i]));
			json_object_set_new(jpubs, names[i], ok ? json_string(pub) : json_null());
		} else {
			printf("%-*s  %s\n", (int)w, names[i], ok ? pub : "(invalid)");
		}
	}
	if (o.fmt == OUT_JSON) {
		json_object_set_new(j, "keys", jnames);
		json_object_set_new(j, "public_keys", jpubs);
		json_object_set_new(j, "directory", json_string(dir));
		status = out_json_success(j);
		json_decref(j);
	} else {
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
out:
	keystore_names_free(names, n);
	st_free(dir);
	return status;
}

int cmd_keys(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		fputs(usage_keys, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (args_is_help(sub) || strcmp(sub, "help") == 0) {
		fputs(usage_keys, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "gen") == 0)
		return keys_gen(argc - 1, argv + 1);
	if (strcmp(sub, "get") == 0)
		return keys_get(argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return keys_list(argc - 1, argv + 1);
	fprintf(stderr, "stratus keys: '%s' is not a keys command. See 'stratus keys --help'.\n",
	        sub);
	return CLI_EXIT_USAGE;
}
