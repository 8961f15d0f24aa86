"""`adjudicator test`: run the YAML test cases."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import PlansOption, RulesOption, app, load_adjudicator, out
from engine.explain import decision_tree, failure_tree
from engine.model.decision import ClaimFailure

@app.command("test")
def run_tests(
    files: list[Path] = typer.Argument(None, help="case files (default: fixtures/cases/*.yaml)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Run YAML test cases; print expected vs actual with the decision tree on failure."""
    from engine.testcases import load_cases, run_case

    adjudicator = load_adjudicator(plans, rules)
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
