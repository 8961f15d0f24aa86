"""The revision diff groups a member's claims itself: a corpus listing them apart gives the total
`adjudicate` gives, never caps restarted in another chunk (issue figure: 7,275,400.00 where
adjudicate paid 7,260,400.00)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from engine.diff import PlanSource, member_chunks, run_diff

ROOT = Path(__file__).resolve().parent.parent
MEMBER = {"gender": "male", "birth_date": "1980-05-01", "office": "beijing", "medical_insurance": "urban_employee",
          "employment": "standard"}
INPATIENT = [{"enrolment_id": "e-1", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00", "start": "2024-01-01", "end": "2024-12-31"}]


def stay(claim_id, member_id, admission, discharge, in_scope, **member):
    return json.dumps({"claim_id": claim_id, "member": {"member_id": member_id, **MEMBER, **member}, "enrolments": INPATIENT,
                       "event": {"kind": "hospital_stay", "admission": admission, "discharge": discharge, "cause": "disease",
                                 "designated": True, "total": str(Decimal(in_scope) + 1000), "fund_paid": "1000.00",
                                 "self_pay_in_scope": in_scope, "self_pay_out_of_scope": "0.00"}})


# a-1: (30,000 − 500) → 10,000 × 50% + 19,500 × 60% = 16,700 → the 15,000 cap.
# b-1: (7,400 − 500) × 50% = 3,450.00.
# a-2: cap used up → 0.00 (on a fresh history it would pay (7,400 − 500) × 50% = 3,450.00 again).
# The same person under a second spelling and an ID number: a-3 is member " A " → cap used up too.
CORPUS = [stay("a-1", "a", "2024-05-01", "2024-05-11", "30000.00"),
          stay("b-1", "b", "2024-05-01", "2024-05-11", "7400.00"),
          stay("a-2", "a", "2024-07-01", "2024-07-11", "7400.00"),
          stay("a-3", " A ", "2024-09-01", "2024-09-11", "7400.00")]
EXPECTED = Decimal("18450.00")  # 15,000 + 3,450 + 0 + 0


def test_claims_of_a_member_listed_apart_are_adjudicated_together(adjudicator):
    totals = [r.decision.total for r in adjudicator.adjudicate_many([json.loads(line) for line in CORPUS])]
    assert totals == [Decimal("15000.00"), Decimal("3450.00"), Decimal("0.00"), Decimal("0.00")]
    source = PlanSource("plans", ROOT / "plans", ROOT / "rules")
    summary = run_diff(CORPUS, source, source, workers=1, chunk_claims=1)  # a chunk per member
    assert summary.claims == 4 and summary.base_total == EXPECTED == summary.head_total  # not 21,900.00 (caps restarted)


def test_chunks_keep_a_member_together_in_first_appearance_order():
    chunks = [[json.loads(record.text)["claim_id"] for record in chunk] for chunk in member_chunks(CORPUS, size=1)]
    assert chunks == [["a-1", "a-2", "a-3"], ["b-1"]]


# One person, p, whose ID number is on some claims and missing on others, and who also comes
# under a second member id with that ID number: one person for the ledger, so one group here.
# p-1: 15,000 (the cap); q-1: 3,450.00; p-2, p-3, p-4: the cap is used up → 0.00.
ID_NUMBER = "11010519800501001X"
ONE_PERSON = [stay("p-1", "p", "2024-05-01", "2024-05-11", "30000.00"),
              stay("q-1", "q", "2024-05-01", "2024-05-11", "7400.00"),
              stay("p-2", "p", "2024-06-01", "2024-06-11", "7400.00", id_number=ID_NUMBER),
              stay("p-3", "p-second", "2024-08-01", "2024-08-11", "7400.00", id_number=ID_NUMBER.lower()),
              stay("p-4", "P", "2024-10-01", "2024-10-11", "7400.00")]


def test_a_person_with_and_without_an_id_number_is_one_person_in_the_diff(adjudicator):
    totals = [r.decision.total for r in adjudicator.adjudicate_many([json.loads(line) for line in ONE_PERSON])]
    assert totals == [Decimal("15000.00"), Decimal("3450.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")]
    chunks = [[json.loads(record.text)["claim_id"] for record in chunk] for chunk in member_chunks(ONE_PERSON, size=1)]
    assert chunks == [["p-1", "p-2", "p-3", "p-4"], ["q-1"]]  # one person, in corpus order
    source = PlanSource("plans", ROOT / "plans", ROOT / "rules")
    summary = run_diff(ONE_PERSON, source, source, workers=1, chunk_claims=1)
    # not 25,600.00: p-2 and p-3 as a second person would pay 3,450.00 and 3,700.00 on a fresh cap
    assert summary.base_total == Decimal("18450.00") == summary.head_total
