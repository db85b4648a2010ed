// samples.mjs - the Node half of ctest idl.interop_node (see run.sh).
//
//   node samples.mjs write DIR   encodes every sample with @msgpack/msgpack
//                                into DIR/<name>.node.mp
//   node samples.mjs check DIR   decodes DIR/<name>.c.mp (written by the C
//                                program idl_interop after decoding and
//                                re-encoding the .node.mp file with the
//                                generated bindings) and compares it with
//                                the sample; samples sent in @n key order
//                                must also come back byte for byte.
//
// The field values here are checked field by field on the C side
// (idl_interop.c): keep both in step.
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { decode, encode } from "@msgpack/msgpack";

const bytes = (n, f) => Uint8Array.from({ length: n }, (_, i) => f(i));

// name -> { value: what Node sends, expect: what must come back (default value),
//           ordered: keys are in @n order and nothing is dropped, so bytes must match }
const samples = {
	http_request: {
		value: {
			method: "POST",
			path: "/foo/bar",
			queryString: "a=1&b=2",
			header: { "content-type": ["text/plain"], "x-multi": ["a", "b"] },
			body: Uint8Array.from([0, 1, 2, 255]),
		},
		ordered: true,
	},
	// Alphabetical keys (as wasmbus-rpc 0.3 code sent them) and a 300-byte body.
	http_response: {
		value: { body: bytes(300, (i) => (i * 7) & 255), header: {}, statusCode: 404 },
		expect: { statusCode: 404, header: {}, body: bytes(300, (i) => (i * 7) & 255) },
	},
	set_request: {
		value: { key: "k", value: "v".repeat(40), expires: 70000 },
		ordered: true,
	},
	// A str where a blob is expected is accepted; an unknown key is ignored.
	get_response: {
		value: { value: "h\u00e9llo \u2713", exists: true, extra: [1, 2, { x: null }] },
		expect: { value: "h\u00e9llo \u2713", exists: true },
	},
	list_range_request: {
		value: { listName: "l", start: -200, stop: 2147483647 },
		ordered: true,
	},
	increment_request: {
		value: { key: "counter::foo:bar", value: -2147483648 },
		ordered: true,
	},
	sub_message: {
		value: { subject: "a.b", replyTo: "_INBOX.x", body: Uint8Array.from([104, 105]) },
		ordered: true,
	},
	// nil for an optional member = absent; a str body is accepted as a blob.
	sub_message_nil: {
		value: { subject: "s", replyTo: null, body: "hi" },
		expect: { subject: "s", body: Uint8Array.from([104, 105]) },
	},
	range_limit: { value: { min: 0, max: 4294967295 }, ordered: true },
	log_entry: { value: { level: "info", text: "hello" }, ordered: true },
	string_list: { value: ["a", "", "c".repeat(300)], ordered: true },
	invocation: {
		value: {
			origin: { public_key: "MAAA", link_name: "", contract_id: "" },
			target: { public_key: "VBBB", link_name: "default", contract_id: "wasmcloud:keyvalue" },
			operation: "KeyValue.Increment",
			msg: Uint8Array.from([0x82, 0xa3]),
			id: "0f8e4a52-5a5e-4c57-9d3e-2f6b1a0c9e11",
			encoded_claims: "eyJ0eXAi",
			host_id: "NCCC",
			content_length: 2 ** 40 + 3,
			traceContext: { traceparent: "00-ab-cd-01" },
		},
		ordered: true,
	},
	host_inventory: {
		value: {
			hostId: "NHOST",
			labels: { os: "linux" },
			actors: [
				{
					id: "MACTOR",
					imageRef: "ref:1",
					instances: [{ instanceId: "i1", revision: -1, annotations: { a: "b" } }],
				},
			],
			providers: [{ id: "VPROV", linkName: "default", revision: 300 }],
		},
		ordered: true,
	},
	query_result: {
		value: {
			numRows: 1,
			columns: [{ ordinal: 0, name: "id", dbType: "int4" }],
			rows: Uint8Array.from([0x81, 0x81, 0x18, 0x2a]),
			error: { code: "notFound", message: "no table" },
		},
		ordered: true,
	},
};

const [mode, dir] = process.argv.slice(2);
if (mode === "write") {
	for (const [name, s] of Object.entries(samples))
		writeFileSync(`${dir}/${name}.node.mp`, encode(s.value));
	console.log(`node: wrote ${Object.keys(samples).length} samples`);
} else if (mode === "check") {
	let bad = 0;
	for (const [name, s] of Object.entries(samples)) {
		const ours = readFileSync(`${dir}/${name}.c.mp`);
		const got = decode(ours);
		const want = s.expect ?? s.value;
		if (!isDeepStrictEqual(normalise(got), normalise(want))) {
			console.log(`FAIL ${name}: decoded ${show(got)}\n     want ${show(want)}`);
			bad++;
		} else if (s.ordered && !Buffer.from(encode(s.value)).equals(ours)) {
			console.log(`FAIL ${name}: bytes differ\n  node ${Buffer.from(encode(s.value)).toString("hex")}\n  c    ${ours.toString("hex")}`);
			bad++;
		} else {
			console.log(`ok   ${name}`);
		}
	}
	process.exit(bad ? 1 : 0);
} else {
	console.error("usage: node samples.mjs write|check DIR");
	process.exit(2);
}

// Order-insensitive form for comparison: objects with sorted keys, byte arrays as plain arrays.
function normalise(v) {
	if (v instanceof Uint8Array) return { bytes: Array.from(v) };
	if (Array.isArray(v)) return v.map(normalise);
	if (v && typeof v === "object")
		return Object.fromEntries(Object.keys(v).sort().map((k) => [k, normalise(v[k])]));
	return v;
}

function show(v) {
	return JSON.stringify(normalise(v)).slice(0, 400);
}
