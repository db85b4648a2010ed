/*
 * emit_codec.c - emits the MessagePack (interfaces.md 1.2) and CBOR (1.3)
 * codecs of structures, unions, lists and maps.
 *
 * MessagePack: a structure is a map keyed by wire names in @n order,
 * absent optional members omitted; the decoder loops over the keys (any
 * order, unknown keys skipped, nil accepted for optional members), leaves
 * missing scalars at their zero value and fails on a missing required
 * list/map/structure. CBOR: a structure is an array in @n order with null
 * for an absent optional member and a Timestamp written as two inline
 * items; the decoder also accepts a map keyed by wire names. A union is
 * encoded like a structure whose members are all optional (one is set).
 */
#include "emit.h"

#include <string.h>

#include "core/banned.h"

/* The address of lvalue lv: "*in" -> "in", "v->x" -> "&v->x". */
static const char *addr(const char *lv)
{
	if (lv[0] == '*')
		return lv + 1;
	return gstr("&%s", lv);
}

/* "u16" / "i32" for integer shape t. */
static const char *int_suffix(const idl_shape *t)
{
	return gstr("%c%d", t->is_unsigned ? 'u' : 'i', t->int_bits);
}

const char *mp_encode_stmt(const idl_shape *t, const char *lv)
{
	if (is_aggregate(t))
		return gstr("%s_encode(w, %s);", c_type(t), addr(lv));
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("wcg_mp_write_str(w, %s);", lv);
	case IDL_S_BLOB:
		return gstr("wcg_mp_write_blob(w, %s);", lv);
	case IDL_S_BOOL:
		return gstr("mp_write_bool(w, %s);", lv);
	case IDL_S_INT:
		return gstr("mp_write_%s(w, %s);", t->is_unsigned ? "uint" : "int", lv);
	case IDL_S_TIMESTAMP:
		return gstr("wcg_timestamp_encode(w, %s);", addr(lv));
	default:
		idl_fail(t->pos, "cannot encode '%s'", t->name);
	}
}

const char *mp_decode_expr(const idl_shape *t, const char *lv)
{
	if (is_aggregate(t))
		return gstr("%s_decode(r, %s)", c_type(t), addr(lv));
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("wcg_mp_read_str(r, %s)", addr(lv));
	case IDL_S_BLOB:
		return gstr("wcg_mp_read_blob(r, %s)", addr(lv));
	case IDL_S_BOOL:
		return gstr("mp_read_bool(r, %s)", addr(lv));
	case IDL_S_INT:
		return gstr("wcg_mp_read_%s(r, %s)", int_suffix(t), addr(lv));
	case IDL_S_TIMESTAMP:
		return gstr("wcg_timestamp_decode(r, %s)", addr(lv));
	default:
		idl_fail(t->pos, "cannot decode '%s'", t->name);
	}
}

const char *cbor_encode_stmt(const idl_shape *t, const char *lv)
{
	if (is_aggregate(t))
		return gstr("%s_cbor_encode(w, %s);", c_type(t), addr(lv));
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("wcg_cbor_write_str(w, %s);", lv);
	case IDL_S_BLOB:
		return gstr("wcg_cbor_write_blob(w, %s);", lv);
	case IDL_S_BOOL:
		return gstr("wcg_cbor_write_bool(w, %s);", lv);
	case IDL_S_INT:
		return gstr("wcg_cbor_write_%s(w, %s);", t->is_unsigned ? "uint" : "int", lv);
	case IDL_S_TIMESTAMP:
		return gstr("wcg_timestamp_cbor_encode(w, %s);", addr(lv));
	default:
		idl_fail(t->pos, "cannot encode '%s'", t->name);
	}
}

const char *cbor_decode_expr(const idl_shape *t, const char *lv)
{
	if (is_aggregate(t))
		return gstr("%s_cbor_decode(r, %s)", c_type(t), addr(lv));
	switch (scalar_of(t)) {
	case IDL_S_STRING:
		return gstr("wcg_cbor_read_str(r, %s)", addr(lv));
	case IDL_S_BLOB:
		return gstr("wcg_cbor_read_blob(r, %s)", addr(lv));
	case IDL_S_BOOL:
		return gstr("wcg_cbor_read_bool(r, %s)", addr(lv));
	case IDL_S_INT:
		return gstr("wcg_cbor_read_%s(r, %s)", int_suffix(t), addr(lv));
	case IDL_S_TIMESTAMP:
		return gstr("wcg_timestamp_cbor_decode(r, %s)", addr(lv));
	default:
		idl_fail(t->pos, "cannot decode '%s'", t->name);
	}
}

