// The README's Node, Deno and browser examples, run as written from fresh projects outside
// the repo against the package as published:
//   1. `npm pack` the repo; the tarball holds each wasm build once, a LICENSE, no src/, and
//      no install-time script;
//   2. a fresh npm project in a temp dir installs the tarball (its one dependency,
//      @assemblyscript/loader, comes from the npm registry or npm's cache);
//   3. Node runs the README's Node example; the shipped .d.ts name no .ts file and no npm:
//      specifier, and test/package/consumer.ts (type-level test) compiles against them with
//      tsc (NodeNext and Bundler resolution, no skipLibCheck);
//   4. Deno runs (no permission flag) and checks (default libs) the README's Deno example, as
//      written (`npm:simdnn`, from the project's node_modules), and in a Deno-only folder
//      with the specifier replaced by the path of this checkout's src/mod.ts (Deno downloads
//      npm:@assemblyscript/loader into a fresh DENO_DIR); consumer.ts is checked both ways;
//   5. Vite (the repo's, as `npx vite build` would) bundles the README's browser example
//      (index.html, main.js) and headless Chromium shows the expected text; with esbuild
//      importable (as for tools/bundle-size.mjs: installed, or SIMDNN_ESBUILD=<dir>), its
//      --splitting bundle too;
//   6. `deno publish --dry-run` (JSR) passes and would publish only src/, README.md, LICENSE
//      and deno.json.
// The examples are the README's code blocks marked `<!-- example: <runtime> <file> -->`.
// Needs dist/ (`npm run test:package` builds it when stale), the repo's node_modules, and
// /usr/bin/chromium (SIMDNN_CHROMIUM overrides).
//   node tools/package-test.mjs [--keep]   (--keep: leave the temp dir for inspection)
import { chromiumLaunchOptions } from "./chromium.mjs";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const keep = process.argv.includes("--keep");
const denoDir = dirname(require.resolve("deno/package.json"));
const deno = existsSync(`${denoDir}/deno`) ? [`${denoDir}/deno`] : [process.execPath, `${denoDir}/bin.cjs`];
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
const tsc = [process.execPath, require.resolve("typescript/bin/tsc")];
const vite = [process.execPath, join(dirname(require.resolve("vite/package.json")), "bin/vite.js")];
const tmp = mkdtempSync(join(tmpdir(), "simdnn-package-"));
const T0 = performance.now();
let failures = 0;

function fail(msg) {
  console.error(`package-test: FAIL: ${msg}`);
  failures++;
}
function ok(msg) {
  console.log(`package-test: ok   ${msg}  (t=${((performance.now() - T0) / 1000).toFixed(1)}s)`);
}
/** Runs a command; returns its stdout, or null (and counts a failure) when it fails. */
function run(label, cmd, cwd, env = {}) {
  const r = spawnSync(cmd[0], cmd.slice(1), {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 120_000,
  });
  if (r.status !== 0) {
    fail(`${label} (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}${r.error ?? ""}`);
    return null;
  }
  return r.stdout + r.stderr;
}

// --- the README's examples -------------------------------------------------------------
const readme = readFileSync(join(root, "README.md"), "utf8");
const examples = {};
for (const m of readme.matchAll(/<!-- example: (\w+) ([\w.]+) -->\s*```\w*\n([\s\S]*?)```/g)) {
  (examples[m[1]] ??= {})[m[2]] = m[3];
}
const need = { node: ["main.js", "train.js"], deno: ["main.ts", "train.ts"], browser: ["index.html", "main.js"] };
for (const [rt, files] of Object.entries(need)) {
  for (const f of files) {
    if (!examples[rt]?.[f]) {
      console.error(`package-test: README.md has no code block marked <!-- example: ${rt} ${f} -->`);
      process.exit(1);
    }
  }
}
// Every example computes the README's product; each prints it in its own form.
const PRODUCT = "4, 5, 10, 11";
const printed = /^(baseline|relaxed) Float32Array\(4\) \[ (.*) \]$/m;
function checkPrinted(label, out) {
  if (out === null) return;
  const m = printed.exec(out);
  if (!m || m[2] !== PRODUCT) {
    fail(`${label} printed ${JSON.stringify(out)}, expected "<build> Float32Array(4) [ ${PRODUCT} ]"`);
  } else ok(`${label}: ${m[0]}`);
}

// The training examples train XOR, save, load into a fresh model and predict.
const trained = /^XOR: 0 1 1 0 \(loss ([\d.]+) -> ([\d.]+)\)$/m;
function checkTrained(label, out) {
  if (out === null) return;
  const m = trained.exec(out);
  if (!m || !(Number(m[2]) < Number(m[1]))) {
    fail(`${label} printed ${JSON.stringify(out)}, expected "XOR: 0 1 1 0 (loss a -> b)", b < a`);
  } else ok(`${label}: ${m[0]}`);
}
const TRAIN_FLAGS = ["--allow-read=.", "--allow-write=."];

