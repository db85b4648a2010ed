/*
 * events.h - lattice events as CloudEvents 1.0 JSON (lattice.md §6): the
 * envelope, one builder per event of the catalogue (§6.2) and the
 * invocation result events (§6.3). Pure protocol: no NATS.
 *
 * Every builder returns the complete event (envelope with data) as a new
 * jansson reference (json_decref), or NULL when memory runs out or a string
 * is not valid UTF-8; ctl_json_dump turns it into the compact JSON to
 * publish. Strings and maps passed in are borrowed. The envelope's id and
 * time come from an evt_src, so tests can fix them. Any thread.
 */
#ifndef STRATUS_LATTICE_EVENTS_H
#define STRATUS_LATTICE_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lattice/ctl.h"
#include "lattice/linkdef.h"
#include "security/claims.h"

/* Length of a textual uuid ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"), without the NUL. */
#define EVT_UUID_LEN 36
/* Length of an event time ("2023-05-17T12:34:56.123456Z"), without the NUL. */
#define EVT_TIME_LEN 27
/* The prefix of every event type. */
#define EVT_TYPE_PREFIX "com.wasmcloud.lattice."
/* The source of linkdef_set / linkdef_deleted in 0.6x. */
#define EVT_SOURCE_NONE "n/a"

/*
 * Who emits an event and how its envelope is stamped. Borrowed.
 *   host_id: the emitting host's id (N...), the envelope's "source".
 *   id:      the event id; NULL means a fresh uuid v4 per event (tests fix it).
 *   time_us: the event time in unix microseconds; 0 means now. Relative
 *            claims times ("in 3 days") are computed against it too.
 */
typedef struct evt_src {
	const char *host_id;
	const char *id;
	int64_t time_us;
} evt_src;

/* Writes a random (version 4, RFC 4122 variant) lower-case uuid and a NUL. */
void evt_uuid_v4(char out[EVT_UUID_LEN + 1]);

/* True when s is a lower- or upper-case textual uuid of version 4, RFC 4122 variant. */
bool evt_uuid_v4_valid(const char *s);

/* The current time in unix microseconds (CLOCK_REALTIME). */
int64_t evt_now_us(void);

/* Writes unix_us as RFC 3339 UTC with microseconds ("...56.123456Z") and a NUL. */
void evt_time_format(int64_t unix_us, char out[EVT_TIME_LEN + 1]);

/*
 * Writes when (unix seconds) relative to now as wascap's claims do: "in 3
 * days", "2 hours ago", using the largest whole unit (days, hours,
 * minutes, seconds); "now" when equal. NUL-terminated, truncated to cap.
 */
void evt_human_relative(int64_t when, int64_t now, char *out, size_t cap);

/*
 * The event subjects: "wasmbus.evt.{prefix}" and "wasmbus.rpcevt.{prefix}".
 * Owned strings (st_free); abort on OOM.
 */
char *evt_subject(const char *lattice_prefix);
char *evt_rpc_subject(const char *lattice_prefix);

/*
 * Wraps data (taken: released on failure too) into the CloudEvents
 * envelope: specversion "1.0", id, type EVT_TYPE_PREFIX + type, source
 * src->host_id (or source when not NULL), time, datacontenttype
 * "application/json", data. NULL data becomes {} (consumers such as wash
 * abort on an event without data).
 */
json_t *evt_envelope(const evt_src *src, const char *source, const char *type, json_t *data);

/*
 * The CLAIMS sub-object of actor events (§6.2): call_alias, caps, issuer,
 * tags, name, version, revision, not_before_human, expires_human. Absent
 * strings are null; caps and tags are null when absent or empty (as the OTP
 * host sends them). now is unix seconds.
 */
json_t *evt_actor_claims_json(const claims *c, int64_t now);

/* The provider claims sub-object: issuer, tags, name, version, not_before_human, expires_human. */
json_t *evt_provider_claims_json(const claims *c, int64_t now);

/* ---- Hosts -------------------------------------------------------------- */

/* host_started: labels, friendly_name, uptime_seconds, version. */
json_t *evt_host_started(const evt_src *src, const ctl_strmap *labels, const char *friendly_name,
                         uint64_t uptime_seconds, const char *version);

/* host_stopped: labels. */
json_t *evt_host_stopped(const evt_src *src, const ctl_strmap *labels);

/* One actor and its running instance count, for the heartbeat. */
typedef struct evt_actor_count {
	const char *public_key;
	uint64_t count;
} evt_actor_count;

/* One running provider, for the heartbeat. contract_id NULL: "n/a". */
typedef struct evt_provider_desc {
	const char *public_key;
	const char *link_name;
	const char *contract_id;
} evt_provider_desc;

/* What a heartbeat reports. Borrowed. */
typedef struct evt_heartbeat {
	const evt_actor_count *actors;
	size_t nactors;
	const evt_provider_desc *providers;
	size_t nproviders;
	const ctl_strmap *labels;
	const char *friendly_name;
	const char *version;
	uint64_t uptime_seconds;
} evt_heartbeat;

