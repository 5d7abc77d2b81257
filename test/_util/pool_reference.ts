// Plain-JS references of PyTorch's CPU pooling loops on one plane (aten/src/ATen/native/cpu/
// MaxPoolKernel.cpp, AvgPoolKernel.cpp), shared by the pooling tests.

export type Geo = { k: number[]; s: number[]; p: number[]; d: number[]; ceil: boolean };

export function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}
/** PyTorch's CPU max pooling loop on one plane. */
export function refMax(x: ArrayLike<number>, h: number, w: number, g: Geo) {
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], g.d[0], g.ceil),
    ow = outSize(w, g.k[1], g.s[1], g.p[1], g.d[1], g.ceil);
  const y: number[] = [], idx: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let m = -Infinity, mi = -1, first = true;
      for (let ky = 0; ky < g.k[0]; ky++) {
        const iy = oy * g.s[0] - g.p[0] + ky * g.d[0];
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < g.k[1]; kx++) {
          const ix = ox * g.s[1] - g.p[1] + kx * g.d[1];
          if (ix < 0 || ix >= w) continue;
          const v = x[iy * w + ix];
          if (first) mi = iy * w + ix; // PyTorch's initial index: the first tap inside
          first = false;
          if (v > m || Number.isNaN(v)) {
            m = v;
            mi = iy * w + ix;
          }
        }
      }
      y.push(m);
      idx.push(mi);
    }
  }
  return { y, idx, oh, ow };
}

/** PyTorch's CPU average pooling loop on one plane; `r` rounds each operation (float32: Math.fround). */
export function refAvg(
  x: ArrayLike<number>,
  h: number,
  w: number,
  g: Geo,
  include: boolean,
  divisor: number,
  r: (v: number) => number,
) {
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], 1, g.ceil), ow = outSize(w, g.k[1], g.s[1], g.p[1], 1, g.ceil);
  const y: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const y0 = oy * g.s[0] - g.p[0], x0 = ox * g.s[1] - g.p[1];
      const y1 = Math.min(y0 + g.k[0], h + g.p[0]), x1 = Math.min(x0 + g.k[1], w + g.p[1]);
      const pool = (y1 - y0) * (x1 - x0);
      const a = Math.max(y0, 0), b = Math.min(y1, h), c0 = Math.max(x0, 0), c1 = Math.min(x1, w);
      let sum = 0;
      for (let i = a; i < b; i++) for (let j = c0; j < c1; j++) sum = r(sum + x[i * w + j]);
      y.push(r(sum / (divisor > 0 ? divisor : include ? pool : (b - a) * (c1 - c0))));
    }
  }
  return y;
}

/**
 * PyTorch's average pooling backward on one plane: output by output in row-major order, dy /
 * divisor added to each input element of the window from a zeroed dx; `r` rounds each operation.
 */
export function refAvgBackward(
  dy: ArrayLike<number>,
  h: number,
  w: number,
  g: Geo,
  include: boolean,
  divisor: number,
  r: (v: number) => number,
): number[] {
  const oh = outSize(h, g.k[0], g.s[0], g.p[0], 1, g.ceil), ow = outSize(w, g.k[1], g.s[1], g.p[1], 1, g.ceil);
  const dx = new Array<number>(h * w).fill(0);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const y0 = oy * g.s[0] - g.p[0], x0 = ox * g.s[1] - g.p[1];
      const y1 = Math.min(y0 + g.k[0], h + g.p[0]), x1 = Math.min(x0 + g.k[1], w + g.p[1]);
      const pool = (y1 - y0) * (x1 - x0);
      const a = Math.max(y0, 0), b = Math.min(y1, h), c0 = Math.max(x0, 0), c1 = Math.min(x1, w);
      if (a >= b || c0 >= c1) continue;
      const d = r(dy[oy * ow + ox] / (divisor > 0 ? divisor : include ? pool : (b - a) * (c1 - c0)));
      for (let i = a; i < b; i++) for (let j = c0; j < c1; j++) dx[i * w + j] = r(dx[i * w + j] + d);
    }
  }
  return dx;
}
