"""Lump sums paid on disease definitions (critical illness, women's special diseases, the
plateau rider): which diagnosis meets which definition, precedence between benefits, missing
evidence, and the lifetime limits kept in history.

The rules have already said, for every diagnosis, which definitions are met (`disease:` rules)
and which wait for a finding (`pending:` rules). Here, per benefit in the plan's order and per
diagnosis in the claim's order:
- a benefit `yields_to` only benefits that could pay this enrolment (their `when` holds): a
  definition of one of those that is met takes the diagnosis (severe over mild), and the
  explanation says so ("met X; yields to Y"); one that is undecided leaves this benefit
  undecided too (Kleene: met and not unknown);
- the first met definition of the benefit's own list is its candidate;
- pending is scoped to a benefit (catalogue §0): a benefit with an undecided candidate that
  could still be paid pays nothing in this claim and names each missing finding, while the
  plan's other benefits are decided and paid; an undecided candidate that could not be paid
  anyway (the lifetime limit is reached, or filled in this claim by met diagnoses of a benefit
  not paid per disease) is refused with that limit;
- met candidates are paid in order within `once_per_disease` and `max_payments_per_life`, each
  amount × units, each line naming the list, definition, codes and the criteria with the values
  the claim stated. A payment that `ends_cover` ends the plan's cover for later claims only:
  the claim's other benefits are still paid (catalogue §2.3, 2024.1); `ends_cover: at_once`
  (one payment in life, §2.4) also refuses the claim's later candidates `cover_ended`.
  Benefits that stack (`stacks_with`) pay on top of each other for one diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from engine.conditions import TRUE
from engine.diseases import DiseaseDefinition
from engine.evidence import evaluate, explain
from engine.model.decision import BenefitLine, DefinitionChecked, DiseaseMatch, MissingEvidence, Refusal
from engine.model.plan import LumpSum
from engine.money import format_money
from engine.payout import PayoutContext
from engine.rules.compiler import CompiledPlan

COVER = "cover"
AT_ONCE = "at_once"  # `ends_cover: at_once`: the claim's later candidates pay nothing either
_ONE = Decimal(1)


@dataclass(slots=True)
class Candidate:
    benefit: LumpSum
    diagnosis: int
    definition: DiseaseDefinition | None  # None while undecided
    missing: list[MissingEvidence]
    preferred: list[DiseaseDefinition]  # definitions of the benefits it yields to
    fired: frozenset[str]  # rules fired on the diagnosis, to explain the preferred ones
    undecided: list[DiseaseDefinition] = field(default_factory=list)  # waiting for findings


@dataclass(slots=True)
class Yielded:
    """A diagnosis that met a definition of a benefit, taken by a benefit it yields to."""

    benefit: LumpSum
    diagnosis: int
    definition: DiseaseDefinition
    taken_by: list[DiseaseDefinition]  # the met definitions of the preferred benefits


@dataclass(slots=True)
class Assessment:
    """What the claim's diagnoses meet, before history is consulted."""

    candidates: list[Candidate] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # why each triggered benefit found nothing
    yielded: list[Yielded] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return any(c.definition is not None for c in self.candidates)

    @property
    def undecided(self) -> list[Candidate]:
        return [c for c in self.candidates if c.definition is None]

    def pending_rules(self, candidates: list[Candidate] | None = None) -> list[str]:
        """`pending:` rules of the definitions that wait for a finding."""
        chosen = self.undecided if candidates is None else candidates
        return list(dict.fromkeys(entry.pending_rule for c in chosen for entry in c.undecided))

    def missing(self, candidates: list[Candidate] | None = None) -> list[MissingEvidence]:
        seen, result = set(), []
        for candidate in (self.undecided if candidates is None else candidates):
            for item in candidate.missing:
                if (item.field, item.needed_by) not in seen:
                    seen.add((item.field, item.needed_by))
                    result.append(item)
        return result


def lump_sums(plan: CompiledPlan) -> list[LumpSum]:
    return [benefit for benefit in plan.plan.benefits if isinstance(benefit, LumpSum)]


def covers_a_diagnosis(plan: CompiledPlan, triggered: set[str], diagnosis_facts: tuple[dict, ...]) -> bool:
    """Whether a diagnosis of the claim is on a list the plan pays on for this member (catalogue
    §0, 2024.1: otherwise the plan does not cover this kind of event). The lists are those of
    the lump sums whose `when` holds; when none holds (a diagnosis before the first window of
    the women's plan), those of every lump sum."""
    benefits = [benefit for benefit in lump_sums(plan) if benefit.id in triggered] or lump_sums(plan)
    flags = {entry.codes.flag for benefit in benefits for entry in plan.library.definitions(benefit)}
    return any(flag in fact for fact in diagnosis_facts for flag in flags)


