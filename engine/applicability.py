"""Whether a plan applies to a claim's event at all (catalogue §0, 2024.1), and why not.

An enrolment whose plan does not cover this kind of event (an accident plan on an illness, the
women's plan on a heart attack) is listed as not applicable, with a reason code and a Chinese
sentence, and does not count towards the claim's status. Two kinds of event are not covered:
- the plan's `events` do not name the event's kind and cause (an accident plan on a stay caused
  by disease, a hospital plan on a diagnosis);
- a plan paying lump sums on disease lists, none of whose lists holds a diagnosis of the claim
  (`engine.lump_sum.covers_a_diagnosis`).

The reason is the §1.1 clause that names the event where the plan has one: the first of the
plan's exclusion clauses that holds on the event's kind, cause and diagnosis codes alone (so
`excluded:disease-caused` for an accident plan on an illness, `excluded:congenital` for a
congenital malformation), never one that depends on the claim's circumstances or the member;
otherwise `not_covered`.
"""

from __future__ import annotations

from engine.conditions import circumstance_flag
from engine.model.claim import Claim, Enrolment
from engine.model.decision import SkippedEnrolment
from engine.rules.compiler import CompiledPlan
from engine.rules.python_eval import holds

EXCLUDED_MESSAGE = "本方案不保障此类事件：{title}"
NOT_COVERED_MESSAGES = {
    "event": "本方案不保障此类事件",
    "diagnosis": "所患疾病不在本方案保障的疾病范围内",
}


def not_applicable(plan: CompiledPlan, claim: Claim, enrolment: Enrolment, why: str) -> SkippedEnrolment:
    """The enrolment listed as not applicable; `why` is "event" (kind not covered) or
    "diagnosis" (no diagnosis on the plan's lists)."""
    clause = naming_clause(plan, claim)
    if clause is None:
        code, message = "not_covered", NOT_COVERED_MESSAGES[why]
    else:
        code, message = f"excluded:{clause.clause}", EXCLUDED_MESSAGE.format(title=clause.title)
    return SkippedEnrolment(enrolment_id=enrolment.enrolment_id, plan=enrolment.plan, reason="not_applicable",
                            code=code, message=message, plan_title=plan.plan.title)


def naming_clause(plan: CompiledPlan, claim: Claim):
    """The first exclusion rule of the plan (in the plan's order) that holds on the event's kind,
    cause and diagnosis codes alone, and still holds with the claim's circumstances, or None."""
    event = claim.event
    fact: dict = {"event": event.kind}
    if event.cause is not None:
        fact["cause"] = event.cause
    for diagnosis in event.diagnoses:
        for flag in plan.code_index.flags_for(diagnosis.code):
            fact[flag] = 1
    stated = dict(fact)  # with the circumstances: a clause's `unless` (hiv_transfusion) still counts
    for code in event.circumstances:
        stated[circumstance_flag(code)] = 1
    exclusions = sorted((rule for rule in plan.rules if rule.kind == "exclusion" and rule.subject == "claim"),
                        key=lambda rule: plan.rank[rule.name])
    return next((rule for rule in exclusions if holds(rule.condition, fact) and holds(rule.condition, stated)), None)
