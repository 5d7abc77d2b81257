/**
 * A minimal ONNX model writer: just enough protobuf to build single-op graphs at bench
 * time, so ONNX Runtime peers need neither a dependency nor committed model files.
 * Field numbers follow onnx/onnx.proto (ModelProto, GraphProto, NodeProto, ...).
 *
 * @module
 */

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 }; // AttributeProto.AttributeType

/** Protobuf wire-format writer (varint and length-delimited fields only, plus fixed32 floats). */
class Writer {
  /** Small fields as numbers; a large bytes field (a weight) is kept as its own part, not copied byte by byte. */
  /** @type {number[]} */
  #bytes = [];
  /** @type {Uint8Array[]} */
  #parts = [];

  #flush() {
    if (this.#bytes.length) this.#parts.push(Uint8Array.from(this.#bytes));
    this.#bytes = [];
  }

  /** @param {number | bigint} v */
  #varint(v) {
    // int64 fields encode negatives as 10-byte two's complement; BigInt keeps that exact.
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.#bytes.push(x ? b | 0x80 : b);
    } while (x);
  }

  /** @param {number} field @param {number} wire */
  #key(field, wire) {
    this.#varint((field << 3) | wire);
  }

  /** An int32/int64/enum field. @param {number} field @param {number} v */
  int(field, v) {
    this.#key(field, 0);
    this.#varint(v);
    return this;
  }

  /** A float field. @param {number} field @param {number} v */
  float(field, v) {
    this.#key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.#bytes.push(...b);
    return this;
  }

  /** A bytes or embedded-message field. @param {number} field @param {Uint8Array} b */
  bytes(field, b) {
    this.#key(field, 2);
    this.#varint(b.length);
    if (b.length < 4096) {
      for (let i = 0; i < b.length; i++) this.#bytes.push(b[i]);
    } else {
      this.#flush();
      this.#parts.push(b);
    }
    return this;
  }

  /** A string field. @param {number} field @param {string} s */
  string(field, s) {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  finish() {
    this.#flush();
    const out = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** ValueInfoProto of a float tensor. @param {string} name @param {readonly number[]} dims */
function valueInfo(name, dims) {
  const shape = new Writer();
  for (const d of dims) shape.bytes(1, new Writer().int(1, d).finish()); // Dimension.dim_value
  const tensorType = new Writer().int(1, FLOAT).bytes(2, shape.finish());
  const type = new Writer().bytes(1, tensorType.finish()); // TypeProto.tensor_type
  return new Writer().string(1, name).bytes(2, type.finish()).finish();
}

/** AttributeProto from a JS value: integer, float (non-integer), or arrays of either. @param {string} name @param {number | number[]} v */
function attribute(name, v) {
  const w = new Writer().string(1, name);
  if (Array.isArray(v)) {
    const ints = v.every(Number.isInteger);
    for (const x of v) ints ? w.int(8, x) : w.float(7, x);
    return w.int(20, ints ? ATTR.INTS : ATTR.FLOATS).finish();
  }
  return Number.isInteger(v) ? w.int(3, v).int(20, ATTR.INT).finish() : w.float(2, v).int(20, ATTR.FLOAT).finish();
}

/**
 * @typedef {object} OnnxNode
 * @property {string} op ONNX operator type, e.g. "MatMul" or "Conv".
 * @property {string[]} inputs
 * @property {string[]} outputs
 * @property {Record<string, number | number[]>} [attrs] Integer or float attributes (arrays for INTS/FLOATS).
 */

/**
 * @typedef {object} OnnxGraph
 * @property {OnnxNode[]} nodes
 * @property {Record<string, readonly number[]>} inputs Graph inputs (fed at run time): name → dims.
 * @property {Record<string, readonly number[]>} outputs Graph outputs: name → dims.
 * @property {Record<string, { dims: readonly number[], data: Float32Array }>} [initializers] Constant tensors (e.g. weights).
 * @property {number} [opset] Default-domain opset version. @default 17
 */

/**
 * Serializes a float32 ONNX model.
 *
 * @param {OnnxGraph} g
 * @returns {Uint8Array} ModelProto bytes for `ort.InferenceSession.create`.
 * @example
 * ```js
 * const bytes = onnxModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], inputs: { x: [4] }, outputs: { y: [4] } });
 * ```
 */
export function onnxModel(g) {
  const graph = new Writer();
  g.nodes.forEach((n, i) => {
    const node = new Writer();
    for (const x of n.inputs) node.string(1, x);
    for (const y of n.outputs) node.string(2, y);
    node.string(3, `${n.op.toLowerCase()}${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.bytes(5, attribute(k, v));
    graph.bytes(1, node.finish());
  });
  graph.string(2, "bench");
  for (const [name, { dims, data }] of Object.entries(g.initializers ?? {})) {
    const t = new Writer();
    for (const d of dims) t.int(1, d);
    // raw_data is little-endian, which is what a Float32Array holds on every host we run on.
    t.int(2, FLOAT).string(8, name).bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    graph.bytes(5, t.finish());
  }
  for (const [name, dims] of Object.entries(g.inputs)) graph.bytes(11, valueInfo(name, dims));
  for (const [name, dims] of Object.entries(g.outputs)) graph.bytes(12, valueInfo(name, dims));
  const opset = new Writer().string(1, "").int(2, g.opset ?? 17);
  return new Writer().int(1, 8).string(2, "simdnn-bench").bytes(7, graph.finish()).bytes(8, opset.finish()).finish();
}
