// The digits page (examples/digits/) end to end: Vite builds it into build/digits/ (with the
// committed weights), a loopback server serves it, headless Chromium opens it, and strokes of
// digits are drawn on the pad, with the mouse and one with a finger (touch events), each after
// a Clear. The page must load the network, update while a stroke is drawn (not only at its
// end), and show the expected class for every digit. Prints each digit's probabilities and
// saves screenshots: build/digits-page.png (the last digit) and build/digits-page-<d>.png.
// Needs dist/ (`npm run test:digits` builds it when stale) and /usr/bin/chromium
// (SIMDNN_CHROMIUM overrides).
//   node tools/digits-page-test.mjs
import { chromiumLaunchOptions } from "./chromium.mjs";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "build/digits");
const require = createRequire(import.meta.url);
const vite = join(dirname(require.resolve("vite/package.json")), "bin/vite.js");
const T0 = performance.now();
const secs = () => ((performance.now() - T0) / 1000).toFixed(1);

if (!existsSync(join(root, "dist/mod.js"))) {
  console.error("digits-page-test: dist/mod.js is missing; `npm run test:digits` builds it");
  process.exit(2);
}

// --- the digits, as strokes on the pad (x, y in units of its side, y down) -------------------
/** A Catmull-Rom curve through `pts`, `n` points per span: round strokes from a few knots. */
function curve(pts, n = 6) {
  const at = (i) => pts[Math.max(0, Math.min(pts.length - 1, i))];
  const res = [pts[0]];
  for (let i = 0; i + 1 < pts.length; i++) {
    const [p0, p1, p2, p3] = [at(i - 1), at(i), at(i + 1), at(i + 2)];
    for (let k = 1; k <= n; k++) {
      const t = k / n, t2 = t * t, t3 = t2 * t;
      res.push(
        [0, 1].map((c) =>
          0.5 * (2 * p1[c] + (p2[c] - p0[c]) * t + (2 * p0[c] - 5 * p1[c] + 4 * p2[c] - p3[c]) * t2 +
            (3 * p1[c] - p0[c] - 3 * p2[c] + p3[c]) * t3)
        ),
      );
    }
  }
  return res;
}
/** A polyline through `pts`, `n` moves per side (a hand's mouse sends many small moves). */
const line = (pts, n = 8) =>
  pts.flatMap((b, i) =>
    i === 0
      ? [b]
      : Array.from({ length: n }, (_, k) => [0, 1].map((c) => pts[i - 1][c] + (b[c] - pts[i - 1][c]) * (k + 1) / n))
  );
const ellipse = (cx, cy, rx, ry, n = 40) =>
  Array.from({ length: n + 3 }, (_, i) => {
    const a = (i / n) * 2 * Math.PI; // counter-clockwise from the top, a little past the start
    return [cx - rx * Math.sin(a), cy - ry * Math.cos(a)];
  });

/** `strokes` shrunk by `s` about the pad's centre and moved by (dx, dy): a small digit off-centre. */
const moved = (strokes, s, dx, dy) =>
  strokes.map((st) => st.map(([x, y]) => [0.5 + (x - 0.5) * s + dx, 0.5 + (y - 0.5) * s + dy]));

