// engine.parameters and engine.optim (SGD, Adam, AdamW) against torch.optim trajectories
// (tools/gen_optim_fixtures.py → test/fixtures/optim.json: parameters of odd sizes, fixed
// per-step gradients, a learning rate changed mid-run), through a ParameterStore (one kernel
// call per step) and through arrays of separate tensors; the state()/loadState() round trip;
// the FAU TestOptimizers2 port; errors.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { load, ParameterStore } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import golden from "../fixtures/optim.json" with { type: "json" };

const DTYPES = ["float32", "float64"] as const;
type Case = (typeof golden.cases)[number];
type Opt = ReturnType<Engine["optim"][keyof Engine["optim"]]>;
/** Kernel families: each optimizer's variants (sgdStep, sgdMomentumStep, …) share its prefix. */
type KernelFamily = "sgd" | "adam" | "rmspropStep" | "adagradStep" | "normPartial";
const KERNEL: Record<string, KernelFamily> = {
  sgd: "sgd",
  adam: "adam",
  adamw: "adam",
  rmsprop: "rmspropStep",
  adagrad: "adagradStep",
};

function make(e: Engine, c: Case, params: ParameterStore | Tensor[]): Opt {
  // deno-lint-ignore no-explicit-any
  const o = c.options as any;
  return e.optim[c.optim as keyof Engine["optim"]](params, o);
}

function close(got: ArrayLike<number>, want: number[], rel: number, abs: number, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (!(Math.abs(a - b) <= rel * Math.abs(b) + abs)) throw new Error(`${what}[${i}]: got ${a}, PyTorch ${b}`);
  }
}

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Counts calls of the f32/f64 kernels whose names start with `family` while `fn` runs. */
function countCalls(e: Engine, family: KernelFamily, fn: () => void): number {
  let calls = 0;
  const restore: (() => void)[] = [];
  for (const k of [e.runtime.kernels.f32, e.runtime.kernels.f64] as unknown as Record<string, unknown>[]) {
    for (const name of Object.keys(k).filter((n) => n.startsWith(family))) {
      const saved = k[name] as (...args: unknown[]) => unknown;
      k[name] = (...args: unknown[]) => {
        calls++;
        return saved(...args);
      };
      restore.push(() => (k[name] = saved));
    }
  }
  try {
    fn();
  } finally {
    for (const r of restore) r();
  }
  return calls;
}

// float32: PyTorch's CPU kernels round the same operations, but in other orders in places
// (vectorized vs. scalar tails); within 2.5 float32 ulps of the parameters' scale (about 1).
const TOL = { float64: { rel: 1e-14, abs: 1e-15 }, float32: { rel: 3e-7, abs: 3e-7 } };

