/*
 * cmd_build.c - `stratus build [DIR]`: builds the actor project in DIR (made
 * by `stratus new actor`): compiles its C sources with clang for wasm32
 * against the C actor SDK into DIR/build/<name>.wasm, then signs that with
 * the claims of DIR/actor.conf into DIR/build/<name>_s.wasm.
 *
 * The SDK is looked for, in order: --sdk PREFIX (or $STRATUS_ACTOR_SDK), an
 * install found by `pkg-config stratus-actor`, an install beside this
 * executable (<bindir>/../include, ../lib), and the build tree this
 * executable comes from (<bindir>/../sdk, else the paths recorded at build
 * time in actor_sdk_paths.h). clang runs in DIR with the SDK's paths made
 * absolute; its messages pass through. Signing is `stratus claims sign`
 * itself (cmd_claims), so keys come from the keys directory the same way.
 * Exit status: 0 built and signed, 1 failure, 2 bad usage.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor_sdk_paths.h"
#include "args.h"
#include "core/buf.h"
#include "core/mem.h"

#include "core/banned.h"

/* The project file, in the project directory. */
#define CONF_FILE "actor.conf"
/* The largest project file we read, in bytes. */
#define CONF_MAX_BYTES ((size_t)64 << 10)
/* The most pkg-config may print, in bytes. */
#define PKGCONFIG_MAX_BYTES ((size_t)16 << 10)
/* The longest actor name, in bytes. */
#define NAME_MAX_LEN 64
/* The SDK library's file name. */
#define SDK_LIB "libstratus-actor.a"

static const char usage_build[] =
	"usage: stratus build [options] [DIR]\n\n"
	"Builds the actor project in DIR (default .), as made by `stratus new\n"
	"actor`: compiles the C sources named in DIR/" CONF_FILE " with clang for\n"
	"wasm32 against the C actor SDK into DIR/build/<name>.wasm, then signs it\n"
	"with the claims of " CONF_FILE " (name, caps, version, revision, tags,\n"
	"call_alias) into DIR/build/<name>_s.wasm, like `stratus claims sign`.\n\n"
	"The SDK is, in order: --sdk PREFIX (or $STRATUS_ACTOR_SDK), the one\n"
	"`pkg-config stratus-actor` finds, one installed beside this executable,\n"
	"or the one of the build tree this executable was built in.\n\n"
	"options:\n"
	"       --sdk PREFIX            use the SDK installed under PREFIX\n"
	"       --cc CLANG              the compiler (default $STRATUS_CLANG, else clang)\n"
	"       --directory DIR         keys directory (default $WASH_KEYS or ~/.wash/keys)\n"
	"   -i, --issuer SEED|FILE      account seed (as `stratus claims sign`)\n"
	"   -s, --subject SEED|FILE     module seed (default <name>_module.nk in the\n"
	"                               keys directory, made on first use)\n"
	"       --disable-keygen        fail instead of generating missing keys\n"
	"   -v, --verbose               print the compiler command\n"
	"   -h, --help                  show this help\n\n"
	"exit status: 0 when built and signed, 1 on failure (no project file, no\n"
	"compiler or SDK, compile errors, signing errors), 2 for bad usage.\n";

typedef struct build_opts {
	const char *dir, *sdk, *cc, *keys, *issuer, *subject;
	bool disable_keygen, verbose;
} build_opts;

/* A list of owned strings. */
typedef struct strv {
	char **v; /* NULL-terminated when n > 0 */
	size_t n;
} strv;

static void strv_add(strv *s, const char *p, size_t n)
{
	s->v = xrealloc(s->v, (s->n + 2) * sizeof(*s->v));
	s->v[s->n++] = xstrndup(p, n);
	s->v[s->n] = NULL;
}

