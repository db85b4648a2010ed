/*
 * wasi.c - WASI preview1 host functions over wm.h's public API.
 *
 * Every import is one shared trampoline (wasi_host) plus a per-function
 * handler from the table `defs`; the trampoline fetches the caller's memory
 * once, runs the handler and stores the errno it returns. Handlers check
 * every guest range with gm_at before touching it, validate all ranges
 * before any side effect, and write results only after the host call
 * succeeded. Only proc_exit fails the call (WM_TRAP_EXIT).
 * "wasi_unstable" shares the table; the few layouts that differ (fd_seek's
 * whence, poll_oneoff's clock subscription) are switched on the flavor.
 */
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../core/mem.h"
#include "../core/banned.h"

enum {
	FLAVOR_P1,
	FLAVOR_UNSTABLE,
	NFLAVORS
};

/* The preview1 rights we hand out: every bit up to sock_accept. */
#define RIGHTS_ALL ((UINT64_C(1) << 30) - 1)
#define RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define RIGHT_FD_TELL (UINT64_C(1) << 5)

#define FILETYPE_UNKNOWN 0
#define FILETYPE_BLOCK_DEVICE 1
#define FILETYPE_CHARACTER_DEVICE 2
#define FILETYPE_DIRECTORY 3
#define FILETYPE_REGULAR_FILE 4
#define FILETYPE_SOCKET_STREAM 6
#define FILETYPE_SYMBOLIC_LINK 7

#define FDFLAG_APPEND 1
#define FDFLAG_DSYNC 2
#define FDFLAG_NONBLOCK 4
#define FDFLAG_RSYNC 8
#define FDFLAG_SYNC 16

#define EVENT_SIZE 32
#define SUBCLOCK_ABSTIME 1
#define IOV_BATCH 64 /* iovecs per fd_read; more is a legal short read */

/* One guest fd. */
typedef struct wasi_fd {
	int host;       /* host fd; -1 when the guest fd is closed */
	bool owned;     /* opened by us (a preopen), so closed by us */
	char *dir_name; /* guest name of a preopened directory, else NULL */
	size_t dir_name_len;
} wasi_fd;

/* A string table (argv or environ): n NUL-terminated strings back to back. */
typedef struct strtab {
	char *blob; /* owned */
	size_t len; /* bytes including every NUL */
	size_t n;
} strtab;

typedef struct wasi_def wasi_def;

/* What a host function's ud points to: one per (flavor, function). */
typedef struct wasi_binding {
	wm_wasi *w;
	int flavor;
	const wasi_def *def;
} wasi_binding;

/* The caller's memory, fetched once per call. p is NULL when there is none. */
typedef struct gmem {
	uint8_t *p;
	size_t n;
} gmem;

/* One host call in progress. */
typedef struct wcall {
	wm_wasi *w;
	int flavor;
	wm_exec *x;
	gmem m;
} wcall;

/* A handler returns a WASI errno (>= 0) or a negative ST_ETRAP. */
typedef int (*wasi_fn)(wcall *c, const wm_val *a);

struct wasi_def {
	const char *name;
	const char *params; /* 'i' i32, 'I' i64 */
	int nresults;       /* 1 (the errno) or 0 (proc_exit) */
	wasi_fn fn;
};

#define NDEFS 46

struct wm_wasi {
	strtab args;
	strtab env;
	wasi_fd *fds; /* owned; nfds entries */
	size_t nfds;
	uint64_t sleep_deadline_ns;
	bool exited;
	uint32_t exit_code;
	wasi_binding bind[NFLAVORS][NDEFS];
	wm_func *funcs[NFLAVORS][NDEFS]; /* created on first resolve; one reference each */
};

/* ----------------------------------------------------------------------- */
/* Guest memory */

