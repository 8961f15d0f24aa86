"""Reading `rules/` and `plans/`: strict YAML -> pydantic models -> compiled plans.

Every issue in the rule libraries, then (once they load) every issue in every plan, is
collected before anything is raised, so `adjudicator check` shows them together, each with
file, line, column and field path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from decimal import Decimal
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from engine.conditions import ConditionParser, TRUE, conjoin, negate
from engine.diseases import DiseaseDefinition, DiseaseListDefinition
from engine.enrolment.rules import group_enrolment_issues
from engine.errors import Issue, PlanError
from engine.hints import did_you_mean
from engine.findings import Finding
from engine.model.library import (CircumstanceLibrary, DisabilityGrades, DiseaseList, ExclusionLibrary, FindingsLibrary, Library,
                                  OfficeLibrary)
from engine.model.plan import Plan
from engine.rules.compiler import CompiledPlan, ExclusionDefinition, RuleLibrary, compile_plan
from engine.yamlsource import YamlDocument, read_yaml

_LIBRARY = TypeAdapter(Library)


def load_library(rules_dir: Path | str) -> RuleLibrary:
    library, issues = read_library(Path(rules_dir))
    if issues:
        raise PlanError(issues)
    return library


def load_plans(plans_dir: Path | str, library: RuleLibrary) -> list[CompiledPlan]:
    plans, issues = read_plans(Path(plans_dir), library)
    if issues:
        raise PlanError(issues)
    return plans


def read_library(rules_dir: Path) -> tuple[RuleLibrary, list[Issue]]:
    """Load every `*.yaml` in `rules_dir`; returns what loaded and every issue found."""
    library = RuleLibrary()
    issues: list[Issue] = []
    files = sorted(rules_dir.rglob("*.yaml"))
    if not files:
        issues.append(Issue(f"no rule libraries (*.yaml) found in {rules_dir}"))
    issues += misnamed_yaml(rules_dir, "rule libraries")
    parsed: list[tuple[YamlDocument, Any]] = []
    for path in files:
        document, file_issues = read_yaml(path)
        issues.extend(file_issues)
        if file_issues:
            continue
        # Keyed by the path inside rules/, so the plan hash depends on content, not on where
        # the project was checked out.
        library.files[path.relative_to(rules_dir).as_posix()] = path.read_bytes()
        model = _validate(_LIBRARY, document, issues)
        if model is not None:
            parsed.append((document, model))

    # Circumstances first: exclusion clauses refer to them.
    for document, model in parsed:
        if isinstance(model, CircumstanceLibrary):
            for index, entry in enumerate(model.codes):
                if entry.code in library.circumstances:
                    issues.append(document.issue(f"circumstance {entry.code!r} is defined twice", ("codes", index, "code")))
                library.circumstances[entry.code] = entry.title
                if entry.effective_from is not None or entry.effective_to is not None:
                    library.circumstance_dates[entry.code] = (entry.effective_from, entry.effective_to)
    for document, model in parsed:
        if isinstance(model, OfficeLibrary):
            for index, office in enumerate(model.offices):
                if office.code in library.offices:
                    issues.append(document.issue(f"office {office.code!r} is defined twice", ("offices", index, "code")))
                library.offices[office.code] = office.title
    for document, model in parsed:
        if isinstance(model, FindingsLibrary):
            for index, definition in enumerate(model.findings):
                if definition.key in library.findings:
                    issues.append(document.issue(f"finding {definition.key!r} is defined twice", ("findings", index, "key")))
                library.findings[definition.key] = Finding(definition)
    for document, model in parsed:
        if isinstance(model, DisabilityGrades):
            if library.disability is not None:
                issues.append(document.issue("disability grades are defined twice", ("kind",)))
            library.disability = model
    for document, model in parsed:
        if isinstance(model, ExclusionLibrary):
            _add_exclusions(document, model, library, issues)
    lists = [(document, model) for document, model in parsed if isinstance(model, DiseaseList)]
    for document, model in sorted(lists, key=lambda pair: pair[1].extends is not None):  # a list before those extending it
        _add_disease_list(document, model, library, issues)
    return library, issues


def _add_disease_list(document: YamlDocument, model: DiseaseList, library: RuleLibrary, issues: list[Issue]) -> None:
    if model.list in library.disease_lists:
        issues.append(document.issue(f"disease list {model.list!r} is also defined in {library.disease_lists[model.list].file}", ("list",)))
        return
    parser = ConditionParser(document.issue, set(library.circumstances), library.code_sets,
                             findings=library.findings, procedure_sets=library.procedure_sets)
    definition = DiseaseListDefinition(model.list, model.title, model.source, document.file, document.issue)
    seen: dict[str, list[int]] = {}
    for index, entry in enumerate(model.entries):
        path = ("entries", index)
        overlapping = [other for other in seen.get(entry.id, []) if _overlap(model.entries[other], entry)]
        if overlapping:  # one id may be used again for another period (a definition changed for next year)
            issues.append(document.issue(f"entry id {entry.id!r} is already used by entry {overlapping[0]} of this list"
                                         f"{' for overlapping dates' if _dated(entry) or _dated(model.entries[overlapping[0]]) else ''}",
                                         path + ("id",)))
        seen.setdefault(entry.id, []).append(index)
        codes_flag = parser.code_list(entry.icd10, path + ("icd10",), own=True)
        criteria = TRUE if entry.criteria is None else parser.parse(entry.criteria, path + ("criteria",))
        code_set = library.code_sets.get(getattr(codes_flag, "name", ""))
        if code_set is None:
            continue  # its codes were reported
        definition.entries.append(DiseaseDefinition(
            list=model.list, id=entry.id, number=entry.number, name=entry.name, codes=code_set,
            criteria=criteria, kind=entry.kind, source=entry.source, file=document.file, path=path,
            effective_from=entry.effective_from, effective_to=entry.effective_to,
        ))
    issues.extend(parser.issues)
    if model.extends is not None:
        _inherit(document, model, definition, library, issues)
    library.disease_lists[model.list] = definition


def _inherit(document: YamlDocument, model: DiseaseList, definition: DiseaseListDefinition, library: RuleLibrary,
             issues: list[Issue]) -> None:
    """`extends: LIST`: the other list's entries (renamed into this list), less `remove` and those
    this list defines again, then this list's own entries."""
    base = library.disease_lists.get(model.extends)
    if base is None:
        issues.append(document.issue(f"unknown disease list {model.extends!r}{did_you_mean(model.extends, library.disease_lists)}",
                                     ("extends",)))
        return
    known = {entry.id for entry in base.entries}
    for index, entry_id in enumerate(model.remove):
        if entry_id not in known:
            issues.append(document.issue(f"{model.extends} has no entry {entry_id!r}{did_you_mean(entry_id, known)}", ("remove", index)))
    own = {entry.id for entry in definition.entries}
    inherited = [dataclasses.replace(entry, list=model.list) for entry in base.entries
                 if entry.id not in model.remove and entry.id not in own]
    definition.entries[:0] = inherited


