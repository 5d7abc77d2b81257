// Golden values from PyTorch (tools/gen_conv_fixtures.py → test/fixtures/conv/*.json) for
// conv1d/2d/3d forward (with and without bias, and with the fused ReLU), dx, dw, db, and
// convTranspose1d/2d/3d with their dx, dw, db. Inputs are regenerated from each case's seed; values are exact (see the
// generator's docstring), so float32 and float64 must both match them exactly.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor, VARIANTS } from "../_util/engines.ts";
import { convBackwardOf, convOf, expectExact, quantized } from "../_util/conv_tester.ts";
import conv1d from "../fixtures/conv/conv1d.json" with { type: "json" };
import conv2d from "../fixtures/conv/conv2d.json" with { type: "json" };
import conv3d from "../fixtures/conv/conv3d.json" with { type: "json" };
import convT1d from "../fixtures/conv/conv_transpose1d.json" with { type: "json" };
import convT2d from "../fixtures/conv/conv_transpose2d.json" with { type: "json" };
import convT3d from "../fixtures/conv/conv_transpose3d.json" with { type: "json" };

interface Case {
  name: string;
  n: number;
  input: number[];
  kernel: number[];
  // deno-lint-ignore no-explicit-any
  options: any;
  bias: boolean;
  seed: number;
  check: number[];
  outShape: number[];
  y: number[];
}
interface ConvCase extends Case {
  c: number;
  o: number;
  dx: number[];
  dw: number[];
  db: number[];
}
interface TransposeCase extends Case {
  cin: number;
  cout: number;
  dx: number[];
  dw: number[];
  db: number[];
}
interface Fixture<C> {
  scale: number;
  cases: C[];
}

const DTYPES = ["float32", "float64"] as const;
type Rank = 1 | 2 | 3;

// Tensors of a case, freed by the caller.
function inputs(
  e: Engine,
  c: Case,
  xShape: number[],
  wShape: number[],
  channels: number,
  dtype: "float32" | "float64",
) {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const xd = quantized(size(xShape), c.seed);
  expect(Array.from(xd.subarray(0, 4), (v) => v * 32), `${c.name}: generator drift`).toEqual(
    c.check.slice(0, xd.length),
  );
  return {
    x: e.tensor(xd, xShape, dtype),
    w: e.tensor(quantized(size(wShape), c.seed + 1), wShape, dtype),
    b: c.bias ? e.tensor(quantized(channels, c.seed + 2), [channels], dtype) : null,
    dy: e.tensor(quantized(size(c.outShape), c.seed + 3), c.outShape, dtype),
  };
}

const scaled = (t: Tensor, s: number) => Array.from(t.data, (v) => v * s);

function runConv(e: Engine, rank: Rank, f: Fixture<ConvCase>, c: ConvCase, dtype: "float32" | "float64"): void {
  const what = `${c.name} ${dtype} ${JSON.stringify(c.options)}`;
  const groups = c.options.groups ?? 1;
  const { x, w, b, dy } = inputs(e, c, [c.n, c.c, ...c.input], [c.o, c.c / groups, ...c.kernel], c.o, dtype);
  e.scope(() => {
    const y = convOf(e, rank)(x, w, b, c.options);
    expect(y.shape, what).toEqual(c.outShape);
    expectExact(scaled(y, f.scale), c.y, `${what} y`);
    const yr = convOf(e, rank)(x, w, b, { ...c.options, activation: "relu" });
    expectExact(scaled(yr, f.scale), c.y.map((v) => Math.max(v, 0)), `${what} relu(y)`);
    const g = convBackwardOf(e, rank)(dy, x, w, c.options);
    expectExact(scaled(g.dx!, f.scale), c.dx, `${what} dx`);
    expectExact(scaled(g.dw!, f.scale), c.dw, `${what} dw`);
    expectExact(scaled(g.db!, f.scale), c.db, `${what} db`);
  });
  for (const t of [x, w, b, dy]) t?.dispose();
}

function runTranspose(
  e: Engine,
  rank: Rank,
  f: Fixture<TransposeCase>,
  c: TransposeCase,
  dtype: "float32" | "float64",
): void {
  const what = `${c.name} ${dtype} ${JSON.stringify(c.options)}`;
  const groups = c.options.groups ?? 1;
  const { x, w, b, dy } = inputs(e, c, [c.n, c.cin, ...c.input], [c.cin, c.cout / groups, ...c.kernel], c.cout, dtype);
  const op = [e.convTranspose1d, e.convTranspose2d, e.convTranspose3d][rank - 1].bind(e);
  const backward = [e.convTranspose1dBackward, e.convTranspose2dBackward, e.convTranspose3dBackward][rank - 1].bind(e);
  e.scope(() => {
    const y = op(x, w, b, c.options);
    expect(y.shape, what).toEqual(c.outShape);
    expectExact(scaled(y, f.scale), c.y, `${what} y`);
    const g = backward(dy, x, w, c.options);
    expectExact(scaled(g.dx!, f.scale), c.dx, `${what} dx`);
    expectExact(scaled(g.dw!, f.scale), c.dw, `${what} dw`);
    expectExact(scaled(g.db!, f.scale), c.db, `${what} db`);
  });
  for (const t of [x, w, b, dy]) t?.dispose();
}

const CONV: [Rank, Fixture<ConvCase>][] = [[1, conv1d as Fixture<ConvCase>], [2, conv2d as Fixture<ConvCase>], [
  3,
  conv3d as Fixture<ConvCase>,
]];
const TRANSPOSE: [Rank, Fixture<TransposeCase>][] = [
  [1, convT1d as Fixture<TransposeCase>],
  [2, convT2d as Fixture<TransposeCase>],
  [3, convT3d as Fixture<TransposeCase>],
];

for (const build of builds()) {
  for (const variant of VARIANTS) {
    describe(`conv golden values from PyTorch (${build} build, ${variant} microkernel)`, () => {
      for (const [rank, f] of CONV) {
        it(`conv${rank}d: ${f.cases.length} cases, forward, relu, dx, dw, db, float32 and float64`, async () => {
          const e = await engineFor(build, variant);
          const before = e.memoryStats();
          for (const dtype of DTYPES) for (const c of f.cases) runConv(e, rank, f, c, dtype);
          expect(e.memoryStats().tensorsLive).toBe(before.tensorsLive);
          expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
        });
      }
      for (const [rank, f] of TRANSPOSE) {
        it(`convTranspose${rank}d: ${f.cases.length} cases, forward, dx, dw, db, float32 and float64`, async () => {
          const e = await engineFor(build, variant);
          const before = e.memoryStats();
          for (const dtype of DTYPES) for (const c of f.cases) runTranspose(e, rank, f, c, dtype);
          expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
        });
      }
    });
  }
}
