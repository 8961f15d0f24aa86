"""Plan revision -> compiled rules: one flat list of named rules, each tied to its YAML clause.

A rule fires when its clause decides something about the claim:
- `eligibility:<id>` / `coverage:<id>` fire when the requirement is NOT met;
- `exclusion:<id>` fires when an exclusion clause matches and its `unless` does not;
- `waiting:<id>` fires when the event falls inside the waiting period;
- `benefit:<id>:<n>` fires when the benefit's trigger and its n-th schedule hold;
- `disease:<list>/<entry>` and `pending:<list>/<entry>` are evaluated on each diagnosis of the
  claim (facts of subject `diagnosis`) for the disease lists the plan's lump sums pay on: the
  definition is met, or undecided for want of a finding.
Rules never see history: they say what the claim is, the payout step says how much is left.
That keeps rule evaluation batchable across claims of the same member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from engine.conditions import (
    TRUE,
    AnyOf,
    Compare,
    Condition,
    ConditionParser,
    conjoin,
    describe,
    negate,
    walk,
)
from engine.conditions import Flag, Labels
from engine.diseases import DiseaseDefinition, DiseaseListDefinition
from engine.errors import Issue
from engine.evidence import FALSE
from engine.findings import Finding
from engine.hints import did_you_mean
from engine.icd import CodeIndex, CodeSet
from engine.model.library import DisabilityGrades
from engine.model.plan import DeathDisability, FeeTable, LumpSum, PerDay, PerTier, PerUnit, Plan, Reimbursement
from engine.procedures import ProcedureIndex, ProcedureSet
from engine.yamlsource import format_path


# How a claims officer reads a plan: who may claim, what is covered, what is excluded, whether
# the event is inside a waiting period, and only then what is paid.
PRECEDENCE = ("eligibility", "coverage", "exclusion", "waiting", "benefit")
RULE_KINDS = PRECEDENCE + ("disease", "pending", "adjustment")


@dataclass(frozen=True)
class CompiledRule:
    name: str
    kind: str  # eligibility | coverage | exclusion | waiting | benefit | disease | pending
    clause: str
    title: str
    condition: Condition
    benefit: str | None = None
    schedule: int | None = None
    group: str | None = None
    description: str = ""  # the condition in words, for refusal details
    subject: str = "claim"  # the fact it is evaluated on: the claim, or one diagnosis of it


@dataclass(frozen=True)
class ExclusionDefinition:
    id: str
    title: str
    condition: Condition  # when AND NOT unless
    effective_from: dt.date | None = None  # in force for terms starting on or after (None: always)
    effective_to: dt.date | None = None


def in_force(entry, day: dt.date) -> bool:
    """Whether a dated library entry (effective_from/effective_to, inclusive, None open) is in force on `day`."""
    start, end = getattr(entry, "effective_from", None), getattr(entry, "effective_to", None)
    return (start is None or start <= day) and (end is None or day <= end)


def dates_text(entry) -> str:
    start, end = getattr(entry, "effective_from", None), getattr(entry, "effective_to", None)
    return f"in force {'from ' + str(start) if start else 'from the start'} {'to ' + str(end) if end else 'on'}"


@dataclass(frozen=True)
class _Dates:
    effective_from: dt.date | None
    effective_to: dt.date | None


@dataclass
class RuleLibrary:
    """What `rules/` provides to plans: circumstance codes, exclusion clauses and groups."""

    circumstances: dict[str, str] = field(default_factory=dict)
    offices: dict[str, str] = field(default_factory=dict)  # code -> title (rules/offices.yaml)
    exclusions: dict[str, ExclusionDefinition] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    code_sets: dict[str, CodeSet] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    procedure_sets: dict[str, ProcedureSet] = field(default_factory=dict)
    disease_lists: dict[str, DiseaseListDefinition] = field(default_factory=dict)
    disability: DisabilityGrades | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    circumstance_dates: dict[str, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)  # dated codes only
    whole: "RuleLibrary | None" = None  # in a view (`as_of`), the library it was cut from
    as_of_date: dt.date | None = None

    def change_dates(self) -> list[dt.date]:
        """Days on which the library as in force changes: each dated entry's first day and the
        day after its last. Empty when nothing in it is dated."""
        days: set[dt.date] = set()
        dated = [entry for disease_list in self.disease_lists.values() for entry in disease_list.entries]
        dated += list(self.exclusions.values())
        dated += [_Dates(*dates) for dates in self.circumstance_dates.values()]
        for entry in dated:
            if entry.effective_from is not None:
                days.add(entry.effective_from)
            if entry.effective_to is not None and entry.effective_to < dt.date.max:
                days.add(entry.effective_to + dt.timedelta(days=1))
        return sorted(days)

    def as_of(self, day: dt.date) -> "RuleLibrary":
        """The library as it stands for terms starting on `day`: dated disease-list entries,
        exclusion clauses (and so group members) and circumstance codes out of force left out."""
        exclusions = {key: clause for key, clause in self.exclusions.items() if in_force(clause, day)}
        return replace(
            self,
            circumstances={code: title for code, title in self.circumstances.items()
                           if in_force(_Dates(*self.circumstance_dates.get(code, (None, None))), day)},
            exclusions=exclusions,
            groups={group: [member for member in members if member in exclusions] for group, members in self.groups.items()},
            disease_lists={list_id: replace(definition, entries=[entry for entry in definition.entries if in_force(entry, day)])
                           for list_id, definition in self.disease_lists.items()},
            whole=self, as_of_date=day,
        )

    @property
    def labels(self) -> Labels:
        return Labels(self.code_sets, self.procedure_sets, self.findings)

    def definitions(self, benefit: LumpSum) -> list[DiseaseDefinition]:
        """The definitions a lump sum pays on: its list, narrowed to its kind (none if unknown)."""
        disease_list = self.disease_lists.get(benefit.diseases.list)
        return disease_list.select(benefit.diseases.kind) if disease_list else []


@dataclass
class CompiledPlan:
    plan: Plan
    source: str
    content_hash: str
    rules: list[CompiledRule]
    library: RuleLibrary
    report: Callable[[str, tuple], Issue] | None = None  # locates an issue in the plan's file
    # The same revision compiled on the library as it stood on later days within its dates
    # (dated rule libraries): (first term start, compiled plan), in date order.
    segments: list[tuple[dt.date, "CompiledPlan"]] = field(default_factory=list)

    def view_for(self, start: dt.date) -> "CompiledPlan":
        """This revision as compiled on the library in force for a term starting on `start`."""
        chosen = self
        for day, segment in self.segments:
            if day <= start:
                chosen = segment
        return chosen

    @property
    def key(self) -> str:
        """Unique name of this revision's ruleset: plan id, revision and content hash."""
        return f"{self.plan.plan}@{self.plan.revision}#{self.content_hash[:12]}"

    def rule(self, name: str) -> CompiledRule:
        return self._by_name[name]

    def __post_init__(self):
        self._by_name = {rule.name: rule for rule in self.rules}
        claim_rules = [rule for rule in self.rules if rule.subject == "claim"]
        diagnosis_rules = [rule for rule in self.rules if rule.subject == "diagnosis"]
        self.fact_fields = _compared_fields(claim_rules)
        self.code_sets = _flags_in(claim_rules, self.library.code_sets)
        self.code_index = CodeIndex(list(self.code_sets.values()))
        # What the facts of each diagnosis need: its own code lists, the event's code lists,
        # procedures, findings and any plain fields the criteria test.
        self.classifies_diagnoses = bool(diagnosis_rules)
        self.diagnosis_fact_fields = frozenset(f for f in _compared_fields(diagnosis_rules) if not f.startswith("f_"))
        diagnosis_sets = _flags_in(diagnosis_rules, self.library.code_sets)
        self.own_code_index = CodeIndex([c for c in diagnosis_sets.values() if c.own])
        self.event_code_index = CodeIndex([c for c in diagnosis_sets.values() if not c.own])
        self.procedure_index = ProcedureIndex(list(_flags_in(diagnosis_rules, self.library.procedure_sets).values()))
        tested = _compared_fields(diagnosis_rules) | {
            node.name for rule in diagnosis_rules for node in walk(rule.condition) if isinstance(node, Flag)
        }
        self.findings = [finding for finding in self.library.findings.values() if finding.fact_key in tested]
        self.counts_by_accident = counts_by_accident(self.plan)
        # Reimbursement benefits are the medical ones the indemnity rule subtracts (catalogue §0).
        self.medical_benefits = frozenset(b.id for b in self.plan.benefits if isinstance(b, Reimbursement))
        self.can_end_cover = any(getattr(b, "ends_cover", False) for b in self.plan.benefits) or any(
            period.ends_cover for period in self.plan.waiting_periods
        )
        # Decisions list fired rules by precedence (eligibility, coverage, exclusions, waiting
        # periods, then benefits), and within a kind in the order the plan writes them.
        order = {kind: rank for rank, kind in enumerate(RULE_KINDS)}
        ranked = sorted(enumerate(self.rules), key=lambda pair: (order[pair[1].kind], pair[0]))
        self.rank = {rule.name: rank for rank, (_, rule) in enumerate(ranked)}


