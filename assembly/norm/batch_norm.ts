// Batch normalization over x [N, C, S] (S = the product of the spatial dims), per channel c
// over its N·S values: the chunks x[n, c, :], S contiguous elements each, n = 0..N−1.
//
// Statistics in f64 for both dtypes, two passes over the channel (the mean, then the centred
// sum of squares), so f32 inputs get the f64 mean and variance of their values. The
// per-element passes are in T: y = (x − mean)·α + β with α = w/√(var + eps), β = b, each
// rounded to T once per channel; the backward's dx = ((dy − Σdy/M) − (x − mean)·k)·α with
// k = Σ(dy·(x − mean))/(M·(var + eps)). The mean is carried as two T values, mh = T(mean) and
// ml = T(mean − mh), and x − mean as (x − mh) − ml: x − mh is exact for x within a factor 2 of
// the mean, so an f32 channel with a large mean and a small spread (x = 100 ± 0.1) keeps
// the precision of its centred values instead of losing it to the rounding of the mean. No fused multiply-add in either build: the results of
// both builds are the same. A channel's N·S values stay in cache between its passes for
// common sizes (64 images of 28 × 28 is 200 KB in f32).

// f64x2 of the 2 elements at p (f32 promoted).
// @ts-ignore: decorator
@inline function pair<T>(p: usize): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(p));
  return v128.load(p);
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Σ x over the channel's chunks: n chunks of s elements, `stride` bytes apart, from p. */
// @ts-ignore: decorator
@inline function channelSum<T>(p: usize, n: usize, s: usize, stride: usize): f64 {
  const S = sizeof<T>();
  // Four accumulators: the f64 adds' latency, not the loads, would bound one chain.
  let a = f64x2.splat(0), b = f64x2.splat(0), c = f64x2.splat(0), d = f64x2.splat(0);
  let t: f64 = 0;
  for (let k: usize = 0; k < n; k++) {
    let q = p + k * stride;
    let i: usize = 0;
    for (; i + 8 <= s; i += 8) {
      a = f64x2.add(a, pair<T>(q));
      b = f64x2.add(b, pair<T>(q + 2 * S));
      c = f64x2.add(c, pair<T>(q + 4 * S));
      d = f64x2.add(d, pair<T>(q + 6 * S));
      q += 8 * S;
    }
    for (; i < s; i++) {
      t += <f64>load<T>(q);
      q += S;
    }
  }
  return hsum(f64x2.add(f64x2.add(a, b), f64x2.add(c, d))) + t;
}

/** Σ (x − m)² over the channel's chunks. */
// @ts-ignore: decorator
@inline function channelSumSq<T>(p: usize, n: usize, s: usize, stride: usize, m: f64): f64 {
  const S = sizeof<T>();
  const vm = f64x2.splat(m);
  let a = f64x2.splat(0), b = f64x2.splat(0), c = f64x2.splat(0), d = f64x2.splat(0);
  let t: f64 = 0;
  for (let k: usize = 0; k < n; k++) {
    let q = p + k * stride;
    let i: usize = 0;
    for (; i + 8 <= s; i += 8) {
      const d0 = f64x2.sub(pair<T>(q), vm), d1 = f64x2.sub(pair<T>(q + 2 * S), vm);
      const d2 = f64x2.sub(pair<T>(q + 4 * S), vm), d3 = f64x2.sub(pair<T>(q + 6 * S), vm);
      a = f64x2.add(a, f64x2.mul(d0, d0));
      b = f64x2.add(b, f64x2.mul(d1, d1));
      c = f64x2.add(c, f64x2.mul(d2, d2));
      d = f64x2.add(d, f64x2.mul(d3, d3));
      q += 8 * S;
    }
    for (; i < s; i++) {
      const e = <f64>load<T>(q) - m;
      t += e * e;
      q += S;
    }
  }
  return hsum(f64x2.add(f64x2.add(a, b), f64x2.add(c, d))) + t;
}

// Per-channel results of the backward's reduction pass.
let sumDy: f64 = 0;
let sumDyXc: f64 = 0;
let sumXc2: f64 = 0;

