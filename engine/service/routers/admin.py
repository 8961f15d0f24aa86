"""`POST /v1/admin/reload`: put the plan set on disk in force without a restart, if it passes
`check`; otherwise keep the one in force and return the errors. SIGHUP does the same
(`engine.service.app`)."""

from __future__ import annotations

import logging
import os
import signal

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from engine.service.auth import require
from engine.service.models import ReloadResult
from engine.service.plan_registry import PlanSetRejected
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses
from engine.service.routers.plans import summary_of

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require("admin")])
log = logging.getLogger("uvicorn.error").getChild("adjudicator")  # shown by uvicorn's log configuration


def reload_plans(state):
    """Reload in this process; count and log the result. Raises PlanSetRejected."""
    try:
        outcome = state.plans.reload()
    except PlanSetRejected as rejected:
        state.metrics.reloads.labels("rejected").inc()
        log.error("plan reload rejected, the plans in force are unchanged (%s):\n%s",
                  state.plans.current.fingerprint[:12], "\n".join(rejected.errors))
        raise
    state.metrics.reloads.labels("loaded" if outcome.changed else "unchanged").inc()
    log.info("plan reload: %s (%s)", f"now {outcome.current.fingerprint[:12]}" if outcome.changed else "unchanged",
             f"{len(outcome.current.all_revisions())} revisions")
    return outcome


@router.post("/reload", response_model=ReloadResult, summary="Load, check and put in force the plans on disk",
             responses=problem_responses(*AUTH_PROBLEMS, 422, d422="the new plan set failed `check`: `errors` lists "
                                         "every issue; the plans in force are unchanged (`in_force`)"))
async def reload(request: Request) -> ReloadResult:
    state = request.app.state
    try:
        outcome = await run_in_threadpool(reload_plans, state)
    except PlanSetRejected as rejected:
        raise Problem(422, "plan-set-rejected", f"{len(rejected.errors)} error(s); the plans in force are unchanged",
                      errors=rejected.errors, warnings=rejected.warnings, in_force=state.plans.current.fingerprint) from None
    notified = False
    supervisor = state.settings.supervisor_pid
    if outcome.changed and supervisor:  # the other workers reload from the same files
        os.kill(supervisor, signal.SIGHUP)
        notified = True
    current = outcome.current
    return ReloadResult(changed=outcome.changed, fingerprint=current.fingerprint,
                        previous_fingerprint=outcome.previous.fingerprint,
                        plans=[summary_of(compiled) for compiled in current.all_revisions()],
                        warnings=list(current.warnings), other_workers_notified=notified)
