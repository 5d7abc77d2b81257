// A GEMM tester in the spirit of XNNPACK's: one case = (m, n, k, batch, transposes, dtype,
// build); it builds operands with deterministic data, runs engine.matmul and compares with a
// float64 reference under an error bound scaled with k. Failures name the case. With
// `accumulate`, the product is added into a random C given as `out` (C + reference expected).
import { expect } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { randomArray, refGemm } from "./reference.ts";

export interface GemmCase {
  m: number;
  n: number;
  k: number;
  /** Batch of the 3-D operands; undefined = 2-D. */
  batchA?: number;
  batchB?: number;
  transA?: boolean;
  transB?: boolean;
  dtype: "float32" | "float64";
  /** Run `matmul(a, b, { out: C, accumulate: true })` with a random C instead. */
  accumulate?: boolean;
}

const EPS = { float32: 2 ** -24, float64: 2 ** -53 } as const;

export function describeCase(c: GemmCase): string {
  return `m=${c.m} n=${c.n} k=${c.k} batchA=${c.batchA ?? "-"} batchB=${c.batchB ?? "-"}` +
    `${c.transA ? " transA" : ""}${c.transB ? " transB" : ""} ${c.dtype}${c.accumulate ? " accumulate" : ""}`;
}

/** Runs one case and asserts every element; returns the output for further checks. */
export function checkGemm(engine: Engine, c: GemmCase, seed = 1): Float64Array {
  const { m, n, k, dtype } = c;
  const bA = c.batchA ?? 1, bB = c.batchB ?? 1;
  const batch = Math.max(bA, bB);
  const aShape = c.transA ? [k, m] : [m, k];
  const bShape = c.transB ? [n, k] : [k, n];
  const aData = randomArray(bA * m * k, seed), bData = randomArray(bB * k * n, seed + 1000);
  if (dtype === "float32") {
    // Round inputs to float32 so the reference sees exactly what the kernel sees.
    for (const d of [aData, bData]) for (let i = 0; i < d.length; i++) d[i] = Math.fround(d[i]);
  }
  const a = engine.tensor(aData, c.batchA === undefined ? aShape : [bA, ...aShape], dtype);
  const b = engine.tensor(bData, c.batchB === undefined ? bShape : [bB, ...bShape], dtype);
  const want = c.batchA === undefined && c.batchB === undefined ? [m, n] : [batch, m, n];
  const start = c.accumulate ? randomArray(batch * m * n, seed + 2000) : new Float64Array(batch * m * n);
  if (dtype === "float32") { for (let i = 0; i < start.length; i++) start[i] = Math.fround(start[i]); }
  const given = c.accumulate ? engine.tensor(start, want, dtype) : undefined;
  const out = engine.matmul(a, b, { transA: c.transA, transB: c.transB, out: given, accumulate: c.accumulate });
  if (given) expect(out, `${describeCase(c)}: returns 'out'`).toBe(given);
  expect(out.shape, describeCase(c)).toEqual(want);
  const rsA = c.transA ? 1 : k, csA = c.transA ? m : 1, rsB = c.transB ? 1 : n, csB = c.transB ? k : 1;
  const sA = bA > 1 ? m * k : 0, sB = bB > 1 ? k * n : 0;
  const ref = refGemm(batch, m, n, k, aData, rsA, csA, sA, bData, rsB, csB, sB);
  const abs = refGemm(batch, m, n, k, aData.map(Math.abs), rsA, csA, sA, bData.map(Math.abs), rsB, csB, sB);
  const got = out.toArray();
  // Recursive-summation bound: |err| <= (k + 2)·u·Σ|a||b| (plus a floor for k = 0); C's start
  // value is one more term of the sum.
  const u = EPS[dtype];
  for (let i = 0; i < ref.length; i++) {
    ref[i] += start[i];
    const tol = (k + 3) * u * (abs[i] + Math.abs(start[i])) + 1e-30;
    if (!(Math.abs(got[i] - ref[i]) <= tol)) {
      const bi = Math.floor(i / (m * n)), r = i % (m * n);
      throw new Error(
        `${describeCase(c)}: C[${bi}][${Math.floor(r / n)}][${r % n}] = ${got[i]}, reference ${
          ref[i]
        } (tolerance ${tol})`,
      );
    }
  }
  a.dispose();
  b.dispose();
  out.dispose();
  return Float64Array.from(got);
}
