"""The HTTP service in-process: every endpoint, auth, limits, idempotency and pending
resubmission, errors as problem documents."""

from __future__ import annotations

import json

import pytest

from engine.service import create_app
from engine.service.auth import TokensFileError, read_tokens
from service_helpers import (HOSPITAL_CLAIM, PENDING_CLAIM, TOKENS, TestClient, bearer, bundled_plans, client,  # noqa: F401
                             make_store, settings_for, tokens_file, variant, with_evidence)

PROBLEM = "application/problem+json"

# Every endpoint that needs a token, with the role it needs and a request it accepts.
PROTECTED = [
    ("post", "/v1/claims", "adjudicate", HOSPITAL_CLAIM),
    ("post", "/v1/simulations", "simulate", HOSPITAL_CLAIM),
    ("get", "/v1/claims/c-1", "read", None),
    ("get", "/v1/members/m-1/accumulators", "read", None),
    ("get", "/v1/plans", "read", None),
    ("get", "/v1/plans/inpatient-medical/2024", "read", None),
    ("post", "/v1/admin/reload", "admin", None),
]


def call(client, method, path, body=None, headers=None):
    return client.request(method, path, json=body, headers=headers or {})


def assert_problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    document = response.json()
    assert document["type"] == f"urn:adjudicator:problem:{kind}" and document["status"] == status
    return document


# -- open endpoints ---------------------------------------------------------------------------


def test_health_readiness_and_docs_need_no_token(client, bundled_plans):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "plans": bundled_plans.fingerprint, "ledger": "ok"}
    assert "/v1/claims" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_readiness_fails_when_the_ledger_does_not_answer(client):
    def down():
        raise ConnectionError("ledger down")

    client.app.state.store.ping = down
    document = assert_problem(client.get("/readyz"), 503, "not-ready")
    assert document["checks"] == {"plans": "loaded", "ledger": "unreachable: ConnectionError"}


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,path,role,body", PROTECTED)
def test_no_token_is_401(client, method, path, role, body):
    response = call(client, method, path, body)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method,path,role,body", PROTECTED)
def test_unknown_token_is_401_and_never_echoed(client, method, path, role, body):
    wrong = TOKENS[role][:-1] + "X"  # one character off a real token
    response = call(client, method, path, body, {"Authorization": f"Bearer {wrong}"})
    assert_problem(response, 401, "unauthorized")
    assert wrong not in response.text
    assert_problem(call(client, method, path, body, {"Authorization": f"Basic {TOKENS[role]}"}), 401, "unauthorized")


@pytest.mark.parametrize("method,path,role,body", PROTECTED)
def test_wrong_role_is_403_and_the_right_one_passes(client, method, path, role, body):
    other = next(name for name in ("read", "simulate") if name != role)
    document = assert_problem(call(client, method, path, body, bearer(other)), 403, "forbidden")
    assert document["required_role"] == role
    allowed = call(client, method, path, body, bearer(role))
    assert allowed.status_code not in (401, 403), allowed.text


def test_metrics_take_any_valid_token(client):
    assert_problem(client.get("/metrics"), 401, "unauthorized")
    for role in ("read", "simulate", "admin"):
        assert client.get("/metrics", headers=bearer(role)).status_code == 200


def test_without_tokens_the_app_refuses_to_build_unless_insecure_dev(bundled_plans, tmp_path):
    from engine.service import ServiceSettings

    with pytest.raises(ValueError, match="no tokens file"):
        create_app(ServiceSettings(), plans=bundled_plans)
    app = create_app(ServiceSettings(insecure_dev=True), store=make_store(), plans=bundled_plans)
    with TestClient(app) as open_client:
        assert open_client.get("/v1/plans").status_code == 200


@pytest.mark.parametrize("text,message", [
    ("short adjudicate\n", ":1: a token must have at least 16 characters"),
    ("# c\n\nlong-enough-token-123 adjudicate,pay\n", ":3: unknown role 'pay'"),
    ("long-enough-token-123 read\nlong-enough-token-123 admin\n", ":2: this token is already listed"),
    ("long-enough-token-123\n", ":1: expected `TOKEN ROLE[,ROLE…]`"),
    ("# only a comment\n", "no tokens in the file"),
])
def test_a_bad_tokens_file_is_refused_by_line_without_showing_a_token(tmp_path, text, message):
    path = tmp_path / "tokens"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TokensFileError) as error:
        read_tokens(path)
    assert message in str(error.value)
    assert "long-enough-token-123" not in str(error.value) and "short" not in str(error.value)


