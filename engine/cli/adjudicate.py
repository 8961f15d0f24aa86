"""`adjudicator adjudicate`: decisions for claim files, in order, on one history."""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from engine.claims import read_claims_file
from engine.cli.common import Evaluator, PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.cli.ledger import LedgerOption, open_ledger, submission_line
from engine.errors import ClaimError
from engine.officer_view import WIDE, failure_lines, library_titles, officer_tree
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure
from engine.outcome import amounts_json
from engine.output import OutputError, atomic_file, check_outputs, stdout_guard


def stored_decision(decision_json: str):
    """A decision the ledger answered with (a void version reads as one paying nothing)."""
    from engine.store.corrections import as_decision

    return as_decision(decision_json)


@app.command()
def adjudicate(
    claims: list[Path] = typer.Argument(..., help="claim files: .json (one claim or a list), .jsonl (one per line) or .parquet (one per row)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
    output: Optional[Path] = typer.Option(None, "--out", "-o", help="write JSONL decisions here instead of stdout; a .parquet file gets flat rows (claim, member, plan, benefit, status, reason, amount)"),
    explain: bool = typer.Option(False, "--explain", help="show each decision as a claims officer reads it: a line in yuan, then each plan, benefit, computation and reason"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="with --explain: also rule ids, plan file hashes, formula inputs and ledger keys"),
    evaluator: Evaluator = typer.Option(Evaluator.durable, help="rule evaluator: durable (the reference), generated (Python source compiled from the same rules) or python"),
    ledger: Optional[str] = LedgerOption,
    amounts_only: bool = typer.Option(False, "--amounts-only", help="write what each decision decides (status, amounts per line, reason codes, missing evidence, accumulator changes) without formulas or criteria texts: faster for bulk runs"),
    workers: int = typer.Option(1, "--workers", help="N > 1: a local Dask cluster of N processes; the claims are partitioned by member, each member's claims in order in one partition"),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="an existing Dask scheduler (tcp://host:8786) to run the partitions on; with --ledger (PostgreSQL) every partition records in the shared ledger"),
) -> None:
    """Adjudicate claims in order, each member's claims on the history of the ones before.

    Writes one JSON line per claim: a decision, or {claim_id, errors} for a claim that could
    not be adjudicated. Exits 2 if any claim failed.

    With --ledger (a SQLite file, created on first use, or a PostgreSQL URL) every decision is
    recorded as it goes and history carries over to the next run; a file run again (after a
    crash, say) gives each claim already recorded its stored decision, marked "replayed"."""
    try:
        check_outputs([output], [*claims, *_ledger_file(ledger)])
        if explain or output is None:
            with stdout_guard():
                pass
    except OutputError as error:
        fail(error)
    for path in claims:
        if not path.is_file():
            err.print(f"error: {path}: no such claims file", markup=False)
            raise typer.Exit(1)
    adjudicator = load_adjudicator(plans, rules, evaluator.value)
    if workers > 1 or cluster:
        if explain:
            err.print("error: --explain shows claims one by one, in this process; leave out --workers and --cluster", markup=False)
            raise typer.Exit(1)
        failed = _on_cluster(claims, plans, rules, evaluator.value, output, amounts_only, ledger, workers, cluster)
        if failed:
            err.print(f"{failed} claim(s) could not be adjudicated", markup=False)
            raise typer.Exit(2)
        return
    titles = library_titles(adjudicator.library)
    # piped into a file or a pager: lines as long as they are, not cut at 80 columns
    shown = out if out.is_terminal else Console(width=WIDE, highlight=False)
    stream = (claim for path in claims for claim in read_claims_file(path))
    store = open_ledger(ledger) if ledger else None
    if store is None:
        err.print("note: no --ledger: history lives in memory for this run only (deductibles, caps and once-in-life "
                  "payments start from zero next time)", markup=False)
    outcomes = Counter()
    failed = 0
    try:
        with contextlib.ExitStack() as stack:
            if explain or output is None:
                stack.enter_context(stdout_guard())
            columnar = output is not None and output.suffix == ".parquet"
            sink = stack.enter_context(atomic_file(output, encoding=None if columnar else "utf-8")) if output else (None if explain else sys.stdout)
            if columnar:  # flat rows of amounts (engine.columnar), written a row group at a time
                from engine.columnar import DecisionWriter

                rows = DecisionWriter(sink)
                stack.callback(rows.close)  # before the file is synced and renamed into place
            lean = (amounts_only or columnar) and not explain  # the officer's view needs the explained decision
            results = store.submit_many(adjudicator, stream) if store else adjudicator.adjudicate_many(stream, MemoryLedger(), explain=not lean)
            for result in results:
                is_failure = isinstance(result, ClaimFailure)
                failed += is_failure
                if store is not None and not is_failure:
                    outcomes[result.outcome] += 1
                decision = None
                if not is_failure and (explain or columnar or amounts_only):
                    decision = result.decision if store is None else stored_decision(result.decision_json)
                if explain:
                    shown.print(failure_lines(result) if is_failure else officer_tree(decision, *titles, verbose=verbose))
                if columnar:
                    rows.add(result if is_failure else decision)
                elif sink:
                    if is_failure:
                        line = result.to_json()
                    elif amounts_only:
                        line = amounts_json(decision)
                    elif store is not None:
                        line = submission_line(result)
                    else:
                        line = result.decision.to_json()
                    sink.write(line + "\n")
    except (OutputError, ClaimError) as error:  # ClaimError: a claims file that cannot be read at all
        fail(error)
    finally:
        if store is not None:
            store.close()
    if store is not None:
        err.print(f"ledger {store.display_url()}: " + ", ".join(f"{outcomes[name]} {name}" for name in ("created", "replayed", "resubmitted")),
                  markup=False)
    if failed:
        err.print(f"{failed} claim(s) could not be adjudicated", markup=False)
        raise typer.Exit(2)


