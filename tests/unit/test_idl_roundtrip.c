/*
 * test_idl_roundtrip.c - every structure, union, list and map that
 * stratus-idlgen generates from interfaces/ makes the round trip
 * encode -> bytes -> decode -> equal, in MessagePack and (for the types of
 * the CBOR blobstore contract) in CBOR, for the three sample seeds of
 * tests/idl/idl_samples.h (minimal, small, large). The decoder must
 * consume exactly the encoded bytes, and re-encoding the decoded value
 * must give the same bytes. The sample table is written at build time by
 * `stratus-idlgen --samples`, so a type added to interfaces/ is covered
 * without touching this file.
 */
#include "test.h"

#include "idl_samples.h"
#include "idl_test_rt.h"
#include "core/banned.h"

/* Round trip of one type and seed through the MessagePack (cbor = false) or CBOR codec. */
static void round_trip(const idl_sample_type *t, unsigned seed, bool cbor)
{
	void *a = calloc(1, t->size), *b = calloc(1, t->size);
	mp_writer w1, w2;
	int rc;

	t->fill(a, seed);
	wc_writer_init(&w1, 1 << 24);
	wc_writer_init(&w2, 1 << 24);
	rc = cbor ? t->cbor_encode(&w1, a) : t->mp_encode(&w1, a);
	if (rc != 0) {
		TEST_FAIL_("%s seed %u %s: encode: %d", t->id, seed, cbor ? "cbor" : "msgpack", rc);
		goto out;
	}
	if (cbor) {
		wcg_cbor_reader r;

		wcg_cbor_reader_init(&r, w1.p, w1.n);
		rc = t->cbor_decode(&r, b);
		if (rc == 0 && r.pos != w1.n)
			TEST_FAIL_("%s seed %u cbor: decoded %zu of %zu bytes", t->id, seed, r.pos,
			           w1.n);
		if (rc != 0)
			TEST_FAIL_("%s seed %u cbor: decode: %d %s", t->id, seed, rc, r.msg);
	} else {
		mp_reader r;

		mp_reader_init(&r, w1.p, w1.n);
		rc = t->mp_decode(&r, b);
		if (rc == 0 && r.pos != w1.n)
			TEST_FAIL_("%s seed %u msgpack: decoded %zu of %zu bytes", t->id, seed,
			           r.pos, w1.n);
		if (rc != 0)
			TEST_FAIL_("%s seed %u msgpack: decode: %d %s", t->id, seed, rc, r.msg);
	}
	if (rc != 0)
		goto out;
	if (!t->equal(a, b))
		TEST_FAIL_("%s seed %u %s: decoded value differs", t->id, seed,
		           cbor ? "cbor" : "msgpack");
	rc = cbor ? t->cbor_encode(&w2, b) : t->mp_encode(&w2, b);
	if (rc != 0 || w1.n != w2.n || memcmp(w1.p, w2.p, w1.n) != 0)
		TEST_FAIL_("%s seed %u %s: re-encoding differs", t->id, seed,
		           cbor ? "cbor" : "msgpack");
out:
	free(a);
	free(b);
}

TEST(idl_every_type_round_trips_in_msgpack)
{
	EXPECT_TRUE(idl_sample_ntypes >= 80);
	for (size_t i = 0; i < idl_sample_ntypes; i++) {
		for (unsigned seed = 0; seed < IDL_SAMPLE_SEEDS; seed++)
			round_trip(&idl_sample_types[i], seed, false);
	}
}

TEST(idl_every_blobstore_type_round_trips_in_cbor)
{
	size_t n = 0;

	for (size_t i = 0; i < idl_sample_ntypes; i++) {
		const idl_sample_type *t = &idl_sample_types[i];

		if (!t->cbor_encode)
			continue;
		n++;
		for (unsigned seed = 0; seed < IDL_SAMPLE_SEEDS; seed++)
			round_trip(t, seed, true);
	}
	/* The blobstore types and StringList (RemoveContainers, RemoveObjectsRequest). */
	EXPECT_TRUE(n >= 18);
}

TEST(idl_samples_differ_between_seeds)
{
	/* Guards the samples themselves: seeds 0 and 2 must encode differently for every type. */
	for (size_t i = 0; i < idl_sample_ntypes; i++) {
		const idl_sample_type *t = &idl_sample_types[i];
		void *a = calloc(1, t->size), *b = calloc(1, t->size);
		mp_writer w1, w2;

		t->fill(a, 0);
		t->fill(b, 2);
		wc_writer_init(&w1, 1 << 24);
		wc_writer_init(&w2, 1 << 24);
		EXPECT_EQ(0, t->mp_encode(&w1, a));
		EXPECT_EQ(0, t->mp_encode(&w2, b));
		if (w1.n == 1 && w1.p[0] == 0x80 && w2.n == 1) {
			/* An empty structure (HealthCheckRequest) has one value only. */
		} else if (w1.n == w2.n && memcmp(w1.p, w2.p, w1.n) == 0) {
			TEST_FAIL_("%s: seeds 0 and 2 give the same bytes", t->id);
		} else if (t->equal(a, b)) {
			TEST_FAIL_("%s: seeds 0 and 2 compare equal", t->id);
		}
		free(a);
		free(b);
	}
}

TEST(idl_decoders_survive_truncation_of_every_sample)
{
	for (size_t i = 0; i < idl_sample_ntypes; i++) {
		const idl_sample_type *t = &idl_sample_types[i];
		void *a = calloc(1, t->size), *b = calloc(1, t->size);
		mp_writer w;

		t->fill(a, 2);
		wc_writer_init(&w, 1 << 24);
		EXPECT_EQ(0, t->mp_encode(&w, a));
		for (size_t k = 0; k < w.n; k += 1 + k / 8) {
			mp_reader r;

			mp_reader_init(&r, w.p, k);
			if (t->mp_decode(&r, b) == 0)
				TEST_FAIL_("%s: decoded %zu of %zu bytes without error", t->id, k,
				           w.n);
		}
		if (t->cbor_encode) {
			wc_writer_init(&w, 1 << 24);
			EXPECT_EQ(0, t->cbor_encode(&w, a));
			for (size_t k = 0; k < w.n; k += 1 + k / 8) {
				wcg_cbor_reader r;

				wcg_cbor_reader_init(&r, w.p, k);
				if (t->cbor_decode(&r, b) == 0)
					TEST_FAIL_(
						"%s: decoded %zu of %zu CBOR bytes without error",
						t->id, k, w.n);
			}
		}
		free(a);
		free(b);
	}
}

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
