// Plain-JS float64 references and deterministic data, independent of the kernels.

/** A small deterministic PRNG (mulberry32), so failures reproduce in every runtime. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [-1, 1). */
export function randomArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}

/**
 * C = op(A)·op(B) in float64 with A's element (i, p) at a[i·rsA + p·csA] (B likewise),
 * for each batch with element strides sA, sB (0 broadcasts).
 */
export function refGemm(
  batch: number,
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  rsA: number,
  csA: number,
  sA: number,
  b: ArrayLike<number>,
  rsB: number,
  csB: number,
  sB: number,
): Float64Array {
  const c = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[t * sA + i * rsA + p * csA] * b[t * sB + p * rsB + j * csB];
        c[t * m * n + i * n + j] = s;
      }
    }
  }
  return c;
}

/**
 * Asserts |got − want| ≤ atol + rtol·|want| elementwise; the message names the first bad
 * index, both values and the case, as XNNPACK's testers do.
 */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  atol: number,
  rtol: number,
  what: string,
): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w)) && !(Number.isNaN(g) && Number.isNaN(w))) {
      throw new Error(`${what}: element ${i} is ${g}, expected ${w} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
