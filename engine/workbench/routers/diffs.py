"""The diffs page: a diff report's JSON uploaded (role `read`) or produced on a corpus the
service holds (role `simulate`: it adjudicates), shown as `adjudicator diff`'s HTML report in a
sandboxed frame (`engine.workbench.diff_reports`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from engine.workbench.access import adjudicator_in_force, folders, require
from engine.workbench.claim_form import FormError, nested, overrides_from_form
from engine.workbench.diff_reports import (MAX_REPORT_BYTES, REPORT_POLICY, SHELF, ReportError, corpora, corpus_diff,
                                           headline, read_report, render, report_json)
from engine.workbench.rendering import render as page

router = APIRouter(prefix="/ui/diffs", include_in_schema=False)


@router.get("", dependencies=[require("read")])
async def diffs(request: Request) -> Response:
    adjudicator = adjudicator_in_force(request)
    plans = [(plan_id, revisions[-1].plan.title) for plan_id, revisions in sorted(adjudicator.revisions.items())]
    names = [path.name for path in corpora(folders(request).corpora)]
    chosen = next((name for name in names if "corpus" in name), names[0] if names else "")  # a corpus before a file of claims
    return page("diffs.html", corpora=names, chosen=chosen, plans=plans, folder=folders(request).corpora, max_report=MAX_REPORT_BYTES)


def _shown(data: dict, name: str) -> Response:
    try:
        html = render(data)
    except ReportError as error:
        return page("diff_open.html", error=str(error))
    ticket = SHELF.put(html, name)
    return page("diff_open.html", error=None, ticket=ticket, name=name, data=data, facts=headline(data), json_text=report_json(data))


@router.post("/open", dependencies=[require("read")])
async def open_report(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_REPORT_BYTES + 1)
    sent = form.get("report")
    if sent is None or isinstance(sent, str):
        return page("diff_open.html", error="请选择 adjudicator diff --json 写出的 JSON 文件")
    try:
        data = read_report(await sent.read(MAX_REPORT_BYTES + 1))
    except ReportError as error:
        return page("diff_open.html", error=str(error))
    return _shown(data, (sent.filename or "diff.json")[-100:])


@router.post("/run", dependencies=[require("simulate")])
async def run_corpus(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=200)
    items = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    wanted = dict(items).get("corpus", "")
    folder = folders(request).corpora
    chosen = next((path for path in corpora(folder) if path.name == wanted), None)
    if chosen is None:
        return page("diff_open.html", error=f"没有语料文件 {wanted}")
    try:
        overrides = overrides_from_form(nested([(n, v) for n, v in items if n.startswith("overrides.")]))
    except FormError as error:
        return page("diff_open.html", error=str(error))
    if not overrides:
        return page("diff_open.html", error="请至少填写一项假设（方案、参数路径和新值）：差异是生效方案与假设方案之间的")
    plans_dir, rules_dir = adjudicator_in_force(request).sources
    try:
        data = await run_in_threadpool(corpus_diff, chosen, plans_dir, rules_dir, overrides)
    except (ReportError, ValueError) as error:
        return page("diff_open.html", error=str(error))
    return _shown(data, chosen.name)


# The report's own document, posted into the frame with its ticket (no bearer header there).
viewer = APIRouter(prefix="/ui/diffs", include_in_schema=False)


@viewer.post("/view")
async def view_report(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=2)
    kept = SHELF.get(str(form.get("ticket") or ""))
    if kept is None:
        return HTMLResponse("<!doctype html><meta charset=utf-8><p>报告已过期，请重新打开。</p>", status_code=404,
                            headers={"Content-Security-Policy": REPORT_POLICY})
    return HTMLResponse(kept.html, headers={"Content-Security-Policy": REPORT_POLICY, "Cache-Control": "no-store",
                                            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
