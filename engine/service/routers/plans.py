"""`GET /v1/plans` and `GET /v1/plans/{plan}/{revision}`: the plan set in force, as loaded."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request

from engine.rules.compiler import CompiledPlan
from engine.service.auth import require
from engine.service.models import PlanDetail, PlanList, PlanSummary
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(prefix="/v1/plans", tags=["plans"], dependencies=[require("read")])


def summary_of(compiled: CompiledPlan) -> PlanSummary:
    plan = compiled.plan
    return PlanSummary(plan=plan.plan, revision=plan.revision, title=plan.title, effective_from=plan.effective_from,
                       effective_to=plan.effective_to, hash=compiled.content_hash, rules=len(compiled.rules))


@router.get("", response_model=PlanList, summary="Every plan revision in force, with its hash",
            responses=problem_responses(*AUTH_PROBLEMS))
async def list_plans(request: Request) -> PlanList:
    loaded = request.app.state.plans.current
    return PlanList(fingerprint=loaded.fingerprint, loaded_at=loaded.loaded_at, warnings=list(loaded.warnings),
                    plans=[summary_of(compiled) for compiled in loaded.all_revisions()])


@router.get("/{plan}/{revision}", response_model=PlanDetail, summary="One plan revision as loaded, with its hash",
            responses=problem_responses(*AUTH_PROBLEMS, 404, 422))
async def get_plan(request: Request, plan: str = Path(max_length=80), revision: str = Path(max_length=80)) -> PlanDetail:
    compiled = request.app.state.plans.current.revision(plan, revision)
    if compiled is None:
        raise Problem(404, "not-found", f"no plan {plan!r} revision {revision!r} is in force")
    return PlanDetail(**summary_of(compiled).model_dump(), source=compiled.source,
                      rule_names=[rule.name for rule in compiled.rules],
                      definition=compiled.plan.model_dump(mode="json", exclude_none=True))
