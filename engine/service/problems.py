"""Errors as `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, and
the members a client acts on (the JSON-path issues of an invalid claim, both hashes of a
conflict, the plan errors of a refused reload).

Every refusal of the service is a `Problem` raised anywhere in a request and rendered here, so
no endpoint builds an error response by hand, and the OpenAPI document declares each one."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:adjudicator:problem:"

# slug -> title: the kinds of problem the service reports (README, "HTTP service").
TITLES = {
    "unauthorized": "A bearer token is required",
    "forbidden": "The token lacks the role this endpoint needs",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "body-too-large": "Request body too large",
    "unsupported-media-type": "The body must be JSON",
    "invalid-json": "The body is not valid JSON",
    "too-deep": "JSON nested too deeply",
    "invalid-claim": "The claim is invalid",
    "invalid-request": "The request is invalid",
    "claim-conflict": "Another claim was recorded under this claim id",
    "ledger-refused": "The ledger refused the claim",
    "correction-refused": "The correction cannot be made as asked",
    "ledger-busy": "Other writers kept changing this member's history",
    "ledger-unavailable": "The ledger is unavailable",
    "not-ready": "The service is not ready",
    "plan-set-rejected": "The new plan set failed its checks; the plans in force are unchanged",
    "reload-in-progress": "A reload is already running",
    "internal": "Internal error",
}


class IssueOut(BaseModel):
    path: str = Field(description="JSON path of the value, e.g. $.enrolments[0].units")
    message: str


class ProblemDocument(BaseModel):
    """RFC 9457 problem details, with this service's extension members."""

    type: str = Field(description=f"{TYPE_PREFIX}<kind>, e.g. {TYPE_PREFIX}invalid-claim")
    title: str
    status: int
    detail: str | None = None
    errors: list[str] | None = Field(default=None, description="every issue as one line, as the command line prints it")
    issues: list[IssueOut] | None = Field(default=None, description="an invalid claim's issues by JSON path")
    claim_id: str | None = None
    stored_sha256: str | None = Field(default=None, description="conflict: SHA-256 of the payload recorded first")
    new_sha256: str | None = Field(default=None, description="conflict: SHA-256 of the payload sent now")
    limit: int | None = Field(default=None, description="the limit that was crossed")
    required_role: str | None = None
    warnings: list[str] | None = None
    in_force: str | None = Field(default=None, description="fingerprint of the plan set still in force")
    checks: dict[str, str] | None = Field(default=None, description="readiness: each check and its state")


class Problem(Exception):
    """Raise to answer a request with a problem document."""

    def __init__(self, status: int, kind: str, detail: str | None = None, headers: dict[str, str] | None = None, **members: Any):
        super().__init__(detail or TITLES[kind])
        self.status = status
        self.kind = kind
        self.detail = detail
        self.headers = headers
        self.members = members

    def document(self) -> dict[str, Any]:
        body = {"type": TYPE_PREFIX + self.kind, "title": TITLES[self.kind], "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update({key: value for key, value in self.members.items() if value is not None})
        return body


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse(problem.document(), status_code=problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


async def handle_problem(request: Request, problem: Problem) -> JSONResponse:
    return problem_response(problem)


DESCRIPTIONS = {
    400: "Bad request",
    401: "No bearer token, or an unknown one",
    403: "The token lacks the role",
    404: "Not found",
    409: "Conflict",
    413: "Body larger than the limit",
    415: "Body is not JSON",
    422: "Invalid input, every issue by JSON path",
    503: "Not ready, or the ledger is unavailable",
}


def problem_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route for its problem statuses. FastAPI files a model under
    `application/json`; `openapi.problem_media_types` moves it to `application/problem+json`."""
    return {status: {"model": ProblemDocument, "description": descriptions.get(f"d{status}", DESCRIPTIONS[status])}
            for status in statuses}


# Every authenticated endpoint can answer these.
AUTH_PROBLEMS = (401, 403)
