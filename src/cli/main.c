/*
 * main.c - entry point of the `stratus` command: global flags and dispatch
 * to a command group (cmd_<group>.c). Unknown commands are usage errors
 * (exit 2); each group handles its own subcommands and --help.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

typedef struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} cli_cmd;

static const cli_cmd cmds[] = {
	{ "wasm", cmd_wasm, "run, validate or invoke a WebAssembly module" },
	{ "keys", cmd_keys, "generate, get and list nkeys (the keys directory)" },
	{ "claims", cmd_claims, "sign actor modules and inspect their claims" },
	{ "par", cmd_par, "create, inspect and extend provider archives" },
	{ "ctl", cmd_ctl, "query and command the lattice (hosts, actors, links)" },
	{ "call", cmd_call, "invoke an operation on a running actor" },
	{ "up", cmd_up, "run a host: join the lattice and run actors" },
	{ "new", cmd_new, "create an actor project from the C template" },
	{ "build", cmd_build, "compile and sign the actor project in a directory" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: stratus [--version] [--help] <command> [<args>]\n\n"
	             "commands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "   %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\nRun 'stratus <command> --help' for a command's usage.\n");
}

int main(int argc, char **argv)
{
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("stratus %s\n", STRATUS_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(name, cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	if (name[0] == '-')
		fprintf(stderr, "stratus: unknown option '%s'\n", name);
	else
		fprintf(stderr, "stratus: '%s' is not a stratus command. See 'stratus --help'.\n",
		        name);
	return CLI_EXIT_USAGE;
}
