"""A group application decided (catalogue §4), one plan at a time, on the rules the plan
revision declares: who is eligible (its `eligibility:` requirements that concern the person),
whom the share counts (`among`), the share and the whole-unit size (`participation`), and one
choice of units or tier per application (`same_choice`).

The staff list is the unit's staff: every person listed counts towards each plan's eligible
staff, whichever plan their row names. Persons are told apart by their identity number. A person
who joins is accepted or refused by name, with a reason code and a Chinese sentence; the
application is accepted or refused as a whole, with the participation computed
(`82 / 100 eligible = 82.0% ≥ 80%`) and the fee due. Nothing here records anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from engine.enrolment.rules import GroupRules, group_rules
from engine.enrolment.staff import Person, StaffRow, read_row
from engine.enrolment.staff_list import Place, StaffList, StaffListError, as_date, issue_at
from engine.errors import Issue
from engine.model.claim import Enrolment, Member
from engine.model.plan import FeeTable
from engine.money import format_money
from engine.planset import PlanSet, anniversaries
from engine.rules.compiler import CompiledPlan
from engine.terms import age_on
from engine.vocabulary import FIELDS

OFFICE_PATTERN = FIELDS["office"]


@dataclass(frozen=True)
class ApplicationInfo:
    """What the application says about itself: the unit, its office, the term, and optionally a
    default plan and the units (or tier) chosen for everyone."""

    employer: str
    office: str
    start: dt.date
    end: dt.date | None = None
    plan: str | None = None
    units: int | None = None


@dataclass
class PersonOutcome:
    name: str
    id_number: str
    place: Place
    status: str  # accepted | refused
    code: str | None = None
    message: str | None = None  # 中文
    units: int | None = None
    fee: Decimal | None = None
    member_id: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "id_number": self.id_number, "row": self.place.to_dict(), "status": self.status,
                "code": self.code, "message": self.message, "units": self.units,
                "fee": format_money(self.fee) if self.fee is not None else None, "member_id": self.member_id}


@dataclass
class ParticipationResult:
    participants: int
    eligible: int
    required: str  # "share" | "all" | "none"
    share: Decimal | None
    met: bool
    text: str  # e.g. 82 / 100 eligible = 82.0% ≥ 80%

    def to_dict(self) -> dict:
        return {"participants": self.participants, "eligible": self.eligible, "required": self.required,
                "share": str(self.share) if self.share is not None else None, "met": self.met, "text": self.text}


@dataclass
class PlanApplication:
    plan: str
    revision: str
    title: str
    status: str  # accepted | refused
    code: str
    message: str  # 中文
    start: dt.date
    end: dt.date
    choice: int | None  # the units (or tier) of the application
    choice_kind: str | None  # units | tier | None
    participation: ParticipationResult
    fee_due: Decimal
    persons: list[PersonOutcome] = field(default_factory=list)
    enrolments: list[tuple[Member, Enrolment]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def to_dict(self) -> dict:
        return {"plan": self.plan, "revision": self.revision, "title": self.title, "status": self.status,
                "code": self.code, "message": self.message, "start": self.start.isoformat(), "end": self.end.isoformat(),
                self.choice_kind or "units": self.choice, "participation": self.participation.to_dict(),
                "fee_due": format_money(self.fee_due), "persons": [person.to_dict() for person in self.persons]}


@dataclass
class ApplicationResult:
    file: str
    info: ApplicationInfo
    plans: list[PlanApplication]
    warnings: list[str]
    digest: str  # SHA-256 of what the application asks for: the same application sent again has the same digest

    @property
    def accepted(self) -> bool:
        return all(plan.accepted for plan in self.plans)

    def to_dict(self) -> dict:
        return {"file": self.file, "employer": self.info.employer, "office": self.info.office,
                "start": self.info.start.isoformat(), "digest": self.digest, "accepted": self.accepted,
                "plans": [plan.to_dict() for plan in self.plans], "warnings": self.warnings}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


class ApplicationError(StaffListError):
    """The application cannot be decided: every problem with its place; nothing was decided."""


# -- the application's own data ------------------------------------------------------------------


def application_info(staff: StaffList, given: dict[str, Any]) -> ApplicationInfo:
    """Merge what the command line gives with the application sheet (申请信息); a value stated
    in both must agree."""
    issues: list[Issue] = []
    merged: dict[str, Any] = {}
    for key in ("employer", "office", "start", "end", "plan", "units"):
        option = given.get(key)
        sheet_value, place = staff.application.get(key, (None, None))
        value = sheet_value
        if sheet_value is not None:
            try:
                value = _application_value(key, sheet_value)
            except ValueError as error:
                issues.append(issue_at(place, str(error)))
                continue
        if option is not None and value is not None and option != value:
            issues.append(issue_at(place, f"the application sheet says {value}, the command line {option}"))
            continue
        merged[key] = option if option is not None else value
    for key, how in (("employer", "--employer or 单位名称"), ("office", "--office or 办事处"), ("start", "--start or 保障起始日期")):
        if merged.get(key) is None:
            issues.append(Issue(f"the application needs its {key}: give {how} in the 申请信息 sheet", file=staff.file))
    office = merged.get("office")
    if office is not None and not _is_office_code(office):
        issues.append(Issue(f"office {office!r} is not an office code such as beijing or lanzhou", file=staff.file))
    if issues:
        raise ApplicationError(issues)
    return ApplicationInfo(merged["employer"], office, merged["start"], merged.get("end"), merged.get("plan"), merged.get("units"))


def _is_office_code(value: str) -> bool:
    from engine.conditions import IDENTIFIER

    return isinstance(value, str) and bool(IDENTIFIER.match(value)) and len(value) <= 80


def _application_value(key: str, value: Any) -> Any:
    if key in ("start", "end"):
        return as_date(value)
    if key == "units":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"units (or tier) is a whole number from 1, got {value!r}")
        return value
    return str(value).strip()


# -- deciding ----------------------------------------------------------------------------------


class _PlanNames:
    """参保计划 cells name a plan by id or by its Chinese title."""

    def __init__(self, plans: PlanSet):
        self.names: dict[str, str] = {}
        for plan_id, revisions in plans.revisions.items():
            self.names[plan_id] = plan_id
            for revision in revisions:
                self.names.setdefault(revision.plan.title, plan_id)

    def __call__(self, text: str) -> str:
        if text in self.names:
            return self.names[text]
        raise ValueError(f"unknown plan {text!r}; give a plan id or title: {', '.join(sorted(set(self.names.values())))}")


def decide_application(staff: StaffList, info: ApplicationInfo, plans: PlanSet, today: dt.date | None = None) -> ApplicationResult:
    """Check every row, then decide each plan the application names. ApplicationError lists
    every row problem at its cell when the list cannot be decided."""
    today = today or dt.date.today()
    names = _PlanNames(plans)
    issues: list[Issue] = []
    known_offices = plans.library.offices
    if known_offices and info.office not in known_offices:
        issues.append(Issue(f"unknown office {info.office!r}; rules/offices.yaml names: {', '.join(sorted(known_offices))}",
                            file=staff.file))
    default_plan = None
    if info.plan is not None:
        try:
            default_plan = names(info.plan)
        except ValueError as error:
            issues.append(Issue(str(error), file=staff.file))
    rows: list[StaffRow] = []
    for raw in staff.rows:
        row, row_issues = read_row(raw, names, today)
        issues.extend(row_issues)
        if row is not None:
            rows.append(row if row.plan is not None or default_plan is None else _with_plan(row, default_plan))
    people, choices = _people(rows, issues)
    requested = sorted({row.plan for row in rows if row.plan is not None}, key=lambda p: plans.revisions[p][0].plan.order or 99)
    if not requested and not issues:
        issues.append(Issue("no row names a plan (参保计划), and the application names none", file=staff.file))
    revisions: dict[str, CompiledPlan] = {}
    for plan_id in requested:
        revision = _revision_in_force(plans, plan_id, info.start)
        if revision is None:
            issues.append(Issue(f"plan {plan_id} has no revision in force on {info.start}", file=staff.file))
            continue
        revisions[plan_id] = revision
        issues.extend(_choice_issues(revision, choices.get(plan_id, []), info))
    if issues:
        raise ApplicationError(issues)
    results = []
    for plan_id, revision in revisions.items():
        end = _term_end(revision, info)
        results.append(_decide_plan(group_rules(revision), people, choices.get(plan_id, []), info, end))
    return ApplicationResult(staff.file, info, results, list(staff.warnings), _digest(info, rows))


def _with_plan(row: StaffRow, plan: str) -> StaffRow:
    return StaffRow(row.person, plan, row.units, row.joins, row.place, row.units_place)


def _people(rows: list[StaffRow], issues: list[Issue]) -> tuple[dict[str, Person], dict[str, list[StaffRow]]]:
    """Persons by identity number (their rows must agree), and the joining rows per plan."""
    people: dict[str, Person] = {}
    seen: dict[tuple[str, str | None], StaffRow] = {}
    choices: dict[str, list[StaffRow]] = {}
    for row in rows:
        person = row.person
        earlier = people.get(person.id_number)
        if earlier is None:
            people[person.id_number] = person
        else:
            for attribute in ("name", "employment", "medical_insurance", "occupation_risk"):
                if getattr(earlier, attribute) != getattr(person, attribute):
                    issues.append(issue_at(row.place, f"the same identity number is listed at row {earlier.place.row} "
                                           f"with {attribute} {getattr(earlier, attribute)!r}, here {getattr(person, attribute)!r}"))
        key = (person.id_number, row.plan)
        if key in seen:
            what = f"plan {row.plan}" if row.plan else "no plan"
            issues.append(issue_at(row.place, f"{person.name} is listed again for {what} (first at row {seen[key].place.row})"))
            continue
        seen[key] = row
        if row.joins:
            if row.plan is None:
                issues.append(issue_at(row.place, "是否参保 is 是 but no plan is named (参保计划)"))
                continue
            choices.setdefault(row.plan, []).append(row)
    joining = {id_number for (id_number, plan), row in seen.items() if plan is not None and row.joins}
    for (id_number, plan), row in seen.items():
        if plan is None and not row.joins and id_number in joining:
            issues.append(issue_at(row.place, f"{row.person.name} joins nothing on this row but joins a plan on another"))
    return people, choices


def _revision_in_force(plans: PlanSet, plan_id: str, start: dt.date) -> CompiledPlan | None:
    for revision in reversed(plans.revisions[plan_id]):
        plan = revision.plan
        if plan.effective_from <= start and (plan.effective_to is None or start <= plan.effective_to):
            return revision
    return None


def _choice_kind(plan) -> str | None:
    return "units" if plan.units is not None else "tier" if plan.tiers is not None else None


def _choice_issues(revision: CompiledPlan, rows: list[StaffRow], info: ApplicationInfo) -> list[Issue]:
    """Units (or tier) present and within the plan's range on every joining row."""
    plan = revision.plan
    kind = _choice_kind(plan)
    issues: list[Issue] = []
    if kind is None:
        return issues
    low, high = (plan.units.min, plan.units.max) if kind == "units" else (1, plan.tiers)
    for row in rows:
        value = row.units if row.units is not None else info.units
        place = row.units_place or row.place
        if value is None:
            issues.append(issue_at(place, f"plan {plan.plan} is bought by {kind}: 份数/档次 is required (or give it for the whole application)"))
        elif not low <= value <= high:
            issues.append(issue_at(place, f"plan {plan.plan} takes {kind} {low} to {high}, got {value}"))
    return issues


