"""The public Python API: load plans once, adjudicate one claim or a sequence.

    adjudicator = Adjudicator.load("plans", "rules")
    result = adjudicator.adjudicate(claim)                 # no history
    for result in adjudicator.adjudicate_many(claims, MemoryLedger()):
        ...                                                # each sees the ones before it

Rule evaluation is batched: the facts of a chunk of claims go through durable_rules together
(rules never depend on history), then decisions are made one claim at a time, in order, on the
ledger as the previous claims left it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from engine.adjudicate import Target, decide
from engine.claims import claim_id_of, parse_claim
from engine.errors import ClaimError, Issue, LedgerError, RuleEvaluationError
from engine.facts import build_fact
from engine.icd import is_code, normalise_code
from engine.ledger import Change, EmptyHistory, History, MemoryLedger
from engine.loader import load_library, load_plans
from engine.model.claim import Claim
from engine.model.decision import ClaimFailure, Decision, SkippedEnrolment
from engine.rules.compiler import CompiledPlan, RuleLibrary
from engine.terms import continuity, covers

CHUNK = 400


@dataclass(frozen=True)
class AdjudicationResult:
    decision: Decision
    changes: list[Change]

    def to_json(self) -> str:
        return self.decision.to_json()


def make_evaluator(name: str):
    if name == "durable":
        from engine.rules.durable import DurableEvaluator

        return DurableEvaluator()
    if name == "python":
        from engine.rules.python_eval import PythonEvaluator

        return PythonEvaluator()
    raise ValueError(f"unknown evaluator {name!r}; expected durable or python")


@contextmanager
def _collector_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Adjudicator:
    def __init__(self, plans: list[CompiledPlan], library: RuleLibrary, evaluator: str = "durable"):
        self.library = library
        self.evaluator = make_evaluator(evaluator)
        self.revisions: dict[str, list[CompiledPlan]] = {}
        for plan in plans:
            self.revisions.setdefault(plan.plan.plan, []).append(plan)
            self.evaluator.prepare(plan)
        for revisions in self.revisions.values():
            revisions.sort(key=lambda p: p.plan.effective_from)

    @classmethod
    def load(cls, plans_dir: Path | str = "plans", rules_dir: Path | str = "rules", evaluator: str = "durable") -> "Adjudicator":
        library = load_library(rules_dir)
        return cls(load_plans(plans_dir, library), library, evaluator)

    # -- one claim -------------------------------------------------------------------------

    def adjudicate(self, claim: Any, history: History | None = None) -> AdjudicationResult:
        """Adjudicate one claim on `history` (empty by default). Records nothing: apply the
        returned changes to a ledger to make them count."""
        claim = self.check_claim(parse_claim(claim))
        history = history or EmptyHistory()
        if history.has_claim(claim.claim_id):
            raise LedgerError(f"claim {claim.claim_id!r} is already in the history; it is not adjudicated again")
        targets, skipped = self.targets(claim)
        fired = self._evaluate([(claim, targets)])[0]
        if isinstance(fired, RuleEvaluationError):
            raise fired
        decision, changes = decide(claim, targets, fired, skipped, history)
        return AdjudicationResult(decision, changes)

    # -- a sequence ------------------------------------------------------------------------

    def adjudicate_many(
        self, claims: Iterable[Any], ledger: MemoryLedger | None = None, chunk: int = CHUNK
    ) -> Iterator[AdjudicationResult | ClaimFailure]:
        """Adjudicate claims in order, each on the history the earlier ones left in `ledger`,
        and record each in it. A claim that fails validation, evaluation or recording yields
        a `ClaimFailure` and changes nothing; the others go on."""
        ledger = ledger if ledger is not None else MemoryLedger()
        batch: list[Any] = []
        for raw in claims:
            batch.append(raw)
            if len(batch) >= chunk:
                yield from self._adjudicate_chunk(batch, ledger)
                batch = []
        if batch:
            yield from self._adjudicate_chunk(batch, ledger)

    def _adjudicate_chunk(self, raws: list[Any], ledger: MemoryLedger) -> Iterator[AdjudicationResult | ClaimFailure]:
        """Validate and evaluate the chunk's rules in one batch, then decide, record and yield
        one claim at a time, so that a caller who stops early has recorded exactly what it got.

        The engine makes thousands of short-lived, acyclic objects per chunk (freed by reference
        counting); the cyclic collector walking them cost a third of the time, so it is paused
        while the engine works and restored before each yield."""
        with _collector_paused():
            prepared = [self._prepare(raw) for raw in raws]
            ready = [item for item in prepared if not isinstance(item, ClaimFailure)]
            fired_iter = iter(self._evaluate([(claim, targets) for claim, targets, _ in ready]))
        for item in prepared:
            if isinstance(item, ClaimFailure):
                yield item
                continue
            with _collector_paused():
                outcome = self._decide_and_record(item, next(fired_iter), ledger)
            yield outcome

    def _prepare(self, raw: Any) -> tuple[Claim, list[Target], list[SkippedEnrolment]] | ClaimFailure:
        try:
            claim = self.check_claim(parse_claim(raw))
            targets, skipped = self.targets(claim)
            return claim, targets, skipped
        except ClaimError as error:
            return ClaimFailure(claim_id=claim_id_of(raw), errors=[str(issue) for issue in error.issues])

    def _decide_and_record(self, item, fired, ledger: MemoryLedger) -> AdjudicationResult | ClaimFailure:
        claim, targets, skipped = item
        if isinstance(fired, RuleEvaluationError):
            return ClaimFailure(claim_id=claim.claim_id, errors=[f"rule evaluation failed: {fired}"])
        if ledger.has_claim(claim.claim_id):
            return ClaimFailure(claim_id=claim.claim_id, errors=[f"claim {claim.claim_id!r} was already adjudicated; it is not paid twice"])
        decision, changes = decide(claim, targets, fired, skipped, ledger)
        try:
            ledger.apply(claim.claim_id, changes)
        except LedgerError as error:
            return ClaimFailure(claim_id=claim.claim_id, errors=[str(error)])
        return AdjudicationResult(decision, changes)

    # -- shared steps ----------------------------------------------------------------------

    def _evaluate(self, items: list[tuple[Claim, list[Target]]]) -> list[list[frozenset[str]] | RuleEvaluationError]:
        """Evaluate every target of every claim in one batch; per claim, a list of fired-rule
        sets (one per target) or the error that stopped its evaluation."""
        requests = []
        for claim, targets in items:
            for target in targets:
                fact = build_fact(claim, target.enrolment, target.plan, target.renewal, target.first_continuous_start)
                requests.append((target.plan, fact))
        answers = iter(self.evaluator.evaluate(requests))
        results: list = []
        for _, targets in items:
            fired = [next(answers) for _ in targets]
            error = next((f for f in fired if isinstance(f, RuleEvaluationError)), None)
            results.append(error if error else fired)
        return results

    def targets(self, claim: Claim) -> tuple[list[Target], list[SkippedEnrolment]]:
        """The enrolments that cover the event (term and event kind), with the plan revision
        in force on each one's start; the others are listed as skipped. Earlier terms, listed
        only to show continuity, need no revision of their own."""
        targets, skipped, issues = [], [], []
        for index, enrolment in enumerate(claim.enrolments):
            if not covers(enrolment, claim.event.date):
                skipped.append(SkippedEnrolment(enrolment_id=enrolment.enrolment_id, plan=enrolment.plan, reason="outside_term"))
                continue
            where = f"$.enrolments[{index}]"
            try:
                revision = self.revision_for(enrolment)
            except LookupError:
                wanted = f"revision {enrolment.revision!r}" if enrolment.revision else f"revision in force on {enrolment.start}"
                issues.append(Issue(f"plan {enrolment.plan!r} has no {wanted}", f"{where}.{'revision' if enrolment.revision else 'start'}"))
                continue
            issues.extend(_unit_issues(revision.plan, enrolment, where))
            if claim.event.kind not in revision.plan.events:
                skipped.append(SkippedEnrolment(enrolment_id=enrolment.enrolment_id, plan=enrolment.plan, reason="event_not_covered"))
            else:
                renewal, first_start = continuity(enrolment, claim.enrolments)
                targets.append(Target(enrolment, revision, renewal, first_start))
        if issues:
            raise ClaimError(issues)
        return targets, skipped

    def revision_for(self, enrolment) -> CompiledPlan:
        """The revision pinned by the enrolment, or the one in force on its start."""
        for plan in reversed(self.revisions[enrolment.plan]):
            if enrolment.revision is not None:
                if plan.plan.revision == enrolment.revision:
                    return plan
                continue
            if plan.plan.effective_from <= enrolment.start and (plan.plan.effective_to is None or enrolment.start <= plan.plan.effective_to):
                return plan
        raise LookupError(enrolment.plan)

    def check_claim(self, claim: Claim) -> Claim:
        """Checks that need the loaded plans and rules; every problem with its JSON path."""
        issues: list[Issue] = []
        seen_ids: set[str] = set()
        for index, enrolment in enumerate(claim.enrolments):
            for other in claim.enrolments[:index]:
                if other.plan == enrolment.plan and other.start <= enrolment.end and enrolment.start <= other.end:
                    issues.append(Issue(
                        f"term {enrolment.start}..{enrolment.end} overlaps enrolment {other.enrolment_id!r} of the same plan "
                        "(one member holds a plan once per term)", f"$.enrolments[{index}]"))
            if enrolment.enrolment_id in seen_ids:
                issues.append(Issue(f"enrolment_id {enrolment.enrolment_id!r} is listed twice", f"$.enrolments[{index}].enrolment_id"))
            seen_ids.add(enrolment.enrolment_id)
            if enrolment.plan not in self.revisions:
                issues.append(Issue(f"unknown plan {enrolment.plan!r}; known: {', '.join(sorted(self.revisions))}", f"$.enrolments[{index}].plan"))
        for index, code in enumerate(claim.event.circumstances):
            if code not in self.library.circumstances:
                issues.append(Issue(f"unknown circumstance {code!r}; see rules/circumstances.yaml", f"$.event.circumstances[{index}]"))
        for index, diagnosis in enumerate(claim.event.diagnoses):
            if not is_code(normalise_code(diagnosis.code)):
                issues.append(Issue(f"{diagnosis.code!r} is not an ICD-10 code (expected e.g. C50.9)", f"$.event.diagnoses[{index}].code"))
        if issues:
            raise ClaimError(issues)
        return claim


def _unit_issues(plan, enrolment, where: str) -> list[Issue]:
    if plan.units is None:
        return []
    if enrolment.units is None:
        return [Issue(f"plan {plan.plan} is bought in units: units is required", f"{where}.units")]
    if not plan.units.min <= enrolment.units <= plan.units.max:
        return [Issue(f"plan {plan.plan} takes {plan.units.min} to {plan.units.max} units, got {enrolment.units}", f"{where}.units")]
    return []
