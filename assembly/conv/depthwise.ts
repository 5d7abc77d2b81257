import { lanes, madd } from "../shared/simd";
import { CONV_GEOM_BYTES, ConvGeom, dwPlaneElements, inPlane, outPlane, taps } from "./geometry";
import { align16 } from "../shared/align";
import { DW_MAX_BLOCK, DW_TAP_GROUP } from "../shared/tiles";

// Depthwise convolution (groups = C, m = O / C output channels per input channel, m < 4):
// direct SIMD loops over one channel plane at a time. The plane is first copied into a
// zero-padded scratch plane of exactly the extent the windows read, so the inner loops have
// no bounds tests; output positions run along vectors (4 f32 or 2 f64 per vector, up to six
// vectors per block for independent accumulator chains), and each kernel tap is one splat and
// one multiply-add per vector. The weight gradient is T dot products over the plane, up to six
// taps at a time sharing each dy load.
//
// Forward and the input gradient are the same loop: with stride 1 in every dim,
//   dx[i] = Σ_t w[t] · dy[i + p − t·d] = Σ_t w[T−1−t] · dyPadded[i + t·d],
// a forward pass over dy with the flipped kernel and padding d·(k−1) − p. With a larger stride
// the gradient is scattered into a padded plane instead (dxPadded[o·s + t·d] += w[t]·dy[o]).
// The scatter also serves stride 1 when a channel's weights hold a NaN or ±Inf: the forward
// form multiplies every weight by dy's zero padding too, and 0·∞ = NaN would reach inputs
// no window pairs with that weight (PyTorch sums only the real pairs).
//
// Planes are bounded before any of this runs (isDepthwise, geometry.ts): at most 2^30
// elements, so the i32 extents and offsets below cannot wrap.

