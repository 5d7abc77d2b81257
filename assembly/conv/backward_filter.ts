import { lanes } from "../shared/simd";
import { DOT_MR, DOT_NR, gemm_dot_ukernel_2x4, gemm_dot_ukernel_2x4_rows } from "../gemm/dot_ukernel";
import { ConvGeom, inPlane, isDepthwise, outPlane, roundUp, roundUpF, taps, windowSpan } from "./geometry";
import { ROW_CONTIGUOUS, ROW_MASKED, ROW_STRIDED, ROW_STRIDED2, ROW_ZERO, buildTapTable, evenLanes, maskHigh, maskLow, positionBlock, tapTableBytes } from "./im2col";
import { align16 } from "../shared/align";
import { convBiasGrad } from "./bias_grad";
import { copyBytes, dwBackwardFilter, dwPlaneWorkspace, padH, padPlane, padW, zeroBytes } from "./depthwise";

// Weight gradient, per group, summed over images and output positions:
//   dW[o, k] = Σ_n Σ_p dY[n, o, p] · im2col_n[k, p]
// Both operands are contiguous along the GEMM depth (the positions p), so this runs the
// dot-product microkernel (gemm/dot_ukernel.ts): dY rows and im2col rows are packed by plain
// vector copies (im2col straight from the input through the tap table of im2col.ts), and each
// 2 × 4 tile of sums is added into dW. A depth block is up to PD positions of one image or,
// when an image has fewer, several whole images back to back (the sum runs over images too),
// so small feature maps do not pay a tile's reduction and update per image. Stride-1 layers
// with few im2col rows (first layers: C·k·k ≤ KB) skip the im2col packing altogether: see the
// "wide" form below, which reads the rows in place from a padded copy of x.

// PD (output positions per depth block), KB (im2col rows per packed block) and WIDE_MAX come
// from the kernel table.
import { KB, PD, ROUTE_DEPTHWISE, ROUTE_GEMM, ROUTE_WIDE, WIDE_MAX } from "../shared/tiles";

// Depth layout: blocks of `blockPositions` positions of one image (PD, fewer for a kernel with
// thousands of taps: see positionBlock), segments of `seg` positions (one image's block, padded
// to NR), `ipb` per block.
// @ts-ignore: decorator
@inline function blockPositions<T>(g: ConvGeom): usize {
  return positionBlock(g, PD, 2 * lanes<T>());
}
// @ts-ignore: decorator
@inline function segment<T>(g: ConvGeom): usize {
  return roundUp(min(outPlane(g), blockPositions<T>(g)), 2 * lanes<T>());
}
// @ts-ignore: decorator
@inline function imagesPerBlock<T>(g: ConvGeom): usize {
  return outPlane(g) <= blockPositions<T>(g) ? max<usize>(1, PD / segment<T>(g)) : 1;
}