static uint8_t *gm_at(const gmem *m, uint32_t ptr, uint64_t len)
{
	if (!m->p || (uint64_t)ptr + len > m->n)
		return NULL;
	return m->p + ptr;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

/* Host errno to WASI errno (the numbers are preview1's); anything else is EIO. */
static int map_errno(int e)
{
	static const struct {
		int host;
		int wasi;
	} map[] = {
		{ EACCES, 2 },
		{ EAGAIN, WM_WASI_EAGAIN },
		{ EBADF, WM_WASI_EBADF },
		{ ECONNRESET, 15 },
		{ EDQUOT, 19 },
		{ EFAULT, WM_WASI_EFAULT },
		{ EFBIG, 22 },
		{ EINTR, 27 },
		{ EINVAL, WM_WASI_EINVAL },
		{ EIO, WM_WASI_EIO },
		{ EISDIR, 31 },
		{ ENOENT, 44 },
		{ ENOMEM, 48 },
		{ ENOSPC, 51 },
		{ ENOSYS, WM_WASI_ENOSYS },
		{ ENOTCONN, 53 },
		{ ENOTDIR, 54 },
		{ ENOTSUP, WM_WASI_ENOTSUP },
		{ ENXIO, 60 },
		{ EOVERFLOW, 61 },
		{ EPERM, 63 },
		{ EPIPE, 64 },
		{ EROFS, 69 },
		{ ESPIPE, WM_WASI_ESPIPE },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].host == e)
			return map[i].wasi;
	return WM_WASI_EIO;
}

static int fd_get(wm_wasi *w, uint32_t fd, wasi_fd **out)
{
	if (fd >= w->nfds || w->fds[fd].host < 0)
		return WM_WASI_EBADF;
	*out = &w->fds[fd];
	return 0;
}

/* ----------------------------------------------------------------------- */
/* args and environ */

static int strtab_sizes(wcall *c, const strtab *t, uint32_t count_ptr, uint32_t size_ptr)
{
	uint8_t *pc = gm_at(&c->m, count_ptr, 4), *ps = gm_at(&c->m, size_ptr, 4);

	if (!pc || !ps)
		return WM_WASI_EFAULT;
	put_u32(pc, (uint32_t)t->n);
	put_u32(ps, (uint32_t)t->len);
	return 0;
}

static int strtab_get(wcall *c, const strtab *t, uint32_t ptrs, uint32_t buf)
{
	uint8_t *pp = gm_at(&c->m, ptrs, (uint64_t)t->n * 4);
	uint8_t *pb = gm_at(&c->m, buf, t->len);
	size_t off = 0;

	if (!pp || !pb)
		return WM_WASI_EFAULT;
	for (size_t i = 0; i < t->n; i++) {
		put_u32(pp + 4 * i, buf + (uint32_t)off);
		off += strlen(t->blob + off) + 1;
	}
	memmove(pb, t->blob, t->len);
	return 0;
}

static int h_args_sizes_get(wcall *c, const wm_val *a)
{
	return strtab_sizes(c, &c->w->args, a[0].i32, a[1].i32);
}

static int h_args_get(wcall *c, const wm_val *a)
{
	return strtab_get(c, &c->w->args, a[0].i32, a[1].i32);
}

static int h_environ_sizes_get(wcall *c, const wm_val *a)
{
	return strtab_sizes(c, &c->w->env, a[0].i32, a[1].i32);
}

static int h_environ_get(wcall *c, const wm_val *a)
{
	return strtab_get(c, &c->w->env, a[0].i32, a[1].i32);
}

/* ----------------------------------------------------------------------- */
/* fds */

