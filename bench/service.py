"""Benchmark of the HTTP service: claims recorded per second through `POST /v1/claims`, and the
latency each client sees, under a bounded load from a second process on 127.0.0.1.

    python bench/service.py                                  # 50,000 claims, 16 clients, SQLite and PostgreSQL
    python bench/service.py --ledger sqlite --claims 20000 --workers 2 --clients 16
    python bench/service.py --ledger postgresql --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each ledger it starts `adjudicator serve` (its own SQLite file, or its own PostgreSQL
database `adj_bench_<random>`, prepared by `adjudicator ledger upgrade` and dropped after),
waits for /readyz, then runs the load in a child process: `--clients` connections, each sending
whole members' claims in order (a member's claims depend on the ones before), every claim once,
until all are answered or `--max-seconds` pass. It prints claims/s, p50/p90/p99 latency, the
statuses, the machine's load average, and the server's CPU time per claim.

The load uses a small HTTP/1.1 client on asyncio streams (requests prebuilt as bytes, keep-alive,
one request in flight per connection): a general client such as httpx costs several times
more CPU per request, and here the load shares the 2 cores with the service and the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.synthetic import generate, generate_mixed  # noqa: E402

TOKEN = "bench-" + secrets.token_hex(16)
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# -- the corpus ---------------------------------------------------------------------------------


def member_requests(claims: int, corpus: str, seed: int) -> list[list[bytes]]:
    """Each member's claims as prebuilt HTTP requests, in the member's order."""
    blocks = generate_mixed(claims, seed) if corpus == "mixed" else generate(claims, seed, corpus)
    head = ("POST /v1/claims HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN +
            "\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n")
    members = []
    for block in blocks:
        requests = []
        for claim in block:
            body = json.dumps(claim, ensure_ascii=False, separators=(",", ":")).encode()
            requests.append(head.format(len(body)).encode() + body)
        members.append(requests)
    return members


# -- the load (a child process) -----------------------------------------------------------------


async def _client(port: int, members: list[list[bytes]], latencies: list[float], statuses: Counter, deadline: float):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for requests in members:
            for request in requests:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                writer.write(request)
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
    finally:
        writer.close()


def run_load(port: int, members: list[list[bytes]], clients: int, max_seconds: float, results) -> None:
    """Child process: `clients` connections share the members round-robin; puts the figures."""
    shares = [members[index::clients] for index in range(clients)]
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def main():
        deadline = time.monotonic() + max_seconds
        await asyncio.gather(*(_client(port, share, latencies, statuses, deadline) for share in shares))

    try:
        import uvloop  # the load's own cost per request matters here: it shares the cores

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    started = time.perf_counter()
    runner(main())
    results.put((time.perf_counter() - started, latencies, dict(statuses)))


# -- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def adjudicator_command() -> list[str]:
    return [sys.executable, "-c", "from engine.cli import app; app()"]


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that are still running."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid] + [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class PostgresDatabase:
    """A database of its own on the server, dropped afterwards."""

    def __init__(self, url: str):
        import sqlalchemy

        self.admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
        self.name = "adj_bench_" + secrets.token_hex(4)
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        self.url = sqlalchemy.engine.make_url(url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


def measure(ledger_kind: str, members, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="adjudicator-bench-"))
    database = None
    try:
        (workdir / "tokens").write_text(f"{TOKEN} adjudicate,read\n", encoding="utf-8")
        if ledger_kind == "sqlite":
            ledger = str(workdir / "ledger.db")
        else:
            database = PostgresDatabase(args.database_url)
            ledger = database.url
            subprocess.run([*adjudicator_command(), "ledger", "upgrade", "--ledger", ledger], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        port = free_port()
        server = subprocess.Popen(
            [*adjudicator_command(), "serve", "--ledger", ledger, "--tokens", str(workdir / "tokens"), "--port", str(port),
             "--workers", str(args.workers), "--evaluator", args.evaluator, "--batch", str(args.batch), "--writers",
             str(args.writers), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(workdir / "server.log", "w"))
        try:
            wait_ready(port, server)
            cpu_before = cpu_seconds(server.pid)
            results = multiprocessing.get_context("spawn").Queue()
            load = multiprocessing.get_context("spawn").Process(target=run_load, args=(port, members, args.clients, args.max_seconds, results))
            load.start()
            seconds, latencies, statuses = results.get()
            load.join()
            cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        latencies.sort()
        quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
        return {"ledger": ledger_kind, "claims": len(latencies), "seconds": seconds, "per_second": len(latencies) / seconds,
                "p50": quantile(0.50), "p90": quantile(0.90), "p99": quantile(0.99), "max": latencies[-1] * 1000,
                "mean": statistics.fmean(latencies) * 1000, "statuses": statuses,
                "server_cpu_ms_per_claim": cpu * 1000 / max(1, len(latencies)), "load": os.getloadavg()}
    finally:
        if database:
            database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ledger", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--database-url", default=os.environ.get("ADJUDICATOR_TEST_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--corpus", default="hospital", help="hospital, diagnosis, accident, multi-plan or mixed")
    parser.add_argument("--evaluator", default="durable", choices=["durable", "generated", "python"])
    parser.add_argument("--batch", type=int, default=32, help="serve --batch: claims per transaction at most (group commit)")
    parser.add_argument("--writers", type=int, default=2, help="serve --writers: transactions in flight per worker")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop the load after this long")
    parser.add_argument("--runs", type=int, default=1, help="measure each ledger this many times")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    members = member_requests(args.claims, args.corpus, args.seed)
    total = sum(len(requests) for requests in members)
    print(f"corpus: {total:,} {args.corpus} claims of {len(members):,} members; {args.clients} clients, "
          f"{args.workers} workers, batch {args.batch}, {args.writers} writers, evaluator {args.evaluator}; "
          f"{os.cpu_count()} cores", flush=True)
    kinds = ["sqlite", "postgresql"] if args.ledger == "both" else [args.ledger]
    for kind in kinds:
        for _ in range(args.runs):
            figures = measure(kind, members, args)
            print(f"{kind:10} {figures['claims']:,} claims in {figures['seconds']:.1f} s: {figures['per_second']:,.0f} claims/s; "
                  f"latency p50 {figures['p50']:.1f} ms, p90 {figures['p90']:.1f} ms, p99 {figures['p99']:.1f} ms, "
                  f"max {figures['max']:.0f} ms; server CPU {figures['server_cpu_ms_per_claim']:.2f} ms/claim; "
                  f"statuses {figures['statuses']}; load average {', '.join(f'{x:.1f}' for x in figures['load'])}",
                  flush=True)


if __name__ == "__main__":
    main()
