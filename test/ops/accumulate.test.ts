// Gradient accumulation (`out` and `accumulate`) of matmul and the conv backward ops: adding into
// a random start equals start + the fresh result, for the GEMM over every tile remainder and for
// every conv path (GEMM-based dx/dw, depthwise, the in-place "wide" dw, strided, 1-D/3-D,
// transposed); micro-batch halves accumulated equal the whole batch; each special path is shown
// to be taken by its exact scratch size; bad `out`/`accumulate` arguments throw before anything
// is allocated or written.
import { describe, expect, it } from "vitest";
import { type Engine, load, type Tensor } from "../../src/mod.ts";
import { builds, engineFor, VARIANTS } from "../_util/engines.ts";
import { checkGemm } from "../_util/gemm_tester.ts";
import { convBackwardOf, describeConv, expectExact, quantized } from "../_util/conv_tester.ts";
import { type RefConv, refConvBackward, refOutput } from "../_util/conv_reference.ts";
import { expectClose, randomArray } from "../_util/reference.ts";

const DTYPES = ["float32", "float64"] as const;
type DT = (typeof DTYPES)[number];
type Grads = { dx: Tensor | null; dw: Tensor | null; db: Tensor | null };
const KEYS = ["dx", "dw", "db"] as const;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------------
// Cases. Routing (assembly/conv): depthwise when groups = C > 1 and O / groups < 4
// (geometry.ts isDepthwise); the weight gradient's "wide" form at stride 1 with one depth plane,
// C/groups·taps ≤ 128, ≥ 256 output positions and (kw − 1)·dw·4 ≤ ow (backward_filter.ts useWide);
// the depthwise input gradient runs as a forward pass at stride 1 and as a scatter otherwise.

/** A convolution with "same"-style padding unless given. */
function cv(o: Partial<RefConv> & { input: number[]; kernel: number[] }): RefConv {
  const r = o.input.length;
  return {
    n: 2,
    c: 1,
    o: 1,
    groups: 1,
    stride: new Array(r).fill(1),
    dilation: new Array(r).fill(1),
    pad: o.kernel.map((v) => [Math.floor((v - 1) / 2), v - 1 - Math.floor((v - 1) / 2)] as [number, number]),
    ...o,
  };
}

const CONV_CASES: [string, RefConv][] = [
  ["GEMM dx/dw, edge tiles", cv({ c: 3, o: 5, input: [7, 9], kernel: [3, 3] })],
  ["GEMM, grouped, strided", cv({ c: 4, o: 6, groups: 2, input: [9, 11], kernel: [3, 3], stride: [2, 2] })],
  ["GEMM, dilated, stride 3", cv({ c: 2, o: 3, input: [7, 31], kernel: [2, 4], stride: [1, 3], dilation: [1, 2] })],
  [
    "GEMM dw over 2 row blocks (135 > 128) and 2 depth blocks (1089 > 1024)",
    cv({ c: 15, o: 3, input: [33, 33], kernel: [3, 3] }),
  ],
  ["wide dw", cv({ c: 3, o: 7, input: [17, 19], kernel: [3, 3] })],
  [
    "wide dw, grouped, no padding",
    cv({ c: 4, o: 6, groups: 2, input: [20, 24], kernel: [3, 3], pad: [[0, 0], [0, 0]] }),
  ],
  ["wide dw, 1-D", cv({ c: 3, o: 5, input: [300], kernel: [5] })],
  ["depthwise, stride 1 (dx as a forward pass)", cv({ c: 3, o: 6, groups: 3, input: [6, 13], kernel: [3, 3] })],
  ["depthwise, stride 2 (dx scattered)", cv({ c: 3, o: 9, groups: 3, input: [7, 13], kernel: [3, 3], stride: [2, 2] })],
  ["1-D GEMM", cv({ c: 3, o: 5, input: [11], kernel: [4] })],
  ["1-D depthwise, dilated", cv({ c: 2, o: 2, groups: 2, input: [15], kernel: [3], dilation: [2], pad: [[2, 2]] })],
  ["3-D GEMM, strided", cv({ c: 2, o: 6, input: [3, 4, 5], kernel: [2, 3, 3], stride: [1, 2, 1] })],
  ["3-D depthwise", cv({ n: 1, c: 4, o: 4, groups: 4, input: [3, 5, 9], kernel: [3, 3, 3] })],
];

