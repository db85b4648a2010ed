/*
 * cmd_new.c - `stratus new actor NAME [--dir DIR]`: creates an actor
 * project DIR/NAME from the C template of sdk/c/template (actor.c, a
 * hello-world HTTP actor; actor.conf, read by `stratus build`; README.md).
 *
 * The template is embedded in the executable at build time
 * (sdk/c/cli.cmake writes actor_template.c), so the command needs no
 * source tree. Every "@NAME@" in a template file becomes NAME. An existing
 * DIR/NAME is refused. Exit status: 0 created, 1 failure, 2 bad usage.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "core/buf.h"
#include "core/mem.h"
#include "out.h"

#include "core/banned.h"

/* The longest actor name, in bytes. */
#define NAME_MAX_LEN 64

/* The embedded template (actor_template.c, generated). */
extern const size_t actor_template_count;
extern const char *const actor_template_names[];
extern const char *const actor_template_texts[];
extern const size_t actor_template_lens[];

static const char usage_new[] =
	"usage: stratus new actor NAME [--dir DIR]\n\n"
	"Creates the actor project DIR/NAME (default ./NAME) from the C template:\n"
	"   actor.c      a hello-world actor answering HttpServer.HandleRequest\n"
	"   actor.conf   its name, version, revision and capabilities, for\n"
	"                `stratus build`\n"
	"   README.md    how to build, sign and run it\n\n"
	"NAME is 1 to 64 letters, digits, '_' or '-', starting with a letter or a\n"
	"digit. DIR/NAME must not exist yet.\n\n"
	"options:\n"
	"   -d, --dir DIR   where to create the project (default .)\n"
	"   -h, --help      show this help\n\n"
	"exit status: 0 when created, 1 on failure, 2 for bad usage.\n";

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "stratus new: %s%s%s%s\n", what, arg ? " '" : "", arg ? arg : "",
	        arg ? "'" : "");
	fprintf(stderr, "See 'stratus new --help'.\n");
	return CLI_EXIT_USAGE;
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

/* text (len bytes) with every "@NAME@" replaced by name, into out. */
static int expand(const char *text, size_t len, const char *name, st_buf *out)
{
	static const char key[] = "@NAME@";
	size_t klen = sizeof(key) - 1, i = 0, from = 0;
	int rc = 0;

	while (rc == 0 && i + klen <= len) {
		if (memcmp(text + i, key, klen) != 0) {
			i++;
			continue;
		}
		rc = st_buf_append(out, text + from, i - from);
		if (rc == 0)
			rc = st_buf_append(out, name, strlen(name));
		i += klen;
		from = i;
	}
	if (rc == 0)
		rc = st_buf_append(out, text + from, len - from);
	return rc;
}

/* Writes the template files into the new directory path. */
static int write_project(const char *path, const char *name)
{
	for (size_t i = 0; i < actor_template_count; i++) {
		size_t len = strlen(path) + strlen(actor_template_names[i]) + 2;
		char *file = xmalloc(len);
		st_buf b;
		st_err err;
		int rc;

		snprintf(file, len, "%s/%s", path, actor_template_names[i]);
		st_buf_init(&b, actor_template_lens[i] * 2 + 4096);
		st_err_clear(&err);
		rc = expand(actor_template_texts[i], actor_template_lens[i], name, &b);
		if (rc == 0)
			rc = out_write_file(file, b.p, b.n, &err);
		if (rc < 0)
			fprintf(stderr, "stratus new: cannot write %s: %s\n", file,
			        out_err_text(rc, &err));
		st_buf_deinit(&b);
		st_free(file);
		if (rc < 0)
			return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int new_actor(int argc, char **argv)
{
	const char *name = NULL, *dir = NULL;
	bool opts_done = false;
	char *path;
	size_t len;
	int status;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (name)
				return bad_usage("unexpected argument", a);
			name = a;
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (args_is_help(a)) {
			fputs(usage_new, stdout);
			return CLI_EXIT_OK;
		} else if ((m = args_value(argc, argv, &i, "--dir", "-d", &val)) != 0) {
			if (m < 0 || !*val)
				return bad_usage("missing value for", a);
			dir = val;
		} else {
			return bad_usage("unknown option", a);
		}
	}
	if (!name)
		return bad_usage("no actor name given", NULL);
	if (!name_ok(name))
		return bad_usage("bad actor name (letters, digits, '_' and '-' only)", name);
	len = (dir ? strlen(dir) : 0) + strlen(name) + 2;
	path = xmalloc(len);
	snprintf(path, len, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	if (mkdir(path, 0777) != 0) {
		if (errno == EEXIST)
			fprintf(stderr,
			        "stratus new: '%s' already exists; choose another name or --dir\n",
			        path);
		else
			fprintf(stderr, "stratus new: cannot create '%s': %s\n", path,
			        strerror(errno));
		st_free(path);
		return CLI_EXIT_FAIL;
	}
	status = write_project(path, name);
	if (status == CLI_EXIT_OK) {
		printf("Created actor project %s (", path);
		for (size_t i = 0; i < actor_template_count; i++)
			printf("%s%s", i ? ", " : "", actor_template_names[i]);
		printf(")\nNext: cd %s && stratus build\n", path);
		status = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	st_free(path);
	return status;
}

int cmd_new(int argc, char **argv)
{
	const char *kind;

	if (argc < 2) {
		fputs(usage_new, stderr);
		return CLI_EXIT_USAGE;
	}
	kind = argv[1];
	if (args_is_help(kind) || strcmp(kind, "help") == 0) {
		fputs(usage_new, stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(kind, "actor") == 0)
		return new_actor(argc - 1, argv + 1);
	fprintf(stderr,
	        "stratus new: cannot create a '%s'; only 'actor' projects exist. See "
	        "'stratus new --help'.\n",
	        kind);
	return CLI_EXIT_USAGE;
}
