/**
 * The JSON description of a single-convolution `.tflite` model (flatc's JSON form of the
 * flatbuffer, schema ./tflite/conv.fbs) and the layout helpers of the LiteRT.js peer;
 * runtime-neutral (./tflite.mjs compiles it with flatc in Node).
 *
 * @module
 */
import { randomData } from "../cases/data.mjs";
import { samePads } from "../cases/conv.mjs";

/** @typedef {import("../cases/conv.mjs").Layer} Layer */

/**
 * Output extent and the checks that TFLite's padding rule gives the pads the simdnn case uses.
 * @param {Layer} l
 */
export function tfliteGeometry(l) {
  const pads = l.padding === "same" ? samePads(l.h, l.k, l.stride) : [0, 0];
  const padsW = l.padding === "same" ? samePads(l.w, l.k, l.stride) : [0, 0];
  const oh = Math.floor((l.h + pads[0] + pads[1] - l.k) / l.stride) + 1;
  const ow = Math.floor((l.w + padsW[0] + padsW[1] - l.k) / l.stride) + 1;
  // TFLite SAME: total = max((ceil(in/s) − 1)·s + k − in, 0), floor(total/2) before.
  /** @param {number} n */
  const tfSame = (n) => {
    const total = Math.max((Math.ceil(n / l.stride) - 1) * l.stride + l.k - n, 0);
    return [total >> 1, total - (total >> 1)];
  };
  const same = l.padding === "same";
  if (same && (String(tfSame(l.h)) !== String(pads) || String(tfSame(l.w)) !== String(padsW))) {
    throw new Error(`tflite: ${l.tag}: TFLite's SAME padding differs from simdnn's "same" here`);
  }
  if (!same && l.padding !== 0) throw new Error(`tflite: ${l.tag}: explicit padding ${l.padding} has no TFLite form`);
  return { oh, ow, padding: same ? "SAME" : "VALID" };
}

/** @param {Float32Array} a */
const bytes = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/**
 * OIHW weights in TFLite's filter order: OHWI, or `[1, kH, kW, C]` for depthwise.
 * @param {Float32Array} w @param {Layer} l
 */
export function toTfliteFilter(w, l) {
  const depthwise = l.groups > 1, cg = l.c / l.groups, k = l.k;
  const out = new Float32Array(w.length);
  for (let o = 0; o < l.o; o++) {
    for (let c = 0; c < cg; c++) {
      for (let y = 0; y < k; y++) {
        for (let x = 0; x < k; x++) {
          const dst = depthwise ? (y * k + x) * l.o + o : ((o * k + y) * k + x) * cg + c;
          out[dst] = w[((o * cg + c) * k + y) * k + x];
        }
      }
    }
  }
  return out;
}

/**
 * The model's JSON description (the flatbuffer's content in flatc's JSON form).
 * @param {Layer} l
 */
export function tfliteJson(l) {
  const depthwise = l.groups > 1;
  if (depthwise && !(l.groups === l.c && l.o === l.c)) throw new Error(`tflite: ${l.tag}: only depthwise groups`);
  const g = tfliteGeometry(l);
  const w = toTfliteFilter(randomData(l.o * (l.c / l.groups) * l.k * l.k, 2), l); // conv.mjs's weights
  const options = {
    padding: g.padding,
    stride_w: l.stride,
    stride_h: l.stride,
    fused_activation_function: "NONE",
    dilation_w_factor: 1,
    dilation_h_factor: 1,
    ...(depthwise ? { depth_multiplier: 1 } : {}),
  };
  const code = depthwise ? 4 : 3;
  return {
    version: 3,
    description: `simdnn bench ${l.tag}`,
    // Depthwise version 2 is the one with dilation factors.
    operator_codes: [{ deprecated_builtin_code: code, builtin_code: code, version: depthwise ? 2 : 1 }],
    buffers: [{}, { data: bytes(w) }, { data: bytes(new Float32Array(l.o)) }],
    subgraphs: [{
      name: "main",
      tensors: [
        { name: "x", type: "FLOAT32", buffer: 0, shape: [l.n, l.h, l.w, l.c] },
        { name: "w", type: "FLOAT32", buffer: 1, shape: depthwise ? [1, l.k, l.k, l.c] : [l.o, l.k, l.k, l.c] },
        { name: "b", type: "FLOAT32", buffer: 2, shape: [l.o] },
        { name: "y", type: "FLOAT32", buffer: 0, shape: [l.n, g.oh, g.ow, l.o] },
      ],
      inputs: [0],
      outputs: [3],
      operators: [{
        opcode_index: 0,
        inputs: [0, 1, 2],
        outputs: [3],
        builtin_options_type: depthwise ? "DepthwiseConv2DOptions" : "Conv2DOptions",
        builtin_options: options,
      }],
    }],
    signature_defs: [{
      signature_key: "serving_default",
      subgraph_index: 0,
      inputs: [{ name: "x", tensor_index: 0 }],
      outputs: [{ name: "y", tensor_index: 3 }],
    }],
  };
}