def _on_cluster(claims: list[Path], plans: Path, rules: Path, evaluator: str, output: Path | None, amounts_only: bool,
                ledger: str | None, workers: int, cluster: str | None) -> int:
    """Adjudicate on Dask (engine.cluster): partitions of whole members, results written in
    partition order as they come back, with a progress bar. How many claims failed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from engine.claims import count_records
    from engine.cluster import PlanFiles, adjudicate_partition, close_client, open_client, ordered_results
    from engine.diff import CHUNK_CLAIMS, member_chunks

    columnar = output is not None and output.suffix == ".parquet"
    mode = "rows" if columnar else "amounts" if amounts_only else "json"
    files = PlanFiles.read(plans, rules)
    total = sum(count_records(path) for path in claims)
    chunks = member_chunks((record for path in claims for record in read_claims_file(path)), CHUNK_CLAIMS)
    failed = 0
    try:
        client = open_client(cluster, workers)
    except OSError as error:
        fail(f"cannot reach the Dask scheduler {cluster}: {error}")
    try:
        with contextlib.ExitStack() as stack:
            if output is None:
                stack.enter_context(stdout_guard())
            sink = stack.enter_context(atomic_file(output, encoding=None if columnar else "utf-8")) if output else sys.stdout
            if columnar:
                from engine.columnar import DecisionWriter

                rows = DecisionWriter(sink)
                stack.callback(rows.close)
            bar = stack.enter_context(Progress(TextColumn("adjudicate"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err))
            task = bar.add_task("claims", total=total)
            tasks = ((evaluator, mode, ledger, chunk) for chunk in chunks)
            for items, chunk_failed, size in ordered_results(client, adjudicate_partition, tasks, shared=(files,)):
                failed += chunk_failed
                if columnar:
                    rows.add_rows(items)
                else:
                    sink.write("".join(line + "\n" for line in items))
                bar.advance(task, size)
    except (OutputError, ClaimError) as error:
        fail(error)
    finally:
        close_client(client)
    return failed


def _ledger_file(ledger: str | None) -> list[Path]:
    """The ledger's file, when it is one (a path or a sqlite:/// URL): an output must not be it."""
    if not ledger:
        return []
    if ledger.startswith("sqlite:///"):
        return [Path(ledger.removeprefix("sqlite:///"))]
    return [] if "://" in ledger else [Path(ledger)]
