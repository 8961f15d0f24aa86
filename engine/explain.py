"""Decision -> a readable tree (rich), for `adjudicator adjudicate --explain`.

Rendering only: everything shown is already in the decision, so the JSON and the tree can
never tell different stories.
"""

from __future__ import annotations

from rich.markup import escape
from rich.tree import Tree

from engine.model.decision import ClaimFailure, Decision, DiseaseMatch

STATUS_STYLE = {"paid": "green", "partial": "yellow", "denied": "red", "pending": "magenta"}


def decision_tree(decision: Decision) -> Tree:
    style = STATUS_STYLE[decision.status]
    root = Tree(f"[bold]claim {escape(decision.claim_id)}[/] member {escape(decision.member_id)}: "
                f"[{style}]{decision.status}[/], total [bold]{decision.total}[/]")
    for enrolment in decision.enrolments:
        style = STATUS_STYLE[enrolment.status]
        branch = root.add(
            f"{escape(enrolment.enrolment_id)} {escape(enrolment.plan)} {escape(enrolment.plan_title)} "
            f"(revision {escape(enrolment.revision)}, plan {enrolment.plan_hash[:12]}): "
            f"[{style}]{enrolment.status}[/] {enrolment.amount}"
        )
        for refusal in enrolment.refusals:
            node = branch.add(f"[red]{escape(refusal.code)}[/] [{escape(refusal.clause)}] {escape(refusal.message)}")
            if refusal.detail:
                node.add(f"[dim]{escape(refusal.detail)}[/]")
        for line in enrolment.lines:
            node = branch.add(f"[bold]{escape(line.benefit)}[/] {escape(line.title)}: {line.amount}"
                              f"  [dim](rule {escape(line.clause)})[/]")
            node.add(f"formula: {escape(line.formula)}")
            if line.disease is not None:
                _add_disease(node, line.disease)
            inputs = node.add("inputs")
            for name, value in line.inputs.items():
                inputs.add(f"{escape(name)}: {escape(value)}")
            for cap in line.caps:
                node.add(f"{cap.cap}: limit {escape(cap.limit)}, used before {cap.used_before}, available {cap.available}")
            if line.note_code:
                node.add(f"[yellow]{escape(line.note_code)}[/] {escape(line.note or '')}")
        for missing in enrolment.missing:
            branch.add(f"[magenta]missing[/] {escape(missing.field)} (needed by {escape(missing.needed_by)})")
    for skipped in decision.skipped:
        root.add(f"[dim]{escape(skipped.enrolment_id)} {escape(skipped.plan)}: skipped ({skipped.reason})[/]")
    if decision.accumulator_changes:
        history = root.add("[dim]history changes[/]")
        for change in decision.accumulator_changes:
            history.add(f"[dim]{escape(change.key.label())}: {change.before} → {change.after}[/]")
    return root


def _add_disease(node: Tree, match: DiseaseMatch) -> None:
    disease = node.add(f"disease: [bold]{escape(match.disease_list)} #{match.number} {escape(match.disease)}[/] "
                       f"{escape(match.name)}, diagnosis {escape(match.diagnosis)}, codes {escape(match.codes)}")
    disease.add(f"criteria: {escape(match.criteria)}")
    if match.preferred_checked:
        checked = disease.add("definitions that take precedence, checked first")
        for definition in match.preferred_checked:
            checked.add(f"{escape(definition.disease)} {escape(definition.name)}: {definition.outcome}: {escape(definition.criteria)}")


def failure_tree(failure: ClaimFailure) -> Tree:
    root = Tree(f"[bold red]claim {escape(failure.claim_id or '?')} not adjudicated[/]")
    for error in failure.errors:
        root.add(escape(error))
    return root
