"""Revision diff: adjudicate one claims corpus under two plan sets and say what changed.

A plan set is a folder pair (`plans/`, `rules/`) or a git revision of the repository, exported
with `git archive`. Each claim is parsed once and adjudicated under both sets, each on its own
ledger, so history (deductibles, caps, lifetime limits) evolves as it would under each set; a
member's claims that touch no changed plan are adjudicated once (`_diff_chunk`).

The corpus is grouped by member, whatever order it lists claims in (engine.grouping), cut into
chunks at member boundaries, and chunks are adjudicated by a process pool; each worker
compiles both plan sets once. Workers return only aggregates and their largest changes (with
both decisions), so memory stays flat however large the corpus.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator

from engine.api import Adjudicator
from engine.claims import ClaimRecord, parse_claim
from engine.diff_reach import Item, Reach, changed_items as diff_items
from engine.errors import ClaimError
from engine.grouping import grouped_by_member
from engine.identity import claim_key
from engine.ledger import MemoryLedger
from engine.loader import load_library, load_plans
from engine.model.claim import Claim
from engine.model.decision import ClaimFailure, Decision
from engine.money import ZERO
from engine.diff_cache import BaseCache
from engine.diff_cache import dump as dump_outcome
from engine.diff_cache import load as load_outcome
from engine.outcome import explained

CHUNK_CLAIMS = 2000
BUCKETS = [  # per-claim payout delta, yuan: (label, upper bound exclusive)
    ("≤ −10,000", Decimal("-10000")), ("−10,000 … −1,000", Decimal("-1000")), ("−1,000 … −100", Decimal("-100")),
    ("−100 … −0.01", Decimal("0")), ("0", Decimal("0.01")), ("0.01 … 100", Decimal("100")),
    ("100 … 1,000", Decimal("1000")), ("1,000 … 10,000", Decimal("10000")), ("≥ 10,000", None),
]


@dataclass(frozen=True)
class PlanSource:
    label: str
    plans: Path
    rules: Path
    commit: str | None = None  # the commit's SHA when exported from git
    commit_date: str | None = None


def git_source(repository: Path, revision: str, target: Path) -> PlanSource:
    """`plans/` and `rules/` as they are at a git revision, exported into the empty `target`."""
    if revision.startswith("-"):
        raise ValueError(f"git revision {revision!r}: a revision cannot start with '-'")
    archive = subprocess.run(["git", "-C", str(repository), "archive", "--format=tar", revision, "--", "plans", "rules"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        raise ValueError(f"git revision {revision!r}: {archive.stderr.decode().strip()}")
    target.mkdir(parents=True, exist_ok=False)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():  # our own repository, but never write outside the target
            if member.name.startswith(("/", "..")) or "/../" in member.name or not (member.isfile() or member.isdir()):
                raise ValueError(f"git revision {revision!r}: unexpected archive entry {member.name!r}")
        tar.extractall(target)
    shown = subprocess.run(["git", "-C", str(repository), "show", "-s", "--format=%H %cI", f"{revision}^{{commit}}", "--"],
                           capture_output=True, text=True, check=False)
    commit, _, date = shown.stdout.strip().partition(" ") if shown.returncode == 0 else ("", "", "")
    return PlanSource(revision, target / "plans", target / "rules", commit or None, date or None)


# -- per-claim comparison ---------------------------------------------------------------------


@dataclass
class Change:
    """One claim whose outcome differs, with both decisions (for the largest changes)."""

    claim_id: str
    delta: Decimal
    base_status: str
    head_status: str
    base_total: Decimal
    head_total: Decimal
    clauses_removed: list[str]
    clauses_added: list[str]
    base: dict | list[str]  # the decision as JSON data, or the failure's errors
    head: dict | list[str]
    cause: str = ""  # e.g. "benefit critical-illness/severe", "clause + accident: excluded:x", "status paid→denied"


@dataclass
class FailedClaim:
    """A claim that could not be adjudicated on one side or both: listed, never counted as paid 0."""

    claim_id: str
    side: str  # base, head or both
    errors: list[str]
    other_status: str | None = None  # the side that decided it (when only one failed)
    other_total: Decimal | None = None


@dataclass
class Cause:
    """Changed claims grouped by what changed them, with the largest examples of each."""

    kind: str  # benefit, clause, status, other
    key: str
    claims: int = 0
    base: Decimal = ZERO
    head: Decimal = ZERO
    examples: list[Change] = field(default_factory=list)

    @property
    def delta(self) -> Decimal:
        return self.head - self.base


FAILED_LISTED = 1000  # failed claims listed one by one (all are counted)
EXAMPLES_PER_CAUSE = 3


@dataclass
class Summary:
    """Aggregates over the corpus; chunks' summaries add up.

    The payout (`base_total`, `head_total`) and its breakdowns count the claims decided on both
    sides and pending on neither or both: a claim that failed on a side is listed in `failures`,
    and a claim pending on one side only (its payment deferred, not lost) is counted in
    `deferred`, so neither can change the headline's sign."""

    claims: int = 0
    changed: int = 0
    failed_base: int = 0
    failed_head: int = 0
    base_total: Decimal = ZERO
    head_total: Decimal = ZERO
    by_plan: dict[str, list[Decimal]] = field(default_factory=dict)  # plan -> [base, head]
    by_benefit: dict[str, list[Decimal]] = field(default_factory=dict)  # plan/benefit -> [base, head]
    by_office: dict[str, list[Decimal]] = field(default_factory=dict)  # the member's office -> [base, head] claim totals
    by_revision: dict[str, list[Decimal]] = field(default_factory=dict)  # "plan revision" -> [base, head] (each side's own)
    titles: dict[str, str] = field(default_factory=dict)  # plan -> its title, as the decisions give it
    transitions: Counter = field(default_factory=Counter)  # "paid→denied" -> count (changed statuses only)
    buckets: Counter = field(default_factory=Counter)
    clauses: Counter = field(default_factory=Counter)  # "+clause" / "−clause" -> claims
    largest: list[Change] = field(default_factory=list)
    deferred: int = 0  # pending on one side only
    deferred_base: Decimal = ZERO  # what those claims pay under each side
    deferred_head: Decimal = ZERO
    deferred_examples: list[Change] = field(default_factory=list)
    failures: list[FailedClaim] = field(default_factory=list)
    moved: Counter = field(default_factory=Counter)  # "plan base-revision → head-revision" -> claims
    moved_claims: int = 0
    causes: dict[str, Cause] = field(default_factory=dict)  # "kind key" -> its claims
    reached: set[str] = field(default_factory=set)  # changed items (engine.diff_reach) some claim reached
    items: list = field(default_factory=list)  # every changed item (engine.diff_reach.Item), set by run_diff
    base_cache: str = ""  # "used" or "written" when a cached base was given (engine.diff_cache)

    @property
    def unexercised(self) -> list:
        """Changed revisions, entries, clauses and codes no claim of the corpus reached."""
        return [item for item in self.items if item.id not in self.reached]

    @property
    def delta(self) -> Decimal:
        return self.head_total - self.base_total

    def merge(self, other: "Summary", top: int) -> None:
        self.claims += other.claims
        self.changed += other.changed
        self.failed_base += other.failed_base
        self.failed_head += other.failed_head
        self.base_total += other.base_total
        self.head_total += other.head_total
        for mine, theirs in ((self.by_plan, other.by_plan), (self.by_benefit, other.by_benefit),
                             (self.by_office, other.by_office), (self.by_revision, other.by_revision)):
            for key, (base, head) in theirs.items():
                pair = mine.setdefault(key, [ZERO, ZERO])
                pair[0] += base
                pair[1] += head
        self.titles.update(other.titles)
        self.transitions.update(other.transitions)
        self.buckets.update(other.buckets)
        self.clauses.update(other.clauses)
        self.largest = _top(self.largest + other.largest, top)
        self.deferred += other.deferred
        self.deferred_base += other.deferred_base
        self.deferred_head += other.deferred_head
        self.deferred_examples = _top(self.deferred_examples + other.deferred_examples, top)
        self.failures = sorted(self.failures + other.failures, key=lambda f: f.claim_id)[:FAILED_LISTED]
        self.moved.update(other.moved)
        self.moved_claims += other.moved_claims
        for key, theirs in other.causes.items():
            cause = self.causes.setdefault(key, Cause(theirs.kind, theirs.key))
            cause.claims += theirs.claims
            cause.base += theirs.base
            cause.head += theirs.head
            cause.examples = _top(cause.examples + theirs.examples, EXAMPLES_PER_CAUSE)
        self.reached |= other.reached

    def top_causes(self, count: int = 10) -> list[Cause]:
        """The causes that moved the most money first (then the most claims)."""
        return sorted(self.causes.values(), key=lambda c: (-abs(c.delta), -c.claims, c.kind, c.key))[:count]


