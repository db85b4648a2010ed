/*
 * cmd_ctl.c - `stratus ctl ...`: a client of the lattice control interface
 * (lattice.md §5) that works against any host of the lattice, like wash's
 * get/start/scale/stop/update/link commands (§0 is wash's view of each
 * request and reply). Also the connection flags shared with `stratus call`
 * (ctlcli_*, declared in cli.h). Human tables by default, `-o json` for
 * machines. Exit status: 0 success, 1 failure (including a refused
 * request or a dead server), 2 bad usage.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "args.h"
#include "core/buf.h"
#include "core/mem.h"
#include "keystore.h"
#include "lattice/ctl.h"
#include "lattice/events.h"
#include "lattice/invocation.h"
#include "lattice/linkdef.h"
#include "lattice/nats.h"
#include "oci/par.h"
#include "out.h"

#include "core/banned.h"

/* How long `ctl start actor` waits for actor_started, like wash (lattice.md §4.9). */
#define START_WAIT_MS 5000
/* Longest ref or path handled when turning a file into a file:// URL. */
#define REF_MAX 4096

static const char usage_ctl[] =
	"usage: stratus ctl <command> [<args>] [connection options]\n\n"
	"commands:\n"
	"   get hosts                         list the hosts of the lattice\n"
	"   get inventory [HOST_ID]           actors and labels of one host, or of every host\n"
	"   get claims                        the claims cached in the lattice\n"
	"   get links                         the link definitions of the lattice\n"
	"   start actor REF                   start an actor (auctioned unless --host-id)\n"
	"   scale actor HOST_ID ACTOR_ID REF --count N\n"
	"   stop actor HOST_ID ACTOR_ID [--count N]\n"
	"   update actor HOST_ID ACTOR_ID NEW_REF\n"
	"   link put ACTOR_ID PROVIDER_ID CONTRACT_ID [--link-name L] [KEY=VALUE]...\n"
	"   link del ACTOR_ID CONTRACT_ID [--link-name L]\n"
	"   link query                        same as get links\n"
	"   start provider REF [--link-name L] [--config-json STRING] [--capid C]\n"
	"                                     start a provider from a provider archive, or\n"
	"                                     from an executable with --capid (wrapped in\n"
	"                                     an archive signed with your keys first);\n"
	"                                     auctioned unless --host-id\n"
	"   stop provider HOST_ID PROVIDER_ID LINK_NAME [CONTRACT_ID]\n"
	"   stop host HOST_ID\n\n"
	"connection options (every command):\n"
	"   --ctl-host HOST         NATS host (default $WASMCLOUD_CTL_HOST, else 127.0.0.1)\n"
	"   --ctl-port PORT         NATS port (default $WASMCLOUD_CTL_PORT, else 4222)\n"
	"   --lattice-prefix P      lattice prefix (default $WASMCLOUD_LATTICE_PREFIX, else\n"
	"                           default)\n"
	"   --timeout-ms MS         how long to wait for replies (default 2000)\n"
	"   -o, --output text|json  output format (default text)\n\n"
	"start actor / start provider options:\n"
	"   --count N               instances to start (default 1)\n"
	"   --host-id HOST_ID       start on this host instead of auctioning\n"
	"   --constraint K=V        auction constraint on host labels (repeatable)\n"
	"   --auction-timeout-ms MS how long to wait for auction replies (default\n"
	"                           --timeout-ms)\n"
	"   --skip-wait             return after the host accepted the request\n\n"
	"A REF that names an existing file is sent as a file:// URL of its absolute\n"
	"path. exit status: 0 on success, 1 on failure (no server, no reply, a\n"
	"refused request), 2 for bad usage.\n";

/* ----------------------------------------------------------------------- */
/* Shared with cmd_call.c (cli.h). */

int ctlcli_opts_init(ctlcli_opts *o)
{
	const char *v;
	uint64_t port = 0;

	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 4222;
	o->prefix = "default";
	o->timeout_ms = 2000;
	o->fmt = OUT_TEXT;
	v = getenv("WASMCLOUD_CTL_HOST");
	if (v && *v)
		o->host = v;
	v = getenv("WASMCLOUD_LATTICE_PREFIX");
	if (v && *v)
		o->prefix = v;
	v = getenv("WASMCLOUD_CTL_PORT");
	if (v && *v) {
		if (!args_u64(v, 65535, &port) || port == 0) {
			fprintf(stderr, "stratus: WASMCLOUD_CTL_PORT is not a port number: '%s'\n",
			        v);
			return CLI_EXIT_USAGE;
		}
		o->port = (uint16_t)port;
	}
	return CLI_EXIT_OK;
}

int ctlcli_opts_arg(ctlcli_opts *o, const char *cmd, int argc, char **argv, int *pi)
{
	const char *a = argv[*pi], *val = NULL;
	uint64_t n = 0;
	int m;

	if ((m = args_value(argc, argv, pi, "--ctl-host", NULL, &val)) != 0) {
		if (m > 0 && *val)
			o->host = val;
		else
			m = -1;
	} else if ((m = args_value(argc, argv, pi, "--ctl-port", NULL, &val)) != 0) {
		if (m > 0 && args_u64(val, 65535, &n) && n > 0)
			o->port = (uint16_t)n;
		else
			m = -1;
	} else if ((m = args_value(argc, argv, pi, "--lattice-prefix", "-x", &val)) != 0) {
		if (m > 0 && *val)
			o->prefix = val;
		else
			m = -1;
	} else if ((m = args_value(argc, argv, pi, "--timeout-ms", NULL, &val)) != 0 ||
	           (m = args_value(argc, argv, pi, "--timeout", "-t", &val)) != 0) {
		if (m > 0 && args_u64(val, 3600000, &n) && n > 0)
			o->timeout_ms = (int64_t)n;
		else
			m = -1;
	} else if ((m = args_value(argc, argv, pi, "--output", "-o", &val)) != 0) {
		if (!(m > 0 && out_format_parse(val, &o->fmt)))
			m = -1;
	} else {
		return 0;
	}
	if (m < 0) {
		fprintf(stderr, "stratus %s: bad or missing value for '%s'\n", cmd, a);
		fprintf(stderr, "See 'stratus %s --help'.\n", cmd);
		return -1;
	}
	return 1;
}

int ctlcli_connect(const ctlcli_opts *o, lat_conn **out)
{
	lat_conn_opts co;
	st_err err;
	int rc;

	lat_conn_opts_init(&co);
	co.host = o->host;
	co.port = o->port;
	co.name = "stratus-cli";
	co.connect_timeout_ms = o->timeout_ms < 2000 ? o->timeout_ms : 2000;
	st_err_clear(&err);
	rc = lat_conn_connect(&co, out, &err);
	if (rc < 0) {
		*out = NULL;
		if (err.kind == LAT_ERR_NO_SERVER)
			return out_fail(o->fmt, "cannot connect to NATS at %s:%u", o->host,
			                (unsigned)o->port);
		return out_fail(o->fmt, "cannot connect to NATS at %s:%u (%s)", o->host,
		                (unsigned)o->port, out_err_text(rc, &err));
	}
	return CLI_EXIT_OK;
}

