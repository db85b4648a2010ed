/*
 * cmd_claims.c - `stratus claims sign|inspect`: wascap claims embedded in
 * actor modules (security.md §2-§3), with wash's verbs and flags.
 *
 * sign embeds a signed actor token (wascap revision 3) in a module, taking
 * the account and module keys from flags or from the keys directory
 * (keystore.h; generated there when missing unless --disable-keygen).
 * inspect prints the claims of a signed module or provider archive and
 * whether they verify (signature, module hash, time bounds). Exit status:
 * 0 success (inspect: valid), 1 failure (inspect: invalid), 2 bad usage.
 */
#include "cli.h"

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
#include "security/jwt.h"
#include "security/nkey.h"

#include "core/banned.h"

/* The largest module we read, in bytes. */
#define MODULE_MAX_BYTES ((size_t)256 << 20)
/* The largest --expires/--nbf, in days (about 2,700 years). */
#define MAX_DAYS 1000000u

static const char usage_claims[] =
	"usage: stratus claims <command> [<args>]\n\n"
	"commands:\n"
	"   sign      embed signed actor claims in a WebAssembly module\n"
	"   inspect   show (and verify) the claims of a signed module or provider archive\n\n"
	"Run 'stratus claims <command> --help' for a command's usage.\n";

static const char usage_sign[] =
	"usage: stratus claims sign [options] FILE.wasm --name NAME [-o OUT.wasm]\n\n"
	"Signs the module: removes any claims it carries, then appends a\n"
	"'wasmcloud_jwt' custom section with an actor claims token (wascap revision\n"
	"3) issued by an account key (A...) for a module key (M...).\n\n"
	"options:\n"
	"   -n, --name NAME             the actor's name (required)\n"
	"   -c, --cap CONTRACT          add a capability contract id (repeatable)\n"
	"   -k, --keyvalue              add wasmcloud:keyvalue\n"
	"   -g, --msg                   add wasmcloud:messaging\n"
	"   -q, --http_server           add wasmcloud:httpserver\n"
	"       --http_client           add wasmcloud:httpclient\n"
	"   -f, --blob_store            add wasmcloud:blobstore\n"
	"   -l, --logging               add wasmcloud:builtin:logging\n"
	"   -e, --events                add wasmcloud:eventstreams\n"
	"   -t, --tag TAG               add a tag (repeatable)\n"
	"   -r, --rev N                 revision number (i32)\n"
	"   -v, --ver VERSION           human-readable version\n"
	"   -a, --call-alias ALIAS      call alias (lower-case letters, digits, '_', '/')\n"
	"   -p, --prov                  mark the module as a capability provider\n"
	"   -i, --issuer SEED|FILE      account seed (default $WASH_ISSUER_KEY, else\n"
	"                               $USER_account.nk in the keys directory)\n"
	"   -s, --subject SEED|FILE     module seed (default $WASH_SUBJECT_KEY, else\n"
	"                               <module stem>_module.nk in the keys directory)\n"
	"       --directory DIR         keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"       --disable-keygen        fail instead of generating missing keys\n"
	"   -x, --expires-in-days N     the token expires N days from now\n"
	"   -b, --not-before-days N     the token is valid only N days from now\n"
	"   -d, --destination OUT.wasm  where to write (default: FILE_s.wasm beside FILE)\n"
	"   -o OUT.wasm|text|json       -o json / -o text set the output format; any\n"
	"                               other value is the destination\n"
	"   -h, --help                  show this help\n\n"
	"Keys the command generates are stored (0600) in the keys directory and\n"
	"announced on stderr. exit status: 0 on success, 1 on failure, 2 for bad\n"
	"usage.\n";

static const char usage_inspect[] =
	"usage: stratus claims inspect [--jwt-only] [-o json] FILE.wasm|FILE.par[.gz]\n\n"
	"Prints the claims of a signed actor module (or of a provider archive) and\n"
	"verifies them: the token's Ed25519 signature, the module hash (for tokens\n"
	"of wascap revision 3 and later), expiry and not-before; for an archive,\n"
	"every binary's hash.\n\n"
	"options:\n"
	"   --jwt-only                 print only the raw claims token\n"
	"   -o, --output text|json     output format (default text)\n"
	"   -h, --help                 show this help\n\n"
	"exit status: 0 when the claims are valid, 1 when they are not or the file\n"
	"cannot be read, 2 for bad usage.\n";

