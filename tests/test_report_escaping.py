"""Ids chosen by a partner's system reach the diff reports: none may turn into markup.

Found: the Markdown report put claim, member and enrolment ids into raw HTML unescaped, so a
claim id `<script>…</script></summary></details><h1>` passed through into a pull-request
comment. The Markdown is rendered here as CommonMark (with raw HTML allowed, as a forge
renders a comment) and the resulting elements are checked; the terminal report must print the
same ids literally (Rich reads `[...]` in a panel's title as markup)."""

from __future__ import annotations

import io
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from engine.diff import PlanSource, run_diff
from engine.diff_report import print_terminal, to_markdown

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_CLAIM = "<script>alert(1)</script></summary></details><h1>x"
HOSTILE_MEMBER = "m```</details><h1>member"
HOSTILE_ENROLMENT = "e-`<img src=x onerror=alert(1)>`[/bold]"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    """c-08 (severe breast cancer, 2 units) under hostile ids; the head pays 12,000 instead of
    10,000 per unit, so it is the one changed claim and appears in the largest changes."""
    head = tmp_path_factory.mktemp("head") / "plans"
    shutil.copytree(ROOT / "plans", head)
    plan = head / "critical-illness" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("amount: {per_unit: 10000.00}", "amount: {per_unit: 12000.00}"),
                    encoding="utf-8")
    claim = json.loads((ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines()[7])
    assert claim["claim_id"] == "c-08"
    claim["claim_id"], claim["member"]["member_id"] = HOSTILE_CLAIM, HOSTILE_MEMBER
    claim["enrolments"][0]["enrolment_id"] = HOSTILE_ENROLMENT
    result = run_diff([json.dumps(claim, ensure_ascii=False)], PlanSource("base", ROOT / "plans", ROOT / "rules"),
                      PlanSource("head", head, ROOT / "rules"), workers=1, top=5)
    assert result.changed == 1 and result.largest[0].claim_id == HOSTILE_CLAIM
    return result


def test_ids_in_the_markdown_report_are_text_not_html(summary):
    markdown = to_markdown(summary, "main", "head`<b>")
    rendered = MarkdownIt("commonmark", {"html": True}).render(markdown)
    page = Elements()
    page.feed(rendered)
    assert not {"script", "h1", "img", "b"} & set(page.tags), page.tags
    assert page.tags.count("details") == page.tags.count("summary") == 1
    text = "".join(page.text)
    for hostile in (HOSTILE_CLAIM, HOSTILE_MEMBER, HOSTILE_ENROLMENT):
        assert hostile in text, hostile


def test_ids_in_the_terminal_report_are_printed_as_they_are(summary):
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_terminal(console, summary, "main", "head[/]")
    shown = console.file.getvalue()
    assert HOSTILE_CLAIM in shown and "head[/]" in shown
