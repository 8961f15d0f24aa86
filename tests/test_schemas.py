"""The JSON Schemas editors use: up to date with the models, named by every YAML file's
modeline, accepting every shipped file, and rejecting what the loader rejects."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from engine.schemas import write_schemas
from engine.yamlsource import read_yaml

ROOT = Path(__file__).resolve().parent.parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
SHIPPED = sorted(p for folder in ("plans", "rules", "fixtures/cases") for p in (ROOT / folder).rglob("*.yaml"))
# Cases whose claims are invalid on purpose (each expects the engine's error at a JSON path).
INVALID_ON_PURPOSE = {"claim-errors.yaml"}
BROKEN = sorted((ROOT / "fixtures" / "broken").glob("*.yaml"))


def as_editor_sees_it(data):
    """YAML data as a YAML 1.2 editor hands it to the schema: dates are strings."""
    if isinstance(data, dict):
        return {key: as_editor_sees_it(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_editor_sees_it(item) for item in data]
    if isinstance(data, (dt.date, dt.datetime)):
        return data.isoformat()
    return data


def validator_for(path: Path) -> jsonschema.Draft202012Validator:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path}: the first line must be a yaml-language-server modeline"
    schema_path = (path.parent / match.group(1)).resolve()
    schema = json.loads(schema_path.read_text(encoding="utf-8"), parse_float=Decimal)
    return jsonschema.Draft202012Validator(schema)


def test_the_schemas_on_disk_are_up_to_date(tmp_path):
    written = write_schemas(tmp_path, ROOT / "rules", ROOT / "plans")
    for path in written:
        assert path.read_text(encoding="utf-8") == (ROOT / "schemas" / path.name).read_text(encoding="utf-8"), \
            f"schemas/{path.name} is stale: run `adjudicator schema`"
    assert {path.name for path in written} == {f"{name}.schema.json" for name in ("plan", "library", "claim", "decision", "cases")}


@pytest.mark.parametrize("path", SHIPPED + BROKEN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_names_its_schema(path):
    validator_for(path)


@pytest.mark.parametrize("path", [p for p in SHIPPED if p.name not in INVALID_ON_PURPOSE], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_yaml_file_is_valid_against_its_schema(path):
    document, issues = read_yaml(path)
    assert issues == []
    errors = sorted(validator_for(path).iter_errors(as_editor_sees_it(document.data)), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


# Broken plans whose defect a schema can see, now that conditions are typed and the names of
# rules/ are enums; the others need the loader: dates that do not exist, cross-field rules,
# ICD-10 ranges, tags and merge keys the YAML reader refuses, and three-decimal numbers (JSON
# Schema's multipleOf is float-inexact in editors, so money numbers are checked by the loader;
# money strings by both).
SCHEMA_SEES = {"unknown-key", "unknown-key-nested", "wrong-type", "rate-above-one", "yes-is-not-true",
               "unknown-exclusion-group", "unknown-exclusion-clause", "unknown-condition-field", "unknown-circumstance"}


@pytest.mark.parametrize("name", sorted(SCHEMA_SEES))
def test_the_schema_rejects_what_the_loader_rejects(name):
    path = ROOT / "fixtures" / "broken" / f"{name}.yaml"
    document, _ = read_yaml(path)
    assert list(validator_for(path).iter_errors(as_editor_sees_it(document.data))), f"{name} passes the schema"


def edited(path: Path, old: str, new: str):
    text = path.read_text(encoding="utf-8")
    assert old in text
    from engine.yamlsource import parse_yaml

    document, issues = parse_yaml(text.replace(old, new, 1), str(path))
    assert issues == []
    return as_editor_sees_it(document.data)


@pytest.mark.parametrize("file, old, new", [
    ("plans/critical-illness/2024.yaml", "{list: critical-illness-mild}", "{list: critical-illness-mid}"),
    ("plans/critical-illness/2024.yaml", "when: {office: xizang}", "when: {office: xizng}"),
    ("plans/inpatient-medical/2024.yaml", "require: {age: {between: [16, 65]}}", "require: {age: {between: [16]}}"),
    ("plans/inpatient-medical/2024.yaml", "require: {designated: true}", "require: {designated: 1}"),
    ("plans/inpatient-medical/2024.yaml", "require: {employment: {not: retired}}", "require: {employment: {not: retird}}"),
    ("plans/inpatient-medical/2024.yaml", "require: {employment: {not: retired}}", "require: {employment: {at_least: retired}}"),
    ("rules/diseases/critical-illness-severe.yaml", "finding: {troponin_multiple: {at_least: 15}}", "finding: {troponin: {at_least: 15}}"),
    ("rules/diseases/critical-illness-severe.yaml", "finding: {troponin_multiple: {at_least: 15}}", "finding: {troponin_multiple: {atleast: 15}}"),
    ("rules/exclusions.yaml", "when: {circumstance: suicide}", "when: {circumstance: suicid}"),
    ("fixtures/cases/inpatient-medical-basics.yaml", "plan: inpatient-medical, units: 2", "plan: inpatient-medicl, units: 2"),
], ids=["disease-list", "office-in-a-condition", "between-needs-two", "boolean-field", "enum-value", "ordered-operator-on-an-enum",
        "finding-name", "finding-operator", "circumstance-in-a-clause", "plan-of-an-enrolment"])
def test_the_schema_rejects_a_misspelt_name_or_a_malformed_condition(file, old, new):
    path = ROOT / file
    assert not list(validator_for(path).iter_errors(edited(path, old, old)))
    assert list(validator_for(path).iter_errors(edited(path, old, new))), f"{new!r} passes the schema"


def test_conditions_are_typed_and_every_property_is_described_in_both_languages():
    from engine.schema_text import is_bilingual
    from engine.schemas import CONDITION_PROPERTIES

    for name in ("plan", "library", "cases", "claim"):
        schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        objects = dict(schema.get("$defs", {}), **{"(file)": schema})
        undescribed, free = [], []
        for object_name, definition in objects.items():
            for key, prop in (definition.get("properties") or {}).items():
                if not is_bilingual(prop.get("description", "")):
                    undescribed.append(f"{object_name}.{key}")
                if key in CONDITION_PROPERTIES | {"criteria"} and "$ref" not in prop and object_name not in ("Condition", "Criteria"):
                    free.append(f"{object_name}.{key}")
        assert not undescribed, f"{name}: add Chinese / English descriptions (engine/schema_text.py) for {undescribed}"
        assert not free, f"{name}: conditions left free-form: {free}"
    plan = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
    assert len([key for d in plan["$defs"].values() for key in d.get("properties", {})]) + len(plan["properties"]) > 100
    assert "hiv" in plan["$defs"]["Exclusions"]["properties"]["clauses"]["items"]["enum"]
    assert set(plan["$defs"]["Condition"]["properties"]) >= {"age", "office", "circumstance", "diagnosis", "all", "any", "not"}


def test_money_in_the_schema_has_at_most_two_decimals_and_is_never_negative():
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / "claim.schema.json").read_text(), parse_float=Decimal))
    money = validator.schema["$defs"]["CareCosts"]["properties"]["total"]
    check = jsonschema.Draft202012Validator(money)
    assert check.is_valid("1234.50") and check.is_valid(Decimal("12.35")) and check.is_valid(0)
    assert not check.is_valid("12.345") and not check.is_valid("-1.00") and not check.is_valid(Decimal("-1"))
    assert not check.is_valid("12,5") and not check.is_valid(True)
