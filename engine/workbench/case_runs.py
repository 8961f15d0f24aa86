"""Running YAML test cases for the cases page: which pass, and for each claim of a failing case
the expectation beside what the plans decide now (in the expectation's own shape, as
`adjudicator test --update` would rewrite it) and the decision itself.

Cases run exactly as `adjudicator test` runs them (`engine.testcases.run_case`)."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from engine.api import Adjudicator
from engine.errors import PlanError
from engine.expectations import updated
from engine.model.decision import ClaimFailure, Decision
from engine.testcases import load_cases, run_case

MAX_UPLOAD_BYTES = 1024 * 1024


@dataclass
class ClaimRun:
    claim_id: str
    expected: str  # YAML
    actual: str  # YAML, the expectation's keys as they hold now
    decision: Decision | None
    errors: list[str]


@dataclass
class CaseRun:
    file: str
    name: str
    line: int | None
    passed: bool
    mismatches: list[str]
    claims: list[ClaimRun] = field(default_factory=list)


@dataclass
class FileRun:
    file: str
    cases: list[CaseRun] = field(default_factory=list)
    error: list[str] = field(default_factory=list)  # the file could not be read

    @property
    def failed(self) -> int:
        return sum(not case.passed for case in self.cases) + (1 if self.error else 0)


def case_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def run_file(adjudicator: Adjudicator, path: Path, label: str | None = None) -> FileRun:
    label = label or path.name
    try:
        cases = load_cases(path)
    except PlanError as error:
        return FileRun(label, error=[str(issue).replace(str(path), label) for issue in error.issues])
    run = FileRun(label)
    for case in cases:
        result = run_case(adjudicator, case)
        case_run = CaseRun(label, case.name, case.line, result.passed, result.mismatches)
        for claim, expected, outcome in zip(case.claims, case.expectations, result.outcomes):
            decision = None if isinstance(outcome, ClaimFailure) else outcome.decision
            actual = updated(expected, outcome if isinstance(outcome, ClaimFailure) else outcome.decision)
            case_run.claims.append(ClaimRun(str(claim.get("claim_id")), yaml_text(expected), yaml_text(actual), decision,
                                            outcome.errors if isinstance(outcome, ClaimFailure) else []))
        run.cases.append(case_run)
    return run


def run_upload(adjudicator: Adjudicator, name: str, content: bytes) -> FileRun:
    """A case file sent from the browser: read from a private temporary file, then removed."""
    with tempfile.TemporaryDirectory(prefix="workbench-case-") as folder:
        path = Path(folder) / "upload.yaml"
        path.write_bytes(content)
        return run_file(adjudicator, path, name)


def yaml_text(data: Any) -> str:
    return yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=100).strip()


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(key): _plain(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(item) for item in data]
    if isinstance(data, (Decimal, dt.date)):
        return str(data)
    return data
