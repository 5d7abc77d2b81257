/**
 * Convolution cases, f32, NCHW: for each layer a forward case (`conv2d <tag> ...`), an input
 * gradient (`conv2d-dx`) and a weight gradient (`conv2d-dw`, with the bias gradient). The
 * gradient cases name the forward of their layer as `ref`, so the table shows their speed
 * relative to our own forward. The three count the same FLOPs, 2·N·O·OH·OW·(C/groups)·kH·kW.
 *
 * simdnn gets `padding: "same"` (the API under test); the peers get explicit pads computed
 * here by the same rule (PyTorch's split for stride 1, TensorFlow's SAME for stride > 1), so
 * every implementation computes the same output. TensorFlow.js runs NHWC with HWIO filters:
 * the data are transposed once at setup, never in the timed call. Weights are constant, as
 * in a user's model: tfjs-wasm (XNNPACK) and ORT (an ONNX initializer) pack them once and
 * reuse the packing across calls; simdnn takes them per call.
 *
 * @module
 */
import { randomData, toHwio, toNhwc } from "./data.mjs";
import { onnxModel } from "../peers/onnx.mjs";
import { ortRunner } from "../peers/ort.mjs";

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * @typedef {object} Layer
 * @property {string} tag Short name, e.g. "resnet64".
 * @property {number} n
 * @property {number} c
 * @property {number} h
 * @property {number} w
 * @property {number} o Output channels.
 * @property {number} k Square kernel size.
 * @property {number} stride
 * @property {"same" | 0} padding
 * @property {number} groups
 */

/**
 * Padding [before, after] of one spatial dim, as simdnn resolves `"same"`: stride 1 pads
 * d·(k−1) in total (PyTorch); stride > 1 pads so that out = ceil(in / s) (TensorFlow's
 * SAME); floor(total / 2) before, the rest after.
 *
 * @param {number} size Input extent.
 * @param {number} k Kernel extent.
 * @param {number} s Stride.
 * @param {number} [d] Dilation.
 * @returns {[number, number]}
 */
export function samePads(size, k, s, d = 1) {
  const total = s === 1 ? d * (k - 1) : Math.max((Math.ceil(size / s) - 1) * s + d * (k - 1) + 1 - size, 0);
  return [total >> 1, total - (total >> 1)];
}

/** @param {Layer} l */
function geometry(l) {
  const [top, bottom] = l.padding === "same" ? samePads(l.h, l.k, l.stride) : [l.padding, l.padding];
  const [left, right] = l.padding === "same" ? samePads(l.w, l.k, l.stride) : [l.padding, l.padding];
  const oh = Math.floor((l.h + top + bottom - l.k) / l.stride) + 1;
  const ow = Math.floor((l.w + left + right - l.k) / l.stride) + 1;
  return { top, bottom, left, right, oh, ow, cg: l.c / l.groups };
}

/**
 * The three cases of one layer.
 *
 * @param {Layer} l
 * @returns {BenchCase[]}
 */
