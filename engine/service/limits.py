"""Limits on what a request may make the service do, checked before the work they guard.

- The body size: refused with 413 as soon as the declared `Content-Length` or the bytes
  streamed so far pass `max_body_bytes`, before anything is parsed (`BodyLimit`, every route).
  FastAPI's own `max_body_size` is not used: it answers a declared oversize body in plain
  text, and every error of this service is a problem document.
- JSON: UTF-8 only, no NaN/Infinity, no duplicate keys (a claim that names its `claim_id`
  twice means two things), numbers exact (Decimal), and at most `max_json_depth` levels of
  nesting (422 `too-deep`).
- What one claim may hold (diagnoses, injuries, enrolments, findings, id and text lengths) is
  the claim model's own limit (`engine.model.claim`, `engine.model.types`), refused with 422 at
  its JSON path, the same as the command line; an id in a URL path has the same length limit and
  normalisation (`path_id`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request

from engine.model.types import normalise_id
from engine.service.problems import Problem, problem_response



def path_id(value: str, what: str) -> str:
    """An id from a URL path, normalised as ids in claims are (NFKC, trimmed, at most
    MAX_ID_LENGTH characters, no invisible characters); 422 otherwise."""
    try:
        return normalise_id(value, what)
    except ValueError as error:
        raise Problem(422, "invalid-request", str(error)) from None


def too_large(limit: int) -> Problem:
    return Problem(413, "body-too-large", f"the request body is larger than {limit:,} bytes", limit=limit)


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request body is larger than {limit:,} bytes")
        self.limit = limit


class BodyLimit:
    """ASGI middleware: counts the body while it streams in and stops the request at `limit`
    bytes (413), whatever the route does with it. A declared `Content-Length` above the limit
    is refused before a byte of the body is read."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > self.limit:
                    return await problem_response(too_large(self.limit))(scope, receive, send)
                break
        received = 0
        limit = self.limit

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)  # answered with 413 by the app's handler (`refusals`)
            return message

        await self.app(scope, limited_receive, send)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return result


def depth_of(value: Any, limit: int, depth: int = 1) -> int:
    """Nesting depth of parsed JSON, stopping as soon as it passes `limit`."""
    if depth > limit:
        return depth
    deepest = depth
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return depth - 1
    for item in value:
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth_of(item, limit, depth + 1))
            if deepest > limit:
                break
    return deepest


def parse_json(body: bytes, max_depth: int) -> Any:
    """Bytes -> JSON data, exactly (Decimal), within the depth limit; a `Problem` otherwise."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(422, "invalid-json", f"the body is not UTF-8 (byte {error.start})") from None
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise Problem(422, "invalid-json", f"line {error.lineno} column {error.colno}: {error.msg}") from None
    except RecursionError:
        raise Problem(422, "too-deep", f"the JSON nests deeper than {max_depth} levels", limit=max_depth) from None
    except ValueError as error:  # a duplicate key, NaN, or an integer of thousands of digits
        raise Problem(422, "invalid-json", str(error)) from None
    if depth_of(data, max_depth) > max_depth:
        raise Problem(422, "too-deep", f"the JSON nests deeper than {max_depth} levels", limit=max_depth)
    return data


async def read_json_body(request: Request) -> Any:
    """The request's JSON body (its size checked while it streams in, by `BodyLimit`), parsed."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise Problem(415, "unsupported-media-type", f"send the body as application/json, not {media_type[:80]}")
    body = await request.body()
    return parse_json(body, request.app.state.settings.max_json_depth)
