"""Errors people can act on: every issue says where (file, line, column, field path or JSON
path) and what was expected. Loaders collect all issues before raising, so one run shows them
all."""

from __future__ import annotations

from dataclasses import dataclass

QUOTE_LIMIT = 60  # characters of a value an error message repeats


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`value` as an error message repeats it: its repr (control characters and lone surrogates
    escaped, so the message can always be written), cut to `limit` characters with the full
    length said, so a 10 MB value is never echoed back whole."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


@dataclass(frozen=True)
class Issue:
    """One problem in one input, located as precisely as the input allows."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class IssuesError(EngineError):
    """An error that carries a list of located issues."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class PlanError(IssuesError):
    """A plan or rule-library file is invalid; nothing was loaded."""


class ClaimError(IssuesError):
    """A claim is invalid; it was not adjudicated and nothing was recorded for it."""


class RuleEvaluationError(EngineError):
    """The rule evaluator failed on a claim even after isolating it."""


class LedgerError(EngineError):
    """The history store refused a change (for example, a claim recorded twice)."""


def encoding_guess(raw: bytes) -> str:
    """What a file that is not UTF-8 probably is, for the error that refuses it: a UTF-16 byte
    order mark, or text that reads as GB18030 (GBK), as Windows tools in China often save it.
    Empty when nothing fits."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "the file starts with a UTF-16 byte order mark: it is UTF-16"
    sample = raw[:4096]
    try:
        sample.decode("gb18030")
    except UnicodeDecodeError as error:
        if len(raw) <= len(sample) or error.start < len(sample) - 4:  # only a cut character at the sample's end is forgiven
            return ""
    return "it reads as GB18030 (GBK)"
