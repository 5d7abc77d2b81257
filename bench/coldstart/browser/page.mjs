/**
 * The cold-start page (bundled by ../run.mjs with Vite): runs one sample of the library
 * named by `?lib=` on the case named by `?case=` and exposes it as `window.coldstartResult`.
 * Each library is its own chunk, fetched by the `import()` inside the clock; the driver opens
 * every sample in a new browser context, so no HTTP or code cache carries over.
 *
 * @module
 */
import { runSample } from "../core.mjs";

const params = new URLSearchParams(location.search);
const lib = /** @type {import("../core.mjs").LibName} */ (params.get("lib"));
const kase = /** @type {import("../core.mjs").CaseName} */ (params.get("case") ?? "conv");

/** @type {any} */ (window).coldstartResult = runSample(
  lib,
  {
    // The driver aliases this path to the simdnn build under test (--dist).
    simdnn: () => import("../../../dist/mod.js"),
    tfjsCore: () => import("@tensorflow/tfjs-core"),
    tfjsWasm: () => import("@tensorflow/tfjs-backend-wasm"),
    ort: () => import("onnxruntime-web"),
    wasmPaths: { tfjsWasm: "/peer/tfjs-wasm/", ort: "/peer/ort/" },
  },
  () => performance.now(),
  kase,
);
