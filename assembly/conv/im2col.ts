import { ConvGeom, taps } from "./geometry";
import { TABLE_MAX } from "../shared/tiles";

// Implicit im2col. The im2col matrix of one image and group has a row per (input channel c,
// tap t), k = c·T + t, and a column per output position p (flat over od·oh·ow); its element
// is the input value that tap t reads for output p, or 0 in the padding. It is never
// materialised: a tap table says, for NR consecutive output positions (one "panel") and
// each tap, where in an input channel plane the values are, and the packers copy straight
// from the input into the GEMM's packed panels; col2im adds back through the same table.
//
// Table layout, for panels q = 0 .. ceil(np / NR) − 1 of the positions [p0, p0 + np):
//   a class byte at cls + q·T + t, one of the ROW_* values below, so copies skip the
//     per-element work whenever a row of NR is contiguous, strided, masked or all padding;
//   offsets at tab + ((q·T + t)·NR + j)·4: i32 element offsets in the plane, as many as the
//     class needs (see each class).

/** Mixed: element by element through all NR offsets (−1 = padding, also for columns past np). */
export const ROW_GATHER: u8 = 0;
/** All NR values valid and adjacent: one 32-byte copy from offset 0. */
export const ROW_CONTIGUOUS: u8 = 1;
/** All NR values are padding; no offset is stored. */
export const ROW_ZERO: u8 = 2;
/** All NR values valid, `sw` elements apart (a stride along W): element by element from offset 0. */
export const ROW_STRIDED: u8 = 3;
/**
 * STRIDED with sw = 2, and the 2·NR elements from offset 0 inside the plane: two vectors' worth
 * of input are loaded and their even lanes kept (one element past the last needed is read).
 */
export const ROW_STRIDED2: u8 = 4;
/**
 * Some values are padding and every valid lane j reads element base + j: a vector load from
 * base with the padding lanes masked off. Offset 0 holds base, offset 1 the valid lanes as bits.
 * Only when [base, base + NR) lies inside the plane, so the load never leaves the tensor.
 * (Image borders, and panels that wrap to the next output row under "same" padding.)
 */
export const ROW_MASKED: u8 = 5;

/** The even lanes of a then b: elements 0, 2, 4, … of the 2L values a ++ b. */
// @ts-ignore: decorator
@inline export function evenLanes<T>(a: v128, b: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<T>(a, b, 0, 2, 4, 6);
  return v128.shuffle<T>(a, b, 0, 2);
}

/** a's lanes at the even positions of two vectors, zeros between: [a0, 0, a1, 0, …] as (low, high). */
// @ts-ignore: decorator
@inline function spreadLow<T>(a: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<T>(a, v128.splat<T>(0), 0, 4, 1, 5);
  return v128.shuffle<T>(a, v128.splat<T>(0), 0, 2);
}
// @ts-ignore: decorator
@inline function spreadHigh<T>(a: v128): v128 {
  if (sizeof<T>() == 4) return v128.shuffle<T>(a, v128.splat<T>(0), 2, 6, 3, 7);
  return v128.shuffle<T>(a, v128.splat<T>(0), 1, 3);
}

// Lane masks by bit pattern: entry b (16 bytes) has lane i all ones where bit i of b is set;
// 4-lane masks (f32) then 2-lane masks (f64).
const MASKS4: usize = memory.data<u32>([
  0, 0, 0, 0, ~0, 0, 0, 0, 0, ~0, 0, 0, ~0, ~0, 0, 0, 0, 0, ~0, 0, ~0, 0, ~0, 0, 0, ~0, ~0, 0, ~0, ~0, ~0, 0,
  0, 0, 0, ~0, ~0, 0, 0, ~0, 0, ~0, 0, ~0, ~0, ~0, 0, ~0, 0, 0, ~0, ~0, ~0, 0, ~0, ~0, 0, ~0, ~0, ~0, ~0, ~0, ~0, ~0,
], 16);
const MASKS2: usize = memory.data<u32>([0, 0, 0, 0, ~0, ~0, 0, 0, 0, 0, ~0, ~0, ~0, ~0, ~0, ~0], 16);

/** The lane masks of a MASKED row's two vectors, from its bits: lanes 0..L−1, then L..2L−1. */
// @ts-ignore: decorator
@inline export function maskLow<T>(bits: u32): v128 {
  return sizeof<T>() == 4 ? v128.load(MASKS4 + ((bits & 15) << 4)) : v128.load(MASKS2 + ((bits & 3) << 4));
}
// @ts-ignore: decorator
@inline export function maskHigh<T>(bits: u32): v128 {
  return sizeof<T>() == 4 ? v128.load(MASKS4 + ((bits >> 4) << 4)) : v128.load(MASKS2 + (((bits >> 2) & 3) << 4));
}

