"""What the engine, the ledger and the limits refuse, as problem documents: one mapping, used by
the app's exception handler and by the metrics that count refusals by kind."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.exc import DBAPIError

from engine.errors import ClaimError, EngineError, LedgerError, RuleEvaluationError
from engine.service.limits import BodyTooLarge, too_large
from engine.service.problems import Problem, problem_response
from engine.store import ClaimConflict, StoreBusy, StoreNotReady

REFUSED = (EngineError, DBAPIError, BodyTooLarge)  # what `handle_refusal` answers
RETRY = {"Retry-After": "1"}
log = logging.getLogger("uvicorn.error").getChild("adjudicator")


def problem_for(error: Exception) -> Problem:
    if isinstance(error, Problem):
        return error
    if isinstance(error, BodyTooLarge):
        return too_large(error.limit)
    if isinstance(error, ClaimError):
        issues = [{"path": issue.path, "message": issue.message} for issue in error.issues]
        return Problem(422, "invalid-claim", f"{len(issues)} issue(s) in the claim", errors=[str(issue) for issue in error.issues],
                       issues=issues, claim_id=getattr(error, "claim_id", None))
    if isinstance(error, ClaimConflict):
        return Problem(409, "claim-conflict", str(error), claim_id=error.claim_id, stored_sha256=error.stored_sha256,
                       new_sha256=error.new_sha256)
    if isinstance(error, StoreBusy):
        return Problem(503, "ledger-busy", f"{error}; send the claim again", headers=RETRY)
    if isinstance(error, StoreNotReady):
        return Problem(503, "ledger-unavailable", str(error), headers=RETRY)
    if isinstance(error, LedgerError):
        return Problem(409, "ledger-refused", str(error))
    if isinstance(error, DBAPIError):  # its text holds SQL and values: logged, never sent
        return Problem(503, "ledger-unavailable", "the ledger's database did not answer; the error is in the log", headers=RETRY)
    if isinstance(error, RuleEvaluationError):
        return Problem(500, "internal", "the rule evaluator failed on this claim; the error is in the log")
    return Problem(500, "internal", "the service failed; the error is in its log")


async def handle_refusal(request: Request, error: Exception):
    problem = problem_for(error)
    if problem.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, error.__class__.__name__, exc_info=error)
    return problem_response(problem)