// Padded extent of the windows of geometry g along each dim.
// @ts-ignore: decorator
@inline export function padD(g: ConvGeom): usize { return <usize>((g.od - 1) * g.sd + (g.kd - 1) * g.dd + 1); }
// @ts-ignore: decorator
@inline export function padH(g: ConvGeom): usize { return <usize>((g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1); }
// @ts-ignore: decorator
@inline export function padW(g: ConvGeom): usize { return <usize>((g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1); }

// @ts-ignore: decorator
@inline function paddedBytes<T>(g: ConvGeom): usize {
  return padD(g) * padH(g) * padW(g) * sizeof<T>();
}

// Short row copies and fills as vector loops: memory.copy / memory.fill leave wasm for a
// runtime call, which costs more than a plane row of a small feature map.
// @ts-ignore: decorator
@inline export function zeroBytes(dst: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.splat<i32>(0));
  for (; i < bytes; i += 4) store<i32>(dst + i, 0);
}

// @ts-ignore: decorator
@inline export function copyBytes(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<i32>(dst + i, load<i32>(src + i));
}

/**
 * Copies the input plane at src (g.id × g.ih × g.iw) into the padded plane at dst
 * (padD × padH × padW): dst[z][y][x] = src[z − pd][y − ph][x − pw], 0 outside src.
 * Pads may be negative (the input-gradient geometry crops).
 */
export function padPlane<T>(g: ConvGeom, src: usize, dst: usize): void {
  const S = sizeof<T>();
  const PD = <i32>padD(g), PH = <i32>padH(g), PW = <i32>padW(g);
  // Columns [lo, hi) of each padded row come from the source row.
  const lo = min(max(g.pw, 0), PW), hi = max(min(g.iw + g.pw, PW), lo);
  for (let z = 0; z < PD; z++) {
    const sz = z - g.pd;
    for (let y = 0; y < PH; y++) {
      const sy = y - g.ph;
      const row = dst + <usize>((z * PH + y) * PW) * S;
      if (<u32>sz >= <u32>g.id || <u32>sy >= <u32>g.ih || lo == hi) {
        zeroBytes(row, <usize>PW * S);
        continue;
      }
      zeroBytes(row, <usize>lo * S);
      copyBytes(row + <usize>lo * S, src + <usize>((sz * g.ih + sy) * g.iw + lo - g.pw) * S, <usize>(hi - lo) * S);
      zeroBytes(row + <usize>hi * S, <usize>(PW - hi) * S);
    }
  }
}

/** Lanes at p, p + step, … (bytes): a vector of a strided row. */
// @ts-ignore: decorator
@inline function loadStrided<T>(p: usize, step: usize): v128 {
  let v = v128.splat<T>(load<T>(p));
  v = v128.replace_lane<T>(v, 1, load<T>(p + step));
  if (sizeof<T>() == 4) {
    v = v128.replace_lane<T>(v, 2, load<T>(p + 2 * step));
    v = v128.replace_lane<T>(v, 3, load<T>(p + 3 * step));
  }
  return v;
}

// @ts-ignore: decorator
@inline function loadRow<T>(p: usize, step: usize, unit: bool): v128 {
  return unit ? v128.load(p) : loadStrided<T>(p, step);
}

/**
 * Byte offsets of the T taps from a window's origin in the padded plane of g, at offs (i32 each):
 * tap (a, b, e) is a·dd planes, b·dh rows and e·dw elements away. One flat loop over taps then
 * serves every kernel shape and rank.
 */
function tapOffsets<T>(g: ConvGeom, offs: usize): void {
  const S = sizeof<T>();
  const rowBytes = padW(g) * S, planeRowBytes = padH(g) * rowBytes;
  let t: usize = 0;
  for (let a = 0; a < g.kd; a++) {
    for (let b = 0; b < g.kh; b++) {
      for (let e = 0; e < g.kw; e++) {
        store<i32>(offs + t * 4, <i32>(<usize>(a * g.dd) * planeRowBytes + <usize>(b * g.dh) * rowBytes + <usize>(e * g.dw) * S));
        t++;
      }
    }
  }
}

// At most six vectors per block: with more, V8 keeps the loaded rows and the accumulators live
// at once, runs out of the 16 xmm registers and spills an accumulator to the stack on every
// tap (seen in a perf profile; 10% slower on dw128).
// DW_MAX_BLOCK (6) and DW_TAP_GROUP come from the kernel table.

/**
 * V vectors (1 ≤ V ≤ 6, a compile-time constant at each call) of one output row at o, from the
 * padded plane at `base` (the window origin of the first output):
 * out[x] = (accumulate ? out[x] : bias) + Σ_t wt[t] · base[offs[t] + x·sw], then ReLU when asked.
 * V independent accumulator chains hide the multiply-add latency; `unit` (sw = 1) makes the row
 * loads plain vector loads at immediate offsets.
 */
// @ts-ignore: decorator
@inline function dwBlock<T>(V: i32, step: usize, base: usize, offs: usize, T_: usize, wt: usize, bias: T, o: usize, accumulate: bool, relu: bool, unit: bool): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const vs = unit ? L * S : L * step;
  let a0 = v128.splat<T>(bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  if (accumulate) {
    a0 = v128.load(o);
    if (V > 1) a1 = v128.load(o, 16);
    if (V > 2) a2 = v128.load(o, 32);
    if (V > 3) a3 = v128.load(o, 48);
    if (V > 4) a4 = v128.load(o, 64);
    if (V > 5) a5 = v128.load(o, 80);
  }
  for (let t: usize = 0; t < T_; t++) {
    const wv = v128.load_splat<T>(wt + t * S);
    const q = base + <usize>load<i32>(offs + t * 4);
    a0 = madd<T>(wv, loadRow<T>(q, step, unit), a0);
    if (V > 1) a1 = madd<T>(wv, loadRow<T>(q + vs, step, unit), a1);
    if (V > 2) a2 = madd<T>(wv, loadRow<T>(q + 2 * vs, step, unit), a2);
    if (V > 3) a3 = madd<T>(wv, loadRow<T>(q + 3 * vs, step, unit), a3);
    if (V > 4) a4 = madd<T>(wv, loadRow<T>(q + 4 * vs, step, unit), a4);
    if (V > 5) a5 = madd<T>(wv, loadRow<T>(q + 5 * vs, step, unit), a5);
  }
  if (relu) {
    const z = v128.splat<T>(0);
    a0 = v128.pmax<T>(a0, z); a1 = v128.pmax<T>(a1, z); a2 = v128.pmax<T>(a2, z);
    a3 = v128.pmax<T>(a3, z); a4 = v128.pmax<T>(a4, z); a5 = v128.pmax<T>(a5, z);
  }
  v128.store(o, a0);
  if (V > 1) v128.store(o, a1, 16);
  if (V > 2) v128.store(o, a2, 32);
  if (V > 3) v128.store(o, a3, 48);
  if (V > 4) v128.store(o, a4, 64);
  if (V > 5) v128.store(o, a5, 80);
}

/**
 * One output row of `ow` values at out (see dwBlock): its whole vectors in blocks of near-equal
 * size (14 vectors run as 5 + 5 + 4, not 6 + 6 + 2, so no block is short of chains), then scalars.
 */
// @ts-ignore: decorator
@inline function dwRow<T>(ow: usize, step: usize, in_: usize, offs: usize, T_: usize, wt: usize, bias: T, out: usize, accumulate: bool, relu: bool, unit: bool): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  let x: usize = 0;
  for (; x + DW_MAX_BLOCK * L <= ow; x += DW_MAX_BLOCK * L) dwBlock<T>(6, step, in_ + x * step, offs, T_, wt, bias, out + x * S, accumulate, relu, unit);
  const rest = (ow - x) / L;
  const b = in_ + x * step, o = out + x * S;
  switch (<i32>rest) {
    case 5: dwBlock<T>(5, step, b, offs, T_, wt, bias, o, accumulate, relu, unit); break;
    case 4: dwBlock<T>(4, step, b, offs, T_, wt, bias, o, accumulate, relu, unit); break;
    case 3: dwBlock<T>(3, step, b, offs, T_, wt, bias, o, accumulate, relu, unit); break;
    case 2: dwBlock<T>(2, step, b, offs, T_, wt, bias, o, accumulate, relu, unit); break;
    case 1: dwBlock<T>(1, step, b, offs, T_, wt, bias, o, accumulate, relu, unit); break;
    default: break;
  }
  x += rest * L;
  for (; x < ow; x++) {
    const o = out + x * S;
    let acc: T = accumulate ? load<T>(o) : bias;
    const base = in_ + x * step;
    for (let t: usize = 0; t < T_; t++) acc += load<T>(wt + t * S) * load<T>(base + <usize>load<i32>(offs + t * 4));
    if (relu && acc < 0) acc = 0;
    store<T>(o, acc);
  }
}