static int h_fd_write(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint32_t niov = a[2].i32;
	uint8_t *iov = gm_at(&c->m, a[1].i32, (uint64_t)niov * 8);
	uint8_t *pn = gm_at(&c->m, a[3].i32, 4);
	uint64_t total = 0, done = 0;
	int e = fd_get(c->w, a[0].i32, &f);

	if (e)
		return e;
	if (!iov || !pn)
		return WM_WASI_EFAULT;
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t len = get_u32(iov + 8 * i + 4);

		if (!gm_at(&c->m, get_u32(iov + 8 * i), len))
			return WM_WASI_EFAULT;
		total += len;
	}
	if (total > UINT32_MAX)
		return WM_WASI_EINVAL;
	/* Write everything, resuming after partial writes; report what got out. */
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t len = get_u32(iov + 8 * i + 4);
		const uint8_t *p = gm_at(&c->m, get_u32(iov + 8 * i), len);
		uint32_t off = 0;

		while (off < len) {
			ssize_t n = write(f->host, p + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (done > 0)
					goto out;
				return n < 0 ? map_errno(errno) : WM_WASI_EIO;
			}
			off += (uint32_t)n;
			done += (uint64_t)n;
		}
	}
out:
	put_u32(pn, (uint32_t)done);
	return 0;
}

static int h_fd_read(wcall *c, const wm_val *a)
{
	struct iovec v[IOV_BATCH];
	wasi_fd *f;
	uint32_t niov = a[2].i32;
	uint8_t *iov = gm_at(&c->m, a[1].i32, (uint64_t)niov * 8);
	uint8_t *pn = gm_at(&c->m, a[3].i32, 4);
	uint64_t total = 0;
	int nv = 0, e = fd_get(c->w, a[0].i32, &f);
	bool full = false;
	ssize_t n;

	if (e)
		return e;
	if (!iov || !pn)
		return WM_WASI_EFAULT;
	for (uint32_t i = 0; i < niov; i++) {
		uint32_t len = get_u32(iov + 8 * i + 4);
		uint8_t *p = gm_at(&c->m, get_u32(iov + 8 * i), len);

		if (!p)
			return WM_WASI_EFAULT;
		if (full || nv == IOV_BATCH || total + len > UINT32_MAX) {
			full = true; /* a short read: later buffers must not be filled before this one */
			continue;
		}
		v[nv].iov_base = p;
		v[nv].iov_len = len;
		nv++;
		total += len;
	}
	do
		n = readv(f->host, v, nv);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return map_errno(errno);
	put_u32(pn, (uint32_t)n);
	return 0;
}

static int h_fd_close(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	int e = fd_get(c->w, a[0].i32, &f);

	if (e)
		return e;
	if (f->owned)
		close(f->host);
	f->host = -1;
	f->owned = false;
	st_free(f->dir_name);
	f->dir_name = NULL;
	f->dir_name_len = 0;
	return 0;
}

static int h_fd_seek(wcall *c, const wm_val *a)
{
	/* preview1: SET 0, CUR 1, END 2; wasi_unstable: CUR 0, END 1, SET 2. */
	static const int whence_p1[3] = { SEEK_SET, SEEK_CUR, SEEK_END };
	static const int whence_p0[3] = { SEEK_CUR, SEEK_END, SEEK_SET };
	wasi_fd *f;
	uint32_t wh = a[2].i32;
	uint8_t *po = gm_at(&c->m, a[3].i32, 8);
	int e = fd_get(c->w, a[0].i32, &f);
	off_t r;

	if (e)
		return e;
	if (!po)
		return WM_WASI_EFAULT;
	if (wh > 2)
		return WM_WASI_EINVAL;
	r = lseek(f->host, (off_t)(int64_t)a[1].i64,
	          c->flavor == FLAVOR_P1 ? whence_p1[wh] : whence_p0[wh]);
	if (r < 0)
		return map_errno(errno);
	put_u64(po, (uint64_t)r);
	return 0;
}

static int h_fd_tell(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint8_t *po = gm_at(&c->m, a[1].i32, 8);
	int e = fd_get(c->w, a[0].i32, &f);
	off_t r;

	if (e)
		return e;
	if (!po)
		return WM_WASI_EFAULT;
	r = lseek(f->host, 0, SEEK_CUR);
	if (r < 0)
		return map_errno(errno);
	put_u64(po, (uint64_t)r);
	return 0;
}

