/*
 * linkdef.h - link definitions (linkdef_): the msgpack form published to
 * providers on `...linkdefs.put/del` (interfaces.md §2.6), the JSON form
 * of the control interface and the lattice cache (lattice.md §5.5, §5.6,
 * §7.1), and the link id rule (§7.1).
 *
 * A linkdef owns all its strings (st_free'd by linkdef_deinit). Settings
 * keep the order in which they were added or decoded; keys are unique.
 * Any thread; one thread at a time per struct.
 */
#ifndef STRATUS_LATTICE_LINKDEF_H
#define STRATUS_LATTICE_LINKDEF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "codec/msgpack.h"
#include "core/err.h"

/* Length of a link id (upper-case hex SHA-256), without the NUL. */
#define LINKDEF_ID_LEN 64

/* One setting (both strings owned). */
typedef struct linkdef_value {
	char *key;
	char *value;
} linkdef_value;

typedef struct linkdef {
	char *id;              /* LINKDEF_ID_LEN hex digits, or NULL when not known */
	char *actor_id;        /* M... */
	char *provider_id;     /* V... */
	char *link_name;       /* usually "default" */
	char *contract_id;     /* e.g. "wasmcloud:httpserver" */
	linkdef_value *values; /* nvalues settings */
	size_t nvalues;
} linkdef;

/* linkdef_from_json flags. */
enum linkdef_json_flags {
	/* A linkdefs.del request: provider_id and values are not read ("", none). */
	LINKDEF_JSON_NO_PROVIDER = 1 << 0,
	/* A request: any "id" is not trusted; the id is always computed. */
	LINKDEF_JSON_NEW_ID = 1 << 1,
	/* A LINKDEF_ cache value: link_name may be absent or null ("default"). */
	LINKDEF_JSON_DEFAULT_NAME = 1 << 2,
};

/* Initialises an empty link (every string NULL, no values). */
void linkdef_init(linkdef *ld);

/* Frees everything ld owns; ld can be linkdef_init'ed again. NULL is a no-op. */
void linkdef_deinit(linkdef *ld);

/*
 * Sets the four identifying strings (copied; NULL stores "") and the id
 * computed from them. Aborts on OOM.
 */
void linkdef_set(linkdef *ld, const char *actor_id, const char *provider_id, const char *link_name,
                 const char *contract_id);

/* Adds a setting (copied), replacing the value of an existing key. Aborts on OOM. */
void linkdef_add_value(linkdef *ld, const char *key, const char *value);

/* The value of setting key (borrowed from ld), or NULL. */
const char *linkdef_get_value(const linkdef *ld, const char *key);

/* Do a and b define the same link (same fields and the same set of values)? */
bool linkdef_equal(const linkdef *a, const linkdef *b);

/*
 * The link id (§7.1): upper-case hex SHA-256 of actor_id ‖ contract_id ‖
 * link_name (NULL as ""), written with a NUL into out.
 */
void linkdef_compute_id(const char *actor_id, const char *contract_id, const char *link_name,
                        char out[LINKDEF_ID_LEN + 1]);

/* Replaces ld->id with the id computed from its fields. Aborts on OOM. */
void linkdef_update_id(linkdef *ld);

/*
 * Appends ld to w as a msgpack map: "id" first when with_id (and ld->id is
 * set), then actor_id, provider_id, link_name, contract_id, values (a
 * str -> str map). The five-key form of the spec's example is 207 bytes.
 * Errors: w's.
 */
int linkdef_encode(const linkdef *ld, mp_writer *w, bool with_id, st_err *err) ST_WARN_UNUSED;

/*
 * Decodes a msgpack link definition (len bytes, borrowed) into ld, which
 * must be linkdef_init'ed (previous contents are freed). Any key order;
 * unknown keys ignored; missing strings default to ""; values must be a
 * str -> str map (or absent/nil: none); id is kept when present, else
 * computed. Errors: ST_EMALFORMED/ST_ETRUNC, ST_ENOMEM. On failure ld is
 * left empty.
 */
int linkdef_decode(linkdef *ld, const uint8_t *p, size_t len, st_err *err) ST_WARN_UNUSED;

/*
 * The JSON object of get.links / the LINKDEF_ cache value:
 * {"id","actor_id","provider_id","link_name","contract_id","values"},
 * values always present. Returns a new reference, NULL when jansson runs
 * out of memory.
 */
json_t *linkdef_to_json(const linkdef *ld);

/*
 * Reads a link from JSON (borrowed): a linkdefs.put/del request or a
 * LINKDEF_ cache value (see the flags). actor_id, contract_id, link_name
 * and provider_id must be strings (null counts as missing); values, when
 * present and not null, an object of strings; a non-empty string id is
 * kept (unless LINKDEF_JSON_NEW_ID), else the id is computed. Unknown keys
 * are ignored. ld must be linkdef_init'ed (previous contents freed).
 * Errors: ST_EMALFORMED naming the field (also for an id longer than
 * LINKDEF_ID_LEN). On failure ld is left empty.
 */
int linkdef_from_json(linkdef *ld, const json_t *j, unsigned flags, st_err *err) ST_WARN_UNUSED;

#endif
