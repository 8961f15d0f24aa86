"""`adjudicator check`: load every plan and rule file, then the static checks."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from engine.cli.common import PlansOption, RulesOption, app, err, load_adjudicator, out

@app.command()
def check(plans: Path = PlansOption, rules: Path = RulesOption) -> None:
    """Validate every plan and rule file, then look for what would run but be wrong: codes that
    are not ICD-10, definitions that can never be met or never be paid, benefits that could pay
    one diagnosis twice. Every issue with file:line:column and field. Exits 1 on any error."""
    from engine.hints import with_hints
    from engine.static_checks import static_issues
    from engine.text_checks import text_issues

    adjudicator = load_adjudicator(plans, rules)
    table = Table(title="plans", show_lines=False)
    for column in ("plan", "revision", "effective", "title", "rules", "hash"):
        table.add_column(column)
    for plan_id in sorted(adjudicator.revisions):
        for compiled in adjudicator.revisions[plan_id]:
            effective = f"{compiled.plan.effective_from} – {compiled.plan.effective_to or 'open'}"
            table.add_row(plan_id, compiled.plan.revision, effective, compiled.plan.title, str(len(compiled.rules)), compiled.content_hash[:12])
    out.print(table)
    library = adjudicator.library
    lists = ", ".join(f"{d.id} ({len(d.entries)})" for d in library.disease_lists.values()) or "none"
    out.print(f"rules: {len(library.exclusions)} exclusion clauses in {len(library.groups)} groups, "
              f"{len(library.circumstances)} circumstance codes, {len(library.findings)} findings; disease lists: {lists}.")
    errors, warnings = static_issues(rules, plans, list(adjudicator.plans), library)
    errors = with_hints(errors)
    warnings = with_hints(warnings + text_issues([rules, plans])) + _stale_schemas(plans, rules)
    for issue in warnings:
        err.print(f"warning: {issue}", markup=False, highlight=False)
    for issue in errors:
        err.print(f"error: {issue}", markup=False, highlight=False)
    if errors:
        raise typer.Exit(1)
    out.print(f"No errors; {len(warnings)} warning{'s' if len(warnings) != 1 else ''}.")


def _stale_schemas(plans: Path, rules: Path) -> list:
    """A warning when the editor schemas beside plans/ no longer know the names of rules/."""
    from engine.errors import Issue
    from engine.schemas import stale_schemas

    import os

    folder = Path(os.path.relpath(plans.resolve().parent / "schemas"))
    if not folder.is_dir():
        return []
    stale = stale_schemas(folder, rules, plans)
    if not stale:
        return []
    return [Issue(f"{', '.join(stale)} no longer match rules/ and plans/: editors offer old names; "
                  f"run `adjudicator schema --out {folder}`", file=str(folder))]