@dataclass(slots=True)
class _Selection:
    """A benefit's own definitions and those of the benefits it yields to, by rule name."""

    benefit: LumpSum
    own: dict[str, DiseaseDefinition]  # rule name -> definition, in list order
    own_pending: dict[str, DiseaseDefinition]
    preferred: dict[str, DiseaseDefinition]
    preferred_pending: dict[str, DiseaseDefinition]
    preferred_entries: list[DiseaseDefinition]


_SELECTIONS: dict[tuple[str, frozenset[str]], list[_Selection]] = {}


def _selections(plan: CompiledPlan, triggered: set[str]) -> list[_Selection]:
    """Built once per plan revision and set of benefits whose `when` holds: a diagnosis is then
    classified by looking up the few rules that fired on it, never by scanning the lists. A
    benefit yields only to those of its `yields_to` that could pay this enrolment."""
    key = (plan.key, frozenset(triggered))
    cached = _SELECTIONS.get(key)
    if cached is None:
        benefits = {benefit.id: benefit for benefit in lump_sums(plan)}
        definitions = plan.library.definitions
        cached = []
        for benefit in benefits.values():
            if benefit.id not in triggered:
                continue
            own = definitions(benefit)
            preferred = [entry for other in benefit.yields_to if other in triggered for entry in definitions(benefits[other])]
            cached.append(_Selection(
                benefit,
                {entry.met_rule: entry for entry in own}, {entry.pending_rule: entry for entry in own},
                {entry.met_rule: entry for entry in preferred}, {entry.pending_rule: entry for entry in preferred},
                preferred,
            ))
        _SELECTIONS[key] = cached
    return cached


def assess(plan: CompiledPlan, triggered: set[str], diagnosis_rules: tuple[frozenset[str], ...],
           diagnosis_facts: tuple[dict, ...], diagnosis_codes: list[str]) -> Assessment:
    assessment = Assessment()
    for selection in _selections(plan, triggered):
        benefit = selection.benefit
        found = False
        for index, fired in enumerate(diagnosis_rules):
            candidate = _candidate(selection, index, fired, diagnosis_facts[index], assessment)
            if candidate is not None:
                assessment.candidates.append(candidate)
                found = True
        if not found and not any(y.benefit is benefit for y in assessment.yielded):
            codes = ", ".join(diagnosis_codes) or "none"
            assessment.unmatched.append(f"{benefit.id}: no diagnosis ({codes}) meets a definition of {benefit.diseases.list}"
                                        + (f" of kind {benefit.diseases.kind}" if benefit.diseases.kind else ""))
    return assessment


def _candidate(selection: _Selection, index: int, fired: frozenset[str], fact: dict,
               assessment: Assessment) -> Candidate | None:
    met = [entry for name, entry in selection.own.items() if name in fired] if not fired.isdisjoint(selection.own) else []
    if not fired.isdisjoint(selection.preferred):
        if met:  # a preferred benefit's definition takes this diagnosis
            taken = [entry for name, entry in selection.preferred.items() if name in fired]
            assessment.yielded.append(Yielded(selection.benefit, index, met[0], taken))
        return None
    waiting_own = [entry for name, entry in selection.own_pending.items() if name in fired]
    if not met and not waiting_own:
        return None
    waiting_preferred = [entry for name, entry in selection.preferred_pending.items() if name in fired]
    if met and not waiting_preferred:
        return Candidate(selection.benefit, index, met[0], [], selection.preferred_entries, fired)
    undecided = waiting_preferred + ([] if met else waiting_own)
    missing = [
        MissingEvidence(field=f"$.event.diagnoses[{index}].findings.{name[2:]}", needed_by=f"{entry.key} {entry.name}")
        for entry in undecided for name in sorted(evaluate(entry.criteria, fact)[1])
    ]
    return Candidate(selection.benefit, index, None, missing, [], fired, undecided)


def _checked(plan: CompiledPlan, entry: DiseaseDefinition, fact: dict, fired: frozenset[str]) -> DefinitionChecked:
    outcome = "met" if entry.met_rule in fired else "pending" if entry.pending_rule in fired else "failed"
    return DefinitionChecked(disease=entry.key, name=entry.name, outcome=outcome, criteria=_criteria_text(entry, fact, plan))


