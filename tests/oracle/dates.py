"""Catalogue §0, dates: ages, terms, continuous renewal, the first continuous start and
waiting periods, read from the claim's own enrolments."""

from __future__ import annotations

import datetime as dt

RENEWAL_GAP_DAYS = 30  # a renewal starts no more than 30 days after the old term ended


def as_date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def birthday_in(year: int, birth: dt.date) -> dt.date:
    """The day the member turns a year older in `year`; a 29 February birthday falls on
    1 March in a common year (the member is not a year older on 28 February)."""
    if birth.month == 2 and birth.day == 29:
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 3, 1)
    return dt.date(year, birth.month, birth.day)


def age(birth_date, on) -> int:
    """Whole years (周岁) on `on`: the years since birth, less one before this year's birthday."""
    birth, day = as_date(birth_date), as_date(on)
    return day.year - birth.year - (1 if day < birthday_in(day.year, birth) else 0)


def term(enrolment: dict) -> tuple[dt.date, dt.date]:
    return as_date(enrolment["start"]), as_date(enrolment["end"])


def first_continuous_start(enrolment: dict, enrolments: list[dict]) -> dt.date:
    """§0: the start of the earliest term in the unbroken chain of continuous renewals ending
    with `enrolment`. Walking back: the previous term is the member's latest term of the same
    plan that ended before this one started; it continues the chain when this one starts at
    most 30 days after its end. A term may state `first_continuous_start` for earlier terms
    the claim does not list; the chain then began there, if that is earlier."""
    plan = enrolment["plan"]
    chain = [enrolment]
    while True:
        start = as_date(chain[-1]["start"])
        ended_before = [e for e in enrolments if e["plan"] == plan and as_date(e["end"]) < start]
        if not ended_before:
            break
        previous = max(ended_before, key=lambda e: as_date(e["end"]))
        if (start - as_date(previous["end"])).days > RENEWAL_GAP_DAYS:
            break
        chain.append(previous)
    starts = [as_date(chain[-1]["start"])]
    starts += [as_date(e["first_continuous_start"]) for e in chain if e.get("first_continuous_start")]
    return min(starts)


def day_number(event_date, first_start: dt.date) -> int:
    """Days from the first continuous start: the start itself is day 0."""
    return (as_date(event_date) - first_start).days


def inside_waiting_period(event_date, first_start: dt.date, days: int) -> bool:
    """§0: an event dated earlier than first continuous start + N days is inside the period."""
    return as_date(event_date) < first_start + dt.timedelta(days=days)


def event_date(event: dict) -> dt.date:
    """§0: the admission for a stay, the diagnosis date, the accident date; deaths and
    maturities by their own dates."""
    field = {"hospital_stay": "admission", "diagnosis": "diagnosis_date", "accident": "accident_date",
             "death": "death_date", "maturity": "maturity_date"}[event["kind"]]
    return as_date(event[field])
