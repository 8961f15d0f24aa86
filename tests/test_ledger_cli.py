"""The ledger through the command line: `adjudicate --ledger` records as it goes and replays
what it recorded, pending claims come back as version 2, conflicts are refused with both hashes,
a run killed with SIGKILL at random points finishes when run again, and `adjudicator ledger …`
shows, verifies and exports what was recorded."""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from engine import MemoryLedger
from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [json.loads(line) for line in (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
runner = CliRunner()
REPLAY = '{"replayed":true,"version":1,'


def run(*args: str):
    return runner.invoke(app, [*args, "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])


def write(path: Path, claims: list[dict]) -> Path:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    return path


def test_a_second_run_replays_every_stored_decision(tmp_path, adjudicator):
    ledger = str(tmp_path / "ledger.db")
    claims = str(ROOT / "fixtures" / "claims.jsonl")
    first = run("adjudicate", claims, "--ledger", ledger)
    second = run("adjudicate", claims, "--ledger", ledger)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    expected = [r.decision.to_json() for r in adjudicator.adjudicate_many(copy.deepcopy(CLAIMS), MemoryLedger())]
    assert first.stdout.splitlines() == expected
    replayed = second.stdout.splitlines()
    assert all(line.startswith(REPLAY) for line in replayed)
    assert ["{" + line[len(REPLAY):] for line in replayed] == expected
    assert "9 created, 0 replayed" in first.stderr and "0 created, 9 replayed" in second.stderr
    assert "in memory" not in first.stderr


def test_without_a_ledger_one_line_says_history_is_in_memory_only():
    result = run("adjudicate", str(ROOT / "fixtures" / "claims.jsonl"))
    assert result.exit_code == 0
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "note: no --ledger: history lives in memory for this run only (deductibles, caps and once-in-life payments "
        "start from zero next time)"]


def test_history_carries_to_the_next_run(tmp_path):
    # c-03 then c-05 in two runs on one ledger decide as they do in one file: c-03 pays
    # (14,800 − 500) → 5,000 + 4,300 × 60% = 7,580 + allowance 1,600 = 9,180.00, and c-05 meets
    # the 15,000 cap with 7,420.00 left; without the ledger c-05 would start from zero.
    ledger = str(tmp_path / "ledger.db")
    first = run("adjudicate", str(write(tmp_path / "a.jsonl", [CLAIMS[2]])), "--ledger", ledger)
    later = run("adjudicate", str(write(tmp_path / "b.jsonl", [CLAIMS[4]])), "--ledger", ledger)
    together = run("adjudicate", str(write(tmp_path / "ab.jsonl", [CLAIMS[2], CLAIMS[4]])))
    fresh = run("adjudicate", str(tmp_path / "b.jsonl"))
    assert json.loads(first.stdout)["total"] == "9180.00"
    assert later.stdout == together.stdout.splitlines()[1] + "\n"
    inpatient = lambda out: next(e for e in json.loads(out)["enrolments"] if e["plan"] == "inpatient-medical")["amount"]  # noqa: E731
    assert inpatient(later.stdout) == "7420.00" and inpatient(fresh.stdout) != "7420.00"


def test_pending_resubmission_and_conflict_through_the_cli(tmp_path):
    ledger = str(tmp_path / "ledger.db")
    pending = next(c for c in CLAIMS if c["claim_id"] == "c-09")
    completed = copy.deepcopy(pending)
    completed["event"]["diagnoses"][0]["findings"]["adl_lost"] = 3
    assert json.loads(run("adjudicate", str(write(tmp_path / "1.jsonl", [pending])), "--ledger", ledger).stdout)["status"] == "pending"
    second = run("adjudicate", str(write(tmp_path / "2.jsonl", [completed])), "--ledger", ledger)
    assert second.exit_code == 0 and second.stdout.startswith('{"version":2,')
    assert json.loads(second.stdout)["total"] == "10000.00"
    conflicting = copy.deepcopy(completed)
    conflicting["event"]["diagnoses"][0]["findings"]["adl_lost"] = 5
    third = run("adjudicate", str(write(tmp_path / "3.jsonl", [conflicting])), "--ledger", ledger)
    assert third.exit_code == 2
    (failure,) = [json.loads(line) for line in third.stdout.splitlines()]
    assert "already recorded with another payload" in failure["errors"][0] and failure["errors"][0].count("SHA-256") == 1
    shown = runner.invoke(app, ["ledger", "show-claim", "c-09", "--ledger", ledger, "--json"])
    assert [json.loads(line)["status"] for line in shown.stdout.splitlines()] == ["pending", "paid"]


def test_ledger_commands(tmp_path):
    ledger = str(tmp_path / "ledger.db")
    assert runner.invoke(app, ["ledger", "init", "--ledger", ledger]).exit_code == 0
    assert runner.invoke(app, ["ledger", "init", "--ledger", ledger]).exit_code == 1  # already a ledger
    assert run("adjudicate", str(ROOT / "fixtures" / "claims.jsonl"), "--ledger", ledger).exit_code == 0
    member = runner.invoke(app, ["ledger", "show-member", "M-1001", "--ledger", ledger])
    assert member.exit_code == 0 and "15000.00" in member.stdout and "c-05" in member.stdout
    assert "enrolments" in member.stdout and "e-im-2024" in member.stdout and "2024-12-31" in member.stdout
    assert runner.invoke(app, ["ledger", "show-member", "nobody", "--ledger", ledger]).exit_code == 1
    assert runner.invoke(app, ["ledger", "verify", "--ledger", ledger]).exit_code == 0
    exported = runner.invoke(app, ["ledger", "export", "--ledger", ledger])
    assert sorted(json.loads(line)["claim_id"] for line in exported.stdout.splitlines()) == sorted(c["claim_id"] for c in CLAIMS)
    assert runner.invoke(app, ["ledger", "upgrade", "--ledger", ledger]).exit_code == 0


def test_a_run_killed_at_random_points_finishes_when_run_again(tmp_path, adjudicator):
    """SIGKILL while adjudicating 1,000 claims into a SQLite ledger, three times at random
    points, then the same command to completion: exactly one decision per claim, equal to an
    uninterrupted run, and the accumulators equal the in-memory ones."""
    corpus = ROOT / "fixtures" / "corpus-small.jsonl"
    claims = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    ledger = tmp_path / "ledger.db"
    command = [sys.executable, "-m", "engine.cli", "adjudicate", str(corpus), "--ledger", str(ledger),
               "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules"), "--out", str(tmp_path / "out.jsonl")]
    rng = random.Random(int(os.environ.get("CRASH_SEED", "9")))
    for _ in range(3):
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.0, 3.0))  # the child loads plans (~1 s) then records batches of 256
        child.send_signal(signal.SIGKILL)
        child.wait()
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode in (0, 2), finished.stderr
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    decisions = ["{" + line[len(REPLAY):] if line.startswith(REPLAY) else line for line in lines]
    memory = MemoryLedger()
    uninterrupted = [r.to_json() if not hasattr(r, "decision") else r.decision.to_json()
                     for r in adjudicator.adjudicate_many(copy.deepcopy(claims), memory)]
    assert len(lines) == len(claims) and decisions == uninterrupted
    from engine.store import open_store
    from sqlalchemy import select

    from engine.store.sql import from_stored, key_of
    from engine.store.tables import accumulators

    store = open_store(str(ledger))
    with store.engine.connect() as connection:
        stored = {key_of(row): from_stored(row.amount, row.unit) for row in connection.execute(select(accumulators))}
    assert stored == memory.snapshot()
    assert store.verify() == []
    store.close()
    assert sum(Decimal(json.loads(d)["total"]) for d in decisions if '"total"' in d) > 0
