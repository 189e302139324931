// The explorer's page. It only draws: every number comes from the JSON API
// of package serve (see README, "Explorer").
"use strict";

const $ = (id) => document.getElementById(id);

// state is the view; the URL's hash encodes it (see saveHash).
const state = {
  kind: "preset", name: "seed-mog", mnist: 0, mixture: null, points: null, image: null,
  level: 3, sampler: "langevin", source: "exact", n: 2000, stepSize: "", perFrame: 1, perLevel: 100, trails: false,
  sde: "ve", nfe: "",
};
let info = null;      // GET /api/info
let target = null;    // POST /api/target answer for the current spec
let field = null;     // the exact field at the level
let learned = null;   // the learned field at the level, or null
let particles = null; // Float32Array, flat
let particlesB64 = ""; // the same, as the API takes them
let t = 0;            // sampler steps taken
let playing = false, inFlight = false, metricsBusy = false, lastMetrics = 0;
let queue = [];       // states from the step endpoint not painted yet
let frames = [];      // times of painted particle frames, for the fps figure
let losses = [];      // [step, meanLoss]
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

function setStatus(msg) { $("status").textContent = msg || ""; }

// setNote shows a passing remark, not an error, for eight seconds.
function setNote(msg) {
  setStatus(msg);
  setTimeout(() => { if ($("status").textContent === msg) setStatus(""); }, 8000);
}

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
  return type.startsWith("application/json") ? res.json() : res.blob();
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

// ---- coordinates ----

// toScreen maps a point (p0, p1) into a canvas of size w×h over the
// target's box: x0 right and x1 up, or, for images, x0 down (the row) and
// x1 right (the column).
function toScreen(p0, p1, w, h) {
  const b = target.box;
  if (target.space === "image") {
    return [(p1 - b[2]) / (b[3] - b[2]) * w, (p0 - b[0]) / (b[1] - b[0]) * h];
  }
  return [(p0 - b[0]) / (b[1] - b[0]) * w, h - (p1 - b[2]) / (b[3] - b[2]) * h];
}

// fromScreen inverts toScreen.
function fromScreen(sx, sy, w, h) {
  const b = target.box;
  if (target.space === "image") {
    return [b[0] + sy / h * (b[1] - b[0]), b[2] + sx / w * (b[3] - b[2])];
  }
  return [b[0] + sx / w * (b[1] - b[0]), b[2] + (h - sy) / h * (b[3] - b[2])];
}

// ---- drawing ----

// colour maps u in [0, 1] to a dark-blue-to-yellow ramp.
function colour(u) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  u = Math.min(1, Math.max(0, u)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u)), f = u - i;
  return stops[i].map((c, k) => Math.round(c + f * (stops[i + 1][k] - c)));
}

// background draws log p (when given) as colours and contour lines, else
// a plain background.
function background(ctx, f) {
  const w = ctx.canvas.width, h = ctx.canvas.height;
  ctx.fillStyle = "#1b1b2f";
  ctx.fillRect(0, 0, w, h);
  if (!f || !f.logp) return;
  const n = f.x.length, lp = f.logp;
  let hi = -Infinity;
  for (const v of lp) hi = Math.max(hi, v);
  const lo = hi - 12; // twelve nats below the top
  const img = new ImageData(n, n);
  // Pixel (i, j) of the n×n image is grid point (i, j) placed as toScreen does.
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const [r, g, b] = colour((lp[j * n + i] - lo) / (hi - lo));
      let px, py;
      if (target.space === "image") { px = j; py = i; } else { px = i; py = n - 1 - j; }
      const k = 4 * (py * n + px);
      img.data[k] = r; img.data[k + 1] = g; img.data[k + 2] = b; img.data[k + 3] = 255;
    }
  }
  const off = document.createElement("canvas");
  off.width = n; off.height = n;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  // Grid points sit at cell centres of the stretched image: half a cell
  // hangs over each edge of the box.
  const cw = w / (n - 1), ch = h / (n - 1);
  ctx.drawImage(off, -cw / 2, -ch / 2, w + cw, h + ch);
  contours(ctx, f, lo, hi);
}

// contours draws log p's level lines by marching squares.
function contours(ctx, f, lo, hi) {
  const n = f.x.length, lp = f.logp, w = ctx.canvas.width, h = ctx.canvas.height;
  ctx.strokeStyle = "rgba(255,255,255,0.35)";
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
            const x0 = f.x[ai] + s * (f.x[bi] - f.x[ai]), x1 = f.y[aj] + s * (f.y[bj] - f.y[aj]);
            pts.push(toScreen(x0, x1, w, h));
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
}