/* True when a missing required member of type t is a decode error (list, map, structure). */
static bool missing_is_error(const idl_shape *t)
{
	return is_aggregate(t);
}

static bool is_timestamp(const idl_shape *t)
{
	return scalar_of(t) == IDL_S_TIMESTAMP;
}

void emit_codec_protos(ob *h, const idl_shape *s)
{
	const char *t = c_type(s);

	claim_name(gstr("%s_encode", t), s->pos);
	claim_name(gstr("%s_decode", t), s->pos);
	ob_printf(h, "int %s_encode(mp_writer *w, const %s *v);\n", t, t);
	ob_printf(h, "int %s_decode(mp_reader *r, %s *out);\n", t, t);
	if (s->needs_cbor) {
		claim_name(gstr("%s_cbor_encode", t), s->pos);
		claim_name(gstr("%s_cbor_decode", t), s->pos);
		ob_printf(h, "int %s_cbor_encode(mp_writer *w, const %s *v);\n", t, t);
		ob_printf(h, "int %s_cbor_decode(wcg_cbor_reader *r, %s *out);\n", t, t);
	}
}

/* ---- MessagePack ------------------------------------------------------------ */

static void mp_struct(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	size_t nreq = 0;
	bool any_opt = false, any_got = false;

	/* Encoder. */
	ob_printf(c, "\nint %s_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	for (size_t i = 0; i < s->nmembers; i++) {
		if (s->members[i].required)
			nreq++;
		else
			any_opt = true;
	}
	if (any_opt) {
		ob_printf(c, "\tsize_t n = %zu;\n\n", nreq);
		for (size_t i = 0; i < s->nmembers; i++) {
			const idl_member *m = &s->members[i];

			if (!m->required)
				ob_printf(c, "\tif (v->has_%s)\n\t\tn++;\n", c_field(m));
		}
		ob_printf(c, "\twcg_mp_write_map(w, n);\n");
	} else {
		if (s->nmembers == 0)
			ob_printf(c, "\t(void)v;\n");
		ob_printf(c, "\tmp_write_map(w, %zu);\n", nreq);
	}
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];
		const char *lv = gstr("v->%s", c_field(m));
		const char *ind = m->required ? "\t" : "\t\t";

		if (!m->required)
			ob_printf(c, "\tif (v->has_%s) {\n", c_field(m));
		ob_printf(c, "%smp_write_str(w, %s, %zu);\n", ind, c_lit(m->wire_name),
		          strlen(m->wire_name));
		ob_printf(c, "%s%s\n", ind, mp_encode_stmt(m->target, lv));
		if (!m->required)
			ob_printf(c, "\t}\n");
	}
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	/* Decoder. */
	ob_printf(c, "\nint %s_decode(mp_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c, "\tuint32_t n;\n");
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];

		if (m->required && missing_is_error(m->target)) {
			ob_printf(c, "\tbool got_%s = false;\n", c_field(m));
			any_got = true;
		}
	}
	ob_printf(c, "\tint rc;\n\n\twcg_zero(out, sizeof(*out));\n");
	ob_printf(c, "\trc = mp_read_map(r, &n);\n\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\twc_str k;\n\n");
	ob_printf(c, "\t\trc = wcg_mp_read_key(r, &k);\n\t\tif (rc < 0)\n\t\t\treturn rc;\n");
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];
		const char *f = c_field(m);
		const char *lv = gstr("out->%s", f);

		ob_printf(c, "\t\t%sif (wcg_str_eq(k, %s)) {\n", i ? "} else " : "",
		          c_lit(m->wire_name));
		if (m->required) {
			ob_printf(c, "\t\t\trc = %s;\n", mp_decode_expr(m->target, lv));
			if (missing_is_error(m->target))
				ob_printf(c, "\t\t\tgot_%s = true;\n", f);
		} else {
			ob_printf(c, "\t\t\tout->has_%s = !wcg_mp_try_nil(r);\n", f);
			ob_printf(c, "\t\t\tif (out->has_%s)\n\t\t\t\trc = %s;\n", f,
			          mp_decode_expr(m->target, lv));
		}
	}
	ob_printf(c, "\t\t%s\n", s->nmembers ? "} else {" : "{");
	ob_printf(c, "\t\t\trc = mp_skip(r);\n\t\t}\n\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n");
	if (any_got) {
		for (size_t i = 0; i < s->nmembers; i++) {
			const idl_member *m = &s->members[i];

			if (m->required && missing_is_error(m->target))
				ob_printf(c, "\tif (!got_%s)\n\t\treturn wcg_mp_missing(r, %s);\n",
				          c_field(m), c_lit(m->wire_name));
		}
	}
	ob_printf(c, "\treturn 0;\n}\n");
}

