"""The one claim-file reader: streamed, bounded per record, and each bad record fails alone at
its file, line and JSON path while the records around it are adjudicated.

The first cases are the reliability findings that stopped a whole batch (traceback, 0 decisions)
or read a file wrongly; each is a claims file with the bad record between two good ones."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from pathlib import Path

import pytest

from engine import MemoryLedger
from engine.api import INTERNAL_ERROR
from engine.claims import (MAX_DEPTH, MAX_LINE_BYTES, ClaimRecord, count_records, decode_json, parse_claim,
                           read_claims_file)
from engine.errors import ClaimError
from engine.model.decision import ClaimFailure
from test_claim_errors import stay_claim


def line(claim: dict) -> bytes:
    return json.dumps(claim, ensure_ascii=False).encode("utf-8")


GOOD_FIRST = line(stay_claim("g1"))
GOOD_LAST = line({**stay_claim("g2"), "member": {**stay_claim()["member"], "member_id": "m2"}})


def between(tmp_path: Path, bad: bytes, suffix: str = ".jsonl") -> Path:
    path = tmp_path / f"claims{suffix}"
    path.write_bytes(GOOD_FIRST + b"\n" + bad + b"\n" + GOOD_LAST + b"\n")
    return path


def outcomes(adjudicator, path: Path):
    return list(adjudicator.adjudicate_many(read_claims_file(path), MemoryLedger()))


def assert_fails_alone(adjudicator, path: Path, *words: str, where: str | None = None) -> ClaimFailure:
    first, middle, last = outcomes(adjudicator, path)
    assert first.decision.total == Decimal("6200.00") and last.decision.total == Decimal("6200.00")
    assert isinstance(middle, ClaimFailure), middle
    (error,) = middle.errors
    assert error.startswith(where or f"{path}:2"), error
    for word in words:
        assert word in error, error
    assert INTERNAL_ERROR not in error
    middle.to_json().encode("utf-8")
    return middle


# -- findings that lost a whole batch --------------------------------------------------------------


@pytest.mark.parametrize("plan, units, fee", [("inpatient-medical", 2, "120.00"), ("event-accident", 1, "0.00")])
def test_an_enrolment_ending_in_year_9999_never_stops_the_batch(adjudicator, tmp_path, plan, units, fee):
    """Found: OverflowError computing `end + 1 day` (all 616 fuzz crashes were this)."""
    claim = stay_claim("c-9999")
    claim["enrolments"][0].update(plan=plan, units=units, fee_paid=fee, end="9999-12-31")
    (outcome,) = adjudicator.adjudicate_many([claim])
    if plan == "inpatient-medical":  # a one-year plan: a term to 9999 is a located data error
        assert isinstance(outcome, ClaimFailure)
        assert outcome.errors == ["$.enrolments[0].end: plan inpatient-medical has terms of 1 year: 2024-01-01 to 9999-12-31 is not one"]
    else:  # a plan whose term is what the enrolment says: adjudicated
        assert not isinstance(outcome, ClaimFailure), outcome


def test_renewal_arithmetic_at_the_calendars_end():
    from engine.model.claim import Enrolment
    from engine.terms import add_days, renews

    assert add_days(dt.date.max, 1) == dt.date.max and add_days(dt.date.min, -1) == dt.date.min
    early = Enrolment(enrolment_id="a", plan="accident", tier=1, fee_paid="1.00", start="2024-01-01", end="9999-12-31")
    late = Enrolment(enrolment_id="b", plan="accident", tier=1, fee_paid="1.00", start="9999-12-30", end="9999-12-31")
    assert renews(early, late)


def test_a_non_utf8_byte_fails_its_line_only_naming_the_byte_and_offset(adjudicator, tmp_path):
    bad = GOOD_FIRST.replace(b'"g1"', b'"g\xff1"')
    path = between(tmp_path, bad)
    column = bad.index(b"\xff") + 1
    offset = len(GOOD_FIRST) + 1 + column - 1
    assert_fails_alone(adjudicator, path, "not UTF-8", "0xff", f"byte offset {offset}", where=f"{path}:2:{column}")


def test_a_line_nested_2000_deep_fails_alone(adjudicator, tmp_path):
    """Found: a 4 KB line nested 2,000 deep raised RecursionError in json."""
    assert_fails_alone(adjudicator, between(tmp_path, b"[" * 2000 + b"]" * 2000), "nested deeper")


def test_nesting_beyond_the_limit_fails_at_its_path(adjudicator, tmp_path):
    deep: object = 1
    for _ in range(MAX_DEPTH):
        deep = [deep]
    claim = stay_claim("d1")
    claim["event"]["diagnoses"] = [{"code": "J18.9", "findings": {"x": deep}}]
    failure = assert_fails_alone(adjudicator, between(tmp_path, line(claim)), "nested deeper than 16")
    assert "$.event.diagnoses[0].findings.x" in failure.errors[0]


def test_an_integer_of_5000_digits_fails_alone(adjudicator, tmp_path):
    """Found: Python's int digit limit raised ValueError; only JSONDecodeError was caught."""
    bad = GOOD_FIRST.replace(b'"units": 2', b'"units": ' + b"9" * 5000)
    failure = assert_fails_alone(adjudicator, between(tmp_path, bad), "a number of 5,000 characters")
    assert len(failure.errors[0]) < 300


