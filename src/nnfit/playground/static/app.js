// nnfit playground: the page's state, its URL, its controls and the session's socket.
// The server validates every setting; the page shows what the server accepted (its `data`
// message carries the config back) and keeps it in the URL's fragment, so a link is the state.
"use strict";
(function (NNP) {
  const $ = id => document.getElementById(id);
  const LIST_KEYS = ["features", "hidden", "activation", "picture"];
  const PLAYGROUND_SETS = ["circle", "xor", "gauss", "spiral", "plane", "multi_gaussian"];
  let socket = null, session = null, config = {}, data = null, frame = null, dirty = false;
  let playing = false, layout = null, selected = null, limits = null, view = null;
  let hist = { epoch: [], loss: [], val: [] };
  const pending = [], MAX_PENDING = 3;  // frames received, not yet drawn
  const rate = { frames: 0, t0: performance.now(), epoch0: 0, fps: 0, eps: 0, drawn: 0 };

  // ---- the URL ----
  function readHash() {
    const out = {};
    const text = location.hash.replace(/^#/, "");
    if (!text) return out;
    for (const part of text.split("&")) {
      const i = part.indexOf("=");
      if (i < 0) continue;
      out[decodeURIComponent(part.slice(0, i))] = decodeURIComponent(part.slice(i + 1));
    }
    return out;
  }
  function hashOf(values) {
    return "#" + Object.entries(values).map(([k, v]) => {
      const text = Array.isArray(v) ? v.join(",") : (typeof v === "boolean" ? (v ? "1" : "0") : String(v));
      return `${encodeURIComponent(k)}=${encodeURIComponent(text)}`;
    }).join("&");
  }
  // replaceState fires no hashchange: the page's own writes never come back as a new link
  function writeHash() { history.replaceState(null, "", hashOf(config)); }
  // a link pasted into an open tab (only its fragment changed): applied as on load
  function onHashChange() {
    if (!location.hash || location.hash === hashOf(config)) return;
    say("");
    send({ type: "config", config: readHash() });
  }
  NNP.readHash = readHash;

  // ---- messages ----
  function say(text) {
    const box = $("message");
    box.textContent = text || "";  // textContent: user strings (column names) are never markup
    box.hidden = !text;
  }
  function send(message) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(message)); }
  function sendConfig(changes) {
    config = Object.assign({}, config, changes);
    writeHash();
    say("");
    send({ type: "config", config });
  }

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + location.pathname.replace(/[^/]*$/, "") + "ws";
    socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";  // frames: a JSON header and their pictures' bytes
    socket.onopen = () => send({ type: "config", config: readHash() });
    socket.onmessage = event => receive(typeof event.data === "string" ? JSON.parse(event.data) : NNP.unpack(event.data));
    socket.onclose = () => { say("the connection to the server closed; reload the page once it runs again"); setPlaying(false); };
  }

  function receive(m) {
    if (m.type === "hello") {
      session = m.session; limits = m.limits;
      $("limits").textContent = "uploads: " + m.limits.text;
      const q = `?session=${encodeURIComponent(session)}`;
      $("export").href = "api/export.toml" + q; $("export-data").href = "api/data.csv" + q;
      $("report").href = "api/report" + q;
    } else if (m.type === "data" && m.keep) {  // clicked points: same network, same curves
      data = m; config = m.config;
      syncControls(); writeHash(); dirty = true;
    } else if (m.type === "data") {
      data = m; config = m.config; frame = null; selected = null; pending.length = 0;
      hist.epoch = []; hist.loss = []; hist.val = [];
      rate.epoch0 = 0;
      syncControls(); writeHash(); dirty = true;
    } else if (m.type === "frame") {
      // frames wait for their own animation frame: two that arrive within one (the socket
      // delivers in bursts) are both shown, one after the other, instead of the first being
      // painted over unseen; a page that falls behind skips the oldest (its loss points kept)
      pending.push(m);
      if (pending.length > MAX_PENDING) {
        const [old, next] = pending.splice(0, 2);
        next.history = (old.history || []).concat(next.history || []);
        pending.unshift(next);
      }
    } else if (m.type === "status") {
      setPlaying(m.playing);
    } else if (m.type === "error") {
      say(m.message);
    } else if (m.type === "notice") {
      $("notice").textContent = m.text;
    }
  }

  // ---- drawing, once per animation frame when something new came ----
  function show(m) {
    frame = m; dirty = true;
    for (const [e, l, v] of m.history || []) { hist.epoch.push(e); hist.loss.push(l); hist.val.push(v); }
    // a long run keeps every other point once it has many: the chart's cost stays bounded
    if (hist.epoch.length > 3000) for (const k of ["epoch", "loss", "val"]) hist[k] = hist[k].filter((_, i) => i % 2 === 0 || i === hist[k].length - 1);
    if (!m.history && m.epoch === 0) { hist.epoch = []; hist.loss = []; hist.val = []; }
  }

  function render(now) {
    if (pending.length) show(pending.shift());
    if (dirty && data) {
      dirty = false;
      rate.frames++; rate.drawn++;
      view = NNP.drawOutput($("output"), data, frame);
      NNP.drawLoss($("loss-chart"), hist);
      const sizes = frame ? frame.sizes : null;
      if (sizes) layout = NNP.drawNetwork($("network"), sizes, frame, inputNames(), selected);
      if (frame) {
        $("epoch").textContent = frame.epoch;
        $("loss-train").textContent = frame.loss == null ? "-" : frame.loss.toPrecision(4);
        $("loss-val").textContent = frame.val_loss == null ? "-" : frame.val_loss.toPrecision(4);
        const contributions = frame.contrib || frame.contrib_maps;
        $("contrib-box").hidden = !contributions;
        if (contributions) NNP.drawContributions($("contributions"), frame);
      }
    }
    if (gd.playing && gd.answer) {  // the descent path grows a few steps a frame
      gd.shown = Math.min(gd.answer.path.length, gd.shown + Math.max(1, Math.floor(gd.answer.path.length / 150)));
      showDescent();
      if (gd.shown >= gd.answer.path.length) { gd.playing = false; $("gd-play").textContent = "▶ play"; }
    }
    if (now - rate.t0 >= 1000) {
      const epoch = frame ? frame.epoch : 0;
      rate.fps = rate.frames * 1000 / (now - rate.t0);
      rate.eps = Math.max(0, epoch - rate.epoch0) * 1000 / (now - rate.t0);
      $("fps").textContent = rate.fps.toFixed(0); $("eps").textContent = rate.eps.toFixed(0);
      rate.frames = 0; rate.t0 = now; rate.epoch0 = epoch;
    }
    requestAnimationFrame(render);
  }

  function inputNames() {
    if (!data) return [];
    if (data.columns) return data.columns.filter(c => c !== data.target);
    if (data.dims === 2) return (config.features || []).map(f => ({ x1: "x1", x2: "x2", x1x2: "x1x2", x1sq: "x1²", x2sq: "x2²", sinx1: "sin x1", sinx2: "sin x2", cosx1: "cos x1", cosx2: "cos x2" })[f] || f);
    return data.axes;
  }

  function setPlaying(on) {
    playing = on;
    const b = $("play");
    b.textContent = on ? "❚❚ pause" : "▶ play";
    b.classList.toggle("playing", on);
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }

  // ---- controls ----
  function syncControls() {
    $("dataset").value = config.data;
    $("noise").value = Math.round(config.noise * 100); $("noise-out").textContent = Math.round(config.noise * 100);
    // the seed problems keep their own noise (in their data's units), uploads have none
    const noisy = PLAYGROUND_SETS.includes(config.data) || config.data === "formula";
    $("noise").disabled = !noisy;
    $("noise").title = noisy ? "" : (config.data === "upload" ? "an uploaded table keeps its rows as they are" : "a seed problem keeps the noise of its seed document; the slider applies to the Playground's sets and to formulas");
    $("train-pct").value = config.train_pct; $("train-out").textContent = config.train_pct;
    $("formula").value = config.formula;
    $("formula-box").hidden = config.data !== "formula";
    $("features-box").hidden = !(data && data.dims === 2 && !data.columns && PLAYGROUND_SETS.includes(config.data));
    buildFeatures();
    $("activation").value = config.activation[0] || "tanh";
    $("optimizer").value = config.optimizer;
    setSelect($("learning-rate"), config.learning_rate);
    $("batch-size").value = config.batch_size;
    // the global selects show a penalty shared by every layer, or "per layer"
    for (const key of ["l1", "l2"]) {
      const v = config[key], sel = $(key);
      if (Array.isArray(v)) { if (![...sel.options].some(o => o.value === "per layer")) sel.add(new Option("per layer", "per layer")); sel.value = "per layer"; }
      else setSelect(sel, v);
    }
    $("schedule").value = config.schedule;
    $("horizon").value = config.horizon || 1000; $("horizon-box").hidden = config.schedule !== "cosine";
    $("members").value = config.members; $("normalize").checked = !!config.normalize; $("seed").value = config.seed;
    buildLayerControls();
    const table = !!(data && data.columns);
    $("table-box").hidden = !table;
    if (table) buildTableControls();
    const edits = config.points ? config.points.split(";").length : 0;
    $("points-note").textContent = edits ? `${edits} point edit(s), kept in the link` : "";
    const units = config.hidden.reduce((a, b) => a + b, 0);
    $("net-size").textContent = `${config.hidden.length} hidden layer(s), ${units} units`;
  }
  function setSelect(sel, value) {
    const text = String(value);
    if (![...sel.options].some(o => Number(o.value) === Number(value))) sel.add(new Option(text, text));
    for (const o of sel.options) if (Number(o.value) === Number(value)) sel.value = o.value;
  }

  const FEATURE_LABELS = { x1: "x1", x2: "x2", x1x2: "x1·x2", x1sq: "x1²", x2sq: "x2²", sinx1: "sin x1", sinx2: "sin x2", cosx1: "cos x1", cosx2: "cos x2" };
  function buildFeatures() {
    const box = $("features");
    box.replaceChildren();
    for (const [key, label] of Object.entries(FEATURE_LABELS)) {
      const l = document.createElement("label"), c = document.createElement("input");
      c.type = "checkbox"; c.checked = (config.features || []).includes(key); c.dataset.testid = "feature-" + key;
      c.setAttribute("data-testid", "feature-" + key);
      c.onchange = () => {
        const chosen = Object.keys(FEATURE_LABELS).filter(k => k === key ? c.checked : (config.features || []).includes(k));
        if (chosen.length) sendConfig({ features: chosen }); else c.checked = true;
      };
      l.append(c, " " + label); box.append(l);
    }
  }

  // a dense layer's penalty as the page shows it: one select per layer column
  const PENALTIES = ["0", "L1 0.001", "L1 0.01", "L1 0.1", "L2 0.001", "L2 0.01", "L2 0.1"];
  const perLayer = (value, n) => Array.isArray(value) ? value.slice(0, n) : Array(n).fill(Number(value) || 0);
  function penaltyText(l1, l2) {
    if (l1 && l2) return `L1 ${l1} L2 ${l2}`;
    return l1 ? `L1 ${l1}` : (l2 ? `L2 ${l2}` : "0");
  }
  function penaltySelect(layer, n) {
    const l1 = perLayer(config.l1, n), l2 = perLayer(config.l2, n);
    const sel = document.createElement("select"); sel.setAttribute("data-testid", `penalty-${layer}`);
    sel.title = "this layer's weight penalty";
    const now = penaltyText(l1[layer], l2[layer]);
    for (const text of PENALTIES.includes(now) ? PENALTIES : PENALTIES.concat([now])) sel.add(new Option(text, text));
    sel.value = now;
    sel.onchange = () => {
      const [kind, value] = sel.value === "0" ? ["", 0] : sel.value.split(" ");
      l1[layer] = kind === "L1" ? Number(value) : 0; l2[layer] = kind === "L2" ? Number(value) : 0;
      sendConfig({ l1: l1.slice(), l2: l2.slice() });
    };
    return sel;
  }

  function buildLayerControls() {
    const box = $("layer-controls"), L = config.hidden.length + 2, dense = config.hidden.length + 1;
    box.style.gridTemplateColumns = `repeat(${L}, 1fr)`;
    box.replaceChildren();
    for (let c = 0; c < L; c++) {
      const col = document.createElement("div"); col.className = "col";
      if (c === 0) col.textContent = "inputs";
      else if (c === L - 1) col.append("output", document.createElement("br"), penaltySelect(dense - 1, dense));
      else {
        const l = c - 1;
        const minus = button("−", `remove-unit-${l}`, () => changeWidth(l, -1));
        const plus = button("+", `add-unit-${l}`, () => changeWidth(l, +1));
        const width = document.createElement("span"); width.textContent = ` ${config.hidden[l]} `;
        width.setAttribute("data-testid", `units-${l}`);
        const act = document.createElement("select"); act.setAttribute("data-testid", `activation-${l}`);
        for (const o of $("activation").options) act.add(new Option(o.value, o.value));
        act.value = config.activation[l];
        act.onchange = () => { const a = config.activation.slice(); a[l] = act.value; sendConfig({ activation: a }); };
        col.append(minus, width, plus, document.createElement("br"), act, penaltySelect(l, dense));
      }
      box.append(col);
    }
  }
  function button(text, testid, onclick) {
    const b = document.createElement("button"); b.textContent = text; b.setAttribute("data-testid", testid); b.onclick = onclick; return b;
  }
  function changeWidth(l, delta) {
    const h = config.hidden.slice(); h[l] = Math.max(1, h[l] + delta); sendConfig({ hidden: h });
  }

  function buildTableControls() {
    const cols = data.columns, numeric = data.numeric.filter(c => c !== data.target);
    fill($("target"), cols, data.target);
    // identifier-like text columns (a value per row) are no inputs: the page names them
    const out = data.left_out || [];
    $("left-out").hidden = !out.length;
    $("left-out").textContent = out.length ? `left out (identifier-like text, a value for almost every row): ${out.join(", ")}` : "";
    const [p1, p2] = data.axes;
    fill($("picture-1"), numeric, p1);
    fill($("picture-2"), ["(none)"].concat(numeric.filter(c => c !== p1)), p2 || "(none)");
  }
  function fill(sel, names, value) {
    sel.replaceChildren();
    for (const n of names) sel.add(new Option(n, n));  // Option(text): escaped by the DOM
    sel.value = value;
  }

  function wire() {
    $("play").onclick = () => { send({ type: playing ? "pause" : "play" }); setPlaying(!playing); };
    $("step").onclick = () => send({ type: "step" });
    $("reset").onclick = () => send({ type: "reset" });
    $("dataset").onchange = e => sendConfig({ data: e.target.value });
    $("noise").onchange = e => sendConfig({ noise: Number(e.target.value) / 100 });
    $("noise").oninput = e => { $("noise-out").textContent = e.target.value; };
    $("train-pct").onchange = e => sendConfig({ train_pct: Number(e.target.value) });
    $("train-pct").oninput = e => { $("train-out").textContent = e.target.value; };
    $("formula-apply").onclick = () => sendConfig({ data: "formula", formula: $("formula").value });
    $("formula").onkeydown = e => { if (e.key === "Enter") $("formula-apply").click(); };
    $("activation").onchange = e => sendConfig({ activation: config.hidden.map(() => e.target.value) });
    $("optimizer").onchange = e => sendConfig({ optimizer: e.target.value });
    $("learning-rate").onchange = e => sendConfig({ learning_rate: Number(e.target.value) });
    $("batch-size").onchange = e => sendConfig({ batch_size: Number(e.target.value) });
    $("l1").onchange = e => { if (e.target.value !== "per layer") sendConfig({ l1: Number(e.target.value) }); };
    $("l2").onchange = e => { if (e.target.value !== "per layer") sendConfig({ l2: Number(e.target.value) }); };
    // cosine decays over a horizon of epochs: the page offers 1000 until the user sets one
    $("schedule").onchange = e => sendConfig(e.target.value === "cosine" ? { schedule: "cosine", horizon: config.horizon || Number($("horizon").value) || 1000 } : { schedule: e.target.value });
    $("horizon").onchange = e => sendConfig({ horizon: Number(e.target.value) });
    $("members").onchange = e => sendConfig({ members: Number(e.target.value) });
    $("normalize").onchange = e => sendConfig({ normalize: e.target.checked });
    $("seed").onchange = e => sendConfig({ seed: Number(e.target.value) });
    $("add-layer").onclick = () => {
      const h = config.hidden.slice(), a = config.activation.slice();
      h.push(h.length ? h[h.length - 1] : 4); a.push(a.length ? a[a.length - 1] : "tanh");
      sendConfig({ hidden: h, activation: a });
    };
    $("remove-layer").onclick = () => {
      if (!config.hidden.length) return;
      sendConfig({ hidden: config.hidden.slice(0, -1), activation: config.activation.slice(0, -1) });
    };
    $("target").onchange = e => sendConfig({ target: e.target.value, picture: [] });
    const picture = () => [$("picture-1").value, $("picture-2").value].filter(v => v && v !== "(none)");
    $("picture-1").onchange = () => sendConfig({ picture: picture() });
    $("picture-2").onchange = () => sendConfig({ picture: picture() });
    $("upload").onchange = upload;
    $("weight-apply").onclick = () => send({ type: "weight", layer: num("weight-layer"), row: num("weight-from"), col: num("weight-to"), value: Number($("weight-value").value) });
    $("unit-off").onclick = () => send({ type: "unit_off", layer: num("weight-layer"), unit: num("weight-to") });
    $("bias-apply").onclick = () => send({ type: "bias", layer: num("weight-layer"), unit: num("weight-to"), value: Number($("bias-value").value) });
    $("analyse").onclick = analyse;
    // a click on the picture adds a point under the cursor (shift: the other class or level);
    // alt-click or a right click removes the nearest
    const pointAt = (e, remove) => {
      const r = e.target.getBoundingClientRect(), k = e.target.width / r.width;
      const at = NNP.unproject(view, (e.clientX - r.left) * k, (e.clientY - r.top) * k);
      if (!at || !data) return;
      if (data.columns) { say("points are added by clicking on the built-in sets and formulas; change an uploaded table in its CSV file"); return; }
      send({ type: "point", at, remove, other: e.shiftKey });
    };
    $("output").onclick = e => pointAt(e, e.altKey);
    $("output").oncontextmenu = e => { e.preventDefault(); pointAt(e, true); };
    $("network").onclick = e => {
      if (!layout) return;
      const r = e.target.getBoundingClientRect(), k = e.target.width / r.width;
      const hit = NNP.hit(layout, (e.clientX - r.left) * k, (e.clientY - r.top) * k);
      if (!hit || hit.layer < 0) return;
      selected = hit; dirty = true;
      $("weight-layer").value = hit.layer;
      if (hit.kind === "weight") { $("weight-from").value = hit.row; $("weight-to").value = hit.col; $("weight-value").value = (+hit.value.toFixed(3)); }
      else {  // a unit: its bias in the editor
        $("weight-to").value = hit.unit;
        const b = frame && frame.biases && frame.biases[hit.layer];
        if (b) $("bias-value").value = +b[hit.unit].toFixed(3);
      }
    };
  }
  const num = id => Number($(id).value);

  async function upload(e) {
    const file = e.target.files[0];
    if (!file) return;
    if (limits && file.size > limits.bytes) { say(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the playground takes ${limits.text}`); return; }
    say("reading " + file.name + " ...");
    try {
      const r = await fetch(`api/upload?session=${encodeURIComponent(session)}&name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
      const answer = await r.json();
      say(answer.ok ? "" : answer.message);
    } catch (err) { say("the upload failed: " + err); }
    e.target.value = "";
  }

  // ---- lessons: seed 003's linear GD and seed 002's LM vs Adam ----
  const gd = { answer: null, shown: 1, playing: false };
  function showDescent() {
    const a = gd.answer, k = Math.max(1, gd.shown);
    NNP.drawSurface($("gd-canvas"), a, k);
    $("gd-step").textContent = k - 1;
    const loss = a.losses[Math.min(k, a.losses.length) - 1];
    $("gd-loss").textContent = k > 1 && loss != null ? loss.toPrecision(4) : "-";
    $("gd-note").textContent = a.diverged && k >= a.path.length ? "diverged: the rate is too large for this surface" : "";
  }
  async function loadDescent() {
    const q = new URLSearchParams({ solver: $("gd-solver").value, learning_rate: $("gd-rate").value, steps: $("gd-steps").value });
    const r = await fetch("api/linear-gd?" + q);
    if (!r.ok) { say(await r.text()); return false; }
    gd.answer = await r.json(); gd.shown = 1; showDescent(); return true;
  }
  function wireLessons() {
    $("mode-linear-gd").onclick = async () => { $("gd-box").hidden = false; await loadDescent(); };
    for (const id of ["gd-solver", "gd-rate", "gd-steps"]) $(id).onchange = () => { gd.playing = false; $("gd-play").textContent = "▶ play"; loadDescent(); };
    $("gd-play").onclick = async () => {
      if (!gd.answer && !(await loadDescent())) return;
      if (gd.shown >= gd.answer.path.length) gd.shown = 1;
      gd.playing = !gd.playing; $("gd-play").textContent = gd.playing ? "❚❚ pause" : "▶ play";
    };
    $("mode-lm-adam").onclick = async () => {
      $("lm-box").hidden = false; $("lm-text").textContent = "fitting both (the first time compiles each) ...";
      const r = await fetch("api/lm-vs-adam");
      if (!r.ok) { $("lm-text").textContent = await r.text(); return; }
      const a = await r.json(), lm = a.runs.lm, adam = a.runs.adam;
      NNP.drawRuns($("lm-canvas"), { "Levenberg-Marquardt": lm.loss, "Adam (0.01)": adam.loss }, ["#d0021b", "#0877bd"]);
      $("lm-text").textContent = `${a.problem}. Levenberg-Marquardt: loss ${lm.final.toExponential(2)} after ${lm.evaluations} evaluations in ${lm.seconds.toFixed(1)} s; ` +
        `Adam: ${adam.final.toExponential(2)} after ${adam.evaluations} epochs in ${adam.seconds.toFixed(1)} s (${a.note}).`;
    };
  }
  NNP.gd = gd;

  async function analyse() {
    const box = $("analysis");
    box.hidden = false; box.textContent = "computing ...";
    const r = await fetch(`api/analysis?session=${encodeURIComponent(session)}`);
    if (!r.ok) { box.textContent = await r.text(); return; }
    const a = await r.json(), lines = [`epoch ${a.epoch}, ${a.n_params} parameters`];
    if (a.eigenvalues) {
      const ev = a.eigenvalues, show = ev.length > 12 ? ev.slice(0, 6).concat(["..."], ev.slice(-6)) : ev;
      lines.push(`Hessian eigenvalues: ${show.map(v => typeof v === "number" ? v.toExponential(2) : v).join(", ")}`);
      lines.push(`near zero: ${a.near_zero} (directions the data barely determine); gradient norm ${a.gradient_norm.toExponential(2)}`);
      if (a.condition_number != null) lines.push(`condition number ${a.condition_number.toExponential(2)}`);
    } else if (a.note) lines.push(a.note);
    box.textContent = lines.join("\n");
    $("analysis-box").hidden = false;
    NNP.drawSpectrum($("hessian-canvas"), a.eigenvalues);
    const warn = $("extrapolation");
    const outside = !!(a.extrapolation && a.extrapolation.share_outside > 0);
    warn.textContent = a.extrapolation ? (outside ? "⚠ " : "") + a.extrapolation.text : "";
    warn.classList.toggle("outside", outside);
  }

  NNP.state = () => ({ config, data, frame, playing, session, fps: rate.fps, eps: rate.eps, hist, layout, selected, drawn: rate.drawn });
  window.addEventListener("hashchange", onHashChange);
  wire(); wireLessons(); connect(); requestAnimationFrame(render);
})(window.NNP);