def _add_exclusions(document: YamlDocument, model: ExclusionLibrary, library: RuleLibrary, issues: list[Issue]) -> None:
    parser = ConditionParser(document.issue, set(library.circumstances), library.code_sets)
    for index, clause in enumerate(model.clauses):
        if clause.id in library.exclusions:
            issues.append(document.issue(f"exclusion clause {clause.id!r} is defined twice", ("clauses", index, "id")))
        when = parser.parse(clause.when, ("clauses", index, "when"))
        unless = TRUE if clause.unless is None else parser.parse(clause.unless, ("clauses", index, "unless"))
        condition = when if clause.unless is None else conjoin(when, negate(unless))
        library.exclusions[clause.id] = ExclusionDefinition(clause.id, clause.title, condition, clause.effective_from, clause.effective_to)
    issues.extend(parser.issues)
    for group, members in model.groups.items():
        for index, clause_id in enumerate(members):
            if clause_id not in library.exclusions:
                issues.append(document.issue(f"group {group!r} names unknown clause {clause_id!r}"
                                             f"{did_you_mean(clause_id, library.exclusions)}", ("groups", group, index)))
        if group in library.groups:
            issues.append(document.issue(f"exclusion group {group!r} is defined twice", ("groups", group)))
        library.groups[group] = list(members)