void ctlcli_close(lat_conn *c)
{
	if (!c)
		return;
	lat_conn_free(c);
	lat_lib_close();
}

int ctlcli_request_fail(const ctlcli_opts *o, const char *subject, int rc, const st_err *err)
{
	if (err && err->kind == LAT_ERR_TIMEOUT)
		return out_fail(o->fmt, "no reply on %s within %lld ms", subject,
		                (long long)o->timeout_ms);
	if (err && err->kind == LAT_ERR_NO_RESPONDERS)
		return out_fail(o->fmt, "nobody answers on %s (no such host in lattice '%s')",
		                subject, o->prefix);
	return out_fail(o->fmt, "request on %s failed: %s", subject, out_err_text(rc, err));
}

/* ----------------------------------------------------------------------- */
/* Helpers */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A table of string columns printed like wash's: two-space indent, aligned. */
typedef struct col_table {
	size_t ncol;
	char **cells; /* nrows * ncol, owned */
	size_t nrows, cap;
} col_table;

static void col_table_init(col_table *t, size_t ncol)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
}

/* Adds a row of t->ncol strings (copied; NULL is ""). */
static void col_table_add(col_table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->cells = xrealloc(t->cells, t->cap * t->ncol * sizeof(char *));
	}
	for (size_t i = 0; i < t->ncol; i++)
		t->cells[t->nrows * t->ncol + i] = xstrdup(row[i] ? row[i] : "");
	t->nrows++;
}

static void col_table_print(const col_table *t, FILE *f)
{
	size_t *w = xcalloc(t->ncol ? t->ncol : 1, sizeof(size_t));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncol; i++) {
			size_t n = strlen(t->cells[r * t->ncol + i]);

			if (n > w[i])
				w[i] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		fputs("  ", f);
		for (size_t i = 0; i < t->ncol; i++) {
			const char *c = t->cells[r * t->ncol + i];

			if (i + 1 < t->ncol)
				fprintf(f, "%-*s    ", (int)w[i], c);
			else
				fprintf(f, "%s", c);
		}
		fputc('\n', f);
	}
	st_free(w);
}

static void col_table_deinit(col_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncol; i++)
		st_free(t->cells[i]);
	st_free(t->cells);
	memset(t, 0, sizeof(*t));
}

static const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* Prints a JSON result (taken) the way o asks; text mode prints nothing. */
static int finish_json(json_t *obj)
{
	int status = out_json_success(obj);

	json_decref(obj);
	return status;
}

/*
 * Sends body on subject with a fresh inbox as reply subject and collects
 * the JSON replies into arr until timeout_ms passes (or after the first
 * one with first_only). Like wash, an empty or non-JSON reply ends the
 * collection. Returns 0 or the exit status of a reported failure.
 */
static int scatter_gather(const ctlcli_opts *o, lat_conn *c, const char *subject, const char *body,
                          int64_t timeout_ms, bool first_only, json_t *arr)
{
	char id[INV_ID_LEN + 1], inbox[64];
	lat_sub *sub = NULL;
	int64_t deadline;
	st_err err;
	int rc, status = CLI_EXIT_OK;

	inv_id_generate(id);
	snprintf(inbox, sizeof(inbox), "_INBOX.%s", id);
	st_err_clear(&err);
	rc = lat_conn_subscribe_sync(c, inbox, NULL, &sub, &err);
	if (rc == 0)
		rc = lat_conn_publish_msg(c, subject, inbox, NULL, 0, body, strlen(body), &err);
	if (rc < 0) {
		status = ctlcli_request_fail(o, subject, rc, &err);
		goto out;
	}
	deadline = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();
		lat_msg *m = NULL;
		st_slice d;
		json_t *j;

		if (left <= 0)
			break;
		st_err_clear(&err);
		rc = lat_sub_next(sub, left, &m, &err);
		if (rc < 0) {
			/* No responders: the server says nobody listens, so no reply comes. */
			if (err.kind == LAT_ERR_TIMEOUT || err.kind == LAT_ERR_NO_RESPONDERS)
				break;
			status = ctlcli_request_fail(o, subject, rc, &err);
			goto out;
		}
		d = lat_msg_data(m);
		j = d.n ? json_loadb((const char *)d.p, d.n, 0, NULL) : NULL;
		lat_msg_free(m);
		if (!j)
			break;
		json_array_append_new(arr, j);
		if (first_only)
			break;
	}
out:
	lat_sub_close(sub);
	return status;
}

/*
 * Sends a request whose reply is JSON: *out receives it (new reference).
 * Returns 0 or the exit status of a reported failure.
 */
static int request_json(const ctlcli_opts *o, lat_conn *c, const char *subject, const char *body,
                        json_t **out)
{
	lat_msg *reply = NULL;
	json_error_t jerr;
	st_slice d;
	st_err err;
	int rc;

	*out = NULL;
	st_err_clear(&err);
	rc = lat_conn_request(c, subject, NULL, 0, body, strlen(body), o->timeout_ms, &reply, &err);
	if (rc < 0)
		return ctlcli_request_fail(o, subject, rc, &err);
	d = lat_msg_data(reply);
	*out = json_loadb((const char *)d.p, d.n, 0, &jerr);
	lat_msg_free(reply);
	if (!*out)
		return out_fail(o->fmt, "the reply on %s is not JSON: %s", subject, jerr.text);
	return CLI_EXIT_OK;
}

/*
 * Sends a request (body taken) and checks its CtlOperationAck: an
 * accepted=false ack is reported with its error text. Returns 0 or the
 * exit status of a reported failure.
 */
static int request_ack(const ctlcli_opts *o, lat_conn *c, const char *subject, json_t *body)
{
	char *text = ctl_json_dump_take(body, NULL), *error = NULL;
	lat_msg *reply = NULL;
	bool accepted = false;
	st_slice d;
	st_err err;
	int rc, status = CLI_EXIT_OK;

	if (!text)
		return out_fail(o->fmt, "cannot build the request (invalid UTF-8?)");
	st_err_clear(&err);
	rc = lat_conn_request(c, subject, NULL, 0, text, strlen(text), o->timeout_ms, &reply, &err);
	if (rc < 0) {
		status = ctlcli_request_fail(o, subject, rc, &err);
		goto out;
	}
	d = lat_msg_data(reply);
	rc = ctl_ack_parse(d.p, d.n, &accepted, &error, &err);
	if (rc < 0)
		status = out_fail(o->fmt, "the reply on %s is not an acknowledgement: %s", subject,
		                  out_err_text(rc, &err));
	else if (!accepted)
		status = out_fail(o->fmt, "the host refused the request: %s",
		                  error && *error ? error : "(no reason given)");
out:
	st_free(error);
	st_free(text);
	lat_msg_free(reply);
	return status;
}

