import { lanes, madd } from "../shared/simd";

// Dot-product GEMM microkernel: C[i][j] = Σ_p A[i][p] · B[j][p], both operands contiguous along
// the depth p. The 4×2v kernel (ukernel.ts) broadcasts A and needs B's depth-major panels; when
// the depth is the long, contiguous dimension of both operands (a weight gradient: depth =
// output positions), packing for it would transpose both. Here the accumulators hold partial
// sums along p in their lanes instead, and are reduced once at the end.
//
// Contract (checked by the driver):
// - A is packed in 2-row panels, vectorised along p: for step s (p = s·L .. s·L + L − 1) the
//   vectors of rows 0 and 1 at a + s·32 and a + s·32 + 16.
// - B is packed in 4-row panels likewise: rows 0..3 at b + s·64 + {0, 16, 32, 48}.
//   (Or, in the `_rows` form, each row read in place, contiguous along p.)
// - kc is a multiple of L (panels are zero-padded along p), kc ≥ L.
// - The 2 × 4 result is stored row-major at tile (8 elements), not accumulated: the driver adds it
//   (the `_rows` forms take the byte stride between the tile's rows, so linear's rows kernel
//   stores straight into y).
//
// Every result is one dot product summed in one order, whatever the tile: the lanes of one
// accumulator hold partial sums over p ≡ lane (mod L), added along p in steps of L with `madd`;
// then the lanes are reduced as (l0 + l2) + (l1 + l3) for f32, l0 + l1 for f64 (`storeSums4`,
// `hsum`). So a result does not depend on which tile, or which form, computed it.

// Row counts of the A and B panels, DOT_MR and DOT_NR, come from the kernel table.
import { DOT_MR, DOT_NR } from "../shared/tiles";
export { DOT_MR, DOT_NR };

// Sums of the lanes of four vectors, as one vector [Σc0, Σc1, Σc2, Σc3] (two vectors for f64).
// @ts-ignore: decorator
@inline function storeSums4<T>(c0: v128, c1: v128, c2: v128, c3: v128, dst: usize): void {
  if (sizeof<T>() == 4) {
    const t = v128.add<T>(v128.shuffle<T>(c0, c1, 0, 4, 1, 5), v128.shuffle<T>(c0, c1, 2, 6, 3, 7));
    const u = v128.add<T>(v128.shuffle<T>(c2, c3, 0, 4, 1, 5), v128.shuffle<T>(c2, c3, 2, 6, 3, 7));
    v128.store(dst, v128.add<T>(v128.shuffle<T>(t, u, 0, 1, 4, 5), v128.shuffle<T>(t, u, 2, 3, 6, 7)));
  } else {
    v128.store(dst, v128.add<T>(v128.shuffle<T>(c0, c1, 0, 2), v128.shuffle<T>(c0, c1, 1, 3)));
    v128.store(dst, v128.add<T>(v128.shuffle<T>(c2, c3, 0, 2), v128.shuffle<T>(c2, c3, 1, 3)), 16);
  }
}

/** The lanes of c summed as storeSums4 sums each vector: (l0 + l2) + (l1 + l3), or l0 + l1. */
// @ts-ignore: decorator
@inline export function hsum<T>(c: v128): T {
  if (sizeof<T>() == 4) {
    return <T>(
      (f32x4.extract_lane(c, 0) + f32x4.extract_lane(c, 2)) + (f32x4.extract_lane(c, 1) + f32x4.extract_lane(c, 3))
    );
  }
  return <T>(f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1));
}

/** 2×4 dot tile: 8 accumulators + 2 A vectors + 1 B vector = 11 registers. Packed A and B. */
// @ts-ignore: decorator
@inline export function gemm_dot_ukernel_2x4<T>(kc: usize, a: usize, b: usize, tile: usize): void {
  gemm_dot_ukernel_2x4_body<T>(false, kc, a, 0, b, 0, tile);
}

