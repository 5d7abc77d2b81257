// The digits page: draw on the pad (mouse, pen or finger), and LeNet-5 with the main job's
// weights (lenet5.safetensors, beside the page) classifies the drawing at most once per
// animation frame while you draw. The page's state is mirrored on #result for tests:
// data-ready (the network is loaded), data-strokes, data-pending (an update is scheduled),
// data-updates (how many have run), data-prediction (the top class, "" with no ink) and
// data-probabilities (10 values).
import { load, nn } from "simdnn";
import { SIZE, toMnist } from "./preprocess.js";

const WEIGHTS = "lenet5.safetensors";
/** The on-screen pen's width, a fraction of the pad's side (the network's input has its own). */
const SCREEN_PEN = 0.07;

const $ = (id) => document.getElementById(id);
const pad = $("pad"), preview = $("input"), result = $("result"), statusLine = $("status");
const digitEl = $("digit"), confidenceEl = $("confidence");
const padCtx = pad.getContext("2d"), previewCtx = preview.getContext("2d");

const bars = Array.from({ length: 10 }, (_, d) => {
  const li = document.createElement("li");
  li.innerHTML = `<span class="label">${d}</span><span class="track"><span class="fill"></span></span>` +
    `<span class="pct">0.0%</span>`;
  $("bars").append(li);
  return { li, fill: li.querySelector(".fill"), pct: li.querySelector(".pct") };
});

// --- drawing ---------------------------------------------------------------------------------
/** Strokes as flat [x0, y0, x1, y1, …] in units of the pad's side (so a resize keeps them). */
let strokes = [];
let active = null; // { id, points } while a pointer draws
let engine = null, model = null, info = "", frame = 0, updates = 0;
const times = []; // the last inferences' durations, ms

function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
}

function resizePad() {
  const r = pad.getBoundingClientRect(), side = Math.max(1, Math.round(r.width * devicePixelRatio));
  if (pad.width !== side) {
    pad.width = pad.height = side;
    redraw();
  }
}

function setPen() {
  padCtx.setTransform(pad.width, 0, 0, pad.height, 0, 0);
  padCtx.lineWidth = SCREEN_PEN;
  padCtx.lineCap = padCtx.lineJoin = "round";
  padCtx.strokeStyle = padCtx.fillStyle = "#fff";
}

function redraw() {
  padCtx.setTransform(1, 0, 0, 1, 0, 0);
  padCtx.clearRect(0, 0, pad.width, pad.height);
  setPen();
  for (const s of strokes) drawStroke(s, 0);
}

/** Draws the stroke's points from index `from` (a point index) on, joined to the one before. */
function drawStroke(s, from) {
  if (s.length === 2) {
    padCtx.beginPath();
    padCtx.arc(s[0], s[1], SCREEN_PEN / 2, 0, 2 * Math.PI);
    padCtx.fill();
    return;
  }
  padCtx.beginPath();
  const i0 = Math.max(0, from - 1) * 2;
  padCtx.moveTo(s[i0], s[i0 + 1]);
  for (let i = i0 + 2; i < s.length; i += 2) padCtx.lineTo(s[i], s[i + 1]);
  padCtx.stroke();
}

pad.addEventListener("pointerdown", (e) => {
  if (active || (e.pointerType === "mouse" && e.button !== 0)) return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  active = { id: e.pointerId, points: padPoint(e) };
  strokes.push(active.points);
  setPen();
  drawStroke(active.points, 0);
  schedule();
});

pad.addEventListener("pointermove", (e) => {
  if (!active || e.pointerId !== active.id) return;
  const p = active.points, from = p.length / 2;
  // The coalesced events are the moves the browser merged into this one: smoother strokes.
  for (const c of e.getCoalescedEvents?.() ?? [e]) p.push(...padPoint(c));
  if (p.length / 2 > from) {
    setPen();
    drawStroke(p, from);
    schedule();
  }
});