// The 1 is drawn with a finger, the 9 small in a corner (the page crops and scales it).
const DIGITS = [
  { digit: 1, touch: true, strokes: [line([[0.53, 0.16], [0.5, 0.5], [0.47, 0.84]])] },
  { digit: 0, strokes: [ellipse(0.5, 0.5, 0.21, 0.31)] },
  { digit: 7, strokes: [line([[0.27, 0.2], [0.73, 0.2], [0.57, 0.47], [0.46, 0.84]])] },
  {
    digit: 2,
    strokes: [curve([[0.3, 0.32], [0.4, 0.19], [0.56, 0.17], [0.68, 0.28], [0.62, 0.46], [0.3, 0.8], [0.72, 0.8]])],
  },
  {
    digit: 3,
    strokes: [
      curve([[0.3, 0.22], [0.48, 0.15], [0.64, 0.24], [0.58, 0.42], [0.44, 0.47], [0.62, 0.54], [0.66, 0.72], [
        0.5,
        0.83,
      ], [0.3, 0.77]]),
    ],
  },
  { digit: 4, strokes: [line([[0.55, 0.16], [0.28, 0.6], [0.75, 0.6]]), line([[0.62, 0.36], [0.62, 0.86]])] },
  {
    digit: 5,
    strokes: [
      curve([[0.38, 0.18], [0.35, 0.47], [0.5, 0.43], [0.65, 0.55], [0.63, 0.74], [0.48, 0.83], [0.32, 0.77]]),
      line([[0.38, 0.18], [0.68, 0.18]]),
    ],
  },
  {
    digit: 6,
    strokes: [
      curve([
        [0.62, 0.16],
        [0.46, 0.3],
        [0.36, 0.5],
        [0.36, 0.7],
        [0.5, 0.83],
        [0.64, 0.74],
        [0.62, 0.58],
        [0.48, 0.53],
        [0.36, 0.64],
      ]),
    ],
  },
  {
    digit: 8,
    strokes: [
      curve([
        [0.62, 0.24],
        [0.5, 0.16],
        [0.38, 0.24],
        [0.42, 0.38],
        [0.58, 0.55],
        [0.62, 0.72],
        [0.5, 0.84],
        [0.37, 0.73],
        [0.42, 0.56],
        [0.58, 0.4],
        [0.62, 0.24],
      ]),
    ],
  },
  {
    digit: 9,
    strokes: moved(
      [curve([[0.62, 0.3], [0.5, 0.18], [0.38, 0.28], [0.42, 0.42], [0.56, 0.44], [0.63, 0.33], [0.62, 0.55], [
        0.58,
        0.84,
      ]])],
      0.45,
      -0.25,
      -0.22,
    ),
  },
];

// --- build and serve ---------------------------------------------------------------------------
const built = spawnSync(process.execPath, [vite, "build", "examples/digits", "--logLevel", "warn"], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, NO_COLOR: "1" },
});
if (built.status !== 0) {
  console.error(
    `digits-page-test: vite build failed (exit ${built.status ?? built.signal}):\n${built.stdout}${built.stderr}`,
  );
  process.exit(1);
}
console.log(`digits-page-test: vite built examples/digits into build/digits  (t=${secs()}s)`);

const TYPES = { ".js": "text/javascript", ".html": "text/html", ".css": "text/css", ".svg": "image/svg+xml" };
// Served cross-origin isolated, as the page's vite config serves it (threads), unless the path
// starts with /plain/ (no isolation headers: the page must say it runs on one thread, and why).
const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
const server = createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const plain = p.startsWith("/plain/");
  if (plain) p = p.slice("/plain".length);
  const file = normalize(join(out, p === "/" ? "index.html" : p));
  if (!file.startsWith(out) || !existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    ...(plain ? {} : ISOLATION),
  })
    .end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));