function convCases(l) {
  const g = geometry(l);
  const depthwise = l.groups > 1;
  if (depthwise && !(l.groups === l.c && l.o === l.c)) {
    throw new Error(`${l.tag}: only groups = 1 or depthwise (groups = C = O) have tfjs peers`);
  }
  const layer = `${l.n}x${l.c}x${l.h}x${l.w}→${l.o} k${l.k}${l.stride > 1 ? ` s${l.stride}` : ""}${
    depthwise ? ` g${l.groups}` : ""
  }`;
  const note =
    `conv2d ${l.n}×${l.c}×${l.h}×${l.w}→${l.o} k${l.k} s${l.stride} padding ${
      l.padding === "same" ? "same" : l.padding
    }` +
    ` [t${g.top} b${g.bottom} l${g.left} r${g.right}] groups ${l.groups} → ${l.n}×${l.o}×${g.oh}×${g.ow}`;
  const flops = 2 * l.n * l.o * g.oh * g.ow * g.cg * l.k * l.k;

  const xShape = [l.n, l.c, l.h, l.w], wShape = [l.o, g.cg, l.k, l.k], yShape = [l.n, l.o, g.oh, g.ow];
  const x = () => randomData(l.n * l.c * l.h * l.w, 1);
  const w = () => randomData(l.o * g.cg * l.k * l.k, 2);
  const dy = () => randomData(l.n * l.o * g.oh * g.ow, 3);
  const opts = { stride: l.stride, padding: l.padding, groups: l.groups };

  // TensorFlow.js: NHWC data, HWIO filters ([kH, kW, C, 1] for depthwise), explicit pads.
  const tfPad = [[0, 0], [g.top, g.bottom], [g.left, g.right], [0, 0]];
  const tfStrides = [l.stride, l.stride];
  const tfX = (/** @type {any} */ tf) => tf.tensor4d(toNhwc(x(), l.n, l.c, l.h, l.w), [l.n, l.h, l.w, l.c]);
  const tfDy = (/** @type {any} */ tf) => tf.tensor4d(toNhwc(dy(), l.n, l.o, g.oh, g.ow), [l.n, g.oh, g.ow, l.o]);
  const filterShape = depthwise ? [l.k, l.k, l.c, 1] : [l.k, l.k, l.c, l.o];
  const tfW = (/** @type {any} */ tf) => tf.tensor4d(toHwio(w(), l.o, g.cg, l.k, l.k), filterShape);

  /**
   * A runner calling one tfjs kernel through the engine (the gradients have no public op on
   * every backend), or null when the active backend does not register it: shown as n/a.
   * @param {any} tf @param {string} kernel @param {Record<string, any>} inputs @param {Record<string, unknown>} attrs
   */
  const tfKernel = (tf, kernel, inputs, attrs) => {
    const all = () => tf.dispose(Object.values(inputs));
    if (!tf.getKernel(kernel, tf.getBackend())) return all(), null;
    return { run: () => tf.engine().runKernel(kernel, inputs, attrs).dispose(), dispose: all };
  };

  /** @param {any} tf */
  const tfForward = (tf) => {
    const tx = tfX(tf), tw = tfW(tf);
    const run = depthwise
      ? () => tf.depthwiseConv2d(tx, tw, tfStrides, tfPad).dispose()
      : () => tf.conv2d(tx, tw, tfStrides, tfPad).dispose();
    return { run, dispose: () => tf.dispose([tx, tw]) };
  };
  /** @param {any} tf */
  const tfDx = (tf) =>
    depthwise
      ? tfKernel(tf, "DepthwiseConv2dNativeBackpropInput", { dy: tfDy(tf), filter: tfW(tf) }, {
        strides: tfStrides,
        dilations: [1, 1],
        pad: tfPad,
        inputShape: [l.n, l.h, l.w, l.c],
      })
      : tfKernel(tf, "Conv2DBackpropInput", { dy: tfDy(tf), filter: tfW(tf) }, {
        strides: tfStrides,
        pad: tfPad,
        dataFormat: "NHWC",
        inputShape: [l.n, l.h, l.w, l.c],
      });
  /** @param {any} tf */
  const tfDw = (tf) =>
    depthwise
      ? tfKernel(tf, "DepthwiseConv2dNativeBackpropFilter", { x: tfX(tf), dy: tfDy(tf) }, {
        strides: tfStrides,
        dilations: [1, 1],
        pad: tfPad,
        filterShape,
      })
      : tfKernel(tf, "Conv2DBackpropFilter", { x: tfX(tf), dy: tfDy(tf) }, {
        strides: tfStrides,
        pad: tfPad,
        dataFormat: "NHWC",
        filterShape,
      });

  /** @param {import("../../src/mod.ts").Engine} engine @param {{ dx: boolean, dw: boolean, db: boolean }} needs */
  const backward = (engine, needs) => {
    const tdy = engine.tensor(dy(), yShape, "float32"),
      tx = engine.tensor(x(), xShape, "float32"),
      tw = engine.tensor(w(), wShape, "float32");
    return {
      run: () => {
        const r = engine.conv2dBackward(tdy, tx, tw, { ...opts, needs });
        r.dx?.dispose(), r.dw?.dispose(), r.db?.dispose();
      },
      dispose: () => (tdy.dispose(), tx.dispose(), tw.dispose()),
    };
  };

  const forward = `conv2d ${l.tag} ${layer}`;
  return [
    {
      name: forward,
      note,
      flops,
      setup(engine) {
        const tx = engine.tensor(x(), xShape, "float32"), tw = engine.tensor(w(), wShape, "float32");
        return { run: () => engine.conv2d(tx, tw, null, opts).dispose(), dispose: () => (tx.dispose(), tw.dispose()) };
      },
      peers: {
        tfjsWasm: tfForward,
        tfjsCpu: tfForward,
        ort: (ort) =>
          ortRunner(
            ort,
            onnxModel({
              nodes: [{
                op: "Conv",
                inputs: ["X", "W"],
                outputs: ["Y"],
                attrs: {
                  kernel_shape: [l.k, l.k],
                  strides: [l.stride, l.stride],
                  pads: [g.top, g.left, g.bottom, g.right],
                  dilations: [1, 1],
                  group: l.groups,
                },
              }],
              inputs: { X: xShape },
              outputs: { Y: yShape },
              initializers: { W: { dims: wShape, data: w() } },
            }),
            { X: { dims: xShape, data: x() } },
          ),
      },
    },
    {
      name: `conv2d-dx ${l.tag} ${layer}`,
      note: `${note}; input gradient`,
      flops,
      ref: forward,
      setup: (engine) => backward(engine, { dx: true, dw: false, db: false }),
      peers: { tfjsWasm: tfDx, tfjsCpu: tfDx },
    },
    {
      name: `conv2d-dw ${l.tag} ${layer}`,
      note: `${note}; weight and bias gradients (the peers: weight only)`,
      flops,
      ref: forward,
      setup: (engine) => backward(engine, { dx: false, dw: true, db: true }),
      peers: { tfjsWasm: tfDw, tfjsCpu: tfDw },
    },
  ];
}

