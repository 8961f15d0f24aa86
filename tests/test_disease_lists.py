"""Disease lists and lump-sum plans as product teams write them: every mistake is reported at
its file, line and field; `check` finds dead definitions, unknown codes and double payments;
codes and procedures match as catalogue §1.3 says."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.icd import CodeSet, parse_spec
from engine.loader import read_library, read_plans
from engine.procedures import ProcedureSet
from engine.static_checks import static_issues

ROOT = Path(__file__).resolve().parent.parent
HEADER = "kind: diseases\nlist: test-list\ntitle: 测试\nentries:\n"


def library_with(tmp_path: Path, entries: str):
    """The real rules/ plus one extra disease list; returns (library, issues, list file)."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    extra = rules / "diseases" / "test-list.yaml"
    extra.write_text(HEADER + entries, encoding="utf-8")
    library, issues = read_library(rules)
    return library, issues, extra


def only_issue(issues, keyword: str):
    found = [issue for issue in issues if keyword.lower() in issue.message.lower()]
    assert len(found) == 1, [str(i) for i in issues]
    return found[0]


@pytest.mark.parametrize("entry, path, keyword", [
    ("  - {number: 1, id: a, name: x, icd10: [G30], criteria: {finding: {adl_lst: 3}}}",
     "entries[0].criteria.finding.adl_lst", "unknown finding"),
    ("  - {number: 1, id: a, name: x, icd10: [I25], criteria: {procedure: {icd9: [36.1]}}}",
     "entries[0].criteria.procedure.icd9[0]", "in quotes"),
    ("  - {number: 1, id: a, name: x, icd10: [I42], criteria: {finding: {nyha: V}}}",
     "entries[0].criteria.finding.nyha", "one of I, II, III, IV"),
    ("  - {number: 1, id: a, name: x, icd10: [G30], criteria: {finding: {adl_lost: {at_least: 7}}}}",
     "entries[0].criteria.finding.adl_lost.at_least", "lies in [0, 6]"),
    ("  - {number: 1, id: a, name: x, icd10: [C50], criteria: {finding: {tnm: {at_least: T1}}}}",
     "entries[0].criteria.finding.tnm.at_least", "needs a number or grade"),
    ("  - {number: 1, id: a, name: x, icd10: [T05], criteria: {finding: {limbs_lost: {stated: 0}}}}",
     "entries[0].criteria.finding.limbs_lost", "true or false"),
    ("  - {number: 1, id: a, name: x, icd10: [C50-C4]}", "entries[0].icd10[0]", "C50-C4"),
    ("  - {number: 1, id: a, name: x, icd10: [C50]}\n  - {number: 2, id: a, name: y, icd10: [C51]}",
     "entries[1].id", "already used"),
    ("  - {number: 1, id: a, name: x, icd10: [I21], criteria: {troponin: 15}}",
     "entries[0].criteria.troponin", "unknown field"),
])
def test_a_broken_definition_is_reported_where_it_is(tmp_path, entry, path, keyword):
    _, issues, extra = library_with(tmp_path, entry + "\n")
    issue = only_issue(issues, keyword)
    assert issue.file == str(extra) and issue.path == path and issue.line is not None


def plan_issues(tmp_path: Path, benefits: str, library=None, eligibility: str = ""):
    library = library or read_library(ROOT / "rules")[0]
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "p.yaml").write_text(
        "plan: p\ntitle: t\nrevision: '1'\neffective_from: 2024-01-01\nfee: 10.00\nevents: [diagnosis]\n"
        + eligibility + "benefits:\n" + benefits, encoding="utf-8")
    return read_plans(plans, library)


def test_plans_cannot_use_disease_criteria_and_must_name_known_lists(tmp_path):
    _, issues = plan_issues(tmp_path,
        "  - {id: a, title: t, pays: lump_sum, diseases: {list: no-such-list}, amount: 1.00}\n"
        "  - {id: b, title: t, pays: lump_sum, diseases: {list: female-special-disease, kind: benign}, amount: 1.00, yields_to: [b, zz]}\n",
        eligibility="eligibility:\n  - {id: e, title: t, require: {finding: {lvef: 1}}}\n")
    messages = {issue.path: issue.message for issue in issues}
    assert "used in disease criteria" in messages["eligibility[0].require.finding"]
    assert "unknown disease list 'no-such-list'" in messages["benefits[0].diseases.list"]
    assert "kinds: in_situ, invasive" in messages["benefits[1].diseases.kind"]
    assert "not another lump-sum benefit" in messages["benefits[1].yields_to[0]"]
    assert "not another lump-sum benefit" in messages["benefits[1].yields_to[1]"]


def test_the_bundled_rules_and_plans_pass_the_static_checks_without_warnings():
    library, issues = read_library(ROOT / "rules")
    plans, plan_problems = read_plans(ROOT / "plans", library)
    assert issues == [] and plan_problems == []
    errors, warnings = static_issues(ROOT / "rules", ROOT / "plans", plans, library)
    assert errors == []
    # Before 2024.1, mild #5's 36.15/36.16 always met severe #5's 36.1 (prefix), so mild could never
    # pay it; the sternotomy finding (severe true, mild false) tells them apart.
    assert warnings == []


