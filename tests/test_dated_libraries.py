"""Dated rule libraries: entries of disease lists, exclusion clauses and circumstance codes
carry `effective_from`/`effective_to`, and an enrolment sees the library as it stood on its
term's start. A change for 2025 never alters a 2024 decision.

The 2025 change used throughout (as a product team would write it):
- mild #26 `thyroid-borderline-mild`: C73 with ICD-O-3 behaviour 1 or 2, from 2025-01-01;
- exclusion clause `pneumonia-2025` (J18) in the `medical` group, from 2025-01-01;
- circumstance code `e_scooter`, from 2025-01-01.
Undated, the same change alters 2024 fixtures (a C73 behaviour-2 case would pay a mild sum, the
pneumonia stays would be excluded), which shows the fixture test can fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine import Adjudicator
from engine.errors import PlanError
from engine.loader import load_library, load_plans
from engine.testcases import load_cases, run_case

ROOT = Path(__file__).resolve().parent.parent
PLANS, RULES = ROOT / "plans", ROOT / "rules"
CASES = [case for path in sorted((ROOT / "fixtures" / "cases").glob("*.yaml")) for case in load_cases(path)]

MILD_26 = """
  - number: 26
    id: thyroid-borderline-mild
    name: 甲状腺交界性肿瘤（轻度）
    icd10: [C73]
    criteria:
      finding: {{icdo3_behaviour: {{in: [1, 2]}}}}
    source: 2025 product change{dates}
"""
PNEUMONIA = """  - id: pneumonia-2025
    title: 肺炎（2025年起除外）
    when: {{diagnosis: {{icd10: [J18]}}}}{dates}
groups:
"""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def rules_with_2025_change(folder: Path, dated: bool = True) -> Path:
    rules = folder / "rules"
    shutil.copytree(RULES, rules)
    entry_dates = "\n    effective_from: 2025-01-01" if dated else ""
    mild = rules / "diseases" / "critical-illness-mild.yaml"
    mild.write_text(mild.read_text(encoding="utf-8").rstrip("\n") + "\n" + MILD_26.format(dates=entry_dates).lstrip("\n"),
                    encoding="utf-8")
    edit(rules / "exclusions.yaml", "\ngroups:\n", "\n" + PNEUMONIA.format(dates=entry_dates))
    edit(rules / "exclusions.yaml", "  medical: [hiv,", "  medical: [pneumonia-2025, hiv,")
    edit(rules / "circumstances.yaml", "  - {code: war,",
         "  - {code: e_scooter, title: 驾驶电动滑板车" + (", effective_from: 2025-01-01" if dated else "") + "}\n  - {code: war,")
    return rules


@pytest.fixture(scope="module")
def dated(tmp_path_factory) -> Adjudicator:
    return Adjudicator.load(PLANS, rules_with_2025_change(tmp_path_factory.mktemp("dated")), evaluator="python")


def _in_2025(case, claim_id: str) -> bool:
    """The claim's event happened in 2025 (so on a 2025 term)."""
    claim = next(claim for claim in case.claims if claim["claim_id"] == claim_id)
    return any(str(value).startswith("2025-") for value in claim["event"].values())


def test_a_2025_change_leaves_every_2024_fixture_unchanged(dated):
    """Every claim of every fixture decided on a 2024 term is unchanged. The one fixture claim on
    a 2025 term with a pneumonia stay (new-form case, c6) is now excluded, as the change says."""
    changed = {}
    for case in CASES:
        result = run_case(dated, case)
        for mismatch in result.mismatches:
            claim_id = mismatch.split(":", 1)[0].removeprefix("claim ")
            changed.setdefault((case.name, claim_id), mismatch)
    on_2024_terms = {key: text for key, text in changed.items()
                     if not _in_2025(next(case for case in CASES if case.name == key[0]), key[1])}
    assert on_2024_terms == {}
    assert [claim for _, claim in changed] == ["c6"]


def test_the_same_change_undated_would_alter_2024_decisions(tmp_path):
    undated = Adjudicator.load(PLANS, rules_with_2025_change(tmp_path, dated=False), evaluator="python")
    failed = [case.name for case in CASES if not run_case(undated, case).passed]
    assert any("malignant-tumour-mild" in name for name in failed)  # C73 behaviour 2 now pays mild #26
    assert len(failed) >= 2


