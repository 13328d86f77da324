"""Flows kept in infrastructure code: Terraform files and CloudFormation/SAM templates.

Many teams keep their Studio and Connect flows only inside the code that deploys
them. `read_template` finds each flow resource in a template and returns its
flow as JSON text placed at the lines it has in the file, so that every finding
points at the template's own line:

- Terraform (`.tf`): `aws_connect_contact_flow(_module)` `content` or `filename`,
  `twilio_studio_flows_v2` (or `twilio_studio_flow`) `definition`, written as
  `jsonencode({...})` (HCL object syntax, read by `phonejail.importers.hcl`), a
  heredoc, a string, `file(...)` or `templatefile(...)` (the named file is read,
  relative to the `.tf` file's folder; `${...}` in it is kept as an opaque
  string), or `local.NAME` naming one of those in a `locals` block of the file.
- CloudFormation/SAM (YAML or JSON): `AWS::Connect::ContactFlow(Module)`
  `Content`, a string or `!Sub`/`Fn::Sub` (string or [string, variables]).
  A block scalar (`|`) keeps its lines; a quoted or escaped string is one value
  whose inside lines are not the template's, so its findings go to its first line.

Nothing is evaluated or fetched: a flow given by a variable, a module input, an S3
include or an expression is listed as unreadable, with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from phonejail.fileio import InputError, read_capped
from phonejail.findings import Problem
from phonejail.importers import hcl
from phonejail.limits import MAX_FILE_BYTES

TERRAFORM_FLOWS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "aws_connect_contact_flow": ("connect", ("content", "filename"), None),
    "aws_connect_contact_flow_module": ("connect", ("content", "filename"), "MODULE"),
    "twilio_studio_flows_v2": ("twilio", ("definition",), None),
    "twilio_studio_flow": ("twilio", ("definition",), None),
}
"""Resource type -> (platform, attributes holding the flow, Connect type if fixed)."""
CLOUDFORMATION_FLOWS = {"AWS::Connect::ContactFlow": None,
                        "AWS::Connect::ContactFlowModule": "MODULE"}
"""Resource type -> Connect type if fixed by the type."""
TEMPLATE_SUFFIXES = (".tf", ".yaml", ".yml", ".json", ".template")

_TERRAFORM_MARK = re.compile(
    rb'resource\s+"(?:aws_connect_contact_flow(?:_module)?|twilio_studio_flows?(?:_v2)?)"')
_CLOUDFORMATION_MARK = re.compile(rb"AWS::Connect::ContactFlow(?:Module)?\b")
_MAX_LOCAL_HOPS = 10


@dataclass(frozen=True)
class EmbeddedFlow:
    """One flow resource of a template: its flow's JSON text, or why it cannot be read."""

    address: str
    """`TYPE.NAME` (Terraform) or the logical ID (CloudFormation)."""
    name: str | None
    """The flow's own name where the template gives it as plain text."""
    platform: str
    """'connect' or 'twilio'."""
    kind: str | None
    """Connect's flow type (CONTACT_FLOW, CUSTOMER_QUEUE, MODULE...), where given."""
    path: str
    """The file holding the flow's text: the template, or a file it names."""
    line: int
    column: int
    """Where the flow's value starts in `path` (an escaped string's findings go here)."""
    text: str = ""
    """The flow as JSON; with `exact`, each part at its line in `path`."""
    exact: bool = True
    problem: Problem | None = None
    """Why the flow cannot be read (a missing file, JSON that does not parse)."""

    def matches(self, wanted: str) -> bool:
        """`--flow NAME`: the address, the resource's own name, or the flow's name."""
        return wanted in (self.address, self.address.rsplit(".", 1)[-1], self.name)


@dataclass(frozen=True)
class Template:
    flows: tuple[EmbeddedFlow, ...]
    """The flows it holds, in the file's order."""
    unread: tuple[str, ...] = ()
    """Flow resources given by something phonejail does not evaluate (`var.content`)."""
    problems: tuple[Problem, ...] = ()
    """The template itself cannot be read (its syntax)."""


