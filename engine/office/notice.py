"""Decision notices (理赔决定通知书): one printable page per claim, in plain Chinese, for the
member. It says what was paid per plan and benefit in yuan, what was not and why (the clause's
own text, from the plan or the exclusion library), what is still missing when the claim waits
for evidence, and how to object. It shows no internal ids: no claim, member or enrolment ids, no
reason codes, rule names, plan ids or hashes; the identity number is masked as in publicity."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from engine.model.claim import Accident, Death, DiseaseDiagnosis, HospitalStay, Maturity
from engine.office.files import chinese_date, render
from engine.office.masking import mask_id_number
from engine.office.records import DecidedClaim

HEADLINES = {
    "paid": "经审核，您本次申请的互助金予以给付。",
    "partial": "经审核，您本次申请的互助金部分予以给付，未给付部分及原因见下文。",
    "denied": "经审核，您本次申请不符合给付条件，不予给付，原因见下文。",
    "pending": "经审核，您本次申请尚缺少认定所需的材料，暂不作出给付决定；请补充下列材料后再次提交。",
}
CAUSE = {"disease": "疾病", "accident": "意外伤害"}


@dataclass
class PaidItem:
    plan: str
    benefit: str
    amount: Decimal
    explanation: str = ""


@dataclass
class UnpaidItem:
    plan: str
    reason: str  # the Chinese sentence with the clause's text


@dataclass
class NoticeView:
    """What the page shows, already in words: built here, rendered by the template."""

    name: str
    id_number: str
    employer: str
    office_name: str
    received: dt.date | None
    event: str
    decided_on: dt.date
    status: str
    headline: str
    total: Decimal
    paid: list[PaidItem] = field(default_factory=list)
    refunds: list[PaidItem] = field(default_factory=list)
    unpaid: list[UnpaidItem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    objection_days: int | None = None


def describe_event(event) -> str:
    """The event in the member's words: what happened and when."""
    if isinstance(event, HospitalStay):
        return f"{chinese_date(event.admission)}至{chinese_date(event.discharge)}因{CAUSE[event.cause]}住院治疗"
    if isinstance(event, DiseaseDiagnosis):
        return f"{chinese_date(event.diagnosis_date)}确诊疾病"
    if isinstance(event, Accident):
        text = f"{chinese_date(event.accident_date)}发生意外伤害"
        if event.death_date:
            text += f"，{chinese_date(event.death_date)}身故"
        elif event.injuries:
            text += "，经评定伤残"
        return text
    if isinstance(event, Death):
        return f"{chinese_date(event.death_date)}因{CAUSE[event.cause]}身故"
    if isinstance(event, Maturity):
        return f"保障期满，于{chinese_date(event.maturity_date)}申请满期返还"
    return "申请互助金"


_FINDING_PATH = re.compile(r"findings\.([a-z0-9_]+)$")


def _missing_texts(missing, library) -> list[str]:
    """`$.event.diagnoses[0].findings.lvef` needed by `critical-illness-severe/ami-severe 较重急性心肌梗死`
    -> 病历中的“左室射血分数（%）”（用于认定：较重急性心肌梗死）, one line per finding."""
    diseases: dict[str, list[str]] = {}
    for item in missing:
        match = _FINDING_PATH.search(item.field)
        finding = library.findings.get(match.group(1)) if match and library else None
        what = f"病历中的“{finding.definition.title}”" if finding else "相关检查结论"
        names = diseases.setdefault(what, [])
        disease = item.needed_by.split(" ", 1)[1] if " " in item.needed_by else ""
        if disease and disease not in names:
            names.append(disease)
    return [what + (f"（用于认定：{'、'.join(names)}）" if names else "") for what, names in diseases.items()]


def _explanation(line) -> str:
    parts = []
    if line.disease is not None:
        parts.append(f"经认定符合“{line.disease.name}”")
    if line.note and line.amount < line.computed:
        parts.append(f"按规定计算为{line.computed:,.2f}元，{line.note}")
    elif line.note:
        parts.append(line.note)
    return "；".join(parts)


def build_notice(decided: DecidedClaim, plan_titles: dict[str, str], library=None, office_name: str | None = None,
                 objection_days: int | None = None) -> NoticeView:
    claim, decision = decided.claim, decided.decision
    member = claim.member
    view = NoticeView(
        name=member.name or "会员", id_number=mask_id_number(member.id_number) if member.id_number else "",
        employer=member.employer or "", office_name=office_name or member.office, received=claim.received,
        event=describe_event(claim.event), decided_on=decided.decided_on, status=decision.status,
        headline=HEADLINES[decision.status], total=decision.total, objection_days=objection_days,
    )
    for enrolment in decision.enrolments:
        for line in enrolment.lines:
            item = PaidItem(enrolment.plan_title, line.title, line.amount, _explanation(line))
            if line.refund:
                view.refunds.append(item)
            elif line.amount > 0:
                view.paid.append(item)
            elif line.note:
                view.unpaid.append(UnpaidItem(enrolment.plan_title, f"{line.title}：{line.note}"))
        seen = set()
        for refusal in enrolment.refusals:
            if refusal.message not in seen:  # one sentence per reason, however many rules said it
                seen.add(refusal.message)
                view.unpaid.append(UnpaidItem(enrolment.plan_title, refusal.message))
        for text in _missing_texts(enrolment.missing, library):
            if text not in view.missing:
                view.missing.append(text)
    for skipped in decision.skipped:
        if skipped.reason in ("not_applicable", "event_not_covered"):
            view.not_applicable.append(plan_titles.get(skipped.plan, skipped.plan))
    return view


def notice_html(view: NoticeView) -> str:
    return render("notice.html", n=view)


def plan_titles(adjudicator) -> dict[str, str]:
    """Plan id -> the Chinese title of its latest revision (for enrolments a decision skipped)."""
    return {plan_id: revisions[-1].plan.title for plan_id, revisions in adjudicator.revisions.items()}
