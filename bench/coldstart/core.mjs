/**
 * One cold-start sample, runtime-neutral (Node, Deno and the browser page run it): import
 * and initialize one library, create the inputs, make the first call, then 19 more, 200 more,
 * and 50 steady ones, timing each. Two cases (`CASES`): `conv`, the first LeNet layer: x
 * [1,1,28,28], w [20,1,5,5], padding 2 (same), stride 1, f32 → y [1,20,28,28]; `lenet5`, a
 * whole LeNet-5 forward pass on one image (conv 20@5×5 pad 2 → ReLU → max pool 2 → conv
 * 50@5×5 pad 2 → ReLU → max pool 2 → flatten → linear 2450→500 → ReLU → linear 500→10).
 *
 * Every call reads an element of the result back (simdnn `y.data[0]`, tfjs `dataSync()`,
 * ORT the output tensor's `data`) and frees its outputs and intermediates, as a user's
 * inference loop would.
 *
 * @module
 */
import { randomData, toHwio } from "../cases/data.mjs";
import { onnxModel } from "../peers/onnx.mjs";
import { ortLib } from "./ort.mjs";
import { prepareLenet5 } from "./lenet5.mjs";

export const X_SHAPE = [1, 1, 28, 28], W_SHAPE = [20, 1, 5, 5], Y_SHAPE = [1, 20, 28, 28], PAD = 2;
/** Calls 1..EARLY are the early calls; then WARM more; then STEADY timed calls give the steady median. */
export const EARLY = 20, WARM = 200, STEADY = 50;
export const LIBS = /** @type {const} */ (["simdnn", "tfjs-wasm", "ort"]);
/** @typedef {typeof LIBS[number]} LibName */
export const CASES = /** @type {const} */ (["conv", "lenet5"]);
/** @typedef {typeof CASES[number]} CaseName */
/** What each case computes, for the tables and the JSON. */
export const CASE_TITLES = {
  conv: "conv2d x [1,1,28,28], w [20,1,5,5], padding 2, f32 → [1,20,28,28]",
  lenet5: "LeNet-5 forward, x [1,1,28,28]: conv 20@5×5 pad 2, ReLU, max pool 2, conv 50@5×5 pad 2, ReLU, max pool 2, " +
    "flatten, linear 2450→500, ReLU, linear 500→10 (with biases), f32 → [1,10]",
};

/**
 * How a runtime imports each library: literal `import()`s in the browser page (so Vite
 * bundles them as chunks), a URL for simdnn in Node and Deno.
 * @typedef {object} Imports
 * @property {() => Promise<any>} simdnn The simdnn package under test (its mod.js).
 * @property {() => Promise<any>} tfjsCore
 * @property {() => Promise<any>} tfjsWasm
 * @property {() => Promise<any>} ort
 * @property {{ tfjsWasm?: string, ort?: string }} [wasmPaths] URL prefixes of the peers' .wasm files (browser).
 */

/**
 * @typedef {object} Sample
 * @property {LibName} lib
 * @property {string} version Library version (simdnn: the build it chose).
 * @property {number} bootMs The runtime's clock at the sample's start: ms since process start (Node, Deno) or navigation start (browser).
 * @property {number} initMs Import + init: from just before the library's first import to the engine/backend/session being ready.
 * @property {number} inputsMs Creating the input tensors (simdnn and tfjs: x and w; ORT: x, w is a model initializer).
 * @property {number} firstMs The first conv call, result read back and output freed.
 * @property {number} totalMs initMs + inputsMs + firstMs: import → end of the first call.
 * @property {number[]} calls ms of every call in order: 1..EARLY, then WARM, then STEADY.
 * @property {CaseName} case
 * @property {{ kind: string, rounds: number, ms: number }[]} [warmups] simdnn: what load()'s warm-ups ran.
 * @property {number} y0 y[0, 0, 0, 0] (lenet5: the first logit) of the first call.
 * @property {number} y0Expected The same from a plain-JS reference.
 */

/** Whether a sample's y0 matches the reference: float32 sums in any order (lenet5: six layers of them). @param {Sample} s */
export function y0Matches(s) {
  return Math.abs(s.y0 - s.y0Expected) <= (s.case === "lenet5" ? 1e-4 * Math.max(1, Math.abs(s.y0Expected)) : 1e-5);
}

/** y[0,0,0,0] by the definition (C = 1: x's NCHW is its NHWC). @param {Float32Array} x @param {Float32Array} w */
function referenceY0(x, w) {
  let s = 0;
  for (let ky = 0; ky < 5; ky++) {
    for (let kx = 0; kx < 5; kx++) {
      const iy = ky - PAD, ix = kx - PAD;
      if (iy >= 0 && ix >= 0) s += x[iy * 28 + ix] * w[ky * 5 + kx];
    }
  }
  return s;
}

/**
 * @typedef {object} Lib
 * @property {string} version
 * @property {{ kind: string, rounds: number, ms: number }[]} [warmups] simdnn: what load()'s warm-ups ran (`engine.runtime.warmups`).
 * @property {() => void} inputs
 * @property {() => number | Promise<number>} call One conv call; returns y[0].
 */

/**
 * Imports and initializes `lib`, and returns its calls. Nothing here runs before the clock starts
 * except building the input data (and ORT's model bytes), which a user has before importing.
 *
 * @param {LibName} lib
 * @param {Imports} imp
 * @returns {{ y0: number, init: () => Promise<Lib> }}
 */
