/**
 * The safetensors weights format (Hugging Face): encode named tensors into one byte buffer and
 * decode such a buffer, as PyTorch's `safetensors.torch.save_file` / `load_file` do. Standalone:
 * plain typed arrays in and out, no engine, the same code in Node, Deno and browsers.
 *
 * Layout: an 8-byte little-endian u64 N; N bytes of UTF-8 JSON (padded with spaces so the data
 * starts 8-byte aligned) mapping each name to `{"dtype", "shape", "data_offsets": [begin, end]}`,
 * offsets relative to the data that follows, plus an optional `"__metadata__"` string map; then the
 * tensors' bytes, little-endian, C order, back to back with no holes.
 *
 * @module
 */

/** The element types simdnn tensors have. */
export type SafetensorsDType = "float32" | "float64" | "int32";

/** The dtypes simdnn stores and reads: `F16`/`BF16` narrow float tensors, `I32` holds int32 ones. */
export type SafetensorsStoredDType = "F16" | "BF16" | "F32" | "F64" | "I32";

/** One tensor to encode: its dtype, its shape and its elements in C order (an engine `Tensor` fits). */
export type SafetensorsTensor =
  | { readonly dtype: "float32"; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: "float64"; readonly shape: readonly number[]; readonly data: Float64Array }
  | { readonly dtype: "int32"; readonly shape: readonly number[]; readonly data: Int32Array };

/** One decoded tensor: fresh arrays (never views of the input), and the dtype it had in the file. */
export type DecodedSafetensor =
  | { dtype: "float32"; shape: number[]; data: Float32Array; stored: "F16" | "BF16" | "F32" }
  | { dtype: "float64"; shape: number[]; data: Float64Array; stored: "F64" }
  | { dtype: "int32"; shape: number[]; data: Int32Array; stored: "I32" };

/** A decoded file: tensors in the order of their data in the file, and the `__metadata__` map (`{}` if none). */
export interface DecodedSafetensors {
  tensors: Map<string, DecodedSafetensor>;
  metadata: Record<string, string>;
}

/** Options of {@linkcode encodeSafetensors}. */
export interface EncodeSafetensorsOptions {
  /** Written as the header's `"__metadata__"` (string values only). */
  metadata?: Record<string, string>;
  /**
   * The dtype every float tensor is stored as (int32 tensors are always `I32`); default the
   * tensor's own (`F32` for float32, `F64` for float64). Narrowing rounds to nearest, ties to
   * even, from the exact value (a float64 is not rounded through float32 first); overflow gives
   * ±Infinity, NaN is stored as the quiet NaN.
   */
  storeAs?: "F16" | "BF16" | "F32" | "F64";
}

const MAX_HEADER = 100_000_000; // the limit of the reference implementation
const ITEMSIZE: Record<SafetensorsStoredDType, number> = { F16: 2, BF16: 2, F32: 4, F64: 8, I32: 4 };
// Every dtype name of the format, so an unsupported one is told apart from a malformed one.
const FORMAT_DTYPES = new Set([
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "F8_E8M0",
  "E8M0",
  "F4",
  "F6_E2M3",
  "F6_E3M2",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
  "C64",
]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

const show = (v: unknown): string => {
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

// 2^k for k in [-160, 160], exact (built by doubling and halving), so scalings below are exact.
const POW2 = new Float64Array(321);
for (let k = 0, p = 1, q = 1; k <= 160; k++, p *= 2, q /= 2) {
  POW2[160 + k] = p;
  POW2[160 - k] = q;
}
const pow2 = (k: number): number => POW2[k + 160];

/** Rounds a non-negative q (< 2^12 here, so q - floor(q) is exact) to an integer, ties to even. */
function roundEven(q: number): number {
  const f = Math.floor(q), d = q - f;
  return d > 0.5 || (d === 0.5 && (f & 1) === 1) ? f + 1 : f;
}

/**
 * The bits of x in a binary float with p significand bits and exponent bias emax (F16: 11, 15;
 * BF16: 8, 127), correctly rounded from the exact value of x.
 */
function narrow(x: number, p: number, emax: number): number {
  const inf = (2 * emax + 1) << (p - 1);
  if (x !== x) return inf | (1 << (p - 2));
  const sign = x < 0 || (x === 0 && 1 / x < 0) ? 0x8000 : 0;
  const a = Math.abs(x), emin = 1 - emax;
  // Subnormal (a rounding up to 2^(p-1) units is the smallest normal's encoding, as it should be).
  if (a < pow2(emin)) return sign | roundEven(a * pow2(p - 1 - emin));
  if (a >= (2 - pow2(-p)) * pow2(emax)) return sign | inf;
  let e = Math.floor(Math.log2(a));
  if (pow2(e) > a) e--; // log2 may be off by one next to a power of two
  else if (pow2(e + 1) <= a) e++;
  // r in [2^(p-1), 2^p]; r = 2^p carries into the exponent field, which is again the right encoding.
  const r = roundEven(a * pow2(p - 1 - e));
  return sign | (((e + emax) << (p - 1)) + r - (1 << (p - 1)));
}

/** The float32 bits of an IEEE half (exact, NaN payloads kept). */
function halfToFloatBits(h: number): number {
  const s = (h & 0x8000) << 16, e = (h >> 10) & 31, m = h & 0x3ff;
  if (e === 31) return s | 0x7f800000 | (m << 13);
  if (e !== 0) return s | ((e + 112) << 23) | (m << 13);
  if (m === 0) return s;
  let ee = 113, mm = m; // subnormal: normalize
  while ((mm & 0x400) === 0) {
    mm <<= 1;
    ee--;
  }
  return s | (ee << 23) | ((mm & 0x3ff) << 13);
}

const isDims = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0);

/** Product of the dims, or NaN once it leaves the safe integers. */
function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return Number.isSafeInteger(n) ? n : NaN;
}

