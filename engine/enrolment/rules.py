"""A plan's group-enrolment rules as an application meets them: which eligibility requirements
can be decided when a person joins (those on the member and the enrolment, not on an event),
whom the participation share counts (`among`), and the share itself. All of it comes from the
plan's YAML (`eligibility:` and `group_enrolment:`); nothing here names a plan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from engine.conditions import TRUE, Compare, Condition, ConditionParser, Flag, walk
from engine.errors import Issue
from engine.model.plan import Participation, Plan
from engine.rules.compiler import CompiledPlan, CompiledRule, RuleLibrary
from engine.rules.python_eval import holds

# What is known about a person when a union enrols them: the member and the enrolment.
ENROLMENT_FIELDS = frozenset({
    "age", "gender", "office", "medical_insurance", "employment", "occupation_risk",
    "source", "units", "tier", "fee_schedule",
})
AMONG_PATH = ("group_enrolment", "participation", "among")


def _decidable_at_enrolment(condition: Condition) -> bool:
    return all(not isinstance(node, Flag) and (not isinstance(node, Compare) or node.field in ENROLMENT_FIELDS)
               for node in walk(condition))


def _parse_among(plan: Plan, library: RuleLibrary, report: Callable[[str, tuple], Issue]) -> tuple[Condition, list[Issue]]:
    participation = plan.group_enrolment.participation
    if participation is None or participation.among is None:
        return TRUE, []
    parser = ConditionParser(report, set(library.circumstances), dict(library.code_sets))
    condition = parser.parse(participation.among, AMONG_PATH)
    issues = list(parser.issues)
    if not issues and not _decidable_at_enrolment(condition):
        issues.append(report("`among` selects staff by what is known when they join: "
                             f"{', '.join(sorted(ENROLMENT_FIELDS))}", AMONG_PATH))
    return condition, issues


def group_enrolment_issues(plan: Plan, library: RuleLibrary, report: Callable[[str, tuple], Issue]) -> list[Issue]:
    """What the loader reports about `group_enrolment:`, each at its YAML line."""
    return _parse_among(plan, library, report)[1]


@dataclass(frozen=True)
class GroupRules:
    plan: CompiledPlan
    eligibility: tuple[CompiledRule, ...]  # rules that fire when a requirement is NOT met
    among: Condition
    participation: Participation | None
    same_choice: bool

    def refusals(self, facts: dict) -> list[CompiledRule]:
        """The eligibility requirements a person does not meet, in the plan's order."""
        return [rule for rule in self.eligibility if holds(rule.condition, facts)]

    def counted(self, facts: dict) -> bool:
        """Whether the participation share counts this (eligible) person."""
        return holds(self.among, facts)


def group_rules(compiled: CompiledPlan) -> GroupRules:
    """The rules of one loaded revision. Requirements on the event (a duty, a maturity) are left
    to the claim; those on the person are decided at enrolment."""
    report = compiled.report or (lambda message, path: Issue(message, ".".join(map(str, path)), compiled.source))
    among, issues = _parse_among(compiled.plan, compiled.library, report)
    if issues:  # the loader reports these; a plan with them never loads
        raise ValueError("; ".join(map(str, issues)))
    eligibility = tuple(rule for rule in compiled.rules
                        if rule.kind == "eligibility" and _decidable_at_enrolment(rule.condition))
    group = compiled.plan.group_enrolment
    return GroupRules(compiled, eligibility, among, group.participation, group.same_choice)
