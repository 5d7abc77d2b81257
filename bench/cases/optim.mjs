/**
 * Optimizer steps over one parameter slab: Adam, AdamW and SGD with momentum on 1M and 10M f32
 * parameters, one kernel call per step. Memory-bound: `flops` is set to the bytes a step moves
 * (Adam and AdamW read p, g, m, v and write p, m, v: 7 arrays; SGD-momentum 5), so the GB/s
 * column reads against the copy probe. Peer: tf.train.adam / tf.train.momentum on the same
 * total held as a model-like list of 20 variables (tfjs-wasm).
 *
 * @module
 */
import { randomData } from "./data.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * @param {"adam" | "adamw" | "sgd"} kind
 * @param {number} n Parameters.
 * @returns {BenchCase}
 */
function optimCase(kind, n) {
  const arrays = kind === "sgd" ? 5 : 7;
  const label = n >= 1e6 ? `${n / (1 << 20)}M` : String(n);
  return {
    name: `optim ${kind} step ${label} params`,
    group: "optim",
    note: `${arrays} arrays of ${n} f32 moved per step (${((arrays * 4 * n) / 1e6).toFixed(0)} MB)`,
    flops: arrays * 4 * n,
    setup(e) {
      const store = e.parameters([[n]]);
      store.params[0].data.set(randomData(n, 1));
      store.grads[0].data.set(randomData(n, 2));
      const opt = kind === "sgd"
        ? e.optim.sgd(store, { lr: 1e-3, momentum: 0.9 })
        : kind === "adam"
        ? e.optim.adam(store, { lr: 1e-3 })
        : e.optim.adamw(store, { lr: 1e-3 });
      return { run: () => opt.step(), dispose: () => (opt.dispose(), store.dispose()) };
    },
    peers: kind === "adamw" ? {} : {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const per = Math.ceil(n / 20);
        const vars = Array.from(
          { length: 20 },
          (_, i) => tf.variable(tf.tensor1d(randomData(per, 10 + i)), true, `v${i}`),
        );
        const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor1d(randomData(per, 40 + i))]));
        const opt = kind === "sgd" ? tf.train.momentum(1e-3, 0.9) : tf.train.adam(1e-3);
        return {
          run: () => opt.applyGradients(grads),
          dispose: () => {
            opt.dispose();
            tf.dispose([...vars, ...Object.values(grads)]);
          },
        };
      },
    },
  };
}

/**
 * The bounds an Adam step over n f32 parameters runs against, in the same run: `stream7`
 * reads four arrays of n f32 and writes three (Adam's 7 streams and 28 B/param, one XOR per
 * vector: its memory floor at that size); `divide` does Adam's square root and two divisions
 * per vector for n elements on an L1-resident 4 KiB buffer (its compute floor: the divider,
 * with no memory traffic). `flops` is Adam's 28 B/param in both, so the GB/s column reads as
 * the Adam throughput each bound allows.
 *
 * @param {"stream7" | "divide"} kind
 * @param {number} n
 * @returns {BenchCase}
 */
function adamBoundCase(kind, n) {
  const label = `${n / (1 << 20)}M`;
  return {
    name: kind === "stream7" ? `optim 7-stream probe ${label} params` : `optim Adam divider probe ${label} params`,
    group: "optim",
    note: kind === "stream7"
      ? `read 4 and write 3 arrays of ${n} f32 (Adam's memory traffic, no arithmetic)`
      : `Adam's √ and 2 divisions per vector for ${n} f32, from L1 (no memory traffic)`,
    flops: 28 * n,
    setup(e) {
      const rt = e.runtime, k = rt.kernels.f32;
      if (kind === "stream7") {
        const ptrs = [0, 1, 2, 3].map(() => rt.allocScratch("bench", 4 * n));
        ptrs.forEach((p, i) => new Float32Array(rt.memory.buffer, p, n).set(randomData(n, 60 + i)));
        const [a, b, c, d] = ptrs;
        return { run: () => k.peakStream7(a, b, c, d, 4 * n), dispose: () => ptrs.forEach((p) => rt.freeScratch(p)) };
      }
      const bytes = 4096, src = rt.allocScratch("bench", bytes), dst = rt.allocScratch("bench", bytes);
      new Float32Array(rt.memory.buffer, src, bytes / 4).set(randomData(bytes / 4, 70).map((x) => 1e-4 * (1 + x * x)));
      const reps = (4 * n) / bytes;
      return {
        run: () => k.peakDivide(src, dst, bytes, reps),
        dispose: () => (rt.freeScratch(src), rt.freeScratch(dst)),
      };
    },
  };
}

/**
 * Normal draws (Box–Muller on Philox uniforms in wasm) against tf.randomNormal; `flops` counts
 * one per draw, so the GFLOP/s column reads as billions of draws per second.
 *
 * @param {number} n
 * @returns {BenchCase}
 */
function randnCase(n) {
  return {
    name: `init randn ${n / (1 << 20)}M draws`,
    group: "init",
    note: `${n} normal draws into a float32 tensor`,
    flops: n,
    setup(e) {
      const t = e.zeros([n]);
      let seed = 1;
      return { run: () => e.init.normal(t, { seed: seed++ }), dispose: () => t.dispose() };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        let seed = 1;
        return { run: () => tf.randomNormal([n], 0, 1, "float32", seed++).dispose() };
      },
    },
  };
}

/** @type {BenchCase[]} */
export const optimCases = [
  randnCase(1 << 20),
  optimCase("adam", 1 << 20),
  optimCase("adamw", 1 << 20),
  optimCase("sgd", 1 << 20),
  adamBoundCase("stream7", 1 << 20),
  adamBoundCase("divide", 1 << 20),
  optimCase("adam", 10 << 20),
  optimCase("sgd", 10 << 20),
  adamBoundCase("stream7", 10 << 20),
  adamBoundCase("divide", 10 << 20),
];
