/**
 * The measured per-core SIMD peak of one engine's build: the best of two memory-fed
 * multiply-add probes compiled into the wasm (assembly/peak/peak.ts). Baseline builds
 * issue mul+add, relaxed builds fused multiply-add, so each build gets its own peak.
 *
 * @module
 */
import { measure } from "./measure.mjs";

const BYTES = 4096; // L1-resident: the probes measure arithmetic throughput, not memory
const ITERS = 1 << 18; // ~1 ms per call; measure() loops calls up to its repetition length

/**
 * @typedef {object} Peak
 * @property {number} gflops max(madd10, madd12): the figure GEMM results are a fraction of.
 * @property {number} madd10 GFLOP/s of the 10-accumulator probe.
 * @property {number} madd12 GFLOP/s of the 12-accumulator probe (the GEMM tile's instruction mix).
 * @property {number} copyGBps GB/s of a vector copy of 4 MiB into another 4 MiB (bytes read + written):
 *   the bandwidth the memory-bound cases (pooling, activations, batch norm) are a fraction of.
 */

/**
 * @param {import("../src/mod.ts").Engine} engine
 * @param {import("./measure.mjs").TimingOptions} timing
 * @returns {Promise<Peak>}
 */
export async function measurePeak(engine, timing) {
  const rt = engine.runtime;
  const ptr = rt.allocScratch("bench", BYTES);
  try {
    // Small normal floats: denormals would slow the FPU, large ones could overflow.
    const buf = new Float32Array(rt.memory.buffer, ptr, BYTES / 4);
    for (let i = 0; i < buf.length; i++) buf[i] = 1e-3 * (1 + (i % 13));
    /** @type {Record<string, number>} */
    const probes = {};
    for (const acc of [10, 12]) {
      const probe = acc === 10 ? rt.kernels.f32.peakMadd10 : rt.kernels.f32.peakMadd12;
      const t = await measure(() => probe(ITERS, ptr, BYTES), timing);
      probes[`madd${acc}`] = (ITERS * acc * 2 * 4) / t.bestMs / 1e6;
    }
    // 4 MiB each way, as a 1M-element f32 op streams: past the L2, as the memory-bound cases are.
    const copyBytes = 4 << 20;
    const src = rt.allocScratch("bench", copyBytes), dst = rt.allocScratch("bench", copyBytes);
    let copyGBps = 0;
    try {
      new Float32Array(rt.memory.buffer, src, copyBytes / 4).fill(1);
      const t = await measure(() => rt.kernels.f32.peakCopy(dst, src, copyBytes), timing);
      copyGBps = (2 * copyBytes) / t.bestMs / 1e6;
    } finally {
      rt.freeScratch(dst);
      rt.freeScratch(src);
    }
    return { gflops: Math.max(probes.madd10, probes.madd12), madd10: probes.madd10, madd12: probes.madd12, copyGBps };
  } finally {
    rt.freeScratch(ptr);
  }
}