/** Σ dy, Σ dy·(x − m) and (when sq) Σ (x − m)² over the channel, into the globals above. */
// @ts-ignore: decorator
@inline function channelGradSums<T>(dy: usize, x: usize, n: usize, s: usize, stride: usize, m: f64, sq: bool): void {
  const S = sizeof<T>();
  const vm = f64x2.splat(m);
  // Two sets of accumulators, as in channelSum.
  let g = f64x2.splat(0), gd = f64x2.splat(0), dd = f64x2.splat(0);
  let g2 = f64x2.splat(0), gd2 = f64x2.splat(0), dd2 = f64x2.splat(0);
  let tg: f64 = 0, tgd: f64 = 0, tdd: f64 = 0;
  for (let k: usize = 0; k < n; k++) {
    let q = x + k * stride, r = dy + k * stride;
    let i: usize = 0;
    for (; i + 4 <= s; i += 4) {
      const v = pair<T>(r), d = f64x2.sub(pair<T>(q), vm);
      const v2 = pair<T>(r + 2 * S), d2 = f64x2.sub(pair<T>(q + 2 * S), vm);
      g = f64x2.add(g, v);
      g2 = f64x2.add(g2, v2);
      gd = f64x2.add(gd, f64x2.mul(v, d));
      gd2 = f64x2.add(gd2, f64x2.mul(v2, d2));
      if (sq) {
        dd = f64x2.add(dd, f64x2.mul(d, d));
        dd2 = f64x2.add(dd2, f64x2.mul(d2, d2));
      }
      q += 4 * S;
      r += 4 * S;
    }
    for (; i < s; i++) {
      const v = <f64>load<T>(r), d = <f64>load<T>(q) - m;
      tg += v;
      tgd += v * d;
      tdd += d * d;
      q += S;
      r += S;
    }
  }
  sumDy = hsum(f64x2.add(g, g2)) + tg;
  sumDyXc = hsum(f64x2.add(gd, gd2)) + tgd;
  sumXc2 = hsum(f64x2.add(dd, dd2)) + tdd;
}

/**
 * y = ((x − mh) − ml)·α + β over n chunks of s elements (`stride` bytes apart in both), in T.
 */
// @ts-ignore: decorator
@inline function channelAffine<T>(
  x: usize,
  y: usize,
  n: usize,
  s: usize,
  stride: usize,
  mh: T,
  ml: T,
  a: T,
  b: T,
): void {
  const S = sizeof<T>();
  const vm = v128.splat<T>(mh), vl = v128.splat<T>(ml), va = v128.splat<T>(a), vb = v128.splat<T>(b);
  const L = 16 / S;
  for (let k: usize = 0; k < n; k++) {
    let p = x + k * stride, q = y + k * stride;
    let i: usize = 0;
    for (; i + 2 * L <= s; i += 2 * L) {
      const u = v128.add<T>(v128.mul<T>(v128.sub<T>(v128.sub<T>(v128.load(p), vm), vl), va), vb);
      const v = v128.add<T>(v128.mul<T>(v128.sub<T>(v128.sub<T>(v128.load(p, 16), vm), vl), va), vb);
      v128.store(q, u);
      v128.store(q, v, 16);
      p += 32;
      q += 32;
    }
    for (; i < s; i++) {
      store<T>(q, ((load<T>(p) - mh) - ml) * a + b);
      p += S;
      q += S;
    }
  }
}

/** dx = dy·a over the channel's chunks, in T (the eval-mode gradient: x plays no part). */
// @ts-ignore: decorator
@inline function channelScale<T>(dy: usize, dx: usize, n: usize, s: usize, stride: usize, a: T): void {
  const S = sizeof<T>();
  const va = v128.splat<T>(a);
  const L = 16 / S;
  for (let j: usize = 0; j < n; j++) {
    let r = dy + j * stride, q = dx + j * stride;
    let i: usize = 0;
    for (; i + L <= s; i += L) {
      v128.store(q, v128.mul<T>(v128.load(r), va));
      r += 16;
      q += 16;
    }
    for (; i < s; i++) {
      store<T>(q, load<T>(r) * a);
      r += S;
      q += S;
    }
  }
}

/** dx = ((dy − gm) − ((x − mh) − ml)·k)·a over the channel's chunks, in T. */
// @ts-ignore: decorator
@inline function channelDx<T>(
  dy: usize,
  x: usize,
  dx: usize,
  n: usize,
  s: usize,
  stride: usize,
  mh: T,
  ml: T,
  gm: T,
  k: T,
  a: T,
): void {
  const S = sizeof<T>();
  const vm = v128.splat<T>(mh), vl = v128.splat<T>(ml), vg = v128.splat<T>(gm), vk = v128.splat<T>(k), va = v128.splat<T>(a);
  const L = 16 / S;
  for (let j: usize = 0; j < n; j++) {
    let p = x + j * stride, r = dy + j * stride, q = dx + j * stride;
    let i: usize = 0;
    for (; i + L <= s; i += L) {
      const c = v128.mul<T>(v128.sub<T>(v128.sub<T>(v128.load(p), vm), vl), vk);
      v128.store(q, v128.mul<T>(v128.sub<T>(v128.sub<T>(v128.load(r), vg), c), va));
      p += 16;
      r += 16;
      q += 16;
    }
    for (; i < s; i++) {
      store<T>(q, ((load<T>(r) - gm) - ((load<T>(p) - mh) - ml) * k) * a);
      p += S;
      r += S;
      q += S;
    }
  }
}