static void mp_list(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	const idl_shape *it = s->members[0].target;

	ob_printf(c, "\nint %s_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	ob_printf(c, "\twcg_mp_write_array(w, v->n);\n");
	ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++)\n\t\t%s\n",
	          mp_encode_stmt(it, "v->items[i]"));
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	ob_printf(c, "\nint %s_decode(mp_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c, "\tuint32_t n;\n\tint rc = mp_read_array(r, &n);\n\n");
	ob_printf(c, "\tout->items = NULL;\n\tout->n = 0;\n\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tif (n == 0)\n\t\treturn 0;\n");
	ob_printf(c, "\tout->items = wcg_alloc_array(n, sizeof(*out->items));\n");
	ob_printf(c,
	          "\tif (!out->items)\n\t\treturn wcg_mp_fail(r, ST_ENOMEM, \"out of memory\");\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\trc = %s;\n",
	          mp_decode_expr(it, "out->items[i]"));
	ob_printf(c, "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n\tout->n = n;\n\treturn 0;\n}\n");
}

static void mp_map(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	const idl_shape *kt = s->members[0].target, *vt = s->members[1].target;

	ob_printf(c, "\nint %s_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	ob_printf(c, "\twcg_mp_write_map(w, v->n);\n");
	ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++) {\n\t\t%s\n\t\t%s\n\t}\n",
	          mp_encode_stmt(kt, "v->keys[i]"), mp_encode_stmt(vt, "v->values[i]"));
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	ob_printf(c, "\nint %s_decode(mp_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c, "\tuint32_t n;\n\tint rc = mp_read_map(r, &n);\n\n");
	ob_printf(c, "\tout->keys = NULL;\n\tout->values = NULL;\n\tout->n = 0;\n");
	ob_printf(c, "\tif (rc < 0)\n\t\treturn rc;\n\tif (n == 0)\n\t\treturn 0;\n");
	ob_printf(c, "\tout->keys = wcg_alloc_array(n, sizeof(*out->keys));\n");
	ob_printf(c, "\tout->values = wcg_alloc_array(n, sizeof(*out->values));\n");
	ob_printf(c, "\tif (!out->keys || !out->values)\n"
	             "\t\treturn wcg_mp_fail(r, ST_ENOMEM, \"out of memory\");\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\trc = %s;\n",
	          mp_decode_expr(kt, "out->keys[i]"));
	ob_printf(c, "\t\tif (rc == 0)\n\t\t\trc = %s;\n", mp_decode_expr(vt, "out->values[i]"));
	ob_printf(c, "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n\tout->n = n;\n\treturn 0;\n}\n");
}

/* ---- CBOR ------------------------------------------------------------------- */

/* Fails generation for CBOR shapes the encoding rules leave undefined. */
static void cbor_check_element(const idl_shape *s, const idl_member *m)
{
	if (is_timestamp(m->target))
		idl_fail(m->pos, "%s: a Timestamp as a list/map element has no CBOR form (1.3)",
		         s->name);
}

/* The map-form decoder of a CBOR structure (static helper). */
static void cbor_struct_map(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	bool any_got = false;

	ob_printf(c, "\n/* %s from a CBOR map keyed by wire names (also accepted, 1.3). */\n",
	          s->name);
	ob_printf(c, "static int %s_cbor_decode_map(wcg_cbor_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c, "\tuint32_t n;\n\tbool indef;\n");
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];

		if (m->required && missing_is_error(m->target)) {
			ob_printf(c, "\tbool got_%s = false;\n", c_field(m));
			any_got = true;
		}
	}
	ob_printf(
		c,
		"\tint rc = wcg_cbor_read_map(r, &n, &indef);\n\n\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\twc_str k;\n\n");
	ob_printf(c, "\t\trc = wcg_cbor_read_key(r, &k);\n\t\tif (rc < 0)\n\t\t\treturn rc;\n");
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];
		const char *f = c_field(m);
		const char *lv = gstr("out->%s", f);
		const char *expr = is_timestamp(m->target) ?
		                           gstr("wcg_timestamp_cbor_decode_value(r, &%s)", lv) :
		                           cbor_decode_expr(m->target, lv);

		ob_printf(c, "\t\t%sif (wcg_str_eq(k, %s)) {\n", i ? "} else " : "",
		          c_lit(m->wire_name));
		if (m->required) {
			ob_printf(c, "\t\t\trc = %s;\n", expr);
			if (missing_is_error(m->target))
				ob_printf(c, "\t\t\tgot_%s = true;\n", f);
		} else {
			ob_printf(c, "\t\t\tout->has_%s = !wcg_cbor_try_null(r);\n", f);
			ob_printf(c, "\t\t\tif (out->has_%s)\n\t\t\t\trc = %s;\n", f, expr);
		}
	}
	ob_printf(c, "\t\t%s\n", s->nmembers ? "} else {" : "{");
	ob_printf(c,
	          "\t\t\trc = wcg_cbor_skip(r);\n\t\t}\n\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n");
	if (any_got) {
		for (size_t i = 0; i < s->nmembers; i++) {
			const idl_member *m = &s->members[i];

			if (m->required && missing_is_error(m->target))
				ob_printf(c,
				          "\tif (!got_%s)\n\t\treturn wcg_cbor_missing(r, %s);\n",
				          c_field(m), c_lit(m->wire_name));
		}
	}
	ob_printf(c, "\treturn wcg_cbor_read_end(r, indef);\n}\n");
}

