// nfqlb-web dashboard.  Every value from nfqlbd reaches the page through
// textContent or a canvas, never as HTML.  Read-only: GET requests only.
"use strict";

const COLORS = ["#2f6fde", "#e8710a", "#1a7f37", "#c62828", "#8e44ad", "#00838f",
                "#6d4c41", "#d81b60", "#7cb342", "#5c6bc0"];
let interval = 5;
const colorOf = {};

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

async function getJSON(path) {
  const r = await fetch(path, { cache: "no-store" });
  const j = await r.json();
  if (!r.ok) throw new Error(j && j.error ? j.error : r.status);
  return j;
}

function fmtBits(bps) {
  if (bps === null || bps === undefined || !isFinite(bps)) return "-";
  const u = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
  let i = 0;
  while (bps >= 1000 && i < u.length - 1) { bps /= 1000; i++; }
  return (i ? bps.toFixed(1) : Math.round(bps)) + " " + u[i];
}

function fmtBytes(b) {
  if (b === null || b === undefined) return "-";
  const u = ["B", "kB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (b >= 1000 && i < u.length - 1) { b /= 1000; i++; }
  return (i ? b.toFixed(1) : b) + " " + u[i];
}

function fmtDuration(s) {
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m " + (s % 60) + "s";
}

// Inline style attributes are refused by the page's CSP: CSSOM only.
function swatch(name) {
  const s = el("span", { class: "swatch" });
  s.style.background = color(name);
  return s;
}

function bar(cls, title, pct) {
  const b = el("div", { class: "bar " + cls, title: title }), i = el("i");
  i.style.width = Math.max(0, Math.min(100, pct)) + "%";
  b.append(i);
  return b;
}

function color(name) {
  if (!(name in colorOf)) colorOf[name] = COLORS[Object.keys(colorOf).length % COLORS.length];
  return colorOf[name];
}

// Throughput of each gateway in bit/s over the last two samples.
function rates(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1], b = samples[i], dt = b.t - a.t, r = {};
    for (const g in b.gateways) {
      const x = a.gateways[g], y = b.gateways[g];
      r[g] = x && dt > 0 && x.tx_bytes !== null && y.tx_bytes !== null && y.tx_bytes >= x.tx_bytes
        ? 8 * (y.tx_bytes - x.tx_bytes) / dt : null;
    }
    out.push({ t: b.t, v: r });
  }
  return out;
}

function renderGateways(gws, rate) {
  const tb = document.querySelector("#gateways tbody");
  tb.replaceChildren();
  for (const g of gws) {
    const tr = el("tr", { "data-gateway": g.name });
    const name = el("td", { class: "name" });
    name.append(swatch(g.name), el("span", {}, g.name));
    tr.append(name);
    const st = el("td");
    st.append(el("span", { class: "state " + (/^[a-z]+$/.test(g.state) ? g.state : "") }, g.state));
    tr.append(st);
    tr.append(el("td", { class: "n clients" }, g.clients));
    const share = el("td", { class: "share" });
    const cs = g.client_share || 0, ws = g.weight_share || 0;
    share.append(bar("users", "share of users", cs), bar("weight", "share of weight", ws), el("small", {}, "users " + cs + " % · weight " + ws + " %"));
    tr.append(share);
    tr.append(el("td", { class: "n rtt" }, g.rtt_ms === null ? "-" : g.rtt_ms + " ms"));
    tr.append(el("td", { class: "n loss" }, g.loss === null ? "-" : (100 * g.loss).toFixed(0) + " %"));
    tr.append(el("td", { class: "n tput" }, fmtBits(rate ? rate[g.name] : null)));
    tr.append(el("td", { class: "n tx" }, fmtBytes(g.tx_bytes)));
    // The measured load (10 s average, down / up) and its utilization.
    tr.append(el("td", { class: "n load" }, g.rate_down === null || g.rate_down === undefined
      ? "-" : fmtBits(8 * g.rate_down) + " / " + fmtBits(8 * g.rate_up) +
        (g.utilization === null || g.utilization === undefined ? "" : " (" + (100 * g.utilization).toFixed(0) + " %)")));
    tb.append(tr);
  }
  const legend = document.getElementById("legend");
  legend.replaceChildren();
  for (const g of gws) {
    const s = el("span");
    s.append(swatch(g.name), el("span", {}, g.name));
    legend.append(s);
  }
}

