// The conv family's API and its kernels' edges: every tile remainder against the float64
// reference (exact, see conv_tester.ts), the blocking boundaries, option forms, `needs`,
// empty batches, the transposed convolution as the input gradient, memory growth during a
// call, and the JSDoc examples of src/load.ts. (The reference itself agrees with PyTorch on
// every fixture case whenever this file and conv_fixtures.test.ts both pass.)
import { describe, expect, it } from "vitest";
import { type Engine, load } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { checkConv, expectExact, quantized } from "../_util/conv_tester.ts";
import type { RefConv } from "../_util/conv_reference.ts";
import { TILES } from "../../src/engine/kernels.ts";

const DTYPES = ["float32", "float64"] as const;
// Depthwise widths: past one full block plus a partial one of f32 vectors, and a scalar tail.
const DW_WIDTH = (TILES.DW_MAX_BLOCK + 2) * 4 + 5;

// Kernel tiles and blocks, from the kernel table (TILES; test/ops/conv_routes.test.ts checks the
// geometries below straddle them and take the paths named): MR output channels × NR = NV · lanes
// positions; blocks of KC im2col rows and PB positions (forward, dx), MB dcol rows (dx); the
// weight gradient's DOT_MR × DOT_NR dot tiles over depth blocks of PD positions (several whole
// images when they fit) and KB im2col rows, or at stride 1 with C·k·k ≤ KB and ≥ 256 positions,
// in place from a padded x (rows widened by (k − 1)·d columns). Depthwise rows run in blocks of
// DW_MAX_BLOCK vectors, then one block of fewer, then scalars.
function c2(o: Partial<RefConv> & { input: number[]; kernel: number[] }): RefConv {
  const r = o.input.length;
  const k = o.kernel;
  return {
    n: 1,
    c: 1,
    o: 1,
    groups: 1,
    stride: new Array(r).fill(1),
    dilation: new Array(r).fill(1),
    pad: k.map((v) => [Math.floor((v - 1) / 2), v - 1 - Math.floor((v - 1) / 2)] as [number, number]),
    ...o,
  };
}