def _compared_fields(rules: list[CompiledRule]) -> frozenset[str]:
    return frozenset(node.field for rule in rules for node in walk(rule.condition) if isinstance(node, Compare))


def _flags_in(rules: list[CompiledRule], registry: dict) -> dict:
    """The registry's entries (code or procedure sets) that the rules test, by flag."""
    return {
        node.name: registry[node.name]
        for rule in rules for node in walk(rule.condition) if isinstance(node, Flag) and node.name in registry
    }


def compile_plan(
    plan: Plan,
    library: RuleLibrary,
    report: Callable[[str, tuple], Issue],
) -> tuple[list[CompiledRule], list[Issue]]:
    """Parse every condition of `plan`, reporting each issue at its YAML path, and emit its rules."""
    parser = ConditionParser(report, set(library.circumstances), library.code_sets, offices=set(library.offices) or None)
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

    scopes: dict[str, list[Condition]] = {}
    groups_of: dict[str, str | None] = {}
    selections = [(plan.exclusions, TRUE, ("exclusions",))] + [
        (scoped, condition(scoped.when, ("exclusions", "scoped", index, "when")), ("exclusions", "scoped", index))
        for index, scoped in enumerate(plan.exclusions.scoped)
    ]
    for selection, scope, where in selections:
        for clause_id, group in _exclusion_clauses(selection, library, report, issues, where):
            scopes.setdefault(clause_id, []).append(scope)
            groups_of.setdefault(clause_id, group)
    for clause_id, scope_conditions in scopes.items():
        definition = library.exclusions[clause_id]
        scope = TRUE if TRUE in scope_conditions else (
            scope_conditions[0] if len(scope_conditions) == 1 else AnyOf(tuple(scope_conditions)))
        rules.append(CompiledRule(f"exclusion:{clause_id}", "exclusion", clause_id, definition.title,
                                  conjoin(scope, definition.condition), group=groups_of[clause_id]))
    if plan.proportional_payment is not None:
        adjustment = plan.proportional_payment
        rules.append(CompiledRule(f"adjustment:{adjustment.id}", "adjustment", adjustment.id, adjustment.title,
                                  condition(adjustment.when, ("proportional_payment", "when"))))

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
        else:
            rules.append(
                CompiledRule(f"benefit:{benefit.id}:0", "benefit", benefit.id, benefit.title, trigger, benefit=benefit.id, schedule=0)
            )
    rules.extend(_disease_rules(plan, library, report, issues))
    if library.disability is None:
        for index, benefit in enumerate(plan.benefits):
            if isinstance(benefit, DeathDisability):
                issues.append(report("a death_disability benefit needs the disability grades (rules/disability-grades.yaml)",
                                     ("benefits", index, "pays")))

    issues.extend(parser.issues)
    labels = library.labels
    rules = [replace(rule, description=describe(rule.condition, labels)) for rule in rules]
    return rules, issues