/** A transposed convolution: x `[n, cin, *input]`, w `[cin, cout / groups, *kernel]`. */
interface TCase {
  n: number;
  cin: number;
  cout: number;
  groups: number;
  input: number[];
  kernel: number[];
  stride: number;
  padding: number;
  outputPadding: number;
  dilation: number;
}
const tc = (o: Partial<TCase> & { cin: number; cout: number; input: number[]; kernel: number[] }): TCase => ({
  n: 2,
  groups: 1,
  stride: 1,
  padding: 0,
  outputPadding: 0,
  dilation: 1,
  ...o,
});
const T_CASES: [string, TCase][] = [
  [
    "transposed 2-D, stride 2",
    tc({ cin: 5, cout: 3, input: [4, 5], kernel: [3, 3], stride: 2, padding: 1, outputPadding: 1 }),
  ],
  // dx is the forward kernel with 29·9 = 261 im2col rows: two depth blocks of KC = 256.
  ["transposed 2-D, dx over 2 depth blocks", tc({ n: 1, cin: 5, cout: 29, input: [3, 4], kernel: [3, 3], padding: 1 })],
  [
    "transposed 2-D, grouped, dilated",
    tc({ cin: 4, cout: 6, groups: 2, input: [5, 4], kernel: [3, 2], stride: 2, dilation: 2 }),
  ],
  // groups = Cin = Cout: the convolution view is depthwise (dx by the depthwise forward, dw depthwise).
  ["transposed 2-D depthwise", tc({ cin: 4, cout: 4, groups: 4, input: [5, 6], kernel: [3, 3], padding: 1 })],
  ["transposed 2-D depthwise, stride 2", tc({ cin: 3, cout: 3, groups: 3, input: [4, 5], kernel: [3, 3], stride: 2 })],
  [
    "transposed 1-D, stride 3",
    tc({ cin: 3, cout: 4, input: [7], kernel: [4], stride: 3, padding: 1, outputPadding: 2 }),
  ],
  ["transposed 3-D, stride 2", tc({ n: 1, cin: 2, cout: 4, input: [2, 3, 3], kernel: [2, 2, 2], stride: 2 })],
];

const tOut = (t: TCase) =>
  t.input.map((v, i) => (v - 1) * t.stride - 2 * t.padding + t.dilation * (t.kernel[i] - 1) + t.outputPadding + 1);
const tShapes = (t: TCase) => ({
  x: [t.n, t.cin, ...t.input],
  w: [t.cin, t.cout / t.groups, ...t.kernel],
  dy: [t.n, t.cout, ...tOut(t)],
  db: [t.cout],
});
const tOpts = (t: TCase) => ({
  stride: t.stride,
  padding: t.padding,
  outputPadding: t.outputPadding,
  dilation: t.dilation,
  groups: t.groups,
});
function tBackwardOf(e: Engine, rank: number) {
  return rank === 1
    ? e.convTranspose1dBackward.bind(e)
    : rank === 2
    ? e.convTranspose2dBackward.bind(e)
    : e.convTranspose3dBackward.bind(e);
}
const cShapes = (p: RefConv) => ({
  x: [p.n, p.c, ...p.input],
  w: [p.o, p.c / p.groups, ...p.kernel],
  dy: [p.n, p.o, ...refOutput(p)],
  db: [p.o],
});
const cOpts = (p: RefConv) => ({ stride: p.stride, dilation: p.dilation, groups: p.groups, padding: p.pad });

/** One backward op with its operand shapes, made uniform over conv and transposed conv. */
interface Op {
  what: string;
  rank: number;
  shapes: { x: number[]; w: number[]; dy: number[]; db: number[] };
  run: (e: Engine, dy: Tensor, x: Tensor, w: Tensor, extra: object) => Grads;
}
const convOp = (what: string, p: RefConv): Op => ({
  what: `${what}: ${describeConv(p)}`,
  rank: p.input.length,
  shapes: cShapes(p),
  run: (e, dy, x, w, extra) =>
    convBackwardOf(e, p.input.length as 1 | 2 | 3)(dy, x, w, { ...cOpts(p), ...extra }) as Grads,
});
const tOp = (what: string, t: TCase): Op => ({
  what: `${what}: ${JSON.stringify(t)}`,
  rank: t.input.length,
  shapes: tShapes(t),
  run: (e, dy, x, w, extra) => tBackwardOf(e, t.input.length)(dy, x, w, { ...tOpts(t), ...extra }) as Grads,
});
const OPS: Op[] = [...CONV_CASES.map(([w, p]) => convOp(w, p)), ...T_CASES.map(([w, t]) => tOp(w, t))];

const gradShape = (
  op: Op,
  k: (typeof KEYS)[number],
) => (k === "dx" ? op.shapes.x : k === "dw" ? op.shapes.w : op.shapes.db);

