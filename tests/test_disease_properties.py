"""Properties of the lump-sum plans (catalogue §2.3, §2.4) over random diagnosis sequences, and
of the three-valued criteria (`engine.evidence`) and their flat form for durable_rules
(`engine.rules.normal_form`) over random facts.

Examples per property: PROPERTY_EXAMPLES (default 120)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, note, settings
from hypothesis import strategies as st

from engine.conditions import All
from engine.evidence import evaluate, undecided
from engine.rules.normal_form import flat_alternatives
from engine.rules.python_eval import holds
from helpers import EXAMPLES, SETTINGS, adjudicate_valid
from disease_strategies import LIBRARY, PER_UNIT, diagnosis_claim_sequences, findings

ENTRIES = [entry for lst in LIBRARY.disease_lists.values() for entry in lst.entries]


def lines_of(decision, enrolment_id):
    return [line for e in decision.enrolments if e.enrolment_id == enrolment_id for line in e.lines]


@SETTINGS
@given(diagnosis_claim_sequences())
def test_lump_sum_limits_hold_for_every_sequence(adjudicator, drawn):
    context, claims = drawn
    decisions = adjudicate_valid(adjudicator, claims)
    severe_paid = women_paid = False
    mild_diseases: list[str] = []
    plateau_diseases: list[str] = []
    for decision in decisions:
        note(decision.to_json())
        ci_lines = [line for line in lines_of(decision, "ci") if not line.refund]
        fs_lines = lines_of(decision, "fs")
        # nothing in a claim after the one that paid severe (2024.1: that claim's other benefits
        # are still paid), nor after the women's plan has paid
        assert not (severe_paid and ci_lines), "paid in a claim after a severe payment"
        assert sum(line.benefit == "severe" for line in ci_lines) <= 1, "severe paid twice in one claim"
        assert not (women_paid and fs_lines), "women's plan paid twice"
        # a diagnosis never pays both severe and mild
        by_diagnosis = Counter((line.disease.diagnosis, line.benefit) for line in ci_lines if line.benefit in ("severe", "mild"))
        diagnoses_paid = Counter(diagnosis for diagnosis, _ in by_diagnosis)
        assert all(count == 1 for count in diagnoses_paid.values()), "one diagnosis paid as severe and mild"
        for line in ci_lines:
            if line.benefit == "mild":
                mild_diseases.append(line.disease.disease)
            if line.benefit == "plateau":
                plateau_diseases.append(line.disease.disease)
                assert context["member"]["office"] == "xizang", "plateau paid to a member outside xizang"
        severe_paid = severe_paid or any(line.benefit == "severe" for line in ci_lines)
        women_paid = women_paid or bool(fs_lines)
        assert len(fs_lines) <= 1
        # every amount is the per-unit amount × the enrolment's units
        for enrolment_id, lines in (("ci", ci_lines), ("fs", fs_lines)):
            for line in lines:
                assert line.amount == PER_UNIT[line.benefit] * context["units"][enrolment_id]
        for enrolment in decision.enrolments:
            # pending is scoped (§0): a pending enrolment names what it waits for, and records
            # exactly the payments it makes beside it (those certain whatever the finding says)
            payments = sum(int(change.after) - int(change.before) for change in decision.accumulator_changes
                           if change.key.plan == enrolment.plan and change.key.measure == "payments")
            assert payments == sum(1 for line in enrolment.lines if not line.refund and line.amount)
            if enrolment.status == "pending":
                assert enrolment.missing
    assert len(mild_diseases) <= 2 and len(set(mild_diseases)) == len(mild_diseases)
    assert len(set(plateau_diseases)) == len(plateau_diseases)


@SETTINGS
@given(diagnosis_claim_sequences())
def test_durable_and_python_evaluators_agree_on_diagnoses(adjudicator, python_adjudicator, drawn):
    _, claims = drawn
    assert [d.to_json() for d in adjudicate_valid(adjudicator, claims)] == [d.to_json() for d in adjudicate_valid(python_adjudicator, claims)]


def _fact(entry_index: int, drawn_findings: dict, flags: list[bool]) -> dict:
    """A diagnosis fact: the entry's own code flag, random findings, and random other flags."""
    entry = ENTRIES[entry_index]
    fact = {entry.codes.flag: 1} if flags[0] else {}
    others = sorted(LIBRARY.procedure_sets) + sorted(LIBRARY.code_sets)
    for flag, present in zip(others, flags[1:]):
        if present:
            fact[flag] = 1
    for key, value in drawn_findings.items():
        finding = LIBRARY.findings[key]
        fact[finding.fact_key] = finding.encode(value)
    return fact


facts = st.builds(_fact, st.integers(0, len(ENTRIES) - 1), findings(), st.lists(st.booleans(), min_size=60, max_size=60))


@settings(SETTINGS, max_examples=4 * EXAMPLES)
@given(st.integers(0, len(ENTRIES) - 1), facts)
def test_three_valued_criteria_agree_with_the_rules(index, fact):
    """evaluate() is True exactly when the met rule holds, None exactly when the pending rule
    holds, and the flat alternatives sent to durable_rules hold exactly when the condition does."""
    entry = ENTRIES[index]
    value, missing = evaluate(entry.met, fact)
    assert (value is True) == holds(entry.met, fact)
    assert (value is None) == holds(undecided(entry.met), fact)
    assert (value is None) == bool(missing)
    for condition in (entry.met, entry.undecided):
        flat = any(holds(All(parts), fact) for parts in flat_alternatives(condition))
        assert flat == holds(condition, fact)
