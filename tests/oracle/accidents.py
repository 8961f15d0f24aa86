"""Catalogue §1.2 disability grades and §2.5–§2.8: accident, new-form-worker,
refundable-accident and event-accident.

Readings (readings.md): death on day 180 after the accident is covered, day 181 not (a
disability stated in the same claim is then paid instead); an accident's entitlement is the
sum for a death or sum × ratio for a disability, and each claim pays it less what the
accident was paid before, within what is left of the sum in the term; one death benefit per
enrolment. A high-risk member on the normal fee schedule is paid each benefit, and each limit,
× normal ÷ high-risk fee of the tier; each line is rounded once and each limit is rounded to
the fen. Accidental-medical bases subtract what the medical benefits of plans adjudicated
before paid for the same claim (§0 indemnity).
"""

from __future__ import annotations

from decimal import Decimal

from oracle.dates import as_date, inside_waiting_period
from oracle.exclusions import excluded_by, pre_existing
from oracle.model import Context, fen, money
from oracle.outcome import ZERO, Line

SUMS = (Decimal(10000), Decimal(20000), Decimal(30000), Decimal(40000))
FEES = {"normal": (26, 50, 74, 100), "high_risk": (32, 62, 93, 124)}
DEATH_WINDOW_DAYS = 180
ONE = Decimal(1)


def grade_of(injuries: list[dict]) -> int:
    """§1.2: the most severe grade; the same item listed twice counts once; two or more
    injuries sharing the most severe grade raise it one grade, never above grade 1."""
    worst_by_item: dict[str, int] = {}
    for injury in injuries:
        grade = int(injury["grade"])
        worst_by_item[injury["item"]] = min(grade, worst_by_item.get(injury["item"], 11))
    most_severe = min(worst_by_item.values())
    sharing = list(worst_by_item.values()).count(most_severe)
    return most_severe - 1 if sharing >= 2 and most_severe > 1 else most_severe


def grade_ratio(grade: int) -> Decimal:
    """Grade 1 pays 100%, each grade 10 points less."""
    return Decimal(110 - 10 * grade) / 100


def outcome_of(event: dict) -> str:
    if event["kind"] != "accident":
        return "none"
    if event.get("death_date"):
        return "death"
    return "disability" if event.get("injuries") else "none"


def care_costs(event: dict) -> dict | None:
    if event["kind"] == "hospital_stay":
        return event
    if event["kind"] == "accident":
        return event.get("medical")
    return None


def accident_caused(event: dict) -> bool:
    return event["kind"] == "accident" or (event["kind"] == "hospital_stay" and event["cause"] == "accident")


def death_disability(context: Context, full_sum: Decimal, ratio: Decimal) -> None:
    """Death within 180 days: the sum; disability: sum × grade ratio; less what the accident
    was paid before, within what is left of the sum in the term."""
    event, history = context.event, context.history
    entitlement, death = None, False
    if event.get("death_date"):
        if (as_date(event["death_date"]) - as_date(event["accident_date"])).days <= DEATH_WINDOW_DAYS:
            entitlement, death = full_sum, True
    if entitlement is None and event.get("injuries"):
        entitlement = full_sum * grade_ratio(grade_of(event["injuries"]))
    if history.get(*context.term_key("death paid")):
        context.outcome.lines.append(Line("death-disability", ZERO, "death_benefit_paid"))
        return
    if entitlement is None:
        context.outcome.lines.append(Line("death-disability", ZERO, "death_after_window"))
        return
    computed = fen(entitlement * ratio)
    limit = fen(full_sum * ratio)
    for_accident = history.get(*context.accident_key("death-disability"))
    in_term = history.get(*context.term_key("death-disability"))
    due = max(computed - for_accident, ZERO)
    amount = min(due, max(limit - in_term, ZERO))
    history.add(amount, *context.accident_key("death-disability"))
    history.add(amount, *context.term_key("death-disability"))
    if death and amount > 0:
        history.add(1, *context.term_key("death paid"))
    note = "cap_reached" if amount < due else "already_paid" if amount == 0 and computed > 0 else None
    context.outcome.lines.append(Line("death-disability", amount, note))


