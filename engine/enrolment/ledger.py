"""Group enrolment in the persistent ledger.

- `record_application`: an accepted application records its members (their aliases and the data
  the application gave) and their enrolments, identified by (person, plan, term start), in one
  transaction; a refused one records nothing, and the same application sent again (the same
  SHA-256 of what it asks) changes nothing. An enrolment the ledger already holds with other
  terms refuses the whole application, naming the differences.
- `complete_claims`: a claim that names only its member (`member_id`) and its event gets the
  member's data and enrolments from the ledger; a claim that lists its enrolments inline is
  checked against the enrolments applications recorded (matched by plan and term start,
  whatever label it gives them), and refused with every difference (units, tier, dates, fee)
  at its JSON path.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from engine.errors import ClaimError, EngineError, Issue
from engine.identity import aliases_of, lookup_aliases
from engine.store.sql import FEN, from_stored, to_stored
from engine.store.tables import applications, enrolments, member_aliases, members

MEMBER_FIELDS = ("name", "id_number", "employer", "gender", "birth_date", "office", "medical_insurance", "employment",
                 "occupation_risk")


class ApplicationConflict(EngineError):
    """The application contradicts what the ledger holds; nothing was recorded."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Recorded:
    status: str  # recorded | already_recorded
    digest: str
    recorded_at: dt.datetime
    members: int = 0
    enrolments: int = 0


def _persons(connection, aliases: list[str]) -> dict[str, str]:
    rows = connection.execute(select(member_aliases.c.alias, member_aliases.c.person).where(member_aliases.c.alias.in_(aliases)))
    return {row.alias: row.person for row in rows}


def _ledger_enrolments(connection, people: list[str], applied_only: bool) -> dict[tuple[str, str, str], Any]:
    query = select(enrolments).where(enrolments.c.person.in_(people))
    if applied_only:
        query = query.where(enrolments.c.claim_key.is_(None))
    return {(row.person, row.plan, row.term_start): row for row in connection.execute(query)}


def _differences(row, units, tier, end: str, fee: Decimal) -> list[tuple[str, str, str]]:
    """(field, this side, the ledger) for every term that differs."""
    found = []
    if row.units != units:
        found.append(("units", str(units), str(row.units)))
    if row.tier != tier:
        found.append(("tier", str(tier), str(row.tier)))
    if row.term_end != end:
        found.append(("end", end, row.term_end))
    recorded_fee = from_stored(row.fee_paid_fen, "fen")
    if recorded_fee != fee:
        found.append(("fee_paid", f"{fee:.2f}", f"{recorded_fee:.2f}"))
    return found


def record_application(store, result) -> Recorded:
    """Record an accepted application (engine.enrolment.application.ApplicationResult) once."""
    from engine.store.base import MAX_RETRIES, Retry
    from engine.store.corrections import _sql_store

    _sql_store(store)
    if not result.accepted:
        raise ApplicationConflict(["the application was refused: nothing is recorded from a refused application"])
    for _attempt in range(MAX_RETRIES + 1):
        try:
            with store._transaction() as session:
                return _record(session, result)
        except Retry:
            continue
    raise ApplicationConflict(["other writers kept changing these members; nothing was recorded: send it again"])


