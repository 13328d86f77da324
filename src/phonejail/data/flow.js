// phonejail: the interactive call flow of a report page. No network, no library.
// Reads the JSON blob beside the SVG; writes text with textContent only (never HTML).
(function () {
  "use strict";
  function pct(x) {
    if (x === 0) return "0%";
    if (x < 0.0001) return "<0.01%";
    return x < 0.01 ? (100 * x).toFixed(2) + "%" : (100 * x).toFixed(1) + "%";
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function setup(box) {
    var data = JSON.parse(box.querySelector("script.flowdata").textContent);
    var svg = box.querySelector("svg.flow");
    var canvas = box.querySelector(".canvas");
    var panel = box.querySelector(".panel");
    var select = box.querySelector("select.persona");
    var full = {w: +svg.dataset.width, h: +svg.dataset.height};
    var view = {x: 0, y: 0, w: full.w, h: full.h};
    var NS = "http://www.w3.org/2000/svg";
    var chosen = null, selected = null;

    function apply() {
      svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h);
    }
    function fit() {
      var cw = canvas.clientWidth || 800, ch = canvas.clientHeight || 600;
      var scale = Math.min(cw / full.w, ch / full.h, 1.4);
      view = {w: cw / scale, h: ch / scale};
      view.x = (full.w - view.w) / 2; view.y = (full.h - view.h) / 2;
      apply();
    }
    function start() {
      // Fit the whole flow when its labels stay readable; else start at the top, readable.
      // A short flow gets a shorter frame rather than empty space.
      var cw = canvas.clientWidth || 800;
      var wide = Math.min(cw / full.w, 1.4);
      if (wide >= 0.6 && full.h * wide + 16 < canvas.clientHeight) {
        canvas.style.height = Math.max(full.h * wide + 16, 240) + "px";
      }
      var ch = canvas.clientHeight || 600;
      var scale = Math.min(cw / full.w, ch / full.h);
      if (scale >= 0.6) { fit(); return; }
      scale = Math.max(scale, 0.6);
      // Centre the start node (the first drawn), at a scale where its label reads.
      var first = svg.querySelector(".node rect");
      var cx = first ? +first.getAttribute("x") + +first.getAttribute("width") / 2 : full.w / 2;
      var cy = first ? +first.getAttribute("y") : 0;
      view = {w: cw / scale, h: ch / scale};
      view.x = Math.min(Math.max(cx - view.w / 2, 0), Math.max(full.w - view.w, 0));
      view.y = Math.min(Math.max(cy - view.h / 2, 0), Math.max(full.h - view.h, 0));
      apply();
    }
    function zoom(factor, px, py) {
      var nx = px === undefined ? view.x + view.w / 2 : px;
      var ny = py === undefined ? view.y + view.h / 2 : py;
      view.x = nx - (nx - view.x) * factor; view.y = ny - (ny - view.y) * factor;
      view.w *= factor; view.h *= factor;
      apply();
    }
    function toSvg(evt) {
      var r = svg.getBoundingClientRect();
      var scale = Math.max(view.w / r.width, view.h / r.height);
      var offx = (r.width * scale - view.w) / 2, offy = 0;
      return {x: view.x - offx + (evt.clientX - r.left) * scale,
              y: view.y - offy + (evt.clientY - r.top) * scale, scale: scale};
    }
    svg.addEventListener("wheel", function (evt) {
      evt.preventDefault();
      var p = toSvg(evt);
      zoom(evt.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
    }, {passive: false});
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) {
      drag = {x: evt.clientX, y: evt.clientY, vx: view.x, vy: view.y, moved: false,
              scale: toSvg(evt).scale};
    });
    window.addEventListener("pointermove", function (evt) {
      if (!drag) return;
      var dx = evt.clientX - drag.x, dy = evt.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) {
        view.x = drag.vx - dx * drag.scale; view.y = drag.vy - dy * drag.scale; apply();
      }
    });
    window.addEventListener("pointerup", function () {
      setTimeout(function () { drag = null; }, 0);
    });
    box.querySelector(".zoom-in").addEventListener("click", function () { zoom(1 / 1.3); });
    box.querySelector(".zoom-out").addEventListener("click", function () { zoom(1.3); });
    box.querySelector(".zoom-fit").addEventListener("click", fit);

    function show(id) {
      var n = data.nodes[id];
      if (!n) return;
      selected = id;
      svg.querySelectorAll(".node.selected").forEach(function (g) { g.classList.remove("selected"); });
      svg.querySelectorAll(".node").forEach(function (g) {
        if (g.dataset.node === id) g.classList.add("selected");
      });
      panel.textContent = "";
      panel.appendChild(el("h3", id));
      panel.appendChild(el("p", n.kind.replace("_", " ") +
        (n.seconds ? ", " + n.seconds + " s" : "") + (n.line ? ", line " + n.line : ""), "small"));
      if (n.say) panel.appendChild(el("blockquote", n.say));
      var persona = chosen === null ? null : data.personas[chosen];
      var through = persona ? (persona.through[id] || 0) : n.through;
      panel.appendChild(el("p", pct(through) + " of " + (persona ? persona.name + "'s " : "") +
        "calls pass through it.", "through"));
      if (persona && persona.lost[id]) {
        panel.appendChild(el("p", persona.lost[id][0] + " of its calls: " + persona.lost[id][1],
                             "lostline"));
      } else if (!persona && n.lost > 0) {
        panel.appendChild(el("p", pct(n.lost) + " of all calls are lost here.", "lostline"));
      }
      if (n.findings.length) {
        var ul = el("ul", undefined, "findings");
        n.findings.forEach(function (f) { ul.appendChild(el("li", f)); });
        panel.appendChild(ul);
      } else {
        panel.appendChild(el("p", "No findings at this node.", "small"));
      }
    }
    svg.querySelectorAll(".node").forEach(function (g) {
      g.addEventListener("click", function () { if (!drag || !drag.moved) show(g.dataset.node); });
      g.addEventListener("keydown", function (evt) {
        if (evt.key === "Enter" || evt.key === " ") { evt.preventDefault(); show(g.dataset.node); }
      });
    });

    function overlay() {
      chosen = select.value === "" ? null : +select.value;
      var persona = chosen === null ? null : data.personas[chosen];
      var flow = persona ? persona.flow : data.flow;
      svg.classList.toggle("overlay", !!persona);
      svg.querySelectorAll(".edge").forEach(function (g) {
        var f = flow[g.dataset.key] || 0;
        var path = g.querySelector("path");
        path.style.strokeWidth = (1 + 7 * Math.min(f, 1)).toFixed(2);
        g.classList.toggle("unused", f === 0);
        // The persona's way into a dead end is drawn red, the rest of its flow in its colour.
        var dst = data.nodes[g.dataset.key.split(">")[1]];
        var dead = g.classList.contains("to-end") || (dst && dst.kind === "hangup");
        path.style.stroke = persona && f > 0 ? (dead ? data.red : persona.colour) : "";
      });
      svg.querySelectorAll(".lostmark").forEach(function (t) { t.remove(); });
      svg.querySelectorAll(".node").forEach(function (g) {
        var lost = persona && persona.lost[g.dataset.node];
        g.classList.toggle("lost", !!lost);
        g.classList.toggle("unvisited", !!persona && !(persona.through[g.dataset.node] > 0) &&
                           !g.classList.contains("copy"));
        if (lost && !g.classList.contains("copy")) {
          var r = g.querySelector("rect");
          var t = document.createElementNS(NS, "text");
          t.setAttribute("class", "lostmark");
          t.setAttribute("x", +r.getAttribute("x") + +r.getAttribute("width") + 4);
          t.setAttribute("y", +r.getAttribute("y") + 10);
          t.textContent = "lost " + lost[0];
          g.appendChild(t);
        }
      });
      if (selected !== null) show(selected);
    }
    select.addEventListener("change", overlay);
    overlay();
    start();
    // On paper the whole flow is shown, whatever the view on screen was.
    window.addEventListener("beforeprint", function () {
      svg.setAttribute("viewBox", "0 0 " + full.w + " " + full.h);
    });
    window.addEventListener("afterprint", apply);
    var touched = false;
    svg.addEventListener("pointerdown", function () { touched = true; });
    svg.addEventListener("wheel", function () { touched = true; });
    window.addEventListener("resize", function () {
      if (!touched) { canvas.style.height = ""; start(); return; }
      view.h = view.w * canvas.clientHeight / Math.max(canvas.clientWidth, 1); apply();
    });
    box.dataset.ready = "1";
  }
  document.querySelectorAll(".flowbox").forEach(setup);
})();