/**
 * The same tile over rows read in place (each contiguous along p, step 16 bytes): A's rows at
 * a0 and a1, B's at b + j·bRow; row 1 of the tile at tile + tileRow bytes. Same arithmetic,
 * same order as the packed form.
 */
// @ts-ignore: decorator
@inline export function gemm_dot_ukernel_2x4_rows<T>(kc: usize, a0: usize, a1: usize, b: usize, bRow: usize, tile: usize, tileRow: usize = 4 * sizeof<T>()): void {
  gemm_dot_ukernel_2x4_body<T>(true, kc, a0, a1, b, bRow, tile, tileRow);
}

/**
 * One row of the rows form: [Σ a·b_0, …, Σ a·b_3] for B's rows at b + j·bRow, stored at tile
 * (4 elements). 4 accumulators + 1 A vector + 1 B vector. Same arithmetic, same order.
 */
// @ts-ignore: decorator
@inline export function gemm_dot_ukernel_1x4_rows<T>(kc: usize, a: usize, b: usize, bRow: usize, tile: usize): void {
  const L = lanes<T>();
  const b2 = bRow * 2, b3 = bRow * 3;
  let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0);
  for (let p: usize = 0; p < kc; p += L) {
    const va = v128.load(a);
    c0 = madd<T>(va, v128.load(b), c0);
    c1 = madd<T>(va, v128.load(b + bRow), c1);
    c2 = madd<T>(va, v128.load(b + b2), c2);
    c3 = madd<T>(va, v128.load(b + b3), c3);
    a += 16;
    b += 16;
  }
  storeSums4<T>(c0, c1, c2, c3, tile);
}

/** One dot product of rows a and b (kc a multiple of L, may be 0): the 1×1 form. */
// @ts-ignore: decorator
@inline export function dot_rows<T>(kc: usize, a: usize, b: usize): T {
  const L = lanes<T>();
  let c = v128.splat<T>(0);
  for (let p: usize = 0; p < kc; p += L) {
    c = madd<T>(v128.load(a), v128.load(b), c);
    a += 16;
    b += 16;
  }
  return hsum<T>(c);
}

// One body for both forms; `rows` is a literal at each call, folded away by @inline.
// @ts-ignore: decorator
@inline function gemm_dot_ukernel_2x4_body<T>(rows: bool, kc: usize, a: usize, a1: usize, b: usize, bRow: usize, tile: usize, tileRow: usize = 4 * sizeof<T>()): void {
  const L = lanes<T>();
  const b2 = 2 * bRow, b3 = 3 * bRow;
  let c00 = v128.splat<T>(0), c01 = v128.splat<T>(0), c02 = v128.splat<T>(0), c03 = v128.splat<T>(0);
  let c10 = v128.splat<T>(0), c11 = v128.splat<T>(0), c12 = v128.splat<T>(0), c13 = v128.splat<T>(0);
  for (let p: usize = 0; p < kc; p += L) {
    const a0 = v128.load(a), va1 = rows ? v128.load(a1) : v128.load(a, 16);
    let vb = v128.load(b);
    c00 = madd<T>(a0, vb, c00); c10 = madd<T>(va1, vb, c10);
    vb = rows ? v128.load(b + bRow) : v128.load(b, 16);
    c01 = madd<T>(a0, vb, c01); c11 = madd<T>(va1, vb, c11);
    vb = rows ? v128.load(b + b2) : v128.load(b, 32);
    c02 = madd<T>(a0, vb, c02); c12 = madd<T>(va1, vb, c12);
    vb = rows ? v128.load(b + b3) : v128.load(b, 48);
    c03 = madd<T>(a0, vb, c03); c13 = madd<T>(va1, vb, c13);
    if (rows) {
      a += 16;
      a1 += 16;
      b += 16;
    } else {
      a += 32;
      b += 64;
    }
  }
  storeSums4<T>(c00, c01, c02, c03, tile);
  storeSums4<T>(c10, c11, c12, c13, tile + tileRow);
}
