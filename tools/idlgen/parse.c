/*
 * parse.c - lexer and recursive-descent parser for the Smithy IDL subset
 * of interfaces/README.md. The lexer turns the whole file into a token
 * array first (two-token lookahead is needed to tell a trait's object
 * body `(key: value)` from a single value `(value)`); the parser then
 * builds idl_file / idl_shape. Names are resolved later (resolve.c).
 * Anything outside the subset is an error at its position.
 */
#include "idl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

typedef enum tok_kind {
	T_EOF = 1,
	T_IDENT,  /* identifier or shape id (a.b#C) */
	T_STRING, /* value unescaped into str */
	T_NUMBER,
	T_DOLLAR, /* $version: str holds "version" */
	T_AT,
	T_LBRACE,
	T_RBRACE,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COLON,
	T_WALRUS, /* := */
	T_EQ,
} tok_kind;

typedef struct tok {
	tok_kind kind;
	idl_pos pos;
	char *str;    /* IDENT, STRING, DOLLAR (owned) */
	uint64_t num; /* NUMBER */
} tok;

typedef struct parser {
	idl_file *f;
	tok *toks;
	size_t ntoks;
	size_t i; /* next token */
} parser;

void idl_fail(idl_pos pos, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (pos.file)
		fprintf(stderr, "%s:%d:%d: error: ", pos.file->path, pos.line, pos.col);
	else
		fprintf(stderr, "stratus-idlgen: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void idl_push(void ***v, size_t *n, void *item)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = item;
}

/* ---- Lexer ---------------------------------------------------------------- */

typedef struct lexer {
	idl_file *f;
	size_t at;
	int line, col;
	tok *toks;
	size_t n, cap;
} lexer;

static idl_pos lx_pos(const lexer *lx)
{
	return (idl_pos){ lx->f, lx->line, lx->col };
}

static char lx_peek(const lexer *lx, size_t ahead)
{
	return lx->at + ahead < lx->f->len ? lx->f->text[lx->at + ahead] : '\0';
}

static void lx_advance(lexer *lx)
{
	if (lx->f->text[lx->at] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->at++;
}

static tok *lx_add(lexer *lx, tok_kind kind, idl_pos pos)
{
	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? lx->cap * 2 : 256;
		lx->toks = xrealloc(lx->toks, lx->cap * sizeof(*lx->toks));
	}
	lx->toks[lx->n] = (tok){ .kind = kind, .pos = pos };
	return &lx->toks[lx->n++];
}

static bool is_ident_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Checks that s is `seg(.seg)*` optionally followed by `#seg`, seg an identifier. */
static bool valid_shape_id(const char *s)
{
	bool need_ident = true, seen_hash = false;

	for (; *s; s++) {
		if (*s == '.' || *s == '#') {
			if (need_ident || (*s == '#' && seen_hash) || (*s == '.' && seen_hash))
				return false;
			seen_hash |= *s == '#';
			need_ident = true;
		} else if (need_ident) {
			if (!is_ident_start(*s))
				return false;
			need_ident = false;
		}
	}
	return !need_ident;
}

static void lx_string(lexer *lx)
{
	idl_pos pos = lx_pos(lx);
	char *buf;
	size_t n = 0;

	if (lx_peek(lx, 1) == '"' && lx_peek(lx, 2) == '"')
		idl_fail(pos, "text blocks (\"\"\") are not supported");
	buf = xmalloc(lx->f->len - lx->at + 1);
	lx_advance(lx); /* opening quote */
	for (;;) {
		char c = lx_peek(lx, 0);

		if (lx->at >= lx->f->len)
			idl_fail(pos, "unterminated string");
		if (c == '"') {
			lx_advance(lx);
			break;
		}
		if (c == '\\') {
			char e = lx_peek(lx, 1);

			if (e != '"' && e != '\\')
				idl_fail(lx_pos(lx),
				         "unsupported escape sequence '\\%c' (only \\\" and \\\\)",
				         e ? e : ' ');
			lx_advance(lx);
			c = e;
		}
		buf[n++] = c;
		lx_advance(lx);
	}
	buf[n] = '\0';
	lx_add(lx, T_STRING, pos)->str = buf;
}

static void lx_number(lexer *lx)
{
	idl_pos pos = lx_pos(lx);
	uint64_t v = 0;

	while (lx_peek(lx, 0) >= '0' && lx_peek(lx, 0) <= '9') {
		unsigned d = (unsigned)(lx_peek(lx, 0) - '0');

		if (v > (UINT64_MAX - d) / 10)
			idl_fail(pos, "number too large");
		v = v * 10 + d;
		lx_advance(lx);
	}
	if (lx_peek(lx, 0) == '.' || lx_peek(lx, 0) == 'e' || lx_peek(lx, 0) == 'E')
		idl_fail(pos, "only non-negative decimal integers are supported");
	if (is_ident_char(lx_peek(lx, 0)))
		idl_fail(pos, "bad number");
	lx_add(lx, T_NUMBER, pos)->num = v;
}

static void lx_ident(lexer *lx, tok_kind kind)
{
	idl_pos pos = lx_pos(lx);
	size_t start;

	if (kind == T_DOLLAR)
		lx_advance(lx);
	start = lx->at;
	while (is_ident_char(lx_peek(lx, 0)) || lx_peek(lx, 0) == '.' || lx_peek(lx, 0) == '#')
		lx_advance(lx);
	if (lx->at == start)
		idl_fail(pos, "expected an identifier after '$'");
	tok *t = lx_add(lx, kind, pos);
	t->str = xstrndup(lx->f->text + start, lx->at - start);
	if (!valid_shape_id(t->str))
		idl_fail(pos, "bad identifier or shape id '%s'", t->str);
}

static void lex(lexer *lx)
{
	static const struct {
		char c;
		tok_kind k;
	} punct[] = { { '@', T_AT },     { '{', T_LBRACE }, { '}', T_RBRACE }, { '(', T_LPAREN },
		      { ')', T_RPAREN }, { '[', T_LBRACK }, { ']', T_RBRACK }, { '=', T_EQ } };

	while (lx->at < lx->f->len) {
		char c = lx_peek(lx, 0);
		size_t k;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',') {
			lx_advance(lx);
			continue;
		}
		if (c == '/' && lx_peek(lx, 1) == '/') {
			/* Line comment, documentation comment (///) included: dropped. */
			while (lx->at < lx->f->len && lx_peek(lx, 0) != '\n')
				lx_advance(lx);
			continue;
		}
		if (c == '"') {
			lx_string(lx);
			continue;
		}
		if (c >= '0' && c <= '9') {
			lx_number(lx);
			continue;
		}
		if (is_ident_start(c)) {
			lx_ident(lx, T_IDENT);
			continue;
		}
		if (c == '$') {
			lx_ident(lx, T_DOLLAR);
			continue;
		}
		if (c == ':') {
			idl_pos pos = lx_pos(lx);

			lx_advance(lx);
			if (lx_peek(lx, 0) == '=') {
				lx_advance(lx);
				lx_add(lx, T_WALRUS, pos);
			} else {
				lx_add(lx, T_COLON, pos);
			}
			continue;
		}
		for (k = 0; k < sizeof(punct) / sizeof(punct[0]); k++) {
			if (punct[k].c == c)
				break;
		}
		if (k < sizeof(punct) / sizeof(punct[0])) {
			lx_add(lx, punct[k].k, lx_pos(lx));
			lx_advance(lx);
			continue;
		}
		if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
			idl_fail(lx_pos(lx), "unexpected character '%c'", c);
		idl_fail(lx_pos(lx), "unexpected byte 0x%02x", (unsigned char)c);
	}
	lx_add(lx, T_EOF, lx_pos(lx));
}