for (const build of builds()) {
  describe(`optimizers (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: ParameterStore trajectories match torch.optim, one kernel call per step`, async () => {
        const e = await engineFor(build);
        for (const c of golden.cases) {
          const store = e.parameters(c.shapes, { dtype });
          store.slab.data.set(c.start);
          const opt = make(e, c, store);
          const kernel = KERNEL[c.optim];
          c.grads.forEach((g, t) => {
            opt.lr = c.lrs[t];
            store.gradSlab.data.set(g);
            expect(countCalls(e, kernel, () => opt.step())).toBe(1);
            const { rel, abs } = TOL[dtype];
            close(store.slab.data, c.results[dtype][t], rel, abs, `${c.name} ${dtype} step ${t + 1}`);
          });
          opt.dispose();
          store.dispose();
        }
      });

      it(`${dtype}: arrays of separate tensors match torch.optim, one kernel call per tensor`, async () => {
        const e = await engineFor(build);
        for (const c of golden.cases) {
          e.scope(() => {
            let at = 0;
            const params = c.shapes.map((s) => {
              const t = e.tensor(c.start.slice(at, at + sizeOf(s)), s, dtype);
              at += sizeOf(s);
              return t;
            });
            const opt = make(e, c, params);
            const kernel = KERNEL[c.optim];
            c.grads.forEach((g, t) => {
              opt.lr = c.lrs[t];
              let o = 0;
              const grads = c.shapes.map((s) => {
                const gt = e.tensor(g.slice(o, o + sizeOf(s)), s, dtype);
                o += sizeOf(s);
                return gt;
              });
              expect(countCalls(e, kernel, () => opt.step(grads))).toBe(params.length);
              const got = params.flatMap((p) => Array.from(p.data));
              const { rel, abs } = TOL[dtype];
              close(got, c.results[dtype][t], rel, abs, `${c.name} ${dtype} step ${t + 1}`);
            });
            expect(opt.steps).toBe(c.grads.length);
            opt.dispose();
          });
        }
      });

      it(`${dtype}: state() / loadState() continues the trajectory bit for bit`, async () => {
        const e = await engineFor(build);
        for (const c of golden.cases) {
          const run = (split: number | null): number[] => {
            let store = e.parameters(c.shapes, { dtype });
            store.slab.data.set(c.start);
            let opt = make(e, c, store);
            for (let t = 0; t < c.grads.length; t++) {
              if (t === split) {
                // A fresh store and optimizer from the saved values and state.
                const values = store.slab.toArray(), state = opt.state();
                opt.dispose();
                store.dispose();
                store = e.parameters(c.shapes, { dtype });
                store.slab.data.set(values);
                opt = make(e, c, store);
                opt.loadState(state);
                expect(opt.steps).toBe(split);
              }
              opt.lr = c.lrs[t];
              store.gradSlab.data.set(c.grads[t]);
              opt.step();
            }
            const out = Array.from(store.slab.data);
            opt.dispose();
            store.dispose();
            return out;
          };
          const whole = run(null);
          for (const split of [1, 3]) expect(run(split)).toEqual(whole);
        }
      });
    }

    it("state() holds the step count and copies of the state slabs, by PyTorch's names", async () => {
      const e = await engineFor(build);
      const store = e.parameters([[2], [3]], { dtype: "float64" });
      const opt = e.optim.adam(store, { amsgrad: true });
      store.gradSlab.data.set([1, 2, 3, 4, 5]);
      opt.step();
      const s = opt.state();
      expect(Object.keys(s).sort()).toEqual(["expAvg", "expAvgSq", "maxExpAvgSq", "step"]);
      expect(s.step).toBe(1);
      expect(Array.from(s.expAvg as Float64Array)).toEqual([1, 2, 3, 4, 5].map((g) => (1 - 0.9) * g));
      (s.expAvg as Float64Array)[0] = 99; // a copy
      expect(opt.state().expAvg).not.toContain(99);
      const rms = e.optim.rmsprop(store, { centered: true, momentum: 0.5 });
      expect(Object.keys(rms.state()).sort()).toEqual(["gradAvg", "momentumBuffer", "squareAvg", "step"]);
      const ada = e.optim.adagrad(store, { initialAccumulatorValue: 0.25 });
      expect(Array.from(ada.state().sum as Float64Array)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
      rms.dispose();
      ada.dispose();
      const sgd = e.optim.sgd(store, { lr: 0.1 });
      expect(sgd.state()).toEqual({ step: 0 });
      opt.dispose();
      sgd.dispose();
      store.dispose();
    });

    it("FAU TestOptimizers2: SGD, SGD with momentum, Adam", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const scalar = (v: number) => e.tensor([v], undefined, "float64");
        // Sgd(1.0): (1, 1) → 0, then (0, 1) → −1.
        const w = scalar(1);
        const sgd = e.optim.sgd([w], { lr: 1 });
        sgd.step([scalar(1)]);
        expect(w.data[0]).toBeCloseTo(0, 7);
        sgd.step([scalar(1)]);
        expect(w.data[0]).toBeCloseTo(-1, 7);
        // SgdWithMomentum(1.0, 0.9): (1, 1) → 0, then (0, 1) → −1.9.
        const wm = scalar(1);
        const mom = e.optim.sgd([wm], { lr: 1, momentum: 0.9 });
        mom.step([scalar(1)]);
        expect(wm.data[0]).toBeCloseTo(0, 7);
        mom.step([scalar(1)]);
        expect(wm.data[0]).toBeCloseTo(-1.9, 7);
        // Adam(1.0, 0.01, 0.02), eps 1e-8: (1, 1) → 0 (1 − 1/(1 + ε)), then (result, 0.5) → −0.9814473195614205.
        const wa = scalar(1);
        const adam = e.optim.adam([wa], { lr: 1, betas: [0.01, 0.02], eps: 1e-8 });
        adam.step([scalar(1)]);
        expect(wa.data[0]).toBeCloseTo(0, 7);
        expect(wa.data[0]).toBeCloseTo(1e-8, 15);
        adam.step([scalar(0.5)]);
        expect(wa.data[0]).toBeCloseTo(-0.9814473195614205, 7);
        for (const o of [sgd, mom, adam]) o.dispose();
      });
    });
  });
}

