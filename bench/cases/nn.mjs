/**
 * Fully connected layers (forward and backward), softmax cross-entropy and activations, f32,
 * with tfjs-wasm as peer: `linear` against tf.matMul with a bias add, its backward against
 * the two products and the sum tf computes for it, cross-entropy (loss and gradient) against the
 * same computation written with tf ops, relu against tf.relu, GELU (exact, tanh, the exact one's gradient)
 * against its formula from tf ops (tfjs has no GELU op). No result is read back on either side. Linear FLOPs are
 * 2·N·in·out per product; the elementwise cases count one FLOP per element.
 *
 * @module
 */
import { randomData } from "./data.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * @param {number} n
 * @param {number} k In features.
 * @param {number} m Out features.
 * @returns {BenchCase[]}
 */
function linearCases(n, k, m) {
  const x = () => randomData(n * k, 1), w = () => randomData(m * k, 2), b = () => randomData(m, 3);
  const dy = () => randomData(n * m, 4);
  const name = `${n}x${k}→${m}`;
  return [
    {
      name: `linear ${name}`,
      group: "linear",
      flops: 2 * n * k * m,
      setup(e) {
        const tx = e.tensor(x(), [n, k]), tw = e.tensor(w(), [m, k]), tb = e.tensor(b(), [m]);
        return { run: () => e.linear(tx, tw, tb).dispose(), dispose: () => [tx, tw, tb].forEach((t) => t.dispose()) };
      },
      peers: {
        /** @param {any} tf */
        tfjsWasm: (tf) => {
          // A tf dense layer keeps its kernel as [in, out]: the product needs no transpose.
          const wt = w(), kernel = new Float32Array(k * m);
          for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) kernel[j * m + i] = wt[i * k + j];
          const tx = tf.tensor2d(x(), [n, k]), tw = tf.tensor2d(kernel, [k, m]), tb = tf.tensor1d(b());
          return {
            run: () => tf.tidy(() => tf.add(tf.matMul(tx, tw), tb)).dispose(),
            dispose: () => tf.dispose([tx, tw, tb]),
          };
        },
      },
    },
    {
      name: `linear-backward ${name}`,
      group: "linear",
      ref: `linear ${name}`,
      flops: 4 * n * k * m,
      setup(e) {
        const tx = e.tensor(x(), [n, k]), tw = e.tensor(w(), [m, k]), tdy = e.tensor(dy(), [n, m]);
        return {
          run: () => {
            const g = e.linearBackward(tdy, tx, tw);
            g.dx?.dispose(), g.dw?.dispose(), g.db?.dispose();
          },
          dispose: () => [tx, tw, tdy].forEach((t) => t.dispose()),
        };
      },
      peers: {
        /** @param {any} tf */
        tfjsWasm: (tf) => {
          const tx = tf.tensor2d(x(), [n, k]), tw = tf.tensor2d(w(), [m, k]), tdy = tf.tensor2d(dy(), [n, m]);
          return {
            run: () => tf.dispose([tf.matMul(tdy, tw), tf.matMul(tdy, tx, true, false), tf.sum(tdy, 0)]),
            dispose: () => tf.dispose([tx, tw, tdy]),
          };
        },
      },
    },
  ];
}

/**
 * @param {number} n
 * @param {number} c
 * @returns {BenchCase}
 */
