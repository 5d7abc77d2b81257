import { describe, expect, it } from "vitest";
import { hasRelaxedSimd, load } from "../../src/mod.ts";
import { decodeBase64 } from "../../src/engine/base64.ts";
import { WASM_BASE64 as BASELINE } from "../../src/engine/wasm/baseline.ts";
import { WASM_BASE64 as RELAXED } from "../../src/engine/wasm/relaxed.ts";
import { builds } from "../_util/engines.ts";

describe("load", () => {
  it("auto picks relaxed exactly when the host supports it", async () => {
    const e = await load();
    expect(e.build).toBe(hasRelaxedSimd() ? "relaxed" : "baseline");
  });

  it("forces each supported build", async () => {
    for (const b of builds()) expect((await load({ simd: b })).build).toBe(b);
  });

  it("accepts a caller-provided WebAssembly.Module and reads its build from it", async () => {
    const base = new WebAssembly.Module(decodeBase64(BASELINE));
    const e = await load({ module: base });
    expect(e.build).toBe("baseline");
    const a = e.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(e.matmul(a, a).data)).toEqual([7, 10, 15, 22]);
    await expect(load({ module: base, simd: "relaxed" })).rejects.toThrow(
      hasRelaxedSimd()
        ? "Cannot load as 'simd' is \"relaxed\" but the given module is the baseline build"
        : /Cannot load as 'simd' is "relaxed" but this runtime does not support relaxed SIMD/,
    );
    if (hasRelaxedSimd()) {
      const rel = new WebAssembly.Module(decodeBase64(RELAXED));
      expect((await load({ module: rel })).build).toBe("relaxed");
    }
  });

  it("rejects bad options with clear errors", async () => {
    await expect(load({ simd: "avx" as "baseline" })).rejects.toThrow(
      'Cannot load as \'simd\' must be "auto", "baseline" or "relaxed": current value is "avx"',
    );
    await expect(load({ maxMemoryBytes: 100 })).rejects.toThrow(
      "Cannot load as 'maxMemoryBytes' must be an integer from 65536 to 4294967296: current value is 100",
    );
    await expect(load({ maxMemoryBytes: 1 << 20, initialMemoryBytes: 2 << 20 })).rejects.toThrow(
      "Cannot load as 'initialMemoryBytes' must be an integer from 0 to maxMemoryBytes (1048576): current value is 2097152",
    );
    await expect(load({ module: new Uint8Array(4) as unknown as WebAssembly.Module })).rejects.toThrow(
      "Cannot load as 'module' must be a WebAssembly.Module: current value is a Uint8Array",
    );
    await expect(load(7 as unknown as object)).rejects.toThrow(
      "Cannot load as 'options' must be an object: current value is 7",
    );
    await expect(load({ simdd: 1 } as never)).rejects.toThrow(
      "Cannot load as 'options' has an unknown key 'simdd': known keys are simd, module, maxMemoryBytes, " +
        "initialMemoryBytes, gemmVariant, warmup, warmupMs, seed",
    );
    await expect(load({ seed: -1 })).rejects.toThrow(
      "Cannot load as 'seed' must be an integer in [0, 2^53): current value is -1",
    );
    await expect(load({ seed: 1.5 })).rejects.toThrow("current value is 1.5");
    await expect(load({ seed: "7" as unknown as number })).rejects.toThrow('current value is "7"');
    await expect(load({ warmupMs: -1 })).rejects.toThrow(
      "Cannot load as 'warmupMs' must be a number of milliseconds from 0 to 1000: current value is -1",
    );
    await expect(load({ warmupMs: NaN })).rejects.toThrow("current value is NaN");
    await expect(load({ warmup: 1 as unknown as boolean })).rejects.toThrow(
      "Cannot load as 'warmup' must be a boolean: current value is 1",
    );
    await expect(load({ maxMemoryBytes: NaN })).rejects.toThrow(
      "Cannot load as 'maxMemoryBytes' must be an integer from 65536 to 4294967296: current value is NaN",
    );
    await expect(load({ initialMemoryBytes: Infinity })).rejects.toThrow(
      "Cannot load as 'initialMemoryBytes' must be an integer from 0 to maxMemoryBytes (4294967296): current value is Infinity",
    );
  });

  it("rejects a module that is not a simdnn build, naming the missing export", async () => {
    // A valid module that imports a memory but exports none of the kernels.
    const bytes = new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00, // magic, version
      0x02,
      0x0f,
      0x01,
      0x03,
      0x65,
      0x6e,
      0x76,
      0x06,
      0x6d,
      0x65,
      0x6d,
      0x6f,
      0x72,
      0x79,
      0x02,
      0x00,
      0x00, // env.memory
    ]);
    await expect(load({ module: new WebAssembly.Module(bytes) })).rejects.toThrow(
      "Cannot load as the wasm module has no export 'f32_gemm': it is not a simdnn build of this version",
    );
  });

  // Not timed (speed lives in bench/coldstart): that the warm-ups run, once per compiled module.
  it("warms up by default, once per module, and leaves nothing behind", async () => {
    const module = new WebAssembly.Module(decodeBase64(BASELINE)); // a module no engine has run yet
    const e = await load({ module });
    expect(e.runtime.warmups).toMatchObject([{ kind: "inference" }]);
    expect(e.runtime.warmups[0].rounds).toBeGreaterThan(0);
    expect(e.memoryStats()).toMatchObject({ tensorsLive: 0, storagesLive: 0, bytesLive: 0, bytesPeak: 0 });
    expect(Array.from(e.matmul(e.tensor([[1, 2]]), e.tensor([[3], [4]])).data)).toEqual([11]);
    // V8 tiers up per module and process: a second engine of the same module skips it.
    expect((await load({ module })).runtime.warmups).toEqual([]);
    const off = await load({ module: new WebAssembly.Module(decodeBase64(BASELINE)), warmup: false });
    expect(off.runtime.warmups).toEqual([]);
  });

  it("warmupMs runs the training kernels at load too, once per module, and leaves nothing behind", async () => {
    const module = new WebAssembly.Module(decodeBase64(BASELINE));
    const e = await load({ module, warmup: false, warmupMs: 5 });
    expect(e.runtime.warmups).toMatchObject([{ kind: "training" }]);
    expect(e.runtime.warmups[0].rounds).toBeGreaterThan(0);
    expect(e.memoryStats()).toMatchObject({ tensorsLive: 0, storagesLive: 0, bytesLive: 0, bytesPeak: 0 });
    expect(Array.from(e.matmul(e.tensor([[1, 2]]), e.tensor([[3], [4]])).data)).toEqual([11]);
    expect((await load({ module, warmupMs: 5 })).runtime.warmups).toMatchObject([{ kind: "inference" }]);
  });

  it("engines are independent", async () => {
    const e1 = await load({ simd: "baseline" }), e2 = await load({ simd: "baseline" });
    e1.zeros([1000]);
    expect(e2.memoryStats().tensorsLive).toBe(0);
  });
});

describe("load on older hosts", () => {
  // createRuntime takes the host's features as a parameter, so every runtime can play one
  // without relaxed SIMD (Node 20 without its flag) or without SIMD at all.
  it("auto falls back to baseline; forcing relaxed is a clear error", async () => {
    const { createRuntime } = await import("../../src/engine/runtime.ts");
    const noRelaxed = { simd: () => true, relaxedSimd: () => false };
    expect((await createRuntime({}, noRelaxed)).build).toBe("baseline");
    await expect(createRuntime({ simd: "relaxed" }, noRelaxed)).rejects.toThrow(
      "Cannot load as 'simd' is \"relaxed\" but this runtime does not support relaxed SIMD " +
        "(Node 20 needs --experimental-wasm-relaxed-simd; Node >= 21, Deno 2 and Chromium >= 114 have it)",
    );
    await expect(createRuntime({}, { simd: () => false, relaxedSimd: () => false })).rejects.toThrow(
      "Cannot load as this runtime does not support WebAssembly SIMD128",
    );
  });
});