describe("ParameterStore", () => {
  it("lays the parameters out back to back, gradients in a parallel slab; zeroGrad clears them", async () => {
    const e = await engineFor("baseline");
    const store = e.parameters([[3], [2, 5], [7, 1, 3]]);
    expect(store).toBeInstanceOf(ParameterStore);
    expect(store.dtype).toBe("float32");
    expect(store.slab.shape).toEqual([34]);
    expect(store.gradSlab.shape).toEqual([34]);
    expect(store.params.map((p) => p.shape)).toEqual([[3], [2, 5], [7, 1, 3]]);
    expect(store.grads.map((p) => p.shape)).toEqual([[3], [2, 5], [7, 1, 3]]);
    expect(store.params.map((p) => p.offset - store.slab.offset)).toEqual([0, 3, 13]);
    expect(store.params.every((p) => p.storage === store.slab.storage)).toBe(true);
    expect(store.grads.every((g) => g.storage === store.gradSlab.storage)).toBe(true);
    expect(Array.from(store.slab.data).every((v) => v === 0)).toBe(true);
    store.params[1].data.fill(2);
    expect(Array.from(store.slab.data.slice(3, 13))).toEqual(new Array(10).fill(2));
    store.grads[2].data.fill(3);
    store.zeroGrad();
    expect(Array.from(store.gradSlab.data).every((v) => v === 0)).toBe(true);
    store.dispose();
    expect(store.disposed).toBe(true);
    expect(() => store.zeroGrad()).toThrow(/Cannot run zeroGrad as 'store' is disposed/);
  });

  it("outlives the scope it was made in; dispose frees it all", async () => {
    const e = await load();
    const before = e.memoryStats();
    const { store, opt } = e.scope(() => {
      const store = e.parameters([[4], [5]], { dtype: "float64" });
      return { store: store, opt: e.optim.adam(store) };
    });
    expect(store.slab.disposed).toBe(false);
    store.gradSlab.data.fill(1);
    opt.step();
    opt.dispose();
    store.dispose();
    expect(e.memoryStats().tensorsLive).toBe(before.tensorsLive);
    expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
  });

  it("rejects bad shapes, dtypes and options", async () => {
    const e = await engineFor("baseline");
    expect(() => e.parameters(3 as never)).toThrow(/Cannot run parameters as 'shapes' must be an array of shapes/);
    expect(() => e.parameters([[2, -1]])).toThrow(/'shapes\[0\]' must be an array of non-negative integers/);
    expect(() => e.parameters([[2]], { dtype: "int32" as never })).toThrow(/'dtype' must be float32 or float64/);
    expect(() => e.parameters([[2]], { size: 2 } as never)).toThrow(/'options' has an unknown key 'size'/);
  });
});

