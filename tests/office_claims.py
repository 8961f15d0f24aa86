"""Claims for the office tests (publicity, notices, reports): members of named units with a
year's enrolments, and events that pay, with every never-published field filled in."""

from __future__ import annotations

import datetime as dt

ENROLMENTS = [
    {"enrolment_id": "e-im", "plan": "inpatient-medical", "units": 2, "fee_paid": "120.00", "start": "2024-01-01", "end": "2024-12-31"},
    {"enrolment_id": "e-ha", "plan": "hospital-allowance", "units": 1, "fee_paid": "30.00", "start": "2024-01-01", "end": "2024-12-31"},
    {"enrolment_id": "e-ci", "plan": "critical-illness", "units": 1, "fee_paid": "80.00", "start": "2023-01-01", "end": "2023-12-31"},
    {"enrolment_id": "e-ci2", "plan": "critical-illness", "units": 1, "fee_paid": "80.00", "start": "2024-01-01", "end": "2024-12-31"},
]


def member(member_id: str = "m-1", *, name: str = "张三丰", id_number: str = "11010519800101002X", birth_date: str = "1980-01-01",
           office: str = "zunyi", employer: str = "遵义市某某机械厂", gender: str = "male") -> dict:
    return {"member_id": member_id, "name": name, "id_number": id_number, "employer": employer, "gender": gender,
            "birth_date": birth_date, "office": office, "medical_insurance": "urban_employee", "employment": "standard"}


def hospital_stay(claim_id: str, admission: dt.date, *, days: int = 8, in_scope: str = "7000.00", hospital: str = "遵义医科大学附属医院",
                  code: str = "J18.9", received: dt.date | None = None, **member_fields) -> dict:
    """A disease stay paid by inpatient-medical and hospital-allowance (past the waiting period)."""
    return {
        "claim_id": claim_id, "received": (received or admission + dt.timedelta(days=days + 5)).isoformat(),
        "member": member(**member_fields), "enrolments": ENROLMENTS,
        "event": {"kind": "hospital_stay", "admission": admission.isoformat(),
                  "discharge": (admission + dt.timedelta(days=days)).isoformat(), "cause": "disease", "designated": True,
                  "hospital": hospital, "total": "20000.00", "fund_paid": "12000.00", "self_pay_in_scope": in_scope,
                  "self_pay_out_of_scope": "1000.00", "diagnoses": [{"code": code, "onset_date": admission.isoformat()}]},
    }


def heart_attack(claim_id: str, day: dt.date, *, troponin: str = "17.25", received: dt.date | None = None, **member_fields) -> dict:
    """A severe acute myocardial infarction (troponin ≥ 15 × the limit): critical-illness pays 10,000 × 1."""
    return {
        "claim_id": claim_id, "received": (received or day + dt.timedelta(days=10)).isoformat(),
        "member": member(**member_fields), "enrolments": ENROLMENTS,
        "event": {"kind": "diagnosis", "diagnosis_date": day.isoformat(), "cause": "disease",
                  "diagnoses": [{"code": "I21.0", "onset_date": day.isoformat(),
                                 "findings": {"troponin_multiple": troponin, "lvef": "48.5"}}]},
    }
