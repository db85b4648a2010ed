/*
 * idl_samples.h - the table written by `stratus-idlgen --samples` (built
 * into the build tree, not checked in): for every structure, union, list
 * and map of interfaces/, a sample filler, a deep equality and the type's
 * codecs behind void pointers. tests/unit/test_idl_roundtrip.c walks it.
 */
#ifndef STRATUS_TESTS_IDL_SAMPLES_H
#define STRATUS_TESTS_IDL_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>

#include "wc_gen.h"

/* Seeds understood by fill: 0 minimal (optional absent, lists empty), 1 small, 2 large. */
#define IDL_SAMPLE_SEEDS 3

typedef struct idl_sample_type {
	const char *id; /* Smithy shape id, e.g. "stratus.interface.keyvalue#SetRequest" */
	size_t size;    /* sizeof the C type */
	/* Fills v (size bytes) with the sample of seed; lists/strings from wc_alloc. */
	void (*fill)(void *v, unsigned seed);
	/* Deep equality of two values. */
	bool (*equal)(const void *a, const void *b);
	int (*mp_encode)(mp_writer *w, const void *v);
	int (*mp_decode)(mp_reader *r, void *out);
	/* NULL unless the type is used by a CBOR (protocol "2") service. */
	int (*cbor_encode)(mp_writer *w, const void *v);
	int (*cbor_decode)(wcg_cbor_reader *r, void *out);
} idl_sample_type;

extern const idl_sample_type idl_sample_types[];
extern const size_t idl_sample_ntypes;

#endif
