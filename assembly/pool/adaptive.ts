import { lanes } from "../shared/simd";

// Adaptive average pooling over `planes` planes of ih × iw to oh × ow, with PyTorch's CPU
// semantics (aten/src/ATen/native/cpu/AdaptiveAvgPoolKernel.cpp): output i along a dim of
// `out` from an input dim of `n` averages [floor(i·n/out), ceil((i+1)·n/out)); the sum runs
// row-major from 0 and is divided by the window's height, then by its width. The backward
// adds dy / h / w to the window, output by output. The global case (1 × 1) is PyTorch's mean
// over the plane there: the sum (with vector accumulators, an order of its own: equal up to
// rounding) divided once by H·W, and the backward fills each plane with dy / (H·W).

// @ts-ignore: decorator
@inline function startOf(i: i32, out: i32, n: i32): i32 {
  return <i32>((<i64>i * <i64>n) / <i64>out);
}

// @ts-ignore: decorator
@inline function endOf(i: i32, out: i32, n: i32): i32 {
  return <i32>(((<i64>i + 1) * <i64>n + <i64>out - 1) / <i64>out);
}

/** The sum of n contiguous elements: four vector accumulators, then the lanes, then the tail. */
function planeSum<T>(p: usize, n: usize): T {
  const S = sizeof<T>();
  const L = lanes<T>();
  let a = v128.splat<T>(0), b = a, c = a, d = a;
  let i: usize = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a = v128.add<T>(a, v128.load(p));
    b = v128.add<T>(b, v128.load(p, 16));
    c = v128.add<T>(c, v128.load(p, 32));
    d = v128.add<T>(d, v128.load(p, 48));
    p += 64;
  }
  for (; i + L <= n; i += L) {
    a = v128.add<T>(a, v128.load(p));
    p += 16;
  }
  const v = v128.add<T>(v128.add<T>(a, b), v128.add<T>(c, d));
  let sum: T;
  if (sizeof<T>() == 4) {
    sum = <T>(<T>(<T>f32x4.extract_lane(v, 0) + <T>f32x4.extract_lane(v, 1)) + <T>f32x4.extract_lane(v, 2)) +
      <T>f32x4.extract_lane(v, 3);
  } else {
    sum = <T>f64x2.extract_lane(v, 0) + <T>f64x2.extract_lane(v, 1);
  }
  for (; i < n; i++) {
    sum += load<T>(p);
    p += S;
  }
  return sum;
}

/** y = adaptive average pooling of x to oh × ow. */
export function adaptiveAvgPoolForward<T>(planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, x: usize, y: usize): void {
  const S = sizeof<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  if (oh == 1 && ow == 1) {
    for (let p: usize = 0; p < planes; p++) {
      store<T>(y + p * S, planeSum<T>(x + p * inPlane * S, inPlane) / <T>(<f64>inPlane));
    }
    return;
  }
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S;
    let yp = y + p * outPlane * S;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const a = startOf(oy, oh, ih), b = endOf(oy, oh, ih);
      for (let ox: i32 = 0; ox < ow; ox++) {
        const c0 = startOf(ox, ow, iw), c1 = endOf(ox, ow, iw);
        let sum: T = 0;
        for (let r = a; r < b; r++) {
          const row = xp + <usize>r * <usize>iw * S;
          for (let c = c0; c < c1; c++) sum += load<T>(row + <usize>c * S);
        }
        store<T>(yp, sum / <T>(b - a) / <T>(c1 - c0));
        yp += S;
      }
    }
  }
}

/** dx = the gradient of adaptiveAvgPoolForward for dy. */
export function adaptiveAvgPoolBackward<T>(planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, dy: usize, dx: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  if (oh == 1 && ow == 1) {
    for (let p: usize = 0; p < planes; p++) {
      const g = load<T>(dy + p * S) / <T>(<f64>inPlane);
      const vg = v128.splat<T>(g);
      let q = dx + p * inPlane * S;
      let i: usize = 0;
      for (; i + L <= inPlane; i += L) {
        v128.store(q, vg);
        q += 16;
      }
      for (; i < inPlane; i++) {
        store<T>(q, g);
        q += S;
      }
    }
    return;
  }
  memory.fill(dx, 0, planes * inPlane * S);
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S;
    let dp = dy + p * outPlane * S;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const a = startOf(oy, oh, ih), b = endOf(oy, oh, ih);
      for (let ox: i32 = 0; ox < ow; ox++) {
        const c0 = startOf(ox, ow, iw), c1 = endOf(ox, ow, iw);
        const g = load<T>(dp) / <T>(b - a) / <T>(c1 - c0);
        for (let r = a; r < b; r++) {
          const row = dxp + <usize>r * <usize>iw * S;
          for (let c = c0; c < c1; c++) {
            const q = row + <usize>c * S;
            store<T>(q, load<T>(q) + g);
          }
        }
        dp += S;
      }
    }
  }
}