def _disease_rules(plan: Plan, library: RuleLibrary, report, issues: list[Issue]) -> list[CompiledRule]:
    """Two rules per definition of every disease list the plan's lump sums pay on."""
    lump_sums = {benefit.id: (index, benefit) for index, benefit in enumerate(plan.benefits) if isinstance(benefit, LumpSum)}
    lists: list[str] = []
    for benefit_id, (index, benefit) in lump_sums.items():
        where = ("benefits", index, "diseases")
        selected = library.disease_lists.get(benefit.diseases.list)
        if selected is None:
            known = ", ".join(sorted(library.disease_lists)) or "none"
            issues.append(report(f"unknown disease list {benefit.diseases.list!r}{did_you_mean(benefit.diseases.list, library.disease_lists)}; "
                                 f"rules/diseases defines: {known}", where + ("list",)))
            continue
        whole = library.whole.disease_lists.get(selected.id) if library.whole is not None else None
        if benefit.diseases.kind is not None and not selected.select(benefit.diseases.kind) and whole and whole.select(benefit.diseases.kind):
            issues.append(report(f"no entry of {selected.id} with kind {benefit.diseases.kind!r} is in force for terms starting "
                                 f"{library.as_of_date}, within this revision's dates", where + ("kind",)))
        elif benefit.diseases.kind is not None and not selected.select(benefit.diseases.kind):
            kinds = ", ".join(sorted({e.kind for e in selected.entries if e.kind})) or "none"
            issues.append(report(f"no entry of {selected.id} has kind {benefit.diseases.kind!r}; kinds: {kinds}", where + ("kind",)))
        if selected.id not in lists:
            lists.append(selected.id)
        for y_index, other in enumerate(benefit.yields_to):
            if other not in lump_sums or other == benefit_id:
                choices = ", ".join(b for b in lump_sums if b != benefit_id) or "none"
                issues.append(report(f"yields_to names {other!r}, which is not another lump-sum benefit of this plan"
                                     f"{did_you_mean(other, [b for b in lump_sums if b != benefit_id])}; "
                                     f"choose from: {choices}", ("benefits", index, "yields_to", y_index)))
        for s_index, other in enumerate(benefit.stacks_with):
            if other not in lump_sums or other == benefit_id:
                choices = ", ".join(b for b in lump_sums if b != benefit_id) or "none"
                issues.append(report(f"stacks_with names {other!r}, which is not another lump-sum benefit of this plan"
                                     f"{did_you_mean(other, [b for b in lump_sums if b != benefit_id])}; "
                                     f"choose from: {choices}", ("benefits", index, "stacks_with", s_index)))
            elif other in benefit.yields_to or benefit_id in lump_sums[other][1].yields_to:
                issues.append(report(f"{benefit_id} both stacks with and yields to {other}: say one of them "
                                     "(stacks_with: both pay one diagnosis; yields_to: only the other pays)",
                                     ("benefits", index, "stacks_with", s_index)))
    issues.extend(_yields_to_cycles(lump_sums, report))
    rules = []
    for list_id in lists:
        for entry in library.disease_lists[list_id].entries:
            rules.append(CompiledRule(f"disease:{entry.key}", "disease", entry.key, entry.name, entry.met,
                                      subject="diagnosis"))
            waiting = entry.undecided
            if waiting != FALSE:
                rules.append(CompiledRule(f"pending:{entry.key}", "pending", entry.key, entry.name, waiting,
                                          subject="diagnosis"))
    return rules


