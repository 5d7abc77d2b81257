/**
 * Pooling cases, f32, NCHW: max and average pooling forward (`maxPool2d <tag> ...`,
 * `avgPool2d ...`) and their input gradients (`maxPool2d-dx`, `avgPool2d-dx`, whose `ref` is
 * their forward). `flops` counts one compare or add per window tap, N·C·OH·OW·kH·kW; pooling
 * is memory-bound, so each note also gives the bytes simdnn's call reads and writes (x, y and
 * the int32 indices for max forward; dy, the indices and dx for max backward; x and y, dy and
 * dx for average), from which GB/s = bytes / time.
 *
 * simdnn's max pooling always writes the indices (the backward routes by them); tfjs's
 * MaxPool writes only y, and its MaxPoolGrad recomputes each window's argmax from x and y.
 * TensorFlow.js runs NHWC: the data are transposed once at setup, never in the timed call.
 * Average pooling with padding divides by the input elements of a window on both sides
 * (`countIncludePad: false`, TensorFlow's rule).
 *
 * @module
 */
import { randomData, toNhwc } from "./data.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * @typedef {object} PoolLayer
 * @property {string} tag
 * @property {number} n
 * @property {number} c
 * @property {number} h
 * @property {number} w
 * @property {number} k Square kernel.
 * @property {number} stride
 * @property {number} padding
 */

/**
 * The four cases of one layer.
 * @param {PoolLayer} l
 * @returns {BenchCase[]}
 */
