/**
 * LeNet-5 end to end (the main job's network, `nn.lenet5()`): conv 20@5×5 pad 2 → ReLU →
 * max-pool 2 → conv 50@5×5 pad 2 → ReLU → max-pool 2 → flatten 2450 → linear 500 → ReLU →
 * linear 10, f32, on random 28×28 images.
 *
 * - `lenet5 train b64`: one training step on a batch of 64 (zero the gradients, forward,
 *   cross-entropy, backward, Adam lr 2e-3). Peer: TensorFlow.js CPU, the same network in tf
 *   ops (the fused conv2d/matMul with bias and ReLU that tf.layers uses, NHWC), its backward
 *   through the gradient kernels tf's autodiff would call, and tf.train.adam's
 *   `applyGradients`. TensorFlow.js WASM cannot train it: it registers no
 *   Conv2DBackpropFilter (tensorflow/tfjs#8474), so its column is n/a.
 * - `lenet5 infer b1` / `lenet5 infer b64`: the forward pass in eval mode (`model.predict`),
 *   logits copied out to JavaScript. Peers: TensorFlow.js WASM and CPU (the same tf ops) and
 *   ONNX Runtime Web (one thread; the network as an ONNX graph built by ../peers/onnx.mjs
 *   with the weights as initializers; ORT fuses Conv+Relu itself).
 *
 * Every implementation starts from the same random weights (`randomData`, scaled by
 * 1/√fan-in; TensorFlow.js gets them as HWIO filters and a first dense kernel whose rows are
 * permuted from simdnn's (c, h, w) flatten order to NHWC's (h, w, c), so it computes the same
 * function) and the same inputs. Training updates each copy's weights in place, so later
 * steps differ; the work per step does not. `flops` counts a multiply-add as 2: forward
 * 13.04 MFLOP per sample, a training step 38.35 MFLOP per sample (no input gradient for the
 * first layer); `samples` gives the samples/s table under the main one.
 *
 * @module
 */
import { randomData, toHwio, toNhwc } from "./data.mjs";
import { onnxModel } from "../peers/onnx.mjs";
import { ortRunner } from "../peers/ort.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

const C1 = 20, C2 = 50, K = 5, HIDDEN = 500, CLASSES = 10;
const FLAT = C2 * 7 * 7; // 2450

/** Forward FLOPs of one sample, per layer. */
const FWD = {
  conv1: 2 * C1 * 28 * 28 * 1 * K * K,
  conv2: 2 * C2 * 14 * 14 * C1 * K * K,
  fc1: 2 * FLAT * HIDDEN,
  fc2: 2 * HIDDEN * CLASSES,
};
const FORWARD_FLOPS = FWD.conv1 + FWD.conv2 + FWD.fc1 + FWD.fc2;
// Backward: dw (and dx, except for the first layer) cost one forward each.
const TRAIN_FLOPS = FORWARD_FLOPS + FWD.conv1 + 2 * (FWD.conv2 + FWD.fc1 + FWD.fc2);

/**
 * The weights, by PyTorch state_dict name, in simdnn's (PyTorch's) layouts: OIHW filters,
 * `[out, in]` dense weights.
 * @returns {Record<string, Float32Array>}
 */
export function lenetWeights() {
  /** @param {number} size @param {number} seed @param {number} fanIn */
  const u = (size, seed, fanIn) => {
    const a = randomData(size, seed), s = 2 / Math.sqrt(fanIn); // U(-1/√fanIn, 1/√fanIn), PyTorch's scale
    for (let i = 0; i < size; i++) a[i] *= s;
    return a;
  };
  return {
    "0.weight": u(C1 * 1 * K * K, 101, K * K),
    "0.bias": u(C1, 102, K * K),
    "3.weight": u(C2 * C1 * K * K, 103, C1 * K * K),
    "3.bias": u(C2, 104, C1 * K * K),
    "7.weight": u(HIDDEN * FLAT, 105, FLAT),
    "7.bias": u(HIDDEN, 106, FLAT),
    "9.weight": u(CLASSES * HIDDEN, 107, HIDDEN),
    "9.bias": u(CLASSES, 108, HIDDEN),
  };
}

