// Type-level test of the public API as a consumer sees it: it passes only if it compiles.
// Checked by `npm run typecheck` (tsc, test/tsconfig.json, against src/) and by
// tools/package-test.mjs in a fresh project outside the repo, with the import below
// rewritten: tsc (NodeNext and Bundler resolution, no skipLibCheck) against the installed
// npm tarball's .d.ts, and `deno check` under Deno's default libs through `npm:simdnn` and
// through the path of src/mod.ts. Each `@ts-expect-error` line must stay an error: if a type
// widened (say to `any` or to a union of dtypes), the directive itself fails to compile.
// Never executed.
import { type Engine, load, type Tensor, type TensorData } from "../../src/mod.ts";

export async function typeChecks(): Promise<void> {
  const e: Engine = await load({ simd: "baseline" });

  // float32 by default; ops keep the dtype of their operands in the result type.
  const x = e.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w = e.ones([1, 1, 2, 2]);
  const y = e.conv2d(x, w);
  const yData: Float32Array = y.data;
  const yTensor: Tensor<"float32"> = y;
  // @ts-expect-error a float32 result is not a Float64Array
  const yWrong: Float64Array = y.data;
  const m: Float32Array = e.matmul(e.tensor([[1, 2]]), e.tensor([[3], [4]])).toArray();
  const r: Float32Array = e.relu(e.add(x, x)).data;

  // The dtype of a typed array, or the one given, carries through.
  const f64 = e.tensor(new Float64Array(4), [2, 2]);
  const f64Data: Float64Array = f64.data;
  const f64Product: Float64Array = e.matmul(f64, f64).data;
  // @ts-expect-error a float64 tensor's data is not a Float32Array
  const f64Wrong: Float32Array = f64.data;
  const i32: Int32Array = e.tensor(new Int32Array([1, 2]), [2]).data;
  const z64: Float64Array = e.zeros([2, 3], "float64").data;
  const full64: Float64Array = e.full([2], 0.5, "float64").toArray();

  // Gradients have the operands' dtype; skipped ones are typed nullable.
  const xg = e.tensor(new Float64Array(9), [1, 1, 3, 3]);
  const wg = e.ones([1, 1, 2, 2], "float64");
  const g = e.conv2dBackward(e.conv2d(xg, wg), xg, wg);
  const dw: Tensor<"float64"> | null = g.dw;
  // @ts-expect-error dx may be null (skipped through `needs`)
  const dxData: Float64Array = g.dx.data;

  // Any tensor's data is one of the three views.
  const any: TensorData = (e.tensor([1]) as Tensor).data;

  // @ts-expect-error options are checked: there is no `simd: "fast"`
  await load({ simd: "fast" });

  void [yData, yTensor, yWrong, m, r, f64Data, f64Product, f64Wrong, i32, z64, full64, dw, dxData, any];
}
