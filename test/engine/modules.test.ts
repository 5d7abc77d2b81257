// The embedded builds are separate dynamic imports: load() imports only the build it runs,
// none when given a module, and compiles each build once. The mocks pass the real modules
// through and record which ones were imported (Vitest isolates each test file's modules).
import { describe, expect, it, vi } from "vitest";
import { hasRelaxedSimd, load } from "../../src/mod.ts";
import { decodeBase64 } from "../../src/engine/base64.ts";
import { embeddedModule } from "../../src/engine/modules.ts";

const imported = vi.hoisted(() => [] as string[]);
vi.mock("../../src/engine/wasm/baseline.ts", async (actual) => {
  imported.push("baseline");
  return await actual();
});
vi.mock("../../src/engine/wasm/relaxed.ts", async (actual) => {
  imported.push("relaxed");
  return await actual();
});

describe("embedded builds", () => {
  // First in this file: nothing has imported a build yet.
  it("load({ module }) imports no embedded build", async () => {
    const { WASM_BASE64 } = await vi.importActual<{ WASM_BASE64: string }>("../../src/engine/wasm/baseline.ts");
    const e = await load({ module: await WebAssembly.compile(decodeBase64(WASM_BASE64)) });
    expect(e.build).toBe("baseline");
    expect(imported).toEqual([]);
  });

  it("load() imports only the build it runs", async () => {
    const e = await load();
    expect(e.build).toBe(hasRelaxedSimd() ? "relaxed" : "baseline");
    expect(imported).toEqual([e.build]);
  });

  it("compiles each build once and reuses the module", async () => {
    const a = await embeddedModule("baseline");
    expect(a).toBeInstanceOf(WebAssembly.Module);
    expect(await embeddedModule("baseline")).toBe(a);
    expect((await load({ simd: "baseline" })).build).toBe("baseline");
    if (hasRelaxedSimd()) expect(await embeddedModule("relaxed")).not.toBe(a);
    expect(imported.filter((b) => b === "baseline")).toEqual(["baseline"]);
  });
});
