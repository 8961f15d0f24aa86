"""The revision diff and the synthetic corpus: a revision against itself changes nothing; a
one-parameter change yields exactly the hand-computed delta; git revisions work; --fail-on
gates CI; the generator is deterministic; raising a cap never lowers a claim's payout."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import app
from engine.diff import PlanSource, check_thresholds, member_chunks, run_diff
from engine.synthetic import generate_mixed

ROOT = Path(__file__).resolve().parent.parent
PLANS, RULES = ROOT / "plans", ROOT / "rules"
runner = CliRunner()


def corpus_lines(count: int = 400, seed: int = 3) -> list[str]:
    return [json.dumps(claim, ensure_ascii=False) for block in generate_mixed(count, seed) for claim in block]


CORPUS = corpus_lines()


def source(label: str, plans: Path) -> PlanSource:
    return PlanSource(label, plans, RULES)


def stay(claim_id: str, member: str, spi: str, admission: str) -> str:
    """An urban employee's disease stay (a day case), 1 unit of inpatient-medical, renewed (no waiting)."""
    return json.dumps({
        "claim_id": claim_id,
        "member": {"member_id": member, "gender": "male", "birth_date": "1980-05-01", "office": "beijing",
                   "medical_insurance": "urban_employee", "employment": "standard"},
        "enrolments": [{"enrolment_id": f"{member}-e", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                        "start": "2024-01-01", "end": "2024-12-31", "first_continuous_start": "2023-01-01"}],
        "event": {"kind": "hospital_stay", "admission": admission, "discharge": admission,
                  "cause": "disease", "designated": True, "total": "60000.00",
                  "fund_paid": "20000.00", "self_pay_in_scope": spi, "self_pay_out_of_scope": "0.00"},
    })


def with_cap(tmp_path: Path, cap: str) -> Path:
    plans = tmp_path / "head"
    shutil.copytree(PLANS, plans)
    plan = plans / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", f"{{per_unit: {cap}}}"), encoding="utf-8")
    return plans


def test_a_revision_against_itself_changes_nothing():
    summary = run_diff(CORPUS, source("base", PLANS), source("head", PLANS), workers=1)
    assert summary.claims == len(CORPUS) and summary.changed == 0 and summary.delta == 0
    assert summary.largest == [] and not summary.transitions
    assert summary.base_total > 0


def test_a_lower_cap_changes_exactly_the_hand_computed_claims(tmp_path):
    """Cap 15,000 → 12,000 per unit (catalogue §2.1 otherwise), 1 unit:
    c1 (m1) in-scope 30,500: 30,500 − 500 = 30,000 → 10,000 × 50% + 20,000 × 60% = 17,000 → 15,000 (base)
       or 12,000 (head): −3,000.
    c2 (same member, later): nothing left under either cap: 0 → 0.
    m2 in-scope 10,500: 10,000 × 50% = 5,000 under both caps: unchanged."""
    claims = [stay("c1", "m1", "30500.00", "2024-03-01"), stay("c2", "m1", "5500.00", "2024-06-01"),
              stay("c3", "m2", "10500.00", "2024-03-01")]
    summary = run_diff(claims, source("base", PLANS), source("head", with_cap(tmp_path, "12000.00")), workers=1)
    assert summary.claims == 3 and summary.changed == 1
    assert summary.delta == Decimal("-3000.00")
    assert summary.by_benefit["inpatient-medical/inpatient-reimbursement"] == [Decimal("20000.00"), Decimal("17000.00")]
    (change,) = summary.largest
    assert change.claim_id == "c1" and change.base_total == Decimal("15000.00") and change.head_total == Decimal("12000.00")
    assert check_thresholds(summary, ["total-delta>-100"]) == []
    assert check_thresholds(summary, ["abs-total-delta>2999.99", "changed>0"]) == [
        "abs-total-delta>2999.99: abs-total-delta is 3000.00", "changed>0: changed is 1"]


def test_the_cli_writes_every_report_and_fails_when_a_threshold_is_crossed(tmp_path):
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    head = with_cap(tmp_path, "1000.00")
    args = ["diff", str(corpus), "--base-plans", str(PLANS), "--head-plans", str(head), "--rules", str(RULES),
            "--workers", "2", "--markdown", str(tmp_path / "d.md"), "--html", str(tmp_path / "d.html"),
            "--json", str(tmp_path / "d.json"), "--top", "3"]
    passing = runner.invoke(app, args + ["--fail-on", "new-failures"])
    assert passing.exit_code == 0, passing.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert report["changed"] > 0 and report["payout"]["delta"].startswith("-") and len(report["largest"]) == 3
    assert "inpatient-medical/inpatient-reimbursement" in (tmp_path / "d.md").read_text(encoding="utf-8")
    assert "<html" in (tmp_path / "d.html").read_text(encoding="utf-8")
    failing = runner.invoke(app, args + ["--fail-on", "abs-total-delta>0"])
    assert failing.exit_code == 1 and "fail-on crossed" in failing.output
    unknown = runner.invoke(app, args + ["--fail-on", "payout-went-up"])
    assert unknown.exit_code == 1 and "unknown --fail-on rule" in unknown.output


