"""The engine agrees with the oracle (tests/oracle/, written from the catalogue) on
inpatient-medical (§2.1) and hospital-allowance (§2.2): every boundary of the aimed strategies
(tests/oracle_strategies/hospital.py) in every run, and free sequences around them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import budget
from oracle_harness import agree
from oracle_strategies import hospital


@pytest.mark.parametrize("aim", sorted(hospital.AIMS))
@budget(3)
@given(data=st.data())
def test_every_hospital_boundary_agrees(adjudicator, aim, data):
    claims = data.draw(hospital.AIMS[aim](), label=aim)
    agree(adjudicator, claims)


@budget(150)
@given(hospital.free_sequences())
def test_free_hospital_sequences_agree(adjudicator, claims):
    agree(adjudicator, claims)
