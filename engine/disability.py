"""Several injuries of one accident -> one disability grade, per the standard in
`rules/disability-grades.yaml` (catalogue §1.2).

The same injury item listed twice counts once (at its most severe grade). The most severe grade
is taken; when two or more distinct items share it and the standard says so, it is raised one
grade, never above grade 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from engine.model.library import DisabilityGrades
from engine.terms import add_days


@dataclass(frozen=True, slots=True)
class Assessment:
    grade: int
    ratio: Decimal
    explanation: str


def combined_grade(standard: DisabilityGrades, injuries) -> Assessment:
    by_item: dict[str, int] = {}
    for injury in injuries:
        by_item[injury.item] = min(injury.grade, by_item.get(injury.item, injury.grade))
    worst = min(by_item.values())
    sharing = sorted(item for item, grade in by_item.items() if grade == worst)
    grade = worst
    text = f"most severe grade {worst} ({', '.join(sharing)})"
    if standard.raise_when_shared and len(sharing) >= 2:
        grade = max(worst - 1, 1)
        text += f"; {len(sharing)} injuries share it: raised to grade {grade}" + (" (grade 1 is the highest)" if worst == 1 else "")
    if len(by_item) < len(injuries):
        text += "; an item listed more than once counts once"
    ratio = standard.grades[grade - 1].ratio
    return Assessment(grade, ratio, f"{text}; grade {grade} pays {ratio}")


def assessment_date(standard: DisabilityGrades, accident_date: dt.date, treatment_end: dt.date | None) -> tuple[dt.date, str]:
    """When the disability is assessed: at the end of treatment, or on the assessment day."""
    deadline = add_days(accident_date, standard.assessment_day)
    if treatment_end is not None and treatment_end <= deadline:
        return treatment_end, f"treatment ended {treatment_end}"
    return deadline, f"day {standard.assessment_day} after the accident ({deadline})"