def _dated(entry) -> bool:
    return entry.effective_from is not None or entry.effective_to is not None


def _overlap(first, second) -> bool:
    """Whether two dated entries are in force on some common day (None: open)."""
    start = max(first.effective_from or dt.date.min, second.effective_from or dt.date.min)
    end = min(first.effective_to or dt.date.max, second.effective_to or dt.date.max)
    return start <= end


def misnamed_yaml(folder: Path, what: str) -> list[Issue]:
    """YAML files that would be silently skipped (`2025.yml`, `2025.YAML`): an error each, so a
    revision saved under the wrong name never leaves the old one paying unnoticed."""
    return [Issue(f"{what} end in .yaml; rename it to {path.stem}.yaml (a {path.suffix} file is not read)", file=str(path))
            for path in sorted(folder.rglob("*")) if path.suffix.lower() in (".yml", ".yaml") and path.suffix != ".yaml"]


def read_plans(plans_dir: Path, library: RuleLibrary) -> tuple[list[CompiledPlan], list[Issue]]:
    plans: list[CompiledPlan] = []
    issues: list[Issue] = []
    files = sorted(plans_dir.rglob("*.yaml"))
    if not files:
        issues.append(Issue(f"no plans (*.yaml) found in {plans_dir}"))
    issues += misnamed_yaml(plans_dir, "plan files")
    library_digest = hashlib.sha256()
    for name in sorted(library.files):
        library_digest.update(name.encode() + b"\0" + library.files[name])
    for path in files:
        document, file_issues = read_yaml(path)
        issues.extend(file_issues)
        if file_issues:
            continue
        plan = _validate(Plan, document, issues)
        if plan is None:
            continue
        views = library_views(plan, library)
        compiled_views: list[tuple[dt.date | None, RuleLibrary, list]] = []
        plan_issues: list[Issue] = []
        for day, view in views:
            rules, view_issues = compile_plan(plan, view, document.issue)
            view_issues = [_not_in_force(issue, view) for issue in view_issues]
            plan_issues += [issue for issue in view_issues if issue not in plan_issues]
            compiled_views.append((day, view, rules))
        plan_issues += group_enrolment_issues(plan, library, document.issue)
        issues.extend(plan_issues)
        if plan_issues:
            continue
        content_hash = hashlib.sha256(path.read_bytes() + library_digest.digest()).hexdigest()
        (_, first_view, first_rules), *later = compiled_views
        compiled = CompiledPlan(plan=plan, source=str(path), content_hash=content_hash, rules=first_rules, library=first_view,
                                report=document.issue)
        compiled.segments = [(day, CompiledPlan(plan=plan, source=str(path), rules=rules, library=view, report=document.issue,
                                                content_hash=hashlib.sha256(f"{content_hash}@{day}".encode()).hexdigest()))
                             for day, view, rules in later]
        plans.append(compiled)
    seen: dict[tuple[str, str], str] = {}
    for compiled in plans:
        key = (compiled.plan.plan, compiled.plan.revision)
        if key in seen:
            issues.append(Issue(f"plan {key[0]} revision {key[1]} is also defined in {seen[key]}", file=compiled.source))
        seen[key] = compiled.source
    return plans, issues


