"""The amounts-only path decides exactly as the explained path: on every generated sequence of
every corpus (hospital stays, diagnoses, accidents with several plans), with durable_rules and
with the generated evaluator, each claim's status, every amount, every reason code, the missing
evidence, the clauses and every accumulator change are equal; and the explanation built on
demand from the amounts-only result's inputs is the explained path's decision, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given

from accident_strategies import accident_sequences
from disease_strategies import diagnosis_claim_sequences
from engine import MemoryLedger
from engine.claims import parse_claim
from engine.model.decision import ClaimFailure
from engine.outcome import amounts, amounts_json, explained
from engine.synthetic import generate_mixed
from helpers import budget
from strategies import claim_sequences

EXAMPLES = 30
ROOT = Path(__file__).resolve().parent.parent


def assert_same(adjudicator, raw_claims) -> int:
    """Both paths over one sequence, each on its own ledger; how many claims were compared."""
    claims = [parse_claim(raw) for raw in raw_claims]
    full = list(adjudicator.adjudicate_many(claims, MemoryLedger()))
    lean = list(adjudicator.adjudicate_many(claims, MemoryLedger(), explain=False))
    assert len(full) == len(lean) == len(claims)
    for claim, explained_result, lean_result in zip(claims, full, lean):
        if isinstance(explained_result, ClaimFailure):
            assert lean_result == explained_result
            continue
        assert amounts(lean_result.decision) == amounts(explained_result.decision)
        assert lean_result.changes == explained_result.changes
        assert lean_result.recording == explained_result.recording
        assert explained(adjudicator, claim, lean_result).to_json() == explained_result.decision.to_json()
    return len(claims)


@budget(EXAMPLES)
@given(claim_sequences())
def test_hospital_sequences(adjudicator, generated_adjudicator, claims):
    for engine in (adjudicator, generated_adjudicator):
        assert_same(engine, claims)


@budget(EXAMPLES)
@given(diagnosis_claim_sequences())
def test_diagnosis_sequences(adjudicator, generated_adjudicator, drawn):
    _, claims = drawn
    for engine in (adjudicator, generated_adjudicator):
        assert_same(engine, claims)


@budget(EXAMPLES)
@given(accident_sequences(with_other_plans=True))
def test_accident_and_multi_plan_sequences(adjudicator, generated_adjudicator, drawn):
    _, claims = drawn
    for engine in (adjudicator, generated_adjudicator):
        assert_same(engine, claims)


def test_the_mixed_synthetic_corpus(generated_adjudicator):
    claims = [claim for block in generate_mixed(1500, seed=33) for claim in block]
    assert assert_same(generated_adjudicator, claims) == len(claims)


def test_an_amounts_only_decision_has_no_texts_but_the_same_money(adjudicator):
    claims = [json.loads(line) for line in (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    full = [r.decision for r in adjudicator.adjudicate_many(claims, MemoryLedger()) if not isinstance(r, ClaimFailure)]
    lean = [r.decision for r in adjudicator.adjudicate_many(claims, MemoryLedger(), explain=False) if not isinstance(r, ClaimFailure)]
    paid = [line for decision in full for enrolment in decision.enrolments for line in enrolment.lines]
    assert len(paid) > 5 and all(line.formula and line.inputs for line in paid)
    lean_lines = [line for decision in lean for enrolment in decision.enrolments for line in enrolment.lines]
    assert all(not line.formula and not line.inputs and not line.caps and line.disease is None for line in lean_lines)
    assert [line.amount for line in lean_lines] == [line.amount for line in paid]
    for decision, explained_decision in zip(lean, full):
        data = json.loads(amounts_json(decision))
        assert data["total"] == str(explained_decision.total) and data["status"] == explained_decision.status


def test_adjudicate_amounts_only_writes_the_amounts_of_the_explained_decisions(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app
    from engine.model.decision import decision_from_json

    common = ["--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")]
    full, lean = tmp_path / "full.jsonl", tmp_path / "lean.jsonl"
    for path, extra in ((full, []), (lean, ["--amounts-only"])):
        result = CliRunner().invoke(app, ["adjudicate", str(ROOT / "fixtures" / "claims.jsonl"), "--out", str(path), *extra, *common])
        assert result.exit_code == 0, result.output
    explained_lines = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    lean_lines = [json.loads(line) for line in lean.read_text(encoding="utf-8").splitlines()]
    assert len(lean_lines) == len(explained_lines) > 5
    assert lean_lines == [json.loads(amounts_json(decision_from_json(data))) for data in explained_lines]
    assert all("formula" not in line for line in lean.read_text(encoding="utf-8").splitlines())