def _record(session, result) -> Recorded:
    connection, now = session.connection, session.now
    existing = connection.execute(select(applications.c.recorded_at).where(applications.c.digest == result.digest)).first()
    if existing is not None:
        return Recorded("already_recorded", result.digest, existing.recorded_at)
    taught_by = f"application:{result.digest[:16]}"
    pairs = [(member, enrolment) for plan in result.plans for member, enrolment in plan.enrolments]
    all_aliases = sorted({alias for member, _ in pairs for alias in aliases_of(member)})
    known = _persons(connection, all_aliases)
    problems: list[str] = []
    person_of: dict[str, str] = {}
    for member, _ in pairs:
        aliases = aliases_of(member)
        people = sorted({known[alias] for alias in aliases if alias in known})
        if len(people) > 1:
            problems.append(f"{member.name} ({member.id_number}): the ledger knows these ids as two people ({', '.join(people)})")
            continue
        person_of[member.id_number] = people[0] if people else aliases[0]
    for member, _ in pairs:  # the person's lock (PostgreSQL) before their enrolments are read
        if member.id_number in person_of:
            session._lock(f"person:{person_of[member.id_number]}")
    held = _ledger_enrolments(connection, sorted(set(person_of.values())), applied_only=False)
    new_enrolments, new_members, new_aliases = [], {}, {}
    for member, enrolment in pairs:
        person = person_of.get(member.id_number)
        if person is None:
            continue
        start, end = enrolment.start.isoformat(), enrolment.end.isoformat()
        row = held.get((person, enrolment.plan, start))
        if row is not None:
            differences = _differences(row, enrolment.units, enrolment.tier, end, enrolment.fee_paid)
            if differences:
                problems.append(f"{member.name}: the ledger holds {enrolment.plan} from {start} with "
                                + ", ".join(f"{name} {theirs} (this application: {ours})" for name, ours, theirs in differences))
            continue
        new_enrolments.append({
            "person": person, "plan": enrolment.plan, "term_start": start, "term_end": end, "units": enrolment.units,
            "tier": enrolment.tier, "fee_paid_fen": to_stored(enrolment.fee_paid.quantize(FEN))[0], "source": enrolment.source,
            "fee_schedule": enrolment.fee_schedule, "label": enrolment.enrolment_id, "claim_key": None, "recorded_at": now})
        new_members.setdefault(person, member)
        for alias in aliases_of(member):
            if alias not in known:
                new_aliases[alias] = person
    if problems:
        raise ApplicationConflict(problems)
    if new_aliases:
        connection.execute(member_aliases.insert(), [{"alias": alias, "person": person, "claim_key": taught_by, "recorded_at": now}
                                                     for alias, person in sorted(new_aliases.items())])
    if new_members:
        connection.execute(members.insert(), [{"person": person, "application": result.digest, "recorded_at": now,
                                               "member": member.model_dump_json()} for person, member in new_members.items()])
    if new_enrolments:
        connection.execute(enrolments.insert(), new_enrolments)
    connection.execute(applications.insert().values(digest=result.digest, employer=result.info.employer, office=result.info.office,
                                                    term_start=result.info.start.isoformat(), result=result.to_json(),
                                                    recorded_at=now))
    return Recorded("recorded", result.digest, now, len(new_members), len(new_enrolments))


# -- claims completed from the ledger ----------------------------------------------------------------


def _member_id(raw: dict) -> str | None:
    member = raw.get("member")
    if isinstance(member, dict) and isinstance(member.get("member_id"), str):
        return member["member_id"]
    if member is None and isinstance(raw.get("member_id"), str):
        return raw["member_id"]
    return None


def _needs_member(raw: dict) -> bool:
    member = raw.get("member")
    return member is None or (isinstance(member, dict) and "office" not in member)


def complete_claims(store, raws: list[Any]) -> list[Any]:
    """Each claim completed from the ledger, or the ClaimError that refuses it (see the module
    docstring). A claim read from a file stays a record of its file and line."""
    from engine.claims import ClaimRecord

    data = []
    for raw in raws:
        if isinstance(raw, ClaimRecord):
            try:
                data.append(raw.data())
            except ClaimError:
                data.append(None)  # refused in its place by the claim's own validation
        else:
            data.append(raw)
    completed = _complete_data(store, data)
    return [_in_place(raw, before, after) for raw, before, after in zip(raws, data, completed)]


def _in_place(raw: Any, before: Any, after: Any) -> Any:
    """The completed claim where the original came from: a file's record keeps its place, and
    a refusal is located at the record's file and line."""
    from engine.claims import ClaimRecord

    if not isinstance(raw, ClaimRecord) or after is before:
        return raw if after is before else after
    if isinstance(after, ClaimError):
        error = ClaimError([raw.issue(issue.message, issue.path) for issue in after.issues])
        error.claim_id = after.claim_id
        return error
    return ClaimRecord(raw.file, raw.line, raw.index, data=after)


def _complete_data(store, raws: list[Any]) -> list[Any]:
    with store.engine.connect() as connection:
        if connection.execute(select(applications.c.digest).limit(1)).first() is None:
            return [_without_ledger(raw) for raw in raws]
        wanted = {}
        for raw in raws:
            if isinstance(raw, dict):
                member_id = _member_id(raw)
                if member_id is not None:
                    try:
                        wanted[member_id] = lookup_aliases(member_id)
                    except ValueError:
                        continue
        known = _persons(connection, sorted({alias for aliases in wanted.values() for alias in aliases}))
        person_of = {member_id: next((known[alias] for alias in aliases if alias in known), None) for member_id, aliases in wanted.items()}
        people = sorted({person for person in person_of.values() if person})
        applied = _ledger_enrolments(connection, people, applied_only=True) if people else {}
        data: dict[str, dict] = {}
        if people:
            for row in connection.execute(select(members).where(members.c.person.in_(people)).order_by(members.c.recorded_at)):
                data[row.person] = json.loads(row.member)  # the newest application's data wins
    return [_complete(raw, person_of, applied, data) for raw in raws]


