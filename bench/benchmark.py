"""Benchmark: claims per second through the full engine, memory, and cold start.

    python bench/benchmark.py                     # 200,000 claims, both evaluators, all corpora
    python bench/benchmark.py --claims 1000000 --evaluator durable --corpus diagnosis
    python bench/benchmark.py --diff --claims 1000000 --workers 2 --evaluator generated
    python bench/benchmark.py --ledger --claims 50000 --corpus hospital   # the CLI's ledger overhead
    python bench/benchmark.py --bulk --baseline 4db4466 --claims 50000   # issue 13's figures beside a baseline's, one run

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
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)  # BENCH_ROOT: a baseline's tree
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


# -- issue 13: bulk figures, this tree beside a baseline's, in one run ---------------------------------


def _lines(corpus: str, claims: int, seed: int) -> list[str]:
    return [json.dumps(claim, ensure_ascii=False) for block in generate(claims, seed, corpus) for claim in block]


def _has_explain_flag(adjudicator) -> bool:
    import inspect

    return "explain" in inspect.signature(adjudicator.adjudicate_many).parameters


def _raised_cap(tmp: Path) -> Path:
    import shutil

    head = tmp / "plans"
    shutil.copytree(ROOT / "plans", head)
    plan = head / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", "{per_unit: 18000.00}"), encoding="utf-8")
    return head


def measure_side(what: str, args) -> dict:
    """One figure measured in this process, on the tree at ROOT (this one, or a baseline's)."""
    import tempfile

    kind, _, target = what.partition(":")
    load = os.getloadavg()[0]
    if kind in ("amounts", "full"):
        adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules", "generated")
        lines = _lines(target, args.claims, args.seed)  # JSON text: decoding and validation are timed
        lean = kind == "amounts" and _has_explain_flag(adjudicator)
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        if lean:
            from engine.outcome import amounts_json

            done = sum(1 for r in adjudicator.adjudicate_many(lines, MemoryLedger(), explain=False)
                       if (r.to_json() if isinstance(r, ClaimFailure) else amounts_json(r.decision)))
        else:
            done = sum(1 for r in adjudicator.adjudicate_many(lines, MemoryLedger()) if r.to_json())
        elapsed = time.perf_counter() - started
        return {"rate": done / elapsed, "claims": done, "load": load, "path": "amounts-only" if lean else "explained"}
    if kind in ("diff", "cached"):
        from engine.claims import read_claims_file
        from engine.diff import PlanSource, run_diff

        corpus = Path(target)
        with tempfile.TemporaryDirectory() as tmp:
            base, head = PlanSource("base", ROOT / "plans", ROOT / "rules"), PlanSource("head", _raised_cap(Path(tmp)), ROOT / "rules")

            def once(**extra) -> dict:
                started, at = time.perf_counter(), os.getloadavg()[0]
                summary = run_diff(read_claims_file(corpus), base, head, workers=args.workers, evaluator="generated", **extra)
                return {"seconds": time.perf_counter() - started, "claims": summary.claims, "changed": summary.changed, "load": at}

            if kind == "diff":
                return once()
            from engine.diff import CHUNK_CLAIMS
            from engine.diff_cache import BaseCache, base_key

            cache = BaseCache(Path(tmp) / "cache", base_key(Adjudicator.load(ROOT / "plans", ROOT / "rules"), ROOT / "rules",
                                                          corpus, CHUNK_CLAIMS, "generated"))
            first = once(base_cache=cache)
            second = once(base_cache=cache)
            return {"first": first, "second": second}
    if kind == "long":  # adjudicate --out decisions.parquet's loop, the corpus generated as it streams
        from engine.columnar import DecisionWriter

        adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules", "generated")
        stream = (json.dumps(claim, ensure_ascii=False) for block in generate(args.long_claims, args.seed, target) for claim in block)
        samples, done, every = [], 0, max(args.long_claims // 10, 1)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "decisions.parquet", "wb") as sink:
            writer = DecisionWriter(sink)
            for result in adjudicator.adjudicate_many(stream, MemoryLedger(), explain=False):
                writer.add(result if isinstance(result, ClaimFailure) else result.decision)
                done += 1
                if done % every == 0:
                    samples.append((done, round(rss_mb(), 1)))
            writer.close()
        return {"claims": done, "seconds": time.perf_counter() - started, "samples": samples, "peak": peak_rss_mb(), "load": load}
    if kind == "dask":
        from engine.cluster import PlanFiles, adjudicate_partition, close_client, open_client, ordered_results
        from engine.diff import member_chunks
        from engine.outcome import amounts_json

        lines = _lines(target, args.claims, args.seed)
        adjudicator = Adjudicator.load(ROOT / "plans", ROOT / "rules", "generated")
        started = time.perf_counter()
        single = sum(1 for r in adjudicator.adjudicate_many(lines, MemoryLedger(), explain=False)
                     if (r.to_json() if isinstance(r, ClaimFailure) else amounts_json(r.decision)))
        single_rate = single / (time.perf_counter() - started)
        started = time.perf_counter()
        client = open_client(None, 2)
        start_up = time.perf_counter() - started
        try:
            files = PlanFiles.read(ROOT / "plans", ROOT / "rules")
            at = os.getloadavg()[0]
            started = time.perf_counter()
            done = sum(size for _, _, size in ordered_results(
                client, adjudicate_partition, (("generated", "amounts", None, chunk) for chunk in member_chunks(lines)), shared=(files,)))
            cluster_rate = done / (time.perf_counter() - started)
        finally:
            close_client(client)
        return {"single": single_rate, "cluster": cluster_rate, "start_up": start_up, "load": load, "cluster_load": at}
    raise ValueError(what)


def _side(tree: Path | None, what: str, args) -> dict:
    """`measure_side` in a fresh process on `tree` (None: this tree)."""
    env = dict(os.environ, BENCH_ROOT=str(tree)) if tree else {k: v for k, v in os.environ.items() if k != "BENCH_ROOT"}
    command = [sys.executable, str(Path(__file__).resolve()), "--side", what, "--claims", str(args.claims), "--seed", str(args.seed),
               "--workers", str(args.workers), "--long-claims", str(args.long_claims)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tree or ROOT)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_bulk(args) -> None:
    """Issue 13's figures: each measured on this tree and on the baseline (a git revision,
    exported), one after the other in the same run, so the machine's load is shared."""
    import tempfile

    from engine.synthetic import generate_mixed

    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        baseline = Path(tmp) / "baseline"
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", args.baseline, "--", "engine", "plans", "rules"],
                                 capture_output=True, check=True)
        baseline.mkdir()
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive.stdout, check=True)
        corpus = Path(tmp) / "mixed.jsonl"
        with corpus.open("w", encoding="utf-8") as sink:
            for block in generate_mixed(args.diff_claims, args.seed):
                for claim in block:
                    sink.write(json.dumps(claim, ensure_ascii=False) + "\n")
        print(f"bulk figures: this tree beside {args.baseline}; {args.claims:,} claims per throughput figure, "
              f"{args.diff_claims:,}-claim diff on {args.workers} workers, generated evaluator; {os.cpu_count()} cores")

        def pair(what: str, label: str) -> None:
            here, there = _side(None, what, args), _side(baseline, what, args)
            if "error" in there:
                print(f"  {label}: {here.get('rate', 0):,.0f} claims/s ({here.get('path')}, load {here.get('load', 0):.1f}); "
                      f"{args.baseline}: not measurable ({there['error']})")
                return
            print(f"  {label}: {here['rate']:,.0f} claims/s ({here['path']}, load {here['load']:.1f}) | {args.baseline}: "
                  f"{there['rate']:,.0f} claims/s ({there['path']}, load {there['load']:.1f}) | ×{here['rate'] / there['rate']:.2f}")

        pair("amounts:hospital", "one process, hospital corpus")
        pair("full:hospital", "one process, hospital corpus, full explanations")
        pair("amounts:multi-plan", "one process, multi-plan corpus")
        here, there = _side(None, f"diff:{corpus}", args), _side(baseline, f"diff:{corpus}", args)
        print(f"  diff, first: {here['seconds']:.1f} s for {here['claims']:,} claims (load {here['load']:.1f}) | {args.baseline}: "
              f"{there.get('seconds', float('nan')):.1f} s (load {there.get('load', float('nan')):.1f}); "
              f"per 1,000,000 claims ≈ {here['seconds'] * 1e6 / here['claims']:.0f} s | "
              f"{there.get('seconds', float('nan')) * 1e6 / max(there.get('claims', 1), 1):.0f} s")
        cached = _side(None, f"cached:{corpus}", args)
        print(f"  diff with --base-cache: writing {cached['first']['seconds']:.1f} s (load {cached['first']['load']:.1f}), "
              f"second against the cached base {cached['second']['seconds']:.1f} s (load {cached['second']['load']:.1f}); "
              f"per 1,000,000 claims ≈ {cached['second']['seconds'] * 1e6 / cached['second']['claims']:.0f} s")
        long = _side(None, "long:hospital", args)
        print(f"  memory, adjudicate --out decisions.parquet over {long['claims']:,} streamed claims "
              f"({long['claims'] / long['seconds']:,.0f} claims/s, load {long['load']:.1f}): RSS MB "
              + ", ".join(f"{n:,}: {m}" for n, m in long["samples"]) + f"; peak {long['peak']:.1f}")
        dask = _side(None, "dask:hospital", args)
        print(f"  Dask LocalCluster, 2 workers: {dask['cluster']:,.0f} claims/s (load {dask['cluster_load']:.1f}) against one process "
              f"{dask['single']:,.0f} claims/s (load {dask['load']:.1f}): ×{dask['cluster'] / dask['single']:.2f}; "
              f"cluster start-up {dask['start_up']:.1f} s (not in the rate)")


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
    parser.add_argument("--bulk", action="store_true", help="issue 13's figures (amounts-only, explained, diff, cached base, "
                        "memory over a long Parquet run, Dask overhead), each beside --baseline's in the same run")
    parser.add_argument("--baseline", default="main", help="git revision measured beside this tree with --bulk")
    parser.add_argument("--diff-claims", type=int, default=100_000, help="claims of the --bulk diff")
    parser.add_argument("--long-claims", type=int, default=1_000_000, help="claims of the --bulk memory run (RSS sampled ten times)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(measure_side(args.side, args)))
        return
    if args.bulk:
        run_bulk(args)
        return
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
