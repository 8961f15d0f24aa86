"""Property: a member's claims adjudicated through the persistent ledger, in one run or split
across runs at random points (each run opens the ledger afresh, as the CLI does), or across
processes, give the same decisions and accumulators as one in-memory run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from disease_strategies import diagnosis_claim_sequences
from engine import MemoryLedger
from engine.store import open_store
from helpers import SETTINGS
from strategies import claim_sequences

ROOT = Path(__file__).resolve().parent.parent
SPLIT = settings(SETTINGS, max_examples=max(10, SETTINGS.max_examples // 6))


def stored_accumulators(path) -> dict:
    from sqlalchemy import select

    from engine.store.sql import from_stored, key_of
    from engine.store.tables import accumulators

    store = open_store(str(path))
    try:
        with store.engine.connect() as connection:
            return {key_of(row): from_stored(row.amount, row.unit) for row in connection.execute(select(accumulators))}
    finally:
        store.close()


def split_runs(adjudicator, claims, cuts, path) -> list[str]:
    points = sorted({min(cut, len(claims)) for cut in cuts} | {0, len(claims)})
    decisions = []
    for start, end in zip(points, points[1:]):
        store = open_store(str(path))
        try:
            decisions += [submission.decision_json for submission in store.submit_many(adjudicator, claims[start:end])]
        finally:
            store.close()
    return decisions


@SPLIT
@given(st.one_of(claim_sequences(), diagnosis_claim_sequences().map(lambda drawn: drawn[1])),
       st.lists(st.integers(0, 6), max_size=3))
def test_split_runs_equal_one_in_memory_run(adjudicator, tmp_path_factory, claims, cuts):
    memory = MemoryLedger()
    expected = [result.decision.to_json() for result in adjudicator.adjudicate_many(claims, memory)]
    path = tmp_path_factory.mktemp("split") / "ledger.db"
    assert split_runs(adjudicator, claims, cuts, path) == expected
    assert stored_accumulators(path) == memory.snapshot()


def test_runs_in_separate_processes_equal_one_in_memory_run(adjudicator, tmp_path):
    """The small corpus cut in three files, each adjudicated by its own `adjudicator` process on one ledger."""
    lines = (ROOT / "fixtures" / "corpus-small.jsonl").read_text(encoding="utf-8").splitlines()
    claims = [json.loads(line) for line in lines]
    memory = MemoryLedger()
    expected = [result.decision.to_json() if hasattr(result, "decision") else result.to_json()
                for result in adjudicator.adjudicate_many(claims, memory)]
    ledger = tmp_path / "ledger.db"
    got = []
    for part, (start, end) in enumerate([(0, 317), (317, 650), (650, len(lines))]):
        path = tmp_path / f"part-{part}.jsonl"
        path.write_text("\n".join(lines[start:end]) + "\n", encoding="utf-8")
        run = subprocess.run([sys.executable, "-m", "engine.cli", "adjudicate", str(path), "--ledger", str(ledger),
                              "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode in (0, 2), run.stderr
        got += run.stdout.splitlines()
    assert got == expected
    assert stored_accumulators(ledger) == memory.snapshot()
