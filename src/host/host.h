/*
 * host.h - the host process behind `stratus up` (lattice.md §0): joins a
 * lattice over NATS (starting an embedded nats-server when none answers),
 * runs actors as instance pools, routes invocations and host calls, and
 * answers the control interface. See docs/internals/host.md.
 *
 * host_run owns the calling thread: it becomes the host's libuv loop thread
 * until the host stops (SIGINT, SIGTERM or a cmd.{id}.stop request).
 */
#ifndef STRATUS_HOST_HOST_H
#define STRATUS_HOST_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Default interval of host_heartbeat events (lattice.md §6.2). */
#define HOST_DEFAULT_HEARTBEAT_MS 30000u

/* Called on the loop thread once the host answers the control interface. */
typedef void (*host_ready_cb)(const char *host_id, void *ud);

/* How the host runs; host_opts_init sets the defaults. Everything borrowed. */
typedef struct host_opts {
	const char *const *envp;    /* "NAME=VALUE" environment (lat_config_load); NULL: empty */
	const char *version;        /* reported in ping replies and events; default "0.1.0" */
	uint32_t heartbeat_ms;      /* heartbeat interval; default HOST_DEFAULT_HEARTBEAT_MS */
	unsigned nworkers;          /* worker threads; 0 (default): one per core */
	bool embedded_nats;         /* start nats-server when none answers; default true */
	const char *nats_state_dir; /* its state directory; NULL (default): under
	                                $XDG_STATE_HOME or ~/.local/state/stratus, else a
	                                temporary directory */
	const char *const *allowed_issuers; /* NULL-terminated actor issuer allow-list; NULL: any */
	uint32_t invocation_timeout_ms;     /* per-invocation deadline of local actors; 0
	                                       (default): WASMCLOUD_RPC_TIMEOUT_MS when that
	                                       is set (lattice.md §4.9), else the pool's 10 s */
	host_ready_cb on_ready;             /* optional */
	void *ud;
} host_opts;

/* Fills o with the defaults above. */
void host_opts_init(host_opts *o);

/*
 * Runs a host until it is told to stop; blocks the calling thread, which
 * must not run another libuv loop. Installs SIGINT/SIGTERM handlers for its
 * duration (SIGPIPE is ignored). Returns 0 after a clean stop. Errors
 * (start-up only): those of lat_config_load, ST_EIO when no NATS answers
 * and none could be started, or the connection, worker or subscription
 * failures.
 */
int host_run(const host_opts *o, st_err *err) ST_WARN_UNUSED;

#endif
