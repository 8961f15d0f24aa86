"""`adjudicator schema`: JSON Schemas of plans, libraries, claims, decisions and cases."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import PlansOption, RulesOption, app, err, out


@app.command()
def schema(
    output: Path = typer.Option(Path("schemas"), "--out", help="folder to write the JSON Schemas to"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Write JSON Schemas for plans, rule libraries, claims, decisions and test cases, completed
    with the names of rules/ and plans/ (exclusion ids, circumstance codes, disease lists,
    findings, offices, plan ids) so that an editor offers them. Run it after changing rules/."""
    from engine.errors import PlanError
    from engine.hints import with_hints
    from engine.output import OutputError
    from engine.schemas import write_schemas

    try:
        written = write_schemas(output, rules, plans)
    except PlanError as error:
        for issue in with_hints(error.issues):
            err.print(f"error: {issue}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    except OutputError as error:
        err.print(f"error: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    for path in written:
        out.print(f"wrote {path}")
