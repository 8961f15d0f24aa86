"""Aimed strategies for the accident family: accident (§2.5), new-form-worker (§2.6),
refundable-accident (§2.7), event-accident (§2.8), with the disability grades of §1.2.

Several members in one example (ids m0, m1, ...) let one aim reach every value of a boundary
in every run: each grade, each tier, each death day around 180.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from hypothesis import strategies as st

from oracle import Oracle
from oracle_strategies.common import (
    DAY, add_years, boundary_births, born_for, claims_of, enrolment, member, money, one_year, ordinary_births, smallest,
)

ITEMS = ("head", "left-arm", "right-arm", "left-leg", "right-leg", "spine", "eyes")
ACCIDENT_CIRCUMSTANCES = {  # the accident group (§1.1), and codes it does not hold
    "injured_by_policyholder": True, "self_harm": True, "crime": True, "suicide": True, "drugs": True,
    "drunk_driving": True, "unlicensed_driver": True, "unlicensed_vehicle": True, "war": True, "riot": True,
    "nuclear": True, "earthquake": True, "natural_disaster": True, "against_medical_advice": True,
    "non_therapeutic_abortion": True, "cosmetic": False, "hiv_transfusion": False,
    "suicide + no_civil_capacity": False,
}
START = dt.date(2024, 1, 1)


@st.composite
def care_costs(draw, base: int | None = None) -> dict:
    """Costs whose total − fund − other reimbursement is `base` fen (drawn when None)."""
    base = draw(st.one_of(st.integers(0, 20_000), st.integers(0, 3_000_000))) if base is None else base
    fund = draw(st.one_of(st.just(0), st.integers(0, 2_000_000)))
    out_of_scope = draw(st.integers(0, base))
    other = draw(st.one_of(st.just(0), st.just(0), st.integers(0, 100_000)))
    in_scope = base - out_of_scope + other
    return {"total": money(fund + in_scope + out_of_scope), "fund_paid": money(fund), "self_pay_in_scope": money(in_scope),
            "self_pay_out_of_scope": money(out_of_scope), "other_reimbursed": money(other)}


def injuries_of(pairs) -> list[dict]:
    return [{"item": item, "grade": grade} for item, grade in pairs]


@st.composite
def injuries(draw) -> list[dict]:
    return injuries_of(draw(st.lists(st.tuples(st.sampled_from(ITEMS), st.integers(1, 10)), min_size=1, max_size=4)))


def accident_event(accident_id: str, day: dt.date, *, injuries_=None, death: dt.date | None = None, medical: dict | None = None,
                   on_duty: bool = True, circumstances=(), treatment_end: dt.date | None = None) -> dict:
    event = {"kind": "accident", "accident_id": accident_id, "accident_date": day.isoformat(), "on_duty": on_duty}
    if injuries_:
        event["injuries"] = injuries_
    if death is not None:
        event["death_date"] = death.isoformat()
    if medical is not None:
        event["medical"] = medical
    if circumstances:
        event["circumstances"] = list(circumstances)
    if treatment_end is not None:
        event["treatment_end"] = treatment_end.isoformat()
    return event


@st.composite
def accident_stay(draw, accident_id: str, admission: dt.date, days: int | None = None, base: int | None = None,
                  on_duty: bool | None = None, designated: bool | None = None, circumstances=()) -> dict:
    days = draw(st.integers(0, 30)) if days is None else days
    event = {"kind": "hospital_stay", "admission": admission.isoformat(), "discharge": (admission + days * DAY).isoformat(),
             "cause": "accident", "accident_id": accident_id, "icu_days": 0,
             "designated": draw(st.booleans()) if designated is None else designated,
             "on_duty": draw(st.booleans()) if on_duty is None else on_duty,
             "diagnoses": [{"code": draw(st.sampled_from(("S72.0", "S82.1", "S06.0", "T31.3")))}], **draw(care_costs(base))}
    if circumstances:
        event["circumstances"] = list(circumstances)
    return event


@st.composite
def accident_enrolment(draw, start: dt.date, tier: int | None = None, schedule: str | None = None, enrolment_id: str = "acc") -> dict:
    return enrolment("accident", enrolment_id, start, tier=tier or draw(st.integers(1, 4)),
                     fee_schedule=schedule or draw(st.sampled_from(("normal", "high_risk"))))


@st.composite
def accident_member(draw, start: dt.date, member_id: str = "m1", risk: str | None = None, birth: dt.date | None = None,
                    employment: str | None = None) -> dict:
    return member(birth=birth or draw(ordinary_births(start)), gender=draw(st.sampled_from(("female", "male"))),
                  office=draw(st.sampled_from(("beijing", "xizang"))), risk=risk or draw(st.sampled_from(("normal", "high"))),
                  employment=employment or draw(st.sampled_from(("standard", "new_form"))), member_id=member_id)


@st.composite
def any_accident_event(draw, accident_id: str, day: dt.date) -> dict:
    """A stay, a disability, a death (around day 180) or outpatient costs of an accident."""
    kind = draw(st.sampled_from(("stay", "disability", "disability", "death", "medical")))
    if kind == "stay":
        return draw(accident_stay(accident_id, day))
    if kind == "medical":
        return accident_event(accident_id, day, medical=draw(care_costs()))
    death = day + draw(st.sampled_from((0, 30, 179, 180, 181, 250))) * DAY if kind == "death" else None
    medical = draw(care_costs()) if draw(st.integers(0, 3)) == 0 else None
    return accident_event(accident_id, day, injuries_=draw(injuries()) if kind == "disability" or draw(st.booleans()) else None,
                          death=death, medical=medical, on_duty=draw(st.booleans()))


AIMS: dict[str, Callable] = {}


def aim(name: str):
    def register(builder):
        AIMS[name] = builder
        return builder
    return register


def _each(values, build_one):
    """One member per value (m0, m1, ...), so that every value is reached in every example."""
    @st.composite
    def build(draw):
        claims = []
        for n, value in enumerate(values):
            claims += draw(build_one(f"m{n}", value))
        return claims
    return build


@st.composite
def _tiered_death(draw, member_id, case):
    tier, risk, schedule = case
    start = START + draw(st.integers(0, 300)) * DAY
    person = draw(accident_member(start, member_id, risk=risk, employment="standard"))
    day = start + draw(st.integers(0, 360)) * DAY
    return claims_of(person, [enrolment("accident", f"acc-{member_id}", start, tier=tier, fee_schedule=schedule)],
                     [accident_event("a1", day, death=day + draw(st.integers(0, 180)) * DAY,
                                     medical=draw(care_costs()) if draw(st.booleans()) else None)], prefix=f"{member_id}-c")


aim("accident death at every tier, member risk and fee schedule")(
    _each([(t, r, s) for t in (1, 2, 3, 4) for r in ("normal", "high") for s in ("normal", "high_risk")], _tiered_death))


@st.composite
def _graded(draw, member_id, grade):
    start = START + draw(st.integers(0, 200)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    items = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=1))
    pairs = [(items[0], grade)] + [(item, min(grade + draw(st.integers(1, 3)), 10)) for item in ITEMS[:draw(st.integers(0, 2))] if item != items[0] and grade < 10]
    return claims_of(person, [draw(accident_enrolment(start, enrolment_id=f"acc-{member_id}"))],
                     [accident_event("a1", start + draw(st.integers(0, 300)) * DAY, injuries_=injuries_of(pairs))], prefix=f"{member_id}-c")


aim("disability at every grade 1–10")(_each(range(1, 11), _graded))

TIES = {
    "two items at the most severe grade": [("head", 5), ("spine", 5)],
    "three items at the most severe grade": [("head", 4), ("spine", 4), ("left-arm", 4)],
    "a tie below the most severe grade": [("head", 3), ("spine", 6), ("left-arm", 6)],
    "two items at grade 2": [("head", 2), ("spine", 2)],
    "two items at grade 1": [("head", 1), ("spine", 1)],
    "two items at grade 10": [("left-arm", 10), ("right-arm", 10)],
    "the same item twice at one grade": [("head", 5), ("head", 5)],
    "the same item at two grades": [("head", 7), ("head", 4)],
    "a duplicate item beside a real tie": [("head", 5), ("head", 5), ("spine", 5)],
    "the same item at two grades beside another at the better": [("head", 3), ("head", 6), ("spine", 6)],
}


@st.composite
def _tie(draw, member_id, pairs):
    start = START + draw(st.integers(0, 200)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    plan = draw(st.sampled_from(("accident", "new-form-worker", "refundable-accident", "event-accident")))
    if plan == "accident":
        chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}"))
    else:
        chosen = enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)))
        person["employment"] = "new_form" if plan == "new-form-worker" else person["employment"]
    return claims_of(person, [chosen], [accident_event("a1", start + draw(st.integers(0, 200)) * DAY,
                                                       injuries_=injuries_of(draw(st.permutations(pairs))))], prefix=f"{member_id}-c")


aim("several injuries of one accident: ties, duplicates and the grade-1 ceiling")(_each(list(TIES.values()), _tie))


@st.composite
def _death_day(draw, member_id, case):
    days, with_injuries = case
    start = START + draw(st.integers(0, 300)) * DAY
    plan = draw(st.sampled_from(("accident", "new-form-worker", "refundable-accident", "event-accident")))
    person = draw(accident_member(start, member_id, employment="new_form" if plan == "new-form-worker" else "standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)))
    day = start + draw(st.integers(0, 300)) * DAY
    return claims_of(person, [chosen], [accident_event("a1", day, death=day + days * DAY,
                                                       injuries_=draw(injuries()) if with_injuries else None)], prefix=f"{member_id}-c")


aim("death on day 179, 180 and 181 after the accident, with and without injuries")(
    _each([(d, i) for d in (179, 180, 181) for i in (False, True)], _death_day))


@st.composite
def _same_accident(draw, member_id, steps):
    """One accident's claims in turn: a disability, a re-assessment, a death."""
    start = START + draw(st.integers(0, 100)) * DAY
    plan = draw(st.sampled_from(("accident", "accident", "new-form-worker", "refundable-accident", "event-accident")))
    person = draw(accident_member(start, member_id, employment="new_form" if plan == "new-form-worker" else "standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)))
    day = start + draw(st.integers(0, 150)) * DAY
    events, assessed = [], day
    for step in steps:
        assessed += draw(st.integers(1, 40)) * DAY  # each assessment after more treatment
        if step == "death":
            events.append(accident_event("a1", day, death=day + draw(st.integers(0, 180)) * DAY))
        else:
            events.append(accident_event("a1", day, injuries_=[{"item": "head", "grade": step}], treatment_end=assessed))
    return claims_of(person, [chosen], events, prefix=f"{member_id}-c")


aim("one accident: disability, then a worse and a better re-assessment, then death")(
    _each([(8, 4, 6, "death"), (5, "death"), (1, "death"), ("death", 3), (9, 9)], _same_accident))


@st.composite
def _term_sum(draw, member_id, case):
    """Several accidents in one term exhausting the sum; proportional members keep the fen
    the rounded proportional limit leaves (the one-fen case of test_accident_properties)."""
    tier, grades = case
    start = START + draw(st.integers(0, 100)) * DAY
    person = draw(accident_member(start, member_id, risk="high", employment="standard"))
    chosen = enrolment("accident", f"acc-{member_id}", start, tier=tier, fee_schedule=draw(st.sampled_from(("normal", "high_risk"))))
    events = [accident_event(f"a{n}", start + (10 + 20 * n) * DAY, injuries_=[{"item": "head", "grade": grade}])
              for n, grade in enumerate(grades)]
    return claims_of(person, [chosen], events, prefix=f"{member_id}-c")


aim("the sum S per term exhausted by several accidents, proportional or not")(
    _each([(3, (6, 6, 10)), (2, (6, 6, 10)), (1, (3, 8, 9)), (4, (2, 3)), (3, (1, 10))], _term_sum))


def accident_medical_paid(claims_before: list[dict], claim: dict, enrolment_id: str):
    oracle = Oracle()
    for earlier in claims_before:
        oracle.adjudicate(earlier)
    outcome = oracle.adjudicate(claim).enrolments[enrolment_id]
    return next((line for line in outcome.lines if line.benefit == "accidental-medical"), None)


@st.composite
def _medical(draw, member_id, case):
    """Accidental medical at the 100 deductible (±1 fen), then the cap reached exactly."""
    target, offset = case
    start = START + draw(st.integers(0, 200)) * DAY
    plan = "event-accident" if target == "event cap" else "accident"
    person = draw(accident_member(start, member_id, employment="standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start)
    day = start + draw(st.integers(0, 200)) * DAY
    enrolments = [chosen]
    claims = []
    if target in ("cap", "event cap"):
        for n in range(draw(st.integers(0, 2))):
            event = accident_event("a1" if plan == "event-accident" else f"a{n}", day,
                                   medical=draw(care_costs(draw(st.integers(0, 500_000)))), treatment_end=day + (n + 1) * DAY)
            claims += claims_of(person, enrolments, [event], prefix=f"{member_id}-p{n}-")
    event = accident_event("a1", day, medical=draw(care_costs(0)))

    def paid(base: int):
        trial = dict(event, medical=draw_free_costs(base))
        line = accident_medical_paid(claims, claims_of(person, enrolments, [trial], prefix=f"{member_id}-t")[0], chosen["enrolment_id"])
        return line

    if target == "deductible":
        edge = smallest(0, 100_000, lambda b: paid(b).note not in ("nothing_to_pay", "below_deductible")) - 1
    else:
        left = paid(10**9).amount
        edge = smallest(0, 10**9, lambda b: paid(b).amount >= left)
    final = dict(event, medical=draw(care_costs(max(edge + offset, 0))))
    return claims + claims_of(person, enrolments, [final], prefix=f"{member_id}-c")


def draw_free_costs(base: int) -> dict:
    return {"total": money(base), "fund_paid": "0.00", "self_pay_in_scope": money(base), "self_pay_out_of_scope": "0.00",
            "other_reimbursed": "0.00"}


aim("accidental medical: the deductible of 100 per accident, one fen either side")(
    _each([("deductible", o) for o in (-1, 0, 1, 2)], _medical))
aim("accidental medical: the term cap (20% of S) reached exactly")(_each([("cap", o) for o in (-1, 0, 1)], _medical))
aim("event-accident medical: 10,000 per accident reached exactly")(_each([("event cap", o) for o in (-1, 0, 1)], _medical))


@st.composite
def _deductible_spread(draw, member_id, split):
    """The per-accident deductible spread over two claims of the same accident."""
    start = START + draw(st.integers(0, 200)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"acc-{member_id}"))
    day = start + draw(st.integers(0, 200)) * DAY
    first, second = split
    events = [accident_event("a1", day, medical=draw(care_costs(first))),
              draw(accident_stay("a1", day + 2 * DAY, base=second)) if draw(st.booleans()) else
              accident_event("a1", day, medical=draw(care_costs(second)), treatment_end=day + 5 * DAY),
              accident_event("a2", day + 9 * DAY, medical=draw(care_costs(draw(st.integers(0, 20_000)))))]
    return claims_of(person, [chosen], events, prefix=f"{member_id}-c")


aim("accidental medical: the deductible spread over claims of one accident")(
    _each([(6_000, 3_999), (6_000, 4_000), (6_000, 4_001), (10_000, 1), (0, 10_001)], _deductible_spread))


@st.composite
def _subsidy_days(draw, member_id, case):
    plan, total = case
    start = START + draw(st.integers(0, 60)) * DAY
    person = draw(accident_member(start, member_id, employment="new_form" if plan == "new-form-worker" else "standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start)
    deductible, limit = (0, 180) if plan == "accident" else (2, 30)
    first = draw(st.integers(limit // 2, limit - 1))
    admission = start + draw(st.integers(0, 30)) * DAY
    one = draw(accident_stay("a1", admission, days=first + deductible))
    two = draw(accident_stay("a2", admission + (first + deductible + draw(st.integers(0, 9))) * DAY,
                             days=total - first + deductible))
    return claims_of(person, [chosen], [one, two], prefix=f"{member_id}-c")


aim("hospital subsidy (180 days a term) and new-form hospital days (30 a term) reached exactly")(
    _each([(p, t) for p, limit in (("accident", 180), ("new-form-worker", 30)) for t in (limit - 1, limit, limit + 1)], _subsidy_days))


@st.composite
def _short_stays(draw, member_id, days):
    start = START + draw(st.integers(0, 300)) * DAY
    person = draw(accident_member(start, member_id, employment="new_form"))
    plans = [enrolment("new-form-worker", f"nf-{member_id}", start), draw(accident_enrolment(start, enrolment_id=f"acc-{member_id}"))]
    stay = draw(accident_stay("a1", start + draw(st.integers(0, 300)) * DAY, days=days))
    if draw(st.booleans()):
        stay = dict(stay, cause="disease", diagnoses=[{"code": "J18.9"}])
        stay.pop("accident_id")
    return claims_of(person, plans, [stay], prefix=f"{member_id}-c")


aim("stays of 0 to 3 days: new-form's 2 deductible days, the accident plan's none")(_each([0, 1, 2, 3], _short_stays))


@st.composite
def _ages(draw, member_id, plan):
    start = START + draw(st.integers(0, 300)) * DAY
    low, high = {"accident": (16, 60), "new-form-worker": (16, 65), "refundable-accident": (16, 60), "event-accident": (16, 70)}[plan]
    person = draw(accident_member(start, member_id, birth=draw(boundary_births(start, low, high)),
                                  employment="new_form" if plan == "new-form-worker" else "standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)))
    day = start + draw(st.integers(0, 300)) * DAY
    return claims_of(person, [chosen], [accident_event("a1", day, death=day + 3 * DAY)], prefix=f"{member_id}-c")


aim("age at the term start one either side of each plan's range")(
    _each(["accident", "new-form-worker", "refundable-accident", "event-accident"] * 2, _ages))


@st.composite
def _eligibility(draw, member_id, case):
    plan, what = case
    start = START + draw(st.integers(0, 300)) * DAY
    employment = {"retired": "retired", "standard": "standard"}.get(what, "new_form" if plan == "new-form-worker" else "standard")
    person = draw(accident_member(start, member_id, employment=employment))
    if plan == "accident":
        chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}"))
    else:
        chosen = enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)), source="paid" if what == "paid" else None)
    day = start + draw(st.integers(0, 300)) * DAY
    return claims_of(person, [chosen], [accident_event("a1", day, injuries_=draw(injuries()), on_duty=what != "off duty")],
                     prefix=f"{member_id}-c")


aim("eligibility: retired, not a new-form worker, a paid new-form enrolment, off duty")(
    _each([("accident", "retired"), ("refundable-accident", "retired"), ("event-accident", "retired"),
           ("new-form-worker", "standard"), ("new-form-worker", "paid"), ("new-form-worker", "retired"),
           ("event-accident", "off duty"), ("accident", "off duty")], _eligibility))


@st.composite
def _excluded(draw, member_id, circumstance):
    start = START + draw(st.integers(0, 300)) * DAY
    plan = draw(st.sampled_from(("accident", "new-form-worker", "refundable-accident", "event-accident")))
    person = draw(accident_member(start, member_id, employment="new_form" if plan == "new-form-worker" else "standard"))
    chosen = draw(accident_enrolment(start, enrolment_id=f"e-{member_id}")) if plan == "accident" else \
        enrolment(plan, f"e-{member_id}", start, units=draw(st.integers(1, 3)))
    day = start + draw(st.integers(0, 300)) * DAY
    circumstances = circumstance.split(" + ")
    event = draw(st.sampled_from((
        accident_event("a1", day, injuries_=draw(injuries()), circumstances=circumstances, medical=draw(care_costs())),
        draw(accident_stay("a1", day, on_duty=True, circumstances=circumstances)))))
    return claims_of(person, [chosen], [event], prefix=f"{member_id}-c")


aim("every accident exclusion clause, and circumstances outside the group")(_each(sorted(ACCIDENT_CIRCUMSTANCES), _excluded))


@st.composite
def _disease_events(draw, member_id, case):
    kind, day_number = case
    start = START + draw(st.integers(0, 200)) * DAY
    person = draw(accident_member(start, member_id, employment="new_form"))
    continuity = draw(st.sampled_from(("first", "previous", "stated")))
    enrolments = [enrolment("new-form-worker", f"nf-{member_id}", start,
                            first_continuous_start=start - 200 * DAY if continuity == "stated" else None),
                  draw(accident_enrolment(start, enrolment_id=f"acc-{member_id}")),
                  enrolment("refundable-accident", f"rf-{member_id}", start)]
    first = start
    if continuity == "previous":
        end = start - draw(st.sampled_from((1, 30, 31))) * DAY
        enrolments.append(enrolment("new-form-worker", f"nf0-{member_id}", add_years(end, -1) + DAY, end))
        first = add_years(end, -1) + DAY if (start - end).days <= 30 else start
    elif continuity == "stated":
        first = start - 200 * DAY
    when = max(first + day_number * DAY, start)
    codes = [draw(st.sampled_from(("I21.0", "C34.9", "J18.9", "F32.1", "O80")))]
    if kind == "death":
        event = {"kind": "death", "death_date": when.isoformat(), "cause": "disease", "diagnoses": [{"code": c} for c in codes]}
        if draw(st.integers(0, 3)) == 0:
            event["circumstances"] = [draw(st.sampled_from(("war", "earthquake", "drugs")))]
        if draw(st.integers(0, 4)) == 0:
            event["diagnoses"][0]["onset_date"] = (first - DAY).isoformat()
    else:
        event = {"kind": "hospital_stay", "admission": when.isoformat(), "discharge": (when + draw(st.integers(0, 12)) * DAY).isoformat(),
                 "cause": "disease", "designated": True, "icu_days": 0, "diagnoses": [{"code": c} for c in codes], **draw(care_costs())}
    events = [event]
    if draw(st.booleans()):  # an accidental death after the disease death, or the other way round
        events.insert(draw(st.integers(0, 1)), accident_event("a1", when - DAY if when > start else when, death=when))
    return claims_of(person, enrolments, events, prefix=f"{member_id}-c")


aim("new-form disease death on day 89 and 90, disease stays, one death benefit")(
    _each([("death", 89), ("death", 90), ("death", 400), ("stay", 10)], _disease_events))


@st.composite
def _maturity(draw, member_id, case):
    years, offset, alive, before = case
    start = START + draw(st.integers(0, 100)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    end = add_years(start, years) - DAY
    chosen = enrolment("refundable-accident", f"rf-{member_id}", start, end, units=draw(st.integers(1, 3)))
    events = []
    if before == "death":
        day = start + draw(st.integers(0, 200)) * DAY
        events.append(accident_event("a1", day, death=day + draw(st.sampled_from((5, 181))) * DAY))
    elif before == "disability":
        events.append(accident_event("a1", start + draw(st.integers(0, 200)) * DAY, injuries_=draw(injuries())))
    events.append({"kind": "maturity", "maturity_date": (end + offset * DAY).isoformat(), "alive": alive})
    if draw(st.booleans()):
        events.append({"kind": "maturity", "maturity_date": (end + (offset + 10) * DAY).isoformat(), "alive": True})
    return claims_of(person, [chosen], events, prefix=f"{member_id}-c")


aim("refundable maturity on the end date, one day either side, alive or not, after a death")(
    _each([(y, o, a, b) for y, o, a, b in ((1, -1, True, None), (1, 0, True, None), (1, 1, True, None), (3, 0, True, None),
                                           (3, -1, True, None), (1, 0, False, None), (1, 0, True, "death"),
                                           (3, 5, True, "disability"))], _maturity))


@st.composite
def _refundable_sum(draw, member_id, grades):
    start = START + draw(st.integers(0, 100)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    chosen = enrolment("refundable-accident", f"rf-{member_id}", start, add_years(start, 3) - DAY, units=draw(st.integers(1, 3)))
    events = [accident_event(f"a{n}", start + (30 + 200 * n) * DAY, injuries_=[{"item": "spine", "grade": g}]) for n, g in enumerate(grades)]
    return claims_of(person, [chosen], events, prefix=f"{member_id}-c")


aim("refundable death and disability within 5,000 × units per term")(_each([(3, 3), (1, 10), (6, 6, 6)], _refundable_sum))


@st.composite
def _event_term(draw, member_id, offset):
    """event-accident's term is the event's dates: an accident a day before, on the first and
    last day, and a day after; a death after the event ended."""
    start = START + draw(st.integers(0, 300)) * DAY
    end = start + draw(st.integers(0, 40)) * DAY
    person = draw(accident_member(start, member_id, employment="standard"))
    chosen = enrolment("event-accident", f"ev-{member_id}", start, end)
    day = {"before": start - DAY, "first": start, "last": end, "after": end + DAY}[offset]
    return claims_of(person, [chosen], [accident_event("a1", day, death=day + draw(st.integers(0, 180)) * DAY)], prefix=f"{member_id}-c")


aim("event-accident: accidents around the event's dates")(_each(["before", "first", "last", "after"], _event_term))


@st.composite
def _multi(draw, member_id, shape):
    """One member holding hospital and accident plans, claims of one accident through all of
    them, enrolments listed in any order: the indemnity order of §0."""
    start = START + draw(st.integers(0, 200)) * DAY
    person = draw(accident_member(start, member_id, employment="new_form"))
    person["medical_insurance"] = draw(st.sampled_from(("urban_employee", "urban_rural_resident")))
    person["office"] = "lanzhou" if person["medical_insurance"] == "urban_rural_resident" else person["office"]
    enrolments = [enrolment("inpatient-medical", f"im-{member_id}", start, units=draw(st.integers(1, 3))),
                  enrolment("hospital-allowance", f"ha-{member_id}", start, units=draw(st.integers(1, 3))),
                  draw(accident_enrolment(start, enrolment_id=f"acc-{member_id}")),
                  enrolment("new-form-worker", f"nf-{member_id}", start),
                  enrolment("refundable-accident", f"rf-{member_id}", start, units=draw(st.integers(1, 3))),
                  enrolment("event-accident", f"ev-{member_id}", start)]
    enrolments = draw(st.permutations(enrolments))
    accident_day = start + draw(st.integers(0, 200)) * DAY
    day, events = accident_day, []
    for n in range(shape):
        base = draw(st.sampled_from((0, 5_000, 10_000, 60_000, 400_000, 1_500_000, 3_000_000)))
        if draw(st.integers(0, 2)):
            event = draw(accident_stay("a1", day, base=base, on_duty=True))
            day = dt.date.fromisoformat(event["discharge"]) + draw(st.integers(1, 20)) * DAY
        else:
            event = accident_event("a1", accident_day, medical=draw(care_costs(base)), treatment_end=day,
                                   injuries_=draw(injuries()) if draw(st.booleans()) else None)
            day += draw(st.integers(1, 20)) * DAY
        events.append(event)
    return claims_of(person, enrolments, events, prefix=f"{member_id}-c")


aim("one accident against six plans in any order: the indemnity rule")(_each([1, 2, 3], _multi))


@st.composite
def free_sequences(draw, with_other_plans: bool = False) -> list[dict]:
    """A member's year of accidents: 1–6 claims of up to three accidents, in the accident plan
    and, with `with_other_plans`, inpatient-medical, new-form-worker and event-accident."""
    start = START + draw(st.integers(0, 300)) * DAY
    person = draw(accident_member(start))
    enrolments = [draw(accident_enrolment(start))]
    if with_other_plans:
        enrolments += [enrolment("inpatient-medical", "im", start, units=draw(st.integers(1, 3))),
                       enrolment("new-form-worker", "nf", start),
                       enrolment("event-accident", "ev", start, start + draw(st.integers(0, 200)) * DAY)]
        enrolments = draw(st.permutations(enrolments))
    days = sorted(draw(st.lists(st.integers(0, 364), min_size=1, max_size=6)))
    events = [draw(any_accident_event(draw(st.sampled_from(("a1", "a2", "a3"))), start + d * DAY)) for d in days]
    return claims_of(person, enrolments, events)
