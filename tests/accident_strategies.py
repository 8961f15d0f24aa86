"""Hypothesis strategies for accident-family claims: one member, a year of accidents (several
claims per accident: stays, disability assessments, a death), in the accident plan and, for the
multi-plan properties, inpatient-medical and event-accident too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import assume
from hypothesis import strategies as st

START = dt.date(2024, 1, 1)
END = dt.date(2024, 12, 31)
ITEMS = ["head", "left-arm", "right-arm", "left-leg", "right-leg", "spine"]


def _money(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2))


@st.composite
def costs(draw) -> dict:
    total = draw(st.integers(0, 3_000_000))
    fund = draw(st.integers(0, total))
    in_scope = draw(st.integers(0, total - fund))
    out_scope = draw(st.integers(0, total - fund - in_scope))
    other = draw(st.integers(0, total - fund)) if draw(st.booleans()) else 0
    return {"total": _money(total), "fund_paid": _money(fund), "self_pay_in_scope": _money(in_scope),
            "self_pay_out_of_scope": _money(out_scope), "other_reimbursed": _money(other)}


@st.composite
def accident_events(draw, day: int, accident_id: str) -> dict:
    accident_date = START + dt.timedelta(days=day)
    kind = draw(st.sampled_from(["stay", "injury", "injury", "death", "medical"]))
    if kind == "stay":
        length = draw(st.integers(0, 60))
        return {"kind": "hospital_stay", "admission": accident_date.isoformat(),
                "discharge": (accident_date + dt.timedelta(days=length)).isoformat(), "cause": "accident",
                "accident_id": accident_id, "designated": draw(st.booleans()), "on_duty": draw(st.booleans()),
                "icu_days": 0, **draw(costs())}
    event = {"kind": "accident", "accident_id": accident_id, "accident_date": accident_date.isoformat(),
             "on_duty": draw(st.booleans())}
    if kind in ("injury", "death"):
        injuries = draw(st.lists(st.tuples(st.sampled_from(ITEMS), st.integers(1, 10)), min_size=1, max_size=4))
        event["injuries"] = [{"item": item, "grade": grade} for item, grade in injuries]
    if kind == "death":
        event["death_date"] = (accident_date + dt.timedelta(days=draw(st.sampled_from([0, 30, 179, 180, 181, 200])))).isoformat()
    if kind == "medical" or draw(st.integers(0, 3)) == 0:
        event["medical"] = draw(costs())
    return event


@st.composite
def accident_sequences(draw, with_other_plans: bool = False) -> tuple[dict, list[dict]]:
    tier = draw(st.integers(1, 4))
    schedule = draw(st.sampled_from(["normal", "high_risk"]))
    risk = draw(st.sampled_from(["normal", "high"]))
    fees = {"normal": [26, 50, 74, 100], "high_risk": [32, 62, 93, 124]}
    member = {"member_id": "m1", "gender": "male", "birth_date": "1980-03-01", "office": "beijing",
              "medical_insurance": "urban_employee", "employment": "standard", "occupation_risk": risk}
    enrolments = [{"enrolment_id": "acc", "plan": "accident", "tier": tier, "fee_schedule": schedule,
                   "fee_paid": f"{fees[schedule][tier - 1]}.00", "start": START.isoformat(), "end": END.isoformat()}]
    if with_other_plans:
        enrolments += [
            {"enrolment_id": "im", "plan": "inpatient-medical", "units": (units := draw(st.integers(1, 3))),
             "fee_paid": f"{60 * units}.00", "start": START.isoformat(), "end": END.isoformat()},
            {"enrolment_id": "ev", "plan": "event-accident", "units": 1, "fee_paid": "0.00", "source": "gift",
             "start": START.isoformat(), "end": END.isoformat()},
        ]
    count = draw(st.integers(1, 6))
    days = sorted(draw(st.lists(st.integers(0, 300), min_size=count, max_size=count)))
    claims = []
    stays: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, day in enumerate(days):
        accident_id = draw(st.sampled_from(["a1", "a2", "a3"]))
        event = draw(accident_events(day, accident_id))
        if event["kind"] == "hospital_stay":
            # a stay sharing a night with an earlier one (or on the same dates) is a suspected
            # duplicate (engine.events): such care comes as the accident's medical costs instead
            if any(event["admission"] < d and a < event["discharge"] or (a, d) == (event["admission"], event["discharge"])
                   for a, d in stays):
                costs_of = {k: event[k] for k in ("total", "fund_paid", "self_pay_in_scope", "self_pay_out_of_scope", "other_reimbursed")}
                event = {"kind": "accident", "accident_id": accident_id, "accident_date": event["admission"],
                         "on_duty": event["on_duty"], "medical": costs_of}
            else:
                stays.append((event["admission"], event["discharge"]))
        if event["kind"] == "accident":
            assume(repr(sorted(event.items())) not in seen)  # the same accident event again is a suspected duplicate
            seen.add(repr(sorted(event.items())))
        claims.append({"claim_id": f"c{index}", "member": member, "enrolments": enrolments, "event": event})
    return {"tier": tier, "schedule": schedule, "risk": risk}, claims
