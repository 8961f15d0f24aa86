"""`check` speaks the editor's language: each typing slip is named on its own line and column,
an unknown name gets the closest known one, an amount with a thousands separator and a number
that should be text are explained, and titles in traditional characters or with stray spaces
are warned about. Each case is fixtures/broken/baseline.yaml with one slip, checked as a user
runs `adjudicator check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "fixtures" / "broken" / "baseline.yaml").read_text(encoding="utf-8")
runner = CliRunner()


def check(tmp_path: Path, old: str, new: str, rules: Path = ROOT / "rules") -> tuple[int, str, Path]:
    assert old in BASELINE
    plans = tmp_path / "plans"
    plans.mkdir()
    plan = plans / "example.yaml"
    plan.write_text(BASELINE.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(app, ["check", "--plans", str(plans), "--rules", str(rules)])
    return result.exit_code, result.output, plan


# (what is replaced, by what, the line:column the error must name, words of its message)
ERRORS = [
    pytest.param("title: 示例住院医疗互助保障", "title： 示例住院医疗互助保障", "5:6",
                 ["full-width colon '：' after 'title'", "`title: `"], id="full-width-colon-reported-on-its-own-line"),
    pytest.param('revision: "2024"', 'revision："2024"', "6:9", ["full-width colon '：' after 'revision'"],
                 id="full-width-colon-without-space"),
    pytest.param("fee: {per_unit: 60.00}", "fee: {per_unit： 60.00}", "8:15", ["full-width colon '：' after 'per_unit'"],
                 id="full-width-colon-in-a-flow-mapping"),
    pytest.param("require: {employment: {not: retired}}", "require: {employment: {in: [standard，new_form]}}", "18:41",
                 ["full-width comma '，'", "ASCII comma ','"], id="full-width-comma"),
    pytest.param("units: {min: 1, max: 3}", "units:\n\u3000min: 1", "10:1", ["full-width space '　'"],
                 id="full-width-space-indenting"),
    pytest.param("plan: broken-example", "plan:\u3000broken-example", "4:6", ["full-width space '　'"],
                 id="full-width-space-after-a-colon"),
    pytest.param("  groups: [medical]", "\tgroups: [medical]", "32:1", ["tab character", "spaces only"], id="tab"),
    pytest.param("cap_per_term: {per_unit: 15000.00}", "cap_per_term: {per_unit: 15,000.00}", "45:5",
                 ["15,000.00 is written with a thousands separator", "15000.00"], id="thousands-separator-in-a-flow-mapping"),
    pytest.param("deductible_per_term: 500.00", "deductible_per_term: 1,500.00", "41:9",
                 ["1,500.00 is written with a thousands separator", "1500.00"], id="thousands-separator-in-a-block"),
    pytest.param('revision: "2024"', "revision: 2024", "6:1", ["YAML reads 2024 as a number", 'quote it, "2024"'],
                 id="revision-read-as-a-number"),
    pytest.param("require: {employment: {not: retired}}", "require: {office: {in: [851]}}", "18:29",
                 ["YAML reads 851 as a number", 'quote it, "851"'], id="office-code-read-as-a-number"),
    pytest.param("benefits:", "benfits:", "34:1", ["unknown key 'benfits' (did you mean 'benefits'?)"], id="unknown-key"),
    pytest.param("  groups: [medical]", "  groups: [medical]\n  clauses: [hvi]", "33:13",
                 ["unknown exclusion clause 'hvi' (did you mean 'hiv'?)"], id="unknown-exclusion-clause"),
    pytest.param("  groups: [medical]", "  groups: [medicl]", "32:12", ["unknown exclusion group 'medicl' (did you mean 'medical'?)"],
                 id="unknown-exclusion-group"),
    pytest.param("require: {employment: {not: retired}}", "require: {employmnt: {not: retired}}", "18:15",
                 ["unknown field 'employmnt' (did you mean 'employment'?)"], id="unknown-condition-field"),
    pytest.param("require: {employment: {not: retired}}", "require: {employment: {not: retird}}", "18:28",
                 ["got 'retird' (did you mean 'retired'?)"], id="unknown-value"),
    pytest.param("applies_when: {cause: disease}", "applies_when: {circumstance: sucide}", "29:20",
                 ["unknown circumstance 'sucide' (did you mean 'suicide'?)"], id="unknown-circumstance"),
    pytest.param("require: {age: {between: [16, 65]}}", "require: {age: {at_lest: 16}}", "15:21",
                 ["unknown operator 'at_lest' (did you mean 'at_least'?)"], id="unknown-operator"),
]


@pytest.mark.parametrize("old, new, where, words", ERRORS)
def test_each_slip_is_a_located_error_in_the_editors_terms(tmp_path, old, new, where, words):
    code, output, plan = check(tmp_path, old, new)
    assert code == 1
    lines = [line for line in output.splitlines() if line.startswith(f"error: {plan}:{where}: ")]
    assert lines, f"no error at {where}:\n{output}"
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


def test_a_slip_replaces_the_parsers_late_report(tmp_path):
    """PyYAML reports a full-width colon on the next line, as "could not find expected ':'"."""
    _, output, plan = check(tmp_path, "title: 示例住院医疗互助保障", "title： 示例住院医疗互助保障")
    assert "could not find expected" not in output and f"{plan}:6:" not in output


def test_a_full_width_colon_inside_a_title_is_text(tmp_path):
    code, output, _ = check(tmp_path, "title: 疾病住院观察期90天", 'title: 注意：疾病住院观察期，90天')
    assert code == 0, output


def test_a_disease_list_id_gets_the_closest_known_one(tmp_path):
    plan = (ROOT / "plans" / "critical-illness" / "2024.yaml").read_text(encoding="utf-8")
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "ci.yaml").write_text(plan.replace("{list: critical-illness-mild}", "{list: critical-illnes-mild}"), encoding="utf-8")
    result = runner.invoke(app, ["check", "--plans", str(plans), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1
    assert "unknown disease list 'critical-illnes-mild' (did you mean 'critical-illness-mild'?)" in result.output


@pytest.mark.parametrize("old, new, where, words", [
    pytest.param("title: 示例住院医疗互助保障", "title: 示例住院醫療互助保障", "5:1",
                 ["traditional characters (療 → 疗, 醫 → 医)", "'示例住院医疗互助保障'"], id="traditional-plan-title"),
    pytest.param("title: 在职职工（退休人员不可参加）", "title: 在職職工（退休人员不可参加）", "17:5", ["職 → 职"],
                 id="traditional-clause-title"),
    pytest.param("title: 住院医疗费用补助", "title: 住院医疗 费用补助", "36:5",
                 ["a space between Chinese characters", "did you mean '住院医疗费用补助'?"], id="space-between-characters"),
    pytest.param("title: 住院医疗费用补助", 'title: "住院医疗费用补助 "', "36:5", ["a space at the start or end"], id="trailing-space"),
])
def test_titles_in_traditional_characters_or_with_stray_spaces_are_warnings(tmp_path, old, new, where, words):
    code, output, plan = check(tmp_path, old, new)
    assert code == 0, output
    lines = [line for line in output.splitlines() if line.startswith(f"warning: {plan}:{where}: ")]
    assert lines, f"no warning at {where}:\n{output}"
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


def test_rule_libraries_are_checked_too(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "exclusions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: 自杀（无民事行为能力人除外）", "title: 自殺（无民事行为能力人除外）"),
                    encoding="utf-8")
    code, output, _ = check(tmp_path, "plan: broken-example", "plan: broken-example", rules=rules)
    assert code == 0 and f"warning: {path}:" in output and "殺 → 杀" in output