def _not_in_force(issue: Issue, view: RuleLibrary) -> Issue:
    """An unknown circumstance that the whole library knows is one not in force on the view's day: say so."""
    match = re.match(r"unknown circumstance '([^']+)'", issue.message)
    if view.whole is None or match is None or match.group(1) not in view.whole.circumstances:
        return issue
    start, end = view.whole.circumstance_dates.get(match.group(1), (None, None))
    dates = f"in force {'from ' + str(start) if start else 'from the start'} {'to ' + str(end) if end else 'on'}"
    return dataclasses.replace(issue, message=f"circumstance {match.group(1)!r} is not in force for terms starting "
                                              f"{view.as_of_date} ({dates}), within this revision's dates")


def library_views(plan: Plan, library: RuleLibrary) -> list[tuple[dt.date | None, RuleLibrary]]:
    """The libraries a plan revision is compiled on: the library as it stands on the revision's
    first day, then as it stands on each later day within the revision's dates on which a dated
    entry starts or ends. An undated library is a single view, the library itself."""
    days = library.change_dates()
    if not days:
        return [(None, library)]
    end = plan.effective_to or dt.date.max
    return [(plan.effective_from, library.as_of(plan.effective_from))] + [
        (day, library.as_of(day)) for day in days if plan.effective_from < day <= end]


def _validate(model: Any, document: YamlDocument, issues: list[Issue]):
    """Validate `document.data` against a pydantic model or adapter, locating each error."""
    validate = model.validate_python if isinstance(model, TypeAdapter) else model.model_validate
    try:
        return validate(document.data)
    except ValidationError as error:
        root = model if isinstance(model, type) else None
        for detail in error.errors(include_url=False):
            issues.append(document.issue(_message(detail, root), detail["loc"]))
        return None


def _message(detail: dict, root: type[BaseModel] | None) -> str:
    """pydantic's message, rephrased where a product person needs more than it says."""
    kind, loc = detail["type"], detail["loc"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1]) if root else []
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"unknown key {loc[-1]!r}{did_you_mean(loc[-1], allowed)}{hint}"
    if kind == "missing":
        return "this field is required"
    message = detail["msg"].removeprefix("Value error, ")
    given = detail.get("input")
    if kind == "string_type" and isinstance(given, (int, Decimal)) and not isinstance(given, bool):
        return f"YAML reads {given} as a number, and this is text: quote it, \"{given}\""
    if kind != "value_error" and not isinstance(given, (dict, list)) and given is not None:
        message += f" (got {given})"
    return message


def _allowed_keys(model: Any, loc: tuple) -> list[str]:
    """Field names of the model found by walking `loc` from `model` (best effort)."""
    candidates = [model]
    for element in loc:
        next_candidates = []
        for candidate in candidates:
            for inner in _unwrap(candidate):
                if isinstance(element, str) and isinstance(inner, type) and issubclass(inner, BaseModel):
                    if element in inner.model_fields:
                        next_candidates.append(inner.model_fields[element].annotation)
                    elif _tagged(inner, element):  # a union tag such as `per_day` picks its model
                        next_candidates.append(inner)
                elif isinstance(element, int):
                    args = typing.get_args(inner)
                    if typing.get_origin(inner) in (list, tuple) and args:
                        next_candidates.append(args[0])
                    elif typing.get_origin(inner) is dict and len(args) == 2:
                        next_candidates.append(args[1])
        candidates = next_candidates or candidates
    keys: list[str] = []
    for candidate in candidates:
        for inner in _unwrap(candidate):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                keys.extend(k for k in inner.model_fields if k not in keys)
    return keys


def _tagged(model: type[BaseModel], tag: str) -> bool:
    """Whether `tag` is the value of one of the model's Literal fields (its union tag)."""
    for field in model.model_fields.values():
        if typing.get_origin(field.annotation) is typing.Literal and tag in typing.get_args(field.annotation):
            return True
    return False


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]
