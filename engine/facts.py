"""Claim + enrolment -> the flat fact the rules are evaluated on.

Facts hold only what the plan's rules test (`CompiledPlan.fact_fields`), named as in
`engine.vocabulary`, as ints and short strings (durable_rules takes no Decimal and compares
mixed types as text), plus presence flags: `ci_<code>` for each stated circumstance and
`dx_<hash>` for each code list of the plan that a diagnosis falls in. Small facts keep the JSON
the rule engine parses small.
"""

from __future__ import annotations

import datetime as dt

from engine.conditions import circumstance_flag
from engine.model.claim import Accident, Claim, Enrolment, HospitalStay, Maturity
from engine.rules.compiler import CompiledPlan
from engine.terms import age_on


def build_fact(
    claim: Claim,
    enrolment: Enrolment,
    plan: CompiledPlan,
    renewal: bool,
    first_continuous_start: dt.date,
) -> dict:
    fact = _fields(claim, enrolment, plan.fact_fields, renewal, first_continuous_start)
    if plan.code_sets:
        for diagnosis in claim.event.diagnoses:
            for flag in plan.code_index.flags_for(diagnosis.code):
                fact[flag] = 1
    return fact


def build_diagnosis_facts(
    claim: Claim,
    enrolment: Enrolment,
    plan: CompiledPlan,
    renewal: bool,
    first_continuous_start: dt.date,
) -> list[dict]:
    """One fact per diagnosis of the event, for the disease criteria (subject `diagnosis`):
    its own code lists (`co_*`), the event's code lists (`dx_*`) and procedures (`pr_*`), its
    findings encoded exactly (`f_*`, `engine.findings`), and the plain fields criteria test."""
    event = claim.event
    shared = _fields(claim, enrolment, plan.diagnosis_fact_fields, renewal, first_continuous_start)
    shared["t"] = "d"
    for diagnosis in event.diagnoses:
        for flag in plan.event_code_index.flags_for(diagnosis.code):
            shared[flag] = 1
    for code in getattr(event, "procedures", None) or ():
        for flag in plan.procedure_index.flags_for(code):
            shared[flag] = 1
    facts = []
    for diagnosis in event.diagnoses:
        fact = dict(shared)
        for flag in plan.own_code_index.flags_for(diagnosis.code):
            fact[flag] = 1
        findings = diagnosis.findings
        if findings:
            for finding in plan.findings:
                if finding.key in findings:
                    fact[finding.fact_key] = finding.encode(findings[finding.key])
        facts.append(fact)
    return facts


def _fields(claim: Claim, enrolment: Enrolment, needed: frozenset[str], renewal: bool, first_continuous_start: dt.date) -> dict:
    member, event = claim.member, claim.event
    fact: dict = {}
    if "age" in needed:
        fact["age"] = age_on(member.birth_date, enrolment.start)
    for name in ("gender", "office", "medical_insurance", "employment", "occupation_risk"):
        if name in needed:
            fact[name] = getattr(member, name)
    for name in ("source", "units", "tier", "fee_schedule"):
        if name in needed and getattr(enrolment, name) is not None:
            fact[name] = getattr(enrolment, name)
    if "continuous_renewal" in needed:
        fact["continuous_renewal"] = int(renewal)
    if "days_from_first_continuous_start" in needed:
        fact["days_from_first_continuous_start"] = (event.date - first_continuous_start).days
    if "days_from_term_end" in needed:
        fact["days_from_term_end"] = (event.date - enrolment.end).days
    if "alive" in needed and isinstance(event, Maturity):
        fact["alive"] = int(event.alive)
    if "event" in needed:
        fact["event"] = event.kind
    if "cause" in needed and event.cause is not None:
        fact["cause"] = event.cause
    if "pre_existing" in needed:  # the principal (first) diagnosis is the disease the event is for
        principal = event.diagnoses[0] if event.diagnoses else None
        fact["pre_existing"] = int(
            principal is not None and principal.onset_date is not None and principal.onset_date < first_continuous_start
        )
    if isinstance(event, HospitalStay):
        if "designated" in needed:
            fact["designated"] = int(event.designated)
        if "stay_days" in needed:
            fact["stay_days"] = (event.discharge - event.admission).days
        if "icu_days" in needed:
            fact["icu_days"] = event.icu_days
        if "on_duty" in needed:
            fact["on_duty"] = int(event.on_duty)
    elif isinstance(event, Accident):
        if "on_duty" in needed:
            fact["on_duty"] = int(event.on_duty)
        if "outcome" in needed:
            fact["outcome"] = "death" if event.death_date else "disability" if event.injuries else "treatment"
    if "care_costs" in needed:
        fact["care_costs"] = int(isinstance(event, HospitalStay) or (isinstance(event, Accident) and event.medical is not None))
    for code in event.circumstances:
        fact[circumstance_flag(code)] = 1
    return fact
