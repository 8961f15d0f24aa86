"""The app the workbench tests drive: the workbench router on the bundled plans, with bearer
tokens for each role.

Until the service's app factory is on main, this builds the smallest app with what the
workbench reads from it (`app.state.guard`, `.plans`, `.store`), answering refusals as the
service does (401/403 problem documents)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from engine.api import Adjudicator
from engine.workbench import router

ROOT = Path(__file__).resolve().parent.parent

TOKENS = {
    "read": "tok-read-0123456789",
    "simulate": "tok-simulate-0123456789",
    "adjudicate": "tok-adjudicate-0123456789",
    "all": "tok-all-roles-0123456789",
}
ROLES = {"read": {"read"}, "simulate": {"simulate"}, "adjudicate": {"adjudicate"}, "all": {"read", "simulate", "adjudicate", "admin"}}


def bearer(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


class Refused(Exception):
    def __init__(self, status: int, detail: str, required_role: str | None = None):
        self.status, self.detail, self.required_role = status, detail, required_role


@dataclass
class Tokens:
    digests: dict[bytes, frozenset[str]]

    def roles_of(self, token: str):
        digest = hashlib.sha256(token.encode()).digest()
        found = None
        for known, roles in self.digests.items():
            if hmac.compare_digest(known, digest):
                found = roles
        return found


class Guard:
    def __init__(self, tokens: Tokens | None):
        self.tokens = tokens

    def check(self, credentials, role: str) -> None:
        if self.tokens is None:
            return
        if credentials is None:
            raise Refused(401, "send `Authorization: Bearer <token>`")
        roles = self.tokens.roles_of(credentials.credentials)
        if roles is None:
            raise Refused(401, "the token is not known")
        if role != "any" and role not in roles:
            raise Refused(403, f"this endpoint needs the role {role!r}", role)


def make_app(adjudicator: Adjudicator, store=None, insecure: bool = False) -> FastAPI:
    app = FastAPI()
    tokens = None if insecure else Tokens({hashlib.sha256(TOKENS[who].encode()).digest(): frozenset(ROLES[who]) for who in TOKENS})
    app.state.guard = Guard(tokens)
    app.state.plans = SimpleNamespace(current=SimpleNamespace(adjudicator=adjudicator))
    app.state.store = store

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused):
        body = {"type": f"urn:adjudicator:problem:{'unauthorized' if error.status == 401 else 'forbidden'}",
                "title": "refused", "status": error.status, "detail": error.detail}
        if error.required_role:
            body["required_role"] = error.required_role
        return JSONResponse(body, status_code=error.status, media_type="application/problem+json")

    app.include_router(router)
    return app
