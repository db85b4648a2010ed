/*
 * test_wasm_decode.c - the engine's binary decoder, module-level validation
 * and the instantiation steps that run no code (imports, segments, memory
 * and table growth). Modules are written as hex strings, after the 8-byte
 * header, so each test shows the exact bytes it feeds.
 */
#include "test.h"

#include "core/mem.h"
#include "wasm/wm.h"

/* Header, then hex digits (spaces ignored). At most 4 KiB of module. */
static int load_hex(const char *hex, wm_module **m, st_err *err, size_t *len_out)
{
	static const uint8_t header[8] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00 };
	uint8_t buf[4096];
	size_t n = 8;
	int hi = -1;

	memcpy(buf, header, 8);
	for (const char *p = hex; *p; p++) {
		int v;

		if (*p == ' ')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else
			abort();
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (len_out)
		*len_out = n;
	st_err_clear(err);
	return wm_module_new(m, buf, n, err);
}

/* Loads hex, which must fail with code, message and (unless -1) offset. */
#define EXPECT_FAIL(hex, want_code, want_msg, want_off)    \
	do {                                               \
		wm_module *m_ = NULL;                      \
		st_err e_;                                 \
		int rc_ = load_hex((hex), &m_, &e_, NULL); \
		EXPECT_EQ((want_code), rc_);               \
		EXPECT_STR((want_msg), e_.msg);            \
		if ((want_off) >= 0)                       \
			EXPECT_EQ((want_off), e_.offset);  \
		EXPECT_TRUE(m_ == NULL);                   \
		wm_module_unref(m_);                       \
	} while (0)

#define EXPECT_LOADS(hex)                                    \
	do {                                                 \
		wm_module *m_ = NULL;                        \
		st_err e_;                                   \
		int rc_ = load_hex((hex), &m_, &e_, NULL);   \
		EXPECT_EQ(0, rc_);                           \
		if (rc_ < 0)                                 \
			fprintf(stderr, "  (%s)\n", e_.msg); \
		wm_module_unref(m_);                         \
	} while (0)

TEST(decode_accepts_empty_module)
{
	wm_module *m;
	st_err err;

	EXPECT_EQ(0, load_hex("", &m, &err, NULL));
	EXPECT_EQ(0, wm_module_import_count(m));
	EXPECT_EQ(0, wm_module_export_count(m));
	EXPECT_EQ(0, wm_module_custom(m, "jwt", NULL, NULL));
	EXPECT_TRUE(wm_module_ref(m) == m);
	wm_module_unref(m);
	wm_module_unref(m);
}

TEST(decode_rejects_bad_header)
{
	static const uint8_t short_magic[] = { 0x00, 0x61, 0x73 };
	static const uint8_t bad_magic[] = { 0x00, 0x41, 0x53, 0x4d, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t short_version[] = { 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00 };
	static const uint8_t bad_version[] = { 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00 };
	wm_module *m = NULL;
	st_err err;

	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, short_magic, 0, &err));
	EXPECT_STR("unexpected end", err.msg);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, short_magic, sizeof(short_magic), &err));
	EXPECT_STR("unexpected end", err.msg);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, bad_magic, sizeof(bad_magic), &err));
	EXPECT_STR("magic header not detected", err.msg);
	EXPECT_EQ(0, err.offset);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, short_version, sizeof(short_version), &err));
	EXPECT_STR("unexpected end", err.msg);
	EXPECT_EQ(ST_EMALFORMED, wm_module_new(&m, bad_version, sizeof(bad_version), &err));
	EXPECT_STR("unknown binary version", err.msg);
	EXPECT_EQ(4, err.offset);
	EXPECT_TRUE(m == NULL);
}

TEST(decode_rejects_oversized_input)
{
	static const uint8_t byte = 0;
	wm_module *m = NULL;
	st_err err;

	/* The size is checked before anything is read. */
	EXPECT_EQ(ST_ETOOBIG, wm_module_new(&m, &byte, WM_MAX_MODULE_BYTES + 1, &err));
	EXPECT_TRUE(m == NULL);
}