/** One output plane (g.od × g.oh × g.ow) at out from the padded plane pp, with the T taps at wt. */
function dwPlane<T>(g: ConvGeom, pp: usize, offs: usize, wt: usize, bias: T, out: usize, accumulate: bool, relu: bool): void {
  if (g.sw == 1) dwPlaneUnit<T>(g, pp, offs, wt, bias, out, accumulate, relu);
  else dwPlaneStrided<T>(g, pp, offs, wt, bias, out, accumulate, relu);
}

// The unit-stride and strided planes are separate functions: as two arms of one `if`, Binaryen
// merged them into one body testing `unit` per load (seen in the wasm; 30% slower).
function dwPlaneUnit<T>(g: ConvGeom, pp: usize, offs: usize, wt: usize, bias: T, out: usize, accumulate: bool, relu: bool): void {
  dwPlaneRows<T>(g, pp, offs, wt, bias, out, accumulate, relu, true);
}
function dwPlaneStrided<T>(g: ConvGeom, pp: usize, offs: usize, wt: usize, bias: T, out: usize, accumulate: bool, relu: bool): void {
  dwPlaneRows<T>(g, pp, offs, wt, bias, out, accumulate, relu, false);
}

// @ts-ignore: decorator
@inline function dwPlaneRows<T>(g: ConvGeom, pp: usize, offs: usize, wt: usize, bias: T, out: usize, accumulate: bool, relu: bool, unit: bool): void {
  const S = sizeof<T>();
  const rowBytes = padW(g) * S, planeRowBytes = padH(g) * rowBytes;
  const T_ = taps(g), ow = <usize>g.ow, step = <usize>g.sw * S;
  for (let z = 0; z < g.od; z++) {
    for (let y = 0; y < g.oh; y++) {
      const in_ = pp + <usize>(z * g.sd) * planeRowBytes + <usize>(y * g.sh) * rowBytes;
      const o = out + <usize>((z * g.oh + y) * g.ow) * S;
      dwRow<T>(ow, step, in_, offs, T_, wt, bias, o, accumulate, relu, unit);
    }
  }
}

/** Scratch of dwForward and dwBackwardFilter: the tap offsets, then one padded input plane. */
export function dwPlaneWorkspace<T>(g: ConvGeom): f64 {
  return <f64>taps(g) * 4 + <f64>paddedBytes<T>(g) + 2 * 16;
}

