"""The call flow as a diagram: one description, drawn with matplotlib or written as DOT / Mermaid.

Nodes are laid out in layers by their distance (in moves) from `start`, and
ordered within a layer by the mean position of the nodes that lead to them, so
most edges run downwards without crossing. Dead ends, jail loops and identity
gates are drawn in red; an edge is as thick as the share of calls that take it.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from phonejail.model.tree import Agent, Branch, Menu, Tree
from phonejail.textsafe import visible

DISCONNECT = "(disconnect)"
"""Where left-out targets lead: one shared end node in the drawing."""

STYLE = {  # kind: (box style for matplotlib, fill colour, DOT shape)
    "say": ("round,pad=0.3", "#e3f2fd", "box"),
    "menu": ("square,pad=0.3", "#fff3c4", "box"),
    "ask": ("sawtooth,pad=0.3", "#ede7f6", "parallelogram"),
    "branch": ("round4,pad=0.3", "#eeeeee", "diamond"),
    "self_service": ("round,pad=0.3", "#e0f2f1", "component"),
    "agent": ("round,pad=0.4", "#c8e6c9", "doubleoctagon"),
    "callback": ("round,pad=0.3", "#b3e5fc", "note"),
    "hangup": ("square,pad=0.3", "#cfd8dc", "octagon"),
    "handoff": ("rarrow,pad=0.3", "#fce4ec", "cds"),
    "end": ("circle,pad=0.2", "#ffcdd2", "point"),
    "undefined": ("square,pad=0.3", "#ffffff", "box"),
}
UNDEFINED = "undefined"
"""The kind drawn for a target that names no node (a broken tree, PJ004)."""
TRAP_RED = "#c62828"


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str
    flow: float


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[str, ...]
    kinds: dict[str, str]
    captions: dict[str, str]
    marks: dict[str, tuple[str, ...]]
    edges: tuple[Edge, ...]
    layers: dict[str, int]
    order: dict[str, float]


def _label(node_field: str, node: object, target: str | None) -> str:
    if node_field.startswith("key "):
        return node_field[4:]
    if node_field.startswith("when ") and isinstance(node, Branch):
        case = next((c for c in node.cases if f"when {c.test}" == node_field and c.to == target),
                    None)
        if case is not None and case.test == "chance":
            return f"{float(case.value):.0%}"
        return f"{case.test} {case.value}" if case is not None else node_field[5:]
    return "" if node_field == "next" else node_field


def describe(tree: Tree, marks: dict[str, tuple[str, ...]] | None = None,
             flow: dict[tuple[str, str | None], float] | None = None) -> Diagram:
    """The diagram of `tree`; `flow` gives edge widths, `marks` the nodes drawn in red."""
    marks = marks or {}
    flow = flow or {}
    edges: dict[tuple[str, str], list[str]] = {}
    for node in tree.nodes.values():
        for node_field, target in node.targets():
            dst = target if target is not None else DISCONNECT
            if isinstance(node, Agent) and target is None:
                continue  # an agent without a transfer ends the call; it does not drop it
            edges.setdefault((node.id, dst), []).append(_label(node_field, node, target))
    ids = list(tree.nodes)
    # A broken tree (drawn by `graph`) may name targets that are no node: each is drawn
    # once, in red, so the picture shows where the flow leads nowhere.
    undefined = sorted({dst for _, dst in edges if dst not in tree.nodes and dst != DISCONNECT}
                       | ({tree.start} - set(tree.nodes)))
    uses_disconnect = any(dst == DISCONNECT for _, dst in edges)
    if uses_disconnect:
        ids.append(DISCONNECT)
    ids += undefined
    kinds = {n.id: n.kind for n in tree.nodes.values()}
    kinds[DISCONNECT] = "end"
    marks = dict(marks)
    for name in undefined:
        kinds[name] = UNDEFINED
        marks[name] = ("PJ004",)
    captions = {}
    for node in tree.nodes.values():
        extra = f"\n{visible(node.queue)}" if isinstance(node, Agent) and node.queue else ""
        if isinstance(node, Menu):
            extra = f"\n{len(node.options)} options"
        captions[node.id] = f"{visible(node.id)}\n[{node.kind}]{extra}"
    captions[DISCONNECT] = "disconnect"
    for name in undefined:
        captions[name] = f"{name}\n[no such node]"
    layers = _layers(ids, edges, tree.start)
    order = _order(ids, edges, layers)
    built = tuple(
        Edge(src, dst, visible(", ".join(sorted(set(filter(None, labels)), key=str))),
             flow.get((src, None if dst == DISCONNECT else dst), 0.0))
        for (src, dst), labels in edges.items()
    )
    return Diagram(tuple(ids), kinds, captions, marks, built, layers, order)


def _layers(ids: list[str], edges: dict[tuple[str, str], list[str]], start: str
            ) -> dict[str, int]:
    succ: dict[str, list[str]] = {n: [] for n in ids}
    for src, dst in edges:
        succ[src].append(dst)
    layer = {start: 0}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for nxt in succ[here]:
            if nxt not in layer and nxt != DISCONNECT:
                layer[nxt] = layer[here] + 1
                queue.append(nxt)
    deepest = max(layer.values(), default=0)
    for n in ids:  # unreachable nodes below everything, the disconnect end at the bottom
        if n not in layer and n != DISCONNECT:
            layer[n] = deepest + 1
    if DISCONNECT in ids:
        layer[DISCONNECT] = max(layer.values()) + 1
    return layer


def _order(ids: list[str], edges: dict[tuple[str, str], list[str]], layers: dict[str, int]
           ) -> dict[str, float]:
    """Positions within each layer by the barycentre of predecessors (two sweeps)."""
    by_layer: dict[int, list[str]] = {}
    for n in ids:
        by_layer.setdefault(layers[n], []).append(n)
    position = {n: float(i) for members in by_layer.values() for i, n in enumerate(members)}
    preds: dict[str, list[str]] = {n: [] for n in ids}
    for src, dst in edges:
        if src != dst:
            preds[dst].append(src)
    for _ in range(2):
        for depth in sorted(by_layer)[1:]:
            members = by_layer[depth]

            def centre(n: str) -> float:
                above = [position[p] for p in preds[n] if layers[p] < layers[n]]
                return sum(above) / len(above) if above else position[n]

            members.sort(key=lambda n: (centre(n), position[n]))
            for i, n in enumerate(members):
                position[n] = i - (len(members) - 1) / 2
    return position


def draw(d: Diagram, title: str, use_dot: bool = True) -> Figure:
    """The diagram as a matplotlib figure, laid out as the page's interactive flow is
    (Graphviz dot, else the built-in layout): edges are routed around the boxes, never
    through one, and the picture matches the page."""
    from phonejail.report.interactive import LINE, layout  # it builds on this module

    drawing = layout(d, use_dot)
    scale = 1 / 72  # layout units are points
    width, height = max(drawing.width, 200.0), drawing.height + 60  # room for the title
    fig = Figure(figsize=(min(width * scale + 0.4, 60), min(height * scale + 0.4, 120)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(-10, width + 10)
    ax.set_ylim(drawing.height + 10, -50)
    flows = {(e.src, e.dst): e.flow for e in d.edges}
    for line in drawing.lines:
        src, dst = line.key.split(">", 1)
        red = d.kinds.get(dst) in ("end", UNDEFINED)
        colour = TRAP_RED if red else "#546e7a"
        width_pt = 0.7 + 6.0 * min(flows.get((src, dst), 0.0), 1.0)
        path = _svg_path(line.path)
        if path is None:
            continue
        ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=10,
                                     linewidth=width_pt, color=colour, alpha=0.85, zorder=2))
        if line.label and line.label_xy:
            shown = "↻" if line.src == line.dst else line.label
            ax.text(*line.label_xy, shown, fontsize=7.5, ha="center", va="center", zorder=4,
                    color="#37474f", bbox={"boxstyle": "round,pad=0.1", "facecolor": "white",
                                           "edgecolor": "none", "alpha": 0.85})
    for b in drawing.boxes:
        kind = d.kinds[b.node]
        trapped = b.node in d.marks and not b.copy
        _, fill, _ = STYLE[kind]
        ax.add_patch(FancyBboxPatch(
            (b.x - b.w / 2, b.y - b.h / 2), b.w, b.h,
            boxstyle=f"round,pad=0,rounding_size={_ROUNDING.get(kind, 6)}",
            facecolor=fill, edgecolor=TRAP_RED if trapped else "#455a64",
            linewidth=2.5 if trapped else 1.0, linestyle="--" if b.copy else "-", zorder=3))
        texts = _box_lines(d, b.node, b.copy)
        top = b.y - (len(texts) - 1) * LINE / 2
        for k, text in enumerate(texts):
            ax.text(b.x, top + k * LINE, text, ha="center", va="center", fontsize=8.5,
                    zorder=5, color=TRAP_RED if trapped else "#1c2330",
                    fontweight="bold" if k == 0 or (trapped and k == len(texts) - 1)
                    else "normal")
    ax.text(width / 2, -30, f"{visible(title)}: call flow\nred box: a trap (its rule on the "
            "box) or where a persona's jailed calls are lost (PJ105); edge width: share of "
            "calls", ha="center", va="center", fontsize=9, linespacing=1.5)
    return fig


_ROUNDING = {"menu": 0, "hangup": 0, "agent": 12, "end": 14, "branch": 3}


def _box_lines(d: Diagram, node: str, copy: bool) -> list[str]:
    from phonejail.report.interactive import _caption_lines

    return _caption_lines(d, node, copy)


def _svg_path(data: str) -> Path | None:
    """A matplotlib path from the SVG path data the layouts write (M, L, Q and C only)."""
    codes = {"M": (Path.MOVETO, 1), "L": (Path.LINETO, 1), "Q": (Path.CURVE3, 2),
             "C": (Path.CURVE4, 3)}
    vertices: list[tuple[float, float]] = []
    kinds: list[int] = []
    command = "M"
    pending = 0
    for token in data.replace(",", " , ").split():
        if token == ",":
            continue
        if token[0] in codes:
            command, token = token[0], token[1:]
            pending = 0
            if not token:
                continue
        value = float(token)
        if pending == 0:
            x = value
            pending = 1
            continue
        vertices.append((x, value))
        kinds.append(codes[command][0])
        pending = 0
    if len(vertices) < 2:
        return None
    return Path(vertices, kinds)


def _dot_quote(text: str) -> str:
    """A DOT quoted string: phonejail's own line breaks become `\\n`, anything else unsafe
    (a tree's control characters) is shown escaped first, so Graphviz sees no raw byte."""
    lines = [visible(line) for line in text.split("\n")]
    return '"' + "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"')
                             for line in lines) + '"'


