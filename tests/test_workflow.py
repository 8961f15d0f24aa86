"""The product team's workflow commands, end to end in a temporary git repository: a new
revision (`revise`), re-baselining cases (`test --update`), a case from a claim
(`case from-claim`) and picking cases (`test -k`). Git shows that only the intended lines of
the hand-maintained files changed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def repo(tmp_path, monkeypatch) -> Path:
    """A project checkout: plans, rules, schemas and two case files, committed."""
    for folder in ("plans", "rules", "schemas"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "fixtures" / "cases").mkdir(parents=True)
    for name in ("inpatient-medical-basics.yaml", "both-plans-and-terms.yaml"):
        shutil.copy(ROOT / "fixtures" / "cases" / name, tmp_path / "fixtures" / "cases" / name)
    shutil.copy(ROOT / "fixtures" / "claims.jsonl", tmp_path / "fixtures" / "claims.jsonl")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def changed_lines(repo: Path, path: str) -> tuple[list[str], list[str]]:
    diff = git(repo, "diff", "-U0", "--", path).splitlines()
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    return removed, added


def test_revise_starts_a_revision_and_ends_the_old_one(repo):
    result = runner.invoke(app, ["revise", "inpatient-medical", "--from", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "plans/inpatient-medical/2026.yaml" in result.output and "now ends 2025-12-31" in result.output
    # the old revision: one line added, nothing else touched
    removed, added = changed_lines(repo, "plans/inpatient-medical/2025.yaml")
    assert removed == [] and added == ["effective_to: 2025-12-31  # revision 2026 takes over from 2026-01-01"]
    # the new one: the old file with its revision, start and a note changed, comments kept
    old = (repo / "plans/inpatient-medical/2025.yaml").read_text(encoding="utf-8").splitlines()
    new = (repo / "plans/inpatient-medical/2026.yaml").read_text(encoding="utf-8").splitlines()
    assert new[1].startswith("# Revision 2026, for terms starting from 2026-01-01: a copy of revision 2025")
    differing = [(a, b) for a, b in zip([line for line in old if not line.startswith("effective_to")], new[:1] + new[2:]) if a != b]
    assert differing == [('revision: "2025"', 'revision: "2026"'), ("effective_from: 2025-01-01", "effective_from: 2026-01-01")]
    assert runner.invoke(app, ["check"]).exit_code == 0

    # a revision that splits one in force: the new one keeps the old end, the old ends the day before
    result = runner.invoke(app, ["revise", "inpatient-medical", "--from", "2024-07-01"])
    assert result.exit_code == 0, result.output
    assert "plans/inpatient-medical/2024-07.yaml" in result.output
    removed, added = changed_lines(repo, "plans/inpatient-medical/2024.yaml")
    assert [line.split("#")[0].strip() for line in removed + added] == ["effective_to: 2024-12-31", "effective_to: 2024-06-30"]
    assert "effective_to: 2024-12-31" in (repo / "plans/inpatient-medical/2024-07.yaml").read_text(encoding="utf-8")

    from engine import Adjudicator

    adjudicator = Adjudicator.load("plans", "rules")
    assert [p.plan.revision for p in adjudicator.revisions["inpatient-medical"]] == ["2024", "2024-07", "2025", "2026"]
    assert runner.invoke(app, ["test"]).exit_code == 0


def test_revise_refuses_what_it_cannot_do(repo):
    result = runner.invoke(app, ["revise", "inpatient-medcal", "--from", "2026-01-01"])
    assert result.exit_code == 1 and "did you mean 'inpatient-medical'?" in result.output
    result = runner.invoke(app, ["revise", "inpatient-medical", "--from", "2025-01-01"])
    assert result.exit_code == 1 and "already starts on 2025-01-01" in result.output
    result = runner.invoke(app, ["revise", "inpatient-medical", "--from", "2026-01-01", "--revision", "2024"])
    assert result.exit_code == 1 and "already has a revision '2024'" in result.output
    assert git(repo, "status", "--porcelain") == ""


def test_update_shows_the_diff_asks_and_rewrites_only_the_amounts(repo):
    plan = repo / "plans/inpatient-medical/2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("deductible_per_term: 500.00 ", "deductible_per_term: 400.00 "),
                    encoding="utf-8")
    git(repo, "commit", "-qam", "deductible 400")
    cases = "fixtures/cases/inpatient-medical-basics.yaml"
    before = (repo / cases).read_text(encoding="utf-8")

    result = runner.invoke(app, ["test", cases])
    assert result.exit_code == 1 and "expected 6200.00, got 6260.00" in result.output

    # asked and refused: nothing written
    result = runner.invoke(app, ["test", cases, "--update"], input="n\n")
    assert result.exit_code == 1 and "not written" in result.output
    assert '-          total: "6200.00"' in result.output and '+          total: "6260.00"' in result.output
    assert (repo / cases).read_text(encoding="utf-8") == before

    # asked and accepted
    result = runner.invoke(app, ["test", cases, "--update"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "updated 2 case(s) in 1 file(s)" in result.output
    # Deductible 400: case 1's base 12,500 − 400 = 12,100 → 5,000 + 2,100 × 60% = 6,260.00;
    # case 2's second stay has 100 of deductible left → (1,000 − 100) × 50% = 450.00.
    removed, added = changed_lines(repo, cases)
    assert removed == ['          total: "6200.00"',
                       '            e1: {status: paid, amount: "6200.00", lines: {inpatient-reimbursement: "6200.00"}}',
                       '          total: "400.00"']
    assert added == ['          total: "6260.00"',
                     '            e1: {status: paid, amount: "6260.00", lines: {inpatient-reimbursement: "6260.00"}}',
                     '          total: "450.00"']
    assert runner.invoke(app, ["test", cases]).exit_code == 0

    # nothing left to update; without a terminal and without --yes, nothing is written
    plan.write_text(plan.read_text(encoding="utf-8").replace("deductible_per_term: 400.00 ", "deductible_per_term: 500.00 "),
                    encoding="utf-8")
    result = runner.invoke(app, ["test", cases, "--update"])
    assert result.exit_code == 1 and "not written" in result.output
    assert runner.invoke(app, ["test", cases, "--update", "--yes"]).exit_code == 0
    assert (repo / cases).read_text(encoding="utf-8") == before


def test_update_rewrites_a_block_expectation_whose_lines_changed(repo, tmp_path):
    """A benefit that no longer pays drops out of `lines`; the block layout and the comments
    around it stay."""
    cases = repo / "fixtures/cases/block.yaml"
    cases.write_text("""cases:
  - name: block style
    member: {member_id: m1, gender: male, birth_date: 1980-05-01, office: beijing,
             medical_insurance: urban_employee, employment: standard}
    enrolments:
      - {enrolment_id: e1, plan: inpatient-medical, units: 1, fee_paid: "60.00", start: 2024-01-01, end: 2024-12-31}
    claims:
      - claim_id: c1
        event: {kind: hospital_stay, admission: 2024-06-01, discharge: 2024-06-11, cause: disease,
                designated: false, total: "3000.00", fund_paid: "1500.00",
                self_pay_in_scope: "1500.00", self_pay_out_of_scope: "0.00"}
        expect:
          status: paid          # the status the team expected
          total: "500.00"
          enrolments:
            e1:
              status: paid
              lines:
                inpatient-reimbursement: "500.00"   # (1,500 − 500) × 50%
          accumulators: {inpatient-medical/inpatient-reimbursement/paid@2024-01-01: "500.00"}