// ---------------------------------------------------------------------------------------------
// Expected scratch bytes of the special paths (mirroring the *_workspace functions of
// assembly/conv), rounded to the heap's 64-byte blocks. Geometry of the kernel call, 3-D.
interface KGeom {
  o: number;
  c: number;
  groups: number;
  in: number[];
  k: number[];
  out: number[];
  s: number[];
  d: number[];
}
const ru = (x: number, m: number) => Math.ceil(x / m) * m;
const block = (b: number) => Math.max(64, ru(b, 64));
const to3 = (v: number[], fill: number) => [...new Array(3 - v.length).fill(fill), ...v];
function convKGeom(p: RefConv): KGeom {
  return {
    o: p.o,
    c: p.c,
    groups: p.groups,
    in: to3(p.input, 1),
    k: to3(p.kernel, 1),
    out: to3(refOutput(p), 1),
    s: to3(p.stride, 1),
    d: to3(p.dilation, 1),
  };
}
/** The convolution view of a transposed convolution: input = its output, output = its input. */
function tKGeom(t: TCase): KGeom {
  const r = t.input.length;
  return {
    o: t.cin,
    c: t.cout,
    groups: t.groups,
    in: to3(tOut(t), 1),
    k: to3(t.kernel, 1),
    out: to3(t.input, 1),
    s: to3(new Array(r).fill(t.stride), 1),
    d: to3(new Array(r).fill(t.dilation), 1),
  };
}
const taps = (g: KGeom) => size(g.k);
const padded = (g: KGeom) => g.out.map((o, i) => (o - 1) * g.s[i] + (g.k[i] - 1) * g.d[i] + 1);
/** depthwise.ts dwPlaneWorkspace: depthwise forward and weight gradient. */
const dwPlaneBytes = (g: KGeom, S: number) => block(taps(g) * 4 + size(padded(g)) * S + 32);
/** depthwise.ts dwBackwardDataWorkspace: the stride-1 form pads dy, the strided one dx. */
function dwDataBytes(g: KGeom, S: number): number {
  const unit = g.s.every((v) => v === 1);
  const plane = unit ? size(g.in.map((v, i) => v + (g.k[i] - 1) * g.d[i])) : size(padded(g));
  return block(plane * S + taps(g) * (S + 4) + 88 + 64);
}
/** backward_filter.ts wideBytes. */
function wideBytes(g: KGeom, S: number): number {
  const L = 16 / S;
  const Wp = padded(g)[2];
  const Pw = ru(g.out[1] * Wp, L), XP = ru(Pw + (g.k[1] - 1) * g.d[1] * Wp + (g.k[2] - 1) * g.d[2], L);
  return block((ru(g.o / g.groups, 4) * Pw + (g.c / g.groups) * XP) * S + 8 * S + 48);
}

/** Scratch bytes one call took: the peak above what is live after it (everything else is given). */
function scratchOf(e: Engine, call: () => unknown): number {
  const before = e.memoryStats();
  e.resetPeakMemory();
  call();
  const after = e.memoryStats();
  // With every output given, nothing but scratch is allocated.
  expect(after.tensorsLive).toBe(before.tensorsLive);
  expect(after.bytesLive).toBe(before.bytesLive);
  return after.bytesPeak - after.bytesLive;
}

// ---------------------------------------------------------------------------------------------

/** Tensors of data, disposed by the caller's scope. */
function tensors(e: Engine, dtype: DT, shapes: Record<string, number[]>, seed: number, gen = quantized) {
  const out: Record<string, Tensor> = {};
  let s = seed;
  for (const [k, shape] of Object.entries(shapes)) out[k] = e.tensor(gen(size(shape), s++), shape, dtype);
  return out;
}

