/*
 * server.c - nats-server as a supervised child process.
 *
 * The child is forked and exec'ed with everything prepared beforehand, so
 * the code between fork and exec only makes async-signal-safe calls (the
 * parent may have threads). In the child: own process group, death signal
 * tied to the parent, signal mask and handled signals reset (a parent that
 * blocks SIGTERM for a signal thread would otherwise pass the block on),
 * stdio to /dev/null and the log file, every other descriptor closed.
 * Readiness is the same probe a client would make (TCP connect + INFO
 * line), polled with a short interval until a deadline.
 */
#define _GNU_SOURCE
#include "lattice/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#include "core/banned.h"

#define DEFAULT_BINARY "/usr/sbin/nats-server"
#define LOG_NAME "nats-server.log"
#define STORE_NAME "store"
#define POLL_INTERVAL_MS 10
#define PROBE_TIMEOUT_MS 250

struct lat_server {
	pid_t pid;       /* the child; 0 once reaped */
	uint16_t port;   /* client port */
	bool own_dir;    /* state_dir was created by us and is removed at stop */
	char *state_dir; /* owned */
	char *log_path;  /* owned */
};

void lat_server_opts_init(lat_server_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 4222;
	o->jetstream = true;
	o->start_timeout_ms = 10000;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Fills ss from a numeric address; returns its length, or 0 when host is not numeric. */
static socklen_t make_addr(const char *host, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return sizeof(*a4);
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return sizeof(*a6);
	}
	return 0;
}

/* Waits for events on fd until the absolute deadline; true when they came. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { fd, events, 0 };
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return false;
		n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

bool lat_server_probe(const char *host, uint16_t port, int64_t timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(host, port, &ss);
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	char line[512];
	size_t got = 0;
	bool ok = false;
	int fd, soerr = 0;
	socklen_t el = sizeof(soerr);

	if (sl == 0)
		return false;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS)
			goto out;
		if (!wait_fd(fd, POLLOUT, deadline))
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr != 0)
			goto out;
	}
	/* The server greets first: "INFO {...}\r\n". Five bytes decide it. */
	while (got < 5) {
		ssize_t n;

		if (!wait_fd(fd, POLLIN, deadline))
			goto out;
		n = recv(fd, line + got, sizeof(line) - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	ok = memcmp(line, "INFO ", 5) == 0;
out:
	close(fd);
	return ok;
}

/*
 * Ports picked for servers lie below Linux's default ephemeral range
 * (32768-60999): a port from that range, free when probed, can be taken by
 * any outgoing connection's local end before the server binds it.
 */
#define PICK_LO 20000
#define PICK_SPAN 12000

/* Binds a random port of [PICK_LO, PICK_LO + PICK_SPAN) on host and releases it; 0 if none. */
static uint16_t pick_low_port(const char *host)
{
	struct timespec ts;
	unsigned long x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = ((unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20) ^
	     ((unsigned long)getpid() << 8)) |
	    1;

	for (int tries = 0; tries < 64; tries++) {
		struct sockaddr_storage ss;
		uint16_t port;
		socklen_t sl;
		int fd, ok;

		x ^= x << 13; /* xorshift: enough to spread parallel test runs */
		x ^= x >> 7;
		x ^= x << 17;
		port = (uint16_t)(PICK_LO + x % PICK_SPAN);
		sl = make_addr(host, port, &ss);
		fd = sl ? socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
		if (fd < 0)
			return 0;
		ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
		close(fd);
		if (ok)
			return port;
	}
	return 0;
}

int lat_server_pick_port(const char *host, uint16_t *out, st_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(host, 0, &ss);
	int fd, rc = 0;

	if (sl == 0)
		return st_err_set(err, ST_EINVAL, "not a numeric address: %s", host);
	*out = pick_low_port(host);
	if (*out)
		return 0;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return st_err_set(err, ST_EIO, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		rc = st_err_set(err, ST_EIO, "bind %s:0: %s", host, strerror(errno));
		goto out;
	}
	if (ss.ss_family == AF_INET)
		*out = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		*out = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
out:
	close(fd);
	return rc;
}

/* The executable to run: opts->binary, the Debian path, or nats-server on $PATH. */
static char *find_binary(const char *want)
{
	const char *path = getenv("PATH");
	char cand[4096];

	if (want)
		return access(want, X_OK) == 0 ? xstrdup(want) : NULL;
	if (access(DEFAULT_BINARY, X_OK) == 0)
		return xstrdup(DEFAULT_BINARY);
	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);

		if (n > 0 &&
		    (size_t)snprintf(cand, sizeof(cand), "%.*s/nats-server", (int)n, path) <
		            sizeof(cand) &&
		    access(cand, X_OK) == 0)
			return xstrdup(cand);
		path = end ? end + 1 : NULL;
	}
	return NULL;
}