# -- claims: idempotency, conflicts, pending resubmission ----------------------------------------


def test_a_claim_is_created_then_replayed_byte_for_byte(client):
    created = client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    assert created.status_code == 201
    assert created.json()["total"] == "2400.00" and created.json()["status"] == "paid"
    assert created.headers["location"] == "/v1/claims/c-1"
    assert created.headers["idempotent-replayed"] == "false"
    assert created.headers["submission-outcome"] == "created" and created.headers["decision-version"] == "1"
    replayed = client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    assert replayed.status_code == 200
    assert replayed.content == created.content
    assert replayed.headers["idempotent-replayed"] == "true" and replayed.headers["submission-outcome"] == "replayed"
    assert replayed.headers["payload-sha256"] == created.headers["payload-sha256"]
    history = client.get("/v1/claims/c-1", headers=bearer("read")).json()
    assert [version["version"] for version in history["versions"]] == [1]  # recorded once


def test_another_payload_under_the_same_claim_id_is_409_naming_both_hashes(client):
    first = client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    changed = variant(HOSPITAL_CLAIM, "c-1", total="20001.00")
    document = assert_problem(client.post("/v1/claims", json=changed, headers=bearer("adjudicate")), 409, "claim-conflict")
    assert document["claim_id"] == "c-1"
    assert document["stored_sha256"] == first.headers["payload-sha256"]
    assert len(document["new_sha256"]) == 64 and document["new_sha256"] != document["stored_sha256"]
    assert client.get("/v1/claims/c-1", headers=bearer("read")).json()["versions"][0]["decision"]["total"] == "2400.00"


def test_a_pending_claim_resent_with_evidence_becomes_version_2(client):
    pending = client.post("/v1/claims", json=PENDING_CLAIM, headers=bearer("adjudicate"))
    assert pending.status_code == 201
    assert pending.json()["status"] == "pending" and pending.json()["total"] == "0.00"
    assert pending.json()["enrolments"][0]["missing"][0]["field"] == "$.event.diagnoses[0].findings.lvef"
    completed = with_evidence(PENDING_CLAIM, lvef="45.0")
    second = client.post("/v1/claims", json=completed, headers=bearer("adjudicate"))
    assert second.status_code == 201
    assert second.headers["submission-outcome"] == "resubmitted" and second.headers["decision-version"] == "2"
    assert second.json()["status"] == "paid" and second.json()["total"] == "20000.00"
    again = client.post("/v1/claims", json=completed, headers=bearer("adjudicate"))
    assert again.status_code == 200 and again.content == second.content and again.headers["decision-version"] == "2"
    history = client.get("/v1/claims/ci-1", headers=bearer("read")).json()
    assert history["claim_id"] == "ci-1"
    assert [(v["version"], v["decision"]["status"], v["decision"]["total"]) for v in history["versions"]] == [
        (1, "pending", "0.00"), (2, "paid", "20000.00")]
    assert history["versions"][1]["payload_sha256"] == second.headers["payload-sha256"]
    # decided now, the claim cannot be changed again
    assert_problem(client.post("/v1/claims", json=with_evidence(PENDING_CLAIM, lvef="40.0"), headers=bearer("adjudicate")),
                   409, "claim-conflict")


def test_an_invalid_claim_is_422_with_the_same_json_paths_as_the_cli(client, bundled_plans):
    bad = variant(HOSPITAL_CLAIM, "c-bad", discharge="2024-05-01")
    bad["enrolments"][0]["units"] = 5
    bad["event"]["diagnoses"] = [{"code": "J18.9", "colour": "red"}]
    document = assert_problem(client.post("/v1/claims", json=bad, headers=bearer("adjudicate")), 422, "invalid-claim")
    cli = next(bundled_plans.adjudicator.adjudicate_many([bad]))
    assert document["errors"] == cli.errors
    paths = {issue["path"] for issue in document["issues"]}
    assert {"$.event.discharge", "$.event.diagnoses[0].colour"} <= paths
    assert all(f"{issue['path']}: {issue['message']}" in document["errors"] for issue in document["issues"])
    assert client.get("/v1/claims/c-bad", headers=bearer("read")).status_code == 404  # nothing recorded


