"""Broken plans are reported with file, line and field path, never half-loaded.

Each file in fixtures/broken/ is fixtures/broken/baseline.yaml with one defect, on the line that
ends in `# <- error`. The parametrised test copies one file into an empty plans directory, loads
it with `read_plans` against the real `rules/`, and checks the one issue about that defect: its
file, its line (the marked one), its field path, and a keyword of its message.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.loader import read_library, read_plans
from engine.model.plan import PerDay, Plan
from engine.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "fixtures" / "broken"
MARKER = "# <- error"


@dataclass(frozen=True)
class Case:
    fixture: str
    path: str  # field path of the defect, as format_path renders it
    keyword: str  # the issue is the one whose message contains this (case-insensitive)
    also: tuple[str, ...] = ()  # further words the message must contain


def case(fixture, path, keyword, also=()):
    return pytest.param(Case(fixture, path, keyword, tuple(also)), id=fixture)


CASES = [
    case("unknown-key", "benfits", "unknown key", also=tuple(Plan.model_fields)),
    case("unknown-key-nested", "benefits[0].schedules[0].bands[0].rat", "unknown key", also=("up_to", "rate")),
    case("wrong-type", "waiting_periods[0].days", "integer"),
    case("duplicate-key", "title", "duplicate key"),
    case("yes-is-not-true", "coverage[0].require.designated", "true or false"),
    case("unknown-exclusion-group", "exclusions.groups[0]", "unknown exclusion group"),
    case("unknown-exclusion-clause", "exclusions.clauses[1]", "unknown exclusion clause"),
    case("unknown-condition-field", "eligibility[1].require.employmnt", "unknown field"),
    case("unknown-circumstance", "waiting_periods[0].applies_when.circumstance.any_of[1]", "unknown circumstance"),
    case("bad-date", "effective_from", "date"),
    case("bad-date-quoted", "effective_from", "date"),
    case("effective-to-before-from", "effective_to", "effective_to"),
    case("money-three-decimals", "benefits[0].schedules[0].deductible_per_term", "2 decimals"),
    case("fee-three-decimals", "fee.per_unit", "2 decimals"),
    case("rate-above-one", "benefits[0].schedules[0].bands[0].rate", "rate"),
    case("bands-not-increasing", "benefits[0].schedules[0].bands[1].up_to", "must increase"),
    case("icd10-range-backwards", "coverage[0].require.diagnosis.icd10[0]", "backwards"),
    case("icd10-range-malformed", "coverage[0].require.diagnosis.icd10[0]", "C00-C9"),
    case("unsafe-tag-scalar", "title", "python/name"),
    case("unsafe-tag-mapping", "units", "python/object"),
    case("unsafe-tag-sequence", "events", "python/object/apply"),
    case("merge-key", "eligibility[2]", "merge"),
]


@pytest.fixture(scope="module")
def library():
    library, issues = read_library(ROOT / "rules")
    assert issues == []
    return library


def load_alone(source: Path, tmp_path: Path, library):
    plans_dir = tmp_path / "plans"
    plans_dir.mkdir()
    target = plans_dir / source.name
    shutil.copy(source, target)
    plans, issues = read_plans(plans_dir, library)
    return target, plans, issues


def marked_line(path: Path) -> int:
    lines = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.rstrip().endswith(MARKER)]
    assert len(lines) == 1, f"{path.name} must mark exactly one line with {MARKER!r}"
    return lines[0]


def test_every_broken_fixture_has_a_case():
    named = {param.values[0].fixture for param in CASES}
    on_disk = {path.stem for path in BROKEN.glob("*.yaml")} - {"baseline"}
    assert on_disk == named


def test_baseline_loads_cleanly(tmp_path, library):
    _, plans, issues = load_alone(BROKEN / "baseline.yaml", tmp_path, library)
    assert issues == []
    assert [p.plan.plan for p in plans] == ["broken-example"]


@pytest.mark.parametrize("c", CASES)
def test_broken_plan_is_reported_where_it_is(c: Case, tmp_path, library):
    source = BROKEN / f"{c.fixture}.yaml"
    line = marked_line(source)
    target, plans, issues = load_alone(source, tmp_path, library)
    found = [issue for issue in issues if c.keyword.lower() in issue.message.lower()]
    assert not plans and len(found) == 1, (
        f"expected one issue containing {c.keyword!r} and no plan loaded; "
        f"got {[str(i) for i in issues]} and {len(plans)} plan(s)"
    )
    issue = found[0]
    assert issue.file == str(target)
    for word in c.also:
        assert word in issue.message, f"{word!r} missing from {issue.message!r}"
    assert (issue.line, issue.path) == (line, c.path)


# -- YAML 1.1 traps, read directly ---------------------------------------------------------------


def test_no_and_yes_stay_strings():
    document, issues = parse_yaml("office: {in: [NO, yes, No, off, On, y, n]}\ndesignated: true\nx: false\n", "t.yaml")
    assert issues == []
    assert document.data == {"office": {"in": ["NO", "yes", "No", "off", "On", "y", "n"]}, "designated": True, "x": False}
    assert document.positions[("office", "in", 0)].line == 1


def test_no_stays_a_string_in_a_compiled_condition(tmp_path, library):
    """`NO` reaches the condition parser as the text 'NO' (not false), which then refuses it
    as an office code no claim can carry; lower-case `no` compiles as the string it is (here an
    office of the library, as rules/offices.yaml could list one)."""
    from dataclasses import replace

    library = replace(library, offices={**library.offices, "no": "挪威办事处"})
    text = (BROKEN / "baseline.yaml").read_text(encoding="utf-8")
    plans_dir = tmp_path / "plans"
    plans_dir.mkdir()
    (plans_dir / "p.yaml").write_text(text.replace("require: {designated: true}", "require: {designated: true, office: {in: [NO]}}"), encoding="utf-8")
    plans, issues = read_plans(plans_dir, library)
    assert [issue.path for issue in issues] == ["coverage[0].require.office.in[0]"]
    assert "'NO'" in issues[0].message
    (plans_dir / "p.yaml").write_text(text.replace("require: {designated: true}", "require: {designated: true, office: {in: [no]}}"), encoding="utf-8")
    plans, issues = read_plans(plans_dir, library)
    assert issues == []
    (rule,) = [r for r in plans[0].rules if r.name == "coverage:designated-hospital"]
    values = [node.value for node in _leaves(rule.condition) if node.field == "office"]
    assert values == ["no"]


def _leaves(condition):
    from engine.conditions import Compare, walk

    return [node for node in walk(condition) if isinstance(node, Compare)]


@pytest.mark.parametrize("text", ["days: 010", "days: 1:30"])
def test_yaml11_integer_forms_are_not_silently_reinterpreted(text):
    document, issues = parse_yaml(text, "t.yaml")
    assert issues == [] and document.data["days"] == text.split(": ")[1]  # kept as written, as text


def test_unknown_key_in_a_per_day_benefit_lists_only_per_day_keys(tmp_path, library):
    text = (ROOT / "plans" / "hospital-allowance" / "2024.yaml").read_text(encoding="utf-8")
    plans_dir = tmp_path / "plans"
    plans_dir.mkdir()
    (plans_dir / "p.yaml").write_text(text.replace("deductible_days: 3", "deductible_dayz: 3"), encoding="utf-8")
    _, issues = read_plans(plans_dir, library)
    (issue,) = [i for i in issues if "unknown key" in i.message]
    listed = issue.message.split("expected one of:")[1]
    assert "deductible_days" in listed
    assert not [key for key in ("base", "schedules") if key in listed and key not in PerDay.model_fields]


def test_one_wrong_fee_is_one_issue(tmp_path, library):
    _, _, issues = load_alone(BROKEN / "fee-three-decimals.yaml", tmp_path, library)
    assert len(issues) == 1, [str(i) for i in issues]