const { chromium } = await import("playwright-core");
const browser = await chromium.launch(chromiumLaunchOptions());
const failures = [];
try {
  const context = await browser.newContext({ viewport: { width: 800, height: 640 }, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = page.locator("#result");
  try {
    await page.waitForFunction(
      () => {
        const r = document.getElementById("result");
        return r?.dataset.ready === "true" || r?.dataset.error;
      },
      null,
      { timeout: 30_000 },
    );
  } catch {
    throw new Error(`the page did not load the network in 30 s; errors: ${errors.join("; ") || "none"}`);
  }
  const loadError = await result.getAttribute("data-error");
  if (loadError) throw new Error(`the page could not load the network: ${loadError}`);
  const status = await page.locator("#status").textContent();
  console.log(`digits-page-test: ${status}  (t=${secs()}s)`);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  if (cores > 1 && !status.includes(`${cores} threads`)) failures.push(`isolated, the page runs: ${status}`);

  const box = await page.locator("#pad").boundingBox();
  const toPage = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  const cdp = await context.newCDPSession(page);
  const settled = (strokes) =>
    page.waitForFunction(
      (n) => {
        const r = document.getElementById("result");
        return r.dataset.pending === "false" && r.dataset.strokes === String(n);
      },
      strokes,
      { timeout: 10_000 },
    );
  const updates = async () => Number(await result.getAttribute("data-updates"));

  for (const d of DIGITS) {
    await page.click("#clear");
    await settled(0);
    if ((await result.getAttribute("data-prediction")) !== "") failures.push(`after Clear the page still predicts`);
    const before = await updates();
    let midStroke = 0;
    for (const stroke of d.strokes) {
      const pts = stroke.map(toPage);
      if (d.touch) {
        const touch = (type, [x, y]) =>
          cdp.send("Input.dispatchTouchEvent", { type, touchPoints: type === "touchEnd" ? [] : [{ x, y }] });
        await touch("touchStart", pts[0]);
        for (const p of pts.slice(1)) await touch("touchMove", p);
        midStroke = await updates();
        await touch("touchEnd", pts.at(-1));
      } else {
        await page.mouse.move(...pts[0]);
        await page.mouse.down();
        for (const p of pts.slice(1)) await page.mouse.move(...p);
        midStroke = await updates();
        await page.mouse.up();
      }
    }
    await settled(d.strokes.length);
    const shown = await result.getAttribute("data-prediction");
    const probs = (await result.getAttribute("data-probabilities")).split(",").map(Number);
    const how = d.touch ? "touch" : "mouse";
    const list = probs.map((p, i) => `${i}:${(p * 100).toFixed(1)}`).join(" ");
    console.log(
      `digits-page-test: drew ${d.digit} (${how}, ${d.strokes.length} stroke${d.strokes.length > 1 ? "s" : ""}, ${
        midStroke - before
      } updates while drawing) -> ${shown} (${(probs[Number(shown)] * 100).toFixed(1)}%)  [${list}]`,
    );
    if (shown !== String(d.digit)) failures.push(`drew a ${d.digit} (${how}), the page shows ${shown} [${list}]`);
    // Live updates: some ran before the last stroke ended, not only one at the end.
    if (!(midStroke - before >= 2)) failures.push(`drawing a ${d.digit}: ${midStroke - before} update(s) mid-stroke`);
    await page.screenshot({ path: join(root, `build/digits-page-${d.digit}.png`) });
  }
  await page.screenshot({ path: join(root, "build/digits-page.png") });
  // Without the isolation headers: one thread, and the status line names the headers.
  const plain = await context.newPage();
  plain.on("pageerror", (e) => errors.push(String(e)));
  await plain.goto(`http://127.0.0.1:${server.address().port}/plain/`);
  await plain.waitForFunction(() => document.getElementById("result")?.dataset.ready === "true", null, {
    timeout: 30_000,
  });
  const plainStatus = await plain.locator("#status").textContent();
  console.log(`digits-page-test: not isolated: ${plainStatus}`);
  if (!/1 thread: .*Cross-Origin-Opener-Policy: same-origin/.test(plainStatus)) {
    failures.push(`not isolated, the page says: ${plainStatus}`);
  }
  if (errors.length) failures.push(`page errors: ${errors.join("; ")}`);
} catch (e) {
  failures.push(e?.stack ?? String(e));
} finally {
  await browser.close();
  server.close();
}
if (failures.length) {
  for (const f of failures) console.error(`digits-page-test: FAIL: ${f}`);
  process.exit(1);
}
console.log(
  `digits-page-test: Chromium classified ${DIGITS.map((d) => d.digit).join(", ")} drawn on the page as drawn; ` +
    `screenshot build/digits-page.png (${secs()}s)`,
);
