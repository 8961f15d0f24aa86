"""`adjudicator case from-claim`: a YAML test case from a claim of a corpus or a diff example."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.output import OutputError, write_atomic

case_app = typer.Typer(no_args_is_help=True, help="Make YAML test cases.")
app.add_typer(case_app, name="case")


@case_app.command("from-claim")
def from_claim(
    corpus: Path = typer.Argument(..., help="claims file (.jsonl or .json) that holds the claim and the member's earlier claims"),
    claim: list[str] = typer.Option([], "--claim", help="claim id; repeat for several cases"),
    diff: Optional[Path] = typer.Option(None, "--diff", help="a report of `adjudicator diff --json`: one case per example it shows"),
    output: Path = typer.Option(Path("fixtures/cases/from-claims.yaml"), "--out", "-o",
                                help="case file to add the cases to (created if absent)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Write a test case per claim: the claim, after the member's earlier claims of the corpus
    (for history), expecting what the plans decide now. Review the expectation against the
    catalogue before trusting it; `adjudicator test` runs it."""
    from engine.newcase import add_cases, cases_from_claims, claim_ids_in_diff

    ids = list(claim)
    if diff is not None:
        ids += [claim_id for claim_id in claim_ids_in_diff(diff) if claim_id not in ids]
    if not ids:
        err.print("error: name a claim with --claim, or a diff report with --diff", markup=False)
        raise typer.Exit(1)
    if not corpus.is_file():
        err.print(f"error: {corpus}: no such claims file", markup=False)
        raise typer.Exit(1)
    adjudicator = load_adjudicator(plans, rules)
    schema = Path(os.path.relpath(Path("schemas/cases.schema.json").resolve(), output.resolve().parent)).as_posix()
    try:
        cases = cases_from_claims(corpus, ids, adjudicator)
        text = add_cases(output, cases, schema)
    except ValueError as error:
        err.print(f"error: {error}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        write_atomic(output, text)
    except OutputError as error:
        fail(error)
    for case in cases:
        out.print(f"added to {output}: {case.name}", markup=False, soft_wrap=True)
    out.print(f"next: check the expectations against the catalogue, then `adjudicator test {output}`", markup=False, soft_wrap=True)
