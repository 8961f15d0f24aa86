"""`adjudicator report`: payouts, fees, loss ratio and claims by status and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.common import PlansOption, RulesOption, app, load_adjudicator, out
from engine.cli.office_common import ClaimsArgument, LedgerSource, decided_claims, parse_date, write


@app.command()
def report(
    claims: Optional[Path] = ClaimsArgument,
    start: Optional[str] = typer.Option(None, "--from", help="first day of the period (claims decided, terms started)"),
    end: Optional[str] = typer.Option(None, "--to", help="last day of the period"),
    html: Optional[Path] = typer.Option(None, "--html", help="write one self-contained HTML page with charts (works offline)"),
    xlsx: Optional[Path] = typer.Option(None, "--xlsx", help="write the tables as an Excel workbook"),
    csv_dir: Optional[Path] = typer.Option(None, "--csv", help="write one CSV per table into this folder"),
    ledger: Optional[str] = LedgerSource,
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Payouts by office, plan, benefit and month; fees from enrolments; loss ratio (payouts ÷
    fees) per plan and office; claims by status and by reason. Without a ledger, fees are those
    of the enrolments the claims list."""
    from engine.office.notice import plan_titles
    from engine.office.reports import build_report, fees_of_claims, report_csv, report_html, report_xlsx

    adjudicator = load_adjudicator(plans, rules)
    decided = decided_claims(adjudicator, claims, ledger)
    result = build_report(decided, fees_of_claims(decided, plan_titles(adjudicator)),
                          period=(parse_date(start, "--from"), parse_date(end, "--to")))
    if html:
        write(html, report_html(result))
    if xlsx:
        write(xlsx, report_xlsx(result))
    if csv_dir:
        for name, data in report_csv(result).items():
            write(csv_dir / name, data)
    table = Table(title=f"{result.claims} claims; paid {result.total_paid:,.2f}; fees {result.total_fees:,.2f}")
    for column in ("plan", "office", "fees", "refunds", "payouts", "loss ratio"):
        table.add_column(column, justify="left" if column in ("plan", "office") else "right")
    for row in result.loss:
        table.add_row(row["plan"], row["office"], f"{row['fees']:,.2f}", f"{row['refunds']:,.2f}", f"{row['payouts']:,.2f}",
                      f"{row['ratio']}%" if row["ratio"] is not None else "—")
    out.print(table)