TEST(decode_leb128_unsigned_edges)
{
	/* Memory section, min 2 in a padded 5-byte u32: accepted. */
	EXPECT_LOADS("05 07 01 00 82 80 80 80 00");
	/* Six bytes for a u32. */
	EXPECT_FAIL("05 08 01 00 82 80 80 80 80 00", ST_EMALFORMED,
	            "integer representation too long", 17);
	/* Fifth byte with bits above 2^32 set. */
	EXPECT_FAIL("05 07 01 00 82 80 80 80 10", ST_EMALFORMED, "integer too large", 16);
	/* The top bit of the fifth byte is a continuation: too long. */
	EXPECT_FAIL("05 08 01 00 82 80 80 80 80 00", ST_EMALFORMED,
	            "integer representation too long", -1);
	/* A section size cut by the end of the input. */
	EXPECT_FAIL("01 80", ST_EMALFORMED, "unexpected end of section or function", -1);
}

TEST(decode_leb128_signed_edges)
{
	/* Global i32 = -1 as a full 5-byte s32: accepted. */
	EXPECT_LOADS("06 0a 01 7f 00 41 ff ff ff ff 7f 0b");
	/* Unused bits of the last byte disagree with the sign. */
	EXPECT_FAIL("06 0a 01 7f 00 41 ff ff ff ff 4f 0b", ST_EMALFORMED, "integer too large", 18);
	EXPECT_FAIL("06 0a 01 7f 00 41 80 80 80 80 70 0b", ST_EMALFORMED, "integer too large", -1);
	/* i64 = -1 in 10 bytes, then with unused bits unset. */
	EXPECT_LOADS("06 0f 01 7e 00 42 ff ff ff ff ff ff ff ff ff 7f 0b");
	EXPECT_FAIL("06 0f 01 7e 00 42 ff ff ff ff ff ff ff ff ff 41 0b", ST_EMALFORMED,
	            "integer too large", -1);
	/* Eleven bytes for an s64. */
	EXPECT_FAIL("06 10 01 7e 00 42 ff ff ff ff ff ff ff ff ff ff 7f 0b", ST_EMALFORMED,
	            "integer representation too long", -1);
}

TEST(decode_section_order_and_size)
{
	/* Function section (3) before type section (1). */
	EXPECT_FAIL("03 01 00 01 01 00", ST_EMALFORMED, "unexpected content after last section",
	            11);
	/* Two type sections. */
	EXPECT_FAIL("01 01 00 01 01 00", ST_EMALFORMED, "unexpected content after last section",
	            11);
	/* Data count (12) after code (10). */
	EXPECT_FAIL("0a 01 00 0c 01 00", ST_EMALFORMED, "unexpected content after last section",
	            -1);
	EXPECT_FAIL("0d 00", ST_EMALFORMED, "malformed section id", 8);
	/* Type section of size 2 whose content takes 1 byte. */
	EXPECT_FAIL("01 02 00 00", ST_EMALFORMED, "section size mismatch", 10);
	/* A section size past the end of the input. */
	EXPECT_FAIL("01 05 00", ST_EMALFORMED, "length out of bounds", 9);
	/* Custom sections are allowed anywhere, also between ordered ones. */
	EXPECT_LOADS("00 02 01 61 01 01 00 00 02 01 62 03 01 00");
}

