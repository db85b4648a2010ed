/*
 * emit_rpc.c - emits, per service, the sender stubs (an actor calling a
 * provider, a host built-in or another actor through wc_host_call) and the
 * receivers (an actor serving an operation: per-operation handler type,
 * a serve function, a handler table with a dispatch function, and the
 * wasmbus glue macros).
 *
 * Payloads: MessagePack services encode inputs/outputs as the structure's
 * map or, for non-structure shapes, bare (one str, bool, integer, array);
 * Unit is a zero-length payload. CBOR services (protocol "2") send
 * 0x7f + CBOR and accept on receipt whatever the 1.3 sniffing rules allow
 * (CBOR after 0x7f, MessagePack otherwise).
 */
#include "emit.h"

#include <string.h>

#include "core/banned.h"

/* The C base name of an operation: file prefix + snake(op), e.g. wc_keyvalue_increment. */
static const char *op_base(const idl_shape *svc, const idl_shape *op)
{
	return gstr("%s_%s", file_prefix(svc->file), snake(op->name));
}

/* "Service.Operation" as a C literal. */
static const char *op_wire(const idl_shape *svc, const idl_shape *op)
{
	return c_lit(gstr("%s.%s", svc->name, op->name));
}

/* The parameter declaring an input of type t named in. */
static const char *in_param(const idl_shape *t)
{
	if (by_pointer(t))
		return gstr("const %s *in", c_type(t));
	return gstr("%s in", c_type(t));
}

/* The lvalue of an input parameter / local of type t (pointer parameters are dereferenced). */
static const char *in_lv(const idl_shape *t, bool param)
{
	return param && by_pointer(t) ? "*in" : "in";
}

/* Handler parameter list: (in, out, err) without the absent ones. */
static const char *handler_params_fixed(const idl_shape *op)
{
	const char *in = op->input ? gstr("%s, ", in_param(op->input)) : "";
	const char *out = op->output ? gstr("%s *out, ", c_type(op->output)) : "";

	return gstr("%s%swc_str *err", in, out);
}

/* Stub parameter list. */
static const char *stub_params(const idl_shape *svc, const idl_shape *op)
{
	return gstr("const char *%s, %s", svc->contract_id ? "link_name" : "target",
	            handler_params_fixed(op));
}

/* ---- Declarations --------------------------------------------------------------- */

static void decl_stub(ob *h, const idl_shape *svc, const idl_shape *op)
{
	const char *base = op_base(svc, op);

	claim_name(base, op->pos);
	if (svc->contract_id)
		ob_printf(h,
		          "/*\n * %s.%s: sends %s to the provider linked as link_name (NULL: "
		          "\"default\") on %s%s.\n",
		          svc->name, op->name,
		          op->input ? (by_pointer(op->input) ? "*in" : "in") :
		                      "a zero-length payload",
		          svc->contract_id, op->output ? " and decodes its answer into *out" : "");
	else
		ob_printf(h,
		          "/*\n * %s.%s: calls the actor target (public key or call alias; "
		          "binding \"\")%s%s.\n",
		          svc->name, op->name,
		          op->input ? (by_pointer(op->input) ? " with *in" : " with in") : "",
		          op->output ? " and decodes its answer into *out" : "");
	ob_printf(h, " * 0, or ST_EIO with *err = the host's error text, or an encode/decode "
	             "error with *err saying so (err may be NULL).\n */\n");
	ob_printf(h, "int %s(%s);\n\n", base, stub_params(svc, op));
}

