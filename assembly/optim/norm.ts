// Reductions for gradient clipping (torch.nn.utils.clip_grad_norm_) over n contiguous
// elements, accumulated in f64 for both dtypes: the sum of squares, or with inf the largest
// magnitude (NaN propagates, as torch.norm's). f32 vectors are promoted to two f64 vectors.

// @ts-ignore: decorator
@inline function acc(a: v128, x: v128, inf: bool): v128 {
  return inf ? f64x2.max(a, v128.abs<f64>(x)) : f64x2.add(a, f64x2.mul(x, x));
}

/** Σ x² (inf: max |x|) over n elements, in f64. */
export function normPartial<T>(n: usize, x: usize, inf: bool): f64 {
  const S = sizeof<T>();
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i: usize = 0;
  if (S == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x);
      a = acc(a, f64x2.promote_low_f32x4(v), inf);
      b = acc(b, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)), inf);
      x += 16;
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      a = acc(a, v128.load(x), inf);
      x += 16;
    }
  }
  let r: f64 = 0;
  if (inf) {
    const m = f64x2.max(a, b);
    r = Math.max(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
  } else {
    const s = f64x2.add(a, b);
    r = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  }
  for (; i < n; i++) {
    const v = <f64>load<T>(x);
    r = inf ? Math.max(r, Math.abs(v)) : r + v * v;
    x += S;
  }
  return r;
}