static void cbor_struct(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	size_t nfixed = 0;
	bool any_opt_ts = false;

	/* Encoder: an array with one slot per member, two for a present Timestamp. */
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];

		if (is_timestamp(m->target) && m->required)
			nfixed += 2;
		else
			nfixed += 1;
		if (is_timestamp(m->target) && !m->required)
			any_opt_ts = true;
	}
	ob_printf(c, "\nint %s_cbor_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	if (any_opt_ts) {
		ob_printf(c, "\tsize_t n = %zu;\n\n", nfixed);
		for (size_t i = 0; i < s->nmembers; i++) {
			const idl_member *m = &s->members[i];

			if (is_timestamp(m->target) && !m->required)
				ob_printf(
					c,
					"\tif (v->has_%s)\n\t\tn++; /* two items, not one null */\n",
					c_field(m));
		}
		ob_printf(c, "\twcg_cbor_write_array(w, n);\n");
	} else {
		if (s->nmembers == 0)
			ob_printf(c, "\t(void)v;\n");
		ob_printf(c, "\twcg_cbor_write_array(w, %zu);\n", nfixed);
	}
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];
		const char *lv = gstr("v->%s", c_field(m));

		if (m->required) {
			ob_printf(c, "\t%s\n", cbor_encode_stmt(m->target, lv));
		} else {
			ob_printf(c,
			          "\tif (v->has_%s)\n\t\t%s\n\telse\n\t\twcg_cbor_write_null(w);\n",
			          c_field(m), cbor_encode_stmt(m->target, lv));
		}
	}
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	cbor_struct_map(c, s);

	/* Decoder: array form, slot by slot; missing trailing slots are absent members. */
	ob_printf(c, "\nint %s_cbor_decode(wcg_cbor_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c, "\tuint32_t n, i = 0;\n\tbool indef;\n\twcg_cbor_type type;\n\tint rc;\n\n");
	ob_printf(c, "\twcg_zero(out, sizeof(*out));\n\trc = wcg_cbor_peek(r, &type);\n"
	             "\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tif (type == WCG_CBOR_MAP)\n\t\treturn %s_cbor_decode_map(r, out);\n", t);
	ob_printf(c, "\trc = wcg_cbor_read_array(r, &n, &indef);\n\tif (rc < 0)\n\t\treturn rc;\n");
	for (size_t i = 0; i < s->nmembers; i++) {
		const idl_member *m = &s->members[i];
		const char *f = c_field(m);
		const char *lv = gstr("out->%s", f);
		bool ts = is_timestamp(m->target);
		const char *need = ts ? "\t\tif (n - i < 2)\n\t\t\treturn wcg_cbor_fail(r, "
		                        "ST_EMALFORMED, \"a Timestamp needs two items\");\n" :
		                        "";

		ob_printf(c, "\t/* %s */\n", m->name);
		if (m->required) {
			ob_printf(
				c,
				"\tif (i < n) {\n%s\t\trc = %s;\n\t\tif (rc < 0)\n\t\t\treturn rc;\n",
				need, cbor_decode_expr(m->target, lv));
			ob_printf(c, "\t\ti += %d;\n\t}", ts ? 2 : 1);
			if (missing_is_error(m->target))
				ob_printf(c, " else {\n\t\treturn wcg_cbor_missing(r, %s);\n\t}",
				          c_lit(m->wire_name));
			ob_printf(c, "\n");
		} else {
			ob_printf(c, "\tif (i < n && wcg_cbor_try_null(r)) {\n\t\ti++;\n");
			ob_printf(c, "\t} else if (i < n) {\n%s\t\trc = %s;\n", need,
			          cbor_decode_expr(m->target, lv));
			ob_printf(c, "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t\tout->has_%s = true;\n",
			          f);
			ob_printf(c, "\t\ti += %d;\n\t}\n", ts ? 2 : 1);
		}
	}
	ob_printf(c, "\tfor (; i < n; i++) {\n\t\trc = wcg_cbor_skip(r);\n"
	             "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n");
	ob_printf(c, "\treturn wcg_cbor_read_end(r, indef);\n}\n");
}

