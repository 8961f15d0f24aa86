"""Expected decision fragments of YAML test cases, written from a decision (amounts as text
with two decimals, as the case files write them).

Two uses: `adjudicator case from-claim` writes a fresh expectation (status, total, and per
enrolment its status, amount, lines, refusals and missing evidence), and `adjudicator test
--update` re-baselines an expectation a person wrote: it keeps the keys they chose to assert,
keeps every value that still holds (so `6200` stays `6200` where the engine says 6200.00), and
changes only what no longer holds. The comparison rules are those of `engine.testcases`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from engine.model.decision import ClaimFailure, Decision, EnrolmentDecision, skipped_label
from engine.money import format_money


def fresh(outcome: Decision | ClaimFailure) -> dict:
    """Everything a reviewer needs to see asserted about one claim's outcome."""
    if isinstance(outcome, ClaimFailure):
        return {"error": outcome.errors[0] if outcome.errors else ""}
    expected: dict[str, Any] = {"status": outcome.status, "total": format_money(outcome.total), "enrolments": {}}
    for enrolment in outcome.enrolments:
        expected["enrolments"][enrolment.enrolment_id] = _enrolment(enrolment)
    if outcome.skipped:
        expected["skipped"] = {s.enrolment_id: skipped_label(s) for s in outcome.skipped}
    if not expected["enrolments"]:
        del expected["enrolments"]
    return expected


def _enrolment(enrolment: EnrolmentDecision) -> dict:
    wanted: dict[str, Any] = {"status": enrolment.status, "amount": format_money(enrolment.amount)}
    if enrolment.lines:
        wanted["lines"] = {line.benefit: format_money(line.amount) for line in enrolment.lines}
    diseases = {line.benefit: f"{line.disease.disease_list}/{line.disease.disease}" for line in enrolment.lines
                if line.disease is not None}
    if diseases:
        wanted["diseases"] = diseases
    if enrolment.refusals:
        wanted["refusals"] = [refusal.code for refusal in enrolment.refusals]
    if enrolment.missing:
        wanted["missing"] = sorted({m.field for m in enrolment.missing})
    return wanted


def _same_money(written: Any, actual: Decimal) -> bool:
    try:
        return Decimal(str(written)) == actual
    except (InvalidOperation, ValueError):
        return False


def updated(written: dict, outcome: Decision | ClaimFailure) -> dict:
    """`written` with every assertion that fails on `outcome` changed to what holds now.

    Keys that name something that no longer exists (a benefit line, an enrolment, an
    accumulator that did not change) are dropped; an expected error that became a decision,
    or the reverse, is replaced by a fresh expectation."""
    if not isinstance(written, dict):
        return fresh(outcome)
    if isinstance(outcome, ClaimFailure):
        if "error" in written and str(written["error"]) in " ".join(outcome.errors):
            return written
        return fresh(outcome)
    if "error" in written:
        return fresh(outcome)
    result = dict(written)
    if "status" in written and written["status"] != outcome.status:
        result["status"] = outcome.status
    if "total" in written and not _same_money(written["total"], outcome.total):
        result["total"] = format_money(outcome.total)
    if isinstance(written.get("enrolments"), dict):
        by_id = {e.enrolment_id: e for e in outcome.enrolments}
        result["enrolments"] = {enrolment_id: _updated_enrolment(wanted, by_id[enrolment_id])
                                for enrolment_id, wanted in written["enrolments"].items() if enrolment_id in by_id}
    if "skipped" in written:
        actual = {s.enrolment_id: skipped_label(s) for s in outcome.skipped}
        if written["skipped"] != actual:
            result["skipped"] = actual
    if isinstance(written.get("accumulators"), dict):
        after = {change.key.label(member=False): change.after for change in outcome.accumulator_changes}
        result["accumulators"] = {key: value if _same_money(value, after[key]) else str(after[key])
                                  for key, value in written["accumulators"].items() if key in after}
    return result


def _updated_enrolment(wanted: Any, actual: EnrolmentDecision) -> Any:
    if not isinstance(wanted, dict):
        return _enrolment(actual)
    result = dict(wanted)
    if "status" in wanted and wanted["status"] != actual.status:
        result["status"] = actual.status
    if "amount" in wanted and not _same_money(wanted["amount"], actual.amount):
        result["amount"] = format_money(actual.amount)
    lines = {line.benefit: line for line in actual.lines}
    if isinstance(wanted.get("lines"), dict):
        result["lines"] = {benefit: amount if _same_money(amount, lines[benefit].amount) else format_money(lines[benefit].amount)
                           for benefit, amount in wanted["lines"].items() if benefit in lines}
    if isinstance(wanted.get("diseases"), dict):
        paid_on = {line.benefit: f"{line.disease.disease_list}/{line.disease.disease}" for line in actual.lines
                   if line.disease is not None}
        result["diseases"] = {benefit: paid_on[benefit] for benefit in wanted["diseases"] if benefit in paid_on}
    if "missing" in wanted:
        fields = sorted({m.field for m in actual.missing})
        if sorted(wanted["missing"] or []) != fields:
            result["missing"] = fields
    if "refusals" in wanted:
        codes = [refusal.code for refusal in actual.refusals]
        if sorted(wanted["refusals"] or []) != sorted(codes):
            result["refusals"] = codes
    if isinstance(wanted.get("clauses"), list):
        still = [clause for clause in wanted["clauses"] if clause in actual.clauses]
        if len(still) != len(wanted["clauses"]):
            result["clauses"] = still or list(actual.clauses)
    return result
