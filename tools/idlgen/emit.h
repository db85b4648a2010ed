/*
 * emit.h - private interface of the C emitter of stratus-idlgen (emit.c:
 * output buffers, naming, types and files; emit_codec.c: MessagePack and
 * CBOR codecs; emit_rpc.c: sender stubs and receivers; emit_samples.c:
 * the test-sample mode). Naming scheme: tools/idlgen/README.md.
 *
 * Strings returned by the naming functions are allocated in a pool that
 * stays reachable until exit (a one-shot tool). Single-threaded.
 */
#ifndef STRATUS_TOOLS_IDLGEN_EMIT_H
#define STRATUS_TOOLS_IDLGEN_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "idl.h"

/* A growable text buffer (aborts on OOM). */
typedef struct ob {
	char *p;
	size_t n, cap;
} ob;

/* Appends printf-style text to b. */
void ob_printf(ob *b, const char *fmt, ...) ST_PRINTF(2, 3);

/* Frees b's text; b can be used again. */
void ob_free(ob *b);

/* A pooled printf-style string (lives until exit). */
const char *gstr(const char *fmt, ...) ST_PRINTF(1, 2);

/* "HttpRequest" -> "http_request", "timeoutMs" -> "timeout_ms", "U16" -> "u16". */
const char *snake(const char *name);

/* Upper-cases s (pooled). */
const char *upper(const char *s);

/* A C string literal for s, quotes included (pooled). */
const char *c_lit(const char *s);

/* The C prefix of a file: "wc_" + last namespace segment, lower-cased ("wc_keyvalue"). */
const char *file_prefix(const idl_file *f);

/* The C type of a data shape: wc_str, uint32_t, wc_keyvalue_get_response, ... */
const char *c_type(const idl_shape *t);

/* The C field name of a member (snake case, C keywords get a trailing '_'). */
const char *c_field(const idl_member *m);

/* True for structures, unions, lists and maps (which get codec functions). */
bool is_aggregate(const idl_shape *t);

/* The scalar kind of t (enums are strings); IDL_S_NONE for aggregates. */
idl_scalar scalar_of(const idl_shape *t);

/* True when a value of t is passed to handlers and stubs by const pointer (aggregates, Timestamp). */
bool by_pointer(const idl_shape *t);

/* The service prefix: file prefix, plus "_" + snake(service) unless they name the same thing. */
const char *service_prefix(const idl_shape *svc);

/* Whether a service gets receivers (actorReceive) or sender stubs. */
bool svc_receives(const idl_shape *svc);
bool svc_sends(const idl_shape *svc);

/*
 * Codec statements. lv is a C lvalue ("v->body", "v->items[i]", "*in").
 * The encode line writes lv to writer w; the decode expression reads into
 * lv from reader r and evaluates to the int result.
 */
const char *mp_encode_stmt(const idl_shape *t, const char *lv);
const char *mp_decode_expr(const idl_shape *t, const char *lv);
const char *cbor_encode_stmt(const idl_shape *t, const char *lv);
const char *cbor_decode_expr(const idl_shape *t, const char *lv);

/* Emits the prototypes / definitions of the codecs of aggregate s. */
void emit_codec_protos(ob *h, const idl_shape *s);
void emit_codec_defs(ob *c, const idl_shape *s);

/* Emits the declarations / definitions of a service's stubs and receivers. */
void emit_service_decls(ob *h, const idl_shape *svc);
void emit_service_defs(ob *c, const idl_shape *svc);

/* Records a global C identifier; fails on a clash (pos: the shape that makes it). */
void claim_name(const char *name, idl_pos pos);

/* Writes the test-sample source for every aggregate of m to path (emit_samples.c). */
void emit_samples(const idl_model *m, const char *path);

/* Writes text to path, failing the program on I/O errors. */
void write_file(const char *path, const ob *text);

/*
 * Writes wc_gen.h / wc_gen.c (the runtime) and wc_<stem>.h / .c for every
 * file of m with something to emit into outdir (emit.c).
 */
void emit_all(const idl_model *m, const char *outdir);

/* The runtime sources, embedded at build time (runtime/wc_gen.[ch], see CMakeLists.txt). */
extern const unsigned char idlgen_rt_h[];
extern const size_t idlgen_rt_h_len;
extern const unsigned char idlgen_rt_c[];
extern const size_t idlgen_rt_c_len;

#endif
