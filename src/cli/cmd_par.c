/*
 * cmd_par.c - `stratus par create|inspect|insert`: provider archives
 * (providers.md §10, oci/par.h) with wash's verbs and flags.
 *
 * create signs provider claims (account key A..., service key V..., from
 * flags or the keys directory like `claims sign`) over one binary; insert
 * adds or replaces the binary of one target and re-signs with the archive's
 * own keys, which must be given or found in the keys directory (a new key
 * would change the provider's identity). inspect checks every target hash
 * and the signature. Exit status: 0 success, 1 failure, 2 bad usage.
 */
#include "cli.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "core/buf.h"
#include "core/mem.h"
#include "keystore.h"
#include "oci/par.h"
#include "out.h"
#include "security/claims.h"
#include "security/nkey.h"

#include "core/banned.h"

static const char usage_par[] =
	"usage: stratus par <command> [<args>]\n\n"
	"commands:\n"
	"   create    build a signed provider archive from a native binary\n"
	"   inspect   show (and verify) the claims and targets of an archive\n"
	"   insert    add the binary of another target to an archive and re-sign it\n\n"
	"Run 'stratus par <command> --help' for a command's usage.\n";

static const char usage_create[] =
	"usage: stratus par create --binary B --capid C --vendor V --name N --arch A\n"
	"                          [options] [-o X.par.gz]\n\n"
	"Builds a provider archive: claims.jwt (provider claims issued by an account\n"
	"key A... for a service key V...) and A.bin, gzip-compressed (level 9) unless\n"
	"--no-compress.\n\n"
	"options:\n"
	"   -b, --binary FILE           the provider executable (required)\n"
	"   -c, --capid CONTRACT        capability contract id (required)\n"
	"   -v, --vendor VENDOR         vendor string (required)\n"
	"   -n, --name NAME             provider name (required)\n"
	"   -a, --arch ARCH-OS          target of the binary, e.g. x86_64-linux (required)\n"
	"   -r, --revision N            revision number (i32)\n"
	"       --version VERSION       human-readable version\n"
	"   -i, --issuer SEED|FILE      account seed (default $WASH_ISSUER_KEY, else\n"
	"                               $USER_account.nk in the keys directory)\n"
	"   -s, --subject SEED|FILE     service seed (default $WASH_SUBJECT_KEY, else\n"
	"                               <binary stem>_service.nk in the keys directory)\n"
	"   -d, --directory DIR         keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"       --disable-keygen        fail instead of generating missing keys\n"
	"       --compress              gzip the archive (the default)\n"
	"       --no-compress           write a plain tar\n"
	"       --destination FILE      where to write (default <binary stem>.par.gz,\n"
	"                               or .par without compression)\n"
	"   -o FILE|text|json           -o json / -o text set the output format; any\n"
	"                               other value is the destination\n"
	"   -h, --help                  show this help\n\n"
	"exit status: 0 on success, 1 on failure, 2 for bad usage.\n";

static const char usage_inspect[] =
	"usage: stratus par inspect [--jwt-only] [-o json] X.par[.gz]\n\n"
	"Reads the archive (gzip detected by its magic bytes), checks that every\n"
	"binary's SHA-256 equals the hash its claims record for that target and\n"
	"that the claims' signature is valid, and prints the claims and targets.\n\n"
	"options:\n"
	"   --jwt-only                 print only the raw claims token\n"
	"   -o, --output text|json     output format (default text)\n"
	"   -h, --help                 show this help\n\n"
	"exit status: 0 when the archive is valid, 1 when it is not or cannot be\n"
	"read, 2 for bad usage.\n";

