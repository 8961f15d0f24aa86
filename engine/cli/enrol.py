"""`adjudicator enrol`: decide a union's group application from its staff list (.xlsx or .csv)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.common import PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.output import OutputError, write_atomic


def _date(text: Optional[str], option: str) -> Optional[dt.date]:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"error: {option} takes a date such as 2024-01-01, got {text!r}", markup=False)
        raise typer.Exit(2)


@app.command()
def enrol(
    application: Path = typer.Argument(..., help="the union's staff list: .xlsx or .csv with Chinese (or English) headers"),
    employer: Optional[str] = typer.Option(None, "--employer", help="the unit (单位名称), unless the 申请信息 sheet names it"),
    office: Optional[str] = typer.Option(None, "--office", help="the mutual-aid office code (办事处), e.g. beijing"),
    start: Optional[str] = typer.Option(None, "--start", help="first day of the term (保障起始日期), e.g. 2024-01-01"),
    end: Optional[str] = typer.Option(None, "--end", help="last day of the term; by default from the plan's term length"),
    plan: Optional[str] = typer.Option(None, "--plan", help="the plan of rows that name none (id or Chinese title)"),
    units: Optional[int] = typer.Option(None, "--units", help="the units (or tier) everyone in the application takes"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the whole result as JSON"),
    ledger: Optional[str] = typer.Option(None, "--ledger", envvar="ADJUDICATOR_LEDGER",
                                         help="record an accepted application's members and enrolments in this ledger "
                                              "(once: the same application again changes nothing)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Check every row of a group application (identity numbers, dates, units; each problem at its
    sheet, row and column), accept or refuse each person by name, and decide each plan's
    application on the participation rule its YAML declares, with the fee due. Exit 0 when every
    plan's application is accepted, 1 when one is refused, 2 when the file cannot be decided."""
    from engine.enrolment.application import application_info, decide_application
    from engine.enrolment.staff_list import StaffListError, read_staff_list

    adjudicator = load_adjudicator(plans, rules)
    given = {"employer": employer, "office": office, "start": _date(start, "--start"), "end": _date(end, "--end"),
             "plan": plan, "units": units}
    try:
        staff = read_staff_list(application)
        result = decide_application(staff, application_info(staff, given), adjudicator.plans)
    except StaffListError as error:
        for issue in error.issues:
            err.print(f"error: {issue}", markup=False, highlight=False)
        err.print(f"{len(error.issues)} problem{'s' if len(error.issues) != 1 else ''}: nothing was decided", markup=False)
        raise typer.Exit(2)
    for warning in result.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)
    for decided in result.plans:
        _print_plan(decided)
    if json_out:
        try:
            write_atomic(json_out, result.to_json() + "\n")
        except OutputError as error:
            fail(error)
    if not result.accepted:
        if ledger:
            err.print("nothing recorded: the application was refused", markup=False)
        raise typer.Exit(1)
    if ledger:
        _record(ledger, result)


def _record(ledger: str, result) -> None:
    from engine.cli.ledger import open_ledger
    from engine.enrolment.ledger import record_application
    from engine.errors import EngineError

    store = open_ledger(ledger)
    try:
        recorded = record_application(store, result)
    except EngineError as error:
        err.print(f"error: nothing recorded: {error}", markup=False)
        raise typer.Exit(1)
    finally:
        store.close()
    if recorded.status == "already_recorded":
        out.print(f"this application was recorded on {recorded.recorded_at:%Y-%m-%d %H:%M} UTC: nothing changed", markup=False)
    else:
        out.print(f"recorded in the ledger: {recorded.members} member(s), {recorded.enrolments} enrolment(s)", markup=False)


def _print_plan(decided) -> None:
    colour = "green" if decided.accepted else "red"
    choice = f"; {decided.choice} {decided.choice_kind} each" if decided.choice is not None else ""
    out.print(f"[bold]{decided.plan}[/] {decided.revision} {decided.title} ({decided.start} – {decided.end}): "
              f"[{colour}]{decided.status}[/] · {decided.participation.text}{choice} · fee due {decided.fee_due:,.2f}")
    out.print(f"  {decided.message}", markup=False)
    refused = [person for person in decided.persons if person.status == "refused"]
    if refused:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for column in ("row", "name", "reason", ""):
            table.add_column(column)
        for person in refused:
            table.add_row(f"{person.place.sheet} row {person.place.row}" if person.place.sheet else f"row {person.place.row}",
                          person.name, person.code, person.message)
        out.print(table)