/* mkdir -p for an absolute or relative path. */
static int make_dirs(const char *path, st_err *err)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = st_err_set(err, ST_EIO, "mkdir %s: %s", p, strerror(errno));
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = st_err_set(err, ST_EIO, "mkdir %s: %s", p, strerror(errno));
out:
	st_free(p);
	return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/* Copies the last line(s) of the log (at most cap - 1 bytes) into out. */
static void log_tail(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t size;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0) {
		off_t from = size > (off_t)(cap - 1) ? size - (off_t)(cap - 1) : 0;

		n = pread(fd, out, cap - 1, from);
		if (n > 0) {
			out[n] = '\0';
			while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
				out[--n] = '\0';
			for (ssize_t i = 0; i < n; i++)
				if (out[i] == '\n' || out[i] == '\r')
					out[i] = ' ';
		}
	}
	close(fd);
}

/* Child side of the fork: only async-signal-safe calls, then exec. */
ST_NORETURN static void run_child(pid_t parent, int in_fd, int log_fd, const char *bin,
                                  char *const argv[])
{
	static const int reset[] = { SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
		                     SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(126); /* the parent is already gone: do not start an orphan */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		_exit(126);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
#endif
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	execv(bin, argv);
	_exit(127);
}

/* Reaps the child without blocking; true when it has exited (or is not ours). */
static bool child_gone(lat_server *s, int *status)
{
	pid_t r;

	if (s->pid == 0)
		return true;
	do
		r = waitpid(s->pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == s->pid || (r < 0 && errno == ECHILD)) {
		s->pid = 0;
		return true;
	}
	return false;
}

static void server_free(lat_server *s)
{
	if (!s)
		return;
	if (s->own_dir && s->state_dir)
		nftw(s->state_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	st_free(s->state_dir);
	st_free(s->log_path);
	st_free(s);
}

int lat_server_start(const lat_server_opts *opts, lat_server **out, st_err *err)
{
	lat_server_opts def;
	lat_server *s = xcalloc(1, sizeof(*s));
	char port_s[8], mport_s[8], tail[300];
	char *bin = NULL, *store = NULL, *argv[12];
	int argc = 0, in_fd = -1, log_fd = -1, rc = 0, status = 0;
	pid_t parent = getpid();
	int64_t deadline;
	size_t n;

	if (!opts) {
		lat_server_opts_init(&def);
		opts = &def;
	}
	*out = NULL;
	s->port = opts->port;
	if (lat_server_probe(opts->host, opts->port, PROBE_TIMEOUT_MS)) {
		rc = st_err_set(err, ST_ESTATE, "a NATS server already answers at %s:%u",
		                opts->host, (unsigned)opts->port);
		goto fail;
	}
	bin = find_binary(opts->binary);
	if (!bin) {
		rc = st_err_set(err, ST_ENOTFOUND, "nats-server not found (%s, $PATH)",
		                opts->binary ? opts->binary : DEFAULT_BINARY);
		goto fail;
	}
	if (opts->state_dir) {
		s->state_dir = xstrdup(opts->state_dir);
		rc = make_dirs(s->state_dir, err);
		if (rc < 0)
			goto fail;
	} else {
		const char *tmp = getenv("TMPDIR");
		size_t tn = strlen(tmp && *tmp ? tmp : "/tmp") + 32;

		s->state_dir = xmalloc(tn);
		snprintf(s->state_dir, tn, "%s/stratus-nats-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(s->state_dir)) {
			rc = st_err_set(err, ST_EIO, "mkdtemp %s: %s", s->state_dir,
			                strerror(errno));
			goto fail;
		}
		s->own_dir = true;
	}
	n = strlen(s->state_dir) + sizeof(LOG_NAME) + 2;
	s->log_path = xmalloc(n);
	snprintf(s->log_path, n, "%s/%s", s->state_dir, LOG_NAME);
	n = strlen(s->state_dir) + sizeof(STORE_NAME) + 2;
	store = xmalloc(n);
	snprintf(store, n, "%s/%s", s->state_dir, STORE_NAME);

	log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (log_fd < 0 || in_fd < 0) {
		rc = st_err_set(err, ST_EIO, "open %s: %s", log_fd < 0 ? s->log_path : "/dev/null",
		                strerror(errno));
		goto fail;
	}
	snprintf(port_s, sizeof(port_s), "%u", (unsigned)opts->port);
	snprintf(mport_s, sizeof(mport_s), "%u", (unsigned)opts->monitor_port);
	argv[argc++] = bin;
	argv[argc++] = (char *)"-a";
	argv[argc++] = (char *)opts->host;
	argv[argc++] = (char *)"-p";
	argv[argc++] = port_s;
	if (opts->jetstream) {
		argv[argc++] = (char *)"-js";
		argv[argc++] = (char *)"-sd";
		argv[argc++] = store;
	}
	if (opts->monitor_port) {
		argv[argc++] = (char *)"-m";
		argv[argc++] = mport_s;
	}
	argv[argc] = NULL;

	s->pid = fork();
	if (s->pid < 0) {
		s->pid = 0;
		rc = st_err_set(err, ST_EIO, "fork: %s", strerror(errno));
		goto fail;
	}
	if (s->pid == 0)
		run_child(parent, in_fd, log_fd, bin, argv);

	deadline = now_ms() + (opts->start_timeout_ms > 0 ? opts->start_timeout_ms : 10000);
	for (;;) {
		if (child_gone(s, &status)) {
			log_tail(s->log_path, tail, sizeof(tail));
			rc = st_err_set(err, ST_EIO, "nats-server exited (status %d): %s",
			                WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status),
			                tail);
			goto fail;
		}
		if (lat_server_probe(opts->host, opts->port, PROBE_TIMEOUT_MS))
			break;
		if (now_ms() >= deadline) {
			log_tail(s->log_path, tail, sizeof(tail));
			rc = st_err_set(err, ST_EIO,
			                "nats-server not ready on %s:%u after %lld ms: %s",
			                opts->host, (unsigned)opts->port,
			                (long long)opts->start_timeout_ms, tail);
			goto fail;
		}
		pause_ms(POLL_INTERVAL_MS);
	}
	*out = s;
	goto out;
fail:
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	server_free(s);
out:
	if (log_fd >= 0)
		close(log_fd);
	if (in_fd >= 0)
		close(in_fd);
	st_free(bin);
	st_free(store);
	return rc;
}

int lat_server_stop(lat_server *s, int64_t timeout_ms)
{
	int status = 0, killed = 0;
	int64_t deadline;

	if (!s)
		return 0;
	if (s->pid > 0 && !child_gone(s, &status)) {
		kill(s->pid, SIGTERM);
		deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
		while (!child_gone(s, &status) && now_ms() < deadline)
			pause_ms(POLL_INTERVAL_MS);
		if (s->pid > 0) {
			killed = 1;
			kill(s->pid, SIGKILL);
			while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
				;
			s->pid = 0;
		}
	}
	server_free(s);
	return killed;
}

pid_t lat_server_pid(const lat_server *s)
{
	return s->pid;
}

uint16_t lat_server_port(const lat_server *s)
{
	return s->port;
}

const char *lat_server_state_dir(const lat_server *s)
{
	return s->state_dir;
}

const char *lat_server_log_path(const lat_server *s)
{
	return s->log_path;
}
