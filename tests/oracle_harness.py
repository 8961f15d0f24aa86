"""The engine and the oracle (`tests/oracle/`) side by side on a member's claims.

`agree(adjudicator, claims)` adjudicates the claims in order with the engine (one fresh
ledger) and with the oracle, and asserts that every decision agrees to the fen, with reasons,
statuses and not-applicable reasons. A claim whose decision, by the oracle, depends on a
reading of the 2024.1 amendments that the engine does not follow (none now: FOLLOWED lists
them all) ends the comparison of its member's claims there (the member's history would differ
after it), unless the caller names that reading in `amended`.

Each comparison reports, with `hypothesis.event`, what the claims covered (statuses, reasons,
benefits paid), so that `pytest --hypothesis-show-statistics` shows the shares.
"""

from __future__ import annotations

from hypothesis import event, note

from helpers import adjudicate_valid
from oracle import ClaimOutcome, Oracle
from oracle.compare import differences, not_applicable_differences

AMENDMENTS = ("cabg", "plateau-stacks", "severe-ends-later", "scoped-pending", "not-applicable")
FOLLOWED = frozenset({"cabg", "plateau-stacks", "severe-ends-later", "scoped-pending", "not-applicable"})  # the engine follows them all now


def agree(adjudicator, claims: list[dict], amended: frozenset[str] = frozenset(), oracle: Oracle | None = None) -> list[ClaimOutcome]:
    """The oracle's outcomes of the claims compared (all of them, or up to the first that
    depends on an amendment not in `amended`)."""
    oracle = oracle or Oracle()
    amended = amended | FOLLOWED  # statuses and not-applicable reasons are compared too
    decisions = adjudicate_valid(adjudicator, claims)
    compared, stopped = [], set()
    for claim, decision in zip(claims, decisions):
        member_id = claim["member"]["member_id"]
        if member_id in stopped:
            continue
        expected = oracle.adjudicate(claim)
        waiting_for = expected.amended - amended
        if waiting_for:
            event(f"stopped before a 2024.1 reading: {', '.join(sorted(waiting_for))}")
            stopped.add(member_id)  # the member's later claims rest on a history that differs
            continue
        compare_status = "not-applicable" in amended or "not-applicable" not in expected.amended
        note(f"{claim['claim_id']}: engine {decision.to_json()}")
        found = differences(decision, expected, compare_status=compare_status)
        if "not-applicable" in amended:
            found += not_applicable_differences(decision, expected)
        assert not found, "engine and oracle disagree:\n" + "\n".join(found)
        report(expected)
        compared.append(expected)
    return compared


def report(expected: ClaimOutcome) -> None:
    event(f"claim {expected.status}")
    for outcome in expected.enrolments.values():
        if not outcome.applicable:
            event(f"{outcome.plan}: not applicable")
            continue
        event(f"{outcome.plan}: {outcome.status}")
        for reason in sorted(outcome.reasons):
            event(f"{outcome.plan}: reason {reason}")
        for line in outcome.lines:
            if line.amount and line.disease:
                event(f"{outcome.plan}: paid {line.benefit}")