// arrows draws the score field, the longest arrow (after clipping the top
// 5%) one grid step long.
function arrows(ctx, f, style) {
  if (!f || !$("arrows").checked) return;
  const w = ctx.canvas.width, h = ctx.canvas.height, n = f.x.length, s = f.score;
  const lens = [];
  for (let k = 0; k < s.length; k += 2) lens.push(Math.hypot(s[k], s[k + 1]));
  const sorted = lens.slice().sort((a, b) => a - b);
  const top = sorted[Math.floor(0.95 * (sorted.length - 1))] || 1;
  // At most about 24 arrows an axis: every stride-th grid point.
  const stride = Math.max(1, Math.round(n / 24));
  const cell = Math.min(w, h) / n * stride;
  ctx.strokeStyle = style;
  ctx.fillStyle = style;
  ctx.lineWidth = 1.2;
  for (let j = Math.floor(stride / 2); j < n; j += stride) {
    for (let i = Math.floor(stride / 2); i < n; i += stride) {
      const k = j * n + i, L = lens[k];
      if (!(L > 0)) continue;
      const len = Math.min(L, top) / top * cell * 0.9;
      const [x, y] = toScreen(f.x[i], f.y[j], w, h);
      // The score's direction on the screen.
      const [ex, ey] = toScreen(f.x[i] + s[2 * k] / L * 1e-3 * (target.box[1] - target.box[0]),
        f.y[j] + s[2 * k + 1] / L * 1e-3 * (target.box[3] - target.box[2]), w, h);
      let dx = ex - x, dy = ey - y;
      const d = Math.hypot(dx, dy) || 1;
      dx = dx / d * len; dy = dy / d * len;
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + dx, y + dy);
      ctx.stroke();
      const a = Math.atan2(dy, dx), hl = Math.min(5, len * 0.4);
      ctx.beginPath();
      ctx.moveTo(x + dx, y + dy);
      ctx.lineTo(x + dx - hl * Math.cos(a - 0.5), y + dy - hl * Math.sin(a - 0.5));
      ctx.lineTo(x + dx - hl * Math.cos(a + 0.5), y + dy - hl * Math.sin(a + 0.5));
      ctx.fill();
    }
  }
}

// dots draws points as r×r squares: toScreen's map inlined, one path
// filled once, since this runs for every particle of every frame.
function dots(ctx, pts, style, r) {
  if (!pts) return;
  const w = ctx.canvas.width, h = ctx.canvas.height, b = target.box, img = target.space === "image";
  const sx = w / (b[1] - b[0]), sy = h / (b[3] - b[2]), h2 = r / 2;
  ctx.fillStyle = style;
  ctx.beginPath();
  for (let k = 0; k + 1 < pts.length; k += 2) {
    let x, y;
    if (img) { x = (pts[k + 1] - b[2]) * h / (b[3] - b[2]); y = (pts[k] - b[0]) * w / (b[1] - b[0]); } else { x = (pts[k] - b[0]) * sx; y = h - (pts[k + 1] - b[2]) * sy; }
    if (x < -r || y < -r || x > w + r || y > h + r) continue;
    ctx.rect(x - h2, y - h2, r, r);
  }
  ctx.fill();
}

// The exact view is drawn in two layers: the field (redrawn when it
// changes) and the particles over it, faded rather than cleared for trails.
const fieldLayer = document.createElement("canvas");
const trailLayer = document.createElement("canvas");

function drawField() {
  const view = $("view");
  fieldLayer.width = trailLayer.width = view.width;
  fieldLayer.height = trailLayer.height = view.height;
  const ctx = fieldLayer.getContext("2d");
  background(ctx, field);
  if ($("showdata").checked) dots(ctx, target && target.points, "rgba(255,255,255,0.55)", 2);
  arrows(ctx, field, "rgba(0,0,0,0.85)");
  if (state.kind === "mixture" && state.mixture) handles(ctx);
  trailLayer.getContext("2d").clearRect(0, 0, view.width, view.height);
  drawParticles();
  drawLearned();
}

