"""JSON Schemas of every file the engine reads or writes, for editors and embedding systems.

The pydantic models give each file's shape. An editor also needs the names it may complete, so
the schemas are generated with `rules/` and `plans/` as loaded (`Vocabulary`): exclusion groups
and clauses, circumstance codes, disease lists and kinds, findings, offices and plan ids become
enums, and conditions (`require`, `when`, `applies_when`, `unless`) and disease `criteria`, free
YAML to the models, become typed objects whose keys are the condition fields of
`engine.vocabulary` with their values and operators. Every property carries a Chinese and
English description (`engine.schema_text`).

The loader stays the authority: the schemas reject what they can see (unknown keys and names,
wrong types and shapes), never what the loader accepts. After a change to `rules/`, run
`adjudicator schema` so editors know the new names (`check` warns while they are stale).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from engine.errors import PlanError
from engine.output import OutputError, write_atomic
from engine.findings import Finding
from engine.model.claim import Claim
from engine.model.decision import decision_schema
from engine.model.library import Library
from engine.model.plan import Plan
from engine.model.testcase import CaseFile
from engine.procedures import PROCEDURE_PATTERN
from engine.schema_text import CONDITION_KEYS, CONDITION_ZH, OPERATORS, describe
from engine.vocabulary import FIELDS, FieldSpec
from engine.yamlsource import read_yaml

CONDITION_PROPERTIES = {"require", "when", "applies_when", "unless", "among"}
IDENTIFIER = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$", "maxLength": 80}
ICD10_LIST = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 3, "maxLength": 16},
              "description": "ICD-10 编码或范围 / ICD-10 codes and ranges, e.g. [C00-C97, Z94.8]"}


@dataclass
class Vocabulary:
    """The names of `rules/` and `plans/` as loaded, that the schemas offer."""

    groups: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    circumstances: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    findings: dict[str, Finding] = field(default_factory=dict)
    offices: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)


def vocabulary(rules_dir: Path | str, plans_dir: Path | str) -> Vocabulary:
    """Names from the rule libraries (which must load) and the plan ids of `plans_dir`."""
    from engine.loader import read_library

    library, issues = read_library(Path(rules_dir))
    if issues:
        raise PlanError(issues)
    plans = set()
    for path in sorted(Path(plans_dir).rglob("*.yaml")):
        document, problems = read_yaml(path)
        if not problems and isinstance(document.data, dict) and isinstance(document.data.get("plan"), str):
            plans.add(document.data["plan"])
    return Vocabulary(
        groups=sorted(library.groups), clauses=sorted(library.exclusions), circumstances=sorted(library.circumstances),
        lists=sorted(library.disease_lists),
        kinds=sorted({entry.kind for d in library.disease_lists.values() for entry in d.entries if entry.kind}),
        findings=dict(sorted(library.findings.items())), offices=sorted(getattr(library, "offices", {}) or {}),
        plans=sorted(plans),
    )


def build_schemas(rules_dir: Path | str = "rules", plans_dir: Path | str = "plans") -> dict[str, dict]:
    """Every schema, by name, completed with the names of `rules_dir` and `plans_dir`."""
    names = vocabulary(rules_dir, plans_dir)
    return {
        "plan": _complete(Plan.model_json_schema(), names),
        "library": _complete(TypeAdapter(Library).json_schema(), names),
        "claim": _complete(Claim.model_json_schema(), names),
        "decision": decision_schema(),
        "cases": _complete(CaseFile.model_json_schema(), names),
    }


def write_schemas(folder: Path, rules_dir: Path | str = "rules", plans_dir: Path | str = "plans") -> list[Path]:
    if not folder.parent.is_dir():
        raise OutputError(f"{folder}: folder {folder.parent} does not exist (it is not created)")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {folder}: {error.strerror or error}") from None
    written = []
    for name, schema in build_schemas(rules_dir, plans_dir).items():
        path = folder / f"{name}.schema.json"
        write_atomic(path, schema_text(schema))
        written.append(path)
    return written


def schema_text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def stale_schemas(folder: Path, rules_dir: Path | str, plans_dir: Path | str) -> list[str]:
    """Names of the schemas in `folder` that differ from what `rules_dir` and `plans_dir` give."""
    stale = []
    for name, schema in build_schemas(rules_dir, plans_dir).items():
        path = folder / f"{name}.schema.json"
        if not path.is_file() or path.read_text(encoding="utf-8") != schema_text(schema):
            stale.append(path.name)
    return stale


# -- completing a model's schema -------------------------------------------------------------


def _complete(schema: dict, names: Vocabulary) -> dict:
    schema = copy.deepcopy(schema)
    defs = schema.setdefault("$defs", {})
    objects = [(name, definition) for name, definition in defs.items()] + [(schema.get("title", ""), schema)]
    uses_conditions = uses_criteria = False
    for object_name, definition in objects:
        for name, prop in (definition.get("properties") or {}).items():
            if name in CONDITION_PROPERTIES and _free_form(prop):
                _replace(prop, {"$ref": "#/$defs/Condition"})
                uses_conditions = True
            elif name == "criteria" and _free_form(prop):
                _replace(prop, {"$ref": "#/$defs/Criteria"})
                uses_criteria = True
            else:
                _names(object_name, name, prop, names)
            text = describe(object_name, name, prop.get("description"))
            if text:
                prop["description"] = text
    if uses_conditions or uses_criteria:
        defs.update(condition_defs(names, criteria=uses_criteria))
    return schema


def _free_form(prop: dict) -> bool:
    """A property the model leaves as any YAML (`Any`): no type of its own."""
    return not any(key in prop for key in ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"))


def _replace(prop: dict, typed: dict) -> None:
    kept = {key: prop[key] for key in ("title", "description") if key in prop}
    prop.clear()
    prop.update(typed, **kept)


def _enum(values: list[str]) -> dict:
    return {"enum": list(values)} if values else dict(IDENTIFIER)


def _names(object_name: str, name: str, prop: dict, names: Vocabulary) -> None:
    """Enums for the properties that name something of `rules/` or `plans/`."""
    if object_name in ("Exclusions", "ScopedExclusions") and name in ("groups", "clauses"):
        prop["items"] = _enum(names.groups if name == "groups" else names.clauses)
    elif object_name == "ExclusionLibrary" and name == "groups":
        prop["additionalProperties"] = {"type": "array", "items": _enum(names.clauses)}
    elif object_name == "DiseaseSelector" and name in ("list", "kind"):
        values = _enum(names.lists if name == "list" else names.kinds)
        _replace_type(prop, values)
    elif object_name in ("Enrolment", "Override") and name == "plan" and names.plans:
        _replace_type(prop, _enum(names.plans))
    elif name == "circumstances" and prop.get("type") == "array":
        prop["items"] = _enum(names.circumstances)
    elif object_name == "Member" and name == "office" and names.offices:
        # Claims may carry offices the plans do not name: offered, not enforced.
        prop["examples"] = list(names.offices)
    elif object_name == "Diagnosis" and name == "findings" and names.findings:
        prop.pop("additionalProperties", None)
        prop.pop("propertyNames", None)
        prop["properties"] = {key: _finding_value(finding, claim=True) for key, finding in names.findings.items()}
        prop["additionalProperties"] = False


def _replace_type(prop: dict, typed: dict) -> None:
    """`typed` in place of the property's type, keeping `null` where it was allowed."""
    nullable = any(option.get("type") == "null" for option in prop.get("anyOf", []))
    for key in ("type", "pattern", "maxLength", "minLength", "anyOf"):
        prop.pop(key, None)
    if nullable:
        prop["anyOf"] = [typed, {"type": "null"}]
    else:
        prop.update(typed)


