"""A revision diff (`engine.diff.Summary`) as a terminal report, Markdown for a pull-request
comment, a self-contained HTML page, or JSON for tools. Rendering only."""

from __future__ import annotations

import html
import io
import json
import re
from decimal import Decimal

from rich.columns import Columns
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from engine.diff import BUCKETS, Cause, Change, FailedClaim, Summary
from engine.explain import decision_tree, failure_tree
from engine.model.decision import ClaimFailure, decision_from_json
from engine.money import format_money


def signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + format_money(amount)


def _tree(side: dict | list[str]) -> Tree:
    if isinstance(side, list):
        return failure_tree(ClaimFailure(claim_id=None, errors=side))
    return decision_tree(decision_from_json(side))


def tree_text(side: dict | list[str], width: int = 78) -> str:
    console = Console(record=True, width=width, file=io.StringIO(), color_system=None)
    console.print(_tree(side))
    return console.export_text()


def rows(summary: Summary, office_titles: dict[str, str] | None = None, context: dict | None = None) -> dict:
    """Everything a report shows, as plain data (also the JSON output, from which the HTML can
    be rendered again). Amounts are text with two decimals and no separators, for tools.
    `context`: what the run knows beyond the claims (`provenance`, `yaml_diff`)."""
    titles = dict(summary.titles)
    offices = office_titles or {}

    def pairs(mapping: dict, changed_only: bool = False) -> list[tuple[str, Decimal, Decimal]]:
        return [(key, b, h) for key, (b, h) in sorted(mapping.items()) if not changed_only or b != h]

    return {
        "claims": summary.claims,
        "changed": summary.changed,
        "unchanged": summary.claims - summary.changed,
        "failed": {"base": summary.failed_base, "head": summary.failed_head},
        "payout": {"base": format_money(summary.base_total), "head": format_money(summary.head_total),
                   "delta": signed(summary.delta)},
        "titles": titles,
        "by_plan": [{"plan": plan, "title": titles.get(plan, plan), **_money(b, h)} for plan, b, h in pairs(summary.by_plan)],
        "by_benefit": [{"benefit": key, "plan": key.split("/")[0], "title": titles.get(key.split("/")[0], key.split("/")[0]),
                        **_money(b, h)} for key, b, h in pairs(summary.by_benefit, changed_only=True)],
        "by_office": [{"office": office, "name": offices.get(office, office), **_money(b, h)}
                      for office, b, h in pairs(summary.by_office)],
        "by_revision": [{"plan": key.split(" ", 1)[0], "revision": key.split(" ", 1)[-1],
                         "title": titles.get(key.split(" ", 1)[0], key.split(" ", 1)[0]), **_money(b, h)}
                        for key, b, h in pairs(summary.by_revision)],
        "status_changes": dict(summary.transitions.most_common()),
        "delta_distribution": {label: summary.buckets.get(label, 0) for label, _ in BUCKETS},
        "clauses": dict(summary.clauses.most_common(20)),
        "largest": [_change(change) for change in summary.largest],
        "deferred": {"claims": summary.deferred, **_money(summary.deferred_base, summary.deferred_head),
                     "examples": [_change(change) for change in summary.deferred_examples]},
        "failed_claims": [_failure(failed) for failed in summary.failures],
        "moved": {"claims": summary.moved_claims, "by_revision": dict(summary.moved.most_common())},
        "causes": [_cause(cause) for cause in summary.top_causes()],
        "unexercised": [item.to_json() for item in summary.unexercised],
        "changed_items": [item.to_json() for item in summary.items],
        **(context or {}),
    }


def _money(base: Decimal, head: Decimal) -> dict:
    return {"base": format_money(base), "head": format_money(head), "delta": signed(head - base)}


def _failure(failed: FailedClaim) -> dict:
    return {"claim_id": failed.claim_id, "side": failed.side, "errors": failed.errors, "other_status": failed.other_status,
            "other_total": None if failed.other_total is None else format_money(failed.other_total)}


def _cause(cause: Cause) -> dict:
    return {"kind": cause.kind, "key": cause.key, "claims": cause.claims, **_money(cause.base, cause.head),
            "examples": [_change(change) for change in cause.examples]}