/** Lays out dwPlaneWorkspace at work: writes the tap offsets at align16(work), returns the plane. */
function planeScratch<T>(g: ConvGeom, work: usize): usize {
  const offs = align16(work);
  tapOffsets<T>(g, offs);
  return align16(offs + taps(g) * 4);
}

/** Depthwise forward: y[n, c·m + j] = conv(x[n, c], w[c·m + j]) + bias, ReLU when asked; y += conv(…) when `accumulate` (bias 0). */
export function dwForward<T>(g: ConvGeom, x: usize, w: usize, bias: usize, y: usize, work: usize, relu: bool, accumulate: bool): void {
  const S = sizeof<T>();
  const m = <usize>(g.o / g.c), T_ = taps(g);
  const inP = inPlane(g), outP = outPlane(g);
  const offs = align16(work), pp = planeScratch<T>(g, work);
  for (let n: usize = 0; n < <usize>g.n; n++) {
    for (let c: usize = 0; c < <usize>g.c; c++) {
      padPlane<T>(g, x + (n * <usize>g.c + c) * inP * S, pp);
      for (let j: usize = 0; j < m; j++) {
        const oc = c * m + j;
        const b: T = bias != 0 ? load<T>(bias + oc * S) : 0;
        dwPlane<T>(g, pp, offs, w + oc * T_ * S, b, y + (n * <usize>g.o + oc) * outP * S, accumulate, relu);
      }
    }
  }
}

// With stride 1 everywhere the input gradient is a forward pass (see the top of this file).
// @ts-ignore: decorator
@inline function gradientAsForward(g: ConvGeom): bool {
  return g.sd == 1 && g.sh == 1 && g.sw == 1;
}

/** Writes into gt the geometry of the input gradient as a forward pass over dy (stride 1 only). */
function gradientGeometry(g: ConvGeom, gt: ConvGeom): void {
  gt.n = g.n; gt.c = g.o; gt.o = g.c; gt.groups = g.groups;
  gt.id = g.od; gt.ih = g.oh; gt.iw = g.ow;
  gt.kd = g.kd; gt.kh = g.kh; gt.kw = g.kw;
  gt.od = g.id; gt.oh = g.ih; gt.ow = g.iw;
  gt.sd = 1; gt.sh = 1; gt.sw = 1;
  gt.dd = g.dd; gt.dh = g.dh; gt.dw = g.dw;
  gt.pd = (g.kd - 1) * g.dd - g.pd; gt.ph = (g.kh - 1) * g.dh - g.ph; gt.pw = (g.kw - 1) * g.dw - g.pw;
}

/**
 * Scratch of dwBackwardData: a padded plane (of dy in the forward form, of dx in the scatter
 * form; at stride 1 either may run, so the larger), flipped taps and their offsets, a descriptor.
 */
export function dwBackwardDataWorkspace<T>(g: ConvGeom): f64 {
  return dwPlaneElements(g) * <f64>sizeof<T>() + <f64>taps(g) * <f64>(sizeof<T>() + 4) + <f64>CONV_GEOM_BYTES + 4 * 16;
}

/** Whether the n values of T at p are all finite (x − x is 0 only for a finite x). */
// @ts-ignore: decorator
@inline function allFinite<T>(p: usize, n: usize): bool {
  let z: T = 0;
  for (let i: usize = 0; i < n; i++) {
    const v = load<T>(p + i * sizeof<T>());
    z += v - v;
  }
  return z == 0;
}

/**
 * Depthwise input gradient: dx[n, c] = Σ_j convᵀ(dy[n, c·m + j], w[c·m + j]) (+ bias[c] when
 * bias ≠ 0, for the transposed convolution); dx += that sum when `accumulate` (bias 0). Input
 * channels [c0, c1) only, each computed as in a whole call.
 */
