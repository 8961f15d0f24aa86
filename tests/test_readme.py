"""The README's Python example runs as written and prints what its comments say."""

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_example_runs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    output = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(example, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    lines = output.getvalue().splitlines()
    assert lines[0] == "2400.00"
    assert '"total":"2400.00"' in lines[1]
    assert lines[2] == "paid"


def test_readme_plan_example_is_a_valid_plan(tmp_path):
    from engine.loader import read_library, read_plans

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## The plan language\n\n```yaml\n(.*?)```", text, re.S).group(1)
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "example.yaml").write_text(example, encoding="utf-8")
    library, issues = read_library(ROOT / "rules")
    plans, plan_issues = read_plans(tmp_path / "plans", library)
    assert issues == [] and plan_issues == []
    assert [rule.name for rule in plans[0].rules][:2] == ["eligibility:age-16-65", "coverage:designated-hospital"]


def test_readme_lump_sum_and_disease_list_examples_load(tmp_path):
    import shutil

    from engine.loader import read_library, read_plans

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Lump sums on disease lists"):]
    plan_part, list_part = re.findall(r"```yaml\n(.*?)```", section, re.S)[:2]
    # the disease list, alone in a copy of rules/ without the bundled lists
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("diseases"))
    (rules / "diseases").mkdir()
    (rules / "diseases" / "example.yaml").write_text(list_part, encoding="utf-8")
    library, issues = read_library(rules)
    assert issues == [] and [e.id for e in library.disease_lists["critical-illness-severe"].entries] == ["ami-severe"]
    # the benefits, in a plan against the bundled lists
    header = "plan: example\ntitle: 示例\nrevision: '1'\neffective_from: 2024-01-01\nfee: {per_unit: 80.00}\n" \
             "units: {min: 1, max: 5}\nevents: [diagnosis]\n"
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "example.yaml").write_text(header + plan_part, encoding="utf-8")
    plans, plan_issues = read_plans(tmp_path / "plans", read_library(ROOT / "rules")[0])
    assert plan_issues == [] and plans[0].classifies_diagnoses


def test_readme_accident_plan_example_loads(tmp_path):
    from engine.loader import read_library, read_plans

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Accident plans"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    header = "plan: example\ntitle: 示例\nrevision: '1'\neffective_from: 2024-01-01\n"
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "example.yaml").write_text(header + example, encoding="utf-8")
    plans, issues = read_plans(tmp_path / "plans", read_library(ROOT / "rules")[0])
    assert issues == [] and plans[0].plan.proportional_payment is not None
