/**
 * Deterministic inputs shared by simdnn and its peers, so every implementation of a case
 * multiplies the same numbers.
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