static int bad_usage(const char *sub, const char *what, const char *arg)
{
	fprintf(stderr, "stratus claims %s: %s '%s'\n", sub, what, arg);
	fprintf(stderr, "See 'stratus claims %s --help'.\n", sub);
	return CLI_EXIT_USAGE;
}

/* "Account" for A..., "Module" for M..., as wash labels keys. */
static const char *key_label(const char *pk)
{
	switch (pk && *pk ? *pk : '?') {
	case 'A':
		return "Account";
	case 'M':
		return "Module";
	case 'O':
		return "Operator";
	case 'N':
		return "Server";
	case 'U':
		return "User";
	case 'V':
		return "Service";
	case 'C':
		return "Cluster";
	default:
		return "<Unknown>";
	}
}

/* ----------------------------------------------------------------------- */
/* sign */

typedef struct sign_opts {
	const char *file, *name, *ver, *alias, *issuer, *subject, *dir, *dest;
	const char **caps; /* argc-sized; entries borrowed */
	size_t ncaps;
	const char **tags;
	size_t ntags;
	bool has_rev, prov, disable_keygen;
	int32_t rev;
	bool has_exp, has_nbf;
	uint64_t exp_days, nbf_days;
	out_format fmt;
} sign_opts;

static void add_cap(sign_opts *o, const char *cap)
{
	for (size_t i = 0; i < o->ncaps; i++)
		if (strcmp(o->caps[i], cap) == 0)
			return;
	o->caps[o->ncaps++] = cap;
}

/* The standard capability flags of wash (flag, short, contract id). */
static const struct {
	const char *lng, *shrt, *contract;
} std_caps[] = {
	{ "--keyvalue", "-k", "wasmcloud:keyvalue" },
	{ "--msg", "-g", "wasmcloud:messaging" },
	{ "--http_server", "-q", "wasmcloud:httpserver" },
	{ "--http_client", NULL, "wasmcloud:httpclient" },
	{ "--blob_store", "-f", "wasmcloud:blobstore" },
	{ "--logging", "-l", "wasmcloud:builtin:logging" },
	{ "--events", "-e", "wasmcloud:eventstreams" },
};

/* Parses sign's arguments into o. Returns -1 to go on, or an exit status. */
static int sign_parse(int argc, char **argv, sign_opts *o)
{
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		uint64_t days = 0;
		bool matched = false;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (o->file)
				return bad_usage("sign", "unexpected argument", a);
			o->file = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (args_is_help(a)) {
			fputs(usage_sign, stdout);
			return CLI_EXIT_OK;
		}
		for (size_t k = 0; k < sizeof(std_caps) / sizeof(std_caps[0]); k++) {
			if (args_flag(a, std_caps[k].lng, std_caps[k].shrt)) {
				add_cap(o, std_caps[k].contract);
				matched = true;
			}
		}
		if (matched)
			continue;
		if (args_flag(a, "--prov", "-p")) {
			o->prov = true;
			continue;
		}
		if (strcmp(a, "--disable-keygen") == 0) {
			o->disable_keygen = true;
			continue;
		}
#define VALUE(lng, shrt) ((m = args_value(argc, argv, &i, lng, shrt, &val)) != 0)
		if (VALUE("--name", "-n"))
			o->name = val;
		else if (VALUE("--cap", "-c"))
			add_cap(o, val ? val : "");
		else if (VALUE("--tag", "-t"))
			o->tags[o->ntags++] = val;
		else if (VALUE("--rev", "-r")) {
			if (m > 0 && !args_i32(val, &o->rev))
				return bad_usage("sign", "--rev needs an i32, got", val);
			o->has_rev = true;
		} else if (VALUE("--ver", "-v"))
			o->ver = val;
		else if (VALUE("--call-alias", "-a"))
			o->alias = val;
		else if (VALUE("--issuer", "-i"))
			o->issuer = val;
		else if (VALUE("--subject", "-s"))
			o->subject = val;
		else if (VALUE("--directory", NULL))
			o->dir = val;
		else if (VALUE("--destination", "-d"))
			o->dest = val;
		else if (VALUE("--expires-in-days", "-x") || VALUE("--expires", NULL)) {
			if (m > 0 && !args_u64(val, MAX_DAYS, &days))
				return bad_usage("sign",
				                 "--expires-in-days needs a number of days, got",
				                 val);
			o->has_exp = true;
			o->exp_days = days;
		} else if (VALUE("--not-before-days", "-b") || VALUE("--nbf", NULL)) {
			if (m > 0 && !args_u64(val, MAX_DAYS, &days))
				return bad_usage("sign",
				                 "--not-before-days needs a number of days, got",
				                 val);
			o->has_nbf = true;
			o->nbf_days = days;
		} else if (VALUE("--output", "-o")) {
			if (m > 0 && !out_format_parse(val, &o->fmt))
				o->dest = val;
		} else
			return bad_usage("sign", "unknown option", a);
#undef VALUE
		if (m < 0)
			return bad_usage("sign", "missing value for", a);
	}
	if (!o->file || !o->name) {
		fprintf(stderr, "stratus claims sign: %s\n",
		        !o->file ? "no module given" : "--name is required");
		fprintf(stderr, "See 'stratus claims sign --help'.\n");
		return CLI_EXIT_USAGE;
	}
	return -1;
}

