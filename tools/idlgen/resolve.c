/*
 * resolve.c - name resolution and the checks of interfaces/README.md.
 *
 * One table holds every shape by absolute id ("ns#Name"), the smithy.api
 * prelude included. A relative name resolves, in Smithy's order, to a
 * shape of the file's namespace, then a `use` import, then the prelude.
 * Traits resolve the same way and must name a trait definition (a shape
 * carrying @trait, or a prelude trait). The traits the generator
 * understands are interpreted here (required, n, wireName, blobFormat,
 * wasmbus, unsignedInt, length); others are errors.
 */
#include "idl.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

#define ID_REQUIRED "smithy.api#required"
#define ID_LENGTH "smithy.api#length"
#define ID_TRAIT "smithy.api#trait"
#define ID_RANGE "smithy.api#range"
#define ID_DOC "smithy.api#documentation"
#define ID_N "stratus.model#n"
#define ID_WIRENAME "stratus.model#wireName"
#define ID_BLOBFORMAT "stratus.model#blobFormat"
#define ID_WASMBUS "stratus.model#wasmbus"
#define ID_UNSIGNED "stratus.model#unsignedInt"

idl_shape *idl_find(const idl_model *m, const char *id)
{
	for (size_t i = 0; i < m->nshapes; i++) {
		if (strcmp(m->shapes[i]->id, id) == 0)
			return m->shapes[i];
	}
	return NULL;
}

const idl_trait *idl_trait_get(const idl_traits *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].id && strcmp(t->v[i].id, id) == 0)
			return &t->v[i];
	}
	return NULL;
}

static void add_prelude(idl_model *m, const char *name, idl_scalar scalar, int bits, bool is_trait)
{
	idl_shape *s = xcalloc(1, sizeof(*s));
	size_t n = strlen("smithy.api#") + strlen(name) + 1;
	char *id = xmalloc(n);

	snprintf(id, n, "smithy.api#%s", name);
	s->kind = IDL_PRELUDE;
	s->name = name;
	s->id = id;
	s->scalar = scalar;
	s->int_bits = bits;
	s->is_trait = is_trait;
	idl_push((void ***)&m->shapes, &m->nshapes, s);
}

static void add_preludes(idl_model *m)
{
	add_prelude(m, "String", IDL_S_STRING, 0, false);
	add_prelude(m, "Blob", IDL_S_BLOB, 0, false);
	add_prelude(m, "Boolean", IDL_S_BOOL, 0, false);
	add_prelude(m, "PrimitiveBoolean", IDL_S_BOOL, 0, false);
	add_prelude(m, "Byte", IDL_S_INT, 8, false);
	add_prelude(m, "Short", IDL_S_INT, 16, false);
	add_prelude(m, "Integer", IDL_S_INT, 32, false);
	add_prelude(m, "Long", IDL_S_INT, 64, false);
	add_prelude(m, "Float", IDL_S_FLOAT, 32, false);
	add_prelude(m, "Double", IDL_S_FLOAT, 64, false);
	add_prelude(m, "Timestamp", IDL_S_TIMESTAMP, 0, false);
	add_prelude(m, "Document", IDL_S_DOCUMENT, 0, false);
	add_prelude(m, "Unit", IDL_S_UNIT, 0, false);
	add_prelude(m, "required", IDL_S_NONE, 0, true);
	add_prelude(m, "length", IDL_S_NONE, 0, true);
	add_prelude(m, "trait", IDL_S_NONE, 0, true);
	add_prelude(m, "range", IDL_S_NONE, 0, true);
	add_prelude(m, "documentation", IDL_S_NONE, 0, true);
}

/* Resolves name as written in f (see the file comment); NULL when unknown. */
static idl_shape *lookup(const idl_model *m, const idl_file *f, const char *name)
{
	char id[512];
	idl_shape *s;

	if (strchr(name, '#'))
		return idl_find(m, name);
	snprintf(id, sizeof(id), "%s#%s", f->ns, name);
	s = idl_find(m, id);
	if (s)
		return s;
	for (size_t i = 0; i < f->nuses; i++) {
		if (strcmp(f->uses[i].name, name) == 0)
			return f->uses[i].target;
	}
	snprintf(id, sizeof(id), "smithy.api#%s", name);
	return idl_find(m, id);
}

static idl_shape *resolve_target(const idl_model *m, const idl_file *f, const char *name,
                                 idl_pos pos)
{
	idl_shape *s = lookup(m, f, name);

	if (!s || s->is_trait)
		idl_fail(pos, "unknown shape '%s'", name);
	return s;
}

