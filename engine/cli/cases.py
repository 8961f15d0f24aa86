"""`adjudicator test`: run the YAML test cases; `-k` picks cases by name, `--update`
re-baselines the failing ones after showing the diff."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer
from rich.markup import escape

from engine.cli.common import PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.output import OutputError, write_atomic
from engine.explain import decision_tree, failure_tree
from engine.model.decision import ClaimFailure


@app.command("test")
def run_tests(
    files: list[Path] = typer.Argument(None, help="case files (default: fixtures/cases/*.yaml)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
    keyword: list[str] = typer.Option([], "-k", help="run only cases whose name (or file::name) contains this text; repeat for more"),
    update: bool = typer.Option(False, "--update", help="rewrite the expected fragments of failing cases to the current decisions "
                                "(shows the diff and asks first)"),
    yes: bool = typer.Option(False, "--yes", "-y", help="with --update: write without asking"),
) -> None:
    """Run YAML test cases; print expected vs actual with the decision tree on failure."""
    from engine.errors import PlanError
    from engine.hints import with_hints
    from engine.testcases import load_cases, run_case, selected

    adjudicator = load_adjudicator(plans, rules)
    paths = files or sorted(Path("fixtures/cases").glob("*.yaml"))
    results = []
    for path in paths:
        try:
            cases = load_cases(path)
        except PlanError as error:
            for issue in with_hints(error.issues):
                err.print(f"error: {issue}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1)
        for case in selected(cases, keyword):
            results.append(run_case(adjudicator, case))
    if not results:
        err.print(f"no case matches {' or '.join(map(repr, keyword))}" if keyword else "no cases found", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    failed = [result for result in results if not result.passed]
    for result in failed:
        out.print(f"[red]FAIL[/] {escape(result.case.file)}:{result.case.line} {escape(result.case.name)}", soft_wrap=True)
        for mismatch in result.mismatches:
            out.print(f"  {mismatch}", markup=False, soft_wrap=True)
        if not update:
            for outcome in result.outcomes:
                out.print(failure_tree(outcome) if isinstance(outcome, ClaimFailure) else decision_tree(outcome.decision))
    out.print(f"cases: {len(results) - len(failed)} passed, {len(failed)} failed")
    if update and failed:
        _update(failed, adjudicator, yes)
        return
    if failed:
        raise typer.Exit(1)


def _update(failed, adjudicator, yes: bool) -> None:
    """Show the re-baselined files as a diff, ask (unless --yes), write, and run them again."""
    from engine.rebaseline import rebaseline
    from engine.testcases import run_case

    plan = rebaseline(failed)
    for result, reason in plan.skipped:
        err.print(f"not updated: {result.case.file}:{result.case.line} {result.case.name}: {reason}", markup=False, soft_wrap=True)
    if not plan.texts:
        err.print("nothing to update", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    for file, (old, new) in plan.texts.items():
        for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), file, file):
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@") else ""
            text = escape(line.rstrip("\n"))
            out.print(f"[{style}]{text}[/]" if style else text, highlight=False, soft_wrap=True)
    count = f"{len(plan.updated_cases)} case(s) in {len(plan.texts)} file(s)"
    if not yes:
        try:
            answer = typer.confirm(f"Write the new expectations of {count}?", default=False)
        except typer.Abort:  # no terminal and nothing piped in
            answer = False
        if not answer:
            err.print(f"not written: answer y, or give --yes to re-baseline {count}", markup=False, soft_wrap=True)
            raise typer.Exit(1)
    try:
        for file, (_, new) in plan.texts.items():
            write_atomic(Path(file), new)
    except OutputError as error:
        fail(error)
    still = [r for r in (run_case(adjudicator, result.case.reloaded()) for result in plan.updated_cases) if not r.passed]
    out.print(f"updated {count}; their descriptions (the hand computations) are as they were: check them", soft_wrap=True)
    for result in still:
        err.print(f"still failing after the update: {result.case.file}:{result.case.line} {result.case.name}: "
                  f"{'; '.join(result.mismatches)}", markup=False, soft_wrap=True)
    if still or plan.skipped:
        raise typer.Exit(1)

