"""`check` and `test` on broken or hostile input: every problem a located error and exit 1,
never a traceback, and no plan that cannot work passes with exit 0.

Each plan case is fixtures/broken/baseline.yaml with one change, checked as a user runs
`adjudicator check`; the error must name the file and the line of the change."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "fixtures" / "broken" / "baseline.yaml").read_text(encoding="utf-8")
runner = CliRunner()


def check_plan(tmp_path: Path, text: str, name: str = "example.yaml"):
    plans = tmp_path / "plans"
    plans.mkdir(exist_ok=True)
    (plans / name).write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check", "--plans", str(plans), "--rules", str(ROOT / "rules")])
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result, plans / name


def errors_of(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


CHANGES = [
    pytest.param("require: {age: {between: [16, 65]}}", "require: {age: {between: [65, 16]}}", "can never hold",
                 id="between-backwards"),
    pytest.param("require: {designated: true}", "require: {all: [{office: xizang}, {office: beijing}]}", "can never hold",
                 id="two-offices-at-once"),
    pytest.param("applies_when: {cause: disease}", "applies_when: {all: [{cause: disease}, {cause: accident}]}",
                 "can never hold", id="waiting-period-never-applies"),
    pytest.param("      - when: {medical_insurance: urban_employee}",
                 "      - when: {medical_insurance: urban_employee, employment: {in: []}}", "", id="empty-in-list"),
    pytest.param("cap_per_term: {per_unit: 15000.00}", "cap_per_term: {per_unit: 123456789012345678901234567.00}", "",
                 id="money-of-27-digits"),
    pytest.param("cap_per_term: {per_unit: 15000.00}", "cap_per_term: {per_unit: 1.0e999999999}", "", id="money-exponent"),
    pytest.param("deductible_per_term: 500.00", "deductible_per_term: 1.0e-999999999", "", id="money-tiny-exponent"),
    pytest.param("- {up_to: 10000.00, rate: 0.50}", "- {up_to: 10000.00, rate: 0.5e-999999999}", "", id="rate-exponent"),
    pytest.param("require: {designated: true}", "require: " + "{not: " * 40 + "{designated: true}" + "}" * 40, "nested",
                 id="condition-nested-40-deep"),
]


@pytest.mark.parametrize("old, new, words", CHANGES)
def test_a_plan_that_cannot_work_is_a_located_error(tmp_path, old, new, words):
    assert old in BASELINE
    text = BASELINE.replace(old, new, 1)
    result, plan = check_plan(tmp_path, text)
    assert result.exit_code == 1, result.output
    located = [error for error in errors_of(result) if error.startswith(f"error: {plan}:{line_of(text, new.strip()[:30])}:")]
    assert located, result.output
    assert words in located[0], located[0]


def test_a_condition_nested_500_deep_is_refused_where_it_is(tmp_path):
    """Found: a RecursionError traceback in `check`."""
    deep = "require:\n" + "".join("  " * (depth + 3) + "not:\n" for depth in range(500)) + "  " * 503 + "designated: true\n"
    text = BASELINE.replace("    require: {designated: true}\n", "    " + deep.replace("\n", "\n  ", 500).rstrip() + "\n", 1)
    result, plan = check_plan(tmp_path, text)
    assert result.exit_code == 1
    (error,) = errors_of(result)
    assert error.startswith(f"error: {plan}:") and "nested deeper than" in error


def test_a_yields_to_cycle_is_an_error(tmp_path):
    """Found: only a warning, and then a severe AMI was denied as not covered."""
    plan = (ROOT / "plans" / "critical-illness" / "2024.yaml").read_text(encoding="utf-8")
    assert "yields_to: [severe]" in plan
    text = plan.replace("max_payments_per_life: 1", "max_payments_per_life: 1\n    yields_to: [mild]", 1)
    result, path = check_plan(tmp_path, text, "critical-illness.yaml")
    assert result.exit_code == 1, result.output
    cycle = [error for error in errors_of(result) if "cycle" in error]
    assert cycle and cycle[0].startswith(f"error: {path}:") and "severe → mild → severe" in cycle[0], result.output


def test_a_revision_saved_as_yml_is_an_error_naming_the_file(tmp_path):
    """Found: silently ignored, so the plan's old revision kept paying."""
    check_plan(tmp_path, BASELINE)
    result, path = check_plan(tmp_path, BASELINE.replace('revision: "2024"', 'revision: "2025"'), "2025.yml")
    assert result.exit_code == 1
    assert errors_of(result) == [f"error: {path}: plan files end in .yaml; rename it to 2025.yaml (a .yml file is not read)"]


# -- adjudicator test on case files that are not case files --------------------------------------


CASE_FILES = [
    pytest.param("cases: [\n  - name: x\n    claims: [\n", "invalid YAML", id="invalid-yaml"),
    pytest.param("- one\n- two\n", "a case file is a mapping", id="a-list"),
    pytest.param("cases:\n  - name: x\n    claims:\n      - not a mapping\n", "each claim is a mapping", id="claim-not-a-mapping"),
    pytest.param("cases:\n  - name: x\n    claims: [{claim_id: c1, expect: [1]}]\n", "expect", id="expect-not-a-mapping"),
    pytest.param("cases:\n  - just a name\n", "each case needs a name", id="case-not-a-mapping"),
    pytest.param(b"cases: \xff\n", "not UTF-8", id="not-utf8"),
    pytest.param("cases:\n  - name: x\n    claims: [{claim_id: c1, expect: {total: ''}}]\n", "an expected amount",
                 id="expected-amount-not-an-amount"),  # found by tests/fuzz.py: InvalidOperation traceback
    pytest.param("cases:\n  - name: x\n    claims: [{claim_id: c1, expect: {enrolments: [e1]}}]\n", "enrolments",
                 id="expected-enrolments-a-list"),
]


@pytest.mark.parametrize("content, words", CASE_FILES)
def test_test_on_a_broken_case_file_is_a_located_error(tmp_path, content, words):
    """Found: tracebacks for invalid YAML, a list, a claim that is not a mapping."""
    path = tmp_path / "cases.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(app, ["test", str(path), "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.output
    errors = errors_of(result)
    assert errors and errors[0].startswith(f"error: {path}:") and words in errors[0], result.output


def test_test_on_a_missing_case_file_is_one_error(tmp_path):
    result = runner.invoke(app, ["test", str(tmp_path / "nope.yaml"), "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    (error,) = errors_of(result)
    assert error.startswith(f"error: {tmp_path / 'nope.yaml'}") and "cannot read" in error
