"""The ledger contract: one module, run against the store in memory, on a SQLite file and on
PostgreSQL (where ADJUDICATOR_TEST_DATABASE_URL answers; otherwise those tests skip, saying
so). Idempotent submission, decision versions, history that decides later claims, entries that
replay to the accumulators, append-only records."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine import MemoryLedger
from engine.errors import ClaimError, LedgerError
from engine.ledger import AccumulatorKey, Change
from engine.store import ClaimConflict, MemoryStore
from stores import backend_url, store  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [json.loads(line) for line in (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
PENDING = next(c for c in CLAIMS if c["claim_id"] == "c-09")  # Parkinson's without adl_lost: pending


def test_history_carries_across_claims_as_in_memory(adjudicator, store):
    expected = [r.decision.to_json() for r in adjudicator.adjudicate_many(copy.deepcopy(CLAIMS), MemoryLedger())]
    got = list(store.submit_many(adjudicator, copy.deepcopy(CLAIMS)))
    assert [s.outcome for s in got] == ["created"] * len(CLAIMS)
    assert [s.decision_json for s in got] == expected
    assert store.verify() == []


def test_the_same_claim_again_returns_the_stored_decision_byte_for_byte(adjudicator, store):
    first = store.submit(adjudicator, CLAIMS[2])
    before = store.member_accumulators(CLAIMS[2]["member"]["member_id"])
    again = store.submit(adjudicator, copy.deepcopy(CLAIMS[2]))
    respelt = store.submit(adjudicator, dict(copy.deepcopy(CLAIMS[2]), claim_id=" C-03"))  # the same id, spelt otherwise
    assert (first.outcome, again.outcome, respelt.outcome) == ("created", "replayed", "replayed")
    assert again.decision_json == first.decision_json == respelt.decision_json
    assert again.payload_sha256 == first.payload_sha256
    assert store.member_accumulators(CLAIMS[2]["member"]["member_id"]) == before  # nothing recorded again
    assert [v.version for v in store.claim_versions("c-03")] == [1]


def test_the_same_id_with_another_payload_is_a_conflict_naming_both_hashes(adjudicator, store):
    first = store.submit(adjudicator, CLAIMS[2])
    changed = copy.deepcopy(CLAIMS[2])
    changed["event"]["self_pay_in_scope"] = "9999.00"
    with pytest.raises(ClaimConflict) as raised:
        store.submit(adjudicator, changed)
    assert raised.value.stored_sha256 == first.payload_sha256 and raised.value.new_sha256 != first.payload_sha256
    assert first.payload_sha256 in str(raised.value) and raised.value.new_sha256 in str(raised.value)
    assert len(store.claim_versions("c-03")) == 1


def test_a_pending_claim_sent_again_with_more_evidence_becomes_version_2(adjudicator, store):
    pending = store.submit(adjudicator, PENDING)
    assert json.loads(pending.decision_json)["status"] == "pending"
    completed = copy.deepcopy(PENDING)
    completed["event"]["diagnoses"][0]["findings"]["adl_lost"] = 3  # severe Parkinson's
    second = store.submit(adjudicator, completed)
    assert (second.outcome, second.version) == ("resubmitted", 2)
    decision = json.loads(second.decision_json)
    assert decision["status"] == "paid" and decision["total"] == "10000.00"  # severe Parkinson's: 10,000 × 1 unit
    versions = store.claim_versions("c-09")
    assert [(v.version, v.status) for v in versions] == [(1, "pending"), (2, "paid")]
    assert versions[0].decision_json == pending.decision_json and versions[1].decision_json == second.decision_json
    assert versions[1].plan_revisions[0]["plan"] == "critical-illness" and len(versions[1].plan_revisions[0]["hash"]) == 64
    # both requests replay their own version; a third payload is refused now that it is decided
    assert store.submit(adjudicator, PENDING).version == 1 and store.submit(adjudicator, completed).version == 2
    third = copy.deepcopy(completed)
    third["event"]["diagnoses"][0]["findings"]["adl_lost"] = 4
    with pytest.raises(ClaimConflict):
        store.submit(adjudicator, third)


def test_an_invalid_claim_is_refused_with_its_json_path_and_records_nothing(adjudicator, store):
    broken = copy.deepcopy(CLAIMS[2])
    broken["enrolments"][0]["units"] = 5
    with pytest.raises(ClaimError) as raised:
        store.submit(adjudicator, broken)
    assert [str(issue) for issue in raised.value.issues] == ["$.enrolments[0].units: plan inpatient-medical takes 1 to 3 units, got 5"]
    assert store.claim_versions("c-03") == []


def test_member_accumulators_show_the_claims_behind_them(adjudicator, store):
    list(store.submit_many(adjudicator, CLAIMS[:5]))
    member = store.member_accumulators(" M-1001")
    assert member.person == "member:m-1001" and member.aliases == ["member:m-1001"]
    paid = next(row for row in member.accumulators if row.key.plan == "inpatient-medical" and row.key.measure == "paid")
    # c-02 pays 200.00, c-03 7,880.00 and c-05 6,920.00 (cut by the 15,000 cap): entries replay to the value
    assert paid.value == Decimal("15000.00")
    assert [(e.claim_id, e.after - e.before) for e in paid.entries] == [
        ("c-02", Decimal("200.00")), ("c-03", Decimal("7880.00")), ("c-05", Decimal("6920.00"))]
    assert store.member_accumulators("nobody") is None


def test_suspected_duplicates_are_held_through_the_store(adjudicator, store):
    store.submit(adjudicator, CLAIMS[2])
    resent = dict(copy.deepcopy(CLAIMS[2]), claim_id="c-03-again")
    decision = json.loads(store.submit(adjudicator, resent).decision_json)
    assert decision["status"] == "suspected_duplicate" and decision["suspected_duplicate"]["claim_id"] == "c-03"
    assert store.verify() == []


def test_simulation_reads_history_and_records_nothing(adjudicator, store):
    store.submit(adjudicator, CLAIMS[2])
    what_if = store.simulate(adjudicator, CLAIMS[4])
    in_memory = list(adjudicator.adjudicate_many([CLAIMS[2], CLAIMS[4]], MemoryLedger()))[1]
    assert what_if.decision.to_json() == in_memory.decision.to_json()
    assert what_if.decision.total == Decimal("8700.00")  # inpatient 7,120.00 (the cap left after c-03's 7,880.00) + allowance
    assert store.claim_versions("c-05") == []
    assert store.simulate(adjudicator, CLAIMS[4]).decision.to_json() == what_if.decision.to_json()


def test_members_are_resolved_by_id_number_across_member_ids(adjudicator, store):
    severe = {"claim_id": "s-1", "member": {**CLAIMS[5]["member"], "id_number": "54010219900101002X"},
              "enrolments": CLAIMS[5]["enrolments"], "event": {"kind": "diagnosis", "diagnosis_date": "2024-06-01",
                                                               "diagnoses": [{"code": "C50.9", "findings": {"icdo3_behaviour": 3}}]}}
    first = json.loads(store.submit(adjudicator, severe).decision_json)
    other_id = copy.deepcopy(severe)
    other_id.update(claim_id="s-2", member={**severe["member"], "member_id": "someone-else"})
    other_id["event"]["diagnosis_date"] = "2024-07-01"
    second = json.loads(store.submit(adjudicator, other_id).decision_json)
    assert first["status"] == "paid"
    assert second["status"] != "paid" and all(
        r["code"] == "cover_ended" for e in second["enrolments"] if e["plan"] == "critical-illness" for r in e["refusals"])
    assert store.member_accumulators("someone-else").person == store.member_accumulators("54010219900101002x").person


def test_a_ledger_refuses_stale_values_and_known_claims():
    key = AccumulatorKey("member:m", "inpatient-medical", "2024-01-01", "inpatient-reimbursement", "paid")
    ledger = MemoryLedger()
    ledger.apply("c1", [Change(key, Decimal(0), Decimal("5.00"))])
    with pytest.raises(LedgerError, match="inpatient-reimbursement/paid"):
        ledger.apply("c2", [Change(key, Decimal(0), Decimal("7.00"))])
    with pytest.raises(LedgerError, match="already recorded"):
        ledger.apply("c1", [])
    assert ledger.value(key) == Decimal("5.00")


@pytest.mark.parametrize("statement", ["UPDATE entries SET after_amount = 0", "DELETE FROM entries",
                                       "UPDATE decisions SET status = 'paid'", "DELETE FROM events",
                                       "UPDATE enrolments SET units = 9", "DELETE FROM enrolments"])
def test_entries_decisions_and_events_are_append_only(adjudicator, store, statement):
    if isinstance(store, MemoryStore):
        pytest.skip("the memory store has no SQL to refuse")
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    list(store.submit_many(adjudicator, CLAIMS[:3]))
    with pytest.raises(DBAPIError, match="append-only"):
        with store.engine.begin() as connection:
            connection.execute(text(statement))
    assert store.verify() == []


def test_verify_reports_drift_when_an_accumulator_is_tampered_with(adjudicator, store):
    if isinstance(store, MemoryStore):
        pytest.skip("the memory store's accumulators are not reachable from outside")
    from sqlalchemy import text

    list(store.submit_many(adjudicator, CLAIMS[:3]))
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE accumulators SET amount = amount + 100 WHERE measure = 'paid' AND plan = 'inpatient-medical'"))
    (drift,) = store.verify()
    assert drift.key.plan == "inpatient-medical" and drift.stored - drift.from_entries == Decimal("1.00")


def test_the_enrolments_claims_state_are_recorded_once_by_person_plan_and_term(adjudicator, store):
    """c-01..c-05 state the same two enrolments; a later claim names the inpatient one under
    another label (and another member id spelling): still the same enrolment, recorded once,
    with the terms and label first stated."""
    list(store.submit_many(adjudicator, copy.deepcopy(CLAIMS[:5])))
    relabelled = copy.deepcopy(CLAIMS[0])
    relabelled.update(claim_id="c-relabelled", member={**relabelled["member"], "member_id": "M-1001 "})
    relabelled["enrolments"][0]["enrolment_id"] = "renamed-im"
    relabelled["event"].update(admission="2024-10-01", discharge="2024-10-03")
    store.submit(adjudicator, relabelled)
    stated = store.member_accumulators("m-1001").enrolments
    assert [(e.plan, e.term_start, e.term_end, e.units, e.fee_paid, e.label) for e in stated] == [
        ("hospital-allowance", "2024-01-01", "2024-12-31", 2, Decimal("60.00"), "e-ha-2024"),
        ("inpatient-medical", "2024-01-01", "2024-12-31", 1, Decimal("60.00"), "e-im-2024")]


def test_money_is_stored_as_integer_fen_and_counts_as_integers(adjudicator, store):
    """inpatient-medical paid 15,000.00 after c-05 is 1,500,000 fen; hospital-allowance days are
    a count; a decision's total is fen; a unit other than fen or count is refused by the database."""
    if isinstance(store, MemoryStore):
        pytest.skip("the memory store keeps Decimals, not rows")
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    list(store.submit_many(adjudicator, copy.deepcopy(CLAIMS[:5])))
    with store.engine.connect() as connection:
        rows = {(row.plan, row.measure): (row.amount, row.unit) for row in connection.execute(text(
            "SELECT plan, measure, amount, unit FROM accumulators WHERE member = 'member:m-1001' AND scope = ''"))}
        totals = dict(connection.execute(text("SELECT claim_key, total_fen FROM decisions")).all())
        fees = {row.plan: row.fee_paid_fen for row in connection.execute(text("SELECT plan, fee_paid_fen FROM enrolments"))}
    assert rows[("inpatient-medical", "paid")] == (1_500_000, "fen")
    assert rows[("hospital-allowance", "days_paid")][1] == "count"
    assert all(isinstance(amount, int) for amount, _ in rows.values())
    assert totals["c-05"] == int(Decimal(json.loads(store.claim_versions("c-05")[0].decision_json)["total"]) * 100)
    assert fees == {"inpatient-medical": 6000, "hospital-allowance": 6000}
    with pytest.raises(IntegrityError):
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE accumulators SET unit = 'yuan'"))