/* Where a trait may appear. */
enum {
	ON_SHAPE = 1,
	ON_MEMBER = 2
};

static void resolve_traits(const idl_model *m, const idl_file *f, idl_traits *t, int where,
                           const char *owner)
{
	for (size_t i = 0; i < t->n; i++) {
		idl_trait *tr = &t->v[i];
		idl_shape *def = lookup(m, f, tr->name);
		const char *id;
		bool ok;

		if (!def || !def->is_trait)
			idl_fail(tr->pos, "unknown trait '@%s'", tr->name);
		id = def->id;
		tr->id = id;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(t->v[j].id, id) == 0)
				idl_fail(tr->pos, "duplicate trait '@%s' on %s", tr->name, owner);
		}
		if (strcmp(id, ID_DOC) == 0)
			ok = true;
		else if (strcmp(id, ID_REQUIRED) == 0 || strcmp(id, ID_N) == 0 ||
		         strcmp(id, ID_WIRENAME) == 0 || strcmp(id, ID_LENGTH) == 0)
			ok = where == ON_MEMBER;
		else if (strcmp(id, ID_BLOBFORMAT) == 0)
			ok = where == ON_MEMBER;
		else if (strcmp(id, ID_TRAIT) == 0 || strcmp(id, ID_RANGE) == 0 ||
		         strcmp(id, ID_WASMBUS) == 0 || strcmp(id, ID_UNSIGNED) == 0)
			ok = where == ON_SHAPE;
		else
			idl_fail(tr->pos, "trait '@%s' is not supported by stratus-idlgen",
			         tr->name);
		if (!ok)
			idl_fail(tr->pos, "trait '@%s' is not allowed on %s", tr->name,
			         where == ON_MEMBER ? "a member" : "a shape");
	}
}

static void want_value(const idl_trait *tr, idl_node_kind kind, const char *what)
{
	if (tr->value.kind != kind)
		idl_fail(tr->value.pos, "@%s expects %s", tr->name, what);
}

/* Reads the @wasmbus object of service s. */
static void read_wasmbus(idl_shape *s, const idl_trait *tr)
{
	if (tr->value.kind == IDL_NODE_EMPTY)
		return;
	want_value(tr, IDL_NODE_OBJECT, "an object { contractId, actorReceive, ... }");
	for (size_t i = 0; i < tr->value.n; i++) {
		const char *k = tr->value.keys[i];
		const idl_node *v = &tr->value.items[i];

		if (strcmp(k, "contractId") == 0) {
			if (v->kind != IDL_NODE_STRING)
				idl_fail(v->pos, "contractId expects a string");
			s->contract_id = v->str;
		} else if (strcmp(k, "actorReceive") == 0 || strcmp(k, "providerReceive") == 0) {
			if (v->kind != IDL_NODE_BOOL)
				idl_fail(v->pos, "%s expects true or false", k);
			if (k[0] == 'a')
				s->actor_receive = v->b;
			else
				s->provider_receive = v->b;
		} else if (strcmp(k, "protocol") == 0) {
			if (v->kind != IDL_NODE_STRING ||
			    (strcmp(v->str, "0") != 0 && strcmp(v->str, "2") != 0))
				idl_fail(v->pos, "protocol expects \"0\" or \"2\"");
			s->cbor = strcmp(v->str, "2") == 0;
		} else {
			idl_fail(v->pos, "unknown @wasmbus property '%s'", k);
		}
	}
}

static bool is_data(const idl_shape *t)
{
	switch (t->kind) {
	case IDL_PRELUDE:
	case IDL_SIMPLE:
		return t->scalar != IDL_S_UNIT && t->scalar != IDL_S_NONE;
	case IDL_STRUCTURE:
	case IDL_UNION:
	case IDL_LIST:
	case IDL_MAP:
	case IDL_ENUM:
		return true;
	default:
		return false;
	}
}

static void check_supported_target(const idl_member *mb)
{
	const idl_shape *t = mb->target;

	if (!is_data(t))
		idl_fail(mb->target_pos, "'%s' cannot be the target of a member", t->name);
	if (t->scalar == IDL_S_FLOAT || t->scalar == IDL_S_DOCUMENT)
		idl_fail(mb->target_pos, "target '%s' is not supported by stratus-idlgen", t->name);
}

static bool is_string_like(const idl_shape *t)
{
	return t->kind == IDL_ENUM || t->scalar == IDL_S_STRING;
}

