/**
 * The bench page (bundled by ../browser.mjs). Reads the command-line options from
 * `?args=<JSON array>` and the browser version from `?version=`, runs the session with
 * the peers' .wasm files served by the driver, prints progress to the console and
 * exposes the result as `window.benchResult`.
 *
 * @module
 */
import { load, nn } from "../../../src/mod.ts";
import { parseOptions } from "../../options.mjs";
import { runSession } from "../../session.mjs";

const query = new URLSearchParams(location.search);

/** @type {any} */ (window).benchResult = runSession({
  load,
  lib: { nn },
  options: parseOptions(JSON.parse(query.get("args") ?? "[]")),
  runtime: { name: "browser", version: query.get("version") ?? navigator.userAgent },
  wasmPaths: { tfjsWasm: "/peer/tfjs-wasm/", ort: "/peer/ort/" },
  log: (line) => console.log(line),
});
