import { lanes, madd } from "../shared/simd";

// y = x·wᵀ + b for a few rows of x, reading x's rows and w's rows in place (both contiguous
// along k): no packing. The packed GEMM repacks all of w on every call, which for a batch of
// one (LeNet-5's fc1: w is 500 × 2450, 4.9 MB) costs two more passes over w than the product.
//
// Each output y[i][j] is one dot product, always in this order, whatever tile it falls in:
// - the lanes of one accumulator vector c hold partial sums over p ≡ lane (mod L), added along
//   p in steps of L with `madd` (fused in the relaxed build, as the GEMM);
// - then c is reduced as (c0 + c2) + (c1 + c3) for f32, c0 + c1 for f64;
// - then the p that do not fill a vector are added one by one (product, then sum);
// - then the bias.
// Outputs are computed 4 at a time (four rows of w against one row of x: 4 accumulators, one x
// vector, four w vectors per step), the remaining m mod 4 one at a time with the same arithmetic.

// @ts-ignore: decorator
@inline function hsum<T>(c: v128): T {
  if (sizeof<T>() == 4) {
    return <T>(
      (f32x4.extract_lane(c, 0) + f32x4.extract_lane(c, 2)) + (f32x4.extract_lane(c, 1) + f32x4.extract_lane(c, 3))
    );
  }
  return <T>(f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1));
}

// The scalar tail of one dot product: p in [kv, k).
// @ts-ignore: decorator
@inline function tail<T>(s: T, x: usize, w: usize, kv: usize, k: usize): T {
  const S = sizeof<T>();
  for (let p = kv; p < k; p++) s += load<T>(x + p * S) * load<T>(w + p * S);
  return s;
}

/**
 * y[i][j] = b[j] + Σ_p x[i][p]·w[j][p] for rows i in [0, n) and outputs j in [j0, j1): x is
 * [n, k], w [m, k], y [n, m] (row stride m), b [m] or 0 (none). Any n, m, k (k may be 0).
 */
export function linearRows<T>(n: usize, m: usize, k: usize, j0: usize, j1: usize, x: usize, w: usize, b: usize, y: usize): void {
  const S = sizeof<T>(), L = lanes<T>();
  const kv = k - k % L, rowW = k * S;
  for (let i: usize = 0; i < n; i++) {
    const xi = x + i * rowW, yi = y + i * m * S;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const w0 = w + j * rowW, w1 = w0 + rowW, w2 = w1 + rowW, w3 = w2 + rowW;
      let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0);
      for (let o: usize = 0; o < kv * S; o += 16) {
        const vx = v128.load(xi + o);
        c0 = madd<T>(vx, v128.load(w0 + o), c0);
        c1 = madd<T>(vx, v128.load(w1 + o), c1);
        c2 = madd<T>(vx, v128.load(w2 + o), c2);
        c3 = madd<T>(vx, v128.load(w3 + o), c3);
      }
      const bias = b != 0;
      store<T>(yi + j * S, tail<T>(hsum<T>(c0), xi, w0, kv, k) + (bias ? load<T>(b + j * S) : <T>0));
      store<T>(yi + (j + 1) * S, tail<T>(hsum<T>(c1), xi, w1, kv, k) + (bias ? load<T>(b + (j + 1) * S) : <T>0));
      store<T>(yi + (j + 2) * S, tail<T>(hsum<T>(c2), xi, w2, kv, k) + (bias ? load<T>(b + (j + 2) * S) : <T>0));
      store<T>(yi + (j + 3) * S, tail<T>(hsum<T>(c3), xi, w3, kv, k) + (bias ? load<T>(b + (j + 3) * S) : <T>0));
    }
    for (; j < j1; j++) {
      const wj = w + j * rowW;
      let c = v128.splat<T>(0);
      for (let o: usize = 0; o < kv * S; o += 16) c = madd<T>(v128.load(xi + o), v128.load(wj + o), c);
      store<T>(yi + j * S, tail<T>(hsum<T>(c), xi, wj, kv, k) + (b != 0 ? load<T>(b + j * S) : <T>0));
    }
  }
}
