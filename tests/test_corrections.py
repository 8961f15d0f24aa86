"""Corrections and appeals: a void appends a version and reversing entries (nothing is edited or
deleted), `readjudicate` decides the member's later claims again on the corrected history and
records the differences only when confirmed, an appeal brings new evidence, every step is in the
audit trail, and the entries always sum to the stored accumulators.

Hand-computed (catalogue §2.1, §2.2), member m-1001, 1 unit of inpatient-medical, 2 of
hospital-allowance, 2024 term, urban_employee:
- c-03: base 14,800 − deductible 500 = 14,300 → 10,000 × 50% + 4,300 × 60% = 7,580; allowance
  (19 − 3) days × 40 × 2 + 4 ICU days × 80 = 1,600; total 9,180.
- c-05 after c-03: base 19,000 (deductible used) → 5,000 + 9,000 × 60% = 10,400, capped at
  15,000 − 7,580 = 7,420; allowance 16 × 80 = 1,280; total 8,700.
- c-05 alone (c-03 void): 19,000 − 500 = 18,500 → 5,000 + 8,500 × 60% = 10,100; total 11,380.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine import MemoryLedger
from engine.cli import app
from engine.store import open_store
from engine.store.corrections import CorrectionError, audit_trail, readjudicate, substance, void_claim
from helpers import budget
from service_helpers import bundled_plans, tokens_file  # noqa: F401 (fixtures)
from strategies import claim_sequences

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = {c["claim_id"]: c for c in map(json.loads, (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines())}
runner = CliRunner()


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, [*args, "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")], input=input)


def ledger_cli(*args: str):
    return runner.invoke(app, ["ledger", *args])


def record(path: Path, claims: list[dict]) -> None:
    lines = "".join(json.dumps(claim, ensure_ascii=False) + "\n" for claim in claims)
    (path.parent / "claims.jsonl").write_text(lines, encoding="utf-8")
    result = cli("adjudicate", str(path.parent / "claims.jsonl"), "--ledger", str(path))
    assert result.exit_code == 0, result.output


def versions(path: Path, claim: str) -> list[dict]:
    result = ledger_cli("show-claim", claim, "--ledger", str(path), "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def accumulators(path: Path, member: str = "m-1001") -> dict[str, Decimal]:
    store = open_store(str(path))
    try:
        found = store.member_accumulators(member)
        return {row.key.label(member=False): row.value for row in found.accumulators}
    finally:
        store.close()


def amounts(decision: dict) -> dict[str, str]:
    return {e["plan"]: e["amount"] for e in decision["enrolments"]}


def test_void_then_readjudicate_hand_computed(tmp_path):
    ledger = tmp_path / "ledger.db"
    record(ledger, [CLAIMS["c-03"], CLAIMS["c-05"]])
    assert amounts(versions(ledger, "c-05")[0]) == {"inpatient-medical": "7420.00", "hospital-allowance": "1280.00"}

    voided = ledger_cli("void", "c-03", "--reason", "虚假住院材料", "--by", "officer-li", "--ledger", str(ledger))
    assert voided.exit_code == 0, voided.output
    assert "version 2 voids version 1" in voided.stdout and "c-05" in voided.stdout
    first, void = versions(ledger, "c-03")
    assert first["status"] == "paid" and first["total"] == "9180.00"  # the old version is kept as it was
    assert void["status"] == "void" and void["void"]["reason"] == "虚假住院材料" and void["void"]["by"] == "officer-li"
    held = accumulators(ledger)
    assert held["inpatient-medical/inpatient-reimbursement/paid@2024-01-01"] == Decimal("7420.00")  # c-05's alone
    assert held["inpatient-medical/inpatient-reimbursement/deductible_used@2024-01-01"] == Decimal("0.00")
    assert held["hospital-allowance/daily-allowance/days_paid@2024-01-01"] == 16
    assert ledger_cli("verify", "--ledger", str(ledger)).exit_code == 0
    replayed = cli("adjudicate", str(tmp_path / "claims.jsonl"), "--ledger", str(ledger), "--explain")
    assert replayed.exit_code == 0 and "理赔 c-03：已作废 ¥0.00" in replayed.stdout, replayed.output  # the void version replayed

    preview = cli("ledger", "readjudicate", "m-1001", "--reason", "c-03 voided", "--by", "officer-li",
                  "--ledger", str(ledger), "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert "8,700.00 → 11,380.00 (+2,680.00)" in preview.stdout and "partial→paid" in preview.stdout
    assert len(versions(ledger, "c-05")) == 1  # shown, not recorded

    declined = cli("ledger", "readjudicate", "m-1001", "--reason", "c-03 voided", "--by", "officer-li",
                   "--ledger", str(ledger), input="n\n")
    assert declined.exit_code == 3 and len(versions(ledger, "c-05")) == 1

    confirmed = cli("ledger", "readjudicate", "m-1001", "--reason", "c-03 voided", "--by", "officer-li",
                    "--ledger", str(ledger), input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    old, new = versions(ledger, "c-05")
    assert old["total"] == "8700.00" and new["total"] == "11380.00" and new["status"] == "paid"
    assert amounts(new) == {"inpatient-medical": "10100.00", "hospital-allowance": "1280.00"}
    held = accumulators(ledger)
    assert held["inpatient-medical/inpatient-reimbursement/paid@2024-01-01"] == Decimal("10100.00")
    assert held["inpatient-medical/inpatient-reimbursement/deductible_used@2024-01-01"] == Decimal("500.00")
    assert ledger_cli("verify", "--ledger", str(ledger)).exit_code == 0

    again = cli("ledger", "readjudicate", "m-1001", "--reason", "check", "--by", "officer-li", "--ledger", str(ledger), "--yes")
    assert again.exit_code == 0 and "nothing to record" in again.stdout and len(versions(ledger, "c-05")) == 2

    store = open_store(str(ledger))
    try:
        trail = [(row.action, row.claim_key, row.version, row.actor, row.reason, row.details["total_after"])
                 for row in audit_trail(store, member="m-1001")]
    finally:
        store.close()
    assert trail == [("void", "c-03", 2, "officer-li", "虚假住院材料", "0.00"),
                     ("readjudicate", "c-05", 2, "officer-li", "c-03 voided", "11380.00")]


def test_an_appeal_with_new_evidence_is_decided_again_with_the_later_claims(tmp_path):
    """c-05 was sent first as a stay at a non-designated hospital: inpatient-medical refused it
    (not_covered), the allowance paid 1,280. On appeal the hospital is shown to be designated:
    inpatient-medical pays 10,400 capped at 7,420 after c-03, total 8,700."""
    ledger = tmp_path / "ledger.db"
    refused = copy.deepcopy(CLAIMS["c-05"])
    refused["event"]["designated"] = False
    record(ledger, [CLAIMS["c-03"], refused])
    assert versions(ledger, "c-05")[0]["total"] == "1280.00"
    evidence = tmp_path / "c-05.json"
    evidence.write_text(json.dumps(CLAIMS["c-05"], ensure_ascii=False), encoding="utf-8")
    appeal = cli("ledger", "readjudicate", "m-1001", "--claim", "c-05", "--evidence", str(evidence),
                 "--reason", "定点医院证明", "--by", "officer-wang", "--ledger", str(ledger), "--yes")
    assert appeal.exit_code == 0, appeal.output
    assert "1,280.00 → 8,700.00 (+7,420.00)" in appeal.stdout
    old, new = versions(ledger, "c-05")
    assert amounts(new) == {"inpatient-medical": "7420.00", "hospital-allowance": "1280.00"}
    assert len(versions(ledger, "c-03")) == 1  # recorded before the appealed claim: not decided again
    assert accumulators(ledger)["inpatient-medical/inpatient-reimbursement/paid@2024-01-01"] == Decimal("15000.00")
    assert ledger_cli("verify", "--ledger", str(ledger)).exit_code == 0
    store = open_store(str(ledger))
    try:
        (row,) = audit_trail(store, claim="c-05")
    finally:
        store.close()
    assert (row.action, row.actor, row.reason, row.details["payload_changed"]) == ("appeal", "officer-wang", "定点医院证明", True)


def test_a_voided_claims_event_is_no_duplicate_and_its_payload_replays_the_void(tmp_path, adjudicator):
    ledger = tmp_path / "ledger.db"
    store = open_store(str(ledger))
    try:
        store.submit(adjudicator, CLAIMS["c-03"])
        void_claim(store, "C-03", "sent twice by the hospital", "officer-li")
        again = store.submit(adjudicator, CLAIMS["c-03"])
        assert again.outcome == "replayed" and json.loads(again.decision_json)["status"] == "void"
        renamed = dict(CLAIMS["c-03"], claim_id="c-03b")
        decision = json.loads(store.submit(adjudicator, renamed).decision_json)
        assert decision["status"] == "paid" and decision["total"] == "9180.00"  # not a duplicate of the void claim
        with pytest.raises(CorrectionError, match="already void"):
            void_claim(store, "c-03", "again", "officer-li")
        with pytest.raises(CorrectionError, match="reason is required"):
            void_claim(store, "c-03b", "  ", "officer-li")
        with pytest.raises(CorrectionError, match="no claim"):
            void_claim(store, "c-99", "typo", "officer-li")
        assert store.verify() == []
    finally:
        store.close()


def test_corrections_never_edit_or_delete(tmp_path, adjudicator):
    from sqlalchemy import text

    ledger = tmp_path / "ledger.db"
    store = open_store(str(ledger))
    try:
        store.submit(adjudicator, CLAIMS["c-03"])
        void_claim(store, "c-03", "error", "officer-li")
        for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log", "DELETE FROM entries"):
            with pytest.raises(Exception, match="append-only"):
                with store.engine.begin() as connection:
                    connection.execute(text(statement))
    finally:
        store.close()


def test_the_memory_store_says_corrections_need_a_persistent_ledger(adjudicator):
    store = open_store(None)
    with pytest.raises(CorrectionError, match="persistent ledger"):
        void_claim(store, "c-03", "error", "officer-li")


def _current(store, claims: list[dict]) -> list[str]:
    return [store.claim_versions(claim["claim_id"])[-1].decision_json for claim in claims]


def _snapshot(store) -> dict:
    from sqlalchemy import select

    from engine.store.sql import from_stored, key_of
    from engine.store.tables import accumulators as table

    with store.engine.connect() as connection:
        return {key_of(row): from_stored(row.amount, row.unit) for row in connection.execute(select(table))
                if row.amount}


@budget(12)
@given(claim_sequences(max_size=5), st.randoms(use_true_random=False))
def test_void_and_readjudicate_all_with_unchanged_inputs_reproduces_everything(adjudicator, tmp_path_factory, claims, rnd):
    """Void every claim of a member (in any order), then decide them all again unchanged: the
    same decisions byte for byte and the same accumulators; after every step the entries sum to
    the stored accumulators."""
    store = open_store(str(tmp_path_factory.mktemp("corr") / "ledger.db"))
    try:
        list(store.submit_many(adjudicator, claims))
        original, held = _current(store, claims), _snapshot(store)
        member = claims[0]["member"]["member_id"]
        for claim in rnd.sample(claims, len(claims)):
            void_claim(store, claim["claim_id"], "property", "tester")
            assert store.verify() == []
        assert _snapshot(store) == {}
        done = readjudicate(store, adjudicator, member, reason="property", actor="tester",
                            appeals={claim["claim_id"]: None for claim in claims}, record=True)
        assert done.recorded and len(done.changed) == len(claims)
        assert _current(store, claims) == original
        assert _snapshot(store) == held
        assert store.verify() == []
    finally:
        store.close()


@budget(12)
@given(claim_sequences(min_size=2, max_size=5), st.data())
def test_after_voids_readjudication_equals_a_fresh_run_without_them(adjudicator, tmp_path_factory, claims, data):
    """Voiding some claims and deciding the member again leaves the other claims decided as a
    fresh run without the voided ones decides them, and the ledger holding what that run holds."""
    voided = data.draw(st.lists(st.sampled_from([c["claim_id"] for c in claims]), min_size=1, unique=True))
    store = open_store(str(tmp_path_factory.mktemp("corr") / "ledger.db"))
    try:
        list(store.submit_many(adjudicator, claims))
        for claim_id in voided:
            void_claim(store, claim_id, "property", "tester")
        readjudicate(store, adjudicator, claims[0]["member"]["member_id"], reason="property", actor="tester", record=True)
        assert store.verify() == []
        kept = [claim for claim in claims if claim["claim_id"] not in voided]
        memory = MemoryLedger()
        fresh = [result.decision.to_json() for result in adjudicator.adjudicate_many(copy.deepcopy(kept), memory)]
        assert [substance(decision) for decision in _current(store, kept)] == [substance(decision) for decision in fresh]
        assert _snapshot(store) == {key: value for key, value in memory.snapshot().items() if value}
    finally:
        store.close()


def test_corrections_over_http(tmp_path, bundled_plans, tokens_file):
    from engine.service import create_app
    from service_helpers import TestClient, bearer, settings_for

    store = open_store(str(tmp_path / "ledger.db"))
    app = create_app(settings_for(tokens_file), store=store, plans=bundled_plans)
    with TestClient(app) as client:
        for claim in (CLAIMS["c-03"], CLAIMS["c-05"]):
            assert client.post("/v1/claims", json=claim, headers=bearer("adjudicate")).status_code == 201
        body = {"reason": "虚假住院材料", "by": "officer-li"}
        assert client.post("/v1/admin/claims/c-03/void", json=body, headers=bearer("read")).status_code == 403
        voided = client.post("/v1/admin/claims/c-03/void", json=body, headers=bearer("admin"))
        assert voided.status_code == 200, voided.text
        assert voided.json()["version"] == 2 and voided.json()["later_claims"] == ["c-05"]
        assert client.post("/v1/admin/claims/c-03/void", json=body, headers=bearer("admin")).status_code == 409
        assert client.post("/v1/admin/claims/c-99/void", json=body, headers=bearer("admin")).status_code == 404
        assert client.post("/v1/admin/claims/c-05/void", json={"reason": "x"}, headers=bearer("admin")).status_code == 422

        ask = {"reason": "c-03 voided", "by": "officer-li"}
        preview = client.post("/v1/admin/members/m-1001/readjudicate", json=ask, headers=bearer("admin")).json()
        assert preview["recorded"] is False
        assert [(c["claim_id"], c["total_before"], c["total_after"], c["changed"]) for c in preview["claims"]] == [
            ("c-05", "8700.00", "11380.00", True)]
        stale = client.post("/v1/admin/members/m-1001/readjudicate", json={**ask, "confirm": "0" * 64}, headers=bearer("admin"))
        assert stale.status_code == 409 and len(store.claim_versions("c-05")) == 1
        done = client.post("/v1/admin/members/m-1001/readjudicate", json={**ask, "confirm": preview["digest"]},
                           headers=bearer("admin"))
        assert done.status_code == 200 and done.json()["recorded"] is True and done.json()["claims"][0]["version"] == 2
        history = client.get("/v1/claims/c-05", headers=bearer("read")).json()
        assert [version["status"] for version in history["versions"]] == ["partial", "paid"]
    trail = audit_trail(store, claim="c-05")
    assert trail[0].actor.startswith("officer-li (token ") and trail[0].reason == "c-03 voided"
    store.close()


def test_office_documents_from_the_ledger_leave_void_claims_out(tmp_path, bundled_plans, tokens_file):
    """Publicity, reports and notices read the newest recorded decisions: after c-03 is voided
    and c-05 decided again, the month's publicity lists c-05's 10,100.00 and 1,280.00 only."""
    import csv
    import datetime as dt
    import io

    from engine.service import create_app
    from service_helpers import TestClient, bearer, settings_for

    ledger = tmp_path / "ledger.db"
    claims = [dict(CLAIMS["c-03"], member=dict(CLAIMS["c-03"]["member"], id_number="11010519491231002X",
                                               employer="兰州机床厂")),
              dict(CLAIMS["c-05"], member=dict(CLAIMS["c-05"]["member"], id_number="11010519491231002X",
                                               employer="兰州机床厂"))]
    record(ledger, claims)
    assert ledger_cli("void", "c-03", "--reason", "虚假住院材料", "--by", "officer-li", "--ledger", str(ledger)).exit_code == 0
    assert cli("ledger", "readjudicate", "m-1001", "--reason", "c-03 voided", "--by", "officer-li", "--ledger", str(ledger),
               "--yes").exit_code == 0
    month = dt.date.today().strftime("%Y-%m")
    made = cli("publicity", "--ledger", str(ledger), "--office", "lanzhou", "--month", month, "--csv", str(tmp_path / "p.csv"))
    assert made.exit_code == 0, made.output
    rows = list(csv.reader(io.StringIO((tmp_path / "p.csv").read_text(encoding="utf-8-sig"))))[1:]
    assert [(row[3], row[4], row[5], row[8]) for row in rows] == [
        ("兰州机床厂", "王*明", "110*************2X", "10100.00"), ("兰州机床厂", "王*明", "110*************2X", "1280.00")]
    notices = cli("notice", "--ledger", str(ledger), "--out", str(tmp_path / "notices"))
    assert notices.exit_code == 0 and sorted(p.name for p in (tmp_path / "notices").iterdir()) == ["c-05.html"]
    report = cli("report", "--ledger", str(ledger), "--csv", str(tmp_path / "report"))
    assert report.exit_code == 0, report.output
    assert "11,380.00" in report.stdout.replace("\n", "") or "11380.00" in report.stdout
    assert cli("report", str(tmp_path / "claims.jsonl"), "--ledger", str(ledger)).exit_code == 2  # one source only

    store = open_store(str(ledger))
    app = create_app(settings_for(tokens_file), store=store, plans=bundled_plans)
    with TestClient(app) as client:
        answer = client.get(f"/v1/offices/lanzhou/publicity/{month}", headers=bearer("read"))
        assert answer.status_code == 200, answer.text
        published = answer.json()
        assert [(row["name"], row["id_number"], row["amount"]) for row in published["rows"]] == [
            ("王*明", "110*************2X", "10100.00"), ("王*明", "110*************2X", "1280.00")]
        assert "1979-03-15" not in answer.text and "19491231" not in answer.text and "I21" not in answer.text and "K80" not in answer.text
        page = client.get(f"/v1/offices/lanzhou/publicity/{month}?format=html", headers=bearer("read"))
        assert page.status_code == 200 and "王*明" in page.text and page.headers["content-type"].startswith("text/html")
        sheet = client.get(f"/v1/offices/lanzhou/publicity/{month}?format=xlsx", headers=bearer("read"))
        assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
        assert client.get("/v1/offices/lanzhou/publicity/2024-13", headers=bearer("read")).status_code == 422
        assert client.get(f"/v1/offices/lanzhou/publicity/{month}", headers=bearer("adjudicate")).status_code == 403
    store.close()


def test_after_an_appeal_changes_the_stay_only_the_new_dates_count_as_recorded(tmp_path, adjudicator):
    """c-05 recorded for 10-11..10-30, appealed with the discharge corrected to 10-20: a stay of
    10-25..10-28 sent later shares no night with the corrected stay, so it is no duplicate."""
    store = open_store(str(tmp_path / "ledger.db"))
    try:
        store.submit(adjudicator, CLAIMS["c-05"])
        corrected = copy.deepcopy(CLAIMS["c-05"])
        corrected["event"]["discharge"] = "2024-10-20"
        done = readjudicate(store, adjudicator, "m-1001", reason="出院日期更正", actor="officer-wang",
                            appeals={"c-05": corrected}, record=True)
        assert done.recorded and done.changed[0].payload_changed
        later = copy.deepcopy(CLAIMS["c-05"])
        later["claim_id"] = "c-06"
        later["event"].update(admission="2024-10-25", discharge="2024-10-28")
        decision = json.loads(store.submit(adjudicator, later).decision_json)
        assert decision["status"] != "suspected_duplicate", decision.get("suspected_duplicate")
        overlapping = copy.deepcopy(later)
        overlapping["claim_id"] = "c-07"
        overlapping["event"].update(admission="2024-10-15", discharge="2024-10-18")
        assert json.loads(store.submit(adjudicator, overlapping).decision_json)["status"] == "suspected_duplicate"
        assert store.verify() == []
    finally:
        store.close()
