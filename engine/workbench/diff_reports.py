"""Revision diffs in the workbench: a diff report's JSON (uploaded, or produced here on a
corpus the service holds) shown as the HTML report of `adjudicator diff` (`engine.diff_report`),
never a second rendering of it.

The report is a self-contained page with its own styles (and scripts), so it is shown in a
sandboxed frame, as its own document with its own Content-Security-Policy. A frame cannot send
the bearer token, so the rendered report is kept here for a short time under a random ticket
that the page posts into the frame (in a form body, never in a URL that logs would keep).

A corpus diff runs `adjudicator diff` in a child process (the plans in force against them with
the what-if overrides), one at a time, bounded in corpus size and time.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.diff_html import CAUSE_KINDS
from engine.diff_report import render_html
from engine.testcases import write_what_if

MAX_REPORT_BYTES = 1024 * 1024  # a report's JSON holds aggregates and the largest changes only
MAX_CORPUS_BYTES = 32 * 1024 * 1024
DIFF_TIMEOUT_SECONDS = 300
KEEP_SECONDS = 30 * 60
KEEP_REPORTS = 16
REPORT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


class ReportError(ValueError):
    """The report cannot be shown or made; the message says why, in a sentence."""


@dataclass
class Kept:
    html: str
    title: str
    made: float


class ReportShelf:
    """Rendered reports by ticket, the newest KEEP_REPORTS, each for KEEP_SECONDS."""

    def __init__(self):
        self._reports: dict[str, Kept] = {}
        self._lock = threading.Lock()

    def put(self, html: str, title: str) -> str:
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            while len(self._reports) >= KEEP_REPORTS:
                del self._reports[next(iter(self._reports))]
            self._reports[ticket] = Kept(html, title, time.monotonic())
        return ticket

    def get(self, ticket: str) -> Kept | None:
        with self._lock:
            self._expire()
            return self._reports.get(ticket)

    def _expire(self) -> None:
        now = time.monotonic()
        for ticket in [t for t, kept in self._reports.items() if now - kept.made > KEEP_SECONDS]:
            del self._reports[ticket]


SHELF = ReportShelf()


def read_report(content: bytes) -> dict:
    if len(content) > MAX_REPORT_BYTES:
        raise ReportError(f"the report is larger than {MAX_REPORT_BYTES:,} bytes")
    try:
        data = json.loads(content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ReportError(f"not a JSON file: {error}") from None
    if not isinstance(data, dict) or not {"base", "head", "claims", "largest"} <= set(data):
        raise ReportError("not a diff report: write one with `adjudicator diff … --json FILE`")
    return data


def render(data: dict) -> str:
    try:
        return render_html(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReportError(f"this diff report cannot be read ({error.__class__.__name__}: {error}); "
                          "it may come from another version of the adjudicator") from None


def corpora(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.jsonl") if path.is_file()) if folder.is_dir() else []


_RUNNING = threading.Lock()


def corpus_diff(corpus: Path, plans: Path, rules: Path, overrides: list[dict], top: int = 10) -> dict:
    """The diff report (as `--json` writes it) of `corpus` under the plans in force (base) and
    the same plans with `overrides` (head)."""
    if corpus.stat().st_size > MAX_CORPUS_BYTES:
        raise ReportError(f"{corpus.name} is larger than {MAX_CORPUS_BYTES:,} bytes: run `adjudicator diff` on it instead")
    if not _RUNNING.acquire(blocking=False):
        raise ReportError("another diff is running in this service; try again when it has finished")
    try:
        with tempfile.TemporaryDirectory(prefix="workbench-diff-") as work:
            head = write_what_if(plans, overrides, Path(work) / "what-if")
            out = Path(work) / "diff.json"
            command = [sys.executable, "-m", "engine.cli", "diff", str(corpus), "--base-plans", str(plans),
                       "--head-plans", str(head), "--rules", str(rules), "--json", str(out), "--workers", "1",
                       "--top", str(top), "--quiet"]
            try:
                finished = subprocess.run(command, capture_output=True, text=True, timeout=DIFF_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                raise ReportError(f"the diff took longer than {DIFF_TIMEOUT_SECONDS} s: run `adjudicator diff` on it instead") from None
            if not out.is_file():
                raise ReportError("the diff failed: " + (finished.stderr.strip().splitlines() or ["no message"])[-1])
            data = read_report(out.read_bytes())
            if "yaml_diff" in data:
                data["yaml_diff"] = _what_if_diff(plans, rules, overrides, head, Path(work) / "as-written")
    finally:
        _RUNNING.release()
    data["base"], data["head"] = "生效方案", "假设方案（" + "；".join(_describe(o) for o in overrides) + "）"
    for side, label in (("base", "生效方案"), ("head", "生效方案 + 假设")):
        described = (data.get("provenance") or {}).get(side)
        if isinstance(described, dict):  # the head's folder was temporary and is gone: name the sides as the page does
            described.update(label=label, plans=label, rules="rules/（两边相同）", corpus=corpus.name)
    return data


def _what_if_diff(plans: Path, rules: Path, overrides: list[dict], head: Path, work: Path) -> str:
    """The lines the overrides change. The what-if files are written back from their data (their
    comments and layout gone), so they are compared with the same files written back unchanged,
    not with the files as people wrote them, which would show every line as changed."""
    from engine.diff import PlanSource
    from engine.diff_provenance import yaml_diff

    unchanged = write_what_if(plans, [{**override, "set": {}} for override in overrides], work)
    return yaml_diff(PlanSource("生效方案", unchanged, rules), PlanSource("假设方案", head, rules))


def _describe(override: dict) -> str:
    values = ", ".join(f"{path} = {value}" for path, value in override.get("set", {}).items())
    return f"{override.get('plan')}{' ' + str(override['revision']) if override.get('revision') else ''}: {values}"


def headline(data: dict) -> list[tuple[str, str]]:
    """What a reader must see before the report itself, as (key, sentence): the payout change,
    and, where the report has them, claims failed on a side, deferred (pending on one side, not
    money lost), moved to another revision, changes no claim reached, the largest causes, each
    side's source and the YAML files changed. Reports written before those keys existed show
    what they have."""
    facts = [("payout", f"{_count(data.get('claims'))} 笔理赔，{_count(data.get('changed'))} 笔有变化；赔付 "
                        f"{_yuan(_get(data, 'payout', 'base'))} → {_yuan(_get(data, 'payout', 'head'))}，"
                        f"差额 {_yuan(_get(data, 'payout', 'delta'), signed=True)}")]
    failed = data.get("failed") or {}
    if failed.get("base") or failed.get("head"):
        facts.append(("failed", f"校验失败（不计入赔付）：修改前 {_count(failed.get('base'))} 笔，修改后 {_count(failed.get('head'))} 笔"))
    deferred = data.get("deferred") or {}
    if deferred.get("claims"):
        facts.append(("deferred", f"暂缓（一方待补材料，不是减少）：{_count(deferred['claims'])} 笔，"
                                  f"{_yuan(deferred.get('base'))} → {_yuan(deferred.get('head'))}"))
    moved = data.get("moved") or {}
    if moved.get("claims"):
        facts.append(("moved", f"改按另一版本理赔：{_count(moved['claims'])} 笔"))
    if data.get("unexercised"):
        facts.append(("unexercised", f"未被任何理赔触及的改动：{len(data['unexercised'])} 项（报告对它们没有结论）"))
    if data.get("causes"):
        largest = [f"{CAUSE_KINDS.get(cause.get('kind'), cause.get('kind'))} {cause.get('key')}"
                   f"（{_count(cause.get('claims'))} 笔，{_yuan(cause.get('delta'), signed=True)}）" for cause in data["causes"][:3]]
        facts.append(("causes", "变化最大的原因：" + "；".join(largest)))
    provenance = data.get("provenance") or {}
    if isinstance(provenance.get("base"), dict) and isinstance(provenance.get("head"), dict):
        facts.append(("provenance", "来源：" + " → ".join(_side(provenance[side]) for side in ("base", "head"))
                                    + (f"；语料 {provenance['base'].get('corpus')}，SHA-256 {str(provenance['base'].get('sha256', ''))[:12]}"
                                       if provenance["base"].get("corpus") else "")))
    if data.get("yaml_diff"):
        text = data["yaml_diff"] if isinstance(data["yaml_diff"], str) else "\n".join(map(str, data["yaml_diff"]))
        files = sum(1 for line in text.splitlines() if line.startswith("+++ "))
        facts.append(("yaml_diff", f"方案和规则文件的改动：{files} 个文件（报告末尾列出逐行差异）"))
    return facts


def _get(data: dict, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value if value is not None else "?")


def _yuan(value: Any, signed: bool = False) -> str:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    sign = "+" if signed and amount > 0 else "−" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _side(side: dict) -> str:
    label = str(side.get("label") or "")
    commit = str(side.get("commit") or "")
    return f"{label}（{commit[:12]}）" if commit else label


def report_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
