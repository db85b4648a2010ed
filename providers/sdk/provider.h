/*
 * provider.h - the C provider SDK (prov_): reads the host data a host
 * writes on stdin (providers.md §2.3-§2.4), connects to the lattice RPC
 * NATS and answers the provider subjects (§3): inbound invocations (§5),
 * link put/delete (§4), health checks (§7) and shutdown (§8). Handlers run on the libuv loop
 * the provider was started with (STYLE.md §5).
 */
#ifndef STRATUS_PROVIDERS_SDK_PROVIDER_H
#define STRATUS_PROVIDERS_SDK_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "core/buf.h"
#include "core/err.h"
#include "lattice/linkdef.h"
#include "lattice/nats.h"

/* Longest host-data line read from stdin. */
#define PROV_HOST_DATA_MAX (1024 * 1024)

/* Largest response an invoke callback may produce (chunking is not supported yet). */
#define PROV_RESPONSE_MAX (1024 * 1024)

/* The reply to a shutdown request (§8). */
#define PROV_SHUTDOWN_REPLY "shutting down"

/*
 * The host data (§2.4). Every string is owned and NUL-terminated; an
 * absent string field is "" except those documented as NULL.
 */
typedef struct prov_host_data {
	char *host_id;               /* N... */
	char *lattice_rpc_prefix;    /* lattice prefix */
	char *link_name;             /* this instance's link name */
	char *lattice_rpc_user_jwt;  /* "" when none */
	char *lattice_rpc_user_seed; /* "" when none */
	char *lattice_rpc_url;       /* "host:port" (or a URL with scheme), "" when absent */
	int lattice_rpc_tls;         /* 0 or 1; informational */
	char *provider_key;          /* V... */
	char *invocation_seed;       /* the cluster seed SC... (secret) */
	char *instance_id;           /* UUID of this instance */
	linkdef *links;              /* nlinks link_definitions */
	size_t nlinks;
	char **cluster_issuers; /* ncluster_issuers keys C..., NULL-terminated */
	size_t ncluster_issuers;
	char *config_json;              /* NULL when absent or null */
	int64_t default_rpc_timeout_ms; /* 0 when absent or null */
	char *js_domain;                /* NULL when absent or null */
	bool structured_logging;
	char *log_level; /* NULL when absent or null */
} prov_host_data;

/* Initialises hd empty (safe to prov_host_data_deinit). */
void prov_host_data_init(prov_host_data *hd);

/* Frees everything hd owns; hd is left as after init. NULL is a no-op. */
void prov_host_data_deinit(prov_host_data *hd);

/*
 * Parses the host-data JSON object (len bytes, borrowed) into hd, which
 * must be initialised (previous contents are freed). env_values,
 * link_definitions and cluster_issuers are required; other fields default
 * as documented on prov_host_data. Errors: ST_EMALFORMED naming the field
 * or the JSON position. On failure hd is left empty.
 */
int prov_host_data_parse_json(prov_host_data *hd, const char *json, size_t len,
                              st_err *err) ST_WARN_UNUSED;

/*
 * Parses the stdin form: one line of standard base64 (padded) of the JSON;
 * surrounding whitespace is trimmed. Errors: ST_EMALFORMED (bad base64 or
 * JSON), ST_ENOMEM. On failure hd is left empty.
 */
int prov_host_data_parse_line(prov_host_data *hd, const char *line, size_t len,
                              st_err *err) ST_WARN_UNUSED;

/*
 * Reads one line from in (at most PROV_HOST_DATA_MAX bytes) and parses it
 * as prov_host_data_parse_line. Errors: ST_EIO (nothing to read),
 * ST_ETOOBIG, and those of prov_host_data_parse_line.
 */
int prov_host_data_read(prov_host_data *hd, FILE *in, st_err *err) ST_WARN_UNUSED;

/*
 * The NATS URL to connect to: "nats://" + lattice_rpc_url when it has no
 * scheme, nats://127.0.0.1:4222 when empty. Owned by the caller (st_free).
 */
char *prov_host_data_nats_url(const prov_host_data *hd);

typedef struct prov_provider prov_provider;

/* An inbound invocation answered later (prov_callbacks.invoke_async). */
typedef struct prov_deferred prov_deferred;

/* The provider's implementation. Every callback is optional; all run on the loop thread. */
typedef struct prov_callbacks {
	/*
	 * A new link for ld->actor_id (borrowed for the call). Return true to
	 * keep it; false drops it (a later put for the actor is tried again).
	 */
	bool (*put_link)(prov_provider *p, const linkdef *ld, void *ud);
	/* The link of actor_id (borrowed) was deleted. */
	void (*delete_link)(prov_provider *p, const char *actor_id, void *ud);
	/*
	 * A health check: set *healthy (preset true) and optionally *message
	 * (a static or p-lifetime string, preset NULL).
	 */
	void (*health)(prov_provider *p, bool *healthy, const char **message, void *ud);
	/*
	 * The host asked this instance to stop. The reply has been sent and
	 * the subscriptions closed; free p (outside this call, e.g. after
	 * uv_stop) and exit.
	 */
	void (*shutdown)(prov_provider *p, void *ud);
	/*
	 * An invocation of operation from the linked actor actor_id that passed
	 * the checks of §5 (msg borrowed for the call). Return 0 with the
	 * response bytes appended to out (at most PROV_RESPONSE_MAX), or a
	 * negative ST_E* code with the failure text in err->msg, which is sent
	 * as InvocationResponse.error. Without it every invocation fails with
	 * "no handler for operation <operation>".
	 */
	int (*invoke)(prov_provider *p, const char *actor_id, const char *operation, st_slice msg,
	              st_buf *out, st_err *err, void *ud);
	/*
	 * The asynchronous form of invoke, used instead of it when set: the
	 * answer is given later, from any thread, with prov_deferred_finish
	 * (exactly once). msg is borrowed for the call only.
	 */
	void (*invoke_async)(prov_provider *p, const char *actor_id, const char *operation,
	                     st_slice msg, prov_deferred *d, void *ud);
	void *ud;
} prov_callbacks;

