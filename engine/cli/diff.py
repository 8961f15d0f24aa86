"""`adjudicator diff`: a claims corpus under two plan sets, and what changed."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import Evaluator, RulesOption, app, err, fail, load_adjudicator, out
from engine.errors import ClaimError
from engine.output import OutputError, check_outputs, write_atomic

@app.command()
def diff(
    claims: Path = typer.Argument(..., help="claims corpus (.jsonl; a member's claims are grouped whatever their order)"),
    base_plans: Optional[Path] = typer.Option(None, "--base-plans", help="plans folder of the base"),
    head_plans: Optional[Path] = typer.Option(None, "--head-plans", help="plans folder of the head"),
    base_rules: Optional[Path] = typer.Option(None, "--base-rules", help="rules folder of the base (default: --rules)"),
    head_rules: Optional[Path] = typer.Option(None, "--head-rules", help="rules folder of the head (default: --rules)"),
    base: Optional[str] = typer.Option(None, "--base", help="git revision whose plans/ and rules/ are the base, e.g. main"),
    head: Optional[str] = typer.Option(None, "--head", help="git revision of the head, e.g. HEAD; without it (and with --base), "
                                       "the head is --head-plans/--head-rules, by default the working tree's plans/ and rules/"),
    repo: Path = typer.Option(Path("."), "--repo", help="git repository for --base/--head"),
    rules: Path = RulesOption,
    top: int = typer.Option(10, "--top", help="how many of the largest changes to show with both explanations"),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="write a Markdown report (for a pull-request comment)"),
    html: Optional[Path] = typer.Option(None, "--html", help="write a self-contained HTML report"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the report as JSON"),
    fail_on: list[str] = typer.Option([], "--fail-on", help="exit 1 when crossed: total-delta>X, abs-total-delta>X, "
                                      "changed>N, failed>N, paid-to-denied, status-change, pending, new-failures, deferred, "
                                      "unexercised"),
    workers: int = typer.Option(2, "--workers", help="processes (each compiles both plan sets once); with --cluster local, the local Dask cluster's workers"),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="run the chunks on Dask: an existing scheduler (tcp://host:8786), or 'local' for a local cluster of --workers processes"),
    evaluator: Evaluator = typer.Option(Evaluator.durable, help="rule evaluator"),
    quiet: bool = typer.Option(False, "--quiet", help="no terminal report (files and exit code only)"),
    base_cache: Optional[Path] = typer.Option(None, "--base-cache", help="folder keeping the base's outcomes (Parquet), keyed by "
                                              "plan set, rules, corpus SHA-256 and engine version: a later diff against the same base adjudicates only the head"),
) -> None:
    """Adjudicate a claims corpus under two plan sets (two folders, or two git revisions) and
    report what changed: claims, payout by plan and benefit, status changes, the distribution of
    per-claim deltas, and the largest changes with both explanations. Exit 1 when a --fail-on
    rule is crossed."""
    import tempfile

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from engine.claims import count_records, read_claims_file
    from rich.console import Console

    from engine.diff import PlanSource, check_thresholds, git_source, run_diff, validate_thresholds
    from engine.diff_provenance import provenance, yaml_diff
    from engine.diff_report import print_terminal, to_html, to_json, to_markdown
    from engine.officer_view import WIDE

    if not claims.is_file():
        err.print(f"error: {claims}: no such claims file", markup=False)
        raise typer.Exit(1)
    try:  # before minutes of work: reports that would overwrite the corpus or go nowhere
        check_outputs([markdown, html, json_out], [claims])
    except OutputError as error:
        fail(error)
    with tempfile.TemporaryDirectory(prefix="adjudicator-diff-") as workdir:
        try:
            if head and not base:
                raise ValueError("--head needs --base (a git revision)")
            if base:
                base_source = git_source(repo, base, Path(workdir) / "base")
                if head:
                    if head_plans or head_rules:
                        raise ValueError("give --head (a git revision) or --head-plans/--head-rules (folders), not both")
                    head_source = git_source(repo, head, Path(workdir) / "head")
                else:  # the working tree, before it is committed
                    plans_dir, rules_dir = head_plans or repo / "plans", head_rules or repo / "rules"
                    label = f"{plans_dir} + {rules_dir}" if head_plans or head_rules else "working tree"
                    head_source = PlanSource(label, plans_dir, rules_dir)
            elif base_plans and head_plans:
                base_source = PlanSource(str(base_plans), base_plans, base_rules or rules)
                head_source = PlanSource(str(head_plans), head_plans, head_rules or rules)
            else:
                raise ValueError("give --base-plans and --head-plans (folders), or --base and --head (git revisions)")
            for source in (base_source, head_source):
                # a broken plan set is reported here, once, with its locations; the head's offices name the report's rows
                loaded = load_adjudicator(source.plans, source.rules)
                offices = dict(loaded.library.offices)
                if source is base_source and base_cache is not None:
                    from engine.diff import CHUNK_CLAIMS
                    from engine.diff_cache import BaseCache, base_key

                    cache = BaseCache(base_cache, base_key(loaded, source.rules, claims, CHUNK_CLAIMS, evaluator.value))
            validate_thresholds(fail_on)
        except ValueError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(1)
        client = None
        try:
            if cluster:
                from engine.cluster import open_client

                try:
                    client = open_client(None if cluster == "local" else cluster, workers)
                except OSError as error:
                    err.print(f"error: cannot reach the Dask scheduler {cluster}: {error}", markup=False)
                    raise typer.Exit(1)
            total = count_records(claims)
            with Progress(TextColumn("diff"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, disable=quiet) as bar:
                task = bar.add_task("claims", total=total)
                summary = run_diff(read_claims_file(claims), base_source, head_source, workers=workers,
                                   evaluator=evaluator.value, top=top, progress=lambda n: bar.advance(task, n),
                                   base_cache=cache if base_cache is not None else None, client=client)
            if base_cache is not None and not quiet:
                err.print(f"base cache {cache.path}: {'used (only the head was adjudicated)' if summary.base_cache == 'used' else 'written'}",
                          markup=False)
        except ClaimError as error:  # the file itself cannot be read (each bad record fails alone)
            for issue in error.issues:
                err.print(f"error: {issue}", markup=False)
            raise typer.Exit(1)
        finally:
            if client is not None:
                from engine.cluster import close_client

                close_client(client)
        label_base, label_head = base_source.label, head_source.label
        context = {"provenance": provenance(base_source, head_source, claims, summary.claims),
                   "yaml_diff": yaml_diff(base_source, head_source)}
    if not quiet:  # piped into a file or a pager: rows as wide as they are, not cut at 80 columns
        print_terminal(out if out.is_terminal else Console(width=WIDE), summary, label_base, label_head, context)
    for path, text in ((markdown, lambda: to_markdown(summary, label_base, label_head, context)),
                       (html, lambda: to_html(summary, label_base, label_head, offices, context)),
                       (json_out, lambda: to_json(summary, label_base, label_head, offices, context))):
        if path:
            try:
                write_atomic(path, text())
            except OutputError as error:
                fail(error)
    crossed = check_thresholds(summary, fail_on)
    for sentence in crossed:
        err.print(f"fail-on crossed: {sentence}", markup=False)
    if crossed:
        raise typer.Exit(1)