static void strv_free(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		st_free(s->v[i]);
	st_free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Adds the non-empty pieces of s separated by any of seps, trimmed of blanks. */
static void strv_split(strv *out, const char *s, const char *seps)
{
	while (*s) {
		size_t n = strcspn(s, seps), a = 0, b = n;

		while (a < b && (s[a] == ' ' || s[a] == '\t'))
			a++;
		while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
			b--;
		if (b > a)
			strv_add(out, s + a, b - a);
		s += n;
		if (*s)
			s++;
	}
}

/* What actor.conf says. */
typedef struct actor_conf {
	char *name, *version, *alias, *target; /* owned; NULL when not given */
	strv caps, tags, sources, cflags;
	bool has_rev;
	int32_t rev;
} actor_conf;

static void conf_deinit(actor_conf *c)
{
	st_free(c->name);
	st_free(c->version);
	st_free(c->alias);
	st_free(c->target);
	strv_free(&c->caps);
	strv_free(&c->tags);
	strv_free(&c->sources);
	strv_free(&c->cflags);
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '-' || name[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Sets *dst to an owned copy of val (replacing an earlier value). */
static void set_str(char **dst, const char *val)
{
	st_free(*dst);
	*dst = xstrdup(val);
}

/* Applies `key = val` of line lineno of file. Returns 0, or -1 after a message. */
static int conf_set(actor_conf *c, const char *file, int lineno, const char *key, const char *val)
{
	if (strcmp(key, "name") == 0) {
		set_str(&c->name, val);
	} else if (strcmp(key, "version") == 0 || strcmp(key, "ver") == 0) {
		set_str(&c->version, val);
	} else if (strcmp(key, "revision") == 0 || strcmp(key, "rev") == 0) {
		if (!args_i32(val, &c->rev)) {
			fprintf(stderr, "stratus build: %s:%d: revision must be an i32, got '%s'\n",
			        file, lineno, val);
			return -1;
		}
		c->has_rev = true;
	} else if (strcmp(key, "caps") == 0 || strcmp(key, "capabilities") == 0) {
		strv_free(&c->caps);
		strv_split(&c->caps, val, ", \t");
	} else if (strcmp(key, "tags") == 0) {
		strv_free(&c->tags);
		strv_split(&c->tags, val, ",");
	} else if (strcmp(key, "call_alias") == 0) {
		set_str(&c->alias, val);
	} else if (strcmp(key, "sources") == 0) {
		strv_free(&c->sources);
		strv_split(&c->sources, val, " \t");
	} else if (strcmp(key, "target") == 0) {
		set_str(&c->target, val);
	} else if (strcmp(key, "cflags") == 0) {
		strv_free(&c->cflags);
		strv_split(&c->cflags, val, " \t");
	} else {
		fprintf(stderr,
		        "stratus build: %s:%d: unknown key '%s' (known: name, version, revision, "
		        "caps, tags, call_alias, sources, target, cflags)\n",
		        file, lineno, key);
		return -1;
	}
	return 0;
}

/* Strips blanks (and a CR) from both ends of s in place. */
static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Reads and checks file (DIR/actor.conf) into c. Returns CLI_EXIT_OK or CLI_EXIT_FAIL. */
static int conf_read(const char *file, const char *dir, actor_conf *c)
{
	st_buf b;
	st_err err;
	char *text, *line, *next;
	int lineno = 0, status = CLI_EXIT_FAIL, rc;

	st_err_clear(&err);
	rc = st_file_read(file, CONF_MAX_BYTES, &b, &err);
	if (rc == ST_ENOTFOUND) {
		fprintf(stderr,
		        "stratus build: no %s in %s: not an actor project (create one with "
		        "`stratus new actor NAME`)\n",
		        CONF_FILE, dir);
		return CLI_EXIT_FAIL;
	}
	if (rc < 0) {
		fprintf(stderr, "stratus build: cannot read %s: %s\n", file,
		        err.msg[0] ? err.msg : st_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	text = xstrndup((const char *)b.p, b.n);
	st_buf_deinit(&b);
	for (line = text; line; line = next) {
		char *eq, *key;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			fprintf(stderr, "stratus build: %s:%d: expected 'key = value', got '%s'\n",
			        file, lineno, line);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		if (conf_set(c, file, lineno, key, trim(eq + 1)) != 0)
			goto out;
	}
	if (!c->name || !name_ok(c->name)) {
		fprintf(stderr,
		        "stratus build: %s: %s (1 to %d letters, digits, '_' or '-', not starting "
		        "with '_' or '-')\n",
		        file, c->name ? "bad name" : "no name", NAME_MAX_LEN);
		goto out;
	}
	if (!c->target || !*c->target)
		set_str(&c->target, "wasm32");
	if (strcmp(c->target, "wasm32") != 0 && strcmp(c->target, "wasm32-wasi") != 0) {
		fprintf(stderr,
		        "stratus build: %s: target must be wasm32 or wasm32-wasi, got '%s'\n", file,
		        c->target);
		goto out;
	}
	if (c->sources.n == 0)
		strv_add(&c->sources, "actor.c", 7);
	status = CLI_EXIT_OK;
out:
	st_free(text);
	return status;
}

/* ----------------------------------------------------------------------- */
/* Running programs */

/*
 * Runs argv (argv[0] searched in PATH) in directory dir (NULL: the current
 * one). When out is not NULL its stdout goes into out (capped) and its
 * stderr is discarded (a probe); otherwise both are shared. Returns the exit status (128 + the signal when
 * killed), or -1 when the program could not be started, *start_errno then
 * saying why.
 */
static int run(char *const *argv, const char *dir, st_buf *out, int *start_errno)
{
	int errp[2], outp[2] = { -1, -1 }, e = 0, wstatus;
	ssize_t got;
	pid_t pid;

	*start_errno = 0;
	if (pipe(errp) != 0) {
		*start_errno = errno;
		return -1;
	}
	if (out && pipe(outp) != 0) {
		*start_errno = errno;
		close(errp[0]);
		close(errp[1]);
		return -1;
	}
	fcntl(errp[0], F_SETFD, FD_CLOEXEC);
	fcntl(errp[1], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		if (out) {
			int null = open("/dev/null", O_WRONLY);

			close(outp[0]);
			if (dup2(outp[1], STDOUT_FILENO) < 0 ||
			    (null >= 0 && dup2(null, STDERR_FILENO) < 0))
				_exit(127);
			close(outp[1]);
			if (null >= 0)
				close(null);
		}
		if (dir && chdir(dir) != 0) {
			e = errno;
		} else {
			execvp(argv[0], argv);
			e = errno;
		}
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(errp[1]);
	if (out)
		close(outp[1]);
	if (pid < 0) {
		*start_errno = errno;
		close(errp[0]);
		if (out)
			close(outp[0]);
		return -1;
	}
	if (out) {
		char chunk[4096];

		while ((got = read(outp[0], chunk, sizeof(chunk))) != 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0 || st_buf_append(out, chunk, (size_t)got) != 0)
				break;
		}
		close(outp[0]);
	}
	do
		got = read(errp[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(errp[0]);
	while (waitpid(pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (got == (ssize_t)sizeof(e)) {
		*start_errno = e;
		return -1;
	}
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* ----------------------------------------------------------------------- */
/* Finding the SDK */

/* Where the SDK's headers and library for one target are. */
typedef struct sdk_loc {
	strv inc;     /* include directories, absolute */
	char *libdir; /* holds SDK_LIB for the target; absolute */
	char *from;   /* where it was found, for messages */
} sdk_loc;

static void sdk_loc_deinit(sdk_loc *s)
{
	strv_free(&s->inc);
	st_free(s->libdir);
	st_free(s->from);
}

/* a/b, owned; just b when a is "." (so that messages show build/x.wasm). */
static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p;

	if (strcmp(a, ".") == 0)
		return xstrdup(b);
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", a, b);
	return p;
}

static bool file_exists(const char *dir, const char *name)
{
	char *p = join(dir, name);
	struct stat st;
	bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	st_free(p);
	return ok;
}

/* An owned absolute form of path, NULL when it does not exist. */
static char *absolute(const char *path)
{
	char buf[PATH_MAX];

	return realpath(path, buf) ? xstrdup(buf) : NULL;
}

/*
 * Takes the SDK in include directory inc (wasmbus.h) and library directory
 * lib (SDK_LIB), plus extra_inc (may be NULL), when both exist.
 */
static bool sdk_try(sdk_loc *s, const char *inc, const char *extra_inc, const char *lib,
                    const char *from)
{
	char *ainc, *alib, *aextra = NULL;

	if (!file_exists(inc, "wasmbus.h") || !file_exists(lib, SDK_LIB))
		return false;
	ainc = absolute(inc);
	alib = absolute(lib);
	if (extra_inc)
		aextra = absolute(extra_inc);
	if (!ainc || !alib || (extra_inc && !aextra)) {
		st_free(ainc);
		st_free(alib);
		st_free(aextra);
		return false;
	}
	strv_add(&s->inc, ainc, strlen(ainc));
	if (aextra)
		strv_add(&s->inc, aextra, strlen(aextra));
	s->libdir = alib;
	s->from = xstrdup(from);
	st_free(ainc);
	st_free(aextra);
	return true;
}

/* An installed layout: PREFIX/include/stratus-actor and PREFIX/lib/<target>. */
static bool sdk_try_prefix(sdk_loc *s, const char *prefix, const char *target, const char *from)
{
	char *inc = join(prefix, "include/stratus-actor");
	char *libs = join(prefix, "lib");
	char *lib = join(libs, target);
	bool ok = sdk_try(s, inc, NULL, lib, from);

	st_free(inc);
	st_free(libs);
	st_free(lib);
	return ok;
}

/* One variable of the stratus-actor package; owned, NULL when pkg-config has none. */
static char *pkgconfig_var(const char *var)
{
	char flag[64];
	const char *argv[] = { "pkg-config", flag, "stratus-actor", NULL };
	char *val = NULL;
	st_buf out;
	int e;

	snprintf(flag, sizeof(flag), "--variable=%s", var);
	st_buf_init(&out, PKGCONFIG_MAX_BYTES);
	if (run((char *const *)argv, NULL, &out, &e) == 0 && out.n > 0) {
		val = xstrndup((const char *)out.p, out.n);
		val[strcspn(val, "\r\n")] = '\0';
		if (!*val) {
			st_free(val);
			val = NULL;
		}
	}
	st_buf_deinit(&out);
	return val;
}

/* The directory of this executable (owned), NULL when unknown. */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

/* Finds the SDK for target. Returns CLI_EXIT_OK, or CLI_EXIT_FAIL after a message. */
static int sdk_find(const build_opts *o, const char *target, sdk_loc *s)
{
	const char *prefix = o->sdk ? o->sdk : getenv("STRATUS_ACTOR_SDK");
	char *inc, *lib, *bin, *p, *q;
	bool wasi = strcmp(target, "wasm32-wasi") == 0, ok = false;

	if (prefix && *prefix) {
		if (sdk_try_prefix(s, prefix, target, prefix))
			return CLI_EXIT_OK;
		fprintf(stderr,
		        "stratus build: no actor SDK for %s under %s (want "
		        "%s/include/stratus-actor/wasmbus.h and %s/lib/%s/" SDK_LIB ")\n",
		        target, prefix, prefix, prefix, target);
		return CLI_EXIT_FAIL;
	}
	inc = pkgconfig_var("includedir");
	lib = pkgconfig_var(wasi ? "wasilibdir" : "libdir");
	if (inc && lib)
		ok = sdk_try(s, inc, NULL, lib, "pkg-config stratus-actor");
	st_free(inc);
	st_free(lib);
	if (ok)
		return CLI_EXIT_OK;
	bin = exe_dir();
	if (bin) {
		p = join(bin, "..");
		ok = sdk_try_prefix(s, p, target, "the install beside stratus");
		st_free(p);
		if (!ok) {
			p = join(bin, "../sdk");
			q = join(p, target);
			ok = sdk_try(s, ACTOR_SDK_INCLUDE_DIR, ACTOR_SDK_SRC_INCLUDE_DIR, q,
			             "the stratus build tree");
			st_free(p);
			st_free(q);
		}
		st_free(bin);
	}
	if (!ok) {
		q = join(ACTOR_SDK_BUILD_DIR, target);
		ok = sdk_try(s, ACTOR_SDK_INCLUDE_DIR, ACTOR_SDK_SRC_INCLUDE_DIR, q,
		             "the stratus build tree");
		st_free(q);
	}
	if (ok)
		return CLI_EXIT_OK;
	fprintf(stderr,
	        "stratus build: no C actor SDK for %s found: install one (cmake --install "
	        "BUILD --prefix P, then PKG_CONFIG_PATH=P/lib/pkgconfig) or pass --sdk P; a "
	        "stratus build tree has one when clang and llvm-ar were found\n",
	        target);
	return CLI_EXIT_FAIL;
}

/* ----------------------------------------------------------------------- */
/* Compiling and signing */

/* Compiles c's sources in dir into build/<name>.wasm (relative to dir). */
static int compile(const build_opts *o, const actor_conf *c, const sdk_loc *s, const char *out)
{
	const char *cc = o->cc ? o->cc : getenv("STRATUS_CLANG");
	bool wasi = strcmp(c->target, "wasm32-wasi") == 0, dflt = !cc || !*cc;
	char target[32], lflag[PATH_MAX + 8];
	const char **argv;
	size_t n = 0;
	int status, e;

	if (dflt)
		cc = "clang";
	argv = xcalloc(32 + s->inc.n * 2 + c->cflags.n + c->sources.n, sizeof(*argv));
	snprintf(target, sizeof(target), "--target=%s", c->target);
	snprintf(lflag, sizeof(lflag), "-L%s", s->libdir);
	argv[n++] = cc;
	argv[n++] = target;
	argv[n++] = "-O2";
	if (wasi) {
		argv[n++] = "-mexec-model=reactor";
	} else {
		argv[n++] = "-ffreestanding";
		argv[n++] = "-nostdlib";
	}
	argv[n++] = "-Wall";
	argv[n++] = "-Wextra";
	for (size_t i = 0; i < s->inc.n; i++) {
		argv[n++] = "-I";
		argv[n++] = s->inc.v[i];
	}
	for (size_t i = 0; i < c->cflags.n; i++)
		argv[n++] = c->cflags.v[i];
	argv[n++] = "-o";
	argv[n++] = out;
	for (size_t i = 0; i < c->sources.n; i++)
		argv[n++] = c->sources.v[i];
	argv[n++] = lflag;
	argv[n++] = "-lstratus-actor";
	if (!wasi)
		argv[n++] = "-Wl,--no-entry";
	/* wasmbus.o holds __guest_call: link it even when nothing else needs it. */
	argv[n++] = "-Wl,-u,wasmbus_guest_call";
	argv[n] = NULL;

	printf("Compiling %s for %s (actor SDK: %s)\n", c->name, c->target, s->from);
	if (o->verbose) {
		printf("(cd %s &&", o->dir);
		for (size_t i = 0; argv[i]; i++)
			printf(" %s", argv[i]);
		printf(")\n");
	}
	status = run((char *const *)argv, o->dir, NULL, &e);
	if (status < 0 && e == ENOENT && dflt && strlen(ACTOR_SDK_CLANG) > 0) {
		argv[0] = ACTOR_SDK_CLANG;
		status = run((char *const *)argv, o->dir, NULL, &e);
	}
	if (status < 0) {
		if (e == ENOENT)
			fprintf(stderr,
			        "stratus build: C compiler '%s' not found: install clang and lld "
			        "(Debian: apt-get install clang lld), or pass --cc\n",
			        cc);
		else
			fprintf(stderr, "stratus build: cannot run '%s' in %s: %s\n", argv[0],
			        o->dir, strerror(e));
		status = CLI_EXIT_FAIL;
	} else if (status != 0) {
		fprintf(stderr, "stratus build: compilation failed (%s exited with %d)\n", argv[0],
		        status);
		status = CLI_EXIT_FAIL;
	}
	st_free(argv);
	return status;
}

/* Signs wasm into signed_wasm with c's claims: `stratus claims sign` itself. */
static int sign(const build_opts *o, const actor_conf *c, const char *wasm, const char *signed_wasm)
{
	char rev[16];
	const char **argv = xcalloc(32 + 2 * (c->caps.n + c->tags.n), sizeof(*argv));
	int n = 0, status;

	argv[n++] = "claims";
	argv[n++] = "sign";
	argv[n++] = wasm;
	argv[n++] = "--name";
	argv[n++] = c->name;
	for (size_t i = 0; i < c->caps.n; i++) {
		argv[n++] = "--cap";
		argv[n++] = c->caps.v[i];
	}
	for (size_t i = 0; i < c->tags.n; i++) {
		argv[n++] = "--tag";
		argv[n++] = c->tags.v[i];
	}
	if (c->has_rev) {
		snprintf(rev, sizeof(rev), "%d", (int)c->rev);
		argv[n++] = "--rev";
		argv[n++] = rev;
	}
	if (c->version) {
		argv[n++] = "--ver";
		argv[n++] = c->version;
	}
	if (c->alias) {
		argv[n++] = "--call-alias";
		argv[n++] = c->alias;
	}
	if (o->keys) {
		argv[n++] = "--directory";
		argv[n++] = o->keys;
	}
	if (o->issuer) {
		argv[n++] = "--issuer";
		argv[n++] = o->issuer;
	}
	if (o->subject) {
		argv[n++] = "--subject";
		argv[n++] = o->subject;
	}
	if (o->disable_keygen)
		argv[n++] = "--disable-keygen";
	argv[n++] = "--destination";
	argv[n++] = signed_wasm;
	argv[n] = NULL;
	status = cmd_claims(n, (char **)argv);
	st_free(argv);
	return status == CLI_EXIT_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "stratus build: %s '%s'\n", what, arg);
	fprintf(stderr, "See 'stratus build --help'.\n");
	return CLI_EXIT_USAGE;
}

/* Parses the arguments into o. Returns -1 to go on, or an exit status. */
static int build_parse(int argc, char **argv, build_opts *o)
{
	bool opts_done = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (o->dir)
				return bad_usage("unexpected argument", a);
			o->dir = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (args_is_help(a)) {
			fputs(usage_build, stdout);
			return CLI_EXIT_OK;
		}
		if (args_flag(a, "--verbose", "-v")) {
			o->verbose = true;
			continue;
		}
		if (strcmp(a, "--disable-keygen") == 0) {
			o->disable_keygen = true;
			continue;
		}
#define VALUE(lng, shrt) ((m = args_value(argc, argv, &i, lng, shrt, &val)) != 0)
		if (VALUE("--sdk", NULL))
			o->sdk = val;
		else if (VALUE("--cc", NULL))
			o->cc = val;
		else if (VALUE("--directory", NULL))
			o->keys = val;
		else if (VALUE("--issuer", "-i"))
			o->issuer = val;
		else if (VALUE("--subject", "-s"))
			o->subject = val;
		else
			return bad_usage("unknown option", a);
#undef VALUE
		if (m < 0)
			return bad_usage("missing value for", a);
	}
	if (!o->dir)
		o->dir = ".";
	return -1;
}

int cmd_build(int argc, char **argv)
{
	build_opts o;
	actor_conf c;
	sdk_loc s;
	char *conf = NULL, *build_dir = NULL, *wasm = NULL, *signed_wasm = NULL, *rel = NULL;
	size_t len;
	int status;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	status = build_parse(argc, argv, &o);
	if (status >= 0)
		return status;
	conf = join(o.dir, CONF_FILE);
	status = conf_read(conf, o.dir, &c);
	if (status != CLI_EXIT_OK)
		goto out;
	status = sdk_find(&o, c.target, &s);
	if (status != CLI_EXIT_OK)
		goto out;
	build_dir = join(o.dir, "build");
	if (mkdir(build_dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "stratus build: cannot create %s: %s\n", build_dir,
		        strerror(errno));
		status = CLI_EXIT_FAIL;
		goto out;
	}
	len = strlen(c.name) + 16;
	rel = xmalloc(len);
	snprintf(rel, len, "build/%s.wasm", c.name);
	status = compile(&o, &c, &s, rel);
	if (status != CLI_EXIT_OK)
		goto out;
	wasm = join(o.dir, rel);
	snprintf(rel, len, "build/%s_s.wasm", c.name);
	signed_wasm = join(o.dir, rel);
	status = sign(&o, &c, wasm, signed_wasm);
out:
	conf_deinit(&c);
	sdk_loc_deinit(&s);
	st_free(conf);
	st_free(build_dir);
	st_free(wasm);
	st_free(signed_wasm);
	st_free(rel);
	return status;
}
