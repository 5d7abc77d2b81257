/**
 * GEMM cases, f32: C[M,N] = A[M,K] · B[K,N]. Names give M×K×N. The conv-* cases are the
 * im2col products the convolution layers will run: M = output channels, K = C·kH·kW,
 * N = batch·OH·OW (one GEMM over the whole batch).
 *
 * @module
 */
import { randomData } from "./data.mjs";
import { onnxModel } from "../peers/onnx.mjs";
import { ortRunner } from "../peers/ort.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * One GEMM case with every peer that has a matrix product.
 *
 * @param {string} name
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {string} [note] What the shape stands for.
 * @returns {BenchCase}
 */
export function gemmCase(name, m, k, n, note) {
  const a = () => randomData(m * k, 1);
  const b = () => randomData(k * n, 2);
  /** @param {any} tf */
  const tfjs = (tf) => {
    const ta = tf.tensor2d(a(), [m, k]), tb = tf.tensor2d(b(), [k, n]);
    return { run: () => tf.matMul(ta, tb).dispose(), dispose: () => tf.dispose([ta, tb]) };
  };
  return {
    name,
    note,
    flops: 2 * m * k * n,
    setup(engine) {
      const ta = engine.tensor(a(), [m, k], "float32"), tb = engine.tensor(b(), [k, n], "float32");
      return { run: () => engine.matmul(ta, tb).dispose(), dispose: () => (ta.dispose(), tb.dispose()) };
    },
    peers: {
      tfjsWasm: tfjs,
      tfjsCpu: tfjs,
      // Both operands are graph inputs (not initializers), so ORT cannot pre-pack B once:
      // every implementation packs both operands on each call, as simdnn's matmul does.
      ort: (ort) =>
        ortRunner(
          ort,
          onnxModel({
            nodes: [{ op: "MatMul", inputs: ["A", "B"], outputs: ["C"] }],
            inputs: { A: [m, k], B: [k, n] },
            outputs: { C: [m, n] },
          }),
          { A: { dims: [m, k], data: a() }, B: { dims: [k, n], data: b() } },
        ),
    },
  };
}

/**
 * A conv layer's im2col GEMM. "Same" padding, so OH = ceil(H / stride).
 *
 * @param {string} tag Short name, e.g. "resnet64".
 * @param {[number, number, number, number]} nchw Input batch, channels, height, width.
 * @param {number} o Output channels.
 * @param {number} kernel Square kernel size.
 * @param {number} [stride]
 */
function convGemm(tag, [batch, c, h, w], o, kernel, stride = 1) {
  const oh = Math.ceil(h / stride), ow = Math.ceil(w / stride);
  const m = o, k = c * kernel * kernel, n = batch * oh * ow;
  const note = `conv ${batch}×${c}×${h}×${w}→${o} k${kernel}${stride > 1 ? ` s${stride}` : ""} same`;
  return gemmCase(`gemm conv-${tag} ${m}x${k}x${n}`, m, k, n, note);
}

/** @type {BenchCase[]} */
export const gemmCases = [
  gemmCase("gemm 64x64x64", 64, 64, 64),
  gemmCase("gemm 256x256x256", 256, 256, 256),
  gemmCase("gemm 512x512x512", 512, 512, 512),
  convGemm("lenet1", [8, 1, 28, 28], 20, 5),
  convGemm("lenet2", [8, 20, 14, 14], 50, 5),
  convGemm("stem-s1", [1, 3, 112, 112], 32, 3),
  convGemm("stem-s2", [1, 3, 112, 112], 32, 3, 2),
  convGemm("resnet64", [1, 64, 56, 56], 64, 3),
  convGemm("resnet128", [1, 128, 28, 28], 128, 3),
  convGemm("resnet256", [1, 256, 14, 14], 256, 3),
  convGemm("pw256-64", [1, 256, 14, 14], 64, 1),
  convGemm("train32", [32, 32, 16, 16], 32, 3),
];
