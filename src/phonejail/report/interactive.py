"""The call flow as an interactive SVG inside the report page: inline, no network, small JS.

Layout: Graphviz `dot` (`dot -Tjson0`, positions only) when it is installed, so labels do
not overlap and edges are routed around nodes; otherwise the layered layout of
`flowchart.py` (the same one the PNG uses). The SVG itself is written here, with real
`<text>` elements, so a reader can search (Ctrl+F) and select every label.

Readability on large trees: an end that many nodes share (a hang-up, the implicit
disconnect, a callback, a human who transfers nowhere) is drawn once per cluster, a
cluster being the nodes that one menu or prompt leads to, instead of once for the whole
tree, which would pull an edge across the drawing from every corner. Each copy is marked
as a copy and names the node it stands for.

The page script (`phonejail/data/flow.js`) reads one JSON blob: per node its kind, prompt,
findings and share of calls; per persona the expected moves per call on every edge and
where its calls are lost (drawn red when the persona is chosen).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources

from phonejail.model.tree import Menu, Tree
from phonejail.report.answer import PersonaAnswer
from phonejail.report.build import TreeReport
from phonejail.report.figures import OTHERS_GREY, persona_colours, share_text
from phonejail.report.flowchart import DISCONNECT, STYLE, TRAP_RED, Diagram, _layers, _order
from phonejail.report.text import loss_text, pooled_answer, shown_personas
from phonejail.textsafe import html_text as escape
from phonejail.textsafe import json_text

SHARED_ENDS = 3
"""An end node with at least this many edges into it is drawn once per cluster..."""
CLUSTER_FROM = 30
"""...in a tree of more nodes than this (a small tree reads best with each node once)."""
DOT_SECONDS = 20
"""Longest wait for Graphviz; past it the built-in layout is used."""
FONT = 11
CHAR_WIDTH = 6.6
"""Mean width of a character of the page font at FONT px: sizes boxes for both layouts."""
LINE = 14
WIDEST_ROW = 10
"""With more nodes than this at one distance from the start, the flow is laid out left to right."""


@dataclass(frozen=True)
class Box:
    id: str
    """The drawn node: a tree node, or a copy `node@cluster` of a shared end."""
    node: str
    """The tree node it shows."""
    x: float
    y: float
    w: float
    h: float
    copy: bool = False


@dataclass(frozen=True)
class Line:
    src: str
    dst: str
    """Drawn node ids (a copy for an edge into a shared end)."""
    key: str
    """'src>dst' with tree node ids: the flow of a move is looked up by it."""
    path: str
    """SVG path data."""
    label: str
    label_xy: tuple[float, float] | None


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    engine: str
    """'graphviz dot' or 'built-in'."""


def _caption_lines(d: Diagram, node: str, copy: bool = False) -> list[str]:
    if copy and any(e.src == node and e.dst != node for e in d.edges):
        return [f"↪ {node}", "(drawn above)"]  # a go-to marker: the node itself is elsewhere
    lines = d.captions[node].split("\n")
    return lines + [" ".join(d.marks[node])] if node in d.marks else lines


def _size(lines: list[str]) -> tuple[float, float]:
    return max(len(t) for t in lines) * CHAR_WIDTH + 18, len(lines) * LINE + 10


def _clusters(d: Diagram) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Drawn nodes for the diagram: copies of shared ends, and edges rewired to them.

    Returns (drawn id -> tree node, [(drawn src, drawn dst, label)]).
    """
    into: dict[str, int] = {}
    out: dict[str, int] = {}
    for e in d.edges:
        into[e.dst] = into.get(e.dst, 0) + 1
        out[e.src] = out.get(e.src, 0) + 1
    parent: dict[str, str] = {}
    for e in sorted(d.edges, key=lambda e: (d.layers[e.src], e.src)):
        if d.layers.get(e.dst, 0) == d.layers[e.src] + 1:
            parent.setdefault(e.dst, e.src)
    big = len(d.nodes) > CLUSTER_FROM
    shared = {n for n in d.nodes if big and into.get(n, 0) >= SHARED_ENDS and not out.get(n)
              and n != d.nodes[0]}
    drawn = {n: n for n in d.nodes if n not in shared}
    edges = []
    for e in d.edges:
        dst = e.dst
        # A jump back up many layers ("back to the main menu") is drawn as a go-to marker
        # beside its cluster, like a shared end, instead of a line across the drawing.
        back = (big and into.get(dst, 0) >= SHARED_ENDS and e.src != dst
                and d.layers[dst] < d.layers[e.src] - 1)
        if dst in shared or back:
            dst = f"{e.dst}@{parent.get(e.src, e.src)}"
            drawn[dst] = e.dst
        edges.append((e.src, dst, e.label))
    return drawn, edges


