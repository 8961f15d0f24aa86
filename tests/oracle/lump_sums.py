"""Catalogue §2.3 critical-illness (with the plateau rider) and §2.4 female-special-disease.

How a diagnosis is classified (§1.3): it is severe when it meets a severe definition; mild
only when it meets a mild definition and no severe one; a definition is met on the first
entry of the list (in list order) whose codes and criterion hold. Undecided definitions
(a finding not stated) leave the classification undecided: a mild classification waits while
a severe definition of the same diagnosis waits.

Payments (2024.1 readings): benefits in plan order (severe, mild, plateau), diagnoses in
claim order; each benefit pays a diagnosis at most once. A severe payment ends the plan's
cover for later claims only: the rider and a mild benefit for another diagnosis of the same
claim are still paid. A benefit with an undecided diagnosis that could still change its
payment is pending (§0: "the benefit is neither paid nor denied"); the plan's other benefits
are paid. An enrolment whose plan covers none of the event's diagnoses is not applicable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from oracle.codes import Codes, clean, procedure_matches
from oracle.criteria import Dx
from oracle.dates import day_number, inside_waiting_period
from oracle.exclusions import excluded_by, pre_existing
from oracle.lists import MILD, PLATEAU, SEVERE, WOMEN, Definition
from oracle.model import Context, money
from oracle.outcome import Line

WAITING_DAYS = 90
CORONARY = Codes("I20–I25")


@dataclass
class Classified:
    """One diagnosis against one list: met (with the definition), undecided (with the
    findings it needs), failed (its code is on the list, the criteria fail) or off the list."""

    status: str  # met, undecided, failed, off
    definition: Definition | None = None
    missing: set[str] = field(default_factory=set)

    @property
    def candidate(self) -> bool:
        return self.status in ("met", "undecided")


def classify(definitions: list[Definition], dx: Dx) -> Classified:
    missing: set[str] = set()
    on_list = False
    for definition in definitions:
        if dx.code not in definition.codes:
            continue
        on_list = True
        result = definition.criterion(dx)
        if result.value is True:
            return Classified("met", definition)
        if result.value is None:
            missing |= result.missing
    if missing:
        return Classified("undecided", missing=missing)
    return Classified("failed" if on_list else "off")


def diagnoses_of(event: dict) -> list[Dx]:
    diagnoses = event.get("diagnoses") or []
    codes = [clean(d["code"]) for d in diagnoses]
    return [
        Dx(code=codes[i], findings=dict(d.get("findings") or {}), procedures=event.get("procedures"),
           circumstances=frozenset(event.get("circumstances") or ()), others=codes[:i] + codes[i + 1:])
        for i, d in enumerate(diagnoses)
    ]


def mild_of(severe: Classified, mild: Classified) -> Classified:
    """Mild only if no severe definition is met; undecided while a severe one waits."""
    if severe.status == "met":
        return Classified("off")
    if severe.status == "undecided":
        if not mild.candidate:
            return Classified("off")
        return Classified("undecided", missing=severe.missing | mild.missing)
    return mild


def paths(index: int, keys: set[str]) -> set[str]:
    return {f"$.event.diagnoses[{index}].findings.{key}" for key in keys}


def critical_illness(context: Context) -> None:
    event, member, outcome = context.event, context.member, context.outcome
    if event["kind"] != "diagnosis":
        context.not_applicable("not_covered")
        return
    dxs = diagnoses_of(event)
    rider = member["office"] == "xizang"
    severe = [classify(SEVERE, dx) for dx in dxs]
    mild = [mild_of(s, classify(MILD, dx)) for s, dx in zip(severe, dxs)]
    plateau = [classify(PLATEAU, dx) if rider else Classified("off") for dx in dxs]
    on_a_list = any(dx.code in definition.codes for dx in dxs for definition in SEVERE + MILD + (PLATEAU if rider else []))
    if not on_a_list:
        context.not_applicable("not_covered")
        return
    if any(dx.code in CORONARY and procedure_matches(dx.procedures, ("36.1",)) for dx in dxs):
        outcome.amended.add("cabg")  # 2024.1: open-chest bypass needs the sternotomy finding
    refusals = outcome.refusals
    context.not_eligible(not 16 <= context.age <= 60, member["employment"] == "retired")
    if context.history.get(*context.life_key("cover ended")) or context.history.get(*context.term_key("cover ended")):
        refusals.add("cover_ended")
    refusals |= excluded_by("critical-illness", event)
    if pre_existing(event, context.first_start):
        refusals.add("excluded:pre-existing")
    waiting = event.get("cause", "disease") == "disease" and inside_waiting_period(
        event["diagnosis_date"], context.first_start, WAITING_DAYS)
    if waiting:
        refusals.add("waiting_period")
    if refusals == {"waiting_period"}:
        _waiting(context, [severe, mild, plateau])
        return
    if refusals:
        return
    _pay_critical_illness(context, severe, mild, plateau)


def _waiting(context: Context, classifications: list[list[Classified]]) -> None:
    """§2.3: a disease diagnosed inside the waiting period is not payable; the enrolment's fee
    is refunded and its cover ends. Reading: only a diagnosis that meets a definition of a
    benefit that applies to the member does so; one that may meet one pends."""
    outcome = context.outcome
    met = any(c.status == "met" for row in classifications for c in row)
    undecided = {(i, frozenset(c.missing)) for row in classifications for i, c in enumerate(row) if c.status == "undecided"}
    if met:
        outcome.lines.append(Line("waiting_period_refund", money(context.enrolment["fee_paid"]), "waiting_period_refund", refund=True))
        context.history.add(1, *context.term_key("cover ended"))
        if undecided:
            outcome.amended.add("scoped-pending")  # the refund is certain whatever the missing finding says
    elif undecided:
        outcome.pending = True
        for index, keys in undecided:
            outcome.missing |= paths(index, set(keys))


def _pay_critical_illness(context: Context, severe, mild, plateau) -> None:
    outcome, history, units = context.outcome, context.history, context.units
    pending: set[str] = set()
    severe_paid = False
    # Severe: 10,000 × units, once in life; ends cover for later claims.
    met = [i for i, c in enumerate(severe) if c.status == "met"]
    if met:
        first = met[0]
        outcome.lines.append(Line("severe", Decimal(10000) * units, disease=f"critical-illness-severe/{severe[first].definition.id}"))
        severe_paid = True
        if any(c.candidate for i, c in enumerate(severe) if i != first):
            outcome.refusals.add("lifetime_limit_reached")  # severe is paid once in life: here
    elif any(c.status == "undecided" for c in severe):
        pending.add("severe")
        for i, c in enumerate(severe):
            if c.status == "undecided":
                outcome.missing |= paths(i, c.missing)
    # Mild: 3,000 × units, at most 2 in life, each for a different mild disease.
    made = int(history.get(*context.life_key("mild payments")))
    candidates = [(i, c) for i, c in enumerate(mild) if c.candidate]
    if candidates and made < 2 and any(c.status == "undecided" for _, c in candidates):
        pending.add("mild")
        for i, c in candidates:
            if c.status == "undecided":
                outcome.missing |= paths(i, c.missing)
    elif candidates:
        if any(c.status == "undecided" for _, c in candidates):
            outcome.amended.add("scoped-pending")  # the limit decides without the missing finding
        paid_now: set[str] = set()
        for i, c in candidates:
            if c.status != "met":
                outcome.refusals.add("lifetime_limit_reached")
                continue
            disease = c.definition.id
            if history.get(*context.life_key("mild paid", disease)) or disease in paid_now:
                outcome.refusals.add("already_paid")
            elif made >= 2:
                outcome.refusals.add("lifetime_limit_reached")
            else:
                outcome.lines.append(Line("mild", Decimal(3000) * units, disease=f"critical-illness-mild/{disease}"))
                paid_now.add(disease)
                made += 1
    # Plateau rider (xizang): 5,000 × units, once per disease in life; stacks on severe and mild.
    riders = [(i, c) for i, c in enumerate(plateau) if c.status == "met"]
    rider_paid: set[str] = set()
    for i, c in riders:
        disease = c.definition.id
        if history.get(*context.life_key("plateau paid", disease)) or disease in rider_paid:
            outcome.refusals.add("already_paid")
        else:
            outcome.lines.append(Line("plateau", Decimal(5000) * units, disease=f"high-altitude/{disease}"))
            rider_paid.add(disease)
    if severe_paid and (sum(c.candidate for c in severe) > 1 or candidates):
        outcome.amended.add("severe-ends-later")
    if severe_paid and riders:
        outcome.amended.add("plateau-stacks")
    if pending:
        outcome.pending = True
        if outcome.lines:
            outcome.amended.add("scoped-pending")
    if not outcome.lines and not outcome.refusals and not pending:
        outcome.refusals.add("not_covered")  # on a list, but no definition is met
    # Record what was paid.
    for line in outcome.lines:
        list_id, disease = line.disease.split("/")
        if line.benefit == "severe":
            history.add(1, *context.life_key("cover ended"))
        elif line.benefit == "mild":
            history.add(1, *context.life_key("mild payments"))
            history.add(1, *context.life_key("mild paid", disease))
        else:
            history.add(1, *context.life_key("plateau paid", disease))


def female_special_disease(context: Context) -> None:
    event, member, outcome = context.event, context.member, context.outcome
    if event["kind"] != "diagnosis":
        context.not_applicable("not_covered")
        return
    dxs = diagnoses_of(event)
    listed = [(i, classify(WOMEN, dx)) for i, dx in enumerate(dxs)]
    listed = [(i, c) for i, c in listed if c.status == "met"]
    if not listed:
        context.not_applicable("not_covered")
        return
    context.not_eligible(member["gender"] != "female", not 16 <= context.age <= 60, member["employment"] == "retired")
    if context.history.get(*context.life_key("cover ended")):
        outcome.refusals.add("cover_ended")
    outcome.refusals |= excluded_by("critical-illness", event)
    if pre_existing(event, context.first_start):
        outcome.refusals.add("excluded:pre-existing")
    day = day_number(event["diagnosis_date"], context.first_start)
    by_disease = event.get("cause", "disease") == "disease"
    if by_disease and day < 30:
        outcome.refusals.add("waiting_period")  # nothing paid, cover goes on
    if outcome.refusals:
        return
    units = context.units
    if by_disease and day < 60:
        # days 30–59: a consolation sum on the first listed diagnosis
        paid = listed[0]
        outcome.lines.append(Line("consolation", Decimal(500) * units, disease=f"female-special-disease/{paid[1].definition.id}"))
    else:
        # from day 60 (or caused by an accident): an invasive disease before an in-situ one
        invasive = [(i, c) for i, c in listed if c.definition.kind == "invasive"]
        paid = (invasive or listed)[0]
        benefit, amount = ("invasive", 15000) if paid[1].definition.kind == "invasive" else ("in-situ", 2000)
        outcome.lines.append(Line(benefit, Decimal(amount) * units, disease=f"female-special-disease/{paid[1].definition.id}"))
    if len(listed) > 1:
        outcome.refusals.add("cover_ended")  # one payment in her life: this one ended her cover
    context.history.add(1, *context.life_key("cover ended"))