def _without_ledger(raw: Any) -> Any:
    if isinstance(raw, dict) and "enrolments" not in raw and _member_id(raw) is not None:
        return _refused(raw, "$.enrolments", "the claim lists no enrolments and the ledger holds no enrolment application "
                                             "for its member: list them, or record the union's application (adjudicator enrol --ledger)")
    return raw


def _refused(raw: dict, path: str, message: str) -> ClaimError:
    error = ClaimError([Issue(message, path)])
    error.claim_id = raw.get("claim_id") if isinstance(raw.get("claim_id"), str) else None
    return error


def _complete(raw: Any, person_of: dict, applied: dict, data: dict) -> Any:
    if not isinstance(raw, dict):
        return raw
    member_id = _member_id(raw)
    person = person_of.get(member_id) if member_id is not None else None
    if person is None:
        return _without_ledger(raw)
    completed = dict(raw)
    if _needs_member(raw):
        given = raw.get("member") if isinstance(raw.get("member"), dict) else {}
        recorded = data.get(person)
        if recorded is None:
            return _refused(raw, "$.member", f"member {member_id!r} has no member data in the ledger: give the member in full")
        completed.pop("member_id", None)
        completed["member"] = {**{name: recorded.get(name) for name in ("member_id", *MEMBER_FIELDS) if recorded.get(name) is not None},
                               **given}
    if "enrolments" not in raw:
        differences = _member_differences(raw.get("member"), data.get(person))
        if differences:
            error = ClaimError(differences)
            error.claim_id = raw.get("claim_id") if isinstance(raw.get("claim_id"), str) else None
            return error
        mine = [row for (who, _plan, _start), row in sorted(applied.items(), key=lambda kv: kv[0]) if who == person]
        if not mine:
            return _refused(raw, "$.enrolments", f"member {member_id!r} has no enrolment in the ledger: list the claim's enrolments")
        completed["enrolments"] = [_as_claim_enrolment(row) for row in mine]
        return completed
    issues = _member_differences(raw.get("member"), data.get(person))
    for index, enrolment in enumerate(raw["enrolments"] if isinstance(raw["enrolments"], list) else []):
        if not isinstance(enrolment, dict):
            continue
        row = applied.get((person, enrolment.get("plan"), enrolment.get("start")))
        if row is None:
            continue
        try:
            fee = Decimal(str(enrolment.get("fee_paid")))
        except (InvalidOperation, ValueError):
            continue  # the claim's own validation names it
        for name, ours, theirs in _differences(row, enrolment.get("units"), enrolment.get("tier"), enrolment.get("end"), fee):
            issues.append(Issue(f"the claim says {ours}, the ledger's enrolment in {row.plan} from {row.term_start} "
                                f"(recorded from the union's application) says {theirs}", f"$.enrolments[{index}].{name}"))
    if issues:
        error = ClaimError(issues)
        error.claim_id = raw.get("claim_id") if isinstance(raw.get("claim_id"), str) else None
        return error
    return completed if _needs_member(raw) else raw


def _member_differences(given: Any, recorded: dict | None) -> list[Issue]:
    """The person's identity data a claim states otherwise than the application did."""
    if not isinstance(given, dict) or recorded is None:
        return []
    issues = []
    for name in ("id_number", "gender", "birth_date"):
        ours, theirs = given.get(name), recorded.get(name)
        if ours is None or theirs is None:
            continue
        if str(ours).strip().upper() != str(theirs).strip().upper():
            issues.append(Issue(f"the claim says {ours}, the union's application recorded {theirs}", f"$.member.{name}"))
    return issues


def _as_claim_enrolment(row) -> dict:
    enrolment = {"enrolment_id": row.label, "plan": row.plan, "fee_paid": f"{from_stored(row.fee_paid_fen, 'fen'):.2f}",
                 "start": row.term_start, "end": row.term_end, "source": row.source}
    if row.units is not None:
        enrolment["units"] = row.units
    if row.tier is not None:
        enrolment["tier"] = row.tier
    if row.fee_schedule is not None:
        enrolment["fee_schedule"] = row.fee_schedule
    return enrolment