def _term_end(revision: CompiledPlan, info: ApplicationInfo) -> dt.date:
    plan = revision.plan
    if info.end is not None:
        if info.end < info.start:
            raise ApplicationError([Issue(f"the term ends ({info.end}) before it starts ({info.start})")])
        if plan.term_years and not any(info.end + dt.timedelta(days=1) in anniversaries(info.start, years) for years in plan.term_years):
            raise ApplicationError([Issue(f"plan {plan.plan} has terms of {plan.term_years} year(s): {info.start} to {info.end} is not one")])
        return info.end
    if plan.term_years and len(plan.term_years) == 1:
        return min(anniversaries(info.start, plan.term_years[0])) - dt.timedelta(days=1)
    raise ApplicationError([Issue(f"plan {plan.plan} needs the term's end (--end or 保障终止日期)"
                                  + (f": its terms are {plan.term_years} year(s)" if plan.term_years else ""))])


def _facts(person: Person, info: ApplicationInfo, revision: CompiledPlan, choice: int | None, source: str) -> dict:
    kind = _choice_kind(revision.plan)
    facts = {
        "age": age_on(person.birth_date, info.start), "gender": person.gender, "office": info.office,
        "medical_insurance": person.medical_insurance, "employment": person.employment,
        "occupation_risk": person.occupation_risk, "source": source,
        "fee_schedule": "high_risk" if person.occupation_risk == "high" else "normal",
    }
    if kind is not None and choice is not None:
        facts[kind] = choice
    return facts


