/**
 * `npm run bench:coldstart`: cold start of simdnn, tfjs-wasm and onnxruntime-web on the
 * first LeNet layer (case `conv`) and on a whole LeNet-5 forward pass (`lenet5`), each sample
 * in a fresh Node process, a fresh Deno process or a new Chromium browser context. Prints a
 * markdown table per runtime and case (medians over the samples) and writes
 * bench/results/coldstart-<runtime>.json (conv) and coldstart-<runtime>-lenet5.json with every sample.
 *
 * simdnn is imported from `--dist=<dir>` (its mod.js; default this checkout's dist/), so
 * the same harness measures a frozen "before" copy and the current build.
 *
 * @module
 */
import { chromiumLaunchOptions } from "../../tools/chromium.mjs";
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { distWasmSha } from "../results.mjs";
import { CASE_TITLES, CASES, derive, EARLY, LIBS, median, STEADY, WARM, y0Matches } from "./core.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RUNTIMES = ["node", "deno", "browser"];
const USAGE = `usage: node bench/coldstart/run.mjs [options]
  --runtime=<list>   of ${RUNTIMES.join(",")} (default all)
  --libs=<list>      of ${LIBS.join(",")} (default all)
  --cases=<list>     of ${CASES.join(",")} (default all)
  --samples=N        fresh processes (browser contexts) per runtime and library (default 7)
  --warmup=N         unrecorded fresh processes first, per runtime and library (default 1): warms the OS file cache
  --dist=<dir>       simdnn build to import: a directory holding mod.js (default ${join(ROOT, "dist")})`;

/** @typedef {import("./core.mjs").Sample} Sample */

function parse(/** @type {string[]} */ argv) {
  const o = {
    runtimes: RUNTIMES,
    libs: /** @type {string[]} */ ([...LIBS]),
    cases: /** @type {string[]} */ ([...CASES]),
    samples: 7,
    warmup: 1,
    dist: join(ROOT, "dist"),
  };
  for (const arg of argv) {
    const [name, v = ""] = arg.split(/=(.*)/s, 2);
    const list = (/** @type {string[]} */ allowed) => {
      const l = v.split(",").map((s) => s.trim()).filter(Boolean);
      const bad = l.find((x) => !allowed.includes(x));
      if (bad || !l.length) throw new Error(`bad ${name} '${v}'\n${USAGE}`);
      return l;
    };
    const int = (/** @type {number} */ min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`bad ${name} '${v}'\n${USAGE}`);
      return n;
    };
    if (name === "--runtime") o.runtimes = list(RUNTIMES);
    else if (name === "--libs") o.libs = list([...LIBS]);
    else if (name === "--cases") o.cases = list([...CASES]);
    else if (name === "--samples") o.samples = int(1);
    else if (name === "--warmup") o.warmup = int(0);
    else if (name === "--dist") o.dist = resolve(v);
    else throw new Error(`unknown option '${arg}'\n${USAGE}`);
  }
  if (!existsSync(join(o.dist, "mod.js"))) throw new Error(`${o.dist}/mod.js not found (npm run build, or --dist=)`);
  return o;
}

const opts = (() => {
  try {
    return parse(process.argv.slice(2));
  } catch (e) {
    console.error(/** @type {Error} */ (e).message);
    return process.exit(2);
  }
})();

/** sha256 prefixes of the simdnn builds under test. */
const wasm = { baseline: distWasmSha(opts.dist, "baseline"), relaxed: distWasmSha(opts.dist, "relaxed") };

/**
 * Samples of every library, interleaved (warm-ups first, then one sample of each library in
 * turn), so a slow spell of the machine hits them alike.
 * @param {(lib: string) => Promise<Sample>} one
 */
async function collect(one) {
  /** @type {Record<string, Sample[]>} */
  const out = Object.fromEntries(opts.libs.map((l) => [l, []]));
  for (let i = 0; i < opts.warmup; i++) for (const lib of opts.libs) await one(lib);
  for (let i = 0; i < opts.samples; i++) {
    for (const lib of opts.libs) {
      const s = await one(lib);
      if (!y0Matches(s)) throw new Error(`${lib} ${s.case}: y[0] = ${s.y0}, expected ${s.y0Expected}`);
      out[lib].push(s);
      console.error(`  ${lib} ${i + 1}/${opts.samples}: total ${s.totalMs.toFixed(1)} ms`);
    }
  }
  return out;
}

