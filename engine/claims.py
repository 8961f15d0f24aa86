"""Reading claims: files, JSON text or data -> validated `Claim`s, every problem located.

The one way claims come in, for every command and the API. A claims file is read as a stream
(`read_claims_file`): a `.jsonl` file line by line, never more than the longest line allowed in
memory; a `.json` file (one claim or a list) whole, up to its own size limit. Each record then
fails or passes alone: a line that is too long, not UTF-8, not JSON, nested too deep, holding a
duplicate key, a number of absurd length or a lone surrogate is a `ClaimError` for that record
only, naming file, line (and column or byte offset) and JSON path, and the records after it go
on. Limits are module constants, documented in the README ("Limits").

Numbers are read exactly (`parse_float=Decimal`), so `12.35` is twelve yuan thirty-five fen,
never a binary float. Validation against the loaded plans (known plan ids, circumstance codes,
ICD-10 code shapes, units, term length) happens in `engine.planset`, with the same JSON paths.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from pydantic import ValidationError

from engine.errors import ClaimError, Issue, encoding_guess, quoted
from engine.model.claim import Claim
from engine.model.types import normalise_id
from engine.vocabulary import EVENT_KINDS

MAX_LINE_BYTES = 1024 * 1024  # one claim: a `.jsonl` line, or one request body
MAX_JSON_FILE_BYTES = 16 * 1024 * 1024  # a `.json` file is read whole; larger corpora go in `.jsonl`
MAX_DEPTH = 16  # nesting of objects and arrays in one claim (a claim reaches 5)
MAX_NUMBER_LENGTH = 40  # characters of one number literal (money has at most 20 digits)

_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = b" \t\r\n"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ClaimRecord:
    """One claim as read from a file, before validation: where it is (file, line, or index in
    a `.json` list), its text, and, once decoded, its data, or why it cannot be read."""

    __slots__ = ("file", "line", "index", "text", "problem", "_data")

    def __init__(self, file: str | None, line: int | None = None, index: int | None = None,
                 text: str | None = None, data: Any = None, problem: Issue | None = None):
        self.file, self.line, self.index, self.text, self.problem = file, line, index, text, problem
        self._data = data

    @property
    def prefix(self) -> str:
        """The JSON path of the claim in its file: `$`, or `$[3]` in a `.json` list."""
        return "$" if self.index is None else f"$[{self.index}]"

    def issue(self, message: str, path: str = "", column: int | None = None, line: int | None = None) -> Issue:
        return Issue(message, path=self.prefix + path.removeprefix("$") if path else "", file=self.file,
                     line=line if line is not None else self.line, column=column)

    def data(self) -> Any:
        """The decoded claim; raises ClaimError (located) when the record cannot be read."""
        if self.problem is not None:
            raise ClaimError([self.problem])
        if self._data is None and self.text is not None:
            self._data = decode_json(self.text, self)
        return self._data

    def __getstate__(self):  # records cross process boundaries (the diff's workers)
        return (self.file, self.line, self.index, self.text, self.problem, self._data)

    def __setstate__(self, state):
        self.file, self.line, self.index, self.text, self.problem, self._data = state

    def __repr__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}{self.prefix}"
        return f"ClaimRecord({where})"


# -- files -> records --------------------------------------------------------------------------


def read_claims_file(path: Path | str) -> Iterator[ClaimRecord]:
    """The records of a claims file, streamed: `.jsonl` one per line (blank lines skipped),
    `.json` one claim or a list, `.parquet` one per row (engine.columnar). A file that cannot be opened or read raises ClaimError; a
    record that cannot be read is yielded with its problem, in its place."""
    path = Path(path)
    name = str(path)
    if path.suffix == ".parquet":  # one claim as JSON per row (engine.columnar)
        from engine.columnar import parquet_records

        yield from parquet_records(path, name)
        return
    try:
        stream = path.open("rb")
    except OSError as error:
        raise ClaimError([Issue(f"cannot read claims file: {error.strerror or error}", file=name)]) from None
    with stream:
        try:
            if path.suffix == ".jsonl":
                yield from _jsonl_records(stream, name)
            else:
                yield from _json_records(stream, name)
        except OSError as error:  # a read that fails midway (an I/O error, a file removed)
            raise ClaimError([Issue(f"cannot read claims file: {error.strerror or error}", file=name)]) from None


def count_records(path: Path | str) -> int:
    """How many records `read_claims_file` will yield (for a progress bar); reads bytes only."""
    path = Path(path)
    if path.suffix == ".parquet":
        from engine.columnar import count_parquet_records

        return count_parquet_records(path)
    if path.suffix != ".jsonl":
        return sum(1 for _ in read_claims_file(path))
    with path.open("rb") as stream:
        return sum(1 for _, _, raw in _lines(stream) if raw is None or raw.strip(_JSON_SPACE))


def _lines(stream: BinaryIO) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, bytes without the line end) per line; None for a line longer
    than MAX_LINE_BYTES, which is skipped to its end without being held in memory. Only `\\n`
    ends a line (with an optional `\\r` before it): U+2028 inside a JSON string is text."""
    number = offset = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        start = offset
        offset += len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                more = stream.readline(64 * 1024)
                offset += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield number, start, None
            continue
        if number == 1 and raw.startswith(_BOM):  # written by some Windows tools; not part of the data
            raw = raw[len(_BOM):]
            start += len(_BOM)
        if raw.endswith(b"\n"):
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
        yield number, start, raw


