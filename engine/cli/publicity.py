"""`adjudicator publicity`: the month's paid claims of one office, masked, for the 7-day
objection window (理赔公示)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.common import PlansOption, RulesOption, app, err, load_adjudicator, out
from engine.cli.office_common import (ClaimsArgument, LedgerSource, OfficeNameOption, decided_claims, office_names, parse_date,
                                      write)


@app.command()
def publicity(
    claims: Optional[Path] = ClaimsArgument,
    office: str = typer.Option(..., "--office", help="office code, e.g. zunyi"),
    month: str = typer.Option(..., "--month", help="the month of payment, e.g. 2024-06"),
    opens: Optional[str] = typer.Option(None, "--opens", help="first day of the 7-day window (default: the day after the month)"),
    office_name: list[str] = OfficeNameOption,
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="write the publicity sheet (.xlsx)"),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="write it as CSV (UTF-8, opens in Excel)"),
    html: Optional[Path] = typer.Option(None, "--html", help="write the printable page (.html)"),
    ledger: Optional[str] = LedgerSource,
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Publish an office's paid claims of a month (catalogue §3): month, office, employer, the
    member's name and ID masked, plan, benefit category, amount and payment date; never a
    diagnosis, code, finding, hospital or birth date. Without a ledger, a claim's `received`
    date stands for its payment date."""
    from engine.office.publicity import build_publicity, parse_month, publicity_csv, publicity_html, publicity_xlsx

    try:
        parse_month(month)
    except ValueError as error:
        err.print(f"error: --month: {error}", markup=False)
        raise typer.Exit(2)
    adjudicator = load_adjudicator(plans, rules)
    names = office_names(office_name, adjudicator)
    result = build_publicity(decided_claims(adjudicator, claims, ledger), office, month, names.get(office), parse_date(opens, "--opens"))
    for path, render in ((xlsx, publicity_xlsx), (csv_out, publicity_csv), (html, publicity_html)):
        if path:
            write(path, render(result))
    table = Table(title=f"{result.office_name} {month}: {len(result.rows)} payments, {result.total:,.2f}; "
                        f"objections {result.opens} – {result.closes}")
    for column in ("#", "employer", "name", "ID", "plan", "benefit", "amount", "paid on"):
        table.add_column(column, justify="right" if column in ("#", "amount") else "left")
    for row in result.rows:
        table.add_row(str(row.number), row.employer, row.name, row.id_number, row.plan, row.benefit, f"{row.amount:,.2f}",
                      row.paid_on.isoformat())
    out.print(table)