def _top(changes: list[Change], top: int) -> list[Change]:
    return sorted(changes, key=lambda c: (-abs(c.delta), c.claim_id))[:top]


def _bucket(delta: Decimal) -> str:
    for label, upper in BUCKETS:
        if upper is None or delta < upper:
            return label
    return BUCKETS[-1][0]


def _amounts(decision: Decision | None, summary_key: Callable[[str, str], str]) -> Counter:
    amounts: Counter = Counter()
    if decision is not None:
        for enrolment in decision.enrolments:
            for line in enrolment.lines:
                amounts[summary_key(enrolment.plan, line.benefit)] += line.amount
    return amounts


def _clauses(decision: Decision | None) -> set[str]:
    if decision is None:
        return set()
    return {f"{e.plan}: {clause}" for e in decision.enrolments for clause in e.clauses} | {
        f"{e.plan}: {r.code}" for e in decision.enrolments for r in e.refusals}


def _exclusion(clause: str) -> bool:
    return ": excluded:" in clause or ": exclusion:" in clause


def cause_of(base: Decision, head: Decision, removed: list[str], added: list[str]) -> tuple[str, str]:
    """What changed a claim decided on both sides: an exclusion clause added or removed, else
    the benefit whose amount moved the most, else the change of status."""
    exclusions = [f"+ {c}" for c in added if _exclusion(c)] + [f"− {c}" for c in removed if _exclusion(c)]
    if exclusions:
        return "clause", exclusions[0]
    lines = _amounts(head, lambda plan, benefit: f"{plan}/{benefit}")
    lines.subtract(_amounts(base, lambda plan, benefit: f"{plan}/{benefit}"))
    moved = sorted(((abs(amount), key) for key, amount in lines.items() if amount), key=lambda pair: (-pair[0], pair[1]))
    if moved:
        return "benefit", moved[0][1]
    if base.status != head.status:
        return "status", f"{base.status}→{head.status}"
    return "other", "same amounts, other lines or statuses"


