"""What the workbench takes from the service it is mounted in, in one place: the token check,
the plan set in force, the ledger, and where case files and corpora are.

Routes check tokens with the service's own dependency (`engine.service.auth.require`). The
service's app factory keeps on `app.state`: `guard` (bearer tokens and roles),
`plans` (the plan registry; `.current.adjudicator` is the set in force) and `store` (the
ledger). The workbench adds nothing to them and writes nothing through them: pages only read
plans and ledger, and adjudicate without recording.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from engine.api import Adjudicator
from engine.service.auth import ANY_ROLE, ROLES, bearer, require  # noqa: F401  (the service's token check, re-exported)


def roles_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> frozenset[str] | None:
    """The roles of the request's token; every role when the service runs without tokens
    (`--insecure-dev`); None for no token or an unknown one."""
    tokens = request.app.state.guard.tokens
    if tokens is None:
        return frozenset(ROLES)
    if credentials is None:
        return None
    return tokens.roles_of(credentials.credentials)


def adjudicator_in_force(request: Request) -> Adjudicator:
    return request.app.state.plans.current.adjudicator


def store_of(request: Request):
    """The service's ledger, or None when the app runs without one."""
    return getattr(request.app.state, "store", None)


@dataclass(frozen=True)
class Folders:
    """Where the workbench finds YAML case files and claim corpora (read only)."""

    cases: Path
    corpora: Path


def folders(request: Request) -> Folders:
    """From the environment (`ADJUDICATOR_CASES`, `ADJUDICATOR_CORPORA`), else beside the plans
    folder, as the command line finds them: `fixtures/cases` and `fixtures`."""
    adjudicator = adjudicator_in_force(request)
    root = Path(adjudicator.sources[0]).parent if adjudicator.sources else Path(".")
    cases = os.environ.get("ADJUDICATOR_CASES") or root / "fixtures" / "cases"
    corpora = os.environ.get("ADJUDICATOR_CORPORA") or root / "fixtures"
    return Folders(Path(cases), Path(corpora))
