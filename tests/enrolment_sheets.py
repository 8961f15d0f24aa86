"""Staff lists for the enrolment tests, built as real files: .xlsx through openpyxl, .csv as
unions export it. Identity numbers are made with their true check digit, deterministically from
a person's index, so every file is the same from run to run."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl

from engine.enrolment.resident_id import check_character

HEADER = ["序号", "姓名", "身份证号", "性别", "出生日期", "参保计划", "份数/档次", "是否参保"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def resident_id(index: int, birth: dt.date, gender: str, region: str = "110101") -> str:
    """A valid 18-digit number for person `index` (the sequence's last digit carries the gender)."""
    gender_digit = (index // 100 % 5) * 2 + (1 if gender == "male" else 0)  # the 17th: odd for men
    first17 = f"{region}{birth:%Y%m%d}{index % 100:02d}{gender_digit}"
    return first17 + check_character(first17)


def person(index: int, *, gender: str | None = None, birth: dt.date | None = None, plan: str = "inpatient-medical",
           units: int | None = 1, joins: bool = True, **extra) -> dict:
    gender = gender or ("female" if index % 2 else "male")
    birth = birth or dt.date(1970 + index % 30, 1 + index % 12, 1 + index % 28)
    return {
        "name": SURNAMES[index % len(SURNAMES)] + GIVEN[(index // len(SURNAMES)) % len(GIVEN)] + ("" if index < 400 else GIVEN[index % 7]),
        "id_number": resident_id(index, birth, gender), "gender": gender, "birth_date": birth,
        "plan": plan, "units": units, "joins": joins, **extra,
    }


def staff(eligible: int, joining: int, **kwargs) -> list[dict]:
    """`eligible` persons of working age of whom the first `joining` join."""
    return [person(i, joins=i < joining, **kwargs) for i in range(eligible)]


def _cells(row: dict) -> list:
    return [row.get("no"), row["name"], row["id_number"], {"male": "男", "female": "女"}.get(row.get("gender"), row.get("gender")),
            row.get("birth_date"), row.get("plan"), row.get("units"), ("是" if row["joins"] else "否") if isinstance(row["joins"], bool) else row["joins"]]


def write_xlsx(path: Path, rows: list[dict], *, application: dict | None = None, sheet: str = "花名册",
               title_row: str | None = "职工互助保障参保花名册", extra_columns: dict[str, list] | None = None) -> Path:
    workbook = openpyxl.Workbook()
    table = workbook.active
    table.title = sheet
    if title_row:
        table.append([title_row])
    extra_columns = extra_columns or {}
    table.append(HEADER + list(extra_columns))
    for number, row in enumerate(rows, start=1):
        cells = _cells({**row, "no": number})
        table.append(cells + [values[number - 1] for values in extra_columns.values()])
    if application:
        info = workbook.create_sheet("申请信息")
        for key, value in application.items():
            info.append([key, value])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(HEADER)
        for number, row in enumerate(rows, start=1):
            cells = _cells({**row, "no": number})
            writer.writerow(["" if c is None else c.isoformat() if isinstance(c, dt.date) else c for c in cells])
    return path
