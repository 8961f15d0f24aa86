"""One value, one place (issue 11, item 5): the ICU extra days of the hospital allowance use the
benefit's per-day amount, written once, so changing it changes both; `check` warns where the
plan's notes say two rates are equal and they differ."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from engine.api import Adjudicator
from engine.loader import read_library, read_plans
from engine.static_checks import static_issues

ROOT = Path(__file__).resolve().parent.parent
PLAN = "plans/hospital-allowance/2024.yaml"
STAY = {
    "claim_id": "c1",
    "member": {"member_id": "m1", "gender": "male", "birth_date": "1980-01-01", "office": "beijing",
               "medical_insurance": "urban_employee", "employment": "standard"},
    "enrolments": [{"enrolment_id": "ha", "plan": "hospital-allowance", "units": 2, "fee_paid": "60.00",
                    "start": "2024-01-01", "end": "2024-12-31", "first_continuous_start": "2023-01-01"}],
    "event": {"kind": "hospital_stay", "admission": "2024-06-01", "discharge": "2024-06-11", "cause": "disease",
              "designated": True, "icu_days": 4, "total": "9000.00", "fund_paid": "4000.00",
              "self_pay_in_scope": "5000.00", "self_pay_out_of_scope": "0.00"},
}


def copy(tmp_path: Path, old: str, new: str) -> tuple[Path, Path]:
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / PLAN
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "plans", tmp_path / "rules"


def test_the_icu_days_use_the_benefit_rate_written_once(tmp_path):
    # 10 days − 3 deductible = 7 paid days; 4 ICU days among them paid again
    bundled = Adjudicator.load(ROOT / "plans", ROOT / "rules").adjudicate(STAY).decision
    assert bundled.total == Decimal("7") * 40 * 2 + Decimal("4") * 40 * 2 == Decimal("880.00")
    # a product team raises the rate to 50 in one place: both the days and the ICU days follow
    plans, rules = copy(tmp_path, "amount_per_day: {per_unit: 40.00}", "amount_per_day: {per_unit: 50.00}")
    raised = Adjudicator.load(plans, rules).adjudicate(STAY).decision
    assert raised.total == Decimal("7") * 50 * 2 + Decimal("4") * 50 * 2 == Decimal("1100.00")


def test_check_warns_where_the_notes_say_equal_rates_differ(tmp_path):
    plans, rules = copy(tmp_path, "        days: icu_days ", "        amount_per_day: {per_unit: 45.00}\n        days: icu_days ")
    library, _ = read_library(rules)
    compiled, problems = read_plans(plans, library)
    assert problems == []
    _, warnings = static_issues(rules, plans, compiled, library)
    (warning,) = [w for w in warnings if "same rate" in w.message]
    assert warning.path == "benefits[0].extra_days[0].amount_per_day"
    assert "icu-double is paid at the same rate as daily-allowance" in warning.message
    # the same rate written twice is not warned about
    plans2, rules2 = copy(tmp_path / "again", "        days: icu_days ", "        amount_per_day: {per_unit: 40.00}\n        days: icu_days ")
    library2, _ = read_library(rules2)
    compiled2, _ = read_plans(plans2, library2)
    assert not [w for w in static_issues(rules2, plans2, compiled2, library2)[1] if "same rate" in w.message]
