"""The three wrong headlines of a revision diff, reproduced and now right (hand-computed).

1. A new exclusion whose circumstance code only the head knows: the base used to refuse those
   claims (unknown code), count them as paid 0 and show the cut as a rise. Both sides now read
   claims with the union of their codes, so the base pays them and the cut shows as a cut.
2. A head that pends a claim the base paid: the held-back payment used to count as money lost
   and hide the intended change. It is now `deferred`, outside the payout, and the intended
   change (a severe sum raised) is the headline and the first cause.
3. A new revision no claim of the corpus reaches: the diff said "0 changed" and nothing else.
   It now warns, and `--fail-on unexercised` fails; a corpus with terms in the new revision's
   year reaches it and shows the claims moved to it.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.diff import PlanSource, check_thresholds, run_diff
from engine.diff_report import rows, to_html, to_markdown

ROOT = Path(__file__).resolve().parent.parent
PLANS, RULES = ROOT / "plans", ROOT / "rules"
FIXTURE_CLAIMS = (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines()
runner = CliRunner()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def stay(claim_id: str, member: str, in_scope: str, circumstances: list[str]) -> str:
    """An urban employee's disease day case, 1 unit of inpatient-medical, renewed (no waiting):
    in-scope self-pay S pays (S − 500) × 50% up to 10,000, then 60%, capped at 15,000."""
    return json.dumps({
        "claim_id": claim_id,
        "member": {"member_id": member, "gender": "male", "birth_date": "1980-05-01", "office": "beijing",
                   "medical_insurance": "urban_employee", "employment": "standard"},
        "enrolments": [{"enrolment_id": f"{member}-e", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                        "start": "2024-01-01", "end": "2024-12-31", "first_continuous_start": "2023-01-01"}],
        "event": {"kind": "hospital_stay", "admission": "2024-03-01", "discharge": "2024-03-01", "cause": "disease",
                  "designated": True, "total": "60000.00", "fund_paid": "20000.00", "self_pay_in_scope": in_scope,
                  "self_pay_out_of_scope": "0.00", "circumstances": circumstances},
    })


@pytest.fixture(scope="module")
def scooter_rules(tmp_path_factory) -> Path:
    """The head's rules: a new circumstance code and an exclusion on it in the `medical` group."""
    rules = tmp_path_factory.mktemp("scooter") / "rules"
    shutil.copytree(RULES, rules)
    edit(rules / "circumstances.yaml", "  - {code: war,", "  - {code: e_scooter, title: 驾驶电动滑板车}\n  - {code: war,")
    edit(rules / "exclusions.yaml", "\ngroups:\n", "\n  - id: e-scooter\n    title: 驾驶电动滑板车\n"
         "    when: {circumstance: e_scooter}\ngroups:\n")
    edit(rules / "exclusions.yaml", "  medical: [hiv,", "  medical: [e-scooter, hiv,")
    return rules


def test_a_code_only_the_head_knows_does_not_fail_the_base(scooter_rules):
    """c1: in-scope 10,500 → 5,000 (base) → excluded (head): −5,000.
    c2: no circumstance, 5,000 on both sides.
    c3: in-scope 30,500 → 10,000 × 50% + 20,000 × 60% = 17,000, capped at 15,000 → excluded: −15,000.
    The payout falls by 20,000.00; nothing failed on either side."""
    claims = [stay("c1", "m1", "10500.00", ["e_scooter"]), stay("c2", "m2", "10500.00", []),
              stay("c3", "m3", "30500.00", ["e_scooter"])]
    summary = run_diff(claims, PlanSource("base", PLANS, RULES), PlanSource("head", PLANS, scooter_rules), workers=1)
    assert (summary.failed_base, summary.failed_head, summary.failures) == (0, 0, [])
    assert (summary.base_total, summary.head_total, summary.delta) == (Decimal("25000.00"), Decimal("5000.00"), Decimal("-20000.00"))
    (cause,) = summary.top_causes()
    assert (cause.kind, cause.key, cause.claims, cause.delta) == (
        "clause", "+ inpatient-medical: excluded:e-scooter", 2, Decimal("-20000.00"))
    assert [change.claim_id for change in cause.examples] == ["c3", "c1"]
    assert summary.unexercised == []  # the clause and the code were both reached


