// The safetensors format (src/nn/safetensors.ts): round trips of every dtype, F16 and BF16
// rounding against independent references (every half and bfloat16 bit pattern, every
// midpoint), the header layout, every decode and encode error, and the PyTorch-written
// fixtures of tools/gen_safetensors_fixtures.py (test/fixtures/lenet_small*.safetensors, .json):
// exact values, byte-identical re-encoding, and the logits through simdnn's ops.
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { fixtureBytes } from "../_util/fixtures.ts";
import fixture from "../fixtures/lenet_small.json" with { type: "json" };

/** Bytes of a file in test/fixtures (node:fs in Node and Deno, fetch from the Vite server in a browser). */
const headerSize = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);
const headerJson = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + headerSize(b))));
/** The u16 values of the data section (a file holding 2-byte elements). */
function u16s(b: Uint8Array): number[] {
  const d = b.subarray(8 + headerSize(b)), out: number[] = [];
  for (let i = 0; i < d.length; i += 2) out.push(d[i] | (d[i + 1] << 8));
  return out;
}

// Independent references: the value of each bit pattern by its definition.
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 0x3ff;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * Math.pow(2, -24) : s * (1 + m / 1024) * Math.pow(2, e - 15);
}
function bf16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 7) & 255, m = h & 0x7f;
  if (e === 255) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * Math.pow(2, -133) : s * (1 + m / 128) * Math.pow(2, e - 127);
}

const f64 = (name: string, values: number[], shape = [values.length]): Record<string, SafetensorsTensor> => ({
  [name]: { dtype: "float64", shape, data: new Float64Array(values) },
});
/** The stored bits of float64 values narrowed to F16 or BF16. */
const narrowed = (values: number[], storeAs: "F16" | "BF16") => u16s(encodeSafetensors(f64("x", values), { storeAs }));