def test_a_value_that_is_not_whole_fen_is_refused_never_rounded():
    from engine.store.sql import from_stored, to_stored

    assert to_stored(Decimal("1234.50")) == (123450, "fen") and to_stored(Decimal("3")) == (3, "count")
    assert to_stored(Decimal("0.10")) == (10, "fen") and from_stored(10, "fen") == Decimal("0.10")
    assert to_stored(Decimal("7.000")) == (700, "fen")
    with pytest.raises(ValueError, match="whole number of fen"):
        to_stored(Decimal("0.005"))
    from engine.store.sql import entry_values

    assert entry_values(Decimal("200.50"), Decimal(0)) == (20050, 0, "fen")  # a reversal to a whole 0 keeps the fen
    assert entry_values(Decimal(0), Decimal("7880.00")) == (0, 788000, "fen") and entry_values(Decimal(2), Decimal(5)) == (2, 5, "count")


def test_a_version_1_ledger_is_migrated_to_fen_with_its_history(backend_url):
    """A ledger at revision 0001 (values as digits and decimals) upgraded: money at 2 and 1
    decimals becomes fen, a count stays a count, the entries still replay to the accumulators
    and stay append-only."""
    backend, url = backend_url
    if backend == "memory":
        pytest.skip("the memory store has no schema")
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from engine.store import migrate
    from engine.store.sql import SqlStore, sqlalchemy_url

    store = SqlStore(sqlalchemy_url(url))
    if store.postgres:  # a PostgreSQL test database arrives upgraded: start again (a SQLite one is a new file)
        with store.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(store.engine, "0001_ledger")
    key = "'member:m', 'inpatient-medical', '2024-01-01', 'inpatient-reimbursement'"
    with store.engine.begin() as connection:
        connection.execute(text(f"""INSERT INTO accumulators (member, plan, term, benefit, measure, scope, amount, decimals, version)
                                    VALUES ({key}, 'paid', '', 123450, 2, 1), ({key}, 'deductible_used', '', 5, 1, 1),
                                           ({key}, 'days', '', 3, 0, 1)"""))
        connection.execute(text(f"""INSERT INTO entries (claim_key, version, member, plan, term, benefit, measure, scope,
                                    before_amount, after_amount, decimals, recorded_at)
                                    VALUES ('c', 1, {key}, 'paid', '', 0, 123450, 2, CURRENT_TIMESTAMP),
                                           ('c', 1, {key}, 'deductible_used', '', 0, 5, 1, CURRENT_TIMESTAMP),
                                           ('c', 1, {key}, 'days', '', 0, 3, 0, CURRENT_TIMESTAMP)"""))
    store.upgrade()
    with store.engine.connect() as connection:
        rows = {row.measure: (row.amount, row.unit) for row in connection.execute(text("SELECT measure, amount, unit FROM accumulators"))}
        entries = {row.measure: (row.after_amount, row.unit) for row in connection.execute(text("SELECT measure, after_amount, unit FROM entries"))}
    assert rows == entries == {"paid": (123450, "fen"), "deductible_used": (50, "fen"), "days": (3, "count")}
    assert store.verify() == []
    with pytest.raises(DBAPIError, match="append-only"):
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM entries"))
    store.close()