def test_a_claim_failing_on_one_side_is_listed_with_its_errors_and_not_paid_zero(scooter_rules):
    """The other way round (head without the code the base knows), c1 fails on the head only:
    listed with its id and error in every format, outside the payout (c2 alone: 5,000 both)."""
    claims = [stay("c1", "m1", "10500.00", ["e_scooter"]), stay("c2", "m2", "10500.00", [])]
    summary = run_diff(claims, PlanSource("base", PLANS, scooter_rules), PlanSource("head", PLANS, scooter_rules), workers=1)
    assert summary.failures == []  # the same code on both sides: no failure
    broken = [json.dumps(dict(json.loads(claims[0]), event=dict(json.loads(claims[0])["event"], circumstances=["no_such_code"])))]
    summary = run_diff(broken + claims[1:], PlanSource("base", PLANS, RULES), PlanSource("head", PLANS, RULES), workers=1)
    (failed,) = summary.failures
    assert (failed.claim_id, failed.side) == ("c1", "both") and "no_such_code" in failed.errors[0]
    assert (summary.base_total, summary.delta) == (Decimal("5000.00"), Decimal("0.00"))
    data = rows(summary)
    assert data["failed_claims"][0]["claim_id"] == "c1" and "no_such_code" in data["failed_claims"][0]["errors"][0]
    markdown = to_markdown(summary, "base", "head")
    assert "### Failed claims" in markdown and "| c1 | both |" in markdown and "no_such_code" in markdown
    page = to_html(summary, "base", "head")
    assert "校验失败的理赔" in page and "<code>c1</code>" in page and "no_such_code" in page


@pytest.fixture(scope="module")
def pending_heads(tmp_path_factory) -> tuple[Path, Path]:
    """The head: severe sum 10,000 → 12,000 per unit, and the severe heart attack definition
    now needs both findings (troponin and LVEF) instead of either."""
    root = tmp_path_factory.mktemp("pending")
    plans, rules = root / "plans", root / "rules"
    shutil.copytree(PLANS, plans)
    shutil.copytree(RULES, rules)
    edit(plans / "critical-illness" / "2024.yaml", "amount: {per_unit: 10000.00}", "amount: {per_unit: 12000.00}")
    edit(rules / "diseases" / "critical-illness-severe.yaml",
         "    criteria:\n      any:\n        - finding: {troponin_multiple: {at_least: 15}}",
         "    criteria:\n      all:\n        - finding: {troponin_multiple: {at_least: 15}}")
    return plans, rules


def heart_attack(claim_id: str) -> str:
    """A Beijing member, 1 unit of critical-illness renewed since 2022: troponin 22.5 × the
    upper limit, LVEF not stated. Base: the severe definition is met (either finding), 10,000.
    Head: LVEF is needed too and missing, so the claim waits for it (pending)."""
    return json.dumps({
        "claim_id": claim_id,
        "member": {"member_id": "m-ami", "gender": "male", "birth_date": "1975-02-01", "office": "beijing",
                   "medical_insurance": "urban_employee", "employment": "standard"},
        "enrolments": [{"enrolment_id": "e-ami", "plan": "critical-illness", "units": 1, "fee_paid": "80.00",
                        "start": "2024-01-01", "end": "2024-12-31", "first_continuous_start": "2022-01-01"}],
        "event": {"kind": "diagnosis", "diagnosis_date": "2024-05-01", "cause": "disease",
                  "diagnoses": [{"code": "I21.0", "onset_date": "2024-04-28", "findings": {"troponin_multiple": "22.5"}}]},
    })


def test_a_deferred_claim_is_not_money_lost_and_the_intended_change_leads(pending_heads):
    """c-08 (breast cancer, 2 units): severe 20,000 → 24,000, +4,000 (35,000 → 39,000 in all).
    c-ami: 10,000 under the base, pending under the head: deferred, not −10,000.
    Headline +4,000.00 (it used to read −6,000.00); the first cause is the severe benefit."""
    plans, rules = pending_heads
    claims = FIXTURE_CLAIMS + [heart_attack("c-ami")]
    summary = run_diff(claims, PlanSource("base", PLANS, RULES), PlanSource("head", plans, rules), workers=1)
    assert summary.delta == Decimal("4000.00")
    assert (summary.deferred, summary.deferred_base) == (1, Decimal("10000.00"))
    assert [change.claim_id for change in summary.deferred_examples] == ["c-ami"]
    assert summary.transitions["paid→pending"] == 1
    first = summary.top_causes()[0]
    assert (first.kind, first.key, first.claims, first.delta) == ("benefit", "critical-illness/severe", 1, Decimal("4000.00"))
    assert first.examples[0].claim_id == "c-08"
    assert [change.claim_id for change in summary.largest] == ["c-08"]
    assert check_thresholds(summary, ["deferred"]) == ["deferred: 1 claims"]
    data = rows(summary)
    assert data["deferred"]["claims"] == 1 and data["deferred"]["base"] == "10000.00"
    assert data["causes"][0]["examples"][0]["claim_id"] == "c-08"
    page = to_html(summary, "base", "head")
    assert "暂缓的理赔（一方待补材料）" in page and "<code>c-ami</code>" in page and "lvef" in page
    assert "按原因分组的变化" in page and "critical-illness/severe" in page
    markdown = to_markdown(summary, "base", "head")
    assert "### Deferred (pending on one side)" in markdown and "| c-ami | 10000.00 |" in markdown


