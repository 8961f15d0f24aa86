"""One staff row checked: the person (name, identity number, gender and birth date consistent
with the number, employment, medical insurance, occupation risk), the plan named, the units or
tier, and whether the person joins. Every problem is a `CellIssue` at its cell."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from engine.enrolment import headers
from engine.enrolment.resident_id import ResidentId, ResidentIdError, parse_resident_id
from engine.enrolment.staff_list import CellIssue, Place, RawRow, as_date, issue_at

NAME_CHARS = 50
_ZH = {"male": "男", "female": "女"}


@dataclass(frozen=True)
class Person:
    name: str
    resident_id: ResidentId
    employment: str
    medical_insurance: str
    occupation_risk: str
    place: Place  # the first row naming the person

    @property
    def id_number(self) -> str:
        return self.resident_id.number

    @property
    def gender(self) -> str:
        return self.resident_id.gender

    @property
    def birth_date(self) -> dt.date:
        return self.resident_id.birth_date


@dataclass(frozen=True)
class StaffRow:
    person: Person
    plan: str | None  # plan id, resolved from the cell (id or Chinese title)
    units: int | None  # units or tier, as the plan sells it
    joins: bool
    place: Place
    units_place: Place | None


def _choice(value: Any, table: dict[str, str | bool], what: str) -> Any:
    key = headers.fold(str(value))
    if key not in table:
        accepted = "、".join(dict.fromkeys(k for k in table if not k.isascii())) or ", ".join(table)
        raise ValueError(f"{what}: {value!r} is not one of {accepted}")
    return table[key]


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a name is text, got {value!r}")
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise ValueError("the name is empty")
    if len(name) > NAME_CHARS:
        raise ValueError(f"a name has at most {NAME_CHARS} characters")
    if any(unicodedata.category(char)[0] == "C" for char in name):
        raise ValueError("the name holds control or invisible characters")
    return name


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = headers.fold(value).removesuffix("份").removesuffix("档")
        if text.isdigit():
            return int(text)
    raise ValueError(f"a whole number of units (or a tier), got {value!r}")


def read_row(row: RawRow, resolve_plan: Callable[[str], str], today: dt.date) -> tuple[StaffRow | None, list[CellIssue]]:
    """The row as a `StaffRow`, or the issues that keep it from being one (each at its cell)."""
    issues: list[CellIssue] = []
    values, places = row.values, row.places

    def read(field: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        value = values.get(field)
        if value is None:
            return default
        try:
            return parse(value)
        except ValueError as error:
            issues.append(issue_at(places[field], str(error)))
            return default

    def required(field: str) -> bool:
        if values.get(field) is None:
            issues.append(issue_at(places[field], f"{headers.COLUMNS[field][0]} is required"))
            return False
        return True

    name = read("name", _name) if required("name") else None
    resident_id = None
    if required("id_number"):
        raw = values["id_number"]
        if isinstance(raw, (int, float)):
            issues.append(issue_at(places["id_number"], "the identity number is stored as a number, which loses digits "
                                   "(Excel keeps 15 significant digits): format the column as text (文本) and enter it again"))
        else:
            try:
                resident_id = parse_resident_id(str(raw), today)
            except ResidentIdError as error:
                issues.append(issue_at(places["id_number"], str(error)))
    gender = read("gender", lambda v: _choice(v, headers.GENDERS, "性别 (gender)"))
    birth = read("birth_date", as_date)
    if resident_id is not None:
        if gender is not None and gender != resident_id.gender:
            issues.append(issue_at(places["gender"], f"性别为{_ZH[gender]}，但身份证号第17位表明为{_ZH[resident_id.gender]} / "
                                   f"gender {gender} disagrees with the identity number ({resident_id.gender})"))
        if birth is not None and birth != resident_id.birth_date:
            issues.append(issue_at(places["birth_date"], f"出生日期{birth}与身份证号中的{resident_id.birth_date}不一致 / "
                                   "birth date disagrees with the identity number"))
    joins = read("joins", lambda v: _choice(v, headers.YES_NO, "是否参保 (joins)")) if required("joins") else None
    employment = read("employment", lambda v: _choice(v, headers.EMPLOYMENT, "人员类别 (employment)"), "standard")
    insurance = read("medical_insurance", lambda v: _choice(v, headers.MEDICAL_INSURANCE, "医保类型 (medical insurance)"),
                     "urban_employee")
    risk = read("occupation_risk", lambda v: _choice(v, headers.OCCUPATION_RISK, "职业类别 (occupation risk)"), "normal")
    plan = read("plan", lambda v: resolve_plan(str(v).strip()))
    units = read("units", _whole_number)
    if units is not None and units < 1:
        issues.append(issue_at(places["units"], f"units (or tier) start at 1, got {units}"))
    if issues or name is None or resident_id is None or joins is None:
        return None, issues
    person = Person(name, resident_id, employment, insurance, risk, row.row_place)
    return StaffRow(person, plan, units, joins, row.row_place, places.get("units")), []
