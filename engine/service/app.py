"""The application factory: `create_app(settings)` builds one FastAPI app (one per worker
process). Tests drive it in-process; other areas add their routers in `ROUTERS`.

On start (the lifespan): the plan set is loaded and checked (a set that fails `check` stops the
start), the ledger is opened, and SIGHUP is set to reload the plans."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.service.auth import Guard, read_tokens
from engine.service.group_commit import GroupCommit
from engine.service.limits import BodyLimit
from engine.service.metrics import Metrics, RequestMetrics
from engine.service.openapi import build_openapi
from engine.service.plan_registry import LoadedPlans, PlanRegistry, PlanSetRejected
from engine.service.problems import Problem, handle_problem, problem_response
from engine.service.refusals import REFUSED, handle_refusal
from engine.service.routers import admin, claims, corrections, enrolment, health, members, office, plans, simulations
from engine.service.settings import ServiceSettings
from engine.store import open_store
from engine.workbench import router as workbench

ROUTERS = (health.router, plans.router, simulations.router, claims.router, members.router, admin.router, corrections.router,
           office.router, enrolment.router, workbench)
VERSION = "0.1.0"
log = logging.getLogger("uvicorn.error").getChild("adjudicator")  # shown by uvicorn's log configuration

DESCRIPTION = """Adjudicate and record mutual-aid claims (职工互助保障理赔).

Every endpoint but `/healthz`, `/readyz`, `/openapi.json` and `/docs` needs
`Authorization: Bearer <token>` with the role it names. Errors are `application/problem+json`."""


def create_app(settings: ServiceSettings | None = None, *, store=None, plans: LoadedPlans | None = None) -> FastAPI:
    """Build the app. `store` (the claims ledger) is opened from `settings.ledger` on start when
    not given; `plans`, an already loaded and checked plan set, saves loading it again."""
    settings = settings or ServiceSettings.from_env()
    tokens = read_tokens(settings.tokens) if settings.tokens else None
    if tokens is None and not settings.insecure_dev:
        raise ValueError("no tokens file: give --tokens FILE (or ADJUDICATOR_TOKENS), or --insecure-dev on 127.0.0.1")
    registry = PlanRegistry(settings.plans, settings.rules, settings.evaluator, plans)

    app = FastAPI(title="Mutual-aid adjudicator", version=VERSION, description=DESCRIPTION,
                  lifespan=partial(_lifespan, store_given=store is not None), redoc_url=None)
    app.state.settings = settings
    app.state.guard = Guard(tokens)
    app.state.plans = registry
    app.state.store = store
    app.state.metrics = Metrics()
    app.state.group_commit = None  # started with the app (lifespan)

    app.add_exception_handler(Problem, handle_problem)
    for refused in REFUSED:
        app.add_exception_handler(refused, handle_refusal)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)  # outside BodyLimit: counts its 413s
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = partial(build_openapi, app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI, store_given: bool):
    state = app.state
    try:
        await run_in_threadpool(state.plans.load)
    except PlanSetRejected as rejected:
        for error in rejected.errors:
            log.error("%s", error)
        raise RuntimeError(f"the plan set fails `check` ({len(rejected.errors)} error(s)); not starting") from None
    if not store_given:
        state.store = await run_in_threadpool(open_store, state.settings.ledger)
    settings = state.settings
    state.group_commit = None
    if settings.batch > 1:
        state.group_commit = GroupCommit(state.store, settings.batch, settings.writers,
                                         on_batch=state.metrics.batch_size.observe)
        await state.group_commit.start()
    loop = asyncio.get_running_loop()
    hup = _install_sighup(loop, state)
    try:
        yield
    finally:
        if hup:
            loop.remove_signal_handler(signal.SIGHUP)
        if state.group_commit:
            await state.group_commit.stop()
        if not store_given and hasattr(state.store, "close"):
            state.store.close()


def _install_sighup(loop: asyncio.AbstractEventLoop, state) -> bool:
    """SIGHUP reloads the plans (checked first; on failure the old set stays and the errors
    are logged). Only in the main thread of a process that serves (not in a test's thread)."""
    from engine.service.routers.admin import reload_plans

    def on_hup():
        async def reload():
            try:
                await run_in_threadpool(reload_plans, state)
            except PlanSetRejected:
                pass  # logged by reload_plans

        loop.create_task(reload())

    try:
        loop.add_signal_handler(signal.SIGHUP, on_hup)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
        return False
    return True


async def _request_invalid(request: Request, error: RequestValidationError):
    issues = [{"path": ".".join(str(part) for part in detail["loc"]), "message": detail["msg"]} for detail in error.errors()]
    return problem_response(Problem(422, "invalid-request", f"{len(issues)} issue(s) in the request",
                                    errors=[f"{issue['path']}: {issue['message']}" for issue in issues], issues=issues))


async def _http_error(request: Request, error: StarletteHTTPException):
    kind = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "invalid-request")
    return problem_response(Problem(error.status_code, kind, str(error.detail), headers=getattr(error, "headers", None)))


async def _internal_error(request: Request, error: Exception):
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(Problem(500, "internal", "the service failed; the error is in its log"))