TEST(decode_finds_custom_section_by_name)
{
	/* "jwt" twice (payloads "abc" and "z"), then "name". */
	const char *hex = "00 07 03 6a 77 74 61 62 63"
			  "00 05 03 6a 77 74 7a"
			  "00 05 04 6e 61 6d 65";
	const uint8_t *data = NULL;
	size_t len = 99;
	wm_module *m;
	st_err err;

	EXPECT_EQ(0, load_hex(hex, &m, &err, NULL));
	EXPECT_EQ(2, wm_module_custom(m, "jwt", &data, &len));
	EXPECT_EQ(3, len);
	EXPECT_TRUE(data && memcmp(data, "abc", 3) == 0);
	EXPECT_EQ(1, wm_module_custom(m, "name", &data, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(0, wm_module_custom(m, "jw", &data, &len));
	EXPECT_EQ(0, wm_module_custom(m, "", NULL, NULL));
	wm_module_unref(m);
	/* A custom name running past the section. */
	EXPECT_FAIL("00 00 00", ST_EMALFORMED, "unexpected end", -1);
}

TEST(decode_lists_imports_and_exports)
{
	/*
	 * type 0: (i32) -> (i64)
	 * imports: "env" "f" func 0; "env" "t" table funcref 1..2;
	 *          "env" "m" memory 1; "env" "g" global (mut f64)
	 * exports: "mem" memory 0, "g" global 0, "f" func 0, "t" table 0
	 */
	const char *hex = "01 06 01 60 01 7f 01 7e"
			  "02 26 04"
			  "  03 65 6e 76 01 66 00 00"
			  "  03 65 6e 76 01 74 01 70 01 01 02"
			  "  03 65 6e 76 01 6d 02 00 01"
			  "  03 65 6e 76 01 67 03 7c 01"
			  "07 13 04 03 6d 65 6d 02 00 01 67 03 00 01 66 00 00 01 74 01 00";
	wm_import_desc imp;
	wm_export_desc exp;
	wm_module *m;
	st_err err;

	EXPECT_EQ(0, load_hex(hex, &m, &err, NULL));
	if (!m) {
		fprintf(stderr, "  (%s)\n", err.msg);
		return;
	}
	EXPECT_EQ(4, wm_module_import_count(m));
	wm_module_import(m, 0, &imp);
	EXPECT_STR("env", imp.module);
	EXPECT_EQ(3, imp.module_len);
	EXPECT_STR("f", imp.name);
	EXPECT_EQ(WM_EXTERN_FUNC, imp.kind);
	EXPECT_EQ(1, imp.func->nparams);
	EXPECT_EQ(WM_I32, imp.func->params[0]);
	EXPECT_EQ(1, imp.func->nresults);
	EXPECT_EQ(WM_I64, imp.func->results[0]);
	wm_module_import(m, 1, &imp);
	EXPECT_EQ(WM_EXTERN_TABLE, imp.kind);
	EXPECT_EQ(WM_FUNCREF, imp.type);
	EXPECT_EQ(1, imp.limits.min);
	EXPECT_TRUE(imp.limits.has_max);
	EXPECT_EQ(2, imp.limits.max);
	wm_module_import(m, 2, &imp);
	EXPECT_EQ(WM_EXTERN_MEMORY, imp.kind);
	EXPECT_EQ(1, imp.limits.min);
	EXPECT_TRUE(!imp.limits.has_max);
	wm_module_import(m, 3, &imp);
	EXPECT_EQ(WM_EXTERN_GLOBAL, imp.kind);
	EXPECT_EQ(WM_F64, imp.type);
	EXPECT_TRUE(imp.mut);
	EXPECT_EQ(4, wm_module_export_count(m));
	wm_module_export(m, 0, &exp);
	EXPECT_STR("mem", exp.name);
	EXPECT_EQ(WM_EXTERN_MEMORY, exp.kind);
	wm_module_export(m, 2, &exp);
	EXPECT_STR("f", exp.name);
	EXPECT_EQ(1, exp.name_len);
	EXPECT_EQ(WM_EXTERN_FUNC, exp.kind);
	EXPECT_EQ(0, exp.index);
	wm_module_unref(m);
}

TEST(decode_rejects_malformed_utf8_names)
{
	/* Custom section names: overlong NUL, surrogate, past U+10FFFF, truncated. */
	EXPECT_FAIL("00 03 02 c0 80", ST_EMALFORMED, "malformed UTF-8 encoding", 11);
	EXPECT_FAIL("00 04 03 ed a0 80", ST_EMALFORMED, "malformed UTF-8 encoding", -1);
	EXPECT_FAIL("00 05 04 f4 90 80 80", ST_EMALFORMED, "malformed UTF-8 encoding", -1);
	EXPECT_FAIL("00 03 02 e2 82", ST_EMALFORMED, "malformed UTF-8 encoding", -1);
	EXPECT_FAIL("00 02 01 80", ST_EMALFORMED, "malformed UTF-8 encoding", -1);
	/* Import names are checked too. */
	EXPECT_FAIL("02 07 01 01 ff 01 61 02 00 00", ST_EMALFORMED, "malformed UTF-8 encoding", -1);
	/* U+10FFFF, U+FFFD and a 2-byte character are fine. */
	EXPECT_LOADS("00 0a 09 f4 8f bf bf ef bf bd c3 a9");
}

TEST(decode_checks_limits)
{
	/* Memory limits flag 2 (shared) and a flag written in two bytes. */
	EXPECT_FAIL("05 03 01 02 00", ST_EMALFORMED, "integer too large", 11);
	EXPECT_FAIL("05 05 01 81 00 00 00", ST_EMALFORMED, "integer representation too long", -1);
	EXPECT_FAIL("05 05 01 00 81 80 04", ST_EINVALID,
	            "memory size must be at most 65536 pages (4GiB)", -1);
	EXPECT_FAIL("05 06 01 01 00 81 80 04", ST_EINVALID,
	            "memory size must be at most 65536 pages (4GiB)", -1);
	EXPECT_LOADS("05 06 01 01 00 80 80 04");
	EXPECT_FAIL("05 04 01 01 02 01", ST_EINVALID,
	            "size minimum must not be greater than maximum", -1);
	EXPECT_FAIL("05 05 02 00 00 00 00", ST_EINVALID, "multiple memories", -1);
	EXPECT_FAIL("04 05 01 70 01 03 02", ST_EINVALID,
	            "size minimum must not be greater than maximum", -1);
	EXPECT_FAIL("04 04 01 6f 02 00", ST_EMALFORMED, "integer too large", -1);
	EXPECT_FAIL("04 04 01 7f 00 00", ST_EMALFORMED, "malformed reference type", 11);
	/* Tables may be as large as u32 allows (instantiation caps them). */
	EXPECT_LOADS("04 09 01 70 01 00 ff ff ff ff 0f");
}

TEST(decode_checks_function_and_code_counts)
{
	/* One declared function, no code section. */
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00", ST_EMALFORMED,
	            "function and code section have inconsistent lengths", -1);
	/* A body without a function declaration. */
	EXPECT_FAIL("0a 04 01 02 00 0b", ST_EMALFORMED,
	            "function and code section have inconsistent lengths", -1);
	/* Two data segments against a data count of one. */
	EXPECT_FAIL("0c 01 01 0b 05 02 01 00 01 00", ST_EMALFORMED,
	            "data count and data section have inconsistent lengths", -1);
	/* A data count without a data section. */
	EXPECT_FAIL("0c 01 01", ST_EMALFORMED,
	            "data count and data section have inconsistent lengths", -1);
	/* Passive data with a matching count. */
	EXPECT_LOADS("0c 01 02 0b 05 02 01 00 01 00");
	EXPECT_FAIL("0b 03 01 03 00", ST_EMALFORMED, "malformed data segment kind", -1);
	EXPECT_FAIL("09 03 01 08 00", ST_EMALFORMED, "malformed elements segment kind", -1);
}

TEST(decode_checks_locals)
{
	/* 0xffffffff + 2 locals overflow u32. */
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00"
	            "0a 0c 01 0a 02 ff ff ff ff 0f 7f 02 7e 0b",
	            ST_EMALFORMED, "too many locals", -1);
	/* A local count over u32 in its LEB128. */
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00"
	            "0a 0c 01 0a 02 80 80 80 80 10 7f 02 7e 0b",
	            ST_EMALFORMED, "integer too large", -1);
	/* Over the engine's cap but within u32. */
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00"
	            "0a 09 01 07 01 80 80 80 01 7f 0b",
	            ST_ETOOBIG, "too many locals", -1);
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00 0a 06 01 04 01 01 7a 0b", ST_EMALFORMED,
	            "malformed value type", -1);
}

