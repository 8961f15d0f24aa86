"""Concurrency: 8 processes submitting claims of the same members at once, against a SQLite
file and against PostgreSQL (where ADJUDICATOR_TEST_DATABASE_URL answers). Afterwards every
claim has exactly one stored decision, no term cap, day limit or once-in-life payment is
exceeded, and the entries replay to the stored accumulators."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from stores import ledger_url

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 8
MEMBERS = 3


def member_claims(number: int) -> list[dict]:
    """A year of one member's claims that together reach the 15,000 inpatient cap, the 180 paid
    days of the allowance, and three severe diagnoses (only one may ever be paid)."""
    member = {"member_id": f"race-{number}", "id_number": f"11010519800501{number:03d}X", "gender": "male",
              "birth_date": "1980-05-01", "office": "beijing", "medical_insurance": "urban_employee", "employment": "standard"}
    enrolments = [
        {"enrolment_id": "im", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00", "start": "2024-01-01", "end": "2024-12-31"},
        {"enrolment_id": "ha", "plan": "hospital-allowance", "units": 1, "fee_paid": "30.00", "start": "2024-01-01", "end": "2024-12-31"},
        {"enrolment_id": "ci", "plan": "critical-illness", "units": 1, "fee_paid": "80.00", "start": "2024-01-01", "end": "2024-12-31"},
    ]
    claims = []
    day = dt.date(2024, 4, 1)
    for index in range(9):  # 9 stays of 25 nights: 198 payable days, 9 × 20,000 in-scope
        claims.append({"claim_id": f"r{number}-s{index}", "member": member, "enrolments": enrolments,
                       "event": {"kind": "hospital_stay", "admission": day.isoformat(), "discharge": (day + dt.timedelta(days=25)).isoformat(),
                                 "cause": "disease", "designated": True, "total": "30000.00", "fund_paid": "10000.00",
                                 "self_pay_in_scope": "20000.00", "self_pay_out_of_scope": "0.00", "diagnoses": [{"code": "J18.9"}]}})
        day += dt.timedelta(days=26)
    for index, (code, findings) in enumerate([("C50.9", {"icdo3_behaviour": 3}), ("I21.0", {"troponin_multiple": "20"}),
                                              ("G30", {"adl_lost": 4})]):
        claims.append({"claim_id": f"r{number}-d{index}", "member": dict(member, member_id=f"RACE-{number} ") if index else member,
                       "enrolments": enrolments,
                       "event": {"kind": "diagnosis", "diagnosis_date": f"2024-0{5 + index}-15",
                                 "diagnoses": [{"code": code, "findings": findings}]}})
    return claims


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_eight_processes_racing_on_the_same_members(backend, tmp_path):
    claims = [claim for number in range(MEMBERS) for claim in member_claims(number)]
    rng = random.Random(7)
    with ledger_url(backend, tmp_path) as url:
        start = tmp_path / "start"
        workers = []
        for worker in range(WORKERS):
            mine = rng.sample(claims, len(claims) // 2)  # overlapping shares: the same claim from several processes
            path = tmp_path / f"claims-{worker}.json"
            path.write_text(json.dumps(mine), encoding="utf-8")
            workers.append(subprocess.Popen([sys.executable, str(ROOT / "tests" / "ledger_worker.py"), url, str(path), str(start)],
                                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        start.write_text("go")
        outputs = [worker.communicate(timeout=600) for worker in workers]
        for worker, (_, stderr) in zip(workers, outputs):
            assert worker.returncode == 0, stderr[-3000:]
        outcomes = [json.loads(line) for stdout, _ in outputs for line in stdout.splitlines()]
        created = Counter(o["claim_id"] for o in outcomes if o["outcome"] == "created")
        submitted = {o["claim_id"] for o in outcomes}
        assert set(created) == submitted and set(created.values()) == {1}  # one decision per claim, the rest replays
        print(f"{backend}: {len(outcomes)} submissions, {sum(o['retries'] for o in outcomes)} retries")

        from engine.store import open_store

        store = open_store(url)
        try:
            paid: dict[tuple, Decimal] = defaultdict(Decimal)
            severe = Counter()
            for claim_id in submitted:
                (version,) = store.claim_versions(claim_id)
                decision = json.loads(version.decision_json)
                for enrolment in decision["enrolments"]:
                    for line in enrolment["lines"]:
                        paid[(decision["claim_id"].split("-")[0], enrolment["plan"], line["benefit"])] += Decimal(line["amount"])
                        severe[decision["claim_id"].split("-")[0]] += line["benefit"] == "severe"
            for number in range(MEMBERS):
                who = f"r{number}"
                if (who, "inpatient-medical", "inpatient-reimbursement") in paid:
                    assert paid[(who, "inpatient-medical", "inpatient-reimbursement")] <= Decimal("15000.00")
                assert paid.get((who, "hospital-allowance", "daily-allowance"), Decimal(0)) <= 180 * 40 * 2  # ICU never; ≤ 180 days × 40
                assert severe[who] <= 1
                member = store.member_accumulators(f"race-{number}")
                if member is None:
                    continue
                days = [row.value for row in member.accumulators if row.key.measure == "days_paid"]
                assert all(value <= 180 for value in days)
                for row in member.accumulators:  # entries replay to the stored accumulators
                    assert sum((e.after - e.before for e in row.entries), Decimal(0)) == row.value
            assert store.verify() == []
        finally:
            store.close()
