/*
 * cmd_up.c - `stratus up`: runs a host (src/host/host.h) in the foreground
 * with logs on stderr, or detached (--detached) with a pidfile, the parent
 * returning once the host is ready. Configuration comes from the
 * environment (lattice.md §2.4); flags shape logging and detaching, and
 * --allowed-issuers (or STRATUS_ALLOWED_ISSUERS) limits actor signers.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "core/log.h"
#include "core/mem.h"
#include "host/host.h"
#include "security/nkey.h"

#include "core/banned.h"

extern char **environ;

static void up_usage(FILE *out)
{
	fprintf(out,
	        "usage: stratus up [options]\n\n"
	        "Runs a host that joins the lattice (configured by WASMCLOUD_* variables).\n"
	        "When no NATS server answers at the control address (default\n"
	        "127.0.0.1:4222), nats-server is started there with JetStream and stopped on exit.\n\n"
	        "options:\n"
	        "   --log-level LEVEL        error, warn, info (default) or debug\n"
	        "   --log-json               structured (JSON) log lines\n"
	        "   --heartbeat-ms MS        heartbeat interval (default 30000)\n"
	        "   --workers N              worker threads (default: one per core)\n"
	        "   --invocation-timeout-ms MS\n"
	        "                            deadline of one invocation of a local actor\n"
	        "                            (default $WASMCLOUD_RPC_TIMEOUT_MS, else 10000)\n"
	        "   --nats-state-dir DIR     state directory of an embedded nats-server\n"
	        "   --no-embedded-nats       fail instead of starting nats-server\n"
	        "   --allowed-issuers A...,A...\n"
	        "                            start only actors whose claims are signed by one\n"
	        "                            of these account keys (default\n"
	        "                            $STRATUS_ALLOWED_ISSUERS, else any issuer)\n"
	        "   --detached               run in the background; return once ready\n"
	        "   --pidfile FILE           write the host's process id to FILE\n"
	        "   --log-file FILE          with --detached: append logs to FILE\n");
}

typedef struct up_ready {
	int fd;              /* pipe to the waiting parent, or -1 */
	const char *pidfile; /* NULL when none */
} up_ready;

static void on_ready(const char *host_id, void *ud)
{
	up_ready *r = ud;
	char line[128];
	int n;

	if (r->pidfile) {
		FILE *f = fopen(r->pidfile, "w");

		if (f) {
			fprintf(f, "%ld\n", (long)getpid());
			fclose(f);
		} else {
			st_log(ST_LOG_WARN, "cannot write pidfile %s: %s", r->pidfile,
			       strerror(errno));
		}
	}
	if (r->fd >= 0) {
		n = snprintf(line, sizeof(line), "%s\n", host_id);
		if (write(r->fd, line, (size_t)n) < 0)
			st_log(ST_LOG_WARN, "cannot notify the parent: %s", strerror(errno));
		close(r->fd);
		r->fd = -1;
	}
}

/*
 * Splits list (comma-separated account public keys) into a NULL-terminated
 * array of copies in *out (free with issuers_free). Returns 0, or -1 after
 * printing which entry is not an account key (A...) when one is malformed.
 */
static int issuers_parse(const char *list, const char *from, char ***out)
{
	char **v = NULL;
	size_t n = 1, i = 0, len;
	const char *p = list, *comma;
	nkey k;
	st_err err;

	for (const char *c = list; *c; c++)
		n += *c == ',';
	v = xcalloc(n + 1, sizeof(*v));
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (nkey_from_public_text(&k, p, len, &err) < 0 ||
		    nkey_check_type(&k, NKEY_ACCOUNT, "issuer", &err) < 0) {
			fprintf(stderr,
			        "stratus up: %s: '%.*s' is not an account public key (A...): %s\n",
			        from, (int)len, p, err.msg);
			goto fail;
		}
		v[i++] = xstrndup(p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = v;
	return 0;
fail:
	for (size_t j = 0; j < i; j++)
		st_free(v[j]);
	st_free(v);
	return -1;
}

static void issuers_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		st_free(v[i]);
	st_free(v);
}