function crossEntropyCase(n, c) {
  const x = () => randomData(n * c, 5);
  const labels = Array.from({ length: n }, (_, i) => (i * 7919) % c);
  return {
    name: `cross-entropy ${n}x${c} (loss and grad)`,
    group: "loss",
    flops: n * c,
    setup(e) {
      const tx = e.tensor(x(), [n, c]), tt = e.tensor(labels, undefined, "int32");
      return { run: () => e.crossEntropy(tx, tt).grad.dispose(), dispose: () => (tx.dispose(), tt.dispose()) };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const tx = tf.tensor2d(x(), [n, c]), oh = tf.oneHot(tf.tensor1d(labels, "int32"), c);
        // tf.grad of softmaxCrossEntropy needs RealDiv's gradient, which the wasm backend lacks:
        // the same loss and gradient written out (softmax − onehot, and the mean of −Σ onehot·logp).
        return {
          run: () =>
            tf.tidy(() => {
              const logp = tf.logSoftmax(tx);
              return [tf.neg(tf.mean(tf.sum(tf.mul(oh, logp), 1))), tf.div(tf.sub(tf.exp(logp), oh), n)];
            }).forEach((/** @type {any} */ t) => t.dispose()),
          dispose: () => tf.dispose([tx, oh]),
        };
      },
    },
  };
}

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function reluCase(n) {
  const x = () => randomData(n, 6);
  return {
    name: `relu ${n} elements`,
    group: "activation",
    flops: n,
    setup(e) {
      const tx = e.tensor(x(), [n]);
      return { run: () => e.relu(tx).dispose(), dispose: () => tx.dispose() };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const tx = tf.tensor1d(x());
        return { run: () => tf.relu(tx).dispose(), dispose: () => tx.dispose() };
      },
    },
  };
}

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function geluCase(n) {
  const x = () => randomData(n, 7);
  return {
    name: `gelu ${n} elements`,
    group: "activation",
    flops: n,
    setup(e) {
      const tx = e.tensor(x(), [n]);
      return { run: () => e.gelu(tx).dispose(), dispose: () => tx.dispose() };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const tx = tf.tensor1d(x());
        // tfjs has no gelu op: x·Φ(x) from its erf, as tf.layers would compute it.
        return {
          run: () => tf.tidy(() => tf.mul(tf.mul(tx, 0.5), tf.add(1, tf.erf(tf.mul(tx, Math.SQRT1_2))))).dispose(),
          dispose: () => tx.dispose(),
        };
      },
    },
  };
}

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function geluTanhCase(n) {
  const x = () => randomData(n, 7);
  return {
    name: `gelu-tanh ${n} elements`,
    group: "activation",
    flops: n,
    setup(e) {
      const tx = e.tensor(x(), [n]);
      return { run: () => e.gelu(tx, { approximate: "tanh" }).dispose(), dispose: () => tx.dispose() };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const tx = tf.tensor1d(x());
        // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))) from tf ops.
        const inner = (/** @type {any} */ t) =>
          tf.mul(Math.sqrt(2 / Math.PI), tf.add(t, tf.mul(0.044715, tf.pow(t, 3))));
        return {
          run: () => tf.tidy(() => tf.mul(tf.mul(tx, 0.5), tf.add(1, tf.tanh(inner(tx))))).dispose(),
          dispose: () => tx.dispose(),
        };
      },
    },
  };
}

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function geluBackwardCase(n) {
  const x = () => randomData(n, 7), dy = () => randomData(n, 8);
  return {
    name: `gelu-backward ${n} elements`,
    group: "activation",
    ref: `gelu ${n} elements`,
    flops: n,
    setup(e) {
      const tx = e.tensor(x(), [n]), tdy = e.tensor(dy(), [n]);
      return { run: () => e.geluBackward(tdy, tx).dispose(), dispose: () => (tx.dispose(), tdy.dispose()) };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const tx = tf.tensor1d(x()), tdy = tf.tensor1d(dy());
        // dy·(Φ(x) + x·φ(x)) from tf ops (tfjs has no GELU gradient kernel).
        return {
          run: () =>
            tf.tidy(() => {
              const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(tx, Math.SQRT1_2))));
              const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(tx))));
              return tf.mul(tdy, tf.add(cdf, tf.mul(tx, pdf)));
            }).dispose(),
          dispose: () => tf.dispose([tx, tdy]),
        };
      },
    },
  };
}

/** @type {BenchCase[]} */
export const nnCases = [
  ...linearCases(64, 2450, 500),
  ...linearCases(64, 500, 10),
  crossEntropyCase(256, 1000),
  reluCase(1 << 20),
  geluCase(1 << 20),
  geluTanhCase(1 << 20),
  geluBackwardCase(1 << 20),
];
