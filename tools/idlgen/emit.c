/*
 * emit.c - the C emitter of stratus-idlgen: output buffers, the naming
 * scheme (tools/idlgen/README.md), C type definitions, and the layout of
 * each generated header / source. Codecs are in emit_codec.c, stubs and
 * receivers in emit_rpc.c.
 *
 * Output is deterministic: shapes are emitted in file order (structure
 * definitions reordered only as far as C needs a by-value member defined
 * first), so regenerating unchanged inputs gives identical bytes.
 */
#include "emit.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

/* Every pooled string, so that they stay reachable (leak checkers) until exit. */
static char **pool;
static size_t npool;

/* Every global C identifier emitted so far, with the position that made it. */
static const char **names;
static idl_pos *name_pos;
static size_t nnames;

void ob_printf(ob *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (b->n + (size_t)n + 1 > b->cap) {
		b->cap = (b->n + (size_t)n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void ob_free(ob *b)
{
	st_free(b->p);
	*b = (ob){ 0 };
}

static const char *keep(char *s)
{
	idl_push((void ***)&pool, &npool, s);
	return s;
}

const char *gstr(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return keep(s);
}

const char *snake(const char *name)
{
	size_t len = strlen(name);
	char *s = xmalloc(len * 2 + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (isupper((unsigned char)c) && i > 0) {
			char prev = name[i - 1], nx = name[i + 1];

			if (islower((unsigned char)prev) || isdigit((unsigned char)prev) ||
			    (isupper((unsigned char)prev) && islower((unsigned char)nx)))
				s[n++] = '_';
		}
		s[n++] = (char)tolower((unsigned char)c);
	}
	s[n] = '\0';
	return keep(s);
}

const char *upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return keep(u);
}

const char *c_lit(const char *s)
{
	ob b = { 0 };
	const char *r;

	ob_printf(&b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			ob_printf(&b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			ob_printf(&b, "\\%03o", c);
		else
			ob_printf(&b, "%c", c);
	}
	ob_printf(&b, "\"");
	r = gstr("%s", b.p);
	ob_free(&b);
	return r;
}

const char *file_prefix(const idl_file *f)
{
	const char *seg = strrchr(f->ns, '.');
	char *s;

	seg = seg ? seg + 1 : f->ns;
	s = xmalloc(strlen(seg) + 4);
	snprintf(s, strlen(seg) + 4, "wc_%s", seg);
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return keep(s);
}

bool is_aggregate(const idl_shape *t)
{
	return t->kind == IDL_STRUCTURE || t->kind == IDL_UNION || t->kind == IDL_LIST ||
	       t->kind == IDL_MAP;
}

idl_scalar scalar_of(const idl_shape *t)
{
	if (t->kind == IDL_ENUM)
		return IDL_S_STRING;
	if (t->kind == IDL_PRELUDE || t->kind == IDL_SIMPLE)
		return t->scalar;
	return IDL_S_NONE;
}

bool by_pointer(const idl_shape *t)
{
	return is_aggregate(t) || scalar_of(t) == IDL_S_TIMESTAMP;
}

const char *c_type(const idl_shape *t)
{
	if (is_aggregate(t) || t->kind == IDL_ENUM)
		return gstr("%s_%s", file_prefix(t->file), snake(t->name));
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return "wc_str";
	case IDL_S_BLOB:
		return "wc_bytes";
	case IDL_S_BOOL:
		return "bool";
	case IDL_S_INT:
		return gstr("%sint%d_t", t->is_unsigned ? "u" : "", t->int_bits);
	case IDL_S_TIMESTAMP:
		return "wc_timestamp";
	default:
		idl_fail(t->pos, "'%s' has no C type", t->name);
	}
}

const char *c_field(const idl_member *m)
{
	static const char *const kw[] = {
		"auto",    "break",  "case",     "char",   "const",    "continue", "default",
		"do",      "double", "else",     "enum",   "extern",   "float",    "for",
		"goto",    "if",     "inline",   "int",    "long",     "register", "restrict",
		"return",  "short",  "signed",   "sizeof", "static",   "struct",   "switch",
		"typedef", "union",  "unsigned", "void",   "volatile", "while",    "bool",
		"true",    "false",  "errno",    "unused",
	};
	const char *s = snake(m->name);

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		if (strcmp(kw[i], s) == 0)
			return gstr("%s_", s);
	}
	return s;
}

const char *service_prefix(const idl_shape *svc)
{
	const char *fp = file_prefix(svc->file) + 3; /* after "wc_" */
	const char *sn = snake(svc->name);
	char flat[256];
	size_t n = 0;

	for (const char *p = sn; *p && n + 1 < sizeof(flat); p++) {
		if (*p != '_')
			flat[n++] = *p;
	}
	flat[n] = '\0';
	if (strcmp(flat, fp) == 0)
		return file_prefix(svc->file);
	return gstr("%s_%s", file_prefix(svc->file), sn);
}

bool svc_receives(const idl_shape *svc)
{
	return svc->actor_receive;
}

bool svc_sends(const idl_shape *svc)
{
	return svc->provider_receive || (svc->actor_receive && !svc->contract_id);
}

void claim_name(const char *name, idl_pos pos)
{
	for (size_t i = 0; i < nnames; i++) {
		if (strcmp(names[i], name) == 0)
			idl_fail(pos, "generated C name '%s' clashes with the one made at %s:%d",
			         name, name_pos[i].file ? name_pos[i].file->path : "?",
			         name_pos[i].line);
	}
	idl_push((void ***)&names, &nnames, (void *)name);
	name_pos = xrealloc(name_pos, nnames * sizeof(*name_pos));
	name_pos[nnames - 1] = pos;
}

void write_file(const char *path, const ob *text)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || (text->n && fwrite(text->p, 1, text->n, fp) != text->n) || fclose(fp) != 0) {
		fprintf(stderr, "stratus-idlgen: error: cannot write %s: %s\n", path,
		        strerror(errno));
		exit(1);
	}
}

