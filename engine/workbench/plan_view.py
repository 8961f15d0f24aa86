"""A plan revision as a product person reads it: sections (eligibility, coverage, waiting
periods, exclusions with their clause text, benefits with amounts, caps, bands and windows),
every item and every field with a link to its YAML file and line.

Fields are rendered from the revision in force (`CompiledPlan.plan`), key by key with Chinese
labels; a key this module has no label for is still shown, under its YAML name, so a new plan
feature never disappears from the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.rules.compiler import CompiledPlan
from engine.workbench.library_view import dates_of
from engine.workbench.plain import FIELD_NAMES, ConditionText, Sentence, amount_text, value_name, yuan
from engine.workbench.sources import SourceIndex, SourceLink

KEY_LABELS = {
    "plan": "方案编号", "title": "名称", "revision": "版本", "effective_from": "生效日期（参保起期）",
    "effective_to": "失效日期（参保起期）", "fee": "会费", "order": "理赔顺序", "tiers": "档次数",
    "proportional_payment": "按比例给付", "units": "可购份数", "term_years": "保障期（年）", "events": "保障事件",
    "notes": "说明", "group_enrolment": "团体参保", "require": "条件", "days": "天数", "applies_when": "适用于",
    "refund_fee": "退还会费", "ends_cover": "终止保障", "pays": "给付方式", "when": "适用条件", "base": "计算基数",
    "schedules": "免赔额与分段比例", "cap_per_claim": "每次理赔限额", "cap_per_accident": "每次意外限额",
    "cap_per_term": "保障期内限额", "cap_per_life": "终身限额", "deductible_days": "每次住院免赔天数",
    "amount_per_day": "每日金额", "max_days_per_term": "保障期内最多给付天数", "extra_days": "额外给付天数",
    "diseases": "疾病目录", "amount": "金额", "yields_to": "让位于", "stacks_with": "可叠加给付",
    "max_payments_per_life": "终身最多给付次数", "once_per_disease": "每种疾病终身限给付一次",
    "sum": "保险金额", "death_within_days": "意外发生后身故期限（天）", "once_per_enrolment": "每个参保期限给付一次",
    "unless_death_paid": "已给付身故金则不给付", "is_death_benefit": "属身故给付", "paid_fee": "实缴标准",
    "due_fee": "应缴标准", "participation": "参保比例要求", "same_choice": "同一申请份数（档次）一致",
    "share": "比例", "all_below": "不足此人数须全员参保", "among": "计算范围",
    "eligibility": "参保条件", "coverage": "保障范围", "waiting_periods": "等待期", "exclusions": "除外责任",
    "benefits": "保障责任", "groups": "除外责任组", "clauses": "条款", "scoped": "按条件适用", "bands": "分段比例",
    "deductible_per_term": "每保障期免赔额", "deductible_per_accident": "每次意外免赔额", "up_to": "上限", "rate": "比例",
}
# Benefit fields in the order a product person reads them; others follow as written.
FIELD_ORDER = ["pays", "when", "base", "diseases", "schedules", "amount", "sum", "amount_per_day", "days", "deductible_days",
               "max_days_per_term", "death_within_days", "yields_to", "stacks_with"]

PAYS = {"reimbursement": "按比例报销", "per_day": "按日给付津贴", "lump_sum": "定额给付（疾病目录）",
        "death_disability": "身故、伤残给付", "fixed": "固定金额"}
AMOUNT_KEYS = {"fee", "amount", "amount_per_day", "sum", "cap_per_claim", "cap_per_accident", "cap_per_term", "cap_per_life"}
CONDITION_KEYS = {"require", "when", "applies_when", "among"}
SECTIONS = [("eligibility", "参保条件", "不符合时：not_eligible"), ("coverage", "保障范围", "不符合时：not_covered"),
            ("waiting_periods", "等待期（观察期）", "期内出险：waiting_period")]


@dataclass
class Row:
    label: str
    key: str
    text: str = ""
    sentence: Sentence | None = None
    link: SourceLink | None = None
    href: str | None = None  # a page of the workbench the value names (a disease list)


@dataclass
class Item:
    title: str
    id: str | None
    link: SourceLink
    rows: list[Row] = field(default_factory=list)
    children: list["Item"] = field(default_factory=list)
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    hint: str
    items: list[Item]


@dataclass
class PlanView:
    compiled: CompiledPlan
    link: SourceLink
    header: list[Row]
    sections: list[Section]
    notes: str | None


class PlanRenderer:
    def __init__(self, index: SourceIndex):
        self.index = index
        self.conditions = ConditionText(index.adjudicator.library)

    def view(self, compiled: CompiledPlan) -> PlanView:
        data = compiled.plan.model_dump(mode="python", exclude_unset=True)
        header_keys = ["plan", "revision", "effective_from", "effective_to", "fee", "units", "tiers", "term_years",
                       "events", "order", "proportional_payment"]
        header = [self.row(compiled, (key,), data[key]) for key in header_keys if key in data]
        sections = []
        for key, title, hint in SECTIONS:
            if data.get(key):
                sections.append(Section(key, title, hint, [self.item(compiled, (key, i), item) for i, item in enumerate(data[key])]))
        sections.append(self.exclusions(compiled, data.get("exclusions") or {}))
        sections.append(Section("benefits", "保障责任", "按所列顺序逐项判断",
                                [self.item(compiled, ("benefits", i), item) for i, item in enumerate(data["benefits"])]))
        if data.get("group_enrolment"):
            sections.append(Section("group_enrolment", "团体参保", "", [self.item(compiled, ("group_enrolment",), data["group_enrolment"])]))
        return PlanView(compiled, self.index.plan_link(compiled), header, sections, data.get("notes"))

    def item(self, compiled: CompiledPlan, path: tuple, data: dict) -> Item:
        title = str(data.get("title") or data.get("id") or KEY_LABELS.get(str(path[-1]), str(path[-1])))
        item = Item(title, data.get("id"), self.index.plan_link(compiled, path))
        ordered = sorted(data, key=lambda k: FIELD_ORDER.index(k) if k in FIELD_ORDER else len(FIELD_ORDER))
        for key in ordered:
            value = data[key]
            if key in ("id", "title"):
                continue
            if key == "extra_days" and isinstance(value, list):
                item.children.extend(self.item(compiled, path + (key, i), extra) for i, extra in enumerate(value))
                continue
            if key == "participation" and isinstance(value, dict):
                item.children.append(self.item(compiled, path + (key,), value))
                continue
            item.rows.append(self.row(compiled, path + (key,), value))
        return item

    def row(self, compiled: CompiledPlan, path: tuple, value: Any) -> Row:
        key = str(path[-1])
        row = Row(KEY_LABELS.get(key, key), key, link=self.index.plan_link(compiled, path))
        if key in CONDITION_KEYS:
            row.sentence = self.conditions.render(value)
        elif key == "schedules":
            row.sentence = Sentence("按以下顺序取第一个适用的方案", [self.schedule(s) for s in value])
        else:
            row.text = self.text(key, value)
        if key == "diseases" and isinstance(value, dict) and value.get("list"):
            from urllib.parse import urlencode

            row.href = "/diseases?" + urlencode({"list": value["list"]})
        return row

    def text(self, key: str, value: Any) -> str:
        if key in ("plan", "revision", "title", "notes"):
            return str(value)
        if key in AMOUNT_KEYS:
            return amount_text(value)
        if key == "pays":
            return PAYS.get(value, value)
        if key == "base":
            return base_text(value)
        if key == "events":
            return "、".join(value_name(e) if isinstance(e, str) else f"{value_name(e['kind'])}（仅{value_name(e['cause'])}导致）"
                            for e in value)
        if key == "units" and isinstance(value, dict):
            return f"{value.get('min')} 至 {value.get('max')} 份"
        if key == "diseases" and isinstance(value, dict):
            listing = self.index.adjudicator.library.disease_lists.get(value.get("list"))
            title = listing.title if listing else value.get("list")
            return f"{title}（{value.get('list')}）" + (f"，仅 {value['kind']} 类" if value.get("kind") else "")
        if key == "proportional_payment" and isinstance(value, dict):
            return (f"{value.get('title')}：当{self.conditions.render(value.get('when')).flat()}时，"
                    f"按{value_name(value.get('paid_fee'))}会费 ÷ {value_name(value.get('due_fee'))}会费给付")
        if key == "share":
            return f"{(Decimal(str(value)) * 100).normalize():f}%"
        if key in ("days", "deductible_days") and isinstance(value, str):
            return FIELD_NAMES.get(value, value)
        if key == "days" or key.endswith("_days") or key.startswith("max_days"):
            return f"{value} 天" if isinstance(value, int) else str(value)
        return plain_value(value)

    def schedule(self, schedule: dict) -> Sentence:
        parts = []
        if schedule.get("deductible_per_term") not in (None, Decimal("0"), Decimal("0.00")):
            parts.append(f"每保障期免赔额 {yuan(schedule['deductible_per_term'])}")
        if schedule.get("deductible_per_accident") not in (None, Decimal("0"), Decimal("0.00")):
            parts.append(f"每次意外免赔额 {yuan(schedule['deductible_per_accident'])}")
        parts.append(bands_text(schedule.get("bands") or []))
        when = schedule.get("when")
        lead = f"当{self.conditions.render(when).flat()}：" if when else "其余情形："
        return Sentence(lead + "；".join(parts))

    def exclusions(self, compiled: CompiledPlan, data: dict) -> Section:
        items = []
        groups = self.index.adjudicator.library.groups
        for i, group in enumerate(data.get("groups") or []):
            item = Item("除外责任组", group, self.index.plan_link(compiled, ("exclusions", "groups", i)),
                        note=f"（{len(groups.get(group, []))} 条，定义见 rules）")
            item.children = [self.clause(clause) for clause in groups.get(group, [])]
            items.append(item)
        for i, clause in enumerate(data.get("clauses") or []):
            found = self.clause(clause)
            found.link = self.index.plan_link(compiled, ("exclusions", "clauses", i))
            items.append(found)
        for i, scoped in enumerate(data.get("scoped") or []):
            path = ("exclusions", "scoped", i)
            item = Item(f"当{self.conditions.render(scoped.get('when')).flat()}时适用", None, self.index.plan_link(compiled, path))
            for group in scoped.get("groups") or []:
                child = Item("除外责任组", group, self.index.group_link(group) or item.link)
                child.children = [self.clause(clause) for clause in groups.get(group, [])]
                item.children.append(child)
            item.children.extend(self.clause(clause) for clause in scoped.get("clauses") or [])
            items.append(item)
        return Section("exclusions", "除外责任", "符合条款时：excluded:<条款>", items)

    def clause(self, clause_id: str) -> Item:
        """An exclusion clause with its text and conditions, linked to its line in rules/."""
        data = self.index.exclusion_data(clause_id)
        link = self.index.exclusion_link(clause_id) or SourceLink("rules", None)
        item = Item(str(data.get("title", clause_id)), clause_id, link)
        dated = dates_of(self.index.adjudicator.library.exclusions.get(clause_id))
        if dated.dated:  # a dated clause applies to the terms starting within its dates only
            item.note = f"（{dated.text}，按参保起期）"
        if "when" in data:
            item.rows.append(Row("适用情形", "when", sentence=self.conditions.render(data["when"]), link=link))
        if data.get("unless"):
            item.rows.append(Row("但以下情形除外", "unless", sentence=self.conditions.render(data["unless"]), link=link))
        return item


def bands_text(bands: list[dict]) -> str:
    parts, lower = [], Decimal("0")
    for band in bands:
        rate = f"{(Decimal(str(band['rate'])) * 100).normalize():f}%"
        if band.get("up_to") is not None:
            upper = Decimal(str(band["up_to"]))
            parts.append(f"{yuan(lower)} 至 {yuan(upper)} 部分按 {rate}" if lower else f"{yuan(upper)} 以内按 {rate}")
            lower = upper
        else:
            parts.append(f"超过 {yuan(lower)} 部分按 {rate}" if lower else f"全部按 {rate}")
    return "，".join(parts)


def base_text(base: Any) -> str:
    if isinstance(base, str):
        return FIELD_NAMES.get(base, base)
    if isinstance(base, dict):
        text = " − ".join([FIELD_NAMES.get(base.get("of"), str(base.get("of")))] + [FIELD_NAMES.get(x, x) for x in base.get("less") or []])
        if base.get("less_paid_before"):
            text += "，再减去先理赔的方案已为本次事件支付的医疗费用（补偿原则）"
        return text + "，不低于 0"
    return str(base)


def plain_value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.date, Decimal, int)):
        return str(value)
    if isinstance(value, str):
        return value_name(value)
    if isinstance(value, list):
        return "、".join(plain_value(item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(k, k)}：{plain_value(v)}" for k, v in value.items())
    return str(value)
