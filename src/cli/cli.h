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

#define STRATUS_VERSION "0.1.0-dev"

/* Exit statuses shared by every command. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
};

/* `stratus wasm ...`: run, validate and invoke WebAssembly modules. */
int cmd_wasm(int argc, char **argv);

#endif
