/**
 * The `lenet5` cold-start case (see ./core.mjs): a whole LeNet-5 forward pass on one image,
 * x [1,1,28,28] → conv 20@5×5 pad 2 → ReLU → max pool 2 → conv 50@5×5 pad 2 → ReLU → max pool 2
 * → flatten → linear 2450→500 → ReLU → linear 500→10, with biases, f32. simdnn runs the
 * engine's ops one by one (`conv2d`, `relu`, `maxPool2d`, `linear`) inside a `scope`;
 * tfjs-wasm the same ops inside `tf.tidy` (NHWC data, HWIO filters and the first linear
 * layer's columns permuted to NHWC's flatten order at setup); ORT one ONNX model with the
 * weights as initializers. Each call reads the first logit back.
 *
 * @module
 */
import { randomData, toHwio } from "../cases/data.mjs";
import { onnxModel } from "../peers/onnx.mjs";
import { ortLib } from "./ort.mjs";

const PAD = 2;

/** Deterministic weights, scaled by 1/√fan-in so activations stay O(1) through the layers. */
function weights() {
  const scaled = (/** @type {number} */ n, /** @type {number} */ fanIn, /** @type {number} */ seed) => {
    const a = randomData(n, seed), k = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < n; i++) a[i] *= k;
    return a;
  };
  return {
    x: randomData(784, 1),
    w1: scaled(20 * 25, 25, 2),
    b1: scaled(20, 25, 3),
    w2: scaled(50 * 20 * 25, 500, 4),
    b2: scaled(50, 500, 5),
    w3: scaled(500 * 2450, 2450, 6),
    b3: scaled(500, 2450, 7),
    w4: scaled(10 * 500, 500, 8),
    b4: scaled(10, 500, 9),
  };
}

/** conv 5×5, padding 2, stride 1, then bias, ReLU and 2×2 max pooling, NCHW, in float64. */
function convReluPool(
  /** @type {Float64Array | Float32Array} */ x,
  /** @type {number} */ c,
  /** @type {number} */ h,
  /** @type {Float32Array} */ w,
  /** @type {Float32Array} */ b,
  /** @type {number} */ o,
) {
  const y = new Float64Array(o * h * h);
  for (let oc = 0; oc < o; oc++) {
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < h; ox++) {
        let s = b[oc];
        for (let ic = 0; ic < c; ic++) {
          for (let ky = 0; ky < 5; ky++) {
            const iy = oy + ky - PAD;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < 5; kx++) {
              const ix = ox + kx - PAD;
              if (ix >= 0 && ix < h) s += x[(ic * h + iy) * h + ix] * w[((oc * c + ic) * 5 + ky) * 5 + kx];
            }
          }
        }
        y[(oc * h + oy) * h + ox] = Math.max(s, 0);
      }
    }
  }
  const q = h / 2, p = new Float64Array(o * q * q);
  for (let oc = 0; oc < o; oc++) {
    for (let py = 0; py < q; py++) {
      for (let px = 0; px < q; px++) {
        const at = (/** @type {number} */ dy, /** @type {number} */ dx) => y[(oc * h + 2 * py + dy) * h + 2 * px + dx];
        p[(oc * q + py) * q + px] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
      }
    }
  }
  return p;
}

/** y = w·x + b (w [out, in]), ReLU when `relu`, in float64. */
function dense(
  /** @type {Float64Array} */ x,
  /** @type {Float32Array} */ w,
  /** @type {Float32Array} */ b,
  /** @type {number} */ out,
  /** @type {boolean} */ relu,
) {
  const n = x.length, y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b[o];
    for (let i = 0; i < n; i++) s += w[o * n + i] * x[i];
    y[o] = relu ? Math.max(s, 0) : s;
  }
  return y;
}

/** The first logit by the definition, in float64. @param {ReturnType<typeof weights>} p */
function referenceY0(p) {
  const a1 = convReluPool(p.x, 1, 28, p.w1, p.b1, 20);
  const a2 = convReluPool(a1, 20, 14, p.w2, p.b2, 50);
  return dense(dense(a2, p.w3, p.b3, 500, true), p.w4, p.b4, 10, false)[0];
}

/**
 * @param {import("./core.mjs").LibName} lib
 * @param {import("./core.mjs").Imports} imp
 * @returns {{ y0: number, init: () => Promise<import("./core.mjs").Lib> }}
 */
