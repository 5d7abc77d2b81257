// Printing: String(t) and console.log(t) match PyTorch's printer (golden strings from
// tools/gen_print_fixtures.py, made by torch's own _tensor_str with simdnn's dtype/shape suffixes).
import { describe, expect, it } from "vitest";
import { type DType, load } from "../../src/mod.ts";
import golden from "../fixtures/print.json" with { type: "json" };

const num = (
  v: number | string,
): number => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity);

describe("printing tensors as PyTorch does", () => {
  for (const c of golden.cases) {
    it(c.name, async () => {
      const e = await load({ simd: "baseline" });
      const t = e.tensor(c.values.map(num), c.shape, c.dtype as DType);
      expect(String(t)).toBe(c.expected);
      expect(`${t}`).toBe(c.expected);
    });
  }

  it("console.log shows the values in Node and Deno; a disposed tensor says so", async () => {
    const e = await load({ simd: "baseline" });
    const t = e.tensor([1, 2], [2]);
    const g = globalThis as { Deno?: { inspect(v: unknown): string } };
    if (g.Deno) {
      expect(g.Deno.inspect(t)).toBe("tensor([1., 2.], dtype=float32, shape=[2])");
    } else if (typeof (globalThis as { process?: unknown }).process === "object" && !("window" in globalThis)) {
      const name = "node:util"; // indirect: the browser bundle must not resolve it
      const util = (await import(/* @vite-ignore */ name)) as typeof import("node:util");
      expect(util.inspect(t)).toBe("tensor([1., 2.], dtype=float32, shape=[2])");
    }
    t.dispose();
    expect(String(t)).toBe("tensor(<disposed>, dtype=float32, shape=[2])");
  });
});