/* ---- Parser --------------------------------------------------------------- */

static const char *tok_desc(const tok *t)
{
	static char buf[128];

	switch (t->kind) {
	case T_EOF:
		return "end of file";
	case T_IDENT:
		snprintf(buf, sizeof(buf), "'%s'", t->str);
		return buf;
	case T_STRING:
		return "a string";
	case T_NUMBER:
		return "a number";
	case T_DOLLAR:
		snprintf(buf, sizeof(buf), "'$%s'", t->str);
		return buf;
	case T_AT:
		return "'@'";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_LPAREN:
		return "'('";
	case T_RPAREN:
		return "')'";
	case T_LBRACK:
		return "'['";
	case T_RBRACK:
		return "']'";
	case T_COLON:
		return "':'";
	case T_WALRUS:
		return "':='";
	case T_EQ:
		return "'='";
	}
	return "?";
}

static tok *peek(parser *p)
{
	return &p->toks[p->i];
}

static tok *peek2(parser *p)
{
	return p->i + 1 < p->ntoks ? &p->toks[p->i + 1] : &p->toks[p->ntoks - 1];
}

static tok *next(parser *p)
{
	tok *t = &p->toks[p->i];

	if (t->kind != T_EOF)
		p->i++;
	return t;
}

static tok *expect(parser *p, tok_kind k, const char *what)
{
	tok *t = peek(p);

	if (t->kind != k)
		idl_fail(t->pos, "expected %s but found %s", what, tok_desc(t));
	return next(p);
}