/**
 * The forward over x [n, c, s] into y. Training: normalizes with the batch mean and biased
 * variance and, where mean/var are not 0, updates them in place as PyTorch does: r = m·batch +
 * (1 − m)·r, the variance from the unbiased batch variance (n·s ≥ 2, checked by the caller).
 * Eval: normalizes with mean and var. w, b: [c] or 0 (1 and 0). n·s ≥ 1.
 */
export function batchNormForward<T>(
  n: usize,
  c: usize,
  s: usize,
  x: usize,
  y: usize,
  w: usize,
  b: usize,
  mean: usize,
  var_: usize,
  training: bool,
  momentum: f64,
  eps: f64,
): void {
  const S = sizeof<T>();
  const stride = c * s * S;
  const count = <f64>n * <f64>s;
  for (let ch: usize = 0; ch < c; ch++) {
    const xc = x + ch * s * S, yc = y + ch * s * S;
    let m: f64, v: f64;
    if (training) {
      m = channelSum<T>(xc, n, s, stride) / count;
      const ss = channelSumSq<T>(xc, n, s, stride, m);
      v = ss / count;
      if (mean != 0) {
        const r = mean + ch * S;
        store<T>(r, <T>(momentum * m + (1 - momentum) * <f64>load<T>(r)));
      }
      if (var_ != 0) {
        const r = var_ + ch * S;
        store<T>(r, <T>(momentum * (ss / (count - 1)) + (1 - momentum) * <f64>load<T>(r)));
      }
    } else {
      m = <f64>load<T>(mean + ch * S);
      v = <f64>load<T>(var_ + ch * S);
    }
    const a = (w != 0 ? <f64>load<T>(w + ch * S) : 1.0) / Math.sqrt(v + eps);
    const beta = b != 0 ? load<T>(b + ch * S) : <T>0;
    const mh = <T>m;
    channelAffine<T>(xc, yc, n, s, stride, mh, <T>(m - <f64>mh), <T>a, beta);
  }
}

/**
 * The gradients of the forward for dy [n, c, s]: dx always; dw = Σ dy·x̂ and db = Σ dy per
 * channel where not 0. Training: the batch statistics of x (the forward's), dx by the full
 * formula; eval: mean and var, dx = dy·w/√(var + eps). Never writes mean or var.
 */
export function batchNormBackward<T>(
  n: usize,
  c: usize,
  s: usize,
  dy: usize,
  x: usize,
  w: usize,
  mean: usize,
  var_: usize,
  dx: usize,
  dw: usize,
  db: usize,
  training: bool,
  eps: f64,
): void {
  const S = sizeof<T>();
  const stride = c * s * S;
  const count = <f64>n * <f64>s;
  for (let ch: usize = 0; ch < c; ch++) {
    const off = ch * s * S;
    let m: f64, v: f64;
    if (training) {
      m = channelSum<T>(x + off, n, s, stride) / count;
      channelGradSums<T>(dy + off, x + off, n, s, stride, m, true);
      v = sumXc2 / count;
    } else {
      m = <f64>load<T>(mean + ch * S);
      v = <f64>load<T>(var_ + ch * S);
      channelGradSums<T>(dy + off, x + off, n, s, stride, m, false);
    }
    const invstd = 1 / Math.sqrt(v + eps);
    if (dw != 0) store<T>(dw + ch * S, <T>(sumDyXc * invstd));
    if (db != 0) store<T>(db + ch * S, <T>sumDy);
    const a = (w != 0 ? <f64>load<T>(w + ch * S) : 1.0) * invstd;
    if (training) {
      const k = (sumDyXc / count) * invstd * invstd;
      const mh = <T>m;
      channelDx<T>(dy + off, x + off, dx + off, n, s, stride, mh, <T>(m - <f64>mh), <T>(sumDy / count), <T>k, <T>a);
    } else {
      channelScale<T>(dy + off, dx + off, n, s, stride, <T>a);
    }
  }
}