def diagnosis_claim(year: int, claim_id: str) -> dict:
    """C73, behaviour 2, stage I; 1 unit of critical-illness renewed since 2023 (no waiting)."""
    return {"claim_id": claim_id,
            "member": {"member_id": f"m-{claim_id}", "gender": "female", "birth_date": "1982-03-14", "office": "beijing",
                       "medical_insurance": "urban_employee", "employment": "standard"},
            "enrolments": [{"enrolment_id": "ci", "plan": "critical-illness", "units": 1, "fee_paid": "80.00",
                            "start": f"{year}-01-01", "end": f"{year}-12-31", "first_continuous_start": "2023-01-01"}],
            "event": {"kind": "diagnosis", "diagnosis_date": f"{year}-06-02", "cause": "disease",
                      "diagnoses": [{"code": "C73", "findings": {"icdo3_behaviour": 2, "tnm_stage": "I"}}]}}


def test_a_2025_term_sees_the_2025_library_and_a_2024_term_does_not(dated):
    """The critical-illness revision 2024 is open-ended, so it decides both terms; the 2025
    term sees mild #26 (3,000 × 1 unit), the 2024 term does not (no entry: not covered)."""
    in_2024 = dated.adjudicate(diagnosis_claim(2024, "c24")).decision
    in_2025 = dated.adjudicate(diagnosis_claim(2025, "c25")).decision
    assert (in_2024.status, str(in_2024.total)) == ("denied", "0.00")
    assert [r.code for r in in_2024.enrolments[0].refusals] == ["not_covered"]
    (line,) = in_2025.enrolments[0].lines
    assert (in_2025.status, str(in_2025.total), line.disease.disease) == ("paid", "3000.00", "thyroid-borderline-mild")
    assert in_2024.enrolments[0].revision == in_2025.enrolments[0].revision == "2024"
    assert in_2024.enrolments[0].plan_hash != in_2025.enrolments[0].plan_hash  # two library views, two rulesets


def stay(year: int, circumstances: list[str]) -> dict:
    return {"claim_id": f"s{year}", "member": {"member_id": f"s{year}", "gender": "male", "birth_date": "1980-05-01",
                                               "office": "beijing", "medical_insurance": "urban_employee", "employment": "standard"},
            "enrolments": [{"enrolment_id": "im", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                            "start": f"{year}-01-01", "end": f"{year}-12-31", "first_continuous_start": "2023-01-01"}],
            "event": {"kind": "hospital_stay", "admission": f"{year}-03-01", "discharge": f"{year}-03-01", "cause": "disease",
                      "designated": True, "total": "20000.00", "fund_paid": "9500.00", "self_pay_in_scope": "10500.00",
                      "self_pay_out_of_scope": "0.00", "diagnoses": [{"code": "J18.9"}], "circumstances": circumstances}}


def test_a_clause_for_2025_excludes_2025_terms_only(dated):
    """A pneumonia stay with in-scope self-pay 10,500: 2024 (revision 2024) pays (10,500 − 500)
    × 50% = 5,000.00; 2025 (revision 2025) is excluded by pneumonia-2025."""
    in_2024 = dated.adjudicate(stay(2024, [])).decision
    in_2025 = dated.adjudicate(stay(2025, ["e_scooter"])).decision  # a code in force from 2025
    assert (in_2024.status, str(in_2024.total)) == ("paid", "5000.00")
    assert (in_2025.status, str(in_2025.total)) == ("denied", "0.00")
    assert "excluded:pneumonia-2025" in [r.code for r in in_2025.enrolments[0].refusals]


def test_check_reports_a_revision_that_names_a_clause_not_in_force_for_its_dates(tmp_path):
    rules = rules_with_2025_change(tmp_path)
    plans = tmp_path / "plans"
    shutil.copytree(PLANS, plans)
    edit(plans / "inpatient-medical" / "2024.yaml", "  clauses: [pre-existing]", "  clauses: [pre-existing, pneumonia-2025]")
    edit(plans / "inpatient-medical" / "2025.yaml", "  clauses: [pre-existing]", "  clauses: [pre-existing, pneumonia-2025]")
    with pytest.raises(PlanError) as raised:
        load_plans(plans, load_library(rules))
    messages = [str(issue) for issue in raised.value.issues]
    assert len(messages) == 1 and "inpatient-medical/2024.yaml" in messages[0]  # 2025 names it rightly
    assert "exclusion clause 'pneumonia-2025' is not in force for terms starting 2024-01-01 (in force from 2025-01-01 on)" in messages[0]


