"""The condition language of plans and rule libraries, and its intermediate form.

In YAML a condition is a mapping. Several keys in one mapping must all hold.

    age: {between: [16, 65]}                 # inclusive
    employment: {not: retired}
    medical_insurance: urban_employee        # equality
    office: {in: [lanzhou, zunyi]}           # also not_in
    days_from_first_continuous_start: {less_than: 90}   # also at_least, at_most, more_than
    circumstance: suicide                    # or {any_of: [drunk_driving, unlicensed_driver]}
    diagnosis: {icd10: [B20-B24, Z21]}       # some diagnosis of the claim is in the list
    all: [COND, ...]    any: [COND, ...]    not: COND

Disease criteria (`rules/diseases/*.yaml`) classify one diagnosis and may also use:

    icd10: [C73]                             # this diagnosis's own code is in the list
    finding: {lvef: {less_than: 50}}         # a finding of this diagnosis (rules/findings.yaml)
    finding: {limbs_lost: {stated: false}}   # the report does not state it
    procedure: {icd9: ["36.1"]}              # some procedure of the event has this prefix

Parsing yields a small tree (`Compare`, `Flag`, `All`, `AnyOf`) that both evaluators read: the
durable_rules compiler (`engine.rules.durable`) and the plain-Python evaluator
(`engine.rules.python_eval`). Circumstances and code lists become presence flags in the fact,
so negation needs no list scans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import eq, ge, gt, le, lt, ne
from decimal import Decimal
from typing import Any, Callable, Union

from engine.errors import Issue
from engine.hints import did_you_mean
from engine.findings import Finding
from engine.icd import CodeSet, parse_spec
from engine.procedures import ProcedureSet, parse_procedure
from engine.vocabulary import FIELDS

Scalar = Union[int, str]
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # the shape of codes in claims (model.types.Identifier)


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # eq neq lt lte gt gte
    value: Scalar


@dataclass(frozen=True)
class Flag:
    """A presence flag in the fact: a circumstance (`ci_*`) or a code list hit (`dx_*`)."""

    name: str
    present: bool = True


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...]


Condition = Union[Compare, Flag, All, AnyOf]

TRUE = All(())

_NEGATED_OP = {"eq": "neq", "neq": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt"}


_COMPARE = {"eq": eq, "neq": ne, "lt": lt, "lte": le, "gt": gt, "gte": ge}


def compares(condition: Compare, value: Scalar | None) -> bool:
    """A comparison as durable_rules makes it: a missing value, or a number against text (or
    text against a number), never matches. Both Python evaluators use this one definition."""
    if value is None or isinstance(value, str) != isinstance(condition.value, str):
        return False
    return _COMPARE[condition.op](value, condition.value)


def leading_flag(condition: Condition) -> str | None:
    """The presence flag a condition requires first (a disease rule's own code list), if any:
    evaluators group rules under it so a fact is tested only against rules its codes can meet."""
    first = condition.items[0] if isinstance(condition, All) and condition.items else condition
    return first.name if isinstance(first, Flag) and first.present else None


def negate(condition: Condition) -> Condition:
    """Push a negation down to the leaves (De Morgan), so evaluators need no `not`."""
    if isinstance(condition, Compare):
        return Compare(condition.field, _NEGATED_OP[condition.op], condition.value)
    if isinstance(condition, Flag):
        return Flag(condition.name, not condition.present)
    if isinstance(condition, All):
        return AnyOf(tuple(negate(item) for item in condition.items))
    return All(tuple(negate(item) for item in condition.items))


def conjoin(*conditions: Condition) -> Condition:
    """All of the given conditions, flattening nested `All`s."""
    items: list[Condition] = []
    for condition in conditions:
        if isinstance(condition, All):
            items.extend(condition.items)
        else:
            items.append(condition)
    return items[0] if len(items) == 1 else All(tuple(items))


def walk(condition: Condition):
    """Every node of the tree, depth first."""
    yield condition
    if isinstance(condition, (All, AnyOf)):
        for item in condition.items:
            yield from walk(item)


def circumstance_flag(code: str) -> str:
    return f"ci_{code}"


class Labels:
    """How flags and values read in explanations: code lists by their codes, findings decoded."""

    def __init__(self, code_sets=None, procedure_sets=None, findings=None):
        self.code_sets = code_sets or {}
        self.procedure_sets = procedure_sets or {}
        self.findings_by_fact = {finding.fact_key: finding for finding in (findings or {}).values()}

    def flag(self, name: str, present: bool) -> str:
        if name.startswith("ci_"):
            text = f"circumstance {name[3:]}"
        elif name.startswith("co_"):
            text = f"this diagnosis in [{self.code_sets.get(name, name)}]"
        elif name.startswith("dx_"):
            text = f"some diagnosis in [{self.code_sets.get(name, name)}]"
        elif name.startswith("pr_"):
            text = f"procedure [{self.procedure_sets.get(name, name)}]"
        elif name in self.findings_by_fact:
            return f"{name[2:]} {'stated' if present else 'not stated'}"
        else:
            text = name
        return text if present else f"no {text}"

    def field(self, name: str) -> str:
        return name[2:] if name in self.findings_by_fact else name

    def value(self, name: str, value: Scalar) -> str:
        finding = self.findings_by_fact.get(name)
        return finding.decode(value) if finding else str(value)


SYMBOLS = {"eq": "=", "neq": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def describe(condition: Condition, labels: Labels | None = None) -> str:
    """A compact human rendering, for explanations and `check` output."""
    labels = labels or Labels()
    if isinstance(condition, Compare):
        return f"{labels.field(condition.field)} {SYMBOLS[condition.op]} {labels.value(condition.field, condition.value)}"
    if isinstance(condition, Flag):
        return labels.flag(condition.name, condition.present)
    if not condition.items:
        return "always" if isinstance(condition, All) else "never"
    joiner = " and " if isinstance(condition, All) else " or "
    return "(" + joiner.join(describe(item, labels) for item in condition.items) + ")"


# ---------------------------------------------------------------------------------------------
# Parsing YAML conditions


class ConditionParser:
    """Turns YAML condition data into a `Condition`, reporting issues at their YAML paths."""

    COMPARATORS = {"at_least": "gte", "at_most": "lte", "less_than": "lt", "more_than": "gt"}

    def __init__(
        self,
        report: Callable[[str, tuple], Issue],
        known_circumstances: set[str],
        code_sets: dict[str, CodeSet],
        findings: dict[str, Finding] | None = None,
        procedure_sets: dict[str, ProcedureSet] | None = None,
        offices: set[str] | None = None,
    ):
        self._report = report
        self._circumstances = known_circumstances
        self.code_sets = code_sets  # filled as lists are met; flag name -> CodeSet
        self.findings = findings  # given only where diagnoses are classified (disease criteria)
        self.procedure_sets = procedure_sets if procedure_sets is not None else {}
        self.offices = offices  # rules/offices.yaml, when the library has one
        self.issues: list[Issue] = []

    @property
    def classifies_diagnoses(self) -> bool:
        return self.findings is not None

    def parse(self, data: Any, path: tuple) -> Condition:
        if not isinstance(data, dict) or not data:
            return self._fail("a condition must be a mapping such as {age: {between: [16, 65]}}", path)
        parts = [self._parse_key(key, value, path + (key,)) for key, value in data.items()]
        return conjoin(*parts)

    def _fail(self, message: str, path: tuple) -> Condition:
        self.issues.append(self._report(message, path))
        return TRUE

    def _parse_key(self, key: str, value: Any, path: tuple) -> Condition:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                return self._fail(f"`{key}` takes a non-empty list of conditions", path)
            items = tuple(self.parse(item, path + (index,)) for index, item in enumerate(value))
            return All(items) if key == "all" else AnyOf(items)
        if key == "not":
            return negate(self.parse(value, path))
        if key == "circumstance":
            return self._parse_circumstance(value, path)
        if key == "diagnosis":
            return self._parse_diagnosis(value, path)
        if key in FIELDS:
            return self._parse_field(key, value, path)
        if key in self.CRITERIA_KEYS:
            if not self.classifies_diagnoses:
                return self._fail(f"`{key}` is used in disease criteria (rules/diseases), not in plans; "
                                  "plans select diseases with `diseases: {list: ...}`", path)
            return getattr(self, f"_parse_{key}")(value, path)
        keys = [*FIELDS, "all", "any", "not", "circumstance", "diagnosis"]
        if self.classifies_diagnoses:
            keys += self.CRITERIA_KEYS
        return self._fail(f"unknown field {key!r}{did_you_mean(key, keys)}; conditions may use: {', '.join(sorted(keys))}", path)

    CRITERIA_KEYS = ["finding", "procedure", "icd10"]

    def _parse_icd10(self, value: Any, path: tuple) -> Condition:
        return self._code_list(value, path, own=True, list_path=path)

    def _parse_procedure(self, value: Any, path: tuple) -> Condition:
        if not (isinstance(value, dict) and set(value) == {"icd9"} and isinstance(value["icd9"], list) and value["icd9"]):
            return self._fail('expected {icd9: ["36.1", ...]} (ICD-9-CM-3 codes, quoted)', path)
        prefixes = []
        for index, text in enumerate(value["icd9"]):
            try:
                prefixes.append(parse_procedure(text))
            except ValueError as error:
                self._fail(str(error), path + ("icd9", index))
        if not prefixes:
            return TRUE
        procedure_set = ProcedureSet(tuple(prefixes))
        self.procedure_sets[procedure_set.flag] = procedure_set
        return Flag(procedure_set.flag)

    def _parse_finding(self, value: Any, path: tuple) -> Condition:
        if not isinstance(value, dict) or not value:
            return self._fail("expected {finding_key: value or {operator: value}}", path)
        parts = []
        for key, spec in value.items():
            finding = self.findings.get(key)
            if finding is None:
                parts.append(self._fail(f"unknown finding {key!r}{did_you_mean(key, self.findings)}; "
                                        f"rules/findings.yaml defines: {', '.join(sorted(self.findings))}", path + (key,)))
                continue
            parts.append(self._parse_finding_spec(finding, spec, path + (key,)))
        return conjoin(*parts)

    def _parse_finding_spec(self, finding: Finding, spec: Any, path: tuple) -> Condition:
        if isinstance(spec, dict) and "stated" in spec:
            if set(spec) != {"stated"} or not isinstance(spec["stated"], bool):
                return self._fail("`stated` takes true or false and stands alone", path)
            return Flag(finding.fact_key, spec["stated"])
        comparison = self._parse_comparisons(finding.fact_key, spec, path, finding.encode, finding.comparable, finding.type)
        if finding.not_applicable_when_unstated:
            # An unstated value is known not to apply: it fails every test, and its negation holds.
            return conjoin(Flag(finding.fact_key), comparison)
        return comparison

    def _parse_circumstance(self, value: Any, path: tuple) -> Condition:
        if isinstance(value, dict) and set(value) == {"any_of"} and isinstance(value["any_of"], list):
            codes, code_path = value["any_of"], path + ("any_of",)
        elif isinstance(value, str):
            codes, code_path = [value], path
        else:
            return self._fail("expected a circumstance code or {any_of: [codes]}", path)
        flags = []
        for index, code in enumerate(codes):
            where = code_path + (index,) if code_path != path else path
            if code not in self._circumstances:
                self._fail(f"unknown circumstance {code!r}{did_you_mean(code, self._circumstances)}; "
                           f"known: {', '.join(sorted(self._circumstances))}", where)
                continue
            flags.append(Flag(circumstance_flag(code)))
        if not flags:
            return TRUE
        return flags[0] if len(flags) == 1 else AnyOf(tuple(flags))

    def _parse_diagnosis(self, value: Any, path: tuple) -> Condition:
        if not (isinstance(value, dict) and set(value) == {"icd10"}):
            return self._fail("expected {icd10: [codes or ranges]}", path)
        return self._code_list(value["icd10"], path + ("icd10",), own=False, list_path=path + ("icd10",))

    def code_list(self, value: Any, path: tuple, own: bool) -> Condition:
        """A list of ICD-10 codes and ranges as a flag (also used for disease entries' `icd10`)."""
        return self._code_list(value, path, own, path)

    def _code_list(self, value: Any, path: tuple, own: bool, list_path: tuple) -> Condition:
        if not isinstance(value, list) or not value:
            return self._fail("expected a list of ICD-10 codes or ranges, e.g. [C50, Z94.8, C00-C97]", path)
        specs = []
        for index, text in enumerate(value):
            try:
                specs.append(parse_spec(text))
            except ValueError as error:
                self._fail(str(error), list_path + (index,))
        if not specs:
            return TRUE
        code_set = CodeSet(tuple(specs), own=own)
        self.code_sets[code_set.flag] = code_set
        return Flag(code_set.flag)

    def _parse_field(self, name: str, value: Any, path: tuple) -> Condition:
        spec = FIELDS[name]
        return self._parse_comparisons(name, value, path, lambda v: self._known(spec, self._encode_field(spec, v)),
                                       spec.kind == "int", spec.kind)

    def _known(self, spec, value: Scalar) -> Scalar:
        if spec.name == "office" and self.offices is not None and value not in self.offices:
            raise ValueError(f"unknown office {value!r}{did_you_mean(value, self.offices)}; "
                             f"rules/offices.yaml lists: {', '.join(sorted(self.offices))}")
        return value

    def _parse_comparisons(self, name: str, value: Any, path: tuple, encode: Callable[[Any], Scalar],
                           ordered: bool, kind: str) -> Condition:
        """`value`, or a mapping of operators (between, in, not_in, not, at_least, ...) to operands."""

        def scalar(item: Any, where: tuple) -> Scalar:
            try:
                return encode(item)
            except ValueError as error:
                self._fail(str(error), where)
                return 0

        if not isinstance(value, dict):
            return Compare(name, "eq", scalar(value, path))
        parts: list[Condition] = []
        for operator, operand in value.items():
            where = path + (operator,)
            if operator == "between":
                if not (isinstance(operand, list) and len(operand) == 2):
                    parts.append(self._fail("`between` takes [low, high], both included", where))
                    continue
                if not ordered:
                    parts.append(self._fail(f"`between` needs a number or grade; {name} is {kind}", where))
                    continue
                low, high = (scalar(item, where + (i,)) for i, item in enumerate(operand))
                parts.append(All((Compare(name, "gte", low), Compare(name, "lte", high))))
            elif operator in ("in", "not_in"):
                if not isinstance(operand, list) or not operand:
                    parts.append(self._fail(f"`{operator}` takes a non-empty list", where))
                    continue
                values = [scalar(item, where + (i,)) for i, item in enumerate(operand)]
                if operator == "in":
                    parts.append(AnyOf(tuple(Compare(name, "eq", v) for v in values)))
                else:
                    parts.append(All(tuple(Compare(name, "neq", v) for v in values)))
            elif operator == "not":
                parts.append(Compare(name, "neq", scalar(operand, where)))
            elif operator in self.COMPARATORS:
                if not ordered:
                    parts.append(self._fail(f"`{operator}` needs a number or grade; {name} is {kind}", where))
                    continue
                parts.append(Compare(name, self.COMPARATORS[operator], scalar(operand, where)))
            else:
                ops = "between, in, not_in, not, at_least, at_most, less_than, more_than"
                if self.classifies_diagnoses and name.startswith("f_"):
                    ops += ", stated"
                parts.append(self._fail(f"unknown operator {operator!r}{did_you_mean(operator, ops.split(', '))}; "
                                        f"expected one of: {ops}", where))
        return conjoin(*parts) if parts else TRUE

    @staticmethod
    def _encode_field(spec, value: Any) -> Scalar:
        """Facts carry ints and strings only: bools become 0/1 (durable_rules compares JSON)."""
        if spec.kind == "bool":
            if isinstance(value, bool):
                return int(value)
            raise ValueError(f"{spec.name} is true or false, got {value!r}")
        if spec.kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, Decimal) and value == value.to_integral_value():
                return int(value)
            raise ValueError(f"{spec.name} is a whole number, got {value!r}")
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            raise ValueError(f"{spec.name} is text, but YAML reads {value} as a number: quote it, \"{value}\"")
        if not isinstance(value, str):
            raise ValueError(f"{spec.name} is text, got {value!r}")
        if spec.kind == "enum" and value not in spec.values:
            raise ValueError(f"{spec.name} must be one of {', '.join(spec.values)}; got {value!r}{did_you_mean(value, spec.values)}")
        if spec.kind == "text" and not IDENTIFIER.match(value):
            raise ValueError(f"{spec.name} values are lower-case codes like beijing or xizang; got {value!r}, "
                             "which no claim can carry")
        return value
