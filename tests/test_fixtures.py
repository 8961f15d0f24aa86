"""Every hand-computed case in fixtures/cases/ runs as its own test item."""

from pathlib import Path

import pytest

from engine.testcases import load_cases, run_case

ROOT = Path(__file__).resolve().parent.parent
CASES = [case for path in sorted((ROOT / "fixtures" / "cases").glob("*.yaml")) for case in load_cases(path)]


@pytest.mark.parametrize("case", CASES, ids=[f"{Path(c.file).stem}::{c.name}" for c in CASES])
def test_case(adjudicator, case):
    result = run_case(adjudicator, case)
    assert result.passed, "\n".join(result.mismatches)
