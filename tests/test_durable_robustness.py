"""The durable_rules evaluator under load and failure, checked against the Python evaluator.

Every claim goes through ONE durable Adjudicator (the session fixture) and its decision must
equal the plain-Python evaluator's. The traps come from shared/notes/durable_rules.md: more than
1,024 sessions, sessions where no plan rule fires, facts with too many properties, facts the
engine drops (32-bit id hash collisions), and calls from several threads.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from decimal import Decimal
from pathlib import Path

import pytest

import engine.api
import engine.rules.durable as durable
from engine import Adjudicator, MemoryLedger
from engine.claims import parse_claim
from engine.errors import RuleEvaluationError
from engine.model.decision import ClaimFailure
from engine.rules.durable import CATCH_ALL, DurableEvaluator
from engine.rules.python_eval import PythonEvaluator

ROOT = Path(__file__).resolve().parent.parent

OFFICES = ("beijing", "lanzhou", "zunyi", "xizang")
INSURANCE = ("urban_employee", "urban_rural_resident", "none")
EMPLOYMENT = ("standard", "standard", "new_form", "retired")
CODES = ("J18.9", "K35.8", "C50.9", "C34.901", "B20", "B24.1", "Z21", "Q21.1", "O80", "Z30.0", "F32.1", "S72.0")
CIRCUMSTANCES = ("war", "drunk_driving", "hiv_transfusion", "suicide", "earthquake", "cosmetic", "drugs")


def _day(day: dt.date) -> str:
    return day.isoformat()


def _fen(amount: int) -> str:
    return str(Decimal(amount) / 100)


def member(number: int) -> dict:
    rng = random.Random(number)  # a member keeps the same attributes in every claim
    return {
        "member_id": f"m{number}",
        "gender": rng.choice(("female", "male")),
        "birth_date": _day(dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 20000))),
        "office": rng.choice(OFFICES),
        "medical_insurance": rng.choice(INSURANCE),
        "employment": rng.choice(EMPLOYMENT),
    }


def random_claim(rng: random.Random, number: int, members: int = 300) -> dict:
    """A valid hospital-stay claim; some fall outside the term, in a waiting period, under an
    exclusion, or for an ineligible member, so every kind of rule fires somewhere."""
    who = rng.randrange(members)
    start = dt.date(2024, 1, 1) + dt.timedelta(days=(who * 7) % 180)
    enrolments = []
    for plan in rng.sample(("inpatient-medical", "hospital-allowance"), rng.randint(1, 2)):
        units = rng.randint(1, 3)
        enrolment = {
            "enrolment_id": f"{plan[:2]}-{who}", "plan": plan, "units": units,
            "fee_paid": f"{units * (60 if plan == 'inpatient-medical' else 30)}.00",
            "start": _day(start), "end": _day(dt.date(start.year + 1, start.month, 1) + dt.timedelta(days=start.day - 2)),
        }
        if who % 3 == 0:
            enrolment["first_continuous_start"] = _day(start - dt.timedelta(days=365 + who % 40))
        if who % 11 == 0:
            enrolment["source"] = "gift"
        enrolments.append(enrolment)
    admission = start + dt.timedelta(days=rng.randrange(-15, 380))
    stay = rng.choice((0, 1, 2, 3, 4, 5, 7, 10, 14, 30, 60))
    total = rng.randrange(10_000, 6_000_000)
    fund = rng.randrange(0, total + 1)
    in_scope = rng.randrange(0, total - fund + 1)
    out_of_scope = rng.randrange(0, total - fund - in_scope + 1)
    event = {
        "kind": "hospital_stay", "admission": _day(admission), "discharge": _day(admission + dt.timedelta(days=stay)),
        "cause": rng.choice(("disease", "disease", "accident")), "designated": rng.random() < 0.9,
        "total": _fen(total), "fund_paid": _fen(fund), "self_pay_in_scope": _fen(in_scope),
        "self_pay_out_of_scope": _fen(out_of_scope), "icu_days": rng.randint(0, stay) if rng.random() < 0.3 else 0,
    }
    if rng.random() < 0.15:
        event["circumstances"] = rng.sample(CIRCUMSTANCES, rng.randint(1, 2))
    if rng.random() < 0.6:
        event["diagnoses"] = [{"code": code} for code in rng.sample(CODES, rng.randint(1, 2))]
    return {"claim_id": f"c{number}", "member": member(who), "enrolments": enrolments, "event": event}


def random_claims(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    claims = [random_claim(rng, number) for number in range(count)]
    # A member's stays in admission order, as a sequence would send them.
    return sorted(claims, key=lambda c: c["event"]["admission"])


@pytest.fixture(scope="module")
def claims() -> list[dict]:
    return random_claims(3000, seed=20240601)


@pytest.fixture(scope="module")
def expected_singles(python_adjudicator, claims) -> list:
    """Python-evaluator decisions of each claim alone (no history)."""
    return [python_adjudicator.adjudicate(claim).decision for claim in claims[:1100]]


def same(durable_results, python_results) -> list[str]:
    """Mismatches between two result lists (decisions or failures), by claim."""
    assert len(durable_results) == len(python_results)
    problems = []
    for got, want in zip(durable_results, python_results):
        got_value = got if isinstance(got, ClaimFailure) else got.decision
        want_value = want if isinstance(want, ClaimFailure) else want.decision
        if got_value != want_value:
            problems.append(f"{getattr(want_value, 'claim_id', '?')}: durable {got_value!r} != python {want_value!r}")
    return problems


# -- volume --------------------------------------------------------------------------------------


def test_3000_claims_in_one_sequence_match_the_python_evaluator(adjudicator, python_adjudicator, claims):
    assert isinstance(adjudicator.evaluator, DurableEvaluator)
    durable_ledger, python_ledger = MemoryLedger(), MemoryLedger()
    got = list(adjudicator.adjudicate_many(claims, durable_ledger))
    want = list(python_adjudicator.adjudicate_many(claims, python_ledger))
    assert same(got, want) == []
    assert durable_ledger.snapshot() == python_ledger.snapshot()

    # The comparison means something only if the claims were answered and varied.
    decisions = [r.decision for r in got if not isinstance(r, ClaimFailure)]
    assert len(decisions) == len(claims)
    assert {d.status for d in decisions} >= {"paid", "partial", "denied"}
    clauses = {c.split(":")[0] for d in decisions for e in d.enrolments for c in e.clauses}
    assert clauses >= {"eligibility", "coverage", "exclusion", "waiting", "benefit"}


def test_1100_separate_calls_match_the_python_evaluator(adjudicator, claims, expected_singles):
    sessions_before = adjudicator.evaluator._session
    mismatches = [
        claim["claim_id"]
        for claim, want in zip(claims[:1100], expected_singles)
        if adjudicator.adjudicate(claim).decision != want
    ]
    assert mismatches == []
    # Each call with a covered enrolment opened (and deleted) its own session: well past 1,024.
    assert adjudicator.evaluator._session - sessions_before > 1024


# -- claims that fire no plan rule ---------------------------------------------------------------

NEVER_PAYS = """\
plan: never-pays
title: 测试：从不给付
revision: "1"
effective_from: 2024-01-01
fee: {per_unit: 10.00}
units: {min: 1, max: 3}
events: [hospital_stay]
benefits:
  - id: death-only-allowance
    title: 仅身故给付（住院永不满足）
    pays: per_day
    when: {event: death}
    days: stay_days
    amount_per_day: {per_unit: 10.00}