def test_the_migrations_build_the_tables_the_store_uses(tmp_path):
    """Alembic's autogenerate comparison of the migrated database with engine/store/tables.py
    finds no difference: a schema change must come with its revision."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from engine.store import open_store
    from engine.store.tables import metadata

    store = open_store(str(tmp_path / "ledger.db"))
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    store.close()
    assert [d for d in differences if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")] == []


def test_a_person_with_and_without_an_id_number_is_one_person(adjudicator, store):
    """The ID number is missing on p-1 and p-4, given on p-2 and on p-3 (under another member
    id): one person, whose 15,000 inpatient cap p-1 used up."""
    def stay(claim_id, member_id, month, **member):
        claim = copy.deepcopy(CLAIMS[0])
        claim.update(claim_id=claim_id, member={**claim["member"], "member_id": member_id, **member})
        claim["event"].update(admission=f"2024-{month:02d}-01", discharge=f"2024-{month:02d}-11", total="31000.00",
                              fund_paid="1000.00", self_pay_in_scope="30000.00", self_pay_out_of_scope="0.00")
        return claim

    id_number = "11010519800501001X"
    claims = [stay("p-1", "p", 5), stay("p-2", "p", 7, id_number=id_number), stay("p-3", "p-second", 9, id_number=id_number),
              stay("p-4", "P ", 11)]
    paid = [sum(Decimal(line["amount"]) for e in json.loads(s.decision_json)["enrolments"] if e["plan"] == "inpatient-medical"
                for line in e["lines"]) for s in store.submit_many(adjudicator, claims)]
    assert paid == [Decimal("15000.00"), 0, 0, 0]
    people = {store.member_accumulators(who).person for who in ("p", "P", "p-second", id_number.lower())}
    assert people == {"member:p"}
    assert store.member_accumulators("p").aliases == ["id:11010519800501001X", "member:p", "member:p-second"]
