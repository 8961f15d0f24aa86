"""`adjudicator notice`: a decision notice (理赔决定通知书) per claim, as printable HTML and PDF."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import PlansOption, RulesOption, app, err, load_adjudicator, out
from engine.cli.office_common import ClaimsArgument, LedgerSource, OfficeNameOption, decided_claims, office_names, write


def file_stem(claim_id: str) -> str:
    """A file name for a claim id: its safe characters, plus a short hash when any were replaced
    (so two ids never share a file)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", claim_id).strip("._") or "claim"
    if safe != claim_id:
        safe += "-" + hashlib.sha256(claim_id.encode()).hexdigest()[:8]
    return safe[:120]


@app.command()
def notice(
    claims: Optional[Path] = ClaimsArgument,
    output: Path = typer.Option(..., "--out", help="folder for the notices (one file per claim)"),
    claim: list[str] = typer.Option([], "--claim", help="only these claim ids (repeatable); default: every claim"),
    office_name: list[str] = OfficeNameOption,
    objection_days: Optional[int] = typer.Option(None, "--objection-days", min=1, help="days the member has to object, if the office sets a limit"),
    pdf: bool = typer.Option(False, "--pdf", help="also print each notice to PDF (headless Chromium)"),
    ledger: Optional[str] = LedgerSource,
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Write a printable Chinese decision notice per claim: what each plan and benefit paid in
    yuan, what was not paid and why (the clause's text), what evidence is missing, how to
    object. No internal ids appear on it. Files are named after the claim id."""
    from engine.office.browser import BrowserUnavailable, pdf_pages
    from engine.office.notice import build_notice, notice_html, plan_titles

    adjudicator = load_adjudicator(plans, rules)
    names = office_names(office_name, adjudicator)
    titles = plan_titles(adjudicator)
    decided = decided_claims(adjudicator, claims, ledger)
    decided = [item for item in decided if not item.voided]  # a void claim stands decided by nothing
    if claim:
        wanted = set(claim)
        decided = [item for item in decided if item.decision.claim_id in wanted]
        missing = wanted - {item.decision.claim_id for item in decided}
        if missing:
            err.print(f"error: no decided claim {', '.join(sorted(missing))} in {claims or ledger}", markup=False)
            raise typer.Exit(2)
    pages = []
    for item in decided:
        view = build_notice(item, titles, adjudicator.library, names.get(item.claim.member.office), objection_days)
        pages.append((file_stem(item.decision.claim_id), notice_html(view)))
        write(output / f"{pages[-1][0]}.html", pages[-1][1])
    if pdf:
        try:
            for (stem, _), document in zip(pages, pdf_pages([html for _, html in pages])):
                write(output / f"{stem}.pdf", document)
        except BrowserUnavailable as error:
            err.print(f"error: --pdf: {error}", markup=False)
            raise typer.Exit(2)
    out.print(f"wrote {len(pages)} notice{'s' if len(pages) != 1 else ''}{' (HTML and PDF)' if pdf else ''} to {output}")
