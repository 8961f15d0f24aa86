"""Fuzzing what partners and editors hand the adjudicator: claim files, plans and case files.

Each target starts from a valid input and mutates it, as a careless editor or a hostile partner
system would: its structure (a value replaced by a hostile one, a key dropped or added, a list
element repeated, nesting) and its bytes (a byte flipped, cut or repeated, invalid UTF-8, line
separators, deep brackets, huge numbers, YAML aliases and tags). Each mutated input then goes
through the command a user runs, in process:

- claims: `adjudicator adjudicate` on a .jsonl of a good claim, the mutated claim(s) and another
  good claim. Exit 0 or 2; one output line per record; each failure names its file and line and
  is never an internal error; the good claims are decided exactly as when alone (the batch goes
  on, and the mutated claims leave them untouched: they are about another member).
- plans: `adjudicator check` on a folder holding the mutated plan. Exit 0 or 1; every error
  names a file; and a plan that passes check adjudicates claims without an internal error.
- cases: `adjudicator test` on the mutated case file. Exit 0 or 1; every error names the file.

Never a traceback, never another exception, never a batch stopped. The suite runs a bounded,
derandomized number of examples (tests/test_fuzz.py); a long run explores at random:

    python -m tests.fuzz --minutes 30            # every target, round robin
    python -m tests.fuzz --minutes 5 --target claims

It prints what it tried and what came back per target, and writes each input that broke a
property to out/fuzz/ (a failure also prints hypothesis' shrunk example)."""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [json.loads(line) for line in (ROOT / "fixtures" / "claims.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
PLAN = (ROOT / "fixtures" / "broken" / "baseline.yaml").read_text(encoding="utf-8")
CASES = (ROOT / "fixtures" / "cases" / "inpatient-medical-basics.yaml").read_text(encoding="utf-8")

# What came back, per target and kind ("decided", "located error", ...), for the long run's report.
SEEN: Counter = Counter()
# Per target, the inputs that broke a property, by failure (hypothesis replays each distinct
# failure's shrunk example last, so the one kept is the smallest).
FAILING: dict[str, dict[str, bytes]] = {}

runner = CliRunner()

# -- hostile values and mutations ---------------------------------------------------------------

HOSTILE_STRINGS = [
    "", " ", "\u3000", "７０００.００", "٧٠٠٠", "7E+3", "1_000.00", " 12.50 ", "-0.00", "1e999999999", "0.001",
    "1704067200", "2024-01-01T00:00:00", "2024-02-30", "9999-12-31", "0001-01-01", "２０２４-０１-０１",
    "\x00", "a\u202eb", "a\u200bb", "\ufeff", "\u2028", "x\ud800", "<script>alert(1)</script></summary>",
    "[bold]x[/]", "```", "|", "${x}", "../../etc/passwd", "c-01", "C-01", "ｃ-０１", "x" * 129, "y" * 5000,
    "NaN", "Infinity", "null", "true", "I21.0", "C50.4", "Z99.9", "hospital_stay", "diagnosis", "death",
]
HOSTILE_NUMBERS = [0, -1, 1, 2**31, 2**63, 10**40, -(10**40), 9999]  # huge literals: BYTE_SNIPPETS


def scalars() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE_STRINGS), st.sampled_from(HOSTILE_NUMBERS), st.none(), st.booleans(),
        st.integers(), st.text(max_size=20), st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        st.dates().map(str),
    )


def values() -> st.SearchStrategy:
    return st.recursive(scalars(), lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                           st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Every path into a JSON-like value (keys and indexes), the root included."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, path + (index,))
    return found


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_structure(draw, original: Any, rounds: int = 3) -> Any:
    """The original with 1..rounds structural mutations, each at a drawn path."""
    value = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, rounds))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "replace", "replace", "drop", "add", "repeat", "nest"]))
        if not path:
            if how == "replace":
                value = draw(values())
            continue
        parent = value
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if how == "replace":
            parent[last] = draw(values())
        elif how == "drop":
            del parent[last]
        elif how == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "claim_id", "units", "code", draw(st.text(max_size=6))]))] = draw(values())
        elif how == "repeat" and isinstance(parent, list):
            parent.extend([parent[last]] * draw(st.integers(1, 60)))
        elif how == "nest":
            parent[last] = _nested(draw(st.sampled_from([2, 15, 17, 40, 600])))
    return value


BYTE_SNIPPETS = [
    b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x80\xa8", b"\xc2\x85", b"\x00", b"\r", b"\n", b"\t", b'"', b"\\", b",",
    b"{", b"}", b"[" * 3000, b"1" * 5000, b"NaN", b"-Infinity", b'"\\ud800"', b"\xef\xbb\xbf", b'"claim_id":"x",',
    b"&a [*a, *a]", b"*a", b"!!python/object/apply:os.system ['true']", b"? [a]\n: b", b"<<: *a", b"---\n", b"...",
    b"%YAML 1.1\n", b"key: [", b": :", b"- - -", b"\t- x",
]


