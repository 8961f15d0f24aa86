"""Members, enrolments and money for the aimed strategies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Callable

from hypothesis import strategies as st

DAY = dt.timedelta(days=1)
FEE_PER_UNIT = {"inpatient-medical": 60, "hospital-allowance": 30, "critical-illness": 80,
                "female-special-disease": 25, "refundable-accident": 410}
ACCIDENT_FEES = {"normal": (26, 50, 74, 100), "high_risk": (32, 62, 93, 124)}
GIFTS = ("new-form-worker", "event-accident")
OFFICES = ("beijing", "lanzhou", "zunyi", "jilin", "xizang")


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def one_year(start: dt.date) -> dt.date:
    return add_years(start, 1) - DAY


def money(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


def cents(amount) -> int:
    return int(Decimal(str(amount)) * 100)


def enrolment(plan: str, enrolment_id: str, start: dt.date, end: dt.date | None = None, *, units: int = 1,
              tier: int | None = None, fee_schedule: str = "normal", first_continuous_start: dt.date | None = None,
              source: str | None = None) -> dict:
    data = {"enrolment_id": enrolment_id, "plan": plan, "start": start.isoformat(), "end": (end or one_year(start)).isoformat()}
    if plan == "accident":
        data.update(tier=tier or 1, fee_schedule=fee_schedule, fee_paid=money(100 * ACCIDENT_FEES[fee_schedule][(tier or 1) - 1]))
    elif plan in GIFTS:
        data.update(units=1, fee_paid="0.00", source=source or "gift")
    else:
        data.update(units=units, fee_paid=money(100 * FEE_PER_UNIT[plan] * units))
    if source and plan not in GIFTS:
        data["source"] = source
    if first_continuous_start is not None:
        data["first_continuous_start"] = first_continuous_start.isoformat()
    return data


def member(*, birth: dt.date, gender: str = "female", office: str = "beijing", insurance: str = "urban_employee",
           employment: str = "standard", risk: str = "normal", member_id: str = "m1") -> dict:
    return {"member_id": member_id, "gender": gender, "birth_date": birth.isoformat(), "office": office,
            "medical_insurance": insurance, "employment": employment, "occupation_risk": risk}


def born_for(start: dt.date, age: int, shift: int = 0) -> dt.date:
    """A birth date `age` years before `start`, moved `shift` days (a birthday the day after the
    start makes the member a year younger on it)."""
    return add_years(start, -age) + dt.timedelta(days=shift)


@st.composite
def ordinary_births(draw, start: dt.date) -> dt.date:
    """An age well inside every plan's range (20–55 on the start)."""
    return start - dt.timedelta(days=draw(st.integers(20 * 366, 55 * 365)))


@st.composite
def boundary_births(draw, start: dt.date, low: int, high: int) -> dt.date:
    """A birthday on, the day before or the day after the start, at an age one either side of
    each end of a plan's range."""
    age = draw(st.sampled_from((low - 1, low, high, high + 1)))
    return born_for(start, age, draw(st.sampled_from((-1, 0, 1))))


def claims_of(member_: dict, enrolments: list[dict], events: list[dict], prefix: str = "c") -> list[dict]:
    """The member's claims, one per event, leaving out an event that repeats an earlier one."""
    return [{"claim_id": f"{prefix}{i + 1}", "member": member_, "enrolments": enrolments, "event": event}
            for i, event in enumerate(genuine(events))]


def genuine(events: list[dict]) -> list[dict]:
    """The events of one person that could all have happened: no two stays sharing a night (or
    the same same-day stay twice), no diagnosis of the same code on the same date twice, no
    accident event sent twice as it was, one death. The engine holds such repeats as suspected
    duplicates (README, "Suspected duplicates"); a generated sequence never needs them."""
    kept: list[dict] = []
    for event in events:
        if not any(_repeats(event, earlier) for earlier in kept):
            kept.append(event)
    return kept


def _repeats(event: dict, earlier: dict) -> bool:
    if event["kind"] != earlier["kind"]:
        return False
    kind = event["kind"]
    if kind == "hospital_stay":
        a1, d1, a2, d2 = (dt.date.fromisoformat(x) for x in (earlier["admission"], earlier["discharge"], event["admission"], event["discharge"]))
        return (a2 < d1 and a1 < d2) or (a1, d1) == (a2, d2)
    if kind == "diagnosis":
        codes = lambda e: {d["code"].strip().upper() for d in e["diagnoses"]}
        return event["diagnosis_date"] == earlier["diagnosis_date"] and bool(codes(event) & codes(earlier))
    if kind == "accident":
        return event == earlier
    return kind == "death"


def smallest(low: int, high: int, reaches: Callable[[int], bool]) -> int:
    """The smallest integer in [low, high] where `reaches` holds (it must hold at `high` and be
    monotone); `high` when it never turns earlier."""
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return low