/* The subject of op in o's lattice (owned). */
static char *subject_of(const ctlcli_opts *o, ctl_op op, const char *host_id)
{
	const char *topic = getenv("WASMCLOUD_CTL_TOPIC_PREFIX");

	return ctl_subject_build(op, topic && *topic ? topic : NULL, o->prefix, host_id);
}

/*
 * A reference as the host should see it: a REF naming an existing regular
 * file (and not already a URL) becomes "file://" + its absolute path.
 * Returns an owned string.
 */
static char *normalize_ref(const char *ref)
{
	char abs[PATH_MAX];
	struct stat st;
	size_t n;
	char *out;

	if (strstr(ref, "://") || stat(ref, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !realpath(ref, abs))
		return xstrdup(ref);
	n = strlen(abs) + sizeof("file://");
	out = xmalloc(n);
	snprintf(out, n, "file://%s", abs);
	return out;
}

/* ----------------------------------------------------------------------- */
/* Argument parsing shared by the subcommands */

enum sub_flags {
	SUB_COUNT = 1 << 0,
	SUB_HOST_ID = 1 << 1,
	SUB_CONSTRAINT = 1 << 2,
	SUB_LINK_NAME = 1 << 3,
	SUB_SKIP_WAIT = 1 << 4,
	SUB_AUCTION_TIMEOUT = 1 << 5,
	SUB_CAPID = 1 << 6,
	SUB_CONFIG = 1 << 7,
};

typedef struct sub_args {
	const char *name; /* "get hosts", for messages */
	ctlcli_opts o;
	const char **pos; /* argc-sized, borrowed */
	size_t npos;
	const char **constraints; /* argc-sized, "k=v" */
	size_t nconstraints;
	bool has_count, skip_wait;
	uint32_t count;
	const char *host_id, *link_name;
	const char *config; /* --config-json */
	const char *capid;  /* --capid: contract of a bare executable */
	int64_t auction_timeout_ms;
} sub_args;

static int sub_usage(const sub_args *s, const char *what, const char *arg)
{
	fprintf(stderr, "stratus ctl %s: %s%s%s%s\n", s->name, what, arg ? " '" : "",
	        arg ? arg : "", arg ? "'" : "");
	fprintf(stderr, "See 'stratus ctl --help'.\n");
	return CLI_EXIT_USAGE;
}

/*
 * Parses argv (argv[0] is the subcommand's last word) into s, accepting
 * the options in flags and between min_pos and max_pos operands. Returns
 * -1 to go on, or an exit status.
 */
static int sub_parse(sub_args *s, const char *name, int argc, char **argv, unsigned flags,
                     size_t min_pos, size_t max_pos)
{
	bool opts_done = false;
	int rc;

	s->name = name;
	rc = ctlcli_opts_init(&s->o);
	if (rc != CLI_EXIT_OK)
		return rc;
	s->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	s->constraints = xcalloc((size_t)argc + 1, sizeof(char *));
	s->count = 1;
	s->auction_timeout_ms = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		uint64_t n = 0;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			s->pos[s->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (args_is_help(a)) {
			fputs(usage_ctl, stdout);
			return CLI_EXIT_OK;
		}
		m = ctlcli_opts_arg(&s->o, "ctl", argc, argv, &i);
		if (m < 0)
			return CLI_EXIT_USAGE;
		if (m > 0)
			continue;
		if ((flags & SUB_SKIP_WAIT) && strcmp(a, "--skip-wait") == 0) {
			s->skip_wait = true;
			continue;
		}
		if ((flags & SUB_COUNT) &&
		    (m = args_value(argc, argv, &i, "--count", "-c", &val)) != 0) {
			if (m < 0 || !args_u64(val, CTL_MAX_COUNT, &n))
				return sub_usage(s, "--count needs a number in 0..65535, got",
				                 val ? val : "");
			s->count = (uint32_t)n;
			s->has_count = true;
		} else if ((flags & SUB_HOST_ID) &&
		           (m = args_value(argc, argv, &i, "--host-id", NULL, &val)) != 0) {
			if (m < 0)
				return sub_usage(s, "missing value for", a);
			s->host_id = val;
		} else if ((flags & SUB_CONSTRAINT) &&
		           (m = args_value(argc, argv, &i, "--constraint", "-C", &val)) != 0) {
			if (m < 0 || !strchr(val, '=') || val[0] == '=')
				return sub_usage(s, "--constraint needs KEY=VALUE, got",
				                 val ? val : "");
			s->constraints[s->nconstraints++] = val;
		} else if ((flags & SUB_LINK_NAME) &&
		           (m = args_value(argc, argv, &i, "--link-name", "-l", &val)) != 0) {
			if (m < 0 || !*val)
				return sub_usage(s, "missing value for", a);
			s->link_name = val;
		} else if ((flags & SUB_CAPID) &&
		           (m = args_value(argc, argv, &i, "--capid", NULL, &val)) != 0) {
			if (m < 0 || !*val)
				return sub_usage(s, "missing value for", a);
			s->capid = val;
		} else if ((flags & SUB_CONFIG) &&
		           (m = args_value(argc, argv, &i, "--config-json", NULL, &val)) != 0) {
			if (m < 0)
				return sub_usage(s, "missing value for", a);
			s->config = val;
		} else if ((flags & SUB_AUCTION_TIMEOUT) &&
		           (m = args_value(argc, argv, &i, "--auction-timeout-ms", NULL, &val)) !=
		                   0) {
			if (m < 0 || !args_u64(val, 3600000, &n) || n == 0)
				return sub_usage(s, "bad value for", a);
			s->auction_timeout_ms = (int64_t)n;
		} else {
			return sub_usage(s, "unknown option", a);
		}
	}
	if (s->npos < min_pos)
		return sub_usage(s, "missing arguments", NULL);
	if (s->npos > max_pos)
		return sub_usage(s, "unexpected argument", s->pos[max_pos]);
	if (s->auction_timeout_ms < 0)
		s->auction_timeout_ms = s->o.timeout_ms;
	return -1;
}

static void sub_deinit(sub_args *s)
{
	st_free(s->pos);
	st_free(s->constraints);
}

/* ----------------------------------------------------------------------- */
/* get */

static void uptime_text(const json_t *h, char *out, size_t cap)
{
	const char *human = json_string_value(json_object_get(h, "uptime_human"));
	json_int_t secs = json_integer_value(json_object_get(h, "uptime_seconds"));

	if (human && *human)
		snprintf(out, cap, "%s", human);
	else
		ctl_uptime_human(secs > 0 ? (uint64_t)secs : 0, out, cap);
}

/* Pings the lattice: hosts receives every reply. */
static int ping_hosts(const ctlcli_opts *o, lat_conn *c, json_t *hosts)
{
	char *subject = subject_of(o, CTL_OP_PING_HOSTS, NULL);
	int status = scatter_gather(o, c, subject, "", o->timeout_ms, false, hosts);

	st_free(subject);
	return status;
}

static int get_hosts(sub_args *s, lat_conn *c)
{
	json_t *hosts = json_array(), *h;
	size_t i;
	int status;

	status = ping_hosts(&s->o, c, hosts);
	if (status != CLI_EXIT_OK)
		goto out;
	if (s->o.fmt == OUT_JSON) {
		json_t *r = json_object();

		json_object_set(r, "hosts", hosts);
		status = finish_json(r);
	} else if (json_array_size(hosts) == 0) {
		printf("No hosts found\n");
	} else {
		col_table t;
		const char *head[] = { "Host ID", "Friendly name", "Uptime" };

		col_table_init(&t, 3);
		col_table_add(&t, head);
		json_array_foreach(hosts, i, h)
		{
			char up[64];
			const char *row[3];

			uptime_text(h, up, sizeof(up));
			row[0] = jstr(h, "id");
			row[1] = jstr(h, "friendly_name");
			row[2] = up;
			col_table_add(&t, row);
		}
		col_table_print(&t, stdout);
		col_table_deinit(&t);
	}
out:
	json_decref(hosts);
	return status;
}

static size_t count_instances(const json_t *actor)
{
	return json_array_size(json_object_get(actor, "instances"));
}

static void print_inventory(const json_t *inv)
{
	const json_t *labels = json_object_get(inv, "labels");
	const json_t *actors = json_object_get(inv, "actors");
	const json_t *provs = json_object_get(inv, "providers");
	const char *key;
	json_t *v;
	size_t i;
	col_table t;

	printf("  Host Inventory (%s)\n", jstr(inv, "host_id"));
	if (*jstr(inv, "friendly_name"))
		printf("  Friendly name: %s\n", jstr(inv, "friendly_name"));
	printf("\n");
	col_table_init(&t, 2);
	json_object_foreach((json_t *)labels, key, v)
	{
		const char *row[2] = { key, json_string_value(v) };

		col_table_add(&t, row);
	}
	if (t.nrows)
		col_table_print(&t, stdout);
	else
		printf("  No labels\n");
	col_table_deinit(&t);
	printf("\n");
	if (json_array_size(actors) == 0) {
		printf("  No actors found\n");
	} else {
		const char *head[] = { "Actor ID", "Name", "Image Reference", "Instances" };

		col_table_init(&t, 4);
		col_table_add(&t, head);
		json_array_foreach((json_t *)actors, i, v)
		{
			char cnt[32];
			const char *row[4];

			snprintf(cnt, sizeof(cnt), "%zu", count_instances(v));
			row[0] = jstr(v, "id");
			row[1] = *jstr(v, "name") ? jstr(v, "name") : "N/A";
			row[2] = *jstr(v, "image_ref") ? jstr(v, "image_ref") : "N/A";
			row[3] = cnt;
			col_table_add(&t, row);
		}
		col_table_print(&t, stdout);
		col_table_deinit(&t);
	}
	printf("\n");
	if (json_array_size(provs) == 0) {
		printf("  No providers found\n");
	} else {
		const char *head[] = { "Provider ID", "Name", "Link Name", "Image Reference" };

		col_table_init(&t, 4);
		col_table_add(&t, head);
		json_array_foreach((json_t *)provs, i, v)
		{
			const char *row[4] = { jstr(v, "id"),
				               *jstr(v, "name") ? jstr(v, "name") : "N/A",
				               jstr(v, "link_name"),
				               *jstr(v, "image_ref") ? jstr(v, "image_ref") :
				                                       "N/A" };

			col_table_add(&t, row);
		}
		col_table_print(&t, stdout);
		col_table_deinit(&t);
	}
}

/* Requests one host's inventory and checks its shape as wash does (§0 step 2). */
static int inventory_of(const ctlcli_opts *o, lat_conn *c, const char *host_id, json_t **out)
{
	char *subject = subject_of(o, CTL_OP_GET_INVENTORY, host_id);
	json_t *inv = NULL;
	int status;

	*out = NULL;
	status = request_json(o, c, subject, "", &inv);
	if (status != CLI_EXIT_OK)
		goto out;
	if (json_is_object(inv) && json_object_get(inv, "accepted") &&
	    !json_object_get(inv, "actors")) {
		status = out_fail(o->fmt, "host %s refused the inventory request: %s", host_id,
		                  jstr(inv, "error"));
		goto out;
	}
	if (!json_is_object(json_object_get(inv, "labels")) ||
	    !json_is_array(json_object_get(inv, "actors")) ||
	    !json_is_array(json_object_get(inv, "providers"))) {
		status = out_fail(o->fmt,
		                  "the inventory of host %s lacks labels, actors or "
		                  "providers",
		                  host_id);
		goto out;
	}
	*out = inv;
	inv = NULL;
out:
	json_decref(inv);
	st_free(subject);
	return status;
}

static int get_inventory(sub_args *s, lat_conn *c)
{
	json_t *ids = json_array(), *invs = json_array(), *h;
	size_t i;
	int status = CLI_EXIT_OK;

	if (s->npos == 1) {
		json_array_append_new(ids, json_string(s->pos[0]));
	} else {
		json_t *hosts = json_array();

		status = ping_hosts(&s->o, c, hosts);
		json_array_foreach(hosts, i, h)
			json_array_append_new(ids, json_string(jstr(h, "id")));
		json_decref(hosts);
		if (status != CLI_EXIT_OK)
			goto out;
	}
	json_array_foreach(ids, i, h)
	{
		json_t *inv = NULL;

		status = inventory_of(&s->o, c, json_string_value(h), &inv);
		if (status != CLI_EXIT_OK)
			goto out;
		json_array_append_new(invs, inv);
	}
	if (s->o.fmt == OUT_JSON) {
		json_t *r = json_object();

		json_object_set(r, "inventories", invs);
		status = finish_json(r);
	} else if (json_array_size(invs) == 0) {
		printf("No hosts found\n");
	} else {
		json_array_foreach(invs, i, h)
		{
			if (i)
				printf("\n");
			print_inventory(h);
		}
	}
out:
	json_decref(ids);
	json_decref(invs);
	return status;
}

static int get_claims(sub_args *s, lat_conn *c)
{
	char *subject = subject_of(&s->o, CTL_OP_GET_CLAIMS, NULL);
	json_t *r = NULL, *list, *v;
	size_t i;
	int status;

	status = request_json(&s->o, c, subject, "", &r);
	if (status != CLI_EXIT_OK)
		goto out;
	list = json_object_get(r, "claims");
	if (!json_is_array(list)) {
		status = out_fail(s->o.fmt, "the reply on %s has no claims list", subject);
		goto out;
	}
	if (s->o.fmt == OUT_JSON) {
		json_t *res = json_object();

		json_object_set(res, "claims", list);
		status = finish_json(res);
	} else if (json_array_size(list) == 0) {
		printf("No claims found\n");
	} else {
		col_table t;
		const char *head[] = { "Subject",      "Name",    "Issuer",
			               "Capabilities", "Version", "Revision" };

		col_table_init(&t, 6);
		col_table_add(&t, head);
		json_array_foreach(list, i, v)
		{
			const char *row[6] = {
				jstr(v, "sub"),  jstr(v, "name"),    jstr(v, "iss"),
				jstr(v, "caps"), jstr(v, "version"), jstr(v, "rev")
			};

			col_table_add(&t, row);
		}
		col_table_print(&t, stdout);
		col_table_deinit(&t);
	}
out:
	json_decref(r);
	st_free(subject);
	return status;
}

static int get_links(sub_args *s, lat_conn *c)
{
	char *subject = subject_of(&s->o, CTL_OP_GET_LINKS, NULL);
	json_t *r = NULL, *links, *v;
	size_t i;
	int status;

	status = request_json(&s->o, c, subject, "", &r);
	if (status != CLI_EXIT_OK)
		goto out;
	links = json_object_get(r, "links");
	if (!json_is_array(links)) {
		status = out_fail(s->o.fmt, "the reply on %s has no links list", subject);
		goto out;
	}
	if (s->o.fmt == OUT_JSON) {
		json_t *res = json_object();

		json_object_set(res, "links", links);
		status = finish_json(res);
	} else if (json_array_size(links) == 0) {
		printf("No links found\n");
	} else {
		col_table t;
		const char *head[] = { "Actor ID", "Provider ID", "Contract ID", "Link Name",
			               "Values" };

		col_table_init(&t, 5);
		col_table_add(&t, head);
		json_array_foreach(links, i, v)
		{
			char *vals = json_dumps(json_object_get(v, "values"),
			                        JSON_COMPACT | JSON_PRESERVE_ORDER);
			const char *row[5] = { jstr(v, "actor_id"), jstr(v, "provider_id"),
				               jstr(v, "contract_id"), jstr(v, "link_name"),
				               vals ? vals : "{}" };

			col_table_add(&t, row);
			free(vals);
		}
		col_table_print(&t, stdout);
		col_table_deinit(&t);
	}
out:
	json_decref(r);
	st_free(subject);
	return status;
}

/* ----------------------------------------------------------------------- */
/* start / scale / stop / update actor, stop host */

/* Runs the actor auction; *host_id receives the first bidder (owned). */
static int auction(sub_args *s, lat_conn *c, const char *ref, const char *link_name, char **host_id)
{
	ctl_auction_actor req;
	ctl_auction_provider preq;
	char *subject, *body;
	json_t *bids = json_array();
	int status;

	*host_id = NULL;
	subject =
		subject_of(&s->o, link_name ? CTL_OP_AUCTION_PROVIDER : CTL_OP_AUCTION_ACTOR, NULL);
	memset(&req, 0, sizeof(req));
	ctl_strmap_init(&req.constraints);
	req.actor_ref = (char *)ref;
	for (size_t i = 0; i < s->nconstraints; i++) {
		const char *eq = strchr(s->constraints[i], '=');
		char *k = xstrdup(s->constraints[i]);

		k[eq - s->constraints[i]] = '\0';
		ctl_strmap_set(&req.constraints, k, eq + 1);
		st_free(k);
	}
	if (link_name) {
		preq.provider_ref = (char *)ref;
		preq.link_name = (char *)link_name;
		preq.constraints = req.constraints;
		body = ctl_json_dump_take(ctl_auction_provider_to_json(&preq), NULL);
	} else {
		body = ctl_json_dump_take(ctl_auction_actor_to_json(&req), NULL);
	}
	ctl_strmap_deinit(&req.constraints);
	if (!body) {
		status = out_fail(s->o.fmt, "cannot build the auction request");
		goto out;
	}
	status = scatter_gather(&s->o, c, subject, body, s->auction_timeout_ms, true, bids);
	st_free(body);
	if (status != CLI_EXIT_OK)
		goto out;
	if (json_array_size(bids) == 0 || !*jstr(json_array_get(bids, 0), "host_id")) {
		status = out_fail(s->o.fmt,
		                  "no host answered the auction for %s within %lld ms (no "
		                  "host, or none matches the constraints)",
		                  ref, (long long)s->auction_timeout_ms);
		goto out;
	}
	*host_id = xstrdup(jstr(json_array_get(bids, 0), "host_id"));
out:
	json_decref(bids);
	st_free(subject);
	return status;
}

/*
 * Waits on the event subscription for the outcome of a launch, as wash
 * does (§0 step 3c): actor_started with our ref, or actor_start_failed.
 * *actor_id receives the started actor's key (owned).
 */
static int wait_started(sub_args *s, lat_sub *evsub, const char *host_id, const char *ref,
                        const char *link_name, char **actor_id)
{
	const char *kind = link_name ? "provider" : "actor";
	char ok_type[64], fail_type[64], ref_key[32];
	int64_t wait = s->o.timeout_ms > START_WAIT_MS ? s->o.timeout_ms : START_WAIT_MS;
	int64_t deadline = now_ms() + wait;

	*actor_id = NULL;
	snprintf(ok_type, sizeof(ok_type), EVT_TYPE_PREFIX "%s_started", kind);
	snprintf(fail_type, sizeof(fail_type), EVT_TYPE_PREFIX "%s_start_failed", kind);
	snprintf(ref_key, sizeof(ref_key), "%s_ref", kind);
	for (;;) {
		int64_t left = deadline - now_ms();
		lat_msg *m = NULL;
		json_t *ev, *data;
		const char *type;
		st_slice d;
		st_err err;
		int rc, status = -1;

		if (left <= 0)
			break;
		st_err_clear(&err);
		rc = lat_sub_next(evsub, left, &m, &err);
		if (rc < 0) {
			if (err.kind == LAT_ERR_TIMEOUT)
				break;
			return out_fail(s->o.fmt, "waiting for events: %s", out_err_text(rc, &err));
		}
		d = lat_msg_data(m);
		ev = json_loadb((const char *)d.p, d.n, 0, NULL);
		lat_msg_free(m);
		data = json_object_get(ev, "data");
		type = jstr(ev, "type");
		if (strcmp(jstr(ev, "source"), host_id) == 0 && json_is_object(data) &&
		    (!link_name || strcmp(jstr(data, "link_name"), link_name) == 0)) {
			if (strcmp(type, ok_type) == 0 &&
			    strcmp(jstr(data, "image_ref"), ref) == 0) {
				*actor_id = xstrdup(jstr(data, "public_key"));
				status = CLI_EXIT_OK;
			} else if (strcmp(type, fail_type) == 0 &&
			           strcmp(jstr(data, ref_key), ref) == 0) {
				status = out_fail(s->o.fmt, "%s %s failed to start on host %s: %s",
				                  kind, ref, host_id, jstr(data, "error"));
			}
		}
		json_decref(ev);
		if (status >= 0)
			return status;
	}
	return out_fail(s->o.fmt,
	                "host %s accepted the request but no %s_started event for %s came "
	                "within %lld ms",
	                host_id, kind, ref, (long long)wait);
}

/*
 * Starts ref on a host (s->host_id, else the auction winner): an actor
 * (link NULL, cmd.la) or a provider with link name link (cmd.lp). Unless
 * --skip-wait, subscribes to the events first and waits for *_started or
 * *_start_failed. *host and *id (NULL when not waited for) are owned by the
 * caller. Returns an exit status.
 */
static int launch(sub_args *s, lat_conn *c, const char *ref, const char *link, char **host,
                  char **id)
{
	char *subject = NULL, *evsubj = NULL;
	lat_sub *evsub = NULL;
	json_t *body;
	st_err err;
	int rc, status;

	*host = *id = NULL;
	if (s->host_id) {
		*host = xstrdup(s->host_id);
	} else {
		status = auction(s, c, ref, link, host);
		if (status != CLI_EXIT_OK)
			return status;
	}
	/* Subscribe to events before sending, so no event is missed. */
	evsubj = evt_subject(s->o.prefix);
	st_err_clear(&err);
	rc = 0;
	if (!s->skip_wait) {
		rc = lat_conn_subscribe_sync(c, evsubj, NULL, &evsub, &err);
		if (rc == 0)
			rc = lat_conn_flush(c, s->o.timeout_ms, &err);
	}
	if (rc < 0) {
		status = out_fail(s->o.fmt, "cannot subscribe to %s: %s", evsubj,
		                  out_err_text(rc, &err));
		goto out;
	}
	if (link) {
		ctl_launch_provider req;

		memset(&req, 0, sizeof(req));
		ctl_strmap_init(&req.annotations);
		req.provider_ref = (char *)ref;
		req.link_name = (char *)link;
		req.host_id = *host;
		req.configuration = (char *)(s->config ? s->config : "");
		body = ctl_launch_provider_to_json(&req);
		subject = subject_of(&s->o, CTL_OP_LAUNCH_PROVIDER, *host);
	} else {
		ctl_launch_actor req;

		memset(&req, 0, sizeof(req));
		ctl_strmap_init(&req.annotations);
		req.actor_ref = (char *)ref;
		req.count = s->count;
		req.host_id = *host;
		body = ctl_launch_actor_to_json(&req);
		subject = subject_of(&s->o, CTL_OP_LAUNCH_ACTOR, *host);
	}
	status = request_ack(&s->o, c, subject, body);
	if (status == CLI_EXIT_OK && !s->skip_wait)
		status = wait_started(s, evsub, *host, ref, link, id);
out:
	lat_sub_close(evsub);
	st_free(evsubj);
	st_free(subject);
	return status;
}

static int start_actor(sub_args *s, lat_conn *c)
{
	char *ref = normalize_ref(s->pos[0]), *host = NULL, *actor_id = NULL;
	int status = launch(s, c, ref, NULL, &host, &actor_id);

	if (status != CLI_EXIT_OK)
		goto out;
	if (s->o.fmt == OUT_JSON) {
		json_t *r = json_object();

		if (actor_id)
			json_object_set_new(r, "actor_id", json_string(actor_id));
		json_object_set_new(r, "actor_ref", json_string(ref));
		json_object_set_new(r, "host_id", json_string(host));
		json_object_set_new(r, "count", json_integer(s->count));
		status = finish_json(r);
	} else if (actor_id) {
		printf("Actor [%s] (ref: [%s]) started on host [%s]\n", actor_id, ref, host);
	} else {
		printf("Start actor request for [%s] accepted by host [%s]\n", ref, host);
	}
out:
	st_free(actor_id);
	st_free(host);
	st_free(ref);
	return status;
}

/* Does path name a native executable (ELF) rather than a provider archive? */
static bool is_executable(const char *path)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(path, "rb");
	bool elf;

	if (!f)
		return false;
	elf = fread(magic, 1, 4, f) == 4 && memcmp(magic,
	                                           "\x7f"
	                                           "ELF",
	                                           4) == 0;
	fclose(f);
	return elf;
}

