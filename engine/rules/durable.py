"""The durable_rules evaluator: the only module that imports durable_rules.

Each compiled plan revision becomes one ruleset, created once per process from plain JSON
(no Python DSL, no `Host`). Claims' facts are asserted in small batches under one session id,
the fired rules are drained through the engine's low-level action calls, and the session is
deleted. This sidesteps the traps measured in `shared/notes/durable_rules.md`:

- no `Host`, so no timer threads and no swallowed action exceptions (there are no Python
  actions: a fired rule is read from the match the engine returns);
- every session is deleted after its batch; a catch-all rule (`seen`) fires for every accepted
  fact, so a batch always has something fired (deleting a session where nothing fired is a
  segfault), and a fact dropped by the 32-bit id-hash collision is noticed and evaluated again
  alone under a different id;
- a session where nothing fired at all (the engine refused its facts) is left open and counted;
  after 256 of them the ruleset is replaced, so live sessions never approach the 1,024 limit;
- facts carry only ints, short strings and presence flags, and are checked against the
  255-property limit before they are sent (beyond it the engine crashes);
- one lock serialises every call into the C engine, which is not thread-safe;
- the engine refuses a rule whose expression nests deeper than `$and` of `$or` of literals, or
  holds more than about 13 compound parts (error 113, measured). Each condition is therefore
  rewritten into alternatives of flat conjunctions, where a conjunction may hold a few `$or`s
  of plain tests (`engine.rules.normal_form`); each alternative is its own
  durable rule named `<rule>~<n>`, and a fired alternative counts as its rule.
"""

from __future__ import annotations

import json
import re
import threading

import durable_rules_engine as _engine

from engine.conditions import All, Compare, Condition, Flag
from engine.rules.normal_form import flat_alternatives
from engine.errors import RuleEvaluationError
from engine.rules.compiler import CompiledPlan

CATCH_ALL = "seen"
BATCH_SIZE = 400
MAX_PROPERTIES = 240  # the engine fails at 255; keep a margin for id, sid and type
MAX_EQUALITY_ALTERNATIVES = 400  # ~511 per field across a ruleset breaks the engine