def mentions_flows(path: str | Path, data: bytes) -> bool:
    """True if a file may be a template with flow resources (a cheap test, for folders)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".tf":
        return _TERRAFORM_MARK.search(data) is not None
    if suffix in TEMPLATE_SUFFIXES:
        return _CLOUDFORMATION_MARK.search(data) is not None and b"Resources" in data
    return False


def read_template(data: bytes, path: str) -> Template:
    """Every flow resource of a Terraform file or CloudFormation template (never raises)."""
    if len(data) > MAX_FILE_BYTES:
        return Template((), problems=(Problem("PJ001", 1, 1, "file is larger than "
                                              f"{MAX_FILE_BYTES:,} bytes"),))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Template((), problems=(Problem("PJ001", line, 1, "not UTF-8 text"),))
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return Template((), problems=(Problem("PJ001", line, 1,
                                              "a NUL character: not a text template"),))
    if Path(path).suffix.lower() == ".tf":
        return _terraform(text, path)
    return _cloudformation(text, path)


# -- Terraform -------------------------------------------------------------------------


def _terraform(text: str, path: str) -> Template:
    try:
        body = hcl.parse(text)
    except hcl.HclError as exc:
        return Template((), problems=(Problem("PJ001", exc.line, exc.column,
                                              f"Terraform: {exc.message}"),))
    except RecursionError:
        return Template((), problems=(Problem("PJ001", 1, 1, "Terraform: nested too "
                                              "deeply to be read"),))
    local_values: dict[str, hcl.Value] = {}
    for block in body.blocks:
        if block.type == "locals":
            local_values.update(block.attributes)
    flows: list[EmbeddedFlow] = []
    unread: list[str] = []
    for block in body.blocks:
        if block.type != "resource" or len(block.labels) != 2:
            continue
        kind_of = TERRAFORM_FLOWS.get(block.labels[0])
        if kind_of is None:
            continue
        platform, attributes, fixed_kind = kind_of
        address = ".".join(block.labels)
        name = _plain(block.attributes.get("friendly_name" if platform == "twilio" else "name"))
        kind = fixed_kind or _plain(block.attributes.get("type"))
        value = next((block.attributes[a] for a in attributes if a in block.attributes), None)
        if value is None:
            line, column = hcl.position(text, block.at.start)
            flows.append(EmbeddedFlow(address, name, platform, kind, path, line, column,
                                      problem=Problem("PJ002", line, column, f"{address} has "
                                                      f"no `{attributes[0]}`")))
            continue
        is_file = "filename" in block.attributes and value is block.attributes["filename"]
        found = _terraform_flow(text, path, value, local_values, is_file)
        if isinstance(found, str):
            unread.append(f"{address}: {found}")
            continue
        flows.append(EmbeddedFlow(address, name, platform, kind, **found))
    return Template(tuple(flows), tuple(unread))


def _plain(value: hcl.Value | None) -> str | None:
    """A literal string without interpolation (a name phonejail can show), else None."""
    if isinstance(value, hcl.Literal) and isinstance(value.value, str) \
            and "${" not in value.value and value.value.strip():
        return value.value
    return None


def _terraform_flow(text: str, path: str, value: hcl.Value, local_values: dict[str, hcl.Value],
                    is_file: bool) -> dict[str, Any] | str:
    """The EmbeddedFlow fields for an attribute's value, or why it is not read (a str)."""
    line, column = hcl.position(text, value.at.start)
    for _ in range(_MAX_LOCAL_HOPS):
        if not (isinstance(value, hcl.Opaque) and re.fullmatch(r"local\.[\w-]+", value.source)):
            break
        named = local_values.get(value.source.split(".", 1)[1])
        if named is None:
            return f"`{value.source}` is not set in this file's `locals`"
        value = named
    where = {"path": path, "line": line, "column": column}
    if is_file:  # `filename = "flow.json"`: the path of the flow file
        return _from_file(path, value, where, template=False)
    if isinstance(value, hcl.Call) and value.name == "jsonencode" and len(value.args) == 1:
        inner = value.args[0]
        for _ in range(_MAX_LOCAL_HOPS):
            if isinstance(inner, hcl.Opaque) and re.fullmatch(r"local\.[\w-]+", inner.source):
                named = local_values.get(inner.source.split(".", 1)[1])
                if named is None:
                    break
                inner = named
        if isinstance(inner, hcl.Object | hcl.Tuple):
            return {**where, "text": hcl.to_json(text, inner)}
        return f"jsonencode({_short(inner)}) is an expression phonejail does not evaluate"
    if isinstance(value, hcl.Call) and value.name in ("file", "templatefile") and value.args:
        return _from_file(path, value.args[0], where, template=value.name == "templatefile")
    if isinstance(value, hcl.Literal) and isinstance(value.value, str):
        if value.heredoc and value.body is not None:
            # the heredoc's own lines, in place (they start a line; JSON does not mind
            # the indentation `<<-` would strip)
            start, end = value.body.start, value.body.end
            raw = "\n" * text.count("\n", 0, start) + text[start:end]
            return _placed(where, raw, hcl.position(text, start))
        return _placed(where, value.value, None)
    return f"`{_short(value)}` is an expression phonejail does not evaluate"


