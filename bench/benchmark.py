"""Benchmark: claims per second through the full engine, memory, and cold start.

    python bench/benchmark.py                     # 200,000 claims, both evaluators, all corpora
    python bench/benchmark.py --claims 1000000 --evaluator durable --corpus diagnosis
    python bench/benchmark.py --diff --claims 1000000 --workers 2 --evaluator generated
    python bench/benchmark.py --ledger --claims 50000 --corpus hospital   # the CLI's ledger overhead

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


def run_diff_benchmark(claims: int, seed: int, workers: int, evaluator: str) -> None:
    """A revision diff of `claims` mixed synthetic claims (two adjudications each): the head
    raises the inpatient-medical cap. Generation is written to a file first and not timed."""
    import json
    import shutil
    import tempfile

    from engine.diff import PlanSource, run_diff
    from engine.synthetic import generate_mixed

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "claims.jsonl"
        with corpus.open("w", encoding="utf-8") as sink:
            for block in generate_mixed(claims, seed):
                for claim in block:
                    sink.write(json.dumps(claim, ensure_ascii=False) + "\n")
        head = Path(tmp) / "plans"
        shutil.copytree(ROOT / "plans", head)
        plan = head / "inpatient-medical" / "2024.yaml"
        plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", "{per_unit: 18000.00}"), encoding="utf-8")
        done = 0
        marks = []
        started = time.perf_counter()

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if done // 100_000 > len(marks):
                marks.append((done, time.perf_counter() - started, rss_mb()))

        with corpus.open(encoding="utf-8") as lines:
            summary = run_diff(lines, PlanSource("base", ROOT / "plans", ROOT / "rules"),
                               PlanSource("head", head, ROOT / "rules"), workers=workers, evaluator=evaluator, progress=progress)
        elapsed = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"[diff, {evaluator}, {workers} workers] {summary.claims:,} claims ({2 * summary.claims:,} adjudications) in "
          f"{elapsed:.1f} s: {summary.claims / elapsed:,.0f} claims/s; {summary.changed:,} changed, delta {summary.delta}")
    print(f"[diff] main RSS {rss_mb():.1f} MB (peak {peak_rss_mb():.1f}), largest worker peak {children:.1f} MB; "
          "progress: " + ", ".join(f"{n:,} at {t:.0f} s ({m:.0f} MB)" for n, t, m in marks))


def run_ledger_benchmark(claims: int, seed: int, evaluator: str, corpus: str) -> None:
    """The CLI's ledger overhead: the same claims as `adjudicate` decides them in memory (each
    decision serialised, as the CLI writes it) and as `adjudicate --ledger` records them in a new
    SQLite file (store.submit_many: one transaction per 256 claims), twice each: claims/s and
    the ratio."""
    import tempfile

    from engine.store import open_store

    adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules", evaluator)
    data = [claim for block in generate(claims, seed, corpus) for claim in block]
    print(f"ledger overhead, {corpus} corpus, {len(data):,} claims, evaluator {evaluator}; load average {os.getloadavg()}")
    rates = {"memory": [], "sqlite": []}
    for attempt in (1, 2):
        gc.collect()
        started = time.perf_counter()
        done = sum(1 for result in adjudicator.adjudicate_many(data, MemoryLedger()) if result.decision.to_json())  # as the CLI writes it
        rates["memory"].append(done / (time.perf_counter() - started))
        with tempfile.TemporaryDirectory(prefix="bench-ledger-") as folder:
            store = open_store(str(Path(folder) / "ledger.db"))
            gc.collect()
            started = time.perf_counter()
            done = sum(1 for submission in store.submit_many(adjudicator, data) if submission.decision_json)
            rates["sqlite"].append(done / (time.perf_counter() - started))
            size = (Path(folder) / "ledger.db").stat().st_size + sum(p.stat().st_size for p in Path(folder).glob("ledger.db-*"))
            store.close()
        print(f"  run {attempt}: in memory {rates['memory'][-1]:,.0f} claims/s, SQLite ledger {rates['sqlite'][-1]:,.0f} claims/s "
              f"({rates['sqlite'][-1] / rates['memory'][-1]:.0%} of in-memory); ledger file {size / 2**20:.1f} MB; "
              f"RSS {rss_mb():.0f} MB; load {os.getloadavg()[0]:.2f}")
    best = max(rates["sqlite"]) / max(rates["memory"])
    print(f"  best of two: {best:.0%} of in-memory speed (target ≥ 50%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--evaluator", choices=["durable", "generated", "python", "both"], default="both")
    parser.add_argument("--corpus", choices=["hospital", "diagnosis", "accident", "multi-plan", "all"], default="all")
    parser.add_argument("--diff", action="store_true", help="time a revision diff of --claims mixed claims instead")
    parser.add_argument("--workers", type=int, default=2, help="processes for --diff")
    parser.add_argument("--ledger", action="store_true",
                        help="time the CLI's ledger overhead instead: in memory vs a SQLite ledger, on --claims claims of one corpus")
    args = parser.parse_args()
    if args.ledger:
        run_ledger_benchmark(args.claims, args.seed, "durable" if args.evaluator == "both" else args.evaluator,
                             "hospital" if args.corpus == "all" else args.corpus)
        return
    if args.diff:
        run_diff_benchmark(args.claims, args.seed, args.workers, "durable" if args.evaluator == "both" else args.evaluator)
        return
    load, total = cold_start()
    print(f"cold start: load + compile all plans {load * 1000:.0f} ms; new process incl. imports {total * 1000:.0f} ms")
    for corpus in (["hospital", "diagnosis", "accident", "multi-plan"] if args.corpus == "all" else [args.corpus]):
        for evaluator in (["durable", "python"] if args.evaluator == "both" else [args.evaluator]):
            run(evaluator, args.claims, args.seed, corpus)


if __name__ == "__main__":
    main()
