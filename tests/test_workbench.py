"""The workbench in-process: open shells, token-guarded fragments and roles, what the plan
pages say (and the YAML lines they link to), disease search, the simulator's amounts
(hand-computed from the catalogue), what-ifs and saved test cases."""

from __future__ import annotations

import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

from engine.testcases import load_cases, run_case
from workbench_app import ROOT, bearer, bundled_plans, make_app, tokens_file  # noqa: F401  (fixtures)

HOSPITAL_FORM = {  # the README's claim: (7,000.00 − 1,000.00 deductible) × 40% = 2,400.00
    "claim_id": "c-1",
    "member.member_id": "m-1", "member.gender": "female", "member.birth_date": "1985-04-02", "member.office": "zunyi",
    "member.medical_insurance": "urban_rural_resident", "member.employment": "standard",
    "enrolments.r1.enrolment_id": "e-1", "enrolments.r1.plan": "inpatient-medical", "enrolments.r1.units": "2",
    "enrolments.r1.fee_paid": "120.00", "enrolments.r1.start": "2024-01-01", "enrolments.r1.end": "2024-12-31",
    "enrolments.r2.enrolment_id": "", "enrolments.r2.plan": "",  # a blank row is left out
    "event.kind": "hospital_stay", "event.admission": "2024-06-01", "event.discharge": "2024-06-09", "event.cause": "disease",
    "event.designated": "true", "event.total": "20000.00", "event.fund_paid": "12000.00", "event.self_pay_in_scope": "7000.00",
    "event.self_pay_out_of_scope": "1000.00", "event.diagnoses.d1.code": "J18.9",
}
# Catalogue §1.3 severe #2: I21.0 with LVEF 45.0 (< 50) is severe: 10,000 × 2 units = 20,000.00.
DIAGNOSIS_FORM = {
    **{k: v for k, v in HOSPITAL_FORM.items() if k.startswith(("member.", "claim_id"))},
    "member.gender": "male", "member.office": "beijing", "member.medical_insurance": "urban_employee",
    "enrolments.r1.enrolment_id": "ci", "enrolments.r1.plan": "critical-illness", "enrolments.r1.units": "2",
    "enrolments.r1.fee_paid": "160.00", "enrolments.r1.start": "2024-01-01", "enrolments.r1.end": "2024-12-31",
    "event.kind": "diagnosis", "event.diagnosis_date": "2024-06-01", "event.cause": "disease",
    "event.diagnoses.d1.code": "I21.0", "event.diagnoses.d1.findings.f1.key": "troponin_multiple",
    "event.diagnoses.d1.findings.f1.value": "10.00", "event.diagnoses.d1.findings.f2.key": "lvef",
    "event.diagnoses.d1.findings.f2.value": "45.0",
}
# What-if: the resident band's first rate 0.40 → 0.50: (7,000.00 − 1,000.00) × 50% = 3,000.00.
RATE_OVERRIDE = {"overrides.o1.plan": "inpatient-medical", "overrides.o1.path": "benefits.inpatient-reimbursement.schedules.1.bands.0.rate",
                 "overrides.o1.value": "0.50"}


@pytest.fixture(scope="module")
def client(bundled_plans, tokens_file):
    with TestClient(make_app(bundled_plans, tokens_file)) as test_client:
        yield test_client


def totals(html: str) -> list[str]:
    return re.findall(r'class="decision"[^>]*data-total="([^"]+)"', html)


