import { lanes } from "../shared/simd";

// SGD (torch.optim.SGD, its single-tensor path) over n contiguous parameters p with gradients
// g and, with momentum, the momentum buffer buf, in PyTorch's order of operations:
//   d = maximize ? −g : g;  d = d + wd·p (L2)
//   momentum: buf = first ? d : buf·momentum + (1 − dampening)·d;  d = nesterov ? d + momentum·buf : buf
//   p = p + (−lr)·d
// No fused arithmetic in either build (results do not depend on the build). The scalars come
// from the TS side (negLr = −lr, damp1 = 1 − dampening).
//
// The momentum kind (none, first step, later steps), nesterov and L2 are compile-time
// arguments of one loop, one export per combination, picked by the TS side: tested in the
// loop, the flags cost a branch each per vector and kept V8 re-splatting the scalars in
// every iteration. maximize is a sign flip by XOR, exactly f32x4.neg. Four vectors per
// iteration share the loop overhead; with both, a step streams about 3× faster from L2/L3.

/** No momentum buffer. */
const NONE = 0;
/** The first step with momentum: buf = d. */
const FIRST = 1;
/** Later steps with momentum: buf = buf·momentum + damp1·d. */
const LATER = 2;

// @ts-ignore: decorator
@inline function vsgd<T>(
  p: usize, g: usize, bp: usize, negLr: v128, mom: v128, damp1: v128, wd: v128, sign: v128,
  KIND: i32, NESTEROV: bool, L2: bool,
): void {
  const pv = v128.load(p);
  let d = v128.xor(v128.load(g), sign);
  if (L2) d = v128.add<T>(d, v128.mul<T>(wd, pv));
  if (KIND != NONE) {
    const b = KIND == FIRST ? d : v128.add<T>(v128.mul<T>(v128.load(bp), mom), v128.mul<T>(damp1, d));
    v128.store(bp, b);
    d = NESTEROV ? v128.add<T>(d, v128.mul<T>(mom, b)) : b;
  }
  v128.store(p, v128.add<T>(pv, v128.mul<T>(negLr, d)));
}

// @ts-ignore: decorator
@inline function ssgd<T>(
  p: usize, g: usize, bp: usize, negLr: T, mom: T, damp1: T, wd: T, maximize: bool,
  KIND: i32, NESTEROV: bool, L2: bool,
): void {
  const pv = load<T>(p);
  let d = load<T>(g);
  if (maximize) d = -d;
  if (L2) d = d + wd * pv;
  if (KIND != NONE) {
    const b = KIND == FIRST ? d : load<T>(bp) * mom + damp1 * d;
    store<T>(bp, b);
    d = NESTEROV ? d + mom * b : b;
  }
  store<T>(p, pv + negLr * d);
}

// @ts-ignore: decorator
@inline function sgdLoop<T>(
  n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool,
  KIND: i32, NESTEROV: bool, L2: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const vl = v128.splat<T>(negLr), vm = v128.splat<T>(momentum), vd = v128.splat<T>(damp1);
  const vw = v128.splat<T>(weightDecay);
  const sign = v128.splat<T>(maximize ? <T>-0.0 : <T>0.0);
  let i: usize = 0;
  // The first step runs once: it skips the four-vector loop, which only costs it code size.
  for (; KIND != FIRST && i + 4 * L <= n; i += 4 * L) {
    vsgd<T>(p, g, buf, vl, vm, vd, vw, sign, KIND, NESTEROV, L2);
    vsgd<T>(p + 16, g + 16, buf + 16, vl, vm, vd, vw, sign, KIND, NESTEROV, L2);
    vsgd<T>(p + 32, g + 32, buf + 32, vl, vm, vd, vw, sign, KIND, NESTEROV, L2);
    vsgd<T>(p + 48, g + 48, buf + 48, vl, vm, vd, vw, sign, KIND, NESTEROV, L2);
    p += 64;
    g += 64;
    if (KIND != NONE) buf += 64;
  }
  for (; i + L <= n; i += L) {
    vsgd<T>(p, g, buf, vl, vm, vd, vw, sign, KIND, NESTEROV, L2);
    p += 16;
    g += 16;
    if (KIND != NONE) buf += 16;
  }
  for (; i < n; i++) {
    ssgd<T>(p, g, buf, negLr, momentum, damp1, weightDecay, maximize, KIND, NESTEROV, L2);
    p += S;
    g += S;
    if (KIND != NONE) buf += S;
  }
}

// The exports: one per (momentum kind, nesterov, L2); buf, momentum, damp1 and weightDecay
// are unused where the variant has no use for them. Nesterov implies momentum.

/** One SGD step without momentum or L2. */
export function sgdStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, NONE, false, false);
}
/** One SGD step with L2, without momentum. */
export function sgdL2Step<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, NONE, false, true);
}
/** One step with momentum after the first. */
export function sgdMomentumStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, LATER, false, false);
}
/** One step with momentum and L2 after the first. */
export function sgdL2MomentumStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, LATER, false, true);
}
/** One Nesterov step after the first. */
export function sgdNesterovStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, LATER, true, false);
}
/** One Nesterov step with L2 after the first. */
export function sgdL2NesterovStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, LATER, true, true);
}
/** The first step with momentum (buf = d). */
export function sgdMomentumFirstStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, FIRST, false, false);
}
/** The first step with momentum and L2. */
export function sgdL2MomentumFirstStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, FIRST, false, true);
}
/** The first Nesterov step. */
export function sgdNesterovFirstStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, FIRST, true, false);
}
/** The first Nesterov step with L2. */
export function sgdL2NesterovFirstStep<T>(n: usize, p: usize, g: usize, buf: usize, negLr: T, momentum: T, damp1: T, weightDecay: T, maximize: bool): void {
  sgdLoop<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize, FIRST, true, true);
}