def test_one_entry_id_may_be_used_again_for_another_period_but_not_an_overlapping_one(tmp_path):
    """ami-mild ends 2024-12-31 and a stricter ami-mild starts 2025-01-01: loads; the same with
    the new one starting 2024-12-31 (a day shared) is an error naming the entry."""
    def with_ami(start: str) -> Path:
        rules = tmp_path / start / "rules"
        shutil.copytree(RULES, rules)
        mild = rules / "diseases" / "critical-illness-mild.yaml"
        edit(mild, "    id: ami-mild\n    name: 较轻急性心肌梗死\n    icd10: [I21-I22]\n",
             "    id: ami-mild\n    name: 较轻急性心肌梗死\n    icd10: [I21-I22]\n    effective_to: 2024-12-31\n")
        mild.write_text(mild.read_text(encoding="utf-8").rstrip("\n") + f"""
  - number: 2
    id: ami-mild
    name: 较轻急性心肌梗死
    icd10: [I21-I22]
    criteria:
      finding: {{troponin_multiple: {{at_least: 2}}}}
    effective_from: {start}
""", encoding="utf-8")
        return rules

    library = load_library(with_ami("2025-01-01"))
    assert library.change_dates() == [__import__("datetime").date(2025, 1, 1)]
    assert [e.criteria is not None for e in library.as_of(__import__("datetime").date(2025, 3, 1)).disease_lists["critical-illness-mild"].entries
            if e.id == "ami-mild"] == [True]
    with pytest.raises(PlanError) as raised:
        load_library(with_ami("2024-12-31"))
    assert "entry id 'ami-mild' is already used by entry 1 of this list for overlapping dates" in str(raised.value)


def test_check_reports_a_revision_whose_condition_names_a_code_not_in_force(tmp_path):
    """e_scooter is in force from 2025: the 2024 inpatient revision may not test it."""
    rules = rules_with_2025_change(tmp_path)
    plans = tmp_path / "plans"
    shutil.copytree(PLANS, plans)
    edit(plans / "inpatient-medical" / "2024.yaml", "  clauses: [pre-existing]",
         "  clauses: [pre-existing]\n  scoped:\n    - {when: {circumstance: e_scooter}, groups: [medical]}")
    with pytest.raises(PlanError) as raised:
        load_plans(plans, load_library(rules))
    (message,) = [str(issue) for issue in raised.value.issues]
    assert "inpatient-medical/2024.yaml" in message
    assert "circumstance 'e_scooter' is not in force for terms starting 2024-01-01 (in force from 2025-01-01 on)" in message


def test_a_list_may_extend_another_plus_changes(tmp_path):
    """critical-illness-mild-2026 extends the mild list, leaves out ami-mild and adds mild #26:
    25 entries, keyed by the new list; a 2026 revision paying on it pays #26 (C73 behaviour 2,
    3,000 × 1 unit) while the 2024 revision, on the old list, does not."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "diseases" / "critical-illness-mild-2026.yaml").write_text(
        "kind: diseases\nlist: critical-illness-mild-2026\ntitle: 重大疾病（轻症）2026\nextends: critical-illness-mild\n"
        "remove: [ami-mild]\nentries:\n" + MILD_26.format(dates="").lstrip("\n"), encoding="utf-8")
    library = load_library(rules)
    extended = library.disease_lists["critical-illness-mild-2026"]
    assert len(extended.entries) == 25 and "ami-mild" not in {e.id for e in extended.entries}
    assert {e.key for e in extended.entries} >= {"critical-illness-mild-2026/thyroid-borderline-mild",
                                                "critical-illness-mild-2026/malignant-tumour-mild"}
    plans = tmp_path / "plans"
    shutil.copytree(PLANS, plans)
    old = plans / "critical-illness" / "2024.yaml"
    text = old.read_text(encoding="utf-8")
    (plans / "critical-illness" / "2026.yaml").write_text(
        text.replace('revision: "2024"', 'revision: "2026"').replace("effective_from: 2024-01-01", "effective_from: 2026-01-01")
        .replace("diseases: {list: critical-illness-mild}", "diseases: {list: critical-illness-mild-2026}"), encoding="utf-8")
    edit(old, "effective_from: 2024-01-01\n", "effective_from: 2024-01-01\neffective_to: 2025-12-31\n")
    adjudicator = Adjudicator.load(plans, rules, evaluator="python")
    in_2026 = adjudicator.adjudicate(diagnosis_claim(2026, "c26")).decision
    in_2025 = adjudicator.adjudicate(diagnosis_claim(2025, "c25")).decision
    assert (str(in_2026.total), in_2026.enrolments[0].lines[0].disease.disease_list) == ("3000.00", "critical-illness-mild-2026")
    assert (in_2025.status, str(in_2025.total)) == ("denied", "0.00")
    (rules / "diseases" / "critical-illness-mild-2026.yaml").write_text(
        "kind: diseases\nlist: x\ntitle: x\nextends: critical-illness-mlid\nremove: [nope]\n", encoding="utf-8")
    with pytest.raises(PlanError, match="unknown disease list 'critical-illness-mlid'"):
        load_library(rules)
