"""The catalogue's 2024.1 amendments, compared with the oracle. A test of an amendment the
engine does not follow yet is `xfail(strict=True)`: it fails for the reason it names, and
turns into an unexpected pass (a failure) the day the engine follows the amended text, so
that whoever lands the amendment removes the mark. The other property tests stop comparing a
member's claims at the first one whose decision depends on one of these readings
(tests/oracle_harness.py); these tests compare them all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from helpers import budget
from oracle.lists import MILD, PLATEAU, SEVERE, WOMEN
from oracle_harness import agree
from oracle_strategies.common import DAY, claims_of, enrolment, member, ordinary_births
from oracle_strategies.diseases import certainly_mild, diagnosis_event

ROOT = Path(__file__).resolve().parent.parent
COMPARED = budget(15)
START = dt.date(2024, 1, 1)


def one_claim(event: dict, *, office: str = "xizang", gender: str = "female", plans=("critical-illness",), units: int = 2,
              medical_insurance: str = "urban_employee") -> list[dict]:
    person = member(birth=dt.date(1985, 6, 1), gender=gender, office=office, insurance=medical_insurance)
    enrolments = [enrolment(plan, plan[:2], START, units=units) for plan in plans]
    return claims_of(person, enrolments, [event])


@st.composite
def cabg_claims(draw):
    code = draw(st.sampled_from(("I20.0", "I21.4", "I25.1", "I25.10")))
    findings = {}
    stated = draw(st.sampled_from((True, False, None)))
    if stated is not None:
        findings["sternotomy"] = stated
    procedures = draw(st.lists(st.sampled_from(("36.10", "36.11", "36.12", "36.15", "36.16", "36.19", "36.06")), min_size=1, max_size=2))
    day = START + draw(st.integers(90, 360)) * DAY
    return one_claim(diagnosis_event(day, [{"code": code, "findings": findings}], procedures), units=draw(st.integers(1, 5)))


@COMPARED
@example(one_claim(diagnosis_event(START + 120 * DAY, [{"code": "I25.1", "findings": {"sternotomy": True}}], ["36.11"])))
@example(one_claim(diagnosis_event(START + 120 * DAY, [{"code": "I25.1", "findings": {"sternotomy": False}}], ["36.15"])))
@example(one_claim(diagnosis_event(START + 120 * DAY, [{"code": "I25.1"}], ["36.12"])))
@given(cabg_claims())
def test_coronary_bypass_by_sternotomy(adjudicator, claims):
    agree(adjudicator, claims, amended=frozenset({"cabg"}))


def catalogue_codes(definition) -> set[str]:
    return {f"{low}-{high}" if low != high else low for low, high in definition.codes.entries}


def rule_entries() -> dict[tuple[str, int], set[str]]:
    found = {}
    for path in (ROOT / "rules" / "diseases").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("entries", []):
            found[(data["list"], entry["number"])] = {str(code).replace("–", "-") for code in entry["icd10"]}
    return found


TABLES = [("critical-illness-severe", d) for d in SEVERE] + [("critical-illness-mild", d) for d in MILD] + \
         [("female-special-disease", d) for d in WOMEN] + [("high-altitude", d) for d in PLATEAU]


@pytest.mark.parametrize("list_id, definition", [pytest.param(list_id, d, id=f"{list_id} #{d.number}") for list_id, d in TABLES])
def test_rule_libraries_list_the_catalogue_codes(list_id, definition):
    """Each entry of rules/diseases/ carries exactly the ICD-10 codes of the catalogue's table."""
    assert rule_entries()[(list_id, definition.number)] == catalogue_codes(definition)


@st.composite
def severe_with_others(draw, other: str):
    """One claim: a severe disease and, beside it, a plateau disease or another diagnosis that
    is certainly mild (or a second severe one)."""
    severe = {"code": draw(st.sampled_from(("K72.0", "K74.6", "H54.0", "C50.9"))), "findings": {"icdo3_behaviour": 3}}
    procedures = None
    if other == "plateau":
        second = {"code": draw(st.sampled_from(("D75.1", "I27.8", "J44.9", "B67.9", "I10")))}
    elif other == "severe":
        second = {"code": draw(st.sampled_from(("K72.1", "N18.5"))), "findings": {"dialysis_days": 120}}
    else:
        second, procedures, _ = draw(certainly_mild())
    diagnoses = draw(st.permutations([severe, second]))
    day = START + draw(st.integers(90, 360)) * DAY
    return one_claim(diagnosis_event(day, diagnoses, procedures), units=draw(st.integers(1, 5)))


