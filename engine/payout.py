"""Payout arithmetic in Decimal, on what the rules decided.

One function per benefit kind (`pays:` in YAML). Each computes the exact amount, rounds it
once (`engine.money.round_to_fen`), then applies the caps on the rounded amount, and returns a
benefit line whose `formula` and `inputs` show every number used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from engine.ledger import Scratch, accumulator_key
from engine.model.claim import Accident, Claim, Enrolment, HospitalStay
from engine.model.decision import BenefitLine, CapApplied
from engine.model.plan import Amount, BaseDifference, Caps, PerDay, PerUnit, Reimbursement
from engine.money import ZERO, format_money, round_to_fen


@dataclass(slots=True)
class PayoutContext:
    claim: Claim
    enrolment: Enrolment
    plan_id: str
    scratch: Scratch
    rule: str  # the fired rule that triggered the benefit

    def key(self, benefit: str, measure: str, lifetime: bool = False) -> str:
        enrolment = "*" if lifetime else self.enrolment.enrolment_id
        return accumulator_key(self.claim.member.member_id, self.plan_id, enrolment, benefit, measure)

    def amount(self, spec: Amount) -> Decimal:
        if isinstance(spec, PerUnit):  # units are present: plans and claims are checked for it
            return spec.per_unit * self.enrolment.units
        return spec

    def describe(self, spec: Amount) -> str:
        if isinstance(spec, PerUnit):
            return f"{format_money(spec.per_unit)} × {self.enrolment.units} units"
        return format_money(spec)


def event_money(claim: Claim, name: str) -> Decimal:
    """A money field of the event's costs (a stay's own, or an accident's medical costs)."""
    event = claim.event
    if isinstance(event, HospitalStay):
        return getattr(event, name)
    if isinstance(event, Accident) and event.medical is not None:
        return getattr(event.medical, name)
    return ZERO


def event_days(claim: Claim, name: str) -> int:
    event = claim.event
    if name == "stay_days" and isinstance(event, HospitalStay):
        return (event.discharge - event.admission).days
    if name == "icu_days" and isinstance(event, HospitalStay):
        return event.icu_days
    return 0


def apply_caps(computed: Decimal, benefit: Caps, context: PayoutContext, benefit_id: str) -> tuple[Decimal, list[CapApplied]]:
    """Cut `computed` by the claim, term and lifetime caps, in that order."""
    amount, applied = computed, []
    for cap_name, spec in (
        ("cap_per_claim", benefit.cap_per_claim),
        ("cap_per_term", benefit.cap_per_term),
        ("cap_per_life", benefit.cap_per_life),
    ):
        if spec is None:
            continue
        limit = context.amount(spec)
        if cap_name == "cap_per_claim":
            used = ZERO
        else:
            used = context.scratch.value(context.key(benefit_id, "paid", lifetime=cap_name == "cap_per_life"))
        available = max(limit - used, ZERO)
        applied.append(
            CapApplied(cap=cap_name, limit=f"{context.describe(spec)} = {format_money(limit)}",
                       used_before=format_money(used), available=format_money(available))
        )
        amount = min(amount, available)
    return amount, applied


def record_paid(amount: Decimal, benefit: Caps, context: PayoutContext, benefit_id: str) -> None:
    context.scratch.add(context.key(benefit_id, "paid"), amount)
    if benefit.cap_per_life is not None:
        context.scratch.add(context.key(benefit_id, "paid", lifetime=True), amount)