def _short(value: hcl.Value) -> str:
    source = value.source if isinstance(value, hcl.Opaque) else type(value).__name__.lower()
    return source if len(source) <= 60 else source[:57] + "..."


def _placed(where: dict[str, Any], body: str, exact_from: tuple[int, int] | None
            ) -> dict[str, Any]:
    """Fields for a flow given as text: `${...}` kept as strings; lines exact if placed."""
    try:
        flow_text = opaque_interpolations(body)
    except hcl.HclError as exc:
        line, column = (exc.line, exc.column) if exact_from else (where["line"], where["column"])
        return {**where, "problem": Problem("PJ002", line, column, exc.message)}
    return {**where, "text": flow_text, "exact": exact_from is not None}


def _from_file(path: str, argument: hcl.Value, where: dict[str, Any], template: bool
               ) -> dict[str, Any] | str:
    """A flow in a file a `.tf` names (`file`, `templatefile`, `filename`)."""
    if not (isinstance(argument, hcl.Literal) and isinstance(argument.value, str)):
        return f"the file name `{_short(argument)}` is an expression phonejail does not evaluate"
    folder = Path(path).parent
    module = re.compile(r"^\$\{\s*path\.(?:module|root|cwd)\s*\}/?")
    named = module.sub("", argument.value)
    if "${" in named:
        return f"the file name \"{argument.value}\" depends on values phonejail does not evaluate"
    target = Path(named) if Path(named).is_absolute() else folder / named
    try:
        data = read_capped(target)
    except InputError as exc:
        return {**where, "problem": Problem("PJ002", where["line"], where["column"],
                                            f"cannot read the flow's file {target}: "
                                            f"{exc.reason}")}
    if len(data) > MAX_FILE_BYTES:
        return {**where, "problem": Problem("PJ002", where["line"], where["column"],
                                            f"the flow's file {target} is larger than "
                                            f"{MAX_FILE_BYTES:,} bytes")}
    try:
        body = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {**where, "problem": Problem("PJ002", where["line"], where["column"],
                                            f"the flow's file {target} is not UTF-8 text")}
    fields: dict[str, Any] = {"path": str(target), "line": 1, "column": 1}
    if not template:
        return {**fields, "text": body}
    try:
        return {**fields, "text": opaque_interpolations(body)}
    except hcl.HclError as exc:
        return {**fields, "problem": Problem("PJ002", exc.line, exc.column, exc.message)}


def opaque_interpolations(text: str) -> str:
    """JSON text with each `${...}` outside a JSON string made a string (as written).

    `${...}` inside a string is left alone (it is part of a text). Template
    directives (`%{ if }`, `%{ for }`) outside strings change the JSON itself and
    cannot be read without evaluating them: an HclError at their line.
    """
    if "${" not in text and "%{" not in text:
        return text
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                out.append(text[i:i + 2])
                i += 2
                continue
            if c == '"':
                in_string = False
            out.append(c)
            i += 1
            continue
        if c == '"':
            in_string = True
        elif text.startswith(("${", "%{"), i):
            end, depth = i + 2, 1
            while end < n and depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            if depth:
                raise hcl.HclError(*hcl.position(text, i), "an interpolation `${` is never "
                                   "closed")
            if c == "%":
                raise hcl.HclError(*hcl.position(text, i), "a template directive "
                                   f"`{' '.join(text[i:end].split())}` shapes the JSON; "
                                   "phonejail does not evaluate templates")
            raw = text[i:end]
            out.append(json.dumps(" ".join(raw.split())) + "\n" * raw.count("\n"))
            i = end
            continue
        out.append(c)
        i += 1
    return "".join(out)