// Stride 1 (2-D and 1-D): the "wide" form. With x padded per channel to rows of Wp = padW
// columns (the windows' extent) and dY's rows widened to Wp with zeros, output position
// p' = y·Wp + x reads tap (ky, kx) at p' + ky·dh·Wp + kx·dw of the padded plane: every im2col
// row is a shifted, contiguous stretch of it, read in place by the dot kernel, so nothing but
// x's padding and dY's widening is copied (per image, C·Hp·Wp + O·oh·Wp elements, instead of
// C·k·k + O elements per output position). The Wp − ow extra columns per row cost products
// with dY's zeros (so a non-finite x value there, one no window of that tap reads, still
// makes that tap's sums NaN, as 0·∞ = NaN; the packed form reads only what the windows read).
// It pays where packing weighs most, few im2col rows (C·k·k ≤ KB, one packed block) against
// each dY row: with more, the packed form's blocking and its batching of small images (one
// reduction per tile for several images; here one per image) win. So: extra columns at most a
// quarter of a row, C·k·k ≤ KB, at least 256 output positions per image, and the per-image
// scratch (a widened dY and a padded x, which grow with the image) within WIDE_MAX bytes.
// The tests are in f64: a huge dilation or padding must fail them, not wrap past them.
// @ts-ignore: decorator
@inline function useWide<T>(g: ConvGeom): bool {
  return g.id == 1 && g.kd == 1 && g.od == 1 && g.sh == 1 && g.sw == 1 && <f64>(g.kw - 1) * <f64>g.dw * 4 <= <f64>g.ow &&
    <usize>(g.c / g.groups) * taps(g) <= KB && outPlane(g) >= 256 && wideBytes<T>(g) <= WIDE_MAX;
}
/** Scratch bytes of the wide form (the f64 mirror of widePositions and widePlane). */
// @ts-ignore: decorator
@inline function wideBytes<T>(g: ConvGeom): f64 {
  const L = <f64>lanes<T>(), Wp = windowSpan(g.ow, g.sw, g.kw, g.dw);
  const Pw = roundUpF(<f64>g.oh * Wp, L);
  const XP = roundUpF(Pw + <f64>(g.kh - 1) * <f64>g.dh * Wp + <f64>(g.kw - 1) * <f64>g.dw, L);
  return (<f64>roundUp(<usize>(g.o / g.groups), DOT_NR) * Pw + <f64>(g.c / g.groups) * XP) * <f64>sizeof<T>() +
    <f64>(DOT_MR * DOT_NR * sizeof<T>()) + 3 * 16;
}
/** Wide output positions per image, oh·Wp rounded up to a vector. */
// @ts-ignore: decorator
@inline function widePositions<T>(g: ConvGeom): usize {
  return roundUp(<usize>g.oh * padW(g), lanes<T>());
}
/** Elements per padded input plane: every read of p' < Pw plus the largest shift stays inside. */
// @ts-ignore: decorator
@inline function widePlane<T>(g: ConvGeom, Pw: usize): usize {
  return roundUp(Pw + <usize>((g.kh - 1) * g.dh) * padW(g) + <usize>((g.kw - 1) * g.dw), lanes<T>());
}

