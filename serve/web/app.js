// The explorer's page. It only draws: every number comes from the JSON API
// of package serve (see README, "Explorer").
"use strict";

const $ = (id) => document.getElementById(id);

// state is the view; the URL's hash encodes it (see saveHash).
const state = {
  kind: "preset", name: "seed-mog", mnist: 0, mixture: null, points: null, image: null,
  level: 3, sampler: "langevin", source: "exact", n: 2000, stepSize: "", perFrame: 1, perLevel: 10, leapfrog: 5, trails: false,
  epsFactor: 0, // annealed: ε in units of σ_L² (0: the server's default, 1)
  sde: "ve", nfe: "", fixRange: false, lview: "arrows",
  label: "", guidance: 0, given: null, // conditioning of langevin and annealed (effCond)
};
let info = null;      // GET /api/info
let target = null;    // POST /api/target answer for the current spec
let field = null;     // the exact field at the level (or at time t of the reverse process)
let learned = null;   // the learned field at the level, or null
let particles = null; // Float32Array, flat
let particlesB64 = ""; // the same, as the API takes them
let t = 0;            // sampler steps taken
let playing = false, inFlight = false, metricsBusy = false, lastMetrics = 0;
let stopAt = 0;       // a lesson's last step of a sampler without an end (0: none)
let queue = [];       // states from the step endpoint not painted yet
let frames = [];      // times of painted particle frames, for the fps figure
let losses = [];      // [step, meanLoss]
let trainSteps = 0;   // the running or last job's steps: the loss chart's x-range
let trainAbort = null;
let seed = 1;
// The reverse SDE/ODE samplers: POST /api/reverse answers with the whole
// reverse process as frames, which the page plays back (interpolating
// between them) or shows at the time slider.
const reverseNames = ["em", "pc", "ode", "heun", "ddim", "dpm2m"];
let traj = null;      // the answer: {sde, sampler, nfe, frames: [{t, x}], metrics}
let trajX = [];       // its frames decoded
let trajPos = 0;      // the frame shown, fractional while playing
let trajLast = 0;     // performance.now() at the last painted frame
const trajSeconds = 3; // playback time from the prior to the data

function isReverse() { return reverseNames.includes(state.sampler); }

// ---- messages ----

// setStatus shows what the page is doing; setNote a passing remark that
// clears itself after eight seconds.
function setStatus(msg) { $("status").textContent = msg || ""; }

function setNote(msg) {
  setStatus(msg);
  setTimeout(() => { if ($("status").textContent === msg) setStatus(""); }, 8000);
}

// showError says what failed as a sentence, and clears itself after ten
// seconds or at the next change of the view (clearError).
let errorTimer = 0;
function showError(what, e) {
  if (e && e.message === "stale") return;
  let m = (e && e.message) || String(e || "");
  m = m.replace(/^request body: /, "");
  if (/Failed to fetch|NetworkError/.test(m)) m = "the explorer's server does not answer; is sgm serve still running?";
  const s = `Could not ${what}: ${m}`.replace(/[.\s]*$/, ".");
  const el = $("error");
  el.textContent = s;
  el.classList.remove("hidden");
  clearTimeout(errorTimer);
  errorTimer = setTimeout(clearError, 10000);
}

function clearError() {
  $("error").textContent = "";
  $("error").classList.add("hidden");
}

// trace keeps the last few view changes, for the browser test's
// failure messages.
const traceLog = [];
function trace(msg) {
  traceLog.push(`${Math.round(performance.now())} ${msg}`);
  if (traceLog.length > 40) traceLog.shift();
}

// ---- the API ----

// netBytes counts the bytes of the answers' bodies by endpoint, for the
// browser test's transfer budget.
const netBytes = {};

// api posts body as JSON (GET without one) and returns the decoded answer,
// or throws the server's one-line error.
async function api(path, body) {
  const opt = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, opt);
  const type = res.headers.get("Content-Type") || "";
  if (!res.ok) {
    const e = type.startsWith("application/json") ? (await res.json()).error : res.statusText;
    throw new Error(e);
  }
  if (!type.startsWith("application/json")) return res.blob();
  const buf = await res.arrayBuffer();
  netBytes[path] = (netBytes[path] || 0) + buf.byteLength;
  return JSON.parse(new TextDecoder().decode(buf));
}

function spec() {
  switch (state.kind) {
    case "preset": return { preset: state.name };
    case "toy": return { toy: state.name };
    case "mnist": return { mnist: Number(state.mnist) };
    case "mixture": return { mixture: state.mixture };
    case "draw": return { points: state.points };
    case "upload": return state.image ? { image: state.image } : { points: state.points };
  }
}

function haveData() {
  switch (state.kind) {
    case "draw": return !!state.points;
    case "upload": return !!(state.points || state.image);
    case "mixture": return !!state.mixture;
  }
  return true;
}

// hasModel reports whether the server's model was trained on the target.
function hasModel() { return !!(info && info.model && target && info.model.target === target.key); }

// ---- canvases: sized to their box and the screen's pixel density ----

// fit sizes c's backing store to its CSS box times devicePixelRatio and
// returns its 2-D context, scaled so that drawing is in CSS pixels, with
// the box's width and height.
function fit(c) {
  const dpr = window.devicePixelRatio || 1, r = c.getBoundingClientRect();
  const w = Math.max(10, Math.round(r.width)), h = Math.max(10, Math.round(r.height));
  if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
  }
  const ctx = c.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h, dpr };
}

// plotRect is the square where a view draws the target's box, inside the
// margins that its axes' labels take.
function plotRect(w, h) {
  const left = 38, bottom = 22, top = 6, right = 8;
  const side = Math.max(10, Math.min(w - left - right, h - top - bottom));
  return { x: left + (w - left - right - side) / 2, y: top, w: side, h: side };
}

// ---- coordinates ----

// toScreen maps a point (p0, p1) into the plot rectangle P over the
// target's box: x0 right and x1 up, or, for images, x0 down (the row) and
// x1 right (the column).
function toScreen(p0, p1, P) {
  const b = target.box;
  if (target.space === "image") {
    return [P.x + (p1 - b[2]) / (b[3] - b[2]) * P.w, P.y + (p0 - b[0]) / (b[1] - b[0]) * P.h];
  }
  return [P.x + (p0 - b[0]) / (b[1] - b[0]) * P.w, P.y + P.h - (p1 - b[2]) / (b[3] - b[2]) * P.h];
}

// fromScreen inverts toScreen.
function fromScreen(sx, sy, P) {
  const b = target.box, u = (sx - P.x) / P.w, v = (sy - P.y) / P.h;
  if (target.space === "image") return [b[0] + v * (b[1] - b[0]), b[2] + u * (b[3] - b[2])];
  return [b[0] + u * (b[1] - b[0]), b[2] + (1 - v) * (b[3] - b[2])];
}

// ---- drawing ----

// colour maps u in [0, 1] to viridis, dark purple to yellow.
function colour(u) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  u = Math.min(1, Math.max(0, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u)), f = u - i;
  return stops[i].map((c, k) => Math.round(c + f * (stops[i + 1][k] - c)));
}

// niceTicks returns about n round numbers spanning [lo, hi].
function niceTicks(lo, hi, n) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < 1e-12 * span ? 0 : v);
  return out;
}

function fmt(v) { return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))); }

// fixedRange is the colour range shared by every level when "same
// colours at every level" is on: from level 0's field, the sharpest.
let fixedRange = null;

// range returns the colour range [lo, hi] of log p for f: twelve nats
// below its top, or the fixed range.
function range(f) {
  if (state.fixRange && fixedRange && fixedRange.key === target.key && f.t === undefined) return fixedRange;
  let hi = -Infinity;
  for (const v of f.logp) hi = Math.max(hi, v);
  return { lo: hi - 12, hi: hi };
}

// heat draws the n×n values vals (grid point (i, j) at vals[j*n+i]) in the
// plot rectangle P, coloured over [lo, hi].
function heat(ctx, P, n, vals, lo, hi) {
  const img = new ImageData(n, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const [r, g, b] = colour((vals[j * n + i] - lo) / (hi - lo));
      let px, py;
      if (target.space === "image") { px = j; py = i; } else { px = i; py = n - 1 - j; }
      const k = 4 * (py * n + px);
      img.data[k] = r; img.data[k + 1] = g; img.data[k + 2] = b; img.data[k + 3] = 255;
    }
  }
  const off = document.createElement("canvas");
  off.width = n; off.height = n;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.save();
  ctx.beginPath(); ctx.rect(P.x, P.y, P.w, P.h); ctx.clip();
  ctx.imageSmoothingEnabled = true;
  // Grid points sit at cell centres of the stretched image: half a cell
  // hangs over each edge of the box.
  const cw = P.w / (n - 1), ch = P.h / (n - 1);
  ctx.drawImage(off, P.x - cw / 2, P.y - ch / 2, P.w + cw, P.h + ch);
  ctx.restore();
}

// background draws log p of f as colours and contour lines in P.
function background(ctx, P, f) {
  ctx.fillStyle = "#1b1b2f";
  ctx.fillRect(P.x, P.y, P.w, P.h);
  if (!f || !f.logp) return null;
  const r = range(f);
  heat(ctx, P, f.x.length, f.logp, r.lo, r.hi);
  contours(ctx, P, f, r.lo, r.hi);
  return r;
}

// contours draws log p's level lines by marching squares.
function contours(ctx, P, f, lo, hi) {
  const n = f.x.length, lp = f.logp;
  ctx.save();
  ctx.beginPath(); ctx.rect(P.x, P.y, P.w, P.h); ctx.clip();
  ctx.strokeStyle = "rgba(255,255,255,0.3)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let c = 1; c < 8; c++) {
    const v = lo + (hi - lo) * c / 8;
    for (let j = 0; j + 1 < n; j++) {
      for (let i = 0; i + 1 < n; i++) {
        const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        const pts = [];
        for (let e = 0; e < 4; e++) {
          const [ai, aj] = corners[e], [bi, bj] = corners[(e + 1) % 4];
          const a = lp[aj * n + ai] - v, b = lp[bj * n + bi] - v;
          if ((a < 0) !== (b < 0)) {
            const s = a / (a - b);
            pts.push(toScreen(f.x[ai] + s * (f.x[bi] - f.x[ai]), f.y[aj] + s * (f.y[bj] - f.y[aj]), P));
          }
        }
        for (let k = 0; k + 1 < pts.length; k += 2) {
          ctx.moveTo(pts[k][0], pts[k][1]);
          ctx.lineTo(pts[k + 1][0], pts[k + 1][1]);
        }
      }
    }
  }
  ctx.stroke();
  ctx.restore();
}

