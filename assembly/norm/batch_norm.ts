// Batch normalization over x [N, C, S] (S = the product of the spatial dims), per channel c
// over its N·S values: the chunks x[n, c, :], S contiguous elements each, n = 0..N−1.
//
// Statistics in f64 for both dtypes (channelStats: one pass over an f32 channel, two over an f64
// one), so f32 inputs get the f64 mean and variance of their values to far below f32 precision. The
// per-element passes are in T: y = (x − mean)·α + β with α = w/√(var + eps), β = b, each
// rounded to T once per channel; the backward's dx = ((dy − Σdy/M) − (x − mean)·k)·α with
// k = Σ(dy·(x − mean))/(M·(var + eps)). The mean is carried as two T values, mh = T(mean) and
// ml = T(mean − mh), and x − mean as (x − mh) − ml: x − mh is exact for x within a factor 2 of
// the mean, so an f32 channel with a large mean and a small spread (x = 100 ± 0.1) keeps
// // the precision of its centred values instead of losing it to the rounding of the mean. No fused
// multiply-add in either build: the results of both builds are the same. A channel's N·S values
// stay in cache between its passes for common sizes (64 images of 28 × 28 is 200 KB in f32).

// f64x2 of the 2 elements at p (f32 promoted).
// @ts-ignore: decorator
@inline function pair<T>(p: usize): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(p));
  return v128.load(p);
}

// The low and the high two f32 lanes of v as f64x2 (one 16-byte load feeds both).
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Σ x over the channel's chunks: n chunks of s elements, `stride` bytes apart, from p. */
// @ts-ignore: decorator
@inline function channelSum<T>(p: usize, n: usize, s: usize, stride: usize): f64 {
  const S = sizeof<T>();
  // Eight accumulators: with fewer, the f64 adds' latency, not the loads, bounds the loop.
  let a = f64x2.splat(0), b = f64x2.splat(0), c = f64x2.splat(0), d = f64x2.splat(0);
  let e = f64x2.splat(0), f = f64x2.splat(0), g = f64x2.splat(0), h = f64x2.splat(0);
  let t: f64 = 0;
  for (let k: usize = 0; k < n; k++) {
    let q = p + k * stride;
    let i: usize = 0;
    for (; i + 16 <= s; i += 16) {
      a = f64x2.add(a, pair<T>(q));
      b = f64x2.add(b, pair<T>(q + 2 * S));
      c = f64x2.add(c, pair<T>(q + 4 * S));
      d = f64x2.add(d, pair<T>(q + 6 * S));
      e = f64x2.add(e, pair<T>(q + 8 * S));
      f = f64x2.add(f, pair<T>(q + 10 * S));
      g = f64x2.add(g, pair<T>(q + 12 * S));
      h = f64x2.add(h, pair<T>(q + 14 * S));
      q += 16 * S;
    }
    for (; i + 2 <= s; i += 2) {
      a = f64x2.add(a, pair<T>(q));
      q += 2 * S;
    }
    if (i < s) t += <f64>load<T>(q);
  }
  const ab = f64x2.add(f64x2.add(a, b), f64x2.add(c, d)), ef = f64x2.add(f64x2.add(e, f), f64x2.add(g, h));
  return hsum(f64x2.add(ab, ef)) + t;
}

/** Σ (x − m)² over the channel's chunks. */
// @ts-ignore: decorator
@inline function channelSumSq<T>(p: usize, n: usize, s: usize, stride: usize, m: f64): f64 {
  const S = sizeof<T>();
  const vm = f64x2.splat(m);
  let a = f64x2.splat(0), b = f64x2.splat(0), c = f64x2.splat(0), d = f64x2.splat(0);
  let e = f64x2.splat(0), f = f64x2.splat(0), g = f64x2.splat(0), h = f64x2.splat(0);
  let t: f64 = 0;
  for (let k: usize = 0; k < n; k++) {
    let q = p + k * stride;
    let i: usize = 0;
    for (; i + 16 <= s; i += 16) {
      const d0 = f64x2.sub(pair<T>(q), vm), d1 = f64x2.sub(pair<T>(q + 2 * S), vm);
      const d2 = f64x2.sub(pair<T>(q + 4 * S), vm), d3 = f64x2.sub(pair<T>(q + 6 * S), vm);
      const d4 = f64x2.sub(pair<T>(q + 8 * S), vm), d5 = f64x2.sub(pair<T>(q + 10 * S), vm);
      const d6 = f64x2.sub(pair<T>(q + 12 * S), vm), d7 = f64x2.sub(pair<T>(q + 14 * S), vm);
      a = f64x2.add(a, f64x2.mul(d0, d0));
      b = f64x2.add(b, f64x2.mul(d1, d1));
      c = f64x2.add(c, f64x2.mul(d2, d2));
      d = f64x2.add(d, f64x2.mul(d3, d3));
      e = f64x2.add(e, f64x2.mul(d4, d4));
      f = f64x2.add(f, f64x2.mul(d5, d5));
      g = f64x2.add(g, f64x2.mul(d6, d6));
      h = f64x2.add(h, f64x2.mul(d7, d7));
      q += 16 * S;
    }
    for (; i + 2 <= s; i += 2) {
      const d0 = f64x2.sub(pair<T>(q), vm);
      a = f64x2.add(a, f64x2.mul(d0, d0));
      q += 2 * S;
    }
    if (i < s) {
      const e0 = <f64>load<T>(q) - m;
      t += e0 * e0;
    }
  }
  const ab = f64x2.add(f64x2.add(a, b), f64x2.add(c, d)), ef = f64x2.add(f64x2.add(e, f), f64x2.add(g, h));
  return hsum(f64x2.add(ab, ef)) + t;
}