static const char usage_insert[] =
	"usage: stratus par insert X.par[.gz] --binary B --arch A [options]\n\n"
	"Adds B as the binary of target A (replacing one A had), re-signs the claims\n"
	"with the archive's own account and service keys, and rewrites the archive\n"
	"in place (compressed if it was).\n\n"
	"options:\n"
	"   -b, --binary FILE           the executable to insert (required)\n"
	"   -a, --arch ARCH-OS          its target, e.g. aarch64-linux (required)\n"
	"   -i, --issuer SEED|FILE      the archive's account seed (default\n"
	"                               $WASH_ISSUER_KEY, else found in the keys directory)\n"
	"   -s, --subject SEED|FILE     the archive's service seed (default\n"
	"                               $WASH_SUBJECT_KEY, else found in the keys directory)\n"
	"   -d, --directory DIR         keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"       --disable-keygen        accepted for wash compatibility (insert never\n"
	"                               generates keys)\n"
	"   -o, --output text|json      output format (default text)\n"
	"   -h, --help                  show this help\n\n"
	"exit status: 0 on success, 1 on failure, 2 for bad usage.\n";

/* Options of the three subcommands (each accepts a subset, see par_parse). */
typedef struct par_opts {
	const char *operand;
	const char *binary, *capid, *vendor, *name, *arch, *version;
	const char *issuer, *subject, *dir, *dest;
	bool has_rev, compress, disable_keygen, jwt_only;
	int32_t rev;
	out_format fmt;
} par_opts;

enum {
	P_CREATE = 1 << 0,
	P_INSPECT = 1 << 1,
	P_INSERT = 1 << 2,
};

static int bad_usage(const char *sub, const char *what, const char *arg)
{
	fprintf(stderr, "stratus par %s: %s '%s'\n", sub, what, arg);
	fprintf(stderr, "See 'stratus par %s --help'.\n", sub);
	return CLI_EXIT_USAGE;
}

/* String options: long, short, which subcommands take them, where they go. */
typedef struct str_opt {
	const char *lng, *shrt;
	unsigned subs;
	size_t off;
} str_opt;

#define STR_OPT(l, s, subs, field)                    \
	{                                             \
		l, s, subs, offsetof(par_opts, field) \
	}
static const str_opt str_opts[] = {
	STR_OPT("--binary", "-b", P_CREATE | P_INSERT, binary),
	STR_OPT("--capid", "-c", P_CREATE, capid),
	STR_OPT("--vendor", "-v", P_CREATE, vendor),
	STR_OPT("--name", "-n", P_CREATE, name),
	STR_OPT("--arch", "-a", P_CREATE | P_INSERT, arch),
	STR_OPT("--version", NULL, P_CREATE, version),
	STR_OPT("--issuer", "-i", P_CREATE | P_INSERT, issuer),
	STR_OPT("--subject", "-s", P_CREATE | P_INSERT, subject),
	STR_OPT("--directory", "-d", P_CREATE | P_INSERT, dir),
	STR_OPT("--destination", NULL, P_CREATE, dest),
};
#undef STR_OPT

/* Parses the arguments of subcommand sub (mask which). -1 to go on, else an exit status. */
static int par_parse(const char *sub, unsigned which, const char *usage, int argc, char **argv,
                     par_opts *o)
{
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		bool matched = false;
		int m = 0;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (o->operand || which == P_CREATE)
				return bad_usage(sub, "unexpected argument", a);
			o->operand = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (args_is_help(a)) {
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		}
		for (size_t k = 0; k < sizeof(str_opts) / sizeof(str_opts[0]) && !matched; k++) {
			if (!(str_opts[k].subs & which))
				continue;
			m = args_value(argc, argv, &i, str_opts[k].lng, str_opts[k].shrt, &val);
			if (m > 0)
				*(const char **)((char *)o + str_opts[k].off) = val;
			matched = m != 0;
		}
		if (matched) {
			if (m < 0)
				return bad_usage(sub, "missing value for", a);
			continue;
		}
		if ((which & P_CREATE) &&
		    (m = args_value(argc, argv, &i, "--revision", "-r", &val)) != 0) {
			if (m < 0 || !args_i32(val, &o->rev))
				return bad_usage(sub, "--revision needs an i32, got",
				                 val ? val : a);
			o->has_rev = true;
		} else if ((m = args_value(argc, argv, &i, "--output", "-o", &val)) != 0) {
			if (m < 0)
				return bad_usage(sub, "missing value for", a);
			if (!out_format_parse(val, &o->fmt)) {
				if (!(which & P_CREATE))
					return bad_usage(sub, "bad output format", val);
				o->dest = val;
			}
		} else if ((which & P_CREATE) && strcmp(a, "--compress") == 0) {
			o->compress = true;
		} else if ((which & P_CREATE) && strcmp(a, "--no-compress") == 0) {
			o->compress = false;
		} else if ((which & (P_CREATE | P_INSERT)) && strcmp(a, "--disable-keygen") == 0) {
			o->disable_keygen = true;
		} else if ((which & P_INSPECT) &&
		           (strcmp(a, "--jwt-only") == 0 || strcmp(a, "--jwt_only") == 0)) {
			o->jwt_only = true;
		} else {
			return bad_usage(sub, "unknown option", a);
		}
	}
	return -1;
}

