"""Where the ledger tests run: in memory, on a SQLite file, and on PostgreSQL where a server
answers at ADJUDICATOR_TEST_DATABASE_URL (.ci/run sets it when one runs on 127.0.0.1:5432).
Each PostgreSQL test gets a database of its own with a random name, dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest

PG_ENV = "ADJUDICATOR_TEST_DATABASE_URL"
BACKENDS = ["memory", "sqlite", "postgresql"]


def _admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    return "postgresql+psycopg://" + url.split("://", 1)[1]


_REACHABLE: dict[str, str | None] = {}


def postgres_skip_reason() -> str | None:
    """Why PostgreSQL tests skip here, or None when they run."""
    if "reason" not in _REACHABLE:
        url = _admin_url()
        if url is None:
            _REACHABLE["reason"] = f"PostgreSQL tests skipped: {PG_ENV} is not set (.ci/run sets it when a server answers)"
        else:
            try:
                import psycopg

                psycopg.connect(os.environ[PG_ENV].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
                _REACHABLE["reason"] = None
            except Exception as error:  # noqa: BLE001: any failure to connect means skip, with its reason
                _REACHABLE["reason"] = f"PostgreSQL tests skipped: {PG_ENV} does not answer ({error})"
    return _REACHABLE["reason"]


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database `adj_<random>` on the test server, dropped on exit; yields its URL."""
    reason = postgres_skip_reason()
    if reason:
        print(reason)
        pytest.skip(reason)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(_admin_url())
    name = f"adj_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextlib.contextmanager
def ledger_url(backend: str, tmp_path) -> Iterator[str | None]:
    """A fresh, upgraded ledger of the backend: None for memory, a SQLite path, or a PostgreSQL URL."""
    if backend == "memory":
        yield None
    elif backend == "sqlite":
        yield str(tmp_path / "ledger.db")
    else:
        with postgres_database() as url:
            from engine.store import open_store

            open_store(url, upgrade=True).close()
            yield url


@pytest.fixture(params=BACKENDS)
def backend_url(request, tmp_path):
    with ledger_url(request.param, tmp_path) as url:
        yield request.param, url


@pytest.fixture
def store(backend_url):
    from engine.store import open_store

    backend, url = backend_url
    opened = open_store(url)
    yield opened
    opened.close()
