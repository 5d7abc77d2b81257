import { describe, expect, it } from "vitest";
import { builds, engineFor } from "../_util/engines.ts";
import { expectClose, randomArray } from "../_util/reference.ts";

const DTYPES = ["float32", "float64"] as const;
const OPS = {
  add: (x: number, y: number) => x + y,
  sub: (x: number, y: number) => x - y,
  mul: (x: number, y: number) => x * y,
} as const;
const round = (dtype: string, d: Float64Array) => (dtype === "float32" ? d.map(Math.fround) : d);

for (const build of builds()) {
  describe(`elementwise (${build} build)`, () => {
    for (const dtype of DTYPES) {
      for (const [op, f] of Object.entries(OPS) as [keyof typeof OPS, (x: number, y: number) => number][]) {
        it(`${op} ${dtype}: same shape, every length 0..40 (vector remainders)`, async () => {
          const e = await engineFor(build);
          for (let n = 0; n <= 40; n++) {
            const xd = round(dtype, randomArray(n, n)), yd = round(dtype, randomArray(n, n + 99));
            const x = e.tensor(xd, [n], dtype), y = e.tensor(yd, [n], dtype);
            const out = e[op](x, y);
            // One rounding of the exact result: the float32 reference rounds it the same way.
            const want = xd.map((v, i) => (dtype === "float32" ? Math.fround(f(v, yd[i])) : f(v, yd[i])));
            expect(Array.from(out.data), `${op} n=${n}`).toEqual(Array.from(want));
            for (const t of [x, y, out]) t.dispose();
          }
        });

        it(`${op} ${dtype}: trailing broadcast both ways`, async () => {
          const e = await engineFor(build);
          for (const [outer, inner] of [[3, 1], [2, 5], [4, 9], [5, 16], [3, 17]]) {
            const big = round(dtype, randomArray(outer * inner, 3)), small = round(dtype, randomArray(inner, 4));
            const X = e.tensor(big, [outer, inner], dtype), b = e.tensor(small, [inner], dtype);
            const r1 = e[op](X, b), r2 = e[op](b, X);
            expect(r1.shape).toEqual([outer, inner]);
            expect(r2.shape).toEqual([outer, inner]);
            const w1 = big.map((v, i) => f(v, small[i % inner])), w2 = big.map((v, i) => f(small[i % inner], v));
            expectClose(r1.data, w1, 0, dtype === "float32" ? 2 ** -24 : 0, `${op} [${outer},${inner}] OP [${inner}]`);
            expectClose(r2.data, w2, 0, dtype === "float32" ? 2 ** -24 : 0, `${op} [${inner}] OP [${outer},${inner}]`);
            for (const t of [X, b, r1, r2]) t.dispose();
          }
          // A [C, H, W] map against [N, C, H, W], and a scalar tensor.
          const x4 = e.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 2, 2], dtype);
          const m3 = e.tensor(Array.from({ length: 12 }, (_, i) => 100 * i), [3, 2, 2], dtype);
          const r = e[op](x4, m3);
          expect(Array.from(r.data)).toEqual(Array.from({ length: 24 }, (_, i) => f(i, 100 * (i % 12))));
          const s = e.tensor([2], [], dtype);
          expect(Array.from(e[op](m3, s).data)).toEqual(Array.from({ length: 12 }, (_, i) => f(100 * i, 2)));
        });
      }

      it(`scale and relu ${dtype}: every length 0..40`, async () => {
        const e = await engineFor(build);
        for (let n = 0; n <= 40; n++) {
          const xd = round(dtype, randomArray(n, 5 + n));
          const x = e.tensor(xd, [n], dtype);
          const s = e.scale(x, -1.5), r = e.relu(x);
          expect(Array.from(s.data)).toEqual(
            Array.from(xd, (v) => (dtype === "float32" ? Math.fround(v * -1.5) : v * -1.5)),
          );
          expect(Array.from(r.data)).toEqual(Array.from(xd, (v) => (v > 0 ? v : 0)));
          for (const t of [x, s, r]) t.dispose();
        }
      });

      it(`relu ${dtype} special values: NaN propagates, -0 and -inf give 0, inf stays`, async () => {
        const e = await engineFor(build);
        // 9 elements: 8 go through the vector path, the last through the scalar tail.
        const vals = [NaN, -0, -Infinity, Infinity, 3, -3, 0, 1e-30, NaN];
        const r = e.relu(e.tensor(vals, [9], dtype));
        const got = Array.from(r.data);
        expect(got[0]).toBeNaN();
        expect(got[8]).toBeNaN();
        expect(got.slice(1, 8)).toEqual([0, 0, Infinity, 3, 0, 0, dtype === "float32" ? Math.fround(1e-30) : 1e-30]);
        expect(Array.from(e.scale(e.tensor([1, -1], [2], dtype), Infinity).data)).toEqual([Infinity, -Infinity]);
      });
    }

    it("bad input: clear errors before any kernel runs, nothing allocated", async () => {
      const e = await engineFor(build);
      const a = e.zeros([2, 3]),
        b = e.zeros([2]),
        d = e.zeros([3], "float64"),
        i = e.zeros([3], "int32");
      const before = e.memoryStats();
      expect(() => e.add(a, b)).toThrow(
        "Cannot run add as 'b' must have the shape of 'a' or of its trailing dims (or 'a' those of 'b'): 'a' is [2, 3], 'b' is [2]",
      );
      expect(() => e.sub(a, d)).toThrow(
        "Cannot run sub as 'b' must have the dtype of 'a' (float32): current dtype is float64; 'a' is [2, 3], 'b' is [3]",
      );
      expect(() => e.mul(i, i)).toThrow(
        "Cannot run mul as 'a' must have dtype float32 or float64: current dtype is int32 with shape [3]",
      );
      expect(() => e.add(a, [1, 2, 3] as never)).toThrow(
        "Cannot run add as 'b' must be a Tensor: current value is [1, 2, 3]",
      );
      expect(() => e.relu(null as never)).toThrow("Cannot run relu as 'x' must be a Tensor: current value is null");
      expect(() => e.scale(a, "2" as never)).toThrow(
        "Cannot run scale as 'alpha' must be a number: current value is \"2\"",
      );
      expect(e.memoryStats()).toEqual(before);
      for (const t of [a, b, d, i]) t.dispose();
    });
  });
}
