"""The `adjudicator` command. Each command lives in its own module of this package; importing
them registers them on the one Typer app."""

from engine.cli.common import app
from engine.cli import adjudicate, check, diff, synth, cases, schema, revise, case  # noqa: F401  (registers the commands)
from engine.cli import enrol, publicity, notice, report  # noqa: F401  (union office operations)
from engine.cli import ledger  # noqa: F401  (the persistent ledger)
from engine.cli import serve  # noqa: F401  (the HTTP service)

__all__ = ["app"]