/* ---- Types ------------------------------------------------------------------ */

static bool file_emits(const idl_file *f)
{
	for (size_t i = 0; i < f->nshapes; i++) {
		const idl_shape *s = f->shapes[i];

		if (s->is_trait)
			continue;
		if (is_aggregate(s) || s->kind == IDL_ENUM)
			return true;
		if (s->kind == IDL_SERVICE && (svc_receives(s) || svc_sends(s)))
			return true;
	}
	return false;
}

static const char *member_comment(const idl_member *m, bool in_struct)
{
	if (!in_struct)
		return "";
	return gstr(" /* %s%s%s */", c_lit(m->wire_name), m->required ? ", required" : ", optional",
	            m->blob_format ? gstr(", %s", m->blob_format) : "");
}

static void emit_struct_def(ob *h, const idl_shape *s)
{
	const char *t = c_type(s);

	switch (s->kind) {
	case IDL_STRUCTURE:
	case IDL_UNION:
		ob_printf(h, "/* %s %s (%s)%s. */\n", s->kind == IDL_UNION ? "Union" : "Structure",
		          s->name, s->id,
		          s->kind == IDL_UNION ? ": set exactly one has_ flag" : "");
		ob_printf(h, "struct %s {\n", t);
		if (s->nmembers == 0)
			ob_printf(h, "\tchar unused; /* an empty structure (0x80) */\n");
		for (size_t i = 0; i < s->nmembers; i++) {
			const idl_member *m = &s->members[i];

			if (!m->required)
				ob_printf(h, "\tbool has_%s;\n", c_field(m));
			ob_printf(h, "\t%s %s;%s\n", c_type(m->target), c_field(m),
			          member_comment(m, true));
		}
		ob_printf(h, "};\n");
		break;
	case IDL_LIST:
		ob_printf(h, "/* List %s (%s): n items%s. */\n", s->name, s->id,
		          s->members[0].blob_format ?
		                  gstr(", each a %s-encoded Blob", s->members[0].blob_format) :
		                  "");
		ob_printf(h, "struct %s {\n\t%s *items;\n\tsize_t n;\n};\n", t,
		          c_type(s->members[0].target));
		break;
	case IDL_MAP:
		ob_printf(h, "/* Map %s (%s): n entries, keys[i] -> values[i], in wire order. */\n",
		          s->name, s->id);
		ob_printf(h, "struct %s {\n\t%s *keys;\n\t%s *values;\n\tsize_t n;\n};\n", t,
		          c_type(s->members[0].target), c_type(s->members[1].target));
		break;
	default:
		break;
	}
}

