"""`POST /v1/enrolment-applications` (role `adjudicate`): a union's group application decided as
`adjudicator enrol` decides it, and, when accepted, recorded in the ledger once.

The body is the staff list itself: an .xlsx workbook (`Content-Type:
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`) or a CSV file (`text/csv`,
UTF-8 or GB18030), with the application data in its 申请信息 sheet or as query parameters.
Answers: 201 recorded; 200 the same application was recorded before (nothing changed), or the
application was refused (`accepted: false`, nothing recorded); 422 the list cannot be decided,
every problem at its sheet, row and column; 409 the ledger holds these enrolments with other terms."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from engine.service.auth import require
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(prefix="/v1/enrolment-applications", tags=["enrolment"], dependencies=[require("adjudicate")])
SUFFIXES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx", "text/csv": ".csv"}


def _decide_and_record(state, body: bytes, suffix: str, given: dict):
    from engine.enrolment.application import application_info, decide_application
    from engine.enrolment.ledger import record_application
    from engine.enrolment.staff_list import read_staff_list

    adjudicator = state.plans.current.adjudicator
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"application{suffix}"
        path.write_bytes(body)
        staff = read_staff_list(path)
        result = decide_application(staff, application_info(staff, given), adjudicator.plans)
    recorded = record_application(state.store, result) if result.accepted else None
    return result, recorded


@router.post("", summary="Decide a union's group application (staff list as .xlsx or .csv) and record it when accepted",
             responses=problem_responses(*AUTH_PROBLEMS, 409, 413, 415, 422, 503,
                                         d409="the ledger holds one of these enrolments with other terms, or runs in memory",
                                         d422="the staff list cannot be decided: every problem at its sheet, row and column"))
async def submit_application(
    request: Request,
    employer: str | None = Query(None, max_length=200, description="the unit (单位名称), unless the 申请信息 sheet names it"),
    office: str | None = Query(None, max_length=80, description="the office code (办事处)"),
    start: dt.date | None = Query(None, description="first day of the term"),
    end: dt.date | None = Query(None, description="last day of the term; by default from the plan's term length"),
    plan: str | None = Query(None, max_length=200, description="the plan of rows that name none"),
    units: int | None = Query(None, ge=1, le=99, description="the units (or tier) everyone takes"),
) -> Response:
    from engine.enrolment.ledger import ApplicationConflict
    from engine.enrolment.staff_list import StaffListError
    from engine.store.corrections import CorrectionError

    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = SUFFIXES.get(media_type)
    if suffix is None:
        raise Problem(415, "unsupported-media-type", f"send the staff list as {' or '.join(SUFFIXES)}, not {media_type[:80] or 'nothing'}")
    body = await request.body()
    given = {"employer": employer, "office": office, "start": start, "end": end, "plan": plan, "units": units}
    try:
        result, recorded = await run_in_threadpool(_decide_and_record, request.app.state, body, suffix, given)
    except StaffListError as error:
        issues = [re.sub(r"\S*/application(\.xlsx|\.csv)", r"application\1", str(issue)) for issue in error.issues]
        raise Problem(422, "invalid-request", f"{len(issues)} problem(s): nothing was decided", errors=issues) from None
    except (ApplicationConflict, CorrectionError) as error:
        raise Problem(409, "correction-refused" if isinstance(error, CorrectionError) else "ledger-refused", str(error)) from None
    answer = result.to_dict()
    answer.pop("file", None)  # a temporary file's name: nothing the caller sent
    for decided in answer["plans"]:
        for person in decided["persons"]:
            person["row"].pop("file", None)
    answer["recorded"] = recorded is not None and recorded.status == "recorded"
    answer["recorded_at"] = recorded.recorded_at.isoformat() if recorded else None
    status = 201 if answer["recorded"] else 200
    return Response(json.dumps(answer, ensure_ascii=False), status_code=status, media_type="application/json")
