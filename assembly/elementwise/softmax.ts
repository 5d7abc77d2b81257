// Softmax and log-softmax along one dim of an [outer, len, inner] view, and their gradients
// (PyTorch's _softmax_backward_data and _log_softmax_backward_data). Each (outer, inner) line
// is reduced in f64 for both dtypes: the max, then Σ e^(x − max); e^ comes from f64 Math.exp.
// inner = 1 (the last dim, the common case) is a separate function with unit strides.

// @ts-ignore: decorator
@inline function line<T>(len: usize, stride: usize, x: usize, y: usize, log: bool): void {
  const S = sizeof<T>(), step = stride * S;
  let m = -Infinity;
  let nan = false;
  for (let i: usize = 0, p = x; i < len; i++, p += step) {
    const v = <f64>load<T>(p);
    if (v != v) nan = true;
    else if (v > m) m = v;
  }
  // A NaN anywhere gives NaN everywhere, as in PyTorch; an all −∞ line gives NaN too (0/0).
  if (nan) m = NaN;
  let sum = 0.0;
  for (let i: usize = 0, p = x; i < len; i++, p += step) sum += Math.exp(<f64>load<T>(p) - m);
  if (log) {
    const lse = m + Math.log(sum);
    for (let i: usize = 0, p = x, q = y; i < len; i++, p += step, q += step) store<T>(q, <T>(<f64>load<T>(p) - lse));
  } else {
    const inv = 1.0 / sum;
    for (let i: usize = 0, p = x, q = y; i < len; i++, p += step, q += step) {
      store<T>(q, <T>(Math.exp(<f64>load<T>(p) - m) * inv));
    }
  }
}

/** y = softmax (or log-softmax) of x along the middle dim of [outer, len, inner]; y may alias x. */
export function softmax<T>(outer: usize, len: usize, inner: usize, x: usize, y: usize, log: bool): void {
  const S = sizeof<T>();
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) line<T>(len, 1, x + o * len * S, y + o * len * S, log);
    return;
  }
  for (let o: usize = 0; o < outer; o++) {
    const base = o * len * inner * S;
    for (let j: usize = 0; j < inner; j++) line<T>(len, inner, x + base + j * S, y + base + j * S, log);
  }
}

// @ts-ignore: decorator
@inline function lineGrad<T>(len: usize, stride: usize, dy: usize, y: usize, dx: usize, log: bool): void {
  const step = stride * sizeof<T>();
  let s = 0.0;
  if (log) {
    for (let i: usize = 0, p = dy; i < len; i++, p += step) s += <f64>load<T>(p);
    // dx = dy − e^y · Σ dy
    for (let i: usize = 0, p = dy, q = y, r = dx; i < len; i++, p += step, q += step, r += step) {
      store<T>(r, <T>(<f64>load<T>(p) - Math.exp(<f64>load<T>(q)) * s));
    }
  } else {
    for (let i: usize = 0, p = dy, q = y; i < len; i++, p += step, q += step) s += <f64>load<T>(p) * <f64>load<T>(q);
    // dx = y · (dy − Σ dy·y)
    for (let i: usize = 0, p = dy, q = y, r = dx; i < len; i++, p += step, q += step, r += step) {
      store<T>(r, <T>(<f64>load<T>(q) * (<f64>load<T>(p) - s)));
    }
  }
}

/** dx = the gradient of softmax (log: log-softmax) for dy and its output y, along the middle dim. */
export function softmaxGrad<T>(outer: usize, len: usize, inner: usize, dy: usize, y: usize, dx: usize, log: bool): void {
  const S = sizeof<T>();
  for (let o: usize = 0; o < outer; o++) {
    const base = o * len * inner * S;
    for (let j: usize = 0; j < inner; j++) lineGrad<T>(len, inner, dy + base + j * S, y + base + j * S, dx + base + j * S, log);
  }
}
