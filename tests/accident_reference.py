"""An independent reading of the accident plan (catalogue §2.5, §1.2) for one enrolment, written
from the catalogue without the engine's code, to compare decisions to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

SUMS = [10000, 20000, 30000, 40000]
FEES = {"normal": [26, 50, 74, 100], "high_risk": [32, 62, 93, 124]}


def fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade_of(injuries: list[dict]) -> int:
    best: dict[str, int] = {}
    for injury in injuries:
        best[injury["item"]] = min(best.get(injury["item"], 10), injury["grade"])
    worst = min(best.values())
    shared = sum(1 for grade in best.values() if grade == worst)
    return max(worst - 1, 1) if shared >= 2 else worst


class AccidentReference:
    def __init__(self, tier: int, schedule: str, risk: str):
        self.tier = tier
        self.S = Decimal(SUMS[tier - 1])
        self.ratio = Decimal(FEES["normal"][tier - 1]) / Decimal(FEES["high_risk"][tier - 1]) \
            if risk == "high" and schedule == "normal" else Decimal(1)
        self.paid_for_accident: dict[str, Decimal] = {}
        self.death_disability_in_term = Decimal(0)
        self.medical_in_term = Decimal(0)
        self.deductible_used: dict[str, Decimal] = {}
        self.subsidy_days = 0

    def claim(self, event: dict, medical_paid_before: Decimal = Decimal(0)) -> dict[str, Decimal]:
        """Lines the accident plan pays for one claim (benefit id -> amount)."""
        lines: dict[str, Decimal] = {}
        accident = event.get("accident_id") or "?"
        if event["kind"] == "accident" and ("death_date" in event or event.get("injuries")):
            entitlement = None
            date = dt.date.fromisoformat(event["accident_date"])
            if "death_date" in event and (dt.date.fromisoformat(event["death_date"]) - date).days <= 180:
                entitlement = self.S
            elif event.get("injuries"):
                entitlement = self.S * (Decimal(11 - grade_of(event["injuries"])) / 10)
            if entitlement is not None:
                limit = fen(self.S * self.ratio)
                due = max(fen(entitlement * self.ratio) - self.paid_for_accident.get(accident, Decimal(0)), Decimal(0))
                amount = min(due, max(limit - self.death_disability_in_term, Decimal(0)))
                self.paid_for_accident[accident] = self.paid_for_accident.get(accident, Decimal(0)) + amount
                self.death_disability_in_term += amount
                lines["death-disability"] = amount
            else:
                lines["death-disability"] = Decimal(0)
        costs = event if event["kind"] == "hospital_stay" else event.get("medical")
        if costs is not None:
            base = Decimal(costs["total"]) - Decimal(costs["fund_paid"]) - Decimal(costs.get("other_reimbursed", "0"))
            base = max(base - medical_paid_before, Decimal(0))
            used = self.deductible_used.get(accident, Decimal(0))
            deductible = min(base, Decimal(100) - used)
            self.deductible_used[accident] = used + deductible
            computed = fen((base - deductible) * Decimal("0.9") * self.ratio)
            cap = fen(self.S * Decimal("0.2") * self.ratio)
            amount = min(computed, max(cap - self.medical_in_term, Decimal(0)))
            self.medical_in_term += amount
            lines["accidental-medical"] = amount
        if event["kind"] == "hospital_stay":
            days = (dt.date.fromisoformat(event["discharge"]) - dt.date.fromisoformat(event["admission"])).days
            paid_days = min(days, 180 - self.subsidy_days)
            self.subsidy_days += paid_days
            lines["hospital-subsidy"] = fen(Decimal(paid_days) * 20 * self.tier * self.ratio)
        return lines
