// Each special path of the conv kernels is really taken by the geometries the sweeps in
// conv.test.ts use for it: the kernels' own dispatch functions (the `*_route` exports) and
// the tap-table row classes the forward kernel builds are read back for those geometries.
// The tile and block sizes come from the kernel table (TILES), as the kernels' do.
import { describe, expect, it } from "vitest";
import { ROUTES, TAP_CLASSES, TILES, writeConvGeom } from "../../src/engine/kernels.ts";
import type { Engine } from "../../src/mod.ts";
import { convGeometry, type ConvGeometryOptions, type ConvRank } from "../../src/ops/_conv_args.ts";
import { builds, engineFor } from "../_util/engines.ts";

type Geo = { x: number[]; w: number[]; opts?: ConvGeometryOptions };

function slotFor(e: Engine, { x, w, opts }: Geo): number {
  const rt = e.runtime;
  const g = convGeometry("test", (x.length - 2) as ConvRank, x, w, opts ?? { padding: "same" });
  const slot = rt.kernels.convGeomSlot();
  writeConvGeom(rt.memory.buffer, slot, g);
  return slot;
}

function routes(e: Engine, geo: Geo, dtype: "f32" | "f64" = "f32") {
  const K = e.runtime.kernels[dtype];
  const slot = slotFor(e, geo);
  return { fwd: K.convForwardRoute(slot), dx: K.convBackwardDataRoute(slot), dw: K.convBackwardFilterRoute(slot) };
}

function tapClasses(e: Engine, geo: Geo, dtype: "f32" | "f64" = "f32"): Record<string, number> {
  const rt = e.runtime;
  const K = rt.kernels[dtype];
  const slot = slotFor(e, geo);
  const work = rt.allocScratch("test", K.convTapClassesWorkspace(slot));
  const counts = rt.allocScratch("test", 6 * 4);
  try {
    K.convTapClasses(slot, work, counts);
    const c = new Int32Array(rt.memory.buffer, counts, 6);
    return Object.fromEntries(TAP_CLASSES.map((name, i) => [name, c[i]]));
  } finally {
    rt.freeScratch(work);
    rt.freeScratch(counts);
  }
}

const { gemm, depthwise, wide } = ROUTES;

for (const build of builds()) {
  describe(`conv routes (${build} build)`, () => {
    it("depthwise layers take the direct loops for forward, dx and dw, in both dtypes", async () => {
      const e = await engineFor(build);
      for (const dtype of ["f32", "f64"] as const) {
        for (const m of [1, 2, 3]) {
          const geo = { x: [2, 3, 3, 37], w: [3 * m, 1, 3, 3], opts: { groups: 3, padding: "same" } };
          expect(routes(e, geo, dtype)).toEqual({ fwd: depthwise, dx: depthwise, dw: depthwise });
        }
        // A multiplier of MR or more is a GEMM tile's worth of rows: no longer the direct loops.
        const many = { x: [1, 2, 5, 5], w: [2 * TILES.MR, 1, 3, 3], opts: { groups: 2, padding: "same" } };
        expect(routes(e, many, dtype)).toEqual({ fwd: gemm, dx: gemm, dw: gemm });
      }
    });

    it("a depthwise layer whose padded plane dwarfs input and output goes to the GEMM path", async () => {
      const e = await engineFor(build);
      const huge = { x: [1, 2, 1, 1], w: [2, 1, 1, 1], opts: { groups: 2, padding: 12000, stride: 24000 } };
      expect(routes(e, huge)).toEqual({ fwd: gemm, dx: gemm, dw: gemm });
    });

    it("stride-1 layers with C·k·k ≤ KB and ≥ 256 positions compute dw in the wide form", async () => {
      const e = await engineFor(build);
      for (const dtype of ["f32", "f64"] as const) {
        expect(routes(e, { x: [2, 1, 16, 28], w: [5, 1, 5, 5] }, dtype).dw).toBe(wide);
        expect(routes(e, { x: [1, 2, 18, 20], w: [4, 2, 3, 3], opts: { padding: "same", dilation: 2 } }, dtype).dw)
          .toBe(wide);
        // C·k·k = KB is in place, KB + 1 is packed.
        expect(routes(e, { x: [1, TILES.KB, 16, 16], w: [2, TILES.KB, 1, 1] }, dtype).dw).toBe(wide);
        expect(routes(e, { x: [1, TILES.KB + 1, 16, 16], w: [2, TILES.KB + 1, 1, 1] }, dtype).dw).toBe(gemm);
        // Stride 2, or too few positions: packed.
        expect(routes(e, { x: [1, 1, 16, 28], w: [5, 1, 5, 5], opts: { padding: "same", stride: 2 } }, dtype).dw)
          .toBe(gemm);
        expect(routes(e, { x: [1, 1, 8, 8], w: [5, 1, 3, 3] }, dtype).dw).toBe(gemm);
        expect(routes(e, { x: [1, 1, 16, 28], w: [5, 1, 5, 5] }, dtype).fwd).toBe(gemm);
      }
    });

    it("im2col rows of each class are built: strided by 2, strided, masked borders, zero padding, contiguous", async () => {
      const e = await engineFor(build);
      const s2 = tapClasses(e, { x: [1, 3, 5, 33], w: [5, 3, 3, 3], opts: { padding: "same", stride: 2 } });
      expect(s2.strided2).toBeGreaterThan(0);
      const s3 = tapClasses(e, { x: [1, 2, 7, 31], w: [4, 2, 3, 3], opts: { padding: "same", stride: [1, 3] } });
      expect(s3.strided).toBeGreaterThan(0);
      const same = tapClasses(e, { x: [1, 2, 6, 28], w: [3, 2, 5, 5] });
      expect(same.masked).toBeGreaterThan(0);
      expect(same.contiguous).toBeGreaterThan(0);
      expect(same.zero).toBeGreaterThan(0);
      const wrapped = tapClasses(e, { x: [1, 2, 6, 7], w: [3, 2, 5, 5] });
      expect(wrapped.gather + wrapped.masked).toBeGreaterThan(0);
      // A 1×1 kernel without padding: every row is contiguous.
      const plain = tapClasses(e, { x: [1, 4, 4, 8], w: [2, 4, 1, 1] });
      expect(plain).toEqual({ gather: 0, contiguous: 4, zero: 0, strided: 0, strided2: 0, masked: 0 });
    });
  });
}

describe("tile sizes the sweeps depend on", () => {
  it("the blocking-boundary geometries of conv.test.ts straddle PB and PD; the GEMM's of matmul.test.ts KC, MC, NC", () => {
    // conv.test.ts: positions 511, 512, 513 around PB and 1023, 1025 around PD.
    expect([7 * 73, 16 * 32, 19 * 27]).toEqual([TILES.PB - 1, TILES.PB, TILES.PB + 1]);
    expect([31 * 33, 25 * 41]).toEqual([TILES.PD - 1, TILES.PD + 1]);
    // Rows c·9 for c = 14, 15 around MB = KB, and 28, 29 around KC.
    expect(14 * 9 < TILES.MB && 15 * 9 > TILES.MB && TILES.MB === TILES.KB).toBe(true);
    expect(28 * 9 < TILES.KC && 29 * 9 > TILES.KC).toBe(true);
    // f32 NR = NV · 4 lanes: the remainder sweeps go past two tiles.
    expect(TILES.NV * 4).toBe(8);
    expect(TILES.MR).toBe(4);
  });
});
