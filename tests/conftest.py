import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from engine import Adjudicator

ROOT = Path(__file__).resolve().parent.parent

# Hypothesis profiles (README, "Property tests"). `ci`, the default, is derandomized: every run
# draws the same examples, so the suite (CI, integration, a developer's run) is replayable and a
# failure reproduces as it was seen, with a `@reproduce_failure` blob printed. `dev` explores at
# random and keeps failing examples in .hypothesis/; `deep` explores ten times as many examples.
_COMMON = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.register_profile("deep", **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules")


@pytest.fixture(scope="session")
def python_adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator="python")


@pytest.fixture(scope="session")
def generated_adjudicator() -> Adjudicator:
    return Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator="generated")