// Per-channel results of the statistics passes.
let statMean: f64 = 0;
let statM2: f64 = 0;
let sumDy: f64 = 0;
let sumDyXc: f64 = 0;

/**
 * The channel's mean and M2 = Σ (x − mean)² (into statMean, statM2) and, when grad, Σ dy and
 * Σ dy·(x − mean) (into sumDy, sumDyXc).
 *
 * f32: one pass over x (and dy), sums of d = x − K in f64 with K the channel's first value, then
 * mean = K + Σd/M, M2 = Σd² − (Σd)²/M. The shift bounds the cancellation: (K − mean)² ≤ M2, so the
 * subtraction loses at most log2(M) bits of the f64 sums, far below f32's precision. f64: that
 * loss would show, so two passes, the mean first (x is then read from cache).
 */
// @ts-ignore: decorator
@inline function channelStats<T>(x: usize, dy: usize, n: usize, s: usize, stride: usize, grad: bool): void {
  const count = <f64>n * <f64>s;
  if (sizeof<T>() == 8) {
    const m = channelSum<T>(x, n, s, stride) / count;
    statMean = m;
    if (grad) {
      channelGradSums<T>(dy, x, n, s, stride, m, true);
    } else {
      statM2 = channelSumSq<T>(x, n, s, stride, m);
    }
    return;
  }
  const S = sizeof<T>();
  const k = <f64>load<T>(x);
  const vk = f64x2.splat(k);
  // Σd in a*, Σd² in b*, Σdy in g*, Σdy·d in h*: enough independent adds per step to cover
  // their latency (sixteen elements per step alone, four with the gradient sums).
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
  let g0 = f64x2.splat(0), g1 = f64x2.splat(0), h0 = f64x2.splat(0), h1 = f64x2.splat(0);
  let ta: f64 = 0, tb: f64 = 0, tg: f64 = 0, th: f64 = 0;
  for (let j: usize = 0; j < n; j++) {
    let q = x + j * stride, r = dy + j * stride;
    let i: usize = 0;
    if (grad) {
      for (; i + 4 <= s; i += 4) {
        const u = v128.load(q), w = v128.load(r);
        const d0 = f64x2.sub(lo64(u), vk), d1 = f64x2.sub(hi64(u), vk);
        const v0 = lo64(w), v1 = hi64(w);
        a0 = f64x2.add(a0, d0);
        a1 = f64x2.add(a1, d1);
        b0 = f64x2.add(b0, f64x2.mul(d0, d0));
        b1 = f64x2.add(b1, f64x2.mul(d1, d1));
        g0 = f64x2.add(g0, v0);
        g1 = f64x2.add(g1, v1);
        h0 = f64x2.add(h0, f64x2.mul(v0, d0));
        h1 = f64x2.add(h1, f64x2.mul(v1, d1));
        q += 4 * S;
        r += 4 * S;
      }
    } else {
      for (; i + 16 <= s; i += 16) {
        const u0 = v128.load(q), u1 = v128.load(q, 16), u2 = v128.load(q, 32), u3 = v128.load(q, 48);
        let d0 = f64x2.sub(lo64(u0), vk), d1 = f64x2.sub(hi64(u0), vk);
        let d2 = f64x2.sub(lo64(u1), vk), d3 = f64x2.sub(hi64(u1), vk);
        a0 = f64x2.add(a0, d0);
        a1 = f64x2.add(a1, d1);
        a2 = f64x2.add(a2, d2);
        a3 = f64x2.add(a3, d3);
        b0 = f64x2.add(b0, f64x2.mul(d0, d0));
        b1 = f64x2.add(b1, f64x2.mul(d1, d1));
        b2 = f64x2.add(b2, f64x2.mul(d2, d2));
        b3 = f64x2.add(b3, f64x2.mul(d3, d3));
        d0 = f64x2.sub(lo64(u2), vk); d1 = f64x2.sub(hi64(u2), vk);
        d2 = f64x2.sub(lo64(u3), vk); d3 = f64x2.sub(hi64(u3), vk);
        a0 = f64x2.add(a0, d0);
        a1 = f64x2.add(a1, d1);
        a2 = f64x2.add(a2, d2);
        a3 = f64x2.add(a3, d3);
        b0 = f64x2.add(b0, f64x2.mul(d0, d0));
        b1 = f64x2.add(b1, f64x2.mul(d1, d1));
        b2 = f64x2.add(b2, f64x2.mul(d2, d2));
        b3 = f64x2.add(b3, f64x2.mul(d3, d3));
        q += 16 * S;
      }
      for (; i + 4 <= s; i += 4) {
        const u = v128.load(q);
        const d0 = f64x2.sub(lo64(u), vk), d1 = f64x2.sub(hi64(u), vk);
        a0 = f64x2.add(a0, d0);
        a1 = f64x2.add(a1, d1);
        b0 = f64x2.add(b0, f64x2.mul(d0, d0));
        b1 = f64x2.add(b1, f64x2.mul(d1, d1));
        q += 4 * S;
      }
    }
    for (; i < s; i++) {
      const d = <f64>load<T>(q) - k;
      ta += d;
      tb += d * d;
      if (grad) {
        const v = <f64>load<T>(r);
        tg += v;
        th += v * d;
      }
      q += S;
      r += S;
    }
  }
  const sd = hsum(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3))) + ta;
  const sd2 = hsum(f64x2.add(f64x2.add(b0, b1), f64x2.add(b2, b3))) + tb;
  const delta = sd / count;
  statMean = k + delta;
  statM2 = Math.max(sd2 - sd * delta, 0);
  if (grad) {
    sumDy = hsum(f64x2.add(g0, g1)) + tg;
    // Σ dy·(x − mean) = Σ dy·d − (mean − K)·Σ dy.
    sumDyXc = (hsum(f64x2.add(h0, h1)) + th) - delta * sumDy;
  }
}

