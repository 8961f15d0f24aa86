"""Invalid claims are refused with JSON paths; a sequence goes on past them; nothing pays twice.

Each refused claim must carry one issue at the JSON path of its defect (`$.member.birth_date`),
found by a keyword of its message.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from engine import ClaimError, MemoryLedger
from engine.api import AdjudicationResult
from engine.errors import LedgerError
from engine.ledger import AccumulatorKey, Change
from engine.model.decision import ClaimFailure


def stay_claim(claim_id="c1", spi="12500.00", admission="2024-06-01", discharge="2024-06-11", **event):
    """An urban employee's covered stay; alone it pays 6,200.00 (fixtures/cases, first case)."""
    return {
        "claim_id": claim_id,
        "member": {"member_id": "m1", "gender": "male", "birth_date": "1980-05-01", "office": "beijing",
                   "medical_insurance": "urban_employee", "employment": "standard"},
        "enrolments": [{"enrolment_id": "e1", "plan": "inpatient-medical", "units": 2, "fee_paid": "120.00",
                        "start": "2024-01-01", "end": "2024-12-31"}],
        "event": {"kind": "hospital_stay", "admission": admission, "discharge": discharge, "cause": "disease",
                  "designated": True, "total": "30000.00", "fund_paid": "15000.00",
                  "self_pay_in_scope": spi, "self_pay_out_of_scope": "2500.00", **event},
    }


def changed(path: str, value=None, *, delete=False):
    """A mutation of `stay_claim()` setting (or deleting) one dotted path such as `event.icu_days`."""

    def mutate(claim):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = claim
        for part in parents:
            node = node[part]
        if delete:
            del node[last]
        else:
            node[last] = value
        return claim

    return mutate


def as_json_text(old: str, new: str):
    """A mutation on the claim's JSON text, for numbers JSON holds but Python dicts would not."""

    def mutate(claim):
        text = json.dumps(claim)
        assert old in text
        return text.replace(old, new)

    return mutate


def case(name, mutate, path, keyword):
    """`keyword` (or any of a tuple of them) must occur in the issue's message."""
    keywords = keyword if isinstance(keyword, tuple) else (keyword,)
    return pytest.param(mutate, path, keywords, id=name)


CASES = [
    case("missing-birth-date", changed("member.birth_date", delete=True), "$.member.birth_date", "required"),
    case("impossible-date", changed("member.birth_date", "1980-02-30"), "$.member.birth_date", "date"),
    case("not-a-date", changed("event.admission", "June 1st"), "$.event.admission", "date"),
    case("money-json-number-3-decimals", as_json_text('"12500.00"', "12500.005"), "$.event.self_pay_in_scope", "2 decimal"),
    case("money-string-3-decimals", changed("event.self_pay_in_scope", "12500.005"), "$.event.self_pay_in_scope", "2 decimal"),
    case("money-float-with-hidden-digits", changed("event.self_pay_out_of_scope", 0.1 + 0.2), "$.event.self_pay_out_of_scope",
         ("2 decimal", "float")),
    case("money-negative", changed("event.self_pay_out_of_scope", "-1.00"), "$.event.self_pay_out_of_scope",
         ("negative", "greater than or equal to 0")),
    case("money-not-finite", changed("enrolments.0.fee_paid", "NaN"), "$.enrolments[0].fee_paid", "finite"),
    case("icu-days-beyond-stay", changed("event.icu_days", 11), "$.event.icu_days", "icu_days"),
    case("discharge-before-admission", changed("event.discharge", "2024-05-31"), "$.event.discharge", "before"),
    case("unknown-plan", changed("enrolments.0.plan", "inpatient-medicl"), "$.enrolments[0].plan", "unknown plan"),
    case("units-above-range", changed("enrolments.0.units", 4), "$.enrolments[0].units", "units"),
    case("units-missing", changed("enrolments.0.units", delete=True), "$.enrolments[0].units", "units"),
    case("units-bool", changed("enrolments.0.units", True), "$.enrolments[0].units", "integer"),
    case("unknown-circumstance", changed("event.circumstances", ["war", "warr"]), "$.event.circumstances[1]",
         "unknown circumstance"),
    case("invalid-icd10-code", changed("event.diagnoses", [{"code": "C5O.9"}]), "$.event.diagnoses[0].code", "ICD-10"),
    case("unknown-event-field", changed("event.hospitl", "x"), "$.event.hospitl", "unknown field"),
    case("unknown-member-field", changed("member.nmae", "x"), "$.member.nmae", "unknown field"),
    case("unknown-top-level-field", changed("claim_ide", "x"), "$.claim_ide", "unknown field"),
]


def claim_issues(adjudicator, claim):
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    return raised.value.issues


