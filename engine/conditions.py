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

Parsing yields a small tree (`Compare`, `Flag`, `All`, `AnyOf`) that both evaluators read: the
durable_rules compiler (`engine.rules.durable`) and the plain-Python evaluator
(`engine.rules.python_eval`). Circumstances and code lists become presence flags in the fact,
so negation needs no list scans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Union

from engine.errors import Issue
from engine.icd import CodeSet, parse_spec
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


def code_sets(condition: Condition, registry: dict[str, CodeSet]) -> set[str]:
    return {node.name for node in walk(condition) if isinstance(node, Flag) and node.name in registry}


def circumstance_flag(code: str) -> str:
    return f"ci_{code}"


def describe(condition: Condition, code_names: dict[str, str] | None = None) -> str:
    """A compact human rendering, for explanations and `check` output."""
    code_names = code_names or {}
    if isinstance(condition, Compare):
        symbol = {"eq": "=", "neq": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}[condition.op]
        return f"{condition.field} {symbol} {condition.value}"
    if isinstance(condition, Flag):
        if condition.name.startswith("ci_"):
            text = f"circumstance {condition.name[3:]}"
        else:
            text = f"diagnosis in [{code_names.get(condition.name, condition.name)}]"
        return text if condition.present else f"no {text}"
    if not condition.items:
        return "always" if isinstance(condition, All) else "never"
    joiner = " and " if isinstance(condition, All) else " or "
    return "(" + joiner.join(describe(item, code_names) for item in condition.items) + ")"


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
    ):
        self._report = report
        self._circumstances = known_circumstances
        self.code_sets = code_sets  # filled as lists are met; flag name -> CodeSet
        self.issues: list[Issue] = []

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
        known = ", ".join(sorted([*FIELDS, "all", "any", "not", "circumstance", "diagnosis"]))
        return self._fail(f"unknown field {key!r}; conditions may use: {known}", path)

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
                self._fail(f"unknown circumstance {code!r}; known: {', '.join(sorted(self._circumstances))}", where)
                continue
            flags.append(Flag(circumstance_flag(code)))
        if not flags:
            return TRUE
        return flags[0] if len(flags) == 1 else AnyOf(tuple(flags))

    def _parse_diagnosis(self, value: Any, path: tuple) -> Condition:
        if not (isinstance(value, dict) and set(value) == {"icd10"} and isinstance(value["icd10"], list) and value["icd10"]):
            return self._fail("expected {icd10: [codes or ranges]}", path)
        specs = []
        for index, text in enumerate(value["icd10"]):
            try:
                specs.append(parse_spec(text))
            except ValueError as error:
                self._fail(str(error), path + ("icd10", index))
        if not specs:
            return TRUE
        code_set = CodeSet(tuple(specs))
        self.code_sets[code_set.flag] = code_set
        return Flag(code_set.flag)

    def _parse_field(self, name: str, value: Any, path: tuple) -> Condition:
        spec = FIELDS[name]
        if not isinstance(value, dict):
            return Compare(name, "eq", self._scalar(spec, value, path))
        parts: list[Condition] = []
        for operator, operand in value.items():
            where = path + (operator,)
            if operator == "between":
                if not (isinstance(operand, list) and len(operand) == 2):
                    parts.append(self._fail("`between` takes [low, high], both included", where))
                    continue
                low, high = (self._scalar(spec, item, where + (i,)) for i, item in enumerate(operand))
                parts.append(All((Compare(name, "gte", low), Compare(name, "lte", high))))
            elif operator in ("in", "not_in"):
                if not isinstance(operand, list) or not operand:
                    parts.append(self._fail(f"`{operator}` takes a non-empty list", where))
                    continue
                values = [self._scalar(spec, item, where + (i,)) for i, item in enumerate(operand)]
                if operator == "in":
                    parts.append(AnyOf(tuple(Compare(name, "eq", v) for v in values)))
                else:
                    parts.append(All(tuple(Compare(name, "neq", v) for v in values)))
            elif operator == "not":
                parts.append(Compare(name, "neq", self._scalar(spec, operand, where)))
            elif operator in self.COMPARATORS:
                if spec.kind != "int":
                    parts.append(self._fail(f"`{operator}` needs a number field; {name} is {spec.kind}", where))
                    continue
                parts.append(Compare(name, self.COMPARATORS[operator], self._scalar(spec, operand, where)))
            else:
                ops = "between, in, not_in, not, at_least, at_most, less_than, more_than"
                parts.append(self._fail(f"unknown operator {operator!r}; expected one of: {ops}", where))
        return conjoin(*parts) if parts else TRUE

    def _scalar(self, spec, value: Any, path: tuple) -> Scalar:
        """Facts carry ints and strings only: bools become 0/1 (durable_rules compares JSON)."""
        if spec.kind == "bool":
            if isinstance(value, bool):
                return int(value)
            self._fail(f"{spec.name} is true or false, got {value!r}", path)
            return 0
        if spec.kind == "int":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, Decimal) and value == value.to_integral_value():
                return int(value)
            self._fail(f"{spec.name} is a whole number, got {value!r}", path)
            return 0
        if not isinstance(value, str):
            self._fail(f"{spec.name} is text, got {value!r}", path)
            return ""
        if spec.kind == "enum" and value not in spec.values:
            self._fail(f"{spec.name} must be one of {', '.join(spec.values)}; got {value!r}", path)
        elif spec.kind == "text" and not IDENTIFIER.match(value):
            self._fail(f"{spec.name} values are lower-case codes like beijing or xizang; got {value!r}, "
                       "which no claim can carry", path)
        return value
