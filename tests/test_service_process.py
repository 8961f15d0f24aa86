"""The real `adjudicator serve` process: refusing to start without tokens, two workers on one
PostgreSQL ledger recording claims sent concurrently, SIGHUP reaching every worker, and the
README's curl example against a SQLite ledger."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine.synthetic import generate
from service_helpers import ROOT, TOKENS, TOKENS_FILE
from stores import postgres_database

SERVE = [sys.executable, "-m", "engine.cli", "serve"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(url: str, method: str = "GET", body: bytes | None = None, role: str = "all"):
    """(status, headers (case-insensitive), body)."""
    headers = {"Authorization": f"Bearer {TOKENS[role]}", "Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, method=method, headers=headers), timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@contextlib.contextmanager
def serving(tmp_path: Path, ledger: str, workers: int, plans: Path = ROOT / "plans"):
    """`adjudicator serve` on a free port until the block ends (SIGTERM, then its exit)."""
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKENS_FILE, encoding="utf-8")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")
    process = subprocess.Popen([*SERVE, "--ledger", ledger, "--tokens", str(tokens), "--port", str(port),
                                "--workers", str(workers), "--plans", str(plans), "--no-access-log"],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, Path(log.name).read_text()
            try:
                if request(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "serve did not become ready:\n" + Path(log.name).read_text()
            time.sleep(0.2)
        yield base, process, Path(log.name)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def metric(text: str, name: str) -> float:
    """Sum of a metric's samples in Prometheus text."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{") or line.startswith(name + " "))


def test_serve_refuses_to_start_without_tokens_or_insecure_dev_beyond_loopback(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "ADJUDICATOR_TOKENS"}
    refused = subprocess.run(SERVE, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 2 and "no tokens: give --tokens FILE" in refused.stderr
    exposed = subprocess.run([*SERVE, "--insecure-dev", "--host", "0.0.0.0"], cwd=ROOT, capture_output=True, text=True,
                             env=env, timeout=60)
    assert exposed.returncode == 2 and "--insecure-dev listens on 127.0.0.1 only" in exposed.stderr
    (tmp_path / "tokens").write_text("short read\n", encoding="utf-8")
    weak = subprocess.run([*SERVE, "--tokens", str(tmp_path / "tokens")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert weak.returncode == 2 and "tokens:1: a token must have at least 16 characters" in weak.stderr


def test_two_workers_on_postgresql_record_every_claim_once(tmp_path):
    claims = [claim for block in generate(120, 7, "hospital") for claim in block]
    members: dict[str, list[dict]] = {}
    for claim in claims:
        members.setdefault(claim["member"]["member_id"], []).append(claim)
    with postgres_database() as url:
        subprocess.run([*SERVE[:-1], "ledger", "upgrade", "--ledger", url], cwd=ROOT, check=True, capture_output=True, timeout=120)
        shutil.copytree(ROOT / "plans", tmp_path / "plans")
        with serving(tmp_path, url, workers=2, plans=tmp_path / "plans") as (base, process, log):

            def send_member(member_claims):  # a member's claims in order; members side by side
                return [request(base + "/v1/claims", "POST", json.dumps(claim).encode()) for claim in member_claims]

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                answers = [answer for batch in pool.map(send_member, members.values()) for answer in batch]
                replays = list(pool.map(lambda claim: request(base + "/v1/claims", "POST", json.dumps(claim).encode()), claims))
            assert [status for status, _, _ in answers] == [201] * len(claims), {a[0]: a[2][:300] for a in answers}
            assert all(status == 200 and headers["Idempotent-Replayed"] == "true" for status, headers, _ in replays)
            assert [body for _, _, body in replays] == [body for _, _, body in answers]  # byte for byte
            for claim in claims[:10]:
                status, _, body = request(base + f"/v1/claims/{claim['claim_id']}")
                assert status == 200 and [v["version"] for v in json.loads(body)["versions"]] == [1]

            text = request(base + "/metrics")[2].decode()  # summed over both workers
            assert metric(text, "adjudicator_claims_total") == 2 * len(claims)
            assert sum(float(v) for v in re.findall(r'adjudicator_claims_total\{outcome="replayed",status="\w+"\} (\S+)', text)) == len(claims)

            # SIGHUP to serve reaches both workers; a broken plan set is refused and the old one stays
            process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while metric(request(base + "/metrics")[2].decode(), "adjudicator_plan_reloads_total") < 2:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            fingerprint = json.loads(request(base + "/v1/plans")[2])["fingerprint"]
            broken = tmp_path / "plans/inpatient-medical/2024.yaml"
            broken.write_text(broken.read_text(encoding="utf-8").replace("rate: 0.40", "rate: 1.5", 1), encoding="utf-8")
            status, headers, body = request(base + "/v1/admin/reload", "POST")
            assert status == 422 and headers["Content-Type"] == "application/problem+json"
            assert json.loads(body)["in_force"] == fingerprint
            assert all(json.loads(request(base + "/v1/plans")[2])["fingerprint"] == fingerprint for _ in range(6))


def test_the_readme_curl_example_runs_against_a_sqlite_ledger(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed here")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Trying it with curl"):]
    script = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    with serving(tmp_path, str(tmp_path / "ledger.db"), workers=1) as (base, _, _):
        script = script.replace("export TOKEN=…", f"export TOKEN={TOKENS['all']}").replace("http://127.0.0.1:8000", base)
        output = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    codes, history = re.fullmatch(r"((?:\d{3} )+)(.*)", output, re.S).groups()
    assert codes.split() == ["201"] * 9
    decision = json.loads(history)
    assert decision["versions"][0]["decision"]["status"] == "paid" and decision["versions"][0]["decision"]["total"] == "9480.00"