/** Σ dy, Σ dy·(x − m) and (when sq) Σ (x − m)² over the channel, into sumDy, sumDyXc and statM2. */
// @ts-ignore: decorator
@inline function channelGradSums<T>(dy: usize, x: usize, n: usize, s: usize, stride: usize, m: f64, sq: bool): void {
  const S = sizeof<T>();
  const vm = f64x2.splat(m);
  // Two sets of accumulators: each step has enough independent adds to cover their latency.
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
  if (sq) statM2 = hsum(f64x2.add(dd, dd2)) + tdd;
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
 * The forward over channels [c0, c1) of x [n, c, s] into y (a thread's share: each channel's
 * statistics and outputs are its own). Training: normalizes with the batch mean and biased
 * variance and, where mean/var are not 0, updates them in place as PyTorch does: r = m·batch +
 * (1 − m)·r, the variance from the unbiased batch variance (n·s ≥ 2, checked by the caller).
 * Eval: normalizes with mean and var. w, b: [c] or 0 (1 and 0). n·s ≥ 1.
 */
export function batchNormForward<T>(
  n: usize,
  c: usize,
  s: usize,
  c0: usize,
  c1: usize,
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
  for (let ch = c0; ch < c1; ch++) {
    const xc = x + ch * s * S, yc = y + ch * s * S;
    let m: f64, v: f64;
    if (training) {
      channelStats<T>(xc, 0, n, s, stride, false);
      m = statMean;
      const ss = statM2;
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
 * The gradients of the forward for channels [c0, c1) of dy [n, c, s]: dx always; dw = Σ dy·x̂ and db = Σ dy per
 * channel where not 0. Training: the batch statistics of x (the forward's), dx by the full
 * formula; eval: mean and var, dx = dy·w/√(var + eps). Never writes mean or var.
 */
export function batchNormBackward<T>(
  n: usize,
  c: usize,
  s: usize,
  c0: usize,
  c1: usize,
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
  for (let ch = c0; ch < c1; ch++) {
    const off = ch * s * S;
    let m: f64, v: f64;
    if (training) {
      channelStats<T>(x + off, dy + off, n, s, stride, true);
      m = statMean;
      v = statM2 / count;
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
