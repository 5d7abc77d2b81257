/**
 * Deterministic inputs shared by simdnn and its peers, so every implementation of a case
 * multiplies the same numbers, and the layout changes TensorFlow.js needs (NHWC data, HWIO
 * filters), done once at setup.
 *
 * @module
 */

/**
 * `size` floats in [-0.5, 0.5) from a small LCG: reproducible in every runtime, no denormals.
 *
 * @param {number} size
 * @param {number} seed Distinct seeds give distinct operands.
 * @returns {Float32Array}
 */
export function randomData(size, seed) {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 8) / (1 << 24) - 0.5;
  }
  return out;
}

/**
 * `[n, c, h, w]` data in NHWC order.
 * @param {Float32Array} a @param {number} n @param {number} c @param {number} h @param {number} w
 */
export function toNhwc(a, n, c, h, w) {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = a[((b * c + ch) * h + y) * w + x];
      }
    }
  }
  return out;
}

/**
 * OIHW weights in HWIO order (for depthwise, `[C, 1, kH, kW]` becomes `[kH, kW, 1, C]`, the
 * same memory as tfjs's `[kH, kW, C, 1]`).
 * @param {Float32Array} a @param {number} o @param {number} i @param {number} kh @param {number} kw
 */
export function toHwio(a, o, i, kh, kw) {
  const out = new Float32Array(a.length);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < i; ic++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + ic) * o + oc] = a[((oc * i + ic) * kh + y) * kw + x];
      }
    }
  }
  return out;
}