def test_git_revisions_are_compared_in_a_temporary_repository(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(PLANS, repo / "plans")
    shutil.copytree(RULES, repo / "rules")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "base"], check=True)
    plan = repo / "plans" / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", "{per_unit: 12000.00}"), encoding="utf-8")
    subprocess.run(git + ["commit", "-q", "-am", "lower cap"], check=True)
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text(stay("c1", "m1", "30500.00", "2024-03-01") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["diff", str(corpus), "--base", "HEAD~1", "--head", "HEAD", "--repo", str(repo),
                                 "--workers", "1", "--quiet", "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert (report["base"], report["head"], report["payout"]["delta"]) == ("HEAD~1", "HEAD", "-3000.00")
    missing = runner.invoke(app, ["diff", str(corpus), "--base", "no-such-rev", "--head", "HEAD", "--repo", str(repo)])
    assert missing.exit_code == 1 and "no-such-rev" in missing.output


def test_the_generator_is_deterministic_by_seed(tmp_path):
    first, second, other = (tmp_path / name for name in ("a.jsonl", "b.jsonl", "c.jsonl"))
    for path, seed in ((first, "5"), (second, "5"), (other, "6")):
        assert runner.invoke(app, ["synth", "--out", str(path), "--claims", "500", "--seed", seed]).exit_code == 0
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    kinds = {json.loads(line)["event"]["kind"] for line in first.read_text(encoding="utf-8").splitlines()}
    assert {"hospital_stay", "diagnosis", "accident"} <= kinds


def test_chunks_never_split_a_member():
    chunks = list(member_chunks(CORPUS, size=50))
    members = [{re.search(r'"member_id": "([^"]+)"', line).group(1) for line in (record.text for record in chunk)} for chunk in chunks]
    for earlier, later in zip(members, members[1:]):
        assert not earlier & later
    assert sum(map(len, chunks)) == len(CORPUS)


CAPS = {  # plan file -> (the cap as written, a pattern for its number)
    "inpatient-medical/2024.yaml": "{per_unit: 15000.00}",
    "accident/2024.yaml": "{per_tier: [2000.00, 4000.00, 6000.00, 8000.00]}",
    "event-accident/2024.yaml": "cap_per_accident: 10000.00",
}
SMALL = corpus_lines(150, seed=11)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raises=st.dictionaries(st.sampled_from(sorted(CAPS)), st.integers(1, 2_000_000), min_size=1))
def test_raising_a_cap_never_lowers_a_claims_payout(tmp_path_factory, raises):
    head = tmp_path_factory.mktemp("head") / "plans"
    shutil.copytree(PLANS, head)
    for name, cents in raises.items():
        path = head / name
        text = path.read_text(encoding="utf-8")
        raised = re.sub(r"\d+\.\d{2}", lambda m: str(Decimal(m.group(0)) + Decimal(cents).scaleb(-2)), CAPS[name])
        assert CAPS[name] in text
        path.write_text(text.replace(CAPS[name], raised), encoding="utf-8")
    summary = run_diff(SMALL, source("base", PLANS), source("head", head), workers=1, top=len(SMALL))
    assert all(change.delta >= 0 for change in summary.largest), [(c.claim_id, c.delta) for c in summary.largest if c.delta < 0]
    assert summary.delta >= 0 and not summary.transitions.get("paid→denied")


def test_reusing_outcomes_of_unchanged_plans_gives_the_same_diff(tmp_path, monkeypatch):
    """The short cut (claims touching no changed plan adjudicated once) against adjudicating every
    claim under both sets, with a change to one plan that other plans depend on (indemnity)."""
    import engine.diff as diff

    head = with_cap(tmp_path, "4000.00")
    fast = run_diff(CORPUS, source("base", PLANS), source("head", head), workers=1, top=50)
    monkeypatch.setattr(diff, "changed_plans", lambda base, head: set(base.revisions) | set(head.revisions))
    full = run_diff(CORPUS, source("base", PLANS), source("head", head), workers=1, top=50)
    assert fast.changed > 0
    assert (fast.changed, fast.delta, fast.by_benefit, fast.transitions) == (full.changed, full.delta, full.by_benefit, full.transitions)
    assert [(c.claim_id, c.delta) for c in fast.largest] == [(c.claim_id, c.delta) for c in full.largest]
