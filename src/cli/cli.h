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
