import { lanes } from "../shared/simd";
import { dot_rows, gemm_dot_ukernel_1x4_rows, gemm_dot_ukernel_2x4_rows } from "./dot_ukernel";

// y = x·wᵀ + b for a few rows of x, reading x's rows and w's rows in place (both contiguous
// along k): no packing. The packed GEMM repacks all of w on every call, which for a batch of
// one (LeNet-5's fc1: w is 500 × 2450, 4.9 MB) costs two more passes over w than the product.
//
// Each output y[i][j] is one dot product, always in this order, whatever tile it falls in
// (so the bits do not depend on n, on the tiling, or on how threads split the outputs):
// - the lanes of one accumulator vector hold partial sums over p ≡ lane (mod L), for p below
//   kv = k − k mod L, added along p in steps of L with `madd` (fused in the relaxed build, as
//   the GEMM; mul then add in baseline);
// - then its lanes are reduced as (l0 + l2) + (l1 + l3) for f32, l0 + l1 for f64;
// - then the p in [kv, k) are added one by one, in order (product, then sum; never fused);
// - then the bias, if any.
// Tiles (assembly/gemm/dot_ukernel.ts): 2 rows of x × 4 rows of w (each w vector loaded once for
// both rows, so a pair of rows costs one pass over w), the odd last row 1 × 4, and the m mod 4
// outputs left in [j0, j1) one dot product each.

// The scalar tail and the bias of y[i][j], whose vector part the tile stored at yp.
// @ts-ignore: decorator
@inline function finish<T>(yp: usize, x: usize, w: usize, kv: usize, k: usize, b: usize): void {
  const S = sizeof<T>();
  let s = load<T>(yp);
  for (let p = kv; p < k; p++) s += load<T>(x + p * S) * load<T>(w + p * S);
  store<T>(yp, b != 0 ? s + load<T>(b) : s);
}

// y[j] for j in [j0, j1) of one row of x at xi, y's row at yi: 1 × 4 tiles, then one at a time.
function oneRow<T>(k: usize, kv: usize, j0: usize, j1: usize, xi: usize, w: usize, b: usize, yi: usize): void {
  const S = sizeof<T>(), rowW = k * S;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const wj = w + j * rowW, yj = yi + j * S, bj = b != 0 ? b + j * S : 0;
    gemm_dot_ukernel_1x4_rows<T>(kv, xi, wj, rowW, yj);
    for (let t: usize = 0; t < 4; t++) finish<T>(yj + t * S, xi, wj + t * rowW, kv, k, bj != 0 ? bj + t * S : 0);
  }
  for (; j < j1; j++) {
    const wj = w + j * rowW, yj = yi + j * S;
    store<T>(yj, dot_rows<T>(kv, xi, wj));
    finish<T>(yj, xi, wj, kv, k, b != 0 ? b + j * S : 0);
  }
}

/**
 * y[i][j] = b[j] + Σ_p x[i][p]·w[j][p] for rows i in [0, n) and outputs j in [j0, j1): x is
 * [n, k], w [m, k], y [n, m] (row stride m), b [m] or 0 (none). Any n, m, k (k may be 0).
 */
export function linearRows<T>(n: usize, m: usize, k: usize, j0: usize, j1: usize, x: usize, w: usize, b: usize, y: usize): void {
  const S = sizeof<T>(), L = lanes<T>();
  const kv = k - k % L, rowW = k * S, rowY = m * S;
  let i: usize = 0;
  for (; i + 2 <= n; i += 2) {
    const xa = x + i * rowW, xb = xa + rowW, ya = y + i * rowY, yb = ya + rowY;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const wj = w + j * rowW, bj = b != 0 ? b + j * S : 0;
      gemm_dot_ukernel_2x4_rows<T>(kv, xa, xb, wj, rowW, ya + j * S, rowY);
      for (let t: usize = 0; t < 4; t++) {
        const wt = wj + t * rowW, bt = bj != 0 ? bj + t * S : 0;
        finish<T>(ya + (j + t) * S, xa, wt, kv, k, bt);
        finish<T>(yb + (j + t) * S, xb, wt, kv, k, bt);
      }
    }
    if (j < j1) {
      oneRow<T>(k, kv, j, j1, xa, w, b, ya);
      oneRow<T>(k, kv, j, j1, xb, w, b, yb);
    }
  }
  if (i < n) oneRow<T>(k, kv, j0, j1, x + i * rowW, w, b, y + i * rowY);
}
