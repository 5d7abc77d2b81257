import { lanes } from "../shared/simd";
import { KC, MR, NV, packA } from "../gemm/gemm";
import { gemmTiles } from "../gemm/ukernel";
import { ConvGeom, inPlane, isDepthwise, outPlane, roundUp, taps } from "./geometry";
import { buildTapTable, packIm2col, positionBlock, tapTableBytes } from "./im2col";
import { align16 } from "../shared/align";
import { dwForward, dwPlaneWorkspace } from "./depthwise";

// Forward convolution as an implicit GEMM, per image and group:
//   Y[o, p] = Σ_k W[o, k] · im2col[k, p] (+ bias[o]),  o < O/groups, k < C/groups · taps, p < od·oh·ow.
// W is packed once per call into MR-row panels (it is reused by every image); im2col is packed
// block by block straight from the input (see im2col.ts). Scratch is the packed weights, a
// KC × PB im2col block and the tap table for PB positions: independent of the batch size.
// Bias and ReLU are the microkernel's epilogue: bias seeds the accumulators of the first depth
// block, ReLU clamps the last one's stores. A kernel with thousands of taps gets fewer positions
// per block, so the tap table stays small (positionBlock).

// PB, the output positions per column block (the GEMM's NC), comes from the kernel table.
import { PB, ROUTE_DEPTHWISE, ROUTE_GEMM } from "../shared/tiles";
export { PB };

/** The implementation `convForward` runs: depthwise loops or the implicit GEMM. */
export function convForwardRoute<T>(gp: usize): i32 {
  return isDepthwise(changetype<ConvGeom>(gp)) ? ROUTE_DEPTHWISE : ROUTE_GEMM;
}

// @ts-ignore: decorator
@inline function rowsPadded(g: ConvGeom): usize {
  return roundUp(<usize>(g.o / g.groups), MR);
}

// Scratch parts, in order: packed weights, padded bias, packed im2col block, edge tile, tap table.
// @ts-ignore: decorator
@inline function packedWeightsBytes<T>(g: ConvGeom): usize {
  return <usize>g.groups * rowsPadded(g) * (<usize>(g.c / g.groups) * taps(g)) * sizeof<T>();
}

/**
 * Scratch bytes `convForward<T>` needs for the geometry at `gp`. f64, computed in f64: the packed
 * weights of a large layer may pass 2^32 bytes, which the caller must see as out of memory
 * rather than wrapped to a small size. Below 2^32 the kernel's usize offsets into it are exact.
 */
export function convForwardWorkspace<T>(gp: usize): f64 {
  const g = changetype<ConvGeom>(gp);
  if (convForwardRoute<T>(gp) == ROUTE_DEPTHWISE) return dwPlaneWorkspace<T>(g);
  const S = <f64>sizeof<T>();
  const NR = NV * lanes<T>();
  const kg = <f64>(g.c / g.groups) * <f64>taps(g);
  const pb = roundUp(min(outPlane(g), positionBlock(g, PB, NR)), NR);
  const rows = <f64>g.groups * <f64>rowsPadded(g);
  return rows * kg * S + rows * S + min(kg, <f64>KC) * <f64>pb * S + <f64>(MR * NR) * S + tapTableBytes(g, pb, NR) +
    5 * 16;
}

/**
 * y = conv(x, w) + bias, then ReLU when `relu`. `bias` is a byte pointer to O values or 0 for none.
 * `work` holds convForwardWorkspace<T>(gp) bytes. With `accumulate`, y += conv(x, w) (the
 * transposed convolution's input gradient into an existing tensor); bias must be 0 and relu off.
 */
export function convForward<T>(gp: usize, x: usize, w: usize, bias: usize, y: usize, work: usize, relu: bool, accumulate: bool = false): void {
  const g = changetype<ConvGeom>(gp);
  if (convForwardRoute<T>(gp) == ROUTE_DEPTHWISE) {
    dwForward<T>(g, x, w, bias, y, work, relu, accumulate);
    return;
  }
  const S = sizeof<T>();
  const NR = NV * lanes<T>();
  const G = <usize>g.groups, N = <usize>g.n;
  const og = <usize>(g.o / g.groups), cg = <usize>(g.c / g.groups);
  const T_ = taps(g), plane = inPlane(g), P = outPlane(g);
  const kg = cg * T_;
  const mp = rowsPadded(g);
  const PBg = positionBlock(g, PB, NR);

  const ap = align16(work);
  const pbias = align16(ap + packedWeightsBytes<T>(g));
  const bp = align16(pbias + G * mp * S);
  const tile = align16(bp + min(kg, KC) * roundUp(min(P, PBg), NR) * S);
  const tab = align16(tile + MR * NR * S);

  // Weights of group gi, depth block pc: MR-row panels at ap + (gi·mp·kg + pc·mp)·S.
  for (let gi: usize = 0; gi < G; gi++) {
    for (let pc: usize = 0; pc < kg; pc += KC) {
      packA<T>(og, min(KC, kg - pc), w + (gi * og * kg + pc) * S, kg, 1, ap + (gi * mp * kg + pc * mp) * S);
    }
    for (let i: usize = 0; i < mp; i++) {
      store<T>(pbias + (gi * mp + i) * S, bias != 0 && i < og ? load<T>(bias + (gi * og + i) * S) : 0);
    }
  }

  for (let jc: usize = 0; jc < P; jc += PBg) {
    const nc = min(PBg, P - jc);
    const panels = (nc + NR - 1) / NR;
    const cls = buildTapTable(g, jc, nc, NR, tab);
    for (let n: usize = 0; n < N; n++) {
      for (let gi: usize = 0; gi < G; gi++) {
        const xg = x + (n * <usize>g.c + gi * cg) * plane * S;
        const yg = y + ((n * <usize>g.o + gi * og) * P + jc) * S;
        for (let pc: usize = 0; pc < kg; pc += KC) {
          const kc = min(KC, kg - pc);
          // The first depth block adds into y too when accumulating: the microkernel's own flag.
          const first = pc == 0 && !accumulate, last = pc + kc == kg;
          packIm2col<T>(T_, plane, <usize>g.sw, pc, kc, panels, NR, xg, tab, cls, bp);
          const apg = ap + (gi * mp * kg + pc * mp) * S;
          const bg = pc == 0 && bias != 0 ? pbias + gi * mp * S : 0;
          gemmTiles<T>(kc, og, nc, apg, bp, yg, P, tile, !first, bg, relu && last);
        }
      }
    }
  }
}
