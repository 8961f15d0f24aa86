"""Reading a union's staff list as it is sent: an Excel workbook (.xlsx, through openpyxl, with
defusedxml guarding its XML) or a CSV file (UTF-8, or GB18030 as Chinese Excel saves it).

Every sheet whose header row (within its first rows, below any title) names the person and the
identity number is a staff table; a sheet named 申请信息 holds the application's own data as
`key | value` rows. Cells keep their place (sheet, row, column and its title), so every problem
found later points at the cell. Limits guard every dimension: see `Limits`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from openpyxl.utils import get_column_letter

from engine.enrolment import headers
from engine.errors import Issue, IssuesError


@dataclass(frozen=True)
class Limits:
    """What one application file may hold; larger inputs are refused before they are read."""

    file_bytes: int = 20 * 2**20  # the file as sent
    unpacked_bytes: int = 200 * 2**20  # an .xlsx is a zip: its members once inflated
    zip_members: int = 2_000
    sheets: int = 50
    rows: int = 50_000  # non-empty data rows over all sheets
    columns: int = 100  # a wider header row is refused
    cell_chars: int = 200
    header_search_rows: int = 10  # the header row is looked for among the first rows (title rows above it)


LIMITS = Limits()


@dataclass(frozen=True)
class Place:
    """Where a value came from: file, sheet (None for CSV), 1-based row and column, the column's title."""

    file: str
    sheet: str | None
    row: int
    column: int | None = None
    title: str | None = None

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}" if self.column else str(self.row)

    def __str__(self) -> str:
        where = [f"sheet {self.sheet}"] if self.sheet is not None else []
        where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {get_column_letter(self.column)}" + (f" ({self.title})" if self.title else ""))
        return f"{self.file}: " + ", ".join(where)

    def to_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "row": self.row,
                "column": get_column_letter(self.column) if self.column else None, "title": self.title}


@dataclass(frozen=True)
class CellIssue(Issue):
    """An issue in a spreadsheet cell (or row), printed as `file: sheet S, row R, column C (title): …`."""

    place: Place | None = None

    def __str__(self) -> str:
        if self.place is None:
            return super().__str__()
        return f"{self.place}: {self.message}"

    def to_dict(self) -> dict:
        return {"message": self.message, **(self.place.to_dict() if self.place else {"file": self.file})}


def issue_at(place: Place, message: str) -> CellIssue:
    return CellIssue(message, file=place.file, line=place.row, column=place.column, place=place)


class StaffListError(IssuesError):
    """The file cannot be read as a staff list; nothing was decided."""


@dataclass
class RawRow:
    """One non-empty data row: the cells of the known columns, each with its place."""

    sheet: str | None
    number: int
    values: dict[str, Any]
    places: dict[str, Place]
    row_place: Place


@dataclass
class StaffList:
    file: str
    rows: list[RawRow] = field(default_factory=list)
    application: dict[str, tuple[Any, Place]] = field(default_factory=dict)  # key -> (value, place)
    warnings: list[str] = field(default_factory=list)


