"""Claims and members from the ledger (role `read`): every decision version of a claim, and a
member's accumulators with the entries (claims) behind each. Read only."""

from __future__ import annotations


from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from engine.store.corrections import as_decision
from engine.model.types import MAX_ID_LENGTH, normalise_id
from engine.workbench.access import require, store_of
from engine.workbench.rendering import render

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[require("read")])


def _id(value: str, what: str) -> tuple[str | None, str | None]:
    """An id as the ledger keys it (normalised as ids in claims are), or the reason it is not one."""
    if not value.strip():
        return None, None
    try:
        return normalise_id(value, what), None
    except ValueError as error:
        return None, str(error)


@router.get("/claims")
async def claims(request: Request, claim_id: str = Query("", max_length=MAX_ID_LENGTH * 4)) -> Response:
    store = store_of(request)
    wanted, problem = _id(claim_id, "the claim id")
    versions = []
    if store is not None and wanted:
        for stored in await run_in_threadpool(store.claim_versions, wanted):
            versions.append((stored, as_decision(stored.decision_json)))  # a void version reads as one paying nothing
    return render("ledger_claim.html", has_store=store is not None, claim_id=claim_id, problem=problem,
                  versions=list(reversed(versions)), asked=bool(wanted))


@router.get("/members")
async def members(request: Request, member_id: str = Query("", max_length=MAX_ID_LENGTH * 4)) -> Response:
    store = store_of(request)
    wanted, problem = _id(member_id, "the member id")
    found = None
    if store is not None and wanted:
        found = await run_in_threadpool(store.member_accumulators, wanted)
    rows = sorted(found.accumulators, key=lambda row: (row.key.plan, row.key.term or "", row.key.benefit, row.key.measure,
                                                       row.key.scope or "")) if found else []
    return render("ledger_member.html", has_store=store is not None, member_id=member_id, problem=problem,
                  found=found, rows=rows, asked=bool(wanted))
