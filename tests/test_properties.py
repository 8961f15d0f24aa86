"""Properties of inpatient-medical (§2.1) and hospital-allowance (§2.2) on generated claims.

Claims come from `tests/strategies.py` (one member, 1–6 hospital stays in discharge order);
`tests/oracle/` is an independent reading of the catalogue. The `adjudicator` fixture
evaluates rules with durable_rules, `python_adjudicator` with plain Python.

Examples per property: PROPERTY_EXAMPLES (default 120; the cross-check runs twice as many);
HYPOTHESIS_PROFILE=deep draws ten times as many.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from engine import MemoryLedger
from engine.model.decision import ClaimFailure
from helpers import EXAMPLES, SETTINGS  # tests/ is on sys.path (pytest rootdir import mode)
from oracle import Oracle
from oracle.hospital import cap_per_unit
from oracle_harness import agree
from strategies import cents, claim_sequences, edge_amounts, money_as_decimals, renamed, with_in_scope

CROSS_CHECK = settings(SETTINGS, max_examples=2 * EXAMPLES)
FEN = Decimal("0.01")
HARD_REFUSALS = ("not_eligible", "not_covered", "waiting_period", "excluded:")


def adjudicate_all(adjudicator, claims, ledger=None):
    """Every claim's result, in order; a claim the engine fails on is a test failure."""
    results = list(adjudicator.adjudicate_many(claims, ledger if ledger is not None else MemoryLedger()))
    for result in results:
        assert not isinstance(result, ClaimFailure), f"valid claim refused: {result}"
    assert len(results) == len(claims)
    return results


def units_of(claims, enrolment_id: str) -> int:
    return next(e["units"] for e in claims[0]["enrolments"] if e["enrolment_id"] == enrolment_id)


def is_hard(code: str) -> bool:
    return code.startswith(HARD_REFUSALS)


@SETTINGS
@given(claim_sequences())
def test_amounts_are_non_negative_whole_fen(adjudicator, claims):
    for result in adjudicate_all(adjudicator, claims):
        decision = result.decision
        assert decision.total >= 0 and decision.total == decision.total.quantize(FEN)
        assert decision.total == sum((d.amount for d in decision.enrolments), Decimal(0))
        for enrolment in decision.enrolments:
            assert enrolment.amount >= 0 and enrolment.amount == enrolment.amount.quantize(FEN)
            assert enrolment.amount == sum((line.amount for line in enrolment.lines), Decimal(0))
            for line in enrolment.lines:
                assert 0 <= line.amount <= line.computed
                assert line.amount == line.amount.quantize(FEN)
                assert line.computed == line.computed.quantize(FEN)


@SETTINGS
@given(claim_sequences())
def test_inpatient_term_totals_never_above_cap(adjudicator, claims):
    paid: dict[str, Decimal] = {}
    for result in adjudicate_all(adjudicator, claims):
        for enrolment in result.decision.enrolments:
            if enrolment.plan == "inpatient-medical":
                paid[enrolment.enrolment_id] = paid.get(enrolment.enrolment_id, Decimal(0)) + enrolment.amount
    starts = {e["enrolment_id"]: dt.date.fromisoformat(str(e["start"])) for c in claims for e in c["enrolments"]}
    for enrolment_id, total in paid.items():
        cap = cap_per_unit(starts[enrolment_id])  # 15,000 (revision 2024) or 20,000 (2025) per unit
        assert total <= cap * units_of(claims, enrolment_id), (enrolment_id, total)


@SETTINGS
@given(claim_sequences())
def test_allowance_days_never_above_180_per_term(adjudicator, claims):
    days: dict[str, int] = {}
    for result in adjudicate_all(adjudicator, claims):
        for enrolment in result.decision.enrolments:
            if enrolment.plan != "hospital-allowance":
                continue
            units = units_of(claims, enrolment.enrolment_id)
            for line in enrolment.lines:
                paid_days = int(line.inputs["paid_days"])
                assert paid_days >= 0
                # at most 80 × units per paid day (40, and 40 again for ICU days)
                assert line.amount <= Decimal(80 * units * paid_days)
                days[enrolment.enrolment_id] = days.get(enrolment.enrolment_id, 0) + paid_days
    for enrolment_id, total in days.items():
        assert total <= 180, (enrolment_id, total)


@SETTINGS
@given(claim_sequences(), st.data())
def test_more_in_scope_self_pay_never_pays_less(adjudicator, claims, data):
    index = data.draw(st.integers(0, len(claims) - 1), label="claim index")
    extra = data.draw(st.one_of(cents(0, 100), cents(0, 20_000), edge_amounts).filter(lambda a: a > 0), label="extra")
    ledger = MemoryLedger()
    adjudicate_all(adjudicator, claims[:index], ledger)
    before = adjudicator.adjudicate(claims[index], history=ledger).decision
    after = adjudicator.adjudicate(with_in_scope(claims[index], extra), history=ledger).decision
    assert after.total >= before.total
    amounts = {d.enrolment_id: d.amount for d in before.enrolments}
    for enrolment in after.enrolments:
        assert enrolment.amount >= amounts[enrolment.enrolment_id], enrolment.enrolment_id


