/**
 * `npm run bench`: Node entry. Measures the baseline build in this process and the relaxed
 * build in a child `node --experimental-wasm-relaxed-simd` (Node 20 only validates relaxed
 * SIMD behind that flag; newer Node runs both builds here). Node cannot import src/*.ts,
 * so simdnn comes from its built package (dist/, `npm run build`).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseOptionsOrExit } from "../options.mjs";
import { saveAndPrint, wasmShas } from "../results.mjs";
import { runSession } from "../session.mjs";

const argv = process.argv.slice(2);
const options = parseOptionsOrExit(argv, process.exit);
warnIfStale();

const wasm = wasmShas("dist"); // before the import below reads the modules
const { hasRelaxedSimd, load, nn } = await import("simdnn");
const here = options.builds.filter((b) => b === "baseline" || hasRelaxedSimd());
if (here.length) {
  const session = await runSession({
    load: /** @type {any} */ (load), // dist's Engine type is nominally distinct from src's
    lib: { nn: /** @type {any} */ (nn) },
    options: { ...options, builds: here },
    runtime: { name: "node", version: process.version },
    log: (line) => console.error(line),
  });
  saveAndPrint(session, wasm);
}
if (options.builds.includes("relaxed") && !here.includes("relaxed")) {
  // After the parent's run, never alongside it: both would share the same two cores.
  const child = spawnSync(
    process.execPath,
    ["--experimental-wasm-relaxed-simd", fileURLToPath(import.meta.url), ...argv, "--build=relaxed"],
    { stdio: "inherit" },
  );
  process.exitCode = child.status ?? 1;
}

// dist/ is what Node measures; a stale dist would quietly benchmark old code. The wasm
// hashes compare exactly; mtimes catch TypeScript changes (and rebuilds with equal output).
function warnIfStale() {
  const src = wasmShas("src"), dist = wasmShas("dist");
  for (const b of Object.keys(src)) {
    if (src[b] !== dist[b]) {
      console.error(`warning: dist/ holds ${b} wasm ${dist[b]}, src/ has ${src[b]}: run \`npm run build\``);
    }
  }
  const root = new URL("../../", import.meta.url);
  /** @param {string} dir @returns {[number, string]} newest mtime and file */
  const newest = (dir) => {
    let best = /** @type {[number, string]} */ ([0, ""]);
    for (const d of readdirSync(fileURLToPath(new URL(dir, root)), { recursive: true, withFileTypes: true })) {
      if (!d.isFile()) continue;
      const path = `${d.parentPath}/${d.name}`;
      const t = statSync(path).mtimeMs;
      if (t > best[0]) best = [t, path];
    }
    return best;
  };
  const [srcTime, file] = newest("src"), [distTime] = newest("dist");
  if (srcTime > distTime) {
    console.error(`warning: ${file} is newer than dist/: dist may be stale, \`npm run build\` refreshes it`);
  }
}
