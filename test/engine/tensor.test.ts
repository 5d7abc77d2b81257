import { describe, expect, it } from "vitest";
import { load, Tensor } from "../../src/mod.ts";

describe("engine.tensor", () => {
  it("creates tensors of each dtype with data, zeros, or a typed array", async () => {
    const e = await load({ simd: "baseline" });
    const a = e.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(a).toBeInstanceOf(Tensor);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe("float32");
    expect(a.size).toBe(6);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const z = e.zeros([4], "float64");
    expect(z.data).toBeInstanceOf(Float64Array);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0]);
    const i = e.tensor(new Int32Array([7, -8, 9]), [3], "int32");
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i.toArray())).toEqual([7, -8, 9]);
    const s = e.tensor([42], []);
    expect(s.size).toBe(1);
    expect(s.data[0]).toBe(42);
    const empty = e.zeros([0, 5]);
    expect(empty.size).toBe(0);
    expect(empty.data.length).toBe(0);
    expect(String(a)).toBe("tensor([[1., 2., 3.],\n        [4., 5., 6.]], dtype=float32, shape=[2, 3])");
  });

  it("shape is a frozen copy", async () => {
    const e = await load({ simd: "baseline" });
    const shape = [2, 2];
    const t = e.zeros(shape);
    shape[0] = 5;
    expect(t.shape).toEqual([2, 2]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it("data writes go to wasm memory; toArray copies", async () => {
    const e = await load({ simd: "baseline" });
    const t = e.tensor([1, 2, 3], [3]);
    t.data[1] = 20;
    const copy = t.toArray();
    copy[0] = 100;
    expect(Array.from(t.data)).toEqual([1, 20, 3]);
    const r = e.relu(t);
    expect(Array.from(r.data)).toEqual([1, 20, 3]);
  });

  it("keeps data valid across memory growth and re-creates views", async () => {
    const e = await load({ simd: "baseline", initialMemoryBytes: 65536 });
    const t = e.tensor(Float32Array.from({ length: 1000 }, (_, i) => i), [1000]);
    const staleView = t.data;
    const before = e.memoryStats().bytesReserved;
    const big = e.zeros([4, 1 << 20]); // 16 MiB forces growth
    expect(e.memoryStats().bytesReserved).toBeGreaterThan(before);
    // The old view is detached by growth (length 0), unless the memory is shared (threads: an
    // old SharedArrayBuffer stays valid); t.data is a fresh, valid view.
    expect(staleView.length).toBe(e.runtime.memory.buffer instanceof ArrayBuffer ? 0 : 1000);
    expect(t.data.length).toBe(1000);
    expect(t.data[999]).toBe(999);
    const y = e.scale(t, 2); // kernels see the data after growth too
    expect(y.data[500]).toBe(1000);
    big.dispose();
  });

  it("disposal is idempotent and later use throws", async () => {
    const e = await load({ simd: "baseline" });
    const t = e.zeros([2, 2]);
    t.dispose();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(() => t.data).toThrow("Cannot read data of a disposed tensor of shape [2, 2]");
    expect(() => e.relu(t)).toThrow("Cannot run relu as 'x' is disposed: shape [2, 2]");
    expect(() => e.matmul(t, t)).toThrow("Cannot run matmul as 'a' is disposed: shape [2, 2]");
    expect(String(t)).toBe("tensor(<disposed>, dtype=float32, shape=[2, 2])");
  });

  it("rejects tensors of another engine", async () => {
    const e1 = await load({ simd: "baseline" }), e2 = await load({ simd: "baseline" });
    const t = e1.zeros([2]);
    expect(() => e2.relu(t)).toThrow("Cannot run relu as 'x' belongs to another engine: shape [2]");
  });

  it("validates shape, values and dtype before allocating", async () => {
    const e = await load({ simd: "baseline" });
    const before = e.memoryStats();
    expect(() => e.zeros([2, -1])).toThrow(
      "Cannot run zeros as 'shape' must be an array of non-negative integers: current value is [2, -1]",
    );
    expect(() => e.ones([2.5])).toThrow(
      "Cannot run ones as 'shape' must be an array of non-negative integers: current value is [2.5]",
    );
    expect(() => e.full([NaN], 1)).toThrow(
      "Cannot run full as 'shape' must be an array of non-negative integers: current value is [NaN]",
    );
    expect(() => e.zeros(3 as unknown as number[])).toThrow(
      "Cannot run zeros as 'shape' must be an array of non-negative integers: current value is 3",
    );
    expect(() => e.full([2], "1" as unknown as number)).toThrow(
      "Cannot run full as 'value' must be a number: current value is \"1\"",
    );
    expect(() => e.tensor([1, 2, 3], [2, 2])).toThrow(
      "Cannot run tensor as 'shape' must hold the 3 values: shape [2, 2] has 4 elements, 'values' has shape [3]; " +
        "engine.tensor takes the values first: tensor(values, shape?, dtype?); engine.zeros(shape) makes zeros",
    );
    expect(() => e.tensor([1, "x"] as unknown as number[])).toThrow(
      "Cannot run tensor as 'values' must hold only numbers, nested to one depth: values[1] is \"x\"",
    );
    expect(() => e.tensor([1, 2], [2], "float16" as "float32")).toThrow(
      "Cannot run tensor as 'dtype' must be one of float32, float64, int32: current value is \"float16\"",
    );
    expect(() => e.zeros([2 ** 30, 2 ** 30])).toThrow(
      "Cannot run zeros as 'shape' has too many elements: [1073741824, 1073741824]",
    );
    expect(e.memoryStats()).toEqual(before);
  });

  it("takes values first, as tf.tensor and torch.tensor: nested arrays, flat arrays, typed arrays, numbers", async () => {
    const e = await load({ simd: "baseline" });
    const m = e.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(m.shape).toEqual([2, 3]);
    expect(m.dtype).toBe("float32");
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const cube = e.tensor([[[1], [2]], [[3], [4]]], undefined, "float64");
    expect(cube.shape).toEqual([2, 2, 1]);
    expect(cube.data).toBeInstanceOf(Float64Array);
    expect(e.tensor([1, 2, 3]).shape).toEqual([3]);
    expect(e.tensor([]).shape).toEqual([0]);
    expect(e.tensor([[], []]).shape).toEqual([2, 0]);
    expect(e.tensor([[1, 2], [3, 4]], [4]).shape).toEqual([4]); // nested values, another shape of the same size
    const s = e.tensor(2.5);
    expect(s.shape).toEqual([]);
    expect(s.data[0]).toBe(2.5);
    expect(e.tensor(3, [1, 1]).shape).toEqual([1, 1]);
    // The dtype follows a typed array unless given.
    expect(e.tensor(new Float64Array([1, 2])).dtype).toBe("float64");
    expect(e.tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(e.tensor(new Uint8Array([1, 255])).dtype).toBe("int32");
    expect(e.tensor(new Float32Array([1, 2])).dtype).toBe("float32");
    expect(e.tensor(new Float64Array([1.5, 2]), [2], "float32").dtype).toBe("float32");
    expect(Array.from(e.tensor([1.9, -1.9], [2], "int32").data)).toEqual([1, -1]); // truncated, as torch
    // zeros, ones, full.
    expect(Array.from(e.zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(e.ones([3], "int32").data)).toEqual([1, 1, 1]);
    expect(e.ones([3], "int32").dtype).toBe("int32");
    expect(Array.from(e.full([2], Infinity, "float64").data)).toEqual([Infinity, Infinity]);
  });

  it("rejects ragged values naming the dimension, and the old shape-first call with the new form", async () => {
    const e = await load({ simd: "baseline" });
    const before = e.memoryStats();
    expect(() => e.tensor([[1, 2], [3]])).toThrow(
      "Cannot run tensor as 'values' is ragged: dimension 1 must have length 2 everywhere: values[0] has 2 entries " +
        "but values[1] has 1",
    );
    expect(() => e.tensor([[[1, 2]], [[3, 4], [5, 6]]])).toThrow(
      "Cannot run tensor as 'values' is ragged: dimension 1 must have length 1 everywhere: values[0] has 1 entries " +
        "but values[1] has 2",
    );
    expect(() => e.tensor([[1, 2], 3] as never)).toThrow(
      "Cannot run tensor as 'values' is ragged: dimension 1 must have length 2 everywhere: values[0] has 2 entries " +
        "but values[1] is 3",
    );
    expect(() => e.tensor([1, [2]] as never)).toThrow(
      "Cannot run tensor as 'values' must hold only numbers, nested to one depth: values[1] is an array",
    );
    // eslint-disable-next-line no-sparse-arrays
    expect(() => e.tensor([1, , 3] as never)).toThrow(
      "Cannot run tensor as 'values' must not have holes: values[1] is empty",
    );
    expect(() => e.tensor("1, 2" as never)).toThrow(
      "Cannot run tensor as 'values' must be a number, nested arrays of numbers, or a typed array: current value is \"1, 2\"",
    );
    // The old forms: tensor(shape, data) and tensor(shape, null, dtype) fail, telling the new one.
    expect(() => e.tensor([2, 3], [1, 2, 3, 4, 5, 6])).toThrow(
      "Cannot run tensor as 'shape' must hold the 2 values: shape [1, 2, 3, 4, 5, 6] has 720 elements, " +
        "'values' has shape [2]; engine.tensor takes the values first",
    );
    expect(() => e.tensor([2, 2], null as never, "float64")).toThrow(
      "Cannot run tensor as 'shape' must be an array or undefined: current value is null; engine.tensor takes the values " +
        "first: tensor(values, shape?, dtype?); engine.zeros(shape) makes zeros",
    );
    expect(e.memoryStats()).toEqual(before);
  });
});

describe("engine.scope", () => {
  it("frees everything but the returned tensors, through nested containers", async () => {
    const e = await load({ simd: "baseline" });
    const x = e.tensor([-1, 2, -3, 4], [4]);
    const base = e.memoryStats();
    const out = e.scope(() => {
      const a = e.scale(x, 2);
      const b = e.relu(a);
      const c = e.add(a, b);
      return { c, list: [b], note: "kept" };
    });
    expect(e.memoryStats().tensorsLive).toBe(base.tensorsLive + 2);
    expect(Array.from(out.c.data)).toEqual([-2, 8, -6, 16]);
    expect(out.list[0].disposed).toBe(false);
    expect(x.disposed).toBe(false); // created outside: untouched
    out.c.dispose();
    out.list[0].dispose();
    expect(e.memoryStats()).toMatchObject({ tensorsLive: base.tensorsLive, bytesLive: base.bytesLive });
  });

  it("nests: a returned tensor belongs to the enclosing scope", async () => {
    const e = await load({ simd: "baseline" });
    const base = e.memoryStats().tensorsLive;
    let inner: Tensor | undefined;
    e.scope(() => {
      inner = e.scope(() => e.tensor([1, 2], [2]));
      expect(inner.disposed).toBe(false);
      return null;
    });
    expect(inner!.disposed).toBe(true);
    expect(e.memoryStats().tensorsLive).toBe(base);
  });

  it("frees everything when fn throws, and rethrows", async () => {
    const e = await load({ simd: "baseline" });
    const base = e.memoryStats();
    expect(() =>
      e.scope(() => {
        e.zeros([100]);
        throw new Error("boom");
      })
    ).toThrow("boom");
    expect(e.memoryStats()).toMatchObject({ tensorsLive: base.tensorsLive, bytesLive: base.bytesLive });
  });

  it("rejects async functions and non-functions", async () => {
    const e = await load({ simd: "baseline" });
    const base = e.memoryStats().tensorsLive;
    expect(() =>
      e.scope(() => {
        e.zeros([1]);
        return Promise.resolve(1);
      })
    ).toThrow("Cannot run scope as 'fn' returned a Promise: scope() takes a synchronous function");
    expect(e.memoryStats().tensorsLive).toBe(base);
    expect(() => e.scope(5 as unknown as () => void)).toThrow(
      "Cannot run scope as 'fn' must be a function: current value is 5",
    );
  });

  it("a tensor disposed by hand inside a scope is fine", async () => {
    const e = await load({ simd: "baseline" });
    const base = e.memoryStats().tensorsLive;
    e.scope(() => {
      e.zeros([3]).dispose();
    });
    expect(e.memoryStats().tensorsLive).toBe(base);
  });
});

describe("memory limits", () => {
  it("out of memory is a clear error naming the op; the engine stays usable", async () => {
    const e = await load({ simd: "baseline", maxMemoryBytes: 4 << 20, initialMemoryBytes: 1 << 20 });
    const keep = e.zeros([128, 1024]); // 512 KiB
    expect(() => e.zeros([1024, 1024])).toThrow(
      /^Cannot run zeros as the engine is out of memory: the output needs 4194304 bytes with 524288 in use and a limit of 4194304$/,
    );
    const stats = e.memoryStats();
    // Output fits, scratch does not: the op frees its output and reports the scratch.
    const a = e.zeros([512, 1024]); // 2 MiB; the 1 MiB output fits, the ~600 KB GEMM workspace does not
    const before = e.memoryStats();
    expect(() => e.matmul(a, a, { transB: true })).toThrow(
      /^Cannot run matmul as the engine is out of memory: scratch needs \d+ bytes with \d+ in use and a limit of 4194304$/,
    );
    expect(e.memoryStats()).toMatchObject({ tensorsLive: before.tensorsLive, bytesLive: before.bytesLive });
    a.dispose();
    expect(e.memoryStats().tensorsLive).toBe(stats.tensorsLive);
    // Still usable.
    const m = e.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(e.matmul(m, m).data)).toEqual([7, 10, 15, 22]);
    keep.dispose();
  });
});
