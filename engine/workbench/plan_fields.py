"""A plan revision as a flat list of fields (one per value a product team sets), for the
side-by-side comparison of two revisions and for the paths a what-if may override.

List items with an `id` (benefits, clauses) are addressed by it, others by position, as the
what-if overrides of test cases address them (`benefits.inpatient-reimbursement.cap_per_term`),
so a benefit inserted in the middle of a list compares with its namesake, not its neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from engine.rules.compiler import CompiledPlan
from engine.workbench.plan_view import AMOUNT_KEYS, CONDITION_KEYS, KEY_LABELS, PlanRenderer
from engine.workbench.sources import SourceLink

# Values shown whole rather than field by field.
WHOLE = AMOUNT_KEYS | CONDITION_KEYS | {"units", "base", "diseases", "events", "bands", "proportional_payment"}


@dataclass(frozen=True)
class PlanField:
    key: tuple  # matching key: ids for list items with one
    yaml_path: tuple  # path in the file: positions for list items
    label: str
    value: Any

    @property
    def override_path(self) -> str:
        return ".".join(str(part) for part in self.key)


def plan_fields(compiled: CompiledPlan, describe: Callable[[dict], str | None] | None = None) -> list[PlanField]:
    """`describe` names a list item that has neither id nor title (a schedule: by its `when`)."""
    data = compiled.plan.model_dump(mode="python", exclude_unset=True)
    return list(_walk(data, (), (), (), describe))


def _walk(value: Any, key: tuple, path: tuple, labels: tuple, describe=None) -> Iterator[PlanField]:
    last = str(key[-1]) if key else ""
    if isinstance(value, dict) and value and last not in WHOLE:
        for name, item in value.items():
            if name == "title" and len(value) > 1 and "id" in value:
                continue  # the item's title names it; it is shown in its label
            yield from _walk(item, key + (name,), path + (name,), labels + (KEY_LABELS.get(name, name),), describe)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value) and last not in WHOLE:
        for index, item in enumerate(value):
            name = item.get("id", index)
            title = item.get("title") or (name if isinstance(name, str) else f"第 {index + 1} 项")
            described = describe(item) if describe and not item.get("title") and not isinstance(name, str) else None
            title = f"{title}（{described}）" if described else title
            yield from _walk(item, key + (name,), path + (index,), labels + (str(title),), describe)
    else:
        yield PlanField(key, path, " › ".join(labels), value)


@dataclass
class ComparedField:
    label: str
    status: str  # same, changed, added, removed
    a_text: str
    b_text: str
    a_link: SourceLink | None
    b_link: SourceLink | None


def compare(renderer: PlanRenderer, a: CompiledPlan, b: CompiledPlan) -> list[ComparedField]:
    """Every field of both revisions, in the order of `a` with `b`'s new fields after their
    predecessor."""
    def describe(item: dict) -> str | None:
        return "当" + renderer.conditions.render(item["when"]).flat() if item.get("when") else None

    a_fields = {f.key: f for f in plan_fields(a, describe)}
    b_fields = {f.key: f for f in plan_fields(b, describe)}
    order = list(a_fields)
    for position, key in enumerate(b_fields):
        if key not in a_fields:
            previous = list(b_fields)[position - 1] if position else None
            at = order.index(previous) + 1 if previous in order else len(order)
            order.insert(at, key)
    rows = []
    for key in order:
        left, right = a_fields.get(key), b_fields.get(key)
        status = "added" if left is None else "removed" if right is None else "same" if left.value == right.value else "changed"
        rows.append(ComparedField(
            label=(left or right).label, status=status,
            a_text=_text(renderer, left), b_text=_text(renderer, right),
            a_link=renderer.index.plan_link(a, left.yaml_path) if left else None,
            b_link=renderer.index.plan_link(b, right.yaml_path) if right else None,
        ))
    return rows


def _text(renderer: PlanRenderer, field: PlanField | None) -> str:
    if field is None:
        return ""
    key = str(field.key[-1]) if field.key else ""
    if key in CONDITION_KEYS:
        return renderer.conditions.render(field.value).flat()
    if key == "bands":
        from engine.workbench.plan_view import bands_text

        return bands_text(field.value)
    return renderer.text(key, field.value)