for (const build of builds()) {
  describe(`conv tile remainders and blocking (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: output channels 1..9 × sizes not multiples of 8, forward/relu/dx/dw/db exact`, async () => {
        const e = await engineFor(build);
        for (let o = 1; o <= 9; o++) {
          for (const c of [1, 3]) {
            for (const input of [[1, 1], [3, 5], [7, 9], [9, 13]]) {
              checkConv(e, c2({ n: 2, c, o, input, kernel: [3, 3] }), dtype, o * 10 + c);
            }
          }
        }
      });

      it(`${dtype}: widths 1..19 with odd and even kernels, strides 1 and 2`, async () => {
        const e = await engineFor(build);
        for (let wd = 1; wd <= 19; wd++) {
          for (const kw of [1, 2, 3]) {
            if (kw > wd + 1) continue;
            checkConv(e, c2({ n: 1, c: 2, o: 5, input: [3, wd], kernel: [2, kw] }), dtype, wd);
            checkConv(e, c2({ n: 2, c: 2, o: 3, input: [4, wd], kernel: [3, kw], stride: [1, 2] }), dtype, wd + 100);
          }
        }
      });

      it(`${dtype}: depthwise, multipliers 1..3, widths 1..${DW_WIDTH} (blocks of 1..${TILES.DW_MAX_BLOCK} vectors and more, scalar tail), strides 1 and 2`, async () => {
        const e = await engineFor(build);
        for (let wd = 1; wd <= DW_WIDTH; wd++) {
          for (const m of [1, 2, 3]) {
            for (const sw of [1, 2]) {
              checkConv(
                e,
                c2({ n: 2, c: 3, o: 3 * m, groups: 3, input: [3, wd], kernel: [3, 3], stride: [1, sw] }),
                dtype,
                wd * 7 + m,
              );
            }
          }
          checkConv(
            e,
            c2({ n: 1, c: 2, o: 2, groups: 2, input: [wd], kernel: [3], dilation: [2], pad: [[2, 2]] }),
            dtype,
            wd,
          );
        }
      });

      it(`${dtype}: depthwise weight gradient, 1..27 taps (groups of 3, 6 and 9 taps with every remainder), strides 1 and 2, 3-D`, async () => {
        const e = await engineFor(build);
        for (let taps = 1; taps <= 27; taps++) {
          // 1-D kernels of every length, and 2-D kernels kh × kw with kh·kw = taps where one exists.
          checkConv(e, c2({ n: 2, c: 2, o: 2, groups: 2, input: [taps + 9], kernel: [taps] }), dtype, taps);
          const kh = [5, 4, 3, 2].find((h) => taps % h === 0 && taps / h <= 6);
          if (kh) {
            for (const s of [1, 2]) {
              checkConv(
                e,
                c2({
                  n: 1,
                  c: 3,
                  o: 6,
                  groups: 3,
                  input: [kh + 3, taps / kh + 10],
                  kernel: [kh, taps / kh],
                  stride: [s, s],
                }),
                dtype,
                taps + s,
              );
            }
          }
        }
        checkConv(e, c2({ n: 2, c: 2, o: 2, groups: 2, input: [4, 5, 9], kernel: [3, 3, 3] }), dtype);
      });

      it(`${dtype}: blocking boundaries (im2col rows around 128, 256, 512; positions around 512, 1024)`, async () => {
        const e = await engineFor(build);
        // Rows k = c·T: with T = 9, c on both sides of MB = KB and of KC.
        const { MB, KC } = TILES;
        for (const c of [Math.floor(MB / 9), Math.ceil(MB / 9), Math.floor(KC / 9), Math.ceil(KC / 9)]) {
          checkConv(e, c2({ c, o: 3, input: [4, 5], kernel: [3, 3] }), dtype, c);
        }
        // T = 1: 1×1 kernels give k = c exactly: around MB, KC and 2·KC.
        for (const c of [MB - 1, MB, MB + 1, KC - 1, KC, KC + 1, 2 * KC - 1, 2 * KC, 2 * KC + 1]) {
          checkConv(e, c2({ c, o: 2, input: [2, 3], kernel: [1, 1] }), dtype, c);
        }
        // Positions 511, 512, 513 (PB), 1023, 1025 (PD), with 2 images; 3 images of 340 per dw depth block.
        for (const [h, w] of [[7, 73], [16, 32], [19, 27], [31, 33], [25, 41]]) {
          checkConv(e, c2({ n: 2, c: 2, o: 5, input: [h, w], kernel: [3, 3] }), dtype, h);
        }
        checkConv(e, c2({ n: 5, c: 3, o: 4, input: [17, 20], kernel: [3, 3] }), dtype);
      });

      it(`${dtype}: im2col row classes: strided by 2 (vector and scalar near the plane end), masked borders, wrapped panels`, async () => {
        const e = await engineFor(build);
        // Output rows of 8+ positions at stride 2 (STRIDED2, and STRIDED where 2·NR would pass the plane end).
        for (const [h, w] of [[5, 33], [6, 40], [3, 17]]) {
          checkConv(e, c2({ n: 2, c: 3, o: 5, input: [h, w], kernel: [3, 3], stride: [2, 2] }), dtype, w);
          checkConv(
            e,
            c2({ n: 1, c: 2, o: 3, input: [h, w], kernel: [2, 4], stride: [1, 2], dilation: [1, 2] }),
            dtype,
            w + 1,
          );
        }
        // Stride 3 (STRIDED), and "same" rows of 7, 9, 10, 28 positions whose panels wrap rows (MASKED).
        checkConv(e, c2({ n: 1, c: 2, o: 4, input: [7, 31], kernel: [3, 3], stride: [1, 3] }), dtype);
        for (const w of [7, 9, 10, 28]) checkConv(e, c2({ n: 2, c: 2, o: 3, input: [6, w], kernel: [5, 5] }), dtype, w);
      });

      it(`${dtype}: weight gradient's in-place ("wide") form: stride 1, C·k·k ≤ 128, ≥ 256 positions`, async () => {
        const e = await engineFor(build);
        // Rows widened by k − 1 columns; odd C·k·k (25, 27) and output channels not multiples of 4.
        checkConv(e, c2({ n: 2, c: 1, o: 5, input: [16, 28], kernel: [5, 5] }), dtype, 1);
        checkConv(e, c2({ n: 1, c: 3, o: 7, input: [17, 19], kernel: [3, 3] }), dtype, 2);
        // Groups, dilation, no padding, asymmetric and wide padding, even kernels.
        checkConv(e, c2({ n: 2, c: 4, o: 6, groups: 2, input: [16, 17], kernel: [3, 3] }), dtype, 3);
        checkConv(e, c2({ n: 1, c: 2, o: 4, input: [18, 20], kernel: [3, 3], dilation: [2, 2] }), dtype, 4);
        checkConv(e, c2({ n: 2, c: 3, o: 4, input: [20, 24], kernel: [3, 3], pad: [[0, 0], [2, 1]] }), dtype, 5);
        checkConv(e, c2({ n: 1, c: 2, o: 3, input: [16, 24], kernel: [3, 3], pad: [[3, 3], [3, 3]] }), dtype, 6);
        checkConv(e, c2({ n: 1, c: 2, o: 3, input: [16, 20], kernel: [2, 4] }), dtype, 7);
        // C·k·k = 128 (in place) and 129 (packed); several depth blocks of 1024; 1-D.
        for (const c of [128, 129]) checkConv(e, c2({ n: 1, c, o: 2, input: [16, 16], kernel: [1, 1] }), dtype, c);
        checkConv(e, c2({ n: 2, c: 2, o: 5, input: [40, 40], kernel: [3, 3] }), dtype, 8);
        checkConv(e, c2({ n: 2, c: 3, o: 5, input: [300], kernel: [5] }), dtype, 9);
      });

      it(`${dtype}: 1-D and 3-D through the same kernels`, async () => {
        const e = await engineFor(build);
        for (let len = 1; len <= 11; len++) {
          checkConv(e, c2({ n: 2, c: 3, o: 5, input: [len], kernel: [Math.min(len + 1, 4)] }), dtype, len);
        }
        checkConv(e, c2({ n: 2, c: 2, o: 6, input: [3, 4, 5], kernel: [2, 3, 3], stride: [1, 2, 1] }), dtype);
        checkConv(e, c2({ n: 1, c: 4, o: 4, groups: 4, input: [3, 5, 9], kernel: [3, 3, 3] }), dtype);
      });
    }
  });

  describe(`conv API (${build} build)`, () => {
    const fill = (e: Engine, shape: number[], seed: number, dtype: "float32" | "float64" = "float64") =>
      e.tensor(quantized(shape.reduce((a, b) => a * b, 1), seed), shape, dtype);

    it("padding forms that mean the same thing give the same result", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const x = fill(e, [2, 3, 7, 8], 1), w = fill(e, [4, 3, 3, 2], 2);
        const base = e.conv2d(x, w, null, { padding: [[1, 1], [2, 2]], stride: [2, 3] }).toArray();
        expectExact(e.conv2d(x, w, null, { padding: [1, 2], stride: [2, 3] }).data, base, "per-dim");
        expectExact(e.conv2d(x, w, null, { padding: [[1, 1], 2], stride: [2, 3] }).data, base, "mixed");
        const valid = e.conv2d(x, w, null, { padding: "valid" }).toArray();
        expectExact(e.conv2d(x, w, null, { padding: 0 }).data, valid, "0");
        expectExact(e.conv2d(x, w).data, valid, "default");
        expectExact(e.conv2d(x, w, null, { stride: 2 }).data, e.conv2d(x, w, null, { stride: [2, 2] }).data, "stride");
      });
    });

    it('"same": ceil(in / stride) outputs; stride 1 pads the extra zero after (PyTorch), TF-SAME beyond', async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const x = fill(e, [1, 1, 10, 14], 3), w4 = fill(e, [1, 1, 4, 4], 4);
        for (const s of [1, 2, 3, 4]) {
          expect(e.conv2d(x, w4, null, { padding: "same", stride: s }).shape).toEqual([
            1,
            1,
            Math.ceil(10 / s),
            Math.ceil(14 / s),
          ]);
        }
        // k = 4, s = 1: total 3, 1 before and 2 after.
        expectExact(
          e.conv2d(x, w4, null, { padding: "same" }).data,
          e.conv2d(x, w4, null, { padding: [[1, 2], [1, 2]] }).data,
          "s1",
        );
        // k = 4, s = 2, n = 10: out 5, total max(4·2 + 4 − 10, 0) = 2 → [1, 1]; n = 14: out 7, total 2 → [1, 1].
        expectExact(
          e.conv2d(x, w4, null, { padding: "same", stride: 2 }).data,
          e.conv2d(x, w4, null, { padding: 1, stride: 2 }).data,
          "s2",
        );
        // k = 4, s = 3, n = 10: out 4, total 3 → [1, 2]; n = 14: out 5, total 2 → [1, 1].
        expectExact(
          e.conv2d(x, w4, null, { padding: "same", stride: 3 }).data,
          e.conv2d(x, w4, null, { padding: [[1, 2], 1], stride: 3 }).data,
          "s3",
        );
      });
    });

    it('activation "relu" fuses bias and ReLU and equals relu(conv(x, w) + b)', async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (
          const [x, w, groups] of [[fill(e, [2, 4, 6, 7], 5), fill(e, [9, 4, 3, 3], 6), 1], [
            fill(e, [2, 4, 6, 7], 5),
            fill(e, [4, 1, 3, 3], 6),
            4,
          ]] as const
        ) {
          const b = fill(e, [w.shape[0]], 7);
          const want = e.relu(e.conv2d(x, w, b, { padding: 1, groups })).toArray();
          expectExact(
            e.conv2d(x, w, b, { padding: 1, groups, activation: "relu" }).data,
            want,
            `relu groups=${groups}`,
          );
        }
      });
    });

    it("the fused ReLU propagates NaN (as torch.relu) and clamps -Infinity, GEMM and depthwise paths", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const dtype of DTYPES) {
          for (const groups of [1, 2]) {
            const xd = new Float64Array(2 * 12 * 12).fill(1);
            xd[5 * 12 + 5] = NaN;
            xd[144 + 2 * 12 + 9] = -Infinity;
            const x = e.tensor(xd, [1, 2, 12, 12], dtype);
            const w = e.tensor(new Float64Array(2 * (2 / groups) * 9).fill(1), [2, 2 / groups, 3, 3], dtype);
            const y = e.conv2d(x, w, null, { padding: 1, groups, activation: "relu" });
            const plain = e.conv2d(x, w, null, { padding: 1, groups }).toArray();
            for (let i = 0; i < y.size; i++) {
              const want = Number.isNaN(plain[i]) ? NaN : Math.max(plain[i], 0);
              if (!Object.is(y.data[i], want) && !(want === 0 && y.data[i] === 0)) {
                throw new Error(`groups=${groups} ${dtype}: y[${i}] = ${y.data[i]}, expected ${want}`);
              }
            }
            expect(Array.from(y.data).some(Number.isNaN)).toBe(true);
          }
        }
      });
    });

    it("needs skips gradients (null) and db is returned without a forward bias (GEMM and depthwise paths)", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        // db comes from the weight-gradient kernel when dw is asked too (fused for depthwise),
        // from its own pass otherwise: both must agree.
        for (const [w, groups, o] of [[fill(e, [4, 3, 3, 3], 9), 1, 4], [fill(e, [6, 1, 3, 3], 9), 3, 6]] as const) {
          const x = fill(e, [2, 3, 5, 5], 8), dy = fill(e, [2, o, 3, 3], 10);
          const all = e.conv2dBackward(dy, x, w, { groups });
          const only = e.conv2dBackward(dy, x, w, { groups, needs: { dx: false, db: false } });
          expect(only.dx).toBeNull();
          expect(only.db).toBeNull();
          expectExact(only.dw!.data, all.dw!.data, "dw alone");
          const noDw = e.conv2dBackward(dy, x, w, { groups, needs: { dw: false } });
          expect(noDw.dw).toBeNull();
          expectExact(noDw.dx!.data, all.dx!.data, "dx");
          expectExact(noDw.db!.data, all.db!.data, "db");
          expect(all.db!.shape).toEqual([o]);
        }
      });
    });

    it("an empty batch gives empty outputs and zero weight and bias gradients", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const groups of [1, 3]) {
          const x = e.zeros([0, 3, 5, 5], "float64"), w = fill(e, [3, 3 / groups, 3, 3], 11);
          expect(e.conv2d(x, w, fill(e, [3], 1), { groups }).shape).toEqual([0, 3, 3, 3]);
          const g = e.conv2dBackward(e.zeros([0, 3, 3, 3], "float64"), x, w, { groups });
          expect(g.dx!.shape).toEqual([0, 3, 5, 5]);
          expect(Array.from(g.dw!.data).every((v) => v === 0)).toBe(true);
          expect(Array.from(g.db!.data)).toEqual([0, 0, 0]);
          expect(e.convTranspose2d(e.zeros([0, 3, 2, 2], "float64"), fill(e, [3, 2, 2, 2], 1)).shape).toEqual([
            0,
            2,
            3,
            3,
          ]);
        }
      });
    });

    it("convTranspose2d is conv2dBackward's dx (plus bias) for matching geometry", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const dtype of DTYPES) {
          for (
            const [groups, s, p, d, op] of [[1, 2, 1, 1, 1], [2, 3, 0, 2, 2], [3, 1, 1, 1, 0], [3, 2, 1, 1, 1], [
              6,
              2,
              1,
              1,
              0,
            ]]
          ) {
            const cin = 6, cout = groups === 6 ? 6 : 3 * groups;
            const x = fill(e, [2, cin, 4, 5], 12, dtype),
              w = fill(e, [cin, cout / groups, 3, 3], 13, dtype),
              b = fill(e, [cout], 14, dtype);
            const y = e.convTranspose2d(x, w, b, { stride: s, padding: p, dilation: d, groups, outputPadding: op });
            const size = (n: number) => (n - 1) * s - 2 * p + d * 2 + op + 1;
            expect(y.shape).toEqual([2, cout, size(4), size(5)]);
            // The convolution [2, cout, *y] → [2, cin, 4, 5] whose input gradient this is: padding p
            // before, and after whatever makes its output 4 × 5 (p − outputPadding, at least 0).
            const pad: [number, number] = [p, Math.max(p - op, 0)];
            const { dx } = e.conv2dBackward(x, e.zeros(y.shape, dtype), w, {
              stride: s,
              padding: [pad, pad],
              dilation: d,
              groups,
              needs: { dw: false, db: false },
            });
            const plane = size(4) * size(5);
            expectExact(
              y.data,
              Float64Array.from(dx!.data, (v, i) => v + b.data[Math.floor(i / plane) % cout]),
              `groups=${groups} s=${s} ${dtype}`,
            );
          }
        }
      });
    });
  });

  describe(`conv JSDoc examples of src/load.ts (${build} build)`, () => {
    it("every @example prints what its comment says", async () => {
      const engine = await engineFor(build);
      engine.scope(() => {
        const x1 = engine.tensor([1, 2, 3, 4], [1, 1, 4]);
        expect(Array.from(engine.conv1d(x1, engine.tensor([1, -1], [1, 1, 2]), null, { padding: "same" }).data))
          .toEqual([-1, -1, -1, 4]);
        const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
        const w = engine.tensor([1, 0, 0, 1], [1, 1, 2, 2]);
        expect(Array.from(engine.conv2d(x, w).data)).toEqual([6, 8, 12, 14]);
        const ones = engine.tensor([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 2, 2, 2]);
        expect(Array.from(engine.conv3d(ones, ones).data)).toEqual([8]);
        const s = engine.tensor([1, 2, 3], [1, 1, 3]), f = engine.tensor([1, 1], [1, 1, 2]);
        const { dx } = engine.conv1dBackward(engine.tensor([1, 1], [1, 1, 2]), s, f, {
          needs: { dw: false, db: false },
        });
        expect(Array.from(dx!.data)).toEqual([1, 2, 1]);
        const { dw, db } = engine.conv2dBackward(engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]), x, w);
        expect(Array.from(dw!.data)).toEqual([12, 16, 24, 28]);
        expect(Array.from(db!.data)).toEqual([4]);
        const d3 = engine.conv3dBackward(
          engine.tensor([1, 1], [1, 1, 1, 1, 2]),
          engine.tensor([3, 4], [1, 1, 1, 1, 2]),
          engine.tensor([2], [1, 1, 1, 1, 1]),
        );
        expect(Array.from(d3.dx!.data)).toEqual([2, 2]);
        expect(Array.from(engine.convTranspose1d(s, f).data)).toEqual([1, 3, 5, 3]);
        const t = engine.convTranspose2d(
          engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]),
          engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]),
          null,
          { stride: 2 },
        );
        expect(t.shape).toEqual([1, 1, 4, 4]);
        expect(Array.from(t.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
        const t3 = engine.convTranspose3d(
          engine.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 2, 2]),
          engine.tensor([1, -1], [1, 2, 1, 1, 1]),
          null,
          { stride: 2 },
        );
        expect(t3.shape).toEqual([1, 2, 3, 3, 3]);
        const tb = engine.convTranspose1dBackward(
          engine.tensor([1, 1, 1], [1, 1, 3]),
          engine.tensor([1, 2], [1, 1, 2]),
          f,
        );
        expect([tb.dx, tb.dw, tb.db].map((g) => Array.from(g!.data))).toEqual([[2, 2], [3, 3], [3]]);
        const tb2 = engine.convTranspose2dBackward(
          engine.tensor(new Array(16).fill(1), [1, 1, 4, 4]),
          engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]),
          engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]),
          { stride: 2, needs: { dx: false, db: false } },
        );
        expect([tb2.dx, tb2.db]).toEqual([null, null]);
        expect(Array.from(tb2.dw!.data)).toEqual([10, 10, 10, 10]);
        const tb3 = engine.convTranspose3dBackward(
          engine.tensor([1, -1], [1, 1, 1, 1, 2]),
          engine.tensor([1, 2], [1, 1, 1, 1, 2]),
          engine.tensor([3], [1, 1, 1, 1, 1]),
        );
        expect(Array.from(tb3.dx!.data)).toEqual([3, -3]);
      });
    });
  });

  describe(`conv memory (${build} build)`, () => {
    it("memory growth during a call (output, then scratch) keeps inputs and results valid", async () => {
      const e = await load({ simd: build, initialMemoryBytes: 65536 });
      const xd = quantized(2 * 8 * 20 * 20, 1), wd = quantized(16 * 8 * 9, 2);
      const x = e.tensor(xd, [2, 8, 20, 20]), w = e.tensor(wd, [16, 8, 3, 3]);
      const reserved = e.memoryStats().bytesReserved;
      const y = e.conv2d(x, w, null, { padding: 1 });
      expect(e.memoryStats().bytesReserved).toBeGreaterThan(reserved);
      const again = e.conv2d(x, w, null, { padding: 1 });
      expectExact(y.data, again.data, "after growth");
      expectExact(x.data, xd, "x intact");
      const before = e.memoryStats().bytesReserved;
      const g = e.conv2dBackward(e.tensor(y.data, y.shape), x, w, { padding: 1 });
      expect(e.memoryStats().bytesReserved).toBeGreaterThanOrEqual(before);
      expect(g.dx!.shape).toEqual(x.shape);
      expectExact(x.data, xd, "x intact after backward");
    });

    it("leaves no tensors or scratch behind, and scratch does not grow with the batch", async () => {
      const e = await load({ simd: build });
      const peak = (n: number) => {
        const x = e.zeros([n, 16, 20, 20]), w = e.zeros([16, 16, 3, 3]), dy = e.zeros([n, 16, 20, 20]);
        const inputs = e.memoryStats().bytesLive;
        e.resetPeakMemory();
        e.scope(() => {
          e.conv2d(x, w, null, { padding: 1 }).dispose();
          const g = e.conv2dBackward(dy, x, w, { padding: 1 });
          for (const t of [g.dx, g.dw, g.db]) t?.dispose();
        });
        const extra = e.memoryStats().bytesPeak - inputs;
        for (const t of [x, w, dy]) t.dispose();
        return extra - 2 * n * 16 * 20 * 20 * 4; // minus the larger outputs (y, then dx), which do grow
      };
      const before = e.memoryStats();
      const small = peak(1), large = peak(8);
      expect(large).toBeLessThanOrEqual(small + 64 * 16);
      const after = e.memoryStats();
      expect(after.tensorsLive).toBe(before.tensorsLive);
      expect(after.bytesLive).toBe(before.bytesLive);
    });
  });
}
