import { align16 } from "../shared/align";
import { lanes } from "../shared/simd";
import { gemmTiles } from "./ukernel";

// Blocked, packed GEMM driver (Goto/BLIS loop order): C = op(A)·op(B) for each batch.
// A transposed operand is only a different pair of strides: packing reads any
// strides and always writes the panel layout the microkernel expects.

// The tile and block sizes MR, NV (NR = NV · lanes<T>()), KC, MC, NC come from the kernel table.
import { KC, MC, MR, NC, NV } from "../shared/tiles";
export { KC, MC, MR, NC, NV };

// @ts-ignore: decorator
@inline function roundUp(x: usize, m: usize): usize {
  return (x + m - 1) / m * m;
}

/** Scratch bytes `gemm<T>` needs for an m×n×k product; the caller allocates it (kernels never allocate). */
export function gemmWorkspaceBytes<T>(m: usize, n: usize, k: usize): usize {
  const NR = NV * lanes<T>();
  const kc = min(k, KC);
  const mc = roundUp(min(m, MC), MR);
  const nc = roundUp(min(n, NC), NR);
  // Bp block, Ap block, one edge tile; each start 16-byte aligned.
  return (kc * nc + mc * kc + MR * NR) * sizeof<T>() + 32;
}

/**
 * Packs rows [0, mc) × depth [0, kc) of A (element (i, p) at a + (i·rsA + p·csA)·S)
 * into MR-row k-major panels (panel i0 at ap + i0·kc·S), zero-padding the last panel.
 */
export function packA<T>(mc: usize, kc: usize, a: usize, rsA: usize, csA: usize, ap: usize): void {
  const S = sizeof<T>();
  for (let i0: usize = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    for (let p: usize = 0; p < kc; p++) {
      let src = a + (i0 * rsA + p * csA) * S;
      let i: usize = 0;
      for (; i < mr; i++) {
        store<T>(ap, load<T>(src));
        src += rsA * S;
        ap += S;
      }
      for (; i < MR; i++) {
        store<T>(ap, 0);
        ap += S;
      }
    }
  }
}

/**
 * Packs depth [0, kc) × columns [0, nc) of B (element (p, j) at b + (p·rsB + j·csB)·S) into
 * NR-column k-major panels (panel j0 at bp + j0·kc·S), zero-padding the last panel.
 */
export function packB<T>(kc: usize, nc: usize, b: usize, rsB: usize, csB: usize, bp: usize): void {
  const S = sizeof<T>();
  const NR = NV * lanes<T>();
  for (let j0: usize = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    if (nr == NR && rsB == 1) {
      // B transposed (columns contiguous along k: a linear layer's weight): vector transposes.
      packBColumns<T>(kc, b + j0 * csB * S, csB, bp);
      bp += kc * NR * S;
      continue;
    }
    if (nr == NR && csB == 1) {
      let src = b + j0 * S;
      for (let p: usize = 0; p < kc; p++) {
        v128.store(bp, v128.load(src));
        v128.store(bp, v128.load(src, 16), 16);
        src += rsB * S;
        bp += NR * S;
      }
    } else {
      for (let p: usize = 0; p < kc; p++) {
        const src = b + (p * rsB + j0 * csB) * S;
        let j: usize = 0;
        for (; j < nr; j++) store<T>(bp + j * S, load<T>(src + j * csB * S));
        for (; j < NR; j++) store<T>(bp + j * S, 0);
        bp += NR * S;
      }
    }
  }
}

/**
 * One full NR-column panel of a B whose columns are contiguous (rsB = 1: element (p, j) at
 * b + (p + j·csB)·S), packed k-major as packB does: lanes-by-lanes blocks of columns are read
 * as vectors along k and transposed with shuffles, instead of NR scalar loads per k step.
 */
function packBColumns<T>(kc: usize, b: usize, csB: usize, bp: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const NR = NV * L;
  const col = csB * S;
  let p: usize = 0;
  for (; p + L <= kc; p += L) {
    for (let h: usize = 0; h < NV; h++) {
      const src = b + (h * L * csB + p) * S, dst = bp + (p * NR + h * L) * S;
      if (sizeof<T>() == 4) {
        const v0 = v128.load(src), v1 = v128.load(src + col), v2 = v128.load(src + 2 * col), v3 = v128.load(src + 3 * col);
        const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(dst + NR * S, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
        v128.store(dst + 2 * NR * S, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
        v128.store(dst + 3 * NR * S, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      } else {
        const v0 = v128.load(src), v1 = v128.load(src + col);
        v128.store(dst, v128.shuffle<f64>(v0, v1, 0, 2));
        v128.store(dst + NR * S, v128.shuffle<f64>(v0, v1, 1, 3));
      }
    }
  }
  for (; p < kc; p++) {
    for (let j: usize = 0; j < NR; j++) store<T>(bp + (p * NR + j) * S, load<T>(b + (p + j * csB) * S));
  }
}

/**
 * C[m × n] = A[m × k] · B[k × n] for `batch` products.
 * A's element (i, p) is at a + (i·rsA + p·csA)·S; likewise B with rsB/csB; C is row-major with
 * row stride ldc. Batch strides sA, sB, sC are in elements (0 broadcasts an operand).
 * `work` must hold gemmWorkspaceBytes<T>(m, n, k) bytes, 16-byte aligned.
 * k = 0 writes zeros. With `accumulate`, C += A·B instead (k = 0 leaves C as it is): the first
 * k block then adds into C like every later one, so it costs no extra pass or branch per element.
 */
export function gemm<T>(
  batch: usize, m: usize, n: usize, k: usize,
  a: usize, rsA: usize, csA: usize, sA: usize,
  b: usize, rsB: usize, csB: usize, sB: usize,
  c: usize, ldc: usize, sC: usize,
  work: usize, accumulate: bool = false,
): void {
  const S = sizeof<T>();
  const NR = NV * lanes<T>();
  const kcMax = min(k, KC);
  const ncMax = roundUp(min(n, NC), NR);
  const mcMax = roundUp(min(m, MC), MR);
  const bp = align16(work);
  const ap = bp + kcMax * ncMax * S;
  const tile = ap + mcMax * kcMax * S;
  for (let t: usize = 0; t < batch; t++) {
    const at = a + t * sA * S, bt = b + t * sB * S, ct = c + t * sC * S;
    if (k == 0) {
      if (!accumulate) for (let i: usize = 0; i < m; i++) memory.fill(ct + i * ldc * S, 0, n * S);
      continue;
    }
    for (let jc: usize = 0; jc < n; jc += NC) {
      const nc = min(NC, n - jc);
      for (let pc: usize = 0; pc < k; pc += KC) {
        const kc = min(KC, k - pc);
        const addC = accumulate || pc > 0;
        packB<T>(kc, nc, bt + (pc * rsB + jc * csB) * S, rsB, csB, bp);
        for (let ic: usize = 0; ic < m; ic += MC) {
          const mc = min(MC, m - ic);
          packA<T>(mc, kc, at + (ic * rsA + pc * csA) * S, rsA, csA, ap);
          gemmTiles<T>(kc, mc, nc, ap, bp, ct + (ic * ldc + jc) * S, ldc, tile, addC, 0, false);
        }
      }
    }
  }
}
