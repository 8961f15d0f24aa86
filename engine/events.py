"""Suspected duplicates: a claim whose event repeats one already recorded for the person.

Claim ids cannot tell two claims apart (a partner system may resend a stay under a new id), so
the event itself is compared with the person's recorded events:
- a hospital stay that shares a night with a recorded stay (one person is in one hospital at a
  time), or has the same admission and discharge dates (a same-day stay). A readmission or a
  transfer on the day of discharge shares no night: it is a new stay;
- a diagnosis claim with a diagnosis of the same ICD-10 code and date as a recorded one;
- an accident claim for the same accident with the same event (injuries, dates, costs);
- a death (one person dies once).

A repeated event is not adjudicated: the decision says `suspected_duplicate`, names the earlier
claim, pays and records nothing as paid. A claim records its events when it paid something or
changed history (a deductible consumed, days counted, cover ended); a claim refused outright
(not eligible, excluded, not covered) or pending changed nothing, so the same event sent again
(corrected, or with the missing evidence) is adjudicated afresh, never paid twice.

Every recorded event bumps the person's event counter, an accumulator the claim reads: a ledger
refuses a claim decided on an event list another claim has since changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from engine.icd import normalise_code
from engine.identity import claim_key
from engine.ledger import EventRecord, History
from engine.model.claim import Claim
from engine.model.decision import AccumulatorKey, SuspectedDuplicate

EVENTS = "events"
MESSAGE = "疑似重复理赔：与已记录的理赔事件重复"


def events_key(person: str) -> AccumulatorKey:
    """The person's count of recorded events (read by every claim, bumped by those that record)."""
    return AccumulatorKey(person, "", None, EVENTS, "recorded")


def records_events(status: str, total, scratch) -> bool:
    """Whether the decision records the claim's events (see the module docstring)."""
    if status in ("pending", "suspected_duplicate"):
        return False
    return bool(total) or bool(scratch.changes())


def events_of_claim(claim: Claim) -> tuple[EventRecord, ...]:
    event, claim_id = claim.event, claim_key(claim.claim_id)
    if event.kind == "hospital_stay":
        return (EventRecord(claim_id, "stay", event.admission.isoformat(), event.discharge.isoformat()),)
    if event.kind == "diagnosis":
        day = event.diagnosis_date.isoformat()
        codes = dict.fromkeys(normalise_code(diagnosis.code) for diagnosis in event.diagnoses)
        return tuple(EventRecord(claim_id, "diagnosis", day, day, code=code) for code in codes)
    if event.kind == "accident":
        day = event.accident_date.isoformat()
        return (EventRecord(claim_id, "accident", day, day, accident=event.accident_id, fingerprint=fingerprint(claim)),)
    if event.kind == "death":
        day = event.death_date.isoformat()
        return (EventRecord(claim_id, "death", day, day),)
    return ()


def fingerprint(claim: Claim) -> str:
    """SHA-256 of the event as canonical JSON: equal exactly when injuries, dates and amounts are."""
    data = claim.event.model_dump(mode="json")
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def find_duplicate(claim: Claim, person: str, history: History) -> SuspectedDuplicate | None:
    """The first recorded event of the person that this claim's event repeats, as a reason."""
    recorded = history.events_of(person)
    if not recorded:
        return None
    for mine in events_of_claim(claim):
        for earlier in recorded:
            if earlier.kind == mine.kind and earlier.claim_id != mine.claim_id:
                detail = _repeats(mine, earlier)
                if detail:
                    return SuspectedDuplicate(claim_id=earlier.claim_id, code="suspected_duplicate", message=MESSAGE,
                                              detail=f"{detail} recorded by claim {earlier.claim_id!r}")
    return None


def _repeats(mine: EventRecord, earlier: EventRecord) -> str | None:
    if mine.kind == "stay":
        a1, d1 = dt.date.fromisoformat(earlier.first_day), dt.date.fromisoformat(earlier.last_day)
        a2, d2 = dt.date.fromisoformat(mine.first_day), dt.date.fromisoformat(mine.last_day)
        if (a2 < d1 and a1 < d2) or (a1, d1) == (a2, d2):
            return (f"hospital stay {mine.first_day}..{mine.last_day} overlaps the stay "
                    f"{earlier.first_day}..{earlier.last_day}")
        return None
    if mine.kind == "diagnosis":
        if (mine.code, mine.first_day) == (earlier.code, earlier.first_day):
            return f"diagnosis {mine.code} on {mine.first_day} repeats the diagnosis"
        return None
    if mine.kind == "accident":
        if (mine.accident, mine.fingerprint) == (earlier.accident, earlier.fingerprint):
            return f"accident {mine.accident} with the same event and amounts as the one"
        return None
    if mine.kind == "death":
        return f"death on {mine.first_day}: a death on {earlier.first_day} is already"
    return None
