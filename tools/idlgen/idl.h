/*
 * idl.h - the model of stratus-idlgen: the Smithy subset of
 * interfaces/README.md parsed into files, shapes, members and traits, and
 * the passes over it (lex/parse -> resolve -> emit).
 *
 * Everything is allocated with xmalloc and lives until the program exits
 * (a one-shot tool). Errors in the input are reported as
 * `file:line:column: error: message` on stderr and end the program with
 * exit status 1 (idl_fail). Single-threaded.
 */
#ifndef STRATUS_TOOLS_IDLGEN_IDL_H
#define STRATUS_TOOLS_IDLGEN_IDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* One input file. */
typedef struct idl_file {
	const char *path; /* as given on the command line (borrowed from argv) */
	const char *stem; /* basename without ".smithy" (owned) */
	char *text;       /* contents, NUL-terminated (owned) */
	size_t len;       /* bytes of text */
	const char *ns;   /* namespace (owned) */
	struct idl_use *uses;
	size_t nuses;
	struct idl_shape **shapes; /* in file order */
	size_t nshapes;
	void *toks; /* the lexer's tokens (kept: shapes point at their strings) */
} idl_file;

/* A position in a file, for messages. */
typedef struct idl_pos {
	const idl_file *file;
	int line; /* 1-based */
	int col;  /* 1-based, in bytes */
} idl_pos;

/* A Smithy node value (trait arguments). */
typedef enum idl_node_kind {
	IDL_NODE_EMPTY = 1, /* @t without parentheses */
	IDL_NODE_STRING,
	IDL_NODE_NUMBER,
	IDL_NODE_BOOL,
	IDL_NODE_NULL,
	IDL_NODE_ARRAY,
	IDL_NODE_OBJECT,
	IDL_NODE_ID, /* a bare shape id used as a value */
} idl_node_kind;

typedef struct idl_node {
	idl_node_kind kind;
	idl_pos pos;
	const char *str;        /* STRING, ID */
	uint64_t num;           /* NUMBER */
	bool b;                 /* BOOL */
	struct idl_node *items; /* ARRAY elements, OBJECT values */
	const char **keys;      /* OBJECT keys */
	size_t n;               /* ARRAY / OBJECT size */
} idl_node;

/* A trait application: @name or @name(value). */
typedef struct idl_trait {
	const char *name; /* as written */
	const char *id;   /* resolved absolute id, e.g. "smithy.api#required" (after resolve) */
	idl_node value;
	idl_pos pos;
} idl_trait;

typedef struct idl_traits {
	idl_trait *v;
	size_t n;
} idl_traits;

/* `use ns#Name`. */
typedef struct idl_use {
	const char *id;   /* absolute id */
	const char *name; /* the part after '#' */
	idl_pos pos;
	struct idl_shape *target; /* after resolve */
} idl_use;

typedef enum idl_kind {
	IDL_PRELUDE = 1, /* smithy.api built-in target (String, Blob, ...) */
	IDL_SIMPLE,      /* integer/short/long/byte/string/blob/boolean/timestamp Name */
	IDL_STRUCTURE,
	IDL_UNION,
	IDL_LIST,
	IDL_MAP,
	IDL_ENUM,
	IDL_OPERATION,
	IDL_SERVICE,
} idl_kind;

/* What a scalar shape is in C (prelude and simple shapes, enums). */
typedef enum idl_scalar {
	IDL_S_NONE = 0, /* not a scalar (aggregate, operation, service) */
	IDL_S_STRING,
	IDL_S_BLOB,
	IDL_S_BOOL,
	IDL_S_INT, /* see int_bits / is_unsigned */
	IDL_S_TIMESTAMP,
	IDL_S_UNIT,
	IDL_S_FLOAT, /* float / double: parsed, not supported by the emitter */
	IDL_S_DOCUMENT,
} idl_scalar;

/* A member of a structure, union, list (name "member") or map ("key", "value"). */
typedef struct idl_member {
	const char *name;
	const char *target_name; /* as written */
	idl_pos pos;             /* of the member name */
	idl_pos target_pos;
	idl_traits traits;
	struct idl_shape *target; /* after resolve */
	/* Filled by resolve from the traits: */
	bool required;
	int64_t n;             /* @n, -1 when absent */
	const char *wire_name; /* @wireName or the member name */
	const char *blob_format;
} idl_member;

/* An enum member: NAME = "value". */
typedef struct idl_enum_value {
	const char *name;
	const char *value;
	idl_pos pos;
	idl_traits traits; /* parsed, not interpreted */
} idl_enum_value;

typedef struct idl_shape {
	idl_kind kind;
	const char *name; /* e.g. "HttpRequest" */
	const char *id;   /* "ns#Name" */
	idl_file *file;   /* NULL for prelude shapes */
	idl_pos pos;
	idl_traits traits;
	/* STRUCTURE, UNION, LIST ("member"), MAP ("key", "value"): */
	idl_member *members;
	size_t nmembers;
	/* ENUM: */
	idl_enum_value *values;
	size_t nvalues;
	/* OPERATION: input / output (NULL = Unit) */
	const char *input_name, *output_name;
	idl_pos input_pos, output_pos;
	struct idl_shape *input, *output;
	/* SERVICE: */
	const char **op_names;
	idl_pos *op_pos;
	struct idl_shape **ops;
	size_t nops;
	const char *contract_id; /* @wasmbus contractId, NULL when absent */
	bool actor_receive, provider_receive;
	bool cbor; /* protocol "2" */
	/* PRELUDE / SIMPLE: */
	idl_scalar scalar;
	int int_bits; /* 8, 16, 32, 64 */
	bool is_unsigned;
	/* Resolve/emit bookkeeping: */
	bool is_trait;   /* carries @trait: a trait definition, not emitted */
	bool needs_cbor; /* reachable from a protocol "2" service */
	int visit;       /* topological sort state */
} idl_shape;

/* The whole program input. */
typedef struct idl_model {
	idl_file **files;
	size_t nfiles;
	idl_shape **shapes; /* every shape, prelude included */
	size_t nshapes;
} idl_model;

/* Prints `file:line:col: error: <fmt...>` to stderr and exits with status 1. */
ST_NORETURN void idl_fail(idl_pos pos, const char *fmt, ...) ST_PRINTF(2, 3);

/* Reads path (borrowed) and parses it into a new file (lexer + parser). Exits on errors. */
idl_file *idl_parse_file(const char *path);

/*
 * Resolves every name of every file of m (shape table, `use` imports,
 * traits) and checks the rules of interfaces/README.md. Exits on errors.
 */
void idl_resolve(idl_model *m);

/* Looks a shape up by absolute id; NULL when absent. */
idl_shape *idl_find(const idl_model *m, const char *id);

/* The trait with absolute id, or NULL. */
const idl_trait *idl_trait_get(const idl_traits *t, const char *id);

/* Appends to a growable array of pointers (xrealloc). */
void idl_push(void ***v, size_t *n, void *item);

#endif