static bool is_kw(const tok *t, const char *kw)
{
	return t->kind == T_IDENT && strcmp(t->str, kw) == 0;
}

/* An identifier without '.' or '#'. */
static tok *expect_name(parser *p, const char *what)
{
	tok *t = expect(p, T_IDENT, what);

	if (strpbrk(t->str, ".#"))
		idl_fail(t->pos, "expected %s but found the shape id '%s'", what, t->str);
	return t;
}

static void parse_node(parser *p, idl_node *out);

/* Parses `key: value ...` up to (not including) the closing token end. */
static void parse_object_body(parser *p, idl_node *out, tok_kind end)
{
	out->kind = IDL_NODE_OBJECT;
	out->n = 0;
	out->items = NULL;
	out->keys = NULL;
	while (peek(p)->kind != end) {
		tok *k = peek(p);

		if (k->kind != T_IDENT && k->kind != T_STRING)
			idl_fail(k->pos, "expected an object key but found %s", tok_desc(k));
		next(p);
		for (size_t i = 0; i < out->n; i++) {
			if (strcmp(out->keys[i], k->str) == 0)
				idl_fail(k->pos, "duplicate key '%s'", k->str);
		}
		expect(p, T_COLON, "':'");
		out->items = xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
		out->keys = xrealloc(out->keys, (out->n + 1) * sizeof(*out->keys));
		out->keys[out->n] = k->str;
		parse_node(p, &out->items[out->n]);
		out->n++;
	}
}

static void parse_node(parser *p, idl_node *out)
{
	tok *t = peek(p);

	*out = (idl_node){ .pos = t->pos };
	switch (t->kind) {
	case T_STRING:
		next(p);
		out->kind = IDL_NODE_STRING;
		out->str = t->str;
		return;
	case T_NUMBER:
		next(p);
		out->kind = IDL_NODE_NUMBER;
		out->num = t->num;
		return;
	case T_IDENT:
		next(p);
		if (strcmp(t->str, "true") == 0 || strcmp(t->str, "false") == 0) {
			out->kind = IDL_NODE_BOOL;
			out->b = t->str[0] == 't';
		} else if (strcmp(t->str, "null") == 0) {
			out->kind = IDL_NODE_NULL;
		} else {
			out->kind = IDL_NODE_ID;
			out->str = t->str;
		}
		return;
	case T_LBRACK:
		next(p);
		out->kind = IDL_NODE_ARRAY;
		while (peek(p)->kind != T_RBRACK) {
			out->items = xrealloc(out->items, (out->n + 1) * sizeof(*out->items));
			parse_node(p, &out->items[out->n++]);
		}
		next(p);
		return;
	case T_LBRACE:
		next(p);
		parse_object_body(p, out, T_RBRACE);
		next(p);
		out->pos = t->pos;
		return;
	default:
		idl_fail(t->pos, "expected a value but found %s", tok_desc(t));
	}
}

