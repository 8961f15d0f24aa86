"""Fragments about the plan set in force (role `read`): the overview, every plan with its
revisions on a timeline (and those in force for a chosen date), one revision as a product
person reads it, two revisions side by side, the disease lists and the rule libraries (the
entries in force on a chosen date), and the YAML source behind every item."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from engine.rules.compiler import CompiledPlan
from engine.workbench.access import adjudicator_in_force, require
from engine.workbench.disease_search import MAX_QUERY, search
from engine.workbench.library_view import library_view, parse_day
from engine.workbench.plan_fields import compare
from engine.workbench.plan_view import PlanRenderer
from engine.workbench.rendering import render
from engine.workbench.sources import source_index

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[require("read")])


@dataclass
class Bar:
    compiled: CompiledPlan
    left: float  # percent of the timeline
    width: float
    open_ended: bool
    in_force: bool = False  # on the chosen day


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    years: list[tuple[int, float]]  # (year, left %)
    rows: list[tuple[str, str, list[Bar]]]  # (plan id, title, bars)
    day: dt.date | None = None
    day_left: float | None = None  # where the chosen day falls, percent of the timeline


def timeline(revisions: dict[str, list[CompiledPlan]], day: dt.date | None = None) -> Timeline:
    """Each plan's revisions as bars between their effective dates; an open end runs to the
    end of the axis (one year past the last date any revision names). With a day, the
    revisions an enrolment starting that day is adjudicated under are marked."""
    dates = [d for plans in revisions.values() for c in plans for d in (c.plan.effective_from, c.plan.effective_to) if d]
    dates += [day] if day and 1900 <= day.year <= 2200 else []  # a day far off marks the axis' end, not stretches it
    start = dt.date(min(dates).year, 1, 1)
    end = dt.date(max(dates).year + 2, 1, 1)
    span = (end - start).days

    def at(day: dt.date) -> float:
        return round(100 * (day - start).days / span, 2)

    rows = []
    for plan_id in sorted(revisions, key=lambda p: (revisions[p][0].plan.order or 99, p)):
        bars = []
        for compiled in revisions[plan_id]:
            last = compiled.plan.effective_to + dt.timedelta(days=1) if compiled.plan.effective_to else end
            in_force = day is not None and compiled.plan.effective_from <= day and (
                compiled.plan.effective_to is None or day <= compiled.plan.effective_to)
            bars.append(Bar(compiled, at(compiled.plan.effective_from), round(at(last) - at(compiled.plan.effective_from), 2),
                            compiled.plan.effective_to is None, in_force))
        rows.append((plan_id, revisions[plan_id][-1].plan.title, bars))
    years = [(year, at(dt.date(year, 1, 1))) for year in range(start.year, end.year)]
    return Timeline(start, end, years, rows, day, min(max(at(day), 0.0), 100.0) if day else None)


@router.get("/home")
async def home(request: Request) -> Response:
    adjudicator = adjudicator_in_force(request)
    return render("home.html", revisions=adjudicator.revisions, lists=adjudicator.library.disease_lists)


@router.get("/plans")
async def plans(request: Request, on: str = Query("", max_length=20)) -> Response:
    adjudicator = adjudicator_in_force(request)
    index = source_index(adjudicator)
    day, problem = parse_day(on)
    return render("plans.html", timeline=timeline(adjudicator.revisions, day), index=index, on=on, problem=problem)


def _revision(request: Request, plan: str, revision: str) -> CompiledPlan | None:
    for compiled in adjudicator_in_force(request).revisions.get(plan, []):
        if compiled.plan.revision == revision:
            return compiled
    return None


@router.get("/plans/{plan}/{revision}")
async def plan_revision(request: Request, plan: str, revision: str) -> Response:
    compiled = _revision(request, plan, revision)
    if compiled is None:
        return render("missing.html", status_code=404, what=f"方案 {plan} 版本 {revision}")
    index = source_index(adjudicator_in_force(request))
    view = PlanRenderer(index).view(compiled)
    others = adjudicator_in_force(request).revisions.get(plan, [])
    return render("plan.html", view=view, others=others)


@router.get("/compare/{plan}")
async def compare_revisions(request: Request, plan: str, a: str | None = Query(None, max_length=80),
                            b: str | None = Query(None, max_length=80), show_all: bool = Query(False, alias="all")) -> Response:
    revisions = adjudicator_in_force(request).revisions.get(plan, [])
    if not revisions:
        return render("missing.html", status_code=404, what=f"方案 {plan}")
    names = [c.plan.revision for c in revisions]
    a = a if a in names else names[max(0, len(names) - 2)]
    b = b if b in names else names[-1]
    left, right = revisions[names.index(a)], revisions[names.index(b)]
    renderer = PlanRenderer(source_index(adjudicator_in_force(request)))
    rows = compare(renderer, left, right)
    shown = rows if show_all else [row for row in rows if row.status != "same"]
    return render("compare.html", plan=plan, names=names, a=left, b=right, rows=shown, show_all=show_all,
                  changed=sum(row.status != "same" for row in rows), total=len(rows))


@router.get("/diseases")
async def diseases(request: Request, q: str = Query("", max_length=MAX_QUERY), list_id: str = Query("", alias="list", max_length=80),
                   on: str = Query("", max_length=20)) -> Response:
    adjudicator = adjudicator_in_force(request)
    index = source_index(adjudicator)
    day, problem = parse_day(on)
    found = search(index, q, list_id or None, day)
    return render("diseases.html", q=q, list_id=list_id, lists=adjudicator.library.disease_lists, found=found, on=on, day=day,
                  problem=problem, only_results=request.headers.get("HX-Target") == "disease-results")


@router.get("/library")
async def library(request: Request, on: str = Query("", max_length=20)) -> Response:
    """The rule libraries' entries, and with a date the ones in force on it."""
    day, problem = parse_day(on)
    view = library_view(source_index(adjudicator_in_force(request)), day)
    return render("library.html", view=view, on=on, problem=problem)


@router.get("/source")
async def source(request: Request, file: str = Query(..., max_length=300), line: int | None = Query(None, ge=1, le=1_000_000)) -> Response:
    index = source_index(adjudicator_in_force(request))
    found = index.text(file)
    if found is None:
        return render("missing.html", status_code=404, what=f"文件 {file}（只能查看生效方案集中的 YAML 文件）")
    text, warning = found
    return render("source.html", file=file, lines=text.splitlines(), line=line, warning=warning, names=index.names)
