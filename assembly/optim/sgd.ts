import { lanes } from "../shared/simd";

// SGD (torch.optim.SGD, its single-tensor path) over n contiguous parameters p with gradients
// g and, with momentum, the momentum buffer buf, in PyTorch's order of operations:
//   d = maximize ? −g : g;  d = d + wd·p (when wd ≠ 0)
//   momentum: buf = first ? d : buf·momentum + (1 − dampening)·d;  d = nesterov ? d + momentum·buf : buf
//   p = p + (−lr)·d
// No fused arithmetic in either build (results do not depend on the build). The flags are
// loop-invariant; the scalars come from the TS side (negLr = −lr, damp1 = 1 − dampening).

// @ts-ignore: decorator
@inline function vsgd<T>(
  p: v128, g: v128, bp: usize, negLr: v128, mom: v128, damp1: v128, wd: v128,
  hasMomentum: bool, first: bool, nesterov: bool, maximize: bool, decay: bool,
): v128 {
  let d = maximize ? v128.neg<T>(g) : g;
  if (decay) d = v128.add<T>(d, v128.mul<T>(wd, p));
  if (hasMomentum) {
    const b = first ? d : v128.add<T>(v128.mul<T>(v128.load(bp), mom), v128.mul<T>(damp1, d));
    v128.store(bp, b);
    d = nesterov ? v128.add<T>(d, v128.mul<T>(mom, b)) : b;
  }
  return v128.add<T>(p, v128.mul<T>(negLr, d));
}

// @ts-ignore: decorator
@inline function ssgd<T>(
  p: T, g: T, bp: usize, negLr: T, mom: T, damp1: T, wd: T,
  hasMomentum: bool, first: bool, nesterov: bool, maximize: bool, decay: bool,
): T {
  let d = maximize ? -g : g;
  if (decay) d = d + wd * p;
  if (hasMomentum) {
    const b = first ? d : load<T>(bp) * mom + damp1 * d;
    store<T>(bp, b);
    d = nesterov ? d + mom * b : b;
  }
  return p + negLr * d;
}

/** One SGD step over n elements; buf is read and written only when hasMomentum. */
export function sgdStep<T>(
  n: usize, p: usize, g: usize, buf: usize,
  negLr: T, momentum: T, damp1: T, weightDecay: T,
  hasMomentum: bool, first: bool, nesterov: bool, maximize: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const decay = weightDecay != <T>0;
  const vl = v128.splat<T>(negLr), vm = v128.splat<T>(momentum), vd = v128.splat<T>(damp1);
  const vw = v128.splat<T>(weightDecay);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    v128.store(p, vsgd<T>(v128.load(p), v128.load(g), buf, vl, vm, vd, vw, hasMomentum, first, nesterov, maximize, decay));
    p += 16;
    g += 16;
    buf += 16;
  }
  for (; i < n; i++) {
    store<T>(p, ssgd<T>(load<T>(p), load<T>(g), buf, negLr, momentum, damp1, weightDecay, hasMomentum, first, nesterov, maximize, decay));
    p += S;
    g += S;
    buf += S;
  }
}
