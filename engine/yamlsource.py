"""Strict, safe YAML reading that remembers where every value came from.

PyYAML's SafeLoader is the base (never the unsafe loader). On top of it:
- duplicate keys are errors (PyYAML silently keeps the last one);
- only `true`/`false` are booleans, so `NO` (Norway, or a product code) stays a string;
- numbers with a decimal point become `Decimal` from their source text, never float;
- merge keys (`<<`) are refused, since they hide where a value came from;
- every value's line and column is kept, so validation errors can point at it;
- it is bounded (README, "Limits"): file size, values (aliases expanded), alias uses, values
  produced by aliases, and nesting depth; a file past a limit is one located issue, read no
  further, so a hostile 3 KB file cannot take gigabytes or a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from engine.errors import Issue, encoding_guess, quoted

Path_ = tuple[str | int, ...]

MAX_YAML_BYTES = 4 * 1024 * 1024  # the largest shipped file is about 80 KB
MAX_YAML_NODES = 200_000  # values after alias expansion (the largest shipped file has about 3,300)
MAX_YAML_ALIASES = 1_000  # alias uses (`*name`) in one file
MAX_YAML_ALIAS_NODES = 50_000  # values produced by expanding aliases
MAX_YAML_DEPTH = 32  # nesting of mappings and lists (shipped files reach 10)


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
            None, None, f"{quoted(text)} is not a decimal number", node.start_mark
        ) from None
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(
            None, None, f"{quoted(text)} is not a finite number", node.start_mark
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


class LimitExceeded(Exception):
    """A file went past one of the reader's limits; the issue says which, where."""

    def __init__(self, issue: Issue):
        self.issue = issue


def read_yaml(path: Path | str, display_name: str | None = None) -> tuple[YamlDocument, list[Issue]]:
    """Parse one YAML file strictly. Returns the document and every issue found."""
    path = Path(path)
    name = display_name or str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_YAML_BYTES + 1)  # never more, whatever the file claims to be
    except OSError as error:
        return YamlDocument(name, None), [Issue(f"cannot read file: {error.strerror or error}", file=name)]
    if len(raw) > MAX_YAML_BYTES:
        return YamlDocument(name, None), [Issue(f"file is larger than {MAX_YAML_BYTES:,} bytes; not read", file=name)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return YamlDocument(name, None), [undecodable(error, raw, name)]
    return parse_yaml(text, name)


def undecodable(error: UnicodeDecodeError, raw: bytes, name: str) -> Issue:
    """Where a file stops being UTF-8: line, column, byte offset and the offending byte."""
    line = raw.count(b"\n", 0, error.start) + 1
    column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
    guess = encoding_guess(raw)
    return Issue(f"not UTF-8: byte 0x{raw[error.start]:02x} at byte offset {error.start} ({error.reason}); "
                 + (f"{guess}: " if guess else "") + "save the file as UTF-8", file=name, line=line, column=column)


def parse_yaml(text: str, name: str) -> tuple[YamlDocument, list[Issue]]:
    """Parse YAML text strictly (see module docstring)."""
    loader = StrictLoader(text)
    issues: list[Issue] = []
    document = YamlDocument(name, None)
    try:
        node = loader.get_single_node()
        if node is not None:
            document.data = _Builder(loader, document, issues).data(node, ())
    except LimitExceeded as exceeded:
        document.data = None
        issues = [exceeded.issue]
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


class _Builder:
    """Composed nodes -> plain data with positions, within the limits. An alias is the anchored
    node met again: expanding it costs what it holds, so aliases are counted and a node met
    again inside itself (`&a [*a]`) is refused."""

    def __init__(self, loader, document: YamlDocument, issues: list[Issue]):
        self.loader, self.document, self.issues = loader, document, issues
        self.seen: set[int] = set()  # nodes built at least once
        self.open: set[int] = set()  # nodes being built (an alias of one refers to itself)
        self.nodes = self.aliases = self.alias_nodes = 0

    def data(self, node, path: Path_, key_node=None, alias_at: Path_ | None = None) -> Any:
        """`alias_at`: the path of the alias being expanded, if any (where its cost is reported)."""
        document = self.document
        # A mapping entry is located at its key, so an unknown or misspelt key points at itself;
        # an alias in a list at the list (the parser keeps no position of the alias itself).
        if key_node is None and path and id(node) in self.seen and alias_at is None:
            document.positions[path] = document.positions[path[:-1]]
        else:
            mark = (key_node or node).start_mark
            document.positions[path] = Position(mark.line + 1, mark.column + 1)
        if alias_at is None and id(node) in self.seen:
            alias_at = path
        self._count(node, path, alias_at)
        if node.tag not in _STANDARD_TAGS:
            self.issues.append(document.issue(f"YAML tag {quoted(node.tag)} is not allowed: plans hold plain data only", path))
            return None
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, alias_at)
            return [self.data(item, path + (index,), None, alias_at) for index, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _count(self, node, path: Path_, alias_at: Path_ | None) -> None:
        if id(node) in self.open:
            raise LimitExceeded(self.document.issue("this alias refers to itself (a recursive alias never ends)", path))
        if len(path) > MAX_YAML_DEPTH:
            raise LimitExceeded(self.document.issue(f"nested deeper than {MAX_YAML_DEPTH} levels", path))
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise LimitExceeded(self.document.issue(f"the file holds more than {MAX_YAML_NODES:,} values (aliases expanded)", path))
        if alias_at is None:
            return
        if alias_at == path:
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise LimitExceeded(self.document.issue(f"more than {MAX_YAML_ALIASES:,} aliases (*name) in one file", path))
        self.alias_nodes += 1
        if self.alias_nodes > MAX_YAML_ALIAS_NODES:
            raise LimitExceeded(self.document.issue(
                f"aliases (*name) expand to more than {MAX_YAML_ALIAS_NODES:,} values; write the values out or use fewer aliases",
                alias_at))

    def _mapping(self, node, path: Path_, alias_at: Path_ | None) -> dict:
        document, issues = self.document, self.issues
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                issues.append(document.issue("merge keys (<<) are not allowed in plans", path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(document.issue("keys must be text, not a list or mapping", path))
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, (str, int)):
                issues.append(document.issue(f"keys must be text, got {quoted(key)}", path))
                continue
            if key in result:
                first = document.positions.get(path + (key,))
                issues.append(
                    Issue(
                        message=f"duplicate key {quoted(key)} (first defined on line {first.line if first else '?'})",
                        path=format_path(path + (key,)),
                        file=document.file,
                        line=key_node.start_mark.line + 1,
                        column=key_node.start_mark.column + 1,
                    )
                )
                continue
            result[key] = self.data(value_node, path + (key,), key_node, alias_at)
        return result

    def _scalar(self, node, path: Path_) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as error:  # e.g. the date 2024-02-30
            problem = getattr(error, "problem", None) or str(error)
            kind = "date" if node.tag.endswith(":timestamp") else "value"
            self.issues.append(self.document.issue(f"invalid {kind} {quoted(node.value)}: {problem[:200]}", path))
            return None
