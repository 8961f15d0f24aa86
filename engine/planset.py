"""The loaded plan revisions and rules, as they meet a claim: the checks of a claim that need
the plans (known plan ids, units and term length against the revision in force, overlapping
terms, circumstance codes, ICD-10 code shapes), which revision applies to an enrolment, and
which enrolments cover the claim's event. Every problem is reported with its JSON path."""

from __future__ import annotations

import datetime as dt

from engine.applicability import not_applicable
from engine.errors import ClaimError, Issue
from engine.icd import is_code, normalise_code
from engine.procedures import is_procedure, normalise_procedure
from engine.model.claim import Claim, Enrolment
from engine.model.plan import FeeTable, PerTier, PerUnit
from engine.model.decision import SkippedEnrolment
from engine.rules.compiler import CompiledPlan, RuleLibrary
from engine.terms import Target, add_days, continuity, covers


class PlanSet:
    def __init__(self, plans: list[CompiledPlan], library: RuleLibrary):
        self.library = library
        # Codes and findings another plan set knows (a revision diff's other side): claims may
        # state them, and this side's rules simply do not test them (engine.diff).
        self.extra_circumstances: set[str] = set()
        self.extra_findings: dict = {}
        self.revisions: dict[str, list[CompiledPlan]] = {}
        for plan in plans:
            self.revisions.setdefault(plan.plan.plan, []).append(plan)
        for revisions in self.revisions.values():
            revisions.sort(key=lambda p: p.plan.effective_from)

    def share_vocabulary(self, other: "PlanSet") -> None:
        """Accept in claims the circumstance codes and findings `other` defines, so that one
        claims corpus is valid for both sides of a comparison: a code added by one side does not
        make the other side refuse the claim."""
        self.extra_circumstances |= set(other.library.circumstances) - set(self.library.circumstances)
        self.extra_findings.update({key: finding for key, finding in other.library.findings.items()
                                    if key not in self.library.findings})

    def __iter__(self):
        return (plan for revisions in self.revisions.values() for plan in revisions)

    def targets(self, claim: Claim) -> tuple[list[Target], list[SkippedEnrolment]]:
        """The enrolments that cover the event (term and event kind), with the plan revision
        in force on each one's start; the others are listed as skipped (outside the term, or
        not applicable: the plan does not cover this kind of event). Earlier terms, listed
        only to show continuity, need no revision of their own."""
        targets, skipped, issues = [], [], []
        for index, enrolment in enumerate(claim.enrolments):
            if not covers(enrolment, claim.event.date, maturity=claim.event.kind == "maturity"):
                skipped.append(SkippedEnrolment(enrolment_id=enrolment.enrolment_id, plan=enrolment.plan, reason="outside_term"))
                continue
            where = f"$.enrolments[{index}]"
            try:
                revision = self.revision_for(enrolment)
            except LookupError:
                if claim.event.kind == "maturity" and enrolment.end < claim.event.date and enrolment.revision is None:
                    # an earlier term listed for continuity: a maturity is taken from any date
                    # after a term's start, but a term without a revision of its own is history
                    skipped.append(SkippedEnrolment(enrolment_id=enrolment.enrolment_id, plan=enrolment.plan, reason="outside_term"))
                    continue
                wanted = f"revision {enrolment.revision!r}" if enrolment.revision else f"revision in force on {enrolment.start}"
                issues.append(Issue(f"plan {enrolment.plan!r} has no {wanted}", f"{where}.{'revision' if enrolment.revision else 'start'}"))
                continue
            if not revision.plan.covers_event(claim.event.kind, claim.event.cause):
                skipped.append(not_applicable(revision, claim, enrolment, "event"))
            else:
                renewal, first_start = continuity(enrolment, claim.enrolments)
                targets.append(Target(enrolment, revision, renewal, first_start))
        if issues:
            raise ClaimError(issues)
        # Catalogue §0: plans are adjudicated in the order of §2 (the indemnity rule depends on it).
        targets.sort(key=lambda target: target.plan.plan.order or 99)
        return targets, skipped

    def revision_for(self, enrolment: Enrolment) -> CompiledPlan:
        """The revision pinned by the enrolment, or the one in force on its start, compiled on
        the rule library as it stood on that start (dated entries, `CompiledPlan.view_for`)."""
        for plan in reversed(self.revisions[enrolment.plan]):
            if enrolment.revision is not None:
                if plan.plan.revision == enrolment.revision:
                    return plan.view_for(enrolment.start)
                continue
            if plan.plan.effective_from <= enrolment.start and (plan.plan.effective_to is None or enrolment.start <= plan.plan.effective_to):
                return plan.view_for(enrolment.start)
        raise LookupError(enrolment.plan)

    def compiled(self):
        """Every compiled plan, each revision's later library views (segments) included."""
        for plan in self:
            yield plan
            yield from (segment for _, segment in plan.segments)

    def check_claim(self, claim: Claim) -> Claim:
        """Checks that need the loaded plans and rules; every problem with its JSON path."""
        issues: list[Issue] = []
        seen_ids: set[str] = set()
        event = claim.event
        if claim.member.birth_date > event.date:
            issues.append(Issue(f"birth_date {claim.member.birth_date} is after the event ({event.date})", "$.member.birth_date"))
        unnamed_accident = event.kind == "hospital_stay" and event.cause == "accident" and event.accident_id is None
        counted_by: str | None = None  # a plan that keeps accumulators per accident
        for index, enrolment in enumerate(claim.enrolments):
            for other in claim.enrolments[:index]:
                if other.plan == enrolment.plan and other.start <= enrolment.end and enrolment.start <= other.end:
                    issues.append(Issue(
                        f"term {enrolment.start}..{enrolment.end} overlaps enrolment {other.enrolment_id!r} of the same plan "
                        "(one member holds a plan once per term)", f"$.enrolments[{index}]"))
            if enrolment.enrolment_id in seen_ids:
                issues.append(Issue(f"enrolment_id {enrolment.enrolment_id!r} is listed twice", f"$.enrolments[{index}].enrolment_id"))
            seen_ids.add(enrolment.enrolment_id)
            if enrolment.plan not in self.revisions:
                issues.append(Issue(f"unknown plan {enrolment.plan!r}; known: {', '.join(sorted(self.revisions))}", f"$.enrolments[{index}].plan"))
                continue
            try:
                compiled = self.revision_for(enrolment)
            except LookupError:
                continue  # an earlier term needs no revision; a covering one is refused in targets()
            plan = compiled.plan
            if unnamed_accident and counted_by is None and compiled.counts_by_accident:
                counted_by = plan.plan
            where = f"$.enrolments[{index}]"
            bought = _unit_issues(plan, enrolment, where) + _tier_issues(plan, enrolment, where)
            issues.extend(bought)
            issues.extend(_term_issues(plan, enrolment, where))
            if not bought:  # the fee is checked against units and tier once they are right
                issues.extend(_fee_issues(plan, enrolment, where))
        if counted_by is not None:
            issues.append(Issue(f"an accident-caused stay must name its accident (accident_id): plan {counted_by} limits "
                                "death, disability, deductibles or caps per accident", "$.event.accident_id"))
        for index, code in enumerate(claim.event.circumstances):
            if code not in self.library.circumstances and code not in self.extra_circumstances:
                issues.append(Issue(f"unknown circumstance {code!r}; see rules/circumstances.yaml", f"$.event.circumstances[{index}]"))
        for index, diagnosis in enumerate(claim.event.diagnoses):
            if not is_code(normalise_code(diagnosis.code)):
                issues.append(Issue(f"{diagnosis.code!r} is not an ICD-10 code (expected e.g. C50.9)", f"$.event.diagnoses[{index}].code"))
            issues.extend(self._finding_issues(diagnosis.findings, f"$.event.diagnoses[{index}].findings"))
        for index, code in enumerate(getattr(claim.event, "procedures", None) or ()):
            if not is_procedure(normalise_procedure(code)):
                issues.append(Issue(f"{code!r} is not an ICD-9-CM-3 procedure code (expected e.g. 36.11)", f"$.event.procedures[{index}]"))
        if issues:
            raise ClaimError(issues)
        return claim


    def _finding_issues(self, findings: dict, where: str) -> list[Issue]:
        """Every finding must be one `rules/findings.yaml` defines, with a value of its kind."""
        issues = []
        for key, value in findings.items():
            finding = self.library.findings.get(key) or self.extra_findings.get(key)
            if finding is None:
                known = ", ".join(sorted(self.library.findings))
                issues.append(Issue(f"unknown finding {key!r}; rules/findings.yaml defines: {known}", f"{where}.{key}"))
                continue
            try:
                finding.encode(value)
            except ValueError as error:
                issues.append(Issue(str(error), f"{where}.{key}"))
        return issues


