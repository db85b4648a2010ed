/*
 * wasi.h - WASI preview1 ("wasi_snapshot_preview1", and the older
 * "wasi_unstable") for command modules, built on wm.h's public API only.
 *
 * A wm_wasi is the process state one guest sees: its argv, environment, a
 * small fd table (stdio mapped to host fds, optional preopened directories)
 * and the exit code it asked for. wm_wasi_resolve hands the engine host
 * functions with the exact preview1 signatures; every preview1 function
 * exists, and those we do not implement return ERRNO_NOSYS so that any
 * wasi-libc program links. Guest pointers are always bounds-checked: a bad
 * pointer or length yields ERRNO_FAULT, never a crash.
 *
 * Threads: a wm_wasi serves one instance on one thread at a time.
 */
#ifndef STRATUS_WASM_WASI_H
#define STRATUS_WASM_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "wm.h"

typedef struct wm_wasi wm_wasi;

/* Errno values of preview1 (the same numbers in wasi_unstable). */
enum wm_wasi_errno {
	WM_WASI_ESUCCESS = 0,
	WM_WASI_EAGAIN = 6,
	WM_WASI_EBADF = 8,
	WM_WASI_EFAULT = 21,
	WM_WASI_EINVAL = 28,
	WM_WASI_EIO = 29,
	WM_WASI_ENOSYS = 52,
	WM_WASI_ENOTSUP = 58,
	WM_WASI_ESPIPE = 70,
	WM_WASI_ENOTCAPABLE = 76,
};

/* A host directory shown to the guest as a preopened fd. Borrowed strings. */
typedef struct wm_wasi_preopen {
	const char *host_path;  /* opened with O_DIRECTORY by wm_wasi_new */
	const char *guest_path; /* the name fd_prestat_dir_name reports, e.g. "/" */
} wm_wasi_preopen;

/*
 * What the guest sees. Every pointer is borrowed for the duration of
 * wm_wasi_new only: the strings are copied. Initialise with
 * wm_wasi_config_init, then set what you need.
 */
typedef struct wm_wasi_config {
	const char *const *argv; /* argc NUL-terminated strings; argv[0] is the program name */
	size_t argc;
	const char *const *env; /* envc "KEY=VALUE" strings */
	size_t envc;
	int stdin_fd;                    /* host fds behind guest fds 0, 1, 2 (default 0, 1, 2); */
	int stdout_fd;                   /* borrowed: never closed by wm_wasi; -1 leaves the */
	int stderr_fd;                   /* guest fd closed (EBADF) */
	const wm_wasi_preopen *preopens; /* guest fds 3, 4, ...; none by default */
	size_t npreopens;
	/*
	 * Absolute CLOCK_MONOTONIC time in ns (0: none) past which poll_oneoff
	 * never sleeps: set it to the wm_exec deadline so that a sleeping guest
	 * still meets its timeout (the engine traps at its next check).
	 */
	uint64_t sleep_deadline_ns;
} wm_wasi_config;

/* Fills cfg with the defaults: no args, no env, stdio on host fds 0/1/2, no preopens. */
void wm_wasi_config_init(wm_wasi_config *cfg);

/*
 * Creates the WASI state for one guest from cfg (copied). Errors:
 * ST_EINVAL (a string table too big for a 32-bit guest), ST_EIO (a preopen
 * could not be opened; err names it). *out is owned by the caller, free it
 * with wm_wasi_free after the last instance that uses it is gone.
 */
int wm_wasi_new(wm_wasi **out, const wm_wasi_config *cfg, st_err *err) ST_WARN_UNUSED;

/* Frees w, its host functions and the preopened directories it opened. NULL is a no-op. */
void wm_wasi_free(wm_wasi *w);

/*
 * A wm_resolve_cb: pass wm_wasi_resolve and the wm_wasi * as resolve_ud to
 * wm_instance_new. Resolves function imports of "wasi_snapshot_preview1"
 * and "wasi_unstable" by name; anything else is ST_ENOTFOUND. The function
 * handed out is borrowed from w (the instance takes its own reference), so
 * w must outlive calls into the instance.
 */
int wm_wasi_resolve(void *w, const wm_import_desc *imp, wm_extern *out);

/*
 * After a call failed with ST_ETRAP and kind WM_TRAP_EXIT: true, and *code
 * set, when the guest called proc_exit(code). False when it did not.
 */
bool wm_wasi_exit_code(const wm_wasi *w, uint32_t *code);

#endif
