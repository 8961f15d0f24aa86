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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from engine.adjudicate import Firing, decide
from engine.claims import claim_id_of, locate_issues, parse_claim
from engine.planset import PlanSet
from engine.errors import ClaimError, Issue, LedgerError, RuleEvaluationError, quoted
from engine.facts import build_diagnosis_facts, build_fact
from engine.events import events_key, events_of_claim
from engine.identity import claim_key, enrolments_of_claim, resolve_person
from engine.ledger import Change, EmptyHistory, History, Ledger, MemoryLedger, Recording
from engine.loader import load_library, load_plans
from engine.model.claim import Claim
from engine.model.decision import ClaimFailure, Decision, SkippedEnrolment
from engine.rules.compiler import CompiledPlan, RuleLibrary
from engine.terms import Target

CHUNK = 400
STALE_RETRIES = 8  # decisions made again when another writer changed what a claim read


@dataclass(frozen=True)
class AdjudicationResult:
    decision: Decision
    changes: list[Change]
    recording: Recording | None = None  # the person, new aliases and events to record with the changes

    def to_json(self) -> str:
        return self.decision.to_json()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked claim whose rules were evaluated: it only waits for history to be decided."""

    claim: Claim
    targets: list[Target]
    skipped: list[SkippedEnrolment]
    fired: list[Firing]


def make_evaluator(name: str):
    if name == "durable":
        from engine.rules.durable import DurableEvaluator

        return DurableEvaluator()
    if name == "python":
        from engine.rules.python_eval import PythonEvaluator

        return PythonEvaluator()
    if name == "generated":
        from engine.rules.generated import GeneratedEvaluator

        return GeneratedEvaluator()
    raise ValueError(f"unknown evaluator {name!r}; expected durable, generated or python")


INTERNAL_ERROR = "internal error (a defect of the adjudicator; nothing was recorded for this claim)"


def internal_error(error: Exception) -> str:
    """The failure message of a claim that met a defect: what a partner reports back."""
    return f"{INTERNAL_ERROR}: {type(error).__name__}: {quoted(str(error), 200)}"


class _CollectorPaused:
    """Pause the cyclic garbage collector for a block, restoring the caller's setting. A class,
    not a generator-based context manager: it is entered once per claim."""

    __slots__ = ("was_enabled",)

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info):
        if self.was_enabled:
            gc.enable()


class Adjudicator:
    def __init__(self, plans: list[CompiledPlan], library: RuleLibrary, evaluator: str = "durable"):
        self.sources: tuple[Path, Path] | None = None  # (plans, rules) folders when loaded from files
        self.evaluator_name = evaluator
        self.plans = PlanSet(plans, library)
        self.evaluator = make_evaluator(evaluator)
        for plan in self.plans.compiled():
            self.evaluator.prepare(plan)  # compile every ruleset now, not on the first claim

    @property
    def revisions(self) -> dict[str, list[CompiledPlan]]:
        """Plan id -> its revisions, oldest first."""
        return self.plans.revisions

    @property
    def library(self) -> RuleLibrary:
        return self.plans.library

    def check_claim(self, claim: Claim) -> Claim:
        return self.plans.check_claim(claim)

    def targets(self, claim: Claim) -> tuple[list[Target], list[SkippedEnrolment]]:
        return self.plans.targets(claim)

    @classmethod
    def load(cls, plans_dir: Path | str = "plans", rules_dir: Path | str = "rules", evaluator: str = "durable") -> "Adjudicator":
        library = load_library(rules_dir)
        adjudicator = cls(load_plans(plans_dir, library), library, evaluator)
        adjudicator.sources = (Path(plans_dir), Path(rules_dir))
        return adjudicator

    # -- one claim -------------------------------------------------------------------------

    def adjudicate(self, claim: Any, history: History | None = None) -> AdjudicationResult:
        """Adjudicate one claim on `history` (empty by default). Records nothing: apply the
        returned changes to a ledger to make them count."""
        claim = self.check_claim(parse_claim(claim))
        history = EmptyHistory() if history is None else history
        if history.has_claim(claim_key(claim.claim_id)):
            raise LedgerError(f"claim {claim.claim_id!r} is already in the history; it is not adjudicated again")
        targets, skipped = self.targets(claim)
        fired = self._evaluate([(claim, targets)])[0]
        if isinstance(fired, RuleEvaluationError):
            raise fired
        return self.decide(claim, targets, skipped, fired, history)

    def decide(self, claim: Claim, targets: list[Target], skipped: list[SkippedEnrolment], fired,
               history: History, explain: bool = True) -> AdjudicationResult:
        """The decision on `history` for a checked claim whose rules were evaluated: the person
        is resolved from history (raises ClaimError when its ids contradict it), and the
        result carries what recording it adds."""
        person, aliases = resolve_person(claim.member, history)
        decision, changes = decide(claim, targets, fired, skipped, history, person, explain)
        events = events_of_claim(claim) if any(change.key == events_key(person) for change in decision.accumulator_changes) else ()
        return AdjudicationResult(decision, changes, Recording(person, aliases, events, enrolments_of_claim(claim)))

    # -- a sequence ------------------------------------------------------------------------

    def adjudicate_many(
        self, claims: Iterable[Any], ledger: Ledger | None = None, chunk: int = CHUNK, explain: bool = True
    ) -> Iterator[AdjudicationResult | ClaimFailure]:
        """Adjudicate claims in order, each on the history the earlier ones left in `ledger`,
        and record each in it. A claim that fails validation, evaluation or recording yields
        a `ClaimFailure` and changes nothing; the others go on. `explain=False`: amounts-only
        decisions (engine.outcome), explained on demand with `engine.outcome.explained`."""
        ledger = ledger if ledger is not None else MemoryLedger()
        batch: list[Any] = []
        for raw in claims:
            batch.append(raw)
            if len(batch) >= chunk:
                yield from self._adjudicate_chunk(batch, ledger, explain)
                batch = []
        if batch:
            yield from self._adjudicate_chunk(batch, ledger, explain)

    def _adjudicate_chunk(self, raws: list[Any], ledger: Ledger, explain: bool = True) -> Iterator[AdjudicationResult | ClaimFailure]:
        """Validate and evaluate the chunk's rules in one batch, then decide, record and yield
        one claim at a time, so that a caller who stops early has recorded exactly what it got.

        The engine makes thousands of short-lived, acyclic objects per chunk (freed by reference
        counting); the cyclic collector walking them cost a third of the time, so it is paused
        while the engine works and restored before each yield."""
        with _CollectorPaused():
            prepared = [self._prepare(raw) for raw in raws]
            ready = [item for item in prepared if not isinstance(item, ClaimFailure)]
            fired_iter = iter(self._evaluate([(claim, targets) for claim, targets, _ in ready]))
        for item in prepared:
            if isinstance(item, ClaimFailure):
                yield item
                continue
            with _CollectorPaused():
                outcome = self._decide_and_record(item, next(fired_iter), ledger, explain)
            yield outcome

    def prepare_many(self, raws: list[Any]) -> list["Prepared | ClaimError | RuleEvaluationError"]:
        """Validate claims and evaluate their rules in one batch, before any history is read:
        what a ledger-backed caller (engine.store) decides on its own history afterwards. A
        claim that cannot be adjudicated comes back as its error, with `claim_id` set (None
        when the claim did not say)."""
        with _CollectorPaused():
            checked: list = []
            for raw in raws:
                try:
                    claim = self.check_claim(parse_claim(raw))
                    checked.append((claim, *self.targets(claim)))
                except ClaimError as error:
                    located = ClaimError(locate_issues(error.issues, raw))
                    located.claim_id = claim_id_of(raw)
                    checked.append(located)
                except Exception as error:  # as in _prepare: a defect costs this claim, never the batch
                    failed = ClaimError([Issue(internal_error(error))])
                    failed.claim_id = claim_id_of(raw)
                    checked.append(failed)
            ready = [item for item in checked if not isinstance(item, ClaimError)]
            fired_iter = iter(self._evaluate([(claim, targets) for claim, targets, _ in ready]))
        result: list = []
        for item in checked:
            if isinstance(item, ClaimError):
                result.append(item)
                continue
            claim, targets, skipped = item
            fired = next(fired_iter)
            if isinstance(fired, RuleEvaluationError):
                fired.claim_id = claim.claim_id
                result.append(fired)
            else:
                result.append(Prepared(claim, targets, skipped, fired))
        return result

    def _prepare(self, raw: Any) -> tuple[Claim, list[Target], list[SkippedEnrolment]] | ClaimFailure:
        try:
            claim = self.check_claim(parse_claim(raw))
            targets, skipped = self.targets(claim)
            return claim, targets, skipped
        except ClaimError as error:
            return ClaimFailure(claim_id=claim_id_of(raw), errors=[str(issue) for issue in locate_issues(error.issues, raw)])
        except Exception as error:  # a defect must cost one claim, never the batch (and is reported as one)
            return ClaimFailure(claim_id=claim_id_of(raw), errors=[internal_error(error)])

    def _decide_and_record(self, item, fired, ledger: Ledger, explain: bool = True) -> AdjudicationResult | ClaimFailure:
        """Decide the claim on the ledger's history and record it. When another writer changed a
        value the claim read before it was recorded, the claim is decided again on the fresh
        history (at most STALE_RETRIES times): never paid on stale values, never failed for them."""
        claim, targets, skipped = item
        if isinstance(fired, RuleEvaluationError):
            return ClaimFailure(claim_id=claim.claim_id, errors=[f"rule evaluation failed: {fired}"])
        key = claim_key(claim.claim_id)
        for _attempt in range(STALE_RETRIES + 1):
            if ledger.has_claim(key):
                return ClaimFailure(claim_id=claim.claim_id, errors=[f"claim {claim.claim_id!r} was already adjudicated; it is not paid twice"])
            try:
                result = self.decide(claim, targets, skipped, fired, ledger, explain)
            except ClaimError as error:
                return ClaimFailure(claim_id=claim.claim_id, errors=[str(issue) for issue in error.issues])
            except Exception as error:  # as in _prepare: a defect costs this claim, never the batch
                return ClaimFailure(claim_id=claim.claim_id, errors=[internal_error(error)])
            try:  # a store that cannot be written stops the batch; a refused claim fails alone
                ledger.apply(key, result.changes, result.recording)
            except ClaimError as error:
                return ClaimFailure(claim_id=claim.claim_id, errors=[str(issue) for issue in error.issues])
            except LedgerError as error:
                stale = error
                continue
            return result
        return ClaimFailure(claim_id=claim.claim_id, errors=[f"{stale} (gave up after {STALE_RETRIES} retries)"])

    # -- shared steps ----------------------------------------------------------------------

    def _evaluate(self, items: list[tuple[Claim, list[Target]]]) -> list[list[Firing] | RuleEvaluationError]:
        """Evaluate every target of every claim in one batch; per claim, a list of `Firing`s
        (one per target) or the error that stopped its evaluation. A plan that classifies
        diagnoses also gets one fact per diagnosis of the event."""
        requests = []
        shapes: list[list[tuple[dict, ...]]] = []
        for claim, targets in items:
            shape = []
            for target in targets:
                fact = build_fact(claim, target.enrolment, target.plan, target.renewal, target.first_continuous_start)
                requests.append((target.plan, fact))
                diagnosis_facts: tuple[dict, ...] = ()
                if target.plan.classifies_diagnoses:
                    diagnosis_facts = tuple(build_diagnosis_facts(
                        claim, target.enrolment, target.plan, target.renewal, target.first_continuous_start))
                    requests.extend((target.plan, d) for d in diagnosis_facts)
                shape.append(diagnosis_facts)
            shapes.append(shape)
        answers = iter(self.evaluator.evaluate(requests))
        results: list = []
        for shape in shapes:
            firings, error = [], None
            for diagnosis_facts in shape:
                claim_rules = next(answers)
                diagnosis_rules = tuple(next(answers) for _ in diagnosis_facts)
                for answer in (claim_rules, *diagnosis_rules):
                    if isinstance(answer, RuleEvaluationError):
                        error = error or answer
                if error is None:
                    firings.append(Firing(claim_rules, diagnosis_rules, diagnosis_facts))
            results.append(error if error else firings)
        return results
