"""Ids in claims (claim, member, enrolment, accident, injury item, revision): one normal form,
invisible characters refused at their JSON path, a length limit, never echoed back whole."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from engine import MemoryLedger
from engine.errors import ClaimError
from engine.model.decision import ClaimFailure
from engine.model.types import MAX_ID_LENGTH, normalise_id
from test_claim_errors import stay_claim


@pytest.mark.parametrize("raw, kept", [
    ("c-1", "c-1"),
    ("  c-1\t", "c-1"),                      # surrounding whitespace trimmed
    ("ｃ－１", "c-1"),                        # full-width folded (NFKC)
    ("\u3000理赔-2024\u3000", "理赔-2024"),   # ideographic spaces trimmed, Chinese kept
    ("e\u0301", "\u00e9"),                    # composed
])
def test_ids_are_normalised_and_trimmed(raw, kept):
    assert normalise_id(raw) == kept


@pytest.mark.parametrize("raw, named", [
    ("c\x001", "U+0000"),
    ("c\u200b1", "U+200B ZERO WIDTH SPACE"),
    ("c\u202e1", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("c\u2066x", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("\ufeffc1", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("c\u20281", "U+2028 LINE SEPARATOR"),
    ("c\ud8001", "U+D800"),                   # a lone surrogate
    ("c\ue0001", "U+E000"),                   # private use
    ("c\n1", "U+000A"),
])
def test_invisible_and_control_characters_are_refused_by_name(raw, named):
    with pytest.raises(ValueError, match=named.replace("+", r"\+")):
        normalise_id(raw)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", 7, None])
def test_empty_and_non_string_ids_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_id(raw)


@pytest.mark.parametrize("field, path", [
    (("claim_id",), "$.claim_id"),
    (("member", "member_id"), "$.member.member_id"),
    (("enrolments", 0, "enrolment_id"), "$.enrolments[0].enrolment_id"),
])
def test_an_invisible_character_in_a_claims_id_is_refused_at_its_path(adjudicator, field, path):
    claim = stay_claim()
    node = claim
    for part in field[:-1]:
        node = node[part]
    node[field[-1]] = "x\u202egnp.exe"
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    (issue,) = raised.value.issues
    assert issue.path == path and "U+202E" in issue.message


def test_a_full_width_claim_id_is_the_same_claim(adjudicator):
    """Two ids that print the same are one claim: the second is refused, never paid twice."""
    ledger = MemoryLedger()
    first, again = adjudicator.adjudicate_many([stay_claim("c1"), stay_claim("ｃ１")], ledger)
    assert first.decision.claim_id == "c1" and first.decision.total == Decimal("6200.00")
    assert isinstance(again, ClaimFailure) and again.claim_id == "c1" and "already" in again.errors[0]


def test_a_ten_megabyte_id_is_refused_and_never_echoed_whole(adjudicator):
    claim = stay_claim("c" * 10_000_000)
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    (issue,) = raised.value.issues
    assert issue.path == "$.claim_id" and f"at most {MAX_ID_LENGTH}" in issue.message
    assert "10,000,000 characters" in issue.message and len(str(issue)) < 300

    (failure,) = adjudicator.adjudicate_many([claim])
    assert isinstance(failure, ClaimFailure) and failure.claim_id is None
    assert len(failure.to_json()) < 500


def test_a_failure_whose_id_holds_a_lone_surrogate_can_be_written(adjudicator):
    """Found by fuzzing: writing the failure record raised, and the claims after it were lost."""
    bad = json.loads(json.dumps(stay_claim("x\ud800")), parse_float=Decimal)  # as a claims file holds it
    good = stay_claim("c2")
    failure, after = adjudicator.adjudicate_many([bad, good], MemoryLedger())
    assert isinstance(failure, ClaimFailure) and failure.claim_id is None
    assert any("$.claim_id" in error and "U+D800" in error for error in failure.errors)
    failure.to_json().encode("utf-8")  # would raise UnicodeEncodeError on a surrogate
    assert after.decision.total == Decimal("6200.00")


@pytest.mark.parametrize("field, value, path", [
    ("hospital", "a\u202eb", "$.event.hospital"),
    ("hospital", "h" * 10_000, "$.event.hospital"),
])
def test_free_text_refuses_bidirectional_controls_and_huge_values(adjudicator, field, value, path):
    claim = stay_claim(**{field: value})
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    (issue,) = raised.value.issues
    assert issue.path == path and len(str(issue)) < 300


def test_per_record_list_limits(adjudicator):
    claim = stay_claim(diagnoses=[{"code": "J18.9"}] * 51)
    with pytest.raises(ClaimError) as raised:
        adjudicator.adjudicate(claim)
    assert [issue.path for issue in raised.value.issues] == ["$.event.diagnoses"]
