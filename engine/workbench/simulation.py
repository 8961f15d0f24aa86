"""Trying a claim in the browser: its decision under the plans in force and, with what-if
overrides, under the changed plans beside it; and the same claim saved as a YAML test case.

Nothing is recorded. With a ledger and "use the member's history", both sides decide on the
member's recorded history, as `POST /v1/simulations` does; otherwise on an empty history, as a
test case does. What-if plans are built by the test-case runner (`engine.testcases`), so the
simulator and `adjudicator test` can never disagree about what an override means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.api import Adjudicator
from engine.errors import ClaimError, LedgerError, PlanError, RuleEvaluationError
from engine.expectations import fresh
from engine.ledger import MemoryLedger
from engine.model.decision import ClaimFailure, Decision
from engine.newcase import case_text, with_dates
from engine.testcases import with_overrides

CASE_HEADER = ("# yaml-language-server: $schema=../../schemas/cases.schema.json\n"
               "# A case saved from the workbench's simulator; run it with `adjudicator test FILE`.\n"
               "cases:\n")


@dataclass
class Outcome:
    label: str
    decision: Decision | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal | None:
        return self.decision.total if self.decision else None


def _decide(adjudicator: Adjudicator, raw: Any, store, use_history: bool) -> tuple[Decision | None, list[str]]:
    try:
        if use_history and store is not None:
            return store.simulate(adjudicator, raw).decision, []
        return adjudicator.adjudicate(raw).decision, []
    except ClaimError as error:
        return None, [str(issue) for issue in error.issues]
    except (LedgerError, RuleEvaluationError) as error:
        return None, [str(error)]


def what_if(adjudicator: Adjudicator, overrides: list[dict]) -> Adjudicator:
    """The plans in force with the overrides applied; PlanError or ValueError says why not."""
    return with_overrides(adjudicator, overrides)


def simulate(adjudicator: Adjudicator, raw: Any, overrides: list[dict], store=None, use_history: bool = False) -> list[Outcome]:
    decision, errors = _decide(adjudicator, raw, store, use_history)
    outcomes = [Outcome("生效方案", decision, errors)]
    if overrides:
        try:
            changed = what_if(adjudicator, overrides)
        except (PlanError, ValueError) as error:
            issues = error.issues if isinstance(error, PlanError) else [error]
            outcomes.append(Outcome("假设方案", None, [f"what-if: {issue}" for issue in issues]))
        else:
            decision, errors = _decide(changed, raw, store, use_history)
            outcomes.append(Outcome("假设方案", decision, errors))
    return outcomes


def case_yaml(adjudicator: Adjudicator, raw: dict, overrides: list[dict], name: str) -> str:
    """The claim as a YAML test case whose expectation is its decision now (under the what-if
    plans when there are overrides), on an empty history as `adjudicator test` runs it."""
    deciding = what_if(adjudicator, overrides) if overrides else adjudicator
    outcome = list(deciding.adjudicate_many([raw], MemoryLedger()))[0]
    outcome = outcome if isinstance(outcome, ClaimFailure) else outcome.decision
    summary = "fails validation" if isinstance(outcome, ClaimFailure) else f"{outcome.status} {outcome.total:,.2f}"
    description = (f"Saved from the workbench simulator on {dt.date.today().isoformat()} ({summary}"
                   + (", under the what-if overrides below" if overrides else "") + "). The expectation is what the "
                   "plans decided then, not a hand computation: check it against the catalogue and write the computation here.")
    claim = {key: value for key, value in raw.items() if key not in ("member", "enrolments")}
    case: dict[str, Any] = {"name": name, "description": description, "member": raw.get("member"),
                            "enrolments": raw.get("enrolments")}
    if overrides:
        case["overrides"] = overrides
    case["claims"] = [{**claim, "expect": fresh(outcome)}]
    return CASE_HEADER + case_text(with_dates(case), 2)
