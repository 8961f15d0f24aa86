"""`adjudicator ledger init | upgrade | show-member | show-claim | verify | export`: the
persistent ledger, and the --ledger option `adjudicate` shares."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from engine.cli.common import PlansOption, RulesOption, app, err, out
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


# -- corrections and appeals --------------------------------------------------------------------

ByOption = typer.Option(None, "--by", envvar="ADJUDICATOR_USER", help="who makes the correction, for the audit trail "
                        "(default: the login name)")
ReasonOption = typer.Option(..., "--reason", help="why, for the audit trail (required)")


def _actor(by: Optional[str]) -> str:
    if by:
        return by
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without one): the caller must say
        err.print("error: give --by NAME: who makes the correction is recorded", markup=False)
        raise typer.Exit(2)


@ledger_app.command("void")
def void(claim: str = typer.Argument(..., help="claim id"), reason: str = ReasonOption, by: Optional[str] = ByOption,
         ledger: str = RequiredLedger) -> None:
    """Void a claim: a new version `void` with entries reversing what it added to the member's
    accumulators (nothing is edited or deleted), and a row in the audit trail."""
    from engine.store.corrections import void_claim

    store = open_ledger(ledger)
    try:
        result = void_claim(store, claim, reason, _actor(by))
    except EngineError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1)
    finally:
        store.close()
    out.print(f"claim {result.claim_id} voided: version {result.version} voids version {result.voided_version}", markup=False)
    for key, amount in sorted(result.reversed.items(), key=lambda kv: kv[0].label()):
        out.print(f"  {key.label(member=False)}: −{amount}", markup=False, highlight=False)
    if result.later_claims:
        out.print(f"{len(result.later_claims)} later claim(s) of this member were decided on a history that held it: "
                  f"{', '.join(result.later_claims)}; `adjudicator ledger readjudicate MEMBER` decides them again",
                  markup=False, highlight=False)


@ledger_app.command("readjudicate")
def readjudicate_command(
    member: str = typer.Argument(..., help="member id or resident ID number"),
    reason: str = ReasonOption,
    by: Optional[str] = ByOption,
    claim: list[str] = typer.Option([], "--claim", help="an appealed claim, decided again (a void one is reinstated); repeatable"),
    evidence: Optional[Path] = typer.Option(None, "--evidence", help="the appealed claim with its new evidence (.json); needs one --claim"),
    start: Optional[str] = typer.Option(None, "--from", help="decide again from this claim on (default: the earliest void or appealed claim)"),
    yes: bool = typer.Option(False, "--yes", help="record the differences without asking"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show the differences and record nothing"),
    json_out: bool = typer.Option(False, "--json", help="print each new decision as a JSON line"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
    ledger: str = RequiredLedger,
) -> None:
    """Decide a member's claims again, in the order they were recorded, on the corrected
    history; show the differences as the revision diff does; record them (each a new version,
    the old kept, one transaction) only when confirmed. Exit 0 when recorded or nothing
    changed, 1 on an error, 3 when not confirmed."""
    import json

    from engine.cli.common import load_adjudicator
    from engine.store.corrections import readjudicate

    appeals: dict = {name: None for name in claim}
    if evidence is not None:
        if len(claim) != 1:
            err.print("error: --evidence needs exactly one --claim: the claim it is the new evidence of", markup=False)
            raise typer.Exit(2)
        try:
            appeals[claim[0]] = json.loads(evidence.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            err.print(f"error: {evidence}: {error}", markup=False)
            raise typer.Exit(2)
    actor = _actor(by)
    adjudicator = load_adjudicator(plans, rules)
    store = open_ledger(ledger)
    try:
        preview = readjudicate(store, adjudicator, member, reason=reason, actor=actor, appeals=appeals, start=start)
        print_readjudication(preview)
        if not preview.changed:
            out.print("nothing changed: nothing to record")
            return
        if dry_run:
            raise typer.Exit(0)
        if not yes and not typer.confirm(f"record {len(preview.changed)} new decision version(s)?", default=False, err=True):
            err.print("not recorded", markup=False)
            raise typer.Exit(3)
        done = readjudicate(store, adjudicator, member, reason=reason, actor=actor, appeals=appeals, start=start,
                            record=True, expected=preview.digest)
    except EngineError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1)
    finally:
        store.close()
    for rerun in done.changed:
        out.print(f"{rerun.claim_id}: version {rerun.version} recorded ({rerun.action})", markup=False, highlight=False)
        if json_out:
            sys.stdout.write(rerun.new_decision_json + "\n")


def print_readjudication(outcome) -> None:
    """The differences, as the revision diff shows them: recorded → decided again."""
    from engine.diff import Summary, compare
    from engine.diff_report import print_terminal
    from engine.store.corrections import as_decision

    summary = Summary()
    for rerun in outcome.reruns:
        compare(as_decision(rerun.old.decision_json), as_decision(rerun.new_decision_json), summary, top=50)
    print_terminal(out, summary, "as recorded", "decided again")
    for rerun in outcome.reruns:
        if rerun.changed and not (rerun.old.status != rerun.new_status or rerun.old.total != rerun.new_total):
            out.print(f"{rerun.claim_id}: same outcome, its explanation or accumulators changed (a new version)",
                      markup=False, highlight=False)


@ledger_app.command("audit")
def audit(member: Optional[str] = typer.Option(None, "--member", help="one member's corrections"),
          claim: Optional[str] = typer.Option(None, "--claim", help="one claim's corrections"),
          ledger: str = RequiredLedger) -> None:
    """The audit trail: every void, appeal and re-adjudication, who made it and why, oldest first."""
    from engine.store.corrections import audit_trail

    store = open_ledger(ledger)
    try:
        rows = audit_trail(store, member=member, claim=claim)
    except EngineError as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1)
    finally:
        store.close()
    table = Table()
    for column in ("when", "who", "action", "claim", "version", "before → after", "why"):
        table.add_column(column)
    for row in rows:
        d = row.details
        table.add_row(row.recorded_at.isoformat(timespec="seconds"), row.actor, row.action, row.claim_key, str(row.version),
                      f"{d.get('status_before')} {d.get('total_before')} → {d.get('status_after')} {d.get('total_after')}",
                      row.reason)
    out.print(table)