"""


@pytest.fixture(scope="module")
def never_pays(tmp_path_factory):
    plans_dir = tmp_path_factory.mktemp("plans")
    (plans_dir / "never-pays.yaml").write_text(NEVER_PAYS, encoding="utf-8")
    return (Adjudicator.load(plans_dir, ROOT / "rules"), Adjudicator.load(plans_dir, ROOT / "rules", evaluator="python"))


def test_claims_matching_no_rule_are_answered(never_pays, claims):
    durable_adjudicator, python_adjudicator = never_pays
    no_rule = []
    for claim in claims[:1100]:
        first = claim["enrolments"][0]
        claim = {**claim, "enrolments": [{**first, "enrolment_id": "n1", "plan": "never-pays",
                                         "fee_paid": f"{10 * first['units']}.00", "source": "paid"}]}
        no_rule.append(claim)

    # The evaluator itself: every fact is seen, no plan rule fires.
    plan = durable_adjudicator.revisions["never-pays"][0]
    facts = [(plan, {"event": "hospital_stay", "stay_days": n % 30, "age": 40}) for n in range(900)]
    assert durable_adjudicator.evaluator.evaluate(facts) == [frozenset()] * 900

    got = list(durable_adjudicator.adjudicate_many(no_rule, MemoryLedger()))
    want = list(python_adjudicator.adjudicate_many(no_rule, MemoryLedger()))
    assert same(got, want) == []
    covered = [r.decision for r in got if r.decision.enrolments]
    assert covered, "some stays must fall inside the term"
    assert all(d.status == "denied" and d.enrolments[0].clauses == [] for d in covered)
    singles = [durable_adjudicator.adjudicate(claim).decision for claim in no_rule[:1100]]  # a session each
    assert [d.to_json() for d in singles] == [r.decision.to_json() for r in want[:1100]]


# -- a fact the engine cannot take ---------------------------------------------------------------


def oversized_fact_for(monkeypatch, claim_id: str, extra: int) -> None:
    original = engine.api.build_fact

    def build_fact(claim, *args, **kwargs):
        fact = original(claim, *args, **kwargs)
        if claim.claim_id == claim_id:
            fact.update({f"padding_{n}": n for n in range(extra)})
        return fact

    monkeypatch.setattr(engine.api, "build_fact", build_fact)


def covered_claims(python_adjudicator, claims, count: int) -> list[dict]:
    """Claims with at least one enrolment covering the stay (so each has facts to evaluate)."""
    chosen = [c for c in claims if python_adjudicator.targets(python_adjudicator.check_claim(parse_claim(c)))[0]]
    return chosen[:count]


def test_a_fact_with_too_many_properties_fails_that_claim_only(adjudicator, python_adjudicator, claims, monkeypatch):
    batch = covered_claims(python_adjudicator, claims, 40)
    victim = batch[17]["claim_id"]
    want = list(python_adjudicator.adjudicate_many(batch, MemoryLedger()))
    oversized_fact_for(monkeypatch, victim, extra=300)

    got = list(adjudicator.adjudicate_many(batch, MemoryLedger()))  # one chunk
    failed = got[17]
    assert isinstance(failed, ClaimFailure) and failed.claim_id == victim
    assert "255" in failed.errors[0]
    assert same(got[:17] + got[18:], want[:17] + want[18:]) == []

    with pytest.raises(RuleEvaluationError):
        adjudicator.adjudicate(batch[17])


def test_the_property_limit_keeps_its_margin(adjudicator, python_adjudicator):
    """The engine segfaults at 255 properties (id, sid and t included); the guard stops at
    MAX_PROPERTIES, which must leave room for those three."""
    assert durable.MAX_PROPERTIES + 3 < 255
    plan = adjudicator.revisions["hospital-allowance"][0]
    base = {"age": 40, "employment": "standard", "event": "hospital_stay", "cause": "disease",
            "days_from_first_continuous_start": 10, "designated": 1, "stay_days": 5, "icu_days": 0}
    at_limit = {**base, **{f"p{n}": 0 for n in range(durable.MAX_PROPERTIES - len(base))}}
    over = {**at_limit, "one_more": 1}
    got = adjudicator.evaluator.evaluate([(plan, at_limit), (plan, over), (plan, base)])
    want = PythonEvaluator().evaluate([(plan, at_limit), (plan, base)])
    assert got[0] == want[0] and got[2] == want[1]
    assert isinstance(got[1], RuleEvaluationError)


# -- facts the engine drops ----------------------------------------------------------------------


def spy_run(monkeypatch, drop):
    """Wrap DurableEvaluator._run; `drop(facts, ids, fired)` may remove results. Returns the calls."""
    original = DurableEvaluator._run
    calls: list[list[str]] = []

    def _run(self, handle, facts, ids):
        calls.append(list(ids))
        fired = original(self, handle, facts, ids)
        drop(facts, ids, fired)
        return fired

    monkeypatch.setattr(DurableEvaluator, "_run", _run)
    return calls


def mark_victim(monkeypatch, claim_id: str) -> None:
    """Give the victim claim's facts a harmless extra property the spy can recognise."""
    original = engine.api.build_fact

    def build_fact(claim, *args, **kwargs):
        fact = original(claim, *args, **kwargs)
        if claim.claim_id == claim_id:
            fact["victim"] = 1
        return fact

    monkeypatch.setattr(engine.api, "build_fact", build_fact)