/* Emits s after the same-file aggregates it embeds by value (structures, unions). */
static void emit_types_ordered(ob *h, idl_shape *s, const idl_file *f, int *state, size_t idx,
                               idl_shape **all, size_t nall)
{
	if (state[idx] == 2)
		return;
	state[idx] = 1;
	if (s->kind == IDL_STRUCTURE || s->kind == IDL_UNION) {
		for (size_t i = 0; i < s->nmembers; i++) {
			idl_shape *t = s->members[i].target;

			if (t->file != f || !is_aggregate(t))
				continue;
			for (size_t j = 0; j < nall; j++) {
				if (all[j] == t && state[j] == 0)
					emit_types_ordered(h, t, f, state, j, all, nall);
			}
		}
	}
	emit_struct_def(h, s);
	emit_codec_protos(h, s);
	ob_printf(h, "\n");
	state[idx] = 2;
}

/* Adds to deps (a list of files) every other file whose types s refers to. */
static void add_dep(const idl_file ***deps, size_t *n, const idl_file *self, const idl_shape *t)
{
	if (!t || !t->file || t->file == self || !(is_aggregate(t) || t->kind == IDL_ENUM))
		return;
	for (size_t i = 0; i < *n; i++) {
		if ((*deps)[i] == t->file)
			return;
	}
	idl_push((void ***)deps, n, (void *)t->file);
}

static void banner(ob *b, const char *name, const idl_file *f, const char *what)
{
	ob_printf(b, "/*\n * %s - generated by stratus-idlgen from %s; DO NOT EDIT.\n", name,
	          f->path);
	ob_printf(b, " * %s for namespace %s.\n", what, f->ns);
	ob_printf(b, " * Naming, memory and error conventions: tools/idlgen/README.md.\n */\n");
}

