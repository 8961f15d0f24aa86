"""Claim + fired rules + history -> decision and accumulator changes.

This is the pure core: rule evaluation happens before (batched, in `engine.api`), so this
module only reads which rules fired for each enrolment and turns them into refusals, benefit
lines and amounts.

Precedence within an enrolment, as a claims officer reads a plan: eligibility, then coverage,
then exclusions, then waiting periods. Every fired refusal is reported; any one of them denies
the enrolment, and a refused stay consumes no deductible.
"""

from __future__ import annotations

from decimal import Decimal

from engine.ledger import Change, History, Scratch
from engine.model.claim import Claim
from engine.model.decision import (
    Decision,
    EnrolmentDecision,
    Refusal,
    SkippedEnrolment,
)
from engine.money import ZERO
from engine.payout import PAYERS, PayoutContext
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


def decide(
    claim: Claim,
    targets: list[Target],
    fired: list[frozenset[str]],
    skipped: list[SkippedEnrolment],
    history: History,
) -> tuple[Decision, list[Change]]:
    scratch = Scratch(history)
    enrolment_decisions = [
        _decide_enrolment(claim, target, names, scratch) for target, names in zip(targets, fired)
    ]
    changes = scratch.changes()
    total = sum((d.amount for d in enrolment_decisions), ZERO)
    decision = Decision(
        claim_id=claim.claim_id,
        member_id=claim.member.member_id,
        status=_overall_status(enrolment_decisions, total),
        total=total,
        enrolments=enrolment_decisions,
        skipped=skipped,
        accumulator_changes=changes,
    )
    return decision, changes


def _decide_enrolment(claim: Claim, target: Target, names: frozenset[str], scratch: Scratch) -> EnrolmentDecision:
    plan = target.plan
    rules = [plan.rule(name) for name in sorted(names, key=plan.rank.__getitem__)]
    refusals = [_refusal(rule, claim, target) for rule in rules if rule.kind in REFUSAL_KINDS]
    clauses = [rule.name for rule in rules if rule.kind in REFUSAL_KINDS]
    lines = []
    if not refusals:
        for benefit in plan.plan.benefits:
            triggered = [r for r in rules if r.benefit == benefit.id]
            if not triggered:
                continue
            rule = min(triggered, key=lambda r: r.schedule)  # schedules are tried in order
            context = PayoutContext(claim, target.enrolment, plan.plan.plan, scratch, rule.name)
            lines.append(PAYERS[benefit.pays](benefit, rule.schedule, context))
            clauses.append(rule.name)
        if not lines:
            refusals.append(Refusal(code="not_covered", clause="benefits", message="无适用的保障责任",
                                    detail="no benefit of the plan applies to this event"))
        for line in lines:
            if line.amount == 0 and line.note_code:
                refusals.append(Refusal(code=line.note_code, clause=line.benefit, message=line.note or ""))
    amount = sum((line.amount for line in lines), ZERO)
    return EnrolmentDecision(
        enrolment_id=target.enrolment.enrolment_id,
        plan=plan.plan.plan,
        plan_title=plan.plan.title,
        revision=plan.plan.revision,
        plan_hash=plan.content_hash,
        status=_enrolment_status(amount, lines, refusals),
        amount=amount,
        lines=lines,
        refusals=refusals,
        clauses=clauses,
        missing=[],
    )


def _refusal(rule, claim: Claim, target: Target) -> Refusal:
    code = REFUSAL_CODES.get(rule.kind, f"excluded:{rule.clause}")
    detail = f"{rule.name} held: {rule.description}"
    if rule.group:
        detail += f" (exclusion group {rule.group})"
    if rule.kind == "waiting":
        day = (claim.event.date - target.first_continuous_start).days
        detail = f"event on day {day} after first continuous start {target.first_continuous_start}; {detail}"
    return Refusal(code=code, clause=rule.clause, message=REFUSAL_MESSAGES[rule.kind].format(title=rule.title), detail=detail)


LIMIT_NOTES = frozenset({"cap_reached", "day_limit_reached"})


def _enrolment_status(amount: Decimal, lines, refusals) -> str:
    """Paid in full; partial when something was paid but a limit cut a line or a benefit was
    refused beside it; denied when nothing was paid."""
    if amount == 0:
        return "denied"
    if refusals or any(line.note_code in LIMIT_NOTES for line in lines):
        return "partial"
    return "paid"


def _overall_status(decisions: list[EnrolmentDecision], total: Decimal) -> str:
    if any(d.status == "pending" for d in decisions):
        return "pending"
    if total == 0:
        return "denied"
    if all(d.status == "paid" for d in decisions):
        return "paid"
    return "partial"
