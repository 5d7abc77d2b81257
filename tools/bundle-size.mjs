// What a page bundling simdnn downloads. Bundles a tiny consumer of dist/ (`import { load }
// from ".../dist/mod.js"; await load()`) with Vite (library build, always present: it is a
// devDependency) and with esbuild (`--bundle --minify --format=esm --splitting`) when esbuild
// can be imported (from node_modules, or the package directory in $SIMDNN_ESBUILD), then
// prints per bundler: every output file, the total, the entry's static import closure, and
// what a page running each build downloads (the entry closure plus that build's chunk), in
// bytes and gzipped bytes (gzip -9, one file at a time, as a server would send them).
// Check: exits non-zero unless every bundle puts each wasm build in its own dynamically
// imported chunk, outside the entry's static closure. Needs dist/ (the npm script builds it); no network.
//   node tools/bundle-size.mjs
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const BUILDS = ["baseline", "relaxed"];
const work = join(root, "build/bundle-size");

if (!existsSync(join(root, "dist/mod.js"))) {
  console.error("bundle-size: dist/mod.js is missing; `npm run bundle-size` builds it");
  process.exit(2);
}
// A slice of each build's base64 that the other build does not contain identifies the chunk
// that carries it (most of the two builds' code is the same bytes).
const b64s = {};
for (const b of BUILDS) {
  // The committed module (tools/build.mjs writes `WASM_BASE64 = "<base64>"`): no asc build needed.
  b64s[b] = /WASM_BASE64: string = "([^"]+)"/.exec(readFileSync(join(root, `src/engine/wasm/${b}.ts`), "utf8"))[1];
}
const marks = {};
for (const b of BUILDS) {
  const others = BUILDS.filter((o) => o !== b).map((o) => b64s[o]);
  for (let at = b64s[b].length >> 1; at + 256 <= b64s[b].length; at += 251) {
    const mark = b64s[b].slice(at, at + 256);
    if (!others.some((o) => o.includes(mark))) {
      marks[b] = mark;
      break;
    }
  }
  if (!marks[b]) {
    console.error(`bundle-size: found no part of the ${b} build that the other builds lack`);
    process.exit(2);
  }
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const consumer = join(work, "consumer.mjs");
writeFileSync(
  consumer,
  `import { load } from ${JSON.stringify(pathToFileURL(join(root, "dist/mod.js")).pathname)};\n` +
    `const e = await load();\nconsole.log(e.build, e.matmul(e.tensor([[2]]), e.tensor([[3]])).toArray());\n`,
);

/** @typedef {{ name: string, code: string, imports: string[], dynamicImports: string[], entry: boolean }} Chunk */

/** @returns {Promise<Chunk[]>} */
async function viteBundle() {
  const { build } = await import("vite");
  const outDir = join(work, "vite");
  const out = await build({
    configFile: false,
    root: work,
    logLevel: "silent",
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      lib: { entry: consumer, formats: ["es"], fileName: "consumer" },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output);
  return outputs.filter((o) => o.type === "chunk").map((c) => ({
    name: c.fileName,
    code: c.code,
    imports: c.imports,
    dynamicImports: c.dynamicImports,
    entry: c.isEntry,
  }));
}

async function importEsbuild() {
  try {
    return await import("esbuild");
  } catch {
    const dir = process.env.SIMDNN_ESBUILD;
    if (!dir) return null;
    return await import(pathToFileURL(join(dir, "node_modules/esbuild/lib/main.js")).href).catch(() =>
      import(pathToFileURL(join(dir, "lib/main.js")).href)
    );
  }
}

/** @returns {Promise<Chunk[] | null>} */
async function esbuildBundle() {
  const esbuild = await importEsbuild();
  if (!esbuild) return null;
  const r = await esbuild.build({
    absWorkingDir: work,
    entryPoints: ["consumer.mjs"],
    bundle: true,
    minify: true,
    format: "esm",
    splitting: true,
    outdir: "esbuild",
    metafile: true,
    write: true,
    logLevel: "silent",
    nodePaths: [join(root, "node_modules")],
  });
  // Metafile paths are relative to absWorkingDir; chunks are named relative to the outdir.
  const name = (p) => relative("esbuild", p);
  return Object.entries(r.metafile.outputs).filter(([f]) => f.endsWith(".js")).map(([f, o]) => ({
    name: name(f),
    code: readFileSync(join(work, f), "utf8"),
    imports: o.imports.filter((i) => i.kind === "import-statement").map((i) => name(i.path)),
    dynamicImports: o.imports.filter((i) => i.kind === "dynamic-import").map((i) => name(i.path)),
    entry: o.entryPoint === "consumer.mjs",
  }));
}

const gz = (s) => gzipSync(s, { level: 9 }).length;
const size = (chunks) => ({
  bytes: chunks.reduce((n, c) => n + Buffer.byteLength(c.code), 0),
  gzip: chunks.reduce((n, c) => n + gz(c.code), 0),
});
const fmt = ({ bytes, gzip }) => `${bytes.toLocaleString("en")} B, ${gzip.toLocaleString("en")} B gz`;

/** The chunks `start` loads through static imports, itself included. */
function closure(chunks, start) {
  const byName = new Map(chunks.map((c) => [c.name, c]));
  const seen = new Set();
  const stack = [...start];
  while (stack.length) {
    const c = stack.pop();
    if (seen.has(c)) continue;
    seen.add(c);
    for (const i of c.imports) if (byName.has(i)) stack.push(byName.get(i));
  }
  return [...seen];
}

let failed = false;
function report(bundler, chunks) {
  const fail = (msg) => {
    console.error(`bundle-size: ${bundler}: ${msg}`);
    failed = true;
  };
  console.log(`\n${bundler}`);
  const carries = (c) => BUILDS.filter((b) => c.code.includes(marks[b]));
  for (const c of chunks) {
    const what = [c.entry ? "entry" : "", ...carries(c)].filter(Boolean).join(", ");
    console.log(`  ${c.name.padEnd(34)} ${fmt(size([c])).padStart(28)}  ${what}`);
  }
  const entry = chunks.filter((c) => c.entry);
  if (entry.length !== 1) return fail(`expected one entry chunk, found ${entry.length}`);
  const base = closure(chunks, entry);
  console.log(`  ${"total".padEnd(34)} ${fmt(size(chunks)).padStart(28)}`);
  console.log(`  ${"entry + static imports".padEnd(34)} ${fmt(size(base)).padStart(28)}`);
  const inEntry = base.flatMap(carries);
  if (inEntry.length) fail(`the entry's static imports carry the ${inEntry.join(" and ")} build`);
  for (const b of BUILDS) {
    const own = chunks.filter((c) => carries(c).includes(b));
    if (own.length !== 1 || carries(own[0]).length !== 1) {
      fail(`the ${b} build is not alone in one chunk of its own`);
      continue;
    }
    const page = [...new Set([...base, ...closure(chunks, own)])];
    const also = page.flatMap(carries).filter((x) => x !== b);
    if (also.length) fail(`a page running the ${b} build also downloads the ${also.join(" and ")} build`);
    console.log(`  ${`page running ${b}`.padEnd(34)} ${fmt(size(page)).padStart(28)}`);
  }
}

report("vite (library build, es, minify)", await viteBundle());
const es = await esbuildBundle();
if (es) report("esbuild (--bundle --minify --format=esm --splitting)", es);
else {console.log(
    "\nesbuild: not installed here (not a dependency); set SIMDNN_ESBUILD=<dir with node_modules/esbuild>",
  );}
if (failed) {
  console.error("\nbundle-size: FAILED: a bundle does not split the wasm builds into per-build chunks");
  process.exit(1);
}
console.log("\nbundle-size: ok: each wasm build is its own chunk, loaded only by a page running it");
