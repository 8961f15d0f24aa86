"""Claim + fired rules + history -> decision and accumulator changes.

This is the pure core: rule evaluation happens before (batched, in `engine.api`), so this
module only reads which rules fired for each enrolment and turns them into refusals, benefit
lines and amounts.

Precedence within an enrolment, as a claims officer reads a plan: eligibility, then coverage,
then exclusions, then waiting periods. Every fired refusal is reported; any one of them denies
the enrolment, and a refused stay consumes no deductible. An enrolment whose plan does not
cover this kind of event is not applicable (catalogue §0, 2024.1): listed among the skipped
ones with its reason, it does not count towards the claim's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine import lump_sum
from engine.applicability import not_applicable
from engine.events import events_key, events_of_claim, find_duplicate, records_events
from engine.ledger import Change, History, Scratch
from engine.model.claim import Claim
from engine.model.decision import (
    Decision,
    EnrolmentDecision,
    MissingEvidence,
    Refusal,
    SkippedEnrolment,
)
from engine.model.plan import LumpSum
from engine.money import ZERO, format_money
from engine.payout import PAYERS, ClaimTotals, PayoutContext
from engine.rules.compiler import PRECEDENCE
from engine.terms import Target

REFUSAL_KINDS = frozenset(PRECEDENCE) - {"benefit"}
REFUSAL_CODES = {"eligibility": "not_eligible", "coverage": "not_covered", "waiting": "waiting_period"}
REFUSAL_MESSAGES = {
    "eligibility": "不符合参保条件：{title}",
    "coverage": "不属于保障范围：{title}",
    "exclusion": "属于除外责任：{title}",
    "waiting": "等待期内出险：{title}",
}


@dataclass(frozen=True, slots=True)
class Firing:
    """What the rules said about one enrolment of a claim: the rules fired on the claim's fact
    and, for plans that classify diagnoses, those fired on each diagnosis's fact (with the fact,
    to explain criteria and name missing findings)."""

    claim: frozenset[str]
    diagnoses: tuple[frozenset[str], ...] = ()
    facts: tuple[dict, ...] = ()


def decide(
    claim: Claim,
    targets: list[Target],
    fired: list[Firing],
    skipped: list[SkippedEnrolment],
    history: History,
    person: str | None = None,
    explain: bool = True,
) -> tuple[Decision, list[Change]]:
    """The decision for `claim` on `history`, for `person` (the member's identity, resolved by
    `engine.identity`; by default the claim's own aliases). A claim repeating an event recorded
    for the person is held as a suspected duplicate and nothing else is decided.

    With `explain=False` the decision is amounts-only (engine.outcome): the same statuses,
    amounts, reason codes, clauses, missing evidence and accumulator changes, without formulas,
    inputs, caps' texts, criteria texts or refusal details."""
    person = person or default_person(claim)
    scratch = Scratch(history)
    scratch.value(events_key(person))  # the events compared below: checked when recorded
    duplicate = find_duplicate(claim, person, scratch)
    if duplicate is not None:
        decision = Decision(claim_id=claim.claim_id, member_id=claim.member.member_id, status="suspected_duplicate",
                            total=ZERO, enrolments=[], skipped=skipped, suspected_duplicate=duplicate)
        return decision, scratch.reads()
    totals = ClaimTotals()  # targets come in adjudication order (catalogue §2), for the indemnity rule
    enrolment_decisions = []
    skipped = list(skipped)
    for target, firing in zip(targets, fired):
        if not _applies(target, firing):
            skipped.append(not_applicable(target.plan, claim, target.enrolment, "diagnosis"))
            continue
        decision = _decide_enrolment(claim, target, firing, scratch, totals, person, explain)
        enrolment_decisions.append(decision)
        paid = sum((line.amount for line in decision.lines if line.benefit in target.plan.medical_benefits), ZERO)
        if paid:
            totals.medical_paid += paid
            totals.medical_by.append(f"{decision.plan} ({decision.enrolment_id})")
    status = _overall_status(enrolment_decisions)
    total = sum((d.amount for d in enrolment_decisions), ZERO)
    if records_events(status, total, scratch):
        scratch.add(events_key(person), Decimal(len(events_of_claim(claim))))
    changes = scratch.changes()
    decision = Decision(
        claim_id=claim.claim_id,
        member_id=claim.member.member_id,
        status=status,
        total=total,
        enrolments=enrolment_decisions,
        skipped=skipped,
        accumulator_changes=changes,
    )
    return decision, changes + scratch.reads()  # the decision shows what it changed; the ledger checks all it read


def default_person(claim: Claim) -> str:
    """The person a claim is about when history knows nobody: its strongest alias."""
    from engine.identity import aliases_of

    return aliases_of(claim.member)[0]


def _applies(target: Target, firing: Firing) -> bool:
    """A plan paying lump sums on disease lists applies only when a diagnosis of the claim is on
    one of its lists for this member (catalogue §0, 2024.1); other plans, whose `events` name
    what they cover, were sorted out with the targets."""
    plan = target.plan
    if not plan.classifies_diagnoses or any(not isinstance(b, LumpSum) for b in plan.plan.benefits):
        return True
    triggered = {plan.rule(name).benefit for name in firing.claim if plan.rule(name).kind == "benefit"}
    return lump_sum.covers_a_diagnosis(plan, triggered, firing.facts)


def _decide_enrolment(claim: Claim, target: Target, firing: Firing, scratch: Scratch, totals: ClaimTotals,
                      person: str, explain: bool = True) -> EnrolmentDecision:
    plan = target.plan
    rules = [plan.rule(name) for name in sorted(firing.claim, key=plan.rank.__getitem__)]
    refusals = [_refusal(rule, claim, target, explain) for rule in rules if rule.kind in REFUSAL_KINDS]
    clauses = [rule.name for rule in rules if rule.kind in REFUSAL_KINDS]
    context = PayoutContext(claim, target.enrolment, plan.plan.plan, scratch, "", totals=totals,
                            disability=plan.library.disability, person=person, explain=explain)
    if any(rule.kind == "adjustment" for rule in rules):
        context.ratio, context.ratio_text = _proportion(plan.plan, target.enrolment)
        clauses.extend(rule.name for rule in rules if rule.kind == "adjustment")
    ended = lump_sum.cover_ended(context) if plan.can_end_cover else None
    if ended is not None:
        refusals.insert(0, ended)
    assessment = None
    if plan.classifies_diagnoses:
        triggered = {rule.benefit for rule in rules if rule.kind == "benefit"}
        codes = [diagnosis.code for diagnosis in claim.event.diagnoses]
        assessment = lump_sum.assess(plan, triggered, firing.diagnoses, firing.facts, codes)
    lines, missing = [], []
    if not refusals:
        lines = _amount_lines(plan, rules, context, clauses)
        if assessment is not None:  # a benefit waiting for a finding holds back only itself (§0)
            paid, limits, deciding, missing = lump_sum.pay(plan, assessment, context, firing.facts)
            lines.extend(paid)
            refusals.extend(limits)
            clauses.extend(deciding)
        if not lines and not refusals and not missing:
            detail = "; ".join(assessment.unmatched) if assessment and assessment.unmatched else "no benefit of the plan applies to this event"
            refusals.append(Refusal(code="not_covered", clause="benefits", message="无适用的保障责任", detail=detail))
        for line in lines:
            if line.amount == 0 and line.note_code:
                refusals.append(Refusal(code=line.note_code, clause=line.benefit, message=line.note or ""))
    elif assessment is not None and ended is None and all(r.kind == "waiting" for r in rules if r.kind in REFUSAL_KINDS):
        missing = _waiting_consequences(plan, rules, assessment, context, lines)
    amount = sum((line.amount for line in lines), ZERO)
    return EnrolmentDecision(
        enrolment_id=target.enrolment.enrolment_id,
        plan=plan.plan.plan,
        plan_title=plan.plan.title,
        revision=plan.plan.revision,
        plan_hash=plan.content_hash,
        status=_enrolment_status(lines, refusals, missing),
        amount=amount,
        lines=lines,
        refusals=refusals,
        clauses=clauses,
        missing=missing,
    )


def _proportion(plan, enrolment) -> tuple[Decimal, str]:
    """Paid fee ÷ due fee of the enrolment's tier (catalogue §2.5: e.g. tier 2, 50/62)."""
    rule = plan.proportional_payment
    paid = plan.fee.per_tier[rule.paid_fee][enrolment.tier - 1]
    due = plan.fee.per_tier[rule.due_fee][enrolment.tier - 1]
    return paid / due, f"{format_money(paid)}/{format_money(due)}"


def _amount_lines(plan, rules, context: PayoutContext, clauses: list[str]) -> list:
    """Lines of the benefits whose rule fired and whose amount the claim decides (reimbursement,
    per day, death and disability, fixed sums)."""
    lines = []
    for benefit in plan.plan.benefits:
        if benefit.pays not in PAYERS:
            continue  # lump sums are paid on diagnoses, by engine.lump_sum
        triggered = [r for r in rules if r.benefit == benefit.id]
        if not triggered:
            continue
        rule = min(triggered, key=lambda r: r.schedule)  # schedules are tried in order
        context.rule = rule.name
        lines.append(PAYERS[benefit.pays](benefit, rule.schedule, context))
        clauses.append(rule.name)
    return lines


def _waiting_consequences(plan, rules, assessment, context: PayoutContext, lines: list) -> list[MissingEvidence]:
    """A disease that meets a definition inside a waiting period with consequences refunds the
    enrolment's fee and ends its cover (catalogue §2.3); one still undecided pends the claim."""
    periods = {period.id: period for period in plan.plan.waiting_periods}
    for rule in rules:
        period = periods.get(rule.clause) if rule.kind == "waiting" else None
        if period is None or not (period.refund_fee or period.ends_cover):
            continue
        if assessment.met:  # certain whatever a missing finding of another diagnosis says
            if period.refund_fee:
                lines.append(lump_sum.refund_line(context, period.id, period.title))
            if period.ends_cover:
                lump_sum.end_cover(context, for_good=False)
            return []
        if assessment.undecided:
            return assessment.missing()
    return []


def _refusal(rule, claim: Claim, target: Target, explain: bool = True) -> Refusal:
    code = REFUSAL_CODES.get(rule.kind, f"excluded:{rule.clause}")
    if not explain:
        return Refusal(code=code, clause=rule.clause, message="")
    detail = f"{rule.name} held: {rule.description}"
    if rule.group:
        detail += f" (exclusion group {rule.group})"
    if rule.kind == "waiting":
        day = (claim.event.date - target.first_continuous_start).days
        detail = f"event on day {day} after first continuous start {target.first_continuous_start}; {detail}"
    return Refusal(code=code, clause=rule.clause, message=REFUSAL_MESSAGES[rule.kind].format(title=rule.title), detail=detail)


LIMIT_NOTES = frozenset({"cap_reached", "day_limit_reached"})


def _enrolment_status(lines, refusals, missing) -> str:
    """Pending while evidence is missing; paid in full; partial when something was paid but a
    limit cut a line or a benefit was refused beside it; denied when no benefit was paid (a
    refund of fee is not a benefit)."""
    if missing:
        return "pending"
    if sum((line.amount for line in lines if not line.refund), ZERO) == 0:
        return "denied"
    if refusals or any(line.note_code in LIMIT_NOTES for line in lines):
        return "partial"
    return "paid"


def _overall_status(decisions: list[EnrolmentDecision]) -> str:
    if any(d.status == "pending" for d in decisions):
        return "pending"
    if all(d.status == "denied" for d in decisions):
        return "denied"
    if all(d.status == "paid" for d in decisions):
        return "paid"
    return "partial"
