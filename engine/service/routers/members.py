"""`GET /v1/members/{member_id}/accumulators`: what the ledger holds for a person, each
accumulator with the entries that made it."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from engine.model.types import MAX_ID_LENGTH
from engine.service.auth import require
from engine.service.limits import path_id
from engine.service.models import MemberAccumulators
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(prefix="/v1/members", tags=["members"], dependencies=[require("read")])


@router.get("/{member_id:path}/accumulators", response_model=MemberAccumulators,
            summary="A member's accumulators (paid, deductible used, days, payments…) with their entries",
            responses=problem_responses(*AUTH_PROBLEMS, 404, 422, 503))
async def member_accumulators(request: Request, member_id: str = Path(min_length=1, max_length=MAX_ID_LENGTH)) -> MemberAccumulators:
    member_id = path_id(member_id, "the member id")
    found = await run_in_threadpool(request.app.state.store.member_accumulators, member_id)
    if found is None:
        raise Problem(404, "not-found", "the ledger holds nothing for this member")
    return MemberAccumulators.of(member_id, found)
