// A plain-JS float64 convolution, straight from the definition, for any rank: the oracle
// of the tile-remainder sweeps. It is itself checked against the PyTorch fixtures.

/** A convolution's parameters, one entry per spatial dim (rank = length of `input`). */
export interface RefConv {
  n: number;
  c: number;
  o: number;
  groups: number;
  input: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** [before, after] per dim. */
  pad: [number, number][];
}

/** Output size per spatial dim. */
export function refOutput(p: RefConv): number[] {
  return p.input.map((n, i) =>
    Math.floor((n + p.pad[i][0] + p.pad[i][1] - p.dilation[i] * (p.kernel[i] - 1) - 1) / p.stride[i]) + 1
  );
}

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

// Every (output position, tap) pair with the input position it reads (−1 in the padding),
// as flat indices within one channel plane.
function pairs(p: RefConv): { out: number; tap: number; inp: number }[] {
  const out = refOutput(p), r = p.input.length;
  const res: { out: number; tap: number; inp: number }[] = [];
  const po = prod(out), pk = prod(p.kernel);
  for (let oi = 0; oi < po; oi++) {
    for (let ti = 0; ti < pk; ti++) {
      let rem = oi, remT = ti, inp = 0, ok = true;
      const oc: number[] = [], tc: number[] = [];
      for (let d = r - 1; d >= 0; d--) {
        oc[d] = rem % out[d];
        rem = Math.floor(rem / out[d]);
        tc[d] = remT % p.kernel[d];
        remT = Math.floor(remT / p.kernel[d]);
      }
      for (let d = 0; d < r; d++) {
        const i = oc[d] * p.stride[d] - p.pad[d][0] + tc[d] * p.dilation[d];
        if (i < 0 || i >= p.input[d]) ok = false;
        inp = inp * p.input[d] + i;
      }
      res.push({ out: oi, tap: ti, inp: ok ? inp : -1 });
    }
  }
  return res;
}

/** y = conv(x, w) + b in float64; x `[n, c, *input]`, w `[o, c / groups, *kernel]`. */
export function refConvForward(
  p: RefConv,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
): Float64Array {
  const po = prod(refOutput(p)), pi = prod(p.input), pk = prod(p.kernel);
  const cg = p.c / p.groups, og = p.o / p.groups;
  const y = new Float64Array(p.n * p.o * po);
  const pr = pairs(p);
  for (let n = 0; n < p.n; n++) {
    for (let o = 0; o < p.o; o++) {
      const g = Math.floor(o / og);
      const yo = (n * p.o + o) * po;
      for (let i = 0; i < po; i++) y[yo + i] = b ? b[o] : 0;
      for (let c = 0; c < cg; c++) {
        const xc = (n * p.c + g * cg + c) * pi, wc = (o * cg + c) * pk;
        for (const { out, tap, inp } of pr) if (inp >= 0) y[yo + out] += w[wc + tap] * x[xc + inp];
      }
    }
  }
  return y;
}

/** dx, dw, db of sum(y · dy) in float64, by the same pairs as the forward (its exact adjoint). */
export function refConvBackward(
  p: RefConv,
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const po = prod(refOutput(p)), pi = prod(p.input), pk = prod(p.kernel);
  const cg = p.c / p.groups, og = p.o / p.groups;
  const dx = new Float64Array(p.n * p.c * pi), dw = new Float64Array(p.o * cg * pk), db = new Float64Array(p.o);
  const pr = pairs(p);
  for (let n = 0; n < p.n; n++) {
    for (let o = 0; o < p.o; o++) {
      const g = Math.floor(o / og);
      const yo = (n * p.o + o) * po;
      for (let i = 0; i < po; i++) db[o] += dy[yo + i];
      for (let c = 0; c < cg; c++) {
        const xc = (n * p.c + g * cg + c) * pi, wc = (o * cg + c) * pk;
        for (const { out, tap, inp } of pr) {
          if (inp < 0) continue;
          dx[xc + inp] += w[wc + tap] * dy[yo + out];
          dw[wc + tap] += x[xc + inp] * dy[yo + out];
        }
      }
    }
  }
  return { dx, dw, db };
}

/** A transposed convolution's parameters (x `[n, cin, *input]`, w `[cin, cout / groups, *kernel]`). */
export interface RefConvTranspose {
  n: number;
  cin: number;
  cout: number;
  groups: number;
  input: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
  padding: number[];
  outputPadding: number[];
}

/** Output size per dim: (in − 1)·s − 2p + d·(k − 1) + outputPadding + 1. */
export function refTransposeOutput(p: RefConvTranspose): number[] {
  return p.input.map((n, i) =>
    (n - 1) * p.stride[i] - 2 * p.padding[i] + p.dilation[i] * (p.kernel[i] - 1) + p.outputPadding[i] + 1
  );
}

/**
 * The convolution whose input gradient the transposed convolution is: input = the transposed
 * output, output = x (padding after p − outputPadding makes its output size exactly x's).
 */
export function refTransposeView(p: RefConvTranspose): RefConv {
  return {
    n: p.n,
    c: p.cout,
    o: p.cin,
    groups: p.groups,
    input: refTransposeOutput(p),
    kernel: p.kernel,
    stride: p.stride,
    dilation: p.dilation,
    pad: p.padding.map((q, i) => [q, q - p.outputPadding[i]] as [number, number]),
  };
}

/** y = convTranspose(x, w) + b in float64. */
export function refConvTransposeForward(
  p: RefConvTranspose,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number> | null,
): Float64Array {
  const v = refTransposeView(p);
  const plane = prod(v.input);
  const y = refConvBackward(v, x, new Float64Array(p.n * p.cout * plane), w).dx;
  if (b) { for (let i = 0; i < y.length; i++) y[i] += b[Math.floor(i / plane) % p.cout]; }
  return y;
}

/** dx, dw, db of sum(y · dy) for y = convTranspose(x, w, b), in float64. */
export function refConvTransposeBackward(
  p: RefConvTranspose,
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const v = refTransposeView(p);
  const plane = prod(v.input);
  const db = new Float64Array(p.cout);
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / plane) % p.cout] += dy[i];
  return { dx: refConvForward(v, dy, w, null), dw: refConvBackward(v, x, dy, w).dw, db };
}