def cover_ended(context: PayoutContext) -> Refusal | None:
    """Cover ended for good (a payment that ends cover) or for this enrolment (waiting period)."""
    if context.scratch.value(context.key(COVER, "ended", lifetime=True)):
        return Refusal(code="cover_ended", clause=COVER, message="本计划对该会员的保障已终止",
                       detail="an earlier payment of this plan ended its cover for good")
    if context.scratch.value(context.key(COVER, "ended")):
        return Refusal(code="cover_ended", clause=COVER, message="本次参保的保障已终止",
                       detail="a disease diagnosed in the waiting period ended this enrolment's cover")
    return None


def end_cover(context: PayoutContext, for_good: bool) -> None:
    context.scratch.add(context.key(COVER, "ended", lifetime=for_good), _ONE)


def pay(plan: CompiledPlan, assessment: Assessment, context: PayoutContext,
        diagnosis_facts: tuple[dict, ...]) -> tuple[list[BenefitLine], list[Refusal], list[str], list[MissingEvidence]]:
    """Pay each benefit's met candidates in order, within the limits history allows: the lines,
    the refusals, the rules that decided, and the findings the benefits left waiting need."""
    lines: list[BenefitLine] = []
    refusals: list[Refusal] = []
    clauses: list[str] = []
    waiting_for: list[Candidate] = []
    ended_by: str | None = None  # a payment that ended cover at once (one payment in life)
    for benefit in dict.fromkeys(c.benefit.id for c in assessment.candidates):
        candidates = [c for c in assessment.candidates if c.benefit.id == benefit]
        benefit = candidates[0].benefit
        if ended_by is not None:
            refusals.extend(_moot(candidate, ended_by) for candidate in candidates)
            continue
        met = [c for c in candidates if c.definition is not None]
        undecided = [c for c in candidates if c.definition is None]
        payments_key = context.key(benefit.id, "payments", lifetime=True)
        if undecided and _could_still_pay(benefit, context.scratch.value(payments_key), met):
            waiting_for.extend(undecided)  # neither paid nor denied until the finding is stated
            continue
        for candidate in met:
            definition = candidate.definition
            if ended_by is not None:
                refusals.append(_moot(candidate, ended_by))
                continue
            disease_key = context.key(benefit.id, f"paid:{definition.id}", lifetime=True)
            made = context.scratch.value(payments_key)
            if benefit.once_per_disease and context.scratch.value(disease_key):
                refusals.append(Refusal(code="already_paid", clause=benefit.id, message=f"该疾病已给付过：{definition.name}",
                                        detail=f"{definition.key} was paid under {benefit.id} before; each disease is paid once"))
                continue
            if benefit.max_payments_per_life is not None and made >= benefit.max_payments_per_life:
                refusal = _limit_reached(benefit, made)
                for other in assessment.yielded:  # say what yielded to the refused payment
                    if other.diagnosis == candidate.diagnosis and definition in other.taken_by:
                        refusal.detail += (f"; {other.benefit.id} met {other.definition.key} on this diagnosis and "
                                           f"yields to {benefit.id}, which did not pay it")
                refusals.append(refusal)
                continue
            amount = context.amount(benefit.amount)
            context.scratch.add(payments_key, _ONE)
            context.scratch.add(disease_key, _ONE)
            yielded = [y for y in assessment.yielded if y.diagnosis == candidate.diagnosis and definition in y.taken_by]
            lines.append(_line(plan, candidate, context, amount, made, diagnosis_facts[candidate.diagnosis], yielded))
            clauses.extend((f"benefit:{benefit.id}:0", definition.met_rule))
            if benefit.ends_cover:
                end_cover(context, for_good=True)  # later claims; the claim's other benefits are still paid
                if benefit.ends_cover == AT_ONCE:
                    ended_by = f"{benefit.id} ({definition.key})"
        for candidate in undecided:  # whatever the missing finding says, the limit is reached
            refusals.append(_moot(candidate, ended_by) if ended_by else
                            _limit_reached(benefit, context.scratch.value(payments_key), waiting=candidate))
    clauses.extend(assessment.pending_rules(waiting_for))
    return lines, refusals, clauses, assessment.missing(waiting_for)