// axes draws the box's ticks and labels around P.
function axes(ctx, P) {
  const b = target.box, img = target.space === "image";
  ctx.save();
  ctx.strokeStyle = "#556"; ctx.fillStyle = "#334"; ctx.lineWidth = 1;
  ctx.font = "11px system-ui";
  ctx.strokeRect(P.x + 0.5, P.y + 0.5, P.w - 1, P.h - 1);
  // Horizontal axis: x0, or an image's column x1.
  const [hlo, hhi] = img ? [b[2], b[3]] : [b[0], b[1]];
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of niceTicks(hlo, hhi, 5)) {
    const x = P.x + (v - hlo) / (hhi - hlo) * P.w;
    ctx.beginPath(); ctx.moveTo(x, P.y + P.h); ctx.lineTo(x, P.y + P.h + 4); ctx.stroke();
    ctx.fillText(fmt(v), x, P.y + P.h + 5);
  }
  // Vertical axis: x1 up, or an image's row x0 down.
  const [vlo, vhi] = img ? [b[0], b[1]] : [b[2], b[3]];
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of niceTicks(vlo, vhi, 5)) {
    const y = img ? P.y + (v - vlo) / (vhi - vlo) * P.h : P.y + P.h - (v - vlo) / (vhi - vlo) * P.h;
    ctx.beginPath(); ctx.moveTo(P.x, y); ctx.lineTo(P.x - 4, y); ctx.stroke();
    ctx.fillText(fmt(v), P.x - 6, y);
  }
  ctx.restore();
}

// colourBar draws the colour ramp over [lo, hi] with ticks and a label
// into canvas c.
function colourBar(c, lo, hi, label) {
  const { ctx, w, h } = fit(c);
  ctx.clearRect(0, 0, w, h);
  if (!(hi > lo)) return;
  const x0 = 38, x1 = Math.min(w - 8, x0 + 600), bh = 10;
  for (let x = x0; x < x1; x++) {
    const [r, g, b] = colour((x - x0) / (x1 - x0));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, 2, 1, bh);
  }
  ctx.strokeStyle = "#556"; ctx.strokeRect(x0 + 0.5, 2.5, x1 - x0 - 1, bh);
  ctx.fillStyle = "#334"; ctx.font = "11px system-ui"; ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of niceTicks(lo, hi, 6)) {
    const x = x0 + (v - lo) / (hi - lo) * (x1 - x0);
    ctx.fillRect(x, 2 + bh, 1, 3);
    ctx.fillText(fmt(v), x, 4 + bh + 2);
  }
  ctx.textAlign = "left";
  ctx.fillText(label, x0, 4 + bh + 14);
}

// arrowScale is the score length drawn one arrow cell long: the 90th
// percentile of the lengths at grid points near the data (log p within 6
// nats of its top), so that the arrows on the data read, and the longer
// ones far away are clipped.
function arrowScale(f, ref) {
  const s = f.score, lens = [];
  const lp = ref && ref.logp && ref.logp.length === s.length / 2 ? ref.logp : null;
  let hi = -Infinity;
  if (lp) for (const v of lp) hi = Math.max(hi, v);
  for (let k = 0; k < s.length; k += 2) {
    if (lp && lp[k / 2] < hi - 6) continue;
    lens.push(Math.hypot(s[k], s[k + 1]));
  }
  lens.sort((a, b) => a - b);
  return lens[Math.floor(0.9 * (lens.length - 1))] || 1;
}

// arrows draws f's score in P as arrows filled with fill and outlined in
// dark, the length top one cell long.
function arrows(ctx, P, f, fill, top, width = 1.6) {
  const n = f.x.length, s = f.score;
  // An arrow every 22 pixels or more: every stride-th grid point.
  const stride = Math.max(1, Math.ceil(n * 22 / P.w));
  const cell = P.w / n * stride;
  const segs = [];
  for (let j = Math.floor(stride / 2); j < n; j += stride) {
    for (let i = Math.floor(stride / 2); i < n; i += stride) {
      const k = j * n + i, L = Math.hypot(s[2 * k], s[2 * k + 1]);
      if (!(L > 0)) continue;
      const len = Math.min(L, top) / top * cell * 0.9;
      if (len < 1.5) continue;
      const [x, y] = toScreen(f.x[i], f.y[j], P);
      // The score's direction on the screen.
      const [ex, ey] = toScreen(f.x[i] + s[2 * k] / L * 1e-3 * (target.box[1] - target.box[0]),
        f.y[j] + s[2 * k + 1] / L * 1e-3 * (target.box[3] - target.box[2]), P);
      let dx = ex - x, dy = ey - y;
      const d = Math.hypot(dx, dy) || 1;
      segs.push([x, y, dx / d * len, dy / d * len]);
    }
  }
  for (const [style, lw] of [["rgba(0,0,0,0.8)", width + 2], [fill, width]]) {
    ctx.strokeStyle = style; ctx.fillStyle = style; ctx.lineWidth = lw; ctx.lineJoin = "round";
    for (const [x, y, dx, dy] of segs) {
      const len = Math.hypot(dx, dy), a = Math.atan2(dy, dx), hl = Math.min(6, len * 0.45);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + dx - 0.6 * hl * Math.cos(a), y + dy - 0.6 * hl * Math.sin(a));
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x + dx, y + dy);
      ctx.lineTo(x + dx - hl * Math.cos(a - 0.5), y + dy - hl * Math.sin(a - 0.5));
      ctx.lineTo(x + dx - hl * Math.cos(a + 0.5), y + dy - hl * Math.sin(a + 0.5));
      ctx.closePath();
      if (style === fill) ctx.fill(); else ctx.stroke();
    }
  }
}

// dots draws points in P as r×r squares, outlined in dark when outline
// is set: toScreen's map inlined, one path filled once, since this runs
// for every particle of every frame.
function dots(ctx, P, pts, style, r, outline) {
  if (!pts) return;
  const b = target.box, img = target.space === "image";
  const sx = P.w / (b[1] - b[0]), sy = P.h / (b[3] - b[2]);
  const path = (rr) => {
    const h2 = rr / 2;
    ctx.beginPath();
    for (let k = 0; k + 1 < pts.length; k += 2) {
      let x, y;
      if (img) { x = P.x + (pts[k + 1] - b[2]) * P.w / (b[3] - b[2]); y = P.y + (pts[k] - b[0]) * P.h / (b[1] - b[0]); } else { x = P.x + (pts[k] - b[0]) * sx; y = P.y + P.h - (pts[k + 1] - b[2]) * sy; }
      if (x < P.x - rr || y < P.y - rr || x > P.x + P.w + rr || y > P.y + P.h + rr) continue;
      ctx.rect(x - h2, y - h2, rr, rr);
    }
  };
  if (outline) { ctx.fillStyle = outline; path(r + 2); ctx.fill(); }
  ctx.fillStyle = style; path(r); ctx.fill();
}

// The exact view is drawn in two layers: the field (redrawn when it
// changes) and the particles over it, faded rather than cleared for trails.
const fieldLayer = document.createElement("canvas");
const trailLayer = document.createElement("canvas");
let viewGeom = null; // {w, h, P} of the view as last laid out

