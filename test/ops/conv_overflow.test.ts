// Geometries whose sizes and offsets pass 2^31 or 2^32 somewhere (huge padding, stride or
// dilation on tiny tensors, a 2^20-tap kernel): each gives PyTorch's result or a clear error,
// with small scratch, nothing leaked and nothing outside the call's own buffers written (a
// live neighbour, allocated just past a hole the call's buffers fall into, is checked).
import { describe, expect, it } from "vitest";
import { type Engine, load, type Tensor } from "../../src/mod.ts";
import { createRuntime } from "../../src/engine/runtime.ts";
import { writeConvGeom } from "../../src/engine/kernels.ts";
import type { ConvGeometry } from "../../src/ops/_conv_args.ts";
import { builds } from "../_util/engines.ts";
import { rng } from "../_util/reference.ts";

const DTYPES = ["float32", "float64"] as const;

/**
 * Scratch of a tiny problem, whatever its padding or stride: the weight gradient's panels are
 * sized for a depth block of 1024 positions (32 KiB f32, 64 KiB f64 at one output channel).
 */
const SMALL = 80 * 1024;

/**
 * Runs `body` in a fresh engine with a live neighbour tensor just past a 1 MiB hole (where the
 * call's outputs and scratch go); afterwards checks the neighbour, that nothing is left live,
 * and that the call's peak memory stayed under `maxScratch` beyond its tensors.
 */
async function guarded(build: "baseline" | "relaxed", body: (e: Engine) => void): Promise<void> {
  const e = await load({ simd: build });
  const hole = e.zeros([1 << 18]);
  const pattern = Float32Array.from({ length: 4096 }, (_, i) => i + 0.5);
  const neighbour = e.tensor(pattern, [4096]);
  hole.dispose();
  const before = e.memoryStats();
  body(e);
  const after = e.memoryStats();
  expect({ tensorsLive: after.tensorsLive, bytesLive: after.bytesLive }).toEqual({
    tensorsLive: before.tensorsLive,
    bytesLive: before.bytesLive,
  });
  expect(Array.from(neighbour.data)).toEqual(Array.from(pattern));
}

/** Values of t, then disposes it. */
function take(t: Tensor | null): number[] {
  const v = Array.from(t!.data as Float32Array | Float64Array);
  t!.dispose();
  return v;
}

/** Peak bytes of `fn` beyond the bytes live before it (its outputs and scratch). */
function peakOf(e: Engine, fn: () => void): number {
  const base = e.memoryStats().bytesLive;
  e.resetPeakMemory();
  fn();
  return e.memoryStats().bytesPeak - base;
}

