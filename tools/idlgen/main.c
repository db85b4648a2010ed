/*
 * main.c - stratus-idlgen, the interface code generator: reads the Smithy
 * IDL files of interfaces/ (the subset of interfaces/README.md) and writes
 * C bindings for actors (sdk/c/gen/). See tools/idlgen/README.md.
 *
 *   stratus-idlgen -o OUTDIR FILE.smithy...      the bindings
 *   stratus-idlgen --samples OUT.c FILE.smithy... test samples (unit tests)
 *
 * Exit status: 0 on success, 1 on an error in the input (reported as
 * file:line:column: error: message), 2 on a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "idl.h"
#include "core/banned.h"

/* Global so that everything stays reachable until exit (leak checkers). */
static idl_model model;

static int usage(void)
{
	fprintf(stderr, "usage: stratus-idlgen -o OUTDIR FILE.smithy...\n"
	                "       stratus-idlgen --samples OUT.c FILE.smithy...\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *outdir = NULL, *samples = NULL;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			outdir = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
			samples = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			return usage();
		}
	}
	if ((!outdir && !samples) || i >= argc)
		return usage();
	for (; i < argc; i++)
		idl_push((void ***)&model.files, &model.nfiles, idl_parse_file(argv[i]));
	idl_resolve(&model);
	if (outdir)
		emit_all(&model, outdir);
	if (samples)
		emit_samples(&model, samples);
	return 0;
}