@st.composite
def mutated_bytes(draw, original: bytes, rounds: int = 3) -> bytes:
    """The original with 1..rounds byte-level mutations: flip, insert a hostile snippet, cut,
    repeat a slice, truncate."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, rounds))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "snippet", "snippet", "cut", "repeat", "truncate", "random"]))
        if how == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "snippet":
            data[at:at] = draw(st.sampled_from(BYTE_SNIPPETS))
        elif how == "cut":
            del data[at:at + draw(st.integers(1, 40))]
        elif how == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 200))] * draw(st.integers(1, 20))
        elif how == "truncate":
            del data[at:]
        elif how == "random":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


# -- running the commands ---------------------------------------------------------------------

_ADJUDICATORS: dict[str, Any] = {}


def adjudicator():
    """The bundled plans, loaded once per process (the commands below are handed this one)."""
    if "bundled" not in _ADJUDICATORS:
        from engine import Adjudicator

        _ADJUDICATORS["bundled"] = Adjudicator.load(ROOT / "plans", ROOT / "rules")
    return _ADJUDICATORS["bundled"]


@contextlib.contextmanager
def _preloaded(*modules):
    """Commands use the adjudicator loaded once instead of loading the plans per example."""
    saved = [(module, module.load_adjudicator) for module in modules]
    for module in modules:
        module.load_adjudicator = lambda *args, **kwargs: adjudicator()
    try:
        yield
    finally:
        for module, original in saved:
            module.load_adjudicator = original


def _invoke(args: list[str]):
    from engine.cli import app

    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output[-2000:]}")
    assert "Traceback" not in result.output, result.output[-2000:]
    return result


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def _record(target: str, kind: str) -> None:
    SEEN[f"{target}: {kind}"] += 1


def _keep_failing(target: str, data: bytes, check: Callable[[], None]) -> None:
    try:
        check()
    except BaseException as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        failure = f"{type(error).__name__} at {Path(where.filename).name}:{where.lineno}: {str(error)[:300]}"
        kept = FAILING.setdefault(target, {})
        for known in [known for known in kept if known.split(": ", 1)[0] == failure.split(": ", 1)[0]]:
            del kept[known]  # the same failure, now with a smaller example
        kept[failure] = data
        raise


def _sentinel(claim_id: str) -> dict:
    """A good claim of a member no mutation can reach: its decision must not change."""
    claim = copy.deepcopy(CLAIMS[0])
    claim["claim_id"], claim["member"]["member_id"] = claim_id, f"member-of-{claim_id}"
    claim["member"].pop("id_number", None)  # a person is known by it: the sentinel is nobody else
    return claim


SENTINELS = (_sentinel("sentinel-before-9f3"), _sentinel("sentinel-after-9f3"))
_BASELINE: dict[str, tuple] = {}


def _decided(decision: dict) -> tuple:
    return decision["status"], decision["total"], json.dumps(decision["enrolments"], sort_keys=True)


def _sentinel_baseline() -> dict[str, tuple]:
    if not _BASELINE:
        for claim in SENTINELS:
            (result,) = adjudicator().adjudicate_many([claim])
            _BASELINE[claim["claim_id"]] = _decided(json.loads(result.decision.to_json()))
    return _BASELINE


def _records_in(data: bytes) -> int:
    """Records a .jsonl file holds: lines (only \\n ends one) that are not blank."""
    return sum(1 for line in data.split(b"\n") if line.strip(b" \t\r\n"))


def check_claims_file(middle: bytes) -> str:
    """Adjudicate good / mutated / good; every property above for claims. Returns what came back."""
    from engine.cli import adjudicate as command

    body = b"\n".join([json.dumps(SENTINELS[0]).encode(), middle, json.dumps(SENTINELS[1]).encode()]) + b"\n"
    with tempfile.TemporaryDirectory() as folder:
        claims, decisions = Path(folder) / "claims.jsonl", Path(folder) / "decisions.jsonl"
        claims.write_bytes(body)
        with _preloaded(command):
            result = _invoke(["adjudicate", str(claims), "--out", str(decisions)])
        assert result.exit_code in (0, 2), result.output[-2000:]
        # only \n ends a line: a failure quoting U+0085 or U+2028 holds it raw (as JSON allows)
        lines = decisions.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == _records_in(body), (len(lines), _records_in(body), result.output[-2000:])
    outputs = [json.loads(line) for line in lines]
    baseline = _sentinel_baseline()
    for output in (outputs[0], outputs[-1]):
        assert "errors" not in output, output
        assert _decided(output) == baseline[output["claim_id"]], output
    failures = [output for output in outputs if "errors" in output]
    for failure in failures:
        assert failure["errors"], failure
        for error in failure["errors"]:
            assert "internal error" not in error, failure
            # located: at its file and line, or (refused as a whole, e.g. a claim id already
            # decided) under the claim id it gave
            assert failure["claim_id"] or re.match(re.escape(str(claims)) + r":\d+", error), failure
    assert (result.exit_code == 2) == bool(failures), result.output[-2000:]
    return "located errors" if failures else "decided"


def check_plan(text: bytes) -> str:
    """`check` on a folder holding the mutated plan; a plan that passes must adjudicate."""
    with tempfile.TemporaryDirectory() as folder:
        plans = Path(folder) / "plans"
        plans.mkdir()
        path = plans / "example.yaml"
        path.write_bytes(text)
        result = _invoke(["check", "--plans", str(plans), "--rules", str(ROOT / "rules")])
        assert result.exit_code in (0, 1), result.output[-2000:]
        errors = _error_lines(result.output)
        assert (result.exit_code == 1) == bool(errors), result.output[-2000:]
        for error in errors:
            assert error.startswith(f"error: {path}") or error.startswith(f"error: {ROOT / 'rules'}"), error
        if result.exit_code == 1:
            return "located errors"
        from engine import Adjudicator

        loaded = Adjudicator.load(plans, ROOT / "rules")
    plan_id = (yaml.safe_load(text) or {}).get("plan")
    claims = []
    for claim in SENTINELS:
        claim = copy.deepcopy(claim)
        claim["enrolments"] = [{"enrolment_id": "e1", "plan": plan_id, "units": 1, "fee_paid": "0.00", "source": "gift",
                                "start": "2024-01-01", "end": "2024-12-31"}]
        claims.append(claim)
    for outcome in loaded.adjudicate_many(claims):
        errors = getattr(outcome, "errors", [])
        assert not any("internal error" in error for error in errors), errors
    return "passed check, adjudicated"


def check_case_file(text: bytes) -> str:
    """`test` on the mutated case file: a result per case, or located errors."""
    from engine.cli import cases as command

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.yaml"
        path.write_bytes(text)
        with _preloaded(command):
            result = _invoke(["test", str(path), "--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")])
    assert result.exit_code in (0, 1), result.output[-2000:]
    errors = _error_lines(result.output)
    for error in errors:
        assert error.startswith(f"error: {path}"), error
    if errors:
        return "located errors"
    assert re.search(r"cases: \d+ passed, \d+ failed|no cases found", result.output), result.output[-2000:]
    return "cases failed" if result.exit_code else "cases passed"


# -- strategies per target --------------------------------------------------------------------


@st.composite
def claim_lines(draw) -> bytes:
    """One or two mutated claims (structure, then maybe bytes), as .jsonl bytes."""
    lines = []
    for _ in range(draw(st.integers(1, 2))):
        claim = draw(mutated_structure(draw(st.sampled_from(CLAIMS))))
        text = json.dumps(claim, ensure_ascii=draw(st.booleans()), default=str).encode("utf-8", "surrogatepass")
        lines.append(draw(mutated_bytes(text)) if draw(st.booleans()) else text)
    return b"\n".join(lines)


def _yaml_mutations(text: str) -> st.SearchStrategy:
    structural = mutated_structure(yaml.safe_load(text)).map(
        lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8"))
    return st.one_of(structural, mutated_bytes(text.encode("utf-8")))


plan_files = _yaml_mutations(PLAN)
case_files = _yaml_mutations(CASES)

TARGETS: dict[str, tuple[st.SearchStrategy, Callable[[bytes], str]]] = {
    "claims": (claim_lines(), check_claims_file),
    "plans": (plan_files, check_plan),
    "cases": (case_files, check_case_file),
}


def property_of(target: str) -> Callable[[bytes], None]:
    """The property for a target, undecorated: run the command, check it, count the outcome."""
    check = TARGETS[target][1]

    def run(data: bytes) -> None:
        _keep_failing(target, data, lambda: _record(target, check(data)))

    return run


# -- the long run ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--round", type=int, default=50, help="examples per round of one target")
    options = parser.parse_args(argv)
    targets = list(TARGETS) if options.target == "all" else [options.target]
    found = Path("out") / "fuzz"
    deadline = time.monotonic() + options.minutes * 60
    failures = 0
    rounds = 0
    adjudicator()
    while time.monotonic() < deadline:
        target = targets[rounds % len(targets)]
        rounds += 1
        strategy, _ = TARGETS[target]
        run = settings(max_examples=options.round, deadline=None, database=None, derandomize=False,
                       suppress_health_check=list(HealthCheck))(given(strategy)(property_of(target)))
        try:
            run()
        except BaseException as error:  # a property broke: keep the input, go on with the others
            if isinstance(error, KeyboardInterrupt):
                break
            found.mkdir(parents=True, exist_ok=True)
            for failure, data in FAILING.pop(target, {}).items():
                failures += 1
                saved = found / f"{target}-{hashlib.sha256(data).hexdigest()[:12]}.bin"
                saved.write_bytes(data)
                print(f"FOUND ({target}): {failure}\n  input: {saved}", flush=True)
        tried = {name: sum(count for kind, count in SEEN.items() if kind.startswith(name + ":")) for name in targets}
        print(f"[{(options.minutes * 60 - (deadline - time.monotonic())) / 60:5.1f} min] tried "
              + ", ".join(f"{name} {count:,}" for name, count in tried.items()) + f"; found {failures}", flush=True)
    print("\nwhat came back:")
    for kind, count in sorted(SEEN.items()):
        print(f"  {kind}: {count:,}")
    print(f"found {failures} input(s) breaking a property" + (f", saved in {found}/" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