// layout sizes the view and its layers to the view's box.
function layout() {
  const { w, h, dpr } = fit($("view"));
  for (const l of [fieldLayer, trailLayer]) {
    if (l.width !== Math.round(w * dpr) || l.height !== Math.round(h * dpr)) { l.width = Math.round(w * dpr); l.height = Math.round(h * dpr); }
    l.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  viewGeom = { w, h, P: plotRect(w, h) };
}

// fieldWords says what the view's background is, for captions.
function fieldWords(f) {
  if (f.t !== undefined && f.t !== null) return `p_t at t = ${f.t.toFixed(2)} of the ${f.sde.toUpperCase()} SDE`;
  return `log p at σ = ${f.sigma.toPrecision(3)} (level ${f.level})`;
}

function drawField() {
  layout();
  const { w, h, P } = viewGeom, ctx = fieldLayer.getContext("2d");
  ctx.clearRect(0, 0, w, h);
  if (!target) { placeholder(ctx, w, h, $("targetname").textContent); paintParticles(); drawLearned(); return; }
  const r = background(ctx, P, field);
  if ($("showdata").checked) dots(ctx, P, target.points, "rgba(235,235,245,0.6)", 1.6);
  if (field && $("arrows").checked) arrows(ctx, P, field, "#ffffff", arrowScale(field, field));
  if (state.kind === "mixture" && state.mixture) handles(ctx, P);
  axes(ctx, P);
  if (r) colourBar($("viewbar"), r.lo, r.hi, field.t !== undefined ? "log p_t (natural log)" : "log p at σ (natural log)" + (state.fixRange ? ", same range at every level" : ""));
  $("view").setAttribute("aria-label", field ? `${fieldWords(field)} of ${target.name}, with its score as arrows` : target.name);
  $("viewlegend").textContent = "colour and contours: " + (field && field.t !== undefined ? "log p_t, the density the reverse process's particles follow at time t" : "log p of the data blurred at σ") +
    ` (${target.density}); white arrows: its score ∇ log p; pink dots: particles; grey dots: data`;
  trailLayer.getContext("2d").clearRect(0, 0, w, h);
  paintParticles();
  drawLearned();
}

function placeholder(ctx, w, h, text) {
  ctx.fillStyle = "#1b1b2f";
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#dde";
  ctx.font = "15px system-ui";
  let y = 30;
  // Wrap the text to the width.
  let line = "";
  for (const word of (text || "").split(" ")) {
    if (ctx.measureText(line + word).width > w - 40 && line) { ctx.fillText(line, 20, y); y += 20; line = ""; }
    line += word + " ";
  }
  ctx.fillText(line, 20, y);
}

// handles rings the mixture's component means, which can be dragged.
function handles(ctx, P) {
  ctx.lineWidth = 2;
  for (const c of state.mixture.components || []) {
    const [x, y] = toScreen(c.mean[0], c.mean[1], P);
    for (const [s, r] of [["#000", 9], ["#fff", 7]]) {
      ctx.strokeStyle = s;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
}

// Dragging a component's mean on the view moves it; the field follows,
// computed in Go over the box as it was when the drag began.
let drag = null, dragBusy = false, givenDrag = null;

function viewPoint(ev) {
  const c = $("view"), r = c.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

function setupDrag() {
  const c = $("view");
  c.addEventListener("pointerdown", (ev) => {
    if (!target || !viewGeom) return;
    const [sx, sy] = viewPoint(ev);
    if (effCond().given !== null && Math.abs((target.space === "image" ? sy : sx) - givenScreen(viewGeom.P)) < (ev.pointerType === "touch" ? 24 : 10)) {
      givenDrag = { id: ev.pointerId };
      c.setPointerCapture(ev.pointerId);
      ev.preventDefault();
      return;
    }
    if (state.kind !== "mixture" || !state.mixture) return;
    let best = -1, bestD = ev.pointerType === "touch" ? 30 : 15;
    (state.mixture.components || []).forEach((comp, k) => {
      const [x, y] = toScreen(comp.mean[0], comp.mean[1], viewGeom.P);
      const d = Math.hypot(x - sx, y - sy);
      if (d < bestD) { best = k; bestD = d; }
    });
    if (best < 0) return;
    drag = { k: best, box: target.box.slice() };
    c.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  });
  c.addEventListener("pointermove", async (ev) => {
    if (givenDrag) {
      const [sx, sy] = viewPoint(ev), p = fromScreen(sx, sy, viewGeom.P), b = target.box;
      state.given = Math.round(Math.min(b[1], Math.max(b[0], p[0])) * 1000) / 1000;
      showCond();
      paintParticles();
      drawCond();
      return;
    }
    if (!drag) return;
    const [sx, sy] = viewPoint(ev);
    state.mixture.components[drag.k].mean = fromScreen(sx, sy, viewGeom.P).map((v) => Math.round(v * 1e4) / 1e4);
    if (dragBusy) return;
    dragBusy = true;
    const my = ++tickets.field;
    pending++;
    try {
      const f = decodeField(await api("/api/field", { target: spec(), level: state.level, grid: 48, box: drag.box, format: "f32" }));
      if (my === tickets.field) { field = f; drawField(); }
    } catch (e) { if (my === tickets.field) showError("move the component", e); } finally { dragBusy = false; pending--; }
  });
  const end = () => {
    if (givenDrag) {
      givenDrag = null;
      trace(`given x0 = ${state.given}`);
      // Langevin's particles that are playing follow the new value; a
      // finished or annealed run starts again under it.
      if (!playing || state.sampler === "annealed") resetParticles();
      saveHash();
      return;
    }
    if (!drag) return;
    drag = null;
    $("mixjson").value = JSON.stringify(state.mixture, null, 1);
    loadTarget();
  };
  c.addEventListener("pointerup", end);
  c.addEventListener("pointercancel", end);
}

// drawCost accumulates the time drawParticles takes, for the browser
// test's report of where a frame's time goes.
const drawCost = { n: 0, ms: 0 }, stepCost = { n: 0, ms: 0 };

function drawParticles() {
  const t0 = performance.now();
  paintParticles();
  drawCost.n++; drawCost.ms += performance.now() - t0;
}

function paintParticles() {
  if (!viewGeom) layout();
  const { w, h, P } = viewGeom, ctx = $("view").getContext("2d");
  const tl = trailLayer.getContext("2d");
  if (state.trails) {
    tl.globalCompositeOperation = "destination-out";
    tl.fillStyle = "rgba(0,0,0,0.12)";
    tl.fillRect(0, 0, w, h);
    tl.globalCompositeOperation = "source-over";
  } else {
    tl.clearRect(0, 0, w, h);
  }
  if (target) dots(tl, P, particles, "#ff5fd2", 2.6, "rgba(0,0,0,0.85)");
  ctx.clearRect(0, 0, w, h);
  ctx.drawImage(fieldLayer, 0, 0, w, h);
  // The given line under the particles, which sit on it.
  if (target && effCond().given !== null) givenLine(ctx, P);
  ctx.drawImage(trailLayer, 0, 0, w, h);
}

// givenLine draws the line x0 = v of the given value, which can be
// dragged: vertical (x0 runs right), or across an image's rows.
function givenLine(ctx, P) {
  const v = state.given, img = target.space === "image";
  const [x, y] = toScreen(v, target.box[2], P);
  ctx.save();
  ctx.beginPath(); ctx.rect(P.x, P.y, P.w, P.h); ctx.clip();
  for (const [style, lw, dash] of [["rgba(0,0,0,0.85)", 5, []], ["#ffe14d", 2.5, [8, 5]]]) {
    ctx.strokeStyle = style; ctx.lineWidth = lw; ctx.setLineDash(dash);
    ctx.beginPath();
    if (img) { ctx.moveTo(P.x, y); ctx.lineTo(P.x + P.w, y); } else { ctx.moveTo(x, P.y); ctx.lineTo(x, P.y + P.h); }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.font = "bold 13px system-ui"; ctx.textBaseline = "top";
  const text = `x₀ = ${fmt(v)}`, tw = ctx.measureText(text).width;
  const tx = img ? P.x + 6 : Math.min(x + 6, P.x + P.w - tw - 8), ty = img ? y + 6 : P.y + 6;
  ctx.fillStyle = "rgba(0,0,0,0.7)"; ctx.fillRect(tx - 3, ty - 2, tw + 6, 18);
  ctx.fillStyle = "#ffe14d"; ctx.fillText(text, tx, ty);
  ctx.restore();
}

// givenScreen is the screen coordinate of the given line across its
// direction (x for a vertical line, y for an image's horizontal one).
function givenScreen(P) {
  const [x, y] = toScreen(state.given, target.box[2], P);
  return target.space === "image" ? y : x;
}

// drawLearned draws the learned panel: the learned score over the exact
// one, or the error map σ‖s_θ − s‖, on the same grid.
function drawLearned() {
  const c = $("learned"), { ctx, w, h } = fit(c), P = plotRect(w, h);
  ctx.clearRect(0, 0, w, h);
  const bar = $("learnedbar");
  if (!target || !learned || !(hasModel() || trainAbort) || (field && field.t !== undefined)) {
    placeholder(ctx, w, h, !target ? "" : field && field.t !== undefined && learned ? "the learned model has noise levels, not the SDE's times: pick a Langevin sampler to compare it" :
      trainAbort ? "training: the learned field appears after the first report..." : "no model trained on this data yet: press Train (4.) and the learned score appears here, beside the exact one");
    fit(bar).ctx.clearRect(0, 0, w, 40);
    $("learnedcap").textContent = "learned field";
    $("learnedlegend").textContent = "";
    $("learned").setAttribute("aria-label", "no learned field yet");
    return;
  }
  const sameGrid = field && field.score.length === learned.score.length && field.sigma === learned.sigma;
  if (state.lview === "error" && sameGrid) {
    const n = field.x.length, err = new Float32Array(n * n);
    let hi = 0;
    for (let k = 0; k < n * n; k++) {
      err[k] = learned.sigma * Math.hypot(learned.score[2 * k] - field.score[2 * k], learned.score[2 * k + 1] - field.score[2 * k + 1]);
      hi = Math.max(hi, err[k]);
    }
    // The scale stops at 2: σ times the score is a distance in units of
    // σ, and an error of 2σ is as wrong as pointing the other way.
    hi = Math.min(Math.max(hi, 1e-3), 2);
    ctx.fillStyle = "#1b1b2f"; ctx.fillRect(P.x, P.y, P.w, P.h);
    heat(ctx, P, n, err, 0, hi);
    if ($("showdata").checked) dots(ctx, P, target.points, "rgba(235,235,245,0.6)", 1.6);
    axes(ctx, P);
    colourBar(bar, 0, hi, "σ‖s_θ − s‖: the learned score's error in units of σ (0 is exact)");
    $("learnedcap").textContent = `error of the learned score at σ = ${learned.sigma.toPrecision(3)}`;
    $("learnedlegend").textContent = "colour: σ times the distance between the learned and the exact score; it is small where the data are and the network saw them";
  } else {
    const r = background(ctx, P, field);
    if ($("showdata").checked) dots(ctx, P, target.points, "rgba(235,235,245,0.6)", 1.6);
    const top = field ? arrowScale(field, field) : arrowScale(learned, null);
    if (field) arrows(ctx, P, field, "#ffffff", top, 1);
    arrows(ctx, P, learned, "#ff9a1f", top, 1.8);
    axes(ctx, P);
    if (r) colourBar(bar, r.lo, r.hi, "exact log p at σ (natural log)");
    $("learnedcap").textContent = `learned score at σ = ${learned.sigma.toPrecision(3)} (orange) over the exact one (white)`;
    $("learnedlegend").textContent = "orange arrows: the trained network's score; thin white arrows and colour: the exact score and log p, on the same grid" +
      (sameGrid || !field ? "" : " (the error map needs both on one grid: move the σ slider to fetch them)");
  }
  $("learned").setAttribute("aria-label", $("learnedcap").textContent);
}

function drawLoss() {
  const c = $("loss"), { ctx, w, h } = fit(c);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const L = 48, R = 10, T = 10, B = 22, pw = w - L - R, ph = h - T - B;
  ctx.strokeStyle = "#889";
  ctx.strokeRect(L, T, pw, ph);
  if (losses.length < 1) {
    ctx.fillStyle = "#445";
    ctx.font = "14px system-ui";
    const msg = trainAbort ? "training: the first loss comes after the first report..." :
      hasModel() ? `the server holds a model trained ${info.model.steps} steps on this data; its loss curve was not kept (Train draws a new one)` :
      "no training yet: pick the data (1.), then press Train (4.); the loss curve appears here";
    placeholderText(ctx, msg, L + 10, T + ph / 2, pw - 20);
    return;
  }
  const ys = losses.map((l) => Math.log10(Math.max(l[1], 1e-12)));
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const steps = trainSteps || losses[losses.length - 1][0];
  ctx.strokeStyle = "#2a5db0";
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((l, k) => {
    const x = L + (l[0] / steps) * pw, y = T + (hi - ys[k]) / (hi - lo) * ph;
    if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = "#334";
  ctx.font = "11px system-ui";
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  ctx.fillText(Math.pow(10, hi).toPrecision(2), L - 4, T + 4);
  ctx.fillText(Math.pow(10, lo).toPrecision(2), L - 4, T + ph - 4);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of niceTicks(0, steps, 6)) ctx.fillText(String(v), L + v / steps * pw, T + ph + 4);
  c.setAttribute("aria-label", `training loss over ${losses[losses.length - 1][0]} of ${steps} steps, last ${losses[losses.length - 1][1].toPrecision(3)}`);
}

function placeholderText(ctx, msg, x, y, width) {
  let line = "", yy = y - 8;
  for (const word of msg.split(" ")) {
    if (ctx.measureText(line + word).width > width && line) { ctx.fillText(line, x, yy); yy += 18; line = ""; }
    line += word + " ";
  }
  ctx.fillText(line, x, yy);
}

// ---- data ----

// Every request whose answer changes what the view shows takes a ticket
// of its kind; an answer is applied only while its ticket is the newest
// (and names the target and level asked for), so an older answer that
// arrives last is dropped rather than painted over a newer one. pending
// counts those requests in flight or scheduled, for sgmView.
const tickets = { target: 0, field: 0, reverse: 0, time: 0 };
let pending = 0;
let shownSpec = ""; // JSON of the spec the view shows

// fieldCache keeps fields by target, source, level (or time) and grid,
// so that sweeping the slider back, annealing's levels and the reverse
// process's times cost a request once.
const fieldCache = new Map();
let modelVersion = 0; // bumped by each training, so that learned fields are fetched anew

function decodeField(f) {
  if (f.logp32) f.logp = b64ToFloats(f.logp32);
  if (f.score32) f.score = b64ToFloats(f.score32);
  delete f.logp32; delete f.score32;
  return f;
}

// getField returns the field of req (cached), as decoded floats.
async function getField(req) {
  const key = JSON.stringify([target.key, req.source || "exact", req.level, req.t, req.sde, req.grid, req.source === "learned" ? modelVersion : 0]);
  if (fieldCache.has(key)) return fieldCache.get(key);
  const f = decodeField(await api("/api/field", { ...req, target: spec(), format: "f32" }));
  // Kept under the target the answer names: the spec may have changed
  // while the old target was still shown.
  if (fieldCache.size > 60) fieldCache.delete(fieldCache.keys().next().value);
  fieldCache.set(JSON.stringify([f.key, req.source || "exact", req.level, req.t, req.sde, req.grid, req.source === "learned" ? modelVersion : 0]), f);
  return f;
}

// gridFor is the field's grid at a level, as the server frames the
// target (fine enough for the perturbed density's finest detail: up to
// 160 points a side for points at the smallest σ); exact and learned
// share it.
function gridFor(level) { return target && target.grids ? target.grids[level] : 64; }

async function loadTarget() {
  const my = ++tickets.target;
  trace(`loadTarget ${my} ${state.kind} sampler ${state.sampler}`);
  tickets.field++; // a field of the old target is stale too
  clearError();
  stopMotion();
  learned = null; field = null;
  $("metrics").textContent = "";
  if (!haveData()) {
    target = null; shownSpec = JSON.stringify(spec());
    $("targetname").textContent = state.kind === "draw" ? "draw on the pad, then press Use drawing" : "choose a CSV or PNG file";
    setStatus("");
    resetParticles();
    showTrainState();
    drawField();
    return;
  }
  pending++;
  try {
    const tg = await api("/api/target", { target: spec(), n: 1000 });
    if (my !== tickets.target) return;
    target = tg;
    shownSpec = JSON.stringify(spec());
    $("targetname").textContent = `${target.name}, ${target.density}; the view spans x₀ ${fmt(target.box[0])} to ${fmt(target.box[1])}`;
    $("level").max = String(target.sigmas.length - 1);
    fixedRange = null;
    // A given x0 stays inside the new data's view.
    if (state.given !== null) state.given = Math.min(target.box[1], Math.max(target.box[0], state.given));
    // The reverse samplers need the exact time-conditioned score, which
    // only mixtures have: offered for them alone.
    // The note stays by the sampler until the user changes the sampler
    // or the data (changed).
    if (isReverse() && !target.exact) {
      state.sampler = "langevin"; $("sampler").value = "langevin";
      trace("switched to langevin");
      $("samplernote").textContent = "the SDE/ODE samplers need an exact score (a preset or a mixture): switched to Langevin";
    }
    if (state.source === "learned" && !hasModel()) { state.source = "exact"; $("source").value = "exact"; }
    showSampler();
    showTrainState();
    resetParticles();
    await loadField();
  } catch (e) {
    if (my === tickets.target) showError("load the data", e);
  } finally { pending--; }
}

// Slider moves are debounced: the field is asked for once the slider has
// rested for fieldDelay ms (a cached level is drawn at once).
const fieldDelay = 60;
let fieldTimer = 0, fieldScheduled = false;

function scheduleField() {
  state.level = Number($("level").value);
  showSigma();
  clearTimeout(fieldTimer);
  if (!fieldScheduled) { fieldScheduled = true; pending++; }
  fieldTimer = setTimeout(() => { fieldScheduled = false; pending--; loadField(); }, fieldDelay);
}

function showSigma() {
  if (!target) return;
  const s = target.sigmas[state.level].toPrecision(3);
  $("sigma").textContent = `σ = ${s} (level ${state.level} of 0–${target.sigmas.length - 1}; 0 is the least noise)`;
  $("level").setAttribute("aria-valuetext", `sigma ${s}, level ${state.level}`);
}

async function loadField() {
  if (!target) return;
  const my = ++tickets.field, tg = target;
  state.level = Number($("level").value);
  const level = state.level, grid = gridFor(level);
  showSigma();
  pending++;
  try {
    const f = await getField({ level, grid });
    let l = null;
    if (my === tickets.field && hasModel()) l = await getField({ level, grid, source: "learned" });
    if (state.fixRange && my === tickets.field && (!fixedRange || fixedRange.key !== tg.key)) {
      const f0 = await getField({ level: 0, grid: gridFor(0) });
      let hi = -Infinity;
      for (const v of f0.logp) hi = Math.max(hi, v);
      fixedRange = { key: tg.key, lo: hi - 16, hi: hi };
    }
    // The answer names what it answers: drop it unless that is still
    // what the controls ask for.
    if (my !== tickets.field || tg !== target || f.key !== tg.key || f.level !== level) return;
    field = f; learned = l;
    drawField();
    saveHash();
  } catch (e) {
    if (my === tickets.field) showError("compute the field", e);
  } finally { pending--; }
}

// showSampler shows the controls that the chosen sampler uses, and only
// the choices that apply.
function showSampler() {
  const rev = isReverse(), s = state.sampler;
  $("revopts").classList.toggle("hidden", !rev);
  $("langopts").classList.toggle("hidden", rev);
  $("perlevelrow").classList.toggle("hidden", s !== "annealed");
  $("leapfrogrow").classList.toggle("hidden", s !== "hmc");
  $("stepsize").closest("label").classList.toggle("hidden", s === "annealed");
  // The reverse process draws p_t at the time slider's t: the noise
  // level slider does not apply.
  for (const id of ["level", "sigma", "fixrange"]) $(id).closest("fieldset > *").classList.toggle("hidden", rev);
  $("levelnote").classList.toggle("hidden", !rev);
  $("nfe").disabled = s === "ode";
  $("nfe").placeholder = s === "ode" ? "adaptive" : "default";
  const exact = !!(target && target.exact);
  for (const o of $("sampler").querySelectorAll("optgroup option")) o.disabled = !exact || (o.value === "ddim" && state.sde !== "vp");
  const learnedSrc = state.source === "learned";
  for (const v of ["mala", "hmc"]) $("sampler").querySelector(`[value="${v}"]`).disabled = learnedSrc;
  $("source").querySelector('[value="learned"]').disabled = !hasModel();
  $("lview").closest("label").classList.toggle("hidden", !hasModel());
  showCond();
}

// ---- conditioning: a label, guidance towards it, x0 given ----

// labelChoices are the labels the label picker offers: the learned
// model's, or with the exact score a mixture's components.
function labelChoices() {
  if (state.source === "learned") return hasModel() && info.model.labels ? info.model.labels : [];
  return target && target.exact && target.labels ? target.labels : [];
}

// condApplies reports whether the sampler takes conditioning: the
// Langevin samplers, which need only a score.
function condApplies() { return state.sampler === "langevin" || state.sampler === "annealed"; }

// effCond is the conditioning the particles are asked to follow: the
// controls', where the sampler takes it.
function effCond() {
  if (!condApplies()) return { label: "", guidance: 0, given: null };
  return { label: state.label, guidance: state.label === "" ? 0 : state.guidance, given: state.given };
}

// showCond shows the conditioning controls that apply, with the labels
// there are.
function showCond() {
  $("condopts").classList.toggle("hidden", !condApplies());
  const choices = labelChoices();
  if (!choices.includes(state.label)) { state.label = ""; state.guidance = 0; }
  const sel = $("label"), opts = state.source + ":" + choices.join(",");
  if (sel.dataset.opts !== opts) {
    sel.replaceChildren(new Option("any (unconditional)", ""),
      ...choices.map((l) => new Option(state.source === "learned" ? `label ${l}` : `component ${l}`, l)));
    sel.dataset.opts = opts;
  }
  sel.value = state.label;
  $("labelrow").classList.toggle("hidden", choices.length === 0);
  $("guidancerow").classList.toggle("hidden", choices.length === 0);
  $("guidance").disabled = state.label === "";
  $("guidance").value = String(state.guidance);
  const w = state.label === "" ? 0 : state.guidance;
  $("guidanceval").textContent = state.label === "" ? "W = 0 (pick a label to guide towards)" : `W = ${w}` + (w === 0 ? ": the label as it is" : ": pushed away from the other labels");
  $("guidance").setAttribute("aria-valuetext", `guidance W ${w}`);
  $("givenon").checked = state.given !== null;
  $("givenval").textContent = state.given === null ? "(off)" : fmt(state.given);
  $("condnote").textContent = state.given === null ? "" : "drag the dashed yellow line on the view to move x₀";
  $("tlabelsrow").classList.toggle("hidden", !(target && target.labels));
}

// The exact conditional density of x1 given x0 at the particles' level,
// from POST /api/given (cached), for the panel under the view.
let shownCond = null;  // the conditioning of the particles painted last
let shownSigma = null; // their noise level
let condCurve = null;  // the /api/given answer drawn
const condCache = new Map();
let condBusy = false, condAgain = false;
const condBins = 40, condGrid = 201; // 5 grid intervals a bin

// condKnown reports whether the exact conditional density is known: a
// mixture's, without guidance (whose density has no closed form).
function condKnown() { return !!(target && target.exact) && effCond().given !== null && effCond().guidance === 0; }

async function loadCondCurve() {
  if (!condKnown() || shownSigma === null) return;
  const c = effCond(), req = { target: spec(), v: c.given, sigma: shownSigma, label: c.label, grid: condGrid };
  const key = JSON.stringify([target.key, req.v, req.sigma, req.label]);
  if (condCache.has(key)) { condCurve = condCache.get(key); return; }
  if (condBusy) { condAgain = true; return; }
  condBusy = true; pending++;
  try {
    const g = await api("/api/given", req);
    if (condCache.size > 40) condCache.delete(condCache.keys().next().value);
    condCache.set(JSON.stringify([g.key, g.v, g.sigma, g.label || ""]), g);
    drawCond();
  } catch (e) { showError("compute the exact conditional density", e); } finally {
    condBusy = false; pending--;
    if (condAgain) { condAgain = false; loadCondCurve(); }
  }
}

// condMatch reports whether curve g is the exact density for the
// particles shown and the controls.
function condMatch(g) {
  const c = effCond();
  return !!g && !!target && g.key === target.key && g.v === c.given && (g.label || "") === c.label && g.sigma === shownSigma;
}

// condStats compares the particles' x1 with the curve: the bins' masses
// and the total variation distance between them.
let condTV = null;

function drawCond() {
  const on = !!target && !isReverse() && effCond().given !== null;
  $("condfig").classList.toggle("hidden", !on);
  condTV = null;
  if (!on) return;
  const c = $("cond"), { ctx, w, h } = fit(c);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  const L = 44, R = 10, T = 8, B = 24, pw = w - L - R, ph = h - T - B;
  const lo = target.box[2], hi = target.box[3], bw = (hi - lo) / condBins;
  const cond = effCond();
  if (condKnown() && shownSigma !== null) {
    const key = JSON.stringify([target.key, cond.given, shownSigma, cond.label]);
    if (condCache.has(key)) condCurve = condCache.get(key); else loadCondCurve();
  }
  const curve = condMatch(condCurve) ? condCurve : null;
  const counts = new Float64Array(condBins);
  let n = 0;
  const match = shownCond && shownCond.given === cond.given && shownCond.label === cond.label && shownCond.guidance === cond.guidance;
  if (particles && match) {
    n = particles.length / 2;
    for (let i = 1; i < particles.length; i += 2) {
      const k = Math.floor((particles[i] - lo) / bw);
      if (k >= 0 && k < condBins) counts[k]++;
    }
  }
  let top = 0;
  for (const v of counts) top = Math.max(top, n > 0 ? v / n / bw : 0);
  if (curve) for (const v of curve.density) top = Math.max(top, v);
  top = top > 0 ? top * 1.1 : 1;
  const X = (v) => L + (v - lo) / (hi - lo) * pw, Y = (d) => T + ph - d / top * ph;
  ctx.fillStyle = "#ff5fd2"; ctx.strokeStyle = "#7a1f63"; ctx.lineWidth = 1;
  for (let k = 0; k < condBins && n > 0; k++) {
    const d = counts[k] / n / bw;
    if (d > 0) { ctx.fillRect(X(lo + k * bw), Y(d), pw / condBins, T + ph - Y(d)); ctx.strokeRect(X(lo + k * bw) + 0.5, Y(d) + 0.5, pw / condBins - 1, T + ph - Y(d) - 1); }
  }
  if (curve) {
    for (const [style, lw] of [["#1b1b2f", 4.5], ["#ffffff", 2]]) {
      ctx.strokeStyle = style; ctx.lineWidth = lw; ctx.beginPath();
      curve.x.forEach((x, i) => { if (i === 0) ctx.moveTo(X(x), Y(curve.density[i])); else ctx.lineTo(X(x), Y(curve.density[i])); });
      ctx.stroke();
    }
    if (n > 0) {
      // The curve's mass in each bin, by the trapezoid rule on its
      // grid (condGrid - 1 intervals, a whole number a bin).
      const per = (curve.x.length - 1) / condBins;
      let tv = 0;
      for (let k = 0; k < condBins; k++) {
        let m = 0;
        for (let j = k * per; j < (k + 1) * per; j++) m += (curve.x[j + 1] - curve.x[j]) * (curve.density[j] + curve.density[j + 1]) / 2;
        tv += Math.abs(m - counts[k] / n);
      }
      condTV = tv / 2;
    }
  }
  ctx.strokeStyle = "#889"; ctx.strokeRect(L + 0.5, T + 0.5, pw - 1, ph - 1);
  ctx.fillStyle = "#334"; ctx.font = "11px system-ui"; ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const v of niceTicks(lo, hi, 8)) ctx.fillText(fmt(v), X(v), T + ph + 4);
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const v of niceTicks(0, top, 4)) ctx.fillText(fmt(v), L - 4, Y(v));
  const what = `x₁ given x₀ = ${fmt(cond.given)}` + (cond.label !== "" ? `, ${state.source === "learned" ? "label" : "component"} ${cond.label}` : "") + (cond.guidance ? `, guidance W = ${cond.guidance}` : "");
  $("condcap").textContent = what + (n > 0 ? `: histogram of ${n} particles` : ": press Play to sample") +
    (curve ? ` against the exact density at σ = ${curve.sigma.toPrecision(3)}` + (condTV !== null ? ` (total variation ${condTV.toFixed(3)})` : "") :
      !target.exact ? " (the exact conditional is known for mixtures and 8gaussians only)" : cond.guidance ? " (guidance has no closed-form density)" : "");
  c.setAttribute("aria-label", $("condcap").textContent);
}

// showTrainState says what the Train box knows about this data's model.
function showTrainState() {
  if (trainAbort) return;
  $("tstatus").textContent = !target ? "" : hasModel() ? `a model trained ${info.model.steps} steps on this data; sample it with Score: learned` :
    info && info.model ? `the server's model was trained on other data (${info.model.name}` + (info.model.spec ? `: pick it in 1. Data to sample it` : "") + "); Train fits one to this data" : "no model yet";
  if (!hasModel()) { losses = []; }
  drawLoss();
}

function fillNames() {
  const sel = $("name"), list = state.kind === "toy" ? info.toys : info.presets;
  sel.replaceChildren(...list.map((n) => new Option(n, n)));
  if (!list.includes(state.name)) state.name = list[0];
  sel.value = state.name;
}

function showKind() {
  for (const el of document.querySelectorAll("[data-kind]")) {
    el.classList.toggle("hidden", !el.dataset.kind.split(" ").includes(state.kind));
  }
  if (state.kind === "preset" || state.kind === "toy") fillNames();
  $("mnist").max = String(Math.max(0, info.mnist - 1));
  $("kind").querySelector('[value="mnist"]').disabled = info.mnist === 0;
}

// ---- drawing pad: points in the unit square, x1 up ----

const pad = { pts: [], down: false, last: null };

function padPoint(ev) {
  const c = $("pad"), r = c.getBoundingClientRect();
  return [(ev.clientX - r.left) / r.width, 1 - (ev.clientY - r.top) / r.height];
}

function padAdd(p) {
  const spray = document.querySelector('input[name="brush"]:checked').value === "spray";
  const add = (x, y) => { if (x >= 0 && x <= 1 && y >= 0 && y <= 1 && pad.pts.length < 2 * 20000) pad.pts.push(x, y); };
  if (spray) {
    for (let k = 0; k < 12; k++) {
      const r = 0.04 * Math.sqrt(Math.random()), a = 2 * Math.PI * Math.random();
      add(p[0] + r * Math.cos(a), p[1] + r * Math.sin(a));
    }
  } else if (pad.last) {
    // Along a stroke: a point every 0.005 of the way.
    const d = Math.hypot(p[0] - pad.last[0], p[1] - pad.last[1]), m = Math.max(1, Math.round(d / 0.005));
    for (let k = 1; k <= m; k++) add(pad.last[0] + (p[0] - pad.last[0]) * k / m, pad.last[1] + (p[1] - pad.last[1]) * k / m);
  } else {
    add(p[0], p[1]);
  }
  pad.last = p;
  drawPad();
}

function drawPad() {
  const c = $("pad"), { ctx, w, h } = fit(c);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#223";
  for (let k = 0; k < pad.pts.length; k += 2) ctx.fillRect(pad.pts[k] * w - 1, (1 - pad.pts[k + 1]) * h - 1, 2, 2);
  $("padcount").textContent = `${pad.pts.length / 2} points`;
}

function setupPad() {
  const c = $("pad");
  c.addEventListener("pointerdown", (ev) => { pad.down = true; pad.last = null; c.setPointerCapture(ev.pointerId); padAdd(padPoint(ev)); ev.preventDefault(); });
  c.addEventListener("pointermove", (ev) => { if (pad.down) padAdd(padPoint(ev)); });
  const up = () => { pad.down = false; pad.last = null; };
  c.addEventListener("pointerup", up);
  c.addEventListener("pointercancel", up);
  $("padclear").onclick = () => { pad.pts = []; drawPad(); };
  $("paduse").onclick = usePad;
  drawPad();
}

function usePad() {
  if (pad.pts.length < 4) { showError("use the drawing", new Error("draw at least 2 points first")); return; }
  state.points = pad.pts.map((v) => Math.round(v * 1e4) / 1e4);
  loadTarget();
}

// ---- particles ----

function b64ToFloats(s) {
  const bin = atob(s), b = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
  return new Float32Array(b.buffer);
}

// stopMotion pauses the particles.
function stopMotion() {
  playing = false; stopAt = 0;
  $("play").textContent = "Play";
}

function resetParticles() {
  tickets.reverse++; tickets.time++;
  stopMotion();
  particles = null; particlesB64 = ""; t = 0; seed++; queue = [];
  frames = []; shownCond = null; shownSigma = null;
  traj = null; trajX = []; trajPos = 0;
  $("tslider").max = "0"; $("tslider").value = "0"; $("tslider").disabled = true;
  $("tlabel").textContent = "t = 1 (prior)";
  $("metrics").textContent = "";
  $("viewcap").textContent = !target ? "no data yet" : isReverse() ? "press Play: particles drawn from the SDE's prior move to the data" :
    "press Play or Step: particles start uniform over the view";
  // Back from p_t to the level's field.
  if (field && field.t !== undefined) loadField();
  drawField();
  drawCond();
}

// ---- reverse SDE / ODE ----

async function loadReverse() {
  const req = { target: spec(), sde: state.sde, sampler: state.sampler, n: state.n, seed: seed, frames: 60 };
  if (state.nfe !== "" && state.sampler !== "ode") req.nfe = Number(state.nfe);
  setStatus("running the reverse process in Go...");
  const my = ++tickets.reverse;
  pending++;
  let tr;
  try { tr = await api("/api/reverse", req); } finally { pending--; }
  if (my !== tickets.reverse || req.seed !== seed) throw new Error("stale");
  traj = tr;
  trajX = traj.frames.map((f) => b64ToFloats(f.x));
  trajPos = 0;
  const sl = $("tslider");
  sl.max = String(trajX.length - 1); sl.value = "0"; sl.disabled = false;
  setStatus("");
}

// sdeWords is an SDE's name with its parameters at three digits:
// "ve(sigma 0.00723..4.20)".
function sdeWords(s) { return s.replace(/-?\d+\.\d{4,}(e-?\d+)?/g, (m) => String(Number(Number(m).toPrecision(3)))); }

// timeField shows p_t behind the reverse process at time tt: the nearest
// of 21 times (cached), asked for when missing.
let timeBusy = false;
async function timeField(tt) {
  const bin = Math.round(tt * 20) / 20, sdeName = state.sde;
  const key = JSON.stringify([target.key, "exact", undefined, bin, sdeName, 64, 0]);
  if (fieldCache.has(key)) {
    const f = fieldCache.get(key);
    if (field !== f) { field = f; drawField(); }
    return;
  }
  if (timeBusy) return;
  timeBusy = true;
  const my = tickets.time, tg = target;
  try {
    const f = await getField({ t: bin, sde: sdeName, grid: 64 });
    if (my === tickets.time && tg === target && f.key === tg.key && traj) { field = f; drawField(); }
  } catch (e) { if (my === tickets.time) showError("compute p_t", e); } finally { timeBusy = false; }
}

// showTraj paints the reverse process at frame position pos, linearly
// interpolating between recorded frames.
function showTraj(pos) {
  const n = trajX.length - 1;
  pos = Math.min(n, Math.max(0, pos));
  const k = Math.min(n - 1, Math.floor(pos)), f = n === 0 ? 0 : pos - k;
  const a = trajX[Math.max(0, k)], b = trajX[Math.min(n, k + 1)];
  if (!particles || particles.length !== a.length) particles = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) particles[i] = a[i] + f * (b[i] - a[i]);
  const fr = traj.frames, tt = fr[Math.max(0, k)].t + f * (fr[Math.min(n, k + 1)].t - fr[Math.max(0, k)].t);
  const end = pos >= n;
  const sl = $("tslider");
  sl.value = String(Math.round(pos));
  sl.setAttribute("aria-valuetext", end ? "t = 0, the samples" : `t = ${tt.toFixed(2)}`);
  $("tlabel").textContent = end ? "t = 0 (the samples)" : `t = ${tt.toFixed(3)}` + (pos === 0 ? " (prior)" : "");
  timeField(end ? 0 : tt);
  const bg = field && field.t !== undefined ? `background p_t at t = ${field.t.toFixed(2)}` : "background: fetching p_t";
  $("viewcap").textContent = `${sdeWords(traj.sde)}, ${$("sampler").selectedOptions[0].textContent}, NFE ${traj.nfe}: ` +
    (end ? "done, the samples at t = 0" : `t = ${tt.toFixed(3)}, ${bg}`);
  if (end) {
    particlesB64 = traj.frames[n].x;
    showMetrics(traj.metrics, "the samples at t = 0: ");
  }
  drawParticles();
  frames.push(performance.now());
}

async function playReverse() {
  try {
    if (!traj) await loadReverse();
  } catch (e) {
    showError("run the reverse process", e);
    stopMotion(); return;
  }
  if (trajPos >= trajX.length - 1) trajPos = 0;
  trajLast = performance.now();
  const tick = (now) => {
    if (!playing || !traj) return;
    trajPos += (now - trajLast) / 1000 / trajSeconds * (trajX.length - 1);
    trajLast = now;
    showTraj(trajPos);
    if (trajPos >= trajX.length - 1) { stopMotion(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function stepRequest(k) {
  const req = { target: spec(), source: state.source, sampler: state.sampler, level: state.level, n: state.n,
    x: particlesB64, t: t, k: k, seed: seed, perLevel: state.perLevel };
  if (state.sampler === "annealed" && state.epsFactor > 0 && state.source === "exact") req.eps = state.epsFactor * target.sigmas[0] * target.sigmas[0];
  if (state.stepSize !== "" && state.sampler !== "annealed") req.stepSize = Number(state.stepSize);
  if (state.sampler === "hmc") req.leapfrog = state.leapfrog;
  const c = effCond();
  if (c.label !== "") req.label = c.label;
  if (c.guidance !== 0) req.guidance = c.guidance;
  if (c.given !== null) req.given = c.given;
  return req;
}

// stepOnce asks for nf frames of perFrame steps each (one request carries
// several frames: a request costs the browser 15-20 ms besides Go's work)
// and queues them for loop to paint, one per display frame.
async function stepOnce(nf) {
  if (inFlight || !target) return;
  inFlight = true;
  try {
    const t0 = performance.now();
    let k = state.perFrame * nf;
    if (stopAt > 0) k = Math.max(1, Math.min(k, stopAt - t));
    const req = stepRequest(k);
    if (nf > 1 && k % nf === 0) req.frames = nf;
    const res = await api("/api/step", req);
    stepCost.n++; stepCost.ms += (performance.now() - t0) / nf;
    if (req.seed !== seed) return; // reset meanwhile
    particlesB64 = res.x; t = res.t;
    queue.push(...(res.frames || [res]));
    if (res.done || (stopAt > 0 && t >= stopAt)) playing = false; // the queue still plays out
    // While the particles animate, play asks for the metrics between
    // step requests; a single step or the end asks at once.
    if (!playing) maybeMetrics(true);
  } catch (e) {
    showError("move the particles", e);
    stopMotion();
  } finally { inFlight = false; }
}

async function maybeMetrics(force) {
  const now = performance.now();
  if (metricsBusy || (!force && now - lastMetrics < 1500) || !particlesB64) return;
  metricsBusy = true; lastMetrics = now;
  const sd = seed; // particles reset meanwhile make the answer stale
  try {
    const m = await api("/api/metrics", { target: spec(), x: particlesB64 });
    if (sd === seed) showMetrics(m);
  } catch (e) { if (sd === seed) showError("measure the particles", e); } finally { metricsBusy = false; }
}

// showMetrics writes W₂ against its floor, the mode weights and the frame
// rate under the view.
function showMetrics(m, prefix = "") {
  const cut = frames.filter((f) => f > performance.now() - 2000);
  const fps = cut.length / 2;
  let s = m.w2 === null ? "W₂: particles diverged" :
    `W₂ to the data ${m.w2.toFixed(3)}, ${(m.w2 / m.floor).toFixed(2)} × its noise floor ${m.floor.toFixed(3)} ` +
    `(1 × is as good as exact samples; ${m.n} particles compared)`;
  if (m.modes) s += "\nshare of particles at each mode " + m.modes.map((v) => v.toFixed(2)).join(" ") + " (the data: " + m.want.map((v) => v.toFixed(2)).join(" ") + ")";
  if (playing) s += `\n${fps.toFixed(1)} frames/s`;
  $("metrics").textContent = prefix + s;
  window.sgmMetrics = { w2: m.w2, floor: m.floor, fps: fps, t: t, modes: m.modes || null };
}

// play asks for steps back to back while playing; loop paints the newest
// particles once per display frame, and counts the frames it paints.
// framesPerRequest is how many frames play asks for at once.
const framesPerRequest = 8;

// metricsEvery is the least time in ms between two measurements while
// the particles animate: a W₂ request takes the server 20 to 60 ms of
// both cores, which a step request must not wait behind, so play sends
// it only between step requests, never beside one, and rarely.
const metricsEvery = 3000;

async function play() {
  while (playing) {
    if (inFlight || queue.length >= framesPerRequest) { await new Promise((r) => setTimeout(r, 4)); continue; }
    if (particlesB64 && performance.now() - lastMetrics > metricsEvery) {
      inFlight = true; // no step request beside it
      try { await maybeMetrics(false); } finally { inFlight = false; }
      continue;
    }
    await stepOnce(framesPerRequest);
  }
}

// levelOf is the index of the level nearest sigma.
function levelOf(sigma) {
  let best = 0;
  target.sigmas.forEach((s, k) => { if (Math.abs(Math.log(s / sigma)) < Math.abs(Math.log(target.sigmas[best] / sigma))) best = k; });
  return best;
}

function loop() {
  const f = queue.shift();
  if (f && target) {
    particles = b64ToFloats(f.x);
    shownCond = { label: f.label || "", guidance: f.guidance || 0, given: f.given === undefined ? null : f.given };
    shownSigma = f.sigma;
    let note = `${$("sampler").selectedOptions[0].textContent}: step ${f.t}, σ = ${f.sigma.toPrecision(3)}`;
    if (f.accept !== undefined) note += `, acceptance ${(100 * f.accept).toFixed(0)}%`;
    if (f.done) note += " (done, denoised)";
    else if (!playing && queue.length === 0 && stopAt > 0 && f.t >= stopAt) note += " (done)";
    $("viewcap").textContent = note;
    // Annealing: the background follows the level the particles are at.
    if (state.sampler === "annealed") {
      const lv = levelOf(f.sigma);
      if (lv !== Number($("level").value)) { $("level").value = String(lv); loadField(); }
    }
    drawParticles();
    drawCond();
    frames.push(performance.now());
    if (f.done || (!playing && queue.length === 0)) $("play").textContent = "Play";
  }
  requestAnimationFrame(loop);
}

// ---- training ----

// trainGrid caps the grid of the learned fields that training streams
// every 50 steps: the network on 200 × 200 points each time tripled a
// 600-step training of a drawing (1.4 s to 4.2 s in TestBrowser). The
// finished model's field is fetched on the level's own grid.
const trainGrid = 64;

async function startTraining() {
  if (!target) { showError("train", new Error("pick or draw the data first")); return; }
  losses = [];
  trainSteps = Number($("tsteps").value);
  trainAbort = new AbortController();
  clearError();
  drawLoss();
  drawLearned();
  $("train").disabled = true; $("tstop").disabled = false;
  $("tstatus").textContent = "starting...";
  const tg = target;
  let res;
  try {
    res = await fetch("/api/train", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ target: spec(), steps: trainSteps, level: state.level, grid: Math.min(gridFor(state.level), trainGrid), labels: $("tlabels").checked && !!target.labels }), signal: trainAbort.signal });
    if (!res.ok) throw new Error((await res.json()).error);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let k;
      while ((k = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, k); buf = buf.slice(k + 2);
        const name = (block.match(/^event: (.*)$/m) || [])[1], data = (block.match(/^data: (.*)$/m) || [])[1];
        if (name && data) onTrainEvent(name, JSON.parse(data), tg);
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") {
      $("tstatus").textContent = "training failed";
      showError("train", e);
    }
  } finally {
    $("train").disabled = false; $("tstop").disabled = true;
    trainAbort = null;
  }
  if (infoRefresh) { await infoRefresh; infoRefresh = null; }
}

let infoRefresh = null; // the server's state read after a job, with the learned field

function onTrainEvent(name, d, tg) {
  switch (name) {
    case "start":
      trainSteps = d.steps;
      $("tstatus").textContent = `training ${d.steps} steps...`;
      break;
    case "progress":
      losses.push([d.step, d.meanLoss]);
      drawLoss();
      $("tstatus").textContent = `step ${d.step} / ${d.steps}, loss ${d.meanLoss.toPrecision(3)}, ${d.stepsPerSec.toFixed(0)} steps/s, ${d.elapsed.toFixed(1)} s`;
      break;
    case "field":
      // Live fields of a job on the data shown.
      if (tg === target) { learned = d; drawLearned(); }
      break;
    case "done":
      $("tstatus").textContent = d.error ? "training failed: " + d.error :
        `${d.stopped ? "stopped" : "done"} at step ${d.step} in ${d.elapsed.toFixed(1)} s; sample it with Score: learned`;
      if (d.error) showError("train", new Error(d.error));
      modelVersion++;
      infoRefresh = api("/api/info").then((i) => { info = i; showSampler(); return loadField(); })
        .catch((e) => showError("read the server's state", e)).then(() => { window.sgmTrained = d; });
      break;
  }
}

// ---- take away ----

function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// saveHash writes the view into the URL, so that a link reproduces it
// (drawn or uploaded data too, when it is small enough for a URL).
function saveHash() {
  const v = { ...state };
  if (JSON.stringify(v).length > 60000) { v.points = null; v.image = null; }
  history.replaceState(null, "", "#" + encodeURIComponent(JSON.stringify(v)));
}

function loadHash() {
  if (location.hash.length < 2) return false;
  try { Object.assign(state, JSON.parse(decodeURIComponent(location.hash.slice(1)))); return true; } catch (e) { setNote("ignoring a malformed link"); return false; }
}

// ---- lessons ----

// A drawing for the last lesson: a ring and a bar, in the pad's unit square.
function lessonDrawing() {
  const pts = [];
  for (let k = 0; k < 300; k++) {
    const a = 2 * Math.PI * k / 300;
    pts.push(0.35 + 0.2 * Math.cos(a), 0.6 + 0.2 * Math.sin(a));
  }
  for (let k = 0; k <= 60; k++) pts.push(0.6 + 0.3 * k / 60, 0.2);
  return pts.map((v) => Math.round(v * 1e4) / 1e4);
}

// lessons: each sets the controls to a vivid default that finishes in a
// few seconds, and says what to look at. lessonDone is set when its
// animation or training has finished.
const lessons = [
  { text: "The colours are log p of the blog post's two-mode mixture blurred with noise of size σ (yellow is likely), and the white arrows are its score: they point uphill, towards the data. Move the σ slider in 2. Field: at large σ the two hills merge into one, at small σ the arrows point only to the nearest mode.",
    set: { kind: "preset", name: "seed-mog", level: 5, sampler: "langevin", source: "exact" }, play: false },
  { text: "Two modes far apart, weights 0.2 (bottom left) and 0.8 (top right). Plain Langevin at a small σ starts 2,000 particles uniform over the view and follows the score: each particle rolls into the nearest mode, and the score between the modes is too weak to move it across. So the share at each mode follows where particles started, about half and half, not 0.2 and 0.8: read it under the view.",
    set: { kind: "preset", name: "two-modes-unequal", level: 0, sampler: "langevin", source: "exact", stepSize: "0.1", perFrame: 4, n: 2000 }, play: true, stopAt: 400 },
  { text: "Annealed Langevin (Song & Ermon) starts at the largest σ, where the two modes are one broad hill and particles can cross between them, and lowers σ level by level: the background follows the level. The particles split close to 0.2 and 0.8, as the data do.",
    set: { kind: "preset", name: "two-modes-unequal", level: 9, sampler: "annealed", source: "exact", perLevel: 100, epsFactor: 0.3, perFrame: 8, n: 2000 }, play: true },
  { text: "The reverse SDE: noise the data until they are a plain Gaussian (t = 1), then run time backwards with the score of each blurred p_t, shown behind the particles. DPM-Solver++ does it in 20 score evaluations. Drag the time slider to any moment; pick the probability-flow ODE to see the same marginals on deterministic paths.",
    set: { kind: "preset", name: "ring8", sampler: "dpm2m", sde: "vp", nfe: "", n: 2000 }, play: true },
  { text: "A network learns the score from samples alone. Here it trains 600 steps on a drawing (a ring and a bar; draw your own on the pad and press Use drawing, then Train), then annealed Langevin samples it. The right panel puts the learned arrows (orange) over the exact ones; pick the error map in 2. Field to see where they differ.",
    set: { kind: "draw", sampler: "annealed", source: "exact", level: 3, perLevel: 50, perFrame: 50, n: 1000 }, train: true },
];
let lesson = -1, lessonDone = false, lessonRun = 0;

async function startLesson(k) {
  const L = lessons[k], run = ++lessonRun;
  lesson = k; lessonDone = false;
  for (const b of document.querySelectorAll(".lesson")) b.setAttribute("aria-pressed", String(Number(b.dataset.lesson) === k));
  $("lessontext").textContent = L.text;
  stopMotion();
  trace(`lesson ${k}`);
  $("samplernote").textContent = "";
  Object.assign(state, { stepSize: "", perFrame: 1, perLevel: 10, epsFactor: 0, trails: false, fixRange: false, lview: "arrows", label: "", guidance: 0, given: null }, L.set);
  if (state.kind === "draw") { state.points = lessonDrawing(); pad.pts = state.points.slice(); drawPad(); }
  syncControls();
  showKind();
  showSampler();
  await loadTarget();
  if (run !== lessonRun) return;
  if (L.train) {
    await startTraining();
    if (run !== lessonRun) return;
    state.source = "learned"; $("source").value = "learned";
    showSampler();
    resetParticles();
  }
  if (L.play || L.train) {
    stopAt = L.stopAt || 0;
    playing = true; $("play").textContent = "Pause";
    if (isReverse()) await playReverse(); else await play();
    // Wait for the queued frames to be painted.
    while (run === lessonRun && (queue.length > 0 || playing)) await new Promise((r) => setTimeout(r, 50));
    if (!isReverse()) await maybeMetrics(true);
    // Annealing ended at the smallest σ; the comparison of learned and
    // exact reads best at a middle level.
    if (L.train && run === lessonRun) {
      $("level").value = "3"; await loadField();
      $("viewcap").textContent = `annealed Langevin with the learned score: done (denoised); the background is back at σ = ${target.sigmas[3].toPrecision(3)} to compare`;
    }
  }
  if (run === lessonRun) lessonDone = true;
}

function endLessons() {
  lessonRun++; lesson = -1; lessonDone = false;
  state.epsFactor = 0; // lesson 3's step size is its own
  for (const b of document.querySelectorAll(".lesson")) b.setAttribute("aria-pressed", "false");
  $("lessontext").textContent = "Free exploration: every control below is yours. The lessons are one click away above.";
}

// ---- wiring ----

function syncControls() {
  $("kind").value = state.kind;
  $("mnist").value = state.mnist;
  $("level").value = state.level;
  $("sampler").value = state.sampler;
  $("sde").value = state.sde;
  $("nfe").value = state.nfe;
  $("source").value = state.source;
  $("count").value = state.n;
  $("stepsize").value = state.stepSize;
  $("perframe").value = state.perFrame;
  $("perlevel").value = state.perLevel;
  $("leapfrog").value = state.leapfrog;
  $("trails").checked = state.trails;
  $("fixrange").checked = state.fixRange;
  $("lview").value = state.lview;
  $("tlabels").checked = false;
  if (state.mixture) $("mixjson").value = JSON.stringify(state.mixture, null, 1);
  if (state.kind === "draw" && state.points) { pad.pts = state.points.slice(); drawPad(); }
}

async function main() {
  const linked = loadHash();
  // On a phone the introduction folds to its title, so that the lessons
  // and the view are on the first screen.
  if (window.innerWidth < 600) $("introdetails").open = false;
  try { info = await api("/api/info"); } catch (e) { showError("reach the explorer's server", e); return; }
  if (!state.mixture) {
    state.mixture = { components: [
      { weight: 0.7, mean: [1, 1], std: [0.4, 0.4] },
      { weight: 0.3, mean: [-1, -0.5], std: [0.3, 0.6] }] };
  }
  syncControls();
  showKind();
  showSampler();
  setupPad();
  setupDrag();
  const changed = () => { clearError(); $("samplernote").textContent = ""; if (lesson >= 0) endLessons(); };
  $("kind").onchange = () => { changed(); state.kind = $("kind").value; showKind(); loadTarget(); };
  $("name").onchange = () => { changed(); state.name = $("name").value; loadTarget(); };
  $("mnist").onchange = () => { changed(); state.mnist = Number($("mnist").value); loadTarget(); };
  $("mixapply").onclick = () => {
    changed();
    try { state.mixture = JSON.parse($("mixjson").value); } catch (e) { showError("read the mixture JSON", e); return; }
    loadTarget();
  };
  $("file").onchange = async () => {
    changed();
    const f = $("file").files[0];
    if (!f) return;
    const png = f.name.toLowerCase().endsWith(".png");
    pending++;
    try {
      const res = await fetch(png ? "/api/upload/png" : "/api/upload/csv", { method: "POST", body: f,
        headers: { "Content-Type": png ? "image/png" : "text/csv" } });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error);
      state.image = body.image || null; state.points = body.points || null;
      await loadTarget();
    } catch (e) { showError(`read ${f.name}`, e); } finally { pending--; }
  };
  $("level").oninput = () => {
    clearError();
    scheduleField();
    if (trainAbort) api("/api/train/view", { level: Number($("level").value) }).catch(() => {});
  };
  $("arrows").onchange = drawField;
  $("showdata").onchange = drawField;
  $("fixrange").onchange = () => { state.fixRange = $("fixrange").checked; saveHash(); loadField(); };
  $("lview").onchange = () => { state.lview = $("lview").value; saveHash(); drawLearned(); };
  $("sampler").onchange = () => { changed(); trace("sampler " + $("sampler").value); state.sampler = $("sampler").value; showSampler(); resetParticles(); saveHash(); };
  $("sde").onchange = () => {
    changed();
    state.sde = $("sde").value;
    if (state.sampler === "ddim" && state.sde !== "vp") {
      state.sampler = "dpm2m"; $("sampler").value = "dpm2m";
      $("samplernote").textContent = "DDIM is defined for the VP SDE only: switched to DPM-Solver++(2M)";
    }
    showSampler(); resetParticles(); saveHash();
  };
  $("nfe").onchange = () => { state.nfe = $("nfe").value; resetParticles(); saveHash(); };
  $("tslider").oninput = () => {
    if (!traj) return;
    stopMotion();
    trajPos = Number($("tslider").value);
    // A jump in time leaves no trail.
    trailLayer.getContext("2d").clearRect(0, 0, trailLayer.width, trailLayer.height);
    showTraj(trajPos);
  };
  $("source").onchange = () => { changed(); state.source = $("source").value; showSampler(); resetParticles(); saveHash(); };
  $("count").onchange = () => { state.n = Number($("count").value); resetParticles(); saveHash(); };
  $("stepsize").onchange = () => { state.stepSize = $("stepsize").value; saveHash(); };
  $("perframe").onchange = () => { state.perFrame = Math.max(1, Number($("perframe").value)); saveHash(); };
  $("perlevel").onchange = () => { state.perLevel = Math.max(1, Number($("perlevel").value)); resetParticles(); saveHash(); };
  $("leapfrog").onchange = () => { state.leapfrog = Math.min(100, Math.max(1, Number($("leapfrog").value))); saveHash(); };
  $("trails").onchange = () => { state.trails = $("trails").checked; saveHash(); };
  $("play").onclick = () => {
    playing = !playing;
    $("play").textContent = playing ? "Pause" : "Play";
    if (playing) isReverse() ? playReverse() : play();
  };
  $("step").onclick = async () => {
    stopMotion();
    if (!isReverse()) { stepOnce(1); return; }
    try { if (!traj) await loadReverse(); } catch (e) { showError("run the reverse process", e); return; }
    trajPos = Math.min(trajX.length - 1, Math.floor(trajPos) + 1);
    showTraj(trajPos);
  };
  $("reset").onclick = resetParticles;
  $("label").onchange = () => {
    changed(); state.label = $("label").value;
    if (state.label === "") state.guidance = 0;
    showCond(); resetParticles(); saveHash();
  };
  $("guidance").oninput = () => { state.guidance = Number($("guidance").value); showCond(); resetParticles(); saveHash(); };
  $("givenon").onchange = () => {
    changed();
    state.given = !$("givenon").checked || !target ? null : Math.round((target.box[0] + target.box[1]) / 2 * 100) / 100;
    showCond(); resetParticles(); saveHash();
  };
  $("train").onclick = () => { changed(); startTraining(); };
  $("tstop").onclick = () => api("/api/train/stop", {}).catch((e) => showError("stop the training", e));
  $("dlcsv").onclick = () => {
    if (!particlesB64) { showError("save the samples", new Error("run the particles first")); return; }
    api("/api/samples.csv", { x: particlesB64 }).then((b) => download(b, "samples.csv")).catch((e) => showError("save the samples", e));
  };
  for (const f of ["png", "svg"]) {
    $("dl" + f).onclick = () => api("/api/figure." + f, { target: spec(), level: state.level, source: hasModel() ? "learned" : "exact" })
      .then((b) => download(b, "field." + f)).catch((e) => showError("make the figure", e));
  }
  $("dlmodel").onclick = () => api("/api/model").then((b) => download(b, "sgm-model.tar")).catch((e) => showError("save the model", e));
  $("link").onclick = () => { saveHash(); navigator.clipboard && navigator.clipboard.writeText(location.href).catch(() => {}); setNote("the URL now holds this view"); };
  for (const b of document.querySelectorAll(".lesson")) b.onclick = () => { clearError(); startLesson(Number(b.dataset.lesson)); };
  $("explore").onclick = endLessons;
  // A job whose page goes away stops: its stream's request is aborted.
  window.addEventListener("pagehide", () => { if (trainAbort) trainAbort.abort(); });
  // The canvases follow their boxes.
  let resizeTimer = 0;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { drawField(); drawLoss(); drawPad(); drawCond(); }, 100); });
  drawLoss();
  // A first visit opens on the first lesson; a link opens on its view.
  if (linked) await loadTarget(); else await startLesson(0);
  requestAnimationFrame(loop);
  // Hooks for the browser test (serve/browser_test.go).
  window.sgmFrames = () => frames.length;
  window.sgmStep = () => t;
  window.sgmParticles = () => particlesB64;
  window.sgmBytes = () => JSON.stringify(netBytes);
  // The page position of a point of the target, for the test's drags.
  window.sgmScreenOf = (p0, p1) => {
    const r = $("view").getBoundingClientRect(), [x, y] = toScreen(p0, p1, viewGeom.P);
    return JSON.stringify([r.left + x, r.top + y]);
  };
  window.sgmTrace = () => traceLog.join("\n");
  window.sgmLesson = () => JSON.stringify({ lesson, done: lessonDone });
  // Mean milliseconds of a particle frame's drawing and of a step request
  // (the Go step, encoding and transport), since the last call.
  window.sgmCosts = () => {
    const c = { draw: drawCost.ms / Math.max(1, drawCost.n), step: stepCost.ms / Math.max(1, stepCost.n) };
    drawCost.n = drawCost.ms = stepCost.n = stepCost.ms = 0;
    return JSON.stringify(c);
  };
  // What the view shows, and whether it has settled: no view request in
  // flight or scheduled, and the view drawn for the controls as they are.
  // The particles match the conditioning asked for, and the exact
  // conditional beside them is drawn for it where it is known.
  const condSettled = () => {
    if (!particles || isReverse()) return true;
    const c = effCond();
    if (!shownCond || shownCond.label !== c.label || shownCond.guidance !== c.guidance || shownCond.given !== c.given) return false;
    return !condKnown() || condMatch(condCurve);
  };
  window.sgmCond = () => JSON.stringify({ controls: effCond(), shown: shownCond, sigma: shownSigma, curve: condCurve && condMatch(condCurve), tv: condTV,
    screen: target && viewGeom && effCond().given !== null ? (() => { const r = $("view").getBoundingClientRect(), [x, y] = toScreen(state.given, (target.box[2] + target.box[3]) / 2, viewGeom.P); return [r.left + x, r.top + y]; })() : null });
  window.sgmView = () => JSON.stringify({
    settled: pending === 0 && shownSpec === JSON.stringify(spec()) && condSettled() &&
      (!haveData() || (!!target && !!field && (field.t !== undefined || field.level === Number($("level").value)))),
    pending, kind: state.kind, target: target ? target.name : "", key: target ? target.key : "", level: field ? field.level : -1,
    sigma: $("sigma").textContent, sampler: $("sampler").value, status: $("status").textContent, error: $("error").textContent,
  });
  window.sgmReady = true;
}

main();
