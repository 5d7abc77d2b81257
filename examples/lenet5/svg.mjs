// The training curves as a small standalone SVG: loss (top) and accuracy (bottom) per batch,
// smoothed, with each epoch's held-out accuracy marked.

/** Exponential moving average, for readable per-batch curves. */
function smooth(/** @type {number[]} */ v, a = 0.05) {
  let s = v[0] ?? 0;
  return v.map((x) => (s = s + a * (x - s)));
}

/**
 * @param {{ batchLoss: number[], batchAccuracy: number[], valAccuracy: number[], valLoss: number[] }} h
 * @param {{ batchesPerEpoch: number, title: string }} o
 * @returns {string}
 */
export function trainingSvg(h, o) {
  const W = 720, H = 500, L = 60, R = 20, T = 56, gap = 56, ph = (H - T - gap - 40) / 2;
  const n = h.batchLoss.length;
  const x = (/** @type {number} */ i) => L + (n <= 1 ? 0 : (i / (n - 1)) * (W - L - R));
  const loss = smooth(h.batchLoss), acc = smooth(h.batchAccuracy);
  const lmax = Math.max(...loss, ...h.valLoss, 1e-9);
  const panel = (
    /** @type {number} */ top,
    /** @type {number[]} */ v,
    /** @type {(y: number) => number} */ f,
    /** @type {string} */ color,
  ) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${
      v.map((y, i) => `${x(i).toFixed(1)},${(top + f(y)).toFixed(1)}`).join(" ")
    }"/>`;
  const fy1 = (/** @type {number} */ y) => ph - (y / lmax) * ph, fy2 = (/** @type {number} */ y) => ph - y * ph;
  const top2 = T + ph + gap;
  const epochs = h.valAccuracy.map((a, e) => {
    const i = Math.min(n - 1, (e + 1) * o.batchesPerEpoch - 1);
    return `<circle cx="${x(i).toFixed(1)}" cy="${(top2 + fy2(a)).toFixed(1)}" r="4" fill="#d62728"/>` +
      `<text x="${(x(i) - 4).toFixed(1)}" y="${(top2 + fy2(a) + 16).toFixed(1)}" font-size="11" text-anchor="end">${
        (a * 100).toFixed(2)
      }%</text>`;
  }).join("");
  const axis = (/** @type {number} */ top, /** @type {string} */ label, /** @type {string} */ hi) =>
    `<rect x="${L}" y="${top}" width="${W - L - R}" height="${ph}" fill="none" stroke="#999"/>` +
    `<text x="${L - 6}" y="${top + 10}" font-size="11" text-anchor="end">${hi}</text>` +
    `<text x="${L - 6}" y="${top + ph}" font-size="11" text-anchor="end">0</text>` +
    `<text x="${L}" y="${top - 6}" font-size="12">${label}</text>` +
    Array.from({ length: Math.max(0, Math.round(n / o.batchesPerEpoch) - 1) }, (_, e) => {
      const xe = x((e + 1) * o.batchesPerEpoch - 0.5).toFixed(1);
      return `<line x1="${xe}" y1="${top}" x2="${xe}" y2="${top + ph}" stroke="#ccc" stroke-dasharray="3,3"/>`;
    }).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" font-size="15" text-anchor="middle">${o.title}</text>
${axis(T, "training loss (per batch, smoothed)", lmax.toFixed(2))}
${panel(T, loss, fy1, "#1f77b4")}
${axis(top2, "accuracy: training (per batch, smoothed), held-out (red, per epoch)", "100%")}
${panel(top2, acc, fy2, "#2ca02c")}
${epochs}
<text x="${W / 2}" y="${
    H - 10
  }" font-size="12" text-anchor="middle">batch (${n} in all, ${o.batchesPerEpoch} per epoch; dashed lines: epoch ends)</text>
</svg>
`;
}
