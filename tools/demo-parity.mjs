// Printed-output parity of examples/demo.mjs: runs the demo with `--simd baseline` in Node,
// in Deno and in headless Chromium (a page importing the same file through an import map),
// and requires the same build line, output hash and C[0, 0..3] line from all three; the page
// must fetch only the embedded build it runs.
// The relaxed build is compared too, for information only: relaxed_madd may or may not
// fuse, so its result is host-dependent by design. Needs the built package (dist/).
//   node tools/demo-parity.mjs        (npm run test:demo)
import { chromiumLaunchOptions } from "./chromium.mjs";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);
const denoDir = dirname(require.resolve("deno/package.json"));
// The deno package's postinstall puts the binary next to bin.cjs; without it, bin.cjs finds it.
const deno = existsSync(`${denoDir}/deno`) ? [`${denoDir}/deno`] : [process.execPath, `${denoDir}/bin.cjs`];
const demo = "examples/demo.mjs";

function parse(label, out) {
  const build = /engine loaded: (\w+) build/.exec(out)?.[1];
  const hash = /bytes fnv1a (\w+)/.exec(out)?.[1];
  const row = /^C\[0, 0\.\.3\] = (.*)$/m.exec(out)?.[1];
  if (!build || !hash || !row) {
    console.error(`demo-parity: ${label}: unexpected demo output:\n${out}`);
    process.exit(1);
  }
  console.log(`${label.padEnd(24)} ${build.padEnd(8)} fnv1a ${hash}  C[0, 0..3] = ${row}`);
  return { build, hash, row };
}

function run(label, cmd) {
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  if (r.status !== 0) {
    console.error(
      `demo-parity: ${label} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}${r.error ?? ""}`,
    );
    process.exit(1);
  }
  return parse(label, r.stdout);
}

const TYPES = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".html": "text/html",
  ".json": "application/json",
};
const PAGE = `<!doctype html><script type="importmap">{"imports":{
  "simdnn":"/dist/mod.js","@assemblyscript/loader":"/node_modules/@assemblyscript/loader/index.js"}}</script>
<script type="module" src="/${demo}"></script>`;

// Serves the repo read-only on loopback; the page imports the demo file itself.
async function runBrowser(label, query) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    const lines = [];
    // Which embedded builds the page fetched: only the one it runs (src/engine/modules.ts).
    const fetched = new Set();
    page.on("request", (r) => {
      const m = /\/dist\/(baseline|relaxed)\.js$/.exec(new URL(r.url()).pathname);
      if (m) fetched.add(m[1]);
    });
    const done = new Promise((ok, fail) => {
      page.on("console", (m) => {
        lines.push(m.text());
        if (m.text().startsWith("C[0, 0..3]")) ok();
      });
      page.on("pageerror", (e) => fail(e));
      setTimeout(() => fail(new Error(`timed out; output so far:\n${lines.join("\n")}`)), 60_000);
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/${query}`);
    await done;
    const result = parse(label, lines.join("\n"));
    if (fetched.size !== 1 || !fetched.has(result.build)) {
      throw new Error(`the page ran the ${result.build} build but fetched: ${[...fetched].join(", ") || "none"}`);
    }
    return result;
  } catch (e) {
    console.error(`demo-parity: ${label} failed: ${e?.stack ?? e}`);
    process.exit(1);
  } finally {
    await browser.close();
    server.close();
  }
}

const results = {
  node: run("node", [process.execPath, demo, "--simd", "baseline"]),
  deno: run("deno", [...deno, "run", demo, "--simd", "baseline"]),
  chromium: await runBrowser("chromium", "?simd=baseline"),
};
let ok = true;
for (const [name, r] of Object.entries(results)) {
  if (r.build !== "baseline") {
    console.error(`demo-parity: ${name} ran the ${r.build} build, expected baseline`);
    ok = false;
  }
  if (r.hash !== results.node.hash || r.row !== results.node.row) {
    console.error(`demo-parity: ${name} prints a different result from node on the baseline build`);
    ok = false;
  }
}

// Informational: the relaxed build (Node 20 needs the V8 flag; later Node has it by default).
const major = Number(process.versions.node.split(".")[0]);
const rel = [
  run("node (relaxed)", [
    process.execPath,
    ...(major === 20 ? ["--experimental-wasm-relaxed-simd"] : []),
    demo,
    "--simd",
    "relaxed",
  ]),
  run("deno (relaxed)", [...deno, "run", demo, "--simd", "relaxed"]),
  await runBrowser("chromium (relaxed)", "?simd=relaxed"),
];
console.log(
  `relaxed build: ${
    rel.every((r) => r.hash === rel[0].hash) ? "all agree" : "differ (allowed: relaxed_madd fusing is host-dependent)"
  }`,
);
if (!ok) process.exit(1);
console.log("demo-parity: the baseline build prints bit-identical results in Node, Deno and Chromium");
