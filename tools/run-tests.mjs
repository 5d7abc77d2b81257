// `npm test`: runs the one Vitest suite in Node, Deno and Chromium, in that order, through
// the npm scripts test:node, test:deno and test:browser (each also runs on its own). Every
// run goes on even if an earlier one failed; the exit code is non-zero if any failed.
// Each run writes Vitest's JSON report to build/test-results/<runtime>.json; the closing
// lines sum them, ending with the plain line `N passed, N failed`.
//   node tools/run-tests.mjs [node|deno|browser ...]   (default: all three)
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { summarize } from "./test-summary.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const ALL = ["node", "deno", "browser"];
const runtimes = process.argv.length > 2 ? process.argv.slice(2) : ALL;
for (const r of runtimes) {
  if (!ALL.includes(r)) {
    console.error(`run-tests: unknown runtime '${r}' (expected ${ALL.join(", ")})`);
    process.exit(2);
  }
}

const outDir = `${root}build/test-results`;
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

// Inside `npm test`, npm_execpath is npm's own CLI: use it with this node, not whatever npm is on PATH.
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
const runs = [];
for (const r of runtimes) {
  const args = [
    "run",
    "--silent",
    `test:${r}`,
    "--",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=build/test-results/${r}.json`,
  ];
  console.log(`\n=== ${r}: npm run test:${r} ===`);
  const t0 = performance.now();
  const res = spawnSync(npm[0], [...npm.slice(1), ...args], { cwd: root, stdio: "inherit", env: process.env });
  const seconds = (performance.now() - t0) / 1000;
  const status = res.status ?? 1;
  if (res.error) console.error(`run-tests: could not start npm: ${res.error.message}`);
  runs.push({ runtime: r, status, seconds });
}

const { failed } = summarize(outDir, runs);
process.exit(failed > 0 || runs.some((r) => r.status !== 0) ? 1 : 0);