/*
 * host_heartbeat in the 0.6x form: actors (key -> count map), providers
 * ([{public_key, link_name, contract_id}]), labels, friendly_name,
 * version, uptime_seconds, uptime_human.
 */
json_t *evt_host_heartbeat(const evt_src *src, const evt_heartbeat *hb);

/* ---- Actors ------------------------------------------------------------- */

/*
 * actor_started: public_key, image_ref (the request's ref, unchanged),
 * api_version "n/a" (0.62+), instance_id, annotations, claims (CLAIMS).
 */
json_t *evt_actor_started(const evt_src *src, const char *public_key, const char *image_ref,
                          const char *instance_id, const ctl_strmap *annotations, const claims *c);

/* actors_started (0.63+): public_key, image_ref, annotations, host_id, claims, count. */
json_t *evt_actors_started(const evt_src *src, const char *public_key, const char *image_ref,
                           const ctl_strmap *annotations, const claims *c, uint64_t count);

/* actor_start_failed: actor_ref, error. */
json_t *evt_actor_start_failed(const evt_src *src, const char *actor_ref, const char *error);

/*
 * actors_start_failed (0.63+): public_key (NULL: "N/A"), image_ref,
 * annotations, host_id, error.
 */
json_t *evt_actors_start_failed(const evt_src *src, const char *public_key, const char *image_ref,
                                const ctl_strmap *annotations, const char *error);

/* actor_stopped: public_key, instance_id, annotations. */
json_t *evt_actor_stopped(const evt_src *src, const char *public_key, const char *instance_id,
                          const ctl_strmap *annotations);

/* actors_stopped (0.63+): host_id, public_key, count, remaining, annotations. */
json_t *evt_actors_stopped(const evt_src *src, const char *public_key, uint64_t count,
                           int64_t remaining, const ctl_strmap *annotations);

/* actor_updated: public_key, revision, instance_id. */
json_t *evt_actor_updated(const evt_src *src, const char *public_key, int64_t revision,
                          const char *instance_id);

/* actor_update_failed: public_key, revision, instance_id, reason. */
json_t *evt_actor_update_failed(const evt_src *src, const char *public_key, int64_t revision,
                                const char *instance_id, const char *reason);

/* ---- Providers ---------------------------------------------------------- */

/*
 * provider_started: public_key, image_ref, link_name, contract_id,
 * instance_id, annotations, claims (provider claims sub-object).
 */
json_t *evt_provider_started(const evt_src *src, const char *public_key, const char *image_ref,
                             const char *link_name, const char *contract_id,
                             const char *instance_id, const ctl_strmap *annotations,
                             const claims *c);

/* provider_start_failed: provider_ref, link_name, error. */
json_t *evt_provider_start_failed(const evt_src *src, const char *provider_ref,
                                  const char *link_name, const char *error);

/*
 * provider_stopped: public_key, link_name, contract_id, instance_id,
 * annotations, reason ("normal" or the exit reason).
 */
json_t *evt_provider_stopped(const evt_src *src, const char *public_key, const char *link_name,
                             const char *contract_id, const char *instance_id,
                             const ctl_strmap *annotations, const char *reason);

/* The three health events; the data is the same for each. */
typedef enum evt_health {
	EVT_HEALTH_PASSED, /* health_check_passed: unhealthy -> healthy */
	EVT_HEALTH_FAILED, /* health_check_failed: healthy -> unhealthy */
	EVT_HEALTH_STATUS, /* health_check_status (0.62+): state unchanged */
} evt_health;

/* health_check_*: public_key, link_name, contract_id. */
json_t *evt_health_check(const evt_src *src, evt_health kind, const char *public_key,
                         const char *link_name, const char *contract_id);

/* ---- Links and references ------------------------------------------------- */

/* linkdef_set: the link with its id; source "n/a" (0.6x). */
json_t *evt_linkdef_set(const evt_src *src, const linkdef *l);

/* linkdef_deleted: the link with its id; source "n/a". */
json_t *evt_linkdef_deleted(const evt_src *src, const linkdef *l);

/* refmap_set: oci_url, public_key. */
json_t *evt_refmap_set(const evt_src *src, const char *oci_url, const char *public_key);

/* ---- Invocation results (§6.3, wasmbus.rpcevt.{prefix}) ------------------ */

/*
 * invocation_succeeded (ok) or invocation_failed: source and dest as
 * {public_key, contract_id, link_name} where a NULL contract_id/link_name
 * is JSON null (actor targets of outbound calls) and "" stays "" (copied
 * from an invocation); operation; bytes = request payload size.
 */
json_t *evt_invocation_result(const evt_src *src, bool ok, const claims_entity *source,
                              const claims_entity *dest, const char *operation, uint64_t bytes);

#endif
