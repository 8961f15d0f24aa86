"""The cases page (role `simulate`: running a case adjudicates): the YAML case files the
service can see, run one or all of them, or a file uploaded from the browser."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from engine.workbench.access import adjudicator_in_force, folders, require
from engine.workbench.case_runs import MAX_UPLOAD_BYTES, case_files, run_file, run_upload
from engine.workbench.rendering import render

router = APIRouter(prefix="/ui/cases", include_in_schema=False, dependencies=[require("simulate")])


@router.get("")
async def cases(request: Request) -> Response:
    folder = folders(request).cases
    return render("cases.html", folder=folder, files=[path.name for path in case_files(folder)],
                  max_upload=MAX_UPLOAD_BYTES)


@router.post("/run")
async def run(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    wanted = str(form.get("file") or "")
    files = case_files(folders(request).cases)
    chosen = files if wanted == "*" else [path for path in files if path.name == wanted]
    if not chosen:
        return render("missing.html", status_code=404, what=f"测试用例文件 {wanted}")
    adjudicator = adjudicator_in_force(request)
    runs = await run_in_threadpool(lambda: [run_file(adjudicator, path) for path in chosen])
    return results(runs)


def results(runs) -> Response:
    cases = [case for run in runs for case in run.cases]
    passed = sum(case.passed for case in cases)
    unreadable = sum(bool(run.error) for run in runs)
    return render("case_results.html", runs=runs, passed=passed, failed=len(cases) - passed + unreadable, unreadable=unreadable)


@router.post("/upload")
async def upload(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_UPLOAD_BYTES)
    sent = form.get("case_file")
    if sent is None or isinstance(sent, str):
        return render("missing.html", status_code=422, what="请选择一个 YAML 测试用例文件")
    content = await sent.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return render("missing.html", status_code=413, what=f"文件超过 {MAX_UPLOAD_BYTES:,} 字节")
    name = (sent.filename or "upload.yaml")[-100:]
    return results([await run_in_threadpool(run_upload, adjudicator_in_force(request), name, content)])