/*
 * Wraps the executable at path into a provider archive for this machine's
 * target, signed like `stratus par create` does (issuer $WASH_ISSUER_KEY or
 * the account key of the keys directory, subject <stem>_service.nk, made
 * when missing), written to ${TMPDIR:-/tmp}/stratus-par/<stem>.par.gz.
 * *out receives that path (owned). Returns an exit status.
 */
static int wrap_executable(sub_args *s, const char *path, char **out)
{
	const char *base = strrchr(path, '/'), *tmpdir = getenv("TMPDIR");
	keystore_req ri = { getenv("WASH_ISSUER_KEY"), path, NULL, NKEY_ACCOUNT, "issuer", false };
	keystore_req rs = {
		getenv("WASH_SUBJECT_KEY"), path, NULL, NKEY_SERVICE, "subject", false
	};
	char dir[PATH_MAX], file[PATH_MAX + 300];
	nkey account, service;
	st_buf bin, arc;
	par p;
	st_err err;
	int rc, status = CLI_EXIT_FAIL;

	*out = NULL;
	base = base ? base + 1 : path;
	if (!s->capid)
		return sub_usage(s, "an executable needs --capid CONTRACT (or start an archive)",
		                 path);
	memset(&account, 0, sizeof(account));
	memset(&service, 0, sizeof(service));
	par_init(&p);
	st_buf_init(&bin, PAR_MAX_TARGET_BYTES);
	st_buf_init(&arc, PAR_MAX_TOTAL_BYTES);
	st_err_clear(&err);
	rc = st_file_read(path, PAR_MAX_TARGET_BYTES, &bin, &err);
	if (rc == 0)
		rc = keystore_resolve(&ri, &account, NULL, &err);
	if (rc == 0)
		rc = keystore_resolve(&rs, &service, NULL, &err);
	if (rc < 0) {
		status = out_fail(s->o.fmt, "%s", out_err_text(rc, &err));
		goto out;
	}
	claims_set_str(&p.claims.name, base);
	claims_set_str(&p.claims.capid, s->capid);
	claims_set_str(&p.claims.vendor, "local");
	rc = par_add_target(&p, par_native_target(), bin.p, bin.n, &err);
	if (rc == 0)
		rc = par_sign(&p, &account, &service, &err);
	if (rc == 0)
		rc = par_write(&p, true, &arc, &err);
	snprintf(dir, sizeof(dir), "%s/stratus-par", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (rc == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = st_err_set(&err, ST_EIO, "cannot create %s: %s", dir, strerror(errno));
	snprintf(file, sizeof(file), "%s/%s.par.gz", dir, base);
	if (rc == 0)
		rc = out_write_file(file, arc.p, arc.n, &err);
	if (rc < 0) {
		status = out_fail(s->o.fmt, "cannot wrap %s into a provider archive: %s", path,
		                  out_err_text(rc, &err));
		goto out;
	}
	*out = xstrdup(file);
	status = CLI_EXIT_OK;
out:
	nkey_wipe(&account);
	nkey_wipe(&service);
	par_deinit(&p);
	st_buf_deinit(&bin);
	st_buf_deinit(&arc);
	return status;
}

static int start_provider(sub_args *s, lat_conn *c)
{
	const char *link = s->link_name ? s->link_name : "default";
	char *ref = NULL, *host = NULL, *provider_id = NULL;
	int status;

	if (is_executable(s->pos[0])) {
		char *wrapped = NULL;

		status = wrap_executable(s, s->pos[0], &wrapped);
		if (status != CLI_EXIT_OK)
			return status;
		ref = normalize_ref(wrapped);
		st_free(wrapped);
	} else {
		ref = normalize_ref(s->pos[0]);
	}
	status = launch(s, c, ref, link, &host, &provider_id);
	if (status != CLI_EXIT_OK)
		goto out;
	if (s->o.fmt == OUT_JSON) {
		json_t *r = json_object();

		if (provider_id)
			json_object_set_new(r, "provider_id", json_string(provider_id));
		json_object_set_new(r, "provider_ref", json_string(ref));
		json_object_set_new(r, "link_name", json_string(link));
		json_object_set_new(r, "host_id", json_string(host));
		status = finish_json(r);
	} else if (provider_id) {
		printf("Provider [%s] (ref: [%s], link name: [%s]) started on host [%s]\n",
		       provider_id, ref, link, host);
	} else {
		printf("Start provider request for [%s] accepted by host [%s]\n", ref, host);
	}
out:
	st_free(provider_id);
	st_free(host);
	st_free(ref);
	return status;
}

/* Prints the result of an acknowledged command. */
static int acked(sub_args *s, json_t *result, const char *text)
{
	if (s->o.fmt == OUT_JSON)
		return finish_json(result);
	json_decref(result);
	printf("%s\n", text);
	return CLI_EXIT_OK;
}

static int scale_actor(sub_args *s, lat_conn *c)
{
	ctl_scale_actor req;
	char *ref = normalize_ref(s->pos[2]), *subject;
	char text[512];
	json_t *r;
	int status;

	if (!s->has_count) {
		st_free(ref);
		return sub_usage(s, "--count is required", NULL);
	}
	memset(&req, 0, sizeof(req));
	ctl_strmap_init(&req.annotations);
	req.host_id = (char *)s->pos[0];
	req.actor_id = (char *)s->pos[1];
	req.actor_ref = ref;
	req.count = s->count;
	subject = subject_of(&s->o, CTL_OP_SCALE_ACTOR, s->pos[0]);
	status = request_ack(&s->o, c, subject, ctl_scale_actor_to_json(&req));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "host_id", json_string(s->pos[0]));
		json_object_set_new(r, "actor_id", json_string(s->pos[1]));
		json_object_set_new(r, "actor_ref", json_string(ref));
		json_object_set_new(r, "count", json_integer(s->count));
		snprintf(text, sizeof(text), "Request to scale actor %s to %u instances received",
		         s->pos[1], (unsigned)s->count);
		status = acked(s, r, text);
	}
	st_free(subject);
	st_free(ref);
	return status;
}