_FIELD_ZH = {"age": "参保时年龄", "gender": "性别", "employment": "人员类别", "medical_insurance": "医保类型",
             "occupation_risk": "职业类别", "office": "办事处", "source": "缴费来源"}
_VALUE_ZH = {"male": "男", "female": "女", "standard": "在职", "retired": "退休", "new_form": "新就业形态",
             "urban_employee": "城镇职工医保", "urban_rural_resident": "城乡居民医保", "none": "无医保",
             "normal": "普通", "high": "高风险", "paid": "自缴", "gift": "工会赠送"}


def _stated(rule, facts: dict) -> str:
    """What the person's data says for the fields a requirement tests, in Chinese."""
    from engine.conditions import Compare, walk

    fields = dict.fromkeys(node.field for node in walk(rule.condition) if isinstance(node, Compare))
    parts = []
    for name in fields:
        value = facts.get(name)
        if name == "age":
            parts.append(f"参保时{value}周岁")
        elif name in _FIELD_ZH:
            parts.append(f"{_FIELD_ZH[name]}：{_VALUE_ZH.get(value, value)}")
    return "，".join(parts)


def _decide_plan(rules: GroupRules, people: dict[str, Person], joining: list[StaffRow], info: ApplicationInfo,
                 end: dt.date) -> PlanApplication:
    revision = rules.plan
    plan = revision.plan
    kind = _choice_kind(plan)
    source = "gift" if plan.fee_due(1, 1) == 0 else "paid"
    choice, ambiguous = _application_choice(rules, joining, info, kind)
    eligible: set[str] = set()
    counted: set[str] = set()
    for id_number, person in people.items():
        facts = _facts(person, info, revision, choice, source)
        if not rules.refusals(facts):
            eligible.add(id_number)
            if rules.counted(facts):
                counted.add(id_number)
    outcomes: list[PersonOutcome] = []
    accepted: list[tuple[Person, int | None]] = []
    for row in joining:
        person = row.person
        value = row.units if row.units is not None else info.units
        facts = _facts(person, info, revision, value, source)
        outcome = PersonOutcome(person.name, person.id_number, row.place, "refused", units=value, member_id=person.id_number)
        failing = rules.refusals(facts)
        if failing:
            rule = failing[0]
            outcome.code = f"not_eligible:{rule.clause}"
            stated = _stated(rule, facts)
            outcome.message = f"不符合参保条件：{rule.title}" + (f"（{stated}）" if stated else "")
        elif kind is not None and rules.same_choice and choice is not None and value != choice:
            noun = "份数" if kind == "units" else "档次"
            unit = "份" if kind == "units" else "档"
            outcome.code = "units_differ"
            outcome.message = f"{noun}（{value}{unit}）与本单位申请的{noun}（{choice}{unit}）不一致，同一申请须统一{noun}"
        else:
            outcome.status = "accepted"
            outcome.fee = _fee(plan, kind, value, person)
            accepted.append((person, value))
        outcomes.append(outcome)
    participants = sum(1 for person, _ in accepted if person.id_number in counted)
    participation = _participation(rules, participants, len(counted))
    status, code, message = _verdict(participation, ambiguous, accepted, kind)
    fee_due = sum((outcome.fee for outcome in outcomes if outcome.status == "accepted"), Decimal("0.00"))
    result = PlanApplication(plan.plan, plan.revision, plan.title, status, code, message, info.start, end,
                             choice, kind, participation, fee_due if status == "accepted" else Decimal("0.00"), outcomes)
    if status == "accepted":
        result.enrolments = [_enrolment(person, value, plan, kind, info, end, source) for person, value in accepted]
    return result


