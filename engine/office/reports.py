"""Office reports: payouts by office, plan, benefit and month; fees from enrolments; loss ratio
(payouts ÷ fees) per plan and office; claims by status and by reason. As one self-contained
HTML page with inline SVG charts (no script, no external file: it works offline and prints),
as an XLSX workbook (one sheet per table) and as CSV files.

Payouts are benefit lines of claims that stand (voided claims are counted apart); fee refunds
are not payouts, they are shown beside the fees. A claim's month is the month it was decided.
Fees are those of the distinct enrolments (member, plan, term start) the source holds: every
enrolment recorded in a ledger, or, for claims adjudicated from a file, the enrolments those
claims list, which makes the loss ratio that of the claimants only. With a period, payouts
count claims decided in it and fees enrolments whose term starts in it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from markupsafe import Markup

from engine.money import format_money
from engine.office.charts import bar_chart
from engine.office.files import csv_bytes, render, xlsx_bytes, yuan
from engine.office.records import DecidedClaim

ZERO = Decimal("0.00")
STATUS_ZH = {"paid": "全额给付", "partial": "部分给付", "denied": "不予给付", "pending": "待补材料", "voided": "已撤销"}


@dataclass(frozen=True)
class EnrolmentFee:
    """One enrolment as fees count it: who (for de-duplication), where, which plan, when, how much."""

    member: str
    office: str
    plan: str
    plan_title: str
    start: dt.date
    fee: Decimal


@dataclass
class Report:
    title: str
    period: tuple[dt.date | None, dt.date | None]
    payouts: list[dict] = field(default_factory=list)  # month, office, plan, benefit, claims, amount
    fees: list[dict] = field(default_factory=list)  # office, plan, enrolments, fees
    loss: list[dict] = field(default_factory=list)  # plan, office, fees, refunds, payouts, ratio
    statuses: list[dict] = field(default_factory=list)  # status, claims, amount
    reasons: list[dict] = field(default_factory=list)  # code, message, enrolments
    claims: int = 0
    total_paid: Decimal = ZERO
    total_fees: Decimal = ZERO


def loss_ratio(payouts: Decimal, fees: Decimal) -> Decimal | None:
    """Payouts ÷ fees as a percentage with one decimal (half up); None when no fee was due."""
    if fees <= 0:
        return None
    return (payouts * 100 / fees).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def fees_of_claims(decided: Iterable[DecidedClaim], titles: dict[str, str]) -> list[EnrolmentFee]:
    """The enrolments claims list (without a ledger, all that is known of fees)."""
    fees = {}
    for item in decided:
        member = item.claim.member
        for enrolment in item.claim.enrolments:
            key = (member.id_number or member.member_id, enrolment.plan, enrolment.start)
            fees.setdefault(key, EnrolmentFee(key[0], member.office, enrolment.plan, titles.get(enrolment.plan, enrolment.plan),
                                              enrolment.start, enrolment.fee_paid))
    return list(fees.values())


def _within(day: dt.date, period) -> bool:
    start, end = period
    return (start is None or day >= start) and (end is None or day <= end)


def build_report(decided: list[DecidedClaim], enrolments: list[EnrolmentFee], title: str = "职工互助保障给付与赔付率报表",
                 period: tuple[dt.date | None, dt.date | None] = (None, None)) -> Report:
    report = Report(title, period)
    decided = [item for item in decided if _within(item.decided_on, period)]
    enrolments = [item for item in enrolments if _within(item.start, period)]
    payouts: dict[tuple, list] = defaultdict(lambda: [set(), ZERO])
    paid_by: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    refunds_by: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    titles: dict[str, str] = {item.plan: item.plan_title for item in enrolments}
    statuses: dict[str, list] = defaultdict(lambda: [0, ZERO])
    reasons: Counter = Counter()
    messages: dict[str, str] = {}
    for index, item in enumerate(decided):
        decision, office = item.decision, item.claim.member.office
        status = "voided" if item.voided else decision.status
        statuses[status][0] += 1
        if item.voided:
            continue
        statuses[status][1] += decision.total
        for enrolment in decision.enrolments:
            titles.setdefault(enrolment.plan, enrolment.plan_title)
            for line in enrolment.lines:
                if line.refund:
                    refunds_by[(enrolment.plan, office)] += line.amount
                elif line.amount > 0:
                    key = (item.decided_on.strftime("%Y-%m"), office, enrolment.plan_title, line.title)
                    payouts[key][0].add(index)
                    payouts[key][1] += line.amount
                    paid_by[(enrolment.plan, office)] += line.amount
            for code, message in dict.fromkeys((r.code, r.message) for r in enrolment.refusals):
                reasons[code] += 1
                messages.setdefault(code, message)
            if enrolment.missing:
                reasons["missing_evidence"] += 1
                messages.setdefault("missing_evidence", "缺少认定所需的材料")
            for line in enrolment.lines:
                if line.note_code and not line.refund:
                    reasons[line.note_code] += 1
                    messages.setdefault(line.note_code, line.note or "")
    report.claims = len(decided)
    report.payouts = [{"month": month, "office": office, "plan": plan, "benefit": benefit, "claims": len(claims), "amount": amount}
                      for (month, office, plan, benefit), (claims, amount) in sorted(payouts.items())]
    report.total_paid = sum((row["amount"] for row in report.payouts), ZERO)
    fee_totals: dict[tuple[str, str], list] = defaultdict(lambda: [0, ZERO])
    for item in enrolments:
        fee_totals[(item.plan, item.office)][0] += 1
        fee_totals[(item.plan, item.office)][1] += item.fee
    report.fees = [{"office": office, "plan": titles.get(plan, plan), "enrolments": count, "fees": amount}
                   for (plan, office), (count, amount) in sorted(fee_totals.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    report.total_fees = sum((row["fees"] for row in report.fees), ZERO)
    for plan, office in sorted(set(fee_totals) | set(paid_by) | set(refunds_by)):
        fees, paid = fee_totals[(plan, office)][1] if (plan, office) in fee_totals else ZERO, paid_by[(plan, office)]
        report.loss.append({"plan": titles.get(plan, plan), "office": office, "fees": fees, "refunds": refunds_by[(plan, office)],
                            "payouts": paid, "ratio": loss_ratio(paid, fees)})
    report.statuses = [{"status": STATUS_ZH[status], "claims": count, "amount": amount}
                       for status, (count, amount) in sorted(statuses.items(), key=lambda kv: list(STATUS_ZH).index(kv[0]))]
    report.reasons = [{"code": code, "message": messages[code], "enrolments": count} for code, count in reasons.most_common()]
    return report


def _totals(rows: list[dict], key: str, value: str) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        totals[row[key]] += row[value]
    return list(totals.items())


def _ratio_by(report: Report, key: str) -> list[tuple[str, Decimal, str]]:
    fees = dict(_totals(report.loss, key, "fees"))
    paid = dict(_totals(report.loss, key, "payouts"))
    items = []
    for name in fees:
        ratio = loss_ratio(paid[name], fees[name])
        if ratio is not None:
            items.append((name, ratio, f"{ratio}%"))
    return items


def charts(report: Report) -> list[Markup]:
    by_month = sorted(_totals(report.payouts, "month", "amount"))
    by_plan = _totals(report.payouts, "plan", "amount")
    by_office = _totals(report.payouts, "office", "amount")
    return [Markup(svg) for svg in (
        bar_chart("按月给付金额（元）", [(m, v, f"{v:,.2f}") for m, v in by_month]),
        bar_chart("按保障项目给付金额（元）", [(p, v, f"{v:,.2f}") for p, v in by_plan]),
        bar_chart("按办事处给付金额（元）", [(o, v, f"{v:,.2f}") for o, v in by_office]),
        bar_chart("赔付率（给付 ÷ 会费），按保障项目", _ratio_by(report, "plan"), reference=(Decimal(100), "100%")),
        bar_chart("赔付率（给付 ÷ 会费），按办事处", _ratio_by(report, "office"), reference=(Decimal(100), "100%")),
        bar_chart("案件状态（件）", [(row["status"], Decimal(row["claims"]), str(row["claims"])) for row in report.statuses]),
    )]


TABLES = {
    "payouts": ("给付明细", [("month", "月份"), ("office", "办事处"), ("plan", "保障项目"), ("benefit", "保障责任"),
                             ("claims", "案件数"), ("amount", "给付金额")]),
    "fees": ("会费", [("office", "办事处"), ("plan", "保障项目"), ("enrolments", "参保人次"), ("fees", "会费")]),
    "loss-ratio": ("赔付率", [("plan", "保障项目"), ("office", "办事处"), ("fees", "会费"), ("refunds", "退还会费"),
                              ("payouts", "给付金额"), ("ratio", "赔付率（%）")]),
    "claims-by-status": ("案件状态", [("status", "状态"), ("claims", "案件数"), ("amount", "给付金额")]),
    "claims-by-reason": ("未给付原因", [("code", "原因代码"), ("message", "说明"), ("enrolments", "涉及保障项目次数")]),
}


def _rows(report: Report, name: str) -> list[dict]:
    return {"payouts": report.payouts, "fees": report.fees, "loss-ratio": report.loss, "claims-by-status": report.statuses,
            "claims-by-reason": report.reasons}[name]


MONEY_KEYS = frozenset({"amount", "fees", "refunds", "payouts"})


def _cell(key: str, value, style: str):
    """A value as a table shows it: `text` (CSV), `html` (thousands separated) or `xlsx` (a number)."""
    if value is None:
        return None if style == "xlsx" else "—" if style == "html" else ""
    if key in MONEY_KEYS:
        return value if style == "xlsx" else yuan(value) if style == "html" else format_money(value)
    if isinstance(value, Decimal):
        return value if style == "xlsx" else str(value)
    return value


def report_csv(report: Report) -> dict[str, bytes]:
    """One CSV per table, by file name."""
    files = {}
    for name, (_, columns) in TABLES.items():
        rows = ([_cell(key, row[key], "text") for key, _ in columns] for row in _rows(report, name))
        files[f"{name}.csv"] = csv_bytes([title for _, title in columns], rows)
    return files


def report_xlsx(report: Report) -> bytes:
    sheets = []
    for name, (sheet, columns) in TABLES.items():
        rows = [[_cell(key, row[key], "xlsx") for key, _ in columns] for row in _rows(report, name)]
        sheets.append((sheet, [title for _, title in columns], rows))
    return xlsx_bytes(sheets, widths={"保障项目": 26, "保障责任": 26, "说明": 40})


def report_html(report: Report) -> str:
    tables = [(sheet, columns, [[_cell(key, row[key], "html") for key, _ in columns] for row in _rows(report, name)])
              for name, (sheet, columns) in TABLES.items()]
    return render("report.html", r=report, charts=charts(report), tables=tables,
                  ratio=loss_ratio(report.total_paid, report.total_fees))
