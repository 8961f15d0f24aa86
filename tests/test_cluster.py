"""Dask: `adjudicate` and `diff` on a LocalCluster, and on a `dask scheduler` with two `dask
worker` processes on 127.0.0.1 started here, give exactly the single-process results (a
member's claims stay in order in one partition; results come back in order). Kept small: a
cluster's start-up is most of each test's time."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parent.parent
PLANS = ["--plans", str(ROOT / "plans"), "--rules", str(ROOT / "rules")]
BIN = Path(sys.executable).parent


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cluster") / "claims.jsonl"
    assert run("synth", "--out", str(path), "--claims", "400", "--seed", "12").exit_code == 0
    return path


def head_plans(tmp_path: Path) -> Path:
    plans = tmp_path / "head"
    shutil.copytree(ROOT / "plans", plans)
    plan = plans / "inpatient-medical" / "2024.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("{per_unit: 15000.00}", "{per_unit: 5000.00}"), encoding="utf-8")
    return plans


def adjudicated(corpus: Path, out: Path, *extra: str) -> str:
    result = run("adjudicate", str(corpus), "--out", str(out), "--evaluator", "generated", *extra, *PLANS)
    assert result.exit_code == 0, result.output
    return out.read_bytes() if out.suffix == ".parquet" else out.read_text(encoding="utf-8")


def diffed(corpus: Path, head: Path, out: Path, *extra: str) -> dict:
    result = run("diff", str(corpus), "--base-plans", str(ROOT / "plans"), "--head-plans", str(head), "--rules", str(ROOT / "rules"),
                 "--evaluator", "generated", "--quiet", "--json", str(out), *extra)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    report.pop("provenance", None)  # when and where it ran
    return report


def test_a_local_cluster_gives_the_single_process_results(corpus, tmp_path):
    adjudicated(corpus, tmp_path / "one.parquet")
    adjudicated(corpus, tmp_path / "local.parquet", "--workers", "2")
    assert pq.read_table(tmp_path / "local.parquet").equals(pq.read_table(tmp_path / "one.parquet"))
    head = head_plans(tmp_path)
    plain = diffed(corpus, head, tmp_path / "plain.json", "--workers", "1")
    assert plain["changed"] > 0
    assert diffed(corpus, head, tmp_path / "local.json", "--cluster", "local", "--workers", "2") == plain


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_and_two_worker_processes_give_the_single_process_results(corpus, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                               "--host", "127.0.0.1", "--no-dashboard"],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path))
        from dask.distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        single = adjudicated(corpus, tmp_path / "one.jsonl")
        assert len(single.splitlines()) == len(corpus.read_text(encoding="utf-8").splitlines()) >= 400
        assert adjudicated(corpus, tmp_path / "remote.jsonl", "--cluster", address) == single
        head = head_plans(tmp_path)
        plain = diffed(corpus, head, tmp_path / "plain.json", "--workers", "1")
        assert diffed(corpus, head, tmp_path / "remote.json", "--cluster", address) == plain
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