def to_dot(d: Diagram, title: str) -> str:
    lines = [f"digraph {_dot_quote(title)} {{", "  rankdir=TB;",
             '  node [style="filled,rounded", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for n in d.nodes:
        _, fill, shape = STYLE[d.kinds[n]]
        caption = d.captions[n] + (f"\n{' '.join(d.marks[n])}" if n in d.marks else "")
        red = f', color="{TRAP_RED}", penwidth=3, fontcolor="{TRAP_RED}"' if n in d.marks else ""
        lines.append(f"  {_dot_quote(n)} [label={_dot_quote(caption)}, shape={shape}, "
                     f'fillcolor="{fill}"{red}];')
    for e in d.edges:
        attrs = [f"penwidth={0.7 + 6.0 * min(e.flow, 1.0):.2f}"]
        if e.label:
            attrs.append(f"label={_dot_quote(e.label)}")
        if d.kinds[e.dst] in ("end", UNDEFINED):
            attrs.append(f'color="{TRAP_RED}"')
        lines.append(f"  {_dot_quote(e.src)} -> {_dot_quote(e.dst)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


_MERMAID_SHAPES = {"say": ("(", ")"), "menu": ("[", "]"), "ask": ("[/", "/]"),
                   "branch": ("{", "}"), "self_service": ("[[", "]]"), "agent": ("([", "])"),
                   "callback": (">", "]"), "hangup": ("[(", ")]"), "end": ("((", "))"),
                   "handoff": ("[\\", "\\]"), "undefined": ("[", "]")}


_MERMAID_CODES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "%": "#37;",
                  "`": "#96;", "#": "#35;", "$": "#36;"}
"""Entity codes inside a quoted label: `"` and markup, `%` (so `%%{init: ...}%%` is no
directive), the backtick (no Markdown string), `$` (no KaTeX) and `#` itself (no code
is forged)."""


def _mermaid_text(text: str) -> str:
    # Quoted, every special character as an entity code; phonejail's line breaks are <br/>.
    lines = ["".join(_MERMAID_CODES.get(c, c) for c in visible(line))
             for line in text.split("\n")]
    return '"' + "<br/>".join(lines) + '"'


def to_mermaid(d: Diagram, title: str) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(d.nodes)}
    # The title is a YAML double-quoted string (JSON is one); `\x25` keeps `%%{` out of it.
    shown = json.dumps(visible(title), ensure_ascii=False).replace("%", "\\x25")
    lines = ["---", f"title: {shown}", "---", "flowchart TD"]
    for n in d.nodes:
        left, right = _MERMAID_SHAPES[d.kinds[n]]
        caption = d.captions[n] + (f"\n{' '.join(d.marks[n])}" if n in d.marks else "")
        lines.append(f"  {ids[n]}{left}{_mermaid_text(caption)}{right}")
    for k, e in enumerate(d.edges):
        label = f"|{_mermaid_text(e.label)}|" if e.label else ""
        lines.append(f"  {ids[e.src]} -->{label} {ids[e.dst]}")
        lines.append(f"  linkStyle {k} stroke-width:{0.7 + 6.0 * min(e.flow, 1.0):.1f}px"
                     + (f",stroke:{TRAP_RED}" if d.kinds[e.dst] in ("end", UNDEFINED) else ""))
    # Class names get a prefix: `end` and other Mermaid keywords cannot name a class.
    for kind, (_, fill, _) in STYLE.items():
        lines.append(f"  classDef kind_{kind} fill:{fill},stroke:#455a64")
    lines.append(f"  classDef trap fill:#ffebee,stroke:{TRAP_RED},stroke-width:3px,"
                 f"color:{TRAP_RED}")
    for n in d.nodes:
        lines.append(f"  class {ids[n]} {'trap' if n in d.marks else 'kind_' + d.kinds[n]}")
    return "\n".join(lines) + "\n"