function poolCases(l) {
  const oh = Math.floor((l.h + 2 * l.padding - l.k) / l.stride) + 1;
  const ow = Math.floor((l.w + 2 * l.padding - l.k) / l.stride) + 1;
  const inSize = l.n * l.c * l.h * l.w, outSize = l.n * l.c * oh * ow;
  const flops = outSize * l.k * l.k;
  const layer = `${l.n}x${l.c}x${l.h}x${l.w} k${l.k} s${l.stride}${l.padding ? ` p${l.padding}` : ""}`;
  const xShape = [l.n, l.c, l.h, l.w], yShape = [l.n, l.c, oh, ow];
  const x = () => randomData(inSize, 1);
  const dy = () => randomData(outSize, 3);
  const maxOpts = { kernel: l.k, stride: l.stride, padding: l.padding };
  const avgOpts = { kernel: l.k, stride: l.stride, padding: l.padding, countIncludePad: false };
  const MB = (/** @type {number} */ b) => `${(b / 1e6).toFixed(2)} MB moved`;
  const geometry = `${l.n}×${l.c}×${l.h}×${l.w} k${l.k} s${l.stride} p${l.padding} → ${l.n}×${l.c}×${oh}×${ow}`;

  const tfX = (/** @type {any} */ tf) => tf.tensor4d(toNhwc(x(), l.n, l.c, l.h, l.w), [l.n, l.h, l.w, l.c]);
  const tfDy = (/** @type {any} */ tf) => tf.tensor4d(toNhwc(dy(), l.n, l.c, oh, ow), [l.n, oh, ow, l.c]);
  const attrs = { filterSize: [l.k, l.k], strides: [l.stride, l.stride], pad: l.padding, dimRoundingMode: undefined };
  /**
   * A runner calling one tfjs kernel, or null when the active backend does not register it.
   * @param {any} tf @param {string} kernel @param {Record<string, any>} inputs
   */
  const tfKernel = (tf, kernel, inputs) => {
    const all = () => tf.dispose(Object.values(inputs));
    if (!tf.getKernel(kernel, tf.getBackend())) return all(), null;
    return { run: () => tf.engine().runKernel(kernel, inputs, attrs).dispose(), dispose: all };
  };
  /** @param {any} tf @param {"maxPool" | "avgPool"} op */
  const tfForward = (tf, op) => {
    const tx = tfX(tf);
    return { run: () => tf[op](tx, l.k, l.stride, l.padding).dispose(), dispose: () => tx.dispose() };
  };
  /** @param {any} tf */
  const tfMaxDx = (tf) => {
    const tx = tfX(tf);
    const ty = tf.maxPool(tx, l.k, l.stride, l.padding);
    return tfKernel(tf, "MaxPoolGrad", { dy: tfDy(tf), input: tx, output: ty });
  };
  /** @param {any} tf */
  const tfAvgDx = (tf) => tfKernel(tf, "AvgPoolGrad", { dy: tfDy(tf), input: tfX(tf) });

  const maxName = `maxPool2d ${l.tag} ${layer}`, avgName = `avgPool2d ${l.tag} ${layer}`;
  return [
    {
      name: maxName,
      note: `max pooling ${geometry}; ${MB(inSize * 4 + outSize * 8)} (x read, y and int32 indices written)`,
      flops,
      setup(engine) {
        const tx = engine.tensor(x(), xShape, "float32");
        return {
          run: () => {
            const r = engine.maxPool2d(tx, maxOpts);
            r.y.dispose(), r.indices.dispose();
          },
          dispose: () => tx.dispose(),
        };
      },
      peers: { tfjsWasm: (tf) => tfForward(tf, "maxPool"), tfjsCpu: (tf) => tfForward(tf, "maxPool") },
    },
    {
      name: `maxPool2d-dx ${l.tag} ${layer}`,
      note: `max pooling input gradient ${geometry}; ${MB(outSize * 8 + inSize * 4)} (dy and indices read, dx written)`,
      flops,
      ref: maxName,
      setup(engine) {
        const tx = engine.tensor(x(), xShape, "float32");
        const { y, indices } = engine.maxPool2d(tx, maxOpts);
        const tdy = engine.tensor(dy(), yShape, "float32");
        return {
          run: () => engine.maxPool2dBackward(tdy, indices, xShape).dispose(),
          dispose: () => (tx.dispose(), y.dispose(), indices.dispose(), tdy.dispose()),
        };
      },
      peers: { tfjsWasm: tfMaxDx, tfjsCpu: tfMaxDx },
    },
    {
      name: avgName,
      note: `average pooling ${geometry}${l.padding ? " (padding not counted)" : ""}; ${
        MB(inSize * 4 + outSize * 4)
      } (x read, y written)`,
      flops,
      setup(engine) {
        const tx = engine.tensor(x(), xShape, "float32");
        return { run: () => engine.avgPool2d(tx, avgOpts).dispose(), dispose: () => tx.dispose() };
      },
      peers: { tfjsWasm: (tf) => tfForward(tf, "avgPool"), tfjsCpu: (tf) => tfForward(tf, "avgPool") },
    },
    {
      name: `avgPool2d-dx ${l.tag} ${layer}`,
      note: `average pooling input gradient ${geometry}; ${MB(outSize * 4 + inSize * 4)} (dy read, dx written)`,
      flops,
      ref: avgName,
      setup(engine) {
        const tdy = engine.tensor(dy(), yShape, "float32");
        return { run: () => engine.avgPool2dBackward(tdy, xShape, avgOpts).dispose(), dispose: () => tdy.dispose() };
      },
      peers: { tfjsWasm: tfAvgDx, tfjsCpu: tfAvgDx },
    },
  ];
}

/** The layers of issue 9: LeNet's two pools and a ResNet stem's. */
export const poolLayers = [
  { tag: "lenet1", n: 8, c: 20, h: 28, w: 28, k: 2, stride: 2, padding: 0 },
  { tag: "lenet2", n: 8, c: 50, h: 14, w: 14, k: 2, stride: 2, padding: 0 },
  { tag: "stem", n: 1, c: 64, h: 112, w: 112, k: 3, stride: 2, padding: 1 },
];

/**
 * One block per op kind (max, max-dx, avg, avg-dx), as the conv cases.
 * @type {BenchCase[]}
 */
export const poolCases2d = (() => {
  const per = poolLayers.map(poolCases);
  return [0, 1, 2, 3].flatMap((i) => per.map((cs) => cs[i]));
})();
