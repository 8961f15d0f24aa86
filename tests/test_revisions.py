"""Dated plan revisions: the one in force on an enrolment's start applies; `check` reports
overlaps and gaps between them; the 2025 inpatient-medical revision pays its own bands and cap."""

from __future__ import annotations

from pathlib import Path

from engine.loader import read_library, read_plans
from engine.static_checks import static_issues

ROOT = Path(__file__).resolve().parent.parent


def test_check_reports_overlapping_and_gapped_revisions(tmp_path):
    library = read_library(ROOT / "rules")[0]
    plans_dir = tmp_path / "plans" / "inpatient-medical"
    plans_dir.mkdir(parents=True)
    base = (ROOT / "plans" / "inpatient-medical" / "2024.yaml").read_text(encoding="utf-8")
    (plans_dir / "2024.yaml").write_text(base.replace("effective_to: 2024-12-31", "effective_to: 2025-01-31"), encoding="utf-8")
    later = base.replace('revision: "2024"', 'revision: "2025"').replace("effective_from: 2024-01-01", "effective_from: 2025-01-01")
    (plans_dir / "2025.yaml").write_text(later.replace("effective_to: 2024-12-31", "effective_to: 2025-06-30"), encoding="utf-8")
    (plans_dir / "2026.yaml").write_text(
        later.replace('revision: "2025"', 'revision: "2026"').replace("effective_from: 2025-01-01", "effective_from: 2026-01-01")
        .replace("effective_to: 2024-12-31", "effective_to: 2026-12-31"), encoding="utf-8")
    plans, issues = read_plans(tmp_path / "plans", library)
    assert issues == []
    errors, warnings = static_issues(ROOT / "rules", tmp_path / "plans", plans, library)
    (overlap,) = [e for e in errors if "still in force" in e.message]
    assert overlap.file.endswith("2025.yaml") and overlap.path == "effective_from" and "effective_to: 2024-12-31" in overlap.message
    (gap,) = [w for w in warnings if "no revision" in w.message]
    assert gap.file.endswith("2026.yaml") and "from 2025-07-01 to 2025-12-31" in gap.message