TEST(decode_checks_body_end)
{
	/* Body "i32.const 1; drop" without `end`, the last thing in the module. */
	EXPECT_FAIL("01 04 01 60 00 00 03 02 01 00 0a 06 01 04 00 41 01 1a", ST_EMALFORMED,
	            "unexpected end of section or function", -1);
	/* The same between two functions. */
	EXPECT_FAIL("01 04 01 60 00 00 03 03 02 00 00"
	            "0a 0c 02 04 00 41 01 1a 05 00 41 01 1a 0b",
	            ST_EMALFORMED, "END opcode expected", -1);
}

TEST(decode_validates_constant_expressions)
{
	/* global i32 = i64.const 0 */
	EXPECT_FAIL("06 06 01 7f 00 42 00 0b", ST_EINVALID, "type mismatch", -1);
	/* Two values, and none. */
	EXPECT_FAIL("06 08 01 7f 00 41 00 41 00 0b", ST_EINVALID, "type mismatch", -1);
	EXPECT_FAIL("06 04 01 7f 00 0b", ST_EINVALID, "type mismatch", -1);
	/* nop, and i32.add, are not constant. */
	EXPECT_FAIL("06 07 01 7f 00 01 41 00 0b", ST_EINVALID, "constant expression required", -1);
	EXPECT_FAIL("06 09 01 7f 00 41 00 41 00 6a 0b", ST_EINVALID, "constant expression required",
	            -1);
	/* global.get of a defined global, and of a mutable import. */
	EXPECT_FAIL("06 0b 02 7f 00 41 00 0b 7f 00 23 00 0b", ST_EINVALID, "unknown global 0", -1);
	EXPECT_FAIL("02 08 01 01 61 01 62 03 7f 01 06 06 01 7f 00 23 00 0b", ST_EINVALID,
	            "constant expression required", -1);
	/* global.get of an immutable import, ref.null and ref.func are fine. */
	EXPECT_LOADS("02 08 01 01 61 01 62 03 7f 00 06 06 01 7f 00 23 00 0b");
	EXPECT_LOADS("06 06 01 6f 00 d0 6f 0b");
	/* ref.func of a function that does not exist. */
	EXPECT_FAIL("06 06 01 70 00 d2 00 0b", ST_EINVALID, "unknown function 0", -1);
	/* An unknown opcode is malformed. */
	EXPECT_FAIL("06 06 01 7f 00 ff 00 0b", ST_EMALFORMED, "illegal opcode", -1);
	/* An expression cut by the end of the module. */
	EXPECT_FAIL("06 05 01 7f 00 41 00", ST_EMALFORMED, "unexpected end of section or function",
	            -1);
}

