"""Group commit: claims that arrive together are recorded in one transaction, each answered as
if it had come alone; two requests for one claim never share a transaction."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json

from engine.service import create_app
from engine.service.group_commit import GroupCommit
from service_helpers import HOSPITAL_CLAIM, PENDING_CLAIM, TestClient, bearer, bundled_plans, make_store, settings_for, tokens_file, variant  # noqa: F401


class RecordingStore:
    """Records the batches it is given; answers each claim with its id, or refuses `bad`."""

    def __init__(self):
        self.batches: list[list[str]] = []

    def submit_batch(self, adjudicator, raws):
        self.batches.append([raw["claim_id"] for raw in raws])
        return [ValueError("refused") if raw["claim_id"] == "bad" else f"ok:{raw['claim_id']}" for raw in raws]


def test_waiting_claims_share_a_batch_in_order_one_per_claim_id_and_one_plan_set():
    async def scenario():
        store = RecordingStore()
        group = GroupCommit(store, max_batch=4, writers=1)
        await group.start()
        old, new = object(), object()
        claims = [(old, "a"), (old, "b"), (old, "A"), (old, "bad"), (old, "c"), (new, "d"), (old, "e")]
        tasks = [asyncio.ensure_future(group.submit(adjudicator, {"claim_id": claim_id})) for adjudicator, claim_id in claims]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await group.stop()
        return store.batches, results

    batches, results = asyncio.run(scenario())
    # all seven wait before the writer runs: a batch ends before 'A' (the claim 'a' again) and
    # before a claim of another plan set, so arrival order holds across batches
    assert batches == [["a", "b"], ["A", "bad", "c"], ["d"], ["e"]]
    assert results == ["ok:a", "ok:b", "ok:A", results[3], "ok:c", "ok:d", "ok:e"] and isinstance(results[3], ValueError)


def test_concurrent_requests_are_each_answered_as_if_alone(bundled_plans, tokens_file):
    app = create_app(settings_for(tokens_file, batch=8, writers=1), store=make_store(), plans=bundled_plans)
    claims = [variant(HOSPITAL_CLAIM, f"c-{n}", admission=f"2024-0{1 + n % 9}-01", discharge=f"2024-0{1 + n % 9}-03")
              for n in range(9)]
    claims = [dict(claim, member=dict(claim["member"], member_id=f"m-{n}")) for n, claim in enumerate(claims)]
    sends = claims + claims + [PENDING_CLAIM, PENDING_CLAIM]  # each claim twice, at once
    with TestClient(app) as client, concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda claim: client.post("/v1/claims", json=claim, headers=bearer("adjudicate")), sends))
        by_claim: dict[str, list] = {}
        for claim, answer in zip(sends, answers):
            by_claim.setdefault(claim["claim_id"], []).append(answer)
        for claim_id, (first, second) in by_claim.items():
            assert sorted([first.status_code, second.status_code]) == [200, 201], claim_id
            assert first.content == second.content  # the replay is the stored decision
        assert all(json.loads(a.content)["total"] == "2400.00" for a in by_claim["c-3"])
        metrics = client.get("/metrics", headers=bearer("read")).text
        assert "adjudicator_claims_per_transaction_sum 20.0" in metrics