static void cbor_list(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	const idl_shape *it = s->members[0].target;

	cbor_check_element(s, &s->members[0]);
	ob_printf(c, "\nint %s_cbor_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	ob_printf(c, "\twcg_cbor_write_array(w, v->n);\n");
	ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++)\n\t\t%s\n",
	          cbor_encode_stmt(it, "v->items[i]"));
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	ob_printf(c, "\nint %s_cbor_decode(wcg_cbor_reader *r, %s *out)\n{\n", t, t);
	ob_printf(
		c,
		"\tuint32_t n;\n\tbool indef;\n\tint rc = wcg_cbor_read_array(r, &n, &indef);\n\n");
	ob_printf(c, "\tout->items = NULL;\n\tout->n = 0;\n\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tif (n > 0) {\n\t\tout->items = wcg_alloc_array(n, sizeof(*out->items));\n");
	ob_printf(c, "\t\tif (!out->items)\n\t\t\treturn wcg_cbor_fail(r, ST_ENOMEM, \"out of "
	             "memory\");\n\t}\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\trc = %s;\n",
	          cbor_decode_expr(it, "out->items[i]"));
	ob_printf(c, "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n\tout->n = n;\n");
	ob_printf(c, "\treturn wcg_cbor_read_end(r, indef);\n}\n");
}

static void cbor_map(ob *c, const idl_shape *s)
{
	const char *t = c_type(s);
	const idl_shape *kt = s->members[0].target, *vt = s->members[1].target;

	cbor_check_element(s, &s->members[1]);
	ob_printf(c, "\nint %s_cbor_encode(mp_writer *w, const %s *v)\n{\n", t, t);
	ob_printf(c, "\twcg_cbor_write_map(w, v->n);\n");
	ob_printf(c, "\tfor (size_t i = 0; i < v->n; i++) {\n\t\t%s\n\t\t%s\n\t}\n",
	          cbor_encode_stmt(kt, "v->keys[i]"), cbor_encode_stmt(vt, "v->values[i]"));
	ob_printf(c, "\treturn mp_writer_status(w);\n}\n");

	ob_printf(c, "\nint %s_cbor_decode(wcg_cbor_reader *r, %s *out)\n{\n", t, t);
	ob_printf(c,
	          "\tuint32_t n;\n\tbool indef;\n\tint rc = wcg_cbor_read_map(r, &n, &indef);\n\n");
	ob_printf(c, "\tout->keys = NULL;\n\tout->values = NULL;\n\tout->n = 0;\n");
	ob_printf(c, "\tif (rc < 0)\n\t\treturn rc;\n");
	ob_printf(c, "\tif (n > 0) {\n\t\tout->keys = wcg_alloc_array(n, sizeof(*out->keys));\n");
	ob_printf(c, "\t\tout->values = wcg_alloc_array(n, sizeof(*out->values));\n");
	ob_printf(c, "\t\tif (!out->keys || !out->values)\n\t\t\treturn wcg_cbor_fail(r, "
	             "ST_ENOMEM, \"out of memory\");\n\t}\n");
	ob_printf(c, "\tfor (uint32_t i = 0; i < n; i++) {\n\t\trc = %s;\n",
	          cbor_decode_expr(kt, "out->keys[i]"));
	ob_printf(c, "\t\tif (rc == 0)\n\t\t\trc = %s;\n", cbor_decode_expr(vt, "out->values[i]"));
	ob_printf(c, "\t\tif (rc < 0)\n\t\t\treturn rc;\n\t}\n\tout->n = n;\n");
	ob_printf(c, "\treturn wcg_cbor_read_end(r, indef);\n}\n");
}

void emit_codec_defs(ob *c, const idl_shape *s)
{
	switch (s->kind) {
	case IDL_STRUCTURE:
	case IDL_UNION:
		mp_struct(c, s);
		if (s->needs_cbor)
			cbor_struct(c, s);
		break;
	case IDL_LIST:
		mp_list(c, s);
		if (s->needs_cbor)
			cbor_list(c, s);
		break;
	case IDL_MAP:
		mp_map(c, s);
		if (s->needs_cbor)
			cbor_map(c, s);
		break;
	default:
		break;
	}
}