def _change(change: Change) -> dict:
    return {"claim_id": change.claim_id, "cause": change.cause, "delta": signed(change.delta), "base_status": change.base_status,
            "head_status": change.head_status, "base_total": format_money(change.base_total),
            "head_total": format_money(change.head_total), "clauses_removed": change.clauses_removed,
            "clauses_added": change.clauses_added, "base": change.base, "head": change.head}


def to_json(summary: Summary, base: str, head: str, office_titles: dict[str, str] | None = None,
            context: dict | None = None) -> str:
    return json.dumps({"base": base, "head": head, **rows(summary, office_titles, context)}, ensure_ascii=False, indent=2)


def print_terminal(console: Console, summary: Summary, base: str, head: str, context: dict | None = None) -> None:
    """The report in a terminal; a section with nothing to show is left out."""
    data = rows(summary, context=context)
    overview = Table(title=f"revision diff: {escape(base)} → {escape(head)}", show_header=False)
    overview.add_row("claims", f"{data['claims']:,}")
    overview.add_row("changed / unchanged", f"{data['changed']:,} / {data['unchanged']:,}")
    if data["failed"]["base"] or data["failed"]["head"]:
        overview.add_row("failed (base / head)", f"{data['failed']['base']:,} / {data['failed']['head']:,}")
    overview.add_row("payout base → head", f"{_grouped(data['payout']['base'])} → {_grouped(data['payout']['head'])} "
                                           f"({_grouped(data['payout']['delta'])})")
    if data["deferred"]["claims"]:
        overview.add_row("deferred (pending on one side)", f"{data['deferred']['claims']:,} claims: "
                         f"{_grouped(data['deferred']['base'])} → {_grouped(data['deferred']['head'])}, not in the payout")
    if data["moved"]["claims"]:
        overview.add_row("moved to another revision", f"{data['moved']['claims']:,} claims")
    console.print(overview)
    for line in warnings(data):
        console.print(f"warning: {line}", markup=False, style="yellow")
    if data.get("provenance"):
        table = Table(title="provenance")
        for column in ("", "base", "head"):
            table.add_column(column, no_wrap=True)
        for key in PROVENANCE_KEYS:
            values = [str(data["provenance"][side].get(key, "")) for side in ("base", "head")]
            if any(values):
                table.add_row(key, *map(escape, values))
        console.print(table)
    if data["causes"]:
        table = Table(title="largest changes by cause")
        for column in ("cause", "claims", "base", "head", "delta", "examples"):
            table.add_column(column, justify="right" if column in ("claims", "base", "head", "delta") else "left", no_wrap=column != "examples")
        for cause in data["causes"]:
            table.add_row(escape(f"{cause['kind']}: {cause['key']}"), f"{cause['claims']:,}", _grouped(cause["base"]), _grouped(cause["head"]),
                          _grouped(cause["delta"]), escape(", ".join(f"{e['claim_id']} ({_grouped(e['delta'])})" for e in cause["examples"])))
        console.print(table)
    if data["moved"]["by_revision"]:
        table = Table(title="claims moved between revisions")
        table.add_column("plan base → head", no_wrap=True)
        table.add_column("claims", justify="right")
        for key, count in data["moved"]["by_revision"].items():
            table.add_row(escape(key), f"{count:,}")
        console.print(table)
    if data["failed_claims"]:
        table = Table(title="failed claims (not counted in the payout)")
        for column in ("claim", "failed on", "errors", "other side"):
            table.add_column(column, no_wrap=column != "errors")
        for failed in data["failed_claims"]:
            other = f"{failed['other_status']} {_grouped(failed['other_total'])}" if failed["other_status"] else ""
            table.add_row(escape(failed["claim_id"]), failed["side"], escape("\n".join(failed["errors"])), other)
        console.print(table)
    for title, key, label in (("by plan", "by_plan", "plan"), ("by benefit (changed only)", "by_benefit", "benefit"),
                              ("by office", "by_office", "office"), ("by plan revision", "by_revision", "revision")):
        if not data[key] or all(row["delta"] == "0.00" for row in data[key]) and key != "by_plan":
            continue
        table = Table(title=title)
        for column in (label, "base", "head", "delta"):
            table.add_column(column, justify="right" if column != label else "left", no_wrap=True)
        for row in data[key]:
            name = f"{row['plan']} {row['revision']}" if key == "by_revision" else row[label]
            table.add_row(escape(name), _grouped(row["base"]), _grouped(row["head"]), _grouped(row["delta"]))
        console.print(table)
    for title, mapping in (("status changes", data["status_changes"]), ("per-claim payout delta", data["delta_distribution"]),
                           ("clauses that changed (claims)", data["clauses"])):
        if not any(mapping.values()):
            continue
        table = Table(title=title)
        table.add_column("", no_wrap=True)
        table.add_column("claims", justify="right")
        for key, count in mapping.items():
            if count:
                table.add_row(escape(key), f"{count:,}")
        console.print(table)
    if data.get("yaml_diff"):
        lines = data["yaml_diff"].splitlines()
        console.print(Panel(Text("\n".join(lines[:TERMINAL_DIFF_LINES]) + (f"\n… {len(lines) - TERMINAL_DIFF_LINES:,} more lines "
                            "(the --markdown, --html and --json reports have them all)" if len(lines) > TERMINAL_DIFF_LINES else "")),
                            title="changes to plans/ and rules/"))
    for change in summary.largest:
        heading = (f"{escape(change.claim_id)}: {_grouped(format_money(change.base_total))} → {_grouped(format_money(change.head_total))} "
                   f"({_grouped(signed(change.delta))}), {change.base_status} → {change.head_status}")
        clauses = "\n".join([f"− {c}" for c in change.clauses_removed] + [f"+ {c}" for c in change.clauses_added])
        console.print(Panel(Group(Columns([_tree(change.base), _tree(change.head)], equal=True, expand=True),
                                  clauses or "(same clauses, different amounts)"), title=heading))


