"""A revision diff (`engine.diff.Summary`) as a terminal report, Markdown for a pull-request
comment, a self-contained HTML page, or JSON for tools. Rendering only."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from jinja2 import Environment
from rich.columns import Columns
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from engine.diff import BUCKETS, Change, Summary
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


def rows(summary: Summary) -> dict:
    """Everything a report shows, as plain data (also the JSON output)."""
    return {
        "claims": summary.claims,
        "changed": summary.changed,
        "unchanged": summary.claims - summary.changed,
        "failed": {"base": summary.failed_base, "head": summary.failed_head},
        "payout": {"base": format_money(summary.base_total), "head": format_money(summary.head_total),
                   "delta": signed(summary.delta)},
        "by_plan": [{"plan": plan, "base": format_money(b), "head": format_money(h), "delta": signed(h - b)}
                    for plan, (b, h) in sorted(summary.by_plan.items())],
        "by_benefit": [{"benefit": key, "base": format_money(b), "head": format_money(h), "delta": signed(h - b)}
                       for key, (b, h) in sorted(summary.by_benefit.items()) if b != h],
        "status_changes": dict(summary.transitions.most_common()),
        "delta_distribution": {label: summary.buckets.get(label, 0) for label, _ in BUCKETS},
        "clauses": dict(summary.clauses.most_common(20)),
        "largest": [_change(change) for change in summary.largest],
    }


def _change(change: Change) -> dict:
    return {"claim_id": change.claim_id, "delta": signed(change.delta), "base_status": change.base_status,
            "head_status": change.head_status, "base_total": format_money(change.base_total),
            "head_total": format_money(change.head_total), "clauses_removed": change.clauses_removed,
            "clauses_added": change.clauses_added, "base": change.base, "head": change.head}


def to_json(summary: Summary, base: str, head: str) -> str:
    return json.dumps({"base": base, "head": head, **rows(summary)}, ensure_ascii=False, indent=2)


def print_terminal(console: Console, summary: Summary, base: str, head: str) -> None:
    data = rows(summary)
    overview = Table(title=f"revision diff: {base} → {head}", show_header=False)
    overview.add_row("claims", f"{data['claims']:,}")
    overview.add_row("changed / unchanged", f"{data['changed']:,} / {data['unchanged']:,}")
    overview.add_row("failed (base / head)", f"{data['failed']['base']:,} / {data['failed']['head']:,}")
    overview.add_row("payout base → head", f"{data['payout']['base']} → {data['payout']['head']} ({data['payout']['delta']})")
    console.print(overview)
    for title, key, label in (("by plan", "by_plan", "plan"), ("by benefit (changed only)", "by_benefit", "benefit")):
        table = Table(title=title)
        for column in (label, "base", "head", "delta"):
            table.add_column(column, justify="right" if column != label else "left")
        for row in data[key]:
            table.add_row(row[label], row["base"], row["head"], row["delta"])
        console.print(table)
    for title, mapping in (("status changes", data["status_changes"]), ("per-claim payout delta", data["delta_distribution"]),
                           ("clauses that changed (claims)", data["clauses"])):
        table = Table(title=title)
        table.add_column("")
        table.add_column("claims", justify="right")
        for key, count in mapping.items():
            table.add_row(key, f"{count:,}")
        console.print(table)
    for change in summary.largest:
        heading = (f"{change.claim_id}: {format_money(change.base_total)} → {format_money(change.head_total)} "
                   f"({signed(change.delta)}), {change.base_status} → {change.head_status}")
        clauses = "\n".join([f"− {c}" for c in change.clauses_removed] + [f"+ {c}" for c in change.clauses_added])
        console.print(Panel(Group(Columns([_tree(change.base), _tree(change.head)], equal=True, expand=True),
                                  clauses or "(same clauses, different amounts)"), title=heading))


def to_markdown(summary: Summary, base: str, head: str) -> str:
    data = rows(summary)
    out = [f"## Revision diff: `{base}` → `{head}`", "",
           f"**{data['changed']:,}** of {data['claims']:,} claims changed; payout {data['payout']['base']} → "
           f"{data['payout']['head']} (**{data['payout']['delta']}**); failed base/head {data['failed']['base']}/{data['failed']['head']}.", ""]
    for title, key, label in (("By plan", "by_plan", "plan"), ("By benefit (changed only)", "by_benefit", "benefit")):
        out += [f"### {title}", "", f"| {label} | base | head | delta |", "|---|---:|---:|---:|"]
        out += [f"| {row[label]} | {row['base']} | {row['head']} | {row['delta']} |" for row in data[key]]
        out.append("")
    for title, mapping in (("Status changes", data["status_changes"]), ("Per-claim payout delta", data["delta_distribution"]),
                           ("Clauses that changed", data["clauses"])):
        out += [f"### {title}", "", "| | claims |", "|---|---:|"]
        out += [f"| {key} | {count:,} |" for key, count in mapping.items()] or ["| (none) | |"]
        out.append("")
    out += ["### Largest changes", ""]
    for change in summary.largest:
        out += [f"<details><summary>{change.claim_id}: {format_money(change.base_total)} → {format_money(change.head_total)} "
                f"({signed(change.delta)}), {change.base_status} → {change.head_status}</summary>", "",
                *[f"- removed: `{c}`" for c in change.clauses_removed], *[f"- added: `{c}`" for c in change.clauses_added], "",
                "**base**", "", "```", tree_text(change.base).rstrip(), "```", "",
                "**head**", "", "```", tree_text(change.head).rstrip(), "```", "", "</details>", ""]
    return "\n".join(out)


_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>Revision diff {{ base }} → {{ head }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:90rem} table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.25rem .6rem} td.n{text-align:right;font-variant-numeric:tabular-nums}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem} pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:.8rem}
.up{color:#176117}.down{color:#a11}
</style></head><body>
<h1>Revision diff: {{ base }} → {{ head }}</h1>
<p><b>{{ d.changed }}</b> of {{ d.claims }} claims changed; payout {{ d.payout.base }} → {{ d.payout.head }}
(<b class="{{ 'down' if d.payout.delta.startswith('-') else 'up' }}">{{ d.payout.delta }}</b>);
failed base/head {{ d.failed.base }}/{{ d.failed.head }}.</p>
{% for title, key, label in [("By plan", "by_plan", "plan"), ("By benefit (changed only)", "by_benefit", "benefit")] %}
<h2>{{ title }}</h2><table><tr><th>{{ label }}</th><th>base</th><th>head</th><th>delta</th></tr>
{% for row in d[key] %}<tr><td>{{ row[label] }}</td><td class="n">{{ row.base }}</td><td class="n">{{ row.head }}</td><td class="n">{{ row.delta }}</td></tr>{% endfor %}
</table>{% endfor %}
{% for title, mapping in [("Status changes", d.status_changes), ("Per-claim payout delta", d.delta_distribution), ("Clauses that changed", d.clauses)] %}
<h2>{{ title }}</h2><table><tr><th></th><th>claims</th></tr>
{% for key, count in mapping.items() %}<tr><td>{{ key }}</td><td class="n">{{ count }}</td></tr>{% endfor %}
</table>{% endfor %}
<h2>Largest changes</h2>
{% for c in changes %}<h3>{{ c.claim_id }}: {{ c.base_total }} → {{ c.head_total }} ({{ c.delta }}), {{ c.base_status }} → {{ c.head_status }}</h3>
<ul>{% for x in c.clauses_removed %}<li>removed <code>{{ x }}</code></li>{% endfor %}{% for x in c.clauses_added %}<li>added <code>{{ x }}</code></li>{% endfor %}</ul>
<div class="pair"><div><b>base</b><pre>{{ c.base_text }}</pre></div><div><b>head</b><pre>{{ c.head_text }}</pre></div></div>
{% endfor %}
</body></html>
""")


def to_html(summary: Summary, base: str, head: str) -> str:
    return render_html({"base": base, "head": head, **rows(summary)})


def render_html(data: dict) -> str:
    """The HTML report from the report's data, as `to_json` writes it (so a report can be
    rendered again from a saved `--json` file, e.g. by the workbench)."""
    changes = [dict(row, base_text=tree_text(row["base"]), head_text=tree_text(row["head"])) for row in data["largest"]]
    return _HTML.render(d=data, base=data["base"], head=data["head"], changes=changes)
