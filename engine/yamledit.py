"""Edits to YAML text that leave everything else as the person wrote it.

`revise` and `test --update` change a few values in files people maintain by hand, with
comments, flow mappings, anchors and their own line breaks. Dumping the parsed data again would
lose all of that, so these helpers locate the nodes to change (PyYAML's composer gives each
node's start and end offsets) and replace only their text, keeping each scalar's quoting style.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from engine.yamlsource import parse_yaml

_PLAIN_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_./-]*$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `text`."""

    start: int
    end: int
    text: str


def compose(text: str) -> yaml.Node | None:
    """The node tree of a YAML text (positions only; values are read by `engine.yamlsource`)."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


def node_at(root: yaml.Node | None, path: tuple) -> yaml.Node | None:
    """The node at `path` (mapping keys by their text, sequence items by index), or None."""
    node = root
    for element in path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if isinstance(key, yaml.ScalarNode) and key.value == str(element)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(element, int) and element < len(node.value):
            node = node.value[element]
        else:
            return None
        if node is None:
            return None
    return node


def key_node_at(root: yaml.Node | None, path: tuple) -> yaml.Node | None:
    """The key node of the mapping entry at `path` (where the entry starts)."""
    parent = node_at(root, path[:-1])
    if not isinstance(parent, yaml.MappingNode):
        return None
    return next((key for key, _ in parent.value if isinstance(key, yaml.ScalarNode) and key.value == str(path[-1])), None)


def end_of(node: yaml.Node) -> int:
    """Where a node's own text ends. A block collection's end mark lies at the next token,
    past trailing comments and the next line's indentation, so it ends with its last item."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return end_of(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return end_of(node.value[-1])
    return node.end_mark.index


def apply(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def replace_node(node: yaml.Node, value: Any, key: yaml.Node | None = None, text: str | None = None) -> Edit:
    """An edit writing `value` in place of `node`, in the node's own style (quoting for a
    scalar, flow or block for a collection). A block collection that becomes flow (or empty)
    is written after its key (`lines: {}`), replacing the comments of the items it drops."""
    if isinstance(node, yaml.ScalarNode) and not isinstance(value, (dict, list)):
        if not node.style and isinstance(value, str) and _NUMBER.match(value):
            return Edit(node.start_mark.index, end_of(node), value)  # an amount written as a number stays one
        return Edit(node.start_mark.index, end_of(node), scalar(value, node.style))
    is_block = isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style
    if is_block and isinstance(value, dict) and value:
        return Edit(node.start_mark.index, end_of(node), render_block(value, node.start_mark.column))
    end = end_of(node)
    if is_block and key is not None and text is not None:
        colon = text.index(":", key.end_mark.index)
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if re.fullmatch(r"\s*(#.*)?", text[end:line_end]):
            end = line_end
        return Edit(colon + 1, end, " " + flow(value))
    return Edit(node.start_mark.index, end, flow(value))


def scalar(value: Any, style: str | None = '"') -> str:
    """A scalar as YAML text: numbers and dates plain; text plain where it reads back as the
    same text (and `style` allows), else double-quoted (JSON's escaping is valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    text = str(value)
    if style == "'" and "'" not in text and "\n" not in text:
        return f"'{text}'"
    if style in (None, "") and _reads_back_plain(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _reads_back_plain(text: str) -> bool:
    if not _PLAIN_WORD.match(text):
        return False
    document, issues = parse_yaml(f"x: [{text}]", "<scalar>")
    return not issues and document.data == {"x": [text]}


def flow(value: Any) -> str:
    """A value as one line of flow YAML: `{status: paid, amount: "12.00"}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(key, None)}: {flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return scalar(value, None)


def render_block(value: dict, indent: int) -> str:
    """A mapping as block YAML whose first line starts where the caller's cursor is and whose
    other lines are indented by `indent`; mappings of mappings stay block, the rest is flow."""
    lines = []
    for key, item in value.items():
        head = f"{scalar(key, None)}:"
        if isinstance(item, dict) and item and all(isinstance(v, dict) for v in item.values()):
            lines.append(head + "\n" + " " * (indent + 2) + render_block(item, indent + 2))
        else:
            lines.append(f"{head} {flow(item)}")
    return ("\n" + " " * indent).join(lines)
