"""The claims officer's view of a decision (`adjudicator adjudicate --explain`), in Chinese.

Each claim leads with one line in yuan (`理赔 c-05：部分赔付 ¥8,200.00（住院医疗 ¥6,920.00 已达年度
限额）`); then each plan that covers the event, each benefit with its computation ending in the
amount actually paid after caps, the criteria of a disease definition as sentences, refusals
and missing evidence; plans that do not apply to the event come last, in one line each. Rule
ids, plan hashes, the formula's raw inputs and ledger keys appear only with `verbose`.

Rendering only: everything shown is in the decision (the JSON says the same), so the decision
can come from a stored JSON as well. The English strings the engine records (formulas,
criteria, refusal details) are read back into Chinese here by pattern; what no pattern knows is
shown as recorded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.markup import escape
from rich.tree import Tree

from engine.model.decision import BenefitLine, ClaimFailure, Decision, DiseaseMatch, EnrolmentDecision
from engine.schema_text import CONDITION_ZH

WIDE = 200  # columns when the view is not shown in a terminal (a file, a pager, a test)
STATUS = {"paid": "赔付", "partial": "部分赔付", "denied": "拒付", "pending": "待补材料", "void": "已作废"}
STATUS_STYLE = {"paid": "green", "partial": "yellow", "denied": "red", "pending": "magenta"}
CAPS = {"cap_per_term": "年度限额", "cap_per_claim": "单次限额", "cap_per_accident": "每次意外限额", "cap_per_life": "终身限额"}
SKIPPED = {"outside_term": "事件不在本参保的保障期内", "event_not_covered": "本方案不保障此类事件", "not_applicable": "本方案不保障此类事件"}
INPUTS = {  # formula inputs an officer reads, by their Chinese names; the rest only with verbose
    "base": "计算基数", "deductible_per_term": "年度起付线", "deductible_used_before": "此前已用起付线",
    "deductible_consumed": "本次扣除起付线", "after_deductible": "扣除起付线后", "deductible_per_accident": "每次意外免赔额",
    "stay_days": "住院天数", "deductible_days": "免赔天数", "payable_days": "可给付天数",
    "days_paid_before_in_term": "本期此前已付天数", "max_days_per_term": "本期最多给付天数", "paid_days": "本次给付天数",
    "payments_before_in_life": "此前终身已付次数", "max_payments_per_life": "终身最多给付次数",
}
VALUES = {"disease": "疾病", "accident": "意外", "female": "女", "male": "男", "retired": "退休", "standard": "在职",
          "new_form": "新就业形态", "urban_employee": "城镇职工医保", "urban_rural_resident": "城乡居民医保",
          "hospital_stay": "住院", "diagnosis": "确诊", "death": "身故", "maturity": "满期", "true": "是", "false": "否"}


def yuan(amount: Decimal | str) -> str:
    return f"¥{Decimal(str(amount)):,.2f}"


def short_title(title: str) -> str:
    """`职工住院医疗互助保障` → `住院医疗`: the plan as officers call it."""
    short = title.removeprefix("职工").removesuffix("互助保障").removesuffix("保障")
    return short or title


# -- the one-line summary ----------------------------------------------------------------------


def summary(decision: Decision, findings: dict[str, str] | None = None) -> str:
    """`理赔 c-05：部分赔付 ¥8,200.00（住院医疗 ¥6,920.00 已达年度限额）`: the status and total, and
    what made them: each plan's amount when all was paid, what cut or refused a plan when
    part was, why each plan refused when nothing was, what is missing when it pends."""
    reasons = _reasons(decision, findings or {})
    tail = f"（{'；'.join(reasons)}）" if reasons else ""
    return f"理赔 {decision.claim_id}：{STATUS.get(decision.status, decision.status)} {yuan(decision.total)}{tail}"


def _reasons(decision: Decision, findings: dict[str, str]) -> list[str]:
    reasons: list[str] = []
    refused: dict[str, list[str]] = {}  # one refusal, the plans it refused
    for enrolment in decision.enrolments:
        name = short_title(enrolment.plan_title)
        if decision.status == "paid":
            reasons.append(f"{name} {yuan(enrolment.amount)}")
        elif decision.status == "pending":
            if enrolment.missing:
                fields = sorted({findings.get(key, key) for key in (m.field.rsplit(".", 1)[-1] for m in enrolment.missing)})
                reasons.append(f"{name}缺少 {'、'.join(fields)}")
        elif enrolment.status == "partial":
            cut = [line for line in enrolment.lines if line.amount != line.computed and not line.refund]
            notes = [_cut_reason(line) for line in cut] or [refusal.message for refusal in enrolment.refusals[:1]]
            reasons.append(f"{name} {yuan(enrolment.amount)} {'，'.join(dict.fromkeys(notes))}".rstrip())
        elif enrolment.status == "denied" and enrolment.refusals:
            refund = [line for line in enrolment.lines if line.refund]
            text = enrolment.refusals[0].message + (f"，退还会费 {yuan(refund[0].amount)}" if refund else "")
            refused.setdefault(text, []).append(name)
    reasons += [f"{'、'.join(names)} {text}" for text, names in refused.items()]
    return reasons


def _cut_reason(line: BenefitLine) -> str:
    binding = _binding_cap(line)
    if line.note_code == "cap_reached" and binding is not None:
        return f"已达{CAPS.get(binding.cap, binding.cap)}"
    return line.note or "已达限额"


def _binding_cap(line: BenefitLine):
    """The cap that cut the line: the one with the least available."""
    caps = [cap for cap in line.caps if _decimal(cap.available) is not None]
    return min(caps, key=lambda cap: _decimal(cap.available)) if caps else None


def _decimal(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


# -- the tree ----------------------------------------------------------------------------------


def officer_tree(decision: Decision, findings: dict[str, str] | None = None, circumstances: dict[str, str] | None = None,
                 verbose: bool = False) -> Tree:
    """The decision as a claims officer reads it. `findings` and `circumstances` (key → Chinese
    title, from the rule libraries) name what criteria test; `verbose` adds the technical ids."""
    words = Words(findings or {}, circumstances or {})
    style = STATUS_STYLE.get(decision.status, "")
    head = escape(summary(decision, words.findings))
    root = Tree(f"[bold {style}]{head}[/]" if style else f"[bold]{head}[/]")
    if verbose:
        root.add(f"[dim]会员 {escape(decision.member_id)}[/]")
    for enrolment in decision.enrolments:
        _enrolment(root, enrolment, words, verbose)
    for skipped in decision.skipped:  # last and briefly: plans that do not cover this event
        name = getattr(skipped, "plan_title", None) or skipped.plan
        why = getattr(skipped, "message", None) or SKIPPED.get(skipped.reason, skipped.reason)
        text = f"不适用：{name}（{why}）"
        if verbose:
            text += f" 参保 {skipped.enrolment_id}" + (f"，{skipped.code}" if getattr(skipped, "code", None) else "")
        root.add(f"[dim]{escape(text)}[/]")
    if verbose and decision.accumulator_changes:
        history = root.add("[dim]累计额度变动（ledger keys）[/]")
        for change in decision.accumulator_changes:
            key = change.key.label() if hasattr(change.key, "label") else str(change.key)
            history.add(f"[dim]{escape(key)}: {change.before} → {change.after}[/]")
    return root


def _enrolment(root: Tree, enrolment: EnrolmentDecision, words: "Words", verbose: bool) -> None:
    style = STATUS_STYLE.get(enrolment.status, "")
    label = (f"[bold]{escape(enrolment.plan_title)}[/]（{escape(enrolment.revision)} 版）："
             f"[{style}]{STATUS.get(enrolment.status, enrolment.status)}[/] {yuan(enrolment.amount)}")
    if verbose:
        label += f" [dim]参保 {escape(enrolment.enrolment_id)}，方案 {escape(enrolment.plan)}，文件 SHA-256 {enrolment.plan_hash[:12]}[/]"
    branch = root.add(label)
    for line in enrolment.lines:
        _line(branch, line, words, verbose)
    for refusal in enrolment.refusals:
        node = branch.add(f"[red]✗[/] {escape(refusal.message)}" + (f" [dim]{escape(refusal.code)}，条款 {escape(refusal.clause)}[/]" if verbose else ""))
        reason = words.detail(refusal.detail)
        if reason:
            node.add(escape(reason))
        if verbose and refusal.detail:
            node.add(f"[dim]{escape(refusal.detail)}[/]")
    for missing in enrolment.missing:
        key = missing.field.rsplit(".", 1)[-1]
        name = words.findings.get(key, key)
        branch.add(f"[magenta]待补[/] {escape(name)}（{escape(missing.field)}），{escape(_needed_by(missing.needed_by))}需要")
    for yielded in getattr(enrolment, "yielded", []) or []:
        branch.add(f"[dim]{escape(getattr(yielded, 'text', str(yielded)))}[/]")


def _needed_by(needed_by: str) -> str:
    """`critical-illness-severe/parkinsons-severe 严重原发性帕金森病` → `严重原发性帕金森病`"""
    parts = needed_by.split(" ", 1)
    return parts[1] if len(parts) == 2 else needed_by


def _line(branch: Tree, line: BenefitLine, words: "Words", verbose: bool) -> None:
    refund = "（退还会费）" if line.refund and "退" not in line.title else ""
    title = f"{escape(line.title)}{refund} [bold]{yuan(line.amount)}[/]"
    node = branch.add(title + (f" [dim]规则 {escape(line.clause)}[/]" if verbose else ""))
    node.add(f"计算：{escape(paid_formula(line))}")
    if line.disease is not None:
        _disease(node, line.disease, words)
    basis = [f"{INPUTS[name]} {_amount_text(value)}" for name, value in line.inputs.items() if name in INPUTS]
    if basis:
        node.add(escape("依据：" + "，".join(basis)))
    for cap in line.caps:
        node.add(escape(f"{CAPS.get(cap.cap, cap.cap)} {_amount_text(cap.limit)}，此前已付 {yuan(cap.used_before)}，"
                        f"尚余 {yuan(cap.available)}"))
    if verbose:
        inputs = node.add("[dim]inputs[/]")
        for name, value in line.inputs.items():
            inputs.add(f"[dim]{escape(name)}: {escape(str(value))}[/]")


def _disease(node: Tree, match: DiseaseMatch, words: "Words") -> None:
    disease = node.add(escape(f"疾病：{match.name}（{match.disease_list} 第 {match.number} 项），"
                              f"诊断 {match.diagnosis.rsplit(': ', 1)[-1]}，定义编码 {match.codes}"))
    disease.add(escape(f"给付标准：{words.criteria(match.criteria)}"))
    for checked in match.preferred_checked:
        outcome = {"met": "满足", "failed": "不满足", "pending": "待定"}.get(checked.outcome, checked.outcome)
        disease.add(escape(f"先行判断 {checked.name}：{outcome}——{words.criteria(checked.criteria)}"))


# -- formulas ----------------------------------------------------------------------------------

_MONEY = re.compile(r"(?<![\d.])(\d+\.\d{2})(?![\d])")
_RATE = re.compile(r"× (0\.\d+|1\.0+)(?=[\s)（]|$)")


def paid_formula(line: BenefitLine) -> str:
    """The line's formula in Chinese with thousands separators, ending in what was paid: the
    capped amount, not the formula's result, when a cap cut it."""
    text = line.formula
    result = ""
    match = re.search(r" = ([0-9.]+)(?: → ([0-9.]+))?(;.*)?$", text)
    if match:
        exact, rounded, rest = match.group(1), match.group(2), match.group(3) or ""
        text = text[:match.start()]
        if rounded is not None and Decimal(exact) != Decimal(rounded):
            shown = exact if len(exact.split(".")[-1]) <= 6 else exact[:exact.index(".") + 7] + "…"
            result = f" = {shown} → {yuan(rounded)}"
        else:
            result = f" = {yuan(rounded or exact)}"
        result += _formula_words(rest)
    text = _formula_words(text)
    text = _RATE.sub(lambda m: f"× {_percent(m.group(1))}", text)
    text = _MONEY.sub(lambda m: f"{Decimal(m.group(1)):,.2f}", text)
    computed = f"{text}{result}"
    if line.refund:
        return f"退还已缴会费 {yuan(line.amount)}"
    less = re.search(r"; less ([0-9.]+) paid before", line.formula)
    due = line.computed - Decimal(less.group(1)) if less else line.computed
    if line.amount == due:
        return f"{computed}，实付 {yuan(line.amount)}" if less else computed
    return f"{computed}；{_cut_reason(line)}，实付 {yuan(line.amount)}"