/** The input images, `[n, 1, 28, 28]` flat. @param {number} n */
export const images = (n) => randomData(n * 28 * 28, 7);
/** The class labels. @param {number} n */
export const labels = (n) => Int32Array.from({ length: n }, (_, i) => (i * 7919) % CLASSES);

/**
 * The model on `engine` with the shared weights.
 * @param {import("../../src/mod.ts").Engine} engine
 * @param {import("../harness.mjs").SimdnnLib} lib
 */
export function simdnnModel(engine, lib) {
  const model = new lib.nn.Model(engine, lib.nn.lenet5());
  const w = lenetWeights();
  for (const [name, p] of model.namedParameters()) p.data.set(w[name]);
  return model;
}

/**
 * A dense `[out, in]` weight as tf's `[in, out]` kernel; for the first dense layer its inputs
 * also go from (c, h, w) order to NHWC's (h, w, c).
 * @param {Float32Array} w @param {number} out @param {number} inp @param {boolean} nhwcInputs
 */
export function denseKernel(w, out, inp, nhwcInputs) {
  const k = new Float32Array(inp * out);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inp; i++) {
      // i in simdnn's order is c·49 + h·7 + w; in NHWC order it is (h·7 + w)·50 + c.
      const j = nhwcInputs ? (i % 49) * C2 + Math.floor(i / 49) : i;
      k[j * out + o] = w[o * inp + i];
    }
  }
  return k;
}

/**
 * The network in TensorFlow.js ops on the active backend: weights as variables (trainable
 * for training), and the forward pass of a batch in NHWC.
 * @param {any} tf
 */
export function tfModel(tf) {
  const w = lenetWeights();
  const vars = [
    tf.variable(tf.tensor4d(toHwio(w["0.weight"], C1, 1, K, K), [K, K, 1, C1])),
    tf.variable(tf.tensor1d(w["0.bias"])),
    tf.variable(tf.tensor4d(toHwio(w["3.weight"], C2, C1, K, K), [K, K, C1, C2])),
    tf.variable(tf.tensor1d(w["3.bias"])),
    tf.variable(tf.tensor2d(denseKernel(w["7.weight"], HIDDEN, FLAT, true), [FLAT, HIDDEN])),
    tf.variable(tf.tensor1d(w["7.bias"])),
    tf.variable(tf.tensor2d(denseKernel(w["9.weight"], CLASSES, HIDDEN, false), [HIDDEN, CLASSES])),
    tf.variable(tf.tensor1d(w["9.bias"])),
  ];
  const [w1, b1, w2, b2, w3, b3, w4, b4] = vars;
  /** @param {any} x NHWC `[n, 28, 28, 1]` */
  const forward = (x) => {
    const conv = (/** @type {any} */ h, /** @type {any} */ filter, /** @type {any} */ bias) =>
      tf.maxPool(tf.fused.conv2d({ x: h, filter, strides: 1, pad: 2, bias, activation: "relu" }), 2, 2, "valid");
    const h = tf.reshape(conv(conv(x, w1, b1), w2, b2), [x.shape[0], FLAT]);
    return tf.fused.matMul({
      a: tf.fused.matMul({ a: h, b: w3, bias: b3, activation: "relu" }),
      b: w4,
      bias: b4,
    });
  };
  return { vars, forward };
}

/**
 * The network as an ONNX graph for batch `n` (input X `[n, 1, 28, 28]`, output Y `[n, 10]`),
 * the weights as initializers.
 * @param {number} n
 */