static uint8_t filetype_of(mode_t mode)
{
	if (S_ISREG(mode))
		return FILETYPE_REGULAR_FILE;
	if (S_ISDIR(mode))
		return FILETYPE_DIRECTORY;
	if (S_ISCHR(mode))
		return FILETYPE_CHARACTER_DEVICE;
	if (S_ISBLK(mode))
		return FILETYPE_BLOCK_DEVICE;
	if (S_ISSOCK(mode))
		return FILETYPE_SOCKET_STREAM;
	if (S_ISLNK(mode))
		return FILETYPE_SYMBOLIC_LINK;
	return FILETYPE_UNKNOWN; /* pipes have no WASI file type */
}

static int h_fd_fdstat_get(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint8_t *p = gm_at(&c->m, a[1].i32, 24);
	int e = fd_get(c->w, a[0].i32, &f), fl;
	uint16_t flags = 0;
	uint64_t rights = RIGHTS_ALL;
	struct stat st;

	if (e)
		return e;
	if (!p)
		return WM_WASI_EFAULT;
	if (fstat(f->host, &st) < 0)
		return map_errno(errno);
	fl = fcntl(f->host, F_GETFL);
	if (fl < 0)
		return map_errno(errno);
	if (fl & O_APPEND)
		flags |= FDFLAG_APPEND;
	if (fl & O_NONBLOCK)
		flags |= FDFLAG_NONBLOCK;
	if ((fl & O_SYNC) == O_SYNC)
		flags |= FDFLAG_SYNC | FDFLAG_RSYNC;
	else if (fl & O_DSYNC)
		flags |= FDFLAG_DSYNC;
	/*
	 * wasi-libc's isatty() means "a character device without seek/tell
	 * rights", so only a real terminal loses them (and /dev/null keeps
	 * them); pipes and sockets cannot seek either.
	 */
	if (S_ISCHR(st.st_mode) ? isatty(f->host) : !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		rights &= ~(RIGHT_FD_SEEK | RIGHT_FD_TELL);
	memset(p, 0, 24);
	p[0] = filetype_of(st.st_mode);
	put_u16(p + 2, flags);
	put_u64(p + 8, rights);
	put_u64(p + 16, rights);
	return 0;
}

/* Changing the flags of a host fd would change them for the host too: only a no-op is allowed. */
static int h_fd_fdstat_set_flags(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	int e = fd_get(c->w, a[0].i32, &f), fl;
	uint32_t cur = 0;

	if (e)
		return e;
	fl = fcntl(f->host, F_GETFL);
	if (fl < 0)
		return map_errno(errno);
	if (fl & O_APPEND)
		cur |= FDFLAG_APPEND;
	if (fl & O_NONBLOCK)
		cur |= FDFLAG_NONBLOCK;
	return (a[1].i32 & 0xffff) == cur ? 0 : WM_WASI_ENOSYS;
}

static uint64_t ts_ns(struct timespec ts)
{
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* filestat is a preview1 layout (wasi_unstable's differs): 64 bytes. */
static int h_fd_filestat_get(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint8_t *p = gm_at(&c->m, a[1].i32, 64);
	int e = fd_get(c->w, a[0].i32, &f);
	struct stat st;

	if (c->flavor != FLAVOR_P1)
		return WM_WASI_ENOSYS;
	if (e)
		return e;
	if (!p)
		return WM_WASI_EFAULT;
	if (fstat(f->host, &st) < 0)
		return map_errno(errno);
	memset(p, 0, 64);
	put_u64(p + 0, (uint64_t)st.st_dev);
	put_u64(p + 8, (uint64_t)st.st_ino);
	p[16] = filetype_of(st.st_mode);
	put_u64(p + 24, (uint64_t)st.st_nlink);
	put_u64(p + 32, (uint64_t)st.st_size);
	put_u64(p + 40, ts_ns(st.st_atim));
	put_u64(p + 48, ts_ns(st.st_mtim));
	put_u64(p + 56, ts_ns(st.st_ctim));
	return 0;
}

/* EBADF for anything but a preopened directory: wasi-libc scans fds 3.. until EBADF. */
static int h_fd_prestat_get(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint8_t *p = gm_at(&c->m, a[1].i32, 8);
	int e = fd_get(c->w, a[0].i32, &f);

	if (e)
		return e;
	if (!f->dir_name)
		return WM_WASI_EBADF;
	if (!p)
		return WM_WASI_EFAULT;
	memset(p, 0, 8); /* tag 0: a directory */
	put_u32(p + 4, (uint32_t)f->dir_name_len);
	return 0;
}

static int h_fd_prestat_dir_name(wcall *c, const wm_val *a)
{
	wasi_fd *f;
	uint8_t *p = gm_at(&c->m, a[1].i32, a[2].i32);
	int e = fd_get(c->w, a[0].i32, &f);

	if (e)
		return e;
	if (!f->dir_name)
		return WM_WASI_EBADF;
	if (!p)
		return WM_WASI_EFAULT;
	if (a[2].i32 < f->dir_name_len)
		return WM_WASI_EINVAL;
	memcpy(p, f->dir_name, f->dir_name_len);
	return 0;
}

/* ----------------------------------------------------------------------- */
/* clocks, random, scheduling, exit */

static int clock_of(uint32_t id, clockid_t *out)
{
	static const clockid_t map[4] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
		                          CLOCK_THREAD_CPUTIME_ID };

	if (id > 3)
		return WM_WASI_EINVAL;
	*out = map[id];
	return 0;
}

static int h_clock_res_get(wcall *c, const wm_val *a)
{
	uint8_t *p = gm_at(&c->m, a[1].i32, 8);
	struct timespec ts;
	clockid_t id;
	int e = clock_of(a[0].i32, &id);

	if (e)
		return e;
	if (!p)
		return WM_WASI_EFAULT;
	if (clock_getres(id, &ts) < 0)
		return map_errno(errno);
	put_u64(p, ts_ns(ts));
	return 0;
}

static int h_clock_time_get(wcall *c, const wm_val *a)
{
	uint8_t *p = gm_at(&c->m, a[2].i32, 8);
	struct timespec ts;
	clockid_t id;
	int e = clock_of(a[0].i32, &id);

	if (e)
		return e;
	if (!p)
		return WM_WASI_EFAULT;
	if (clock_gettime(id, &ts) < 0)
		return map_errno(errno);
	put_u64(p, ts_ns(ts));
	return 0;
}

static int h_random_get(wcall *c, const wm_val *a)
{
	uint32_t len = a[1].i32, off = 0;
	uint8_t *p = gm_at(&c->m, a[0].i32, len);

	if (!p)
		return WM_WASI_EFAULT;
	while (off < len) {
		ssize_t n = getrandom(p + off, len - off, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return WM_WASI_EIO;
		off += (uint32_t)n;
	}
	return 0;
}

static int h_sched_yield(wcall *c, const wm_val *a)
{
	(void)c;
	(void)a;
	sched_yield();
	return 0;
}

static int h_proc_exit(wcall *c, const wm_val *a)
{
	c->w->exited = true;
	c->w->exit_code = a[0].i32;
	return wm_trap_set(c->x, WM_TRAP_EXIT, "exit status %" PRIu32, a[0].i32);
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(ts);
}

/*
 * Where a clock subscription lives in a subscription record: preview1 puts
 * {id u32, timeout u64, precision u64, flags u16} at 16 (48-byte records);
 * wasi_unstable has an extra u64 identifier first (56-byte records).
 */
typedef struct sublayout {
	uint32_t size, id, timeout, flags;
} sublayout;

/*
 * Computes when a clock subscription fires, as an absolute CLOCK_MONOTONIC
 * time. Returns a WASI errno (EINVAL for an unknown clock).
 */
static int sub_wake(const uint8_t *s, const sublayout *l, uint64_t now, uint64_t *wake)
{
	uint64_t timeout = get_u64(s + l->timeout), left = timeout;
	struct timespec ts;
	clockid_t id;
	int e = clock_of(get_u32(s + l->id), &id);

	if (e)
		return e;
	if (get_u16(s + l->flags) & SUBCLOCK_ABSTIME) {
		if (clock_gettime(id, &ts) < 0)
			return map_errno(errno);
		left = timeout > ts_ns(ts) ? timeout - ts_ns(ts) : 0;
	}
	*wake = left > UINT64_MAX - now ? UINT64_MAX : now + left;
	return 0;
}

/*
 * Clock subscriptions sleep; fd subscriptions are not supported and come
 * back at once as events with error NOSYS. If any event is ready at once,
 * nothing sleeps.
 */
static int h_poll_oneoff(wcall *c, const wm_val *a)
{
	static const sublayout lay[NFLAVORS] = { { 48, 16, 24, 40 }, { 56, 24, 32, 48 } };
	const sublayout *l = &lay[c->flavor];
	uint32_t nsub = a[2].i32, nev = 0;
	uint8_t *in = gm_at(&c->m, a[0].i32, (uint64_t)nsub * l->size);
	uint8_t *out = gm_at(&c->m, a[1].i32, (uint64_t)nsub * EVENT_SIZE);
	uint8_t *pn = gm_at(&c->m, a[3].i32, 4);
	uint64_t start = mono_now(), now = start, first = UINT64_MAX, wake;
	bool immediate = false;

	if (nsub == 0)
		return WM_WASI_EINVAL;
	if (!in || !out || !pn)
		return WM_WASI_EFAULT;
	for (uint32_t i = 0; i < nsub; i++) {
		const uint8_t *s = in + (size_t)i * l->size;

		if (s[8] != 0 || sub_wake(s, l, start, &wake) != 0) {
			immediate = true;
		} else if (wake < first) {
			first = wake;
		}
	}
	if (!immediate && first > now) {
		uint64_t until = first;
		struct timespec ts;

		if (c->w->sleep_deadline_ns && until > c->w->sleep_deadline_ns)
			until = c->w->sleep_deadline_ns;
		ts.tv_sec = (time_t)(until / 1000000000u);
		ts.tv_nsec = (long)(until % 1000000000u);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = mono_now();
		if (now < first)
			now = first; /* cut short by the deadline: report the earliest timer */
	}
	/* Event k never overlaps record k+1, even when out == in. */
	for (uint32_t i = 0; i < nsub; i++) {
		const uint8_t *s = in + (size_t)i * l->size;
		uint64_t ud = get_u64(s);
		uint8_t type = s[8], *ev;
		int err = 0;

		if (type != 0) {
			err = type <= 2 ? WM_WASI_ENOSYS : WM_WASI_EINVAL;
		} else {
			err = sub_wake(s, l, start, &wake);
			if (err == 0 && wake > now)
				continue;
		}
		ev = out + (size_t)nev * EVENT_SIZE;
		memset(ev, 0, EVENT_SIZE);
		put_u64(ev, ud);
		put_u16(ev + 8, (uint16_t)err);
		ev[10] = type;
		nev++;
	}
	put_u32(pn, nev);
	return 0;
}

static int h_nosys(wcall *c, const wm_val *a)
{
	(void)c;
	(void)a;
	return WM_WASI_ENOSYS;
}

/* ----------------------------------------------------------------------- */
/* The import table: every preview1 function with its core signature. */

static const wasi_def defs[NDEFS] = {
	{ "args_get", "ii", 1, h_args_get },
	{ "args_sizes_get", "ii", 1, h_args_sizes_get },
	{ "environ_get", "ii", 1, h_environ_get },
	{ "environ_sizes_get", "ii", 1, h_environ_sizes_get },
	{ "clock_res_get", "ii", 1, h_clock_res_get },
	{ "clock_time_get", "iIi", 1, h_clock_time_get },
	{ "fd_advise", "iIIi", 1, h_nosys },
	{ "fd_allocate", "iII", 1, h_nosys },
	{ "fd_close", "i", 1, h_fd_close },
	{ "fd_datasync", "i", 1, h_nosys },
	{ "fd_fdstat_get", "ii", 1, h_fd_fdstat_get },
	{ "fd_fdstat_set_flags", "ii", 1, h_fd_fdstat_set_flags },
	{ "fd_fdstat_set_rights", "iII", 1, h_nosys },
	{ "fd_filestat_get", "ii", 1, h_fd_filestat_get },
	{ "fd_filestat_set_size", "iI", 1, h_nosys },
	{ "fd_filestat_set_times", "iIIi", 1, h_nosys },
	{ "fd_pread", "iiiIi", 1, h_nosys },
	{ "fd_prestat_get", "ii", 1, h_fd_prestat_get },
	{ "fd_prestat_dir_name", "iii", 1, h_fd_prestat_dir_name },
	{ "fd_pwrite", "iiiIi", 1, h_nosys },
	{ "fd_read", "iiii", 1, h_fd_read },
	{ "fd_readdir", "iiiIi", 1, h_nosys },
	{ "fd_renumber", "ii", 1, h_nosys },
	{ "fd_seek", "iIii", 1, h_fd_seek },
	{ "fd_sync", "i", 1, h_nosys },
	{ "fd_tell", "ii", 1, h_fd_tell },
	{ "fd_write", "iiii", 1, h_fd_write },
	{ "path_create_directory", "iii", 1, h_nosys },
	{ "path_filestat_get", "iiiii", 1, h_nosys },
	{ "path_filestat_set_times", "iiiiIIi", 1, h_nosys },
	{ "path_link", "iiiiiii", 1, h_nosys },
	{ "path_open", "iiiiiIIii", 1, h_nosys },
	{ "path_readlink", "iiiiii", 1, h_nosys },
	{ "path_remove_directory", "iii", 1, h_nosys },
	{ "path_rename", "iiiiii", 1, h_nosys },
	{ "path_symlink", "iiiii", 1, h_nosys },
	{ "path_unlink_file", "iii", 1, h_nosys },
	{ "poll_oneoff", "iiii", 1, h_poll_oneoff },
	{ "proc_exit", "i", 0, h_proc_exit },
	{ "proc_raise", "i", 1, h_nosys },
	{ "sched_yield", "", 1, h_sched_yield },
	{ "random_get", "ii", 1, h_random_get },
	{ "sock_accept", "iii", 1, h_nosys },
	{ "sock_recv", "iiiiii", 1, h_nosys },
	{ "sock_send", "iiiii", 1, h_nosys },
	{ "sock_shutdown", "ii", 1, h_nosys },
};

static int wasi_host(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	wasi_binding *b = ud;
	wcall c = { b->w, b->flavor, x, { NULL, 0 } };
	wm_memory *mem = caller ? wm_instance_memory(caller) : NULL;
	int e;

	if (mem) {
		c.m.p = wm_memory_data(mem);
		c.m.n = wm_memory_size(mem);
	}
	e = b->def->fn(&c, args);
	if (e < 0)
		return e;
	if (b->def->nresults)
		results[0].i32 = (uint32_t)e;
	return 0;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

int wm_wasi_resolve(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	static const wm_valtype i32_result[1] = { WM_I32 };
	wm_wasi *w = ud;
	int flavor;

	if (name_is(imp->module, imp->module_len, "wasi_snapshot_preview1"))
		flavor = FLAVOR_P1;
	else if (name_is(imp->module, imp->module_len, "wasi_unstable"))
		flavor = FLAVOR_UNSTABLE;
	else
		return ST_ENOTFOUND;
	if (imp->kind != WM_EXTERN_FUNC)
		return ST_ENOTFOUND;
	for (size_t i = 0; i < NDEFS; i++) {
		const wasi_def *d = &defs[i];

		if (!name_is(imp->name, imp->name_len, d->name))
			continue;
		if (!w->funcs[flavor][i]) {
			wm_valtype params[16];
			wm_functype ft;
			uint32_t n = 0;

			for (const char *p = d->params; *p; p++)
				params[n++] = *p == 'I' ? WM_I64 : WM_I32;
			ft.nparams = n;
			ft.params = params;
			ft.nresults = (uint32_t)d->nresults;
			ft.results = i32_result;
			w->funcs[flavor][i] = wm_func_new_host(&ft, wasi_host, &w->bind[flavor][i]);
			if (!w->funcs[flavor][i])
				return ST_ENOMEM;
		}
		out->kind = WM_EXTERN_FUNC;
		out->of.func = w->funcs[flavor][i];
		return 0;
	}
	return ST_ENOTFOUND;
}

/* ----------------------------------------------------------------------- */
/* Lifecycle */

static int strtab_init(strtab *t, const char *const *v, size_t n, const char *what, st_err *err)
{
	size_t len = 0, off = 0;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (len > UINT32_MAX / 2 || n > UINT32_MAX / 8)
		return st_err_set(err, ST_EINVAL, "%s too large for a 32-bit guest", what);
	t->blob = xmalloc(len ? len : 1);
	t->len = len;
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(v[i]) + 1;

		memcpy(t->blob + off, v[i], k);
		off += k;
	}
	return 0;
}

void wm_wasi_config_init(wm_wasi_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stdin_fd = 0;
	cfg->stdout_fd = 1;
	cfg->stderr_fd = 2;
}

int wm_wasi_new(wm_wasi **out, const wm_wasi_config *cfg, st_err *err)
{
	wm_wasi *w = xcalloc(1, sizeof(*w));
	int rc;

	w->sleep_deadline_ns = cfg->sleep_deadline_ns;
	w->nfds = 3 + cfg->npreopens;
	w->fds = xcalloc(w->nfds, sizeof(*w->fds));
	w->fds[0].host = cfg->stdin_fd;
	w->fds[1].host = cfg->stdout_fd;
	w->fds[2].host = cfg->stderr_fd;
	for (size_t i = 3; i < w->nfds; i++)
		w->fds[i].host = -1;
	for (int fl = 0; fl < NFLAVORS; fl++)
		for (size_t i = 0; i < NDEFS; i++)
			w->bind[fl][i] = (wasi_binding){ w, fl, &defs[i] };
	rc = strtab_init(&w->args, cfg->argv, cfg->argc, "argv", err);
	if (rc < 0)
		goto fail;
	rc = strtab_init(&w->env, cfg->env, cfg->envc, "environment", err);
	if (rc < 0)
		goto fail;
	for (size_t i = 0; i < cfg->npreopens; i++) {
		const wm_wasi_preopen *po = &cfg->preopens[i];
		wasi_fd *f = &w->fds[3 + i];

		f->host = open(po->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (f->host < 0) {
			rc = st_err_set(err, ST_EIO, "preopen %s: %s", po->host_path,
			                strerror(errno));
			goto fail;
		}
		f->owned = true;
		f->dir_name = xstrdup(po->guest_path);
		f->dir_name_len = strlen(po->guest_path);
	}
	*out = w;
	return 0;
fail:
	wm_wasi_free(w);
	return rc;
}

void wm_wasi_free(wm_wasi *w)
{
	if (!w)
		return;
	for (int fl = 0; fl < NFLAVORS; fl++)
		for (size_t i = 0; i < NDEFS; i++)
			wm_func_unref(w->funcs[fl][i]);
	for (size_t i = 0; i < w->nfds; i++) {
		if (w->fds[i].owned && w->fds[i].host >= 0)
			close(w->fds[i].host);
		st_free(w->fds[i].dir_name);
	}
	st_free(w->fds);
	st_free(w->args.blob);
	st_free(w->env.blob);
	st_free(w);
}

bool wm_wasi_exit_code(const wm_wasi *w, uint32_t *code)
{
	if (!w->exited)
		return false;
	*code = w->exit_code;
	return true;
}
