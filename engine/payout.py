"""Payout arithmetic in Decimal, on what the rules decided.

One function per benefit kind (`pays:` in YAML). Each computes the exact amount, rounds it
once (`engine.money.round_to_fen`), then applies the caps on the rounded amount, and returns a
benefit line whose `formula` and `inputs` show every number used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from engine.disability import assessment_date, combined_grade
from engine.ledger import AccumulatorKey, Scratch
from engine.model.claim import Accident, Claim, Enrolment, HospitalStay
from engine.model.decision import BenefitLine, CapApplied
from engine.model.library import DisabilityGrades
from engine.model.plan import Amount, BaseDifference, Caps, DeathDisability, Fixed, PerDay, PerTier, PerUnit, Reimbursement
from engine.money import ZERO, format_money, round_to_fen

ONE = Decimal(1)
DEATH = "death"  # accumulator of death benefits paid under an enrolment


@dataclass(slots=True)
class ClaimTotals:
    """What the enrolments adjudicated so far for this claim paid, for the indemnity rule."""

    medical_paid: Decimal = ZERO
    medical_by: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PayoutContext:
    claim: Claim
    enrolment: Enrolment
    plan_id: str
    scratch: Scratch
    rule: str  # the fired rule that triggered the benefit
    ratio: Decimal = ONE  # proportional payment (paid fee ÷ due fee), applied to amounts and limits
    ratio_text: str = ""
    totals: ClaimTotals = field(default_factory=ClaimTotals)
    disability: DisabilityGrades | None = None
    person: str = ""  # the member's identity (engine.identity), never a label the claim chose
    explain: bool = True  # False: amounts-only (engine.outcome), no formula, inputs or caps' texts

    def key(self, benefit: str, measure: str, lifetime: bool = False) -> AccumulatorKey:
        """An accumulator of the enrolment (person, plan, term start), or of the person's
        lifetime in the plan."""
        term = None if lifetime else self.enrolment.start.isoformat()
        return AccumulatorKey(self.person, self.plan_id, term, benefit, measure)

    def accident_key(self, benefit: str, measure: str) -> AccumulatorKey:
        """An accumulator of one accident (deductible, cap, death and disability paid)."""
        event = self.claim.event
        # accident claims and stays name their accident (checked for plans that count by accident)
        accident_id = getattr(event, "accident_id", None)
        scope = f"accident:{accident_id}" if accident_id else f"claim:{self.claim.claim_id}"
        return AccumulatorKey(self.person, self.plan_id, None, benefit, measure, scope)

    def amount(self, spec: Amount) -> Decimal:
        if isinstance(spec, PerUnit):  # units are present: plans and claims are checked for it
            return spec.per_unit * self.enrolment.units
        if isinstance(spec, PerTier):  # so is the tier
            return spec.per_tier[self.enrolment.tier - 1]
        return spec

    def limit(self, spec: Amount) -> Decimal:
        """A cap or sum, in proportion when the enrolment is paid proportionally."""
        return round_to_fen(self.amount(spec) * self.ratio)

    def describe(self, spec: Amount) -> str:
        if isinstance(spec, PerUnit):
            text = f"{format_money(spec.per_unit)} × {self.enrolment.units} units"
        elif isinstance(spec, PerTier):
            text = f"{format_money(self.amount(spec))} (tier {self.enrolment.tier})"
        else:
            text = format_money(spec)
        return text

    def proportion(self, text: str) -> str:
        return f"({text}) × {self.ratio_text}" if self.ratio != ONE else text


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
        ("cap_per_accident", benefit.cap_per_accident),
        ("cap_per_term", benefit.cap_per_term),
        ("cap_per_life", benefit.cap_per_life),
    ):
        if spec is None:
            continue
        limit = context.limit(spec)
        if cap_name == "cap_per_claim":
            used = ZERO
        elif cap_name == "cap_per_accident":
            used = context.scratch.value(context.accident_key(benefit_id, "paid"))
        else:
            used = context.scratch.value(context.key(benefit_id, "paid", lifetime=cap_name == "cap_per_life"))
        available = max(limit - used, ZERO)
        if context.explain:
            applied.append(
                CapApplied(cap=cap_name, limit=f"{context.proportion(context.describe(spec))} = {format_money(limit)}",
                           used_before=format_money(used), available=format_money(available))
            )
        amount = min(amount, available)
    return amount, applied


def record_paid(amount: Decimal, benefit: Caps, context: PayoutContext, benefit_id: str) -> None:
    context.scratch.add(context.key(benefit_id, "paid"), amount)
    if benefit.cap_per_life is not None:
        context.scratch.add(context.key(benefit_id, "paid", lifetime=True), amount)
    if benefit.cap_per_accident is not None:
        context.scratch.add(context.accident_key(benefit_id, "paid"), amount)


def _settle(exact: Decimal, formula: str, benefit: Caps, context: PayoutContext):
    """The steps every computed line shares: the proportion (if any), one rounding to the fen,
    the caps on the rounded amount, and recording what was paid. Returns (exact, computed,
    amount, caps applied, formula)."""
    if context.ratio != ONE:
        exact *= context.ratio
        formula = f"({formula}) × {context.ratio_text}"
    computed = round_to_fen(exact)
    amount, caps = apply_caps(computed, benefit, context, benefit.id)
    record_paid(amount, benefit, context, benefit.id)
    return exact, computed, amount, caps, formula


def pay_reimbursement(benefit: Reimbursement, schedule_index: int, context: PayoutContext) -> BenefitLine:
    schedule = benefit.schedules[schedule_index]
    indemnity = None
    if isinstance(benefit.base, BaseDifference):
        base = event_money(context.claim, benefit.base.of) - sum(
            (event_money(context.claim, name) for name in benefit.base.less), ZERO
        )
        base_text = f"{benefit.base.of} − " + " − ".join(benefit.base.less) if benefit.base.less else benefit.base.of
        if benefit.base.less_paid_before and context.totals.medical_paid:
            paid = context.totals.medical_paid
            indemnity = (f"{format_money(max(base, ZERO))} − {format_money(paid)} paid for this event by "
                         f"{', '.join(context.totals.medical_by)} = {format_money(max(base - paid, ZERO))}")
            base -= paid
            base_text += " − medical benefits paid before"
        base = max(base, ZERO)
    else:
        base = event_money(context.claim, benefit.base)
        base_text = benefit.base

    deductible_key = context.key(benefit.id, "deductible_used")
    deductible_used = context.scratch.value(deductible_key)
    deductible_left = max(schedule.deductible_per_term - deductible_used, ZERO)
    consumed = min(base, deductible_left)
    accident_used = accident_consumed = ZERO
    if schedule.deductible_per_accident:
        accident_key = context.accident_key(benefit.id, "deductible_used")
        accident_used = context.scratch.value(accident_key)
        accident_consumed = min(base - consumed, max(schedule.deductible_per_accident - accident_used, ZERO))
    remaining = base - consumed - accident_consumed

    exact, parts, lower = ZERO, [], ZERO
    for band in schedule.bands:
        portion = remaining if band.up_to is None else min(remaining, band.up_to - lower)
        portion = max(portion, ZERO)
        exact += portion * band.rate
        if context.explain:
            parts.append(f"{format_money(portion)} × {band.rate}")
        remaining -= portion
        if band.up_to is not None:
            lower = band.up_to
    exact, computed, amount, caps, formula = _settle(exact, " + ".join(parts), benefit, context)
    context.scratch.add(deductible_key, consumed)
    if accident_consumed:
        context.scratch.add(accident_key, accident_consumed)
    deducted = consumed + accident_consumed
    if not context.explain:  # amounts-only: the same amount and note, no texts
        line = BenefitLine(benefit=benefit.id, title=benefit.title, amount=amount, computed=computed, formula="",
                           inputs={}, clause=context.rule)
        return _annotate(line, below_deductible=base > 0 and deducted == base, nothing_to_pay=base == 0)
    inputs = {
        "base": f"{base_text} = {format_money(base)}",
        "deductible_per_term": format_money(schedule.deductible_per_term),
        "deductible_used_before": format_money(deductible_used),
        "deductible_consumed": format_money(consumed),
        "after_deductible": format_money(base - consumed - accident_consumed),
        "schedule": str(schedule_index),
        "bands": schedule.bands_text,
    }
    if indemnity:
        inputs["indemnity"] = indemnity
    if schedule.deductible_per_accident:
        inputs["deductible_per_accident"] = format_money(schedule.deductible_per_accident)
        inputs["accident_deductible_used_before"] = format_money(accident_used)
        inputs["accident_deductible_consumed"] = format_money(accident_consumed)
    line = BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=computed,
        formula=formula + f" = {exact} → {format_money(computed)}",
        inputs=inputs, caps=caps, clause=context.rule, note_code=None, note=None,
    )
    return _annotate(line, below_deductible=base > 0 and deducted == base, nothing_to_pay=base == 0)


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
    explain = context.explain
    formula = [f"{paid_days} days × {context.describe(benefit.amount_per_day)}"] if explain else []
    inputs = {
        benefit.days: str(days),
        "deductible_days": str(benefit.deductible_days),
        "payable_days": str(payable_days),
        "days_paid_before_in_term": str(days_used),
        "max_days_per_term": str(benefit.max_days_per_term),
        "paid_days": str(paid_days),
    } if explain else {}
    for extra in benefit.extra_days:
        extra_days = min(event_days(context.claim, extra.days), paid_days)
        exact += context.amount(extra.rate(benefit)) * extra_days
        if explain:
            formula.append(f"{extra_days} {extra.id} days × {context.describe(extra.rate(benefit))}")
            inputs[f"{extra.id}: {extra.days} among paid days"] = str(extra_days)
    _, computed, amount, caps, text = _settle(exact, " + ".join(formula), benefit, context)
    context.scratch.add(days_key, Decimal(paid_days))
    line = BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=computed,
        formula=text + f" = {format_money(computed)}" if explain else "",
        inputs=inputs, caps=caps, clause=context.rule, note_code=None, note=None,
    )
    if payable_days == 0 and benefit.deductible_days:
        return _with_note(line, "within_deductible_days", f"住院天数未超过免赔天数（{benefit.deductible_days}天）")
    if payable_days == 0:  # a same-day stay on a plan without deductible days
        return _with_note(line, "nothing_to_pay", "住院天数为0天，无可给付天数")
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


def pay_death_disability(benefit: DeathDisability, schedule_index: int, context: PayoutContext) -> BenefitLine:
    """The accident's entitlement (the sum for a death within the window, the sum × the grade's
    ratio for a disability) less what this accident was paid before, within what is left of the
    sum in the term. A later death after a disability pays the difference."""
    event = context.claim.event
    full_sum = context.amount(benefit.sum)
    inputs = {"sum": f"{context.describe(benefit.sum)} = {format_money(full_sum)}"}
    entitlement, what = None, ""
    death = False
    if isinstance(event, Accident) and event.death_date is not None:
        days = (event.death_date - event.accident_date).days
        inputs["death"] = f"{event.death_date}, day {days} after the accident (covered to day {benefit.death_within_days})"
        if days <= benefit.death_within_days:
            entitlement, what, death = full_sum, f"{format_money(full_sum)} (death)", True
    if entitlement is None and isinstance(event, Accident) and event.injuries:
        grade = combined_grade(context.disability, event.injuries)
        assessed, assessed_text = assessment_date(context.disability, event.accident_date, event.treatment_end)
        inputs["injuries"] = ", ".join(f"{i.item} grade {i.grade}" for i in event.injuries)
        inputs["grade"] = grade.explanation
        inputs["assessed"] = assessed_text
        entitlement, what = full_sum * grade.ratio, f"{format_money(full_sum)} × {grade.ratio} (grade {grade.grade})"
    if context.scratch.value(context.key(DEATH, "paid")):
        line = BenefitLine(benefit=benefit.id, title=benefit.title, amount=ZERO, computed=ZERO, formula="nothing to pay",
                           inputs=inputs, clause=context.rule)
        return _with_note(line, "death_benefit_paid", "本次参保已给付身故互助金")
    if entitlement is None:
        line = BenefitLine(benefit=benefit.id, title=benefit.title, amount=ZERO, computed=ZERO, formula="nothing to pay",
                           inputs=inputs, clause=context.rule)
        if "death" in inputs:
            return _with_note(line, "death_after_window", f"身故发生在意外伤害发生之日起{benefit.death_within_days}日后")
        return _with_note(line, "nothing_to_pay", "无身故或伤残")
    exact = entitlement * context.ratio
    computed = round_to_fen(exact)
    accident_key = context.accident_key(benefit.id, "paid")
    term_key = context.key(benefit.id, "paid")
    paid_for_accident = context.scratch.value(accident_key)
    paid_in_term = context.scratch.value(term_key)
    limit = context.limit(benefit.sum)
    due = max(computed - paid_for_accident, ZERO)
    term_left = max(limit - paid_in_term, ZERO)
    amount = min(due, term_left)
    caps = [
        CapApplied(cap="cap_per_accident", limit=f"{context.proportion(context.describe(benefit.sum))} = {format_money(limit)}",
                   used_before=format_money(paid_for_accident), available=format_money(max(limit - paid_for_accident, ZERO))),
        CapApplied(cap="cap_per_term", limit=f"{context.proportion(context.describe(benefit.sum))} = {format_money(limit)}",
                   used_before=format_money(paid_in_term), available=format_money(term_left)),
    ]
    context.scratch.add(accident_key, amount)
    context.scratch.add(term_key, amount)
    if death and amount:
        context.scratch.add(context.key(DEATH, "paid"), ONE)
    inputs["paid_before_for_this_accident"] = format_money(paid_for_accident)
    line = BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=computed,
        formula=f"{context.proportion(what)} = {format_money(computed)}"
                + (f"; less {format_money(paid_for_accident)} paid before for this accident" if paid_for_accident else ""),
        inputs=inputs, caps=caps, clause=context.rule,
    )
    if amount < due:
        return _with_note(line, "cap_reached", "身故、伤残互助金已达本保障期保额")
    if amount == 0 and computed > 0:
        return _with_note(line, "already_paid", "本次意外伤害已按保额给付")
    return line


def pay_fixed(benefit: Fixed, schedule_index: int, context: PayoutContext) -> BenefitLine:
    """A fixed amount, once per enrolment if so written, refused after a death benefit if so written."""
    exact = context.amount(benefit.amount) * context.ratio
    computed = round_to_fen(exact)
    payments_key = context.key(benefit.id, "payments")
    made = context.scratch.value(payments_key)
    deaths = context.scratch.value(context.key(DEATH, "paid"))
    line = BenefitLine(benefit=benefit.id, title=benefit.title, amount=computed, computed=computed,
                       formula=f"{context.proportion(context.describe(benefit.amount))} = {format_money(computed)}",
                       inputs={"payments_before": str(made), "death_benefits_paid_before": str(deaths)}, clause=context.rule)
    if benefit.once_per_enrolment and made:
        line.amount = ZERO
        return _with_note(line, "already_paid", "本次参保已给付过")
    if benefit.unless_death_paid and deaths:
        line.amount = ZERO
        return _with_note(line, "death_benefit_paid", "本次参保已给付身故互助金")
    context.scratch.add(payments_key, ONE)
    if benefit.is_death_benefit:
        context.scratch.add(context.key(DEATH, "paid"), ONE)
    return line


PAYERS: dict[str, Callable[..., BenefitLine]] = {
    "reimbursement": pay_reimbursement,
    "per_day": pay_per_day,
    "death_disability": pay_death_disability,
    "fixed": pay_fixed,
}