static void resolve_member(const idl_model *m, idl_shape *s, idl_member *mb)
{
	char owner[256];

	snprintf(owner, sizeof(owner), "member '%s' of %s", mb->name, s->name);
	mb->target = resolve_target(m, s->file, mb->target_name, mb->target_pos);
	resolve_traits(m, s->file, &mb->traits, ON_MEMBER, owner);
	mb->wire_name = mb->name;
	for (size_t i = 0; i < mb->traits.n; i++) {
		const idl_trait *tr = &mb->traits.v[i];

		if (strcmp(tr->id, ID_REQUIRED) == 0) {
			if (tr->value.kind != IDL_NODE_EMPTY &&
			    !(tr->value.kind == IDL_NODE_OBJECT && tr->value.n == 0))
				idl_fail(tr->value.pos, "@required takes no value");
			mb->required = true;
		} else if (strcmp(tr->id, ID_N) == 0) {
			want_value(tr, IDL_NODE_NUMBER, "a non-negative integer");
			if (tr->value.num > 1000000)
				idl_fail(tr->value.pos, "@n(%llu) is too large",
				         (unsigned long long)tr->value.num);
			mb->n = (int64_t)tr->value.num;
		} else if (strcmp(tr->id, ID_WIRENAME) == 0) {
			want_value(tr, IDL_NODE_STRING, "a string");
			if (!tr->value.str[0])
				idl_fail(tr->value.pos, "@wireName must not be empty");
			mb->wire_name = tr->value.str;
		} else if (strcmp(tr->id, ID_BLOBFORMAT) == 0) {
			want_value(tr, IDL_NODE_STRING, "a string");
			if (mb->target->scalar != IDL_S_BLOB)
				idl_fail(tr->pos, "@blobFormat applies only to Blob members");
			mb->blob_format = tr->value.str;
		} else if (strcmp(tr->id, ID_LENGTH) == 0) {
			want_value(tr, IDL_NODE_OBJECT, "an object { min, max }");
		}
	}
	check_supported_target(mb);
}

static void resolve_shape(const idl_model *m, idl_shape *s)
{
	char owner[256];

	snprintf(owner, sizeof(owner), "%s", s->name);
	resolve_traits(m, s->file, &s->traits, ON_SHAPE, owner);
	for (size_t i = 0; i < s->traits.n; i++) {
		const idl_trait *tr = &s->traits.v[i];

		if (strcmp(tr->id, ID_WASMBUS) == 0) {
			if (s->kind != IDL_SERVICE)
				idl_fail(tr->pos, "@wasmbus applies only to services");
			read_wasmbus(s, tr);
		} else if (strcmp(tr->id, ID_UNSIGNED) == 0) {
			if (s->kind != IDL_SIMPLE || s->scalar != IDL_S_INT)
				idl_fail(tr->pos,
				         "@unsignedInt applies only to byte/short/integer/long");
			s->is_unsigned = true;
		}
	}
	switch (s->kind) {
	case IDL_STRUCTURE:
	case IDL_UNION:
		for (size_t i = 0; i < s->nmembers; i++) {
			idl_member *mb = &s->members[i];

			resolve_member(m, s, mb);
			if (s->is_trait)
				continue;
			if (mb->n < 0)
				idl_fail(mb->pos, "member '%s' of %s has no @n trait", mb->name,
				         s->name);
			if (mb->n != (int64_t)i)
				idl_fail(
					mb->pos,
					"member '%s' of %s has @n(%lld) but is member %zu (numbers must "
					"be 0..count-1 in declaration order)",
					mb->name, s->name, (long long)mb->n, i);
			if (s->kind == IDL_UNION && mb->required)
				idl_fail(mb->pos, "union members cannot be @required");
			for (size_t j = 0; j < i; j++) {
				if (strcmp(s->members[j].wire_name, mb->wire_name) == 0)
					idl_fail(mb->pos, "duplicate wire name \"%s\" in %s",
					         mb->wire_name, s->name);
			}
		}
		if (s->kind == IDL_UNION && s->nmembers == 0)
			idl_fail(s->pos, "union %s has no members", s->name);
		break;
	case IDL_LIST:
		if (s->nmembers != 1 || strcmp(s->members[0].name, "member") != 0)
			idl_fail(s->pos, "list %s must have exactly one member named 'member'",
			         s->name);
		resolve_member(m, s, &s->members[0]);
		break;
	case IDL_MAP:
		if (s->nmembers != 2 || strcmp(s->members[0].name, "key") != 0 ||
		    strcmp(s->members[1].name, "value") != 0)
			idl_fail(s->pos, "map %s must have exactly the members 'key' and 'value'",
			         s->name);
		resolve_member(m, s, &s->members[0]);
		resolve_member(m, s, &s->members[1]);
		if (!is_string_like(s->members[0].target))
			idl_fail(s->members[0].target_pos, "map keys must be strings, not '%s'",
			         s->members[0].target->name);
		break;
	case IDL_OPERATION:
		if (s->input_name) {
			s->input = resolve_target(m, s->file, s->input_name, s->input_pos);
			if (s->input->scalar == IDL_S_UNIT)
				s->input = NULL;
			else if (!is_data(s->input))
				idl_fail(s->input_pos, "'%s' cannot be an operation input",
				         s->input_name);
		}
		if (s->output_name) {
			s->output = resolve_target(m, s->file, s->output_name, s->output_pos);
			if (s->output->scalar == IDL_S_UNIT)
				s->output = NULL;
			else if (!is_data(s->output))
				idl_fail(s->output_pos, "'%s' cannot be an operation output",
				         s->output_name);
		}
		break;
	case IDL_SERVICE:
		s->ops = xcalloc(s->nops ? s->nops : 1, sizeof(*s->ops));
		for (size_t i = 0; i < s->nops; i++) {
			idl_shape *op = lookup(m, s->file, s->op_names[i]);

			if (!op || op->is_trait)
				idl_fail(s->op_pos[i], "unknown shape '%s'", s->op_names[i]);
			if (op->kind != IDL_OPERATION)
				idl_fail(s->op_pos[i], "'%s' is not an operation", s->op_names[i]);
			for (size_t j = 0; j < i; j++) {
				if (s->ops[j] == op)
					idl_fail(s->op_pos[i], "duplicate operation '%s' in %s",
					         s->op_names[i], s->name);
			}
			s->ops[i] = op;
		}
		break;
	default:
		break;
	}
}