function convBackwardFilterWide<T>(g: ConvGeom, dy: usize, x: usize, dw: usize, work: usize, accumulate: bool, o0: usize, o1: usize, k0: usize, k1: usize): void {
  const S = sizeof<T>();
  const G = <usize>g.groups, N = <usize>g.n;
  const og = <usize>(g.o / g.groups), cg = <usize>(g.c / g.groups);
  const T_ = taps(g), plane = inPlane(g), P = outPlane(g);
  const kg = cg * T_;
  const Wp = padW(g), Hp = padH(g), ow = <usize>g.ow, oh = <usize>g.oh, kw = <usize>g.kw;
  const Pw = widePositions<T>(g), XP = widePlane<T>(g, Pw);
  const rowShift = <usize>g.dh * Wp, colShift = <usize>g.dw;
  // dY rows (padded to DOT_NR with zero rows, one stride apart) on the 4-row side, im2col rows
  // on the 2-row side.
  const ogp = roundUp(og, DOT_NR);
  const yw = align16(work);
  const xw = align16(yw + ogp * Pw * S);
  const tile = align16(xw + cg * XP * S);
  // The channels whose im2col rows the range [k0, k1) reads.
  const xc0 = k0 / T_, xc1 = (k1 + T_ - 1) / T_;

  // Every tile is added into dw: accumulating is not zeroing it first.
  if (!accumulate) zeroRange<T>(dw, kg, o0, o1, k0, k1);
  for (let n: usize = 0; n < N; n++) {
    for (let gi = o0 / og; gi * og < o1; gi++) {
      // This group's dY rows [y0, y1) of the range (local to the group).
      const y0 = max(o0, gi * og) - gi * og, y1 = min(o1, gi * og + og) - gi * og, ny0 = y1 - y0;
      // x's channels of this group, padded, each followed by zeros up to XP.
      for (let c = xc0; c < xc1; c++) {
        const dst = xw + c * XP * S;
        padPlane<T>(g, x + ((n * <usize>g.c + gi * cg + c) * plane) * S, dst);
        zeroBytes(dst + Hp * Wp * S, (XP - Hp * Wp) * S);
      }
      // dY's rows widened to Wp with zeros, then zeros up to Pw; rows up to a DOT_NR multiple all zero.
      for (let o: usize = 0; o < ny0; o++) {
        const src = dy + ((n * <usize>g.o + gi * og + y0 + o) * P) * S, dst = yw + o * Pw * S;
        for (let y: usize = 0; y < oh; y++) {
          copyBytes(dst + y * Wp * S, src + y * ow * S, ow * S);
          zeroBytes(dst + (y * Wp + ow) * S, (Wp - ow) * S);
        }
        zeroBytes(dst + oh * Wp * S, (Pw - oh * Wp) * S);
      }
      zeroBytes(yw + ny0 * Pw * S, (roundUp(ny0, DOT_NR) - ny0) * Pw * S);
      for (let pc: usize = 0; pc < Pw; pc += PD) {
        const kc = min(PD, Pw - pc);
        for (let xr = k0; xr < k1; xr += DOT_MR) {
          const nx = min(DOT_MR, k1 - xr);
          // im2col row k = c·T + t: channel c's padded plane shifted by tap t (a row past the
          // range repeats the last one; its sums are not stored).
          const ka = xr, kb = xr + nx - 1;
          const x0 = xw + ((ka / T_) * XP + pc + ((ka % T_) / kw) * rowShift + ((ka % T_) % kw) * colShift) * S;
          const x1 = xw + ((kb / T_) * XP + pc + ((kb % T_) / kw) * rowShift + ((kb % T_) % kw) * colShift) * S;
          for (let yr: usize = 0; yr < ny0; yr += DOT_NR) {
            const ny = min(DOT_NR, ny0 - yr);
            gemm_dot_ukernel_2x4_rows<T>(kc, x0, x1, yw + (yr * Pw + pc) * S, Pw * S, tile);
            // tile[b][a]: b over the im2col rows, a over the dY rows.
            const cdst = dw + ((gi * og + y0 + yr) * kg + xr) * S;
            for (let a: usize = 0; a < ny; a++) {
              for (let b: usize = 0; b < nx; b++) {
                const d = cdst + (a * kg + b) * S;
                store<T>(d, load<T>(d) + load<T>(tile + (b * DOT_NR + a) * S));
              }
            }
          }
        }
      }
    }
  }
}

/** Zeroes dw[o, k] for o in [o0, o1), k in [k0, k1) (rows of kg). */
function zeroRange<T>(dw: usize, kg: usize, o0: usize, o1: usize, k0: usize, k1: usize): void {
  const S = sizeof<T>();
  if (k0 == 0 && k1 == kg) {
    memory.fill(dw + o0 * kg * S, 0, (o1 - o0) * kg * S);
    return;
  }
  for (let o = o0; o < o1; o++) memory.fill(dw + (o * kg + k0) * S, 0, (k1 - k0) * S);
}

/** The implementation `convBackwardFilter` runs: depthwise loops, the wide form, or packed dot panels. */
export function convBackwardFilterRoute<T>(gp: usize): i32 {
  const g = changetype<ConvGeom>(gp);
  if (isDepthwise(g)) return ROUTE_DEPTHWISE;
  return useWide<T>(g) ? ROUTE_WIDE : ROUTE_GEMM;
}