TEST(decode_validates_module_structure)
{
	/* Duplicate export names. */
	EXPECT_FAIL("05 03 01 00 00 07 09 02 01 61 02 00 01 61 02 00", ST_EINVALID,
	            "duplicate export name", -1);
	EXPECT_FAIL("07 05 01 01 61 00 00", ST_EINVALID, "unknown function 0", -1);
	EXPECT_FAIL("07 05 01 01 61 02 00", ST_EINVALID, "unknown memory 0", -1);
	EXPECT_FAIL("07 05 01 01 61 04 00", ST_EMALFORMED, "malformed export kind", -1);
	/* A function of an unknown type. */
	EXPECT_FAIL("03 02 01 00 0a 04 01 02 00 0b", ST_EINVALID, "unknown type 0", -1);
	/* Import kinds and mutability. */
	EXPECT_FAIL("02 05 01 00 00 04 00", ST_EMALFORMED, "malformed import kind", -1);
	EXPECT_FAIL("02 06 01 00 00 03 7f 02", ST_EMALFORMED, "malformed mutability", -1);
	/* A start function with a parameter, and one that does not exist. */
	EXPECT_FAIL("01 05 01 60 01 7f 00 03 02 01 00 08 01 00 0a 04 01 02 00 0b", ST_EINVALID,
	            "start function", -1);
	EXPECT_FAIL("08 01 00", ST_EINVALID, "unknown function 0", -1);
	/* Active element segment into a table of another type. */
	EXPECT_FAIL("04 04 01 6f 00 01 09 08 01 06 00 41 00 0b 70 00", ST_EINVALID, "type mismatch",
	            -1);
	EXPECT_FAIL("09 07 01 00 41 00 0b 01 00", ST_EINVALID, "unknown table 0", -1);
	EXPECT_FAIL("0b 07 01 00 41 00 0b 01 61", ST_EINVALID, "unknown memory 0", -1);
	/* Malformed input wins over an earlier validation error. */
	EXPECT_FAIL("07 05 01 01 61 00 00 0d 00", ST_EMALFORMED, "malformed section id", -1);
}

