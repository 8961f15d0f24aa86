"""Decision notices and reports: hand-computed contents, no internal ids on a member's notice,
and both rendered in headless Chromium (skipped, saying why, where no browser can run)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.office.browser import chromium, pdf_pages, why_unavailable
from engine.office.notice import build_notice, notice_html, plan_titles
from engine.office.records import adjudicated_in_memory
from engine.office.reports import build_report, fees_of_claims, loss_ratio, report_csv, report_html, report_xlsx
from tests.office_claims import ENROLMENTS, heart_attack, hospital_stay

ROOT = Path(__file__).resolve().parent.parent
BROWSER = why_unavailable()
needs_browser = pytest.mark.skipif(BROWSER is not None, reason=f"no headless browser here: {BROWSER}")
IDS = {"e-im": "ENR-q81im", "e-ha": "ENR-q82ha", "e-ci": "ENR-q83ci", "e-ci2": "ENR-q84ci"}


def _with_internal_ids(claim: dict) -> dict:
    """The same claim with ids no page text could contain by chance."""
    claim = dict(claim, claim_id="CLM-7f3a9x", member=dict(claim["member"], member_id="MBR-55xq"))
    claim["enrolments"] = [dict(e, enrolment_id=IDS[e["enrolment_id"]]) for e in ENROLMENTS]
    return claim


def _decided(adjudicator, claims):
    return list(adjudicated_in_memory(adjudicator, claims))


def _notice(adjudicator, claim, **options):
    (decided,) = _decided(adjudicator, [claim])
    return decided, build_notice(decided, plan_titles(adjudicator), adjudicator.library, "遵义办事处", **options)


# -- notices ---------------------------------------------------------------------------------------------


def test_a_paid_stay_notice_hand_computed(adjudicator):
    """(7,000 − 500) × 50% = 3,250.00 from inpatient-medical, (8 − 3) × 40 × 1 = 200.00 allowance."""
    _, view = _notice(adjudicator, hospital_stay("c-1", dt.date(2024, 6, 1), received=dt.date(2024, 6, 14)))
    assert [(item.plan, item.benefit, item.amount) for item in view.paid] == [
        ("职工住院医疗互助保障", "住院医疗费用补助", Decimal("3250.00")), ("职工住院津贴互助保障", "住院津贴", Decimal("200.00"))]
    assert view.total == Decimal("3450.00") and view.status == "paid"
    assert view.event == "2024年6月1日至2024年6月9日因疾病住院治疗" and view.id_number == "110*************2X"
    assert view.not_applicable == ["职工重大疾病互助保障"]  # a diagnosis plan does not cover a stay


def test_a_refused_claim_names_the_clause_in_plain_words(adjudicator):
    _, view = _notice(adjudicator, hospital_stay("c-1", dt.date(2024, 2, 1)))  # day 31 of the first term
    assert view.status == "denied" and not view.paid
    assert [item.reason for item in view.unpaid] == ["等待期内出险：疾病住院观察期90天"] * 2
    html = notice_html(view)
    assert "不予给付" in html and "疾病住院观察期90天" in html and "0.00" in html


def test_a_capped_line_says_what_was_computed_and_why_less_was_paid(adjudicator):
    claim = hospital_stay("c-1", dt.date(2024, 6, 1), in_scope="7000.00")
    claim["enrolments"] = [dict(ENROLMENTS[0], units=1, fee_paid="60.00")]
    claim["event"] = dict(claim["event"], total="60000.00", fund_paid="20000.00", self_pay_in_scope="39000.00")
    _, view = _notice(adjudicator, claim)
    (line,) = view.paid
    # (39,000 − 500) = 38,500: 10,000 × 50% + 28,500 × 60% = 22,100.00, capped at 15,000 × 1
    assert line.amount == Decimal("15000.00")
    assert line.explanation == "按规定计算为22,100.00元，超过最高给付限额部分不予给付"


def test_a_pending_claim_lists_the_missing_evidence_by_its_title(adjudicator):
    claim = heart_attack("c-1", dt.date(2024, 6, 10))
    del claim["event"]["diagnoses"][0]["findings"]["troponin_multiple"]
    claim["event"]["diagnoses"][0]["findings"]["lvef"] = "55.0"
    _, view = _notice(adjudicator, claim)
    assert view.status == "pending"
    assert view.missing == ["病历中的“肌钙蛋白升高倍数（参考值上限的倍数）”（用于认定：较重急性心肌梗死）"]


def test_a_notice_shows_no_internal_ids(adjudicator):
    for claim in (hospital_stay("c", dt.date(2024, 6, 1)), hospital_stay("c", dt.date(2024, 2, 1)), heart_attack("c", dt.date(2024, 6, 10))):
        decided, view = _notice(adjudicator, _with_internal_ids(claim), objection_days=60)
        html = notice_html(view)
        decision = decided.decision
        internal = {decision.claim_id, decision.member_id, *IDS.values(), *(e.plan for e in decision.enrolments),
                    *(e.plan_hash[:12] for e in decision.enrolments), *(s.plan for s in decision.skipped)}
        internal |= {r.code for e in decision.enrolments for r in e.refusals} | {r.clause for e in decision.enrolments for r in e.refusals}
        internal |= {line.benefit for e in decision.enrolments for line in e.lines}
        internal |= {c for e in decision.enrolments for c in e.clauses}
        for value in internal:
            assert value not in html, f"internal id {value!r} on the member's notice"
        assert "60日内" in html and "11010519800101002X" not in html


# -- reports ---------------------------------------------------------------------------------------------


def _report_claims():
    return [
        hospital_stay("c-1", dt.date(2024, 6, 1), received=dt.date(2024, 6, 14)),                      # 3,250 + 200
        heart_attack("c-2", dt.date(2024, 7, 10), received=dt.date(2024, 7, 20)),                       # 10,000 severe
        hospital_stay("c-3", dt.date(2024, 2, 1), received=dt.date(2024, 2, 20), member_id="m-2",      # waiting period
                      id_number="520102198501010048", office="lanzhou"),
    ]


def test_report_hand_computed(adjudicator):
    decided = _decided(adjudicator, _report_claims())
    report = build_report(decided, fees_of_claims(decided, plan_titles(adjudicator)))
    assert [(r["month"], r["office"], r["benefit"], r["claims"], r["amount"]) for r in report.payouts] == [
        ("2024-06", "zunyi", "住院医疗费用补助", 1, Decimal("3250.00")),
        ("2024-06", "zunyi", "住院津贴", 1, Decimal("200.00")),
        ("2024-07", "zunyi", "重大疾病（重症）互助金", 1, Decimal("10000.00")),
    ]
    # fees: each member's distinct enrolments: 120 + 30 + 80 (2023) + 80 (2024) per member, two members
    assert report.total_fees == Decimal("620.00") and report.total_paid == Decimal("13450.00")
    loss = {(r["plan"], r["office"]): (r["fees"], r["payouts"], r["ratio"]) for r in report.loss}
    assert loss[("职工住院医疗互助保障", "zunyi")] == (Decimal("120.00"), Decimal("3250.00"), Decimal("2708.3"))
    assert loss[("职工重大疾病互助保障", "zunyi")] == (Decimal("160.00"), Decimal("10000.00"), Decimal("6250.0"))
    assert loss[("职工住院医疗互助保障", "lanzhou")] == (Decimal("120.00"), Decimal("0.00"), Decimal("0.0"))
    assert [(s["status"], s["claims"], s["amount"]) for s in report.statuses] == [
        ("全额给付", 2, Decimal("13450.00")), ("不予给付", 1, Decimal("0.00"))]
    assert {r["code"]: r["enrolments"] for r in report.reasons}["waiting_period"] == 2


def test_a_period_limits_payouts_and_fees(adjudicator):
    decided = _decided(adjudicator, _report_claims())
    report = build_report(decided, fees_of_claims(decided, plan_titles(adjudicator)), period=(dt.date(2024, 7, 1), dt.date(2024, 12, 31)))
    assert report.total_paid == Decimal("10000.00") and report.total_fees == Decimal("0.00")  # no term starts in H2
    assert loss_ratio(Decimal("10000.00"), Decimal("0.00")) is None
    assert loss_ratio(Decimal("1.00"), Decimal("3.00")) == Decimal("33.3")


def test_report_files_carry_the_same_tables(adjudicator, tmp_path):
    decided = _decided(adjudicator, _report_claims())
    report = build_report(decided, fees_of_claims(decided, plan_titles(adjudicator)))
    files = report_csv(report)
    payouts = list(csv.reader(io.StringIO(files["payouts.csv"].decode("utf-8-sig"))))
    assert payouts[0] == ["月份", "办事处", "保障项目", "保障责任", "案件数", "给付金额"] and payouts[3][-1] == "10000.00"
    workbook = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert workbook.sheetnames == ["给付明细", "会费", "赔付率", "案件状态", "未给付原因"]
    assert workbook["给付明细"]["F4"].value == 10000
    html = report_html(report)
    assert html.count("<svg") == 6 and "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html), "a report must not load anything from outside"
    assert report_html(report) == html  # the same figures give the same bytes


def test_office_commands_write_their_files(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "fixtures/claims.jsonl", "--html", str(tmp_path / "r.html"), "--xlsx", str(tmp_path / "r.xlsx"),
                                 "--csv", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["claims-by-reason.csv", "claims-by-status.csv", "fees.csv",
                                                                     "loss-ratio.csv", "payouts.csv"]
    result = runner.invoke(app, ["notice", "fixtures/claims.jsonl", "--out", str(tmp_path / "n"), "--claim", "c-05",
                                 "--office-name", "lanzhou=兰州办事处"])
    assert result.exit_code == 0, result.output
    assert "兰州办事处" in (tmp_path / "n" / "c-05.html").read_text(encoding="utf-8")
    result = runner.invoke(app, ["publicity", "fixtures/claims.jsonl", "--office", "xizang", "--month", "2024-08",
                                 "--csv", str(tmp_path / "p.csv"), "--html", str(tmp_path / "p.html"), "--xlsx", str(tmp_path / "p.xlsx")])
    assert result.exit_code == 0, result.output
    assert len(list(csv.reader(io.StringIO((tmp_path / "p.csv").read_text(encoding="utf-8-sig"))))) == 3
    assert "西藏办事处" in (tmp_path / "p.html").read_text(encoding="utf-8")  # the office's title in rules/offices.yaml
    assert runner.invoke(app, ["publicity", "fixtures/claims.jsonl", "--office", "xizang", "--month", "2024-13"]).exit_code == 2


# -- in a real browser -------------------------------------------------------------------------------------


@needs_browser
def test_notice_and_report_render_in_headless_chromium(adjudicator):
    decided = _decided(adjudicator, _report_claims())
    notice = notice_html(build_notice(decided[0], plan_titles(adjudicator), adjudicator.library, "遵义办事处"))
    report = report_html(build_report(decided, fees_of_claims(decided, plan_titles(adjudicator))))
    with chromium() as browser:
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.set_content(notice, wait_until="load")
        assert page.inner_text("h1") == "理赔决定通知书"
        assert page.inner_text("#total") == "3,450.00"
        assert page.locator("#paid tbody tr").count() == 2
        assert "张三丰" in page.inner_text("#addressee")
        page.set_content(report, wait_until="load")
        assert page.inner_text("#total-paid") == "13,450.00"
        boxes = [page.locator("svg.chart").nth(i).bounding_box() for i in range(6)]
        assert all(box and box["width"] > 300 and box["height"] > 40 for box in boxes)
        bars = page.locator("svg.chart rect")
        assert bars.count() >= 3 and bars.first.bounding_box()["width"] > 0
        assert requests == [] and errors == []  # self-contained: nothing fetched, nothing failed


@needs_browser
def test_notices_print_to_pdf():
    documents = pdf_pages(["<html><body><h1>理赔决定通知书</h1></body></html>"])
    assert documents[0].startswith(b"%PDF-") and len(documents[0]) > 1000
