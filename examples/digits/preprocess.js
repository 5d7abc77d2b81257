// A drawing as an MNIST digit, made the way MNIST's were (LeCun et al.): the ink's bounding
// box scaled, keeping its aspect, so the longer side is 20 px, placed in a 28×28 field with
// its centre of mass at the field's centre (pixel index 14, 14), grey levels in [0, 1], white
// ink (1) on black (0). The strokes are rasterized here from their centre lines, with a pen of
// MNIST's width at that scale (~3 px: its 1s average 61 units of ink over 20 px of height,
// its 0s 139), so the result does not depend on the screen's size or resolution or on how thick
// the on-screen pen is. Plain JS, no canvas: the same numbers in every browser (and in Node).

/** The field's side, the digit box's side and MNIST's pen width, in pixels of the 28×28 image. */
export const SIZE = 28, BOX = 20, PEN = 3;

/**
 * The MNIST image of `strokes`, or null when there is no ink.
 * @param {ArrayLike<number>[]} strokes each stroke its points as `[x0, y0, x1, y1, …]`, in any
 *   units with y pointing down (one point is a dot)
 * @param {{ pen?: number }} [options] the pen's width in pixels of the 28×28 image
 * @returns {Float32Array | null} 784 values, row-major
 */
export function toMnist(strokes, { pen = PEN } = {}) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const s of strokes) {
    for (let i = 0; i + 1 < s.length; i += 2) {
      x0 = Math.min(x0, s[i]), x1 = Math.max(x1, s[i]);
      y0 = Math.min(y0, s[i + 1]), y1 = Math.max(y1, s[i + 1]);
    }
  }
  if (!(x1 >= x0)) return null;
  // The ink's box is the centre lines' box plus the pen's radius on every side: scaling the
  // centre lines' longer side to BOX − pen makes the ink's longer side BOX.
  const extent = Math.max(x1 - x0, y1 - y0);
  const scale = extent > 0 ? (BOX - pen) / extent : 1;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const lines = strokes.filter((s) => s.length >= 2).map((s) => {
    const p = new Float64Array(s.length & ~1);
    for (let i = 0; i < p.length; i += 2) {
      p[i] = (s[i] - cx) * scale + SIZE / 2;
      p[i + 1] = (s[i + 1] - cy) * scale + SIZE / 2;
    }
    return p;
  });
  // Box-centred first, then moved so the centre of mass lands on pixel (14, 14), as MNIST's.
  const first = rasterize(lines, pen, 0, 0);
  let m = 0, mx = 0, my = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const v = first[y * SIZE + x];
      m += v, mx += v * x, my += v * y;
    }
  }
  if (m === 0) return first;
  return rasterize(lines, pen, SIZE / 2 - mx / m, SIZE / 2 - my / m);
}

/**
 * Thick polylines as grey levels: a pixel's value is its centre's depth inside the pen's
 * outline (round caps and joins) plus ½, clamped to [0, 1], a one-pixel anti-aliased edge
 * that puts `pen` units of ink per unit of stroke length, as an area-sampled pen would.
 */
function rasterize(lines, pen, dx, dy) {
  const img = new Float32Array(SIZE * SIZE), r = pen / 2, reach = r + 0.5;
  for (const p of lines) {
    // A one-point stroke is a segment of length 0: a dot.
    const n = Math.max(1, p.length / 2 - 1);
    for (let k = 0; k < n; k++) {
      const j = Math.min(2 * k + 2, p.length - 2);
      const ax = p[2 * k] + dx, ay = p[2 * k + 1] + dy, bx = p[j] + dx, by = p[j + 1] + dy;
      const ux = bx - ax, uy = by - ay, len2 = ux * ux + uy * uy;
      // Only the pixels whose centres (x + ½, y + ½) can be within reach of the segment.
      const xa = Math.max(0, Math.floor(Math.min(ax, bx) - reach - 0.5));
      const xb = Math.min(SIZE - 1, Math.ceil(Math.max(ax, bx) + reach - 0.5));
      const ya = Math.max(0, Math.floor(Math.min(ay, by) - reach - 0.5));
      const yb = Math.min(SIZE - 1, Math.ceil(Math.max(ay, by) + reach - 0.5));
      for (let y = ya; y <= yb; y++) {
        for (let x = xa; x <= xb; x++) {
          const px = x + 0.5 - ax, py = y + 0.5 - ay;
          const t = len2 > 0 ? Math.min(1, Math.max(0, (px * ux + py * uy) / len2)) : 0;
          const ex = px - t * ux, ey = py - t * uy;
          const v = Math.min(1, reach - Math.sqrt(ex * ex + ey * ey));
          if (v > img[y * SIZE + x]) img[y * SIZE + x] = v;
        }
      }
    }
  }
  return img;
}