export function onnxLenet(n) {
  const w = lenetWeights();
  /** @param {string} name @param {number[]} dims */
  const init = (name, dims) => ({ dims, data: w[name] });
  const pool = { kernel_shape: [2, 2], strides: [2, 2] };
  const conv = { kernel_shape: [K, K], pads: [2, 2, 2, 2], strides: [1, 1] };
  return onnxModel({
    nodes: [
      { op: "Conv", inputs: ["X", "W1", "B1"], outputs: ["c1"], attrs: conv },
      { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
      { op: "MaxPool", inputs: ["r1"], outputs: ["p1"], attrs: pool },
      { op: "Conv", inputs: ["p1", "W2", "B2"], outputs: ["c2"], attrs: conv },
      { op: "Relu", inputs: ["c2"], outputs: ["r2"] },
      { op: "MaxPool", inputs: ["r2"], outputs: ["p2"], attrs: pool },
      { op: "Flatten", inputs: ["p2"], outputs: ["f"], attrs: { axis: 1 } },
      { op: "Gemm", inputs: ["f", "W3", "B3"], outputs: ["g1"], attrs: { transB: 1 } },
      { op: "Relu", inputs: ["g1"], outputs: ["r3"] },
      { op: "Gemm", inputs: ["r3", "W4", "B4"], outputs: ["Y"], attrs: { transB: 1 } },
    ],
    inputs: { X: [n, 1, 28, 28] },
    outputs: { Y: [n, CLASSES] },
    initializers: {
      W1: init("0.weight", [C1, 1, K, K]),
      B1: init("0.bias", [C1]),
      W2: init("3.weight", [C2, C1, K, K]),
      B2: init("3.bias", [C2]),
      W3: init("7.weight", [HIDDEN, FLAT]),
      B3: init("7.bias", [HIDDEN]),
      W4: init("9.weight", [CLASSES, HIDDEN]),
      B4: init("9.bias", [CLASSES]),
    },
  });
}

/** @param {any} tf @param {number} n */
export const tfImages = (tf, n) => tf.tensor4d(toNhwc(images(n), n, 1, 28, 28), [n, 28, 28, 1]);

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function inferCase(n) {
  /** @param {any} tf */
  const tfInfer = (tf) => {
    const { vars, forward } = tfModel(tf), x = tfImages(tf, n);
    return {
      run: () => {
        const y = tf.tidy(() => forward(x));
        y.dataSync();
        y.dispose();
      },
      dispose: () => tf.dispose([...vars, x]),
    };
  };
  const xShape = [n, 1, 28, 28];
  return {
    name: `lenet5 infer b${n}`,
    group: "lenet5",
    note: `LeNet-5 forward, batch ${n}, eval mode, logits copied out; ${(FORWARD_FLOPS / 1e6).toFixed(2)} MFLOP/sample`,
    flops: n * FORWARD_FLOPS,
    samples: n,
    setup(engine, lib) {
      const model = simdnnModel(engine, lib), x = engine.tensor(images(n), xShape);
      return {
        run: () => {
          const y = model.predict(x);
          y.data.slice();
          y.dispose();
        },
        dispose: () => (model.dispose(), x.dispose()),
      };
    },
    peers: {
      tfjsWasm: tfInfer,
      tfjsCpu: tfInfer,
      ort: (ort) => ortRunner(ort, onnxLenet(n), { X: { dims: xShape, data: images(n) } }),
    },
  };
}

/**
 * One training step in TensorFlow.js, its backward pass written out with the kernels tf's
 * own gradient functions call (the npm bundles of tfjs-core that Node and Deno load register
 * no gradient functions: the full @tensorflow/tfjs package adds them), then Adam. Null when
 * the backend lacks one of them (tfjs-wasm: Conv2DBackpropFilter, tfjs#8474).
 *
 * @param {any} tf
 * @param {number} n
 */
export function tfTrainer(tf, n) {
  const needed = ["Conv2DBackpropFilter", "Conv2DBackpropInput", "MaxPoolGrad"];
  if (needed.some((k) => !tf.getKernel(k, tf.getBackend()))) return null;
  const { vars } = tfModel(tf), x = tfImages(tf, n);
  const [w1, b1, w2, b2, w3, b3, w4, b4] = vars;
  const onehot = tf.oneHot(tf.tensor1d(labels(n), "int32"), CLASSES);
  const opt = tf.train.adam(2e-3);
  const run = (/** @type {string} */ kernel, /** @type {object} */ inputs, /** @type {object} */ attrs) =>
    tf.engine().runKernel(kernel, inputs, attrs);
  /** conv 5×5 pad 2 + bias + ReLU, then max-pool 2: the activations backward needs. @param {any} h @param {any} w @param {any} b */
  const convBlock = (h, w, b) => {
    const a = tf.fused.conv2d({ x: h, filter: w, strides: 1, pad: 2, bias: b, activation: "relu" });
    return { a, p: tf.maxPool(a, 2, 2, "valid") };
  };
  /** Gradients of a conv block from the pooled output's: dw, db and (unless first) dx. @param {any} dp */
  const convBlockGrad = (
    /** @type {any} */ dp,
    /** @type {any} */ h,
    /** @type {any} */ w,
    /** @type {{ a: any, p: any }} */ c,
    /** @type {boolean} */ dx,
  ) => {
    const da = run("MaxPoolGrad", { dy: dp, input: c.a, output: c.p }, { filterSize: 2, strides: 2, pad: "valid" });
    const dz = tf.mul(da, tf.step(c.a)); // the fused ReLU's gradient, as tf computes it
    const conv = { strides: 1, pad: 2, dataFormat: "NHWC" };
    return {
      dw: run("Conv2DBackpropFilter", { x: h, dy: dz }, { ...conv, filterShape: w.shape }),
      db: tf.sum(dz, [0, 1, 2]),
      dx: dx ? run("Conv2DBackpropInput", { dy: dz, filter: w }, { ...conv, inputShape: h.shape }) : null,
    };
  };
  const step = () =>
    tf.tidy(() => {
      const c1 = convBlock(x, w1, b1), c2 = convBlock(c1.p, w2, b2);
      const f = tf.reshape(c2.p, [n, FLAT]);
      const a3 = tf.fused.matMul({ a: f, b: w3, bias: b3, activation: "relu" });
      const z = tf.fused.matMul({ a: a3, b: w4, bias: b4 });
      // Mean softmax cross-entropy: its loss (computed, as a training loop reports it) and gradient.
      const loss = tf.losses.softmaxCrossEntropy(onehot, z);
      const dz = tf.div(tf.sub(tf.softmax(z), onehot), n);
      const da3 = tf.matMul(dz, w4, false, true);
      const dh3 = tf.mul(da3, tf.step(a3));
      const df = tf.matMul(dh3, w3, false, true);
      const g2 = convBlockGrad(tf.reshape(df, c2.p.shape), c1.p, w2, c2, true);
      const g1 = convBlockGrad(g2.dx, x, w1, c1, false);
      const grads = [
        g1.dw,
        g1.db,
        g2.dw,
        g2.db,
        tf.matMul(f, dh3, true, false),
        tf.sum(dh3, 0),
        tf.matMul(a3, dz, true, false),
        tf.sum(dz, 0),
      ];
      opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, grads[i]])));
      return loss;
    });
  // tfjs-cpu's Conv2DBackpropFilter is a scalar loop: a step takes tens of seconds there, so
  // one warm-up call and one timed call (its JIT is warm after one call of that length).
  const slow = tf.getBackend() === "cpu";
  return {
    run: () => step().dispose(),
    timing: slow ? { warmupCalls: 1, warmupMs: 0, reps: 1, minReps: 1 } : undefined,
    /** For checks against simdnn's weights. */
    vars,
    dispose: () => {
      opt.dispose();
      tf.dispose([...vars, x, onehot]);
    },
  };
}