def test_claim_ids_in_the_path_are_normalised_like_claim_ids_in_bodies(client):
    client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    assert client.get("/v1/claims/%EF%BD%83-1", headers=bearer("read")).json()["claim_id"] == "c-1"  # full-width ｃ
    assert_problem(client.get("/v1/claims/c%E2%80%8B-1", headers=bearer("read")), 422, "invalid-request")  # zero-width
    assert_problem(client.get("/v1/claims/" + "x" * 129, headers=bearer("read")), 422, "invalid-request")
    assert_problem(client.get("/v1/claims/c-404", headers=bearer("read")), 404, "not-found")
    slashed = variant(HOSPITAL_CLAIM, "c/1/x")
    assert client.post("/v1/claims", json=slashed, headers=bearer("adjudicate")).headers["location"] == "/v1/claims/c%2F1%2Fx"
    assert client.get("/v1/claims/c%2F1%2Fx", headers=bearer("read")).json()["claim_id"] == "c/1/x"  # an id may hold '/'


def test_claim_versions_say_what_each_was_decided_under(client, bundled_plans):
    client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    (version,) = client.get("/v1/claims/c-1", headers=bearer("read")).json()["versions"]
    assert {key: version[key] for key in ("version", "status", "total")} == {"version": 1, "status": "paid", "total": "2400.00"}
    compiled = bundled_plans.revision("inpatient-medical", "2024")
    assert version["plan_revisions"] == [{"plan": "inpatient-medical", "revision": "2024", "hash": compiled.content_hash}]
    assert version["decided_at"] and version["engine_version"]


# -- members ------------------------------------------------------------------------------------


def test_a_members_accumulators_come_with_the_entries_behind_them(client):
    client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    second = variant(HOSPITAL_CLAIM, "c-2", admission="2024-07-01", discharge="2024-07-05")
    client.post("/v1/claims", json=second, headers=bearer("adjudicate"))
    member = client.get("/v1/members/m-1/accumulators", headers=bearer("read")).json()
    assert member["member_id"] == "m-1" and member["person"] == "member:m-1"
    rows = {row["label"]: row for row in member["accumulators"]}
    paid = rows["inpatient-medical/inpatient-reimbursement/paid@2024-01-01"]
    assert paid["key"] == {"member": "member:m-1", "plan": "inpatient-medical", "term": "2024-01-01",
                           "benefit": "inpatient-reimbursement", "measure": "paid", "scope": None}
    # 2,400.00 for c-1, then 7,000.00 × 40% = 2,800.00 for c-2 with the deductible used up
    assert paid["value"] == "5200.00" and paid["version"] == 2
    assert [(e["claim_id"], e["before"], e["after"]) for e in paid["entries"]] == [("c-1", "0", "2400.00"), ("c-2", "2400.00", "5200.00")]
    assert rows["inpatient-medical/inpatient-reimbursement/deductible_used@2024-01-01"]["value"] == "1000.00"
    assert [(e["plan"], e["term_start"], e["term_end"], e["label"]) for e in member["enrolments"]] == [
        (e["plan"], e["start"], e["end"], e["enrolment_id"]) for e in sorted(HOSPITAL_CLAIM["enrolments"], key=lambda e: e["plan"])]
    assert client.get("/v1/members/M-1/accumulators", headers=bearer("read")).json()["person"] == "member:m-1"  # ids ignore case
    assert_problem(client.get("/v1/members/m-404/accumulators", headers=bearer("read")), 404, "not-found")


# -- the ledger failing ---------------------------------------------------------------------------


