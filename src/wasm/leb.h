/*
 * leb.h - the LEB128 readers of the engine, shared by the decoder
 * (decode.c) and the function-body compiler (compile.c). Private to
 * src/wasm.
 *
 * Rules of the binary format: an N-bit integer takes at most ceil(N/7)
 * bytes ("integer representation too long"), and the unused high bits of
 * its last byte must be zero, or copies of the sign bit for signed
 * integers ("integer too large").
 */
#ifndef STRATUS_WASM_LEB_H
#define STRATUS_WASM_LEB_H

#include <stddef.h>
#include <stdint.h>

enum wm_leb_err {
	WM_LEB_OK = 0,
	WM_LEB_END,      /* the input ended inside the integer */
	WM_LEB_TOO_LONG, /* more bytes than the width allows */
	WM_LEB_TOO_LARGE /* bits set beyond the width */
};

/* The spec suite's text for an error of wm_leb_u/wm_leb_s. */
static inline const char *wm_leb_text(int e)
{
	switch (e) {
	case WM_LEB_END:
		return "unexpected end of section or function";
	case WM_LEB_TOO_LONG:
		return "integer representation too long";
	case WM_LEB_TOO_LARGE:
		return "integer too large";
	default:
		return "ok";
	}
}

/*
 * Reads an unsigned LEB128 integer of at most bits bits from *pp (before
 * end) into *out and advances *pp past it. On an error *pp points at the
 * offending byte (at end for WM_LEB_END) and *out is 0.
 */
static inline int wm_leb_u(const uint8_t **pp, const uint8_t *end, unsigned bits, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	*out = 0;
	for (;;) {
		uint8_t b;

		if (bits == 0) {
			*pp = p;
			return WM_LEB_TOO_LONG;
		}
		if (p >= end) {
			*pp = p;
			return WM_LEB_END;
		}
		b = *p;
		if (bits < 7 && (b & 0x7f) >= (1u << bits)) {
			*pp = p;
			return WM_LEB_TOO_LARGE;
		}
		p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		bits = bits > 7 ? bits - 7 : 0;
	}
	*pp = p;
	*out = v;
	return WM_LEB_OK;
}

/* As wm_leb_u for a signed integer, sign-extended into *out. */
static inline int wm_leb_s(const uint8_t **pp, const uint8_t *end, unsigned bits, int64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	unsigned shift = 0;

	*out = 0;
	for (;;) {
		uint8_t b;

		if (bits == 0) {
			*pp = p;
			return WM_LEB_TOO_LONG;
		}
		if (p >= end) {
			*pp = p;
			return WM_LEB_END;
		}
		b = *p;
		if (bits < 7) {
			uint8_t mask = (uint8_t)((0x7fu << (bits - 1)) & 0x7f);

			if ((b & mask) != 0 && (b & mask) != mask) {
				*pp = p;
				return WM_LEB_TOO_LARGE;
			}
		}
		p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			break;
		}
		bits = bits > 7 ? bits - 7 : 0;
	}
	*pp = p;
	*out = (int64_t)v;
	return WM_LEB_OK;
}

#endif
