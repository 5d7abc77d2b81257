import { lanes } from "../shared/simd";

// Adam and AdamW (torch.optim.Adam / AdamW, their single-tensor paths) over n contiguous
// parameters p with gradients g, first and second moments m and v and, with amsgrad, the
// running maximum vmax of v, in PyTorch's order of operations:
//   gr = maximize ? −g : g;  gr = gr + wd·p (Adam's L2);  p = p·decay (AdamW; 1 otherwise)
//   m = m·β1 + (1 − β1)·gr;  v = v·β2 + ((1 − β2)·gr)·gr;  amsgrad: vmax = max(vmax, v), read vmax for v
//   p = p + (negStep·m) / (√v / bc2sqrt + eps)
// with negStep = −lr / (1 − β1^t), bc2sqrt = √(1 − β2^t), decay = 1 − lr·wd computed on the
// TS side in f64. No fused arithmetic in either build.
//
// L2 and amsgrad are compile-time arguments of one loop, so each of the four exports runs a
// loop without the others' work (flags tested in the loop became selects per vector); the TS
// side picks the export. maximize is a sign flip by XOR (exactly f32x4.neg) and AdamW's decay
// a multiply that is exact when decay = 1, so neither needs a variant.
// The step is bound by the FP divider, not by memory: the square root and two divisions per
// vector alone (bench: "optim Adam divider probe") take 85–90% of its time at 1M and 10M
// elements, so unrolling gains nothing and the loop does one vector per iteration. Dividing
// by bc2sqrt stays a division: in f32, a multiply by its f64 reciprocal gives the same bits
// (for normal quotients) but the conversions cost more than the division here.

// @ts-ignore: decorator
@inline function vadam<T>(
  p: usize, g: usize, m: usize, v: usize, x: usize,
  b1: v128, omb1: v128, b2: v128, omb2: v128, negStep: v128, bc2sqrt: v128, eps: v128, wd: v128, decay: v128,
  sign: v128, L2: bool, AMS: bool,
): void {
  let pv = v128.load(p);
  let gr = v128.xor(v128.load(g), sign);
  if (L2) gr = v128.add<T>(gr, v128.mul<T>(wd, pv));
  else pv = v128.mul<T>(pv, decay);
  const mv = v128.add<T>(v128.mul<T>(v128.load(m), b1), v128.mul<T>(omb1, gr));
  let vv = v128.add<T>(v128.mul<T>(v128.load(v), b2), v128.mul<T>(v128.mul<T>(omb2, gr), gr));
  v128.store(m, mv);
  v128.store(v, vv);
  if (AMS) {
    vv = v128.max<T>(v128.load(x), vv);
    v128.store(x, vv);
  }
  const denom = v128.add<T>(v128.div<T>(v128.sqrt<T>(vv), bc2sqrt), eps);
  v128.store(p, v128.add<T>(pv, v128.div<T>(v128.mul<T>(negStep, mv), denom)));
}

// @ts-ignore: decorator
@inline function sadam<T>(
  p: usize, g: usize, m: usize, v: usize, x: usize,
  b1: T, omb1: T, b2: T, omb2: T, negStep: T, bc2sqrt: T, eps: T, wd: T, decay: T,
  maximize: bool, L2: bool, AMS: bool,
): void {
  let pv = load<T>(p);
  let gr = load<T>(g);
  if (maximize) gr = -gr;
  if (L2) gr = gr + wd * pv;
  else pv = pv * decay;
  const mv = load<T>(m) * b1 + omb1 * gr;
  let vv = load<T>(v) * b2 + omb2 * gr * gr;
  store<T>(m, mv);
  store<T>(v, vv);
  if (AMS) {
    vv = max<T>(load<T>(x), vv);
    store<T>(x, vv);
  }
  const denom = sqrt<T>(vv) / bc2sqrt + eps;
  store<T>(p, pv + negStep * mv / denom);
}

// @ts-ignore: decorator
@inline function adamLoop<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, x: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, maximize: bool, L2: bool, AMS: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const b1 = v128.splat<T>(beta1), o1 = v128.splat<T>(oneMinusBeta1);
  const b2 = v128.splat<T>(beta2), o2 = v128.splat<T>(oneMinusBeta2);
  const ns = v128.splat<T>(negStep), bc = v128.splat<T>(bc2sqrt), ep = v128.splat<T>(eps);
  const wd = v128.splat<T>(weightDecay), dc = v128.splat<T>(decay);
  const sign = v128.splat<T>(maximize ? <T>-0.0 : <T>0.0);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    vadam<T>(p, g, m, v, x, b1, o1, b2, o2, ns, bc, ep, wd, dc, sign, L2, AMS);
    p += 16;
    g += 16;
    m += 16;
    v += 16;
    if (AMS) x += 16;
  }
  for (; i < n; i++) {
    sadam<T>(p, g, m, v, x, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, maximize, L2, AMS);
    p += S;
    g += S;
    m += S;
    v += S;
    if (AMS) x += S;
  }
}

/** One Adam/AdamW step over n elements, without L2 or amsgrad (weightDecay and vmax unused). */
export function adamStep<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, maximize: bool,
): void {
  adamLoop<T>(n, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, maximize, false, false);
}

/** One Adam step with L2 weight decay (decay unused: it is 1), without amsgrad. */
export function adamL2Step<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, maximize: bool,
): void {
  adamLoop<T>(n, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, maximize, true, false);
}

/** One Adam/AdamW step with amsgrad, without L2. */
export function adamAmsgradStep<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, maximize: bool,
): void {
  adamLoop<T>(n, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, maximize, false, true);
}

/** One Adam step with L2 weight decay and amsgrad. */
export function adamL2AmsgradStep<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, maximize: bool,
): void {
  adamLoop<T>(n, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, maximize, true, true);
}
