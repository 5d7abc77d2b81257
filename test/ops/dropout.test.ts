// Dropout and its random generator: Philox4x32-10 against the Random123 known-answer vectors
// and a plain-JS BigInt reference (which is runtime-independent, so every runtime matching it
// is every runtime giving the same bits), uniforms over split ranges, the mask as the uniforms
// below 1 − p, kept fractions within binomial bounds, exact outputs and gradients, PyTorch's
// p = 0 and p = 1, reproducibility across seeds, builds, dtypes and engines, and bad input.
import { describe, expect, it } from "vitest";
import { load } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { randomArray } from "../_util/reference.ts";

const M0 = 0xd2511f53n, M1 = 0xcd9e8d57n, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1), straight from the algorithm's definition. */
function philoxRef(ctr: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = ctr.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * BigInt(c0), p1 = M1 * BigInt(c2);
    const hi0 = Number(p0 >> 32n), lo0 = Number(p0 & 0xffffffffn);
    const hi1 = Number(p1 >> 32n), lo1 = Number(p1 & 0xffffffffn);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** Word e of the stream of `seed` (substream `sub`): word e & 3 of block e >> 2. */
function streamWord(seed: number, e: number, sub = 0): number {
  const block = Math.floor(e / 4);
  const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
  return philoxRef([block % 2 ** 32, Math.floor(block / 2 ** 32), sub, 0], key)[e % 4];
}

// Random123's kat_vectors for philox4x32 with 10 rounds: counter, key, result.
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [
    0x408f276d,
    0x41c83b0e,
    0xa20bc7c6,
    0x6d5451fd,
  ]],
  [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [
    0xd16cfe09,
    0x94fdcceb,
    0x5001e420,
    0x24126ea1,
  ]],
];

const DTYPES = ["float32", "float64"] as const;
const u24 = (w: number) => w >>> 8;