# end of file
""", encoding="utf-8")
    result = runner.invoke(app, ["test", str(cases), "--update", "--yes"])
    assert result.exit_code == 0, result.output
    text = cases.read_text(encoding="utf-8")
    assert """        expect:
          status: denied          # the status the team expected
          total: "0.00"
          enrolments:
            e1:
              status: denied
              lines: {}
          accumulators: {}
# end of file
""" in text
    assert runner.invoke(app, ["test", str(cases)]).exit_code == 0


def test_case_from_claim_writes_a_case_that_passes(repo):
    target = repo / "fixtures/cases/from-claims.yaml"
    result = runner.invoke(app, ["case", "from-claim", "fixtures/claims.jsonl", "--claim", "c-05", "--out", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/cases.schema.json\n")
    from engine.testcases import load_cases

    (case,) = load_cases(target)
    # the member's four earlier claims come first, for history; c-05 is cut by the 15,000 cap
    # (8,080.00 used before → 6,920.00) and pays 16 days × 40 × 2 = 1,280.00 of allowance
    assert [claim["claim_id"] for claim in case.claims] == ["c-01", "c-02", "c-03", "c-04", "c-05"]
    assert case.expectations[-1] == {
        "status": "partial", "total": "8200.00",
        "enrolments": {"e-im-2024": {"status": "partial", "amount": "6920.00", "lines": {"inpatient-reimbursement": "6920.00"}},
                       "e-ha-2024": {"status": "paid", "amount": "1280.00", "lines": {"daily-allowance": "1280.00"}}}}
    assert "not a hand computation" in " ".join(case.description.split())
    assert runner.invoke(app, ["test", str(target)]).exit_code == 0

    # a second claim is appended; what was there stays byte for byte
    result = runner.invoke(app, ["case", "from-claim", "fixtures/claims.jsonl", "--claim", "c-09", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith(text.rstrip("\n"))
    cases = load_cases(target)
    assert cases[1].expectations[-1]["status"] == "pending"
    assert cases[1].expectations[-1]["enrolments"]["e-ci-2024b"]["missing"] == ["$.event.diagnoses[0].findings.adl_lost"]
    result = runner.invoke(app, ["test", str(target)])
    assert result.exit_code == 0 and "2 passed, 0 failed" in result.output

    result = runner.invoke(app, ["case", "from-claim", "fixtures/claims.jsonl", "--claim", "c-99", "--out", str(target)])
    assert result.exit_code == 1 and "no claim 'c-99'" in result.output


def test_case_from_a_diff_example(repo):
    import json

    report = repo / "diff.json"
    report.write_text(json.dumps({"largest": [{"claim_id": "c-03", "delta": "+1.00"}]}), encoding="utf-8")
    result = runner.invoke(app, ["case", "from-claim", "fixtures/claims.jsonl", "--diff", str(report), "--out", "fixtures/cases/x.yaml"])
    assert result.exit_code == 0, result.output
    assert "claim c-03 of claims.jsonl: paid 9,480.00" in result.output
    assert runner.invoke(app, ["test", "fixtures/cases/x.yaml"]).exit_code == 0


def test_k_picks_cases_by_name(repo):
    result = runner.invoke(app, ["test", "-k", "DEDUCTIBLE SPANS"])
    assert result.exit_code == 0 and "cases: 1 passed, 0 failed" in result.output
    result = runner.invoke(app, ["test", "-k", "deductible spans", "-k", "both-plans-and-terms::"])
    assert result.exit_code == 0
    from engine.testcases import load_cases

    count = len(load_cases(repo / "fixtures/cases/both-plans-and-terms.yaml")) + 1
    assert f"cases: {count} passed, 0 failed" in result.output
    result = runner.invoke(app, ["test", "-k", "no such case"])
    assert result.exit_code == 1 and "no case matches 'no such case'" in result.output
