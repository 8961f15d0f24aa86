"""Deterministic synthetic claims for benchmarks and demos.

Four corpora. `hospital`: members with a realistic mix of age, office and insurance, enrolled in
the bundled hospital plans, each with a short run of hospital stays in discharge order
(log-normal costs, some long stays, some excluded diagnoses and circumstances). `diagnosis`:
members in the critical-illness plan (and, for women, the women's plan), each with one to three
diagnosis claims of one to three diagnoses drawn from the disease lists and beyond, with
findings and procedures (some missing, so some claims pend). `accident`: members in the accident
plan with accident-caused stays, disability assessments, deaths and outpatient costs, several
claims per accident. `multi-plan`: the same accidents for members who also hold the hospital
plans and, some of them, the new-form, refundable and event plans. The same seed always gives
the same claims.
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


# (code, findings, procedures) of typical diagnosis claims; findings are sometimes dropped.
DIAGNOSES = [
    ("C50.9", {"icdo3_behaviour": 3}, None),
    ("C34.1", {"icdo3_behaviour": 3, "tnm_stage": "III"}, ["32.41"]),
    ("C73", {"icdo3_behaviour": 3, "tnm_stage": "I"}, None),
    ("C61", {"icdo3_behaviour": 3, "tnm": "T1N0M0"}, None),
    ("C53.9", {"icdo3_behaviour": 3}, None),
    ("D05.1", {}, None),
    ("I21.0", {"troponin_multiple": "22.5", "lvef": "45.0"}, None),
    ("I21.4", {"troponin_multiple": "6.00", "lvef": "58.0"}, ["36.06"]),
    ("I25.1", {}, ["36.13"]),
    ("I63.9", {"days_since_onset": 200, "limb_strength": 2, "adl_lost": 1}, None),
    ("I63.9", {"days_since_onset": 185, "limb_strength": 3, "adl_lost": 1}, None),
    ("N18.5", {"dialysis_days": 120}, None),
    ("G20", {"adl_lost": 2}, None),
    ("S06.5", {"days_since_onset": 190, "limb_strength": 4, "adl_lost": 3}, None),
    ("T70.2", {}, None),
    ("J81", {}, None),
    ("D75.1", {}, None),
    ("J44.1", {}, None),
    ("I10", {}, None),
    ("J18.9", {}, None),
    ("K35.8", {}, None),
    ("E11.9", {}, None),
]


def member_diagnosis_claims(rng: random.Random, number: int, year: int = 2024) -> list[dict]:
    """One member's diagnosis claims, in date order, in the critical-illness (and women's) plans."""
    member_id = f"d{number}"
    age = rng.randint(18, 60)
    start = dt.date(year, 1, 1)
    gender = rng.choice(["female", "male"])
    member = {
        "member_id": member_id, "gender": gender,
        "birth_date": (start - dt.timedelta(days=365 * age + rng.randint(0, 364))).isoformat(),
        "office": rng.choice(OFFICES), "medical_insurance": "urban_employee",
        "employment": rng.choice(["standard"] * 19 + ["retired"]),
    }
    units = rng.randint(1, 5)
    end = dt.date(year, 12, 31).isoformat()
    enrolments = [{"enrolment_id": f"{member_id}-ci", "plan": "critical-illness", "units": units,
                   "fee_paid": _money(80 * units), "start": start.isoformat(), "end": end}]
    if gender == "female" and rng.random() < 0.6:
        fs_units = min(units, 3)
        enrolments.append({"enrolment_id": f"{member_id}-fs", "plan": "female-special-disease", "units": fs_units,
                           "fee_paid": _money(25 * fs_units), "start": start.isoformat(), "end": end})
    if rng.random() < 0.5:  # a continuous renewal: no waiting period this year
        enrolments[0] = dict(enrolments[0], first_continuous_start=dt.date(year - 2, 1, 1).isoformat())
    claims = []
    day = rng.randint(20, 200)
    for index in range(rng.choice([1, 1, 2, 3])):
        if day > 364:
            break
        diagnoses, procedures = [], []
        for _ in range(rng.choice([1, 1, 2, 3])):
            code, findings, procs = rng.choice(DIAGNOSES)
            findings = {k: v for k, v in findings.items() if rng.random() < 0.93}
            diagnoses.append({"code": code, "findings": findings})
            procedures.extend(procs or [])
        event = {"kind": "diagnosis", "diagnosis_date": (start + dt.timedelta(days=day)).isoformat(),
                 "cause": "accident" if rng.random() < 0.05 else "disease", "diagnoses": diagnoses}
        if procedures:
            event["procedures"] = procedures
        claims.append({"claim_id": f"{member_id}-c{index}", "member": member, "enrolments": enrolments, "event": event})
        day += rng.randint(20, 150)
    return claims


def _costs(rng: random.Random, mean: float) -> dict:
    total = _fen(min(rng.lognormvariate(math.log(mean), 0.9), 300000))
    fund = _fen(total * Decimal(rng.uniform(0.3, 0.7)))
    in_scope = _fen((total - fund) * Decimal(rng.uniform(0.5, 0.9)))
    out_scope = _fen((total - fund - in_scope) * Decimal(rng.uniform(0.0, 1.0)))
    return {"total": str(total), "fund_paid": str(fund), "self_pay_in_scope": str(in_scope),
            "self_pay_out_of_scope": str(out_scope)}


def member_accident_claims(rng: random.Random, number: int, year: int = 2024, multi_plan: bool = False) -> list[dict]:
    """One member's accident claims in date order: accident-caused stays, disability assessments,
    some deaths and outpatient costs, several claims per accident. With `multi_plan`, the member
    also holds inpatient-medical, hospital-allowance and (sometimes) new-form-worker,
    refundable-accident and event-accident, so one stay touches up to six plans."""
    member_id = f"{'p' if multi_plan else 'a'}{number}"
    age = rng.randint(18, 60)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    new_form = multi_plan and rng.random() < 0.3
    member = {
        "member_id": member_id, "gender": rng.choice(["female", "male"]),
        "birth_date": (start - dt.timedelta(days=365 * age + rng.randint(0, 364))).isoformat(),
        "office": rng.choice(OFFICES), "medical_insurance": "urban_employee",
        "employment": "new_form" if new_form else rng.choice(["standard"] * 19 + ["retired"]),
        "occupation_risk": rng.choice(["normal"] * 4 + ["high"]),
    }
    tier = rng.randint(1, 4)
    schedule = rng.choice(["normal", "normal", "high_risk"])
    fee = {"normal": [26, 50, 74, 100], "high_risk": [32, 62, 93, 124]}[schedule][tier - 1]
    enrolments = [{"enrolment_id": f"{member_id}-acc", "plan": "accident", "tier": tier, "fee_schedule": schedule,
                   "fee_paid": _money(fee), "start": start.isoformat(), "end": end.isoformat()}]
    if multi_plan:
        units = rng.randint(1, 3)
        enrolments += [
            {"enrolment_id": f"{member_id}-im", "plan": "inpatient-medical", "units": units, "fee_paid": _money(60 * units),
             "start": start.isoformat(), "end": end.isoformat()},
            {"enrolment_id": f"{member_id}-ha", "plan": "hospital-allowance", "units": units, "fee_paid": _money(30 * units),
             "start": start.isoformat(), "end": end.isoformat()},
        ]
        if new_form:
            enrolments.append({"enrolment_id": f"{member_id}-nf", "plan": "new-form-worker", "units": 1, "fee_paid": "0.00",
                               "source": "gift", "start": start.isoformat(), "end": end.isoformat()})
        if rng.random() < 0.3:
            enrolments.append({"enrolment_id": f"{member_id}-rf", "plan": "refundable-accident", "units": units,
                               "fee_paid": _money(410 * units), "start": start.isoformat(), "end": end.isoformat()})
        if rng.random() < 0.2:
            enrolments.append({"enrolment_id": f"{member_id}-ev", "plan": "event-accident", "units": 1, "fee_paid": "0.00",
                               "source": "gift", "start": start.isoformat(), "end": end.isoformat()})
    claims = []
    day = rng.randint(0, 200)
    for index in range(rng.choice([1, 2, 2, 3, 4])):
        if day > 360:
            break
        accident_date = start + dt.timedelta(days=day)
        accident_id = f"{member_id}-x{index // 2}"
        on_duty = rng.random() < 0.4
        roll = rng.random()
        if roll < 0.5:
            length = min(int(rng.lognormvariate(1.6, 0.8)), 60)
            event = {"kind": "hospital_stay", "admission": accident_date.isoformat(),
                     "discharge": min(accident_date + dt.timedelta(days=length), end).isoformat(), "cause": "accident",
                     "accident_id": accident_id, "on_duty": on_duty, "designated": rng.random() < 0.9,
                     "icu_days": 0, **_costs(rng, 8000)}
        else:
            event = {"kind": "accident", "accident_id": accident_id, "accident_date": accident_date.isoformat(), "on_duty": on_duty}
            if roll < 0.85:
                event["injuries"] = [{"item": rng.choice(["hand", "arm", "leg", "eye", "spine"]), "grade": rng.randint(3, 10)}
                                     for _ in range(rng.choice([1, 1, 2, 3]))]
            elif roll < 0.9:
                event["death_date"] = (accident_date + dt.timedelta(days=rng.choice([0, 10, 200]))).isoformat()
            if rng.random() < 0.5:
                event["medical"] = _costs(rng, 1500)
            if rng.random() < 0.03:
                event["circumstances"] = [rng.choice(["drunk_driving", "suicide", "earthquake"])]
        claims.append({"claim_id": f"{member_id}-c{index}", "member": member, "enrolments": enrolments, "event": event})
        day += rng.randint(1, 90)
    return claims


def member_multi_plan_claims(rng: random.Random, number: int, year: int = 2024) -> list[dict]:
    return member_accident_claims(rng, number, year, multi_plan=True)


CORPORA = {"hospital": member_claims, "diagnosis": member_diagnosis_claims, "accident": member_accident_claims,
           "multi-plan": member_multi_plan_claims}


MIX = [("hospital", 50), ("diagnosis", 20), ("accident", 15), ("multi-plan", 15)]


def generate_mixed(count: int, seed: int = 1) -> Iterator[list[dict]]:
    """Member blocks drawn from every corpus (half hospital stays), until `count` claims."""
    rng = random.Random(seed)
    names = [name for name, weight in MIX for _ in range(weight)]
    produced = number = 0
    while produced < count:
        block = CORPORA[rng.choice(names)](rng, number)
        number += 1
        if block:
            produced += len(block)
            yield block


def generate(count: int, seed: int = 1, corpus: str = "hospital") -> Iterator[list[dict]]:
    """Member blocks of claims until at least `count` claims were produced."""
    rng = random.Random(seed)
    make = CORPORA[corpus]
    produced = number = 0
    while produced < count:
        block = make(rng, number)
        number += 1
        if block:
            produced += len(block)
            yield block