def test_a_lone_surrogate_in_a_claim_id_fails_alone_and_is_written(adjudicator, tmp_path):
    """Found: writing the failure record raised, and the claims after it were lost."""
    bad = GOOD_FIRST.replace(b'"g1"', b'"x\\ud800"')
    failure = assert_fails_alone(adjudicator, between(tmp_path, bad), "lone surrogate", "$.claim_id")
    assert failure.claim_id is None


def test_a_lone_surrogate_anywhere_is_refused_at_its_path(adjudicator, tmp_path):
    bad = GOOD_FIRST.replace(b'"J18.9"', b'"J18.9"').replace(b'"self_pay_in_scope"', b'"self_pay_in_scope\\udc80"')
    assert_fails_alone(adjudicator, between(tmp_path, bad), "lone surrogate", "$.event")


def test_a_valid_surrogate_pair_is_text(adjudicator, tmp_path):
    claim = stay_claim("g-\U0001F600")
    path = between(tmp_path, json.dumps(claim).encode())  # ensure_ascii: written as \ud83d\ude00
    assert [o.decision.claim_id for o in outcomes(adjudicator, path)] == ["g1", "g-\U0001F600", "g2"]


# -- read wrongly ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_line_separator_inside_a_json_string_is_text_not_a_line_end(adjudicator, tmp_path, separator):
    """Found: str.splitlines() cut a valid claim in two and shifted later line numbers."""
    claim = stay_claim("u1", hospital=f"第一{separator}医院")
    path = tmp_path / "claims.jsonl"
    bad_after = GOOD_LAST.replace(b'"g2"', b'"g2", "nope": 1')
    path.write_bytes(line(claim) + b"\n" + bad_after + b"\n")
    first, second = outcomes(adjudicator, path)
    if separator == "\u0085":  # a C1 control character: read as text, then refused in free text
        assert first.errors == [f"{path}:1: $.event.hospital: text may not contain U+0085 Cc (character 3)"]
    else:
        assert first.decision.total == Decimal("6200.00")
    assert second.errors == [f"{path}:2: $.nope: unknown field"]


@pytest.mark.parametrize("text, where", [
    ('{"claim_id": "c-1", "claim_id": "other"}', "$.claim_id"),
    ('{"claim_id": "c-1", "event": {"total": "1.00", "total": "99999.00"}}', "$.event.total"),
])
def test_duplicate_json_keys_are_refused_at_their_path(text, where):
    """Found: the last one won (money fields too), while the YAML loader refuses them."""
    with pytest.raises(ClaimError) as raised:
        decode_json(text)
    (issue,) = raised.value.issues
    assert issue.path == where and "duplicate key" in issue.message


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused(literal):
    with pytest.raises(ClaimError, match="not a JSON number"):
        decode_json('{"total": %s}' % literal)


def test_a_line_over_the_limit_fails_alone_without_being_held(adjudicator, tmp_path):
    bad = b'{"claim_id": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}'
    assert_fails_alone(adjudicator, between(tmp_path, bad), "longer than 1,048,576 bytes")


def test_invalid_json_names_line_and_column(adjudicator, tmp_path):
    bad = GOOD_FIRST[:40]  # cut inside the string starting at column 31
    assert_fails_alone(adjudicator, between(tmp_path, bad), "$: invalid JSON: Unterminated string",
                       where=f"{tmp_path / 'claims.jsonl'}:2:31")


def test_a_byte_order_mark_and_crlf_line_ends_are_read(adjudicator, tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_FIRST + b"\r\n\r\n" + GOOD_LAST + b"\r\n")
    assert [o.decision.claim_id for o in outcomes(adjudicator, path)] == ["g1", "g2"]
    assert count_records(path) == 2


def test_validation_errors_of_a_file_record_name_file_and_line(adjudicator, tmp_path):
    bad = line({**stay_claim("b1"), "claim_ide": "x"})
    assert_fails_alone(adjudicator, between(tmp_path, bad), "$.claim_ide: unknown field")


def test_a_json_list_fails_element_by_element(adjudicator, tmp_path):
    path = tmp_path / "claims.json"
    bad = {**stay_claim("b1"), "claim_ide": "x"}
    second = {**stay_claim("g2"), "member": {**stay_claim()["member"], "member_id": "m2"}}
    path.write_text(json.dumps([stay_claim("g1"), bad, second]), encoding="utf-8")
    first, middle, last = outcomes(adjudicator, path)
    assert middle.errors == [f"{path}: $[1].claim_ide: unknown field"]
    assert last.decision.total == Decimal("6200.00")


