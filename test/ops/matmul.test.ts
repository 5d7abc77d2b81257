import { describe, expect, it } from "vitest";
import { builds, engineFor, VARIANTS } from "../_util/engines.ts";
import { checkGemm } from "../_util/gemm_tester.ts";
import { TILES } from "../../src/engine/kernels.ts";

// Tile geometry of assembly/gemm, from the kernel table: MR rows, NR = NV · lanes columns
// (8 f32, 4 f64), blocks of KC depth, MC rows, NC columns. The sweeps below cover every
// remainder up to beyond two tiles, and each blocking boundary on both sides.
const { MR, NV, KC, MC, NC } = TILES;
const DTYPES = ["float32", "float64"] as const;

for (const build of builds()) {
  for (const variant of VARIANTS) {
    describe(`matmul (${build} build, ${variant} microkernel)`, () => {
      for (const dtype of DTYPES) {
        it(`${dtype}: every m 1..${2 * MR + 1} × n 1..${2 * NV * 4 + 1} × k 1..9 tile remainder, all transposes`, async () => {
          const e = await engineFor(build, variant);
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              for (let m = 1; m <= 2 * MR + 1; m++) {
                for (let n = 1; n <= 2 * NV * 4 + 1; n++) {
                  for (const k of [1, 2, 3, 4, 5, 8, 9]) checkGemm(e, { m, n, k, dtype, transA, transB });
                }
              }
            }
          }
        });

        it(`${dtype}: k across the KC = ${KC} block boundary`, async () => {
          const e = await engineFor(build, variant);
          for (const k of [KC - 1, KC, KC + 1, 2 * KC - 1, 2 * KC, 2 * KC + 1]) {
            for (const [m, n] of [[1, 1], [5, 9], [8, 16], [7, 3]]) checkGemm(e, { m, n, k, dtype });
            checkGemm(e, { m: 6, n: 10, k, dtype, transA: true, transB: true });
          }
        });

        it(`${dtype}: m across MC = ${MC} and n across NC = ${NC} blocks`, async () => {
          const e = await engineFor(build, variant);
          for (const m of [MC - 1, MC, MC + 1, 2 * MC + 1]) checkGemm(e, { m, n: 13, k: 7, dtype });
          for (const n of [NC - 1, NC, NC + 1, 2 * NC + 1]) {
            checkGemm(e, { m: 5, n, k: 6, dtype, transB: n === NC + 1 });
          }
          checkGemm(e, { m: MC + 1, n: NC + 3, k: KC + 3, dtype });
          checkGemm(e, { m: 100, n: 100, k: 300, dtype, transA: true });
        });

        it(`${dtype}: square sizes the bench uses`, async () => {
          const e = await engineFor(build, variant);
          for (const s of [64, 128]) checkGemm(e, { m: s, n: s, k: s, dtype });
        });

        it(`${dtype}: batched 3-D with broadcasting`, async () => {
          const e = await engineFor(build, variant);
          checkGemm(e, { m: 5, n: 9, k: 7, batchA: 3, batchB: 3, dtype });
          checkGemm(e, { m: 5, n: 9, k: 7, batchA: 3, dtype });
          checkGemm(e, { m: 5, n: 9, k: 7, batchB: 4, dtype, transA: true });
          checkGemm(e, { m: 4, n: 8, k: 3, batchA: 1, batchB: 2, dtype, transB: true });
          checkGemm(e, { m: 3, n: 2, k: 300, batchA: 2, batchB: 1, dtype });
        });

        it(`${dtype}: empty dims`, async () => {
          const e = await engineFor(build, variant);
          // k = 0 is a sum over nothing: zeros, as in PyTorch.
          expect(Array.from(checkGemm(e, { m: 3, n: 5, k: 0, dtype }))).toEqual(new Array(15).fill(0));
          expect(checkGemm(e, { m: 0, n: 5, k: 3, dtype }).length).toBe(0);
          expect(checkGemm(e, { m: 3, n: 0, k: 3, dtype, batchA: 2 }).length).toBe(0);
        });
      }

      it("small exact example", async () => {
        const e = await engineFor(build, variant);
        const a = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
        const b = e.tensor([7, 8, 9, 10, 11, 12], [3, 2]);
        expect(Array.from(e.matmul(a, b).toArray())).toEqual([58, 64, 139, 154]);
        expect(Array.from(e.matmul(a, a, { transB: true }).toArray())).toEqual([14, 32, 32, 77]);
        expect(Array.from(e.matmul(a, a, { transA: true }).toArray())).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
      });

      it("leaves no scratch or tensors behind", async () => {
        const e = await engineFor(build, variant);
        const before = e.memoryStats();
        e.scope(() => {
          const a = e.zeros([70, 300]);
          e.matmul(a, a, { transB: true });
        });
        const after = e.memoryStats();
        expect(after.tensorsLive).toBe(before.tensorsLive);
        expect(after.bytesLive).toBe(before.bytesLive);
      });
    });
  }
}

