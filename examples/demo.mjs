// The main job for now: load the engine, print the build it chose, run a GEMM.
// The same file runs in Node (`node examples/demo.mjs`), Deno (`deno run examples/demo.mjs`)
// and a browser page (`?simd=baseline` in the URL). Option: `--simd auto|baseline|relaxed`.
import { load } from "simdnn";

function simdOption() {
  const args = globalThis.Deno?.args ?? globalThis.process?.argv?.slice(2) ?? [];
  const i = args.indexOf("--simd");
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith("--simd="));
  if (eq) return eq.slice(7);
  return globalThis.location ? new URLSearchParams(globalThis.location.search).get("simd") ?? "auto" : "auto";
}

const engine = await load({ simd: simdOption() });
console.log(`simdnn engine loaded: ${engine.build} build`);

// A deterministic 256×256 GEMM, timed, plus a checksum to compare across runtimes.
const n = 256;
const a = engine.tensor(Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), [n, n]);
const b = engine.tensor(Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5), [n, n]);
for (let w = 0; w < 20; w++) engine.matmul(a, b).dispose(); // warm-up: lets the wasm tier up
const reps = 50;
const t0 = performance.now();
let c;
for (let r = 0; r < reps; r++) {
  c?.dispose();
  c = engine.matmul(a, b);
}
const ms = (performance.now() - t0) / reps;
let sum = 0;
for (const v of c.data) sum += v;
// FNV-1a over the output's bytes: equal hashes mean bit-identical results.
let h = 0x811c9dc5;
for (const byte of new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength)) {
  h = Math.imul(h ^ byte, 0x01000193) >>> 0;
}
console.log(
  `matmul ${n}×${n}×${n}: ${ms.toFixed(3)} ms, ${(2 * n ** 3 / ms / 1e6).toFixed(1)} GFLOP/s, checksum ${
    sum.toFixed(6)
  }, bytes fnv1a ${h.toString(16).padStart(8, "0")}`,
);
console.log(`C[0, 0..3] = ${Array.from(c.data.subarray(0, 4), (v) => v.toFixed(6)).join(", ")}`);