@pytest.fixture(scope="module")
def revision_2025(tmp_path_factory) -> Path:
    """The head: a critical-illness revision 2025 (severe 12,000 per unit) from 2025-01-01; the
    2024 revision ends on 2024-12-31."""
    plans = tmp_path_factory.mktemp("rev2025") / "plans"
    shutil.copytree(PLANS, plans)
    old = plans / "critical-illness" / "2024.yaml"
    new = plans / "critical-illness" / "2025.yaml"
    text = old.read_text(encoding="utf-8")
    new.write_text(text.replace('revision: "2024"', 'revision: "2025"').replace("effective_from: 2024-01-01", "effective_from: 2025-01-01")
                   .replace("amount: {per_unit: 10000.00}", "amount: {per_unit: 12000.00}"), encoding="utf-8")
    edit(old, "effective_from: 2024-01-01\n", "effective_from: 2024-01-01\neffective_to: 2024-12-31\n")
    return plans


def moved_to_2025(line: str) -> str:
    claim = json.loads(line)
    claim["claim_id"] += "-2025"
    claim["member"] = dict(claim["member"], member_id=claim["member"]["member_id"] + "-2025")  # a severe payment ends cover
    claim["enrolments"] = [dict(e, start=e["start"].replace("2024", "2025"), end=e["end"].replace("2024", "2025"))
                           for e in claim["enrolments"]]
    claim["event"] = dict(claim["event"], diagnosis_date=claim["event"]["diagnosis_date"].replace("2024", "2025"),
                          diagnoses=[dict(d, onset_date=d["onset_date"].replace("2024", "2025")) for d in claim["event"]["diagnoses"]])
    return json.dumps(claim, ensure_ascii=False)