// --- 1. the tarball ----------------------------------------------------------------------
const packJson = run("npm pack", [...npm, "pack", "--json", "--pack-destination", tmp], root);
if (packJson === null) process.exit(1);
const pack = JSON.parse(packJson.slice(packJson.indexOf("[")))[0];
const tarball = join(tmp, pack.filename);
{
  const paths = pack.files.map((f) => f.path);
  const wasm = pack.files.filter((f) => f.size > 10_000 && /(^|\/)(baseline|relaxed)\.(js|ts)$/.test(f.path));
  const lifecycle = ["preinstall", "install", "postinstall", "prepare", "prepublish"];
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  if (paths.some((p) => p.startsWith("src/"))) fail("the tarball holds src/");
  else if (wasm.length !== 2) {
    fail(`the tarball holds ${wasm.length} copies of the wasm builds: ${wasm.map((f) => f.path)}`);
  } else if (!paths.includes("LICENSE")) fail("the tarball has no LICENSE");
  else if (lifecycle.some((s) => pkg.scripts?.[s])) fail(`package.json has an install-time script`);
  else {
    ok(
      `npm pack: ${pack.filename}, ${pack.entryCount} files, ${pack.size} B packed, ${pack.unpackedSize} B unpacked; wasm once per build`,
    );
  }
}

// --- 2. a fresh npm project --------------------------------------------------------------
const app = join(tmp, "app");
mkdirSync(app);
writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }, null, 2));
const installOut = run("npm install <tarball>", [...npm, "install", "--no-audit", "--no-fund", tarball], app);
if (installOut === null) process.exit(1);
// npm warns of a dependency's install-time scripts (`npm warn install-scripts`); simdnn has none.
const warned = installOut.split("\n").filter((l) => /npm warn/i.test(l));
if (warned.some((l) => /install-scripts|simdnn|prepare/i.test(l))) fail(`npm install warned:\n${installOut}`);
else {ok(
    `npm install of the tarball into a fresh project, no install-script warning${
      warned.length ? ` (other: ${warned.join("; ")})` : ""
    }`,
  );}

// --- 3. Node -----------------------------------------------------------------------------
writeFileSync(join(app, "main.js"), examples.node["main.js"]);
checkPrinted("node main.js", run("node main.js", [process.execPath, "main.js"], app));
writeFileSync(join(app, "train.js"), examples.node["train.js"]);
checkTrained("node train.js", run("node train.js", [process.execPath, "train.js"], app));

