"""The plan hash in decisions identifies the content that decided: it does not depend on where
the project is checked out, and it changes when the plan or a rule library changes."""

import os
import shutil
from pathlib import Path

from engine import Adjudicator

ROOT = Path(__file__).resolve().parent.parent


def hashes(plans, rules):
    return {p.plan.plan: p.content_hash for p in Adjudicator.load(plans, rules, evaluator="python").plans}


def test_hash_is_the_same_from_any_checkout(tmp_path):
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        relative = hashes("plans", "rules")
    finally:
        os.chdir(cwd)
    assert relative == hashes(ROOT / "plans", ROOT / "rules")


def test_hash_changes_with_a_rule_library(tmp_path):
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    before = hashes(tmp_path / "plans", tmp_path / "rules")
    exclusions = tmp_path / "rules" / "exclusions.yaml"
    exclusions.write_text(exclusions.read_text(encoding="utf-8").replace("title: 标准除外责任", "title: 标准除外责任（修订）"), encoding="utf-8")
    after = hashes(tmp_path / "plans", tmp_path / "rules")
    assert set(before) == set(after) and all(before[p] != after[p] for p in before)
