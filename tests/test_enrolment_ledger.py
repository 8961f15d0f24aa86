"""Group enrolment recorded in the ledger (catalogue §4): an accepted application records its
members and enrolments once, a refused one nothing; claims then name only the member, and a
claim whose inline enrolment contradicts the application is refused with the differences.

Hand-computed (§2.1): a member of the Beijing unit, 1 unit of inpatient-medical from 2024-01-01,
urban_employee; a stay of 2024-05-10..05-20 (after the 90-day waiting period) with 5,500.00
in scope pays (5,500 − 500) × 50% = 2,500.00."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app
from engine.store import open_store
from service_helpers import bundled_plans, tokens_file  # noqa: F401 (fixtures)
from tests.enrolment_sheets import staff, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
APPLICATION = {"单位名称": "某某机械厂工会", "办事处": "beijing", "保障起始日期": "2024-01-01"}
STAY = {"kind": "hospital_stay", "admission": "2024-05-10", "discharge": "2024-05-20", "cause": "disease", "designated": True,
        "total": "9000.00", "fund_paid": "3000.00", "self_pay_in_scope": "5500.00", "self_pay_out_of_scope": "500.00",
        "diagnoses": [{"code": "J18.9"}]}
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [*args, "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])


def adjudicate(tmp_path: Path, ledger: Path, claims: list[dict]) -> list[dict]:
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(claim, ensure_ascii=False) + "\n" for claim in claims), encoding="utf-8")
    result = cli("adjudicate", str(path), "--ledger", str(ledger))
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_accepted_application_is_recorded_once_and_claims_name_only_the_member(tmp_path):
    ledger = tmp_path / "ledger.db"
    rows = staff(10, 10, units=1)
    path = write_xlsx(tmp_path / "application.xlsx", rows, application=APPLICATION)
    first = cli("enrol", str(path), "--ledger", str(ledger))
    assert first.exit_code == 0, first.output
    assert "recorded in the ledger: 10 member(s), 10 enrolment(s)" in first.stdout
    again = cli("enrol", str(path), "--ledger", str(ledger))
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    store = open_store(str(ledger))
    try:
        from sqlalchemy import func, select

        from engine.store.tables import applications, enrolments
        with store.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(enrolments)).scalar() == 10
            assert connection.execute(select(func.count()).select_from(applications)).scalar() == 1
    finally:
        store.close()

    member_id = rows[3]["id_number"]
    only_member = {"claim_id": "k-1", "member": {"member_id": member_id}, "event": STAY}
    inline = {"claim_id": "k-2", "member": {"member_id": member_id, "office": "beijing", "gender": rows[3]["gender"],
                                            "birth_date": rows[3]["birth_date"].isoformat(), "medical_insurance": "urban_employee",
                                            "employment": "standard"},
              "enrolments": [{"enrolment_id": "any label at all", "plan": "inpatient-medical", "units": 1, "fee_paid": "60.00",
                              "start": "2024-01-01", "end": "2024-12-31"}],
              "event": dict(STAY, admission="2024-07-01", discharge="2024-07-05", self_pay_in_scope="1000.00")}
    contradicting = json.loads(json.dumps(inline))
    contradicting.update(claim_id="k-3", event=dict(STAY, admission="2024-08-01", discharge="2024-08-03"))
    contradicting["enrolments"][0].update(units=2, fee_paid="120.00", end="2025-01-31")
    contradicting["member"]["birth_date"] = "1980-01-01"
    unknown = {"claim_id": "k-4", "member": {"member_id": "nobody-here"}, "event": STAY}
    other = "female" if rows[3]["gender"] == "male" else "male"
    wrong_gender = {"claim_id": "k-5", "member": {"member_id": member_id, "gender": other},
                    "event": dict(STAY, admission="2024-09-01", discharge="2024-09-03")}
    k1, k2, k3, k4, k5 = adjudicate(tmp_path, ledger, [only_member, inline, contradicting, unknown, wrong_gender])
    assert (k1["status"], k1["total"]) == ("paid", "2500.00")
    assert [e["enrolment_id"] for e in k1["enrolments"]] == [f"inpatient-medical:2024-01-01:{member_id}"]
    assert (k2["status"], k2["total"]) == ("paid", "500.00")  # deductible used by k-1: 1,000 × 50%
    errors = " ".join(k3["errors"])
    assert "$.enrolments[0].units" in errors and "the claim says 2" in errors and "says 1" in errors
    assert "$.enrolments[0].fee_paid" in errors and "120.00" in errors and "60.00" in errors
    assert "$.enrolments[0].end" in errors and "2025-01-31" in errors
    assert "$.member.birth_date" in errors and "1980-01-01" in errors and rows[3]["birth_date"].isoformat() in errors
    assert "$.enrolments" in " ".join(k4["errors"]) and "ledger" in " ".join(k4["errors"])
    assert "$.member.gender" in " ".join(k5["errors"])


def test_a_refused_application_records_nothing(tmp_path):
    ledger = tmp_path / "ledger.db"
    refused = write_xlsx(tmp_path / "79-of-100.xlsx", staff(100, 79), application=APPLICATION)
    result = cli("enrol", str(refused), "--ledger", str(ledger))
    assert result.exit_code == 1 and "nothing recorded" in result.output
    claim = {"claim_id": "k-1", "member": {"member_id": staff(1, 1)[0]["id_number"]}, "event": STAY}
    (decision,) = adjudicate(tmp_path, ledger, [claim])
    assert "errors" in decision and "$.enrolments" in decision["errors"][0]


def test_enrolment_applications_over_http(tmp_path, bundled_plans, tokens_file):
    from engine.service import create_app
    from service_helpers import TestClient, bearer, settings_for

    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    accepted = write_xlsx(tmp_path / "a.xlsx", staff(30, 30, units=1), application=APPLICATION).read_bytes()
    refused = write_xlsx(tmp_path / "r.xlsx", staff(100, 79), application=APPLICATION).read_bytes()
    rows = staff(3, 3)
    rows[1]["id_number"] = "110105491231002"
    broken = write_xlsx(tmp_path / "b.xlsx", rows, application=APPLICATION).read_bytes()
    store = open_store(str(tmp_path / "ledger.db"))
    app_ = create_app(settings_for(tokens_file), store=store, plans=bundled_plans)
    with TestClient(app_) as client:
        post = lambda body, **kw: client.post("/v1/enrolment-applications", content=body,  # noqa: E731
                                              headers={**bearer("adjudicate"), "Content-Type": xlsx}, **kw)
        first = post(accepted)
        assert first.status_code == 201, first.text
        assert first.json()["recorded"] is True and first.json()["plans"][0]["participation"]["text"].startswith("30 / 30 eligible")
        again = post(accepted)
        assert again.status_code == 200 and again.json()["recorded"] is False and again.json()["recorded_at"]
        no = post(refused)
        assert no.status_code == 200 and no.json()["accepted"] is False and no.json()["recorded"] is False
        bad = post(broken)
        assert bad.status_code == 422 and "sheet 花名册, row 4, column C" in " ".join(bad.json()["errors"])
        assert "/tmp" not in bad.text and "/tmp" not in first.text
        assert client.post("/v1/enrolment-applications", content=accepted,
                           headers={**bearer("read"), "Content-Type": xlsx}).status_code == 403
        assert client.post("/v1/enrolment-applications", content=b"{}",
                           headers={**bearer("adjudicate"), "Content-Type": "application/json"}).status_code == 415
        claim = {"claim_id": "h-1", "member": {"member_id": staff(1, 1)[0]["id_number"]}, "event": STAY}
        decided = client.post("/v1/claims", json=claim, headers=bearer("adjudicate"))
        assert decided.status_code == 201 and decided.json()["total"] == "2500.00"
    store.close()


def test_an_appeal_may_name_only_the_member(tmp_path, adjudicator):
    """k-1 appealed with a corrected in-scope amount of 6,500.00: (6,500 − 500) × 50% = 3,000.00."""
    from engine.store.corrections import readjudicate

    ledger = tmp_path / "ledger.db"
    rows = staff(10, 10, units=1)
    assert cli("enrol", str(write_xlsx(tmp_path / "a.xlsx", rows, application=APPLICATION)), "--ledger", str(ledger)).exit_code == 0
    member_id = rows[0]["id_number"]
    (k1,) = adjudicate(tmp_path, ledger, [{"claim_id": "k-1", "member": {"member_id": member_id}, "event": STAY}])
    assert k1["total"] == "2500.00"
    store = open_store(str(ledger))
    try:
        evidence = {"claim_id": "k-1", "member": {"member_id": member_id}, "event": dict(STAY, self_pay_in_scope="6500.00",
                                                                                          total="10000.00", fund_paid="3000.00")}
        done = readjudicate(store, adjudicator, member_id, reason="发票更正", actor="officer-wang",
                            appeals={"k-1": evidence}, record=True)
        assert [(rerun.new_status, f"{rerun.new_total:.2f}", rerun.version) for rerun in done.changed] == [("paid", "3000.00", 2)]
        assert store.verify() == []
    finally:
        store.close()
