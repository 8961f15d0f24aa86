"""The facts a plan's conditions may test, and what values each may take.

Plans speak of the member, the enrolment and the event in these words only. The fact builder
(`engine.facts`) computes each of them from a claim; conditions naming anything else are
rejected when the plan is loaded, with the list of known fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["enum", "text", "int", "bool"]

EVENT_KINDS = ("hospital_stay", "diagnosis", "accident", "death", "maturity")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    description: str
    values: tuple[str, ...] = ()


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("age", "int", "whole years on the enrolment's start date (年龄，按保障期起始日计算)"),
        FieldSpec("gender", "enum", "member's gender", ("female", "male")),
        FieldSpec("office", "text", "mutual-aid office serving the member (办事处), e.g. beijing, xizang"),
        FieldSpec(
            "medical_insurance",
            "enum",
            "basic medical insurance (基本医疗保险类型)",
            ("urban_employee", "urban_rural_resident", "none"),
        ),
        FieldSpec("employment", "enum", "employment form", ("standard", "new_form", "retired")),
        FieldSpec("occupation_risk", "enum", "occupation risk class", ("normal", "high")),
        FieldSpec("source", "enum", "who paid the enrolment's fee", ("paid", "gift")),
        FieldSpec("units", "int", "units (份数) of the enrolment"),
        FieldSpec("tier", "int", "tier (档次) of the enrolment"),
        FieldSpec("continuous_renewal", "bool", "the enrolment continues an earlier term of the same plan"),
        FieldSpec(
            "days_from_first_continuous_start",
            "int",
            "event date minus the first continuous start, in days (day 0 is the first day)",
        ),
        FieldSpec(
            "pre_existing",
            "bool",
            "the principal (first) diagnosis had its onset (onset_date) before the first continuous start "
            "(既往症); a diagnosis without onset_date is taken as first diagnosed at this event",
        ),
        FieldSpec("event", "enum", "kind of event claimed", EVENT_KINDS),
        FieldSpec("cause", "enum", "cause of the event", ("disease", "accident")),
        FieldSpec("designated", "bool", "the hospital is designated by basic medical insurance (定点医院)"),
        FieldSpec("stay_days", "int", "discharge date minus admission date"),
        FieldSpec("icu_days", "int", "days in intensive care during the stay"),
        FieldSpec("on_duty", "bool", "the accident happened in the course of duties"),
        FieldSpec("fee_schedule", "enum", "the fee table the enrolment was paid on", ("normal", "high_risk")),
        FieldSpec("days_from_term_end", "int", "event date minus the enrolment's last day (0: the term's last day)"),
        FieldSpec("alive", "bool", "maturity: the member is alive"),
        FieldSpec("care_costs", "bool", "the event states costs of care (a hospital stay; an accident with `medical`)"),
        FieldSpec("outcome", "enum", "what an accident led to: death (death_date stated), disability (injuries stated), "
                  "or treatment only", ("death", "disability", "treatment")),
    )
}

# Money amounts of an event that a benefit may use as (part of) its base.
MONEY_FIELDS: dict[str, str] = {
    "total": "total cost of care (总费用)",
    "fund_paid": "paid by the basic medical insurance fund (统筹支付)",
    "self_pay_in_scope": "in-scope self-pay (统筹内个人自付)",
    "self_pay_out_of_scope": "out-of-scope self-pay (自费)",
    "other_reimbursed": "reimbursed by other insurance or aid (其他报销)",
}

# Day counts of an event that a per-day benefit may pay on.
DAY_FIELDS: tuple[str, ...] = ("stay_days", "icu_days")
