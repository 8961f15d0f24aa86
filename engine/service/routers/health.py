"""`/healthz` (the process answers), `/readyz` (plans loaded, ledger reachable), `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from engine.service.auth import ANY_ROLE, require
from engine.service.models import Health, Ready
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, summary="Plans loaded and ledger reachable",
            responses=problem_responses(503, d503="Not ready: `checks` says what is missing"))
async def readyz(request: Request) -> Ready:
    state = request.app.state
    checks = {"plans": "loaded" if state.plans.loaded else "not loaded", "ledger": "ok"}
    try:
        if state.store is None:
            checks["ledger"] = "not open"
        else:
            await run_in_threadpool(state.store.ping)
    except Exception as error:  # any failure to reach the ledger makes the worker not ready
        checks["ledger"] = f"unreachable: {error.__class__.__name__}"
    if checks != {"plans": "loaded", "ledger": "ok"}:
        raise Problem(503, "not-ready", "; ".join(f"{name}: {state}" for name, state in checks.items()), checks=checks)
    return Ready(status="ready", plans=state.plans.current.fingerprint, ledger="ok")


@router.get("/metrics", summary="Prometheus metrics (any valid token)", dependencies=[require(ANY_ROLE)],
            response_class=Response, responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                                      "description": "Prometheus text exposition format"},
                                                **problem_responses(*AUTH_PROBLEMS)})
async def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
