"""What the office commands (publicity, notice, report) share: where decided claims come from
and how offices are named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import err

OfficeNameOption = typer.Option([], "--office-name", help="how an office is named on paper, CODE=NAME (repeatable); "
                                "default: its title in rules/offices.yaml")


def office_names(pairs: list[str], adjudicator=None) -> dict[str, str]:
    """Office code -> the name printed: rules/offices.yaml's titles, then the options given."""
    names = dict(adjudicator.library.offices) if adjudicator is not None else {}
    for pair in pairs:
        code, separator, name = pair.partition("=")
        if not separator or not code.strip() or not name.strip():
            err.print(f"error: --office-name takes CODE=NAME, e.g. zunyi=遵义办事处; got {pair!r}", markup=False)
            raise typer.Exit(2)
        names[code.strip()] = name.strip()
    return names


def parse_date(text: Optional[str], option: str) -> Optional[dt.date]:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"error: {option} takes a date such as 2024-07-01, got {text!r}", markup=False)
        raise typer.Exit(2)


ClaimsArgument = typer.Argument(None, help="claims file (.jsonl), adjudicated in order in memory; or give --ledger")
LedgerSource = typer.Option(None, "--ledger", envvar="ADJUDICATOR_LEDGER",
                            help="read the decisions recorded in this ledger (SQLite file or postgresql://…) instead of a claims file")


def decided_claims(adjudicator, claims: Optional[Path], ledger: Optional[str] = None) -> list:
    """The decided claims: those recorded in `ledger` (their newest versions; void ones marked),
    or those of a claims file adjudicated in order on one in-memory history, where a claim that
    fails is named on stderr and left out."""
    from engine.office.records import DecidedClaim, from_claims_file

    if (claims is None) == (ledger is None):
        err.print("error: give a claims file or --ledger (one of them)", markup=False)
        raise typer.Exit(2)
    if ledger is not None:
        return _from_ledger(ledger)
    if not claims.is_file():
        err.print(f"error: {claims}: no such claims file", markup=False)
        raise typer.Exit(2)
    decided = []
    for outcome in from_claims_file(adjudicator, claims):
        if isinstance(outcome, DecidedClaim):
            decided.append(outcome)
        else:
            err.print(f"warning: claim {outcome.claim_id or '(no id)'} left out: {'; '.join(outcome.errors)}", markup=False, highlight=False)
    return decided


def write(path: Path, data: bytes | str) -> None:
    from engine.office.files import write_atomically

    write_atomically(path, data.encode("utf-8") if isinstance(data, str) else data)


def _from_ledger(ledger: str) -> list:
    from engine.cli.ledger import open_ledger
    from engine.errors import EngineError
    from engine.office.records import from_ledger

    store = open_ledger(ledger)
    try:
        return list(from_ledger(store))
    except EngineError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(2)
    finally:
        store.close()
