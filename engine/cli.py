"""Command line: `adjudicator adjudicate | check | test | schema`. A thin shell over the API."""

from __future__ import annotations

import gc
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from engine.api import Adjudicator
from engine.claims import read_claims_file
from engine.errors import PlanError, RuleEvaluationError
from engine.explain import decision_tree, failure_tree
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Benefit adjudicator for workers' mutual-aid plans (职工互助保障).")
out = Console()
err = Console(stderr=True, soft_wrap=True)  # errors stay one line each, for grep and editors

PlansOption = typer.Option(Path("plans"), "--plans", help="folder of plan revisions")
RulesOption = typer.Option(Path("rules"), "--rules", help="folder of shared rule libraries")


class Evaluator(str, Enum):
    durable = "durable"
    generated = "generated"
    python = "python"


def _load(plans: Path, rules: Path, evaluator: str = "durable") -> Adjudicator:
    try:
        adjudicator = Adjudicator.load(plans, rules, evaluator)
    except PlanError as error:
        for issue in error.issues:
            err.print(f"error: {issue}", markup=False, highlight=False)
        raise typer.Exit(1)
    except RuleEvaluationError as error:
        err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(1)
    gc.freeze()  # loaded plans live as long as the process: keep them out of every GC pass
    return adjudicator


@app.command()
def adjudicate(
    claims: list[Path] = typer.Argument(..., help="claim files: .json (one claim or a list) or .jsonl (one per line)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
    output: Optional[Path] = typer.Option(None, "--out", "-o", help="write JSONL decisions here instead of stdout"),
    explain: bool = typer.Option(False, "--explain", help="show each decision as a tree (which clause, which numbers)"),
    evaluator: Evaluator = typer.Option(Evaluator.durable, help="rule evaluator: durable (the reference), generated (Python source compiled from the same rules) or python"),
) -> None:
    """Adjudicate claims in order, each member's claims on the history of the ones before.

    Writes one JSON line per claim: a decision, or {claim_id, errors} for a claim that could
    not be adjudicated. Exits 2 if any claim failed."""
    for path in claims:
        if not path.is_file():
            err.print(f"error: {path}: no such claims file", markup=False)
            raise typer.Exit(1)
    adjudicator = _load(plans, rules, evaluator.value)
    stream = (claim for path in claims for claim in read_claims_file(path))
    sink = output.open("w", encoding="utf-8") if output else None
    failed = 0
    try:
        for result in adjudicator.adjudicate_many(stream, MemoryLedger()):
            is_failure = isinstance(result, ClaimFailure)
            failed += is_failure
            line = result.to_json() if is_failure else result.decision.to_json()
            if explain:
                out.print(failure_tree(result) if is_failure else decision_tree(result.decision))
            if sink:
                sink.write(line + "\n")
            elif not explain:
                sys.stdout.write(line + "\n")
    finally:
        if sink:
            sink.close()
    if failed:
        err.print(f"{failed} claim(s) could not be adjudicated", markup=False)
        raise typer.Exit(2)


@app.command()
def check(plans: Path = PlansOption, rules: Path = RulesOption) -> None:
    """Validate every plan and rule file, then look for what would run but be wrong: codes that
    are not ICD-10, definitions that can never be met or never be paid, benefits that could pay
    one diagnosis twice. Every issue with file:line:column and field. Exits 1 on any error."""
    from engine.static_checks import static_issues

    adjudicator = _load(plans, rules)
    table = Table(title="plans", show_lines=False)
    for column in ("plan", "revision", "effective", "title", "rules", "hash"):
        table.add_column(column)
    for plan_id in sorted(adjudicator.revisions):
        for compiled in adjudicator.revisions[plan_id]:
            effective = f"{compiled.plan.effective_from} – {compiled.plan.effective_to or 'open'}"
            table.add_row(plan_id, compiled.plan.revision, effective, compiled.plan.title, str(len(compiled.rules)), compiled.content_hash[:12])
    out.print(table)
    library = adjudicator.library
    lists = ", ".join(f"{d.id} ({len(d.entries)})" for d in library.disease_lists.values()) or "none"
    out.print(f"rules: {len(library.exclusions)} exclusion clauses in {len(library.groups)} groups, "
              f"{len(library.circumstances)} circumstance codes, {len(library.findings)} findings; disease lists: {lists}.")
    errors, warnings = static_issues(rules, plans, list(adjudicator.plans), library)
    for issue in warnings:
        err.print(f"warning: {issue}", markup=False, highlight=False)
    for issue in errors:
        err.print(f"error: {issue}", markup=False, highlight=False)
    if errors:
        raise typer.Exit(1)
    out.print(f"No errors; {len(warnings)} warning{'s' if len(warnings) != 1 else ''}.")


@app.command()
def diff(
    claims: Path = typer.Argument(..., help="claims corpus (.jsonl, each member's claims together, as `synth` writes)"),
    base_plans: Optional[Path] = typer.Option(None, "--base-plans", help="plans folder of the base"),
    head_plans: Optional[Path] = typer.Option(None, "--head-plans", help="plans folder of the head"),
    base_rules: Optional[Path] = typer.Option(None, "--base-rules", help="rules folder of the base (default: --rules)"),
    head_rules: Optional[Path] = typer.Option(None, "--head-rules", help="rules folder of the head (default: --rules)"),
    base: Optional[str] = typer.Option(None, "--base", help="git revision whose plans/ and rules/ are the base, e.g. main"),
    head: Optional[str] = typer.Option(None, "--head", help="git revision of the head, e.g. HEAD"),
    repo: Path = typer.Option(Path("."), "--repo", help="git repository for --base/--head"),
    rules: Path = RulesOption,
    top: int = typer.Option(10, "--top", help="how many of the largest changes to show with both explanations"),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="write a Markdown report (for a pull-request comment)"),
    html: Optional[Path] = typer.Option(None, "--html", help="write a self-contained HTML report"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the report as JSON"),
    fail_on: list[str] = typer.Option([], "--fail-on", help="exit 1 when crossed: total-delta>X, abs-total-delta>X, "
                                      "changed>N, failed>N, paid-to-denied, status-change, pending, new-failures"),
    workers: int = typer.Option(2, "--workers", help="processes (each compiles both plan sets once)"),
    evaluator: Evaluator = typer.Option(Evaluator.durable, help="rule evaluator"),
    quiet: bool = typer.Option(False, "--quiet", help="no terminal report (files and exit code only)"),
) -> None:
    """Adjudicate a claims corpus under two plan sets (two folders, or two git revisions) and
    report what changed: claims, payout by plan and benefit, status changes, the distribution of
    per-claim deltas, and the largest changes with both explanations. Exit 1 when a --fail-on
    rule is crossed."""
    import tempfile

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from engine.diff import PlanSource, check_thresholds, git_source, run_diff, validate_thresholds
    from engine.diff_report import print_terminal, to_html, to_json, to_markdown

    if not claims.is_file():
        err.print(f"error: {claims}: no such claims file", markup=False)
        raise typer.Exit(1)
    with tempfile.TemporaryDirectory(prefix="adjudicator-diff-") as workdir:
        try:
            if base or head:
                if not (base and head):
                    raise ValueError("give both --base and --head (git revisions)")
                base_source = git_source(repo, base, Path(workdir) / "base")
                head_source = git_source(repo, head, Path(workdir) / "head")
            elif base_plans and head_plans:
                base_source = PlanSource(str(base_plans), base_plans, base_rules or rules)
                head_source = PlanSource(str(head_plans), head_plans, head_rules or rules)
            else:
                raise ValueError("give --base-plans and --head-plans (folders), or --base and --head (git revisions)")
            for source in (base_source, head_source):
                _load(source.plans, source.rules)  # a broken plan set is reported here, once, with its locations
            validate_thresholds(fail_on)
        except ValueError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(1)
        total = sum(1 for line in claims.open(encoding="utf-8") if line.strip())
        with Progress(TextColumn("diff"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=quiet) as bar:
            task = bar.add_task("claims", total=total)
            with claims.open(encoding="utf-8") as lines:
                summary = run_diff(lines, base_source, head_source, workers=workers, evaluator=evaluator.value, top=top,
                                   progress=lambda n: bar.advance(task, n))
        label_base, label_head = base_source.label, head_source.label
    if not quiet:
        print_terminal(out, summary, label_base, label_head)
    for path, render in ((markdown, to_markdown), (html, to_html), (json_out, to_json)):
        if path:
            path.write_text(render(summary, label_base, label_head), encoding="utf-8")
    crossed = check_thresholds(summary, fail_on)
    for sentence in crossed:
        err.print(f"fail-on crossed: {sentence}", markup=False)
    if crossed:
        raise typer.Exit(1)


@app.command()
def synth(
    output: Path = typer.Option(..., "--out", "-o", help="JSONL file to write"),
    claims: int = typer.Option(10_000, "--claims", help="at least this many claims"),
    seed: int = typer.Option(1, "--seed", help="the same seed always gives the same corpus"),
    corpus: str = typer.Option("mixed", "--corpus", help="mixed, hospital, diagnosis, accident or multi-plan"),
) -> None:
    """Write a deterministic synthetic claims corpus: members with a realistic mix of age, gender,
    office and insurance, enrolments and renewals, stays with log-normal costs, listed and
    unlisted diagnoses, accidents, and bad-luck runs that reach caps. Each member's claims are
    written together, in date order."""
    from engine.synthetic import CORPORA, generate_mixed, generate

    if corpus not in (*CORPORA, "mixed"):
        err.print(f"error: unknown corpus {corpus!r}; expected mixed, {', '.join(CORPORA)}", markup=False)
        raise typer.Exit(1)
    blocks = generate_mixed(claims, seed) if corpus == "mixed" else generate(claims, seed, corpus)
    written = 0
    with output.open("w", encoding="utf-8") as sink:
        for block in blocks:
            for claim in block:
                sink.write(json.dumps(claim, ensure_ascii=False) + "\n")
                written += 1
    out.print(f"wrote {written:,} claims to {output}")


@app.command("test")
def run_tests(
    files: list[Path] = typer.Argument(None, help="case files (default: fixtures/cases/*.yaml)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Run YAML test cases; print expected vs actual with the decision tree on failure."""
    from engine.testcases import load_cases, run_case

    adjudicator = _load(plans, rules)
    paths = files or sorted(Path("fixtures/cases").glob("*.yaml"))
    passed = failed = 0
    for path in paths:
        for case in load_cases(path):
            result = run_case(adjudicator, case)
            if result.passed:
                passed += 1
                continue
            failed += 1
            out.print(f"[red]FAIL[/] {path}:{case.line} {case.name}")
            for mismatch in result.mismatches:
                out.print(f"  {mismatch}", markup=False)
            for outcome in result.outcomes:
                out.print(failure_tree(outcome) if isinstance(outcome, ClaimFailure) else decision_tree(outcome.decision))
    out.print(f"cases: {passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def schema(output: Path = typer.Option(Path("schemas"), "--out", help="folder to write the JSON Schemas to")) -> None:
    """Write JSON Schemas for plans, rule libraries, claims and decisions."""
    from engine.schemas import write_schemas

    for path in write_schemas(output):
        out.print(f"wrote {path}")


if __name__ == "__main__":
    app()
