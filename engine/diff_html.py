"""The revision diff as a page a product manager reads: in Chinese, plans by their titles, yuan
with thousands separators, charts of the payout delta (per plan, and the per-claim
distribution), breakdowns per office and per plan revision, the status and clause changes, and
the largest changes in a table that sorts and filters, each with both sides in the claims
officer's view. One self-contained file: inline styles, inline SVG and a little inline script,
nothing fetched, so it works offline and inside the workbench's sandboxed frame.

Rendered from the report's data (`engine.diff_report.rows`, as `--json` writes it), so a saved
report renders again the same. Sections whose data a report does not carry are left out.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from rich.console import Console

from engine.model.decision import decision_from_json
from engine.officer_view import STATUS, officer_tree, summary as officer_summary
from engine.svg_charts import DOWN, UP, diverging_bars, histogram

STATUS_NAMES = dict(STATUS, failed="校验失败")


def yuan(amount: Any, signed: bool = False) -> str:
    value = Decimal(str(amount))
    return ("+" if signed and value > 0 else "") + f"¥{value:,.2f}".replace("¥-", "−¥")


def transition(text: str) -> str:
    """`paid→denied` → `赔付 → 拒付`"""
    base, _, head = text.partition("→")
    return f"{STATUS_NAMES.get(base, base or '（无）')} → {STATUS_NAMES.get(head, head)}"


def clause_change(text: str, titles: dict[str, str]) -> tuple[str, str, str]:
    """`+ inpatient-medical: excluded:hiv` → (新增, 职工住院医疗互助保障, excluded:hiv)"""
    sign, _, rest = text.partition(" ")
    plan, _, clause = rest.partition(": ")
    return ("新增" if sign == "+" else "消失", titles.get(plan, plan), clause)


def officer_text(side: dict | list[str]) -> str:
    console = Console(record=True, width=100, file=io.StringIO(), color_system=None)
    if isinstance(side, list):
        console.print("校验失败，未能理赔：\n" + "\n".join(side), markup=False)
    else:
        console.print(officer_tree(decision_from_json(side)))
    return console.export_text()


def side_summary(side: dict | list[str]) -> str:
    if isinstance(side, list):
        return "校验失败：" + (side[0] if side else "")
    return officer_summary(decision_from_json(side))


def charts(data: dict) -> dict[str, Markup]:
    titles = data.get("titles", {})
    made = {}
    plan_rows = [(row.get("title") or titles.get(row["plan"], row["plan"]), Decimal(row["delta"])) for row in data.get("by_plan", [])]
    if plan_rows:
        made["plans"] = Markup(diverging_bars(plan_rows, "各方案赔付变化（元）"))
    distribution = data.get("delta_distribution") or {}
    buckets = [(label, count, DOWN if label.startswith(("≤ −", "−")) else UP) for label, count in distribution.items() if label != "0"]
    if any(count for _, count, _ in buckets):
        made["distribution"] = Markup(histogram(buckets, f"每笔理赔的赔付变化分布（笔数；另有 {distribution.get('0', 0):,} 笔不变）"))
    office_rows = [(row.get("name") or row["office"], Decimal(row["delta"])) for row in data.get("by_office", [])]
    if any(value for _, value in office_rows):
        made["offices"] = Markup(diverging_bars(office_rows, "各办事处赔付变化（元）"))
    return made


_ENV = Environment(autoescape=True)
_ENV.filters.update(yuan=yuan, transition=transition)
_PAGE = _ENV.from_string("""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>方案修订差异报告：{{ d.base }} → {{ d.head }}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:84rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.6rem 0;min-width:30rem} td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
th{background:#f4f6f8} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.up{color:#2e7d32}.down{color:#c62828}.muted{color:#666}
.headline{font-size:1.1rem;background:#f4f6f8;border-left:4px solid #607d8b;padding:.8rem 1rem}
.headline strong{font-size:1.3rem} .warn{background:#fff4e5;border-left:4px solid #ef6c00;padding:.6rem 1rem}
table.sortable th{cursor:pointer;user-select:none} table.sortable th::after{content:" ⇅";color:#aaa}
.filters{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin:.5rem 0}
.filters input[type=search]{padding:.3rem;min-width:16rem}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem} pre{background:#f7f7f7;padding:.6rem;overflow:auto;font-size:.78rem;white-space:pre}
table.examples td{white-space:nowrap;vertical-align:top} table.examples td:last-child{white-space:normal} details summary{cursor:pointer}
.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
</style></head><body>
<h1>方案修订差异报告：{{ d.base }} → {{ d.head }}</h1>
<p class="headline diff-headline" data-delta="{{ d.payout.delta }}">共 {{ '{:,}'.format(d.claims) }} 笔理赔，其中 <strong>{{ '{:,}'.format(d.changed) }}</strong> 笔结果有变化；
赔付总额 {{ d.payout.base|yuan }} → {{ d.payout.head|yuan }}，
差额 <strong class="{{ 'down' if d.payout.delta.startswith('-') else 'up' }}">{{ d.payout.delta|yuan(true) }}</strong>{% if pct %}（{{ pct }}）{% endif %}。</p>
{% if d.failed.base or d.failed.head %}<p class="warn failed-warning">校验失败的理赔：修改前 {{ '{:,}'.format(d.failed.base) }} 笔，修改后 {{ '{:,}'.format(d.failed.head) }} 笔；不计入赔付总额，逐笔列在下方“校验失败的理赔”。</p>{% endif %}
{% if d.deferred and d.deferred.claims %}<p class="warn deferred-warning">暂缓（一方待补材料）的理赔 {{ '{:,}'.format(d.deferred.claims) }} 笔：修改前 {{ d.deferred.base|yuan }}，修改后 {{ d.deferred.head|yuan }}；这些金额是暂缓，不是减少，不计入上面的差额。</p>{% endif %}
{% if d.moved and d.moved.claims %}<p class="headline-note">改按另一版本理赔的理赔 {{ '{:,}'.format(d.moved.claims) }} 笔（见“改按其他版本理赔”）。</p>{% endif %}
{% if d.unexercised %}<div class="warn unexercised"><b>未被任何理赔触及的改动</b>（本报告对它们没有结论，请用 <code>adjudicator synth --year</code> 或 <code>--focus</code> 生成能触及它们的理赔数据）：<ul>
{% for item in d.unexercised %}<li>{{ kinds.get(item.kind, item.kind) }} <code>{{ item.key }}</code>（{{ change_words.get(item.change, item.change) }}）</li>{% endfor %}</ul></div>{% endif %}
{% if d.causes %}<h2>按原因分组的变化</h2><p class="muted">每组列出差额最大的几笔理赔；原因依次取：新增或消失的除外条款、差额最大的保障责任、状态变化。</p>
<table class="sortable" id="causes"><thead><tr><th>原因</th><th>内容</th><th class="n">理赔笔数</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th><th>示例</th></tr></thead><tbody>
{% for cause in d.causes %}<tr><td>{{ cause_kinds.get(cause.kind, cause.kind) }}</td><td><code>{{ cause.key|transition if cause.kind == 'status' else cause.key }}</code></td>
<td class="n" data-sort="{{ cause.claims }}">{{ '{:,}'.format(cause.claims) }}</td><td class="n" data-sort="{{ cause.base }}">{{ cause.base|yuan }}</td>
<td class="n" data-sort="{{ cause.head }}">{{ cause.head|yuan }}</td><td class="n {{ tone(cause.delta) }}" data-sort="{{ cause.delta }}">{{ cause.delta|yuan(true) }}</td>
<td>{% for e in cause.examples %}<code>{{ e.claim_id }}</code>（{{ e.delta|yuan(true) }}）{% if not loop.last %}，{% endif %}{% endfor %}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if d.provenance %}<h2>数据来源</h2><table><tr><th></th><th>修改前</th><th>修改后</th></tr>
{% for key, label in [('commit', '提交'), ('corpus', '理赔数据'), ('claims', '理赔笔数'), ('sha256', '数据 SHA-256'), ('date', '日期')] %}
{% if d.provenance.base is mapping and (d.provenance.base.get(key) or d.provenance.head.get(key)) %}<tr><th>{{ label }}</th><td>{{ d.provenance.base.get(key, '') }}</td><td>{{ d.provenance.head.get(key, '') }}</td></tr>{% endif %}
{% endfor %}</table>{% endif %}

{% if charts.plans %}<h2>各方案赔付变化</h2>{{ charts.plans }}{% endif %}
<table class="sortable" id="by-plan"><thead><tr><th>方案</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th></tr></thead><tbody>
{% for row in d.by_plan %}<tr><td>{{ row.title or row.plan }} <span class="muted">{{ row.plan }}</span></td><td class="n" data-sort="{{ row.base }}">{{ row.base|yuan }}</td>
<td class="n" data-sort="{{ row.head }}">{{ row.head|yuan }}</td><td class="n {{ tone(row.delta) }}" data-sort="{{ row.delta }}">{{ row.delta|yuan(true) }}</td></tr>{% endfor %}
</tbody></table>
{% if d.by_benefit %}<h2>各项责任的赔付变化</h2><table class="sortable" id="by-benefit"><thead><tr><th>方案</th><th>责任</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th></tr></thead><tbody>
{% for row in d.by_benefit %}<tr><td>{{ row.title or row.plan }}</td><td>{{ row.benefit.split('/', 1)[-1] }}</td><td class="n" data-sort="{{ row.base }}">{{ row.base|yuan }}</td>
<td class="n" data-sort="{{ row.head }}">{{ row.head|yuan }}</td><td class="n {{ tone(row.delta) }}" data-sort="{{ row.delta }}">{{ row.delta|yuan(true) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if charts.distribution %}<h2>每笔理赔的赔付变化分布</h2>{{ charts.distribution }}{% endif %}
{% if d.by_office %}<h2>各办事处</h2>{% if charts.offices %}{{ charts.offices }}{% endif %}
<table class="sortable" id="by-office"><thead><tr><th>办事处</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th></tr></thead><tbody>
{% for row in d.by_office %}<tr><td>{{ row.name or row.office }} <span class="muted">{{ row.office }}</span></td><td class="n" data-sort="{{ row.base }}">{{ row.base|yuan }}</td>
<td class="n" data-sort="{{ row.head }}">{{ row.head|yuan }}</td><td class="n {{ tone(row.delta) }}" data-sort="{{ row.delta }}">{{ row.delta|yuan(true) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if d.by_revision %}<h2>各方案版本</h2><p class="muted">每一边按参保起期适用的版本计：新版本只出现在修改后一列，被它取代的旧版本的赔付随之减少。</p>
<table class="sortable" id="by-revision"><thead><tr><th>方案</th><th>版本</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th></tr></thead><tbody>
{% for row in d.by_revision %}<tr><td>{{ row.title or row.plan }}</td><td>{{ row.revision }}</td><td class="n" data-sort="{{ row.base }}">{{ row.base|yuan }}</td>
<td class="n" data-sort="{{ row.head }}">{{ row.head|yuan }}</td><td class="n {{ tone(row.delta) }}" data-sort="{{ row.delta }}">{{ row.delta|yuan(true) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if d.status_changes %}<h2>状态变化</h2><table class="sortable" id="status-changes"><thead><tr><th>修改前 → 修改后</th><th class="n">理赔笔数</th></tr></thead><tbody>
{% for key, count in d.status_changes.items() %}<tr><td>{{ key|transition }}</td><td class="n" data-sort="{{ count }}">{{ '{:,}'.format(count) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if clauses %}<h2>规则和拒付原因的变化</h2><table class="sortable" id="clauses"><thead><tr><th></th><th>方案</th><th>规则或拒付原因</th><th class="n">理赔笔数</th></tr></thead><tbody>
{% for change, plan, clause, count in clauses %}<tr><td class="{{ 'up' if change == '新增' else 'down' }}">{{ change }}</td><td>{{ plan }}</td><td><code>{{ clause }}</code></td><td class="n" data-sort="{{ count }}">{{ '{:,}'.format(count) }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if d.deferred and d.deferred.examples %}<h2>暂缓的理赔（一方待补材料）</h2><table class="sortable" id="deferred"><thead><tr><th>理赔</th><th class="n">修改前</th><th class="n">修改后</th><th>状态</th><th>待补材料</th></tr></thead><tbody>
{% for e in d.deferred.examples %}<tr><td><code>{{ e.claim_id }}</code></td><td class="n" data-sort="{{ e.base_total }}">{{ e.base_total|yuan }}</td><td class="n" data-sort="{{ e.head_total }}">{{ e.head_total|yuan }}</td>
<td>{{ (e.base_status ~ '→' ~ e.head_status)|transition }}</td><td>{{ missing(e) }}</td></tr>{% endfor %}</tbody></table>{% endif %}
{% if d.moved and d.moved.by_revision %}<h2>改按其他版本理赔</h2><table class="sortable" id="moved"><thead><tr><th>方案 修改前版本 → 修改后版本</th><th class="n">理赔笔数</th></tr></thead><tbody>
{% for key, count in d.moved.by_revision.items() %}<tr><td>{{ key }}</td><td class="n" data-sort="{{ count }}">{{ '{:,}'.format(count) }}</td></tr>{% endfor %}</tbody></table>{% endif %}
{% if d.failed_claims %}<h2>校验失败的理赔</h2><p class="muted">这些理赔在至少一边未能理赔，不计入赔付总额。</p><table class="sortable" id="failed-claims"><thead><tr><th>理赔</th><th>失败的一边</th><th>错误</th><th>另一边</th></tr></thead><tbody>
{% for f in d.failed_claims %}<tr><td><code>{{ f.claim_id }}</code></td><td>{{ sides.get(f.side, f.side) }}</td><td>{% for error in f.errors %}<div>{{ error }}</div>{% endfor %}</td>
<td>{% if f.other_status %}{{ status_names.get(f.other_status, f.other_status) }} {{ f.other_total|yuan }}{% endif %}</td></tr>{% endfor %}</tbody></table>{% endif %}
{% if d.yaml_diff %}<h2>方案和规则文件的改动</h2><pre class="yaml-diff">{{ d.yaml_diff if d.yaml_diff is string else d.yaml_diff|join('\\n') }}</pre>{% endif %}

<h2>变化最大的理赔</h2>
{% if changes %}<div class="filters"><input type="search" id="filter-text" placeholder="筛选：理赔编号、方案、原因……" aria-label="筛选">
<label>状态变化 <select id="filter-status"><option value="">全部</option>{% for key in transitions %}<option value="{{ key }}">{{ key }}</option>{% endfor %}</select></label>
<label>方向 <select id="filter-sign"><option value="">全部</option><option value="up">增加</option><option value="down">减少</option></select></label>
<span class="muted" id="filter-count"></span></div>
<table class="sortable examples" id="examples"><thead><tr><th>理赔</th><th class="n">修改前</th><th class="n">修改后</th><th class="n">差额</th><th>状态</th><th>修改后结论</th></tr></thead><tbody>
{% for c in changes %}<tr class="example" data-status="{{ c.status }}" data-sign="{{ 'down' if c.delta.startswith('-') else 'up' }}">
<td><code>{{ c.claim_id }}</code></td><td class="n" data-sort="{{ c.base_total }}">{{ c.base_total|yuan }}</td><td class="n" data-sort="{{ c.head_total }}">{{ c.head_total|yuan }}</td>
<td class="n {{ tone(c.delta) }}" data-sort="{{ c.delta }}">{{ c.delta|yuan(true) }}</td><td>{{ c.status }}</td>
<td><details><summary>{{ c.head_summary }}</summary>
{% if c.clauses %}<ul>{% for change, plan, clause in c.clauses %}<li>{{ change }} {{ plan }} <code>{{ clause }}</code></li>{% endfor %}</ul>{% endif %}
<div class="pair"><div><b>修改前</b><pre>{{ c.base_text }}</pre></div><div><b>修改后</b><pre>{{ c.head_text }}</pre></div></div></details></td></tr>
{% endfor %}</tbody></table>{% else %}<p>没有理赔的结果发生变化。</p>{% endif %}
<p class="muted">本报告由 <code>adjudicator diff</code> 生成，不依赖网络；金额单位为元。</p>
<script>
(function () {
  function value(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw !== null && raw !== "" && !isNaN(parseFloat(raw))) { return parseFloat(raw); }
    return cell.textContent.trim();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, column) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute("data-order") !== "asc";
        table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("data-order"); });
        th.setAttribute("data-order", ascending ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = value(a.cells[column]), y = value(b.cells[column]);
          var order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y), "zh");
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var examples = document.getElementById("examples");
  if (!examples) { return; }
  var text = document.getElementById("filter-text"), status = document.getElementById("filter-status"),
      sign = document.getElementById("filter-sign"), count = document.getElementById("filter-count");
  function filter() {
    var wanted = text.value.trim().toLowerCase(), shown = 0, rows = examples.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!wanted || row.textContent.toLowerCase().indexOf(wanted) >= 0) &&
               (!status.value || row.getAttribute("data-status") === status.value) &&
               (!sign.value || row.getAttribute("data-sign") === sign.value);
      row.hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = "显示 " + shown + " / " + rows.length + " 笔";
  }
  [text, status, sign].forEach(function (input) { input.addEventListener("input", filter); });
  filter();
})();
</script>
</body></html>
""")


ITEM_KINDS = {"revision": "方案版本", "entry": "疾病定义", "clause": "除外条款", "circumstance": "出险情形代码"}
CHANGE_WORDS = {"added": "新增", "removed": "删除", "changed": "修改"}
CAUSE_KINDS = {"benefit": "保障责任", "clause": "除外条款", "status": "状态变化", "other": "其他"}
SIDES = {"base": "修改前", "head": "修改后", "both": "两边"}


def _missing(change: dict) -> str:
    """What the pending side waits for (the findings it lacks), from its decision."""
    fields = []
    for side in (change.get("head"), change.get("base")):
        if isinstance(side, dict):
            for enrolment in side.get("enrolments", []):
                fields += [item["field"].rsplit(".", 1)[-1] for item in enrolment.get("missing", [])]
    return "、".join(dict.fromkeys(fields))


def _tone(delta: str) -> str:
    value = Decimal(str(delta))
    return "up" if value > 0 else "down" if value < 0 else ""


def render(data: dict) -> str:
    titles = data.get("titles", {})
    base_total = Decimal(data["payout"]["base"])
    pct = f"{Decimal(data['payout']['delta']) / base_total * 100:+.2f}%" if base_total else ""
    changes = []
    for row in data.get("largest", []):
        status = f"{STATUS_NAMES.get(row['base_status'], row['base_status'])} → {STATUS_NAMES.get(row['head_status'], row['head_status'])}" \
            if row["base_status"] != row["head_status"] else STATUS_NAMES.get(row["head_status"], row["head_status"])
        changes.append(dict(row, status=status, head_summary=side_summary(row["head"]),
                            base_text=officer_text(row["base"]), head_text=officer_text(row["head"]),
                            clauses=[clause_change(f"− {c}", titles) for c in row.get("clauses_removed", [])] +
                                    [clause_change(f"+ {c}", titles) for c in row.get("clauses_added", [])]))
    clauses = [(*clause_change(key, titles), count) for key, count in (data.get("clauses") or {}).items()]
    return _PAGE.render(d=_Data(data), charts=charts(data), changes=changes, clauses=clauses, pct=pct, tone=_tone,
                        transitions=sorted({c["status"] for c in changes}), kinds=ITEM_KINDS, change_words=CHANGE_WORDS,
                        cause_kinds=CAUSE_KINDS, sides=SIDES, status_names=STATUS_NAMES, missing=_missing)


class _Data(dict):
    """The report's data, with attribute access for the template and None for absent sections."""

    def __getattr__(self, name: str) -> Any:
        value = self.get(name)
        return _Data(value) if isinstance(value, dict) else value