def victim_batch(python_adjudicator, claims, monkeypatch):
    """60 covered claims, the 31st marked as the victim, and the python evaluator's answers."""
    batch = covered_claims(python_adjudicator, claims, 60)
    victim = batch[30]["claim_id"]
    want = list(python_adjudicator.adjudicate_many(batch, MemoryLedger()))
    mark_victim(monkeypatch, victim)
    return batch, victim, want


@pytest.mark.parametrize("how", ["whole-fact", "catch-all-only", "batch-and-first-retry"])
def test_a_dropped_fact_is_evaluated_again(adjudicator, python_adjudicator, claims, monkeypatch, how):
    batch, victim, want = victim_batch(python_adjudicator, claims, monkeypatch)

    def drop(facts, ids, fired):
        for fact, fact_id in zip(facts, ids):
            if "victim" not in fact:
                continue
            in_batch = len(ids) > 1
            if how == "catch-all-only" and in_batch:
                fired.get(fact_id, set()).discard(CATCH_ALL)
            elif how == "whole-fact" and in_batch:
                fired.pop(fact_id, None)
            elif how == "batch-and-first-retry" and (in_batch or fact_id == "r"):
                fired.pop(fact_id, None)

    calls = spy_run(monkeypatch, drop)
    got = list(adjudicator.adjudicate_many(batch, MemoryLedger()))
    assert same(got, want) == []
    retries = [ids for ids in calls if len(ids) == 1]
    expected = {"whole-fact": [["r"]], "catch-all-only": [["r"]], "batch-and-first-retry": [["r"], ["retry-1"]]}[how]
    assert retries == expected * len([t for t in python_adjudicator.targets(parse_claim(batch[30]))[0]])


