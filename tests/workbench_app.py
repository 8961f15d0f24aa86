"""The app the workbench tests drive: the service's own app (`create_app`) on the bundled plans,
with a token for each role (tests/service_helpers.py)."""

from __future__ import annotations

from service_helpers import ROOT, TOKENS, bearer, bundled_plans, make_store, settings_for, tokens_file  # noqa: F401  (fixtures)

from engine.service import create_app


def make_app(plans, tokens, store=None):
    return create_app(settings_for(tokens), store=store if store is not None else make_store(), plans=plans)