# -- CloudFormation --------------------------------------------------------------------


class TemplateLoader(yaml.SafeLoader):
    """Composes CloudFormation YAML: short-form tags (!Sub, !Ref, !GetAtt...) are kept on
    the nodes, never constructed; nothing but plain data is ever built."""


def _cloudformation(text: str, path: str) -> Template:
    if Path(path).suffix.lower() == ".json":
        # JSON is YAML's flow style, but YAML refuses tabs where JSON allows them; in valid
        # JSON a tab is never inside a string, so a space in its place changes nothing.
        text = text.replace("\t", " ")
    try:
        root = yaml.compose(text, Loader=TemplateLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Template((), problems=(Problem("PJ001", line, column, "template: "
                                              f"{exc.problem or exc}"),))
    except (yaml.YAMLError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return Template((), problems=(Problem("PJ001", 1, 1, f"template: {why}"),))
    resources = _get(root, "Resources")
    if not isinstance(resources, yaml.MappingNode):
        return Template(())
    flows: list[EmbeddedFlow] = []
    unread: list[str] = []
    for key, resource in resources.value:
        kind_node = _get(resource, "Type")
        resource_type = kind_node.value if isinstance(kind_node, yaml.ScalarNode) else None
        if resource_type not in CLOUDFORMATION_FLOWS:
            continue
        logical = str(key.value)
        properties = _get(resource, "Properties")
        name = _scalar(_get(properties, "Name"))
        kind = CLOUDFORMATION_FLOWS[resource_type] or _scalar(_get(properties, "Type"))
        content = _get(properties, "Content")
        if content is None:
            included = _get(properties, "Fn::Transform")
            unread.append(f"{logical}: " + ("its content is included from elsewhere "
                                            "(Fn::Transform, AWS::Include), which phonejail "
                                            "does not fetch" if included is not None
                                            else "no `Content`"))
            continue
        found = _content(text, path, content)
        if isinstance(found, str):
            unread.append(f"{logical}: {found}")
            continue
        flows.append(EmbeddedFlow(logical, name, "connect", kind, **found))
    return Template(tuple(flows), tuple(unread))


def _get(node: Any, key: str) -> Any:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _scalar(node: Any) -> str | None:
    """A plain text value (not `!Ref Name`), else None."""
    if isinstance(node, yaml.ScalarNode) and not node.tag.startswith("!") and node.value:
        return str(node.value)
    return None


def _content(text: str, path: str, node: Any) -> dict[str, Any] | str:
    """The flow's fields from a `Content` node: a string, `!Sub`, or `Fn::Sub`."""
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key = node.value[0][0].value
        if key == "Fn::Sub":
            node = node.value[0][1]
        else:
            return f"its content is `{key}`, which phonejail does not evaluate"
    elif isinstance(node, yaml.ScalarNode | yaml.SequenceNode) and node.tag.startswith("!") \
            and node.tag != "!Sub":
        return f"its content is `{node.tag}`, which phonejail does not evaluate"
    if isinstance(node, yaml.SequenceNode):  # Fn::Sub: [string, {variables}]
        if not node.value:
            return "its `Fn::Sub` list is empty"
        node = node.value[0]
    if not isinstance(node, yaml.ScalarNode):
        return "its content is not a string"
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    where = {"path": path, "line": line, "column": column}
    if node.style in ("|", ">"):
        # A block scalar: its lines in the template are the JSON's lines, in place.
        first = node.start_mark.line + 1
        starts = [m.start() for m in re.finditer("\n", text)]
        begin = starts[first - 1] + 1 if 0 < first <= len(starts) else len(text)
        end = node.end_mark.index
        raw = "\n" * first + text[begin:end]
        try:
            json.loads(opaque_interpolations(raw))
            return _placed(where, raw, (first + 1, 1))
        except (ValueError, hcl.HclError, RecursionError):
            if _parses(node.value):  # folded text that only reads once folded
                return _placed(where, node.value, None)
            return _placed(where, raw, (first + 1, 1))  # report the JSON error in place
    return _placed(where, str(node.value), None)


def _parses(text: str) -> bool:
    try:
        json.loads(opaque_interpolations(text))
        return True
    except (ValueError, hcl.HclError, RecursionError):
        return False