def read_staff_list(path: Path | str, limits: Limits = LIMITS) -> StaffList:
    """The staff tables and application data of `path` (.xlsx or .csv); StaffListError lists
    every problem of shape (limits, headers) with its place."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise StaffListError([Issue(f"cannot read the application: {error.strerror}", file=name)]) from None
    if size > limits.file_bytes:
        raise StaffListError([Issue(f"the file is {size:,} bytes; at most {limits.file_bytes:,} are read", file=name)])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_workbook(path, limits)
    if suffix == ".csv":
        return _read_csv(path, limits)
    if suffix in (".xls", ".et", ".wps"):
        raise StaffListError([Issue(f"{suffix} (the old Excel format) is not read: save the list as .xlsx "
                                    "(Excel 2007 or later) or .csv", file=name)])
    raise StaffListError([Issue("a staff list is an .xlsx workbook or a .csv file", file=name)])


# -- xlsx --------------------------------------------------------------------------------------


def _check_zip(path: Path, limits: Limits) -> None:
    """An .xlsx is a zip archive: refuse one that is not, or that inflates beyond the limits."""
    name = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise StaffListError([Issue("not an .xlsx workbook (the file is not a zip archive; "
                                    "an .xls saved with the wrong name?)", file=name)]) from None
    if len(members) > limits.zip_members:
        raise StaffListError([Issue(f"the workbook has {len(members):,} parts; at most {limits.zip_members:,} are read", file=name)])
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.unpacked_bytes:
        raise StaffListError([Issue(f"the workbook inflates to {unpacked:,} bytes; at most {limits.unpacked_bytes:,} are read",
                                    file=name)])


def _read_workbook(path: Path, limits: Limits) -> StaffList:
    import openpyxl

    _check_zip(path, limits)
    name = str(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise StaffListError([Issue(f"cannot open the workbook: {error}", file=name)]) from None
    try:
        if len(workbook.sheetnames) > limits.sheets:
            raise StaffListError([Issue(f"the workbook has {len(workbook.sheetnames)} sheets; at most {limits.sheets} are read", file=name)])
        result = StaffList(name)
        issues: list[Issue] = []
        tables = 0
        for sheet in workbook.worksheets:
            rows = ((number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
            if headers.fold(sheet.title) in headers.APPLICATION_SHEETS:
                _read_application(result, sheet.title, rows, limits, issues)
            elif _read_table(result, sheet.title, rows, limits, issues):
                tables += 1
            else:
                result.warnings.append(f"sheet {sheet.title}: no header row naming 姓名 and 身份证号 in its first "
                                       f"{limits.header_search_rows} rows; the sheet is not read")
    finally:
        workbook.close()
    if not tables and not issues:
        issues.append(Issue("no sheet has a header row naming 姓名 and 身份证号 (the staff list)", file=name))
    if issues:
        raise StaffListError(issues)
    return result


# -- csv ---------------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StaffListError([Issue("the CSV file is neither UTF-8 nor GB18030 text", file=name)])


def _read_csv(path: Path, limits: Limits) -> StaffList:
    name = str(path)
    text = _decode(path.read_bytes(), name)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    result = StaffList(name)
    issues: list[Issue] = []
    try:
        found = _read_table(result, None, ((number, row) for number, row in enumerate(reader, start=1)), limits, issues)
    except csv.Error as error:
        raise StaffListError([Issue(f"not a CSV file: {error}", file=name)]) from None
    if not found and not issues:
        issues.append(Issue(f"no header row naming 姓名 and 身份证号 in the first {limits.header_search_rows} rows", file=name))
    if issues:
        raise StaffListError(issues)
    return result


# -- shared --------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _blank(values: Iterable[Any]) -> bool:
    return all(_text(value) == "" for value in values)


def _too_long(result: StaffList, sheet: str | None, number: int, values: list[Any], limits: Limits,
              titles: dict[int, str], issues: list[Issue]) -> bool:
    bad = False
    for index, value in enumerate(values[:limits.columns], start=1):
        if isinstance(value, str) and len(value) > limits.cell_chars:
            place = Place(result.file, sheet, number, index, titles.get(index))
            issues.append(issue_at(place, f"the cell holds {len(value)} characters; at most {limits.cell_chars}"))
            bad = True
    return bad


def _read_table(result: StaffList, sheet: str | None, rows: Iterator[tuple[int, list[Any]]], limits: Limits,
                issues: list[Issue]) -> bool:
    """Find the header row, map its columns, and collect the data rows below it. False when the
    sheet has no header row."""
    header_number = None
    for number, values in rows:
        if number > limits.header_search_rows:
            return False
        titles = [_text(value) for value in values]
        if headers.looks_like_header(titles):
            header_number = number
            break
    if header_number is None:
        return False
    if len(values) > limits.columns and not _blank(values[limits.columns:]):
        issues.append(issue_at(Place(result.file, sheet, header_number), f"the header row has more than {limits.columns} columns"))
        return True
    columns: dict[str, int] = {}
    titles_by_index: dict[int, str] = {}
    ignored: list[str] = []
    for index, title in enumerate(titles[:limits.columns], start=1):
        if not title:
            continue
        titles_by_index[index] = title
        field_name = headers.column_field(title)
        if field_name is None:
            if not headers.is_ignored(title):
                ignored.append(title)
            continue
        if field_name in columns:
            first = get_column_letter(columns[field_name])
            issues.append(issue_at(Place(result.file, sheet, header_number, index, title),
                                   f"this column is also {field_name} (column {first}, {titles_by_index[columns[field_name]]}); "
                                   "one column per field"))
            continue
        columns[field_name] = index
    missing = [field_name for field_name in headers.REQUIRED if field_name not in columns]
    if missing:
        names = ", ".join(f"{headers.COLUMNS[f][0]} ({f})" for f in missing)
        issues.append(issue_at(Place(result.file, sheet, header_number), f"the header row lacks the columns {names}"))
    if ignored:
        label = f"sheet {sheet}" if sheet is not None else result.file
        result.warnings.append(f"{label}: columns not read: {', '.join(ignored)}")
    if missing:
        return True
    for number, values in rows:
        if _blank(values):
            continue
        if len(result.rows) >= limits.rows:
            issues.append(issue_at(Place(result.file, sheet, number), f"more than {limits.rows:,} staff rows; split the list"))
            return True
        if _too_long(result, sheet, number, values, limits, titles_by_index, issues):
            continue
        row_values: dict[str, Any] = {}
        places: dict[str, Place] = {}
        for field_name, index in columns.items():
            value = values[index - 1] if index - 1 < len(values) else None
            if isinstance(value, str):
                value = value.strip()
            row_values[field_name] = None if value == "" else value
            places[field_name] = Place(result.file, sheet, number, index, titles_by_index[index])
        result.rows.append(RawRow(sheet, number, row_values, places, Place(result.file, sheet, number)))
    return True


def _read_application(result: StaffList, sheet: str, rows: Iterator[tuple[int, list[Any]]], limits: Limits,
                      issues: list[Issue]) -> None:
    for number, values in rows:
        if number > 100:
            issues.append(issue_at(Place(result.file, sheet, number), "the application sheet has more than 100 rows"))
            return
        if len(values) < 2 or _blank(values[:2]):
            continue
        key_title, value = _text(values[0]), values[1]
        if isinstance(value, str):
            value = value.strip()
            if len(value) > limits.cell_chars:
                issues.append(issue_at(Place(result.file, sheet, number, 2, key_title), f"at most {limits.cell_chars} characters"))
                continue
        key = headers.application_key(key_title)
        if key is None:
            result.warnings.append(f"sheet {sheet}, row {number}: {key_title!r} is not an application field; not read")
            continue
        place = Place(result.file, sheet, number, 2, key_title)
        if key in result.application:
            issues.append(issue_at(place, f"{key_title} is also given at row {result.application[key][1].row}"))
            continue
        if value is not None and value != "":
            result.application[key] = (value, place)


def as_date(value: Any) -> dt.date:
    """A date cell or text (1990-03-07, 1990/3/7, 1990.3.7, 19900307, 1990年3月7日)."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(f"a date without a time of day, got {value}")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a date such as 1990-03-07, got {value!r}"
                         + (" (a number: format the cell as a date or as text)" if isinstance(value, (int, float)) else ""))
    text = headers.fold(value).replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    try:
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        parts = text.split("-")
        if len(parts) == 3 and all(part.isdigit() for part in parts) and len(parts[0]) == 4:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    raise ValueError(f"a date such as 1990-03-07, got {value!r}")
