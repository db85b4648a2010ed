/*
 * cmd_call.c - `stratus call ACTOR_ID OPERATION`: invokes an actor over the
 * lattice exactly as `wash call` does (lattice.md §0 step 5, §4.3-§4.5):
 * the JSON data becomes msgpack (keys sorted), is wrapped in an Invocation
 * from "__WASH__" signed with the cluster seed, sent as a NATS request on
 * wasmbus.rpc.{prefix}.{actor}, and the InvocationResponse's msg is
 * printed as JSON (or raw). Exit status: 0 success, 1 failure (the
 * response's error text is printed), 2 bad usage.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "codec/json_mp.h"
#include "codec/msgpack.h"
#include "core/mem.h"
#include "lattice/invocation.h"
#include "lattice/nats.h"
#include "out.h"
#include "security/nkey.h"

#include "core/banned.h"

/* wash's fixed fake host id (56 characters). */
#define WASH_HOST_ID "NwashHostCallerId000000000000000000000000000000000000000"
/* wash's origin entity. */
#define WASH_ORIGIN "__WASH__"
/* The largest invocation we build (NATS refuses what exceeds its max_payload). */
#define CALL_MAX_BYTES ((size_t)64 << 20)

_Static_assert(sizeof(WASH_HOST_ID) == NKEY_PUBLIC_LEN + 1, "wash's host id has 56 characters");

static const char usage_call[] =
	"usage: stratus call [options] ACTOR_ID OPERATION [DATA]\n\n"
	"Invokes OPERATION (e.g. HttpServer.HandleRequest) on a running actor, as\n"
	"`wash call` does: DATA (JSON, default {}) is sent as MessagePack in an\n"
	"invocation signed with the cluster seed, and the reply's MessagePack is\n"
	"printed as JSON.\n\n"
	"options:\n"
	"   -d, --data JSON          the payload (same as DATA)\n"
	"   -c, --cluster-seed SEED  cluster seed (SC...) that signs the invocation\n"
	"                            (default $WASMCLOUD_CLUSTER_SEED, else the\n"
	"                            cluster_seed of ~/.wash/host_config.json)\n"
	"   --raw                    print the reply bytes as they are\n"
	"   --bin b|s|2              show binary values as byte arrays (b, default),\n"
	"                            strings (s) or both (2)\n"
	"   --ctl-host HOST          NATS host (default $WASMCLOUD_CTL_HOST, else\n"
	"                            127.0.0.1)\n"
	"   --ctl-port PORT          NATS port (default $WASMCLOUD_CTL_PORT, else 4222)\n"
	"   --lattice-prefix P       lattice prefix (default $WASMCLOUD_LATTICE_PREFIX,\n"
	"                            else default)\n"
	"   --timeout-ms MS          how long to wait for the reply (default 2000)\n"
	"   -o, --output text|json   output format (default text)\n"
	"   -h, --help               show this help\n\n"
	"exit status: 0 on success, 1 when the call fails (the error is printed), 2\n"
	"for bad usage.\n";

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "stratus call: %s%s%s%s\n", what, arg ? " '" : "", arg ? arg : "",
	        arg ? "'" : "");
	fprintf(stderr, "See 'stratus call --help'.\n");
	return CLI_EXIT_USAGE;
}

/*
 * The cluster seed: the flag, else $WASMCLOUD_CLUSTER_SEED, else the
 * cluster_seed of $HOME/.wash/host_config.json (as wash's default context).
 * Returns an owned string, or NULL when none is configured.
 */
static char *find_seed(const char *flag, const char **from)
{
	const char *env = getenv("WASMCLOUD_CLUSTER_SEED"), *home = getenv("HOME");
	char *path, *seed = NULL;
	json_t *cfg;
	size_t n;

	if (flag && *flag) {
		*from = "--cluster-seed";
		return xstrdup(flag);
	}
	if (env && *env) {
		*from = "WASMCLOUD_CLUSTER_SEED";
		return xstrdup(env);
	}
	if (!home || !*home)
		return NULL;
	n = strlen(home) + sizeof("/.wash/host_config.json");
	path = xmalloc(n);
	snprintf(path, n, "%s/.wash/host_config.json", home);
	cfg = json_load_file(path, 0, NULL);
	if (json_string_value(json_object_get(cfg, "cluster_seed")) &&
	    *json_string_value(json_object_get(cfg, "cluster_seed"))) {
		seed = xstrdup(json_string_value(json_object_get(cfg, "cluster_seed")));
		*from = "~/.wash/host_config.json";
	}
	json_decref(cfg);
	st_free(path);
	return seed;
}

