import { lanes } from "../shared/simd";
import { KC, MR, NV, packA, packB } from "../gemm/gemm";
import { gemm_ukernel_4x2v } from "../gemm/ukernel";
import { ConvGeom, inPlane, isDepthwise, outPlane, roundUp, taps } from "./geometry";
import { buildTapTable, positionBlock, scatterIm2col, tapTableBytes } from "./im2col";
import { align16 } from "../shared/align";
import { PB } from "./forward";
import { dwBackwardData, dwBackwardDataWorkspace } from "./depthwise";

// Input gradient (and, with a bias, the transposed convolution), per image and group:
//   dcol[k, p] = Σ_o W[o, k] · dY[o, p]      (the forward's GEMM with W transposed)
//   dX += col2im(dcol)                       (each column adds back where forward read it)
// It is the exact adjoint of forward.ts: the same tap table maps (k, p) to an input element.
// dcol is never whole: a tile of MB rows × PB positions is computed, scattered, and reused.

// MB, the im2col rows per dcol tile (a multiple of MR), comes from the kernel table.
import { MB, ROUTE_DEPTHWISE, ROUTE_GEMM } from "../shared/tiles";

/** The implementation `convBackwardData` runs: depthwise loops or the GEMM and scatter. */
export function convBackwardDataRoute<T>(gp: usize): i32 {
  return isDepthwise(changetype<ConvGeom>(gp)) ? ROUTE_DEPTHWISE : ROUTE_GEMM;
}

// @ts-ignore: decorator
@inline function kgPadded(g: ConvGeom): usize {
  return roundUp(<usize>(g.c / g.groups) * taps(g), MR);
}

/** Scratch bytes `convBackwardData<T>` needs for the geometry at `gp`; f64 as in convForwardWorkspace. */
export function convBackwardDataWorkspace<T>(gp: usize): f64 {
  const g = changetype<ConvGeom>(gp);
  if (convBackwardDataRoute<T>(gp) == ROUTE_DEPTHWISE) return dwBackwardDataWorkspace<T>(g);
  const S = <f64>sizeof<T>();
  const NR = NV * lanes<T>();
  const og = <f64>(g.o / g.groups), kg = <usize>(g.c / g.groups) * taps(g);
  const pb = roundUp(min(outPlane(g), positionBlock(g, PB, NR)), NR);
  return <f64>g.groups * <f64>kgPadded(g) * og * S + og * <f64>pb * S + <f64>(roundUp(min(kg, MB), MR) * pb) * S +
    tapTableBytes(g, pb, NR) + 4 * 16;
}

/**
 * dx = ∂(Σ y·dy)/∂x for y = conv(x, w), for dx's input channels [c0, c1) only (all images);
 * with `bias` ≠ 0 (O values of the transposed convolution's output channels, i.e. C here), dx
 * starts from the bias instead of zero. With `accumulate`, dx += ∂/∂x instead (bias must be 0):
 * dx starts from its old values. `work` holds convBackwardDataWorkspace<T>(gp) bytes.
 * A channel's values depend only on its own dcol rows (c, ·), computed and added in the same
 * order for any range, so a split over channel ranges gives the bits of one whole call.
 */
export function convBackwardData<T>(gp: usize, dy: usize, w: usize, bias: usize, dx: usize, work: usize, accumulate: bool, c0: usize, c1: usize): void {
  const g = changetype<ConvGeom>(gp);
  if (convBackwardDataRoute<T>(gp) == ROUTE_DEPTHWISE) {
    dwBackwardData<T>(g, dy, w, bias, dx, work, accumulate, c0, c1);
    return;
  }
  const S = sizeof<T>();
  const NR = NV * lanes<T>();
  const G = <usize>g.groups, N = <usize>g.n, C = <usize>g.c;
  const og = <usize>(g.o / g.groups), cg = <usize>(g.c / g.groups);
  const T_ = taps(g), plane = inPlane(g), P = outPlane(g);
  const kg = cg * T_, mk = kgPadded(g);
  const PBg = positionBlock(g, PB, NR);
  const pbMax = roundUp(min(P, PBg), NR);

  const apT = align16(work);
  const bpY = align16(apT + G * mk * og * S);
  const dcol = align16(bpY + og * pbMax * S);
  const tab = align16(dcol + roundUp(min(kg, MB), MR) * pbMax * S);

  // dx starts at the bias (transposed convolution), zero, or its old values; col2im adds into it.
  for (let n: usize = 0; n < N && !accumulate; n++) {
    for (let c: usize = c0; c < c1; c++) {
      const dst = dx + (n * C + c) * plane * S;
      if (bias == 0) {
        memory.fill(dst, 0, plane * S);
      } else {
        const b = load<T>(bias + c * S);
        for (let i: usize = 0; i < plane; i++) store<T>(dst + i * S, b);
      }
    }
  }
  // The groups the range meets, and in each the im2col rows [r0, r1) of its channels.
  const g0 = c0 / cg, g1 = (c1 + cg - 1) / cg;
  // Wᵀ rows [r0, r1) of group gi, depth block pc (over o): MR-row panels at
  // apT + (gi·mk·og + pc·mr)·S, mr = r1 − r0 rounded up to MR.
  for (let gi = g0; gi < g1; gi++) {
    const r0 = (max(c0, gi * cg) - gi * cg) * T_, r1 = (min(c1, gi * cg + cg) - gi * cg) * T_;
    const mr = roundUp(r1 - r0, MR);
    for (let pc: usize = 0; pc < og; pc += KC) {
      packA<T>(r1 - r0, min(KC, og - pc), w + ((gi * og + pc) * kg + r0) * S, 1, kg, apT + (gi * mk * og + pc * mr) * S);
    }
  }

  for (let jc: usize = 0; jc < P; jc += PBg) {
    const nc = min(PBg, P - jc);
    const panels = (nc + NR - 1) / NR;
    const ldt = panels * NR;
    const cls = buildTapTable(g, jc, nc, NR, tab);
    for (let n: usize = 0; n < N; n++) {
      for (let gi = g0; gi < g1; gi++) {
        const r0 = (max(c0, gi * cg) - gi * cg) * T_, r1 = (min(c1, gi * cg + cg) - gi * cg) * T_;
        const mr = roundUp(r1 - r0, MR);
        const dyg = dy + ((n * <usize>g.o + gi * og) * P + jc) * S;
        const dxg = dx + (n * C + gi * cg) * plane * S;
        // dY block of all og rows (the GEMM depth), depth block pc at bpY + pc·ldt·S.
        for (let pc: usize = 0; pc < og; pc += KC) {
          packB<T>(min(KC, og - pc), nc, dyg + pc * P * S, P, 1, bpY + pc * ldt * S);
        }
        for (let ic = r0; ic < r1; ic += MB) {
          const mc = min(MB, r1 - ic);
          for (let pc: usize = 0; pc < og; pc += KC) {
            const kc = min(KC, og - pc);
            const apg = apT + (gi * mk * og + pc * mr + (ic - r0) * kc) * S;
            for (let jr: usize = 0; jr < nc; jr += NR) {
              const bpanel = bpY + (pc * ldt + jr * kc) * S;
              // The tile is padded to whole MR × NR blocks, so every store is a full tile.
              for (let ir: usize = 0; ir < mc; ir += MR) {
                gemm_ukernel_4x2v<T>(kc, apg + ir * kc * S, bpanel, dcol + (ir * ldt + jr) * S, ldt, pc > 0);
              }
            }
          }
          scatterIm2col<T>(T_, plane, <usize>g.sw, ic, mc, panels, NR, dcol, ldt, dxg, tab, cls);
        }
      }
    }
  }
}