static int stop_actor(sub_args *s, lat_conn *c)
{
	ctl_stop_actor req;
	char *subject, text[512];
	json_t *r;
	int status;

	memset(&req, 0, sizeof(req));
	ctl_strmap_init(&req.annotations);
	req.host_id = (char *)s->pos[0];
	req.actor_ref = (char *)s->pos[1];
	req.count = s->count;
	subject = subject_of(&s->o, CTL_OP_STOP_ACTOR, s->pos[0]);
	status = request_ack(&s->o, c, subject, ctl_stop_actor_to_json(&req));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "host_id", json_string(s->pos[0]));
		json_object_set_new(r, "actor_id", json_string(s->pos[1]));
		json_object_set_new(r, "count", json_integer(s->count));
		if (s->count)
			snprintf(text, sizeof(text),
			         "Stopped %u instance(s) of actor %s on host %s",
			         (unsigned)s->count, s->pos[1], s->pos[0]);
		else
			snprintf(text, sizeof(text),
			         "Stopped every instance of actor %s on host %s", s->pos[1],
			         s->pos[0]);
		status = acked(s, r, text);
	}
	st_free(subject);
	return status;
}

static int update_actor(sub_args *s, lat_conn *c)
{
	ctl_update_actor req;
	char *ref = normalize_ref(s->pos[2]), *subject, text[512];
	json_t *r;
	int status;

	memset(&req, 0, sizeof(req));
	ctl_strmap_init(&req.annotations);
	req.host_id = (char *)s->pos[0];
	req.actor_id = (char *)s->pos[1];
	req.new_actor_ref = ref;
	subject = subject_of(&s->o, CTL_OP_UPDATE_ACTOR, s->pos[0]);
	status = request_ack(&s->o, c, subject, ctl_update_actor_to_json(&req));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "host_id", json_string(s->pos[0]));
		json_object_set_new(r, "actor_id", json_string(s->pos[1]));
		json_object_set_new(r, "new_actor_ref", json_string(ref));
		snprintf(text, sizeof(text), "Actor %s updated to %s", s->pos[1], ref);
		status = acked(s, r, text);
	}
	st_free(subject);
	st_free(ref);
	return status;
}