/*
 * Connects to the lattice RPC NATS named by hd, subscribes to the
 * invocation (queue group "rpc"), link, health and shutdown subjects of §3, waits (up to 2 s) until the server
 * has them, and runs put_link for each link in hd. hd and cb are
 * borrowed and must outlive p. Loop thread. Errors: ST_EIO (NATS),
 * ST_ENOSYS (user JWT/seed auth is not supported yet), ST_EINVAL.
 */
int prov_provider_start(const prov_host_data *hd, uv_loop_t *loop, const prov_callbacks *cb,
                        prov_provider **out, st_err *err) ST_WARN_UNUSED;

/*
 * Closes the subscriptions and the connection and frees p. Loop thread,
 * not from inside a callback; keep running the loop afterwards (see
 * lat_conn_free). NULL is a no-op.
 */
void prov_provider_free(prov_provider *p);

/* The link stored for actor_id (borrowed from p), or NULL. */
const linkdef *prov_provider_link(const prov_provider *p, const char *actor_id);

/* Number of links stored. */
size_t prov_provider_nlinks(const prov_provider *p);

/* True once a shutdown request for this instance was handled. */
bool prov_provider_stopped(const prov_provider *p);

/* The connection (borrowed), e.g. to invoke actors. */
lat_conn *prov_provider_conn(prov_provider *p);

/*
 * Answers a deferred invocation and frees d. Any thread; the reply is sent
 * from the loop thread. rc 0: resp (len bytes, copied; at most
 * PROV_RESPONSE_MAX) is the response; rc < 0: error (copied; NULL gives
 * "operation failed") is sent as InvocationResponse.error. When the
 * provider was freed meanwhile the answer is dropped.
 */
void prov_deferred_finish(prov_deferred *d, int rc, const void *resp, size_t len,
                          const char *error);

/* ---- Calling actors (§6) ---- */

/* How a call to an actor ended. */
typedef enum prov_call_status {
	PROV_CALL_OK = 0,   /* the actor answered: msg/len is its response */
	PROV_CALL_ERROR,    /* the actor or its host answered with an error: error says */
	PROV_CALL_TIMEOUT,  /* no answer within the timeout */
	PROV_CALL_NO_ACTOR, /* nobody serves the actor (NATS "no responders") */
	PROV_CALL_FAILED,   /* the request could not be sent or the reply not read */
} prov_call_status;

/* The outcome handed to a prov_call_cb; every pointer is borrowed for the callback. */
typedef struct prov_call_result {
	prov_call_status status;
	const uint8_t *msg; /* PROV_CALL_OK: the response */
	size_t len;
	const char *error; /* otherwise: a text for logs */
} prov_call_result;

typedef struct prov_call prov_call;

/* Runs once per call on the loop thread, unless the call was cancelled. */
typedef void (*prov_call_cb)(prov_provider *p, const prov_call_result *r, void *ud);

/*
 * Invokes operation on the linked actor actor_id (§6): origin = this
 * provider with the link's contract and link name, target = the actor,
 * signed with the cluster seed of the host data, published on
 * wasmbus.rpc.{prefix}.{actor_id} with a reply subject of the provider's
 * shared inbox, so any number of calls can be in flight. msg (len bytes) is
 * copied. timeout_ms <= 0 uses default_rpc_timeout_ms (2000 when absent).
 * On success *out (may be NULL) names the call until its callback runs, for
 * prov_call_cancel. Loop thread. Errors (cb is then not called):
 * ST_ENOTFOUND (no link for actor_id), ST_ESTATE (stopped), ST_EINVALID
 * (bad invocation seed), ST_EIO.
 */
int prov_call_actor(prov_provider *p, const char *actor_id, const char *operation, const void *msg,
                    size_t len, int64_t timeout_ms, prov_call_cb cb, void *ud, prov_call **out,
                    st_err *err) ST_WARN_UNUSED;

/* Forgets a call whose callback has not run yet: it never runs. Loop thread. */
void prov_call_cancel(prov_provider *p, prov_call *c);

/* Calls in flight. */
size_t prov_calls_pending(const prov_provider *p);

/*
 * Runs a provider the usual way: reads the host data from stdin, sets up
 * logging from it (log_level, structured_logging), starts the provider on
 * loop, runs the loop until a shutdown request, SIGTERM or SIGINT, then
 * frees it. before_run (optional) runs once the provider started, e.g. to
 * open listeners for the links; after_stop (optional) runs when it is
 * stopping, before the provider is freed, to close them. Returns the
 * process exit status (0, or 1 with the reason logged).
 */
int prov_main(const char *name, uv_loop_t *loop, const prov_callbacks *cb,
              void (*before_run)(prov_provider *p, void *ud),
              void (*after_stop)(prov_provider *p, void *ud));

/* The host data the provider runs with (borrowed). */
const prov_host_data *prov_provider_host_data(const prov_provider *p);

/* The subject prefix P = wasmbus.rpc.{prefix}.{provider_key}.{link_name} (borrowed). */
const char *prov_provider_subject(const prov_provider *p);

#endif