function prepare(lib, imp) {
  const x = randomData(1 * 1 * 28 * 28, 1), w = randomData(20 * 1 * 5 * 5, 2);
  const y0 = referenceY0(x, w);
  if (lib === "simdnn") {
    return {
      y0,
      init: async () => {
        const { load } = await imp.simdnn();
        const e = await load();
        /** @type {any} */
        let tx;
        /** @type {any} */
        let tw;
        return {
          version: e.build,
          warmups: e.runtime.warmups,
          inputs: () => {
            tx = e.tensor(x, X_SHAPE);
            tw = e.tensor(w, W_SHAPE);
          },
          call: () => {
            const y = e.conv2d(tx, tw, null, { padding: PAD });
            const v = y.data[0];
            y.dispose();
            return v;
          },
        };
      },
    };
  }
  if (lib === "tfjs-wasm") {
    const hwio = toHwio(w, 20, 1, 5, 5); // x: C = 1, so NCHW and NHWC are the same memory
    return {
      y0,
      init: async () => {
        const tf = await imp.tfjsCore();
        const { setWasmPaths } = await imp.tfjsWasm();
        tf.env().set("PROD", true);
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // one core, as the other two
        if (imp.wasmPaths?.tfjsWasm) setWasmPaths(imp.wasmPaths.tfjsWasm);
        if (!(await tf.setBackend("wasm"))) throw new Error("tfjs wasm backend failed to initialize");
        await tf.ready();
        /** @type {any} */
        let tx;
        /** @type {any} */
        let tw;
        const pad = [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]];
        return {
          version: tf.version_core,
          inputs: () => {
            tx = tf.tensor4d(x, [1, 28, 28, 1]);
            tw = tf.tensor4d(hwio, [5, 5, 1, 20]);
          },
          call: () => {
            const y = tf.conv2d(tx, tw, [1, 1], pad);
            const v = y.dataSync()[0]; // NHWC: element 0 is y[0, 0, 0, 0] as well
            y.dispose();
            return v;
          },
        };
      },
    };
  }
  const model = onnxModel({
    nodes: [{
      op: "Conv",
      inputs: ["X", "W"],
      outputs: ["Y"],
      attrs: { kernel_shape: [5, 5], strides: [1, 1], pads: [PAD, PAD, PAD, PAD], dilations: [1, 1], group: 1 },
    }],
    inputs: { X: X_SHAPE },
    outputs: { Y: Y_SHAPE },
    initializers: { W: { dims: W_SHAPE, data: w } },
  });
  return {
    y0,
    init: () => ortLib(imp, model, x, X_SHAPE),
  };
}

/**
 * Runs one sample in this (fresh) process or page.
 *
 * @param {LibName} lib
 * @param {Imports} imp
 * @param {() => number} now A millisecond clock (`performance.now`).
 * @param {CaseName} [kase] Which case. @default "conv"
 * @returns {Promise<Sample>}
 */
export async function runSample(lib, imp, now, kase = "conv") {
  const bootMs = now();
  const { y0: y0Expected, init } = kase === "lenet5" ? prepareLenet5(lib, imp) : prepare(lib, imp);
  const t0 = now();
  const l = await init();
  const t1 = now();
  l.inputs();
  const t2 = now();
  let r = l.call();
  const y0 = typeof r === "number" ? r : await r;
  const t3 = now();
  const calls = [t3 - t2];
  for (let i = 1; i < EARLY + WARM + STEADY; i++) {
    const s = now();
    r = l.call();
    if (typeof r !== "number") await r;
    calls.push(now() - s);
  }
  return {
    lib,
    case: kase,
    version: l.version,
    ...(l.warmups ? { warmups: l.warmups } : {}),
    bootMs,
    initMs: t1 - t0,
    inputsMs: t2 - t1,
    firstMs: t3 - t2,
    totalMs: t3 - t0,
    calls,
    y0,
    y0Expected,
  };
}

/** @param {number[]} v */
export function median(v) {
  const s = [...v].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * @typedef {object} Derived
 * @property {number} steadyUs Median of the STEADY calls after the EARLY + WARM ones, µs.
 * @property {number} early Mean of calls 2..EARLY ÷ steady median.
 * @property {number | null} callsToSteady The first call index i (1-based) such that every
 *   moving median of 5 calls starting at i or later (within the EARLY + WARM calls) is ≤ 1.2 × steady;
 *   null if the last window is still above. A single slow spell late in the calls moves it.
 * @property {number | null} callsToReach The first call index i whose window (calls i..i+4)
 *   has a median ≤ 1.2 × steady (when V8 has tiered the hot code up); null if none has.
 */

/** @param {Sample} s @returns {Derived} */
export function derive(s) {
  const steady = median(s.calls.slice(EARLY + WARM));
  const early = s.calls.slice(1, EARLY);
  const head = s.calls.slice(0, EARLY + WARM);
  const within = (/** @type {number} */ i) => median(head.slice(i, i + 5)) <= 1.2 * steady;
  const last = head.length - 5; // windows start at 0..last
  let callsToSteady = /** @type {number | null} */ (1);
  for (let i = last; i >= 0; i--) {
    if (!within(i)) {
      callsToSteady = i < last ? i + 2 : null;
      break;
    }
  }
  let callsToReach = /** @type {number | null} */ (null);
  for (let i = 0; i <= last && callsToReach === null; i++) if (within(i)) callsToReach = i + 1;
  return {
    steadyUs: steady * 1000,
    early: early.reduce((a, b) => a + b, 0) / early.length / steady,
    callsToSteady,
    callsToReach,
  };
}
