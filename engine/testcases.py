"""YAML test cases: claims (or sequences of claims) with the decision fragments expected.

A case file holds `cases:`; each case gives a member and enrolments shared by its claims, and
claims adjudicated in order on one ledger, each with an `expect` block:

    cases:
      - name: deductible spans two stays
        description: hand computation from catalogue §2.1 ...
        member: {member_id: m1, gender: male, ...}
        enrolments: [{enrolment_id: e1, plan: inpatient-medical, units: 1, ...}]
        claims:
          - claim_id: c1
            event: {kind: hospital_stay, ...}
            expect:
              status: paid
              total: 150.00
              enrolments:
                e1: {status: paid, amount: 150.00, lines: {inpatient-reimbursement: 150.00},
                     refusals: [waiting_period], clauses: [...]}
                c1: {status: pending, missing: [$.event.diagnoses[0].findings.lvef]}
                c2: {diseases: {mild: critical-illness-mild/ami-mild}}   # list/entry a line paid on
              skipped: {e9: outside_term}
              accumulators: {m1/inpatient-medical/e1/inpatient-reimbursement/paid: 150.00}
          - claim_id: c2
            ...
            expect: {error: "units"}    # the claim must fail validation, message containing this

A case may change plan parameters for a what-if, for all its claims:

        overrides:
          - plan: inpatient-medical
            revision: "2024"            # optional: all revisions of the plan by default
            set: {benefits.inpatient-reimbursement.cap_per_term.per_unit: 20000.00}

Paths are dotted; a list item is addressed by its index or its `id`. The overridden plans are
loaded and checked like any plan, so an override that makes a plan invalid fails the case.

Only the keys written are compared (an unknown key is itself a mismatch, so a typo cannot make
a case assert nothing); every mismatch is reported with the case and claim.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine.api import Adjudicator
from engine.errors import PlanError
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure, skipped_label
from engine.model.testcase import Expectation
from engine.yamlsource import read_yaml


@dataclass
class Case:
    file: str
    name: str
    description: str
    claims: list[dict]
    expectations: list[dict]
    line: int | None = None
    overrides: list[dict] = field(default_factory=list)
    index: int = 0  # position in the file's `cases` list

    def reloaded(self) -> "Case":
        """This case as its file reads now (after `test --update` rewrote it)."""
        return load_cases(self.file)[self.index]


@dataclass
class CaseResult:
    case: Case
    mismatches: list[str] = field(default_factory=list)
    outcomes: list[Any] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.mismatches


def load_cases(path: Path | str) -> list[Case]:
    document, issues = read_yaml(path)
    if issues:
        raise PlanError(issues)
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise PlanError([document.issue("a case file is a mapping with a list under `cases`")])
    cases, problems = [], []
    for index, raw in enumerate(data["cases"]):
        if not isinstance(raw, dict) or "name" not in raw or not isinstance(raw.get("claims"), list):
            problems.append(document.issue("each case needs a name and a list of claims", ("cases", index)))
            continue
        claims, expectations = [], []
        for number, claim in enumerate(raw["claims"]):
            where = ("cases", index, "claims", number)
            if not isinstance(claim, dict):
                problems.append(document.issue("each claim is a mapping (claim_id, event, expect, ...)", where))
                continue
            claim = dict(claim)
            expected = claim.pop("expect", {})
            if not isinstance(expected, dict):
                problems.append(document.issue("expect is a mapping (status, total, enrolments, ...)", where + ("expect",)))
                continue
            expect_problems = _expectation_issues(document, expected, where + ("expect",))
            if expect_problems:
                problems.extend(expect_problems)
                continue
            expectations.append(expected)
            claim.setdefault("member", raw.get("member"))
            claim.setdefault("enrolments", raw.get("enrolments"))
            claims.append(claim)
        position = document.locate(("cases", index))
        cases.append(Case(str(path), raw["name"], raw.get("description", ""), claims, expectations,
                          position.line if position else None, list(raw.get("overrides") or []), index))
    if problems:
        raise PlanError(problems)
    return cases


def _expectation_issues(document, expected: dict, where: tuple) -> list:
    """An `expect` block's shape (engine.model.testcase.Expectation), each problem at its line:
    an amount that is not one, a list where a mapping belongs. Unknown keys are left to the run,
    which names them as a mismatch."""
    try:
        Expectation.model_validate(expected)
    except ValidationError as error:
        return [document.issue(detail["msg"].removeprefix("Value error, "), where + tuple(detail["loc"]))
                for detail in error.errors(include_url=False) if detail["type"] != "extra_forbidden"]
    return []


def selected(cases: list[Case], keywords: list[str]) -> list[Case]:
    """The cases whose name, or `file-stem::name`, contains one of `keywords` (any case);
    all of them when no keyword is given."""
    if not keywords:
        return cases
    wanted = [keyword.lower() for keyword in keywords]
    return [case for case in cases if any(k in f"{Path(case.file).stem}::{case.name}".lower() for k in wanted)]


def run_case(adjudicator: Adjudicator, case: Case) -> CaseResult:
    result = CaseResult(case)
    if case.overrides:
        try:
            adjudicator = with_overrides(adjudicator, case.overrides)
        except (PlanError, ValueError) as error:
            result.mismatches.append(f"overrides: {error}")
            return result
    outcomes = list(adjudicator.adjudicate_many(case.claims, MemoryLedger()))
    result.outcomes = outcomes
    for claim, expected, outcome in zip(case.claims, case.expectations, outcomes):
        where = f"claim {claim.get('claim_id')}"
        if isinstance(outcome, ClaimFailure):
            if "error" not in expected:
                result.mismatches.append(f"{where}: failed: {'; '.join(outcome.errors)}")
            elif str(expected["error"]) not in " ".join(outcome.errors):
                result.mismatches.append(f"{where}: error {expected['error']!r} not in {outcome.errors}")
            continue
        if "error" in expected:
            result.mismatches.append(f"{where}: expected an error containing {expected['error']!r}, got a decision")
            continue
        compare_decision(outcome.decision, expected, where, result.mismatches)
    return result


_OVERRIDDEN: dict[str, Adjudicator] = {}  # oldest first
MAX_WHAT_IFS = 16


def with_overrides(adjudicator: Adjudicator, overrides: list[dict]) -> Adjudicator:
    """An adjudicator whose plans carry the overridden values (cached per set of overrides)."""
    if adjudicator.sources is None:
        raise ValueError("overrides need an adjudicator loaded from plan files")
    plans_dir, rules_dir = adjudicator.sources
    key = repr((str(plans_dir), str(rules_dir), adjudicator.evaluator_name, overrides))
    if key not in _OVERRIDDEN:
        with tempfile.TemporaryDirectory(prefix="adjudicator-what-if-") as tmp:
            copy = write_what_if(plans_dir, overrides, Path(tmp) / "plans")
            loaded = Adjudicator.load(copy, rules_dir, adjudicator.evaluator_name)
        while len(_OVERRIDDEN) >= MAX_WHAT_IFS:  # a long-running service tries many what-ifs
            del _OVERRIDDEN[next(iter(_OVERRIDDEN))]
        _OVERRIDDEN[key] = loaded
    return _OVERRIDDEN[key]


def write_what_if(plans_dir: Path, overrides: list[dict], target: Path) -> Path:
    """A copy of `plans_dir` at `target` (which must not exist) with the overrides applied."""
    shutil.copytree(plans_dir, target)
    for index, override in enumerate(overrides):
        _apply(target, override, index)
    return target


def _apply(plans_dir: Path, override: dict, index: int) -> None:
    if not isinstance(override, dict) or not isinstance(override.get("plan"), str) or not isinstance(override.get("set"), dict):
        raise ValueError(f"overrides[{index}] needs `plan` and `set: {{path: value}}`")
    touched = 0
    for path in sorted(plans_dir.rglob("*.yaml")):
        document, issues = read_yaml(path)
        data = document.data
        if issues or not isinstance(data, dict) or data.get("plan") != override["plan"]:
            continue
        if override.get("revision") is not None and str(data.get("revision")) != str(override["revision"]):
            continue
        for dotted, value in override["set"].items():
            _set(data, dotted, value, f"overrides[{index}].set.{dotted}")
        path.write_text(yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False), encoding="utf-8")
        touched += 1
    if not touched:
        raise ValueError(f"overrides[{index}]: no plan {override['plan']!r}" +
                         (f" revision {override['revision']!r}" if override.get("revision") else ""))


def _set(data: Any, dotted: str, value: Any, where: str) -> None:
    parts = dotted.split(".")
    node = data
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(node, list):
            match = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
            if match is None and part.isdigit() and int(part) < len(node):
                match = int(part)
            if match is None:
                raise ValueError(f"{where}: no item {part!r} in the list (use an index or an id)")
            if last:
                node[match] = value
            else:
                node = node[match]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            elif part not in node:
                raise ValueError(f"{where}: the plan has no {part!r} here")
            else:
                node = node[part]
        else:
            raise ValueError(f"{where}: {part!r} is inside a value, not a mapping or list")


def _plain(data: Any) -> Any:
    """YAML-dumpable data: Decimals as their exact text (money and rates accept strings)."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(item) for item in data]
    if isinstance(data, Decimal):
        return str(data)
    return data


