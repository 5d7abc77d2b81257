/**
 * The threads bench page (bundled by ../browser.mjs): options from `?args=<JSON array>`,
 * progress to the console, `window.benchDone` resolves at the end.
 *
 * @module
 */
import { load, nn } from "../../../src/mod.ts";
import { runThreadsBench, threadsOptions } from "../core.mjs";

const args = JSON.parse(new URLSearchParams(location.search).get("args") ?? "[]");
console.log(`${navigator.userAgent}; crossOriginIsolated ${globalThis.crossOriginIsolated}`);
/** @type {any} */ (window).benchDone = runThreadsBench(load, nn, threadsOptions(args), (l) => console.log(l));