function endStroke(e) {
  if (!active || e.pointerId !== active.id) return;
  active = null;
  schedule();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

function clear() {
  strokes = [];
  active = null;
  redraw();
  schedule();
}
$("clear").addEventListener("click", clear);
addEventListener("keydown", (e) => {
  if (e.key === "Escape" || e.key === "Delete" || e.key === "Backspace") clear();
});

new ResizeObserver(resizePad).observe(pad);
resizePad();

// --- the network -----------------------------------------------------------------------------

/** At most one update per animation frame, however many pointer events arrive. */
function schedule() {
  result.dataset.pending = "true";
  frame ||= requestAnimationFrame(update);
}

function update() {
  frame = 0;
  const img = toMnist(strokes);
  showInput(img);
  let probs = null;
  if (img && model) {
    const t0 = performance.now();
    probs = engine.scope(() => {
      const logits = model.predict(engine.tensor(img, [1, 1, SIZE, SIZE]));
      return Array.from(engine.softmax(logits, 1).data);
    });
    times.push(performance.now() - t0);
    if (times.length > 30) times.shift();
  }
  showProbabilities(probs);
  result.dataset.strokes = String(strokes.length);
  result.dataset.updates = String(++updates);
  result.dataset.pending = "false";
}

function showInput(img) {
  const px = previewCtx.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const v = img ? Math.round(img[i] * 255) : 0;
    px.data.set([v, v, v, 255], 4 * i);
  }
  previewCtx.putImageData(px, 0, 0);
}

function showProbabilities(probs) {
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  bars.forEach((b, d) => {
    const p = probs?.[d] ?? 0;
    b.fill.style.width = `${(p * 100).toFixed(1)}%`;
    b.pct.textContent = `${(p * 100).toFixed(1)}%`;
    b.li.classList.toggle("top", d === top);
  });
  digitEl.textContent = top >= 0 ? String(top) : "–";
  confidenceEl.textContent = top >= 0 ? `${(probs[top] * 100).toFixed(1)}% sure` : model ? "draw a digit" : "loading…";
  result.dataset.prediction = top >= 0 ? String(top) : "";
  result.dataset.probabilities = probs ? probs.map((p) => p.toFixed(4)).join(",") : "";
  if (engine) {
    const ms = times.length ? ` · inference ${median(times).toFixed(1)} ms` : "";
    statusLine.textContent = `simdnn ${engine.build} build, ${threadsInfo(engine.threads)} · LeNet-5, ${info}${ms}`;
  }
}

// "2 threads", or "1 thread" and why (a page that is not cross-origin isolated: the headers it needs).
const threadsInfo = (t) => t.count > 1 ? `${t.count} threads` : `1 thread: ${t.reason}`;

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** The safetensors header's `__metadata__` (the main job records the held-out accuracy there). */
function metadata(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).__metadata__ ?? {};
}

try {
  const [e, bytes] = await Promise.all([
    load(),
    fetch(WEIGHTS).then((r) => {
      if (!r.ok) throw new Error(`${WEIGHTS}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }).then((b) => new Uint8Array(b)),
  ]);
  // The workers start in the background (threads: "auto"); the first drawing waits for them.
  await e.threadsReady();
  const m = new nn.Model(e, nn.lenet5());
  m.load(bytes);
  m.eval();
  const acc = Number(metadata(bytes).heldOutAccuracy);
  info = `${(m.store.slab.size / 1e6).toFixed(2)} M weights (${(bytes.length / 1e6).toFixed(1)} MB file` +
    `${acc > 0 ? `, ${(acc * 100).toFixed(1)}% on held-out MNIST` : ""})`;
  engine = e;
  model = m;
  result.dataset.ready = "true";
  schedule();
} catch (err) {
  statusLine.textContent = `Could not load the network: ${err?.message ?? err}`;
  result.dataset.error = String(err?.message ?? err);
  throw err;
}
