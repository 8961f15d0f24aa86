"""A plain-Python reference model of inpatient-medical (§2.1) and hospital-allowance (§2.2),
written straight from /work/shared/catalogue.md (§0, §1.1, §2.1, §2.2). It imports nothing from
`engine`: it reads the claim dicts itself and computes with Decimal.

    model = ReferenceModel()
    for claim in claims:                      # in the order they are adjudicated
        outcome = model.adjudicate(claim)     # {enrolment_id: Outcome(amount, reasons, ...)}

Readings taken where the catalogue leaves a choice (the same a claims officer would take):
- continuous renewal: the previous term of the same plan ended at most 30 days before the new
  start (new.start <= old.end + 30 days); the chain is followed back to its first start; a
  stated `first_continuous_start` earlier than that start replaces it;
- age: whole years on the enrolment's start date (birthday reached on the day itself);
- history is per term, i.e. per enrolment: deductible used, amount paid and days paid;
- the deductible is consumed in the order claims are adjudicated (the generators send them in
  discharge order), only by covered stays that are not refused;
- pre-existing (§0, "excluded from every disease benefit"): a disease-caused stay with a
  principal (first) diagnosis whose onset_date is before the enrolment's first continuous start
  is excluded (`excluded:pre-existing`); a diagnosis without onset_date is not pre-existing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

WAITING_DAYS = 90
RENEWAL_GRACE_DAYS = 30
MIN_AGE, MAX_AGE = 16, 65
PILOT_OFFICES = {"lanzhou", "zunyi"}

# §2.1
DEDUCTIBLE = {"urban_employee": Decimal("500"), "urban_rural_resident": Decimal("1000")}
BAND_EDGE = Decimal("10000")
RATES = {
    "urban_employee": (Decimal("0.50"), Decimal("0.60")),
    "urban_rural_resident": (Decimal("0.40"), Decimal("0.50")),
}
CAP_PER_UNIT = Decimal("15000")
# Revision 2025 (plans/inpatient-medical/2025.yaml), for terms starting from 2025-01-01: a third
# band above 30,000 at 70% for urban employees, and a cap of 20,000 × units.
REVISION_2025 = dt.date(2025, 1, 1)
BAND_EDGE_2025 = Decimal("30000")
RATE_ABOVE_2025 = Decimal("0.70")
CAP_PER_UNIT_2025 = Decimal("20000")


def inpatient_cap_per_unit(start: dt.date) -> Decimal:
    return CAP_PER_UNIT_2025 if start >= REVISION_2025 else CAP_PER_UNIT

# §2.2
DEDUCTIBLE_DAYS = 3
MAX_DAYS = 180
PER_DAY_PER_UNIT = Decimal("40")

# §1.1: the medical group and what each clause matches.
MEDICAL_CIRCUMSTANCE_CLAUSES = {
    "war": {"war", "riot"},
    "nuclear": {"nuclear"},
    "cosmetic": {"cosmetic"},
    "drugs": {"drugs"},
    "self-harm-crime": {"self_harm", "crime"},
    "drunk-or-unlicensed-driving": {"drunk_driving", "unlicensed_driver", "unlicensed_vehicle"},
}
# (clause, ranges of three-character categories, single codes matching with subdivisions)
MEDICAL_DIAGNOSIS_CLAUSES = {
    "hiv": ([("B20", "B24")], ["Z21"]),
    "congenital": ([("Q00", "Q99")], []),
    "pregnancy": ([("O00", "O99"), ("Z30", "Z39")], []),
    "mental": ([("F00", "F99")], []),
}
HIV_UNLESS = {"hiv_transfusion", "hiv_occupational"}


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def day(text) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(text)


def amount_of(value) -> Decimal:
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def whole_years(birth: dt.date, on: dt.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def code_in(code: str, ranges, singles) -> bool:
    code = code.strip().upper()
    category = code[:3]
    if any(low <= category <= high for low, high in ranges):
        return True
    return any(code == single or code.startswith(single + ".") for single in singles)


def medical_exclusions(event: dict) -> list[str]:
    """Clause ids of the medical group (§1.1) that the event matches."""
    circumstances = set(event.get("circumstances") or [])
    codes = [d["code"] for d in event.get("diagnoses") or []]
    clauses = [clause for clause, matches in MEDICAL_CIRCUMSTANCE_CLAUSES.items() if circumstances & matches]
    for clause, (ranges, singles) in MEDICAL_DIAGNOSIS_CLAUSES.items():
        if any(code_in(code, ranges, singles) for code in codes):
            if clause == "hiv" and circumstances & HIV_UNLESS:
                continue
            clauses.append(clause)
    return sorted(clauses)


def first_continuous_start(enrolment: dict, enrolments: list[dict]) -> dt.date:
    """Start of the earliest term in the unbroken chain of continuous renewals (§0)."""
    current, chain = enrolment, [enrolment]
    while True:
        start = day(current["start"])
        previous = [
            e for e in enrolments
            if e["plan"] == enrolment["plan"] and day(e["start"]) < start
            and start <= day(e["end"]) + dt.timedelta(days=RENEWAL_GRACE_DAYS)
        ]
        if not previous:
            break
        current = min(previous, key=lambda e: day(e["start"]))
        chain.append(current)
    first = day(current["start"])
    for term in chain:  # any term of the chain may state where the chain began
        stated = term.get("first_continuous_start")
        if stated is not None and day(stated) < first:
            first = day(stated)
    return first


@dataclass
class Outcome:
    """What one enrolment pays for one claim, and why it pays nothing when refused."""

    amount: Decimal = ZERO
    reasons: list[str] = field(default_factory=list)  # not_eligible, not_covered, excluded:<id>, waiting_period
    computed: Decimal = ZERO  # before the cap (inpatient) / the formula result (allowance)
    paid_days: int = 0
    icu_paid_days: int = 0


@dataclass
class TermState:
    deductible_used: Decimal = ZERO
    paid: Decimal = ZERO
    days_paid: int = 0


class ReferenceModel:
    def __init__(self) -> None:
        self.terms: dict[tuple[str, str], TermState] = {}

    def copy(self) -> "ReferenceModel":
        clone = ReferenceModel()
        clone.terms = {key: TermState(s.deductible_used, s.paid, s.days_paid) for key, s in self.terms.items()}
        return clone

    def state(self, member_id: str, enrolment_id: str) -> TermState:
        return self.terms.setdefault((member_id, enrolment_id), TermState())

    def adjudicate(self, claim: dict) -> dict[str, Outcome]:
        """Outcome per enrolment covering the stay (admission inside the term); records it."""
        event = claim["event"]
        assert event["kind"] == "hospital_stay"
        admission = day(event["admission"])
        result = {}
        for enrolment in claim["enrolments"]:
            if not day(enrolment["start"]) <= admission <= day(enrolment["end"]):
                continue
            reasons = self.refusals(claim, enrolment)
            state = self.state(claim["member"]["member_id"], enrolment["enrolment_id"])
            if reasons:
                result[enrolment["enrolment_id"]] = Outcome(reasons=reasons)
            elif enrolment["plan"] == "inpatient-medical":
                result[enrolment["enrolment_id"]] = self.inpatient(claim, enrolment, state)
            elif enrolment["plan"] == "hospital-allowance":
                result[enrolment["enrolment_id"]] = self.allowance(claim, enrolment, state)
            else:
                raise ValueError(enrolment["plan"])
        return result

    @staticmethod
    def refusals(claim: dict, enrolment: dict) -> list[str]:
        member, event = claim["member"], claim["event"]
        reasons = []
        age = whole_years(day(member["birth_date"]), day(enrolment["start"]))
        eligible = MIN_AGE <= age <= MAX_AGE and member["employment"] != "retired"
        if enrolment["plan"] == "inpatient-medical":
            insurance = member["medical_insurance"]
            eligible = eligible and (
                insurance == "urban_employee"
                or (insurance == "urban_rural_resident" and member["office"] in PILOT_OFFICES)
            )
        if not eligible:
            reasons.append("not_eligible")
        if enrolment["plan"] == "inpatient-medical" and event["designated"] is not True:
            reasons.append("not_covered")
        reasons.extend(f"excluded:{clause}" for clause in medical_exclusions(event))
        start = first_continuous_start(enrolment, claim["enrolments"])
        principal = (event.get("diagnoses") or [None])[0]  # the disease the stay is for
        if event["cause"] == "disease" and principal is not None and principal.get("onset_date") is not None \
                and day(principal["onset_date"]) < start:
            reasons.append("excluded:pre-existing")
        if event["cause"] == "disease" and day(event["admission"]) < start + dt.timedelta(days=WAITING_DAYS):
            reasons.append("waiting_period")
        return reasons

    @staticmethod
    def inpatient(claim: dict, enrolment: dict, state: TermState) -> Outcome:
        insurance = claim["member"]["medical_insurance"]
        base = amount_of(claim["event"]["self_pay_in_scope"])
        consumed = min(base, max(DEDUCTIBLE[insurance] - state.deductible_used, ZERO))
        left = base - consumed
        low, high = RATES[insurance]
        start = day(enrolment["start"])
        if start >= REVISION_2025 and insurance == "urban_employee":
            exact = (min(left, BAND_EDGE) * low + min(max(left - BAND_EDGE, ZERO), BAND_EDGE_2025 - BAND_EDGE) * high
                     + max(left - BAND_EDGE_2025, ZERO) * RATE_ABOVE_2025)
        else:
            exact = min(left, BAND_EDGE) * low + max(left - BAND_EDGE, ZERO) * high
        computed = round_fen(exact)
        cap = inpatient_cap_per_unit(start) * enrolment["units"]
        amount = min(computed, max(cap - state.paid, ZERO))
        state.deductible_used += consumed
        state.paid += amount
        return Outcome(amount=amount, computed=computed)

    @staticmethod
    def allowance(claim: dict, enrolment: dict, state: TermState) -> Outcome:
        event = claim["event"]
        stay_days = (day(event["discharge"]) - day(event["admission"])).days
        payable = max(stay_days - DEDUCTIBLE_DAYS, 0)
        paid_days = min(payable, max(MAX_DAYS - state.days_paid, 0))
        icu = min(int(event.get("icu_days", 0)), paid_days)
        per_day = PER_DAY_PER_UNIT * enrolment["units"]
        amount = round_fen(per_day * paid_days + per_day * icu)
        state.days_paid += paid_days
        state.paid += amount
        return Outcome(amount=amount, computed=amount, paid_days=paid_days, icu_paid_days=icu)


def run(claims: list[dict]) -> list[dict[str, Outcome]]:
    model = ReferenceModel()
    return [model.adjudicate(claim) for claim in claims]