TEST(decode_refuses_simd)
{
	/* A v128 parameter. */
	EXPECT_FAIL("01 05 01 60 01 7b 00", ST_ENOSYS, "SIMD is not supported", -1);
	/* ... but a malformed module stays malformed. */
	EXPECT_FAIL("01 05 01 60 01 7b 00 0d", ST_EMALFORMED, "malformed section id", -1);
}

TEST(decode_survives_every_allocation_failure)
{
	const char *hex = "01 06 01 60 01 7f 01 7e"
			  "02 11 02 03 65 6e 76 01 67 03 7f 00 01 61 01 62 02 00 01"
			  "04 04 01 70 00 02 06 06 01 70 00 d0 70 0b"
			  "07 05 01 01 74 01 00"
			  "09 09 01 04 23 00 0b 01 d0 70 0b 0b 07 01 00 23 00 0b 01 61"
			  "00 04 03 6a 77 74";
	wm_module *m = NULL;
	st_err err;
	int rc = -1;

	for (long i = 0; i < 200 && rc != 0; i++) {
		st_alloc_fail_after(i);
		rc = load_hex(hex, &m, &err, NULL);
		st_alloc_fail_after(-1);
		if (rc != 0) {
			EXPECT_EQ(ST_ENOMEM, rc);
			EXPECT_TRUE(m == NULL);
		}
	}
	EXPECT_EQ(0, rc);
	wm_module_unref(m);
}

/* ----------------------------------------------------------------------- */
/* Runtime objects and instantiation without code */

TEST(memory_grows_in_place_up_to_max)
{
	wm_limits lim = { .min = 1, .max = 3, .has_max = true };
	wm_memory *mem;
	uint8_t *base;

	EXPECT_EQ(0, wm_memory_new(&mem, lim, NULL));
	EXPECT_EQ(65536, wm_memory_size(mem));
	base = wm_memory_data(mem);
	base[65535] = 7;
	EXPECT_EQ(1, wm_memory_grow(mem, 2));
	EXPECT_TRUE(wm_memory_data(mem) == base);
	EXPECT_EQ(3 * 65536, wm_memory_size(mem));
	EXPECT_EQ(7, base[65535]);
	EXPECT_EQ(0, base[3 * 65536 - 1]);
	EXPECT_EQ(-1, wm_memory_grow(mem, 1));
	EXPECT_EQ(3, wm_memory_grow(mem, 0));
	EXPECT_EQ(3, wm_memory_limits(mem).min);
	EXPECT_TRUE(wm_memory_ref(mem) == mem);
	wm_memory_unref(mem);
	wm_memory_unref(mem);
	lim.min = 4;
	EXPECT_EQ(ST_EINVAL, wm_memory_new(&mem, lim, NULL));
}

TEST(memory_without_max_grows_to_4gib_limit)
{
	wm_limits lim = { .min = 0 };
	wm_memory *mem;

	EXPECT_EQ(0, wm_memory_new(&mem, lim, NULL));
	EXPECT_EQ(0, wm_memory_size(mem));
	EXPECT_EQ(-1, wm_memory_grow(mem, 65537));
	EXPECT_EQ(0, wm_memory_grow(mem, 2));
	wm_memory_data(mem)[2 * 65536 - 1] = 1;
	EXPECT_EQ(2, wm_memory_grow(mem, 65534));
	EXPECT_EQ(-1, wm_memory_grow(mem, 1));
	wm_memory_unref(mem);
}

