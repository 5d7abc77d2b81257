import { lanes } from "../shared/simd";
import { vgelu, vgeluGrad, vgeluTanh, vgeluTanhGrad } from "./gelu";

// Activations and their gradients over n contiguous elements, with PyTorch's formulas (the
// comment of each op names the ATen kernel it matches, including where NaN goes); y or dx
// may alias the input. `op` is a constant at every call site: the wrappers inline these, so
// each op is its own loop (no per-element test of `op`).

export const ACT_LEAKY_RELU = 0; // x > 0 ? x : x·slope (leaky_relu; NaN stays NaN)
export const ACT_SIGMOID = 1; // 1 / (1 + e^−x) (sigmoid)
export const ACT_TANH = 2; // tanh(x)
export const ACT_GELU = 3; // x·Φ(x), Φ(x) = (1 + erf(x/√2))/2 (gelu, approximate="none")
export const ACT_GELU_TANH = 4; // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (gelu, approximate="tanh")

export const GRAD_RELU = 0; // x ≤ 0 ? 0 : dy (threshold_backward: a NaN x passes dy)
export const GRAD_LEAKY_RELU = 1; // x > 0 ? dy : dy·slope (leaky_relu_backward)
export const GRAD_SIGMOID = 2; // dy·(1 − y)·y (sigmoid_backward, from the output y)
export const GRAD_TANH = 3; // dy·(1 − y²) (tanh_backward, from the output y)
export const GRAD_GELU = 4; // dy·(Φ(x) + x·φ(x)) (gelu_backward, approximate="none")
export const GRAD_GELU_TANH = 5; // gelu_backward, approximate="tanh", PyTorch's formula

// Sigmoid and tanh in f64 for both dtypes: the f32 result is then the f64 one rounded once.
// @ts-ignore: decorator
@inline function act<T>(op: i32, x: T, slope: T): T {
  if (op == ACT_LEAKY_RELU) return x > <T>0 ? x : x * slope;
  if (op == ACT_SIGMOID) return <T>(1.0 / (1.0 + Math.exp(-<f64>x)));
  if (op == ACT_GELU) return v128.extract_lane<T>(vgelu<T>(v128.splat<T>(x)), 0);
  if (op == ACT_GELU_TANH) return v128.extract_lane<T>(vgeluTanh<T>(v128.splat<T>(x)), 0);
  return <T>Math.tanh(<f64>x);
}

// @ts-ignore: decorator
@inline function vact<T>(op: i32, x: v128, slope: v128): v128 {
  // Leaky ReLU and GELU have a vector form; the callers use act<T> for the others.
  if (op == ACT_GELU) return vgelu<T>(x);
  if (op == ACT_GELU_TANH) return vgeluTanh<T>(x);
  return v128.bitselect(x, v128.mul<T>(x, slope), v128.gt<T>(x, v128.splat<T>(0)));
}

/** y = op(x) over n elements. */
// @ts-ignore: decorator
@inline export function activation<T>(op: i32, n: usize, x: usize, y: usize, slope: T): void {
  const S = sizeof<T>();
  let i: usize = 0;
  if (op == ACT_LEAKY_RELU || op == ACT_GELU || op == ACT_GELU_TANH) {
    const L = lanes<T>();
    const vs = v128.splat<T>(slope);
    // Two vectors per step: GELU's long dependency chains overlap better side by side.
    for (; i + 2 * L <= n; i += 2 * L) {
      const a = vact<T>(op, v128.load(x), vs), b = vact<T>(op, v128.load(x, 16), vs);
      v128.store(y, a);
      v128.store(y, b, 16);
      x += 32;
      y += 32;
    }
  }
  for (; i < n; i++) {
    store<T>(y, act<T>(op, load<T>(x), slope));
    x += S;
    y += S;
  }
}

// @ts-ignore: decorator
@inline function grad<T>(op: i32, dy: T, v: T, slope: T): T {
  if (op == GRAD_RELU) return v <= <T>0 ? <T>0 : dy;
  if (op == GRAD_LEAKY_RELU) return v > <T>0 ? dy : dy * slope;
  if (op == GRAD_SIGMOID) return dy * (<T>1 - v) * v;
  if (op == GRAD_TANH) return dy * (<T>1 - v * v);
  if (op == GRAD_GELU) return v128.extract_lane<T>(vgeluGrad<T>(v128.splat<T>(dy), v128.splat<T>(v)), 0);
  return v128.extract_lane<T>(vgeluTanhGrad<T>(v128.splat<T>(dy), v128.splat<T>(v)), 0);
}

// @ts-ignore: decorator
@inline function vgrad<T>(op: i32, dy: v128, v: v128, slope: v128): v128 {
  const zero = v128.splat<T>(0), one = v128.splat<T>(1);
  if (op == GRAD_RELU) return v128.andnot(dy, v128.le<T>(v, zero));
  if (op == GRAD_LEAKY_RELU) return v128.bitselect(dy, v128.mul<T>(dy, slope), v128.gt<T>(v, zero));
  if (op == GRAD_SIGMOID) return v128.mul<T>(v128.mul<T>(dy, v128.sub<T>(one, v)), v);
  if (op == GRAD_GELU) return vgeluGrad<T>(dy, v);
  if (op == GRAD_GELU_TANH) return vgeluTanhGrad<T>(dy, v);
  return v128.mul<T>(dy, v128.sub<T>(one, v128.mul<T>(v, v)));
}

/** dx = the gradient of op for dy and v (the forward's input x, or its output y for sigmoid and tanh). */
// @ts-ignore: decorator
@inline export function activationGrad<T>(op: i32, n: usize, dy: usize, v: usize, dx: usize, slope: T): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const vs = v128.splat<T>(slope);
  let i: usize = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const a = vgrad<T>(op, v128.load(dy), v128.load(v), vs);
    const b = vgrad<T>(op, v128.load(dy, 16), v128.load(v, 16), vs);
    v128.store(dx, a);
    v128.store(dx, b, 16);
    dy += 32;
    v += 32;
    dx += 32;
  }
  for (; i < n; i++) {
    store<T>(dx, grad<T>(op, load<T>(dy), load<T>(v), slope));
    dy += S;
    v += S;
    dx += S;
  }
}