def test_a_fact_dropped_every_time_fails_that_claim_only(adjudicator, python_adjudicator, claims, monkeypatch):
    batch, victim, want = victim_batch(python_adjudicator, claims, monkeypatch)

    def drop(facts, ids, fired):
        for fact, fact_id in zip(facts, ids):
            if "victim" in fact:
                fired.pop(fact_id, None)

    spy_run(monkeypatch, drop)
    got = list(adjudicator.adjudicate_many(batch, MemoryLedger()))
    assert isinstance(got[30], ClaimFailure) and got[30].claim_id == victim
    assert "did not evaluate" in got[30].errors[0]
    assert same(got[:30] + got[31:], want[:30] + want[31:]) == []


def test_an_engine_error_on_the_batch_retries_each_fact_alone(adjudicator, python_adjudicator, claims, monkeypatch):
    batch = covered_claims(python_adjudicator, claims, 25)
    want = list(python_adjudicator.adjudicate_many(batch, MemoryLedger()))
    original = DurableEvaluator._run
    calls = []

    def _run(self, handle, facts, ids):
        calls.append(len(ids))
        if len(ids) > 1:
            raise durable._EngineFailure("simulated error 302")
        return original(self, handle, facts, ids)

    monkeypatch.setattr(DurableEvaluator, "_run", _run)
    got = list(adjudicator.adjudicate_many(batch, MemoryLedger()))
    assert same(got, want) == []
    assert calls.count(1) >= len(batch)


# -- threads -------------------------------------------------------------------------------------


def run_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(index):
        try:
            target(index)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def test_four_threads_calling_adjudicate(adjudicator, claims, expected_singles):
    mismatches: list[str] = []

    def work(index):
        for offset in range(200):
            position = index * 200 + offset
            decision = adjudicator.adjudicate(claims[position]).decision
            if decision != expected_singles[position]:
                mismatches.append(claims[position]["claim_id"])

    assert run_threads(work, 4) == []
    assert mismatches == []


def test_four_threads_adjudicating_sequences(adjudicator, python_adjudicator, claims):
    parts = [claims[index::4][:500] for index in range(4)]
    want = [list(python_adjudicator.adjudicate_many(part, MemoryLedger())) for part in parts]
    got: list = [None] * 4

    def work(index):
        got[index] = list(adjudicator.adjudicate_many(parts[index], MemoryLedger(), chunk=97))

    assert run_threads(work, 4) == []
    for index in range(4):
        assert same(got[index], want[index]) == []


def test_sessions_stranded_by_silent_batches_are_freed_by_replacing_the_ruleset(adjudicator, python_adjudicator, monkeypatch):
    """A session where nothing fired cannot be deleted (the engine crashes); the evaluator
    counts them and, past its limit, replaces the ruleset, so live sessions stay bounded and
    later claims are still answered correctly by the new ruleset."""
    from engine.rules.durable import DurableEvaluator

    evaluator = adjudicator.evaluator
    plan = adjudicator.revisions["inpatient-medical"][-1]
    monkeypatch.setattr(DurableEvaluator, "MAX_STRANDED", 3)
    before = evaluator._handles[plan.key]
    generation = evaluator._generations[plan.key]
    for _ in range(3):
        evaluator._strand(plan.key)
    assert evaluator._handles[plan.key] != before
    assert evaluator._generations[plan.key] == generation + 1
    claims = random_claims(60, seed=7)
    durable = [r.decision.to_json() for r in adjudicator.adjudicate_many(claims)]
    python = [r.decision.to_json() for r in python_adjudicator.adjudicate_many(claims)]
    assert durable == python