/** Bytes of the table for np positions in panels of NR: the offsets, then the class bytes after them. */
export function tapTableBytes(g: ConvGeom, np: usize, NR: usize): f64 {
  const panels = (np + NR - 1) / NR;
  return <f64>panels * <f64>taps(g) * <f64>(NR * 4 + 1);
}

// TABLE_MAX, the bytes a tap table may take before a block gets fewer positions (see
// positionBlock), comes from the kernel table.

/**
 * Output positions per block for a tap table of at most TABLE_MAX bytes: `pbMax` (a multiple of
 * NR) unless the kernel has so many taps (a 2^20-tap conv1d: 33 MB per panel) that fewer panels
 * must do; at least one panel. The table grows with taps × positions, everything else with one.
 */
export function positionBlock(g: ConvGeom, pbMax: usize, NR: usize): usize {
  const perPanel = <f64>taps(g) * <f64>(NR * 4 + 1);
  const panels = Math.floor(TABLE_MAX / perPanel);
  return panels >= <f64>(pbMax / NR) ? pbMax : max<usize>(1, <usize>panels) * NR;
}

/**
 * The class of a row whose NR offsets are all written (−1 = padding), rewriting offsets 0 and 1
 * for a MASKED row. `plane` bounds the masked load.
 */
function classify(row: usize, NR: usize, plane: i32): u8 {
  let base = 0, bits: u32 = 0, valid = 0;
  let uniform = true;
  for (let j: usize = 0; j < NR; j++) {
    const off = load<i32>(row + j * 4);
    if (off < 0) continue;
    if (valid == 0) base = off - <i32>j;
    else if (off != base + <i32>j) uniform = false;
    bits |= 1 << <u32>j;
    valid++;
  }
  if (valid == 0) return ROW_ZERO;
  if (!uniform) return ROW_GATHER;
  if (valid == <i32>NR) return ROW_CONTIGUOUS;
  if (base < 0 || base + <i32>NR > plane) return ROW_GATHER;
  store<i32>(row, base);
  store<u32>(row, bits, 4);
  return ROW_MASKED;
}

/**
 * Fills the table for output positions [p0, p0 + np); see the layout above. A panel inside one
 * output row (the common case) is classified per tap from its first and last input column,
 * with no test per element; a panel across output rows (or a partial last one) goes element by
 * element. CONTIGUOUS and STRIDED rows store only offset 0, ZERO rows store nothing: the
 * readers of those classes read no more. Returns `cls`, where the class bytes start.
 */
export function buildTapTable(g: ConvGeom, p0: usize, np: usize, NR: usize, tab: usize): usize {
  const T = taps(g);
  const panels = (np + NR - 1) / NR;
  const cls = tab + panels * T * NR * 4;
  const ohw = <usize>(g.oh * g.ow);
  // Output coordinates of the current column, advanced incrementally (no division per column).
  let z = <i32>(p0 / ohw), y = <i32>((p0 % ohw) / <usize>g.ow), x = <i32>(p0 % <usize>g.ow);
  for (let q: usize = 0; q < panels; q++) {
    const rows = tab + q * T * NR * 4, kinds = cls + q * T;
    if (q * NR + NR <= np && x + <i32>NR <= g.ow) {
      rowPanel(g, z, y, x, NR, rows, kinds);
      x += <i32>NR;
    } else {
      gatherPanel(g, z, y, x, min(NR, np - q * NR), NR, rows, kinds);
      x += <i32>min(NR, np - q * NR);
    }
    // Carry x into y and z (a gather panel may wrap more than one output row).
    while (x >= g.ow) {
      x -= g.ow;
      if (++y == g.oh) {
        y = 0;
        z++;
      }
    }
  }
  return cls;
}

// The builders copy the geometry fields they use into locals: the table stores could alias the
// descriptor in memory, so field reads inside the loops would be repeated after every store.

/** Element offset of input row (zz, yy) in a channel plane, or −1 when the row is padding. */
// @ts-ignore: decorator
@inline function inputRow(zz: i32, yy: i32, id: i32, ih: i32, iw: i32): i32 {
  return <u32>zz < <u32>id && <u32>yy < <u32>ih ? (zz * ih + yy) * iw : -1;
}

