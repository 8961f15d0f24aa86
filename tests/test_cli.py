"""The command line, run as a user would: decisions, explanations, checks, case runs, schemas."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [*args, "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])


def test_adjudicate_writes_one_decision_per_claim():
    result = run("adjudicate", str(ROOT / "fixtures" / "claims.jsonl"))
    assert result.exit_code == 0, result.output
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    # c-01 waiting period; c-02 accident (900 − 500) × 50% + 1 day × 40 × 2; c-03 14,800 → 7,880 and
    # 16 + 4 ICU days × 80; c-04 mental excluded; c-05 cut by the 15,000 cap. Diagnoses (member in
    # xizang, critical illness 2 units, women's plan 1 unit, which covers none of c-06/c-07):
    # c-06 AMI, troponin 9.5 and LVEF 52 fail the severe definition → mild 3,000 × 2;
    # c-07 T70.2 with J81 → plateau HAPE 5,000 × 2; c-08 breast cancer, behaviour 3 → severe
    # 10,000 × 2 and invasive 15,000 × 1; c-09 Parkinson's without adl_lost → pending. The women's
    # plan is not applicable to c-06 and c-07 (catalogue §0, 2024.1), so they are paid, not partial.
    assert [(d["claim_id"], d["status"], d["total"]) for d in decisions] == [
        ("c-01", "denied", "0.00"), ("c-02", "paid", "280.00"), ("c-03", "paid", "9480.00"),
        ("c-04", "denied", "0.00"), ("c-05", "partial", "8200.00"),
        ("c-06", "paid", "6000.00"), ("c-07", "paid", "10000.00"), ("c-08", "paid", "35000.00"),
        ("c-09", "pending", "0.00"),
    ]
    # a mild payment names the list, the definition, and the severe definitions it failed, with the values stated
    (mild,) = decisions[5]["enrolments"][0]["lines"]
    assert mild["disease"]["disease_list"] == "critical-illness-mild" and mild["disease"]["disease"] == "ami-mild"
    assert mild["disease"]["preferred_checked"][0] == {
        "disease": "critical-illness-severe/ami-severe", "name": "较重急性心肌梗死", "outcome": "failed",
        "criteria": "(troponin_multiple ≥ 15.00 [9.50: no] or lvef < 50.0 [52.0: no])"}
    assert decisions[8]["enrolments"][0]["missing"] == [
        {"field": "$.event.diagnoses[0].findings.adl_lost", "needed_by": "critical-illness-severe/parkinsons-severe 严重原发性帕金森病"},
        {"field": "$.event.diagnoses[0].findings.adl_lost", "needed_by": "critical-illness-mild/parkinsons-mild 轻度原发性帕金森病"},
    ]
    assert decisions[3]["enrolments"][0]["refusals"][0]["code"] == "excluded:mental"


def test_explain_shows_clauses_and_numbers():
    result = run("adjudicate", str(ROOT / "fixtures" / "claims.jsonl"), "--explain")
    assert result.exit_code == 0
    assert "等待期内出险" in result.stdout and "waiting_period" not in result.stdout
    assert "10,000.00 × 50% + 4,800.00 × 60% = ¥7,880.00" in result.stdout
    assert "年度限额" in result.stdout and "cap_per_term" not in result.stdout
    assert "先行判断 较重急性心肌梗死：不满足" in result.stdout
    verbose = run("adjudicate", str(ROOT / "fixtures" / "claims.jsonl"), "--explain", "--verbose")
    assert "waiting_period" in verbose.stdout and "benefit:inpatient-reimbursement:0" in verbose.stdout
    assert "inpatient-medical/inpatient-reimbursement/paid@2024-01-01 of member:m-1001: 8080.00 → 15000.00" in verbose.stdout


def test_a_bad_claim_is_reported_with_its_json_path_and_exit_2(tmp_path):
    out = tmp_path / "decisions.jsonl"
    result = run("adjudicate", str(ROOT / "fixtures" / "claims-with-errors.jsonl"), "--out", str(out))
    assert result.exit_code == 2
    (failure,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert failure["claim_id"] == "c-06"
    line = next(number for number, text in enumerate((ROOT / "fixtures" / "claims-with-errors.jsonl").read_text().splitlines(), 1)
                if '"c-06"' in text)
    assert failure["errors"] == [f"{ROOT / 'fixtures' / 'claims-with-errors.jsonl'}:{line}: $.enrolments[0].units: "
                                 "plan inpatient-medical takes 1 to 3 units, got 5"]


def test_check_passes_on_the_bundled_plans_and_fails_on_a_broken_one(tmp_path):
    assert run("check").exit_code == 0
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("rate: 0.60", "rate: 1.60"), encoding="utf-8")
    result = runner.invoke(app, ["check", "--plans", str(tmp_path / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1
    assert f"{plan}:" in result.output and "bands[1].rate" in result.output and "[0, 1]" in result.output


def test_test_command_runs_the_cases():
    result = runner.invoke(app, ["test", str(ROOT / "fixtures" / "cases" / "pre-existing.yaml"),
                                 "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0 and "5 passed, 0 failed" in result.stdout


def test_schema_writes_the_five_schemas(tmp_path):
    result = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cases.schema.json", "claim.schema.json", "decision.schema.json", "library.schema.json", "plan.schema.json"]
    assert json.loads((tmp_path / "claim.schema.json").read_text())["title"] == "Claim"


def test_a_what_if_override_with_a_wrong_path_fails_the_case(tmp_path):
    case = (ROOT / "fixtures" / "cases" / "what-if.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "what-if.yaml"
    broken.write_text(case.replace("benefits.inpatient-reimbursement.cap_per_term", "benefits.no-such-benefit.cap_per_term", 1),
                      encoding="utf-8")
    result = runner.invoke(app, ["test", str(broken), "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1
    assert "no-such-benefit" in result.output and "cases: 1 passed, 1 failed" in result.output
