"""The amounts-only path: decisions without their explanations, and explanations on demand.

Bulk work (a corpus diff, `adjudicate --out decisions.parquet`, `--amounts-only`) needs what a
decision decides, not why: its status, the amount of every line, the reason codes, the missing
evidence, the rules that decided and the accumulator changes. `Adjudicator.adjudicate_many(...,
explain=False)` runs the very same decision code with the texts switched off (no formulas,
formula inputs, caps' texts, criteria texts or refusal details), and `amounts` reads from either
decision the same plain data. Tests prove both paths give equal `amounts` and equal accumulator
changes on every corpus, with both rule evaluators (tests/test_outcome.py).

A decision is a pure function of (plans, claim, history), and an amounts-only result keeps every
history value it read (its changes' `before` values, reads included) and the person it was
decided for. `explained` decides the claim again, explained, on exactly those values: the
decision the explained path would have given in the run, built only for the few claims a person
will read (the diff's largest changes, `--explain`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Sequence

from engine.ledger import EventRecord
from engine.model.claim import Claim
from engine.model.decision import AccumulatorKey, Decision

ZERO = Decimal(0)


def amounts(decision: Decision) -> dict[str, Any]:
    """What a decision decides, as JSON-ready data (money as strings, exact): equal for the
    amounts-only and the explained decision of a claim."""
    data: dict[str, Any] = {
        "claim_id": decision.claim_id,
        "member_id": decision.member_id,
        "status": decision.status,
        "total": str(decision.total),
        "enrolments": [
            {
                "enrolment_id": enrolment.enrolment_id,
                "plan": enrolment.plan,
                "revision": enrolment.revision,
                "plan_hash": enrolment.plan_hash,
                "status": enrolment.status,
                "amount": str(enrolment.amount),
                "lines": [
                    {"benefit": line.benefit, "amount": str(line.amount), "computed": str(line.computed),
                     "reason": line.note_code, "refund": line.refund}
                    for line in enrolment.lines
                ],
                "reasons": [refusal.code for refusal in enrolment.refusals],
                "clauses": list(enrolment.clauses),
                "missing": [{"field": item.field, "needed_by": item.needed_by} for item in enrolment.missing],
            }
            for enrolment in decision.enrolments
        ],
        "skipped": [{"enrolment_id": s.enrolment_id, "plan": s.plan, "reason": s.reason} for s in decision.skipped],
        "accumulator_changes": [
            {"key": _key(change.key), "before": str(change.before), "after": str(change.after)}
            for change in decision.accumulator_changes
        ],
    }
    if decision.suspected_duplicate is not None:
        data["suspected_duplicate"] = decision.suspected_duplicate.claim_id
    return data


def _key(key: AccumulatorKey) -> dict[str, str | None]:
    return {"member": key.member, "plan": key.plan, "term": key.term, "benefit": key.benefit,
            "measure": key.measure, "scope": key.scope}


def amounts_json(decision: Decision) -> str:
    """One JSON line of `amounts` (what `adjudicate --amounts-only` writes)."""
    return json.dumps(amounts(decision), ensure_ascii=False, separators=(",", ":"))


class _InputsOf:
    """The history one decision read: every value it read (its changes' `before`), the person
    it was decided for (known by the aliases it did not newly add), and no events (a claim that
    repeated one was held as a suspected duplicate, which has nothing more to explain)."""

    def __init__(self, result):
        self._values = {change.key: change.before for change in result.changes}
        recording = result.recording
        self._person = recording.person if recording else None
        self._new = set(recording.aliases) if recording else set()

    def value(self, key: AccumulatorKey) -> Decimal:
        return self._values.get(key, ZERO)

    def has_claim(self, claim_id: str) -> bool:
        return False

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        if self._person is None:
            return {}
        return {alias: self._person for alias in aliases if alias not in self._new}

    def events_of(self, person: str) -> Sequence[EventRecord]:
        return ()


def explained(adjudicator, claim: Claim, result) -> Decision:
    """The explained decision of `claim`, from the same inputs as its amounts-only `result`
    (an `AdjudicationResult` of the same adjudicator, decided with `explain=False`)."""
    if result.decision.status == "suspected_duplicate":
        return result.decision  # nothing was decided beyond the repeat it names
    targets, skipped = adjudicator.targets(claim)
    fired = adjudicator._evaluate([(claim, targets)])[0]
    if isinstance(fired, Exception):
        raise fired
    return adjudicator.decide(claim, targets, skipped, fired, _InputsOf(result), explain=True).decision