def _moves(base: Decision, head: Decision) -> list[str]:
    """`plan base-revision → head-revision` for each enrolment decided under another revision."""
    base_revisions = {e.enrolment_id: e.revision for e in base.enrolments}
    return [f"{e.plan} {base_revisions[e.enrolment_id]} → {e.revision}" for e in head.enrolments
            if e.enrolment_id in base_revisions and base_revisions[e.enrolment_id] != e.revision]


def compare(base: Decision | ClaimFailure, head: Decision | ClaimFailure, summary: Summary, top: int,
            office: str | None = None, explain: Callable[[], tuple[Decision, Decision]] | None = None) -> None:
    """Add one claim's two outcomes to `summary` (`office`: the member's, for the breakdown).
    Outcomes may be amounts-only (engine.outcome): `explain()` then gives both decisions
    explained, and is called only for a change kept as an example (largest, cause, deferred)."""
    summary.claims += 1
    base_decision = base if isinstance(base, Decision) else None
    head_decision = head if isinstance(head, Decision) else None
    summary.failed_base += base_decision is None
    summary.failed_head += head_decision is None
    base_status = base_decision.status if base_decision else "failed"
    head_status = head_decision.status if head_decision else "failed"
    if base_status != head_status:
        summary.transitions[f"{base_status}→{head_status}"] += 1
    if base_decision is None or head_decision is None:
        _failed(base, head, summary)
        return
    moves = _moves(base_decision, head_decision)
    summary.moved.update(moves)
    summary.moved_claims += bool(moves)
    base_total, head_total = base_decision.total, head_decision.total
    delta = head_total - base_total
    same = base_status == head_status and delta == 0 and _same_lines(base_decision, head_decision)
    if not same:
        summary.changed += 1
    if (base_status == "pending") != (head_status == "pending"):  # deferred: neither paid nor lost yet
        summary.deferred += 1
        summary.deferred_base += base_total
        summary.deferred_head += head_total
        change = _change(base_decision, head_decision, "deferred")
        summary.deferred_examples = _top(summary.deferred_examples + [change], top)
        _explain_if_kept(change, base_decision, head_decision, explain, summary.deferred_examples)
        return
    summary.base_total += base_total
    summary.head_total += head_total
    for decision, side in ((base_decision, 0), (head_decision, 1)):
        for plan, amount in _amounts(decision, lambda plan, benefit: plan).items():
            summary.by_plan.setdefault(plan, [ZERO, ZERO])[side] += amount
        for key, amount in _amounts(decision, lambda plan, benefit: f"{plan}/{benefit}").items():
            summary.by_benefit.setdefault(key, [ZERO, ZERO])[side] += amount
        for enrolment in decision.enrolments:
            summary.titles.setdefault(enrolment.plan, enrolment.plan_title)
            summary.by_revision.setdefault(f"{enrolment.plan} {enrolment.revision}", [ZERO, ZERO])[side] += enrolment.amount
        if office is not None:
            summary.by_office.setdefault(office, [ZERO, ZERO])[side] += decision.total
    summary.buckets[_bucket(delta)] += 1
    if same:
        return
    change = _change(base_decision, head_decision)
    summary.clauses.update([f"− {c}" for c in change.clauses_removed] + [f"+ {c}" for c in change.clauses_added])
    kind, key = change.cause.split(" ", 1)
    cause = summary.causes.setdefault(change.cause, Cause(kind, key))
    cause.claims += 1
    cause.base += base_total
    cause.head += head_total
    cause.examples = _top(cause.examples + [change], EXAMPLES_PER_CAUSE)
    summary.largest = _top(summary.largest + [change], top)
    _explain_if_kept(change, base_decision, head_decision, explain, cause.examples, summary.largest)