/** A file by hand: header text or object, data bytes (or a byte count of zeros), header size override [lo, hi]. */
function file(header: string | object, data: number | number[] = 0, size?: [number, number]): Uint8Array {
  const h = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const d = typeof data === "number" ? new Uint8Array(data) : Uint8Array.from(data);
  const out = new Uint8Array(8 + h.length + d.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, size ? size[0] : h.length, true);
  dv.setUint32(4, size ? size[1] : 0, true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
/** Fails on the first differing bit pattern (a plain toEqual of 100k numbers is slow to report). */
function sameBits(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  const i = got.findIndex((g, i) => g !== want[i]);
  if (i >= 0) throw new Error(`${what}[${i}]: got 0x${got[i].toString(16)}, want 0x${want[i].toString(16)}`);
}
const entry = (dtype: string, shape: unknown, data_offsets: unknown) => ({ dtype, shape, data_offsets });

describe("safetensors", () => {
  it("round-trips float32, float64 and int32 tensors exactly, with metadata, in insertion order", () => {
    const tensors = new Map<string, SafetensorsTensor>([
      ["b", { dtype: "float32", shape: [2, 3], data: new Float32Array([1.5, -0, NaN, Infinity, -3e38, 1e-45]) }],
      ["a", { dtype: "float64", shape: [3], data: new Float64Array([Math.PI, -5e-324, -Infinity]) }],
      ["10", { dtype: "int32", shape: [2, 1, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1]) }],
      ["2", { dtype: "float32", shape: [], data: new Float32Array([7]) }], // a scalar
      ["empty", { dtype: "float64", shape: [2, 0], data: new Float64Array(0) }],
      ["ünï ✓", { dtype: "float32", shape: [1], data: new Float32Array([0.1]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { metadata: { format: "pt", note: "é" } });
    const { tensors: got, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: "pt", note: "é" });
    expect([...got.keys()]).toEqual([...tensors.keys()]); // "10" and "2" keep their place
    for (const [name, t] of tensors) {
      const g = got.get(name)!;
      expect(g.dtype, name).toBe(t.dtype);
      expect(g.stored, name).toBe({ float32: "F32", float64: "F64", int32: "I32" }[t.dtype]);
      expect(g.shape, name).toEqual([...t.shape]);
      expect(g.data.constructor, name).toBe(t.data.constructor);
      expect(Array.from(g.data), name).toEqual(Array.from(t.data)); // toEqual tells -0 from 0 and matches NaN
    }
    // A plain object works the same (its integer-like keys first, as JS orders them).
    const obj = decodeSafetensors(encodeSafetensors(Object.fromEntries(tensors)));
    expect([...obj.tensors.keys()]).toEqual(["2", "10", "b", "a", "empty", "ünï ✓"]);
    expect(obj.metadata).toEqual({});
    // No tensors at all.
    const none = encodeSafetensors({});
    expect(none.length).toBe(16);
    expect(decodeSafetensors(none).tensors.size).toBe(0);
    // The decoded Map encodes again to the same bytes.
    expect(encodeSafetensors(got, { metadata })).toEqual(bytes);
  });

  it("stores float tensors widened or narrowed by storeAs; int32 stays I32", () => {
    const x = [1 / 3, -1e-40, 3.5e38, 1e300, 2 ** -149, 2 ** -150, 3 * 2 ** -150];
    const bytes = encodeSafetensors(
      {
        x: { dtype: "float64", shape: [7], data: new Float64Array(x) },
        i: { dtype: "int32", shape: [1], data: new Int32Array([5]) },
      },
      { storeAs: "F32" },
    );
    const got = decodeSafetensors(bytes).tensors;
    expect(got.get("x")!.stored).toBe("F32");
    expect(Array.from(got.get("x")!.data)).toEqual(x.map(Math.fround));
    expect(got.get("i")!.stored).toBe("I32");
    const f = new Float32Array([0.1, -2.5, 1e-45, Infinity]);
    const wide = decodeSafetensors(
      encodeSafetensors({ f: { dtype: "float32", shape: [4], data: f } }, { storeAs: "F64" }),
    );
    expect(wide.tensors.get("f")!.dtype).toBe("float64");
    expect(Array.from(wide.tensors.get("f")!.data)).toEqual(Array.from(f));
  });

  it("decodes every F16 and BF16 bit pattern exactly to float32", () => {
    const all = Array.from({ length: 65536 }, (_, i) => i);
    const bytes = all.flatMap((h) => [h & 0xff, h >> 8]);
    for (const [dtype, value] of [["F16", halfValue], ["BF16", bf16Value]] as const) {
      const t = decodeSafetensors(file({ x: entry(dtype, [256, 256], [0, 131072]) }, bytes)).tensors.get("x")!;
      expect(t.dtype).toBe("float32");
      expect(t.stored).toBe(dtype);
      expect(t.shape).toEqual([256, 256]);
      for (const h of all) {
        const want = value(h), got = t.data[h];
        if (!Object.is(got, want) && !(Number.isNaN(want) && Number.isNaN(got))) {
          throw new Error(`${dtype} 0x${h.toString(16)}: got ${got}, want ${want}`);
        }
      }
      // BF16 is the top half of a float32, NaN payloads included.
      if (dtype === "BF16") {
        const bits = new Uint32Array(t.data.buffer);
        for (const h of all) if (bits[h] !== h << 16 >>> 0) throw new Error(`BF16 0x${h.toString(16)} bits`);
      }
    }
  });

  for (const [dtype, value, maxFinite] of [["F16", halfValue, 0x7bff], ["BF16", bf16Value, 0x7f7f]] as const) {
    it(`${dtype}: every representable value is exact; every midpoint rounds to even, off-midpoints to nearest`, () => {
      const finite: number[] = [];
      for (let h = 0; h <= maxFinite; h++) finite.push(h, h | 0x8000);
      sameBits(narrowed(finite.map(value), dtype), finite, "finite"); // includes ±0 and the subnormals
      // Between h and h + 1 (for the largest finite one, the next "value" is the overflow threshold's other side).
      const mids: number[] = [], want: number[] = [];
      for (let h = 0; h <= maxFinite; h++) {
        const lo = value(h), hi = h === maxFinite ? 2 * value(h) - value(h - 1) : value(h + 1);
        const mid = (lo + hi) / 2, eps = (hi - lo) * 2 ** -20;
        mids.push(mid, mid - eps, mid + eps, -mid);
        const even = h % 2 === 0 ? h : h + 1;
        want.push(even, h, h + 1, even | 0x8000);
      }
      sameBits(narrowed(mids, dtype), want, "midpoints"); // h + 1 past the largest finite value is the infinity
    });
  }

  it("F16 and BF16: special values, overflow, subnormals, and no double rounding through float32", () => {
    const cases: [number, number, number][] = [ // value, F16 bits, BF16 bits
      [0, 0x0000, 0x0000],
      [-0, 0x8000, 0x8000],
      [Infinity, 0x7c00, 0x7f80],
      [-Infinity, 0xfc00, 0xff80],
      [NaN, 0x7e00, 0x7fc0],
      [1, 0x3c00, 0x3f80],
      [65504, 0x7bff, 0x4780],
      [65519.99, 0x7bff, 0x4780],
      [65520, 0x7c00, 0x4780],
      [-1e6, 0xfc00, 0xc974],
      [2 ** -24, 0x0001, 0x3380],
      [2 ** -25, 0x0000, 0x3300],
      [2 ** -25 * 1.000001, 0x0001, 0x3300],
      [3 * 2 ** -25, 0x0002, 0x33c0],
      [(1024 - 0.5) * 2 ** -24, 0x0400, 0x3880], // largest subnormal's tie goes up to the smallest normal
      [1 + 2 ** -11, 0x3c00, 0x3f80],
      [1 + 3 * 2 ** -11, 0x3c02, 0x3f80],
      // Through float32 first this would land on the tie 1 + 2^-11 and round down to 1.
      [1 + 2 ** -11 + 2 ** -40, 0x3c01, 0x3f80],
      [1 + 2 ** -8 + 2 ** -40, 0x3c04, 0x3f81],
      [3.4e38, 0x7c00, 0x7f80],
      [(2 - 2 ** -7) * 2 ** 127, 0x7c00, 0x7f7f], // the largest finite bfloat16
      [(2 - 2 ** -8) * 2 ** 127, 0x7c00, 0x7f80],
      [(2 - 2 ** -8 - 2 ** -30) * 2 ** 127, 0x7c00, 0x7f7f], // its overflow threshold, a tie: to even, the infinity
      [2 ** -133, 0x0000, 0x0001],
      [2 ** -134, 0x0000, 0x0000],
      [1.5 * 2 ** -134, 0x0000, 0x0001],
      [5e-324, 0x0000, 0x0000],
      [-5e-324, 0x8000, 0x8000],
    ];
    expect(narrowed(cases.map((c) => c[0]), "F16").map((h) => h.toString(16))).toEqual(
      cases.map((c) => c[1].toString(16)),
    );
    expect(narrowed(cases.map((c) => c[0]), "BF16").map((h) => h.toString(16))).toEqual(
      cases.map((c) => c[2].toString(16)),
    );
  });

  it("float32 data narrows as its float64 value does; BF16 matches the round-to-nearest-even bit formula", () => {
    // Random float32 bit patterns (no NaN), BF16 against (u + 0x7fff + lsb) >> 16.
    let s = 12345;
    const bits = new Uint32Array(20000);
    for (let i = 0; i < bits.length; i++) {
      do {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        bits[i] = (s ^ (s >>> 13) ^ Math.imul(s, 0x9e3779b1)) >>> 0;
      } while (((bits[i] >>> 23) & 0xff) === 0xff && (bits[i] & 0x7fffff) !== 0);
    }
    const f = new Float32Array(bits.buffer);
    const t = { x: { dtype: "float32", shape: [f.length], data: f } } as const;
    const bf = u16s(encodeSafetensors(t, { storeAs: "BF16" }));
    const want = Array.from(bits, (u) => Math.floor((u + 0x7fff + ((u >>> 16) & 1)) / 65536) & 0xffff);
    sameBits(bf, want, "BF16");
    sameBits(u16s(encodeSafetensors(t, { storeAs: "F16" })), narrowed(Array.from(f), "F16"), "F16");
  });

  it("pads the header with spaces so the data starts 8-byte aligned, and lays tensors out back to back", () => {
    for (let len = 1; len <= 17; len++) {
      const name = "n".repeat(len);
      const bytes = encodeSafetensors({
        [name]: { dtype: "float32", shape: [3], data: new Float32Array([1, 2, 3]) },
        h: { dtype: "float64", shape: [1], data: new Float64Array([4]) },
      }, { storeAs: "F16" });
      const n = headerSize(bytes);
      expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
      expect(n % 8).toBe(0);
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(text.trimEnd().endsWith("}")).toBe(true);
      expect(n - text.trimEnd().length).toBeLessThan(8);
      expect(headerJson(bytes)).toEqual({
        [name]: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
        h: { dtype: "F16", shape: [1], data_offsets: [6, 8] },
      });
      expect(bytes.length).toBe(8 + n + 8);
      expect(u16s(bytes)).toEqual([0x3c00, 0x4000, 0x4200, 0x4400]);
    }
    // Metadata comes first in the header.
    const m = encodeSafetensors(f64("x", [1]), { metadata: { a: "b" } });
    expect(Object.keys(headerJson(m))).toEqual(["__metadata__", "x"]);
  });

  it("decodes from any byte offset and never aliases the input", () => {
    const bytes = encodeSafetensors({
      h: { dtype: "float32", shape: [1], data: new Float32Array([9]) },
      a: { dtype: "float64", shape: [2], data: new Float64Array([1.25, -2]) },
      i: { dtype: "int32", shape: [1], data: new Int32Array([-7]) },
    }, { storeAs: "BF16" });
    for (let shift = 0; shift < 8; shift++) {
      const big = new Uint8Array(bytes.length + 16);
      big.set(bytes, shift + 1);
      const view = big.subarray(shift + 1, shift + 1 + bytes.length);
      const { tensors } = decodeSafetensors(view);
      expect(Array.from(tensors.get("a")!.data)).toEqual([1.25, -2]);
      expect(Array.from(tensors.get("i")!.data)).toEqual([-7]);
      for (const t of tensors.values()) expect(t.data.buffer).not.toBe(big.buffer);
      big.fill(0);
      expect(Array.from(tensors.get("h")!.data)).toEqual([9]);
    }
    // F32/F64 slices are copies too.
    const plain = encodeSafetensors(f64("x", [1, 2]));
    const t = decodeSafetensors(plain).tensors.get("x")!;
    plain.fill(0);
    expect(Array.from(t.data)).toEqual([1, 2]);
    // A Uint8Array subclass whose slice() aliases, as Node's Buffer (readFileSync's result) does, at an offset.
    class Aliasing extends Uint8Array {
      override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
        return this.subarray(start, end) as Uint8Array<ArrayBuffer>;
      }
    }
    const f32 = encodeSafetensors({ w: { dtype: "float32", shape: [3], data: new Float32Array([1, 2, 3]) } });
    const pool = new Aliasing(f32.length + 24);
    pool.set(f32, 8);
    const w = decodeSafetensors(pool.subarray(8, 8 + f32.length)).tensors.get("w")!;
    expect(w.data.length).toBe(3);
    expect(Array.from(w.data)).toEqual([1, 2, 3]);
  });

  it("rejects every malformed file with an Error naming the problem", () => {
    const x = (o: unknown) => ({ x: o });
    const utf8 = file('{"x":1}');
    utf8[9] = 0xff; // a lone 0xff byte is never UTF-8
    const bad: [Uint8Array | unknown, RegExp][] = [
      [new Uint8Array(7), /file is truncated: 7 bytes/],
      [new Uint8Array(0), /file is truncated: 0 bytes/],
      [file("{}", 0, [100_000_001, 0]), /header size 100000001 is over the limit of 100000000 bytes/],
      [file("{}", 0, [0, 1]), /header size 4294967296 is over the limit/],
      [file("{}", 0, [3, 0]), /header size 3 runs past the end of the file \(10 bytes/],
      [file('{"x":1}').subarray(0, 12), /runs past the end of the file/],
      [utf8, /header is not valid UTF-8/],
      [file('{"x": '), /header is not valid JSON/],
      [file(""), /header is not valid JSON/],
      [file("[1, 2]"), /header must be a JSON object, got \[1,2\]/],
      [file("null"), /header must be a JSON object, got null/],
      [file({ __metadata__: { a: 1 } }), /__metadata__ "a" must be a string, got 1/],
      [file({ __metadata__: ["a"] }), /__metadata__ must be an object of strings/],
      [file(x(5)), /tensor "x": entry must be an object \{dtype, shape, data_offsets\}, got 5/],
      [file(x({ shape: [1], data_offsets: [0, 4] }), 4), /tensor "x": bad dtype undefined/],
      [file(x(entry("float32", [1], [0, 4])), 4), /tensor "x": bad dtype "float32"/],
      [file(x(entry("I64", [1], [0, 8])), 8), /tensor "x": dtype I64 is not supported \(simdnn reads F16, BF16, F32/],
      [file(x(entry("U8", [1], [0, 1])), 1), /tensor "x": dtype U8 is not supported/],
      [file(x(entry("BOOL", [1], [0, 1])), 1), /tensor "x": dtype BOOL is not supported/],
      [
        file(x(entry("F32", [2, 1.5], [0, 12])), 12),
        /tensor "x": shape must be an array of non-negative integers, got \[2,1.5\]/,
      ],
      [file(x(entry("F32", [-1], [0, 4])), 4), /tensor "x": shape must be an array/],
      [file(x(entry("F32", "3", [0, 12])), 12), /tensor "x": shape must be an array/],
      [file(x(entry("F32", [1], [4, 0])), 4), /tensor "x": data_offsets must be \[begin, end\].*got \[4,0\]/],
      [file(x(entry("F32", [1], [0])), 4), /tensor "x": data_offsets must be/],
      [file(x(entry("F32", [1], [0, 4.5])), 4), /tensor "x": data_offsets must be/],
      [file(x(entry("F32", [1], null)), 4), /tensor "x": data_offsets must be/],
      [
        file(x(entry("F32", [3], [0, 8])), 8),
        /tensor "x": shape \[3\] of F32 needs 12 bytes but data_offsets \[0,8\] span 8/,
      ],
      [file(x(entry("F16", [2, 2], [0, 4])), 4), /tensor "x": shape \[2,2\] of F16 needs 8 bytes/],
      [
        file(x(entry("F32", [2], [4, 12])), 8),
        /tensor "x": data_offsets \[4,12\] run past the end of the data \(8 bytes\)/,
      ],
      [file({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }, 12), /tensors "a" and "b" overlap/],
      [file({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [0, 8]) }, 8), /tensors "a" and "b" overlap/],
      [
        file({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }, 12),
        /hole of 4 bytes at data offset 4, before tensor "b"/,
      ],
      [file(x(entry("F32", [1], [4, 8])), 8), /hole of 4 bytes at data offset 0, before tensor "x"/],
      [file(x(entry("F32", [1], [0, 4])), 6), /2 bytes after the end of the last tensor's data \(offset 4 of 6\)/],
      [file({}, 1), /1 bytes after the end/],
      [[1, 2, 3], /expected a Uint8Array, got \[1,2,3\]/],
    ];
    for (const [bytes, msg] of bad) {
      let err: unknown;
      try {
        decodeSafetensors(bytes as Uint8Array);
      } catch (e) {
        err = e;
      }
      expect(err, String(msg)).toBeInstanceOf(Error);
      expect((err as Error).message, String(msg)).toMatch(/^safetensors: /);
      expect((err as Error).message).toMatch(msg);
    }
    // Empty tensors may sit at any offset on the tiling, and the tiling need not follow header order.
    const ok = decodeSafetensors(
      file({ b: entry("F32", [1], [4, 8]), e: entry("F64", [0], [4, 4]), a: entry("I32", [1], [0, 4]) }, 8),
    );
    expect([...ok.tensors.keys()]).toEqual(["a", "e", "b"]);
  });

  it("rejects bad encode arguments with an Error naming the tensor", () => {
    const one = new Float32Array([1]);
    const bad: [() => unknown, RegExp][] = [
      [
        () => encodeSafetensors({ x: { dtype: "float16", shape: [1], data: one } as never }),
        /tensor "x": dtype must be "float32", "float64" or "int32", got "float16"/,
      ],
      [
        () => encodeSafetensors({ x: { dtype: "float64", shape: [1], data: one } as never }),
        /tensor "x": data must be a Float64Array for dtype float64, got Float32Array/,
      ],
      [
        () => encodeSafetensors({ x: { dtype: "float32", shape: [1], data: [1] } as never }),
        /tensor "x": data must be a Float32Array for dtype float32, got \[1\]/,
      ],
      [
        () => encodeSafetensors({ x: { dtype: "float32", shape: [2], data: one } }),
        /tensor "x": shape \[2\] holds 2 elements but data has 1/,
      ],
      [
        () => encodeSafetensors({ x: { dtype: "float32", shape: [0.5, 2], data: one } }),
        /tensor "x": shape must be an array of non-negative integers, got \[0.5,2\]/,
      ],
      [() => encodeSafetensors({ x: null as never }), /tensor "x" must be \{ dtype, shape, data \}, got null/],
      [
        () => encodeSafetensors({ __metadata__: { dtype: "float32", shape: [1], data: one } }),
        /tensor "__metadata__": the name is reserved/,
      ],
      [
        () => encodeSafetensors({}, { storeAs: "F8" as never }),
        /storeAs must be "F16", "BF16", "F32" or "F64", got "F8"/,
      ],
      [() => encodeSafetensors({}, { metadata: { a: 1 as never } }), /metadata "a" must be a string, got 1/],
      [() => encodeSafetensors({}, { metadata: "x" as never }), /metadata must be an object of strings/],
      [() => encodeSafetensors({}, { meta: {} } as never), /unknown option "meta"/],
      [() => encodeSafetensors(null as never), /tensors must be an object or a Map, got null/],
    ];
    for (const [f, msg] of bad) expect(f, String(msg)).toThrow(new RegExp(`^safetensors: ${msg.source}`));
  });
});

describe("safetensors: the PyTorch-written LeNet fixture (tools/gen_safetensors_fixtures.py)", () => {
  const files = fixture.files as Record<"F32" | "F16" | "BF16", string>;
  const heads = { F32: "head", F16: "headF16", BF16: "headBF16" } as const;

  for (const stored of ["F32", "F16", "BF16"] as const) {
    it(`${files[stored]}: torch's state_dict keys, shapes and exact values; re-encoding gives the same bytes`, async () => {
      const bytes = await fixtureBytes(files[stored]);
      const { tensors, metadata } = decodeSafetensors(bytes);
      expect(metadata).toEqual(fixture.metadata);
      expect([...tensors.keys()]).toEqual([
        "0.weight",
        "0.bias",
        "3.weight",
        "3.bias",
        "7.weight",
        "7.bias",
        "9.weight",
        "9.bias",
      ]);
      for (const want of fixture.tensors) {
        const t = tensors.get(want.name)!;
        expect(t.shape).toEqual(want.shape);
        expect(t.dtype).toBe("float32");
        expect(t.stored).toBe(stored);
        expect(Array.from(t.data.subarray(0, 8)), want.name).toEqual(want[heads[stored]]);
      }
      expect(encodeSafetensors(tensors, { metadata, storeAs: stored })).toEqual(bytes);
      if (stored !== "F32") {
        // Our narrowing of the float32 weights is torch's, bit for bit.
        const f32 = decodeSafetensors(await fixtureBytes(files.F32));
        expect(encodeSafetensors(f32.tensors, { metadata, storeAs: stored })).toEqual(bytes);
      }
    });
  }

  it("takes engine tensors as they are (what a model's parameters are)", async () => {
    const e = await engineFor(builds()[0]);
    e.scope(() => {
      const w = e.tensor([1, 2, 3, 4, 5, 6], [2, 3], "float64"), b = e.tensor([0.5, -1], [2]);
      const { tensors } = decodeSafetensors(encodeSafetensors({ "0.weight": w, "0.bias": b }));
      expect(tensors.get("0.weight")).toEqual({ dtype: "float64", shape: [2, 3], data: w.data, stored: "F64" });
      expect(tensors.get("0.bias")).toEqual({ dtype: "float32", shape: [2], data: b.data, stored: "F32" });
    });
  });

  for (const build of builds()) {
    it(`logits through simdnn's conv2d, relu, maxPool2d and linear match torch's (${build} build)`, async () => {
      const e = await engineFor(build);
      const sets = [
        ["F32", "float64", fixture.logits64, 1e-12],
        ["F32", "float32", fixture.logits32, 2e-6],
        ["F16", "float64", fixture.logits64F16, 1e-12],
        ["BF16", "float64", fixture.logits64BF16, 1e-12],
      ] as const;
      for (const [stored, dtype, want, tol] of sets) {
        const { tensors } = decodeSafetensors(await fixtureBytes(files[stored]));
        e.scope(() => {
          const p = (k: string) => e.tensor(Array.from(tensors.get(k)!.data), tensors.get(k)!.shape, dtype);
          const pixels = fixture.inputs.flatMap((i) => i.pixels.map((v) => v / 255));
          let h = e.tensor(pixels, [fixture.inputs.length, 1, 28, 28], dtype);
          h = e.maxPool2d(e.relu(e.conv2d(h, p("0.weight"), p("0.bias"), { padding: 2 })), { kernel: 2 }).y;
          h = e.maxPool2d(e.relu(e.conv2d(h, p("3.weight"), p("3.bias"), { padding: 2 })), { kernel: 2 }).y;
          h = e.relu(e.linear(h.flatten(1), p("7.weight"), p("7.bias")));
          const y = e.linear(h, p("9.weight"), p("9.bias")).data;
          want.flat().forEach((v, i) => {
            if (!(Math.abs(y[i] - v) <= tol * (Math.abs(v) + 1))) {
              throw new Error(`${stored} ${dtype} logit ${i}: got ${y[i]}, torch ${v}`);
            }
          });
        });
      }
    });
  }
});