PROVENANCE_KEYS = ("label", "commit", "commit_date", "plans", "rules", "corpus", "claims", "sha256", "date")
TERMINAL_DIFF_LINES = 200


def warnings(data: dict) -> list[str]:
    """What a reader must not miss: failed claims, and changes no claim of the corpus reached."""
    lines = []
    failed = data.get("failed") or {}
    if failed.get("base") or failed.get("head"):
        lines.append(f"{failed.get('base', 0):,} claims failed on the base and {failed.get('head', 0):,} on the head; "
                     "they are listed, not counted in the payout")
    for item in data.get("unexercised") or ():
        lines.append(f"unexercised: {item['message']}")
    return lines


def _grouped(amount: str) -> str:
    """`-1234567.80` → `-1,234,567.80`, keeping a leading `+`."""
    sign = "+" if amount.startswith("+") else ""
    return sign + f"{Decimal(amount):,.2f}"


def _cell(text: str) -> str:
    """Text in a Markdown table cell: no raw HTML, no `|` ending the cell early."""
    return html.escape(str(text), quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    """Inline code that a backtick inside the text cannot close early."""
    ticks = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    return f"{ticks} {text} {ticks}" if "`" in text else f"`{text}`"


def _fenced(text: str) -> list[str]:
    """A code block whose fence is longer than any run of backticks inside it, so no id in a
    decision can end the block and be read as Markdown or HTML."""
    fence = "`" * max(3, max(map(len, re.findall("`+", text)), default=0) + 1)
    return [fence, text, fence]


def to_markdown(summary: Summary, base: str, head: str, context: dict | None = None) -> str:
    """Markdown for a pull-request comment. Claim, member and enrolment ids come from the
    claims: every one is escaped (HTML in <summary>, table cells) or fenced, never raw."""
    data = rows(summary, context=context)
    out = [f"## Revision diff: {_code(base)} → {_code(head)}", "",
           f"**{data['changed']:,}** of {data['claims']:,} claims changed; payout {data['payout']['base']} → "
           f"{data['payout']['head']} (**{data['payout']['delta']}**) on the claims decided on both sides; "
           f"failed base/head {data['failed']['base']}/{data['failed']['head']}; deferred (pending on one side) "
           f"{data['deferred']['claims']:,} ({data['deferred']['base']} → {data['deferred']['head']}, not in the payout); "
           f"moved to another revision {data['moved']['claims']:,}.", ""]
    out += [f"> **Warning:** {_cell(line)}" for line in warnings(data)]
    if warnings(data):
        out.append("")
    if data.get("provenance"):
        out += ["### Provenance", "", "| | base | head |", "|---|---|---|"]
        for key in PROVENANCE_KEYS:
            values = [str(data["provenance"][side].get(key, "")) for side in ("base", "head")]
            if any(values):
                out.append(f"| {key} | {_cell(values[0])} | {_cell(values[1])} |")
        out.append("")
    if data.get("yaml_diff"):
        fence = _fenced(data["yaml_diff"])
        out += ["<details><summary>Changes to plans/ and rules/</summary>", "", fence[0] + "diff", *fence[1:], "", "</details>", ""]
    if data["causes"]:
        out += ["### Largest changes by cause", "", "| cause | claims | base | head | delta | examples |", "|---|---:|---:|---:|---:|---|"]
        out += [f"| {cause['kind']}: {_cell(_code(cause['key']))} | {cause['claims']:,} | {_grouped(cause['base'])} | {_grouped(cause['head'])} | "
                f"{_grouped(cause['delta'])} | {_cell(', '.join(e['claim_id'] + ' (' + e['delta'] + ')' for e in cause['examples']))} |"
                for cause in data["causes"]]
        out.append("")
    if data["deferred"]["examples"]:
        out += ["### Deferred (pending on one side)", "", "| claim | base | head | status |", "|---|---:|---:|---|"]
        out += [f"| {_cell(e['claim_id'])} | {e['base_total']} | {e['head_total']} | {e['base_status']} → {e['head_status']} |"
                for e in data["deferred"]["examples"]]
        out.append("")
    if data["moved"]["by_revision"]:
        out += ["### Claims moved between revisions", "", "| plan base → head | claims |", "|---|---:|"]
        out += [f"| {_cell(key)} | {count:,} |" for key, count in data["moved"]["by_revision"].items()]
        out.append("")
    if data["failed_claims"]:
        out += ["### Failed claims (not counted in the payout)", "", "| claim | failed on | errors | other side |", "|---|---|---|---|"]
        out += [f"| {_cell(f['claim_id'])} | {f['side']} | {'<br>'.join(map(_cell, f['errors']))} | "
                f"{(f['other_status'] + ' ' + f['other_total']) if f['other_status'] else ''} |" for f in data["failed_claims"]]
        out.append("")
    for title, key, label in (("By plan", "by_plan", "plan"), ("By benefit (changed only)", "by_benefit", "benefit"),
                              ("By office", "by_office", "office"), ("By plan revision", "by_revision", "revision")):
        if not data[key]:
            continue
        out += [f"### {title}", "", f"| {label} | base | head | delta |", "|---|---:|---:|---:|"]
        out += [f"| {_cell(row['plan'] + ' ' + row['revision'] if key == 'by_revision' else row[label])} | {_grouped(row['base'])} | "
                f"{_grouped(row['head'])} | {_grouped(row['delta'])} |" for row in data[key]]
        out.append("")
    for title, mapping in (("Status changes", data["status_changes"]), ("Per-claim payout delta", data["delta_distribution"]),
                           ("Clauses that changed", data["clauses"])):
        if not any(mapping.values()):
            continue
        out += [f"### {title}", "", "| | claims |", "|---|---:|"]
        out += [f"| {_cell(key)} | {count:,} |" for key, count in mapping.items() if count]
        out.append("")
    out += ["### Largest changes", ""]
    for change in summary.largest:
        out += [f"<details><summary>{html.escape(change.claim_id)}: {format_money(change.base_total)} → "
                f"{format_money(change.head_total)} ({signed(change.delta)}), {change.base_status} → {change.head_status}</summary>", "",
                *[f"- removed: {_code(c)}" for c in change.clauses_removed], *[f"- added: {_code(c)}" for c in change.clauses_added], "",
                "**base**", "", *_fenced(tree_text(change.base).rstrip()), "",
                "**head**", "", *_fenced(tree_text(change.head).rstrip()), "", "</details>", ""]
    return "\n".join(out)


def to_html(summary: Summary, base: str, head: str, office_titles: dict[str, str] | None = None,
            context: dict | None = None) -> str:
    return render_html({"base": base, "head": head, **rows(summary, office_titles, context)})


def render_html(data: dict) -> str:
    """The HTML report from the report's data, as `to_json` writes it (so a report can be
    rendered again from a saved `--json` file, e.g. by the workbench)."""
    from engine.diff_html import render

    return render(data)
