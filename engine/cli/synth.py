"""`adjudicator synth`: deterministic synthetic claims corpora."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import PlansOption, RulesOption, app, err, fail, load_adjudicator, out
from engine.output import OutputError, atomic_file

@app.command()
def synth(
    output: Path = typer.Option(..., "--out", "-o", help="file to write: JSONL, or Parquet (one claim as JSON per row)"),
    claims: int = typer.Option(10_000, "--claims", help="at least this many claims"),
    seed: int = typer.Option(1, "--seed", help="the same seed always gives the same corpus"),
    corpus: str = typer.Option("mixed", "--corpus", help="mixed, hospital, diagnosis, accident or multi-plan"),
    format: str = typer.Option("", "--format", help="jsonl or parquet (default: from --out's suffix, else jsonl)"),
    year: list[str] = typer.Option([], "--year", help="terms starting in this year (2025) or these years (2024-2026); "
                                   "repeatable. Claims are drawn from plans/ and rules/ as loaded"),
    focus: Optional[str] = typer.Option(None, "--focus", help="PLAN or PLAN/REVISION: exercise that plan (revision) only, "
                                        "and fill the corpus with claims holding it"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
) -> None:
    """Write a deterministic synthetic claims corpus: members with a realistic mix of age, gender,
    office and insurance, enrolments and renewals, stays with log-normal costs, listed and
    unlisted diagnoses, accidents, and bad-luck runs that reach caps. Each member's claims are
    written together, in date order.

    With --year or --focus, the corpus is drawn from plans/ and rules/ as loaded: for every year
    and every plan revision in force for terms starting that year, each entry of each disease
    list in force (findings stated to meet, to miss and left unstated), each exclusion clause and
    each circumstance code; then the mixed corpus moved to those years, with the fees each
    revision charges."""
    from engine.synthetic import CORPORA, generate_mixed, generate

    if corpus not in (*CORPORA, "mixed"):
        err.print(f"error: unknown corpus {corpus!r}; expected mixed, {', '.join(CORPORA)}", markup=False)
        raise typer.Exit(1)
    kind = format or ("parquet" if output.suffix == ".parquet" else "jsonl")
    if kind not in ("jsonl", "parquet"):
        err.print(f"error: unknown format {format!r}; expected jsonl or parquet", markup=False)
        raise typer.Exit(1)
    if year or focus:
        from engine.synth_rules import focus_years, generate_for_rules, parse_years

        adjudicator = load_adjudicator(plans, rules, "python")
        try:
            years = parse_years(year) if year else focus_years(adjudicator, focus)
            if focus:
                focus_years(adjudicator, focus)  # an unknown plan or revision is an error, not an empty corpus
        except ValueError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(1)
        blocks = generate_for_rules(adjudicator, claims, seed, years, focus)
    else:
        blocks = generate_mixed(claims, seed) if corpus == "mixed" else generate(claims, seed, corpus)
    written = 0
    try:
        if kind == "parquet":
            from engine.columnar import write_claims

            with atomic_file(output, encoding=None) as sink:
                written = write_claims(sink, (claim for block in blocks for claim in block))
        else:
            with atomic_file(output) as sink:
                for block in blocks:
                    for claim in block:
                        sink.write(json.dumps(claim, ensure_ascii=False) + "\n")
                        written += 1
    except OutputError as error:
        fail(error)
    out.print(f"wrote {written:,} claims to {output}")
