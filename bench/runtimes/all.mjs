/**
 * `npm run bench:all`: the Node, Deno and browser entries one after another (never in
 * parallel: they would share the cores), each with this script's options.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = (/** @type {string} */ f) => fileURLToPath(new URL(f, import.meta.url));
const deno = fileURLToPath(new URL("../../node_modules/deno/deno", import.meta.url));
const argv = process.argv.slice(2);
const runs = [
  [process.execPath, here("node.mjs")],
  [deno, "run", "-A", here("deno.mjs")],
  [process.execPath, here("browser.mjs")],
];
let failed = 0;
for (const [cmd, ...args] of runs) {
  const r = spawnSync(cmd, [...args, ...argv], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