/**
 * @param {number} n
 * @returns {BenchCase}
 */
function trainCase(n) {
  /** @param {any} tf */
  const tfTrain = (tf) => tfTrainer(tf, n);
  return {
    name: `lenet5 train b${n}`,
    group: "lenet5",
    note: `LeNet-5 training step, batch ${n}: zero grads, forward, cross-entropy, backward, Adam lr 2e-3; ` +
      `${(TRAIN_FLOPS / 1e6).toFixed(2)} MFLOP/sample; tfjs-wasm has no Conv2DBackpropFilter (tfjs#8474)`,
    flops: n * TRAIN_FLOPS,
    samples: n,
    setup(engine, lib) {
      const model = simdnnModel(engine, lib);
      const opt = engine.optim.adam(model.store, { lr: 2e-3 });
      const x = engine.tensor(images(n), [n, 1, 28, 28]), y = engine.tensor(labels(n));
      return {
        run: () =>
          engine.scope(() => {
            model.zeroGrad();
            const out = model.forward(x);
            const { grad } = engine.crossEntropy(out, y);
            model.backward(grad, { inputGrad: false });
            opt.step();
          }),
        dispose: () => (opt.dispose(), model.dispose(), x.dispose(), y.dispose()),
      };
    },
    peers: { tfjsWasm: tfTrain, tfjsCpu: tfTrain },
  };
}

/** @type {BenchCase[]} */
export const lenetCases = [trainCase(64), inferCase(1), inferCase(64)];
