/**
 * Printing tensors as PyTorch does (`torch._tensor_str`): one number format for the whole
 * tensor (integers as `1.`, fixed with 4 decimals, or scientific when the magnitudes span
 * more than 1000× or leave [1e-4, 1e8)), right-aligned to one width, nested brackets aligned
 * under the first, rows wrapped at 80 columns, and beyond 1,000 elements only the first and
 * last 3 entries of each dim around `...`. Then dtype and shape, which PyTorch leaves out.
 *
 * @module
 */

const THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 80;
const PRECISION = 4;

type Formatter = (v: number) => string;

/** Values shown when summarizing: for each dim, the first and last EDGE entries. */
function shownValues(data: ArrayLike<number>, shape: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, base: number): void => {
    if (dim === shape.length) {
      out.push(data[base]);
      return;
    }
    const n = shape[dim];
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx = summarize && n > 2 * EDGE
      ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
      : [...Array(n).keys()];
    for (const i of idx) walk(dim + 1, base + i * stride);
  };
  walk(0, 0);
  return out;
}

/**
 * `v` with `digits` decimals (fixed) or `digits` decimals of mantissa (exponential), correctly
 * rounded with ties to even, as Python's `format` does (JS's toFixed rounds ties up: 1.03125
 * would print as 1.0313 where PyTorch prints 1.0312). The sign of -0 is kept, as Python does.
 */
function decimal(v: number, digits: number, exponential: boolean): string {
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  const a = Math.abs(v);
  const plain = (x: number, d: number) => (exponential ? x.toExponential(d) : x.toFixed(d));
  // Exact expansion (toFixed/toExponential print the exact binary value's digits up to 100).
  const exact = plain(a, Math.min(100, digits + 40));
  const [mant, exp] = exact.split("e");
  const [int, frac = ""] = mant.split(".");
  let out: string;
  if (/^50*$/.test(frac.slice(digits)) && frac.length === Math.min(100, digits + 40)) {
    const kept = digits > 0 ? `${int}.${frac.slice(0, digits)}` : int;
    const last = Number(kept[kept.length - 1]);
    out = last % 2 === 0 ? (exp === undefined ? kept : `${kept}e${exp}`) : plain(a, digits);
  } else {
    out = plain(a, digits);
  }
  if (exponential) {
    const [m, e] = out.split("e");
    const n = Number(e);
    out = `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  return sign + out;
}

/** PyTorch's `_Formatter`: one mode and one width for all `values` (the ones shown). */
function floatFormatter(values: number[]): Formatter {
  const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
  let intMode = true, sci = false, width = 1;
  if (finite.length > 0) {
    const abs = finite.map(Math.abs);
    const max = Math.max(...abs), min = Math.min(...abs);
    intMode = finite.every((v) => Number.isInteger(v));
    sci = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
    for (const v of finite) {
      const text = sci
        ? decimal(v, PRECISION, true)
        : intMode
        ? `${decimal(v, 0, false)}.`
        : decimal(v, PRECISION, false);
      width = Math.max(width, text.length);
    }
  }
  return (v) => {
    let text: string;
    if (Number.isNaN(v)) text = "nan";
    else if (!Number.isFinite(v)) text = v > 0 ? "inf" : "-inf";
    else if (sci) text = decimal(v, PRECISION, true);
    else if (intMode) text = `${decimal(v, 0, false)}.`;
    else text = decimal(v, PRECISION, false);
    return text.padStart(width);
  };
}

/** PyTorch's layout of `data` (row-major, `shape`), e.g. `[[1., 2.],\n [3., 4.]]`, with `indent` columns before it. */
export function formatValues(
  data: ArrayLike<number>,
  shape: readonly number[],
  integer: boolean,
  indent: number,
): string {
  const size = shape.reduce((a, b) => a * b, 1);
  const summarize = size > THRESHOLD;
  const shown = shownValues(data, shape, summarize);
  let fmt: Formatter;
  if (integer) {
    const w = Math.max(1, ...shown.map((v) => String(v).length));
    fmt = (v) => String(v).padStart(w);
  } else {
    fmt = floatFormatter(shown);
  }
  // The element width PyTorch wraps rows by: its formatter's width (padding included).
  const width = Math.max(1, ...shown.map((v) => fmt(v).length));
  if (shape.length === 0) return fmt(data[0]).trim();
  const block = (dim: number, base: number, col: number): string => {
    const n = shape[dim];
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const cut = summarize && n > 2 * EDGE;
    const idx = cut ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [
      ...Array(n).keys(),
    ];
    if (dim === shape.length - 1) {
      const items = idx.map((i) => (i < 0 ? " ..." : fmt(data[base + i])));
      // Wrap the row so each line fits LINE_WIDTH, continuation lines aligned after the bracket.
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - col) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
      return `[${lines.join(`,\n${" ".repeat(col + 1)}`)}]`;
    }
    const sep = `,${"\n".repeat(Math.max(1, shape.length - dim - 1))}${" ".repeat(col + 1)}`;
    const parts = idx.map((i) => (i < 0 ? "..." : block(dim + 1, base + i * stride, col + 1)));
    return `[${parts.join(sep)}]`;
  };
  return block(0, 0, indent);
}

/** `tensor([...], dtype=float32, shape=[2, 3])`. */
export function formatTensor(data: ArrayLike<number> | null, shape: readonly number[], dtype: string): string {
  const prefix = "tensor(";
  const body = data === null
    ? "<disposed>"
    : data.length === 0
    ? "[]"
    : formatValues(data, shape, dtype === "int32", prefix.length);
  // PyTorch's _add_suffixes: a suffix that would pass the line width starts a new line.
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf("\n") + 1;
  for (const suffix of [`dtype=${dtype}`, `shape=[${shape.join(", ")}]`]) {
    if (lastLine + suffix.length + 2 > LINE_WIDTH) {
      out += `,\n${" ".repeat(prefix.length)}${suffix}`;
      lastLine = prefix.length + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLine += suffix.length + 2;
    }
  }
  return `${out})`;
}
