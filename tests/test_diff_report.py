"""The diff report a product manager reads: a Chinese page with plan titles, yuan with thousands
separators, charts as inline SVG, breakdowns per office and per plan revision, and the largest
changes in a table that sorts and filters; one self-contained file. Rendered in headless
Chromium (Debian's, driven by Playwright) where one can be started; the terminal report leaves
out empty sections and is not cut at 80 columns when piped.

The change diffed is hand-computed: the bundled claims (fixtures/claims.jsonl) under the plans
with the severe critical-illness sum raised from 10,000 to 12,000 per unit. Only c-08 (breast
cancer, 2 units, member in xizang) pays a severe sum: 20,000.00 → 24,000.00, so the payout
rises by 4,000.00, all of it in critical-illness, all of it at the xizang office."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.diff import PlanSource, run_diff
from engine.diff_report import render_html, rows, to_html, to_json

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def head_plans(tmp_path_factory) -> Path:
    plans = tmp_path_factory.mktemp("head") / "plans"
    shutil.copytree(ROOT / "plans", plans)
    plan = plans / "critical-illness" / "2024.yaml"
    text = plan.read_text(encoding="utf-8")
    assert text.count("amount: {per_unit: 10000.00}") == 1
    plan.write_text(text.replace("amount: {per_unit: 10000.00}", "amount: {per_unit: 12000.00}"), encoding="utf-8")
    return plans


@pytest.fixture(scope="module")
def summary(head_plans):
    lines = (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    return run_diff(lines, PlanSource("main", ROOT / "plans", ROOT / "rules"), PlanSource("高额重疾", head_plans, ROOT / "rules"),
                    workers=1, top=10)


OFFICES = {"beijing": "北京办事处", "lanzhou": "兰州办事处", "xizang": "西藏办事处"}


def test_the_report_data_is_hand_computed(summary):
    data = rows(summary, OFFICES)
    assert (data["claims"], data["changed"], data["payout"]["delta"]) == (9, 1, "+4000.00")
    (plan,) = [row for row in data["by_plan"] if row["delta"] != "0.00"]
    assert (plan["plan"], plan["title"], plan["delta"]) == ("critical-illness", "职工重大疾病互助保障", "+4000.00")
    assert [(row["office"], row["name"], row["delta"]) for row in data["by_office"] if row["delta"] != "0.00"] == \
        [("xizang", "西藏办事处", "+4000.00")]
    assert [(r["plan"], r["revision"], r["delta"]) for r in data["by_revision"] if r["delta"] != "0.00"] == \
        [("critical-illness", "2024", "+4000.00")]
    assert [(c["claim_id"], c["delta"]) for c in data["largest"]] == [("c-08", "+4000.00")]


def test_the_page_is_chinese_with_titles_separators_and_charts_and_self_contained(summary):
    page = to_html(summary, "main", "高额重疾", OFFICES)
    assert '<html lang="zh-CN">' in page and "方案修订差异报告" in page
    assert "职工重大疾病互助保障" in page and "西藏办事处" in page
    assert "+¥4,000.00" in page and re.search(r"¥\d{1,3}(,\d{3})+\.\d{2}", page)
    assert page.count("<svg") >= 2 and "各方案赔付变化" in page and "每笔理赔的赔付变化分布" in page
    # one file: nothing to fetch (the only URL is SVG's namespace name)
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]+src=|@import|url\(", page)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}
    # the examples show both sides in the officer's view
    assert "理赔 c-08：赔付 ¥39,000.00" in page and "理赔 c-08：赔付 ¥35,000.00" in page


def test_the_page_renders_again_from_the_saved_json(summary):
    data = json.loads(to_json(summary, "main", "高额重疾", OFFICES))
    assert render_html(data) == to_html(summary, "main", "高额重疾", OFFICES)
    # a report saved before the breakdowns existed still renders, without them
    old = {key: value for key, value in data.items() if key not in ("by_office", "by_revision", "titles")}
    page = render_html(old)
    assert "各办事处" not in page and "critical-illness" in page


def test_the_terminal_report_has_no_empty_section_and_is_not_cut_when_piped(head_plans):
    result = runner.invoke(app, ["diff", str(ROOT / "fixtures" / "claims.jsonl"), "--base-plans", str(ROOT / "plans"),
                                 "--head-plans", str(head_plans), "--rules", str(ROOT / "rules"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "status changes" not in text and "failed (base / head)" not in text  # nothing to show in either
    assert "+4,000.00" in text and "by office" in text
    assert max(len(line) for line in text.splitlines()) > 80
    assert "female-special-disease" in text  # a long plan id is not cut


def test_the_report_in_a_headless_browser(summary, tmp_path):
    from engine.office.browser import why_unavailable

    reason = why_unavailable()
    if reason:
        pytest.skip(f"no browser to render the report in: {reason}")
    from engine.office.browser import chromium

    path = tmp_path / "diff.html"
    path.write_text(to_html(summary, "main", "高额重疾", OFFICES), encoding="utf-8")
    shots = ROOT / "out" / "screenshots" / "diff-report"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        headline = page.locator(".diff-headline").inner_text()
        assert "共 9 笔理赔" in headline and "1 笔结果有变化" in headline and "+¥4,000.00" in headline
        chart = page.locator("svg.chart").first
        assert chart.is_visible() and chart.bounding_box()["width"] > 300
        assert page.locator("svg.chart").first.locator("rect").count() == len(summary.by_plan)
        assert page.locator("#examples tbody tr").count() == 1
        page.screenshot(path=str(shots / "overview.png"), full_page=False)
        # sorting: the plan table by its delta, numerically
        page.locator("#by-plan th", has_text="差额").click()
        deltas = [Decimal(v) for v in page.locator("#by-plan tbody td:nth-child(4)").evaluate_all("cells => cells.map(c => c.dataset.sort)")]
        assert deltas == sorted(deltas) and deltas[-1] == Decimal("4000.00")
        # filtering the examples: by text, and by direction
        page.fill("#filter-text", "c-08")
        assert page.locator("#filter-count").inner_text() == "显示 1 / 1 笔"
        page.select_option("#filter-sign", "down")
        assert page.locator("#examples tbody tr:visible").count() == 0
        page.select_option("#filter-sign", "")
        page.locator("#examples summary").first.click()
        assert "重大疾病（重症）互助金 ¥24,000.00" in page.locator("#examples").inner_text()
        page.screenshot(path=str(shots / "examples.png"), full_page=True)
        assert errors == []