/** Scratch bytes `convBackwardFilter<T>` needs for the geometry at `gp`; f64 as in convForwardWorkspace. */
export function convBackwardFilterWorkspace<T>(gp: usize): f64 {
  const g = changetype<ConvGeom>(gp);
  const route = convBackwardFilterRoute<T>(gp);
  if (route == ROUTE_DEPTHWISE) return dwPlaneWorkspace<T>(g);
  const S = <f64>sizeof<T>();
  if (route == ROUTE_WIDE) return wideBytes<T>(g);
  const NR: usize = 2 * lanes<T>();
  const og = <usize>(g.o / g.groups), kg = <usize>(g.c / g.groups) * taps(g);
  const seg = segment<T>(g), ldp = <f64>(seg * imagesPerBlock<T>(g));
  // Panels padded to 4 rows on both sides, enough for either orientation.
  return <f64>roundUp(og, DOT_NR) * ldp * S + <f64>roundUp(min(kg, KB), DOT_NR) * ldp * S + <f64>(DOT_MR * DOT_NR) * S +
    tapTableBytes(g, seg, NR) + 4 * 16;
}

/**
 * Packs rows [0, rows) of dY (row r at src + r·P·S), positions [0, kc), as kcp positions (zero
 * past kc and past `rows`) of R-row dot panels of depth ldp: panel i0 at ap + i0·ldp·S, row i's
 * vector for step s at + s·R·16 + i·16. `ap` may point into the panels (a later depth segment).
 */
function packDotRows<T>(R: usize, rows: usize, kc: usize, kcp: usize, ldp: usize, src: usize, P: usize, ap: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  for (let i0: usize = 0; i0 < rows; i0 += R) {
    for (let i: usize = 0; i < R; i++) {
      let dst = ap + (i0 * ldp) * S + i * 16;
      if (i0 + i >= rows) {
        for (let s: usize = 0; s < kcp; s += L) {
          v128.store(dst, v128.splat<i32>(0));
          dst += R * 16;
        }
        continue;
      }
      const row = src + (i0 + i) * P * S;
      let p: usize = 0;
      for (; p + L <= kc; p += L) {
        v128.store(dst, v128.load(row + p * S));
        dst += R * 16;
      }
      for (; p < kcp; p += L) {
        // The last partial vector: copy what exists, zero the rest (never read past the row).
        v128.store(dst, v128.splat<i32>(0));
        for (let q = p; q < kc; q++) store<T>(dst + (q - p) * S, load<T>(row + q * S));
        dst += R * 16;
      }
    }
  }
}

/**
 * Packs im2col rows [k0, k0 + nc) for the table's positions (panels of NR = 2 vectors) as
 * panels·NR positions of R-row dot panels (R = 2 or 4) of depth ldp: panel j0 at bp + j0·ldp·S,
 * row j's vector for step s at + s·R·16 + j·16. Rows past nc are zero. `xg` is input channel 0
 * of this image and group; `bp` may point into the panels (a later segment of the depth).
 * Position panels are the inner loop's unit, so the R rows of a panel are written together.
 */
function packDotIm2col<T>(R: usize, T_: usize, plane: usize, sw: usize, k0: usize, nc: usize, panels: usize, ldp: usize, xg: usize, tab: usize, cls: usize, bp: usize): void {
  const S = sizeof<T>();
  for (let j0: usize = 0; j0 < nc; j0 += R) {
    // Row j reads tap t_j of channel plane s_j; rows past nc (not live) are zero.
    const k = k0 + j0;
    const t0 = k % T_, s0 = xg + (k / T_) * plane * S;
    const t1 = (k + 1) % T_, s1 = xg + ((k + 1) / T_) * plane * S;
    const t2 = (k + 2) % T_, s2 = xg + ((k + 2) / T_) * plane * S;
    const t3 = (k + 3) % T_, s3 = xg + ((k + 3) / T_) * plane * S;
    const live = nc - j0;
    const rowBytes: usize = 2 * lanes<T>() * 4;
    let dst = bp + j0 * ldp * S;
    for (let q: usize = 0; q < panels; q++) {
      const rows = tab + q * T_ * rowBytes, kinds = cls + q * T_;
      packDotPiece<T>(R, live > 0, load<u8>(kinds + t0), rows + t0 * rowBytes, s0, sw, dst);
      packDotPiece<T>(R, live > 1, load<u8>(kinds + t1), rows + t1 * rowBytes, s1, sw, dst + 16);
      if (R > 2) {
        packDotPiece<T>(R, live > 2, load<u8>(kinds + t2), rows + t2 * rowBytes, s2, sw, dst + 32);
        packDotPiece<T>(R, live > 3, load<u8>(kinds + t3), rows + t3 * rowBytes, s3, sw, dst + 48);
      }
      dst += 2 * R * 16;
    }
  }
}

