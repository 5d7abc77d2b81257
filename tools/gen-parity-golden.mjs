// Regenerates test/parity/golden.json: runs test/parity/parity.test.ts in Node with
// SIMDNN_PARITY_UPDATE=1, which records the hashes of the baseline-build workload instead
// of checking them. Run after an intended change to the kernels or to the workload, then
// run `npm test` (Node, Deno, Chromium must all agree) and commit the file.
//   node tools/gen-parity-golden.mjs
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const file = `${root}test/parity/golden.json`;
// The test imports the file, so it must exist (and be JSON) before the first run.
if (!existsSync(file)) writeFileSync(file, '{ "digests": {} }\n');
const before = readFileSync(file, "utf8");

const vitest = `${root}node_modules/vitest/vitest.mjs`;
const r = spawnSync(process.execPath, [vitest, "run", "test/parity/parity.test.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, SIMDNN_PARITY_UPDATE: "1" },
});
if (r.status !== 0) {
  console.error(`gen-parity-golden: vitest exited with ${r.status ?? r.signal}`);
  process.exit(1);
}
const after = readFileSync(file, "utf8");
const n = Object.values(JSON.parse(after).digests).reduce((s, d) => s + Object.keys(d).length, 0);
console.log(
  `gen-parity-golden: ${n} digests in test/parity/golden.json (${before === after ? "unchanged" : "updated"})`,
);
