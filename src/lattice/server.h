/*
 * server.h - the embedded NATS server: Debian's nats-server as a child process.
 *
 * When no NATS answers at the configured address, `stratus up` starts
 * nats-server with JetStream on exactly that address and stops it on exit
 * (issue 4). The child never outlives the thread that started it: it gets
 * PR_SET_PDEATHSIG(SIGTERM), so call lat_server_start from a long-lived
 * thread (the main or loop thread), never from a short-lived worker.
 * lat_server_probe and lat_server_pick_port may be called from any thread.
 */
#ifndef STRATUS_LATTICE_SERVER_H
#define STRATUS_LATTICE_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

typedef struct lat_server lat_server;

/* How to start the server. Strings are borrowed for the call only. */
typedef struct lat_server_opts {
	const char *host;      /* listen address; default "127.0.0.1" */
	uint16_t port;         /* client port; default 4222 */
	uint16_t monitor_port; /* HTTP monitor port; 0 (default) = off */
	bool jetstream;        /* -js; default true */
	const char *state_dir; /* store (state_dir/jetstream/...) and log file go here; created
	                             when missing and kept at stop. NULL (default): a fresh
	                             temporary directory under $TMPDIR (or /tmp), removed at stop */
	const char *binary;    /* the nats-server executable; NULL (default): /usr/sbin/nats-server,
	                             else the first nats-server on $PATH */
	int64_t start_timeout_ms; /* how long to wait for the server to accept clients; default
	                             10000 */
} lat_server_opts;

/* Fills o with the defaults above. */
void lat_server_opts_init(lat_server_opts *o);

/*
 * True when a NATS server answers at host:port: a TCP connection succeeds
 * and the first line the peer sends starts with "INFO " (the NATS greeting),
 * both within timeout_ms. host is a numeric IPv4 or IPv6 address. Any thread.
 */
bool lat_server_probe(const char *host, uint16_t port, int64_t timeout_ms);

/*
 * Picks a TCP port on host that is free right now, for tests and for
 * callers that want a private server: a random port of 20000-31999 (below
 * the kernel's ephemeral range, so outgoing connections do not take it
 * meanwhile), else the kernel's choice for port 0. The port may still be
 * taken before it is used; lat_server_start then fails. Errors: ST_EIO.
 * Any thread.
 */
int lat_server_pick_port(const char *host, uint16_t *out, st_err *err) ST_WARN_UNUSED;

/*
 * Starts nats-server as a child: `-a HOST -p PORT [-js -sd STORE] [-m MPORT]`
 * with stdout and stderr appended to STATE_DIR/nats-server.log, in its own
 * process group (a terminal's Ctrl-C reaches the parent only, which then
 * stops the server in order), with PR_SET_PDEATHSIG so it dies with the
 * parent. Returns once the server accepts clients (lat_server_probe, polled
 * until start_timeout_ms). Errors: ST_ESTATE when something already answers
 * at the address, ST_ENOTFOUND when no nats-server binary exists, ST_EIO
 * when the child exits or does not become ready in time (the message quotes
 * the end of its log; the child is killed). *out is owned by the caller
 * and released with lat_server_stop.
 */
int lat_server_start(const lat_server_opts *opts, lat_server **out, st_err *err) ST_WARN_UNUSED;

/*
 * Stops the server and frees s: SIGTERM, wait up to timeout_ms (<= 0:
 * 10000) for it to exit, then SIGKILL. Removes the state directory if
 * lat_server_start created it. Returns 0 when the server exited after
 * SIGTERM, 1 when it had to be killed. NULL is a no-op (returns 0). Call
 * from the thread that started it.
 */
int lat_server_stop(lat_server *s, int64_t timeout_ms);

/* The child's process id. */
pid_t lat_server_pid(const lat_server *s);

/* The client port the server listens on. */
uint16_t lat_server_port(const lat_server *s);

/* The state directory (store and log live in it); owned by s. */
const char *lat_server_state_dir(const lat_server *s);

/* The path of the server's log file; owned by s. */
const char *lat_server_log_path(const lat_server *s);

#endif