/**
 * @param {string} tag
 * @param {[number, number, number, number]} nchw
 * @param {number} o
 * @param {number} k
 * @param {{ stride?: number, padding?: "same" | 0, groups?: number }} [more]
 * @returns {Layer}
 */
function layer(tag, [n, c, h, w], o, k, { stride = 1, padding = "same", groups = 1 } = {}) {
  return { tag, n, c, h, w, o, k, stride, padding, groups };
}

/** The layers of issue 3; the gemm `conv-*` cases use the same tags. */
export const convLayers = [
  layer("lenet1", [8, 1, 28, 28], 20, 5),
  layer("lenet2", [8, 20, 14, 14], 50, 5),
  layer("stem-s1", [1, 3, 112, 112], 32, 3),
  layer("stem-s2", [1, 3, 112, 112], 32, 3, { stride: 2 }),
  layer("resnet64", [1, 64, 56, 56], 64, 3),
  layer("resnet128", [1, 128, 28, 28], 128, 3),
  layer("resnet256", [1, 256, 14, 14], 256, 3),
  layer("pw256-64", [1, 256, 14, 14], 64, 1, { padding: 0 }),
  layer("dw128", [1, 128, 56, 56], 128, 3, { groups: 128 }),
  layer("train32", [32, 32, 16, 16], 32, 3),
];

/**
 * Forward cases first, then the input gradients, then the weight gradients: each op kind
 * makes one block of the table (and one summary line).
 * @type {BenchCase[]}
 */
export const convCases2d = (() => {
  const per = convLayers.map(convCases);
  return [0, 1, 2].flatMap((i) => per.map((cs) => cs[i]));
})();
