"""Dates of cover: age on a term's start, continuous renewal and the first continuous start.

Catalogue §0: an enrolment is a continuous renewal when the member held the same plan in the
previous term and the new term starts no more than 30 days after the old one ended
(new start <= old end + 30 days). The first continuous start is the start of the earliest term
of that unbroken chain. Earlier terms are read from the claim's own enrolments; a caller whose
claim lists only the current term states `first_continuous_start` instead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from engine.model.claim import Enrolment

if TYPE_CHECKING:
    from engine.rules.compiler import CompiledPlan

RENEWAL_GRACE_DAYS = 30


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years on `day` (周岁). A 29 February birthday is reached on 1 March in other years."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def add_days(day: dt.date, days: int) -> dt.date:
    """`day` + `days`, held at the calendar's ends: an open-ended term (`end: 9999-12-31`) has
    no day after it, and date arithmetic on it must not raise."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def renews(previous: Enrolment, following: Enrolment) -> bool:
    return previous.start < following.start and (following.start - previous.end).days <= RENEWAL_GRACE_DAYS


def continuity(enrolment: Enrolment, enrolments: list[Enrolment]) -> tuple[bool, dt.date]:
    """(is a continuous renewal, first continuous start) of `enrolment` among the claim's terms."""
    same_plan = [e for e in enrolments if e.plan == enrolment.plan and e.start < enrolment.start]
    current = enrolment
    chain = [enrolment]
    while True:
        previous = [e for e in same_plan if e.start < current.start and renews(e, current)]
        if not previous:
            break
        current = min(previous, key=lambda e: e.start)
        chain.append(current)
    renewal = len(chain) > 1
    first_start = current.start
    for term in chain:  # a term may state where its chain began, earlier than the terms listed
        if term.first_continuous_start is not None and term.first_continuous_start < first_start:
            first_start = term.first_continuous_start
            renewal = True
    return renewal, first_start


class Target(NamedTuple):
    """An enrolment whose term and plan cover the claim's event, with its continuity."""

    enrolment: Enrolment
    plan: "CompiledPlan"
    renewal: bool
    first_continuous_start: dt.date


def covers(enrolment: Enrolment, day: dt.date, maturity: bool = False) -> bool:
    """An event inside the term; a maturity event on any day from the term's start (the plan
    decides whether it has matured, `days_from_term_end`)."""
    if maturity:
        return enrolment.start <= day
    return enrolment.start <= day <= enrolment.end
