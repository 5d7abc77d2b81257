// Non-finite weights in the depthwise kernels, as PyTorch: a NaN or ±Inf weight reaches only the
// values it pairs with a real input (never 0·∞ from the padding). The stride-1 input gradient
// and the stride-1 transposed convolution would otherwise run as a forward pass over a
// zero-padded dy, multiplying every weight by the padding.
import { describe, expect, it } from "vitest";
import { builds, engineFor } from "../_util/engines.ts";
import { expectExact } from "../_util/conv_tester.ts";
import { type RefConvTranspose, refConvTransposeForward } from "../_util/conv_reference.ts";

const W0 = [Infinity, 2, 3, 4, 5, 6, 7, 8, 9], W1 = [1, 2, 3, 4, 5, 6, 7, 8, 9];

for (const build of builds()) {
  describe(`depthwise non-finite weights (${build} build)`, () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const bad of [Infinity, -Infinity, NaN]) {
        it(`${dtype}: dx of a 1×1 output with w[0] = ${bad} is w itself`, async () => {
          const e = await engineFor(build);
          const w0 = [bad, ...W0.slice(1)];
          const dy = e.tensor([1, 1], [1, 2, 1, 1], dtype), x = e.zeros([1, 2, 3, 3], dtype);
          const w = e.tensor([...w0, ...W1], [2, 1, 3, 3], dtype);
          const g = e.conv2dBackward(dy, x, w, { groups: 2, needs: { dw: false, db: false } });
          // dx[c] = w[c]·dy[c]: the bad weight stays in its one element.
          expectExact(g.dx!.data, [...w0, ...W1], "dx");
          g.dx!.dispose();
          for (const t of [dy, x, w]) t.dispose();
        });
      }

      it(`${dtype}: stride-1 depthwise convTranspose2d with ±Inf weights, padding 1, two inputs per output channel`, async () => {
        const e = await engineFor(build);
        const p: RefConvTranspose = {
          n: 2,
          cin: 4,
          cout: 2,
          groups: 2,
          input: [3, 4],
          kernel: [3, 3],
          stride: [1, 1],
          dilation: [1, 1],
          padding: [1, 1],
          outputPadding: [0, 0],
        };
        // x has no zeros, so the reference itself never forms 0·∞.
        const xd = Array.from({ length: 2 * 4 * 12 }, (_, i) => (i % 7) + 1);
        const wd = Array.from({ length: 4 * 9 }, (_, i) => (i % 5) - 2 || 0.5);
        wd[0] = Infinity, wd[22] = -Infinity;
        const x = e.tensor(xd, [2, 4, 3, 4], dtype), w = e.tensor(wd, [4, 1, 3, 3], dtype);
        const b = e.tensor([1, 2], [2], dtype);
        const y = e.convTranspose2d(x, w, b, { groups: 2, padding: 1 });
        const want = refConvTransposeForward(p, xd, wd, [1, 2]);
        expect(want.some((v) => Number.isFinite(v)) && want.some((v) => !Number.isFinite(v))).toBe(true);
        expectExact(y.data, want, "convTranspose2d");
        for (const t of [x, w, b, y]) t.dispose();
      });
    }
  });
}
