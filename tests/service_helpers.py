"""What the service tests share: tokens for every role, claims with hand-computed decisions,
and an app built on the bundled plans (loaded and checked once per session)."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette now prefers httpx2; httpx is the client the project uses
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

from engine.service import ServiceSettings, create_app
from engine.service.plan_registry import load_checked

ROOT = Path(__file__).resolve().parent.parent

TOKENS = {
    "adjudicate": "tok-adjudicate-0123456789",
    "simulate": "tok-simulate-0123456789",
    "read": "tok-read-0123456789",
    "admin": "tok-admin-0123456789",
    "all": "tok-all-roles-0123456789",
}
TOKENS_FILE = "\n".join([
    "# token role[,role…]",
    *(f"{token} {role}" for role, token in TOKENS.items() if role != "all"),
    "",
    f"{TOKENS['all']} adjudicate,simulate,read,admin",
]) + "\n"


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


# The README's claim: (7,000.00 in scope − 1,000.00 deductible) × 40% = 2,400.00.
HOSPITAL_CLAIM = {
    "claim_id": "c-1",
    "member": {"member_id": "m-1", "gender": "female", "birth_date": "1985-04-02", "office": "zunyi",
               "medical_insurance": "urban_rural_resident", "employment": "standard"},
    "enrolments": [{"enrolment_id": "e-1", "plan": "inpatient-medical", "units": 2, "fee_paid": "120.00",
                    "start": "2024-01-01", "end": "2024-12-31"}],
    "event": {"kind": "hospital_stay", "admission": "2024-06-01", "discharge": "2024-06-09",
              "cause": "disease", "designated": True, "total": "20000.00", "fund_paid": "12000.00",
              "self_pay_in_scope": "7000.00", "self_pay_out_of_scope": "1000.00",
              "diagnoses": [{"code": "J18.9"}]},
}

# Catalogue §1.3 severe #2 / mild #2, 2 units (fixtures/cases/critical-illness-mild.yaml): I21.0
# with troponin 10.00 and no LVEF leaves severe undecided → pending, missing lvef; with LVEF
# 45.0 (< 50) it is severe: 10,000 × 2 = 20,000.00.
PENDING_CLAIM = {
    "claim_id": "ci-1",
    "member": {"member_id": "m-ci", "gender": "male", "birth_date": "1968-04-22", "office": "beijing",
               "medical_insurance": "urban_employee", "employment": "standard"},
    "enrolments": [{"enrolment_id": "ci", "plan": "critical-illness", "units": 2, "fee_paid": "160.00",
                    "start": "2024-01-01", "end": "2024-12-31"}],
    "event": {"kind": "diagnosis", "diagnosis_date": "2024-06-01", "cause": "disease",
              "diagnoses": [{"code": "I21.0", "findings": {"troponin_multiple": "10.00"}}]},
}


def with_evidence(claim: dict, **findings) -> dict:
    claim = copy.deepcopy(claim)
    claim["event"]["diagnoses"][0]["findings"].update(findings)
    return claim


def variant(claim: dict, claim_id: str, **event) -> dict:
    claim = copy.deepcopy(claim)
    claim["claim_id"] = claim_id
    claim["event"].update(event)
    return claim


@pytest.fixture(scope="session")
def bundled_plans():
    return load_checked(ROOT / "plans", ROOT / "rules", "durable")


@pytest.fixture(scope="session")
def tokens_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("service") / "tokens"
    path.write_text(TOKENS_FILE, encoding="utf-8")
    return path


def make_store():
    from engine.store import MemoryStore

    return MemoryStore()


def settings_for(tokens_file: Path, **overrides) -> ServiceSettings:
    return ServiceSettings(**{"plans": ROOT / "plans", "rules": ROOT / "rules", "tokens": tokens_file, **overrides})


@pytest.fixture
def client(bundled_plans, tokens_file):
    app = create_app(settings_for(tokens_file), store=make_store(), plans=bundled_plans)
    with TestClient(app) as test_client:
        yield test_client
