"""Command line: `adjudicator adjudicate | check | test | diff | synth | schema`, a thin shell
over the API. One module per command (or group of commands); this one holds the Typer app and
what every command shares (consoles, plan loading, common options)."""

from __future__ import annotations

import gc
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from engine.api import Adjudicator
from engine.errors import PlanError, RuleEvaluationError
from engine.hints import with_hints

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Benefit adjudicator for workers' mutual-aid plans (职工互助保障).")
out = Console()
err = Console(stderr=True, soft_wrap=True)  # errors stay one line each, for grep and editors

PlansOption = typer.Option(Path("plans"), "--plans", help="folder of plan revisions")
RulesOption = typer.Option(Path("rules"), "--rules", help="folder of shared rule libraries")


def fail(error: Exception) -> NoReturn:
    """Print an error the command cannot go on after (one line per located issue) and exit 1."""
    for issue in getattr(error, "issues", None) or [error]:
        err.print(f"error: {issue}", markup=False, highlight=False)
    raise typer.Exit(1)


class Evaluator(str, Enum):
    durable = "durable"
    generated = "generated"
    python = "python"


def load_adjudicator(plans: Path, rules: Path, evaluator: str = "durable") -> Adjudicator:
    """Load and compile the plans, or print every located issue and exit 1."""
    try:
        adjudicator = Adjudicator.load(plans, rules, evaluator)
    except PlanError as error:
        for issue in with_hints(error.issues):
            err.print(f"error: {issue}", markup=False, highlight=False)
        raise typer.Exit(1)
    except RuleEvaluationError as error:
        err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(1)
    gc.freeze()  # loaded plans live as long as the process: keep them out of every GC pass
    return adjudicator