# -- the condition language ------------------------------------------------------------------


def condition_defs(names: Vocabulary, criteria: bool) -> dict[str, dict]:
    """`Condition` (plans, exclusion clauses) and, for disease lists, `Criteria`, which adds the
    keys that classify one diagnosis (`finding`, `procedure`, `icd10`)."""
    defs = {"Condition": _condition(names, "Condition", criteria=False)}
    if criteria:
        defs["Criteria"] = _condition(names, "Criteria", criteria=True)
    return defs


def _condition(names: Vocabulary, ref: str, criteria: bool) -> dict:
    itself = {"$ref": f"#/$defs/{ref}"}
    properties: dict[str, Any] = {name: _field(spec, names) for name, spec in FIELDS.items()}
    codes = _enum(names.circumstances)
    properties.update({
        "all": {"type": "array", "minItems": 1, "items": itself, "description": CONDITION_KEYS["all"]},
        "any": {"type": "array", "minItems": 1, "items": itself, "description": CONDITION_KEYS["any"]},
        "not": dict(itself, description=CONDITION_KEYS["not"]),
        "circumstance": {"anyOf": [codes, _object({"any_of": {"type": "array", "minItems": 1, "items": codes,
                                                               "description": OPERATORS["any_of"]}}, required=["any_of"])],
                         "description": CONDITION_KEYS["circumstance"]},
        "diagnosis": dict(_object({"icd10": ICD10_LIST}, required=["icd10"]), description=CONDITION_KEYS["diagnosis"]),
    })
    if criteria:
        properties.update({
            "icd10": dict(ICD10_LIST, description=CONDITION_KEYS["icd10"]),
            "procedure": dict(_object({"icd9": {"type": "array", "minItems": 1, "description": OPERATORS["icd9"],
                                                "items": {"type": "string", "pattern": PROCEDURE_PATTERN.pattern}}},
                                      required=["icd9"]), description=CONDITION_KEYS["procedure"]),
            "finding": dict(_object({key: _finding_value(finding, claim=False) for key, finding in names.findings.items()},
                                    min_properties=1), description=CONDITION_KEYS["finding"]),
        })
    what = "判定标准 / disease criteria" if criteria else "条件 / condition"
    return dict(_object(properties, min_properties=1),
                description=f"{what}: every key must hold; fields, circumstance, diagnosis, all, any, not")