def _application_choice(rules: GroupRules, joining: list[StaffRow], info: ApplicationInfo, kind: str | None) -> tuple[int | None, bool]:
    """The units (or tier) of the application: as it states, else the one most rows name; a tie
    is ambiguous (the application is refused, asking it to state its choice)."""
    if kind is None:
        return None, False
    if info.units is not None or not rules.same_choice:
        return info.units, False
    counts = Counter(row.units for row in joining if row.units is not None).most_common()
    if not counts:
        return None, False
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None, True
    return counts[0][0], False


def _fee(plan, kind: str | None, value: int | None, person: Person) -> Decimal:
    schedule = "high_risk" if person.occupation_risk == "high" else "normal"
    if kind == "units":
        return plan.fee_due(units=value)
    if kind == "tier":
        return plan.fee_due(tier=value, fee_schedule=schedule)
    return plan.fee_due()


def percent(part: int, whole: int) -> str:
    """A share as a percentage with one decimal, rounded down, so a share below a threshold
    never prints as the threshold (7999 of 10000 is 79.9%, not 80.0%)."""
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'), rounding=ROUND_DOWN)}%"


def _share_text(share: Decimal) -> str:
    text = format(share * 100, "f").rstrip("0").rstrip(".")
    return f"{text}%"


def _participation(rules: GroupRules, participants: int, eligible: int) -> ParticipationResult:
    rule = rules.participation
    base = f"{participants} / {eligible} eligible"
    if eligible:
        base += f" = {percent(participants, eligible)}"
    if rule is None:
        return ParticipationResult(participants, eligible, "none", None, True, base + "; the plan sets no participation share")
    if eligible == 0:
        return ParticipationResult(0, 0, "share", rule.share, False, "0 eligible staff")
    if rule.all_below is not None and eligible < rule.all_below:
        met = participants == eligible
        return ParticipationResult(participants, eligible, "all", rule.share, met,
                                   f"{base} {'=' if met else '<'} 100%: fewer than {rule.all_below} eligible, all must join")
    met = Decimal(participants) >= rule.share * eligible  # exact: no rounded percentage decides
    return ParticipationResult(participants, eligible, "share", rule.share, met,
                               f"{base} {'≥' if met else '<'} {_share_text(rule.share)}")