for (const build of builds()) {
  describe(`random and dropout (${build} build)`, () => {
    it("Philox4x32-10 gives the Random123 known answers and the reference's blocks across a counter carry", async () => {
      const e = await engineFor(build);
      const rt = e.runtime;
      e.scope(() => {
        const out = e.zeros([4 * 9], "int32");
        for (const [ctr, key, want] of KAT) {
          expect(philoxRef(ctr, key)).toEqual(want);
          rt.kernels.philoxBlocks(key[0] | 0, key[1] | 0, ctr[0] | 0, ctr[1] | 0, ctr[2] | 0, ctr[3] | 0, 1, out.ptr);
          expect(Array.from(out.data.slice(0, 4), (v) => v >>> 0)).toEqual(want);
        }
        // 9 blocks from c0 = 2^32 − 5: the low word wraps and carries into c1, from any lane.
        rt.kernels.philoxBlocks(0x1234, 0x5678, -5, 7, 3, 9, 9, out.ptr);
        const want = Array.from({ length: 9 }, (_, j) => {
          const lo = (0xfffffffb + j) % 2 ** 32;
          return philoxRef([lo, 7 + (0xfffffffb + j >= 2 ** 32 ? 1 : 0), 3, 9], [0x1234, 0x5678]);
        }).flat();
        expect(Array.from(out.data, (v) => v >>> 0)).toEqual(want);
      });
    });

    for (const dtype of DTYPES) {
      it(`${dtype} uniforms: the reference's values in [0, 1) at any range, split or whole`, async () => {
        const e = await engineFor(build);
        const K = e.runtime.kernelsFor(dtype);
        e.scope(() => {
          const seed = 2 ** 40 + 977, k0 = seed % 2 ** 32 | 0, k1 = Math.floor(seed / 2 ** 32);
          const whole = e.zeros([150], dtype), a = e.zeros([37], dtype), b = e.zeros([113], dtype);
          const start = 2 ** 32 * 3 + 5; // an element offset past 2^32 and off the 16-element groups
          const lo = start % 2 ** 32, hi = Math.floor(start / 2 ** 32);
          // The whole range with the static Philox buffer, the pieces with a scratch of their own.
          const buf = e.zeros([32], "float32").ptr;
          K.randomUniform(k0, k1, lo, hi, 150, whole.ptr, 0);
          K.randomUniform(k0, k1, lo, hi, 37, a.ptr, buf);
          K.randomUniform(k0, k1, lo + 37, hi, 113, b.ptr, buf);
          expect([...a.data, ...b.data]).toEqual(Array.from(whole.data));
          const want = Array.from({ length: 150 }, (_, i) => {
            const w = streamWord(seed, start + i);
            if (dtype === "float32") return u24(w) * 2 ** -24;
            return u24(w) * 2 ** -24 + (streamWord(seed, start + i, 1) >>> 3) * 2 ** -53;
          });
          expect(Array.from(whole.data)).toEqual(want);
          expect(Array.from(whole.data).every((v) => v >= 0 && v < 1)).toBe(true);
        });
      });

      it(`${dtype}: the mask is u < 1 − p (the stream's top 24 bits), y = x·mask·s exactly, dx = dy·mask·s`, async () => {
        const e = await engineFor(build);
        e.scope(() => {
          for (const p of [0.3, 0.5, 0.75, 0.01]) {
            const n = 1003, seed = 12345;
            const x = e.tensor(randomArray(n, 3).map((v) => v * 10), [17, 59], dtype);
            const { y, mask } = e.dropout(x, p, { seed });
            const thr = Math.ceil((1 - p) * 2 ** 24);
            const want = Array.from({ length: n }, (_, i) => (u24(streamWord(seed, i)) < thr ? 1 : 0));
            expect(Array.from(mask.data)).toEqual(want);
            expect(y.shape).toEqual([17, 59]);
            expect(mask.dtype).toBe(dtype);
            const round = dtype === "float32" ? Math.fround : (v: number) => v;
            const s = round(1 / (1 - p));
            expect(Array.from(y.data)).toEqual(Array.from(x.data, (v, i) => round(v * (want[i] * s))));
            const dy = e.tensor(randomArray(n, 4), [17, 59], dtype);
            const dx = e.dropoutBackward(dy, mask, p);
            expect(Array.from(dx.data)).toEqual(Array.from(dy.data, (v, i) => round(v * want[i] * s)));
          }
        });
      });
    }

    it("kept fractions within binomial bounds for p = 0.1, 0.5, 0.9 on 10^5 elements", async () => {
      const e = await engineFor(build);
      const n = 100_000;
      for (const p of [0.1, 0.5, 0.9]) {
        e.scope(() => {
          const { mask } = e.dropout(e.ones([n]), p); // the engine stream
          let kept = 0;
          for (const v of mask.data) {
            if (v !== 0 && v !== 1) throw new Error(`mask value ${v}`);
            kept += v;
          }
          // 5 standard deviations: a false failure has probability below 1e-6.
          expect(Math.abs(kept - n * (1 - p))).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
        });
      }
    });

    it("p = 0 keeps everything, p = 1 gives x·0 (zeros; NaN stays NaN), eval copies x with a mask of ones", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const dtype of DTYPES) {
          const vals = [1.5, -2, 0, NaN, Infinity, 3e-40, 7];
          const x = e.tensor(vals, undefined, dtype);
          const keep = e.dropout(x, 0, { seed: 3 });
          expect(Array.from(keep.y.data)).toEqual(Array.from(x.data));
          expect(Array.from(keep.mask.data)).toEqual(vals.map(() => 1));
          const drop = e.dropout(x, 1, { seed: 3 });
          expect(Array.from(drop.y.data)).toEqual([0, -0, 0, NaN, NaN, 0, 0]);
          expect(Array.from(drop.mask.data)).toEqual(vals.map(() => 0));
          expect(Array.from(e.dropoutBackward(x, drop.mask, 1).data)).toEqual([0, -0, 0, NaN, NaN, 0, 0]);
          expect(Array.from(e.dropoutBackward(x, keep.mask, 0).data)).toEqual(Array.from(x.data));
          const ev = e.dropout(x, 0.5, { training: false });
          expect(Array.from(ev.y.data)).toEqual(Array.from(x.data));
          expect(ev.y.storage).not.toBe(x.storage);
          expect(Array.from(ev.mask.data)).toEqual(vals.map(() => 1));
          expect(e.dropout(e.zeros([0, 3], dtype), 0.5).y.shape).toEqual([0, 3]);
        }
      });
    });

    it("reproducible: a seed gives one mask in every build and dtype; seeds differ; unseeded calls advance", async () => {
      const masks = async (b: "baseline" | "relaxed") => {
        const e = await load({ simd: b });
        const m = (dtype: (typeof DTYPES)[number], opts: object, p = 0.5) =>
          Array.from(e.dropout(e.ones([999], dtype), p, opts).mask.data);
        const r = {
          seeded: DTYPES.map((d) => m(d, { seed: 42 })),
          seeds: [m("float32", { seed: 0 }), m("float32", { seed: 1 }), m("float32", { seed: 2 ** 32 })],
          unseeded: [m("float32", {}), m("float32", { training: false }), m("float32", {}), m("float64", {})],
        };
        return r;
      };
      const a = await masks(build);
      expect(a.seeded[0]).toEqual(a.seeded[1]); // float32 and float64
      expect(a.seeded[0]).toEqual(Array.from({ length: 999 }, (_, i) => (u24(streamWord(42, i)) < 2 ** 23 ? 1 : 0)));
      const differ = (u: number[], v: number[]) => u.some((x, i) => x !== v[i]);
      expect(differ(a.seeds[0], a.seeds[1]) && differ(a.seeds[0], a.seeds[2]) && differ(a.seeds[1], a.seeds[2]))
        .toBe(true);
      const [u1, evalOnes, u2, u3] = a.unseeded;
      expect(evalOnes.every((v) => v === 1)).toBe(true);
      expect(differ(u1, u2) && differ(u2, u3) && differ(u1, a.seeded[0])).toBe(true);
      // A fresh engine of either build repeats the same sequence (eval calls draw nothing).
      for (const b of builds()) expect(await masks(b)).toEqual(a);
    });

    it("bad input: clear errors before any kernel runs, nothing allocated", async () => {
      const e = await load({ simd: build });
      const x = e.tensor([1, 2, 3]), m = e.tensor([1, 0, 1]);
      const before = e.memoryStats();
      const D = "Cannot run dropout as";
      expect(() => e.dropout(x, 1.5)).toThrow(`${D} 'p' must be a number in [0, 1]: current value is 1.5`);
      expect(() => e.dropout(x, -0.1)).toThrow(`${D} 'p' must be a number in [0, 1]: current value is -0.1`);
      expect(() => e.dropout(x, NaN)).toThrow(`${D} 'p' must be a number in [0, 1]: current value is NaN`);
      expect(() => e.dropout(x, "0.5" as never)).toThrow(`${D} 'p' must be a number in [0, 1]: current value is "0.5"`);
      expect(() => e.dropout(x, 0.5, { seed: -1 })).toThrow(
        `${D} 'seed' must be an integer in [0, 2^53): current value is -1`,
      );
      expect(() => e.dropout(x, 0.5, { seed: 1.5 })).toThrow(`${D} 'seed' must be an integer in [0, 2^53)`);
      expect(() => e.dropout(x, 0.5, { seed: 2 ** 53 })).toThrow(`${D} 'seed' must be an integer in [0, 2^53)`);
      expect(() => e.dropout(x, 0.5, { training: 1 } as never)).toThrow(`${D} 'training' must be a boolean`);
      expect(() => e.dropout(x, 0.5, { train: false } as never)).toThrow(`${D} 'options' has an unknown key 'train'`);
      const xi = e.tensor([1, 2], [2], "int32");
      expect(() => e.dropout(xi, 0.5)).toThrow(
        `${D} 'x' must have dtype float32 or float64: current dtype is int32 with shape [2]`,
      );
      const B = "Cannot run dropoutBackward as";
      expect(() => e.dropoutBackward(x, e.view(m, 0, [2]), 0.5)).toThrow(
        `${B} 'mask' must have the shape of 'dy': 'mask' is [2], 'dy' is [3]`,
      );
      expect(() => e.dropoutBackward(x, e.ones([3], "float64"), 0.5)).toThrow(
        `${B} 'mask' must have the dtype of 'dy' (float32): current dtype is float64`,
      );
      expect(() => e.dropoutBackward(x, m, 2)).toThrow(`${B} 'p' must be a number in [0, 1]: current value is 2`);
      const after = e.memoryStats();
      // xi, the view and the float64 ones are the only new tensors.
      expect(after.tensorsLive).toBe(before.tensorsLive + 3);
      expect(after.bytesLive).toBe(before.bytesLive + 2 * 64);
      // No draw happened: the engine stream starts where a fresh engine's does.
      const fresh = await load({ simd: build });
      expect(Array.from(e.dropout(x, 0.5).mask.data)).toEqual(
        Array.from(fresh.dropout(fresh.tensor([1, 2, 3]), 0.5).mask.data),
      );
    });
  });
}
