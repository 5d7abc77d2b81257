// Golden values from PyTorch (tools/gen_pool_fixtures.py → test/fixtures/pool.json) for
// maxPool1d/2d (values, indices: ties and NaN, -Inf; dx from our own indices), avgPool1d/2d
// (every divisor rule, ceilMode, padding, the default stride) and adaptiveAvgPool2d (sizes that
// do not divide, the global [1, 1] case), forward and backward, both dtypes and builds. Inputs
// are regenerated from each case's seed.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { quantized } from "../_util/conv_tester.ts";
import golden from "../fixtures/pool.json" with { type: "json" };

type Enc = number | string;
interface Case {
  op: string;
  shape: number[];
  seed: number;
  check: number[];
  outShape: number[];
  // deno-lint-ignore no-explicit-any
  options?: any;
  outputSize?: number[];
  nans?: number[];
  negInfs?: number[];
  y?: Enc[];
  indices?: number[];
  dx?: Enc[];
  results?: Record<string, { y: Enc[]; dx: Enc[] }>;
}

const DTYPES = ["float32", "float64"] as const;
const num = (v: Enc): number => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity);
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function same(got: ArrayLike<number>, want: Enc[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = num(want[i]);
    if (!(Number.isNaN(b) ? Number.isNaN(a) : Object.is(a + 0, b + 0))) {
      throw new Error(`${what}[${i}]: got ${a}, PyTorch ${b}`);
    }
  }
}

function input(e: Engine, c: Case, dtype: "float32" | "float64"): Tensor {
  const v = quantized(size(c.shape), c.seed);
  expect(Array.from(quantized(4, c.seed), (q) => q * 32), "generator drift").toEqual(c.check);
  for (const i of c.nans ?? []) v[i] = NaN;
  for (const i of c.negInfs ?? []) v[i] = -Infinity;
  return e.tensor(v, c.shape, dtype);
}

function runCase(e: Engine, c: Case, dtype: "float32" | "float64"): void {
  const name = `${c.op} ${JSON.stringify(c.shape)} ${JSON.stringify(c.options ?? c.outputSize)} seed ${c.seed}`;
  e.scope(() => {
    const x = input(e, c, dtype);
    const dy = e.tensor(quantized(size(c.outShape), c.seed + 1), c.outShape, dtype);
    if (c.op === "maxPool1d" || c.op === "maxPool2d") {
      const { y, indices } = c.op === "maxPool1d" ? e.maxPool1d(x, c.options) : e.maxPool2d(x, c.options);
      expect(y.shape, name).toEqual(c.outShape);
      expect(indices.dtype).toBe("int32");
      same(y.data, c.y!, `${name} y`);
      same(indices.data, c.indices!, `${name} indices`);
      const dx = c.op === "maxPool1d"
        ? e.maxPool1dBackward(dy, indices, c.shape)
        : e.maxPool2dBackward(dy, indices, c.shape);
      same(dx.data, c.dx!, `${name} dx`);
    } else if (c.op === "avgPool1d" || c.op === "avgPool2d") {
      const r = c.results![dtype];
      const y = c.op === "avgPool1d" ? e.avgPool1d(x, c.options) : e.avgPool2d(x, c.options);
      expect(y.shape, name).toEqual(c.outShape);
      same(y.data, r.y, `${name} y`);
      const dx = c.op === "avgPool1d"
        ? e.avgPool1dBackward(dy, c.shape, c.options)
        : e.avgPool2dBackward(dy, c.shape, c.options);
      same(dx.data, r.dx, `${name} dx`);
    } else {
      const r = c.results![dtype];
      const y = e.adaptiveAvgPool2d(x, c.outputSize!);
      expect(y.shape, name).toEqual(c.outShape);
      same(y.data, r.y, `${name} y`);
      same(e.adaptiveAvgPool2dBackward(dy, c.shape).data, r.dx, `${name} dx`);
    }
  });
}

const cases = golden.cases as Case[];

for (const build of builds()) {
  describe(`pooling vs PyTorch (${build} build)`, () => {
    for (const dtype of DTYPES) {
      for (const op of ["maxPool1d", "maxPool2d", "avgPool1d", "avgPool2d", "adaptiveAvgPool2d"]) {
        it(`${dtype} ${op}: forward and backward equal PyTorch's`, async () => {
          const e = await engineFor(build);
          const mine = cases.filter((c) => c.op === op);
          expect(mine.length).toBeGreaterThan(10);
          for (const c of mine) runCase(e, c, dtype);
        });
      }
    }
  });
}
