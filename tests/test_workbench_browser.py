"""The workbench in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against the app served by uvicorn on 127.0.0.1. Every page is opened and checked for
JavaScript console errors and for requests that leave the service; the simulator is filled for a hospital stay and a diagnosis and the
amounts read off the page (hand-computed from the catalogue); a what-if shows both amounts; case
files run; a test case downloads. Screenshots go to out/screenshots/workbench/ (CI artefacts).

One browser and one server for the module; skipped, saying why, where no browser can run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from workbench_app import ROOT, TOKENS, bundled_plans, make_app, tokens_file  # noqa: F401  (fixtures)

browsers = pytest.importorskip("engine.office.browser", reason="the browser launcher (engine/office/browser.py) is not installed")
chromium, why_unavailable = browsers.chromium, browsers.why_unavailable

SHOTS = ROOT / "out" / "screenshots" / "workbench"

pytestmark = pytest.mark.skipif(why_unavailable() is not None, reason=f"no browser for the workbench tests: {why_unavailable()}")


@pytest.fixture(scope="module")
def base_url(bundled_plans, tokens_file, tmp_path_factory):
    import uvicorn
    from service_helpers import HOSPITAL_CLAIM

    from engine.store import open_store

    store = open_store(tmp_path_factory.mktemp("ledger") / "ledger.db")  # the README's stay, recorded
    store.submit(bundled_plans.adjudicator, HOSPITAL_CLAIM)
    app = make_app(bundled_plans, tokens_file, store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the workbench server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


class Console:
    """JavaScript errors and failed loads a page reported, and every request that left the
    service (the workbench works offline: none may)."""

    def __init__(self, page, base_url: str = ""):
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: None if request.url.startswith((base_url + "/", "data:", "blob:", "about:"))
                else self.elsewhere.append(request.url))


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console = Console(page, base_url)
    page.goto(base_url + "/")
    page.fill("#token-input", TOKENS["all"])
    page.press("#token-input", "Enter")
    page.wait_for_selector("[data-roles]")
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


PAGES = [
    ("home", "/", ".cards"),
    ("plans", "/plans", ".timeline"),
    ("plans-on-2024-07-01", "/plans?on=2024-07-01", "td.in-force"),
    ("plan-inpatient-medical-2024", "/plans/inpatient-medical/2024", "#section-benefits"),
    ("plan-critical-illness-2024", "/plans/critical-illness/2024", "#section-benefits"),
    ("compare-inpatient-medical", "/plans/inpatient-medical", "#changed-count"),
    ("diseases-I21", "/diseases?q=I21", "[data-entry]"),
    ("library-on-2025-06-01", "/library?on=2025-06-01", "#library-summary[data-day='2025-06-01']"),
    ("source-inpatient-medical", "/source?file=plans/inpatient-medical/2024.yaml&line=61", "tr.focus"),
    ("simulator", "/simulator", "#simulate"),
    ("cases", "/cases", "#run-all"),
    ("diffs", "/diffs", "#open-report"),
    ("claims-c-1", "/claims?claim_id=c-1", "details.version[data-status='paid']"),
    ("members-m-1", "/members?member_id=m-1", "table.accumulators"),
]


def test_every_page_opens_without_console_errors(page, base_url):
    for name, path, ready in PAGES:
        page.goto(base_url + path)
        page.wait_for_selector(ready)
        assert page.locator("#content .problem").count() == 0, name
        shot(page, name)
    assert page.console.errors == []
    assert page.console.elsewhere == []  # every asset came from the service


def test_the_token_is_asked_for_once_and_kept_for_the_tab(browser, base_url):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    console = Console(page, base_url)
    page.goto(base_url + "/plans")
    page.wait_for_selector("#content .problem[data-status='401']")
    shot(page, "token-asked")
    page.fill("#token-input", TOKENS["read"])
    page.press("#token-input", "Enter")
    page.wait_for_selector(".timeline")
    page.goto(base_url + "/diseases?q=%E5%BF%83%E8%82%8C%E6%A2%97%E6%AD%BB")  # 心肌梗死, next page: no new token
    page.wait_for_selector("[data-entry='critical-illness-severe/ami-severe']")
    assert console.errors == []
    page.goto(base_url + "/simulator")  # read only: the simulator needs `simulate`
    page.wait_for_selector("#content .problem[data-status='403']")
    assert "simulate" in page.inner_text("#content .problem")
    context.close()


def test_simulator_hospital_stay_then_a_what_if(page, base_url):
    page.goto(base_url + "/simulator")
    page.wait_for_selector("#simulate")
    # The form opens on the README's claim: (7,000.00 − 1,000.00 deductible) × 40% × … = 2,400.00.
    page.click("#simulate")
    page.wait_for_selector(".decision")
    assert page.get_attribute(".decision", "data-total") == "2400.00"
    assert "¥2,400.00" in page.inner_text(".decision .summary")
    # What-if: the resident band's 40% → 50%: (7,000.00 − 1,000.00) × 50% = 3,000.00.
    page.select_option(".override-row select", "inpatient-medical")
    page.fill(".override-row input[name$='.path']", "benefits.inpatient-reimbursement.schedules.1.bands.0.rate")
    page.fill(".override-row input[name$='.value']", "0.50")
    page.click("#simulate")
    page.wait_for_selector("#what-if-total")
    assert page.inner_text("#base-total") == "¥2,400.00" and page.inner_text("#what-if-total") == "¥3,000.00"
    assert page.locator(".outcome .decision").count() == 2
    shot(page, "simulator-what-if")
    page.fill("input[name='case_name']", "resident band at 50%")
    page.click("#save-case")
    page.wait_for_selector("#case-yaml")
    with page.expect_download() as download:
        page.click("#download-case")
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "resident-band-at-50.yaml"
    assert "overrides:" in saved and 'total: "3000.00"' in saved
    page.select_option("#event-kind", "accident")  # another kind of event: the stay's decision goes
    page.wait_for_selector("input[name='event.accident_date']")
    assert page.inner_html("#sim-result").strip() == "" and page.inner_html("#sim-case").strip() == ""
    assert page.console.errors == []


def test_simulator_diagnosis_with_findings(page, base_url):
    page.goto(base_url + "/simulator")
    page.wait_for_selector("#simulate")
    page.select_option("#event-kind", "diagnosis")
    page.wait_for_selector("input[name='event.diagnosis_date']")
    first = page.locator(".enrolment-row").first
    first.locator("select[name$='.plan']").select_option("critical-illness")
    first.locator("input[name$='.fee_paid']").fill("160.00")
    page.select_option("select[name='member.medical_insurance']", "urban_employee")
    # Catalogue §1.3 severe #2: I21.0 with LVEF 45.0 (< 50) → 10,000 × 2 units = 20,000.00.
    page.click("#simulate")
    page.wait_for_selector(".decision")
    assert page.get_attribute(".decision", "data-total") == "20000.00"
    page.click("details.line summary")
    assert "较重急性心肌梗死" in page.inner_text("#sim-result details.line")
    # Without the LVEF and with troponin 10 (< 15) the severe definition waits: pending.
    page.locator(".finding-row input[name$='.value']").nth(1).fill("")
    page.locator(".finding-row select").nth(1).select_option("")
    page.click("#simulate")
    page.wait_for_selector(".decision[data-status='pending']")
    assert "$.event.diagnoses[0].findings.lvef" in page.inner_text("#sim-result")
    shot(page, "simulator-diagnosis-pending")
    assert page.console.errors == []


def test_cases_run_in_the_browser(page, base_url):
    page.goto(base_url + "/cases")
    page.wait_for_selector("#run-all")
    page.locator("tr", has_text="what-if.yaml").locator("button").click()
    page.wait_for_selector(".case-summary")
    assert page.get_attribute(".case-summary", "data-failed") == "0"
    assert int(page.get_attribute(".case-summary", "data-passed")) >= 2
    failing = (ROOT / "fixtures/cases/what-if.yaml").read_text(encoding="utf-8").replace('total: "20000.00"', 'total: "21000.00"', 1)
    page.set_input_files("input[name='case_file']", files=[{"name": "mine.yaml", "mimeType": "text/yaml", "buffer": failing.encode()}])
    page.click("#run-upload")
    page.wait_for_selector(".case-summary[data-failed='1']")
    assert "total: expected 21000.00, got 20000.00" in page.inner_text("#case-results")
    shot(page, "cases-failing-upload")
    assert page.console.errors == []


def test_a_diff_report_opens_in_its_frame(page, base_url, adjudicator, tmp_path):
    from engine.diff import PlanSource, run_diff
    from engine.diff_report import to_json
    from engine.testcases import write_what_if

    head = write_what_if(ROOT / "plans", [{"plan": "inpatient-medical", "revision": "2024",
                                           "set": {"benefits.inpatient-reimbursement.cap_per_term.per_unit": "20000.00"}}], tmp_path / "plans")
    lines = (ROOT / "fixtures/corpus-small.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    summary = run_diff(lines, PlanSource("base", ROOT / "plans", ROOT / "rules"), PlanSource("head", head, ROOT / "rules"), workers=1)
    page.goto(base_url + "/diffs")
    page.wait_for_selector("#open-report")
    page.set_input_files("input[name='report']", files=[{"name": "cap-20000.json", "mimeType": "application/json",
                                                         "buffer": to_json(summary, "main", "cap 20000").encode()}])
    page.click("#open-report")
    page.wait_for_selector(".diff-headline")
    report = page.frame_locator("#report-frame")
    report.locator("h1").wait_for()
    assert "main → cap 20000" in report.locator("h1").inner_text()
    assert f"差额 +¥{summary.delta:,.2f}" in page.inner_text("[data-fact='payout']")  # the headline above the report
    assert f"+{summary.delta:,.2f}".replace(",", "") in report.locator("body").inner_text().replace(",", "")
    shot(page, "diff-report")
    assert page.console.errors == []
