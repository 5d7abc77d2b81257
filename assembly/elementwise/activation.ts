import { lanes } from "../shared/simd";

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

const SQRT1_2 = 0.7071067811865476; // 1/√2
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const TWO_INV_SQRT_PI = 1.1283791670955126; // 2/√π
const INV_SQRT_PI = 0.5641895835477563; // 1/√π
const GELU_BETA = 0.7978845608028654; // √(2/π)
const GELU_KAPPA = 0.044715;

/**
 * erfc(z) for z ≥ 2, by its continued fraction (modified Lentz): e^−z²/√π · 1/(z + (1/2)/(z +
 * 1/(z + (3/2)/(z + …)))). At z ≥ 2 it converges to double precision in under 60 terms.
 */
function erfcLarge(z: f64): f64 {
  if (z == Infinity) return 0;
  const tiny = 1e-300;
  let f = z, c = z, d = 0.0;
  for (let k = 1; k < 200; k++) {
    const a = <f64>k * 0.5;
    d = z + a * d;
    d = d == 0 ? tiny : d;
    c = z + a / c;
    c = c == 0 ? tiny : c;
    d = 1.0 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1.0) < 1e-16) break;
  }
  return Math.exp(-z * z) * INV_SQRT_PI / f;
}

/**
 * erf(z) for |z| < 2 by its series of positive terms (no cancellation):
 * erf(z) = 2/√π · e^−z² · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)).
 */
function erfSmall(z: f64): f64 {
  const z2 = 2.0 * z * z;
  let term = z, sum = z;
  for (let n = 1; n < 100; n++) {
    term *= z2 / <f64>(2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_INV_SQRT_PI * Math.exp(-z * z) * sum;
}

/** Φ(x) = (1 + erf(x/√2))/2, the normal CDF, without cancellation in either tail. */
function normalCdf(x: f64): f64 {
  const z = x * SQRT1_2;
  if (z != z) return z;
  if (z >= 2) return 1.0 - 0.5 * erfcLarge(z);
  if (z <= -2) return 0.5 * erfcLarge(-z);
  return 0.5 + 0.5 * (z >= 0 ? erfSmall(z) : -erfSmall(-z));
}

// Transcendentals in f64 for both dtypes: the f32 result is then the f64 one rounded once.
// @ts-ignore: decorator
@inline function act<T>(op: i32, x: T, slope: T): T {
  if (op == ACT_LEAKY_RELU) return x > <T>0 ? x : x * slope;
  if (op == ACT_SIGMOID) return <T>(1.0 / (1.0 + Math.exp(-<f64>x)));
  if (op == ACT_GELU) return <T>(<f64>x * normalCdf(<f64>x));
  if (op == ACT_GELU_TANH) {
    const v = <f64>x;
    return <T>(0.5 * v * (1.0 + Math.tanh(GELU_BETA * (v + GELU_KAPPA * v * v * v))));
  }
  return <T>Math.tanh(<f64>x);
}

// @ts-ignore: decorator
@inline function vact<T>(op: i32, x: v128, slope: v128): v128 {
  // Only leaky ReLU has a vector form; the callers use act<T> for the others.
  return v128.bitselect(x, v128.mul<T>(x, slope), v128.gt<T>(x, v128.splat<T>(0)));
}

/** y = op(x) over n elements. */
// @ts-ignore: decorator
@inline export function activation<T>(op: i32, n: usize, x: usize, y: usize, slope: T): void {
  const S = sizeof<T>();
  let i: usize = 0;
  if (op == ACT_LEAKY_RELU) {
    const L = lanes<T>();
    const vs = v128.splat<T>(slope);
    for (; i + L <= n; i += L) {
      v128.store(y, vact<T>(op, v128.load(x), vs));
      x += 16;
      y += 16;
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
  const x = <f64>v;
  if (op == GRAD_GELU) return <T>(<f64>dy * (normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x)));
  // PyTorch's: left = x/2, right = 1 + tanh(inner), dx = dy·(right/2 + left·(1 − tanh²)·β·(1 + 3κx²)).
  const t = Math.tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x));
  const dinner = GELU_BETA * (1.0 + 3.0 * GELU_KAPPA * x * x);
  return <T>(<f64>dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dinner));
}

// @ts-ignore: decorator
@inline function vgrad<T>(op: i32, dy: v128, v: v128, slope: v128): v128 {
  const zero = v128.splat<T>(0), one = v128.splat<T>(1);
  if (op == GRAD_RELU) return v128.andnot(dy, v128.le<T>(v, zero));
  if (op == GRAD_LEAKY_RELU) return v128.bitselect(dy, v128.mul<T>(dy, slope), v128.gt<T>(v, zero));
  if (op == GRAD_SIGMOID) return v128.mul<T>(v128.mul<T>(dy, v128.sub<T>(one, v)), v);
  return v128.mul<T>(dy, v128.sub<T>(one, v128.mul<T>(v, v)));
}

/** dx = the gradient of op for dy and v (the forward's input x, or its output y for sigmoid and tanh). */
// @ts-ignore: decorator
@inline export function activationGrad<T>(op: i32, n: usize, dy: usize, v: usize, dx: usize, slope: T): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const vs = v128.splat<T>(slope);
  let i: usize = 0;
  // The GELU gradients have no vector form (erf, tanh): scalar loop only.
  for (; op < GRAD_GELU && i + 2 * L <= n; i += 2 * L) {
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