def _formula_words(text: str) -> str:
    text = re.sub(r"(\d+) ([a-z][a-z0-9-]*) days", r"\1 天（\2）", text)
    text = re.sub(r"(\d+) days", r"\1 天", text)
    text = re.sub(r"(\d+) units", r"\1 份", text)
    text = re.sub(r" ?\(death\)", "（身故）", text).replace("nothing to pay", "无可给付")
    text = re.sub(r" ?\(grade (\d+)\)", r"（\1 级伤残）", text)
    text = re.sub(r" ?\(tier (\d+)\)", r"（第 \1 档）", text)
    text = re.sub(r"\b(total|fund_paid|self_pay_in_scope|self_pay_out_of_scope|other_reimbursed)\b",
                  lambda m: _MONEY_FIELDS[m.group(1)], text)
    text = re.sub(r"; less ([0-9.]+) paid before for this accident", lambda m: f"；减去本次意外此前已付 {yuan(m.group(1))}", text)
    return text


def _percent(rate: str) -> str:
    value = (Decimal(rate) * 100).normalize()
    return f"{value:f}%"


def _amount_text(value: Any) -> str:
    """Inputs as recorded (`self_pay_in_scope = 19000.00`, `15000.00 × 1 units = 15000.00`), in yuan."""
    text = _formula_words(str(value))
    text = re.sub(r"^([a-z_]+) = ", lambda m: f"{CONDITION_ZH.get(m.group(1), _MONEY_FIELDS.get(m.group(1), m.group(1)))} ", text)
    return _MONEY.sub(lambda m: f"{Decimal(m.group(1)):,.2f}", text)