def _object(properties: dict, required: list[str] | None = None, min_properties: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    if min_properties:
        schema["minProperties"] = min_properties
    return schema


def _field(spec: FieldSpec, names: Vocabulary) -> dict:
    """A condition field: its value, or an object of operators on values."""
    if spec.kind == "enum":
        value = {"enum": list(spec.values)}
    elif spec.kind == "bool":
        value = {"type": "boolean"}
    elif spec.kind == "int":
        value = {"type": "integer"}
    elif spec.name == "office" and names.offices:
        value = {"enum": list(names.offices)}
    else:
        value = dict(IDENTIFIER)
    ordered = spec.kind == "int"
    description = f"{CONDITION_ZH.get(spec.name, spec.name)} / {spec.description}"
    return {"anyOf": [value, _operators(value, ordered, stated=False)], "description": description}


def _operators(value: dict, ordered: bool, stated: bool) -> dict:
    values = {"type": "array", "minItems": 1, "items": value}
    operators: dict[str, Any] = {"in": dict(values, description=OPERATORS["in"]),
                                 "not_in": dict(values, description=OPERATORS["not_in"]),
                                 "not": dict(value, description=OPERATORS["not"])}
    if ordered:
        operators["between"] = {"type": "array", "minItems": 2, "maxItems": 2, "items": value, "description": OPERATORS["between"]}
        for name in ("at_least", "at_most", "less_than", "more_than"):
            operators[name] = dict(value, description=OPERATORS[name])
    if stated:
        operators["stated"] = {"type": "boolean", "description": OPERATORS["stated"]}
    return _object(operators, min_properties=1)


def _number(value) -> int | float:
    """A finding's bound as a JSON number (bounds, not money: a float is exact enough here)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _finding_value(finding: Finding, claim: bool) -> dict:
    """What a claim states for a finding, or what a criterion tests it with."""
    definition = finding.definition
    if finding.type == "boolean":
        value: dict[str, Any] = {"type": "boolean"}
    elif finding.type == "text":
        value = {"type": "string", "minLength": 1}
    elif finding.type == "ordinal":
        value = {"enum": list(definition.values) + [int(v) for v in definition.values if v.isdigit()]}
    else:
        number: dict[str, Any] = {"type": "integer" if finding.type == "integer" else "number"}
        if definition.min is not None:
            number["minimum"] = _number(definition.min)
        if definition.max is not None:
            number["maximum"] = _number(definition.max)
        # claims often send numbers as text ("9.5"); the engine reads them exactly
        value = {"anyOf": [number, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]}
    description = f"{definition.title} / finding {finding.key} ({finding.type})"
    if claim:
        return dict(value, description=description)
    comparable = finding.type in ("integer", "decimal", "ordinal")
    return {"anyOf": [value, _operators(value, comparable, stated=True)], "description": description}
