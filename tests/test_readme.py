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