def accidental_medical(context: Context, rate: Decimal, ratio: Decimal, deductible: Decimal,
                       cap_per_term: Decimal | None, cap_per_accident: Decimal | None) -> None:
    """Base = total − fund paid − other reimbursement, less what plans adjudicated before paid
    for the same claim (never below 0), less the deductible left for the accident, × rate."""
    costs, history = care_costs(context.event), context.history
    base = money(costs["total"]) - money(costs["fund_paid"]) - money(costs.get("other_reimbursed", "0"))
    base = max(base - context.medical_paid, ZERO)
    used = history.get(*context.accident_key("medical deductible"))
    consumed = min(base, max(deductible - used, ZERO))
    computed = fen((base - consumed) * rate * ratio)
    amount = computed
    if cap_per_accident is not None:
        amount = min(amount, max(fen(cap_per_accident * ratio) - history.get(*context.accident_key("medical")), ZERO))
    if cap_per_term is not None:
        amount = min(amount, max(fen(cap_per_term * ratio) - history.get(*context.term_key("medical")), ZERO))
    history.add(consumed, *context.accident_key("medical deductible"))
    history.add(amount, *context.accident_key("medical"))
    history.add(amount, *context.term_key("medical"))
    note = None
    if amount < computed:
        note = "cap_reached"
    elif base == 0:
        note = "nothing_to_pay"
    elif consumed == base:
        note = "below_deductible"
    elif computed == 0:
        note = "rounds_to_zero"
    context.outcome.lines.append(Line("accidental-medical", amount, note))


def per_day(context: Context, benefit: str, per_day_amount: Decimal, deductible_days: int, max_days: int) -> None:
    event = context.event
    days = (as_date(event["discharge"]) - as_date(event["admission"])).days
    payable = max(days - deductible_days, 0)
    used = int(context.history.get(*context.term_key(benefit, "days")))
    paid = min(payable, max(max_days - used, 0))
    context.history.add(paid, *context.term_key(benefit, "days"))
    note = None
    if payable == 0:
        note = "within_deductible_days" if deductible_days else "nothing_to_pay"
    elif paid < payable:
        note = "day_limit_reached"
    context.outcome.lines.append(Line(benefit, fen(per_day_amount * paid), note))


def proportion(context: Context) -> Decimal:
    """§2.5: a high-risk member enrolled on a normal-occupation fee: normal ÷ high-risk fee."""
    if context.member.get("occupation_risk", "normal") == "high" and context.enrolment.get("fee_schedule") == "normal":
        tier = context.tier
        return Decimal(FEES["normal"][tier - 1]) / Decimal(FEES["high_risk"][tier - 1])
    return ONE


def _no_benefit(context: Context) -> None:
    """An event of a kind the plan covers that none of its benefits pays on."""
    if not context.outcome.lines and not context.outcome.refusals:
        context.outcome.refusals.add("not_covered")


def accident(context: Context) -> None:
    """§2.5, tiers 1–4; age 16–60, not retired; no waiting period; exclusions group accident."""
    event, member, outcome = context.event, context.member, context.outcome
    if not accident_caused(event):
        context.not_applicable("excluded:disease-caused" if event.get("cause") == "disease" else "not_covered")
        return
    context.not_eligible(not 16 <= context.age <= 60, member["employment"] == "retired")
    outcome.refusals |= excluded_by("accident", event)
    if outcome.refusals:
        return
    ratio, full_sum = proportion(context), SUMS[context.tier - 1]
    if outcome_of(event) != "none":
        death_disability(context, full_sum, ratio)
    if care_costs(event) is not None:
        accidental_medical(context, Decimal("0.90"), ratio, Decimal(100), full_sum * Decimal("0.2"), None)
    if event["kind"] == "hospital_stay":
        per_day(context, "hospital-subsidy", Decimal(20) * context.tier * ratio, 0, 180)
    _no_benefit(context)


