"""`adjudicator ledger init | upgrade | show-member | show-claim | verify | export`: the
persistent ledger, and the --ledger option `adjudicate` shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.common import app, err, out
from engine.errors import EngineError
from engine.store import Submission

LedgerOption = typer.Option(None, "--ledger", envvar="ADJUDICATOR_LEDGER",
                            help="ledger: a SQLite file (created on first use) or postgresql://user@host/db "
                                 "(prepared by `adjudicator ledger upgrade`)")
RequiredLedger = typer.Option(..., "--ledger", envvar="ADJUDICATOR_LEDGER", help="ledger: a SQLite file or postgresql://user@host/db")

ledger_app = typer.Typer(no_args_is_help=True, help="The persistent ledger: schema, members, claims, verification, export.")
app.add_typer(ledger_app, name="ledger")


def open_ledger(url: str, upgrade: bool | None = None):
    """The store, or a clear error and exit 1."""
    from engine.store import open_store

    try:
        return open_store(url, upgrade=upgrade)
    except EngineError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1)
    except Exception as error:  # a database that cannot be reached or read: say which and why
        err.print(f"error: ledger {url}: {type(error).__name__}: {str(error).splitlines()[0]}", markup=False)
        raise typer.Exit(1)


def submission_line(submission: Submission) -> str:
    """The decision as stored; a replay or a new version says so in front of it."""
    if submission.outcome == "replayed":
        return '{"replayed":true,"version":%d,%s' % (submission.version, submission.decision_json[1:])
    if submission.outcome == "resubmitted":
        return '{"version":%d,%s' % (submission.version, submission.decision_json[1:])
    return submission.decision_json


@ledger_app.command("init")
def init(ledger: str = RequiredLedger) -> None:
    """Create the ledger's tables in a new database (or SQLite file)."""
    from engine.store.sql import SqlStore, sqlalchemy_url

    store = SqlStore(sqlalchemy_url(ledger))
    try:
        current = store.revision()
        if current is not None:
            err.print(f"error: {store.display_url()} already holds a ledger (schema {current}); "
                      "`adjudicator ledger upgrade` brings it to this release", markup=False)
            raise typer.Exit(1)
        out.print(f"ledger created at {store.display_url()}: schema {store.upgrade()}")
    finally:
        store.close()


@ledger_app.command("upgrade")
def upgrade(ledger: str = RequiredLedger) -> None:
    """Apply the schema migrations this release ships (PostgreSQL is prepared this way)."""
    from engine.store.sql import SqlStore, sqlalchemy_url

    store = SqlStore(sqlalchemy_url(ledger))
    try:
        before = store.revision()
        after = store.upgrade()
        out.print(f"{store.display_url()}: schema {before or 'none'} → {after}")
    finally:
        store.close()


@ledger_app.command("show-member")
def show_member(member: str = typer.Argument(..., help="member id or resident ID number"), ledger: str = RequiredLedger) -> None:
    """A member's enrolments and accumulators, each accumulator with the claims (entries) behind it."""
    store = open_ledger(ledger)
    try:
        found = store.member_accumulators(member)
    finally:
        store.close()
    if found is None:
        err.print(f"error: no member {member!r} in the ledger", markup=False)
        raise typer.Exit(1)
    out.print(f"person {found.person} (known as {', '.join(found.aliases)})", markup=False, highlight=False)
    if found.enrolments:
        enrolled = Table(title="enrolments (as first stated)")
        for column in ("plan", "from", "to", "units", "fee paid", "label"):
            enrolled.add_column(column, overflow="fold")
        for e in found.enrolments:
            units = str(e.units) if e.units is not None else f"tier {e.tier}" if e.tier is not None else ""
            fee = str(e.fee_paid) + (" (gift)" if e.source == "gift" else "")
            enrolled.add_row(e.plan, e.term_start, e.term_end, units, fee, e.label)
        out.print(enrolled)
    table = Table(show_lines=False)
    for column in ("plan", "term", "benefit", "measure", "scope", "value", "claims: before → after"):
        table.add_column(column)
    for row in found.accumulators:
        key = row.key
        behind = "\n".join(f"{e.claim_id} v{e.version}: {e.before} → {e.after}" for e in row.entries)
        table.add_row(key.plan or "(member)", key.term or "life", key.benefit, key.measure, key.scope or "", str(row.value), behind)
    out.print(table)


@ledger_app.command("show-claim")
def show_claim(claim: str = typer.Argument(..., help="claim id"), ledger: str = RequiredLedger,
               json_out: bool = typer.Option(False, "--json", help="print each version's decision JSON, one per line")) -> None:
    """Every version of a claim's decision, oldest first."""
    store = open_ledger(ledger)
    try:
        versions = store.claim_versions(claim)
    finally:
        store.close()
    if not versions:
        err.print(f"error: no claim {claim!r} in the ledger", markup=False)
        raise typer.Exit(1)
    if json_out:
        for version in versions:
            sys.stdout.write(version.decision_json + "\n")
        return
    table = Table()
    for column in ("version", "status", "total", "decided at", "payload SHA-256", "plans", "engine"):
        table.add_column(column)
    for v in versions:
        plans = ", ".join(f"{p['plan']} {p['revision']} ({p['hash'][:12]})" for p in v.plan_revisions)
        table.add_row(str(v.version), v.status, f"{v.total:.2f}", v.decided_at.isoformat(timespec="seconds"),
                      v.payload_sha256[:16] + "…", plans, v.engine_version)
    out.print(table)


@ledger_app.command("verify")
def verify(ledger: str = RequiredLedger) -> None:
    """Recompute every accumulator from its append-only entries and report any drift (exit 1)."""
    store = open_ledger(ledger)
    try:
        drift = store.verify()
    finally:
        store.close()
    for item in drift:
        err.print(f"drift: {item.key.label()}: stored {item.stored}, entries sum to {item.from_entries}", markup=False)
    if drift:
        raise typer.Exit(1)
    out.print("ledger verified: every accumulator equals the sum of its entries")


@ledger_app.command("export")
def export(ledger: str = RequiredLedger,
           output: Optional[Path] = typer.Option(None, "--out", "-o", help="write the JSONL here instead of stdout")) -> None:
    """Every stored decision (each version) as JSON lines, in the order recorded."""
    store = open_ledger(ledger)
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for line in store.export():
            sink.write(line + "\n")
    finally:
        store.close()
        if output:
            sink.close()