/* Fails with usage when a required option is missing. */
static int require(const char *sub, const char *value, const char *name)
{
	if (value && *value)
		return 0;
	fprintf(stderr, "stratus par %s: %s is required\n", sub, name);
	fprintf(stderr, "See 'stratus par %s --help'.\n", sub);
	return CLI_EXIT_USAGE;
}

static void env_default(const char **v, const char *env)
{
	const char *e = getenv(env);

	if (!*v && e && *e)
		*v = e;
}

/* ----------------------------------------------------------------------- */
/* inspect (shared with `claims inspect`) */

static json_t *json_opt_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

int par_inspect_bytes(const char *file, const uint8_t *bytes, size_t len, out_format fmt,
                      bool jwt_only)
{
	int64_t now = (int64_t)time(NULL);
	char exp[64], nbf[64], rev[32];
	claims check;
	st_err err, terr;
	bool sig_ok, time_ok, ok;
	par p;
	int rc, status;

	par_init(&p);
	claims_init(&check);
	st_err_clear(&err);
	rc = par_read(&p, bytes, len, false, &err);
	if (rc < 0) {
		status = out_fail(fmt, "%s: %s", file, out_err_text(rc, &err));
		goto out;
	}
	if (jwt_only) {
		if (fmt == OUT_JSON) {
			json_t *j = json_object();

			json_object_set_new(j, "token", json_string(p.token));
			status = out_json_success(j);
			json_decref(j);
		} else {
			printf("%s\n", p.token);
			status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		}
		goto out;
	}
	sig_ok = claims_decode(p.token, strlen(p.token), true, &check, NULL) == 0;
	st_err_clear(&terr);
	time_ok = claims_check_time(&p.claims, now, &terr) == 0;
	ok = sig_ok && time_ok;
	snprintf(exp, sizeof(exp), "never");
	snprintf(nbf, sizeof(nbf), "immediately");
	if (p.claims.has_exp)
		out_time_human(p.claims.exp, now, exp, sizeof(exp));
	if (p.claims.has_nbf)
		out_time_human(p.claims.nbf, now, nbf, sizeof(nbf));
	if (p.claims.has_rev)
		snprintf(rev, sizeof(rev), "%d", (int)p.claims.rev);
	else
		snprintf(rev, sizeof(rev), "None");

	if (fmt == OUT_JSON) {
		json_t *j = json_object(), *targets = json_array(), *hashes = json_object();

		for (size_t i = 0; i < p.ntargets; i++) {
			json_array_append_new(targets, json_string(p.targets[i].target));
			json_object_set_new(hashes, p.targets[i].target,
			                    json_string(p.targets[i].hash));
		}
		json_object_set_new(j, "name", json_string(p.claims.name ? p.claims.name : "None"));
		json_object_set_new(j, "issuer", json_string(p.claims.iss));
		json_object_set_new(j, "service", json_string(p.claims.sub));
		json_object_set_new(j, "capability_contract_id", json_opt_str(p.claims.capid));
		json_object_set_new(j, "vendor", json_opt_str(p.claims.vendor));
		json_object_set_new(j, "version",
		                    json_string(p.claims.ver ? p.claims.ver : "None"));
		json_object_set_new(j, "revision", json_string(rev));
		json_object_set_new(j, "expires", json_string(exp));
		json_object_set_new(j, "can_be_used", json_string(nbf));
		json_object_set_new(j, "targets", targets);
		json_object_set_new(j, "target_hashes", hashes);
		json_object_set_new(j, "compressed", json_boolean(par_is_gzip(bytes, len)));
		json_object_set_new(j, "signature", json_string(sig_ok ? "valid" : "invalid"));
		json_object_set_new(j, "valid", json_boolean(ok));
		if (!ok)
			json_object_set_new(j, "error",
			                    json_string(sig_ok ? terr.msg : "signature invalid"));
		status = out_json_result(j, ok);
		json_decref(j);
	} else {
		char title[300];
		out_table *t;

		snprintf(title, sizeof(title), "%s - Provider Archive",
		         p.claims.name ? p.claims.name : "None");
		t = out_table_new(title);
		out_table_row(t, "Account", p.claims.iss);
		out_table_row(t, "Service", p.claims.sub);
		out_table_row(t, "Capability Contract ID", p.claims.capid ? p.claims.capid : "");
		out_table_row(t, "Vendor", p.claims.vendor ? p.claims.vendor : "");
		out_table_row(t, "Version", p.claims.ver ? p.claims.ver : "None");
		out_table_row(t, "Revision", rev);
		out_table_row(t, "Expires", exp);
		out_table_row(t, "Can Be Used", nbf);
		out_table_row(t, "Target Hashes", "verified");
		out_table_row(t, "Signature", sig_ok ? "valid" : "INVALID");
		out_table_heading(t, "Supported Architecture Targets");
		for (size_t i = 0; i < p.ntargets; i++) {
			char line[PAR_MAX_TARGET_LEN + 128];

			snprintf(line, sizeof(line), "%-16s %s", p.targets[i].target,
			         p.targets[i].hash);
			out_table_line(t, line);
		}
		status = out_table_print(t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		out_table_free(t);
		if (!ok) {
			fprintf(stderr, "stratus: %s: claims are not valid: %s\n", file,
			        sig_ok ? terr.msg : "signature invalid");
			status = CLI_EXIT_FAIL;
		}
	}
out:
	claims_deinit(&check);
	par_deinit(&p);
	return status;
}

static int par_inspect(int argc, char **argv)
{
	par_opts o;
	st_buf b;
	st_err err;
	int rc, status;

	memset(&o, 0, sizeof(o));
	status = par_parse("inspect", P_INSPECT, usage_inspect, argc, argv, &o);
	if (status >= 0)
		return status;
	if (!o.operand) {
		fputs(usage_inspect, stderr);
		return CLI_EXIT_USAGE;
	}
	st_err_clear(&err);
	rc = st_file_read(o.operand, PAR_MAX_TOTAL_BYTES, &b, &err);
	if (rc < 0)
		return out_fail(o.fmt, "%s", out_err_text(rc, &err));
	status = par_inspect_bytes(o.operand, b.p, b.n, o.fmt, o.jwt_only);
	st_buf_deinit(&b);
	return status;
}

/* ----------------------------------------------------------------------- */
/* create */

/* Resolves a signing key like `claims sign`, announcing a generated one. */
static int resolve_key(const par_opts *o, const char *flag, nkey_type type, const char *role,
                       nkey *k)
{
	keystore_req r = { flag, o->binary, o->dir, type, role, o->disable_keygen };
	char *generated = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	rc = keystore_resolve(&r, k, &generated, &err);
	if (rc < 0)
		return out_fail(o->fmt, "%s", out_err_text(rc, &err));
	if (generated) {
		fprintf(stderr,
		        "No keypair found in \"%s\".\nWe generated one for you and placed it "
		        "there.\nIf you'd like to use alternative keys, you can supply them as "
		        "a flag.\n",
		        generated);
		st_free(generated);
	}
	return 0;
}

/* <binary stem>.par.gz (or .par) in the current directory, like wash. */
static char *default_destination(const char *binary, bool gzip)
{
	const char *slash = strrchr(binary, '/');
	const char *base = slash ? slash + 1 : binary;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	size_t len = stem + 16;
	char *out = xmalloc(len);

	snprintf(out, len, "%.*s%s", (int)stem, base, gzip ? ".par.gz" : ".par");
	return out;
}

static int print_written(out_format fmt, const char *file, const char *text)
{
	if (fmt == OUT_JSON) {
		json_t *j = json_object();
		int status;

		json_object_set_new(j, "file", json_string(file));
		status = out_json_success(j);
		json_decref(j);
		return status;
	}
	printf("%s\n", text);
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int par_create(int argc, char **argv)
{
	par_opts o;
	nkey account, service;
	st_buf bin, out;
	char *dest = NULL, *msg = NULL;
	size_t msglen;
	par p;
	st_err err;
	int rc, status;

	memset(&o, 0, sizeof(o));
	o.compress = true;
	memset(&account, 0, sizeof(account));
	memset(&service, 0, sizeof(service));
	par_init(&p);
	st_buf_init(&bin, PAR_MAX_TARGET_BYTES);
	st_buf_init(&out, PAR_MAX_TOTAL_BYTES);
	status = par_parse("create", P_CREATE, usage_create, argc, argv, &o);
	if (status >= 0)
		goto out;
	if ((status = require("create", o.binary, "--binary")) != 0 ||
	    (status = require("create", o.capid, "--capid")) != 0 ||
	    (status = require("create", o.vendor, "--vendor")) != 0 ||
	    (status = require("create", o.name, "--name")) != 0 ||
	    (status = require("create", o.arch, "--arch")) != 0)
		goto out;
	status = CLI_EXIT_FAIL;
	env_default(&o.issuer, "WASH_ISSUER_KEY");
	env_default(&o.subject, "WASH_SUBJECT_KEY");
	st_err_clear(&err);
	rc = st_file_read(o.binary, PAR_MAX_TARGET_BYTES, &bin, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	if (resolve_key(&o, o.issuer, NKEY_ACCOUNT, "issuer", &account) != 0 ||
	    resolve_key(&o, o.subject, NKEY_SERVICE, "subject", &service) != 0)
		goto out;
	claims_set_str(&p.claims.name, o.name);
	claims_set_str(&p.claims.capid, o.capid);
	claims_set_str(&p.claims.vendor, o.vendor);
	claims_set_str(&p.claims.ver, o.version);
	p.claims.has_rev = o.has_rev;
	p.claims.rev = o.rev;
	rc = par_add_target(&p, o.arch, bin.p, bin.n, &err);
	if (rc >= 0)
		rc = par_sign(&p, &account, &service, &err);
	if (rc >= 0)
		rc = par_write(&p, o.compress, &out, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "cannot create the archive: %s", out_err_text(rc, &err));
		goto out;
	}
	dest = o.dest ? xstrdup(o.dest) : default_destination(o.binary, o.compress);
	rc = out_write_file(dest, out.p, out.n, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	msglen = strlen(dest) + 64;
	msg = xmalloc(msglen);
	snprintf(msg, msglen, "Successfully created archive %s", dest);
	status = print_written(o.fmt, dest, msg);
out:
	nkey_wipe(&account);
	nkey_wipe(&service);
	par_deinit(&p);
	st_buf_deinit(&bin);
	st_buf_deinit(&out);
	st_free(dest);
	st_free(msg);
	return status;
}

/* ----------------------------------------------------------------------- */
/* insert */

/*
 * The seed for the archive's key pub: from flag (which must then be that
 * key), else the keys directory, trying preferred first.
 */
static int archive_key(const par_opts *o, const char *flag, nkey_type type, const char *role,
                       const char *preferred, const char *pub, nkey *k)
{
	char have[NKEY_PUBLIC_LEN + 1];
	char *dir = NULL;
	st_err err;
	int rc;

	st_err_clear(&err);
	if (flag) {
		keystore_req r = { flag, o->binary, o->dir, type, role, true };

		rc = keystore_resolve(&r, k, NULL, &err);
		if (rc < 0)
			return out_fail(o->fmt, "%s", out_err_text(rc, &err));
		nkey_public_text(k, have);
		if (strcmp(have, pub) != 0) {
			nkey_wipe(k);
			return out_fail(o->fmt,
			                "the %s seed is for %s, but the archive's %s is %s; "
			                "re-signing with another key is refused",
			                role, have, role, pub);
		}
		return 0;
	}
	dir = keystore_dir(o->dir);
	if (!dir)
		return out_fail(o->fmt, "no %s seed given and no keys directory", role);
	rc = keystore_find(dir, preferred, pub, k, NULL, &err);
	st_free(dir);
	if (rc < 0)
		return out_fail(o->fmt, "%s; pass the %s seed with --%s", out_err_text(rc, &err),
		                role, role);
	return 0;
}

static int par_insert(int argc, char **argv)
{
	par_opts o;
	nkey account, service;
	st_buf arc, bin, out;
	char *pref_sub = NULL, *pref_iss = NULL, *msg = NULL;
	const char *user = getenv("USER");
	size_t len;
	par p;
	st_err err;
	int rc, status;

	memset(&o, 0, sizeof(o));
	memset(&account, 0, sizeof(account));
	memset(&service, 0, sizeof(service));
	par_init(&p);
	st_buf_init(&arc, PAR_MAX_TOTAL_BYTES);
	st_buf_init(&bin, PAR_MAX_TARGET_BYTES);
	st_buf_init(&out, PAR_MAX_TOTAL_BYTES);
	status = par_parse("insert", P_INSERT, usage_insert, argc, argv, &o);
	if (status >= 0)
		goto out;
	if ((status = require("insert", o.operand, "an archive")) != 0 ||
	    (status = require("insert", o.binary, "--binary")) != 0 ||
	    (status = require("insert", o.arch, "--arch")) != 0)
		goto out;
	status = CLI_EXIT_FAIL;
	env_default(&o.issuer, "WASH_ISSUER_KEY");
	env_default(&o.subject, "WASH_SUBJECT_KEY");
	st_err_clear(&err);
	rc = st_file_read(o.operand, PAR_MAX_TOTAL_BYTES, &arc, &err);
	if (rc >= 0)
		rc = par_read(&p, arc.p, arc.n, true, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s: %s", o.operand, out_err_text(rc, &err));
		goto out;
	}
	rc = st_file_read(o.binary, PAR_MAX_TARGET_BYTES, &bin, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	/* wash's file names first: $USER_account.nk and <binary stem>_service.nk. */
	len = strlen(o.binary) + 32;
	pref_sub = xmalloc(len);
	{
		const char *slash = strrchr(o.binary, '/');
		const char *base = slash ? slash + 1 : o.binary;
		const char *dot = strrchr(base, '.');
		size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);

		snprintf(pref_sub, len, "%.*s_service.nk", (int)stem, base);
	}
	len = (user ? strlen(user) : 4) + 16;
	pref_iss = xmalloc(len);
	snprintf(pref_iss, len, "%s_account.nk", user && *user ? user : "user");
	if (archive_key(&o, o.issuer, NKEY_ACCOUNT, "issuer", pref_iss, p.claims.iss, &account) !=
	            0 ||
	    archive_key(&o, o.subject, NKEY_SERVICE, "subject", pref_sub, p.claims.sub, &service) !=
	            0)
		goto out;
	rc = par_add_target(&p, o.arch, bin.p, bin.n, &err);
	if (rc >= 0)
		rc = par_sign(&p, &account, &service, &err);
	if (rc >= 0)
		rc = par_write(&p, par_is_gzip(arc.p, arc.n), &out, &err);
	if (rc >= 0)
		rc = out_write_file(o.operand, out.p, out.n, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "cannot update %s: %s", o.operand, out_err_text(rc, &err));
		goto out;
	}
	len = strlen(o.binary) + strlen(o.operand) + 64;
	msg = xmalloc(len);
	snprintf(msg, len, "Successfully inserted %s into archive %s", o.binary, o.operand);
	status = print_written(o.fmt, o.operand, msg);
out:
	nkey_wipe(&account);
	nkey_wipe(&service);
	par_deinit(&p);
	st_buf_deinit(&arc);
	st_buf_deinit(&bin);
	st_buf_deinit(&out);
	st_free(pref_sub);
	st_free(pref_iss);
	st_free(msg);
	return status;
}

/* ----------------------------------------------------------------------- */

int cmd_par(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		fputs(usage_par, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (args_is_help(sub) || strcmp(sub, "help") == 0) {
		fputs(usage_par, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "create") == 0)
		return par_create(argc - 1, argv + 1);
	if (strcmp(sub, "inspect") == 0)
		return par_inspect(argc - 1, argv + 1);
	if (strcmp(sub, "insert") == 0)
		return par_insert(argc - 1, argv + 1);
	fprintf(stderr, "stratus par: '%s' is not a par command. See 'stratus par --help'.\n", sub);
	return CLI_EXIT_USAGE;
}
