/**
 * Checks that the LeNet-5 bench cases (./cases/lenet.mjs) time the same network everywhere:
 * the logits of simdnn, TensorFlow.js (WASM and CPU) and ONNX Runtime Web on the shared
 * weights and images, and one training step of simdnn against the TensorFlow.js CPU one
 * (the weights after one Adam step). Node, built package (dist/):
 *
 *   node bench/lenet5-check.mjs
 *
 * Exits non-zero when a difference is above its tolerance.
 *
 * @module
 */
import { load, nn } from "simdnn";
import { denseKernel, images, labels, onnxLenet, simdnnModel, tfImages, tfModel, tfTrainer } from "./cases/lenet.mjs";
import { toHwio } from "./cases/data.mjs";
import { tfjsPeers } from "./peers/tfjs.mjs";
import { ortPeers } from "./peers/ort.mjs";

const lib = { nn: /** @type {any} */ (nn) };
const engine =
  /** @type {import("../src/mod.ts").Engine} */ (/** @type {unknown} */ (await load({ simd: "baseline", threads: 1 })));
let failed = false;
/** @param {string} what @param {ArrayLike<number>} a @param {ArrayLike<number>} b @param {number} tol */
const report = (what, a, b, tol) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  const ok = d <= tol && a.length === b.length;
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}: max |difference| ${d.toExponential(2)} (tolerance ${tol})`);
};

// Inference: logits of a batch of 64.
const n = 64;
const model = simdnnModel(engine, lib);
const x = engine.tensor(images(n), [n, 1, 28, 28]);
const logits = model.predict(x).data.slice();
const [wasm, cpu] = await tfjsPeers();
for (const peer of [wasm, cpu]) {
  const tf = await peer.enter();
  const { vars, forward } = tfModel(tf), tx = tfImages(tf, n);
  report(`logits, ${peer.label}`, logits, forward(tx).dataSync(), 1e-5);
  tf.dispose([...vars, tx]);
}
const [ortPeer] = await ortPeers();
const ort = await ortPeer.enter();
const session = await ort.InferenceSession.create(onnxLenet(n), { executionProviders: ["wasm"] });
const out = await session.run({ X: new ort.Tensor("float32", images(n), [n, 1, 28, 28]) });
report("logits, ORT", logits, /** @type {Float32Array} */ (out.Y.data), 1e-5);

// Training: one step on a batch of 8 (tfjs-cpu's conv filter gradient is slow), then the
// weights in tf's layouts. Adam's first step is lr·g/(|g| + ε): about ±lr wherever the
// gradient is not tiny, so the weights agree to rounding except where |g| is near ε.
const m = 8;
const tm = simdnnModel(engine, lib), opt = engine.optim.adam(tm.store, { lr: 2e-3 });
const tx8 = engine.tensor(images(m), [m, 1, 28, 28]), ty8 = engine.tensor(labels(m));
engine.scope(() => {
  tm.zeroGrad();
  const { grad } = engine.crossEntropy(tm.forward(tx8), ty8);
  tm.backward(grad, { inputGrad: false });
  opt.step();
});
const w = Object.fromEntries(tm.namedParameters().map(([k, p]) => [k, p.data]));
const mine = [
  toHwio(w["0.weight"], 20, 1, 5, 5),
  w["0.bias"],
  toHwio(w["3.weight"], 50, 20, 5, 5),
  w["3.bias"],
  denseKernel(w["7.weight"], 500, 2450, true),
  w["7.bias"],
  denseKernel(w["9.weight"], 10, 500, false),
  w["9.bias"],
];
const tf = await cpu.enter();
const trainer = /** @type {NonNullable<ReturnType<typeof tfTrainer>>} */ (tfTrainer(tf, m));
trainer.run();
const names = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"];
trainer.vars.forEach((/** @type {any} */ v, /** @type {number} */ i) => {
  const theirs = v.dataSync();
  let off = 0, sum = 0;
  for (let j = 0; j < theirs.length; j++) {
    const d = Math.abs(mine[i][j] - theirs[j]);
    sum += d;
    if (d > 2e-4) off++; // a tenth of the step (lr = 2e-3)
  }
  const ok = off / theirs.length < 0.02 && sum / theirs.length < 2e-5;
  failed ||= !ok;
  console.log(
    `${ok ? "ok  " : "FAIL"} after one training step, ${names[i]}: mean |difference| ${
      (sum / theirs.length).toExponential(2)
    }, ${off} of ${theirs.length} differ by more than lr/10`,
  );
});
trainer.dispose();
process.exitCode = failed ? 1 : 0;
