/*
 * emit_samples.c - `stratus-idlgen --samples OUT.c`: writes, for every
 * structure, union, list and map of the model, a sample filler (seed 0:
 * minimal value, optional members absent and lists empty; seed 1: every
 * member present with small values; seed 2: every member present with
 * long strings, big blobs and extreme integers), a deep equality, and a
 * table of them with the type's codecs (tests/idl/idl_samples.h). The
 * unit test tests/unit/test_idl_roundtrip.c walks that table. The output is
 * native test code (it uses libc) and is not checked in.
 */
#include <string.h>

#include "emit.h"
#include "core/mem.h"
#include "core/banned.h"

/* The sample expression for a scalar of type t, member/element index i, tag for strings. */
static const char *sample_scalar(const idl_shape *t, const char *i, const char *tag)
{
	if (t->kind == IDL_ENUM)
		return gstr("s_enum(seed, %s)", t->nvalues ? c_lit(t->values[0].value) : "\"\"");
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("s_str(seed, %s, %s)", i, c_lit(tag));
	case IDL_S_BLOB:
		return gstr("s_blob(seed, %s)", i);
	case IDL_S_BOOL:
		return gstr("s_bool(seed, %s)", i);
	case IDL_S_INT:
		if (t->is_unsigned)
			return gstr("(uint%d_t)s_uint(seed, %s, UINT%d_MAX)", t->int_bits, i,
			            t->int_bits);
		return gstr("(int%d_t)s_int(seed, %s, INT%d_MIN, INT%d_MAX)", t->int_bits, i,
		            t->int_bits, t->int_bits);
	case IDL_S_TIMESTAMP:
		return gstr("s_ts(seed, %s)", i);
	default:
		idl_fail(t->pos, "no sample for '%s'", t->name);
	}
}

/* A statement filling lvalue lv (of type t). */
static const char *sample_stmt(const idl_shape *t, const char *lv, const char *i, const char *tag)
{
	if (is_aggregate(t))
		return gstr("sample_%s(&%s, seed);", c_type(t), lv);
	return gstr("%s = %s;", lv, sample_scalar(t, i, tag));
}

/* An expression comparing lvalues a and b (of type t). */
static const char *equal_expr(const idl_shape *t, const char *a, const char *b)
{
	if (is_aggregate(t))
		return gstr("equal_%s(&%s, &%s)", c_type(t), a, b);
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("eq_str(%s, %s)", a, b);
	case IDL_S_BLOB:
		return gstr("eq_blob(%s, %s)", a, b);
	case IDL_S_TIMESTAMP:
		return gstr("(%s.sec == %s.sec && %s.nsec == %s.nsec)", a, b, a, b);
	default:
		return gstr("(%s == %s)", a, b);
	}
}

