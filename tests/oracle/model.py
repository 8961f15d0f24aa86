"""The oracle: a member's claims, in the order they are adjudicated, against every enrolment
that covers each event, in the order of catalogue §2 (the indemnity rule depends on it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from oracle.dates import age, as_date, event_date, first_continuous_start
from oracle.outcome import ZERO, ClaimOutcome, EnrolmentOutcome

FEN = Decimal("0.01")

# Catalogue §2, in order.
PLANS = ("inpatient-medical", "hospital-allowance", "critical-illness", "female-special-disease",
         "accident", "new-form-worker", "refundable-accident", "event-accident")


def fen(amount: Decimal) -> Decimal:
    """§0: each benefit line is computed exactly and rounded once to 0.01 yuan, half up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


class History:
    """What was paid before (§0 "History"), by member, plan, term (enrolment) or life (`*`),
    benefit and measure, and by accident."""

    def __init__(self) -> None:
        self.values: dict[tuple, Decimal] = defaultdict(Decimal)

    def get(self, *key) -> Decimal:
        return self.values.get(key, ZERO)

    def add(self, amount, *key) -> None:
        self.values[key] += Decimal(amount)

    def copy(self) -> "History":
        clone = History()
        clone.values.update(self.values)
        return clone


@dataclass
class Context:
    """One enrolment meeting one claim."""

    claim: dict
    enrolment: dict
    first_start: dt.date
    history: History
    medical_paid: Decimal  # what medical benefits of plans adjudicated before paid for this claim
    outcome: EnrolmentOutcome

    @property
    def member(self) -> dict:
        return self.claim["member"]

    @property
    def event(self) -> dict:
        return self.claim["event"]

    @property
    def plan(self) -> str:
        return self.enrolment["plan"]

    @property
    def units(self) -> int:
        return int(self.enrolment.get("units") or 1)

    @property
    def tier(self) -> int:
        return int(self.enrolment["tier"])

    @property
    def age(self) -> int:
        """§0: whole years on the enrolment's start date."""
        return age(self.member["birth_date"], self.enrolment["start"])

    @property
    def date(self) -> dt.date:
        return event_date(self.event)

    def term_key(self, *measure) -> tuple:
        return (self.member["member_id"], self.plan, self.enrolment["enrolment_id"], *measure)

    def life_key(self, *measure) -> tuple:
        return (self.member["member_id"], self.plan, "*", *measure)

    def accident_key(self, *measure) -> tuple:
        return (self.member["member_id"], self.plan, "accident", self.event.get("accident_id"), *measure)

    def not_eligible(self, *failed: bool) -> None:
        if any(failed):
            self.outcome.refusals.add("not_eligible")

    def not_applicable(self, reason: str) -> EnrolmentOutcome:
        self.outcome.applicable = False
        self.outcome.refusals = {reason}
        self.outcome.lines = []
        return self.outcome


def covers(enrolment: dict, event: dict) -> bool:
    """§0: the event's date falls inside the term. Reading: a maturity event is taken from any
    day after the term's start (the plan decides whether the term has matured)."""
    start, end = as_date(enrolment["start"]), as_date(enrolment["end"])
    day = event_date(event)
    if event["kind"] == "maturity":
        return start <= day
    return start <= day <= end


class Oracle:
    """Decisions by the catalogue for one or more members' claims, in adjudication order."""

    def __init__(self) -> None:
        self.history = History()

    def copy(self) -> "Oracle":
        """The same history, to try a claim without recording it (strategies aim with it)."""
        clone = Oracle()
        clone.history = self.history.copy()
        return clone

    def adjudicate(self, claim: dict) -> ClaimOutcome:
        from oracle import accidents, hospital, lump_sums  # the plans' chapters

        handlers = {
            "inpatient-medical": hospital.inpatient_medical,
            "hospital-allowance": hospital.hospital_allowance,
            "critical-illness": lump_sums.critical_illness,
            "female-special-disease": lump_sums.female_special_disease,
            "accident": accidents.accident,
            "new-form-worker": accidents.new_form_worker,
            "refundable-accident": accidents.refundable_accident,
            "event-accident": accidents.event_accident,
        }
        result = ClaimOutcome(claim["claim_id"])
        medical_paid = ZERO
        ordered = sorted(claim["enrolments"], key=lambda e: PLANS.index(e["plan"]))
        for enrolment in ordered:
            if not covers(enrolment, claim["event"]):
                result.outside_term.add(enrolment["enrolment_id"])
                continue
            outcome = EnrolmentOutcome(enrolment["enrolment_id"], enrolment["plan"])
            context = Context(claim, enrolment, first_continuous_start(enrolment, claim["enrolments"]),
                              self.history, medical_paid, outcome)
            handlers[enrolment["plan"]](context)
            result.enrolments[enrolment["enrolment_id"]] = outcome
            medical_paid += sum((line.amount for line in outcome.lines if line.benefit in MEDICAL_BENEFITS), ZERO)
        return result


# §0 indemnity: the benefits that reimburse medical costs.
MEDICAL_BENEFITS = frozenset({"inpatient-reimbursement", "accidental-medical"})