def test_static_checks_find_dead_definitions_unknown_codes_and_double_payments(tmp_path):
    library, issues, extra = library_with(tmp_path, "\n".join([
        "  - {number: 1, id: range, name: x, icd10: [G30], criteria: {finding: {adl_lost: {more_than: 6}}}}",
        "  - {number: 2, id: contradiction, name: x, icd10: [G20], criteria: {all: [{finding: {limb_strength: {at_most: 2}}}, {finding: {limb_strength: {at_least: 3}}}]}}",
        "  - {number: 3, id: narrowed, name: x, icd10: [I21-I22], criteria: {icd10: [C73]}}",
        "  - {number: 4, id: unknown, name: x, icd10: [C99, J44.1]}",
        "  - {number: 5, id: alive, name: x, icd10: [I21], criteria: {any: [{procedure: {icd9: ['36.06']}}, {finding: {lvef: {less_than: 50}}}]}}",
    ]) + "\n")
    assert issues == []
    plans_dir = tmp_path / "plans"
    plans, plan_problems = plan_issues(tmp_path,
        "  - {id: a, title: t, pays: lump_sum, diseases: {list: test-list}, amount: 1.00}\n"
        "  - {id: b, title: t, pays: lump_sum, diseases: {list: critical-illness-mild}, amount: 1.00}\n", library)
    assert plan_problems == []
    errors, _ = static_issues(tmp_path / "rules", plans_dir, plans, library)
    by_path = {(issue.file, issue.path): issue.message for issue in errors}
    assert "can never be met" in by_path[(str(extra), "entries[0].criteria")]
    assert "can never be met" in by_path[(str(extra), "entries[1].criteria")]
    assert "can never be met" in by_path[(str(extra), "entries[2].criteria")]
    assert "C99 is not an ICD-10 code" in by_path[(str(extra), "entries[3].icd10[0]")]
    assert (str(extra), "entries[4].criteria") not in by_path
    double = [message for (file, path), message in by_path.items() if path == "benefits[1].diseases"]
    assert double and "a and b can both pay one diagnosis" in double[0] and "yields_to: [a]" in double[0]


@pytest.mark.parametrize("spec, code, expected", [
    ("C00-C97", "C50.9", True), ("C00-C97", "C97", True), ("C00-C97", "D00", False),
    ("C34", "C34.901", True), ("C34", "C340", False), ("Z94.8", "Z94.81", True), ("Z94.8", "Z94.9", False),
    ("C91.1", "C91.10", True), ("C91.1", "C91.0", False),
    # dotted endpoints compare at their own length: Z94.5–Z94.7 are not transplants of the range
    ("Z94.0-Z94.4", "Z94.3", True), ("Z94.0-Z94.4", "Z94.5", False), ("I21-I22", "I22.9", True),
])
def test_icd10_specs_match_as_the_catalogue_says(spec, code, expected):
    assert CodeSet((parse_spec(spec),)).matches(code) is expected


@pytest.mark.parametrize("prefix, code, expected", [
    ("36.1", "36.11", True), ("36.1", "36.06", False), ("36.1", "36.1", True), ("01.5", "01.59", True),
    ("36", "36.99", True), ("36", "360", False), ("55.69", "55.691", True), ("41.0", "41.05", True),
])
def test_procedures_match_by_prefix(prefix, code, expected):
    assert ProcedureSet((prefix,)).matches(code) is expected


def diagnosis_claim(findings: dict, procedures=None) -> dict:
    event = {"kind": "diagnosis", "diagnosis_date": "2024-06-01", "diagnoses": [{"code": "I21.0", "findings": findings}]}
    if procedures is not None:
        event["procedures"] = procedures
    return {"claim_id": "c1",
            "member": {"member_id": "m1", "gender": "male", "birth_date": "1980-05-01", "office": "beijing",
                       "medical_insurance": "urban_employee", "employment": "standard"},
            "enrolments": [{"enrolment_id": "e1", "plan": "critical-illness", "units": 1, "fee_paid": "80.00",
                            "start": "2024-01-01", "end": "2024-12-31"}],
            "event": event}


def test_findings_and_procedures_of_a_claim_are_checked_at_their_json_paths(adjudicator):
    from engine import ClaimError

    claim = diagnosis_claim({"tropnin_multiple": 20, "lvef": "45.25", "nyha": "V", "metastasis": "no",
                             "adl_lost": 7}, procedures=["36.1", "3611", "CABG"])
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    issues = {issue.path: issue.message for issue in raised.value.issues}
    where = "$.event.diagnoses[0].findings"
    assert "unknown finding 'tropnin_multiple'" in issues[f"{where}.tropnin_multiple"]
    assert "at most 1 decimals" in issues[f"{where}.lvef"]
    assert "one of I, II, III, IV" in issues[f"{where}.nyha"]
    assert "true or false" in issues[f"{where}.metastasis"]
    assert "[0, 6]" in issues[f"{where}.adl_lost"]
    assert set(issues) - {f"{where}.{k}" for k in ("tropnin_multiple", "lvef", "nyha", "metastasis", "adl_lost")} == {
        "$.event.procedures[1]", "$.event.procedures[2]"}


def test_a_claim_stating_what_the_severe_definition_needs_is_decided(adjudicator):
    """The same claim pends without LVEF and is paid as mild once LVEF is stated."""
    pending = adjudicator.adjudicate(diagnosis_claim({"troponin_multiple": "14.99"})).decision
    assert pending.status == "pending" and pending.total == 0 and pending.accumulator_changes == []
    assert [m.field for m in pending.enrolments[0].missing] == ["$.event.diagnoses[0].findings.lvef"]
    decided = adjudicator.adjudicate(diagnosis_claim({"troponin_multiple": "14.99", "lvef": "50.0"})).decision
    assert decided.status == "paid" and str(decided.total) == "3000.00"
    assert decided.enrolments[0].lines[0].disease.disease == "ami-mild"

