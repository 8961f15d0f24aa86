"""Prometheus metrics: claims by outcome and status, refusals, request latency, ledger retries,
plan reloads.

With several worker processes, `serve` sets `PROMETHEUS_MULTIPROC_DIR` before the workers start;
each worker then writes its values to files there and `/metrics`, whichever worker answers,
sums every worker's (prometheus-client's multiprocess mode). One process alone (or an app in a
test) keeps its own registry in memory."""

from __future__ import annotations

import os
import re
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest

disable_created_metrics()  # no `_created` timestamp series beside every counter: they double the text for nothing

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# A decision's first `"status":"…"` is the claim's: `claim_id` and `member_id` come before it and
# JSON strings cannot hold an unescaped quote. Read so, a replayed decision is not parsed again.
_STATUS = re.compile(r'"status":"([a-z]+)"')


def decision_status(decision_json: str) -> str:
    match = _STATUS.search(decision_json)
    return match.group(1) if match else "unknown"


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        # In multiprocess mode values live in files, collected at scrape time; registering
        # them here as well would count every value twice.
        self.registry = None if self.multiprocess else CollectorRegistry()
        registry = self.registry
        self.claims = Counter("adjudicator_claims", "Claims answered by POST /v1/claims, by submission outcome "
                              "(created, replayed, resubmitted) and decision status", ["outcome", "status"], registry=registry)
        self.refused = Counter("adjudicator_claims_refused", "Claims refused by POST /v1/claims, by the kind of "
                               "problem (invalid_claim, claim_conflict, body_too_large, too_deep, invalid_json, ledger_busy, "
                               "ledger_unavailable, ...)", ["reason"], registry=registry)
        self.simulations = Counter("adjudicator_simulations", "What-if decisions by status", ["status"], registry=registry)
        self.ledger_retries = Counter("adjudicator_ledger_retries", "Claims adjudicated again because another writer "
                                      "changed a value they read", registry=registry)
        self.reloads = Counter("adjudicator_plan_reloads", "Plan reloads by result (loaded, unchanged, rejected)",
                               ["result"], registry=registry)
        self.batch_size = Histogram("adjudicator_claims_per_transaction", "Claims recorded in one ledger "
                                    "transaction (group commit)", buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=registry)
        self.latency = Histogram("adjudicator_request_duration_seconds", "Time from request to the end of the "
                                 "response, by route", ["method", "route"], buckets=LATENCY_BUCKETS, registry=registry)
        self.responses = Counter("adjudicator_responses", "Responses by route and status code",
                                 ["method", "route", "code"], registry=registry)

    def render(self) -> tuple[bytes, str]:
        if self.multiprocess:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = self.registry
        return generate_latest(registry), CONTENT_TYPE_LATEST


class RequestMetrics:
    """ASGI middleware: latency and status of every request, labelled by its route template
    (`/v1/claims/{claim_id}`, never the id itself, so labels stay few)."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def record_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
            self.metrics.responses.labels(method, template, str(status)).inc()
