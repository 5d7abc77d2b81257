import { madd } from "../shared/simd";

// GEMM microkernels: C[MR × NR] (+)= Ap · Bp over kc steps.
//
// Contract (checked by the driver, never here):
// - Ap is an MR-row panel packed k-major: element (i, p) at Ap + (p·MR + i)·sizeof<T>.
// - Bp is an NR-column panel packed k-major: element (p, j) at Bp + (p·NR + j)·sizeof<T>,
//   NR = 2 vectors (8 f32 or 4 f64). Both panels are zero-padded, so a kernel
//   always computes a full tile.
// - c is a byte pointer, ldc the row stride of C in elements.
// - accumulate = false overwrites C, true adds to it (later k blocks).
// - A full tile is stored directly; edge tiles go through the driver's scratch tile.
// Pointers are bytes, strides are elements, everywhere in assembly/.

/** 6×2v tile: 12 accumulators + 2 B vectors + 1 A splat = 15 of the 16 xmm registers V8 uses on x64. */
// @ts-ignore: decorator
@inline export function gemm_ukernel_6x2v<T>(kc: usize, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  const S = sizeof<T>();
  let c0x0 = v128.splat<T>(0), c0x1 = v128.splat<T>(0);
  let c1x0 = v128.splat<T>(0), c1x1 = v128.splat<T>(0);
  let c2x0 = v128.splat<T>(0), c2x1 = v128.splat<T>(0);
  let c3x0 = v128.splat<T>(0), c3x1 = v128.splat<T>(0);
  let c4x0 = v128.splat<T>(0), c4x1 = v128.splat<T>(0);
  let c5x0 = v128.splat<T>(0), c5x1 = v128.splat<T>(0);
  for (let p: usize = 0; p < kc; p++) {
    const vb0 = v128.load(b);
    const vb1 = v128.load(b, 16);
    let va = v128.load_splat<T>(a);
    c0x0 = madd<T>(va, vb0, c0x0); c0x1 = madd<T>(va, vb1, c0x1);
    va = v128.load_splat<T>(a, S);
    c1x0 = madd<T>(va, vb0, c1x0); c1x1 = madd<T>(va, vb1, c1x1);
    va = v128.load_splat<T>(a, 2 * S);
    c2x0 = madd<T>(va, vb0, c2x0); c2x1 = madd<T>(va, vb1, c2x1);
    va = v128.load_splat<T>(a, 3 * S);
    c3x0 = madd<T>(va, vb0, c3x0); c3x1 = madd<T>(va, vb1, c3x1);
    va = v128.load_splat<T>(a, 4 * S);
    c4x0 = madd<T>(va, vb0, c4x0); c4x1 = madd<T>(va, vb1, c4x1);
    va = v128.load_splat<T>(a, 5 * S);
    c5x0 = madd<T>(va, vb0, c5x0); c5x1 = madd<T>(va, vb1, c5x1);
    a += 6 * S;
    b += 32;
  }
  const rs = ldc * S;
  if (accumulate) {
    c0x0 = v128.add<T>(c0x0, v128.load(c)); c0x1 = v128.add<T>(c0x1, v128.load(c, 16)); c += rs;
    c1x0 = v128.add<T>(c1x0, v128.load(c)); c1x1 = v128.add<T>(c1x1, v128.load(c, 16)); c += rs;
    c2x0 = v128.add<T>(c2x0, v128.load(c)); c2x1 = v128.add<T>(c2x1, v128.load(c, 16)); c += rs;
    c3x0 = v128.add<T>(c3x0, v128.load(c)); c3x1 = v128.add<T>(c3x1, v128.load(c, 16)); c += rs;
    c4x0 = v128.add<T>(c4x0, v128.load(c)); c4x1 = v128.add<T>(c4x1, v128.load(c, 16)); c += rs;
    c5x0 = v128.add<T>(c5x0, v128.load(c)); c5x1 = v128.add<T>(c5x1, v128.load(c, 16));
    c -= 5 * rs;
  }
  v128.store(c, c0x0); v128.store(c, c0x1, 16); c += rs;
  v128.store(c, c1x0); v128.store(c, c1x1, 16); c += rs;
  v128.store(c, c2x0); v128.store(c, c2x1, 16); c += rs;
  v128.store(c, c3x0); v128.store(c, c3x1, 16); c += rs;
  v128.store(c, c4x0); v128.store(c, c4x1, 16); c += rs;
  v128.store(c, c5x0); v128.store(c, c5x1, 16);
}