def test_the_unmutated_claim_is_valid(adjudicator):
    assert adjudicator.adjudicate(stay_claim()).decision.total == Decimal("6200.00")


@pytest.mark.parametrize("mutate, path, keywords", CASES)
def test_invalid_claim_is_refused_at_its_json_path(adjudicator, mutate, path, keywords):
    claim = mutate(stay_claim())
    issues = claim_issues(adjudicator, claim)
    found = [issue for issue in issues if any(k.lower() in issue.message.lower() for k in keywords)]
    assert len(found) == 1, [str(i) for i in issues]
    assert found[0].path == path, str(found[0])

    # The same claim inside a sequence, decoded as read_claims_file decodes JSON: a ClaimFailure
    # naming the path; nothing recorded.
    if isinstance(claim, str):
        claim = json.loads(claim, parse_float=Decimal)
    ledger = MemoryLedger()
    (failure,) = adjudicator.adjudicate_many([claim], ledger)
    assert isinstance(failure, ClaimFailure)
    assert failure.claim_id == "c1"
    assert any(path in error for error in failure.errors), failure.errors
    assert ledger.snapshot() == {} and not ledger.has_claim("c1")


def test_every_problem_of_a_claim_is_listed(adjudicator):
    claim = stay_claim()
    claim["event"]["circumstances"] = ["warr"]
    claim["event"]["diagnoses"] = [{"code": "XYZ"}]
    claim["enrolments"][0]["plan"] = "nope"
    paths = {issue.path for issue in claim_issues(adjudicator, claim)}
    assert paths == {"$.enrolments[0].plan", "$.event.circumstances[0]", "$.event.diagnoses[0].code"}


def test_a_claim_given_as_json_text_fails_under_its_own_id(adjudicator):
    text = json.dumps(stay_claim()).replace('"12500.00"', "12500.005")
    (failure,) = adjudicator.adjudicate_many([text])
    assert isinstance(failure, ClaimFailure) and failure.claim_id == "c1"


def test_invalid_json_text_is_a_failure(adjudicator):
    (failure,) = adjudicator.adjudicate_many(['{"claim_id": "c1", '])
    assert isinstance(failure, ClaimFailure) and failure.claim_id is None
    assert failure.errors[0].startswith("$: invalid JSON")


# -- sequences -----------------------------------------------------------------------------------
# Deductible spanning two stays (fixtures/cases): stay 1 has base 300.00, all eaten by the 500.00
# deductible; stay 2 has base 1,000.00, 200.00 deductible left, 800.00 at 50% = 400.00.


def small_stay(claim_id, spi, admission, discharge, total):
    claim = stay_claim(claim_id, spi=spi, admission=admission, discharge=discharge)
    claim["enrolments"][0].update(units=1, fee_paid="60.00")
    claim["event"].update(total=total, fund_paid=str(Decimal(total) - Decimal(spi)), self_pay_out_of_scope="0.00")
    return claim


FIRST = small_stay("c1", "300.00", "2024-05-01", "2024-05-04", "1000.00")
SECOND = small_stay("c3", "1000.00", "2024-07-01", "2024-07-05", "3000.00")


def test_a_bad_claim_between_good_ones_fails_alone(adjudicator):
    bad = copy.deepcopy(SECOND)
    bad["claim_id"] = "c2"
    bad["event"]["circumstances"] = ["not_a_code"]
    ledger = MemoryLedger()
    first, middle, last = adjudicator.adjudicate_many([FIRST, bad, SECOND], ledger)

    assert isinstance(first, AdjudicationResult) and first.decision.total == Decimal("0.00")
    assert isinstance(middle, ClaimFailure) and middle.claim_id == "c2"
    assert any("$.event.circumstances[0]" in error for error in middle.errors)
    assert isinstance(last, AdjudicationResult) and last.decision.total == Decimal("400.00")

    assert ledger.has_claim("c1") and ledger.has_claim("c3") and not ledger.has_claim("c2")
    alone = MemoryLedger()
    list(adjudicator.adjudicate_many([FIRST, SECOND], alone))
    assert ledger.snapshot() == alone.snapshot()


def test_a_bad_claim_in_a_later_chunk_does_not_disturb_the_others(adjudicator):
    bad = copy.deepcopy(SECOND)
    bad["claim_id"] = "c2"
    bad["event"]["icu_days"] = 99
    results = list(adjudicator.adjudicate_many([FIRST, bad, SECOND], MemoryLedger(), chunk=1))
    assert [type(r).__name__ for r in results] == ["AdjudicationResult", "ClaimFailure", "AdjudicationResult"]
    assert results[2].decision.total == Decimal("400.00")


