// nnfit playground: drawing on canvas (no libraries). Everything here is a pure function of the
// data it is given; app.js owns the state and the socket.
"use strict";
window.NNP = window.NNP || {};
(function (NNP) {
  const ORANGE = [245, 147, 34], WHITE = [232, 234, 235], BLUE = [8, 119, 189];

  // t in [0, 1] -> orange .. white .. blue (the TensorFlow Playground's colours)
  function colour(t) {
    t = Math.max(0, Math.min(1, t));
    const a = t < 0.5 ? ORANGE : WHITE, b = t < 0.5 ? WHITE : BLUE, u = t < 0.5 ? t * 2 : t * 2 - 1;
    return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
  }
  const PALETTE = Array.from({ length: 256 }, (_, i) => colour(i / 255));
  NNP.colour = colour;

  // a binary frame (nnfit/playground/wire.py): uint32 n, n bytes of JSON header, then the
  // payload; {"$bytes": [offset, length]} in the header is a view of the payload (no copy)
  NNP.unpack = function (buffer) {
    const n = new DataView(buffer).getUint32(0, true), start = 4 + n;
    const header = new TextDecoder().decode(new Uint8Array(buffer, 4, n));
    return JSON.parse(header, (key, value) => value && value.$bytes ? new Uint8Array(buffer, start + value.$bytes[0], value.$bytes[1]) : value);
  };

  // the palette as 32-bit pixels (RGBA bytes in memory order), for one store per pixel
  const PIXELS = new Uint32Array(256);
  new Uint8Array(PIXELS.buffer).set(PALETTE.flatMap(p => [p[0] | 0, p[1] | 0, p[2] | 0, 255]));

  // square maps of bytes (0..255), each into its box of ctx, smoothly scaled. All maps of one
  // frame go into one strip, uploaded with one putImageData: a canvas copied from after every
  // small upload (a thumbnail each) cost the page more than all the rest of its drawing.
  const strips = {};
  function drawMaps(ctx, maps) {
    const bySide = {};
    for (const m of maps) {
      const n = Math.round(Math.sqrt(m.bytes.length));
      (bySide[n] = bySide[n] || []).push(m);
    }
    ctx.imageSmoothingEnabled = true;
    for (const [key, group] of Object.entries(bySide)) {
      const n = Number(key), rows = n * group.length;
      let strip = strips[n];
      if (!strip || strip.canvas.height < rows) {
        const canvas = document.createElement("canvas");
        canvas.width = n; canvas.height = rows;
        strip = strips[n] = { canvas, ctx: canvas.getContext("2d") };
      }
      const img = strip.ctx.createImageData(n, rows), px = new Uint32Array(img.data.buffer);
      group.forEach((m, k) => { for (let i = 0; i < m.bytes.length; i++) px[k * n * n + i] = PIXELS[m.bytes[i]]; });
      strip.ctx.putImageData(img, 0, 0);
      group.forEach((m, k) => ctx.drawImage(strip.canvas, 0, k * n, n, n, m.x, m.y, m.w, m.h));
    }
  }
  function drawMap(ctx, bytes, x, y, w, h) { drawMaps(ctx, [{ bytes, x, y, w, h }]); }
  NNP.drawMap = drawMap;

  // a curve of values in [-1, 1] (or [lo, hi]) into a box
  function drawCurve(ctx, values, x, y, w, h, lo, hi, style, width) {
    if (!values || !values.length) return;
    ctx.beginPath();
    const n = values.length;
    for (let i = 0; i < n; i++) {
      const px = x + (i / (n - 1)) * w, t = (values[i] - lo) / ((hi - lo) || 1);
      const py = y + h - Math.max(0, Math.min(1, t)) * h;
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    ctx.strokeStyle = style; ctx.lineWidth = width || 1.5; ctx.stroke();
  }

  // the output picture: heat map or curve, and the data points over it. Returns its view
  // (the plot's box and ranges) so that a click can be read back as a point of the data.
  NNP.drawOutput = function (canvas, data, frame) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!data) return null;
    const b = data.bounds, pad = 22, w = W - pad - 6, h = H - pad - 6, x0 = pad, y0 = 6;
    const sx = v => x0 + (v - b[0][0]) / (b[0][1] - b[0][0]) * w;
    let lo = frame && frame.range ? frame.range[0] : 0, hi = frame && frame.range ? frame.range[1] : 1;
    if (data.dims === 1) {
      const vals = data.values;
      let ymin = Infinity, ymax = -Infinity;
      for (const v of vals) { if (v < ymin) ymin = v; if (v > ymax) ymax = v; }
      const span = (ymax - ymin) || 1;
      lo = ymin - 0.1 * span; hi = ymax + 0.1 * span;
      const sy = v => y0 + h - (v - lo) / (hi - lo) * h;
      ctx.fillStyle = "#fafafa"; ctx.fillRect(x0, y0, w, h);
      if (frame && frame.band) {
        ctx.beginPath();
        const [low, high] = frame.band, n = low.length;
        for (let i = 0; i < n; i++) ctx.lineTo(x0 + i / (n - 1) * w, sy(high[i]));
        for (let i = n - 1; i >= 0; i--) ctx.lineTo(x0 + i / (n - 1) * w, sy(low[i]));
        ctx.fillStyle = "rgba(8,119,189,0.18)"; ctx.fill();
      }
      for (let i = 0; i < vals.length; i++) {
        ctx.beginPath(); ctx.arc(sx(data.coords[i][0]), sy(vals[i]), 2.5, 0, 7);
        ctx.fillStyle = data.train[i] ? "#f59322" : "#fff"; ctx.fill();
        ctx.strokeStyle = data.train[i] ? "#fff" : "#333"; ctx.lineWidth = 0.8; ctx.stroke();
      }
      if (frame && frame.curve) drawCurve(ctx, frame.curve, x0, y0, w, h, lo, hi, "#0877bd", 2.2);
      axes(ctx, x0, y0, w, h, b[0], [lo, hi], data.axes[0], "y");
      return { x0, y0, w, h, xr: b[0], yr: [lo, hi] };
    }
    if (frame && frame.heat) drawMap(ctx, frame.heat, x0, y0, w, h);
    else { ctx.fillStyle = "#eee"; ctx.fillRect(x0, y0, w, h); }
    ctx.drawImage(pointsLayer(W, H, data, x0, y0, w, h, lo, hi), 0, 0);
    return { x0, y0, w, h, xr: b[0], yr: b[1] };
  };

  // the data points and axes over the heat map change only with the data: drawn once into a
  // layer that every frame copies (hundreds of circles a frame slowed the whole page)
  let layer = null;
  function pointsLayer(W, H, data, x0, y0, w, h, lo, hi) {
    const key = [W, H, x0, y0, w, h, lo, hi].join();
    if (layer && layer.data === data && layer.key === key) return layer.canvas;
    const canvas = layer && layer.canvas.width === W && layer.canvas.height === H ? layer.canvas : document.createElement("canvas");
    canvas.width = W; canvas.height = H;  // (also clears it)
    const ctx = canvas.getContext("2d"), b = data.bounds;
    const sx = v => x0 + (v - b[0][0]) / (b[0][1] - b[0][0]) * w;
    const sy = v => y0 + h - (v - b[1][0]) / (b[1][1] - b[1][0]) * h;
    const classes = data.task === "classification";
    const vlo = classes ? 0 : lo, vhi = classes ? Math.max(1, data.classes.length - 1) : hi;
    for (let i = 0; i < data.values.length; i++) {
      const c = colour((data.values[i] - vlo) / ((vhi - vlo) || 1));
      ctx.beginPath(); ctx.arc(sx(data.coords[i][0]), sy(data.coords[i][1]), 3, 0, 7);
      ctx.fillStyle = `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`; ctx.fill();
      ctx.strokeStyle = data.train[i] ? "#fff" : "#000"; ctx.lineWidth = 1; ctx.stroke();
    }
    axes(ctx, x0, y0, w, h, b[0], b[1], data.axes[0], data.axes[1]);
    layer = { canvas, data, key };
    return canvas;
  }

  // a point of the canvas (its own pixels) as a point of the data, or null outside the plot
  NNP.unproject = function (view, px, py) {
    if (!view || px < view.x0 || px > view.x0 + view.w || py < view.y0 || py > view.y0 + view.h) return null;
    return [view.xr[0] + (px - view.x0) / view.w * (view.xr[1] - view.xr[0]),
            view.yr[0] + (view.y0 + view.h - py) / view.h * (view.yr[1] - view.yr[0])];
  };

  function axes(ctx, x0, y0, w, h, xr, yr, xname, yname) {
    ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.strokeRect(x0, y0, w, h);
    ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
    ctx.fillText(fmt(xr[0]), x0, y0 + h + 12);
    const hiText = fmt(xr[1]); ctx.fillText(hiText, x0 + w - ctx.measureText(hiText).width, y0 + h + 12);
    ctx.fillText(String(xname), x0 + w / 2 - 10, y0 + h + 12);
    ctx.save(); ctx.translate(10, y0 + h); ctx.rotate(-Math.PI / 2);
    ctx.fillText(fmt(yr[0]), 0, 0); ctx.fillText(String(yname), h / 2 - 10, 0);
    const top = fmt(yr[1]); ctx.fillText(top, h - ctx.measureText(top).width, 0); ctx.restore();
  }
  function fmt(v) { return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : (+v.toFixed(2)).toString(); }
  NNP.fmt = fmt;

  // loss curves, training and validation, over epochs (log scale when they span a lot)
  NNP.drawLoss = function (canvas, hist) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!hist.epoch.length) return;
    const all = hist.loss.concat(hist.val).filter(v => v !== null && isFinite(v) && v > 0);
    if (!all.length) return;
    let lo = Infinity, hi = -Infinity;  // (not Math.min(...all): a long run overflows the stack)
    for (const v of all) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const log = hi / lo > 50, f = v => log ? Math.log10(v) : v;
    lo = f(lo); hi = f(hi); if (hi <= lo) hi = lo + 1;
    const e0 = hist.epoch[0], e1 = hist.epoch[hist.epoch.length - 1] || 1;
    const X = e => 30 + (e - e0) / ((e1 - e0) || 1) * (W - 36), Y = v => 6 + (1 - (f(v) - lo) / (hi - lo)) * (H - 20);
    for (const [key, style] of [["val", "#f59322"], ["loss", "#222"]]) {
      ctx.beginPath(); let on = false;
      hist[key].forEach((v, i) => {
        if (v === null || !isFinite(v) || v <= 0) { on = false; return; }
        if (!on) { ctx.moveTo(X(hist.epoch[i]), Y(v)); on = true; } else ctx.lineTo(X(hist.epoch[i]), Y(v));
      });
      ctx.strokeStyle = style; ctx.lineWidth = 1.5; ctx.stroke();
    }
    ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
    ctx.fillText(fmt(log ? 10 ** hi : hi), 0, 12); ctx.fillText(fmt(log ? 10 ** lo : lo), 0, H - 14);
    ctx.fillText(String(e1), W - 40, H - 2); ctx.fillText(log ? "log" : "", 0, H - 2);
  };

  // seed 004's picture: each last-layer unit's contribution W_j h_j(x), and their sum
  NNP.drawContributions = function (canvas, frame) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (frame && frame.contrib_maps) {  // two inputs: a map a unit, side by side
      const maps = frame.contrib_maps, n = maps.length;
      const cols = Math.ceil(Math.sqrt(n * W / H)), rows = Math.ceil(n / cols);
      const side = Math.max(4, Math.min((W - 4) / cols, (H - 4) / rows) - 3);
      drawMaps(ctx, maps.map((bytes, j) => ({ bytes, x: 2 + (j % cols) * (side + 3),
        y: 2 + Math.floor(j / cols) * (side + 3), w: side, h: side })));
      return;
    }
    if (!frame || !frame.contrib) return;
    let lo = Infinity, hi = -Infinity;
    for (const c of frame.contrib) for (const v of c) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    frame.contrib.forEach((c, j) => {
      const hue = (j * 47) % 360;
      drawCurve(ctx, c, 4, 4, W - 8, H - 8, lo, hi, `hsl(${hue},60%,45%)`, 1.2);
    });
    const zero = 4 + (H - 8) * (1 - (0 - lo) / (hi - lo));
    ctx.strokeStyle = "#bbb"; ctx.beginPath(); ctx.moveTo(4, zero); ctx.lineTo(W - 4, zero); ctx.stroke();
  };

  // the network: a column per layer, a thumbnail per unit, links coloured by sign, width by size.
  // Returns the layout (unit boxes, link segments) for hit testing.
  NNP.drawNetwork = function (canvas, sizes, frame, names, selected) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const L = sizes.length, colW = W / L, layout = { units: [], links: [] };
    const tallest = Math.max(...sizes);
    const box = Math.max(6, Math.min(36, (H - 10) / Math.max(1, tallest) - 4));
    const pos = sizes.map((n, l) => {
      const gap = Math.min(box + 6, (H - 8) / Math.max(1, n));
      const top = (H - gap * n) / 2 + (gap - box) / 2;
      return Array.from({ length: n }, (_, j) => [colW * (l + 0.5) - box / 2, top + j * gap]);
    });
    const weights = frame && frame.weights;
    if (weights && sizes.reduce((a, b) => a + b, 0) <= 400) {
      let maxw = 1e-9;
      for (const Wl of weights) for (const row of Wl) for (const v of row) maxw = Math.max(maxw, Math.abs(v));
      // links of one colour and (to an eighth of a pixel) one width are stroked as one path:
      // a stroke per link was most of the cost of a frame
      const paths = new Map();
      let chosen = null;
      weights.forEach((Wl, l) => Wl.forEach((row, i) => row.forEach((v, j) => {
        const a = pos[l][i], b = pos[l + 1][j];
        const x1 = a[0] + box, y1 = a[1] + box / 2, x2 = b[0], y2 = b[1] + box / 2;
        layout.links.push({ layer: l, row: i, col: j, x1, y1, x2, y2, value: v });
        if (selected && selected.kind === "weight" && selected.layer === l && selected.row === i && selected.col === j) chosen = [x1, y1, x2, y2];
        const width = Math.round(8 * Math.max(0.3, 4 * Math.abs(v) / maxw)) / 8, key = (v >= 0 ? "+" : "-") + width;
        if (!paths.has(key)) paths.set(key, { width, positive: v >= 0, lines: [] });
        paths.get(key).lines.push(x1, y1, x2, y2);
      })));
      for (const { width, positive, lines } of paths.values()) {
        ctx.beginPath();
        for (let k = 0; k < lines.length; k += 4) { ctx.moveTo(lines[k], lines[k + 1]); ctx.lineTo(lines[k + 2], lines[k + 3]); }
        ctx.strokeStyle = positive ? "rgba(8,119,189,0.75)" : "rgba(245,147,34,0.8)";
        ctx.lineWidth = width; ctx.stroke();
      }
      if (chosen) {
        ctx.beginPath(); ctx.moveTo(chosen[0], chosen[1]); ctx.lineTo(chosen[2], chosen[3]);
        ctx.strokeStyle = "#d0021b"; ctx.lineWidth = 3; ctx.stroke();
      }
    }
    const units = frame && frame.units, maps = [];
    pos.forEach((col, l) => col.forEach(([x, y], j) => {
      const hidden = l > 0 && l < L - 1, u = hidden && units && units[l - 1];
      if (u && u.maps) maps.push({ bytes: u.maps[j], x, y, w: box, h: box });
      else if (u && u.curves) {
        ctx.fillStyle = "#f4f4f4"; ctx.fillRect(x, y, box, box);
        drawCurve(ctx, u.curves[j], x, y, box, box, -1, 1, "#0877bd", 1);
      } else if (l === L - 1 && frame && frame.heat && box >= 16) maps.push({ bytes: frame.heat, x, y, w: box, h: box });
      else { ctx.fillStyle = l === 0 ? "#e8eef2" : "#f4f4f4"; ctx.fillRect(x, y, box, box); }
    }));
    drawMaps(ctx, maps);  // (the boxes' frames and names after, over the pictures)
    pos.forEach((col, l) => col.forEach(([x, y], j) => {
      const sel = selected && selected.kind === "unit" && selected.layer === l - 1 && selected.unit === j;
      ctx.strokeStyle = sel ? "#d0021b" : "#888"; ctx.lineWidth = sel ? 2 : 0.6; ctx.strokeRect(x, y, box, box);
      if (l === 0 && names && names[j] !== undefined) {
        ctx.fillStyle = "#333"; ctx.font = "10px sans-serif";
        const text = String(names[j]).slice(0, 12);
        ctx.fillText(text, Math.max(0, x - ctx.measureText(text).width - 3), y + box / 2 + 3);
      }
      layout.units.push({ layer: l, unit: j, x, y, box });
    }));
    layout.columns = Array.from({ length: L }, (_, l) => colW * (l + 0.5));
    return layout;
  };

  // seed 003's loss surface: log-loss shading, contour lines (marching squares over the grid),
  // the exact minimum (a cross) and the first `shown` points of the descent path
  NNP.drawSurface = function (canvas, a, shown) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!a) return;
    const g = a.grid, n = g.length, Z = a.loss, pad = 26, w = W - pad - 6, h = H - pad - 6, x0 = pad, y0 = 6;
    let lo = Infinity, hi = -Infinity;
    for (const row of Z) for (const v of row) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const L = v => Math.log(Math.max(v, 1e-12)), llo = L(lo), lhi = L(hi);
    const bytes = new Uint8Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) bytes[r * n + c] = Math.round(255 * (1 - (L(Z[n - 1 - r][c]) - llo) / ((lhi - llo) || 1)));
    drawMap(ctx, bytes, x0, y0, w, h);
    const X = v => x0 + (v - g[0]) / (g[n - 1] - g[0]) * w, Y = v => y0 + h - (v - g[0]) / (g[n - 1] - g[0]) * h;
    ctx.strokeStyle = "rgba(40,40,40,0.55)"; ctx.lineWidth = 0.8;
    for (let k = 1; k <= 12; k++) {
      const level = Math.exp(llo + (lhi - llo) * k / 13);
      ctx.beginPath();
      for (let j = 0; j < n - 1; j++) for (let i = 0; i < n - 1; i++) {
        const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]], pts = [];
        for (let e = 0; e < 4; e++) {
          const [ia, ja] = corners[e], [ib, jb] = corners[(e + 1) % 4], va = Z[ja][ia], vb = Z[jb][ib];
          if ((va - level) * (vb - level) < 0) {
            const t = (level - va) / (vb - va);
            pts.push([X(g[ia] + t * (g[ib] - g[ia])), Y(g[ja] + t * (g[jb] - g[ja]))]);
          }
        }
        for (let q = 0; q + 1 < pts.length; q += 2) { ctx.moveTo(pts[q][0], pts[q][1]); ctx.lineTo(pts[q + 1][0], pts[q + 1][1]); }
      }
      ctx.stroke();
    }
    const [e0, e1] = a.exact;
    ctx.strokeStyle = "#d0021b"; ctx.lineWidth = 2; ctx.beginPath();
    ctx.moveTo(X(e0) - 5, Y(e1) - 5); ctx.lineTo(X(e0) + 5, Y(e1) + 5); ctx.moveTo(X(e0) + 5, Y(e1) - 5); ctx.lineTo(X(e0) - 5, Y(e1) + 5); ctx.stroke();
    const path = a.path.slice(0, Math.max(1, shown));
    ctx.strokeStyle = "#183d4e"; ctx.lineWidth = 1.5; ctx.beginPath();
    path.forEach(([b0, b1], k) => { if (k === 0) ctx.moveTo(X(b0), Y(b1)); else ctx.lineTo(X(b0), Y(b1)); });
    ctx.stroke();
    ctx.fillStyle = "#183d4e";
    for (const [b0, b1] of path) { ctx.beginPath(); ctx.arc(X(b0), Y(b1), 2, 0, 7); ctx.fill(); }
    axes(ctx, x0, y0, w, h, [g[0], g[n - 1]], [g[0], g[n - 1]], "intercept", "slope");
  };

  // curves of loss against evaluations, log-log, one colour per run: {name: [losses]}
  NNP.drawRuns = function (canvas, runs, colours) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    let lo = Infinity, hi = -Infinity, nmax = 1;
    for (const loss of Object.values(runs)) { nmax = Math.max(nmax, loss.length); for (const v of loss) if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    if (!(hi > lo)) return;
    const X = k => 34 + Math.log10(k + 1) / Math.log10(nmax + 1) * (W - 40), Y = v => 6 + (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - 22);
    Object.entries(runs).forEach(([name, loss], r) => {
      ctx.beginPath(); loss.forEach((v, k) => { if (v > 0) { if (k === 0) ctx.moveTo(X(k), Y(v)); else ctx.lineTo(X(k), Y(v)); } });
      ctx.strokeStyle = colours[r]; ctx.lineWidth = 1.8; ctx.stroke();
      ctx.fillStyle = colours[r]; ctx.font = "11px sans-serif"; ctx.fillText(name, W - 120, 16 + 14 * r);
    });
    ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
    ctx.fillText(fmt(hi), 0, 12); ctx.fillText(fmt(lo), 0, H - 18); ctx.fillText(`evaluations (log), ${nmax}`, W - 150, H - 2);
  };

  // the Hessian's eigenvalues, sorted: a bar per eigenvalue, height log10 |λ|, orange if negative
  NNP.drawSpectrum = function (canvas, eig) {
    const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    if (!eig || !eig.length) return;
    const mags = eig.map(v => Math.log10(Math.max(Math.abs(v), 1e-16)));
    const lo = Math.min(...mags, -8), hi = Math.max(...mags, 0) + 0.5, bw = (W - 36) / eig.length;
    eig.forEach((v, k) => {
      const t = (mags[k] - lo) / (hi - lo), bh = Math.max(1, t * (H - 18));
      ctx.fillStyle = v < 0 ? "#f59322" : "#0877bd"; ctx.fillRect(34 + k * bw, H - 14 - bh, Math.max(1, bw - 1), bh);
    });
    ctx.fillStyle = "#444"; ctx.font = "10px sans-serif";
    ctx.fillText(`1e${hi.toFixed(0)}`, 0, 12); ctx.fillText(`1e${lo.toFixed(0)}`, 0, H - 14); ctx.fillText("|eigenvalue|, sorted", 40, H - 2);
  };

  // the nearest unit or link to a click, or null
  NNP.hit = function (layout, x, y) {
    for (const u of layout.units) if (x >= u.x && x <= u.x + u.box && y >= u.y && y <= u.y + u.box) return { kind: "unit", layer: u.layer - 1, unit: u.unit };
    let best = null, bestD = 6;
    for (const s of layout.links) {
      const dx = s.x2 - s.x1, dy = s.y2 - s.y1, t = Math.max(0, Math.min(1, ((x - s.x1) * dx + (y - s.y1) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - (s.x1 + t * dx), y - (s.y1 + t * dy));
      if (d < bestD) { bestD = d; best = { kind: "weight", layer: s.layer, row: s.row, col: s.col, value: s.value }; }
    }
    return best;
  };
})(window.NNP);
