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

Only the keys written are compared (an unknown key is itself a mismatch, so a typo cannot make
a case assert nothing); every mismatch is reported with the case and claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.api import Adjudicator
from engine.errors import PlanError
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure
from engine.yamlsource import read_yaml


@dataclass
class Case:
    file: str
    name: str
    description: str
    claims: list[dict]
    expectations: list[dict]
    line: int | None = None


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
    cases = []
    for index, raw in enumerate(data["cases"]):
        if not isinstance(raw, dict) or "name" not in raw or not isinstance(raw.get("claims"), list):
            raise PlanError([document.issue("each case needs a name and a list of claims", ("cases", index))])
        claims, expectations = [], []
        for claim in raw["claims"]:
            claim = dict(claim)
            expectations.append(claim.pop("expect", {}))
            claim.setdefault("member", raw.get("member"))
            claim.setdefault("enrolments", raw.get("enrolments"))
            claims.append(claim)
        position = document.locate(("cases", index))
        cases.append(Case(str(path), raw["name"], raw.get("description", ""), claims, expectations,
                              position.line if position else None))
    return cases


def run_case(adjudicator: Adjudicator, case: Case) -> CaseResult:
    result = CaseResult(case)
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
        check("skipped", {s.enrolment_id: s.reason for s in decision.skipped}, expected["skipped"])
    after = {change.key: change.after for change in decision.accumulator_changes}
    for key, value in (expected.get("accumulators") or {}).items():
        if key not in after:
            mismatches.append(f"{where}: accumulator {key} did not change (changed: {sorted(after)})")
        else:
            check(f"accumulator {key}", after[key], value)