def _yields_to_cycles(lump_sums: dict[str, tuple[int, LumpSum]], report) -> list[Issue]:
    """Benefits that yield to each other in a ring: none of them may pay first, so a diagnosis
    meeting all of them would be paid by none. Each ring found by a depth-first walk (linear in
    the benefits) is reported once, at the `yields_to` entry that closes it."""
    successors = {benefit: [other for other in lump_sums[benefit][1].yields_to if other in lump_sums and other != benefit]
                  for benefit in lump_sums}
    issues: list[Issue] = []
    done: set[str] = set()
    for root in lump_sums:
        if root in done:
            continue
        path: list[str] = [root]
        pending = [iter(successors[root])]
        while pending:
            following = next(pending[-1], None)
            if following is None:
                done.add(path.pop())
                pending.pop()
            elif following in path:
                ring = path[path.index(following):]
                index, benefit = lump_sums[path[-1]]
                issues.append(report(f"yields_to makes a cycle: {' → '.join(ring + [following])}; one of them must take "
                                     "precedence (remove it from the other's yields_to)",
                                     ("benefits", index, "yields_to", benefit.yields_to.index(following))))
            elif following not in done:
                path.append(following)
                pending.append(iter(successors[following]))
    return issues


def counts_by_accident(plan: Plan) -> bool:
    """Whether the plan keeps accumulators per accident (death and disability, a per-accident
    deductible or cap), so accident claims must name their accident."""
    for benefit in plan.benefits:
        if isinstance(benefit, DeathDisability) or getattr(benefit, "cap_per_accident", None) is not None:
            return True
        if any(schedule.deductible_per_accident for schedule in getattr(benefit, "schedules", [])):
            return True
    return False


