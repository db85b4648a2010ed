/*
 * host_int.h - the host's private state, shared by host.c (start-up,
 * control interface, actor lifecycle) and router.c (inbound invocations,
 * host calls, built-ins). Each field says which thread owns it.
 */
#ifndef STRATUS_HOST_HOST_INT_H
#define STRATUS_HOST_HOST_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "host/actor.h"
#include "host/host.h"
#include "host/pool.h"
#include "lattice/cache.h"
#include "lattice/config.h"
#include "lattice/ctl.h"
#include "lattice/events.h"
#include "lattice/linkdef.h"
#include "lattice/nats.h"
#include "lattice/server.h"

/* One running actor instance as the inventory lists it. Loop thread only. */
typedef struct host_inst {
	char id[EVT_UUID_LEN + 1];
	ctl_strmap annotations;
} host_inst;

/*
 * A locally running actor: its pool and RPC subscription. Reference
 * counted (refs): the actor table holds one; workers take one under
 * route_mu to call it in-process. The last reference frees the pool on the
 * loop thread.
 */
typedef struct host_actor {
	struct host_actor *next; /* actor table link; written under route_mu (wr) */
	struct host *h;
	atomic_int refs;
	char id[NKEY_PUBLIC_LEN + 1]; /* M... ; immutable */
	char *call_alias;             /* normalised, NULL when none; under route_mu */
	pool *pool;                   /* immutable; freed with the last reference */
	/* Loop thread only: */
	char *image_ref;
	lat_sub *sub;
	host_inst *insts;
	size_t ninsts;
} host_actor;

/* A provider process this host runs (provider.c). Loop thread only. */
typedef struct host_provider host_provider;

typedef struct host {
	host_opts opts;
	lat_config cfg;       /* immutable after start-up */
	const char **issuers; /* cfg.cluster_issuers, NULL-terminated; immutable */
	uv_loop_t loop;
	uv_thread_t loop_thread;
	lat_server *server; /* embedded nats-server, or NULL */
	lat_conn *conn;     /* ctl and rpc connection; any thread */
	lat_conn *evconn;   /* events (buffered, no loop), or NULL: use conn; any thread */
	lat_cache *cache;   /* NULL when the lattice has no JetStream */
	pool_workers *workers;
	uint64_t start_s;         /* monotonic seconds at start */
	char evt_subject[256];    /* wasmbus.evt.{prefix} */
	char rpcevt_subject[256]; /* wasmbus.rpcevt.{prefix} */

	/* Routing table, read by workers: writers (loop thread) hold route_mu exclusively. */
	pthread_rwlock_t route_mu;
	host_actor *actors; /* local actors */
	linkdef *links;     /* every link of the lattice */
	size_t nlinks;
	ctl_strmap aliases; /* call alias -> actor key (cached claims) */

	/* Loop thread only. */
	ctl_strmap *claims; /* cached claims maps, keyed by their "sub" */
	size_t nclaims;
	ctl_strmap refmaps; /* cached refmaps: actor/provider reference -> public key */
	lat_sub **subs;     /* control subscriptions */
	size_t nsubs;
	uv_signal_t sigint, sigterm;
	uv_timer_t heartbeat;
	uv_idle_t stopper;
	bool stopping;
	atomic_int live_actors;    /* host_actor structs not yet freed */
	host_provider *providers;  /* running (or restarting) providers */
	struct hs_server *http;    /* the HTTP fast path (fastpath.c), NULL until needed */
	ctl_strmap fast_listening; /* fast path: actor key -> address served */
	ctl_strmap fast_failed;    /* fast path: link id -> address refused (logged once) */
	atomic_int live_providers; /* host_provider structs not yet freed */
} host;

/* ---- router.c -------------------------------------------------------- */

/* actor_config.host_call: routes one __host_call (worker thread). */
int host_route_call(const actor_host_call *call, st_buf *out, void *ud);

/* Loop thread. Handles a message on an actor's RPC subscription (ud = host_actor). */
void host_on_rpc(lat_sub *sub, lat_msg *msg, void *ud);

/* ---- provider.c ------------------------------------------------------ */

/* Starts a provider from lp (borrowed): reads the archive in the background. */
void host_provider_launch(host *h, const ctl_launch_provider *lp);

/* The provider (key, link name) running on this host, or NULL. */
host_provider *host_provider_find(host *h, const char *key, const char *link_name);

/* Stops hp: shutdown request, then kill; provider_stopped follows. hp goes away. */
void host_provider_stop(host_provider *hp);

/* Stops every provider (host stop); wait for live_providers to reach 0. */
void host_providers_stop_all(host *h);

/*
 * Fills up to cap inventory entries (out) and/or heartbeat entries (desc),
 * either may be NULL, with the running providers (borrowed); returns how many.
 */
size_t host_providers_list(host *h, ctl_inv_provider *out, evt_provider_desc *desc, size_t cap);

/* The number of providers in h->providers. */
size_t host_providers_count(const host *h);

/* ---- fastpath.c ------------------------------------------------------ */

/* Does link l ask for the in-host HTTP fast path (fastpath=true)? */
bool host_fast_selected(const linkdef *l);

/* Opens and closes fast-path listeners to match the links and local actors. */
void host_fast_sync(host *h);

/* Stops the fast path (graceful); after uv_run returned. */
void host_fast_free(host *h);

/* ---- host.c ---------------------------------------------------------- */

/* Caches a claims map (copied) for get.claims. Loop thread. */
void host_claims_store(host *h, const ctl_strmap *m);

/* Takes a reference to the local actor key (any thread), or NULL. */
host_actor *host_actor_find(host *h, const char *key);

/* Drops a reference (any thread; the last frees it on the loop thread). */
void host_actor_unref(host_actor *ha);

/* Publishes an event (taken) on subject, logging failures. Any thread. */
void host_publish_event(host *h, const char *subject, json_t *ev);

/* The evt_src of this host's events. */
evt_src host_evt_src(const host *h);

#endif