_MONEY_FIELDS = {"total": "总费用", "fund_paid": "统筹支付", "self_pay_in_scope": "统筹内个人自付",
                 "self_pay_out_of_scope": "自费", "other_reimbursed": "其他报销"}


# -- criteria and refusal details as sentences -------------------------------------------------


class Words:
    """Reads the engine's recorded criteria and refusal details back as Chinese sentences."""

    _STATED = re.compile(r"([a-z_][a-z0-9_]*) (≥|≤|<|>|=|≠) ([^\s\[\]()]+) \[(?:([^\]]*): (yes|no)|not stated)\]")
    _FLAG = re.compile(r"(no )?(this diagnosis in|some diagnosis in|procedure) \[([^\]]*)\](?: \[(yes|no)\])?")
    _CIRCUMSTANCE = re.compile(r"(no )?circumstance ([a-z0-9_]+)(?: \[(yes|no)\])?")
    _FINDING_STATED = re.compile(r"([a-z_][a-z0-9_]*) (not stated|stated)(?: \[(yes|no)\])")
    _COMPARE = re.compile(r"([a-z_][a-z0-9_]*) (≥|≤|<|>|=|≠) ([^\s\[\]()]+)")

    def __init__(self, findings: dict[str, str], circumstances: dict[str, str]):
        self.findings = findings
        self.circumstances = circumstances

    def name(self, key: str) -> str:
        return self.findings.get(key) or CONDITION_ZH.get(key) or key

    def criteria(self, text: str) -> str:
        if text in ("always", "none: the code decides"):
            return "仅凭诊断编码判定"
        text = self._STATED.sub(self._stated, text)
        text = self._FLAG.sub(self._flag, text)
        text = self._FINDING_STATED.sub(
            lambda m: f"{self.name(m.group(1))}{'未填写' if m.group(2) == 'not stated' else '已填写'}{_held(m.group(3))}", text)
        text = self._CIRCUMSTANCE.sub(self._circumstance, text)
        text = self._COMPARE.sub(lambda m: f"{self.name(m.group(1))} {m.group(2)} {VALUES.get(m.group(3), m.group(3))}", text)
        return text.replace(" and ", " 且 ").replace(" or ", " 或 ")

    def _stated(self, m: re.Match) -> str:
        key, op, value, stated, held = m.groups()
        if held is None:
            return f"{self.name(key)} {op} {VALUES.get(value, value)}（未填写）"
        value, stated = VALUES.get(value, value), VALUES.get(stated, stated)
        return f"{self.name(key)} {op} {value}（为 {stated}，{'满足' if held == 'yes' else '不满足'}）"

    @staticmethod
    def _flag(m: re.Match) -> str:
        negated, what, codes, held = m.groups()
        sentence = {
            ("this diagnosis in", False): f"诊断编码属于 {codes}", ("this diagnosis in", True): f"诊断编码不属于 {codes}",
            ("some diagnosis in", False): f"有诊断编码属于 {codes}", ("some diagnosis in", True): f"没有诊断编码属于 {codes}",
            ("procedure", False): f"做了手术操作 {codes}", ("procedure", True): f"未做手术操作 {codes}",
        }[(what, bool(negated))]
        return sentence + _held(held)

    def _circumstance(self, m: re.Match) -> str:
        negated, code, held = m.groups()
        name = self.circumstances.get(code, code)
        return f"{'未申报' if negated else '申报了'}情形「{name}」{_held(held)}"

    def detail(self, detail: str | None) -> str | None:
        """The reason a refusal's condition held, as a sentence, or None."""
        if not detail:
            return None
        parts = []
        for part in detail.split("; "):
            day = re.match(r"event on day (\d+) after first continuous start (\S+)$", part)
            if day:
                parts.append(f"出险日为首次连续参保起始日（{day.group(2)}）后第 {day.group(1)} 天")
                continue
            held = re.match(r"[a-z]+:[a-z0-9_-]+ held: (.*?)(?: \(exclusion group [a-z0-9_-]+\))?$", part)
            if held:
                parts.append(f"因为 {self.criteria(held.group(1))}")
        return "；".join(parts) or None


def _held(held: str | None) -> str:
    return "" if held is None else ("（满足）" if held == "yes" else "（不满足）")


def library_titles(library) -> tuple[dict[str, str], dict[str, str]]:
    """(finding key → Chinese title, circumstance code → Chinese title) of a loaded library."""
    return ({key: finding.definition.title for key, finding in library.findings.items()}, dict(library.circumstances))


def failure_lines(failure: ClaimFailure) -> Tree:
    root = Tree(f"[bold red]理赔 {escape(failure.claim_id or '?')}：资料有误，未能理赔[/]")
    for error in failure.errors:
        root.add(escape(error))
    return root
