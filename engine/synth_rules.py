"""Synthetic claims drawn from the rules as loaded, for a corpus that exercises a change.

A corpus written from fixed tables of codes never reaches a disease, finding or circumstance
that a product team adds, nor a revision that starts next year. This generator reads the plan
set instead (`Adjudicator`): for every year asked, every plan revision in force for terms
starting that year, and the rule library as it stands for those terms (dated entries), it
writes

- for every entry of every disease list, three members, each with one diagnosis claim in the
  entry's codes: findings and procedures stated to meet its criteria, to miss them, and left
  unstated (undecided), enrolled in a plan revision that pays on the list, with the member
  attributes its eligibility, coverage and the benefit's `when` ask for;
- for every exclusion clause and circumstance code in force, a hospital stay that states it.

Values come from a small solver over the compiled conditions (`solve`): a comparison is met
at its boundary and missed just beyond it, `all` meets each part, `any` its first. Fees are
what the revision charges (`Plan.fee_due`), so every claim passes the fee rule.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Iterator

from engine.conditions import All, AnyOf, Compare, Condition, Flag, TRUE
from engine.findings import FACT_PREFIX
from engine.rules.compiler import CompiledPlan
from engine.vocabulary import FIELDS

MEMBER_FIELDS = {"gender", "office", "medical_insurance", "employment", "occupation_risk"}
DEFAULT_MEMBER = {"gender": "female", "office": "beijing", "medical_insurance": "urban_employee", "employment": "standard",
                  "occupation_risk": "normal"}


@dataclass
class Assignment:
    """What a solution sets: fact values (findings, member fields) and presence flags."""

    values: dict[str, int | str] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)

    def merge(self, other: "Assignment") -> "Assignment":
        return Assignment({**other.values, **self.values}, {**other.flags, **self.flags})  # the first one set wins


def solve(condition: Condition, want: bool = True) -> Assignment:
    """An assignment under which `condition` is `want` (best effort: `all` and `any` are
    taken part by part, so a contradiction between parts is not searched around)."""
    if isinstance(condition, Compare):
        op = condition.op if want else {"eq": "neq", "neq": "eq", "lt": "gte", "gte": "lt", "gt": "lte", "lte": "gt"}[condition.op]
        return Assignment({condition.field: _satisfying(op, condition.value, condition.field)})
    if isinstance(condition, Flag):
        return Assignment(flags={condition.name: condition.present if want else not condition.present})
    items = condition.items
    if not items:
        return Assignment()
    meet_all = isinstance(condition, All) == want  # all parts true (All) or all parts false (AnyOf missed)
    if not meet_all:
        return solve(items[0], want)
    result = Assignment()
    for item in items:
        result = result.merge(solve(item, want))
    return result


def _satisfying(op: str, value: int | str, name: str) -> int | str:
    if isinstance(value, str):
        if op in ("eq", "gte", "lte"):
            return value
        others = [other for other in getattr(FIELDS.get(name), "values", ()) if other != value]
        return others[0] if others else value + "x"
    return {"eq": value, "gte": value, "lte": value, "gt": value + 1, "lt": value - 1, "neq": value + 1}[op]


# -- from an assignment to claim data -----------------------------------------------------------


def findings_of(assignment: Assignment, library) -> dict:
    """Claim findings for the `f_*` facts set (decoded, clamped into each finding's bounds)."""
    findings = {}
    for key, value in assignment.values.items():
        if not key.startswith(FACT_PREFIX) or key[len(FACT_PREFIX):] not in library.findings:
            continue
        finding = library.findings[key[len(FACT_PREFIX):]]
        if isinstance(value, int):
            low, high = finding.bounds()
            value = max(value, low) if low is not None else value
            value = min(value, high) if high is not None else value
        text = finding.decode(value)
        findings[finding.key] = (text == "true") if finding.type == "boolean" else int(text) if finding.type == "integer" else text
    for key, present in assignment.flags.items():  # `stated: true` with no value given: state one
        name = key[len(FACT_PREFIX):]
        if key.startswith(FACT_PREFIX) and present and name in library.findings and name not in findings:
            finding = library.findings[name]
            low, _ = finding.bounds()
            findings[name] = _plain(finding, finding.decode(low if low is not None else 0) if finding.type != "text" else "stated")
    return findings


def _plain(finding, text: str):
    return (text == "true") if finding.type == "boolean" else int(text) if finding.type == "integer" else text


def codes_of(assignment: Assignment, library, own_default: str) -> tuple[str, list[str], list[str]]:
    """(the diagnosis's own code, other diagnoses' codes, procedures) for the flags set."""
    own, others, procedures = own_default, [], []
    for flag, present in assignment.flags.items():
        if not present:
            continue
        if flag in library.procedure_sets:
            procedures.append(library.procedure_sets[flag].prefixes[0])
        elif flag in library.code_sets:
            code = library.code_sets[flag].specs[0].low
            if flag.startswith("co_"):
                own = code if library.code_sets[flag].matches(code) else own
            else:
                others.append(code)
    return own, others, procedures


def member_fields(assignment: Assignment) -> dict:
    fields = dict(DEFAULT_MEMBER)
    fields.update({key: value for key, value in assignment.values.items() if key in MEMBER_FIELDS and isinstance(value, str)})
    return fields


# -- plans in force ------------------------------------------------------------------------------


def revisions_in_force(adjudicator, year: int, focus: str | None = None) -> list[tuple[CompiledPlan, dt.date]]:
    """(revision, a term start in `year` it decides) for every plan revision in force for terms
    starting that year; with `focus` (PLAN or PLAN/REVISION), that plan's only."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    found = []
    plan_focus, _, revision_focus = (focus or "").partition("/")
    for plan_id, revisions in sorted(adjudicator.revisions.items()):
        if plan_focus and plan_id != plan_focus:
            continue
        for revision in revisions:
            start = max(first, revision.plan.effective_from)
            end = min(last, revision.plan.effective_to or last)
            if start <= end and (not revision_focus or revision.plan.revision == revision_focus):
                found.append((revision, start))
    return found


def _enrolment(revision: CompiledPlan, start: dt.date, enrolment_id: str, rng: random.Random, renewed: bool,
               asks: Assignment | None = None) -> dict:
    plan = revision.plan
    gift = asks is not None and asks.values.get("source") == "gift"
    units = rng.randint(plan.units.min, min(plan.units.max, plan.units.min + 2)) if plan.units else None
    tier = rng.randint(1, plan.tiers) if plan.tiers else None
    schedule = None
    if tier is not None and hasattr(plan.fee, "per_tier") and isinstance(getattr(plan.fee, "per_tier"), dict):
        schedule = "normal" if "normal" in plan.fee.per_tier else sorted(plan.fee.per_tier)[0]
    years = (plan.term_years or [1])[0]
    try:
        end = start.replace(year=start.year + years) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        end = dt.date(start.year + years, 2, 28)
    enrolment = {"enrolment_id": enrolment_id, "plan": plan.plan, "start": start.isoformat(), "end": end.isoformat(),
                 "fee_paid": "0.00" if gift else f"{plan.fee_due(units, tier, schedule):.2f}"}
    if gift:
        enrolment["source"] = "gift"
    if units is not None:
        enrolment["units"] = units
    if tier is not None:
        enrolment["tier"] = tier
    if schedule is not None:
        enrolment["fee_schedule"] = schedule
    if renewed:
        enrolment["first_continuous_start"] = dt.date(start.year - 2, 1, 1).isoformat()
    return enrolment


def _birth_date(assignment: Assignment, start: dt.date, rng: random.Random) -> str:
    age = rng.randint(25, 50)  # inside every plan's age limits; the solver's boundary ages are left to the oracle tests
    return (start - dt.timedelta(days=365 * age + 180)).isoformat()


def _plan_asks(revision: CompiledPlan, benefit_id: str | None = None) -> Assignment:
    """Member attributes that pass the revision's eligibility and coverage (and, when given,
    make the benefit's own conditions hold)."""
    result = Assignment()
    for rule in revision.rules:
        if rule.kind in ("eligibility", "coverage"):
            result = result.merge(solve(rule.condition, False))
        elif rule.kind == "exclusion":  # a claim meant to pay must not meet an exclusion's scope by its member fields
            continue
        elif benefit_id is not None and rule.kind == "benefit" and rule.benefit == benefit_id:
            result = result.merge(Assignment({k: v for k, v in solve(rule.condition, True).values.items() if k in MEMBER_FIELDS}))
    return result


# -- the claims ----------------------------------------------------------------------------------

VARIANTS = ("meet", "miss", "undecided")


def disease_claims(adjudicator, years: list[int], rng: random.Random, focus: str | None = None) -> Iterator[list[dict]]:
    """Member blocks: for every year, every list entry in force, and each variant, one member
    with one diagnosis claim under a revision that pays on the entry's list."""
    number = 0
    for year in years:
        for revision, start in revisions_in_force(adjudicator, year, focus):
            view = revision.view_for(start)
            for benefit in view.plan.benefits:
                selector = getattr(benefit, "diseases", None)
                if selector is None:
                    continue
                asks = _plan_asks(view, benefit.id)
                for entry in view.library.definitions(benefit):
                    for variant in VARIANTS:
                        number += 1
                        yield [_diagnosis_claim(view, start, benefit.id, entry, variant, asks, number, rng)]


def _diagnosis_claim(revision: CompiledPlan, start: dt.date, benefit_id: str, entry, variant: str, asks: Assignment,
                     number: int, rng: random.Random) -> dict:
    library = revision.library
    code = entry.codes.specs[0].low
    wanted = solve(entry.criteria, variant != "miss") if entry.criteria != TRUE else Assignment()
    own, others, procedures = codes_of(wanted, library, code)
    findings = {} if variant == "undecided" else findings_of(wanted, library)
    member_id = f"r{start.year}-{number}"
    member = {"member_id": member_id, **member_fields(asks), "birth_date": _birth_date(asks, start, rng)}
    day = start + dt.timedelta(days=rng.randint(120, 300))
    diagnoses = [{"code": own, "onset_date": (day - dt.timedelta(days=5)).isoformat(), "findings": findings}]
    diagnoses += [{"code": other, "onset_date": (day - dt.timedelta(days=5)).isoformat()} for other in others if other != own]
    event = {"kind": "diagnosis", "diagnosis_date": day.isoformat(), "cause": "disease", "diagnoses": diagnoses}
    if procedures and variant != "undecided":
        event["procedures"] = procedures
    circumstances = sorted(flag[3:] for flag, present in wanted.flags.items()
                           if present and flag.startswith("ci_") and flag[3:] in library.circumstances)
    if circumstances:
        event["circumstances"] = circumstances
    enrolment = _enrolment(revision, start, f"{member_id}-e", rng, renewed=True, asks=asks)
    return {"claim_id": f"{member_id}-{entry.list}-{entry.id}-{variant}", "member": member, "enrolments": [enrolment],
            "event": event}


def exclusion_claims(adjudicator, years: list[int], rng: random.Random, focus: str | None = None) -> Iterator[list[dict]]:
    """For every year, every revision whose exclusions are reachable by a stay, and every clause
    and circumstance code in force: a member with one hospital stay stating it."""
    number = 0
    for year in years:
        for revision, start in revisions_in_force(adjudicator, year, focus):
            view = revision.view_for(start)
            if not view.plan.covers_event("hospital_stay", "disease"):
                continue
            asks = _plan_asks(view)
            clauses = [rule for rule in view.rules if rule.kind == "exclusion"]
            codes = sorted(view.library.circumstances)
            for rule in clauses:
                number += 1
                yield [_stay(view, start, f"x{year}-{number}", solve(rule.condition, True), asks, rng, rule.clause)]
            for code in codes:
                number += 1
                yield [_stay(view, start, f"x{year}-{number}", Assignment(flags={f"ci_{code}": True}), asks, rng, code)]


def _stay(revision: CompiledPlan, start: dt.date, member_id: str, wanted: Assignment, asks: Assignment,
          rng: random.Random, label: str) -> dict:
    library = revision.library
    circumstances = sorted(flag[3:] for flag, present in wanted.flags.items()
                           if present and flag.startswith("ci_") and flag[3:] in library.circumstances)
    own, others, procedures = codes_of(wanted, library, "J18.9")
    cause = wanted.values.get("cause", "disease")
    cause = cause if cause in ("disease", "accident") else "disease"
    admission = start + dt.timedelta(days=rng.randint(100, 250))
    member = {"member_id": member_id, **member_fields(asks), "birth_date": _birth_date(asks, start, rng)}
    event = {"kind": "hospital_stay", "admission": admission.isoformat(), "discharge": (admission + dt.timedelta(days=5)).isoformat(),
             "cause": cause, "designated": True, "icu_days": 0, "total": "12000.00", "fund_paid": "6000.00",
             "self_pay_in_scope": "5000.00", "self_pay_out_of_scope": "1000.00",
             "diagnoses": [{"code": code} for code in dict.fromkeys([own, *others])], "circumstances": circumstances}
    if wanted.values.get("pre_existing") in (1, True):  # onset before the first continuous start (既往症)
        event["diagnoses"][0]["onset_date"] = dt.date(start.year - 3, 6, 1).isoformat()
    if cause == "accident":
        event["accident_id"] = f"{member_id}-a"
    if procedures:
        event["procedures"] = procedures
    return {"claim_id": f"{member_id}-{label}", "member": member,
            "enrolments": [_enrolment(revision, start, f"{member_id}-e", rng, renewed=True, asks=asks)], "event": event}


# -- the whole corpus -------------------------------------------------------------------------------


def parse_years(values: list[str]) -> list[int]:
    """`--year 2025`, `--year 2024-2026` (a range), repeatable; in order, each once."""
    years: list[int] = []
    for value in values:
        first, _, last = value.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise ValueError(f"--year {value!r}: expected a year (2025) or a range (2024-2026)") from None
        if not 1900 <= low <= high <= 9998:
            raise ValueError(f"--year {value!r}: expected years from 1900 on, the range low to high")
        years += [year for year in range(low, high + 1) if year not in years]
    return years


def focus_years(adjudicator, focus: str) -> list[int]:
    """The years a focus names: a revision's first year, or every revision's of the plan."""
    plan_id, _, revision_id = focus.partition("/")
    if plan_id not in adjudicator.revisions:
        raise ValueError(f"--focus {focus!r}: unknown plan; known: {', '.join(sorted(adjudicator.revisions))}")
    revisions = [r for r in adjudicator.revisions[plan_id] if not revision_id or r.plan.revision == revision_id]
    if not revisions:
        known = ", ".join(r.plan.revision for r in adjudicator.revisions[plan_id])
        raise ValueError(f"--focus {focus!r}: plan {plan_id} has no revision {revision_id!r}; known: {known}")
    return sorted({r.plan.effective_from.year for r in revisions})


def moved_to(block: list[dict], year: int, adjudicator) -> list[dict] | None:
    """A block of the fixed-table corpora (written for 2024) moved to `year`: every date shifted
    by whole years, enrolments under a plan with no revision in force dropped, and fees as the
    revision in force charges them. None when the block loses every enrolment."""
    shift = year - 2024
    import json

    text = json.dumps(block, ensure_ascii=False)
    if shift:
        import re

        text = re.sub(r'"(\d{4})-(\d{2})-(\d{2})"', lambda m: f'"{_shifted(m, shift)}"', text)
    moved = json.loads(text)
    for claim in moved:
        kept = []
        for enrolment in claim["enrolments"]:
            try:
                revision = adjudicator.plans.revision_for(_EnrolmentView(enrolment))
            except (KeyError, LookupError):
                continue
            if enrolment.get("source") != "gift" or enrolment.get("fee_paid") != "0.00":
                enrolment["fee_paid"] = f"{revision.plan.fee_due(enrolment.get('units'), enrolment.get('tier'), enrolment.get('fee_schedule')):.2f}"
            kept.append(enrolment)
        if not kept:
            return None
        claim["enrolments"] = kept
    return moved


def _shifted(match, years: int) -> str:
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if month == 2 and day == 29:
        day = 28
    return f"{year + years:04d}-{month:02d}-{day:02d}"


@dataclass
class _EnrolmentView:
    """The two fields `PlanSet.revision_for` reads, from an enrolment's JSON."""

    data: dict

    @property
    def plan(self) -> str:
        return self.data["plan"]

    @property
    def revision(self):
        return self.data.get("revision")

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(self.data["start"])


def generate_for_rules(adjudicator, count: int, seed: int, years: list[int], focus: str | None = None) -> Iterator[list[dict]]:
    """Every list entry, clause and circumstance code in force, for every year and revision
    (`disease_claims`, `exclusion_claims`), then member blocks of the mixed corpus moved to the
    years, until at least `count` claims. With `focus`, only that plan's revisions are
    exercised, and only blocks holding the plan fill the rest."""
    from engine.synthetic import generate_mixed

    rng = random.Random(seed)
    produced = 0
    for block in (*disease_claims(adjudicator, years, rng, focus), *exclusion_claims(adjudicator, years, rng, focus)):
        produced += len(block)
        yield block
    plan_focus = (focus or "").partition("/")[0]
    filler = generate_mixed(10**12, seed)
    misses = 0
    while produced < count:
        block = moved_to(next(filler), years[rng.randrange(len(years))], adjudicator)
        if block is None or (plan_focus and not any(e["plan"] == plan_focus for e in block[0]["enrolments"])):
            misses += 1
            if misses > 100_000:  # the focus plan is in none of the mixed corpus's blocks
                return
            continue
        produced += len(block)
        yield block