/* Forks; the parent waits for the child's ready line and exits. Returns in the child. */
static int detach(const char *log_file, up_ready *r)
{
	int p[2];
	pid_t pid;
	char buf[128];
	ssize_t n;
	int fd, status;

	if (pipe(p) < 0) {
		fprintf(stderr, "stratus up: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "stratus up: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], buf, sizeof(buf) - 1);
		if (n <= 0) {
			waitpid(pid, &status, 0);
			fprintf(stderr, "stratus up: the host failed to start%s%s\n",
			        log_file ? "; see " : "", log_file ? log_file : "");
			exit(CLI_EXIT_FAIL);
		}
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		printf("Host %s started (pid %ld)\n", buf, (long)pid);
		exit(CLI_EXIT_OK);
	}
	close(p[0]);
	r->fd = p[1];
	setsid();
	fd = open(log_file ? log_file : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

int cmd_up(int argc, char **argv)
{
	host_opts o;
	up_ready ready = { -1, NULL };
	const char *val, *log_file = NULL, *issuers = NULL, *issuers_from = "--allowed-issuers";
	char **allowed = NULL;
	bool detached = false;
	st_log_level lv;
	uint64_t u;
	st_err err;
	int r;

	host_opts_init(&o);
	o.version = STRATUS_VERSION;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (args_is_help(a)) {
			up_usage(stdout);
			return CLI_EXIT_OK;
		}
		if ((r = args_value(argc, argv, &i, "--log-level", NULL, &val)) != 0) {
			if (r < 0 || st_log_level_parse(val, &lv) < 0)
				goto usage;
			st_log_set_level(lv);
		} else if (args_flag(a, "--log-json", NULL)) {
			st_log_set_json(true);
		} else if ((r = args_value(argc, argv, &i, "--heartbeat-ms", NULL, &val)) != 0) {
			if (r < 0 || !args_u64(val, 86400000, &u) || u == 0)
				goto usage;
			o.heartbeat_ms = (uint32_t)u;
		} else if ((r = args_value(argc, argv, &i, "--invocation-timeout-ms", NULL,
		                           &val)) != 0) {
			if (r < 0 || !args_u64(val, 86400000, &u) || u == 0)
				goto usage;
			o.invocation_timeout_ms = (uint32_t)u;
		} else if ((r = args_value(argc, argv, &i, "--workers", NULL, &val)) != 0) {
			if (r < 0 || !args_u64(val, 1024, &u))
				goto usage;
			o.nworkers = (unsigned)u;
		} else if ((r = args_value(argc, argv, &i, "--nats-state-dir", NULL, &val)) != 0) {
			if (r < 0)
				goto usage;
			o.nats_state_dir = val;
		} else if (args_flag(a, "--no-embedded-nats", NULL)) {
			o.embedded_nats = false;
		} else if ((r = args_value(argc, argv, &i, "--allowed-issuers", NULL, &val)) != 0) {
			if (r < 0)
				goto usage;
			issuers = val;
		} else if (args_flag(a, "--detached", NULL)) {
			detached = true;
		} else if ((r = args_value(argc, argv, &i, "--pidfile", NULL, &val)) != 0) {
			if (r < 0)
				goto usage;
			ready.pidfile = val;
		} else if ((r = args_value(argc, argv, &i, "--log-file", NULL, &val)) != 0) {
			if (r < 0)
				goto usage;
			log_file = val;
		} else {
			fprintf(stderr, "stratus up: unknown argument '%s'\n", a);
			goto usage;
		}
	}
	if (!issuers) {
		issuers = getenv("STRATUS_ALLOWED_ISSUERS");
		issuers_from = "STRATUS_ALLOWED_ISSUERS";
		if (issuers && !*issuers)
			issuers = NULL;
	}
	if (issuers) {
		if (issuers_parse(issuers, issuers_from, &allowed) < 0)
			return CLI_EXIT_USAGE;
		o.allowed_issuers = (const char *const *)allowed;
	}
	if (detached && detach(log_file, &ready) < 0) {
		issuers_free(allowed);
		return CLI_EXIT_FAIL;
	}
	o.envp = (const char *const *)environ;
	o.on_ready = on_ready;
	o.ud = &ready;
	if (host_run(&o, &err) < 0) {
		st_log(ST_LOG_ERROR, "host failed: %s", err.msg);
		if (ready.pidfile)
			unlink(ready.pidfile);
		issuers_free(allowed);
		return CLI_EXIT_FAIL;
	}
	if (ready.pidfile)
		unlink(ready.pidfile);
	issuers_free(allowed);
	return CLI_EXIT_OK;
usage:
	up_usage(stderr);
	return CLI_EXIT_USAGE;
}