def test_a_json_file_of_one_claim_and_an_unreadable_one(adjudicator, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(stay_claim("g1"), indent=2), encoding="utf-8")
    (only,) = outcomes(adjudicator, path)
    assert only.decision.total == Decimal("6200.00")
    path.write_text(json.dumps(stay_claim("g1"), indent=2)[:-3], encoding="utf-8")
    (failure,) = outcomes(adjudicator, path)
    assert failure.errors[0].startswith(f"{path}:") and "invalid JSON" in failure.errors[0]


def test_a_missing_file_is_one_error(tmp_path):
    with pytest.raises(ClaimError, match="cannot read claims file"):
        list(read_claims_file(tmp_path / "nope.jsonl"))


def test_records_cross_process_boundaries():
    record = ClaimRecord("f.jsonl", 3, text='{"claim_id": "c1"}')
    again = pickle.loads(pickle.dumps(record))
    assert (again.file, again.line, again.data()) == ("f.jsonl", 3, {"claim_id": "c1"})


def test_parse_claim_of_text_and_bytes_is_the_same_strict_reading():
    with pytest.raises(ClaimError, match="duplicate key"):
        parse_claim(b'{"claim_id": "a", "claim_id": "b"}')
    with pytest.raises(ClaimError, match="not UTF-8"):
        parse_claim(b'{"claim_id": "\xff"}')


# -- every command reads through it ------------------------------------------------------------------


def test_adjudicate_and_diff_read_a_bad_byte_as_one_failed_claim(tmp_path):
    """Found: one non-UTF-8 byte anywhere in the file was a traceback in both commands."""
    from typer.testing import CliRunner

    from engine.cli import app

    root = Path(__file__).resolve().parent.parent
    path = between(tmp_path, GOOD_FIRST.replace(b'"g1"', b'"g\xff1"'))
    folders = ["--plans", str(root / "plans"), "--rules", str(root / "rules")]
    result = CliRunner().invoke(app, ["adjudicate", str(path), *folders])
    assert result.exit_code == 2, result.output
    records = [json.loads(text) for text in result.stdout.splitlines()]
    assert [r.get("total") for r in records] == ["6200.00", None, "6200.00"]
    assert records[1]["errors"][0].startswith(f"{path}:2:") and "not UTF-8" in records[1]["errors"][0]

    report = tmp_path / "diff.json"
    result = CliRunner().invoke(app, ["diff", str(path), "--base-plans", str(root / "plans"), "--head-plans",
                                      str(root / "plans"), "--rules", str(root / "rules"), "--workers", "1",
                                      "--quiet", "--json", str(report)])
    assert result.exit_code == 0, result.output
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert (summary["claims"], summary["failed"]["base"], summary["changed"]) == (3, 1, 0)


def test_a_check_that_needs_the_plans_names_file_and_line_too(adjudicator, tmp_path):
    """Found by fuzzing: an unknown plan or a birth date after the event (checked against the
    loaded plans, after parsing) was reported by JSON path only, without file and line."""
    bad = stay_claim("c-unknown-plan")
    bad["enrolments"][0]["plan"] = "inpatient-medicl"
    path = between(tmp_path, line(bad))
    failure = assert_fails_alone(adjudicator, path, "unknown plan", where=f"{path}:2: $.enrolments[0].plan")
    assert failure.claim_id == "c-unknown-plan"


def test_a_defect_before_the_ledger_costs_one_claim_in_prepare_many_too(adjudicator, monkeypatch):
    """The ledger-backed path (adjudicate --ledger, the service) prepares claims in batches: a
    defect while checking one must fail that claim only, as in adjudicate_many."""
    checked = adjudicator.plans.check_claim

    def defective(claim):
        if claim.claim_id == "c-defect":
            raise OverflowError("date value out of range")
        return checked(claim)

    monkeypatch.setattr(adjudicator.plans, "check_claim", defective)
    good, bad, after = adjudicator.prepare_many([stay_claim("g1"), stay_claim("c-defect"), stay_claim("g2")])
    assert isinstance(bad, ClaimError) and bad.claim_id == "c-defect"
    assert [str(issue) for issue in bad.issues] == [f"{INTERNAL_ERROR}: OverflowError: 'date value out of range'"]
    assert good.claim.claim_id == "g1" and after.claim.claim_id == "g2"


def test_a_claim_line_saved_as_gb18030_is_named_so(adjudicator, tmp_path):
    bad = json.dumps({"claim_id": "c-gbk", "member": {"name": "王小明", "employer": "兰州市总工会"}}, ensure_ascii=False)
    path = between(tmp_path, bad.encode("gb18030"))
    assert_fails_alone(adjudicator, path, "not UTF-8", "byte offset", "GB18030")
