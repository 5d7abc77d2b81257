// Sums Vitest JSON reports (build/test-results/<runtime>.json, written by tools/run-tests.mjs)
// and prints one line per runtime, then the plain line `N passed, N failed` last (the only
// line in that form: CI reads it).
// A run that exited non-zero without any failed test (a file that failed to import, an
// unhandled error, a crash before the report) counts as one failure, so a broken run can
// never read as green.
//   node tools/test-summary.mjs            (re-prints the summary of the last npm test)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * @param {string} dir directory of <runtime>.json reports
 * @param {{ runtime: string, status: number | null, seconds?: number }[] | undefined} runs
 *   exit statuses of the runs; undefined = every report found in `dir`, statuses unknown
 */
export function summarize(dir, runs) {
  runs ??= existsSync(dir)
    ? readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => ({ runtime: f.slice(0, -5), status: null }))
    : [];
  let passed = 0, failed = 0;
  const lines = [];
  for (const run of runs) {
    const file = `${dir}/${run.runtime}.json`;
    let p = 0, f = 0, s = 0, note = "";
    if (existsSync(file)) {
      const j = JSON.parse(readFileSync(file, "utf8"));
      p = j.numPassedTests ?? 0;
      f = j.numFailedTests ?? 0;
      s = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
      const badFiles = (j.testResults ?? []).filter((t) =>
        t.status === "failed" && (t.assertionResults ?? []).length === 0
      );
      if (f === 0 && (badFiles.length > 0 || j.success === false || (run.status !== null && run.status !== 0))) {
        f = 1;
        note = badFiles.length > 0
          ? ` (run failed: ${badFiles.map((t) => t.name.replace(/^.*\/test\//, "test/")).join(", ")} did not load)`
          : ` (run failed with exit code ${run.status ?? "?"} outside any test)`;
      }
    } else {
      f = 1;
      note = ` (no report: the run exited with ${run.status ?? "?"} before Vitest finished)`;
    }
    passed += p;
    failed += f;
    // Not in the "N passed, N failed" form: only the closing total line has that.
    const time = run.seconds !== undefined ? ` in ${run.seconds.toFixed(1)} s` : "";
    lines.push(`${(run.runtime + ":").padEnd(9)} passed ${p}, failed ${f}, skipped ${s}${time}${note}`);
  }
  console.log("\n=== test summary ===");
  for (const l of lines) console.log(l);
  console.log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { failed, passed } = summarize(`${root}build/test-results`, undefined);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}