static void decl_receiver(ob *h, const idl_shape *svc, const idl_shape *op)
{
	const char *base = op_base(svc, op), *up = upper(base);
	const char *wire = op_wire(svc, op);

	claim_name(gstr("%s_fn", base), op->pos);
	claim_name(gstr("%s_serve", base), op->pos);
	claim_name(gstr("%s_wasmbus", base), op->pos);
	claim_name(gstr("%s_WASMBUS", up), op->pos);
	claim_name(gstr("%s_ENTRY", up), op->pos);
	ob_printf(h,
	          "/*\n * The handler of %s.%s: %s%s; returns 0, or non-zero with *err set "
	          "(arena or static text).\n */\n",
	          svc->name, op->name, op->input ? "reads *in (borrowed)" : "takes no input",
	          op->output ? ", fills *out (zeroed on entry)" : "");
	ob_printf(h, "typedef int (*%s_fn)(%s);\n\n", base, handler_params_fixed(op));
	ob_printf(h,
	          "/*\n * Serves one %s.%s payload (req, len bytes, borrowed) with fn: decodes "
	          "it, calls fn, encodes\n * *out into *resp (arena; resp and err must not be "
	          "NULL). 0, or a negative ST_E* code with *err set\n * (decode/encode error or "
	          "fn's).\n */\n",
	          svc->name, op->name);
	ob_printf(h,
	          "int %s_serve(%s_fn fn, const uint8_t *req, size_t len, wc_bytes *resp, "
	          "wc_str *err);\n\n",
	          base, base);
	ob_printf(h,
	          "/*\n * wasmbus glue (needs wasmbus.h): %s_WASMBUS(fn) at file scope, no "
	          "semicolon, defines the\n * wasmbus_handler_fn %s_wasmbus serving %s with fn; "
	          "%s_ENTRY is its wasmbus_ops entry.\n */\n",
	          up, base, wire, up);
	ob_printf(h, "#define %s_WASMBUS(fn) \\\n", up);
	ob_printf(h, "\tstatic int %s_wasmbus(const uint8_t *req_, size_t len_) \\\n\t{ \\\n",
	          base);
	ob_printf(h, "\t\twc_bytes resp_; \\\n\t\twc_str err_; \\\n");
	ob_printf(h, "\t\tif (%s_serve((fn), req_, len_, &resp_, &err_) < 0) \\\n", base);
	ob_printf(h, "\t\t\treturn wasmbus_fail_n(err_.p, err_.n); \\\n");
	ob_printf(h, "\t\tif (resp_.n) \\\n\t\t\twasmbus_reply(resp_.p, resp_.n); \\\n");
	ob_printf(h, "\t\treturn WASMBUS_OK; \\\n\t}\n");
	ob_printf(h, "#define %s_ENTRY { %s, %s_wasmbus }\n\n", up, wire, base);
}

void emit_service_decls(ob *h, const idl_shape *svc)
{
	const char *sp = service_prefix(svc);

	ob_printf(h, "/* ---- Service %s (%s%s%s%s) ---- */\n\n", svc->name,
	          svc->contract_id ? svc->contract_id : "no contract",
	          svc->cbor ? ", CBOR" : ", MessagePack",
	          svc_receives(svc) ? ", the actor receives" : "",
	          svc_sends(svc) ? ", the actor sends" : "");
	if (svc->contract_id) {
		const char *mac = upper(gstr("%s_CONTRACT_ID", sp));

		claim_name(mac, svc->pos);
		ob_printf(h, "#define %s %s\n", mac, c_lit(svc->contract_id));
	}
	for (size_t i = 0; i < svc->nops; i++) {
		const char *mac = upper(gstr("%s_%s_NAME", sp, snake(svc->ops[i]->name)));

		claim_name(mac, svc->ops[i]->pos);
		ob_printf(h, "#define %s %s\n", mac, op_wire(svc, svc->ops[i]));
	}
	ob_printf(h, "\n");
	if (svc_sends(svc)) {
		for (size_t i = 0; i < svc->nops; i++)
			decl_stub(h, svc, svc->ops[i]);
	}
	if (svc_receives(svc)) {
		for (size_t i = 0; i < svc->nops; i++)
			decl_receiver(h, svc, svc->ops[i]);
		claim_name(gstr("%s_handlers", sp), svc->pos);
		claim_name(gstr("%s_dispatch", sp), svc->pos);
		ob_printf(h, "/* The handlers of service %s; a NULL one is not served. */\n",
		          svc->name);
		ob_printf(h, "typedef struct %s_handlers {\n", sp);
		for (size_t i = 0; i < svc->nops; i++)
			ob_printf(h, "\t%s_fn %s; /* %s */\n", op_base(svc, svc->ops[i]),
			          snake(svc->ops[i]->name), op_wire(svc, svc->ops[i]));
		ob_printf(h, "} %s_handlers;\n\n", sp);
		ob_printf(
			h,
			"/*\n * Serves operation op (NUL-terminated \"%s.<Op>\") with its handler "
			"in h, as <op>_serve does.\n * No handler: ST_ENOTFOUND with *err = No "
			"handler registered for function \"<op>\".\n */\n",
			svc->name);
		ob_printf(
			h,
			"int %s_dispatch(const %s_handlers *h, const char *op, const uint8_t *req, "
			"size_t len,\n%*swc_bytes *resp, wc_str *err);\n\n",
			sp, sp, (int)strlen(gstr("int %s_dispatch(", sp)), "");
	}
}