static void emit_type(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);

	ob_printf(c, "\nstatic void sample_%s(%s *v, unsigned seed)\n{\n", t, t);
	ob_printf(c, "\tmemset(v, 0, sizeof(*v));\n");
	switch (s->kind) {
	case IDL_STRUCTURE:
		for (size_t k = 0; k < s->nmembers; k++) {
			const idl_member *m = &s->members[k];
			const char *lv = gstr("v->%s", c_field(m));
			const char *stmt = sample_stmt(m->target, lv, gstr("%zu", k),
			                               gstr("%s.%s", s->name, m->name));

			if (m->required) {
				ob_printf(c, "\t%s\n", stmt);
			} else {
				ob_printf(c, "\tv->has_%s = seed > 0;\n", c_field(m));
				ob_printf(c, "\tif (v->has_%s)\n\t\t%s\n", c_field(m), stmt);
			}
		}
		if (s->nmembers == 0)
			ob_printf(c, "\t(void)seed;\n");
		break;
	case IDL_UNION:
		for (size_t k = 0; k < s->nmembers; k++) {
			const idl_member *m = &s->members[k];

			ob_printf(
				c,
				"\tif (seed %% %zu == %zu) {\n\t\tv->has_%s = true;\n\t\t%s\n\t}\n",
				s->nmembers, k, c_field(m),
				sample_stmt(m->target, gstr("v->%s", c_field(m)), gstr("%zu", k),
			                    gstr("%s.%s", s->name, m->name)));
		}
		break;
	case IDL_LIST:
		ob_printf(c, "\tv->n = seed ? seed + 1 : 0;\n");
		ob_printf(c, "\tv->items = v->n ? wc_alloc(v->n * sizeof(*v->items)) : NULL;\n");
		ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++)\n\t\t%s\n",
		          sample_stmt(s->members[0].target, "v->items[i]", "(unsigned)i",
		                      gstr("%s.item", s->name)));
		break;
	case IDL_MAP:
		ob_printf(c, "\tv->n = seed ? seed + 1 : 0;\n");
		ob_printf(c, "\tv->keys = v->n ? wc_alloc(v->n * sizeof(*v->keys)) : NULL;\n");
		ob_printf(c, "\tv->values = v->n ? wc_alloc(v->n * sizeof(*v->values)) : NULL;\n");
		ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++) {\n");
		ob_printf(c, "\t\tv->keys[i] = s_str(seed, (unsigned)i, %s);\n",
		          c_lit(gstr("%s.key", s->name)));
		ob_printf(c, "\t\t%s\n\t}\n",
		          sample_stmt(s->members[1].target, "v->values[i]", "(unsigned)i",
		                      gstr("%s.value", s->name)));
		break;
	default:
		break;
	}
	ob_printf(c, "}\n");

	ob_printf(c, "\nstatic bool equal_%s(const %s *a, const %s *b)\n{\n", t, t, t);
	switch (s->kind) {
	case IDL_STRUCTURE:
	case IDL_UNION:
		if (s->nmembers == 0)
			ob_printf(c, "\t(void)a;\n\t(void)b;\n");
		for (size_t k = 0; k < s->nmembers; k++) {
			const idl_member *m = &s->members[k];
			const char *f = c_field(m);
			const char *eq = equal_expr(m->target, gstr("a->%s", f), gstr("b->%s", f));

			if (m->required) {
				ob_printf(c, "\tif (!%s)\n\t\treturn false;\n", eq);
			} else {
				ob_printf(c, "\tif (a->has_%s != b->has_%s)\n\t\treturn false;\n",
				          f, f);
				ob_printf(c, "\tif (a->has_%s && !%s)\n\t\treturn false;\n", f, eq);
			}
		}
		ob_printf(c, "\treturn true;\n");
		break;
	case IDL_LIST:
		ob_printf(c, "\tif (a->n != b->n)\n\t\treturn false;\n");
		ob_printf(c,
		          "\tfor (size_t i = 0; i < a->n; i++) {\n\t\tif (!%s)\n\t\t\treturn "
		          "false;\n\t}\n\treturn true;\n",
		          equal_expr(s->members[0].target, "a->items[i]", "b->items[i]"));
		break;
	case IDL_MAP:
		ob_printf(c, "\tif (a->n != b->n)\n\t\treturn false;\n");
		ob_printf(c,
		          "\tfor (size_t i = 0; i < a->n; i++) {\n\t\tif (!eq_str(a->keys[i], "
		          "b->keys[i]) || !%s)\n\t\t\treturn false;\n\t}\n\treturn true;\n",
		          equal_expr(s->members[1].target, "a->values[i]", "b->values[i]"));
		break;
	default:
		break;
	}
	ob_printf(c, "}\n");

	ob_printf(c, "\nstatic void fill_%s(void *v, unsigned seed)\n{\n\tsample_%s(v, seed);\n}\n",
	          t, t);
	ob_printf(c,
	          "\nstatic bool eq_%s(const void *a, const void *b)\n{\n\treturn equal_%s(a, "
	          "b);\n}\n",
	          t, t);
	ob_printf(c,
	          "\nstatic int mpenc_%s(mp_writer *w, const void *v)\n{\n\treturn "
	          "%s_encode(w, v);\n}\n",
	          t, t);
	ob_printf(c,
	          "\nstatic int mpdec_%s(mp_reader *r, void *v)\n{\n\treturn %s_decode(r, v);\n}\n",
	          t, t);
	if (s->needs_cbor) {
		ob_printf(c,
		          "\nstatic int cbenc_%s(mp_writer *w, const void *v)\n{\n\treturn "
		          "%s_cbor_encode(w, v);\n}\n",
		          t, t);
		ob_printf(c,
		          "\nstatic int cbdec_%s(wcg_cbor_reader *r, void *v)\n{\n\treturn "
		          "%s_cbor_decode(r, v);\n}\n",
		          t, t);
	}
}

