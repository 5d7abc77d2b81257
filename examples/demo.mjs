// The main job for now: load the engine, print the build it chose, run a GEMM.
// Runs unchanged under Node (`node examples/demo.mjs`) and Deno (`deno run examples/demo.mjs`).
import { load } from "simdnn";

const engine = await load();
console.log(`simdnn engine loaded: ${engine.build} build`);

// A deterministic 256×256 GEMM, timed, plus a checksum anyone can compare across runtimes.
const n = 256;
const a = engine.tensor([n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5));
const b = engine.tensor([n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5));
engine.matmul(a, b).dispose(); // warm-up
const reps = 20;
const t0 = performance.now();
let c;
for (let r = 0; r < reps; r++) {
  c?.dispose();
  c = engine.matmul(a, b);
}
const ms = (performance.now() - t0) / reps;
let sum = 0;
for (const v of c.data) sum += v;
console.log(`matmul ${n}×${n}×${n}: ${ms.toFixed(3)} ms, ${(2 * n ** 3 / ms / 1e6).toFixed(1)} GFLOP/s, checksum ${sum.toFixed(6)}`);
console.log(`C[0, 0..3] = ${Array.from(c.data.subarray(0, 4), (v) => v.toFixed(6)).join(", ")}`);
