/**
 * The embedded wasm builds, each behind its own dynamic `import()`: a bundler splits every
 * build into a chunk of its own, so a page downloads only the build it runs, and a caller
 * passing `load({ module })` downloads none. Each build compiles once per kind of memory it
 * imports: plain, or shared for worker threads (the same bytes but one flag, see threads.ts).
 *
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import type { SimdBuild } from "./features.ts";
import { withSharedMemoryImport } from "./threads.ts";

const compiled = new Map<string, Promise<WebAssembly.Module>>();

// One literal specifier per build: bundlers, Deno's module graph and tsc's extension
// rewrite all need to see the path.
function source(build: SimdBuild): Promise<{ WASM_BASE64: string }> {
  return build === "relaxed" ? import("./wasm/relaxed.ts") : import("./wasm/baseline.ts");
}

/** The compiled module of one embedded build, imported and compiled once per build and memory kind. */
export function embeddedModule(build: SimdBuild, shared = false): Promise<WebAssembly.Module> {
  const key = `${build}${shared ? "/shared" : ""}`;
  let m = compiled.get(key);
  if (!m) {
    m = source(build).then(({ WASM_BASE64 }) => {
      const bytes = decodeBase64(WASM_BASE64);
      return WebAssembly.compile(shared ? withSharedMemoryImport(bytes) : bytes);
    });
    compiled.set(key, m);
    // A failed import (e.g. a chunk that did not download) is retried by the next load().
    m.catch(() => compiled.delete(key));
  }
  return m;
}
