"""Benefit precedence that says what it means (issue 11, item 4): `yields_to` yields only to a
benefit that could pay this enrolment (its `when` holds) and says so; `stacks_with` pays on top;
`check` accepts overlaps declared either way and flags the undeclared ones.

The plan here is small and made for the test: a rider for office xizang on a one-entry list
(G30, no criteria) and a main benefit on the mild list, whose #12 alzheimers-mild is G30 with
adl_lost = 2, so one diagnosis (G30, adl_lost 2) meets a definition of both."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from engine.api import Adjudicator
from engine.loader import read_library, read_plans
from engine.static_checks import static_issues

ROOT = Path(__file__).resolve().parent.parent
LIST = "kind: diseases\nlist: test-list\ntitle: 测试\nentries:\n  - {number: 1, id: dementia, name: 痴呆, icd10: [G30]}\n"
RIDER = "  - {id: rider, title: 附加, pays: lump_sum, when: {office: xizang}, diseases: {list: test-list}, amount: 5000.00}\n"


def plans_with(tmp_path: Path, main: str):
    """(library, compiled plans, folders) of rules/ plus the test list and one plan p."""
    rules, plans = tmp_path / "rules", tmp_path / "plans"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "diseases" / "test-list.yaml").write_text(LIST, encoding="utf-8")
    plans.mkdir()
    (plans / "p.yaml").write_text(
        "plan: p\ntitle: 测试方案\nrevision: '1'\neffective_from: 2024-01-01\nfee: 10.00\nevents: [diagnosis]\nbenefits:\n"
        + RIDER + "  - {id: main, title: 主险, pays: lump_sum, diseases: {list: critical-illness-mild}, amount: 3000.00"
        + main + "}\n", encoding="utf-8")
    library, issues = read_library(rules)
    assert issues == []
    compiled, problems = read_plans(plans, library)
    assert problems == []
    return library, compiled, rules, plans


def claim(office: str) -> dict:
    return {
        "claim_id": f"c-{office}",
        "member": {"member_id": f"m-{office}", "gender": "male", "birth_date": "1980-01-01", "office": office,
                   "medical_insurance": "urban_employee", "employment": "standard"},
        "enrolments": [{"enrolment_id": "e", "plan": "p", "fee_paid": "10.00", "start": "2024-01-01", "end": "2024-12-31"}],
        "event": {"kind": "diagnosis", "diagnosis_date": "2024-06-01", "cause": "disease",
                  "diagnoses": [{"code": "G30.1", "findings": {"adl_lost": 2}}]},
    }


def paid(decision) -> dict[str, Decimal]:
    return {line.benefit: line.amount for e in decision.enrolments for line in e.lines}


def test_yields_only_to_a_benefit_whose_when_holds_and_says_which_paid(tmp_path):
    library, compiled, _, _ = plans_with(tmp_path, ", yields_to: [rider]")
    adjudicator = Adjudicator(compiled, library)
    # beijing: the rider cannot pay this enrolment, so main does not yield to it
    beijing = adjudicator.adjudicate(claim("beijing")).decision
    assert paid(beijing) == {"main": Decimal("3000.00")} and beijing.status == "paid"
    # xizang: the rider pays and takes the diagnosis; its line says main met a definition and yielded
    xizang = adjudicator.adjudicate(claim("xizang")).decision
    assert paid(xizang) == {"rider": Decimal("5000.00")} and xizang.status == "paid"
    (line,) = xizang.enrolments[0].lines
    assert line.inputs["yielded:main"] == ("met critical-illness-mild/alzheimers-mild 轻度阿尔茨海默病; "
                                           "main yields to rider, which paid")


def test_stacks_with_pays_both_on_one_diagnosis(tmp_path):
    library, compiled, _, _ = plans_with(tmp_path, ", stacks_with: [rider]")
    adjudicator = Adjudicator(compiled, library)
    assert paid(adjudicator.adjudicate(claim("xizang")).decision) == {"rider": Decimal("5000.00"), "main": Decimal("3000.00")}
    assert paid(adjudicator.adjudicate(claim("beijing")).decision) == {"main": Decimal("3000.00")}


@pytest.mark.parametrize("declared", ["", ", yields_to: [rider]", ", stacks_with: [rider]"])
def test_check_flags_an_undeclared_overlap_and_accepts_declared_ones(tmp_path, declared):
    library, compiled, rules, plans = plans_with(tmp_path, declared)
    errors, _ = static_issues(rules, plans, compiled, library)
    overlaps = [str(error) for error in errors if "can both pay one diagnosis" in error.message]
    if declared:
        assert overlaps == []
    else:
        (overlap,) = overlaps
        assert "rider and main can both pay one diagnosis" in overlap
        assert "yields_to: [rider]" in overlap and "stacks_with: [rider]" in overlap


def test_stacking_with_and_yielding_to_one_benefit_is_refused(tmp_path):
    rules, plans = tmp_path / "rules", tmp_path / "plans"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "diseases" / "test-list.yaml").write_text(LIST, encoding="utf-8")
    plans.mkdir()
    (plans / "p.yaml").write_text(
        "plan: p\ntitle: t\nrevision: '1'\neffective_from: 2024-01-01\nfee: 10.00\nevents: [diagnosis]\nbenefits:\n" + RIDER
        + "  - {id: main, title: t, pays: lump_sum, diseases: {list: critical-illness-mild}, amount: 1.00, "
          "yields_to: [rider], stacks_with: [rider, nope]}\n", encoding="utf-8")
    library, _ = read_library(rules)
    _, problems = read_plans(plans, library)
    messages = {issue.path: issue.message for issue in problems}
    assert "both stacks with and yields to rider" in messages["benefits[1].stacks_with[0]"]
    assert "not another lump-sum benefit" in messages["benefits[1].stacks_with[1]"]


def test_the_bundled_plateau_rider_stacks_on_severe_and_mild():
    library, _ = read_library(ROOT / "rules")
    compiled, _ = read_plans(ROOT / "plans", library)
    (plan,) = [c for c in compiled if c.plan.plan == "critical-illness"]
    rider = next(b for b in plan.plan.benefits if b.id == "plateau")
    assert rider.stacks_with == ["severe", "mild"]


def test_a_refused_preferred_payment_says_what_yielded_to_it(tmp_path):
    # two diagnoses meeting a once-in-life rider in one claim: the second is refused, and main,
    # which met it too and yields to the rider, is named in the refusal
    library, compiled, _, _ = plans_with(tmp_path, ", yields_to: [rider]")
    text = (tmp_path / "plans" / "p.yaml").read_text(encoding="utf-8")
    (tmp_path / "plans" / "p.yaml").write_text(text.replace("amount: 5000.00}", "amount: 5000.00, max_payments_per_life: 1}"),
                                               encoding="utf-8")
    library, _ = read_library(tmp_path / "rules")
    compiled, problems = read_plans(tmp_path / "plans", library)
    assert problems == []
    two = claim("xizang")
    two["event"]["diagnoses"].append({"code": "G30.9", "findings": {"adl_lost": 2}})
    decision = Adjudicator(compiled, library).adjudicate(two).decision
    assert paid(decision) == {"rider": Decimal("5000.00")}
    (refusal,) = decision.enrolments[0].refusals
    assert refusal.code == "lifetime_limit_reached"
    assert refusal.detail.endswith("main met critical-illness-mild/alzheimers-mild on this diagnosis and yields to rider, "
                                   "which did not pay it")