def layout(d: Diagram, use_dot: bool = True) -> Drawing:
    drawn, edges = _clusters(d)
    labels = {n: _caption_lines(d, node, n != node) for n, node in drawn.items()}
    if use_dot and shutil.which("dot"):
        per_layer: dict[int, int] = {}
        for n in d.nodes:
            per_layer[d.layers[n]] = per_layer.get(d.layers[n], 0) + 1
        # A wide, shallow tree (a big menu fanning out) reads as an outline, left to right,
        # scrolling down the page, instead of a strip far wider than any screen.
        across = max(per_layer.values(), default=0) > WIDEST_ROW
        result = _dot_layout(drawn, edges, labels, "LR" if across else "TB")
        if result is not None:
            return result
    return _builtin_layout(d, drawn, edges, labels)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_layout(drawn: dict[str, str], edges: list[tuple[str, str, str]],
                labels: dict[str, list[str]], rankdir: str) -> Drawing | None:
    ids = {n: f"n{k}" for k, n in enumerate(drawn)}
    lines = ["digraph g {", f"rankdir={rankdir}; nodesep=0.2; ranksep=0.5;",
             f'node [shape=box, fixedsize=true, fontsize={FONT}];',
             f"edge [fontsize={FONT - 2}];"]
    for n, gid in ids.items():
        w, h = _size(labels[n])
        lines.append(f'{gid} [width={w / 72:.3f}, height={h / 72:.3f}, label=""];')
    for k, (src, dst, label) in enumerate(edges):
        # A retry loop goes to dot too, with the one-character mark it is drawn with, so
        # dot keeps room for it beside its box (drawn by hand it ran into the neighbour).
        shown = "↻" if src == dst else label
        lab = f', label={_q(shown)}' if shown else ""
        lines.append(f'{ids[src]} -> {ids[dst]} [id="e{k}"{lab}];')
    lines.append("}")
    try:
        run = subprocess.run(["dot", "-Tjson0"], input="\n".join(lines), text=True,
                             capture_output=True, timeout=DOT_SECONDS, check=False)
        data = json.loads(run.stdout) if run.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if not data:
        return None
    _, _, width, height = (float(v) for v in data["bb"].split(","))
    by_gid = {gid: n for n, gid in ids.items()}
    boxes = []
    for obj in data.get("objects", []):
        n = by_gid.get(obj.get("name"))
        if n is None or "pos" not in obj:
            continue
        x, y = (float(v) for v in obj["pos"].split(","))
        boxes.append(Box(n, drawn[n], x, height - y, float(obj["width"]) * 72,
                         float(obj["height"]) * 72, n != drawn[n]))
    drawn_lines = []
    for edge in data.get("edges", []):
        k = int(edge["id"][1:])
        src, dst, label = edges[k]
        if src == dst:
            label = f"↻ {label}" if label else "↻"
        drawn_lines.append(Line(src, dst, f"{drawn[src]}>{drawn[dst]}",
                                _spline(edge.get("pos", ""), height), label,
                                _point(edge.get("lp"), height)))
    return Drawing(width, height, tuple(boxes), tuple(drawn_lines), "graphviz dot")


