"""Benchmark: claims per second through the full engine, memory, and cold start.

    python bench/benchmark.py                     # 200,000 claims, both evaluators, all corpora
    python bench/benchmark.py --claims 1000000 --evaluator durable --corpus diagnosis

Corpora (engine.synthetic): `hospital` (hospital stays, inpatient-medical and allowance),
`diagnosis` (diagnosis claims against the disease lists: critical illness, women's plan,
plateau rider; every list loaded), `accident` (the accident plan: stays, disabilities, deaths,
outpatient costs) and `multi-plan` (the same accidents against up to six plans of a member at
once, with the indemnity rule).

Claims are generated (deterministically) before each timed chunk, so generation is not
counted; parsing, validation, rule evaluation, payout and the decision model are. Each chunk
of member blocks runs on its own MemoryLedger (no member straddles chunks), so the RSS line
shows whether the engine itself holds on to anything as claims go by.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Adjudicator, MemoryLedger  # noqa: E402
from engine.model.decision import ClaimFailure  # noqa: E402
from engine.synthetic import generate  # noqa: E402

CHUNK = 10_000


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_start() -> tuple[float, float]:
    """(load+compile seconds inside a fresh process, whole process seconds incl. imports)."""
    code = (
        "import time; t=time.perf_counter(); from engine import Adjudicator; "
        f"i=time.perf_counter(); Adjudicator.load({str(ROOT / 'plans')!r}, {str(ROOT / 'rules')!r}); "
        "print(time.perf_counter()-i, time.perf_counter()-t)"
    )
    started = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    total = time.perf_counter() - started
    load, _ = (float(x) for x in output.split())
    return load, total


def run(evaluator: str, claims: int, seed: int, corpus: str) -> None:
    adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator)
    blocks = generate(claims, seed, corpus)
    done = failures = paid = pending = 0
    elapsed = 0.0
    start_rss = rss_mb()
    samples = []
    while True:
        chunk = []
        for block in blocks:
            chunk.extend(block)
            if len(chunk) >= CHUNK:
                break
        if not chunk:
            break
        gc.freeze()  # the generated input is the caller's, not work the engine should traverse
        started = time.perf_counter()
        for result in adjudicator.adjudicate_many(chunk, MemoryLedger()):
            if isinstance(result, ClaimFailure):
                failures += 1
            elif result.decision.status == "pending":
                pending += 1
            elif result.decision.total:
                paid += 1
        elapsed += time.perf_counter() - started
        done += len(chunk)
        del chunk
        gc.unfreeze()
        if len(samples) == 0 or done // 100_000 > samples[-1][0] // 100_000:
            samples.append((done, rss_mb()))
    rate = done / elapsed
    label = f"{evaluator}, {corpus}"
    print(f"[{label}] {done:,} claims in {elapsed:.2f} s: {rate:,.0f} claims/s "
          f"({paid:,} paid something, {pending:,} pending, {failures:,} failed validation)")
    print(f"[{label}] RSS start {start_rss:.1f} MB, end {rss_mb():.1f} MB, peak {peak_rss_mb():.1f} MB; "
          f"RSS by claims: " + ", ".join(f"{n:,}: {m:.1f}" for n, m in samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--evaluator", choices=["durable", "python", "both"], default="both")
    parser.add_argument("--corpus", choices=["hospital", "diagnosis", "accident", "multi-plan", "all"], default="all")
    args = parser.parse_args()
    load, total = cold_start()
    print(f"cold start: load + compile all plans {load * 1000:.0f} ms; new process incl. imports {total * 1000:.0f} ms")
    for corpus in (["hospital", "diagnosis", "accident", "multi-plan"] if args.corpus == "all" else [args.corpus]):
        for evaluator in (["durable", "python"] if args.evaluator == "both" else [args.evaluator]):
            run(evaluator, args.claims, args.seed, corpus)


if __name__ == "__main__":
    main()