def _verdict(participation: ParticipationResult, ambiguous: bool, accepted: list, kind: str | None) -> tuple[str, str, str]:
    noun = "份数" if kind == "units" else "档次"
    if ambiguous:
        return "refused", "units_ambiguous", f"参保人员{noun}不统一，且无法确定本单位申请的{noun}；请在申请信息中注明{noun}"
    if participation.eligible == 0:
        return "refused", "no_eligible_staff", "名单中没有符合本方案参保条件的职工"
    if not accepted:
        return "refused", "no_participants", "没有可以参保的人员"
    p = participation
    if not p.met and p.required == "all":
        return "refused", "participation_not_all", (f"本单位符合参保条件的职工{p.eligible}人，不足规定人数，须全员参保；"
                                                    f"实际可参保{p.participants}人")
    if not p.met:
        return "refused", "participation_below_share", (f"参保{p.participants}人，占符合参保条件职工{p.eligible}人的"
                                                        f"{percent(p.participants, p.eligible)}，低于{_share_text(p.share)}的最低参保比例")
    if p.required == "all":
        return "accepted", "accepted", f"符合参保条件的职工{p.eligible}人全员参保"
    if p.required == "share":
        return "accepted", "accepted", (f"参保{p.participants}人，占符合参保条件职工{p.eligible}人的"
                                        f"{percent(p.participants, p.eligible)}，达到{_share_text(p.share)}的参保比例")
    return "accepted", "accepted", f"参保{p.participants}人（本方案不设参保比例）"


def _enrolment(person: Person, value: int | None, plan, kind: str | None, info: ApplicationInfo, end: dt.date,
               source: str) -> tuple[Member, Enrolment]:
    member = Member(member_id=person.id_number, name=person.name, id_number=person.id_number, employer=info.employer,
                    gender=person.gender, birth_date=person.birth_date, office=info.office,
                    medical_insurance=person.medical_insurance, employment=person.employment,
                    occupation_risk=person.occupation_risk)
    schedule = ("high_risk" if person.occupation_risk == "high" else "normal") if isinstance(plan.fee, FeeTable) else None
    enrolment = Enrolment(
        enrolment_id=f"{plan.plan}:{info.start.isoformat()}:{person.id_number}", plan=plan.plan, revision=plan.revision,
        units=value if kind == "units" else None, tier=value if kind == "tier" else None,
        fee_paid=_fee(plan, kind, value, person), start=info.start, end=end, source=source, fee_schedule=schedule,
    )
    return member, enrolment


def _digest(info: ApplicationInfo, rows: list[StaffRow]) -> str:
    """SHA-256 of what the application asks (unit, office, term, and every row as read, in any
    order): the same application sent again, in another file format or row order, has the same
    digest."""
    content = {
        "employer": info.employer, "office": info.office, "start": info.start.isoformat(),
        "end": info.end.isoformat() if info.end else None, "units": info.units,
        "rows": sorted([row.person.id_number, row.person.name, row.person.employment, row.person.medical_insurance,
                        row.person.occupation_risk, row.plan or "", row.units or 0, row.joins] for row in rows),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
