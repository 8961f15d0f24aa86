"""docs/guide.md works as written: every ```bash block of the guide runs, in order, in a fresh
git repository holding the project's plans, rules, schemas and fixtures, and succeeds; then the
files the guide's steps make hold what the guide says (hand-computed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide.md"
BLOCK = re.compile(r"(<!-- not run[^>]*-->\n)?```bash\n(.*?)```", re.S)


def blocks() -> list[str]:
    return [body for marker, body in BLOCK.findall(GUIDE.read_text(encoding="utf-8")) if not marker]


def test_every_command_of_the_guide_runs_as_written(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for folder in ("plans", "rules", "schemas", "fixtures", "docs"):
        shutil.copytree(ROOT / folder, repo / folder)
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "base"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    steps = blocks()
    assert len(steps) >= 10
    for step in steps:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", step], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"the guide's step failed:\n{step}\n--- output:\n{done.stdout}\n{done.stderr}"

    # §2: the new revision with its new cap, the old one ended the day before
    assert "cap_per_term: {per_unit: 25000.00}" in (repo / "plans/inpatient-medical/2026.yaml").read_text(encoding="utf-8")
    assert "effective_to: 2025-12-31" in (repo / "plans/inpatient-medical/2025.yaml").read_text(encoding="utf-8")
    # §4: the new mild disease pays 3,000 × 1 unit, and the case made from the claim expects it
    case = (repo / "fixtures/cases/pacemaker.yaml").read_text(encoding="utf-8")
    assert 'total: "3000.00"' in case and "critical-illness-mild/pacemaker-implant" in case
    # §5: the clause is referred to by the 2026 accident revision only
    assert "clauses: [extreme-sports]" in (repo / "plans/accident/2026.yaml").read_text(encoding="utf-8")
    assert "extreme-sports" not in (repo / "plans/accident/2024.yaml").read_text(encoding="utf-8")
    # §6: the reports
    assert (repo / "out/diff.html").is_file() and (repo / "out/diff.json").is_file()
    assert subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout == ""