/* Fails when structure s contains itself by value (through structures/unions). */
static void check_cycles(idl_shape *s)
{
	if (s->kind != IDL_STRUCTURE && s->kind != IDL_UNION)
		return;
	if (s->visit == 2)
		return;
	if (s->visit == 1)
		idl_fail(s->pos,
		         "structure %s contains itself (recursive shapes are not supported)",
		         s->name);
	s->visit = 1;
	for (size_t i = 0; i < s->nmembers; i++)
		check_cycles(s->members[i].target);
	s->visit = 2;
}

static void mark_cbor(idl_shape *s)
{
	if (!s || s->needs_cbor)
		return;
	s->needs_cbor = true;
	for (size_t i = 0; i < s->nmembers; i++)
		mark_cbor(s->members[i].target);
}

void idl_resolve(idl_model *m)
{
	add_preludes(m);
	for (size_t i = 0; i < m->nfiles; i++) {
		idl_file *f = m->files[i];

		for (size_t j = 0; j < f->nshapes; j++) {
			idl_shape *s = f->shapes[j];
			idl_shape *old = idl_find(m, s->id);

			if (old)
				idl_fail(s->pos, "duplicate shape '%s' (also defined in %s)", s->id,
				         old->file ? old->file->path : "the prelude");
			idl_push((void ***)&m->shapes, &m->nshapes, s);
		}
	}
	/* Trait definitions first: a shape is a trait when it carries smithy.api#trait. */
	for (size_t i = 0; i < m->nshapes; i++) {
		idl_shape *s = m->shapes[i];

		for (size_t j = 0; s->file && j < s->traits.n; j++) {
			if (strcmp(s->traits.v[j].name, "trait") == 0 ||
			    strcmp(s->traits.v[j].name, ID_TRAIT) == 0)
				s->is_trait = true;
		}
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		idl_file *f = m->files[i];

		for (size_t j = 0; j < f->nuses; j++) {
			idl_use *u = &f->uses[j];
			char id[512];

			u->target = idl_find(m, u->id);
			if (!u->target)
				idl_fail(u->pos, "unknown shape '%s'", u->id);
			snprintf(id, sizeof(id), "%s#%s", f->ns, u->name);
			if (strcmp(id, u->id) != 0 && idl_find(m, id))
				idl_fail(u->pos,
				         "'use %s' conflicts with the shape %s of this namespace",
				         u->id, id);
		}
	}
	for (size_t i = 0; i < m->nshapes; i++) {
		if (m->shapes[i]->file)
			resolve_shape(m, m->shapes[i]);
	}
	for (size_t i = 0; i < m->nshapes; i++)
		check_cycles(m->shapes[i]);
	for (size_t i = 0; i < m->nshapes; i++) {
		idl_shape *s = m->shapes[i];

		if (s->kind != IDL_SERVICE || !s->cbor)
			continue;
		for (size_t j = 0; j < s->nops; j++) {
			mark_cbor(s->ops[j]->input);
			mark_cbor(s->ops[j]->output);
		}
	}
}
