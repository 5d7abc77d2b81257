/**
 * The measurement behind bench/lenet5-profile.mjs (see there), runtime-neutral: Node, Deno
 * and the Chromium page of `--browser` call `profileLenet5`.
 *
 * @module
 */
import { randomData } from "./cases/data.mjs";

/** @param {number[]} v */
function median(v) {
  const s = [...v].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Profiles one build; prints its tables through `log`.
 *
 * @param {any} lib simdnn's module (`load`, `nn`), imported the way the runtime can.
 * @param {object} o
 * @param {"baseline" | "relaxed"} o.simd
 * @param {"train" | "infer"} o.mode
 * @param {number} o.batch
 * @param {number} o.rounds
 * @param {number} o.steps Steps per round and pass.
 * @param {string} o.runtime For the title.
 * @param {(line: string) => void} o.log
 */
export async function profileLenet5(lib, { simd, mode, batch: BATCH, rounds, steps: stepsPerRound, runtime, log }) {
  const engine = await lib.load({ simd, threads: 1 });
  const model = new lib.nn.Model(engine, lib.nn.lenet5(), { seed: 0 });
  const adam = engine.optim.adam(model.store, { lr: 2e-3 });
  const x = engine.tensor(randomData(BATCH * 784, 1), [BATCH, 1, 28, 28]);
  const labels = engine.tensor(Int32Array.from({ length: BATCH }, (_, i) => (i * 7919) % 10));
  const layers = /** @type {any[]} */ (model.module.layers);
  const names = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "fc2"];
  const P = model.store.slab.size;

  // FLOPs (a multiply-add counts 2) and bytes moved of each part, for one step of batch 64.
  const n1 = BATCH * 20 * 28 * 28, n2 = BATCH * 50 * 14 * 14, n3 = BATCH * 500;
  const conv1 = 2 * BATCH * 20 * 28 * 28 * 25, conv2 = 2 * BATCH * 50 * 14 * 14 * 20 * 25;
  const fc1 = 2 * BATCH * 2450 * 500, fc2 = 2 * BATCH * 500 * 10;
  /** @type {Record<string, { flops?: number, bytes?: number, what: string }>} */
  const work = {
    "zeroGrad": { bytes: 4 * P, what: "fill the gradient slab" },
    "fwd conv1": { flops: conv1, what: `${BATCH}×1×28×28 → 20 k5 p2` },
    "fwd relu1": { bytes: 8 * n1, what: `${n1} elements` },
    "fwd pool1": { bytes: 4 * (n1 + n1 / 2), what: "max 2×2, y + indices" },
    "fwd conv2": { flops: conv2, what: `${BATCH}×20×14×14 → 50 k5 p2` },
    "fwd relu2": { bytes: 8 * n2, what: `${n2} elements` },
    "fwd pool2": { bytes: 4 * (n2 + n2 / 2), what: "max 2×2, y + indices" },
    "fwd flatten": { what: "view" },
    "fwd fc1": { flops: fc1, what: `${BATCH}×2450 → 500` },
    "fwd relu3": { bytes: 8 * n3, what: `${n3} elements` },
    "fwd fc2": { flops: fc2, what: `${BATCH}×500 → 10` },
    "loss": { what: `cross-entropy ${BATCH}×10, loss + grad` },
    "bwd fc2": { flops: 2 * fc2, what: "dw+db, dx" },
    "bwd relu3": { bytes: 12 * n3, what: "dy·(x>0)" },
    "bwd fc1": { flops: 2 * fc1, what: "dw+db, dx" },
    "bwd flatten": { what: "view" },
    "bwd pool2": { bytes: 4 * (n2 + n2 / 2), what: "scatter dy by indices" },
    "bwd relu2": { bytes: 12 * n2, what: "dy·(x>0)" },
    "bwd conv2": { flops: 2 * conv2, what: "dw+db, dx" },
    "bwd pool1": { bytes: 4 * (n1 + n1 / 2), what: "scatter dy by indices" },
    "bwd relu1": { bytes: 12 * n1, what: "dy·(x>0)" },
    "bwd conv1": { flops: conv1, what: "dw+db (no dx: first layer)" },
    "adam": { bytes: 28 * P, what: `${P} params: p, g, m, v read; p, m, v written` },
  };
  const train = mode === "train";
  if (!train) { for (const k of Object.keys(work)) if (!k.startsWith("fwd ")) delete work[k]; }
  const partNames = [...Object.keys(work), "scope enter", "scope exit", "other"];

  // Inference: the forward pass in eval mode inside a scope, logits copied out (as predict).
  if (!train) model.eval();
  const step = train
    ? () =>
      engine.scope(() => {
        model.zeroGrad();
        const out = model.forward(x);
        const { grad } = engine.crossEntropy(out, labels);
        model.backward(grad, { inputGrad: false });
        adam.step();
      })
    : () => engine.scope(() => model.forward(x)).data.slice();

  // --- instrumentation (installed and removed around the timed passes) ---
  const now = () => performance.now();
  /** @type {Record<string, number>} */
  let acc = {};
  /** @type {Record<string, number>} */
  let kacc = {};
  /** @type {Record<string, number>} */
  let kcalls = {};
  let part = "other";
  /** @param {string} name @param {() => any} f */
  const timed = (name, f) => {
    const prev = part;
    part = name;
    const t = now();
    try {
      return f();
    } finally {
      acc[name] = (acc[name] ?? 0) + (now() - t);
      part = prev;
    }
  };
  const instrumented = () => {
    const t0 = now();
    let t1 = 0, t2 = 0;
    engine.scope(() => {
      t1 = now();
      if (train) {
        timed("zeroGrad", () => model.zeroGrad());
        const out = model.forward(x);
        const { grad } = timed("loss", () => engine.crossEntropy(out, labels));
        model.backward(grad, { inputGrad: false });
        timed("adam", () => adam.step());
      } else model.forward(x).data.slice();
      t2 = now();
    });
    const t3 = now();
    acc["scope enter"] = (acc["scope enter"] ?? 0) + (t1 - t0);
    acc["scope exit"] = (acc["scope exit"] ?? 0) + (t3 - t2);
    acc.step = (acc.step ?? 0) + (t3 - t0);
  };
  const originals = layers.map((l) => ({ forward: l.forward, backward: l.backward }));
  const wrapLayers = () =>
    layers.forEach((l, i) => {
      const { forward, backward } = originals[i];
      l.forward = (/** @type {any} */ v) => timed(`fwd ${names[i]}`, () => forward.call(l, v));
      l.backward = (/** @type {any} */ dy, /** @type {boolean} */ ig) =>
        timed(`bwd ${names[i]}`, () => backward.call(l, dy, ig));
    });
  const unwrapLayers = () => layers.forEach((l, i) => Object.assign(l, originals[i]));
  const K = /** @type {Record<string, any>} */ (engine.runtime.kernels.f32);
  const rawKernels = { ...K };
  const wrapKernels = () => {
    for (const [name, f] of Object.entries(rawKernels)) {
      if (typeof f !== "function" || name.endsWith("Workspace")) continue;
      K[name] = (/** @type {any[]} */ ...a) => {
        const t = now();
        const r = f(...a);
        const dt = now() - t, key = `${part}\u0000${name}`;
        kacc[key] = (kacc[key] ?? 0) + dt;
        kcalls[key] = (kcalls[key] ?? 0) + 1;
        return r;
      };
    }
  };
  const unwrapKernels = () => Object.assign(K, rawKernels);

  for (let i = 0; i < 40; i++) step(); // V8 tiers the wasm up to TurboFan
  /** @type {number[]} */
  const plain = [];
  /** @type {Record<string, number>[]} */
  const partRounds = [];
  /** @type {Record<string, number>[]} */
  const kernelRounds = [];
  /** @type {Record<string, number>[]} */
  const kernelPartRounds = [];
  /** @type {Record<string, number>[]} */
  const jsRounds = [];
  /** @type {Record<string, number>} */
  let callsPerStep = {};
  for (let r = 0; r < rounds; r++) {
    const t = now();
    for (let i = 0; i < stepsPerRound; i++) step();
    plain.push((now() - t) / stepsPerRound);

    wrapLayers();
    acc = {};
    for (let i = 0; i < stepsPerRound; i++) instrumented();
    partRounds.push(Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v / stepsPerRound])));

    wrapKernels();
    acc = {}, kacc = {}, kcalls = {};
    for (let i = 0; i < stepsPerRound; i++) instrumented();
    unwrapKernels();
    unwrapLayers();
    /** @type {Record<string, number>} */
    const byPart = {};
    for (const [key, v] of Object.entries(kacc)) {
      byPart[key.split("\u0000")[0]] = (byPart[key.split("\u0000")[0]] ?? 0) + v;
    }
    kernelPartRounds.push(Object.fromEntries(Object.entries(byPart).map(([k, v]) => [k, v / stepsPerRound])));
    // JavaScript around the kernels: the part's time minus its kernels' time, in the same steps.
    const js = Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, (v - (byPart[k] ?? 0)) / stepsPerRound]));
    js.step = (acc.step - Object.values(byPart).reduce((a, b) => a + b, 0)) / stepsPerRound;
    jsRounds.push(js);
    kernelRounds.push(Object.fromEntries(Object.entries(kacc).map(([k, v]) => [k, v / stepsPerRound])));
    callsPerStep = Object.fromEntries(Object.entries(kcalls).map(([k, v]) => [k, v / stepsPerRound]));
  }

  const best = (/** @type {Record<string, number>[]} */ rs, /** @type {string} */ k) =>
    Math.min(...rs.map((r) => r[k] ?? 0));
  const stepMs = best(partRounds, "step");
  const parts = Object.fromEntries(
    Object.keys(work).concat(["scope enter", "scope exit"]).map((k) => [k, best(partRounds, k)]),
  );
  parts.other = Math.max(0, stepMs - Object.values(parts).reduce((a, b) => a + b, 0));
  const plainBest = Math.min(...plain), plainMed = median(plain);

  const f = (/** @type {number} */ v, d = 2) => v.toFixed(d);
  const rows = partNames.map((name) => {
    const ms = parts[name], w = work[name] ?? { what: "" };
    const kms = best(kernelPartRounds, name);
    return [
      name,
      f(ms, 3),
      f((100 * ms) / stepMs, 1) + "%",
      w.flops ? f(w.flops / 1e6, 1) : "",
      w.flops && ms > 0 ? f(w.flops / ms / 1e6, 1) : "",
      w.bytes && ms > 0 ? f(w.bytes / ms / 1e6, 1) : "",
      kms ? f(kms, 3) : "",
      kms ? f(Math.max(0, best(jsRounds, name)), 3) : "",
      w.what,
    ];
  });
  const forwardFlops = conv1 + conv2 + fc1 + fc2;
  const totalFlops = train ? 3 * forwardFlops - conv1 : forwardFlops;
  const kernelTotal = Object.values(kernelPartRounds.at(-1) ?? {}).length
    ? partNames.reduce((a, n) => a + best(kernelPartRounds, n), 0)
    : 0;
  rows.push([
    train ? "step (instrumented)" : "forward (instrumented)",
    f(stepMs, 3),
    "100%",
    f(totalFlops / 1e6, 1),
    f(totalFlops / stepMs / 1e6, 1),
    "",
    f(kernelTotal, 3),
    f(best(jsRounds, "step"), 3),
    `${f((BATCH * 1000) / stepMs, 0)} samples/s`,
  ]);
  const head = ["part", "ms", "% step", "MFLOP", "GFLOP/s", "GB/s", "kernel ms", "JS ms", "what"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ c) =>
    `| ${c.map((v, i) => (i === 0 || i === c.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(" | ")} |`;
  log(
    `\nLeNet-5 ${train ? "training step" : "inference"}, batch ${BATCH}${
      train ? ", Adam" : ""
    }, simdnn ${engine.build} build, ${runtime}, ` +
      `${rounds} rounds × ${stepsPerRound} steps per pass, minima over rounds`,
  );
  log(
    `plain ${train ? "step" : "forward"}: best ${f(plainBest, 3)} ms (${
      f((BATCH * 1000) / plainBest, 0)
    } samples/s), median ${f(plainMed, 3)} ms (${f((BATCH * 1000) / plainMed, 0)} samples/s), ${
      f(totalFlops / plainBest / 1e6, 1)
    } GFLOP/s at best\n`,
  );
  log(line(head));
  const left = (/** @type {number} */ i) => i === 0 || i === widths.length - 1;
  log(`|${widths.map((w, i) => (left(i) ? ":" : "-") + "-".repeat(w) + (left(i) ? "-" : ":")).join("|")}|`);
  for (const r of rows) log(line(r));

  // Kernel-level detail: every (part, kernel) pair, by time.
  const keys = Object.keys(kernelRounds.at(-1) ?? {});
  const krows = keys.map((k) => {
    const [p, kn] = k.split("\u0000");
    return { p, kn, ms: best(kernelRounds, k), calls: callsPerStep[k] ?? 0 };
  }).sort((a, b) => b.ms - a.ms);
  log(`\nkernel calls per step (wasm time only, minimum over rounds):`);
  log(`| part | kernel | calls | ms | % step |\n|:--|:--|--:|--:|--:|`);
  for (const r of krows) {
    log(`| ${r.p} | ${r.kn} | ${f(r.calls, 0)} | ${f(r.ms, 3)} | ${f((100 * r.ms) / stepMs, 1)}% |`);
  }
  model.dispose();
  adam.dispose();
  x.dispose();
  labels.dispose();
}
