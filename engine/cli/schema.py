"""`adjudicator schema`: JSON Schemas of plans, libraries, claims, decisions and cases."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.common import app, out

@app.command()
def schema(output: Path = typer.Option(Path("schemas"), "--out", help="folder to write the JSON Schemas to")) -> None:
    """Write JSON Schemas for plans, rule libraries, claims and decisions."""
    from engine.schemas import write_schemas

    for path in write_schemas(output):
        out.print(f"wrote {path}")
