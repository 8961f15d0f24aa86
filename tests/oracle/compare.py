"""The engine's decision against the oracle's, to the fen and with reasons.

Only the decision's documented JSON shape is read (schemas/decision.schema.json: enrolments
with status, amount, lines, refusals, missing; skipped; total, status), never engine code.
"""

from __future__ import annotations

from collections import Counter

from oracle.outcome import ClaimOutcome, EnrolmentOutcome


def engine_lines(enrolment) -> Counter:
    return Counter(
        (line.benefit, line.amount, line.note_code, f"{line.disease.disease_list}/{line.disease.disease}" if line.disease else None)
        for line in enrolment.lines
    )


def oracle_lines(outcome: EnrolmentOutcome) -> Counter:
    return Counter((line.benefit, line.amount, line.note, line.disease) for line in outcome.lines)


def differences(decision, expected: ClaimOutcome, compare_status: bool = True) -> list[str]:
    """What the engine decided differently from the oracle; empty when they agree."""
    found: list[str] = []
    engine = {e.enrolment_id: e for e in decision.enrolments}
    for enrolment_id, outcome in expected.enrolments.items():
        got = engine.get(enrolment_id)
        if not outcome.applicable:
            # 2024.1 lists it as not applicable; before, it was skipped or refused. Either way it pays nothing.
            if got is not None and got.amount != 0:
                found.append(f"{enrolment_id}: not applicable ({outcome.refusals}), engine paid {got.amount}")
            continue
        if got is None:
            skipped = [s.reason for s in decision.skipped if s.enrolment_id == enrolment_id]
            found.append(f"{enrolment_id}: engine did not adjudicate it ({skipped}); oracle: {describe(outcome)}")
            continue
        found.extend(enrolment_differences(got, outcome))
    for enrolment_id in engine:
        if enrolment_id not in expected.enrolments:
            found.append(f"{enrolment_id}: engine adjudicated it; the oracle says its term does not cover the event")
    if decision.total != expected.total:
        found.append(f"total: engine {decision.total}, oracle {expected.total}")
    if compare_status and decision.status != expected.status:
        found.append(f"claim status: engine {decision.status}, oracle {expected.status}")
    return [f"{expected.claim_id} {line}" for line in found]


def enrolment_differences(got, outcome: EnrolmentOutcome) -> list[str]:
    found = []
    where = f"{outcome.enrolment_id} ({outcome.plan})"
    if got.amount != outcome.amount:
        found.append(f"{where}: amount engine {got.amount}, oracle {outcome.amount}")
    if engine_lines(got) != oracle_lines(outcome):
        found.append(f"{where}: lines engine {sorted(engine_lines(got).elements(), key=str)}, "
                     f"oracle {sorted(oracle_lines(outcome).elements(), key=str)}")
    reasons = {refusal.code for refusal in got.refusals}
    if reasons != outcome.reasons:
        found.append(f"{where}: reasons engine {sorted(reasons)}, oracle {sorted(outcome.reasons)}")
    if {m.field for m in got.missing} != outcome.missing:
        found.append(f"{where}: missing engine {sorted(m.field for m in got.missing)}, oracle {sorted(outcome.missing)}")
    if got.status != outcome.status:
        found.append(f"{where}: status engine {got.status}, oracle {outcome.status}")
    return found


def describe(outcome: EnrolmentOutcome) -> str:
    lines = ", ".join(f"{line.benefit} {line.amount}" + (f" [{line.note}]" if line.note else "") for line in outcome.lines)
    return f"{outcome.status} {outcome.amount} ({lines or 'no lines'}; reasons {sorted(outcome.reasons)})"


def not_applicable_differences(decision, expected: ClaimOutcome) -> list[str]:
    """2024.1: an enrolment whose plan does not cover this kind of event is listed in the
    decision as not applicable, with its reason code (the §1.1 clause where one names it), and
    pays nothing. Listed either among the enrolments (refusal with the code, nothing paid) or
    among the skipped ones with the code."""
    found = []
    for enrolment_id, outcome in expected.enrolments.items():
        if outcome.applicable:
            continue
        (reason,) = outcome.refusals
        listed = [e for e in decision.enrolments if e.enrolment_id == enrolment_id]
        skipped = [s for s in decision.skipped if s.enrolment_id == enrolment_id]
        if listed:
            codes = {refusal.code for refusal in listed[0].refusals}
            if reason not in codes or listed[0].amount != 0 or listed[0].status in ("paid", "partial", "pending"):
                found.append(f"{expected.claim_id} {enrolment_id}: not applicable ({reason}); engine {listed[0].status} {codes}")
        elif not skipped or reason not in {getattr(skipped[0], "code", None), skipped[0].reason}:
            found.append(f"{expected.claim_id} {enrolment_id}: not applicable ({reason}); engine lists it as "
                         f"{[s.reason for s in skipped] or 'nothing'}")
    return found
