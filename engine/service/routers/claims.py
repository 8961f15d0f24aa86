"""`POST /v1/claims` (adjudicate and record, idempotent by claim id) and `GET /v1/claims/{id}`
(every decision version of a claim).

The claim id is the idempotency key: the same claim sent again is answered with the decision
stored the first time, byte for byte (200, `Idempotent-Replayed: true`); another payload under
the same id is refused (409, both SHA-256 hashes); a claim whose stored decision is pending is
adjudicated again on the new evidence and stored as the next version (201)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from engine.model.decision import Decision
from engine.model.types import MAX_ID_LENGTH
from engine.service.auth import require
from engine.service.limits import path_id, read_json_body
from engine.service.metrics import decision_status
from engine.service.models import ClaimHistory
from engine.service.openapi import CLAIM_BODY
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses
from engine.service.refusals import problem_for

router = APIRouter(prefix="/v1/claims", tags=["claims"])

SUBMISSION_HEADERS = {
    "Location": {"description": "the claim's versions: /v1/claims/{claim_id}", "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "true when this is the decision stored for an earlier identical request",
                            "schema": {"type": "string", "enum": ["true", "false"]}},
    "Submission-Outcome": {"description": "created, replayed or resubmitted (a pending claim decided again)",
                           "schema": {"type": "string", "enum": ["created", "replayed", "resubmitted"]}},
    "Decision-Version": {"description": "the version of the decision returned (1, then 2 after a resubmission…)",
                         "schema": {"type": "integer"}},
    "Payload-SHA256": {"description": "SHA-256 of the canonical claim payload", "schema": {"type": "string"}},
}


@router.post("", status_code=201, dependencies=[require("adjudicate")], openapi_extra=CLAIM_BODY,
             summary="Adjudicate a claim and record its decision (idempotent by claim id)",
             responses={201: {"model": Decision, "description": "adjudicated and recorded (a new claim, or a pending "
                              "one decided again on new evidence)", "headers": SUBMISSION_HEADERS},
                        200: {"model": Decision, "description": "the same claim was recorded before: its stored "
                              "decision, unchanged", "headers": SUBMISSION_HEADERS},
                        **problem_responses(*AUTH_PROBLEMS, 409, 413, 415, 422, 503,
                                            d409="another payload was recorded under this claim id (both hashes given)",
                                            d503="the ledger is unreachable, or busy with this member's history: send the "
                                                 "claim again (it is idempotent)")})
async def submit_claim(request: Request) -> Response:
    state = request.app.state
    try:
        raw = await read_json_body(request)
        adjudicator = state.plans.current.adjudicator
        if state.group_commit:
            submission = await state.group_commit.submit(adjudicator, raw)
        else:
            submission = await run_in_threadpool(state.store.submit, adjudicator, raw)
    except Exception as error:
        state.metrics.refused.labels(problem_for(error).kind.replace("-", "_")).inc()
        raise
    state.metrics.claims.labels(submission.outcome, decision_status(submission.decision_json)).inc()
    retries = getattr(submission, "retries", 0)
    if retries:
        state.metrics.ledger_retries.inc(retries)
    headers = {
        "Location": f"/v1/claims/{quote(submission.claim_id, safe='')}",
        "Idempotent-Replayed": "true" if submission.outcome == "replayed" else "false",
        "Submission-Outcome": submission.outcome,
        "Decision-Version": str(submission.version),
        "Payload-SHA256": submission.payload_sha256,
    }
    status = 200 if submission.outcome == "replayed" else 201
    return Response(submission.decision_json, status_code=status, headers=headers, media_type="application/json")


@router.get("/{claim_id:path}", response_model=ClaimHistory, dependencies=[require("read")],
            summary="Every decision version of a claim, oldest first",
            responses=problem_responses(*AUTH_PROBLEMS, 404, 422, 503))
async def claim_versions(request: Request, claim_id: str = Path(min_length=1, max_length=MAX_ID_LENGTH)) -> Response:
    claim_id = path_id(claim_id, "the claim id")
    versions = await run_in_threadpool(request.app.state.store.claim_versions, claim_id)
    if not versions:
        raise Problem(404, "not-found", "no claim is recorded under this id", claim_id=claim_id)
    return Response(ClaimHistory.json_of(versions), media_type="application/json")