@SETTINGS
@given(claim_sequences())
def test_refused_claims_pay_nothing_with_a_reason(adjudicator, claims):
    """Ineligible, not covered, excluded or in the waiting period (by the catalogue's reading
    in the oracle): the enrolment pays 0, says why with exactly those codes, and consumes
    nothing (no deductible, no days, no cap)."""
    oracle = Oracle()
    for claim, result in zip(claims, adjudicate_all(adjudicator, claims)):
        expected = oracle.adjudicate(claim).enrolments
        for enrolment in result.decision.enrolments:
            codes = [refusal.code for refusal in enrolment.refusals]
            # one refusal per failed clause: two eligibility clauses may both say not_eligible
            hard = sorted({code for code in codes if is_hard(code)})
            reasons = sorted(code for code in expected[enrolment.enrolment_id].refusals if is_hard(code))
            note(f"{claim['claim_id']} {enrolment.enrolment_id}: engine {codes}, reference {reasons}")
            assert hard == reasons
            if reasons:
                assert enrolment.amount == 0
                assert enrolment.status == "denied"
                assert not enrolment.lines
                assert not [c for c in result.decision.accumulator_changes if c.key.plan == enrolment.plan]
                assert all(refusal.code and refusal.message for refusal in enrolment.refusals)


# Regression example (found by this property): a covered stay whose after-deductible base
# rounds to 0.00 (urban_rural_resident, 0.01 × 40% = 0.004 → 0.00) must still carry a reason
# (rounds_to_zero): catalogue §0, "every unpaid benefit carries a reason code and a human
# sentence".
ROUNDS_TO_ZERO = {
    "claim_id": "c1",
    "member": {"member_id": "m1", "gender": "female", "birth_date": "1990-01-01", "office": "lanzhou",
               "medical_insurance": "urban_rural_resident", "employment": "standard"},
    "enrolments": [{"enrolment_id": "e-im", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                    "start": "2025-03-01", "end": "2026-02-28"}],
    "event": {"kind": "hospital_stay", "admission": "2025-06-01", "discharge": "2025-06-05", "cause": "accident",
              "designated": True, "total": "1000.01", "fund_paid": "0.00", "self_pay_in_scope": "1000.01",
              "self_pay_out_of_scope": "0.00"},
}


@SETTINGS
@given(claim_sequences())
@example([ROUNDS_TO_ZERO])
def test_every_unpaid_enrolment_gives_a_reason(adjudicator, claims):
    for result in adjudicate_all(adjudicator, claims):
        for enrolment in result.decision.enrolments:
            if enrolment.amount == 0:
                assert enrolment.refusals, f"{result.decision.claim_id} {enrolment.enrolment_id}: unpaid without a reason"
                assert all(refusal.code and refusal.message for refusal in enrolment.refusals)


@SETTINGS
@given(claim_sequences())
def test_same_input_same_decision(adjudicator, claims):
    first_ledger, second_ledger = MemoryLedger(), MemoryLedger()
    first = [r.to_json() for r in adjudicate_all(adjudicator, claims, first_ledger)]
    second = [r.to_json() for r in adjudicate_all(adjudicator, claims, second_ledger)]
    assert first == second
    assert first_ledger.snapshot() == second_ledger.snapshot()
    # Money given as Decimal instead of strings is the same input.
    as_decimals = [r.to_json() for r in adjudicate_all(adjudicator, money_as_decimals(claims))]
    assert as_decimals == first
    # One claim at a time on the history the sequence left gives the same decision again.
    ledger = MemoryLedger()
    for claim, expected in zip(claims, first):
        result = adjudicator.adjudicate(claim, history=ledger)
        assert result.to_json() == expected
        assert adjudicator.adjudicate(claim, history=ledger).to_json() == expected
        ledger.apply(claim["claim_id"], result.changes)


@SETTINGS
@given(claim_sequences())
def test_the_oracle_agrees_to_the_fen(adjudicator, claims):
    """These sequences too (tests/test_oracle_hospital.py aims at every boundary)."""
    agree(adjudicator, claims)


@CROSS_CHECK
@given(claim_sequences())
def test_durable_and_python_evaluators_agree(adjudicator, python_adjudicator, claims):
    durable = [r.to_json() for r in adjudicate_all(adjudicator, claims)]
    python = [r.to_json() for r in adjudicate_all(python_adjudicator, claims)]
    assert durable == python


@SETTINGS
@given(st.lists(claim_sequences(max_size=4), min_size=2, max_size=4), st.randoms(use_true_random=False))
def test_members_batched_together_are_decided_as_alone(adjudicator, sequences, random):
    """Several members' sequences interleaved in one `adjudicate_many` call (one durable_rules
    batch) give each claim the decision it gets when its member is adjudicated alone."""
    sequences = [renamed(claims, f"m{n}") for n, claims in enumerate(sequences)]
    alone = {r.decision.claim_id: r.to_json() for claims in sequences for r in adjudicate_all(adjudicator, claims)}
    queues = [list(claims) for claims in sequences]
    mixed = []
    while any(queues):
        queue = random.choice([q for q in queues if q])
        mixed.append(queue.pop(0))  # each member's claims stay in their order
    together = {r.decision.claim_id: r.to_json() for r in adjudicate_all(adjudicator, mixed)}
    assert together == alone
