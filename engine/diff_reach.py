"""What a revision diff changed, and whether the corpus reached it.

A diff that says "0 changed" is only good news when the corpus exercised the change. So the two
plan sets are compared item by item (plan revisions, disease-list entries, exclusion clauses,
circumstance codes), and each claim reports which changed items it reached: a revision that
decided one of its enrolments, an entry whose ICD-10 codes one of its diagnoses falls in, a
clause that decided it, a code it states. Items no claim reached are the diff's `unexercised`
warnings (and `--fail-on unexercised`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from engine.icd import normalise_code
from engine.model.claim import Claim
from engine.model.decision import Decision
from engine.rules.compiler import CompiledPlan, RuleLibrary, in_force

KIND_WORDS = {"revision": "plan revision", "entry": "disease-list entry", "clause": "exclusion clause",
              "circumstance": "circumstance code"}


@dataclass(frozen=True)
class Item:
    kind: str  # revision, entry, clause, circumstance
    key: str  # "critical-illness 2025", "critical-illness-mild/new-disease", "e-scooter", "e_scooter"
    change: str  # added, removed, changed

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def message(self) -> str:
        return (f"{KIND_WORDS[self.kind]} {self.key} ({self.change}) was reached by no claim of the corpus; "
                "the diff says nothing about it")

    def to_json(self) -> dict:
        return {**asdict(self), "id": self.id, "message": self.message}


def _changes(kind: str, base: dict, head: dict) -> list[Item]:
    items = []
    for key in sorted(base.keys() | head.keys()):
        if key not in base:
            items.append(Item(kind, key, "added"))
        elif key not in head:
            items.append(Item(kind, key, "removed"))
        elif base[key] != head[key]:
            items.append(Item(kind, key, "changed"))
    return items


def _revisions(plans: list[CompiledPlan]) -> dict:
    return {f"{p.plan.plan} {p.plan.revision}": p.plan.model_dump(mode="json") for p in plans}


def _entries(library: RuleLibrary) -> dict:
    return {entry.key: (entry.number, entry.name, str(entry.codes), repr(entry.criteria), entry.kind,
                        getattr(entry, "effective_from", None), getattr(entry, "effective_to", None))
            for disease_list in library.disease_lists.values() for entry in disease_list.entries}


def _clauses(library: RuleLibrary) -> dict:
    return {clause.id: (clause.title, repr(clause.condition), getattr(clause, "effective_from", None),
                        getattr(clause, "effective_to", None)) for clause in library.exclusions.values()}


def changed_items(base: tuple[list[CompiledPlan], RuleLibrary], head: tuple[list[CompiledPlan], RuleLibrary]) -> list[Item]:
    """Every plan revision, list entry, exclusion clause and circumstance code that differs."""
    (base_plans, base_library), (head_plans, head_library) = base, head
    return (_changes("revision", _revisions(base_plans), _revisions(head_plans))
            + _changes("entry", _entries(base_library), _entries(head_library))
            + _changes("clause", _clauses(base_library), _clauses(head_library))
            + _changes("circumstance", dict(base_library.circumstances), dict(head_library.circumstances)))


class Reach:
    """Tests a claim against the changed items (built once per worker)."""

    def __init__(self, items: list[Item], base: RuleLibrary, head: RuleLibrary):
        wanted = {item.id for item in items}
        self.revisions = {item.key for item in items if item.kind == "revision"}
        self.clauses = {item.key for item in items if item.kind == "clause"}
        self.circumstances = {item.key for item in items if item.kind == "circumstance"}
        self.entries = []  # (id, code set) of changed entries, from whichever side defines them
        for library in (head, base):
            for disease_list in library.disease_lists.values():
                for entry in disease_list.entries:
                    item_id = f"entry:{entry.key}"
                    if item_id in wanted and all(item_id != known for known, _, _ in self.entries):
                        self.entries.append((item_id, entry.codes, entry))

    def reached(self, claim: Claim | object, *decisions: Decision | None) -> set[str]:
        found: set[str] = set()
        if not isinstance(claim, Claim):
            return found
        event = claim.event
        found |= {f"circumstance:{code}" for code in getattr(event, "circumstances", None) or () if code in self.circumstances}
        codes = [normalise_code(diagnosis.code) for diagnosis in getattr(event, "diagnoses", None) or ()]
        starts = [enrolment.start for enrolment in claim.enrolments]
        for item_id, code_set, entry in self.entries:  # a dated entry is reached only by terms it is in force for
            if any(code_set.matches(code) for code in codes) and any(in_force(entry, start) for start in starts):
                found.add(item_id)
        for decision in decisions:
            for enrolment in decision.enrolments if decision is not None else ():
                if f"{enrolment.plan} {enrolment.revision}" in self.revisions:
                    found.add(f"revision:{enrolment.plan} {enrolment.revision}")
                for name in [*enrolment.clauses, *(refusal.code for refusal in enrolment.refusals)]:
                    _, _, clause = name.partition(":")
                    if name.startswith(("exclusion:", "excluded:")) and clause in self.clauses:
                        found.add(f"clause:{clause}")
        return found
