"""The generated-Python evaluator decides exactly as durable_rules, the reference, on generated
claims and claim sequences for every shipped plan (hospital stays, diagnoses, accidents, and
several plans at once), and on the synthetic corpora."""

from __future__ import annotations

from hypothesis import given

from engine import MemoryLedger
from engine.rules.generated import expression, source
from engine.synthetic import generate_mixed
from accident_strategies import accident_sequences
from helpers import SETTINGS
from disease_strategies import diagnosis_claim_sequences
from strategies import claim_sequences



def decisions(adjudicator, claims) -> list[str]:
    return [result.to_json() for result in adjudicator.adjudicate_many(claims, MemoryLedger())]


@SETTINGS
@given(claim_sequences())
def test_hospital_sequences(adjudicator, generated_adjudicator, claims):
    assert decisions(generated_adjudicator, claims) == decisions(adjudicator, claims)


@SETTINGS
@given(diagnosis_claim_sequences())
def test_diagnosis_sequences(adjudicator, generated_adjudicator, drawn):
    _, claims = drawn
    assert decisions(generated_adjudicator, claims) == decisions(adjudicator, claims)


@SETTINGS
@given(accident_sequences(with_other_plans=True))
def test_accident_and_multi_plan_sequences(adjudicator, generated_adjudicator, drawn):
    _, claims = drawn
    assert decisions(generated_adjudicator, claims) == decisions(adjudicator, claims)


def test_the_mixed_synthetic_corpus(adjudicator, generated_adjudicator):
    claims = [claim for block in generate_mixed(3000, seed=21) for claim in block]
    assert decisions(generated_adjudicator, claims) == decisions(adjudicator, claims)


def test_the_generated_source_is_readable_python(adjudicator):
    plan = adjudicator.revisions["inpatient-medical"][0]
    text = source(plan)
    assert text.startswith("def claim_rules(f):") and "fired.append('eligibility:age-16-65')" in text
    compile(text, "<test>", "exec")
    assert expression(plan.rule("coverage:designated-hospital").condition) == "(type(f.get('designated')) is int and f['designated'] != 1)"
