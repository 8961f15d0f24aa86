"""The submission logic every store shares: idempotency by claim key and payload hash, pending
resubmission as a new version, adjudication on the history of the same transaction.

A store provides transactions (`_transaction()`), each yielding a session: a `Ledger`
(engine.ledger) over the store's state as of that transaction, plus the claim versions it
holds and `record`. `submit_many` decides a batch of claims in one transaction; a store that
can be raced (PostgreSQL) runs batches of one and retries a transaction that lost a race.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
from typing import Any, Iterable, Iterator, Protocol

from engine.api import AdjudicationResult, Adjudicator, Prepared
from engine.errors import ClaimError, LedgerError, RuleEvaluationError
from engine.identity import aliases_of, claim_key
from engine.ledger import Ledger
from engine.model.decision import ClaimFailure
from engine.store.records import ClaimConflict, StoreBusy, StoredDecision, Submission, canonical_payload, payload_sha256

MAX_RETRIES = 8


def engine_version() -> str:
    try:
        return importlib.metadata.version("mutual-aid-adjudicator")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def plan_revisions(decision) -> list[dict]:
    """The plan revisions a decision was made under, with the hash of each plan file and its rule libraries."""
    if isinstance(decision, str):
        return [{"plan": e["plan"], "revision": e["revision"], "hash": e["plan_hash"]} for e in json.loads(decision).get("enrolments", [])]
    return [{"plan": e.plan, "revision": e.revision, "hash": e.plan_hash} for e in decision.enrolments]


class Session(Ledger, Protocol):
    def versions(self, key: str) -> list[StoredDecision]: ...

    def record(self, key: str, claim, version: int, sha: str, payload: str, result: AdjudicationResult,
               decision_json: str) -> None: ...


class Retry(Exception):
    """The transaction lost a race (a value it read changed, a key it inserted appeared): run it again."""


class BaseStore:
    batch_size = 256  # claims per transaction in submit_many

    # -- provided by each store -----------------------------------------------------------------

    def _transaction(self, read_only: bool = False) -> contextlib.AbstractContextManager[Session]:
        raise NotImplementedError

    # -- the API --------------------------------------------------------------------------------

    def submit(self, adjudicator: Adjudicator, raw: Any) -> Submission:
        """Adjudicate one claim on the current history and record it atomically; idempotent.
        Raises ClaimError (JSON-path issues), ClaimConflict, or RuleEvaluationError."""
        (outcome,) = self._submit_batch(adjudicator, [raw])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def submit_batch(self, adjudicator: Adjudicator, raws: list[Any]) -> list[Submission | Exception]:
        """Claims recorded in one transaction, in order, each on the history the earlier ones
        left: per claim its Submission, or the exception that refused it (ClaimError,
        ClaimConflict). The HTTP service's group commit uses it; give a claim id once per batch."""
        return self._submit_batch(adjudicator, list(raws))

    def submit_many(self, adjudicator: Adjudicator, raws: Iterable[Any]) -> Iterator[Submission | ClaimFailure]:
        """Submit claims in order, a transaction per batch; a claim that cannot be recorded
        (invalid, conflicting) yields a ClaimFailure and the others go on. Each batch is
        committed before its outcomes are yielded."""
        batch: list[Any] = []
        for raw in raws:
            batch.append(raw)
            if len(batch) >= self.batch_size:
                yield from map(_as_failure, self._submit_batch(adjudicator, batch))
                batch = []
        if batch:
            yield from map(_as_failure, self._submit_batch(adjudicator, batch))

    def simulate(self, adjudicator: Adjudicator, raw: Any) -> AdjudicationResult:
        """What the claim would be decided on the current history; records nothing."""
        (item,) = adjudicator.prepare_many([raw])
        if isinstance(item, Exception):
            raise item
        with self._transaction(read_only=True) as session:
            return adjudicator.decide(item.claim, item.targets, item.skipped, item.fired, session)

    # -- shared steps ---------------------------------------------------------------------------

    def _complete(self, raws: list[Any]) -> list[Any]:
        """Claims completed from what the store knows of their members (a SQL store: the
        enrolment applications it recorded, engine.enrolment.ledger), or the ClaimError that
        refuses one; the memory store takes claims as they come."""
        return raws

    def _submit_batch(self, adjudicator: Adjudicator, raws: list[Any]) -> list:
        """Outcomes in order: a Submission, or the exception that refused the claim."""
        completed = self._complete(raws)
        ready = iter(adjudicator.prepare_many([raw for raw in completed if not isinstance(raw, ClaimError)]))
        prepared = [raw if isinstance(raw, ClaimError) else next(ready) for raw in completed]
        payloads = {index: canonical_payload(item.claim) for index, item in enumerate(prepared) if isinstance(item, Prepared)}
        for attempt in range(MAX_RETRIES + 1):
            try:
                with self._transaction() as session:
                    if hasattr(session, "prefetch"):
                        ready = [item.claim for item in prepared if isinstance(item, Prepared)]
                        session.prefetch([claim_key(claim.claim_id) for claim in ready], [aliases_of(claim.member) for claim in ready])
                    return [self._submit_one(session, adjudicator, item, payloads[index], attempt)
                            if isinstance(item, Prepared) else item for index, item in enumerate(prepared)]
            except Retry:
                continue
        raise StoreBusy(f"other writers kept changing this history; gave up after {MAX_RETRIES} retries")

    def _submit_one(self, session: Session, adjudicator: Adjudicator, item: Prepared, payload: str,
                    retries: int) -> Submission | Exception:
        claim = item.claim
        key = claim_key(claim.claim_id)
        sha = payload_sha256(payload)
        versions = session.versions(key)
        outcome, version = "created", 1
        if versions:
            for stored in reversed(versions):  # the newest version holding this payload (a void or a re-adjudication)
                if stored.payload_sha256 == sha:
                    return Submission("replayed", stored.claim_id, stored.version, stored.decision_json, sha, retries)
            latest = versions[-1]
            if latest.status != "pending":
                return ClaimConflict(claim.claim_id, latest.payload_sha256, sha)
            outcome, version = "resubmitted", latest.version + 1
        try:
            result = adjudicator.decide(claim, item.targets, item.skipped, item.fired, session)
        except ClaimError as error:  # the member's ids contradict history
            error.claim_id = claim.claim_id
            return error
        decision_json = result.decision.to_json()
        try:
            session.record(key, claim, version, sha, payload, result, decision_json)
        except LedgerError as error:
            raise Retry() from error
        return Submission(outcome, claim.claim_id, version, decision_json, sha, retries)


def _as_failure(outcome) -> Submission | ClaimFailure:
    if isinstance(outcome, ClaimConflict):
        return ClaimFailure(claim_id=outcome.claim_id, errors=[str(outcome)])
    if isinstance(outcome, ClaimError):
        return ClaimFailure(claim_id=getattr(outcome, "claim_id", None), errors=[str(issue) for issue in outcome.issues])
    if isinstance(outcome, RuleEvaluationError):
        return ClaimFailure(claim_id=getattr(outcome, "claim_id", None), errors=[f"rule evaluation failed: {outcome}"])
    return outcome
