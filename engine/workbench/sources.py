"""The YAML files of the plan set in force, for links from every item to its file and line.

Files are named as a product person finds them in the repository: `plans/<plan>/<rev>.yaml`
and `rules/<...>.yaml`. Rule libraries are read from the bytes the plan set was loaded from
(`RuleLibrary.files`), so their lines are those in force; a plan's lines come from the document
it was loaded from (`CompiledPlan.report`). The source page shows a plan file as it is on disk
now, and says so when it differs from the one in force (edited, not yet reloaded).

Only files of the loaded set can be named: a request can never read anything else.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from engine.api import Adjudicator
from engine.rules.compiler import CompiledPlan
from engine.yamlsource import YamlDocument, parse_yaml

MAX_SOURCE_BYTES = 4 * 1024 * 1024  # the YAML reader's own file limit


@dataclass(frozen=True)
class SourceLink:
    file: str  # plans/inpatient-medical/2024.yaml, rules/exclusions.yaml
    line: int | None

    @property
    def href(self) -> str:
        from urllib.parse import urlencode

        query = {"file": self.file} | ({"line": str(self.line)} if self.line else {})
        return "/source?" + urlencode(query)

    @property
    def label(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class SourceIndex:
    """Every file of one loaded plan set, and where each library item is written."""

    adjudicator: Adjudicator
    plan_files: dict[str, CompiledPlan] = field(default_factory=dict)  # name -> revision
    library_documents: dict[str, YamlDocument] = field(default_factory=dict)  # name -> parsed as loaded
    exclusion_paths: dict[str, tuple[str, tuple]] = field(default_factory=dict)  # clause id -> (file, path)
    group_paths: dict[str, tuple[str, tuple]] = field(default_factory=dict)
    list_files: dict[str, str] = field(default_factory=dict)  # disease list id -> file

    def plan_name(self, compiled: CompiledPlan) -> str:
        plans_dir = self.adjudicator.sources[0] if self.adjudicator.sources else None
        source = Path(compiled.source)
        try:
            relative = source.resolve().relative_to(Path(plans_dir).resolve()) if plans_dir else Path(source.name)
        except ValueError:
            relative = Path(source.name)
        return "plans/" + relative.as_posix()

    def plan_link(self, compiled: CompiledPlan, path: tuple = ()) -> SourceLink:
        line = None
        if compiled.report is not None:
            line = compiled.report("", tuple(path)).line
        return SourceLink(self.plan_name(compiled), line)

    def library_link(self, name: str, path: tuple = ()) -> SourceLink:
        document = self.library_documents.get(name)
        position = document.locate(tuple(path)) if document else None
        return SourceLink(name, position.line if position else None)

    def exclusion_link(self, clause_id: str) -> SourceLink | None:
        where = self.exclusion_paths.get(clause_id)
        return self.library_link(*where) if where else None

    def group_link(self, group: str) -> SourceLink | None:
        where = self.group_paths.get(group)
        return self.library_link(*where) if where else None

    def exclusion_data(self, clause_id: str) -> dict:
        where = self.exclusion_paths.get(clause_id)
        if not where:
            return {}
        return _at(self.library_documents[where[0]].data, where[1]) or {}

    def disease_entry_data(self, list_id: str, index: int) -> dict:
        name = self.list_files.get(list_id)
        if not name:
            return {}
        return _at(self.library_documents[name].data, ("entries", index)) or {}

    def text(self, name: str) -> tuple[str, str | None] | None:
        """The file's text and, for a plan file changed on disk since loading, a warning."""
        if name in self.library_documents:
            return self.adjudicator.library.files[name.removeprefix("rules/")].decode("utf-8"), None
        compiled = self.plan_files.get(name)
        if compiled is None:
            return None
        path = Path(compiled.source)
        try:
            data = path.read_bytes()[: MAX_SOURCE_BYTES + 1]
        except OSError as error:
            return "", f"the file cannot be read now: {error.strerror}"
        warning = None
        if hashlib.sha256(data + _library_digest(self.adjudicator)).hexdigest() != compiled.content_hash:
            warning = "此文件在加载后已修改，尚未重新加载：下面是磁盘上的当前内容，页面其他部分显示的是生效中的版本。"
        return data.decode("utf-8", errors="replace"), warning

    @property
    def names(self) -> list[str]:
        return sorted(self.plan_files) + sorted(self.library_documents)


def _at(data: Any, path: tuple) -> Any:
    for element in path:
        try:
            data = data[element]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _library_digest(adjudicator: Adjudicator) -> bytes:
    files = adjudicator.library.files
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    return digest.digest()


def _build(adjudicator: Adjudicator) -> SourceIndex:
    index = SourceIndex(adjudicator)
    for compiled in adjudicator.plans:
        index.plan_files[index.plan_name(compiled)] = compiled
    for relative, content in sorted(adjudicator.library.files.items()):
        name = "rules/" + relative
        document, _ = parse_yaml(content.decode("utf-8"), name)
        index.library_documents[name] = document
        data = document.data if isinstance(document.data, dict) else {}
        if data.get("kind") == "exclusions":
            for position, clause in enumerate(data.get("clauses") or []):
                if isinstance(clause, dict) and "id" in clause:
                    index.exclusion_paths[clause["id"]] = (name, ("clauses", position))
            for group in data.get("groups") or {}:
                index.group_paths[group] = (name, ("groups", group))
        elif data.get("kind") == "diseases" and "list" in data:
            index.list_files[data["list"]] = name
    return index


_CACHE: "WeakKeyDictionary[Adjudicator, SourceIndex]" = WeakKeyDictionary()
_LOCK = threading.Lock()


def source_index(adjudicator: Adjudicator) -> SourceIndex:
    """The index of a plan set, built once per loaded set (a reload brings a new adjudicator)."""
    with _LOCK:
        index = _CACHE.get(adjudicator)
        if index is None:
            index = _CACHE[adjudicator] = _build(adjudicator)
        return index
