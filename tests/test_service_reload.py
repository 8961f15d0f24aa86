"""Reloading the plans without a restart: a set that fails `check` (loading or the static
checks) is refused with its errors and the set in force stays; a good set takes over."""

from __future__ import annotations

import re
import shutil

import pytest

from engine.service import create_app
from service_helpers import HOSPITAL_CLAIM, ROOT, TestClient, bearer, make_store, settings_for, tokens_file  # noqa: F401


@pytest.fixture
def editable(tmp_path, tokens_file):
    """A service on a copy of plans/ and rules/ that the test edits."""
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    settings = settings_for(tokens_file, plans=tmp_path / "plans", rules=tmp_path / "rules")
    with TestClient(create_app(settings, store=make_store())) as client:
        yield client, tmp_path


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def total_of(client) -> str:
    return client.post("/v1/simulations", json=HOSPITAL_CLAIM, headers=bearer("simulate")).json()["decision"]["total"]


def test_a_plan_set_that_does_not_load_is_refused_and_the_old_one_stays(editable):
    client, root = editable
    before = client.get("/v1/plans", headers=bearer("read")).json()
    plan = root / "plans/inpatient-medical/2024.yaml"
    edit(plan, "{up_to: 10000.00, rate: 0.40}", "{up_to: 10000.00, rate: 1.5}")
    line = next(number for number, text in enumerate(plan.read_text(encoding="utf-8").splitlines(), 1) if "rate: 1.5" in text)
    response = client.post("/v1/admin/reload", headers=bearer("admin"))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    document = response.json()
    assert document["type"] == "urn:adjudicator:problem:plan-set-rejected"
    assert document["in_force"] == before["fingerprint"]
    assert any(re.search(rf"plans/inpatient-medical/2024\.yaml:{line}:\d+: benefits\[0\]\.schedules\[1\]\.bands\[0\]\.rate: "
                         r"a rate must lie in \[0, 1\], got 1\.5", error) for error in document["errors"]), document["errors"]
    assert client.get("/v1/plans", headers=bearer("read")).json() == before
    assert total_of(client) == "2400.00"  # still decided on the old rate
    metrics = client.get("/metrics", headers=bearer("admin")).text
    assert 'adjudicator_plan_reloads_total{result="rejected"} 1.0' in metrics


def test_a_plan_set_that_fails_the_static_checks_is_refused_too(editable):
    client, root = editable
    fingerprint = client.get("/v1/plans", headers=bearer("read")).json()["fingerprint"]
    diseases = root / "rules/diseases/critical-illness-severe.yaml"
    edit(diseases, "icd10: [I21-I22]", "icd10: [I21-I22, I29]")
    line = next(number for number, text in enumerate(diseases.read_text(encoding="utf-8").splitlines(), 1) if "I29" in text)
    document = client.post("/v1/admin/reload", headers=bearer("admin")).json()
    assert document["status"] == 422 and document["in_force"] == fingerprint
    assert any(re.search(rf"critical-illness-severe\.yaml:{line}:\d+: entries\[\d+\]\.icd10\[1\]: I29 is not an ICD-10 code", error)
               for error in document["errors"]), document["errors"]
    assert document["warnings"] == []  # the bundled plans have none (2024.1 made mild #5 payable)
    assert client.get("/v1/plans", headers=bearer("read")).json()["fingerprint"] == fingerprint


def test_a_good_plan_set_takes_over_and_an_unchanged_one_is_said_so(editable):
    client, root = editable
    before = client.get("/v1/plans", headers=bearer("read")).json()
    edit(root / "plans/inpatient-medical/2024.yaml", "{up_to: 10000.00, rate: 0.40}", "{up_to: 10000.00, rate: 0.50}")
    result = client.post("/v1/admin/reload", headers=bearer("admin")).json()
    assert result["changed"] is True and result["previous_fingerprint"] == before["fingerprint"]
    assert result["fingerprint"] != before["fingerprint"] and result["other_workers_notified"] is False
    hashes = {(p["plan"], p["revision"]): p["hash"] for p in result["plans"]}
    old_hashes = {(p["plan"], p["revision"]): p["hash"] for p in before["plans"]}
    assert [key for key in hashes if hashes[key] != old_hashes[key]] == [("inpatient-medical", "2024")]
    assert total_of(client) == "3000.00"  # (7,000.00 − 1,000.00) × 50%
    again = client.post("/v1/admin/reload", headers=bearer("admin")).json()
    assert again["changed"] is False and again["fingerprint"] == result["fingerprint"]