def _jsonl_records(stream: BinaryIO, name: str) -> Iterator[ClaimRecord]:
    for number, start, raw in _lines(stream):
        if raw is None:
            yield ClaimRecord(name, number, problem=Issue(
                f"line is longer than {MAX_LINE_BYTES:,} bytes; not read", file=name, line=number))
            continue
        if not raw.strip(_JSON_SPACE):
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield ClaimRecord(name, number, problem=_undecodable(error, raw, start, name, number))
            continue
        yield ClaimRecord(name, number, text=text)


def _json_records(stream: BinaryIO, name: str) -> Iterator[ClaimRecord]:
    raw = stream.read(MAX_JSON_FILE_BYTES + 1)
    whole = ClaimRecord(name)
    if len(raw) > MAX_JSON_FILE_BYTES:
        yield ClaimRecord(name, problem=Issue(
            f"a .json claims file is read whole, and this one is larger than {MAX_JSON_FILE_BYTES:,} bytes; "
            "write one claim per line in a .jsonl file", file=name))
        return
    offset = len(_BOM) if raw.startswith(_BOM) else 0
    try:
        text = raw[offset:].decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, offset + error.start) + 1
        yield ClaimRecord(name, problem=_undecodable(error, raw[offset:], offset, name, line))
        return
    try:
        data = decode_json(text, whole, depth=MAX_DEPTH + 1, checks=False)
    except ClaimError as error:
        yield ClaimRecord(name, problem=error.issues[0])
        return
    if not isinstance(data, list):
        yield ClaimRecord(name, text=text)  # one claim: decoded again with every check
        return
    for index, item in enumerate(data):
        record = ClaimRecord(name, index=index, data=item)
        problem = _inspect(item, record)
        yield ClaimRecord(name, index=index, problem=problem) if problem else record


def _undecodable(error: UnicodeDecodeError, raw: bytes, start: int, name: str, line: int) -> Issue:
    column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
    guess = encoding_guess(raw) if start == 0 or len(raw) > 64 else ""  # a short line says little
    return Issue(f"not UTF-8: byte 0x{raw[error.start]:02x} at byte offset {start + error.start} ({error.reason}); "
                 + (f"{guess}; " if guess else "") + "claims files are UTF-8", file=name, line=line, column=column)


# -- text -> data -------------------------------------------------------------------------------


class _Refused(ValueError):
    """Raised by the decoder's hooks; the decoding stops and the record is refused."""


def _number(text: str) -> str:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused(f"a number of {len(text):,} characters (at most {MAX_NUMBER_LENGTH}): {quoted(text)}")
    return text


def _integer(text: str) -> int:
    return int(_number(text))


def _decimal(text: str) -> Decimal:
    return Decimal(_number(text))


def _constant(text: str):
    raise _Refused(f"{text} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused("duplicate key")
    return result


class _Duplicates(dict):
    """An object whose keys were not unique (the slow path, to find where)."""

    duplicates: list[str]


def _marking_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        marked = _Duplicates(result)
        seen: set[str] = set()
        marked.duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]
        return marked
    return result


_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_unique_keys)
_LOCATING_DECODER = json.JSONDecoder(parse_float=_decimal, parse_int=_integer, parse_constant=_constant,
                                     object_pairs_hook=_marking_keys)