export function dwBackwardData<T>(g: ConvGeom, dy: usize, w: usize, bias: usize, dx: usize, work: usize, accumulate: bool, c0: usize, c1: usize): void {
  const S = sizeof<T>();
  const m = <usize>(g.o / g.c), T_ = taps(g);
  const inP = inPlane(g), outP = outPlane(g);
  const gt = changetype<ConvGeom>(align16(work));
  const wflip = align16(changetype<usize>(gt) + CONV_GEOM_BYTES);
  const offs = align16(wflip + T_ * S);
  const pp = align16(offs + T_ * 4);
  const asForward = gradientAsForward(g);
  if (asForward) {
    gradientGeometry(g, gt);
    tapOffsets<T>(gt, offs);
  }
  const PH = padH(g), PW = padW(g);
  const rowBytes = PW * S, planeRowBytes = PH * rowBytes;
  const padded = paddedBytes<T>(g);
  for (let n: usize = 0; n < <usize>g.n; n++) {
    for (let c = c0; c < c1; c++) {
      if (asForward && allFinite<T>(w + c * m * T_ * S, m * T_)) {
        const b: T = bias != 0 ? load<T>(bias + c * S) : 0;
        const dxc = dx + (n * <usize>g.c + c) * inP * S;
        for (let j: usize = 0; j < m; j++) {
          const oc = c * m + j;
          for (let t: usize = 0; t < T_; t++) store<T>(wflip + t * S, load<T>(w + (oc * T_ + T_ - 1 - t) * S));
          padPlane<T>(gt, dy + (n * <usize>g.o + oc) * outP * S, pp);
          dwPlane<T>(gt, pp, offs, wflip, b, dxc, j > 0 || accumulate, false);
        }
        continue;
      }
      memory.fill(pp, 0, padded);
      for (let j: usize = 0; j < m; j++) {
        const oc = c * m + j;
        const dyc = dy + (n * <usize>g.o + oc) * outP * S;
        if (g.sw == 1) scatterPlane<T>(g, dyc, w + oc * T_ * S, pp, rowBytes, planeRowBytes, true);
        else scatterPlane<T>(g, dyc, w + oc * T_ * S, pp, rowBytes, planeRowBytes, false);
      }
      const b: T = bias != 0 ? load<T>(bias + c * S) : 0;
      cropPlane<T>(g, pp, dx + (n * <usize>g.c + c) * inP * S, b, accumulate);
    }
  }
}

// dxPadded[o·s + t·d] += w[t] · dy[o] for one (dy plane, kernel) pair; `unit` = (sw = 1).
// @ts-ignore: decorator
@inline function scatterPlane<T>(g: ConvGeom, dyc: usize, wt: usize, pp: usize, rowBytes: usize, planeRowBytes: usize, unit: bool): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const ow = <usize>g.ow;
  const step = <usize>g.sw * S;
  for (let z = 0; z < g.od; z++) {
    for (let y = 0; y < g.oh; y++) {
      const src = dyc + <usize>((z * g.oh + y) * g.ow) * S;
      let wp = wt;
      for (let a = 0; a < g.kd; a++) {
        for (let b = 0; b < g.kh; b++) {
          let q = pp + <usize>(z * g.sd + a * g.dd) * planeRowBytes + <usize>(y * g.sh + b * g.dh) * rowBytes;
          for (let e = 0; e < g.kw; e++) {
            const wv = load<T>(wp);
            let x: usize = 0;
            if (unit) {
              const wvv = v128.splat<T>(wv);
              for (; x + L <= ow; x += L) {
                v128.store(q + x * S, madd<T>(wvv, v128.load(src + x * S), v128.load(q + x * S)));
              }
            }
            for (; x < ow; x++) {
              const d = q + x * step;
              store<T>(d, load<T>(d) + wv * load<T>(src + x * S));
            }
            wp += S;
            q += <usize>g.dw * S;
          }
        }
      }
    }
  }
}

// dx plane from the padded gradient plane: dx[z][y][x] = bias + pp[z + pd][y + ph][x + pw], or
// bias alone where no window reached (inputs the forward never read); with `accumulate`, the old
// dx[z][y][x] in place of the bias.
function cropPlane<T>(g: ConvGeom, pp: usize, dxc: usize, bias: T, accumulate: bool): void {
  const S = sizeof<T>();
  const PD = <i32>padD(g), PH = <i32>padH(g), PW = <i32>padW(g);
  for (let z = 0; z < g.id; z++) {
    const pz = z + g.pd;
    for (let y = 0; y < g.ih; y++) {
      const py = y + g.ph;
      const row = dxc + <usize>((z * g.ih + y) * g.iw) * S;
      const inRow = <u32>pz < <u32>PD && <u32>py < <u32>PH;
      const src = pp + <usize>((pz * PH + py) * PW + g.pw) * S;
      for (let x = 0; x < g.iw; x++) {
        let v = accumulate ? load<T>(row + <usize>x * S) : bias;
        if (inRow && <u32>(x + g.pw) < <u32>PW) v += load<T>(src + <usize>x * S);
        store<T>(row + <usize>x * S, v);
      }
    }
  }
}