for (const build of builds()) {
  for (const variant of VARIANTS) {
    describe(`accumulate: matmul (${build} build, ${variant} microkernel)`, () => {
      for (const dtype of DTYPES) {
        it(`${dtype}: C + op(a)·op(b) for every m 1..9 × n 1..17 × k tile remainder, all transposes`, async () => {
          const e = await engineFor(build, variant);
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              for (let m = 1; m <= 9; m++) {
                for (let n = 1; n <= 17; n++) {
                  for (const k of [1, 2, 3, 4, 5, 8, 9]) {
                    checkGemm(e, { m, n, k, dtype, transA, transB, accumulate: true });
                  }
                }
              }
            }
          }
        });

        it(`${dtype}: across the KC, MC and NC blocks, batched and broadcast, k = 0`, async () => {
          const e = await engineFor(build, variant);
          for (const k of [255, 256, 257, 513]) {
            for (const [m, n] of [[1, 1], [5, 9], [8, 16], [7, 3]]) checkGemm(e, { m, n, k, dtype, accumulate: true });
            checkGemm(e, { m: 6, n: 10, k, dtype, transA: true, transB: true, accumulate: true });
          }
          for (const m of [95, 96, 97, 193]) checkGemm(e, { m, n: 13, k: 7, dtype, accumulate: true });
          for (const n of [511, 512, 513]) checkGemm(e, { m: 5, n, k: 6, dtype, transB: n === 513, accumulate: true });
          checkGemm(e, { m: 97, n: 515, k: 259, dtype, accumulate: true });
          checkGemm(e, { m: 5, n: 9, k: 7, batchA: 3, batchB: 3, dtype, accumulate: true });
          checkGemm(e, { m: 5, n: 9, k: 7, batchA: 3, dtype, accumulate: true });
          checkGemm(e, { m: 5, n: 9, k: 7, batchB: 4, dtype, transA: true, accumulate: true });
          checkGemm(e, { m: 3, n: 2, k: 300, batchA: 2, batchB: 1, dtype, accumulate: true });
          // k = 0 adds nothing: C keeps its start values (checked against C + 0 by the tester).
          checkGemm(e, { m: 3, n: 5, k: 0, dtype, accumulate: true });
          checkGemm(e, { m: 3, n: 5, k: 0, batchA: 2, dtype, accumulate: true });
        });
      }

      it("out without accumulate overwrites it (whatever it held) and returns it; no tensor is allocated", async () => {
        const e = await engineFor(build, variant);
        e.scope(() => {
          for (const dtype of DTYPES) {
            const a = e.tensor(randomArray(3 * 70 * 9, 1), [3, 70, 9], dtype);
            const b = e.tensor(randomArray(9 * 13, 2), [9, 13], dtype);
            const fresh = e.matmul(a, b);
            const out = e.tensor(new Float64Array(3 * 70 * 13).fill(NaN), [3, 70, 13], dtype);
            const live = e.memoryStats().tensorsLive;
            expect(e.matmul(a, b, { out })).toBe(out);
            expect(e.memoryStats().tensorsLive).toBe(live);
            expectExact(out.data, fresh.data, `${dtype} out`);
            // accumulate: false is the same as leaving it out.
            out.data.fill(7);
            e.matmul(a, b, { out, accumulate: false });
            expectExact(out.data, fresh.data, `${dtype} accumulate: false`);
          }
        });
      });
    });

    describe(`accumulate: conv backward (${build} build, ${variant} microkernel)`, () => {
      for (const dtype of DTYPES) {
        it(`${dtype}: start + gradient into given dx, dw, db on every path, exactly`, async () => {
          const e = await engineFor(build, variant);
          for (const [i, op] of OPS.entries()) {
            e.scope(() => {
              const what = `${op.what} ${dtype}`;
              const { x, w, dy } = tensors(e, dtype, { x: op.shapes.x, w: op.shapes.w, dy: op.shapes.dy }, 10 * i);
              const fresh = op.run(e, dy, x, w, {});
              const start = tensors(e, dtype, { dx: op.shapes.x, dw: op.shapes.w, db: op.shapes.db }, 10 * i + 5);
              const want = Object.fromEntries(
                KEYS.map((k) => [k, Float64Array.from(start[k].data, (v, j) => v + fresh[k]!.data[j])]),
              );
              const live = e.memoryStats().tensorsLive;
              const got = op.run(e, dy, x, w, { out: start, accumulate: true });
              expect(e.memoryStats().tensorsLive, `${what}: nothing allocated`).toBe(live);
              for (const k of KEYS) {
                expect(got[k], `${what}: returns out.${k}`).toBe(start[k]);
                expectExact(got[k]!.data, want[k], `${what} ${k}`);
              }
              // Against the independent float64 reference too (conv cases; transposed ones are
              // checked against it through conv2dBackward in conv.test.ts).
              const p = CONV_CASES.find(([wh]) => op.what.startsWith(`${wh}: `))?.[1];
              if (p) {
                const ref = refConvBackward(
                  p,
                  Float64Array.from(dy.data),
                  Float64Array.from(x.data),
                  Float64Array.from(w.data),
                );
                for (const k of KEYS) expectExact(fresh[k]!.data, ref[k], `${what} fresh ${k} vs reference`);
              }
            });
          }
        });

        it(`${dtype}: one gradient at a time (needs), into out, accumulating or not`, async () => {
          const e = await engineFor(build, variant);
          for (const [i, op] of OPS.entries()) {
            e.scope(() => {
              const { x, w, dy } = tensors(e, dtype, { x: op.shapes.x, w: op.shapes.w, dy: op.shapes.dy }, 7 * i);
              const fresh = op.run(e, dy, x, w, {});
              for (const k of KEYS) {
                const needs = { dx: k === "dx", dw: k === "dw", db: k === "db" };
                const t = e.tensor(new Float64Array(size(gradShape(op, k))).fill(NaN), gradShape(op, k), dtype);
                const g = op.run(e, dy, x, w, { needs, out: { [k]: t } });
                expect(g[k]).toBe(t);
                for (const j of KEYS) if (j !== k) expect(g[j]).toBeNull();
                expectExact(t.data, fresh[k]!.data, `${op.what} ${dtype} ${k} alone, overwritten`);
                const start = quantized(t.size, 3 * i);
                t.data.set(start);
                op.run(e, dy, x, w, { needs, out: { [k]: t }, accumulate: true });
                expectExact(
                  t.data,
                  start.map((v, j) => v + fresh[k]!.data[j]),
                  `${op.what} ${dtype} ${k} alone, accumulated`,
                );
              }
            });
          }
        });
      }

      it("float64: micro-batch halves accumulated into dw and db equal the whole batch's (1e-12)", async () => {
        const e = await engineFor(build, variant);
        for (const [i, op] of OPS.entries()) {
          const n = 4;
          const shapes = { ...op.shapes, x: [n, ...op.shapes.x.slice(1)], dy: [n, ...op.shapes.dy.slice(1)] };
          e.scope(() => {
            const { x, w, dy } = tensors(
              e,
              "float64",
              { x: shapes.x, w: shapes.w, dy: shapes.dy },
              100 + 3 * i,
              randomArray,
            );
            const whole = op.run(e, dy, x, w, { needs: { dx: false } });
            const half = (t: Tensor, h: number) => {
              const per = t.size / n;
              return e.tensor(
                t.data.subarray(h * per * (n / 2), (h + 1) * per * (n / 2)),
                [n / 2, ...t.shape.slice(1)],
                "float64",
              );
            };
            const dw = e.tensor(new Float64Array(size(shapes.w)).fill(NaN), shapes.w, "float64");
            const db = e.tensor(new Float64Array(size(shapes.db)).fill(NaN), shapes.db, "float64");
            for (const h of [0, 1]) {
              op.run(e, half(dy, h), half(x, h), w, { needs: { dx: false }, out: { dw, db }, accumulate: h === 1 });
            }
            expectClose(dw.data, whole.dw!.data, 1e-12, 1e-12, `${op.what} micro-batch dw`);
            expectClose(db.data, whole.db!.data, 1e-12, 1e-12, `${op.what} micro-batch db`);
          });
        }
      });

      it("float64: a shared input's dx from two layers accumulates (residual branches), 1e-12", async () => {
        const e = await engineFor(build, variant);
        for (const [i, op] of OPS.entries()) {
          e.scope(() => {
            const t = tensors(
              e,
              "float64",
              { x: op.shapes.x, w1: op.shapes.w, w2: op.shapes.w, dy1: op.shapes.dy, dy2: op.shapes.dy },
              200 + 7 * i,
              randomArray,
            );
            const a = op.run(e, t.dy1, t.x, t.w1, { needs: { dw: false, db: false } }).dx!;
            const b = op.run(e, t.dy2, t.x, t.w2, { needs: { dw: false, db: false } }).dx!;
            const dx = e.tensor(randomArray(size(op.shapes.x), 300 + i), op.shapes.x, "float64");
            const want = Float64Array.from(dx.data, (v, j) => v + a.data[j] + b.data[j]);
            op.run(e, t.dy1, t.x, t.w1, { needs: { dw: false, db: false }, out: { dx }, accumulate: true });
            op.run(e, t.dy2, t.x, t.w2, { needs: { dw: false, db: false }, out: { dx }, accumulate: true });
            expectClose(dx.data, want, 1e-12, 1e-12, `${op.what} shared dx`);
          });
        }
      });
    });
  }

  describe(`accumulate: the special conv paths are taken (${build} build)`, () => {
    // Each case's scratch equals that path's workspace exactly, with every output given (so the
    // scratch is the only allocation of the call).
    it("depthwise dx (stride 1 and scattered), depthwise dw, wide dw; transposed depthwise dx and dw", async () => {
      const e = await engineFor(build);
      for (const dtype of DTYPES) {
        const S = dtype === "float64" ? 8 : 4;
        for (const [label, p] of CONV_CASES) {
          const g = convKGeom(p);
          const op = convOp(label, p);
          e.scope(() => {
            const t = tensors(e, dtype, { ...op.shapes, dx: op.shapes.x, dw: op.shapes.w }, 1);
            const only = (k: "dx" | "dw") => ({
              needs: { dx: k === "dx", dw: k === "dw", db: false },
              out: { [k]: t[k] },
              accumulate: true,
            });
            const dx = scratchOf(e, () => op.run(e, t.dy, t.x, t.w, only("dx")));
            const dw = scratchOf(e, () => op.run(e, t.dy, t.x, t.w, only("dw")));
            const what = `${label} ${dtype}`;
            if (label.startsWith("depthwise") || label.includes("D depthwise")) {
              expect(dx, `${what}: depthwise dx scratch`).toBe(dwDataBytes(g, S));
              expect(dw, `${what}: depthwise dw scratch`).toBe(dwPlaneBytes(g, S));
            } else if (label.startsWith("wide")) {
              expect(dw, `${what}: wide dw scratch`).toBe(wideBytes(g, S));
            } else {
              // The packed GEMM forms: neither special workspace.
              expect(dw, `${what}: not wide`).not.toBe(wideBytes(g, S));
              expect(dw, `${what}: not depthwise`).not.toBe(dwPlaneBytes(g, S));
            }
          });
        }
        for (const [label, tcase] of T_CASES.filter(([l]) => l.includes("depthwise"))) {
          const g = tKGeom(tcase);
          const op = tOp(label, tcase);
          e.scope(() => {
            const t = tensors(e, dtype, { ...op.shapes, dx: op.shapes.x, dw: op.shapes.w }, 2);
            const only = (k: "dx" | "dw") => ({
              needs: { dx: k === "dx", dw: k === "dw", db: false },
              out: { [k]: t[k] },
              accumulate: true,
            });
            // dx is the depthwise forward over dy, dw the depthwise weight gradient: one workspace.
            expect(scratchOf(e, () => op.run(e, t.dy, t.x, t.w, only("dx"))), `${label} dx`).toBe(dwPlaneBytes(g, S));
            expect(scratchOf(e, () => op.run(e, t.dy, t.x, t.w, only("dw"))), `${label} dw`).toBe(dwPlaneBytes(g, S));
          });
        }
      }
    });
  });

  describe(`accumulate: JSDoc examples of src/load.ts (${build} build)`, () => {
    it("matmul and conv2dBackward print what their comments say", async () => {
      const engine = await engineFor(build);
      engine.scope(() => {
        const a = engine.tensor([1, 2, 3, 4], [2, 2]);
        const c = engine.tensor([1, 1, 1, 1], [2, 2]);
        engine.matmul(a, a, { transB: true, out: c, accumulate: true });
        expect(Array.from(c.toArray())).toEqual([6, 12, 12, 26]);
        const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
        const w = engine.tensor([1, 0, 0, 1], [1, 1, 2, 2]);
        const { dw, db } = engine.conv2dBackward(engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]), x, w);
        const more = { needs: { dx: false }, out: { dw: dw!, db: db! }, accumulate: true };
        engine.conv2dBackward(engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]), x, w, more);
        expect(Array.from(dw!.toArray())).toEqual([24, 32, 48, 56]);
        expect(Array.from(db!.toArray())).toEqual([8]);
      });
    });
  });

  describe(`accumulate: out of memory for scratch (${build} build)`, () => {
    it("leaves the given out tensors alive and unchanged, and the engine usable", async () => {
      const e = await load({ simd: build, maxMemoryBytes: 4 << 20 });
      const a = e.tensor(quantized(64 * 64, 1), [64, 64], "float64");
      const c = e.tensor(quantized(64 * 64, 2), [64, 64], "float64");
      const x = e.tensor(quantized(8 * 32 * 32, 3), [1, 8, 32, 32], "float64");
      const w = e.tensor(quantized(8 * 8 * 9, 4), [8, 8, 3, 3], "float64");
      const dx = e.tensor(quantized(x.size, 5), x.shape, "float64");
      // Fill the heap with 16 KiB blocks until it is full, then free one: too little for either
      // kernel's scratch (the GEMM's is over 1 MiB, the conv input gradient's over 100 KiB).
      const ballast: Tensor[] = [];
      try {
        for (;;) ballast.push(e.zeros([2048], "float64"));
      } catch {
        ballast.pop()?.dispose();
      }
      const cData = c.toArray(), dxData = dx.toArray();
      const live = e.memoryStats().tensorsLive;
      expect(() => e.matmul(a, a, { out: c, accumulate: true })).toThrow(
        /^Cannot run matmul as the engine is out of memory: scratch needs/,
      );
      expect(() =>
        e.conv2dBackward(x, x, w, { padding: 1, needs: { dw: false, db: false }, out: { dx }, accumulate: true })
      ).toThrow(/^Cannot run conv2dBackward as the engine is out of memory: scratch needs/);
      expect(e.memoryStats().tensorsLive).toBe(live);
      expect(c.disposed || dx.disposed).toBe(false);
      expectExact(c.data, cData, "c unchanged");
      expectExact(dx.data, dxData, "dx unchanged");
      for (const t of ballast) t.dispose();
      e.matmul(a, a, { out: c, accumulate: true });
      const fresh = e.matmul(a, a);
      expectExact(c.data, Float64Array.from(cData, (v, i) => v + fresh.data[i]), "c after the retry");
    });
  });

  describe(`accumulate: bad out and accumulate arguments (${build} build)`, () => {
    // Each call throws the message in full, allocates nothing and writes nothing: every tensor
    // made before the call keeps its data.
    type Made = Record<string, Tensor>;
    type ErrCase = [string, (e: Engine, t: Made, other: Engine) => unknown, string];
    const setup = (e: Engine): Made => {
      const f = (shape: number[], seed: number, dtype: DT = "float32") =>
        e.tensor(quantized(size(shape), seed), shape, dtype);
      return {
        a: f([2, 3], 1),
        b: f([3, 4], 2),
        c: f([2, 4], 3),
        sq: f([3, 3], 4),
        x: f([2, 4, 5, 6], 5),
        w: f([6, 4, 3, 3], 6),
        dy: f([2, 6, 3, 4], 7),
        dx: f([2, 4, 5, 6], 8),
        dw: f([6, 4, 3, 3], 9),
        db: f([6], 10),
        dw64: f([6, 4, 3, 3], 11, "float64"),
        gone: f([6], 12),
        x1: f([1, 1, 3, 3], 13),
        w1: f([1, 1, 3, 3], 14),
        dy1: f([1, 1, 1, 1], 15),
        o33: f([1, 1, 3, 3], 16),
        xT: f([2, 6, 5, 6], 17),
        dyT: f([2, 4, 7, 8], 18),
        dbT: f([4], 19),
        sq2: f([3, 3], 20),
        c64: f([2, 4], 21, "float64"),
        i32: e.zeros([2, 4], "int32"),
      };
    };
    const M = "Cannot run matmul as";
    const C = "Cannot run conv2dBackward as";
    const CASES: ErrCase[] = [
      [
        "matmul: accumulate without out",
        (e, t) => e.matmul(t.a, t.b, { accumulate: true }),
        `${M} 'accumulate' requires 'out': there is no tensor to add the product into`,
      ],
      [
        "matmul: accumulate not a boolean",
        (e, t) => e.matmul(t.a, t.b, { out: t.c, accumulate: 1 as never }),
        `${M} 'accumulate' must be a boolean: current value is 1`,
      ],
      [
        "matmul: out of the wrong shape",
        (e, t) => e.matmul(t.a, t.b, { out: t.b }),
        `${M} 'out' must have the result's shape [2, 4]: current shape is [3, 4]`,
      ],
      [
        "matmul: out float64 for float32",
        (e, t) => e.matmul(t.a, t.b, { out: t.c64, accumulate: true }),
        `${M} 'out' must have the dtype of 'a' (float32): current dtype is float64`,
      ],
      [
        "matmul: out int32",
        (e, t) => e.matmul(t.a, t.b, { out: t.i32 }),
        `${M} 'out' must have dtype float32 or float64: current dtype is int32 with shape [2, 4]`,
      ],
      ["matmul: out disposed", (e, t) => e.matmul(t.a, t.b, { out: t.gone }), `${M} 'out' is disposed: shape [6]`],
      [
        "matmul: out of another engine",
        (e, t, o) => e.matmul(t.a, t.b, { out: o.zeros([2, 4]) }),
        `${M} 'out' belongs to another engine: shape [2, 4]`,
      ],
      [
        "matmul: out not a tensor",
        (e, t) => e.matmul(t.a, t.b, { out: [1, 2] as never }),
        `${M} 'out' must be a Tensor: current value is [1, 2]`,
      ],
      [
        "matmul: out is a",
        (e, t) => e.matmul(t.sq, t.sq, { out: t.sq, accumulate: true }),
        `${M} 'out' must not share memory with 'a': they are the same tensor`,
      ],
      [
        "matmul: out is b",
        (e, t) => e.matmul(t.sq2, t.sq, { out: t.sq }),
        `${M} 'out' must not share memory with 'b': they are the same tensor`,
      ],
      [
        "conv: accumulate without out",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { accumulate: true }),
        `${C} 'out.dx' must be a tensor when 'accumulate' is true: it is what the dx gradient is added into (or skip it with needs.dx: false)`,
      ],
      [
        "conv: accumulate without out.dw",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: t.dx, db: t.db }, accumulate: true }),
        `${C} 'out.dw' must be a tensor when 'accumulate' is true: it is what the dw gradient is added into (or skip it with needs.dw: false)`,
      ],
      [
        "conv: accumulate not a boolean",
        (e, t) =>
          e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: t.dx, dw: t.dw, db: t.db }, accumulate: "yes" as never }),
        `${C} 'accumulate' must be a boolean: current value is "yes"`,
      ],
      [
        "conv: out for a skipped gradient",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { needs: { dx: false }, out: { dx: t.dx, dw: t.dw } }),
        `${C} 'out.dx' must be absent as needs.dx is false: current value is Tensor(float32 [2, 4, 5, 6])`,
      ],
      [
        "conv: out.dw of the wrong shape",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: t.dx, dw: t.dx, db: t.db } }),
        `${C} 'out.dw' must have the shape of 'w' [6, 4, 3, 3]: current shape is [2, 4, 5, 6]`,
      ],
      [
        "conv: out.db of the wrong shape",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { db: t.c } }),
        `${C} 'out.db' must have the bias's shape [6]: current shape is [2, 4]`,
      ],
      [
        "conv: out.dw float64 for float32",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dw: t.dw64 } }),
        `${C} 'out.dw' must have the dtype of 'x' (float32): current dtype is float64`,
      ],
      [
        "conv: out.db disposed",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: t.dx, dw: t.dw, db: t.gone }, accumulate: true }),
        `${C} 'out.db' is disposed: shape [6]`,
      ],
      [
        "conv: out.dw of another engine",
        (e, t, o) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dw: o.zeros([6, 4, 3, 3]) } }),
        `${C} 'out.dw' belongs to another engine: shape [6, 4, 3, 3]`,
      ],
      [
        "conv: out.dx not a tensor",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: 0 as never } }),
        `${C} 'out.dx' must be a Tensor: current value is 0`,
      ],
      [
        "conv: out a tensor",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: t.dw as never }),
        `${C} 'out' must be an object { dx?, dw?, db? } of tensors: current value is Tensor(float32 [6, 4, 3, 3])`,
      ],
      [
        "conv: out not an object",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: 3 as never }),
        `${C} 'out' must be an object { dx?, dw?, db? } of tensors: current value is 3`,
      ],
      [
        "conv: out with an unknown key",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dW: t.dw } as never }),
        `${C} 'out' has an unknown key 'dW': known keys are dx, dw, db`,
      ],
      [
        "conv: out.dx is x",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { out: { dx: t.x, dw: t.dw, db: t.db }, accumulate: true }),
        `${C} 'out.dx' must not share memory with 'x': they are the same tensor`,
      ],
      [
        "conv: out.dw is w",
        (e, t) => e.conv2dBackward(t.dy, t.x, t.w, { needs: { dx: false, db: false }, out: { dw: t.w } }),
        `${C} 'out.dw' must not share memory with 'w': they are the same tensor`,
      ],
      [
        "conv: out.dw is out.dx",
        (e, t) => e.conv2dBackward(t.dy1, t.x1, t.w1, { out: { dx: t.o33, dw: t.o33 } }),
        `${C} 'out.dw' must not share memory with 'out.dx': they are the same tensor`,
      ],
      [
        "transposed: out.db of the wrong shape",
        (e, t) => e.convTranspose2dBackward(t.dyT, t.xT, t.w, { out: { db: t.db } }),
        "Cannot run convTranspose2dBackward as 'out.db' must have the bias's shape [4]: current shape is [6]",
      ],
      [
        "transposed: accumulate without out.dx",
        (e, t) => e.convTranspose2dBackward(t.dyT, t.xT, t.w, { out: { dw: t.dw, db: t.dbT }, accumulate: true }),
        "Cannot run convTranspose2dBackward as 'out.dx' must be a tensor when 'accumulate' is true: it is what the dx gradient is added into (or skip it with needs.dx: false)",
      ],
    ];
    for (const [name, call, message] of CASES) {
      it(name, async () => {
        const e = await load({ simd: build });
        const other = await engineFor(build);
        const t = setup(e);
        t.gone.dispose();
        const snapshot = Object.fromEntries(
          Object.entries(t).filter(([k]) => k !== "gone").map(([k, v]) => [k, v.toArray()]),
        );
        const before = e.memoryStats();
        e.resetPeakMemory();
        expect(() => call(e, t, other)).toThrow(message);
        for (const [k, v] of Object.entries(snapshot)) expectExact(t[k].data, v, `${name}: ${k} unchanged`);
        // No output and no scratch was allocated, not even for a moment.
        const after = e.memoryStats();
        expect(after.tensorsLive, name).toBe(before.tensorsLive);
        expect(after.bytesLive, name).toBe(before.bytesLive);
        expect(after.bytesPeak, name).toBe(before.bytesLive);
      });
    }
  });
}
