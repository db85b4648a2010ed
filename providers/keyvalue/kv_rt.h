/*
 * kv_rt.h - the native runtime of sdk/c/wc_rt.h for the keyvalue provider
 * (kv_rt_): the generated bindings (sdk/c/gen) were written for actors,
 * whose memory is one arena per invocation. Here every thread has its own
 * arena, so worker threads decode and encode at the same time without
 * sharing anything; kv_rt_reset ends the thread's invocation. wc_host_call
 * always fails: a provider never calls a host.
 *
 * The functions of wc_rt.h (wc_alloc, wc_writer_init, wc_host_call) are
 * defined by kv_rt.c; they act on the calling thread's arena.
 */
#ifndef STRATUS_PROVIDERS_KEYVALUE_KV_RT_H
#define STRATUS_PROVIDERS_KEYVALUE_KV_RT_H

#include <stddef.h>

/*
 * Frees everything wc_alloc (and writers made by wc_writer_init) gave the
 * calling thread since its last reset. Every pointer into the arena dies.
 * Any thread; affects only its own arena.
 */
void kv_rt_reset(void);

/* Bytes the calling thread's arena holds (requested sizes), for tests. */
size_t kv_rt_used(void);

#endif
