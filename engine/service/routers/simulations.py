"""`POST /v1/simulations`: a what-if decision on the member's current history, recording
nothing; `?explain=true` adds the decision as a tree (the `--explain` view, as JSON)."""

from __future__ import annotations

from json import dumps

from fastapi import APIRouter, Query, Request, Response
from rich.text import Text
from rich.tree import Tree
from starlette.concurrency import run_in_threadpool

from engine.explain import decision_tree
from engine.service.auth import require
from engine.service.limits import read_json_body
from engine.service.models import SimulationResult
from engine.service.openapi import CLAIM_BODY
from engine.service.problems import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/v1/simulations", tags=["claims"], dependencies=[require("simulate")])


def tree_json(tree: Tree) -> str:
    """A rich tree as JSON nodes `{"label", "children"}`, its markup removed."""

    def node(branch: Tree) -> dict:
        label = branch.label if isinstance(branch.label, Text) else Text.from_markup(str(branch.label))
        return {"label": label.plain, "children": [node(child) for child in branch.children]}

    return dumps(node(tree), ensure_ascii=False, separators=(",", ":"))


@router.post("", response_model=SimulationResult, summary="Adjudicate on the current history, record nothing",
             openapi_extra=CLAIM_BODY, responses=problem_responses(*AUTH_PROBLEMS, 409, 413, 415, 422, 503))
async def simulate(request: Request, explain: bool = Query(False, description="add the decision as a tree")) -> Response:
    raw = await read_json_body(request)
    state = request.app.state
    result = await run_in_threadpool(state.store.simulate, state.plans.current.adjudicator, raw)
    state.metrics.simulations.labels(result.decision.status).inc()
    body = '{"decision":' + result.decision.to_json()
    if explain:
        body += ',"explanation":' + tree_json(decision_tree(result.decision))
    return Response(body + "}", media_type="application/json")