_MATCH = re.compile(r'^\{"([^"]+)":\{"m":\{"id": ?"([^"]+)"')
_OPERATORS = {"neq": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


def to_durable(condition: Condition) -> dict | None:
    """Condition tree -> durable_rules JSON expression (None for an always-true condition)."""
    if isinstance(condition, Compare):
        if condition.op == "eq":
            return {condition.field: condition.value}
        return {_OPERATORS[condition.op]: {condition.field: condition.value}}
    if isinstance(condition, Flag):
        return {"$ex" if condition.present else "$nex": {condition.name: 1}}
    items = [to_durable(item) for item in condition.items]
    if isinstance(condition, All):
        items = [item for item in items if item is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else {"$and": items}
    if any(item is None for item in items):
        return None
    return items[0] if len(items) == 1 else {"$or": items}


FACT_TYPES = {"claim": "c", "diagnosis": "d"}


def ruleset_definition(plan: CompiledPlan) -> dict:
    """The plan's rules as a durable_rules ruleset. Every rule also requires its fact type (`c`
    for the claim, `d` for one diagnosis), so no rule can match the engine's own state fact (a
    rule of `$nex` only would loop) and claim rules never see diagnosis facts."""
    types = [{"t": "c"}, {"t": "d"}] if plan.classifies_diagnoses else [{"t": "c"}]
    definition = {CATCH_ALL: {"all": [{"m": types[0] if len(types) == 1 else {"$or": types}}]}}
    for rule in plan.rules:
        alternatives = flat_alternatives(rule.condition)
        subject = {"t": FACT_TYPES[rule.subject]}
        for number, parts in enumerate(alternatives):
            expression = to_durable(All(parts))
            matcher = subject if expression is None else {"$and": [subject, expression]}
            name = rule.name if len(alternatives) == 1 else f"{rule.name}~{number}"
            definition[name] = {"all": [{"m": matcher}]}
    _check_limits(plan, definition)
    return definition


def _check_limits(plan: CompiledPlan, definition: dict) -> None:
    counts: dict[str, int] = {}

    def visit(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("$"):
                    visit(value)
                else:
                    counts[key] = counts.get(key, 0) + 1
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for rule in definition.values():
        for part in rule["all"]:
            visit(part["m"])
    counts.pop("t", None)  # the fact type every rule tests (one of two values): measured fine at 181 rules
    for field, count in counts.items():
        if count > MAX_EQUALITY_ALTERNATIVES:
            raise RuleEvaluationError(
                f"{plan.source}: field {field!r} is tested {count} times across the plan's rules; "
                f"durable_rules fails beyond about 511. Use a code list (diagnosis: {{icd10: [...]}}) instead."
            )


class DurableEvaluator:
    """Evaluates compiled plans through durable_rules. One instance per process is enough."""

    name = "durable"
    _lock = threading.Lock()
    # Rulesets are process-global inside the engine, so these are shared by all instances.
    _handles: dict[str, int] = {}
    _definitions: dict[str, str] = {}
    _generations: dict[str, int] = {}
    _stranded: dict[str, int] = {}  # sessions left open because nothing fired in them
    MAX_STRANDED = 256  # well below the 1,024 live sessions a ruleset takes

    _session = 0  # session ids are unique per process, like the rulesets they live in

    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size

    def prepare(self, plan: CompiledPlan) -> None:
        """Create the plan's ruleset once per process (compiling is the slow part)."""
        with self._lock:
            if plan.key not in self._handles:
                self._definitions[plan.key] = json.dumps(ruleset_definition(plan), ensure_ascii=False)
                self._generations[plan.key] = 0
                self._stranded[plan.key] = 0
                self._handles[plan.key] = _engine.create_ruleset(plan.key, self._definitions[plan.key])

    def _strand(self, key: str) -> None:
        """Count a session that could not be deleted; past the limit, replace the ruleset
        (freeing it and all its sessions) so live sessions never reach 1,024."""
        self._stranded[key] += 1
        if self._stranded[key] < self.MAX_STRANDED:
            return
        _engine.delete_ruleset(self._handles[key])
        self._generations[key] += 1
        self._stranded[key] = 0
        self._handles[key] = _engine.create_ruleset(f"{key}~{self._generations[key]}", self._definitions[key])

    def evaluate(self, requests: list[tuple[CompiledPlan, dict]]) -> list[frozenset[str] | RuleEvaluationError]:
        """Fired rule names for each (plan, fact), in order. A fact the engine cannot take
        yields an error in its place; the others are still answered."""
        results: list[frozenset[str] | RuleEvaluationError] = [frozenset()] * len(requests)
        by_plan: dict[str, list[int]] = {}
        for index, (plan, fact) in enumerate(requests):
            group = by_plan.get(plan.key)
            if group is None:
                self.prepare(plan)
                group = by_plan[plan.key] = []
            if len(fact) > MAX_PROPERTIES:
                results[index] = RuleEvaluationError(
                    f"fact has {len(fact)} properties; at most {MAX_PROPERTIES} are sent (durable_rules crashes at 255)")
                continue
            group.append(index)
        for key, indices in by_plan.items():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start : start + self.batch_size]
                self._evaluate_chunk(key, [requests[i][1] for i in chunk], chunk, results)
        return results

    def _evaluate_chunk(self, key: str, facts: list[dict], indices: list[int], results: list) -> None:
        try:
            fired = self._run(key, facts, [str(i) for i in range(len(facts))])
        except _EngineFailure:
            fired = {}
        for position, index in enumerate(indices):
            names = fired.get(str(position))
            if names is None or CATCH_ALL not in names:
                names = self._run_alone(key, facts[position])
            if isinstance(names, RuleEvaluationError):
                results[index] = names
            else:
                results[index] = frozenset(names - {CATCH_ALL})

    def _run_alone(self, key: str, fact: dict) -> set[str] | RuleEvaluationError:
        """Retry one fact in its own session, under ids unlike the batch's (hash collisions)."""
        for attempt in ("r", "retry-1", "retry-2"):
            try:
                fired = self._run(key, [fact], [attempt]).get(attempt)
            except _EngineFailure as failure:
                return RuleEvaluationError(f"durable_rules rejected the claim's facts: {failure}")
            if fired and CATCH_ALL in fired:
                return fired
        return RuleEvaluationError("durable_rules did not evaluate the claim's facts")

    def _run(self, key: str, facts: list[dict], ids: list[str]) -> dict[str, set[str]]:
        with self._lock:
            handle = self._handles[key]
            DurableEvaluator._session += 1
            sid = str(DurableEvaluator._session)
            payload = json.dumps(
                [{"id": fact_id, "sid": sid, "t": "c", **fact} for fact_id, fact in zip(ids, facts)],
                ensure_ascii=False,
            )
            fired: dict[str, set[str]] = {}
            started = False
            try:
                try:
                    _, state = _engine.assert_facts(handle, payload)
                    result = _engine.start_action_for_state(handle, state)
                except Exception as error:  # the C engine raises plain Exceptions with a code
                    raise _EngineFailure(str(error)) from error
                message = result[1] if result else None
                while message:
                    started = True
                    rule, fact_id = _parse(message)
                    fired.setdefault(fact_id, set()).add(rule.split("~", 1)[0])
                    try:
                        message = _engine.complete_and_start_action(handle, state)
                    except Exception as error:
                        raise _EngineFailure(str(error)) from error
            finally:
                if started:
                    _engine.delete_state(handle, sid)
                else:  # deleting a session where nothing fired crashes the engine
                    self._strand(key)
            return fired


class _EngineFailure(Exception):
    pass


def _parse(message: str) -> tuple[str, str]:
    match = _MATCH.match(message)
    if match:
        return match.group(1), match.group(2)
    decoded = json.loads(message)
    rule, frame = next(iter(decoded.items()))
    return rule, str(frame["m"]["id"])