def new_form_worker(context: Context) -> None:
    """§2.6 (gift): new-form workers aged 16–65; accident group for accident benefits, medical
    group (and pre-existing diseases) for disease benefits."""
    event, member, outcome = context.event, context.member, context.outcome
    kind, cause = event["kind"], event.get("cause", "accident" if event["kind"] == "accident" else None)
    if kind not in ("accident", "hospital_stay", "death") or (kind == "death" and cause != "disease"):
        context.not_applicable("not_covered")
        return
    context.not_eligible(member["employment"] != "new_form", not 16 <= context.age <= 65,
                         context.enrolment.get("source", "paid") != "gift")
    if cause == "accident":
        outcome.refusals |= excluded_by("accident", event)
    else:
        outcome.refusals |= excluded_by("medical", event)
        if pre_existing(event, context.first_start):
            outcome.refusals.add("excluded:pre-existing")
    if kind == "death" and inside_waiting_period(event["death_date"], context.first_start, 90):
        outcome.refusals.add("waiting_period")
    if outcome.refusals:
        return
    if kind == "accident" and outcome_of(event) != "none":
        death_disability(context, Decimal(20000), ONE)
    elif kind == "hospital_stay":
        per_day(context, "hospital-days", Decimal(50), 2, 30)
    elif kind == "death":
        _fixed(context, "disease-death", Decimal(10000), death_benefit=True)
    _no_benefit(context)


def _fixed(context: Context, benefit: str, amount: Decimal, death_benefit: bool = False) -> None:
    """A fixed sum, once per enrolment, never after a death benefit under the enrolment."""
    history = context.history
    if history.get(*context.term_key(benefit, "payments")):
        context.outcome.lines.append(Line(benefit, ZERO, "already_paid"))
    elif history.get(*context.term_key("death paid")):
        context.outcome.lines.append(Line(benefit, ZERO, "death_benefit_paid"))
    else:
        context.outcome.lines.append(Line(benefit, amount))
        history.add(1, *context.term_key(benefit, "payments"))
        if death_benefit:
            history.add(1, *context.term_key("death paid"))


def refundable_accident(context: Context) -> None:
    """§2.7: 5,000 × units; maturity (on or after the term end) refunds 410 × units if the
    member is alive and no death benefit was paid under the enrolment, once."""
    event, member, outcome = context.event, context.member, context.outcome
    if event["kind"] not in ("accident", "maturity"):
        context.not_applicable("excluded:disease-caused" if event.get("cause") == "disease" else "not_covered")
        return
    context.not_eligible(not 16 <= context.age <= 60, member["employment"] == "retired")
    if event["kind"] == "maturity":
        if as_date(event["maturity_date"]) < as_date(context.enrolment["end"]) or event.get("alive", True) is not True:
            outcome.refusals.add("not_covered")
    outcome.refusals |= excluded_by("accident", event) if event["kind"] == "accident" else set()
    if outcome.refusals:
        return
    if event["kind"] == "maturity":
        _fixed(context, "maturity-refund", Decimal(410) * context.units)
    elif outcome_of(event) != "none":
        death_disability(context, Decimal(5000) * context.units, ONE)
    _no_benefit(context)


def event_accident(context: Context) -> None:
    """§2.8 (gift): accidents in the course of event duties; age 16–70; medical 100% of the
    cost left, no deductible, at most 10,000 per accident."""
    event, outcome = context.event, context.outcome
    if not accident_caused(event):
        context.not_applicable("excluded:disease-caused" if event.get("cause") == "disease" else "not_covered")
        return
    context.not_eligible(not 16 <= context.age <= 70)
    if event.get("on_duty") is not True:
        outcome.refusals.add("not_covered")
    outcome.refusals |= excluded_by("accident", event)
    if outcome.refusals:
        return
    if outcome_of(event) != "none":
        death_disability(context, Decimal(100000), ONE)
    if care_costs(event) is not None:
        accidental_medical(context, ONE, ONE, ZERO, None, Decimal(10000))
    _no_benefit(context)