def test_a_revision_no_claim_reaches_is_a_warning_and_fails_on_unexercised(revision_2025, tmp_path):
    """A 2024 corpus: 0 changed, and the new revision is named as unexercised. Adding c-08 with
    its terms in 2025: the 2025 revision pays 24,000 severe instead of 20,000 (+4,000), the
    claim moved from revision 2024 (open-ended under the base) to 2025, and no warning."""
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text("\n".join(FIXTURE_CLAIMS) + "\n", encoding="utf-8")
    args = ["diff", str(corpus), "--base-plans", str(PLANS), "--head-plans", str(revision_2025), "--rules", str(RULES),
            "--workers", "1", "--json", str(tmp_path / "d.json"), "--html", str(tmp_path / "d.html"), "--fail-on", "unexercised"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "fail-on crossed: unexercised: revision:critical-illness 2025" in result.output
    assert "unexercised: plan revision critical-illness 2025 (added)" in result.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert report["changed"] == 0 and [item["id"] for item in report["unexercised"]] == ["revision:critical-illness 2025"]
    assert "未被任何理赔触及的改动" in (tmp_path / "d.html").read_text(encoding="utf-8")

    (c08,) = [line for line in FIXTURE_CLAIMS if '"c-08"' in line]
    corpus.write_text("\n".join(FIXTURE_CLAIMS + [moved_to_2025(c08)]) + "\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert report["unexercised"] == [] and report["payout"]["delta"] == "+4000.00"
    assert report["moved"] == {"claims": 1, "by_revision": {"critical-illness 2024 → 2025": 1}}
    assert report["provenance"]["base"]["claims"] == len(FIXTURE_CLAIMS) + 1
    assert len(report["provenance"]["head"]["sha256"]) == 64
    assert "+++ b/plans/critical-illness/2025.yaml" in report["yaml_diff"] and "+effective_to: 2024-12-31" in report["yaml_diff"]
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "未被任何理赔触及" not in page and "改按其他版本理赔" in page and "critical-illness 2024 → 2025" in page
    assert "数据来源" in page and report["provenance"]["head"]["sha256"] in page and "+effective_to: 2024-12-31" in page


def test_the_working_tree_against_a_git_revision(tmp_path, scooter_rules):
    """`--base HEAD` with no --head: the head is the working tree (plans/ and rules/ as edited,
    not committed); `--head-rules` may point elsewhere. Provenance names the base's commit."""
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(PLANS, repo / "plans")
    shutil.copytree(RULES, repo / "rules")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "base"], check=True)
    sha = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text("\n".join([stay("c1", "m1", "10500.00", ["e_scooter"]), stay("c2", "m2", "10500.00", [])]) + "\n",
                      encoding="utf-8")
    result = runner.invoke(app, ["diff", str(corpus), "--base", "HEAD", "--repo", str(repo), "--head-rules", str(scooter_rules),
                                 "--head-plans", str(repo / "plans"), "--workers", "1", "--quiet", "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert report["payout"]["delta"] == "-5000.00" and report["failed"] == {"base": 0, "head": 0}
    assert report["provenance"]["base"]["commit"] == sha and report["provenance"]["head"]["commit"] == ""
    assert "+  - id: e-scooter" in report["yaml_diff"]
    plan = repo / "plans" / "inpatient-medical" / "2024.yaml"  # an uncommitted edit, the working tree as head
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", "{per_unit: 4000.00}"), encoding="utf-8")
    result = runner.invoke(app, ["diff", str(corpus), "--base", "HEAD", "--repo", str(repo), "--workers", "1", "--quiet",
                                 "--json", str(tmp_path / "d.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    # c2: 5,000 → 4,000; c1 states a code neither side knows now: listed as failed on both, not paid 0
    assert (report["head"], report["payout"]["delta"]) == ("working tree", "-1000.00")
    assert [(f["claim_id"], f["side"]) for f in report["failed_claims"]] == [("c1", "both")]


def test_the_new_sections_in_a_headless_browser(pending_heads, tmp_path):
    """The page shows what the headline leaves out: causes with examples, the deferred claim and
    what it waits for, a failed claim with its id and error, provenance and the YAML diff."""
    from engine.office.browser import why_unavailable

    reason = why_unavailable()
    if reason:
        pytest.skip(f"no browser to render the report in: {reason}")
    from engine.diff_provenance import provenance, yaml_diff
    from engine.office.browser import chromium

    plans, rules = pending_heads
    broken = json.loads(heart_attack("c-bad"))
    broken["member"]["member_id"] = "m-bad"
    broken["event"]["circumstances"] = ["no_such_code"]
    corpus = tmp_path / "claims.jsonl"
    corpus.write_text("\n".join(FIXTURE_CLAIMS + [heart_attack("c-ami"), json.dumps(broken)]) + "\n", encoding="utf-8")
    base, head = PlanSource("base", PLANS, RULES), PlanSource("head", plans, rules)
    summary = run_diff(corpus.read_text(encoding="utf-8").splitlines(), base, head, workers=1)
    context = {"provenance": provenance(base, head, corpus, summary.claims), "yaml_diff": yaml_diff(base, head)}
    path = tmp_path / "diff.html"
    path.write_text(to_html(summary, "base", "head", None, context), encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        assert "+¥4,000.00" in page.locator(".diff-headline").inner_text()
        assert "暂缓" in page.locator(".deferred-warning").inner_text() and "¥10,000.00" in page.locator(".deferred-warning").inner_text()
        first_cause = page.locator("#causes tbody tr").first.inner_text()
        assert "保障责任" in first_cause and "critical-illness/severe" in first_cause and "c-08" in first_cause
        deferred = page.locator("#deferred tbody tr").first.inner_text()
        assert "c-ami" in deferred and "lvef" in deferred
        failed = page.locator("#failed-claims tbody tr").first.inner_text()
        assert "c-bad" in failed and "no_such_code" in failed and "两边" in failed
        assert page.locator(".yaml-diff").is_visible()
        assert "all:" in page.locator(".yaml-diff").inner_text() and "12000.00" in page.locator(".yaml-diff").inner_text()
        assert context["provenance"]["base"]["sha256"] in page.content()
        page.locator("#causes th", has_text="差额").click()  # sortable like the other tables
        assert errors == []
