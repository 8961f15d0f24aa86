"""Strict, safe YAML reading that remembers where every value came from.

PyYAML's SafeLoader is the base (never the unsafe loader). On top of it:
- duplicate keys are errors (PyYAML silently keeps the last one);
- only `true`/`false` are booleans, so `NO` (Norway, or a product code) stays a string;
- numbers with a decimal point become `Decimal` from their source text, never float;
- merge keys (`<<`) are refused, since they hide where a value came from;
- every value's line and column is kept, so validation errors can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from engine.errors import Issue

Path_ = tuple[str | int, ...]


# libyaml's parser when PyYAML was built with it (5x faster on the disease lists); the
# constructor and resolver stay PyYAML's safe ones either way.
_SAFE_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_SAFE_BASE):
    """SafeLoader with YAML 1.2-style booleans and Decimal numbers."""


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 core forms only: no yes/no/on/off, no octal `010`, no base-60 `1:30`, no `.inf`.
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_STANDARD_TAGS = {
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a decimal number", node.start_mark
        ) from None
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a finite number", node.start_mark
        )
    return value


StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class YamlDocument:
    """A parsed YAML file: plain data plus the position of every value by its path."""

    file: str
    data: Any
    positions: dict[Path_, Position] = field(default_factory=dict)

    def locate(self, path: tuple[Any, ...]) -> Position | None:
        """Position of the deepest known node along `path`.

        Elements that are not keys in the file (pydantic adds union tags to its error
        locations) are skipped, so an error still lands on the nearest real line.
        """
        found = self.positions.get(())
        current: Path_ = ()
        for element in path:
            candidate = current + (element,)
            if candidate in self.positions:
                current = candidate
                found = self.positions[candidate]
        return found

    def file_path(self, path: tuple[Any, ...]) -> tuple[Any, ...]:
        """`path` without the elements that are not keys of the file (pydantic's union tags);
        the last element stays, since a missing or unknown key is not in the file either."""
        kept: list[Any] = []
        for index, element in enumerate(path):
            if tuple(kept) + (element,) in self.positions or index == len(path) - 1:
                kept.append(element)
        return tuple(kept)

    def issue(self, message: str, path: tuple[Any, ...] = ()) -> Issue:
        path = self.file_path(tuple(path))
        position = self.locate(path)
        return Issue(
            message=message,
            path=format_path(path),
            file=self.file,
            line=position.line if position else None,
            column=position.column if position else None,
        )


def format_path(path: tuple[Any, ...]) -> str:
    """Render a field path the way a product person reads it: `benefits[0].bands[1].rate`."""
    text = ""
    for element in path:
        if isinstance(element, int):
            text += f"[{element}]"
        else:
            text += ("." if text else "") + str(element)
    return text


def read_yaml(path: Path | str, display_name: str | None = None) -> tuple[YamlDocument, list[Issue]]:
    """Parse one YAML file strictly. Returns the document and every issue found."""
    path = Path(path)
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return YamlDocument(name, None), [Issue(f"cannot read file: {error}", file=name)]
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[YamlDocument, list[Issue]]:
    """Parse YAML text strictly (see module docstring)."""
    loader = StrictLoader(text)
    issues: list[Issue] = []
    document = YamlDocument(name, None)
    try:
        node = loader.get_single_node()
        if node is not None:
            document.data = _to_data(loader, node, (), document, issues)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        issues.append(
            Issue(
                message=f"invalid YAML: {error.problem or error.context}",
                file=name,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        )
    except yaml.YAMLError as error:
        issues.append(Issue(f"invalid YAML: {error}", file=name))
    finally:
        loader.dispose()
    return document, issues


def _to_data(loader, node, path: Path_, document: YamlDocument, issues: list[Issue], key_node=None) -> Any:
    # A mapping entry is located at its key, so an unknown or misspelt key points at itself.
    mark = (key_node or node).start_mark
    document.positions[path] = Position(mark.line + 1, mark.column + 1)
    if node.tag not in _STANDARD_TAGS:
        issues.append(document.issue(f"YAML tag {node.tag!r} is not allowed: plans hold plain data only", path))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                issues.append(document.issue("merge keys (<<) are not allowed in plans", path))
                continue
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                issues.append(document.issue(f"keys must be text, got {key!r}", path))
                continue
            if key in result:
                first = document.positions.get(path + (key,))
                issues.append(
                    Issue(
                        message=f"duplicate key {key!r} (first defined on line {first.line if first else '?'})",
                        path=format_path(path + (key,)),
                        file=document.file,
                        line=key_node.start_mark.line + 1,
                        column=key_node.start_mark.column + 1,
                    )
                )
                continue
            result[key] = _to_data(loader, value_node, path + (key,), document, issues, key_node)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_data(loader, item, path + (index,), document, issues)
            for index, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError) as error:  # e.g. the date 2024-02-30
        problem = getattr(error, "problem", None) or str(error)
        kind = "date" if node.tag.endswith(":timestamp") else "value"
        issues.append(document.issue(f"invalid {kind} {node.value!r}: {problem}", path))
        return None
