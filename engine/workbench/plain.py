"""Plan and library values as a product person reads them: conditions as Chinese sentences,
amounts in yuan, codes by their Chinese names.

Conditions are rendered from the YAML as written (not from the compiled tree), so what the
page says follows the file line by line: `not: any: [...]` reads as "并非以下任一", not as its
De Morgan rewrite. Rendering only; a value this module does not know is shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.rules.compiler import RuleLibrary

# The facts of engine.vocabulary, by their Chinese names.
FIELD_NAMES = {
    "age": "参保时年龄", "gender": "性别", "office": "办事处", "medical_insurance": "基本医保类型",
    "employment": "就业形式", "occupation_risk": "职业风险类别", "source": "会费来源", "units": "份数",
    "tier": "档次", "continuous_renewal": "连续续保", "days_from_first_continuous_start": "自首次连续参保起的天数",
    "pre_existing": "既往症", "event": "事件类型", "cause": "出险原因", "designated": "定点医院",
    "stay_days": "住院天数", "icu_days": "重症监护天数", "on_duty": "执行职务中", "fee_schedule": "缴费标准",
    "days_from_term_end": "距保障期末的天数", "alive": "生存", "care_costs": "有医疗费用", "outcome": "意外后果",
    "total": "医疗总费用", "fund_paid": "统筹支付", "self_pay_in_scope": "统筹内个人自付",
    "self_pay_out_of_scope": "自费", "other_reimbursed": "其他报销",
}

VALUE_NAMES = {
    "female": "女", "male": "男", "urban_employee": "城镇职工医保", "urban_rural_resident": "城乡居民医保",
    "none": "无", "standard": "在职", "new_form": "新就业形态", "retired": "退休", "normal": "一般职业",
    "high": "高风险职业", "high_risk": "高风险职业标准", "paid": "自行缴费", "gift": "赠送",
    "hospital_stay": "住院", "diagnosis": "确诊", "accident": "意外", "death": "身故", "maturity": "满期",
    "disease": "疾病", "disability": "伤残", "treatment": "仅治疗",
}

OPERATORS = {"at_least": "不低于", "at_most": "不高于", "less_than": "低于", "more_than": "高于"}


@dataclass
class Sentence:
    """One line of a rendered condition; `children` are the parts of an all/any/not."""

    text: str
    children: list["Sentence"] = field(default_factory=list)

    def flat(self) -> str:
        """The sentence on one line (for tables and titles)."""
        if not self.children:
            return self.text
        return f"{self.text}（{'；'.join(child.flat() for child in self.children)}）"


def value_name(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(value_name(item) for item in value)
    return VALUE_NAMES.get(str(value), str(value))



def yuan(amount: Any) -> str:
    """¥12,345.00 (two decimals, thousands separators)."""
    try:
        return f"¥{Decimal(str(amount)):,.2f}"
    except ArithmeticError:
        return str(amount)


TIER_NAMES = "一二三四五六七八九十"


def amount_text(amount: Any) -> str:
    """A plan amount: fixed, {per_unit}, {per_tier: [...]} or a fee table by schedule."""
    if isinstance(amount, dict):
        if "per_unit" in amount:
            return f"每份 {yuan(amount['per_unit'])}"
        per_tier = amount.get("per_tier")
        if isinstance(per_tier, list):
            return "；".join(f"{_tier(i)}档 {yuan(value)}" for i, value in enumerate(per_tier))
        if isinstance(per_tier, dict):
            return "；".join(f"{value_name(schedule)}：{amount_text({'per_tier': values})}"
                            for schedule, values in per_tier.items())
    return yuan(amount)


def _tier(index: int) -> str:
    return TIER_NAMES[index] if index < len(TIER_NAMES) else str(index + 1)


class ConditionText:
    """Renders YAML conditions with the names the rule libraries give (findings, circumstances)."""

    def __init__(self, library: RuleLibrary):
        self.findings = {key: finding.definition.title for key, finding in library.findings.items()}
        self.circumstances = dict(library.circumstances)
        self.offices = dict(getattr(library, "offices", {}))  # rules/offices.yaml: code -> title

    def render(self, condition: Any) -> Sentence:
        if not isinstance(condition, dict) or not condition:
            return Sentence(str(condition))
        parts = [self._key(key, value) for key, value in condition.items()]
        if len(parts) == 1:
            return parts[0]
        return Sentence("同时满足", parts)

    def _key(self, key: str, value: Any) -> Sentence:
        if key == "all":
            return Sentence("同时满足以下全部", [self.render(item) for item in value or []])
        if key == "any":
            return Sentence("满足以下任一", [self.render(item) for item in value or []])
        if key == "not":
            inner = self.render(value)
            return Sentence("并非", [inner])
        if key == "circumstance":
            codes = value.get("any_of", []) if isinstance(value, dict) else [value]
            return Sentence("出险情形为" + "或".join(f"“{self.circumstances.get(c, c)}”" for c in codes))
        if key == "icd10":
            return Sentence(f"本诊断的 ICD-10 编码属于 {_codes(value)}")
        if key == "diagnosis":
            codes = value.get("icd10", []) if isinstance(value, dict) else value
            return Sentence(f"本次事件有诊断的 ICD-10 编码属于 {_codes(codes)}")
        if key == "procedure":
            codes = value.get("icd9", []) if isinstance(value, dict) else value
            return Sentence(f"施行了手术（ICD-9-CM-3）{' 或 '.join(str(c) for c in codes)}")
        if key == "finding":
            parts = [self._test(self.findings.get(name, name), spec, finding=True) for name, spec in (value or {}).items()]
            return parts[0] if len(parts) == 1 else Sentence("同时满足", parts)
        if key == "office":
            return self._test(FIELD_NAMES[key], value, names=self.offices)
        return self._test(FIELD_NAMES.get(key, key), value)

    def _test(self, name: str, spec: Any, finding: bool = False, names: dict | None = None) -> Sentence:
        names = names or {}

        def named(value: Any) -> str:
            return names.get(value) or value_name(value)

        if not isinstance(spec, dict):
            if isinstance(spec, bool) and not finding:
                return Sentence(f"{name}：{'是' if spec else '否'}")
            return Sentence(f"{name}为{named(spec)}")
        texts = []
        for operator, operand in spec.items():
            if operator == "between" and isinstance(operand, list) and len(operand) == 2:
                texts.append(f"{name}在 {operand[0]} 至 {operand[1]} 之间（含两端）")
            elif operator in OPERATORS:
                texts.append(f"{name}{OPERATORS[operator]} {operand}")
            elif operator == "in":
                texts.append(f"{name}为{'、'.join(named(item) for item in operand)}之一"
                             if len(operand) > 1 else f"{name}为{named(operand[0])}")
            elif operator == "not_in":
                texts.append(f"{name}不是{'、'.join(named(item) for item in operand)}")
            elif operator == "not":
                texts.append(f"{name}不是{named(operand)}")
            elif operator == "stated":
                texts.append(f"病历{'载明' if operand else '未载明'}{name}")
            else:
                texts.append(f"{name} {operator} {operand}")
        return Sentence("，且".join(texts))


def _codes(codes: Any) -> str:
    if isinstance(codes, (list, tuple)):
        return "、".join(str(code).replace("-", "–") for code in codes)
    return str(codes)


STATUS_NAMES = {"paid": "已赔付", "partial": "部分赔付", "denied": "拒赔", "pending": "待补充材料",
                "suspected_duplicate": "疑似重复理赔（待人工核实）"}
MEASURE_NAMES = {"paid": "已赔付金额", "deductible_used": "已用免赔额", "days_paid": "已给付天数", "payments": "给付次数",
                 "ended": "保障已终止"}
SKIPPED_NAMES = {"outside_term": "事件不在保障期内", "event_not_covered": "本方案不保障此类事件", "not_applicable": "本方案不保障此类事件"}
CAP_NAMES = {"cap_per_claim": "每次理赔限额", "cap_per_accident": "每次意外限额", "cap_per_term": "保障期内限额",
             "cap_per_life": "终身限额"}