def _explain_if_kept(change: "Change", base: Decision, head: Decision, explain, *kept: list) -> None:
    """Both decisions as JSON data, explained, for a change kept as an example; nothing for the others."""
    if not any(item is change for examples in kept for item in examples):
        return
    if explain is not None:
        base, head = explain()
    change.base, change.head = json.loads(base.to_json()), json.loads(head.to_json())


def _change(base: Decision, head: Decision, cause: str | None = None) -> Change:
    base_clauses, head_clauses = _clauses(base), _clauses(head)
    removed, added = sorted(base_clauses - head_clauses), sorted(head_clauses - base_clauses)
    if cause is None:
        cause = " ".join(cause_of(base, head, removed, added))
    return Change(claim_id=base.claim_id or head.claim_id or "?", delta=head.total - base.total,
                  base_status=base.status, head_status=head.status, base_total=base.total, head_total=head.total,
                  clauses_removed=removed, clauses_added=added,
                  base={}, head={}, cause=cause)  # both decisions are added for the changes kept (_explain_if_kept)


def _failed(base: Decision | ClaimFailure, head: Decision | ClaimFailure, summary: Summary) -> None:
    if isinstance(base, ClaimFailure) and isinstance(head, ClaimFailure):
        failed = FailedClaim(base.claim_id or head.claim_id or "?", "both", list(dict.fromkeys([*base.errors, *head.errors])))
    else:
        failure, decided, side = (base, head, "base") if isinstance(base, ClaimFailure) else (head, base, "head")
        failed = FailedClaim(failure.claim_id or decided.claim_id or "?", side, list(failure.errors),
                             decided.status, decided.total)
        summary.changed += 1
    if len(summary.failures) < FAILED_LISTED:
        summary.failures.append(failed)


