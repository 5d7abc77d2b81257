/**
 * Where linear's few-rows path (`linearRows`: x's and w's rows read in place as dot products)
 * stops beating the packed GEMM (which repacks w on every call), per batch size n, for a few
 * layer shapes, both dtypes; one thread, the kernels called directly (no op overhead), the two
 * alternated in short rounds so the shared machine's drift hits both alike:
 *
 *   node bench/linear-rows.mjs [--build=baseline|relaxed] [--n=1,2,3,4,6,8,12,16] [--rounds=7] [--ms=40]
 *   node --experimental-wasm-relaxed-simd bench/linear-rows.mjs --build=relaxed
 *
 * Prints best µs per call of each path and rows' speed as a multiple of the GEMM's.
 *
 * @module
 */
import { load } from "simdnn";
import { timed } from "./measure.mjs";

const argv = process.argv.slice(2);
/** @param {string} name @param {string} dflt */
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const simd = opt("build", "baseline");
const ns = opt("n", "1,2,3,4,6,8,12,16").split(",").map(Number);
const rounds = Number(opt("rounds", "7")), roundMs = Number(opt("ms", "40"));
/** [in, out]: LeNet-5's fc1 and fc2, and square and wide layers around the L2 size. */
const shapes = [[2450, 500], [500, 10], [256, 256], [512, 512], [1024, 1024], [4096, 1000]];

const e = await load({ simd: /** @type {any} */ (simd), threads: 1, warmup: false });
console.log(
  `linearRows vs packed GEMM, ${e.build} build, ${process.version}, best of ${rounds} rounds × ${roundMs} ms`,
);
console.log("| dtype | in × out | n | rows µs | GEMM µs | rows speed |");
console.log("|:--|:--|--:|--:|--:|--:|");
for (const dtype of /** @type {const} */ (["float32", "float64"])) {
  const K = e.runtime.kernelsFor(dtype);
  for (const [k, m] of shapes) {
    for (const n of ns) {
      e.scope(() => {
        const rnd = (/** @type {number} */ len) => Float64Array.from({ length: len }, () => Math.random() - 0.5);
        const x = e.tensor(rnd(n * k), [n, k], dtype), w = e.tensor(rnd(m * k), [m, k], dtype);
        const b = e.tensor(rnd(m), [m], dtype), y = e.zeros([n, m], dtype);
        const work = e.zeros([Math.ceil(K.gemmWorkspace(n, m, k) / 8) + 2], "float64");
        const wp = (work.ptr + 15) & ~15;
        const rows = () => K.linearRows(n, m, k, 0, m, x.ptr, w.ptr, b.ptr, y.ptr);
        // As linear's GEMM path: the bias rows first, then y += x·wᵀ.
        const gemm = () => {
          const out = y.data, bias = b.data;
          for (let i = 0; i < n; i++) out.set(bias, i * m);
          K.gemm(1, n, m, k, x.ptr, k, 1, 0, w.ptr, 1, k, 0, y.ptr, m, 0, wp, 1);
        };
        const runs = [rows, gemm];
        for (const r of runs) timed(r, 60);
        const best = [Infinity, Infinity];
        for (let i = 0; i < rounds; i++) {
          for (const j of i % 2 ? [1, 0] : [0, 1]) best[j] = Math.min(best[j], timed(runs[j], roundMs));
        }
        const [r, g] = best.map((t) => t * 1000);
        console.log(`| ${dtype} | ${k} × ${m} | ${n} | ${r.toFixed(1)} | ${g.toFixed(1)} | ${(g / r).toFixed(2)}× |`);
      });
    }
  }
}