// One row's NR values of one position panel, as two vectors R·16 bytes apart (steps s and s + 1).
// @ts-ignore: decorator
@inline function packDotPiece<T>(R: usize, live: bool, kind: u8, row: usize, src: usize, sw: usize, dst: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const next = R * 16;
  if (!live || kind == ROW_ZERO) {
    v128.store(dst, v128.splat<i32>(0));
    v128.store(dst + next, v128.splat<i32>(0));
  } else if (kind == ROW_CONTIGUOUS) {
    const s = src + <usize>load<i32>(row) * S;
    v128.store(dst, v128.load(s));
    v128.store(dst + next, v128.load(s, 16));
  } else if (kind == ROW_MASKED) {
    const s = src + <usize>load<i32>(row) * S, bits = load<u32>(row, 4);
    v128.store(dst, v128.and(v128.load(s), maskLow<T>(bits)));
    v128.store(dst + next, v128.and(v128.load(s, 16), maskHigh<T>(bits)));
  } else if (kind == ROW_STRIDED2) {
    const s = src + <usize>load<i32>(row) * S;
    v128.store(dst, evenLanes<T>(v128.load(s), v128.load(s, 16)));
    v128.store(dst + next, evenLanes<T>(v128.load(s, 32), v128.load(s, 48)));
  } else if (kind == ROW_STRIDED) {
    const s = src + <usize>load<i32>(row) * S;
    for (let i: usize = 0; i < 2 * L; i++) store<T>(dst + (i / L) * next + (i % L) * S, load<T>(s + i * sw * S));
  } else {
    for (let i: usize = 0; i < 2 * L; i++) {
      const off = load<i32>(row + i * 4);
      let v: T = 0;
      if (off >= 0) v = load<T>(src + <usize>off * S);
      store<T>(dst + (i / L) * next + (i % L) * S, v);
    }
  }
}

/**
 * dw = ∂(Σ y·dy)/∂w for y = conv(x, w), overwritten; with db ≠ 0 also the bias gradient
 * db[o] = Σ dy[·, o, ·], overwritten (fused into the depthwise loops, which read all of dy
 * anyway; a separate pass otherwise). With `accumulate`, both are added to instead.
 * Only the block dw[o, k] for output channels o in [o0, o1) and k in [k0, k1) (k = c·T + t
 * within a group, dw's inner index; the depthwise route needs the whole [0, T)), and db[o0, o1):
 * every element is a sum over all images and positions in the order of a whole call, so a split
 * into blocks gives its bits (give db to one block per channel range).
 * `work` holds convBackwardFilterWorkspace<T>(gp) bytes.
 */