const installedDist = join(app, "node_modules/simdnn/dist");
const walk = (d) =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]);
const badDts = walk(installedDist).filter((f) => f.endsWith(".d.ts"))
  .filter((f) => /from\s*["'][^"']*\.ts["']|import\(["'][^"']*\.ts["']|["']npm:/.test(readFileSync(f, "utf8")));
if (badDts.length) fail(`shipped .d.ts name .ts files or npm: specifiers: ${badDts.map((f) => f.slice(app.length))}`);
else ok("shipped .d.ts import .js files only, and the loader by its bare name");

const consumer = readFileSync(join(root, "test/package/consumer.ts"), "utf8");
const CONSUMER_IMPORT = '"../../src/mod.ts"';
if (!consumer.includes(CONSUMER_IMPORT)) {
  console.error(`package-test: test/package/consumer.ts no longer imports ${CONSUMER_IMPORT}`);
  process.exit(1);
}
writeFileSync(join(app, "consumer.ts"), consumer.replace(CONSUMER_IMPORT, '"simdnn"'));
for (const [mod, res] of [["NodeNext", "NodeNext"], ["ESNext", "Bundler"]]) {
  const config = `tsconfig.${res}.json`;
  writeFileSync(
    join(app, config),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: mod,
        moduleResolution: res,
        lib: ["ES2022", "DOM"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ["consumer.ts"],
    }),
  );
  if (run(`tsc (${res}) of consumer.ts against the tarball`, [...tsc, "-p", config], app) !== null) {
    ok(`tsc --moduleResolution ${res}: consumer.ts type-checks against the shipped .d.ts`);
  }
}

// --- 4. Deno -----------------------------------------------------------------------------
const DENO_ENV = { DENO_DIR: join(tmp, "deno-dir"), DENO_NO_UPDATE_CHECK: "1" };
writeFileSync(join(app, "main.ts"), examples.deno["main.ts"]);
checkPrinted("deno run main.ts (npm:simdnn)", run("deno run (npm:)", [...deno, "run", "main.ts"], app, DENO_ENV));
writeFileSync(join(app, "train.ts"), examples.deno["train.ts"]);
checkTrained(
  "deno run train.ts (npm:simdnn)",
  run("deno run train.ts (npm:)", [...deno, "run", ...TRAIN_FLAGS, "train.ts"], app, DENO_ENV),
);
writeFileSync(join(app, "consumer-npm.ts"), consumer.replace(CONSUMER_IMPORT, '"npm:simdnn"'));
if (run("deno check (npm:)", [...deno, "check", "main.ts", "train.ts", "consumer-npm.ts"], app, DENO_ENV) !== null) {
  ok("deno check main.ts consumer.ts (npm:simdnn, default libs)");
}

const bare = join(tmp, "deno-only"); // no package.json, no deno.json: Deno's defaults
mkdirSync(bare);
const SPEC = '"npm:simdnn"';
if (!examples.deno["main.ts"].includes(SPEC)) fail(`the README's Deno example does not import ${SPEC}`);
const srcMod = JSON.stringify(join(root, "src/mod.ts"));
writeFileSync(join(bare, "main.ts"), examples.deno["main.ts"].replace(SPEC, srcMod));
checkPrinted("deno run main.ts (by path)", run("deno run (path)", [...deno, "run", "main.ts"], bare, DENO_ENV));
writeFileSync(join(bare, "train.ts"), examples.deno["train.ts"].replace(SPEC, srcMod));
checkTrained(
  "deno run train.ts (by path)",
  run("deno run train.ts (path)", [...deno, "run", ...TRAIN_FLAGS, "train.ts"], bare, DENO_ENV),
);
writeFileSync(join(bare, "consumer.ts"), consumer.replace(CONSUMER_IMPORT, srcMod));
if (run("deno check (path)", [...deno, "check", "main.ts", "train.ts", "consumer.ts"], bare, DENO_ENV) !== null) {
  ok("deno check main.ts consumer.ts (src/mod.ts by path, default libs)");
}

// --- 5. browser ----------------------------------------------------------------------------
const web = join(app, "web"); // under app/, so "simdnn" resolves from app/node_modules
mkdirSync(web);
writeFileSync(join(web, "index.html"), examples.browser["index.html"]);
writeFileSync(join(web, "main.js"), examples.browser["main.js"]);
const bundles = [];
if (run("vite build", [...vite, "build", "--logLevel", "warn"], web) !== null) {
  bundles.push({ label: "vite build", dir: join(web, "dist") });
}
const esbuild = await importEsbuild();
if (esbuild) {
  const out = join(web, "esbuild");
  try {
    await esbuild.build({
      absWorkingDir: web,
      entryPoints: ["main.js"],
      bundle: true,
      splitting: true,
      format: "esm",
      outdir: out,
      logLevel: "silent",
    });
    writeFileSync(join(out, "index.html"), examples.browser["index.html"]);
    bundles.push({ label: "esbuild --splitting", dir: out });
  } catch (e) {
    fail(`esbuild: ${e.message}`);
  }
} else console.log("package-test: esbuild not importable here; only Vite bundles the browser example");
if (bundles.length) await runPages(bundles);

// --- 6. JSR ----------------------------------------------------------------------------------
const publish = run("deno publish --dry-run", [...deno, "publish", "--dry-run", "--allow-dirty"], root, DENO_ENV);
if (publish !== null) {
  const files = [...publish.matchAll(/^\s+file:\/\/(\S+)/gm)].map((m) => m[1].slice(root.length));
  const stray = files.filter((f) => !f.startsWith("src/") && !["README.md", "LICENSE", "deno.json"].includes(f));
  if (!/Success Dry run complete/.test(publish)) fail(`deno publish --dry-run did not succeed:\n${publish}`);
  else if (/warning\[/.test(publish)) fail(`deno publish --dry-run warned:\n${publish}`);
  else if (stray.length || !files.includes("LICENSE")) fail(`JSR would publish: ${files.join(", ")}`);
  else ok(`deno publish --dry-run: ${files.length} files (src/, README.md, LICENSE, deno.json), no slow types`);
}

if (keep) console.log(`package-test: kept ${tmp}`);
else rmSync(tmp, { recursive: true, force: true });
const secs = ((performance.now() - T0) / 1000).toFixed(1);
if (failures) {
  console.error(`package-test: ${failures} check(s) failed (${secs}s)`);
  process.exit(1);
}
console.log(`package-test: the README's Node, Deno and browser examples run as written from fresh projects (${secs}s)`);

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

/** Serves each bundle on loopback and requires the README's text on the page in Chromium. */
async function runPages(list) {
  const TYPES = { ".js": "text/javascript", ".html": "text/html", ".css": "text/css", ".wasm": "application/wasm" };
  let dir = "";
  const server = createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(dir, p === "/" ? "index.html" : p));
    if (!file.startsWith(dir) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    for (const b of list) {
      dir = b.dir;
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      const want = new RegExp(`^(baseline|relaxed): ${PRODUCT}$`);
      try {
        await page.waitForFunction((re) => new RegExp(re).test(document.body?.textContent ?? ""), want.source, {
          timeout: 30_000,
        });
        ok(`${b.label}: Chromium shows "${await page.evaluate(() => document.body.textContent)}"`);
      } catch {
        const text = await page.evaluate(() => document.body?.textContent ?? "").catch(() => "?");
        fail(`${b.label}: the page shows ${JSON.stringify(text)}, expected "<build>: ${PRODUCT}"; errors: ${errors}`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}