// A panel of NR outputs (z, y, x .. x + NR − 1) in one output row.
function rowPanel(g: ConvGeom, z: i32, y: i32, x: i32, NR: usize, rows: usize, kinds: usize): void {
  const kd = g.kd, kh = g.kh, kw = g.kw, id = g.id, ih = g.ih, iw = g.iw;
  const dd = g.dd, dh = g.dh, dw = g.dw, sw = g.sw;
  const z0 = z * g.sd - g.pd, y0 = y * g.sh - g.ph, x0 = x * sw - g.pw;
  // i64: the panel's last column may lie past 2^31 under a huge stride (only its first is inside).
  const span = <i64>(NR - 1) * <i64>sw;
  const plane = id * ih * iw;
  const rowStep = NR * 4;
  let row = rows, kind = kinds;
  for (let a = 0; a < kd; a++) {
    for (let b = 0; b < kh; b++) {
      const rowOff = inputRow(z0 + a * dd, y0 + b * dh, id, ih, iw);
      for (let e = 0; e < kw; e++) {
        const first = x0 + e * dw, last = <i64>first + span;
        let k = ROW_GATHER;
        if (rowOff < 0 || last < 0 || first >= iw) {
          k = ROW_ZERO;
        } else if (first >= 0 && last < <i64>iw) {
          store<i32>(row, rowOff + first);
          k = sw == 1 ? ROW_CONTIGUOUS : sw == 2 && rowOff + first + 2 * <i32>NR <= plane ? ROW_STRIDED2 : ROW_STRIDED;
        } else {
          for (let j: usize = 0; j < NR; j++) {
            const xx = <i64>first + <i64>j * <i64>sw;
            store<i32>(row + j * 4, <u64>xx < <u64>iw ? rowOff + <i32>xx : -1);
          }
          k = classify(row, NR, plane);
        }
        store<u8>(kind, k);
        row += rowStep;
        kind++;
      }
    }
  }
}

// A panel whose `cols` outputs start at (z, y, x) and may wrap output rows; columns past cols
// are padding. Element by element, then classified.
function gatherPanel(g: ConvGeom, z: i32, y: i32, x: i32, cols: usize, NR: usize, rows: usize, kinds: usize): void {
  const T = taps(g);
  const kd = g.kd, kh = g.kh, kw = g.kw, id = g.id, ih = g.ih, iw = g.iw, oh = g.oh, ow = g.ow;
  const dd = g.dd, dh = g.dh, dw = g.dw, sd = g.sd, sh = g.sh, sw = g.sw, pd = g.pd, ph = g.ph, pw = g.pw;
  const plane = id * ih * iw;
  const rowStep = NR * 4;
  for (let j: usize = 0; j < NR; j++) {
    let dst = rows + j * 4;
    if (j >= cols) {
      for (let t: usize = 0; t < T; t++) {
        store<i32>(dst, -1);
        dst += rowStep;
      }
      continue;
    }
    const z0 = z * sd - pd, y0 = y * sh - ph, x0 = x * sw - pw;
    for (let a = 0; a < kd; a++) {
      for (let b = 0; b < kh; b++) {
        const rowOff = inputRow(z0 + a * dd, y0 + b * dh, id, ih, iw);
        for (let e = 0; e < kw; e++) {
          const xx = x0 + e * dw;
          store<i32>(dst, rowOff >= 0 && <u32>xx < <u32>iw ? rowOff + xx : -1);
          dst += rowStep;
        }
      }
    }
    if (++x == ow) {
      x = 0;
      if (++y == oh) {
        y = 0;
        z++;
      }
    }
  }
  for (let t: usize = 0; t < T; t++) store<u8>(kinds + t, classify(rows + t * rowStep, NR, plane));
}

/**
 * Packs im2col rows [k0, k0 + kc) × the table's `panels` column panels into the GEMM's
 * packed-B layout: panel q at bp + q·kc·NR·S, element (k, j) at + ((k − k0)·NR + j)·S.
 * `xg` is the byte pointer of input channel 0 of this image and group; `plane` = id·ih·iw.
 */