static int stop_provider(sub_args *s, lat_conn *c)
{
	ctl_stop_provider req;
	char *subject, text[512];
	json_t *r;
	int status;

	memset(&req, 0, sizeof(req));
	ctl_strmap_init(&req.annotations);
	req.host_id = (char *)s->pos[0];
	req.provider_ref = (char *)s->pos[1];
	req.link_name = (char *)s->pos[2];
	req.contract_id = (char *)(s->npos > 3 ? s->pos[3] : "");
	subject = subject_of(&s->o, CTL_OP_STOP_PROVIDER, s->pos[0]);
	status = request_ack(&s->o, c, subject, ctl_stop_provider_to_json(&req));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "host_id", json_string(s->pos[0]));
		json_object_set_new(r, "provider_id", json_string(s->pos[1]));
		json_object_set_new(r, "link_name", json_string(s->pos[2]));
		snprintf(text, sizeof(text), "Provider %s (link name %s) stopping on host %s",
		         s->pos[1], s->pos[2], s->pos[0]);
		status = acked(s, r, text);
	}
	st_free(subject);
	return status;
}

static int stop_host(sub_args *s, lat_conn *c)
{
	ctl_stop_host req;
	char *subject, text[512];
	json_t *r;
	int status;

	memset(&req, 0, sizeof(req));
	req.host_id = (char *)s->pos[0];
	subject = subject_of(&s->o, CTL_OP_STOP_HOST, s->pos[0]);
	status = request_ack(&s->o, c, subject, ctl_stop_host_to_json(&req));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "host_id", json_string(s->pos[0]));
		snprintf(text, sizeof(text), "Host %s acknowledged stop request", s->pos[0]);
		status = acked(s, r, text);
	}
	st_free(subject);
	return status;
}