static void emit_file(const idl_file *f, const char *outdir)
{
	ob h = { 0 }, c = { 0 };
	const char *hname = gstr("wc_%s.h", f->stem), *cname = gstr("wc_%s.c", f->stem);
	const idl_file **deps = NULL;
	size_t ndeps = 0, nagg = 0;
	idl_shape **agg = NULL;
	int *state;
	bool any_svc = false;

	for (size_t i = 0; i < f->nshapes; i++) {
		idl_shape *s = f->shapes[i];

		if (s->is_trait)
			continue;
		if (is_aggregate(s)) {
			idl_push((void ***)&agg, &nagg, s);
			for (size_t k = 0; k < s->nmembers; k++)
				add_dep(&deps, &ndeps, f, s->members[k].target);
		}
		if (s->kind == IDL_SERVICE && (svc_receives(s) || svc_sends(s))) {
			any_svc = true;
			for (size_t k = 0; k < s->nops; k++) {
				add_dep(&deps, &ndeps, f, s->ops[k]->input);
				add_dep(&deps, &ndeps, f, s->ops[k]->output);
			}
		}
	}

	/* Header. */
	banner(&h, hname, f,
	       any_svc ? "C types, codecs, sender stubs and receivers" : "C types and codecs");
	ob_printf(&h, "#ifndef STRATUS_SDK_GEN_%s_H\n#define STRATUS_SDK_GEN_%s_H\n\n",
	          upper(gstr("wc_%s", f->stem)), upper(gstr("wc_%s", f->stem)));
	ob_printf(&h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n");
	ob_printf(&h, "#include \"wc_gen.h\"\n");
	for (size_t i = 0; i < ndeps; i++)
		ob_printf(&h, "#include \"wc_%s.h\"\n", deps[i]->stem);
	ob_printf(&h, "\n");
	if (nagg) {
		ob_printf(&h,
		          "/*\n * Codecs: for each type T below,\n"
		          " *   int T_encode(mp_writer *w, const T *v) appends v as MessagePack "
		          "(interfaces.md 1.2) and returns mp_writer_status(w);\n"
		          " *   int T_decode(mp_reader *r, T *out) reads one value: 0, or "
		          "ST_ETRUNC / ST_EMALFORMED / ST_ENOMEM with r->msg set.\n"
		          " * Types used by a CBOR (protocol \"2\") service also have "
		          "T_cbor_encode / T_cbor_decode (interfaces.md 1.3).\n"
		          " * Decoded strings and blobs borrow the input; arrays come from "
		          "wc_alloc. Both live until the invocation ends.\n */\n\n");
	}
	for (size_t i = 0; i < f->nshapes; i++) {
		const idl_shape *s = f->shapes[i];

		if (s->kind != IDL_ENUM)
			continue;
		claim_name(c_type(s), s->pos);
		ob_printf(&h,
		          "/* Enum %s (%s): a string; unknown values are kept as they are. */\n",
		          s->name, s->id);
		ob_printf(&h, "typedef wc_str %s;\n", c_type(s));
		for (size_t k = 0; k < s->nvalues; k++) {
			const char *mac = upper(gstr("%s_%s", c_type(s), s->values[k].name));

			claim_name(mac, s->values[k].pos);
			ob_printf(&h, "#define %s %s\n", mac, c_lit(s->values[k].value));
		}
		ob_printf(&h, "\n");
	}
	for (size_t i = 0; i < nagg; i++) {
		claim_name(c_type(agg[i]), agg[i]->pos);
		ob_printf(&h, "typedef struct %s %s;\n", c_type(agg[i]), c_type(agg[i]));
	}
	if (nagg)
		ob_printf(&h, "\n");
	state = xcalloc(nagg ? nagg : 1, sizeof(*state));
	for (size_t i = 0; i < nagg; i++)
		emit_types_ordered(&h, agg[i], f, state, i, agg, nagg);
	st_free(state);
	for (size_t i = 0; i < f->nshapes; i++) {
		const idl_shape *s = f->shapes[i];

		if (s->kind == IDL_SERVICE && (svc_receives(s) || svc_sends(s)))
			emit_service_decls(&h, s);
	}
	ob_printf(&h, "#endif\n");

	/* Source. */
	banner(&c, cname, f, "Codecs, sender stubs and receivers");
	ob_printf(&c, "#include \"%s\"\n\n#include \"core/banned.h\"\n", hname);
	for (size_t i = 0; i < nagg; i++)
		emit_codec_defs(&c, agg[i]);
	for (size_t i = 0; i < f->nshapes; i++) {
		const idl_shape *s = f->shapes[i];

		if (s->kind == IDL_SERVICE && (svc_receives(s) || svc_sends(s)))
			emit_service_defs(&c, s);
	}

	write_file(gstr("%s/%s", outdir, hname), &h);
	write_file(gstr("%s/%s", outdir, cname), &c);
	ob_free(&h);
	ob_free(&c);
	st_free(deps);
	st_free(agg);
}

static void emit_runtime(const char *outdir)
{
	static const char note[] = " - generated by stratus-idlgen (copied from "
				   "tools/idlgen/runtime/); DO NOT EDIT.\n";
	ob b = { 0 };

	ob_printf(&b, "/* wc_gen.h%s", note);
	ob_printf(&b, " * (The runtime of the generated bindings.)\n */\n");
	ob_printf(&b, "%.*s", (int)idlgen_rt_h_len, (const char *)idlgen_rt_h);
	write_file(gstr("%s/wc_gen.h", outdir), &b);
	ob_free(&b);
	ob_printf(&b, "/* wc_gen.c%s", note);
	ob_printf(&b, " * (The runtime of the generated bindings.)\n */\n");
	ob_printf(&b, "%.*s", (int)idlgen_rt_c_len, (const char *)idlgen_rt_c);
	write_file(gstr("%s/wc_gen.c", outdir), &b);
	ob_free(&b);
}

void emit_all(const idl_model *m, const char *outdir)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(m->files[i]->stem, m->files[j]->stem) == 0)
				idl_fail(
					(idl_pos){ m->files[i], 1, 1 },
					"two input files named %s.smithy would write the same output",
					m->files[i]->stem);
		}
		if (strcmp(m->files[i]->stem, "gen") == 0)
			idl_fail(
				(idl_pos){ m->files[i], 1, 1 },
				"an input named gen.smithy would overwrite the runtime wc_gen.[ch]");
	}
	emit_runtime(outdir);
	for (size_t i = 0; i < m->nfiles; i++) {
		if (file_emits(m->files[i]))
			emit_file(m->files[i], outdir);
	}
}
