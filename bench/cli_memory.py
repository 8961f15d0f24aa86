"""Memory of `adjudicator adjudicate` over a long claims file, and what in it grows.

    python bench/cli_memory.py --claims 200000            # the issue's 200,001-claim run
    python bench/cli_memory.py --claims 50000 --every 10000 --ledger   # also with a SQLite ledger

Writes a synthetic corpus (`adjudicator synth`), then runs the CLI on it in a child process
(decisions to a file, history in memory, as a user runs it without --ledger), sampling the
child's RSS from /proc while counting the decisions written. Then adjudicates the same claims in
this process and prints the in-memory history's contents per claim count (claim ids, events,
accumulators, aliases): what a run without --ledger must keep to decide the next claim (a claim
id seen before is refused, caps and deductibles read the accumulators, a repeated stay is found
among the person's events). Figures depend on the machine's load, printed with them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as stream:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
    except OSError:
        return 0


def cli_run(corpus: Path, every: int, ledger: bool = False) -> None:
    """The CLI in a child process: RSS by decisions written (history in memory, or with
    --ledger in a SQLite file, where it does not grow the process)."""
    with tempfile.TemporaryDirectory(prefix="cli-memory-") as folder:
        decisions = Path(folder) / "decisions.jsonl"
        started = time.perf_counter()
        store = ["--ledger", str(Path(folder) / "ledger.db")] if ledger else []
        child = subprocess.Popen([sys.executable, "-m", "engine.cli", "adjudicate", str(corpus), "--out", str(decisions),
                                  "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules"), *store],
                                 stderr=subprocess.DEVNULL, cwd=ROOT)
        samples, peak, next_mark = [], 0.0, 0
        while child.poll() is None:
            rss = rss_mb(child.pid)
            peak = max(peak, rss)
            # the output is written beside the target and renamed at the end: count the temporary file
            written = sum(count_lines(path) for path in Path(folder).glob(".*decisions*"))
            if written >= next_mark:
                samples.append((written, rss))
                next_mark = written + every
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    print(f"[cli{' --ledger' if ledger else ''}] {elapsed:.0f} s, exit {child.returncode}, peak RSS {peak:.0f} MB; RSS (MB) by decisions written: "
          + ", ".join(f"{n:,}: {m:.0f}" for n, m in samples), flush=True)


def in_process(corpus: Path, every: int) -> None:
    """The same claims in this process: RSS and the in-memory history's size by claims."""
    from engine import Adjudicator, MemoryLedger
    from engine.claims import read_claims_file

    adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules")
    gc.collect()
    gc.freeze()
    ledger = MemoryLedger()
    tracemalloc.start()
    base_traced = tracemalloc.get_traced_memory()[0]
    print(f"[in process] after loading the plans: RSS {rss_mb():.0f} MB")
    done = 0
    for result in adjudicator.adjudicate_many(read_claims_file(corpus), ledger):
        json.dumps(getattr(result, "decision", result).to_json())  # as the CLI serialises each
        done += 1
        if done % every == 0:
            traced = (tracemalloc.get_traced_memory()[0] - base_traced) / 2**20
            events = sum(len(records) for records in ledger._events.values())
            print(f"  {done:>9,} claims: RSS {rss_mb():6.0f} MB, Python objects held {traced:6.1f} MB "
                  f"({traced * 2**20 / done:,.0f} B a claim); history: {len(ledger._claims):,} claim ids, "
                  f"{len(ledger._values):,} accumulators, {events:,} events of {len(ledger._events):,} persons, "
                  f"{len(ledger._aliases):,} aliases", flush=True)
    tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=25_000, help="sample every this many claims")
    parser.add_argument("--corpus", default="mixed")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--ledger", action="store_true", help="also run the CLI with a SQLite ledger")
    parser.add_argument("--skip-in-process", action="store_true")
    options = parser.parse_args()
    print(f"load average {os.getloadavg()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="cli-memory-corpus-") as folder:
        corpus = Path(folder) / "claims.jsonl"
        subprocess.run([sys.executable, "-m", "engine.cli", "synth", "--out", str(corpus), "--claims", str(options.claims),
                        "--corpus", options.corpus], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"corpus: {count_lines(corpus):,} claims, {corpus.stat().st_size / 2**20:.0f} MB ({options.corpus})", flush=True)
        if not options.skip_cli:
            cli_run(corpus, options.every)
        if options.ledger:
            cli_run(corpus, options.every, ledger=True)
        if not options.skip_in_process:
            in_process(corpus, options.every)


if __name__ == "__main__":
    main()
