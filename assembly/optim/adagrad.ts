import { lanes } from "../shared/simd";

// Adagrad (torch.optim.Adagrad, its single-tensor dense path) over n contiguous parameters p
// with gradients g and the sum of squares sum, in PyTorch's order of operations:
//   gr = maximize ? −g : g;  gr = gr + wd·p (when wd ≠ 0)
//   sum = sum + gr·gr;  p = p + (negClr·gr) / (√sum + eps)
// with negClr = −lr / (1 + (t − 1)·lrDecay) from the TS side. No fused arithmetic.

// @ts-ignore: decorator
@inline function vada<T>(p: v128, g: v128, sp: usize, negClr: v128, eps: v128, wd: v128, l2: bool, maximize: bool): v128 {
  let gr = maximize ? v128.neg<T>(g) : g;
  if (l2) gr = v128.add<T>(gr, v128.mul<T>(wd, p));
  const s = v128.add<T>(v128.load(sp), v128.mul<T>(gr, gr));
  v128.store(sp, s);
  return v128.add<T>(p, v128.div<T>(v128.mul<T>(negClr, gr), v128.add<T>(v128.sqrt<T>(s), eps)));
}

// @ts-ignore: decorator
@inline function sada<T>(p: T, g: T, sp: usize, negClr: T, eps: T, wd: T, l2: bool, maximize: bool): T {
  let gr = maximize ? -g : g;
  if (l2) gr = gr + wd * p;
  const s = load<T>(sp) + gr * gr;
  store<T>(sp, s);
  return p + negClr * gr / (sqrt<T>(s) + eps);
}

/** One Adagrad step over n elements. */
export function adagradStep<T>(
  n: usize, p: usize, g: usize, sum: usize, negClr: T, eps: T, weightDecay: T, maximize: bool,
): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const l2 = weightDecay != <T>0;
  const vc = v128.splat<T>(negClr), ve = v128.splat<T>(eps), vw = v128.splat<T>(weightDecay);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    v128.store(p, vada<T>(v128.load(p), v128.load(g), sum, vc, ve, vw, l2, maximize));
    p += 16;
    g += 16;
    sum += 16;
  }
  for (; i < n; i++) {
    store<T>(p, sada<T>(load<T>(p), load<T>(g), sum, negClr, eps, weightDecay, l2, maximize));
    p += S;
    g += S;
    sum += S;
  }
}