for (const build of builds()) {
  describe(`conv sizes past 2^31 (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: depthwise dilation 2^30 with padding 2^30 reads the padding, not x twice`, async () => {
        await guarded(build, (e) => {
          const x = e.tensor([1, 2], [1, 2, 1, 1], dtype), w = e.tensor([3, 4, 5, 6], [2, 1, 1, 2], dtype);
          const opts = { groups: 2, dilation: [1, 2 ** 30], padding: [[0, 0], [2 ** 30, 0]] } as const;
          // Tap 0 falls 2^30 columns into the padding; tap 1 reads x: 4·1, 6·2 (PyTorch's [4, 12]).
          expect(take(e.conv2d(x, w, null, opts))).toEqual([4, 12]);
          const dy = e.tensor([1, 10], [1, 2, 1, 1], dtype);
          const g = e.conv2dBackward(dy, x, w, opts);
          expect(take(g.dx)).toEqual([4, 60]);
          expect(take(g.dw)).toEqual([0, 1, 0, 20]);
          expect(take(g.db)).toEqual([1, 10]);
          for (const t of [x, w, dy]) t.dispose();
        });
      });

      for (const [pad, stride] of [[12000, 24000], [5000, 10000]]) {
        it(`${dtype}: depthwise padding ${pad}, stride ${stride}: a 2×2 output of zeros with small scratch`, async () => {
          await guarded(build, (e) => {
            const x = e.tensor([1, 2], [1, 2, 1, 1], dtype), w = e.tensor([3, 4], [2, 1, 1, 1], dtype);
            const opts = { groups: 2, padding: pad, stride };
            // Windows at 0 and `stride` of a padded extent 2·pad + 1: x sits at pad, between them.
            let y: Tensor | null = null;
            expect(peakOf(e, () => (y = e.conv2d(x, w, null, opts)))).toBeLessThan(SMALL);
            expect(y!.shape).toEqual([1, 2, 2, 2]);
            expect(take(y)).toEqual(new Array(8).fill(0));
            const dy = e.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2], dtype);
            let g: ReturnType<Engine["conv2dBackward"]> | null = null;
            expect(peakOf(e, () => (g = e.conv2dBackward(dy, x, w, opts)))).toBeLessThan(SMALL);
            expect(take(g!.dx)).toEqual([0, 0]);
            expect(take(g!.dw)).toEqual([0, 0]);
            expect(take(g!.db)).toEqual([10, 26]);
            // The transposed convolution of the same geometry: x [1, 2, 2, 2] → 2·stride − 2·pad − 1 + 1.
            const t = e.convTranspose2d(dy, w, null, opts);
            const side = stride - 2 * pad + 1;
            expect(t.shape).toEqual([1, 2, side, side]);
            // Input (i, j) lands at (i·stride − pad, j·stride − pad): all outside but for none.
            expect(take(t).every((v) => v === 0)).toBe(true);
            for (const v of [x, w, dy]) v.dispose();
          });
        });
      }

      // The tap table of 512 positions would take 33 bytes (f32; 17 for f64) per tap and position
      // panel: 2.2 GB for 2^20 taps, wrapped to a negative size. f64 runs 2^18 taps (still past one
      // table budget per panel) and in one build only: the same code, slow for a test.
      const K = dtype === "float32" ? 2 ** 20 : 2 ** 18;
      if (dtype === "float32" || build === "baseline") {
        it(`${dtype}: conv1d with a ${K}-tap kernel (${K * 4 / 2 ** 20} MiB of f32), forward, dx and dw`, async () => {
          await guarded(build, (e) => {
            const L = K + 511, P = 512;
            // Values in {−1, 0, 1}: every partial sum is an integer below 2^21, exact in f32.
            const r = rng(7);
            const xv = Float64Array.from({ length: L }, () => Math.floor(r() * 3) - 1);
            const wv = Float64Array.from({ length: K }, () => Math.floor(r() * 3) - 1);
            const dyv = Float64Array.from({ length: P }, () => Math.floor(r() * 3) - 1);
            const x = e.tensor(xv, [1, 1, L], dtype), w = e.tensor(wv, [1, 1, K], dtype);
            const dy = e.tensor(dyv, [1, 1, P], dtype);
            const y = e.conv1d(x, w);
            expect(y.shape).toEqual([1, 1, P]);
            const yv = take(y);
            for (const j of [0, 1, 77, 300, 510, 511]) {
              let s = 0;
              for (let t = 0; t < K; t++) s += wv[t] * xv[j + t];
              expect(yv[j]).toBe(s);
            }
            const g = e.conv1dBackward(dy, x, w);
            const dx = take(g.dx), dw = take(g.dw);
            // dx[i] = Σ_j dy[j]·w[i − j]; dw[t] = Σ_j dy[j]·x[j + t].
            for (const i of [0, 5, 511, 512, 4096, K - 1, K, L - 1]) {
              let s = 0;
              for (let j = 0; j < P; j++) if (i - j >= 0 && i - j < K) s += dyv[j] * wv[i - j];
              expect(dx[i]).toBe(s);
            }
            for (const t of [0, 1, 1000, K / 2, K - 1]) {
              let s = 0;
              for (let j = 0; j < P; j++) s += dyv[j] * xv[j + t];
              expect(dw[t]).toBe(s);
            }
            expect(take(g.db)).toEqual([dyv.reduce((a, b) => a + b, 0)]);
            for (const v of [x, w, dy]) v.dispose();
          });
        });
      }

      it(`${dtype}: convTranspose1d with stride 2^30 − 2 cropped by padding 2^30 − 3 (coordinates near 2^31)`, async () => {
        await guarded(build, (e) => {
          // x [1, 1, 3], w [1, 1, 2]: uncropped output 2·s + 2 = 2^31 − 2, cropped to its 4 positions
          // s − 1 .. s + 2, where x[1] lands (x[2] lands at 2s, 2^31 − 4).
          const s = 2 ** 30 - 2, p = 2 ** 30 - 3;
          const x = e.tensor([1, 2, 3], [1, 1, 3], dtype), w = e.tensor([5, 7], [1, 1, 2], dtype);
          const y = e.convTranspose1d(x, w, null, { stride: s, padding: p });
          expect(take(y)).toEqual([0, 10, 14, 0]);
          const dy = e.tensor([1, 2, 3, 4], [1, 1, 4], dtype);
          const g = e.convTranspose1dBackward(dy, x, w, { stride: s, padding: p });
          // dx[i] = Σ_t w[t]·dy[i·s + t − p]: only i = 1 reaches the 4 kept positions.
          expect(take(g.dx)).toEqual([0, 5 * 2 + 7 * 3, 0]);
          expect(take(g.dw)).toEqual([2 * 2, 2 * 3]);
          expect(take(g.db)).toEqual([10]);
          for (const v of [x, w, dy]) v.dispose();
        });
      });
    }

    it("a transposed geometry whose uncropped output passes 2^31 is a clear error", async () => {
      await guarded(build, (e) => {
        const x = e.zeros([1, 1, 3]), w = e.zeros([1, 1, 2]);
        expect(() => e.convTranspose1d(x, w, null, { stride: 2 ** 30 + 1, padding: 2 ** 30 })).toThrowError(
          new Error(
            "Cannot run convTranspose1d as 'x' must give an output below 2^31 along L, before and after the crop by " +
              "padding: (3 − 1)·1073741825 + 1·(2 − 1) + 0 + 1 is 2147483652; 'x' is [1, 1, 3], 'w' is [1, 1, 2]",
          ),
        );
        x.dispose(), w.dispose();
      });
    });

    it("workspace sizes past 2^32 are reported, not wrapped, and are out of memory", async () => {
      const rt = await createRuntime({ simd: build });
      // A 2^29-tap f32 kernel (a 2 GiB weight): the forward packs it into 4-row panels, 8 GiB (and its
      // tap table for one panel of positions takes 33 bytes per tap).
      const g: ConvGeometry = {
        n: 1,
        c: 1,
        o: 1,
        groups: 1,
        input: [1, 1, 2 ** 29],
        kernel: [1, 1, 2 ** 29],
        output: [1, 1, 1],
        stride: [1, 1, 1],
        dilation: [1, 1, 1],
        padBefore: [0, 0, 0],
      };
      const slot = rt.kernels.convGeomSlot();
      writeConvGeom(rt.memory.buffer, slot, g);
      const { f32, f64 } = rt.kernels;
      const fwd = f32.convForwardWorkspace(slot);
      expect(fwd).toBeGreaterThan(2 ** 33);
      expect(f64.convForwardWorkspace(slot)).toBeGreaterThan(2 ** 34);
      expect(f32.convBackwardDataWorkspace(slot)).toBeGreaterThanOrEqual(2 ** 31);
      expect(f64.convBackwardDataWorkspace(slot)).toBeGreaterThanOrEqual(2 ** 32);
      const live = rt.heap.bytesLive;
      expect(() => rt.allocScratch("conv1d", fwd)).toThrow(
        /^Cannot run conv1d as the engine is out of memory: scratch needs \d{11} bytes with \d+ in use and a limit of 4294967296$/,
      );
      expect(rt.heap.bytesLive).toBe(live);
    });
  });
}
