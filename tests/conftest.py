from pathlib import Path

import pytest

from engine import Adjudicator

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules")


@pytest.fixture(scope="session")
def python_adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator="python")


@pytest.fixture(scope="session")
def generated_adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator="generated")
