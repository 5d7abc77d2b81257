/**
 * The embedded wasm builds, each behind its own dynamic `import()`: a bundler splits every
 * build into a chunk of its own, so a page downloads only the build it runs, and a caller
 * passing `load({ module })` downloads none.
 *
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import type { SimdBuild } from "./features.ts";

const compiled = new Map<SimdBuild, Promise<WebAssembly.Module>>();

// One literal specifier per build: bundlers, Deno's module graph and tsc's extension
// rewrite all need to see the path.
function source(build: SimdBuild): Promise<{ WASM_BASE64: string }> {
  return build === "relaxed" ? import("./wasm/relaxed.ts") : import("./wasm/baseline.ts");
}

/** The compiled module of one embedded build, imported and compiled once per build. */
export function embeddedModule(build: SimdBuild): Promise<WebAssembly.Module> {
  let m = compiled.get(build);
  if (!m) {
    m = source(build).then(({ WASM_BASE64 }) => WebAssembly.compile(decodeBase64(WASM_BASE64)));
    compiled.set(build, m);
    // A failed import (e.g. a chunk that did not download) is retried by the next load().
    m.catch(() => compiled.delete(build));
  }
  return m;
}
