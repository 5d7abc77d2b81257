// Losses that return their value and write the gradient of it with respect to the
// prediction in the same pass (PyTorch's loss and its autograd gradient). Rows are [n, c]
// contiguous; reductions accumulate in f64 for both dtypes; `scale` is 1/n for "mean" (1/numel
// for MSE) and 1 for "sum". Targets are validated by the caller (class indices in [0, c)).

/** Per row: max and log Σ e^(x − max), in f64. Writes lse (m + log s) and returns it. */
// @ts-ignore: decorator
@inline function logSumExp<T>(c: usize, row: usize): f64 {
  const S = sizeof<T>();
  let m = -Infinity;
  for (let j: usize = 0; j < c; j++) m = max(m, <f64>load<T>(row + j * S));
  let s = 0.0;
  for (let j: usize = 0; j < c; j++) s += Math.exp(<f64>load<T>(row + j * S) - m);
  return m + Math.log(s);
}

/**
 * Cross-entropy of logits [n, c] against class indices (i32 [n]) with label smoothing ε:
 * q = (1 − ε)·onehot + ε/c, loss = Σᵢ −Σⱼ qⱼ·log softmax(xᵢ)ⱼ · scale, grad = (softmax − q)·scale.
 */
export function crossEntropyIndex<T>(n: usize, c: usize, x: usize, target: usize, eps: f64, scale: f64, grad: usize): f64 {
  const S = sizeof<T>();
  const off = eps / <f64>c, on = 1.0 - eps + off;
  let loss = 0.0;
  for (let i: usize = 0; i < n; i++) {
    const row = x + i * c * S, g = grad + i * c * S;
    const lse = logSumExp<T>(c, row);
    const y = <usize>load<i32>(target + i * 4);
    let li = 0.0;
    for (let j: usize = 0; j < c; j++) {
      const logp = <f64>load<T>(row + j * S) - lse;
      const q = j == y ? on : off;
      li -= q * logp;
      store<T>(g + j * S, <T>((Math.exp(logp) - q) * scale));
    }
    loss += li;
  }
  return loss * scale;
}

/**
 * Cross-entropy against class probabilities t [n, c] with label smoothing ε: q = (1 − ε)·t + ε/c,
 * loss = Σᵢ −Σⱼ qⱼ·log softmax(xᵢ)ⱼ · scale, grad = (softmax·Σⱼ qⱼ − q)·scale.
 */
export function crossEntropyProbs<T>(n: usize, c: usize, x: usize, t: usize, eps: f64, scale: f64, grad: usize): f64 {
  const S = sizeof<T>();
  const off = eps / <f64>c;
  let loss = 0.0;
  for (let i: usize = 0; i < n; i++) {
    const row = x + i * c * S, tr = t + i * c * S, g = grad + i * c * S;
    const lse = logSumExp<T>(c, row);
    let qs = 0.0, li = 0.0;
    for (let j: usize = 0; j < c; j++) {
      const q = (1.0 - eps) * <f64>load<T>(tr + j * S) + off;
      qs += q;
      li -= q * (<f64>load<T>(row + j * S) - lse);
    }
    for (let j: usize = 0; j < c; j++) {
      const q = (1.0 - eps) * <f64>load<T>(tr + j * S) + off;
      store<T>(g + j * S, <T>((Math.exp(<f64>load<T>(row + j * S) - lse) * qs - q) * scale));
    }
    loss += li;
  }
  return loss * scale;
}

/** Mean (or summed) squared error over n elements: loss = Σ (p − t)²·scale, grad = 2(p − t)·scale. */
export function mse<T>(n: usize, p: usize, t: usize, scale: f64, grad: usize): f64 {
  const S = sizeof<T>();
  let loss = 0.0;
  for (let i: usize = 0; i < n; i++) {
    const d = <f64>load<T>(p + i * S) - <f64>load<T>(t + i * S);
    loss += d * d;
    store<T>(grad + i * S, <T>(2.0 * d * scale));
  }
  return loss * scale;
}

/**
 * The multiclass hinge loss (PyTorch's multi_margin_loss, p = 1): per row i with class y,
 * Σ_{j≠y} max(0, margin − x_y + x_j) / c, times scale; grad 1/c·scale where a term is positive,
 * minus their count at y.
 */
export function multiMargin<T>(n: usize, c: usize, x: usize, target: usize, margin: f64, scale: f64, grad: usize): f64 {
  const S = sizeof<T>();
  const w = scale / <f64>c;
  let loss = 0.0;
  for (let i: usize = 0; i < n; i++) {
    const row = x + i * c * S, g = grad + i * c * S;
    const y = <usize>load<i32>(target + i * 4);
    const xy = <f64>load<T>(row + y * S);
    let li = 0.0, count = 0.0;
    for (let j: usize = 0; j < c; j++) {
      if (j == y) continue;
      const z = margin - xy + <f64>load<T>(row + j * S);
      if (z > 0) {
        li += z;
        count += 1;
        store<T>(g + j * S, <T>w);
      } else {
        store<T>(g + j * S, <T>0);
      }
    }
    store<T>(g + y * S, <T>(-count * w));
    loss += li;
  }
  return loss * w;
}