/* ---- Definitions ---------------------------------------------------------------- */

/* Emits the decoding of payload (p, n) into lvalue lv for a response/request. */
static void emit_payload_decode(ob *c, const idl_shape *svc, const idl_shape *t, const char *lv,
                                const char *opname, const char *what, const char *ind)
{
	if (!svc->cbor) {
		ob_printf(c, "%smp_reader_init(r, p, n);\n", ind);
		ob_printf(c, "%src = %s;\n", ind, mp_decode_expr(t, lv));
		ob_printf(
			c,
			"%sif (rc < 0)\n%s\treturn wcg_mp_decode_error(err, rc, %s, \"%s\", r);\n",
			ind, ind, opname, what);
		return;
	}
	ob_printf(c, "%sfmt = wcg_sniff(&p, &n);\n", ind);
	ob_printf(c, "%sif (fmt == WCG_FORMAT_CBOR) {\n", ind);
	ob_printf(c, "%s\twcg_cbor_reader cr, *r = &cr;\n\n", ind);
	ob_printf(c, "%s\twcg_cbor_reader_init(r, p, n);\n", ind);
	ob_printf(c, "%s\trc = %s;\n", ind, cbor_decode_expr(t, lv));
	ob_printf(c,
	          "%s\tif (rc < 0)\n%s\t\treturn wcg_cbor_decode_error(err, rc, %s, \"%s\", r);\n",
	          ind, ind, opname, what);
	ob_printf(c, "%s} else if (fmt == WCG_FORMAT_MSGPACK) {\n", ind);
	ob_printf(c, "%s\tmp_reader mr, *r = &mr;\n\n", ind);
	ob_printf(c, "%s\tmp_reader_init(r, p, n);\n", ind);
	ob_printf(c, "%s\trc = %s;\n", ind, mp_decode_expr(t, lv));
	ob_printf(c, "%s\tif (rc < 0)\n%s\t\treturn wcg_mp_decode_error(err, rc, %s, \"%s\", r);\n",
	          ind, ind, opname, what);
	ob_printf(c, "%s} else {\n", ind);
	ob_printf(c,
	          "%s\treturn wcg_error(err, ST_EMALFORMED, %s, NULL, 0,\n%s\t                 "
	          "\": cannot decode the %s: neither CBOR nor MessagePack\");\n",
	          ind, opname, ind, what);
	ob_printf(c, "%s}\n", ind);
}

/* Emits the encoding of lvalue lv of type t into writer w (0x7f prefix for CBOR). */
static void emit_payload_encode(ob *c, const idl_shape *svc, const idl_shape *t, const char *lv)
{
	ob_printf(c, "\twc_writer_init(w, WCG_MAX_PAYLOAD);\n");
	if (svc->cbor) {
		ob_printf(c, "\tmp_write_raw(w, \"\\x7f\", 1);\n");
		ob_printf(c, "\t%s\n", cbor_encode_stmt(t, lv));
	} else {
		ob_printf(c, "\t%s\n", mp_encode_stmt(t, lv));
	}
}

static void def_stub(ob *c, const idl_shape *svc, const idl_shape *op)
{
	const char *base = op_base(svc, op), *wire = op_wire(svc, op);

	ob_printf(c, "\nint %s(%s)\n{\n", base, stub_params(svc, op));
	if (op->input)
		ob_printf(c, "\tmp_writer mw, *w = &mw;\n");
	ob_printf(c, "\twc_bytes resp;\n");
	if (op->output) {
		ob_printf(c, "\tconst uint8_t *p;\n\tsize_t n;\n");
		if (svc->cbor)
			ob_printf(c, "\twcg_format fmt;\n");
		else
			ob_printf(c, "\tmp_reader mr, *r = &mr;\n");
	}
	ob_printf(c, "\tint rc;\n\n");
	if (op->input)
		emit_payload_encode(c, svc, op->input, in_lv(op->input, true));
	if (svc->contract_id)
		ob_printf(c,
		          "\trc = wcg_call(link_name ? link_name : \"default\", %s, %s, %s, &resp, "
		          "err);\n",
		          c_lit(svc->contract_id), wire, op->input ? "w" : "NULL");
	else
		ob_printf(c, "\trc = wcg_call(\"\", target, %s, %s, &resp, err);\n", wire,
		          op->input ? "w" : "NULL");
	ob_printf(c, "\tif (rc < 0)\n\t\treturn rc;\n");
	if (op->output) {
		ob_printf(c, "\tp = resp.p;\n\tn = resp.n;\n");
		emit_payload_decode(c, svc, op->output, "*out", wire, "response", "\t");
	} else {
		ob_printf(c, "\t(void)resp;\n");
	}
	ob_printf(c, "\treturn 0;\n}\n");
}