describe("matmul bad input", () => {
  it("throws clear errors naming the op, argument and shapes; allocates nothing", async () => {
    const e = await engineFor("baseline");
    const a = e.zeros([2, 3]), b = e.zeros([4, 5]), v = e.zeros([3]), d = e.zeros([3, 2], "float64");
    const a3 = e.zeros([2, 2, 3]),
      b3 = e.zeros([3, 3, 2]),
      i = e.zeros([3, 3], "int32"),
      r4 = e.zeros([1, 1, 2, 3]);
    const before = e.memoryStats();
    expect(() => e.matmul(a, b)).toThrow(
      "Cannot run matmul as 'b' must have 3 rows to match 'a': 'a' is [2, 3], 'b' is [4, 5]",
    );
    expect(() => e.matmul(a, b, { transB: true })).toThrow(
      "Cannot run matmul as 'b' must have 3 rows (columns, as transB is set) to match 'a': 'a' is [2, 3], 'b' is [4, 5] (transB)",
    );
    expect(() => e.matmul(a, b, { transA: true })).toThrow(
      "Cannot run matmul as 'b' must have 2 rows to match 'a': 'a' is [2, 3] (transA), 'b' is [4, 5]",
    );
    expect(() => e.matmul(v, a)).toThrow("Cannot run matmul as 'a' must be 2-D or 3-D: current shape is [3]");
    expect(() => e.matmul(a, r4)).toThrow("Cannot run matmul as 'b' must be 2-D or 3-D: current shape is [1, 1, 2, 3]");
    expect(() => e.matmul(a, d)).toThrow(
      "Cannot run matmul as 'b' must have the dtype of 'a' (float32): current dtype is float64; 'a' is [2, 3], 'b' is [3, 2]",
    );
    expect(() => e.matmul(i, i)).toThrow(
      "Cannot run matmul as 'a' must have dtype float32 or float64: current dtype is int32 with shape [3, 3]",
    );
    expect(() => e.matmul(a3, b3)).toThrow(
      "Cannot run matmul as 'b' must have batch 2 or 1 to match 'a': 'a' is [2, 2, 3], 'b' is [3, 3, 2]",
    );
    expect(() => e.matmul(a, a, { transC: true } as never)).toThrow(
      "Cannot run matmul as 'options' has an unknown key 'transC': known keys are transA, transB",
    );
    expect(() => e.matmul(a, a, { transB: 1 } as never)).toThrow(
      "Cannot run matmul as 'transB' must be a boolean: current value is 1",
    );
    expect(() => e.matmul(a, a, 3 as never)).toThrow(
      "Cannot run matmul as 'options' must be an object: current value is 3",
    );
    expect(e.memoryStats()).toEqual(before);
  });
});

describe("matmul microkernel variants", () => {
  it("loadsplat and shuffle give bit-identical results on every build and dtype", async () => {
    for (const build of builds()) {
      const a1 = await engineFor(build, "loadsplat"), a2 = await engineFor(build, "shuffle");
      expect(a1.gemmVariant).toBe("loadsplat");
      expect(a2.gemmVariant).toBe("shuffle");
      for (const dtype of ["float32", "float64"] as const) {
        const r1 = checkGemm(a1, { m: 37, n: 29, k: 300, dtype, transB: true }, 9);
        const r2 = checkGemm(a2, { m: 37, n: 29, k: 300, dtype, transB: true }, 9);
        expect(r1).toEqual(r2);
      }
    }
  });

  it("auto picks shuffle exactly in Deno; bad values are rejected", async () => {
    const { load } = await import("../../src/mod.ts");
    const e = await load({ simd: "baseline" });
    expect(e.gemmVariant).toBe("Deno" in globalThis ? "shuffle" : "loadsplat");
    await expect(load({ gemmVariant: "fast" as "shuffle" })).rejects.toThrow(
      'Cannot load as \'gemmVariant\' must be "auto", "loadsplat" or "shuffle": current value is "fast"',
    );
  });
});
