import { lanes } from "../shared/simd";

// RMSprop (torch.optim.RMSprop, its single-tensor path) over n contiguous parameters p with
// gradients g, the square average sq and, when centered, the gradient average ga and, with
// momentum, the buffer buf, in PyTorch's order of operations:
//   gr = maximize ? −g : g;  gr = gr + wd·p (when wd ≠ 0)
//   sq = sq·α + ((1 − α)·gr)·gr;  centered: ga = ga·α + (1 − α)·gr, avg = √(sq + (−ga)·ga) + eps, else √sq + eps
//   momentum: buf = buf·momentum + gr/avg, p = p + (−lr)·buf;  else p = p + (−lr·gr)/avg
// No fused arithmetic in either build.

// @ts-ignore: decorator
@inline function vrms<T>(
  p: v128, g: v128, sp: usize, ap: usize, bp: usize,
  alpha: v128, oma: v128, eps: v128, negLr: v128, mom: v128, wd: v128,
  l2: bool, centered: bool, hasMomentum: bool, maximize: bool,
): v128 {
  let gr = maximize ? v128.neg<T>(g) : g;
  if (l2) gr = v128.add<T>(gr, v128.mul<T>(wd, p));
  const sq = v128.add<T>(v128.mul<T>(v128.load(sp), alpha), v128.mul<T>(v128.mul<T>(oma, gr), gr));
  v128.store(sp, sq);
  let avg: v128;
  if (centered) {
    const ga = v128.add<T>(v128.mul<T>(v128.load(ap), alpha), v128.mul<T>(oma, gr));
    v128.store(ap, ga);
    avg = v128.add<T>(v128.sqrt<T>(v128.add<T>(sq, v128.mul<T>(v128.neg<T>(ga), ga))), eps);
  } else {
    avg = v128.add<T>(v128.sqrt<T>(sq), eps);
  }
  if (hasMomentum) {
    const b = v128.add<T>(v128.mul<T>(v128.load(bp), mom), v128.div<T>(gr, avg));
    v128.store(bp, b);
    return v128.add<T>(p, v128.mul<T>(negLr, b));
  }
  return v128.add<T>(p, v128.div<T>(v128.mul<T>(negLr, gr), avg));
}

// @ts-ignore: decorator
@inline function srms<T>(
  p: T, g: T, sp: usize, ap: usize, bp: usize,
  alpha: T, oma: T, eps: T, negLr: T, mom: T, wd: T,
  l2: bool, centered: bool, hasMomentum: bool, maximize: bool,
): T {
  let gr = maximize ? -g : g;
  if (l2) gr = gr + wd * p;
  const sq = load<T>(sp) * alpha + oma * gr * gr;
  store<T>(sp, sq);
  let avg: T;
  if (centered) {
    const ga = load<T>(ap) * alpha + oma * gr;
    store<T>(ap, ga);
    avg = sqrt<T>(sq + -ga * ga) + eps;
  } else {
    avg = sqrt<T>(sq) + eps;
  }
  if (hasMomentum) {
    const b = load<T>(bp) * mom + gr / avg;
    store<T>(bp, b);
    return p + negLr * b;
  }
  return p + negLr * gr / avg;
}

/** One RMSprop step over n elements; ga is used only when centered, buf only when hasMomentum. */
export function rmspropStep<T>(
  n: usize, p: usize, g: usize, sq: usize, ga: usize, buf: usize,
  alpha: T, oneMinusAlpha: T, eps: T, negLr: T, momentum: T, weightDecay: T,
  centered: bool, hasMomentum: bool, maximize: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const l2 = weightDecay != <T>0;
  const va = v128.splat<T>(alpha), vo = v128.splat<T>(oneMinusAlpha), ve = v128.splat<T>(eps);
  const vl = v128.splat<T>(negLr), vm = v128.splat<T>(momentum), vw = v128.splat<T>(weightDecay);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    v128.store(p, vrms<T>(v128.load(p), v128.load(g), sq, ga, buf, va, vo, ve, vl, vm, vw, l2, centered, hasMomentum, maximize));
    p += 16;
    g += 16;
    sq += 16;
    ga += 16;
    buf += 16;
  }
  for (; i < n; i++) {
    store<T>(p, srms<T>(load<T>(p), load<T>(g), sq, ga, buf, alpha, oneMinusAlpha, eps, negLr, momentum, weightDecay, l2, centered, hasMomentum, maximize));
    p += S;
    g += S;
    sq += S;
    ga += S;
    buf += S;
  }
}