/**
 * 4×2v tile: 8 accumulators. The GEMM driver's kernel; the conv drivers use it too, with the
 * optional epilogue:
 * - `bias` ≠ 0: a byte pointer to MR row values added once (the accumulators start from them);
 * - `relu`: max(·, 0) on the final values, as pmax(x, 0) = x < 0 ? 0 : x: one instruction
 *   where wasm's NaN-exact max is a sequence, and NaN still propagates (as in `torch.relu`).
 * Both default to off; callers that pass the literal defaults get them folded away by @inline,
 * so the plain GEMM compiles to the same loop as without an epilogue.
 */
// @ts-ignore: decorator
@inline export function gemm_ukernel_4x2v<T>(kc: usize, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool, bias: usize = 0, relu: bool = false): void {
  const S = sizeof<T>();
  let c0x0 = v128.splat<T>(0), c0x1 = v128.splat<T>(0);
  let c1x0 = v128.splat<T>(0), c1x1 = v128.splat<T>(0);
  let c2x0 = v128.splat<T>(0), c2x1 = v128.splat<T>(0);
  let c3x0 = v128.splat<T>(0), c3x1 = v128.splat<T>(0);
  if (bias != 0) {
    c0x0 = v128.load_splat<T>(bias); c0x1 = c0x0;
    c1x0 = v128.load_splat<T>(bias, S); c1x1 = c1x0;
    c2x0 = v128.load_splat<T>(bias, 2 * S); c2x1 = c2x0;
    c3x0 = v128.load_splat<T>(bias, 3 * S); c3x1 = c3x0;
  }
  for (let p: usize = 0; p < kc; p++) {
    const vb0 = v128.load(b);
    const vb1 = v128.load(b, 16);
    let va = v128.load_splat<T>(a);
    c0x0 = madd<T>(va, vb0, c0x0); c0x1 = madd<T>(va, vb1, c0x1);
    va = v128.load_splat<T>(a, S);
    c1x0 = madd<T>(va, vb0, c1x0); c1x1 = madd<T>(va, vb1, c1x1);
    va = v128.load_splat<T>(a, 2 * S);
    c2x0 = madd<T>(va, vb0, c2x0); c2x1 = madd<T>(va, vb1, c2x1);
    va = v128.load_splat<T>(a, 3 * S);
    c3x0 = madd<T>(va, vb0, c3x0); c3x1 = madd<T>(va, vb1, c3x1);
    a += 4 * S;
    b += 32;
  }
  const rs = ldc * S;
  if (accumulate) {
    c0x0 = v128.add<T>(c0x0, v128.load(c)); c0x1 = v128.add<T>(c0x1, v128.load(c, 16)); c += rs;
    c1x0 = v128.add<T>(c1x0, v128.load(c)); c1x1 = v128.add<T>(c1x1, v128.load(c, 16)); c += rs;
    c2x0 = v128.add<T>(c2x0, v128.load(c)); c2x1 = v128.add<T>(c2x1, v128.load(c, 16)); c += rs;
    c3x0 = v128.add<T>(c3x0, v128.load(c)); c3x1 = v128.add<T>(c3x1, v128.load(c, 16));
    c -= 3 * rs;
  }
  if (relu) {
    const z = v128.splat<T>(0);
    c0x0 = v128.pmax<T>(c0x0, z); c0x1 = v128.pmax<T>(c0x1, z);
    c1x0 = v128.pmax<T>(c1x0, z); c1x1 = v128.pmax<T>(c1x1, z);
    c2x0 = v128.pmax<T>(c2x0, z); c2x1 = v128.pmax<T>(c2x1, z);
    c3x0 = v128.pmax<T>(c3x0, z); c3x1 = v128.pmax<T>(c3x1, z);
  }
  v128.store(c, c0x0); v128.store(c, c0x1, 16); c += rs;
  v128.store(c, c1x0); v128.store(c, c1x1, 16); c += rs;
  v128.store(c, c2x0); v128.store(c, c2x1, 16); c += rs;
  v128.store(c, c3x0); v128.store(c, c3x1, 16);
}