def _same_lines(base: Decision, head: Decision) -> bool:
    return [(e.enrolment_id, e.status, [(l.benefit, l.amount) for l in e.lines]) for e in base.enrolments] == \
        [(e.enrolment_id, e.status, [(l.benefit, l.amount) for l in e.lines]) for e in head.enrolments]


# -- running ----------------------------------------------------------------------------------

_WORKER: dict = {}


def changed_plans(base: Adjudicator, head: Adjudicator) -> set[str]:
    """Plan ids whose revisions differ between two plan sets (content hashes include rules/)."""
    def revisions(adjudicator: Adjudicator) -> dict[str, list[str]]:
        return {plan_id: [plan.key for plan in plans] for plan_id, plans in adjudicator.revisions.items()}

    base_revisions, head_revisions = revisions(base), revisions(head)
    return {plan_id for plan_id in base_revisions.keys() | head_revisions.keys()
            if base_revisions.get(plan_id) != head_revisions.get(plan_id)}


def changed_items(base: PlanSource, head: PlanSource) -> list[Item]:
    """What differs between the two plan sets, item by item (engine.diff_reach)."""
    def loaded(source: PlanSource):
        library = load_library(source.rules)
        return load_plans(source.plans, library), library

    return diff_items(loaded(base), loaded(head))


def _start_worker(base: PlanSource, head: PlanSource, evaluator: str, top: int, items: list[Item] | None = None) -> None:
    _WORKER["base"] = Adjudicator.load(base.plans, base.rules, evaluator)
    _WORKER["head"] = Adjudicator.load(head.plans, head.rules, evaluator)
    _WORKER["reach"] = Reach(items or [], _WORKER["base"].library, _WORKER["head"].library)
    _WORKER["base"].plans.share_vocabulary(_WORKER["head"].plans)  # one claim vocabulary for both sides
    _WORKER["head"].plans.share_vocabulary(_WORKER["base"].plans)
    _WORKER["changed"] = changed_plans(_WORKER["base"], _WORKER["head"])
    _WORKER["top"] = top


def _diff_chunk(records: list[ClaimRecord], with_base: bool = False):
    """Adjudicate a chunk of whole members under both plan sets; its summary.

    A claim none of whose enrolments is in a changed plan, of a member none of whose earlier
    claims was adjudicated apart, is decided the same way under the head on the same history:
    its base outcome is reused, and its changes are recorded in the head's ledger too. From a
    member's first claim that touches a changed plan on, the member is adjudicated under both."""
    claims = _parsed(records)
    changed = _WORKER["changed"]
    base_results = list(_WORKER["base"].adjudicate_many(claims, MemoryLedger(), explain=False))
    head_ledger = MemoryLedger()
    head_results: list = [None] * len(claims)
    apart: set[str] = set()
    rerun: list[int] = []
    for index, claim in enumerate(claims):
        member = claim.member.member_id if isinstance(claim, Claim) else None
        result = base_results[index]
        touches = member is None or any(e.plan in changed for e in claim.enrolments)
        if touches or member in apart or isinstance(result, ClaimFailure):
            apart.add(member)
            rerun.append(index)
        else:
            head_ledger.apply(claim_key(claim.claim_id), result.changes, result.recording)  # members are independent: order across them is free
            head_results[index] = result
    for index, result in zip(rerun, _WORKER["head"].adjudicate_many([claims[i] for i in rerun], head_ledger, explain=False)):
        head_results[index] = result
    summary = Summary()
    for claim, base_outcome, head_outcome in zip(claims, base_results, head_results):
        office = claim.member.office if isinstance(claim, Claim) else None
        explain = _explainer(claim, base_outcome, head_outcome)
        base_outcome, head_outcome = _outcome(base_outcome), _outcome(head_outcome)
        compare(base_outcome, head_outcome, summary, _WORKER["top"], office, explain)
        summary.reached |= _WORKER["reach"].reached(claim, *(o for o in (base_outcome, head_outcome) if isinstance(o, Decision)))
    return (summary, base_results) if with_base else summary