def pay_reimbursement(benefit: Reimbursement, schedule_index: int, context: PayoutContext) -> BenefitLine:
    schedule = benefit.schedules[schedule_index]
    if isinstance(benefit.base, BaseDifference):
        base = event_money(context.claim, benefit.base.of) - sum(
            (event_money(context.claim, name) for name in benefit.base.less), ZERO
        )
        base = max(base, ZERO)
        base_text = f"{benefit.base.of} − " + " − ".join(benefit.base.less) if benefit.base.less else benefit.base.of
    else:
        base = event_money(context.claim, benefit.base)
        base_text = benefit.base

    deductible_key = context.key(benefit.id, "deductible_used")
    deductible_used = context.scratch.value(deductible_key)
    deductible_left = max(schedule.deductible_per_term - deductible_used, ZERO)
    consumed = min(base, deductible_left)
    remaining = base - consumed

    exact, parts, lower = ZERO, [], ZERO
    for band in schedule.bands:
        portion = remaining if band.up_to is None else min(remaining, band.up_to - lower)
        portion = max(portion, ZERO)
        exact += portion * band.rate
        parts.append(f"{format_money(portion)} × {band.rate}")
        remaining -= portion
        if band.up_to is not None:
            lower = band.up_to
    computed = round_to_fen(exact)
    amount, caps = apply_caps(computed, benefit, context, benefit.id)

    context.scratch.add(deductible_key, consumed)
    record_paid(amount, benefit, context, benefit.id)
    inputs = {
        "base": f"{base_text} = {format_money(base)}",
        "deductible_per_term": format_money(schedule.deductible_per_term),
        "deductible_used_before": format_money(deductible_used),
        "deductible_consumed": format_money(consumed),
        "after_deductible": format_money(base - consumed),
        "schedule": str(schedule_index),
        "bands": schedule.bands_text,
    }
    line = BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=computed,
        formula=" + ".join(parts) + f" = {exact} → {format_money(computed)}",
        inputs=inputs, caps=caps, clause=context.rule, note_code=None, note=None,
    )
    return _annotate(line, below_deductible=base > 0 and consumed == base, nothing_to_pay=base == 0)


def pay_per_day(benefit: PerDay, schedule_index: int, context: PayoutContext) -> BenefitLine:
    days = event_days(context.claim, benefit.days)
    payable_days = max(days - benefit.deductible_days, 0)
    days_key = context.key(benefit.id, "days_paid")
    days_used = context.scratch.value(days_key)
    paid_days = payable_days
    if benefit.max_days_per_term is not None:
        paid_days = min(paid_days, max(benefit.max_days_per_term - int(days_used), 0))
    per_day = context.amount(benefit.amount_per_day)
    exact = per_day * paid_days
    formula = [f"{paid_days} days × {context.describe(benefit.amount_per_day)}"]
    inputs = {
        benefit.days: str(days),
        "deductible_days": str(benefit.deductible_days),
        "payable_days": str(payable_days),
        "days_paid_before_in_term": str(days_used),
        "max_days_per_term": str(benefit.max_days_per_term),
        "paid_days": str(paid_days),
    }
    for extra in benefit.extra_days:
        extra_days = min(event_days(context.claim, extra.days), paid_days)
        exact += context.amount(extra.amount_per_day) * extra_days
        formula.append(f"{extra_days} {extra.id} days × {context.describe(extra.amount_per_day)}")
        inputs[f"{extra.id}: {extra.days} among paid days"] = str(extra_days)
    computed = round_to_fen(exact)
    amount, caps = apply_caps(computed, benefit, context, benefit.id)
    context.scratch.add(days_key, Decimal(paid_days))
    record_paid(amount, benefit, context, benefit.id)
    line = BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=computed,
        formula=" + ".join(formula) + f" = {format_money(computed)}",
        inputs=inputs, caps=caps, clause=context.rule, note_code=None, note=None,
    )
    if payable_days == 0:
        return _with_note(line, "within_deductible_days", f"住院天数未超过免赔天数（{benefit.deductible_days}天）")
    if paid_days < payable_days:
        return _with_note(line, "day_limit_reached", f"本保障期已达最高给付天数（{benefit.max_days_per_term}天）")
    return _annotate(line)


def _annotate(line: BenefitLine, below_deductible: bool = False, nothing_to_pay: bool = False) -> BenefitLine:
    if line.amount < line.computed:
        return _with_note(line, "cap_reached", "已达保障期内最高给付限额" if line.amount == 0 else "超过最高给付限额部分不予给付")
    if nothing_to_pay:
        return _with_note(line, "nothing_to_pay", "无可给付费用")
    if below_deductible:
        return _with_note(line, "below_deductible", "费用未超过起付线")
    if line.computed == 0:
        return _with_note(line, "rounds_to_zero", "计算给付金额不足0.01元")
    return line


def _with_note(line: BenefitLine, code: str, message: str) -> BenefitLine:
    line.note_code, line.note = code, message  # the line is new and not shared yet
    return line


PAYERS: dict[str, Callable[..., BenefitLine]] = {
    "reimbursement": pay_reimbursement,
    "per_day": pay_per_day,
}
