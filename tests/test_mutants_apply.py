"""The fixed mutant set (tests/mutation/mutants.yaml) still applies to the code: each mutant's
text occurs exactly once in its file, changes it, and leaves a file that still parses (Python
compiles, YAML loads), so a mutant is a wrong rule and never a broken file. The mutation run
itself is too slow for CI (README, "Mutation testing")."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("mutation_run", ROOT / "tests" / "mutation" / "run.py")
mutation_run = importlib.util.module_from_spec(_spec)
sys.modules["mutation_run"] = mutation_run  # dataclasses look their module up there
_spec.loader.exec_module(mutation_run)
MUTANTS = mutation_run.load_mutants()


def test_mutant_ids_are_unique_and_name_a_rule():
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids))
    assert len(MUTANTS) >= 18
    assert all(m.catalogue.startswith(("§", "2025")) for m in MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_applies_once_and_parses(mutant):
    path = ROOT / mutant.file
    assert path.parts[len(ROOT.parts)] in ("engine", "plans", "rules")
    original = path.read_text(encoding="utf-8")
    assert original.count(mutant.find) == 1, f"{mutant.id}: its text is no longer once in {mutant.file}"
    mutated = mutant.apply(original)
    assert mutated != original
    if path.suffix == ".py":
        ast.parse(mutated, filename=mutant.file)
    else:
        assert yaml.safe_load(mutated) != yaml.safe_load(original)


def test_property_selection_exists():
    assert all((ROOT / name).is_file() for name in mutation_run.PROPERTY_TESTS)
