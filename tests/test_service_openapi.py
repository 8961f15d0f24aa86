"""A property-based run of the OpenAPI document with schemathesis: requests generated from it
(valid and invalid) reach the app in-process; no response may be a server error, and every
response must match what the document declares (status, content type, headers, body)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from engine.service import create_app
from service_helpers import HOSPITAL_CLAIM, PENDING_CLAIM, TOKENS_FILE, bearer, make_store, settings_for

EXAMPLES = int(os.environ.get("SERVICE_API_EXAMPLES", "40"))


# schemathesis needs the schema when the tests are collected (its fixture-based loader does not
# run under pytest 9), so the app is built here; schemathesis runs its lifespan, which loads the
# bundled plans. A tokens file of its own, in a folder removed at exit.
_folder = tempfile.TemporaryDirectory(prefix="adjudicator-openapi-")
(Path(_folder.name) / "tokens").write_text(TOKENS_FILE, encoding="utf-8")
app = create_app(settings_for(Path(_folder.name) / "tokens"), store=make_store())
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def recorded_claims():
    """Claims to find under GET /v1/claims/{claim_id}."""
    for claim in (HOSPITAL_CLAIM, PENDING_CLAIM):
        app.state.store.submit(app.state.plans.current.adjudicator, claim)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_response_matches_the_openapi_document(case):
    # Every default check but one: a claim can match the schema and still be refused with 422
    # (an unknown plan, units outside the plan's range, a code that is not ICD-10): what plans
    # are in force is decided at run time, not by the document.
    case.call_and_validate(headers=bearer("all"), excluded_checks=[positive_data_acceptance])
