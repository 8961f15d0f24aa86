"""Corrections and appeals over HTTP (role `admin`), as `adjudicator ledger void | readjudicate`
do them (engine.store.corrections): nothing is edited or deleted, and every step is in the
audit trail with who did it (the name given, and which token) and why.

- `POST /v1/admin/claims/{claim_id}/void` {reason, by}: a void version and reversing entries.
- `POST /v1/admin/members/{member}/readjudicate` {reason, by, claims?, evidence?, from?, confirm?}:
  without `confirm`, the differences and their `digest` (nothing recorded); with `confirm` set to
  that digest, the differences are recorded if the ledger still gives the same ones (else 409)."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from engine.service.auth import bearer, require
from engine.service.limits import path_id, read_json_body
from engine.service.problems import AUTH_PROBLEMS, Problem, problem_responses

router = APIRouter(prefix="/v1/admin", tags=["corrections"], dependencies=[require("admin")])
RESPONSES = problem_responses(*AUTH_PROBLEMS, 404, 409, 415, 422, 503,
                              d404="no such claim or member in the ledger",
                              d409="the correction cannot be made as asked (already void, not the member's claim, "
                                   "the ledger changed since the preview, or no persistent ledger)")


def _actor(body: dict, credentials: HTTPAuthorizationCredentials | None) -> str:
    by = body.get("by")
    if not isinstance(by, str) or not by.strip():
        raise Problem(422, "invalid-request", "`by` (who makes the correction) is required")
    if credentials is None:
        return by.strip()
    token = hashlib.sha256(credentials.credentials.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{by.strip()} (token {token})"


def _body(raw: Any) -> dict:
    if not isinstance(raw, dict):
        raise Problem(422, "invalid-request", "the body is a JSON object")
    if not isinstance(raw.get("reason"), str):
        raise Problem(422, "invalid-request", "`reason` (why) is required")
    return raw


def _refused(error) -> Problem:
    text = str(error)
    status = 404 if text.startswith(("no claim", "no member")) else 409
    return Problem(status, "not-found" if status == 404 else "correction-refused", text)


@router.post("/claims/{claim_id:path}/void", summary="Void a claim: a void version and entries reversing its effect",
             responses=RESPONSES)
async def void(request: Request, claim_id: str, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict:
    from engine.store.corrections import CorrectionError, void_claim

    body = _body(await read_json_body(request))
    actor = _actor(body, credentials)
    try:
        result = await run_in_threadpool(void_claim, request.app.state.store, path_id(claim_id, "claim_id"), body["reason"], actor)
    except CorrectionError as error:
        raise _refused(error) from None
    return {"claim_id": result.claim_id, "version": result.version, "voided_version": result.voided_version,
            "reversed": [{"accumulator": key.label(member=False), "amount": str(-amount)}
                         for key, amount in sorted(result.reversed.items(), key=lambda kv: kv[0].label())],
            "later_claims": result.later_claims}


@router.post("/members/{member}/readjudicate", summary="Decide a member's claims again on the corrected history",
             responses=RESPONSES)
async def readjudicate(request: Request, member: str,
                       credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict:
    from engine.store.corrections import CorrectionError, readjudicate as run

    body = _body(await read_json_body(request))
    actor = _actor(body, credentials)
    claims = body.get("claims", [])
    if not isinstance(claims, list) or not all(isinstance(claim, str) for claim in claims) or len(claims) > 1000:
        raise Problem(422, "invalid-request", "`claims` is a list of claim ids (at most 1,000)")
    appeals: dict[str, Any] = {claim: None for claim in claims}
    if body.get("evidence") is not None:
        if len(claims) != 1:
            raise Problem(422, "invalid-request", "`evidence` needs exactly one claim in `claims`: the claim it is the new evidence of")
        appeals[claims[0]] = body["evidence"]
    confirm = body.get("confirm")
    if confirm is not None and not isinstance(confirm, str):
        raise Problem(422, "invalid-request", "`confirm` is the digest of the differences shown")
    state = request.app.state
    try:
        outcome = await run_in_threadpool(
            lambda: run(state.store, state.plans.current.adjudicator, path_id(member, "member"), reason=body["reason"],
                        actor=actor, appeals=appeals, start=body.get("from"), record=confirm is not None, expected=confirm))
    except CorrectionError as error:
        raise _refused(error) from None
    return {"person": outcome.person, "digest": outcome.digest, "recorded": outcome.recorded,
            "claims": [{"claim_id": rerun.claim_id, "action": rerun.action, "changed": rerun.changed,
                        "version_before": rerun.old.version, "status_before": rerun.old.status,
                        "total_before": f"{rerun.old.total:.2f}", "status_after": rerun.new_status,
                        "total_after": f"{rerun.new_total:.2f}", "version": rerun.version,
                        "payload_changed": rerun.payload_changed} for rerun in outcome.reruns]}
