// Emits dist/ (the npm package's code) from src/: `tsc -p tsconfig.build.json` into a clean
// dist/, then rewrites two kinds of specifier tsc leaves as written:
//   - `npm:@assemblyscript/loader@<range>` (src imports the loader as Deno resolves it from
//     anywhere) becomes the bare `@assemblyscript/loader`, for Node and bundlers, in .js and .d.ts;
//   - relative `./x.ts` in the .d.ts files (tsc rewrites them in .js only) becomes `./x.js`;
// then bundles the JavaScript into dist/mod.js plus one chunk per wasm build (dist/baseline.js,
// dist/relaxed.js, still behind their dynamic imports), with Vite: Node 20's ESM loader costs
// about 0.8 ms per module, 21 ms of a cold start for the 23-file tree against 3 ms for one
// file. The .d.ts tree stays as tsc wrote it.
// Needs no asc: the wasm builds come from the committed src/engine/wasm/*.ts.
//   node tools/build-dist.mjs              always (part of `npm run build`)
//   node tools/build-dist.mjs --if-stale   only when dist/ is missing or older than its sources
//                                          (the scripts that run dist/: demo, test:demo, bench, bundle-size)
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const STAMP = join(dist, "mod.js"); // tsc writes every file on each run; mod.js stands for them all
const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "tools/build-dist.mjs"];

/** Every file under `dir` (a file itself if `dir` is one). */
function files(dir) {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)]
  );
}

/** Why dist/ must be rebuilt, or null when it is fresh. */
function staleReason() {
  if (!existsSync(STAMP)) return "dist/ is missing";
  const built = statSync(STAMP).mtimeMs;
  for (const f of INPUTS.flatMap((p) => files(join(root, p)))) {
    if (statSync(f).mtimeMs > built) return `${f.slice(root.length)} is newer than dist/`;
  }
  return null;
}

if (process.argv.includes("--if-stale")) {
  const why = staleReason();
  if (!why) process.exit(0);
  console.error(`build-dist: ${why}; building it`);
}

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error(`build-dist: tsc failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}

const LOADER = /(["'])npm:(@assemblyscript\/loader)@[^"']*\1/g;
const TS_EXT = /((?:from|import)\s*\(?\s*["']\.{1,2}\/[^"']*?)\.ts(["'])/g;
let loaderRefs = 0;
for (const f of files(dist)) {
  const dts = f.endsWith(".d.ts");
  if (!dts && !f.endsWith(".js")) continue;
  const before = readFileSync(f, "utf8");
  let after = before.replace(LOADER, (_, q, name) => (loaderRefs++, `${q}${name}${q}`));
  if (dts) after = after.replace(TS_EXT, "$1.js$2");
  if (after !== before) writeFileSync(f, after);
  if (/npm:|\.\/[^"']*\.ts["']/.test(after.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""))) {
    console.error(`build-dist: ${f.slice(root.length)} still holds an npm: or .ts specifier`);
    process.exit(1);
  }
}
if (loaderRefs === 0) {
  console.error(
    "build-dist: found no npm:@assemblyscript/loader import to rewrite; has src/engine/runtime.ts changed?",
  );
  process.exit(1);
}
// One module instead of a tree: bundle from the emitted entry, replace every .js with the bundle.
const bundleDir = join(root, "build", "dist-bundle");
await build({
  configFile: false,
  logLevel: "warn",
  root,
  build: {
    outDir: bundleDir,
    emptyOutDir: true,
    minify: false,
    target: "es2022",
    lib: { entry: join(dist, "mod.js"), formats: ["es"], fileName: () => "mod.js" },
    rollupOptions: { external: ["@assemblyscript/loader"], output: { chunkFileNames: "[name].js" } },
  },
});
for (const f of files(dist)) if (f.endsWith(".js")) rmSync(f);
for (const f of readdirSync(bundleDir)) writeFileSync(join(dist, f), readFileSync(join(bundleDir, f)));
for (const b of ["baseline", "relaxed"]) {
  if (!existsSync(join(dist, `${b}.js`))) {
    console.error(`build-dist: the bundle has no chunk dist/${b}.js for the ${b} build`);
    process.exit(1);
  }
}
// The workers' script as a file of its own, for pages whose CSP forbids blob: workers
// (load({ workerUrl })): the same text the engine otherwise runs from a blob: URL.
const { workerSource } = await import(pathToFileURL(join(dist, "mod.js")).href + `?${Date.now()}`);
writeFileSync(join(dist, "worker.js"), workerSource);
// Touched last, so --if-stale compares the sources against the end of the build.
const now = new Date();
utimesSync(STAMP, now, now);
console.log(
  `build-dist: dist/ emitted (${loaderRefs} loader import(s) made bare, .d.ts specifiers end in .js; ` +
    "one module, mod.js, and one chunk per wasm build)",
);