/* ----------------------------------------------------------------------- */
/* links */

static int link_put(sub_args *s, lat_conn *c)
{
	linkdef l;
	char *subject = NULL, text[512];
	int status;

	linkdef_init(&l);
	linkdef_set(&l, s->pos[0], s->pos[1], s->link_name ? s->link_name : "default", s->pos[2]);
	for (size_t i = 3; i < s->npos; i++) {
		const char *eq = strchr(s->pos[i], '=');
		char *k;

		if (!eq || eq == s->pos[i]) {
			status = sub_usage(s, "link values are KEY=VALUE, got", s->pos[i]);
			goto out;
		}
		k = xstrdup(s->pos[i]);
		k[eq - s->pos[i]] = '\0';
		linkdef_add_value(&l, k, eq + 1);
		st_free(k);
	}
	subject = subject_of(&s->o, CTL_OP_LINKDEF_PUT, NULL);
	status = request_ack(&s->o, c, subject, ctl_linkdef_put_to_json(&l));
	if (status == CLI_EXIT_OK) {
		snprintf(text, sizeof(text), "Published link (%s) <-> (%s) successfully",
		         l.actor_id, l.provider_id);
		status = acked(s, linkdef_to_json(&l), text);
	}
out:
	linkdef_deinit(&l);
	st_free(subject);
	return status;
}

