"""Money safety against claims whose ids a hostile partner system chose: each figure a
reliability run found (money paid twice or past a limit) is reproduced here, with the amounts
computed by hand from the catalogue."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from engine import MemoryLedger
from engine.model.decision import ClaimFailure
from engine.identity import aliases_of, claim_key
from engine.model.claim import Member
from engine.model.types import normalise_id

EMPLOYEE = {"member_id": "m-1", "gender": "male", "birth_date": "1980-05-01", "office": "beijing",
            "medical_insurance": "urban_employee", "employment": "standard"}
INPATIENT = {"enrolment_id": "e-1", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
             "start": "2024-01-01", "end": "2024-12-31"}
ALLOWANCE = {"enrolment_id": "a-1", "plan": "hospital-allowance", "units": 1, "fee_paid": "30.00",
             "start": "2024-01-01", "end": "2024-12-31"}
CRITICAL = {"enrolment_id": "ci-1", "plan": "critical-illness", "units": 1, "fee_paid": "80.00",
            "start": "2024-01-01", "end": "2024-12-31"}


def stay(claim_id: str, admission: str, discharge: str, in_scope: str, member=EMPLOYEE, enrolments=(INPATIENT,)) -> dict:
    return {"claim_id": claim_id, "member": dict(member), "enrolments": [dict(e) for e in enrolments],
            "event": {"kind": "hospital_stay", "admission": admission, "discharge": discharge, "cause": "disease",
                      "designated": True, "total": str(Decimal(in_scope) + 1000), "fund_paid": "1000.00",
                      "self_pay_in_scope": in_scope, "self_pay_out_of_scope": "0.00", "diagnoses": [{"code": "J18.9"}]}}


def diagnosis(claim_id: str, day: str, code: str, findings: dict, member=EMPLOYEE, enrolments=(CRITICAL,)) -> dict:
    return {"claim_id": claim_id, "member": dict(member), "enrolments": [dict(e) for e in enrolments],
            "event": {"kind": "diagnosis", "diagnosis_date": day, "diagnoses": [{"code": code, "findings": findings}]}}


def run(adjudicator, claims, ledger=None):
    return list(adjudicator.adjudicate_many(claims, ledger if ledger is not None else MemoryLedger()))


def totals(results) -> list:
    return [(r.claim_id, r.errors) if isinstance(r, ClaimFailure) else (r.decision.claim_id, r.decision.status, str(r.decision.total))
            for r in results]


# -- the same stay under a new claim id, and overlapping stays -------------------------------------


def test_the_same_stay_resent_under_a_new_claim_id_is_held_not_paid_again(adjudicator):
    # (7,400 − 500 deductible) × 50% = 3,450.00; sent again, the deductible is used up and it
    # would pay 7,400 × 50% = 3,700.00. It is held as a suspected duplicate naming c-1.
    first = stay("c-1", "2024-06-01", "2024-06-09", "7400.00")
    again = dict(copy.deepcopy(first), claim_id="c-1-resent")
    results = run(adjudicator, [first, again])
    assert totals(results) == [("c-1", "paid", "3450.00"), ("c-1-resent", "suspected_duplicate", "0.00")]
    held = results[1].decision
    assert held.suspected_duplicate.claim_id == "c-1" and held.suspected_duplicate.code == "suspected_duplicate"
    assert held.enrolments == [] and not [c for c in held.accumulator_changes if c.after != c.before]
    assert '"suspected_duplicate":{"claim_id":"c-1"' in held.to_json()


def test_a_stay_overlapping_a_paid_one_is_held(adjudicator):
    results = run(adjudicator, [stay("c-1", "2024-06-01", "2024-06-09", "7400.00"),
                                stay("c-2", "2024-06-05", "2024-06-20", "5000.00"),   # shares nights 5–8
                                stay("c-3", "2024-06-09", "2024-06-12", "1000.00")])  # readmitted on discharge day: a new stay
    assert totals(results) == [("c-1", "paid", "3450.00"), ("c-2", "suspected_duplicate", "0.00"),
                               ("c-3", "paid", "500.00")]
    assert "overlaps the stay 2024-06-01..2024-06-09" in results[1].decision.suspected_duplicate.detail


def test_a_refused_stay_records_no_event_and_can_come_back_corrected(adjudicator):
    undesignated = stay("c-1", "2024-06-01", "2024-06-09", "7400.00")
    undesignated["event"]["designated"] = False
    corrected = stay("c-2", "2024-06-01", "2024-06-09", "7400.00")
    assert totals(run(adjudicator, [undesignated, corrected])) == [("c-1", "denied", "0.00"), ("c-2", "paid", "3450.00")]


@pytest.mark.parametrize("spelling", ["C-1", "c-1 ", " c-1", "ｃ－１", "c-1\u3000"])
def test_claim_ids_differing_by_case_space_or_width_are_one_claim(adjudicator, spelling):
    first = stay("c-1", "2024-06-01", "2024-06-09", "7400.00")
    other = dict(stay("x", "2024-08-01", "2024-08-09", "2000.00"), claim_id=spelling)
    ledger = MemoryLedger()
    results = run(adjudicator, [first, other], ledger)
    assert totals(results)[0] == ("c-1", "paid", "3450.00")
    assert isinstance(results[1], ClaimFailure) and "already adjudicated" in results[1].errors[0]


@pytest.mark.parametrize("character", ["\u200b", "\u202e", "\x00", "\u2066", "\ufeff", "\n"])
def test_invisible_or_control_characters_in_ids_are_refused_at_their_path(adjudicator, character):
    claim = stay(f"c{character}-1", "2024-06-01", "2024-06-09", "7400.00",
                 member=dict(EMPLOYEE, member_id=f"m-{character}1"))
    claim["enrolments"][0]["enrolment_id"] = f"e{character}1"
    (failure,) = run(adjudicator, [claim])
    paths = sorted(error.split(":")[0] for error in failure.errors)
    assert paths == ["$.claim_id", "$.enrolments[0].enrolment_id", "$.member.member_id"]
    assert all("invisible characters are refused" in error for error in failure.errors)


def test_ids_have_a_length_limit(adjudicator):
    (failure,) = run(adjudicator, [stay("c" * 129, "2024-06-01", "2024-06-09", "7400.00")])
    assert failure.errors[0].startswith("$.claim_id: an id is at most 128 characters, got 129")


def test_one_spelling_per_identity():
    assert {claim_key(normalise_id(s)) for s in ("C-1", "c-1 ", "ｃ－１", "c-1\u00a0", "\u3000c-1")} == {"c-1"}
    member = {**EMPLOYEE, "member_id": "Ｍ-1 "}
    assert aliases_of(Member.model_validate(member)) == ("member:m-1",)


# -- the enrolment's identity is (member, plan, term start), never its label -------------------------


def test_a_renamed_enrolment_of_the_same_plan_and_term_shares_its_cap(adjudicator):
    # c-1: (30,000 − 500) → 10,000 × 50% + 19,500 × 60% = 16,700 → cut to the 15,000 cap.
    # c-2 lists the same plan and term as "e-renamed", beside the allowance: 8 nights − 3 = 5 days
    # × 40 = 200.00; the inpatient cap is used up, so 200.00 in all (not 15,200.00).
    first = stay("c-1", "2024-05-01", "2024-05-11", "30000.00")
    renamed = stay("c-2", "2024-07-01", "2024-07-09", "30000.00",
                   enrolments=(dict(INPATIENT, enrolment_id="e-renamed"), ALLOWANCE))
    results = run(adjudicator, [first, renamed])
    assert totals(results) == [("c-1", "partial", "15000.00"), ("c-2", "partial", "200.00")]
    inpatient = next(e for e in results[1].decision.enrolments if e.plan == "inpatient-medical")
    assert inpatient.amount == 0 and [r.code for r in inpatient.refusals] == ["cap_reached"]


# -- one person is one member ---------------------------------------------------------------------


SEVERE = ("C50.9", {"icdo3_behaviour": 3})  # malignant-tumour-severe: 10,000 × 1 unit, once in life
OTHER_SEVERE = ("I21.0", {"troponin_multiple": "20"})  # ami-severe


def test_member_ids_with_the_same_id_number_are_one_person(adjudicator):
    person = dict(EMPLOYEE, id_number="11010519800501001X")
    results = run(adjudicator, [
        diagnosis("c-1", "2024-06-01", *SEVERE, member=person),
        diagnosis("c-2", "2024-07-01", *OTHER_SEVERE, member=dict(person, member_id="m-1 ")),
        diagnosis("c-3", "2024-08-01", *OTHER_SEVERE, member=dict(person, member_id="m-2")),
    ])
    assert totals(results) == [("c-1", "paid", "10000.00"), ("c-2", "denied", "0.00"), ("c-3", "denied", "0.00")]
    for result in results[1:]:
        assert [r.code for r in result.decision.enrolments[0].refusals] == ["cover_ended"]


def test_a_member_id_learnt_with_an_id_number_follows_the_person(adjudicator):
    with_id = dict(EMPLOYEE, id_number="11010519800501001x")
    results = run(adjudicator, [
        diagnosis("c-1", "2024-06-01", *SEVERE, member=EMPLOYEE),             # no ID number yet
        diagnosis("c-2", "2024-07-01", *OTHER_SEVERE, member=with_id),        # the same member id, now with one
        diagnosis("c-3", "2024-08-01", *OTHER_SEVERE, member=dict(with_id, member_id="m-9")),  # the ID number, another member id
        diagnosis("c-4", "2024-09-01", *OTHER_SEVERE, member=dict(EMPLOYEE, id_number="220102198005010011")),
    ])
    assert totals(results)[:3] == [("c-1", "paid", "10000.00"), ("c-2", "denied", "0.00"), ("c-3", "denied", "0.00")]
    assert results[3].errors == ["$.member.id_number: member 'm-1' is recorded with ID number 11010519800501001X, "
                                 "not 220102198005010011"]


def test_accumulator_keys_are_structured_so_ids_with_slashes_never_collide(adjudicator):
    # With keys joined by "/", member "m" holding enrolment "e/inpatient-medical/e" and member
    # "m/inpatient-medical/e" holding enrolment "e" wrote one accumulator: the second was
    # denied for a cap the first used up. Each pays its own 15,000.00.
    first = stay("c-1", "2024-05-01", "2024-05-11", "30000.00", member=dict(EMPLOYEE, member_id="m"),
                 enrolments=(dict(INPATIENT, enrolment_id="e/inpatient-medical/e"),))
    second = stay("c-2", "2024-05-01", "2024-05-11", "30000.00", member=dict(EMPLOYEE, member_id="m/inpatient-medical/e"),
                  enrolments=(dict(INPATIENT, enrolment_id="e"),))
    results = run(adjudicator, [first, second])
    assert totals(results) == [("c-1", "partial", "15000.00"), ("c-2", "partial", "15000.00")]
    key = results[0].decision.accumulator_changes[0].key
    assert (key.member, key.plan, key.term) == ("member:m", "inpatient-medical", "2024-01-01")


# -- fees ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fee", ["99999999999999999.99", "400.00", "79.99"])
def test_a_fee_the_plan_never_charged_is_refused(adjudicator, fee):
    claim = diagnosis("c-1", "2024-02-01", *SEVERE, enrolments=(dict(CRITICAL, fee_paid=fee),))
    (failure,) = run(adjudicator, [claim])
    assert failure.errors == [f"$.enrolments[0].fee_paid: plan critical-illness charges 80.00 (80.00 × 1 units); "
                              f"fee_paid {Decimal(fee):.2f} cannot be right"]


def test_the_waiting_period_refund_is_the_fee_due_and_a_gift_refunds_nothing(adjudicator):
    # Diagnosed on day 31 (inside the 90-day waiting period): the fee of 2 units (160.00) comes back.
    paid = diagnosis("c-1", "2024-02-01", *SEVERE, enrolments=(dict(CRITICAL, units=2, fee_paid="160.00"),))
    gift = diagnosis("c-2", "2024-02-01", *SEVERE, member=dict(EMPLOYEE, member_id="m-2"),
                     enrolments=(dict(CRITICAL, units=2, fee_paid="0.00", source="gift"),))
    results = run(adjudicator, [paid, gift])
    assert totals(results) == [("c-1", "denied", "160.00"), ("c-2", "denied", "0.00")]
    (refund,) = results[0].decision.enrolments[0].lines
    assert refund.refund and refund.amount == Decimal("160.00")


def test_accident_fees_follow_tier_and_schedule(adjudicator):
    member = dict(EMPLOYEE, occupation_risk="high")
    accident = {"enrolment_id": "acc", "plan": "accident", "tier": 2, "fee_schedule": "high_risk", "fee_paid": "50.00",
                "start": "2024-01-01", "end": "2024-12-31"}
    claim = {"claim_id": "c-1", "member": member, "enrolments": [accident],
             "event": {"kind": "accident", "accident_id": "a1", "accident_date": "2024-03-01", "death_date": "2024-03-02"}}
    (failure,) = run(adjudicator, [claim])
    assert failure.errors == ["$.enrolments[0].fee_paid: plan accident charges 62.00 (tier 2, high_risk fee schedule); "
                              "fee_paid 50.00 cannot be right"]


# -- racing writers --------------------------------------------------------------------------------


def test_claims_racing_on_one_member_are_decided_again_on_fresh_history_not_failed(adjudicator):
    """Eight threads adjudicating claims of the same members into one ledger: a claim whose
    history another thread changed in the meantime is decided again (before: 217 of 3,200 such
    claims failed with a stale-value error). None fails, and no cap is exceeded."""
    import sys
    import threading

    members = [dict(EMPLOYEE, member_id=f"m-{n}") for n in range(4)]
    claims = [stay(f"c-{n}-{k}", f"2024-{4 + k // 3:02d}-{1 + (k % 3) * 10:02d}", f"2024-{4 + k // 3:02d}-{8 + (k % 3) * 10:02d}",
                   "9000.00", member=member, enrolments=(INPATIENT, ALLOWANCE))
              for n, member in enumerate(members) for k in range(12)]
    ledger = MemoryLedger()
    results: list = []
    shares = [claims[t::8] for t in range(8)]  # each thread a share of every member's claims

    def work(share):
        results.extend(adjudicator.adjudicate_many(share, ledger, chunk=2))

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so decisions interleave with other threads' recording
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(results) == len(claims)
    assert [r for r in results if isinstance(r, ClaimFailure)] == []
    paid: dict = {}
    for result in results:
        for enrolment in result.decision.enrolments:
            if enrolment.plan == "inpatient-medical":
                paid[result.decision.member_id] = paid.get(result.decision.member_id, Decimal(0)) + enrolment.amount
    assert set(paid.values()) == {Decimal("15000.00")}  # 12 × ~4,250 each: every member reaches the cap exactly
