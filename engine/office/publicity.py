"""Claims publicity (理赔公示, catalogue §3): each month, each office publishes its paid claims
for a 7-day objection window.

Only the published columns are ever read from a claim: month, office, employer, the member's
name and identity number (both masked, `engine.office.masking`), plan title, benefit category
(the benefit's title from the plan, never the diagnosis), amount and payment date. Rows are
built from those fields alone, so nothing on §3's never-published list (diagnosis, ICD codes,
findings, hospital, birth date, full identity number) can reach a publicity file, whatever the
claim carried. Fee refunds are not benefits and are not published; voided claims are not either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from engine.money import format_money
from engine.office.masking import mask_id_number, mask_name
from engine.office.records import DecidedClaim

OBJECTION_DAYS = 7

# (field, 中文 column title), in the order published
COLUMNS = (
    ("number", "序号"), ("month", "公示月份"), ("office", "办事处"), ("employer", "工作单位"), ("name", "姓名"),
    ("id_number", "身份证号"), ("plan", "保障项目"), ("benefit", "给付类别"), ("amount", "给付金额（元）"),
    ("paid_on", "给付日期"),
)


@dataclass(frozen=True)
class PublicityRow:
    number: int
    month: str
    office: str
    employer: str
    name: str  # masked
    id_number: str  # masked
    plan: str
    benefit: str
    amount: Decimal
    paid_on: dt.date

    def cells(self) -> list:
        return [self.number, self.month, self.office, self.employer, self.name, self.id_number, self.plan,
                self.benefit, format_money(self.amount), self.paid_on.isoformat()]


@dataclass(frozen=True)
class Publicity:
    office: str
    office_name: str
    month: str  # YYYY-MM
    opens: dt.date
    closes: dt.date  # inclusive: the window is 7 days
    rows: list[PublicityRow]

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal("0.00"))


def parse_month(text: str) -> tuple[dt.date, dt.date]:
    """`2024-06` -> first and last day of that month."""
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValueError(f"a month is written YYYY-MM, e.g. 2024-06; got {text!r}") from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def window(month: str, opens: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The objection window: 7 days from `opens`, by default the first day after the month."""
    if opens is None:
        opens = parse_month(month)[1] + dt.timedelta(days=1)
    return opens, opens + dt.timedelta(days=OBJECTION_DAYS - 1)


def build_publicity(claims: Iterable[DecidedClaim], office: str, month: str, office_name: str | None = None,
                    opens: dt.date | None = None) -> Publicity:
    """The rows for one office and month, from the paid claims decided in that month, ordered
    by payment date, then plan and benefit."""
    first, last = parse_month(month)
    rows: list[tuple] = []
    for decided in claims:
        member = decided.claim.member
        if not decided.paid or member.office != office or not first <= decided.decided_on <= last:
            continue
        for enrolment in decided.decision.enrolments:
            for line in enrolment.lines:
                if line.amount <= 0 or line.refund:
                    continue
                rows.append((decided.decided_on, enrolment.plan_title, line.title, member.employer or "",
                             mask_name(member.name or ""), mask_id_number(member.id_number or ""), line.amount))
    rows.sort(key=lambda row: row[:3])
    published = [PublicityRow(number, month, office_name or office, employer, name, id_number, plan, benefit, amount, paid_on)
                 for number, (paid_on, plan, benefit, employer, name, id_number, amount) in enumerate(rows, start=1)]
    opening, closing = window(month, opens)
    return Publicity(office, office_name or office, month, opening, closing, published)


def month_text(month: str) -> str:
    first, _ = parse_month(month)
    return f"{first.year}年{first.month}月"


def publicity_csv(publicity: Publicity) -> bytes:
    from engine.office.files import csv_bytes

    return csv_bytes([title for _, title in COLUMNS], (row.cells() for row in publicity.rows))


def publicity_xlsx(publicity: Publicity) -> bytes:
    from engine.office.files import xlsx_bytes

    rows = [row.cells()[:8] + [row.amount, row.paid_on] for row in publicity.rows]
    return xlsx_bytes([(f"{month_text(publicity.month)}公示", [title for _, title in COLUMNS], rows)],
                      widths={"工作单位": 24, "身份证号": 22, "保障项目": 24, "给付类别": 24, "给付日期": 12})


def publicity_html(publicity: Publicity) -> str:
    from engine.office.files import render

    return render("publicity.html", p=publicity, columns=COLUMNS, month_text=month_text(publicity.month))