def _moot(candidate: Candidate, ended_by: str) -> Refusal:
    what = candidate.definition.key if candidate.definition else f"diagnoses[{candidate.diagnosis}]"
    return Refusal(code="cover_ended", clause=candidate.benefit.id, message="本计划保障已因本次给付终止",
                   detail=f"{candidate.benefit.id} for {what}: {ended_by} in this claim ended cover at once")


def _could_still_pay(benefit: LumpSum, made, met: list[Candidate]) -> bool:
    """Whether an undecided diagnosis could still be paid under `benefit` in this claim: not
    once the lifetime limit is reached, nor when the claim's met diagnoses fill what is left of
    it and the benefit is not paid per disease (which one pays then changes nothing)."""
    limit = benefit.max_payments_per_life
    if limit is None:
        return True
    left = limit - int(made)
    if left <= 0:
        return False
    return benefit.once_per_disease or len(met) < left


def _limit_reached(benefit: LumpSum, made, waiting: Candidate | None = None) -> Refusal:
    detail = f"{made} of {benefit.max_payments_per_life} payments in life already made"
    if waiting is not None:
        detail += f"; diagnoses[{waiting.diagnosis}] cannot be paid whatever its missing findings say"
    return Refusal(code="lifetime_limit_reached", clause=benefit.id, message=f"{benefit.title}已达终身给付次数上限", detail=detail)


def _line(plan, candidate: Candidate, context: PayoutContext, amount, made, fact: dict,
          yielded: list[Yielded] = ()) -> BenefitLine:
    benefit, definition = candidate.benefit, candidate.definition
    diagnosis = context.claim.event.diagnoses[candidate.diagnosis]
    if not context.explain:  # amounts-only (engine.outcome): no criteria texts
        return BenefitLine(benefit=benefit.id, title=benefit.title, amount=amount, computed=amount, formula="", inputs={},
                           clause=f"benefit:{benefit.id}:0 + disease:{definition.key}")
    match = DiseaseMatch(
        disease_list=definition.list, disease=definition.id, number=definition.number, name=definition.name,
        diagnosis=f"$.event.diagnoses[{candidate.diagnosis}]: {diagnosis.code}",
        codes=str(definition.codes),
        criteria=_criteria_text(definition, fact, plan),
        preferred_checked=[_checked(plan, entry, fact, candidate.fired)
                           for entry in candidate.preferred if entry.codes.flag in fact],
    )
    inputs = {
        "disease": f"{definition.list} #{definition.number} {definition.id} {definition.name}",
        "diagnosis": match.diagnosis,
        "codes": match.codes,
        "payments_before_in_life": str(made),
    }
    if benefit.max_payments_per_life is not None:
        inputs["max_payments_per_life"] = str(benefit.max_payments_per_life)
    if benefit.once_per_disease:
        inputs["once_per_disease"] = "true"
    if benefit.ends_cover:
        inputs["ends_cover"] = "true: the plan covers this member for nothing more in later claims"
    for other in yielded:
        inputs[f"yielded:{other.benefit.id}"] = (f"met {other.definition.key} {other.definition.name}; "
                                                 f"{other.benefit.id} yields to {benefit.id}, which paid")
    return BenefitLine(
        benefit=benefit.id, title=benefit.title, amount=amount, computed=amount,
        formula=f"{context.describe(benefit.amount)} = {format_money(amount)}",
        inputs=inputs, clause=f"benefit:{benefit.id}:0 + disease:{definition.key}", disease=match,
    )


def _criteria_text(definition: DiseaseDefinition, fact: dict, plan: CompiledPlan) -> str:
    if definition.criteria == TRUE:
        return "none: the code decides"
    return explain(definition.criteria, fact, plan.library.labels)


def refund_line(context: PayoutContext, period_id: str, title: str) -> BenefitLine:
    """The member's fee back: fee_paid, which the claim checks equal the plan's fee for the
    units or tier (engine.planset); a gift was paid by a union, so the member gets 0.00."""
    gift = context.enrolment.source == "gift"
    fee = Decimal("0.00") if gift else context.enrolment.fee_paid
    return BenefitLine(
        benefit="waiting_period_refund", title=f"观察期内确诊，退还已交会费（{title}）", amount=fee, computed=fee,
        formula="gift: the member paid no fee = 0.00" if gift else f"fee_paid = {format_money(fee)}",
        inputs={"fee_paid": format_money(context.enrolment.fee_paid), "source": context.enrolment.source},
        clause=f"waiting:{period_id}", note_code="waiting_period_refund", note="等待期内确诊，退还会费，本次参保保障终止",
        refund=True,
    )
