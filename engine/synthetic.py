"""Deterministic synthetic claims for benchmarks and demos.

Members with a realistic mix of age, office and insurance, enrolled in the bundled hospital
plans, each with a short run of hospital stays in discharge order (log-normal costs, some long
stays, some excluded diagnoses and circumstances). The same seed always gives the same claims.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import ROUND_DOWN, Decimal
from typing import Iterator

OFFICES = ["beijing"] * 5 + ["lanzhou", "zunyi", "jilin", "xizang"]
COMMON_CODES = ["J18.9", "K35.8", "I10", "E11.9", "S72.0", "K80.2", "N20.0", "I63.9", "C50.9", "J44.1"]
EXCLUDED_CODES = ["F32.1", "O80", "Q21.0", "B20"]
CIRCUMSTANCES = ["drunk_driving", "war", "earthquake", "hiv_transfusion"]


def _money(value: float) -> str:
    return str(_fen(value))


def _fen(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def member_claims(rng: random.Random, number: int, year: int = 2024) -> list[dict]:
    """One member's claims, in discharge order, all listing the member's enrolments."""
    member_id = f"m{number}"
    age = rng.choice([rng.randint(16, 65)] * 9 + [rng.choice([15, 66, 70])])
    start = dt.date(year, 1, 1)
    member = {
        "member_id": member_id,
        "gender": rng.choice(["female", "male"]),
        "birth_date": (start - dt.timedelta(days=365 * age + rng.randint(0, 364))).isoformat(),
        "office": rng.choice(OFFICES),
        "medical_insurance": rng.choice(["urban_employee"] * 7 + ["urban_rural_resident"] * 2 + ["none"]),
        "employment": rng.choice(["standard"] * 18 + ["retired", "new_form"]),
    }
    units = rng.randint(1, 3)
    enrolments = [
        {"enrolment_id": f"{member_id}-im", "plan": "inpatient-medical", "units": units,
         "fee_paid": _money(60 * units), "start": start.isoformat(), "end": dt.date(year, 12, 31).isoformat()},
    ]
    if rng.random() < 0.6:
        enrolments.append({"enrolment_id": f"{member_id}-ha", "plan": "hospital-allowance", "units": units,
                           "fee_paid": _money(30 * units), "start": start.isoformat(), "end": dt.date(year, 12, 31).isoformat()})
    if rng.random() < 0.3:  # a continuous renewal: the previous term is listed too
        enrolments.append({"enrolment_id": f"{member_id}-im-prev", "plan": "inpatient-medical", "units": units,
                           "fee_paid": _money(60 * units), "start": dt.date(year - 1, 1, 1).isoformat(),
                           "end": dt.date(year - 1, 12, 31).isoformat()})
    claims = []
    day = rng.randint(1, 120)
    for index in range(rng.choice([1, 1, 2, 2, 3, 4])):
        admission = start + dt.timedelta(days=day)
        length = min(int(rng.lognormvariate(1.8, 0.8)), 120)
        discharge = admission + dt.timedelta(days=length)
        if discharge.year != year:
            break
        # Parts are rounded down to the fen, so they never add up to more than the total.
        total = _fen(min(rng.lognormvariate(math.log(12000), 0.9), 400000))
        fund = _fen(total * Decimal(rng.uniform(0.4, 0.75)))
        in_scope = _fen((total - fund) * Decimal(rng.uniform(0.6, 0.95)))
        out_scope = _fen((total - fund - in_scope) * Decimal(rng.uniform(0.0, 1.0)))
        diagnoses = [{"code": rng.choice(EXCLUDED_CODES if rng.random() < 0.05 else COMMON_CODES)}]
        event = {
            "kind": "hospital_stay", "admission": admission.isoformat(), "discharge": discharge.isoformat(),
            "cause": "accident" if rng.random() < 0.15 else "disease",
            "designated": rng.random() < 0.93, "icu_days": min(length, rng.choice([0] * 8 + [1, 3])),
            "total": str(total), "fund_paid": str(fund),
            "self_pay_in_scope": str(in_scope), "self_pay_out_of_scope": str(out_scope),
            "diagnoses": diagnoses,
            "circumstances": [rng.choice(CIRCUMSTANCES)] if rng.random() < 0.03 else [],
        }
        claims.append({"claim_id": f"{member_id}-c{index}", "member": member, "enrolments": enrolments, "event": event})
        day += length + rng.randint(5, 90)
    return claims


def generate(count: int, seed: int = 1) -> Iterator[list[dict]]:
    """Member blocks of claims until at least `count` claims were produced."""
    rng = random.Random(seed)
    produced = number = 0
    while produced < count:
        block = member_claims(rng, number)
        number += 1
        if block:
            produced += len(block)
            yield block
