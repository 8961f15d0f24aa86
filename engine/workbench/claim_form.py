"""The simulator's form as a claim, and its what-if overrides.

Fields are named by their place in the claim: `member.gender`, `enrolments.<row>.plan`,
`event.diagnoses.<row>.findings.<row>.key`. A row is any token (the page adds rows with fresh
ones), kept in the order the form sends them; a row whose identifying field is blank is left
out, so a half-filled page still makes a claim. Values stay text where the claim model reads
text exactly (money, dates); counts become integers and check boxes booleans. Validation is
the claim model's: errors come back with the claim's JSON paths, as from the API.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from engine.rules.compiler import RuleLibrary
from engine.yamlsource import parse_yaml

MAX_ROWS = 20  # of any repeated part: enrolments, diagnoses, findings, injuries, overrides
MAX_JSON_CHARS = 256 * 1024
MAX_JSON_DEPTH = 16

INTEGER_FIELDS = {"units", "tier", "icu_days", "grade"}
BOOLEAN_FIELDS = {"designated", "on_duty", "alive"}
EVENT_FIELDS = {  # per kind: the scalar fields of the event the form offers
    "hospital_stay": ["admission", "discharge", "cause", "designated", "icu_days", "total", "fund_paid", "self_pay_in_scope",
                      "self_pay_out_of_scope", "other_reimbursed", "accident_id", "on_duty", "hospital"],
    "diagnosis": ["diagnosis_date", "cause", "accident_id"],
    "accident": ["accident_id", "accident_date", "on_duty", "treatment_end", "death_date"],
    "death": ["death_date", "cause"],
    "maturity": ["maturity_date", "alive"],
}
MEDICAL_FIELDS = ["total", "fund_paid", "self_pay_in_scope", "self_pay_out_of_scope", "other_reimbursed"]


class FormError(ValueError):
    """The form itself cannot make a claim (too many rows, unreadable JSON): one message."""


def nested(items: list[tuple[str, str]]) -> dict:
    """Dotted names -> nested dicts; repeated names (check boxes) -> lists."""
    root: dict = {}
    for name, value in items:
        parts = name.split(".")
        if len(parts) > 8:
            raise FormError(f"field name too deep: {name[:80]}")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise FormError(f"field {name[:80]} clashes with another field")
        last = parts[-1]
        if last in node:
            node[last] = (node[last] if isinstance(node[last], list) else [node[last]]) + [value]
        else:
            node[last] = value
    return root


def rows(group: Any, required: str) -> list[dict]:
    """The rows of a repeated part, in form order, without those whose `required` is blank."""
    if not isinstance(group, dict):
        return []
    found = [row for row in group.values() if isinstance(row, dict) and str(row.get(required, "")).strip()]
    if len(found) > MAX_ROWS:
        raise FormError(f"at most {MAX_ROWS} rows of one kind")
    return found


def _clean(row: dict, integers=INTEGER_FIELDS, booleans=BOOLEAN_FIELDS) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, dict):
            continue
        text = value.strip() if isinstance(value, str) else value
        if key in booleans:
            out[key] = text in ("true", "on", "1", True)
            continue
        if text in ("", None):
            continue
        if key in integers:
            try:
                out[key] = int(text)
            except (TypeError, ValueError):
                out[key] = text  # the claim model names the field and says what it expects
            continue
        out[key] = text
    return out


def claim_from_form(form: dict, library: RuleLibrary) -> dict:
    """The claim the form describes (not yet validated)."""
    claim: dict[str, Any] = {"claim_id": str(form.get("claim_id") or "sim-1").strip()}
    claim["member"] = _clean(form.get("member") or {})
    claim["enrolments"] = [_clean(row) for row in rows(form.get("enrolments"), "plan")]
    source = form.get("event") or {}
    kind = str(source.get("kind") or "hospital_stay")
    event: dict[str, Any] = {"kind": kind}
    offered = EVENT_FIELDS.get(kind, [])
    event.update(_clean({key: source.get(key, "") for key in offered if key in source or key in BOOLEAN_FIELDS}))
    if kind == "maturity":
        return {**claim, "event": event}
    if kind in ("hospital_stay", "diagnosis", "death"):
        event["diagnoses"] = [_diagnosis(row, library) for row in rows(source.get("diagnoses"), "code")]
    if kind in ("diagnosis", "hospital_stay") and str(source.get("procedures") or "").strip():
        event["procedures"] = [code.strip() for code in str(source["procedures"]).replace("，", ",").split(",") if code.strip()]
    if kind == "accident":
        event["injuries"] = [_clean(row) for row in rows(source.get("injuries"), "item")]
        medical = _clean({key: (source.get("medical") or {}).get(key, "") for key in MEDICAL_FIELDS})
        if medical:
            event["medical"] = medical
    circumstances = source.get("circumstances") or []
    circumstances = [circumstances] if isinstance(circumstances, str) else circumstances
    if circumstances:
        event["circumstances"] = [c for c in circumstances if c][:MAX_ROWS]
    claim["event"] = event
    return claim


def with_fees_due(claim: dict, revisions: dict) -> dict:
    """Enrolments whose fee was left blank get the fee their plan revision says is due for their
    units or tier (`Plan.fee_due`), so a product person need not look it up; a value that cannot
    be read is left for the claim model to name."""
    for enrolment in claim.get("enrolments") or []:
        if "fee_paid" in enrolment or enrolment.get("plan") not in revisions:
            continue
        try:
            start = dt.date.fromisoformat(str(enrolment.get("start")))
        except ValueError:
            continue
        pinned = enrolment.get("revision")
        for compiled in reversed(revisions[enrolment["plan"]]):
            plan = compiled.plan
            if plan.revision == pinned or (pinned is None and plan.effective_from <= start
                                            and (plan.effective_to is None or start <= plan.effective_to)):
                units, tier = enrolment.get("units"), enrolment.get("tier")
                if (units is None or isinstance(units, int)) and (tier is None or isinstance(tier, int)):
                    try:
                        enrolment["fee_paid"] = f"{plan.fee_due(units, tier, enrolment.get('fee_schedule')):.2f}"
                    except (IndexError, KeyError):
                        pass  # a tier the plan does not have: the claim model says so
                break
    return claim


def _diagnosis(row: dict, library: RuleLibrary) -> dict:
    diagnosis = {"code": str(row["code"]).strip()}
    if str(row.get("onset_date") or "").strip():
        diagnosis["onset_date"] = str(row["onset_date"]).strip()
    findings = {}
    for finding in rows(row.get("findings"), "key"):
        key = str(finding["key"]).strip()
        findings[key] = finding_value(library, key, str(finding.get("value", "")).strip())
    if findings:
        diagnosis["findings"] = findings
    return diagnosis


def finding_value(library: RuleLibrary, key: str, text: str) -> Any:
    """A finding as the claim carries it: booleans and whole numbers typed, the rest as text
    (decimals and grades are read exactly by the claim model)."""
    finding = library.findings.get(key)
    kind = finding.type if finding else None
    if kind == "boolean" and text.lower() in ("true", "false", "是", "否", "yes", "no"):
        return text.lower() in ("true", "是", "yes")
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def overrides_from_form(form: dict) -> list[dict]:
    """What-if overrides as test cases write them: [{plan, revision?, set: {path: value}}]; a
    value is read as YAML (`20000.00`, `true`, `[1, 2]`), strictly, like a plan file."""
    by_plan: dict[tuple[str, str | None], dict] = {}
    for row in rows(form.get("overrides"), "path"):
        plan = str(row.get("plan") or "").strip()
        path = str(row["path"]).strip()
        if not plan:
            raise FormError(f"what-if {path}: choose the plan it changes")
        revision = str(row.get("revision") or "").strip() or None
        document, issues = parse_yaml(str(row.get("value", "")), f"what-if {path}")
        if issues:
            raise FormError("; ".join(issue.message for issue in issues))
        by_plan.setdefault((plan, revision), {})[path] = document.data
    return [{"plan": plan, **({"revision": revision} if revision else {}), "set": values}
            for (plan, revision), values in by_plan.items()]


def claim_from_json(text: str) -> Any:
    """The JSON box: read exactly (Decimal numbers), with the service's size and depth limits."""
    if len(text) > MAX_JSON_CHARS:
        raise FormError(f"the JSON is longer than {MAX_JSON_CHARS:,} characters")
    try:
        data = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise FormError(f"not valid JSON: {error}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise FormError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    return data


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0