def _parsed(records: list[ClaimRecord]) -> list:
    claims = []
    for record in records:
        try:
            claims.append(parse_claim(record))  # parsed once, adjudicated twice
        except ClaimError:
            claims.append(record)  # each side reports the failure in its place
    return claims


def _head_chunk(records: list[ClaimRecord], stored: list[str]) -> Summary:
    """A chunk whose base outcomes come from the cache (engine.diff_cache): only the head is adjudicated."""
    claims = _parsed(records)
    base_results = [load_outcome(text) for text in stored]
    head_results = _WORKER["head"].adjudicate_many(claims, MemoryLedger(), explain=False)
    summary = Summary()
    for claim, base_outcome, head_outcome in zip(claims, base_results, head_results):
        office = claim.member.office if isinstance(claim, Claim) else None
        explain = _explainer(claim, base_outcome, head_outcome)
        base_outcome, head_outcome = _outcome(base_outcome), _outcome(head_outcome)
        compare(base_outcome, head_outcome, summary, _WORKER["top"], office, explain)
        summary.reached |= _WORKER["reach"].reached(claim, *(o for o in (base_outcome, head_outcome) if isinstance(o, Decision)))
    return summary


def _outcome(result):
    return result if isinstance(result, ClaimFailure) else result.decision


def _explainer(claim, base_result, head_result):
    """Both sides' explained decisions of a claim decided amounts-only, from the same inputs
    (engine.outcome); called only for the changes a report shows."""
    return lambda: (explained(_WORKER["base"], claim, base_result), explained(_WORKER["head"], claim, head_result))


def member_chunks(records: Iterable[ClaimRecord | str], size: int = CHUNK_CLAIMS) -> Iterator[list[ClaimRecord]]:
    """Chunks of about `size` claims that never split a member's claims, whatever order the
    corpus lists them in (engine.grouping spills it to a temporary SQLite file by member).
    Records from `read_claims_file`, or JSON lines."""
    chunk: list[ClaimRecord] = []
    last = None
    for member, record in grouped_by_member(records):
        if len(chunk) >= size and member != last:
            yield chunk
            chunk = []
        chunk.append(record)
        last = member
    if chunk:
        yield chunk


def run_diff(claims: Iterable[ClaimRecord | str], base: PlanSource, head: PlanSource, *, workers: int = 2,
             evaluator: str = "durable", top: int = 10, progress: Callable[[int], None] | None = None,
             chunk_claims: int = CHUNK_CLAIMS, base_cache: BaseCache | None = None, client=None) -> Summary:
    """Adjudicate every claim under both plan sets; `progress(n)` is called as chunks finish.

    With `base_cache` (engine.diff_cache) whose entry matches, the base outcomes are read from
    it and only the head is adjudicated; otherwise the entry is written as the base goes by.
    With a Dask `client` (engine.cluster) chunks run on its workers instead of a process pool."""
    items = changed_items(base, head)
    summary = _run(claims, base, head, workers, evaluator, top, progress, chunk_claims, items, base_cache, client)
    summary.items = items
    return summary


def _run(claims, base: PlanSource, head: PlanSource, workers: int, evaluator: str, top: int, progress, chunk_claims: int,
         items: list[Item], base_cache: BaseCache | None = None, client=None) -> Summary:
    summary = Summary()
    chunks = member_chunks(claims, chunk_claims)
    stored = base_cache.chunks() if base_cache is not None else None
    writer = base_cache.writer() if base_cache is not None and stored is None else None
    tasks = _tasks(chunks, stored, keep_base=writer is not None)
    complete = False
    try:
        if client is not None:
            from engine.cluster import PlanFiles, diff_partition, ordered_results

            setup = (PlanFiles.read(base.plans, base.rules), PlanFiles.read(head.plans, head.rules), evaluator, top, items)
            results = ordered_results(client, diff_partition, tasks, shared=(setup,))
        elif workers <= 1:
            _start_worker(base, head, evaluator, top, items)
            results = (_diff_task(*task) for task in tasks)
        else:
            results = _pool_results(tasks, workers, (base, head, evaluator, top, items))
        for index, size, chunk_summary, dumped in results:
            summary.merge(chunk_summary, top)
            if writer is not None:
                writer.add(index, dumped)
            if progress:
                progress(size)
        complete = True
    finally:
        if writer is not None:
            writer.close(complete)
    summary.base_cache = "used" if stored is not None else "written" if writer is not None else ""
    return summary