CLAIM_KEYS = {"status", "total", "enrolments", "skipped", "accumulators", "error"}
ENROLMENT_KEYS = {"status", "amount", "lines", "refusals", "clauses", "diseases", "missing"}


def compare_decision(decision, expected: dict, where: str, mismatches: list[str]) -> None:
    def check(label: str, actual: Any, wanted: Any) -> None:
        if isinstance(actual, Decimal):
            wanted = Decimal(str(wanted))
        if actual != wanted:
            mismatches.append(f"{where}: {label}: expected {wanted}, got {actual}")

    unknown = set(expected) - CLAIM_KEYS
    if unknown:  # a misspelt key would otherwise assert nothing
        mismatches.append(f"{where}: unknown expect keys {sorted(unknown)}; expected some of {sorted(CLAIM_KEYS)}")
    if "status" in expected:
        check("status", decision.status, expected["status"])
    if "total" in expected:
        check("total", decision.total, expected["total"])
    by_id = {d.enrolment_id: d for d in decision.enrolments}
    for enrolment_id, wanted in (expected.get("enrolments") or {}).items():
        actual = by_id.get(enrolment_id)
        if actual is None:
            mismatches.append(f"{where}: enrolment {enrolment_id} was not adjudicated")
            continue
        label = f"enrolment {enrolment_id}"
        unknown = set(wanted) - ENROLMENT_KEYS
        if unknown:
            mismatches.append(f"{where}: {label}: unknown expect keys {sorted(unknown)}; expected some of {sorted(ENROLMENT_KEYS)}")
        if "status" in wanted:
            check(f"{label} status", actual.status, wanted["status"])
        if "amount" in wanted:
            check(f"{label} amount", actual.amount, wanted["amount"])
        lines = {line.benefit: line for line in actual.lines}
        for benefit, amount in (wanted.get("lines") or {}).items():
            if benefit not in lines:
                mismatches.append(f"{where}: {label}: no line for {benefit}")
            else:
                check(f"{label} line {benefit}", lines[benefit].amount, amount)
        for benefit, disease in (wanted.get("diseases") or {}).items():
            paid_on = [f"{line.disease.disease_list}/{line.disease.disease}" for line in actual.lines
                       if line.benefit == benefit and line.disease is not None]
            if disease not in paid_on:
                mismatches.append(f"{where}: {label}: {benefit} did not pay on {disease} (paid on: {paid_on or 'nothing'})")
        if "missing" in wanted:
            check(f"{label} missing", sorted({m.field for m in actual.missing}), sorted(wanted["missing"]))
        if "refusals" in wanted:
            check(f"{label} refusals", sorted(r.code for r in actual.refusals), sorted(wanted["refusals"]))
        for clause in wanted.get("clauses") or []:
            if clause not in actual.clauses:
                mismatches.append(f"{where}: {label}: clause {clause} did not decide (got {actual.clauses})")
    if "skipped" in expected:
        check("skipped", {s.enrolment_id: skipped_label(s) for s in decision.skipped}, expected["skipped"])
    after = {change.key.label(member=False): change.after for change in decision.accumulator_changes}
    for key, value in (expected.get("accumulators") or {}).items():
        if key not in after:
            mismatches.append(f"{where}: accumulator {key} did not change (changed: {sorted(after)})")
        else:
            check(f"accumulator {key}", after[key], value)