def _point(text: str | None, height: float) -> tuple[float, float] | None:
    if not text:
        return None
    x, y = (float(v) for v in text.split(","))
    return x, height - y


def _spline(pos: str, height: float) -> str:
    """SVG path data for a Graphviz spline 'e,x,y p0 p1 p2 p3 ...' (the end is the arrow tip)."""
    end = None
    points = []
    for part in pos.split():
        if part.startswith("e,"):
            end = _point(part[2:], height)
        elif not part.startswith("s,"):
            p = _point(part, height)
            if p is not None:
                points.append(p)
    if not points:
        return ""
    path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for k in range(1, len(points) - 2, 3):
        (x1, y1), (x2, y2), (x3, y3) = points[k:k + 3]
        path += f" C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"
    if end is not None:
        path += f" L{end[0]:.1f},{end[1]:.1f}"
    return path


def _loop(b: Box, node: str, label: str) -> Line:
    x, y = b.x + b.w / 2, b.y
    path = (f"M{x:.1f},{y - 6:.1f} C{x + 26:.1f},{y - 18:.1f} {x + 26:.1f},{y + 18:.1f} "
            f"{x + 1:.1f},{y + 6:.1f}")
    return Line(b.id, b.id, f"{node}>{node}", path, f"↻ {label}" if label else "↻",
                (x + 26, y + 4))


def _builtin_layout(d: Diagram, drawn: dict[str, str], edges: list[tuple[str, str, str]],
                    labels: dict[str, list[str]]) -> Drawing:
    ids = list(drawn)
    pairs = {(s, t): [lab] for s, t, lab in edges}
    start = d.nodes[0] if d.nodes else ""
    layers = _layers(ids, pairs, start) if ids else {}
    order = _order(ids, pairs, layers) if ids else {}
    sizes = {n: _size(labels[n]) for n in ids}
    gap_x, gap_y = 40.0, 70.0
    row_width: dict[int, float] = {}
    for n in ids:
        row_width[layers[n]] = row_width.get(layers[n], 0.0) + sizes[n][0] + gap_x
    widest = max(row_width.values(), default=100.0)
    row_height = {k: max(sizes[n][1] for n in ids if layers[n] == k) for k in row_width}
    boxes = {}
    y = 20.0
    for k in sorted(row_width):
        members = sorted((n for n in ids if layers[n] == k), key=lambda n: order[n])
        x = (widest - row_width[k]) / 2 + gap_x / 2
        for n in members:
            w, h = sizes[n]
            boxes[n] = Box(n, drawn[n], x + w / 2, y + row_height[k] / 2, w, h, n != drawn[n])
            x += w + gap_x
        y += row_height[k] + gap_y
    lines = []
    for src, dst, label in edges:
        a, b = boxes[src], boxes[dst]
        if src == dst:
            lines.append(_loop(a, drawn[src], label))
            continue
        x1, y1 = _border(a, b.x, b.y)
        x2, y2 = _border(b, a.x, a.y)
        mx, my = (x1 + x2) / 2 + (y2 - y1) * 0.08, (y1 + y2) / 2 - (x2 - x1) * 0.08
        lines.append(Line(src, dst, f"{drawn[src]}>{drawn[dst]}",
                          f"M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {x2:.1f},{y2:.1f}", label,
                          ((x1 + x2) / 2, (y1 + y2) / 2)))
    return Drawing(widest + 20, y, tuple(boxes.values()), tuple(lines), "built-in")