// A line per gateway; x: the last hour (or since the first sample),
// y: from 0 to the largest value.
function chart(id, series, fmt, first) {
  const c = document.getElementById(id), ctx = c.getContext("2d");
  const dpr = window.devicePixelRatio || 1, w = c.clientWidth || 600, h = c.clientHeight || 180;
  c.width = w * dpr; c.height = h * dpr;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const now = Date.now() / 1000, t0 = Math.max(now - 3600, Math.min(first || now, now - 60));
  const span = now - t0, L = 52, B = 18, T = 6;
  let max = 0;
  for (const s of series) for (const p of s.pts) if (p[1] !== null && p[1] > max) max = p[1];
  if (!max) max = 1;
  ctx.strokeStyle = "#dde1e7"; ctx.fillStyle = "#5b6474"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1;
  for (let k = 0; k <= 2; k++) {
    const y = T + (h - T - B) * (1 - k / 2);
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(w, y); ctx.stroke();
    ctx.fillText(fmt(max * k / 2), 2, y + 4);
  }
  ctx.fillText(span >= 120 ? "-" + Math.round(span / 60) + " min" : "-" + Math.round(span) + " s", L, h - 4); ctx.fillText("now", w - 24, h - 4);
  for (const s of series) {
    ctx.strokeStyle = color(s.name); ctx.lineWidth = 1.8; ctx.beginPath();
    let pen = false;
    for (const p of s.pts) {
      if (p[1] === null) { pen = false; continue; }
      if (p[0] < t0) continue;
      const x = L + (w - L) * (p[0] - t0) / span, y = T + (h - T - B) * (1 - p[1] / max);
      if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
  }
}

function renderCharts(hist) {
  const samples = hist.samples || [], names = new Set();
  for (const s of samples) for (const g in s.gateways) names.add(g);
  const pick = (key, scale) => [...names].map(n => ({ name: n, pts: samples.map(s =>
    [s.t, s.gateways[n] && s.gateways[n][key] !== null ? s.gateways[n][key] * scale : null]) }));
  const r = rates(samples), first = samples.length ? samples[0].t : null;
  chart("c-clients", pick("clients", 1), v => v.toFixed(v < 10 ? 1 : 0), first);
  chart("c-tput", [...names].map(n => ({ name: n, pts: r.map(x => [x.t, x.v[n] === undefined ? null : x.v[n]]) })),
        v => fmtBits(v).replace(" ", ""), first);
  chart("c-rtt", pick("rtt_ms", 1), v => v.toFixed(2), first);
  chart("c-loss", pick("loss", 100), v => v.toFixed(v < 10 ? 1 : 0), first);
  return r.length ? r[r.length - 1].v : null;
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [gws, stats, hist] = await Promise.all([getJSON("/api/v1/gateways"),
      getJSON("/api/v1/stats"), getJSON("/api/v1/history")]);
    interval = hist.interval || interval;
    const rate = renderCharts(hist);
    renderGateways(gws, rate);
    document.getElementById("s-clients").textContent = stats.clients;
    document.getElementById("s-up").textContent = gws.filter(g => g.state !== "down").length + " / " + gws.length;
    let tot = null;
    if (rate) { tot = 0; for (const k in rate) if (rate[k] !== null) tot += rate[k]; }
    document.getElementById("s-tput").textContent = fmtBits(tot);
    document.getElementById("s-uptime").textContent = fmtDuration(stats.uptime);
    status.textContent = "nfqlbd " + stats.version + " · updated " + new Date().toLocaleTimeString();
    status.classList.remove("bad");
  } catch (e) {
    status.textContent = "nfqlbd unreachable: " + e.message;
    status.classList.add("bad");
  }
  setTimeout(refresh, interval * 1000);
}

async function search(q) {
  const note = document.getElementById("search-note"), table = document.getElementById("results");
  const tb = table.querySelector("tbody");
  tb.replaceChildren();
  if (!q) { table.hidden = true; note.textContent = ""; return; }
  try {
    const list = await getJSON("/api/v1/clients?q=" + encodeURIComponent(q));
    for (const c of list) {
      const tr = el("tr", { "data-client": c.client });
      tr.append(el("td", { class: "client" }, c.client), el("td", { class: "gateway" }, c.gateway),
                el("td", { class: "user" }, c.user === null ? "-" : c.user),
                el("td", { class: "mac" }, c.mac === null ? "-" : c.mac),
                el("td", {}, new Date(c.since * 1000).toLocaleString()),
                el("td", { class: "n rate" }, c.rate_down === null || c.rate_down === undefined
                  ? "-" : fmtBits(8 * c.rate_down) + " / " + fmtBits(8 * c.rate_up)),
                el("td", { class: "n bytes" }, c.rx_bytes === null || c.rx_bytes === undefined
                  ? "-" : fmtBytes(c.rx_bytes) + " / " + fmtBytes(c.tx_bytes)));
      tb.append(tr);
    }
    table.hidden = list.length === 0;
    note.textContent = list.length ? list.length + " found" : "no client matches";
  } catch (e) {
    note.textContent = "search failed: " + e.message;
  }
}

function queryFromURL() {
  const h = new URLSearchParams(location.hash.replace(/^#/, "")), s = new URLSearchParams(location.search);
  return h.get("q") || s.get("q") || "";
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("search");
  document.getElementById("search-form").addEventListener("submit", ev => {
    ev.preventDefault();
    history.replaceState(null, "", "#q=" + encodeURIComponent(input.value));
    search(input.value.trim());
  });
  const q = queryFromURL();
  if (q) { input.value = q; search(q); }
  window.addEventListener("hashchange", () => { const v = queryFromURL(); input.value = v; search(v); });
  refresh();
});