TEST(table_bounds_checks_get_and_set)
{
	wm_limits lim = { .min = 2, .max = 4, .has_max = true };
	int marker;
	void *v = &marker;
	wm_table *t;

	EXPECT_EQ(0, wm_table_new(&t, WM_EXTERNREF, lim, &marker, NULL));
	EXPECT_EQ(2, wm_table_size(t));
	EXPECT_EQ(0, wm_table_get(t, 1, &v));
	EXPECT_TRUE(v == &marker);
	EXPECT_EQ(ST_ENOTFOUND, wm_table_get(t, 2, &v));
	EXPECT_EQ(ST_ENOTFOUND, wm_table_set(t, 2, NULL));
	EXPECT_EQ(0, wm_table_set(t, 0, NULL));
	EXPECT_EQ(0, wm_table_get(t, 0, &v));
	EXPECT_TRUE(v == NULL);
	EXPECT_EQ(2, wm_table_limits(t).min);
	EXPECT_EQ(4, wm_table_limits(t).max);
	EXPECT_EQ(WM_EXTERNREF, wm_table_elem_type(t));
	EXPECT_STR("externref", wm_valtype_name(wm_table_elem_type(t)));
	wm_table_unref(t);
	EXPECT_EQ(ST_EINVAL, wm_table_new(&t, WM_I32, lim, NULL, NULL));
	lim.min = 5;
	EXPECT_EQ(ST_EINVAL, wm_table_new(&t, WM_FUNCREF, lim, NULL, NULL));
}

static int host_noop(wm_exec *x, wm_instance *caller, const wm_val *args, wm_val *results, void *ud)
{
	(void)x;
	(void)caller;
	(void)args;
	(void)results;
	(void)ud;
	return 0;
}

TEST(instance_checks_import_types)
{
	/* Imports "env" "f": func (i32) -> (), "env" "m": memory 1..2. */
	const char *hex = "01 05 01 60 01 7f 00"
			  "02 13 02 03 65 6e 76 01 66 00 00 03 65 6e 76 01 6d 02 01 01 02";
	static const wm_valtype i32 = WM_I32;
	wm_functype ok_t = { 1, 0, &i32, NULL }, bad_t = { 0, 1, NULL, &i32 };
	wm_limits big = { .min = 1, .max = 3, .has_max = true };
	wm_limits fits = { .min = 1, .max = 2, .has_max = true };
	wm_func *ok_f = wm_func_new_host(&ok_t, host_noop, NULL);
	wm_func *bad_f = wm_func_new_host(&bad_t, host_noop, NULL);
	wm_memory *mem_big, *mem_fits;
	wm_extern ext[2];
	wm_instance *inst = NULL;
	wm_module *m;
	st_err err;

	EXPECT_EQ(0, load_hex(hex, &m, &err, NULL));
	if (!m)
		return;
	EXPECT_EQ(0, wm_memory_new(&mem_big, big, NULL));
	EXPECT_EQ(0, wm_memory_new(&mem_fits, fits, NULL));
	ext[0].kind = WM_EXTERN_FUNC;
	ext[0].of.func = bad_f;
	ext[1].kind = WM_EXTERN_MEMORY;
	ext[1].of.memory = mem_fits;
	EXPECT_EQ(ST_EUNLINKABLE, wm_instance_new(&inst, m, NULL, NULL, NULL, ext, 2, &err));
	EXPECT_TRUE(strncmp(err.msg, "incompatible import type", 24) == 0);
	ext[0].of.func = ok_f;
	ext[1].of.memory = mem_big; /* its max 3 exceeds the declared 2 */
	EXPECT_EQ(ST_EUNLINKABLE, wm_instance_new(&inst, m, NULL, NULL, NULL, ext, 2, &err));
	ext[1].kind = WM_EXTERN_GLOBAL;
	EXPECT_EQ(ST_EUNLINKABLE, wm_instance_new(&inst, m, NULL, NULL, NULL, ext, 2, &err));
	ext[1].kind = WM_EXTERN_MEMORY;
	ext[1].of.memory = mem_fits;
	EXPECT_EQ(ST_EINVAL, wm_instance_new(&inst, m, NULL, NULL, NULL, ext, 1, &err));
	EXPECT_EQ(0, wm_instance_new(&inst, m, NULL, NULL, NULL, ext, 2, &err));
	EXPECT_TRUE(inst && wm_instance_memory(inst) == mem_fits);
	EXPECT_TRUE(inst && wm_instance_module(inst) == m);
	wm_instance_unref(inst);
	wm_module_unref(m);
	wm_memory_unref(mem_big);
	wm_memory_unref(mem_fits);
	wm_func_unref(ok_f);
	wm_func_unref(bad_f);
}

