"""Dask for more than one process or machine: `adjudicate` and `diff` with `--cluster
tcp://host:8786` (an existing scheduler) or `--workers N` (a LocalCluster of N processes).

The corpus is partitioned by member (engine.grouping: a member's claims stay together and in
order in one partition), partitions are submitted a few ahead of the results (memory stays
flat) and their results come back in partition order. Plan sets travel as their files' bytes
(`PlanFiles`), so a worker on another machine needs no checkout: each worker process writes them
to a temporary folder and compiles them once, then keeps the adjudicator for every partition.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True)
class PlanFiles:
    """A plans folder and a rules folder as bytes, named by their SHA-256."""

    digest: str
    plans: tuple[tuple[str, bytes], ...]
    rules: tuple[tuple[str, bytes], ...]

    @classmethod
    def read(cls, plans: Path, rules: Path) -> "PlanFiles":
        def files(folder: Path) -> tuple[tuple[str, bytes], ...]:
            folder = Path(folder)
            return tuple((str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file())

        plan_files, rule_files = files(plans), files(rules)
        digest = hashlib.sha256()
        for name, data in (*(("plans/" + n, d) for n, d in plan_files), *(("rules/" + n, d) for n, d in rule_files)):
            digest.update(name.encode() + b"\0" + data + b"\0")
        return cls(digest.hexdigest(), plan_files, rule_files)

    def materialise(self) -> tuple[Path, Path]:
        """The folders, written once per process under a temporary folder."""
        found = _FOLDERS.get(self.digest)
        if found is None:
            root = Path(tempfile.mkdtemp(prefix=f"adjudicator-plans-{self.digest[:12]}-"))
            for folder, files in (("plans", self.plans), ("rules", self.rules)):
                for name, data in files:
                    target = root / folder / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
            found = _FOLDERS[self.digest] = (root / "plans", root / "rules")
        return found


_FOLDERS: dict[str, tuple[Path, Path]] = {}
_ADJUDICATORS: dict[tuple[str, str], object] = {}
_STORES: dict[str, object] = {}


def worker_adjudicator(files: PlanFiles, evaluator: str):
    """This worker's adjudicator for a plan set: compiled on first use, then kept."""
    key = (files.digest, evaluator)
    adjudicator = _ADJUDICATORS.get(key)
    if adjudicator is None:
        from engine.api import Adjudicator

        plans, rules = files.materialise()
        adjudicator = _ADJUDICATORS[key] = Adjudicator.load(plans, rules, evaluator)
    return adjudicator


def open_client(cluster: str | None, workers: int):
    """A Dask client on the scheduler at `cluster`, or on a new LocalCluster of `workers`
    single-threaded processes (the engine is CPU-bound Python: threads bring nothing)."""
    from dask.distributed import Client, LocalCluster

    if cluster:
        return Client(cluster)
    local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=logging.ERROR)
    client = Client(local)
    client._local_cluster = local  # closed with the client (close_client)
    return client


def close_client(client) -> None:
    local = getattr(client, "_local_cluster", None)
    client.close()
    if local is not None:
        local.close()


def ordered_results(client, function: Callable, tasks: Iterable[tuple], shared: tuple = ()) -> Iterator:
    """`function(*shared, *task)` for every task on the cluster, results in task order, with a
    few tasks per worker in flight. `shared` (plan files) is sent to the workers once."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    shared_futures = [client.scatter([item], broadcast=True)[0] for item in shared]  # each one object, on every worker
    in_flight: deque = deque()
    for task in tasks:
        in_flight.append(client.submit(function, *shared_futures, *task, pure=False))
        if len(in_flight) >= IN_FLIGHT_PER_WORKER * workers:
            yield in_flight.popleft().result()
    while in_flight:
        yield in_flight.popleft().result()


# -- adjudicate ----------------------------------------------------------------------------------------


def adjudicate_partition(files: PlanFiles, evaluator: str, mode: str, ledger: str | None, records: list) -> tuple[list, int, int]:
    """One partition's outcomes, as the sink wants them: JSON lines (`json`, `amounts`) or
    Parquet rows (`rows`); how many claims failed, and how many there were. With `ledger` (a database URL) the
    partition is recorded in the shared ledger as it goes."""
    from engine.ledger import MemoryLedger
    from engine.model.decision import ClaimFailure, decision_from_json
    from engine.outcome import amounts_json

    adjudicator = worker_adjudicator(files, evaluator)
    if ledger:
        import json

        store = _STORES.get(ledger)
        if store is None:
            from engine.store import open_store

            store = _STORES[ledger] = open_store(ledger)
        results = store.submit_many(adjudicator, records)
    else:
        results = adjudicator.adjudicate_many(records, MemoryLedger(), explain=mode == "json")
    out, failed = [], 0
    for result in results:
        if isinstance(result, ClaimFailure):
            failed += 1
            out.extend(_failure(result, mode))
            continue
        if ledger:
            decision = decision_from_json(json.loads(result.decision_json))
        else:
            decision = result.decision
        if mode == "rows":
            from engine.columnar import decision_rows

            out.extend(decision_rows(decision))
        elif mode == "amounts":
            out.append(amounts_json(decision))
        else:
            out.append(result.decision_json if ledger else decision.to_json())
    return out, failed, len(records)


def _failure(result, mode: str) -> list:
    if mode == "rows":
        from engine.columnar import decision_rows

        return decision_rows(result)
    return [result.to_json()]


# -- diff -------------------------------------------------------------------------------------------------


def diff_partition(setup: tuple, index: int, records: list, stored: list[str] | None, keep_base: bool):
    """One chunk of a revision diff on a Dask worker (engine.diff._diff_task), the worker's two
    plan sets compiled on its first chunk."""
    from engine import diff

    base_files, head_files, evaluator, top, items = setup
    key = (base_files.digest, head_files.digest, evaluator, top)
    if diff._WORKER.get("setup") != key:
        base_plans, base_rules = base_files.materialise()
        head_plans, head_rules = head_files.materialise()
        diff._start_worker(diff.PlanSource("base", base_plans, base_rules), diff.PlanSource("head", head_plans, head_rules),
                           evaluator, top, items)
        diff._WORKER["setup"] = key
    return diff._diff_task(index, records, stored, keep_base)
