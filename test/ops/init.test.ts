// Initializers (torch.nn.init), rand and randn: exact values where they are determined
// (constant; the uniforms and normals of a seed, identical across builds and engines, float32
// the float64 values rounded; a split range equals the whole; the affine and fan formulas
// against uniform/normal of the same seed), one-sample Kolmogorov–Smirnov tests at p > 0.01 on
// 400×400 draws (FAU exercise 2's TestInitializers, and every initializer), the fan rules, the
// engine stream and load({ seed }), and bad input.
import { describe, expect, it } from "vitest";
import { load, type Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";

const DTYPES = ["float32", "float64"] as const;

/** The one-sample KS statistic D of values against a continuous CDF. */
function ksStatistic(values: ArrayLike<number>, cdf: (x: number) => number): number {
  const xs = Float64Array.from(values).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** The asymptotic KS p-value 2·Σ_{j≥1} (−1)^{j−1} e^{−2 j² n D²} (Kolmogorov's distribution). */
function ksPValue(d: number, n: number): number {
  const l2 = n * d * d;
  if (l2 < 0.04) return 1; // λ = √n·D < 0.2: p > 0.99999, where the series converges too slowly
  let s = 0;
  for (let j = 1; j <= 100; j++) s += (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * l2);
  return Math.min(1, Math.max(0, 2 * s));
}

function ksP(values: ArrayLike<number>, cdf: (x: number) => number): number {
  return ksPValue(ksStatistic(values, cdf), values.length);
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below the KS resolution here). */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const y = 1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t *
      Math.exp(-a * a);
  return s * y;
}
const normalCdf = (mean: number, std: number) => (x: number) => 0.5 * (1 + erf((x - mean) / (std * Math.SQRT2)));
const uniformCdf = (lo: number, hi: number) => (x: number) => Math.min(1, Math.max(0, (x - lo) / (hi - lo)));

const arr = (t: Tensor) => Array.from(t.data);

for (const build of builds()) {
  describe(`init, rand, randn (${build} build)`, () => {
    it("constant fills in place and returns the tensor, rounded to the dtype (int32 truncated)", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const t = e.zeros([2, 3]);
        expect(e.init.constant(t, 0.1)).toBe(t);
        expect(arr(t)).toEqual(new Array(6).fill(Math.fround(0.1)));
        expect(arr(e.init.constant(e.zeros([2], "float64"), 0.123))).toEqual([0.123, 0.123]);
        expect(arr(e.init.constant(e.zeros([3], "int32"), -2.7))).toEqual([-2, -2, -2]);
        expect(arr(e.init.constant(e.ones([2]), -Infinity))).toEqual([-Infinity, -Infinity]);
        // A view fills only its own elements.
        const slab = e.zeros([5]);
        e.init.constant(e.view(slab, 1, [3]), 0.5);
        expect(arr(slab)).toEqual([0, 0.5, 0.5, 0.5, 0]);
      });
    });

    it("rand: float32 uniforms are the float64 ones truncated to 24 bits; init.uniform is low + (high − low)·u", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const u64 = e.rand([1000], { seed: 42, dtype: "float64" });
        const u32 = e.rand([1000], { seed: 42 });
        expect(u32.dtype).toBe("float32");
        expect(arr(u32)).toEqual(arr(u64).map((v) => Math.floor(v * 2 ** 24) / 2 ** 24));
        expect(arr(u64).every((v) => v >= 0 && v < 1)).toBe(true);
        for (const [dt, u] of [["float32", u32], ["float64", u64]] as const) {
          const t = e.zeros([10, 100], dt);
          expect(e.init.uniform(t, { low: -0.3, high: 2.5, seed: 42 })).toBe(t);
          const w = 2.5 - -0.3;
          const want = arr(u).map((v) => -0.3 + w * v);
          expect(arr(t)).toEqual(dt === "float32" ? want.map(Math.fround) : want);
          expect(arr(e.init.uniform(e.zeros([1000], dt), { seed: 42 }))).toEqual(arr(u));
          expect(arr(e.init.uniform(e.zeros([4], dt), { low: 1.5, high: 1.5, seed: 1 }))).toEqual([1.5, 1.5, 1.5, 1.5]);
        }
        expect(arr(e.rand([64], { seed: 43 }))).not.toEqual(arr(u32).slice(0, 64));
      });
    });

    it("randn: Box–Muller on the pairs of f64 uniforms; float32 is float64 rounded; init.normal is mean + std·z exactly", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const n = 1001;
        const u = arr(e.rand([n + 1], { seed: 7, dtype: "float64" }));
        const z = arr(e.randn([n], { seed: 7, dtype: "float64" }));
        for (let i = 0; i < n; i++) {
          const r = Math.sqrt(-2 * Math.log(1 - u[i & ~1])), th = 2 * Math.PI * u[i | 1];
          const ref = i % 2 === 0 ? r * Math.cos(th) : r * Math.sin(th);
          expect(Math.abs(z[i] - ref)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref)));
        }
        expect(arr(e.randn([n], { seed: 7 }))).toEqual(z.map(Math.fround));
        const t64 = e.init.normal(e.zeros([n], "float64"), { mean: -1.25, std: 0.3, seed: 7 });
        expect(arr(t64)).toEqual(z.map((v) => -1.25 + 0.3 * v));
        const t32 = e.init.normal(e.zeros([n]), { mean: -1.25, std: 0.3, seed: 7 });
        expect(arr(t32)).toEqual(arr(t64).map(Math.fround));
        expect(arr(e.init.normal(e.zeros([3]), { mean: 2, std: 0, seed: 1 }))).toEqual([2, 2, 2]);
        expect(arr(e.randn([64], { seed: 8, dtype: "float64" }))).not.toEqual(z.slice(0, 64));
        expect(z.every(Number.isFinite)).toBe(true);
      });
    });

    it("the kernels' values at an element do not depend on the range drawn (odd and even starts, offsets above 2^32)", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const dt of DTYPES) {
          const K = e.runtime.kernelsFor(dt);
          for (const [lo, hi] of [[0, 0], [5, 0], [0xffffff00 | 0, 1]]) {
            const whole = e.zeros([150], dt), a = e.zeros([37], dt), b = e.zeros([80], dt), c = e.zeros([33], dt);
            // The whole range with the static Philox buffer, the pieces with a scratch of their own.
            const buf = e.zeros([32], "float32").ptr;
            K.randomNormal(11, 3, lo, hi, 150, whole.ptr, 0.5, 2, 0);
            K.randomNormal(11, 3, lo, hi, 37, a.ptr, 0.5, 2, buf);
            K.randomNormal(11, 3, lo + 37, hi, 80, b.ptr, 0.5, 2, buf);
            K.randomNormal(11, 3, lo + 117, hi, 33, c.ptr, 0.5, 2, buf);
            expect([...arr(a), ...arr(b), ...arr(c)]).toEqual(arr(whole));
          }
        }
      });
    });

    it("Xavier and Kaiming are uniform/normal of the same seed with PyTorch's bound and std", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        for (const dt of DTYPES) {
          const uni = (shape: number[], b: number) =>
            arr(e.init.uniform(e.zeros(shape, dt), { low: -b, high: b, seed: 3 }));
          const nor = (shape: number[], s: number) => arr(e.init.normal(e.zeros(shape, dt), { std: s, seed: 3 }));
          const xb = (fi: number, fo: number, g = 1) => Math.sqrt(3) * (g * Math.sqrt(2 / (fi + fo)));
          const xs = (fi: number, fo: number, g = 1) => g * Math.sqrt(2 / (fi + fo));
          // [out, in, kh, kw]: fanIn = in·kh·kw, fanOut = out·kh·kw; linear [out, in]; conv1d/3d likewise.
          const cases: [number[], number, number][] = [
            [[20, 1, 5, 5], 25, 500],
            [[4, 3, 5, 8], 120, 160], // FAU TestConv test_initialization
            [[30, 20], 20, 30],
            [[8, 3, 7], 21, 56],
            [[2, 3, 2, 2, 2], 24, 16],
          ];
          for (const [shape, fi, fo] of cases) {
            expect(arr(e.init.xavierUniform(e.zeros(shape, dt), { seed: 3 }))).toEqual(uni(shape, xb(fi, fo)));
            expect(arr(e.init.xavierNormal(e.zeros(shape, dt), { gain: 2.5, seed: 3 }))).toEqual(
              nor(shape, xs(fi, fo, 2.5)),
            );
            const kb = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(fi));
            expect(arr(e.init.kaimingUniform(e.zeros(shape, dt), { seed: 3 }))).toEqual(uni(shape, kb));
            expect(arr(e.init.kaimingNormal(e.zeros(shape, dt), { mode: "fanOut", nonlinearity: "relu", seed: 3 })))
              .toEqual(nor(shape, Math.SQRT2 / Math.sqrt(fo)));
            const g = Math.sqrt(2 / (1 + 0.2 * 0.2));
            expect(arr(e.init.kaimingNormal(e.zeros(shape, dt), { a: 0.2, seed: 3 }))).toEqual(
              nor(shape, g / Math.sqrt(fi)),
            );
            // `a` only matters for leaky_relu.
            expect(arr(e.init.kaimingUniform(e.zeros(shape, dt), { a: 5, nonlinearity: "tanh", seed: 3 }))).toEqual(
              uni(shape, Math.sqrt(3) * ((5 / 3) / Math.sqrt(fi))),
            );
          }
          // Overrides: they replace the shape's fans, and let a 1-D tensor through.
          expect(arr(e.init.xavierUniform(e.zeros([30, 20], dt), { fanIn: 7, seed: 3 }))).toEqual(
            uni([30, 20], xb(7, 30)),
          );
          expect(arr(e.init.xavierNormal(e.zeros([50], dt), { fanIn: 400, fanOut: 400, seed: 3 }))).toEqual(
            nor([50], 0.05),
          );
          expect(arr(e.init.kaimingUniform(e.zeros([50], dt), { fanIn: 9, seed: 3 }))).toEqual(
            uni([50], Math.sqrt(3) * (Math.SQRT2 / 3)),
          );
          expect(arr(e.init.kaimingNormal(e.zeros([6], dt), { mode: "fanOut", fanOut: 4, seed: 3 }))).toEqual(
            nor([6], Math.SQRT2 / 2),
          );
        }
      });
    });

    it("calculateGain follows torch.nn.init.calculate_gain", async () => {
      const e = await engineFor(build);
      for (const n of ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid"] as const) {
        expect(e.init.calculateGain(n)).toBe(1);
      }
      expect(e.init.calculateGain("tanh")).toBe(5 / 3);
      expect(e.init.calculateGain("relu")).toBe(Math.SQRT2);
      expect(e.init.calculateGain("selu")).toBe(0.75);
      expect(e.init.calculateGain("leaky_relu")).toBe(Math.sqrt(2 / (1 + 0.01 * 0.01)));
      expect(e.init.calculateGain("leaky_relu", 0)).toBe(Math.SQRT2);
      expect(e.init.calculateGain("leaky_relu", 1)).toBe(1);
    });

    // FAU exercise 2, TestInitializers: shape (400, 400), fan_in = fan_out = 400, seed 1337, KS p > 0.01.
    it("FAU TestInitializers: uniform U[0,1), Xavier N(0, 0.05²), He N(0, 0.0707107²) pass the KS test", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const fan = { fanIn: 400, fanOut: 400 };
        for (const dt of DTYPES) {
          const u = e.init.uniform(e.zeros([400, 400], dt), { seed: 1337 });
          expect(u.shape).toEqual([400, 400]);
          expect(ksP(u.data, uniformCdf(0, 1))).toBeGreaterThan(0.01);
          const x = e.init.xavierNormal(e.zeros([400, 400], dt), { ...fan, seed: 1337 });
          expect(x.shape).toEqual([400, 400]);
          expect(ksP(x.data, normalCdf(0, Math.SQRT2 / Math.sqrt(800)))).toBeGreaterThan(0.01);
          const h = e.init.kaimingNormal(e.zeros([400, 400], dt), { ...fan, nonlinearity: "relu", seed: 1337 });
          expect(h.shape).toEqual([400, 400]);
          expect(ksP(h.data, normalCdf(0, 0.0707107))).toBeGreaterThan(0.01);
        }
      });
    });

    it("every initializer's values pass the KS test against its distribution; a wrong distribution fails it", async () => {
      const e = await engineFor(build), f = await load({ simd: build });
      e.scope(() => {
        const s = [400, 400];
        const z = (dt: "float32" | "float64" = "float32") => e.zeros(s, dt);
        const p = (t: Tensor, cdf: (x: number) => number) => ksP(t.data, cdf);
        expect(p(e.init.uniform(z(), { low: -3, high: 5, seed: 1 }), uniformCdf(-3, 5))).toBeGreaterThan(0.01);
        // The engine's stream (a fresh engine, so the draws do not depend on the tests before).
        expect(p(f.init.uniform(f.zeros(s)), uniformCdf(0, 1))).toBeGreaterThan(0.01);
        expect(p(e.init.normal(z("float64"), { seed: 2 }), normalCdf(0, 1))).toBeGreaterThan(0.01);
        expect(p(f.init.normal(f.zeros(s), { mean: 4, std: 0.25 }), normalCdf(4, 0.25))).toBeGreaterThan(0.01);
        expect(p(e.rand(s, { seed: 3 }), uniformCdf(0, 1))).toBeGreaterThan(0.01);
        expect(p(e.randn(s, { seed: 4, dtype: "float64" }), normalCdf(0, 1))).toBeGreaterThan(0.01);
        const xb = Math.sqrt(6 / 800) * 1.5;
        expect(p(e.init.xavierUniform(z(), { gain: 1.5, seed: 15 }), uniformCdf(-xb, xb))).toBeGreaterThan(0.01);
        expect(p(e.init.xavierNormal(z("float64"), { gain: 1.5, seed: 6 }), normalCdf(0, 1.5 * 0.05)))
          .toBeGreaterThan(0.01);
        const kb = Math.sqrt(3) * Math.SQRT2 / 20;
        expect(p(e.init.kaimingUniform(z(), { seed: 7 }), uniformCdf(-kb, kb))).toBeGreaterThan(0.01);
        expect(p(e.init.kaimingNormal(z(), { nonlinearity: "tanh", seed: 8 }), normalCdf(0, 5 / 3 / 20)))
          .toBeGreaterThan(0.01);
        // The test has power: a 5 % wrong σ, a shifted mean or a normal taken for a uniform is rejected.
        const n = e.randn(s, { seed: 9 });
        expect(p(n, normalCdf(0, 1.05))).toBeLessThan(0.01);
        expect(p(n, normalCdf(0.02, 1))).toBeLessThan(0.01);
        expect(p(e.rand(s, { seed: 10 }), uniformCdf(0, 0.99))).toBeLessThan(0.01);
      });
    });

    it("empty tensors are returned unchanged and draw nothing", async () => {
      const e = await load({ simd: build });
      const t = e.zeros([0, 3]);
      expect(e.init.xavierUniform(t)).toBe(t);
      expect(e.init.kaimingNormal(e.zeros([4, 0]))).toBeDefined();
      expect(e.randn([0]).size).toBe(0);
      const f = await load({ simd: build });
      expect(arr(e.rand([20]))).toEqual(arr(f.rand([20])));
    });
  });
}

