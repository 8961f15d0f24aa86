"""The engine agrees with the oracle (tests/oracle/, written from the catalogue) on
critical-illness with the plateau rider (§2.3) and female-special-disease (§2.4): every
definition of the four lists met, missed and left undecided, every threshold exactly and one
step either side, the lifetime limits and the windows (tests/oracle_strategies/diseases.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import budget
from oracle_harness import agree
from oracle_strategies import diseases


@pytest.mark.parametrize("aim", sorted(diseases.AIMS))
@budget(2)
@given(data=st.data())
def test_every_disease_boundary_agrees(adjudicator, aim, data):
    claims = data.draw(diseases.AIMS[aim](), label=aim)
    agree(adjudicator, claims)


@budget(150)
@given(diseases.free_sequences())
def test_free_diagnosis_sequences_agree(adjudicator, claims):
    agree(adjudicator, claims)
