"""`adjudicator revise PLAN --from DATE`: start a new revision of a plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.output import OutputError, write_atomic


@app.command()
def revise(
    plan: str = typer.Argument(..., help="plan id, e.g. inpatient-medical"),
    start: dt.datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="first enrolment start of the new revision, e.g. 2026-01-01"),
    revision: Optional[str] = typer.Option(None, "--revision", help="name of the new revision (default: the year of --from)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Copy the revision in force on --from into a new revision file that starts that day, and
    end the old one the day before. Comments and layout are kept; edit the new file, then run
    `adjudicator check` and `adjudicator test`."""
    from engine.revise import revise as make_revision

    try:
        revised = make_revision(plans, plan, start.date(), revision)
    except ValueError as error:
        err.print(f"error: {error}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        for path, text in revised.texts.items():
            write_atomic(path, text)
    except OutputError as error:
        fail(error)
    load_adjudicator(plans, rules)  # the two files load, or every issue is shown
    out.print(f"new revision {revised.new_revision} of {plan}: {revised.new} (from {start.date()}), "
              f"a copy of revision {revised.old.revision}", markup=False, soft_wrap=True)
    if revised.old_ends:
        out.print(f"revision {revised.old.revision} ({revised.old.path}) now ends {revised.old_ends}", markup=False, soft_wrap=True)
    out.print(f"next: edit {revised.new}, then run `adjudicator check` and `adjudicator test`", markup=False, soft_wrap=True)
