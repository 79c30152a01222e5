/* toolenv view: the pages of a run, an evaluation or a trajectories file.
 * Data: window.TOOLENV_VIEW (data.js, written by toolenv/view/build.py).
 * Every text from the data is put on the page with createTextNode / textContent: model output is
 * hostile and is never parsed as HTML. Routing: location.hash, "#/page/arg?key=value". */
(function () {
  "use strict";
  var D = window.TOOLENV_VIEW;
  var SVGNS = "http://www.w3.org/2000/svg";
  var PAGE_SIZE = 50;
  var COLORS = ["#0b5cad", "#d4782a", "#2f9e44", "#c2255c", "#7048e8", "#0c8599", "#e8590c", "#5c940d", "#862e9c"];

  // ---------------------------------------------------------------- DOM helpers (text only)
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "onclick" || k === "onchange" || k === "oninput") node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, String(v));
    });
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    if (typeof child === "string" || typeof child === "number" || typeof child === "boolean") {
      node.appendChild(document.createTextNode(String(child)));
    } else node.appendChild(child);
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      if (typeof c === "string" || typeof c === "number") node.appendChild(document.createTextNode(String(c)));
      else node.appendChild(c);
    }
    return node;
  }
  function pre(text, cls) { return el("pre", { "class": "text" + (cls ? " " + cls : "") }, text === null || text === undefined ? "" : String(text)); }
  function json(v) { try { return JSON.stringify(v, null, 1); } catch (e) { return String(v); } }
  function pct(x) { return (typeof x === "number") ? (100 * x).toFixed(1) : "-"; }
  function num(x, d) { return (typeof x === "number") ? x.toFixed(d === undefined ? 3 : d) : "-"; }
  function badge(text, cls) { return el("span", { "class": "badge" + (cls ? " " + cls : "") }, text); }
  function outcomeBadge(ok) { return badge(ok ? "success" : "failed", ok ? "ok" : "bad"); }
  function defBadges(defs) {
    if (!defs || !defs.length) return badge("no deficiency", "ok");
    return defs.map(function (d) { return badge(d, "def"); });
  }
  function uniq(xs) { var s = {}; var out = []; xs.forEach(function (x) { if (x !== undefined && x !== null && !s[x]) { s[x] = 1; out.push(x); } }); return out; }

  // ---------------------------------------------------------------- routing
  function hashFor(page, arg, params) {
    var h = "#/" + page + (arg !== undefined && arg !== null ? "/" + encodeURIComponent(arg) : "");
    var q = [];
    Object.keys(params || {}).forEach(function (k) {
      var v = params[k];
      if (v !== undefined && v !== null && v !== "") q.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return h + (q.length ? "?" + q.join("&") : "");
  }
  function link(text, page, arg, params, attrs) {
    var a = el("a", attrs || {}, text);
    a.setAttribute("href", hashFor(page, arg, params));
    return a;
  }
  function route() {
    var h = location.hash.replace(/^#/, "") || "/run";
    var qi = h.indexOf("?");
    var path = qi >= 0 ? h.slice(0, qi) : h;
    var params = {};
    if (qi >= 0) new URLSearchParams(h.slice(qi + 1)).forEach(function (v, k) { params[k] = v; });
    var parts = path.split("/").filter(function (p) { return p.length; });
    return { page: parts[0] || "run", arg: parts.length > 1 ? decodeURIComponent(parts.slice(1).join("/")) : null, params: params };
  }

  // ---------------------------------------------------------------- indexes
  var EP = {}, TREE = {}, TREES_BY_TASK = {}, PAIRS_BY_NODE = {}, DEF_EP = {};
  function buildIndexes() {
    D.episodes.forEach(function (e) {
      EP[e.id] = e;
      if (/\/deficiency$/.test(e.stage)) DEF_EP[e.round + "|" + e.task_id] = DEF_EP[e.round + "|" + e.task_id] || e;
    });
    D.trees.forEach(function (t) {
      TREE[t.id] = t;
      (TREES_BY_TASK[t.task_id] = TREES_BY_TASK[t.task_id] || []).push(t);
    });
    D.pairs.forEach(function (p) { PAIRS_BY_NODE[p.round + "|" + p.task_id + "|" + p.node_id] = p; });
  }
  function treesOf(ep) {
    var ts = TREES_BY_TASK[ep.task_id] || [];
    if (ep.round !== undefined && ep.round !== null && /\/deficiency$/.test(ep.stage)) {
      ts = ts.filter(function (t) { return t.round === ep.round; });
    }
    return ts;
  }
  function stages() { return uniq(D.episodes.map(function (e) { return e.stage; })); }

  // ---------------------------------------------------------------- charts (inline SVG)
  function barChart(cats, series, opts) {
    opts = opts || {};
    var bw = Math.max(6, Math.min(22, Math.floor(520 / Math.max(1, cats.length * series.length))));
    var gw = bw * series.length + 14, left = 42, top = 14, h = 190, bottom = 92;
    var width = Math.max(420, left + cats.length * gw + 20), height = top + h + bottom;
    var s = svg("svg", { "class": "chart", width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    for (var g = 0; g <= 100; g += 25) {
      var y = top + h - h * g / 100;
      s.appendChild(svg("line", { x1: left, x2: width - 10, y1: y, y2: y, stroke: "#e4e8ec" }));
      s.appendChild(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, g + "%"));
    }
    cats.forEach(function (c, i) {
      var x0 = left + 8 + i * gw;
      series.forEach(function (sr, j) {
        var v = sr.values[i];
        if (typeof v !== "number") return;
        var bh = h * v;
        var r = svg("rect", { x: x0 + j * bw, y: top + h - bh, width: bw - 1, height: Math.max(bh, 0.5), fill: COLORS[j % COLORS.length] });
        r.appendChild(svg("title", {}, sr.name + " / " + c + ": " + pct(v) + "%"));
        s.appendChild(r);
      });
      var tx = x0 + (bw * series.length) / 2;
      s.appendChild(svg("text", { x: tx, y: top + h + 12, transform: "rotate(35 " + tx + " " + (top + h + 12) + ")" }, c));
    });
    if (opts.noise) {  // one task's worth of a category: differences below it are noise (drawn over the bars)
      var ny = top + h - h * Math.min(100, opts.noise) / 100;
      s.appendChild(svg("line", { x1: left, x2: width - 10, y1: ny, y2: ny, stroke: "#cf222e", "stroke-dasharray": "5 4" }));
      s.appendChild(svg("text", { x: width - 12, y: ny - 4, "text-anchor": "end", fill: "#cf222e", stroke: "#fff",
                                  "stroke-width": 3, "paint-order": "stroke" }, "noise: ~" + opts.noise.toFixed(0) + " points"));
    }
    var lg = el("div", { "class": "legend" }, series.map(function (sr, j) {
      var sw = el("span", { "class": "swatch" });
      sw.style.background = COLORS[j % COLORS.length];
      return el("span", null, sw, sr.name);
    }));
    return el("div", null, s, lg);
  }
  function lineChart(series) {
    var pts = [];
    series.forEach(function (sr) { sr.points.forEach(function (p) { pts.push(p); }); });
    if (!pts.length) return null;
    var xmax = Math.max.apply(null, pts.map(function (p) { return p[0]; })) || 1;
    var ymax = Math.max.apply(null, pts.map(function (p) { return p[1]; }));
    var ymin = Math.min(0, Math.min.apply(null, pts.map(function (p) { return p[1]; })));
    if (ymax === ymin) ymax = ymin + 1;
    var left = 48, top = 12, w = 560, h = 200, width = left + w + 20, height = top + h + 34;
    var s = svg("svg", { "class": "chart", width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    function X(v) { return left + w * v / xmax; }
    function Y(v) { return top + h - h * (v - ymin) / (ymax - ymin); }
    for (var k = 0; k <= 4; k++) {
      var yv = ymin + (ymax - ymin) * k / 4;
      s.appendChild(svg("line", { x1: left, x2: left + w, y1: Y(yv), y2: Y(yv), stroke: "#e4e8ec" }));
      s.appendChild(svg("text", { x: left - 6, y: Y(yv) + 4, "text-anchor": "end" }, yv.toFixed(2)));
    }
    s.appendChild(svg("text", { x: left + w / 2, y: height - 6, "text-anchor": "middle" }, "optimizer step"));
    series.forEach(function (sr, j) {
      var col = COLORS[j % COLORS.length];
      var d = sr.points.map(function (p, i) { return (i ? "L" : "M") + X(p[0]).toFixed(1) + " " + Y(p[1]).toFixed(1); }).join(" ");
      if (d) s.appendChild(svg("path", { d: d, fill: "none", stroke: col, "stroke-width": 2 }));
      sr.points.forEach(function (p) {
        var c = svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, fill: col });
        c.appendChild(svg("title", {}, sr.name + " step " + p[0] + ": " + p[1].toFixed(4)));
        s.appendChild(c);
      });
    });
    var lg = el("div", { "class": "legend" }, series.map(function (sr, j) {
      var sw = el("span", { "class": "swatch" });
      sw.style.background = COLORS[j % COLORS.length];
      return el("span", null, sw, sr.name);
    }));
    return el("div", null, s, lg);
  }

  // ---------------------------------------------------------------- run page
  function noiseNote(ev) {
    var ns = Object.keys(ev.by_category || {}).map(function (c) { return ev.by_category[c].episodes || 0; }).filter(function (n) { return n > 0; });
    if (!ns.length) return null;
    var n = Math.min.apply(null, ns), mx = Math.max.apply(null, ns);
    var se = 100 * Math.sqrt(0.1 * 0.9 / n);
    return { n: n, onetask: 100 / n, se: se, text: "Episodes per category: " + (n === mx ? n : n + "-" + mx) + ". One task is " +
      (100 / n).toFixed(1) + " points of a category of " + n + "; at 10% success its standard error is " + se.toFixed(1) +
      " points, so category differences under ~" + (2 * se).toFixed(0) + " points are within noise (dashed line)." };
  }
  function successSection(evals, title, idPrefix) {
    if (!evals.length) return null;
    var cats = uniq([].concat.apply([], evals.map(function (e) { return Object.keys(e.by_category || {}); }))).sort();
    var noise = noiseNote(evals[evals.length - 1]);
    var series = evals.map(function (e) {
      return { name: e.name, values: cats.map(function (c) { return e.by_category[c] ? e.by_category[c].success_rate : null; }) };
    });
    var head = el("tr", null, el("th", null, "evaluation"), cats.map(function (c) { return el("th", null, c); }),
      el("th", null, "complex"), el("th", null, "all"), el("th", null, "mean reward"), el("th", null, "episodes"));
    var rows = evals.map(function (e) {
      var hasEps = D.episodes.some(function (x) { return x.stage === e.name; });
      return el("tr", null,
        el("td", null, hasEps ? link(e.name, "episodes", null, { stage: e.name }) : e.name),
        cats.map(function (c) { var b = e.by_category[c]; return el("td", { "class": "num" }, b ? pct(b.success_rate) : "-"); }),
        el("td", { "class": "num" }, e.complex ? pct(e.complex.success_rate) : "-"),
        el("td", { "class": "num" }, pct(e.success_rate)),
        el("td", { "class": "num" }, num(e.mean_reward)),
        el("td", { "class": "num" }, e.episodes === undefined ? "-" : e.episodes));
    });
    return el("section", { id: idPrefix },
      el("h2", null, title),
      barChart(cats, series, { noise: noise ? 2 * noise.se : null }),
      el("table", { "class": "success-table" }, head, rows),
      noise ? el("p", { "class": "note noise-line" }, noise.text) : null);
  }
  function deficiencySection() {
    var cols = D.evals.map(function (e) { return { name: e.name, counts: e.deficiencies || {}, stage: e.name }; });
    D.rounds.forEach(function (r) {
      if (r.deficiency) cols.push({ name: "round-" + r.round + " rollouts (train)", counts: r.deficiency.deficiency_counts || {}, stage: "round-" + r.round + "/deficiency" });
    });
    var codes = uniq([].concat.apply([], cols.map(function (c) { return Object.keys(c.counts); }))).sort();
    if (!codes.length) return el("section", null, el("h2", null, "Deficiency codes per stage"), el("p", { "class": "empty" }, "No deficiency codes recorded."));
    var stageHas = {};
    D.episodes.forEach(function (e) { stageHas[e.stage] = true; });
    return el("section", { id: "deficiencies" },
      el("h2", null, "Deficiency codes per stage"),
      el("p", { "class": "note" }, "Counts over each stage's episodes; a count links to those episodes (as far as their traces were kept)."),
      el("table", null,
        el("tr", null, el("th", null, "code"), cols.map(function (c) { return el("th", null, c.name); })),
        codes.map(function (code) {
          return el("tr", null, el("td", null, code), cols.map(function (c) {
            var n = c.counts[code] || 0;
            return el("td", { "class": "num" }, n && stageHas[c.stage] ? link(String(n), "episodes", null, { stage: c.stage, def: code }) : String(n || ""));
          }));
        })));
  }
  function roundsSection() {
    if (!D.rounds.length) return null;
    return el("section", { id: "rounds" }, el("h2", null, "Rounds: deficient tasks, search, pairs"), D.rounds.map(function (r) {
      var d = r.deficiency, m = r.mcts;
      var trees = D.trees.filter(function (t) { return t.round === r.round; });
      return el("div", { "class": "round" },
        el("h3", null, "Round " + r.round),
        d ? el("p", null, "Deficiency rollouts: " + d.rolled_out + " training tasks, success " + pct(d.success_rate) + "%, " +
          d.failed + " failed, " + d.selected + " selected for the search.") : null,
        m ? el("p", null, "Search: " + m.tasks + " trees, " + m.nodes + " nodes, " + m.expansions + " expansions, " +
          m.leaf_evaluations + " env-scored leaves; " + ((m.pairs || {}).pairs || 0) + " pairs; a right answer found on " +
          m.solved_by_search + " tasks.") : null,
        trees.length ? el("table", { "class": "searched" },
          el("tr", null, el("th", null, "task"), el("th", null, "category"), el("th", null, "why selected"),
            el("th", null, "its rollout"), el("th", null, "search tree"), el("th", null, "pairs")),
          trees.map(function (t) {
            var ep = DEF_EP[t.round + "|" + t.task_id];
            var sel = t.selected || {};
            return el("tr", null, el("td", null, t.task_id), el("td", null, t.category),
              el("td", null, sel.failed ? badge("failed", "bad") : null, sel.high_perplexity ? badge("high perplexity") : null,
                defBadges(sel.deficiencies)),
              el("td", null, ep ? link(ep.success ? "episode" : "failed episode", "episode", ep.id, null, { "class": ep.success ? "episode-link" : "failed-episode-link" }) : "-"),
              el("td", null, link("tree (" + t.nodes.length + " nodes)", "tree", t.id)),
              el("td", { "class": "num" }, t.pairs.length ? link(String(t.pairs.length), "pairs", null, { round: t.round, task: t.task_id }) : "0"));
          })) : el("p", { "class": "empty" }, "No search trees recorded for this round."));
    }));
  }
  function lossSection() {
    if (!D.train_logs.length) return null;
    var series = D.train_logs.filter(function (t) { return t.history && t.history.length; }).map(function (t) {
      return { name: t.label, points: t.history.filter(function (h) { return typeof h.loss === "number"; }).map(function (h) { return [h.step || 0, h.loss]; }) };
    });
    var chart = lineChart(series);
    return el("section", { id: "loss" }, el("h2", null, "Training loss"),
      chart || el("p", { "class": "note" }, "No per-step losses were logged (a run shorter than the trainers' logging_steps); the final losses:"),
      el("table", null, el("tr", null, el("th", null, "trainer"), el("th", null, "steps"), el("th", null, "train loss"), el("th", null, "pairs"), el("th", null, "seconds")),
        D.train_logs.map(function (t) {
          return el("tr", null, el("td", null, t.label), el("td", { "class": "num" }, t.steps === undefined ? "-" : t.steps),
            el("td", { "class": "num" }, num(t.train_loss, 4)), el("td", { "class": "num" }, t.pairs === undefined || t.pairs === null ? "" : t.pairs),
            el("td", { "class": "num" }, num(t.runtime_s, 1)));
        })));
  }
  function bfclSection() {
    var suites = uniq([].concat.apply([], D.evals.map(function (e) { return Object.keys(e.bfcl || {}); }))).sort();
    if (!suites.length) return null;
    return el("section", { id: "bfcl" }, el("h2", null, "BFCL suites (accuracy %)"),
      el("table", null, el("tr", null, el("th", null, "evaluation"), suites.map(function (s) { return el("th", null, s); })),
        D.evals.map(function (e) {
          return el("tr", null, el("td", null, e.name), suites.map(function (s) {
            var b = (e.bfcl || {})[s] || {};
            return el("td", { "class": "num" }, b.success_rate !== undefined ? pct(b.success_rate) : (b.skipped ? "skipped" : "-"));
          }));
        })));
  }
  function renderRun() {
    var failed = D.episodes.filter(function (e) { return !e.success; }).length;
    var seen = D.evals.filter(function (e) { return e.seen_templates; }).map(function (e) {
      var s = e.seen_templates; return { name: e.name, by_category: s.by_category || {}, success_rate: s.success_rate, mean_reward: s.mean_reward, episodes: s.episodes };
    });
    return [
      el("h1", null, D.title),
      D.notes.map(function (n) { return el("p", { "class": "warn" }, n); }),
      el("p", null, D.episodes.length + " episodes kept step by step (" + failed + " failed): ",
        link("browse episodes", "episodes", null, null, { id: "to-episodes" }),
        D.episodes.length && failed ? [" · ", link("failed only", "episodes", null, { outcome: "failed" })] : null,
        D.trees.length ? [" · ", link(D.trees.length + " search trees", "trees")] : null,
        D.pairs.length ? [" · ", link(D.pairs.length + " pairs", "pairs")] : null),
      successSection(D.evals, D.kind === "run" ? "Held-out success by category (%) per stage" : "Success by category (%)", "success"),
      successSection(seen, "Held-out success by category (%): training templates, unseen seeds", "success-seen"),
      bfclSection(),
      deficiencySection(),
      roundsSection(),
      lossSection(),
      D.plots.length ? el("section", { id: "plots" }, el("h2", null, "The report's plots"),
        D.plots.map(function (p) { return el("img", { "class": "plot", src: p, alt: p }); })) : null,
      D.config ? el("section", { id: "config" }, el("h2", null, "Config"), pre(D.config)) : null
    ];
  }

  // ---------------------------------------------------------------- episodes list
  function filterEpisodes(p) {
    return D.episodes.filter(function (e) {
      if (p.stage && e.stage !== p.stage) return false;
      if (p.set && e.set !== p.set) return false;
      if (p.category && e.category !== p.category) return false;
      if (p.outcome === "success" && !e.success) return false;
      if (p.outcome === "failed" && e.success) return false;
      if (p.def && (e.deficiencies || []).indexOf(p.def) < 0) return false;
      if (p.task && String(e.task_id).indexOf(p.task) < 0) return false;
      return true;
    });
  }
  function select(name, label, options, value, params) {
    var s = el("select", { name: name, id: "filter-" + name });
    s.appendChild(el("option", { value: "" }, "all"));
    options.forEach(function (o) {
      var opt = el("option", { value: o }, o);
      if (String(o) === String(value || "")) opt.selected = true;
      s.appendChild(opt);
    });
    s.addEventListener("change", function () {
      var q = Object.assign({}, params); q[name] = s.value; delete q.page;
      location.hash = hashFor("episodes", null, q);
    });
    return el("label", null, label, s);
  }
  function renderEpisodes(p) {
    var eps = filterEpisodes(p);
    var page = Math.max(0, parseInt(p.page || "0", 10) || 0);
    var pages = Math.max(1, Math.ceil(eps.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    var shown = eps.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    var defs = uniq([].concat.apply([], D.episodes.map(function (e) { return e.deficiencies || []; }))).sort();
    var taskInput = el("input", { type: "search", id: "filter-task", placeholder: "task id contains", value: p.task || "" });
    taskInput.addEventListener("change", function () { var q = Object.assign({}, p); q.task = taskInput.value; delete q.page; location.hash = hashFor("episodes", null, q); });
    return [
      el("h1", null, "Episodes"),
      el("div", { "class": "filters" },
        select("stage", "stage", stages(), p.stage, p),
        select("set", "task set", uniq(D.episodes.map(function (e) { return e.set; })).sort(), p.set, p),
        select("category", "category", uniq(D.episodes.map(function (e) { return e.category; })).sort(), p.category, p),
        select("outcome", "outcome", ["success", "failed"], p.outcome, p),
        select("def", "deficiency code", defs, p.def, p),
        el("label", null, "task", taskInput),
        link("clear filters", "episodes")),
      el("p", { id: "episode-count" }, eps.length + " of " + D.episodes.length + " episodes"),
      shown.length ? el("table", { id: "episode-table" },
        el("tr", null, ["stage", "set", "task", "category", "outcome", "return", "steps", "deficiencies"].map(function (h) { return el("th", null, h); })),
        shown.map(function (e) {
          var tr = el("tr", { "class": "episode-row", "data-outcome": e.success ? "success" : "failed" },
            el("td", null, e.stage), el("td", null, e.set), el("td", null, link(String(e.task_id), "episode", e.id)),
            el("td", null, e.category), el("td", null, outcomeBadge(e.success)),
            el("td", { "class": "num" }, num(e["return"])), el("td", { "class": "num" }, e.steps),
            el("td", null, defBadges(e.deficiencies)));
          tr.addEventListener("click", function (ev) { if (ev.target.tagName !== "A") location.hash = hashFor("episode", e.id); });
          return tr;
        })) : el("p", { "class": "empty" }, "No episode matches these filters."),
      pages > 1 ? el("div", { "class": "pager" },
        page > 0 ? link("< previous", "episodes", null, Object.assign({}, p, { page: page - 1 })) : null,
        "page " + (page + 1) + " of " + pages,
        page < pages - 1 ? link("next >", "episodes", null, Object.assign({}, p, { page: page + 1 })) : null) : null
    ];
  }

  // ---------------------------------------------------------------- one episode
  function message(m) {
    var role = m.role || "?";
    var extra = role === "tool" && m.name ? " (" + m.name + ")" : "";
    return el("div", { "class": "msg " + role },
      el("div", { "class": "role" }, role + extra),
      m.content !== undefined && m.content !== null && m.content !== "" ? pre(typeof m.content === "string" ? m.content : json(m.content)) : null,
      (m.tool_calls || []).map(function (c) { var f = c["function"] || c; return el("div", { "class": "call" }, (f.name || "?") + " " + json(f.arguments)); }));
  }
  function stepCard(s, i) {
    var bad = (s.deficiencies || []).length > 0;
    return el("div", { "class": "step" + (bad ? " bad" : ""), id: "step-" + i },
      el("div", { "class": "head" }, el("b", null, "Step " + (i + 1)), "reward " + num(s.reward), defBadges(s.deficiencies)),
      el("div", { "class": "body" },
        el("div", { "class": "grid" },
          el("div", null, el("div", { "class": "label" }, "the agent wrote (raw text)"),
            String(s.action || "").trim() ? pre(s.action, "action") : el("div", { "class": "empty" }, "(" + String(s.action || "").length + " characters of whitespace only)"),
            el("div", { "class": "label" }, "parsed calls"),
            s.calls && s.calls.length ? s.calls.map(function (c) { return el("div", { "class": "call" }, c.name + " " + json(c.arguments)); })
              : el("div", { "class": "empty" }, "none (a text answer" + (s.parse_error ? "; parse error: " + s.parse_error : "") + ")")),
          el("div", null, el("div", { "class": "label" }, "ground truth: the expected action here"),
            s.expected !== null && s.expected !== undefined ? pre(s.expected, "expected") : el("div", { "class": "empty" }, "(none: the episode was over for the expert)"))),
        s.responses && s.responses.length ? [el("div", { "class": "label" }, "the environment answered"), s.responses.map(message)] : null));
  }
  function conversation(e) {
    var tr = e.trace || {};
    return el("div", { "class": "conversation" },
      (tr.prompt || []).map(message),
      (tr.steps || []).map(stepCard),
      !(tr.steps || []).length ? el("p", { "class": "empty" }, "No step trace was recorded for this episode.") : null);
  }
  function groundTruth(turns) {
    if (!turns || !turns.length) return el("p", { "class": "empty" }, "No ground truth recorded.");
    return turns.map(function (t, i) {
      return el("div", { "class": "gt-turn" },
        el("div", { "class": "label" }, "turn " + (i + 1) + ": user"), pre(t.user),
        (t.steps || []).map(function (step, j) {
          return el("div", null, el("div", { "class": "label" }, "step " + (j + 1) + (step.length > 1 ? " (" + step.length + " calls in parallel)" : "")),
            step.map(function (c) { return el("div", { "class": "call" }, (c.label ? c.label + ": " : "") + c.name + " " + json(c.arguments)); }));
        }),
        !(t.steps || []).length ? el("div", { "class": "note" }, "no call expected in this turn") : null,
        t.answer ? [el("div", { "class": "label" }, "answer"), pre(t.answer)] : null);
    });
  }
  function toolsOffered(e) {
    var keys = (e.trace || {}).tools || [];
    if (!keys.length) return null;
    return el("details", { "class": "tools" }, el("summary", null, keys.length + " tools offered"),
      keys.map(function (k) {
        var t = D.tools[k] || {}; var f = t["function"] || t;
        return el("div", null, el("b", null, f.name || "?"), " ", el("span", { "class": "note" }, f.description || ""),
          el("details", null, el("summary", null, "parameters"), pre(json(f.parameters))));
      }));
  }
  function episodeHeader(e) {
    return el("div", { "class": "ep-head" },
      el("div", null, el("b", null, "task " + e.task_id), " · ", e.category, " · difficulty " + num(e.difficulty, 2), " · stage ",
        el("b", null, e.stage), " · set " + e.set, e.seed !== undefined && e.seed !== null ? " · seed " + e.seed : ""),
      el("div", null, outcomeBadge(e.success), " return " + num(e["return"]) + ", " + e.steps + " steps ", defBadges(e.deficiencies),
        e.selected ? badge("selected for the search") : null));
  }
  function renderEpisode(id, p) {
    var e = EP[id];
    if (!e) return [el("h1", null, "Episode not found"), link("back to the episodes", "episodes")];
    var others = D.episodes.filter(function (o) { return o.id !== e.id && o.task_id === e.task_id && o.set === e.set; });
    var vs = p.vs ? EP[p.vs] : null;
    var trees = treesOf(e);
    var cmp = el("select", { id: "compare" });
    cmp.appendChild(el("option", { value: "" }, others.length ? "compare with another stage..." : "no other stage played this task"));
    others.forEach(function (o) {
      var opt = el("option", { value: o.id }, o.stage + " (" + (o.success ? "success" : "failed") + ")");
      if (vs && vs.id === o.id) opt.selected = true;
      cmp.appendChild(opt);
    });
    cmp.addEventListener("change", function () { location.hash = hashFor("episode", e.id, cmp.value ? { vs: cmp.value } : null); });
    var nav = el("p", null, link("< episodes", "episodes", null, { stage: e.stage }), " · ",
      trees.length ? trees.map(function (t) { return link("search tree (round " + t.round + ")", "tree", t.id, null, { "class": "tree-link" }); })
        : el("span", { "class": "note" }, "no search tree for this task"),
      " · ", cmp);
    if (vs) {
      return [el("h1", null, "Task " + e.task_id + ": " + e.stage + " vs " + vs.stage), nav,
        el("div", { "class": "cols two", id: "compare-view" },
          el("div", null, el("h2", null, e.stage), episodeHeader(e), conversation(e)),
          el("div", null, el("h2", null, vs.stage), episodeHeader(vs), conversation(vs))),
        el("h2", null, "Ground truth"), groundTruth((e.trace || {}).ground_truth)];
    }
    return [el("h1", null, "Episode: task " + e.task_id), nav, episodeHeader(e),
      el("div", { "class": "cols" },
        el("div", null, el("h2", null, "Conversation"), toolsOffered(e), conversation(e)),
        el("div", null, el("h2", null, "Ground truth"), groundTruth((e.trace || {}).ground_truth)))];
  }

  // ---------------------------------------------------------------- search trees
  function renderTrees() {
    if (!D.trees.length) return [el("h1", null, "Search trees"), el("p", { "class": "empty" }, "No search trees in this view.")];
    return [el("h1", null, "Search trees"),
      el("table", { id: "tree-table" }, el("tr", null, ["round", "task", "category", "why selected", "nodes", "best leaf value", "pairs"].map(function (h) { return el("th", null, h); })),
        D.trees.map(function (t) {
          var best = Math.max.apply(null, t.nodes.map(function (n) { return typeof n.value === "number" ? n.value : -1e9; }));
          var sel = t.selected || {};
          return el("tr", null, el("td", null, t.round), el("td", null, link(t.task_id, "tree", t.id)), el("td", null, t.category),
            el("td", null, sel.failed ? badge("failed", "bad") : null, defBadges(sel.deficiencies)),
            el("td", { "class": "num" }, t.nodes.length), el("td", { "class": "num" }, best > -1e9 ? num(best) : "-"),
            el("td", { "class": "num" }, t.pairs.length));
        }))];
  }
  function renderTree(id, p) {
    var t = TREE[id];
    if (!t) return [el("h1", null, "Search tree not found"), link("all trees", "trees")];
    var byId = {};
    t.nodes.forEach(function (n) { byId[n.id] = n; });
    var role = {};  // node id -> "pair" | "chosen" | "rejected"
    t.pairs.forEach(function (pr) {
      if (pr.node !== null && pr.node !== undefined) role[pr.node] = role[pr.node] || "pair";
      if (pr.chosen_node !== null && pr.chosen_node !== undefined) role[pr.chosen_node] = "chosen";
      if (pr.rejected_node !== null && pr.rejected_node !== undefined) role[pr.rejected_node] = "rejected";
    });
    var selected = p.node !== undefined ? byId[parseInt(p.node, 10)] : null;
    function nodeBox(n) {
      var box = el("span", { "class": "node" + (role[n.id] ? " " + role[n.id] : "") + (selected && selected.id === n.id ? " selected" : ""), id: "node-" + n.id, "data-node": n.id },
        el("span", { "class": "note" }, "#" + n.id + " "),
        el("span", { "class": "frag" }, n.parent === null ? "(root: turn " + (n.turn + 1) + " starts)" : (n.fragment === "" ? "(empty)" : n.fragment.replace(/\n/g, "\u21b5"))),
        n.ends_turn ? badge("turn ends" + (n.turn_reward !== undefined && n.turn_reward !== null ? ": reward " + num(n.turn_reward, 2) : "")) : null,
        n.turn_deficiencies ? defBadges(n.turn_deficiencies) : null,
        el("span", { "class": "stats" }, "N=" + n.N + " Q=" + num(n.Q) + " P=" + num(n.prior, 2) + (n.value !== null && n.value !== undefined ? " v=" + num(n.value) : "")));
      box.addEventListener("click", function () { location.hash = hashFor("tree", t.id, { node: n.id }); });
      return box;
    }
    function sub(n) {
      return el("li", null, nodeBox(n), n.children && n.children.length ? el("ul", null, n.children.map(function (c) { return byId[c] ? sub(byId[c]) : null; })) : null);
    }
    var root = t.nodes.filter(function (n) { return n.parent === null; })[0];
    var ep = DEF_EP[t.round + "|" + t.task_id];
    var sel = t.selected || {};
    var detail = null;
    if (selected) {
      var leaf = selected.leaf;
      var pr = PAIRS_BY_NODE[t.round + "|" + t.task_id + "|" + selected.id];
      detail = el("div", { id: "node-detail" }, el("h2", null, "Node #" + selected.id),
        el("div", { "class": "label" }, "the turn so far (shared prefix, then this node's fragment)"),
        (selected.prefix || "") + (selected.fragment || "") ? pre((selected.prefix || "") + (selected.fragment || ""), "turn-text") : el("p", { "class": "empty" }, "(nothing yet: the turn starts here)"),
        el("p", null, "depth " + selected.depth + ", agent turn " + (selected.turn + 1) + "; visits N=" + selected.N + ", mean value Q=" + num(selected.Q) +
          ", prior P=" + num(selected.prior) + ", env value of its simulation v=" + num(selected.value)),
        leaf ? [el("h3", null, "Leaf replay: the episode its simulation completed (" + (leaf.success ? "success" : "failed") + ", return " + num(leaf["return"]) + ")"),
          leaf.actions.map(function (a, i) { return el("div", null, el("div", { "class": "label" }, "action " + (i + 1) + (leaf.rewards[i] !== undefined ? ", reward " + num(leaf.rewards[i]) : "")), pre(a)); }),
          el("div", null, "deficiencies: ", defBadges(leaf.deficiencies))] : el("p", { "class": "empty" }, "Not simulated (the root, or a node never reached)."),
        pr ? el("p", null, "This node produced a pair: ", link("pair #" + pr.index + " of round " + pr.round, "pairs", null, { round: pr.round, pair: pr.id })) : null);
    }
    return [
      el("h1", null, "Search tree: task " + t.task_id + " (round " + t.round + ")"),
      el("p", null, link("< all trees", "trees"), " · ", ep ? link("the rollout that selected it", "episode", ep.id, null, { id: "tree-episode-link" }) : "no rollout kept",
        " · category " + t.category + " · value normaliser (oracle return) " + num(t.norm)),
      el("p", null, "selected: ", sel.failed ? badge("failed", "bad") : null, sel.high_perplexity ? badge("high perplexity") : null,
        sel.perplexity !== undefined ? " perplexity " + num(sel.perplexity, 2) + " " : "", defBadges(sel.deficiencies)),
      el("details", null, el("summary", null, "the task: first messages and ground truth"), (t.prompt || []).map(message), groundTruth(t.ground_truth)),
      el("div", { "class": "legend" }, el("span", null, el("span", { "class": "swatch chosen" }), "chosen side of a pair"),
        el("span", null, el("span", { "class": "swatch rejected" }), "rejected side"), el("span", null, el("span", { "class": "swatch pair" }), "node whose children were paired"),
        el("span", { "class": "note" }, "N visits, Q mean value, P prior, v env value of the node's simulation (1.0 = as good as the ground truth). Click a node.")),
      el("div", { "class": "cols" },
        el("div", null, root ? el("ul", { "class": "tree", id: "tree" }, sub(root)) : el("p", { "class": "empty" }, "empty tree")),
        el("div", null, detail || el("p", { "class": "note" }, "Click a node to see its turn text and its leaf replay."))),
      el("h2", null, "Pairs from this tree"),
      t.pairs.length ? t.pairs.map(function (pr) {
        var full = PAIRS_BY_NODE[t.round + "|" + t.task_id + "|" + pr.node];
        return el("div", { "class": "pair-card" },
          el("div", null, "at ", link("node #" + pr.node, "tree", t.id, { node: pr.node }), " (" + pr.source + "): chosen " + num(pr.chosen_value) + " vs rejected " + num(pr.rejected_value),
            full ? [" · ", link("in the dataset", "pairs", null, { round: t.round, pair: full.id })] : null),
          el("div", { "class": "cols two" }, el("div", { "class": "chosen-col" }, el("div", { "class": "label" }, "chosen"), pre(pr.chosen)),
            el("div", { "class": "rejected-col" }, el("div", { "class": "label" }, "rejected"), pre(pr.rejected))));
      }) : el("p", { "class": "empty" }, "No pair passed the filters (value gap, distinct texts).")
    ];
  }

  // ---------------------------------------------------------------- pairs
  function renderPairs(p) {
    if (!D.pairs.length) return [el("h1", null, "Pairs"), el("p", { "class": "empty" }, "No preference pairs in this view.")];
    var rounds = uniq(D.pairs.map(function (x) { return x.round; }));
    var pairs = D.pairs.filter(function (x) {
      return (!p.round || String(x.round) === String(p.round)) && (!p.task || x.task_id === p.task);
    });
    var rs = el("select", { id: "filter-round" });
    rs.appendChild(el("option", { value: "" }, "all rounds"));
    rounds.forEach(function (r) { var o = el("option", { value: r }, "round " + r); if (String(p.round) === String(r)) o.selected = true; rs.appendChild(o); });
    rs.addEventListener("change", function () { location.hash = hashFor("pairs", null, { round: rs.value }); });
    var page = Math.max(0, parseInt(p.page || "0", 10) || 0);
    if (p.pair) { var at = pairs.map(function (x) { return x.id; }).indexOf(p.pair); if (at >= 0) page = Math.floor(at / 20); }
    var pages = Math.max(1, Math.ceil(pairs.length / 20));
    page = Math.min(page, pages - 1);
    return [el("h1", null, "Preference pairs"),
      el("div", { "class": "filters" }, el("label", null, "round", rs), p.task ? el("span", null, "task " + p.task + " ", link("(all tasks)", "pairs", null, { round: p.round })) : null),
      el("p", { id: "pair-count" }, pairs.length + " pairs"),
      pairs.slice(page * 20, page * 20 + 20).map(function (x) {
        var tid = x.round + "|" + x.task_id;
        return el("div", { "class": "pair-card" + (p.pair === x.id ? " focus" : ""), id: "pair-" + x.index + "-r" + x.round },
          el("div", null, el("b", null, "#" + x.index + " round " + x.round), " · task " + x.task_id + " · " + x.category + " · " + x.source +
            " · turn " + (x.turn + 1) + " · depth " + x.depth + " · chosen " + num(x.chosen_value) + " vs rejected " + num(x.rejected_value) + " · ",
            TREE[tid] && x.node_id !== null && x.node_id !== undefined ? link("node #" + x.node_id + " in its tree", "tree", tid, { node: x.node_id }) : el("span", { "class": "note" }, "tree not kept")),
          x.prefix ? [el("div", { "class": "label" }, "shared prefix"), pre(x.prefix)] : null,
          el("div", { "class": "cols two" }, el("div", { "class": "chosen-col" }, el("div", { "class": "label" }, "chosen"), pre(x.chosen)),
            el("div", { "class": "rejected-col" }, el("div", { "class": "label" }, "rejected"), pre(x.rejected))),
          el("details", null, el("summary", null, "prompt (" + x.prompt.length + " messages)"), x.prompt.map(message)));
      }),
      pages > 1 ? el("div", { "class": "pager" },
        page > 0 ? link("< previous", "pairs", null, { round: p.round, task: p.task, page: page - 1 }) : null, "page " + (page + 1) + " of " + pages,
        page < pages - 1 ? link("next >", "pairs", null, { round: p.round, task: p.task, page: page + 1 }) : null) : null];
  }

  // ---------------------------------------------------------------- shell
  function nav(page) {
    var items = [["run", D.kind === "run" ? "Run" : "Summary"], ["episodes", "Episodes"]];
    if (D.trees.length) items.push(["trees", "Search trees"]);
    if (D.pairs.length) items.push(["pairs", "Pairs"]);
    var n = document.getElementById("nav");
    n.textContent = "";
    items.forEach(function (it) {
      var active = page === it[0] || (page === "episode" && it[0] === "episodes") || (page === "tree" && it[0] === "trees");
      n.appendChild(link(it[1], it[0], null, null, { id: "nav-" + it[0], "class": active ? "active" : "" }));
    });
  }
  function render() {
    var r = route();
    var main = document.getElementById("main");
    var content;
    switch (r.page) {
      case "episodes": content = renderEpisodes(r.params); break;
      case "episode": content = renderEpisode(r.arg, r.params); break;
      case "trees": content = renderTrees(); break;
      case "tree": content = renderTree(r.arg, r.params); break;
      case "pairs": content = renderPairs(r.params); break;
      default: content = renderRun();
    }
    nav(r.page);
    main.textContent = "";
    append(main, content);
    main.setAttribute("data-page", r.page);
    var focus = r.params.node !== undefined ? document.getElementById("node-" + r.params.node) : (r.params.pair ? document.querySelector(".pair-card.focus") : null);
    if (focus && focus.scrollIntoView) focus.scrollIntoView({ block: "center" });
    else window.scrollTo(0, 0);
    document.title = "toolenv view: " + D.title;
  }

  if (!D) {
    document.getElementById("main").textContent = "data.js is missing or did not load: rebuild with `toolenv view PATH`.";
    return;
  }
  ["episodes", "trees", "pairs", "evals", "rounds", "train_logs", "plots", "notes"].forEach(function (k) { D[k] = D[k] || []; });
  D.tools = D.tools || {};
  document.getElementById("source").textContent = D.source || "";
  buildIndexes();
  window.addEventListener("hashchange", render);
  render();
})();