export function convBackwardFilter<T>(gp: usize, dy: usize, x: usize, dw: usize, db: usize, work: usize, accumulate: bool, o0: usize, o1: usize, k0: usize, k1: usize): void {
  const g = changetype<ConvGeom>(gp);
  const route = convBackwardFilterRoute<T>(gp);
  if (route == ROUTE_DEPTHWISE) {
    dwBackwardFilter<T>(g, dy, x, dw, db, work, accumulate, o0, o1);
    return;
  }
  if (db != 0) convBiasGrad<T>(gp, dy, db, accumulate, o0, o1);
  if (route == ROUTE_WIDE) {
    convBackwardFilterWide<T>(g, dy, x, dw, work, accumulate, o0, o1, k0, k1);
    return;
  }
  const S = sizeof<T>();
  const NR: usize = 2 * lanes<T>();
  const N = <usize>g.n;
  const og = <usize>(g.o / g.groups), cg = <usize>(g.c / g.groups);
  const T_ = taps(g), plane = inPlane(g), P = outPlane(g);
  const kg = cg * T_;
  const seg = segment<T>(g), ipb = imagesPerBlock<T>(g), ldpMax = seg * ipb, blk = blockPositions<T>(g);

  // The dot tile is DOT_MR × DOT_NR (2 × 4). dY rows take the 2-row side and im2col rows the
  // 4-row side, unless the other way pads less: first layers have odd im2col row counts
  // (k = 9, 25, 49) that pad worse to 4 than to 2. Chosen from the whole geometry, not the range.
  const swap = roundUp(og, DOT_NR) * roundUp(kg, DOT_MR) < roundUp(og, DOT_MR) * roundUp(kg, DOT_NR);
  const rY = swap ? DOT_NR : DOT_MR, rX = swap ? DOT_MR : DOT_NR;

  const yp = align16(work);
  const xp = align16(yp + roundUp(og, DOT_NR) * ldpMax * S);
  const tile = align16(xp + roundUp(min(kg, KB), DOT_NR) * ldpMax * S);
  const tab = align16(tile + DOT_MR * DOT_NR * S);

  // Every tile is added into dw: accumulating is not zeroing it first.
  if (!accumulate) zeroRange<T>(dw, kg, o0, o1, k0, k1);
  for (let pc: usize = 0; pc < P; pc += blk) {
    const kc = min(blk, P - pc);
    const panels = (kc + NR - 1) / NR;
    const kcp = panels * NR;
    const cls = buildTapTable(g, pc, kc, NR, tab);
    for (let n0: usize = 0; n0 < N; n0 += ipb) {
      const images = min(ipb, N - n0), ldp = images * kcp;
      for (let gi = o0 / og; gi * og < o1; gi++) {
        // This group's dY rows [y0, y1) of the range (local to the group).
        const y0 = max(o0, gi * og) - gi * og, y1 = min(o1, gi * og + og) - gi * og, ny0 = y1 - y0;
        for (let i: usize = 0; i < images; i++) {
          packDotRows<T>(rY, ny0, kc, kcp, ldp, dy + (((n0 + i) * <usize>g.o + gi * og + y0) * P + pc) * S, P, yp + i * kcp * rY * S);
        }
        for (let jc = k0; jc < k1; jc += KB) {
          const nc = min(KB, k1 - jc);
          for (let i: usize = 0; i < images; i++) {
            const xg = x + ((n0 + i) * <usize>g.c + gi * cg) * plane * S;
            packDotIm2col<T>(rX, T_, plane, <usize>g.sw, jc, nc, panels, ldp, xg, tab, cls, xp + i * kcp * rX * S);
          }
          for (let xr: usize = 0; xr < nc; xr += rX) {
            const nx = min(rX, nc - xr);
            for (let yr: usize = 0; yr < ny0; yr += rY) {
              const ny = min(rY, ny0 - yr);
              const ypanel = yp + yr * ldp * S, xpanel = xp + xr * ldp * S;
              if (swap) gemm_dot_ukernel_2x4<T>(ldp, xpanel, ypanel, tile);
              else gemm_dot_ukernel_2x4<T>(ldp, ypanel, xpanel, tile);
              // tile[i][j]: i over the 2-row side, j over the 4-row side.
              const c = dw + ((gi * og + y0 + yr) * kg + jc + xr) * S;
              for (let a: usize = 0; a < ny; a++) {
                for (let b: usize = 0; b < nx; b++) {
                  const d = c + (a * kg + b) * S;
                  store<T>(d, load<T>(d) + load<T>(tile + (swap ? b * DOT_NR + a : a * DOT_NR + b) * S));
                }
              }
            }
          }
        }
      }
    }
  }
}
