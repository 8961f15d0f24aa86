"""The engine agrees with the oracle (tests/oracle/, written from the catalogue) on the
accident family (§2.5–§2.8, §1.2) and on members holding several plans (§0 indemnity): every
boundary of the aimed strategies (tests/oracle_strategies/accidents.py) in every run, and free
sequences around them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import budget
from oracle_harness import agree
from oracle_strategies import accidents


@pytest.mark.parametrize("aim", sorted(accidents.AIMS))
@budget(4)
@given(data=st.data())
def test_every_accident_boundary_agrees(adjudicator, aim, data):
    claims = data.draw(accidents.AIMS[aim](), label=aim)
    agree(adjudicator, claims)


@budget(100)
@given(accidents.free_sequences())
def test_free_accident_sequences_agree(adjudicator, claims):
    agree(adjudicator, claims)


@budget(100)
@given(accidents.free_sequences(with_other_plans=True))
def test_free_multi_plan_sequences_agree(adjudicator, claims):
    agree(adjudicator, claims)