static void parse_traits(parser *p, idl_traits *out)
{
	*out = (idl_traits){ 0 };
	while (peek(p)->kind == T_AT) {
		tok *at = next(p);
		tok *name = expect(p, T_IDENT, "a trait name");
		idl_trait tr = { .name = name->str, .pos = at->pos };

		tr.value = (idl_node){ .kind = IDL_NODE_EMPTY, .pos = name->pos };
		if (peek(p)->kind == T_LPAREN) {
			tok *lp = next(p);

			if (peek(p)->kind == T_RPAREN) {
				tr.value.kind = IDL_NODE_EMPTY;
			} else if ((peek(p)->kind == T_IDENT || peek(p)->kind == T_STRING) &&
			           peek2(p)->kind == T_COLON) {
				parse_object_body(p, &tr.value, T_RPAREN);
				tr.value.pos = lp->pos;
			} else {
				parse_node(p, &tr.value);
			}
			expect(p, T_RPAREN, "')'");
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = tr;
	}
}

static idl_shape *new_shape(parser *p, idl_kind kind, const tok *name, idl_traits traits)
{
	idl_shape *s = xcalloc(1, sizeof(*s));
	size_t n = strlen(p->f->ns) + 1 + strlen(name->str) + 1;
	char *id = xmalloc(n);

	snprintf(id, n, "%s#%s", p->f->ns, name->str);
	s->kind = kind;
	s->name = name->str;
	s->id = id;
	s->file = p->f;
	s->pos = name->pos;
	s->traits = traits;
	return s;
}

/* Fails on the Smithy features outside the subset that may follow a shape name. */
static void no_mixins(parser *p)
{
	if (is_kw(peek(p), "with"))
		idl_fail(peek(p)->pos, "mixins ('with') are not supported");
}

/* Parses `{ member... }` of a structure, union, list or map. */
static void parse_members(parser *p, idl_shape *s)
{
	expect(p, T_LBRACE, "'{'");
	while (peek(p)->kind != T_RBRACE) {
		idl_member m = { 0 };
		tok *name, *target;

		parse_traits(p, &m.traits);
		if (peek(p)->kind == T_DOLLAR)
			idl_fail(peek(p)->pos, "target elision ('$member') is not supported");
		name = expect_name(p, "a member name");
		if (peek(p)->kind == T_WALRUS)
			idl_fail(peek(p)->pos, "inline shapes (':=') are not supported");
		expect(p, T_COLON, "':'");
		target = expect(p, T_IDENT, "a target shape");
		if (peek(p)->kind == T_EQ)
			idl_fail(peek(p)->pos, "default values ('= value') are not supported");
		for (size_t i = 0; i < s->nmembers; i++) {
			if (strcmp(s->members[i].name, name->str) == 0)
				idl_fail(name->pos, "duplicate member '%s' in %s", name->str,
				         s->name);
		}
		m.name = name->str;
		m.pos = name->pos;
		m.target_name = target->str;
		m.target_pos = target->pos;
		m.n = -1;
		s->members = xrealloc(s->members, (s->nmembers + 1) * sizeof(*s->members));
		s->members[s->nmembers++] = m;
	}
	next(p);
}

static void parse_enum(parser *p, idl_shape *s)
{
	expect(p, T_LBRACE, "'{'");
	while (peek(p)->kind != T_RBRACE) {
		idl_enum_value v = { 0 };
		tok *name;

		parse_traits(p, &v.traits); /* e.g. documentation; ignored */
		name = expect_name(p, "an enum member name");
		v.name = name->str;
		v.pos = name->pos;
		v.value = name->str;
		if (peek(p)->kind == T_EQ) {
			next(p);
			v.value = expect(p, T_STRING, "a string value")->str;
		}
		for (size_t i = 0; i < s->nvalues; i++) {
			if (strcmp(s->values[i].name, v.name) == 0)
				idl_fail(v.pos, "duplicate enum member '%s' in %s", v.name,
				         s->name);
			if (strcmp(s->values[i].value, v.value) == 0)
				idl_fail(v.pos, "duplicate enum value \"%s\" in %s", v.value,
				         s->name);
		}
		s->values = xrealloc(s->values, (s->nvalues + 1) * sizeof(*s->values));
		s->values[s->nvalues++] = v;
	}
	next(p);
}

static void parse_operation(parser *p, idl_shape *s)
{
	bool seen_in = false, seen_out = false;

	expect(p, T_LBRACE, "'{'");
	while (peek(p)->kind != T_RBRACE) {
		tok *key = expect_name(p, "'input' or 'output'");
		tok *val;

		if (strcmp(key->str, "input") && strcmp(key->str, "output"))
			idl_fail(key->pos,
			         "unsupported operation property '%s' (only input and output)",
			         key->str);
		if (peek(p)->kind == T_WALRUS)
			idl_fail(peek(p)->pos,
			         "inline input/output structures (':=') are not supported");
		expect(p, T_COLON, "':'");
		val = expect(p, T_IDENT, "a shape id");
		if (key->str[0] == 'i') {
			if (seen_in)
				idl_fail(key->pos, "duplicate input");
			seen_in = true;
			s->input_name = val->str;
			s->input_pos = val->pos;
		} else {
			if (seen_out)
				idl_fail(key->pos, "duplicate output");
			seen_out = true;
			s->output_name = val->str;
			s->output_pos = val->pos;
		}
	}
	next(p);
}

static void parse_service(parser *p, idl_shape *s)
{
	bool seen_ops = false;

	expect(p, T_LBRACE, "'{'");
	while (peek(p)->kind != T_RBRACE) {
		tok *key = expect_name(p, "a service property");

		expect(p, T_COLON, "':'");
		if (strcmp(key->str, "version") == 0) {
			expect(p, T_STRING, "a version string");
			continue;
		}
		if (strcmp(key->str, "operations") != 0)
			idl_fail(key->pos, "unsupported service property '%s'", key->str);
		if (seen_ops)
			idl_fail(key->pos, "duplicate operations");
		seen_ops = true;
		expect(p, T_LBRACK, "'['");
		while (peek(p)->kind != T_RBRACK) {
			tok *op = expect(p, T_IDENT, "an operation name");

			s->op_names = xrealloc(s->op_names, (s->nops + 1) * sizeof(*s->op_names));
			s->op_pos = xrealloc(s->op_pos, (s->nops + 1) * sizeof(*s->op_pos));
			s->op_names[s->nops] = op->str;
			s->op_pos[s->nops] = op->pos;
			s->nops++;
		}
		next(p);
	}
	next(p);
}

/* Simple shape keywords and what they are. */
static const struct {
	const char *kw;
	idl_scalar scalar;
	int bits;
} simple_kws[] = {
	{ "string", IDL_S_STRING, 0 },     { "blob", IDL_S_BLOB, 0 },
	{ "boolean", IDL_S_BOOL, 0 },      { "byte", IDL_S_INT, 8 },
	{ "short", IDL_S_INT, 16 },        { "integer", IDL_S_INT, 32 },
	{ "long", IDL_S_INT, 64 },         { "float", IDL_S_FLOAT, 32 },
	{ "double", IDL_S_FLOAT, 64 },     { "timestamp", IDL_S_TIMESTAMP, 0 },
	{ "document", IDL_S_DOCUMENT, 0 },
};

static idl_shape *parse_shape(parser *p)
{
	idl_traits traits;
	tok *kw, *name;
	idl_shape *s;

	parse_traits(p, &traits);
	kw = expect(p, T_IDENT, "a shape statement");
	for (size_t k = 0; k < sizeof(simple_kws) / sizeof(simple_kws[0]); k++) {
		if (strcmp(kw->str, simple_kws[k].kw) == 0) {
			name = expect_name(p, "a shape name");
			s = new_shape(p, IDL_SIMPLE, name, traits);
			s->scalar = simple_kws[k].scalar;
			s->int_bits = simple_kws[k].bits;
			no_mixins(p);
			return s;
		}
	}
	if (strcmp(kw->str, "structure") && strcmp(kw->str, "union") && strcmp(kw->str, "list") &&
	    strcmp(kw->str, "map") && strcmp(kw->str, "enum") && strcmp(kw->str, "operation") &&
	    strcmp(kw->str, "service")) {
		if (strcmp(kw->str, "use") == 0)
			idl_fail(kw->pos, "'use' must come before the first shape");
		if (strcmp(kw->str, "namespace") == 0)
			idl_fail(kw->pos, "only one namespace statement is allowed");
		if (strcmp(kw->str, "apply") == 0 || strcmp(kw->str, "metadata") == 0 ||
		    strcmp(kw->str, "resource") == 0 || strcmp(kw->str, "intEnum") == 0)
			idl_fail(kw->pos, "'%s' is not supported", kw->str);
		idl_fail(kw->pos, "expected a shape statement but found '%s'", kw->str);
	}
	name = expect_name(p, "a shape name");
	no_mixins(p);
	switch (kw->str[0]) {
	case 'u':
		s = new_shape(p, IDL_UNION, name, traits);
		parse_members(p, s);
		break;
	case 'l':
		s = new_shape(p, IDL_LIST, name, traits);
		parse_members(p, s);
		break;
	case 'm':
		s = new_shape(p, IDL_MAP, name, traits);
		parse_members(p, s);
		break;
	case 'e':
		s = new_shape(p, IDL_ENUM, name, traits);
		parse_enum(p, s);
		break;
	case 'o':
		s = new_shape(p, IDL_OPERATION, name, traits);
		parse_operation(p, s);
		break;
	case 's':
		if (kw->str[1] == 'e') {
			s = new_shape(p, IDL_SERVICE, name, traits);
			parse_service(p, s);
		} else {
			s = new_shape(p, IDL_STRUCTURE, name, traits);
			parse_members(p, s);
		}
		break;
	default:
		idl_fail(kw->pos, "unreachable");
	}
	return s;
}

static void parse_file(parser *p)
{
	idl_file *f = p->f;
	tok *t;

	/* Control section: $version: "2" (required, the only one used). */
	t = peek(p);
	if (t->kind != T_DOLLAR)
		idl_fail(t->pos, "expected '$version: \"2\"' but found %s", tok_desc(t));
	while (peek(p)->kind == T_DOLLAR) {
		t = next(p);
		if (strcmp(t->str, "version") != 0)
			idl_fail(t->pos, "unsupported control statement '$%s'", t->str);
		expect(p, T_COLON, "':'");
		tok *v = expect(p, T_STRING, "a version string");
		if (strcmp(v->str, "2") != 0 && strcmp(v->str, "2.0") != 0)
			idl_fail(v->pos, "unsupported IDL version \"%s\" (expected \"2\")", v->str);
	}
	t = peek(p);
	if (!is_kw(t, "namespace"))
		idl_fail(t->pos, "expected 'namespace' but found %s", tok_desc(t));
	next(p);
	t = expect(p, T_IDENT, "a namespace");
	if (strchr(t->str, '#'))
		idl_fail(t->pos, "bad namespace '%s'", t->str);
	f->ns = t->str;
	while (is_kw(peek(p), "use")) {
		idl_use u = { 0 };

		next(p);
		t = expect(p, T_IDENT, "a shape id");
		if (!strchr(t->str, '#'))
			idl_fail(t->pos,
			         "'use' needs an absolute shape id (namespace#Name), found '%s'",
			         t->str);
		u.id = t->str;
		u.name = strchr(t->str, '#') + 1;
		u.pos = t->pos;
		for (size_t i = 0; i < f->nuses; i++) {
			if (strcmp(f->uses[i].name, u.name) == 0)
				idl_fail(t->pos, "'%s' is already imported by 'use %s'", u.name,
				         f->uses[i].id);
		}
		f->uses = xrealloc(f->uses, (f->nuses + 1) * sizeof(*f->uses));
		f->uses[f->nuses++] = u;
	}
	while (peek(p)->kind != T_EOF) {
		idl_shape *s = parse_shape(p);

		for (size_t i = 0; i < f->nshapes; i++) {
			if (strcmp(f->shapes[i]->name, s->name) == 0)
				idl_fail(s->pos, "duplicate shape '%s' (first defined at line %d)",
				         s->name, f->shapes[i]->pos.line);
		}
		idl_push((void ***)&f->shapes, &f->nshapes, s);
	}
}

idl_file *idl_parse_file(const char *path)
{
	idl_file *f = xcalloc(1, sizeof(*f));
	FILE *fp = fopen(path, "rb");
	lexer lx = { 0 };
	parser p = { 0 };
	const char *base;
	size_t cap = 0;
	char *stem;

	f->path = path;
	if (!fp)
		idl_fail((idl_pos){ 0 }, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (f->len + 4096 + 1 > cap) {
			cap = (f->len + 4096 + 1) * 2;
			f->text = xrealloc(f->text, cap);
		}
		got = fread(f->text + f->len, 1, cap - f->len - 1, fp);
		f->len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp))
		idl_fail((idl_pos){ 0 }, "cannot read %s", path);
	fclose(fp);
	f->text[f->len] = '\0';
	if (strlen(f->text) != f->len)
		idl_fail((idl_pos){ f, 1, 1 }, "file contains a NUL byte");

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	stem = xstrdup(base);
	if (strlen(stem) > 7 && strcmp(stem + strlen(stem) - 7, ".smithy") == 0)
		stem[strlen(stem) - 7] = '\0';
	f->stem = stem;

	lx.f = f;
	lx.line = 1;
	lx.col = 1;
	lex(&lx);
	f->toks = lx.toks;
	p.f = f;
	p.toks = lx.toks;
	p.ntoks = lx.n;
	parse_file(&p);
	return f;
}
