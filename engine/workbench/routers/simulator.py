"""The simulator (role `simulate`): a form per kind of event, or a JSON box; the decision in
the officer's view; what-if overrides with both decisions side by side; the claim saved as a
YAML test case (a download: the workbench writes no file on the server)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from engine.errors import PlanError
from engine.vocabulary import EVENT_KINDS
from engine.workbench.access import adjudicator_in_force, require, store_of
from engine.workbench.claim_form import (FormError, MAX_ROWS, claim_from_form, claim_from_json, nested, overrides_from_form,
                                          with_fees_due)
from engine.workbench.plan_fields import plan_fields
from engine.workbench.rendering import render
from engine.workbench.simulation import case_yaml, simulate

router = APIRouter(prefix="/ui/simulator", include_in_schema=False, dependencies=[require("simulate")])

KIND_NAMES = {"hospital_stay": "住院", "diagnosis": "疾病确诊", "accident": "意外", "death": "身故", "maturity": "满期"}
ROW_PARTS = ("enrolment", "diagnosis", "finding", "injury", "override")
MAX_FORM_FIELDS = 600

# The README's example claim: (7,000.00 in scope − 1,000.00 deductible) × 40% = 2,400.00.
EXAMPLE = {
    "member": {"member_id": "m-1", "gender": "female", "birth_date": "1985-04-02", "office": "zunyi",
               "medical_insurance": "urban_rural_resident", "employment": "standard", "occupation_risk": "normal"},
    "enrolment": {"enrolment_id": "e-1", "plan": "inpatient-medical", "units": "2", "fee_paid": "120.00",
                  "start": "2024-01-01", "end": "2024-12-31", "source": "paid"},
    "events": {
        "hospital_stay": {"admission": "2024-06-01", "discharge": "2024-06-09", "cause": "disease", "designated": True,
                          "icu_days": "0", "total": "20000.00", "fund_paid": "12000.00", "self_pay_in_scope": "7000.00",
                          "self_pay_out_of_scope": "1000.00", "diagnoses": [{"code": "J18.9"}]},
        "diagnosis": {"diagnosis_date": "2024-06-01", "cause": "disease",
                      "diagnoses": [{"code": "I21.0", "findings": [("troponin_multiple", "10.00"), ("lvef", "45.0")]}]},
        "accident": {"accident_id": "a-1", "accident_date": "2024-06-01", "injuries": [{"item": "", "grade": ""}]},
        "death": {"death_date": "2024-06-01", "cause": "disease", "diagnoses": [{"code": ""}]},
        "maturity": {"maturity_date": "2024-12-31", "alive": True},
    },
}


def _uid() -> str:
    return secrets.token_hex(4)


def _context(request: Request) -> dict[str, Any]:
    adjudicator = adjudicator_in_force(request)
    library = adjudicator.library
    plans = [(plan_id, revisions[-1].plan.title, [c.plan.revision for c in revisions])
             for plan_id, revisions in sorted(adjudicator.revisions.items(), key=lambda item: (item[1][0].plan.order or 99, item[0]))]
    return {"plans": plans, "findings": library.findings, "circumstances": library.circumstances, "kinds": KIND_NAMES,
            "offices": library.offices,
            "uid": _uid, "example": EXAMPLE, "has_store": store_of(request) is not None, "max_rows": MAX_ROWS}


@router.get("")
async def simulator(request: Request) -> Response:
    adjudicator = adjudicator_in_force(request)
    paths = sorted({f"{c.plan.plan}: {field.override_path}" for c in adjudicator.plans for field in plan_fields(c)
                    if field.key and field.key[0] not in ("plan", "revision", "title", "notes")})
    return render("simulator.html", kind="hospital_stay", paths=paths, **_context(request))


@router.get("/event")
async def event_fields(request: Request, kind: str = Query("hospital_stay", alias="event.kind", max_length=20)) -> Response:
    kind = kind if kind in EVENT_KINDS else "hospital_stay"
    return render("sim_event.html", kind=kind, **_context(request))


@router.get("/row/{part}")
async def new_row(request: Request, part: str, parent: str = Query("", max_length=64, pattern=r"^[A-Za-z0-9.]*$")) -> Response:
    if part not in ROW_PARTS:
        return render("missing.html", status_code=404, what=f"表单行 {part}")
    return render("sim_row.html", part=part, parent=parent, row=_uid(), values={}, **_context(request))


async def _read(request: Request) -> tuple[Any, list[dict], dict]:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    items = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    data = nested([(name, value) for name, value in items if name not in ("claim_json", "use_history", "case_name")])
    options = {name: value for name, value in items if name in ("claim_json", "use_history", "case_name")}
    adjudicator = adjudicator_in_force(request)
    text = str(options.get("claim_json") or "").strip()
    raw = claim_from_json(text) if text else with_fees_due(claim_from_form(data, adjudicator.library), adjudicator.revisions)
    return raw, overrides_from_form(data), options


@router.post("/run")
async def run(request: Request) -> Response:
    try:
        raw, overrides, options = await _read(request)
    except FormError as error:
        return render("sim_result.html", outcomes=[], form_error=str(error), overrides=[])
    use_history = options.get("use_history") == "true"
    outcomes = await run_in_threadpool(simulate, adjudicator_in_force(request), raw, overrides, store_of(request), use_history)
    return render("sim_result.html", outcomes=outcomes, form_error=None, overrides=overrides, use_history=use_history)


@router.post("/json")
async def as_json(request: Request) -> Response:
    try:
        raw, _, _ = await _read(request)
        text = json.dumps(raw, ensure_ascii=False, indent=2, default=str)
    except FormError as error:
        text = f"// {error}"
    return render("sim_json.html", text=text)


@router.post("/case")
async def save_case(request: Request) -> Response:
    try:
        raw, overrides, options = await _read(request)
    except FormError as error:
        return render("sim_case.html", text=None, error=str(error), filename="")
    name = str(options.get("case_name") or "").strip()[:200] or "saved from the simulator"
    if not isinstance(raw, dict):
        return render("sim_case.html", text=None, error="the claim must be a JSON object", filename="")
    try:
        text = await run_in_threadpool(case_yaml, adjudicator_in_force(request), raw, overrides, name)
    except (PlanError, ValueError) as error:
        return render("sim_case.html", text=None, error=f"what-if: {error}", filename="")
    filename = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name).strip("-")[:60] or "case"
    return render("sim_case.html", text=text, error=None, filename=f"{filename}.yaml")
