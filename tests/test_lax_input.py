"""Input the engine once accepted by being lax, each decided (README, "Bad input"): refused at
its JSON path unless there is a reason to accept it.

The claim is `stay_claim()` (an urban employee's covered stay): alone it pays 6,200.00, with
self_pay_in_scope 12,500.00 (fixtures/cases/inpatient-medical-basics.yaml, first case)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from engine.errors import ClaimError
from test_claim_errors import stay_claim


def issues_of(adjudicator, claim) -> list[str]:
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    return [str(issue) for issue in raised.value.issues]


@pytest.mark.parametrize("written, why", [
    ("１２５００.００", "ASCII digits only"),    # full-width digits: Decimal() reads them
    ("١٢٥٠٠", "ASCII digits only"),            # Arabic-Indic digits
    ("1.25E+4", "no exponent"),
    ("12_500.00", "no underscores"),
    (" 12500.00 ", "no spaces"),
    ("12500.00\n", "no spaces"),
    ("12,500.00", "no thousands separators"),
    ("+12500", "no sign"),
    ("12500.", ""),
    (".5", ""),
    ("0x30D4", ""),
])
def test_money_text_in_another_form_is_refused_at_its_path(adjudicator, written, why):
    (issue,) = issues_of(adjudicator, stay_claim(spi=written))
    assert issue.startswith("$.event.self_pay_in_scope: money as text is digits with at most two decimals"), issue
    assert why in issue


@pytest.mark.parametrize("written", ['"12500.00"', '"12500"', '"012500.0"', "12500", "12500.00", "1.25E+4", "125E2"])
def test_plain_money_text_and_any_json_number_pay_the_same(adjudicator, written):
    """JSON numbers are numbers, read exactly whatever their form (the grammar is JSON's, and
    the value is what it says); text is the schema's pattern, leading zeros included."""
    text = json.dumps(stay_claim()).replace('"self_pay_in_scope": "12500.00"', f'"self_pay_in_scope": {written}')
    assert written in text
    decision = adjudicator.adjudicate(text).decision
    assert decision.total == Decimal("6200.00") and decision.status == "paid"


@pytest.mark.parametrize("written", [
    1717200000,                  # a Unix timestamp (2024-06-01 00:00 UTC): pydantic read it as a date
    "1717200000",
    "2024-06-01T00:00:00",       # a date-time at midnight: pydantic dropped the time
    "2024-06-01 00:00",
    "2024-06-01T08:00:00+08:00",
    "20240601",
    "2024-6-1",
    "２０２４-０６-０１",
    dt.datetime(2024, 6, 1),     # from Python: a datetime is a date subclass
])
def test_a_date_is_written_yyyy_mm_dd_and_nothing_else(adjudicator, written):
    (issue,) = issues_of(adjudicator, stay_claim(admission=written))
    assert issue.startswith("$.event.admission: a date is written YYYY-MM-DD"), issue


def test_a_date_object_from_python_or_yaml_is_a_date(adjudicator):
    assert adjudicator.adjudicate(stay_claim(admission=dt.date(2024, 6, 1))).decision.total == Decimal("6200.00")


def test_a_birth_date_after_the_event_is_refused(adjudicator):
    claim = stay_claim()
    claim["member"]["birth_date"] = "2024-06-02"
    (issue,) = issues_of(adjudicator, claim)
    assert issue == "$.member.birth_date: birth_date 2024-06-02 is after the event (2024-06-01)"


def test_a_birth_on_the_event_day_is_a_claim_decided_by_the_plan(adjudicator):
    """Not refused as input: the plan's eligibility (age 16 to 65) decides it."""
    claim = stay_claim()
    claim["member"]["birth_date"] = "2024-06-01"
    decision = adjudicator.adjudicate(claim).decision
    assert decision.total == Decimal("0.00") and decision.status == "denied"
