"""`synth --year` and `--focus`: a corpus drawn from plans/ and rules/ as loaded reaches every
entry of every disease list in force (with findings stated to meet, to miss and left unstated),
every exclusion clause and circumstance code, under every plan revision in force for the years
asked; a change for next year is reached by a corpus of next year and by no corpus of this year."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import Adjudicator
from engine.cli import app
from engine.diff import PlanSource, run_diff
from engine.icd import normalise_code
from engine.synth_rules import parse_years

ROOT = Path(__file__).resolve().parent.parent
PLANS, RULES = ROOT / "plans", ROOT / "rules"
runner = CliRunner()


def synth(tmp_path: Path, *args: str, rules: Path = RULES) -> list[dict]:
    out = tmp_path / f"corpus-{abs(hash(args))}.jsonl"
    result = runner.invoke(app, ["synth", "--out", str(out), "--claims", "1", "--seed", "4", "--rules", str(rules), *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def adjudicator() -> Adjudicator:
    return Adjudicator.load(PLANS, RULES, evaluator="python")


@pytest.fixture(scope="module")
def corpus_2025(tmp_path_factory) -> list[dict]:
    return synth(tmp_path_factory.mktemp("synth"), "--year", "2025")


def test_every_entry_of_every_list_is_reached_met_missed_and_left_undecided(corpus_2025, adjudicator):
    library = adjudicator.library.as_of(dt.date(2025, 1, 1))
    variants: dict[str, set[str]] = defaultdict(set)
    for claim in corpus_2025:
        if claim["event"]["kind"] != "diagnosis":
            continue
        assert claim["enrolments"][0]["start"].startswith("2025-")
        codes = [normalise_code(d["code"]) for d in claim["event"]["diagnoses"]]
        stated = any(d.get("findings") for d in claim["event"]["diagnoses"])
        variant = claim["claim_id"].rsplit("-", 1)[-1]
        for disease_list in library.disease_lists.values():
            for entry in disease_list.entries:
                if any(entry.codes.matches(code) for code in codes):
                    variants[entry.key].add(variant)
                    if variant == "undecided":
                        assert not stated
    entries = {entry.key: entry for disease_list in library.disease_lists.values() for entry in disease_list.entries}
    assert len(entries) == 85  # 25 mild + 35 severe + 12 women's + 13 high-altitude
    assert {key for key in entries if variants[key] != {"meet", "miss", "undecided"}} == set()


def test_the_corpus_is_valid_and_pays_almost_every_entry(corpus_2025, adjudicator):
    """Every claim passes validation (fees as each revision charges, findings of their kind),
    and at least 80% of the entries are paid by some claim meant to meet them (the others are
    pre-empted by design, e.g. a mild definition whose diagnoses meet a severe one)."""
    paid: set[str] = set()
    failures = []
    for result in adjudicator.adjudicate_many(corpus_2025):
        if not hasattr(result, "decision"):
            failures.append(result)
            continue
        paid |= {f"{line.disease.disease_list}/{line.disease.disease}" for e in result.decision.enrolments
                 for line in e.lines if line.disease}
    assert failures == []
    entries = [e.key for dl in adjudicator.library.as_of(dt.date(2025, 1, 1)).disease_lists.values() for e in dl.entries]
    assert len(paid & set(entries)) >= 0.8 * len(entries)


def test_every_clause_code_and_revision_in_force_is_exercised(tmp_path, adjudicator):
    corpus = synth(tmp_path, "--year", "2024-2025", "--claims", "1500")
    circumstances = {code for claim in corpus for code in claim["event"].get("circumstances", [])}
    assert circumstances == set(adjudicator.library.circumstances)
    revisions = {(e["plan"], e["start"][:4]) for claim in corpus for e in claim["enrolments"]}
    assert {("inpatient-medical", "2024"), ("inpatient-medical", "2025")} <= revisions  # 2024 and 2025 revisions
    summary = run_diff([json.dumps(c, ensure_ascii=False) for c in corpus], PlanSource("a", PLANS, RULES),
                       PlanSource("b", PLANS, RULES), workers=1)
    assert summary.failed_base == 0 and summary.changed == 0
    decided = adjudicator.adjudicate_many(corpus)
    clauses = {r.code for result in decided if hasattr(result, "decision") for e in result.decision.enrolments for r in e.refusals}
    assert {f"excluded:{clause}" for clause in adjudicator.library.exclusions} - clauses <= {"excluded:disease-caused"}


def test_focus_weights_the_corpus_toward_a_revision(tmp_path):
    corpus = synth(tmp_path, "--focus", "inpatient-medical/2025", "--claims", "300")
    assert len(corpus) >= 300
    assert all(any(e["plan"] == "inpatient-medical" and e["start"].startswith("2025") for e in claim["enrolments"])
               for claim in corpus)
    bad = runner.invoke(app, ["synth", "--out", str(tmp_path / "x.jsonl"), "--focus", "inpatient-medical/2030"])
    assert bad.exit_code == 1 and "has no revision '2030'" in bad.output


def test_years_are_parsed_as_years_and_ranges():
    assert parse_years(["2025"]) == [2025]
    assert parse_years(["2024-2026", "2025"]) == [2024, 2025, 2026]
    with pytest.raises(ValueError, match="expected a year"):
        parse_years(["next"])


def test_a_change_for_2025_is_reached_by_a_2025_corpus_only(tmp_path):
    """The dated 2025 change of test_dated_libraries (a mild disease, a clause, a code): a 2024
    corpus leaves all three unexercised and changes nothing; a 2025 corpus reaches them."""
    from tests.test_dated_libraries import rules_with_2025_change

    head_rules = rules_with_2025_change(tmp_path)
    for year, expected in (("2024", {"entry:critical-illness-mild/thyroid-borderline-mild", "clause:pneumonia-2025",
                                     "circumstance:e_scooter"}), ("2025", set())):
        corpus = synth(tmp_path, "--year", year, rules=head_rules)
        summary = run_diff([json.dumps(c, ensure_ascii=False) for c in corpus], PlanSource("base", PLANS, RULES),
                           PlanSource("head", PLANS, head_rules), workers=1)
        assert {item.id for item in summary.unexercised} == expected, year
        assert summary.failed_base == summary.failed_head == 0
        if year == "2024":
            assert summary.changed == 0
        else:
            assert summary.changed > 0 and any(c.kind == "clause" and "pneumonia-2025" in c.key for c in summary.causes.values())
