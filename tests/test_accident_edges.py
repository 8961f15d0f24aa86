"""Edges of the accident family and of history: earlier terms at maturity, claims that must
name their accident, one death benefit per enrolment, implausible numbers refused, plans whose
proportional payment names a missing fee schedule, and two claims racing on one member."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import ClaimError, MemoryLedger
from engine.errors import LedgerError
from engine.loader import read_library, read_plans

ROOT = Path(__file__).resolve().parent.parent
MEMBER = {"member_id": "m1", "gender": "male", "birth_date": "1980-03-01", "office": "beijing",
          "medical_insurance": "urban_employee", "employment": "new_form"}


def claim(claim_id, event, enrolments):
    return {"claim_id": claim_id, "member": MEMBER, "enrolments": enrolments, "event": event}


REFUNDABLE = [{"enrolment_id": "rf23", "plan": "refundable-accident", "units": 1, "fee_paid": "410.00",
               "start": "2023-01-01", "end": "2023-12-31"},
              {"enrolment_id": "rf", "plan": "refundable-accident", "units": 1, "fee_paid": "410.00",
               "start": "2024-01-01", "end": "2024-12-31"},
              {"enrolment_id": "im23", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
               "start": "2023-01-01", "end": "2023-12-31"}]


def test_a_maturity_claim_listing_earlier_terms_pays_the_term_that_matured(adjudicator):
    decision = adjudicator.adjudicate(claim("c1", {"kind": "maturity", "maturity_date": "2024-12-31", "alive": True},
                                            REFUNDABLE)).decision
    assert [(e.enrolment_id, str(e.amount)) for e in decision.enrolments] == [("rf", "410.00")]
    assert {s.enrolment_id: s.reason for s in decision.skipped} == {"rf23": "outside_term", "im23": "outside_term"}


def test_an_accident_stay_must_name_its_accident_for_plans_that_count_by_accident(adjudicator):
    stay = {"kind": "hospital_stay", "admission": "2024-05-01", "discharge": "2024-05-03", "cause": "accident",
            "on_duty": True, "designated": True, "total": "9000.00", "fund_paid": "0.00",
            "self_pay_in_scope": "0.00", "self_pay_out_of_scope": "9000.00"}
    event_plan = [{"enrolment_id": "ev", "plan": "event-accident", "units": 1, "fee_paid": "0.00", "source": "gift",
                   "start": "2024-01-01", "end": "2024-12-31"}]
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim("c1", stay, event_plan))
    assert [issue.path for issue in raised.value.issues] == ["$.event.accident_id"]
    hospital_only = [{"enrolment_id": "im", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                      "start": "2024-01-01", "end": "2024-12-31"}]
    assert adjudicator.adjudicate(claim("c2", stay, hospital_only)).decision.enrolments


def test_one_death_benefit_per_enrolment_whatever_the_cause(adjudicator):
    new_form = [{"enrolment_id": "nf", "plan": "new-form-worker", "units": 1, "fee_paid": "0.00", "source": "gift",
                 "start": "2024-01-01", "end": "2024-12-31", "first_continuous_start": "2023-01-01"}]
    claims = [
        claim("c1", {"kind": "accident", "accident_id": "a1", "accident_date": "2024-03-01", "death_date": "2024-03-02"}, new_form),
        claim("c2", {"kind": "death", "death_date": "2024-05-01", "cause": "disease"}, new_form),
        claim("c3", {"kind": "accident", "accident_id": "a2", "accident_date": "2024-06-01", "death_date": "2024-06-01"}, new_form),
    ]
    totals = [str(result.decision.total) for result in adjudicator.adjudicate_many(claims, MemoryLedger())]
    assert totals == ["20000.00", "0.00", "0.00"]


@pytest.mark.parametrize("field, value", [("event.total", "1" + "0" * 27 + ".00"),
                                          ("event.diagnoses", [{"code": "I63.9", "findings": {"days_since_onset": "1E+5000"}}])])
def test_implausible_numbers_are_refused_not_crashed_on(adjudicator, field, value):
    stay = {"kind": "hospital_stay", "admission": "2024-05-01", "discharge": "2024-05-03", "cause": "disease",
            "designated": True, "total": "9000.00", "fund_paid": "0.00", "self_pay_in_scope": "0.00",
            "self_pay_out_of_scope": "0.00"}
    stay[field.split(".")[1]] = value
    hospital = [{"enrolment_id": "im", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                 "start": "2024-01-01", "end": "2024-12-31"}]
    (result,) = list(adjudicator.adjudicate_many([claim("c1", stay, hospital)], MemoryLedger()))
    assert result.errors and result.claim_id == "c1"


def test_a_proportional_payment_must_name_fee_schedules_of_the_plan(tmp_path):
    plans = tmp_path / "plans"
    shutil.copytree(ROOT / "plans" / "accident", plans / "accident")
    plan = plans / "accident" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("    high_risk: [32.00, 62.00, 93.00, 124.00]\n", ""), encoding="utf-8")
    _, issues = read_plans(plans, read_library(ROOT / "rules")[0])
    assert [(i.path, "not a fee schedule" in i.message) for i in issues] == [("proportional_payment.due_fee", True)]


def test_two_claims_decided_on_the_same_history_cannot_both_pay(adjudicator):
    """A death and a maturity refund decided on the same snapshot: whichever is recorded second
    read a value (no death paid) that the first changed, so the ledger refuses it."""
    refundable = REFUNDABLE[1:2]
    ledger = MemoryLedger()
    death = adjudicator.adjudicate(claim("c1", {"kind": "accident", "accident_id": "a1", "accident_date": "2024-06-01",
                                                "death_date": "2024-06-02"}, refundable), ledger)
    refund = adjudicator.adjudicate(claim("c2", {"kind": "maturity", "maturity_date": "2024-12-31", "alive": True},
                                          refundable), ledger)
    assert death.decision.total > 0 and refund.decision.total > 0
    ledger.apply("c1", death.changes)
    with pytest.raises(LedgerError):
        ledger.apply("c2", refund.changes)