def _tasks(chunks: Iterator[list[ClaimRecord]], stored: Iterator[list[str]] | None, keep_base: bool):
    """(chunk number, records, the chunk's stored base outcomes or None, keep the base's outcomes)."""
    for index, chunk in enumerate(chunks):
        rows = None
        if stored is not None:
            rows = next(stored, None)
            if rows is None or len(rows) != len(chunk):
                raise RuntimeError("the cached base does not match the corpus's chunks")
        yield index, chunk, rows, keep_base


def _pool_results(tasks, workers: int, initargs: tuple):
    """Tasks' results from a process pool, as they finish; at most two chunks in flight per
    worker, so memory stays flat."""
    with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=initargs) as pool:
        pending: set = set()
        for task in tasks:
            pending.add(pool.submit(_diff_task, *task))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)


def _diff_task(index: int, records: list[ClaimRecord], stored: list[str] | None, keep_base: bool):
    """(chunk number, claims, summary, the base outcomes to cache or None) of one chunk."""
    if stored is not None:
        return index, len(records), _head_chunk(records, stored), None
    summary, base_results = _diff_chunk(records, with_base=True)
    return index, len(records), summary, [dump_outcome(result) for result in base_results] if keep_base else None


# -- thresholds for CI ------------------------------------------------------------------------

_THRESHOLD = re.compile(r"^(total-delta|abs-total-delta|changed|failed)\s*>\s*(-?[0-9]+(?:\.[0-9]+)?)$")
FLAGS = {
    "paid-to-denied": "a claim paid under the base is denied under the head",
    "status-change": "any claim changes status",
    "pending": "a claim becomes pending",
    "new-failures": "a claim valid under the base fails under the head",
    "unexercised": "a changed plan revision, list entry, clause or code is reached by no claim of the corpus",
    "deferred": "a claim is pending on one side only",
}


def validate_thresholds(rules: list[str]) -> None:
    """Raise ValueError for a `--fail-on` rule that is not understood, before any work."""
    check_thresholds(Summary(), rules)


def check_thresholds(summary: Summary, rules: list[str]) -> list[str]:
    """Which `--fail-on` rules the diff crosses, as sentences. Raises ValueError on a bad rule."""
    crossed = []
    for rule in rules:
        text = rule.strip()
        match = _THRESHOLD.match(text)
        if match:
            name, limit = match.group(1), Decimal(match.group(2))
            value = {"total-delta": summary.delta, "abs-total-delta": abs(summary.delta),
                     "changed": Decimal(summary.changed), "failed": Decimal(summary.failed_head)}[name]
            if value > limit:
                crossed.append(f"{text}: {name} is {value}")
        elif text == "paid-to-denied":
            if summary.transitions.get("paid→denied"):
                crossed.append(f"{text}: {summary.transitions['paid→denied']} claims")
        elif text == "status-change":
            if summary.transitions:
                crossed.append(f"{text}: {sum(summary.transitions.values())} claims")
        elif text == "pending":
            count = sum(n for key, n in summary.transitions.items() if key.endswith("→pending"))
            if count:
                crossed.append(f"{text}: {count} claims")
        elif text == "new-failures":
            count = sum(n for key, n in summary.transitions.items() if key.endswith("→failed") and not key.startswith("failed"))
            if count:
                crossed.append(f"{text}: {count} claims")
        elif text == "unexercised":
            if summary.unexercised:
                crossed.append(f"{text}: {', '.join(item.id for item in summary.unexercised)}")
        elif text == "deferred":
            if summary.deferred:
                crossed.append(f"{text}: {summary.deferred} claims")
        else:
            known = ", ".join(["total-delta>X", "abs-total-delta>X", "changed>N", "failed>N", *FLAGS])
            raise ValueError(f"unknown --fail-on rule {rule!r}; expected one of: {known}")
    return crossed