@COMPARED
@example(one_claim(diagnosis_event(START + 200 * DAY, [{"code": "K72.0"}, {"code": "D75.1"}])))
@given(severe_with_others("plateau"))
def test_plateau_rider_stacks_on_severe(adjudicator, claims):
    agree(adjudicator, claims, amended=frozenset({"plateau-stacks"}))


@COMPARED
@example(one_claim(diagnosis_event(START + 200 * DAY, [{"code": "K72.0"}, {"code": "K51.9"}])))
@given(st.one_of(severe_with_others("mild"), severe_with_others("severe")))
def test_severe_ends_cover_for_later_claims_only(adjudicator, claims):
    agree(adjudicator, claims, amended=frozenset({"severe-ends-later"}))


@st.composite
def not_applicable_claims(draw):
    """A plan that does not cover the event beside one that pays: the women's plan on a heart
    attack, an accident plan on an illness, a hospital plan on a diagnosis."""
    case = draw(st.sampled_from(("women on a heart attack", "accident plans on an illness", "hospital plans on a diagnosis")))
    day = START + draw(st.integers(90, 300)) * DAY
    if case == "accident plans on an illness":
        stay = {"kind": "hospital_stay", "admission": day.isoformat(), "discharge": (day + 5 * DAY).isoformat(), "cause": "disease",
                "designated": True, "icu_days": 0, "diagnoses": [{"code": "J18.9"}], "total": "9000.00", "fund_paid": "4000.00",
                "self_pay_in_scope": "5000.00", "self_pay_out_of_scope": "0.00"}
        person = member(birth=draw(ordinary_births(START)), employment="new_form")
        enrolments = [enrolment("inpatient-medical", "im", START), enrolment("accident", "acc", START, tier=2),
                      enrolment("refundable-accident", "rf", START), enrolment("event-accident", "ev", START)]
        return claims_of(person, draw(st.permutations(enrolments)), [stay])
    plans = ("critical-illness", "female-special-disease") if case.startswith("women") else ("critical-illness", "inpatient-medical")
    return one_claim(diagnosis_event(day, [{"code": "I21.0", "findings": {"troponin_multiple": "20.00"}}]), plans=plans, office="beijing")


@COMPARED
@example(one_claim(diagnosis_event(START + 200 * DAY, [{"code": "I21.0", "findings": {"troponin_multiple": "20.00"}}]),
                   plans=("critical-illness", "female-special-disease"), office="beijing"))
@given(not_applicable_claims())
def test_not_applicable_enrolments_are_listed_and_not_partial(adjudicator, claims):
    agree(adjudicator, claims, amended=frozenset({"not-applicable"}))


@st.composite
def scoped_pending_claims(draw):
    """A benefit waiting for a finding beside one that is certain: an infarction without its
    findings beside a plateau disease; a listed disease in the waiting period (refund certain)
    beside an undecided one; an undecided mild disease once two mild payments are made."""
    case = draw(st.sampled_from(("plateau", "waiting")))
    undecided = {"code": draw(st.sampled_from(("I21.0", "I63.9", "C50.9")))}
    if case == "plateau":
        certain = {"code": draw(st.sampled_from(("D75.1", "J44.9")))}
        day = START + draw(st.integers(90, 300)) * DAY
    else:
        certain = {"code": "K72.0"}
        day = START + draw(st.integers(0, 89)) * DAY
    return one_claim(diagnosis_event(day, draw(st.permutations([undecided, certain]))))


@COMPARED
@example(one_claim(diagnosis_event(START + 200 * DAY, [{"code": "I21.0"}, {"code": "D75.1"}])))
@given(scoped_pending_claims())
def test_pending_holds_back_only_the_benefit_that_waits(adjudicator, claims):
    agree(adjudicator, claims, amended=frozenset({"scoped-pending"}))