def test_the_same_claim_id_twice_in_one_sequence_pays_once(adjudicator):
    ledger = MemoryLedger()
    first, again = adjudicator.adjudicate_many([stay_claim(), stay_claim()], ledger)
    assert isinstance(first, AdjudicationResult) and first.decision.total == Decimal("6200.00")
    assert isinstance(again, ClaimFailure) and again.claim_id == "c1"
    assert "already" in again.errors[0]

    once = MemoryLedger()
    list(adjudicator.adjudicate_many([stay_claim()], once))
    assert ledger.snapshot() == once.snapshot()


def test_the_same_claim_id_sent_again_later_pays_once(adjudicator):
    ledger = MemoryLedger()
    list(adjudicator.adjudicate_many([stay_claim()], ledger))
    before = ledger.snapshot()
    resent = stay_claim(spi="13000.00")  # same id, even with other amounts
    resent["event"]["self_pay_out_of_scope"] = "2000.00"
    (again,) = adjudicator.adjudicate_many([resent], ledger)
    assert isinstance(again, ClaimFailure) and again.claim_id == "c1"
    assert ledger.snapshot() == before


def test_applying_a_recorded_claim_again_is_refused(adjudicator):
    ledger = MemoryLedger()
    result = adjudicator.adjudicate(stay_claim(), ledger)
    ledger.apply("c1", result.changes)
    before = ledger.snapshot()
    with pytest.raises(LedgerError):
        ledger.apply("c1", adjudicator.adjudicate(stay_claim(), ledger).changes)
    assert ledger.snapshot() == before


# -- the ledger ----------------------------------------------------------------------------------


def test_ledger_refuses_a_stale_before_and_changes_nothing(adjudicator):
    ledger = MemoryLedger()
    first = adjudicator.adjudicate(FIRST, ledger)
    second_on_stale_history = adjudicator.adjudicate(SECOND, ledger)  # computed before c1 is recorded
    ledger.apply("c1", first.changes)
    before = ledger.snapshot()

    with pytest.raises(LedgerError, match="adjudicate the claim again"):
        ledger.apply("c3", second_on_stale_history.changes)
    assert ledger.snapshot() == before and not ledger.has_claim("c3")

    fresh = adjudicator.adjudicate(SECOND, ledger)
    ledger.apply("c3", fresh.changes)
    assert fresh.decision.total == Decimal("400.00")


def test_ledger_apply_is_all_or_nothing():
    a, b = (AccumulatorKey("member:m1", "inpatient-medical", "2024-01-01", "inpatient-reimbursement", measure) for measure in ("paid", "deductible_used"))
    ledger = MemoryLedger()
    ledger.apply("c1", [Change(a, Decimal("0"), Decimal("5.00")), Change(b, Decimal("0"), Decimal("1.00"))])
    before = ledger.snapshot()
    good = Change(a, Decimal("5.00"), Decimal("7.00"))
    stale = Change(b, Decimal("0"), Decimal("2.00"))  # b is 1.00 now
    with pytest.raises(LedgerError, match="deductible_used"):
        ledger.apply("c2", [good, stale])
    assert ledger.snapshot() == before and not ledger.has_claim("c2")
    ledger.apply("c2", [good, Change(b, Decimal("1.00"), Decimal("2.00"))])
    assert ledger.snapshot() == {a: Decimal("7.00"), b: Decimal("2.00")}


def test_adjudicate_refuses_a_claim_its_history_already_holds(adjudicator):
    ledger = MemoryLedger()
    claim = small_stay("c1", "1000.00", "2024-06-01", "2024-06-05", "3000.00")
    result = adjudicator.adjudicate(claim, history=ledger)
    ledger.apply("c1", result.changes)
    with pytest.raises(LedgerError):
        adjudicator.adjudicate(claim, history=ledger)


def test_a_caller_that_stops_early_has_recorded_only_what_it_received(adjudicator):
    """Claims are recorded as they are yielded: breaking off leaves the rest unrecorded, and
    they can be adjudicated later on the history as it then stands."""
    claims = [small_stay(f"c{n}", "1000.00", f"2024-0{n + 4}-01", f"2024-0{n + 4}-05", "3000.00") for n in range(5)]
    ledger = MemoryLedger()
    stream = adjudicator.adjudicate_many(claims, ledger)
    first = next(stream)
    stream.close()
    assert isinstance(first, AdjudicationResult)
    assert [ledger.has_claim(f"c{n}") for n in range(5)] == [True, False, False, False, False]
    rest = list(adjudicator.adjudicate_many(claims[1:], ledger))
    assert all(isinstance(r, AdjudicationResult) for r in rest)
    assert [r.decision.total for r in [first, *rest]] == [Decimal("250.00"), Decimal("500.00"), Decimal("500.00"), Decimal("500.00"), Decimal("500.00")]