static const char prologue[] =
	"\n#include <stdio.h>\n#include <string.h>\n\n"
	"static wc_str s_str(unsigned seed, unsigned i, const char *tag)\n{\n"
	"\tsize_t cap = strlen(tag) + 80;\n\tchar *p;\n\n"
	"\tif (seed == 0)\n\t\treturn (wc_str){ \"\", 0 };\n"
	"\tp = wc_alloc(cap);\n"
	"\tif (seed == 1)\n\t\tsnprintf(p, cap, \"%s#%u\", tag, i);\n"
	"\telse\n\t\tsnprintf(p, cap, \"%s#%u/a long sample string over thirty-one bytes\", tag, "
	"i);\n"
	"\treturn (wc_str){ p, strlen(p) };\n}\n\n"
	"static wc_str s_enum(unsigned seed, const char *first)\n{\n"
	"\tif (seed == 0)\n\t\treturn (wc_str){ \"\", 0 };\n"
	"\tif (seed == 1)\n\t\treturn (wc_str){ first, strlen(first) };\n"
	"\treturn WCG_STR(\"an-unknown-enum-value\");\n}\n\n"
	"static wc_bytes s_blob(unsigned seed, unsigned i)\n{\n"
	"\tsize_t n = seed == 0 ? 0 : seed == 1 ? 3 : 300;\n"
	"\tuint8_t *p = wc_alloc(n ? n : 1);\n\n"
	"\tfor (size_t k = 0; k < n; k++)\n\t\tp[k] = (uint8_t)(k * 7 + i);\n"
	"\tif (n)\n\t\tp[n - 1] = 0xff;\n"
	"\treturn (wc_bytes){ p, n };\n}\n\n"
	"static bool s_bool(unsigned seed, unsigned i)\n{\n"
	"\treturn seed == 1 || (seed == 2 && i % 2 == 0);\n}\n\n"
	"static uint64_t s_uint(unsigned seed, unsigned i, uint64_t max)\n{\n"
	"\tif (seed == 0)\n\t\treturn 0;\n"
	"\treturn seed == 1 ? i + 1 : max - i;\n}\n\n"
	"static int64_t s_int(unsigned seed, unsigned i, int64_t min, int64_t max)\n{\n"
	"\tif (seed == 0)\n\t\treturn 0;\n"
	"\tif (seed == 1)\n\t\treturn i % 2 ? -(int64_t)i - 1 : (int64_t)i + 1;\n"
	"\treturn i % 2 ? min + i : max - i;\n}\n\n"
	"static wc_timestamp s_ts(unsigned seed, unsigned i)\n{\n"
	"\tif (seed == 0)\n\t\treturn (wc_timestamp){ 0, 0 };\n"
	"\tif (seed == 1)\n\t\treturn (wc_timestamp){ 1 + i, 2 };\n"
	"\treturn (wc_timestamp){ -5 - (int64_t)i, 999999999 };\n}\n\n"
	"static bool eq_str(wc_str a, wc_str b)\n{\n"
	"\treturn a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);\n}\n\n"
	"static bool eq_blob(wc_bytes a, wc_bytes b)\n{\n"
	"\treturn a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);\n}\n";

/* Emits the types of file f in an order where every sample_/equal_ is defined before use. */
static void emit_ordered(ob *c, const idl_model *m, idl_shape *s)
{
	if (s->visit == 3)
		return;
	s->visit = 3;
	for (size_t i = 0; i < s->nmembers; i++) {
		if (is_aggregate(s->members[i].target))
			emit_ordered(c, m, s->members[i].target);
	}
	emit_type(c, s);
}

void emit_samples(const idl_model *m, const char *path)
{
	ob c = { 0 };
	idl_shape **agg = NULL;
	size_t nagg = 0;

	ob_printf(&c, "/*\n * idl_samples.c - generated by stratus-idlgen --samples; DO NOT EDIT.\n"
	              " * Sample values, equality and codecs of every generated type "
	              "(tests/idl/idl_samples.h).\n */\n");
	ob_printf(&c, "#include \"idl_samples.h\"\n\n");
	for (size_t i = 0; i < m->nfiles; i++) {
		const idl_file *f = m->files[i];
		bool any = false;

		for (size_t j = 0; j < f->nshapes; j++) {
			idl_shape *s = f->shapes[j];

			if (s->is_trait || !is_aggregate(s))
				continue;
			any = true;
			idl_push((void ***)&agg, &nagg, s);
		}
		if (any)
			ob_printf(&c, "#include \"wc_%s.h\"\n", f->stem);
	}
	ob_printf(&c, "%s", prologue);
	for (size_t i = 0; i < nagg; i++)
		emit_ordered(&c, m, agg[i]);
	ob_printf(&c, "\nconst idl_sample_type idl_sample_types[] = {\n");
	for (size_t i = 0; i < nagg; i++) {
		const char *t = c_type(agg[i]);

		ob_printf(&c, "\t{ %s, sizeof(%s), fill_%s, eq_%s, mpenc_%s, mpdec_%s, ",
		          c_lit(agg[i]->id), t, t, t, t, t);
		if (agg[i]->needs_cbor)
			ob_printf(&c, "cbenc_%s, cbdec_%s },\n", t, t);
		else
			ob_printf(&c, "NULL, NULL },\n");
	}
	ob_printf(&c, "};\n\nconst size_t idl_sample_ntypes = %zu;\n", nagg);
	write_file(path, &c);
	ob_free(&c);
	st_free(agg);
}