/**
 * Depthwise weight gradient: dw[c·m + j, t] = Σ_n Σ_o dy[n, c·m + j, o] · xPadded[n, c][o·s + t·d];
 * with db ≠ 0 also db[oc] = Σ_n Σ_o dy[n, oc, o], summed from the dy loads of the first tap group.
 * The tap loops add into dw and db, so `accumulate` only skips zeroing them. Output channels
 * [o0, o1) only, each computed as in a whole call.
 */
export function dwBackwardFilter<T>(g: ConvGeom, dy: usize, x: usize, dw: usize, db: usize, work: usize, accumulate: bool, o0: usize, o1: usize): void {
  const S = sizeof<T>();
  const m = <usize>(g.o / g.c), T_ = taps(g);
  const inP = inPlane(g), outP = outPlane(g);
  const offs = align16(work), pp = planeScratch<T>(g, work);
  if (!accumulate) {
    memory.fill(dw + o0 * T_ * S, 0, (o1 - o0) * T_ * S);
    if (db != 0) memory.fill(db + o0 * S, 0, (o1 - o0) * S);
  }
  for (let n: usize = 0; n < <usize>g.n; n++) {
    for (let c = o0 / m; c * m < o1; c++) {
      padPlane<T>(g, x + (n * <usize>g.c + c) * inP * S, pp);
      for (let oc = max(o0, c * m); oc < min(o1, c * m + m); oc++) {
        const dyc = dy + (n * <usize>g.o + oc) * outP * S;
        const dbo = db != 0 ? db + oc * S : 0;
        if (g.sw == 1) dwFilterPlaneUnit<T>(g, dyc, pp, offs, dw + oc * T_ * S, dbo);
        else dwFilterPlaneStrided<T>(g, dyc, pp, offs, dw + oc * T_ * S, dbo);
      }
    }
  }
}

// Separate functions for the unit and strided loads, as for dwPlane.
function dwFilterPlaneUnit<T>(g: ConvGeom, dyc: usize, pp: usize, offs: usize, dwt: usize, dbo: usize): void {
  dwFilterPlane<T>(g, dyc, pp, offs, dwt, dbo, true);
}
function dwFilterPlaneStrided<T>(g: ConvGeom, dyc: usize, pp: usize, offs: usize, dwt: usize, dbo: usize): void {
  dwFilterPlane<T>(g, dyc, pp, offs, dwt, dbo, false);
}

// dwt[t] += Σ_o dy[o] · pp[offs[t] + o·s] for every tap t, in near-equal groups of at most
// three taps (9 → 3 + 3 + 3, 25 → 7 × 3 + 2 × 2). Each group runs over two dy vectors per step,
// so its dot products are six independent accumulator chains (enough to hide the add latency)
// sharing each dy load; more would not fit V8's 16 xmm registers (it spills). With dbo ≠ 0 the
// first group also sums dy into db[oc] at dbo (no separate pass over dy).
// @ts-ignore: decorator
@inline function dwFilterPlane<T>(g: ConvGeom, dyc: usize, pp: usize, offs: usize, dwt: usize, dbo: usize, unit: bool): void {
  const S = sizeof<T>();
  const T_ = taps(g);
  const groups = (T_ + DW_TAP_GROUP - 1) / DW_TAP_GROUP;
  let t: usize = 0;
  for (let i: usize = 0; i < groups; i++) {
    const cnt = T_ / groups + (i < T_ % groups ? 1 : 0);
    const o = offs + t * 4, d = dwt + t * S;
    if (i == 0 && dbo != 0) dwTapGroup<T>(cnt, g, dyc, pp, o, d, unit, dbo);
    else dwTapGroup<T>(cnt, g, dyc, pp, o, d, unit, 0);
    t += cnt;
  }
}

// dwTaps for a runtime group size cnt ≤ 3, dispatched to its compile-time N.
// @ts-ignore: decorator
@inline function dwTapGroup<T>(cnt: usize, g: ConvGeom, dyc: usize, pp: usize, offs: usize, dwt: usize, unit: bool, dbo: usize): void {
  if (cnt == 3) dwTaps<T>(3, g, dyc, pp, offs, dwt, unit, dbo);
  else if (cnt == 2) dwTaps<T>(2, g, dyc, pp, offs, dwt, unit, dbo);
  else dwTaps<T>(1, g, dyc, pp, offs, dwt, unit, dbo);
}