describe("optimizer errors", () => {
  it("reject bad hyper-parameters, naming the argument", async () => {
    const e = await engineFor("baseline");
    const p = [e.tensor([1, 2])];
    const bad: [() => unknown, RegExp][] = [
      [
        () => e.optim.sgd(p, {} as never),
        /Cannot run sgd as 'lr' must be a non-negative number: current value is undefined/,
      ],
      [
        () => e.optim.sgd(p, { lr: -0.1 }),
        /Cannot run sgd as 'lr' must be a non-negative number: current value is -0.1/,
      ],
      [() => e.optim.sgd(p, { lr: NaN }), /'lr' must be a non-negative number: current value is NaN/],
      [() => e.optim.sgd(p, { lr: 0.1, momentum: -1 }), /Cannot run sgd as 'momentum' must be a non-negative/],
      [() => e.optim.sgd(p, { lr: 0.1, nesterov: true }), /'nesterov' requires a momentum and zero dampening/],
      [
        () => e.optim.sgd(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
        /'nesterov' requires a momentum and zero dampening: momentum is 0.9, dampening is 0.1/,
      ],
      [() => e.optim.sgd(p, { lr: 0.1, weightDecay: -1 }), /'weightDecay' must be a non-negative number/],
      [() => e.optim.sgd(p, { lr: 0.1, nesterov: 1 } as never), /'nesterov' must be a boolean/],
      [() => e.optim.sgd(p, { lr: 0.1, lr2: 1 } as never), /'options' has an unknown key 'lr2'/],
      [() => e.optim.adam(p, { betas: [0.9, 1] }), /Cannot run adam as 'betas' must be two numbers in \[0, 1\)/],
      [() => e.optim.adam(p, { betas: [-0.1, 0.9] }), /'betas' must be two numbers in \[0, 1\)/],
      [() => e.optim.adam(p, { betas: [0.9] as never }), /'betas' must be two numbers/],
      [() => e.optim.adam(p, { eps: 0 }), /Cannot run adam as 'eps' must be a positive number: current value is 0/],
      [() => e.optim.adamw(p, { eps: -1 }), /Cannot run adamw as 'eps' must be a positive number/],
      [() => e.optim.adamw(p, { lr: -1 }), /Cannot run adamw as 'lr' must be a non-negative number/],
      [() => e.optim.rmsprop(p, { alpha: -0.5 }), /Cannot run rmsprop as 'alpha' must be a non-negative number/],
      [() => e.optim.rmsprop(p, { eps: 0 }), /Cannot run rmsprop as 'eps' must be a positive number/],
      [() => e.optim.rmsprop(p, { centered: "yes" } as never), /Cannot run rmsprop as 'centered' must be a boolean/],
      [() => e.optim.adagrad(p, { lrDecay: -1 }), /Cannot run adagrad as 'lrDecay' must be a non-negative number/],
      [
        () => e.optim.adagrad(p, { initialAccumulatorValue: NaN }),
        /'initialAccumulatorValue' must be a non-negative number: current value is NaN/,
      ],
      [() => e.optim.adagrad(p, { eps: -1 }), /Cannot run adagrad as 'eps' must be a positive number/],
      [() => e.optim.adam([]), /'params' must be a ParameterStore or a non-empty array of tensors/],
      [() => e.optim.adam([e.tensor([1]), e.tensor([1], undefined, "float64")]), /'params\[1\]' must have the dtype/],
      [() => e.optim.adam([e.tensor([1], undefined, "int32")]), /'params\[0\]' must have dtype float32 or float64/],
    ];
    const live = e.memoryStats().tensorsLive;
    for (const [fn, re] of bad) expect(fn).toThrow(re);
    expect(e.memoryStats().tensorsLive).toBe(live + 3); // only the tensors made in the calls
  });

  it("bad gradients, a bad lr or disposed parameters leave parameters and state untouched", async () => {
    const e = await engineFor("baseline");
    e.scope(() => {
      const a = e.tensor([1, 2, 3], undefined, "float64"), b = e.tensor([4, 5], [2, 1], "float64");
      const opt = e.optim.sgd([a, b], { lr: 0.1, momentum: 0.9 });
      const ga = e.tensor([1, 1, 1], undefined, "float64"), gb = e.tensor([1, 1], [2, 1], "float64");
      opt.step([ga, gb]);
      const values = [a.toArray(), b.toArray()], state = opt.state();
      const untouched = () => {
        expect([a.toArray(), b.toArray()]).toEqual(values);
        expect(opt.state()).toEqual(state);
      };
      expect(() => opt.step([ga])).toThrow(/Cannot run sgd.step as 'grads' must be an array of 2 tensors/);
      expect(() => opt.step()).toThrow(/'grads' must be an array of 2 tensors, one per parameter/);
      expect(() => opt.step([ga, e.tensor([1, 1], [2], "float64")])).toThrow(
        /'grads\[1\]' must have the shape and dtype of 'params\[1\]' \(\[2, 1\], float64\): current value has \[2\]/,
      );
      expect(() => opt.step([ga, e.tensor([1, 1], [2, 1])])).toThrow(/'grads\[1\]' must have the shape and dtype/);
      expect(() => (opt.lr = -1)).toThrow(/Cannot run sgd.lr as 'lr' must be a non-negative number/);
      expect(() => (opt.lr = NaN)).toThrow(/'lr' must be a non-negative number: current value is NaN/);
      expect(opt.lr).toBe(0.1);
      expect(() => opt.loadState({ step: -1 } as never)).toThrow(/'state.step' must be a non-negative integer/);
      expect(() => opt.loadState({ step: 1, momentumBuffer: [1] })).toThrow(
        /'state.momentumBuffer' must be an array of 5 numbers: it has 1/,
      );
      expect(() => opt.loadState({ step: 1, expAvg: [1] })).toThrow(/'options' has an unknown key 'expAvg'/);
      untouched();
      b.dispose();
      expect(() => opt.step([ga, gb])).toThrow(/Cannot run sgd.step as 'params\[1\]' is disposed/);
      expect(a.toArray()).toEqual(values[0]);
      opt.dispose();
      expect(() => opt.step([ga, gb])).toThrow(/Cannot run sgd.step as 'optimizer' is disposed/);
      expect(() => opt.state()).toThrow(/'optimizer' is disposed/);
    });
  });

  it("a store's step takes no gradients; a disposed store is refused", async () => {
    const e = await engineFor("baseline");
    const store = e.parameters([[2]]);
    const opt = e.optim.adamw(store);
    expect(() => opt.step([store.grads[0]])).toThrow(/Cannot run adamw.step as 'grads' must be omitted/);
    store.dispose();
    expect(() => opt.step()).toThrow(/Cannot run adamw.step as 'params' is disposed/);
    expect(() => e.optim.sgd(store, { lr: 1 })).toThrow(/Cannot run sgd as 'params' is disposed/);
    opt.dispose();
  });
});

describe("clipGradNorm", () => {
  for (const build of builds()) {
    for (const dtype of DTYPES) {
      it(`${build} ${dtype}: total norm and clipped gradients match clip_grad_norm_`, async () => {
        const e = await engineFor(build);
        const { rel, abs } = TOL[dtype];
        for (const c of golden.clip) {
          const normType = c.normType === "inf" ? Infinity : (c.normType as number);
          const r = c.results[dtype];
          const tol = (x: number) => rel * Math.abs(x) + 1e-300;
          // As separate tensors, one reduction and one scale call each.
          e.scope(() => {
            let at = 0;
            const gs = c.shapes.map((s) => {
              const t = e.tensor(c.grads.slice(at, at + sizeOf(s)), s, dtype);
              at += sizeOf(s);
              return t;
            });
            const total = e.clipGradNorm(gs, c.maxNorm, { normType });
            expect(Math.abs(total - r.total)).toBeLessThanOrEqual(tol(r.total));
            close(gs.flatMap((g) => Array.from(g.data)), r.grads, rel, abs * 1e-6, `clip ${c.maxNorm} ${c.normType}`);
          });
          // As a store: its gradient slab.
          const store = e.parameters(c.shapes, { dtype });
          store.gradSlab.data.set(c.grads);
          const calls = countCalls(e, "normPartial", () => e.clipGradNorm(store, c.maxNorm, { normType }));
          expect(calls).toBe(1);
          close(store.gradSlab.data, r.grads, rel, abs * 1e-6, `clip store ${c.maxNorm} ${c.normType}`);
          store.dispose();
        }
      });
    }
  }

  it("handles no gradients, NaN, and rejects bad input leaving the gradients untouched", async () => {
    const e = await engineFor("baseline");
    e.scope(() => {
      expect(e.clipGradNorm([], 1)).toBe(0);
      const g = e.tensor([3, 4], undefined, "float64");
      expect(e.clipGradNorm(g, 10)).toBe(5);
      expect(Array.from(g.data)).toEqual([3, 4]);
      const n = e.tensor([1, NaN]);
      expect(e.clipGradNorm([n], 1)).toBeNaN();
      expect(Number.isNaN(n.data[0])).toBe(true); // scaled by NaN, as PyTorch does
      const bad: [() => unknown, RegExp][] = [
        [() => e.clipGradNorm(g, -1), /Cannot run clipGradNorm as 'maxNorm' must be a non-negative number/],
        [() => e.clipGradNorm(g, NaN), /'maxNorm' must be a non-negative number: current value is NaN/],
        [() => e.clipGradNorm(g, 1, { normType: 1 }), /Cannot run clipGradNorm as 'normType' must be 2 or Infinity/],
        [() => e.clipGradNorm(g, 1, { p: 2 } as never), /'options' has an unknown key 'p'/],
        [() => e.clipGradNorm([g, e.tensor([1])], 1), /'grads\[1\]' must have the dtype of 'grads\[0\]'/],
        [() => e.clipGradNorm(3 as never, 1), /'grads' must be a ParameterStore, a tensor or an array of tensors/],
        [
          () => e.clipGradNorm([e.tensor([Infinity, 1], undefined, "float64"), g], 1, { errorIfNonfinite: true }),
          /'grads' must have a finite total norm with errorIfNonfinite: the total norm of order 2 is Infinity/,
        ],
      ];
      for (const [fn, re] of bad) expect(fn).toThrow(re);
      expect(Array.from(g.data)).toEqual([3, 4]);
      const d = e.tensor([1]);
      d.dispose();
      expect(() => e.clipGradNorm([d], 1)).toThrow(/Cannot run clipGradNorm as 'grads\[0\]' is disposed/);
    });
  });
});