/** @param {string[]} cmd @returns {Sample} */
function spawnSample(cmd) {
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
}

const SAMPLE = fileURLToPath(new URL("./sample.mjs", import.meta.url));
const DENO = join(ROOT, "node_modules/deno/deno");

/** @param {string} runtime @param {string} kase @returns {Promise<{ version: string, note: string, samples: Record<string, Sample[]> }>} */
async function measure(runtime, kase) {
  const mod = join(opts.dist, "mod.js");
  if (runtime === "node") {
    return {
      version: `Node ${process.version}`,
      note: "plain `node` (Node 20 validates relaxed SIMD only behind a flag, so simdnn picks its baseline build)",
      samples: await collect((lib) => Promise.resolve(spawnSample([process.execPath, SAMPLE, lib, mod, kase]))),
    };
  }
  if (runtime === "deno") {
    const v = spawnSync(DENO, ["--version"], { encoding: "utf8" }).stdout.split("\n").slice(0, 2).join(", ");
    return {
      version: v,
      note: "`deno run -A`, Deno's default module code cache on",
      samples: await collect((lib) => Promise.resolve(spawnSample([DENO, "run", "-A", SAMPLE, lib, mod, kase]))),
    };
  }
  return await browserRun(kase);
}

/** @param {string} kase */
async function browserRun(kase) {
  const { chromium } = await import("playwright-core");
  const { build } = await import("vite");
  const out = join(ROOT, "node_modules/.cache/simdnn-bench-coldstart");
  await build({
    configFile: false,
    root: fileURLToPath(new URL("./browser/", import.meta.url)),
    base: "./",
    logLevel: "warn",
    resolve: {
      alias: [
        { find: "../../../dist/mod.js", replacement: join(opts.dist, "mod.js") },
        // The WASM-only ORT build, its glue and .wasm fetched from wasmPaths (as bench/runtimes/browser.mjs).
        { find: "onnxruntime-web", replacement: join(ROOT, "node_modules/onnxruntime-web/dist/ort.wasm.min.mjs") },
      ],
    },
    build: {
      outDir: out,
      emptyOutDir: true,
      target: "esnext",
      minify: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1e5,
    },
  });
  const mounts = [
    ["/peer/tfjs-wasm/", join(ROOT, "node_modules/@tensorflow/tfjs-backend-wasm/dist")],
    ["/peer/ort/", join(ROOT, "node_modules/onnxruntime-web/dist")],
    ["/", out],
  ];
  /** @type {Record<string, string>} */
  const types = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    const file = mount && normalize(join(mount[1], path.slice(mount[0].length)));
    if (!mount || !file || !file.startsWith(mount[1] + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    // Cross-origin isolation: performance.now() then ticks in 5 µs, not 100 µs. Neither
    // peer uses threads here (tfjs: WASM_HAS_MULTITHREAD_SUPPORT false, ORT: numThreads 1).
    res.writeHead(200, {
      "content-type": types[extname(file)] ?? "application/octet-stream",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const samples = await collect(async (lib) => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
        await page.goto(`http://127.0.0.1:${port}/index.html?lib=${lib}&case=${kase}`);
        const s = await page.evaluate(() => /** @type {any} */ (window).coldstartResult);
        if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error("page is not cross-origin isolated");
        return s;
      } finally {
        await context.close();
      }
    });
    return {
      version: `Chromium ${browser.version()} headless`,
      note: "one browser, a new context (empty HTTP and code caches) and page per sample; cross-origin isolated",
      samples,
    };
  } finally {
    await browser.close();
    server.close();
  }
}

/** @param {number} v @param {number} [d] */
const f = (v, d = 1) => v.toFixed(d);

/** @param {number} n */
const calls = (n) => Number.isFinite(n) ? String(n) : `>${EARLY + WARM}`;

/** @param {Sample[]} samples */
function summarize(samples) {
  const d = samples.map(derive);
  const toSteady = d.map((x) => x.callsToSteady ?? Infinity), toReach = d.map((x) => x.callsToReach ?? Infinity);
  const m = (/** @type {(s: Sample) => number} */ g) => median(samples.map(g));
  return {
    version: samples[0].version,
    initMs: m((s) => s.initMs),
    inputsMs: m((s) => s.inputsMs),
    firstMs: m((s) => s.firstMs),
    totalMs: m((s) => s.totalMs),
    totalMinMs: Math.min(...samples.map((s) => s.totalMs)),
    totalMaxMs: Math.max(...samples.map((s) => s.totalMs)),
    bootMs: m((s) => s.bootMs),
    early: median(d.map((x) => x.early)),
    callsToSteady: median(toSteady),
    callsToReach: median(toReach),
    steadyUs: median(d.map((x) => x.steadyUs)),
  };
}

/** @param {string} runtime @param {string} kase @param {{ version: string, note: string }} meta @param {Record<string, ReturnType<typeof summarize>>} sum */
function table(runtime, kase, meta, sum) {
  const head = [
    "library",
    "version",
    "import+init ms",
    "inputs ms",
    "first call ms",
    "total ms (min–max)",
    `calls 2–${EARLY} ÷ steady`,
    "calls to steady (reach / stay)",
    "steady µs",
  ];
  const rows = Object.entries(sum).map(([lib, s]) => [
    lib,
    s.version,
    f(s.initMs),
    f(s.inputsMs, 2),
    f(s.firstMs, 2),
    `${f(s.totalMs)} (${f(s.totalMinMs)}–${f(s.totalMaxMs)})`,
    `${f(s.early, 2)}×`,
    `${calls(s.callsToReach)} / ${calls(s.callsToSteady)}`,
    f(s.steadyUs, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    `### ${runtime}, ${kase}: ${meta.version}, ${opts.samples} samples, medians`,
    "",
    CASE_TITLES[/** @type {import("./core.mjs").CaseName} */ (kase)],
    "",
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
    "",
    `${meta.note}; simdnn from ${opts.dist} (wasm baseline ${wasm.baseline}, relaxed ${wasm.relaxed})`,
  ].join("\n");
}

const dir = join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
for (const runtime of opts.runtimes) for (const kase of opts.cases) await run(runtime, kase);

/** @param {string} runtime @param {string} kase */
async function run(runtime, kase) {
  console.error(`${runtime} ${kase}: ${opts.warmup} warm-up + ${opts.samples} samples of ${opts.libs.join(", ")}`);
  const { version, note, samples } = await measure(runtime, kase);
  const sum = Object.fromEntries(Object.entries(samples).map(([lib, s]) => [lib, summarize(s)]));
  const path = join(dir, kase === "conv" ? `coldstart-${runtime}.json` : `coldstart-${runtime}-${kase}.json`);
  const record = {
    meta: {
      runtime,
      case: kase,
      version,
      note,
      date: new Date().toISOString(),
      samples: opts.samples,
      warmup: opts.warmup,
      dist: opts.dist,
      wasmSha256: wasm,
      layer: CASE_TITLES[/** @type {import("./core.mjs").CaseName} */ (kase)],
      calls: { early: EARLY, warm: WARM, steady: STEADY },
      definitions: {
        initMs: "import + init: just before the library's first import → engine/backend/session ready",
        totalMs: "import + init + inputs + first call (result read back)",
        early: `mean of calls 2..${EARLY} ÷ steady`,
        steadyUs: `median of the ${STEADY} calls after calls 1..${EARLY + WARM}`,
        callsToSteady: `first call i from which every moving median of 5 calls (i..i+4, ...) within calls 1..${
          EARLY + WARM
        } is ≤ 1.2 × steady`,
        callsToReach: "first call i whose window of 5 calls (i..i+4) has a median ≤ 1.2 × steady",
      },
    },
    summary: sum,
    samples,
  };
  writeFileSync(path, JSON.stringify(record) + "\n");
  console.log(`\n${table(runtime, kase, { version, note }, sum)}\n\nwrote ${path}`);
}
