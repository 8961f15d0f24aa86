"""What a decision must say, by the catalogue: per enrolment the lines paid (benefit, amount to
the fen, the reason when less than computed), the reason codes of every refusal, the findings
a pending benefit waits for; per claim the total and the status.

Status (§0 and the readings): an enrolment is `pending` while a benefit waits for evidence,
`denied` when no benefit paid anything (a refund of fee is not a benefit), `partial` when
something was paid but a limit cut a line or a benefit beside it was refused, `paid`
otherwise. An enrolment whose plan does not cover this kind of event is not applicable
(2024.1) and does not count towards the claim's status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")
LIMITS = frozenset({"cap_reached", "day_limit_reached"})


@dataclass
class Line:
    benefit: str
    amount: Decimal
    note: str | None = None  # why less than computed, or why nothing
    disease: str | None = None  # list/id for a lump sum
    refund: bool = False


@dataclass
class EnrolmentOutcome:
    enrolment_id: str
    plan: str
    applicable: bool = True
    lines: list[Line] = field(default_factory=list)
    refusals: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)  # JSON paths of findings a pending benefit needs
    pending: bool = False
    amended: set[str] = field(default_factory=set)  # 2024.1 readings this outcome depends on

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def reasons(self) -> set[str]:
        """Every reason code: refusals, and the reasons of lines that paid nothing."""
        return self.refusals | {line.note for line in self.lines if line.amount == 0 and line.note}

    @property
    def status(self) -> str:
        if not self.applicable:
            return "not_applicable"
        if self.pending:
            return "pending"
        if sum((line.amount for line in self.lines if not line.refund), ZERO) == 0:
            return "denied"
        if self.reasons or any(line.note in LIMITS for line in self.lines):
            return "partial"
        return "paid"


@dataclass
class ClaimOutcome:
    claim_id: str
    enrolments: dict[str, EnrolmentOutcome] = field(default_factory=dict)  # in adjudication order
    outside_term: set[str] = field(default_factory=set)

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.enrolments.values()), ZERO)

    @property
    def status(self) -> str:
        return claim_status([e.status for e in self.enrolments.values() if e.applicable])

    @property
    def status_counting_not_applicable(self) -> str:
        """The status if not-applicable enrolments counted as denied (the reading before 2024.1)."""
        return claim_status(["denied" if not e.applicable else e.status for e in self.enrolments.values()])

    @property
    def amended(self) -> set[str]:
        flags = set().union(*(e.amended for e in self.enrolments.values())) if self.enrolments else set()
        if self.status != self.status_counting_not_applicable:
            flags.add("not-applicable")
        return flags


def claim_status(statuses: list[str]) -> str:
    if "pending" in statuses:
        return "pending"
    if all(s == "denied" for s in statuses):
        return "denied"
    if all(s == "paid" for s in statuses):
        return "paid"
    return "partial"