def test_shells_and_static_files_are_open_and_hold_no_data(client):
    for path in ("/", "/plans", "/plans/inpatient-medical/2024", "/diseases", "/simulator", "/cases", "/diffs", "/claims", "/members"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "hx-get=\"/ui/" in response.text
        assert "职工住院医疗互助保障" not in response.text  # the data comes from the guarded fragment
        assert "script-src 'self'" in response.headers["content-security-policy"]
    htmx = client.get("/ui/static/vendor/htmx-2.0.11.min.js")
    assert htmx.status_code == 200 and htmx.headers["content-type"].startswith("text/javascript")
    assert "Zero-Clause BSD" in client.get("/ui/static/vendor/htmx-LICENSE.txt").text
    assert client.get("/ui/static/../access.py").status_code == 404


def test_fragments_need_a_token_and_the_role(client):
    assert client.get("/ui/plans").status_code == 401
    assert client.get("/ui/plans", headers={"Authorization": "Bearer not-a-known-token-123"}).status_code == 401
    refused = client.get("/ui/plans", headers=bearer("simulate"))
    assert refused.status_code == 403 and refused.json()["required_role"] == "read"
    assert client.get("/ui/plans", headers=bearer("read")).status_code == 200
    assert client.get("/ui/simulator", headers=bearer("read")).status_code == 403
    assert client.post("/ui/simulator/run", data=HOSPITAL_FORM, headers=bearer("read")).status_code == 403
    assert client.post("/ui/simulator/run", data=HOSPITAL_FORM).status_code == 401
    assert client.get("/ui/simulator", headers=bearer("simulate")).status_code == 200
    whoami = client.get("/ui/whoami", headers=bearer("all"))
    assert 'data-roles="adjudicate,admin,read,simulate"' in whoami.text


def _line_of(path: str, text: str, after: str | None = None) -> int:
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_a_plan_reads_in_chinese_with_every_item_linked_to_its_line(client):
    html = client.get("/ui/plans/inpatient-medical/2024", headers=bearer("read")).text
    cap_line = _line_of("plans/inpatient-medical/2024.yaml", "cap_per_term")
    assert f'plans/inpatient-medical/2024.yaml:{cap_line}</a>' in html
    assert "每份 ¥15,000.00" in html
    assert "¥10,000.00 以内按 40%，超过 ¥10,000.00 部分按 50%" in html
    assert "每保障期免赔额 ¥1,000.00" in html
    assert "参保时年龄在 16 至 65 之间（含两端）" in html
    # The group's clauses with their text, linked to their own lines in rules/exclusions.yaml.
    hiv_line = _line_of("rules/exclusions.yaml", "id: hiv")
    assert "感染艾滋病病毒或患艾滋病" in html and f"rules/exclusions.yaml:{hiv_line}</a>" in html
    assert "出险情形为“经输血感染艾滋病病毒”或“因职业关系感染艾滋病病毒”" in html
    critical = client.get("/ui/plans/critical-illness/2024", headers=bearer("read")).text
    assert '<a href="/diseases?list=critical-illness-severe">重大疾病（重症）（critical-illness-severe）</a>' in critical
    items = html.count('<div class="item"')
    linked = len(re.findall(r'<div class="item"[^>]*>\s*<div class="item-head">.*?<a class="src"', html, re.S))
    assert items and items == linked


def test_the_timeline_and_two_revisions_side_by_side(client):
    html = client.get("/ui/plans", headers=bearer("read")).text
    years = dict(re.findall(r'<span class="tl-year" style="left: ([\d.]+)%">(\d{4})</span>', html))
    bar_2025 = re.search(r'class="tl-bar open" style="left: ([\d.]+)%[^"]*"\s*href="/plans/inpatient-medical/2025"', html)
    assert bar_2025 and {year: left for left, year in years.items()}["2025"] == bar_2025.group(1)
    compare = client.get("/ui/compare/inpatient-medical?a=2024&b=2025", headers=bearer("read")).text
    row = re.search(r'<tr class="changed"><th>保障责任 › 住院医疗费用补助 › 保障期内限额</th>(.*?)</tr>', compare, re.S)
    assert row and "每份 ¥15,000.00" in row.group(1) and "每份 ¥20,000.00" in row.group(1)
    assert "超过 ¥30,000.00 部分按 70%" in compare
    assert "免赔额与分段比例 › 第 1 项（当基本医保类型为城镇职工医保） › 分段比例" in compare  # a schedule is named by its condition
    # 2025 is open-ended: the 2024 end date is a field the newer revision no longer has.
    assert re.search(r'<tr class="removed"><th>失效日期（参保起期）</th>\s*<td>2024-12-31 .*?（无此项）.*?删除</td>', compare, re.S)
    assert '<tr class="same">' not in compare
    assert '<tr class="same">' in client.get("/ui/compare/inpatient-medical?a=2024&b=2025&all=true", headers=bearer("read")).text


@pytest.mark.parametrize("query, expected", [
    ("I21.0", {"critical-illness-severe/ami-severe", "critical-illness-severe/cabg", "critical-illness-mild/ami-mild",
               "critical-illness-mild/pci", "critical-illness-mild/minimally-invasive-cabg"}),
    ("心肌梗死", {"critical-illness-severe/ami-severe", "critical-illness-mild/ami-mild"}),
    ("C53", {"critical-illness-severe/malignant-tumour-severe", "critical-illness-mild/malignant-tumour-mild",
             "female-special-disease/cervical-cancer"}),
])
def test_disease_search_by_code_and_name(client, query, expected):
    html = client.get("/ui/diseases", params={"q": query}, headers=bearer("read")).text
    assert set(re.findall(r'data-entry="([^"]+)"', html)) == expected


def test_disease_search_by_number_and_criteria_in_plain_language(client):
    html = client.get("/ui/diseases", params={"q": "#2", "list": "critical-illness-severe"}, headers=bearer("read")).text
    assert re.findall(r'data-entry="([^"]+)"', html) == ["critical-illness-severe/ami-severe"]
    assert "肌钙蛋白升高倍数（参考值上限的倍数）不低于 15" in html and "左室射血分数（%）低于 50" in html
    every = client.get("/ui/diseases", headers=bearer("read")).text
    assert len(re.findall(r'data-entry=', every)) == 35 + 25 + 12 + 13


def test_source_shows_only_files_of_the_plan_set(client):
    html = client.get("/ui/source", params={"file": "plans/inpatient-medical/2024.yaml", "line": 12}, headers=bearer("read")).text
    assert '<tr id="L12" class="focus">' in html and "events: [hospital_stay]" in html
    for name in ("../pyproject.toml", "/etc/passwd", "plans/../pyproject.toml", "rules/../../etc/passwd"):
        assert client.get("/ui/source", params={"file": name}, headers=bearer("read")).status_code == 404


def test_simulator_hospital_stay_and_diagnosis_amounts(client):
    html = client.post("/ui/simulator/run", data=HOSPITAL_FORM, headers=bearer("simulate")).text
    assert totals(html) == ["2400.00"]
    assert "inpatient-medical/inpatient-reimbursement/paid@2024-01-01 of member:m-1</code>：0 → 2400.00" in html
    html = client.post("/ui/simulator/run", data=DIAGNOSIS_FORM, headers=bearer("simulate")).text
    assert totals(html) == ["20000.00"] and "较重急性心肌梗死" in html


def test_a_blank_fee_is_the_fee_the_plan_says_is_due(client):
    form = {**DIAGNOSIS_FORM, "enrolments.r1.fee_paid": ""}  # 80.00 × 2 units = 160.00 (catalogue §2.3)
    assert totals(client.post("/ui/simulator/run", data=form, headers=bearer("simulate")).text) == ["20000.00"]
    claim = client.post("/ui/simulator/json", data=form, headers=bearer("simulate")).text
    assert "&#34;fee_paid&#34;: &#34;160.00&#34;" in claim
    wrong = client.post("/ui/simulator/run", data={**DIAGNOSIS_FORM, "enrolments.r1.fee_paid": "150.00"}, headers=bearer("simulate")).text
    assert "$.enrolments[0].fee_paid" in wrong and "charges 160.00" in wrong


def test_simulator_what_if_shows_both_decisions(client):
    html = client.post("/ui/simulator/run", data={**HOSPITAL_FORM, **RATE_OVERRIDE}, headers=bearer("simulate")).text
    assert totals(html) == ["2400.00", "3000.00"]
    assert 'id="what-if-total">¥3,000.00' in html and "+¥600.00" in html


def test_simulator_json_box_and_claim_errors_with_json_paths(client):
    claim_json = client.post("/ui/simulator/json", data=HOSPITAL_FORM, headers=bearer("simulate")).text
    text = re.search(r"<textarea[^>]*>(.*)</textarea>", claim_json, re.S).group(1)
    import html as html_module

    assert totals(client.post("/ui/simulator/run", data={"claim_json": html_module.unescape(text)}, headers=bearer("simulate")).text) == ["2400.00"]
    bad = client.post("/ui/simulator/run", data={**HOSPITAL_FORM, "enrolments.r1.units": "5"}, headers=bearer("simulate")).text
    assert "$.enrolments[0].units" in bad and "1 to 3 units" in bad
    assert "not valid JSON" in client.post("/ui/simulator/run", data={"claim_json": "{"}, headers=bearer("simulate")).text
    deep = "[" * 40 + "]" * 40
    assert "deeper than" in client.post("/ui/simulator/run", data={"claim_json": deep}, headers=bearer("simulate")).text


def test_a_saved_case_runs_and_passes(client, adjudicator, tmp_path):
    response = client.post("/ui/simulator/case", data={**HOSPITAL_FORM, **RATE_OVERRIDE, "case_name": "resident band at 50%"},
                           headers=bearer("simulate"))
    import html as html_module

    text = html_module.unescape(re.search(r'<pre class="yaml" id="case-yaml">(.*)</pre>', response.text, re.S).group(1))
    assert 'total: "3000.00"' in text and "overrides:" in text and 'data-download="resident-band-at-50.yaml"' in response.text
    path = tmp_path / "saved.yaml"
    path.write_text(text, encoding="utf-8")
    [case] = load_cases(path)
    assert case.name == "resident band at 50%" and case.overrides
    assert run_case(adjudicator, case).passed


def test_cases_run_a_file_of_the_folder(client):
    page = client.get("/ui/cases", headers=bearer("simulate")).text
    assert "what-if.yaml" in page and "inpatient-medical-basics.yaml" in page
    html = client.post("/ui/cases/run", data={"file": "what-if.yaml"}, headers=bearer("simulate")).text
    assert re.search(r'data-passed="(\d+)" data-failed="0"', html).group(1) == str(len(load_cases(ROOT / "fixtures/cases/what-if.yaml")))
    assert client.post("/ui/cases/run", data={"file": "../../pyproject.toml"}, headers=bearer("simulate")).status_code == 404
    assert client.post("/ui/cases/run", data={"file": "what-if.yaml"}, headers=bearer("read")).status_code == 403


def test_an_uploaded_failing_case_shows_expected_and_actual(client):
    text = (ROOT / "fixtures/cases/what-if.yaml").read_text(encoding="utf-8").replace('total: "20000.00"', 'total: "21000.00"', 1)
    html = client.post("/ui/cases/upload", files={"case_file": ("mine.yaml", text.encode())}, headers=bearer("simulate")).text
    assert re.search(r'data-failed="(\d+)"', html).group(1) == "1"
    failing = re.search(r'<tr class="fail" data-case="a higher inpatient cap pays more of a large stay".*?</tr>', html, re.S).group(0)
    assert "total: expected 21000.00, got 20000.00" in failing
    expected, actual = re.findall(r'<pre class="yaml">(.*?)</pre>', failing, re.S)[:2]
    assert "total: &#39;21000.00&#39;" in expected and "total: &#39;20000.00&#39;" in actual
    assert 'data-total="20000.00"' in failing  # the decision, in the officer's view
    broken = client.post("/ui/cases/upload", files={"case_file": ("x.yaml", b"cases: [")}, headers=bearer("simulate")).text
    assert "x.yaml:2:1: invalid YAML" in broken


CAP_OVERRIDE = {"overrides.d1.plan": "inpatient-medical", "overrides.d1.revision": "2024",
                "overrides.d1.path": "benefits.inpatient-reimbursement.cap_per_term.per_unit", "overrides.d1.value": "20000.00"}


def test_a_corpus_diff_is_the_diff_of_the_plans_in_force_and_the_what_if(client, tmp_path):
    """The page shows `adjudicator diff`'s report of the corpus under exactly these two plan sets."""
    import html as html_module
    import json

    from engine.diff import PlanSource, run_diff
    from engine.testcases import write_what_if

    response = client.post("/ui/diffs/run", data={"corpus": "corpus-small.jsonl", **CAP_OVERRIDE}, headers=bearer("simulate"))
    shown = json.loads(html_module.unescape(re.search(r'<pre id="diff-json" hidden>(.*?)</pre>', response.text, re.S).group(1)))
    head = write_what_if(ROOT / "plans", [{"plan": "inpatient-medical", "revision": "2024",
                                           "set": {"benefits.inpatient-reimbursement.cap_per_term.per_unit": "20000.00"}}], tmp_path / "plans")
    lines = (ROOT / "fixtures/corpus-small.jsonl").read_text(encoding="utf-8").splitlines()
    expected = run_diff(lines, PlanSource("base", ROOT / "plans", ROOT / "rules"), PlanSource("head", head, ROOT / "rules"), workers=1)
    assert shown["changed"] == expected.changed > 0
    assert shown["payout"]["delta"] == f"+{expected.delta:.2f}"
    # The YAML diff is the override's own line, not the file rewritten.
    changed = [line for line in shown["yaml_diff"].splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 2 and "15000.00" in changed[0] and "20000.00" in changed[1]
    facts = dict(re.findall(r'<li data-fact="(\w+)"[^>]*>(.*?)</li>', response.text))
    assert f"差额 +¥{expected.delta:,.2f}" in facts["payout"] and "inpatient-medical/inpatient-reimbursement" in facts["causes"]
    assert "1 个文件" in facts["yaml_diff"] and "corpus-small.jsonl" in facts["provenance"]
    ticket = re.search(r'name="ticket" value="([^"]+)"', response.text).group(1)
    report = client.post("/ui/diffs/view", data={"ticket": ticket})  # the frame's document: the ticket, no token
    assert report.status_code == 200 and f"+{expected.delta:.2f}" in report.text
    assert "script-src 'unsafe-inline'" in report.headers["content-security-policy"]
    assert client.post("/ui/diffs/view", data={"ticket": "guessed"}).status_code == 404
    assert client.post("/ui/diffs/run", data={"corpus": "corpus-small.jsonl", **CAP_OVERRIDE}, headers=bearer("read")).status_code == 403
    reopened = client.post("/ui/diffs/open", files={"report": ("saved.json", json.dumps(shown).encode())}, headers=bearer("read"))
    assert f'data-changed="{expected.changed}"' in reopened.text
    refused = client.post("/ui/diffs/open", files={"report": ("x.json", b"[1, 2]")}, headers=bearer("read")).text
    assert "not a diff report" in refused


@pytest.fixture(scope="module")
def ledger_client(bundled_plans, tokens_file, tmp_path_factory):
    """The workbench on a SQLite ledger holding: the README's stay (m-1, 2,400.00 paid, 1,000.00
    of deductible used) and a critical-illness claim first pending (no LVEF), then resubmitted
    with LVEF 45.0 (< 50): severe, 10,000 × 2 units = 20,000.00, as version 2."""
    from service_helpers import HOSPITAL_CLAIM, PENDING_CLAIM, with_evidence

    from engine.store import open_store

    store = open_store(tmp_path_factory.mktemp("ledger") / "ledger.db")
    adjudicator = bundled_plans.adjudicator
    assert store.submit(adjudicator, HOSPITAL_CLAIM).outcome == "created"
    assert store.submit(adjudicator, PENDING_CLAIM).outcome == "created"
    assert store.submit(adjudicator, with_evidence(PENDING_CLAIM, lvef="45.0")).outcome == "resubmitted"
    with TestClient(make_app(bundled_plans, tokens_file, store)) as test_client:
        yield test_client
    store.close()


def test_a_claims_decision_versions_from_the_ledger(ledger_client):
    html = ledger_client.get("/ui/claims", params={"claim_id": " CI-1 "}, headers=bearer("read")).text  # as the ledger keys ids
    versions = re.findall(r'<details class="version"[^>]*data-version="(\d)" data-status="(\w+)"', html)
    assert versions == [("2", "paid"), ("1", "pending")]
    assert totals(html) == ["20000.00", "0.00"]
    assert "$.event.diagnoses[0].findings.lvef" in html  # what version 1 waited for
    assert '<a href="/plans/critical-illness/2024">critical-illness 2024</a>' in html
    assert 'id="no-claim"' in ledger_client.get("/ui/claims", params={"claim_id": "nobody"}, headers=bearer("read")).text
    assert ledger_client.get("/ui/claims", params={"claim_id": "ci-1"}, headers=bearer("simulate")).status_code == 403
    assert ledger_client.get("/ui/claims", params={"claim_id": "ci-1"}).status_code == 401


def test_a_members_accumulators_from_the_ledger(ledger_client):
    html = ledger_client.get("/ui/members", params={"member_id": "m-1"}, headers=bearer("read")).text
    values = dict(re.findall(r'<tr data-key="([^"]+)" data-value="([^"]+)"', html))
    assert values["inpatient-medical/inpatient-reimbursement/paid@2024-01-01"] == "2400.00"
    assert values["inpatient-medical/inpatient-reimbursement/deductible_used@2024-01-01"] == "1000.00"
    assert '<a href="/claims?claim_id=c-1">c-1</a>' in html
    severe = ledger_client.get("/ui/members", params={"member_id": "m-ci"}, headers=bearer("read")).text
    # The severe payment (version 2, the resubmission) counts once in the person's life and ends cover.
    row = re.search(r'<tr data-key="critical-illness/severe/payments@life" data-value="1">.*?</tr>', severe, re.S)
    assert row and "ci-1</a>（第 2 版）：0 → 1" in row.group(0)
    assert '<tr data-key="critical-illness/cover/ended@life" data-value="1">' in severe
    assert 'id="no-member"' in ledger_client.get("/ui/members", params={"member_id": "nobody"}, headers=bearer("read")).text


# The other kinds of event, each hand-computed from the catalogue and filled as the form sends it.
ACCIDENT_FORM = {  # §2.5 tier 2 (S 20,000), normal member on the normal fee 50; right leg grade 8 = 30% → 6,000.00
    **{k: v for k, v in HOSPITAL_FORM.items() if k.startswith(("member.", "claim_id"))}, "member.office": "beijing",
    "enrolments.r1.enrolment_id": "acc", "enrolments.r1.plan": "accident", "enrolments.r1.tier": "2",
    "enrolments.r1.fee_schedule": "normal", "enrolments.r1.fee_paid": "50.00", "enrolments.r1.start": "2024-01-01",
    "enrolments.r1.end": "2024-12-31", "event.kind": "accident", "event.accident_id": "a1", "event.accident_date": "2024-04-01",
    "event.treatment_end": "2024-05-15", "event.injuries.i1.item": "right-leg", "event.injuries.i1.grade": "8",
}
DEATH_FORM = {  # §2.6 new-form worker, gifted: disease death on day 90, outside the 90-day wait → 10,000.00
    **{k: v for k, v in HOSPITAL_FORM.items() if k.startswith(("member.", "claim_id"))}, "member.employment": "new_form",
    "enrolments.r1.enrolment_id": "nf", "enrolments.r1.plan": "new-form-worker", "enrolments.r1.units": "1",
    "enrolments.r1.fee_paid": "0.00", "enrolments.r1.source": "gift", "enrolments.r1.start": "2024-01-01",
    "enrolments.r1.end": "2024-12-31", "event.kind": "death", "event.death_date": "2024-03-31", "event.cause": "disease",
    "event.diagnoses.d1.code": "I21.0",
}
MATURITY_FORM = {  # refundable accident, 3 units, fee 1,230.00: maturity on the end date, alive → refund 410 × 3 = 1,230.00
    **{k: v for k, v in HOSPITAL_FORM.items() if k.startswith(("member.", "claim_id"))},
    "enrolments.r1.enrolment_id": "rf", "enrolments.r1.plan": "refundable-accident", "enrolments.r1.units": "3",
    "enrolments.r1.fee_paid": "1230.00", "enrolments.r1.start": "2024-01-01", "enrolments.r1.end": "2024-12-31",
    "event.kind": "maturity", "event.maturity_date": "2024-12-31", "event.alive": "true",
}


@pytest.mark.parametrize("form, total, line", [
    (ACCIDENT_FORM, "6000.00", "意外身故、伤残互助金"),
    (DEATH_FORM, "10000.00", "疾病身故互助金"),
    (MATURITY_FORM, "1230.00", "满期返还"),
])
def test_simulator_accident_death_and_maturity_amounts(client, form, total, line):
    html = client.post("/ui/simulator/run", data=form, headers=bearer("simulate")).text
    assert totals(html) == [total] and line in html
    kind = form["event.kind"]
    fields = client.get("/ui/simulator/event", params={"event.kind": kind}, headers=bearer("simulate")).text
    assert all(f'name="{name}"' in fields for name in form if name.startswith("event.") and name.count(".") == 1 and name != "event.kind")


def test_the_plans_in_force_for_an_enrolment_starting_on_a_date(client):
    marked = client.get("/ui/plans", params={"on": "2024-07-01"}, headers=bearer("read")).text
    in_force = set(re.findall(r'data-in-force="([^"]+)"', marked))
    assert "inpatient-medical/2024" in in_force and "inpatient-medical/2025" not in in_force and len(in_force) == 8
    later = set(re.findall(r'data-in-force="([^"]+)"', client.get("/ui/plans", params={"on": "2025-03-01"}, headers=bearer("read")).text))
    assert "inpatient-medical/2025" in later and "inpatient-medical/2024" not in later
    assert "请用 YYYY-MM-DD" in client.get("/ui/plans", params={"on": "2025-13-01"}, headers=bearer("read")).text
    far = client.get("/ui/plans", params={"on": "9999-12-31"}, headers=bearer("read"))
    assert far.status_code == 200 and set(re.findall(r'data-in-force="([^"]+)"', far.text)) == later  # open-ended revisions


def test_the_rule_library_lists_every_entry_linked_to_its_line(client):
    html = client.get("/ui/library", headers=bearer("read")).text
    entries = re.findall(r'data-entry="([^"/]+)/([^"]+)"', html)
    kinds = {kind: sum(1 for k, _ in entries if k == kind) for kind in ("exclusions", "circumstances", "findings", "offices")}
    assert kinds["exclusions"] == len(re.findall(r"^  - id: ", (ROOT / "rules/exclusions.yaml").read_text(encoding="utf-8"), re.M))
    assert kinds["offices"] == 5  # catalogue §0: Beijing, Lanzhou, Zunyi, Jilin, Tibet
    suicide = re.search(r'<tr data-entry="exclusions/suicide">.*?</tr>', html, re.S).group(0)
    assert "但以下情形除外" in suicide and "无民事行为能力人" in suicide
    assert f"rules/exclusions.yaml:{_line_of('rules/exclusions.yaml', 'id: suicide')}</a>" in suicide
    lists = dict(re.findall(r'<tr data-list="([^"]+)" data-in-force="(\d+)"', html))
    assert lists == {"critical-illness-severe": "35", "critical-illness-mild": "25", "female-special-disease": "12", "high-altitude": "13"}


@pytest.fixture(scope="module")
def dated_client(tokens_file, tmp_path_factory):
    """The workbench on the bundled plans with a 2025 change to the libraries, dated as a product
    team writes it (tests/test_dated_libraries.py): mild #26 thyroid-borderline-mild, clause
    pneumonia-2025 in the medical group and circumstance e_scooter, each from 2025-01-01."""
    from service_helpers import load_checked
    from test_dated_libraries import rules_with_2025_change

    plans = load_checked(ROOT / "plans", rules_with_2025_change(tmp_path_factory.mktemp("dated")), "python")
    with TestClient(make_app(plans, tokens_file)) as test_client:
        yield test_client


def test_only_the_entries_in_force_on_the_chosen_date(dated_client):
    def library(on: str) -> tuple[dict, set]:
        html = dated_client.get("/ui/library", params={"on": on}, headers=bearer("read")).text
        return dict(re.findall(r'<tr data-list="([^"]+)" data-in-force="(\d+)"', html)), set(re.findall(r'data-entry="([^"]+)"', html))

    lists, entries = library("2024-12-31")  # a 2024 term sees the library as it stood
    assert lists["critical-illness-mild"] == "25" and not {"exclusions/pneumonia-2025", "circumstances/e_scooter"} & entries
    lists, entries = library("2025-01-01")
    assert lists["critical-illness-mild"] == "26" and {"exclusions/pneumonia-2025", "circumstances/e_scooter"} <= entries
    every = dated_client.get("/ui/library", headers=bearer("read")).text
    row = re.search(r'<tr data-entry="exclusions/pneumonia-2025">.*?</tr>', every, re.S).group(0)
    assert "2025-01-01 起" in row and "medical" in row
    plan = dated_client.get("/ui/plans/inpatient-medical/2024", headers=bearer("read")).text  # the group lists it, dated
    assert re.search(r'<strong>肺炎（2025年起除外）</strong> <code>pneumonia-2025</code> （2025-01-01 起，按参保起期）', plan)
    assert re.findall(r'data-segment="([^"]+)"', plan) == []  # 2024 ends 2024-12-31: one library view
    open_ended = dated_client.get("/ui/plans/critical-illness/2024", headers=bearer("read")).text  # runs on into 2025
    assert re.findall(r'data-segment="([^"]+)"', open_ended) == ["2025-01-01"]

    def mild(on: str) -> set:
        html = dated_client.get("/ui/diseases", params={"q": "C73", "list": "critical-illness-mild", "on": on}, headers=bearer("read")).text
        return set(re.findall(r'data-entry="critical-illness-mild/([^"]+)"', html))

    assert "thyroid-borderline-mild" not in mild("2024-06-01") and "malignant-tumour-mild" in mild("2024-06-01")
    assert mild("2025-06-01") == mild("") == mild("2024-06-01") | {"thyroid-borderline-mild"}


def test_nothing_in_the_workbench_writes_the_ledger_or_the_plans(ledger_client, tmp_path):
    """Every action of the workbench, including a simulation on the member's recorded history,
    leaves the ledger and the plan and rule files byte for byte as they were."""
    import hashlib

    store = ledger_client.app.state.store
    files = lambda: {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((ROOT / "plans").rglob("*")) + sorted((ROOT / "rules").rglob("*")) if p.is_file()}  # noqa: E731
    ledger, sources = list(store.export()), files()
    again = {**HOSPITAL_FORM, "claim_id": "c-2", "event.admission": "2024-07-01", "event.discharge": "2024-07-09", **RATE_OVERRIDE}
    # A second stay: on the history the deductible is used, so 7,000.00 × 40% = 2,800.00 (what-if at 50%: 3,500.00);
    # on an empty history it is the first stay again, 2,400.00 (3,000.00).
    html = ledger_client.post("/ui/simulator/run", data={**again, "use_history": "true"}, headers=bearer("all")).text
    assert totals(html) == ["2800.00", "3500.00"]
    assert totals(ledger_client.post("/ui/simulator/run", data=again, headers=bearer("all")).text) == ["2400.00", "3000.00"]
    ledger_client.post("/ui/simulator/case", data={**again, "case_name": "x"}, headers=bearer("all"))
    ledger_client.post("/ui/cases/run", data={"file": "what-if.yaml"}, headers=bearer("all"))
    for path in ("/ui/claims?claim_id=c-1", "/ui/members?member_id=m-1", "/ui/plans", "/ui/library", "/ui/diseases?q=I21"):
        assert ledger_client.get(path, headers=bearer("all")).status_code == 200
    assert list(store.export()) == ledger and files() == sources