def _structure_issues(plan: Plan, report) -> list[Issue]:
    """Checks across fields, located at the exact key: unique clause ids, increasing bands."""
    issues = []
    seen: dict[str, tuple] = {}
    for section in ("eligibility", "coverage", "waiting_periods", "benefits"):
        for index, clause in enumerate(getattr(plan, section)):
            if clause.id in seen:
                issues.append(report(f"clause id {clause.id!r} is already used at {format_path(seen[clause.id])}", (section, index, "id")))
            seen.setdefault(clause.id, (section, index, "id"))
    for path, amount in _amounts(plan):
        if isinstance(amount, PerUnit) and plan.units is None:
            issues.append(report("a per_unit amount needs the plan to be sold in units (add `units: {min, max}`)", path))
        if isinstance(amount, PerTier) and len(amount.per_tier) != (plan.tiers or 0):
            issues.append(report(f"a per_tier amount needs one amount per tier: the plan has `tiers: {plan.tiers}`, "
                                 f"this lists {len(amount.per_tier)}", path + ("per_tier",)))
    if isinstance(plan.fee, FeeTable):
        for schedule, fees in plan.fee.per_tier.items():
            if len(fees) != (plan.tiers or 0):
                issues.append(report(f"the {schedule} fees need one fee per tier (`tiers: {plan.tiers}`), got {len(fees)}",
                                     ("fee", "per_tier", schedule)))
    if plan.proportional_payment is not None and not isinstance(plan.fee, FeeTable):
        issues.append(report("proportional_payment compares fee schedules: the fee must be {per_tier: {normal: [...], high_risk: [...]}}",
                             ("proportional_payment",)))
    elif plan.proportional_payment is not None:
        for name in ("paid_fee", "due_fee"):
            schedule = getattr(plan.proportional_payment, name)
            if schedule not in plan.fee.per_tier:
                issues.append(report(f"{name} {schedule!r} is not a fee schedule of this plan; it has: {', '.join(plan.fee.per_tier)}",
                                     ("proportional_payment", name)))
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
    if not isinstance(plan.fee, FeeTable):
        yield ("fee",), plan.fee
    for index, benefit in enumerate(plan.benefits):
        for cap in ("cap_per_claim", "cap_per_accident", "cap_per_term", "cap_per_life"):
            if getattr(benefit, cap, None) is not None:
                yield ("benefits", index, cap), getattr(benefit, cap)
        for name in ("amount", "sum"):
            if getattr(benefit, name, None) is not None:
                yield ("benefits", index, name), getattr(benefit, name)
        if isinstance(benefit, PerDay):
            yield ("benefits", index, "amount_per_day"), benefit.amount_per_day
            for extra_index, extra in enumerate(benefit.extra_days):
                if extra.amount_per_day is not None:
                    yield ("benefits", index, "extra_days", extra_index, "amount_per_day"), extra.amount_per_day


def _exclusion_clauses(selection, library: RuleLibrary, report, issues: list[Issue], where: tuple):
    """(clause id, group or None) for every exclusion a selection (groups, clauses) names, each once."""
    seen: set[str] = set()
    for index, group in enumerate(selection.groups):
        if group not in library.groups:
            issues.append(report(f"unknown exclusion group {group!r}{did_you_mean(group, library.groups)}; "
                                 f"known: {', '.join(sorted(library.groups))}", where + ("groups", index)))
            continue
        for clause_id in library.groups[group]:
            if clause_id not in seen:
                seen.add(clause_id)
                yield clause_id, group
    for index, clause_id in enumerate(selection.clauses):
        whole = library.whole.exclusions.get(clause_id) if library.whole is not None else None
        if clause_id not in library.exclusions and whole is not None:
            issues.append(report(f"exclusion clause {clause_id!r} is not in force for terms starting {library.as_of_date} "
                                 f"({dates_text(whole)}), within this revision's dates; end the revision before, or date the clause",
                                 where + ("clauses", index)))
            continue
        if clause_id not in library.exclusions:
            issues.append(report(f"unknown exclusion clause {clause_id!r}{did_you_mean(clause_id, library.exclusions)}; "
                                 f"known: {', '.join(sorted(library.exclusions))}", where + ("clauses", index)))
            continue
        if clause_id not in seen:
            seen.add(clause_id)
            yield clause_id, None
