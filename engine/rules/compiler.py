"""Plan revision -> compiled rules: one flat list of named rules, each tied to its YAML clause.

A rule fires when its clause decides something about the claim:
- `eligibility:<id>` / `coverage:<id>` fire when the requirement is NOT met;
- `exclusion:<id>` fires when an exclusion clause matches and its `unless` does not;
- `waiting:<id>` fires when the event falls inside the waiting period;
- `benefit:<id>:<n>` fires when the benefit's trigger and its n-th schedule hold.
Rules never see history: they say what the claim is, the payout step says how much is left.
That keeps rule evaluation batchable across claims of the same member.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from engine.conditions import (
    TRUE,
    Compare,
    Condition,
    ConditionParser,
    code_sets as code_sets_used,
    conjoin,
    describe,
    negate,
    walk,
)
from engine.errors import Issue
from engine.icd import CodeIndex, CodeSet
from engine.model.plan import PerDay, PerUnit, Plan, Reimbursement
from engine.yamlsource import format_path


# How a claims officer reads a plan: who may claim, what is covered, what is excluded, whether
# the event is inside a waiting period, and only then what is paid.
PRECEDENCE = ("eligibility", "coverage", "exclusion", "waiting", "benefit")


@dataclass(frozen=True)
class CompiledRule:
    name: str
    kind: str  # eligibility | coverage | exclusion | waiting | benefit
    clause: str
    title: str
    condition: Condition
    benefit: str | None = None
    schedule: int | None = None
    group: str | None = None
    description: str = ""  # the condition in words, for refusal details


@dataclass(frozen=True)
class ExclusionDefinition:
    id: str
    title: str
    condition: Condition  # when AND NOT unless


@dataclass
class RuleLibrary:
    """What `rules/` provides to plans: circumstance codes, exclusion clauses and groups."""

    circumstances: dict[str, str] = field(default_factory=dict)
    exclusions: dict[str, ExclusionDefinition] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    code_sets: dict[str, CodeSet] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class CompiledPlan:
    plan: Plan
    source: str
    content_hash: str
    rules: list[CompiledRule]
    code_sets: dict[str, CodeSet]
    code_index: CodeIndex

    @property
    def key(self) -> str:
        """Unique name of this revision's ruleset: plan id, revision and content hash."""
        return f"{self.plan.plan}@{self.plan.revision}#{self.content_hash[:12]}"

    def rule(self, name: str) -> CompiledRule:
        return self._by_name[name]

    def __post_init__(self):
        self._by_name = {rule.name: rule for rule in self.rules}
        self.fact_fields = frozenset(
            node.field for rule in self.rules for node in walk(rule.condition) if isinstance(node, Compare)
        )
        # Decisions list fired rules by precedence (eligibility, coverage, exclusions, waiting
        # periods, then benefits), and within a kind in the order the plan writes them.
        order = {kind: rank for rank, kind in enumerate(PRECEDENCE)}
        ranked = sorted(enumerate(self.rules), key=lambda pair: (order[pair[1].kind], pair[0]))
        self.rank = {rule.name: rank for rank, (_, rule) in enumerate(ranked)}


def compile_plan(
    plan: Plan,
    library: RuleLibrary,
    report: Callable[[str, tuple], Issue],
) -> tuple[list[CompiledRule], dict[str, CodeSet], list[Issue]]:
    """Parse every condition of `plan`, reporting each issue at its YAML path, and emit its rules."""
    code_sets: dict[str, CodeSet] = {}
    parser = ConditionParser(report, set(library.circumstances), code_sets)
    issues: list[Issue] = []
    rules: list[CompiledRule] = []

    def condition(data: Any, path: tuple) -> Condition:
        return TRUE if data is None else parser.parse(data, path)

    issues.extend(_structure_issues(plan, report))

    for section in ("eligibility", "coverage"):
        for index, clause in enumerate(getattr(plan, section)):
            met = condition(clause.require, (section, index, "require"))
            rules.append(CompiledRule(f"{section}:{clause.id}", section, clause.id, clause.title, negate(met)))

    for index, period in enumerate(plan.waiting_periods):
        applies = condition(period.applies_when, ("waiting_periods", index, "applies_when"))
        inside = Compare("days_from_first_continuous_start", "lt", period.days)
        rules.append(CompiledRule(f"waiting:{period.id}", "waiting", period.id, period.title, conjoin(applies, inside)))

    for clause_id, group in _exclusion_clauses(plan, library, report, issues):
        definition = library.exclusions[clause_id]
        rules.append(
            CompiledRule(f"exclusion:{clause_id}", "exclusion", clause_id, definition.title, definition.condition, group=group)
        )
    for rule in rules:
        if rule.kind == "exclusion":
            for flag in code_sets_used(rule.condition, library.code_sets):
                code_sets[flag] = library.code_sets[flag]

    for index, benefit in enumerate(plan.benefits):
        trigger = condition(benefit.when, ("benefits", index, "when"))
        if isinstance(benefit, Reimbursement):
            for number, schedule in enumerate(benefit.schedules):
                selects = condition(schedule.when, ("benefits", index, "schedules", number, "when"))
                rules.append(
                    CompiledRule(
                        f"benefit:{benefit.id}:{number}", "benefit", benefit.id, benefit.title,
                        conjoin(trigger, selects), benefit=benefit.id, schedule=number,
                    )
                )
        elif isinstance(benefit, PerDay):
            rules.append(
                CompiledRule(f"benefit:{benefit.id}:0", "benefit", benefit.id, benefit.title, trigger, benefit=benefit.id, schedule=0)
            )

    issues.extend(parser.issues)
    names = {flag: str(code_set) for flag, code_set in code_sets.items()}
    rules = [replace(rule, description=describe(rule.condition, names)) for rule in rules]
    return rules, code_sets, issues