// dwt[k] += Σ_o dy[o] · pp[offs[k] + o·s] for the N taps k < N (N a compile-time constant ≤ 3),
// over two vectors of dy per step (2·N accumulators), then one vector, then scalars; with
// dbo ≠ 0 (a literal 0 at the calls that sum no bias) also *dbo += Σ_o dy[o].
// @ts-ignore: decorator
@inline function dwTaps<T>(N: i32, g: ConvGeom, dyc: usize, pp: usize, offs: usize, dwt: usize, unit: bool, dbo: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const ow = <usize>g.ow;
  const step = <usize>g.sw * S;
  const xs = unit ? S : step; // bytes per output position in pp (a constant for unit stride)
  const rowBytes = padW(g) * S, planeRowBytes = padH(g) * rowBytes;
  const o0 = <usize>load<i32>(offs), o1 = N > 1 ? <usize>load<i32>(offs, 4) : 0, o2 = N > 2 ? <usize>load<i32>(offs, 8) : 0;
  const zero = v128.splat<T>(0);
  let a0 = zero, a1 = zero, a2 = zero, b0 = zero, b1 = zero, b2 = zero, q0 = zero, q1 = zero;
  let s0: T = 0, s1: T = 0, s2: T = 0, sq: T = 0;
  for (let z = 0; z < g.od; z++) {
    for (let y = 0; y < g.oh; y++) {
      const src = dyc + <usize>((z * g.oh + y) * g.ow) * S;
      const q = pp + <usize>(z * g.sd) * planeRowBytes + <usize>(y * g.sh) * rowBytes;
      let x: usize = 0;
      for (; x + 2 * L <= ow; x += 2 * L) {
        const d = v128.load(src + x * S), e = v128.load(src + x * S, 16);
        if (dbo != 0) {
          q0 = v128.add<T>(q0, d);
          q1 = v128.add<T>(q1, e);
        }
        const qx = q + x * xs, qe = qx + L * xs;
        a0 = madd<T>(d, loadRow<T>(qx + o0, step, unit), a0);
        b0 = madd<T>(e, loadRow<T>(qe + o0, step, unit), b0);
        if (N > 1) {
          a1 = madd<T>(d, loadRow<T>(qx + o1, step, unit), a1);
          b1 = madd<T>(e, loadRow<T>(qe + o1, step, unit), b1);
        }
        if (N > 2) {
          a2 = madd<T>(d, loadRow<T>(qx + o2, step, unit), a2);
          b2 = madd<T>(e, loadRow<T>(qe + o2, step, unit), b2);
        }
      }
      if (x + L <= ow) {
        const d = v128.load(src + x * S);
        if (dbo != 0) q0 = v128.add<T>(q0, d);
        const qx = q + x * xs;
        a0 = madd<T>(d, loadRow<T>(qx + o0, step, unit), a0);
        if (N > 1) a1 = madd<T>(d, loadRow<T>(qx + o1, step, unit), a1);
        if (N > 2) a2 = madd<T>(d, loadRow<T>(qx + o2, step, unit), a2);
        x += L;
      }
      for (; x < ow; x++) {
        const d = load<T>(src + x * S);
        if (dbo != 0) sq += d;
        const qx = q + x * xs;
        s0 += d * load<T>(qx + o0);
        if (N > 1) s1 += d * load<T>(qx + o1);
        if (N > 2) s2 += d * load<T>(qx + o2);
      }
    }
  }
  store<T>(dwt, load<T>(dwt) + s0 + laneSum<T>(v128.add<T>(a0, b0)));
  if (N > 1) store<T>(dwt + S, load<T>(dwt + S) + s1 + laneSum<T>(v128.add<T>(a1, b1)));
  if (N > 2) store<T>(dwt + 2 * S, load<T>(dwt + 2 * S) + s2 + laneSum<T>(v128.add<T>(a2, b2)));
  if (dbo != 0) store<T>(dbo, load<T>(dbo) + sq + laneSum<T>(v128.add<T>(q0, q1)));
}

// @ts-ignore: decorator
@inline function laneSum<T>(v: v128): T {
  let s = v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  if (sizeof<T>() == 4) s += v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
  return s;
}
