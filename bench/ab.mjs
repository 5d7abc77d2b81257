/**
 * A/B comparison of two wasm builds of simdnn in one Node process, for kernel work:
 *
 *   cp build/baseline.wasm build/a-baseline.wasm   # before the change
 *   npm run build                                  # after it
 *   node bench/ab.mjs build/a-baseline.wasm build/baseline.wasm --filter=dw128
 *
 * Each matching case runs on an engine of each module, alternating A and B in short rounds,
 * so drift in the shared machine's speed hits both alike; prints best and median ms per build
 * and B's speed as a multiple of A's. Options: --filter=a,b (as `npm run bench`), --rounds=N
 * (default 15), --ms=N per round (default 100).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { load as loadDist, nn } from "../dist/mod.js";
import { cases } from "./cases/index.mjs";
import { asRunner } from "./harness.mjs";
import { median, timed } from "./measure.mjs";

// dist/ is the built src/: the cases' types name src's Engine.
const load =
  /** @type {(o: { module: WebAssembly.Module, threads: number }) => Promise<import("../src/mod.ts").Engine>} */ (/** @type {unknown} */ (loadDist));

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("--"));
/** @param {string} name @param {string} dflt */
const opt = (name, dflt) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
if (files.length !== 2) {
  console.error("usage: node bench/ab.mjs A.wasm B.wasm [--filter=a,b] [--rounds=N] [--ms=N]");
  process.exit(2);
}
const filters = opt("filter", "").toLowerCase().split(",").filter(Boolean);
const rounds = Number(opt("rounds", "15")), roundMs = Number(opt("ms", "100"));
const engines = await Promise.all(
  files.map((f) => load({ module: new WebAssembly.Module(readFileSync(f)), threads: 1 })),
);
const chosen = cases.filter((c) => filters.length === 0 || filters.some((f) => c.name.toLowerCase().includes(f)));

console.log(
  `A = ${files[0]} (${engines[0].build}), B = ${files[1]} (${
    engines[1].build
  }); ${rounds} rounds of ${roundMs} ms each`,
);
for (const c of chosen) {
  const runners = await Promise.all(
    engines.map(async (e) => asRunner(await c.setup(e, { nn: /** @type {any} */ (nn) }))),
  );
  for (const r of runners) timed(r.run, 300); // warm-up: tier up to TurboFan
  /** @type {number[][]} */
  const ms = [[], []];
  for (let i = 0; i < rounds; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) ms[k].push(timed(runners[k].run, roundMs));
  }
  for (const r of runners) r.dispose?.();
  const [a, b] = ms.map((m) => Math.min(...m));
  const gf = (/** @type {number} */ t) => (c.flops / t / 1e6).toFixed(1);
  console.log(
    `${c.name.padEnd(42)} A ${a.toFixed(3)} ms (${gf(a)} GFLOP/s, median ${median(ms[0]).toFixed(3)})  ` +
      `B ${b.toFixed(3)} ms (${gf(b)}, median ${median(ms[1]).toFixed(3)})  B/A speed ${(a / b).toFixed(2)}×`,
  );
}