typedef struct call_opts {
	ctlcli_opts o;
	const char *actor, *operation, *data, *seed;
	bool raw;
	unsigned bin_flags;
} call_opts;

/* Parses the arguments. Returns -1 to go on, or an exit status. */
static int call_parse(int argc, char **argv, call_opts *c)
{
	bool opts_done = false;
	int rc = ctlcli_opts_init(&c->o);

	if (rc != CLI_EXIT_OK)
		return rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int m;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (!c->actor)
				c->actor = a;
			else if (!c->operation)
				c->operation = a;
			else if (!c->data)
				c->data = a;
			else
				return bad_usage("unexpected argument", a);
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (args_is_help(a)) {
			fputs(usage_call, stdout);
			return CLI_EXIT_OK;
		}
		m = ctlcli_opts_arg(&c->o, "call", argc, argv, &i);
		if (m < 0)
			return CLI_EXIT_USAGE;
		if (m > 0)
			continue;
		if (strcmp(a, "--raw") == 0) {
			c->raw = true;
		} else if ((m = args_value(argc, argv, &i, "--data", "-d", &val)) != 0) {
			if (m < 0)
				return bad_usage("missing value for", a);
			c->data = val;
		} else if ((m = args_value(argc, argv, &i, "--cluster-seed", "-c", &val)) != 0) {
			if (m < 0)
				return bad_usage("missing value for", a);
			c->seed = val;
		} else if ((m = args_value(argc, argv, &i, "--bin", NULL, &val)) != 0) {
			if (m > 0 && strcmp(val, "b") == 0)
				c->bin_flags = 0;
			else if (m > 0 && strcmp(val, "s") == 0)
				c->bin_flags = JSON_MP_BIN_STR;
			else if (m > 0 && strcmp(val, "2") == 0)
				c->bin_flags = JSON_MP_BIN_BOTH;
			else
				return bad_usage("--bin takes b, s or 2, got", val ? val : "");
		} else {
			return bad_usage("unknown option", a);
		}
	}
	if (!c->actor || !c->operation) {
		fputs(usage_call, stderr);
		return CLI_EXIT_USAGE;
	}
	if (!c->data)
		c->data = "{}";
	return -1;
}

/* Prints a successful reply's msg (borrowed). Returns the exit status. */
static int print_reply(const call_opts *c, st_slice msg)
{
	json_t *v = NULL;
	st_err err;
	int rc;

	if (c->raw) {
		if ((msg.n && fwrite(msg.p, 1, msg.n, stdout) != msg.n) || fflush(stdout) != 0)
			return CLI_EXIT_FAIL;
		return CLI_EXIT_OK;
	}
	st_err_clear(&err);
	if (msg.n == 0) {
		v = json_null();
	} else {
		rc = json_mp_to_json(msg.p, msg.n, c->bin_flags, &v, &err);
		if (rc < 0)
			return out_fail(c->o.fmt, "the reply is not MessagePack (%s); use --raw",
			                out_err_text(rc, &err));
	}
	if (c->o.fmt == OUT_JSON) {
		json_t *r = json_object();

		json_object_set_new(r, "response", v);
		rc = out_json_success(r);
		json_decref(r);
		return rc;
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

		json_decref(v);
		if (!s)
			return out_fail(c->o.fmt, "cannot render the reply as JSON");
		rc = printf("%s\n", s) < 0 || fflush(stdout) != 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
		free(s);
		return rc;
	}
}