const ARRAY_FOR: Record<SafetensorsDType, { name: string; ctor: { prototype: object } }> = {
  float32: { name: "Float32Array", ctor: Float32Array },
  float64: { name: "Float64Array", ctor: Float64Array },
  int32: { name: "Int32Array", ctor: Int32Array },
};

/**
 * Encodes named tensors as a safetensors file, in the order given (a `Map`'s order; a plain
 * object's key order, where integer-like names such as `"0"` come first). Float tensors are
 * stored as their own dtype or as `options.storeAs`; int32 tensors as `I32`. The result is
 * what `safetensors.torch.load_file` reads; {@linkcode decodeSafetensors} reads it back.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const bytes = encodeSafetensors({
 *   "0.weight": { dtype: "float32", shape: [2, 2], data: new Float32Array([1, -2, 0.5, 3]) },
 *   "0.bias": { dtype: "float32", shape: [2], data: new Float32Array([0.1, 0]) },
 * }, { metadata: { format: "pt" } });
 * const n = new DataView(bytes.buffer).getUint32(0, true); // header size (low word of the u64)
 * assert.strictEqual((8 + n) % 8, 0); // the data starts 8-byte aligned
 * assert.strictEqual(bytes.length, 8 + n + 6 * 4);
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * assert.deepStrictEqual([...tensors.keys()], ["0.weight", "0.bias"]);
 * assert.deepStrictEqual(Array.from(tensors.get("0.weight")!.data), [1, -2, 0.5, 3]);
 * assert.deepStrictEqual(metadata, { format: "pt" });
 * // Half precision: 1/3 rounds to the nearest half, 65520 overflows to Infinity.
 * const half = encodeSafetensors({ x: { dtype: "float64", shape: [2], data: new Float64Array([1 / 3, 65520]) } }, {
 *   storeAs: "F16",
 * });
 * const x = decodeSafetensors(half).tensors.get("x")!;
 * assert.strictEqual(x.stored, "F16");
 * assert.deepStrictEqual(Array.from(x.data), [0.333251953125, Infinity]);
 * ```
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsTensor>> | ReadonlyMap<string, SafetensorsTensor>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  if (options === null || typeof options !== "object") fail(`options must be an object, got ${show(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== "metadata" && k !== "storeAs") fail(`unknown option ${show(k)} (options are metadata, storeAs)`);
  }
  const { metadata, storeAs } = options;
  if (storeAs !== undefined && !["F16", "BF16", "F32", "F64"].includes(storeAs)) {
    fail(`storeAs must be "F16", "BF16", "F32" or "F64", got ${show(storeAs)}`);
  }
  if (tensors === null || typeof tensors !== "object") fail(`tensors must be an object or a Map, got ${show(tensors)}`);
  const entries: [string, SafetensorsTensor][] = tensors instanceof Map
    ? [...(tensors as ReadonlyMap<string, SafetensorsTensor>)]
    : Object.entries(tensors as Record<string, SafetensorsTensor>);

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      fail(`metadata must be an object of strings, got ${show(metadata)}`);
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") fail(`metadata ${show(k)} must be a string, got ${show(v)}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const plan: { t: SafetensorsTensor; stored: SafetensorsStoredDType; begin: number }[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (typeof name !== "string") fail(`tensor names must be strings, got ${show(name)}`);
    const what = `tensor ${show(name)}`;
    if (name === "__metadata__") fail(`${what}: the name is reserved for the metadata`);
    if (t === null || typeof t !== "object") fail(`${what} must be { dtype, shape, data }, got ${show(t)}`);
    const arr = ARRAY_FOR[t.dtype as SafetensorsDType];
    if (arr === undefined || !Object.hasOwn(ARRAY_FOR, t.dtype)) {
      fail(`${what}: dtype must be "float32", "float64" or "int32", got ${show(t.dtype)}`);
    }
    if (!(t.data instanceof (arr.ctor as typeof Float32Array))) {
      const got = ArrayBuffer.isView(t.data) ? t.data.constructor.name : show(t.data);
      fail(`${what}: data must be a ${arr.name} for dtype ${t.dtype}, got ${got}`);
    }
    if (!isDims(t.shape)) fail(`${what}: shape must be an array of non-negative integers, got ${show(t.shape)}`);
    if (numel(t.shape) !== t.data.length) {
      fail(`${what}: shape ${show(t.shape)} holds ${numel(t.shape)} elements but data has ${t.data.length}`);
    }
    const stored: SafetensorsStoredDType = t.dtype === "int32"
      ? "I32"
      : storeAs ?? (t.dtype === "float32" ? "F32" : "F64");
    const begin = offset;
    offset += t.data.length * ITEMSIZE[stored];
    plan.push({ t, stored, begin });
    parts.push(
      `${JSON.stringify(name)}:${
        JSON.stringify({ dtype: stored, shape: [...t.shape], data_offsets: [begin, offset] })
      }`,
    );
  }
  let header = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const data0 = 8 + padded;
  const out = new Uint8Array(data0 + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, padded % 2 ** 32, true);
  dv.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(header, 8);
  for (const { t, stored, begin } of plan) writeData(out, dv, data0 + begin, t.data, stored, t.dtype);
  return out;
}

function writeData(
  out: Uint8Array,
  dv: DataView,
  o: number,
  data: Float32Array | Float64Array | Int32Array,
  stored: SafetensorsStoredDType,
  dtype: SafetensorsDType,
): void {
  const n = data.length;
  const same = (stored === "F32" && dtype === "float32") || (stored === "F64" && dtype === "float64") ||
    stored === "I32";
  if (same && LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), o);
    return;
  }
  switch (stored) {
    case "F16":
    case "BF16": {
      const [p, emax] = stored === "F16" ? [11, 15] : [8, 127];
      for (let i = 0; i < n; i++, o += 2) {
        const h = narrow(data[i], p, emax);
        out[o] = h & 0xff;
        out[o + 1] = h >> 8;
      }
      return;
    }
    case "F32":
      for (let i = 0; i < n; i++, o += 4) dv.setFloat32(o, data[i], true);
      return;
    case "F64":
      for (let i = 0; i < n; i++, o += 8) dv.setFloat64(o, data[i], true);
      return;
    case "I32":
      for (let i = 0; i < n; i++, o += 4) dv.setInt32(o, data[i], true);
  }
}

interface Entry {
  name: string;
  stored: SafetensorsStoredDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decodes a safetensors file (from PyTorch's `safetensors.torch.save_file`, from
 * {@linkcode encodeSafetensors}, or any conforming writer) after validating all of it: the header
 * size, the JSON, every dtype, shape and `data_offsets`, and that the tensors tile the data with
 * no overlap, hole or trailing byte. Any violation throws an `Error` starting `safetensors:`.
 * `F16` and `BF16` widen exactly to float32, `F32` gives float32, `F64` float64, `I32` int32;
 * other dtypes (`I64`, `U8`, `BOOL`, ...) throw, naming the tensor. The input may start at any
 * byte offset; every array returned is a fresh copy.
 *
 * @example
 * ```ts
 * import { decodeSafetensors } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * // A file by hand: one BF16 tensor "w" of shape [2] holding 1.5 (0x3fc0) and -2 (0xc000).
 * const json = '{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}';
 * const header = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 8) * 8));
 * const bytes = new Uint8Array(8 + header.length + 4);
 * new DataView(bytes.buffer).setUint32(0, header.length, true);
 * bytes.set(header, 8);
 * bytes.set([0xc0, 0x3f, 0x00, 0xc0], 8 + header.length);
 * const w = decodeSafetensors(bytes).tensors.get("w")!;
 * assert.strictEqual(w.dtype, "float32");
 * assert.strictEqual(w.stored, "BF16");
 * assert.deepStrictEqual(w.shape, [2]);
 * assert.deepStrictEqual(Array.from(w.data), [1.5, -2]);
 * assert.throws(() => decodeSafetensors(bytes.subarray(0, 20)), /^Error: safetensors: .*past the end/);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${show(bytes)}`);
  // A plain view: Node's Buffer (what readFileSync returns) has a slice() that aliases.
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  if (len < 8) fail(`file is truncated: ${len} bytes, fewer than the 8 of the header size`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  if (n > MAX_HEADER) fail(`header size ${n} is over the limit of ${MAX_HEADER} bytes`);
  if (8 + n > len) fail(`header size ${n} runs past the end of the file (${len} bytes; the file is truncated?)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail("header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail(`header must be a JSON object, got ${show(header)}`);
  }
  const dataLength = len - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info)) {
        fail(`__metadata__ must be an object of strings, got ${show(info)}`);
      }
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== "string") fail(`__metadata__ ${show(k)} must be a string, got ${show(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const what = `tensor ${show(name)}`;
    if (info === null || typeof info !== "object" || Array.isArray(info)) {
      fail(`${what}: entry must be an object {dtype, shape, data_offsets}, got ${show(info)}`);
    }
    const { dtype, shape, data_offsets: off } = info as Record<string, unknown>;
    if (typeof dtype !== "string" || !FORMAT_DTYPES.has(dtype)) fail(`${what}: bad dtype ${show(dtype)}`);
    if (!Object.hasOwn(ITEMSIZE, dtype)) {
      fail(`${what}: dtype ${dtype} is not supported (simdnn reads F16, BF16, F32, F64 and I32)`);
    }
    if (!isDims(shape)) fail(`${what}: shape must be an array of non-negative integers, got ${show(shape)}`);
    if (!isDims(off) || off.length !== 2 || off[0] > off[1]) {
      fail(`${what}: data_offsets must be [begin, end], integers with 0 <= begin <= end, got ${show(off)}`);
    }
    const stored = dtype as SafetensorsStoredDType;
    const need = numel(shape) * ITEMSIZE[stored];
    if (need !== off[1] - off[0]) {
      fail(
        `${what}: shape ${show(shape)} of ${dtype} needs ${need} bytes but data_offsets ${show(off)} span ${
          off[1] - off[0]
        }`,
      );
    }
    if (off[1] > dataLength) {
      fail(`${what}: data_offsets ${show(off)} run past the end of the data (${dataLength} bytes)`);
    }
    entries.push({ name, stored, shape, begin: off[0], end: off[1] });
  }
  // The tensors must tile [0, dataLength) exactly; empty tensors may sit anywhere in that range.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0, last = "";
  for (const e of entries) {
    if (e.begin < at) {
      fail(`tensors ${show(last)} and ${show(e.name)} overlap (${show(e.name)} begins at ${e.begin} < ${at})`);
    }
    if (e.begin > at) fail(`hole of ${e.begin - at} bytes at data offset ${at}, before tensor ${show(e.name)}`);
    if (e.end > e.begin) [at, last] = [e.end, e.name];
  }
  if (at !== dataLength) {
    fail(`${dataLength - at} bytes after the end of the last tensor's data (offset ${at} of ${dataLength})`);
  }
  const base = 8 + n;
  const tensors = new Map<string, DecodedSafetensor>();
  for (const e of entries) {
    tensors.set(e.name, readData(bytes, dv, base + e.begin, base + e.end, e.stored, e.shape));
  }
  return { tensors, metadata };
}

function readData(
  bytes: Uint8Array,
  dv: DataView,
  b: number,
  end: number,
  stored: SafetensorsStoredDType,
  shape: number[],
): DecodedSafetensor {
  const n = (end - b) / ITEMSIZE[stored];
  switch (stored) {
    case "F16":
    case "BF16": {
      const data = new Float32Array(n), bits = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++, b += 2) {
        const h = bytes[b] | (bytes[b + 1] << 8);
        bits[i] = stored === "F16" ? halfToFloatBits(h) : h << 16;
      }
      return { dtype: "float32", shape, data, stored };
    }
    case "F32": {
      if (LITTLE_ENDIAN) return { dtype: "float32", shape, data: new Float32Array(bytes.slice(b, end).buffer), stored };
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++, b += 4) data[i] = dv.getFloat32(b, true);
      return { dtype: "float32", shape, data, stored };
    }
    case "F64": {
      if (LITTLE_ENDIAN) return { dtype: "float64", shape, data: new Float64Array(bytes.slice(b, end).buffer), stored };
      const data = new Float64Array(n);
      for (let i = 0; i < n; i++, b += 8) data[i] = dv.getFloat64(b, true);
      return { dtype: "float64", shape, data, stored };
    }
    case "I32": {
      if (LITTLE_ENDIAN) return { dtype: "int32", shape, data: new Int32Array(bytes.slice(b, end).buffer), stored };
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++, b += 4) data[i] = dv.getInt32(b, true);
      return { dtype: "int32", shape, data, stored };
    }
  }
}
