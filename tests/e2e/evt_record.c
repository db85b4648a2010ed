/*
 * evt_record.c - e2e helper: records the lattice events of one prefix.
 *
 * Usage: evt_record PORT PREFIX [OUT]. Subscribes to wasmbus.evt.PREFIX on
 * the NATS server at 127.0.0.1:PORT with a sync subscription, prints
 * "ready" on stderr once the server has the subscription, then writes each
 * event's payload (JSON) on its own line to OUT (default stdout), flushed
 * at once. Exits 0 on SIGTERM or SIGINT, 1 on an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lattice/nats.h"
#include "core/banned.h"

static volatile sig_atomic_t evt_record_stop;

static void evt_record_on_signal(int sig)
{
	(void)sig;
	evt_record_stop = 1;
}

/* Writes the payload of msg as one line (newlines inside are replaced by spaces). */
static int evt_record_write(FILE *out, const lat_msg *msg)
{
	st_slice d = lat_msg_data(msg);
	size_t i;

	for (i = 0; i < d.n; i++)
		if (fputc(d.p[i] == '\n' ? ' ' : d.p[i], out) == EOF)
			return -1;
	if (fputc('\n', out) == EOF || fflush(out) != 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	lat_conn_opts o;
	lat_conn *c = NULL;
	lat_sub *s = NULL;
	lat_msg *msg = NULL;
	st_err err;
	struct sigaction sa;
	char subject[256];
	FILE *out = stdout;
	char *end = NULL;
	long port;
	int status = 1;
	int rc;

	st_err_clear(&err);
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: evt_record PORT PREFIX [OUT]\n");
		return 2;
	}
	errno = 0;
	port = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != 0 || port <= 0 || port > 65535) {
		fprintf(stderr, "evt_record: bad port %s\n", argv[1]);
		return 2;
	}
	if ((size_t)snprintf(subject, sizeof(subject), "wasmbus.evt.%s", argv[2]) >=
	    sizeof(subject)) {
		fprintf(stderr, "evt_record: prefix too long\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = evt_record_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
		fprintf(stderr, "evt_record: sigaction: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 4) {
		out = fopen(argv[3], "w");
		if (!out) {
			fprintf(stderr, "evt_record: %s: %s\n", argv[3], strerror(errno));
			return 1;
		}
	}

	lat_conn_opts_init(&o);
	o.port = (uint16_t)port;
	o.name = "evt_record";
	rc = lat_conn_connect(&o, &c, &err);
	if (rc < 0)
		goto fail;
	rc = lat_conn_subscribe_sync(c, subject, NULL, &s, &err);
	if (rc < 0)
		goto fail;
	rc = lat_conn_flush(c, 2000, &err);
	if (rc < 0)
		goto fail;
	fprintf(stderr, "ready\n");
	fflush(stderr);

	while (!evt_record_stop) {
		rc = lat_sub_next(s, 200, &msg, &err);
		if (rc < 0) {
			if (err.kind == LAT_ERR_TIMEOUT) {
				st_err_clear(&err);
				continue;
			}
			goto fail;
		}
		rc = evt_record_write(out, msg);
		lat_msg_free(msg);
		msg = NULL;
		if (rc < 0) {
			fprintf(stderr, "evt_record: write failed\n");
			goto done;
		}
	}
	status = 0;
	goto done;

fail:
	fprintf(stderr, "evt_record: %s\n", err.msg[0] ? err.msg : "failed");
done:
	lat_sub_close(s);
	if (c)
		lat_conn_free(c);
	lat_lib_close();
	if (out != stdout)
		fclose(out);
	return status;
}