describe("init across builds and engines", () => {
  it("a seed gives the same bits in both builds, both dtypes and in every engine", async () => {
    const got = await Promise.all(
      builds().map(async (b) => {
        const e = await load({ simd: b });
        return DTYPES.map((dt) => [
          arr(e.randn([203], { seed: 2 ** 40 + 5, dtype: dt })),
          arr(e.rand([203], { seed: 2 ** 40 + 5, dtype: dt })),
          arr(e.init.kaimingNormal(e.zeros([20, 1, 5, 5], dt), { seed: 99 })),
          arr(e.init.xavierUniform(e.zeros([7, 9], dt), { seed: 99 })),
        ]);
      }),
    );
    for (const g of got) expect(g).toEqual(got[0]);
    expect(got[0][0][0].slice(0, 4)).not.toEqual(got[0][0][1].slice(0, 4));
  });

  it("unseeded draws come from the engine's stream: successive calls differ, load({ seed }) chooses it", async () => {
    const draw = (e: Awaited<ReturnType<typeof load>>) => [
      arr(e.randn([5])),
      arr(e.init.uniform(e.zeros([3, 3]))),
      arr(e.init.kaimingNormal(e.zeros([4, 4], "float64"))),
    ];
    const [a, b] = [draw(await load()), draw(await load())];
    expect(a).toEqual(b); // a fresh engine repeats the default sequence
    const e = await load();
    expect(arr(e.randn([5]))).not.toEqual(arr(e.randn([5])));
    const [s3, s3b, s4] = [draw(await load({ seed: 3 })), draw(await load({ seed: 3 })), draw(await load({ seed: 4 }))];
    expect(s3).toEqual(s3b);
    expect(s3).not.toEqual(s4);
    expect(s3).not.toEqual(a);
    const e3 = await load({ seed: 3 });
    expect(arr(e3.randn([5]))).not.toEqual(arr(e3.randn([5], { seed: 3 }))); // not the per-call seed's stream
    // The engine stream feeds dropout too.
    const mask = async (seed?: number) => {
      const d = await load(seed === undefined ? {} : { seed });
      return arr(d.dropout(d.ones([64]), 0.5).mask);
    };
    expect(await mask(12)).toEqual(await mask(12));
    expect(await mask(12)).not.toEqual(await mask());
  });

  it("keeps the dtype in its types", async () => {
    const e = await load();
    const w: Tensor<"float64"> = e.init.xavierNormal(e.zeros([3, 3], "float64"), { seed: 1 });
    const r: Tensor<"float64"> = e.randn([2], { dtype: "float64" });
    const c: Tensor<"int32"> = e.init.constant(e.zeros([2], "int32"), 3);
    expect([w.dtype, r.dtype, c.dtype]).toEqual(["float64", "float64", "int32"]);
  });

  it("rejects bad input before drawing", async () => {
    const e = await load();
    const w = e.zeros([4, 4]);
    const before = arr(e.rand([4], { seed: 1 }));
    expect(() => e.init.xavierUniform(e.zeros([5]))).toThrow(
      "Cannot run init.xavierUniform as 'tensor' must have at least 2 dimensions to compute its fans " +
        "(or give 'fanIn' and 'fanOut'): shape is [5]",
    );
    expect(() => e.init.xavierNormal(e.zeros([5]), { fanIn: 3 })).toThrow("shape is [5]");
    expect(() => e.init.kaimingUniform(e.zeros([]))).toThrow(
      "Cannot run init.kaimingUniform as 'tensor' must have at least 2 dimensions",
    );
    expect(() => e.init.kaimingNormal(e.zeros([5]), { mode: "fanOut", fanIn: 3 })).toThrow("shape is [5]");
    expect(() => e.init.uniform(w, { low: 2, high: 1 })).toThrow(
      "Cannot run init.uniform as 'low' must be ≤ 'high': 'low' is 2, 'high' is 1",
    );
    expect(() => e.init.uniform(w, { low: NaN })).toThrow(
      "Cannot run init.uniform as 'low' must be a finite number: current value is NaN",
    );
    expect(() => e.init.uniform(w, { high: Infinity })).toThrow("'high' must be a finite number");
    expect(() => e.init.normal(w, { std: -1 })).toThrow(
      "Cannot run init.normal as 'std' must be ≥ 0: current value is -1",
    );
    expect(() => e.init.normal(w, { mean: NaN })).toThrow("'mean' must be a finite number: current value is NaN");
    expect(() => e.init.normal(w, { std: NaN })).toThrow("'std' must be a finite number: current value is NaN");
    expect(() => e.init.xavierUniform(w, { gain: NaN })).toThrow("'gain' must be a finite number");
    expect(() => e.init.xavierNormal(w, { gain: -1 })).toThrow("'gain' must be ≥ 0: current value is -1");
    expect(() => e.init.kaimingUniform(w, { a: NaN })).toThrow(
      "Cannot run init.kaimingUniform as 'a' must be a finite number: current value is NaN",
    );
    expect(() => e.init.constant(w, NaN)).toThrow(
      "Cannot run init.constant as 'value' must be a number that is not NaN: current value is NaN",
    );
    expect(() => e.init.constant(e.zeros([2], "int32"), Infinity)).toThrow(
      "'value' must be a finite number for an int32 tensor: current value is Infinity",
    );
    expect(() => e.init.constant(w, "1" as unknown as number)).toThrow('current value is "1"');
    expect(() => e.init.kaimingNormal(w, { mode: "fan_in" as "fanIn" })).toThrow(
      `Cannot run init.kaimingNormal as 'mode' must be "fanIn" or "fanOut": current value is "fan_in"`,
    );
    expect(() => e.init.kaimingUniform(w, { nonlinearity: "softplus" as "relu" })).toThrow(
      `Cannot run init.kaimingUniform as 'nonlinearity' must be one of "linear", "conv1d"`,
    );
    expect(() => e.init.calculateGain("swish" as "relu")).toThrow(
      `Cannot run calculateGain as 'nonlinearity' must be one of`,
    );
    const i32 = e.zeros([4, 4], "int32");
    expect(() => e.init.normal(i32 as never)).toThrow(
      "Cannot run init.normal as 'tensor' must have dtype float32 or float64: current dtype is int32 with shape [4, 4]",
    );
    expect(() => e.init.uniform(i32 as never)).toThrow("must have dtype float32 or float64");
    expect(() => e.init.kaimingUniform(i32 as never)).toThrow("must have dtype float32 or float64");
    expect(() => e.init.xavierNormal(i32 as never)).toThrow("must have dtype float32 or float64");
    const gone = e.zeros([3, 3]);
    gone.dispose();
    for (
      const f of [
        () => e.init.constant(gone, 1),
        () => e.init.uniform(gone),
        () => e.init.normal(gone),
        () => e.init.xavierUniform(gone),
        () => e.init.xavierNormal(gone),
        () => e.init.kaimingUniform(gone),
        () => e.init.kaimingNormal(gone),
      ]
    ) expect(f).toThrow("as 'tensor' is disposed: shape [3, 3]");
    expect(() => e.init.uniform(w, { seed: -1 })).toThrow(
      "Cannot run init.uniform as 'seed' must be an integer in [0, 2^53): current value is -1",
    );
    expect(() => e.init.xavierUniform(w, { fanIn: 0 })).toThrow(
      "Cannot run init.xavierUniform as 'fanIn' must be a positive integer: current value is 0",
    );
    expect(() => e.init.kaimingUniform(w, { fanOut: 2.5 })).toThrow("'fanOut' must be a positive integer");
    expect(() => e.init.normal(w, { sd: 1 } as never)).toThrow(
      "Cannot run init.normal as 'options' has an unknown key 'sd': known keys are mean, std, seed",
    );
    expect(() => e.init.kaimingNormal(w, { fan_in: 1 } as never)).toThrow(
      "known keys are a, mode, nonlinearity, seed, fanIn, fanOut",
    );
    expect(() => e.randn([2], { dtype: "int32" } as never)).toThrow(
      `Cannot run randn as 'dtype' must be float32 or float64: current value is "int32"`,
    );
    expect(() => e.rand([-1])).toThrow("Cannot run rand as 'shape' must be an array of non-negative integers");
    expect(() => e.rand([2], { seed: 0.5 })).toThrow("Cannot run rand as 'seed' must be an integer");
    expect(arr(w)).toEqual(new Array(16).fill(0));
    // No failed call drew from the engine's stream: the next unseeded draw is the first one.
    expect(arr(e.randn([3]))).toEqual(arr((await load()).randn([3])));
    expect(arr(e.rand([4], { seed: 1 }))).toEqual(before);
  });
});