static void def_receiver(ob *c, const idl_shape *svc, const idl_shape *op)
{
	const char *base = op_base(svc, op), *wire = op_wire(svc, op);

	ob_printf(c,
	          "\nint %s_serve(%s_fn fn, const uint8_t *req, size_t len, wc_bytes *resp, "
	          "wc_str *err)\n{\n",
	          base, base);
	if (op->input) {
		ob_printf(c, "\t%s in;\n", c_type(op->input));
		ob_printf(c, "\tconst uint8_t *p = req;\n\tsize_t n = len;\n");
		if (svc->cbor)
			ob_printf(c, "\twcg_format fmt;\n");
		else
			ob_printf(c, "\tmp_reader mr, *r = &mr;\n");
	}
	if (op->output)
		ob_printf(c, "\t%s out;\n\tmp_writer mw, *w = &mw;\n", c_type(op->output));
	ob_printf(c, "\tint rc;\n\n");
	ob_printf(c, "\tresp->p = NULL;\n\tresp->n = 0;\n\terr->p = NULL;\n\terr->n = 0;\n");
	if (op->input) {
		emit_payload_decode(c, svc, op->input, "in", wire, "request", "\t");
	} else {
		ob_printf(c, "\t(void)req;\n\t(void)len;\n");
	}
	if (op->output)
		ob_printf(c, "\twcg_zero(&out, sizeof(out));\n");
	ob_printf(c, "\trc = fn(%s%s%serr);\n",
	          op->input ? (by_pointer(op->input) ? "&in" : "in") : "", op->input ? ", " : "",
	          op->output ? "&out, " : "");
	ob_printf(c, "\tif (rc != 0)\n\t\treturn wcg_handler_error(err, rc, %s);\n", wire);
	if (op->output) {
		emit_payload_encode(c, svc, op->output, "out");
		ob_printf(c, "\treturn wcg_reply(w, resp, err, %s);\n}\n", wire);
	} else {
		ob_printf(c, "\treturn 0;\n}\n");
	}
}

void emit_service_defs(ob *c, const idl_shape *svc)
{
	const char *sp = service_prefix(svc);

	if (svc_sends(svc)) {
		for (size_t i = 0; i < svc->nops; i++)
			def_stub(c, svc, svc->ops[i]);
	}
	if (!svc_receives(svc))
		return;
	for (size_t i = 0; i < svc->nops; i++)
		def_receiver(c, svc, svc->ops[i]);
	ob_printf(c,
	          "\nint %s_dispatch(const %s_handlers *h, const char *op, const uint8_t *req, "
	          "size_t len,\n%*swc_bytes *resp, wc_str *err)\n{\n",
	          sp, sp, (int)strlen(gstr("int %s_dispatch(", sp)), "");
	ob_printf(c, "\twc_str name = { op, 0 };\n\n\twhile (op[name.n])\n\t\tname.n++;\n");
	for (size_t i = 0; i < svc->nops; i++) {
		const idl_shape *op = svc->ops[i];

		ob_printf(c, "\tif (h->%s && wcg_str_eq(name, %s))\n", snake(op->name),
		          op_wire(svc, op));
		ob_printf(c, "\t\treturn %s_serve(h->%s, req, len, resp, err);\n", op_base(svc, op),
		          snake(op->name));
	}
	ob_printf(c, "\tresp->p = NULL;\n\tresp->n = 0;\n");
	ob_printf(c, "\treturn wcg_error(err, ST_ENOTFOUND, \"No handler registered for function "
	             "\\\"\", op, name.n, \"\\\"\");\n}\n");
}