// handles rings the mixture's component means, which can be dragged.
function handles(ctx) {
  const w = ctx.canvas.width, h = ctx.canvas.height;
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 2;
  for (const c of state.mixture.components || []) {
    const [x, y] = toScreen(c.mean[0], c.mean[1], w, h);
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

// Dragging a component's mean on the view moves it; the field follows,
// computed in Go over the box as it was when the drag began.
let drag = null, dragBusy = false;

function viewPoint(ev) {
  const c = $("view"), r = c.getBoundingClientRect();
  return [(ev.clientX - r.left) * c.width / r.width, (ev.clientY - r.top) * c.height / r.height];
}

function setupDrag() {
  const c = $("view");
  c.addEventListener("pointerdown", (ev) => {
    if (state.kind !== "mixture" || !target || !state.mixture) return;
    const [sx, sy] = viewPoint(ev);
    let best = -1, bestD = 15;
    (state.mixture.components || []).forEach((comp, k) => {
      const [x, y] = toScreen(comp.mean[0], comp.mean[1], c.width, c.height);
      const d = Math.hypot(x - sx, y - sy);
      if (d < bestD) { best = k; bestD = d; }
    });
    if (best < 0) return;
    drag = { k: best, box: target.box.slice() };
    c.setPointerCapture(ev.pointerId);
  });
  c.addEventListener("pointermove", async (ev) => {
    if (!drag) return;
    const [sx, sy] = viewPoint(ev);
    state.mixture.components[drag.k].mean = fromScreen(sx, sy, c.width, c.height).map((v) => Math.round(v * 1e4) / 1e4);
    if (dragBusy) return;
    dragBusy = true;
    const my = ++tickets.field;
    pending++;
    try {
      const f = await api("/api/field", { target: spec(), level: state.level, grid: 48, box: drag.box });
      if (my === tickets.field) { field = f; drawField(); }
    } catch (e) { if (my === tickets.field) setStatus(e.message); } finally { dragBusy = false; pending--; }
  });
  c.addEventListener("pointerup", () => {
    if (!drag) return;
    drag = null;
    $("mixjson").value = JSON.stringify(state.mixture, null, 1);
    loadTarget();
  });
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
  const view = $("view"), ctx = view.getContext("2d");
  const tl = trailLayer.getContext("2d");
  if (state.trails) {
    tl.globalCompositeOperation = "destination-out";
    tl.fillStyle = "rgba(0,0,0,0.12)";
    tl.fillRect(0, 0, trailLayer.width, trailLayer.height);
    tl.globalCompositeOperation = "source-over";
  } else {
    tl.clearRect(0, 0, trailLayer.width, trailLayer.height);
  }
  dots(tl, particles, "#ff4d4d", 2.5);
  ctx.drawImage(fieldLayer, 0, 0);
  ctx.drawImage(trailLayer, 0, 0);
}

function drawLearned() {
  const c = $("learned"), ctx = c.getContext("2d");
  background(ctx, field);
  if (!learned) {
    ctx.fillStyle = "#ccd";
    ctx.font = "16px system-ui";
    ctx.fillText("no learned field yet: train a model (4.)", 20, 30);
    return;
  }
  arrows(ctx, learned, "rgba(255,80,80,0.95)");
  $("learnedcap").textContent = `learned score at σ = ${learned.sigma.toPrecision(3)} (red) over the exact log p`;
}

function drawLoss() {
  const c = $("loss"), ctx = c.getContext("2d"), w = c.width, h = c.height;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = "#889";
  ctx.strokeRect(40, 10, w - 50, h - 30);
  if (losses.length < 1) {
    ctx.fillStyle = "#667";
    ctx.font = "14px system-ui";
    ctx.fillText(trainAbort ? "training: the first loss comes after the first report..." :
      info && info.model ? `the server holds a model trained ${info.model.steps} steps on ${info.model.name}; its loss curve was not kept (Train draws a new one)` :
      "no training yet: pick the data (1.), then press Train (4.); the loss curve appears here", 60, h / 2);
    return;
  }
  const ys = losses.map((l) => Math.log10(Math.max(l[1], 1e-12)));
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const steps = Number($("tsteps").value) || losses[losses.length - 1][0];
  ctx.strokeStyle = "#2a5db0";
  ctx.lineWidth = 2;
  ctx.beginPath();
  losses.forEach((l, k) => {
    const x = 40 + (l[0] / steps) * (w - 50), y = 10 + (hi - ys[k]) / (hi - lo) * (h - 30);
    if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = "#334";
  ctx.font = "11px system-ui";
  ctx.fillText(Math.pow(10, hi).toPrecision(2), 2, 18);
  ctx.fillText(Math.pow(10, lo).toPrecision(2), 2, h - 22);
  ctx.fillText("step " + steps, w - 70, h - 6);
  ctx.fillText("0", 40, h - 6);
}

// ---- data ----

// Every request whose answer changes what the view shows takes a ticket
// of its kind; an answer is applied only while its ticket is the newest,
// so an older answer that arrives last is dropped rather than painted
// over a newer one. pending counts those requests in flight, for the
// browser test's sgmView hook.
const tickets = { target: 0, field: 0, reverse: 0 };
let pending = 0;
let shownSpec = ""; // JSON of the spec the view shows

async function loadTarget() {
  const my = ++tickets.target;
  tickets.field++; // a field of the old target is stale too
  if (!haveData()) {
    target = null; field = null; learned = null; shownSpec = JSON.stringify(spec());
    $("targetname").textContent = state.kind === "draw" ? "draw on the pad, then press Use drawing" : "choose a CSV or PNG file";
    setStatus("");
    resetParticles();
    clearViews();
    return;
  }
  pending++;
  try {
    const tg = await api("/api/target", { target: spec(), n: 1000 });
    if (my !== tickets.target) return;
    target = tg;
    shownSpec = JSON.stringify(spec());
    $("targetname").textContent = `${target.name}: box [${target.box.map((v) => v.toPrecision(3)).join(", ")}]`;
    const lv = $("level");
    lv.max = String(target.sigmas.length - 1);
    learned = null;
    field = null;
    // The reverse samplers need the exact time-conditioned score, which
    // only mixtures have: offered for them alone.
    for (const o of $("sampler").querySelectorAll("optgroup option")) o.disabled = !target.exact;
    if (isReverse() && !target.exact) {
      state.sampler = "langevin"; $("sampler").value = "langevin"; showSampler();
      setNote("the SDE/ODE samplers need an exact score (a preset or a mixture): switched to Langevin");
    } else {
      setStatus("");
    }
    resetParticles();
    await loadField();
  } catch (e) {
    if (my === tickets.target) setStatus(e.message);
  } finally { pending--; }
}

// clearViews blanks the views while there is no target.
function clearViews() {
  for (const id of ["view", "learned"]) {
    const c = $(id), ctx = c.getContext("2d");
    ctx.fillStyle = "#1b1b2f";
    ctx.fillRect(0, 0, c.width, c.height);
  }
}

async function loadField() {
  if (!target) return;
  const my = ++tickets.field, tg = target;
  state.level = Number($("level").value);
  $("sigma").textContent = `σ = ${tg.sigmas[state.level].toPrecision(3)} (level ${state.level} of 0–${tg.sigmas.length - 1}; 0 is the least noise)`;
  pending++;
  try {
    const f = await api("/api/field", { target: spec(), level: state.level, grid: 64 });
    let l = null;
    if (my === tickets.field && info && info.model && info.model.target === tg.key) {
      l = await api("/api/field", { target: spec(), level: state.level, grid: 24, source: "learned" });
    }
    if (my !== tickets.field) return;
    field = f; learned = l;
    drawField();
    saveHash();
  } catch (e) {
    if (my === tickets.field) setStatus(e.message);
  } finally { pending--; }
}

// showSampler shows the controls of the chosen sampler's family.
function showSampler() {
  $("revopts").classList.toggle("hidden", !isReverse());
  $("langopts").classList.toggle("hidden", isReverse());
  $("nfe").disabled = state.sampler === "ode";
  $("nfe").placeholder = state.sampler === "ode" ? "adaptive" : "default";
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
  const c = $("pad"), ctx = c.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.fillStyle = "#223";
  for (let k = 0; k < pad.pts.length; k += 2) ctx.fillRect(pad.pts[k] * c.width - 1, (1 - pad.pts[k + 1]) * c.height - 1, 2, 2);
  $("padcount").textContent = `${pad.pts.length / 2} points`;
}

function setupPad() {
  const c = $("pad");
  c.addEventListener("pointerdown", (ev) => { pad.down = true; pad.last = null; c.setPointerCapture(ev.pointerId); padAdd(padPoint(ev)); });
  c.addEventListener("pointermove", (ev) => { if (pad.down) padAdd(padPoint(ev)); });
  c.addEventListener("pointerup", () => { pad.down = false; pad.last = null; });
  $("padclear").onclick = () => { pad.pts = []; drawPad(); };
  $("paduse").onclick = () => {
    if (pad.pts.length < 4) { setStatus("draw at least 2 points"); return; }
    state.points = pad.pts.map((v) => Math.round(v * 1e4) / 1e4);
    loadTarget();
  };
  drawPad();
}

// ---- particles ----

function b64ToFloats(s) {
  const bin = atob(s), b = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
  return new Float32Array(b.buffer);
}

function resetParticles() {
  tickets.reverse++;
  particles = null; particlesB64 = ""; t = 0; seed++; queue = [];
  frames = [];
  traj = null; trajX = []; trajPos = 0;
  $("tslider").max = "0"; $("tslider").value = "0"; $("tslider").disabled = true;
  $("tlabel").textContent = "t = 1 (prior)";
  $("metrics").textContent = "";
  $("viewcap").textContent = isReverse() ? "press Play: particles drawn from the SDE's prior move to the data" :
    "press Play or Step: particles start uniform over the view";
  if (target) drawField();
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
  $("tslider").value = String(Math.round(pos));
  $("tlabel").textContent = end ? "t = 0 (the samples)" : `t = ${tt.toFixed(3)}` + (pos === 0 ? " (prior)" : "");
  $("viewcap").textContent = `${traj.sde}, ${$("sampler").selectedOptions[0].textContent}: NFE ${traj.nfe}, ` +
    (end ? "done" : `t = ${tt.toFixed(3)}; the particles follow p_t, the background stays the data's log p`);
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
    if (e.message !== "stale") setStatus(e.message);
    playing = false; $("play").textContent = "Play"; return;
  }
  if (trajPos >= trajX.length - 1) trajPos = 0;
  trajLast = performance.now();
  const tick = (now) => {
    if (!playing || !traj) return;
    trajPos += (now - trajLast) / 1000 / trajSeconds * (trajX.length - 1);
    trajLast = now;
    showTraj(trajPos);
    if (trajPos >= trajX.length - 1) { playing = false; $("play").textContent = "Play"; return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}


function stepRequest(k) {
  const req = { target: spec(), source: state.source, sampler: state.sampler, level: state.level, n: state.n,
    x: particlesB64, t: t, k: k, seed: seed, perLevel: state.perLevel };
  if (state.stepSize !== "") req.stepSize = Number(state.stepSize);
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
    const req = stepRequest(state.perFrame * nf);
    if (nf > 1) req.frames = nf;
    const res = await api("/api/step", req);
    stepCost.n++; stepCost.ms += (performance.now() - t0) / nf;
    if (req.seed !== seed) return; // reset meanwhile
    particlesB64 = res.x; t = res.t;
    queue.push(...(res.frames || [res]));
    if (res.done) playing = false; // the queue still plays out
    maybeMetrics();
  } catch (e) {
    setStatus(e.message);
    playing = false; $("play").textContent = "Play";
  } finally { inFlight = false; }
}

async function maybeMetrics() {
  const now = performance.now();
  if (metricsBusy || now - lastMetrics < 1500 || !particlesB64) return;
  metricsBusy = true; lastMetrics = now;
  const sd = seed; // particles reset meanwhile make the answer stale
  try {
    const m = await api("/api/metrics", { target: spec(), x: particlesB64 });
    if (sd === seed) showMetrics(m);
  } catch (e) { if (sd === seed) setStatus(e.message); } finally { metricsBusy = false; }
}

// showMetrics writes W₂ against its floor, the mode weights and the frame
// rate under the view.
function showMetrics(m, prefix = "") {
  const cut = frames.filter((f) => f > performance.now() - 2000);
  const fps = cut.length / 2;
  let s = m.w2 === null ? "W₂: particles diverged" :
    `W₂ to the target ${m.w2.toFixed(4)}: ${(m.w2 / m.floor).toFixed(2)} × the noise floor ${m.floor.toFixed(4)} ± ${m.floorStd.toFixed(4)} ` +
    `(W₂ between two exact samples; ${m.n} points, lower is better, 1 × is as good as exact samples)`;
  if (m.modes) s += "\nshare of particles nearest each mode " + m.modes.map((v) => v.toFixed(2)).join(" ") + " (want " + m.want.map((v) => v.toFixed(2)).join(" ") + ")";
  if (playing) s += `\n${fps.toFixed(1)} frames/s`;
  $("metrics").textContent = prefix + s;
  window.sgmMetrics = { w2: m.w2, floor: m.floor, fps: fps, t: t };
}

// play asks for steps back to back while playing; loop paints the newest
// particles once per display frame, and counts the frames it paints.
// framesPerRequest is how many frames play asks for at once.
const framesPerRequest = 8;

async function play() {
  while (playing) {
    if (inFlight || queue.length >= framesPerRequest) { await new Promise((r) => setTimeout(r, 4)); continue; }
    await stepOnce(framesPerRequest);
  }
}

function loop() {
  const f = queue.shift();
  if (f) {
    particles = b64ToFloats(f.x);
    let note = `${$("sampler").selectedOptions[0].textContent}: step ${f.t}, σ = ${f.sigma.toPrecision(3)}`;
    if (f.accept !== undefined) note += `, acceptance ${(100 * f.accept).toFixed(0)}%`;
    if (f.done) note += " (done, denoised)";
    $("viewcap").textContent = note;
    drawParticles();
    frames.push(performance.now());
    if (f.done || (!playing && queue.length === 0)) $("play").textContent = "Play";
  }
  requestAnimationFrame(loop);
}

// ---- training ----

async function startTraining() {
  if (!target) return;
  losses = [];
  trainAbort = new AbortController();
  drawLoss();
  $("train").disabled = true; $("tstop").disabled = false;
  $("tstatus").textContent = "starting...";
  let res;
  try {
    res = await fetch("/api/train", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ target: spec(), steps: Number($("tsteps").value), level: state.level, grid: 24 }), signal: trainAbort.signal });
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
        if (name && data) onTrainEvent(name, JSON.parse(data));
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") setStatus(e.message);
  } finally {
    $("train").disabled = false; $("tstop").disabled = true;
    trainAbort = null;
  }
}

function onTrainEvent(name, d) {
  switch (name) {
    case "start":
      $("tstatus").textContent = `training ${d.steps} steps...`;
      break;
    case "progress":
      losses.push([d.step, d.meanLoss]);
      drawLoss();
      $("tstatus").textContent = `step ${d.step} / ${d.steps}, loss ${d.meanLoss.toPrecision(3)}, ${d.stepsPerSec.toFixed(0)} steps/s, ${d.elapsed.toFixed(1)} s`;
      break;
    case "field":
      learned = d;
      drawLearned();
      break;
    case "done":
      $("tstatus").textContent = d.error ? "failed: " + d.error :
        `${d.stopped ? "stopped" : "done"} at step ${d.step} in ${d.elapsed.toFixed(1)} s; sample it with Score: learned`;
      window.sgmTrained = d;
      api("/api/info").then((i) => { info = i; loadField(); });
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
  if (location.hash.length < 2) return;
  try { Object.assign(state, JSON.parse(decodeURIComponent(location.hash.slice(1)))); } catch (e) { setStatus("ignoring a malformed link"); }
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
  $("trails").checked = state.trails;
  if (state.mixture) $("mixjson").value = JSON.stringify(state.mixture, null, 1);
  if (state.kind === "draw" && state.points) { pad.pts = state.points.slice(); drawPad(); }
}

async function main() {
  loadHash();
  try { info = await api("/api/info"); } catch (e) { setStatus(e.message); return; }
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
  $("kind").onchange = () => { state.kind = $("kind").value; showKind(); loadTarget(); };
  $("name").onchange = () => { state.name = $("name").value; loadTarget(); };
  $("mnist").onchange = () => { state.mnist = Number($("mnist").value); loadTarget(); };
  $("mixapply").onclick = () => {
    try { state.mixture = JSON.parse($("mixjson").value); } catch (e) { setStatus("mixture JSON: " + e.message); return; }
    loadTarget();
  };
  $("file").onchange = async () => {
    const f = $("file").files[0];
    if (!f) return;
    const png = f.name.toLowerCase().endsWith(".png");
    try {
      const res = await fetch(png ? "/api/upload/png" : "/api/upload/csv", { method: "POST", body: f });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error);
      state.image = body.image || null; state.points = body.points || null;
      loadTarget();
    } catch (e) { setStatus(e.message); }
  };
  $("level").oninput = () => {
    loadField();
    if (trainAbort) api("/api/train/view", { level: Number($("level").value) }).catch(() => {});
  };
  $("arrows").onchange = drawField;
  $("showdata").onchange = drawField;
  $("sampler").onchange = () => { state.sampler = $("sampler").value; showSampler(); resetParticles(); saveHash(); };
  $("sde").onchange = () => { state.sde = $("sde").value; resetParticles(); saveHash(); };
  $("nfe").onchange = () => { state.nfe = $("nfe").value; resetParticles(); saveHash(); };
  $("tslider").oninput = () => {
    if (!traj) return;
    playing = false; $("play").textContent = "Play";
    trajPos = Number($("tslider").value);
    // A jump in time leaves no trail.
    trailLayer.getContext("2d").clearRect(0, 0, trailLayer.width, trailLayer.height);
    showTraj(trajPos);
  };
  $("source").onchange = () => { state.source = $("source").value; resetParticles(); saveHash(); };
  $("count").onchange = () => { state.n = Number($("count").value); resetParticles(); saveHash(); };
  $("stepsize").onchange = () => { state.stepSize = $("stepsize").value; saveHash(); };
  $("perframe").onchange = () => { state.perFrame = Math.max(1, Number($("perframe").value)); saveHash(); };
  $("perlevel").onchange = () => { state.perLevel = Math.max(1, Number($("perlevel").value)); resetParticles(); saveHash(); };
  $("trails").onchange = () => { state.trails = $("trails").checked; saveHash(); };
  $("play").onclick = () => {
    playing = !playing;
    $("play").textContent = playing ? "Pause" : "Play";
    if (playing) isReverse() ? playReverse() : play();
  };
  $("step").onclick = async () => {
    playing = false; $("play").textContent = "Play";
    if (!isReverse()) { stepOnce(1); return; }
    try { if (!traj) await loadReverse(); } catch (e) { if (e.message !== "stale") setStatus(e.message); return; }
    trajPos = Math.min(trajX.length - 1, Math.floor(trajPos) + 1);
    showTraj(trajPos);
  };
  $("reset").onclick = resetParticles;
  $("train").onclick = startTraining;
  $("tstop").onclick = () => api("/api/train/stop", {}).catch((e) => setStatus(e.message));
  $("dlcsv").onclick = () => {
    if (!particlesB64) { setStatus("run the particles first"); return; }
    api("/api/samples.csv", { x: particlesB64 }).then((b) => download(b, "samples.csv")).catch((e) => setStatus(e.message));
  };
  for (const f of ["png", "svg"]) {
    $("dl" + f).onclick = () => api("/api/figure." + f, { target: spec(), level: state.level, source: learned ? "learned" : "exact" })
      .then((b) => download(b, "field." + f)).catch((e) => setStatus(e.message));
  }
  $("dlmodel").onclick = () => api("/api/model").then((b) => download(b, "sgm-model.tar")).catch((e) => setStatus(e.message));
  $("link").onclick = () => { saveHash(); navigator.clipboard && navigator.clipboard.writeText(location.href).catch(() => {}); setStatus("the URL now holds this view"); };
  // A job whose page goes away stops: its stream's request is aborted.
  window.addEventListener("pagehide", () => { if (trainAbort) trainAbort.abort(); });
  drawLoss();
  await loadTarget();
  requestAnimationFrame(loop);
  // Hooks for the browser test (serve/browser_test.go).
  window.sgmFrames = () => frames.length;
  window.sgmStep = () => t;
  window.sgmParticles = () => particlesB64;
  // Mean milliseconds of a particle frame's drawing and of a step request
  // (the Go step, encoding and transport), since the last call.
  window.sgmCosts = () => {
    const c = { draw: drawCost.ms / Math.max(1, drawCost.n), step: stepCost.ms / Math.max(1, stepCost.n) };
    drawCost.n = drawCost.ms = stepCost.n = stepCost.ms = 0;
    return JSON.stringify(c);
  };
  // What the view shows, and whether it has settled: no view request in
  // flight and the view drawn for the controls as they are now.
  window.sgmView = () => JSON.stringify({
    settled: pending === 0 && shownSpec === JSON.stringify(spec()) &&
      (!haveData() || (!!target && !!field && field.level === Number($("level").value))),
    kind: state.kind, target: target ? target.name : "", level: field ? field.level : -1,
    sampler: $("sampler").value, status: $("status").textContent,
  });
  window.sgmReady = true;
}

main();