def decode_json(text: str | bytes, record: ClaimRecord | None = None, depth: int = MAX_DEPTH, checks: bool = True) -> Any:
    """One claim's JSON text -> data, exactly (Decimal numbers) and strictly: duplicate keys,
    NaN/Infinity, numbers longer than MAX_NUMBER_LENGTH, nesting deeper than `depth` and lone
    surrogates are refused. Raises ClaimError with one located issue."""
    record = record or ClaimRecord(None)
    if isinstance(text, bytes):
        if len(text) > MAX_LINE_BYTES:
            raise ClaimError([record.issue(f"a claim is at most {MAX_LINE_BYTES:,} bytes, got {len(text):,}")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ClaimError([_undecodable(error, text, 0, record.file, record.line or 1)]) from None
    elif len(text) > MAX_LINE_BYTES:
        raise ClaimError([record.issue(f"a claim is at most {MAX_LINE_BYTES:,} characters, got {len(text):,}")])
    located = False
    try:
        data = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        line = (record.line or 1) + error.lineno - 1 if record.index is None else None
        raise ClaimError([record.issue(f"invalid JSON: {error.msg}", "$", column=error.colno, line=line)]) from None
    except RecursionError:
        raise ClaimError([record.issue(f"nested deeper than {depth} levels", "$")]) from None
    except _Refused as refused:
        if str(refused) != "duplicate key":
            raise ClaimError([record.issue(str(refused), "$")]) from None
        data, located = _LOCATING_DECODER.decode(text), True
    if not checks:
        return data
    surrogates = _SURROGATE_ESCAPE.search(text) is not None
    if located or surrogates or text.count("{") + text.count("[") > depth:  # else nothing to find: skip the walk
        problem = _inspect(data, record, depth, strings=surrogates)
        if problem:
            raise ClaimError([problem])
    return data


def _inspect(data: Any, record: ClaimRecord, depth: int = MAX_DEPTH, strings: bool = True) -> Issue | None:
    """The first problem the decoder's hooks cannot see, at its JSON path: nesting deeper than
    `depth`, a duplicate key, a lone surrogate (text that cannot be written back out)."""
    stack: list[tuple[Any, str, int]] = [(data, "$", 1)]
    while stack:
        value, path, level = stack.pop()
        if isinstance(value, dict):
            if level > depth:
                return record.issue(f"nested deeper than {depth} levels", path)
            if isinstance(value, _Duplicates):
                return record.issue(f"duplicate key {quoted(value.duplicates[0])}: each key once", f"{path}.{value.duplicates[0]}")
            for key, item in value.items():
                if strings and _lone_surrogate(key):
                    return record.issue(f"key {quoted(key)} holds a lone surrogate (not Unicode text)", path)
                stack.append((item, f"{path}.{key}", level + 1))
        elif isinstance(value, list):
            if level > depth:
                return record.issue(f"nested deeper than {depth} levels", path)
            stack.extend((item, f"{path}[{index}]", level + 1) for index, item in enumerate(value))
        elif strings and isinstance(value, str) and _lone_surrogate(value):
            return record.issue(f"{quoted(value)} holds a lone surrogate (not Unicode text)", path)
    return None


def _lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- data -> Claim ------------------------------------------------------------------------------


def json_path(loc: tuple, prefix: str = "$") -> str:
    """pydantic location -> `$.event.diagnoses[0].code` (union tags dropped)."""
    text = prefix
    previous = None
    for element in loc:
        if previous == "event" and element in EVENT_KINDS:
            previous = element
            continue
        text += f"[{element}]" if isinstance(element, int) else f".{element}"
        previous = element
    return text


def parse_claim(data: Any, source: str | None = None) -> Claim:
    """Validate one claim (a ClaimRecord, a dict, or JSON text). Raises ClaimError listing every
    problem, located by file and line when the claim came from a file."""
    if isinstance(data, Claim):
        return data
    record = data if isinstance(data, ClaimRecord) else ClaimRecord(source)
    if isinstance(data, ClaimRecord):
        data = data.data()
    elif isinstance(data, (str, bytes)):
        data = decode_json(data, record)
    try:
        return Claim.model_validate(data)
    except ValidationError as error:
        issues = []
        for detail in error.errors(include_url=False):
            message = "this field is required" if detail["type"] == "missing" else detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown field"
            issues.append(record.issue(message, json_path(detail["loc"])))
        raise ClaimError(issues) from None


def locate_issues(issues: list[Issue], raw: Any) -> list[Issue]:
    """The issues of a claim read from a file at its file and line: the checks that need the
    plans (engine.planset) know only the JSON path."""
    if not isinstance(raw, ClaimRecord):
        return issues
    return [issue if issue.file else raw.issue(issue.message, issue.path) for issue in issues]


def claim_id_of(data: Any) -> str | None:
    """Best-effort claim id of raw input, for reporting a claim that failed validation: the id
    as the engine would keep it, or None when it is missing or itself invalid (a failure record
    never echoes an id that cannot be written or is megabytes long)."""
    try:
        if isinstance(data, ClaimRecord):
            data = data.data()
        elif isinstance(data, (str, bytes)):
            data = decode_json(data)
    except ClaimError:
        return None
    raw = data.get("claim_id") if isinstance(data, dict) else getattr(data, "claim_id", None)
    try:
        return normalise_id(raw)
    except ValueError:
        return None
