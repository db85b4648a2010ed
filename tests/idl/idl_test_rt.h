/*
 * idl_test_rt.h - native doubles of the runtime the generated bindings
 * need (sdk/c/wc_rt.h), for the unit tests of sdk/c/gen (test_idl_*.c):
 *   - wc_alloc: an arena of malloc'd blocks, freed by idl_arena_reset;
 *   - wc_writer_init: mp_writers whose buffers come from that arena;
 *   - wc_host_call: records every call (idl_calls) and answers with the
 *     canned reply set by idl_host_reply.
 * Single-threaded (each unit test runs in its own child process).
 */
#ifndef STRATUS_TESTS_IDL_TEST_RT_H
#define STRATUS_TESTS_IDL_TEST_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wc_rt.h"

/* One recorded wc_host_call: its arguments (copied). */
typedef struct idl_host_call {
	char binding[64];
	char ns[128];
	char op[128];
	uint8_t msg[8192];
	size_t len;
	bool truncated; /* msg held more than sizeof(msg) bytes */
} idl_host_call;

/* The calls recorded so far, oldest first. */
#define IDL_MAX_CALLS 16
extern idl_host_call idl_calls[IDL_MAX_CALLS];
extern int idl_ncalls;

/*
 * Sets the answer of the following wc_host_call calls: ok = 1 returns the
 * n bytes at p (copied) as the response, ok = 0 as the error text.
 */
void idl_host_reply(int ok, const void *p, size_t n);

/* Forgets the recorded calls. */
void idl_host_reset(void);

/* Frees every block wc_alloc returned so far. */
void idl_arena_reset(void);

/* Bytes currently allocated from the arena. */
size_t idl_arena_used(void);

#endif