static int resolve_nothing(void *ud, const wm_import_desc *imp, wm_extern *out)
{
	(void)ud;
	(void)imp;
	(void)out;
	return ST_ENOTFOUND;
}

TEST(instance_reports_unknown_import)
{
	wm_instance *inst = NULL;
	wm_module *m;
	st_err err;

	EXPECT_EQ(0, load_hex("02 08 01 01 61 01 62 02 00 00", &m, &err, NULL));
	if (!m)
		return;
	EXPECT_EQ(ST_EUNLINKABLE,
	          wm_instance_new(&inst, m, NULL, resolve_nothing, NULL, NULL, 0, &err));
	EXPECT_TRUE(strncmp(err.msg, "unknown import", 14) == 0);
	EXPECT_TRUE(inst == NULL);
	wm_module_unref(m);
}

TEST(instance_applies_data_and_exports)
{
	/* memory 1, global i32 = 7 exported as "g", data at 65534 "hi", memory exported. */
	const char *hex = "05 03 01 00 01 06 06 01 7f 00 41 07 0b"
			  "07 0b 02 01 67 03 00 03 6d 65 6d 02 00"
			  "0b 0a 01 00 41 fe ff 03 0b 02 68 69";
	wm_instance *inst = NULL;
	wm_module *m;
	wm_extern e;
	st_err err;

	EXPECT_EQ(0, load_hex(hex, &m, &err, NULL));
	if (!m)
		return;
	EXPECT_EQ(0, wm_instance_new(&inst, m, NULL, NULL, NULL, NULL, 0, &err));
	if (!inst) {
		wm_module_unref(m);
		return;
	}
	EXPECT_EQ('h', wm_memory_data(wm_instance_memory(inst))[65534]);
	EXPECT_EQ('i', wm_memory_data(wm_instance_memory(inst))[65535]);
	EXPECT_EQ(0, wm_instance_export(inst, "g", 1, &e));
	EXPECT_EQ(WM_EXTERN_GLOBAL, e.kind);
	EXPECT_EQ(7, wm_global_get(e.of.global).i32);
	EXPECT_TRUE(!wm_global_mutable(e.of.global));
	EXPECT_EQ(0, wm_instance_export(inst, "mem", 3, &e));
	EXPECT_TRUE(e.of.memory == wm_instance_memory(inst));
	EXPECT_EQ(ST_ENOTFOUND, wm_instance_export(inst, "me", 2, &e));
	EXPECT_TRUE(wm_instance_func(inst, "g") == NULL);
	wm_instance_set_ud(inst, &e);
	EXPECT_TRUE(wm_instance_ud(inst) == &e);
	wm_instance_unref(inst);
	wm_module_unref(m);
}

TEST(instance_traps_on_out_of_bounds_segments)
{
	wm_instance *inst = NULL;
	wm_module *m;
	st_err err;

	/* Data at 65535 of 2 bytes in a 1-page memory. */
	EXPECT_EQ(0,
	          load_hex("05 03 01 00 01 0b 0a 01 00 41 ff ff 03 0b 02 68 69", &m, &err, NULL));
	if (m) {
		EXPECT_EQ(ST_ETRAP, wm_instance_new(&inst, m, NULL, NULL, NULL, NULL, 0, &err));
		EXPECT_EQ(WM_TRAP_MEMORY_OOB, err.kind);
		wm_module_unref(m);
	}
	/* Element segment of one ref.null at offset 1 of a 1-element table. */
	EXPECT_EQ(0,
	          load_hex("04 04 01 70 00 01 09 09 01 04 41 01 0b 01 d0 70 0b", &m, &err, NULL));
	if (m) {
		EXPECT_EQ(ST_ETRAP, wm_instance_new(&inst, m, NULL, NULL, NULL, NULL, 0, &err));
		EXPECT_EQ(WM_TRAP_TABLE_OOB, err.kind);
		wm_module_unref(m);
	}
	EXPECT_TRUE(inst == NULL);
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
