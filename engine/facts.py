"""Claim + enrolment -> the flat fact the rules are evaluated on.

Facts hold only what `engine.vocabulary` names, as ints and short strings (durable_rules takes
no Decimal and compares mixed types as text), plus presence flags: `ci_<code>` for each stated
circumstance and `dx_<hash>` for each code list of the plan that a diagnosis falls in.
"""

from __future__ import annotations

import datetime as dt

from engine.conditions import circumstance_flag
from engine.model.claim import Claim, Enrolment, HospitalStay
from engine.rules.compiler import CompiledPlan
from engine.terms import age_on


def build_fact(
    claim: Claim,
    enrolment: Enrolment,
    plan: CompiledPlan,
    renewal: bool,
    first_continuous_start: dt.date,
) -> dict:
    member, event = claim.member, claim.event
    fact: dict = {
        "age": age_on(member.birth_date, enrolment.start),
        "gender": member.gender,
        "office": member.office,
        "medical_insurance": member.medical_insurance,
        "employment": member.employment,
        "occupation_risk": member.occupation_risk,
        "source": enrolment.source,
        "continuous_renewal": int(renewal),
        "days_from_first_continuous_start": (event.date - first_continuous_start).days,
        "event": event.kind,
        "pre_existing": int(
            any(d.onset_date is not None and d.onset_date < first_continuous_start for d in event.diagnoses)
        ),
    }
    if enrolment.units is not None:
        fact["units"] = enrolment.units
    if enrolment.tier is not None:
        fact["tier"] = enrolment.tier
    if event.cause is not None:
        fact["cause"] = event.cause
    if isinstance(event, HospitalStay):
        fact["designated"] = int(event.designated)
        fact["stay_days"] = (event.discharge - event.admission).days
        fact["icu_days"] = event.icu_days
    if getattr(event, "on_duty", None) is not None:
        fact["on_duty"] = int(event.on_duty)
    for code in event.circumstances:
        fact[circumstance_flag(code)] = 1
    for diagnosis in event.diagnoses:
        for flag in plan.code_index.flags_for(diagnosis.code):
            fact[flag] = 1
    return fact