static int link_del(sub_args *s, lat_conn *c)
{
	linkdef l;
	char *subject, text[512];
	json_t *r;
	int status;

	linkdef_init(&l);
	linkdef_set(&l, s->pos[0], "", s->link_name ? s->link_name : "default", s->pos[1]);
	subject = subject_of(&s->o, CTL_OP_LINKDEF_DEL, NULL);
	status = request_ack(&s->o, c, subject, ctl_linkdef_del_to_json(&l));
	if (status == CLI_EXIT_OK) {
		r = json_object();
		json_object_set_new(r, "actor_id", json_string(l.actor_id));
		json_object_set_new(r, "contract_id", json_string(l.contract_id));
		json_object_set_new(r, "link_name", json_string(l.link_name));
		snprintf(text, sizeof(text), "Deleted link for %s on %s (%s) successfully",
		         l.actor_id, l.contract_id, l.link_name);
		status = acked(s, r, text);
	}
	linkdef_deinit(&l);
	st_free(subject);
	return status;
}

/* ----------------------------------------------------------------------- */

typedef struct ctl_sub {
	const char *verb, *noun;
	int (*fn)(sub_args *s, lat_conn *c);
	unsigned flags;
	size_t min_pos, max_pos;
} ctl_sub;

static const ctl_sub subs[] = {
	{ "get", "hosts", get_hosts, 0, 0, 0 },
	{ "get", "inventory", get_inventory, 0, 0, 1 },
	{ "get", "claims", get_claims, 0, 0, 0 },
	{ "get", "links", get_links, 0, 0, 0 },
	{ "start", "actor", start_actor,
	  SUB_COUNT | SUB_HOST_ID | SUB_CONSTRAINT | SUB_SKIP_WAIT | SUB_AUCTION_TIMEOUT, 1, 1 },
	{ "scale", "actor", scale_actor, SUB_COUNT, 3, 3 },
	{ "stop", "actor", stop_actor, SUB_COUNT, 2, 2 },
	{ "update", "actor", update_actor, 0, 3, 3 },
	{ "stop", "host", stop_host, 0, 1, 1 },
	{ "start", "provider", start_provider,
	  SUB_HOST_ID | SUB_CONSTRAINT | SUB_SKIP_WAIT | SUB_AUCTION_TIMEOUT | SUB_LINK_NAME |
	          SUB_CONFIG | SUB_CAPID,
	  1, 1 },
	{ "stop", "provider", stop_provider, 0, 3, 4 },
	{ "link", "put", link_put, SUB_LINK_NAME, 3, SIZE_MAX },
	{ "link", "del", link_del, SUB_LINK_NAME, 2, 2 },
	{ "link", "query", get_links, 0, 0, 0 },
};

int cmd_ctl(int argc, char **argv)
{
	const ctl_sub *sub = NULL;
	char name[64];
	sub_args s;
	lat_conn *c = NULL;
	int status;

	if (argc < 2) {
		fputs(usage_ctl, stderr);
		return CLI_EXIT_USAGE;
	}
	if (args_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		fputs(usage_ctl, stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 3 || args_is_help(argv[2])) {
		fputs(usage_ctl, argc < 3 ? stderr : stdout);
		return argc < 3 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].verb) == 0 && strcmp(argv[2], subs[i].noun) == 0)
			sub = &subs[i];
	if (!sub) {
		fprintf(stderr,
		        "stratus ctl: '%s %s' is not a ctl command. See 'stratus ctl --help'.\n",
		        argv[1], argv[2]);
		return CLI_EXIT_USAGE;
	}
	snprintf(name, sizeof(name), "%s %s", sub->verb, sub->noun);
	memset(&s, 0, sizeof(s));
	status = sub_parse(&s, name, argc - 2, argv + 2, sub->flags, sub->min_pos, sub->max_pos);
	if (status >= 0)
		goto out;
	status = ctlcli_connect(&s.o, &c);
	if (status != CLI_EXIT_OK)
		goto out;
	status = sub->fn(&s, c);
out:
	ctlcli_close(c);
	sub_deinit(&s);
	return status;
}