/*
 * wash's call alias rules, after the normalization of security.md §2.4:
 * not empty, not a public key, only [a-z0-9_/].
 */
static const char *alias_problem(const char *alias)
{
	size_t n = strlen(alias);
	bool pk = n == NKEY_PUBLIC_LEN;

	if (n == 0)
		return "Call alias cannot be empty";
	for (size_t i = 0; i < n; i++)
		if (!((alias[i] >= 'A' && alias[i] <= 'Z') || (alias[i] >= '0' && alias[i] <= '9')))
			pk = false;
	if (pk)
		return "Public key cannot be used as a call alias";
	for (size_t i = 0; i < n; i++) {
		char c = alias[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '/'))
			return "Call alias contained invalid characters. Valid aliases are "
			       "lowercase alphanumeric and can contain underscores and slashes";
	}
	return NULL;
}

/* dirname(file)/stem_s.wasm, or ./stem_s.wasm, like wash. */
static char *default_destination(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	size_t dirlen = slash ? (size_t)(slash - file) : 1;
	size_t len = dirlen + stem + 16;
	char *out = xmalloc(len);

	snprintf(out, len, "%.*s/%.*s_s.wasm", (int)dirlen, slash ? file : ".", (int)stem, base);
	return out;
}

/* Resolves a signing key, announcing a generated one on stderr. */
static int resolve_key(const sign_opts *o, const char *flag, nkey_type type, const char *role,
                       nkey *k)
{
	keystore_req r = { flag, o->file, o->dir, type, role, o->disable_keygen };
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

static int claims_sign(int argc, char **argv)
{
	sign_opts o;
	nkey account, module;
	claims c;
	st_buf in, out;
	char *dest = NULL, *alias = NULL;
	const char *problem;
	int64_t now = (int64_t)time(NULL);
	st_err err;
	int rc, status;

	memset(&o, 0, sizeof(o));
	memset(&account, 0, sizeof(account));
	memset(&module, 0, sizeof(module));
	claims_init(&c);
	st_buf_init(&in, MODULE_MAX_BYTES);
	st_buf_init(&out, MODULE_MAX_BYTES + JWT_MAX_TOKEN_BYTES + 64);
	o.caps = xcalloc((size_t)argc + 8, sizeof(*o.caps));
	o.tags = xcalloc((size_t)argc, sizeof(*o.tags));
	status = sign_parse(argc, argv, &o);
	if (status >= 0)
		goto out;
	status = CLI_EXIT_FAIL;
	if (!o.issuer && getenv("WASH_ISSUER_KEY") && *getenv("WASH_ISSUER_KEY"))
		o.issuer = getenv("WASH_ISSUER_KEY");
	if (!o.subject && getenv("WASH_SUBJECT_KEY") && *getenv("WASH_SUBJECT_KEY"))
		o.subject = getenv("WASH_SUBJECT_KEY");
	if (o.prov && o.ncaps > 1) {
		status = out_fail(
			o.fmt,
			"Capability providers cannot provide multiple capabilities at once.");
		goto out;
	}
	if (o.alias) {
		alias = claims_normalize_alias(o.alias);
		problem = alias_problem(alias);
		if (problem) {
			status = out_fail(o.fmt, "%s", problem);
			goto out;
		}
	}
	st_err_clear(&err);
	rc = st_file_read(o.file, MODULE_MAX_BYTES, &in, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "Failed to open file for signing '%s': %s", o.file,
		                  out_err_text(rc, &err));
		goto out;
	}
	if (resolve_key(&o, o.issuer, NKEY_ACCOUNT, "issuer", &account) != 0 ||
	    resolve_key(&o, o.subject, NKEY_MODULE, "subject", &module) != 0)
		goto out;

	claims_set_str(&c.name, o.name);
	for (size_t i = 0; i < o.ncaps; i++)
		claims_add_cap(&c, o.caps[i]);
	for (size_t i = 0; i < o.ntags; i++)
		claims_add_tag(&c, o.tags[i]);
	/* wash always writes both lists, empty or not. */
	c.has_caps = true;
	c.has_tags = true;
	c.has_rev = o.has_rev;
	c.rev = o.rev;
	claims_set_str(&c.ver, o.ver);
	claims_set_str(&c.call_alias, alias);
	c.prov = o.prov;
	c.iat = now;
	c.has_exp = o.has_exp;
	c.exp = now + (int64_t)o.exp_days * 86400;
	c.has_nbf = o.has_nbf;
	c.nbf = now + (int64_t)o.nbf_days * 86400;

	rc = claims_module_sign(in.p, in.n, &c, &account, &module, &out, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "cannot sign %s: %s", o.file, out_err_text(rc, &err));
		goto out;
	}
	dest = o.dest ? xstrdup(o.dest) : default_destination(o.file);
	rc = out_write_file(dest, out.p, out.n, &err);
	if (rc < 0) {
		status = out_fail(o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	if (o.fmt == OUT_JSON) {
		json_t *j = json_object(), *caps = json_array();

		for (size_t i = 0; i < o.ncaps; i++)
			json_array_append_new(caps, json_string(o.caps[i]));
		json_object_set_new(j, "destination", json_string(dest));
		json_object_set_new(j, "capabilities", caps);
		json_object_set_new(j, "account", json_string(c.iss));
		json_object_set_new(j, "module", json_string(c.sub));
		json_object_set_new(j, "hash", json_string(c.hash));
		status = out_json_success(j);
		json_decref(j);
	} else {
		printf("Successfully signed %s with capabilities: ", dest);
		for (size_t i = 0; i < o.ncaps; i++)
			printf("%s%s", i ? "," : "", o.caps[i]);
		printf("\n");
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
out:
	nkey_wipe(&account);
	nkey_wipe(&module);
	claims_deinit(&c);
	st_buf_deinit(&in);
	st_buf_deinit(&out);
	st_free(o.caps);
	st_free(o.tags);
	st_free(dest);
	st_free(alias);
	return status;
}

/* ----------------------------------------------------------------------- */
/* inspect */

/* Appends the strings of v as a JSON array to o under key. */
static void json_set_strs(json_t *o, const char *key, char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	json_object_set_new(o, key, a);
}

static json_t *json_opt_int(bool has, int64_t v)
{
	return has ? json_integer((json_int_t)v) : json_null();
}

/* What inspecting a module found beyond its claims. */
typedef struct actor_check {
	bool sig_ok;                 /* the signature verifies */
	bool strict_hash;            /* a token without wascap_revision: hash checked here too */
	claims_module_report report; /* module hash findings */
	int vrc;                     /* claims_module_verify's result */
	st_err verr;                 /* and its message */
} actor_check;

static const char *hash_check_text(const actor_check *k)
{
	if (!k->report.computed_hash[0])
		return "not computed";
	if (k->report.hash_matches)
		return "matches";
	if (k->report.hash_enforced || k->strict_hash)
		return "MISMATCH";
	return "differs (revision-2 hashes cannot be recomputed)";
}

static int print_actor(const char *file, const claims *c, const actor_check *k, out_format fmt)
{
	int64_t now = (int64_t)time(NULL);
	char exp[64], nbf[64], ver[128];
	const char *hash_check;
	bool ok = k->vrc == 0;
	int status;

	snprintf(exp, sizeof(exp), "never");
	snprintf(nbf, sizeof(nbf), "immediately");
	if (c->has_exp)
		out_time_human(c->exp, now, exp, sizeof(exp));
	if (c->has_nbf)
		out_time_human(c->nbf, now, nbf, sizeof(nbf));
	hash_check = hash_check_text(k);
	snprintf(ver, sizeof(ver), "%s (%d)", c->ver ? c->ver : "None",
	         c->has_rev ? (int)c->rev : 0);

	if (fmt == OUT_JSON) {
		json_t *j = json_object();
		char label[32];

		snprintf(label, sizeof(label), "%s", key_label(c->iss));
		label[0] = (char)(label[0] - 'A' + 'a');
		json_object_set_new(j, label, json_string(c->iss));
		snprintf(label, sizeof(label), "%s", key_label(c->sub));
		label[0] = (char)(label[0] - 'A' + 'a');
		json_object_set_new(j, label, json_string(c->sub));
		json_object_set_new(j, "name", c->name ? json_string(c->name) : json_null());
		json_object_set_new(j, "expires", json_string(exp));
		json_object_set_new(j, "can_be_used", json_string(nbf));
		json_object_set_new(j, "version", json_string(c->ver ? c->ver : "None"));
		json_object_set_new(j, "revision", json_integer(c->has_rev ? c->rev : 0));
		json_set_strs(j, c->prov ? "capability_provider" : "capabilities", c->caps,
		              c->ncaps);
		json_set_strs(j, "tags", c->tags, c->ntags);
		json_object_set_new(j, "call_alias",
		                    json_string(c->call_alias ? c->call_alias : "(Not set)"));
		json_object_set_new(j, "hash", c->hash ? json_string(c->hash) : json_null());
		json_object_set_new(j, "iat", json_integer((json_int_t)c->iat));
		json_object_set_new(j, "exp", json_opt_int(c->has_exp, c->exp));
		json_object_set_new(j, "nbf", json_opt_int(c->has_nbf, c->nbf));
		json_object_set_new(j, "wascap_revision",
		                    json_opt_int(c->has_wascap_revision, c->wascap_revision));
		json_object_set_new(j, "signature", json_string(k->sig_ok ? "valid" : "invalid"));
		json_object_set_new(j, "hash_check", json_string(hash_check));
		json_object_set_new(j, "computed_hash",
		                    k->report.computed_hash[0] ?
		                            json_string(k->report.computed_hash) :
		                            json_null());
		json_object_set_new(j, "valid", json_boolean(ok));
		if (!ok)
			json_object_set_new(j, "error",
			                    json_string(out_err_text(k->vrc, &k->verr)));
		status = out_json_result(j, ok);
		json_decref(j);
		return status;
	} else {
		char title[300];
		out_table *t;

		snprintf(title, sizeof(title), "%s - %s", c->name ? c->name : "None",
		         key_label(c->sub));
		t = out_table_new(title);
		out_table_row(t, key_label(c->iss), c->iss);
		out_table_row(t, key_label(c->sub), c->sub);
		out_table_row(t, "Expires", exp);
		out_table_row(t, "Can Be Used", nbf);
		out_table_row(t, "Version", ver);
		out_table_row(t, "Call Alias", c->call_alias ? c->call_alias : "(Not set)");
		out_table_row(t, "Module Hash", c->hash ? c->hash : "(none)");
		out_table_row(t, "Hash Check", hash_check);
		if (k->report.computed_hash[0] && !k->report.hash_matches)
			out_table_row(t, "Computed Hash", k->report.computed_hash);
		out_table_row(t, "Signature", k->sig_ok ? "valid" : "INVALID");
		out_table_heading(t, c->prov ? "Capability Provider" : "Capabilities");
		if (c->ncaps == 0)
			out_table_line(t, "None");
		for (size_t i = 0; i < c->ncaps; i++)
			out_table_line(t, c->caps[i]);
		out_table_heading(t, "Tags");
		if (c->ntags == 0)
			out_table_line(t, "None");
		for (size_t i = 0; i < c->ntags; i++)
			out_table_line(t, c->tags[i]);
		status = out_table_print(t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		out_table_free(t);
		if (!ok) {
			fprintf(stderr, "stratus: %s: claims are not valid: %s\n", file,
			        out_err_text(k->vrc, &k->verr));
			status = CLI_EXIT_FAIL;
		}
		return status;
	}
}

static int inspect_module(const char *file, const uint8_t *b, size_t n, out_format fmt,
                          bool jwt_only)
{
	char *token = NULL;
	size_t tlen = 0;
	claims c, tmp;
	actor_check k;
	st_err err;
	int rc, status = CLI_EXIT_FAIL;

	claims_init(&c);
	claims_init(&tmp);
	memset(&k, 0, sizeof(k));
	st_err_clear(&err);
	rc = claims_module_extract(b, n, &token, &tlen, &err);
	if (rc < 0) {
		status = out_fail(fmt, "%s: %s", file, out_err_text(rc, &err));
		goto out;
	}
	if (jwt_only) {
		if (fmt == OUT_JSON) {
			json_t *j = json_object();

			json_object_set_new(j, "token", json_string(token));
			status = out_json_success(j);
			json_decref(j);
		} else {
			printf("%s\n", token);
			status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		}
		goto out;
	}
	/* Decode without checks first, to show the claims even when they fail. */
	rc = claims_decode(token, tlen, false, &c, &err);
	if (rc < 0) {
		status = out_fail(fmt, "%s: the embedded claims token is malformed: %s", file,
		                  out_err_text(rc, &err));
		goto out;
	}
	k.sig_ok = claims_decode(token, tlen, true, &tmp, NULL) == 0;
	st_err_clear(&k.verr);
	k.vrc = claims_module_verify(b, n, NULL, (int64_t)time(NULL), NULL, &k.report, &k.verr);
	/*
	 * The host skips the hash of tokens older than wascap revision 3
	 * (security.md §3.2). Tokens without any revision (wascap <= 0.8) hashed
	 * the module as re-serialized by parity-wasm, which equals the
	 * revision-3 input for toolchain-built modules, and wash of that era
	 * refused a mismatch; inspect does too. Revision-2 hashes (walrus) cannot
	 * be recomputed, so a difference there is only reported.
	 */
	if (!k.report.computed_hash[0] &&
	    claims_module_hash(b, n, k.report.computed_hash, NULL) == 0) {
		/* verify stopped before the hash (e.g. a bad signature): report it anyway. */
		k.report.hash_matches = c.hash && strcmp(c.hash, k.report.computed_hash) == 0;
		k.report.hash_enforced =
			c.has_wascap_revision && c.wascap_revision >= CLAIMS_WASCAP_REVISION;
	}
	k.strict_hash = !c.has_wascap_revision;
	if (k.vrc == 0 && k.strict_hash && k.report.computed_hash[0] && !k.report.hash_matches)
		k.vrc = st_err_set(
			&k.verr, ST_EINVALID,
			"Invalid module hash: the module hashes to %s, its claims say %s",
			k.report.computed_hash, c.hash ? c.hash : "(none)");
	status = print_actor(file, &c, &k, fmt);
out:
	claims_deinit(&c);
	claims_deinit(&tmp);
	st_free(token);
	return status;
}

static int claims_inspect(int argc, char **argv)
{
	const char *file = NULL;
	out_format fmt = OUT_TEXT;
	bool jwt_only = false, opts_done = false;
	st_buf b;
	st_err err;
	int rc, status;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (file)
				return bad_usage("inspect", "unexpected argument", a);
			file = a;
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (args_is_help(a)) {
			fputs(usage_inspect, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--jwt-only") == 0 || strcmp(a, "--jwt_only") == 0) {
			jwt_only = true;
		} else if ((m = args_value(argc, argv, &i, "--output", "-o", &val)) != 0) {
			if (m < 0 || !out_format_parse(val, &fmt))
				return bad_usage("inspect", "bad output format", val ? val : a);
		} else {
			return bad_usage("inspect", "unknown option", a);
		}
	}
	if (!file) {
		fputs(usage_inspect, stderr);
		return CLI_EXIT_USAGE;
	}
	st_err_clear(&err);
	rc = st_file_read(file, PAR_MAX_TOTAL_BYTES, &b, &err);
	if (rc < 0)
		return out_fail(fmt, "%s", out_err_text(rc, &err));
	if (b.n >= 4 && memcmp(b.p, "\0asm", 4) == 0)
		status = inspect_module(file, b.p, b.n, fmt, jwt_only);
	else
		status = par_inspect_bytes(file, b.p, b.n, fmt, jwt_only);
	st_buf_deinit(&b);
	return status;
}

/* ----------------------------------------------------------------------- */

int cmd_claims(int argc, char **argv)
{
	const char *sub;

	if (argc < 2) {
		fputs(usage_claims, stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (args_is_help(sub) || strcmp(sub, "help") == 0) {
		fputs(usage_claims, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(sub, "sign") == 0)
		return claims_sign(argc - 1, argv + 1);
	if (strcmp(sub, "inspect") == 0)
		return claims_inspect(argc - 1, argv + 1);
	fprintf(stderr,
	        "stratus claims: '%s' is not a claims command. See 'stratus claims --help'.\n",
	        sub);
	return CLI_EXIT_USAGE;
}
