"""Catalogue §2.1 inpatient-medical and §2.2 hospital-allowance.

Readings (readings.md): the deductible is consumed in the order claims are adjudicated
(2024.1); bands apply per stay to what is left of the stay's base after the deductible; a
disease-caused stay for a pre-existing disease is excluded (§0 "every disease benefit").
The 2025 revision of inpatient-medical (terms starting from 2025-01-01: a third band above
30,000 at 70% for urban employees, cap 20,000 × units) is a product change beside the
catalogue's 2024 edition, in force by the enrolment's start.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from oracle.dates import as_date, inside_waiting_period
from oracle.exclusions import excluded_by, pre_existing
from oracle.model import Context, fen, money
from oracle.outcome import ZERO, Line

PILOT_OFFICES = ("lanzhou", "zunyi")
WAITING_DAYS = 90
REVISION_2025 = dt.date(2025, 1, 1)

# (deductible per term, [(band top or None, rate)], cap per unit), by insurance and revision
SCHEDULE_2024 = {
    "urban_employee": (Decimal(500), [(Decimal(10000), Decimal("0.50")), (None, Decimal("0.60"))], Decimal(15000)),
    "urban_rural_resident": (Decimal(1000), [(Decimal(10000), Decimal("0.40")), (None, Decimal("0.50"))], Decimal(15000)),
}
SCHEDULE_2025 = {
    "urban_employee": (Decimal(500), [(Decimal(10000), Decimal("0.50")), (Decimal(30000), Decimal("0.60")),
                                      (None, Decimal("0.70"))], Decimal(20000)),
    "urban_rural_resident": (Decimal(1000), [(Decimal(10000), Decimal("0.40")), (None, Decimal("0.50"))], Decimal(20000)),
}


def _common_refusals(context: Context) -> None:
    """Age 16–65, not retired; the medical exclusions and pre-existing diseases; the 90-day
    waiting period for stays caused by disease."""
    member, event = context.member, context.event
    context.not_eligible(not 16 <= context.age <= 65, member["employment"] == "retired")
    context.outcome.refusals |= excluded_by("medical", event)
    if pre_existing(event, context.first_start):
        context.outcome.refusals.add("excluded:pre-existing")
    if event["cause"] == "disease" and inside_waiting_period(event["admission"], context.first_start, WAITING_DAYS):
        context.outcome.refusals.add("waiting_period")


def cap_per_unit(start) -> Decimal:
    """inpatient-medical's term cap per unit for a term starting on `start`."""
    return (SCHEDULE_2025 if as_date(start) >= REVISION_2025 else SCHEDULE_2024)["urban_employee"][2]


def schedule_of(context: Context):
    table = SCHEDULE_2025 if as_date(context.enrolment["start"]) >= REVISION_2025 else SCHEDULE_2024
    return table[context.member["medical_insurance"]]


def inpatient_medical(context: Context) -> None:
    event, member, outcome = context.event, context.member, context.outcome
    if event["kind"] != "hospital_stay":
        context.not_applicable("not_covered")
        return
    insurance_ok = member["medical_insurance"] == "urban_employee" or (
        member["medical_insurance"] == "urban_rural_resident" and member["office"] in PILOT_OFFICES)
    context.not_eligible(not insurance_ok)
    if event["designated"] is not True:
        outcome.refusals.add("not_covered")
    _common_refusals(context)
    if outcome.refusals:
        return  # a refused stay consumes no deductible
    deductible, bands, cap_per_unit = schedule_of(context)
    base = money(event["self_pay_in_scope"])
    used = context.history.get(*context.term_key("deductible"))
    consumed = min(base, max(deductible - used, ZERO))
    left = base - consumed
    exact, lower = ZERO, ZERO
    for top, rate in bands:  # the first 10,000 of what is left at the first rate, and so on
        upper = left if top is None else min(left, top)
        exact += max(upper - lower, ZERO) * rate
        if top is None or left <= top:
            break
        lower = top
    computed = fen(exact)
    cap = cap_per_unit * context.units
    paid_before = context.history.get(*context.term_key("paid"))
    amount = min(computed, max(cap - paid_before, ZERO))
    context.history.add(consumed, *context.term_key("deductible"))
    context.history.add(amount, *context.term_key("paid"))
    note = None
    if amount < computed:
        note = "cap_reached"
    elif base == 0:
        note = "nothing_to_pay"
    elif consumed == base:
        note = "below_deductible"
    elif computed == 0:
        note = "rounds_to_zero"
    outcome.lines.append(Line("inpatient-reimbursement", amount, note))


def hospital_allowance(context: Context) -> None:
    event, outcome = context.event, context.outcome
    if event["kind"] != "hospital_stay":
        context.not_applicable("not_covered")
        return
    _common_refusals(context)
    if outcome.refusals:
        return
    stay_days = (as_date(event["discharge"]) - as_date(event["admission"])).days
    payable = max(stay_days - 3, 0)
    used = int(context.history.get(*context.term_key("days")))
    paid_days = min(payable, max(180 - used, 0))
    icu_days = min(int(event.get("icu_days") or 0), paid_days)
    per_day = Decimal(40) * context.units
    amount = fen(per_day * paid_days + per_day * icu_days)
    context.history.add(paid_days, *context.term_key("days"))
    note = None
    if payable == 0:
        note = "within_deductible_days"
    elif paid_days < payable:
        note = "day_limit_reached"
    outcome.lines.append(Line("daily-allowance", amount, note))
