"""`GET /v1/offices/{office}/publicity/{month}` (role `read`): the month's claims publicity
(理赔公示, catalogue §3) of one office, from the paid decisions recorded in the ledger, masked
exactly as `adjudicator publicity` masks them: as JSON, CSV, XLSX or the printable page
(`?format=`). Void claims are not published; nothing on §3's never-published list is ever in it."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from engine.service.auth import require
from engine.service.limits import path_id
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(prefix="/v1/offices", tags=["office"], dependencies=[require("read")])
MEDIA = {"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _publicity(state, office: str, month: str, opens):
    from engine.office.publicity import build_publicity
    from engine.office.records import from_ledger

    names = dict(state.plans.current.adjudicator.library.offices)
    return build_publicity(from_ledger(state.store), office, month, names.get(office), opens)


@router.get("/{office}/publicity/{month}", summary="An office's claims publicity for a month (理赔公示)",
            responses=problem_responses(*AUTH_PROBLEMS, 409, 422, 503,
                                        d409="the service runs without a persistent ledger: nothing to publish from"))
async def publicity(request: Request, office: str, month: str,
                    format: str = Query("json", pattern="^(json|csv|xlsx|html)$", description="json, csv, xlsx or html"),
                    opens: str | None = Query(None, description="first day of the 7-day objection window (default: the day after the month)")
                    ) -> Response:
    import datetime as dt

    from engine.office.publicity import parse_month, publicity_csv, publicity_html, publicity_xlsx
    from engine.store.corrections import CorrectionError

    office = path_id(office, "office")
    try:
        parse_month(month)
        first_day = dt.date.fromisoformat(opens) if opens else None
    except ValueError as error:
        raise Problem(422, "invalid-request", str(error)) from None
    try:
        result = await run_in_threadpool(_publicity, request.app.state, office, month, first_day)
    except CorrectionError as error:
        raise Problem(409, "correction-refused", str(error)) from None
    if format == "json":
        return Response(result_json(result), media_type="application/json")
    render = {"csv": publicity_csv, "xlsx": publicity_xlsx, "html": publicity_html}[format]
    data = render(result)
    headers = {"Content-Disposition": f'attachment; filename="publicity-{office}-{month}.{format}"'} if format != "html" else {}
    return Response(data, media_type=MEDIA[format], headers=headers)


def result_json(result) -> str:
    import json

    return json.dumps({
        "office": result.office, "office_name": result.office_name, "month": result.month,
        "objections_open": result.opens.isoformat(), "objections_close": result.closes.isoformat(),
        "rows": [{"number": row.number, "month": row.month, "office": row.office, "employer": row.employer, "name": row.name,
                  "id_number": row.id_number, "plan": row.plan, "benefit": row.benefit, "amount": f"{row.amount:.2f}",
                  "paid_on": row.paid_on.isoformat()} for row in result.rows],
    }, ensure_ascii=False)
