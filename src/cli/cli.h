/*
 * cli.h - the command groups of the `stratus` executable, private to src/cli.
 *
 * Like git's builtin/, each group lives in its own cmd_<group>.c and is
 * entered with argv[0] being the group's name. A group returns the process
 * exit status: 0 success, 1 failure, 2 bad usage (other values are passed
 * through from a guest, see cmd_wasm.c). Only the CLI prints.
 */
#ifndef STRATUS_CLI_CLI_H
#define STRATUS_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out.h"

#define STRATUS_VERSION "0.1.0-dev"

/* Exit statuses shared by every command. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
};

/* `stratus wasm ...`: run, validate and invoke WebAssembly modules. */
int cmd_wasm(int argc, char **argv);

/* `stratus keys ...`: generate nkeys, read and list the keys directory. */
int cmd_keys(int argc, char **argv);

/* `stratus claims ...`: sign actor modules, inspect signed modules and archives. */
int cmd_claims(int argc, char **argv);

/* `stratus par ...`: create, inspect and extend provider archives. */
int cmd_par(int argc, char **argv);

/* `stratus ctl ...`: control-interface client (get, start, scale, stop, update, link). */
int cmd_ctl(int argc, char **argv);

/* `stratus call ...`: invoke an actor over the lattice like `wash call`. */
int cmd_call(int argc, char **argv);

/* `stratus up`: run a host (src/host/host.h) in the foreground or detached. */
int cmd_up(int argc, char **argv);

/* `stratus new actor NAME`: create an actor project from the C template (sdk/c/template). */
int cmd_new(int argc, char **argv);

/* `stratus build [DIR]`: compile an actor project with the C actor SDK and sign it. */
int cmd_build(int argc, char **argv);

/* ---- Shared by cmd_ctl.c and cmd_call.c (defined in cmd_ctl.c) ---- */

typedef struct lat_conn lat_conn;

/* Where the control-interface clients reach the lattice. Strings borrowed. */
typedef struct ctlcli_opts {
	const char *host;   /* --ctl-host, else $WASMCLOUD_CTL_HOST, else 127.0.0.1 */
	uint16_t port;      /* --ctl-port, else $WASMCLOUD_CTL_PORT, else 4222 */
	const char *prefix; /* --lattice-prefix, else $WASMCLOUD_LATTICE_PREFIX, else default */
	int64_t timeout_ms; /* --timeout-ms (alias --timeout), default 2000 */
	out_format fmt;     /* -o text|json */
} ctlcli_opts;

/* Fills o with the defaults and the environment. Returns the exit status (2: bad env). */
int ctlcli_opts_init(ctlcli_opts *o);

/*
 * Matches argv[*pi] against the connection options (advancing *pi past a
 * value). Returns 1 when matched, 0 when it is another argument, -1 on a
 * bad or missing value (reported on stderr for command cmd).
 */
int ctlcli_opts_arg(ctlcli_opts *o, const char *cmd, int argc, char **argv, int *pi);

/*
 * Connects to NATS as o says; *out is released with ctlcli_close. Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAIL after printing "cannot connect to NATS at
 * HOST:PORT (...)".
 */
int ctlcli_connect(const ctlcli_opts *o, lat_conn **out);

/* Closes a connection from ctlcli_connect and cnats' threads. NULL is a no-op. */
void ctlcli_close(lat_conn *c);

/*
 * Reports a failed request on subject (rc and err from lat_conn_request:
 * timeout, no responders, other) in o's format. Returns CLI_EXIT_FAIL.
 */
int ctlcli_request_fail(const ctlcli_opts *o, const char *subject, int rc, const st_err *err);

/*
 * Shared by `claims inspect` and `par inspect` (in cmd_par.c): reads the
 * provider archive in len bytes of bytes (borrowed; file names it in
 * messages), checks its target hashes and signature, and prints its claims
 * in fmt, or only the raw claims token with jwt_only. Returns the exit
 * status: 1 when the archive is invalid.
 */
int par_inspect_bytes(const char *file, const uint8_t *bytes, size_t len, out_format fmt,
                      bool jwt_only);

#endif