def test_a_busy_or_unreachable_ledger_is_503_and_says_to_retry_without_leaking_sql(client):
    from sqlalchemy.exc import OperationalError

    from engine.store import StoreBusy

    def busy(adjudicator, raws):
        raise StoreBusy("other writers kept changing this history; gave up after 8 retries")

    def unreachable(adjudicator, raws):
        raise OperationalError("SELECT secret FROM accumulators WHERE member = %(m)s", {"m": "m-1"}, Exception("connection refused"))

    client.app.state.store.submit_batch = busy
    document = assert_problem(client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate")), 503, "ledger-busy")
    assert "send the claim again" in document["detail"]
    client.app.state.store.submit_batch = unreachable
    response = client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    assert_problem(response, 503, "ledger-unavailable")
    assert response.headers["retry-after"] == "1" and "SELECT" not in response.text and "m-1" not in response.text
    text = client.get("/metrics", headers=bearer("read")).text
    assert 'adjudicator_claims_refused_total{reason="ledger_busy"} 1.0' in text
    assert 'adjudicator_claims_refused_total{reason="ledger_unavailable"} 1.0' in text


# -- simulations --------------------------------------------------------------------------------


def test_a_simulation_decides_on_the_current_history_and_records_nothing(client):
    second_stay = variant(HOSPITAL_CLAIM, "c-2", admission="2024-07-01", discharge="2024-07-05")
    before = client.post("/v1/simulations", json=second_stay, headers=bearer("simulate"))
    assert before.status_code == 200 and before.json()["decision"]["total"] == "2400.00"
    assert "explanation" not in before.json()
    assert client.get("/v1/claims/c-2", headers=bearer("read")).status_code == 404
    client.post("/v1/claims", json=HOSPITAL_CLAIM, headers=bearer("adjudicate"))
    # the deductible is used by c-1 now: 7,000.00 × 40% = 2,800.00
    after = client.post("/v1/simulations", json=second_stay, headers=bearer("simulate"))
    assert after.json()["decision"]["total"] == "2800.00"


def test_a_simulation_can_explain_itself_as_a_tree(client):
    response = client.post("/v1/simulations?explain=true", json=HOSPITAL_CLAIM, headers=bearer("simulate"))
    tree = response.json()["explanation"]
    assert tree["label"] == "claim c-1 member m-1: paid, total 2400.00"
    line = tree["children"][0]["children"][0]
    assert line["label"].startswith("inpatient-reimbursement 住院医疗费用补助: 2400.00")
    assert line["children"][0]["label"] == "formula: 6000.00 × 0.40 + 0.00 × 0.50 = 2400.0000 → 2400.00"
    assert_problem(client.post("/v1/simulations?explain=maybe", json=HOSPITAL_CLAIM, headers=bearer("simulate")),
                   422, "invalid-request")


# -- limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/claims", "/v1/simulations"])
def test_a_body_over_the_limit_is_413_declared_or_streamed(bundled_plans, tokens_file, path):
    app = create_app(settings_for(tokens_file, max_body_bytes=4096), store=make_store(), plans=bundled_plans)
    padded = dict(HOSPITAL_CLAIM, claim_id="c-" + "9" * 100)
    body = json.dumps(padded).encode() + b" " * 5000
    with TestClient(app) as small:
        document = assert_problem(small.post(path, content=body, headers=bearer("all")), 413, "body-too-large")
        assert document["limit"] == 4096

        def chunks():  # no Content-Length: the limit is counted while the body streams in
            for start in range(0, len(body), 1000):
                yield body[start:start + 1000]

        assert_problem(small.post(path, content=chunks(), headers=bearer("all")), 413, "body-too-large")
        assert small.post(path, content=json.dumps(HOSPITAL_CLAIM), headers=bearer("all")).status_code in (200, 201)
        metrics = small.get("/metrics", headers=bearer("read")).text
        if path == "/v1/claims":
            assert 'adjudicator_claims_refused_total{reason="body_too_large"} 1.0' in metrics
        assert 'adjudicator_responses_total{code="413",method="POST",route="' + path + '"}' in metrics


def test_deep_nesting_is_422_before_validation(client):
    deep = json.loads(json.dumps(HOSPITAL_CLAIM))
    node = deep["event"]["diagnoses"][0]
    for _ in range(20):
        node["findings"] = {"x": {}}
        node = node["findings"]["x"]
    document = assert_problem(client.post("/v1/claims", json=deep, headers=bearer("adjudicate")), 422, "too-deep")
    assert document["limit"] == 16
    very_deep = b'{"a":' * 50_000 + b"1" + b"}" * 50_000  # within the size limit, far past Python's recursion
    assert_problem(client.post("/v1/claims", content=very_deep, headers=bearer("adjudicate")), 422, "too-deep")


def test_thousands_of_diagnoses_are_refused_at_their_json_path(client):
    many = variant(HOSPITAL_CLAIM, "c-many", diagnoses=[{"code": "J18.9"}] * 5000)
    document = assert_problem(client.post("/v1/claims", json=many, headers=bearer("adjudicate")), 422, "invalid-claim")
    assert [issue["path"] for issue in document["issues"]] == ["$.event.diagnoses"]


@pytest.mark.parametrize("body,kind,detail", [
    (b'{"claim_id": "a", "claim_id": "b"}', "invalid-json", "the key 'claim_id' appears twice"),
    (b'{"claim_id": NaN}', "invalid-json", "NaN is not a number JSON allows"),
    (b'{"claim_id": ', "invalid-json", "line 1 column 14"),
    (b'\xff\xfe{}', "invalid-json", "not UTF-8"),
    (b'{"n": ' + b"9" * 5000 + b"}", "invalid-json", "digits"),
])
def test_malformed_json_is_422_saying_why(client, body, kind, detail):
    document = assert_problem(client.post("/v1/claims", content=body, headers={**bearer("adjudicate"), "Content-Type": "application/json"}),
                              422, kind)
    assert detail in document["detail"]


def test_a_body_that_is_not_json_is_415(client):
    response = client.post("/v1/claims", content=b"claim_id=c-1", headers={**bearer("adjudicate"),
                                                                         "Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415, "unsupported-media-type")


# -- plans ----------------------------------------------------------------------------------------


def test_plans_are_listed_with_their_hashes(client, bundled_plans):
    listing = client.get("/v1/plans", headers=bearer("read")).json()
    assert listing["fingerprint"] == bundled_plans.fingerprint
    expected = {(c.plan.plan, c.plan.revision): c.content_hash for c in bundled_plans.adjudicator.plans}
    assert {(p["plan"], p["revision"]): p["hash"] for p in listing["plans"]} == expected
    assert listing["warnings"] == []  # the bundled plans pass check without warnings (2024.1 made mild #5 payable)


def test_a_plan_revision_is_served_as_loaded(client, bundled_plans):
    plan = client.get("/v1/plans/inpatient-medical/2025", headers=bearer("read")).json()
    compiled = bundled_plans.revision("inpatient-medical", "2025")
    assert plan["hash"] == compiled.content_hash and plan["source"].endswith("plans/inpatient-medical/2025.yaml")
    assert plan["definition"]["fee"] == {"per_unit": "60.00"}
    assert plan["effective_from"] == "2025-01-01" and plan["rules"] == len(plan["rule_names"]) > 0
    assert_problem(client.get("/v1/plans/inpatient-medical/1999", headers=bearer("read")), 404, "not-found")


# -- metrics and errors ---------------------------------------------------------------------------


def test_metrics_count_claims_by_outcome_and_status_and_time_requests(client):
    for claim in (HOSPITAL_CLAIM, HOSPITAL_CLAIM, PENDING_CLAIM):
        client.post("/v1/claims", json=claim, headers=bearer("adjudicate"))
    client.post("/v1/claims", json=variant(HOSPITAL_CLAIM, "c-1", total="20001.00"), headers=bearer("adjudicate"))
    text = client.get("/metrics", headers=bearer("read")).text
    for line in ('adjudicator_claims_total{outcome="created",status="paid"} 1.0',
                 'adjudicator_claims_total{outcome="replayed",status="paid"} 1.0',
                 'adjudicator_claims_total{outcome="created",status="pending"} 1.0',
                 'adjudicator_claims_refused_total{reason="claim_conflict"} 1.0',
                 'adjudicator_request_duration_seconds_count{method="POST",route="/v1/claims"} 4.0',
                 'adjudicator_ledger_retries_total 0.0'):
        assert line in text, line


def test_unknown_paths_and_methods_are_problems(client):
    assert_problem(client.get("/v1/nothing"), 404, "not-found")
    assert_problem(client.delete("/v1/claims", headers=bearer("all")), 405, "method-not-allowed")


def test_every_protected_operation_declares_its_security_and_problem_responses(client):
    spec = client.get("/openapi.json").json()
    open_paths = {"/healthz", "/readyz"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path not in open_paths:
                assert operation.get("security") == [{"HTTPBearer": []}], (method, path)
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert list(response["content"]) == [PROBLEM], (method, path, status)