def _structure_issues(plan: Plan, report) -> list[Issue]:
    """Checks across fields, located at the exact key: unique clause ids, increasing bands."""
    issues = []
    seen: dict[str, tuple] = {}
    for section in ("eligibility", "coverage", "waiting_periods", "benefits"):
        for index, clause in enumerate(getattr(plan, section)):
            if clause.id in seen:
                issues.append(report(f"clause id {clause.id!r} is already used at {format_path(seen[clause.id])}", (section, index, "id")))
            seen.setdefault(clause.id, (section, index, "id"))
    if plan.units is None:
        for path, amount in _amounts(plan):
            if isinstance(amount, PerUnit):
                issues.append(report("a per_unit amount needs the plan to be sold in units (add `units: {min, max}`)", path))
    for b_index, benefit in enumerate(plan.benefits):
        for s_index, schedule in enumerate(getattr(benefit, "schedules", [])):
            where = ("benefits", b_index, "schedules", s_index, "bands")
            limits = [band.up_to for band in schedule.bands]
            if limits[-1] is not None:
                issues.append(report("the last band pays the rest: it takes no up_to", where + (len(limits) - 1, "up_to")))
            for index, limit in enumerate(limits[:-1]):
                if limit is None:
                    issues.append(report("every band but the last needs up_to", where + (index,)))
                elif index and limits[index - 1] is not None and limit <= limits[index - 1]:
                    issues.append(report(f"band limits must increase: {limit} is not above {limits[index - 1]}", where + (index, "up_to")))
    return issues


def _amounts(plan: Plan):
    """(path, amount) of every amount in the plan that may be per unit."""
    yield ("fee",), plan.fee
    for index, benefit in enumerate(plan.benefits):
        for cap in ("cap_per_claim", "cap_per_term", "cap_per_life"):
            if getattr(benefit, cap) is not None:
                yield ("benefits", index, cap), getattr(benefit, cap)
        if isinstance(benefit, PerDay):
            yield ("benefits", index, "amount_per_day"), benefit.amount_per_day
            for extra_index, extra in enumerate(benefit.extra_days):
                yield ("benefits", index, "extra_days", extra_index, "amount_per_day"), extra.amount_per_day


def _exclusion_clauses(plan: Plan, library: RuleLibrary, report, issues: list[Issue]):
    """(clause id, group or None) for every exclusion the plan refers to, each once."""
    seen: set[str] = set()
    for index, group in enumerate(plan.exclusions.groups):
        if group not in library.groups:
            issues.append(report(f"unknown exclusion group {group!r}; known: {', '.join(sorted(library.groups))}", ("exclusions", "groups", index)))
            continue
        for clause_id in library.groups[group]:
            if clause_id not in seen:
                seen.add(clause_id)
                yield clause_id, group
    for index, clause_id in enumerate(plan.exclusions.clauses):
        if clause_id not in library.exclusions:
            issues.append(report(f"unknown exclusion clause {clause_id!r}; known: {', '.join(sorted(library.exclusions))}", ("exclusions", "clauses", index)))
            continue
        if clause_id not in seen:
            seen.add(clause_id)
            yield clause_id, None
