import { lanes } from "../shared/simd";

// Adam and AdamW (torch.optim.Adam / AdamW, their single-tensor paths) over n contiguous
// parameters p with gradients g, first and second moments m and v and, with amsgrad, the
// running maximum vmax of v, in PyTorch's order of operations:
//   gr = maximize ? −g : g;  gr = gr + wd·p (Adam's L2, when wd ≠ 0);  p = p·decay (AdamW, when decay ≠ 1)
//   m = m·β1 + (1 − β1)·gr;  v = v·β2 + ((1 − β2)·gr)·gr;  amsgrad: vmax = max(vmax, v), read vmax for v
//   p = p + (negStep·m) / (√v / bc2sqrt + eps)
// with negStep = −lr / (1 − β1^t), bc2sqrt = √(1 − β2^t), decay = 1 − lr·wd computed on the
// TS side in f64. No fused arithmetic in either build.

// @ts-ignore: decorator
@inline function vadam<T>(
  p: v128, g: v128, mp: usize, vp: usize, xp: usize,
  b1: v128, omb1: v128, b2: v128, omb2: v128, negStep: v128, bc2sqrt: v128, eps: v128, wd: v128, decay: v128,
  l2: bool, decoupled: bool, amsgrad: bool, maximize: bool,
): v128 {
  let gr = maximize ? v128.neg<T>(g) : g;
  if (l2) gr = v128.add<T>(gr, v128.mul<T>(wd, p));
  if (decoupled) p = v128.mul<T>(p, decay);
  const m = v128.add<T>(v128.mul<T>(v128.load(mp), b1), v128.mul<T>(omb1, gr));
  let v = v128.add<T>(v128.mul<T>(v128.load(vp), b2), v128.mul<T>(v128.mul<T>(omb2, gr), gr));
  v128.store(mp, m);
  v128.store(vp, v);
  if (amsgrad) {
    v = v128.max<T>(v128.load(xp), v);
    v128.store(xp, v);
  }
  const denom = v128.add<T>(v128.div<T>(v128.sqrt<T>(v), bc2sqrt), eps);
  return v128.add<T>(p, v128.div<T>(v128.mul<T>(negStep, m), denom));
}

// @ts-ignore: decorator
@inline function sadam<T>(
  p: T, g: T, mp: usize, vp: usize, xp: usize,
  b1: T, omb1: T, b2: T, omb2: T, negStep: T, bc2sqrt: T, eps: T, wd: T, decay: T,
  l2: bool, decoupled: bool, amsgrad: bool, maximize: bool,
): T {
  let gr = maximize ? -g : g;
  if (l2) gr = gr + wd * p;
  if (decoupled) p = p * decay;
  const m = load<T>(mp) * b1 + omb1 * gr;
  let v = load<T>(vp) * b2 + omb2 * gr * gr;
  store<T>(mp, m);
  store<T>(vp, v);
  if (amsgrad) {
    v = max<T>(load<T>(xp), v);
    store<T>(xp, v);
  }
  const denom = sqrt<T>(v) / bc2sqrt + eps;
  return p + negStep * m / denom;
}

/** One Adam/AdamW step over n elements; vmax is read and written only with amsgrad. */
export function adamStep<T>(
  n: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: T, oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, negStep: T, bc2sqrt: T, eps: T,
  weightDecay: T, decay: T, amsgrad: bool, maximize: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const l2 = weightDecay != <T>0;
  const decoupled = decay != <T>1;
  const vb1 = v128.splat<T>(beta1), vo1 = v128.splat<T>(oneMinusBeta1);
  const vb2 = v128.splat<T>(beta2), vo2 = v128.splat<T>(oneMinusBeta2);
  const vs = v128.splat<T>(negStep), vc = v128.splat<T>(bc2sqrt), ve = v128.splat<T>(eps);
  const vw = v128.splat<T>(weightDecay), vd = v128.splat<T>(decay);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    v128.store(p, vadam<T>(v128.load(p), v128.load(g), m, v, vmax, vb1, vo1, vb2, vo2, vs, vc, ve, vw, vd, l2, decoupled, amsgrad, maximize));
    p += 16;
    g += 16;
    m += 16;
    v += 16;
    vmax += 16;
  }
  for (; i < n; i++) {
    store<T>(p, sadam<T>(load<T>(p), load<T>(g), m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, weightDecay, decay, l2, decoupled, amsgrad, maximize));
    p += S;
    g += S;
    m += S;
    v += S;
    vmax += S;
  }
}