export function prepareLenet5(lib, imp) {
  const p = weights();
  const y0 = referenceY0(p);
  if (lib === "simdnn") {
    return {
      y0,
      init: async () => {
        const { load } = await imp.simdnn();
        const e = await load();
        /** @type {Record<string, any>} */
        const t = {};
        return {
          version: e.build,
          warmups: e.runtime.warmups,
          inputs: () => {
            t.x = e.tensor(p.x, [1, 1, 28, 28]);
            t.w1 = e.tensor(p.w1, [20, 1, 5, 5]);
            t.b1 = e.tensor(p.b1, [20]);
            t.w2 = e.tensor(p.w2, [50, 20, 5, 5]);
            t.b2 = e.tensor(p.b2, [50]);
            t.w3 = e.tensor(p.w3, [500, 2450]);
            t.b3 = e.tensor(p.b3, [500]);
            t.w4 = e.tensor(p.w4, [10, 500]);
            t.b4 = e.tensor(p.b4, [10]);
          },
          call: () =>
            e.scope(() => {
              let a = e.maxPool2d(e.relu(e.conv2d(t.x, t.w1, t.b1, { padding: PAD })), { kernel: 2 }).y;
              a = e.maxPool2d(e.relu(e.conv2d(a, t.w2, t.b2, { padding: PAD })), { kernel: 2 }).y;
              a = e.relu(e.linear(a.reshape([1, 2450]), t.w3, t.b3));
              return e.linear(a, t.w4, t.b4).data[0];
            }),
        };
      },
    };
  }
  if (lib === "tfjs-wasm") {
    const w1 = toHwio(p.w1, 20, 1, 5, 5), w2 = toHwio(p.w2, 50, 20, 5, 5);
    // tfjs flattens NHWC [1, 7, 7, 50] in (h, w, c) order, PyTorch NCHW in (c, h, w): w3's
    // columns are permuted to match, and both dense weights transposed to [in, out] for matMul.
    const w3 = new Float32Array(2450 * 500), w4 = new Float32Array(500 * 10);
    for (let o = 0; o < 500; o++) {
      for (let c = 0; c < 50; c++) {
        for (let hw = 0; hw < 49; hw++) w3[(hw * 50 + c) * 500 + o] = p.w3[o * 2450 + c * 49 + hw];
      }
    }
    for (let o = 0; o < 10; o++) for (let i = 0; i < 500; i++) w4[i * 10 + o] = p.w4[o * 500 + i];
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
        /** @type {Record<string, any>} */
        const t = {};
        const pad = [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]];
        return {
          version: tf.version_core,
          inputs: () => {
            t.x = tf.tensor4d(p.x, [1, 28, 28, 1]); // C = 1: NCHW and NHWC are the same memory
            t.w1 = tf.tensor4d(w1, [5, 5, 1, 20]);
            t.b1 = tf.tensor1d(p.b1);
            t.w2 = tf.tensor4d(w2, [5, 5, 20, 50]);
            t.b2 = tf.tensor1d(p.b2);
            t.w3 = tf.tensor2d(w3, [2450, 500]);
            t.b3 = tf.tensor1d(p.b3);
            t.w4 = tf.tensor2d(w4, [500, 10]);
            t.b4 = tf.tensor1d(p.b4);
          },
          call: () => {
            const y = tf.tidy(() => {
              let a = tf.maxPool(tf.relu(tf.add(tf.conv2d(t.x, t.w1, 1, pad), t.b1)), 2, 2, "valid");
              a = tf.maxPool(tf.relu(tf.add(tf.conv2d(a, t.w2, 1, pad), t.b2)), 2, 2, "valid");
              a = tf.relu(tf.add(tf.matMul(tf.reshape(a, [1, 2450]), t.w3), t.b3));
              return tf.add(tf.matMul(a, t.w4), t.b4);
            });
            const v = y.dataSync()[0];
            y.dispose();
            return v;
          },
        };
      },
    };
  }
  const conv = (
    /** @type {string} */ x,
    /** @type {string} */ w,
    /** @type {string} */ b,
    /** @type {string} */ y,
  ) => ({
    op: "Conv",
    inputs: [x, w, b],
    outputs: [y],
    attrs: { kernel_shape: [5, 5], strides: [1, 1], pads: [PAD, PAD, PAD, PAD], dilations: [1, 1], group: 1 },
  });
  const pool = (/** @type {string} */ x, /** @type {string} */ y) => ({
    op: "MaxPool",
    inputs: [x],
    outputs: [y],
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
  });
  const relu = (/** @type {string} */ x, /** @type {string} */ y) => ({ op: "Relu", inputs: [x], outputs: [y] });
  const gemm = (
    /** @type {string} */ x,
    /** @type {string} */ w,
    /** @type {string} */ b,
    /** @type {string} */ y,
  ) => ({
    op: "Gemm",
    inputs: [x, w, b],
    outputs: [y],
    attrs: { transB: 1 },
  });
  const model = onnxModel({
    nodes: [
      conv("X", "W1", "B1", "c1"),
      relu("c1", "r1"),
      pool("r1", "p1"),
      conv("p1", "W2", "B2", "c2"),
      relu("c2", "r2"),
      pool("r2", "p2"),
      { op: "Flatten", inputs: ["p2"], outputs: ["f"], attrs: { axis: 1 } },
      gemm("f", "W3", "B3", "d3"),
      relu("d3", "r3"),
      gemm("r3", "W4", "B4", "Y"),
    ],
    inputs: { X: [1, 1, 28, 28] },
    outputs: { Y: [1, 10] },
    initializers: {
      W1: { dims: [20, 1, 5, 5], data: p.w1 },
      B1: { dims: [20], data: p.b1 },
      W2: { dims: [50, 20, 5, 5], data: p.w2 },
      B2: { dims: [50], data: p.b2 },
      W3: { dims: [500, 2450], data: p.w3 },
      B3: { dims: [500], data: p.b3 },
      W4: { dims: [10, 500], data: p.w4 },
      B4: { dims: [10], data: p.b4 },
    },
  });
  return {
    y0,
    init: () => ortLib(imp, model, p.x, [1, 1, 28, 28]),
  };
}