int cmd_call(int argc, char **argv)
{
	call_opts c;
	char id[INV_ID_LEN + 1], *seed = NULL, *subject = NULL;
	const char *seed_from = NULL;
	inv_invocation inv;
	inv_response resp;
	lat_conn *conn = NULL;
	lat_msg *reply = NULL;
	mp_writer payload, env;
	nkey cluster;
	st_slice d;
	st_err err;
	int rc, status;

	memset(&c, 0, sizeof(c));
	memset(&cluster, 0, sizeof(cluster));
	inv_invocation_init(&inv);
	inv_response_init(&resp);
	mp_writer_init_default(&payload, CALL_MAX_BYTES);
	mp_writer_init_default(&env, CALL_MAX_BYTES);
	st_err_clear(&err);
	status = call_parse(argc, argv, &c);
	if (status >= 0)
		goto out;
	rc = json_mp_from_text(c.data, strlen(c.data), &payload, &err);
	if (rc < 0) {
		status =
			out_fail(c.o.fmt, "the data is not valid JSON: %s", out_err_text(rc, &err));
		goto out;
	}
	seed = find_seed(c.seed, &seed_from);
	if (!seed) {
		status = out_fail(
			c.o.fmt,
			"no cluster seed: pass --cluster-seed, set WASMCLOUD_CLUSTER_SEED, "
			"or run a host that writes ~/.wash/host_config.json");
		goto out;
	}
	rc = nkey_from_seed_text(&cluster, seed, strlen(seed), &err);
	if (rc == 0)
		rc = nkey_check_type(&cluster, NKEY_CLUSTER, "cluster seed", &err);
	if (rc < 0) {
		status = out_fail(c.o.fmt, "the cluster seed from %s is not valid: %s", seed_from,
		                  out_err_text(rc, &err));
		goto out;
	}

	inv_id_generate(id);
	inv.origin.public_key = WASH_ORIGIN;
	inv.origin.link_name = "";
	inv.origin.contract_id = "";
	inv.target.public_key = c.actor;
	inv.target.link_name = "";
	inv.target.contract_id = "";
	inv.operation = c.operation;
	inv.msg = st_slice_make(payload.p, payload.n);
	inv.id = id;
	inv.host_id = WASH_HOST_ID;
	inv.has_content_length = true;
	inv.content_length = payload.n;
	rc = inv_invocation_sign(&inv, &cluster, &err);
	if (rc == 0)
		rc = inv_invocation_encode(&inv, &env, &err);
	if (rc < 0) {
		status = out_fail(c.o.fmt, "cannot build the invocation: %s",
		                  out_err_text(rc, &err));
		goto out;
	}

	status = ctlcli_connect(&c.o, &conn);
	if (status != CLI_EXIT_OK)
		goto out;
	subject = inv_entity_subject(&inv.target, c.o.prefix);
	rc = lat_conn_request(conn, subject, NULL, 0, env.p, env.n, c.o.timeout_ms, &reply, &err);
	if (rc < 0) {
		if (err.kind == LAT_ERR_NO_RESPONDERS || err.kind == LAT_ERR_TIMEOUT)
			status = out_fail(c.o.fmt,
			                  "no reply from actor %s within %lld ms (is it running in "
			                  "lattice '%s'?)",
			                  c.actor, (long long)c.o.timeout_ms, c.o.prefix);
		else
			status = ctlcli_request_fail(&c.o, subject, rc, &err);
		goto out;
	}
	d = lat_msg_data(reply);
	rc = inv_response_decode(&resp, d.p, d.n, &err);
	if (rc < 0) {
		status = out_fail(c.o.fmt, "the reply is not an InvocationResponse: %s",
		                  out_err_text(rc, &err));
		goto out;
	}
	if (resp.error) {
		status = out_fail(c.o.fmt, "%s", *resp.error ? resp.error : "the call failed");
		goto out;
	}
	status = print_reply(&c, resp.msg);
out:
	lat_msg_free(reply);
	ctlcli_close(conn);
	st_free(subject);
	inv_response_deinit(&resp);
	inv_invocation_deinit(&inv);
	nkey_wipe(&cluster);
	if (seed) {
		memset(seed, 0, strlen(seed));
		st_free(seed);
	}
	mp_writer_deinit(&payload);
	mp_writer_deinit(&env);
	return status;
}
