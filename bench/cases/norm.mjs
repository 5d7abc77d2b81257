/**
 * Batch normalization cases, f32, NCHW 32×64×28×28 (a training batch of a small CNN): the
 * training forward (batch statistics, running-statistics update, normalization), the eval
 * forward, and the training backward (dx, dweight, dbias).
 *
 * These are memory-bound: `flops` is set to the bytes a call must move at least (read x, write
 * y; the backward reads dy and x and writes dx), so the table's "GFLOP/s" columns read as GB/s
 * and "% peak" is meaningless. The kernels read x more than once (statistics, then the
 * normalization), a channel at a time, the later passes from cache.
 *
 * Peers: TensorFlow.js `tf.batchNorm` (NHWC) normalizes with a given mean and variance, so it
 * is the eval forward; for the training forward the peer is `tf.moments` (the batch statistics)
 * followed by `tf.batchNorm`, as a tfjs training step does it. tfjs has no batch-norm gradient
 * kernel (its gradients are composed from elementwise ops), so the backward has no peer.
 *
 * @module
 */
import { randomData } from "./data.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

const [N, C, H, W] = [32, 64, 28, 28];
const size = N * C * H * W;
const shape = [N, C, H, W];
const layer = `${N}x${C}x${H}x${W}`;

/** @param {import("../../src/mod.ts").Engine} engine */
function params(engine) {
  return {
    weight: engine.tensor(randomData(C, 2).map((v) => v + 1), [C], "float32"),
    bias: engine.tensor(randomData(C, 3), [C], "float32"),
    runningMean: engine.zeros([C], "float32"),
    runningVar: engine.ones([C], "float32"),
  };
}
/** @param {Record<string, import("../../src/mod.ts").Tensor>} p */
const disposeAll = (p) => Object.values(p).forEach((t) => t.dispose());

/** @param {any} tf @param {boolean} moments */
function tfForward(tf, moments) {
  const x = tf.tensor4d(randomData(size, 1), [N, H, W, C]);
  const scale = tf.tensor1d(randomData(C, 2).map((v) => v + 1));
  const offset = tf.tensor1d(randomData(C, 3));
  const mean = tf.zeros([C]), variance = tf.ones([C]);
  const run = moments
    ? () =>
      tf.tidy(() => {
        const m = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, m.mean, m.variance, offset, scale, 1e-5);
      }).dispose()
    : () => tf.batchNorm(x, mean, variance, offset, scale, 1e-5).dispose();
  return { run, dispose: () => tf.dispose([x, scale, offset, mean, variance]) };
}

const forward = `batchnorm train ${layer}`;

/** @type {BenchCase[]} */
export const normCases = [
  {
    name: forward,
    group: "batchnorm",
    note:
      `batchNorm2d ${layer} training (statistics, running update, normalization); flops = bytes (x read, y written)`,
    flops: 2 * 4 * size,
    setup(engine) {
      const x = engine.tensor(randomData(size, 1), shape, "float32"), p = params(engine);
      const opts = { ...p, training: true, momentum: 0.1 };
      return { run: () => engine.batchNorm2d(x, opts).dispose(), dispose: () => (x.dispose(), disposeAll(p)) };
    },
    peers: { tfjsWasm: (tf) => tfForward(tf, true), tfjsCpu: (tf) => tfForward(tf, true) },
  },
  {
    name: `batchnorm eval ${layer}`,
    group: "batchnorm",
    note: `batchNorm2d ${layer} eval (running statistics); flops = bytes (x read, y written)`,
    flops: 2 * 4 * size,
    setup(engine) {
      const x = engine.tensor(randomData(size, 1), shape, "float32"), p = params(engine);
      const opts = { ...p, training: false };
      return { run: () => engine.batchNorm2d(x, opts).dispose(), dispose: () => (x.dispose(), disposeAll(p)) };
    },
    peers: { tfjsWasm: (tf) => tfForward(tf, false), tfjsCpu: (tf) => tfForward(tf, false) },
  },
  {
    name: `batchnorm-backward train ${layer}`,
    group: "batchnorm-backward",
    note: `batchNorm2dBackward ${layer} training: dx, dweight, dbias; flops = bytes (dy and x read, dx written)`,
    flops: 3 * 4 * size,
    ref: forward,
    setup(engine) {
      const x = engine.tensor(randomData(size, 1), shape, "float32");
      const dy = engine.tensor(randomData(size, 4), shape, "float32"), p = params(engine);
      const opts = { ...p, training: true };
      return {
        run: () => {
          const g = engine.batchNorm2dBackward(dy, x, opts);
          g.dx.dispose(), g.dweight?.dispose(), g.dbias?.dispose();
        },
        dispose: () => (x.dispose(), dy.dispose(), disposeAll(p)),
      };
    },
  },
];