export function packIm2col<T>(T_: usize, plane: usize, sw: usize, k0: usize, kc: usize, panels: usize, NR: usize, xg: usize, tab: usize, cls: usize, bp: usize): void {
  const S = sizeof<T>();
  for (let q: usize = 0; q < panels; q++) {
    let t = k0 % T_;
    let src = xg + (k0 / T_) * plane * S;
    for (let r: usize = 0; r < kc; r++) {
      const row = tab + (q * T_ + t) * NR * 4;
      const kind = load<u8>(cls + q * T_ + t);
      if (kind == ROW_CONTIGUOUS) {
        const s = src + <usize>load<i32>(row) * S;
        v128.store(bp, v128.load(s));
        v128.store(bp, v128.load(s, 16), 16);
      } else if (kind == ROW_ZERO) {
        v128.store(bp, v128.splat<i32>(0));
        v128.store(bp, v128.splat<i32>(0), 16);
      } else if (kind == ROW_MASKED) {
        const s = src + <usize>load<i32>(row) * S, bits = load<u32>(row, 4);
        v128.store(bp, v128.and(v128.load(s), maskLow<T>(bits)));
        v128.store(bp, v128.and(v128.load(s, 16), maskHigh<T>(bits)), 16);
      } else if (kind == ROW_STRIDED2) {
        const s = src + <usize>load<i32>(row) * S;
        v128.store(bp, evenLanes<T>(v128.load(s), v128.load(s, 16)));
        v128.store(bp, evenLanes<T>(v128.load(s, 32), v128.load(s, 48)), 16);
      } else if (kind == ROW_STRIDED) {
        const s = src + <usize>load<i32>(row) * S;
        for (let j: usize = 0; j < NR; j++) store<T>(bp + j * S, load<T>(s + j * sw * S));
      } else {
        for (let j: usize = 0; j < NR; j++) {
          const off = load<i32>(row + j * 4);
          let v: T = 0;
          if (off >= 0) v = load<T>(src + <usize>off * S);
          store<T>(bp + j * S, v);
        }
      }
      bp += NR * S;
      if (++t == T_) {
        t = 0;
        src += plane * S;
      }
    }
  }
}

/**
 * col2im: adds rows [k0, k0 + mc) of a column tile (row r at tile + r·ldt·S, the table's
 * columns in order) into the input-shaped gradient, through the same table. One tap maps
 * distinct output positions to distinct inputs, so a contiguous row is a plain vector add.
 */
export function scatterIm2col<T>(T_: usize, plane: usize, sw: usize, k0: usize, mc: usize, panels: usize, NR: usize, tile: usize, ldt: usize, dxg: usize, tab: usize, cls: usize): void {
  const S = sizeof<T>();
  let t = k0 % T_;
  let dst = dxg + (k0 / T_) * plane * S;
  for (let r: usize = 0; r < mc; r++) {
    let src = tile + r * ldt * S;
    for (let q: usize = 0; q < panels; q++) {
      const row = tab + (q * T_ + t) * NR * 4;
      const kind = load<u8>(cls + q * T_ + t);
      if (kind == ROW_CONTIGUOUS) {
        const d = dst + <usize>load<i32>(row) * S;
        v128.store(d, v128.add<T>(v128.load(d), v128.load(src)));
        v128.store(d, v128.add<T>(v128.load(d, 16), v128.load(src, 16)), 16);
      } else if (kind == ROW_MASKED) {
        // The padding lanes add + 0 to elements that other outputs own.
        const d = dst + <usize>load<i32>(row) * S, bits = load<u32>(row, 4);
        v128.store(d, v128.add<T>(v128.load(d), v128.and(v128.load(src), maskLow<T>(bits))));
        v128.store(d, v128.add<T>(v128.load(d, 16), v128.and(v128.load(src, 16), maskHigh<T>(bits))), 16);
      } else if (kind == ROW_STRIDED2) {
        // Adds into the even elements of 2·NR; the odd ones (other outputs' inputs) get + 0.
        const d = dst + <usize>load<i32>(row) * S;
        const s0 = v128.load(src), s1 = v128.load(src, 16);
        v128.store(d, v128.add<T>(v128.load(d), spreadLow<T>(s0)));
        v128.store(d, v128.add<T>(v128.load(d, 16), spreadHigh<T>(s0)), 16);
        v128.store(d, v128.add<T>(v128.load(d, 32), spreadLow<T>(s1)), 32);
        v128.store(d, v128.add<T>(v128.load(d, 48), spreadHigh<T>(s1)), 48);
      } else if (kind == ROW_STRIDED) {
        const d = dst + <usize>load<i32>(row) * S;
        for (let j: usize = 0; j < NR; j++) store<T>(d + j * sw * S, load<T>(d + j * sw * S) + load<T>(src + j * S));
      } else if (kind == ROW_GATHER) {
        for (let j: usize = 0; j < NR; j++) {
          const off = load<i32>(row + j * 4);
          if (off >= 0) {
            const d = dst + <usize>off * S;
            store<T>(d, load<T>(d) + load<T>(src + j * S));
          }
        }
      }
      src += NR * S;
    }
    if (++t == T_) {
      t = 0;
      dst += plane * S;
    }
  }
}
