"""Corrections and appeals on a persistent ledger: nothing recorded is edited or deleted.

- `void_claim`: a claim found wrong (fraud, a payment made in error) gets a new decision version
  with status `void` and entries that reverse everything its versions added to the member's
  accumulators; its events no longer count as recorded (a resubmission is not a duplicate of it).
- `readjudicate`: the member's claims from a starting point on (the earliest void claim, the
  appealed claim, or one named), in the order they were recorded, decided again on the corrected
  history: the history without those claims, each re-run claim adding its new effect before the
  next is decided. An appeal replaces one claim's payload with new evidence (and reinstates it
  when it was void). A claim whose decision and effect come out the same is left as it is;
  every other one gets a new version whose entries move the accumulators from the old effect
  to the new one, so the entries always sum to the stored accumulators. `record=False` only
  shows the differences; recording checks they are still what was shown (`expected`).
- Every void, appeal and re-adjudication writes an `audit_log` row: when, who, what, why.

Only the SQL stores (SQLite, PostgreSQL) keep the payloads and entries this needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import select

from engine.errors import ClaimError, EngineError, RuleEvaluationError
from engine.identity import claim_key, lookup_aliases
from engine.ledger import AccumulatorKey, Change, EventRecord, Recording, check_current
from engine.model.types import normalise_id
from engine.store.base import MAX_RETRIES, Retry, plan_revisions
from engine.store.records import StoreBusy, StoredDecision, canonical_payload, payload_sha256
from engine.store.sql import from_stored, key_of, stored_decision
from engine.store.tables import audit_log, claims, decisions, entries, member_aliases

ZERO = Decimal(0)
VOID = "void"
MAX_REASON = 2000
MAX_ACTOR = 128


class CorrectionError(EngineError):
    """A correction that cannot be made as asked; nothing was recorded."""


@dataclass(frozen=True)
class LedgerClaim:
    """One claim of a person as the ledger holds it: its versions (oldest first), the payload of
    the newest, and its net effect on the accumulators (the sum of all its entries)."""

    key: str
    claim_id: str
    member_id: str
    versions: list[StoredDecision]
    payload: str
    net: dict[AccumulatorKey, Decimal]

    @property
    def latest(self) -> StoredDecision:
        return self.versions[-1]

    @property
    def void(self) -> bool:
        return self.latest.status == VOID


@dataclass(frozen=True)
class VoidResult:
    claim_id: str
    version: int
    voided_version: int
    reversed: dict[AccumulatorKey, Decimal]  # what was taken off each accumulator
    later_claims: list[str]  # the member's claims recorded after it, to decide again


@dataclass
class Rerun:
    """One claim decided again: its newest stored version and the new decision."""

    claim_id: str
    key: str
    action: str  # appeal | readjudicate
    old: StoredDecision
    new_status: str
    new_total: Decimal
    new_decision_json: str
    payload_changed: bool
    changed: bool
    old_net: dict[AccumulatorKey, Decimal] = field(default_factory=dict)
    new_net: dict[AccumulatorKey, Decimal] = field(default_factory=dict)
    version: int | None = None  # the version recorded, when it was

    def deltas(self) -> dict[AccumulatorKey, Decimal]:
        """Per accumulator: the new effect minus the old."""
        keys = set(self.old_net) | set(self.new_net)
        moved = {key: self.new_net.get(key, ZERO) - self.old_net.get(key, ZERO) for key in keys}
        return {key: amount for key, amount in moved.items() if amount}


@dataclass
class Readjudication:
    person: str
    reruns: list[Rerun]
    digest: str  # of what would be recorded: recording checks it is still the same
    recorded: bool = False

    @property
    def changed(self) -> list[Rerun]:
        return [rerun for rerun in self.reruns if rerun.changed]


def _plain(value: Decimal) -> Decimal:
    """Zero as an accumulator never written reads it (0, not 0.00), so a history corrected back
    to nothing reads exactly as a fresh one."""
    return value if value else ZERO


# -- reading a person's claims ---------------------------------------------------------------------


def _text(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise CorrectionError(f"a {what} is required")
    if len(value) > limit:
        raise CorrectionError(f"the {what} has {len(value)} characters; at most {limit}")
    if any(ord(char) < 32 and char not in "\n\t" for char in value):
        raise CorrectionError(f"the {what} holds a control character")
    return value


def _sql_store(store):
    if not hasattr(store, "engine"):
        raise CorrectionError("corrections need a persistent ledger (a SQLite file or PostgreSQL): "
                              "only it keeps the payloads and entries a correction reverses")
    return store


def person_of_member(connection, member: str) -> str | None:
    candidates = lookup_aliases(member)
    row = connection.execute(select(member_aliases.c.person).where(member_aliases.c.alias.in_(candidates))
                             .order_by(member_aliases.c.alias.desc())).first()
    return row.person if row else None


def person_claims(connection, person: str) -> list[LedgerClaim]:
    """The person's claims in the order they were first recorded (a batch recorded together
    keeps its order: SQLite's rowid; PostgreSQL records one claim per transaction)."""
    order = [claims.c.received_at]
    if connection.dialect.name == "sqlite":
        from sqlalchemy import literal_column

        order.append(literal_column("claims.rowid"))
    order.append(claims.c.claim_key)
    rows = connection.execute(select(claims.c.claim_key, claims.c.claim_id, claims.c.member_id)
                              .where(claims.c.person == person).order_by(*order)).all()
    keys = [row.claim_key for row in rows]
    versions: dict[str, list] = defaultdict(list)
    payloads: dict[str, str] = {}
    nets: dict[str, dict[AccumulatorKey, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        for row in connection.execute(select(decisions).where(decisions.c.claim_key.in_(part))
                                      .order_by(decisions.c.claim_key, decisions.c.version)):
            versions[row.claim_key].append(stored_decision(row))
            payloads[row.claim_key] = row.payload
        for row in connection.execute(select(entries).where(entries.c.claim_key.in_(part)).order_by(entries.c.id)):
            nets[row.claim_key][key_of(row)] += from_stored(row.after_amount - row.before_amount, row.unit)
    return [LedgerClaim(row.claim_key, row.claim_id, row.member_id, versions[row.claim_key], payloads[row.claim_key],
                        {key: amount for key, amount in nets[row.claim_key].items() if amount})
            for row in rows]


def _person_and_claims(session, member: str | None = None, person: str | None = None) -> tuple[str, list[LedgerClaim]]:
    if person is None:
        person = person_of_member(session.connection, member)
        if person is None:
            raise CorrectionError(f"no member {member!r} in the ledger")
    session._load_person(person)  # takes the person's lock (PostgreSQL) before their claims are read
    return person, person_claims(session.connection, person)


def _audit(session, actor: str, action: str, person: str, key: str, version: int, reason: str, details: dict) -> None:
    session.connection.execute(audit_log.insert().values(
        recorded_at=session.now, actor=actor, action=action, person=person, claim_key=key, version=version,
        reason=reason, details=json.dumps(details, ensure_ascii=False, sort_keys=True)))


def _retrying(run):
    for _attempt in range(MAX_RETRIES + 1):
        try:
            return run()
        except Retry:
            continue
    raise StoreBusy(f"other writers kept changing this member's history; gave up after {MAX_RETRIES} retries")


# -- void -------------------------------------------------------------------------------------------


def void_record(claim: LedgerClaim, reason: str, actor: str, reversed_: dict[AccumulatorKey, Decimal]) -> str:
    """The void version's JSON: what it voids, why, by whom, and what it took back."""
    return json.dumps({
        "claim_id": claim.claim_id, "member_id": claim.member_id, "status": VOID, "total": "0.00", "enrolments": [],
        "void": {"voids_version": claim.latest.version, "voided_status": claim.latest.status,
                 "voided_total": f"{claim.latest.total:.2f}", "reason": reason, "by": actor,
                 "reversed": [{"accumulator": key.label(member=False), "amount": str(-amount)}
                              for key, amount in sorted(reversed_.items(), key=lambda kv: kv[0].label())]},
    }, ensure_ascii=False, separators=(",", ":"))


def void_claim(store, claim_id: str, reason: str, actor: str) -> VoidResult:
    """Void a claim: a new version `void`, entries reversing its effect, an audit row."""
    _sql_store(store)
    reason, actor = _text(reason, "reason", MAX_REASON), _text(actor, "name of who voids it", MAX_ACTOR)
    key = claim_key(normalise_id(claim_id))

    def run() -> VoidResult:
        with store._transaction() as session:
            row = session.connection.execute(select(claims.c.person).where(claims.c.claim_key == key)).first()
            if row is None:
                raise CorrectionError(f"no claim {claim_id!r} in the ledger")
            person, records = _person_and_claims(session, person=row.person)
            index = next(i for i, record in enumerate(records) if record.key == key)
            claim = records[index]
            if claim.void:
                raise CorrectionError(f"claim {claim.claim_id!r} is already void (version {claim.latest.version}, "
                                      f"{json.loads(claim.latest.decision_json)['void']['reason']})")
            version = claim.latest.version + 1
            changes = [Change(k, session.value(k), session.value(k) - amount) for k, amount in claim.net.items()]
            record_json = void_record(claim, reason, actor, claim.net)
            session.append_version(key, claim.claim_id, version, VOID, ZERO, claim.payload, claim.latest.payload_sha256,
                                   record_json, [], changes, None)
            _audit(session, actor, "void", person, key, version, reason,
                   {"from_version": claim.latest.version, "status_before": claim.latest.status,
                    "total_before": f"{claim.latest.total:.2f}", "status_after": VOID, "total_after": "0.00"})
            later = [record.claim_id for record in records[index + 1:] if not record.void]
            return VoidResult(claim.claim_id, version, claim.latest.version, dict(claim.net), later)

    return _retrying(run)


# -- re-adjudication --------------------------------------------------------------------------------


class _CorrectedHistory:
    """The person's history without the claims being decided again, plus what each re-run
    claim adds as it is decided (the engine reads it like any history)."""

    def __init__(self, session, removed: dict[AccumulatorKey, Decimal], hidden: set[str]):
        self.session = session
        self.removed = removed
        self.hidden = hidden
        self.added: dict[AccumulatorKey, Decimal] = defaultdict(Decimal)
        self.new_events: dict[str, list[EventRecord]] = defaultdict(list)

    def value(self, key: AccumulatorKey) -> Decimal:
        return _plain(self.session.value(key) - self.removed.get(key, ZERO) + self.added.get(key, ZERO))

    def has_claim(self, claim_id: str) -> bool:
        return False

    def persons(self, aliases: Sequence[str]) -> dict[str, str]:
        return self.session.persons(aliases)

    def events_of(self, person: str) -> Sequence[EventRecord]:
        kept = [event for event in self.session.events_of(person) if event.claim_id not in self.hidden]
        return tuple(kept + self.new_events[person])

    def apply(self, claim_id: str, changes: list[Change], recording: Recording | None = None) -> None:
        check_current(claim_id, changes, self.value)
        for change in changes:
            self.added[change.key] += change.after - change.before
        if recording is not None:
            self.new_events[recording.person].extend(recording.events)


def substance(decision_json: str) -> dict:
    """A decision as compared: everything it says, with its accumulator changes as net amounts
    (what a claim read before is history, not part of what it decided)."""
    data = json.loads(decision_json)
    moved = []
    for change in data.pop("accumulator_changes", []) or []:
        amount = Decimal(str(change["after"])) - Decimal(str(change["before"]))
        if amount:
            moved.append([json.dumps(change["key"], sort_keys=True), str(amount)])
    data["moved"] = sorted(moved)
    return data


def as_decision(decision_json: str):
    """A stored version as a Decision for the diff's comparison; a void one as a decision that
    pays nothing, with status `void`."""
    from engine.model.decision import Decision, decision_from_json

    data = json.loads(decision_json)
    if data.get("status") == VOID:
        return Decision(claim_id=data["claim_id"], member_id=data.get("member_id", ""), status=VOID, total=Decimal("0.00"),
                        enrolments=[])
    return decision_from_json(data)


def _net(changes: list[Change]) -> dict[AccumulatorKey, Decimal]:
    net: dict[AccumulatorKey, Decimal] = defaultdict(Decimal)
    for change in changes:
        net[change.key] += change.after - change.before
    return {key: amount for key, amount in net.items() if amount}


def _digest(reruns: list[Rerun]) -> str:
    content = [[rerun.key, rerun.old.version, rerun.new_decision_json, rerun.payload_changed]
               for rerun in reruns if rerun.changed]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def _appeal_payloads(adjudicator, appeals: dict[str, Any]) -> dict[str, Any]:
    """Appealed claim key -> the new claim (or None to re-run the stored one)."""
    found: dict[str, Any] = {}
    for claim_id, raw in appeals.items():
        key = claim_key(normalise_id(claim_id))
        if raw is not None:
            raw_id = raw.get("claim_id") if isinstance(raw, dict) else None
            if not isinstance(raw_id, str) or claim_key(normalise_id(raw_id)) != key:
                raise CorrectionError(f"the new evidence for claim {claim_id!r} must be that claim (claim_id {claim_id!r}), "
                                      f"not {raw_id!r}")
        found[key] = raw
    return found


def readjudicate(store, adjudicator, member: str, *, reason: str, actor: str, appeals: dict[str, Any] | None = None,
                 start: str | None = None, record: bool = False, expected: str | None = None) -> Readjudication:
    """Decide the member's claims again from a starting point on (see the module docstring).
    `appeals`: claim id -> the claim with new evidence, or None to decide the stored claim again
    (a void claim named here is reinstated). Records only with `record`; with `expected`, only
    when the differences are still the ones previewed under that digest."""
    _sql_store(store)
    reason, actor = _text(reason, "reason", MAX_REASON), _text(actor, "name of who decides again", MAX_ACTOR)
    wanted = _appeal_payloads(adjudicator, appeals or {})
    for key, raw in wanted.items():  # new evidence may name only the member, as any claim may
        if raw is not None:
            (completed,) = store._complete([raw])
            if isinstance(completed, ClaimError):
                raise CorrectionError(f"the new evidence for claim {key!r}: " + "; ".join(str(issue) for issue in completed.issues))
            wanted[key] = completed

    def run() -> Readjudication:
        with store._transaction(read_only=not record) as session:
            person, records = _person_and_claims(session, member)
            position = {record_.key: index for index, record_ in enumerate(records)}
            for key in wanted:
                if key not in position:
                    raise CorrectionError(f"claim {key!r} is not a claim of member {member!r}")
            starts = [position[key] for key in wanted] + [index for index, record_ in enumerate(records) if record_.void]
            if start is not None:
                start_key = claim_key(normalise_id(start))
                if start_key not in position:
                    raise CorrectionError(f"claim {start!r} is not a claim of member {member!r}")
                starts = [position[start_key]]
            first = min(starts) if starts else 0
            affected = records[first:]
            removed: dict[AccumulatorKey, Decimal] = defaultdict(Decimal)
            for record_ in affected:
                for key, amount in record_.net.items():
                    removed[key] += amount
            history = _CorrectedHistory(session, removed, {record_.key for record_ in affected})
            reruns: list[Rerun] = []
            results = {}
            for record_ in affected:
                if record_.void and record_.key not in wanted:
                    continue
                rerun, result, payload = _decide_again(adjudicator, record_, wanted, history, person)
                reruns.append(rerun)
                results[record_.key] = (result, payload)
            outcome = Readjudication(person, reruns, _digest(reruns))
            if not record:
                return outcome
            if expected is not None and expected != outcome.digest:
                raise CorrectionError("the ledger changed since these differences were shown; nothing was recorded: "
                                      "look at them again and confirm")
            for rerun in outcome.changed:
                result, payload = results[rerun.key]
                _record_rerun(session, rerun, result, payload, person, reason, actor)
            outcome.recorded = True
            return outcome

    return _retrying(run)


def _decide_again(adjudicator, stored: LedgerClaim, wanted: dict[str, Any], history: _CorrectedHistory, person: str):
    raw = wanted.get(stored.key)
    appealed = stored.key in wanted
    if raw is None:
        raw = json.loads(stored.payload)
    (item,) = adjudicator.prepare_many([raw])
    if isinstance(item, (ClaimError, RuleEvaluationError)):
        detail = "; ".join(str(issue) for issue in item.issues) if isinstance(item, ClaimError) else str(item)
        raise CorrectionError(f"claim {stored.claim_id!r} cannot be decided again: {detail}")
    try:
        result = adjudicator.decide(item.claim, item.targets, item.skipped, item.fired, history)
    except ClaimError as error:
        raise CorrectionError(f"claim {stored.claim_id!r} cannot be decided again: "
                              + "; ".join(str(issue) for issue in error.issues)) from None
    if result.recording.person != person:
        raise CorrectionError(f"claim {stored.claim_id!r} now names another person ({result.recording.person}), "
                              f"not {person}: an appeal cannot move a claim to another member")
    history.apply(stored.key, result.changes, result.recording)
    payload = canonical_payload(item.claim)
    decision_json = result.decision.to_json()
    old_net = dict(stored.net)
    new_net = _net(result.changes)
    payload_changed = payload_sha256(payload) != stored.latest.payload_sha256
    changed = (stored.void or payload_changed or new_net != old_net
               or substance(decision_json) != substance(stored.latest.decision_json))
    rerun = Rerun(stored.claim_id, stored.key, "appeal" if appealed else "readjudicate", stored.latest,
                  result.decision.status, result.decision.total, decision_json, payload_changed, changed, old_net, new_net)
    return rerun, result, payload


def _record_rerun(session, rerun: Rerun, result, payload: str, person: str, reason: str, actor: str) -> None:
    version = rerun.old.version + 1
    changes = []
    for key, amount in sorted(rerun.deltas().items(), key=lambda kv: kv[0].label()):
        current = session.value(key)
        changes.append(Change(key, current, current + amount))
    stored_events = {event for event in session.events_of_claims(person, {rerun.key})}
    new_events = tuple(event for event in result.recording.events if event not in stored_events)
    recording = Recording(person, result.recording.aliases, new_events, result.recording.enrolments)
    session.append_version(rerun.key, rerun.claim_id, version, result.decision.status, result.decision.total, payload,
                           payload_sha256(payload), rerun.new_decision_json, plan_revisions(result.decision), changes, recording)
    rerun.version = version
    _audit(session, actor, rerun.action, person, rerun.key, version, reason,
           {"from_version": rerun.old.version, "status_before": rerun.old.status, "total_before": f"{rerun.old.total:.2f}",
            "status_after": rerun.new_status, "total_after": f"{rerun.new_total:.2f}",
            "payload_changed": rerun.payload_changed})


# -- the audit trail --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    recorded_at: dt.datetime
    actor: str
    action: str
    person: str
    claim_key: str
    version: int
    reason: str
    details: dict


def audit_trail(store, member: str | None = None, claim: str | None = None) -> list[AuditRow]:
    """The audit rows, oldest first, of one member, one claim, or all."""
    _sql_store(store)
    with store.engine.connect() as connection:
        query = select(audit_log).order_by(audit_log.c.id)
        if member is not None:
            person = person_of_member(connection, member)
            if person is None:
                raise CorrectionError(f"no member {member!r} in the ledger")
            query = query.where(audit_log.c.person == person)
        if claim is not None:
            query = query.where(audit_log.c.claim_key == claim_key(normalise_id(claim)))
        return [AuditRow(row.recorded_at, row.actor, row.action, row.person, row.claim_key, row.version, row.reason,
                         json.loads(row.details)) for row in connection.execute(query)]