def _unit_issues(plan, enrolment, where: str) -> list[Issue]:
    if plan.units is None:
        return []
    if enrolment.units is None:
        return [Issue(f"plan {plan.plan} is bought in units: units is required", f"{where}.units")]
    if not plan.units.min <= enrolment.units <= plan.units.max:
        return [Issue(f"plan {plan.plan} takes {plan.units.min} to {plan.units.max} units, got {enrolment.units}", f"{where}.units")]
    return []


def _tier_issues(plan, enrolment, where: str) -> list[Issue]:
    if plan.tiers is None:
        return []
    issues = []
    if enrolment.tier is None:
        issues.append(Issue(f"plan {plan.plan} is bought by tier: tier is required", f"{where}.tier"))
    elif not 1 <= enrolment.tier <= plan.tiers:
        issues.append(Issue(f"plan {plan.plan} has tiers 1 to {plan.tiers}, got {enrolment.tier}", f"{where}.tier"))
    if isinstance(plan.fee, FeeTable) and enrolment.fee_schedule is None:
        issues.append(Issue(f"plan {plan.plan} has fee schedules ({', '.join(plan.fee.per_tier)}): fee_schedule is required",
                            f"{where}.fee_schedule"))
    return issues


def _fee_issues(plan, enrolment: Enrolment, where: str) -> list[Issue]:
    """The fee rule: fee_paid is exactly what the plan charges for the enrolment's units or
    tier (fee schedule); a gift enrolment (paid by a union) may also state 0.00. Anything else
    cannot be right and is refused. A fee refund (the critical-illness waiting period) pays
    back fee_paid, so it never exceeds what the plan says was due, and a gift refunds nothing
    to the member (engine.lump_sum)."""
    due = plan.fee_due(enrolment.units, enrolment.tier, enrolment.fee_schedule)  # units and tier were checked
    if enrolment.fee_paid == due or (enrolment.source == "gift" and enrolment.fee_paid == 0):
        return []
    if isinstance(plan.fee, PerUnit):
        basis = f"{plan.fee.per_unit} × {enrolment.units} units"
    elif isinstance(plan.fee, FeeTable):
        basis = f"tier {enrolment.tier}, {enrolment.fee_schedule} fee schedule"
    elif isinstance(plan.fee, PerTier):
        basis = f"tier {enrolment.tier}"
    else:
        basis = "the plan's fee"
    gift = " (or 0.00 for a gift)" if enrolment.source == "gift" else ""
    return [Issue(f"plan {plan.plan} charges {due:.2f} ({basis}){gift}; fee_paid {enrolment.fee_paid} cannot be right",
                  f"{where}.fee_paid")]


def _term_issues(plan, enrolment: Enrolment, where: str) -> list[Issue]:
    """A term of N years runs from its start to the day before the N-th anniversary."""
    if plan.term_years is None:
        return []
    for years in plan.term_years:
        if add_days(enrolment.end, 1) in anniversaries(enrolment.start, years):
            return []
    lengths = " or ".join(f"{years} year{'s' if years > 1 else ''}" for years in plan.term_years)
    return [Issue(f"plan {plan.plan} has terms of {lengths}: {enrolment.start} to {enrolment.end} is not one", f"{where}.end")]


def anniversaries(day: dt.date, years: int) -> set[dt.date]:
    """The same day `years` later; for 29 February in a common year both readings, 28 February
    and 1 March, are accepted; none beyond the calendar's last year."""
    if day.year + years > dt.MAXYEAR:
        return set()
    try:
        return {day.replace(year=day.year + years)}
    except ValueError:
        return {dt.date(day.year + years, 2, 28), dt.date(day.year + years, 3, 1)}
