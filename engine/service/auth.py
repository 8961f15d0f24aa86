"""Bearer tokens and roles.

The tokens file holds one `TOKEN ROLE[,ROLE…]` per line (blank lines and `#` comments
allowed). Roles: `adjudicate` (record claims), `simulate` (what-ifs), `read` (claims, members,
plans), `admin` (reload the plans). `/metrics` takes any valid token: it holds counts, no
personal data.

Only SHA-256 digests of the tokens are kept in memory, and a presented token is compared with
every one of them by `hmac.compare_digest`, without stopping at a match: how long a check
takes tells nothing about which bytes were right. Tokens never appear in a log or an error.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.service.problems import Problem

ROLES = ("adjudicate", "simulate", "read", "admin")
ANY_ROLE = "any"  # for endpoints any valid token may call
MIN_TOKEN_LENGTH = 16


class TokensFileError(ValueError):
    """The tokens file cannot be used; the message names the file and line, never a token."""


@dataclass(frozen=True)
class Tokens:
    entries: tuple[tuple[bytes, frozenset[str]], ...]

    def roles_of(self, token: str) -> frozenset[str] | None:
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found = None
        for known, roles in self.entries:
            if hmac.compare_digest(known, digest):
                found = roles
        return found


def read_tokens(path: Path) -> Tokens:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TokensFileError(f"{path}: cannot read the tokens file: {error.__class__.__name__}") from None
    entries: dict[bytes, frozenset[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise TokensFileError(f"{path}:{number}: expected `TOKEN ROLE[,ROLE…]`")
        token, role_list = parts
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokensFileError(f"{path}:{number}: a token must have at least {MIN_TOKEN_LENGTH} characters")
        roles = frozenset(role_list.split(","))
        unknown = sorted(roles - set(ROLES))
        if unknown:
            raise TokensFileError(f"{path}:{number}: unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        if digest in entries:
            raise TokensFileError(f"{path}:{number}: this token is already listed on an earlier line")
        entries[digest] = roles
    if not entries:
        raise TokensFileError(f"{path}: no tokens in the file")
    return Tokens(tuple(entries.items()))


bearer = HTTPBearer(auto_error=False, description="a token from the tokens file (`--tokens`)")


class Guard:
    """Checks a request's token for a role. Without tokens (`--insecure-dev`), allows all."""

    def __init__(self, tokens: Tokens | None):
        self.tokens = tokens

    def check(self, credentials: HTTPAuthorizationCredentials | None, role: str) -> None:
        if self.tokens is None:
            return
        if credentials is None:
            raise Problem(401, "unauthorized", "send `Authorization: Bearer <token>`",
                          headers={"WWW-Authenticate": 'Bearer realm="adjudicator"'})
        roles = self.tokens.roles_of(credentials.credentials)
        if roles is None:
            raise Problem(401, "unauthorized", "the token is not known",
                          headers={"WWW-Authenticate": 'Bearer realm="adjudicator", error="invalid_token"'})
        if role != ANY_ROLE and role not in roles:
            raise Problem(403, "forbidden", f"this endpoint needs the role {role!r}", required_role=role)


def require(role: str):
    """A route dependency: the request's bearer token must hold `role`. Async, so FastAPI runs
    it in the event loop: a plain `def` dependency is sent to the thread pool, which cost more
    than the whole check."""

    async def check_role(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        request.app.state.guard.check(credentials, role)

    return Depends(check_role)