def _border(b: Box, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from the centre of `b` towards (tx, ty) leaves the box."""
    dx, dy = tx - b.x, ty - b.y
    if dx == 0 and dy == 0:
        return b.x, b.y
    scale = min(b.w / 2 / abs(dx) if dx else float("inf"),
                b.h / 2 / abs(dy) if dy else float("inf"))
    return b.x + dx * scale, b.y + dy * scale


# -- the SVG, the data and the page fragment ---------------------------------------------------
def svg(d: Diagram, drawing: Drawing, title: str) -> str:
    lines = []
    for line in drawing.lines:
        red = " to-end" if line.dst.split("@")[0] == DISCONNECT else ""
        label = ""
        if line.label and line.label_xy:
            lx, ly = line.label_xy
            # A retry loop shows only its mark (its words would cover the neighbours); the
            # words are its tooltip and stay searchable in the node's panel.
            shown = "↻" if line.src == line.dst else line.label
            label = (f'<text class="elabel" x="{lx:.1f}" y="{ly + 3:.1f}">'
                     f"<title>{escape(line.label)}</title>{escape(shown)}</text>")
        lines.append(f'<g class="edge{red}" data-key="{escape(line.key)}">'
                     f'<path d="{line.path}" marker-end="url(#pj-arrow)"/>{label}</g>')
    nodes = []
    for b in drawing.boxes:
        kind = d.kinds[b.node]
        trap = " trap" if b.node in d.marks and not b.copy else ""
        copy = " copy" if b.copy else ""
        texts = _caption_lines(d, b.node, b.copy)
        top = b.y - (len(texts) - 1) * LINE / 2 + 4
        first = ' class="id"'
        spans = "".join(
            f'<tspan x="{b.x:.1f}" y="{top + k * LINE:.1f}"{first if k == 0 else ""}>'
            f"{escape(t)}</tspan>" for k, t in enumerate(texts))
        fill = STYLE[kind][1]
        nodes.append(
            f'<g class="node kind-{kind}{trap}{copy}" data-node="{escape(b.node)}" '
            f'tabindex="0"><rect x="{b.x - b.w / 2:.1f}" y="{b.y - b.h / 2:.1f}" '
            f'width="{b.w:.1f}" height="{b.h:.1f}" rx="{_radius(kind)}" fill="{fill}"/>'
            f"<text>{spans}</text></g>")
    return (f'<svg class="flow" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{escape(title)}: call flow" viewBox="0 0 {drawing.width:.0f} '
            f'{drawing.height:.0f}" data-width="{drawing.width:.0f}" '
            f'data-height="{drawing.height:.0f}"><title>{escape(title)}: call flow</title>'
            '<defs><marker id="pj-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>'
            f'<g class="viewport"><g class="edges">{"".join(lines)}</g>'
            f'<g class="nodes">{"".join(nodes)}</g></g></svg>')


def _radius(kind: str) -> int:
    return {"menu": 0, "hangup": 0, "agent": 12, "end": 14, "branch": 3}.get(kind, 6)


def overlaid(r: TreeReport, colours: list[str]) -> list[tuple[PersonaAnswer, str]]:
    """The personas one can choose to overlay, with their colours: those with a row of their
    own in the answer table (text.shown_personas), then the others pooled into one (grey)."""
    shown = shown_personas(r)
    chosen = [(r.answers[k], colours[k] if k < len(colours) else OTHERS_GREY) for k in shown]
    pooled = pooled_answer(r, shown)
    return chosen + ([(pooled, OTHERS_GREY)] if pooled is not None else [])


def data(r: TreeReport, d: Diagram) -> dict[str, object]:
    """What the page script shows: nodes (prompt, findings, share) and persona overlays."""
    tree: Tree | None = r.tree
    assert tree is not None
    findings: dict[str, list[str]] = {}
    for f in r.findings:
        if f.node:
            findings.setdefault(f.node, []).append(f"{f.severity.value} {f.code} {f.name}: "
                                                   f"{f.message}")
    nodes: dict[str, dict[str, object]] = {}
    for n in d.nodes:
        node = tree.nodes.get(n)
        nodes[n] = {
            "kind": d.kinds[n],
            "say": getattr(node, "say", None) or "",
            "seconds": getattr(node, "seconds", 0) if node is not None else 0,
            "line": node.loc.line if node is not None and node.loc else None,
            "findings": findings.get(n, []),
            "through": r.through.get(n, 0.0),
            "lost": sum(x.share * a.share for a in r.answers for x in a.losses
                        if x.node == n),
        }
    personas = []
    colours = persona_colours(r.exact) if r.exact is not None else []
    for a, colour in overlaid(r, colours):
        personas.append({
            "name": a.name, "colour": colour, "share": a.share,
            "jail": share_text(a.jail_rate),
            "flow": {f"{s}>{t if t is not None else DISCONNECT}": round(v, 6)
                     for (s, t), v in a.flow.items() if v > 1e-6},
            "lost": {x.node: [share_text(x.share), loss_text(x)] for x in a.losses
                     if x.share >= 1e-4},
            "through": a.through,
        })
    overall = {f"{s}>{t if t is not None else DISCONNECT}": round(v, 6)
               for (s, t), v in r.flow.items() if v > 1e-6}
    return {"nodes": nodes, "personas": personas, "flow": overall, "red": TRAP_RED}


def _json_for_script(value: object) -> str:
    # Inside <script>, `</script>` or `<!--` in a tree's string would end the block: escape
    # every `<`, `>` and `&` as a JSON \u escape, which JSON.parse reads back as written.
    text = json_text(value, indent=None, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script() -> str:
    return resources.files("phonejail").joinpath("data/flow.js").read_text(encoding="utf-8")


FLOW_CSS = """
.flowbox{margin:1rem 0}.flowbox .controls{margin:.3rem 0;display:flex;gap:.4rem;
align-items:center;flex-wrap:wrap}.flowbox button{min-width:2rem}
.flowwrap{display:grid;grid-template-columns:minmax(0,1fr) 17rem;gap:.8rem}
@media (max-width:800px){.flowwrap{grid-template-columns:1fr}}
.canvas{height:70vh;min-height:380px;border:1px solid #e0e4ea;border-radius:4px;
overflow:hidden;background:#fff;cursor:grab;touch-action:none}
svg.flow{width:100%;height:100%;display:block;font-family:system-ui,sans-serif}
svg.flow text{font-size:11px;text-anchor:middle;fill:#1c2330}
svg.flow tspan.id{font-weight:600}
svg.flow .node{cursor:pointer}svg.flow .node rect{stroke:#455a64;stroke-width:1}
svg.flow .node.trap rect{stroke:#c62828;stroke-width:3}svg.flow .node.trap text{fill:#b71c1c}
svg.flow .node.copy rect{stroke-dasharray:4 3}
svg.flow .node.selected rect{stroke:#1565c0;stroke-width:3}
svg.flow .node:focus{outline:none}svg.flow .node:focus rect{stroke:#1565c0}
svg.flow .edge path{fill:none;stroke:#78909c;stroke-opacity:.85}
svg.flow .edge.to-end path{stroke:#c62828}
svg.flow .edge text.elabel{font-size:10px;fill:#37474f;paint-order:stroke;stroke:#fff;
stroke-width:3px}
svg.flow.overlay .edge.unused{opacity:.12}svg.flow.overlay .node.unvisited{opacity:.35}
svg.flow .node.lost rect{stroke:#c62828;stroke-width:4}
svg.flow text.lostmark{fill:#c62828;font-weight:700;text-anchor:start;font-size:11px}
.panel{border:1px solid #e0e4ea;border-radius:4px;padding:.4rem .8rem;font-size:.9rem;
overflow-wrap:anywhere;max-height:70vh;overflow:auto}
.panel h3{margin:.3rem 0;font-family:ui-monospace,monospace}
.panel blockquote{margin:.4rem 0;padding-left:.6rem;border-left:3px solid #e0e4ea}
.panel .lostline{color:#b71c1c;font-weight:600}.panel ul.findings{padding-left:1rem}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;
font-size:.85rem;color:#37474f}
.key{display:inline-block;width:1.1em;height:.8em;margin-right:.35em;vertical-align:middle;
border:1px solid #455a64}.key.trapkey{border-width:3px;background:#fff}
.key.copykey{border-style:dashed;background:#fff}
.key.edgekey{border:0;border-top:4px solid #78909c;height:0}
.key.lostkey{border-width:4px;background:#fff}
@media print{.flowbox .controls,.flowbox .panel{display:none}.flowwrap{display:block}
.canvas{height:auto;min-height:0;border:0}svg.flow{height:auto;max-height:24cm}}
"""

LEGEND = [(kind, label) for kind, label in (
    ("say", "announcement"), ("menu", "menu (keys)"), ("ask", "identity question"),
    ("branch", "routing, no prompt"), ("self_service", "self-service"),
    ("agent", "a human (queue)"), ("callback", "callback"), ("hangup", "system hangs up"),
    ("handoff", "handed to another flow"), ("end", "line goes dead (left-out target)"))]


def legend(d: Diagram, voice: bool = False) -> str:
    """The kinds the drawing uses, then the marks. `voice`: some menu takes a spoken choice
    (docs/format.md, "Voice menus"), so a menu is not 'keys' only."""
    kinds = set(d.kinds.values())
    labels = dict(LEGEND, menu="menu (keys or voice)") if voice else dict(LEGEND)
    items = [f'<li><span class="key kind" style="background:{STYLE[kind][1]}"></span>'
             f"{escape(labels[kind])}</li>" for kind, _ in LEGEND if kind in kinds]
    items += [
        f'<li><span class="key trapkey" style="border-color:{TRAP_RED}"></span>'
        "trap: dead end (PJ101), jail loop (PJ102), identity gate (PJ103), a loop without "
        "a step the analysis cannot follow (PJ009), or the node where a persona's jailed "
        "calls are lost (PJ105: click it for who and how many)</li>",
        '<li><span class="key copykey"></span>a shared node drawn again beside each cluster '
        "that leads to it (↪: the call goes on at the node drawn above)</li>",
        '<li><span class="key edgekey"></span>edge width: expected times per call the move '
        "is taken (all callers, or the persona chosen)</li>",
        f'<li><span class="key edgekey" style="border-color:{TRAP_RED}"></span>'
        "move to a dead line (a left-out target)</li>",
        f'<li><span class="key lostkey" style="border-color:{TRAP_RED}"></span>'
        "with a persona chosen: where its calls are lost, and how many</li>",
        "<li>↻ a retry or replay of the same node</li>"]
    return f'<ul class="legend">{"".join(items)}</ul>'


def _voice(r: TreeReport) -> bool:
    return r.tree is not None and any(isinstance(n, Menu) and n.input != "dtmf"
                                      for n in r.tree.nodes.values())


def flow_section(r: TreeReport, d: Diagram, use_dot: bool = True) -> str:
    """The interactive flow for a tree page: controls, SVG, legend, panel, data, script."""
    drawing = layout(d, use_dot)
    colours = persona_colours(r.exact) if r.exact is not None else []
    options = "".join(f'<option value="{k}">{escape(a.name)} (jailed {share_text(a.jail_rate)})'
                      "</option>" for k, (a, _) in enumerate(overlaid(r, colours)))
    return (
        '<div class="flowbox" id="flowbox">'
        '<div class="controls"><label>Persona: <select class="persona">'
        f'<option value="">all callers</option>{options}</select></label> '
        '<button type="button" class="zoom-in" title="Zoom in">+</button>'
        '<button type="button" class="zoom-out" title="Zoom out">−</button>'
        '<button type="button" class="zoom-fit" title="Fit to the frame">fit</button>'
        f'<span class="small"> Drag to pan, wheel to zoom; click a node. Layout: '
        f"{escape(drawing.engine)}.</span></div>"
        f'<div class="flowwrap"><div class="canvas">{svg(d, drawing, r.name)}</div>'
        '<aside class="panel" aria-live="polite"><p class="small">Click a node to see its '
        "prompt, its findings and the share of calls through it.</p></aside></div>"
        f"{legend(d, _voice(r))}"
        f'<script type="application/json" class="flowdata">{_json_for_script(data(r, d))}'
        f"</script><script>{script()}</script></div>")
